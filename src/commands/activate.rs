//! `fenv activate`: print the command that activates an environment.

use std::path::Path;

use anyhow::{Result, bail};

use crate::error::ExitStatus;
use crate::printer::Printer;
use crate::venv::activate::Shell;

pub fn activate(dir: &Path, shell: Option<&str>, printer: &Printer) -> Result<ExitStatus> {
    let shell = match shell {
        Some(name) => match Shell::from_name(name) {
            Some(shell) => shell,
            None => bail!(
                "unknown shell `{name}`; fenv knows bash, zsh, sh, dash, ksh, mksh, fish, csh, tcsh, nu, xonsh, pwsh and cmd"
            ),
        },
        None => Shell::detect().unwrap_or(Shell::Bash),
    };
    if !dir.join("pyvenv.cfg").is_file() {
        bail!(
            "`{}` is not a virtual environment (it has no `pyvenv.cfg`); create it with `fenv create {}`",
            dir.display(),
            dir.display()
        );
    }
    let bin_name = if dir.join("Scripts").is_dir() && !dir.join("bin").is_dir() {
        "Scripts"
    } else {
        "bin"
    };
    if !dir.join(bin_name).join(shell.script_name()).is_file() {
        // A relocatable environment has no csh script (csh cannot find
        // where a sourced file is), and cmd's needs a path it can hold.
        bail!(
            "`{}` has no `{}` for {shell}; run commands in it with `fenv run --env {} -- CMD`, or activate it from another shell (bash, zsh, fish, …)",
            dir.display(),
            shell.script_name(),
            dir.display()
        );
    }
    printer.data(shell.activation_command(dir, bin_name));
    Ok(ExitStatus::Success)
}
