//! `fenv python find` / `fenv python list`: the request grammar against
//! the real interpreters, pyenv shims resolved without running them, the
//! project's own choice, and the query cache.

use std::path::{Path, PathBuf};

use crate::common::{TestContext, pyenv_python, pyenv_root, require, run_err, run_ok};

fn find(ctx: &TestContext, request: &str) -> PathBuf {
    PathBuf::from(run_ok(ctx.fenv().args(["python", "find", request])).trim())
}

/// The version an interpreter reports, as `X.Y`.
fn minor_of(ctx: &TestContext, python: &Path) -> String {
    run_ok(
        ctx.command(python)
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]),
    )
    .trim()
    .to_string()
}

#[test]
fn versions_implementations_and_names() {
    let Some(py312) = require("pyenv CPython 3.12", pyenv_python("3.12")) else {
        return;
    };
    let ctx = TestContext::new();
    for request in ["3.12", "cpython@3.12", "cp312", "cpython3.12", "python3.12"] {
        assert_eq!(find(&ctx, request), py312, "request `{request}`");
    }
    let full = minor_of(&ctx, &py312);
    assert_eq!(full, "3.12");
    let patch = run_ok(
        ctx.command(&py312)
            .args(["-c", "import platform; print(platform.python_version())"]),
    );
    assert_eq!(find(&ctx, patch.trim()), py312, "a full version");

    let ranged = find(&ctx, ">=3.10,<3.12");
    let minor = minor_of(&ctx, &ranged);
    assert!(minor == "3.10" || minor == "3.11", "range gave {minor}");
    assert_eq!(minor_of(&ctx, &find(&ctx, "3")).chars().next(), Some('3'));
}

#[test]
fn paths_to_executables_install_folders_and_venvs() {
    let Some(py311) = require("pyenv CPython 3.11", pyenv_python("3.11")) else {
        return;
    };
    let ctx = TestContext::new();
    assert_eq!(find(&ctx, py311.to_str().expect("utf-8")), py311);
    let install = py311.parent().and_then(Path::parent).expect("install folder");
    assert_eq!(
        find(&ctx, install.to_str().expect("utf-8")),
        py311,
        "an install folder"
    );

    // A request that points into a venv resolves to its base.
    run_ok(ctx.command(&py311).args(["-m", "venv", "--without-pip", "inner"]));
    assert_eq!(
        find(&ctx, "./inner/bin/python"),
        py311.canonicalize().expect("real path")
    );
    assert_eq!(find(&ctx, "./inner"), py311.canonicalize().expect("real path"));
}

#[test]
fn pyenv_shims_resolve_to_the_selected_version_without_running() {
    let (Some(root), Some(py310)) = (
        require("pyenv", pyenv_root()),
        require("pyenv CPython 3.10", pyenv_python("3.10")),
    ) else {
        return;
    };
    let ctx = TestContext::new();
    let version = py310
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .expect("version name");
    // Only the shims on PATH: the answer must come from pyenv's selection.
    let shims_only = root.join("shims");
    ctx.write(".python-version", format!("{}\n", version.to_string_lossy()));
    let out = run_ok(
        ctx.fenv()
            .env("PATH", &shims_only)
            .env("PYENV_VERSION", version)
            .args(["python", "find", "python3.10"]),
    );
    assert_eq!(PathBuf::from(out.trim()), py310);
    // A shim that selects a version without that name resolves to nothing.
    let err = run_err(
        ctx.fenv()
            .env("PATH", &shims_only)
            .env("PYENV_VERSION", version)
            .args(["python", "find", "python3.99"]),
        1,
    );
    assert!(
        err.contains("no Python interpreter matches `python3.99`"),
        "{err}"
    );
}

#[test]
fn project_files_choose_the_default() {
    let (Some(py39), Some(py312)) = (
        require("pyenv CPython 3.9", pyenv_python("3.9")),
        require("pyenv CPython 3.12", pyenv_python("3.12")),
    ) else {
        return;
    };
    let ctx = TestContext::new();
    ctx.write(
        "pyproject.toml",
        "[project]\nname = \"demo\"\nrequires-python = \">=3.12,<3.13\"\n",
    );
    assert_eq!(
        minor_of(
            &ctx,
            Path::new(run_ok(ctx.fenv().args(["python", "find"])).trim())
        ),
        "3.12"
    );
    assert_eq!(find(&ctx, "3.12"), py312);

    // `.python-version` wins over `requires-python`, found walking up.
    ctx.write(".python-version", "3.9\n");
    fs_err::create_dir_all(ctx.path("sub/dir")).expect("mkdir");
    let out = run_ok(
        ctx.fenv()
            .current_dir(ctx.path("sub/dir"))
            .args(["python", "find"]),
    );
    assert_eq!(PathBuf::from(out.trim()), py39);

    // And it decides which Python `fenv create` uses.
    run_ok(ctx.fenv().args(["create", "--without-pip", "sub/env"]));
    let cfg = fs_err::read_to_string(ctx.path("sub/env/pyvenv.cfg")).expect("cfg");
    assert!(cfg.contains("version = 3.9."), "{cfg}");
}

#[test]
fn bad_project_files_name_the_file_and_line() {
    let ctx = TestContext::new();
    ctx.write(".python-version", "# pinned\nthree point twelve\n");
    let err = run_err(ctx.fenv().args(["python", "find"]), 1);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(".python-version` line 2"), "{err}");
    assert!(err.contains("hint: "), "{err}");
}

#[test]
fn a_missing_python_lists_what_exists() {
    let ctx = TestContext::new();
    let err = run_err(ctx.fenv().args(["python", "find", "3.99"]), 1);
    let first = err.lines().next().expect("a line");
    assert!(
        first.starts_with("error: failed to find a Python interpreter: no Python interpreter matches `3.99`"),
        "{err}"
    );
    if let Some(py312) = pyenv_python("3.12") {
        assert!(
            first.contains(&py312.display().to_string()),
            "the list names {}: {err}",
            py312.display()
        );
    }
    assert!(err.contains("hint: "), "{err}");
    let err = run_err(ctx.fenv().args(["python", "find", "3.x"]), 1);
    assert!(err.contains("invalid Python request `3.x`"), "{err}");
}

#[test]
fn python_2_is_refused_with_a_pointer_to_virtualenv() {
    let Some(py27) = pyenv_root()
        .map(|r| r.join("versions/2.7.18/bin/python2.7"))
        .filter(|p| p.is_file())
    else {
        eprintln!("skipped: no pyenv Python 2.7 on this machine");
        return;
    };
    let ctx = TestContext::new();
    let err = run_err(ctx.fenv().args(["create", "-p"]).arg(&py27), 1);
    assert!(err.contains("Python 2.7.18"), "{err}");
    assert!(err.contains("too old"), "{err}");
    assert!(err.contains("virtualenv"), "{err}");
    assert!(!ctx.path(".venv").exists());
}

#[test]
fn list_shows_every_interpreter_and_one_default() {
    let ctx = TestContext::new();
    let json = run_ok(ctx.fenv().args(["python", "list", "--json"]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).expect("JSON");
    assert_eq!(rows.iter().filter(|r| r["default"] == true).count(), 1, "{json}");
    for minor in 7..=13 {
        if let Some(python) = pyenv_python(&format!("3.{minor}")) {
            assert!(
                rows.iter().any(|r| r["path"] == python.display().to_string()),
                "{} missing from {json}",
                python.display()
            );
        }
    }
    let table = run_ok(ctx.fenv().args(["python", "list"]));
    assert_eq!(table.lines().filter(|l| l.starts_with('*')).count(), 1, "{table}");
}

#[test]
fn the_cache_answers_and_survives_corruption() {
    let Some(py313) = require("pyenv CPython 3.13", pyenv_python("3.13")) else {
        return;
    };
    let ctx = TestContext::new();
    let request = py313.to_str().expect("utf-8");
    let first = run_ok(ctx.fenv().args(["-v", "python", "find", request]));
    let entries: Vec<PathBuf> = fs_err::read_dir(ctx.cache().join("interpreters"))
        .expect("cache bucket")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(ctx.cache().join("CACHEDIR.TAG").is_file());

    let out = ctx
        .fenv()
        .args(["-v", "python", "find", request])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&out.stderr).contains("(cached)"));

    fs_err::write(&entries[0], "{ not json").expect("corrupt the entry");
    let out = ctx
        .fenv()
        .args(["-v", "python", "find", request])
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), first);
    assert!(String::from_utf8_lossy(&out.stderr).contains("(queried)"));
    let repaired = fs_err::read_to_string(&entries[0]).expect("rewritten");
    assert!(serde_json::from_str::<serde_json::Value>(&repaired).is_ok());
}
