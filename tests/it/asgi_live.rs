//! A real FastAPI app (from the public index, `FENV_LIVE_TESTS=1`) with a
//! lifespan and a module-level `httpx.AsyncClient`, answering three
//! requests in a row under `fenv serve`, under the Lambda shim in one
//! warm container, and under Vercel's runtime in its prebuilt function:
//! one event loop a process, the lifespan run before the first request.

use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::{Value, json};

use crate::common::{TestContext, live_tests, pyenv_python, require, run_ok, with_retries};
use crate::serve::Server;
use crate::support::index::TestIndex;

const APP: &str = r#"import os
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request

# Made at import, used by every request: it must outlive the first one.
client = httpx.AsyncClient()


# Set on the app, not yielded: Vercel's runtime gives the lifespan no
# `state` dict.
@asynccontextmanager
async def lifespan(app):
    app.state.started = "yes"
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/api")
async def root(request: Request):
    upstream = await client.get(os.environ["UPSTREAM"])
    return {"state": request.app.state.started, "upstream": upstream.status_code}
"#;

/// Three calls of the shim's handler in one process: a warm container.
const WARM: &str = "import json, sys\nimport fenv_handler\n\
event = json.loads(sys.argv[1])\n\
print(json.dumps([fenv_handler.handler(event, None) for _ in range(3)]))";

#[test]
fn live_fastapi_keeps_its_loop_and_lifespan_across_requests() {
    if !live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to test against the public index");
        return;
    }
    let Some(python) = require("pyenv CPython 3.12", pyenv_python("3.12")) else {
        return;
    };
    // Any local HTTP server will do as the upstream the client calls.
    let upstream = TestIndex::start();
    let ctx = TestContext::new();
    ctx.write(".python-version", "3.12\n");
    ctx.write(
        "pyproject.toml",
        "[project]\nname = \"live-asgi\"\nversion = \"0\"\nrequires-python = \">=3.12\"\n\
         dependencies = [\"fastapi\", \"httpx\"]\n\n[tool.fenv]\ntargets = [\"lambda\", \"vercel\"]\n",
    );
    ctx.write("api/index.py", APP);
    ctx.write(".env", format!("UPSTREAM={}\n", upstream.url()));
    with_retries("fenv lock", || {
        let mut cmd = ctx.fenv();
        cmd.arg("lock");
        cmd
    });
    with_retries("fenv sync", || {
        let mut cmd = ctx.fenv();
        cmd.args(["sync", "--frozen", "-q"]);
        cmd
    });
    let status =
        |body: &str| -> Value { serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}")) };
    let upstream_status = {
        let mut cmd = ctx.fenv();
        cmd.args(["serve", "--port", "0"]).stderr(Stdio::piped());
        let server = Server::start_with(cmd);
        let answers: Vec<(u16, Value)> = (0..3)
            .map(|_| {
                let response = server.get("/api");
                (response.status, status(&response.body))
            })
            .collect();
        let first = answers[0].1["upstream"].clone();
        assert_eq!(
            answers,
            vec![(200, json!({"state": "yes", "upstream": first})); 3],
            "fenv serve"
        );
        first
    };

    // The same app bundled for Lambda, called three times in one process.
    run_ok(ctx.fenv().args(["bundle", "--function", "index"]));
    let dir = ctx.root().join("unzipped");
    let archive = fs_err::File::open(ctx.path("dist/lambda/index.zip")).unwrap();
    zip::ZipArchive::new(archive).unwrap().extract(&dir).unwrap();
    let event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api",
        "rawQueryString": "",
        "headers": {"host": "example.lambda-url.us-east-1.on.aws"},
        "requestContext": {"http": {"method": "GET", "path": "/api", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7"}},
        "isBase64Encoded": false
    });
    let out = run_ok(
        Command::new(&python)
            .current_dir(&dir)
            .env_remove("PYTHONPATH")
            .env("UPSTREAM", upstream.url())
            .args(["-B", "-c", WARM])
            .arg(event.to_string()),
    );
    let results: Vec<Value> = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    for result in &results {
        assert_eq!(result["statusCode"], json!(200), "{result}");
        assert_eq!(
            status(result["body"].as_str().unwrap()),
            json!({"state": "yes", "upstream": upstream_status}),
            "the Lambda shim"
        );
    }
    assert_eq!(results.len(), 3);

    // And prebuilt for Vercel, three requests to one warm process of
    // Vercel's own runtime (`vercel-runtime` from the public index).
    with_retries("fenv bundle --target vercel", || {
        let mut cmd = ctx.fenv();
        cmd.args(["bundle", "--target", "vercel", "-q"]);
        cmd
    });
    let request = json!({"method": "GET", "path": "/api", "headers": {"host": "example.vercel.app"}});
    let driver = "import json, sys\nsys.path.insert(0, '')\nimport vc__handler__python as h\n\
                  print(json.dumps([h.vc_handler({'body': sys.argv[1]}, None) for _ in range(3)]))";
    let out = run_ok(
        Command::new(&python)
            .current_dir(ctx.path(".vercel/output/functions/api/index.func"))
            .env("PYTHONPATH", "_vendor")
            .env("UPSTREAM", upstream.url())
            .args(["-B", "-c", driver])
            .arg(request.to_string()),
    );
    let results: Vec<Value> = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(results.len(), 3);
    for result in &results {
        assert_eq!(result["statusCode"], json!(200), "{result}");
        let body = result["body"].as_str().unwrap();
        let body = if result["encoding"] == "base64" {
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(body).unwrap()).unwrap()
        } else {
            body.to_string()
        };
        assert_eq!(
            status(&body),
            json!({"state": "yes", "upstream": upstream_status}),
            "Vercel's runtime"
        );
    }
}
