//! A package index on 127.0.0.1: PEP 691 JSON project pages, the files
//! they list, PEP 658 `.metadata` files and HTTP range requests, served
//! over real HTTP from wheels the builder made.
//!
//! ```text
//! let index = TestIndex::start();
//! index.publish(&wheel);                       // core-metadata advertised
//! index.publish_as(&old, Publish::new().yanked().metadata(Metadata::Missing));
//! index.refuse_ranges().fail("/simple/demo/", 2).delay("/files/", ms(300));
//! … IndexConfig { index_url: index.url(), … } …
//! assert_eq!(index.requests(), ["/simple/demo/", …]);
//! ```
//!
//! Pages carry an `ETag` and answer `If-None-Match` with 304. Behaviour
//! switches apply from the next request on, so a test can change them
//! between calls.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use sha2::{Digest, Sha256};

/// How a file's PEP 658 metadata is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metadata {
    /// `core-metadata: {"sha256": …}` in the page, and the file served.
    Advertised,
    /// Only the old `dist-info-metadata: true` key, and the file served.
    Legacy,
    /// No key in the page, but the file served anyway (as PyPI via the
    /// proxy here does).
    Unadvertised,
    /// No key and no file (404).
    Missing,
    /// Advertised, but the file is missing (404): a broken index.
    Dangling,
    /// Advertised with a sha256 that does not match the file served.
    Tampered,
}

/// How one file is published.
#[derive(Debug, Clone)]
#[must_use]
pub struct Publish {
    requires_python: Option<String>,
    yanked: bool,
    metadata: Metadata,
    upload_time: Option<String>,
}

impl Publish {
    /// Not yanked, no `requires-python`, metadata advertised, an upload
    /// time one minute after the previous file's.
    pub fn new() -> Self {
        Self {
            requires_python: None,
            yanked: false,
            metadata: Metadata::Advertised,
            upload_time: None,
        }
    }

    pub fn requires_python(mut self, specifiers: &str) -> Self {
        self.requires_python = Some(specifiers.to_string());
        self
    }

    pub fn yanked(mut self) -> Self {
        self.yanked = true;
        self
    }

    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// `upload-time` as served (RFC 3339).
    pub fn upload_time(mut self, time: &str) -> Self {
        self.upload_time = Some(time.to_string());
        self
    }
}

/// One request as the index saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub path: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The status the index answered.
    pub status: u16,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
}

/// A served file.
#[derive(Clone)]
struct Served {
    filename: String,
    bytes: Arc<Vec<u8>>,
    sha256: String,
    metadata_bytes: Vec<u8>,
    options: Publish,
    upload_time: String,
}

#[derive(Default)]
struct State {
    projects: BTreeMap<String, Vec<Served>>,
    refuse_ranges: bool,
    credentials: Option<String>,
    /// Path prefix → delay before answering.
    delays: Vec<(String, Duration)>,
    /// Path prefix → how many more requests get a 500.
    failures: Vec<(String, u32)>,
    /// Path prefix → the base URL a 302 sends requests for it to.
    redirects: Vec<(String, String)>,
    /// Serve project pages as PEP 503 HTML only.
    html: bool,
    published: u32,
    /// Delayed requests waiting now, and the most that ever waited at once.
    in_flight: u32,
    most_in_flight: u32,
}

/// A running index; it serves until the test process ends.
pub struct TestIndex {
    address: String,
    state: Arc<Mutex<State>>,
    log: Arc<Mutex<Vec<Request>>>,
}

impl TestIndex {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("address").to_string();
        let state: Arc<Mutex<State>> = Arc::default();
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let (shared, requests) = (state.clone(), log.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (shared, requests) = (shared.clone(), requests.clone());
                std::thread::spawn(move || serve(stream, &shared, &requests));
            }
        });
        Self { address, state, log }
    }

    /// The simple API's base URL, for `FENV_INDEX_URL`.
    pub fn url(&self) -> String {
        format!("http://{}/simple", self.address)
    }

    /// The base URL with `user:password@` in it.
    pub fn url_with_credentials(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@{}/simple", self.address)
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Serves the wheel at `path` under its project's page, its metadata
    /// advertised (PEP 658/714).
    pub fn publish(&self, path: &Path) -> &Self {
        self.publish_as(path, Publish::new())
    }

    /// Serves `bytes` for the file `filename` from now on, while its page
    /// keeps the sha256 and size of what was published: a tampered mirror.
    pub fn tamper(&self, filename: &str, bytes: Vec<u8>) -> &Self {
        let mut state = self.state.lock().unwrap();
        let served = state
            .projects
            .values_mut()
            .flatten()
            .find(|served| served.filename == filename)
            .expect("the file was published");
        served.bytes = Arc::new(bytes);
        drop(state);
        self
    }

    /// Serves a wheel with a `requires-python` and a yanked flag.
    pub fn publish_with(&self, path: &Path, requires_python: Option<&str>, yanked: bool) -> &Self {
        let mut options = Publish::new();
        options.requires_python = requires_python.map(str::to_string);
        options.yanked = yanked;
        self.publish_as(path, options)
    }

    /// Serves a file (a wheel, or an sdist with no metadata) as `options` say.
    pub fn publish_as(&self, path: &Path, options: Publish) -> &Self {
        let bytes = fs_err::read(path).expect("read the published file");
        let filename = path.file_name().unwrap().to_string_lossy().into_owned();
        let project = normalize(filename.split('-').next().unwrap());
        let metadata_bytes = wheel_metadata(&bytes).unwrap_or_default();
        let mut state = self.state.lock().unwrap();
        state.published += 1;
        let minutes = state.published;
        let upload_time = options
            .upload_time
            .clone()
            .unwrap_or_else(|| format!("2025-01-01T{:02}:{:02}:00.000000Z", minutes / 60, minutes % 60));
        let served = Served {
            filename,
            sha256: hex(&Sha256::digest(&bytes)),
            bytes: Arc::new(bytes),
            metadata_bytes,
            options,
            upload_time,
        };
        state.projects.entry(project).or_default().push(served);
        drop(state);
        self
    }

    /// Answers every Range request with the whole file (200).
    pub fn refuse_ranges(&self) -> &Self {
        self.state.lock().unwrap().refuse_ranges = true;
        self
    }

    /// Answers 401 to requests without these Basic credentials.
    pub fn require_auth(&self, user: &str, password: &str) -> &Self {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.state.lock().unwrap().credentials = Some(format!("Basic {token}"));
        self
    }

    /// Waits `delay` before answering requests whose path starts with `prefix`.
    pub fn delay(&self, prefix: &str, delay: Duration) -> &Self {
        self.state
            .lock()
            .unwrap()
            .delays
            .push((prefix.to_string(), delay));
        self
    }

    /// Answers the next `times` requests whose path starts with `prefix`
    /// with HTTP 500, then normally.
    pub fn fail(&self, prefix: &str, times: u32) -> &Self {
        self.state
            .lock()
            .unwrap()
            .failures
            .push((prefix.to_string(), times));
        self
    }

    /// Answers requests whose path starts with `prefix` with a 302 to the
    /// same path under `base` (another index's `http://host:port`, say).
    pub fn redirect(&self, prefix: &str, base: &str) -> &Self {
        self.state
            .lock()
            .unwrap()
            .redirects
            .push((prefix.to_string(), base.to_string()));
        self
    }

    /// Serves project pages as PEP 503 HTML, as many private indexes do.
    pub fn html_only(&self) -> &Self {
        self.state.lock().unwrap().html = true;
        self
    }

    /// `http://127.0.0.1:PORT`, the base of its file URLs.
    pub fn base(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The request paths served so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().iter().map(|r| r.path.clone()).collect()
    }

    /// The most delayed requests that were waiting at the same time: how
    /// parallel a client really was, without timing it.
    pub fn most_in_flight(&self) -> u32 {
        self.state.lock().unwrap().most_in_flight
    }

    /// The requests served so far, with their range and status.
    pub fn log(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }
}

fn normalize(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(['-', '_', '.']).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&part.to_lowercase());
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `*.dist-info/METADATA` of a wheel, if it is one.
fn wheel_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let name = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n.ends_with(".dist-info/METADATA") && n.matches('/').count() == 1)?
        .into_owned();
    let mut out = Vec::new();
    archive.by_name(&name).ok()?.read_to_end(&mut out).ok()?;
    Some(out)
}

/// A response before it is written.
struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body,
        }
    }

    fn not_found() -> Self {
        Self::new(404, "text/plain", b"not found".to_vec())
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>, log: &Mutex<Vec<Request>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = BTreeMap::new();
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let (delay, fail, response) = {
        let mut state = state.lock().unwrap();
        let delay = state
            .delays
            .iter()
            .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
            .map(|(_, delay)| *delay)
            .max();
        let fail = state
            .failures
            .iter_mut()
            .find(|(prefix, left)| path.starts_with(prefix.as_str()) && *left > 0)
            .map(|(_, left)| *left -= 1)
            .is_some();
        let authorized = state
            .credentials
            .as_ref()
            .is_none_or(|expected| headers.get("authorization") == Some(expected));
        let redirect = state
            .redirects
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix.as_str()))
            .map(|(_, base)| format!("{base}{path}"));
        let response = if let Some(location) = redirect {
            let mut response = Response::new(302, "text/plain", Vec::new());
            response.headers.push(("Location", location));
            response
        } else if !authorized {
            let mut response = Response::new(401, "text/plain", b"who are you?".to_vec());
            response
                .headers
                .push(("WWW-Authenticate", "Basic realm=\"test\"".to_string()));
            response
        } else {
            route(&path, &headers, &state)
        };
        (delay, fail, response)
    };
    let response = if fail {
        Response::new(500, "text/plain", b"try again".to_vec())
    } else {
        response
    };
    // Logged when it arrives, so a test can count requests still waiting.
    log.lock().unwrap().push(Request {
        path,
        range: headers.get("range").cloned(),
        status: response.status,
        authorization: headers.get("authorization").cloned(),
    });
    if let Some(delay) = delay {
        {
            let mut state = state.lock().unwrap();
            state.in_flight += 1;
            state.most_in_flight = state.most_in_flight.max(state.in_flight);
        }
        std::thread::sleep(delay);
        state.lock().unwrap().in_flight -= 1;
    }
    let reason = match response.status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        304 => "Not Modified",
        401 => "Unauthorized",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        _ => "Internal Server Error",
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", response.status);
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    let mut stream = stream;
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&response.body);
}

fn route(path: &str, headers: &BTreeMap<String, String>, state: &State) -> Response {
    if let Some(project) = path.strip_prefix("/simple/").map(|p| p.trim_end_matches('/')) {
        let Some(files) = state.projects.get(&normalize(project)) else {
            return Response::not_found();
        };
        if state.html {
            return html_page(files);
        }
        return page(project, files, headers);
    }
    let Some(name) = path.strip_prefix("/files/") else {
        return Response::not_found();
    };
    let (name, want_metadata) = match name.strip_suffix(".metadata") {
        Some(wheel) => (wheel, true),
        None => (name, false),
    };
    let Some(served) = state.projects.values().flatten().find(|f| f.filename == name) else {
        return Response::not_found();
    };
    if want_metadata {
        return match served.options.metadata {
            Metadata::Missing | Metadata::Dangling => Response::not_found(),
            _ if served.metadata_bytes.is_empty() => Response::not_found(),
            _ => Response::new(200, "application/octet-stream", served.metadata_bytes.clone()),
        };
    }
    let range = headers.get("range").filter(|_| !state.refuse_ranges);
    match range.map(|r| parse_range(r, served.bytes.len())) {
        None | Some(Range::Ignored) => {
            let mut response = Response::new(200, "application/octet-stream", served.bytes.to_vec());
            response.headers.push(("Accept-Ranges", "bytes".into()));
            response
        }
        Some(Range::Unsatisfiable) => {
            let mut response = Response::new(416, "text/plain", Vec::new());
            response
                .headers
                .push(("Content-Range", format!("bytes */{}", served.bytes.len())));
            response
        }
        Some(Range::Bytes(start, end)) => {
            let mut response = Response::new(
                206,
                "application/octet-stream",
                served.bytes[start..=end].to_vec(),
            );
            response.headers.push((
                "Content-Range",
                format!("bytes {start}-{end}/{}", served.bytes.len()),
            ));
            response
        }
    }
}

/// The PEP 691 page of a project, with an ETag.
fn page(project: &str, files: &[Served], headers: &BTreeMap<String, String>) -> Response {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            let mut file = serde_json::json!({
                "filename": f.filename,
                "url": format!("/files/{}", f.filename),
                "hashes": {"sha256": f.sha256},
                "requires-python": f.options.requires_python,
                "yanked": f.options.yanked,
                "size": f.bytes.len(),
                "upload-time": f.upload_time,
            });
            let metadata_sha256 = match f.options.metadata {
                Metadata::Tampered => hex(&Sha256::digest(b"something else")),
                _ => hex(&Sha256::digest(&f.metadata_bytes)),
            };
            match f.options.metadata {
                Metadata::Advertised | Metadata::Dangling | Metadata::Tampered
                    if !f.metadata_bytes.is_empty() =>
                {
                    file["core-metadata"] = serde_json::json!({"sha256": metadata_sha256});
                    file["dist-info-metadata"] = serde_json::json!({"sha256": metadata_sha256});
                }
                Metadata::Legacy => file["dist-info-metadata"] = serde_json::json!(true),
                _ => {}
            }
            file
        })
        .collect();
    let body = serde_json::json!({"meta": {"api-version": "1.1"}, "name": project, "files": files})
        .to_string()
        .into_bytes();
    let etag = format!("\"{}\"", &hex(&Sha256::digest(&body))[..16]);
    if headers.get("if-none-match") == Some(&etag) {
        let mut response = Response::new(304, "application/vnd.pypi.simple.v1+json", Vec::new());
        response.headers.push(("ETag", etag));
        return response;
    }
    let mut response = Response::new(200, "application/vnd.pypi.simple.v1+json", body);
    response.headers.push(("ETag", etag));
    response
}

/// A PEP 503 page: an anchor a file, relative to the page, with the
/// hash in the fragment and the PEP 503/592/714 attributes, escaped.
fn html_page(files: &[Served]) -> Response {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut body = String::from("<!DOCTYPE html>\n<html><body>\n");
    for f in files {
        let mut attributes = String::new();
        if let Some(spec) = &f.options.requires_python {
            attributes.push_str(&format!(" data-requires-python=\"{}\"", escape(spec)));
        }
        if f.options.yanked {
            attributes.push_str(" data-yanked=\"\"");
        }
        if !f.metadata_bytes.is_empty() && matches!(f.options.metadata, Metadata::Advertised) {
            attributes.push_str(&format!(
                " data-core-metadata=\"sha256={}\"",
                hex(&Sha256::digest(&f.metadata_bytes))
            ));
        }
        body.push_str(&format!(
            "<a href=\"../../files/{0}#sha256={1}\"{attributes}>{0}</a><br/>\n",
            f.filename, f.sha256
        ));
    }
    body.push_str("</body></html>\n");
    Response::new(200, "text/html; charset=utf-8", body.into_bytes())
}

enum Range {
    Bytes(usize, usize),
    Unsatisfiable,
    /// A form this server does not do (several ranges): the whole file.
    Ignored,
}

/// `bytes=A-B`, `bytes=A-` or `bytes=-N` against a file of `len` bytes.
fn parse_range(value: &str, len: usize) -> Range {
    let Some(spec) = value.strip_prefix("bytes=").filter(|s| !s.contains(',')) else {
        return Range::Ignored;
    };
    let Some((start, end)) = spec.split_once('-') else {
        return Range::Ignored;
    };
    if len == 0 {
        return Range::Unsatisfiable;
    }
    let (start, end) = match (start.parse::<usize>().ok(), end.parse::<usize>().ok()) {
        (None, Some(suffix)) if suffix > 0 => (len.saturating_sub(suffix), len - 1),
        (Some(start), None) => (start, len - 1),
        (Some(start), Some(end)) => (start, end.min(len - 1)),
        _ => return Range::Ignored,
    };
    if start >= len || start > end {
        return Range::Unsatisfiable;
    }
    Range::Bytes(start, end)
}
