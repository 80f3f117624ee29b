//! The Lambda Runtime API (`/2018-06-01/runtime/...`, as AWS documents
//! it) on 127.0.0.1, so AWS's own runtime client, `awslambdaric`, can run
//! a bundle as a Lambda container does: it asks for the next invocation,
//! calls the handler, and posts the result or the error. Each event given
//! is handed out once, in order; the answers are collected.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What the runtime posted for one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Posted {
    Response(serde_json::Value),
    /// The error's JSON (`errorType`, `errorMessage`, …).
    Error(serde_json::Value),
    /// An error while loading the handler (`/runtime/init/error`).
    InitError(serde_json::Value),
}

#[derive(Default)]
struct State {
    events: Vec<serde_json::Value>,
    next: usize,
    posted: Vec<Posted>,
}

pub struct RuntimeApi {
    address: String,
    state: Arc<(Mutex<State>, Condvar)>,
}

impl RuntimeApi {
    /// Serves `events`, one an invocation.
    pub fn start(events: Vec<serde_json::Value>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let state = Arc::new((
            Mutex::new(State {
                events,
                ..State::default()
            }),
            Condvar::new(),
        ));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        Self { address, state }
    }

    /// `host:port`, for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// What was posted, once there are `count` answers (or a minute
    /// passed).
    pub fn posted(&self, count: usize) -> Vec<Posted> {
        let (lock, changed) = &*self.state;
        let deadline = Instant::now() + Duration::from_mins(1);
        let mut state = lock.lock().unwrap();
        while state.posted.len() < count && Instant::now() < deadline {
            state = changed.wait_timeout(state, Duration::from_millis(100)).unwrap().0;
        }
        state.posted.clone()
    }
}

/// Answers one connection's requests (the client may keep it open).
fn serve(stream: TcpStream, state: &(Mutex<State>, Condvar)) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or_default().to_string(),
            parts.next().unwrap_or_default().to_string(),
        );
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        let (lock, changed) = state;
        let answer = if method == "GET" && path.ends_with("/runtime/invocation/next") {
            let (n, event) = loop {
                let mut state = lock.lock().unwrap();
                if state.next < state.events.len() {
                    state.next += 1;
                    break (state.next, state.events[state.next - 1].clone());
                }
                drop(state);
                // No more events: a frozen container, until the test ends.
                std::thread::sleep(Duration::from_millis(50));
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            let text = event.to_string();
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: request-{n}\r\n\
                 Lambda-Runtime-Deadline-Ms: {deadline}\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:fenv\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\n\
                 Content-Length: {}\r\n\r\n{text}",
                text.len()
            )
        } else {
            let posted = if path.ends_with("/response") {
                Posted::Response(body)
            } else if path.ends_with("/init/error") {
                Posted::InitError(body)
            } else {
                Posted::Error(body)
            };
            lock.lock().unwrap().posted.push(posted);
            changed.notify_all();
            "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n"
                .to_string()
        };
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}
