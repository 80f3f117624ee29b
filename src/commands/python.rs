//! `fenv python list` and `fenv python find`.

use anyhow::{Context, Result};
use serde::Serialize;

use crate::cli::settings::GlobalSettings;
use crate::commands::open_cache;
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::project::interpreter::select_python;
use crate::python::{Discovery, Source};

#[derive(Serialize)]
struct Row {
    implementation: String,
    version: String,
    path: String,
    source: Source,
    default: bool,
    /// Whether fenv can create environments with it (3.7+).
    supported: bool,
}

pub fn list(json: bool, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let cache = open_cache(global, printer);
    let discovery = Discovery::from_env(&cache, printer);
    let default = select_python(None, &std::env::current_dir()?, &discovery)
        .ok()
        .map(|(found, _)| found.path);
    let mut rows = Vec::new();
    for result in discovery.list() {
        match result {
            Ok(found) => rows.push(Row {
                implementation: found.info.implementation.clone(),
                version: found.info.version_string(),
                path: found.path.display().to_string(),
                source: found.source,
                default: default.as_ref() == Some(&found.path),
                supported: true,
            }),
            Err(crate::python::Error::TooOld { path, version }) => rows.push(Row {
                implementation: "cpython".into(),
                version,
                path: path.display().to_string(),
                source: Source::Pyenv,
                default: false,
                supported: false,
            }),
            Err(err) => printer.verbose(format!("skipping: {err}")),
        }
    }
    if json {
        printer.data(serde_json::to_string_pretty(&rows)?);
        return Ok(ExitStatus::Success);
    }
    let width = rows.iter().map(|r| r.path.len()).max().unwrap_or(0);
    for row in &rows {
        let marker = if row.default { "*" } else { " " };
        let note = if row.supported { "" } else { ", too old for fenv" };
        printer.data(format!(
            "{marker} {:<8} {:<8} {:<width$}  ({}{note})",
            row.implementation,
            row.version,
            row.path,
            row.source.describe()
        ));
    }
    Ok(ExitStatus::Success)
}

pub fn find(request: Option<&str>, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let cache = open_cache(global, printer);
    let discovery = Discovery::from_env(&cache, printer);
    let (found, _) = select_python(request, &std::env::current_dir()?, &discovery)
        .context("failed to find a Python interpreter")?;
    printer.data(found.path.display().to_string());
    Ok(ExitStatus::Success)
}
