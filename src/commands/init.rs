//! `fenv init`: a working function project in a folder, never writing
//! over a file that is already there.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::cli::settings::GlobalSettings;
use crate::commands::open_cache;
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::printer::Printer;
use crate::project::manifest::targets::{LAMBDA_PYTHONS, VERCEL_PYTHONS};
use crate::project::scaffold::{self, GITIGNORE_ENTRIES, InitTarget};
use crate::python::{Discovery, PythonRequest};

pub fn init(
    dir: Option<&Path>,
    target: InitTarget,
    global: &GlobalSettings,
    printer: &Printer,
) -> Result<ExitStatus> {
    let dir = crate::fs::absolute(dir.unwrap_or(Path::new(".")))?;
    fs_err::create_dir_all(&dir).with_context(|| format!("failed to create `{}`", user_display(&dir)))?;
    let name = dir
        .file_name()
        .map_or_else(|| "functions".to_string(), |n| n.to_string_lossy().into_owned());
    let minor = python_minor(target, global, printer);

    let mut created = Vec::new();
    let mut skipped = Vec::new();
    for file in scaffold::files(&name, target, minor) {
        let path = dir.join(file.path);
        if path.exists() {
            skipped.push(file.path.to_string());
            continue;
        }
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        write_new(&path, &file.contents)?;
        created.push(file.path.to_string());
    }
    match add_to_gitignore(&dir.join(".gitignore"))? {
        Some(added) if !added.is_empty() => created.push(format!(".gitignore entries: {}", added.join(" "))),
        _ => {}
    }

    for path in &created {
        printer.info(format!("Created {path}"));
    }
    for path in &skipped {
        printer.info(format!("Skipped {path} (it exists)"));
    }
    let cd = if dir == std::env::current_dir()? {
        String::new()
    } else {
        format!("cd {} && ", crate::venv::activate::quote::sh(&user_display(&dir)))
    };
    printer.info(format!("Next: {cd}fenv lock && fenv sync && fenv serve"));
    Ok(ExitStatus::Success)
}

/// The Python minor for the project: 3.12 (both platforms' default) when
/// it is installed, else the newest installed one the platform offers,
/// else 3.12 with a warning.
fn python_minor(target: InitTarget, global: &GlobalSettings, printer: &Printer) -> u32 {
    let offered = match target {
        InitTarget::Vercel => VERCEL_PYTHONS,
        InitTarget::Lambda => LAMBDA_PYTHONS,
    };
    let cache = open_cache(global, printer);
    let discovery = Discovery::from_env(&cache, printer);
    let installed = |minor: u32| {
        PythonRequest::parse(&format!("3.{minor}"))
            .ok()
            .is_some_and(|request| discovery.find(&request).is_ok())
    };
    let preferred = std::iter::once(12).chain(offered.clone().rev().filter(|m| *m != 12));
    for minor in preferred {
        if offered.contains(&minor) && installed(minor) {
            return minor;
        }
    }
    printer.warn(format!(
        "no Python 3.{} to 3.{} is installed; the project asks for 3.12",
        offered.start(),
        offered.end()
    ));
    12
}

fn write_new(path: &PathBuf, contents: &str) -> Result<()> {
    let mut file = fs_err::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("failed to create `{}`", user_display(path)))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("failed to write `{}`", user_display(path)))
}

/// Adds the entries `.gitignore` lacks, at its end; creates it when
/// missing. Returns the entries added (`None` if none were needed).
fn add_to_gitignore(path: &Path) -> Result<Option<Vec<&'static str>>> {
    let existing = match fs_err::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => return Err(err).with_context(|| format!("failed to read `{}`", user_display(path))),
    };
    let present = |entry: &str| {
        existing
            .lines()
            .any(|line| line.trim() == entry || line.trim() == entry.trim_end_matches('/'))
    };
    let missing: Vec<&'static str> = GITIGNORE_ENTRIES.into_iter().filter(|e| !present(e)).collect();
    if missing.is_empty() {
        return Ok(None);
    }
    let mut text = String::new();
    if !existing.is_empty() && !existing.ends_with('\n') {
        text.push('\n');
    }
    for entry in &missing {
        text.push_str(entry);
        text.push('\n');
    }
    let mut file = fs_err::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("failed to open `{}`", user_display(path)))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("failed to write `{}`", user_display(path)))?;
    Ok(Some(missing))
}
