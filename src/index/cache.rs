//! What the index client keeps in fenv's cache, and for how long.
//!
//! - `index/<sha256 of the index URL>/<name>.page`: a project's files as
//!   parsed from its page, with the fetch time and the page's `ETag`
//!   ([`CachedPage`], a format made for fast reading).
//!   HTTP cache headers are not trusted (proxies strip them): a page is
//!   fresh for the client's freshness window from its fetch time.
//! - `metadata/<wheel sha256>.metadata` (or `url-<sha256 of the URL>` for a
//!   file the index gives no hash for): a wheel's METADATA, byte for byte.
//!   A wheel's metadata never changes, so it never expires.
//! - `find-links/<sha256 of path, size, mtime>`: a local file's sha256.
//!
//! Entries are written atomically. One that does not parse is ignored
//! (and overwritten by the next fetch); a cache that cannot be written is
//! silently worked around: the cache only ever saves time.

use std::path::{Path, PathBuf};

use crate::hash::sha256_hex;

use super::File;
use super::cached_page::CachedPage;
use crate::cache::Cache;

/// The index client's view of fenv's cache.
#[derive(Debug, Clone)]
pub(crate) struct IndexCache {
    cache: Cache,
    /// `sha256(index URL)`: pages of different indexes never mix.
    index_key: String,
}

impl IndexCache {
    /// The entries of the index at `index_url` (no credentials).
    pub fn new(cache: Cache, index_url: &str) -> Self {
        Self {
            cache,
            index_key: sha256_hex(index_url.as_bytes()),
        }
    }

    fn page_path(&self, project: &str) -> Option<PathBuf> {
        let bucket = self.cache.root()?.join("index").join(&self.index_key);
        Some(bucket.join(format!("{project}.page")))
    }

    /// The cached page of `project` (normalized), if one parses.
    #[cfg(test)]
    pub fn read_page(&self, project: &str) -> Option<CachedPage> {
        CachedPage::decode(&self.read_page_text(project)?)
    }

    /// The text of the cached page of `project` (normalized), if any.
    pub fn read_page_text(&self, project: &str) -> Option<String> {
        fs_err::read_to_string(self.page_path(project)?).ok()
    }

    /// Stores the page of `project`.
    pub fn write_page(&self, project: &str, page: &CachedPage) {
        let Some(path) = self.page_path(project) else {
            return;
        };
        write(&self.cache, "index", &path, page.encode().as_bytes());
    }

    fn metadata_path(&self, key: &str) -> Option<PathBuf> {
        Some(
            self.cache
                .root()?
                .join("metadata")
                .join(format!("{key}.metadata")),
        )
    }

    /// Cached METADATA bytes under `key` (see [`metadata_key`]).
    pub fn read_metadata(&self, key: &str) -> Option<Vec<u8>> {
        fs_err::read(self.metadata_path(key)?).ok()
    }

    /// Stores METADATA bytes under `key`.
    pub fn write_metadata(&self, key: &str, bytes: &[u8]) {
        if let Some(path) = self.metadata_path(key) {
            write(&self.cache, "metadata", &path, bytes);
        }
    }

    fn hash_path(&self, path: &Path, size: u64, modified_ns: u128) -> Option<PathBuf> {
        let key = sha256_hex(format!("{}\0{size}\0{modified_ns}", path.display()).as_bytes());
        Some(self.cache.root()?.join("find-links").join(key))
    }

    /// The cached sha256 of the local file at `path` with this size and
    /// modification time.
    pub fn read_file_hash(&self, path: &Path, size: u64, modified_ns: u128) -> Option<String> {
        let text = fs_err::read_to_string(self.hash_path(path, size, modified_ns)?).ok()?;
        let hash = text.trim();
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| hash.to_string())
    }

    /// Stores the sha256 of a local file.
    pub fn write_file_hash(&self, path: &Path, size: u64, modified_ns: u128, sha256: &str) {
        if let Some(entry) = self.hash_path(path, size, modified_ns) {
            write(&self.cache, "find-links", &entry, sha256.as_bytes());
        }
    }
}

/// The key a file's METADATA is cached under: its sha256, else one derived
/// from its URL.
pub(crate) fn metadata_key(file: &File) -> String {
    match &file.sha256 {
        Some(sha256) => sha256.to_ascii_lowercase(),
        None => format!("url-{}", sha256_hex(file.url.as_bytes())),
    }
}

/// Writes an entry atomically, creating its bucket; failures are ignored.
fn write(cache: &Cache, bucket: &str, path: &Path, bytes: &[u8]) {
    if cache.bucket(bucket).is_err() {
        return;
    }
    if let Some(parent) = path.parent()
        && fs_err::create_dir_all(parent).is_err()
    {
        return;
    }
    let _ = crate::fs::write_atomic(path, bytes);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn pages_round_trip_and_expire() {
        let root = tempfile::tempdir().unwrap();
        let cache = IndexCache::new(Cache::resolve(Some(root.path())), "http://h/simple");
        assert!(cache.read_page("demo").is_none());
        let mut page = CachedPage::new(
            "http://h/simple/demo/",
            Some("\"e\"".into()),
            vec![File::default()],
        );
        cache.write_page("demo", &page);
        let read = cache.read_page("demo").unwrap();
        assert_eq!(read.files.len(), 1);
        assert!(read.is_fresh(Duration::from_mins(1)));
        assert!(!read.is_fresh(Duration::ZERO));
        page.fetched_ms += 3_600_000;
        assert!(!page.is_fresh(Duration::from_hours(1)), "from the future");
        // Another index does not see it; a corrupt entry is ignored.
        let other = IndexCache::new(Cache::resolve(Some(root.path())), "http://other/simple");
        assert!(other.read_page("demo").is_none());
        fs_err::write(cache.page_path("demo").unwrap(), "{").unwrap();
        assert!(cache.read_page("demo").is_none());
    }

    #[test]
    fn a_disabled_cache_stores_nothing() {
        let cache = IndexCache::new(Cache::disabled(), "http://h/simple");
        cache.write_metadata("abc", b"Name: x");
        assert!(cache.read_metadata("abc").is_none());
    }
}
