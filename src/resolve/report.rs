//! A conflict in plain words: PubGrub's derivation tree told with PEP 440
//! requirements (`b>=2`, `a==1.0`, `a!=1.0`) and "your project" for the
//! root, instead of the solver's own notation (`your project 0`, `b >=2`,
//! `is forbidden`).

use std::ops::Bound;

use pep440_rs::Version;
use pubgrub::{
    DefaultStringReporter, DerivationTree, Derived, External, Map, Ranges, ReportFormatter, Reporter, Term,
};

use crate::resolve::package::Package;

type Tree = DerivationTree<Package, Ranges<Version>, String>;
type Incompatibility = External<Package, Ranges<Version>, String>;
type Terms = Map<Package, Term<Ranges<Version>>>;

/// The explanation of why `tree` has no solution, a sentence a line.
pub(crate) fn explain(tree: &Tree) -> String {
    // Folding "there is no version of a>1.0" into what depends on `a`
    // reads better, unless it leaves only one requirement, which would
    // explain nothing.
    let mut collapsed = tree.clone();
    collapsed.collapse_no_versions();
    let tree = match collapsed {
        DerivationTree::External(_) => tree,
        DerivationTree::Derived(_) => &collapsed,
    };
    DefaultStringReporter::report_with_formatter(tree, &PlainWords)
}

/// The package ranges of `tree` for which no version was found, in the
/// order the tree holds them, each once.
pub(crate) fn missing(tree: &Tree) -> Vec<(Package, Ranges<Version>)> {
    let mut out: Vec<(Package, Ranges<Version>)> = Vec::new();
    let mut stack = vec![tree];
    while let Some(node) = stack.pop() {
        match node {
            DerivationTree::External(External::NoVersions(package, range)) => {
                if !out.iter().any(|(p, r)| p == package && r == range) {
                    out.push((package.clone(), range.clone()));
                }
            }
            DerivationTree::External(_) => {}
            DerivationTree::Derived(derived) => {
                stack.push(&derived.cause2);
                stack.push(&derived.cause1);
            }
        }
    }
    out
}

/// The formatter behind [`explain`].
struct PlainWords;

/// `package` limited to `range`, as a requirement: `b>=2,<3`, `a==1.0`,
/// `a!=1.0`, `a<1 or >=2`; the project itself has no version to show.
fn requirement(package: &Package, range: &Ranges<Version>) -> String {
    if *package == Package::Root || *range == Ranges::full() {
        return package.to_string();
    }
    if let Some(version) = range.as_singleton() {
        return format!("{package}=={version}");
    }
    if let Some(version) = range.complement().as_singleton() {
        return format!("{package}!={version}");
    }
    if range.is_empty() {
        return format!("no version of {package}");
    }
    let segments: Vec<String> = range.iter().map(segment).collect();
    format!("{package}{}", segments.join(" or "))
}

/// One interval of a range: `>=1,<2`, `==1.5`, `<3`.
fn segment((lower, upper): (&Bound<Version>, &Bound<Version>)) -> String {
    if let (Bound::Included(low), Bound::Included(high)) = (lower, upper)
        && low == high
    {
        return format!("=={low}");
    }
    let lower = match lower {
        Bound::Included(v) => Some(format!(">={v}")),
        Bound::Excluded(v) => Some(format!(">{v}")),
        Bound::Unbounded => None,
    };
    let upper = match upper {
        Bound::Included(v) => Some(format!("<={v}")),
        Bound::Excluded(v) => Some(format!("<{v}")),
        Bound::Unbounded => None,
    };
    match (lower, upper) {
        (Some(low), Some(high)) => format!("{low},{high}"),
        (Some(bound), None) | (None, Some(bound)) => bound,
        (None, None) => "*".to_string(),
    }
}

impl ReportFormatter<Package, Ranges<Version>, String> for PlainWords {
    type Output = String;

    fn format_external(&self, external: &Incompatibility) -> String {
        match external {
            External::NotRoot(package, version) => format!(
                "fenv is resolving {}",
                requirement(package, &Ranges::singleton(version.clone()))
            ),
            External::NoVersions(package, range) => {
                format!("there is no usable version of {}", requirement(package, range))
            }
            External::Custom(package, range, reason) => {
                format!("{} cannot be used: {reason}", requirement(package, range))
            }
            External::FromDependencyOf(package, range, dependency, wanted) => format!(
                "{} depends on {}",
                requirement(package, range),
                requirement(dependency, wanted)
            ),
        }
    }

    fn format_terms(&self, terms: &Terms) -> String {
        let terms: Vec<_> = terms.iter().collect();
        match terms.as_slice() {
            [] => "no version can be chosen".to_string(),
            [(Package::Root, Term::Positive(_))] => {
                "your project's requirements cannot be satisfied".to_string()
            }
            [(package, Term::Positive(range))] => {
                format!("{} cannot be used", requirement(package, range))
            }
            [(package, Term::Negative(range))] => {
                format!("{} is required", requirement(package, range))
            }
            [(p1, Term::Positive(r1)), (p2, Term::Negative(r2))]
            | [(p2, Term::Negative(r2)), (p1, Term::Positive(r1))] => self.format_external(
                &External::FromDependencyOf((*p1).clone(), r1.clone(), (*p2).clone(), r2.clone()),
            ),
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .map(|(package, term)| match term {
                        Term::Positive(range) => requirement(package, range),
                        Term::Negative(range) => format!("not {}", requirement(package, range)),
                    })
                    .collect();
                format!("{} cannot be used together", parts.join(", "))
            }
        }
    }

    fn explain_both_external(
        &self,
        external1: &Incompatibility,
        external2: &Incompatibility,
        current_terms: &Terms,
    ) -> String {
        format!(
            "Because {} and {}, {}.",
            self.format_external(external1),
            self.format_external(external2),
            self.format_terms(current_terms)
        )
    }

    fn explain_both_ref(
        &self,
        ref_id1: usize,
        derived1: &Derived<Package, Ranges<Version>, String>,
        ref_id2: usize,
        derived2: &Derived<Package, Ranges<Version>, String>,
        current_terms: &Terms,
    ) -> String {
        format!(
            "Because {} ({ref_id1}) and {} ({ref_id2}), {}.",
            self.format_terms(&derived1.terms),
            self.format_terms(&derived2.terms),
            self.format_terms(current_terms)
        )
    }

    fn explain_ref_and_external(
        &self,
        ref_id: usize,
        derived: &Derived<Package, Ranges<Version>, String>,
        external: &Incompatibility,
        current_terms: &Terms,
    ) -> String {
        format!(
            "Because {} ({ref_id}) and {}, {}.",
            self.format_terms(&derived.terms),
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_external(&self, external: &Incompatibility, current_terms: &Terms) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_ref(
        &self,
        ref_id: usize,
        derived: &Derived<Package, Ranges<Version>, String>,
        current_terms: &Terms,
    ) -> String {
        format!(
            "And because {} ({ref_id}), {}.",
            self.format_terms(&derived.terms),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        prior_external: &Incompatibility,
        external: &Incompatibility,
        current_terms: &Terms,
    ) -> String {
        format!(
            "And because {} and {}, {}.",
            self.format_external(prior_external),
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn v(text: &str) -> Version {
        Version::from_str(text).expect("a version")
    }

    fn dist(name: &str) -> Package {
        Package::Dist(name.to_string())
    }

    #[test]
    fn ranges_read_as_requirements() {
        let a = dist("a");
        assert_eq!(requirement(&a, &Ranges::full()), "a");
        assert_eq!(requirement(&a, &Ranges::singleton(v("1.0"))), "a==1.0");
        assert_eq!(
            requirement(&a, &Ranges::singleton(v("1.0")).complement()),
            "a!=1.0"
        );
        assert_eq!(requirement(&a, &Ranges::between(v("1"), v("2"))), "a>=1,<2");
        let outside = Ranges::strictly_lower_than(v("1")).union(&Ranges::higher_than(v("2")));
        assert_eq!(requirement(&a, &outside), "a<1 or >=2");
        assert_eq!(
            requirement(&Package::Root, &Ranges::singleton(v("0"))),
            "your project"
        );
    }
}
