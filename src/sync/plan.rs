//! What a sync changes: the environment's distributions against the
//! packages selected from the lock.
//!
//! Pure: it reads nothing and writes nothing, so every rule is tested
//! here. A distribution the lock names at another version is replaced;
//! one the lock does not name is removed, unless it is a seed package
//! fenv put there itself (`seed = pip setuptools` in `pyvenv.cfg`). A
//! suspect distribution (one a stopped sync was changing, or one without
//! a `RECORD`) is installed again even at the locked version.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::str::FromStr;

use pep440_rs::Version;

use crate::install::Distribution;
use crate::sync::Selected;

/// The changes that make an environment hold exactly the lock.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Locked, not installed.
    pub install: Vec<Selected>,
    /// Installed at another version: the old one and the locked one.
    pub replace: Vec<(Distribution, Selected)>,
    /// Suspect, at the locked version: discarded and installed again.
    pub repair: Vec<(Distribution, Selected)>,
    /// Installed, not locked, not a seed package.
    pub remove: Vec<Distribution>,
    /// Installed at the locked version.
    pub unchanged: usize,
}

impl Plan {
    /// Whether the environment already holds exactly the lock.
    pub fn is_empty(&self) -> bool {
        self.install.is_empty() && self.replace.is_empty() && self.repair.is_empty() && self.remove.is_empty()
    }

    /// The normalized names of every package the plan touches.
    pub fn touched(&self) -> Vec<String> {
        self.wheels()
            .map(|selected| selected.name.clone())
            .chain(self.remove.iter().map(Distribution::normalized_name))
            .collect()
    }

    /// The wheels the plan installs, whether new or replacing.
    pub fn wheels(&self) -> impl Iterator<Item = &Selected> {
        self.install.iter().chain(
            self.replace
                .iter()
                .chain(&self.repair)
                .map(|(_, selected)| selected),
        )
    }

    /// `+3 ~1 -2`: installed, replaced (or repaired), removed.
    pub fn summary(&self) -> String {
        format!(
            "+{} ~{} -{}",
            self.install.len(),
            self.replace.len() + self.repair.len(),
            self.remove.len()
        )
    }

    /// One line a change, as `--dry-run` and `-v` print them.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for selected in &self.install {
            lines.push(format!(" + {}=={}", selected.name, selected.version));
        }
        for (old, selected) in &self.replace {
            let mut line = String::new();
            let _ = write!(
                line,
                " ~ {}=={} -> {}",
                selected.name, old.version, selected.version
            );
            lines.push(line);
        }
        for (_, selected) in &self.repair {
            lines.push(format!(" ~ {}=={} (repaired)", selected.name, selected.version));
        }
        for old in &self.remove {
            lines.push(format!(" - {}=={}", old.normalized_name(), old.version));
        }
        lines
    }
}

/// The plan that takes `installed` to `selected`, keeping the seed
/// packages (normalized names) the lock does not pin, and installing the
/// `suspect` ones again.
pub fn plan(installed: &[Distribution], selected: &[Selected], seeds: &[String], suspect: &[String]) -> Plan {
    let mut by_name: BTreeMap<String, &Distribution> = installed
        .iter()
        .map(|dist| (dist.normalized_name(), dist))
        .collect();
    let mut plan = Plan::default();
    for wanted in selected {
        match by_name.remove(&wanted.name) {
            None => plan.install.push(wanted.clone()),
            // A folder's package is the same only if built from the
            // folder as it is (a lock may leave its version out).
            Some(dist)
                if (wanted.version.is_empty() || same_version(&dist.version, &wanted.version))
                    && dist.source_tree == wanted.fingerprint =>
            {
                if suspect.contains(&wanted.name) {
                    plan.repair.push((dist.clone(), wanted.clone()));
                } else {
                    plan.unchanged += 1;
                }
            }
            Some(dist) => plan.replace.push((dist.clone(), wanted.clone())),
        }
    }
    plan.remove = by_name
        .into_iter()
        .filter(|(name, _)| !seeds.contains(name))
        .map(|(_, dist)| dist.clone())
        .collect();
    plan
}

/// PEP 440 equality (`1.0` is `1.0.0`), else the same text.
fn same_version(installed: &str, locked: &str) -> bool {
    match (Version::from_str(installed), Version::from_str(locked)) {
        (Ok(a), Ok(b)) => a == b,
        _ => installed == locked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::LockedFile;

    fn dist(name: &str, version: &str) -> Distribution {
        Distribution {
            name: name.into(),
            version: version.into(),
            installer: None,
            requested: false,
            direct_url: None,
            source_tree: None,
            dist_info: format!("{name}-{version}.dist-info").into(),
        }
    }

    fn locked(name: &str, version: &str) -> Selected {
        Selected {
            name: name.into(),
            version: version.into(),
            file: LockedFile::default(),
            source: crate::sync::select::Source::Wheel,
            fingerprint: None,
        }
    }

    #[test]
    fn installs_replaces_removes_and_keeps_seeds() {
        let installed = [
            dist("pip", "24.0"),
            dist("setuptools", "70.0"),
            dist("Same_Name", "1.0.0"),
            dist("old", "1.0"),
            dist("extra", "2.0"),
        ];
        let selected = [
            locked("new", "1.0"),
            locked("old", "2.0"),
            locked("same-name", "1.0"),
            locked("setuptools", "75.0"),
        ];
        let seeds = ["pip".to_string(), "setuptools".to_string()];
        let plan = plan(&installed, &selected, &seeds, &[]);
        assert_eq!(plan.summary(), "+1 ~2 -1");
        assert_eq!(plan.unchanged, 1);
        assert_eq!(
            plan.lines(),
            [
                " + new==1.0",
                " ~ old==1.0 -> 2.0",
                " ~ setuptools==70.0 -> 75.0",
                " - extra==2.0"
            ]
        );
    }

    #[test]
    fn an_environment_holding_the_lock_needs_nothing() {
        let plan = plan(&[dist("a", "1")], &[locked("a", "1")], &[], &[]);
        assert!(plan.is_empty());
    }

    #[test]
    fn suspect_packages_are_installed_again() {
        let installed = [dist("a", "1"), dist("b", "1"), dist("c", "1")];
        let selected = [locked("a", "1"), locked("b", "2")];
        let suspect = ["a".to_string(), "b".to_string(), "c".to_string()];
        let plan = plan(&installed, &selected, &[], &suspect);
        assert_eq!(plan.lines(), [" ~ b==1 -> 2", " ~ a==1 (repaired)", " - c==1"]);
        assert_eq!(plan.summary(), "+0 ~2 -1");
        assert_eq!(plan.touched(), ["b", "a", "c"]);
    }
}
