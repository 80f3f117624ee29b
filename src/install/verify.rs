//! Checking an installed distribution against its `RECORD`: every file
//! it lists is there, with the recorded size and sha256.
//!
//! This is how `fenv check` finds a file that was edited, truncated or
//! left half-written. Rows without a hash (`RECORD` itself, bytecode) and
//! hashes other than sha256 are not checked; files outside the
//! environment are never read.

use std::path::{Path, PathBuf};

use crate::hash::sha256_reader;
use crate::install::installed::Distribution;
use crate::install::record;

/// A file that is not as its distribution's `RECORD` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `RECORD` is missing or unreadable: the install did not finish.
    NoRecord {
        record: PathBuf,
    },
    Missing {
        path: PathBuf,
    },
    Modified {
        path: PathBuf,
    },
}

/// What [`verify`] found for one distribution.
#[derive(Debug, Default)]
pub struct Verified {
    /// Files whose hash was checked.
    pub checked: usize,
    pub problems: Vec<Problem>,
}

/// Checks `dist` (installed in `site_packages`, inside `root`) against
/// its `RECORD`.
pub fn verify(site_packages: &Path, root: &Path, dist: &Distribution) -> Verified {
    let record_path = dist.dist_info.join("RECORD");
    let Some(entries) = fs_err::read_to_string(&record_path)
        .ok()
        .and_then(|text| record::parse(&text).ok())
    else {
        return Verified {
            checked: 0,
            problems: vec![Problem::NoRecord { record: record_path }],
        };
    };
    let mut verified = Verified::default();
    for entry in entries {
        let Some(expected) = entry.hash.strip_prefix("sha256=") else {
            continue;
        };
        let path = crate::fs::normalize(&site_packages.join(&entry.path));
        if !path.starts_with(root) {
            continue;
        }
        verified.checked += 1;
        match digest(&path, entry.size) {
            Ok(Some(actual)) if actual == expected => {}
            Ok(_) => verified.problems.push(Problem::Modified { path }),
            Err(_) => verified.problems.push(Problem::Missing { path }),
        }
    }
    verified
}

/// The RECORD-style sha256 of the file, or `None` when its size already
/// differs from `size`.
fn digest(path: &Path, size: Option<u64>) -> std::io::Result<Option<String>> {
    let mut file = fs_err::File::open(path)?;
    if let Some(size) = size
        && file.metadata()?.len() != size
    {
        return Ok(None);
    }
    Ok(Some(record::encode(&sha256_reader(&mut file)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_missing_and_modified_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let site = dir.path().join("site");
        let dist_info = site.join("a-1.dist-info");
        fs_err::create_dir_all(site.join("a")).expect("mkdir");
        fs_err::create_dir_all(&dist_info).expect("mkdir");
        fs_err::write(site.join("a/ok.py"), "ok").expect("write");
        fs_err::write(site.join("a/edited.py"), "edited").expect("write");
        let rows = [
            record::RecordEntry::for_contents("a/ok.py", b"ok"),
            record::RecordEntry::for_contents("a/edited.py", b"origin"),
            record::RecordEntry::for_contents("a/gone.py", b"gone"),
            record::RecordEntry::for_contents("../../outside", b"never read"),
            record::RecordEntry {
                path: "a-1.dist-info/RECORD".into(),
                hash: String::new(),
                size: None,
            },
        ];
        fs_err::write(dist_info.join("RECORD"), record::render(&rows)).expect("write");
        let dist = Distribution {
            name: "a".into(),
            version: "1".into(),
            installer: None,
            requested: false,
            direct_url: None,
            source_tree: None,
            dist_info: dist_info.clone(),
        };
        let verified = verify(&site, dir.path(), &dist);
        assert_eq!(verified.checked, 3);
        assert_eq!(
            verified.problems,
            [
                Problem::Modified {
                    path: site.join("a/edited.py")
                },
                Problem::Missing {
                    path: site.join("a/gone.py")
                },
            ]
        );
        fs_err::remove_file(dist_info.join("RECORD")).expect("rm");
        assert_eq!(
            verify(&site, dir.path(), &dist).problems,
            [Problem::NoRecord {
                record: dist_info.join("RECORD")
            }]
        );
    }
}
