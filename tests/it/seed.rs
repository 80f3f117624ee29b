//! pip seeded natively: for every CPython on the machine, the result
//! behaves like `python -m venv`'s ensurepip result.

use std::path::Path;

use crate::common::{TestContext, for_each_python, run_ok};
use crate::support::wheel::WheelBuilder;

/// `pip list --format=freeze` lines of an environment, sorted.
fn pip_list(ctx: &TestContext, env: &Path) -> Vec<String> {
    let out = run_ok(ctx.command(env.join("bin/python")).args([
        "-m",
        "pip",
        "list",
        "--format=freeze",
        "--disable-pip-version-check",
    ]));
    let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
    lines.sort();
    lines
}

fn check_seeded(label: &str, python: &Path) {
    let ctx = TestContext::new();
    let venv = ctx.path("venv");
    run_ok(ctx.command(python).args(["-m", "venv"]).arg(&venv));
    let env = ctx.path("fenv env");
    run_ok(ctx.fenv().args(["create", "-q", "-p"]).arg(python).arg(&env));

    // The same packages at the same versions as ensurepip's result.
    assert_eq!(pip_list(&ctx, &env), pip_list(&ctx, &venv), "{label}: pip list");
    let pip = |args: &[&str]| {
        run_ok(
            ctx.command(env.join("bin/python"))
                .args(["-m", "pip", "--disable-pip-version-check"])
                .args(args),
        )
    };
    let version = pip(&["--version"]);
    let venv_version = run_ok(
        ctx.command(venv.join("bin/python"))
            .args(["-m", "pip", "--version"]),
    );
    assert_eq!(
        version.split_whitespace().nth(1),
        venv_version.split_whitespace().nth(1),
        "{label}: pip version"
    );
    assert!(version.contains(&env.display().to_string()), "{label}: {version}");
    assert!(
        pip(&["check"]).contains("No broken requirements found"),
        "{label}"
    );

    // pip's own launchers run, in a path with a space.
    let pip_script = run_ok(ctx.command(env.join("bin/pip")).arg("--version"));
    assert_eq!(pip_script, version, "{label}: bin/pip");

    // pip installs and uninstalls a local wheel; fenv freeze agrees with pip freeze.
    let wheel = WheelBuilder::new("local-thing", "0.1")
        .file("local_thing.py", "def hello():\n    print('hello')\n")
        .entry_point("console_scripts", "local-hello", "local_thing:hello")
        .build(&ctx.root().join("wheels"));
    pip(&[
        "install",
        "--no-index",
        "--no-deps",
        "-q",
        wheel.to_str().unwrap(),
    ]);
    assert_eq!(
        run_ok(&mut ctx.command(env.join("bin/local-hello"))),
        "hello\n",
        "{label}"
    );
    let freeze = run_ok(ctx.fenv().args(["freeze", "--env"]).arg(&env));
    assert_eq!(freeze, pip(&["freeze"]), "{label}: freeze");
    assert!(freeze.starts_with("local-thing @ file://"), "{label}: {freeze}");
    pip(&["uninstall", "-y", "-q", "local-thing"]);
    assert!(!env.join("bin/local-hello").exists());

    // `pip uninstall pip` works on what fenv installed.
    pip(&["uninstall", "-y", "-q", "pip"]);
    assert!(!env.join("bin/pip").exists(), "{label}");
}

#[test]
fn every_interpreter_gets_its_own_pip() {
    for_each_python("seeding", check_seeded);
}

#[test]
fn concurrent_creates_share_a_cold_cache() {
    let Some(python) = crate::common::require("pyenv CPython 3.11", crate::common::pyenv_python("3.11"))
    else {
        return;
    };
    let ctx = TestContext::new();
    let children: Vec<_> = (0..3)
        .map(|i| {
            ctx.fenv()
                .args(["create", "-q", "-p"])
                .arg(&python)
                .arg(format!("env{i}"))
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("wait");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for i in 0..3 {
        let list = pip_list(&ctx, &ctx.path(format!("env{i}")));
        assert!(
            list.iter().any(|l| l.starts_with("pip==")) && list.iter().any(|l| l.starts_with("setuptools==")),
            "{list:?}"
        );
    }
}
