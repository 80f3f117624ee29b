//! The simple repository API's project page, in its JSON form (PEP 691)
//! or its HTML form (PEP 503, read by [`super::html`]), turned into
//! [`File`]s by one set of rules.
//!
//! Only the keys fenv uses are read; unknown keys are ignored, as the spec
//! asks. `meta.api-version` with a major version above 1 is refused.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::url;

/// The `Accept` header of page requests: JSON first, HTML (PEP 691's
/// name for it, then the plain one) for indexes that serve only that.
pub const ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// One file of a project, as the index (or a find-links folder) lists it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct File {
    /// The file name (`demo-1.0-py3-none-any.whl`, `demo-1.0.tar.gz`).
    pub filename: String,
    /// Absolute URL, without credentials; `file://` for find-links.
    pub url: String,
    /// The sha256 the index gives (lowercase hex), if any.
    pub sha256: Option<String>,
    /// The size in bytes, if known (`size`, PEP 700).
    pub size: Option<u64>,
    /// `upload-time`, as the index serves it (RFC 3339, PEP 700).
    pub upload_time: Option<String>,
    /// `requires-python`, as served.
    pub requires_python: Option<String>,
    /// Yanked (PEP 592): skipped unless pinned exactly.
    pub yanked: bool,
    /// The index serves `{url}.metadata` (PEP 658/714 `core-metadata`,
    /// or the older `dist-info-metadata`).
    pub has_metadata: bool,
    /// The sha256 of `{url}.metadata`, when the index gives one.
    pub metadata_sha256: Option<String>,
    /// The index base URL the file came from (no credentials); `None` for
    /// find-links.
    pub index: Option<String>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    meta: Meta,
    files: Vec<PageFile>,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(rename = "api-version")]
    api_version: Option<String>,
}

/// One file as a page lists it, in either form.
#[derive(Deserialize)]
pub(super) struct PageFile {
    pub filename: String,
    pub url: String,
    #[serde(default)]
    pub hashes: HashMap<String, String>,
    #[serde(rename = "requires-python")]
    pub requires_python: Option<String>,
    #[serde(default)]
    pub yanked: serde_json::Value,
    pub size: Option<u64>,
    #[serde(rename = "upload-time")]
    pub upload_time: Option<String>,
    #[serde(rename = "core-metadata")]
    pub core_metadata: Option<serde_json::Value>,
    #[serde(rename = "dist-info-metadata")]
    pub dist_info_metadata: Option<serde_json::Value>,
}

/// Parses a project page served at `page_url` (hrefs resolve against it)
/// by the index at `index` (both without credentials).
pub fn parse_page(body: &[u8], page_url: &str, index: &str) -> Result<Vec<File>, String> {
    let page: Page = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    if let Some(version) = &page.meta.api_version {
        let major = version.split('.').next().unwrap_or_default();
        if major
            .parse::<u32>()
            .map_err(|_| format!("bad api-version `{version}`"))?
            > 1
        {
            return Err(format!("api-version {version} is newer than fenv supports (1.x)"));
        }
    }
    Ok(files_of(page.files, page_url, index))
}

/// Parses an HTML project page (PEP 503) as [`parse_page`] does a JSON one.
pub fn parse_html_page(body: &[u8], page_url: &str, index: &str) -> Result<Vec<File>, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("it is not UTF-8: {e}"))?;
    let (files, base) = super::html::parse(text);
    let base = base.map_or_else(|| page_url.to_string(), |base| url::join(page_url, &base));
    Ok(files_of(files, &base, index))
}

/// The files fenv can use: URLs resolved against `page_url`, none on this
/// machine when the page is remote, none without a sha256 to check.
fn files_of(files: Vec<PageFile>, page_url: &str, index: &str) -> Vec<File> {
    let remote = page_url.starts_with("http://") || page_url.starts_with("https://");
    files
        .into_iter()
        .filter_map(|file| {
            let url = url::redact(&url::join(page_url, &file.url));
            // A remote page may not point at this machine's files (a lock
            // with `file:///etc/passwd` would print its hash into CI logs).
            if remote && !(url.starts_with("http://") || url.starts_with("https://")) {
                return None;
            }
            // Files without a sha256 fenv can check cannot be locked.
            let sha256 = file
                .hashes
                .get("sha256")
                .map(|h| h.to_ascii_lowercase())
                .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))?;
            // PEP 714: `core-metadata` wins; the old key is the fallback.
            let metadata = file
                .core_metadata
                .filter(|v| !v.is_null())
                .or(file.dist_info_metadata.filter(|v| !v.is_null()));
            let has_metadata = match &metadata {
                Some(serde_json::Value::Bool(value)) => *value,
                Some(serde_json::Value::Object(_)) => true,
                _ => false,
            };
            let metadata_sha256 = metadata
                .as_ref()
                .and_then(|v| v.get("sha256"))
                .and_then(|v| v.as_str())
                .map(str::to_ascii_lowercase);
            Some(File {
                url,
                sha256: Some(sha256),
                size: file.size,
                upload_time: file.upload_time,
                requires_python: file.requires_python.filter(|r| !r.trim().is_empty()),
                // `false`, absent, or a reason string (which means yanked).
                yanked: !matches!(
                    file.yanked,
                    serde_json::Value::Bool(false) | serde_json::Value::Null
                ),
                has_metadata,
                metadata_sha256,
                index: Some(index.to_string()),
                filename: file.filename,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_with_every_kind_of_file() {
        let body = br#"{
          "meta": {"api-version": "1.1", "_last-serial": "1"},
          "name": "demo",
          "files": [
            {"filename": "demo-1.0-py3-none-any.whl", "url": "/files/demo-1.0-py3-none-any.whl",
             "hashes": {"sha256": "ABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCDABCD"}, "requires-python": ">=3.9", "size": 123,
             "upload-time": "2025-01-01T00:00:00.000000Z", "yanked": false,
             "core-metadata": {"sha256": "EF01"}},
            {"filename": "demo-0.9-py3-none-any.whl", "url": "https://u:p@cdn.example/d.whl",
             "hashes": {"sha256": "0000000000000000000000000000000000000000000000000000000000000009"},
             "yanked": "broken", "dist-info-metadata": true, "requires-python": ""},
            {"filename": "demo-0.8.tar.gz", "url": "demo-0.8.tar.gz",
             "hashes": {"sha256": "0000000000000000000000000000000000000000000000000000000000000008"},
             "core-metadata": false, "dist-info-metadata": true},
            {"filename": "demo-0.7.tar.gz", "url": "demo-0.7.tar.gz", "hashes": {"md5": "x"}},
            {"filename": "demo-0.6.tar.gz", "url": "demo-0.6.tar.gz", "hashes": {"sha256": "abc"}},
            {"filename": "demo-0.5.tar.gz", "url": "file:///etc/passwd",
             "hashes": {"sha256": "0000000000000000000000000000000000000000000000000000000000000005"}}
          ]
        }"#;
        let files = parse_page(body, "http://h:1/simple/demo/", "http://h:1/simple").unwrap();
        assert_eq!(
            files[0],
            File {
                filename: "demo-1.0-py3-none-any.whl".into(),
                url: "http://h:1/files/demo-1.0-py3-none-any.whl".into(),
                sha256: Some("abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd".into()),
                size: Some(123),
                upload_time: Some("2025-01-01T00:00:00.000000Z".into()),
                requires_python: Some(">=3.9".into()),
                yanked: false,
                has_metadata: true,
                metadata_sha256: Some("ef01".into()),
                index: Some("http://h:1/simple".into()),
            }
        );
        assert_eq!(files[1].url, "https://cdn.example/d.whl");
        assert!(files[1].yanked && files[1].has_metadata);
        assert_eq!(files[1].requires_python, None);
        assert_eq!(files[2].url, "http://h:1/simple/demo/demo-0.8.tar.gz");
        assert!(!files[2].has_metadata, "`core-metadata: false` wins");
        // No sha256 fenv can check, or a local file named by a remote page:
        // not listed.
        assert_eq!(files.len(), 3, "{files:?}");
    }

    #[test]
    fn a_newer_major_api_version_is_refused() {
        let body = br#"{"meta": {"api-version": "2.0"}, "files": []}"#;
        assert!(parse_page(body, "http://h/simple/x/", "http://h/simple").is_err());
        let body = br#"{"meta": {"api-version": "1.4"}, "files": []}"#;
        assert!(parse_page(body, "http://h/simple/x/", "http://h/simple").is_ok());
    }
}

#[cfg(test)]
mod both_forms {
    use super::*;

    /// PyPI's own pages for idna, fetched once in both forms (kept as the
    /// fuzz corpus): the HTML one must list what the JSON one lists.
    #[test]
    fn pypis_html_page_lists_what_its_json_page_does() {
        let json = include_bytes!("../../fuzz/corpus/index_page/idna.json");
        let html = include_bytes!("../../fuzz/corpus/index_page/idna.html");
        let page = "https://pypi.org/simple/idna/";
        let from_json = parse_page(json, page, "https://pypi.org/simple").unwrap();
        let from_html = parse_html_page(html, page, "https://pypi.org/simple").unwrap();
        assert!(from_json.len() > 20);
        let key = |f: &File| {
            (
                f.filename.clone(),
                f.url.clone(),
                f.sha256.clone(),
                f.requires_python.clone(),
                f.yanked,
                f.has_metadata,
                f.metadata_sha256.clone(),
            )
        };
        // The two forms list files in different orders; the set is what counts.
        let mut json_keys: Vec<_> = from_json.iter().map(key).collect();
        let mut html_keys: Vec<_> = from_html.iter().map(key).collect();
        json_keys.sort();
        html_keys.sort();
        assert_eq!(html_keys, json_keys);
    }
}
