//! Source distributions on disk: reading their `PKG-INFO` and unpacking
//! them safely.
//!
//! An sdist is `{name}-{version}.tar.gz` (the sdist spec's format) or an
//! older `.zip`, holding one top folder with `PKG-INFO` and
//! `pyproject.toml` (or `setup.py`) in it. The archive comes from an
//! index, so nothing in it is trusted: an entry may not be absolute,
//! climb out with `..`, or be a link, device or fifo; only plain files
//! and folders are written.

use fs_err::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use crate::fs::safe_relative;

/// The archive formats fenv unpacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    TarGz,
    Zip,
}

impl Format {
    fn of(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(Self::TarGz)
        } else if name.ends_with(".zip") {
            Some(Self::Zip)
        } else {
            None
        }
    }
}

/// Whether `filename` names an sdist fenv can read.
pub fn is_sdist(filename: &str) -> bool {
    Format::of(Path::new(filename)).is_some()
}

/// Why an archive could not be read; a sentence for the user.
pub type Reason = String;

/// The bytes of the sdist's top-level `PKG-INFO` (`{top}/PKG-INFO`).
pub fn pkg_info(archive: &Path) -> Result<Vec<u8>, Reason> {
    top_level_file(archive, "PKG-INFO")?.ok_or_else(|| "it has no top-level `PKG-INFO`".into())
}

/// The bytes of `{top}/{name}` in the sdist, if it has that file.
pub fn top_level_file(archive: &Path, name: &str) -> Result<Option<Vec<u8>>, Reason> {
    let wanted = |path: &str| {
        let mut parts = path.trim_start_matches("./").split('/');
        matches!(
            (parts.next(), parts.next(), parts.next()),
            (Some(_), Some(found), None) if found == name
        )
    };
    let file = File::open(archive).map_err(|e| format!("it cannot be opened: {}", crate::fs::bare(e)))?;
    match Format::of(archive).ok_or("it is neither a `.tar.gz` nor a `.zip` file")? {
        Format::TarGz => {
            let mut tar = tar::Archive::new(GzDecoder::new(file));
            let entries = tar.entries().map_err(not_a_tar)?;
            for entry in entries {
                let mut entry = entry.map_err(not_a_tar)?;
                let path = entry.path().map_err(not_a_tar)?.to_string_lossy().into_owned();
                if wanted(&path) && entry.header().entry_type().is_file() {
                    let mut bytes = Vec::new();
                    entry.read_to_end(&mut bytes).map_err(not_a_tar)?;
                    return Ok(Some(bytes));
                }
            }
        }
        Format::Zip => {
            let mut zip =
                zip::ZipArchive::new(file).map_err(|e| format!("it is not a valid zip file: {e}"))?;
            for index in 0..zip.len() {
                let mut entry = zip
                    .by_index(index)
                    .map_err(|e| format!("entry {index} cannot be read: {e}"))?;
                let Ok(path) = entry.name().map(|n| String::from(&*n)) else {
                    continue;
                };
                if wanted(&path) && entry.is_file() {
                    let mut bytes = Vec::new();
                    entry
                        .read_to_end(&mut bytes)
                        .map_err(|e| format!("`{path}` cannot be read: {e}"))?;
                    return Ok(Some(bytes));
                }
            }
        }
    }
    Ok(None)
}

fn not_a_tar(err: io::Error) -> Reason {
    format!("it is not a valid gzip-compressed tar archive: {err}")
}

/// Unpacks `archive` into the empty folder `into` and returns the source
/// tree: the archive's single top folder (or `into` itself when the
/// files are not under one).
pub fn unpack(archive: &Path, into: &Path) -> Result<PathBuf, Reason> {
    let file = File::open(archive).map_err(|e| format!("it cannot be opened: {}", crate::fs::bare(e)))?;
    match Format::of(archive).ok_or("it is neither a `.tar.gz` nor a `.zip` file")? {
        Format::TarGz => unpack_tar(file, into)?,
        Format::Zip => unpack_zip(file, into)?,
    }
    let mut tops = fs_err::read_dir(into)
        .map_err(|e| format!("the unpacked files cannot be listed: {e}"))?
        .filter_map(Result::ok)
        .map(|entry| entry.path());
    match (tops.next(), tops.next()) {
        (Some(top), None) if top.is_dir() => Ok(top),
        (None, _) => Err("it is empty".into()),
        _ => Ok(into.to_path_buf()),
    }
}

fn unpack_tar(file: File, into: &Path) -> Result<(), Reason> {
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    for entry in tar.entries().map_err(not_a_tar)? {
        let mut entry = entry.map_err(not_a_tar)?;
        let name = entry.path().map_err(not_a_tar)?.to_string_lossy().into_owned();
        let kind = entry.header().entry_type();
        // pax and GNU long-name headers are folded into the next entry
        // by the tar crate; global pax headers carry no file.
        if kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        let Some(relative) = safe_relative(&name) else {
            if name.trim_matches(['.', '/']).is_empty() {
                continue;
            }
            return Err(format!("the entry `{name}` points outside the archive"));
        };
        let path = into.join(&relative);
        if kind.is_dir() {
            create_dir(&path)?;
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            let executable = entry.header().mode().is_ok_and(|mode| mode & 0o111 != 0);
            write_file(&path, &mut entry, executable)?;
        } else {
            // Links could aim outside the tree or at a file written later.
            return Err(format!(
                "the entry `{name}` is a link or special file, which fenv does not unpack"
            ));
        }
    }
    Ok(())
}

fn unpack_zip(file: File, into: &Path) -> Result<(), Reason> {
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("it is not a valid zip file: {e}"))?;
    for index in 0..zip.len() {
        let mut entry = zip
            .by_index(index)
            .map_err(|e| format!("entry {index} cannot be read: {e}"))?;
        let name = entry
            .name()
            .map_err(|e| format!("entry {index} has an invalid name: {e}"))?
            .to_string();
        let relative =
            safe_relative(&name).ok_or_else(|| format!("the entry `{name}` points outside the archive"))?;
        let mode = entry.unix_mode().unwrap_or(0o644);
        if mode & 0o170000 == 0o120000 {
            return Err(format!(
                "the entry `{name}` is a symbolic link, which fenv does not unpack"
            ));
        }
        let path = into.join(&relative);
        if entry.is_dir() {
            create_dir(&path)?;
        } else {
            write_file(&path, &mut entry, mode & 0o111 != 0)?;
        }
    }
    Ok(())
}

fn create_dir(path: &Path) -> Result<(), Reason> {
    fs_err::create_dir_all(path).map_err(|e| format!("a folder cannot be created: {}", crate::fs::bare(e)))
}

/// Writes one regular file; the path was checked, its parents are made
/// here (never through a link: none is ever written).
fn write_file(path: &Path, contents: &mut impl Read, executable: bool) -> Result<(), Reason> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(parent) = path.parent() {
        create_dir(parent)?;
    }
    let fail = |e: io::Error| format!("`{}` cannot be written: {}", path.display(), crate::fs::bare(e));
    let mut out = File::create(path).map_err(fail)?;
    io::copy(contents, &mut out).map_err(fail)?;
    let mode = if executable { 0o755 } else { 0o644 };
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(fail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.tar.gz` of `(path, contents)` files, `None` contents a symlink
    /// to `/etc/passwd`.
    fn tarball(dir: &Path, entries: &[(&str, Option<&str>)]) -> PathBuf {
        let path = dir.join("demo-1.0.tar.gz");
        let gz = flate2::write::GzEncoder::new(File::create(&path).unwrap(), flate2::Compression::fast());
        let mut builder = tar::Builder::new(gz);
        for (name, contents) in entries {
            let mut header = tar::Header::new_gnu();
            if let Some(text) = contents {
                header.set_size(text.len() as u64);
                header.set_mode(0o644);
                header.set_entry_type(tar::EntryType::Regular);
                // `set_path` refuses `..`; write the raw name as a hostile tool would.
                header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
                header.set_cksum();
                builder.append(&header, text.as_bytes()).unwrap();
            } else {
                header.set_size(0);
                header.set_entry_type(tar::EntryType::Symlink);
                builder.append_link(&mut header, name, "/etc/passwd").unwrap();
            }
        }
        builder.into_inner().unwrap().finish().unwrap();
        path
    }

    #[test]
    fn reads_pkg_info_and_unpacks_the_top_folder() {
        let dir = tempfile::tempdir().unwrap();
        let archive = tarball(
            dir.path(),
            &[
                (
                    "demo-1.0/PKG-INFO",
                    Some("Metadata-Version: 2.2\nName: demo\nVersion: 1.0\n"),
                ),
                ("demo-1.0/pkg/PKG-INFO", Some("not this one")),
                ("demo-1.0/demo.py", Some("x = 1\n")),
            ],
        );
        let pkg_info = pkg_info(&archive).unwrap();
        assert!(pkg_info.starts_with(b"Metadata-Version: 2.2"));
        let into = dir.path().join("out");
        fs_err::create_dir(&into).unwrap();
        let tree = unpack(&archive, &into).unwrap();
        assert_eq!(tree, into.join("demo-1.0"));
        assert_eq!(fs_err::read_to_string(tree.join("demo.py")).unwrap(), "x = 1\n");
    }

    #[test]
    fn refuses_escapes_and_links() {
        for (entries, expected) in [
            (
                vec![("../evil.py", Some("x"))],
                "the entry `../evil.py` points outside the archive",
            ),
            (
                vec![("/tmp/evil.py", Some("x"))],
                "the entry `/tmp/evil.py` points outside the archive",
            ),
            (
                vec![("demo-1.0/link", None)],
                "the entry `demo-1.0/link` is a link or special file, which fenv does not unpack",
            ),
        ] {
            let dir = tempfile::tempdir().unwrap();
            let archive = tarball(dir.path(), &entries);
            let into = dir.path().join("out");
            fs_err::create_dir(&into).unwrap();
            assert_eq!(unpack(&archive, &into).unwrap_err(), expected);
            assert!(!dir.path().join("evil.py").exists());
        }
    }

    #[test]
    fn a_file_that_is_not_an_archive_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo-1.0.tar.gz");
        fs_err::write(&path, "sdist of demo").unwrap();
        assert!(
            pkg_info(&path)
                .unwrap_err()
                .starts_with("it is not a valid gzip-compressed tar archive")
        );
    }
}
