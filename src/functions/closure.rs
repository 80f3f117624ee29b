//! A function's dependency closure: the project's dependencies plus its
//! own, followed through the lock's `dependencies` lists, among the
//! packages a target gets.
//!
//! The lock's dependency lists are informational in PEP 751 (installers
//! must not rely on them), and that is all this uses them for: choosing
//! which of the packages already selected for a target a function
//! carries. fenv writes them with the dependencies every extra adds.

use std::collections::{BTreeMap, BTreeSet};

use pep508_rs::Requirement;

use crate::dist::name::normalize;
use crate::lock::Lock;

/// The normalized names of the packages reachable from `roots` in
/// `lock`, limited to `available` (the names a target gets), sorted.
pub fn closure<'a>(
    lock: &Lock,
    roots: impl IntoIterator<Item = &'a Requirement>,
    available: &BTreeSet<String>,
) -> BTreeSet<String> {
    let edges: BTreeMap<&str, &[String]> = lock
        .packages
        .iter()
        .filter(|p| available.contains(&p.name))
        .map(|p| (p.name.as_str(), p.dependencies.as_slice()))
        .collect();
    let mut stack: Vec<String> = roots.into_iter().map(|r| normalize(r.name.as_ref())).collect();
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if !available.contains(&name) || !seen.insert(name.clone()) {
            continue;
        }
        for dep in edges.get(name.as_str()).copied().unwrap_or_default() {
            stack.push(normalize(dep));
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::lock::LockedPackage;

    fn package(name: &str, dependencies: &[&str]) -> LockedPackage {
        LockedPackage {
            name: name.into(),
            version: "1".into(),
            dependencies: dependencies.iter().map(ToString::to_string).collect(),
            ..LockedPackage::default()
        }
    }

    #[test]
    fn follows_the_lock_among_what_the_target_gets() {
        let lock = Lock {
            packages: vec![
                package("a", &["b", "win-only"]),
                package("b", &["c"]),
                package("c", &[]),
                package("d", &["c"]),
                package("win-only", &[]),
            ],
            ..Lock::default()
        };
        let available: BTreeSet<String> = ["a", "b", "c", "d"].iter().map(ToString::to_string).collect();
        let roots = [Requirement::from_str("A[x]>=1").unwrap()];
        let names: Vec<String> = closure(&lock, &roots, &available).into_iter().collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
}
