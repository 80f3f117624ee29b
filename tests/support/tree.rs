//! What "nothing was changed" means, checkably: a snapshot of every file,
//! folder and link under a root — its kind, mode and sha256 — taken before
//! and after a command that must refuse.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Every entry under a root, by path relative to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<PathBuf, String>);

impl Snapshot {
    /// Walks `root`, leaving out the folders in `skip` (a cache that a
    /// refused command may fill, say) and fenv's per-environment lock file.
    pub fn of(root: &Path, skip: &[&Path]) -> Self {
        Self::walk(root, skip, false)
    }

    /// [`Snapshot::of`], with each file's mtime too: "untouched", not only
    /// "the same bytes" (a sync that rewrote a file with equal contents
    /// still changed it).
    pub fn with_times(root: &Path, skip: &[&Path]) -> Self {
        Self::walk(root, skip, true)
    }

    fn walk(root: &Path, skip: &[&Path], times: bool) -> Self {
        let mut entries = BTreeMap::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(listing) = fs_err::read_dir(&dir) else {
                continue;
            };
            for entry in listing.flatten() {
                let path = entry.path();
                if skip.iter().any(|s| path.starts_with(s))
                    || path.file_name().is_some_and(|n| n == ".fenv.lock")
                {
                    continue;
                }
                let meta = fs_err::symlink_metadata(&path).expect("stat");
                let mode = meta.permissions().mode() & 0o7777;
                let what = if meta.is_symlink() {
                    format!(
                        "link -> {}",
                        fs_err::read_link(&path).expect("readlink").display()
                    )
                } else if meta.is_dir() {
                    stack.push(path.clone());
                    format!("dir {mode:o}")
                } else {
                    let bytes = fs_err::read(&path).expect("read");
                    let mut what = format!("file {mode:o} {:x}", Sha256::digest(&bytes));
                    if times {
                        what.push_str(&format!(" {:?}", meta.modified().expect("mtime")));
                    }
                    what
                };
                let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                entries.insert(relative, what);
            }
        }
        Self(entries)
    }

    /// What changed from `self` to `after`, a line an entry: `+ path`,
    /// `- path`, `~ path`; empty when nothing did.
    pub fn changes(&self, after: &Self) -> Vec<String> {
        let mut out = Vec::new();
        for (path, before) in &self.0 {
            match after.0.get(path) {
                None => out.push(format!("- {}", path.display())),
                Some(now) if now != before => out.push(format!("~ {} ({before} -> {now})", path.display())),
                Some(_) => {}
            }
        }
        for path in after.0.keys().filter(|p| !self.0.contains_key(*p)) {
            out.push(format!("+ {}", path.display()));
        }
        out
    }
}
