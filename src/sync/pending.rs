//! The record of a sync in progress, so that a killed sync is repaired.
//!
//! Before a sync changes anything it writes the names of the packages it
//! is about to install, replace or remove to `<env>/.fenv-sync-pending`,
//! and it deletes the file only after the lock's hash is recorded. A file
//! left behind means a sync stopped half-way: the next sync installs those
//! packages again whatever their metadata says, and `fenv check` reports
//! the environment until then.

use std::io;
use std::path::{Path, PathBuf};

/// The file's name inside the environment.
pub const FILE: &str = ".fenv-sync-pending";

/// Where the record of `env` lives.
pub fn path(env: &Path) -> PathBuf {
    env.join(FILE)
}

/// The packages a stopped sync was changing, if one stopped.
pub fn read(env: &Path) -> io::Result<Option<Vec<String>>> {
    match fs_err::read_to_string(path(env)) {
        Ok(text) => Ok(Some(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        )),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// Records that a sync is about to change `names`; written whole (renamed
/// into place) before the first change.
pub fn write<'a>(env: &Path, names: impl IntoIterator<Item = &'a str>) -> io::Result<()> {
    let mut text = String::new();
    for name in names {
        text.push_str(name);
        text.push('\n');
    }
    crate::fs::write_atomic(&path(env), text)
}

/// Records that the sync finished.
pub fn clear(env: &Path) -> io::Result<()> {
    match fs_err::remove_file(path(env)) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(read(dir.path()).expect("read"), None);
        write(dir.path(), ["a", "b-c"]).expect("write");
        assert_eq!(
            read(dir.path()).expect("read"),
            Some(vec!["a".into(), "b-c".into()])
        );
        clear(dir.path()).expect("clear");
        clear(dir.path()).expect("clear twice");
        assert_eq!(read(dir.path()).expect("read"), None);
    }
}
