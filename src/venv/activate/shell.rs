//! Shells: detection and the command that activates an env in each. STUB.

use std::path::Path;

/// A shell fenv writes an activation script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Sh,
    Ksh,
    Fish,
    Csh,
    Nushell,
    Xonsh,
    PowerShell,
    Cmd,
}

impl Shell {
    /// Parses a shell name (`bash`, `zsh`, `fish`, `tcsh`, `nu`, `pwsh`, …).
    pub fn from_name(name: &str) -> Option<Self> {
        let _ = name;
        None
    }

    /// The user's shell: the parent process's, else `$SHELL`.
    pub fn detect() -> Option<Self> {
        None
    }

    /// The exact, quoted command that activates the env at `env_dir`
    /// (`bin_name` is `bin` or `Scripts`).
    pub fn activation_command(self, env_dir: &Path, bin_name: &str) -> String {
        format!("source {}/{bin_name}/activate", env_dir.display())
    }
}
