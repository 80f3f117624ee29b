//! Where a command finds its project, its lock and its environment: the
//! project around the current directory (or none, when a lock is named
//! outright), the lock beside it, and the environment `--env`, else
//! `[tool.fenv] env`, else `.venv` at the project's root.

use std::path::{Path, PathBuf};

use super::manifest::{self, Manifest};
use crate::fs::normalize;
use crate::printer::Printer;

/// The project (if any) and the lock that sync, check, ci and serve work
/// from.
#[derive(Debug)]
pub struct Located {
    pub cwd: PathBuf,
    pub manifest: Option<Manifest>,
    /// The project's root, else the current directory.
    pub root: PathBuf,
    pub lock_path: PathBuf,
}

impl Located {
    /// Whether the lock is the project's own, so its inputs can be checked.
    pub fn is_project_lock(&self) -> bool {
        self.manifest
            .as_ref()
            .is_some_and(|m| self.lock_path == super::lock_path(&m.root))
    }

    /// The environment: `requested` (`--env`), else the project's
    /// `[tool.fenv] env`, else `.venv` at the root; absolute.
    pub fn env_dir(&self, requested: Option<&Path>) -> PathBuf {
        env_dir(requested, self.manifest.as_ref(), &self.cwd)
            .unwrap_or_else(|| normalize(&self.root.join(".venv")))
    }
}

/// The project around `cwd` and its lock, or `lock`; a lock given
/// explicitly may be used outside any project.
pub fn locate(cwd: PathBuf, lock: Option<&Path>, printer: &Printer) -> Result<Located, manifest::Error> {
    let manifest = match manifest::load(&cwd) {
        Ok(manifest) => Some(manifest),
        Err(err) if lock.is_some() => {
            printer.verbose(format!("no project: {err}"));
            None
        }
        Err(err) => return Err(err),
    };
    let root = manifest.as_ref().map_or(cwd.clone(), |m| m.root.clone());
    let lock_path = match lock {
        Some(path) => normalize(&cwd.join(path)),
        None => super::lock_path(&root),
    };
    Ok(Located {
        cwd,
        manifest,
        root,
        lock_path,
    })
}

/// The environment `requested` (relative to `cwd`) names, else the one
/// `manifest` names (`[tool.fenv] env`, else `.venv` at its root); `None`
/// without either, where each command has its own fallback.
pub fn env_dir(requested: Option<&Path>, manifest: Option<&Manifest>, cwd: &Path) -> Option<PathBuf> {
    let dir = match (requested, manifest) {
        (Some(env), _) => cwd.join(env),
        (None, Some(manifest)) => manifest
            .root
            .join(manifest.settings.env.as_deref().unwrap_or(Path::new(".venv"))),
        (None, None) => return None,
    };
    Some(normalize(&dir))
}
