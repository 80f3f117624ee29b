//! The environments a lock is for: the host, AWS Lambda, Vercel, or a
//! custom Python + platform. Each carries the PEP 508 marker values and
//! the wheel tags of that environment, so that markers are evaluated and
//! wheels chosen for where the code will run, never for the machine
//! running fenv.

use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};

use crate::install::Tags;
use crate::project::manifest::environments::{Environment, marker_environment};
use crate::project::manifest::{self, TargetSpec};
use crate::python::InterpreterInfo;

/// One environment the lock must serve.
#[derive(Debug, Clone)]
pub struct Target {
    /// `host`, `lambda`, `vercel` or a custom name.
    pub name: String,
    /// For messages: `lambda (python3.12, x86_64, glibc ≤ 2.34)`.
    pub description: String,
    /// The full Python version markers and `requires-python` see.
    pub python: Version,
    pub markers: MarkerEnvironment,
    pub tags: Tags,
    /// Only the host may build from sdists (its Python is at hand).
    pub allow_sdist: bool,
    /// The PEP 508 marker that identifies this environment in the lock
    /// (set with [`Target::with_environment`]).
    pub environment: String,
    /// The grid point of a development environment; `None` for a deploy
    /// target or the host.
    pub development: Option<Environment>,
}

/// Lambda's CPU architectures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    /// The name wheels and `platform_machine` use.
    pub fn machine(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "aarch64",
        }
    }
}

impl Target {
    /// The machine's own interpreter.
    pub fn host(info: &InterpreterInfo) -> Result<Self, String> {
        let m = &info.markers;
        let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: &m.implementation_name,
            implementation_version: &m.implementation_version,
            os_name: &m.os_name,
            platform_machine: &m.platform_machine,
            platform_python_implementation: &m.platform_python_implementation,
            platform_release: &m.platform_release,
            platform_system: &m.platform_system,
            platform_version: &m.platform_version,
            python_full_version: &m.python_full_version,
            python_version: &m.python_version,
            sys_platform: &m.sys_platform,
        })
        .map_err(|e| format!("the host's marker values are not valid: {e}"))?;
        Ok(Self {
            name: "host".into(),
            description: format!(
                "host ({} {}, {} {})",
                info.implementation,
                info.version_string(),
                m.sys_platform,
                m.platform_machine
            ),
            python: Version::new(info.version.map(u64::from)),
            markers,
            tags: Tags::for_interpreter(info),
            allow_sdist: true,
            environment: String::new(),
            development: None,
        })
    }

    /// AWS Lambda's `python3.X` runtime: Amazon Linux 2 (glibc 2.26) up to
    /// 3.11, Amazon Linux 2023 (glibc 2.34) from 3.12.
    pub fn lambda(python: (u32, u32), arch: Arch) -> Self {
        let glibc = if python >= (3, 12) { 34 } else { 26 };
        let platform = format!("manylinux_2_{glibc}_{}", arch.machine());
        let mut target = Self::linux("lambda", python, arch.machine(), &platform);
        target.description = format!(
            "lambda (python{}.{}, {}, glibc ≤ 2.{glibc})",
            python.0,
            python.1,
            match arch {
                Arch::X86_64 => "x86_64",
                Arch::Arm64 => "arm64",
            }
        );
        target
    }

    /// Vercel's Python runtime: Amazon Linux 2023 on x86_64.
    pub fn vercel(python: (u32, u32)) -> Self {
        let mut target = Self::linux("vercel", python, "x86_64", "manylinux_2_34_x86_64");
        target.description = format!("vercel (python{}.{}, x86_64)", python.0, python.1);
        target
    }

    /// A custom target: a CPython version on a platform tag such as
    /// `manylinux_2_28_aarch64`, whose `sys.platform` and machine the
    /// caller knows from the tag.
    pub fn custom(name: &str, python: (u32, u32), platform: &str, sys_platform: &str, machine: &str) -> Self {
        let system = match sys_platform {
            "darwin" => "Darwin",
            "win32" => "Windows",
            _ => "Linux",
        };
        let mut target = Self::linux(name, python, machine, platform);
        target.markers = marker_environment(python, machine, system, sys_platform);
        target.description = format!("{name} (python{}.{}, {platform})", python.0, python.1);
        target
    }

    fn linux(name: &str, python: (u32, u32), machine: &str, platform: &str) -> Self {
        Self {
            name: name.to_string(),
            description: name.to_string(),
            python: Version::new([u64::from(python.0), u64::from(python.1), 0]),
            markers: marker_environment(python, machine, "Linux", "linux"),
            tags: Tags::cpython_on(python, platform),
            allow_sdist: false,
            environment: String::new(),
            development: None,
        }
    }

    /// A development environment: its own marker values and tags, and,
    /// as a machine a developer builds on, sdists allowed.
    pub fn development(environment: Environment) -> Self {
        let platform = environment.platform;
        Self {
            name: environment.to_string(),
            description: environment.to_string(),
            python: Version::new([
                u64::from(environment.python.0),
                u64::from(environment.python.1),
                0,
            ]),
            markers: environment.markers(),
            tags: Tags::cpython_on(environment.python, platform.tag),
            allow_sdist: true,
            environment: environment.marker(),
            development: Some(environment),
        }
    }

    /// Whether a machine could be both: markers cannot tell the two
    /// apart (same OS and Python, the same machine or one of them any).
    pub fn overlaps(&self, other: &Self) -> bool {
        let (a, b) = (&self.markers, &other.markers);
        a.sys_platform() == b.sys_platform()
            && a.python_version() == b.python_version()
            && (a.platform_machine() == b.platform_machine()
                || a.platform_machine().is_empty()
                || b.platform_machine().is_empty())
    }

    /// Sets the marker that names this environment in the lock (the
    /// manifest's target description owns its spelling).
    pub fn with_environment(mut self, environment: String) -> Self {
        self.environment = environment;
        self
    }
}

/// The resolver's target for a platform the manifest names, with the
/// marker that identifies it in the lock; `None` for the host, whose
/// interpreter decides. `fenv lock` resolves for it and `fenv bundle`
/// selects from the lock with it, so the two always agree.
pub fn for_spec(spec: &TargetSpec) -> Option<Target> {
    let target = match spec {
        TargetSpec::Host => return None,
        TargetSpec::Lambda { runtime, arch } => Target::lambda(
            *runtime,
            match arch {
                manifest::Arch::X86_64 => Arch::X86_64,
                manifest::Arch::Arm64 => Arch::Arm64,
            },
        ),
        TargetSpec::Vercel { python } => Target::vercel(python.unwrap_or((3, 12))),
        TargetSpec::Custom {
            name,
            python,
            platform,
        } => {
            let (sys_platform, machine) = spec.platform_facts().unwrap_or(("linux", None));
            Target::custom(name, *python, platform, sys_platform, machine.unwrap_or(""))
        }
    };
    Some(match spec.environment_marker() {
        Some(environment) => target.with_environment(environment),
        None => target,
    })
}

/// Targets in words: `linux, macos × python3.12–3.14, lambda
/// (python3.12, x86_64)`.
pub fn describe(targets: &[&Target]) -> String {
    // Development environments: each platform with its Pythons.
    let mut platforms: Vec<(&str, Vec<(u32, u32)>)> = Vec::new();
    let mut others = Vec::new();
    for target in targets {
        match &target.development {
            Some(environment) => match platforms
                .iter_mut()
                .find(|(name, _)| *name == environment.platform.name)
            {
                Some((_, pythons)) => pythons.push(environment.python),
                None => platforms.push((environment.platform.name, vec![environment.python])),
            },
            None => others.push(target.description.clone()),
        }
    }
    let mut parts: Vec<String> = Vec::new();
    let mut rest = platforms.as_slice();
    while let Some(((_, pythons), _)) = rest.split_first() {
        // Neighbours with the same Pythons share one `× …`.
        let same = rest.iter().take_while(|(_, p)| p == pythons).count();
        let names: Vec<&str> = rest[..same].iter().map(|(name, _)| *name).collect();
        parts.push(format!("{} × {}", names.join(", "), python_span(pythons)));
        rest = &rest[same..];
    }
    parts.extend(others);
    parts.join(", ")
}

/// `python3.10–3.14` for a run of minors, `python3.12, 3.9` otherwise.
fn python_span(pythons: &[(u32, u32)]) -> String {
    let mut sorted = pythons.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let contiguous = sorted
        .windows(2)
        .all(|w| w[0].0 == w[1].0 && w[0].1 + 1 == w[1].1);
    match (sorted.first(), sorted.last()) {
        (Some(first), Some(last)) if first == last => format!("python{}.{}", first.0, first.1),
        (Some(first), Some(last)) if contiguous => {
            format!("python{}.{}–{}.{}", first.0, first.1, last.0, last.1)
        }
        _ => format!(
            "python{}",
            sorted
                .iter()
                .map(|(major, minor)| format!("{major}.{minor}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn lambda_targets_pick_their_glibc() {
        let new = Target::lambda((3, 12), Arch::Arm64);
        assert_eq!(new.description, "lambda (python3.12, arm64, glibc ≤ 2.34)");
        let old = Target::lambda((3, 11), Arch::X86_64);
        assert_eq!(old.description, "lambda (python3.11, x86_64, glibc ≤ 2.26)");
        assert!(!old.allow_sdist);
    }

    #[test]
    fn markers_are_the_targets_not_the_hosts() {
        let lambda = Target::lambda((3, 10), Arch::X86_64);
        let marker = |text: &str| pep508_rs::MarkerTree::from_str(text).expect("marker");
        assert!(marker("sys_platform == 'linux' and python_version < '3.11'").evaluate(&lambda.markers, &[]));
        assert!(!marker("sys_platform == 'win32'").evaluate(&lambda.markers, &[]));
        let mac = Target::custom("mac", (3, 13), "macosx_14_0_arm64", "darwin", "arm64");
        assert!(
            marker("sys_platform == 'darwin' and platform_machine == 'arm64'").evaluate(&mac.markers, &[])
        );
    }
}
