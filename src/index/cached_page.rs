//! A project page as the cache keeps it: a line per file, tab-separated.
//!
//! Why not JSON: a warm `fenv lock` reads every page of the closure, and
//! a few projects have huge pages (pydantic-core lists 15,000 files, 7.7
//! MB of JSON). serde_json parsed that in 48 ms (release build); this
//! format, split on tabs with no escapes to decode in practice, takes a
//! fraction of it. The URL is stored without its trailing file name when
//! it ends with it (as every Python Package Index URL does).
//!
//! ```text
//! fenv-page 1
//! url→https://pypi.org/simple/idna/
//! fetched→1764264000000
//! etag→"abc"
//! index→https://pypi.org/simple
//! filename→url or url prefix→sha256→size→upload-time→requires-python→flags→metadata sha256
//! ```
//!
//! (`→` is a tab.)
//!
//! Empty fields are `None`. Flags: `y` yanked, `m` has metadata, `+` the
//! URL field is a prefix to which the file name is appended. `\`, tab and
//! newline in a field are written `\\`, `\t`, `\n`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::File;

const MAGIC: &str = "fenv-page 1";

/// A cached project page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CachedPage {
    /// The page URL (no credentials), for people reading the cache.
    pub url: String,
    /// When the page was fetched or last revalidated, in ms since 1970.
    pub fetched_ms: u64,
    pub etag: Option<String>,
    pub files: Vec<File>,
}

impl CachedPage {
    /// A page fetched now.
    pub fn new(url: &str, etag: Option<String>, files: Vec<File>) -> Self {
        Self {
            url: url.to_string(),
            fetched_ms: now_ms(),
            etag,
            files,
        }
    }

    /// Whether it was fetched less than `freshness` ago (a fetch time in
    /// the future counts as stale).
    pub fn is_fresh(&self, freshness: Duration) -> bool {
        let now = now_ms();
        let window = u64::try_from(freshness.as_millis()).unwrap_or(u64::MAX);
        self.fetched_ms <= now && now - self.fetched_ms < window
    }

    /// Marks it revalidated now.
    pub fn touch(&mut self) {
        self.fetched_ms = now_ms();
    }

    /// The page in the cache's format.
    pub fn encode(&self) -> String {
        // Files of one page share their index.
        let index = self.files.first().and_then(|f| f.index.clone());
        let mut out = String::with_capacity(64 + self.files.len() * 200);
        out.push_str(MAGIC);
        for (key, value) in [
            ("url", Some(self.url.as_str())),
            ("fetched", Some(self.fetched_ms.to_string().as_str())),
            ("etag", self.etag.as_deref()),
            ("index", index.as_deref()),
        ] {
            out.push('\n');
            out.push_str(key);
            out.push('\t');
            push_field(&mut out, value.unwrap_or_default());
        }
        for file in &self.files {
            let prefix = file.url.strip_suffix(&file.filename).filter(|p| p.ends_with('/'));
            let mut flags = String::new();
            if file.yanked {
                flags.push('y');
            }
            if file.has_metadata {
                flags.push('m');
            }
            if prefix.is_some() {
                flags.push('+');
            }
            let size = file.size.map(|s| s.to_string());
            out.push('\n');
            for (i, field) in [
                Some(file.filename.as_str()),
                Some(prefix.unwrap_or(&file.url)),
                file.sha256.as_deref(),
                size.as_deref(),
                file.upload_time.as_deref(),
                file.requires_python.as_deref(),
                Some(flags.as_str()),
                file.metadata_sha256.as_deref(),
            ]
            .into_iter()
            .enumerate()
            {
                if i > 0 {
                    out.push('\t');
                }
                push_field(&mut out, field.unwrap_or_default());
            }
        }
        out
    }

    /// Reads a page in the cache's format; `None` when it is not one.
    pub fn decode(text: &str) -> Option<Self> {
        // Escapes are rare: when the page has no `\\` at all, fields are
        // copied as they are, without looking for one field by field.
        let escaped = memchr::memchr(b'\\', text.as_bytes()).is_some();
        let field = |value: &str| {
            if escaped {
                unescape(value)
            } else {
                value.to_string()
            }
        };
        let mut lines = Split::new(text, b'\n');
        if lines.next()? != MAGIC {
            return None;
        }
        let mut header = |key: &str| -> Option<String> {
            let (found, value) = lines.next()?.split_once('\t')?;
            (found == key).then(|| field(value))
        };
        let url = header("url")?;
        let fetched_ms = header("fetched")?.parse().ok()?;
        let etag = Some(header("etag")?).filter(|e| !e.is_empty());
        let index = Some(header("index")?).filter(|i| !i.is_empty());
        let mut files = Vec::with_capacity(
            lines
                .rest()
                .map_or(0, |rest| memchr::memchr_iter(b'\n', rest.as_bytes()).count() + 1),
        );
        for line in lines {
            // Only the fields kept are allocated.
            let mut fields = Split::new(line, b'\t');
            let optional = |value: &str| (!value.is_empty()).then(|| field(value));
            let filename = field(fields.next()?);
            let url = fields.next()?;
            let sha256 = optional(fields.next()?);
            let size = match fields.next()? {
                "" => None,
                size => Some(size.parse().ok()?),
            };
            let upload_time = optional(fields.next()?);
            let requires_python = optional(fields.next()?);
            let flags = fields.next()?.as_bytes();
            let metadata_sha256 = optional(fields.next()?);
            let url = if flags.contains(&b'+') {
                let url = if escaped { unescape(url) } else { url.into() };
                let mut full = String::with_capacity(url.len() + filename.len());
                full.push_str(&url);
                full.push_str(&filename);
                full
            } else {
                field(url)
            };
            files.push(File {
                url,
                filename,
                sha256,
                size,
                upload_time,
                requires_python,
                yanked: flags.contains(&b'y'),
                has_metadata: flags.contains(&b'm'),
                metadata_sha256,
                index: index.clone(),
            });
        }
        Some(Self {
            url,
            fetched_ms,
            etag,
            files,
        })
    }
}

/// `str::split` on an ASCII byte, found with `memchr`: the same pieces,
/// an empty one last when the text ends with the separator.
struct Split<'a> {
    rest: Option<&'a str>,
    separator: u8,
}

impl<'a> Split<'a> {
    fn new(text: &'a str, separator: u8) -> Self {
        debug_assert!(separator.is_ascii());
        Self {
            rest: Some(text),
            separator,
        }
    }

    /// What the next pieces come from.
    fn rest(&self) -> Option<&'a str> {
        self.rest
    }
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match memchr::memchr(self.separator, rest.as_bytes()) {
            // An ASCII byte is always a character boundary.
            Some(at) => {
                self.rest = Some(&rest[at + 1..]);
                Some(&rest[..at])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

fn push_field(out: &mut String, value: &str) {
    if !value.contains(['\\', '\t', '\n']) {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn unescape(value: &str) -> String {
    if !value.contains('\\') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (c, c == '\\') {
            (_, true) => match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            },
            (c, false) => out.push(c),
        }
    }
    out
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, url: &str) -> File {
        File {
            filename: name.into(),
            url: url.into(),
            index: Some("https://pypi.org/simple".into()),
            ..File::default()
        }
    }

    #[test]
    fn pages_round_trip() {
        let page = CachedPage::new(
            "https://pypi.org/simple/demo/",
            Some("\"e\ttag\\\"".into()),
            vec![
                File {
                    sha256: Some("ab".repeat(32)),
                    size: Some(97941),
                    upload_time: Some("2023-08-17T17:29:10.080169Z".into()),
                    requires_python: Some(">=3.7".into()),
                    has_metadata: true,
                    metadata_sha256: Some("cd".repeat(32)),
                    ..file(
                        "demo-1.0-py3-none-any.whl",
                        "https://files.example/a/b/demo-1.0-py3-none-any.whl",
                    )
                },
                File {
                    yanked: true,
                    ..file("demo-0.9.tar.gz", "https://files.example/elsewhere?name=x")
                },
            ],
        );
        let text = page.encode();
        assert!(text.contains("\thttps://files.example/a/b/\t"), "{text}");
        assert_eq!(CachedPage::decode(&text), Some(page));
    }

    #[test]
    fn an_empty_page_and_damaged_ones() {
        let page = CachedPage::new("u", None, Vec::new());
        assert_eq!(CachedPage::decode(&page.encode()), Some(page));
        assert_eq!(CachedPage::decode("{\"files\": []}"), None);
        let damaged = CachedPage::new("u", None, vec![file("a.whl", "http://h/a.whl")]).encode();
        assert_eq!(CachedPage::decode(&damaged[..damaged.len() - 3]), None);
        assert_eq!(
            CachedPage::decode(&damaged.replace("fetched\t", "fetched\tx")),
            None
        );
    }
}
