//! Reading one entry of a remote zip (a wheel's `METADATA`) from byte
//! ranges, without the rest of the archive.
//!
//! A zip ends with the end-of-central-directory record (APPNOTE 4.3.16),
//! which says where the central directory is; the directory lists every
//! entry with its local header offset, sizes, method and CRC-32. So the
//! last ~64 KiB of a wheel usually hold everything needed to find
//! `*.dist-info/METADATA`, and one more range (often none: small wheels
//! fit in the tail) holds the entry itself. Zip64 is handled when its
//! records are in the fetched tail; anything else unusual (encryption,
//! methods other than stored/deflate) is reported as unsupported so the
//! caller can fall back to the whole file.

use std::fmt;
use std::io::{Read, Seek};

use crate::dist::name::normalize;

const EOCD: u32 = 0x0605_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_EOCD: u32 = 0x0606_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const LOCAL_HEADER: u32 = 0x0403_4b50;
const ZIP64_EXTRA: u16 = 0x0001;
const EOCD_SIZE: usize = 22;
const LOCAL_HEADER_SIZE: usize = 30;
const CENTRAL_HEADER_SIZE: usize = 46;
/// No METADATA is this large; a bigger claim means a corrupt archive.
const MAX_METADATA: u64 = 32 << 20;
/// A central directory larger than this is read with the whole file.
const MAX_DIRECTORY: u64 = 64 << 20;

/// Why an archive could not be read from ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZipError {
    /// Valid but beyond what a range read handles (the whole file will do).
    Unsupported(String),
    /// Not a valid zip archive.
    Corrupt(String),
    /// The archive has no `*.dist-info/METADATA`.
    NoMetadata,
}

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported(what) => write!(f, "unsupported zip feature: {what}"),
            Self::Corrupt(what) => write!(f, "not a valid zip archive: {what}"),
            Self::NoMetadata => f.write_str("the wheel has no `.dist-info/METADATA`"),
        }
    }
}

/// Where the central directory lies in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directory {
    pub offset: u64,
    pub size: u64,
    pub entries: u64,
}

/// One central directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub flags: u16,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    /// Where the entry's local header starts.
    pub header_offset: u64,
}

/// Little-endian reads at fixed offsets, failing on short input.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u16(&self, at: usize) -> Result<u16, ZipError> {
        self.0
            .get(at..at + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or_else(|| ZipError::Corrupt("a record is cut short".into()))
    }

    fn u32(&self, at: usize) -> Result<u32, ZipError> {
        self.0
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| ZipError::Corrupt("a record is cut short".into()))
    }

    fn u64(&self, at: usize) -> Result<u64, ZipError> {
        let low = u64::from(self.u32(at)?);
        let high = u64::from(self.u32(at + 4)?);
        Ok(high << 32 | low)
    }
}

/// Finds the central directory from `tail`, the last bytes of an archive
/// of `total` bytes.
pub fn find_directory(tail: &[u8], total: u64) -> Result<Directory, ZipError> {
    let tail_start = total
        .checked_sub(len64(tail))
        .ok_or_else(|| ZipError::Corrupt("the tail is longer than the file".into()))?;
    let bytes = Bytes(tail);
    // The record is 22 bytes plus a comment of up to 65535: search back.
    let eocd = (0..=tail.len().saturating_sub(EOCD_SIZE))
        .rev()
        .find(|&at| {
            bytes.u32(at).is_ok_and(|sig| sig == EOCD)
                && bytes
                    .u16(at + 20)
                    .is_ok_and(|comment| at + EOCD_SIZE + usize::from(comment) <= tail.len())
        })
        .ok_or_else(|| ZipError::Corrupt("no end of central directory record".into()))?;
    let entries = bytes.u16(eocd + 10)?;
    let size = bytes.u32(eocd + 12)?;
    let offset = bytes.u32(eocd + 16)?;
    let directory = if entries == u16::MAX || size == u32::MAX || offset == u32::MAX {
        zip64_directory(tail, tail_start, eocd)?
    } else {
        Directory {
            offset: u64::from(offset),
            size: u64::from(size),
            entries: u64::from(entries),
        }
    };
    let eocd_at = tail_start + len64(&tail[..eocd]);
    if directory.offset.saturating_add(directory.size) > eocd_at {
        return Err(ZipError::Corrupt(
            "the central directory overlaps its end record".into(),
        ));
    }
    Ok(directory)
}

/// The zip64 end record, found through the locator just before `eocd`.
fn zip64_directory(tail: &[u8], tail_start: u64, eocd: usize) -> Result<Directory, ZipError> {
    let bytes = Bytes(tail);
    let locator = eocd
        .checked_sub(20)
        .filter(|&at| bytes.u32(at).is_ok_and(|sig| sig == ZIP64_LOCATOR))
        .ok_or_else(|| ZipError::Unsupported("a zip64 archive whose locator is not in the tail".into()))?;
    let record = bytes.u64(locator + 8)?;
    let at = record
        .checked_sub(tail_start)
        .and_then(|at| usize::try_from(at).ok())
        .filter(|&at| at + 56 <= tail.len())
        .ok_or_else(|| ZipError::Unsupported("a zip64 end record outside the tail".into()))?;
    if bytes.u32(at)? != ZIP64_EOCD {
        return Err(ZipError::Corrupt(
            "the zip64 locator points at no zip64 record".into(),
        ));
    }
    Ok(Directory {
        entries: bytes.u64(at + 32)?,
        size: bytes.u64(at + 40)?,
        offset: bytes.u64(at + 48)?,
    })
}

/// Parses the central directory (exactly its bytes).
pub fn entries(directory: &[u8]) -> Result<Vec<Entry>, ZipError> {
    let bytes = Bytes(directory);
    let mut entries = Vec::new();
    let mut at = 0;
    while at + CENTRAL_HEADER_SIZE <= directory.len() {
        if bytes.u32(at)? != CENTRAL_HEADER {
            return Err(ZipError::Corrupt("a bad central directory header".into()));
        }
        let name_len = usize::from(bytes.u16(at + 28)?);
        let extra_len = usize::from(bytes.u16(at + 30)?);
        let comment_len = usize::from(bytes.u16(at + 32)?);
        let name_start = at + CENTRAL_HEADER_SIZE;
        let extra_start = name_start + name_len;
        let end = extra_start + extra_len + comment_len;
        let name = directory
            .get(name_start..extra_start)
            .ok_or_else(|| ZipError::Corrupt("a file name is cut short".into()))?;
        let extra = directory
            .get(extra_start..extra_start + extra_len)
            .ok_or_else(|| ZipError::Corrupt("an extra field is cut short".into()))?;
        let mut entry = Entry {
            name: String::from_utf8_lossy(name).into_owned(),
            flags: bytes.u16(at + 8)?,
            method: bytes.u16(at + 10)?,
            crc32: bytes.u32(at + 16)?,
            compressed_size: u64::from(bytes.u32(at + 20)?),
            uncompressed_size: u64::from(bytes.u32(at + 24)?),
            header_offset: u64::from(bytes.u32(at + 42)?),
        };
        apply_zip64_extra(&mut entry, extra)?;
        entries.push(entry);
        at = end;
    }
    Ok(entries)
}

/// Replaces the 32-bit fields saturated at `0xFFFFFFFF` with their values
/// from the zip64 extended information extra field (APPNOTE 4.5.3),
/// which holds only the saturated ones, in a fixed order.
fn apply_zip64_extra(entry: &mut Entry, extra: &[u8]) -> Result<(), ZipError> {
    let saturated = u64::from(u32::MAX);
    let fields = [
        entry.uncompressed_size == saturated,
        entry.compressed_size == saturated,
        entry.header_offset == saturated,
    ];
    if !fields.contains(&true) {
        return Ok(());
    }
    let bytes = Bytes(extra);
    let mut at = 0;
    while at + 4 <= extra.len() {
        let id = bytes.u16(at)?;
        let len = usize::from(bytes.u16(at + 2)?);
        if id == ZIP64_EXTRA {
            let mut field = at + 4;
            for (saturated, target) in fields.into_iter().zip([
                &mut entry.uncompressed_size,
                &mut entry.compressed_size,
                &mut entry.header_offset,
            ]) {
                if saturated {
                    if field + 8 > at + 4 + len {
                        return Err(ZipError::Corrupt("a zip64 extra field is cut short".into()));
                    }
                    *target = bytes.u64(field)?;
                    field += 8;
                }
            }
            return Ok(());
        }
        at += 4 + len;
    }
    Err(ZipError::Corrupt(format!(
        "`{}` has saturated sizes but no zip64 extra field",
        entry.name
    )))
}

/// The wheel's `{name}-{version}.dist-info/METADATA`: the only top-level
/// one, or the one whose name matches the wheel file's.
pub fn find_metadata<'a>(entries: &'a [Entry], wheel_filename: &str) -> Option<&'a Entry> {
    let name = choose_metadata(entries.iter().map(|e| e.name.as_str()), wheel_filename)?;
    entries.iter().find(|e| e.name == name)
}

/// Of the archive member `names`, the wheel's METADATA (see [`find_metadata`]).
fn choose_metadata<'a>(names: impl Iterator<Item = &'a str>, wheel_filename: &str) -> Option<&'a str> {
    let candidates: Vec<&str> = names
        .filter(|name| {
            name.strip_suffix(".dist-info/METADATA")
                .is_some_and(|stem| !stem.is_empty() && !stem.contains('/'))
        })
        .collect();
    if let [only] = candidates[..] {
        return Some(only);
    }
    let wanted = wheel_filename.split('-').next().map(normalize)?;
    candidates
        .into_iter()
        .find(|name| name.split('-').next().is_some_and(|n| normalize(n) == wanted))
}

/// The METADATA of a whole wheel archive, read with the `zip` crate
/// (which handles everything a range read does not).
pub fn metadata_from_archive(reader: impl Read + Seek, wheel_filename: &str) -> Result<Vec<u8>, String> {
    let mut archive = zip::ZipArchive::new(reader).map_err(|e| e.to_string())?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(std::borrow::Cow::into_owned)
        .collect();
    let name = choose_metadata(names.iter().map(String::as_str), wheel_filename)
        .map(str::to_string)
        .ok_or_else(|| ZipError::NoMetadata.to_string())?;
    let entry = archive.by_name(&name).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    entry
        .take(MAX_METADATA + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// The number of bytes from the start of a local header to its data,
/// from the header's fixed 30 bytes.
pub fn data_offset(local_header: &[u8]) -> Result<u64, ZipError> {
    let bytes = Bytes(local_header);
    if bytes.u32(0)? != LOCAL_HEADER {
        return Err(ZipError::Corrupt("a bad local file header".into()));
    }
    let name_len = u64::from(bytes.u16(26)?);
    let extra_len = u64::from(bytes.u16(28)?);
    Ok(LOCAL_HEADER_SIZE as u64 + name_len + extra_len)
}

/// The entry's content from its compressed bytes: inflated (or stored),
/// its length and CRC-32 checked against the central directory.
pub fn extract(entry: &Entry, data: &[u8]) -> Result<Vec<u8>, ZipError> {
    if entry.flags & 1 != 0 {
        return Err(ZipError::Unsupported("an encrypted entry".into()));
    }
    if entry.uncompressed_size > MAX_METADATA {
        return Err(ZipError::Corrupt(format!(
            "`{}` claims {} bytes",
            entry.name, entry.uncompressed_size
        )));
    }
    let mut out = Vec::with_capacity(usize::try_from(entry.uncompressed_size).unwrap_or(0));
    match entry.method {
        0 => out.extend_from_slice(data),
        8 => {
            flate2::read::DeflateDecoder::new(data)
                .take(entry.uncompressed_size + 1)
                .read_to_end(&mut out)
                .map_err(|e| ZipError::Corrupt(format!("`{}` does not inflate: {e}", entry.name)))?;
        }
        method => return Err(ZipError::Unsupported(format!("compression method {method}"))),
    }
    if len64(&out) != entry.uncompressed_size {
        return Err(ZipError::Corrupt(format!("`{}` has the wrong size", entry.name)));
    }
    let mut crc = flate2::Crc::new();
    crc.update(&out);
    if crc.sum() != entry.crc32 {
        return Err(ZipError::Corrupt(format!(
            "`{}` fails its CRC-32 check",
            entry.name
        )));
    }
    Ok(out)
}

/// Either the archive could not be read this way, or a fetch failed.
#[derive(Debug)]
pub enum RangeError<E> {
    /// Why ranges cannot do it (the caller only falls back; tests look).
    #[allow(dead_code)]
    Zip(ZipError),
    Fetch(E),
}

impl<E> From<ZipError> for RangeError<E> {
    fn from(err: ZipError) -> Self {
        Self::Zip(err)
    }
}

/// Reads the wheel's METADATA given its last bytes (`tail`, of a file of
/// `total` bytes) and `fetch(start, end)`, which returns the bytes
/// `start..end` of the file. Fetches only what the tail lacks: at most the
/// central directory and then the entry.
pub fn metadata_from_ranges<E>(
    wheel_filename: &str,
    tail: &[u8],
    total: u64,
    mut fetch: impl FnMut(u64, u64) -> Result<Vec<u8>, E>,
) -> Result<Vec<u8>, RangeError<E>> {
    let tail_start = total.saturating_sub(len64(tail));
    // The bytes `start..end`, from the tail when it holds them.
    let mut read = |start: u64, end: u64| -> Result<Vec<u8>, RangeError<E>> {
        if end < start || end > total {
            return Err(ZipError::Corrupt("a record points beyond the archive".into()).into());
        }
        if start >= tail_start {
            let from = usize::try_from(start - tail_start).unwrap_or(usize::MAX);
            let to = usize::try_from(end - tail_start).unwrap_or(usize::MAX);
            if let Some(slice) = tail.get(from..to) {
                return Ok(slice.to_vec());
            }
        }
        let bytes = fetch(start, end).map_err(RangeError::Fetch)?;
        if len64(&bytes) != end - start {
            return Err(ZipError::Corrupt("a range came back with the wrong length".into()).into());
        }
        Ok(bytes)
    };
    let directory = find_directory(tail, total)?;
    if directory.size > MAX_DIRECTORY {
        return Err(ZipError::Unsupported(format!("a central directory of {} bytes", directory.size)).into());
    }
    let listing = read(directory.offset, directory.offset + directory.size)?;
    let entries = entries(&listing)?;
    let entry = find_metadata(&entries, wheel_filename).ok_or(ZipError::NoMetadata)?;
    // The local header's name and extra field may differ in length from
    // the central ones: read generously, and again if that was not enough.
    // Entries end where the central directory starts.
    let start = entry.header_offset;
    let guess = (LOCAL_HEADER_SIZE as u64 + len64(entry.name.as_bytes()) + 1024)
        .saturating_add(entry.compressed_size);
    let guess_end = start.saturating_add(guess).min(directory.offset);
    if guess_end < start + LOCAL_HEADER_SIZE as u64 {
        return Err(ZipError::Corrupt("the entry lies beyond the archive".into()).into());
    }
    let mut chunk = read(start, guess_end)?;
    let data_start = data_offset(&chunk)?;
    let data_end = data_start.saturating_add(entry.compressed_size);
    if len64(&chunk) < data_end {
        if start.saturating_add(data_end) > total {
            return Err(ZipError::Corrupt("the entry lies beyond the archive".into()).into());
        }
        chunk = read(start, start + data_end)?;
    }
    let data = usize::try_from(data_start)
        .ok()
        .zip(usize::try_from(data_end).ok())
        .and_then(|(start, end)| chunk.get(start..end))
        .ok_or_else(|| ZipError::Corrupt("the entry lies beyond the archive".into()))?;
    Ok(extract(entry, data)?)
}

fn len64(bytes: &[u8]) -> u64 {
    // usize is at most 64 bits on every supported target.
    bytes.len() as u64
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Write};

    use zip::write::SimpleFileOptions;

    use super::*;

    const METADATA: &[u8] = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: idna\n";

    /// Bytes that do not compress (xorshift).
    fn noise(len: usize) -> Vec<u8> {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect()
    }

    /// A zip of `entries` (name, contents, deflated?), with an optional
    /// archive comment and zip64 end records.
    fn archive(entries: &[(&str, &[u8], bool)], comment: &str, zip64: bool) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, contents, deflate) in entries {
            let method = if *deflate {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            };
            let options = SimpleFileOptions::default()
                .compression_method(method)
                .large_file(zip64);
            zip.start_file(*name, options).unwrap();
            zip.write_all(contents).unwrap();
        }
        zip.set_comment(comment).unwrap();
        if zip64 {
            zip.set_raw_zip64_extensible_data_sector(Box::new([]));
        }
        zip.finish().unwrap().into_inner()
    }

    /// Runs a range read over `bytes` with a tail of `tail_len`; returns
    /// the result and the ranges fetched.
    type Read = (Result<Vec<u8>, RangeError<String>>, Vec<(u64, u64)>);

    #[allow(clippy::cast_possible_truncation, reason = "test archives are small")]
    fn read_ranges(bytes: &[u8], tail_len: usize) -> Read {
        let tail = &bytes[bytes.len().saturating_sub(tail_len)..];
        let mut fetched = Vec::new();
        let result = metadata_from_ranges(
            "demo-1.0-py3-none-any.whl",
            tail,
            bytes.len() as u64,
            |start, end| {
                fetched.push((start, end));
                Ok(bytes[start as usize..end as usize].to_vec())
            },
        );
        (result, fetched)
    }

    #[test]
    fn a_small_wheel_is_read_from_the_tail_alone() {
        let bytes = archive(
            &[
                ("demo/__init__.py", b"x = 1\n", true),
                ("demo-1.0.dist-info/METADATA", METADATA, true),
                ("demo-1.0.dist-info/RECORD", b"", true),
            ],
            "",
            false,
        );
        let (result, fetched) = read_ranges(&bytes, 65536);
        assert_eq!(result.unwrap(), METADATA);
        assert_eq!(fetched, []);
    }

    #[test]
    fn an_entry_before_the_tail_costs_one_range() {
        let payload = noise(200_000);
        let bytes = archive(
            &[
                ("demo-1.0.dist-info/METADATA", METADATA, false),
                ("demo/payload.bin", &payload, true),
            ],
            "",
            false,
        );
        let (result, fetched) = read_ranges(&bytes, 65536);
        assert_eq!(result.unwrap(), METADATA);
        assert_eq!(fetched.len(), 1, "{fetched:?}");
        assert_eq!(fetched[0].0, 0);
    }

    #[test]
    fn a_long_central_directory_is_fetched_then_the_entry() {
        let names: Vec<String> = (0..1500)
            .map(|i| format!("demo/a/rather/long/path/to/module_{i:05}.py"))
            .collect();
        let mut entries: Vec<(&str, &[u8], bool)> = vec![("demo-1.0.dist-info/METADATA", METADATA, true)];
        entries.extend(names.iter().map(|n| (n.as_str(), &b"pass\n"[..], true)));
        let bytes = archive(&entries, "", false);
        let (result, fetched) = read_ranges(&bytes, 65536);
        assert_eq!(result.unwrap(), METADATA);
        assert_eq!(fetched.len(), 2, "{fetched:?}");
    }

    #[test]
    fn the_end_record_is_found_behind_a_comment() {
        let bytes = archive(
            &[("demo-1.0.dist-info/METADATA", METADATA, true)],
            &"c".repeat(3000),
            false,
        );
        let directory = find_directory(&bytes, bytes.len() as u64).unwrap();
        assert_eq!(directory.entries, 1);
        let (result, _) = read_ranges(&bytes, 65536);
        assert_eq!(result.unwrap(), METADATA);
    }

    #[test]
    fn zip64_records_and_extra_fields_are_read() {
        let bytes = archive(
            &[
                ("demo/__init__.py", b"", true),
                ("demo-1.0.dist-info/METADATA", METADATA, true),
            ],
            "",
            true,
        );
        let tail_offset = bytes.len() - 22;
        assert_eq!(
            Bytes(&bytes).u32(tail_offset - 20).unwrap(),
            ZIP64_LOCATOR,
            "the fixture has zip64 end records"
        );
        let (result, _) = read_ranges(&bytes, 65536);
        assert_eq!(result.unwrap(), METADATA);
        // A tail that holds the locator but not the zip64 record.
        let (result, _) = read_ranges(&bytes, 22 + 20);
        assert!(matches!(result, Err(RangeError::Zip(ZipError::Unsupported(_)))));
    }

    #[test]
    fn saturated_sizes_come_from_the_zip64_extra_field() {
        let mut entry = Entry {
            name: "x".into(),
            flags: 0,
            method: 0,
            crc32: 0,
            compressed_size: u64::from(u32::MAX),
            uncompressed_size: 10,
            header_offset: u64::from(u32::MAX),
        };
        let mut extra = vec![0x0a, 0x00, 4, 0, 1, 2, 3, 4]; // another field first
        extra.extend([0x01, 0x00, 16, 0]);
        extra.extend(5_000_000_000_u64.to_le_bytes());
        extra.extend(7_000_000_000_u64.to_le_bytes());
        apply_zip64_extra(&mut entry, &extra).unwrap();
        assert_eq!(entry.compressed_size, 5_000_000_000);
        assert_eq!(entry.header_offset, 7_000_000_000);
        assert_eq!(entry.uncompressed_size, 10);
        assert!(apply_zip64_extra(&mut entry.clone(), &extra[..12]).is_ok());
    }

    #[test]
    fn a_damaged_entry_fails_its_crc() {
        let mut bytes = archive(&[("demo-1.0.dist-info/METADATA", METADATA, false)], "", false);
        let at = bytes.windows(7).position(|w| w == b"Name: d").unwrap();
        bytes[at + 6] = b'D';
        let (result, _) = read_ranges(&bytes, 65536);
        assert!(
            matches!(&result, Err(RangeError::Zip(ZipError::Corrupt(why))) if why.contains("CRC")),
            "{result:?}"
        );
    }

    #[test]
    fn archives_without_metadata_or_not_zips_are_refused() {
        let bytes = archive(&[("demo/__init__.py", b"", true)], "", false);
        let (result, _) = read_ranges(&bytes, 65536);
        assert!(matches!(result, Err(RangeError::Zip(ZipError::NoMetadata))));
        let (result, _) = read_ranges(&noise(5000), 65536);
        assert!(matches!(result, Err(RangeError::Zip(ZipError::Corrupt(_)))));
    }

    #[test]
    fn the_matching_dist_info_wins_over_a_vendored_one() {
        let entry = |name: &str| Entry {
            name: name.into(),
            flags: 0,
            method: 0,
            crc32: 0,
            compressed_size: 0,
            uncompressed_size: 0,
            header_offset: 0,
        };
        let entries = [
            entry("other-2.0.dist-info/METADATA"),
            entry("Demo_Pkg-1.0.dist-info/METADATA"),
            entry("demo_pkg/_vendor/x-1.dist-info/METADATA"),
        ];
        let found = find_metadata(&entries, "demo.pkg-1.0-py3-none-any.whl").unwrap();
        assert_eq!(found.name, "Demo_Pkg-1.0.dist-info/METADATA");
        assert!(find_metadata(&entries[2..], "demo_pkg-1.0-py3-none-any.whl").is_none());
    }
}
