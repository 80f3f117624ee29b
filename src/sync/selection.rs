//! Which extras and dependency groups an environment gets: asked for with
//! uv's flags (`--extra`, `--all-extras`, `--group`, `--no-group`,
//! `--only-group`, `--all-groups`, `--no-dev`, `--no-default-groups`), the lock's
//! `default-groups` (PEP 751) when nothing else is said, and recorded in
//! `pyvenv.cfg` so that `fenv check` and `fenv ci` judge the environment
//! against what it was synced with.

use std::collections::BTreeSet;

use crate::dist::name::normalize;
use crate::lock::Lock;

/// The `pyvenv.cfg` key recording the selection a sync installed.
pub const SELECTION_KEY: &str = "fenv.selection";

/// What the command line asked for, names as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choice {
    pub extras: Vec<String>,
    pub all_extras: bool,
    pub groups: Vec<String>,
    pub no_groups: Vec<String>,
    pub all_groups: bool,
    pub no_dev: bool,
    pub no_default_groups: bool,
    /// `--only-group`: these groups and what they need, without the
    /// project's own dependencies.
    pub only_groups: Vec<String>,
}

/// The extras and groups an environment gets, normalized.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub extras: BTreeSet<String>,
    pub groups: BTreeSet<String>,
    /// Only the groups' packages and their dependencies, not the
    /// project's (uv's `--only-group`).
    pub only: bool,
}

/// A name the lock does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the lock has no {kind} `{name}`")]
pub struct Unknown {
    /// `extra` or `dependency group`.
    pub kind: &'static str,
    pub name: String,
    /// What the lock has, for the hint.
    pub known: Vec<String>,
}

impl Choice {
    /// The selection for `lock`: its default groups (`[tool.fenv]
    /// default-groups`, else PEP 751's `default-groups`) unless
    /// `--no-default-groups` (or `--no-dev` for `dev`), plus what was
    /// named, less `--no-group`. A name the lock does not list is an error.
    pub fn resolve(&self, lock: &Lock) -> Result<Selection, Unknown> {
        let known_extras: BTreeSet<String> = lock.extras.iter().map(|n| normalize(n)).collect();
        let known_groups: BTreeSet<String> = lock.dependency_groups.iter().map(|n| normalize(n)).collect();
        let check = |kind, names: &[String], known: &BTreeSet<String>| -> Result<BTreeSet<String>, Unknown> {
            names
                .iter()
                .map(|name| {
                    let name = normalize(name);
                    if known.contains(&name) {
                        Ok(name)
                    } else {
                        Err(Unknown {
                            kind,
                            name,
                            known: known.iter().cloned().collect(),
                        })
                    }
                })
                .collect()
        };
        if !self.only_groups.is_empty() {
            return Ok(Selection {
                extras: BTreeSet::new(),
                groups: check("dependency group", &self.only_groups, &known_groups)?,
                only: true,
            });
        }
        let extras = if self.all_extras {
            known_extras.clone()
        } else {
            check("extra", &self.extras, &known_extras)?
        };
        let named = check("dependency group", &self.groups, &known_groups)?;
        let without = check("dependency group", &self.no_groups, &known_groups)?;
        let mut groups: BTreeSet<String> = if self.all_groups {
            known_groups.clone()
        } else if self.no_default_groups {
            BTreeSet::new()
        } else {
            // fenv's own record first: PEP 751's `default-groups` are what
            // every installer turns on, and fenv keeps `dev` out of them.
            let defaults = lock.tool.default_groups.as_ref().unwrap_or(&lock.default_groups);
            defaults.iter().map(|n| normalize(n)).collect()
        };
        groups.extend(named);
        groups.retain(|g| !(without.contains(g) || (self.no_dev && g == "dev")));
        Ok(Selection {
            extras,
            groups,
            only: false,
        })
    }
}

impl Selection {
    /// As `pyvenv.cfg` records it: `extras=a,b groups=dev` (then ` only`
    /// for `--only-group`).
    pub fn record(&self) -> String {
        let join = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(",");
        let only = if self.only { " only" } else { "" };
        format!(
            "extras={} groups={}{only}",
            join(&self.extras),
            join(&self.groups)
        )
    }

    /// What [`Selection::record`] wrote, or `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let mut selection = Self::default();
        for part in text.split_whitespace() {
            if part == "only" {
                selection.only = true;
                continue;
            }
            let (key, names) = part.split_once('=')?;
            let names = names.split(',').filter(|n| !n.is_empty()).map(normalize);
            match key {
                "extras" => selection.extras.extend(names),
                "groups" => selection.groups.extend(names),
                _ => return None,
            }
        }
        Some(selection)
    }
}

/// The selection an environment was synced with, as its `pyvenv.cfg`
/// records it; the lock's default for an environment without a record.
pub fn recorded(cfg: &crate::venv::cfg::PyvenvCfg, lock: &Lock) -> Selection {
    cfg.get(SELECTION_KEY)
        .and_then(Selection::parse)
        .unwrap_or_else(|| Choice::default().resolve(lock).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock() -> Lock {
        Lock {
            extras: vec!["fast".into(), "aws".into()],
            dependency_groups: vec!["dev".into(), "test".into(), "lint".into()],
            default_groups: vec!["dev".into()],
            ..Lock::default()
        }
    }

    fn names(set: &BTreeSet<String>) -> Vec<&str> {
        set.iter().map(String::as_str).collect()
    }

    #[test]
    fn the_default_is_the_locks_default_groups_and_no_extras() {
        let selection = Choice::default().resolve(&lock()).unwrap();
        assert_eq!(names(&selection.groups), ["dev"]);
        assert!(selection.extras.is_empty());
    }

    #[test]
    fn uvs_flags_add_and_take_away() {
        let resolve = |choice: Choice| choice.resolve(&lock()).unwrap();
        let s = resolve(Choice {
            extras: vec!["Fast".into()],
            groups: vec!["test".into()],
            no_dev: true,
            ..Choice::default()
        });
        assert_eq!((names(&s.extras), names(&s.groups)), (vec!["fast"], vec!["test"]));
        let s = resolve(Choice {
            all_extras: true,
            all_groups: true,
            no_groups: vec!["lint".into()],
            ..Choice::default()
        });
        assert_eq!(
            (names(&s.extras), names(&s.groups)),
            (vec!["aws", "fast"], vec!["dev", "test"])
        );
        let s = resolve(Choice {
            no_default_groups: true,
            ..Choice::default()
        });
        assert!(s.groups.is_empty());
    }

    #[test]
    fn only_group_takes_the_groups_alone() {
        let s = Choice {
            only_groups: vec!["Test".into()],
            ..Choice::default()
        }
        .resolve(&lock())
        .unwrap();
        assert_eq!(
            (names(&s.extras), names(&s.groups), s.only),
            (vec![], vec!["test"], true)
        );
    }

    #[test]
    fn a_name_the_lock_lacks_is_refused() {
        let err = Choice {
            groups: vec!["docs".into()],
            ..Choice::default()
        }
        .resolve(&lock())
        .unwrap_err();
        assert_eq!(err.to_string(), "the lock has no dependency group `docs`");
        assert_eq!(err.known, ["dev", "lint", "test"]);
    }

    #[test]
    fn a_record_reads_back() {
        let mut selection = Selection {
            extras: ["fast".to_string()].into(),
            groups: ["dev".to_string(), "test".to_string()].into(),
            only: false,
        };
        assert_eq!(selection.record(), "extras=fast groups=dev,test");
        assert_eq!(Selection::parse(&selection.record()), Some(selection.clone()));
        selection.only = true;
        assert_eq!(selection.record(), "extras=fast groups=dev,test only");
        assert_eq!(Selection::parse(&selection.record()), Some(selection));
        assert_eq!(Selection::parse("extras= groups="), Some(Selection::default()));
        assert_eq!(Selection::parse("nonsense"), None);
    }
}
