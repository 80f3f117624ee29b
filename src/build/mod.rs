//! Building a wheel from a source distribution (PEP 517), for packages
//! locked only as an sdist for the host.
//!
//! The sdist, already verified against the lock, is unpacked safely
//! ([`crate::dist::sdist`]); its `[build-system]` is read (`system.rs`); an isolated
//! environment of the target's Python gets the build requirements,
//! resolved and installed by fenv itself ([`env`]); the embedded
//! `frontend.py` then calls the backend's hooks in that environment. The
//! wheel goes into the wheel store, and `built/<sdist sha256>` remembers
//! it, so the same sdist is never built twice.
//!
//! This module builds; when to build is the sync's choice
//! ([`mod@crate::sync::fetch`]). Nothing here touches the target environment.

mod env;
mod hooks;
mod system;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Instant;

use pep440_rs::Version;

use crate::cache::Cache;
use crate::dist::name::{WheelFilename, normalize};
use crate::error::Hint;
use crate::fs::PathError;
use crate::index::IndexClient;
use crate::install::{UnpackedWheel, WheelStore};
use crate::printer::Printer;
use crate::python::InterpreterInfo;
use env::BuildEnv;
use hooks::Hooks;
use system::BuildSystem;

/// What can go wrong building a wheel from an sdist.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("failed to build `{package}` {version} from its source distribution")]
    Failed {
        package: String,
        version: String,
        #[source]
        source: Box<Error>,
    },

    #[error("the source distribution cannot be unpacked: {reason}")]
    InvalidSdist { reason: String },

    #[error("the source tree cannot be built: {reason}")]
    BuildSystem { reason: String },

    #[error("the interpreter cannot be described: {reason}")]
    Interpreter { reason: String },

    #[error("failed to create the isolated build environment")]
    Environment(#[source] Box<crate::venv::Error>),

    #[error("the build requirement `{requirement}` is not valid: {reason}")]
    InvalidRequirement { requirement: String, reason: String },

    #[error("failed to resolve the build requirements ({requires})")]
    Resolve {
        requires: String,
        #[source]
        source: Box<crate::resolve::Error>,
    },

    #[error("the build requirement `{requirement}` {version} has no wheel for this Python")]
    RequirementSdistOnly { requirement: String, version: String },

    #[error("failed to download the build requirement `{requirement}`")]
    Download {
        requirement: String,
        #[source]
        source: Box<crate::index::Error>,
    },

    #[error("failed to install the build requirement `{requirement}`")]
    Install {
        requirement: String,
        #[source]
        source: crate::install::Error,
    },

    #[error("the backend's `{hook}` hook failed ({status}); its last output:\n{output}")]
    Backend {
        hook: &'static str,
        status: String,
        output: String,
    },

    #[error("the backend's `{hook}` hook answered something fenv cannot use: {reason}")]
    Answer { hook: &'static str, reason: String },

    #[error("the backend built `{wheel}`, which is not a wheel of `{package}` {version}")]
    WrongWheel {
        wheel: String,
        package: String,
        version: String,
    },

    #[error("failed to add the built wheel to the wheel store")]
    Store(#[source] crate::install::Error),

    #[error(transparent)]
    Io(#[from] crate::fs::PathError),
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            // The chain shows the boxed source as a `Box`, which the hint
            // walk cannot downcast: ask it here.
            Self::Failed { source, .. } => source.hint(),
            Self::Interpreter { .. } | Self::Io(_) => None,
            Self::InvalidSdist { .. } => {
                Some("the file is damaged or hostile; ask the package's authors for a wheel".into())
            }
            Self::BuildSystem { .. } | Self::Backend { .. } | Self::Answer { .. } | Self::WrongWheel { .. } => {
                Some(
                    "the package does not build here; pin a version that ships wheels for this Python, or build a wheel yourself and lock with `--find-links`"
                        .into(),
                )
            }
            Self::InvalidRequirement { .. } | Self::RequirementSdistOnly { .. } => Some(
                "fenv installs build requirements from wheels only; pin a version of the package that ships wheels"
                    .into(),
            ),
            Self::Environment(source) => source.hint(),
            Self::Resolve { source, .. } => source.hint(),
            Self::Download { source, .. } => source.hint(),
            Self::Install { source, .. } | Self::Store(source) => source.hint(),
        }
    }
}

/// Builds wheels from sdists, for one target environment.
#[derive(Debug)]
pub struct Builder<'a> {
    pub store: &'a WheelStore,
    /// Where the build requirements come from: the lock's index.
    pub index: &'a IndexClient,
    /// For `built/` (what was built from which sdist) and the work folders.
    pub cache: &'a Cache,
    /// The interpreter of the environment the wheels are for; the build
    /// environment is made from its base interpreter.
    pub python: &'a InterpreterInfo,
    pub printer: &'a Printer,
}

impl Builder<'_> {
    /// The wheel built before from the sdist with this sha256, if the
    /// store still holds it.
    pub fn built(&self, sdist_sha256: &str) -> Option<UnpackedWheel> {
        let pointer = self.cache.bucket("built").ok()?.join(sdist_sha256);
        let text = fs_err::read_to_string(pointer).ok()?;
        let wheel_sha256 = text.trim();
        if wheel_sha256.len() != 64 || !wheel_sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.store.cached(wheel_sha256)
    }

    /// `built/` and a lock on this sdist's entry in it: one build of an
    /// sdist at a time; the others wait, then find its wheel. Best effort,
    /// as all of `built/` is: a read-only cache still builds, unlocked.
    fn claim(&self, sdist_sha256: &str) -> (Option<PathBuf>, Option<fs_err::File>) {
        let dir = self.cache.bucket("built").ok();
        let lock = dir
            .as_ref()
            .and_then(|dir| lock_file(&dir.join(format!("{sdist_sha256}.lock"))).ok());
        (dir, lock)
    }

    /// Builds the verified sdist at `sdist` of `package` `version` into a
    /// wheel in the store, unless another fenv built it meanwhile.
    pub fn build(
        &self,
        package: &str,
        version: &str,
        sdist: &Path,
        sdist_sha256: &str,
    ) -> Result<UnpackedWheel, Error> {
        let failed = failed(package, version);
        let (built_dir, _lock) = self.claim(sdist_sha256);
        if let Some(found) = self.built(sdist_sha256) {
            return Ok(found);
        }
        self.printer.info(format!(
            "Building {package}=={version} from its source distribution"
        ));
        let started = Instant::now();
        let wheel = self.build_uncached(package, version, sdist).map_err(failed)?;
        if let Some(dir) = built_dir {
            Self::remember(&dir, sdist_sha256, &wheel);
        }
        self.printer.verbose(format!(
            "built {} in {} ms",
            wheel.file_name,
            started.elapsed().as_millis()
        ));
        Ok(wheel)
    }

    /// The core metadata (`METADATA` bytes) of the verified sdist at
    /// `sdist`, for a resolver that cannot read it from `PKG-INFO`: PEP
    /// 517 `prepare_metadata_for_build_wheel`, else a whole wheel build,
    /// whose wheel is then kept for the sync, as [`Builder::build`] keeps
    /// it.
    pub fn metadata(
        &self,
        package: &str,
        version: &str,
        sdist: &Path,
        sdist_sha256: &str,
    ) -> Result<Vec<u8>, Error> {
        let failed = failed(package, version);
        let (built_dir, _lock) = self.claim(sdist_sha256);
        if let Some(found) = self.built(sdist_sha256) {
            return read_metadata(&found).map_err(failed);
        }
        self.printer.info(format!(
            "Reading the metadata of {package}=={version} from its source distribution"
        ));
        let built = self
            .with_backend(Tree::Sdist(sdist), false, |hooks, env, work| {
                let out = work.join("metadata");
                fs_err::create_dir(&out).map_err(PathError::with("create", &out))?;
                if let Some(dist_info) = hooks.prepare_metadata_for_build_wheel(env, &out)? {
                    let path = out.join(dist_info).join("METADATA");
                    return fs_err::read(&path)
                        .map(|bytes| (bytes, None))
                        .map_err(|e| PathError::new("read", &path, e).into());
                }
                let wheel = self.wheel(hooks, env, work, package, Some(version), false)?;
                Ok((read_metadata(&wheel)?, Some(wheel)))
            })
            .map_err(failed)?;
        let (metadata, wheel) = built;
        if let (Some(dir), Some(wheel)) = (built_dir, wheel) {
            Self::remember(&dir, sdist_sha256, &wheel);
        }
        Ok(metadata)
    }

    fn build_uncached(&self, package: &str, version: &str, sdist: &Path) -> Result<UnpackedWheel, Error> {
        self.with_backend(Tree::Sdist(sdist), false, |hooks, env, work| {
            self.wheel(hooks, env, work, package, Some(version), false)
        })
    }

    /// The core metadata of the source tree in the folder `dir` (a path
    /// source of the project), from its backend: PEP 517
    /// `prepare_metadata_for_build_wheel`, else a wheel built and read.
    pub fn tree_metadata(&self, package: &str, dir: &Path) -> Result<Vec<u8>, Error> {
        self.printer.info(format!(
            "Reading the metadata of {package} from `{}`",
            crate::fs::user_display(dir)
        ));
        self.with_backend(Tree::Folder(dir), false, |hooks, env, work| {
            let out = work.join("metadata");
            fs_err::create_dir(&out).map_err(PathError::with("create", &out))?;
            if let Some(dist_info) = hooks.prepare_metadata_for_build_wheel(env, &out)? {
                let path = out.join(dist_info).join("METADATA");
                return fs_err::read(&path).map_err(|e| PathError::new("read", &path, e).into());
            }
            read_metadata(&self.wheel(hooks, env, work, package, None, false)?)
        })
        .map_err(failed(package, "(source tree)"))
    }

    /// A wheel of the source tree in `dir`, editable (PEP 660) or not,
    /// for the lock's `version` (empty: any). `fingerprint` says what the
    /// tree holds now ([`fingerprint`]): a tree built
    /// before with the same fingerprint, for the same interpreter, is not
    /// built again.
    pub fn build_tree(
        &self,
        package: &str,
        version: &str,
        dir: &Path,
        editable: bool,
        fingerprint: &str,
    ) -> Result<UnpackedWheel, Error> {
        let key = crate::hash::sha256_hex(
            format!(
                "tree\n{}\n{editable}\n{fingerprint}\n{}\n{:?}",
                dir.display(),
                self.python.executable.display(),
                self.python.version
            )
            .as_bytes(),
        );
        let shown = if version.is_empty() {
            "(source tree)"
        } else {
            version
        };
        let (built_dir, _lock) = self.claim(&key);
        if let Some(found) = self.built(&key) {
            return Ok(found);
        }
        self.printer.info(format!(
            "Building {package}{} from `{}`",
            if editable { " (editable)" } else { "" },
            crate::fs::user_display(dir)
        ));
        let version = (!version.is_empty()).then_some(version);
        let wheel = self
            .with_backend(Tree::Folder(dir), editable, |hooks, env, work| {
                self.wheel(hooks, env, work, package, version, editable)
            })
            .map_err(failed(package, shown))?;
        if let Some(dir) = built_dir {
            Self::remember(&dir, &key, &wheel);
        }
        Ok(wheel)
    }

    /// Runs `step` with the backend of `tree` ready to call: an sdist
    /// unpacked in a work folder, or a folder used where it is (as pip and
    /// uv build a local project); its build environment made. The work
    /// folder goes when the step ends, either way.
    fn with_backend<T>(
        &self,
        tree: Tree<'_>,
        editable: bool,
        step: impl FnOnce(&Hooks<'_>, &BuildEnv, &Path) -> Result<T, Error>,
    ) -> Result<T, Error> {
        // Step 1: a work folder on the cache's filesystem (the store's
        // hardlinks need it), removed when the build ends either way.
        let parent = self.store.scratch_dir();
        let work_dir = crate::fs::Scratch::new_in(parent, "build-")
            .map_err(PathError::with("create a folder in", parent))?;
        let work = work_dir.path();

        // Step 2: the source tree, unpacked with every path checked.
        let tree = match tree {
            Tree::Sdist(sdist) => {
                let unpacked = work.join("src");
                fs_err::create_dir(&unpacked).map_err(PathError::with("create", &unpacked))?;
                crate::dist::sdist::unpack(sdist, &unpacked)
                    .map_err(|reason| Error::InvalidSdist { reason })?
            }
            Tree::Folder(dir) => dir.to_path_buf(),
        };

        // Step 3: PEP 517/518 `[build-system]`, with the legacy defaults.
        let system = BuildSystem::read(&tree).map_err(|reason| Error::BuildSystem { reason })?;

        // Step 4: PEP 517 "isolated build environment": only `requires`.
        let base = self.base_interpreter();
        let mut env = BuildEnv::create(&work.join("env"), &base, self.store, self.printer)?;
        env.install(&system.requires, self.index, self.store, self.printer)?;

        // Step 5: `get_requires_for_build_wheel`, installed beside them.
        let hooks = Hooks::new(&tree, &system, work)?;
        let extra = hooks.get_requires(&env, editable)?;
        if !extra.is_empty() {
            let all: Vec<String> = system.requires.iter().chain(&extra).cloned().collect();
            env.install(&all, self.index, self.store, self.printer)?;
        }
        step(&hooks, &env, work)
    }

    /// Step 6: `build_wheel` (or `build_editable`), then the wheel
    /// checked to be of `package` (at `version`, when one is locked) and
    /// stored.
    fn wheel(
        &self,
        hooks: &Hooks<'_>,
        env: &BuildEnv,
        work: &Path,
        package: &str,
        version: Option<&str>,
        editable: bool,
    ) -> Result<UnpackedWheel, Error> {
        let out = work.join("out");
        fs_err::create_dir(&out).map_err(PathError::with("create", &out))?;
        let name = hooks.build(env, &out, editable)?;
        let wrong = || Error::WrongWheel {
            wheel: name.clone(),
            package: package.to_string(),
            version: version.unwrap_or("(any version)").to_string(),
        };
        let parsed = WheelFilename::parse(&name).ok_or_else(wrong)?;
        let same_version = version.is_none_or(|version| {
            match (Version::from_str(&parsed.version), Version::from_str(version)) {
                (Ok(built), Ok(locked)) => built == locked,
                _ => parsed.version == version,
            }
        });
        if parsed.normalized_name() != normalize(package) || !same_version {
            return Err(wrong());
        }
        self.store.add(&out.join(&name)).map_err(Error::Store)
    }

    /// `built/<sdist sha256>`: which stored wheel the sdist became. Only a
    /// shortcut for the next time: a cache that cannot take it is skipped.
    fn remember(dir: &Path, sdist_sha256: &str, wheel: &UnpackedWheel) {
        let _ = crate::fs::write_atomic(&dir.join(sdist_sha256), format!("{}\n", wheel.sha256));
    }

    /// The interpreter the target environment was made from, which the
    /// build environment is made from too (as `python -m venv` run
    /// inside a venv would); the environment's own when it cannot be told.
    fn base_interpreter(&self) -> InterpreterInfo {
        let python = self.python;
        if python.prefix == python.base_prefix {
            return python.clone();
        }
        crate::python::cache::query_cached(self.cache, &python.base_executable)
            .map_or_else(|_| python.clone(), |(info, _)| info)
    }
}

/// What a backend builds from.
#[derive(Debug, Clone, Copy)]
enum Tree<'p> {
    /// A verified sdist, unpacked into the work folder first.
    Sdist(&'p Path),
    /// A source tree in a folder of the project, built where it is.
    Folder(&'p Path),
}

/// The resolver's way to the metadata of an sdist for the host: the sdist
/// downloaded (and checked) into a scratch folder, then
/// [`Builder::metadata`].
impl crate::resolve::SdistMetadata for Builder<'_> {
    fn build_metadata(
        &self,
        package: &str,
        version: &str,
        file: &crate::index::File,
    ) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        let scratch = tempfile::Builder::new()
            .prefix("fenv-sdist-")
            .tempdir()
            .map_err(PathError::with("create a folder in", std::env::temp_dir()))?;
        let sdist = self.index.download(file, scratch.path())?;
        let sha256 = file.sha256.as_deref().unwrap_or_default();
        Ok(self.metadata(package, version, &sdist, sha256)?)
    }
}

/// Folders of a source tree that hold no source: version control, envs,
/// caches, and what builds leave behind.
const NOT_SOURCE: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
];

/// At most this many entries in a source tree: a folder that large is
/// not a library's source.
const TREE_ENTRIES: usize = 100_000;

/// What the source tree in `dir` holds now, as a sha256 of each file's
/// path, size and modification time: a non-editable install is built
/// again when it changes. An editable install sees its code live, so
/// only its metadata files count.
pub fn fingerprint(dir: &Path, editable: bool) -> Result<String, Error> {
    if !dir.is_dir() {
        return Err(Error::BuildSystem {
            reason: format!("`{}` is not a folder", crate::fs::user_display(dir)),
        });
    }
    let mut text = String::from("fenv-tree 1\n");
    let mut add = |path: &Path, meta: &std::fs::Metadata| {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let relative = path.strip_prefix(dir).unwrap_or(path);
        text.push_str(&format!("{}\0{}\0{modified}\n", relative.display(), meta.len()));
    };
    if editable {
        for name in crate::dist::pyproject::TREE_METADATA_FILES {
            let path = dir.join(name);
            if let Ok(meta) = fs_err::metadata(&path) {
                add(&path, &meta);
            }
        }
    } else {
        let entries = crate::fs::walk(dir, |entry| {
            let name = entry.file_name().to_string_lossy();
            !(entry.file_type().is_dir()
                && (NOT_SOURCE.contains(&name.as_ref()) || name.ends_with(".egg-info")))
        });
        for (count, entry) in entries.enumerate() {
            let entry = entry.map_err(|err| Error::BuildSystem {
                reason: err.to_string(),
            })?;
            if count >= TREE_ENTRIES {
                return Err(Error::BuildSystem {
                    reason: format!(
                        "`{}` holds more than {TREE_ENTRIES} files",
                        crate::fs::user_display(dir)
                    ),
                });
            }
            if entry.file_type().is_file() {
                let meta = entry.metadata().map_err(|err| Error::BuildSystem {
                    reason: err.to_string(),
                })?;
                add(entry.path(), &meta);
            }
        }
    }
    Ok(crate::hash::sha256_hex(text.as_bytes()))
}

/// The `METADATA` of a stored wheel.
fn read_metadata(wheel: &UnpackedWheel) -> Result<Vec<u8>, Error> {
    let path = wheel.root.join(&wheel.dist_info).join("METADATA");
    fs_err::read(&path).map_err(|e| PathError::new("read", &path, e).into())
}

/// Wraps a build error in which package and version it was for.
fn failed<'a>(package: &'a str, version: &'a str) -> impl Fn(Error) -> Error + 'a {
    move |source| Error::Failed {
        package: package.to_string(),
        version: version.to_string(),
        source: Box::new(source),
    }
}

/// An exclusive lock on `path`, held until the file is dropped.
fn lock_file(path: &Path) -> Result<fs_err::File, Error> {
    let file = fs_err::File::create(path).map_err(PathError::with("create", path))?;
    file.lock().map_err(PathError::with("lock", path))?;
    Ok(file)
}
