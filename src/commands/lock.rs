//! `fenv lock`: read the project's inputs, resolve them for every target,
//! write `pylock.toml` ([`crate::locking`]); `--check` compares only.

use std::time::Instant;

use anyhow::{Result, bail};

use crate::cli::settings::{GlobalSettings, LockSettings};
use crate::commands::open_cache;
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::lock::freshness::{self, Freshness};
use crate::locking;
use crate::printer::Printer;

pub fn lock(settings: LockSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let started = Instant::now();
    let cwd = std::env::current_dir()?;
    let checked = freshness::check(&cwd, &settings.inputs())?;
    let lock_path = &checked.lock_path;
    let up_to_date = checked.freshness == Some(Freshness::UpToDate);

    // `--check`: the CI gate; never touches the network.
    if settings.check {
        return match &checked.existing {
            None => bail!(
                "there is no `{}` to check; run `fenv lock`",
                user_display(lock_path)
            ),
            Some(_) if up_to_date => {
                printer.info(format!("`{}` is up to date", user_display(lock_path)));
                Ok(ExitStatus::Success)
            }
            Some(_) => {
                printer.error(format!(
                    "`{}` does not match the project's inputs",
                    user_display(lock_path)
                ));
                if let Some(Freshness::Stale(lines)) = &checked.freshness {
                    for line in lines {
                        printer.info(line);
                    }
                }
                printer.error_hint("run `fenv lock` and commit the result");
                Ok(ExitStatus::Failure)
            }
        };
    }
    if up_to_date && !settings.upgrade && settings.upgrade_packages.is_empty() {
        printer.info(format!("`{}` is up to date", user_display(lock_path)));
        return Ok(ExitStatus::Success);
    }
    let cache = open_cache(global, printer);
    locking::lock(checked, &settings, &cache, global.offline, started, printer)?;
    Ok(ExitStatus::Success)
}
