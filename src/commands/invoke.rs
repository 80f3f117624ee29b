//! `fenv invoke`: one function, one event, in the environment's Python,
//! as a fresh Lambda container would run it. The result goes to stdout as
//! JSON, the handler's logs and the timings to stderr; exit 1 when the
//! handler (or its module) raises.

use std::path::Path;

use anyhow::{Context, Result};

use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::invoke;
use crate::printer::Printer;
use crate::project::env::locate;
use crate::serve::{Error as ServeError, dotenv};

pub fn invoke(
    function: &str,
    event: Option<&str>,
    env: Option<&Path>,
    printer: &Printer,
) -> Result<ExitStatus> {
    let located = locate(std::env::current_dir()?, None, printer)?;
    let env = located.env_dir(env);
    let manifest = located
        .manifest
        .context("`fenv invoke` needs a project (a `pyproject.toml` or `fenv.toml`)")?;
    let all = crate::functions::discover(&manifest).context("failed to find the functions")?;
    let function = crate::functions::find(&all, function)?;
    if !env.join("pyvenv.cfg").is_file() {
        return Err(ServeError::MissingEnvironment { path: env }.into());
    }
    let dotenv::Loaded { vars, .. } = dotenv::load(&manifest.root, &manifest.settings.env_files)?;

    let scratch = tempfile::Builder::new()
        .prefix("fenv-invoke-")
        .tempdir()
        .context("failed to create a temporary folder")?;
    let spec = event.unwrap_or(invoke::DEFAULT_EVENT);
    let event = invoke::event(spec, scratch.path())?;
    let python = env.join("bin").join("python");
    let outcome = invoke::invoke(&python, &manifest.root, function, &event, &vars, scratch.path())?;

    for line in outcome.log.lines() {
        printer.info(line);
    }
    let ms = |d: std::time::Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let timing = match (outcome.cold, outcome.call) {
        (Some(cold), Some(call)) => format!(" (cold start {}, call {})", ms(cold), ms(call)),
        (Some(cold), None) => format!(" (cold start {})", ms(cold)),
        _ => String::new(),
    };
    let shown = if spec == "-" {
        "standard input".to_string()
    } else {
        format!("`{}`", user_display(Path::new(spec)))
    };
    if outcome.ok {
        printer.data(outcome.result.trim_end());
        printer.info(format!("Invoked `{}` with {shown}{timing}", function.name));
        Ok(ExitStatus::Success)
    } else {
        printer.error(format!("`{}` raised with {shown}{timing}", function.name));
        Ok(ExitStatus::Failure)
    }
}
