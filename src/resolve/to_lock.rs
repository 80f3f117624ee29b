//! A resolution written down as a PEP 751 lock: the resolver's answer
//! for every target merged into one package list, each package gated by
//! markers for the targets, extras and groups that need it.

use crate::lock::{FenvTool, Lock, LockedDirectory, LockedFile, LockedPackage};
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
    let universe: Vec<Point<'_>> = request.targets.iter().map(Point::of).collect();
    let environments = environments(&universe);
    let packages = resolution
        .packages
        .iter()
        .map(|package| {
            let needed: Vec<Point<'_>> = package.targets.iter().map(|i| universe[*i]).collect();
            let target_marker = points_marker(&needed, &universe);
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
            // A folder of the project (the resolver took it from there,
            // never from the index) is locked as PEP 751 `directory`,
            // relative to the lock (which sits at the project root).
            let directory = manifest
                .settings
                .sources
                .get(&package.name)
                .map(|source| LockedDirectory {
                    dir: source.dir(&manifest.root),
                    path: source.path.clone(),
                    editable: source.editable,
                });
            LockedPackage {
                name: package.name.clone(),
                version: package.version.to_string(),
                marker,
                requires_python: package.requires_python.clone(),
                dependencies: package.dependencies.iter().cloned().collect(),
                index: directory.is_none().then(|| crate::index::redact(index_url)),
                wheels: wheels.into_iter().map(to_file).collect(),
                sdist: sdists.into_iter().next().map(to_file),
                directory,
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

/// Where a target sits for markers: what `sys_platform`,
/// `platform_machine` (empty: any) and `python_version` say there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Point<'a> {
    sys_platform: &'a str,
    machine: &'a str,
    python: (u64, u64),
}

impl<'a> Point<'a> {
    fn of(target: &'a crate::resolve::Target) -> Self {
        let release = target.python.release();
        Self {
            sys_platform: target.markers.sys_platform(),
            machine: target.markers.platform_machine(),
            python: (
                release.first().copied().unwrap_or(3),
                release.get(1).copied().unwrap_or(0),
            ),
        }
    }

    fn platform(&self) -> String {
        let mut out = format!("sys_platform == '{}'", self.sys_platform);
        if !self.machine.is_empty() {
            out.push_str(&format!(" and platform_machine == '{}'", self.machine));
        }
        out
    }
}

/// The lock's `environments`: one marker per platform and run of
/// Pythons (`… and python_version >= '3.10' and python_version <= '3.14'`).
fn environments(universe: &[Point<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    for group in platform_groups(universe) {
        let pythons: Vec<(u64, u64)> = sorted_pythons(&group);
        for run in runs(&pythons, &pythons) {
            let first = group[0];
            out.push(format!(
                "{} and implementation_name == 'cpython' and {}",
                first.platform(),
                python_clause(run, None)
            ));
        }
    }
    out
}

/// The marker that holds on exactly the `needed` points of `universe`
/// (the lock's `environments` keep every other machine out), as short as
/// that allows; `None` when every point needs it.
fn points_marker(needed: &[Point<'_>], universe: &[Point<'_>]) -> Option<String> {
    let covers = |subset: &[Point<'_>]| subset.iter().all(|p| needed.iter().any(|n| same(n, p)));
    if covers(universe) {
        return None;
    }
    // The same Pythons wanted on every platform: the Pythons alone tell.
    let groups = platform_groups(universe);
    let wanted_in = |group: &[Point<'_>]| -> Vec<(u64, u64)> {
        let wanted: Vec<Point<'_>> = group
            .iter()
            .copied()
            .filter(|p| needed.iter().any(|n| same(n, p)))
            .collect();
        sorted_pythons(&wanted)
    };
    let first_all = sorted_pythons(&groups[0]);
    let first_wanted = wanted_in(&groups[0]);
    if groups
        .iter()
        .all(|g| sorted_pythons(g) == first_all && wanted_in(g) == first_wanted)
    {
        let clauses: Vec<String> = runs(&first_wanted, &first_all)
            .into_iter()
            .map(|run| python_clause(run, Some(&first_all)))
            .collect();
        return Some(or(&clauses));
    }
    let mut clauses = Vec::new();
    let mut systems: Vec<&str> = Vec::new();
    for point in universe {
        if !systems.contains(&point.sys_platform) {
            systems.push(point.sys_platform);
        }
    }
    for system in systems {
        let of_system: Vec<Point<'_>> = universe
            .iter()
            .copied()
            .filter(|p| p.sys_platform == system)
            .collect();
        if !needed.iter().any(|n| n.sys_platform == system) {
            continue;
        }
        if covers(&of_system) {
            clauses.push(format!("sys_platform == '{system}'"));
            continue;
        }
        for group in platform_groups(&of_system) {
            let wanted: Vec<Point<'_>> = group
                .iter()
                .copied()
                .filter(|p| needed.iter().any(|n| same(n, p)))
                .collect();
            if wanted.is_empty() {
                continue;
            }
            if wanted.len() == group.len() {
                clauses.push(group[0].platform());
                continue;
            }
            let all = sorted_pythons(&group);
            for run in runs(&sorted_pythons(&wanted), &all) {
                clauses.push(format!(
                    "{} and {}",
                    group[0].platform(),
                    python_clause(run, Some(&all))
                ));
            }
        }
    }
    Some(if clauses.len() == 1 {
        clauses.remove(0)
    } else {
        or(&clauses)
    })
}

fn same(a: &Point<'_>, b: &Point<'_>) -> bool {
    a.sys_platform == b.sys_platform && a.machine == b.machine && a.python == b.python
}

/// The points of each platform (`sys_platform` and machine), in order of
/// first appearance.
fn platform_groups<'a>(points: &[Point<'a>]) -> Vec<Vec<Point<'a>>> {
    let mut groups: Vec<Vec<Point<'a>>> = Vec::new();
    for point in points {
        match groups
            .iter_mut()
            .find(|g| g[0].sys_platform == point.sys_platform && g[0].machine == point.machine)
        {
            Some(group) => group.push(*point),
            None => groups.push(vec![*point]),
        }
    }
    groups
}

fn sorted_pythons(points: &[Point<'_>]) -> Vec<(u64, u64)> {
    let mut pythons: Vec<(u64, u64)> = points.iter().map(|p| p.python).collect();
    pythons.sort_unstable();
    pythons.dedup();
    pythons
}

/// The maximal runs of `wanted` that are consecutive in `all`.
fn runs<'a>(wanted: &'a [(u64, u64)], all: &[(u64, u64)]) -> Vec<&'a [(u64, u64)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=wanted.len() {
        let breaks = i == wanted.len() || {
            let (previous, next) = (wanted[i - 1], wanted[i]);
            let position = all.iter().position(|p| *p == previous);
            position.and_then(|at| all.get(at + 1)) != Some(&next)
        };
        if breaks {
            out.push(&wanted[start..i]);
            start = i;
        }
    }
    out
}

/// `python_version == '3.12'`, or the bounds of a run; a bound at the
/// edge of `all` (the Pythons the platform covers) is left out.
fn python_clause(run: &[(u64, u64)], all: Option<&[(u64, u64)]>) -> String {
    let (first, last) = (run[0], run[run.len() - 1]);
    let version = |(major, minor): (u64, u64)| format!("{major}.{minor}");
    if first == last {
        return format!("python_version == '{}'", version(first));
    }
    let mut bounds = Vec::new();
    if all.is_none_or(|all| all.first() != Some(&first)) {
        bounds.push(format!("python_version >= '{}'", version(first)));
    }
    if all.is_none_or(|all| all.last() != Some(&last)) {
        bounds.push(format!("python_version <= '{}'", version(last)));
    }
    bounds.join(" and ")
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
