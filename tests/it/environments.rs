//! One lock for the whole team (docs/lock.md, "Environments"): a lock made
//! once on this machine installs on every environment it claims, as fenv
//! installs it for each CPython here and as uv installs it for Macs,
//! Windows and Linux on arm (`--python-platform`), forks included.

use std::process::Command;

use crate::common::project::Project;
use crate::common::{pyenv_python, require, run, run_ok};
use crate::support::index::Publish;
use crate::support::tools;

/// `native` ships a wheel for each default platform and nothing else;
/// `a` 1.0 runs below Python 3.12 and 2.0 (which needs `native`) from
/// 3.12 on, so no one version serves every Python: the lock forks.
fn team_project() -> Option<Project> {
    let p = Project::new()?;
    for platform in [
        "manylinux_2_17_x86_64",
        "manylinux_2_17_aarch64",
        "macosx_11_0_arm64",
        "macosx_10_12_x86_64",
        "win_amd64",
    ] {
        let wheel = p
            .wheel_builder("native", "1.0", &[])
            .tag(&format!("cp39-abi3-{platform}"));
        p.publish_as(wheel, Publish::new());
    }
    let old = p.wheel_builder("a", "1.0", &[]).requires_python("<3.12");
    p.publish_as(old, Publish::new().requires_python("<3.12"));
    let new = p.wheel_builder("a", "2.0", &["native"]).requires_python(">=3.12");
    p.publish_as(new, Publish::new().requires_python(">=3.12"));
    p.write_pyproject(&["a"], "requires-python = \">=3.9\"\n");
    Some(p)
}

/// `name==version` of what `python` has installed, sorted.
fn installed(python: &std::path::Path) -> Vec<String> {
    let listed = run_ok(Command::new(python).args([
        "-c",
        "import importlib.metadata as m\nfor d in m.distributions(): print(f\"{d.metadata['Name']}=={d.version}\")",
    ]));
    let mut names: Vec<String> = listed
        .lines()
        // What the env was seeded with, as `python -m venv` seeds it.
        .filter(|l| !["pip==", "setuptools=="].iter().any(|seed| l.starts_with(seed)))
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

#[test]
fn a_lock_made_once_syncs_every_python_the_project_allows() {
    let Some(p) = team_project() else { return };
    let output = run(&mut p.fenv(&["lock"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.starts_with(
            "Locked 3 packages for linux, linux-arm64, macos, macos-x86_64, windows × python3.9–3.14 in "
        ),
        "{stderr}"
    );
    assert!(stderr.ends_with("\nForked a: 1.0, 2.0\n"), "{stderr}");
    let lock = fs_err::read_to_string(p.ctx.path("pylock.toml")).unwrap();

    // Each CPython here, from the one lock, without locking again.
    for minor in ["3.9", "3.10", "3.11", "3.12", "3.13"] {
        let Some(_) = require(&format!("pyenv CPython {minor}"), pyenv_python(minor)) else {
            continue;
        };
        let env = format!("env-{minor}");
        p.sync_ok(&["--frozen", "-p", minor, "--env", &env]);
        let from_312 = minor[2..].parse::<u32>().is_ok_and(|m| m >= 12);
        let expected: &[&str] = if from_312 {
            &["a==2.0", "native==1.0"]
        } else {
            &["a==1.0"]
        };
        assert_eq!(
            installed(&p.ctx.path(&env).join("bin/python")),
            expected,
            "Python {minor}"
        );
    }
    assert_eq!(
        fs_err::read_to_string(p.ctx.path("pylock.toml")).unwrap(),
        lock,
        "nothing re-locked"
    );
}

#[test]
fn uv_installs_the_same_lock_for_macs_windows_and_linux_on_arm() {
    let Some(p) = team_project() else { return };
    let Some(uv) = require("uv", tools::uv(&p.host_python)) else {
        return;
    };
    run_ok(&mut p.fenv(&["lock"]));
    run_ok(&mut p.fenv(&["create", "-q", "--without-pip", "uv-env"]));
    // What uv would install there, or its error.
    let would = |platform: &str, python: &str| -> Result<Vec<String>, String> {
        let output = run(Command::new(&uv)
            .args(["pip", "install", "--dry-run", "-r", "pylock.toml"])
            .args(["--python-platform", platform, "--python-version", python])
            .current_dir(p.ctx.work())
            .env("VIRTUAL_ENV", p.ctx.path("uv-env")));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if !output.status.success() {
            return Err(stderr);
        }
        Ok(tools::uv_would_install(&stderr))
    };
    let new = ["a==2.0", "native==1.0"].map(String::from).to_vec();
    let old = vec!["a==1.0".to_string()];
    for (platform, python, expected) in [
        ("aarch64-apple-darwin", "3.13", &new),
        ("x86_64-apple-darwin", "3.10", &old),
        ("x86_64-apple-darwin", "3.14", &new),
        ("x86_64-pc-windows-msvc", "3.11", &old),
        ("x86_64-pc-windows-msvc", "3.12", &new),
        ("aarch64-unknown-linux-gnu", "3.14", &new),
        ("x86_64-unknown-linux-gnu", "3.9", &old),
    ] {
        assert_eq!(
            would(platform, python).as_ref(),
            Ok(expected),
            "{platform} {python}"
        );
    }
    // A machine the lock does not claim: uv refuses it too.
    let refused = would("aarch64-pc-windows-msvc", "3.12").unwrap_err();
    assert!(refused.contains("not supported by the lockfile"), "{refused}");
}

/// `fenv lock -p` on a machine the project's `environments` leave out:
/// its environment is added to the lock and remembered, so later commands
/// need no flag; where the environments already cover it, nothing is added.
#[test]
fn lock_p_adds_this_machine_when_the_environments_leave_it_out() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &[]);
    p.write_pyproject(
        &["a"],
        "requires-python = \">=3.12\"\n\n[tool.fenv]\nenvironments = [\"macos\"]\n",
    );
    let stderr = run_ok_stderr(&mut p.fenv(&["lock", "-p", "3.12"]));
    assert!(
        stderr.starts_with("Locked 1 package for macos × python3.12–3.14, linux × python3.12 in "),
        "{stderr}"
    );
    let lock = fs_err::read_to_string(p.ctx.path("pylock.toml")).unwrap();
    assert!(
        lock.contains("\n[tool.fenv.options]\nindex-url = \"http://127.0.0.1:")
            && lock.ends_with("\nenvironments = [\"linux (python3.12)\"]\n"),
        "{lock}"
    );
    assert!(
        lock.contains("\"environment linux (python3.12) (added by -p)\""),
        "{lock}"
    );
    // Remembered: no later command needs `-p` to see the lock as fresh.
    run_ok(&mut p.fenv(&["lock", "--check"]));
    p.sync_ok(&["--frozen", "-p", "3.12"]);
    let stderr = run_ok_stderr(&mut p.fenv(&["lock"]));
    assert!(stderr.contains("is up to date"), "{stderr}");

    // Covered already: nothing is recorded.
    p.write_pyproject(
        &["a"],
        "requires-python = \">=3.12\"\n\n[tool.fenv]\nenvironments = [\"linux\"]\n",
    );
    run_ok(&mut p.fenv(&["lock", "--upgrade", "-p", "3.12"]));
    let lock = fs_err::read_to_string(p.ctx.path("pylock.toml")).unwrap();
    assert!(!lock.contains("(python3.12)"), "{lock}");

    // An interpreter requires-python excludes cannot be covered.
    if require("pyenv CPython 3.11", pyenv_python("3.11")).is_some() {
        p.write_pyproject(
            &["a"],
            "requires-python = \">=3.12\"\n\n[tool.fenv]\nenvironments = [\"macos\"]\n",
        );
        let err = crate::common::run_err(&mut p.fenv(&["lock", "-p", "3.11"]), 1);
        assert!(err.contains("requires-python"), "{err}");
    }
}

fn run_ok_stderr(cmd: &mut Command) -> String {
    let output = run(cmd);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    stderr
}

/// A bad `environments` entry is named with its file and line, and what
/// fenv knows instead; one that selects nothing says so; nothing is written.
#[test]
fn a_bad_environment_entry_is_named_with_its_line() {
    let Some(p) = Project::new() else { return };
    p.publish("a", "1.0", &[]);
    p.write_pyproject(
        &["a"],
        "\n[tool.fenv]\nenvironments = [\n  \"linux\",\n  \"solaris\",\n]\n",
    );
    let err = crate::common::run_err(&mut p.fenv(&["lock"]), 1);
    assert_eq!(
        err,
        "error: `pyproject.toml` line 9: `solaris` is not a platform fenv knows (linux, linux-arm64, linux-musl, linux-musl-arm64, macos, macos-x86_64, windows, windows-arm64) nor a PEP 508 marker\n\
         hint: list platforms (linux, linux-arm64, linux-musl, linux-musl-arm64, macos, macos-x86_64, windows, windows-arm64) or PEP 508 markers in `tool.fenv.environments`\n"
    );
    p.write_pyproject(
        &["a"],
        "requires-python = \">=3.12\"\n\n[tool.fenv]\nenvironments = [\"sys_platform == 'linux' and python_version < '3.12'\"]\n",
    );
    let err = crate::common::run_err(&mut p.fenv(&["lock"]), 1);
    assert!(
        err.contains("selects no platform fenv knows")
            && err.contains("with a Python that requires-python allows"),
        "{err}"
    );
    assert!(!p.ctx.path("pylock.toml").exists());
}
