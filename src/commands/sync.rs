//! `fenv sync`: make an environment hold exactly the lock's packages
//! ([`crate::sync::sync`] does the work).

use anyhow::Result;

use crate::cli::settings::{GlobalSettings, SyncSettings};
use crate::commands::open_cache;
use crate::error::ExitStatus;
use crate::printer::Printer;

pub fn sync(settings: SyncSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let cache = open_cache(global, printer);
    let cwd = std::env::current_dir()?;
    Ok(crate::sync::sync(
        &settings,
        cwd,
        &cache,
        global.offline,
        printer,
    )?)
}
