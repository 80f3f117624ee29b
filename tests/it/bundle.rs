//! `fenv bundle`: the real binary zipping each function of a project
//! locked (by the real `fenv lock`) for Lambda against manylinux wheels
//! on a local index, and the zips run in the pyenv CPython 3.12: the
//! shim with recorded API Gateway v2, REST (v1) and ALB events, and a
//! native Lambda handler imported by its handler string.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::common::{run, run_err, run_ok};
use crate::support::wheel::WheelBuilder;

const MANYLINUX: &str = "cp312-cp312-manylinux_2_17_x86_64";

/// The shared project, with functions under `api/` and three packages.
struct Project(crate::common::project::Project);

impl std::ops::Deref for Project {
    type Target = crate::common::project::Project;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

const PYPROJECT: &str = r#"[project]
name = "app"
version = "0"
requires-python = "==3.12.*"
dependencies = ["shared"]

[dependency-groups]
dev = ["devtool"]

[tool.fenv]
# `shared` has a wheel for Linux x86_64 only.
environments = ["linux"]
targets = ["lambda"]

[tool.fenv.target.lambda]
runtime = "python3.12"

[tool.fenv.functions.hello]
include = ["lib/**"]
exclude = ["**/test_*.py"]

[tool.fenv.functions.wsgi]
dependencies = ["only-wsgi"]
"#;

const HELLO: &str = r#"import json
from http.server import BaseHTTPRequestHandler

import shared
from api._helper import greet


class handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode()
        payload = {
            "body": body,
            "cookie": self.headers.get("cookie"),
            "custom": self.headers.get("x-custom"),
            "greeting": greet("Ada"),
            "kind": shared.KIND,
            "method": self.command,
            "path": self.path,
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
"#;

const WSGI: &str = r#"import json

import only_wsgi
import shared


def app(environ, start_response):
    size = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(size).decode()
    if "binary=1" in environ.get("QUERY_STRING", ""):
        start_response("201 Created", [("Content-Type", "application/octet-stream"), ("X-Fn", "wsgi")])
        return [b"\x00\xffbin"]
    payload = {
        "body": body,
        "cookie": environ.get("HTTP_COOKIE"),
        "custom": environ.get("HTTP_X_CUSTOM"),
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "who": only_wsgi.NAME + "+" + shared.KIND,
    }
    start_response("200 OK", [("Content-Type", "application/json"), ("X-Fn", "wsgi")])
    return [json.dumps(payload, sort_keys=True).encode()]
"#;

const NATIVE: &str = r#"import shared


def handler(event, context):
    return {"statusCode": 202, "body": shared.KIND}
"#;

impl Project {
    /// The project, published and locked; `None` (a skip) without CPython 3.12.
    fn locked() -> Option<Self> {
        let project = Self(crate::common::project::Project::new()?);
        let (ctx, index) = (&project.ctx, &project.index);
        let wheels = project.wheels();
        for wheel in [
            WheelBuilder::new("shared", "1.0")
                .tag(MANYLINUX)
                .file("shared/__init__.py", "KIND = 'manylinux'\n")
                .file("shared/__pycache__/__init__.cpython-312.pyc", b"\x00stale")
                .build(&wheels),
            WheelBuilder::new("only-wsgi", "2.0")
                .file("only_wsgi/__init__.py", "NAME = 'only-wsgi'\n")
                .build(&wheels),
            WheelBuilder::new("devtool", "3.0")
                .file("devtool/__init__.py", "")
                .build(&wheels),
        ] {
            index.publish(&wheel);
        }
        ctx.write("pyproject.toml", PYPROJECT);
        ctx.write("api/hello.py", HELLO);
        ctx.write("api/wsgi.py", WSGI);
        ctx.write("api/native.py", NATIVE);
        ctx.write("api/_helper.py", "def greet(name):\n    return 'hi ' + name\n");
        ctx.write("lib/util.py", "X = 1\n");
        ctx.write("lib/test_util.py", "def test_x():\n    pass\n");
        run_ok(&mut project.fenv(&["lock"]));
        Some(project)
    }

    /// `fenv ARGS` against the project's index, with zip times left to
    /// each test.
    fn fenv(&self, args: &[&str]) -> Command {
        let mut cmd = self.0.fenv(args);
        cmd.env_remove("SOURCE_DATE_EPOCH");
        cmd
    }

    /// `fenv bundle ARGS`, asserted to succeed; returns stderr.
    #[track_caller]
    fn bundle_ok(&self, args: &[&str]) -> String {
        let output = run(self.fenv(&["bundle"]).args(args));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            output.status.success(),
            "fenv bundle failed\n--- stderr\n{stderr}"
        );
        stderr
    }

    fn zip(&self, function: &str) -> PathBuf {
        self.ctx.path(format!("dist/lambda/{function}.zip"))
    }

    /// Unzips `function`'s zip into a fresh folder with Python's zipfile.
    fn unzip(&self, function: &str) -> PathBuf {
        let dir = self.ctx.root().join(format!("unzipped-{function}"));
        run_ok(
            Command::new(&self.host_python)
                .args([
                    "-I",
                    "-c",
                    "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
                ])
                .arg(self.zip(function))
                .arg(&dir),
        );
        dir
    }

    /// Runs `code` in the unzipped bundle `dir`, with `event` as
    /// `sys.argv[1]`; returns what it prints, parsed.
    fn invoke(&self, dir: &Path, code: &str, event: &Value) -> Value {
        let out = run_ok(
            Command::new(&self.host_python)
                .current_dir(dir)
                .env_remove("PYTHONPATH")
                .args(["-B", "-c", code])
                .arg(event.to_string()),
        );
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }

    fn shim(&self, dir: &Path, event: &Value) -> Value {
        let code = "import json, sys\nimport fenv_handler\n\
                    print(json.dumps(fenv_handler.handler(json.loads(sys.argv[1]), None)))";
        self.invoke(dir, code, event)
    }
}

/// The zip's entries in archive order, with mode and DOS time.
fn entries(zip: &Path) -> Vec<(String, u32, String)> {
    let mut archive = zip::ZipArchive::new(fs_err::File::open(zip).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| {
            let file = archive.by_index(i).unwrap();
            let time = file.last_modified().unwrap_or_default();
            (
                file.name().unwrap().into_owned(),
                file.unix_mode().unwrap_or(0) & 0o7777,
                format!(
                    "{}-{:02}-{:02}T{:02}:{:02}:{:02}",
                    time.year(),
                    time.month(),
                    time.day(),
                    time.hour(),
                    time.minute(),
                    time.second()
                ),
            )
        })
        .collect()
}

fn names(zip: &Path) -> Vec<String> {
    entries(zip).into_iter().map(|(name, _, _)| name).collect()
}

fn read_entry(zip: &Path, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(fs_err::File::open(zip).unwrap()).unwrap();
    let mut text = String::new();
    archive.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}

fn sha256(path: &Path) -> String {
    crate::support::sha256_hex(&fs_err::read(path).unwrap())
}

#[test]
fn bundle_zips_each_function_with_exactly_its_closure() {
    let Some(project) = Project::locked() else { return };
    let stderr = project.bundle_ok(&[]);
    assert!(
        stderr.starts_with("Bundling 3 functions for lambda (python3.12, x86_64, glibc ≤ 2.34)\n"),
        "{stderr}"
    );
    assert!(stderr.contains("    handler: fenv_handler.handler\n"), "{stderr}");
    assert!(stderr.contains("    handler: api.native.handler\n"), "{stderr}");
    assert!(stderr.contains("    largest: shared "), "{stderr}");
    assert!(stderr.ends_with("Wrote `dist/manifest.json`\n"), "{stderr}");

    let hello = names(&project.zip("hello"));
    assert_eq!(
        hello,
        [
            "api/",
            "api/_helper.py",
            "api/hello.py",
            "fenv_handler.py",
            "fenv_runtime.py",
            "lib/",
            "lib/util.py",
            "shared-1.0.dist-info/",
            "shared-1.0.dist-info/METADATA",
            "shared-1.0.dist-info/WHEEL",
            "shared/",
            "shared/__init__.py",
        ]
    );
    let wsgi = names(&project.zip("wsgi"));
    assert_eq!(
        wsgi,
        [
            "api/",
            "api/_helper.py",
            "api/wsgi.py",
            "fenv_handler.py",
            "fenv_runtime.py",
            "only_wsgi-2.0.dist-info/",
            "only_wsgi-2.0.dist-info/METADATA",
            "only_wsgi-2.0.dist-info/WHEEL",
            "only_wsgi/",
            "only_wsgi/__init__.py",
            "shared-1.0.dist-info/",
            "shared-1.0.dist-info/METADATA",
            "shared-1.0.dist-info/WHEEL",
            "shared/",
            "shared/__init__.py",
        ]
    );
    // A native Lambda handler needs no shim.
    let native = names(&project.zip("native"));
    assert!(!native.iter().any(|n| n.starts_with("fenv_")), "{native:?}");
    assert!(native.contains(&"api/native.py".to_string()), "{native:?}");
    // The target's wheel, not the host's, and the module baked into the shim.
    assert_eq!(
        read_entry(&project.zip("hello"), "shared/__init__.py"),
        "KIND = 'manylinux'\n"
    );
    assert!(read_entry(&project.zip("hello"), "fenv_handler.py").contains("MODULE = \"api/hello.py\"\n"));

    // Every entry: 1980-01-01, 0755 folders, 0644 files.
    for (name, mode, time) in entries(&project.zip("wsgi")) {
        assert_eq!(time, "1980-01-01T00:00:00", "{name}");
        assert_eq!(mode, if name.ends_with('/') { 0o755 } else { 0o644 }, "{name}");
    }
}

#[test]
fn bundles_are_byte_identical_for_the_same_inputs() {
    let Some(project) = Project::locked() else { return };
    project.bundle_ok(&[]);
    let first = sha256(&project.zip("hello"));
    let manifest = fs_err::read_to_string(project.ctx.path("dist/manifest.json")).unwrap();
    fs_err::remove_dir_all(project.ctx.path("dist")).unwrap();
    // The sources' mtimes change; the bytes do not.
    project.ctx.write("api/hello.py", HELLO);
    project.bundle_ok(&["--target", "lambda", "--all"]);
    assert_eq!(sha256(&project.zip("hello")), first);
    assert_eq!(
        fs_err::read_to_string(project.ctx.path("dist/manifest.json")).unwrap(),
        manifest
    );

    // SOURCE_DATE_EPOCH sets the time: the same epoch, the same bytes.
    let epoch = |seconds: &str| {
        run_ok(
            project
                .fenv(&["bundle", "--function", "hello"])
                .env("SOURCE_DATE_EPOCH", seconds),
        );
        sha256(&project.zip("hello"))
    };
    let at_2024 = epoch("1709210096");
    assert_ne!(at_2024, first);
    assert_eq!(epoch("1709210096"), at_2024);
    assert_ne!(epoch("1709210100"), at_2024);
    let (_, _, time) = entries(&project.zip("hello"))[0].clone();
    assert_eq!(time, "2024-02-29T12:35:00");
}

#[test]
fn manifest_lists_every_artifact() {
    let Some(project) = Project::locked() else { return };
    project.bundle_ok(&[]);
    let manifest: Value =
        serde_json::from_str(&fs_err::read_to_string(project.ctx.path("dist/manifest.json")).unwrap())
            .unwrap();
    let lock = fs_err::read(project.ctx.path("pylock.toml")).unwrap();
    let lock_hash = format!("sha256:{}", crate::support::sha256_hex(&lock));
    assert_eq!(manifest["lock_hash"], json!(lock_hash));
    assert_eq!(manifest["fenv"], json!(env!("CARGO_PKG_VERSION")));
    let artifacts = manifest["artifacts"].as_array().unwrap();
    let summary: Vec<Value> = artifacts
        .iter()
        .map(|a| {
            json!([
                a["function"],
                a["target"],
                a["path"],
                a["handler"],
                a["packages"],
                a["over"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        [
            json!([
                "hello",
                "lambda",
                "lambda/hello.zip",
                "fenv_handler.handler",
                ["shared==1.0"],
                []
            ]),
            json!([
                "native",
                "lambda",
                "lambda/native.zip",
                "api.native.handler",
                ["shared==1.0"],
                []
            ]),
            json!([
                "wsgi",
                "lambda",
                "lambda/wsgi.zip",
                "fenv_handler.handler",
                ["only-wsgi==2.0", "shared==1.0"],
                []
            ]),
        ]
    );
    for artifact in artifacts {
        let zip = project.ctx.path("dist").join(artifact["path"].as_str().unwrap());
        assert_eq!(artifact["sha256"], json!(sha256(&zip)));
        assert_eq!(
            artifact["zipped_bytes"],
            json!(fs_err::metadata(&zip).unwrap().len())
        );
        assert!(artifact["unzipped_bytes"].as_u64().unwrap() > 0);
    }
}

/// An HTTP API (payload 2.0) event as API Gateway sends it.
fn v2_event() -> Value {
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/hello",
        "rawQueryString": "name=Ada&tag=a&tag=b",
        "cookies": ["session=abc123", "theme=dark"],
        "headers": {
            "accept": "*/*",
            "content-length": "11",
            "content-type": "text/plain",
            "host": "abcdef123.execute-api.us-east-1.amazonaws.com",
            "user-agent": "curl/8.5.0",
            "x-amzn-trace-id": "Root=1-65f0c0de-0123456789abcdef01234567",
            "x-custom": "yes",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https"
        },
        "queryStringParameters": {"name": "Ada", "tag": "a,b"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdef123",
            "domainName": "abcdef123.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "abcdef123",
            "http": {
                "method": "POST",
                "path": "/api/hello",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "curl/8.5.0"
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "12/Mar/2024:18:00:00 +0000",
            "timeEpoch": 1_710_266_400_000_u64
        },
        "body": "aGVsbG8gd29ybGQ=",
        "isBase64Encoded": true
    })
}

#[test]
fn the_shim_answers_api_gateway_v2_for_a_handler_class_and_wsgi() {
    let Some(project) = Project::locked() else { return };
    project.bundle_ok(&[]);

    let dir = project.unzip("hello");
    let mut result = project.shim(&dir, &v2_event());
    let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({
            "body": "hello world",
            "cookie": "session=abc123; theme=dark",
            "custom": "yes",
            "greeting": "hi Ada",
            "kind": "manylinux",
            "method": "POST",
            "path": "/api/hello?name=Ada&tag=a&tag=b"
        })
    );
    // BaseHTTPRequestHandler adds Server and Date, which vary.
    let headers = result["headers"].as_object_mut().unwrap();
    assert!(headers.remove("date").is_some());
    assert!(headers.remove("server").is_some());
    let length = result["body"].as_str().unwrap().len().to_string();
    result["body"] = json!("<checked>");
    assert_eq!(
        result,
        json!({
            "statusCode": 200,
            "headers": {"content-type": "application/json", "x-fn": "hello", "content-length": length},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": "<checked>",
            "isBase64Encoded": false
        })
    );

    let dir = project.unzip("wsgi");
    let mut event = v2_event();
    event["rawPath"] = json!("/api/wsgi");
    let result = project.shim(&dir, &event);
    assert_eq!(result["statusCode"], json!(200));
    assert_eq!(
        result["headers"],
        json!({"content-type": "application/json", "x-fn": "wsgi"})
    );
    assert_eq!(
        serde_json::from_str::<Value>(result["body"].as_str().unwrap()).unwrap(),
        json!({
            "body": "hello world",
            "cookie": "session=abc123; theme=dark",
            "custom": "yes",
            "method": "POST",
            "path": "/api/wsgi",
            "query": "name=Ada&tag=a&tag=b",
            "who": "only-wsgi+manylinux"
        })
    );
}

#[test]
fn the_shim_answers_rest_api_v1_and_alb_events() {
    let Some(project) = Project::locked() else { return };
    project.bundle_ok(&["--function", "wsgi"]);
    let dir = project.unzip("wsgi");

    // REST API (payload 1.0): decoded parameters, multi-value headers.
    let v1 = json!({
        "resource": "/{proxy+}",
        "path": "/api/wsgi",
        "httpMethod": "GET",
        "headers": {"Accept": "*/*", "Cookie": "session=abc123", "X-Custom": "two"},
        "multiValueHeaders": {"Accept": ["*/*"], "Cookie": ["session=abc123"], "X-Custom": ["one", "two"]},
        "queryStringParameters": {"q": "a b", "binary": "1"},
        "multiValueQueryStringParameters": {"q": ["a b"], "binary": ["1"]},
        "pathParameters": {"proxy": "api/wsgi"},
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "1234567890",
            "httpMethod": "GET",
            "path": "/prod/api/wsgi",
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "resourcePath": "/{proxy+}",
            "stage": "prod"
        },
        "body": null,
        "isBase64Encoded": false
    });
    assert_eq!(
        project.shim(&dir, &v1),
        json!({
            "statusCode": 201,
            "headers": {"Content-Type": "application/octet-stream", "X-Fn": "wsgi"},
            "multiValueHeaders": {"Content-Type": ["application/octet-stream"], "X-Fn": ["wsgi"]},
            "body": "AP9iaW4=",
            "isBase64Encoded": true
        })
    );
    let mut text = v1.clone();
    text["multiValueQueryStringParameters"] = json!({"q": ["a b"]});
    let result = project.shim(&dir, &text);
    let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["query"], json!("q=a%20b"));
    assert_eq!(body["custom"], json!("one,two"));

    // ALB, single-value headers: parameters arrive still encoded.
    let alb = json!({
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a"}},
        "httpMethod": "GET",
        "path": "/api/wsgi",
        "queryStringParameters": {"q": "a%20b"},
        "headers": {
            "accept": "*/*",
            "cookie": "session=abc123",
            "host": "lambda-alb-123578498.us-east-1.elb.amazonaws.com",
            "x-custom": "one"
        },
        "body": "",
        "isBase64Encoded": false
    });
    let result = project.shim(&dir, &alb);
    assert_eq!(result["statusCode"], json!(200));
    assert_eq!(result["statusDescription"], json!("200 OK"));
    assert_eq!(
        result["headers"],
        json!({"Content-Type": "application/json", "X-Fn": "wsgi"})
    );
    assert!(result.get("multiValueHeaders").is_none(), "{result}");
    let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["query"], json!("q=a%20b"));
    assert_eq!(body["cookie"], json!("session=abc123"));
}

#[test]
fn a_native_handler_imports_by_its_handler_string() {
    let Some(project) = Project::locked() else { return };
    project.bundle_ok(&["--function", "native"]);
    let dir = project.unzip("native");
    // What Lambda does with `api.native.handler`: import from the zip's
    // root (`api` is a namespace package) and call.
    let code = "import importlib, json, sys\n\
                handler = importlib.import_module('api.native').handler\n\
                print(json.dumps(handler(json.loads(sys.argv[1]), None)))";
    assert_eq!(
        project.invoke(&dir, code, &v2_event()),
        json!({"statusCode": 202, "body": "manylinux"})
    );
}

#[test]
fn an_over_budget_function_fails_the_command() {
    let Some(project) = Project::locked() else { return };
    let pyproject = PYPROJECT.replace(
        "exclude = [\"**/test_*.py\"]\n",
        "exclude = [\"**/test_*.py\"]\nbudget = { unzipped-mb = 0.001 }\n",
    );
    project.ctx.write("pyproject.toml", pyproject);
    run_ok(&mut project.fenv(&["lock"]));
    let stderr = run_err(&mut project.fenv(&["bundle"]), 1);
    let over: Vec<&str> = stderr.lines().filter(|l| l.starts_with("OVER")).collect();
    assert_eq!(over.len(), 1, "{stderr}");
    assert!(
        over[0].starts_with("OVER hello: ") && over[0].ends_with(" is over the budget of 1.0 kB"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            "error: 1 of 3 artifacts is over a limit or budget (written all the same, and marked in `manifest.json`)\n"
        ),
        "{stderr}"
    );
    // Written all the same, and marked.
    assert!(project.zip("hello").is_file());
    let manifest: Value =
        serde_json::from_str(&fs_err::read_to_string(project.ctx.path("dist/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["artifacts"][0]["over"], json!(["budget"]));
}

#[test]
fn a_stale_lock_is_refused() {
    let Some(project) = Project::locked() else { return };
    project.ctx.write(
        "pyproject.toml",
        PYPROJECT.replace("[\"shared\"]", "[\"shared\", \"only-wsgi\"]"),
    );
    let stderr = run_err(&mut project.fenv(&["bundle"]), 1);
    assert!(
        stderr.contains("error: `pylock.toml` does not match the project's inputs:\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: run `fenv lock` and commit the result"),
        "{stderr}"
    );
    assert!(!project.ctx.path("dist").exists());
}

#[test]
fn the_shim_drives_an_asgi_app() {
    let Some(project) = Project::locked() else { return };
    project.ctx.write(
        "api/asgi.py",
        "import json\n\n\
         async def app(scope, receive, send):\n    \
             body = (await receive())['body']\n    \
             payload = {'path': scope['path'], 'query': scope['query_string'].decode(), 'body': body.decode()}\n    \
             await send({'type': 'http.response.start', 'status': 201, 'headers': [(b'content-type', b'application/json')]})\n    \
             await send({'type': 'http.response.body', 'body': json.dumps(payload, sort_keys=True).encode()})\n",
    );
    project.bundle_ok(&["--function", "asgi"]);
    let dir = project.unzip("asgi");
    let mut event = v2_event();
    event["rawPath"] = json!("/api/asgi");
    let result = project.shim(&dir, &event);
    assert_eq!(
        result,
        json!({
            "statusCode": 201,
            "headers": {"content-type": "application/json"},
            "cookies": [],
            "body": "{\"body\": \"hello world\", \"path\": \"/api/asgi\", \"query\": \"name=Ada&tag=a&tag=b\"}",
            "isBase64Encoded": false
        })
    );
}

/// A stand-in for Vercel's runtime (the real one is driven in
/// `vercel.rs`): its `vc_handler` reports what the bootstrap set up.
const STUB_VC_INIT: &str = r#"import os, sys
import importlib.util

spec = importlib.util.spec_from_file_location(
    os.environ["__VC_HANDLER_MODULE_NAME"], os.environ["__VC_HANDLER_ENTRYPOINT_ABS"]
)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
found = getattr(module, os.environ["__VC_HANDLER_VARIABLE_NAME"])


def vc_handler(event, context):
    return {
        "env": {k: v for k, v in os.environ.items() if k.startswith("__VC_HANDLER_") and not k.endswith("_ABS")},
        "found": found.__name__,
        "vendor_first": os.path.relpath(sys.path[1]),
    }
"#;

/// `line` with every size (`1.74 MB`, `37.5 kB`) as `SIZE`.
fn sizeless(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let number = words[i].parse::<f64>().is_ok();
        let unit = words.get(i + 1).map(|w| w.trim_end_matches([',', ')']));
        if number && matches!(unit, Some("MB" | "kB")) {
            out.push(if words[i + 1].len() > 2 { "SIZE," } else { "SIZE" });
            i += 2;
        } else {
            out.push(words[i]);
            i += 1;
        }
    }
    out.join(" ")
}

/// Every file under `dir`, `/`-separated, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn a_vercel_bundle_is_a_build_output_with_each_functions_own_closure() {
    let Some(project) = Project::locked() else { return };
    let runtime = WheelBuilder::new("vercel-runtime", "0.20.0")
        .file("vercel_runtime/__init__.py", "")
        .file("vercel_runtime/vc_init.py", STUB_VC_INIT)
        .build(&project.wheels());
    project.index.publish(&runtime);
    // A target not in `targets` is an input of the lock, as for `fenv lock`.
    run_ok(&mut project.fenv(&["lock", "--target", "vercel"]));

    // A Lambda handler cannot run on Vercel: refused, nothing written.
    let stderr = run_err(&mut project.fenv(&["bundle", "--target", "vercel"]), 1);
    assert!(
        stderr.contains(
            "error: the function `native` is a Lambda handler, which Vercel's runtime cannot call\n\
             hint: export `app`, `application` or a `handler` class, or bundle it with `--target lambda`\n"
        ),
        "{stderr}"
    );
    let vercel = project.ctx.path(".vercel");
    assert_eq!(
        files_under(&vercel),
        Vec::<String>::new(),
        "nothing is left behind"
    );

    fs_err::remove_file(project.ctx.path("api/native.py")).unwrap();
    let stderr = project.bundle_ok(&["--target", "vercel"]);
    assert!(stderr.contains(" left of 235.93 MB, no budget)"), "{stderr}");
    let lines: Vec<String> = stderr
        .lines()
        .filter(|l| !l.starts_with("    largest"))
        .map(sizeless)
        .collect();
    assert_eq!(
        lines,
        [
            "Bundling 2 functions for vercel (python3.12, x86_64)",
            "  hello  .vercel/output/functions/api/hello.func  SIZE unzipped  (unzipped SIZE left of SIZE, no budget)",
            "  wsgi  .vercel/output/functions/api/wsgi.func  SIZE unzipped  (unzipped SIZE left of SIZE, no budget)",
            "Wrote `.vercel/output`",
            "Wrote `dist/manifest.json`",
        ],
        "{stderr}"
    );

    let output = project.ctx.path(".vercel/output");
    let hello = files_under(&output.join("functions/api/hello.func"));
    let runtime_files = [
        "_vendor/vercel_runtime-0.20.0.dist-info/METADATA",
        "_vendor/vercel_runtime-0.20.0.dist-info/WHEEL",
        "_vendor/vercel_runtime/__init__.py",
        "_vendor/vercel_runtime/vc_init.py",
    ];
    let mut expected: Vec<&str> = vec![
        ".vc-config.json",
        "_vendor/shared-1.0.dist-info/METADATA",
        "_vendor/shared-1.0.dist-info/WHEEL",
        "_vendor/shared/__init__.py",
        "api/_helper.py",
        "api/hello.py",
        "lib/util.py",
        "vc__handler__python.py",
    ];
    expected.extend(runtime_files);
    expected.sort_unstable();
    assert_eq!(hello, expected, "hello: its code, its closure, the runtime");
    let wsgi = files_under(&output.join("functions/api/wsgi.func"));
    assert!(
        wsgi.contains(&"_vendor/only_wsgi/__init__.py".to_string()),
        "{wsgi:?}"
    );
    assert!(
        !hello.iter().any(|f| f.contains("only_wsgi")),
        "only wsgi depends on it"
    );

    let config: Value =
        serde_json::from_str(&fs_err::read_to_string(output.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        config,
        json!({
            "version": 3,
            "routes": [
                {"handle": "filesystem"},
                {"src": "^/api(/.*)?$", "status": 404},
                {"handle": "error"},
                {"status": 404, "src": "^(?!/api).*$", "dest": "/404.html"},
                {"handle": "miss"},
                {"src": "^/api/(.+)(?:\\.(?:py))$", "dest": "/api/$1", "check": true}
            ],
            "crons": []
        })
    );
    let vc_config: Value = serde_json::from_str(
        &fs_err::read_to_string(output.join("functions/api/hello.func/.vc-config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        vc_config,
        json!({
            "handler": "vc__handler__python.vc_handler",
            "runtime": "python3.12",
            "architecture": "x86_64",
            "environment": {"PYTHONPATH": "_vendor", "PYTHONDONTWRITEBYTECODE": "1"},
            "supportsResponseStreaming": true
        })
    );

    // The bootstrap, imported as the platform imports it, hands the
    // runtime the function's module and handler, `_vendor` first.
    for (function, variable) in [("hello", "handler"), ("wsgi", "app")] {
        let code = "import json, sys\nsys.path.insert(0, '')\nimport vc__handler__python as h\n\
                    print(json.dumps(h.vc_handler({}, None)))";
        let out = run_ok(
            Command::new(&project.host_python)
                .current_dir(output.join(format!("functions/api/{function}.func")))
                .env("PYTHONPATH", "_vendor")
                .args(["-B", "-c", code]),
        );
        let answer: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
        assert_eq!(
            answer,
            json!({
                "env": {
                    "__VC_HANDLER_MODULE_NAME": format!("api.{function}"),
                    "__VC_HANDLER_ENTRYPOINT": format!("api/{function}.py"),
                    "__VC_HANDLER_VENDOR_DIR": "_vendor",
                    "__VC_HANDLER_VARIABLE_NAME": variable,
                },
                "found": variable,
                "vendor_first": "_vendor",
            })
        );
    }

    let manifest: Value =
        serde_json::from_str(&fs_err::read_to_string(project.ctx.path("dist/manifest.json")).unwrap())
            .unwrap();
    let hello = manifest["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["function"] == "hello")
        .unwrap();
    assert_eq!(hello["path"], "../.vercel/output/functions/api/hello.func");
    assert_eq!(hello["zipped_bytes"], Value::Null);
    assert_eq!(
        hello["packages"],
        json!(["shared==1.0", "vercel-runtime==0.20.0"])
    );

    // The same inputs give the same folders.
    let again = project.bundle_ok(&["--target", "vercel"]);
    assert_eq!(again, stderr);
    let manifest_again: Value =
        serde_json::from_str(&fs_err::read_to_string(project.ctx.path("dist/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest_again, manifest);
    assert_eq!(
        files_under(&vercel)
            .iter()
            .filter(|f| !f.starts_with("output/"))
            .count(),
        0
    );

    // A `.vercel/output` that is no Build Output is never replaced.
    fs_err::remove_dir_all(&output).unwrap();
    project.ctx.write(".vercel/output/notes.txt", "mine\n");
    let stderr = run_err(&mut project.fenv(&["bundle", "--target", "vercel"]), 1);
    assert!(
        stderr.contains("error: `.vercel/output` is not a Build Output folder, so fenv leaves it alone\n"),
        "{stderr}"
    );
    assert_eq!(files_under(&vercel), ["output/notes.txt"]);
}

/// `fenv_handler.handler(event)` run in `dir`: its exit code and what it
/// wrote to stderr (the shim raising, as the Lambda runtime would show).
fn shim_fails(project: &Project, dir: &Path, event: &Value) -> String {
    let code = "import json, sys\nimport fenv_handler\nfenv_handler.handler(json.loads(sys.argv[1]), None)";
    let output = run(Command::new(&project.host_python)
        .current_dir(dir)
        .env_remove("PYTHONPATH")
        .args(["-B", "-c", code])
        .arg(event.to_string()));
    assert_eq!(output.status.code(), Some(1), "the shim must raise");
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_shim_runs_functions_as_the_platforms_do() {
    let Some(project) = Project::locked() else { return };
    // A function named like a standard module shadows nothing: the
    // project root is on sys.path, not `api/`.
    project.ctx.write(
        "api/uuid.py",
        "import json\nimport uuid\n\n\
         def app(environ, start_response):\n    \
             start_response('200 OK', [('Content-Type', 'application/json')])\n    \
             return [json.dumps({'len': len(str(uuid.uuid4()))}).encode()]\n",
    );
    // A handler class deriving from the project's own base, as Vercel allows.
    project.ctx.write(
        "api/_base.py",
        "from http.server import BaseHTTPRequestHandler\n\n\
         class JSONHandler(BaseHTTPRequestHandler):\n    \
             def reply(self, text):\n        \
                 self.send_response(200)\n        \
                 self.send_header('Content-Type', 'text/plain')\n        \
                 self.end_headers()\n        \
                 self.wfile.write(text.encode())\n",
    );
    project.ctx.write(
        "api/users/[id].py",
        "from api._base import JSONHandler\n\n\
         class handler(JSONHandler):\n    \
             def do_GET(self):\n        \
                 self.reply(self.path)\n",
    );
    // A module without a handler is no function, as on Vercel.
    project.ctx.write("api/utils.py", "X = 1\n");
    let stderr = project.bundle_ok(&[]);
    assert!(
        stderr.contains("Skipped `api/utils.py`: it has no handler, so it is no function\n"),
        "{stderr}"
    );
    assert!(!project.ctx.path("dist/lambda/utils.zip").exists());

    let dir = project.unzip("uuid");
    let mut event = v2_event();
    event["rawPath"] = json!("/api/uuid");
    assert_eq!(project.shim(&dir, &event)["body"], json!("{\"len\": 36}"));

    // `[id]` reaches the function as Vercel passes it: in the query.
    let dir = project.unzip("users-id");
    event["rawPath"] = json!("/api/users/42");
    event["rawQueryString"] = json!("tab=posts");
    event["requestContext"]["http"]["method"] = json!("GET");
    assert_eq!(
        project.shim(&dir, &event)["body"],
        json!("/api/users/42?tab=posts&id=42")
    );

    // ALB without multi-value headers: both cookies arrive, under names
    // that differ only in case.
    let dir = project.unzip("hello");
    let alb = json!({
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/t/1"}},
        "httpMethod": "POST",
        "path": "/api/hello",
        "queryStringParameters": {},
        "headers": {"content-type": "text/plain"},
        "body": "hi",
        "isBase64Encoded": false
    });
    let result = project.shim(&dir, &alb);
    let headers = result["headers"].as_object().unwrap();
    let cookies: Vec<&str> = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, value)| value.as_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 2, "{result}");
    assert!(
        cookies.contains(&"a=1; Path=/") && cookies.contains(&"b=2"),
        "{result}"
    );

    // An SQS message given to an HTTP function is an error, so SQS keeps
    // it for a retry instead of deleting it unprocessed.
    let sqs = json!({"Records": [{
        "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
        "body": "Test message.",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
        "awsRegion": "us-east-2"
    }]});
    assert_eq!(
        shim_fails(&project, &dir, &sqs),
        "TypeError: fenv_handler: the event is not an HTTP request from API Gateway, a function URL or an ALB \
         (it looks like an event from aws:sqs); this function answers HTTP requests only"
    );
}

#[test]
fn files_fenv_writes_follow_the_umask() {
    let Some(project) = Project::locked() else { return };
    let under_umask = |args: &str| {
        let mut sh = project.ctx.command("sh");
        sh.args(["-c", &format!("umask 027 && exec \"$0\" {args}")])
            .arg(crate::common::fenv_binary())
            .env("FENV_INDEX_URL", project.index.url());
        run_ok(&mut sh);
    };
    fs_err::remove_file(project.ctx.path("pylock.toml")).unwrap();
    under_umask("lock");
    under_umask("bundle");
    use std::os::unix::fs::PermissionsExt;
    for file in ["pylock.toml", "dist/manifest.json", "dist/lambda/hello.zip"] {
        let mode = fs_err::metadata(project.ctx.path(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o640, "{file}: {mode:o}");
    }
}

#[test]
fn the_manifest_leaves_out_a_package_that_excludes_removed() {
    let Some(project) = Project::locked() else { return };
    project.ctx.write(
        "pyproject.toml",
        PYPROJECT.replace(
            "exclude = [\"**/test_*.py\"]",
            "exclude = [\"**/test_*.py\", \"shared/**\"]",
        ),
    );
    // The excludes are no input of the lock: it stays fresh.
    project.bundle_ok(&["--function", "hello"]);
    let names = names(&project.zip("hello"));
    assert!(!names.iter().any(|n| n.starts_with("shared/")), "{names:?}");
    let manifest: Value =
        serde_json::from_str(&fs_err::read_to_string(project.ctx.path("dist/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["artifacts"][0]["function"], json!("hello"));
    assert_eq!(manifest["artifacts"][0]["packages"], json!([]));
}

#[test]
fn a_layer_holds_what_every_function_shares_and_is_the_same_twice() {
    let Some(project) = Project::locked() else { return };
    let layered = || {
        let output = run(project
            .fenv(&["bundle", "--layer"])
            .env("SOURCE_DATE_EPOCH", "1709210096"));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        stderr
    };
    let stderr = layered();
    let lines: Vec<String> = stderr.lines().map(sizeless).collect();
    assert_eq!(
        lines[..3],
        [
            "Bundling 3 functions for lambda (python3.12, x86_64, glibc ≤ 2.34)",
            "  layer  dist/lambda-layer.zip  SIZE unzipped / SIZE zipped  (shared==1.0)",
            "  hello  dist/lambda/hello.zip  SIZE unzipped + SIZE in the layer / SIZE zipped  (unzipped SIZE left of SIZE, zipped SIZE left of SIZE, no budget)",
        ],
        "{stderr}"
    );
    let layer = project.ctx.path("dist/lambda-layer.zip");
    assert_eq!(
        names(&layer),
        [
            "python/",
            "python/shared-1.0.dist-info/",
            "python/shared-1.0.dist-info/METADATA",
            "python/shared-1.0.dist-info/WHEEL",
            "python/shared/",
            "python/shared/__init__.py",
        ]
    );
    let hello = names(&project.zip("hello"));
    assert!(
        !hello.iter().any(|n| n.starts_with("shared")),
        "in the layer: {hello:?}"
    );
    let wsgi = names(&project.zip("wsgi"));
    assert!(
        wsgi.contains(&"only_wsgi/__init__.py".to_string()),
        "only wsgi's: {wsgi:?}"
    );

    let manifest: Value =
        serde_json::from_str(&fs_err::read_to_string(project.ctx.path("dist/manifest.json")).unwrap())
            .unwrap();
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0]["path"], "lambda-layer.zip");
    assert_eq!(layers[0]["sha256"], json!(sha256(&layer)));
    assert_eq!(layers[0]["packages"], json!(["shared==1.0"]));
    let artifact = |name: &str| {
        manifest["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["function"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(artifact("hello")["layer"], "lambda-layer.zip");
    assert_eq!(artifact("hello")["packages"], json!([]));
    assert_eq!(artifact("wsgi")["packages"], json!(["only-wsgi==2.0"]));

    // As Lambda runs it: the layer unpacked in /opt, its `python/` on
    // `sys.path` after the function's own folder.
    let opt = project.ctx.root().join("opt");
    run_ok(
        Command::new(&project.host_python)
            .args([
                "-I",
                "-c",
                "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
            ])
            .arg(&layer)
            .arg(&opt),
    );
    let task = project.unzip("hello");
    let code = "import json, sys\nsys.path.append(sys.argv[2])\nimport fenv_handler\n\
                print(json.dumps(fenv_handler.handler(json.loads(sys.argv[1]), None)))";
    let out = run_ok(
        Command::new(&project.host_python)
            .current_dir(&task)
            .env_remove("PYTHONPATH")
            .args(["-B", "-c", code])
            .arg(v2_event().to_string())
            .arg(opt.join("python")),
    );
    let result: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(result["statusCode"], json!(200), "{result}");
    let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["kind"], "manylinux", "from the layer");

    // The same inputs, the same bytes.
    let before: Vec<String> = [layer.clone(), project.zip("hello"), project.zip("wsgi")]
        .iter()
        .map(|p| sha256(p))
        .collect();
    assert_eq!(layered(), stderr);
    let after: Vec<String> = [layer, project.zip("hello"), project.zip("wsgi")]
        .iter()
        .map(|p| sha256(p))
        .collect();
    assert_eq!(after, before);

    // Vercel has no layers.
    run_ok(&mut project.fenv(&["lock", "--target", "vercel"]));
    let stderr = run_err(&mut project.fenv(&["bundle", "--target", "vercel", "--layer"]), 1);
    assert!(
        stderr.ends_with("error: layers are a Lambda feature; Vercel has none\nhint: drop `--layer`, or pass `--target lambda`\n"),
        "{stderr}"
    );
}

/// Each Lambda zip run by AWS's own runtime client, `awslambdaric`
/// (from the public index), against a local Runtime API: the handler
/// strings `fenv bundle` prints import from the unzipped bundle, and a
/// warm container answers one event after another.
#[test]
fn live_awslambdaric_runs_each_zip_by_its_handler_string() {
    if !crate::common::live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to run AWS's runtime client");
        return;
    }
    let Some(project) = Project::locked() else { return };
    let Some(ric) = crate::common::require(
        "awslambdaric (public index)",
        crate::support::tools::awslambdaric(&project.host_python),
    ) else {
        return;
    };
    project.bundle_ok(&[]);
    let manifest: Value =
        serde_json::from_str(&fs_err::read_to_string(project.ctx.path("dist/manifest.json")).unwrap())
            .unwrap();
    let handler = |name: &str| -> String {
        manifest["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["function"] == name)
            .unwrap()["handler"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let sqs = json!({"Records": [{"eventSource": "aws:sqs", "body": "x"}]});
    for (function, events) in [
        ("hello", vec![v2_event(), v2_event(), sqs.clone()]),
        ("native", vec![json!({"any": "event"})]),
    ] {
        let api = crate::support::runtime_api::RuntimeApi::start(events.clone());
        let dir = project.unzip(function);
        let mut child = Command::new(&ric)
            .current_dir(&dir)
            .env_remove("PYTHONPATH")
            .env("AWS_LAMBDA_RUNTIME_API", api.address())
            .env("LAMBDA_TASK_ROOT", &dir)
            .env("AWS_LAMBDA_FUNCTION_NAME", function)
            .args(["-m", "awslambdaric", &handler(function)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let posted = api.posted(events.len());
        let _ = child.kill();
        let output = child.wait_with_output().unwrap();
        let log = String::from_utf8_lossy(&output.stderr);
        assert_eq!(posted.len(), events.len(), "{function}: {posted:?}\n{log}");
        use crate::support::runtime_api::Posted;
        match function {
            "hello" => {
                for answer in &posted[..2] {
                    let Posted::Response(result) = answer else {
                        panic!("{answer:?}\n{log}")
                    };
                    assert_eq!(result["statusCode"], json!(200), "{result}");
                    let body: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
                    assert_eq!(body["kind"], "manylinux");
                    assert_eq!(body["path"], "/api/hello?name=Ada&tag=a&tag=b");
                }
                // Not an HTTP request: an error, so a queue retries it.
                let Posted::Error(error) = &posted[2] else {
                    panic!("{:?}", posted[2])
                };
                assert_eq!(error["errorType"], "TypeError", "{error}");
                assert!(
                    error["errorMessage"]
                        .as_str()
                        .unwrap()
                        .contains("it looks like an event from aws:sqs"),
                    "{error}"
                );
            }
            _ => assert_eq!(
                posted,
                [Posted::Response(json!({"statusCode": 202, "body": "manylinux"}))]
            ),
        }
    }
}
