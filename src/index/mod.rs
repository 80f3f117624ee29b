//! The package index: the simple repository API in its JSON form (PEP 691),
//! wheel metadata fetched as cheaply as possible, find-links folders, and
//! downloads checked against the index's sha256.
//!
//! [`IndexClient`] is the entry point. It owns the HTTP side (`http`:
//! retries, a bound on requests in flight, credentials from the URL or
//! `~/.netrc`, one DNS lookup per host), the on-disk cache (`cache`: pages
//! for a freshness window, metadata for ever) and find-links folders
//! (`find_links`). Metadata comes from a PEP 658 `.metadata` file when the
//! index advertises one, else from HTTP range reads of the wheel's zip
//! directory (`central_directory`), else from the whole wheel (`remote`).
//!
//! Credentials never leave this module: every URL in a [`File`], in the
//! cache and in an [`Error`] has them stripped.

mod cache;
mod cached_page;
mod central_directory;
mod client;
mod credentials;
mod dns;
mod find_links;
mod html;
mod http;
mod remote;
mod simple;
mod url;

use std::path::PathBuf;

pub use cached_page::{Listing, Summary};
pub use client::{ClientOptions, DEFAULT_FRESHNESS, DEFAULT_INDEX_URL, IndexClient, IndexConfig};
pub use simple::File;
pub use url::{from_path as file_url, redact, to_path as file_path};

use crate::error::Hint;

/// Both page parsers on `bytes`, for [`crate::fuzz`]: every file they
/// keep has a sha256 fenv can check and, from a remote page, a remote URL.
pub(crate) fn fuzz_pages(bytes: &[u8]) {
    let page = "https://index.example/simple/demo/";
    let base = "https://index.example/simple";
    let pages = [
        simple::parse_page(bytes, page, base),
        simple::parse_html_page(bytes, page, base),
    ];
    for files in pages.into_iter().flatten() {
        for file in files {
            assert!(file.sha256.as_ref().is_some_and(|h| h.len() == 64));
            assert!(file.url.starts_with("http://") || file.url.starts_with("https://"));
        }
    }
}

/// What can go wrong talking to an index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to fetch `{url}` after {attempts} attempts: {reason}")]
    Fetch {
        url: String,
        attempts: u32,
        reason: String,
    },

    #[error("`{url}` redirects to another host, `{to}`; fenv follows such redirects only for file downloads")]
    Redirect { url: String, to: String },

    #[error("`{url}` answered HTTP {status}")]
    Status { url: String, status: u16 },

    #[error("the index page `{url}` cannot be read (PEP 691 JSON or PEP 503 HTML): {reason}")]
    InvalidPage { url: String, reason: String },

    #[error("the file `{url}` has sha256 {actual}, but the index says {expected}")]
    HashMismatch {
        url: String,
        expected: String,
        actual: String,
    },

    #[error("the file `{url}` has {actual} bytes, but the index says {expected}")]
    SizeMismatch { url: String, expected: u64, actual: u64 },

    /// A local file that is not the one named: its size and hash are not
    /// printed, so a lock cannot make CI logs fingerprint a local file.
    #[error(
        "the local file `{url}` is not the file the lock or find-links folder names (its size or sha256 differs)"
    )]
    LocalMismatch { url: String },

    #[error("`{url}` is larger than {limit} bytes ({why}); fenv stopped reading it")]
    TooLarge {
        url: String,
        limit: u64,
        /// Where the limit comes from: the stated size, or a `FENV_MAX_*`.
        why: String,
    },

    #[error("the index gives no sha256 for `{url}`; fenv installs only files it can check")]
    NoHash { url: String },

    /// A failure met once already in this run (by a background fetch,
    /// say), reported again rather than fetched again.
    #[error(transparent)]
    Again(std::sync::Arc<Error>),

    #[error("failed to get the files of `{package}` from the index")]
    Project {
        package: String,
        #[source]
        source: Box<Error>,
    },

    #[error("failed to read the metadata of `{filename}`")]
    Metadata {
        filename: String,
        #[source]
        source: Box<Error>,
    },

    #[error("the metadata of `{url}` is not valid")]
    InvalidMetadata {
        url: String,
        #[source]
        source: crate::dist::metadata::Error,
    },

    #[error("`{url}` is not a valid wheel: {reason}")]
    InvalidWheel { url: String, reason: String },

    #[error("`{filename}` is not a wheel; fenv reads metadata from wheels only")]
    NotAWheel { filename: String },

    #[error("`{url}` is not a valid source distribution: {reason}")]
    InvalidSdist { url: String, reason: String },

    #[error("the metadata of `{filename}` is known only once it is built")]
    DynamicMetadata {
        filename: String,
        #[source]
        source: crate::dist::metadata::NotStatic,
    },

    #[error("{what} is not in the cache, and `--offline` forbids the network")]
    Offline { what: String },

    #[error(
        "failed to list the find-links folder `{}`: {reason}",
        crate::fs::user_display(path)
    )]
    FindLinks { path: PathBuf, reason: String },

    #[error(transparent)]
    Io(#[from] crate::fs::PathError),
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Fetch { .. } => {
                Some("check the network connection and the index URL (`FENV_INDEX_URL`)".into())
            }
            Self::Status {
                status: 401 | 403, ..
            } => Some(
                "the index wants credentials: put them in the index URL \
                 (`https://user:password@host/simple`) or in `~/.netrc`"
                    .into(),
            ),
            Self::Status { status: 404, .. } => Some("check the package name and the index URL".into()),
            Self::Redirect { to, .. } => Some(format!(
                "if the index really lives there, use it as the index URL (`--index-url {to}` or `[tool.fenv] index-url`)"
            )),
            Self::Status { .. } | Self::InvalidPage { .. } => Some(
                "check the index URL (`FENV_INDEX_URL`); it must serve the simple API (PEP 691 JSON, or PEP 503 HTML)".into(),
            ),
            Self::HashMismatch { .. } | Self::SizeMismatch { .. } => {
                Some("the download was corrupted or tampered with; try again, or check the index".into())
            }
            Self::LocalMismatch { .. } => Some("lock again (`fenv lock`) if the file was rebuilt on purpose".into()),
            Self::NoHash { .. } => Some("use an index that publishes sha256 hashes".into()),
            Self::TooLarge { .. } => Some(
                "the index or the lock is broken or hostile; if the file is really this large, raise the limit (docs/security.md lists the `FENV_MAX_*` variables)"
                    .into(),
            ),
            Self::Offline { .. } => {
                Some("run once without `--offline` to fill the cache, then retry offline".into())
            }
            Self::FindLinks { .. } => Some("check the `--find-links` folder".into()),
            Self::Project { source, .. } | Self::Metadata { source, .. } => source.hint(),
            Self::Again(source) => source.hint(),
            Self::InvalidMetadata { .. }
            | Self::InvalidWheel { .. }
            | Self::NotAWheel { .. }
            | Self::InvalidSdist { .. }
            | Self::DynamicMetadata { .. } => None,
            Self::Io(err) => matches!(
                err.io().kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            )
            .then(|| crate::cache::DISK_FULL_HINT.into()),
        }
    }
}
