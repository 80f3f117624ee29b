//! Core metadata from an sdist's `pyproject.toml` `[project]` table
//! (the "Declaring project metadata" specification, PEP 621), which the
//! build backend must copy as it is unless a field is listed in
//! `dynamic`: what uv reads before `PKG-INFO`, and without building.

use std::str::FromStr;

use pep508_rs::{MarkerTree, Requirement};
use serde::Deserialize;

use super::metadata::CoreMetadata;
use super::name::normalize;

/// The files of a source tree whose content decides its metadata.
pub const TREE_METADATA_FILES: &[&str] = &["pyproject.toml", "setup.cfg", "setup.py"];

#[derive(Deserialize)]
struct PyprojectToml {
    project: Option<Project>,
    tool: Option<Tool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Project {
    name: String,
    version: Option<String>,
    requires_python: Option<String>,
    dependencies: Option<Vec<String>>,
    optional_dependencies: Option<std::collections::BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    dynamic: Vec<String>,
}

#[derive(Deserialize)]
struct Tool {
    poetry: Option<toml::Value>,
}

/// Why `pyproject.toml` does not say what the sdist depends on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotStatic {
    #[error("its `pyproject.toml` cannot be read: {0}")]
    Invalid(String),
    #[error("its `pyproject.toml` has no `[project]` table")]
    NoProject,
    #[error("its `pyproject.toml` marks `{0}` as dynamic")]
    Dynamic(String),
    #[error("its `pyproject.toml` declares Poetry dependencies, not `[project] dependencies`")]
    Poetry,
    #[error("its `pyproject.toml` describes `{name}` {version}, not the sdist's")]
    Mismatch { name: String, version: String },
}

/// The metadata of the sdist `name` `version` from its `pyproject.toml`,
/// when every field a resolver needs is static there. A dynamic version
/// is the file name's (the sdist fixes it).
pub fn static_metadata(text: &str, name: &str, version: &str) -> Result<CoreMetadata, NotStatic> {
    let parsed: PyprojectToml =
        toml::from_str(text).map_err(|e| NotStatic::Invalid(e.message().to_string()))?;
    let project = parsed.project.as_ref().ok_or(NotStatic::NoProject)?;
    let declared = project.version.clone().unwrap_or_else(|| version.to_string());
    let same_version = match (
        pep440_rs::Version::from_str(&declared),
        pep440_rs::Version::from_str(version),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => declared == version,
    };
    if normalize(&project.name) != normalize(name) || !same_version {
        return Err(NotStatic::Mismatch {
            name: project.name.clone(),
            version: declared,
        });
    }
    from_project(parsed, declared)
}

/// The metadata of a source tree (a folder of the project) from its
/// `pyproject.toml`, when its version is static too; otherwise the
/// backend must be asked.
pub fn tree_metadata(text: &str) -> Result<CoreMetadata, NotStatic> {
    let parsed: PyprojectToml =
        toml::from_str(text).map_err(|e| NotStatic::Invalid(e.message().to_string()))?;
    let project = parsed.project.as_ref().ok_or(NotStatic::NoProject)?;
    let version = match &project.version {
        Some(version) if !project.dynamic.iter().any(|d| d == "version") => version.clone(),
        _ => return Err(NotStatic::Dynamic("version".into())),
    };
    pep440_rs::Version::from_str(&version)
        .map_err(|e| NotStatic::Invalid(format!("`version = \"{version}\"`: {e}")))?;
    from_project(parsed, version)
}

/// The metadata `[project]` gives, at `version`, when its dependency
/// fields are static.
fn from_project(parsed: PyprojectToml, version: String) -> Result<CoreMetadata, NotStatic> {
    let project = parsed.project.ok_or(NotStatic::NoProject)?;
    for field in ["dependencies", "optional-dependencies", "requires-python"] {
        if project.dynamic.iter().any(|dynamic| dynamic == field) {
            return Err(NotStatic::Dynamic(field.to_string()));
        }
    }
    // A `[project]` table without dependencies beside Poetry's own is
    // almost surely Poetry's, which the backend fills in.
    if project.dependencies.is_none() && parsed.tool.is_some_and(|tool| tool.poetry.is_some()) {
        return Err(NotStatic::Poetry);
    }
    let invalid = |e: String| NotStatic::Invalid(e);
    let mut requires_dist = Vec::new();
    for requirement in project.dependencies.unwrap_or_default() {
        let parsed = Requirement::<pep508_rs::VerbatimUrl>::from_str(&requirement)
            .map_err(|e| invalid(format!("`{requirement}`: {e}")))?;
        requires_dist.push(parsed.to_string());
    }
    let mut provides_extra = Vec::new();
    for (extra, requirements) in project.optional_dependencies.unwrap_or_default() {
        let extra_marker = MarkerTree::from_str(&format!("extra == '{}'", normalize(&extra)))
            .map_err(|e| invalid(format!("the extra `{extra}`: {e}")))?;
        for requirement in requirements {
            let mut parsed = Requirement::<pep508_rs::VerbatimUrl>::from_str(&requirement)
                .map_err(|e| invalid(format!("`{requirement}`: {e}")))?;
            parsed.marker.and(extra_marker.clone());
            requires_dist.push(parsed.to_string());
        }
        provides_extra.push(normalize(&extra));
    }
    Ok(CoreMetadata {
        metadata_version: Some("2.2".into()),
        name: project.name,
        version,
        requires_dist,
        requires_python: project.requires_python,
        provides_extra,
        dynamic: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_static_project_table_gives_the_dependencies() {
        let text = r#"
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "Demo_Pkg"
dynamic = ["version", "readme"]
requires-python = ">=3.9"
dependencies = ["idna>=2", "six; python_version < '3'"]

[project.optional-dependencies]
Socks = ["PySocks>=1.5.6", "win-inet-pton; sys_platform == 'win32'"]
"#;
        let metadata = static_metadata(text, "demo-pkg", "1.2").expect("static");
        assert_eq!(metadata.name, "Demo_Pkg");
        assert_eq!(metadata.version, "1.2");
        assert_eq!(metadata.requires_python.as_deref(), Some(">=3.9"));
        assert_eq!(metadata.provides_extra, ["socks"]);
        assert_eq!(
            metadata.requires_dist,
            [
                "idna>=2",
                "six ; python_full_version < '3'",
                "pysocks>=1.5.6 ; extra == 'socks'",
                "win-inet-pton ; sys_platform == 'win32' and extra == 'socks'",
            ]
        );
    }

    #[test]
    fn what_the_backend_fills_in_is_not_static() {
        let project = |rest: &str| format!("[project]\nname = \"a\"\nversion = \"1\"\n{rest}");
        assert_eq!(
            static_metadata(&project("dynamic = [\"dependencies\"]\n"), "a", "1"),
            Err(NotStatic::Dynamic("dependencies".into()))
        );
        assert_eq!(
            static_metadata(
                &project("[tool.poetry.dependencies]\npython = \"^3.9\"\n"),
                "a",
                "1"
            ),
            Err(NotStatic::Poetry)
        );
        assert_eq!(
            static_metadata("[build-system]\nrequires = []\n", "a", "1"),
            Err(NotStatic::NoProject)
        );
        assert_eq!(
            static_metadata(&project(""), "b", "1"),
            Err(NotStatic::Mismatch {
                name: "a".into(),
                version: "1".into()
            })
        );
        // No dependencies at all is static too: none.
        assert_eq!(
            static_metadata(&project(""), "a", "1.0").map(|m| m.requires_dist),
            Ok(vec![])
        );
    }
}
