//! Whether a lock still answers the project: the inputs it was resolved
//! from (the manifest's requirements and settings, plus what the command
//! line adds) against the project's inputs now, decided without the
//! network. `fenv lock --check`, `fenv sync --frozen`, `fenv bundle` and
//! `fenv check` all ask it here.

use std::path::{Path, PathBuf};

use super::{Error, Lock, Options};
use crate::project::manifest::{self, Manifest, TargetSpec};

/// What the command line adds to the project's inputs: the flags of
/// `fenv lock` (and of sync, bundle and check, which lock or check the
/// lock the same way).
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// `--target`: targets beside the manifest's.
    pub targets: &'a [String],
    pub exclude_newer: Option<&'a str>,
    pub index_url: Option<&'a str>,
    pub find_links: &'a [PathBuf],
    pub prereleases: bool,
    /// `-p`: the interpreter's environment (`linux (python3.9)`), to cover.
    pub environments: &'a [String],
    /// `--upgrade`: the recorded options are dropped with the pins.
    pub upgrade: bool,
}

/// The project as the command line amends it, and how its lock stands.
pub struct Checked {
    /// The manifest with the command line's overrides applied.
    pub manifest: Manifest,
    pub specs: Vec<TargetSpec>,
    /// What the command line adds to the manifest's inputs.
    pub extra: Vec<String>,
    pub lock_path: PathBuf,
    /// The lock, when there is one.
    pub existing: Option<Lock>,
    /// The command line's options with the lock's recorded ones filled in:
    /// what a new lock records.
    pub options: Options,
    /// How `existing` stands against the inputs; `None` without a lock.
    pub freshness: Option<Freshness>,
}

impl Checked {
    /// The lock, when it matches the inputs; else why it cannot be used as
    /// it stands. The one rule of every command that never locks again.
    pub fn fresh(&self) -> Result<&Lock, Error> {
        match (&self.existing, &self.freshness) {
            (Some(lock), Some(Freshness::UpToDate)) => Ok(lock),
            (Some(_), Some(Freshness::Stale(changes))) => Err(Error::Stale {
                path: self.lock_path.clone(),
                changes: changes.clone(),
            }),
            _ => Err(Error::Missing {
                path: self.lock_path.clone(),
            }),
        }
    }
}

/// Reads the project at `cwd` and its lock and compares them: the logic
/// of `fenv lock --check`, which sync, bundle and check share. Needs no
/// network.
pub fn check(cwd: &Path, inputs: &Inputs<'_>) -> Result<Checked, Error> {
    let mut manifest = manifest::load(cwd)?;
    let lock_path = crate::project::lock_path(&manifest.root);
    let existing = if lock_path.is_file() {
        Some(super::read(&lock_path)?)
    } else {
        None
    };
    let recorded = existing
        .as_ref()
        .filter(|_| !inputs.upgrade)
        .map(|lock| lock.tool.options.clone())
        .unwrap_or_default();
    let mut options = merged(inputs, &recorded, &manifest.root, cwd);
    // An environment `-p` added counts only where the manifest's own do
    // not cover it: a lock covering more is never stale for that.
    let covered =
        manifest::environments::expand(&manifest.settings.environments, manifest.requires_python.as_ref())
            .unwrap_or_default();
    options.environments.retain(|text| {
        manifest::environments::Environment::parse(text).is_some_and(|e| !covered.contains(&e))
    });
    apply_overrides(&mut manifest, &options);
    let specs = target_specs(&manifest, &options.targets)?;
    // The manifest's own inputs, plus what the command line adds to them.
    let extra: Vec<String> = specs
        .iter()
        .filter(|spec| !manifest.settings.targets.contains(spec))
        .map(|spec| format!("target {spec}"))
        .chain(options.prereleases.then(|| "prereleases allowed".to_string()))
        .chain(
            options
                .environments
                .iter()
                .map(|e| format!("environment {e} (added by -p)")),
        )
        .collect();
    let freshness = existing.as_ref().map(|old| freshness(old, &manifest, &extra));
    Ok(Checked {
        manifest,
        specs,
        extra,
        lock_path,
        existing,
        options,
        freshness,
    })
}

/// The command line's options, each one not given taken from `recorded`
/// (what the lock was made with): a flag given once holds for every later
/// command, until it is given with another value.
fn merged(inputs: &Inputs<'_>, recorded: &Options, root: &Path, cwd: &Path) -> Options {
    let find_links: Vec<String> = inputs
        .find_links
        .iter()
        .map(|dir| {
            let absolute = crate::fs::normalize(&cwd.join(dir));
            crate::fs::relative_inside(&absolute, root).unwrap_or_else(|| absolute.display().to_string())
        })
        .collect();
    Options {
        targets: if inputs.targets.is_empty() {
            recorded.targets.clone()
        } else {
            inputs.targets.to_vec()
        },
        exclude_newer: inputs
            .exclude_newer
            .map(str::to_string)
            .or_else(|| recorded.exclude_newer.clone()),
        index_url: inputs
            .index_url
            .map(str::to_string)
            .or_else(|| recorded.index_url.clone()),
        find_links: if find_links.is_empty() {
            recorded.find_links.clone()
        } else {
            find_links
        },
        prereleases: inputs.prereleases || recorded.prereleases,
        environments: if inputs.environments.is_empty() {
            recorded.environments.clone()
        } else {
            inputs.environments.to_vec()
        },
    }
}

/// How a lock stands against the project's inputs: what `fenv lock
/// --check` reports and `fenv sync --frozen` requires, decided without
/// the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
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
pub fn inputs_of(manifest: &Manifest, extra: &[String]) -> (Vec<String>, String) {
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

/// The command line's index, find-links and `--exclude-newer` in place of
/// (or beside) the manifest's, so that they count as inputs of the lock:
/// an up-to-date lock made without them is resolved again with them, and
/// `--check` tells a lock made with them from one made without.
fn apply_overrides(manifest: &mut Manifest, options: &Options) {
    let root = manifest.root.clone();
    let project = &mut manifest.settings;
    if let Some(url) = &options.index_url {
        project.index_url = Some(url.clone());
    }
    if let Some(timestamp) = &options.exclude_newer {
        project.exclude_newer = Some(timestamp.clone());
    }
    for dir in &options.find_links {
        let dir = crate::fs::normalize(&root.join(dir));
        if !project.find_links.contains(&dir) {
            project.find_links.push(dir);
        }
    }
}

/// The manifest's targets, host first, plus those named with `--target`.
fn target_specs(manifest: &Manifest, extra: &[String]) -> Result<Vec<TargetSpec>, Error> {
    let mut specs = manifest.settings.targets.clone();
    for text in extra {
        let spec = TargetSpec::parse_cli(text, &manifest.settings)?;
        if !specs.iter().any(|s| s.name() == spec.name()) {
            specs.push(spec);
        }
    }
    Ok(specs)
}
