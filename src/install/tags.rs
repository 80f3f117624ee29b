//! Which wheel tags an interpreter accepts (PEP 425 and the platform tag
//! specs), most preferred first, computed from the probe's facts.

use crate::install::name::Tag;
use crate::python::InterpreterInfo;

/// The tags an interpreter supports, in order of preference.
#[derive(Debug, Clone)]
pub struct Tags {
    ordered: Vec<Tag>,
}

impl Tags {
    /// The tags of `info`'s interpreter on its own platform.
    pub fn for_interpreter(info: &InterpreterInfo) -> Self {
        let (major, minor) = info.minor();
        let platforms = platforms(info);
        let implementation = match info.implementation.as_str() {
            "cpython" => "cp",
            "pypy" => "pp",
            other => other,
        };
        let mut ordered = Vec::new();
        let mut push = |python: String, abi: &str, platform: &str| {
            ordered.push(Tag {
                python,
                abi: abi.to_string(),
                platform: platform.to_string(),
            });
        };
        let own = format!("{implementation}{major}{minor}");
        if implementation == "cp" {
            let thread = if info.gil_disabled { "t" } else { "" };
            let abi = format!("cp{major}{minor}{thread}{}", debug_flag(info));
            for platform in &platforms {
                push(own.clone(), &abi, platform);
            }
            if !info.gil_disabled {
                for platform in &platforms {
                    push(own.clone(), "abi3", platform);
                }
            }
            for platform in &platforms {
                push(own.clone(), "none", platform);
            }
            if !info.gil_disabled {
                for older in (2..minor).rev() {
                    for platform in &platforms {
                        push(format!("cp{major}{older}"), "abi3", platform);
                    }
                }
            }
        } else if let Some(soabi) = info.soabi.as_deref() {
            // PyPy: `pypy310_pp73`, from SOABI `pypy310-pp73-x86_64-linux-gnu`.
            let abi = soabi.split('-').take(2).collect::<Vec<_>>().join("_");
            for platform in &platforms {
                push(own.clone(), &abi, platform);
            }
            for platform in &platforms {
                push(own.clone(), "none", platform);
            }
        }
        for python in generic_pythons(major, minor) {
            for platform in &platforms {
                push(python.clone(), "none", platform);
            }
        }
        push(own, "none", "any");
        for python in generic_pythons(major, minor) {
            push(python, "none", "any");
        }
        Self { ordered }
    }

    /// The preference rank of the best tag of a wheel (lower is better), or
    /// `None` when no tag fits.
    pub fn rank(&self, wheel_tags: &[Tag]) -> Option<usize> {
        wheel_tags
            .iter()
            .filter_map(|tag| self.ordered.iter().position(|t| t == tag))
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
        return vec![platform];
    };
    // A 32-bit interpreter on a 64-bit kernel.
    let arch = match (arch, info.pointer_size) {
        ("x86_64", 32) => "i686",
        ("aarch64", 32) => "armv8l",
        _ => arch,
    }
    .to_string();
    let mut out = vec![format!("linux_{arch}")];
    match info
        .libc
        .as_ref()
        .map(|libc| (libc.kind.as_str(), parse_version(&libc.version)))
    {
        Some(("glibc", Some((2, glibc_minor)))) => {
            let floor = if matches!(arch.as_str(), "x86_64" | "i686") {
                5
            } else {
                17
            };
            for minor in (floor..=glibc_minor).rev() {
                out.push(format!("manylinux_2_{minor}_{arch}"));
                let legacy = match minor {
                    17 => Some("manylinux2014"),
                    12 => Some("manylinux2010"),
                    5 => Some("manylinux1"),
                    _ => None,
                };
                if let Some(legacy) = legacy.filter(|_| minor != 17 || is_manylinux2014_arch(&arch)) {
                    out.push(format!("{legacy}_{arch}"));
                }
            }
        }
        Some(("musl", Some((1, musl_minor)))) => {
            for minor in (0..=musl_minor).rev() {
                out.push(format!("musllinux_1_{minor}_{arch}"));
            }
        }
        _ => {}
    }
    out
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
        let mut info = crate::venv::layout::tests::info(version, "posix", "linux", "/usr/bin/python3");
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
    fn cpython_on_musl() {
        let tags = tags_for([3, 11, 7], Some(("musl", "1.2")));
        assert!(tags.rank(&[tag("cp311-cp311-musllinux_1_1_x86_64")]).is_some());
        assert_eq!(tags.rank(&[tag("cp311-cp311-manylinux_2_17_x86_64")]), None);
    }
}
