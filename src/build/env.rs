//! The isolated build environment: a fresh venv without pip, holding
//! only the build requirements, resolved by fenv's resolver for the
//! environment's Python and installed by fenv's installer from the
//! lock's index.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep508_rs::Requirement;

use crate::build::Error;
use crate::dist::name::{WheelFilename, normalize};
use crate::index::IndexClient;
use crate::install::{self, InstallOptions, Linker, WheelStore};
use crate::printer::Printer;
use crate::python::InterpreterInfo;
use crate::resolve::{self, Origin, Request, Root, Target};
use crate::venv::{self, CreateOptions, InterpreterLink, Layout, OnExisting, Seed, Seeder};

/// A build environment and what has been installed into it.
pub(super) struct BuildEnv {
    root: PathBuf,
    layout: Layout,
    info: InterpreterInfo,
    target: Target,
    /// Normalized names of the distributions installed so far.
    installed: BTreeSet<String>,
}

impl BuildEnv {
    /// Creates an empty environment of `info` at `root` (a missing folder).
    pub fn create(
        root: &Path,
        info: &InterpreterInfo,
        store: &WheelStore,
        printer: &Printer,
    ) -> Result<Self, Error> {
        let linker = Linker::new(None);
        let seeder = Seeder {
            store,
            linker: &linker,
            compile_bytecode: false,
            index: None,
        };
        let options = CreateOptions {
            system_site_packages: false,
            link: InterpreterLink::Symlink,
            on_existing: OnExisting::Refresh,
            // The backend needs no pip: fenv installs the requirements.
            seed: Seed::None,
            prompt: None,
            scm_ignore_files: false,
            relocatable: false,
        };
        let created = venv::create(root, info, &options, &seeder, printer)
            .map_err(|e| Error::Environment(Box::new(e)))?;
        let target = Target::host(info).map_err(|reason| Error::Interpreter { reason })?;
        Ok(Self {
            root: created.path,
            layout: created.layout,
            info: info.clone(),
            target,
            installed: BTreeSet::new(),
        })
    }

    /// The environment's `python`.
    pub fn python(&self) -> PathBuf {
        self.root.join(&self.layout.bin).join("python")
    }

    /// The environment's `bin/`, for `PATH`.
    pub fn bin(&self) -> PathBuf {
        self.root.join(&self.layout.bin)
    }

    /// Resolves `requires` together and installs every package of the
    /// answer not yet installed (a later round only adds to the first).
    pub fn install(
        &mut self,
        requires: &[String],
        index: &IndexClient,
        store: &WheelStore,
        printer: &Printer,
    ) -> Result<(), Error> {
        if requires.is_empty() {
            return Ok(());
        }
        let roots = requires
            .iter()
            .map(|text| {
                Requirement::from_str(text)
                    .map(|requirement| Root {
                        origin: Origin::Main,
                        requirement,
                    })
                    .map_err(|err| Error::InvalidRequirement {
                        requirement: text.clone(),
                        reason: err.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let request = Request {
            roots,
            constraints: Vec::new(),
            requires_python: None,
            targets: vec![self.target.clone()],
            preferences: Vec::new(),
            exclude_newer: None,
            // Build requirements come as wheels, never built themselves.
            sdist_metadata: None,
            local: std::collections::HashMap::new(),
            prereleases: false,
            index,
        };
        let resolution = resolve::resolve(&request).map_err(|source| Error::Resolve {
            requires: requires.join(", "),
            source: Box::new(source),
        })?;
        let target = self
            .layout
            .install_target(&self.root, &self.root, &self.info, false);
        let linker = Linker::new(None);
        let options = InstallOptions {
            linker: &linker,
            requested: false,
            direct_url: None,
            source_tree: None,
        };
        for package in &resolution.packages {
            if self.installed.contains(&package.name) {
                continue;
            }
            let best = package
                .files
                .iter()
                .filter_map(|file| {
                    let parsed = WheelFilename::parse(&file.filename)?;
                    Some((self.target.tags.rank(&parsed.tags)?, file))
                })
                .min_by_key(|(rank, _)| *rank)
                .map(|(_, file)| file)
                .ok_or_else(|| Error::RequirementSdistOnly {
                    requirement: package.name.clone(),
                    version: package.version.to_string(),
                })?;
            let scratch = store.scratch_dir();
            let download = crate::fs::Scratch::new_in(scratch, "download-")
                .map_err(crate::fs::PathError::with("create a folder in", scratch))?;
            let path = index
                .download(best, download.path())
                .map_err(|source| Error::Download {
                    requirement: package.name.clone(),
                    source: Box::new(source),
                })?;
            let install_error = |source| Error::Install {
                requirement: package.name.clone(),
                source,
            };
            let wheel = store.add(&path).map_err(install_error)?;
            install::install(&wheel, &target, &options).map_err(install_error)?;
            printer.verbose(format!(
                "build environment: installed {} {}",
                package.name, package.version
            ));
            self.installed.insert(normalize(&package.name));
        }
        Ok(())
    }
}
