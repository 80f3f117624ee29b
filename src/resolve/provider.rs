//! PubGrub's view of the package index for one target: which versions
//! of a package exist there (wheels that fit the target's tags and
//! Python, sdists only for the host), in which order to try them, and
//! what each depends on when evaluated for that target.

use std::cell::RefCell;
use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::rc::Rc;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, Requirement, VersionOrUrl};
use std::collections::BTreeMap;

use pubgrub::{Dependencies, DependencyProvider, PackageResolutionStatistics, Ranges};

use crate::dist::metadata::CoreMetadata;
use crate::dist::name::{WheelFilename, normalize};
use crate::index::{File, IndexClient, Listing};
use crate::resolve::package::Package;
use crate::resolve::target::Target;
use crate::resolve::unavailable;
use crate::resolve::{Error, Request};
use crate::timestamp::Timestamp;

/// The versions of one package available for the target, newest first.
#[derive(Debug)]
pub(crate) struct Candidates {
    pub versions: Vec<Candidate>,
    /// The project's files as the index client keeps them; candidates
    /// point into it rather than copy thousands of files per target.
    page: Arc<Listing>,
}

/// One version and the files that make it installable on the target.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub version: Version,
    /// Wheels that fit (best first), then an sdist when the target may
    /// build: positions in [`Candidates::page`].
    files: Vec<usize>,
    pub yanked: bool,
}

impl Candidates {
    /// The files of `candidate`, in its order.
    pub fn files<'c>(&'c self, candidate: &'c Candidate) -> impl Iterator<Item = File> + 'c {
        candidate.files.iter().map(|&at| self.page.file(at))
    }

    /// Whether a wheel of `candidate` fits, so its metadata can be read.
    pub fn has_wheel(&self, candidate: &Candidate) -> bool {
        candidate
            .files
            .iter()
            .any(|&at| WheelFilename::parse(self.page.summary(at).filename).is_some())
    }
}

/// Dependencies being gathered, ranges intersected per package.
type Deps = BTreeMap<Package, Ranges<Version>>;

pub(crate) struct Provider<'a> {
    pub target: &'a Target,
    pub request: &'a Request<'a>,
    index: &'a IndexClient,
    candidates: RefCell<HashMap<String, Arc<Candidates>>>,
    metadata: RefCell<HashMap<(String, Version), Rc<CoreMetadata>>>,
    /// `-c` constraints, by normalized name.
    constraints: HashMap<String, Ranges<Version>>,
    /// Preferred versions: the existing lock's, then other targets' picks.
    preferences: HashMap<String, Version>,
    /// First-seen order, for priorities.
    seen: RefCell<HashMap<Package, usize>>,
    /// What background guesses need of the target, shared with them.
    guess: Arc<Guess>,
    /// Packages whose metadata was already guessed at.
    guessed: RefCell<std::collections::HashSet<String>>,
}

/// The target as a background guess at the next metadata sees it, and
/// the candidates guesses worked out, which the provider takes instead of
/// working them out again.
struct Guess {
    target: Target,
    exclude_newer: Option<Timestamp>,
    prereleases: bool,
    computed: Mutex<HashMap<String, Arc<Candidates>>>,
}

impl<'a> Provider<'a> {
    pub fn new(target: &'a Target, request: &'a Request<'a>, preferences: HashMap<String, Version>) -> Self {
        let mut constraints: HashMap<String, Ranges<Version>> = HashMap::new();
        for constraint in &request.constraints {
            if !constraint.marker.evaluate(&target.markers, &[]) {
                continue;
            }
            let range = requirement_range(constraint);
            constraints
                .entry(normalize(constraint.name.as_ref()))
                .and_modify(|r| *r = r.intersection(&range))
                .or_insert(range);
        }
        Self {
            target,
            request,
            index: request.index,
            candidates: RefCell::default(),
            metadata: RefCell::default(),
            constraints,
            preferences,
            seen: RefCell::default(),
            guess: Arc::new(Guess {
                target: target.clone(),
                exclude_newer: request.exclude_newer,
                prereleases: request.prereleases,
                computed: Mutex::default(),
            }),
            guessed: RefCell::default(),
        }
    }

    /// Fetches, in the background, the metadata of the version of each of
    /// `deps` the resolver will most likely pick (the newest that fits its
    /// range, final releases first), so that it is in memory when asked
    /// for: the resolver asks one package at a time, and a cold lock of a
    /// big project would otherwise wait on every metadata file in turn.
    fn guess_metadata(&self, deps: &Deps) {
        for (package, range) in deps {
            let Package::Dist(name) = package else { continue };
            if self.preferences.contains_key(name)
                || self.request.local.contains_key(name)
                || !self.guessed.borrow_mut().insert(name.clone())
            {
                continue;
            }
            let (name, range, guess) = (name.clone(), range.clone(), self.guess.clone());
            self.index.speculate(move |index| {
                let Ok(page) = index.project_shared(&name) else {
                    return;
                };
                let versions = collect(&guess.target, guess.exclude_newer.as_ref(), &name, &page);
                let candidates = Arc::new(Candidates { versions, page });
                lock(&guess.computed).insert(name, candidates.clone());
                let usable = |c: &&Candidate| range.contains(&c.version) && !c.yanked;
                let picked = candidates
                    .versions
                    .iter()
                    .filter(usable)
                    .find(|c| guess.prereleases || !c.version.any_prerelease());
                // Wheels only: an sdist's metadata costs a download.
                if let Some(&at) = picked.and_then(|c| c.files.first())
                    && candidates.page.summary(at).filename.ends_with(".whl")
                {
                    let _ = index.metadata(&candidates.page.file(at));
                }
            });
        }
    }

    /// The candidates of `name` for this target (cached).
    pub fn candidates(&self, name: &str) -> Result<Arc<Candidates>, Error> {
        if let Some(found) = self.candidates.borrow().get(name) {
            return Ok(found.clone());
        }
        if let Some(metadata) = self.request.local.get(name) {
            // A folder of the project: its one version, no file to fit.
            let version = Version::from_str(&metadata.version).map_err(|_| {
                Error::Internal(format!("{name}'s version `{}` was not checked", metadata.version))
            })?;
            let candidates = Arc::new(Candidates {
                versions: vec![Candidate {
                    version,
                    files: Vec::new(),
                    yanked: false,
                }],
                page: Arc::new(Listing::from(Vec::new())),
            });
            self.candidates
                .borrow_mut()
                .insert(name.to_string(), candidates.clone());
            return Ok(candidates);
        }
        // A background guess may have worked them out already.
        let guessed = lock(&self.guess.computed).get(name).cloned();
        let candidates = if let Some(candidates) = guessed {
            candidates
        } else {
            let files = self.index.project_shared(name).map_err(|source| Error::Index {
                package: name.to_string(),
                source,
            })?;
            let versions = collect(self.target, self.request.exclude_newer.as_ref(), name, &files);
            Arc::new(Candidates {
                versions,
                page: files,
            })
        };
        self.candidates
            .borrow_mut()
            .insert(name.to_string(), candidates.clone());
        Ok(candidates)
    }

    /// Why `name` has no version at all for this target: not on the
    /// index at all, or what its newest version has instead.
    fn nothing_fits(&self, name: &str) -> Result<Error, Error> {
        let page = self.index.project_shared(name).map_err(|source| Error::Index {
            package: name.to_string(),
            source,
        })?;
        if page.is_empty() {
            let suggestion = unavailable::did_you_mean(name).into_iter().find(|other| {
                self.index
                    .project_shared(other)
                    .is_ok_and(|page| !page.is_empty())
            });
            return Ok(Error::NoSuchPackage {
                package: name.to_string(),
                index: self.index.index_url().to_string(),
                suggestion,
            });
        }
        let newest = unavailable::newest_in_range(self, name, &page, &Ranges::full());
        Ok(Error::NoWheels {
            package: name.to_string(),
            target: self.target.description.clone(),
            found: newest.as_ref().map_or_else(
                || "none of its files is a wheel or sdist fenv can read".to_string(),
                |u| format!("its newest version {}", u.what()),
            ),
            advice: newest.as_ref().and_then(|u| unavailable::advice(self, u)),
        })
    }

    /// For a conflict's explanation: what keeps `package` within `range`
    /// from the target, when the index lists a version there.
    pub fn unavailable(
        &self,
        package: &Package,
        range: &Ranges<Version>,
    ) -> Option<unavailable::Unavailable> {
        let name = package.name()?;
        if self.request.local.contains_key(name) {
            return None;
        }
        let page = self.index.project_shared(name).ok()?;
        unavailable::newest_in_range(self, name, &page, range)
    }

    /// The core metadata of `name` at `version` (from its best file).
    pub fn metadata(&self, name: &str, version: &Version) -> Result<Rc<CoreMetadata>, Error> {
        let key = (name.to_string(), version.clone());
        if let Some(found) = self.metadata.borrow().get(&key) {
            return Ok(found.clone());
        }
        if let Some(local) = self.request.local.get(name) {
            let metadata = Rc::new(local.clone());
            self.metadata.borrow_mut().insert(key, metadata.clone());
            return Ok(metadata);
        }
        let candidates = self.candidates(name)?;
        let candidate = candidates
            .versions
            .iter()
            .find(|c| c.version == *version)
            .ok_or_else(|| Error::Internal(format!("{name} {version} was chosen but is not a candidate")))?;
        // The files are ordered wheels first; only the host's lists an sdist.
        let file = candidates
            .files(candidate)
            .next()
            .ok_or_else(|| Error::Internal(format!("{name} {version} was chosen but has no file")))?;
        let metadata = match self.index.metadata(&file) {
            Ok(metadata) => metadata,
            Err(source) => self.sdist_metadata(name, version, &file, source)?,
        };
        let metadata = Rc::new(metadata);
        self.metadata.borrow_mut().insert(key, metadata.clone());
        Ok(metadata)
    }

    /// The metadata of an sdist the index could not read it from: built,
    /// when its `PKG-INFO` is not static and the target may build;
    /// otherwise the reason, as an error naming the package.
    fn sdist_metadata(
        &self,
        name: &str,
        version: &Version,
        file: &File,
        source: crate::index::Error,
    ) -> Result<CoreMetadata, Error> {
        use crate::index::Error as IndexError;
        let inner = match &source {
            IndexError::Metadata { source: inner, .. } => Some(inner.as_ref()),
            _ => None,
        };
        let reason = match inner {
            Some(IndexError::DynamicMetadata { source: why, .. }) => {
                if let (true, Some(builder)) = (self.target.allow_sdist, self.request.sdist_metadata) {
                    let failed = |source| Error::BuildMetadata {
                        package: name.to_string(),
                        version: version.to_string(),
                        target: self.target.description.clone(),
                        source,
                    };
                    let bytes = builder
                        .build_metadata(name, &version.to_string(), file)
                        .map_err(failed)?;
                    let metadata = self
                        .index
                        .remember_metadata(file, &bytes)
                        .map_err(|e| failed(Box::new(e)))?;
                    let same_version =
                        Version::from_str(&metadata.version).is_ok_and(|built| built == *version);
                    if normalize(&metadata.name) != name || !same_version {
                        return Err(failed(
                            format!(
                                "its build backend describes `{}` {}, not `{name}` {version}",
                                metadata.name, metadata.version
                            )
                            .into(),
                        ));
                    }
                    return Ok(metadata);
                }
                if self.target.allow_sdist {
                    // A target that may build, with nothing to build with:
                    // the caller turned building off.
                    format!("{why}, and building it is turned off (`--no-build`)")
                } else {
                    why.to_string()
                }
            }
            Some(IndexError::InvalidSdist { reason, .. }) => reason.clone(),
            Some(IndexError::NotAWheel { .. }) => "it is not a wheel".into(),
            _ => {
                return Err(Error::Index {
                    package: name.to_string(),
                    source,
                });
            }
        };
        Err(Error::SdistOnly {
            package: name.to_string(),
            version: version.to_string(),
            target: self.target.description.clone(),
            reason,
        })
    }

    /// The requirements that apply to this target, with extras selected.
    fn applicable<'r>(
        &self,
        requirements: impl IntoIterator<Item = &'r Requirement>,
        extras: &[ExtraName],
    ) -> Vec<&'r Requirement> {
        requirements
            .into_iter()
            .filter(|r| r.marker.evaluate(&self.target.markers, extras))
            .collect()
    }

    /// Adds `requirement` (and its extras) to `deps`, intersecting ranges.
    fn add(&self, deps: &mut Deps, requirement: &Requirement) -> Result<(), String> {
        if let Some(VersionOrUrl::Url(url)) = &requirement.version_or_url {
            return Err(format!(
                "`{}` names a URL ({url}); fenv locks from package indexes only",
                requirement.name
            ));
        }
        let name = normalize(requirement.name.as_ref());
        let mut range = requirement_range(requirement);
        if let Some(constraint) = self.constraints.get(&name) {
            range = range.intersection(constraint);
        }
        let mut insert = |package: Package| {
            let entry = deps.entry(package.clone()).or_insert_with(Ranges::full);
            *entry = entry.intersection(&range);
            let mut seen = self.seen.borrow_mut();
            let next = seen.len();
            seen.entry(package).or_insert(next);
        };
        insert(Package::Dist(name.clone()));
        for extra in &requirement.extras {
            insert(Package::Extra(name.clone(), normalize(extra.as_ref())));
        }
        Ok(())
    }

    #[allow(
        clippy::unnecessary_wraps,
        reason = "the same shape as the other packages' dependencies"
    )]
    fn root_dependencies(&self) -> Result<Dependencies<Package, Ranges<Version>, String>, Error> {
        let mut deps = Deps::new();
        for root in &self.request.roots {
            for requirement in self.applicable([&root.requirement], &[]) {
                if let Err(reason) = self.add(&mut deps, requirement) {
                    return Ok(Dependencies::Unavailable(reason));
                }
            }
        }
        Ok(Dependencies::Available(deps.into_iter().collect()))
    }

    fn dist_dependencies(
        &self,
        name: &str,
        extra: Option<&str>,
        version: &Version,
    ) -> Result<Dependencies<Package, Ranges<Version>, String>, Error> {
        let metadata = self.metadata(name, version)?;
        if let Some(spec) = metadata.requires_python.as_deref()
            && let Ok(spec) = VersionSpecifiers::from_str(spec)
            && !spec.contains(&self.target.python)
        {
            return Ok(Dependencies::Unavailable(format!(
                "it requires Python {spec}, and the target has {}",
                self.target.python
            )));
        }
        let requirements = parse_requires_dist(name, &metadata)?;
        let mut deps = Deps::new();
        let extras: Vec<ExtraName> = extra
            .and_then(|e| ExtraName::from_str(e).ok())
            .into_iter()
            .collect();
        if extra.is_some() {
            // `name[extra]` v is `name` v plus what the extra adds.
            deps.insert(
                Package::Dist(name.to_string()),
                Ranges::singleton(version.clone()),
            );
            let base: Vec<&Requirement> = self.applicable(&requirements, &[]);
            for requirement in self.applicable(&requirements, &extras) {
                if base.iter().any(|b| std::ptr::eq(*b, requirement)) {
                    continue;
                }
                if let Err(reason) = self.add(&mut deps, requirement) {
                    return Ok(Dependencies::Unavailable(reason));
                }
            }
        } else {
            for requirement in self.applicable(&requirements, &[]) {
                if let Err(reason) = self.add(&mut deps, requirement) {
                    return Ok(Dependencies::Unavailable(reason));
                }
            }
        }
        // Warm the index pages of what comes next, then its metadata, in
        // parallel.
        let names: Vec<String> = deps.keys().filter_map(|p| p.name().map(str::to_string)).collect();
        self.index.prefetch(&names);
        self.guess_metadata(&deps);
        Ok(Dependencies::Available(deps.into_iter().collect()))
    }

    /// The dependencies `name` `version` has on this target, as names.
    pub fn dependency_names(
        &self,
        name: &str,
        version: &Version,
    ) -> Result<Vec<(String, Vec<String>)>, Error> {
        let metadata = self.metadata(name, version)?;
        let requirements = parse_requires_dist(name, &metadata)?;
        Ok(self
            .applicable(&requirements, &[])
            .into_iter()
            .map(|r| {
                (
                    normalize(r.name.as_ref()),
                    r.extras.iter().map(|e| normalize(e.as_ref())).collect(),
                )
            })
            .collect())
    }

    /// The extra-only dependencies `name[extra]` adds on this target.
    pub fn extra_dependency_names(
        &self,
        name: &str,
        extra: &str,
        version: &Version,
    ) -> Result<Vec<(String, Vec<String>)>, Error> {
        let metadata = self.metadata(name, version)?;
        let requirements = parse_requires_dist(name, &metadata)?;
        let extras: Vec<ExtraName> = ExtraName::from_str(extra).ok().into_iter().collect();
        let base = self.applicable(&requirements, &[]);
        Ok(self
            .applicable(&requirements, &extras)
            .into_iter()
            .filter(|r| !base.iter().any(|b| std::ptr::eq(*b, *r)))
            .map(|r| {
                (
                    normalize(r.name.as_ref()),
                    r.extras.iter().map(|e| normalize(e.as_ref())).collect(),
                )
            })
            .collect())
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Package;
    type V = Version;
    type VS = Ranges<Version>;
    type M = String;
    type Priority = (u32, std::cmp::Reverse<usize>);
    type Err = Error;

    fn prioritize(
        &self,
        package: &Package,
        _range: &Ranges<Version>,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let order = self.seen.borrow().get(package).copied().unwrap_or(usize::MAX);
        (stats.conflict_count(), std::cmp::Reverse(order))
    }

    fn choose_version(&self, package: &Package, range: &Ranges<Version>) -> Result<Option<Version>, Error> {
        let Some(name) = package.name() else {
            return Ok(Some(Version::new([0])));
        };
        let candidates = self.candidates(name)?;
        if candidates.versions.is_empty() {
            return Err(self.nothing_fits(name)?);
        }
        let usable =
            |c: &&Candidate| range.contains(&c.version) && (!c.yanked || range.as_singleton().is_some());
        // A version with only an sdist (the host's) is read from its
        // `PKG-INFO` and built at sync: it is taken only when no version
        // with a wheel fits, and fails naming itself when its metadata is
        // not static.
        let readable = candidates
            .versions
            .iter()
            .filter(usable)
            .any(|c| candidates.has_wheel(c));
        let usable = |c: &&Candidate| usable(c) && (candidates.has_wheel(c) || !readable);
        if let Some(preferred) = self.preferences.get(name)
            && candidates
                .versions
                .iter()
                .filter(usable)
                .any(|c| c.version == *preferred)
        {
            return Ok(Some(preferred.clone()));
        }
        // Final releases first, pre-releases only when no final release
        // fits, even where a requirement names one (`>=1.0rc1` takes 1.0):
        // uv's `if-necessary`. `<8.0` excludes `8.0.dev0`, a pre-release
        // bound the range holds without anyone asking for pre-releases.
        let allow_pre = self.request.prereleases;
        let found = candidates
            .versions
            .iter()
            .filter(usable)
            .find(|c| allow_pre || !c.version.any_prerelease())
            .or_else(|| candidates.versions.iter().find(usable))
            .map(|c| c.version.clone());
        Ok(found)
    }

    fn get_dependencies(
        &self,
        package: &Package,
        version: &Version,
    ) -> Result<Dependencies<Package, Ranges<Version>, String>, Error> {
        match package {
            Package::Root => self.root_dependencies(),
            Package::Dist(name) => self.dist_dependencies(name, None, version),
            Package::Extra(name, extra) => self.dist_dependencies(name, Some(extra), version),
        }
    }
}

/// The versions of `name` in `files` that `target` can use, newest
/// first, each with its fitting files (best first): wheels whose tags and
/// `requires-python` fit, an sdist when the target builds, nothing
/// uploaded at or after `exclude_newer`.
fn collect(
    target: &Target,
    exclude_newer: Option<&Timestamp>,
    name: &str,
    files: &Listing,
) -> Vec<Candidate> {
    // Big projects list tens of thousands of files that share a few
    // `requires-python` strings, tag triples and version strings:
    // decide (and parse) each once.
    let normalized = normalize(name);
    let mut python_fits: FxHashMap<&str, bool> = FxHashMap::default();
    let mut tag_ranks: FxHashMap<&str, Option<usize>> = FxHashMap::default();
    // Version text → its slot (`None`: not a version). Texts that
    // parse to the same version (`1.0`, `1.0.0`) are merged below,
    // after sorting, rather than hashing every version.
    let mut slot_of_text: FxHashMap<&str, Option<usize>> = FxHashMap::default();
    // Per version text: the (rank, position) of each file that fits.
    let mut slots: Vec<(Version, Vec<(usize, usize)>)> = Vec::new();
    for at in 0..files.len() {
        let file = files.summary(at);
        if let Some(cutoff) = exclude_newer {
            // Files without an upload time cannot be shown to be older.
            match file.upload_time.and_then(crate::timestamp::parse_instant) {
                Some(time) if time < *cutoff => {}
                _ => continue,
            }
        }
        if let Some(spec) = file.requires_python {
            let fits = *python_fits.entry(spec).or_insert_with(|| {
                VersionSpecifiers::from_str(spec).map_or(true, |spec| spec.contains(&target.python))
            });
            if !fits {
                continue;
            }
        }
        let (version, rank) = if let Some((version, tags)) = split_wheel_name(file.filename) {
            let rank = *tag_ranks.entry(tags).or_insert_with(|| {
                WheelFilename::parse(file.filename).and_then(|wheel| target.tags.rank(&wheel.tags))
            });
            let Some(rank) = rank else {
                continue;
            };
            (version, rank)
        } else if let Some(version) = sdist_version(&normalized, file.filename) {
            if !target.allow_sdist {
                continue;
            }
            (version, usize::MAX)
        } else {
            continue;
        };
        let slot = *slot_of_text.entry(version).or_insert_with(|| {
            let version = Version::from_str(version).ok()?;
            slots.push((version, Vec::new()));
            Some(slots.len() - 1)
        });
        let Some(slot) = slot else {
            continue;
        };
        slots[slot].1.push((rank, at));
    }
    // Newest first, one entry per version.
    slots.sort_by(|a, b| b.0.cmp(&a.0));
    let mut merged: Vec<(Version, Vec<(usize, usize)>)> = Vec::with_capacity(slots.len());
    for (version, mut fitting) in slots {
        match merged.last_mut() {
            Some((last, files)) if *last == version => files.append(&mut fitting),
            _ => merged.push((version, fitting)),
        }
    }
    merged
        .into_iter()
        .map(|(version, mut fitting)| {
            // Ties keep the page's order.
            fitting.sort_by(|a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| files.summary(a.1).filename.cmp(files.summary(b.1).filename))
                    .then(a.1.cmp(&b.1))
            });
            let yanked = fitting.iter().all(|&(_, at)| files.summary(at).yanked);
            Candidate {
                version,
                files: fitting.into_iter().map(|(_, at)| at).collect(),
                yanked,
            }
        })
        .collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The version range a requirement allows.
pub(crate) fn requirement_range(requirement: &Requirement) -> Ranges<Version> {
    match &requirement.version_or_url {
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => Ranges::from(specifiers.clone()),
        _ => Ranges::full(),
    }
}

fn parse_requires_dist(name: &str, metadata: &CoreMetadata) -> Result<Vec<Requirement>, Error> {
    metadata
        .requires_dist
        .iter()
        .map(|line| {
            Requirement::from_str(line).map_err(|e| Error::Metadata {
                package: name.to_string(),
                reason: format!("`Requires-Dist: {line}` is not valid: {e}"),
            })
        })
        .collect()
}

/// A wheel file name's version and its `python-abi-platform` tag part,
/// without allocating: `a-1.0-py3-none-any.whl` → (`1.0`, `py3-none-any`).
fn split_wheel_name(filename: &str) -> Option<(&str, &str)> {
    let stem = filename.strip_suffix(".whl")?;
    // The tags are what follows the third `-` from the end.
    let dash = stem
        .bytes()
        .enumerate()
        .rev()
        .filter(|&(_, b)| b == b'-')
        .nth(2)
        .map(|(at, _)| at)?;
    let (rest, tags) = (&stem[..dash], &stem[dash + 1..]);
    // `rest` is `name-version` or `name-version-build`.
    let after_name = &rest[rest.bytes().position(|b| b == b'-')? + 1..];
    let version = &after_name[..after_name
        .bytes()
        .position(|b| b == b'-')
        .unwrap_or(after_name.len())];
    Some((version, tags))
}

/// `name-1.0.tar.gz` / `.zip` → `1.0`, for `normalized`, the project's
/// normalized name.
pub(crate) fn sdist_version<'f>(normalized: &str, filename: &'f str) -> Option<&'f str> {
    let stem = filename
        .strip_suffix(".tar.gz")
        .or_else(|| filename.strip_suffix(".zip"))?;
    let (dist, version) = stem.rsplit_once('-')?;
    normalizes_to(dist, normalized).then_some(version)
}

/// `normalize(name) == normalized`, without allocating.
fn normalizes_to(name: &str, normalized: &str) -> bool {
    let mut expected = normalized.chars();
    let (mut separator, mut started) = (false, false);
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
            continue;
        }
        if separator && started && expected.next() != Some('-') {
            return false;
        }
        separator = false;
        started = true;
        if expected.next() != Some(c.to_ascii_lowercase()) {
            return false;
        }
    }
    expected.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::{normalizes_to, sdist_version, split_wheel_name};
    use crate::dist::name::normalize;

    #[test]
    fn names_compare_normalized_without_allocating() {
        for (name, other) in [
            ("Foo.Bar__baz", "foo-bar-baz"),
            ("foo", "foo"),
            ("_foo-", "foo"),
            ("foo", "foo-bar"),
            ("foo-bar", "foo"),
            ("foo--bar", "foo-bar"),
            ("Foo-Bar", "foobar"),
            ("", ""),
        ] {
            assert_eq!(
                normalizes_to(name, other),
                normalize(name) == other,
                "{name} vs {other}"
            );
        }
        assert_eq!(
            sdist_version("charset-normalizer", "charset_normalizer-3.4.0.tar.gz"),
            Some("3.4.0")
        );
        assert_eq!(sdist_version("idna", "requests-2.0.tar.gz"), None);
    }

    #[test]
    fn wheel_names_split_without_parsing() {
        assert_eq!(
            split_wheel_name("a-1.0-py3-none-any.whl"),
            Some(("1.0", "py3-none-any"))
        );
        assert_eq!(
            split_wheel_name("numpy-2.1.0-1-cp312-cp312-manylinux_2_17_x86_64.whl"),
            Some(("2.1.0", "cp312-cp312-manylinux_2_17_x86_64"))
        );
        assert_eq!(split_wheel_name("a-1.0.tar.gz"), None);
        assert_eq!(split_wheel_name("a-py3-none-any.whl"), None);
        assert_eq!(
            split_wheel_name("a-1.0-2-3-py3-none-any.whl"),
            Some(("1.0", "py3-none-any"))
        );
    }
}
