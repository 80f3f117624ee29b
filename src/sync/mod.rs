//! Syncing an environment to a lock: which locked packages apply to the
//! environment's interpreter ([`mod@select`]), what to install, replace and
//! remove ([`mod@plan`]), getting every wheel into the store, verified,
//! before the environment is touched ([`mod@fetch`]), the environment as a
//! sync sees it ([`state`]), changing it ([`apply`]) and saying what
//! changed ([`report`]). [`sync()`] runs those steps in order; the
//! installer ([`crate::install`]) writes the files.

pub mod apply;
pub mod fetch;
pub mod pending;
pub mod plan;
pub mod report;
pub mod run;
pub mod select;
pub mod selection;
pub mod state;

pub use fetch::fetch;
pub use plan::{Plan, plan};
pub use run::sync;
pub use select::{Selected, Source, select};
pub use selection::{Choice, Selection};
pub use state::EnvState;

use std::path::PathBuf;

use crate::error::Hint;
use crate::fs::user_display;

/// What `fenv sync` was asked to do.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    pub env: Option<PathBuf>,
    pub lock: Option<PathBuf>,
    pub frozen: bool,
    pub dry_run: bool,
    pub json: bool,
    /// Always `host` once resolved; kept to refuse the others clearly.
    pub target: String,
    pub python: Option<String>,
    /// How files get from the cache into the environment (`None`: automatic).
    pub link_mode: Option<crate::install::LinkMode>,
    /// How the lock is checked, and made again when stale: the overrides
    /// `fenv lock` would be given, so both agree on the lock's inputs.
    pub lock_settings: crate::locking::LockSettings,
    /// Locked packages to install again whatever their state.
    pub reinstall: Reinstall,
    /// Whether installed files are checked against their RECORD first.
    pub verify: bool,
    /// The extras and groups asked for (`--extra`, `--group`, `--no-dev`, …).
    pub choice: Choice,
}

/// `--reinstall`, `--reinstall PACKAGE…`, or neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Reinstall {
    #[default]
    Nothing,
    Every,
    /// Normalized names.
    These(Vec<String>),
}

/// The `pyvenv.cfg` key recording the lock an environment was synced from.
pub const LOCK_KEY: &str = "fenv.lock";

/// What can stop a sync before the environment is touched.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`fenv sync` installs the `host` target into a local environment, not `{target}`")]
    NotInstallableTarget { target: String },

    #[error("this lock was not made for {environment}")]
    NotForThisEnvironment {
        environment: String,
        targets: Vec<String>,
        /// The Pythons the lock's environments name.
        pythons: Vec<String>,
    },

    #[error("the lock requires Python `{requires}`, but the environment runs {python}")]
    PythonMismatch { requires: String, python: String },

    #[error("`{package}` {version} requires Python `{requires}`, but the environment runs {python}")]
    PackagePythonMismatch {
        package: String,
        version: String,
        requires: String,
        python: String,
    },

    #[error("the marker `{marker}` in the lock is not valid: {reason}")]
    InvalidMarker { marker: String, reason: String },

    #[error("the lock names `{package}` twice for this environment ({first} and {second})")]
    Ambiguous {
        package: String,
        first: String,
        second: String,
    },

    #[error(
        "`{package}` {version} is locked only as a source distribution, which fenv builds only for the host"
    )]
    SdistOnly { package: String, version: String },

    #[error(
        "`{package}` {version} is locked only as a source distribution for this environment, and `--no-build` forbids building it"
    )]
    BuildForbidden { package: String, version: String },

    #[error("no wheel of `{package}` {version} in the lock fits {environment}")]
    NoCompatibleWheel {
        package: String,
        version: String,
        environment: String,
    },

    #[error("`{package}` {version}: `{url}` has sha256 {actual}, but the lock says {expected}")]
    HashMismatch {
        package: String,
        version: String,
        url: String,
        expected: String,
        actual: String,
    },

    #[error("`{package}` {version}: `{url}` has {actual} bytes, but the lock says {expected}")]
    SizeMismatch {
        package: String,
        version: String,
        url: String,
        expected: u64,
        actual: u64,
    },

    #[error("failed to download `{package}` {version}")]
    Download {
        package: String,
        version: String,
        #[source]
        source: crate::index::Error,
    },

    #[error(transparent)]
    Build(#[from] crate::build::Error),

    #[error("failed to add `{package}` {version} to the wheel store")]
    Store {
        package: String,
        version: String,
        #[source]
        source: Box<crate::install::Error>,
    },

    /// What an environment's lock does not fit, named with the env.
    #[error("failed to sync `{}`", user_display(env))]
    Sync {
        env: PathBuf,
        #[source]
        source: Box<Error>,
    },

    #[error("failed to query the Python of `{}`", user_display(env))]
    QueryPython {
        env: PathBuf,
        #[source]
        source: crate::python::Error,
    },

    #[error("{reason}")]
    UnsupportedHost { reason: String },

    #[error(transparent)]
    Selection(#[from] selection::Unknown),

    #[error("the wheel of `{package}` was not fetched")]
    NotFetched { package: String },

    #[error(transparent)]
    Install(#[from] crate::install::Error),

    #[error(transparent)]
    Io(#[from] crate::fs::PathError),

    #[error(
        "`{package}` is not in `{}` for this environment; `--reinstall` takes locked packages",
        user_display(lock)
    )]
    NotLocked { package: String, lock: PathBuf },

    #[error("failed to sync `{}`; nothing was changed", user_display(env))]
    Unchanged {
        env: PathBuf,
        #[source]
        source: Box<Error>,
    },

    #[error("failed to find a Python for `{}`", user_display(env))]
    FindPython {
        env: PathBuf,
        #[source]
        source: Box<crate::project::Error>,
    },

    #[error("failed to create a virtual environment at `{}`", user_display(env))]
    Create {
        env: PathBuf,
        #[source]
        source: Box<crate::venv::Error>,
    },

    #[error(transparent)]
    Relock(Box<crate::locking::Error>),

    #[error(transparent)]
    Lock(#[from] crate::lock::Error),

    #[error(transparent)]
    Manifest(#[from] crate::project::manifest::Error),

    #[error("failed to print the report")]
    Json(#[from] serde_json::Error),
}

impl From<crate::lock::marker::InvalidMarker> for Error {
    fn from(err: crate::lock::marker::InvalidMarker) -> Self {
        Self::InvalidMarker {
            marker: err.marker,
            reason: err.reason,
        }
    }
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::NotInstallableTarget { target } => Some(format!(
                "the lock pins the same versions for every target, so the host environment runs what `{target}` gets; its own wheels go into bundles"
            )),
            Self::NotForThisEnvironment { targets, pythons, .. } => {
                // `host` in a lock's targets stands for the declared
                // development environments.
                let covered = if targets.is_empty() {
                    "other environments".to_string()
                } else {
                    targets
                        .iter()
                        .map(|t| if t == "host" { "its environments" } else { t.as_str() })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let add = "or add this machine to `[tool.fenv] environments` (a platform such as `linux` or a marker) and run `fenv lock`";
                Some(match pythons.first() {
                    Some(python) => {
                        let python = python.split(['–', '+']).next().unwrap_or(python);
                        format!(
                            "the lock covers {covered} (Python {}): sync with one of those (`-p {python}`), {add}",
                            pythons.join(", ")
                        )
                    }
                    None => format!("the lock covers {covered}: {add}"),
                })
            }
            Self::PythonMismatch { .. } | Self::PackagePythonMismatch { .. } => Some(
                "recreate the environment with a Python the lock supports (`fenv create --clear -p …`)"
                    .into(),
            ),
            Self::InvalidMarker { .. } | Self::Ambiguous { .. } => {
                Some("run `fenv lock` to write the lock again".into())
            }
            Self::BuildForbidden { .. } => Some(
                "pin a version that publishes wheels for this Python, or sync without `--no-build`".into(),
            ),
            Self::SdistOnly { .. } | Self::NoCompatibleWheel { .. } => Some(
                "lock with a Python for which the package publishes wheels, or pin a version that has them"
                    .into(),
            ),
            Self::HashMismatch { .. } | Self::SizeMismatch { .. } => Some(
                "the file was corrupted or tampered with; if the package was re-published, run `fenv lock --refresh`"
                    .into(),
            ),
            Self::Download { source, .. } => source.hint(),
            // The store is in the cache, not the environment.
            Self::Store { source, .. } if source.is_disk_full() => Some(crate::cache::DISK_FULL_HINT.into()),
            Self::Store { source, .. } => source.hint(),
            Self::Build(source) => source.hint(),
            Self::Install(source) => source.hint(),
            // A boxed source is not found by downcasting the chain.
            Self::Sync { source, .. } | Self::Unchanged { source, .. } => source.hint(),
            Self::Relock(source) => source.hint(),
            Self::Lock(source) => source.hint(),
            Self::Manifest(source) => source.hint(),
            Self::FindPython { source, .. } => source.hint(),
            Self::Create { source, .. } => source.hint(),
            Self::Selection(unknown) if unknown.known.is_empty() => Some(format!(
                "the lock has no {}s at all; add them to `pyproject.toml` and run `fenv lock`",
                unknown.kind
            )),
            Self::Selection(unknown) => Some(format!("the lock's {}s: {}", unknown.kind, unknown.known.join(", "))),
            Self::NotLocked { .. } | Self::Json(_) => None,
            Self::QueryPython { .. }
            | Self::UnsupportedHost { .. }
            | Self::NotFetched { .. }
            | Self::Io(_) => None,
        }
    }
}
