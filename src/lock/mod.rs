//! `pylock.toml` (PEP 751): the model, the writer and the reader.
//!
//! This module knows the file format only; what goes into a lock is the
//! resolver's business and what is done with it the installer's. fenv
//! writes `lock-version = "1.0"` with every wheel of every target, reads
//! its own output and the locks pip and uv write, and records in
//! `[tool.fenv]` the targets and a hash of the inputs, so that
//! `fenv lock --check` needs no network. See `docs/lock-format.md`.

pub mod freshness;
pub mod marker;
mod read;
mod schema;
mod write;

use std::path::{Path, PathBuf};

pub use read::parse;
pub use schema::{FenvTool, Lock, LockedDirectory, LockedFile, LockedPackage, Options};
pub use write::{CREATED_BY, LOCK_VERSION, render};

use crate::error::Hint;
use crate::fs::user_display;

/// What can be wrong reading or writing a lock file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Io(#[from] crate::fs::PathError),

    #[error("`{}` line {line}: {reason}", user_display(path))]
    Invalid {
        path: PathBuf,
        line: usize,
        reason: String,
    },

    #[error(
        "`{}` line {line}: lock-version `{version}` is not one fenv can read (it reads 1.x)",
        user_display(path)
    )]
    UnsupportedVersion {
        path: PathBuf,
        line: usize,
        version: String,
    },

    /// The project the lock is checked against cannot be read.
    #[error(transparent)]
    Manifest(#[from] crate::project::manifest::Error),

    /// A command that never resolves (`--frozen`, `--check`, bundles,
    /// `fenv ci`) found no lock.
    #[error("there is no lock at `{}`", user_display(path))]
    Missing { path: PathBuf },

    /// The lock was resolved from other inputs than the project's now;
    /// `changes` are the `- removed` / `+ added` input lines.
    #[error("`{}` does not match the project's inputs:\n{}", user_display(path), changes.join("\n"))]
    Stale { path: PathBuf, changes: Vec<String> },
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Io(_) => None,
            Self::Manifest(source) => source.hint(),
            Self::Invalid { .. } => {
                Some("fix the file, or delete it and run `fenv lock` to write it again".into())
            }
            Self::UnsupportedVersion { .. } => Some(
                "a newer tool wrote this lock; upgrade fenv, or run `fenv lock` to write a 1.0 lock".into(),
            ),
            Self::Missing { .. } | Self::Stale { .. } => Some("run `fenv lock` and commit the result".into()),
        }
    }
}

/// Reads and parses the lock at `path`.
pub fn read(path: &Path) -> Result<Lock, Error> {
    let text = fs_err::read_to_string(path)
        .map_err(|source| Error::Io(crate::fs::PathError::new("read", path.to_path_buf(), source)))?;
    parse(&text, path)
}

/// `sha256:<hex>` of the file's bytes: what `pyvenv.cfg` records as
/// `fenv.lock` to tell whether an env is in step with its lock.
pub fn hash_file(path: &Path) -> Result<String, Error> {
    let bytes = fs_err::read(path)
        .map_err(|source| Error::Io(crate::fs::PathError::new("read", path.to_path_buf(), source)))?;
    Ok(format!("sha256:{}", crate::hash::sha256_hex(&bytes)))
}

#[cfg(test)]
mod tests;
