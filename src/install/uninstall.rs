//! Removing a distribution through its `RECORD`, and replacing one
//! version with another as a single step.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::fs::PathError;
use crate::install::Error;
use crate::install::installed::{self, Distribution};
use crate::install::record;
use crate::install::spread::{InstallOptions, Installed, Target, install};
use crate::install::store::UnpackedWheel;

/// Removes `name` from `site_packages`: every file its RECORD lists (and
/// the `.pyc` files each `.py` implies), then folders left empty. Files
/// outside `root` (the environment) are never touched. Returns the
/// removed distribution.
pub fn uninstall(site_packages: &Path, root: &Path, name: &str) -> Result<Distribution, Error> {
    let dist = installed::find(site_packages, name)?.ok_or_else(|| Error::NotInstalled {
        name: name.to_string(),
        site_packages: site_packages.to_path_buf(),
    })?;
    let files = owned_files(site_packages, root, &dist)?;
    let mut dirs = BTreeSet::new();
    for file in &files {
        remove_file(file)?;
        if let Some(parent) = file.parent() {
            dirs.insert(parent.to_path_buf());
        }
    }
    fs_err::remove_dir_all(&dist.dist_info).map_err(PathError::with("remove", &dist.dist_info))?;
    prune_empty(dirs, site_packages, root);
    Ok(dist)
}

/// Removes what is left of `name` by an install that was stopped half-way:
/// through its `RECORD` when there is one, else only its dist-info folder;
/// the files it did write are overwritten by the next install.
pub fn discard(site_packages: &Path, root: &Path, name: &str) -> Result<(), Error> {
    let Some(dist) = installed::find(site_packages, name)? else {
        return Ok(());
    };
    if owned_files(site_packages, root, &dist).is_ok() {
        return uninstall(site_packages, root, name).map(drop);
    }
    fs_err::remove_dir_all(&dist.dist_info).map_err(|e| PathError::new("remove", &dist.dist_info, e).into())
}

/// Replaces the installed `name` with `wheel` in one step: the old files
/// are moved aside, the new version installed, and the old files deleted
/// only then; if installing fails, the old version is put back.
pub fn replace(
    site_packages: &Path,
    root: &Path,
    name: &str,
    wheel: &UnpackedWheel,
    target: &Target,
    options: &InstallOptions<'_>,
) -> Result<Installed, Error> {
    let dist = installed::find(site_packages, name)?.ok_or_else(|| Error::NotInstalled {
        name: name.to_string(),
        site_packages: site_packages.to_path_buf(),
    })?;
    let files = owned_files(site_packages, root, &dist)?;
    let backup = tempfile::Builder::new()
        .prefix(".fenv-replace-")
        .tempdir_in(root)
        .map_err(PathError::with("create a folder in", root))?;
    let mut moved = Vec::new();
    let mut dirs = BTreeSet::new();
    let mut all = files;
    all.push(dist.dist_info.clone());
    for (index, path) in all.iter().enumerate() {
        if fs_err::symlink_metadata(path).is_err() {
            continue;
        }
        let aside = backup.path().join(index.to_string());
        if let Err(err) = fs_err::rename(path, &aside) {
            restore(&moved);
            return Err(PathError::new("move aside", path, err).into());
        }
        if let Some(parent) = path.parent() {
            dirs.insert(parent.to_path_buf());
        }
        moved.push((path.clone(), aside));
    }
    match install(wheel, target, options) {
        Ok(installed) => {
            prune_empty(dirs, site_packages, root);
            Ok(installed)
        }
        Err(err) => {
            restore(&moved);
            Err(err)
        }
    }
}

fn restore(moved: &[(PathBuf, PathBuf)]) {
    for (original, aside) in moved.iter().rev() {
        if let Some(parent) = original.parent() {
            let _ = fs_err::create_dir_all(parent);
        }
        let _ = fs_err::rename(aside, original);
    }
}

/// The files a distribution's RECORD names inside `root`, with the
/// bytecode its `.py` files imply.
fn owned_files(site_packages: &Path, root: &Path, dist: &Distribution) -> Result<Vec<PathBuf>, Error> {
    let record_path = dist.dist_info.join("RECORD");
    let text = fs_err::read_to_string(&record_path).map_err(|_| Error::NoRecord {
        dist_info: dist.dist_info.clone(),
    })?;
    let entries = record::parse(&text).map_err(|reason| Error::InvalidWheel {
        wheel: record_path.display().to_string(),
        reason,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = crate::fs::normalize(&site_packages.join(&entry.path));
        if !path.starts_with(root) || path.starts_with(&dist.dist_info) {
            continue;
        }
        if path.extension().is_some_and(|e| e == "py") {
            files.extend(bytecode_of(&path));
        }
        files.push(path);
    }
    Ok(files)
}

/// `__pycache__/<stem>.*.pyc` beside a `.py`, and a legacy `<stem>.pyc`.
fn bytecode_of(py: &Path) -> Vec<PathBuf> {
    let (Some(parent), Some(stem)) = (py.parent(), py.file_stem()) else {
        return Vec::new();
    };
    let prefix = format!("{}.", stem.to_string_lossy());
    let mut out: Vec<PathBuf> = fs_err::read_dir(parent.join("__pycache__"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(&prefix) && name.ends_with(".pyc")
        })
        .map(|e| e.path())
        .collect();
    out.push(py.with_extension("pyc"));
    out
}

fn remove_file(path: &Path) -> Result<(), Error> {
    match fs_err::remove_file(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(PathError::new("remove", path, err).into()),
    }
}

/// Removes folders left empty, deepest first, never `site_packages`,
/// the scripts folder or anything outside `root`.
fn prune_empty(dirs: BTreeSet<PathBuf>, site_packages: &Path, root: &Path) {
    let mut candidates: BTreeSet<PathBuf> = BTreeSet::new();
    for dir in dirs {
        for ancestor in dir.ancestors() {
            if ancestor == site_packages || ancestor == root || !ancestor.starts_with(root) {
                break;
            }
            candidates.insert(ancestor.to_path_buf());
            let pycache = ancestor.join("__pycache__");
            if pycache.is_dir() {
                candidates.insert(pycache);
            }
        }
    }
    let mut ordered: Vec<PathBuf> = candidates.into_iter().collect();
    ordered.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for dir in ordered {
        if dir
            .file_name()
            .is_some_and(|n| n == "bin" || n == "include" || n == "lib")
            && dir.parent() == Some(root)
        {
            continue;
        }
        let _ = fs_err::remove_dir(&dir);
    }
}
