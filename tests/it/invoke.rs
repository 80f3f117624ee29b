//! `fenv invoke`: the real binary calling a project's functions once in
//! its env's CPython 3.12, with each built-in event, a file and standard
//! input; the samples compared with what AWS SAM CLI's `sam local
//! generate-event` makes (`FENV_LIVE_TESTS=1`: SAM CLI from the public
//! index).

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common::project::Project;
use crate::common::{live_tests, require, run, run_err, run_ok};
use crate::support::tools;

/// Every built-in event: its name and what `sam local generate-event`
/// calls it (`None` where SAM makes none).
const SAMPLES: &[(&str, Option<&str>)] = &[
    ("apigw-v2", Some("apigateway http-api-proxy")),
    ("apigw-v1", Some("apigateway aws-proxy")),
    ("alb", Some("alb request")),
    ("function-url", None),
    ("s3-put", Some("s3 put")),
    ("sqs", Some("sqs receive-message")),
    ("sns", Some("sns notification")),
    ("eventbridge", None),
    ("schedule", Some("cloudwatch scheduled-event")),
];

/// Returns the event it got, after a line of log.
const ECHO: &str = "def handler(event, context):\n    print('log line from', context.function_name)\n    if event.get('boom'):\n        raise ValueError('boom')\n    return event\n";

const HELLO: &str = "from http.server import BaseHTTPRequestHandler\n\n\
class handler(BaseHTTPRequestHandler):\n    def do_POST(self):\n        length = int(self.headers.get('content-length') or 0)\n        body = self.rfile.read(length)\n        self.send_response(200)\n        self.send_header('Content-Type', 'text/plain')\n        self.end_headers()\n        self.wfile.write(b'got ' + body)\n\n    do_GET = do_POST\n";

fn project() -> Option<Project> {
    let project = Project::new()?;
    project.write_pyproject(
        &[],
        "requires-python = \">=3.12\"\n\n[tool.fenv]\ntargets = [\"lambda\"]\n",
    );
    project.ctx.write("api/echo.py", ECHO);
    project.ctx.write("api/hello.py", HELLO);
    run_ok(&mut project.fenv(&["lock"]));
    project.sync_ok(&[]);
    Some(project)
}

/// `fenv invoke ARGS`: exit code, stdout, stderr.
fn invoke(project: &Project, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = project.fenv(&["invoke"]);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or_default().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `line` with the timings as `N ms`.
fn timeless(text: &str) -> String {
    let mut out = Vec::new();
    for word in text.split(' ') {
        let number = word.parse::<f64>().is_ok();
        out.push(if number { "N" } else { word });
    }
    out.join(" ")
}

/// The built-in event as `fenv invoke` hands it to a handler.
fn received(project: &Project, name: &str) -> Value {
    let (code, stdout, stderr) = invoke(project, &["echo", "--event", name], None);
    assert_eq!(code, 0, "{name}: {stderr}");
    assert_eq!(
        timeless(&stderr),
        format!("log line from echo\nInvoked `echo` with `{name}` (cold start N ms, call N ms)\n"),
        "{name}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{name}: {e}: {stdout}"))
}

#[test]
fn every_sample_reaches_a_native_handler_and_only_http_ones_an_http_handler() {
    let Some(project) = project() else { return };
    for (name, _) in SAMPLES {
        let event = received(&project, name);
        let http = event.get("httpMethod").is_some() || event.get("routeKey").is_some();
        let (code, stdout, stderr) = invoke(&project, &["hello", "--event", name], None);
        if http {
            assert_eq!(code, 0, "{name}: {stderr}");
            let result: Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(result["statusCode"], json!(200), "{name}: {result}");
            // Each sample's body is `{"test":"body"}`, base64-encoded.
            assert_eq!(result["body"], json!("got {\"test\":\"body\"}"), "{name}");
        } else {
            assert_eq!(
                code, 1,
                "{name}: an HTTP handler refuses it, so the event is retried"
            );
            assert_eq!(stdout, "");
            assert!(
                stderr.contains("TypeError: fenv_handler: the event is not an HTTP request"),
                "{name}: {stderr}"
            );
            assert!(
                timeless(&stderr).ends_with(&format!(
                    "error: `hello` raised with `{name}` (cold start N ms, call N ms)\n"
                )),
                "{stderr}"
            );
        }
    }
}

#[test]
fn events_come_from_files_and_stdin_and_a_raise_exits_1() {
    let Some(project) = project() else { return };
    project.ctx.write("event.json", "{\"orderId\": 7}");
    let (code, stdout, _) = invoke(&project, &["echo", "--event", "event.json"], None);
    assert_eq!((code, stdout.as_str()), (0, "{\n  \"orderId\": 7\n}\n"));

    let (code, stdout, stderr) = invoke(&project, &["echo", "--event", "-"], Some("{\"boom\": true}"));
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.contains("ValueError: boom\n"), "{stderr}");
    assert!(
        timeless(&stderr)
            .ends_with("error: `echo` raised with standard input (cold start N ms, call N ms)\n"),
        "{stderr}"
    );

    project.ctx.write("broken.json", "{\"orderId\": ");
    let stderr = run_err(
        &mut project.fenv(&["invoke", "echo", "--event", "broken.json"]),
        1,
    );
    assert_eq!(
        stderr,
        "error: the event in `broken.json` is not JSON: EOF while parsing a value at line 1 column 12\n\
         hint: an event is one JSON value, as Lambda receives it\n"
    );
    let stderr = run_err(&mut project.fenv(&["invoke", "echo", "--event", "kinesis"]), 1);
    assert_eq!(
        stderr,
        "error: `kinesis` is neither a file nor a built-in event\n\
         hint: the built-in events are apigw-v2, apigw-v1, alb, function-url, s3-put, sqs, sns, eventbridge, schedule; or pass a JSON file, or `-` for standard input\n"
    );

    // A module that fails to import fails the cold start.
    project.ctx.write(
        "api/broken.py",
        "import not_installed\n\ndef handler(event, context):\n    return 1\n",
    );
    let (code, _, stderr) = invoke(&project, &["broken"], None);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("ModuleNotFoundError: No module named 'not_installed'"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("error: `broken` raised with `apigw-v2`\n"),
        "{stderr}"
    );
}

#[test]
fn live_samples_are_what_sam_local_generate_event_makes() {
    if !live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to compare with AWS SAM CLI");
        return;
    }
    let Some(project) = project() else { return };
    let Some(sam) = require("AWS SAM CLI (public index)", tools::sam(&project.host_python)) else {
        return;
    };
    let generate = |command: &str| -> Value {
        let output = run(Command::new(&sam)
            .args(["local", "generate-event"])
            .args(command.split(' '))
            .env("SAM_CLI_TELEMETRY", "0")
            .env("HOME", project.ctx.home()));
        assert!(output.status.success(), "sam local generate-event {command}");
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let keys = |value: &Value| -> Vec<String> { value.as_object().unwrap().keys().cloned().collect() };
    for (name, command) in SAMPLES {
        let ours = received(&project, name);
        match command {
            Some(command) => assert_eq!(
                ours,
                generate(command),
                "{name} is `sam local generate-event {command}`"
            ),
            None if *name == "function-url" => {
                // A function URL sends API Gateway v2's payload.
                let v2 = generate("apigateway http-api-proxy");
                let mut expected = keys(&v2);
                expected.retain(|k| k != "pathParameters" && k != "stageVariables");
                assert_eq!(keys(&ours), expected, "{name}");
                assert_eq!(
                    ours["requestContext"]["http"]
                        .as_object()
                        .map(serde_json::Map::len),
                    Some(5)
                );
            }
            None => {
                // EventBridge's envelope, as its scheduled events have it.
                let mut expected = keys(&generate("cloudwatch scheduled-event"));
                expected.push("version".into());
                expected.sort();
                let mut found = keys(&ours);
                found.sort();
                assert_eq!(found, expected, "{name}");
            }
        }
    }
}
