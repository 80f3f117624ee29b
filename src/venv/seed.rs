//! Putting pip into a new environment.
//!
//! For now this runs the environment's own `ensurepip`, exactly as
//! `python -m venv` does (venv-spec §9.1), so the result is the one the
//! interpreter itself would give.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::printer::Printer;
use crate::python::InterpreterInfo;
use crate::venv::{Error, Layout};

/// The packages `ensurepip` installs for this version's venv: pip, plus
/// setuptools before 3.12.
pub fn seed_packages(info: &InterpreterInfo) -> Vec<&'static str> {
    if info.minor() < (3, 12) {
        vec!["pip", "setuptools"]
    } else {
        vec!["pip"]
    }
}

/// `<env>/bin/python -m ensurepip --upgrade --default-pip`, in venv's
/// clean environment: `VIRTUAL_ENV` set, `PYTHONHOME`/`PYTHONPATH` removed,
/// run from the env folder (`-I` up to 3.9, as venv did then).
pub fn ensurepip(
    env: &Path,
    layout: &Layout,
    info: &InterpreterInfo,
    printer: &Printer,
) -> Result<(), Error> {
    if !info.ensurepip.available {
        return Err(Error::NoEnsurepip {
            python: info.executable.clone(),
            version: info.version_string(),
        });
    }
    let mut args = Vec::new();
    if info.minor() <= (3, 9) {
        args.push("-I");
    }
    args.extend(["-m", "ensurepip", "--upgrade", "--default-pip"]);
    run_env_python(env, layout, &args, printer)
}

/// `--upgrade-deps`: `python -m pip install --upgrade pip` (and setuptools
/// before 3.12) with the environment's pip, from the package index.
pub fn upgrade_deps(
    env: &Path,
    layout: &Layout,
    info: &InterpreterInfo,
    printer: &Printer,
) -> Result<(), Error> {
    let mut args = vec!["-m", "pip", "install", "--upgrade"];
    args.extend(seed_packages(info));
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
