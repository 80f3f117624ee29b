//! Finding interpreters: PATH, pyenv's shims (resolved without running
//! them) and pyenv's versions folder.
//!
//! Candidates come in a fixed order: PATH left to right, most specific
//! names first in each folder (`python3.X` newest first, then `python3`,
//! `python`, then the PyPy names), then pyenv's installs, newest first.
//! They are deduplicated by real path. A candidate inside a virtual
//! environment is replaced by that environment's base interpreter, as
//! CPython 3.11+ itself computes it, so a venv is never used as a base.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cache::Cache;
use crate::printer::Printer;
use crate::python::cache::{Origin, query_cached};
use crate::python::{Error, InterpreterInfo, PythonRequest};

/// Where an interpreter was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Named by path in the request.
    Explicit,
    /// A folder on PATH.
    Path,
    /// A pyenv shim on PATH, resolved to the version pyenv selects.
    PyenvShim,
    /// pyenv's versions folder.
    Pyenv,
    /// The base interpreter of a virtual environment that was named or found.
    VenvBase,
}

impl Source {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Explicit => "requested path",
            Self::Path => "PATH",
            Self::PyenvShim => "pyenv shim",
            Self::Pyenv => "pyenv",
            Self::VenvBase => "base of a venv",
        }
    }
}

/// An interpreter path not yet queried.
#[derive(Debug, Clone)]
struct Candidate {
    path: PathBuf,
    source: Source,
    /// The minor version its name or folder promises, used to skip
    /// queries that cannot match.
    hint: Option<(u32, u32)>,
    /// Whether it was found on PATH (the default is chosen among these).
    on_path: bool,
}

/// An interpreter found and queried.
#[derive(Debug, Clone)]
pub struct Found {
    pub path: PathBuf,
    pub source: Source,
    pub info: InterpreterInfo,
    pub on_path: bool,
}

/// The environment discovery reads, captured once so it can be reasoned
/// about (and tested) apart from the process environment.
#[derive(Debug, Clone)]
pub struct Discovery<'a> {
    path_var: Option<OsString>,
    pyenv_root: Option<PathBuf>,
    pyenv_version: Option<String>,
    cwd: PathBuf,
    cache: &'a Cache,
    printer: &'a Printer,
}

impl<'a> Discovery<'a> {
    /// Discovery as the current process environment defines it.
    pub fn from_env(cache: &'a Cache, printer: &'a Printer) -> Self {
        let pyenv_root = std::env::var_os("PYENV_ROOT")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".pyenv")));
        Self {
            path_var: std::env::var_os("PATH"),
            pyenv_root,
            pyenv_version: std::env::var("PYENV_VERSION").ok().filter(|v| !v.is_empty()),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
            cache,
            printer,
        }
    }

    /// The interpreter a request selects: the first candidate, in
    /// discovery order, that satisfies it.
    pub fn find(&self, request: &PythonRequest) -> Result<Found, Error> {
        match request {
            PythonRequest::Path(path) => self.find_path(path),
            PythonRequest::ExecutableName(name) => {
                let candidate = self
                    .path_dirs()
                    .into_iter()
                    .find_map(|dir| self.named_in_dir(&dir, name))
                    .or_else(|| self.pyenv_named(name))
                    .ok_or_else(|| self.not_found(request))?;
                self.resolve(candidate)
            }
            PythonRequest::Version(_) | PythonRequest::Implementation { .. } => {
                let minor = request.version().and_then(super::request::VersionRequest::minor);
                // An interpreter that matches but is too old explains a
                // miss better than the list of what exists.
                let mut too_old = None;
                for candidate in self.candidates() {
                    if minor.is_some() && candidate.hint.is_some() && candidate.hint != minor {
                        continue;
                    }
                    match self.resolve(candidate) {
                        Ok(found) if request.matches(&found.info) => return Ok(found),
                        Ok(_) => {}
                        Err(err @ Error::TooOld { .. }) if too_old.is_none() && err.matches(request) => {
                            too_old = Some(err);
                        }
                        Err(err) => self.printer.verbose(format!("skipping: {err}")),
                    }
                }
                Err(too_old.unwrap_or_else(|| self.not_found(request)))
            }
        }
    }

    /// The default interpreter: the newest Python 3.7+ found on PATH.
    pub fn find_default(&self) -> Result<Found, Error> {
        let mut best: Option<Found> = None;
        for candidate in self.candidates().into_iter().filter(|c| c.on_path) {
            match self.resolve(candidate) {
                Ok(found) if found.info.version >= [3, 7, 0] => {
                    if best.as_ref().is_none_or(|b| found.info.version > b.info.version) {
                        best = Some(found);
                    }
                }
                Ok(_) => {}
                Err(err) => self.printer.verbose(format!("skipping: {err}")),
            }
        }
        best.ok_or_else(|| Error::NotFound {
            request: "python3 on PATH".into(),
            found: Vec::new(),
        })
    }

    /// Every interpreter fenv can see, queried in parallel, in discovery
    /// order; those that fail to answer are listed as errors.
    pub fn list(&self) -> Vec<Result<Found, Error>> {
        let candidates = self.candidates();
        std::thread::scope(|scope| {
            let handles: Vec<_> = candidates
                .into_iter()
                .map(|candidate| scope.spawn(move || self.resolve(candidate)))
                .collect();
            handles
                .into_iter()
                .map(|handle| {
                    handle.join().unwrap_or_else(|_| {
                        Err(Error::NotAnInterpreter {
                            path: PathBuf::new(),
                            reason: "the query thread panicked".into(),
                        })
                    })
                })
                .collect()
        })
    }

    fn not_found(&self, request: &PythonRequest) -> Error {
        let found = self
            .list()
            .into_iter()
            .filter_map(Result::ok)
            .map(|f| {
                format!(
                    "{} {} (`{}`)",
                    f.info.implementation,
                    f.info.version_string(),
                    f.path.display()
                )
            })
            .collect();
        Error::NotFound {
            request: request.to_string(),
            found,
        }
    }

    fn find_path(&self, path: &Path) -> Result<Found, Error> {
        let path = crate::fs::absolute(path).map_err(|source| Error::Spawn {
            path: path.to_path_buf(),
            source,
        })?;
        let executable = if path.is_dir() {
            install_dir_executable(&path).ok_or_else(|| Error::NotAnInterpreter {
                path: path.clone(),
                reason: "the folder holds no `bin/python3` or `python` executable".into(),
            })?
        } else if crate::fs::is_executable(&path) {
            path
        } else if path.exists() {
            return Err(Error::NotAnInterpreter {
                path,
                reason: "it is not executable".into(),
            });
        } else {
            return Err(Error::NotAnInterpreter {
                path,
                reason: "it does not exist".into(),
            });
        };
        let candidate = Candidate {
            hint: None,
            source: Source::Explicit,
            on_path: false,
            path: executable,
        };
        let candidate = self
            .resolve_shim(candidate)
            .ok_or_else(|| Error::NotAnInterpreter {
                path: path_of_shim_error(self.pyenv_root.as_ref()),
                reason: "the pyenv shim selects no installed version here".into(),
            })?;
        self.resolve(candidate)
    }

    /// Maps a venv interpreter to its base and queries it.
    fn resolve(&self, candidate: Candidate) -> Result<Found, Error> {
        let candidate = match venv_base(&candidate.path) {
            Some(base) => {
                self.printer.verbose(format!(
                    "`{}` is in a virtual environment; using its base `{}`",
                    candidate.path.display(),
                    base.display()
                ));
                Candidate {
                    path: base,
                    source: Source::VenvBase,
                    ..candidate
                }
            }
            None => candidate,
        };
        let (info, origin) = query_cached(self.cache, &candidate.path)?;
        match origin {
            Origin::Cache => self.printer.verbose(format!(
                "`{}`: Python {} (cached)",
                candidate.path.display(),
                info.version_string()
            )),
            Origin::Probe => self.printer.verbose(format!(
                "`{}`: Python {} (queried)",
                candidate.path.display(),
                info.version_string()
            )),
        }
        Ok(Found {
            path: candidate.path,
            source: candidate.source,
            info,
            on_path: candidate.on_path,
        })
    }

    /// All candidates, in discovery order, deduplicated by real path.
    fn candidates(&self) -> Vec<Candidate> {
        let mut out = Vec::new();
        for dir in self.path_dirs() {
            for name in python_names(&dir) {
                if let Some(candidate) = self.named_in_dir(&dir, &name) {
                    out.push(candidate);
                }
            }
        }
        out.extend(self.pyenv_installs());
        let mut seen = HashSet::new();
        out.retain(|c| {
            let key = venv_base(&c.path).unwrap_or_else(|| c.path.clone());
            seen.insert(fs_err::canonicalize(&key).unwrap_or(key))
        });
        out
    }

    /// PATH's folders, each once.
    fn path_dirs(&self) -> Vec<PathBuf> {
        let mut seen = HashSet::new();
        self.path_var
            .as_deref()
            .map(std::env::split_paths)
            .into_iter()
            .flatten()
            .filter(|dir| !dir.as_os_str().is_empty())
            .filter(|dir| seen.insert(fs_err::canonicalize(dir).unwrap_or_else(|_| dir.clone())))
            .collect()
    }

    /// The executable `name` in `dir` (a shim resolved), if there is one.
    fn named_in_dir(&self, dir: &Path, name: &str) -> Option<Candidate> {
        let path = dir.join(name);
        if !crate::fs::is_executable(&path) {
            return None;
        }
        let candidate = Candidate {
            hint: name_hint(name),
            source: Source::Path,
            on_path: true,
            path,
        };
        self.resolve_shim(candidate)
    }

    /// The executable `name` in a pyenv install, newest install first.
    fn pyenv_named(&self, name: &str) -> Option<Candidate> {
        self.pyenv_installs().into_iter().find_map(|install| {
            let path = install.path.parent()?.join(name);
            crate::fs::is_executable(&path).then(|| Candidate {
                hint: name_hint(name).or(install.hint),
                path,
                ..install
            })
        })
    }

    /// A pyenv shim becomes the executable of the version pyenv would
    /// select; a shim that selects nothing (or `system`) is dropped.
    fn resolve_shim(&self, candidate: Candidate) -> Option<Candidate> {
        let Some(root) = &self.pyenv_root else {
            return Some(candidate);
        };
        let shims = root.join("shims");
        let parent = candidate.path.parent()?;
        if !same_dir(parent, &shims) {
            return Some(candidate);
        }
        let name = candidate.path.file_name()?;
        for version in self.pyenv_selected_versions(root) {
            if version == "system" {
                // `system` means the next match on PATH, which the PATH walk
                // reaches on its own.
                return None;
            }
            let path = root.join("versions").join(&version).join("bin").join(name);
            if crate::fs::is_executable(&path) {
                return Some(Candidate {
                    path,
                    source: Source::PyenvShim,
                    hint: candidate.hint.or_else(|| version_hint(&version)),
                    on_path: candidate.on_path,
                });
            }
        }
        None
    }

    /// The versions pyenv selects, in its own order: `PYENV_VERSION`, a
    /// `.python-version` from the working directory up, the global
    /// `version` file, else `system`.
    fn pyenv_selected_versions(&self, root: &Path) -> Vec<String> {
        if let Some(versions) = &self.pyenv_version {
            return versions.split(':').map(str::to_string).collect();
        }
        let from_file = |file: &Path| -> Option<Vec<String>> {
            let text = fs_err::read_to_string(file).ok()?;
            let versions: Vec<String> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .flat_map(str::split_whitespace)
                .map(str::to_string)
                .collect();
            (!versions.is_empty()).then_some(versions)
        };
        self.cwd
            .ancestors()
            .find_map(|dir| from_file(&dir.join(".python-version")))
            .or_else(|| from_file(&root.join("version")))
            .unwrap_or_else(|| vec!["system".to_string()])
    }

    /// One candidate per pyenv install (not pyenv-virtualenv's venvs),
    /// newest version first.
    fn pyenv_installs(&self) -> Vec<Candidate> {
        let Some(root) = &self.pyenv_root else {
            return Vec::new();
        };
        let Ok(entries) = fs_err::read_dir(root.join("versions")) else {
            return Vec::new();
        };
        let mut installs: Vec<PyenvInstall> = entries
            .filter_map(Result::ok)
            .filter(|e| !e.path().join("pyvenv.cfg").exists())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let bin = e.path().join("bin");
                let exe = python_names(&bin).into_iter().next().map(|n| bin.join(n))?;
                Some((full_version_hint(&name), name, exe))
            })
            .collect();
        installs.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        installs
            .into_iter()
            .map(|(_, name, path)| Candidate {
                hint: path
                    .file_name()
                    .and_then(|n| name_hint(&n.to_string_lossy()))
                    .or_else(|| version_hint(&name)),
                source: Source::Pyenv,
                on_path: false,
                path,
            })
            .collect()
    }
}

/// A pyenv install: its version (parsed from the folder name), the
/// folder name, and its most specific interpreter.
type PyenvInstall = (Option<(u32, u32, u32)>, String, PathBuf);

fn path_of_shim_error(root: Option<&PathBuf>) -> PathBuf {
    root.map_or_else(PathBuf::new, |r| r.join("shims"))
}

/// The Python executable names in `dir`, most specific first.
fn python_names(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs_err::read_dir(dir) else {
        return Vec::new();
    };
    let mut versioned: Vec<(u32, u32, String)> = Vec::new();
    let mut plain: Vec<String> = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((major, minor)) = name_hint(&name) {
            let rank = u32::from(!name.starts_with("python"));
            versioned.push((rank, u32::MAX - (major * 1000 + minor), name));
        } else if ["python3", "python", "pypy3", "pypy"].contains(&name.as_str()) {
            plain.push(name);
        }
    }
    versioned.sort();
    plain.sort_by_key(|name| {
        ["python3", "python", "pypy3", "pypy"]
            .iter()
            .position(|n| n == name)
    });
    versioned
        .into_iter()
        .map(|(_, _, name)| name)
        .chain(plain)
        .filter(|name| crate::fs::is_executable(&dir.join(name)))
        .collect()
}

/// `python3.12` or `pypy3.10` → `(3, 12)`; anything else → none.
fn name_hint(name: &str) -> Option<(u32, u32)> {
    let rest = name
        .strip_prefix("python")
        .or_else(|| name.strip_prefix("pypy"))?;
    let (major, minor) = rest.split_once('.')?;
    if major.is_empty() || minor.is_empty() || !format!("{major}{minor}").bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// `3.12.1` (a pyenv version name) → `(3, 12)`.
fn version_hint(version: &str) -> Option<(u32, u32)> {
    full_version_hint(version).map(|(a, b, _)| (a, b))
}

fn full_version_hint(version: &str) -> Option<(u32, u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let micro = parts
        .next()
        .map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>())
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    Some((major, minor, micro))
}

/// The interpreter of an install (or venv) folder: `bin/python3.X`, else
/// `bin/python3`, else `python` at its root.
fn install_dir_executable(dir: &Path) -> Option<PathBuf> {
    let bin = dir.join("bin");
    python_names(&bin)
        .into_iter()
        .next()
        .map(|name| bin.join(name))
        .or_else(|| python_names(dir).into_iter().next().map(|name| dir.join(name)))
}

/// The base interpreter of a venv interpreter, as CPython 3.11+ computes
/// `sys._base_executable`: the real path when the venv's interpreter is a
/// symlink, else `home`/`<its name>`. `None` when `path` is not in a venv.
pub fn venv_base(path: &Path) -> Option<PathBuf> {
    let bin = path.parent()?;
    let cfg = [bin.join("pyvenv.cfg"), bin.parent()?.join("pyvenv.cfg")]
        .into_iter()
        .find(|cfg| cfg.is_file())?;
    if path.is_symlink() {
        return fs_err::canonicalize(path).ok();
    }
    let text = fs_err::read_to_string(cfg).ok()?;
    let home = text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("home")).then(|| PathBuf::from(value.trim()))
    })?;
    Some(home.join(path.file_name()?))
}

fn same_dir(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (fs_err::canonicalize(a), fs_err::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_from_names() {
        assert_eq!(name_hint("python3.12"), Some((3, 12)));
        assert_eq!(name_hint("pypy3.10"), Some((3, 10)));
        assert_eq!(name_hint("python3"), None);
        assert_eq!(name_hint("python3.12-config"), None);
        assert_eq!(name_hint("python3.12-gdb.py"), None);
        assert_eq!(full_version_hint("3.13.0"), Some((3, 13, 0)));
        assert_eq!(full_version_hint("3.13.0t"), Some((3, 13, 0)));
        assert_eq!(version_hint("myenv"), None);
    }
}
