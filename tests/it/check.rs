//! `fenv check`: every rule, fired for real in an environment synced by
//! the real `fenv sync`, then broken the ways users and tools break one.

use crate::common::{run, run_ok};
use crate::sync::Project;

/// `fenv check ARGS`: its exit code and stdout.
fn check(project: &Project, args: &[&str]) -> (i32, String) {
    let output = run(project.fenv(&["check"]).args(args));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn a_synced_env_passes_and_each_change_is_one_finding() {
    let Some(project) = Project::locked() else { return };
    assert_eq!(
        check(&project, &[]),
        (
            1,
            "error[env-missing]: there is no environment at `.venv`; run `fenv sync`\n".into()
        )
    );
    project.sync_ok(&[]);
    let output = run(&mut project.fenv(&["check"]));
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`.venv` matches `pylock.toml` ("), "{stderr}");

    // An extra package is a warning; exit 0.
    project.pip_install(&project.wheel("extra", "3.0", &[]));
    assert_eq!(
        check(&project, &[]),
        (
            0,
            "warning[package-extra]: `extra` 3.0 is installed but not locked\n".into()
        )
    );

    // Another version, an edited file, a deleted file, a stale lock.
    project.pip_install(&project.wheel("b", "2.0", &[]));
    let site = project.env().join("lib/python3.12/site-packages");
    fs_err::write(site.join("a/__init__.py"), "edited = True\n").unwrap();
    fs_err::remove_file(site.join("a-1.0.dist-info/METADATA")).unwrap();
    project.pyproject(&["a", "b"]);
    let (code, stdout) = check(&project, &[]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "error[lock-stale]: `pylock.toml` does not match the project's inputs (+ dependency b); run `fenv lock` and commit the result",
            "error[package-version]: `b` is installed at 2.0 but locked at 1.0",
            "error[file-missing]: `.venv/lib/python3.12/site-packages/a-1.0.dist-info/METADATA` of `a` 1.0 is missing; run `fenv sync --reinstall a`",
            "error[file-modified]: `.venv/lib/python3.12/site-packages/a/__init__.py` of `a` 1.0 differs from its RECORD hash; run `fenv sync --reinstall a`",
            "warning[package-extra]: `extra` 3.0 is installed but not locked",
        ]
    );

    // The same findings as JSON, with counts.
    let (code, stdout) = check(&project, &["--json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "lock-stale",
            "package-version",
            "file-missing",
            "file-modified",
            "package-extra"
        ]
    );
    assert_eq!(
        (json["errors"].as_u64(), json["warnings"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(json["findings"][1]["package"], "b");
    assert_eq!(json["findings"][1]["severity"], "error");

    // `fenv sync` locks again and puts back what the lock says; `b` and
    // `extra` go; the edited file of `a` stays edited (sync trusts RECORD-
    // complete installs at the locked version, as pip and uv do), so check
    // still says so.
    project.sync_ok(&[]);
    let (code, stdout) = check(&project, &[]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        stdout
            .lines()
            .map(|l| l.split(':').next().unwrap())
            .collect::<Vec<_>>(),
        ["error[file-missing]", "error[file-modified]"],
        "{stdout}"
    );

    // `--verify` hashes every file as check does and installs `a` again.
    let stderr = project.sync_ok(&["--verify"]);
    assert!(stderr.contains(" ~ a==1.0 (repaired)"), "{stderr}");
    assert_eq!(check(&project, &[]).0, 0);
    // The wheel's module is empty; the edit is gone.
    assert_eq!(fs_err::read_to_string(site.join("a/__init__.py")).unwrap(), "");

    // `--reinstall` takes only locked packages.
    let output = run(&mut project.fenv(&["sync", "--reinstall", "nope"]));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).lines().next(),
        Some(
            "error: `nope` is not in `pylock.toml` for this environment; `--reinstall` takes locked packages"
        )
    );
}

#[test]
fn a_missing_package_a_missing_lock_and_a_python_the_lock_refuses() {
    let Some(project) = Project::locked() else { return };
    project.sync_ok(&[]);
    run_ok(
        project
            .ctx
            .command(project.python())
            .args(["-m", "pip", "uninstall", "-q", "-y", "b"]),
    );
    assert_eq!(
        check(&project, &[]),
        (
            1,
            "error[package-missing]: `b` 1.0 is locked but not installed\n".into()
        )
    );

    // A lock whose requires-python the environment's 3.12 does not meet.
    let lock = fs_err::read_to_string(project.ctx.path("pylock.toml")).unwrap();
    assert!(!lock.contains("requires-python"), "{lock}");
    let header = "lock-version = \"1.0\"\n";
    assert!(lock.contains(header), "{lock}");
    project.ctx.write(
        "other.toml",
        lock.replace(header, &format!("{header}requires-python = \">=3.99\"\n")),
    );
    let (code, stdout) = check(&project, &["--lock", "other.toml"]);
    assert_eq!(code, 1);
    let python = run_ok(
        project
            .ctx
            .command(project.python())
            .args(["-c", "import platform; print(platform.python_version())"]),
    );
    assert_eq!(
        stdout,
        format!(
            "error[python-mismatch]: the lock requires Python `>=3.99`, but the environment runs {}\n",
            python.trim()
        )
    );

    fs_err::remove_file(project.ctx.path("pylock.toml")).unwrap();
    assert_eq!(
        check(&project, &[]),
        (
            1,
            "error[lock-missing]: there is no lock at `pylock.toml`; run `fenv lock` and commit the result\n"
                .into()
        )
    );
}

#[test]
fn a_lock_without_a_recorded_dependency_is_a_warning() {
    // What an older fenv wrote for scipy: the package, its `dependencies`
    // naming numpy, and no numpy.
    let Some(project) = Project::locked() else { return };
    project.sync_ok(&[]);
    let lock = fs_err::read_to_string(project.ctx.path("pylock.toml")).unwrap();
    let start = lock.find("[[packages]]\nname = \"b\"").expect("b is locked");
    let end = lock[start + 1..]
        .find("[[packages]]")
        .map_or(lock.len(), |at| start + 1 + at);
    project
        .ctx
        .write("broken.toml", format!("{}{}", &lock[..start], &lock[end..]));
    assert_eq!(
        check(&project, &["--lock", "broken.toml"]),
        (
            0,
            "warning[lock-incomplete]: `a` 1.0 depends on `b`, which `broken.toml` does not hold; run `fenv lock -P a`\nwarning[package-extra]: `b` 1.0 is installed but not locked\n".into()
        )
    );
}
