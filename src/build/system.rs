//! The `[build-system]` table of an unpacked sdist's `pyproject.toml`
//! (PEP 517 and PEP 518), with the defaults for trees that lack it.

use std::path::Path;

use serde::Deserialize;

/// How to build a source tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSystem {
    /// `requires`: PEP 508 requirements installed before any hook runs.
    pub requires: Vec<String>,
    /// `build-backend`: `module` or `module:object`.
    pub backend: String,
    /// `backend-path`: folders of the tree put first on `sys.path`, for
    /// backends that live in the tree itself.
    pub backend_path: Vec<String>,
}

/// PEP 517: "If the pyproject.toml file is absent, or the build-backend
/// key is missing, the source tree is not using this specification, and
/// tools should revert to the legacy behaviour of running setup.py"; the
/// setuptools backend's `__legacy__` variant does exactly that. PEP 518
/// gives the default requirement.
const LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";
const LEGACY_REQUIRES: &str = "setuptools>=40.8.0";

#[derive(Deserialize)]
struct Pyproject {
    #[serde(rename = "build-system")]
    build_system: Option<Table>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Table {
    requires: Option<Vec<String>>,
    build_backend: Option<String>,
    #[serde(default)]
    backend_path: Vec<String>,
}

impl BuildSystem {
    /// The build system of the tree at `source`; `Err` is a sentence.
    pub fn read(source: &Path) -> Result<Self, String> {
        let path = source.join("pyproject.toml");
        let table = match fs_err::read_to_string(&path) {
            Ok(text) => {
                toml::from_str::<Pyproject>(&text)
                    .map_err(|e| format!("its `pyproject.toml` is not valid: {}", e.message()))?
                    .build_system
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("its `pyproject.toml` cannot be read: {e}")),
        };
        let Some(table) = table else {
            return Ok(Self::legacy());
        };
        // PEP 518: a `[build-system]` table without `requires` is an error.
        let requires = table
            .requires
            .ok_or("its `pyproject.toml` has a `[build-system]` table without `requires`")?;
        for entry in &table.backend_path {
            // PEP 517: backend-path entries are relative to the tree and
            // must stay inside it.
            if crate::fs::safe_relative(entry).is_none() && entry != "." {
                return Err(format!(
                    "its `backend-path` entry `{entry}` points outside the source tree"
                ));
            }
        }
        Ok(match table.build_backend {
            Some(backend) => Self {
                requires,
                backend,
                backend_path: table.backend_path,
            },
            None => Self {
                requires,
                ..Self::legacy()
            },
        })
    }

    fn legacy() -> Self {
        Self {
            requires: vec![LEGACY_REQUIRES.to_string()],
            backend: LEGACY_BACKEND.to_string(),
            backend_path: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pyproject: Option<&str>) -> Result<BuildSystem, String> {
        let dir = tempfile::tempdir().unwrap();
        if let Some(text) = pyproject {
            fs_err::write(dir.path().join("pyproject.toml"), text).unwrap();
        }
        BuildSystem::read(dir.path())
    }

    #[test]
    fn defaults_and_in_tree_backends() {
        assert_eq!(read(None).unwrap(), BuildSystem::legacy());
        assert_eq!(
            read(Some("[project]\nname = 'x'\n")).unwrap(),
            BuildSystem::legacy()
        );
        assert_eq!(
            read(Some("[build-system]\nrequires = ['flit_core>=3']\n")).unwrap(),
            BuildSystem {
                requires: vec!["flit_core>=3".into()],
                ..BuildSystem::legacy()
            }
        );
        assert_eq!(
            read(Some(
                "[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['.']\n"
            ))
            .unwrap(),
            BuildSystem {
                requires: vec![],
                backend: "backend".into(),
                backend_path: vec![".".into()],
            }
        );
    }

    #[test]
    fn refuses_what_pep_517_and_518_forbid() {
        assert!(read(Some("[build-system]\nbuild-backend = 'x'\n")).is_err());
        assert_eq!(
            read(Some(
                "[build-system]\nrequires = []\nbuild-backend = 'b'\nbackend-path = ['../up']\n"
            ))
            .unwrap_err(),
            "its `backend-path` entry `../up` points outside the source tree"
        );
    }
}
