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
use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree};

use crate::install::Tags;
use crate::install::name::WheelFilename;
use crate::lock::{Lock, LockedFile, LockedPackage};
use crate::sync::Error;

/// The environment a lock is installed into, as selection sees it.
#[derive(Debug, Clone)]
pub struct Environment<'a> {
    /// For messages: `host (cpython 3.12.1, linux x86_64)`.
    pub description: &'a str,
    pub python: &'a Version,
    pub markers: &'a MarkerEnvironment,
    pub tags: &'a Tags,
}

/// A locked package chosen for the environment, with its best wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The normalized name.
    pub name: String,
    pub version: String,
    pub wheel: LockedFile,
}

/// The extra every rewritten `in extras` clause compares with.
const ALL: &str = "fenv-sync-all";

/// The packages of `lock` that `environment` gets, sorted by name, each
/// with the wheel its tags prefer; every extra and group included.
pub fn select(lock: &Lock, environment: &Environment<'_>) -> Result<Vec<Selected>, Error> {
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
            any |= applies(marker, environment.markers)?;
        }
        if !any {
            return Err(Error::NotForThisEnvironment {
                environment: environment.description.to_string(),
                targets: lock.tool.targets.clone(),
            });
        }
    }
    let mut chosen: BTreeMap<String, Selected> = BTreeMap::new();
    for package in &lock.packages {
        if let Some(marker) = &package.marker
            && !applies(marker, environment.markers)?
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
        let wheel = best_wheel(package, environment)?;
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
                wheel,
            },
        );
    }
    Ok(chosen.into_values().collect())
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

/// Evaluates a lock marker for `markers`, with every extra and group on.
pub fn applies(marker: &str, markers: &MarkerEnvironment) -> Result<bool, Error> {
    let rewritten = rewrite_collections(marker);
    let tree = MarkerTree::from_str(&rewritten).map_err(|err| Error::InvalidMarker {
        marker: marker.to_string(),
        reason: err.to_string(),
    })?;
    let all = ExtraName::from_str(ALL).map_err(|err| Error::InvalidMarker {
        marker: marker.to_string(),
        reason: err.to_string(),
    })?;
    Ok(tree.evaluate(markers, &[all]))
}

/// Rewrites `'x' in extras` / `'g' not in dependency_groups` (either
/// quote) to `extra == 'fenv-sync-all'` / `extra != 'fenv-sync-all'`,
/// leaving every other character as it was.
fn rewrite_collections(marker: &str) -> String {
    let mut out = String::with_capacity(marker.len());
    let mut rest = marker;
    while let Some(start) = rest.find(['\'', '"']) {
        let quote = rest[start..].chars().next().unwrap_or('\'');
        let Some(len) = rest[start + 1..].find(quote) else {
            break;
        };
        let end = start + 1 + len + 1;
        let after = &rest[end..];
        if let Some((negated, consumed)) = collection_test(after) {
            out.push_str(&rest[..start]);
            let op = if negated { "!=" } else { "==" };
            out.push_str(&format!("extra {op} '{ALL}'"));
            rest = &after[consumed..];
        } else {
            out.push_str(&rest[..end]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// After a quoted string: ` in extras`, ` not in dependency_groups`, …
/// as `(negated, bytes consumed)`.
fn collection_test(text: &str) -> Option<(bool, usize)> {
    let words: Vec<(usize, &str)> = word_spans(text).take(3).collect();
    let (negated, name_at) = match words.as_slice() {
        [(_, "not"), (_, "in"), ..] => (true, 2),
        [(_, "in"), ..] => (false, 1),
        _ => return None,
    };
    let (at, name) = words.get(name_at)?;
    let word = name.trim_end_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
    if word != "extras" && word != "dependency_groups" {
        return None;
    }
    Some((negated, at + word.len()))
}

/// Whitespace-separated words of `text` with their byte offsets; a word
/// ends at whitespace or a closing parenthesis.
fn word_spans(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    std::iter::from_fn(move || {
        let rest = &text[offset..];
        let skipped = rest.len() - rest.trim_start().len();
        let start = offset + skipped;
        if start >= text.len() {
            return None;
        }
        let len = text[start..]
            .find(|c: char| c.is_whitespace() || c == ')' || c == '(')
            .unwrap_or(text.len() - start)
            .max(1);
        offset = start + len;
        Some((start, &text[start..start + len]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_extras_and_groups() {
        let cases = [
            ("'x' in extras", "extra == 'fenv-sync-all'"),
            ("\"dev\" in dependency_groups", "extra == 'fenv-sync-all'"),
            ("'x' not in extras", "extra != 'fenv-sync-all'"),
            (
                "(sys_platform == 'linux') and ('a' in extras or 'b' in extras)",
                "(sys_platform == 'linux') and (extra == 'fenv-sync-all' or extra == 'fenv-sync-all')",
            ),
            ("python_version >= '3.10'", "python_version >= '3.10'"),
            ("'linux' in sys_platform", "'linux' in sys_platform"),
        ];
        for (marker, expected) in cases {
            assert_eq!(rewrite_collections(marker), expected, "{marker}");
        }
    }
}
