//! `fenv sync` as a pipeline: a fresh lock (locked again unless
//! `--frozen`), the environment (created like `fenv create` when
//! missing), a file lock on it, the plan (lock vs environment), every
//! wheel fetched and verified, and only then the environment changed and
//! the lock's hash recorded in `pyvenv.cfg`. `fenv run` and `fenv ci`
//! run it too.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::apply::{apply, install_target, lock_env};
use super::report::Report;
use super::selection::SELECTION_KEY;
use super::state::select_for;
use super::{EnvState, Error, LOCK_KEY, Reinstall, Selected, SyncSettings, pending};
use crate::cache::Cache;
use crate::error::ExitStatus;
use crate::fs::PathError;
use crate::fs::user_display;
use crate::index::IndexClient;
use crate::install::store::OpenedStore;
use crate::install::{self, Linker, WheelStore};
use crate::lock::freshness::{self, Freshness};
use crate::lock::{self, Lock};
use crate::printer::Printer;
use crate::project::env::locate;
use crate::project::interpreter::{Chosen, select_python};
use crate::python::{Discovery, InterpreterInfo};
use crate::venv::{self, CreateOptions, InterpreterLink, OnExisting, Seed, Seeder};

/// Makes the environment `settings` name hold exactly its lock's
/// packages, locking first when the lock is missing or stale (unless
/// `--frozen`); `cwd` is where the project is looked for.
pub fn sync(
    settings: &SyncSettings,
    cwd: PathBuf,
    cache: &Cache,
    offline: bool,
    printer: &Printer,
) -> Result<ExitStatus, Error> {
    let started = Instant::now();
    if settings.target != "host" {
        return Err(Error::NotInstallableTarget {
            target: settings.target.clone(),
        });
    }
    let located = locate(cwd, settings.lock.as_deref(), printer)?;

    // Step 1: a lock in step with the project's inputs (already read
    // when it was found up to date).
    let mut checked_lock = None;
    if located.is_project_lock() {
        match ensure_fresh(&located.cwd, settings, cache, offline, printer)? {
            Fresh::Stop(status) => return Ok(status),
            Fresh::UpToDate(lock) => checked_lock = Some(*lock),
            Fresh::Reread => {}
        }
    }
    let lock_path = &located.lock_path;
    if !lock_path.is_file() {
        return Err(lock::Error::Missing {
            path: lock_path.clone(),
        }
        .into());
    }
    let locked = match checked_lock {
        Some(lock) => lock,
        None => lock::read(lock_path)?,
    };
    let lock_hash = lock::hash_file(lock_path)?;
    let selection = settings.choice.resolve(&locked)?;

    // Step 2: the environment, created as `fenv create` would when missing.
    let env = located.env_dir(settings.env.as_deref());
    let mut report = Report::new(&env, lock_path, &lock_hash, settings.dry_run);
    if !env.join("pyvenv.cfg").is_file() {
        report.created = true;
        let info = env_python(&env, &locked, &located.root, settings, cache, printer)?;
        if settings.dry_run {
            // What a new environment would get: every package the lock
            // selects for the Python it would be made with.
            printer.info(format!(" + virtual environment at `{}`", user_display(&env)));
            let selected = select_for(&locked, &selection, &info, &env, settings.lock_settings.no_build)?;
            report.python = info.version_string();
            let plan = super::plan(&[], &selected, &[], &[]);
            return Ok(report.finish(&plan, started, settings.json, printer)?);
        }
        create_env(&env, &info, settings, cache, offline, printer)?;
    }

    // Step 3: one sync of this environment at a time.
    let _guard = lock_env(&env)?;

    // Step 4: the plan: the environment against the lock's packages for it.
    let mut state = EnvState::read(&env, &locked, &selection, cache, settings.lock_settings.no_build)?;
    match &settings.reinstall {
        Reinstall::Nothing => {}
        Reinstall::Every => {
            let every: Vec<String> = state.selected.iter().map(|s| s.name.clone()).collect();
            state.reinstall(&every);
        }
        Reinstall::These(names) => {
            if let Some(unknown) = names
                .iter()
                .find(|n| !state.selected.iter().any(|s| s.name == **n))
            {
                return Err(Error::NotLocked {
                    package: unknown.clone(),
                    lock: lock_path.clone(),
                });
            }
            state.reinstall(names);
        }
    }
    if settings.verify {
        let damaged = state.damaged();
        state.reinstall(&damaged);
    }
    report.python = state.info.version_string();
    let plan = &state.plan;
    if settings.dry_run {
        return Ok(report.finish(plan, started, settings.json, printer)?);
    }
    let record = selection.record();
    if plan.is_empty()
        && state.cfg.get(LOCK_KEY) == Some(lock_hash.as_str())
        && state.cfg.get(SELECTION_KEY) == Some(record.as_str())
        && state.pending.is_none()
    {
        return Ok(report.finish(plan, started, settings.json, printer)?);
    }

    // Step 5: every wheel in the store and verified before anything changes.
    let OpenedStore { store, .. } = &WheelStore::open(cache)?;
    let index = IndexClient::for_files(
        cache,
        offline,
        settings.lock_settings.index_url.as_deref(),
        located
            .manifest
            .as_ref()
            .and_then(|m| m.settings.index_url.as_deref()),
    );
    let wanted: Vec<&Selected> = plan.wheels().collect();
    let builder = crate::build::Builder {
        store,
        index: &index,
        cache,
        python: &state.info,
        printer,
    };
    let progress = printer.progress(wanted.len(), "Fetching");
    let fetched = super::fetch(
        &wanted,
        store,
        &index,
        Some(&builder),
        super::fetch::DEFAULT_JOBS,
        &progress,
    );
    progress.finish();
    let unchanged = |source: Error| Error::Unchanged {
        env: env.clone(),
        source: Box::new(source),
    };
    let wheels = fetched.map_err(unchanged)?;

    // Step 6: every wheel checked against the environment (names, paths,
    // scripts other packages own) before anything changes, so that a
    // refusal leaves the environment as it was, with no repair marker.
    let target = install_target(&state, plan);
    for selected in plan.wheels() {
        let wheel = wheels.get(&selected.name).ok_or_else(|| Error::NotFetched {
            package: selected.name.clone(),
        })?;
        install::check(wheel, &target).map_err(|source| unchanged(source.into()))?;
    }

    // Step 7: change the environment, with a record of what is changing
    // until the lock's hash is written, so that a killed sync is repaired.
    let mut touched = plan.touched();
    touched.extend(state.pending.iter().flatten().cloned());
    touched.sort();
    touched.dedup();
    pending::write(&env, touched.iter().map(String::as_str))
        .map_err(PathError::with("write", &pending::path(&env)))?;
    let linker = Linker::new(settings.link_mode);
    apply(plan, &wheels, &state, &target, &linker, printer).map_err(|source| Error::Sync {
        env: env.clone(),
        source: Box::new(source),
    })?;

    // Step 8: record the lock, so that the next sync can stop early.
    let mut cfg = state.cfg.clone();
    cfg.set(LOCK_KEY, &lock_hash);
    cfg.set(SELECTION_KEY, &record);
    let cfg_path = env.join("pyvenv.cfg");
    crate::fs::write_atomic(&cfg_path, cfg.render()).map_err(PathError::with("write", &cfg_path))?;
    pending::clear(&env).map_err(PathError::with("remove", &pending::path(&env)))?;
    Ok(report.finish(plan, started, settings.json, printer)?)
}

/// How the project's lock stood, once [`ensure_fresh`] is done with it.
enum Fresh {
    /// It matched the inputs; here it is, parsed.
    UpToDate(Box<Lock>),
    /// Read it from disk: it was made again.
    Reread,
    /// The sync stops here with this status.
    Stop(ExitStatus),
}

/// Checks the lock against the inputs: `--frozen` fails on a missing or
/// stale lock; otherwise it is locked again, and the user told.
fn ensure_fresh(
    cwd: &Path,
    settings: &SyncSettings,
    cache: &Cache,
    offline: bool,
    printer: &Printer,
) -> Result<Fresh, Error> {
    let checked = freshness::check(cwd, &settings.lock_settings.inputs())?;
    if settings.frozen {
        checked.fresh()?;
    }
    let lock_path = checked.lock_path.clone();
    printer.info(match checked.freshness {
        Some(Freshness::UpToDate) => {
            return Ok(checked
                .existing
                .map_or(Fresh::Reread, |lock| Fresh::UpToDate(Box::new(lock))));
        }
        Some(Freshness::Stale(_)) => format!(
            "`{}` does not match the project's inputs; locking again",
            user_display(&lock_path)
        ),
        None => format!("`{}` is missing; locking", user_display(&lock_path)),
    });
    if settings.dry_run {
        // Locking writes the lock; a dry run only says it would.
        return Ok(Fresh::Stop(ExitStatus::Failure));
    }
    crate::locking::lock(
        checked,
        &settings.lock_settings,
        cache,
        offline,
        Instant::now(),
        printer,
    )
    .map_err(|source| Error::Relock(Box::new(source)))?;
    Ok(Fresh::Reread)
}

/// Creates the environment with pip seeded, as `fenv create` does. When
/// another sync created it meanwhile, that environment is used.
/// The environment `settings` (`-p`, `--link-mode`) ask for, made as
/// `fenv create` would, once `locked` is known to fit its Python.
/// The Python a new environment at `env` is made with, as `fenv create`
/// chooses it. A lock that does not fit it (or names a package twice) is
/// refused here, before there is an environment to leave behind.
fn env_python(
    env: &Path,
    locked: &Lock,
    root: &Path,
    settings: &SyncSettings,
    cache: &Cache,
    printer: &Printer,
) -> Result<InterpreterInfo, Error> {
    let discovery = Discovery::from_env(cache, printer);
    let (found, chosen) =
        select_python(settings.python.as_deref(), root, &discovery).map_err(|source| Error::FindPython {
            env: env.to_path_buf(),
            source: Box::new(source),
        })?;
    let selection = settings.choice.resolve(locked)?;
    let no_build = settings.lock_settings.no_build;
    let Err(first) = select_for(locked, &selection, &found.info, env, no_build) else {
        return Ok(found.info);
    };
    // Nothing asked for a Python: the newest one the lock fits (its
    // `requires-python` and `environments`), as an installer would pick.
    if !matches!(chosen, Chosen::Default) || !unfit(&first) {
        return Err(first);
    }
    let mut fitting: Vec<InterpreterInfo> = discovery
        .list()
        .into_iter()
        .filter_map(Result::ok)
        .map(|found| found.info)
        .filter(|info| select_for(locked, &selection, info, env, no_build).is_ok())
        .collect();
    fitting.sort_by_key(|info| std::cmp::Reverse(info.version));
    match fitting.into_iter().next() {
        Some(info) => {
            printer.info(format!(
                "Using Python {} at `{}`, the newest the lock fits",
                info.version_string(),
                user_display(&info.executable)
            ));
            Ok(info)
        }
        None => Err(first),
    }
}

/// Whether `err` says the lock does not fit the interpreter (another one
/// may fit), rather than something else going wrong.
fn unfit(err: &Error) -> bool {
    let inner = match err {
        Error::Sync { source, .. } => source.as_ref(),
        other => other,
    };
    matches!(
        inner,
        Error::PythonMismatch { .. }
            | Error::NotForThisEnvironment { .. }
            | Error::PackagePythonMismatch { .. }
    )
}

/// Creates the environment at `env` with `info`'s Python and pip.
fn create_env(
    env: &Path,
    info: &InterpreterInfo,
    settings: &SyncSettings,
    cache: &Cache,
    offline: bool,
    printer: &Printer,
) -> Result<(), Error> {
    let OpenedStore { store, .. } = &WheelStore::open(cache)?;
    let linker = Linker::new(settings.link_mode);
    let index = (!offline).then(IndexClient::from_env);
    let seeder = Seeder {
        store,
        linker: &linker,
        compile_bytecode: false,
        index: index.as_ref(),
    };
    let options = CreateOptions {
        system_site_packages: false,
        link: InterpreterLink::Symlink,
        on_existing: OnExisting::Refresh,
        seed: Seed::Pip { upgrade_deps: false },
        prompt: None,
        scm_ignore_files: true,
        relocatable: false,
    };
    match venv::create(env, info, &options, &seeder, printer) {
        Ok(_) => {
            printer.info(format!("Created virtual environment at `{}`", user_display(env)));
            Ok(())
        }
        Err(_) if env.join("pyvenv.cfg").is_file() => Ok(()),
        Err(source) => Err(Error::Create {
            env: env.to_path_buf(),
            source: Box::new(source),
        }),
    }
}
