//! Putting pip into a new environment.
//!
//! fenv installs the very wheels the interpreter's own `ensurepip` would
//! (pip, plus setuptools where that version's venv adds it; a
//! distribution's `WHEEL_PKG_DIR` first, as ensurepip looks there),
//! through its native installer: no Python process, no network, the
//! files linked from the wheel store.

use std::path::Path;
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};

use crate::dist::name::WheelFilename;
use crate::index::{File as IndexFile, IndexClient};
use crate::install::{self, InstallOptions, Linker, Tags, WheelStore};
use crate::printer::Printer;
use crate::python::InterpreterInfo;
use crate::venv::{Error, Layout};

/// What seeding needs from outside the environment.
#[derive(Debug)]
pub struct Seeder<'a> {
    pub store: &'a WheelStore,
    pub linker: &'a Linker,
    /// Compile the installed `.py` files with the environment's Python.
    pub compile_bytecode: bool,
    /// Where `--upgrade-deps` looks; `None` when offline.
    pub index: Option<&'a IndexClient>,
}

/// The projects seeding installs for this interpreter, sorted.
pub fn seed_packages(info: &InterpreterInfo) -> Vec<String> {
    let mut projects: Vec<String> = info.ensurepip.wheels.iter().map(|w| w.project.clone()).collect();
    projects.sort();
    projects
}

/// Installs ensurepip's wheels into the environment being written at
/// `at`, whose final home is `final_root`.
pub fn seed_pip(
    at: &Path,
    final_root: &Path,
    layout: &Layout,
    info: &InterpreterInfo,
    relocatable: bool,
    seeder: &Seeder<'_>,
    printer: &Printer,
) -> Result<(), Error> {
    if !info.ensurepip.available || info.ensurepip.wheels.is_empty() {
        return Err(Error::NoEnsurepip {
            python: info.executable.clone(),
            version: info.version_string(),
        });
    }
    let target = layout.install_target(at, final_root, info, relocatable);
    let options = InstallOptions {
        linker: seeder.linker,
        requested: true,
        direct_url: None,
        source_tree: None,
    };
    let mut written = Vec::new();
    for wheel in &info.ensurepip.wheels {
        let unpacked = seeder.store.add(&wheel.path)?;
        let installed = install::install(&unpacked, &target, &options)?;
        printer.verbose(format!(
            "installed {} {} ({} files)",
            installed.name,
            installed.version,
            installed.files.len()
        ));
        written.extend(installed.files);
    }
    if let Some(mode) = seeder.linker.chosen() {
        printer.verbose(format!("linked files from the cache with mode `{}`", mode.name()));
    }
    if seeder.compile_bytecode {
        let python = at.join(&layout.bin).join(&layout.primary);
        install::compile_bytecode(&python, &written)?;
    }
    Ok(())
}

/// `--upgrade-deps`: the newest pip (and setuptools before 3.12) from
/// the index, downloaded into the cache (checked against the index's
/// sha256) and installed natively over the seeded versions. The
/// environment is already in place at `real` (its final home).
pub fn upgrade_deps(
    real: &Path,
    layout: &Layout,
    info: &InterpreterInfo,
    relocatable: bool,
    seeder: &Seeder<'_>,
    printer: &Printer,
) -> Result<(), Error> {
    let index = seeder.index.ok_or(Error::OfflineUpgradeDeps)?;
    let tags = Tags::for_interpreter(info);
    let python = Version::new(info.version.map(u64::from));
    let target = layout.install_target(real, real, info, relocatable);
    let site_packages = real.join(&layout.site_packages);
    let options = InstallOptions {
        linker: seeder.linker,
        requested: true,
        direct_url: None,
        source_tree: None,
    };
    for project in seed_packages(info) {
        let files = index.project(&project)?;
        let Some((version, file)) = newest_wheel(&files, &tags, &python) else {
            printer.warn(format!(
                "the index has no wheel of {project} for this Python; keeping the bundled one"
            ));
            continue;
        };
        let installed = install::installed::find(&site_packages, &project)?;
        if installed
            .as_ref()
            .is_some_and(|d| d.version == version.to_string())
        {
            printer.verbose(format!("{project} {version} is already the newest"));
            continue;
        }
        let wheel = if let Some(cached) = file.sha256.as_deref().and_then(|sha| seeder.store.cached(sha)) {
            cached
        } else {
            let downloads = crate::fs::Scratch::new_in(seeder.store.scratch_dir(), "download-").map_err(
                crate::fs::PathError::with("create a folder in", seeder.store.scratch_dir()),
            )?;
            printer.verbose(format!("downloading {}", file.url));
            let path = index.download(file, downloads.path())?;
            seeder.store.add(&path)?
        };
        let result = match installed {
            Some(old) => install::replace(&site_packages, real, &old.name, &wheel, &target, &options)?,
            None => install::install(&wheel, &target, &options)?,
        };
        printer.info(format!("Upgraded {} to {}", result.name, result.version));
    }
    Ok(())
}

/// The newest non-yanked, final-release wheel that fits the interpreter.
fn newest_wheel<'a>(
    files: &'a [IndexFile],
    tags: &Tags,
    python: &Version,
) -> Option<(Version, &'a IndexFile)> {
    files
        .iter()
        .filter(|file| !file.yanked)
        .filter(|file| {
            file.requires_python
                .as_deref()
                .and_then(|spec| VersionSpecifiers::from_str(spec).ok())
                .is_none_or(|spec| spec.contains(python))
        })
        .filter_map(|file| {
            let name = WheelFilename::parse(&file.filename)?;
            tags.rank(&name.tags)?;
            let version = Version::from_str(&name.version).ok()?;
            (!version.any_prerelease()).then_some((version, file))
        })
        .max_by(|a, b| a.0.cmp(&b.0))
}
