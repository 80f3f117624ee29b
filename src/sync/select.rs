//! Which locked packages apply to an environment, and which of their
//! wheels to install (PEP 751's installer steps, for one interpreter).
//!
//! A lock serves several targets; its markers say which package goes
//! where. fenv's locks also gate optional packages on `'x' in extras`
//! and `'g' in dependency_groups` (PEP 751 marker extensions that
//! pep508_rs cannot parse). Sync installs every extra and every group, so
//! those clauses are rewritten to an always-true (`in`) or always-false
//! (`not in`) `extra` comparison before the marker is parsed.

use std::collections::BTreeMap;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::MarkerEnvironment;

use crate::dist::name::WheelFilename;
use crate::install::Tags;
use crate::lock::marker::Switches;
use crate::lock::{Lock, LockedFile, LockedPackage};
use crate::sync::Error;
use crate::sync::selection::Selection;

/// The environment a lock is installed into, as selection sees it.
#[derive(Debug, Clone)]
pub struct Environment<'a> {
    /// For messages: `host (cpython 3.12.1, linux x86_64)`.
    pub description: &'a str,
    pub python: &'a Version,
    pub markers: &'a MarkerEnvironment,
    pub tags: &'a Tags,
    /// Whether a package with no fitting wheel may be built from its
    /// sdist (only where the environment's Python is at hand).
    pub allow_sdist: bool,
}

/// A locked package chosen for the environment, with the file to
/// install it from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The normalized name.
    pub name: String,
    pub version: String,
    /// The best wheel, or the sdist to build one from ([`Selected::source`]);
    /// empty for a folder.
    pub file: LockedFile,
    pub source: Source,
    /// For a folder: what its tree holds ([`crate::build::fingerprint`]),
    /// filled in by whoever may read it; an install of another
    /// fingerprint is built again.
    pub fingerprint: Option<String>,
}

/// What [`Selected::file`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A wheel, installed as it is.
    Wheel,
    /// An sdist, built into a wheel first ([`crate::build`]).
    Sdist,
    /// A source tree in a folder (PEP 751 `directory`), built first.
    Directory(crate::lock::LockedDirectory),
}

/// The packages of `lock` that `environment` gets with `selection`'s
/// extras and groups (`None`: every one), sorted by name, each with the
/// wheel its tags prefer.
pub fn select(
    lock: &Lock,
    environment: &Environment<'_>,
    selection: Option<&Selection>,
) -> Result<Vec<Selected>, Error> {
    let on = selection.map_or(Switches::All, |selection| {
        Switches::these(&selection.extras, &selection.groups)
    });
    let python = environment.python.to_string();
    if let Some(requires) = &lock.requires_python
        && !satisfies(requires, environment.python)
    {
        return Err(Error::PythonMismatch {
            requires: requires.clone(),
            python,
        });
    }
    if !lock.environments.is_empty() {
        let mut any = false;
        for marker in &lock.environments {
            any |= on.applies(marker, environment.markers)?;
        }
        if !any {
            return Err(Error::NotForThisEnvironment {
                environment: environment.description.to_string(),
                targets: lock.tool.targets.clone(),
                pythons: locked_pythons(&lock.environments),
            });
        }
    }
    let mut chosen: BTreeMap<String, Selected> = BTreeMap::new();
    for package in &lock.packages {
        if let Some(marker) = &package.marker
            && !on.applies(marker, environment.markers)?
        {
            continue;
        }
        if let Some(requires) = &package.requires_python
            && !satisfies(requires, environment.python)
        {
            return Err(Error::PackagePythonMismatch {
                package: package.name.clone(),
                version: package.version.clone(),
                requires: requires.clone(),
                python,
            });
        }
        let (file, source) = match (best_wheel(package, environment), &package.sdist) {
            // A folder is built by whoever installs it: a sync in the
            // environment's Python, a bundle in the project's.
            _ if let Some(directory) = &package.directory => {
                (LockedFile::default(), Source::Directory(directory.clone()))
            }
            (Ok(wheel), _) => (wheel, Source::Wheel),
            // No wheel fits: the host builds one from the sdist.
            (Err(Error::SdistOnly { .. } | Error::NoCompatibleWheel { .. }), Some(sdist))
                if environment.allow_sdist =>
            {
                (sdist.clone(), Source::Sdist)
            }
            (Err(err), _) => return Err(err),
        };
        if let Some(first) = chosen.get(&package.name) {
            return Err(Error::Ambiguous {
                package: package.name.clone(),
                first: first.version.clone(),
                second: package.version.clone(),
            });
        }
        chosen.insert(
            package.name.clone(),
            Selected {
                name: package.name.clone(),
                version: package.version.clone(),
                file,
                source,
                fingerprint: None,
            },
        );
    }
    if let Some(selection) = selection.filter(|s| s.only) {
        let needed = group_closure(lock, &selection.groups);
        chosen.retain(|name, _| needed.contains(name));
    }
    Ok(chosen.into_values().collect())
}

/// For `--only-group`: the packages `groups` need, by normalized name.
/// The roots are the groups' own requirements, which fenv's lock records
/// among its inputs (`group dev: pytest>=8`), and the packages any lock
/// gates on a group (`'dev' in dependency_groups`); then everything
/// their `dependencies` reach.
fn group_closure(
    lock: &Lock,
    groups: &std::collections::BTreeSet<String>,
) -> std::collections::BTreeSet<String> {
    use crate::dist::name::normalize;
    let mut stack: Vec<String> = Vec::new();
    for line in &lock.tool.inputs {
        if let Some((group, requirement)) = line.strip_prefix("group ").and_then(|rest| rest.split_once(": "))
            && groups.contains(&normalize(group))
            && let Ok(requirement) = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(requirement)
        {
            stack.push(normalize(requirement.name.as_ref()));
        }
    }
    for package in &lock.packages {
        let gated = package.marker.as_deref().is_some_and(|marker| {
            groups.iter().any(|group| {
                marker.contains(&format!("'{group}' in dependency_groups"))
                    || marker.contains(&format!("\"{group}\" in dependency_groups"))
            })
        });
        if gated {
            stack.push(package.name.clone());
        }
    }
    let mut needed = std::collections::BTreeSet::new();
    while let Some(name) = stack.pop() {
        if needed.insert(name.clone()) {
            for package in lock.packages.iter().filter(|p| p.name == name) {
                stack.extend(package.dependencies.iter().map(|d| normalize(d)));
            }
        }
    }
    needed
}

/// The Pythons a lock's `environments` markers name, in order, each
/// once: `3.12` for `python_version == '3.12'`, `3.10–3.14` for a range
/// (`>= '3.10' and <= '3.14'`).
fn locked_pythons(environments: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for marker in environments {
        let mut bounds: [Option<String>; 3] = [None, None, None];
        let mut rest = marker.as_str();
        while let Some(at) = rest.find("python_version ") {
            rest = &rest[at + "python_version ".len()..];
            let slot = ["==", ">=", "<="].iter().position(|op| rest.starts_with(op));
            let version: String = rest
                .get(2..)
                .unwrap_or_default()
                .trim_start()
                .trim_start_matches(['\'', '"'])
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            if let (Some(slot), false) = (slot, version.is_empty()) {
                bounds[slot] = Some(version);
            }
        }
        let named = match bounds {
            [Some(exact), _, _] => exact,
            [None, Some(low), Some(high)] => format!("{low}–{high}"),
            [None, Some(low), None] => format!("{low}+"),
            _ => continue,
        };
        if !out.contains(&named) {
            out.push(named);
        }
    }
    out
}

/// The wheel whose best tag the environment ranks highest.
fn best_wheel(package: &LockedPackage, environment: &Environment<'_>) -> Result<LockedFile, Error> {
    let best = package
        .wheels
        .iter()
        .filter_map(|wheel| {
            let parsed = WheelFilename::parse(&wheel.name)?;
            Some((environment.tags.rank(&parsed.tags)?, wheel))
        })
        .min_by_key(|(rank, _)| *rank);
    match best {
        Some((_, wheel)) => Ok(wheel.clone()),
        None if package.wheels.is_empty() => Err(Error::SdistOnly {
            package: package.name.clone(),
            version: package.version.clone(),
        }),
        None => Err(Error::NoCompatibleWheel {
            package: package.name.clone(),
            version: package.version.clone(),
            environment: environment.description.to_string(),
        }),
    }
}

/// Whether `version` is inside the specifiers; an unparsable
/// `requires-python` counts as satisfied, as pip treats it.
fn satisfies(specifiers: &str, version: &Version) -> bool {
    VersionSpecifiers::from_str(specifiers).map_or(true, |s| s.contains(version))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::resolve::Target;
    use crate::resolve::target::Arch;

    fn wheel(name: &str) -> LockedFile {
        LockedFile {
            name: name.into(),
            url: format!("https://example.org/{name}"),
            sha256: "0".repeat(64),
            ..LockedFile::default()
        }
    }

    fn package(name: &str, marker: Option<&str>, wheels: &[&str]) -> LockedPackage {
        LockedPackage {
            name: name.into(),
            version: "1.0".into(),
            marker: marker.map(str::to_string),
            wheels: wheels.iter().map(|w| wheel(w)).collect(),
            sdist: wheels.is_empty().then(|| wheel(&format!("{name}-1.0.tar.gz"))),
            ..LockedPackage::default()
        }
    }

    fn select_for(target: &Target, lock: &Lock) -> Result<Vec<Selected>, Error> {
        select(
            lock,
            &Environment {
                description: &target.description,
                python: &target.python,
                markers: &target.markers,
                tags: &target.tags,
                allow_sdist: target.allow_sdist,
            },
            None,
        )
    }

    #[test]
    fn markers_gate_packages_and_tags_pick_the_wheel() {
        let lambda = Target::lambda((3, 12), Arch::X86_64);
        let lock = Lock {
            requires_python: Some(">=3.10".into()),
            environments: vec![
                "sys_platform == 'linux'".into(),
                "sys_platform == 'darwin'".into(),
            ],
            packages: vec![
                package(
                    "native",
                    None,
                    &[
                        "native-1.0-cp312-cp312-macosx_11_0_arm64.whl",
                        "native-1.0-py3-none-any.whl",
                        "native-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                    ],
                ),
                package(
                    "mac-only",
                    Some("sys_platform == 'darwin'"),
                    &["mac_only-1.0-py3-none-any.whl"],
                ),
                package(
                    "dev-tool",
                    Some("(sys_platform == 'linux') and ('dev' in dependency_groups)"),
                    &["dev_tool-1.0-py3-none-any.whl"],
                ),
            ],
            ..Lock::default()
        };
        let selected = select_for(&lambda, &lock).unwrap();
        let chosen: Vec<(&str, &str)> = selected
            .iter()
            .map(|s| (s.name.as_str(), s.file.name.as_str()))
            .collect();
        assert_eq!(
            chosen,
            [
                ("dev-tool", "dev_tool-1.0-py3-none-any.whl"),
                (
                    "native",
                    "native-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
                ),
            ]
        );
    }

    #[test]
    fn a_lock_for_other_environments_or_pythons_is_refused() {
        let lambda = Target::lambda((3, 12), Arch::X86_64);
        let lock = Lock {
            environments: vec!["sys_platform == 'darwin'".into()],
            tool: crate::lock::FenvTool {
                targets: vec!["host".into()],
                ..Default::default()
            },
            ..Lock::default()
        };
        let err = select_for(&lambda, &lock).unwrap_err();
        assert_eq!(
            err.to_string(),
            "this lock was not made for lambda (python3.12, x86_64, glibc ≤ 2.34)"
        );
        let lock = Lock {
            requires_python: Some(">=3.13".into()),
            ..Lock::default()
        };
        assert!(matches!(
            select_for(&lambda, &lock),
            Err(Error::PythonMismatch { .. })
        ));
    }

    #[test]
    fn the_host_builds_what_has_no_fitting_wheel() {
        let host = Target::lambda((3, 12), Arch::X86_64);
        let host = Target {
            allow_sdist: true,
            ..host
        };
        let mut native = package("native", None, &["native-1.0-cp312-cp312-macosx_11_0_arm64.whl"]);
        native.sdist = Some(wheel("native-1.0.tar.gz"));
        let lock = Lock {
            packages: vec![
                package("built", None, &[]),
                native,
                package("pure", None, &["pure-1.0-py3-none-any.whl"]),
            ],
            ..Lock::default()
        };
        let chosen: Vec<(String, String, Source)> = select_for(&host, &lock)
            .unwrap()
            .into_iter()
            .map(|s| (s.name, s.file.name, s.source))
            .collect();
        assert_eq!(
            chosen,
            [
                ("built".into(), "built-1.0.tar.gz".into(), Source::Sdist),
                ("native".into(), "native-1.0.tar.gz".into(), Source::Sdist),
                ("pure".into(), "pure-1.0-py3-none-any.whl".into(), Source::Wheel),
            ]
        );
    }

    #[test]
    fn an_sdist_only_package_is_an_error_naming_it() {
        let lambda = Target::lambda((3, 12), Arch::X86_64);
        let lock = Lock {
            packages: vec![package("built", None, &[])],
            ..Lock::default()
        };
        let err = select_for(&lambda, &lock).unwrap_err();
        assert!(
            matches!(err, Error::SdistOnly { ref package, .. } if package == "built"),
            "{err}"
        );
    }
}
