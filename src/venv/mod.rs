//! Virtual environments: their layout, `pyvenv.cfg`, activation scripts,
//! and the creation pipeline.

pub mod activate;
pub mod cfg;
pub mod create;
pub mod layout;
pub mod run;
pub mod seed;

use std::path::PathBuf;

pub use create::{Created, create};
pub use layout::Layout;
pub use seed::Seeder;

use crate::error::Hint;

/// How `fenv create` was asked to build an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOptions {
    pub system_site_packages: bool,
    pub link: InterpreterLink,
    pub on_existing: OnExisting,
    pub seed: Seed,
    /// The prompt as given (`.` still means the current folder's name).
    pub prompt: Option<String>,
    /// Write a `.gitignore` holding `*`.
    pub scm_ignore_files: bool,
    pub relocatable: bool,
}

/// How the interpreter gets into `bin/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpreterLink {
    /// Symlinks (the POSIX default); falls back to a copy where the
    /// filesystem has no symlinks.
    Symlink,
    /// Full copies of the interpreter binary (`--copies`).
    Copy,
}

/// What to do when the destination already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnExisting {
    /// What `python -m venv` does run again: an existing environment is
    /// refreshed in place (interpreter links, `pyvenv.cfg`, activation
    /// scripts, pip when missing), its packages kept; any other folder
    /// that is not empty is refused.
    Refresh,
    /// Replace an existing environment; with `force`, also a folder that is
    /// not one.
    Clear { force: bool },
    /// Re-link the interpreter and rewrite `pyvenv.cfg`, keeping packages.
    Upgrade,
}

/// What gets installed into a new environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seed {
    /// Nothing (`--without-pip`).
    None,
    /// pip (and setuptools where that Python's venv adds it), then
    /// optionally upgraded from the index.
    Pip { upgrade_deps: bool },
}

/// What can go wrong while creating an environment.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{}` exists and is a file", crate::fs::user_display(path))]
    IsFile { path: PathBuf },

    #[error(
        "`{}` is a folder with files in it, and not a virtual environment",
        crate::fs::user_display(path)
    )]
    NotAVenv { path: PathBuf, clear_requested: bool },

    #[error(
        "there is no virtual environment to upgrade at `{}`",
        crate::fs::user_display(path)
    )]
    NothingToUpgrade { path: PathBuf },

    // `why`, not `source`: thiserror would print it twice as the cause.
    #[error(
        "the path `{}` cannot be used in activation scripts: {why}",
        crate::fs::user_display(path)
    )]
    UnsafePath {
        path: PathBuf,
        why: activate::UnsafeValue,
    },

    #[error("the prompt {prompt:?} cannot be used in activation scripts: {why}")]
    UnsafePrompt {
        prompt: String,
        why: activate::UnsafeValue,
    },

    #[error(transparent)]
    Io(#[from] crate::fs::PathError),

    #[error(
        "`ensurepip` is not available in Python {version} at `{}`",
        crate::fs::user_display(python)
    )]
    NoEnsurepip { python: PathBuf, version: String },

    #[error("`--upgrade-deps` needs the package index, but `--offline` was given")]
    OfflineUpgradeDeps,

    #[error(transparent)]
    Install(#[from] crate::install::Error),

    #[error(transparent)]
    Index(#[from] crate::index::Error),

    #[error("no virtual environment found: no `$VIRTUAL_ENV` and no `.venv` here or above")]
    NoneFound,

    #[error(
        "`{}` is not a virtual environment (it has no `pyvenv.cfg`)",
        crate::fs::user_display(path)
    )]
    NotAnEnvironment { path: PathBuf },

    #[error("unknown shell `{name}`")]
    UnknownShell { name: String },

    #[error("`{}` has no `{script}` for {shell}", crate::fs::user_display(path))]
    NoActivationScript {
        path: PathBuf,
        shell: activate::Shell,
        script: &'static str,
    },
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::IsFile { .. } => Some("choose another folder for the environment, or remove the file".into()),
            Self::NotAVenv { clear_requested: false, .. } => Some(
                "choose another folder, or pass `--clear --force` to delete its contents and create the environment there".into(),
            ),
            Self::NotAVenv { clear_requested: true, .. } => Some(
                "`--clear` only replaces virtual environments; add `--force` to delete the contents of this folder".into(),
            ),
            Self::NothingToUpgrade { .. } => Some("drop `--upgrade` to create a new environment".into()),
            Self::UnsafePath { .. } => Some(
                "choose a folder whose path has no newline, NUL byte or `:` (the PATH separator)".into(),
            ),
            Self::UnsafePrompt { .. } => Some("choose a prompt without newlines".into()),
            Self::Io(err) if err.io().kind() == std::io::ErrorKind::PermissionDenied => {
                let path = err.path();
                let folder = if path.is_dir() { path } else { path.parent().unwrap_or(path) };
                Some(format!(
                    "check that you can write to `{}`, or create the environment somewhere else",
                    folder.display()
                ))
            }
            Self::Io(_) => None,
            Self::NoEnsurepip { version, .. } => {
                let minor = version.split('.').take(2).collect::<Vec<_>>().join(".");
                Some(format!(
                    "install it (on Debian and Ubuntu: `apt install python{minor}-venv`), or pass `--without-pip`"
                ))
            }
            Self::OfflineUpgradeDeps => Some("drop `--offline`, or drop `--upgrade-deps`".into()),
            Self::Install(err) => err.hint(),
            Self::Index(err) => err.hint(),
            Self::NoneFound => Some("pass `--env DIR`".into()),
            Self::NotAnEnvironment { path } => {
                Some(format!("create it with `fenv create {}`", crate::fs::user_display(path)))
            }
            Self::UnknownShell { .. } => Some(
                "fenv knows bash, zsh, sh, dash, ksh, mksh, fish, csh, tcsh, nu, xonsh, pwsh and cmd".into(),
            ),
            // A relocatable environment has no csh script (csh cannot find
            // where a sourced file is), and cmd's needs a path it can hold.
            Self::NoActivationScript { path, .. } => Some(format!(
                "run commands in it with `fenv run --env {} -- CMD`, or activate it from another shell (bash, zsh, fish, …)",
                crate::fs::user_display(path)
            )),
        }
    }
}

/// The site-packages folder of an existing environment, found from its
/// `pyvenv.cfg` without running Python.
pub fn site_packages_of(env: &std::path::Path) -> Option<PathBuf> {
    if !env.join("pyvenv.cfg").is_file() {
        return None;
    }
    let windows = env.join("Lib").join("site-packages");
    if windows.is_dir() {
        return Some(windows);
    }
    let (major, minor) = python_version_of(env)?;
    // `python3.13t` for free-threaded builds.
    ["", "t"]
        .iter()
        .map(|suffix| {
            env.join("lib")
                .join(format!("python{major}.{minor}{suffix}"))
                .join("site-packages")
        })
        .find(|dir| dir.is_dir())
}

/// `(major, minor)` from an environment's `pyvenv.cfg` (`version` or
/// virtualenv's and uv's `version_info`).
pub fn python_version_of(env: &std::path::Path) -> Option<(u32, u32)> {
    let text = fs_err::read_to_string(env.join("pyvenv.cfg")).ok()?;
    let cfg = cfg::PyvenvCfg::parse(&text);
    let version = cfg.get("version").or_else(|| cfg.get("version_info"))?;
    let mut parts = version.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}
