//! The project's inputs to resolution: requirements, extras, groups,
//! constraints, `requires-python`, targets and fenv's settings, read from
//! `pyproject.toml`, `fenv.toml` or a requirements file.
//!
//! [`load`] walks up from a folder to the nearest one holding a manifest.
//! In that folder, `pyproject.toml` comes first, then `fenv.toml`, then
//! `requirements.in`, then `requirements.txt`. A settings file without
//! requirements of its own (`fenv.toml`, or a `pyproject.toml` without a
//! `[project]` table) takes them from a `requirements.in`/`.txt` beside
//! it. Every invalid input is an [`Error`] naming the file and the line.
//! [`Manifest::inputs_hash`] digests everything that affects resolution,
//! so `fenv lock --check` can tell a stale lock without the network.

pub mod environments;
mod inputs;
mod pyproject;
mod requirements;
mod settings;
pub mod sources;
pub mod targets;
mod uv;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pep440_rs::VersionSpecifiers;
use pep508_rs::{Requirement, VersionOrUrl};

pub use targets::{
    Arch, DEFAULT_PYTHON, LAMBDA_PYTHONS, TargetDefaults, TargetSpec, VERCEL_PYTHONS, environment_marker,
};

use crate::error::Hint;
use crate::fs::user_display;
use pyproject::{PyprojectToml, Source};
use settings::FenvTable;

/// The manifest files, in the order one folder's files are preferred.
pub const MANIFEST_FILES: [&str; 4] = [
    "pyproject.toml",
    "fenv.toml",
    "requirements.in",
    "requirements.txt",
];

/// What can be wrong with the project's inputs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Read(#[from] crate::fs::PathError),

    #[error(
        "no pyproject.toml, fenv.toml, requirements.in or requirements.txt in `{}` or above",
        user_display(start)
    )]
    NotFound { start: PathBuf },

    #[error("`{}` line {line}: {reason}", user_display(path))]
    Invalid {
        path: PathBuf,
        line: usize,
        reason: String,
        /// How to fix it, when the fix is more than the reason implies.
        hint: Option<String>,
    },

    #[error("unknown target `{name}`; the project knows {}", known.join(", "))]
    UnknownTarget { name: String, known: Vec<String> },

    #[error("the target `{name}` cannot be used: {reason}")]
    Target { name: String, reason: String },
}

impl Error {
    fn invalid(path: &Path, line: usize, reason: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.to_path_buf(),
            line,
            reason: reason.into(),
            hint: None,
        }
    }

    /// The same error with `hint` attached (an `Invalid` only).
    fn with_hint(mut self, text: impl AsRef<str>) -> Self {
        if let Self::Invalid { hint, .. } = &mut self {
            *hint = Some(text.as_ref().to_string());
        }
        self
    }

    /// The OS error of a `Read`, for a message that names the path itself.
    fn source_message(&self) -> String {
        match self {
            Self::Read(err) => err.io().to_string(),
            other => other.to_string(),
        }
    }
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Read(_) => None,
            Self::NotFound { .. } => Some(
                "run fenv inside a project, or create a pyproject.toml with `[project] dependencies`".into(),
            ),
            Self::Invalid { hint, reason, .. } => hint.clone().or_else(|| {
                reason
                    .contains("not supported yet")
                    .then(|| "docs/lock-format.md lists the inputs fenv reads".into())
            }),
            Self::UnknownTarget { name, .. } => Some(format!(
                "define `[tool.fenv.target.{name}]` with `python` and `platform`, or use host, lambda or vercel"
            )),
            Self::Target { name, .. } => Some(format!(
                "set the Python in `[tool.fenv.target.{name}]`, or widen `requires-python`"
            )),
        }
    }
}

/// Everything in the project that decides what a lock holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The folder holding the manifest: the lock and the env go here.
    pub root: PathBuf,
    /// `pyproject.toml`, `fenv.toml`, `requirements.in` or
    /// `requirements.txt`.
    pub file: PathBuf,
    /// `[project] name`, when there is one.
    pub name: Option<String>,
    /// The Pythons the project supports; every target must run one.
    pub requires_python: Option<VersionSpecifiers>,
    /// `[project] dependencies`, or the requirements file's lines.
    pub dependencies: Vec<Requirement>,
    /// Extras (PEP 685 normalized names).
    pub optional_dependencies: BTreeMap<String, Vec<Requirement>>,
    /// PEP 735 dependency groups, normalized names, `include-group`
    /// already expanded.
    pub groups: BTreeMap<String, Vec<Requirement>>,
    /// `-c` files of requirements inputs: versions limited, nothing added.
    pub constraints: Vec<Requirement>,
    /// fenv's own settings, targets first among them.
    pub settings: Settings,
}

/// `[tool.fenv]` (or `fenv.toml`'s top level), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The targets the lock covers: `host` first, then `targets = [...]`.
    pub targets: Vec<TargetSpec>,
    /// `[tool.fenv] environments`: the development environments `host`
    /// stands for in the lock (the defaults when the key is absent).
    pub environments: Vec<environments::Entry>,
    /// Every `[tool.fenv.target.NAME]`, checked and with defaults filled;
    /// `--target NAME` picks from these (see [`TargetSpec::parse_cli`]).
    pub target_tables: BTreeMap<String, TargetSpec>,
    /// What `lambda` and `vercel` default to without a table.
    pub target_defaults: TargetDefaults,
    /// The simple API to resolve from (default: the public index).
    pub index_url: Option<String>,
    /// Folders of wheels, absolute.
    pub find_links: Vec<PathBuf>,
    /// Ignore files uploaded after this instant (RFC 3339, UTC).
    pub exclude_newer: Option<String>,
    /// The interpreter request for the local env (`-p` syntax).
    pub python: Option<String>,
    /// The env folder (default `.venv`), absolute.
    pub env: Option<PathBuf>,
    /// Where functions are discovered (default `api`), absolute.
    pub functions_dir: Option<PathBuf>,
    /// `[tool.fenv.functions.NAME]`, by function name.
    pub functions: BTreeMap<String, FunctionSettings>,
    /// Refuse sdists for non-host targets (default true).
    pub only_binary: bool,
    /// Files `run` and `serve` load into the environment, from the
    /// project root (default `[".env"]`).
    pub env_files: Vec<String>,
    /// `[tool.fenv] default-groups`: the groups `fenv sync` installs when
    /// none is named (normalized); see [`Manifest::default_groups`].
    pub default_groups: Option<Vec<String>>,
    /// `[tool.fenv.sources]` and the `path` entries of `[tool.uv.sources]`,
    /// by normalized name.
    pub sources: BTreeMap<String, sources::PathSource>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            targets: vec![TargetSpec::Host],
            environments: environments::Entry::defaults(),
            target_tables: BTreeMap::new(),
            target_defaults: TargetDefaults::default(),
            index_url: None,
            find_links: Vec::new(),
            exclude_newer: None,
            python: None,
            env: None,
            functions_dir: None,
            functions: BTreeMap::new(),
            only_binary: true,
            env_files: vec![".env".into()],
            default_groups: None,
            sources: BTreeMap::new(),
        }
    }
}

/// One function's settings (`[tool.fenv.functions.NAME]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionSettings {
    /// Requirements only this function needs; they are locked with the
    /// rest so one lock serves every function.
    pub dependencies: Vec<Requirement>,
    /// The function's module, relative to the root.
    pub path: Option<PathBuf>,
    /// Extra files bundled with the function (globs, for `fenv bundle`).
    pub include: Vec<String>,
    /// Files left out of the function's bundle (globs).
    pub exclude: Vec<String>,
    /// `auto`, `app`, `application`, `handler` or `module:function`.
    pub handler: Option<String>,
    /// Limits `fenv bundle` and `fenv check --import-time` hold it to.
    pub budget: Budget,
}

/// A function's size and cold-start budget, from `unzipped-mb` (MB are
/// 10^6 bytes, as the platforms count) and `import-ms`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    pub unzipped_bytes: Option<u64>,
    /// Cold import time in a fresh process.
    pub import_us: Option<u64>,
}

/// The manifest of the project around `start`.
pub fn load(start: &Path) -> Result<Manifest, Error> {
    let start = crate::fs::absolute(start)
        .map_err(|source| Error::Read(crate::fs::PathError::new("read", start.to_path_buf(), source)))?;
    for dir in start.ancestors() {
        let Some(name) = MANIFEST_FILES.iter().find(|name| dir.join(name).is_file()) else {
            continue;
        };
        let file = dir.join(name);
        return match *name {
            "pyproject.toml" => load_pyproject(dir, &file),
            "fenv.toml" => load_settings_file(dir, &file, None),
            _ => load_requirements(dir, &file, Settings::default_for(dir)?),
        };
    }
    Err(Error::NotFound { start })
}

fn load_pyproject(root: &Path, file: &Path) -> Result<Manifest, Error> {
    let text = read_text(file)?;
    let source = Source {
        path: file,
        text: &text,
    };
    let pyproject: PyprojectToml = source.parse()?;
    let (fenv_table, uv_table) = pyproject
        .tool
        .map(|tool| (tool.fenv, tool.uv))
        .unwrap_or_default();
    let uv = match &uv_table {
        Some(table) => uv::read(&source, table, root)?,
        None => uv::UvSettings::default(),
    };
    let groups = match &pyproject.dependency_groups {
        Some(table) => pyproject::dependency_groups(&source, table)?,
        None => BTreeMap::new(),
    };

    let Some(project) = pyproject.project else {
        // A pyproject that only configures tools: requirements come from a
        // requirements file beside it, settings from it or from fenv.toml.
        let fenv_toml = root.join("fenv.toml");
        let mut manifest = match fenv_table {
            Some(_) if fenv_toml.is_file() => return Err(both_settings(file, &text, &fenv_toml)),
            Some(table) => {
                let settings = settings::read(&source, table, root, defaults(root, None)?, true)?;
                with_requirements_beside(root, file, settings)?
            }
            None if fenv_toml.is_file() => load_settings_file(root, &fenv_toml, Some(file))?,
            None => with_requirements_beside(root, file, Settings::default_for(root)?)?,
        };
        manifest.groups = groups;
        uv.apply(&source, &mut manifest)?;
        return Ok(manifest);
    };

    if let Some(dynamic) = project
        .dynamic
        .iter()
        .flatten()
        .find(|key| matches!(key.get_ref().as_str(), "dependencies" | "optional-dependencies"))
    {
        return Err(source
            .invalid(
                dynamic.span().start,
                format!("dynamic `{}` are not supported yet", dynamic.get_ref()),
            )
            .with_hint("list the requirements in `[project]` itself"));
    }
    let requires_python = project
        .requires_python
        .as_ref()
        .map(|value| source.requires_python(value))
        .transpose()?;
    let settings = match fenv_table {
        Some(_) if root.join("fenv.toml").is_file() => {
            return Err(both_settings(file, &text, &root.join("fenv.toml")));
        }
        Some(table) => settings::read(
            &source,
            table,
            root,
            defaults(root, requires_python.clone())?,
            true,
        )?,
        None if root.join("fenv.toml").is_file() => {
            settings_file(root, &root.join("fenv.toml"), requires_python.clone())?.0
        }
        None => Settings::default_with(defaults(root, requires_python.clone())?),
    };
    let mut manifest = Manifest {
        root: root.to_path_buf(),
        file: file.to_path_buf(),
        name: project.name,
        requires_python,
        dependencies: source.requirements(&project.dependencies.unwrap_or_default())?,
        optional_dependencies: match &project.optional_dependencies {
            Some(table) => pyproject::optional_dependencies(&source, table)?,
            None => BTreeMap::new(),
        },
        groups,
        constraints: Vec::new(),
        settings,
    };
    uv.apply(&source, &mut manifest)?;
    if let Some(unknown) = manifest
        .settings
        .default_groups
        .iter()
        .flatten()
        .find(|group| !manifest.groups.contains_key(*group))
    {
        let at = text.find("default-groups").unwrap_or(0);
        return Err(source
            .invalid(
                at,
                format!("`default-groups` names `{unknown}`, which `[dependency-groups]` does not define"),
            )
            .with_hint("name groups of `[dependency-groups]`, or remove the key"));
    }
    Ok(manifest)
}

impl Manifest {
    /// The groups `fenv sync` installs when none is named: `[tool.fenv]
    /// default-groups`, else `dev` when the project has it, as uv does.
    pub fn default_groups(&self) -> Vec<String> {
        match &self.settings.default_groups {
            Some(groups) => groups.clone(),
            None if self.groups.contains_key("dev") => vec!["dev".to_string()],
            None => Vec::new(),
        }
    }
}

/// Settings in both `[tool.fenv]` and `fenv.toml`: which wins would be a
/// guess, so neither does.
fn both_settings(pyproject: &Path, text: &str, fenv_toml: &Path) -> Error {
    let line = text
        .find("[tool.fenv")
        .map_or(1, |offset| text[..offset].matches('\n').count() + 1);
    Error::invalid(
        pyproject,
        line,
        format!(
            "`[tool.fenv]` and `{}` both hold fenv's settings",
            user_display(fenv_toml)
        ),
    )
    .with_hint("keep the settings in one of the two files")
}

/// A project whose settings are in `fenv.toml`; `manifest_file` is the
/// pyproject that sent us here, if any.
fn load_settings_file(root: &Path, file: &Path, manifest_file: Option<&Path>) -> Result<Manifest, Error> {
    let (settings, requires_python) = settings_file(root, file, None)?;
    let mut manifest = with_requirements_beside(root, manifest_file.unwrap_or(file), settings)?;
    manifest.requires_python = requires_python;
    Ok(manifest)
}

/// `fenv.toml`'s settings and its own `requires-python`; a project's
/// `requires-python` (`outer`) wins when there is one.
fn settings_file(
    root: &Path,
    file: &Path,
    outer: Option<VersionSpecifiers>,
) -> Result<(Settings, Option<VersionSpecifiers>), Error> {
    let text = read_text(file)?;
    let source = Source {
        path: file,
        text: &text,
    };
    let table: FenvTable = source.parse()?;
    let requires_python = match (&table.requires_python, outer) {
        (Some(value), None) => Some(source.requires_python(value)?),
        (Some(value), Some(_)) => {
            return Err(source
                .invalid(value.span().start, "`requires-python` is also set in `[project]`")
                .with_hint("keep it in `[project]` only"));
        }
        (None, outer) => outer,
    };
    let settings = settings::read(
        &source,
        table,
        root,
        defaults(root, requires_python.clone())?,
        false,
    )?;
    Ok((settings, requires_python))
}

/// A manifest whose requirements come from `requirements.in` or
/// `requirements.txt` in `root`, if either exists.
fn with_requirements_beside(root: &Path, file: &Path, settings: Settings) -> Result<Manifest, Error> {
    let beside = ["requirements.in", "requirements.txt"]
        .iter()
        .map(|name| root.join(name))
        .find(|path| path.is_file());
    let mut manifest = match beside {
        Some(requirements) => load_requirements(root, &requirements, settings)?,
        None => empty(root, settings),
    };
    manifest.file = file.to_path_buf();
    Ok(manifest)
}

fn load_requirements(root: &Path, file: &Path, mut settings: Settings) -> Result<Manifest, Error> {
    let parsed = requirements::read(file)?;
    if let Some((url, path, line)) = parsed.index_url {
        match &settings.index_url {
            Some(configured) if *configured != url => {
                return Err(Error::invalid(
                    &path,
                    line,
                    format!(
                        "`--index-url {url}` disagrees with the settings' `index-url = \"{configured}\"`"
                    ),
                )
                .with_hint("set the index in one place"));
            }
            _ => settings.index_url = Some(url),
        }
    }
    settings.find_links.extend(parsed.find_links);
    Ok(Manifest {
        dependencies: parsed.requirements,
        constraints: parsed.constraints,
        file: file.to_path_buf(),
        ..empty(root, settings)
    })
}

fn empty(root: &Path, settings: Settings) -> Manifest {
    Manifest {
        root: root.to_path_buf(),
        file: root.join("requirements.txt"),
        name: None,
        requires_python: settings.target_defaults.requires_python.clone(),
        dependencies: Vec::new(),
        optional_dependencies: BTreeMap::new(),
        groups: BTreeMap::new(),
        constraints: Vec::new(),
        settings,
    }
}

impl Settings {
    /// No `[tool.fenv]`: only `host`, and the defaults of the project in
    /// `root`.
    fn default_for(root: &Path) -> Result<Self, Error> {
        Ok(Self::default_with(defaults(root, None)?))
    }

    fn default_with(target_defaults: TargetDefaults) -> Self {
        Self {
            target_defaults,
            ..Self::default()
        }
    }
}

/// The facts `lambda` and `vercel` default from: `requires-python` and
/// the nearest `.python-version`.
fn defaults(root: &Path, requires_python: Option<VersionSpecifiers>) -> Result<TargetDefaults, Error> {
    Ok(TargetDefaults {
        requires_python,
        python_version_file: python_version_file(root)?,
    })
}

/// The Python minor the nearest `.python-version` (in `root` or above)
/// names: its first line that is not a comment, in `-p` syntax.
fn python_version_file(root: &Path) -> Result<Option<(u32, u32)>, Error> {
    use crate::python::{PythonRequest, VersionRequest};

    let Some(file) = root
        .ancestors()
        .map(|dir| dir.join(".python-version"))
        .find(|path| path.is_file())
    else {
        return Ok(None);
    };
    let text = read_text(&file)?;
    let Some((index, line)) = text
        .lines()
        .map(str::trim)
        .enumerate()
        .find(|(_, line)| !line.is_empty() && !line.starts_with('#'))
    else {
        return Ok(None);
    };
    let request = PythonRequest::parse(line).map_err(|err| {
        Error::invalid(&file, index + 1, err.to_string())
            .with_hint("write a version such as `3.12` into `.python-version`")
    })?;
    let minor = |request: &VersionRequest| match request {
        VersionRequest::Range(specifiers) => targets::pinned_minor(specifiers),
        other => other.minor(),
    };
    Ok(match &request {
        PythonRequest::Version(request)
        | PythonRequest::Implementation {
            version: Some(request),
            ..
        } => minor(request),
        _ => None,
    })
}

/// The file's text; a read error names the file.
fn read_text(path: &Path) -> Result<String, Error> {
    crate::fs::read_to_string_within(path, crate::limits::REQUIREMENTS)
        .map_err(|source| Error::Read(crate::fs::PathError::new("read", path.to_path_buf(), source)))
}

/// `requirement`, unless it is something fenv cannot resolve yet.
fn checked_requirement(requirement: Requirement) -> Result<Requirement, String> {
    match &requirement.version_or_url {
        Some(VersionOrUrl::Url(url)) => Err(format!(
            "`{} @ {url}`: direct URL requirements are not supported yet",
            requirement.name
        )),
        _ => Ok(requirement),
    }
}

#[cfg(test)]
mod tests;
