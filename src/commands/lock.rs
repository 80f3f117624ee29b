//! `fenv lock`: read the project's inputs, resolve them for every target,
//! write `pylock.toml` ([`crate::locking`]); `--check` compares only.

use std::time::Instant;

use anyhow::Result;

use crate::cli::settings::{GlobalSettings, LockSettings};
use crate::commands::open_cache;
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::lock::freshness::{self, Freshness};
use crate::locking;
use crate::printer::Printer;

pub fn lock(mut settings: LockSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let started = Instant::now();
    let cwd = std::env::current_dir()?;
    // `-p`: the lock must cover that interpreter's environment too.
    if let Some(request) = &settings.python {
        let cache = open_cache(global, printer);
        let discovery = crate::python::Discovery::from_env(&cache, printer);
        let found = discovery.find(&crate::python::PythonRequest::parse(request)?)?;
        settings.environments = vec![locking::environment_of(&found.info)?.to_string()];
    }
    let checked = freshness::check(&cwd, &settings.inputs())?;
    let lock_path = &checked.lock_path;
    let up_to_date = checked.freshness == Some(Freshness::UpToDate);

    // `--check`: the CI gate; never touches the network.
    if settings.check {
        checked.fresh()?;
        printer.info(format!("`{}` is up to date", user_display(lock_path)));
        return Ok(ExitStatus::Success);
    }
    if up_to_date && !settings.upgrade && settings.upgrade_packages.is_empty() {
        printer.info(format!("`{}` is up to date", user_display(lock_path)));
        locking::vercel_install(&checked.manifest, &checked.specs, printer)?;
        return Ok(ExitStatus::Success);
    }
    let cache = open_cache(global, printer);
    locking::lock(checked, &settings, &cache, global.offline, started, printer)?;
    Ok(ExitStatus::Success)
}
