//! What fenv knows about CI systems: recognising GitHub Actions, its
//! workflow commands (`::group::`, `::error::`), exporting an environment
//! to later steps (`$GITHUB_ENV`/`$GITHUB_PATH`, `export` lines, a dotenv
//! file for GitLab's `artifacts:reports:dotenv`), and the cache key.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Hint;
use crate::fs::user_display;
use crate::venv::activate::quote;

/// What can stop an export.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`{}` cannot be exported: {reason}", user_display(path))]
    Unexportable { path: PathBuf, reason: &'static str },

    #[error(transparent)]
    Write(#[from] crate::fs::PathError),
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Unexportable { .. } => {
                Some("put the environment at a path without newlines (`--env`, or `[tool.fenv] env`)".into())
            }
            Self::Write(_) => None,
        }
    }
}

/// The CI system fenv runs in, as far as it changes what fenv prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// GitHub Actions, with the files later steps read their environment from.
    GitHub {
        env_file: Option<PathBuf>,
        path_file: Option<PathBuf>,
    },
    Other,
}

impl Provider {
    /// GitHub Actions sets `GITHUB_ACTIONS=true` in every step.
    pub fn detect() -> Self {
        if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
            Self::GitHub {
                env_file: std::env::var_os("GITHUB_ENV").map(PathBuf::from),
                path_file: std::env::var_os("GITHUB_PATH").map(PathBuf::from),
            }
        } else {
            Self::Other
        }
    }

    pub fn is_github(&self) -> bool {
        matches!(self, Self::GitHub { .. })
    }
}

/// A GitHub workflow command: `::error title=T::message`, escaped as the
/// runner unescapes it, so a message cannot end the command early.
pub fn annotation(kind: &str, title: &str, message: &str) -> String {
    let property = escape_data(title).replace(':', "%3A").replace(',', "%2C");
    format!("::{kind} title={property}::{}", escape_data(message))
}

/// `::group::title`; closed by [`END_GROUP`].
pub fn group(title: &str) -> String {
    format!("::group::{}", escape_data(title))
}

pub const END_GROUP: &str = "::endgroup::";

fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// An environment made visible to later commands, as activation would:
/// `VIRTUAL_ENV` and its scripts folder first on `PATH`.
#[derive(Debug, Clone)]
pub struct Exports {
    pub virtual_env: PathBuf,
    pub bin: PathBuf,
}

impl Exports {
    pub fn new(env: &Path) -> Result<Self, Error> {
        let text = env.to_string_lossy();
        if text.contains(['\n', '\r']) || text.contains(':') {
            return Err(Error::Unexportable {
                path: env.to_path_buf(),
                reason: "its path holds a newline or a `:`, which PATH and these files cannot carry",
            });
        }
        Ok(Self {
            virtual_env: env.to_path_buf(),
            bin: env.join("bin"),
        })
    }

    /// `export` lines for a POSIX shell: `eval "$(fenv ci)"`.
    pub fn shell_lines(&self) -> String {
        format!(
            "export VIRTUAL_ENV={}\nexport PATH={}\"${{PATH:+:$PATH}}\"\n",
            quote::sh(&self.virtual_env.to_string_lossy()),
            quote::sh(&self.bin.to_string_lossy()),
        )
    }

    /// A dotenv file: `KEY=value` lines, which GitLab's dotenv reports read
    /// as they are (no quotes removed, nothing substituted) and a POSIX
    /// shell can source. `PATH` is written whole, from `path` (the current
    /// one), because neither reader would expand `$PATH`.
    pub fn dotenv(&self, path: &OsStr) -> Result<String, Error> {
        let path = path.to_string_lossy();
        let full_path = if path.is_empty() {
            self.bin.to_string_lossy().into_owned()
        } else {
            format!("{}:{path}", self.bin.to_string_lossy())
        };
        let mut out = String::new();
        for (key, value) in [
            ("VIRTUAL_ENV", self.virtual_env.to_string_lossy().into_owned()),
            ("PATH", full_path),
        ] {
            if !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@,=%~".contains(&b))
            {
                return Err(Error::Unexportable {
                    path: self.virtual_env.clone(),
                    reason: "a dotenv value must not need quotes (spaces, quotes, `$` and the like)",
                });
            }
            out.push_str(&format!("{key}={value}\n"));
        }
        Ok(out)
    }

    /// Appends to GitHub's `$GITHUB_ENV` and `$GITHUB_PATH`, which the
    /// runner reads after this step.
    pub fn github(&self, env_file: &Path, path_file: &Path) -> Result<(), Error> {
        append(
            env_file,
            &format!("VIRTUAL_ENV={}\n", self.virtual_env.to_string_lossy()),
        )?;
        append(path_file, &format!("{}\n", self.bin.to_string_lossy()))
    }
}

fn append(path: &Path, text: &str) -> Result<(), Error> {
    let write = || -> std::io::Result<()> {
        let mut file = fs_err::OpenOptions::new().create(true).append(true).open(path)?;
        file.write_all(text.as_bytes())
    };
    write().map_err(|source| Error::Write(crate::fs::PathError::new("write", path.to_path_buf(), source)))
}

/// `fenv-linux-x86_64-cpython3.12-<16 hex of the lock's sha256>`: what
/// changes the wheels an environment needs, so a cache saved under it
/// holds them all. The cache is content-addressed, so a stale hit is
/// only slower, never wrong.
pub fn cache_key(platform: &str, implementation: &str, python: (u32, u32), lock_hash: &str) -> String {
    let digest = lock_hash.strip_prefix("sha256:").unwrap_or(lock_hash);
    let short: String = digest.chars().take(16).collect();
    format!(
        "fenv-{platform}-{implementation}{}.{}-{short}",
        python.0, python.1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(
            annotation("error", "fenv: check, 1", "100% wrong\nline two"),
            "::error title=fenv%3A check%2C 1::100%25 wrong%0Aline two"
        );
        assert_eq!(group("a\nb"), "::group::a%0Ab");
    }

    #[test]
    fn exports_for_shells_dotenv_and_github() {
        let exports = Exports::new(Path::new("/w/it's/.venv")).expect("exportable");
        assert_eq!(
            exports.shell_lines(),
            "export VIRTUAL_ENV='/w/it'\"'\"'s/.venv'\nexport PATH='/w/it'\"'\"'s/.venv/bin'\"${PATH:+:$PATH}\"\n"
        );
        assert!(exports.dotenv(OsStr::new("/usr/bin")).is_err());
        let plain = Exports::new(Path::new("/w/p/.venv")).expect("exportable");
        assert_eq!(
            plain.dotenv(OsStr::new("/usr/bin:/bin")).expect("dotenv"),
            "VIRTUAL_ENV=/w/p/.venv\nPATH=/w/p/.venv/bin:/usr/bin:/bin\n"
        );
        assert!(Exports::new(Path::new("/w/a\nb")).is_err());
    }

    #[test]
    fn cache_key_names_platform_python_and_lock() {
        assert_eq!(
            cache_key("linux-x86_64", "cpython", (3, 12), "sha256:0123456789abcdef0123"),
            "fenv-linux-x86_64-cpython3.12-0123456789abcdef"
        );
    }
}
