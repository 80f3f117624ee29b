//! What `fenv check` finds, gathered from the modules that know each
//! fact: the lock against the project's inputs and against itself, the
//! environment against the lock (the sync plan) and every installed file
//! against its `RECORD`, and the function rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::functions as rules;
use super::{Error, Finding, Report, Rule};
use crate::cache::Cache;
use crate::error::Hint;
use crate::fs::user_display;
use crate::functions::import_time;
use crate::install::Distribution;
use crate::install::installed::top_level_modules;
use crate::install::verify::{Problem, verify};
use crate::lock::freshness::{self, Inputs};
use crate::lock::{self, Lock};
use crate::project::env::Located;
use crate::project::manifest::Manifest;
use crate::sync::{self, EnvState};

/// Every finding for the project's lock, `env` and functions, sorted.
///
/// `cache` is opened only once an environment is there to read.
pub fn findings(
    located: &Located,
    env: &Path,
    inputs: &Inputs<'_>,
    import_time: bool,
    cache: &dyn Fn() -> Cache,
) -> Result<Report, Error> {
    let mut report = Report::default();
    let state = environment(&mut report, located, env, inputs, cache)?;
    if let Some(manifest) = &located.manifest {
        functions(&mut report, manifest, state.as_ref(), import_time)?;
    }
    report.sort();
    Ok(report)
}

/// The lock against the project, and the environment against the lock;
/// the environment's state and the lock when both could be read.
fn environment(
    report: &mut Report,
    located: &Located,
    env: &Path,
    inputs: &Inputs<'_>,
    cache: &dyn Fn() -> Cache,
) -> Result<Option<(EnvState, Lock)>, Error> {
    let lock_path = &located.lock_path;
    let lock_name = user_display(lock_path);

    // The lock against the project's inputs, in the words every command
    // that needs a fresh lock uses (on one line, as findings are).
    let unusable = if located.is_project_lock() {
        freshness::check(&located.cwd, inputs)?.fresh().err()
    } else if lock_path.is_file() {
        None
    } else {
        Some(lock::Error::Missing {
            path: lock_path.clone(),
        })
    };
    if let Some(err) = unusable {
        let hint = err.hint().unwrap_or_default();
        let (rule, message) = match &err {
            lock::Error::Stale { changes, .. } => (
                Rule::LockStale,
                format!(
                    "`{lock_name}` does not match the project's inputs ({})",
                    changes.join(", ").trim()
                ),
            ),
            lock::Error::Missing { .. } => (Rule::LockMissing, err.to_string()),
            _ => return Err(err.into()),
        };
        report.push(Finding::new(rule, format!("{message}; {hint}")));
        if rule == Rule::LockMissing {
            return Ok(None);
        }
    }
    // The lock against itself: every recorded dependency locked too.
    let locked = lock::read(lock_path)?;
    for (package, version, dependency) in locked.missing_dependencies() {
        report.push(
            Finding::new(
                Rule::LockIncomplete,
                format!(
                    "`{package}` {version} depends on `{dependency}`, which `{lock_name}` does not hold; run `fenv lock -P {package}`"
                ),
            )
            .package(package),
        );
    }
    let env_name = user_display(env);
    if !env.join("pyvenv.cfg").is_file() {
        report.push(Finding::new(
            Rule::EnvMissing,
            format!("there is no environment at `{env_name}`; run `fenv sync`"),
        ));
        return Ok(None);
    }

    // The environment against the lock.
    // Judged against the extras and groups it was synced with.
    let cfg_path = env.join("pyvenv.cfg");
    let cfg = crate::venv::cfg::PyvenvCfg::parse(
        &fs_err::read_to_string(&cfg_path).map_err(crate::fs::PathError::with("read", &cfg_path))?,
    );
    let selection = sync::selection::recorded(&cfg, &locked);
    let state = match EnvState::read(
        env,
        &locked,
        &selection,
        &cache(),
        /* check never builds */ false,
    ) {
        Ok(state) => state,
        Err(err) => {
            let unfit = match &err {
                sync::Error::Sync { source, .. } => source.as_ref(),
                other => other,
            };
            let rule = match unfit {
                sync::Error::PythonMismatch { .. } | sync::Error::PackagePythonMismatch { .. } => {
                    Rule::PythonMismatch
                }
                sync::Error::NotForThisEnvironment { .. } => Rule::LockEnvironment,
                _ => return Err(err.into()),
            };
            report.push(Finding::new(rule, unfit.to_string()));
            return Ok(None);
        }
    };
    if state.pending.is_some() {
        report.push(Finding::new(
            Rule::SyncInterrupted,
            format!("a sync of `{env_name}` was stopped before it finished; run `fenv sync` to repair it"),
        ));
    }
    let plan = &state.plan;
    for selected in &plan.install {
        report.push(
            Finding::new(
                Rule::PackageMissing,
                format!(
                    "`{}` {} is locked but not installed",
                    selected.name, selected.version
                ),
            )
            .package(&selected.name),
        );
    }
    for (old, selected) in &plan.replace {
        // A folder's package at its locked version: the folder changed.
        let message = if old.source_tree.is_some() && old.version == selected.version {
            format!(
                "`{}` {} was built from its folder before the folder changed",
                selected.name, old.version
            )
        } else {
            format!(
                "`{}` is installed at {} but locked at {}",
                selected.name, old.version, selected.version
            )
        };
        report.push(Finding::new(Rule::PackageVersion, message).package(&selected.name));
    }
    for old in &plan.remove {
        report.push(
            Finding::new(
                Rule::PackageExtra,
                format!(
                    "`{}` {} is installed but not locked",
                    old.normalized_name(),
                    old.version
                ),
            )
            .package(old.normalized_name()),
        );
    }

    // Every installed file against its RECORD, a distribution per core:
    // hashing is most of `fenv check`'s time.
    let site_packages = state.site_packages();
    let jobs = std::thread::available_parallelism().map_or(2, usize::from);
    let all = crate::parallel::try_each(&state.installed, jobs, |_, dist| {
        Ok::<_, std::convert::Infallible>(verify(&site_packages, env, dist))
    });
    for (dist, verified) in state.installed.iter().zip(all) {
        let Ok(verified) = verified;
        report.files_checked += verified.checked;
        let name = dist.normalized_name();
        for problem in verified.problems {
            let (rule, message) = match problem {
                Problem::NoRecord { .. } => (
                    Rule::InstallIncomplete,
                    format!(
                        "`{name}` {} has no RECORD: its install did not finish; run `fenv sync`",
                        dist.version
                    ),
                ),
                Problem::Missing { path } => (
                    Rule::FileMissing,
                    format!(
                        "`{}` of `{name}` {} is missing; run `fenv sync --reinstall {name}`",
                        user_display(&path),
                        dist.version
                    ),
                ),
                Problem::Modified { path } => (
                    Rule::FileModified,
                    format!(
                        "`{}` of `{name}` {} differs from its RECORD hash; run `fenv sync --reinstall {name}`",
                        user_display(&path),
                        dist.version
                    ),
                ),
            };
            report.push(Finding::new(rule, message).package(&name));
        }
    }
    Ok(Some((state, locked)))
}

/// The function rules: handlers and Python versions from the sources and
/// the manifest; imports against each closure when the environment could
/// be read; cold import times when asked.
fn functions(
    report: &mut Report,
    manifest: &Manifest,
    state: Option<&(EnvState, Lock)>,
    import_time: bool,
) -> Result<(), Error> {
    let functions = crate::functions::discover(manifest)?;
    if functions.is_empty() {
        return Ok(());
    }
    let targets = &manifest.settings.targets;
    for finding in rules::handlers(&functions, targets) {
        report.push(finding);
    }
    let install = (manifest.file.file_name().is_some_and(|n| n == "pyproject.toml"))
        .then(|| fs_err::read_to_string(&manifest.file).ok())
        .flatten()
        .map(|text| crate::project::vercel::install(&text));
    let shared = manifest
        .dependencies
        .iter()
        .map(|r| crate::dist::name::normalize(r.name.as_ref()))
        .collect();
    for finding in rules::vercel_install(install.as_ref(), &functions, &shared, targets) {
        report.push(finding);
    }
    for finding in rules::python_versions(
        manifest.settings.target_defaults.python_version_file,
        manifest.requires_python.as_ref(),
        targets,
    ) {
        report.push(finding);
    }
    let Some((state, lock)) = state else {
        return Ok(());
    };
    // Which installed distribution provides each top-level module.
    let mut provider: BTreeMap<String, String> = BTreeMap::new();
    for dist in &state.installed {
        for module in top_level_modules(dist) {
            provider.entry(module).or_insert_with(|| dist.normalized_name());
        }
    }
    let available: BTreeSet<String> = state
        .installed
        .iter()
        .map(Distribution::normalized_name)
        .collect();
    let python = state.env.join("bin").join("python");
    for function in &functions {
        let source = fs_err::read_to_string(&function.module).map_err(|source| {
            Error::Read(crate::fs::PathError::new("read", function.module.clone(), source))
        })?;
        let imports: Vec<(String, usize)> = crate::functions::handler::imports(&source)
            .into_iter()
            .filter(|(module, _)| !is_first_party(module, manifest, function))
            .collect();
        let closure = crate::functions::closure(
            lock,
            manifest
                .dependencies
                .iter()
                .chain(&function.settings.dependencies),
            &available,
        );
        for finding in rules::imports(function, &imports, &provider, &closure) {
            report.push(finding);
        }
        if import_time && function.form.is_some() {
            let measured =
                import_time::measure(&python, &function.module, &manifest.root).map_err(|source| {
                    Error::ImportTime {
                        path: function.module.clone(),
                        source,
                    }
                })?;
            match measured {
                Ok(measured) => report.push(rules::import_time(function, &measured)),
                Err(error) => report.push(
                    Finding::new(
                        Rule::FunctionImportFailed,
                        format!(
                            "{}: fails to load: {}",
                            function.relative,
                            error.lines().last().unwrap_or("no output")
                        ),
                    )
                    .package(&function.name),
                ),
            }
        }
    }
    Ok(())
}

/// A module of the project itself: beside the function, in the functions
/// folder, at the root or under `src/`.
fn is_first_party(module: &str, manifest: &Manifest, function: &crate::functions::Function) -> bool {
    let functions_dir = crate::functions::functions_dir(manifest);
    let mut dirs = vec![manifest.root.clone(), manifest.root.join("src"), functions_dir];
    if let Some(parent) = function.module.parent() {
        dirs.push(parent.to_path_buf());
    }
    dirs.iter()
        .any(|dir| dir.join(format!("{module}.py")).is_file() || dir.join(module).is_dir())
}
