//! `fenv check`: is the environment exactly what the lock says, and is
//! the lock what the project says? Reports, changes nothing.
//!
//! It asks the same questions as `fenv sync` (through the same
//! [`EnvState`]) and then one sync does not: is every installed file
//! still as its `RECORD` says?

use anyhow::Result;

use crate::check::environment::findings;
use crate::cli::settings::{CheckSettings, GlobalSettings};
use crate::commands::open_cache;
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::printer::Printer;
use crate::project::env::locate;

/// Runs every check and prints the findings; exit 1 on any error.
pub fn check(settings: &CheckSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let located = locate(std::env::current_dir()?, settings.lock.as_deref(), printer)?;
    let env = located.env_dir(settings.env.as_deref());
    let report = findings(
        &located,
        &env,
        &settings.lock_settings.inputs(),
        settings.import_time,
        &|| open_cache(global, printer),
    )?;
    if settings.json {
        printer.data(serde_json::to_string_pretty(&report)?);
    } else {
        for finding in &report.findings {
            printer.data(finding.to_string());
        }
    }
    if report.errors == 0 {
        printer.info(format!(
            "`{}` matches `{}` ({} files checked{})",
            user_display(&env),
            user_display(&located.lock_path),
            report.files_checked,
            match report.warnings {
                0 => String::new(),
                1 => ", 1 warning".into(),
                n => format!(", {n} warnings"),
            }
        ));
        Ok(ExitStatus::Success)
    } else {
        printer.info(format!(
            "{} error{} in `{}`",
            report.errors,
            if report.errors == 1 { "" } else { "s" },
            user_display(&env)
        ));
        Ok(ExitStatus::Failure)
    }
}
