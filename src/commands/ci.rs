//! `fenv ci`: one command for a CI job. Sync the environment to the
//! committed lock (`--frozen`: never resolve), verify it with the checks
//! of `fenv check`, then export it to the rest of the job.
//!
//! Output suits CI logs: no progress bars, colour only when forced, and
//! on GitHub Actions each step in a `::group::` with errors as `::error::`
//! annotations.

use anyhow::{Context, Result};

use crate::check::environment::findings;
use crate::ci::{self, Exports, Provider};
use crate::cli::settings::{CiSettings, GlobalSettings, SyncSettings};
use crate::commands::open_cache;
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::lock;
use crate::printer::Printer;
use crate::project::env::locate;
use crate::project::interpreter::select_python;
use crate::python::Discovery;

pub fn ci(settings: CiSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let printer = &printer.clone().without_progress();
    let provider = Provider::detect();
    let result = if settings.cache_key {
        cache_key(&settings, global, printer)
    } else {
        run(&settings, &provider, global, printer)
    };
    if let Err(err) = &result
        && provider.is_github()
    {
        printer.data(ci::annotation("error", "fenv ci", &format!("{err:#}")));
    }
    result
}

fn run(
    settings: &CiSettings,
    provider: &Provider,
    global: &GlobalSettings,
    printer: &Printer,
) -> Result<ExitStatus> {
    let located = locate(std::env::current_dir()?, settings.sync.lock.as_deref(), printer)?;
    let env = located.env_dir(settings.sync.env.as_deref());
    let exports = Exports::new(&env)?;

    // Step 1: the environment, exactly as locked.
    let sync_settings = SyncSettings {
        frozen: true,
        env: Some(env.clone()),
        ..settings.sync.clone()
    };
    let status = in_group(
        provider,
        printer,
        &format!("fenv sync {}", user_display(&env)),
        || {
            let cache = open_cache(global, printer);
            crate::sync::sync(
                &sync_settings,
                located.cwd.clone(),
                &cache,
                global.offline,
                printer,
            )
        },
    )?;
    if status != ExitStatus::Success {
        return Ok(status);
    }

    // Step 2: verified, file by file.
    let report = in_group(provider, printer, "fenv check", || {
        findings(
            &located,
            &env,
            &settings.sync.lock_settings.inputs(),
            false,
            &|| open_cache(global, printer),
        )
    })?;
    for finding in &report.findings {
        if provider.is_github() {
            let kind = match finding.severity {
                crate::check::Severity::Error => "error",
                crate::check::Severity::Warning => "warning",
                crate::check::Severity::Info => "notice",
            };
            let title = format!("fenv check [{}]", finding.rule.id());
            printer.data(ci::annotation(kind, &title, &finding.message));
        } else {
            printer.info(finding.to_string());
        }
    }
    if report.errors > 0 {
        printer.error(format!(
            "`{}` does not match `{}` ({} errors)",
            user_display(&env),
            user_display(&located.lock_path),
            report.errors
        ));
        return Ok(ExitStatus::Failure);
    }
    printer.info(format!(
        "Checked `{}`: {} files match their RECORD",
        user_display(&env),
        report.files_checked
    ));

    // Step 3: the environment for the job's later steps.
    if let Some(file) = &settings.export {
        let path = std::env::var_os("PATH").unwrap_or_default();
        crate::fs::write_atomic(file, exports.dotenv(&path)?)
            .with_context(|| format!("failed to write `{}`", user_display(file)))?;
        printer.info(format!("Wrote `{}`", user_display(file)));
    }
    match provider {
        Provider::GitHub {
            env_file: Some(env_file),
            path_file: Some(path_file),
        } => {
            exports.github(env_file, path_file)?;
            printer.info(format!(
                "Exported `{}` to the next steps (GITHUB_ENV, GITHUB_PATH)",
                user_display(&env)
            ));
        }
        _ if settings.export.is_none() => printer.data(exports.shell_lines().trim_end()),
        _ => {}
    }
    Ok(ExitStatus::Success)
}

/// Runs `step` inside a collapsible group on GitHub Actions.
fn in_group<T>(provider: &Provider, printer: &Printer, title: &str, step: impl FnOnce() -> T) -> T {
    if !provider.is_github() {
        return step();
    }
    printer.data(ci::group(title));
    let result = step();
    printer.data(ci::END_GROUP);
    result
}

/// Prints the cache key: the platform and Python of the environment that
/// `fenv ci` would make, and the lock's hash.
fn cache_key(settings: &CiSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let located = locate(std::env::current_dir()?, settings.sync.lock.as_deref(), printer)?;
    if !located.lock_path.is_file() {
        return Err(lock::Error::Missing {
            path: located.lock_path.clone(),
        }
        .into());
    }
    let lock_hash = lock::hash_file(&located.lock_path)?;
    let env = located.env_dir(settings.sync.env.as_deref());
    let cache = open_cache(global, printer);
    let python = env.join("bin").join("python");
    let info = if python.is_file() {
        crate::python::cache::query_cached(&cache, &python)?.0
    } else {
        let discovery = Discovery::from_env(&cache, printer);
        select_python(settings.sync.python.as_deref(), &located.root, &discovery)?
            .0
            .info
    };
    printer.data(ci::cache_key(
        &info.sysconfig_platform,
        &info.implementation,
        info.minor(),
        &lock_hash,
    ));
    Ok(ExitStatus::Success)
}
