//! The on-disk cache of probe answers.
//!
//! One JSON file per interpreter path under `interpreters/`, named by the
//! sha256 of the path. An entry is valid only while the file at that path
//! is the same file: same canonical path, size, mtime and ctime (ctime
//! catches a binary swapped in with its old mtime restored), probed by
//! the same probe script. Answers from shims or wrappers, whose
//! `sys.executable` is another file, are never stored: their answer
//! depends on the working directory and environment.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cache::Cache;
use crate::python::Error;
use crate::python::query::{self, InterpreterInfo, PROBE};

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    probe: String,
    path: PathBuf,
    canonical: PathBuf,
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    stamp: Stamp,
    info: InterpreterInfo,
}

/// Why an answer came from where it did, for `-v`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Cache,
    Probe,
}

/// Queries `path`, answering from the cache when the entry is still valid.
pub fn query_cached(cache: &Cache, path: &Path) -> Result<(InterpreterInfo, Origin), Error> {
    let entry_path = cache.bucket("interpreters").ok().map(|dir| {
        dir.join(format!(
            "{}.json",
            hex_digest(path.as_os_str().as_encoded_bytes())
        ))
    });
    let stamp = stamp(path);
    if let (Some(entry_path), Some(stamp)) = (&entry_path, &stamp)
        && let Some(info) = read_entry(entry_path, stamp)
    {
        return Ok((info, Origin::Cache));
    }
    let info = query::query(path)?;
    if let (Some(entry_path), Some(stamp)) = (entry_path, stamp)
        && info.real_executable == stamp.canonical
    {
        let entry = Entry {
            stamp,
            info: info.clone(),
        };
        if let Ok(json) = serde_json::to_vec(&entry) {
            // A cache that cannot be written only costs speed.
            let _ = crate::fs::write_atomic(&entry_path, json);
        }
    }
    Ok((info, Origin::Probe))
}

fn read_entry(entry_path: &Path, stamp: &Stamp) -> Option<InterpreterInfo> {
    let bytes = fs_err::read(entry_path).ok()?;
    match serde_json::from_slice::<Entry>(&bytes) {
        Ok(entry) if entry.stamp == *stamp => Some(entry.info),
        Ok(_) => None,
        Err(_) => {
            // Corrupt: never trusted, removed so it is rebuilt.
            let _ = fs_err::remove_file(entry_path);
            None
        }
    }
}

fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let metadata = fs_err::metadata(path).ok()?;
    let canonical = fs_err::canonicalize(path).ok()?;
    Some(Stamp {
        probe: probe_digest(),
        path: path.to_path_buf(),
        canonical,
        size: metadata.len(),
        mtime_ns: i128::from(metadata.mtime()) * 1_000_000_000 + i128::from(metadata.mtime_nsec()),
        ctime_ns: i128::from(metadata.ctime()) * 1_000_000_000 + i128::from(metadata.ctime_nsec()),
    })
}

fn probe_digest() -> String {
    let mut digest = hex_digest(PROBE.as_bytes());
    digest.truncate(16);
    format!("{}-{digest}", crate::VERSION)
}

fn hex_digest(bytes: &[u8]) -> String {
    crate::hash::sha256_hex(bytes)
}
