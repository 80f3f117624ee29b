//! Running the embedded probe (`probe.py`) and parsing its answer.
//!
//! The interpreter runs with `-I -B` (isolated: no user site, no
//! `PYTHON*` variables, no bytecode written) and prints one JSON object
//! between marker lines, so that whatever a `sitecustomize` prints around
//! it cannot corrupt the answer.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::python::Error;

/// The embedded probe script.
pub const PROBE: &str = include_str!("probe.py");

const BEGIN: &str = "<<<fenv-probe-begin>>>";
const END: &str = "<<<fenv-probe-end>>>";

/// Everything fenv needs to know about one interpreter, as the probe saw it
/// when started through the path it was found at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterpreterInfo {
    /// `cpython`, `pypy`, … (`sys.implementation.name`).
    pub implementation: String,
    /// `sys.version_info[:3]`.
    pub version: [u32; 3],
    pub release_level: String,
    pub serial: u32,
    /// `sys.executable`: the path as invoked, made absolute, unresolved.
    pub executable: PathBuf,
    /// `sys._base_executable`: what `python -m venv` links to.
    pub base_executable: PathBuf,
    /// `realpath(sys.executable)`.
    pub real_executable: PathBuf,
    pub prefix: PathBuf,
    pub base_prefix: PathBuf,
    pub exec_prefix: PathBuf,
    pub base_exec_prefix: PathBuf,
    /// The standard library folder (`sysconfig.get_path("stdlib")`).
    pub stdlib: PathBuf,
    pub abiflags: String,
    /// A free-threaded (`3.13t`) build.
    pub gil_disabled: bool,
    pub pointer_size: u32,
    /// `os.name`: `posix` or `nt`.
    pub os_name: String,
    pub sys_platform: String,
    pub sysconfig_platform: String,
    pub soabi: Option<String>,
    pub ext_suffix: Option<String>,
    pub libc: Option<Libc>,
    /// The `venv` sysconfig scheme (3.11+), relative to the environment.
    pub venv_scheme: Option<VenvScheme>,
    /// PEP 508 marker values.
    pub markers: Markers,
    pub ensurepip: Ensurepip,
}

/// The C library the interpreter runs on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Libc {
    /// `glibc` or `musl`.
    pub kind: String,
    pub version: String,
}

/// Paths of the `venv` install scheme, relative to the environment root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenvScheme {
    pub scripts: PathBuf,
    pub include: PathBuf,
    pub purelib: PathBuf,
    pub platlib: PathBuf,
}

/// The PEP 508 environment markers of the interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Markers {
    pub implementation_name: String,
    pub implementation_version: String,
    pub os_name: String,
    pub platform_machine: String,
    pub platform_python_implementation: String,
    pub platform_release: String,
    pub platform_system: String,
    pub platform_version: String,
    pub python_full_version: String,
    pub python_version: String,
    pub sys_platform: String,
}

/// What `ensurepip` would install.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ensurepip {
    /// Whether the `ensurepip` module exists (distributions may strip it).
    pub available: bool,
    /// The wheels it would install, found where that version looks.
    pub wheels: Vec<SeedWheel>,
}

/// One wheel `ensurepip` bundles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedWheel {
    /// `pip` or `setuptools`.
    pub project: String,
    pub version: String,
    pub path: PathBuf,
}

impl InterpreterInfo {
    /// `X.Y.Z`, as `sys.version_info[:3]`.
    pub fn version_string(&self) -> String {
        let [major, minor, micro] = self.version;
        format!("{major}.{minor}.{micro}")
    }

    /// `(major, minor)`.
    pub fn minor(&self) -> (u32, u32) {
        (self.version[0], self.version[1])
    }
}

#[derive(Deserialize)]
#[serde(tag = "result", rename_all = "lowercase")]
enum ProbeAnswer {
    Ok(Box<InterpreterInfo>),
    Unsupported {
        #[allow(dead_code)]
        implementation: String,
        version: [u32; 3],
    },
}

/// Runs the probe in the interpreter at `path`.
pub fn query(path: &Path) -> Result<InterpreterInfo, Error> {
    let output = Command::new(path)
        .args(["-I", "-B", "-c", PROBE])
        .env_remove("__PYVENV_LAUNCHER__")
        .env("PYTHONUTF8", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            path: path.to_path_buf(),
            source,
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(json) = between_markers(&stdout) else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // Python 2 knows no `-I`: ask it again without, so the user learns
        // which version it is rather than that the probe failed.
        if stderr.contains("-I") {
            return query_legacy(path);
        }
        let reason = stderr
            .lines()
            .rev()
            .find(|line| !line.trim().is_empty())
            .map_or_else(
                || format!("the probe exited with {}", output.status),
                str::to_string,
            );
        return Err(Error::NotAnInterpreter {
            path: path.to_path_buf(),
            reason,
        });
    };
    parse_answer(path, json)
}

fn query_legacy(path: &Path) -> Result<InterpreterInfo, Error> {
    let output = Command::new(path)
        .args(["-E", "-s", "-B", "-c", PROBE])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            path: path.to_path_buf(),
            source,
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    match between_markers(&stdout) {
        Some(json) => parse_answer(path, json),
        None => Err(Error::NotAnInterpreter {
            path: path.to_path_buf(),
            reason: "it does not answer fenv's probe".into(),
        }),
    }
}

fn parse_answer(path: &Path, json: &str) -> Result<InterpreterInfo, Error> {
    match serde_json::from_str::<ProbeAnswer>(json) {
        Ok(ProbeAnswer::Ok(info)) => Ok(*info),
        Ok(ProbeAnswer::Unsupported { version, .. }) => Err(Error::TooOld {
            path: path.to_path_buf(),
            version: format!("{}.{}.{}", version[0], version[1], version[2]),
        }),
        Err(err) => Err(Error::NotAnInterpreter {
            path: path.to_path_buf(),
            reason: format!("its probe answer is not valid: {err}"),
        }),
    }
}

/// The text between the probe's marker lines, if both are there.
fn between_markers(stdout: &str) -> Option<&str> {
    let start = stdout.rfind(BEGIN)? + BEGIN.len();
    let end = start + stdout[start..].find(END)?;
    Some(stdout[start..end].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_around_the_markers_is_ignored() {
        let out = format!("hello from sitecustomize\n{BEGIN}\n{{\"a\": 1}}\n{END}\nbye\n");
        assert_eq!(between_markers(&out), Some("{\"a\": 1}"));
        assert_eq!(between_markers("no markers"), None);
        assert_eq!(between_markers(&format!("{BEGIN} unterminated")), None);
    }
}
