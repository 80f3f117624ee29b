//! Running a program as if an environment were activated: what the
//! activation scripts set, applied to a [`Command`] instead of a shell.
//!
//! [`activate`] puts the environment's `bin` first on `PATH`, sets
//! `VIRTUAL_ENV` and `VIRTUAL_ENV_PROMPT`, and removes `PYTHONHOME`, as
//! `bin/activate` does. [`find_program`] looks a command up on that `PATH`
//! so that a missing one is reported by name before the process is
//! replaced.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fs::user_display;
use crate::venv::cfg::PyvenvCfg;

/// The variables activation sets, for `env` (absolute), with `path` the
/// `PATH` to prepend to. Returns the new `PATH` as well, for lookups.
pub fn activate(cmd: &mut Command, env: &Path, path: Option<&OsStr>) -> OsString {
    let bin = env.join("bin");
    let mut dirs = vec![bin];
    if let Some(path) = path {
        dirs.extend(std::env::split_paths(path));
    }
    // `bin` comes from an absolute path and cannot hold the separator
    // (creation refuses such paths), so joining cannot fail in practice.
    let path = std::env::join_paths(dirs).unwrap_or_else(|_| env.join("bin").into_os_string());
    cmd.env("PATH", &path)
        .env("VIRTUAL_ENV", env)
        .env("VIRTUAL_ENV_PROMPT", prompt(env))
        .env_remove("PYTHONHOME");
    path
}

/// The environment's prompt: `pyvenv.cfg`'s, else its folder's name.
fn prompt(env: &Path) -> String {
    let cfg = fs_err::read_to_string(env.join("pyvenv.cfg"))
        .map(|text| PyvenvCfg::parse(&text))
        .ok();
    cfg.as_ref().and_then(|cfg| cfg.get("prompt")).map_or_else(
        || {
            env.file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default()
        },
        str::to_string,
    )
}

/// Where `program` runs from: itself when it names a path (holds `/`),
/// else the first executable file of that name on `path`.
pub fn find_program(program: &OsStr, path: &OsStr) -> Option<PathBuf> {
    let as_path = Path::new(program);
    if program.as_encoded_bytes().contains(&b'/') {
        return Some(as_path.to_path_buf());
    }
    if program.is_empty() {
        return None;
    }
    // `which` resolves relative `PATH` entries against the current folder.
    let cwd = std::env::current_dir().ok()?;
    which::which_in(program, Some(path), cwd).ok()
}

/// What stops `fenv run` before the command starts.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no environment to run in: not in a project, no `--env`, and `VIRTUAL_ENV` is not set")]
    NoEnvironment,

    #[error("there is no virtual environment at `{}`", user_display(path))]
    MissingEnvironment { path: PathBuf, locked: bool },

    #[error("`{}` was not found in `{}` or on PATH", program.to_string_lossy(), user_display(bin))]
    CommandNotFound { program: OsString, bin: PathBuf },

    #[error("failed to run `{}`", program.to_string_lossy())]
    Exec {
        program: OsString,
        #[source]
        source: std::io::Error,
    },
}

impl crate::error::Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::NoEnvironment => Some(
                "run it in a project folder, pass `--env DIR`, or activate an environment first".into(),
            ),
            Self::MissingEnvironment { locked: true, .. } => {
                Some("drop `--no-sync` so that `fenv run` creates it, or run `fenv sync`".into())
            }
            Self::MissingEnvironment { locked: false, .. } => Some(
                "create it with `fenv create`, or run `fenv lock` so that `fenv run` creates and syncs it"
                    .into(),
            ),
            Self::CommandNotFound { .. } => {
                Some("install the package that provides it in the environment (add it to the project and `fenv lock`)".into())
            }
            Self::Exec { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_executable_on_path() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("a"), dir.path().join("b"));
        for d in [&first, &second] {
            fs_err::create_dir(d).unwrap();
        }
        // Not executable in `a`: skipped.
        fs_err::write(first.join("tool"), "").unwrap();
        fs_err::write(second.join("tool"), "").unwrap();
        fs_err::set_permissions(
            second.join("tool"),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let path = std::env::join_paths([&first, &second]).unwrap();
        assert_eq!(find_program(OsStr::new("tool"), &path), Some(second.join("tool")));
        assert_eq!(find_program(OsStr::new("missing"), &path), None);
        assert_eq!(find_program(OsStr::new("./x"), &path), Some(PathBuf::from("./x")));
    }
}
