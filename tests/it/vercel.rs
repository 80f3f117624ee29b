//! `vercel build` — the Vercel CLI running Vercel's own Python builder —
//! on a project from `fenv init` with a dependency, locked by `fenv
//! lock`: the build installs exactly the lock (`FENV_LIVE_TESTS=1`: the
//! builder fetches `vercel-runtime` from the public index).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::{Value, json};

use crate::common::project::Project;
use crate::common::{live_tests, require, run, run_ok};
use crate::serve::Server;
use crate::support::index::Publish;
use crate::support::tools;
use crate::support::wheel::WheelBuilder;

#[test]
fn live_vercel_builds_a_fenv_project_from_its_lock() {
    if !live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to build with the Vercel CLI");
        return;
    }
    let Some(project) = Project::new() else { return };
    let Some(uv) = require("uv", tools::uv(&project.host_python)) else {
        return;
    };
    let Some(vercel) = require("the Vercel CLI (npm)", tools::vercel_cli()) else {
        return;
    };
    run_ok(&mut project.fenv(&["init", "--target", "vercel"]));
    let pyproject = fs_err::read_to_string(project.ctx.path("pyproject.toml")).unwrap();
    assert!(
        pyproject.contains("vercel-install = \"uv pip install -r pylock.toml\""),
        "{pyproject}"
    );
    project.ctx.write(
        "pyproject.toml",
        pyproject.replace("dependencies = []", "dependencies = [\"greeting\"]"),
    );
    project.publish("greeting", "1.0", &[]);
    project.ctx.write("api/users/[id].py", USER);
    run_ok(&mut project.fenv(&["lock"]));
    // No env yet, so check fails, but on no Vercel rule.
    let stdout = String::from_utf8_lossy(&run(&mut project.fenv(&["check"])).stdout).into_owned();
    assert!(!stdout.contains("vercel-"), "{stdout}");

    project.ctx.write(
        ".vercel/project.json",
        "{\"projectId\": \"prj_fenv\", \"orgId\": \"team_fenv\", \"settings\": {\"framework\": null}}\n",
    );
    let path = format!(
        "{}:{}:{}",
        uv.parent().unwrap().display(),
        project.host_python.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = run(Command::new(&vercel)
        .args(["build", "--yes"])
        .current_dir(project.ctx.work())
        .env("PATH", path)
        .env("HOME", project.ctx.home())
        .env("VERCEL_TELEMETRY_DISABLED", "1")
        .env("NO_UPDATE_NOTIFIER", "1"));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "vercel build failed:\n{log}");
    assert!(log.contains("Executing: uv pip install -r pylock.toml"), "{log}");
    let config: serde_json::Value = serde_json::from_str(
        &fs_err::read_to_string(
            project
                .ctx
                .path(".vercel/output/functions/api/hello.func/.vc-config.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let files = config["filePathMap"].as_object().unwrap();
    assert!(
        files.contains_key("_vendor/greeting/__init__.py"),
        "the locked package is in the function"
    );
    assert!(files.contains_key("pylock.toml"));

    // fenv's prebuilt output is laid out as Vercel's builder lays it
    // out: the same routes, function configs and bootstrap settings, and
    // the runtime version the builder installs.
    let builder = vercel
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("@vercel/python/dist/index.js");
    let builder = fs_err::read_to_string(builder).unwrap();
    assert!(
        builder.contains(&format!(
            "var VERCEL_RUNTIME_VERSION = \"{}\";",
            tools::VERCEL_RUNTIME
        )),
        "Vercel's builder installs another vercel-runtime"
    );
    let output = project.ctx.path(".vercel/output");
    let read = |path: &str| fs_err::read_to_string(output.join(path)).unwrap();
    let json = |path: &str| -> Value { serde_json::from_str(&read(path)).unwrap() };
    let func_config = |path: &str| {
        let mut config = json(path);
        config.as_object_mut().unwrap().remove("filePathMap");
        config
    };
    let functions = ["api/hello.func", "api/users/[id].func"];
    let theirs_config = json("config.json");
    let theirs: Vec<(Value, Vec<String>)> = functions
        .iter()
        .map(|f| {
            let bootstrap = read(&format!("functions/{f}/vc__handler__python.py"));
            (
                func_config(&format!("functions/{f}/.vc-config.json")),
                settings(&bootstrap),
            )
        })
        .collect();
    let Some(runtime) = require(
        "vercel-runtime (public index)",
        tools::vercel_runtime_wheel(&project.host_python),
    ) else {
        return;
    };
    project.index.publish(&runtime);
    run_ok(&mut project.fenv(&["bundle", "--target", "vercel"]));
    assert_eq!(json("config.json"), theirs_config, "the routes");
    for (f, (config, settings_theirs)) in functions.iter().zip(theirs) {
        assert_eq!(
            func_config(&format!("functions/{f}/.vc-config.json")),
            config,
            "{f}"
        );
        let bootstrap = read(&format!("functions/{f}/vc__handler__python.py"));
        assert_eq!(settings_theirs.len(), 5, "{settings_theirs:?}");
        assert_eq!(settings(&bootstrap), settings_theirs, "{f}");
    }
}

/// The `__VC_HANDLER_*` settings a bootstrap module sets, as
/// `NAME=value` (the one read from the clock left out).
fn settings(bootstrap: &str) -> Vec<String> {
    let mut out: Vec<String> = bootstrap
        .lines()
        .filter_map(|line| {
            let (name, value) = line.trim().split_once(':')?;
            let name = name.trim().trim_matches('"');
            name.starts_with("__VC_HANDLER_")
                .then(|| format!("{name}={}", value.trim().trim_end_matches(',')))
        })
        .collect();
    out.sort();
    out
}

const HELLO: &str = r#"import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import greeting
from api._shared import shout


class handler(BaseHTTPRequestHandler):
    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        url = urlsplit(self.path)
        payload = {
            "body": self.rfile.read(length).decode(),
            "custom": self.headers.get("x-custom"),
            "greeting": shout(greeting.WORD),
            "method": self.command,
            "path": url.path,
            "query": parse_qs(url.query),
        }
        data = json.dumps(payload, sort_keys=True).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Fn", "hello")
        self.send_header("Set-Cookie", "a=1; Path=/")
        self.send_header("Set-Cookie", "b=2")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = answer
"#;

const USER: &str = r#"import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        query = parse_qs(urlsplit(self.path).query)
        data = json.dumps({"id": query.get("id"), "tab": query.get("tab")}).encode()
        self.send_response(404 if query.get("id") == ["0"] else 200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)
"#;

/// Raw ASGI with a lifespan, whose startup every request sees, and one
/// lock made on the first request and used by the later ones, which
/// fails if the event loop changes between requests. (Vercel's runtime
/// gives the lifespan no `state` dict, so the startup sets a global.)
const ASGI: &str = r#"import asyncio
import json

LOCK = None
STARTED = "no"


async def app(scope, receive, send):
    global LOCK, STARTED
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                STARTED = "yes"
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if LOCK is None:
        LOCK = asyncio.Lock()
    async with LOCK:
        await asyncio.sleep(0)
    payload = {
        "body": body.decode(),
        "method": scope["method"],
        "path": scope["path"],
        "query": scope["query_string"].decode(),
        "scheme": scope["scheme"],
        "started": STARTED,
    }
    await send({"type": "http.response.start", "status": 201, "headers": [(b"content-type", b"application/json"), (b"x-fn", b"asgi")]})
    await send({"type": "http.response.body", "body": json.dumps(payload, sort_keys=True).encode()})
"#;

const WSGI: &str = r#"import json


def app(environ, start_response):
    size = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(size).decode()
    payload = {
        "body": body,
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "scheme": environ["wsgi.url_scheme"],
    }
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Fn", "wsgi")])
    return [json.dumps(payload, sort_keys=True).encode()]
"#;

/// Reads one request a line (Vercel's invocation payload: method, path,
/// headers, body) and prints what `vc_handler` answers, in one process:
/// a warm function.
const DRIVER: &str = "import json, sys\nsys.path.insert(0, '')\nimport vc__handler__python as h\n\
for line in sys.stdin:\n    answer = h.vc_handler({'body': line}, None)\n    print(json.dumps(answer), flush=True)\n";

/// One request: the path the client asks for, and the one Vercel's
/// router passes the function (a dynamic route's values added to the
/// query, as its `config.json` route says).
struct Request {
    method: &'static str,
    asked: &'static str,
    routed: &'static str,
    body: &'static str,
}

/// Reads one API Gateway v2 event a line and prints what the Lambda
/// shim answers, in one process: a warm container.
const SHIM_DRIVER: &str = "import json, sys\nimport fenv_handler\n\
for line in sys.stdin:\n    print(json.dumps(fenv_handler.handler(json.loads(line), None)), flush=True)\n";

/// `list` sent to the function's Lambda zip (`dist/lambda/<name>.zip`,
/// unzipped) as API Gateway v2 events, answers as [`Answer`]s.
fn shim_answers(project: &Project, func: &str, list: &[Request], headers: &[(&str, &str)]) -> Vec<Answer> {
    let name = func
        .trim_end_matches(".func")
        .replace('/', "-")
        .replace(['[', ']'], "");
    let dir = project.ctx.root().join(format!("lambda-{name}"));
    let zip = fs_err::File::open(project.ctx.path(format!("dist/lambda/{name}.zip"))).unwrap();
    zip::ZipArchive::new(zip).unwrap().extract(&dir).unwrap();
    let mut input = String::new();
    for request in list {
        let (path, query) = request.asked.split_once('?').unwrap_or((request.asked, ""));
        let event = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": headers.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "requestContext": {"http": {"method": request.method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7"}},
            "body": request.body,
            "isBase64Encoded": false,
        });
        input.push_str(&event.to_string());
        input.push('\n');
    }
    answers(
        Command::new(&project.host_python)
            .current_dir(&dir)
            .env_remove("PYTHONPATH")
            .args(["-B", "-c", SHIM_DRIVER]),
        &input,
        &format!("{func} under the shim"),
    )
}

/// Runs `cmd` (a driver reading one request a line), writing `input`;
/// each line it prints, as an [`Answer`].
fn answers(cmd: &mut Command, input: &str, what: &str) -> Vec<Answer> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{what}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|line| Answer::from_proxy(&serde_json::from_str(line).unwrap()))
        .collect()
}

/// What the comparison looks at: the status, the function's own headers
/// (not the server's `Date`, `Server`, `Content-Length`), the body.
#[derive(Debug, PartialEq)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    /// A proxy result as Vercel's runtime (`headers` of lists, `encoding`)
    /// or the Lambda shim (`headers`, `cookies`, `isBase64Encoded`) gives it.
    fn from_proxy(value: &Value) -> Self {
        let mut headers: Vec<(String, String)> = Vec::new();
        for (name, values) in value["headers"].as_object().unwrap() {
            let name = name.to_lowercase();
            if !COMPARED.contains(&name.as_str()) {
                continue;
            }
            match values {
                Value::Array(list) => {
                    headers.extend(
                        list.iter()
                            .map(|v| (name.clone(), v.as_str().unwrap().to_string())),
                    );
                }
                other => headers.push((name, other.as_str().unwrap().to_string())),
            }
        }
        for cookie in value["cookies"].as_array().into_iter().flatten() {
            headers.push(("set-cookie".into(), cookie.as_str().unwrap().to_string()));
        }
        headers.sort();
        let body = value["body"].as_str().unwrap();
        let body = if value["encoding"] == "base64" || value["isBase64Encoded"] == true {
            let bytes = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
            String::from_utf8_lossy(&bytes).into_owned()
        } else {
            body.to_string()
        };
        Self {
            status: u16::try_from(value["statusCode"].as_u64().unwrap()).unwrap(),
            headers,
            body,
        }
    }
}

const COMPARED: &[&str] = &["content-type", "set-cookie", "x-fn"];

#[test]
fn live_every_function_answers_the_same_under_serve_the_shim_and_vercels_runtime() {
    if !live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to run functions under Vercel's runtime");
        return;
    }
    let Some(project) = Project::new() else { return };
    let Some(runtime) = require(
        "vercel-runtime (public index)",
        tools::vercel_runtime_wheel(&project.host_python),
    ) else {
        return;
    };
    project.index.publish(&runtime);
    let greeting = WheelBuilder::new("greeting", "1.0").file("greeting/__init__.py", "WORD = 'hello'\n");
    project.publish_as(greeting, Publish::new());
    project.publish("only-asgi", "1.0", &[]);
    project.write_pyproject(
        &["greeting"],
        "requires-python = \">=3.12\"\n\n[tool.fenv]\ntargets = [\"vercel\", \"lambda\"]\n\n\
         [tool.fenv.functions.asgi]\ndependencies = [\"only-asgi\"]\n",
    );
    project.ctx.write("api/hello.py", HELLO);
    project
        .ctx
        .write("api/_shared.py", "def shout(word):\n    return word.upper()\n");
    project.ctx.write("api/users/[id].py", USER);
    project.ctx.write("api/asgi.py", ASGI);
    project.ctx.write("api/wsgi.py", WSGI);
    run_ok(&mut project.fenv(&["lock"]));
    project.sync_ok(&[]);
    run_ok(&mut project.fenv(&["bundle"]));
    run_ok(&mut project.fenv(&["bundle", "--target", "lambda"]));
    let functions = project.ctx.path(".vercel/output/functions/api");
    let vendored = |func: &str| {
        fs_err::read_dir(functions.join(func).join("_vendor"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".dist-info"))
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert!(vendored("asgi.func").contains("only_asgi"));
    assert!(
        !vendored("hello.func").contains("only_asgi"),
        "each function has its own closure"
    );

    let requests: Vec<(&str, Vec<Request>)> = vec![
        (
            "hello.func",
            vec![
                Request {
                    method: "GET",
                    asked: "/api/hello?name=Ada&tag=a&tag=b",
                    routed: "/api/hello?name=Ada&tag=a&tag=b",
                    body: "",
                },
                Request {
                    method: "POST",
                    asked: "/api/hello",
                    routed: "/api/hello",
                    body: "{\"x\": 1}",
                },
            ],
        ),
        (
            "users/[id].func",
            vec![
                Request {
                    method: "GET",
                    asked: "/api/users/42?tab=posts",
                    routed: "/api/users/42?tab=posts&id=42",
                    body: "",
                },
                Request {
                    method: "GET",
                    asked: "/api/users/0",
                    routed: "/api/users/0?id=0",
                    body: "",
                },
            ],
        ),
        (
            "asgi.func",
            vec![
                Request {
                    method: "GET",
                    asked: "/api/asgi?x=1",
                    routed: "/api/asgi?x=1",
                    body: "",
                },
                Request {
                    method: "POST",
                    asked: "/api/asgi",
                    routed: "/api/asgi",
                    body: "second",
                },
                Request {
                    method: "GET",
                    asked: "/api/asgi",
                    routed: "/api/asgi",
                    body: "",
                },
            ],
        ),
        (
            "wsgi.func",
            vec![Request {
                method: "POST",
                asked: "/api/wsgi?q=1",
                routed: "/api/wsgi?q=1",
                body: "form=1",
            }],
        ),
    ];
    let headers = [
        ("host", "localhost"),
        ("x-custom", "yes"),
        ("x-forwarded-proto", "https"),
    ];

    let server = Server::start_with({
        let mut cmd = project.fenv(&["serve", "--port", "0"]);
        cmd.stderr(Stdio::piped());
        cmd
    });
    for (func, list) in &requests {
        let mut input = String::new();
        for request in list {
            let payload = json!({
                "method": request.method,
                "path": request.routed,
                "headers": headers.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
                "body": request.body,
            });
            input.push_str(&payload.to_string());
            input.push('\n');
        }
        let on_vercel = answers(
            Command::new(&project.host_python)
                .current_dir(functions.join(func))
                .env("PYTHONPATH", "_vendor")
                .env("PYTHONDONTWRITEBYTECODE", "1")
                .args(["-c", DRIVER]),
            &input,
            &format!("{func} under Vercel's runtime"),
        );
        let under_serve: Vec<Answer> = list
            .iter()
            .map(|request| {
                let mut head = format!("{} {} HTTP/1.1\r\n", request.method, request.asked);
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str(&format!("content-length: {}\r\n\r\n", request.body.len()));
                let response = server.send(&head, request.body.as_bytes());
                let mut headers: Vec<(String, String)> = response
                    .headers
                    .iter()
                    .filter(|(name, _)| COMPARED.contains(&name.to_lowercase().as_str()))
                    .map(|(name, value)| (name.to_lowercase(), value.clone()))
                    .collect();
                headers.sort();
                Answer {
                    status: response.status,
                    headers,
                    body: response.body,
                }
            })
            .collect();
        assert_eq!(
            on_vercel, under_serve,
            "{func}: Vercel's runtime, then fenv serve"
        );
        let on_lambda = shim_answers(&project, func, list, &headers);
        assert_eq!(on_lambda, under_serve, "{func}: the Lambda shim, then fenv serve");
        assert!(on_vercel.iter().all(|a| !a.headers.is_empty()), "{on_vercel:?}");
    }
    drop(server);
}
