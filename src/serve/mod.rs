//! `fenv serve`'s local development server: routes `/api/...` to the
//! project's functions, each run by a warm worker of the env's Python.
//!
//! [`router`] maps paths to functions, [`http`] reads requests and writes
//! answers (a thread per connection, `Connection: close`), [`worker`]
//! keeps one Python process per function, and [`dotenv`] reads the env
//! files. [`serve`] ties them together until Ctrl-C or SIGTERM.

pub mod dotenv;
pub mod http;
pub mod router;
pub mod worker;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::fs::user_display;
use crate::functions::Function;
use crate::printer::Printer;
use router::Router;
use worker::{Outcome, Pool};

/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to listen on `{address}`")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },

    #[error("there is no virtual environment at `{}`", user_display(path))]
    MissingEnvironment { path: PathBuf },

    #[error("failed to write the worker's scripts to a temporary folder")]
    Scripts(#[source] std::io::Error),

    #[error("failed to handle Ctrl-C")]
    Signals(#[source] ctrlc::Error),
}

impl crate::error::Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Bind { source, .. } if source.kind() == std::io::ErrorKind::AddrInUse => {
                Some("pass another `--port`, or `--port 0` for any free one".into())
            }
            Self::MissingEnvironment { .. } => {
                Some("run `fenv sync` (or `fenv create`) first, or pass `--env DIR`".into())
            }
            _ => None,
        }
    }
}

/// What [`serve`] needs besides the functions.
#[derive(Debug)]
pub struct Options {
    pub host: String,
    pub port: u16,
    pub workers: worker::Options,
    /// Shown in the banner: the env and the env files loaded.
    pub describe: String,
}

/// Everything a connection's thread reads.
struct Shared {
    functions: Vec<Function>,
    router: Router,
    pool: Pool,
    printer: Printer,
    /// The host `--host` names, lowercased: a `Host` it may be asked by.
    host: String,
}

/// Serves `functions` until Ctrl-C or SIGTERM, then stops every worker.
pub fn serve(options: Options, functions: Vec<Function>, printer: &Printer) -> Result<(), Error> {
    let Options {
        host,
        port,
        workers,
        describe,
    } = options;
    let address = format!("{host}:{port}");
    let listener = TcpListener::bind((host.as_str(), port)).map_err(|source| Error::Bind {
        address: address.clone(),
        source,
    })?;
    let bound = listener
        .local_addr()
        .map_err(|source| Error::Bind { address, source })?;

    // A signal sets the flag, then wakes `accept` with a connection.
    let stopping = Arc::new(AtomicBool::new(false));
    {
        let stopping = Arc::clone(&stopping);
        let wake = wake_address(bound);
        ctrlc::set_handler(move || {
            stopping.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        })
        .map_err(Error::Signals)?;
    }

    let pool = Pool::new(workers, functions.len()).map_err(Error::Scripts)?;
    let shared = Arc::new(Shared {
        router: Router::new(&functions),
        functions,
        pool,
        printer: printer.clone(),
        host: host.to_ascii_lowercase(),
    });

    // The banner names the real address, so `--port 0` can be used.
    printer.info(format!("fenv serve on http://{bound}  ({describe})"));
    for line in router::table(&shared.functions) {
        printer.info(line);
    }
    if shared.functions.is_empty() {
        printer.warn("no functions found: add a `.py` file under the functions folder");
    }

    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        match stream {
            Ok(stream) => {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || handle(&stream, &shared));
            }
            // Out of file descriptors and the like: wait, then go on.
            Err(err) => {
                printer.warn(format!("failed to accept a connection: {err}"));
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    drop(listener);
    shared.pool.shutdown();
    printer.info("fenv serve stopped");
    Ok(())
}

/// Where the signal handler connects to wake `accept`: the bound address,
/// with loopback for a wildcard host.
fn wake_address(bound: SocketAddr) -> SocketAddr {
    match bound.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::from((Ipv4Addr::LOCALHOST, bound.port())),
        IpAddr::V6(ip) if ip.is_unspecified() => SocketAddr::from((Ipv6Addr::LOCALHOST, bound.port())),
        _ => bound,
    }
}

/// Answers one connection and logs the request.
fn handle(stream: &TcpStream, shared: &Shared) {
    let started = Instant::now();
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let mut reader = std::io::BufReader::new(stream);
    let request = match http::read_request(&mut reader) {
        Ok(request) => request,
        Err(err) => {
            if let Some(status) = err.status() {
                let answer = Answer::text(status, err.to_string());
                let _ = http::write_response(&mut &*stream, status, &answer.headers, &answer.body, false);
                shared.printer.info(format!("- - {status} ({err})"));
            }
            return;
        }
    };
    let answer = match misdirected(&request, &shared.host) {
        Some(asked) => Answer::text(
            421,
            format!(
                "fenv serve answers for localhost and IP addresses, not for `{asked}`; serve with `--host {asked}` if that name is yours"
            ),
        )
        .with_note(format!(" (Host `{}` refused: DNS rebinding?)", printable(&asked))),
        None => respond(&request, shared),
    };
    let head_only = request.method.eq_ignore_ascii_case("HEAD");
    let _ = http::write_response(
        &mut &*stream,
        answer.status,
        &answer.headers,
        &answer.body,
        head_only,
    );
    let target = if request.query.is_empty() {
        request.path.clone()
    } else {
        format!("{}?{}", request.path, request.query)
    };
    shared.printer.info(format!(
        "{} {} {} {} ms{}",
        printable(&request.method),
        printable(&target),
        answer.status,
        started.elapsed().as_millis(),
        answer.note
    ));
}

/// The `Host` a request names when it is not one this server may be
/// reached by: `localhost`, an IP address, or the `--host` name. A page on
/// another site whose name resolves to 127.0.0.1 (DNS rebinding) would
/// otherwise call the functions with the visitor's browser.
fn misdirected(request: &http::Request, served: &str) -> Option<String> {
    let host = request
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("host"))
        .map(|(_, value)| value.to_ascii_lowercase())?;
    let name = match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default().to_string(),
        None => host
            .rsplit_once(':')
            .map_or(host.as_str(), |(name, _)| name)
            .to_string(),
    };
    let allowed = name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<IpAddr>().is_ok()
        || name == served;
    (!allowed).then_some(name)
}

/// `text` with control characters escaped, so that a request cannot
/// write terminal escape sequences into the log.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// What is sent back, and a note for the log line.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    note: String,
}

impl Answer {
    /// A plain-text answer from the server itself: `<status>: <message>`.
    fn text(status: u16, message: String) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: format!("{status}: {message}\n").into_bytes(),
            note: String::new(),
        }
    }

    /// ` (cold start 45 ms, import 12.3 ms)` on a worker's first request.
    fn with_note(mut self, note: String) -> Self {
        self.note = note;
        self
    }

    fn cold(mut self, cold: Option<worker::ColdStart>) -> Self {
        if let Some(cold) = cold {
            self.note = format!(
                " (cold start {} ms, import {:.1} ms)",
                cold.total.as_millis(),
                cold.import.as_secs_f64() * 1000.0
            );
        }
        self
    }
}

/// The answer to `request`; a function's failure is printed here.
fn respond(request: &http::Request, shared: &Shared) -> Answer {
    let Some(found) = shared.router.route(&shared.functions, &request.path) else {
        let mut answer = Answer::text(404, String::new());
        answer.body = router::not_found(&shared.functions, &request.path).into_bytes();
        return answer;
    };
    let function = &shared.functions[found.function];
    let printer = &shared.printer;
    let module = &function.relative;
    match shared.pool.call(found.function, function, request, &found.params) {
        Outcome::Answer {
            status,
            headers,
            body,
            cold,
        } => Answer {
            status,
            headers,
            body,
            note: String::new(),
        }
        .cold(cold),
        Outcome::ImportFailed { traceback } => {
            printer.error(format!("`{module}` failed to import:\n{}", traceback.trim_end()));
            let message = format!("`{module}` failed to import; the traceback is on the fenv serve console");
            Answer::text(500, message)
        }
        Outcome::Raised { traceback, cold } => {
            printer.error(format!("`{module}` raised:\n{}", traceback.trim_end()));
            let message =
                format!("`{module}` raised an exception; the traceback is on the fenv serve console");
            Answer::text(500, message).cold(cold)
        }
        Outcome::Crashed { code } => {
            let code = code.map_or("by a signal".to_string(), |code| format!("with code {code}"));
            printer.error(format!(
                "the worker of `{module}` exited {code} during a request; it restarts on the next one"
            ));
            Answer::text(
                502,
                format!("the worker of `{module}` exited {code} during the request"),
            )
        }
        Outcome::Unavailable { reason } => {
            printer.error(format!("`{module}`: {reason}"));
            Answer::text(500, format!("`{module}` could not be run: {reason}"))
        }
        Outcome::Stopping => Answer::text(503, "fenv serve is stopping".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_cannot_carry_escapes() {
        assert_eq!(printable("/api/x?a=\u{1b}[31m"), "/api/x?a=\\u{1b}[31m");
        assert_eq!(printable("/api/é"), "/api/é");
    }

    #[test]
    fn a_wildcard_host_is_woken_on_loopback() {
        let any: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(wake_address(any), "127.0.0.1:8080".parse().unwrap());
        let any6: SocketAddr = "[::]:8080".parse().unwrap();
        assert_eq!(wake_address(any6), "[::1]:8080".parse().unwrap());
        let lan: SocketAddr = "10.0.0.2:1".parse().unwrap();
        assert_eq!(wake_address(lan), lan);
    }
}
