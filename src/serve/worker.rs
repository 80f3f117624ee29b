//! Warm worker processes: one per function, started on its first
//! request, kept between requests (module state persists, as in a warm
//! container), restarted when the function's files change, and all
//! killed when the server stops.
//!
//! A worker is the env's Python running `worker.py`, which imports the
//! shared [`RUNTIME_PY`](crate::functions::RUNTIME_PY) and speaks framed
//! JSON on its stdin and stdout (see `worker.py`). A worker exits when its
//! stdin closes, so none outlives the server, even one killed by SIGKILL.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use super::http::Request;
use crate::functions::{Form, Function};

const WORKER_PY: &str = include_str!("worker.py");

/// The largest frame a worker may send (a response body, base64).
const MAX_FRAME: usize = 64 * 1024 * 1024;

/// What a request to a function came to.
#[derive(Debug)]
pub enum Outcome {
    /// The function answered. `cold` is set on a worker's first request.
    Answer {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        cold: Option<ColdStart>,
    },
    /// The module failed to import (or has no handler); tried again on
    /// the next request.
    ImportFailed { traceback: String },
    /// The handler raised; `cold` as for an answer.
    Raised {
        traceback: String,
        cold: Option<ColdStart>,
    },
    /// The worker died mid-request; it is restarted on the next one.
    Crashed { code: Option<i32> },
    /// The worker could not be started or spoken to.
    Unavailable { reason: String },
    /// The server is stopping.
    Stopping,
}

/// How long a worker took to be ready.
#[derive(Debug, Clone, Copy)]
pub struct ColdStart {
    /// From spawning the process to its ready message: the interpreter's
    /// start plus the import.
    pub total: Duration,
    /// The module's import alone, as the worker measured it.
    pub import: Duration,
}

/// Where and how workers run.
#[derive(Debug)]
pub struct Options {
    /// The virtual environment (absolute); its `bin/python` runs workers.
    pub env: PathBuf,
    /// The project root: the workers' working directory and `sys.path[0]`.
    pub root: PathBuf,
    /// The functions folder, watched for changes.
    pub watch: PathBuf,
    /// Variables from the env files; the shell's own environment wins.
    pub vars: Vec<(String, String)>,
}

/// Every function's worker.
#[derive(Debug)]
pub struct Pool {
    options: Options,
    /// `worker.py` and `fenv_runtime.py`, for the workers to run.
    scripts: tempfile::TempDir,
    slots: Vec<Mutex<Option<Worker>>>,
    live: Mutex<Live>,
}

/// The processes to kill on stop; apart from the slots, which a request
/// in flight holds.
#[derive(Debug, Default)]
struct Live {
    stopping: bool,
    children: Vec<(u32, Arc<Mutex<Child>>)>,
}

#[derive(Debug)]
struct Worker {
    child: Arc<Mutex<Child>>,
    pid: u32,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// The watched files when the worker started.
    stamp: Stamp,
    /// Reported with the first answer, then cleared.
    cold: Option<ColdStart>,
}

/// The newest mtime and the number of the watched `.py` files.
type Stamp = (Option<SystemTime>, usize);

#[derive(Serialize)]
struct RequestFrame<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a str,
    headers: &'a [(String, String)],
    body: String,
    params: &'a BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct ReadyFrame {
    ready: bool,
    #[serde(default)]
    import_us: u64,
    #[serde(default)]
    error: String,
}

#[derive(Deserialize)]
struct AnswerFrame {
    #[serde(default)]
    status: u16,
    #[serde(default)]
    headers: Vec<(String, String)>,
    #[serde(default)]
    body: String,
    error: Option<String>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A thread that panicked mid-request leaves nothing half-changed that
    // matters here: at worst a worker that the next request replaces.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Pool {
    /// A pool for `functions` count of functions; writes the worker's
    /// scripts to a temporary folder that lives as long as the pool.
    pub fn new(options: Options, functions: usize) -> std::io::Result<Self> {
        let scripts = tempfile::Builder::new().prefix("fenv-serve").tempdir()?;
        fs_err::write(scripts.path().join("worker.py"), WORKER_PY)?;
        fs_err::write(
            scripts.path().join("fenv_runtime.py"),
            crate::functions::RUNTIME_PY,
        )?;
        Ok(Self {
            options,
            scripts,
            slots: (0..functions).map(|_| Mutex::new(None)).collect(),
            live: Mutex::new(Live::default()),
        })
    }

    /// Sends `request`, with what its route bound (`params`, also added
    /// to its query, as Vercel passes them), to the worker of `function`,
    /// the `index`-th, starting or restarting it first.
    pub fn call(
        &self,
        index: usize,
        function: &Function,
        request: &Request,
        params: &BTreeMap<String, String>,
    ) -> Outcome {
        let Some(slot) = self.slots.get(index) else {
            return Outcome::Unavailable {
                reason: "no such function".into(),
            };
        };
        let mut slot = lock(slot);
        let stamp = stamp(&self.options.watch, &function.module);
        // A worker whose files changed, or that exited, is replaced.
        let stale = slot.as_ref().is_some_and(|worker| {
            worker.stamp != stamp || lock(&worker.child).try_wait().ok().flatten().is_some()
        });
        if stale && let Some(worker) = slot.take() {
            self.stop(worker);
        }
        if slot.is_none() {
            match self.start(function, stamp) {
                Ok(Ok(worker)) => *slot = Some(worker),
                Ok(Err(traceback)) => return Outcome::ImportFailed { traceback },
                Err(outcome) => return outcome,
            }
        }
        let Some(worker) = slot.as_mut() else {
            return Outcome::Unavailable {
                reason: "the worker did not start".into(),
            };
        };
        if let Ok(answer) = exchange(worker, request, params) {
            match answer.error {
                Some(traceback) => Outcome::Raised {
                    traceback,
                    cold: worker.cold.take(),
                },
                None => match BASE64.decode(answer.body.as_bytes()) {
                    Ok(body) => Outcome::Answer {
                        status: answer.status,
                        headers: answer.headers,
                        body,
                        cold: worker.cold.take(),
                    },
                    Err(err) => Outcome::Unavailable {
                        reason: format!("the worker's answer is not base64: {err}"),
                    },
                },
            }
        } else {
            let code = slot.take().and_then(|worker| self.stop(worker));
            Outcome::Crashed { code }
        }
    }

    /// Spawns a worker for `function` and waits for it to be ready: the
    /// worker, or the traceback of its failed import.
    fn start(&self, function: &Function, stamp: Stamp) -> Result<Result<Worker, String>, Outcome> {
        let unavailable = |reason: String| Outcome::Unavailable { reason };
        let python = self.options.env.join("bin").join("python");
        let lambda = match &function.form {
            Some(Form::Lambda { function }) => function.as_str(),
            _ => "",
        };
        let mut cmd = Command::new(&python);
        cmd.arg("-u")
            .arg(self.scripts.path().join("worker.py"))
            .arg(&function.module)
            .arg(module_name(&function.relative))
            .arg(lambda)
            .current_dir(&self.options.root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        crate::venv::run::activate(&mut cmd, &self.options.env, std::env::var_os("PATH").as_deref());
        for (key, value) in &self.options.vars {
            if std::env::var_os(key).is_none() {
                cmd.env(key, value);
            }
        }

        let started = Instant::now();
        // Spawned and registered under one lock, so that a stop either
        // sees this child or prevents it.
        let (child, pid, stdin, stdout) = {
            let mut live = lock(&self.live);
            if live.stopping {
                return Err(Outcome::Stopping);
            }
            let mut child = cmd
                .spawn()
                .map_err(|err| unavailable(format!("failed to run `{}`: {err}", python.display())))?;
            let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(unavailable("the worker's pipes were not opened".into()));
            };
            let pid = child.id();
            let child = Arc::new(Mutex::new(child));
            live.children.push((pid, Arc::clone(&child)));
            (child, pid, stdin, BufReader::new(stdout))
        };
        let mut worker = Worker {
            child,
            pid,
            stdin,
            stdout,
            stamp,
            cold: None,
        };
        let ready = read_frame(&mut worker.stdout)
            .and_then(|frame| serde_json::from_slice::<ReadyFrame>(&frame).map_err(std::io::Error::other));
        match ready {
            Ok(ready) if ready.ready => {
                worker.cold = Some(ColdStart {
                    total: started.elapsed(),
                    import: Duration::from_micros(ready.import_us),
                });
                Ok(Ok(worker))
            }
            Ok(ready) => {
                self.stop(worker);
                Ok(Err(ready.error))
            }
            Err(err) => {
                let code = self.stop(worker);
                Err(unavailable(match code {
                    Some(code) => format!("the worker exited with code {code} before it was ready"),
                    None => format!("the worker did not start: {err}"),
                }))
            }
        }
    }

    /// Kills `worker` and reaps it; its exit code, when it had exited.
    fn stop(&self, worker: Worker) -> Option<i32> {
        lock(&self.live).children.retain(|(pid, _)| *pid != worker.pid);
        let Worker { child, stdin, .. } = worker;
        drop(stdin);
        let mut child = lock(&child);
        let exited = child.try_wait().ok().flatten();
        if exited.is_none() {
            let _ = child.kill();
        }
        let status = child.wait().ok();
        exited.or(status).and_then(|s| s.code())
    }

    /// Stops every worker, waits for each, and starts no more.
    pub fn shutdown(&self) {
        let children = {
            let mut live = lock(&self.live);
            live.stopping = true;
            std::mem::take(&mut live.children)
        };
        for (_, child) in children {
            let mut child = lock(&child);
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends one request and reads its answer.
fn exchange(
    worker: &mut Worker,
    request: &Request,
    params: &BTreeMap<String, String>,
) -> std::io::Result<AnswerFrame> {
    let frame = RequestFrame {
        method: &request.method,
        path: &request.path,
        query: &super::router::query_with(&request.query, params),
        headers: &request.headers,
        body: BASE64.encode(&request.body),
        params,
    };
    let data = serde_json::to_vec(&frame).map_err(std::io::Error::other)?;
    write_frame(&mut worker.stdin, &data)?;
    let answer = read_frame(&mut worker.stdout)?;
    serde_json::from_slice(&answer).map_err(std::io::Error::other)
}

fn write_frame(out: &mut impl Write, data: &[u8]) -> std::io::Result<()> {
    let length = u32::try_from(data.len()).map_err(std::io::Error::other)?;
    out.write_all(&length.to_be_bytes())?;
    out.write_all(data)?;
    out.flush()
}

fn read_frame(input: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut head = [0; 4];
    input.read_exact(&mut head)?;
    let length = u32::from_be_bytes(head) as usize;
    if length > MAX_FRAME {
        return Err(std::io::Error::other(format!("a frame of {length} bytes")));
    }
    let mut data = vec![0; length];
    input.read_exact(&mut data)?;
    Ok(data)
}

/// `api/users/[id].py` → `api.users.[id]`: the name the module is
/// imported under (it needs no file of its own on `sys.path`).
fn module_name(relative: &str) -> String {
    relative.strip_suffix(".py").unwrap_or(relative).replace('/', ".")
}

/// The watched files' newest mtime and count: every `.py` under `dir`,
/// plus `module` (which may live outside it).
fn stamp(dir: &Path, module: &Path) -> Stamp {
    fn walk(dir: &Path, stamp: &mut Stamp) {
        let watched = |entry: &walkdir::DirEntry| {
            let name = entry.file_name().to_string_lossy();
            !entry.file_type().is_dir() || !(name.starts_with('.') || name == "__pycache__")
        };
        // What cannot be read is not watched; discovery reports it.
        for entry in crate::fs::walk(dir, watched).filter_map(Result::ok) {
            if entry.file_type().is_file() && entry.file_name().to_string_lossy().ends_with(".py") {
                add(entry.path(), stamp);
            }
        }
    }
    fn add(path: &Path, stamp: &mut Stamp) {
        if let Ok(modified) = fs_err::metadata(path).and_then(|m| m.modified()) {
            stamp.0 = stamp.0.max(Some(modified));
            stamp.1 += 1;
        }
    }
    let mut stamp = (None, 0);
    walk(dir, &mut stamp);
    if !module.starts_with(dir) {
        add(module, &mut stamp);
    }
    stamp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut buffer = Vec::new();
        write_frame(&mut buffer, b"{\"a\":1}").unwrap();
        assert_eq!(&buffer[..4], &[0, 0, 0, 7]);
        assert_eq!(read_frame(&mut buffer.as_slice()).unwrap(), b"{\"a\":1}");
        assert!(read_frame(&mut &buffer[..6]).is_err());
    }

    #[test]
    fn module_names_follow_the_path() {
        assert_eq!(module_name("api/users/[id].py"), "api.users.[id]");
    }

    #[test]
    fn stamp_sees_edits_and_new_files() {
        let dir = tempfile::tempdir().unwrap();
        let module = dir.path().join("a.py");
        fs_err::write(&module, "x = 1").unwrap();
        let first = stamp(dir.path(), &module);
        assert_eq!(first.1, 1);
        fs_err::create_dir(dir.path().join("sub")).unwrap();
        fs_err::write(dir.path().join("sub/_helper.py"), "").unwrap();
        fs_err::write(dir.path().join("notes.txt"), "").unwrap();
        assert_eq!(stamp(dir.path(), &module).1, 2);
        let later = SystemTime::now() + Duration::from_secs(5);
        fs_err::File::options()
            .write(true)
            .open(&module)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_eq!(stamp(dir.path(), &module).0, Some(later));
    }
}
