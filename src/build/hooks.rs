//! Calling the backend's PEP 517 hooks through the embedded
//! `frontend.py`, in the build environment's Python.
//!
//! Isolation: `python -I` (no `PYTHON*` variables, no user site, neither
//! the script's folder nor the working folder on `sys.path`; the build
//! environment's site-packages stays), the working folder the source
//! tree, the variables that could point Python elsewhere removed from
//! what the backend's own subprocesses see, and the build environment's
//! `bin` first on `PATH`. The hook's answer travels through a file, so
//! the backend's output is only ever shown, never parsed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::build::Error;
use crate::build::env::BuildEnv;
use crate::build::system::BuildSystem;
use crate::fs::PathError;

/// The PEP 517 frontend the build environment's Python runs.
const FRONTEND: &str = include_str!("frontend.py");

/// How many lines of the backend's output a failure shows.
const OUTPUT_TAIL: usize = 25;

/// Variables removed before the backend runs: each would make a Python
/// started by the backend use other code or another environment.
const SCRUBBED: [&str; 9] = [
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONUSERBASE",
    "PYTHONSAFEPATH",
    "PYTHONEXECUTABLE",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "__PYVENV_LAUNCHER__",
];

/// The hooks of one source tree's backend.
pub(super) struct Hooks<'a> {
    tree: &'a Path,
    system: &'a BuildSystem,
    work: &'a Path,
    frontend: PathBuf,
}

impl<'a> Hooks<'a> {
    /// Writes the frontend into `work` (outside the tree, so that the
    /// tree stays as the sdist had it).
    pub fn new(tree: &'a Path, system: &'a BuildSystem, work: &'a Path) -> Result<Self, Error> {
        let frontend = work.join("frontend.py");
        fs_err::write(&frontend, FRONTEND).map_err(PathError::with("write", &frontend))?;
        Ok(Self {
            tree,
            system,
            work,
            frontend,
        })
    }

    /// PEP 517 `get_requires_for_build_wheel` (PEP 660
    /// `get_requires_for_build_editable` for an editable): more build
    /// requirements (`[]` when the backend lacks the hook).
    pub fn get_requires(&self, env: &BuildEnv, editable: bool) -> Result<Vec<String>, Error> {
        let hook = if editable {
            "get_requires_for_build_editable"
        } else {
            "get_requires_for_build_wheel"
        };
        let value = self.run(env, hook, self.work)?;
        let wrong = |reason: String| Error::Answer { hook, reason };
        let items = value
            .as_array()
            .ok_or_else(|| wrong(format!("`{value}` is not a list")))?;
        items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| wrong(format!("`{item}` is not a requirement string")))
            })
            .collect()
    }

    /// PEP 517 `prepare_metadata_for_build_wheel` into `out`: the name of
    /// the `.dist-info` folder it wrote, or `None` when the backend lacks
    /// the hook (the frontend then builds the wheel instead).
    pub fn prepare_metadata_for_build_wheel(
        &self,
        env: &BuildEnv,
        out: &Path,
    ) -> Result<Option<String>, Error> {
        const HOOK: &str = "prepare_metadata_for_build_wheel";
        let value = self.run(env, HOOK, out)?;
        if value.is_null() {
            return Ok(None);
        }
        let wrong = |reason: String| Error::Answer { hook: HOOK, reason };
        let name = value
            .as_str()
            .ok_or_else(|| wrong(format!("`{value}` is not a folder name")))?;
        // PEP 517: "the basename (not the full path) of the .dist-info directory".
        if !name.ends_with(".dist-info") || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(wrong(format!("`{name}` is not a `.dist-info` folder name")));
        }
        let metadata = out.join(name).join("METADATA");
        let is_file = fs_err::symlink_metadata(&metadata).is_ok_and(|m| m.is_file());
        if !is_file {
            return Err(wrong(format!(
                "it names `{name}`, which holds no METADATA it wrote"
            )));
        }
        Ok(Some(name.to_string()))
    }

    /// PEP 517 `build_wheel` (PEP 660 `build_editable` for an editable)
    /// into `out`: the file name of the wheel, checked to be a plain file
    /// the backend put there.
    pub fn build(&self, env: &BuildEnv, out: &Path, editable: bool) -> Result<String, Error> {
        let hook = if editable { "build_editable" } else { "build_wheel" };
        let value = self.run(env, hook, out)?;
        let wrong = |reason: String| Error::Answer { hook, reason };
        let name = value
            .as_str()
            .ok_or_else(|| wrong(format!("`{value}` is not a file name")))?;
        // PEP 517: "Must return a unicode string containing the basename".
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(wrong(format!("`{name}` is not a plain file name")));
        }
        let is_file = fs_err::symlink_metadata(out.join(name)).is_ok_and(|m| m.is_file());
        if !is_file {
            return Err(wrong(format!("it names `{name}`, which it did not write")));
        }
        Ok(name.to_string())
    }

    /// Runs `hook` and returns its JSON answer; a failure carries the
    /// tail of everything the backend printed.
    fn run(&self, env: &BuildEnv, hook: &'static str, out: &Path) -> Result<serde_json::Value, Error> {
        let log_path = self.work.join(format!("{hook}.log"));
        let result = self.work.join(format!("{hook}.json"));
        let log = fs_err::File::create(&log_path).map_err(PathError::with("create", &log_path))?;
        let log_err = log
            .file()
            .try_clone()
            .map_err(PathError::with("open", &log_path))?;
        let backend_path = serde_json::to_string(&self.system.backend_path).map_err(|e| Error::Answer {
            hook,
            reason: e.to_string(),
        })?;
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(std::iter::once(env.bin()).chain(std::env::split_paths(&path)))
            .map_err(|e| PathError::with("set PATH for", env.bin())(std::io::Error::other(e)))?;
        let python = env.python();
        let mut command = Command::new(&python);
        command
            .arg("-I")
            .arg(&self.frontend)
            .arg(hook)
            .arg(&self.system.backend)
            .arg(backend_path)
            .arg(out)
            .arg(&result)
            .current_dir(self.tree)
            .env("PATH", path)
            .stdin(Stdio::null())
            .stdout(log.into_parts().0)
            .stderr(log_err);
        for name in SCRUBBED {
            command.env_remove(name);
        }
        let status = command.status().map_err(PathError::with("run", &python))?;
        if !status.success() {
            let output = fs_err::read(&log_path).unwrap_or_default();
            return Err(Error::Backend {
                hook,
                status: status.to_string(),
                output: tail(&String::from_utf8_lossy(&output)),
            });
        }
        let text = fs_err::read_to_string(&result).map_err(PathError::with("read", &result))?;
        let mut answer: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Answer {
            hook,
            reason: e.to_string(),
        })?;
        Ok(answer
            .get_mut("value")
            .map(serde_json::Value::take)
            .unwrap_or_default())
    }
}

/// The last lines of `output`, indented, for an error message.
fn tail(output: &str) -> String {
    let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(OUTPUT_TAIL);
    if lines.is_empty() {
        return "  (nothing)".into();
    }
    lines[start..]
        .iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
