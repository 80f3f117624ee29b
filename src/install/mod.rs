//! The native wheel installer: the wheel store, installing a wheel into
//! an environment or a plain folder, uninstalling, and reading what is
//! installed. `fenv create` seeds pip with it; `sync` and `bundle` will
//! use it too.
//!
//! The small API: [`WheelStore::add`] a wheel file (verified and unpacked
//! once), [`install`] it into a [`Target`], [`uninstall`] a distribution
//! through its `RECORD`, [`installed()`] lists what a site-packages holds.

pub mod installed;
pub mod link;
pub mod record;
pub mod scripts;
mod spread;
pub mod store;
pub mod tags;
mod uninstall;
pub mod verify;

use std::path::PathBuf;

pub use installed::{Distribution, installed};
pub use link::{LinkMode, Linker};
pub use scripts::Shebang;
pub use spread::{INSTALL_JOBS, InstallOptions, Installed, Target, check, install, install_all, relative_to};
pub use store::{UnpackedWheel, WheelStore};
pub use tags::Tags;
pub use uninstall::{discard, replace, uninstall};

use crate::error::Hint;
use crate::fs::PathError;

/// What can go wrong installing or uninstalling.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the wheel `{wheel}` is invalid: {reason}")]
    InvalidWheel { wheel: String, reason: String },

    #[error("the wheel `{wheel}` is not compatible with {python}; it supports {tags}")]
    Incompatible {
        wheel: String,
        python: String,
        tags: String,
    },

    #[error("the wheel `{wheel}` would overwrite `{path}`, which belongs to the environment")]
    Reserved { wheel: String, path: String },

    #[error("the wheel `{wheel}` would replace `{path}`, which `{owner}` installed")]
    Owned {
        wheel: String,
        path: String,
        owner: String,
    },

    #[error(
        "`{}` has no RECORD, so fenv cannot tell which files are its own",
        crate::fs::user_display(dist_info)
    )]
    NoRecord { dist_info: PathBuf },

    #[error("`{name}` is not installed in `{}`", crate::fs::user_display(site_packages))]
    NotInstalled { name: String, site_packages: PathBuf },

    #[error(transparent)]
    Io(#[from] crate::fs::PathError),

    #[error("failed to {what}")]
    Store {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },

    #[error("failed to {mode} `{}` into the environment", crate::fs::user_display(from))]
    Link {
        mode: &'static str,
        from: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::InvalidWheel { .. } => Some(
                "the file is damaged or was tampered with; download it again from a trusted index".into(),
            ),
            Self::Incompatible { .. } => Some(
                "use a wheel built for this Python and platform, or choose another Python with `-p`".into(),
            ),
            Self::Reserved { .. } => Some("this wheel is broken or hostile; do not install it".into()),
            Self::Owned { owner, .. } => Some(format!(
                "two packages cannot own one script: drop one of them, or remove `{owner}` from the environment first"
            )),
            Self::NoRecord { .. } => Some("remove it with the tool that installed it".into()),
            Self::NotInstalled { .. } => Some("`fenv freeze` lists what is installed".into()),
            Self::Store { .. } => None,
            Self::Link { source, .. } if is_full(source) => {
                Some("the disk the environment is on is full: free some space there, and run it again".into())
            }
            Self::Link { mode, .. } => match *mode {
                "clone" => Some(
                    "this filesystem cannot clone files (Btrfs and XFS can); try `--link-mode hardlink` or `copy`"
                        .into(),
                ),
                "hardlink" => Some("hardlinks need the cache and the environment on one filesystem; try `--link-mode copy` or put the cache beside the environment (`FENV_CACHE_DIR`)".into()),
                "symlink" => Some("try `--link-mode copy`".into()),
                // Copying is the last resort: nothing else to try.
                _ => None,
            },
            // An install writes only into the environment, so a full disk
            // is its disk, whichever file (a package's, or RECORD) hit it.
            Self::Io(err) if is_full(err.io()) => {
                Some("the disk the environment is on is full: free some space there, and run it again".into())
            }
            Self::Io(_) => None,
        }
    }
}

impl Error {
    /// Whether a full disk (or quota) stopped it.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Self::Link { source, .. } => is_full(source),
            Self::Io(err) => is_full(err.io()),
            _ => false,
        }
    }
}

/// Whether `err` says a disk (or a quota) is full.
fn is_full(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// Compiles the `.py` files among `files` with `python` (the target
/// environment's interpreter, so the cache tag and magic number fit), in
/// parallel: `python -m compileall -q -j 0 -i -` reading the list on stdin.
pub fn compile_bytecode(python: &std::path::Path, files: &[PathBuf]) -> Result<(), Error> {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let sources: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "py"))
        .collect();
    if sources.is_empty() {
        return Ok(());
    }
    let mut child = Command::new(python)
        .args(["-m", "compileall", "-q", "-j", "0", "-i", "-"])
        .env_remove("PYTHONDONTWRITEBYTECODE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(PathError::with("run", python))?;
    if let Some(mut stdin) = child.stdin.take() {
        let list: String = sources.iter().map(|p| format!("{}\n", p.display())).collect();
        stdin
            .write_all(list.as_bytes())
            .map_err(PathError::with("write to", python))?;
    }
    let output = child.wait_with_output().map_err(PathError::with("run", python))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Error::Io(PathError::new(
            "compile bytecode with",
            python.to_path_buf(),
            std::io::Error::other(String::from_utf8_lossy(&output.stdout).trim().to_string()),
        )))
    }
}
