//! `fenv sync`: make an environment hold exactly the lock's packages.
//!
//! The steps: a fresh lock (re-locked unless `--frozen`), the environment
//! (created like `fenv create` when missing), a file lock on it, the plan
//! (lock vs environment), every wheel fetched and verified, and only then
//! the environment changed and the lock's hash recorded in `pyvenv.cfg`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};

use crate::cache::Cache;
use crate::cli::settings::{GlobalSettings, SyncSettings};
use crate::commands::lock::{Freshness, check};
use crate::commands::{Store, open_cache, open_store, select_python};
use crate::diagnostics::ExitStatus;
use crate::fs::user_display;
use crate::index::{IndexClient, IndexConfig};
use crate::install::name::normalize;
use crate::install::{self, InstallOptions, Linker, Target as InstallTarget};
use crate::lock;
use crate::printer::Printer;
use crate::project::manifest::{self, Manifest};
use crate::python::{Discovery, InterpreterInfo};
use crate::resolve::Target;
use crate::sync::select::Environment;
use crate::sync::{self, LOCK_KEY};
use crate::venv::cfg::PyvenvCfg;
use crate::venv::{self, CreateOptions, InterpreterLink, Layout, OnExisting, Seed, Seeder};

pub fn sync(settings: SyncSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let started = Instant::now();
    let cwd = std::env::current_dir()?;
    // A lock given with `--lock` may be installed outside any project.
    let manifest = match manifest::load(&cwd) {
        Ok(manifest) => Some(manifest),
        Err(err) if settings.lock.is_some() => {
            printer.verbose(format!("no project: {err}"));
            None
        }
        Err(err) => return Err(err.into()),
    };
    let root = manifest.as_ref().map_or(cwd.clone(), |m| m.root.clone());
    let lock_path = match &settings.lock {
        Some(path) => crate::fs::absolute(path)?,
        None => lock::lock_path(&root),
    };

    // Step 1: a lock in step with the project's inputs.
    if let Some(manifest) = &manifest
        && lock_path == lock::lock_path(&manifest.root)
        && let Some(status) = ensure_fresh(&cwd, &settings, global, printer)?
    {
        return Ok(status);
    }
    if !lock_path.is_file() {
        return Err(sync::Error::MissingLock { path: lock_path }.into());
    }
    let locked = lock::read(&lock_path)?;
    let lock_hash = lock::hash_file(&lock_path)?;

    // Step 2: the environment, created as `fenv create` would when missing.
    let env = crate::fs::absolute(&env_dir(settings.env.as_deref(), manifest.as_ref(), &root))?;
    let cache = open_cache(global, printer);
    if !env.join("pyvenv.cfg").is_file() {
        if settings.dry_run {
            printer.data(format!(" + virtual environment at `{}`", user_display(&env)));
            return Ok(ExitStatus::Failure);
        }
        create_env(&env, &root, settings.python.as_deref(), &cache, global, printer)?;
    }

    // Step 3: one sync of this environment at a time.
    let _guard = lock_env(&env)?;

    // Step 4: the lock's packages for the environment's interpreter.
    let (info, _) = crate::python::cache::query_cached(&cache, &env.join("bin").join("python"))
        .with_context(|| format!("failed to query the Python of `{}`", user_display(&env)))?;
    let target = Target::host(&info).map_err(anyhow::Error::msg)?;
    let environment = Environment {
        description: &target.description,
        python: &target.python,
        markers: &target.markers,
        tags: &target.tags,
    };
    let selected = sync::select(&locked, &environment)
        .with_context(|| format!("failed to sync `{}`", user_display(&env)))?;

    // Step 5: the plan: the environment against the selection.
    let cfg_path = env.join("pyvenv.cfg");
    let mut cfg = PyvenvCfg::parse(&fs_err::read_to_string(&cfg_path)?);
    let layout = Layout::for_interpreter(&info);
    let site_packages = env.join(&layout.site_packages);
    let installed = install::installed(&site_packages)?;
    let seeds: Vec<String> = cfg
        .get("seed")
        .unwrap_or_default()
        .split_whitespace()
        .map(normalize)
        .collect();
    let plan = sync::plan(&installed, &selected, &seeds);
    if settings.dry_run {
        for line in plan.lines() {
            printer.data(line);
        }
        printer.info(format!("Would change {} (dry run)", plan.summary()));
        return Ok(if plan.is_empty() {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        });
    }
    let recorded = cfg.get(LOCK_KEY) == Some(lock_hash.as_str());
    if plan.is_empty() && recorded {
        printer.info(format!(
            "{} in {} ms (`{}` already matches the lock)",
            plan.summary(),
            started.elapsed().as_millis(),
            user_display(&env)
        ));
        return Ok(ExitStatus::Success);
    }

    // Step 6: every wheel in the store and verified before anything changes.
    let Store { store, .. } = &open_store(&cache)?;
    let mut index_config = IndexConfig::from_env(cache.clone());
    index_config.offline = global.offline;
    if let Some(url) = &settings.lock_settings.index_url {
        // Credentials for the files' host come with the index URL.
        index_config.index_url.clone_from(url);
    }
    let index = IndexClient::new(index_config);
    let wanted: Vec<&sync::Selected> = plan.wheels().collect();
    let wheels = sync::fetch(&wanted, store, &index, sync::fetch::DEFAULT_JOBS)
        .with_context(|| format!("failed to sync `{}`; nothing was changed", user_display(&env)))?;

    // Step 7: change the environment: remove, replace, install.
    apply(&plan, &wheels, &env, &layout, &info, &cfg, printer)
        .with_context(|| format!("failed to sync `{}`", user_display(&env)))?;

    // Step 8: record the lock, so that the next sync can stop early.
    cfg.set(LOCK_KEY, &lock_hash);
    crate::fs::write_atomic(&cfg_path, cfg.render())
        .with_context(|| format!("failed to write `{}`", user_display(&cfg_path)))?;
    printer.info(format!(
        "{} in {} ms",
        plan.summary(),
        started.elapsed().as_millis()
    ));
    Ok(ExitStatus::Success)
}

/// Checks the lock against the inputs: `--frozen` fails on a missing or
/// stale lock; otherwise it is locked again, and the user told. Returns
/// a status when the sync must stop here.
fn ensure_fresh(
    cwd: &Path,
    settings: &SyncSettings,
    global: &GlobalSettings,
    printer: &Printer,
) -> Result<Option<ExitStatus>> {
    let checked = check(cwd, &settings.lock_settings)?;
    let lock_path = checked.lock_path;
    let stale = match checked.freshness {
        Some(Freshness::UpToDate) => return Ok(None),
        Some(Freshness::Stale(lines)) => Some(lines),
        None => None,
    };
    if settings.frozen {
        return Err(match stale {
            Some(lines) => {
                for line in lines {
                    printer.info(line);
                }
                sync::Error::StaleLock { path: lock_path }
            }
            None => sync::Error::MissingLock { path: lock_path },
        }
        .into());
    }
    printer.info(match stale {
        Some(_) => format!(
            "`{}` does not match the project's inputs; locking again",
            user_display(&lock_path)
        ),
        None => format!("`{}` is missing; locking", user_display(&lock_path)),
    });
    if settings.dry_run {
        // Locking writes the lock; a dry run only says it would.
        return Ok(Some(ExitStatus::Failure));
    }
    match super::lock::lock(settings.lock_settings.clone(), global, printer)? {
        ExitStatus::Success => Ok(None),
        other => Ok(Some(other)),
    }
}

/// `--env`, else the project's `[tool.fenv] env`, else `.venv` at the root.
fn env_dir(requested: Option<&Path>, manifest: Option<&Manifest>, root: &Path) -> PathBuf {
    if let Some(env) = requested {
        return env.to_path_buf();
    }
    match manifest.and_then(|m| m.settings.env.as_ref()) {
        Some(env) => root.join(env),
        None => root.join(".venv"),
    }
}

/// Creates the environment with pip seeded, as `fenv create` does. When
/// another sync created it meanwhile, that environment is used.
fn create_env(
    env: &Path,
    root: &Path,
    python: Option<&str>,
    cache: &Cache,
    global: &GlobalSettings,
    printer: &Printer,
) -> Result<()> {
    let discovery = Discovery::from_env(cache, printer);
    let (found, _) = select_python(python, root, &discovery)
        .with_context(|| format!("failed to find a Python for `{}`", user_display(env)))?;
    let Store { store, .. } = &open_store(cache)?;
    let linker = Linker::new(None);
    let index = (!global.offline).then(IndexClient::from_env);
    let seeder = Seeder {
        store,
        linker: &linker,
        compile_bytecode: false,
        index: index.as_ref(),
    };
    let options = CreateOptions {
        system_site_packages: false,
        link: InterpreterLink::Symlink,
        on_existing: OnExisting::Fail,
        seed: Seed::Pip { upgrade_deps: false },
        prompt: None,
        scm_ignore_files: true,
        relocatable: false,
    };
    match venv::create(env, &found.info, &options, &seeder, printer) {
        Ok(_) => {
            printer.info(format!("Created virtual environment at `{}`", user_display(env)));
            Ok(())
        }
        Err(_) if env.join("pyvenv.cfg").is_file() => Ok(()),
        Err(err) => Err(anyhow::Error::new(err).context(format!(
            "failed to create a virtual environment at `{}`",
            user_display(env)
        ))),
    }
}

/// An exclusive lock on `<env>/.fenv.lock`, held until dropped, so that
/// two syncs of one environment run one after the other.
fn lock_env(env: &Path) -> Result<std::fs::File> {
    let path = env.join(".fenv.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("failed to open `{}`", user_display(&path)))?;
    file.lock()
        .with_context(|| format!("failed to lock `{}`", user_display(&path)))?;
    Ok(file)
}

/// Removes, replaces and installs what `plan` says, from `wheels`.
fn apply(
    plan: &sync::Plan,
    wheels: &std::collections::HashMap<String, install::UnpackedWheel>,
    env: &Path,
    layout: &Layout,
    info: &InterpreterInfo,
    cfg: &PyvenvCfg,
    printer: &Printer,
) -> Result<()> {
    let site_packages = env.join(&layout.site_packages);
    let relocatable = cfg.get("relocatable") == Some("true");
    let target = InstallTarget::venv(env, env, layout, info, relocatable);
    let linker = Linker::new(None);
    let options = InstallOptions {
        linker: &linker,
        requested: false,
        direct_url: None,
    };
    let wheel_of = |name: &str| {
        wheels
            .get(name)
            .with_context(|| format!("the wheel of `{name}` was not fetched"))
    };
    for dist in &plan.remove {
        install::uninstall(&site_packages, env, &dist.name)?;
        printer.verbose(format!("removed {} {}", dist.name, dist.version));
    }
    for (old, selected) in &plan.replace {
        install::replace(
            &site_packages,
            env,
            &old.name,
            wheel_of(&selected.name)?,
            &target,
            &options,
        )?;
        printer.verbose(format!(
            "replaced {} {} with {}",
            old.name, old.version, selected.version
        ));
    }
    for selected in &plan.install {
        install::install(wheel_of(&selected.name)?, &target, &options)?;
        printer.verbose(format!("installed {} {}", selected.name, selected.version));
    }
    Ok(())
}
