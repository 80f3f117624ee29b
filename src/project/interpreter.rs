//! The interpreter for work in a project: the one asked for (`-p`), else
//! the one the project's `.python-version` or `requires-python` names,
//! else the newest on `PATH`.

use std::path::{Path, PathBuf};

use super::Error;
use crate::python::{Discovery, Found, PythonRequest};

/// Why an interpreter was chosen, for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chosen {
    Requested,
    ProjectFile(PathBuf),
    Default,
}

/// The project's own interpreter (`[tool.fenv] python`, else as
/// [`select_python`] finds it): what builds its folders and the metadata
/// of sdists.
pub fn project_python(
    manifest: &crate::project::manifest::Manifest,
    discovery: &Discovery<'_>,
) -> Result<crate::python::InterpreterInfo, Error> {
    select_python(manifest.settings.python.as_deref(), &manifest.root, discovery).map(|(found, _)| found.info)
}

/// The interpreter for work at `start`: the request, else the project's
/// `.python-version` or `requires-python`, else the newest on PATH.
pub fn select_python(
    request: Option<&str>,
    start: &Path,
    discovery: &Discovery<'_>,
) -> Result<(Found, Chosen), Error> {
    if let Some(request) = request {
        let request = PythonRequest::parse(request)?;
        return Ok((discovery.find(&request)?, Chosen::Requested));
    }
    let start = crate::fs::absolute(start)
        .map_err(|source| Error::Read(crate::fs::PathError::new("read", start.to_path_buf(), source)))?;
    if let Some(project) = super::python_request(&start)? {
        let found = discovery
            .find(&project.request)
            .map_err(|source| Error::AskedFor {
                file: project.file.clone(),
                request: project.request.to_string(),
                source,
            })?;
        return Ok((found, Chosen::ProjectFile(project.file)));
    }
    Ok((discovery.find_default()?, Chosen::Default))
}
