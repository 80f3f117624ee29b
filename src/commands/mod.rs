//! One file per command: orchestration only. Each command calls into the
//! domain modules and wraps their errors with what it was trying to do.

mod activate;
mod bundle;
mod cache;
mod check;
mod ci;
mod create;
mod debug;
pub mod diagnostics;
mod freeze;
mod init;
mod invoke;
mod lock;
mod python;
mod run;
mod serve;
mod sync;

use anyhow::Result;

use crate::cache::Cache;
use crate::cli::settings::{
    BundleSettings, CheckSettings, CiSettings, CreateSettings, GlobalSettings, LockSettings, SyncSettings,
};
use crate::cli::{CacheCommand, Command, DebugCommand, PythonCommand};
use crate::error::ExitStatus;
use crate::printer::Printer;

/// Runs the command `cli` names.
pub fn dispatch(command: Command, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    match command {
        Command::Create(args) => create::create(CreateSettings::resolve(args), global, printer),
        Command::Python(PythonCommand::List(args)) => python::list(args.json, global, printer),
        Command::Python(PythonCommand::Find(args)) => python::find(args.request.as_deref(), global, printer),
        Command::Activate(args) => activate::activate(&args.dir, args.shell.as_deref(), printer),
        Command::Init(args) => init::init(args.dir.as_deref(), args.target, global, printer),
        Command::Lock(args) => lock::lock(LockSettings::resolve(args), global, printer),
        Command::Sync(args) => sync::sync(SyncSettings::resolve(args), global, printer),
        Command::Run(args) => run::run(args, global, printer),
        Command::Serve(args) => serve::serve(&args.host, args.port, args.env.as_deref(), printer),
        Command::Invoke(args) => {
            invoke::invoke(&args.function, Some(&args.event), args.env.as_deref(), printer)
        }
        Command::Check(args) => check::check(&CheckSettings::resolve(args), global, printer),
        Command::Ci(args) => ci::ci(CiSettings::resolve(args), global, printer),
        Command::Bundle(args) => bundle::bundle(BundleSettings::resolve(args), global, printer),
        Command::Freeze(args) => freeze::freeze(args.env.as_deref(), args.json, args.all, printer),
        Command::Cache(CacheCommand::Dir) => cache::dir(global, printer),
        Command::Cache(CacheCommand::Clean { package }) => cache::clean(package.as_deref(), global, printer),
        Command::Cache(CacheCommand::Size) => cache::size(global, printer),
        Command::Debug(DebugCommand::Metadata { files }) => debug::metadata(&files, printer),
    }
}

/// The cache, or none with a warning when it cannot be used: fenv works
/// without it, only slower.
fn open_cache(global: &GlobalSettings, printer: &Printer) -> Cache {
    let cache = Cache::resolve(global.cache_dir.as_deref());
    match cache.bucket("interpreters") {
        Ok(_) => cache,
        Err(err) => {
            if let Some(root) = cache.root() {
                printer.warn(format!(
                    "the cache at `{}` cannot be used ({err}); continuing without it",
                    root.display()
                ));
                printer.hint("point `--cache-dir` or `FENV_CACHE_DIR` at a writable folder");
            }
            Cache::disabled()
        }
    }
}
