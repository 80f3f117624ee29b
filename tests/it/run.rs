//! `fenv run`: the real binary replacing itself with a command in an
//! environment of the pyenv CPython 3.12: exit codes, arguments, the
//! activated variables, syncing first (or not), and the errors.

use std::path::PathBuf;
use std::process::Command;

use crate::common::{TestContext, pyenv_python, require, run, run_err, run_ok};
use crate::support::index::TestIndex;
use crate::support::wheel::WheelBuilder;

/// A sandbox with an environment at `env` (no project); `None` (a skip)
/// without CPython 3.12.
fn with_env() -> Option<(TestContext, PathBuf)> {
    let python = require("pyenv CPython 3.12", pyenv_python("3.12"))?;
    let ctx = TestContext::new();
    run_ok(
        ctx.fenv()
            .args(["create", "-q", "--without-pip", "-p"])
            .arg(&python)
            .arg("env"),
    );
    let env = ctx.path("env");
    Some((ctx, env))
}

/// `fenv run --env env -- ARGS`.
fn fenv_run(ctx: &TestContext, args: &[&str]) -> Command {
    let mut cmd = ctx.fenv();
    cmd.args(["run", "--env", "env", "--"]).args(args);
    cmd
}

#[test]
fn exit_code_passes_through() {
    let Some((ctx, _)) = with_env() else { return };
    run_err(&mut fenv_run(&ctx, &["python", "-c", "raise SystemExit(7)"]), 7);
    run_ok(&mut fenv_run(&ctx, &["python", "-c", "pass"]));
}

#[test]
fn signals_pass_through() {
    use std::os::unix::process::ExitStatusExt;
    let Some((ctx, _)) = with_env() else { return };
    // fenv is replaced by the command: the command's own death by SIGTERM
    // is what the parent sees, not an exit code fenv made up.
    let script = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)";
    let output = run(&mut fenv_run(&ctx, &["python", "-c", script]));
    assert_eq!(output.status.signal(), Some(15), "{output:?}");
}

#[test]
fn arguments_arrive_intact() {
    let Some((ctx, _)) = with_env() else { return };
    let args = [
        "two words",
        "it's",
        "\"double\"",
        "",
        "--flag",
        "$HOME",
        "*",
        "back\\slash",
        "tab\there",
    ];
    let script = "import sys; print('\\n'.join(map(repr, sys.argv[1:])))";
    let out = run_ok(fenv_run(&ctx, &["python", "-c", script]).args(args));
    // The same arguments given to Python directly, no fenv in between.
    let python = pyenv_python("3.12").unwrap();
    let expected = run_ok(Command::new(python).args(["-c", script]).args(args));
    assert_eq!(out, expected);
    assert_eq!(out.lines().count(), args.len());
    assert!(out.starts_with("'two words'\n"), "{out}");
}

#[test]
fn activates_the_environment() {
    let Some((ctx, env)) = with_env() else { return };
    let script = "import os, sys; print(sys.prefix); print(os.environ.get('VIRTUAL_ENV')); \
                  print(os.environ.get('PYTHONHOME')); print(os.environ['PATH'].split(os.pathsep)[0])";
    let mut cmd = fenv_run(&ctx, &["python", "-c", script]);
    // Set outside, as an activated other environment would leave them.
    cmd.env("PYTHONHOME", "/nonexistent")
        .env("VIRTUAL_ENV", ctx.path("other"));
    let out = run_ok(&mut cmd);
    let env = env.display().to_string();
    let bin = format!("{env}/bin");
    assert_eq!(out.lines().collect::<Vec<_>>(), [&env, &env, "None", &bin]);
}

#[test]
fn virtual_env_is_the_fallback() {
    let Some((ctx, env)) = with_env() else { return };
    let out = run_ok(
        ctx.fenv()
            .args(["run", "--", "python", "-c", "import sys; print(sys.prefix)"])
            .env("VIRTUAL_ENV", &env),
    );
    assert_eq!(out.trim_end(), env.display().to_string());
}

#[test]
fn command_not_found_is_named() {
    let Some((ctx, _)) = with_env() else { return };
    let stderr = run_err(&mut fenv_run(&ctx, &["no-such-tool-here", "x"]), 127);
    assert!(stderr.contains("`no-such-tool-here` was not found"), "{stderr}");
}

#[test]
fn missing_environment_errors() {
    let ctx = TestContext::new();
    let stderr = run_err(ctx.fenv().args(["run", "--", "python", "-V"]), 1);
    assert!(stderr.contains("no environment to run in"), "{stderr}");

    let stderr = run_err(
        ctx.fenv().args(["run", "--env", "missing", "--", "python", "-V"]),
        1,
    );
    assert!(stderr.contains("there is no virtual environment at"), "{stderr}");
    assert!(stderr.contains("fenv create"), "{stderr}");
    assert!(!ctx.path("missing").exists());

    // A project without a lock is not synced: same error.
    ctx.write("pyproject.toml", "[project]\nname = \"app\"\nversion = \"0\"\n");
    let stderr = run_err(ctx.fenv().args(["run", "--", "python", "-V"]), 1);
    assert!(stderr.contains("there is no virtual environment at"), "{stderr}");
    assert!(stderr.contains("fenv lock"), "{stderr}");
}

#[test]
fn syncs_first_unless_no_sync() {
    let Some(_) = require("pyenv CPython 3.12", pyenv_python("3.12")) else {
        return;
    };
    let ctx = TestContext::new();
    let index = TestIndex::start();
    let wheels = ctx.root().join("wheels");
    for (name, requires) in [("a", Some("b>=1")), ("b", None)] {
        let mut builder = WheelBuilder::new(name, "1.0").file(&format!("{name}/__init__.py"), "");
        if let Some(requirement) = requires {
            builder = builder.requires(requirement);
        }
        index.publish(&builder.build(&wheels));
    }
    ctx.write(".python-version", "3.12\n");
    ctx.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0\"\ndependencies = [\"a\"]\n",
    );
    let fenv = |args: &[&str]| {
        let mut cmd = ctx.fenv();
        cmd.arg("run").args(args).env("FENV_INDEX_URL", index.url());
        cmd
    };
    run_ok(ctx.fenv().arg("lock").env("FENV_INDEX_URL", index.url()));

    // `--no-sync` does not create the environment.
    let stderr = run_err(&mut fenv(&["--no-sync", "--", "python", "-V"]), 1);
    assert!(stderr.contains("there is no virtual environment at"), "{stderr}");
    assert!(stderr.contains("--no-sync"), "{stderr}");
    assert!(!ctx.path(".venv").exists());

    // Without it, the environment is created and synced first.
    run_ok(&mut fenv(&["--", "python", "-c", "import a, b"]));

    // A package removed behind fenv's back stays removed with `--no-sync`…
    run_ok(&mut fenv(&[
        "--no-sync",
        "--",
        "python",
        "-m",
        "pip",
        "uninstall",
        "-q",
        "-y",
        "b",
    ]));
    let output = run(&mut fenv(&["--no-sync", "--", "python", "-c", "import b"]));
    assert_eq!(output.status.code(), Some(1));
    // …and comes back with the next run that syncs.
    run_ok(&mut fenv(&["--", "python", "-c", "import a, b"]));
}
