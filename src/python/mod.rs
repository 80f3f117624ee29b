//! Finding Python interpreters and learning what they are.
//!
//! [`request`] parses what the user asked for, [`discover`] walks PATH and
//! pyenv to find candidates (resolving shims without running them),
//! [`query`] runs the embedded probe once per interpreter, and [`cache`]
//! remembers the answer so that later runs start no Python at all.

pub mod cache;
pub mod discover;
pub mod query;
pub mod request;

use std::path::PathBuf;

pub use discover::{Discovery, Found, Source};
pub use query::{InterpreterInfo, Libc};
pub use request::{PythonRequest, VersionRequest};

use crate::error::Hint;

/// What can go wrong while finding or querying an interpreter.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid Python request `{request}`: {reason}")]
    InvalidRequest { request: String, reason: String },

    #[error("no Python interpreter matches `{request}`{}", found_list(.found))]
    NotFound {
        request: String,
        /// What does exist, as `version (path)` lines, for the message.
        found: Vec<String>,
    },

    #[error("`{}` is not a Python interpreter: {reason}", crate::fs::user_display(path))]
    NotAnInterpreter { path: PathBuf, reason: String },

    #[error("failed to run `{}`", crate::fs::user_display(path))]
    Spawn {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "Python {version} at `{}` is too old: fenv creates environments for Python 3.7 and newer",
        crate::fs::user_display(path)
    )]
    TooOld { path: PathBuf, version: String },
}

impl Error {
    /// Whether a [`Error::TooOld`] interpreter is what `request` asked for.
    fn matches(&self, request: &PythonRequest) -> bool {
        let Self::TooOld { version, .. } = self else {
            return false;
        };
        let parts: Vec<u32> = version.split('.').filter_map(|p| p.parse().ok()).collect();
        let [major, minor, micro] = parts[..] else {
            return false;
        };
        request
            .version()
            .is_some_and(|v| v.matches([major, minor, micro]))
    }
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        "; no interpreter was found on PATH or in pyenv".to_string()
    } else {
        format!("; found: {}", found.join(", "))
    }
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::InvalidRequest { .. } => Some(
                "use a version (`3.12`, `>=3.10,<3.13`), an implementation (`cpython@3.12`, `cp312`, `pypy3.10`), an executable name (`python3.12`) or a path".into(),
            ),
            Self::NotFound { .. } => Some(
                "install that Python (for example with `pyenv install`), or choose one with `-p`; `fenv python list` shows what fenv sees".into(),
            ),
            Self::TooOld { version, .. } if version.starts_with('2') => Some(
                "Python 2 has no `venv` module; use `virtualenv` for it, or choose a Python 3 with `-p`".into(),
            ),
            Self::TooOld { .. } => {
                Some("choose a newer Python with `-p` (see `fenv python list`)".into())
            }
            Self::NotAnInterpreter { .. } | Self::Spawn { .. } => {
                Some("check the path, or pick another interpreter with `-p`".into())
            }
        }
    }
}

/// Interpreter descriptions for other modules' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::InterpreterInfo;
    use super::query::{Ensurepip, Markers, VenvScheme};

    /// An interpreter description as the probe would give it.
    pub(crate) fn info(version: [u32; 3], os_name: &str, sys_platform: &str, base: &str) -> InterpreterInfo {
        let [major, minor, _] = version;
        InterpreterInfo {
            implementation: "cpython".into(),
            version,
            release_level: "final".into(),
            serial: 0,
            executable: base.into(),
            base_executable: base.into(),
            real_executable: base.into(),
            prefix: "/opt/py".into(),
            base_prefix: "/opt/py".into(),
            exec_prefix: "/opt/py".into(),
            base_exec_prefix: "/opt/py".into(),
            stdlib: format!("/opt/py/lib/python{major}.{minor}").into(),
            abiflags: String::new(),
            gil_disabled: false,
            pointer_size: 64,
            os_name: os_name.into(),
            sys_platform: sys_platform.into(),
            sysconfig_platform: "linux-x86_64".into(),
            soabi: None,
            ext_suffix: None,
            libc: None,
            venv_scheme: ((major, minor) >= (3, 11) && os_name == "posix").then(|| VenvScheme {
                scripts: "bin".into(),
                include: format!("include/python{major}.{minor}").into(),
                purelib: format!("lib/python{major}.{minor}/site-packages").into(),
                platlib: format!("lib/python{major}.{minor}/site-packages").into(),
            }),
            markers: Markers {
                implementation_name: "cpython".into(),
                implementation_version: format!("{major}.{minor}.0"),
                os_name: os_name.into(),
                platform_machine: "x86_64".into(),
                platform_python_implementation: "CPython".into(),
                platform_release: String::new(),
                platform_system: "Linux".into(),
                platform_version: String::new(),
                python_full_version: format!("{major}.{minor}.0"),
                python_version: format!("{major}.{minor}"),
                sys_platform: sys_platform.into(),
            },
            ensurepip: Ensurepip {
                available: true,
                wheels: Vec::new(),
            },
        }
    }
}
