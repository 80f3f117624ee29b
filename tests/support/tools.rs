//! The reference tools fenv is compared with — `packaging` (PyPA's
//! reference for metadata, markers and versions) and uv — fetched from the
//! package index once per build folder and kept there for later and
//! offline runs.
//!
//! Tests run in parallel processes, so each tool is installed under a file
//! lock, and counts only once its completion marker is written.

use fs_err::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The versions compared against: pinned, so a new release changes the
/// tests only when this file does.
pub const PACKAGING: &str = "26.4";
pub const UV: &str = "0.13.9";
pub const VERCEL_CLI: &str = "58.10.0";
/// AWS SAM CLI, whose `sam local generate-event` makes the events
/// `fenv invoke`'s samples are compared with.
pub const SAM_CLI: &str = "1.170.0";
/// AWS's Lambda runtime interface client for Python.
pub const AWSLAMBDARIC: &str = "4.2.2";
/// The `vercel-runtime` that Vercel CLI 58.10's Python builder installs.
pub const VERCEL_RUNTIME: &str = "0.20.0";

/// Where the tools live: inside the build folder, so `cargo clean` removes
/// them and nothing outside the checkout is touched.
fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("reference-tools")
}

/// The `packaging` wheel, importable as it is (`sys.path` may hold a pure
/// wheel). `python` (3.8+) runs pip to download it when it is not there
/// yet; `None` when that fails (no network and nothing cached).
pub fn packaging_wheel(python: &Path) -> Option<PathBuf> {
    pure_wheel(python, "packaging", PACKAGING)
}

/// The wheel of Vercel's Python runtime that Vercel's builder installs,
/// downloaded by `python` (3.12+, as the runtime requires).
pub fn vercel_runtime_wheel(python: &Path) -> Option<PathBuf> {
    pure_wheel(python, "vercel_runtime", VERCEL_RUNTIME)
}

/// `<name>-<version>-py3-none-any.whl` from the public index, by pip.
fn pure_wheel(python: &Path, name: &str, version: &str) -> Option<PathBuf> {
    let file = format!("{name}-{version}-py3-none-any.whl");
    install_once(&file, |dir| {
        let downloaded = retried(|| {
            Command::new(python)
                .args([
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                ])
                .arg(format!("{name}=={version}"))
                .arg("-d")
                .arg(dir)
                .status()
                .is_ok_and(|s| s.success())
        });
        downloaded.then(|| dir.join(&file)).filter(|p| p.is_file())
    })
    .map(|dir| dir.join(&file))
}

/// The `name==version` lines a `uv pip install --dry-run` printed to
/// stderr (`+ name==version`), sorted: what uv would install.
pub fn uv_would_install(stderr: &str) -> Vec<String> {
    let mut names: Vec<String> = stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("+ "))
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

/// uv's binary, from its wheel installed by pip into a scratch venv of
/// `python`; `None` when that fails.
pub fn uv(python: &Path) -> Option<PathBuf> {
    install_once(&format!("uv-{UV}"), |dir| {
        let ok = |cmd: &mut Command| cmd.status().is_ok_and(|s| s.success());
        if !ok(Command::new(python).args(["-m", "venv"]).arg(dir)) {
            return None;
        }
        let pip = dir.join("bin/pip");
        let installed = retried(|| {
            ok(Command::new(&pip)
                .args(["install", "-q", "--disable-pip-version-check"])
                .arg(format!("uv=={UV}")))
        });
        installed.then(|| dir.join("bin/uv"))
    })
    .map(|dir| dir.join("bin/uv"))
}

/// AWS SAM CLI's `sam`, installed by uv into a venv of `python` (3.9+);
/// `None` when that fails.
pub fn sam(python: &Path) -> Option<PathBuf> {
    uv_tool(python, "aws-sam-cli", SAM_CLI, "bin/sam")
}

/// The Python of a venv of `python` holding AWS's Lambda runtime client
/// `awslambdaric` (what AWS's Python base images run), installed by uv.
pub fn awslambdaric(python: &Path) -> Option<PathBuf> {
    uv_tool(python, "awslambdaric", AWSLAMBDARIC, "bin/python")
}

/// `package==version` installed by uv into a venv of `python`, and the
/// venv's `file` (a script, or its Python).
fn uv_tool(python: &Path, package: &str, version: &str, file: &str) -> Option<PathBuf> {
    let uv = uv(python)?;
    install_once(&format!("{package}-{version}"), |dir| {
        let ok = |cmd: &mut Command| cmd.status().is_ok_and(|s| s.success());
        if !ok(Command::new(&uv)
            .args(["venv", "-q", "--python"])
            .arg(python)
            .arg(dir))
        {
            return None;
        }
        let installed = retried(|| {
            ok(Command::new(&uv)
                .args(["pip", "install", "-q", "--python"])
                .arg(dir.join("bin/python"))
                .arg(format!("{package}=={version}")))
        });
        installed.then(|| dir.join(file))
    })
    .map(|dir| dir.join(file))
}

/// The Vercel CLI (its `vercel build` runs Vercel's own Python builder),
/// installed by npm from the npm registry; `None` without npm or when
/// that fails.
pub fn vercel_cli() -> Option<PathBuf> {
    install_once(&format!("vercel-{VERCEL_CLI}"), |dir| {
        let installed = retried(|| {
            Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--no-update-notifier",
                    "--prefix",
                ])
                .arg(dir)
                .arg(format!("vercel@{VERCEL_CLI}"))
                .stdout(std::process::Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        installed.then(|| dir.join("node_modules/.bin/vercel"))
    })
    .map(|dir| dir.join("node_modules/.bin/vercel"))
}

/// Whether `attempt` succeeded within three tries (the network may fail
/// for a moment).
fn retried(mut attempt: impl FnMut() -> bool) -> bool {
    (0..3).any(|n| {
        std::thread::sleep(std::time::Duration::from_secs(n * 5));
        attempt()
    })
}

/// The folder `name` under [`tools_dir`], filled by `make` (given the
/// folder, it returns a file it made there, or `None`) unless an earlier
/// run completed it. A venv records its own path, so tools are made where
/// they stay; the `.complete` marker, written last, says they are whole.
fn install_once(name: &str, make: impl FnOnce(&Path) -> Option<PathBuf>) -> Option<PathBuf> {
    let root = tools_dir();
    fs_err::create_dir_all(&root).ok()?;
    let lock = File::create(root.join(".lock")).ok()?;
    lock.lock().ok()?;
    let dir = root.join(name.trim_end_matches(".whl"));
    let marker = dir.join(".complete");
    if marker.is_file() {
        return Some(dir);
    }
    let _ = fs_err::remove_dir_all(&dir);
    fs_err::create_dir_all(&dir).ok()?;
    if make(&dir).is_none() {
        let _ = fs_err::remove_dir_all(&dir);
        return None;
    }
    fs_err::write(&marker, "").ok()?;
    Some(dir)
}

/// A project name normalized as PEP 503 says, written here rather than
/// taken from fenv so that what a reference tool printed is read
/// independently of the code under test.
pub fn normalize(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
        } else {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}
