//! `fenv lock`: read the project's inputs, resolve them for every target,
//! write `pylock.toml`.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use pep440_rs::Version;

use crate::cli::settings::{GlobalSettings, LockSettings};
use crate::commands::{Store, open_cache, open_store, select_python};
use crate::dist::name::normalize;
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::index::{IndexClient, IndexConfig};
use crate::lock::{self, FenvTool, Lock, LockedFile, LockedPackage};
use crate::printer::Printer;
use crate::project::manifest::{self, Manifest, TargetSpec};
use crate::python::Discovery;
use crate::resolve::{self, Arch, Origin, Request, Root, Target};
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
    } = check(&cwd, &settings)?;
    let (inputs, inputs_hash) = inputs_of(&manifest, &extra);
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
        let target = match platform_target(spec) {
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
    let Store { store, .. } = &open_store(&cache)?;
    let host = host.filter(|_| !settings.no_build);
    let builder = host.as_ref().map(|python| crate::build::Builder {
        store,
        index: &index,
        cache: &cache,
        python,
        printer,
    });
    let request = Request {
        roots: roots(&manifest),
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
    let lock = to_lock(&manifest, &request, &resolution, &index_url, tool);
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

/// The resolver's target for a platform the manifest names, with the
/// marker that identifies it in the lock; `None` for the host, whose
/// interpreter decides. `fenv lock` resolves for it and `fenv bundle`
/// selects from the lock with it, so the two always agree.
pub(super) fn platform_target(spec: &TargetSpec) -> Option<Target> {
    let target = match spec {
        TargetSpec::Host => return None,
        TargetSpec::Lambda { runtime, arch } => Target::lambda(
            *runtime,
            match arch {
                manifest::Arch::X86_64 => Arch::X86_64,
                manifest::Arch::Arm64 => Arch::Arm64,
            },
        ),
        TargetSpec::Vercel { python } => Target::vercel(python.unwrap_or((3, 12))),
        TargetSpec::Custom {
            name,
            python,
            platform,
        } => {
            let (sys_platform, machine) = spec.platform_facts().unwrap_or(("linux", None));
            Target::custom(name, *python, platform, sys_platform, machine.unwrap_or(""))
        }
    };
    Some(match spec.environment_marker() {
        Some(environment) => target.with_environment(environment),
        None => target,
    })
}

/// The command line's index, find-links and `--exclude-newer` in place of
/// (or beside) the manifest's, so that they count as inputs of the lock:
/// an up-to-date lock made without them is resolved again with them, and
/// `--check` tells a lock made with them from one made without.
fn apply_overrides(manifest: &mut Manifest, settings: &LockSettings, cwd: &std::path::Path) {
    let project = &mut manifest.settings;
    if let Some(url) = &settings.index_url {
        project.index_url = Some(url.clone());
    }
    if let Some(timestamp) = &settings.exclude_newer {
        project.exclude_newer = Some(timestamp.clone());
    }
    for dir in &settings.find_links {
        let dir = cwd.join(dir);
        if !project.find_links.contains(&dir) {
            project.find_links.push(dir);
        }
    }
}

/// The manifest's targets, host first, plus those named with `--target`.
fn target_specs(manifest: &Manifest, extra: &[String]) -> Result<Vec<TargetSpec>> {
    let mut specs = manifest.settings.targets.clone();
    for text in extra {
        let spec = TargetSpec::parse_cli(text, &manifest.settings)?;
        if !specs.iter().any(|s| s.name() == spec.name()) {
            specs.push(spec);
        }
    }
    Ok(specs)
}

/// The project as `settings` amend it, and how its lock stands.
pub(super) struct Checked {
    /// The manifest with the command line's overrides applied.
    pub manifest: Manifest,
    pub specs: Vec<TargetSpec>,
    /// What the command line adds to the manifest's inputs.
    pub extra: Vec<String>,
    pub lock_path: std::path::PathBuf,
    /// The lock, when there is one.
    pub existing: Option<Lock>,
    /// How `existing` stands against the inputs; `None` without a lock.
    pub freshness: Option<Freshness>,
}

/// Reads the project at `cwd` and its lock and compares them: the logic
/// of `fenv lock --check`, which `fenv sync` shares. Needs no network.
pub(super) fn check(cwd: &std::path::Path, settings: &LockSettings) -> Result<Checked> {
    let mut manifest = manifest::load(cwd)?;
    apply_overrides(&mut manifest, settings, cwd);
    let specs = target_specs(&manifest, &settings.targets)?;
    // The manifest's own inputs, plus what the command line adds to them.
    let extra: Vec<String> = specs
        .iter()
        .filter(|spec| !manifest.settings.targets.contains(spec))
        .map(|spec| format!("target {spec}"))
        .chain(settings.prereleases.then(|| "prereleases allowed".to_string()))
        .collect();
    let lock_path = lock::lock_path(&manifest.root);
    let existing = if lock_path.is_file() {
        let text = fs_err::read_to_string(&lock_path)?;
        Some(lock::parse(&text, &lock_path)?)
    } else {
        None
    };
    let freshness = existing.as_ref().map(|old| freshness(old, &manifest, &extra));
    Ok(Checked {
        manifest,
        specs,
        extra,
        lock_path,
        existing,
        freshness,
    })
}

/// How a lock stands against the project's inputs: what `fenv lock
/// --check` reports and `fenv sync --frozen` requires, decided without
/// the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Freshness {
    /// The lock was resolved from exactly these inputs.
    UpToDate,
    /// The inputs changed: `- removed` / `+ added` lines saying how.
    Stale(Vec<String>),
}

/// Compares `lock` with the manifest's inputs plus `extra` (what the
/// command line adds to them, such as `target lambda`).
fn freshness(lock: &Lock, manifest: &Manifest, extra: &[String]) -> Freshness {
    let (inputs, inputs_hash) = inputs_of(manifest, extra);
    if lock.tool.inputs_hash == inputs_hash {
        Freshness::UpToDate
    } else {
        Freshness::Stale(diff(&lock.tool.inputs, &inputs))
    }
}

/// The readable input lines and their hash, as `[tool.fenv]` records them.
fn inputs_of(manifest: &Manifest, extra: &[String]) -> (Vec<String>, String) {
    let inputs = manifest
        .inputs()
        .into_iter()
        .chain(extra.iter().cloned())
        .collect();
    let hash = manifest.inputs_hash(&extra.iter().map(String::as_str).collect::<Vec<_>>());
    (inputs, hash)
}

/// `- removed` / `+ added` lines between two input lists.
fn diff(old: &[String], new: &[String]) -> Vec<String> {
    let mut out: Vec<String> = old
        .iter()
        .filter(|l| !new.contains(l))
        .map(|l| format!("  - {l}"))
        .collect();
    out.extend(
        new.iter()
            .filter(|l| !old.contains(l))
            .map(|l| format!("  + {l}")),
    );
    if out.is_empty() {
        out.push("  (the inputs are the same, but were written by another fenv version)".into());
    }
    out
}

fn roots(manifest: &Manifest) -> Vec<Root> {
    let mut roots: Vec<Root> = manifest
        .dependencies
        .iter()
        .map(|r| Root {
            origin: Origin::Main,
            requirement: r.clone(),
        })
        .collect();
    for settings in manifest.settings.functions.values() {
        roots.extend(settings.dependencies.iter().map(|r| Root {
            origin: Origin::Main,
            requirement: r.clone(),
        }));
    }
    for (extra, requirements) in &manifest.optional_dependencies {
        roots.extend(requirements.iter().map(|r| Root {
            origin: Origin::Extra(extra.clone()),
            requirement: r.clone(),
        }));
    }
    for (group, requirements) in &manifest.groups {
        roots.extend(requirements.iter().map(|r| Root {
            origin: Origin::Group(group.clone()),
            requirement: r.clone(),
        }));
    }
    roots
}

/// A UTC timestamp (`2024-01-02T03:04:05Z`, as the manifest and the
/// command line give it) cut to the resolver's `2024-01-02T03:04:05`.
fn to_lock(
    manifest: &Manifest,
    request: &Request<'_>,
    resolution: &resolve::Resolution,
    index_url: &str,
    tool: FenvTool,
) -> Lock {
    let environments: Vec<String> = dedup(request.targets.iter().map(|t| t.environment.clone()));
    let packages = resolution
        .packages
        .iter()
        .map(|package| {
            let envs: Vec<String> = dedup(
                package
                    .targets
                    .iter()
                    .map(|i| request.targets[*i].environment.clone()),
            );
            let target_marker = (envs.len() < environments.len()).then(|| or(&envs));
            let gate_marker = (!package.origins.contains(&Origin::Main)).then(|| {
                or(&package
                    .origins
                    .iter()
                    .filter_map(|origin| match origin {
                        Origin::Extra(extra) => Some(format!("'{extra}' in extras")),
                        Origin::Group(group) => Some(format!("'{group}' in dependency_groups")),
                        Origin::Main => None,
                    })
                    .collect::<Vec<_>>())
            });
            let marker = match (target_marker, gate_marker) {
                (Some(t), Some(g)) => Some(format!("({t}) and ({g})")),
                (Some(m), None) | (None, Some(m)) => Some(m),
                (None, None) => None,
            };
            let (wheels, sdists): (Vec<_>, Vec<_>) = package
                .files
                .iter()
                .partition(|f| crate::dist::name::WheelFilename::parse(&f.filename).is_some());
            let to_file = |file: &crate::index::File| LockedFile {
                name: file.filename.clone(),
                url: file.url.clone(),
                size: file.size,
                upload_time: file.upload_time.clone(),
                sha256: file.sha256.clone().unwrap_or_default(),
            };
            LockedPackage {
                name: package.name.clone(),
                version: package.version.to_string(),
                marker,
                requires_python: package.requires_python.clone(),
                dependencies: package.dependencies.iter().cloned().collect(),
                index: Some(crate::index::redact(index_url)),
                wheels: wheels.into_iter().map(to_file).collect(),
                sdist: sdists.into_iter().next().map(to_file),
            }
        })
        .collect();
    Lock {
        requires_python: manifest.requires_python.as_ref().map(ToString::to_string),
        environments,
        extras: manifest.optional_dependencies.keys().cloned().collect(),
        dependency_groups: manifest.groups.keys().cloned().collect(),
        default_groups: Vec::new(),
        packages,
        tool,
    }
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn or(markers: &[String]) -> String {
    if markers.len() == 1 {
        markers[0].clone()
    } else {
        markers
            .iter()
            .map(|m| format!("({m})"))
            .collect::<Vec<_>>()
            .join(" or ")
    }
}
