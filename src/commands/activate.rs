//! `fenv activate`: print the command that activates an environment.

use std::path::Path;

use anyhow::Result;

use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::venv::Error;
use crate::venv::activate::Shell;

pub fn activate(dir: &Path, shell: Option<&str>, printer: &Printer) -> Result<ExitStatus> {
    let shell = match shell {
        Some(name) => Shell::from_name(name).ok_or_else(|| Error::UnknownShell {
            name: name.to_string(),
        })?,
        None => Shell::detect().unwrap_or(Shell::Bash),
    };
    if !dir.join("pyvenv.cfg").is_file() {
        return Err(Error::NotAnEnvironment {
            path: dir.to_path_buf(),
        }
        .into());
    }
    let bin_name = if dir.join("Scripts").is_dir() && !dir.join("bin").is_dir() {
        "Scripts"
    } else {
        "bin"
    };
    if !dir.join(bin_name).join(shell.script_name()).is_file() {
        return Err(Error::NoActivationScript {
            path: dir.to_path_buf(),
            shell,
            script: shell.script_name(),
        }
        .into());
    }
    printer.data(shell.activation_command(dir, bin_name));
    Ok(ExitStatus::Success)
}
