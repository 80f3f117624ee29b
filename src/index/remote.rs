//! Bytes from the index's file host: a wheel's METADATA by the cheapest
//! path that works, and whole files checked against their sha256.
//!
//! The metadata paths, in order (PEP 658/714, then the wheel itself):
//! 1. `{url}.metadata` (PEP 658/714), when the page advertises it; checked
//!    against its sha256 when the page gives one. A 404 falls through.
//! 2. Range reads: `Range: bytes=-65536` for the tail, then only what the
//!    tail lacks ([`central_directory::metadata_from_ranges`]). A server
//!    that ignores the range answers 200 with the whole wheel, which is
//!    then used as is.
//! 3. The whole wheel, its sha256 checked, read with the `zip` crate.

use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

use super::central_directory::{self, RangeError};
use super::http::{self, Failure, Http};
use super::{Error, File, url};
use crate::fs::PathError;
use crate::hash::{HashingWriter, hex, sha256_hex};

/// The tail fetched first: enough for the central directory of all but
/// the largest wheels.
const TAIL: u64 = 64 * 1024;

/// The wheel's METADATA bytes.
pub(crate) fn fetch_metadata(http: &Http, file: &File) -> Result<Vec<u8>, Error> {
    if file.has_metadata
        && let Some(bytes) = metadata_file(http, file)?
    {
        return Ok(bytes);
    }
    let whole = match by_range(http, file)? {
        Ranged::Metadata(bytes) => return Ok(bytes),
        Ranged::Whole(whole) => whole,
        Ranged::Unusable => whole_file(http, file)?,
    };
    metadata_of_whole(file, whole)
}

/// `{url}.metadata`, verified; `None` when the index has none after all.
fn metadata_file(http: &Http, file: &File) -> Result<Option<Vec<u8>>, Error> {
    let metadata_url = format!("{}.metadata", file.url);
    let bytes = http.get_file(&metadata_url, &[], |response| match response.status().as_u16() {
        200 => http::body(response, &metadata_url, crate::limits::METADATA).map(Some),
        404 | 410 => Ok(None),
        _ => Err(http::unexpected(&metadata_url, &response)),
    })?;
    if let (Some(bytes), Some(expected)) = (&bytes, &file.metadata_sha256) {
        let actual = sha256_hex(bytes);
        if actual != *expected {
            return Err(Error::HashMismatch {
                url: metadata_url,
                expected: expected.clone(),
                actual,
            });
        }
    }
    Ok(bytes)
}

/// What a range read came to.
enum Ranged {
    Metadata(Vec<u8>),
    /// The server sent the whole file instead (and its sha256).
    Whole((std::fs::File, String)),
    /// Ranges cannot do it: fetch the whole file.
    Unusable,
}

fn by_range(http: &Http, file: &File) -> Result<Ranged, Error> {
    enum First {
        Tail(Vec<u8>, u64),
        Whole((std::fs::File, String)),
        Refused,
    }
    let suffix = format!("bytes=-{TAIL}");
    let headers = [("Range", suffix.as_str()), ("Accept-Encoding", "identity")];
    let first = http.get_file(&file.url, &headers, |response| match response.status().as_u16() {
        206 => {
            let range = http::header(&response, "content-range").and_then(parse_content_range);
            let body = http::body_within(response, &file.url, TAIL, "the range asked for")?;
            match range {
                Some((start, end, total)) if end + 1 == total && len64(&body) == total - start => {
                    Ok(First::Tail(body, total))
                }
                _ => Ok(First::Refused),
            }
        }
        200 => spool(
            response,
            file.size.unwrap_or_else(|| crate::limits::DOWNLOAD.bytes()),
        )
        .map(First::Whole),
        416 => Ok(First::Refused),
        _ => Err(http::unexpected(&file.url, &response)),
    })?;
    let (tail, total) = match first {
        First::Tail(tail, total) => (tail, total),
        First::Whole(whole) => return Ok(Ranged::Whole(whole)),
        First::Refused => return Ok(Ranged::Unusable),
    };
    let fetch = |start: u64, end: u64| fetch_range(http, &file.url, start, end);
    match central_directory::metadata_from_ranges(&file.filename, &tail, total, fetch) {
        Ok(bytes) => Ok(Ranged::Metadata(bytes)),
        // A later range refused, or an archive ranges cannot read.
        Err(RangeError::Fetch(None) | RangeError::Zip(_)) => Ok(Ranged::Unusable),
        Err(RangeError::Fetch(Some(err))) => Err(err),
    }
}

/// The bytes `start..end` of `url`; `Ok(None)`-like `Err(None)` when the
/// server does not answer with exactly that range.
fn fetch_range(http: &Http, url: &str, start: u64, end: u64) -> Result<Vec<u8>, Option<Error>> {
    let range = format!("bytes={start}-{}", end - 1);
    let headers = [("Range", range.as_str()), ("Accept-Encoding", "identity")];
    let bytes = http
        .get_file(url, &headers, |response| {
            let served = http::header(&response, "content-range").and_then(parse_content_range);
            if response.status().as_u16() != 206 || served.is_none_or(|(s, e, _)| (s, e + 1) != (start, end))
            {
                // Dropped unread: a 200 here would be the whole file.
                return Ok(None);
            }
            http::body_within(response, url, end - start, "the range asked for").map(Some)
        })
        .map_err(Some)?;
    bytes.ok_or(None)
}

/// `bytes START-END/TOTAL` → `(START, END, TOTAL)`.
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let (start, end, total) = (start.parse().ok()?, end.parse().ok()?, total.parse().ok()?);
    (start <= end && end < total).then_some((start, end, total))
}

/// GETs the whole file into an anonymous temporary file.
fn whole_file(http: &Http, file: &File) -> Result<(std::fs::File, String), Error> {
    http.get_file(&file.url, &[], |response| match response.status().as_u16() {
        200 => spool(
            response,
            file.size.unwrap_or_else(|| crate::limits::DOWNLOAD.bytes()),
        ),
        _ => Err(http::unexpected(&file.url, &response)),
    })
}

/// The METADATA of a whole wheel, once its sha256 checks out.
fn metadata_of_whole(file: &File, (mut whole, actual): (std::fs::File, String)) -> Result<Vec<u8>, Error> {
    check_hash(file, &actual)?;
    let invalid = |reason: String| Error::InvalidWheel {
        url: file.url.clone(),
        reason,
    };
    whole.rewind().map_err(|e| invalid(e.to_string()))?;
    central_directory::metadata_from_archive(whole, &file.filename).map_err(invalid)
}

/// Streams a body into an anonymous temporary file; returns it with the
/// body's sha256.
fn spool(response: http::Response, limit: u64) -> Result<(std::fs::File, String), Failure> {
    let mut out = tempfile::tempfile().map_err(|e| Failure::Transient(e.to_string()))?;
    let (sha256, _) = copy_hashed(response, &mut out, &std::env::temp_dir(), limit)?;
    Ok((out, sha256))
}

/// Copies a body into `out`, hashing it, stopping as soon as it passes
/// `limit` bytes; returns the sha256 and length (at most `limit + 1`).
fn copy_hashed(
    response: http::Response,
    out: &mut impl Write,
    to: &Path,
    limit: u64,
) -> Result<(String, u64), Failure> {
    let reader = response.into_body().into_reader();
    copy_bounded(reader, out, limit).map_err(|e| match e.kind() {
        // A full disk is not the network's fault: no retry.
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
            Failure::Fatal(Error::Io(PathError::new("write", to.to_path_buf(), e)))
        }
        _ => Failure::Transient(e.to_string()),
    })
}

/// Copies at most `limit + 1` bytes of `reader` into `out`, hashing them.
fn copy_bounded(
    reader: impl std::io::Read,
    out: &mut impl Write,
    limit: u64,
) -> std::io::Result<(String, u64)> {
    let mut hashing = HashingWriter::new(out);
    std::io::copy(&mut reader.take(limit.saturating_add(1)), &mut hashing)?;
    let (digest, len, _) = hashing.finish();
    Ok((hex(&digest), len))
}

fn check_hash(file: &File, actual: &str) -> Result<(), Error> {
    match &file.sha256 {
        Some(expected) if !expected.eq_ignore_ascii_case(actual) => Err(Error::HashMismatch {
            url: file.url.clone(),
            expected: expected.clone(),
            actual: actual.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Downloads (or, for `file://`, copies) `file` into `dir`, checking its
/// size and `expected` sha256 before it is renamed into place.
pub(crate) fn download(http: &Http, file: &File, expected: &str, dir: &Path) -> Result<PathBuf, Error> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io(PathError::new(action, path, source))
    };
    if file.filename.is_empty() || file.filename.contains(['/', '\\']) || file.filename.starts_with('.') {
        return Err(Error::InvalidWheel {
            url: file.url.clone(),
            reason: format!("`{}` is not a plain file name", file.filename),
        });
    }
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io("create a file in", dir))?;
    // Never more than the size the lock or page states (then it fails as
    // soon as the stream passes it), else the download limit.
    let (limit, why) = match file.size {
        Some(size) => (size, "the size the lock or index gives"),
        None => (crate::limits::DOWNLOAD.bytes(), crate::limits::DOWNLOAD.variable),
    };
    let (actual, len) = if let Some(source) = url::to_path(&file.url) {
        let reader = fs_err::File::open(&source).map_err(io("read", &source))?;
        copy_bounded(reader, temp.as_file_mut(), limit).map_err(io("copy", &source))?
    } else {
        http.get_file(&file.url, &[], |response| match response.status().as_u16() {
            200 => {
                let to = temp.path().to_path_buf();
                let out = temp.as_file_mut();
                out.set_len(0)
                    .and_then(|()| out.rewind())
                    .map_err(|e| Failure::Transient(e.to_string()))?;
                copy_hashed(response, out, &to, limit)
            }
            _ => Err(http::unexpected(&file.url, &response)),
        })?
    };
    if len > limit {
        return Err(Error::TooLarge {
            url: file.url.clone(),
            limit,
            why: why.to_string(),
        });
    }
    let wrong_size = file.size.is_some_and(|size| size != len);
    if url::to_path(&file.url).is_some() && (wrong_size || !actual.eq_ignore_ascii_case(expected)) {
        return Err(Error::LocalMismatch {
            url: file.url.clone(),
        });
    }
    if let Some(size) = file.size.filter(|size| *size != len) {
        return Err(Error::SizeMismatch {
            url: file.url.clone(),
            expected: size,
            actual: len,
        });
    }
    if !actual.eq_ignore_ascii_case(expected) {
        return Err(Error::HashMismatch {
            url: file.url.clone(),
            expected: expected.to_string(),
            actual,
        });
    }
    let path = dir.join(&file.filename);
    temp.persist(&path)
        .map_err(|e| Error::Io(PathError::new("write", path.clone(), e.error)))?;
    Ok(path)
}

fn len64(bytes: &[u8]) -> u64 {
    // usize is at most 64 bits on every supported target.
    bytes.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("bytes 0-99/97941"), Some((0, 99, 97941)));
        assert_eq!(parse_content_range("bytes 10-9/20"), None);
        assert_eq!(parse_content_range("bytes 0-20/20"), None);
        assert_eq!(parse_content_range("bytes */20"), None);
        assert_eq!(parse_content_range("bytes 0-1/*"), None);
    }
}
