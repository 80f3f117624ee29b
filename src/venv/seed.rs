//! Putting pip into a new environment.
//!
//! fenv installs the very wheels the interpreter's own `ensurepip` would
//! (pip, plus setuptools where that version's venv adds it; a
//! distribution's `WHEEL_PKG_DIR` first, as ensurepip looks there),
//! through its native installer: no Python process, no network, the
//! files linked from the wheel store.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::install::{self, InstallOptions, Linker, Target, WheelStore};
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
    let target = Target::venv(at, final_root, layout, info, relocatable);
    let options = InstallOptions {
        linker: seeder.linker,
        requested: true,
        direct_url: None,
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

/// `--upgrade-deps`: `python -m pip install --upgrade pip` (and setuptools
/// before 3.12) with the environment's pip, from the package index.
pub fn upgrade_deps(
    env: &Path,
    layout: &Layout,
    info: &InterpreterInfo,
    printer: &Printer,
) -> Result<(), Error> {
    let projects = seed_packages(info);
    let mut args = vec!["-m", "pip", "install", "--upgrade"];
    args.extend(projects.iter().map(String::as_str));
    run_env_python(env, layout, &args, printer)
}

fn run_env_python(env: &Path, layout: &Layout, args: &[&str], printer: &Printer) -> Result<(), Error> {
    let python = env.join(&layout.bin).join(&layout.primary);
    let command = format!("{} {}", python.display(), args.join(" "));
    printer.verbose(format!("running `{command}`"));
    let output = Command::new(&python)
        .args(args)
        .current_dir(env)
        .env("VIRTUAL_ENV", env)
        .env_remove("PYTHONHOME")
        .env_remove("PYTHONPATH")
        .stdin(Stdio::null())
        .output()
        .map_err(Error::io("run", &python))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    printer.verbose(text.trim_end());
    if output.status.success() {
        Ok(())
    } else {
        Err(Error::Subprocess {
            command,
            status: output.status.to_string(),
            output: text,
        })
    }
}
