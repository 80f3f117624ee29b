//! fenv's cache folder: where it is, and its buckets.
//!
//! `--cache-dir`, else `$FENV_CACHE_DIR`, else `$XDG_CACHE_HOME/fenv`,
//! else `~/.cache/fenv`. The root carries a `CACHEDIR.TAG`. The cache is
//! only ever an accelerator: anything in it that does not parse is
//! discarded, and a cache that cannot be written is worked around.

use std::io;
use std::path::{Path, PathBuf};

use crate::fs::CACHEDIR_TAG;

/// The hint for a full disk under the cache (downloads, the wheel store).
pub const DISK_FULL_HINT: &str =
    "the disk is full: free some space on it (or point `FENV_CACHE_DIR` elsewhere), and run it again";

/// What `fenv cache` cannot do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no cache folder")]
    NoFolder,

    #[error("`{}` does not look like fenv's cache (no CACHEDIR.TAG); not deleting it", crate::fs::user_display(.0))]
    NotFenvs(PathBuf),
}

impl crate::error::Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::NoFolder => Some("set `FENV_CACHE_DIR` or `HOME`".into()),
            Self::NotFenvs(_) => {
                Some("pass a package name to remove only its wheels, or delete the folder yourself".into())
            }
        }
    }
}

/// The cache root, or none when no location could be determined.
#[derive(Debug, Clone)]
pub struct Cache {
    root: Option<PathBuf>,
}

impl Cache {
    /// The cache at `explicit` (from `--cache-dir`/`FENV_CACHE_DIR`), else
    /// at the platform default.
    pub fn resolve(explicit: Option<&Path>) -> Self {
        let root = explicit.map(Path::to_path_buf).or_else(default_root);
        Self { root }
    }

    /// A cache that stores nothing.
    pub fn disabled() -> Self {
        Self { root: None }
    }

    /// The root folder, for the commands that need one.
    pub fn required_root(&self) -> Result<&Path, Error> {
        self.root().ok_or(Error::NoFolder)
    }

    /// The root folder, if there is one.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// The folder of one bucket (`interpreters`, …), created on demand.
    pub fn bucket(&self, name: &str) -> io::Result<PathBuf> {
        let root = self
            .root
            .as_deref()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no cache folder"))?;
        let bucket = root.join(name);
        if !bucket.is_dir() {
            fs_err::create_dir_all(&bucket)?;
            let tag = root.join("CACHEDIR.TAG");
            if !tag.exists() {
                crate::fs::write_atomic(&tag, CACHEDIR_TAG)?;
            }
        }
        Ok(bucket)
    }

    /// Checks that the cache can be written, for an early warning.
    pub fn check_writable(&self) -> io::Result<()> {
        let bucket = self.bucket("interpreters")?;
        tempfile::Builder::new()
            .prefix(".fenv-write-check")
            .tempfile_in(bucket)
            .map(drop)
    }
}

fn default_root() -> Option<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        let xdg = PathBuf::from(xdg);
        if xdg.is_absolute() {
            return Some(xdg.join("fenv"));
        }
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
    Some(PathBuf::from(home).join(".cache").join("fenv"))
}
