//! `fenv cache`, `fenv freeze`, and `fenv create`'s installer options,
//! through the binary.

use crate::common::{TestContext, outcome, pyenv_python, require, run_ok};

#[test]
fn cache_dir_size_and_clean() {
    let Some(python) = require("pyenv CPython 3.11", pyenv_python("3.11")) else {
        return;
    };
    let ctx = TestContext::new();
    assert_eq!(
        run_ok(ctx.fenv().args(["cache", "dir"])).trim(),
        ctx.cache().display().to_string()
    );
    run_ok(ctx.fenv().args(["create", "-q", "-p"]).arg(&python));

    let size = run_ok(ctx.fenv().args(["cache", "size"]));
    let parts: Vec<&str> = size
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(parts, ["interpreters", "archives", "unpacked", "total"], "{size}");
    assert!(!size.contains(" 0 B\n"), "every part holds something: {size}");

    // One package's wheels only.
    let out = ctx
        .fenv()
        .args(["cache", "clean", "SetupTools"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("Removed 1 cached wheel(s) of `SetupTools`"));
    let archives: Vec<String> = walk_names(&ctx.cache().join("archives"));
    assert!(archives.iter().any(|n| n.starts_with("pip-")), "{archives:?}");
    assert!(
        !archives.iter().any(|n| n.starts_with("setuptools-")),
        "{archives:?}"
    );

    // The environment does not depend on the cache (hardlinks or copies).
    run_ok(ctx.fenv().args(["cache", "clean"]));
    assert!(!ctx.cache().exists());
    run_ok(
        ctx.command(ctx.path(".venv/bin/python"))
            .args(["-m", "pip", "--version"]),
    );

    // A folder that is not fenv's cache is never deleted whole.
    let other = ctx.write("precious/file", "keep");
    assert_eq!(
        outcome(
            &ctx,
            ctx.fenv()
                .args(["cache", "clean"])
                .env("FENV_CACHE_DIR", ctx.path("precious"))
        ),
        "exit: 1\n--- stdout\n--- stderr\n\
         error: `precious` does not look like fenv's cache (no CACHEDIR.TAG); not deleting it\n\
         hint: pass a package name to remove only its wheels, or delete the folder yourself\n"
    );
    assert!(other.is_file());
}

fn walk_names(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in fs_err::read_dir(dir).into_iter().flatten().flatten() {
        out.push(entry.file_name().to_string_lossy().into_owned());
        if entry.path().is_dir() {
            out.extend(walk_names(&entry.path()));
        }
    }
    out
}

#[test]
fn freeze_finds_the_environment_and_speaks_json() {
    let Some(python) = require("pyenv CPython 3.11", pyenv_python("3.11")) else {
        return;
    };
    let ctx = TestContext::new();
    run_ok(ctx.fenv().args(["create", "-q", "-p"]).arg(&python));
    fs_err::create_dir_all(ctx.path("sub/dir")).unwrap();
    // pip and (before 3.12) setuptools are hidden, as pip freeze hides them.
    assert_eq!(
        run_ok(ctx.fenv().current_dir(ctx.path("sub/dir")).arg("freeze")),
        ""
    );
    let all = run_ok(ctx.fenv().args(["freeze", "--all"]));
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(lines.len(), 2, "{all}");
    assert!(
        lines[0].starts_with("pip==") && lines[1].starts_with("setuptools=="),
        "{all}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&run_ok(ctx.fenv().args(["freeze", "--json"]))).unwrap();
    assert_eq!(json[0]["name"], "pip");
    assert_eq!(json[0]["installer"], "fenv");
    assert_eq!(json[0]["requested"], true);

    // $VIRTUAL_ENV wins over .venv.
    run_ok(
        ctx.fenv()
            .args(["create", "-q", "--without-pip", "-p"])
            .arg(&python)
            .arg("other"),
    );
    assert_eq!(
        run_ok(
            ctx.fenv()
                .args(["freeze", "--all"])
                .env("VIRTUAL_ENV", ctx.path("other"))
        ),
        ""
    );

    let empty = TestContext::new();
    assert_eq!(
        outcome(&empty, empty.fenv().arg("freeze").env_remove("VIRTUAL_ENV")),
        "exit: 1\n--- stdout\n--- stderr\n\
         error: no virtual environment found: no `$VIRTUAL_ENV` and no `.venv` here or above\n\
         hint: pass `--env DIR`\n"
    );
}

#[test]
fn link_mode_and_bytecode_options() {
    use std::os::unix::fs::MetadataExt;
    let Some(python) = require("pyenv CPython 3.12", pyenv_python("3.12")) else {
        return;
    };
    let ctx = TestContext::new();
    run_ok(
        ctx.fenv()
            .args(["create", "-q", "--link-mode", "copy", "-p"])
            .arg(&python)
            .arg("copied"),
    );
    let init = "lib/python3.12/site-packages/pip/__init__.py";
    assert_eq!(ctx.path("copied").join(init).metadata().unwrap().nlink(), 1);

    let out = ctx
        .fenv()
        .args(["create", "-v", "--link-mode", "hardlink", "-p"])
        .arg(&python)
        .arg("linked")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("linked files from the cache with mode `hardlink`")
    );
    assert!(ctx.path("linked").join(init).metadata().unwrap().nlink() > 1);
    assert!(
        !ctx.path("linked/lib/python3.12/site-packages/pip/__pycache__")
            .exists()
    );

    // A forced mode that cannot work fails and leaves nothing behind.
    let out = ctx
        .fenv()
        .args(["create", "--link-mode", "clone", "-p"])
        .arg(&python)
        .arg("cloned")
        .output()
        .unwrap();
    if out.status.success() {
        assert!(ctx.path("cloned").join(init).is_file(), "this filesystem clones");
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("failed to clone") && err.contains("hint: "), "{err}");
        assert!(!ctx.path("cloned").exists());
    }

    run_ok(
        ctx.fenv()
            .args(["create", "-q", "--compile-bytecode", "-p"])
            .arg(&python)
            .arg("compiled"),
    );
    let pycache = ctx.path("compiled/lib/python3.12/site-packages/pip/__pycache__");
    assert!(pycache.join("__init__.cpython-312.pyc").is_file());
}
