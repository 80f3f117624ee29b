//! A resolution written down as a PEP 751 lock: the resolver's answer
//! for every target merged into one package list, each package gated by
//! markers for the targets, extras and groups that need it.

use crate::lock::{FenvTool, Lock, LockedFile, LockedPackage};
use crate::project::manifest::Manifest;
use crate::resolve::{Origin, Request, Resolution, Root};

/// What the resolver starts from: the project's dependencies, its
/// functions', and each extra's and group's, marked with where they came
/// from so the lock can gate them.
pub fn roots(manifest: &Manifest) -> Vec<Root> {
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

/// The lock of `resolution`: each package with the marker that says
/// which targets (and extras or groups) take it, its files, and the
/// project's extras and groups; `tool` is fenv's own table.
pub fn to_lock(
    manifest: &Manifest,
    request: &Request<'_>,
    resolution: &Resolution,
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
                path: project_path(&file.url, &manifest.root),
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

/// A find-links file inside the project as a path from the project root
/// (where the lock is), so the lock holds in any checkout.
fn project_path(url: &str, root: &std::path::Path) -> Option<String> {
    crate::fs::relative_inside(&crate::index::file_path(url)?, root)
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
