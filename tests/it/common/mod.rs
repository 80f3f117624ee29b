//! The test sandbox and the helpers every test module shares.
//!
//! Each test gets a [`TestContext`]: its own temporary root with a work
//! folder (the current directory of every command), a `HOME`, and a fenv
//! cache. Commands run the real `fenv` binary with a scrubbed
//! environment, against the real interpreters and shells on the machine.
//! What a test needs and cannot find makes it skip with a message, unless
//! `FENV_REQUIRE_ALL=1` (CI) turns the skip into a failure.
#![allow(dead_code)]

pub mod project;

use std::ffi::OsStr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A sealed sandbox for one test.
pub struct TestContext {
    root: tempfile::TempDir,
    work: PathBuf,
    home: PathBuf,
    cache: PathBuf,
}

impl TestContext {
    pub fn new() -> Self {
        let root = tempfile::Builder::new()
            .prefix("fenv-test")
            .tempdir()
            .expect("create a temporary folder");
        // Canonical, so paths printed by fenv and by Python compare equal.
        let base = root.path().canonicalize().expect("canonicalize the temp root");
        let work = base.join("work");
        let home = base.join("home");
        let cache = base.join("cache");
        for dir in [&work, &home] {
            fs_err::create_dir_all(dir).expect("create sandbox folders");
        }
        Self {
            root,
            work,
            home,
            cache,
        }
    }

    /// The folder commands run in.
    pub fn work(&self) -> &Path {
        &self.work
    }

    /// The sandbox's `HOME`.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The sandbox's fenv cache.
    pub fn cache(&self) -> &Path {
        &self.cache
    }

    /// The sandbox root (parent of `work`, `home`, `cache`).
    pub fn root(&self) -> PathBuf {
        self.work.parent().expect("work has a parent").to_path_buf()
    }

    /// `rel` inside the work folder.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.work.join(rel)
    }

    /// The `fenv` binary with the sandbox environment: this build's, or
    /// the one `FENV_TEST_BINARY` names (an older build, to show that a new
    /// test fails without the change it covers).
    pub fn fenv(&self) -> Command {
        let binary =
            std::env::var_os("FENV_TEST_BINARY").unwrap_or_else(|| env!("CARGO_BIN_EXE_fenv").into());
        let mut cmd = Command::new(binary);
        self.sandbox(&mut cmd);
        cmd
    }

    /// Any program with the sandbox environment.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        self.sandbox(&mut cmd);
        cmd
    }

    /// Applies the sandbox environment to `cmd`.
    pub fn sandbox(&self, cmd: &mut Command) {
        cmd.current_dir(&self.work)
            .env("HOME", &self.home)
            .env("FENV_CACHE_DIR", &self.cache)
            .env("PATH", base_path())
            // An outer active environment must not leak into the test.
            .env_remove("VIRTUAL_ENV")
            .env_remove("VIRTUAL_ENV_PROMPT")
            .env_remove("CONDA_PREFIX")
            // They would change which interpreter Python itself uses.
            .env_remove("PYTHONHOME")
            .env_remove("PYTHONPATH")
            // pyenv would otherwise pick the sandbox HOME's (missing) root.
            .env_remove("PYENV_VERSION")
            .env_remove("XDG_CACHE_HOME")
            .env_remove("XDG_CONFIG_HOME")
            // A CI system running the tests must not turn on `fenv ci`'s
            // annotations or exports where a test does not ask for them.
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_ENV")
            .env_remove("GITHUB_PATH")
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null());
        if let Some(root) = pyenv_root() {
            cmd.env("PYENV_ROOT", root);
        }
        for (key, _) in std::env::vars_os() {
            // No FENV_* setting of the outer shell may change a test,
            // except the switches that say what the test run requires.
            if key.to_string_lossy().starts_with("FENV_")
                && key != "FENV_REQUIRE_ALL"
                && key != "FENV_LIVE_TESTS"
            {
                cmd.env_remove(&key);
            }
        }
        cmd.env("FENV_CACHE_DIR", &self.cache);
    }

    /// Writes `contents` to `rel` (inside work), creating parent folders.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        fs_err::create_dir_all(path.parent().expect("has a parent")).expect("create parents");
        fs_err::write(&path, contents).expect("write fixture file");
        path
    }
}

/// PATH for sandboxed commands: the outer PATH without any venv's bin.
pub fn base_path() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|dir| {
            !dir.join("activate").exists() || !dir.parent().is_some_and(|p| p.join("pyvenv.cfg").exists())
        })
        .collect();
    std::env::join_paths(dirs)
        .expect("PATH entries are joinable")
        .to_string_lossy()
        .into_owned()
}

/// pyenv's root on this machine, if pyenv is installed.
pub fn pyenv_root() -> Option<PathBuf> {
    std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))
        .filter(|root| root.join("versions").is_dir())
}

/// The pyenv CPython `3.X` install's `bin/python3.X`, if there is one.
pub fn pyenv_python(minor: &str) -> Option<PathBuf> {
    let versions = pyenv_root()?.join("versions");
    let mut matches: Vec<PathBuf> = fs_err::read_dir(versions)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix(minor)
                .is_some_and(|rest| rest.starts_with('.') && rest[1..].bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|e| e.path().join("bin").join(format!("python{minor}")))
        .filter(|p| p.is_file())
        .collect();
    matches.sort();
    matches.pop()
}

/// Every CPython 3.7–3.13 this machine has: pyenv's, then the system's
/// `/usr/bin/python3.X`. Each as (label, path). With `FENV_REQUIRE_ALL=1`,
/// a missing pyenv minor fails the test.
pub fn all_pythons() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for minor in 7..=13 {
        let minor = format!("3.{minor}");
        if let Some(python) = require(&format!("pyenv CPython {minor}"), pyenv_python(&minor)) {
            out.push((format!("pyenv-{minor}"), python));
        }
    }
    for minor in 7..=13 {
        let system = PathBuf::from(format!("/usr/bin/python3.{minor}"));
        if system.is_file() {
            out.push((format!("system-3.{minor}"), system));
        }
    }
    out
}

/// A program on PATH.
pub fn find_program(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// `found`, or a skip: prints why and returns `None`; under
/// `FENV_REQUIRE_ALL=1` a missing requirement fails the test instead.
pub fn require<T>(what: &str, found: Option<T>) -> Option<T> {
    if found.is_none() {
        assert!(
            std::env::var_os("FENV_REQUIRE_ALL").is_none_or(|v| v != "1"),
            "{what} is required (FENV_REQUIRE_ALL=1) but missing"
        );
        eprintln!("skipped: {what} is not available");
    }
    found
}

/// Whether tests that talk to the public package index should run.
pub fn live_tests() -> bool {
    std::env::var_os("FENV_LIVE_TESTS").is_some_and(|v| v == "1")
}

/// Runs `make()`'s command until it succeeds, three times at most, with
/// a growing pause: the network may fail for a moment.
#[track_caller]
pub fn with_retries(what: &str, mut make: impl FnMut() -> Command) -> Output {
    let mut last = String::new();
    for attempt in 0..3 {
        let output = run(&mut make());
        if output.status.success() {
            return output;
        }
        last = String::from_utf8_lossy(&output.stderr).into_owned();
        std::thread::sleep(std::time::Duration::from_secs(2 << attempt));
    }
    panic!("{what} failed three times; the last time:\n{last}");
}

/// Runs `cmd` and returns its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("failed to run {cmd:?}: {e}"))
}

/// The `fenv` binary under test: this build's, or the one
/// `FENV_TEST_BINARY` names (an older build, to show that a new test fails
/// without the change it covers).
pub fn fenv_binary() -> PathBuf {
    std::env::var_os("FENV_TEST_BINARY")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_fenv")), PathBuf::from)
}

/// Runs `cmd`, asserts it succeeded, and returns its stdout.
#[track_caller]
pub fn run_ok(cmd: &mut Command) -> String {
    let output = run(cmd);
    assert!(
        output.status.success(),
        "{cmd:?} failed with {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// Runs `cmd`, asserts it failed with `code`, and returns its stderr.
#[track_caller]
pub fn run_err(cmd: &mut Command, code: i32) -> String {
    let output = run(cmd);
    assert_eq!(
        output.status.code(),
        Some(code),
        "{cmd:?}: expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stderr).expect("stderr is UTF-8")
}

/// Runs `check` for every CPython on the machine ([`all_pythons`]) in
/// parallel, and fails once with every interpreter's failure.
pub fn for_each_python(what: &str, check: impl Fn(&str, &Path) + Sync) {
    let pythons = all_pythons();
    let check = &check;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = pythons
            .iter()
            .map(|(label, python)| {
                scope.spawn(move || {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(label, python)))
                        .err()
                        .map(|panic| {
                            let message = panic
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                                .unwrap_or_default();
                            format!("{label}: {message}")
                        })
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().expect("a checking thread"))
            .collect()
    });
    assert!(failures.is_empty(), "{what} failures:\n{}", failures.join("\n\n"));
}

/// A command's whole outcome — exit code, stdout, stderr — as one text
/// with what changes from run to run filtered out: the test's root
/// (`[ROOT]`), durations (`[N] ms`) and fenv's version (`[VERSION]`). A
/// test compares it whole, so a changed message shows as a diff.
pub fn outcome(ctx: &TestContext, cmd: &mut Command) -> String {
    let output = run(cmd);
    let mut text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output
            .status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    for root in [
        ctx.root(),
        ctx.root().canonicalize().unwrap_or_else(|_| ctx.root()),
    ] {
        text = text.replace(&root.display().to_string(), "[ROOT]");
    }
    text = text.replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    // `123 ms` → `[N] ms`.
    while let Some(at) = rest.find(" ms") {
        let digits = rest[..at].bytes().rev().take_while(u8::is_ascii_digit).count();
        out.push_str(&rest[..at - digits]);
        out.push_str(if digits > 0 { "[N] ms" } else { " ms" });
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}
