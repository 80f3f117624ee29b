//! An environment as a sync sees it: its interpreter, what it holds, what
//! a stopped sync left, and the plan that takes it to the lock. `fenv
//! sync`, `fenv check` and `fenv ci` read it the same way, so all three
//! agree on what "in sync" means.

use std::path::{Path, PathBuf};

use super::select::Environment;
use super::{Error, Plan, Selected, Selection, Source, pending};
use crate::cache::Cache;
use crate::dist::name::normalize;
use crate::install::{self, Distribution};
use crate::lock::Lock;
use crate::python::InterpreterInfo;
use crate::resolve::Target;
use crate::venv::Layout;
use crate::venv::cfg::PyvenvCfg;

/// An environment as a sync sees it: its interpreter, what it holds, and
/// the plan that takes it to the lock.
pub struct EnvState {
    pub env: PathBuf,
    pub info: InterpreterInfo,
    pub layout: Layout,
    pub cfg: PyvenvCfg,
    pub installed: Vec<Distribution>,
    /// What a stopped sync was changing, when one stopped.
    pub pending: Option<Vec<String>>,
    pub plan: Plan,
    /// What the plan was made from.
    pub selected: Vec<Selected>,
    seeds: Vec<String>,
    suspect: Vec<String>,
}

impl EnvState {
    pub fn read(
        env: &Path,
        locked: &Lock,
        selection: &Selection,
        cache: &Cache,
        no_build: bool,
    ) -> Result<Self, Error> {
        let (info, _) =
            crate::python::cache::query_cached(cache, &env.join("bin").join("python")).map_err(|source| {
                Error::QueryPython {
                    env: env.to_path_buf(),
                    source,
                }
            })?;
        let selected = select_for(locked, selection, &info, env, no_build)?;
        let cfg_path = env.join("pyvenv.cfg");
        let cfg = PyvenvCfg::parse(
            &fs_err::read_to_string(&cfg_path).map_err(crate::fs::PathError::with("read", &cfg_path))?,
        );
        let layout = Layout::for_interpreter(&info);
        let installed = install::installed(&env.join(&layout.site_packages))?;
        let seeds: Vec<String> = cfg
            .get("seed")
            .unwrap_or_default()
            .split_whitespace()
            .map(normalize)
            .collect();
        let pending = pending::read(env).map_err(crate::fs::PathError::with("read", &pending::path(env)))?;
        // Half-written installs (no RECORD yet) and whatever a stopped
        // sync was changing are installed again.
        let suspect: Vec<String> = installed
            .iter()
            .filter(|dist| !dist.dist_info.join("RECORD").is_file())
            .map(Distribution::normalized_name)
            .chain(pending.iter().flatten().cloned())
            .collect();
        let plan = super::plan(&installed, &selected, &seeds, &suspect);
        Ok(Self {
            env: env.to_path_buf(),
            info,
            layout,
            cfg,
            installed,
            pending,
            plan,
            selected,
            seeds,
            suspect,
        })
    }

    /// Plans again, installing `names` (locked packages) again too.
    pub fn reinstall(&mut self, names: &[String]) {
        self.suspect.extend(names.iter().cloned());
        self.plan = super::plan(&self.installed, &self.selected, &self.seeds, &self.suspect);
    }

    /// The locked, installed packages some of whose files differ from
    /// their `RECORD` (what `fenv check` reports as `file-*`).
    pub fn damaged(&self) -> Vec<String> {
        let site_packages = self.site_packages();
        let locked: Vec<&Distribution> = self
            .installed
            .iter()
            .filter(|d| self.selected.iter().any(|s| s.name == d.normalized_name()))
            .collect();
        let verified = crate::parallel::try_each(&locked, crate::install::INSTALL_JOBS, |_, dist| {
            Ok::<_, std::convert::Infallible>(install::verify::verify(&site_packages, &self.env, dist))
        });
        locked
            .iter()
            .zip(verified)
            .filter(|(_, verified)| verified.as_ref().is_ok_and(|v| !v.problems.is_empty()))
            .map(|(dist, _)| dist.normalized_name())
            .collect()
    }

    pub fn site_packages(&self) -> PathBuf {
        self.env.join(&self.layout.site_packages)
    }
}

/// The lock's packages for an environment of `info`'s interpreter at
/// `env`: what a sync installs, or why the lock does not fit it (which
/// includes an sdist to build under `--no-build`).
pub fn select_for(
    locked: &Lock,
    selection: &Selection,
    info: &InterpreterInfo,
    env: &Path,
    no_build: bool,
) -> Result<Vec<Selected>, Error> {
    let target = Target::host(info).map_err(|reason| Error::UnsupportedHost { reason })?;
    let environment = Environment {
        description: &target.description,
        python: &target.python,
        markers: &target.markers,
        tags: &target.tags,
        allow_sdist: target.allow_sdist,
    };
    let selected = super::select(locked, &environment, Some(selection)).and_then(|selected| {
        match selected
            .iter()
            .find(|s| no_build && matches!(s.source, Source::Sdist | Source::Directory(_)))
        {
            Some(sdist) => Err(Error::BuildForbidden {
                package: sdist.name.clone(),
                version: sdist.version.clone(),
            }),
            None => Ok(selected),
        }
    });
    let mut selected = selected.map_err(|source| Error::Sync {
        env: env.to_path_buf(),
        source: Box::new(source),
    })?;
    // What each folder holds now decides whether its install is current.
    for package in &mut selected {
        if let Source::Directory(directory) = &package.source {
            package.fingerprint = Some(crate::build::fingerprint(&directory.dir, directory.editable)?);
        }
    }
    Ok(selected)
}
