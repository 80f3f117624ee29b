//! Locking a project: its inputs resolved for every target it names into
//! one PEP 751 lock. The host's target is the project's own interpreter,
//! which may build an sdist's metadata as uv does (unless `--no-build`);
//! the existing pins are kept unless an upgrade is asked for; the lock is
//! written only when it changed. `fenv lock` runs it, and `fenv sync`
//! when the lock no longer matches the project.

use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Instant;

use pep440_rs::Version;

use crate::cache::Cache;
use crate::dist::metadata::CoreMetadata;
use crate::dist::name::normalize;
use crate::error::Hint;
use crate::index::{IndexClient, IndexConfig};
use crate::install::WheelStore;
use crate::install::store::OpenedStore;
use crate::lock::freshness::{self, Checked};
use crate::lock::{self, FenvTool};
use crate::printer::Printer;
use crate::project::interpreter::project_python;
use crate::project::manifest;
use crate::python::Discovery;
use crate::resolve::{self, Request, Target};
use crate::timestamp::ExcludeNewer;

/// What `fenv lock` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct LockSettings {
    pub targets: Vec<String>,
    pub upgrade: bool,
    pub upgrade_packages: Vec<String>,
    pub check: bool,
    pub exclude_newer: Option<String>,
    pub index_url: Option<String>,
    pub find_links: Vec<PathBuf>,
    pub refresh: bool,
    pub prereleases: bool,
    /// No build backend runs: not an input of the lock, only a refusal.
    pub no_build: bool,
    /// `-p`: the interpreter whose environment the lock must cover.
    pub python: Option<String>,
    /// That interpreter's environment ([`environment_of`]), once found.
    pub environments: Vec<String>,
}

/// What stops a lock from being made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to read `environments`: {0}")]
    Environments(String),

    #[error("failed to read `exclude-newer`: {0}")]
    ExcludeNewer(String),

    #[error("failed to read the metadata of `{package}` from `{path}`: {reason}")]
    Source {
        package: String,
        path: String,
        reason: String,
    },

    #[error(transparent)]
    SourceBuild(#[from] crate::build::Error),

    #[error(transparent)]
    Store(#[from] crate::install::Error),

    #[error("failed to lock the project")]
    Resolve(#[source] resolve::Error),

    #[error(transparent)]
    Write(#[from] crate::fs::PathError),
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Store(source) => source.hint(),
            Self::SourceBuild(source) => source.hint(),
            Self::Source { .. } => Some(
                "give the folder a `pyproject.toml` whose `[project]` table names the package, or a build backend fenv can run"
                    .into(),
            ),
            // The sources are in the chain, with their own hints.
            Self::Environments(_) | Self::ExcludeNewer(_) | Self::Resolve(_) | Self::Write(_) => None,
        }
    }
}

/// Resolves the project `checked` describes for its targets and writes
/// its lock, saying how many packages it holds (timed from `started`).
pub fn lock(
    checked: Checked,
    settings: &LockSettings,
    cache: &Cache,
    offline: bool,
    started: Instant,
    printer: &Printer,
) -> Result<(), Error> {
    let Checked {
        manifest,
        specs,
        extra,
        lock_path,
        existing,
        options,
        freshness: _,
    } = checked;
    let (inputs, inputs_hash) = freshness::inputs_of(&manifest, &extra);

    // The targets: `host` stands for the development environments the
    // project declares, then come the deploy targets.
    let mut targets = Vec::new();
    for spec in &specs {
        match resolve::target::for_spec(spec) {
            Some(target) => targets.push(target),
            None => {
                let environments = manifest::environments::expand(
                    &manifest.settings.environments,
                    manifest.requires_python.as_ref(),
                )
                .map_err(Error::Environments)?;
                targets.extend(environments.into_iter().map(Target::development));
                // What `-p` added, now or when the lock was made.
                for text in &options.environments {
                    let environment = manifest::environments::Environment::parse(text)
                        .ok_or_else(|| Error::Environments(format!("`{text}` is not an environment")))?;
                    let target = Target::development(environment);
                    if !targets.iter().any(|t| t.development == target.development) {
                        targets.push(target);
                    }
                }
            }
        }
    }
    let index_url = manifest
        .settings
        .index_url
        .clone()
        .unwrap_or_else(|| crate::index::DEFAULT_INDEX_URL.to_string());
    let index = IndexClient::new(IndexConfig {
        index_url: index_url.clone(),
        find_links: manifest.settings.find_links.clone(),
        cache: cache.clone(),
        offline,
        refresh: settings.refresh,
        freshness: IndexConfig::default_freshness(),
    });

    // Stable locks: each environment keeps the pins the existing lock
    // gives it (a fork's own), unless asked to upgrade.
    let preferences = match existing.as_ref().filter(|_| !settings.upgrade) {
        Some(old) => {
            let upgrade: Vec<String> = settings.upgrade_packages.iter().map(|p| normalize(p)).collect();
            targets.iter().map(|target| pins(old, target, &upgrade)).collect()
        }
        None => Vec::new(),
    };
    let exclude_newer = manifest
        .settings
        .exclude_newer
        .as_deref()
        .map(|text| ExcludeNewer::parse(text).and_then(|value| value.cutoff()))
        .transpose()
        .map_err(Error::ExcludeNewer)?;
    // The host may take an sdist whose PKG-INFO does not hold its
    // dependencies: the project's own interpreter builds its metadata, as
    // uv does, unless `--no-build`.
    let OpenedStore { store, .. } = &WheelStore::open(cache)?;
    let builder = (!settings.no_build).then(|| ProjectBuilder {
        store,
        index: &index,
        cache,
        printer,
        manifest: &manifest,
        python: std::sync::OnceLock::new(),
    });
    let local = local_metadata(&manifest, builder.as_ref())?;
    let request = Request {
        roots: resolve::roots(&manifest),
        constraints: manifest.constraints.clone(),
        requires_python: manifest.requires_python.clone(),
        targets,
        preferences,
        exclude_newer,
        prereleases: options.prereleases,
        index: &index,
        sdist_metadata: builder.as_ref().map(|b| b as &dyn resolve::SdistMetadata),
        local,
    };
    let resolution = resolve::resolve(&request).map_err(Error::Resolve)?;

    let tool = FenvTool {
        targets: specs.iter().map(ToString::to_string).collect(),
        inputs_hash,
        inputs,
        default_groups: Some(manifest.default_groups()).filter(|groups| !groups.is_empty()),
        options: crate::lock::Options {
            index_url: options.index_url.as_deref().map(crate::index::redact),
            ..options.clone()
        },
    };
    let lock = resolve::to_lock(&manifest, &request, &resolution, &index_url, tool);
    let rendered = lock::render(&lock);
    let changed =
        existing.is_none() || fs_err::read_to_string(&lock_path).ok().as_deref() != Some(rendered.as_str());
    if changed {
        crate::fs::write_atomic(&lock_path, &rendered)
            .map_err(|source| crate::fs::PathError::new("write", lock_path.clone(), source))?;
    }
    let count = resolution.packages.len();
    printer.info(format!(
        "{} {count} package{} for {} in {} ms",
        if changed { "Locked" } else { "Kept" },
        if count == 1 { "" } else { "s" },
        resolve::target::describe(&request.targets.iter().collect::<Vec<_>>()),
        started.elapsed().as_millis()
    ));
    for line in forks(&resolution) {
        printer.info(line);
    }
    vercel_install(&manifest, &specs, printer)?;
    // The process ends here: freeing tens of thousands of cached index
    // entries one by one would cost a fifth of a warm lock's time.
    std::mem::forget(request);
    std::mem::forget(resolution);
    std::mem::forget(index);
    Ok(())
}

/// The environment (platform and CPython minor) the interpreter `info`
/// runs in, as `[tool.fenv] environments` names them.
pub fn environment_of(
    info: &crate::python::InterpreterInfo,
) -> Result<manifest::environments::Environment, Error> {
    let markers = &info.markers;
    let musl = info.libc.as_ref().is_some_and(|libc| libc.kind == "musl");
    let platform =
        manifest::environments::platform_of(&markers.sys_platform, &markers.platform_machine, musl)
            .ok_or_else(|| {
                Error::Environments(format!(
                    "`{}` runs on {} {}, which is none of the platforms fenv locks for ({})",
                    info.executable.display(),
                    markers.sys_platform,
                    markers.platform_machine,
                    manifest::environments::platform_names()
                ))
            })?;
    Ok(manifest::environments::Environment {
        platform,
        python: (info.version[0], info.version[1]),
    })
}

/// The project's interpreter as a builder, found when a build is first
/// needed: most locks build nothing, and finding it may query every Python
/// on PATH.
#[derive(Debug)]
struct ProjectBuilder<'a> {
    store: &'a WheelStore,
    index: &'a IndexClient,
    cache: &'a Cache,
    printer: &'a Printer,
    manifest: &'a manifest::Manifest,
    python: std::sync::OnceLock<Option<crate::python::InterpreterInfo>>,
}

impl ProjectBuilder<'_> {
    fn get(&self) -> Option<crate::build::Builder<'_>> {
        let python = self
            .python
            .get_or_init(|| {
                project_python(self.manifest, &Discovery::from_env(self.cache, self.printer)).ok()
            })
            .as_ref()?;
        Some(crate::build::Builder {
            store: self.store,
            index: self.index,
            cache: self.cache,
            python,
            printer: self.printer,
        })
    }
}

impl resolve::SdistMetadata for ProjectBuilder<'_> {
    fn build_metadata(
        &self,
        package: &str,
        version: &str,
        file: &crate::index::File,
    ) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        match self.get() {
            Some(builder) => builder.build_metadata(package, version, file),
            None => Err("no Python was found to run its build backend with".into()),
        }
    }
}

/// The metadata of each path source of the project: from its
/// `pyproject.toml` when that is static (no Python runs), else from its
/// build backend run by the project's interpreter.
fn local_metadata(
    manifest: &manifest::Manifest,
    builder: Option<&ProjectBuilder<'_>>,
) -> Result<HashMap<String, CoreMetadata>, Error> {
    let mut out = HashMap::new();
    for (name, source) in &manifest.settings.sources {
        let dir = source.dir(&manifest.root);
        let failed = |reason: String| Error::Source {
            package: name.clone(),
            path: source.path.clone(),
            reason,
        };
        let text = fs_err::read_to_string(dir.join("pyproject.toml")).unwrap_or_default();
        let metadata = match crate::dist::pyproject::tree_metadata(&text) {
            Ok(metadata) => metadata,
            Err(why) => {
                let Some(builder) = builder.and_then(ProjectBuilder::get) else {
                    return Err(failed(format!(
                        "{why}, and no Python was found to run its build backend"
                    )));
                };
                let bytes = builder.tree_metadata(name, &dir)?;
                CoreMetadata::parse(&bytes)
                    .map_err(|e| failed(format!("its backend wrote metadata that {e}")))?
            }
        };
        if normalize(&metadata.name) != *name {
            return Err(failed(format!("it describes `{}`, not `{name}`", metadata.name)));
        }
        Version::from_str(&metadata.version)
            .map_err(|e| failed(format!("its version `{}` is not valid: {e}", metadata.version)))?;
        out.insert(name.clone(), metadata);
    }
    Ok(out)
}

/// The versions `old` pins for `target`: each package whose marker holds
/// there (every extra and group on), but those being upgraded.
fn pins(old: &crate::lock::Lock, target: &Target, upgrade: &[String]) -> HashMap<String, Version> {
    let on = crate::lock::marker::Switches::All;
    let mut pins = HashMap::new();
    for package in &old.packages {
        let applies = package
            .marker
            .as_deref()
            .is_none_or(|marker| on.applies(marker, &target.markers).unwrap_or(false));
        if applies
            && !upgrade.contains(&package.name)
            && let Ok(version) = Version::from_str(&package.version)
        {
            pins.entry(package.name.clone()).or_insert(version);
        }
    }
    pins
}

/// `Forked numpy: 2.2.6, 2.3.1`, for each package the lock holds in
/// several versions.
fn forks(resolution: &resolve::Resolution) -> Vec<String> {
    let mut out = Vec::new();
    for group in resolution.packages.chunk_by(|a, b| a.name == b.name) {
        if let [first, ..] = group
            && group.len() > 1
        {
            let versions: Vec<String> = group.iter().map(|p| p.version.to_string()).collect();
            out.push(format!("Forked {}: {}", first.name, versions.join(", ")));
        }
    }
    out
}

/// For a project that deploys to Vercel: the `vercel-install` script that
/// makes Vercel install exactly the lock, added to `pyproject.toml` when
/// it has no `[tool.vercel.scripts]` table, else named in a note.
pub fn vercel_install(
    manifest: &crate::project::manifest::Manifest,
    specs: &[crate::project::manifest::TargetSpec],
    printer: &Printer,
) -> Result<(), Error> {
    use crate::project::vercel::{self, Install};
    let for_vercel = specs
        .iter()
        .any(|spec| matches!(spec, crate::project::manifest::TargetSpec::Vercel { .. }));
    if !for_vercel
        || manifest
            .file
            .file_name()
            .is_none_or(|name| name != "pyproject.toml")
    {
        return Ok(());
    }
    if vercel::add_install(&manifest.file)? {
        printer.info(format!(
            "Added `{}` to `[tool.vercel.scripts]` in `pyproject.toml`: with it, Vercel installs exactly `pylock.toml`",
            vercel::INSTALL_KEY
        ));
    } else if let Ok(text) = fs_err::read_to_string(&manifest.file)
        && let Install::Missing { table: true } = vercel::install(&text)
    {
        printer.warn(format!(
            "Vercel will not install `pylock.toml`: add `{} = \"{}\"` to `[tool.vercel.scripts]` in `pyproject.toml`",
            vercel::INSTALL_KEY,
            vercel::INSTALL_SCRIPT
        ));
    }
    Ok(())
}
