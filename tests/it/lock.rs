//! `fenv lock`: the real binary resolving a project against an index on
//! 127.0.0.1 that serves wheels made by the wheel builder. Each test is a
//! small dependency graph and the `pylock.toml` (or the error) it must
//! give; the host is the pyenv CPython 3.12 that `.python-version` names.
//!
//! The live tests at the end lock real projects against the public index
//! (`FENV_LIVE_TESTS=1`), check every pinned file's hash against what the
//! index serves, and install the lock with uv.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::common::{TestContext, live_tests, pyenv_python, require, run, run_err, run_ok, with_retries};
use crate::support::index::Publish;
use crate::support::wheel::WheelBuilder;

/// The CPython minor the sandboxes' host runs.
const HOST_MINOR: &str = "3.12";

/// A project in a sandbox, with its own index and a folder of wheels.
struct Project {
    base: crate::common::project::Project,
}

impl std::ops::Deref for Project {
    type Target = crate::common::project::Project;

    fn deref(&self) -> &Self::Target {
        &self.base
    }
}

impl Project {
    /// An empty project whose host is the pyenv CPython 3.12, or `None`
    /// (a skip) without one.
    fn new() -> Option<Self> {
        let base = crate::common::project::Project::new()?;
        Some(Self { base })
    }

    /// Writes `pyproject.toml`: `dependencies` plus any further TOML.
    fn pyproject(&self, dependencies: &[&str], rest: &str) {
        self.write_pyproject(dependencies, rest);
    }

    /// A pure wheel of `name` `version` requiring `requires`.
    fn wheel(&self, name: &str, version: &str, requires: &[&str]) -> WheelBuilder {
        self.wheel_builder(name, version, requires)
    }

    /// `fenv lock ARGS` against the project's index.
    fn lock(&self, args: &[&str]) -> Command {
        let mut cmd = self.fenv(&["lock"]);
        cmd.args(args);
        cmd
    }

    /// Runs `fenv lock ARGS`, asserts success, returns its stderr.
    #[track_caller]
    fn lock_ok(&self, args: &[&str]) -> String {
        run_ok_stderr(&mut self.lock(args))
    }

    /// Runs `fenv lock ARGS`, asserts it exits 1, returns its stderr lines.
    #[track_caller]
    fn lock_err(&self, args: &[&str]) -> Vec<String> {
        lines(&run_err(&mut self.lock(args), 1))
    }

    fn lock_path(&self) -> PathBuf {
        self.ctx.path("pylock.toml")
    }

    /// The text of `pylock.toml`.
    fn locked(&self) -> String {
        fs_err::read_to_string(self.lock_path()).expect("pylock.toml was written")
    }

    /// One line per locked package: `name version` and `; marker`.
    fn pins(&self) -> Vec<String> {
        parsed(&self.locked())
            .packages
            .iter()
            .map(|p| match &p.marker {
                Some(marker) => format!("{} {} ; {marker}", p.name, p.version),
                None => format!("{} {}", p.name, p.version),
            })
            .collect()
    }

    /// The package `name` of `pylock.toml`.
    fn package(&self, name: &str) -> fenv::lock::LockedPackage {
        parsed(&self.locked())
            .packages
            .into_iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("`{name}` is not locked:\n{}", self.locked()))
    }

    /// The index requests made since the first `before`.
    fn requests_since(&self, before: usize) -> Vec<String> {
        self.index.requests()[before..].to_vec()
    }

    /// `[[packages.wheels]]` as fenv writes it for `path`, served by this
    /// index and uploaded at `upload_time` (UTC, as written).
    fn wheel_table(&self, path: &Path, upload_time: &str) -> String {
        let bytes = fs_err::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy();
        format!(
            "[[packages.wheels]]\nname = \"{name}\"\nupload-time = {upload_time}\nurl = \"http://{}/files/{name}\"\nsize = {}\nhashes = {{ sha256 = \"{}\" }}\n",
            self.index.address(),
            bytes.len(),
            crate::support::sha256_hex(&bytes)
        )
    }
}

fn parsed(text: &str) -> fenv::lock::Lock {
    fenv::lock::parse(text, Path::new("pylock.toml")).expect("fenv reads its own lock")
}

/// Runs `cmd`, asserts it succeeded, and returns its stderr.
#[track_caller]
fn run_ok_stderr(cmd: &mut Command) -> String {
    let output = run(cmd);
    assert!(
        output.status.success(),
        "{cmd:?} failed\n--- stderr\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stderr).unwrap()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn mtime(path: &Path) -> SystemTime {
    fs_err::metadata(path).unwrap().modified().unwrap()
}

/// Asserts two texts are equal, showing the first line that differs.
#[track_caller]
fn assert_text(actual: &str, expected: &str) {
    if actual == expected {
        return;
    }
    let first = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, e)| a != e)
        .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
    panic!(
        "the texts differ at line {}:\n  actual:   {:?}\n  expected: {:?}\n--- actual\n{actual}",
        first + 1,
        actual.lines().nth(first),
        expected.lines().nth(first),
    );
}

/// `[tool.fenv]` environments for tests about one deploy target: only
/// machines like this one (Linux x86_64, CPython 3.12).
const LINUX_312: &str = r#"environments = ["sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '3.12'"]"#;

/// What a project without `environments` covers, in `fenv lock`'s words.
const DEFAULT_COVERAGE: &str = "linux, linux-arm64, macos, macos-x86_64, windows × python3.10–3.14";

/// What the hint adds when some environments cannot be locked.
const OR_COVER_LESS: &str = "; or cover only the environments that can be locked: `[tool.fenv] environments` lists the platforms (or markers), `requires-python` the Pythons, `targets` the deploy targets";

/// The environment errors name first when every one fails alike.
const NEWEST_LINUX: &str = "linux (python3.14)";

/// The summary line with its timing cut: `Locked 3 packages for host`.
fn summary(stderr: &str) -> String {
    let line = stderr.lines().last().unwrap_or_default();
    line.rsplit_once(" in ")
        .map_or(line, |(head, _)| head)
        .to_string()
}

// ---------------------------------------------------------------------
// Graphs

#[test]
fn a_chain_is_locked_whole_with_every_file_checkable() {
    let Some(p) = Project::new() else { return };
    let at = |minute: u32| Publish::new().upload_time(&format!("2024-05-01T10:{minute:02}:00.250000Z"));
    let a = p.publish_as(p.wheel("a", "1.0", &["b>=1"]), at(1));
    let b = p.publish_as(p.wheel("b", "1.0", &["c"]), at(2));
    let c = p.publish_as(p.wheel("c", "1.0", &[]), at(3));
    p.pyproject(&["a"], "");

    let stderr = p.lock_ok(&[]);

    // Without `environments`, the lock covers a mixed team: Linux, Macs
    // and Windows, each with every Python CPython still supports.
    assert_eq!(
        summary(&stderr),
        "Locked 3 packages for linux, linux-arm64, macos, macos-x86_64, windows × python3.10–3.14"
    );
    let text = p.locked();
    // The index, from `FENV_INDEX_URL` here, is one of the inputs.
    let index = p.index.url();
    let mut manifest = fenv::project::manifest::load(p.ctx.work()).unwrap();
    manifest.settings.index_url = Some(index.clone());
    let hash = manifest.inputs_hash(&[]);
    let expected = format!(
        r#"lock-version = "1.0"
environments = [
    "sys_platform == 'linux' and platform_machine == 'x86_64' and implementation_name == 'cpython' and python_version >= '3.10' and python_version <= '3.14'",
    "sys_platform == 'linux' and platform_machine == 'aarch64' and implementation_name == 'cpython' and python_version >= '3.10' and python_version <= '3.14'",
    "sys_platform == 'darwin' and platform_machine == 'arm64' and implementation_name == 'cpython' and python_version >= '3.10' and python_version <= '3.14'",
    "sys_platform == 'darwin' and platform_machine == 'x86_64' and implementation_name == 'cpython' and python_version >= '3.10' and python_version <= '3.14'",
    "sys_platform == 'win32' and platform_machine == 'AMD64' and implementation_name == 'cpython' and python_version >= '3.10' and python_version <= '3.14'",
]
extras = []
dependency-groups = []
default-groups = []
created-by = "fenv"

[[packages]]
name = "a"
version = "1.0"
dependencies = [
    {{ name = "b" }},
]
index = "{index}"

{a}
[[packages]]
name = "b"
version = "1.0"
dependencies = [
    {{ name = "c" }},
]
index = "{index}"

{b}
[[packages]]
name = "c"
version = "1.0"
index = "{index}"

{c}
[tool.fenv]
targets = [
    "host",
]
inputs-hash = "{hash}"
inputs = [
    "dependency a",
    "python-version 3.12",
    "environment linux",
    "environment linux-arm64",
    "environment macos",
    "environment macos-x86_64",
    "environment windows",
    "target host",
    "index-url {index}",
]

[tool.fenv.options]
index-url = "{index}"
"#,
        a = p.wheel_table(&a, "2024-05-01T10:01:00.25Z"),
        b = p.wheel_table(&b, "2024-05-01T10:02:00.25Z"),
        c = p.wheel_table(&c, "2024-05-01T10:03:00.25Z"),
    );
    assert_text(&text, &expected);
}

#[test]
fn a_diamond_settles_on_the_one_version_both_sides_allow() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &["b>=1", "c>=1"]);
    p.publish("b", "1.0", &["d>=1,<2.6"]);
    p.publish("c", "1.0", &["d>=2,!=2.5"]);
    for version in ["1.0", "2.0", "2.5", "3.0"] {
        p.publish("d", version, &[]);
    }
    p.pyproject(&["a"], "");

    p.lock_ok(&[]);

    assert_eq!(p.pins(), ["a 1.0", "b 1.0", "c 1.0", "d 2.0"]);
    let dependencies = |name: &str| p.package(name).dependencies;
    assert_eq!(dependencies("a"), ["b", "c"]);
    assert_eq!(dependencies("b"), ["d"]);
    assert_eq!(dependencies("c"), ["d"]);
    assert!(dependencies("d").is_empty());
}

#[test]
fn extras_of_a_dependency_and_of_the_project() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &["b", "x-only; extra == 'x'", "y-only; extra == 'y'"]);
    p.publish("b", "1.0", &[]);
    p.publish("x-only", "1.0", &["x-dep"]);
    p.publish("x-dep", "1.0", &[]);
    p.publish("y-only", "1.0", &[]);
    p.publish("aws", "1.0", &["b"]);
    p.pyproject(
        &["a[x]"],
        "[project.optional-dependencies]\nAWS_Tools = [\"aws\"]\n",
    );

    p.lock_ok(&[]);

    // `a[x]` pulls what the extra adds (and what that needs), not `y`'s;
    // the project's own extra is marked, and `b`, which `a` needs too,
    // is not.
    assert_eq!(
        p.pins(),
        [
            "a 1.0",
            "aws 1.0 ; 'aws-tools' in extras",
            "b 1.0",
            "x-dep 1.0",
            "x-only 1.0",
        ]
    );
    assert_eq!(p.package("a").dependencies, ["b", "x-only"]);
    let lock = parsed(&p.locked());
    assert_eq!(lock.extras, ["aws-tools"]);
    assert!(lock.dependency_groups.is_empty());
}

#[test]
fn dependency_groups_and_their_includes_are_marked() {
    let Some(p) = Project::new() else { return };
    for name in ["app-dep", "pytest", "ruff", "shared"] {
        p.publish(name, "1.0", &[]);
    }
    p.publish("mypy", "1.0", &["typing-extensions"]);
    p.publish("typing-extensions", "1.0", &[]);
    p.pyproject(
        &["app-dep", "shared"],
        r#"
[dependency-groups]
lint = ["ruff", "mypy"]
dev = ["pytest", "shared", { include-group = "lint" }]
"#,
    );

    p.lock_ok(&[]);

    let both = "('dev' in dependency_groups) or ('lint' in dependency_groups)";
    assert_eq!(
        p.pins(),
        [
            "app-dep 1.0".to_string(),
            format!("mypy 1.0 ; {both}"),
            "pytest 1.0 ; 'dev' in dependency_groups".to_string(),
            format!("ruff 1.0 ; {both}"),
            // In a group, but also a main dependency: always installed.
            "shared 1.0".to_string(),
            format!("typing-extensions 1.0 ; {both}"),
        ]
    );
    let lock = parsed(&p.locked());
    assert_eq!(lock.dependency_groups, ["dev", "lint"]);
    assert!(lock.default_groups.is_empty());
}

#[test]
fn a_folded_license_does_not_hide_the_requirements_after_it() {
    // scipy's METADATA holds its BSD license folded, with lines of only
    // spaces, and its requirements after it. So does this wheel's.
    let Some(p) = Project::new() else { return };
    p.publish("numpy", "2.0", &[]);
    p.publish("pytest", "8.0", &[]);
    let license = "BSD 3-Clause License\n\nCopyright (c) 2001-2002 Enthought, Inc.\n\nAll rights reserved.\n";
    p.publish_as(
        p.wheel("scipy", "1.14", &["numpy>=1.23", "pytest; extra == \"test\""])
            .license(license)
            .requires_python(">=3.10")
            .provides_extra("test"),
        Publish::new(),
    );
    p.pyproject(&["scipy[test]"], "");
    p.lock_ok(&[]);
    assert_eq!(p.pins(), ["numpy 2.0", "pytest 8.0", "scipy 1.14"]);
    assert_eq!(p.package("scipy").requires_python.as_deref(), Some(">=3.10"));
}

#[test]
fn markers_are_evaluated_for_each_target_not_the_machine() {
    let Some(p) = Project::new() else { return };
    p.publish(
        "a",
        "1.0",
        &[
            "mac-only; sys_platform == 'darwin'",
            "backport; python_version < '3.12'",
            "linux-only; sys_platform == 'linux'",
        ],
    );
    for name in ["mac-only", "backport", "linux-only"] {
        p.publish(name, "1.0", &[]);
    }
    p.pyproject(
        &["a"],
        &format!(
            r#"
[tool.fenv]
{LINUX_312}
targets = ["lambda"]

[tool.fenv.target.lambda]
runtime = "python3.11"

[tool.fenv.target.mac]
python = "3.12"
platform = "macosx_14_0_arm64"
"#
        ),
    );

    p.lock_ok(&[]);

    // `backport` is needed on the 3.11 Lambda only, so it carries the
    // marker that tells it from the 3.12 laptops; nothing here runs macOS.
    assert_eq!(
        p.pins(),
        [
            "a 1.0",
            "backport 1.0 ; python_version == '3.11'",
            "linux-only 1.0"
        ]
    );
    let lock = parsed(&p.locked());
    assert_eq!(
        lock.environments,
        [
            "sys_platform == 'linux' and platform_machine == 'x86_64' and implementation_name == 'cpython' and python_version >= '3.11' and python_version <= '3.12'"
        ]
    );
    assert_eq!(lock.tool.targets, ["host", "lambda (python3.11, x86_64)"]);
    assert_eq!(p.package("a").dependencies, ["backport", "linux-only"]);

    // A macOS target gets the darwin-only package, and only it does.
    p.lock_ok(&["--target", "mac"]);
    assert_eq!(
        p.pins(),
        [
            "a 1.0",
            "backport 1.0 ; sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '3.11'",
            "linux-only 1.0 ; sys_platform == 'linux'",
            "mac-only 1.0 ; sys_platform == 'darwin'",
        ]
    );

    // The default environments: each package's marker is as short as the
    // covered machines allow (`--upgrade` drops the recorded `--target`).
    p.pyproject(&["a"], "");
    p.lock_ok(&["--upgrade"]);
    assert_eq!(
        p.pins(),
        [
            "a 1.0",
            "backport 1.0 ; python_version <= '3.11'",
            "linux-only 1.0 ; sys_platform == 'linux'",
            "mac-only 1.0 ; sys_platform == 'darwin'",
        ]
    );
}

#[test]
fn one_version_serves_every_target_where_one_can() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &[]);
    p.publish_as(p.wheel("a", "2.0", &[]), Publish::new().requires_python(">=3.12"));
    p.pyproject(
        &["a"],
        "[tool.fenv]\ntargets = [\"lambda\"]\n[tool.fenv.target.lambda]\nruntime = \"python3.11\"\n",
    );

    p.lock_ok(&[]);

    // Python 3.12 and newer alone would take 2.0, but 1.0 fits every
    // environment: no fork (uv keeps one version the same way).
    assert_eq!(p.pins(), ["a 1.0"]);
}

#[test]
fn environments_that_need_different_versions_fork() {
    let Some(p) = Project::new() else { return };
    p.publish_as(p.wheel("a", "1.0", &[]), Publish::new().requires_python("<3.12"));
    p.publish_as(
        p.wheel("a", "2.0", &["b"]),
        Publish::new().requires_python(">=3.12"),
    );
    p.publish("b", "1.0", &[]);
    p.pyproject(
        &["a"],
        "[tool.fenv]\ntargets = [\"lambda\"]\n[tool.fenv.target.lambda]\nruntime = \"python3.11\"\n",
    );

    let stderr = p.lock_ok(&[]);

    // One entry per version, each with a marker that picks exactly one
    // per environment; `b` only where 2.0 goes.
    assert_eq!(
        p.pins(),
        [
            "a 1.0 ; python_version <= '3.11'",
            "a 2.0 ; python_version >= '3.12'",
            "b 1.0 ; python_version >= '3.12'",
        ]
    );
    assert_eq!(stderr.lines().last(), Some("Forked a: 1.0, 2.0"));
    // Unchanged inputs: the same bytes.
    let first = p.locked();
    p.lock_ok(&["--upgrade"]);
    assert_eq!(p.locked(), first);

    // `-P a` moves `a` in every fork, and nothing else.
    p.publish_as(p.wheel("a", "1.1", &[]), Publish::new().requires_python("<3.12"));
    p.publish_as(
        p.wheel("a", "2.1", &["b"]),
        Publish::new().requires_python(">=3.12"),
    );
    p.publish("b", "1.1", &[]);
    p.lock_ok(&["--refresh", "-P", "a"]);
    assert_eq!(
        p.pins(),
        [
            "a 1.1 ; python_version <= '3.11'",
            "a 2.1 ; python_version >= '3.12'",
            "b 1.0 ; python_version >= '3.12'",
        ]
    );
}

// ---------------------------------------------------------------------
// Which versions are candidates

#[test]
fn versions_whose_requires_python_excludes_the_target_are_skipped() {
    let Some(p) = Project::new() else { return };
    p.publish_as(
        p.wheel("a", "1.0", &[]).requires_python(">=3.8"),
        Publish::new().requires_python(">=3.8"),
    );
    p.publish_as(
        p.wheel("a", "2.0", &[]).requires_python(">=3.13"),
        Publish::new().requires_python(">=3.13"),
    );
    // Only the metadata says so (an index that leaves the key out).
    p.publish_as(p.wheel("a", "1.5", &[]).requires_python(">=3.13"), Publish::new());
    p.pyproject(&["a"], "");

    p.lock_ok(&[]);

    assert_eq!(p.pins(), ["a 1.0"]);
    assert_eq!(p.package("a").requires_python.as_deref(), Some(">=3.8"));
}

#[test]
fn yanked_versions_are_skipped_unless_pinned_exactly() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &[]);
    p.publish_as(p.wheel("a", "2.0", &[]), Publish::new().yanked());
    p.pyproject(&["a"], "");
    p.lock_ok(&[]);
    assert_eq!(p.pins(), ["a 1.0"]);

    p.pyproject(&["a>=1.5"], "");
    assert_eq!(
        p.lock_err(&[]),
        [
            format!(
                "error: failed to lock the project: no versions satisfy the requirements for {NEWEST_LINUX}:"
            ),
            "Because there is no usable version of a>=1.5 and your project depends on a>=1.5, your project's requirements cannot be satisfied.".to_string(),
            "`a` 2.0 is yanked".to_string(),
            format!("hint: `a` 1.0 fits {NEWEST_LINUX}: allow it"),
        ]
    );

    p.pyproject(&["a==2.0"], "");
    p.lock_ok(&[]);
    assert_eq!(p.pins(), ["a 2.0"]);
}

#[test]
fn pre_releases_only_when_no_final_release_fits() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &[]);
    p.publish("a", "2.0b1", &[]);
    p.publish("only-pre", "1.0rc1", &[]);
    p.pyproject(&["a", "only-pre"], "");

    p.lock_ok(&[]);
    // Nothing but a pre-release of `only-pre` exists: it is taken.
    assert_eq!(p.pins(), ["a 1.0", "only-pre 1.0rc1"]);

    p.pyproject(&["a>=2.0b1", "only-pre"], "");
    p.lock_ok(&[]);
    assert_eq!(p.pins(), ["a 2.0b1", "only-pre 1.0rc1"]);

    // Naming a pre-release is not asking for one while a final release
    // fits (uv 0.13 locks `a>=1.0rc1` to 1.0 too), and neither is a bound
    // such as `<3.0`, which PEP 440 turns into `<3.0.dev0`: mlflow's
    // `protobuf<8` took 7.37.0rc1 that way.
    p.publish("b", "1.0", &["a<3.0"]);
    p.pyproject(&["a>=1.0rc1", "b"], "");
    p.lock_ok(&["--upgrade"]);
    assert_eq!(p.pins(), ["a 1.0", "b 1.0"]);

    // `--prerelease` allows them everywhere.
    let q = Project::new().unwrap();
    q.publish("a", "1.0", &[]);
    q.publish("a", "2.0b1", &[]);
    q.pyproject(&["a"], "");
    q.lock_ok(&["--prerelease"]);
    assert_eq!(q.pins(), ["a 2.0b1"]);
}

// ---------------------------------------------------------------------
// Errors

#[test]
fn a_conflict_is_explained_for_the_target_where_it_happens() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &["b>=2; python_version < '3.12'"]);
    p.publish("b", "1.0", &[]);
    p.publish("b", "2.0", &[]);
    p.pyproject(
        &["a", "b<2"],
        &format!("[tool.fenv]\n{LINUX_312}\ntargets = [\"lambda\"]\n[tool.fenv.target.lambda]\nruntime = \"python3.11\"\n"),
    );

    assert_eq!(
        p.lock_err(&[]),
        [
            "error: failed to lock the project: cannot lock for 1 of 2 environments (lambda (python3.11, x86_64, glibc ≤ 2.26)): no versions satisfy the requirements for lambda (python3.11, x86_64, glibc ≤ 2.26):".to_string(),
            "Because a depends on b>=2 and your project depends on a, your project depends on b>=2.".to_string(),
            "And because your project depends on b<2, your project's requirements cannot be satisfied.".to_string(),
            format!("hint: loosen the requirements named above, or drop the target that cannot satisfy them{OR_COVER_LESS}"),
        ]
    );
    assert!(!p.lock_path().exists());

    // Linux with CPython 3.12 alone has no conflict.
    p.pyproject(&["a", "b<2"], &format!("[tool.fenv]\n{LINUX_312}\n"));
    p.lock_ok(&[]);
    assert_eq!(p.pins(), ["a 1.0", "b 1.0"]);
}

/// A file named like an sdist that is not one: fenv cannot read its
/// `PKG-INFO`, so only a version with wheels can be locked.
fn sdist(dir: &Path, name: &str, version: &str) -> PathBuf {
    fs_err::create_dir_all(dir).unwrap();
    // PEP 625: the name normalized with underscores.
    let path = dir.join(format!("{}-{version}.tar.gz", name.replace('-', "_")));
    fs_err::write(&path, format!("sdist of {name} {version}")).unwrap();
    path
}

#[test]
fn a_package_with_only_an_sdist_cannot_be_locked_for_lambda() {
    let Some(p) = Project::new() else { return };
    // Only the 3.11 Lambda needs it, so the host does not fail first.
    p.publish("a", "1.0", &["sdist-only; python_version < '3.12'"]);
    p.index.publish(&sdist(&p.wheels(), "sdist-only", "1.0"));
    p.pyproject(
        &["a"],
        &format!("[tool.fenv]\n{LINUX_312}\ntargets = [\"lambda\"]\n[tool.fenv.target.lambda]\nruntime = \"python3.11\"\n"),
    );

    assert_eq!(
        p.lock_err(&[]),
        [
            "error: failed to lock the project: cannot lock for 1 of 2 environments (lambda (python3.11, x86_64, glibc ≤ 2.26)): `sdist-only` has no file that installs on lambda (python3.11, x86_64, glibc ≤ 2.26): its newest version 1.0 has only a source distribution, and fenv locks only wheels for targets it cannot build on".to_string(),
            format!("hint: add a `find-links` folder with a wheel built for the target{OR_COVER_LESS}"),
        ]
    );

    // psycopg2's way out: its `-binary` twin ships wheels. (The page the
    // first error looked up is cached as missing: `--refresh`.)
    p.publish("sdist-only-binary", "1.0", &[]);
    assert_eq!(
        p.lock_err(&["--refresh"]).last().map(String::as_str),
        Some(
            format!("hint: depend on `sdist-only-binary`, which ships wheels, instead; or add a `find-links` folder with a wheel built for the target{OR_COVER_LESS}").as_str()
        )
    );
}

#[test]
fn a_version_without_a_wheel_for_the_target_is_named_with_the_ways_out() {
    // numpy 1.26.4 for Lambda python3.13: wheels up to CPython 3.12 only.
    let Some(p) = Project::new() else { return };
    for (version, tag) in [
        ("1.26", "cp312-cp312-manylinux_2_17_x86_64"),
        ("2.1", "cp313-cp313-manylinux_2_17_x86_64"),
        ("2.2", "cp313-cp313-manylinux_2_17_x86_64"),
    ] {
        p.publish_as(p.wheel("numpy", version, &[]).tag(tag), Publish::new());
    }
    p.pyproject(
        &["numpy==1.26"],
        &format!("[tool.fenv]\n{LINUX_312}\ntargets = [\"lambda\"]\n[tool.fenv.target.lambda]\nruntime = \"python3.13\"\n"),
    );
    // Laptops with 3.12 are fine; the error is the target's.
    assert_eq!(
        p.lock_err(&[]),
        [
            "error: failed to lock the project: cannot lock for 1 of 2 environments (lambda (python3.13, x86_64, glibc ≤ 2.34)): no versions satisfy the requirements for lambda (python3.13, x86_64, glibc ≤ 2.34):".to_string(),
            "Because there is no usable version of numpy==1.26 and your project depends on numpy==1.26, your project's requirements cannot be satisfied.".to_string(),
            "`numpy` 1.26 has no wheel for the target's Python: its wheels for the target's platform are for CPython 3.12 (for example `numpy-1.26-cp312-cp312-manylinux_2_17_x86_64.whl`)".to_string(),
            format!("hint: versions 2.1 to 2.2 of `numpy` fit lambda (python3.13, x86_64, glibc ≤ 2.34): allow one of them; or lock for a Python its wheels are for (3.12){OR_COVER_LESS}"),
        ]
    );
}

#[test]
fn a_name_the_index_does_not_know_is_said_so_with_a_guess() {
    let Some(p) = Project::new() else { return };
    p.publish("pyyaml", "6.0", &[]);
    p.pyproject(&["py-yaml"], "");
    let index = p.index.url();
    assert_eq!(
        p.lock_err(&[]),
        [
            format!(
                "error: failed to lock the project: no package named `py-yaml` on {}",
                index.trim_end_matches('/')
            ),
            "hint: did you mean `pyyaml`?".to_string(),
        ]
    );
    // Without a likely slip, no guess.
    p.pyproject(&["nothing-like-it"], "");
    assert_eq!(
        p.lock_err(&[]).last().map(String::as_str),
        Some("hint: check the name, and the index URL (`--index-url`, `FENV_INDEX_URL`)")
    );
}

#[test]
fn an_sdist_that_cannot_be_read_fails_on_the_host_naming_why() {
    let Some(p) = Project::new() else { return };
    p.index.publish(&sdist(&p.wheels(), "sdist-only", "1.0"));
    p.pyproject(&["sdist-only"], "");

    assert_eq!(
        p.lock_err(&[]),
        [
            format!(
                "error: failed to lock the project: `sdist-only` 1.0 has only a source distribution for {NEWEST_LINUX}, whose dependencies fenv cannot read: it is not a valid gzip-compressed tar archive: invalid gzip header"
            ),
            "hint: pin a version that ships wheels, or build a wheel yourself (`pip wheel --no-deps sdist-only==1.0 -w wheels`) and lock with `--find-links wheels`".to_string(),
        ]
    );
}

#[test]
fn an_sdist_with_static_metadata_is_locked_for_the_host_without_a_build() {
    use crate::support::sdist::SdistBuilder;
    let Some(p) = Project::new() else { return };
    p.publish("b", "1.0", &[]);
    p.index.publish(
        &SdistBuilder::new("static", "1.0")
            .requires("b>=1")
            .build(&p.wheels()),
    );
    p.index.publish(
        &SdistBuilder::new("dynamic", "1.0")
            .metadata_version("2.1")
            .build(&p.wheels()),
    );

    p.pyproject(&["static"], "");
    p.lock_ok(&[]);
    // PKG-INFO's Requires-Dist is followed (PEP 643), and the sdist locked.
    assert_eq!(p.pins(), ["b 1.0", "static 1.0"]);
    let locked = p.package("static");
    assert!(locked.wheels.is_empty());
    assert_eq!(locked.sdist.map(|s| s.name).as_deref(), Some("static-1.0.tar.gz"));

    // One that is not static is built (tests/it/build.rs); without its
    // backend on the index, the error says what was tried.
    p.pyproject(&["dynamic"], "");
    let lines = p.lock_err(&[]);
    assert_eq!(
        lines,
        [
            "Reading the metadata of dynamic==1.0 from its source distribution".to_string(),
            format!(
                "error: failed to lock the project: failed to read the dependencies of `dynamic` 1.0, which has only a source distribution for {}: failed to build `dynamic` 1.0 from its source distribution: failed to resolve the build requirements (setuptools>=40.8.0): no package named `setuptools` on {}",
                NEWEST_LINUX,
                p.index.url().trim_end_matches('/')
            ),
            "hint: check the name, and the index URL (`--index-url`, `FENV_INDEX_URL`)".to_string(),
        ]
    );
}

#[test]
fn the_host_falls_back_to_a_version_with_wheels_and_locks_its_sdist() {
    let Some(p) = Project::new() else { return };
    let wheel = p.publish("a", "1.0", &[]);
    p.index.publish(&sdist(&p.wheels(), "a", "1.0"));
    p.index.publish(&sdist(&p.wheels(), "a", "2.0"));
    p.pyproject(&["a"], "");

    p.lock_ok(&[]);

    // 2.0 has no wheel to read its metadata from; 1.0's sdist is locked
    // beside its wheel for installers that build.
    assert_eq!(p.pins(), ["a 1.0"]);
    let a = p.package("a");
    assert_eq!(a.wheels.len(), 1);
    assert_eq!(a.wheels[0].name, wheel.file_name().unwrap().to_string_lossy());
    assert_eq!(a.sdist.map(|s| s.name).as_deref(), Some("a-1.0.tar.gz"));
}

#[test]
fn platform_wheels_must_fit_the_targets_glibc() {
    let Some(p) = Project::new() else { return };
    let wheel = |tag: &str| {
        let path = p.publish_as(p.wheel("native", "1.0", &[]).tag(tag), Publish::new());
        path.file_name().unwrap().to_str().unwrap().to_string()
    };
    let linux = wheel("cp38-abi3-manylinux_2_28_x86_64");
    let mac = wheel("cp38-abi3-macosx_11_0_arm64");
    let windows = wheel("cp38-abi3-win_amd64");
    wheel("cp38-abi3-manylinux_2_35_x86_64");
    const TEAM: &str = r#"environments = ["linux", "macos", "windows"]"#;
    p.pyproject(
        &["native"],
        &format!("[tool.fenv]\n{TEAM}\ntargets = [\"lambda\"]\n"),
    );

    // Laptops take glibc 2.28 wheels (uv's default too) and Lambda
    // python3.12 runs glibc 2.34: the manylinux_2_28 wheel fits both, the
    // 2_35 one neither, so the lock keeps it out.
    p.lock_ok(&[]);
    let native = p.package("native");
    let names: Vec<&str> = native.wheels.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, [mac.as_str(), linux.as_str(), windows.as_str()]);
    assert_eq!(native.marker, None);

    // python3.11 runs on glibc 2.26: nothing fits.
    p.pyproject(
        &["native"],
        &format!("[tool.fenv]\n{TEAM}\ntargets = [\"lambda\"]\n[tool.fenv.target.lambda]\nruntime = \"python3.11\"\n"),
    );
    assert_eq!(
        p.lock_err(&[]),
        [
            "error: failed to lock the project: cannot lock for 1 of 16 environments (lambda (python3.11, x86_64, glibc ≤ 2.26)): `native` has no file that installs on lambda (python3.11, x86_64, glibc ≤ 2.26): its newest version 1.0 has no wheel for the target: its Linux wheels need glibc 2.28 or newer, and the target has 2.26 (for example `native-1.0-cp38-abi3-manylinux_2_28_x86_64.whl`)".to_string(),
            format!("hint: lock for a target whose glibc is 2.28 or newer (AWS Lambda's python3.12 and later runtimes have 2.34){OR_COVER_LESS}"),
        ]
    );
}

// ---------------------------------------------------------------------
// Stable locks

#[test]
fn a_relock_keeps_the_pins_until_asked_to_upgrade() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &["b"]);
    p.publish("b", "1.0", &[]);
    p.publish("c", "1.0", &[]);
    p.pyproject(&["a"], "");
    p.lock_ok(&[]);
    assert_eq!(p.pins(), ["a 1.0", "b 1.0"]);

    // Newer releases appear: the lock stands.
    p.publish("a", "1.1", &["b"]);
    p.publish("b", "1.1", &[]);
    assert_eq!(lines(&p.lock_ok(&[])), ["`pylock.toml` is up to date"]);
    assert_eq!(p.pins(), ["a 1.0", "b 1.0"]);
    // The project changes in another way: the pins still stand.
    p.pyproject(&["a", "c"], "");
    // Pages are revalidated on every request from here on.
    let fresh = |args: &[&str]| {
        run_ok_stderr(p.lock(args).env("FENV_INDEX_FRESHNESS", "0"));
        p.pins()
    };
    assert_eq!(fresh(&[]), ["a 1.0", "b 1.0", "c 1.0"]);

    // `-P a` moves `a` alone.
    assert_eq!(fresh(&["-P", "a"]), ["a 1.1", "b 1.0", "c 1.0"]);
    // A pin the inputs no longer allow moves too, and only it.
    p.pyproject(&["a", "c", "b>=1.1"], "");
    p.publish("a", "1.2", &["b"]);
    assert_eq!(fresh(&[]), ["a 1.1", "b 1.1", "c 1.0"]);
    // `--upgrade` moves everything.
    assert_eq!(fresh(&["--upgrade"]), ["a 1.2", "b 1.1", "c 1.0"]);
}

#[test]
fn exclude_newer_ignores_later_uploads_as_uv_does() {
    let Some(p) = Project::new() else { return };
    p.publish_as(
        p.wheel("a", "1.0", &[]),
        Publish::new().upload_time("2024-01-01T00:00:00Z"),
    );
    p.publish_as(
        p.wheel("a", "2.0", &[]),
        Publish::new().upload_time("2024-06-01T04:30:00.500000Z"),
    );
    p.pyproject(&["a"], "");
    // `TZ` says which day a bare date is; POSIX zones need no tz database.
    let pins_with = |zone: &str, args: &[&str]| {
        fs_err::remove_file(p.lock_path()).ok();
        run_ok_stderr(p.lock(args).env("TZ", zone));
        p.pins()
    };

    // A date takes in the whole day where the machine is: in UTC and at
    // UTC-4 it ends before a 2.0's upload, at UTC-7 after it.
    assert_eq!(pins_with("UTC0", &["--exclude-newer", "2024-05-31"]), ["a 1.0"]);
    assert_eq!(pins_with("EDT4", &["--exclude-newer", "2024-05-31"]), ["a 1.0"]);
    assert_eq!(pins_with("PDT7", &["--exclude-newer", "2024-05-31"]), ["a 2.0"]);
    assert_eq!(
        p.package("a").wheels[0].upload_time.as_deref(),
        Some("2024-06-01T04:30:00.5Z")
    );
    // A timestamp is that instant, to the millisecond, in any zone; what
    // was uploaded at the cut-off itself is left out.
    assert_eq!(
        pins_with("PDT7", &["--exclude-newer", "2024-06-01T04:30:00.5Z"]),
        ["a 1.0"]
    );
    assert_eq!(
        pins_with("UTC0", &["--exclude-newer", "2024-06-01T04:30:00.501Z"]),
        ["a 2.0"]
    );
    assert_eq!(
        pins_with("UTC0", &["--exclude-newer", "2024-06-01T06:30:01+02:00"]),
        ["a 2.0"]
    );
    // From the settings too, a TOML date, kept as a date among the inputs
    // (so `--check` agrees on machines in other zones).
    p.pyproject(&["a"], "[tool.fenv]\nexclude-newer = 2024-05-31\n");
    assert_eq!(pins_with("UTC0", &[]), ["a 1.0"]);
    assert!(
        parsed(&p.locked())
            .tool
            .inputs
            .contains(&"exclude-newer 2024-05-31".to_string())
    );
    assert_eq!(
        lines(&run_ok_stderr(p.lock(&["--check"]).env("TZ", "PDT7"))),
        ["`pylock.toml` is up to date"]
    );
}

#[test]
fn exclude_newer_must_be_a_timestamp() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &[]);
    p.pyproject(&["a"], "");
    let err = run_err(&mut p.lock(&["--exclude-newer", "last tuesday"]), 2);
    assert_eq!(
        err.lines().next(),
        Some(
            "error: invalid value 'last tuesday' for '--exclude-newer <TIMESTAMP>': `last tuesday` is not a date (`2025-01-31`) or an RFC 3339 timestamp with a time zone (`2025-01-31T00:00:00Z`)"
        )
    );
    assert!(!p.lock_path().exists());
}

#[test]
fn a_flag_given_once_holds_for_every_later_command_until_given_again() {
    let Some(p) = Project::new() else { return };
    p.publish_as(
        p.wheel("a", "1.0", &[]),
        Publish::new().upload_time("2024-01-01T00:00:00Z"),
    );
    p.publish_as(
        p.wheel("a", "2.0", &[]),
        Publish::new().upload_time("2024-06-01T00:00:00Z"),
    );
    p.publish("a", "3.0b1", &[]);
    p.pyproject(&["a"], "\n[tool.fenv]\ntargets = [\"lambda\"]\n");
    p.lock_ok(&[]);
    assert_eq!(p.pins(), ["a 2.0"]);

    // Each flag is an input of the lock, and the lock records it: no
    // later command needs it again.
    let tool = || parsed(&p.locked()).tool;
    p.lock_ok(&["--exclude-newer", "2024-03-01"]);
    assert_eq!(p.pins(), ["a 1.0"]);
    assert!(tool().inputs.contains(&"exclude-newer 2024-03-01".to_string()));
    assert_eq!(tool().options.exclude_newer.as_deref(), Some("2024-03-01"));
    assert!(
        p.locked()
            .contains("\n[tool.fenv.options]\nexclude-newer = \"2024-03-01\"\n"),
        "{}",
        p.locked()
    );
    assert_eq!(lines(&p.lock_ok(&["--check"])), ["`pylock.toml` is up to date"]);
    let before = p.locked();
    p.lock_ok(&[]);
    assert_eq!(p.locked(), before, "a plain `fenv lock` keeps it");
    p.sync_ok(&["--frozen"]);
    run_ok(&mut p.fenv(&["check"]));

    // A target given once is kept too: a lock that covers more than the
    // manifest asks is never stale for it, and a plain sync keeps it.
    p.lock_ok(&["--target", "vercel"]);
    assert_eq!(tool().options.targets, ["vercel"]);
    let before = p.locked();
    p.sync_ok(&[]);
    assert_eq!(p.locked(), before, "sync does not lock again and drop vercel");
    assert_eq!(lines(&p.lock_ok(&["--check"])), ["`pylock.toml` is up to date"]);

    // A new value replaces the recorded one; `--upgrade` drops them all.
    p.lock_ok(&["--exclude-newer", "2024-07-01"]);
    assert_eq!(tool().options.exclude_newer.as_deref(), Some("2024-07-01"));
    p.lock_ok(&["--prerelease", "--upgrade"]);
    assert_eq!(p.pins(), ["a 3.0b1"]);
    assert_eq!(tool().options.exclude_newer, None);
    assert!(tool().options.targets.is_empty());
    assert_eq!(
        tool().inputs.last().map(String::as_str),
        Some("prereleases allowed")
    );
    assert_eq!(lines(&p.lock_ok(&["--check"])), ["`pylock.toml` is up to date"]);
}

// ---------------------------------------------------------------------
// The cache, the network and the file

#[test]
fn offline_locks_from_a_warm_cache_without_a_request() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &["b"]);
    p.publish("b", "1.0", &[]);
    p.pyproject(&["a"], "");
    p.lock_ok(&[]);
    let online = p.locked();
    fs_err::remove_file(p.lock_path()).unwrap();

    let before = p.index.requests().len();
    let stderr = run_ok_stderr(p.lock(&[]).arg("--offline"));

    assert_eq!(
        summary(&stderr),
        format!("Locked 2 packages for {DEFAULT_COVERAGE}")
    );
    assert_eq!(p.requests_since(before), Vec::<String>::new());
    assert_eq!(p.locked(), online);
}

#[test]
fn offline_with_a_cold_cache_fails_naming_what_is_missing() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &[]);
    p.pyproject(&["a"], "");

    let err = run_err(p.lock(&[]).arg("--offline"), 1);

    assert_eq!(
        lines(&err),
        [
            "error: failed to lock the project: failed to get `a` from the index: failed to get the files of `a` from the index: the index page of `a` is not in the cache, and `--offline` forbids the network",
            "hint: run once without `--offline` to fill the cache, then retry offline",
        ]
    );
    assert_eq!(p.index.requests(), Vec::<String>::new());
    assert!(!p.lock_path().exists());
}

#[test]
fn two_fresh_locks_are_byte_identical() {
    let Some(first) = Project::new() else { return };
    // Published out of order, with several files per version.
    first.publish("zeta", "1.0", &["alpha>=1", "Mid_Pkg"]);
    first.publish("alpha", "2.0", &[]);
    first.publish_as(
        first
            .wheel("mid-pkg", "1.0", &[])
            .tag("cp38-abi3-manylinux_2_17_x86_64"),
        Publish::new(),
    );
    first.publish("mid-pkg", "1.0", &[]);
    first.publish("alpha", "1.0", &[]);
    first.pyproject(
        &["zeta", "alpha"],
        "[tool.fenv]\ntargets = [\"lambda\", \"vercel\"]\n",
    );
    first.lock_ok(&[]);

    // A second checkout elsewhere, with its own cache, same index.
    let second = TestContext::new();
    for file in [".python-version", "pyproject.toml"] {
        fs_err::copy(first.ctx.path(file), second.path(file)).unwrap();
    }
    run_ok_stderr(second.fenv().arg("lock").env("FENV_INDEX_URL", first.index.url()));

    let one = fs_err::read(first.lock_path()).unwrap();
    let two = fs_err::read(second.path("pylock.toml")).unwrap();
    assert!(
        one == two,
        "the locks differ:\n{}\n---\n{}",
        first.locked(),
        String::from_utf8_lossy(&two)
    );
    assert_eq!(first.pins(), ["alpha 2.0", "mid-pkg 1.0", "zeta 1.0"]);
    assert_eq!(first.package("mid-pkg").wheels.len(), 2);
}

#[test]
fn an_up_to_date_lock_is_left_alone_without_a_request() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &[]);
    p.pyproject(&["a"], "");
    p.lock_ok(&[]);
    let written = mtime(&p.lock_path());
    let text = p.locked();
    std::thread::sleep(Duration::from_millis(20));

    let before = p.index.requests().len();
    let stderr = p.lock_ok(&[]);

    assert_eq!(lines(&stderr), ["`pylock.toml` is up to date"]);
    assert_eq!(p.requests_since(before), Vec::<String>::new());
    assert_eq!(mtime(&p.lock_path()), written);

    // Re-resolving to the same answer does not rewrite the file either.
    let stderr = p.lock_ok(&["--upgrade"]);
    assert_eq!(summary(&stderr), format!("Kept 1 package for {DEFAULT_COVERAGE}"));
    assert_eq!(mtime(&p.lock_path()), written);
    assert_eq!(p.locked(), text);
}

#[test]
fn check_is_the_ci_gate() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &[]);
    p.publish("b", "1.0", &[]);
    p.pyproject(&["a"], "");

    assert_eq!(
        p.lock_err(&["--check"]),
        [
            "error: there is no lock at `pylock.toml`",
            "hint: run `fenv lock` and commit the result",
        ]
    );

    p.lock_ok(&[]);
    let text = p.locked();
    let before = p.index.requests().len();
    assert_eq!(lines(&p.lock_ok(&["--check"])), ["`pylock.toml` is up to date"]);

    // Reordering and reformatting changes nothing.
    p.ctx.write(
        "pyproject.toml",
        "[project]\nversion = \"0\"\nname = \"app\"\ndependencies = [\n  \"a\",\n]\n",
    );
    assert_eq!(lines(&p.lock_ok(&["--check"])), ["`pylock.toml` is up to date"]);

    p.pyproject(&["a>=1", "b"], "[tool.fenv]\ntargets = [\"lambda\"]\n");
    assert_eq!(
        p.lock_err(&["--check"]),
        [
            "error: `pylock.toml` does not match the project's inputs:",
            "  - dependency a",
            "  + dependency a>=1",
            "  + dependency b",
            "  + target lambda (python3.12, x86_64)",
            "hint: run `fenv lock` and commit the result",
        ]
    );
    // A target named on the command line is an input too.
    p.pyproject(&["a"], "");
    assert_eq!(
        p.lock_err(&["--check", "--target", "vercel"]),
        [
            "error: `pylock.toml` does not match the project's inputs:",
            "  + target vercel (python3.12)",
            "hint: run `fenv lock` and commit the result",
        ]
    );
    assert_eq!(p.requests_since(before), Vec::<String>::new());
    assert_eq!(p.locked(), text);
}

/// Everything that changes what a lock holds is an input: each change
/// below makes `fenv lock --check` exit 1 naming it, without the network.
#[test]
fn every_input_makes_the_lock_stale() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &[]);
    p.ctx.write("wheels-extra/.keep", "");
    p.ctx.write(
        "libs/utils/pyproject.toml",
        "[project]\nname = \"utils\"\nversion = \"1.0\"\n",
    );
    let base = "requires-python = \">=3.10\"\n\n[project.optional-dependencies]\nfast = []\n\n[dependency-groups]\ndev = []\n";
    p.pyproject(&["a"], base);
    p.lock_ok(&[]);
    let before = p.index.requests().len();
    let stale = |what: &str, dependencies: &[&str], rest: &str, expected: &str| {
        p.pyproject(dependencies, rest);
        eprintln!("changed: {what}");
        let said = p.lock_err(&["--check"]);
        assert!(
            said.iter().any(|line| line.starts_with(expected)),
            "{what}: {expected:?} not in {said:#?}"
        );
        p.pyproject(&["a"], base);
    };
    stale("a dependency", &["a>=1"], base, "  + dependency a>=1");
    stale(
        "an extra",
        &["a"],
        &base.replace("fast = []", "fast = [\"a\"]"),
        "  + extra fast: a",
    );
    stale(
        "a group",
        &["a"],
        &base.replace("dev = []", "dev = [\"a\"]"),
        "  + group dev: a",
    );
    stale(
        "requires-python",
        &["a"],
        &base.replace(">=3.10", ">=3.11"),
        "  + requires-python >=3.11",
    );
    stale(
        "[tool.fenv] python",
        &["a"],
        &format!("{base}\n[tool.fenv]\npython = \"3.13\"\n"),
        "  + python 3.13",
    );
    stale(
        "environments",
        &["a"],
        &format!("{base}\n[tool.fenv]\nenvironments = [\"linux\"]\n"),
        "  - environment macos",
    );
    stale(
        "a target",
        &["a"],
        &format!("{base}\n[tool.fenv]\ntargets = [\"lambda\"]\n"),
        "  + target lambda (python3.12, x86_64)",
    );
    stale(
        "a target's settings",
        &["a"],
        &format!(
            "{base}\n[tool.fenv]\ntargets = [\"lambda\"]\n\n[tool.fenv.target.lambda]\narch = \"arm64\"\n"
        ),
        "  + target lambda (python3.12, arm64)",
    );
    stale(
        "find-links",
        &["a"],
        &format!("{base}\n[tool.fenv]\nfind-links = [\"wheels-extra\"]\n"),
        "  + find-links wheels-extra",
    );
    stale(
        "exclude-newer",
        &["a"],
        &format!("{base}\n[tool.fenv]\nexclude-newer = \"2025-01-31T00:00:00Z\"\n"),
        "  + exclude-newer 2025-01-31T00:00:00Z",
    );
    stale(
        "a source",
        &["a"],
        &format!("{base}\n[tool.fenv.sources]\nutils = {{ path = \"libs/utils\" }}\n"),
        "  + source utils path=libs/utils editable=false metadata=",
    );
    // .python-version and the pre-release policy come from outside pyproject.toml.
    p.ctx.write(".python-version", "3.13\n");
    let said = p.lock_err(&["--check"]);
    assert!(said.contains(&"  + python-version 3.13".to_string()), "{said:#?}");
    p.ctx.write(".python-version", "3.12\n");
    let said = p.lock_err(&["--check", "--index-url", "https://mirror.example/simple"]);
    assert!(
        said.contains(&"  + index-url https://mirror.example/simple".to_string()),
        "{said:#?}"
    );
    let said = p.lock_err(&["--check", "--prerelease"]);
    assert!(said.contains(&"  + prereleases allowed".to_string()), "{said:#?}");
    assert_eq!(lines(&p.lock_ok(&["--check"])), ["`pylock.toml` is up to date"]);
    assert_eq!(p.requests_since(before), Vec::<String>::new());
}

#[test]
fn index_failures_are_retried_then_named_with_the_package() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &["b"]);
    p.publish("b", "1.0", &[]);
    p.pyproject(&["a"], "");

    // Two 500s in a row are retried away.
    p.index.fail("/simple/a/", 2);
    p.lock_ok(&[]);
    assert_eq!(p.pins(), ["a 1.0", "b 1.0"]);

    // An index that keeps failing is named, with the package and the URL.
    fs_err::remove_file(p.lock_path()).unwrap();
    p.index.fail("/simple/b/", 100);
    assert_eq!(
        p.lock_err(&["--refresh"]),
        [
            format!(
                "error: failed to lock the project: failed to get `b` from the index: failed to get the files of `b` from the index: failed to fetch `{}/b/` after 3 attempts: HTTP 500",
                p.index.url()
            ),
            "hint: check the network connection and the index URL (`FENV_INDEX_URL`)".to_string(),
        ]
    );
}

// ---------------------------------------------------------------------
// Live: the public index (`FENV_LIVE_TESTS=1`)

/// The projects the live tests lock: popular, with deep graphs, extras,
/// platform wheels (pydantic-core) and large index pages (botocore).
const LIVE_PROJECTS: [&str; 5] = ["requests", "fastapi", "boto3", "pydantic", "httpx"];

/// A project of [`LIVE_PROJECTS`] for the host and Lambda (python3.12,
/// x86_64), or `None` (a skip) when live tests are off.
fn live_project() -> Option<(TestContext, PathBuf)> {
    if !live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to test against the public index");
        return None;
    }
    let python = require("pyenv CPython 3.12", pyenv_python(HOST_MINOR))?;
    let ctx = TestContext::new();
    ctx.write(".python-version", format!("{HOST_MINOR}\n"));
    let dependencies: Vec<String> = LIVE_PROJECTS.iter().map(|p| format!("{p:?}")).collect();
    ctx.write(
        "pyproject.toml",
        format!(
            "[project]\nname = \"live\"\nversion = \"0\"\ndependencies = [{}]\n\n[tool.fenv]\ntargets = [\"lambda\"]\n\n[tool.fenv.target.lambda]\nruntime = \"python3.12\"\narch = \"x86_64\"\n",
            dependencies.join(", ")
        ),
    );
    Some((ctx, python))
}

/// Locks the live project and returns the lock.
fn live_lock(ctx: &TestContext) -> fenv::lock::Lock {
    let output = with_retries("fenv lock", || {
        let mut cmd = ctx.fenv();
        cmd.arg("lock");
        cmd
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        summary(&stderr).ends_with(&format!(
            "packages for {DEFAULT_COVERAGE}, lambda (python3.12, x86_64, glibc ≤ 2.34)"
        )),
        "{stderr}"
    );
    let lock = parsed(&fs_err::read_to_string(ctx.path("pylock.toml")).unwrap());
    let names: Vec<&str> = lock.packages.iter().map(|p| p.name.as_str()).collect();
    for project in LIVE_PROJECTS
        .iter()
        .chain(&["botocore", "pydantic-core", "starlette", "urllib3"])
    {
        assert!(names.contains(project), "{project} is not in the lock: {names:?}");
    }
    lock
}

/// What the public index serves for each of `names`: filename → (sha256,
/// size, url), read with Python's own urllib, not with fenv.
const INDEX_FILES_PY: &str = r#"
import json, sys, time, urllib.request

def page(name):
    request = urllib.request.Request(
        f"https://pypi.org/simple/{name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    for attempt in range(4):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)
        except OSError:
            if attempt == 3:
                raise
            time.sleep(2 << attempt)

out = {}
for name in sys.argv[1:]:
    out[name] = {
        f["filename"]: [f["hashes"].get("sha256"), f.get("size"), f["url"]]
        for f in page(name)["files"]
    }
json.dump(out, sys.stdout)
"#;

#[test]
fn live_every_pinned_file_matches_the_index() {
    let Some((ctx, python)) = live_project() else {
        return;
    };
    let lock = live_lock(&ctx);
    let names: Vec<&str> = lock.packages.iter().map(|p| p.name.as_str()).collect();
    let served: serde_json::Value = serde_json::from_str(&run_ok(
        Command::new(&python).arg("-c").arg(INDEX_FILES_PY).args(&names),
    ))
    .unwrap();

    let mut checked = 0;
    for package in &lock.packages {
        let files = package.wheels.iter().chain(&package.sdist);
        for file in files {
            let expected = &served[&package.name][&file.name];
            assert!(
                !expected.is_null(),
                "{} is not on the index's page of {}",
                file.name,
                package.name
            );
            assert_eq!(expected[0].as_str(), Some(file.sha256.as_str()), "{}", file.name);
            assert_eq!(expected[1].as_u64(), file.size, "{}", file.name);
            assert_eq!(expected[2].as_str(), Some(file.url.as_str()), "{}", file.name);
            checked += 1;
        }
        assert!(!package.wheels.is_empty(), "{} has no wheel", package.name);
        assert_eq!(package.index.as_deref(), Some("https://pypi.org/simple"));
    }
    assert!(checked >= lock.packages.len());
    // Lambda python3.12 on x86_64 is the host here: one environment.
    assert_eq!(lock.tool.targets, ["host", "lambda (python3.12, x86_64)"]);
}

#[test]
fn live_uv_installs_the_lock_here_and_for_every_other_platform() {
    let Some((ctx, python)) = live_project() else {
        return;
    };
    live_lock(&ctx);

    // uv from the public index, in a scratch env fenv makes.
    let tools = ctx.root().join("tools");
    run_ok(ctx.fenv().args(["create", "-q", "-p"]).arg(&python).arg(&tools));
    with_retries("pip install uv", || {
        let mut cmd = ctx.command(tools.join("bin/python"));
        cmd.args(["-m", "pip", "install", "-q", "uv"]);
        cmd
    });
    let env = ctx.root().join("env");
    run_ok(
        ctx.fenv()
            .args(["create", "-q", "--without-pip", "-p"])
            .arg(&python)
            .arg(&env),
    );

    with_retries("uv pip sync pylock.toml", || {
        let mut cmd = ctx.command(tools.join("bin/uv"));
        cmd.args(["pip", "sync", "--python"])
            .arg(env.join("bin/python"))
            .arg("pylock.toml");
        cmd
    });

    let imported = run_ok(ctx.command(env.join("bin/python")).args([
        "-c",
        "import requests, fastapi, boto3, pydantic, httpx; print('ok')",
    ]));
    assert_eq!(imported, "ok\n");

    // The same lock on a Mac, on Windows, on Linux arm64: uv finds a file
    // for every package every machine needs (pydantic-core is native), and
    // takes nothing but the lock's versions.
    let lock = parsed(&fs_err::read_to_string(ctx.path("pylock.toml")).unwrap());
    let pin = |p: &fenv::lock::LockedPackage| format!("{}=={}", p.name, p.version);
    let locked: Vec<String> = lock.packages.iter().map(pin).collect();
    let everywhere: Vec<String> = lock
        .packages
        .iter()
        .filter(|p| p.marker.is_none())
        .map(pin)
        .collect();
    assert!(
        everywhere.iter().any(|p| p.starts_with("pydantic-core==")),
        "{everywhere:?}"
    );
    let empty = ctx.root().join("empty");
    run_ok(
        ctx.fenv()
            .args(["create", "-q", "--without-pip", "-p"])
            .arg(&python)
            .arg(&empty),
    );
    for (platform, version) in [
        ("aarch64-apple-darwin", "3.13"),
        ("x86_64-apple-darwin", "3.10"),
        ("x86_64-pc-windows-msvc", "3.14"),
        ("aarch64-unknown-linux-gnu", "3.12"),
    ] {
        let output = with_retries("uv pip install --dry-run", || {
            let mut cmd = ctx.command(tools.join("bin/uv"));
            cmd.args(["pip", "install", "--dry-run", "-r", "pylock.toml"])
                .args(["--python-platform", platform, "--python-version", version])
                .env("VIRTUAL_ENV", &empty);
            cmd
        });
        let stderr = String::from_utf8_lossy(&output.stderr);
        let would = crate::support::tools::uv_would_install(&stderr);
        let missing: Vec<&String> = everywhere.iter().filter(|p| !would.contains(p)).collect();
        let foreign: Vec<&String> = would.iter().filter(|p| !locked.contains(p)).collect();
        assert!(
            missing.is_empty() && foreign.is_empty(),
            "{platform} {version}: {stderr}"
        );
    }
}

/// A package uv would take from a folder is never locked from the index
/// under the same name (dependency confusion): it is locked from the
/// folder, a source fenv cannot read is refused, and so is a `[tool.uv]`
/// key that would change the lock; constraints are honoured.
#[test]
fn tool_uv_sources_are_honoured_or_refused_and_constraints_honoured() {
    let Some(project) = Project::new() else { return };
    project.publish("utils", "9.9", &[]);
    project.ctx.write(
        "mylib/pyproject.toml",
        "[project]\nname = \"utils\"\nversion = \"0.1\"\n",
    );
    project.pyproject(&["utils"], "\n[tool.uv.sources]\nutils = { path = \"mylib\" }\n");
    project.lock_ok(&[]);
    let lock = parsed(&project.locked());
    let utils: Vec<(String, Option<String>)> = lock
        .packages
        .iter()
        .map(|p| {
            (
                format!("{} {}", p.name, p.version),
                p.directory.as_ref().map(|d| d.path.clone()),
            )
        })
        .collect();
    assert_eq!(
        utils,
        [("utils 0.1".to_string(), Some("mylib".to_string()))],
        "the folder's, never the index's"
    );

    project.pyproject(
        &["utils"],
        "\n[tool.uv.sources]\nutils = { url = \"https://example.org/utils-1.0.tar.gz\" }\n",
    );
    let stderr = run_err(&mut project.lock(&[]), 1);
    assert_eq!(
        stderr,
        "error: `pyproject.toml` line 7: `[tool.uv.sources]` takes `utils` from `https://example.org/utils-1.0.tar.gz`, which fenv does not read: it would lock the index's `utils` instead\n\
         hint: check the package out into a folder of the project and write `utils = { path = \"…\" }`, or build a wheel of it into a `[tool.fenv] find-links` folder\n"
    );

    project.publish("utils", "1.0", &[]);
    project.pyproject(
        &["utils"],
        "\n[tool.uv]\nconstraint-dependencies = [\"utils<2\"]\n",
    );
    project.lock_ok(&[]);
    let lock = parsed(&fs_err::read_to_string(project.ctx.path("pylock.toml")).unwrap());
    let versions: Vec<String> = lock
        .packages
        .iter()
        .map(|p| format!("{} {}", p.name, p.version))
        .collect();
    assert_eq!(versions, ["utils 1.0"], "the constraint holds");
}

/// A find-links folder inside the project is written as PEP 751 `path`s
/// relative to the lock, so the lock holds, and installs, in another
/// checkout of the project.
#[test]
fn find_links_files_are_paths_from_the_lock_so_a_moved_project_still_syncs() {
    let Some(p) = Project::new() else { return };
    p.wheel("local", "1.0", &[]).build(&p.ctx.path("wheels"));
    p.pyproject(&["local"], "\n[tool.fenv]\nfind-links = [\"wheels\"]\n");
    p.lock_ok(&[]);
    let text = p.locked();
    assert!(
        text.contains("path = \"wheels/local-1.0-py3-none-any.whl\"\n"),
        "{text}"
    );
    assert!(!text.contains("file://"), "{text}");

    // Another checkout: the same files somewhere else.
    let moved = p.ctx.root().join("elsewhere");
    run_ok(Command::new("cp").arg("-a").arg(p.ctx.work()).arg(&moved));
    let fenv = |args: &[&str]| {
        let mut cmd = p.fenv(args);
        cmd.current_dir(&moved);
        cmd
    };
    assert_eq!(
        lines(&run_ok_stderr(&mut fenv(&["lock", "--check"]))),
        ["`pylock.toml` is up to date"]
    );
    run_ok_stderr(&mut fenv(&["sync", "--frozen"]));
    let python = moved.join(".venv/bin/python");
    run_ok(Command::new(python).args(["-c", "import local"]));

    // uv reads the paths as fenv does (`FENV_LIVE_TESTS=1`: uv from the
    // public index).
    if !live_tests() {
        return;
    }
    let Some(uv) = require("uv", crate::support::tools::uv(&p.host_python)) else {
        return;
    };
    run_ok(&mut fenv(&["create", "-q", "--without-pip", "uv-env"]));
    let output = run(Command::new(&uv)
        .args(["pip", "install", "--offline", "-r", "pylock.toml"])
        .current_dir(&moved)
        .env("VIRTUAL_ENV", moved.join("uv-env")));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.contains("+ local==1.0"),
        "{stderr}"
    );
}
