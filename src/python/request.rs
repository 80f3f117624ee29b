//! The `-p/--python` request grammar.
//!
//! `3`, `3.12`, `3.12.1`, `>=3.10,<3.13`, `cpython@3.12`, `cpython3.12`,
//! `cp312`, `pypy3.10`, `pypy`, an executable name (`python3.12`), or a
//! path to an executable or to an install folder. The grammar follows
//! uv's, the de-facto standard.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};

use crate::python::{Error, InterpreterInfo};

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PythonRequest {
    /// Any interpreter of this version (any implementation).
    Version(VersionRequest),
    /// An implementation (`cpython`, `pypy`), optionally of a version.
    Implementation {
        name: String,
        version: Option<VersionRequest>,
    },
    /// An executable looked up by name on PATH (`python3.12`).
    ExecutableName(String),
    /// A path to an executable or to an install (or venv) folder.
    Path(PathBuf),
}

/// A version constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRequest {
    Major(u32),
    MajorMinor(u32, u32),
    MajorMinorPatch(u32, u32, u32),
    /// PEP 440 specifiers, such as `>=3.10,<3.13`.
    Range(VersionSpecifiers),
}

impl VersionRequest {
    /// Whether `version` (`[major, minor, micro]`) satisfies the request.
    pub fn matches(&self, version: [u32; 3]) -> bool {
        let [major, minor, micro] = version;
        match self {
            Self::Major(m) => major == *m,
            Self::MajorMinor(m, n) => (major, minor) == (*m, *n),
            Self::MajorMinorPatch(m, n, p) => (major, minor, micro) == (*m, *n, *p),
            Self::Range(specifiers) => {
                let version = Version::new([u64::from(major), u64::from(minor), u64::from(micro)]);
                specifiers.contains(&version)
            }
        }
    }

    /// The `(major, minor)` this request pins, when it pins one; used to try
    /// `python3.X` by name before anything else.
    pub fn minor(&self) -> Option<(u32, u32)> {
        match self {
            Self::MajorMinor(m, n) | Self::MajorMinorPatch(m, n, _) => Some((*m, *n)),
            Self::Major(_) | Self::Range(_) => None,
        }
    }

    fn parse(text: &str) -> Option<Self> {
        if text.starts_with(['>', '<', '=', '!', '~']) {
            return VersionSpecifiers::from_str(text).ok().map(Self::Range);
        }
        let parts = text
            .split('.')
            .map(|p| {
                (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect::<Option<Vec<u32>>>()?;
        match parts[..] {
            [major] => Some(Self::Major(major)),
            [major, minor] => Some(Self::MajorMinor(major, minor)),
            [major, minor, patch] => Some(Self::MajorMinorPatch(major, minor, patch)),
            _ => None,
        }
    }

    /// `312` (as in `cp312`) read as 3.12.
    fn parse_compact(text: &str) -> Option<Self> {
        if text.len() < 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (major, minor) = text.split_at(1);
        Some(Self::MajorMinor(major.parse().ok()?, minor.parse().ok()?))
    }
}

impl fmt::Display for VersionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Major(m) => write!(f, "{m}"),
            Self::MajorMinor(m, n) => write!(f, "{m}.{n}"),
            Self::MajorMinorPatch(m, n, p) => write!(f, "{m}.{n}.{p}"),
            Self::Range(specifiers) => write!(f, "{specifiers}"),
        }
    }
}

/// Implementation names and the short forms that mean them.
const IMPLEMENTATIONS: &[(&str, &str)] = &[
    ("cpython", "cpython"),
    ("cp", "cpython"),
    ("pypy", "pypy"),
    ("pp", "pypy"),
    ("graalpy", "graalpy"),
];

impl PythonRequest {
    /// Parses a request; anything that is not a version, an implementation
    /// or a path is an executable name.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidRequest {
            request: text.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(invalid("it is empty"));
        }
        if trimmed.contains(std::path::MAIN_SEPARATOR) || trimmed.starts_with('.') || trimmed.starts_with('~')
        {
            return Ok(Self::Path(expand_home(trimmed)));
        }
        if trimmed.starts_with(|c: char| c.is_ascii_digit() || "<>=!~".contains(c)) {
            return VersionRequest::parse(trimmed)
                .map(Self::Version)
                .ok_or_else(|| invalid("it is not a version or a version range"));
        }
        let lower = trimmed.to_ascii_lowercase();
        for (prefix, name) in IMPLEMENTATIONS {
            let Some(rest) = lower.strip_prefix(prefix) else {
                continue;
            };
            let implementation = |version| Self::Implementation {
                name: (*name).to_string(),
                version,
            };
            if rest.is_empty() {
                return Ok(implementation(None));
            }
            if let Some(version) = rest.strip_prefix('@') {
                return VersionRequest::parse(version)
                    .map(|v| implementation(Some(v)))
                    .ok_or_else(|| invalid("the part after `@` is not a version"));
            }
            // `cp312` is compact; `cpython3.12`, `pypy3.10`, `cpython>=3.12` are not.
            let version = if *prefix == "cp" || *prefix == "pp" {
                VersionRequest::parse_compact(rest).or_else(|| VersionRequest::parse(rest))
            } else {
                VersionRequest::parse(rest)
            };
            if let Some(version) = version {
                return Ok(implementation(Some(version)));
            }
        }
        if trimmed.chars().any(char::is_whitespace) {
            return Err(invalid("it holds white space"));
        }
        Ok(Self::ExecutableName(trimmed.to_string()))
    }

    /// Whether an interpreter satisfies the request (paths and names are
    /// matched by where they were found, not here).
    pub fn matches(&self, info: &InterpreterInfo) -> bool {
        match self {
            Self::Version(version) => version.matches(info.version),
            Self::Implementation { name, version } => {
                info.implementation == *name && version.as_ref().is_none_or(|v| v.matches(info.version))
            }
            Self::ExecutableName(_) | Self::Path(_) => true,
        }
    }

    /// The version constraint within the request, if any.
    pub fn version(&self) -> Option<&VersionRequest> {
        match self {
            Self::Version(version) => Some(version),
            Self::Implementation { version, .. } => version.as_ref(),
            Self::ExecutableName(_) | Self::Path(_) => None,
        }
    }
}

impl fmt::Display for PythonRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Version(version) => write!(f, "{version}"),
            Self::Implementation { name, version: None } => write!(f, "{name}"),
            Self::Implementation {
                name,
                version: Some(v),
            } => write!(f, "{name}@{v}"),
            Self::ExecutableName(name) => write!(f, "{name}"),
            Self::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

fn expand_home(text: &str) -> PathBuf {
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    PathBuf::from(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> PythonRequest {
        PythonRequest::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn versions() {
        assert_eq!(parse("3"), PythonRequest::Version(VersionRequest::Major(3)));
        assert_eq!(
            parse("3.12"),
            PythonRequest::Version(VersionRequest::MajorMinor(3, 12))
        );
        assert_eq!(
            parse("3.12.1"),
            PythonRequest::Version(VersionRequest::MajorMinorPatch(3, 12, 1))
        );
        let PythonRequest::Version(range) = parse(">=3.10,<3.13") else {
            panic!("not a range")
        };
        assert!(range.matches([3, 12, 9]) && range.matches([3, 10, 0]));
        assert!(!range.matches([3, 13, 0]) && !range.matches([3, 9, 18]));
    }

    #[test]
    fn implementations() {
        let cp312 = PythonRequest::Implementation {
            name: "cpython".into(),
            version: Some(VersionRequest::MajorMinor(3, 12)),
        };
        assert_eq!(parse("cpython@3.12"), cp312);
        assert_eq!(parse("cp312"), cp312);
        assert_eq!(parse("cpython3.12"), cp312);
        assert_eq!(parse("CPython@3.12"), cp312);
        assert_eq!(
            parse("pypy3.10"),
            PythonRequest::Implementation {
                name: "pypy".into(),
                version: Some(VersionRequest::MajorMinor(3, 10))
            }
        );
        assert_eq!(
            parse("pypy"),
            PythonRequest::Implementation {
                name: "pypy".into(),
                version: None
            }
        );
        assert!(matches!(
            parse("cpython>=3.11"),
            PythonRequest::Implementation {
                version: Some(VersionRequest::Range(_)),
                ..
            }
        ));
    }

    #[test]
    fn names_and_paths() {
        assert_eq!(
            parse("python3.12"),
            PythonRequest::ExecutableName("python3.12".into())
        );
        assert_eq!(parse("python"), PythonRequest::ExecutableName("python".into()));
        assert_eq!(
            parse("/usr/bin/python3"),
            PythonRequest::Path("/usr/bin/python3".into())
        );
        assert_eq!(
            parse("./venv/bin/python"),
            PythonRequest::Path("./venv/bin/python".into())
        );
        assert_eq!(parse("3.12").to_string(), "3.12");
        assert_eq!(parse("cp312").to_string(), "cpython@3.12");
    }

    #[test]
    fn invalid_requests_say_why() {
        for text in ["", "3.x", "cpython@three", ">=banana", "python 3"] {
            assert!(PythonRequest::parse(text).is_err(), "{text:?} parsed");
        }
    }
}
