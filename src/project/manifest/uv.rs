//! `[tool.uv]`: what a project that uv also manages asks of a resolver.
//!
//! A key that changes what a lock holds is read, or refused with what to
//! do instead: ignoring it would lock something other than what the
//! project asks for. `[tool.uv.sources]` is the sharpest case: a package
//! named there comes from a folder (read, as `[tool.fenv.sources]` is)
//! or from a repository or URL (refused: locking the index's package of
//! that name instead is a dependency-confusion risk).
//! Keys about how uv works (its cache, link mode, Python downloads) do
//! not change a lock and are left to uv.

use std::collections::BTreeMap;

use pep508_rs::Requirement;
use toml::Spanned;

use super::Error;
use super::pyproject::Source;
use super::sources::PathSource;

/// What fenv reads from `[tool.uv]`.
#[derive(Debug, Default)]
pub(super) struct UvSettings {
    /// `constraint-dependencies`: constraints, as `-c` files give them.
    pub constraints: Vec<Requirement>,
    /// `exclude-newer`, checked as `[tool.fenv] exclude-newer` is.
    pub exclude_newer: Option<Spanned<toml::Value>>,
    /// The `path` entries of `[tool.uv.sources]` (any other is refused).
    pub sources: BTreeMap<String, PathSource>,
}

impl UvSettings {
    /// Adds what was read to `manifest`: the constraints, the sources
    /// `[tool.fenv.sources]` does not name, and `exclude-newer` unless
    /// `[tool.fenv]` sets its own.
    pub(super) fn apply(self, source: &Source<'_>, manifest: &mut super::Manifest) -> Result<(), Error> {
        manifest.constraints.extend(self.constraints);
        for (name, path) in self.sources {
            manifest.settings.sources.entry(name).or_insert(path);
        }
        if let Some(value) = self.exclude_newer
            && manifest.settings.exclude_newer.is_none()
        {
            manifest.settings.exclude_newer = Some(super::settings::exclude_newer_value(source, &value)?);
        }
        Ok(())
    }
}

/// Keys that change a lock and that fenv does not read, each with what to
/// do instead.
const REFUSED: &[(&str, &str)] = &[
    (
        "index",
        "set `[tool.fenv] index-url` to the one index to resolve from",
    ),
    ("index-url", "set `[tool.fenv] index-url` instead"),
    (
        "extra-index-url",
        "fenv resolves from one index: mirror the packages into it, or put wheels in a `[tool.fenv] find-links` folder",
    ),
    ("find-links", "set `[tool.fenv] find-links` instead"),
    (
        "no-index",
        "set `[tool.fenv] find-links` and an `index-url` that serves nothing else",
    ),
    ("index-strategy", "fenv resolves from one index; remove it"),
    (
        "override-dependencies",
        "fenv has no overrides: pin the version in `dependencies`, or add a constraint to `constraint-dependencies`",
    ),
    (
        "dev-dependencies",
        "move them to `[dependency-groups] dev`, as uv advises too",
    ),
    ("default-groups", "fenv installs every group for now; remove it"),
    (
        "prerelease",
        "name a pre-release version in the requirement itself (`pkg>=2.0b1`)",
    ),
    (
        "resolution",
        "fenv picks the newest versions; pin lower ones in `dependencies`",
    ),
    ("fork-strategy", "fenv resolves each target on its own; remove it"),
    ("environments", "list the targets in `[tool.fenv] targets`"),
    (
        "required-environments",
        "list the targets in `[tool.fenv] targets`",
    ),
    (
        "conflicts",
        "fenv does not lock conflicting extras or groups; remove one of them",
    ),
    ("workspace", "fenv locks one project; lock each member on its own"),
    (
        "no-build",
        "fenv builds no sdist for deploy targets already; remove it",
    ),
    (
        "no-build-package",
        "fenv builds no sdist for deploy targets already; remove it",
    ),
    ("no-binary", "fenv installs wheels; remove it"),
    ("no-binary-package", "fenv installs wheels; remove it"),
    (
        "no-sources",
        "remove it, and the `[tool.uv.sources]` it would turn off",
    ),
    (
        "dependency-metadata",
        "publish the package with correct metadata, or pin its dependencies yourself",
    ),
];

/// Reads `[tool.uv]`, refusing what fenv would otherwise ignore.
pub(super) fn read(
    source: &Source<'_>,
    table: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    root: &std::path::Path,
) -> Result<UvSettings, Error> {
    let mut settings = UvSettings::default();
    for (key, value) in table {
        let name = key.get_ref().as_str();
        match name {
            "sources" => {
                settings.sources = super::sources::read(source, value, root, "[tool.uv.sources]")?;
            }
            "constraint-dependencies" => {
                let Some(list) = value.get_ref().as_array() else {
                    return Err(source.invalid(
                        value.span().start,
                        "`[tool.uv] constraint-dependencies` must be a list of requirements",
                    ));
                };
                for item in list {
                    let Some(text) = item.as_str() else {
                        return Err(source.invalid(
                            value.span().start,
                            "`[tool.uv] constraint-dependencies` must be a list of requirements",
                        ));
                    };
                    let spanned = Spanned::new(value.span(), text.to_string());
                    settings
                        .constraints
                        .extend(source.requirements(std::slice::from_ref(&spanned))?);
                }
            }
            "exclude-newer" => settings.exclude_newer = Some(value.clone()),
            _ => {
                if let Some((_, instead)) = REFUSED.iter().find(|(refused, _)| *refused == name) {
                    return Err(source
                        .invalid(
                            key.span().start,
                            format!("fenv does not read `[tool.uv] {name}`, which changes what is locked"),
                        )
                        .with_hint(*instead));
                }
            }
        }
    }
    Ok(settings)
}
