//! The project around an environment: what it says about which Python to
//! use. (Manifests, functions and locks grow here in later work.)
//!
//! Without `-p`, the interpreter comes from a `.python-version` found by
//! walking up from the environment's folder, then from the
//! `requires-python` of the nearest `pyproject.toml`.

pub mod env;
pub mod interpreter;
pub mod manifest;
pub mod scaffold;
pub mod vercel;

use std::path::{Path, PathBuf};

use crate::error::Hint;
use crate::python::{PythonRequest, VersionRequest};

/// The lock file's name beside the manifest: PEP 751's name for a
/// project's default lock. The project names it (a `lock = …` setting
/// may point elsewhere); [`crate::lock`] reads and writes it.
pub const LOCK_FILE_NAME: &str = "pylock.toml";

/// Where the project's lock lives: `pylock.toml` beside the manifest,
/// the name PEP 751 gives a project's default lock.
pub fn lock_path(root: &Path) -> PathBuf {
    root.join(LOCK_FILE_NAME)
}

/// What can be wrong with a project file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Read(#[from] crate::fs::PathError),

    #[error("`{}` line {line}: {reason}", crate::fs::user_display(path))]
    Invalid {
        path: PathBuf,
        line: usize,
        reason: String,
    },

    #[error("`{}` asks for Python `{request}`", crate::fs::user_display(file))]
    AskedFor {
        file: PathBuf,
        request: String,
        #[source]
        source: crate::python::Error,
    },

    #[error(transparent)]
    Python(#[from] crate::python::Error),
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Read(_) | Self::AskedFor { .. } => None,
            Self::Python(source) => source.hint(),
            Self::Invalid { path, .. } if path.ends_with(".python-version") => Some(
                "write a version such as `3.12` into `.python-version`, or pass `-p` to override it".into(),
            ),
            Self::Invalid { .. } => {
                Some("fix `requires-python` (for example `>=3.10`), or pass `-p` to override it".into())
            }
        }
    }
}

/// A Python request a project file makes, and the file it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPython {
    pub request: PythonRequest,
    pub file: PathBuf,
}

/// The Python the project around `start` asks for, if any.
pub fn python_request(start: &Path) -> Result<Option<ProjectPython>, Error> {
    if let Some(found) = python_version_file(start)? {
        return Ok(Some(found));
    }
    requires_python(start)
}

/// The first version in the nearest `.python-version`.
fn python_version_file(start: &Path) -> Result<Option<ProjectPython>, Error> {
    let Some(file) = find_up(start, ".python-version") else {
        return Ok(None);
    };
    let text = fs_err::read_to_string(&file)
        .map_err(|source| Error::Read(crate::fs::PathError::new("read", file.clone(), source)))?;
    let Some((index, line)) = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i, l.trim()))
        .find(|(_, l)| !l.is_empty() && !l.starts_with('#'))
    else {
        return Ok(None);
    };
    let request = PythonRequest::parse(line).map_err(|err| Error::Invalid {
        path: file.clone(),
        line: index + 1,
        reason: err.to_string(),
    })?;
    Ok(Some(ProjectPython { request, file }))
}

/// `[project] requires-python` of the nearest `pyproject.toml`.
fn requires_python(start: &Path) -> Result<Option<ProjectPython>, Error> {
    #[derive(serde::Deserialize)]
    struct Pyproject {
        project: Option<Project>,
    }
    #[derive(serde::Deserialize)]
    struct Project {
        #[serde(rename = "requires-python")]
        requires_python: Option<String>,
    }

    let Some(file) = find_up(start, "pyproject.toml") else {
        return Ok(None);
    };
    let text = fs_err::read_to_string(&file)
        .map_err(|source| Error::Read(crate::fs::PathError::new("read", file.clone(), source)))?;
    let pyproject: Pyproject = toml::from_str(&text).map_err(|err| Error::Invalid {
        path: file.clone(),
        line: err.span().map_or(0, |span| line_of(&text, span.start)),
        reason: err.message().to_string(),
    })?;
    let Some(specifiers) = pyproject.project.and_then(|p| p.requires_python) else {
        return Ok(None);
    };
    let line = text
        .find("requires-python")
        .map_or(0, |offset| line_of(&text, offset));
    let parsed = specifiers
        .parse()
        .map_err(|err: pep440_rs::VersionSpecifiersParseError| Error::Invalid {
            path: file.clone(),
            line,
            reason: format!("`requires-python = \"{specifiers}\"` is not valid: {err}"),
        })?;
    Ok(Some(ProjectPython {
        request: PythonRequest::Version(VersionRequest::Range(parsed)),
        file,
    }))
}

/// The nearest `name` in `start` or one of its ancestors.
fn find_up(start: &Path, name: &str) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
