//! Why a package has no usable version for a target, told from its index
//! page rather than by the solver: a version that has only a source
//! distribution, wheels for other Pythons or platforms, a
//! `requires-python` that leaves the target out, an upload after
//! `--exclude-newer`; and the ways out (versions that do fit, the Pythons
//! its wheels are for, a `-binary` twin), so that an error says what is
//! true instead of "no usable version".

use std::collections::BTreeSet;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};
use pubgrub::Ranges;

use crate::dist::name::WheelFilename;
use crate::index::Listing;
use crate::resolve::provider::{Provider, sdist_version};
use crate::timestamp::parse_instant;

/// What keeps the newest version in a range out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Why {
    /// Only an sdist, and the target does not build.
    OnlySdist,
    /// Wheels, none for the target. `pythons`: the CPython minors of the
    /// wheels for the target's platform (empty when it has none there).
    OtherWheels {
        pythons: Vec<(u32, u32)>,
        example: String,
    },
    /// Linux wheels for the target's CPU, all needing a newer glibc than
    /// the target runs.
    NewerGlibc {
        needs: (u32, u32),
        has: (u32, u32),
        example: String,
    },
    /// Its files require another Python.
    RequiresPython(String),
    /// Every file was uploaded at or after `--exclude-newer`.
    TooNew,
    /// Every file is yanked.
    Yanked,
}

/// A package version the target cannot use, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unavailable {
    pub package: String,
    pub version: Version,
    pub why: Why,
}

impl Unavailable {
    /// One sentence: what the version has instead. The target is named
    /// by the message around it.
    pub fn describe(&self) -> String {
        format!("`{}` {}", self.package, self.what())
    }

    /// [`Unavailable::describe`] without the package name: `1.0 has …`.
    pub fn what(&self) -> String {
        let version = &self.version;
        match &self.why {
            Why::OnlySdist => format!(
                "{version} has only a source distribution, and fenv locks only wheels for targets it cannot build on"
            ),
            Why::OtherWheels { pythons, example } => match python_span(pythons) {
                Some(span) => format!(
                    "{version} has no wheel for the target's Python: its wheels for the target's platform are for CPython {span} (for example `{example}`)"
                ),
                None => format!(
                    "{version} has no wheel for the target's platform (it has `{example}`, for example)"
                ),
            },
            Why::NewerGlibc { needs, has, example } => format!(
                "{version} has no wheel for the target: its Linux wheels need glibc {}.{} or newer, and the target has {}.{} (for example `{example}`)",
                needs.0, needs.1, has.0, has.1
            ),
            Why::RequiresPython(spec) => format!("{version} requires Python {spec}"),
            Why::TooNew => format!("{version} was uploaded after the `exclude-newer` cut-off"),
            Why::Yanked => format!("{version} is yanked"),
        }
    }
}

/// Ways past an unusable package, joined into one hint.
pub(crate) fn advice(provider: &Provider<'_>, unavailable: &Unavailable) -> Option<String> {
    let package = &unavailable.package;
    let target = &provider.target.description;
    let mut ways = Vec::new();
    if let Ok(candidates) = provider.candidates(package) {
        let usable: Vec<&Version> = candidates
            .versions
            .iter()
            .filter(|c| !c.yanked)
            .map(|c| &c.version)
            .collect();
        match (usable.last(), usable.first()) {
            (Some(oldest), Some(newest)) if oldest == newest => {
                ways.push(format!("`{package}` {oldest} fits {target}: allow it"));
            }
            (Some(oldest), Some(newest)) => {
                ways.push(format!(
                    "versions {oldest} to {newest} of `{package}` fit {target}: allow one of them"
                ));
            }
            _ => {}
        }
    }
    if let Why::OtherWheels { pythons, .. } = &unavailable.why
        && let Some(span) = python_span(pythons)
    {
        ways.push(format!("lock for a Python its wheels are for ({span})"));
    }
    if let Why::NewerGlibc { needs, .. } = &unavailable.why {
        ways.push(format!(
            "lock for a target whose glibc is {}.{} or newer (AWS Lambda's python3.12 and later runtimes have 2.34)",
            needs.0, needs.1
        ));
    }
    let no_wheel_here = match &unavailable.why {
        Why::OnlySdist => true,
        Why::OtherWheels { pythons, .. } => pythons.is_empty(),
        _ => false,
    };
    if no_wheel_here {
        let binary = format!("{package}-binary");
        if provider.candidates(&binary).is_ok_and(|c| !c.versions.is_empty()) {
            ways.push(format!("depend on `{binary}`, which ships wheels, instead"));
        }
        ways.push("add a `find-links` folder with a wheel built for the target".into());
    }
    match ways.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [rest @ .., last] => Some(format!("{}; or {last}", rest.join("; "))),
    }
}

/// The newest version of `page` inside `range` and what keeps it from
/// the target, or `None` when the index lists no version in the range.
pub(crate) fn newest_in_range(
    provider: &Provider<'_>,
    normalized: &str,
    page: &Listing,
    range: &Ranges<Version>,
) -> Option<Unavailable> {
    let target = provider.target;
    // Every file of every version in the range, newest version first.
    let mut versions: Vec<(Version, Vec<usize>)> = Vec::new();
    for at in 0..page.len() {
        let filename = page.summary(at).filename;
        let text = match WheelFilename::parse(filename) {
            Some(wheel) => wheel.version,
            None => match sdist_version(normalized, filename) {
                Some(version) => version.to_string(),
                None => continue,
            },
        };
        let Ok(version) = Version::from_str(&text) else {
            continue;
        };
        if !range.contains(&version) {
            continue;
        }
        match versions.iter_mut().find(|(v, _)| *v == version) {
            Some((_, files)) => files.push(at),
            None => versions.push((version, vec![at])),
        }
    }
    versions.sort_by(|a, b| b.0.cmp(&a.0));
    let (version, files) = versions.into_iter().next()?;
    let summaries: Vec<_> = files.iter().map(|&at| page.summary(at)).collect();
    let why = if let Some(cutoff) = &provider.request.exclude_newer
        && summaries
            .iter()
            .all(|s| s.upload_time.and_then(parse_instant).is_none_or(|t| t >= *cutoff))
    {
        Why::TooNew
    } else if let Some(spec) = summaries.iter().find_map(|s| {
        s.requires_python
            .filter(|spec| VersionSpecifiers::from_str(spec).is_ok_and(|spec| !spec.contains(&target.python)))
    }) {
        Why::RequiresPython(spec.to_string())
    } else if summaries.iter().all(|s| s.yanked) {
        Why::Yanked
    } else {
        let wheels: Vec<(&str, WheelFilename)> = summaries
            .iter()
            .filter_map(|s| Some((s.filename, WheelFilename::parse(s.filename)?)))
            .collect();
        if wheels.is_empty() {
            Why::OnlySdist
        } else {
            // The wheels built for the target's platform, whatever Python.
            let platforms: BTreeSet<&str> = target.tags.iter().map(|tag| tag.platform.as_str()).collect();
            let here: Vec<&(&str, WheelFilename)> = wheels
                .iter()
                .filter(|(_, w)| w.tags.iter().any(|tag| platforms.contains(tag.platform.as_str())))
                .collect();
            let pythons: BTreeSet<(u32, u32)> = here
                .iter()
                .flat_map(|(_, w)| &w.tags)
                .filter_map(|tag| cpython_minor(&tag.python))
                .collect();
            let has = platforms
                .iter()
                .filter_map(|p| manylinux(p))
                .max_by_key(|(glibc, _)| *glibc);
            let newer: Vec<(&str, (u32, u32))> = wheels
                .iter()
                .filter_map(|(name, w)| {
                    let needs = w
                        .tags
                        .iter()
                        .filter_map(|tag| manylinux(&tag.platform))
                        .filter(|(_, arch)| has.is_some_and(|(_, target_arch)| target_arch == *arch))
                        .map(|(glibc, _)| glibc)
                        .min()?;
                    Some((*name, needs))
                })
                .collect();
            let example = here
                .last()
                .copied()
                .or(wheels.last())
                .map(|(name, _)| name.to_string());
            match (here.is_empty(), has, newer.iter().min_by_key(|(_, needs)| *needs)) {
                (true, Some((has, _)), Some((name, needs))) if *needs > has => Why::NewerGlibc {
                    needs: *needs,
                    has,
                    example: name.to_string(),
                },
                _ => Why::OtherWheels {
                    pythons: pythons.into_iter().collect(),
                    example: example.unwrap_or_default(),
                },
            }
        }
    };
    Some(Unavailable {
        package: normalized.to_string(),
        version,
        why,
    })
}

/// `manylinux_2_28_x86_64` → ((2, 28), `x86_64`); the legacy aliases
/// (PEP 513, 571, 599) too.
fn manylinux(platform: &str) -> Option<((u32, u32), &str)> {
    for (legacy, glibc) in [
        ("manylinux1_", (2, 5)),
        ("manylinux2010_", (2, 12)),
        ("manylinux2014_", (2, 17)),
    ] {
        if let Some(arch) = platform.strip_prefix(legacy) {
            return Some((glibc, arch));
        }
    }
    let mut parts = platform.strip_prefix("manylinux_")?.splitn(3, '_');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some(((major, minor), parts.next()?))
}

/// `cp312` → (3, 12).
fn cpython_minor(tag: &str) -> Option<(u32, u32)> {
    let digits = tag.strip_prefix("cp")?;
    let (major, minor) = digits.split_at_checked(1)?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// `3.9–3.12`, `3.12`, or `None` for no CPython tag.
fn python_span(pythons: &[(u32, u32)]) -> Option<String> {
    let (first, last) = (pythons.first()?, pythons.last()?);
    Some(if first == last {
        format!("{}.{}", first.0, first.1)
    } else {
        format!("{}.{}–{}.{}", first.0, first.1, last.0, last.1)
    })
}

/// Names a user may have meant when `normalized` is not on the index:
/// the import names that are not their distributions' names, and
/// spellings with or without separators, a `python-` prefix or a
/// trailing `s`. Each is only a guess until the index confirms it.
pub(crate) fn did_you_mean(normalized: &str) -> Vec<String> {
    const IMPORT_NAMES: &[(&str, &str)] = &[
        ("attr", "attrs"),
        ("bs4", "beautifulsoup4"),
        ("crypto", "pycryptodome"),
        ("cv2", "opencv-python-headless"),
        ("dateutil", "python-dateutil"),
        ("docx", "python-docx"),
        ("dotenv", "python-dotenv"),
        ("fitz", "pymupdf"),
        ("jose", "python-jose"),
        ("jwt", "pyjwt"),
        ("magic", "python-magic"),
        ("multipart", "python-multipart"),
        ("mysqldb", "mysqlclient"),
        ("pil", "pillow"),
        ("pptx", "python-pptx"),
        ("serial", "pyserial"),
        ("skimage", "scikit-image"),
        ("sklearn", "scikit-learn"),
        ("yaml", "pyyaml"),
    ];
    let mut out: Vec<String> = IMPORT_NAMES
        .iter()
        .filter(|(import, _)| *import == normalized)
        .map(|(_, dist)| dist.to_string())
        .collect();
    let joined = normalized.replace('-', "");
    out.push(joined);
    match normalized.strip_prefix("python-") {
        Some(rest) => out.push(rest.to_string()),
        None => out.push(format!("python-{normalized}")),
    }
    match normalized.strip_suffix('s') {
        Some(rest) => out.push(rest.to_string()),
        None => out.push(format!("{normalized}s")),
    }
    out.retain(|name| !name.is_empty() && name != normalized);
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manylinux_tags_name_their_glibc() {
        assert_eq!(manylinux("manylinux_2_28_x86_64"), Some(((2, 28), "x86_64")));
        assert_eq!(manylinux("manylinux2014_aarch64"), Some(((2, 17), "aarch64")));
        assert_eq!(manylinux("manylinux1_i686"), Some(((2, 5), "i686")));
        assert_eq!(manylinux("musllinux_1_2_x86_64"), None);
        assert_eq!(manylinux("macosx_11_0_arm64"), None);
    }

    #[test]
    fn spans_of_cpython_minors() {
        assert_eq!(cpython_minor("cp312"), Some((3, 12)));
        assert_eq!(cpython_minor("cp39"), Some((3, 9)));
        assert_eq!(cpython_minor("py3"), None);
        assert_eq!(python_span(&[(3, 9), (3, 12)]).as_deref(), Some("3.9–3.12"));
        assert_eq!(python_span(&[(3, 12)]).as_deref(), Some("3.12"));
        assert_eq!(python_span(&[]), None);
    }

    #[test]
    fn guesses_for_a_name_the_index_does_not_know() {
        assert_eq!(
            did_you_mean("sklearn"),
            ["scikit-learn", "python-sklearn", "sklearns"]
        );
        assert_eq!(
            did_you_mean("python-dateutils"),
            ["pythondateutils", "dateutils", "python-dateutil"]
        );
        assert_eq!(did_you_mean("py-yaml"), ["pyyaml", "python-py-yaml", "py-yamls"]);
    }
}
