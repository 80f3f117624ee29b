//! sha256, the one digest the packaging specifications use for files
//! (PEP 503/691 index hashes, PEP 427 `RECORD`, PEP 751 locks), as
//! lowercase hex, over bytes, a reader or a file.

use std::io::{self, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

/// Lowercase hex of `bytes` (a digest, usually).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// The sha256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha256(bytes))
}

/// The sha256 of everything `reader` gives, read in 256 KiB blocks.
pub fn sha256_reader(reader: &mut impl Read) -> io::Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 256 * 1024];
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            return Ok(hasher.finalize().into());
        }
        hasher.update(&buffer[..read]);
    }
}

/// The lowercase hex sha256 of the file at `path`, streamed.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    Ok(hex(&sha256_reader(&mut fs_err::File::open(path)?)?))
}

/// A writer that hashes and counts what passes through it to `inner`,
/// so a download or an unpacked file is checked as it is written, never
/// read back.
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    len: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            len: 0,
        }
    }

    /// The sha256 and the length of what was written, and the writer.
    pub fn finish(self) -> ([u8; 32], u64, W) {
        (self.hasher.finalize().into(), self.len, self.inner)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.hasher.update(&bytes[..written]);
        self.len += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_the_standard_vectors() {
        // FIPS 180-2's "abc".
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_hex(b"abc"), abc);
        assert_eq!(hex(&sha256_reader(&mut &b"abc"[..]).unwrap()), abc);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("abc");
        fs_err::write(&file, "abc").unwrap();
        assert_eq!(sha256_file(&file).unwrap(), abc);
        assert_eq!(hex(&[0x00, 0x0f, 0xff]), "000fff");
        let mut writer = HashingWriter::new(Vec::new());
        writer.write_all(b"ab").unwrap();
        writer.write_all(b"c").unwrap();
        let (digest, len, inner) = writer.finish();
        assert_eq!(
            (hex(&digest).as_str(), len, inner.as_slice()),
            (abc, 3, &b"abc"[..])
        );
    }
}
