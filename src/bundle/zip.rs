//! A deterministic zip writer: the same entries give the same bytes.
//!
//! Entries are written sorted by path, each with one fixed mtime
//! (`SOURCE_DATE_EPOCH`, clamped to the zip format's 1980-01-01 floor,
//! else 1980-01-01), Unix modes 0644 for files and 0755 for executables
//! and folders, Deflate at level 9 (folders stored), no extra fields and
//! no comment. Nothing of the machine (owner, umask, clock, order of
//! `readdir`) reaches the archive.

use std::io::Write;
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

/// The Deflate level: fixed, so that a newer default never changes bytes.
pub const LEVEL: i64 = 9;

/// 1980-01-01T00:00:00Z, the earliest time a zip entry can carry.
const ZIP_EPOCH: u64 = 315_532_800;

/// One entry of a bundle, by its path in the zip (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub contents: Contents,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contents {
    /// A folder (its path ends without `/`; the writer adds it).
    Dir,
    /// A file read from disk when written; `executable` sets 0755.
    File {
        source: std::path::PathBuf,
        executable: bool,
    },
    /// Generated text, such as the Lambda shim.
    Bytes(Vec<u8>),
}

/// The mtime of every entry: `SOURCE_DATE_EPOCH` (seconds, UTC) when set
/// and valid, clamped to 1980-01-01..=2107-12-31, else 1980-01-01.
pub fn mtime(source_date_epoch: Option<&str>) -> DateTime {
    let seconds = source_date_epoch
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(ZIP_EPOCH)
        .max(ZIP_EPOCH);
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX);
    let (year, month, day) = civil_from_days(days);
    let rest = seconds % 86_400;
    let (hour, minute, second) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let narrow = |v: u64| u8::try_from(v).unwrap_or(0);
    u16::try_from(year)
        .ok()
        .and_then(|year| {
            DateTime::from_date_and_time(
                year,
                narrow(month),
                narrow(day),
                narrow(hour),
                narrow(minute),
                narrow(second),
            )
            .ok()
        })
        // Past 2107 the format has no room: the latest time it can hold.
        .unwrap_or_else(|| DateTime::from_date_and_time(2107, 12, 31, 23, 59, 58).unwrap_or_default())
}

/// Writes `entries` (in any order; they are sorted here) to `out`.
pub fn write(out: &Path, entries: &[Entry], mtime: DateTime) -> std::io::Result<()> {
    // Sorted by the names as stored, folders with their `/`.
    let mut sorted: Vec<(String, &Entry)> = entries
        .iter()
        .map(|e| match e.contents {
            Contents::Dir => (format!("{}/", e.path), e),
            _ => (e.path.clone(), e),
        })
        .collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let file = std::io::BufWriter::new(fs_err::File::create(out)?);
    let mut zip = ZipWriter::new(file);
    let base = SimpleFileOptions::default()
        .system(System::Unix)
        .last_modified_time(mtime)
        .large_file(false);
    for (name, entry) in sorted {
        match &entry.contents {
            Contents::Dir => {
                zip.add_directory(
                    name,
                    base.compression_method(CompressionMethod::Stored)
                        .unix_permissions(0o755),
                )
                .map_err(std::io::Error::other)?;
            }
            Contents::File { source, executable } => {
                let bytes = fs_err::read(source)?;
                let mode = if *executable { 0o755 } else { 0o644 };
                zip.start_file(entry.path.as_str(), deflated(base).unix_permissions(mode))
                    .map_err(std::io::Error::other)?;
                zip.write_all(&bytes)?;
            }
            Contents::Bytes(bytes) => {
                zip.start_file(entry.path.as_str(), deflated(base).unix_permissions(0o644))
                    .map_err(std::io::Error::other)?;
                zip.write_all(bytes)?;
            }
        }
    }
    let mut file = zip.finish().map_err(std::io::Error::other)?;
    file.flush()
}

fn deflated(options: SimpleFileOptions) -> SimpleFileOptions {
    options
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(LEVEL))
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u64, u64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u64::try_from(month).unwrap_or(1),
        u64::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(time: DateTime) -> (u16, u8, u8, u8, u8, u8) {
        (
            time.year(),
            time.month(),
            time.day(),
            time.hour(),
            time.minute(),
            time.second(),
        )
    }

    #[test]
    fn mtime_comes_from_source_date_epoch_clamped_to_1980() {
        assert_eq!(parts(mtime(None)), (1980, 1, 1, 0, 0, 0));
        assert_eq!(parts(mtime(Some("0"))), (1980, 1, 1, 0, 0, 0));
        assert_eq!(parts(mtime(Some("not a number"))), (1980, 1, 1, 0, 0, 0));
        // 2024-02-29T12:34:56Z; zip keeps seconds in steps of two.
        assert_eq!(parts(mtime(Some("1709210096"))), (2024, 2, 29, 12, 34, 56));
        assert_eq!(parts(mtime(Some("99999999999"))), (2107, 12, 31, 23, 59, 58));
    }

    #[test]
    fn the_same_entries_in_any_order_give_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.py");
        fs_err::write(&file, "print('a')\n").unwrap();
        let entries = vec![
            Entry {
                path: "pkg".into(),
                contents: Contents::Dir,
            },
            Entry {
                path: "pkg/a.py".into(),
                contents: Contents::File {
                    source: file,
                    executable: false,
                },
            },
            Entry {
                path: "b.txt".into(),
                contents: Contents::Bytes(b"b".to_vec()),
            },
        ];
        let mut reversed = entries.clone();
        reversed.reverse();
        let (one, two) = (dir.path().join("1.zip"), dir.path().join("2.zip"));
        write(&one, &entries, mtime(None)).unwrap();
        write(&two, &reversed, mtime(None)).unwrap();
        assert_eq!(fs_err::read(&one).unwrap(), fs_err::read(&two).unwrap());
        let mut archive = zip::ZipArchive::new(fs_err::File::open(&one).unwrap()).unwrap();
        let names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
        assert_eq!(names, ["b.txt", "pkg/", "pkg/a.py"]);
        let dir_entry = archive.by_name("pkg/").unwrap();
        assert_eq!(dir_entry.unix_mode(), Some(0o40755));
    }
}
