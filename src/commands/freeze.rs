//! `fenv freeze`: what an environment holds, as `pip freeze` prints it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::error::ExitStatus;
use crate::install::{self, Distribution};
use crate::printer::Printer;
use crate::venv;

pub fn freeze(env: Option<&Path>, json: bool, all: bool, printer: &Printer) -> Result<ExitStatus> {
    let env = match env {
        Some(env) => env.to_path_buf(),
        None => default_env()?,
    };
    let site_packages = venv::site_packages_of(&env).with_context(|| {
        format!(
            "`{}` is not a virtual environment fenv can read",
            crate::fs::user_display(&env)
        )
    })?;
    let mut distributions = install::installed(&site_packages)?;
    if json {
        printer.data(serde_json::to_string_pretty(&distributions)?);
        return Ok(ExitStatus::Success);
    }
    if !all {
        let python = venv::python_version_of(&env).unwrap_or((3, 12));
        distributions.retain(|d| !hidden_by_pip_freeze(d, python));
    }
    // pip sorts by the name as METADATA spells it, lowercased.
    distributions.sort_by_key(|d| d.name.to_lowercase());
    for dist in distributions {
        match &dist.direct_url {
            Some(reference) => printer.data(format!("{} @ {reference}", dist.name)),
            None => printer.data(format!("{}=={}", dist.name, dist.version)),
        }
    }
    Ok(ExitStatus::Success)
}

/// `pip freeze` leaves out pip, and before 3.12 the build tools.
fn hidden_by_pip_freeze(dist: &Distribution, python: (u32, u32)) -> bool {
    let name = dist.normalized_name();
    name == "pip" || (python < (3, 12) && ["setuptools", "wheel", "distribute"].contains(&name.as_str()))
}

/// `$VIRTUAL_ENV`, else the nearest `.venv` from the current folder up.
fn default_env() -> Result<PathBuf> {
    if let Some(active) = std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(active));
    }
    let cwd = std::env::current_dir()?;
    match cwd
        .ancestors()
        .map(|dir| dir.join(".venv"))
        .find(|env| env.join("pyvenv.cfg").is_file())
    {
        Some(env) => Ok(env),
        None => Err(crate::venv::Error::NoneFound.into()),
    }
}
