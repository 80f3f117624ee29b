//! `[tool.fenv.sources]`, and the `path` entries of `[tool.uv.sources]`:
//! packages the project takes from one of its folders instead of the
//! index (a library of code shared by several functions, most often).
//!
//! Only folders are read. A source that names a repository, a URL or
//! another index is refused with what to do: locking the index's package
//! of that name instead would be a dependency-confusion risk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::Error;
use super::pyproject::Source;
use crate::dist::name::normalize;

/// A package built from a folder of the project (PEP 751 `directory`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathSource {
    /// The folder, relative to the project root, `/`-separated: the lock
    /// writes it so, and it works in any checkout.
    pub path: String,
    /// Installed as an editable (PEP 660) install by `fenv sync`.
    pub editable: bool,
    /// A sha256 of the tree's metadata files as they are now: a change in
    /// one of them makes the lock stale.
    pub digest: String,
}

impl PathSource {
    /// The folder, absolute.
    pub fn dir(&self, root: &Path) -> PathBuf {
        crate::fs::normalize(&root.join(&self.path))
    }
}

/// The sources of one table, by normalized name. `table_name` is how
/// messages name it (`[tool.fenv.sources]`).
pub(super) fn read(
    source: &Source<'_>,
    value: &Spanned<toml::Value>,
    root: &Path,
    table_name: &str,
) -> Result<BTreeMap<String, PathSource>, Error> {
    let Some(table) = value.get_ref().as_table() else {
        return Err(source.invalid(value.span().start, format!("`{table_name}` must be a table")));
    };
    let mut out = BTreeMap::new();
    for (name, entry) in table {
        // The entry's own line: the first mention of its name in the table.
        let start = value.span().start;
        let at = source.text[start..]
            .find(name.as_str())
            .map_or(start, |i| start + i);
        let normalized = normalize(name);
        if !crate::dist::name::is_valid(name) {
            return Err(source.invalid(at, format!("`{name}` in `{table_name}` is not a package name")));
        }
        // uv allows a list of sources chosen by markers; fenv takes one.
        let Some(entry) = entry.as_table() else {
            return Err(source
                .invalid(
                    at,
                    format!("`{table_name}` gives `{name}` several sources or none"),
                )
                .with_hint(format!("write `{name} = {{ path = \"libs/{name}\" }}`")));
        };
        let refuse = |from: String| {
            source
                .invalid(
                    at,
                    format!(
                        "`{table_name}` takes `{name}` from {from}, which fenv does not read: it would lock the index's `{name}` instead"
                    ),
                )
                .with_hint(format!(
                    "check the package out into a folder of the project and write `{name} = {{ path = \"…\" }}`, or build a wheel of it into a `[tool.fenv] find-links` folder"
                ))
        };
        let text = |key: &str| {
            entry
                .get(key)
                .and_then(toml::Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        if entry.contains_key("git") {
            return Err(refuse(format!("the repository `{}`", text("git"))));
        }
        if entry.contains_key("url") {
            return Err(refuse(format!("`{}`", text("url"))));
        }
        if entry.contains_key("index") {
            return Err(refuse(format!("the index `{}`", text("index"))));
        }
        if entry.contains_key("workspace") {
            return Err(refuse("the workspace".to_string()));
        }
        if let Some(key) = entry
            .keys()
            .find(|key| !matches!(key.as_str(), "path" | "editable" | "package"))
        {
            return Err(source.invalid(
                at,
                format!("`{table_name}` `{name}` has `{key}`, which fenv does not read"),
            ));
        }
        let Some(path) = entry.get("path").and_then(toml::Value::as_str) else {
            return Err(source
                .invalid(at, format!("`{table_name}` `{name}` needs a `path`"))
                .with_hint(format!("write `{name} = {{ path = \"libs/{name}\" }}`")));
        };
        let editable = match entry.get("editable") {
            None => false,
            Some(toml::Value::Boolean(editable)) => *editable,
            Some(_) => {
                return Err(source.invalid(
                    at,
                    format!("`{table_name}` `{name}`: `editable` must be true or false"),
                ));
            }
        };
        if entry
            .get("package")
            .is_some_and(|package| package.as_bool() == Some(false))
        {
            return Err(source
                .invalid(
                    at,
                    format!("`{table_name}` `{name}` is marked `package = false`, which fenv cannot install"),
                )
                .with_hint("remove `package = false`: fenv installs the folder as a package"));
        }
        let path = crate::fs::portable_relative(path).map_err(|reason| {
            source
                .invalid(at, format!("`{table_name}` `{name}`: {reason}"))
                .with_hint("write the folder relative to the project, so the lock works in any checkout")
        })?;
        let dir = crate::fs::normalize(&root.join(&path));
        if !["pyproject.toml", "setup.py"]
            .iter()
            .any(|file| dir.join(file).is_file())
        {
            return Err(source
                .invalid(
                    at,
                    format!("`{table_name}` `{name}`: `{path}` holds no `pyproject.toml` or `setup.py`"),
                )
                .with_hint(format!(
                    "give `{name}` a `pyproject.toml` with a `[build-system]` and a `[project]` table"
                )));
        }
        let digest = digest(&dir).map_err(|err| {
            source.invalid(
                at,
                format!("`{table_name}` `{name}`: cannot read `{path}`: {err}"),
            )
        })?;
        out.insert(
            normalized,
            PathSource {
                path,
                editable,
                digest,
            },
        );
    }
    Ok(out)
}

/// A sha256 of the source tree's metadata files
/// ([`crate::dist::pyproject::TREE_METADATA_FILES`]; absent ones count
/// as absent).
pub fn digest(dir: &Path) -> std::io::Result<String> {
    let mut text = Vec::new();
    for file in crate::dist::pyproject::TREE_METADATA_FILES {
        match fs_err::read(dir.join(file)) {
            Ok(bytes) => {
                text.extend_from_slice(file.as_bytes());
                text.push(0);
                text.extend_from_slice(bytes.len().to_string().as_bytes());
                text.push(0);
                text.extend_from_slice(&bytes);
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    Ok(crate::hash::sha256_hex(&text))
}
