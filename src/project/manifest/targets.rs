//! The platforms a lock is resolved for: `host`, `lambda`, `vercel` and
//! custom targets, their defaults, and the PEP 508 environment each one
//! stands for in `pylock.toml`'s `environments`.
//!
//! A target is only a description here; turning it into tags and a marker
//! environment for resolution is the resolver's work.

use std::collections::BTreeMap;
use std::fmt;

use pep440_rs::{Version, VersionSpecifiers};

use super::{Error, Settings};

/// The Python minors AWS Lambda offers as managed runtimes.
pub const LAMBDA_PYTHONS: std::ops::RangeInclusive<u32> = 10..=14;

/// The Python minors Vercel's runtime offers.
pub const VERCEL_PYTHONS: std::ops::RangeInclusive<u32> = 12..=14;

/// The Python a target gets when nothing in the project chooses one.
pub const DEFAULT_PYTHON: (u32, u32) = (3, 12);

/// A CPU architecture of a Lambda function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    /// The spelling Lambda uses (`x86_64`, `arm64`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "arm64",
        }
    }

    /// `platform.machine()` on Linux, which markers compare against
    /// (`arm64` Lambdas report `aarch64`).
    pub fn machine(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "aarch64",
        }
    }

    pub(super) fn parse(text: &str) -> Option<Self> {
        match text {
            "x86_64" | "amd64" => Some(Self::X86_64),
            "arm64" | "aarch64" => Some(Self::Arm64),
            _ => None,
        }
    }
}

/// A platform the lock must cover.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetSpec {
    /// The machine running fenv, with the env's interpreter.
    Host,
    /// AWS Lambda's managed Python runtime.
    Lambda { runtime: (u32, u32), arch: Arch },
    /// Vercel's Python runtime; `None` is Vercel's own default (3.12).
    Vercel { python: Option<(u32, u32)> },
    /// Any other platform, named in `[tool.fenv.target.NAME]`.
    Custom {
        name: String,
        python: (u32, u32),
        /// A wheel platform tag, e.g. `manylinux_2_28_aarch64`.
        platform: String,
    },
}

impl TargetSpec {
    /// The name `--target` and `targets = [...]` use.
    pub fn name(&self) -> &str {
        match self {
            Self::Host => "host",
            Self::Lambda { .. } => "lambda",
            Self::Vercel { .. } => "vercel",
            Self::Custom { name, .. } => name,
        }
    }

    /// The target `--target TEXT` names: `host`, `lambda`, `vercel` (from
    /// their tables or the project's defaults) or a custom target's name.
    pub fn parse_cli(text: &str, settings: &Settings) -> Result<Self, Error> {
        let name = text.trim();
        if let Some(target) = settings.target_tables.get(name) {
            return Ok(target.clone());
        }
        match name {
            "host" => Ok(Self::Host),
            "lambda" => settings.target_defaults.lambda(),
            "vercel" => Ok(settings.target_defaults.vercel()),
            _ => {
                let mut known: Vec<String> = ["host", "lambda", "vercel"].map(String::from).to_vec();
                let custom = settings
                    .target_tables
                    .keys()
                    .filter(|k| !known.contains(k))
                    .cloned();
                known.extend(custom.collect::<Vec<_>>());
                Err(Error::UnknownTarget {
                    name: name.to_string(),
                    known,
                })
            }
        }
    }

    /// The Python minor the target runs; `None` for the host, whose
    /// interpreter decides.
    pub fn python(&self) -> Option<(u32, u32)> {
        match self {
            Self::Host => None,
            Self::Lambda { runtime, .. } => Some(*runtime),
            Self::Vercel { python } => Some(python.unwrap_or(DEFAULT_PYTHON)),
            Self::Custom { python, .. } => Some(*python),
        }
    }

    /// The marker for the target in `pylock.toml`'s `environments`, which
    /// installers check before using the lock. `None` for the host: its
    /// marker comes from the interpreter (see [`environment_marker`]).
    pub fn environment_marker(&self) -> Option<String> {
        let python = self.python()?;
        let (sys_platform, machine) = self.platform_facts()?;
        Some(environment_marker(sys_platform, machine, "cpython", python))
    }

    /// `sys.platform` and `platform.machine()` where the target runs;
    /// `None` for the host (its interpreter knows), and no machine for a
    /// platform tag that spans several (`macosx_11_0_universal2`).
    pub fn platform_facts(&self) -> Option<(&'static str, Option<&str>)> {
        match self {
            Self::Host => None,
            Self::Lambda { arch, .. } => Some(("linux", Some(arch.machine()))),
            Self::Vercel { .. } => Some(("linux", Some("x86_64"))),
            Self::Custom { platform, .. } => Some(platform_system(platform)),
        }
    }
}

/// `lambda (python3.12, x86_64)`: the canonical description recorded in
/// `[tool.fenv] targets` and hashed into the inputs.
impl fmt::Display for TargetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Host => f.write_str("host"),
            Self::Lambda { runtime, arch } => {
                write!(f, "lambda (python{}.{}, {})", runtime.0, runtime.1, arch.as_str())
            }
            Self::Vercel { python } => {
                let (major, minor) = python.unwrap_or(DEFAULT_PYTHON);
                write!(f, "vercel (python{major}.{minor})")
            }
            Self::Custom {
                name,
                python,
                platform,
            } => write!(f, "{name} (python{}.{}, {platform})", python.0, python.1),
        }
    }
}

/// The marker of one environment:
/// `sys_platform == 'linux' and platform_machine == 'x86_64' and
/// implementation_name == 'cpython' and python_version == '3.12'`.
/// The host's comes from its interpreter's facts through this too.
pub fn environment_marker(
    sys_platform: &str,
    machine: Option<&str>,
    implementation_name: &str,
    python: (u32, u32),
) -> String {
    let mut parts = vec![format!("sys_platform == '{sys_platform}'")];
    if let Some(machine) = machine {
        parts.push(format!("platform_machine == '{machine}'"));
    }
    parts.push(format!("implementation_name == '{implementation_name}'"));
    parts.push(format!("python_version == '{}.{}'", python.0, python.1));
    parts.join(" and ")
}

/// `sys.platform` and `platform.machine()` of a wheel platform tag;
/// `None` for the machine of a tag that spans several (`universal2`).
fn platform_system(platform: &str) -> (&'static str, Option<&str>) {
    if let Some(rest) = platform.strip_prefix("macosx_") {
        // macosx_11_0_arm64: two version numbers, then the machine.
        let machine = rest.splitn(3, '_').nth(2).filter(|m| !m.starts_with("universal"));
        return ("darwin", machine);
    }
    match platform {
        "win32" => return ("win32", Some("x86")),
        "win_amd64" => return ("win32", Some("AMD64")),
        "win_arm64" => return ("win32", Some("ARM64")),
        _ => {}
    }
    ("linux", linux_machine(platform))
}

/// The machine of a Linux platform tag: `manylinux_2_28_aarch64`,
/// `manylinux2014_x86_64`, `musllinux_1_2_x86_64`, `linux_armv7l`.
fn linux_machine(platform: &str) -> Option<&str> {
    for prefix in ["manylinux_", "musllinux_"] {
        if let Some(rest) = platform.strip_prefix(prefix) {
            return rest.splitn(3, '_').nth(2);
        }
    }
    for prefix in ["manylinux1_", "manylinux2010_", "manylinux2014_", "linux_"] {
        if let Some(rest) = platform.strip_prefix(prefix) {
            return Some(rest);
        }
    }
    None
}

/// Whether `platform` is a wheel platform tag fenv can describe: a
/// `manylinux`/`musllinux`/`linux`, `macosx` or Windows tag.
pub(super) fn valid_platform(platform: &str) -> bool {
    let charset = !platform.is_empty()
        && platform
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let versioned = |rest: &str| {
        let mut parts = rest.splitn(3, '_');
        let numbers = [parts.next(), parts.next()]
            .iter()
            .all(|p| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())));
        numbers && parts.next().is_some_and(|m| !m.is_empty())
    };
    charset
        && (["manylinux_", "musllinux_", "macosx_"]
            .iter()
            .any(|prefix| platform.strip_prefix(prefix).is_some_and(versioned))
            || ["manylinux1_", "manylinux2010_", "manylinux2014_", "linux_"]
                .iter()
                .any(|prefix| platform.strip_prefix(prefix).is_some_and(|m| !m.is_empty()))
            || matches!(platform, "win32" | "win_amd64" | "win_arm64"))
}

/// `3.12` or `python3.12` as `(3, 12)`.
pub(super) fn parse_python(text: &str) -> Option<(u32, u32)> {
    let version = text.trim().strip_prefix("python").unwrap_or(text.trim());
    let (major, minor) = version.split_once('.')?;
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    Some((number(major)?, number(minor)?))
}

/// Whether any `3.X.Y` release satisfies `specifiers`.
pub(super) fn allows_minor(specifiers: &VersionSpecifiers, (major, minor): (u32, u32)) -> bool {
    (0..=40u64).any(|patch| specifiers.contains(&Version::new([u64::from(major), u64::from(minor), patch])))
}

/// The one Python minor `requires-python` allows (`~=3.12.0`,
/// `==3.12.*`, `>=3.12,<3.13`), if it allows exactly one.
pub(super) fn pinned_minor(specifiers: &VersionSpecifiers) -> Option<(u32, u32)> {
    let mut allowed = (0..=40)
        .map(|minor| (3, minor))
        .filter(|m| allows_minor(specifiers, *m));
    let first = allowed.next()?;
    allowed.next().is_none().then_some(first)
}

/// The project facts targets without a table default from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetDefaults {
    /// `[project] requires-python` (or fenv.toml's).
    pub requires_python: Option<VersionSpecifiers>,
    /// The minor of the nearest `.python-version`, which Vercel reads first.
    pub python_version_file: Option<(u32, u32)>,
}

impl TargetDefaults {
    /// Lambda without a table: the minor requires-python pins, else 3.12
    /// when allowed, else the oldest runtime it allows; x86_64.
    pub fn lambda(&self) -> Result<TargetSpec, Error> {
        let runtime = self.choose(LAMBDA_PYTHONS).ok_or_else(|| Error::Target {
            name: "lambda".into(),
            reason: format!(
                "requires-python `{}` allows no Python that AWS Lambda offers (python3.10 to python3.14)",
                self.requires_python
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
        })?;
        Ok(TargetSpec::Lambda {
            runtime,
            arch: Arch::X86_64,
        })
    }

    /// Vercel without a table, as Vercel itself chooses: `.python-version`,
    /// then requires-python, then its default 3.12; a version Vercel does
    /// not offer falls back to the default too.
    pub fn vercel(&self) -> TargetSpec {
        let offered = |m: &(u32, u32)| m.0 == 3 && VERCEL_PYTHONS.contains(&m.1);
        let python = self.python_version_file.filter(offered).or_else(|| {
            self.requires_python
                .as_ref()
                .and_then(pinned_minor)
                .filter(offered)
        });
        TargetSpec::Vercel { python }
    }

    fn choose(&self, offered: std::ops::RangeInclusive<u32>) -> Option<(u32, u32)> {
        let Some(specifiers) = &self.requires_python else {
            return Some(DEFAULT_PYTHON);
        };
        if let Some(pinned) = pinned_minor(specifiers) {
            return (pinned.0 == 3 && offered.contains(&pinned.1)).then_some(pinned);
        }
        if allows_minor(specifiers, DEFAULT_PYTHON) {
            return Some(DEFAULT_PYTHON);
        }
        offered
            .map(|minor| (3, minor))
            .find(|m| allows_minor(specifiers, *m))
    }
}

/// The selected targets: `host` first, then `targets = [...]` in order,
/// each once.
pub(super) fn select(
    names: &[(String, usize)],
    tables: &BTreeMap<String, TargetSpec>,
    defaults: &TargetDefaults,
    mut invalid: impl FnMut(usize, String) -> Error,
) -> Result<Vec<TargetSpec>, Error> {
    let mut targets = vec![TargetSpec::Host];
    for (name, line) in names {
        let target = match (tables.get(name), name.as_str()) {
            (Some(target), _) => target.clone(),
            (None, "host") => TargetSpec::Host,
            (None, "lambda") => defaults.lambda().map_err(|err| invalid(*line, err.to_string()))?,
            (None, "vercel") => defaults.vercel(),
            (None, "netlify") => {
                return Err(invalid(
                    *line,
                    "Netlify has no Python runtime for functions".into(),
                ));
            }
            (None, other) => {
                return Err(invalid(
                    *line,
                    format!("the target `{other}` has no `[tool.fenv.target.{other}]` table"),
                ));
            }
        };
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn specifiers(text: &str) -> VersionSpecifiers {
        VersionSpecifiers::from_str(text).unwrap()
    }

    #[test]
    fn pinned_minors() {
        assert_eq!(pinned_minor(&specifiers("~=3.12.0")), Some((3, 12)));
        assert_eq!(pinned_minor(&specifiers("==3.11.*")), Some((3, 11)));
        assert_eq!(pinned_minor(&specifiers(">=3.12.4,<3.13")), Some((3, 12)));
        assert_eq!(pinned_minor(&specifiers(">=3.12")), None);
        assert_eq!(pinned_minor(&specifiers("~=3.12")), None);
    }

    #[test]
    fn lambda_defaults_follow_requires_python() {
        let defaults = |rp: Option<&str>| TargetDefaults {
            requires_python: rp.map(specifiers),
            python_version_file: Some((3, 13)),
        };
        let runtime = |rp| match defaults(rp).lambda() {
            Ok(TargetSpec::Lambda { runtime, .. }) => Some(runtime),
            _ => None,
        };
        assert_eq!(runtime(None), Some((3, 12)));
        assert_eq!(runtime(Some("~=3.11.0")), Some((3, 11)));
        assert_eq!(runtime(Some(">=3.10")), Some((3, 12)));
        assert_eq!(runtime(Some(">=3.13")), Some((3, 13)));
        assert_eq!(runtime(Some("==3.9.*")), None);
        insta::assert_snapshot!(defaults(Some("==3.9.*")).lambda().unwrap_err(), @"the target `lambda` cannot be used: requires-python `==3.9.*` allows no Python that AWS Lambda offers (python3.10 to python3.14)");
    }

    #[test]
    fn vercel_defaults_follow_vercel() {
        let vercel = |file, rp: Option<&str>| {
            TargetDefaults {
                requires_python: rp.map(specifiers),
                python_version_file: file,
            }
            .vercel()
        };
        assert_eq!(
            vercel(Some((3, 13)), Some("~=3.12.0")),
            TargetSpec::Vercel {
                python: Some((3, 13))
            }
        );
        assert_eq!(
            vercel(None, Some("~=3.14.0")),
            TargetSpec::Vercel {
                python: Some((3, 14))
            }
        );
        // Vercel runs 3.12 for a version it does not offer.
        assert_eq!(vercel(Some((3, 11)), None), TargetSpec::Vercel { python: None });
        assert_eq!(vercel(None, None).python(), Some((3, 12)));
    }

    #[test]
    fn markers_and_descriptions() {
        let lambda = TargetSpec::Lambda {
            runtime: (3, 12),
            arch: Arch::Arm64,
        };
        assert_eq!(lambda.to_string(), "lambda (python3.12, arm64)");
        assert_eq!(
            lambda.environment_marker().unwrap(),
            "sys_platform == 'linux' and platform_machine == 'aarch64' and implementation_name == 'cpython' and python_version == '3.12'"
        );
        let custom = |platform: &str| TargetSpec::Custom {
            name: "edge".into(),
            python: (3, 13),
            platform: platform.into(),
        };
        assert_eq!(
            custom("manylinux_2_28_aarch64").to_string(),
            "edge (python3.13, manylinux_2_28_aarch64)"
        );
        let marker = |platform: &str| custom(platform).environment_marker().unwrap();
        assert!(
            marker("manylinux2014_x86_64")
                .starts_with("sys_platform == 'linux' and platform_machine == 'x86_64' and")
        );
        assert!(marker("musllinux_1_2_aarch64").contains("platform_machine == 'aarch64'"));
        assert!(
            marker("macosx_11_0_arm64")
                .starts_with("sys_platform == 'darwin' and platform_machine == 'arm64'")
        );
        assert!(
            marker("macosx_10_9_universal2").starts_with("sys_platform == 'darwin' and implementation_name")
        );
        assert!(marker("win_amd64").starts_with("sys_platform == 'win32' and platform_machine == 'AMD64'"));
        assert_eq!(TargetSpec::Host.environment_marker(), None);
        assert_eq!(
            TargetSpec::Vercel { python: None }.to_string(),
            "vercel (python3.12)"
        );
    }

    #[test]
    fn platforms() {
        for good in [
            "manylinux_2_28_aarch64",
            "manylinux2014_x86_64",
            "musllinux_1_2_x86_64",
            "macosx_11_0_arm64",
            "win_amd64",
            "linux_x86_64",
        ] {
            assert!(valid_platform(good), "{good}");
        }
        for bad in [
            "",
            "manylinux_2_aarch64",
            "Manylinux_2_28_x86_64",
            "freebsd_14_amd64",
            "manylinux_2_28_",
            "win",
        ] {
            assert!(!valid_platform(bad), "{bad}");
        }
        assert_eq!(parse_python("python3.12"), Some((3, 12)));
        assert_eq!(parse_python("3.9"), Some((3, 9)));
        assert_eq!(parse_python("3"), None);
        assert_eq!(parse_python("3.12.1"), None);
        assert_eq!(parse_python("py3.x"), None);
    }
}
