//! Shells: which one the user runs, and the exact command that activates
//! an environment in it.
//!
//! Only naming and detection live here; the scripts themselves are
//! rendered by the parent module.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use super::quote;

/// A shell fenv writes an activation script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    /// A plain POSIX shell: sh, dash, ash.
    Sh,
    /// ksh93 and mksh.
    Ksh,
    Fish,
    /// csh and tcsh.
    Csh,
    Nushell,
    Xonsh,
    /// Windows PowerShell and PowerShell 7 (`pwsh`).
    PowerShell,
    Cmd,
}

impl Shell {
    /// Every shell, in the order `--help` lists them.
    #[cfg(test)]
    pub const ALL: [Self; 10] = [
        Self::Bash,
        Self::Zsh,
        Self::Sh,
        Self::Ksh,
        Self::Fish,
        Self::Csh,
        Self::Nushell,
        Self::Xonsh,
        Self::PowerShell,
        Self::Cmd,
    ];

    /// Parses a shell name (`bash`, `zsh`, `fish`, `tcsh`, `nu`, `pwsh`, …).
    /// Also takes a path (`/usr/bin/zsh`), a login shell's `-zsh` and a
    /// Windows `.exe` name, so `$SHELL` and process names work as they are.
    pub fn from_name(name: &str) -> Option<Self> {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let base = base.strip_prefix('-').unwrap_or(base).to_ascii_lowercase();
        let base = base.strip_suffix(".exe").unwrap_or(&base);
        let shell = match base {
            "bash" => Self::Bash,
            "zsh" => Self::Zsh,
            "sh" | "dash" | "ash" => Self::Sh,
            "ksh" | "ksh93" | "mksh" | "lksh" | "pdksh" => Self::Ksh,
            "fish" => Self::Fish,
            "csh" | "tcsh" => Self::Csh,
            "nu" | "nushell" => Self::Nushell,
            "xonsh" => Self::Xonsh,
            "pwsh" | "powershell" | "pwsh-preview" => Self::PowerShell,
            "cmd" => Self::Cmd,
            _ => return None,
        };
        Some(shell)
    }

    /// The user's shell: the parent process's (Linux `/proc`), else
    /// nushell's `NU_VERSION`, else `$SHELL`, else on Windows PowerShell
    /// or cmd. The parent comes first because `$SHELL` is the login shell,
    /// not necessarily the one running fenv.
    pub fn detect() -> Option<Self> {
        parent_process_name()
            .and_then(|name| Self::from_name(&name))
            .or_else(|| std::env::var_os("NU_VERSION").map(|_| Self::Nushell))
            .or_else(|| {
                let shell = std::env::var_os("SHELL")?;
                Self::from_name(&shell.to_string_lossy())
            })
            .or_else(windows_default)
    }

    /// The name fenv prints and `--shell` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bash => "bash",
            Self::Zsh => "zsh",
            Self::Sh => "sh",
            Self::Ksh => "ksh",
            Self::Fish => "fish",
            Self::Csh => "csh",
            Self::Nushell => "nu",
            Self::Xonsh => "xonsh",
            Self::PowerShell => "pwsh",
            Self::Cmd => "cmd",
        }
    }

    /// The activation script this shell runs, inside the env's bin folder.
    pub fn script_name(self) -> &'static str {
        match self {
            Self::Bash | Self::Zsh | Self::Sh | Self::Ksh => "activate",
            Self::Fish => "activate.fish",
            Self::Csh => "activate.csh",
            Self::Nushell => "activate.nu",
            Self::Xonsh => "activate.xsh",
            Self::PowerShell => "Activate.ps1",
            Self::Cmd => "activate.bat",
        }
    }

    /// The exact, quoted command that activates the env at `env_dir`
    /// (`bin_name` is `bin` or `Scripts`), ready to paste into this shell.
    /// A path that is a plain word stays unquoted; one that starts with
    /// `-` gets `./` so it cannot read as an option.
    pub fn activation_command(self, env_dir: &Path, bin_name: &str) -> String {
        let script = env_dir.join(bin_name).join(self.script_name());
        let mut path = script.to_string_lossy().into_owned();
        if path.starts_with('-') {
            path.insert_str(0, "./");
        }
        match self {
            Self::Bash | Self::Zsh => format!("source {}", word(&path, quote::sh)),
            Self::Sh | Self::Ksh => format!(". {}", word(&path, quote::sh)),
            Self::Fish => format!("source {}", word(&path, quote::fish)),
            Self::Csh => format!("source {}", word(&path, quote::csh)),
            Self::Nushell => format!("overlay use {}", word(&path, quote::nu)),
            Self::Xonsh => format!("source {}", word(&path, quote::python)),
            Self::PowerShell => format!("& {}", quote::powershell(&path)),
            Self::Cmd => cmd_word(&path),
        }
    }
}

impl fmt::Display for Shell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name no shell has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown shell `{0}`")]
pub struct UnknownShell(pub String);

impl FromStr for Shell {
    type Err = UnknownShell;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::from_name(name).ok_or_else(|| UnknownShell(name.to_owned()))
    }
}

/// `path` as is when every shell reads it as one plain word, else quoted.
fn word(path: &str, quote: fn(&str) -> String) -> String {
    let plain = |ch: char| ch.is_ascii_alphanumeric() || "_./+-".contains(ch);
    if !path.is_empty() && path.chars().all(plain) {
        path.to_owned()
    } else {
        quote(path)
    }
}

/// A path for the cmd.exe prompt: double quotes when it holds anything
/// but plain characters (Windows paths cannot hold `"`).
fn cmd_word(path: &str) -> String {
    let plain = |ch: char| ch.is_ascii_alphanumeric() || r"_./+-\:".contains(ch);
    if !path.is_empty() && path.chars().all(plain) {
        path.to_owned()
    } else {
        format!("\"{path}\"")
    }
}

/// The name of the process that started fenv, from `/proc` (Linux).
fn parent_process_name() -> Option<String> {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        let comm = fs_err::read_to_string(format!("/proc/{parent}/comm")).ok()?;
        Some(comm.trim_end().to_owned())
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// On Windows, with nothing else to go on: PowerShell sets `PSModulePath`
/// for its children; a plain cmd.exe session usually has only the
/// system's, which has no user `Documents` folder in it.
fn windows_default() -> Option<Shell> {
    if !cfg!(windows) {
        return None;
    }
    let modules = std::env::var("PSModulePath").unwrap_or_default();
    if modules.to_ascii_lowercase().contains("documents") {
        Some(Shell::PowerShell)
    } else {
        Some(Shell::Cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_paths_login_shells_and_exe() {
        let cases = [
            ("bash", Shell::Bash),
            ("/usr/bin/zsh", Shell::Zsh),
            ("-zsh", Shell::Zsh),
            ("-bash", Shell::Bash),
            ("sh", Shell::Sh),
            ("dash", Shell::Sh),
            ("ksh", Shell::Ksh),
            ("mksh", Shell::Ksh),
            ("ksh93", Shell::Ksh),
            ("fish", Shell::Fish),
            ("csh", Shell::Csh),
            ("/bin/tcsh", Shell::Csh),
            ("nu", Shell::Nushell),
            ("nushell", Shell::Nushell),
            ("xonsh", Shell::Xonsh),
            ("pwsh", Shell::PowerShell),
            ("powershell", Shell::PowerShell),
            (
                r"C:\Windows\System32\WindowsPowerShell\v1.0\PowerShell.exe",
                Shell::PowerShell,
            ),
            ("cmd", Shell::Cmd),
            ("cmd.exe", Shell::Cmd),
        ];
        for (name, shell) in cases {
            assert_eq!(Shell::from_name(name), Some(shell), "{name}");
        }
        for name in ["", "python3", "cargo", "bash5", "/usr/bin/"] {
            assert_eq!(Shell::from_name(name), None, "{name}");
        }
    }

    #[test]
    fn every_name_parses_back() {
        for shell in Shell::ALL {
            assert_eq!(shell.name().parse::<Shell>(), Ok(shell));
        }
        assert_eq!("bosh".parse::<Shell>(), Err(UnknownShell("bosh".to_owned())));
    }

    #[test]
    fn commands_for_a_plain_path() {
        let env = Path::new("/tmp/env");
        let expected = [
            (Shell::Bash, "source /tmp/env/bin/activate"),
            (Shell::Zsh, "source /tmp/env/bin/activate"),
            (Shell::Sh, ". /tmp/env/bin/activate"),
            (Shell::Ksh, ". /tmp/env/bin/activate"),
            (Shell::Fish, "source /tmp/env/bin/activate.fish"),
            (Shell::Csh, "source /tmp/env/bin/activate.csh"),
            (Shell::Nushell, "overlay use /tmp/env/bin/activate.nu"),
            (Shell::Xonsh, "source /tmp/env/bin/activate.xsh"),
            (Shell::PowerShell, "& '/tmp/env/bin/Activate.ps1'"),
            (Shell::Cmd, "/tmp/env/bin/activate.bat"),
        ];
        for (shell, command) in expected {
            assert_eq!(shell.activation_command(env, "bin"), command, "{shell}");
        }
    }

    #[test]
    fn commands_quote_a_hostile_path() {
        let env = Path::new("/tmp/'\";&&e-$ èрт🚒♞中片-j");
        let expected = [
            (
                Shell::Bash,
                r#"source '/tmp/'"'"'";&&e-$ èрт🚒♞中片-j/bin/activate'"#,
            ),
            (Shell::Sh, r#". '/tmp/'"'"'";&&e-$ èрт🚒♞中片-j/bin/activate'"#),
            (
                Shell::Fish,
                r#"source '/tmp/\'";&&e-$ èрт🚒♞中片-j/bin/activate.fish'"#,
            ),
            (
                Shell::Csh,
                r#"source '/tmp/'\''";&&e-$ èрт🚒♞中片-j/bin/activate.csh'"#,
            ),
            (
                Shell::Nushell,
                r#"overlay use r#'/tmp/'";&&e-$ èрт🚒♞中片-j/bin/activate.nu'#"#,
            ),
            (
                Shell::Xonsh,
                r#"source '/tmp/\'";&&e-$ èрт🚒♞中片-j/bin/activate.xsh'"#,
            ),
            (
                Shell::PowerShell,
                r#"& '/tmp/''";&&e-$ èрт🚒♞中片-j/bin/Activate.ps1'"#,
            ),
        ];
        for (shell, command) in expected {
            assert_eq!(shell.activation_command(env, "bin"), command, "{shell}");
        }
        assert_eq!(
            Shell::Csh.activation_command(Path::new("/tmp/a!b"), "bin"),
            r"source '/tmp/a\!b/bin/activate.csh'"
        );
    }

    #[test]
    fn a_path_starting_with_a_dash_is_not_an_option() {
        assert_eq!(
            Shell::Bash.activation_command(Path::new("-env"), "bin"),
            "source ./-env/bin/activate"
        );
    }

    #[test]
    fn cmd_quotes_only_when_needed() {
        assert_eq!(
            cmd_word(r"C:\env\Scripts\activate.bat"),
            r"C:\env\Scripts\activate.bat"
        );
        assert_eq!(
            cmd_word(r"C:\my env\Scripts\activate.bat"),
            r#""C:\my env\Scripts\activate.bat""#
        );
    }
}
