//! The development environments a lock covers: `[tool.fenv]
//! environments`, the platforms the team works on, each crossed with
//! every CPython minor `requires-python` allows.
//!
//! An entry is a platform's short name (`linux`, `macos`, `windows`, …)
//! or a PEP 508 marker, which selects from the same grid of platforms ×
//! Pythons: `"sys_platform == 'darwin' and python_version >= '3.12'"`.
//! The grid is what makes a marker resolvable: each point has exact
//! marker values and wheel tags, so every environment the lock claims is
//! proven at lock time. The platform tags follow uv's defaults for
//! `--python-platform` (glibc 2.28, macOS 13), so uv and fenv judge the
//! same wheels installable.

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use pep440_rs::VersionSpecifiers;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree};

use super::targets::{allows_minor, environment_marker};

/// A platform a developer's machine can be.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    /// The short name in `environments = [...]`.
    pub name: &'static str,
    pub sys_platform: &'static str,
    /// `platform.machine()` there.
    pub machine: &'static str,
    /// `platform.system()` there.
    pub system: &'static str,
    /// The newest wheel platform tag it takes (older ones follow from it).
    pub tag: &'static str,
}

/// Every platform fenv can lock for without running there.
pub const PLATFORMS: [Platform; 8] = [
    platform("linux", "linux", "x86_64", "Linux", "manylinux_2_28_x86_64"),
    platform(
        "linux-arm64",
        "linux",
        "aarch64",
        "Linux",
        "manylinux_2_28_aarch64",
    ),
    platform("linux-musl", "linux", "x86_64", "Linux", "musllinux_1_2_x86_64"),
    platform(
        "linux-musl-arm64",
        "linux",
        "aarch64",
        "Linux",
        "musllinux_1_2_aarch64",
    ),
    platform("macos", "darwin", "arm64", "Darwin", "macosx_13_0_arm64"),
    platform("macos-x86_64", "darwin", "x86_64", "Darwin", "macosx_13_0_x86_64"),
    platform("windows", "win32", "AMD64", "Windows", "win_amd64"),
    platform("windows-arm64", "win32", "ARM64", "Windows", "win_arm64"),
];

impl Platform {
    pub fn is_musl(&self) -> bool {
        self.tag.starts_with("musllinux")
    }
}

const fn platform(
    name: &'static str,
    sys_platform: &'static str,
    machine: &'static str,
    system: &'static str,
    tag: &'static str,
) -> Platform {
    Platform {
        name,
        sys_platform,
        machine,
        system,
        tag,
    }
}

/// What a project covers without an `environments` key: Linux on both
/// architectures, both kinds of Mac and Windows, so a fresh project's
/// lock serves a mixed team.
pub const DEFAULT_ENVIRONMENTS: [&str; 5] = ["linux", "linux-arm64", "macos", "macos-x86_64", "windows"];

/// The CPython 3 minors fenv knows, through the newest released.
pub const KNOWN_PYTHONS: RangeInclusive<u32> = 7..=14;

/// The minors covered when the project has no `requires-python`: those
/// CPython still supports.
pub const SUPPORTED_PYTHONS: RangeInclusive<u32> = 10..=14;

/// One entry of `environments = [...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Platform(&'static Platform),
    /// A PEP 508 marker, in its canonical spelling.
    Marker(String),
}

impl Entry {
    /// A short name, else a marker; `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(platform) = PLATFORMS.iter().find(|p| p.name == text) {
            return Ok(Self::Platform(platform));
        }
        let looks_like_marker = text.contains(['=', '<', '>', '\'', '"', ' ']);
        if !looks_like_marker {
            return Err(format!(
                "`{text}` is not a platform fenv knows ({}) nor a PEP 508 marker",
                platform_names()
            ));
        }
        let tree =
            MarkerTree::from_str(text).map_err(|err| format!("`{text}` is not a valid marker: {err}"))?;
        Ok(Self::Marker(
            tree.try_to_string().unwrap_or_else(|| text.to_string()),
        ))
    }

    /// The default entries, when the project names none.
    pub fn defaults() -> Vec<Self> {
        DEFAULT_ENVIRONMENTS
            .iter()
            .filter_map(|name| PLATFORMS.iter().find(|p| p.name == *name))
            .map(Self::Platform)
            .collect()
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Platform(platform) => f.write_str(platform.name),
            Self::Marker(marker) => f.write_str(marker),
        }
    }
}

/// `linux, linux-arm64, …`: for messages.
pub fn platform_names() -> String {
    PLATFORMS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

/// One point of the grid: a platform and a CPython minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Environment {
    pub platform: &'static Platform,
    pub python: (u32, u32),
}

impl Environment {
    /// `sys_platform == 'linux' and platform_machine == 'x86_64' and …`:
    /// what identifies it in the lock.
    pub fn marker(&self) -> String {
        environment_marker(
            self.platform.sys_platform,
            Some(self.platform.machine),
            "cpython",
            self.python,
        )
    }

    /// The marker values a CPython `X.Y.0` there has.
    pub fn markers(&self) -> MarkerEnvironment {
        marker_environment(
            self.python,
            self.platform.machine,
            self.platform.system,
            self.platform.sys_platform,
        )
    }

    /// What [`Environment`]'s `Display` wrote (`linux (python3.12)`).
    pub fn parse(text: &str) -> Option<Self> {
        let (name, rest) = text.split_once(" (python")?;
        let (major, minor) = rest.strip_suffix(')')?.split_once('.')?;
        Some(Self {
            platform: PLATFORMS.iter().find(|p| p.name == name)?,
            python: (major.parse().ok()?, minor.parse().ok()?),
        })
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (python{}.{})",
            self.platform.name, self.python.0, self.python.1
        )
    }
}

/// The CPython minors `requires-python` allows among those fenv knows,
/// newest first.
pub fn pythons(requires_python: Option<&VersionSpecifiers>) -> Vec<(u32, u32)> {
    let range = match requires_python {
        None => SUPPORTED_PYTHONS,
        Some(_) => KNOWN_PYTHONS,
    };
    range
        .rev()
        .map(|minor| (3, minor))
        .filter(|python| requires_python.is_none_or(|spec| allows_minor(spec, *python)))
        .collect()
}

/// The grid points `entries` select for `requires_python`, in platform
/// order and newest Python first, each once. An entry that selects
/// nothing is an error: it would claim coverage it does not give.
pub fn expand(
    entries: &[Entry],
    requires_python: Option<&VersionSpecifiers>,
) -> Result<Vec<Environment>, String> {
    let pythons = pythons(requires_python);
    if pythons.is_empty() {
        return Err(format!(
            "requires-python allows no CPython fenv knows (3.{} to 3.{})",
            KNOWN_PYTHONS.start(),
            KNOWN_PYTHONS.end()
        ));
    }
    let mut chosen = Vec::new();
    for entry in entries {
        let mut matched = false;
        for platform in &PLATFORMS {
            for python in &pythons {
                let environment = Environment {
                    platform,
                    python: *python,
                };
                let selected = match entry {
                    Entry::Platform(p) => *p == platform,
                    // Markers cannot tell musl from glibc: musl platforms
                    // are covered only when named.
                    Entry::Marker(marker) => {
                        !platform.is_musl()
                            && MarkerTree::from_str(marker)
                                .is_ok_and(|tree| tree.evaluate(&environment.markers(), &[]))
                    }
                };
                matched |= selected;
                if selected && !chosen.contains(&environment) {
                    chosen.push(environment);
                }
            }
        }
        if !matched {
            return Err(format!(
                "`{entry}` selects no platform fenv knows ({}) with a Python that requires-python allows",
                platform_names()
            ));
        }
    }
    chosen.sort_by_key(|e| {
        (
            PLATFORMS.iter().position(|p| p == e.platform),
            std::cmp::Reverse(e.python),
        )
    });
    Ok(chosen)
}

/// The platform of a machine, from its marker values and libc.
pub fn platform_of(sys_platform: &str, machine: &str, musl: bool) -> Option<&'static Platform> {
    let machine = match machine {
        "arm64" if sys_platform == "linux" => "aarch64",
        "amd64" | "x64" if sys_platform == "win32" => "AMD64",
        other => other,
    };
    PLATFORMS.iter().find(|p| {
        p.sys_platform == sys_platform
            && p.machine.eq_ignore_ascii_case(machine)
            && (sys_platform != "linux" || p.is_musl() == musl)
    })
}

/// Marker values for a CPython that fenv cannot run: the patch version is
/// taken as 0 (so `python_full_version` comparisons see the oldest patch).
pub fn marker_environment(
    python: (u32, u32),
    machine: &str,
    system: &str,
    sys_platform: &str,
) -> MarkerEnvironment {
    let full = format!("{}.{}.0", python.0, python.1);
    let short = format!("{}.{}", python.0, python.1);
    let os_name = if sys_platform == "win32" { "nt" } else { "posix" };
    let built = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name,
        platform_machine: machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: system,
        platform_version: "",
        python_full_version: &full,
        python_version: &short,
        sys_platform,
    });
    // `X.Y.0` and `X.Y` always parse as versions, the only fallible fields.
    built.unwrap_or_else(|_| unreachable!("`{full}` is a valid Python version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> VersionSpecifiers {
        VersionSpecifiers::from_str(text).unwrap()
    }

    #[test]
    fn short_names_cross_every_allowed_python() {
        let entries = vec![Entry::parse("linux").unwrap(), Entry::parse("windows").unwrap()];
        let expanded = expand(&entries, Some(&spec(">=3.12"))).unwrap();
        let names: Vec<String> = expanded.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "linux (python3.14)",
                "linux (python3.13)",
                "linux (python3.12)",
                "windows (python3.14)",
                "windows (python3.13)",
                "windows (python3.12)"
            ]
        );
        assert_eq!(pythons(None), [(3, 14), (3, 13), (3, 12), (3, 11), (3, 10)]);
    }

    #[test]
    fn markers_select_from_the_grid() {
        let entries = vec![Entry::parse("sys_platform == 'darwin' and python_version >= '3.13'").unwrap()];
        let expanded = expand(&entries, Some(&spec(">=3.9"))).unwrap();
        let names: Vec<String> = expanded.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "macos (python3.14)",
                "macos (python3.13)",
                "macos-x86_64 (python3.14)",
                "macos-x86_64 (python3.13)"
            ]
        );
        let none = expand(&[Entry::parse("sys_platform == 'cygwin'").unwrap()], None).unwrap_err();
        assert!(none.contains("selects no platform"), "{none}");
        let bad = Entry::parse("solaris").unwrap_err();
        assert!(
            bad.starts_with("`solaris` is not a platform fenv knows (linux, linux-arm64"),
            "{bad}"
        );
    }

    #[test]
    fn a_machine_finds_its_platform() {
        assert_eq!(platform_of("linux", "x86_64", false).unwrap().name, "linux");
        assert_eq!(
            platform_of("linux", "aarch64", true).unwrap().name,
            "linux-musl-arm64"
        );
        assert_eq!(platform_of("darwin", "arm64", false).unwrap().name, "macos");
        assert_eq!(platform_of("win32", "AMD64", false).unwrap().name, "windows");
        assert_eq!(platform_of("linux", "riscv64", false), None);
    }
}
