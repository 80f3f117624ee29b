//! fenv builds and manages Python virtual environments for serverless
//! function projects.
//!
//! Data flows one way: `cli` parses, `commands` orchestrate, and the
//! domain modules do the work, in layers that import only sideways or
//! down (docs/architecture.md; `tests/it/layers.rs` keeps them). [`run`]
//! is the only place that turns an error into an exit code. Modules are
//! private unless the integration tests or the fuzz targets use them.

mod build;
mod bundle;
pub mod cache;
mod check;
mod ci;
mod cli;
mod commands;
pub mod dist;
pub mod error;
mod fs;
mod functions;
#[doc(hidden)]
pub mod fuzz;
mod hash;
pub mod index;
pub mod install;
mod invoke;
mod limits;
pub mod lock;
mod locking;
mod parallel;
mod printer;
pub mod project;
pub mod python;
mod resolve;
mod serve;
mod sync;
mod timestamp;
pub mod venv;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::error::ExitStatus;

/// The version of fenv, written into every `pyvenv.cfg` it makes.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Parses `args`, runs one command and maps the outcome to an exit code.
pub fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout and usage errors to
            // stderr; only the latter are failures (exit 2).
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let global = cli::settings::GlobalSettings::resolve(&cli.global);
    let printer = printer::Printer::new(global.verbosity, global.color);
    let status = match commands::dispatch(cli.command, &global, &printer) {
        Ok(status) => status,
        Err(err) => commands::diagnostics::report(&err, &printer),
    };
    status.into()
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}
