//! `fenv sync`: make an environment hold exactly the lock's packages.
//!
//! The steps: a fresh lock (re-locked unless `--frozen`), the environment
//! (created like `fenv create` when missing), a file lock on it, the plan
//! (lock vs environment), every wheel fetched and verified, and only then
//! the environment changed and the lock's hash recorded in `pyvenv.cfg`.
//! `fenv check` and `fenv ci` reuse the first steps ([`locate`],
//! [`env_dir`], [`EnvState`]) so all three agree on what "in sync" means.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::cache::Cache;
use crate::cli::settings::{GlobalSettings, Reinstall, SyncSettings};
use crate::commands::{Store, files_client, open_cache, open_store, select_python};
use crate::dist::name::normalize;
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::index::IndexClient;
use crate::install::{self, Distribution, InstallOptions, Linker, Target as InstallTarget};
use crate::lock::freshness::{self, Freshness};
use crate::lock::{self, Lock};
use crate::printer::Printer;
use crate::project::env::locate;
use crate::python::{Discovery, InterpreterInfo};
use crate::resolve::Target;
use crate::sync::select::Environment;
use crate::sync::{self, LOCK_KEY, Plan, Selected, pending};
use crate::venv::cfg::PyvenvCfg;
use crate::venv::{self, CreateOptions, InterpreterLink, Layout, OnExisting, Seed, Seeder};

pub fn sync(settings: SyncSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let started = Instant::now();
    if settings.target != "host" {
        return Err(sync::Error::NotInstallableTarget {
            target: settings.target.clone(),
        }
        .into());
    }
    let located = locate(std::env::current_dir()?, settings.lock.as_deref(), printer)?;

    // Step 1: a lock in step with the project's inputs (already read
    // when it was found up to date).
    let mut checked_lock = None;
    if located.is_project_lock() {
        match ensure_fresh(&located.cwd, &settings, global, printer)? {
            Fresh::Stop(status) => return Ok(status),
            Fresh::UpToDate(lock) => checked_lock = Some(*lock),
            Fresh::Reread => {}
        }
    }
    let lock_path = &located.lock_path;
    if !lock_path.is_file() {
        return Err(sync::Error::MissingLock {
            path: lock_path.clone(),
        }
        .into());
    }
    let locked = match checked_lock {
        Some(lock) => lock,
        None => lock::read(lock_path)?,
    };
    let lock_hash = lock::hash_file(lock_path)?;

    // Step 2: the environment, created as `fenv create` would when missing.
    let env = located.env_dir(settings.env.as_deref());
    let cache = open_cache(global, printer);
    let mut report = Report::new(&env, lock_path, &lock_hash, settings.dry_run);
    if !env.join("pyvenv.cfg").is_file() {
        report.created = true;
        if settings.dry_run {
            printer.info(format!(" + virtual environment at `{}`", user_display(&env)));
            return report.finish(&Plan::default(), started, settings.json, printer);
        }
        create_env(&env, &locked, &located.root, &settings, &cache, global, printer)?;
    }

    // Step 3: one sync of this environment at a time.
    let _guard = lock_env(&env)?;

    // Step 4: the plan: the environment against the lock's packages for it.
    let mut state = EnvState::read(&env, &locked, &cache, settings.lock_settings.no_build)?;
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
                bail!(
                    "`{unknown}` is not in `{}` for this environment; `--reinstall` takes locked packages",
                    user_display(lock_path)
                );
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
        return report.finish(plan, started, settings.json, printer);
    }
    if plan.is_empty() && state.cfg.get(LOCK_KEY) == Some(lock_hash.as_str()) && state.pending.is_none() {
        return report.finish(plan, started, settings.json, printer);
    }

    // Step 5: every wheel in the store and verified before anything changes.
    let Store { store, .. } = &open_store(&cache)?;
    let index = files_client(
        &cache,
        global,
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
        cache: &cache,
        python: &state.info,
        printer,
    };
    let progress = printer.progress(wanted.len(), "Fetching");
    let fetched = sync::fetch(
        &wanted,
        store,
        &index,
        Some(&builder),
        sync::fetch::DEFAULT_JOBS,
        &progress,
    );
    progress.finish();
    let wheels =
        fetched.with_context(|| format!("failed to sync `{}`; nothing was changed", user_display(&env)))?;

    // Step 6: every wheel checked against the environment (names, paths,
    // scripts other packages own) before anything changes, so that a
    // refusal leaves the environment as it was, with no repair marker.
    let target = install_target(&state, plan);
    for selected in plan.wheels() {
        let wheel = wheels
            .get(&selected.name)
            .with_context(|| format!("the wheel of `{}` was not fetched", selected.name))?;
        install::check(wheel, &target)
            .with_context(|| format!("failed to sync `{}`; nothing was changed", user_display(&env)))?;
    }

    // Step 7: change the environment, with a record of what is changing
    // until the lock's hash is written, so that a killed sync is repaired.
    let mut touched = plan.touched();
    touched.extend(state.pending.iter().flatten().cloned());
    touched.sort();
    touched.dedup();
    pending::write(&env, touched.iter().map(String::as_str))
        .with_context(|| format!("failed to write `{}`", user_display(&pending::path(&env))))?;
    let linker = Linker::new(settings.link_mode);
    apply(plan, &wheels, &state, &target, &linker, printer)
        .with_context(|| format!("failed to sync `{}`", user_display(&env)))?;

    // Step 8: record the lock, so that the next sync can stop early.
    let mut cfg = state.cfg.clone();
    cfg.set(LOCK_KEY, &lock_hash);
    let cfg_path = env.join("pyvenv.cfg");
    crate::fs::write_atomic(&cfg_path, cfg.render())
        .with_context(|| format!("failed to write `{}`", user_display(&cfg_path)))?;
    pending::clear(&env)
        .with_context(|| format!("failed to remove `{}`", user_display(&pending::path(&env))))?;
    report.finish(plan, started, settings.json, printer)
}

/// An environment as a sync sees it: its interpreter, what it holds, and
/// the plan that takes it to the lock.
pub(crate) struct EnvState {
    pub env: PathBuf,
    pub info: InterpreterInfo,
    pub layout: Layout,
    pub cfg: PyvenvCfg,
    pub installed: Vec<Distribution>,
    /// What a stopped sync was changing, when one stopped.
    pub pending: Option<Vec<String>>,
    pub plan: Plan,
    /// What the plan was made from.
    selected: Vec<Selected>,
    seeds: Vec<String>,
    suspect: Vec<String>,
}

impl EnvState {
    pub fn read(env: &Path, locked: &Lock, cache: &Cache, no_build: bool) -> Result<Self> {
        let (info, _) = crate::python::cache::query_cached(cache, &env.join("bin").join("python"))
            .with_context(|| format!("failed to query the Python of `{}`", user_display(env)))?;
        let selected = select_for(locked, &info, env, no_build)?;
        let cfg_path = env.join("pyvenv.cfg");
        let cfg = PyvenvCfg::parse(&fs_err::read_to_string(&cfg_path)?);
        let layout = Layout::for_interpreter(&info);
        let installed = install::installed(&env.join(&layout.site_packages))?;
        let seeds: Vec<String> = cfg
            .get("seed")
            .unwrap_or_default()
            .split_whitespace()
            .map(normalize)
            .collect();
        let pending = pending::read(env)
            .with_context(|| format!("failed to read `{}`", user_display(&pending::path(env))))?;
        // Half-written installs (no RECORD yet) and whatever a stopped
        // sync was changing are installed again.
        let suspect: Vec<String> = installed
            .iter()
            .filter(|dist| !dist.dist_info.join("RECORD").is_file())
            .map(Distribution::normalized_name)
            .chain(pending.iter().flatten().cloned())
            .collect();
        let plan = sync::plan(&installed, &selected, &seeds, &suspect);
        Ok(Self {
            env: env.to_path_buf(),
            info,
            layout,
            cfg,
            installed,
            pending,
            plan,
            selected,
            seeds,
            suspect,
        })
    }

    /// Plans again, installing `names` (locked packages) again too.
    pub fn reinstall(&mut self, names: &[String]) {
        self.suspect.extend(names.iter().cloned());
        self.plan = sync::plan(&self.installed, &self.selected, &self.seeds, &self.suspect);
    }

    /// The locked, installed packages some of whose files differ from
    /// their `RECORD` (what `fenv check` reports as `file-*`).
    pub fn damaged(&self) -> Vec<String> {
        let site_packages = self.site_packages();
        let locked: Vec<&Distribution> = self
            .installed
            .iter()
            .filter(|d| self.selected.iter().any(|s| s.name == d.normalized_name()))
            .collect();
        let verified = crate::parallel::try_each(&locked, crate::install::INSTALL_JOBS, |_, dist| {
            Ok::<_, std::convert::Infallible>(install::verify::verify(&site_packages, &self.env, dist))
        });
        locked
            .iter()
            .zip(verified)
            .filter(|(_, verified)| verified.as_ref().is_ok_and(|v| !v.problems.is_empty()))
            .map(|(dist, _)| dist.normalized_name())
            .collect()
    }

    pub fn site_packages(&self) -> PathBuf {
        self.env.join(&self.layout.site_packages)
    }
}

/// The lock's packages for an environment of `info`'s interpreter at
/// `env`: what a sync installs, or why the lock does not fit it (which
/// includes an sdist to build under `--no-build`).
fn select_for(locked: &Lock, info: &InterpreterInfo, env: &Path, no_build: bool) -> Result<Vec<Selected>> {
    let target = Target::host(info).map_err(anyhow::Error::msg)?;
    let environment = Environment {
        description: &target.description,
        python: &target.python,
        markers: &target.markers,
        tags: &target.tags,
        allow_sdist: target.allow_sdist,
    };
    let selected = sync::select(locked, &environment).and_then(|selected| {
        match selected
            .iter()
            .find(|s| no_build && s.source == sync::Source::Sdist)
        {
            Some(sdist) => Err(sync::Error::BuildForbidden {
                package: sdist.name.clone(),
                version: sdist.version.clone(),
            }),
            None => Ok(selected),
        }
    });
    selected.with_context(|| format!("failed to sync `{}`", user_display(env)))
}

/// What a sync did or would do, for people (one line a change and a
/// summary) and for `--json`.
#[derive(Debug, Serialize)]
struct Report {
    env: PathBuf,
    lock: PathBuf,
    lock_hash: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    python: String,
    dry_run: bool,
    /// The environment was (or, in a dry run, would be) created.
    created: bool,
    changes: Vec<Change>,
    unchanged: usize,
    summary: String,
    elapsed_ms: u128,
}

#[derive(Debug, Serialize)]
struct Change {
    action: &'static str,
    name: String,
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
}

impl Report {
    fn new(env: &Path, lock: &Path, lock_hash: &str, dry_run: bool) -> Self {
        Self {
            env: env.to_path_buf(),
            lock: lock.to_path_buf(),
            lock_hash: lock_hash.to_string(),
            python: String::new(),
            dry_run,
            created: false,
            changes: Vec::new(),
            unchanged: 0,
            summary: String::new(),
            elapsed_ms: 0,
        }
    }

    /// Prints the changes and the summary (or the JSON); a dry run that
    /// would change anything exits 1.
    fn finish(mut self, plan: &Plan, started: Instant, json: bool, printer: &Printer) -> Result<ExitStatus> {
        let wheel = |selected: &Selected| Some(selected.file.name.clone());
        for selected in &plan.install {
            self.changes.push(Change {
                action: "install",
                name: selected.name.clone(),
                version: selected.version.clone(),
                from: None,
                file: wheel(selected),
            });
        }
        for (action, pairs) in [("replace", &plan.replace), ("repair", &plan.repair)] {
            for (old, selected) in pairs {
                self.changes.push(Change {
                    action,
                    name: selected.name.clone(),
                    version: selected.version.clone(),
                    from: Some(old.version.clone()),
                    file: wheel(selected),
                });
            }
        }
        for old in &plan.remove {
            self.changes.push(Change {
                action: "remove",
                name: old.normalized_name(),
                version: old.version.clone(),
                from: None,
                file: None,
            });
        }
        self.unchanged = plan.unchanged;
        self.summary = plan.summary();
        self.elapsed_ms = started.elapsed().as_millis();
        let would_change = self.created || !plan.is_empty();
        if json {
            printer.data(serde_json::to_string_pretty(&self)?);
        } else if self.dry_run {
            for line in plan.lines() {
                printer.data(line);
            }
        } else {
            for line in plan.lines() {
                printer.info(line);
            }
        }
        let env = user_display(&self.env);
        if self.dry_run {
            printer.info(format!("Would change {} (dry run)", self.summary));
        } else if plan.is_empty() {
            printer.info(format!(
                "{} in {} ms (`{env}` already matches the lock)",
                self.summary, self.elapsed_ms
            ));
        } else {
            printer.info(format!("{} in {} ms", self.summary, self.elapsed_ms));
        }
        Ok(if self.dry_run && would_change {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        })
    }
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
    global: &GlobalSettings,
    printer: &Printer,
) -> Result<Fresh> {
    let checked = freshness::check(cwd, &settings.lock_settings.inputs())?;
    let lock_path = checked.lock_path;
    let stale = match checked.freshness {
        Some(Freshness::UpToDate) => {
            return Ok(checked
                .existing
                .map_or(Fresh::Reread, |lock| Fresh::UpToDate(Box::new(lock))));
        }
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
        return Ok(Fresh::Stop(ExitStatus::Failure));
    }
    match super::lock::lock(settings.lock_settings.clone(), global, printer)? {
        ExitStatus::Success => Ok(Fresh::Reread),
        other => Ok(Fresh::Stop(other)),
    }
}

/// Creates the environment with pip seeded, as `fenv create` does. When
/// another sync created it meanwhile, that environment is used.
/// The environment `settings` (`-p`, `--link-mode`) ask for, made as
/// `fenv create` would, once `locked` is known to fit its Python.
fn create_env(
    env: &Path,
    locked: &Lock,
    root: &Path,
    settings: &SyncSettings,
    cache: &Cache,
    global: &GlobalSettings,
    printer: &Printer,
) -> Result<()> {
    let discovery = Discovery::from_env(cache, printer);
    let (found, _) = select_python(settings.python.as_deref(), root, &discovery)
        .with_context(|| format!("failed to find a Python for `{}`", user_display(env)))?;
    // A lock that does not fit this Python (or names a package twice) is
    // refused before there is an environment to leave behind.
    select_for(locked, &found.info, env, settings.lock_settings.no_build)?;
    let Store { store, .. } = &open_store(cache)?;
    let linker = Linker::new(settings.link_mode);
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
        on_existing: OnExisting::Refresh,
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
pub(crate) fn lock_env(env: &Path) -> Result<std::fs::File> {
    let path = env.join(".fenv.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("failed to open `{}`", user_display(&path)))?;
    file.lock()
        .with_context(|| format!("failed to lock `{}`", user_display(&path)))?;
    // Old versions a killed replace moved aside; nothing refers to them.
    for entry in std::fs::read_dir(env).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(".fenv-replace-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    Ok(file)
}

/// Where the plan installs: the environment, knowing the scripts of the
/// distributions the plan leaves in place (its seed packages among them).
fn install_target(state: &EnvState, plan: &Plan) -> InstallTarget {
    let env = &state.env;
    let relocatable = state.cfg.get("relocatable") == Some("true");
    let going: Vec<String> = plan
        .remove
        .iter()
        .chain(plan.replace.iter().map(|(old, _)| old))
        .chain(plan.repair.iter().map(|(old, _)| old))
        .map(install::Distribution::normalized_name)
        .collect();
    let staying: Vec<install::Distribution> = state
        .installed
        .iter()
        .filter(|dist| !going.contains(&dist.normalized_name()))
        .cloned()
        .collect();
    state
        .layout
        .install_target(env, env, &state.info, relocatable)
        .with_owners(&state.site_packages(), &staying)
}

/// Removes, repairs, replaces and installs what `plan` says, from `wheels`.
fn apply(
    plan: &Plan,
    wheels: &HashMap<String, install::UnpackedWheel>,
    state: &EnvState,
    target: &InstallTarget,
    linker: &Linker,
    printer: &Printer,
) -> Result<()> {
    let env = &state.env;
    let site_packages = state.site_packages();
    let options = InstallOptions {
        linker,
        // Every package a lock names was asked for, as with `pip install
        // -r` and `uv pip sync`, which write REQUESTED for each.
        requested: true,
        direct_url: None,
    };
    let wheel_of = |name: &str| {
        wheels
            .get(name)
            .with_context(|| format!("the wheel of `{name}` was not fetched"))
    };
    let progress = printer.progress(plan.touched().len(), "Installing");
    let result = (|| -> Result<()> {
        for dist in &plan.remove {
            install::discard(&site_packages, env, &dist.name)?;
            printer.verbose(format!("removed {} {}", dist.name, dist.version));
            progress.inc();
        }
        for (old, _) in &plan.repair {
            install::discard(&site_packages, env, &old.name)?;
        }
        for (old, selected) in &plan.replace {
            install::replace(
                &site_packages,
                env,
                &old.name,
                wheel_of(&selected.name)?,
                target,
                &options,
            )?;
            printer.verbose(format!(
                "replaced {} {} with {}",
                old.name, old.version, selected.version
            ));
            progress.inc();
        }
        // New packages (and repaired ones) a few at a time: each install
        // is journaled on its own, and they share no files.
        let new: Vec<&Selected> = plan
            .install
            .iter()
            .chain(plan.repair.iter().map(|(_, s)| s))
            .collect();
        let wheels: Vec<&install::UnpackedWheel> = new
            .iter()
            .map(|selected| wheel_of(&selected.name))
            .collect::<Result<_>>()?;
        install::install_all(&wheels, target, &options, install::INSTALL_JOBS, &|at, _| {
            printer.verbose(format!("installed {} {}", new[at].name, new[at].version));
            progress.inc();
        })?;
        Ok(())
    })();
    progress.finish();
    result
}
