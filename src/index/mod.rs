//! The package index: the simple repository API in its JSON form (PEP 691)
//! and downloads checked against the index's sha256.
//!
//! Requests retry transient failures (connection errors, timeouts, 5xx)
//! with backoff; a final failure names the URL. TLS trusts the platform's
//! certificate store (and `SSL_CERT_FILE`/`SSL_CERT_DIR`), so corporate
//! proxies with their own CA work as they do for pip.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::diagnostics::Hint;
use crate::install::name::normalize;

/// The public Python Package Index.
pub const DEFAULT_INDEX_URL: &str = "https://pypi.org/simple";

/// What can go wrong talking to an index.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to fetch `{url}` after {attempts} attempts: {reason}")]
    Fetch {
        url: String,
        attempts: u32,
        reason: String,
    },

    #[error("`{url}` answered HTTP {status}")]
    Status { url: String, status: u16 },

    #[error("the index page `{url}` is not valid PEP 691 JSON: {reason}")]
    InvalidPage { url: String, reason: String },

    #[error("the file `{url}` has sha256 {actual}, but the index says {expected}")]
    HashMismatch {
        url: String,
        expected: String,
        actual: String,
    },

    #[error("the index gives no sha256 for `{url}`; fenv installs only files it can check")]
    NoHash { url: String },

    #[error("failed to {action} `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Fetch { .. } => {
                Some("check the network connection and the index URL (`FENV_INDEX_URL`)".into())
            }
            Self::Status { status: 404, .. } => Some("check the package name and the index URL".into()),
            Self::Status { .. } | Self::InvalidPage { .. } => {
                Some("check the index URL (`FENV_INDEX_URL`)".into())
            }
            Self::HashMismatch { .. } => {
                Some("the download was corrupted or tampered with; try again, or check the index".into())
            }
            Self::NoHash { .. } => Some("use an index that publishes sha256 hashes".into()),
            Self::Io { .. } => None,
        }
    }
}

/// One file of a project, as the index lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub filename: String,
    /// Absolute URL.
    pub url: String,
    pub sha256: Option<String>,
    pub requires_python: Option<String>,
    pub yanked: bool,
}

#[derive(Deserialize)]
struct ProjectPage {
    files: Vec<PageFile>,
}

#[derive(Deserialize)]
struct PageFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: std::collections::HashMap<String, String>,
    #[serde(rename = "requires-python")]
    requires_python: Option<String>,
    #[serde(default)]
    yanked: serde_json::Value,
}

/// A client for one index.
#[derive(Debug, Clone)]
pub struct IndexClient {
    base: String,
    agent: ureq::Agent,
    attempts: u32,
}

impl IndexClient {
    /// A client for the index at `base` (`…/simple`).
    pub fn new(base: &str) -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_global(Some(Duration::from_secs(120)))
            .timeout_connect(Some(Duration::from_secs(20)))
            .http_status_as_error(false)
            .user_agent(format!("fenv/{}", crate::VERSION))
            .build()
            .into();
        Self {
            base: base.trim_end_matches('/').to_string(),
            agent,
            attempts: 3,
        }
    }

    /// The index from `FENV_INDEX_URL`, else the public one.
    pub fn from_env() -> Self {
        let base = std::env::var("FENV_INDEX_URL").ok().filter(|v| !v.is_empty());
        Self::new(base.as_deref().unwrap_or(DEFAULT_INDEX_URL))
    }

    /// The files of `project` (PEP 691 JSON).
    pub fn project(&self, project: &str) -> Result<Vec<File>, Error> {
        let url = format!("{}/{}/", self.base, normalize(project));
        let body = self.with_retries(&url, |response| {
            let mut body = String::new();
            response
                .into_body()
                .into_reader()
                .read_to_string(&mut body)
                .map_err(|e| e.to_string())?;
            Ok(body)
        })?;
        let page: ProjectPage = serde_json::from_str(&body).map_err(|e| Error::InvalidPage {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        Ok(page
            .files
            .into_iter()
            .map(|file| File {
                url: join_url(&url, &file.url),
                sha256: file.hashes.get("sha256").cloned(),
                requires_python: file.requires_python,
                yanked: !matches!(
                    file.yanked,
                    serde_json::Value::Bool(false) | serde_json::Value::Null
                ),
                filename: file.filename,
            })
            .collect())
    }

    /// Downloads `file` into `dir` under its file name, checking its sha256
    /// before it is kept; returns its path.
    pub fn download(&self, file: &File, dir: &Path) -> Result<PathBuf, Error> {
        let expected = file.sha256.clone().ok_or_else(|| Error::NoHash {
            url: file.url.clone(),
        })?;
        let io = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { action, path, source }
        };
        let temp = tempfile::NamedTempFile::new_in(dir).map_err(io("create a file in", dir))?;
        let (actual, temp) = self
            .with_retries(&file.url, |response| {
                let mut out = temp.reopen().map_err(|e| e.to_string())?;
                out.set_len(0).map_err(|e| e.to_string())?;
                let mut reader = response.into_body().into_reader();
                let mut hasher = Sha256::new();
                let mut buffer = vec![0; 64 * 1024];
                loop {
                    let read = reader.read(&mut buffer).map_err(|e| e.to_string())?;
                    if read == 0 {
                        break;
                    }
                    hasher.update(&buffer[..read]);
                    out.write_all(&buffer[..read]).map_err(|e| e.to_string())?;
                }
                Ok(hasher
                    .finalize()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>())
            })
            .map(|actual| (actual, temp))?;
        if !actual.eq_ignore_ascii_case(&expected) {
            return Err(Error::HashMismatch {
                url: file.url.clone(),
                expected,
                actual,
            });
        }
        let path = dir.join(&file.filename);
        temp.persist(&path).map_err(|e| Error::Io {
            action: "write",
            path: path.clone(),
            source: e.error,
        })?;
        Ok(path)
    }

    /// GETs `url` and hands a 200 response to `read`, retrying transient
    /// failures (connection errors, timeouts, 5xx, a broken body).
    fn with_retries<T>(
        &self,
        url: &str,
        mut read: impl FnMut(ureq::http::Response<ureq::Body>) -> Result<T, String>,
    ) -> Result<T, Error> {
        let mut last = String::new();
        for attempt in 0..self.attempts {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(250 << attempt));
            }
            let response = match self
                .agent
                .get(url)
                .header("Accept", "application/vnd.pypi.simple.v1+json")
                .call()
            {
                Ok(response) => response,
                Err(err) => {
                    last = err.to_string();
                    continue;
                }
            };
            let status = response.status().as_u16();
            if status >= 500 {
                last = format!("HTTP {status}");
                continue;
            }
            if status != 200 {
                return Err(Error::Status {
                    url: url.to_string(),
                    status,
                });
            }
            match read(response) {
                Ok(value) => return Ok(value),
                Err(err) => last = err,
            }
        }
        Err(Error::Fetch {
            url: url.to_string(),
            attempts: self.attempts,
            reason: last,
        })
    }
}

/// `href` resolved against the page at `base` (absolute, host-relative or
/// page-relative).
fn join_url(base: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_string();
    }
    let origin_end = base.find("://").map_or(0, |i| i + 3);
    if let Some(rest) = href.strip_prefix('/') {
        let host_end = base[origin_end..]
            .find('/')
            .map_or(base.len(), |i| origin_end + i);
        return format!("{}/{rest}", &base[..host_end]);
    }
    let dir_end = base.rfind('/').map_or(base.len(), |i| i + 1);
    let mut out = base[..dir_end].to_string();
    let mut href = href;
    while let Some(rest) = href.strip_prefix("../") {
        out.pop();
        if let Some(i) = out.rfind('/').filter(|i| *i >= origin_end) {
            out.truncate(i + 1);
        }
        href = rest;
    }
    out + href
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_like_a_browser() {
        let page = "http://127.0.0.1:8000/simple/pip/";
        assert_eq!(
            join_url(page, "https://files.example/p.whl"),
            "https://files.example/p.whl"
        );
        assert_eq!(
            join_url(page, "/files/p.whl"),
            "http://127.0.0.1:8000/files/p.whl"
        );
        assert_eq!(join_url(page, "p.whl"), "http://127.0.0.1:8000/simple/pip/p.whl");
        assert_eq!(
            join_url(page, "../../files/p.whl"),
            "http://127.0.0.1:8000/files/p.whl"
        );
    }
}
