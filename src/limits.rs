//! Upper bounds on what fenv reads from sources it does not control, so
//! that a hostile or broken index, lock or wheel costs an error, not the
//! disk or the memory: index pages, metadata files, requirements files,
//! downloads without a size to check against, and unpacked wheels. Each
//! has a default well above any real package and an environment variable
//! to raise it (a number of bytes).

use std::sync::OnceLock;

/// One limit: its variable and its default.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub variable: &'static str,
    default: u64,
}

impl Limit {
    /// The limit in bytes: the variable when it holds a number, else the
    /// default.
    pub fn bytes(&self) -> u64 {
        std::env::var(self.variable)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(self.default)
    }
}

const MIB: u64 = 1024 * 1024;

/// A simple API project page (PyPI's largest, botocore's, is a few MB).
pub const PAGE: Limit = Limit {
    variable: "FENV_MAX_PAGE",
    default: 128 * MIB,
};

/// A `METADATA`/`PKG-INFO` file, or a `.metadata` file (PEP 658).
pub const METADATA: Limit = Limit {
    variable: "FENV_MAX_METADATA",
    default: 16 * MIB,
};

/// An event for `fenv invoke`: Lambda takes at most 6 MB a synchronous
/// invocation, and 256 KB asynchronously.
pub const EVENT: Limit = Limit {
    variable: "FENV_MAX_EVENT",
    default: 6 * MIB,
};

/// A requirements file, with everything it includes.
pub const REQUIREMENTS: Limit = Limit {
    variable: "FENV_MAX_REQUIREMENTS",
    default: 16 * MIB,
};

/// A file whose size nothing states (a find-links file, an index file
/// listed without one).
pub const DOWNLOAD: Limit = Limit {
    variable: "FENV_MAX_DOWNLOAD",
    default: 16 * 1024 * MIB,
};

/// One wheel, unpacked.
pub const UNPACKED: Limit = Limit {
    variable: "FENV_MAX_UNPACKED",
    default: 32 * 1024 * MIB,
};

/// How many bytes a wheel of `archive` bytes may unpack to: the
/// [`UNPACKED`] limit, and at most `expansion` times the archive once past
/// `small` bytes (what a zip bomb is: a megabyte that becomes a gigabyte).
pub fn max_unpacked(archive: u64, expansion: u64, small: u64) -> u64 {
    static LIMIT: OnceLock<u64> = OnceLock::new();
    let limit = *LIMIT.get_or_init(|| UNPACKED.bytes());
    archive.saturating_mul(expansion).max(small).min(limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zip_bomb_is_judged_by_its_expansion() {
        // 1 MB may become 100 MB, but not 1 GB; small wheels are not judged.
        assert_eq!(max_unpacked(MIB, 100, 64 * MIB), 100 * MIB);
        assert_eq!(max_unpacked(1000, 100, 64 * MIB), 64 * MIB);
        assert!(max_unpacked(u64::MAX / 2, 100, 64 * MIB) <= UNPACKED.bytes());
    }
}
