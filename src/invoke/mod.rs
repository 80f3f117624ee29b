//! `fenv invoke`: one function called once with one event, in the
//! environment's Python, as Lambda's runtime calls it in a fresh
//! container — `sam local invoke` without Docker. A Vercel-style handler
//! goes through the Lambda shim `fenv bundle` puts in its zip, so the
//! event is turned into a request exactly as deployed.
//!
//! The built-in events are those `sam local generate-event` prints with
//! its defaults (the tests compare them), plus a Function URL and a
//! custom EventBridge event, which it does not generate.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::error::Hint;
use crate::fs::user_display;
use crate::functions::{Form, Function};

/// The driver that loads and calls the handler.
const DRIVER_PY: &str = include_str!("driver.py");

/// The built-in events: name, where `sam local generate-event` makes it
/// (empty where it makes none), and the JSON.
pub const SAMPLES: &[(&str, &str, &str)] = &[
    (
        "apigw-v2",
        "apigateway http-api-proxy",
        include_str!("events/apigw-v2.json"),
    ),
    (
        "apigw-v1",
        "apigateway aws-proxy",
        include_str!("events/apigw-v1.json"),
    ),
    ("alb", "alb request", include_str!("events/alb.json")),
    ("function-url", "", include_str!("events/function-url.json")),
    ("s3-put", "s3 put", include_str!("events/s3-put.json")),
    ("sqs", "sqs receive-message", include_str!("events/sqs.json")),
    ("sns", "sns notification", include_str!("events/sns.json")),
    ("eventbridge", "", include_str!("events/eventbridge.json")),
    (
        "schedule",
        "cloudwatch scheduled-event",
        include_str!("events/schedule.json"),
    ),
];

/// The sample used when no event is given.
pub const DEFAULT_EVENT: &str = "apigw-v2";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{name}` is neither a file nor a built-in event")]
    UnknownEvent { name: String },

    #[error("the event in `{}` is not JSON: {reason}", user_display(path))]
    NotJson { path: PathBuf, reason: String },

    #[error("the function `{function}` has no handler fenv recognises")]
    NoHandler { function: String },

    #[error(transparent)]
    Io(#[from] crate::fs::PathError),
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::UnknownEvent { .. } => Some(format!(
                "the built-in events are {}; or pass a JSON file, or `-` for standard input",
                SAMPLES
                    .iter()
                    .map(|(name, ..)| *name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Self::NotJson { .. } => Some("an event is one JSON value, as Lambda receives it".into()),
            Self::NoHandler { .. } => Some(
                "define a `handler` class, an `app`, an `application`, or `def handler(event, context)`"
                    .into(),
            ),
            Self::Io(_) => None,
        }
    }
}

/// Where the event comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Standard input, passed through to the handler's process.
    Stdin,
    /// A file, or a built-in sample written to one.
    File(PathBuf),
}

/// The event `spec` names: `-`, an existing file, or a built-in sample
/// (written into `scratch`). A file is checked to be JSON here, so a
/// typo is named before Python starts.
pub fn event(spec: &str, scratch: &Path) -> Result<Event, Error> {
    if spec == "-" {
        return Ok(Event::Stdin);
    }
    let path = Path::new(spec);
    if path.is_file() {
        let text = crate::fs::read_to_string_within(path, crate::limits::EVENT)
            .map_err(crate::fs::PathError::with("read", path))?;
        serde_json::from_str::<serde_json::Value>(&text).map_err(|err| Error::NotJson {
            path: path.to_path_buf(),
            reason: err.to_string(),
        })?;
        return Ok(Event::File(path.to_path_buf()));
    }
    let (_, _, json) =
        SAMPLES
            .iter()
            .find(|(name, ..)| *name == spec)
            .ok_or_else(|| Error::UnknownEvent {
                name: spec.to_string(),
            })?;
    let file = scratch.join(format!("{spec}.json"));
    fs_err::write(&file, json).map_err(crate::fs::PathError::with("write", &file))?;
    Ok(Event::File(file))
}

/// What one invocation gave.
#[derive(Debug)]
pub struct Outcome {
    /// The handler returned: its result as JSON. `false` when it raised
    /// (or its module did); the traceback went to stderr.
    pub ok: bool,
    /// The result, pretty JSON, when `ok`.
    pub result: String,
    /// What the handler and Python wrote to stderr (its logs, a
    /// traceback), fenv's own report lines taken out.
    pub log: String,
    /// Loading the module (the cold start), when it loaded.
    pub cold: Option<Duration>,
    /// The call itself, when it was made.
    pub call: Option<Duration>,
}

/// Calls `function` once with `event`: `python` in `root`, with `vars`
/// set, the runtime and (for a Vercel-style handler) the shim written
/// into `scratch`. What the handler prints is kept for the caller to show,
/// as Lambda keeps it for its logs.
pub fn invoke(
    python: &Path,
    root: &Path,
    function: &Function,
    event: &Event,
    vars: &[(String, String)],
    scratch: &Path,
) -> Result<Outcome, Error> {
    let form = match &function.form {
        Some(Form::Lambda { function }) => function.clone(),
        Some(_) => "shim".to_string(),
        None => {
            return Err(Error::NoHandler {
                function: function.name.clone(),
            });
        }
    };
    let module = function.module.to_string_lossy().into_owned();
    let write = |name: &str, text: &str| {
        let path = scratch.join(name);
        fs_err::write(&path, text).map_err(crate::fs::PathError::with("write", &path))
    };
    write("fenv_runtime.py", crate::functions::RUNTIME_PY)?;
    write(
        "fenv_handler.py",
        &crate::bundle::shim(&module, &function.route.to_string()),
    )?;
    write("fenv_invoke.py", DRIVER_PY)?;
    let mut command = Command::new(python);
    command
        .arg("-B")
        .arg(scratch.join("fenv_invoke.py"))
        .arg(root)
        .arg(scratch)
        .arg(&module)
        .arg(&form)
        .arg(match event {
            Event::Stdin => Path::new("-"),
            Event::File(path) => path,
        })
        .current_dir(root)
        .env("AWS_LAMBDA_FUNCTION_NAME", &function.name)
        .envs(vars.iter().map(|(k, v)| (k, v)))
        .stdin(if *event == Event::Stdin {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command
        .spawn()
        .map_err(crate::fs::PathError::with("run", python))?;
    let output = child
        .wait_with_output()
        .map_err(crate::fs::PathError::with("run", python))?;
    let mut cold = None;
    let mut call = None;
    let mut log = String::new();
    for line in String::from_utf8_lossy(&output.stderr).lines() {
        match line.strip_prefix("fenv-invoke ") {
            Some(report) => {
                let value: serde_json::Value = serde_json::from_str(report).unwrap_or_default();
                let ms = |key: &str| value[key].as_f64().map(|ms| Duration::from_secs_f64(ms / 1000.0));
                cold = ms("cold_ms");
                call = ms("ms").filter(|_| cold.is_some());
            }
            None => {
                log.push_str(line);
                log.push('\n');
            }
        }
    }
    Ok(Outcome {
        ok: output.status.success(),
        result: String::from_utf8_lossy(&output.stdout).into_owned(),
        log,
        cold,
        call,
    })
}
