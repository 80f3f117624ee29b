//! `--find-links DIR`: local folders of wheels and sdists, listed as
//! [`File`]s with `file://` URLs.
//!
//! Each folder is listed once per client (not recursively); a file belongs
//! to the project its name starts with (wheel file name rules, or
//! `{name}-{version}.tar.gz`/`.zip` for an sdist). Hashes are computed
//! only for the files of projects asked for, and cached by path, size
//! and modification time. Metadata comes from the local archive.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::UNIX_EPOCH;

use super::cache::IndexCache;
use super::{Error, File, url};
use crate::dist::name::{WheelFilename, normalize};

const SDIST_SUFFIXES: [&str; 3] = [".tar.gz", ".zip", ".tar.bz2"];

/// Normalized project name → its local files.
type Listing = HashMap<String, Vec<PathBuf>>;

/// The find-links folders of a client.
#[derive(Debug)]
pub(crate) struct FindLinks {
    dirs: Vec<PathBuf>,
    /// Normalized project name → its local files, listed on first use.
    listing: OnceLock<Result<Listing, (PathBuf, String)>>,
}

impl FindLinks {
    /// The folders in `dirs`, in order of precedence.
    pub fn new(dirs: Vec<PathBuf>) -> Self {
        Self {
            dirs,
            listing: OnceLock::new(),
        }
    }

    /// The local files of `project` (normalized), hashed.
    pub fn files(&self, project: &str, cache: &IndexCache) -> Result<Vec<File>, Error> {
        if self.dirs.is_empty() {
            return Ok(Vec::new());
        }
        let listing = self
            .listing
            .get_or_init(|| list(&self.dirs))
            .as_ref()
            .map_err(|(path, reason)| Error::FindLinks {
                path: path.clone(),
                reason: reason.clone(),
            })?;
        let Some(paths) = listing.get(project) else {
            return Ok(Vec::new());
        };
        paths.iter().map(|path| local_file(path, cache)).collect()
    }
}

/// Every distribution file in `dirs`, by normalized project name.
fn list(dirs: &[PathBuf]) -> Result<Listing, (PathBuf, String)> {
    let mut listing = Listing::new();
    for dir in dirs {
        let entries = fs_err::read_dir(dir).map_err(|e| (dir.clone(), crate::fs::bare(e).to_string()))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some(project) = project_of(name) {
                listing.entry(project).or_default().push(path);
            }
        }
    }
    Ok(listing)
}

/// The normalized project a distribution file name belongs to.
pub(crate) fn project_of(filename: &str) -> Option<String> {
    if let Some(wheel) = WheelFilename::parse(filename) {
        return Some(normalize(&wheel.name));
    }
    let stem = SDIST_SUFFIXES
        .iter()
        .find_map(|suffix| filename.strip_suffix(suffix))?;
    let (name, version) = stem.rsplit_once('-')?;
    (!name.is_empty() && version.starts_with(|c: char| c.is_ascii_digit())).then(|| normalize(name))
}

/// A local file as a [`File`], its sha256 from the cache or computed.
fn local_file(path: &Path, cache: &IndexCache) -> Result<File, Error> {
    let io = |source| Error::Io(crate::fs::PathError::new("read", path.to_path_buf(), source));
    let path = std::path::absolute(path).map_err(io)?;
    let meta = fs_err::metadata(&path).map_err(io)?;
    let modified_ns = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let sha256 = if let Some(hash) = cache.read_file_hash(&path, meta.len(), modified_ns) {
        hash
    } else {
        let hash = crate::hash::sha256_file(&path).map_err(io)?;
        cache.write_file_hash(&path, meta.len(), modified_ns, &hash);
        hash
    };
    Ok(File {
        filename: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        url: url::from_path(&path),
        sha256: Some(sha256),
        size: Some(meta.len()),
        ..File::default()
    })
}

/// The METADATA of a local wheel.
pub(crate) fn read_wheel_metadata(path: &Path) -> Result<Vec<u8>, String> {
    let file = fs_err::File::open(path).map_err(|e| e.to_string())?;
    let filename = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    super::central_directory::metadata_from_archive(file, &filename)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_belong_to_the_project_their_name_starts_with() {
        assert_eq!(
            project_of("Demo_Pkg-1.0-py3-none-any.whl").as_deref(),
            Some("demo-pkg")
        );
        assert_eq!(project_of("demo-pkg-1.0.tar.gz").as_deref(), Some("demo-pkg"));
        assert_eq!(project_of("demo_pkg-1.0rc1.zip").as_deref(), Some("demo-pkg"));
        assert_eq!(project_of("README.md"), None);
        assert_eq!(project_of("demo-latest.tar.gz"), None);
    }
}
