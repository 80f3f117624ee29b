//! Writes a bundle's entries as a folder (a Vercel `.func`), the
//! counterpart of [`crate::bundle::zip::write`]: the same entries, so a
//! folder and a zip of one function hold the same files.

use fs_err::os::unix::fs::OpenOptionsExt;
use std::io;
use std::path::Path;

use crate::bundle::zip::{Contents, Entry};

/// Writes `entries` under `dest`, which must not exist yet. Files are
/// created 0666 (0777 when executable) less the umask, as `cp` makes
/// them; a path that would land outside `dest` is refused.
pub fn write(dest: &Path, entries: &[Entry]) -> io::Result<()> {
    fs_err::create_dir(dest)?;
    for entry in entries {
        let path = crate::fs::join_inside(dest, &entry.path).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{}` is not a path inside the bundle", entry.path),
            )
        })?;
        match &entry.contents {
            Contents::Dir => fs_err::create_dir_all(&path)?,
            Contents::File { source, executable } => {
                let mut reader = fs_err::File::open(source)?;
                let mut writer = create(&path, *executable)?;
                io::copy(&mut reader, &mut writer)?;
            }
            Contents::Bytes(bytes) => {
                use io::Write;
                create(&path, false)?.write_all(bytes)?;
            }
        }
    }
    Ok(())
}

fn create(path: &Path, executable: bool) -> io::Result<fs_err::File> {
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent)?;
    }
    let mut options = fs_err::OpenOptions::new();
    options
        .write(true)
        .create_new(true)
        .mode(if executable { 0o777 } else { 0o666 });
    options.open(path)
}

/// The sha256 of a folder's files, as `sha256sum` lists them sorted by
/// path (`<hex>  <path>` a line): two folders with the same files have
/// the same digest, whatever their owner, times or `readdir` order.
pub fn digest(entries: &[Entry]) -> Result<String, crate::fs::PathError> {
    let mut listing = String::new();
    for entry in entries {
        let hex = match &entry.contents {
            Contents::Dir => continue,
            Contents::File { source, .. } => {
                crate::hash::sha256_file(source).map_err(crate::fs::PathError::with("read", source))?
            }
            Contents::Bytes(bytes) => crate::hash::sha256_hex(bytes),
        };
        listing.push_str(&format!("{hex}  {}\n", entry.path));
    }
    Ok(crate::hash::sha256_hex(listing.as_bytes()))
}
