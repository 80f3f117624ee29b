//! `fenv serve`: the real binary on a free port, an environment of the
//! pyenv CPython 3.12, real HTTP requests over loopback, and SIGINT at
//! the end: the handler forms, path parameters, `.env`, warm module
//! state, reloads on edit, import failures and crashes, the log lines,
//! and no worker left behind.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{TestContext, live_tests, pyenv_python, require, run, run_err, run_ok};

const HELLO: &str = r#"import os
from http.server import BaseHTTPRequestHandler
from api._helper import greeting

count = 0


class handler(BaseHTTPRequestHandler):
    def do_GET(self):
        global count
        count += 1
        print("hello was called")
        body = "{} {} count={}".format(greeting(), os.environ.get("GREETING"), count)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("X-Pid", str(os.getpid()))
        self.end_headers()
        self.wfile.write(body.encode())
"#;

const WSGI: &str = r#"import os


def app(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Pid", str(os.getpid()))])
    return [b"wsgi " + environ["REQUEST_METHOD"].encode() + b" " + body]
"#;

const ASGI: &str = r#"import os


async def app(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    reply = b"asgi " + scope["method"].encode() + b" " + body + b" " + headers.get(b"x-test", b"-")
    await send({
        "type": "http.response.start",
        "status": 201,
        "headers": [(b"content-type", b"text/plain"), (b"x-pid", str(os.getpid()).encode())],
    })
    await send({"type": "http.response.body", "body": reply})
"#;

const USER: &str = r#"import os
from urllib.parse import parse_qs


def app(environ, start_response):
    query = environ["QUERY_STRING"]
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Pid", str(os.getpid()))])
    return [("user {} {} {}".format(parse_qs(query)["id"][0], environ["PATH_INFO"], query)).encode()]
"#;

const CRASH: &str = r#"import os


def app(environ, start_response):
    if "exit" in environ["QUERY_STRING"]:
        os._exit(3)
    start_response("200 OK", [("X-Pid", str(os.getpid()))])
    return [b"alive"]
"#;

/// A project with one function of each kind, its environment made with
/// `fenv create --without-pip`; `None` (a skip) without CPython 3.12.
fn project() -> Option<TestContext> {
    let python = require("pyenv CPython 3.12", pyenv_python("3.12"))?;
    let ctx = TestContext::new();
    ctx.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\nrequires-python = \">=3.12\"\ndependencies = []\n",
    );
    ctx.write(".python-version", "3.12\n");
    ctx.write(".env", "# the local secrets\nGREETING=\"from .env\"\n");
    ctx.write("api/hello.py", HELLO);
    ctx.write("api/_helper.py", "def greeting():\n    return \"hello\"\n");
    ctx.write("api/wsgi.py", WSGI);
    ctx.write("api/asgi.py", ASGI);
    ctx.write("api/users/[id].py", USER);
    ctx.write("api/crash.py", CRASH);
    ctx.write(
        "api/broken.py",
        "import os\n\nraise RuntimeError(\"broken on purpose\")\n\napp = None\n",
    );
    run_ok(
        ctx.fenv()
            .args(["create", "-q", "--without-pip", "-p"])
            .arg(&python),
    );
    Some(ctx)
}

/// A running `fenv serve --port 0`, its stderr collected line by line.
pub(crate) struct Server {
    child: Child,
    address: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(ctx: &TestContext) -> Self {
        let mut cmd = ctx.fenv();
        cmd.args(["serve", "--port", "0"]).stderr(Stdio::piped());
        Self::start_with(cmd)
    }

    pub(crate) fn start_with(mut cmd: Command) -> Self {
        let mut child = cmd.spawn().expect("start fenv serve");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (lines, received): (_, Receiver<String>) = channel();
        let shared = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                shared.lock().unwrap().push(line.clone());
                let _ = lines.send(line);
            }
        });
        let first = received
            .recv_timeout(Duration::from_mins(1))
            .expect("fenv serve prints its banner");
        let address = first
            .strip_prefix("fenv serve on http://")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("not a banner: {first}"))
            .to_string();
        Self { child, address, log }
    }

    pub(crate) fn get(&self, target: &str) -> Response {
        self.send(&format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n"), b"")
    }

    fn post(&self, target: &str, body: &[u8], headers: &str) -> Response {
        let head = format!(
            "POST {target} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n{headers}\r\n",
            body.len()
        );
        self.send(&head, body)
    }

    /// Sends a raw request and reads the whole answer (the server closes).
    pub(crate) fn send(&self, head: &str, body: &[u8]) -> Response {
        let mut stream = TcpStream::connect(&self.address).expect("connect to fenv serve");
        stream.set_read_timeout(Some(Duration::from_mins(1))).unwrap();
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Response::parse(&raw)
    }

    /// The log so far, once `until` holds for it.
    #[track_caller]
    fn log_until(&self, until: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let log = self.log.lock().unwrap().clone();
            if until(&log) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "no such line in the log:\n{}",
                log.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until `count` requests are logged: a line is written after
    /// its answer, so a client can be ahead of the log.
    fn wait_requests(&self, count: usize) {
        self.log_until(|log| requests(log).len() >= count);
    }

    /// Sends SIGINT, as Ctrl-C does, and waits for the exit.
    pub(crate) fn interrupt(mut self) -> (ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        run_ok(Command::new("kill").args(["-INT", &pid]));
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "fenv serve did not stop on SIGINT");
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader ends when every holder of stderr (workers too) is gone.
        self.log_until(|log| log.iter().any(|line| line == "fenv serve stopped"));
        (status, self.log.lock().unwrap().clone())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Response {
    fn parse(raw: &[u8]) -> Self {
        let text = String::from_utf8_lossy(raw);
        let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_string(), value.trim().to_string())
            })
            .collect();
        Self {
            status,
            headers,
            body: body.to_string(),
        }
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn pid(&self) -> u32 {
        self.header("x-pid")
            .expect("the function sends its pid")
            .parse()
            .unwrap()
    }
}

/// `line` with every `<number> ms` as `N ms`, for whole-line comparisons.
fn timeless(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let next = words.get(i + 1).copied().unwrap_or("");
            let number = !word.is_empty() && word.chars().all(|c| c.is_ascii_digit() || c == '.');
            if number && next.starts_with("ms") {
                "N"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The request lines of the log (those starting with a method).
fn requests(log: &[String]) -> Vec<String> {
    log.iter()
        .filter(|line| line.starts_with("GET ") || line.starts_with("POST "))
        .map(|line| timeless(line))
        .collect()
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn serves_every_form_and_stops_clean() {
    let Some(ctx) = project() else { return };
    let server = Server::start(&ctx);

    // BaseHTTPRequestHandler, with a helper module, `.env`, and module
    // state kept between requests in one warm worker.
    let first = server.get("/api/hello?x=1");
    assert_eq!(
        (first.status, first.body.as_str()),
        (200, "hello from .env count=1")
    );
    assert_eq!(first.header("connection"), Some("close"));
    assert_eq!(first.header("content-type"), Some("text/plain"));
    let second = server.get("/api/hello");
    assert_eq!(
        (second.status, second.body.as_str()),
        (200, "hello from .env count=2")
    );
    assert_eq!(first.pid(), second.pid());

    // WSGI and ASGI, with POST bodies and a request header.
    let wsgi = server.post("/api/wsgi", b"a=1&b=2", "");
    assert_eq!((wsgi.status, wsgi.body.as_str()), (200, "wsgi POST a=1&b=2"));
    let asgi = server.post("/api/asgi", b"{\"k\": [1]}", "X-Test: yes\r\n");
    assert_eq!(
        (asgi.status, asgi.body.as_str()),
        (201, "asgi POST {\"k\": [1]} yes")
    );

    // A path parameter arrives as a query parameter.
    let user = server.get("/api/users/42?tab=posts");
    assert_eq!(
        (user.status, user.body.as_str()),
        (200, "user 42 /api/users/42 tab=posts&id=42")
    );

    // What is not HTTP gets a 400 and a log line of its own.
    let bad = server.send("NOT HTTP\r\n\r\n", b"");
    assert_eq!(bad.status, 400);

    // A helper is not a route; a 404 lists the routes.
    let missing = server.get("/api/_helper");
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body,
        "404: no function serves /api/_helper\n\nroutes:\n  /api/asgi\n  /api/broken\n  /api/crash\n  \
         /api/hello\n  /api/wsgi\n  /api/users/[id]\n"
    );

    // A module that fails to import answers 500, its traceback on the
    // console and not in the body; the others still answer.
    let broken = server.get("/api/broken");
    assert_eq!(
        (broken.status, broken.body.as_str()),
        (
            500,
            "500: `api/broken.py` failed to import; the traceback is on the fenv serve console\n"
        )
    );
    assert_eq!(server.get("/api/hello").body, "hello from .env count=3");

    server.wait_requests(8);
    let pids = [first.pid(), wsgi.pid(), asgi.pid(), user.pid()];
    assert!(pids.iter().all(|&pid| alive(pid)));

    let (status, log) = server.interrupt();
    assert!(status.success(), "{status:?}\n{}", log.join("\n"));
    for pid in pids {
        assert!(!alive(pid), "worker {pid} outlived the server");
    }

    let root = ctx.work().display().to_string();
    let port = server_port(&log);
    assert_eq!(
        log[..8],
        [
            format!("fenv serve on http://127.0.0.1:{port}  (env .venv, .env loaded)"),
            "  /api/asgi        api/asgi.py        app (WSGI or ASGI)".to_string(),
            "  /api/broken      api/broken.py      app (WSGI or ASGI)".to_string(),
            "  /api/crash       api/crash.py       app (WSGI or ASGI)".to_string(),
            "  /api/hello       api/hello.py       handler (BaseHTTPRequestHandler)".to_string(),
            "  /api/wsgi        api/wsgi.py        app (WSGI or ASGI)".to_string(),
            "  /api/users/[id]  api/users/[id].py  app (WSGI or ASGI)".to_string(),
            "hello was called".to_string(),
        ]
    );
    assert_eq!(
        requests(&log),
        [
            "GET /api/hello?x=1 200 N ms (cold start N ms, import N ms)",
            "GET /api/hello 200 N ms",
            "POST /api/wsgi 200 N ms (cold start N ms, import N ms)",
            "POST /api/asgi 201 N ms (cold start N ms, import N ms)",
            "GET /api/users/42?tab=posts 200 N ms (cold start N ms, import N ms)",
            "GET /api/_helper 404 N ms",
            "GET /api/broken 500 N ms",
            "GET /api/hello 200 N ms",
        ]
    );
    let traceback = log
        .iter()
        .skip_while(|line| !line.contains("failed to import"))
        .take(5)
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(
        traceback,
        [
            "error: `api/broken.py` failed to import:",
            "Traceback (most recent call last):",
            &format!("  File \"{root}/api/broken.py\", line 3, in <module>"),
            "    raise RuntimeError(\"broken on purpose\")",
            "RuntimeError: broken on purpose",
        ]
    );
    assert!(log.contains(
        &"- - 400 (malformed request: the request line is not `METHOD TARGET HTTP/1.x`)".to_string()
    ));
    assert_eq!(log.last().map(String::as_str), Some("fenv serve stopped"));
}

/// The port in the banner of `log`.
fn server_port(log: &[String]) -> String {
    log[0]
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a port in the banner")
        .to_string()
}

#[test]
fn edits_and_crashes_restart_the_worker() {
    let Some(ctx) = project() else { return };
    ctx.write(
        "api/raise.py",
        "import os\n\n\ndef app(environ, start_response):\n    raise ValueError(os.getpid())\n",
    );
    let server = Server::start(&ctx);

    // An exception in the handler: 500, and the worker stays warm.
    let raised = server.get("/api/raise");
    assert_eq!(
        (raised.status, raised.body.as_str()),
        (
            500,
            "500: `api/raise.py` raised an exception; the traceback is on the fenv serve console\n"
        )
    );
    assert_eq!(server.get("/api/raise").status, 500);

    let before = server.get("/api/hello");
    assert_eq!(before.body, "hello from .env count=1");
    // An edit to a helper restarts the function: new code, fresh state.
    ctx.write("api/_helper.py", "def greeting():\n    return \"edited\"\n");
    let after = server.get("/api/hello");
    assert_eq!(after.body, "edited from .env count=1");
    assert_ne!(before.pid(), after.pid());
    assert!(!alive(before.pid()), "the old worker was stopped");

    // A fixed import is picked up by the next request.
    assert_eq!(server.get("/api/broken").status, 500);
    ctx.write(
        "api/broken.py",
        "def app(environ, start_response):\n    start_response(\"200 OK\", [])\n    return [b\"fixed\"]\n",
    );
    let fixed = server.get("/api/broken");
    assert_eq!((fixed.status, fixed.body.as_str()), (200, "fixed"));

    // A worker that dies mid-request: 502, then a new worker.
    let crash = server.get("/api/crash");
    assert_eq!(crash.body, "alive");
    let died = server.get("/api/crash?exit=1");
    assert_eq!(died.status, 502);
    assert_eq!(
        died.body,
        "502: the worker of `api/crash.py` exited with code 3 during the request\n"
    );
    let again = server.get("/api/crash");
    assert_eq!(again.body, "alive");
    assert_ne!(again.pid(), crash.pid());

    server.wait_requests(9);
    let (status, log) = server.interrupt();
    assert!(status.success(), "{status:?}");
    assert!(!alive(after.pid()) && !alive(again.pid()));
    assert_eq!(
        requests(&log),
        [
            "GET /api/raise 500 N ms (cold start N ms, import N ms)",
            "GET /api/raise 500 N ms",
            "GET /api/hello 200 N ms (cold start N ms, import N ms)",
            "GET /api/hello 200 N ms (cold start N ms, import N ms)",
            "GET /api/broken 500 N ms",
            "GET /api/broken 200 N ms (cold start N ms, import N ms)",
            "GET /api/crash 200 N ms (cold start N ms, import N ms)",
            "GET /api/crash?exit=1 502 N ms",
            "GET /api/crash 200 N ms (cold start N ms, import N ms)",
        ]
    );
    // The same worker raised twice: one pid in both tracebacks.
    let raised: Vec<&String> = log
        .iter()
        .filter(|line| line.starts_with("ValueError: "))
        .collect();
    assert_eq!(raised.len(), 2);
    assert_eq!(raised[0], raised[1]);
    assert!(log.contains(
        &"error: the worker of `api/crash.py` exited with code 3 during a request; it restarts on the next one"
            .to_string()
    ));
}

#[test]
fn workers_exit_when_the_server_is_killed() {
    let Some(ctx) = project() else { return };
    let mut server = Server::start(&ctx);
    let pid = server.get("/api/wsgi").pid();
    // SIGKILL leaves no chance to clean up: the worker sees its stdin
    // close and exits by itself.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) && !zombie(pid) {
        assert!(Instant::now() < deadline, "worker {pid} outlived a killed server");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` has exited and only waits to be reaped (by init, here).
fn zombie(pid: u32) -> bool {
    fs_err::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit(") ").next().is_some_and(|rest| rest.starts_with('Z')))
}

#[test]
fn without_an_environment_it_says_to_sync() {
    let ctx = TestContext::new();
    ctx.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\n",
    );
    ctx.write("api/index.py", "def app(environ, start_response):\n    pass\n");
    let stderr = run_err(ctx.fenv().args(["serve", "--port", "0"]), 1);
    assert_eq!(
        stderr,
        "error: there is no virtual environment at `.venv`\n\
         hint: run `fenv sync` (or `fenv create`) first, or pass `--env DIR`\n"
    );
}

/// `api/loop -> ..` once made discovery list 41 ever longer routes; a
/// link back up the tree is now an error that names it.
#[test]
fn a_symlink_loop_under_the_functions_folder_is_named() {
    let ctx = TestContext::new();
    ctx.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\n",
    );
    ctx.write("api/index.py", "def app(environ, start_response):\n    pass\n");
    fs_err::os::unix::fs::symlink("..", ctx.path("api/loop")).unwrap();
    // A link that points nowhere is skipped, as before.
    fs_err::os::unix::fs::symlink("missing.py", ctx.path("api/gone.py")).unwrap();
    let stderr = run_err(ctx.fenv().args(["serve", "--port", "0"]), 1);
    let project = ctx.path("api");
    let project = project.parent().unwrap().display();
    assert_eq!(
        stderr,
        format!(
            "error: failed to find the functions: `api/loop` links to `{project}`, a folder that holds it, so the tree never ends\n\
             hint: remove the link, or point it at a folder outside the tree\n"
        )
    );
}

#[test]
fn a_port_in_use_is_named() {
    let ctx = TestContext::new();
    ctx.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\nversion = \"0.1.0\"\n",
    );
    fs_err::create_dir_all(ctx.path(".venv")).unwrap();
    fs_err::write(ctx.path(".venv/pyvenv.cfg"), "home = /usr/bin\n").unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let stderr = run_err(ctx.fenv().args(["serve", "--port", &port]), 1);
    assert_eq!(
        stderr,
        format!(
            "error: failed to listen on `127.0.0.1:{port}`: Address already in use (os error 98)\n\
             hint: pass another `--port`, or `--port 0` for any free one\n"
        )
    );
}

#[test]
fn another_sites_name_for_the_server_is_refused() {
    // DNS rebinding: a page on evil.example whose name now resolves to
    // 127.0.0.1 makes the visitor's browser call the functions.
    let Some(ctx) = project() else { return };
    let server = Server::start(&ctx);
    let port = server.address.rsplit(':').next().unwrap().to_string();
    for host in ["evil.example", &format!("evil.example:{port}")] {
        let answer = server.send(&format!("GET /api/hello HTTP/1.1\r\nHost: {host}\r\n\r\n"), b"");
        assert_eq!(answer.status, 421, "{}", answer.body);
        assert_eq!(
            answer.body,
            "421: fenv serve answers for localhost and IP addresses, not for `evil.example`; serve with `--host evil.example` if that name is yours\n"
        );
    }
    for host in [
        "localhost",
        &format!("127.0.0.1:{port}"),
        "[::1]",
        "app.localhost",
    ] {
        let answer = server.send(&format!("GET /api/hello HTTP/1.1\r\nHost: {host}\r\n\r\n"), b"");
        assert_eq!(answer.status, 200, "{host}: {}", answer.body);
    }
    // A bare CR in a header value is no line break to pass on.
    let answer = server.send(
        "GET /api/hello HTTP/1.1\r\nHost: localhost\r\nX-Injected: a\rSet-Cookie: b\r\n\r\n",
        b"",
    );
    assert_eq!(answer.status, 400, "{}", answer.body);
    let log = server.log_until(|log| log.iter().any(|l| l.contains("refused: DNS rebinding?")));
    assert!(
        log.iter()
            .any(|l| l.contains(" 421 ") && l.contains("Host `evil.example` refused")),
        "{log:?}"
    );
    server.interrupt();
}

/// A native `handler(event, context)` under serve gets an event shaped as
/// API Gateway v2 sends it (`sam local generate-event apigateway
/// http-api-proxy`): parsed query parameters, path parameters, text
/// bodies as text, base64 only for binary ones.
#[test]
fn a_native_handler_gets_an_api_gateway_v2_event() {
    let Some(ctx) = project() else { return };
    ctx.write(
        "api/items/[id].py",
        "import json\n\n\
         def handler(event, context):\n    \
             keys = ['queryStringParameters', 'pathParameters', 'body', 'isBase64Encoded', 'rawQueryString']\n    \
             seen = {key: event.get(key) for key in keys}\n    \
             seen['method'] = event['requestContext']['http']['method']\n    \
             return {'statusCode': 200, 'headers': {'content-type': 'application/json'}, 'body': json.dumps(seen, sort_keys=True)}\n",
    );
    let server = Server::start(&ctx);
    let response = server.post(
        "/api/items/7?x=1&x=2",
        b"{\"a\": 1}",
        "Content-Type: application/json\r\n",
    );
    assert_eq!(response.status, 200, "{}", response.body);
    let seen: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    assert_eq!(
        seen,
        serde_json::json!({
            "body": "{\"a\": 1}",
            "isBase64Encoded": false,
            "method": "POST",
            "pathParameters": {"id": "7"},
            "queryStringParameters": {"id": "7", "x": "1,2"},
            "rawQueryString": "x=1&x=2&id=7"
        })
    );
    let binary = server.post(
        "/api/items/8",
        b"\x00\xff",
        "Content-Type: application/octet-stream\r\n",
    );
    let seen: serde_json::Value = serde_json::from_str(&binary.body).unwrap();
    assert_eq!(
        (&seen["body"], &seen["isBase64Encoded"]),
        (&serde_json::json!("AP8="), &serde_json::json!(true))
    );
}

/// The event a native handler gets under `fenv serve` has the fields of
/// the one `sam local generate-event apigateway http-api-proxy` makes,
/// less those a request without them leaves out (stage variables, an
/// authorizer, client certificates), checked with AWS SAM CLI.
#[test]
fn live_a_native_handlers_event_has_the_fields_sam_generates() {
    if !live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to compare with AWS SAM CLI");
        return;
    }
    let Some(ctx) = project() else { return };
    let Some(python) = crate::common::require("pyenv CPython 3.12", crate::common::pyenv_python("3.12"))
    else {
        return;
    };
    let Some(sam) = require("AWS SAM CLI (public index)", crate::support::tools::sam(&python)) else {
        return;
    };
    ctx.write(
        "api/items/[id].py",
        "import json\n\ndef handler(event, context):\n    return {'statusCode': 200, 'body': json.dumps(event)}\n",
    );
    let server = Server::start(&ctx);
    let response = server.post(
        "/api/items/7?x=1",
        b"{}",
        "Content-Type: application/json\r\nCookie: a=1\r\n",
    );
    assert_eq!(response.status, 200, "{}", response.body);
    let ours: serde_json::Value = serde_json::from_str(&response.body).unwrap();
    let output = run(Command::new(&sam)
        .args(["local", "generate-event", "apigateway", "http-api-proxy"])
        .env("SAM_CLI_TELEMETRY", "0")
        .env("HOME", ctx.home()));
    assert!(output.status.success());
    let theirs: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys = |value: &serde_json::Value, leave_out: &[&str]| -> Vec<String> {
        let mut keys: Vec<String> = value
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| !leave_out.contains(&k.as_str()))
            .cloned()
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&ours, &[]), keys(&theirs, &["stageVariables"]));
    assert_eq!(
        keys(&ours["requestContext"], &[]),
        keys(&theirs["requestContext"], &["authentication", "authorizer"])
    );
    assert_eq!(
        keys(&ours["requestContext"]["http"], &[]),
        keys(&theirs["requestContext"]["http"], &[])
    );
    // The same types where both have a value.
    for key in ["time", "timeEpoch"] {
        let kind = |v: &serde_json::Value| (v.is_string(), v.is_u64());
        assert_eq!(
            kind(&ours["requestContext"][key]),
            kind(&theirs["requestContext"][key]),
            "{key}"
        );
    }
    let time = ours["requestContext"]["time"].as_str().unwrap();
    assert_eq!(time.len(), "12/Mar/2020:19:03:58 +0000".len(), "{time}");
    assert!(time.ends_with(" +0000"), "{time}");
}
