//! `fenv lock`: read the project's inputs, resolve them for every target,
//! write `pylock.toml`.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use pep440_rs::Version;

use crate::cli::settings::{GlobalSettings, LockSettings};
use crate::commands::open_cache;
use crate::dist::name::normalize;
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::index::{IndexClient, IndexConfig};
use crate::install::WheelStore;
use crate::install::store::OpenedStore;
use crate::lock::freshness::{self, Checked, Freshness};
use crate::lock::{self, FenvTool};
use crate::printer::Printer;
use crate::project::interpreter::select_python;
use crate::project::manifest;
use crate::python::Discovery;
use crate::resolve::{self, Request, Target};
use crate::timestamp::ExcludeNewer;

pub fn lock(settings: LockSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let started = Instant::now();
    let cwd = std::env::current_dir()?;
    let Checked {
        manifest,
        specs,
        extra,
        lock_path,
        existing,
        freshness,
    } = freshness::check(&cwd, &settings.inputs())?;
    let (inputs, inputs_hash) = freshness::inputs_of(&manifest, &extra);
    let up_to_date = freshness == Some(Freshness::UpToDate);

    // `--check`: the CI gate; never touches the network.
    if settings.check {
        return match &existing {
            None => bail!(
                "there is no `{}` to check; run `fenv lock`",
                user_display(&lock_path)
            ),
            Some(_) if up_to_date => {
                printer.info(format!("`{}` is up to date", user_display(&lock_path)));
                Ok(ExitStatus::Success)
            }
            Some(_) => {
                printer.error(format!(
                    "`{}` does not match the project's inputs",
                    user_display(&lock_path)
                ));
                if let Some(Freshness::Stale(lines)) = freshness {
                    for line in lines {
                        printer.info(line);
                    }
                }
                printer.error_hint("run `fenv lock` and commit the result");
                Ok(ExitStatus::Failure)
            }
        };
    }
    if up_to_date && !settings.upgrade && settings.upgrade_packages.is_empty() {
        printer.info(format!("`{}` is up to date", user_display(&lock_path)));
        return Ok(ExitStatus::Success);
    }

    // The targets: the host's interpreter is the project's own.
    let cache = open_cache(global, printer);
    let discovery = Discovery::from_env(&cache, printer);
    let mut targets = Vec::new();
    let mut host = None;
    for spec in &specs {
        let target = match resolve::target::for_spec(spec) {
            Some(target) => target,
            None => {
                let (found, _) =
                    select_python(manifest.settings.python.as_deref(), &manifest.root, &discovery)
                        .context("failed to find the host's Python")?;
                let m = &found.info.markers;
                let environment = manifest::environment_marker(
                    &m.sys_platform,
                    Some(&m.platform_machine),
                    &m.implementation_name,
                    found.info.minor(),
                );
                let target = Target::host(&found.info)
                    .map_err(anyhow::Error::msg)?
                    .with_environment(environment);
                host = Some(found.info);
                target
            }
        };
        targets.push(target);
    }

    let index_url = manifest
        .settings
        .index_url
        .clone()
        .unwrap_or_else(|| crate::index::DEFAULT_INDEX_URL.to_string());
    let index = IndexClient::new(IndexConfig {
        index_url: index_url.clone(),
        find_links: manifest.settings.find_links.clone(),
        cache: cache.clone(),
        offline: global.offline,
        refresh: settings.refresh,
        freshness: IndexConfig::default_freshness(),
    });

    // Stable locks: keep the existing pins unless asked to upgrade.
    let mut preferences = HashMap::new();
    if let Some(old) = existing.as_ref().filter(|_| !settings.upgrade) {
        let upgrade: Vec<String> = settings.upgrade_packages.iter().map(|p| normalize(p)).collect();
        for package in &old.packages {
            if !upgrade.contains(&package.name)
                && let Ok(version) = Version::from_str(&package.version)
            {
                preferences.insert(package.name.clone(), version);
            }
        }
    }
    let exclude_newer = manifest
        .settings
        .exclude_newer
        .as_deref()
        .map(|text| ExcludeNewer::parse(text).and_then(|value| value.cutoff()))
        .transpose()
        .map_err(anyhow::Error::msg)
        .context("failed to read `exclude-newer`")?;
    // The host may take an sdist whose PKG-INFO does not hold its
    // dependencies: its metadata is built, as uv does, unless `--no-build`.
    let OpenedStore { store, .. } = &WheelStore::open(&cache)?;
    let host = host.filter(|_| !settings.no_build);
    let builder = host.as_ref().map(|python| crate::build::Builder {
        store,
        index: &index,
        cache: &cache,
        python,
        printer,
    });
    let request = Request {
        roots: resolve::roots(&manifest),
        constraints: manifest.constraints.clone(),
        requires_python: manifest.requires_python.clone(),
        targets,
        preferences,
        exclude_newer,
        prereleases: settings.prereleases,
        index: &index,
        sdist_metadata: builder.as_ref().map(|b| b as &dyn resolve::SdistMetadata),
    };
    let resolution = resolve::resolve(&request).context("failed to lock the project")?;

    let tool = FenvTool {
        targets: specs.iter().map(ToString::to_string).collect(),
        inputs_hash,
        inputs,
    };
    let lock = resolve::to_lock(&manifest, &request, &resolution, &index_url, tool);
    let rendered = lock::render(&lock);
    let changed =
        existing.is_none() || fs_err::read_to_string(&lock_path).ok().as_deref() != Some(rendered.as_str());
    if changed {
        crate::fs::write_atomic(&lock_path, &rendered)
            .with_context(|| format!("failed to write `{}`", user_display(&lock_path)))?;
    }
    let names: Vec<&str> = request.targets.iter().map(|t| t.name.as_str()).collect();
    let count = resolution.packages.len();
    printer.info(format!(
        "{} {count} package{} for {} in {} ms",
        if changed { "Locked" } else { "Kept" },
        if count == 1 { "" } else { "s" },
        names.join(", "),
        started.elapsed().as_millis()
    ));
    // The process ends here: freeing tens of thousands of cached index
    // entries one by one would cost a fifth of a warm lock's time.
    drop(names);
    std::mem::forget(request);
    std::mem::forget(resolution);
    std::mem::forget(index);
    Ok(ExitStatus::Success)
}
