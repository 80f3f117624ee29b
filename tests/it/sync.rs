//! `fenv sync`: the real binary installing a `pylock.toml` (written by
//! the real `fenv lock`) from an index on 127.0.0.1 into a real
//! environment of the pyenv CPython 3.12 that `.python-version` names.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{outcome, run, run_err, run_ok};
use crate::support::wheel::WheelBuilder;

/// The shared project, locked: `app` depends on `a`, which needs `b`.
pub(crate) struct Project(crate::common::project::Project);

impl std::ops::Deref for Project {
    type Target = crate::common::project::Project;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Project {
    /// The project, published and locked; `None` (a skip) without CPython 3.12.
    pub(crate) fn locked() -> Option<Self> {
        let project = Self(crate::common::project::Project::new()?);
        project.publish("a", "1.0", &["b>=1"]);
        project.publish("b", "1.0", &[]);
        project.pyproject(&["a"]);
        run_ok(&mut project.fenv(&["lock"]));
        Some(project)
    }

    pub(crate) fn pyproject(&self, dependencies: &[&str]) {
        self.write_pyproject(dependencies, "");
    }

    /// Builds a pure wheel without serving it.
    pub(crate) fn wheel(&self, name: &str, version: &str, requires: &[&str]) -> PathBuf {
        self.wheel_builder(name, version, requires).build(&self.wheels())
    }

    pub(crate) fn env(&self) -> PathBuf {
        self.ctx.path(".venv")
    }

    pub(crate) fn python(&self) -> PathBuf {
        self.env().join("bin").join("python")
    }

    /// `fenv freeze --all` without the seed packages, sorted.
    pub(crate) fn frozen(&self) -> Vec<String> {
        let out = run_ok(&mut self.fenv(&["freeze", "--all", "--env", ".venv"]));
        let seeds = self.seeds();
        out.lines()
            .filter(|line| {
                let name = line.split("==").next().unwrap_or_default().to_lowercase();
                !seeds.contains(&name)
            })
            .map(str::to_string)
            .collect()
    }

    /// The `seed` key of `pyvenv.cfg`.
    pub(crate) fn seeds(&self) -> Vec<String> {
        self.cfg_value("seed")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    }

    pub(crate) fn cfg_value(&self, key: &str) -> Option<String> {
        let text = fs_err::read_to_string(self.env().join("pyvenv.cfg")).unwrap();
        text.lines().find_map(|line| {
            let (k, v) = line.split_once('=')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
    }

    /// `python -m pip install --no-deps --no-index WHEEL` into the env.
    pub(crate) fn pip_install(&self, wheel: &Path) {
        run_ok(
            Command::new(self.python())
                .args(["-m", "pip", "install", "-q", "--no-deps", "--no-index"])
                .arg(wheel),
        );
    }

    pub(crate) fn pip_check(&self) {
        run_ok(Command::new(self.python()).args(["-m", "pip", "check"]));
    }
}

/// Every entry under `dir`, to prove a command changed nothing there.
fn fingerprint(dir: &Path) -> crate::support::tree::Snapshot {
    crate::support::tree::Snapshot::with_times(dir, &[])
}

#[test]
fn sync_into_a_fresh_env_installs_exactly_the_lock() {
    let Some(project) = Project::locked() else { return };
    let stderr = project.sync_ok(&[]);
    // Not a terminal: a plain line a change, then the summary.
    assert!(stderr.contains(" + a==1.0\n + b==1.0\n+2 ~0 -0 in "), "{stderr}");
    project.pip_check();
    assert_eq!(project.frozen(), ["a==1.0", "b==1.0"]);
    assert!(project.seeds().contains(&"pip".to_string()));
    // The lock's hash is recorded after fenv's own line.
    let cfg = fs_err::read_to_string(project.env().join("pyvenv.cfg")).unwrap();
    let keys: Vec<&str> = cfg.lines().filter_map(|l| l.split(" = ").next()).collect();
    let fenv_at = keys.iter().position(|k| *k == "fenv").unwrap();
    let lock_at = keys.iter().position(|k| *k == "fenv.lock").unwrap();
    assert!(lock_at > fenv_at, "{cfg}");
    assert!(project.cfg_value("fenv.lock").unwrap().starts_with("sha256:"));
    // As pip and uv do for the packages they are asked to install.
    let freeze = run_ok(&mut project.fenv(&["freeze", "--json", "--env", ".venv"]));
    let freeze: serde_json::Value = serde_json::from_str(&freeze).unwrap();
    assert!(
        freeze
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["requested"] == true && d["installer"] == "fenv"),
        "{freeze}"
    );
}

#[test]
fn sync_removes_extras_replaces_versions_and_keeps_seeds() {
    let Some(project) = Project::locked() else { return };
    project.sync_ok(&[]);
    let extra = project.wheel("extra", "3.0", &[]);
    let b2 = project.wheel("b", "2.0", &[]);
    project.pip_install(&extra);
    project.pip_install(&b2);
    // pip records where it installed them from: `b @ file:///…`.
    let frozen = project.frozen();
    assert!(
        frozen[1].starts_with("b @ ") && frozen[2].starts_with("extra @ "),
        "{frozen:?}"
    );

    let stderr = project.sync_ok(&[]);
    assert!(stderr.contains("+0 ~1 -1"), "{stderr}");
    assert_eq!(project.frozen(), ["a==1.0", "b==1.0"]);
    let all = run_ok(&mut project.fenv(&["freeze", "--all", "--env", ".venv"]));
    assert!(all.lines().any(|l| l.starts_with("pip==")), "{all}");
    project.pip_check();
}

#[test]
fn a_second_sync_touches_nothing() {
    let Some(project) = Project::locked() else { return };
    project.sync_ok(&[]);
    let before = fingerprint(&project.env());
    let stderr = project.sync_ok(&[]);
    assert!(stderr.contains("+0 ~0 -0"), "{stderr}");
    assert_eq!(fingerprint(&project.env()), before);
}

#[test]
fn a_tampered_wheel_is_refused_and_the_env_left_alone() {
    let Some(project) = Project::locked() else { return };
    project.sync_ok(&[]);
    // A new version of `a` is locked, then the index serves other bytes.
    let a2 = project.publish("a", "2.0", &["b>=1"]);
    run_ok(&mut project.fenv(&["lock", "--refresh", "--upgrade-package", "a"]));
    let original = fs_err::read(&a2).unwrap();
    let filename = a2.file_name().unwrap().to_string_lossy().into_owned();
    let mut same_size = original.clone();
    let last = same_size.len() - 1;
    same_size[last] ^= 0xff;
    let mut longer = original.clone();
    longer.extend_from_slice(b"junk");
    for (bytes, expect) in [
        (same_size, "sha256 "),
        // Stopped as soon as the stream passed the lock's size.
        (
            longer,
            " bytes (the size the lock or index gives); fenv stopped reading it",
        ),
    ] {
        project.index.tamper(&filename, bytes);
        let before = fingerprint(&project.env());
        let stderr = run_err(&mut project.fenv(&["sync"]), 1);
        assert!(stderr.contains("`a` 2.0"), "{stderr}");
        assert!(stderr.contains(&format!("/{filename}")), "{stderr}");
        assert!(stderr.contains(expect), "{stderr}");
        assert!(stderr.contains("nothing was changed"), "{stderr}");
        assert_eq!(fingerprint(&project.env()), before, "{stderr}");
    }
    assert_eq!(project.frozen(), ["a==1.0", "b==1.0"]);
}

#[test]
fn frozen_refuses_a_stale_or_missing_lock() {
    let Some(project) = Project::locked() else { return };
    project.pyproject(&["a", "b"]);
    assert_eq!(
        outcome(&project.ctx, &mut project.fenv(&["sync", "--frozen"])),
        "exit: 1\n--- stdout\n--- stderr\n\
         error: `pylock.toml` does not match the project's inputs:\n  + dependency b\n\
         hint: run `fenv lock` and commit the result\n"
    );
    assert!(!project.env().exists());

    // Without `--frozen`, the lock is made again first, and the user told.
    assert_eq!(
        outcome(&project.ctx, &mut project.fenv(&["sync"])),
        "exit: 0\n--- stdout\n--- stderr\n\
         `pylock.toml` does not match the project's inputs; locking again\n\
         Locked 2 packages for linux, linux-arm64, macos, macos-x86_64, windows × python3.10–3.14 in [N] ms\n\
         Created virtual environment at `.venv`\n + a==1.0\n + b==1.0\n+2 ~0 -0 in [N] ms\n"
    );
    assert_eq!(project.frozen(), ["a==1.0", "b==1.0"]);

    fs_err::remove_file(project.ctx.path("pylock.toml")).unwrap();
    assert_eq!(
        outcome(&project.ctx, &mut project.fenv(&["sync", "--frozen"])),
        "exit: 1\n--- stdout\n--- stderr\n\
         error: there is no lock at `pylock.toml`\n\
         hint: run `fenv lock` and commit the result\n"
    );
}

#[test]
fn dry_run_exits_1_and_changes_nothing() {
    let Some(project) = Project::locked() else { return };
    let output = run(&mut project.fenv(&["sync", "--dry-run"]));
    assert_eq!(output.status.code(), Some(1));
    assert!(!project.env().exists());

    project.sync_ok(&[]);
    project.pip_install(&project.wheel("extra", "3.0", &[]));
    let before = fingerprint(&project.env());
    assert_eq!(
        outcome(&project.ctx, &mut project.fenv(&["sync", "--dry-run"])),
        "exit: 1\n--- stdout\n - extra==3.0\n--- stderr\nWould change +0 ~0 -1 (dry run)\n"
    );
    assert_eq!(fingerprint(&project.env()), before);

    project.sync_ok(&[]);
    let output = run(&mut project.fenv(&["sync", "--dry-run"]));
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn two_concurrent_syncs_both_end_in_a_correct_env() {
    let Some(project) = Project::locked() else { return };
    let children: Vec<_> = (0..2)
        .map(|_| {
            project
                .fenv(&["sync"])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
    }
    project.pip_check();
    assert_eq!(project.frozen(), ["a==1.0", "b==1.0"]);
}

#[test]
fn quiet_sync_prints_nothing() {
    let Some(project) = Project::locked() else { return };
    let output = run(&mut project.fenv(&["sync", "-q"]));
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn a_sync_killed_at_any_moment_is_reported_then_repaired() {
    let Some(project) = Project::locked() else { return };
    // Enough packages and files that a sync takes a while: two locks of
    // the same 12 packages, at 1.0 and at 2.0, switched between runs so
    // that kills land in installs, replaces and removals alike.
    let names: Vec<String> = (0..12).map(|i| format!("p{i:02}")).collect();
    let publish = |version: &str| {
        for name in &names {
            let mut builder = WheelBuilder::new(name, version);
            for file in 0..80 {
                builder = builder.file(
                    &format!("{name}/m{file:03}.py"),
                    format!("X = {file}\n").repeat(50),
                );
            }
            project
                .index
                .publish(&builder.build(&project.ctx.root().join("wheels")));
        }
    };
    publish("1.0");
    let deps: Vec<&str> = names.iter().map(String::as_str).collect();
    project.pyproject(&deps);
    run_ok(&mut project.fenv(&["lock"]));
    fs_err::copy(project.ctx.path("pylock.toml"), project.ctx.path("one.toml")).unwrap();
    publish("2.0");
    run_ok(&mut project.fenv(&["lock", "--upgrade", "--refresh"]));
    fs_err::copy(project.ctx.path("pylock.toml"), project.ctx.path("two.toml")).unwrap();
    let expected = |lock: &str| -> Vec<String> {
        let version = if lock == "one.toml" { "1.0" } else { "2.0" };
        names.iter().map(|n| format!("{n}=={version}")).collect()
    };
    // Both locks' wheels in the store, as in CI with a warm cache.
    project.sync_ok(&["--lock", "two.toml"]);
    project.sync_ok(&["--lock", "one.toml"]);

    let mut interrupted = 0;
    for (round, delay_ms) in (0..120).step_by(8).enumerate() {
        let lock = if round % 2 == 0 { "two.toml" } else { "one.toml" };
        let mut child = project.fenv(&["sync", "-q", "--lock", lock]).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().unwrap();
        // Either check says the env matches the lock, and it does...
        let output = run(&mut project.fenv(&["check", "--lock", lock]));
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if output.status.success() {
            assert_eq!(project.frozen(), expected(lock), "killed after {delay_ms} ms");
            continue;
        }
        // ...or it says what is wrong, and the next sync repairs it.
        interrupted += 1;
        assert!(
            stdout.contains("error[sync-interrupted]") || stdout.contains("error[package-"),
            "killed after {delay_ms} ms:\n{stdout}"
        );
        let stderr = project.sync_ok(&["--lock", lock]);
        run_ok(&mut project.fenv(&["check", "--lock", lock]));
        assert_eq!(
            project.frozen(),
            expected(lock),
            "killed after {delay_ms} ms:\n{stderr}"
        );
        project.pip_check();
        let imports = names
            .iter()
            .map(|n| format!("import {n}.m079"))
            .collect::<Vec<_>>()
            .join("; ");
        run_ok(Command::new(project.python()).args(["-c", &imports]));
    }
    eprintln!("{interrupted} of 15 kills left work for the next sync");
    assert!(
        interrupted > 0,
        "no kill landed inside a sync; the test proves nothing"
    );
    assert!(!project.env().join(".fenv-sync-pending").exists());
}

#[test]
fn json_gives_the_plan_and_the_result() {
    let Some(project) = Project::locked() else { return };
    let output = run(&mut project.fenv(&["sync", "--json"]));
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["created"], true);
    assert_eq!(json["dry_run"], false);
    assert_eq!(json["summary"], "+2 ~0 -0");
    assert_eq!(json["env"], project.env().display().to_string());
    assert!(json["lock_hash"].as_str().unwrap().starts_with("sha256:"));
    assert!(json["python"].as_str().unwrap().starts_with("3.12."));
    let changes: Vec<(String, String, String)> = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_string(),
                c["name"].as_str().unwrap().to_string(),
                c["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("install".into(), "a".into(), "a-1.0-py3-none-any.whl".into()),
            ("install".into(), "b".into(), "b-1.0-py3-none-any.whl".into()),
        ]
    );

    // A dry run: the removal it would make, exit 1, nothing changed.
    project.pip_install(&project.wheel("extra", "3.0", &[]));
    let output = run(&mut project.fenv(&["sync", "--json", "--dry-run"]));
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["created"], false);
    assert_eq!(json["unchanged"], 2);
    assert_eq!(
        json["changes"],
        serde_json::json!([{ "action": "remove", "name": "extra", "version": "3.0" }])
    );
    assert!(project.frozen().iter().any(|l| l.starts_with("extra")));
}

#[test]
fn only_the_host_target_is_installed() {
    let Some(project) = Project::locked() else { return };
    let stderr = run_err(&mut project.fenv(&["sync", "--target", "lambda"]), 1);
    assert!(
        stderr.starts_with(
            "error: `fenv sync` installs the `host` target into a local environment, not `lambda`\nhint: "
        ),
        "{stderr}"
    );
    assert!(!project.env().exists());
    project.sync_ok(&["--target", "host"]);
    assert_eq!(project.frozen(), ["a==1.0", "b==1.0"]);
}

#[test]
fn link_mode_chooses_how_files_come_from_the_cache() {
    use std::os::unix::fs::MetadataExt;
    let Some(project) = Project::locked() else { return };
    let init = "lib/python3.12/site-packages/a/__init__.py";
    project.sync_ok(&["--link-mode", "copy"]);
    assert_eq!(project.env().join(init).metadata().unwrap().nlink(), 1);
    // The seed packages of the environment sync created came the same way.
    let pip = "lib/python3.12/site-packages/pip/__init__.py";
    assert_eq!(project.env().join(pip).metadata().unwrap().nlink(), 1);

    // `FENV_LINK_MODE` too; the cache is on the same filesystem here.
    fs_err::remove_dir_all(project.env()).unwrap();
    let output = run(project.fenv(&["sync"]).env("FENV_LINK_MODE", "hardlink"));
    assert!(output.status.success(), "{output:?}");
    assert!(project.env().join(init).metadata().unwrap().nlink() > 1);

    let stderr = run_err(&mut project.fenv(&["sync", "--link-mode", "sideways"]), 2);
    assert!(stderr.contains("sideways"), "{stderr}");
}

/// A project with an extra and two groups, `dev` among them.
fn with_extras_and_groups() -> Option<Project> {
    let project = Project(crate::common::project::Project::new()?);
    for name in ["a", "fastlib", "devtool", "testlib"] {
        project.publish(name, "1.0", &[]);
    }
    project.write_pyproject(
        &["a"],
        "\n[project.optional-dependencies]\nfast = [\"fastlib\"]\n\n\
         [dependency-groups]\ndev = [\"devtool\"]\ntest = [\"testlib\"]\n",
    );
    run_ok(&mut project.fenv(&["lock"]));
    Some(project)
}

#[test]
fn extras_and_groups_are_chosen_at_sync_with_uvs_flags() {
    let Some(project) = with_extras_and_groups() else {
        return;
    };
    let lock = fs_err::read_to_string(project.ctx.path("pylock.toml")).unwrap();
    // `dev` is fenv's default, kept out of PEP 751's `default-groups`,
    // which other installers (Vercel's `uv pip install`) would turn on.
    assert!(lock.contains("\ndefault-groups = []\n"), "{lock}");
    assert!(
        lock.contains("[tool.fenv]\ntargets = [\n    \"host\",\n]\ndefault-groups = [\"dev\"]\n"),
        "{lock}"
    );

    let sync = |args: &[&str]| {
        project.sync_ok(args);
        project.frozen()
    };
    assert_eq!(
        sync(&[]),
        ["a==1.0", "devtool==1.0"],
        "the project and its default group"
    );
    assert_eq!(
        project.cfg_value("fenv.selection").as_deref(),
        Some("extras= groups=dev")
    );
    assert_eq!(sync(&["--no-dev"]), ["a==1.0"]);
    // `fenv check` judges the env against what it was synced with.
    let check = run(&mut project.fenv(&["check"]));
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(!stdout.contains("package-"), "{stdout}");
    assert_eq!(check.status.code(), Some(0), "{stdout}");
    assert_eq!(
        sync(&["--extra", "fast", "--group", "test"]),
        ["a==1.0", "devtool==1.0", "fastlib==1.0", "testlib==1.0"]
    );
    assert_eq!(
        sync(&["--all-extras", "--all-groups", "--no-group", "dev"]),
        ["a==1.0", "fastlib==1.0", "testlib==1.0"]
    );
    assert_eq!(sync(&["--no-default-groups"]), ["a==1.0"]);

    let stderr = run_err(&mut project.fenv(&["sync", "--group", "docs"]), 1);
    assert!(
        stderr.ends_with(
            "error: the lock has no dependency group `docs`\nhint: the lock's dependency groups: dev, test\n"
        ),
        "{stderr}"
    );
    assert_eq!(project.frozen(), ["a==1.0"], "nothing changed");

    // `fenv run` and `fenv ci` take the same flags.
    run_ok(&mut project.fenv(&["run", "--group", "test", "--", "python", "-c", "import testlib"]));
    run_ok(&mut project.fenv(&["ci", "--no-dev", "-q"]));
    assert_eq!(project.frozen(), ["a==1.0"]);
}

/// `--only-group`, as uv has it: a group and what it needs, without the
/// project's own dependencies, even where the group names one of them.
#[test]
fn only_group_installs_a_group_without_the_project() {
    let Some(project) = crate::common::project::Project::new().map(Project) else {
        return;
    };
    project.publish("shared", "1.0", &[]);
    project.publish("a", "1.0", &["shared"]);
    project.publish("b", "1.0", &[]);
    project.publish("testlib", "1.0", &["shared"]);
    project.publish("linter", "1.0", &[]);
    project.write_pyproject(
        &["a", "b"],
        "\n[dependency-groups]\ntest = [\"testlib\", \"a\"]\nlint = [\"linter\"]\n",
    );
    run_ok(&mut project.fenv(&["lock"]));
    let sync = |args: &[&str]| {
        project.sync_ok(args);
        project.frozen()
    };
    assert_eq!(
        sync(&["--only-group", "test"]),
        ["a==1.0", "shared==1.0", "testlib==1.0"]
    );
    assert_eq!(
        project.cfg_value("fenv.selection").as_deref(),
        Some("extras= groups=test only")
    );
    run_ok(&mut project.fenv(&["check"]));
    assert_eq!(sync(&["--only-group", "lint"]), ["linter==1.0"]);
    assert_eq!(
        sync(&["--only-group", "lint", "--only-group", "test"]),
        ["a==1.0", "linter==1.0", "shared==1.0", "testlib==1.0"]
    );
    let stderr = run_err(
        &mut project.fenv(&["sync", "--only-group", "lint", "--group", "test"]),
        2,
    );
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

/// uv reads fenv's lock as fenv does: the project without the `dev`
/// group by default, a group or extra when asked.
#[test]
fn live_uv_installs_the_same_selection_from_fenvs_lock() {
    if !crate::common::live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to compare with uv");
        return;
    }
    let Some(project) = with_extras_and_groups() else {
        return;
    };
    let Some(uv) = crate::common::require("uv", crate::support::tools::uv(&project.host_python)) else {
        return;
    };
    run_ok(&mut project.fenv(&["create", "-q", "--without-pip", "uv-env"]));
    let would = |args: &[&str]| -> Vec<String> {
        let output = run(Command::new(&uv)
            .args(["pip", "install", "--dry-run", "-r", "pylock.toml"])
            .args(args)
            .current_dir(project.ctx.work())
            .env("VIRTUAL_ENV", project.ctx.path("uv-env"))
            .env("UV_INDEX_URL", project.index.url()));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        crate::support::tools::uv_would_install(&stderr)
    };
    assert_eq!(would(&[]), ["a==1.0"], "deploys never get `dev`");
    assert_eq!(would(&["--group", "dev"]), ["a==1.0", "devtool==1.0"]);
    assert_eq!(would(&["--extra", "fast"]), ["a==1.0", "fastlib==1.0"]);
}

/// A lock from elsewhere (`--lock FILE`, no project): the new environment
/// gets the newest Python the lock fits, not the first on PATH; when none
/// fits, nothing is created.
#[test]
fn a_lock_from_elsewhere_picks_a_python_it_fits() {
    let Some(project) = Project::locked() else { return };
    let Some(_) = crate::common::require("pyenv CPython 3.13", crate::common::pyenv_python("3.13")) else {
        return;
    };
    let only = "[tool.fenv]\nenvironments = [\"sys_platform == 'linux' and python_version == '3.13'\"]\n";
    project.write_pyproject(&["a"], only);
    run_ok(&mut project.fenv(&["lock"]));
    let lock = fs_err::read_to_string(project.ctx.path("pylock.toml")).unwrap();
    let pythons = "python_version == '3.13'";
    assert!(lock.contains(pythons), "{lock}");
    let other = crate::common::TestContext::new();
    other.write("pylock.toml", &lock);
    let mut sync = other.fenv();
    sync.args(["sync", "--lock", "pylock.toml", "--env", "e"])
        .env("FENV_INDEX_URL", project.index.url());
    let output = run(&mut sync);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.starts_with("Using Python 3.13."), "{stderr}");
    let cfg = fs_err::read_to_string(other.path("e/pyvenv.cfg")).unwrap();
    assert!(cfg.contains("\nversion = 3.13."), "{cfg}");

    // No Python fits: an error, and no environment left behind.
    other.write("none.toml", lock.replace(pythons, "python_version == '3.5'"));
    let mut sync = other.fenv();
    sync.args(["sync", "--lock", "none.toml", "--env", "f"]);
    let stderr = run_err(&mut sync, 1);
    assert!(stderr.contains("this lock was not made for"), "{stderr}");
    assert!(!other.path("f").exists(), "nothing is created");
}

/// An environment of a Python the lock was not made for: the error names
/// the Pythons it covers and the two ways on.
#[test]
fn an_env_of_another_python_is_told_which_ones_the_lock_covers() {
    let Some(project) = Project::locked() else { return };
    let Some(_) = crate::common::require("pyenv CPython 3.13", crate::common::pyenv_python("3.13")) else {
        return;
    };
    let newer = r#"[tool.fenv]
environments = ["sys_platform == 'linux' and python_version >= '3.13'"]
"#;
    project.write_pyproject(&["a"], newer);
    run_ok(&mut project.fenv(&["lock"]));
    run_ok(&mut project.fenv(&["create", "-q", "-p", "3.12", ".venv"]));
    let stderr = run_err(&mut project.fenv(&["sync", "--frozen"]), 1);
    assert!(
        stderr.ends_with(
            "hint: the lock covers its environments (Python 3.13–3.14): sync with one of those (`-p 3.13`), or add this machine to `[tool.fenv] environments` (a platform such as `linux` or a marker) and run `fenv lock`\n"
        ),
        "{stderr}"
    );
    // Adding it makes the lock stale, and `fenv lock` covers it then.
    project.write_pyproject(&["a"], "[tool.fenv]\nenvironments = [\"linux\"]\n");
    run_err(&mut project.fenv(&["lock", "--check"]), 1);
    run_ok(&mut project.fenv(&["lock"]));
    project.sync_ok(&["--frozen"]);
}
