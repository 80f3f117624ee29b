//! Which wheel tags an interpreter accepts (PEP 425 and the platform tag
//! specs), most preferred first, computed from the probe's facts.

use std::collections::HashMap;

use crate::dist::name::Tag;
use crate::python::InterpreterInfo;

/// The tags an interpreter supports, in order of preference.
#[derive(Debug, Clone)]
pub struct Tags {
    ordered: Vec<Tag>,
    rank: HashMap<Tag, usize>,
}

/// What decides an interpreter's tags.
#[derive(Debug, Clone)]
struct Spec {
    /// `cp`, `pp`, …
    implementation: String,
    python: (u32, u32),
    /// The implementation's own ABI (`cp312`, `cp313t`, `pypy310_pp73`).
    abi: Option<String>,
    /// Whether the stable ABI (`abi3`) applies.
    abi3: bool,
    /// Platform tags, most specific first.
    platforms: Vec<String>,
}

impl Tags {
    /// The tags of `info`'s interpreter on its own platform.
    pub fn for_interpreter(info: &InterpreterInfo) -> Self {
        let (major, minor) = info.minor();
        let implementation = match info.implementation.as_str() {
            "cpython" => "cp",
            "pypy" => "pp",
            other => other,
        };
        let abi = if implementation == "cp" {
            let thread = if info.gil_disabled { "t" } else { "" };
            Some(format!("cp{major}{minor}{thread}{}", debug_flag(info)))
        } else {
            // PyPy: `pypy310_pp73`, from SOABI `pypy310-pp73-x86_64-linux-gnu`.
            info.soabi
                .as_deref()
                .map(|soabi| soabi.split('-').take(2).collect::<Vec<_>>().join("_"))
        };
        Self::from_spec(&Spec {
            implementation: implementation.to_string(),
            python: (major, minor),
            abi,
            abi3: implementation == "cp" && !info.gil_disabled,
            platforms: platforms(info),
        })
    }

    /// The tags of a CPython `python` on `platform`, a platform tag such as
    /// `manylinux_2_34_x86_64` (meaning every manylinux up to glibc 2.34),
    /// `musllinux_1_2_aarch64`, `macosx_11_0_arm64` or `win_amd64`; for
    /// platforms fenv locks for without running there.
    pub fn cpython_on(python: (u32, u32), platform: &str) -> Self {
        let (major, minor) = python;
        Self::from_spec(&Spec {
            implementation: "cp".into(),
            python,
            abi: Some(format!("cp{major}{minor}")),
            abi3: true,
            platforms: expand_platform(platform),
        })
    }

    fn from_spec(spec: &Spec) -> Self {
        let (major, minor) = spec.python;
        let platforms = &spec.platforms;
        let mut ordered = Vec::new();
        let mut push = |python: String, abi: &str, platform: &str| {
            ordered.push(Tag {
                python,
                abi: abi.to_string(),
                platform: platform.to_string(),
            });
        };
        let own = format!("{}{major}{minor}", spec.implementation);
        if let Some(abi) = &spec.abi {
            for platform in platforms {
                push(own.clone(), abi, platform);
            }
        }
        if spec.abi3 {
            for platform in platforms {
                push(own.clone(), "abi3", platform);
            }
        }
        for platform in platforms {
            push(own.clone(), "none", platform);
        }
        if spec.abi3 {
            for older in (2..minor).rev() {
                for platform in platforms {
                    push(format!("cp{major}{older}"), "abi3", platform);
                }
            }
        }
        for python in generic_pythons(major, minor) {
            for platform in platforms {
                push(python.clone(), "none", platform);
            }
        }
        push(own, "none", "any");
        for python in generic_pythons(major, minor) {
            push(python, "none", "any");
        }
        let mut rank = HashMap::with_capacity(ordered.len());
        for (index, tag) in ordered.iter().enumerate() {
            rank.entry(tag.clone()).or_insert(index);
        }
        Self { ordered, rank }
    }

    /// The preference rank of the best tag of a wheel (lower is better), or
    /// `None` when no tag fits.
    pub fn rank(&self, wheel_tags: &[Tag]) -> Option<usize> {
        wheel_tags
            .iter()
            .filter_map(|tag| self.rank.get(tag).copied())
            .min()
    }

    /// Every supported tag, most preferred first.
    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.ordered.iter()
    }
}

fn debug_flag(info: &InterpreterInfo) -> &'static str {
    if info.abiflags.contains('d') { "d" } else { "" }
}

/// `py312`, `py3`, `py311` … `py30`.
fn generic_pythons(major: u32, minor: u32) -> Vec<String> {
    let mut out = vec![format!("py{major}{minor}"), format!("py{major}")];
    out.extend((0..minor).rev().map(|m| format!("py{major}{m}")));
    out
}

/// The platform tags, most specific first: on Linux `linux_<arch>`, then
/// `manylinux_<glibc>` down to 2.17 (to 2.5 on x86), legacy aliases right
/// after their equivalents; or musllinux; elsewhere the sysconfig platform.
fn platforms(info: &InterpreterInfo) -> Vec<String> {
    let platform = info.sysconfig_platform.replace(['-', '.'], "_");
    let Some(arch) = platform.strip_prefix("linux_") else {
        return expand_platform(&platform);
    };
    // A 32-bit interpreter on a 64-bit kernel.
    let arch = match (arch, info.pointer_size) {
        ("x86_64", 32) => "i686",
        ("aarch64", 32) => "armv8l",
        _ => arch,
    };
    let mut out = vec![format!("linux_{arch}")];
    match info
        .libc
        .as_ref()
        .map(|libc| (libc.kind.as_str(), parse_version(&libc.version)))
    {
        Some(("glibc", Some((2, glibc_minor)))) => out.extend(manylinux(glibc_minor, arch)),
        Some(("musl", Some((1, musl_minor)))) => out.extend(musllinux(musl_minor, arch)),
        _ => {}
    }
    out
}

/// `manylinux_2_34_x86_64` → every manylinux tag up to glibc 2.34, newest
/// first; `musllinux_1_2_x` likewise; anything else stays as it is.
fn expand_platform(platform: &str) -> Vec<String> {
    let parse = |rest: &str| -> Option<(u32, u32, String)> {
        let mut parts = rest.splitn(3, '_');
        Some((
            parts.next()?.parse().ok()?,
            parts.next()?.parse().ok()?,
            parts.next()?.to_string(),
        ))
    };
    if let Some((2, minor, arch)) = platform.strip_prefix("manylinux_").and_then(parse) {
        return manylinux(minor, &arch);
    }
    if let Some((1, minor, arch)) = platform.strip_prefix("musllinux_").and_then(parse) {
        return musllinux(minor, &arch);
    }
    if let Some((major, minor, arch)) = platform.strip_prefix("macosx_").and_then(parse) {
        return macos((major, minor), &arch);
    }
    vec![platform.to_string()]
}

/// Every macOS tag a Mac running `version` on `arch` takes, newest first,
/// as `packaging.tags.mac_platforms` lists them: from 11 on, one release
/// per major version; x86_64 Macs also take 10.x wheels (and the fat
/// formats), arm64 Macs only 10.x `universal2` ones.
fn macos(version: (u32, u32), arch: &str) -> Vec<String> {
    let formats = |version: (u32, u32)| -> Vec<&str> {
        let mut formats = vec![arch];
        if arch == "x86_64" {
            if version < (10, 4) {
                return Vec::new();
            }
            formats.extend(["intel", "fat64", "fat32"]);
        }
        if matches!(arch, "arm64" | "x86_64") {
            formats.push("universal2");
        }
        if arch == "x86_64" {
            formats.push("universal");
        }
        formats
    };
    let mut out = Vec::new();
    let mut push = |major: u32, minor: u32, formats: &[&str]| {
        out.extend(
            formats
                .iter()
                .map(|format| format!("macosx_{major}_{minor}_{format}")),
        );
    };
    if version.0 == 10 {
        for minor in (0..=version.1).rev() {
            push(10, minor, &formats((10, minor)));
        }
        return out;
    }
    for major in (11..=version.0).rev() {
        push(major, 0, &formats((major, 0)));
    }
    for minor in (4..=16).rev() {
        if arch == "x86_64" {
            push(10, minor, &formats((10, minor)));
        } else {
            push(10, minor, &["universal2"]);
        }
    }
    out
}

/// `manylinux_2_<glibc_minor>` down to 2.17 (2.5 on x86), each legacy
/// alias right after its equivalent.
fn manylinux(glibc_minor: u32, arch: &str) -> Vec<String> {
    let mut out = Vec::new();
    let floor = if matches!(arch, "x86_64" | "i686") { 5 } else { 17 };
    for minor in (floor..=glibc_minor).rev() {
        out.push(format!("manylinux_2_{minor}_{arch}"));
        let legacy = match minor {
            17 if is_manylinux2014_arch(arch) => Some("manylinux2014"),
            12 => Some("manylinux2010"),
            5 => Some("manylinux1"),
            _ => None,
        };
        if let Some(legacy) = legacy {
            out.push(format!("{legacy}_{arch}"));
        }
    }
    out
}

fn musllinux(musl_minor: u32, arch: &str) -> Vec<String> {
    (0..=musl_minor)
        .rev()
        .map(|minor| format!("musllinux_1_{minor}_{arch}"))
        .collect()
}

fn is_manylinux2014_arch(arch: &str) -> bool {
    matches!(
        arch,
        "x86_64" | "i686" | "aarch64" | "armv7l" | "ppc64" | "ppc64le" | "s390x"
    )
}

fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::Libc;

    fn tags_for(version: [u32; 3], libc: Option<(&str, &str)>) -> Tags {
        let mut info = crate::python::testing::info(version, "posix", "linux", "/usr/bin/python3");
        info.libc = libc.map(|(kind, version)| Libc {
            kind: kind.into(),
            version: version.into(),
        });
        Tags::for_interpreter(&info)
    }

    fn tag(text: &str) -> Tag {
        let mut parts = text.split('-');
        Tag {
            python: parts.next().unwrap_or_default().into(),
            abi: parts.next().unwrap_or_default().into(),
            platform: parts.next().unwrap_or_default().into(),
        }
    }

    #[test]
    fn cpython_on_glibc() {
        let tags = tags_for([3, 12, 1], Some(("glibc", "2.36")));
        let first: Vec<String> = tags.iter().take(3).map(ToString::to_string).collect();
        assert_eq!(
            first,
            [
                "cp312-cp312-linux_x86_64",
                "cp312-cp312-manylinux_2_36_x86_64",
                "cp312-cp312-manylinux_2_35_x86_64"
            ]
        );
        let rank = |t: &str| tags.rank(&[tag(t)]);
        assert!(rank("cp312-cp312-manylinux_2_17_x86_64").is_some());
        assert!(rank("cp312-cp312-manylinux2014_x86_64").is_some());
        assert!(rank("cp312-cp312-manylinux1_x86_64").is_some());
        assert!(rank("cp39-abi3-manylinux_2_17_x86_64").is_some());
        assert!(rank("py3-none-any") > rank("cp312-none-any"));
        assert!(rank("cp312-cp312-manylinux_2_17_x86_64") < rank("cp312-abi3-manylinux_2_17_x86_64"));
        assert_eq!(
            rank("cp312-cp312-manylinux_2_37_x86_64"),
            None,
            "newer glibc than the host"
        );
        assert_eq!(rank("cp311-cp311-manylinux_2_17_x86_64"), None);
        assert_eq!(rank("cp312-cp312-musllinux_1_1_x86_64"), None);
        assert_eq!(rank("cp312-cp312-win_amd64"), None);
        assert_eq!(rank("py2-none-any"), None);
    }

    #[test]
    fn targets_without_an_interpreter() {
        let lambda = Tags::cpython_on((3, 12), "manylinux_2_34_aarch64");
        let rank = |t: &str| lambda.rank(&[tag(t)]);
        assert!(rank("cp312-cp312-manylinux_2_34_aarch64") < rank("cp312-cp312-manylinux_2_17_aarch64"));
        assert!(rank("cp312-cp312-manylinux2014_aarch64").is_some());
        assert!(rank("cp39-abi3-manylinux_2_28_aarch64").is_some());
        assert_eq!(rank("cp312-cp312-manylinux_2_35_aarch64"), None);
        assert_eq!(rank("cp312-cp312-manylinux_2_17_x86_64"), None);
        assert_eq!(
            rank("cp312-cp312-linux_aarch64"),
            None,
            "local builds never fit a deploy target"
        );
        assert!(rank("py3-none-any").is_some());
        let old = Tags::cpython_on((3, 11), "manylinux_2_26_x86_64");
        assert!(old.rank(&[tag("cp311-cp311-manylinux1_x86_64")]).is_some());
        assert_eq!(old.rank(&[tag("cp311-cp311-manylinux_2_28_x86_64")]), None);
        let mac = Tags::cpython_on((3, 12), "macosx_11_0_arm64");
        assert!(mac.rank(&[tag("cp312-cp312-macosx_11_0_arm64")]).is_some());
        let ventura = Tags::cpython_on((3, 12), "macosx_13_0_arm64");
        let platforms: Vec<&str> = ventura
            .iter()
            .filter(|t| t.abi == "cp312")
            .map(|t| t.platform.as_str())
            .take(7)
            .collect();
        assert_eq!(
            platforms,
            [
                "macosx_13_0_arm64",
                "macosx_13_0_universal2",
                "macosx_12_0_arm64",
                "macosx_12_0_universal2",
                "macosx_11_0_arm64",
                "macosx_11_0_universal2",
                "macosx_10_16_universal2"
            ]
        );
        assert!(ventura.rank(&[tag("cp312-cp312-macosx_14_0_arm64")]).is_none());
        let intel = Tags::cpython_on((3, 12), "macosx_13_0_x86_64");
        assert!(intel.rank(&[tag("cp312-cp312-macosx_10_9_x86_64")]).is_some());
        assert!(intel.rank(&[tag("cp312-cp312-macosx_10_9_universal2")]).is_some());
    }

    #[test]
    fn cpython_on_musl() {
        let tags = tags_for([3, 11, 7], Some(("musl", "1.2")));
        assert!(tags.rank(&[tag("cp311-cp311-musllinux_1_1_x86_64")]).is_some());
        assert_eq!(tags.rank(&[tag("cp311-cp311-manylinux_2_17_x86_64")]), None);
    }
}
