//! `fenv serve`: the project's functions on a local HTTP server.
//!
//! The environment must exist already (`fenv sync` makes it): serving
//! never resolves, installs or touches the network, so it starts at once
//! and runs exactly what is installed.

use std::path::Path;

use anyhow::{Context, Result};

use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::printer::Printer;
use crate::project::env::locate;
use crate::serve::{self, Error, dotenv, worker};

pub fn serve(host: &str, port: u16, env: Option<&Path>, printer: &Printer) -> Result<ExitStatus> {
    let located = locate(std::env::current_dir()?, None, printer)?;
    let env = located.env_dir(env);
    let manifest = located
        .manifest
        .context("`fenv serve` needs a project (a `pyproject.toml` or `fenv.toml`)")?;
    let functions = crate::functions::served(
        crate::functions::discover(&manifest).context("failed to find the functions")?,
    );

    if !env.join("pyvenv.cfg").is_file() {
        return Err(Error::MissingEnvironment { path: env }.into());
    }

    let dotenv::Loaded { vars, files } = dotenv::load(&manifest.root, &manifest.settings.env_files)?;
    let mut describe = format!("env {}", user_display(&env));
    for file in &files {
        describe.push_str(&format!(", {} loaded", user_display(file)));
    }

    let options = serve::Options {
        host: host.to_string(),
        port,
        workers: worker::Options {
            env,
            root: manifest.root.clone(),
            watch: crate::functions::functions_dir(&manifest),
            vars,
        },
        describe,
    };
    serve::serve(options, functions, printer)?;
    Ok(ExitStatus::Success)
}
