//! A `pylock.toml` written by hand, as another tool (or an attacker who
//! controls the lock) would write it: the packages and wheels given, each
//! wheel's URL, size and sha256 those of the bytes named, nothing else.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

/// One locked wheel: its package, version, URL and bytes.
pub struct LockedWheel<'a> {
    pub name: &'a str,
    pub version: &'a str,
    /// The wheel's file name (what installers select wheels by).
    pub file_name: &'a str,
    pub url: String,
    pub bytes: &'a [u8],
}

/// Writes the lock of `wheels` to `path`.
pub fn write(path: &Path, wheels: &[LockedWheel<'_>]) {
    let mut text = String::from("lock-version = \"1.0\"\ncreated-by = \"fenv-tests\"\n");
    for wheel in wheels {
        write!(
            text,
            "\n[[packages]]\nname = \"{}\"\nversion = \"{}\"\n\n[[packages.wheels]]\nname = \"{}\"\nurl = \"{}\"\nsize = {}\nhashes = {{ sha256 = \"{:x}\" }}\n",
            wheel.name,
            wheel.version,
            wheel.file_name,
            wheel.url,
            wheel.bytes.len(),
            Sha256::digest(wheel.bytes)
        )
        .expect("write to a string");
    }
    fs_err::write(path, text).expect("write the lock");
}
