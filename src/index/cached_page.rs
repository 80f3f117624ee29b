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
        let (header, body) = Header::read(text)?;
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
        let mut files = Vec::with_capacity(
            body.map_or(0, |rest| memchr::memchr_iter(b'\n', rest.as_bytes()).count() + 1),
        );
        for line in body.into_iter().flat_map(|body| Split::new(body, b'\n')) {
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
                index: header.index.clone(),
            });
        }
        Some(Self {
            url: header.url,
            fetched_ms: header.fetched_ms,
            etag: header.etag,
            files,
        })
    }
}

/// A page's header lines.
struct Header {
    url: String,
    fetched_ms: u64,
    etag: Option<String>,
    index: Option<String>,
}

impl Header {
    /// The header of a page in the cache's format, and the text of its
    /// file lines (`None` when it lists no file).
    fn read(text: &str) -> Option<(Self, Option<&str>)> {
        let escaped = memchr::memchr(b'\\', text.as_bytes()).is_some();
        let mut lines = Split::new(text, b'\n');
        if lines.next()? != MAGIC {
            return None;
        }
        let mut header = |key: &str| -> Option<String> {
            let (found, value) = lines.next()?.split_once('\t')?;
            (found == key).then(|| {
                if escaped {
                    unescape(value)
                } else {
                    value.to_string()
                }
            })
        };
        let url = header("url")?;
        let fetched_ms = header("fetched")?.parse().ok()?;
        let etag = Some(header("etag")?).filter(|e| !e.is_empty());
        let index = Some(header("index")?).filter(|i| !i.is_empty());
        let header = Self {
            url,
            fetched_ms,
            etag,
            index,
        };
        Some((header, lines.rest()))
    }
}

/// Whether the page in `text` was fetched less than `freshness` ago
/// ([`CachedPage::is_fresh`]), reading only its header; `false` when it
/// is not a page.
pub(crate) fn is_fresh(text: &str, freshness: Duration) -> bool {
    Header::read(text).is_some_and(|(header, _)| {
        CachedPage {
            url: String::new(),
            fetched_ms: header.fetched_ms,
            etag: None,
            files: Vec::new(),
        }
        .is_fresh(freshness)
    })
}

/// When a cached page was fetched (ms since 1970), and its files read
/// lazily: the resolver looks at a few fields of every file (name,
/// `requires-python`, upload time, yanked) and needs whole files only
/// for the versions it picks, so a file is built only when asked for.
/// `None` when the text is not a page, as [`CachedPage::decode`] says.
pub(crate) fn decode_lazy(text: String) -> Option<(u64, Listing)> {
    if memchr::memchr(b'\\', text.as_bytes()).is_some() || u32::try_from(text.len()).is_err() {
        // Escaped fields (rare): decode every file now.
        let page = CachedPage::decode(&text)?;
        return Some((page.fetched_ms, Listing::from(page.files)));
    }
    let (header, body) = Header::read(&text)?;
    let mut lines = Vec::new();
    if let Some(body) = body {
        let base = text.len() - body.len();
        let bytes = body.as_bytes();
        lines.reserve(memchr::memchr_iter(b'\n', bytes).count() + 1);
        let mut line = [0u32; FIELDS + 1];
        let mut tabs = 0;
        let offset = |at: usize| u32::try_from(base + at).unwrap_or(u32::MAX);
        line[0] = offset(0);
        for at in memchr::memchr2_iter(b'\t', b'\n', bytes).chain(std::iter::once(bytes.len())) {
            if at < bytes.len() && bytes[at] == b'\t' {
                tabs += 1;
                if tabs < FIELDS {
                    line[tabs] = offset(at + 1);
                } else if tabs == FIELDS {
                    // Fields past the last are ignored, as `decode` does.
                    line[FIELDS] = offset(at);
                }
                continue;
            }
            // The end of a line: it must have every field, and a size
            // that is a number.
            if tabs < FIELDS - 1 {
                return None;
            }
            if tabs == FIELDS - 1 {
                line[FIELDS] = offset(at);
            }
            let size = &text[line[3] as usize..line[4] as usize - 1];
            if !size.is_empty() && size.parse::<u64>().is_err() {
                return None;
            }
            lines.push(line);
            tabs = 0;
            line = [0; FIELDS + 1];
            line[0] = offset(at + 1);
        }
    }
    Some((
        header.fetched_ms,
        Listing {
            files: Vec::new(),
            text,
            index: header.index,
            lines,
        },
    ))
}

/// Fields a file line has.
const FIELDS: usize = 8;

/// A project's files: some built (find-links files, fetched pages),
/// then those of a cached page, built when asked for.
#[derive(Debug, Default)]
pub struct Listing {
    files: Vec<File>,
    /// A cached page without escapes, whose lines are the later files.
    text: String,
    index: Option<String>,
    /// Per line: where each field starts, then where the last one ends.
    lines: Vec<[u32; FIELDS + 1]>,
}

/// What the resolver looks at to filter a file.
#[derive(Debug, Clone, Copy)]
pub struct Summary<'a> {
    pub filename: &'a str,
    pub upload_time: Option<&'a str>,
    pub requires_python: Option<&'a str>,
    pub yanked: bool,
}

impl From<Vec<File>> for Listing {
    fn from(files: Vec<File>) -> Self {
        Self {
            files,
            ..Self::default()
        }
    }
}

impl Listing {
    /// `files` first, then these.
    pub(crate) fn after(mut self, mut files: Vec<File>) -> Self {
        if !files.is_empty() {
            files.append(&mut self.files);
            self.files = files;
        }
        self
    }

    pub fn len(&self) -> usize {
        self.files.len() + self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn field(&self, line: &[u32; FIELDS + 1], field: usize) -> &str {
        let end = if field + 1 == FIELDS {
            line[FIELDS]
        } else {
            line[field + 1] - 1
        };
        &self.text[line[field] as usize..end as usize]
    }

    /// The fields the resolver filters on, of file `at`.
    pub fn summary(&self, at: usize) -> Summary<'_> {
        if let Some(file) = self.files.get(at) {
            return Summary {
                filename: &file.filename,
                upload_time: file.upload_time.as_deref(),
                requires_python: file.requires_python.as_deref(),
                yanked: file.yanked,
            };
        }
        let line = &self.lines[at - self.files.len()];
        let optional = |field| Some(self.field(line, field)).filter(|v| !v.is_empty());
        Summary {
            filename: self.field(line, 0),
            upload_time: optional(4),
            requires_python: optional(5),
            yanked: self.field(line, 6).contains('y'),
        }
    }

    /// File `at`, built.
    pub fn file(&self, at: usize) -> File {
        if let Some(file) = self.files.get(at) {
            return file.clone();
        }
        let line = &self.lines[at - self.files.len()];
        let field = |field| self.field(line, field);
        let optional = |field| {
            Some(self.field(line, field))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let filename = field(0);
        let flags = field(6);
        let url = if flags.contains('+') {
            let mut url = String::with_capacity(field(1).len() + filename.len());
            url.push_str(field(1));
            url.push_str(filename);
            url
        } else {
            field(1).to_string()
        };
        File {
            url,
            filename: filename.to_string(),
            sha256: optional(2),
            // Checked when the page was read.
            size: Some(field(3))
                .filter(|v| !v.is_empty())
                .and_then(|v| v.parse().ok()),
            upload_time: optional(4),
            requires_python: optional(5),
            yanked: flags.contains('y'),
            has_metadata: flags.contains('m'),
            metadata_sha256: optional(7),
            index: self.index.clone(),
        }
    }

    /// Every file, built.
    pub fn to_vec(&self) -> Vec<File> {
        (0..self.len()).map(|at| self.file(at)).collect()
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
        assert_eq!(CachedPage::decode(&text), Some(page.clone()));
        // With an escape, the lazy reader decodes everything at once.
        let (fetched, listing) = decode_lazy(text).unwrap();
        assert_eq!((fetched, listing.to_vec()), (page.fetched_ms, page.files));
    }

    #[test]
    fn lazy_pages_read_like_decoded_ones() {
        let mut files = vec![
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
        ];
        let page = CachedPage::new("https://pypi.org/simple/demo/", None, files.clone());
        let text = page.encode();
        let (fetched, listing) = decode_lazy(text.clone()).unwrap();
        assert_eq!(fetched, page.fetched_ms);
        assert_eq!(listing.to_vec(), files);
        let summary = listing.summary(0);
        assert_eq!(summary.filename, "demo-1.0-py3-none-any.whl");
        assert_eq!(summary.upload_time, Some("2023-08-17T17:29:10.080169Z"));
        assert_eq!(summary.requires_python, Some(">=3.7"));
        assert!(!summary.yanked && listing.summary(1).yanked);
        assert_eq!(listing.summary(1).requires_python, None);
        // Extra fields are ignored, as `decode` ignores them.
        let extra = text.replace(&"cd".repeat(32), &format!("{}\tmore", "cd".repeat(32)));
        assert_eq!(decode_lazy(extra.clone()).unwrap().1.to_vec(), files);
        assert_eq!(CachedPage::decode(&extra).unwrap().files, files);
        // Files put before the page's come first.
        let local = file("demo-1.1-py3-none-any.whl", "file:///w/demo-1.1-py3-none-any.whl");
        let listing = listing.after(vec![local.clone()]);
        files.insert(0, local);
        assert_eq!(listing.to_vec(), files);
        assert_eq!(listing.summary(0).filename, "demo-1.1-py3-none-any.whl");
        assert_eq!(listing.summary(2).filename, "demo-0.9.tar.gz");
        // Damaged pages are refused by both readers.
        for damaged in [
            text[..text.len() - 3].to_string(),
            text.replace("97941", "9x"),
            format!("{text}\n"),
            text.replace("fetched\t", "fetched\tx"),
        ] {
            assert_eq!(CachedPage::decode(&damaged), None, "{damaged}");
            assert!(decode_lazy(damaged.clone()).is_none(), "{damaged}");
        }
        let empty = CachedPage::new("u", None, Vec::new()).encode();
        assert!(decode_lazy(empty).unwrap().1.is_empty());
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
