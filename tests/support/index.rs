//! A package index on 127.0.0.1: PEP 691 JSON project pages and the files
//! they list, served over real HTTP from wheels the builder made.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

/// A served file.
#[derive(Clone)]
struct Served {
    path: PathBuf,
    sha256: String,
    requires_python: Option<String>,
    yanked: bool,
}

type Projects = Arc<Mutex<BTreeMap<String, Vec<Served>>>>;

/// A running index; it serves until the test process ends.
pub struct TestIndex {
    address: String,
    projects: Projects,
    /// Every request path, in order, for assertions.
    requests: Arc<Mutex<Vec<String>>>,
}

impl TestIndex {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("address").to_string();
        let projects: Projects = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (shared, log) = (projects.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (shared, log) = (shared.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &shared, &log));
            }
        });
        Self {
            address,
            projects,
            requests,
        }
    }

    /// The simple API's base URL, for `FENV_INDEX_URL`.
    pub fn url(&self) -> String {
        format!("http://{}/simple", self.address)
    }

    /// Serves the wheel at `path` under its project's page.
    pub fn publish(&self, path: &Path) -> &Self {
        self.publish_with(path, None, false)
    }

    /// Serves a wheel with a `requires-python` and a yanked flag.
    pub fn publish_with(&self, path: &Path, requires_python: Option<&str>, yanked: bool) -> &Self {
        let bytes = std::fs::read(path).expect("read the wheel");
        let name = path.file_name().unwrap().to_string_lossy();
        let project = normalize(name.split('-').next().unwrap());
        let served = Served {
            path: path.to_path_buf(),
            sha256: Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            requires_python: requires_python.map(str::to_string),
            yanked,
        };
        self.projects
            .lock()
            .unwrap()
            .entry(project)
            .or_default()
            .push(served);
        self
    }

    /// The request paths served so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn normalize(name: &str) -> String {
    name.to_lowercase().replace(['_', '.'], "-")
}

fn serve(stream: TcpStream, projects: &Projects, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone the stream"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers.
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
    log.lock().unwrap().push(path.clone());
    let projects = projects.lock().unwrap().clone();
    let (status, content_type, body) = route(&path, &projects);
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(&body);
}

fn route(path: &str, projects: &BTreeMap<String, Vec<Served>>) -> (&'static str, &'static str, Vec<u8>) {
    let not_found = ("404 Not Found", "text/plain", b"not found".to_vec());
    if let Some(project) = path.strip_prefix("/simple/").map(|p| p.trim_end_matches('/')) {
        let Some(files) = projects.get(&normalize(project)) else {
            return not_found;
        };
        let files: Vec<serde_json::Value> = files
            .iter()
            .map(|f| {
                let filename = f.path.file_name().unwrap().to_string_lossy().into_owned();
                serde_json::json!({
                    "filename": filename,
                    "url": format!("/files/{filename}"),
                    "hashes": {"sha256": f.sha256},
                    "requires-python": f.requires_python,
                    "yanked": f.yanked,
                })
            })
            .collect();
        let page = serde_json::json!({"meta": {"api-version": "1.1"}, "name": project, "files": files});
        return (
            "200 OK",
            "application/vnd.pypi.simple.v1+json",
            page.to_string().into_bytes(),
        );
    }
    if let Some(name) = path.strip_prefix("/files/") {
        for served in projects.values().flatten() {
            if served.path.file_name().is_some_and(|n| n == name) {
                return (
                    "200 OK",
                    "application/octet-stream",
                    std::fs::read(&served.path).unwrap(),
                );
            }
        }
    }
    not_found
}
