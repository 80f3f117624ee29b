//! `pyproject.toml`: `[project]` and `[dependency-groups]`, and the
//! [`Source`] both manifest files are read through.
//!
//! Every value that can be wrong is read as [`Spanned`], so an error names
//! the line the value sits on.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use pep440_rs::VersionSpecifiers;
use pep508_rs::{ExtraName, Requirement};
use serde::Deserialize;
use toml::Spanned;

use super::settings::FenvTable;
use super::{Error, checked_requirement};
use crate::dist::name::normalize;

/// `pyproject.toml` as fenv reads it; other tables are ignored.
#[derive(Deserialize)]
pub(super) struct PyprojectToml {
    pub project: Option<ProjectTable>,
    #[serde(rename = "dependency-groups")]
    pub dependency_groups: Option<BTreeMap<Spanned<String>, Vec<Spanned<toml::Value>>>>,
    pub tool: Option<ToolTables>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) struct ProjectTable {
    pub name: Option<String>,
    pub requires_python: Option<Spanned<String>>,
    pub dependencies: Option<Vec<Spanned<String>>>,
    pub optional_dependencies: Option<BTreeMap<Spanned<String>, Vec<Spanned<String>>>>,
    pub dynamic: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
pub(super) struct ToolTables {
    pub fenv: Option<FenvTable>,
    pub uv: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
}

/// A file being read: its path and text, to turn spans into lines.
pub(super) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    pub fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    pub fn invalid(&self, offset: usize, reason: impl Into<String>) -> Error {
        Error::invalid(self.path, self.line(offset), reason)
    }

    /// `text` parsed as `T`, a TOML error naming its line.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        toml::from_str(self.text).map_err(|err| {
            let offset = err.span().map_or(0, |span| span.start);
            self.invalid(offset, err.message().trim().to_string())
        })
    }

    /// A PEP 508 requirement written as a TOML string.
    pub fn requirement(&self, value: &Spanned<String>) -> Result<Requirement, Error> {
        let at = value.span().start;
        let requirement = Requirement::from_str(value.get_ref()).map_err(|err| {
            self.invalid(
                at,
                format!(
                    "`{}` is not a valid requirement: {}",
                    value.get_ref(),
                    err.message
                ),
            )
            .with_hint("write a PEP 508 requirement such as `httpx>=0.27` or `boto3; extra == \"aws\"`")
        })?;
        checked_requirement(requirement).map_err(|reason| self.invalid(at, reason))
    }

    /// Something valid that fenv cannot do yet (`what` names it).
    pub fn unsupported(&self, offset: usize, what: &str) -> Error {
        self.invalid(offset, format!("{what} is not supported yet"))
    }

    pub fn requirements(&self, values: &[Spanned<String>]) -> Result<Vec<Requirement>, Error> {
        values.iter().map(|value| self.requirement(value)).collect()
    }

    pub fn requires_python(&self, value: &Spanned<String>) -> Result<VersionSpecifiers, Error> {
        VersionSpecifiers::from_str(value.get_ref()).map_err(|err| {
            // pep440_rs draws the input under its message; keep one line.
            let message = err.to_string();
            let message = message.lines().next().unwrap_or_default().trim_end_matches(':');
            self.invalid(
                value.span().start,
                format!(
                    "`requires-python = \"{}\"` is not valid: {message}",
                    value.get_ref()
                ),
            )
            .with_hint("write a PEP 440 specifier such as `>=3.10` or `~=3.12.0`")
        })
    }
}

/// `[project] optional-dependencies`, names normalized (PEP 685).
pub(super) fn optional_dependencies(
    source: &Source,
    table: &BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
) -> Result<BTreeMap<String, Vec<Requirement>>, Error> {
    let mut extras = BTreeMap::new();
    for (name, requirements) in in_file_order(table) {
        let at = name.span().start;
        let normalized = ExtraName::from_str(name.get_ref())
            .map_err(|err| {
                source.invalid(
                    at,
                    format!("the extra name `{}` is not valid: {err}", name.get_ref()),
                )
            })?
            .to_string();
        if extras.contains_key(&normalized) {
            return Err(source.invalid(at, format!("the extra `{normalized}` is defined twice")));
        }
        extras.insert(normalized, source.requirements(requirements)?);
    }
    Ok(extras)
}

/// `[dependency-groups]` (PEP 735) with every `include-group` expanded.
pub(super) fn dependency_groups(
    source: &Source,
    table: &BTreeMap<Spanned<String>, Vec<Spanned<toml::Value>>>,
) -> Result<BTreeMap<String, Vec<Requirement>>, Error> {
    enum Entry {
        Requirement(Requirement),
        Include(String, usize),
    }
    let mut raw: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for (name, entries) in in_file_order(table) {
        let at = name.span().start;
        if !valid_name(name.get_ref()) {
            return Err(source.invalid(
                at,
                format!("the dependency group name `{}` is not valid", name.get_ref()),
            ));
        }
        let normalized = normalize(name.get_ref());
        if raw.contains_key(&normalized) {
            return Err(source.invalid(
                at,
                format!("the dependency group `{normalized}` is defined twice"),
            ));
        }
        let mut parsed = Vec::new();
        for entry in entries {
            let at = entry.span().start;
            match entry.get_ref() {
                toml::Value::String(text) => {
                    parsed.push(Entry::Requirement(
                        source.requirement(&Spanned::new(at..at, text.clone()))?,
                    ));
                }
                toml::Value::Table(table) if table.len() == 1 && table.contains_key("include-group") => {
                    let Some(toml::Value::String(group)) = table.get("include-group") else {
                        return Err(source.invalid(at, "`include-group` must name a group"));
                    };
                    parsed.push(Entry::Include(normalize(group), at));
                }
                _ => {
                    return Err(source.invalid(
                        at,
                        format!(
                            "an entry of the dependency group `{normalized}` must be a requirement string or `{{ include-group = \"name\" }}`"
                        ),
                    ));
                }
            }
        }
        raw.insert(normalized, parsed);
    }

    fn expand(
        name: &str,
        raw: &BTreeMap<String, Vec<Entry>>,
        stack: &mut Vec<String>,
        source: &Source,
    ) -> Result<Vec<Requirement>, Error> {
        let mut out = Vec::new();
        stack.push(name.to_string());
        for entry in raw.get(name).map(Vec::as_slice).unwrap_or_default() {
            match entry {
                Entry::Requirement(requirement) => out.push(requirement.clone()),
                Entry::Include(group, at) => {
                    if stack.contains(group) {
                        let cycle = [stack.as_slice(), std::slice::from_ref(group)]
                            .concat()
                            .join(" -> ");
                        return Err(
                            source.invalid(*at, format!("the dependency groups include each other: {cycle}"))
                        );
                    }
                    if !raw.contains_key(group) {
                        return Err(
                            source.invalid(*at, format!("the dependency group `{group}` does not exist"))
                        );
                    }
                    out.extend(expand(group, raw, stack, source)?);
                }
            }
        }
        stack.pop();
        Ok(out)
    }

    raw.keys()
        .map(|name| Ok((name.clone(), expand(name, &raw, &mut Vec::new(), source)?)))
        .collect()
}

/// A table's entries in the order they are written, so a duplicate is
/// reported where it repeats, not where it first appears.
fn in_file_order<V>(table: &BTreeMap<Spanned<String>, V>) -> Vec<(&Spanned<String>, &V)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(name, _)| name.span().start);
    entries
}

/// A valid (not yet normalized) project, extra or group name.
fn valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}
