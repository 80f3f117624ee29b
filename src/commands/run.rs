//! `fenv run`: a command in the environment, as if it were activated.
//!
//! The environment is `--env`, else the project's (as `fenv sync` finds
//! it), else `$VIRTUAL_ENV`. In a project with a lock it is synced first
//! (unless `--no-sync`), which creates it when missing. Then fenv replaces
//! itself with the command (`exec`), no shell in between, so the exit code
//! and signals are the command's own.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use anyhow::Result;

use crate::cli::RunArgs;
use crate::cli::settings::{GlobalSettings, SyncSettings};
use crate::commands::diagnostics;
use crate::commands::open_cache;
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::project::env::env_dir;
use crate::project::manifest;
use crate::venv::run::{Error, activate, find_program};

pub fn run(args: RunArgs, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let cwd = std::env::current_dir()?;
    let manifest = match manifest::load(&cwd) {
        Ok(manifest) => Some(manifest),
        Err(manifest::Error::NotFound { .. }) => None,
        Err(err) => return Err(err.into()),
    };
    // Outside a project, the active environment.
    let env = match env_dir(args.env.as_deref(), manifest.as_ref(), &cwd) {
        Some(env) => env,
        None => match std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
            Some(env) => crate::fs::normalize(&cwd.join(env)),
            None => return Err(Error::NoEnvironment.into()),
        },
    };

    // A project with a lock: the environment made to match it first.
    let locked = manifest
        .as_ref()
        .is_some_and(|m| crate::project::lock_path(&m.root).is_file());
    if locked && !args.no_sync {
        let settings = SyncSettings::before_run(env.clone(), args.index.clone(), args.select.clone());
        let cache = open_cache(global, printer);
        match crate::sync::sync(&settings, cwd.clone(), &cache, global.offline, printer)? {
            ExitStatus::Success => {}
            other => return Ok(other),
        }
    }
    if !env.join("pyvenv.cfg").is_file() {
        return Err(Error::MissingEnvironment { path: env, locked }.into());
    }

    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let mut cmd = Command::new(program);
    cmd.args(rest);
    let path = activate(&mut cmd, &env, std::env::var_os("PATH").as_deref());
    if find_program(program, &path).is_none() {
        return Ok(not_found(program.clone(), env.join("bin"), printer));
    }
    // Whatever fenv printed must be out before the process is replaced.
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // `exec` returns only when it failed.
    let source = cmd.exec();
    if source.kind() == std::io::ErrorKind::NotFound {
        return Ok(not_found(program.clone(), env.join("bin"), printer));
    }
    Err(Error::Exec {
        program: program.clone(),
        source,
    }
    .into())
}

/// Reports a command that is not there, and exits 127 as shells do.
fn not_found(program: OsString, bin: PathBuf, printer: &Printer) -> ExitStatus {
    diagnostics::report(&Error::CommandNotFound { program, bin }.into(), printer);
    ExitStatus::CommandNotFound
}
