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
mod lock;
mod python;
mod run;
mod serve;
mod sync;

use std::path::Path;

use anyhow::Result;

use crate::cache::Cache;
use crate::cli::settings::{
    BundleSettings, CheckSettings, CiSettings, CreateSettings, GlobalSettings, LockSettings, SyncSettings,
};
use crate::cli::{CacheCommand, Command, DebugCommand, PythonCommand};
use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::python::{Discovery, Found, PythonRequest};

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

/// The wheel store, in the cache; or — when the cache cannot be written —
/// in a throwaway folder, so installing still works, reading what a
/// read-only cache already holds.
struct Store {
    store: crate::install::WheelStore,
    /// Kept alive as long as the store lives in it.
    _scratch: Option<tempfile::TempDir>,
}

fn open_store(cache: &Cache) -> Result<Store> {
    use anyhow::Context;
    if cache.root().is_some() && cache.check_writable().is_ok() {
        let store = crate::install::WheelStore::new(cache).context("failed to open the wheel cache")?;
        return Ok(Store {
            store,
            _scratch: None,
        });
    }
    let scratch = tempfile::tempdir().context("failed to create a temporary folder")?;
    let store = crate::install::WheelStore::new(&Cache::resolve(Some(scratch.path())))
        .context("failed to open a temporary wheel store")?
        .reading_also(cache);
    Ok(Store {
        store,
        _scratch: Some(scratch),
    })
}

/// The client that downloads a lock's files: `--index-url` (or
/// `FENV_INDEX_URL`) when given, else the project's `[tool.fenv]
/// index-url`, else the public index; and `--offline`. The files' host
/// takes its credentials from that URL, or from netrc, as pages do.
fn files_client(
    cache: &Cache,
    global: &GlobalSettings,
    index_url: Option<&str>,
    project_index_url: Option<&str>,
) -> crate::index::IndexClient {
    let mut config = crate::index::IndexConfig::from_env(cache.clone());
    config.offline = global.offline;
    if let Some(url) = index_url.or(project_index_url) {
        config.index_url = url.to_string();
    }
    crate::index::IndexClient::new(config)
}

/// Why an interpreter was chosen, for the user.
enum Selected {
    Requested,
    ProjectFile(std::path::PathBuf),
    Default,
}

/// The interpreter for work at `start`: the request, else the project's
/// `.python-version` or `requires-python`, else the newest on PATH.
fn select_python(
    request: Option<&str>,
    start: &Path,
    discovery: &Discovery<'_>,
) -> Result<(Found, Selected)> {
    if let Some(request) = request {
        let request = PythonRequest::parse(request)?;
        return Ok((discovery.find(&request)?, Selected::Requested));
    }
    let start = crate::fs::absolute(start)?;
    if let Some(project) = crate::project::python_request(&start)? {
        let found = discovery.find(&project.request).map_err(|err| {
            anyhow::Error::new(err).context(format!(
                "`{}` asks for Python `{}`",
                crate::fs::user_display(&project.file),
                project.request
            ))
        })?;
        return Ok((found, Selected::ProjectFile(project.file)));
    }
    Ok((discovery.find_default()?, Selected::Default))
}
