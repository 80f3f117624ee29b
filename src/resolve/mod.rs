//! The resolver: PubGrub over PEP 440 versions and PEP 508 requirements,
//! run once per target environment, then merged into one answer.
//!
//! Each target is solved preferring what the targets before it picked, so
//! versions agree wherever they can. Where environments that markers can
//! tell apart still need different versions (numpy for Python 3.10 and
//! 3.13), the answer forks: one entry per version, each for the targets
//! that picked it (PEP 751 allows several `[[packages]]` of one name).
//! Targets that markers cannot tell apart (Lambda's python3.12 x86_64 and
//! a Linux laptop's) must agree on one version.
//!
//! Markers are evaluated with each target's own marker values, wheels
//! chosen by its tags, `requires-python` checked against its Python: the
//! machine running fenv only matters for the `host` target.

mod package;
mod provider;
mod report;
pub mod target;
mod to_lock;
mod unavailable;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::Requirement;
use pubgrub::PubGrubError;

pub use package::Package;
pub use target::Target;
pub use to_lock::{roots, to_lock};

use crate::error::Hint;
use crate::index::{File, IndexClient};
use provider::Provider;

/// What can go wrong resolving.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no versions satisfy the requirements for {target}:\n{explanation}")]
    NoSolution {
        target: String,
        /// The conflict, then what keeps the versions it names out.
        explanation: String,
        /// How to get past the first of those, when the index tells.
        advice: Option<String>,
    },

    #[error("no package named `{package}` on {index}")]
    NoSuchPackage {
        package: String,
        index: String,
        /// A name the index does have, when one is a likely slip.
        suggestion: Option<String>,
    },

    #[error("`{package}` has no file that installs on {target}: {found}")]
    NoWheels {
        package: String,
        target: String,
        found: String,
        advice: Option<String>,
    },

    #[error(
        "`{package}` {version} has only a source distribution for {target}, whose dependencies fenv cannot read: {reason}"
    )]
    SdistOnly {
        package: String,
        version: String,
        target: String,
        /// Why its dependencies cannot be read without building it.
        reason: String,
    },

    #[error(
        "failed to read the dependencies of `{package}` {version}, which has only a source distribution for {target}"
    )]
    BuildMetadata {
        package: String,
        version: String,
        target: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    #[error("the targets need different versions of `{package}`: {versions}")]
    Diverged { package: String, versions: String },

    #[error("cannot lock for {count} of {total} environments ({which})")]
    Environments {
        count: usize,
        total: usize,
        /// The environments, in words (`macos × python3.12–3.14`).
        which: String,
        /// Why the first of them cannot be locked.
        #[source]
        first: Box<Error>,
    },

    #[error("{target} runs Python {python}, which the project's `requires-python = \"{requires}\"` excludes")]
    PythonExcluded {
        target: String,
        python: String,
        requires: String,
    },

    #[error("the metadata of `{package}` is not valid: {reason}")]
    Metadata { package: String, reason: String },

    #[error("failed to get `{package}` from the index")]
    Index {
        package: String,
        #[source]
        source: crate::index::Error,
    },

    #[error("the resolver failed: {0}")]
    Internal(String),
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::NoSolution { advice: Some(advice), .. } | Self::NoWheels { advice: Some(advice), .. } => {
                Some(advice.clone())
            }
            Self::NoSolution { advice: None, .. } => Some(
                "loosen the requirements named above, or drop the target that cannot satisfy them".into(),
            ),
            Self::NoSuchPackage { suggestion, .. } => Some(match suggestion {
                Some(name) => format!("did you mean `{name}`?"),
                None => "check the name, and the index URL (`--index-url`, `FENV_INDEX_URL`)".into(),
            }),
            Self::NoWheels { advice: None, .. } => Some(
                "pin a version that ships wheels for this platform, add a `find-links` folder with a wheel built for it, or drop the target".into(),
            ),
            Self::SdistOnly { package, version, .. } => Some(format!(
                "pin a version that ships wheels, or build a wheel yourself (`pip wheel --no-deps {package}=={version} -w wheels`) and lock with `--find-links wheels`"
            )),
            Self::Diverged { .. } => Some(
                "pin that package to one version that works on every target, or lock the targets separately".into(),
            ),
            Self::PythonExcluded { .. } => {
                Some("change the target's Python (for Lambda, `runtime`) or `requires-python`".into())
            }
            Self::Index { source, .. } => source.hint(),
            Self::Environments { first, .. } => Some(format!(
                "{}or cover only the environments that can be locked: `[tool.fenv] environments` lists the platforms (or markers), `requires-python` the Pythons, `targets` the deploy targets",
                first.hint().map(|hint| format!("{hint}; ")).unwrap_or_default()
            )),
            Self::BuildMetadata { .. } | Self::Metadata { .. } | Self::Internal(_) => None,
        }
    }
}

/// Builds the metadata of an sdist whose `PKG-INFO` does not promise its
/// dependencies (PEP 643), for the targets that may build (the host). The
/// build layer provides it; the resolver only asks, so it does not depend
/// on building.
pub trait SdistMetadata: std::fmt::Debug {
    /// The `METADATA` bytes of `file`, an sdist of `package` `version`.
    fn build_metadata(
        &self,
        package: &str,
        version: &str,
        file: &File,
    ) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>;
}

/// Where a top-level requirement comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// `[project] dependencies`, a requirements file, or a function's own.
    Main,
    /// `[project.optional-dependencies]`.
    Extra(String),
    /// `[dependency-groups]`.
    Group(String),
}

/// One top-level requirement.
#[derive(Debug, Clone)]
pub struct Root {
    pub origin: Origin,
    pub requirement: Requirement,
}

/// Everything a resolution needs.
#[derive(Debug)]
pub struct Request<'a> {
    pub roots: Vec<Root>,
    /// `-c` constraints: limit versions without adding packages.
    pub constraints: Vec<Requirement>,
    pub requires_python: Option<VersionSpecifiers>,
    pub targets: Vec<Target>,
    /// Versions to keep when they still fit, per target (indexed like
    /// `targets`; missing means none): the existing lock's pins there.
    pub preferences: Vec<HashMap<String, Version>>,
    /// Leave out files uploaded at or after this instant (and files
    /// without an upload time, which cannot be shown to be older).
    pub exclude_newer: Option<crate::timestamp::Timestamp>,
    /// Allow pre-releases everywhere.
    pub prereleases: bool,
    pub index: &'a IndexClient,
    /// Builds sdist metadata for targets that may build; `None` refuses
    /// such sdists instead.
    pub sdist_metadata: Option<&'a dyn SdistMetadata>,
    /// Packages built from a folder of the project, by normalized name,
    /// with their metadata: the index is never asked for them.
    pub local: HashMap<String, crate::dist::metadata::CoreMetadata>,
}

/// One locked package.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Normalized name.
    pub name: String,
    pub version: Version,
    /// Indexes into [`Request::targets`] of the targets that need it.
    pub targets: Vec<usize>,
    /// The top-level origins that reach it; `Main` means it is always needed.
    pub origins: BTreeSet<Origin>,
    /// Its dependencies' names (on any target).
    pub dependencies: BTreeSet<String>,
    pub requires_python: Option<String>,
    /// Every file of this version that installs on one of its targets.
    pub files: Vec<File>,
}

/// The merged answer.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// Sorted by name, then version (a fork has several).
    pub packages: Vec<Resolved>,
}

/// What one target's solve produced.
struct TargetSolution {
    versions: BTreeMap<String, Version>,
    extras: BTreeMap<String, BTreeSet<String>>,
    edges: BTreeMap<String, BTreeSet<String>>,
    files: BTreeMap<String, Vec<File>>,
    requires_python: BTreeMap<String, Option<String>>,
}

/// Resolves `request` for every target and merges the answers.
pub fn resolve(request: &Request<'_>) -> Result<Resolution, Error> {
    if let Some(spec) = &request.requires_python {
        for target in &request.targets {
            if !spec.contains(&target.python) {
                return Err(Error::PythonExcluded {
                    target: target.description.clone(),
                    python: target.python.to_string(),
                    requires: spec.to_string(),
                });
            }
        }
    }
    let pinned: Vec<HashMap<String, Version>> = (0..request.targets.len())
        .map(|index| request.preferences.get(index).cloned().unwrap_or_default())
        .collect();
    let mut preferences = pinned.clone();
    let mut solutions = solve_all(request, &preferences)?;
    // One version wherever one serves: where targets picked differently,
    // each target without a pin of its own prefers the oldest pick, which
    // often fits them all (uv keeps one version across Pythons the same
    // way); those it does not fit keep their own, and the lock forks there.
    for _ in 0..3 {
        let mut changed = false;
        for (name, picks) in divergences(&solutions) {
            let Some(oldest) = picks.iter().map(|(_, version)| version).min() else {
                continue;
            };
            for (index, preferred) in preferences.iter_mut().enumerate() {
                if !pinned[index].contains_key(&name) && preferred.get(&name) != Some(oldest) {
                    preferred.insert(name.clone(), oldest.clone());
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
        solutions = solve_all(request, &preferences)?;
    }
    // Targets markers cannot tell apart must agree: each prefers the
    // oldest of their picks (the one most likely to fit all), once.
    let clashing = clashes(request, &solutions);
    if !clashing.is_empty() {
        for (name, picks) in &clashing {
            if let Some(oldest) = picks.iter().map(|(_, version)| version).min() {
                for (target, _) in picks {
                    preferences[*target].insert(name.clone(), oldest.clone());
                }
            }
        }
        solutions = solve_all(request, &preferences)?;
        if let Some((name, picks)) = clashes(request, &solutions).into_iter().next() {
            let versions = picks
                .iter()
                .map(|(target, version)| format!("{} needs {version}", request.targets[*target].name))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Error::Diverged {
                package: name,
                versions,
            });
        }
    }
    Ok(merge(request, &solutions))
}

/// Solves every target, each preferring its own `preferences`, then what
/// the targets before it picked. Targets that cannot be solved are
/// collected, so the error names them all.
fn solve_all(
    request: &Request<'_>,
    preferences: &[HashMap<String, Version>],
) -> Result<Vec<TargetSolution>, Error> {
    let names: Vec<String> = request
        .roots
        .iter()
        .map(|r| crate::dist::name::normalize(r.requirement.name.as_ref()))
        .filter(|name| !request.local.contains_key(name))
        .collect();
    request.index.prefetch(&names);
    let mut picked: HashMap<String, Version> = HashMap::new();
    let mut solutions = Vec::new();
    let mut failed: Vec<(usize, Error)> = Vec::new();
    for (index, target) in request.targets.iter().enumerate() {
        let mut preferred = picked.clone();
        preferred.extend(preferences[index].iter().map(|(k, v)| (k.clone(), v.clone())));
        let provider = Provider::new(target, request, preferred);
        let selected = match pubgrub::resolve(&provider, Package::Root, Version::new([0])) {
            Ok(selected) => selected,
            Err(err) => match explain(err, &provider) {
                // What one environment lacks: the others are still tried.
                err @ (Error::NoSolution { .. } | Error::NoWheels { .. } | Error::SdistOnly { .. }) => {
                    failed.push((index, err));
                    continue;
                }
                err => return Err(err),
            },
        };
        let solution = describe(&provider, selected)?;
        for (name, version) in &solution.versions {
            picked.entry(name.clone()).or_insert_with(|| version.clone());
        }
        solutions.push(solution);
    }
    let total = request.targets.len();
    let mut failed = failed.into_iter();
    match failed.next() {
        None => Ok(solutions),
        // Failing everywhere, the first one says it all.
        Some((_, first)) if failed.len() + 1 == total => Err(first),
        Some((index, first)) => {
            let which: Vec<&Target> = std::iter::once(index)
                .chain(failed.map(|(index, _)| index))
                .map(|index| &request.targets[index])
                .collect();
            Err(Error::Environments {
                count: which.len(),
                total,
                which: target::describe(&which),
                first: Box::new(first),
            })
        }
    }
}

/// Packages whose version differs between targets, with each one's pick
/// (`solutions` are indexed like the targets).
fn divergences(solutions: &[TargetSolution]) -> Vec<(String, Vec<(usize, Version)>)> {
    let mut picks: BTreeMap<String, Vec<(usize, Version)>> = BTreeMap::new();
    for (index, solution) in solutions.iter().enumerate() {
        for (name, version) in &solution.versions {
            picks
                .entry(name.clone())
                .or_default()
                .push((index, version.clone()));
        }
    }
    picks
        .into_iter()
        .filter(|(_, picks)| picks.iter().any(|(_, v)| *v != picks[0].1))
        .collect()
}

/// Packages whose version differs between targets that markers cannot
/// tell apart, with those targets' picks.
fn clashes(request: &Request<'_>, solutions: &[TargetSolution]) -> Vec<(String, Vec<(usize, Version)>)> {
    let mut out: BTreeMap<String, Vec<(usize, Version)>> = BTreeMap::new();
    for (a, first) in solutions.iter().enumerate() {
        for (b, second) in solutions.iter().enumerate().skip(a + 1) {
            if !request.targets[a].overlaps(&request.targets[b]) {
                continue;
            }
            for (name, version) in &first.versions {
                if let Some(other) = second.versions.get(name).filter(|other| *other != version) {
                    let picks = out.entry(name.clone()).or_default();
                    for pick in [(a, version.clone()), (b, other.clone())] {
                        if !picks.contains(&pick) {
                            picks.push(pick);
                        }
                    }
                }
            }
        }
    }
    out.into_iter().collect()
}

/// Reads the solver's answer for one target into versions, chosen extras,
/// dependency edges and files.
fn describe(
    provider: &Provider<'_>,
    selected: pubgrub::SelectedDependencies<Package, Version>,
) -> Result<TargetSolution, Error> {
    let mut solution = TargetSolution {
        versions: BTreeMap::new(),
        extras: BTreeMap::new(),
        edges: BTreeMap::new(),
        files: BTreeMap::new(),
        requires_python: BTreeMap::new(),
    };
    for (package, version) in selected.iter() {
        match package {
            Package::Root => {}
            Package::Dist(name) => {
                solution.versions.insert(name.clone(), version.clone());
            }
            Package::Extra(name, extra) => {
                solution
                    .extras
                    .entry(name.clone())
                    .or_default()
                    .insert(extra.clone());
            }
        }
    }
    for (name, version) in &solution.versions {
        let mut edges: BTreeSet<String> = BTreeSet::new();
        let mut add = |deps: Vec<(String, Vec<String>)>| {
            edges.extend(deps.into_iter().map(|(dep, _)| dep).filter(|dep| dep != name));
        };
        add(provider.dependency_names(name, version)?);
        for extra in solution.extras.get(name).into_iter().flatten() {
            add(provider.extra_dependency_names(name, extra, version)?);
        }
        solution.edges.insert(name.clone(), edges);
        let candidates = provider.candidates(name)?;
        let files = candidates
            .versions
            .iter()
            .find(|c| c.version == *version)
            .map(|c| candidates.files(c).collect())
            .unwrap_or_default();
        solution.files.insert(name.clone(), files);
        let metadata = provider.metadata(name, version)?;
        solution
            .requires_python
            .insert(name.clone(), metadata.requires_python.clone());
    }
    Ok(solution)
}

/// One entry per package version across targets (several for a fork),
/// with the targets that need it,
/// the origins that reach it, its dependencies and every fitting file.
fn merge(request: &Request<'_>, solutions: &[TargetSolution]) -> Resolution {
    let mut packages: BTreeMap<(String, Version), Resolved> = BTreeMap::new();
    for (index, (solution, target)) in solutions.iter().zip(&request.targets).enumerate() {
        let origins = reachability(request, target, solution);
        for (name, version) in &solution.versions {
            let key = (name.clone(), version.clone());
            let entry = packages.entry(key).or_insert_with(|| Resolved {
                name: name.clone(),
                version: version.clone(),
                targets: Vec::new(),
                origins: BTreeSet::new(),
                dependencies: BTreeSet::new(),
                requires_python: solution.requires_python.get(name).cloned().flatten(),
                files: Vec::new(),
            });
            entry.targets.push(index);
            entry
                .origins
                .extend(origins.get(name).cloned().unwrap_or_default());
            entry
                .dependencies
                .extend(solution.edges.get(name).cloned().unwrap_or_default());
            for file in solution.files.get(name).into_iter().flatten() {
                if !entry.files.iter().any(|f| f.filename == file.filename) {
                    entry.files.push(file.clone());
                }
            }
        }
    }
    let mut packages: Vec<Resolved> = packages.into_values().collect();
    for package in &mut packages {
        if package.origins.contains(&Origin::Main) {
            package.origins = BTreeSet::from([Origin::Main]);
        }
        package.files.sort_by(|a, b| a.filename.cmp(&b.filename));
    }
    Resolution { packages }
}

/// For one target, which top-level origins reach each package.
fn reachability(
    request: &Request<'_>,
    target: &Target,
    solution: &TargetSolution,
) -> HashMap<String, BTreeSet<Origin>> {
    let mut reached: HashMap<String, BTreeSet<Origin>> = HashMap::new();
    for root in &request.roots {
        if !root.requirement.marker.evaluate(&target.markers, &[]) {
            continue;
        }
        let start = crate::dist::name::normalize(root.requirement.name.as_ref());
        let mut stack = vec![start];
        while let Some(name) = stack.pop() {
            if !solution.versions.contains_key(&name) {
                continue;
            }
            if reached
                .entry(name.clone())
                .or_default()
                .insert(root.origin.clone())
            {
                stack.extend(solution.edges.get(&name).cloned().unwrap_or_default());
            }
        }
    }
    reached
}

/// A conflict in plain words, for one target, with what keeps each
/// version it could not find out (only a source distribution, wheels for
/// other Pythons, ...).
fn explain(err: PubGrubError<Provider<'_>>, provider: &Provider<'_>) -> Error {
    match err {
        PubGrubError::NoSolution(tree) => {
            let mut explanation = report::explain(&tree);
            let target = &provider.target.description;
            let mut advice = None;
            for (package, range) in report::missing(&tree) {
                if let Some(unavailable) = provider.unavailable(&package, &range) {
                    explanation.push('\n');
                    explanation.push_str(&unavailable.describe());
                    advice = advice.or_else(|| unavailable::advice(provider, &unavailable));
                }
            }
            Error::NoSolution {
                target: target.clone(),
                explanation,
                advice,
            }
        }
        PubGrubError::ErrorRetrievingDependencies { source, .. }
        | PubGrubError::ErrorChoosingVersion { source, .. }
        | PubGrubError::ErrorInShouldCancel(source) => source,
    }
}
