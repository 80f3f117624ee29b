//! `fenv create`: the options beyond parity, what it prints, bad input
//! (a clear error, a hint, a non-zero exit, nothing lost) and atomicity.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{TestContext, find_program, outcome, pyenv_python, require, run, run_err, run_ok};

/// A context plus the interpreter most tests use.
fn setup() -> Option<(TestContext, PathBuf)> {
    let python = require("pyenv CPython 3.12", pyenv_python("3.12"))?;
    Some((TestContext::new(), python))
}

fn create(ctx: &TestContext, python: &Path) -> Command {
    let mut cmd = ctx.fenv();
    cmd.args(["create", "--without-pip", "-p"]).arg(python);
    cmd
}

fn stderr_of(cmd: &mut Command) -> String {
    let output = run(cmd);
    assert!(
        output.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stderr).expect("UTF-8")
}

/// Every entry under `dir`, to prove a command changed nothing there.
fn fingerprint(dir: &Path) -> crate::support::tree::Snapshot {
    crate::support::tree::Snapshot::of(dir, &[])
}

#[test]
fn defaults_to_dot_venv_and_says_how_to_activate() {
    let Some((ctx, python)) = setup() else { return };
    let stderr = stderr_of(create(&ctx, &python).env("SHELL", "/bin/bash"));
    assert!(ctx.path(".venv/pyvenv.cfg").is_file());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines[0],
        format!("Using CPython 3.12.1 at `{}`", python.display()).replace("3.12.1", &version_of(&python))
    );
    assert_eq!(lines[1], "Created virtual environment at `.venv`");
    // SHELL is bash: its own line, with the path as created.
    assert_eq!(lines[2], "Activate with: source .venv/bin/activate", "{stderr}");
    // CPython 3.13's venv writes the same `.gitignore`.
    assert_eq!(
        fs_err::read_to_string(ctx.path(".venv/.gitignore")).expect(".gitignore"),
        "# Created by venv; see https://docs.python.org/3/library/venv.html\n*\n"
    );
    assert!(
        fs_err::read_to_string(ctx.path(".venv/CACHEDIR.TAG"))
            .expect("tag")
            .starts_with("Signature: 8a477f597d28d172789f06886806bc55")
    );
    // `-q` prints nothing at all.
    let out = run(create(&ctx, &python).args(["-q", "quiet"]));
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
}

fn version_of(python: &Path) -> String {
    let out = Command::new(python)
        .args(["-c", "import platform; print(platform.python_version())"])
        .output()
        .expect("run");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn several_dirs_and_the_options_land_in_pyvenv_cfg() {
    let Some((ctx, python)) = setup() else { return };
    run_ok(create(&ctx, &python).args([
        "a",
        "b",
        "--prompt",
        ".",
        "--system-site-packages",
        "--relocatable",
        "--without-scm-ignore-files",
    ]));
    for dir in ["a", "b"] {
        let cfg = fs_err::read_to_string(ctx.path(dir).join("pyvenv.cfg")).expect("cfg");
        assert!(cfg.contains("include-system-site-packages = true\n"), "{cfg}");
        // `--prompt .` is the current folder's name.
        assert!(cfg.contains("prompt = 'work'\n"), "{cfg}");
        assert!(
            cfg.contains(&format!(
                "-m venv --without-pip --system-site-packages --prompt=\".\" {}\n",
                ctx.path(dir).display()
            )),
            "{cfg}"
        );
        assert!(
            cfg.ends_with(&format!(
                "fenv = {}\nrelocatable = true\n",
                env!("CARGO_PKG_VERSION")
            )),
            "{cfg}"
        );
        assert!(!ctx.path(dir).join(".gitignore").exists());
    }
}

#[test]
fn copies_are_real_executables() {
    let Some((ctx, python)) = setup() else { return };
    run_ok(create(&ctx, &python).arg("--copies"));
    use std::os::unix::fs::PermissionsExt;
    for name in ["python", "python3", "python3.12"] {
        let meta = fs_err::symlink_metadata(ctx.path(".venv/bin").join(name)).expect("exists");
        assert!(meta.is_file(), "{name} is a copy");
        assert_eq!(meta.permissions().mode() & 0o777, 0o755);
    }
    let out = run_ok(
        ctx.command(ctx.path(".venv/bin/python"))
            .args(["-c", "import sys; print(sys.prefix)"]),
    );
    assert_eq!(out.trim(), ctx.path(".venv").display().to_string());
}

#[test]
fn a_file_in_the_way_is_refused() {
    let Some((ctx, python)) = setup() else { return };
    ctx.write("taken", "precious\n");
    let err = run_err(create(&ctx, &python).arg("taken"), 1);
    // The path once, as the user gave it.
    assert_eq!(
        err,
        format!(
            "Using CPython {} at `{}`\n\
             error: failed to create a virtual environment at `taken`: `taken` exists and is a file\n\
             hint: choose another folder for the environment, or remove the file\n",
            version_of(&python),
            python.display()
        )
    );
    assert_eq!(
        fs_err::read_to_string(ctx.path("taken")).expect("kept"),
        "precious\n"
    );
}

#[test]
fn a_folder_that_is_not_a_venv_is_kept_unless_forced() {
    let Some((ctx, python)) = setup() else { return };
    ctx.write("project/notes.txt", "keep me\n");
    let before = fingerprint(&ctx.path("project"));

    let err = run_err(create(&ctx, &python).arg("project"), 1);
    assert!(
        err.contains("is a folder with files in it, and not a virtual environment"),
        "{err}"
    );
    assert!(
        err.contains("hint: choose another folder, or pass `--clear --force`"),
        "{err}"
    );
    assert_eq!(fingerprint(&ctx.path("project")), before);

    // `--clear` alone deletes nothing here.
    let err = run_err(create(&ctx, &python).args(["--clear", "project"]), 1);
    assert!(
        err.contains("hint: `--clear` only replaces virtual environments; add `--force`"),
        "{err}"
    );
    assert_eq!(fingerprint(&ctx.path("project")), before);

    run_ok(create(&ctx, &python).args(["--clear", "--force", "project"]));
    assert!(ctx.path("project/pyvenv.cfg").is_file());
    assert!(!ctx.path("project/notes.txt").exists());
}

#[test]
fn an_existing_venv_is_refreshed_as_venv_does_cleared_or_upgraded() {
    let Some((ctx, python)) = setup() else { return };
    run_ok(&mut create(&ctx, &python));
    let marker = ctx.write(".venv/lib/python3.12/site-packages/marker.py", "x = 1\n");

    // Run again, as `python -m venv .venv` may be in a Makefile: the
    // environment is refreshed in place, its packages kept, exit 0.
    fs_err::remove_file(ctx.path(".venv/bin/activate")).unwrap();
    let stderr = stderr_of(&mut create(&ctx, &python));
    assert!(
        stderr.contains("Refreshed virtual environment at `.venv`; its packages are kept"),
        "{stderr}"
    );
    assert!(marker.is_file());
    assert!(
        ctx.path(".venv/bin/activate").is_file(),
        "the scripts are written anew"
    );
    // What venv itself does run twice, for comparison: it keeps packages.
    run_ok(
        ctx.command(&python)
            .args(["-m", "venv", "--without-pip", "twice"]),
    );
    ctx.write("twice/lib/python3.12/site-packages/marker.py", "x = 1\n");
    run_ok(
        ctx.command(&python)
            .args(["-m", "venv", "--without-pip", "twice"]),
    );
    assert!(ctx.path("twice/lib/python3.12/site-packages/marker.py").is_file());
    fs_err::remove_dir_all(ctx.path("twice")).unwrap();

    // --upgrade keeps packages and rewrites pyvenv.cfg from the flags.
    run_ok(create(&ctx, &python).args(["--upgrade", "--prompt", "up"]));
    assert!(marker.is_file());
    let cfg = fs_err::read_to_string(ctx.path(".venv/pyvenv.cfg")).expect("cfg");
    assert!(
        cfg.contains("prompt = 'up'\n") && cfg.contains(" --upgrade --prompt=\"up\" "),
        "{cfg}"
    );

    // --clear replaces the whole environment.
    let stderr = stderr_of(create(&ctx, &python).arg("--clear"));
    assert!(
        stderr.contains("Replaced virtual environment at `.venv`"),
        "{stderr}"
    );
    assert!(!marker.exists());
    assert!(ctx.path(".venv/bin/python").exists());
    // Nothing is left beside it.
    let leftovers: Vec<_> = fs_err::read_dir(ctx.work())
        .expect("read")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from(".venv")]);
}

#[test]
fn upgrade_needs_an_environment() {
    let Some((ctx, python)) = setup() else { return };
    let err = run_err(create(&ctx, &python).arg("--upgrade"), 1);
    assert!(
        err.contains("there is no virtual environment to upgrade at `"),
        "{err}"
    );
    assert!(!ctx.path(".venv").exists());
}

#[test]
fn a_symlinked_venv_stays_a_symlink() {
    let Some((ctx, python)) = setup() else { return };
    fs_err::create_dir(ctx.path("real")).expect("mkdir");
    fs_err::os::unix::fs::symlink("real", ctx.path(".venv")).expect("symlink");
    run_ok(&mut create(&ctx, &python));
    run_ok(create(&ctx, &python).arg("--clear"));
    assert!(
        fs_err::symlink_metadata(ctx.path(".venv"))
            .expect("meta")
            .is_symlink()
    );
    assert!(ctx.path("real/pyvenv.cfg").is_file());
    let out = run_ok(
        ctx.command(ctx.path(".venv/bin/python"))
            .args(["-c", "import sys; print(sys.prefix)"]),
    );
    assert_eq!(out.trim(), ctx.path(".venv").display().to_string());
}

#[test]
fn paths_no_shell_can_carry_are_refused() {
    let Some((ctx, python)) = setup() else { return };
    for (name, why) in [("new\nline", "newline"), ("a:b", "PATH separator")] {
        let err = run_err(create(&ctx, &python).arg(name), 1);
        assert!(err.contains("cannot be used in activation scripts"), "{err}");
        assert!(err.contains(why), "{err}");
        // Said once: the reason was printed again as its own cause.
        assert_eq!(err.matches("it contains").count(), 1, "{err}");
        assert!(err.contains("hint: "), "{err}");
        assert!(!ctx.path(name).exists());
    }
    let err = run_err(create(&ctx, &python).args(["--prompt", "two\nlines"]), 1);
    assert!(err.contains("the prompt \"two\\nlines\" cannot be used"), "{err}");
}

#[test]
fn an_unwritable_parent_is_an_error_that_names_it() {
    let Some((ctx, _)) = setup() else { return };
    let Some(setpriv) = require("setpriv", find_program("setpriv")) else {
        return;
    };
    // Root may write anywhere, so run fenv as `nobody` in a root-owned folder.
    let locked = ctx.root().join("locked");
    fs_err::create_dir(&locked).expect("mkdir");
    use std::os::unix::fs::PermissionsExt;
    fs_err::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for dir in [ctx.root(), ctx.root().parent().expect("tmp").to_path_buf()] {
        let mode = fs_err::metadata(&dir).expect("meta").permissions().mode();
        fs_err::set_permissions(&dir, std::fs::Permissions::from_mode(mode | 0o711)).expect("chmod");
    }
    let fenv = crate::common::fenv_binary();
    let mut cmd = ctx.command(setpriv);
    cmd.args([
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        fenv.to_str().expect("a UTF-8 path"),
        "create",
        "--without-pip",
        "-p",
        "/usr/bin/python3.11",
    ])
    .arg(locked.join("env"))
    .env("FENV_CACHE_DIR", locked.join("cache"));
    if !Path::new("/usr/bin/python3.11").is_file() {
        eprintln!("skipped: no /usr/bin/python3.11 readable by nobody");
        return;
    }
    let err = run_err(&mut cmd, 1);
    assert!(
        err.contains("cannot be used"),
        "the unwritable cache is a warning: {err}"
    );
    assert!(err.contains("Permission denied"), "{err}");
    assert!(
        err.contains(&format!(
            "hint: check that you can write to `{}`",
            locked.display()
        )),
        "{err}"
    );
    assert!(!locked.join("env").exists());
}

#[test]
fn an_unusable_cache_is_worked_around() {
    let Some((ctx, python)) = setup() else { return };
    let blocker = ctx.write("not-a-dir", "x");
    let stderr = stderr_of(create(&ctx, &python).env("FENV_CACHE_DIR", &blocker));
    assert!(
        stderr.starts_with(&format!(
            "warning: the cache at `{}` cannot be used",
            blocker.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: point `--cache-dir` or `FENV_CACHE_DIR` at a writable folder"),
        "{stderr}"
    );
    assert!(ctx.path(".venv/pyvenv.cfg").is_file());
}

#[test]
fn usage_errors_exit_2() {
    let ctx = TestContext::new();
    for args in [
        &["create", "--symlinks", "--copies"][..],
        &["create", "--clear", "--upgrade"],
        &["create", "--force"],
        &["create", "--without-pip", "--upgrade-deps"],
        &["create", "--upg"],
    ] {
        let err = run_err(ctx.fenv().args(args), 2);
        assert!(err.contains("error:"), "{args:?}: {err}");
    }
}

#[test]
fn a_warm_cache_starts_no_python() {
    let Some((ctx, python)) = setup() else { return };
    let Some(strace) = require("strace", find_program("strace")) else {
        return;
    };
    run_ok(create(&ctx, &python).arg("warm"));
    let trace = ctx.root().join("trace");
    let mut cmd = ctx.command(strace);
    cmd.args(["-f", "-qq", "-e", "trace=execve", "-o"])
        .arg(&trace)
        .arg(crate::common::fenv_binary());
    cmd.args(["create", "--without-pip", "-p"])
        .arg(&python)
        .arg("cold");
    run_ok(&mut cmd);
    let execs: Vec<String> = fs_err::read_to_string(&trace)
        .expect("trace")
        .lines()
        .filter(|l| l.contains("execve(") && !l.contains("ENOENT"))
        .map(str::to_string)
        .collect();
    assert_eq!(execs.len(), 1, "only fenv itself runs: {execs:#?}");
    assert!(ctx.path("cold/pyvenv.cfg").is_file());
}

#[test]
fn with_pip_by_default_and_killed_creation_leaves_the_old_env() {
    let Some((ctx, python)) = setup() else { return };
    let mut cmd = ctx.fenv();
    cmd.args(["create", "-p"]).arg(&python);
    run_ok(&mut cmd);
    let pip = run_ok(
        ctx.command(ctx.path(".venv/bin/python"))
            .args(["-m", "pip", "--version"]),
    );
    assert!(pip.starts_with("pip "), "{pip}");
    let cfg = fs_err::read_to_string(ctx.path(".venv/pyvenv.cfg")).expect("cfg");
    assert!(cfg.ends_with("seed = pip\n"), "{cfg}");

    // Kill `--clear` runs at many moments: each time the destination holds
    // either the old environment, untouched, or a complete new one.
    let site = ".venv/lib/python3.12/site-packages";
    let mut kept = 0;
    let mut replaced = 0;
    for delay_ms in (0..60).step_by(3) {
        let marker = ctx.write(format!("{site}/marker.py"), "x = 1\n");
        let before = fingerprint(&ctx.path(".venv"));
        let mut child = ctx
            .fenv()
            .args(["create", "-q", "--clear", "-p"])
            .arg(&python)
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        child.wait().expect("wait");
        if marker.exists() {
            assert_eq!(
                fingerprint(&ctx.path(".venv")),
                before,
                "killed after {delay_ms} ms: old env changed"
            );
            kept += 1;
        } else {
            let pip = run_ok(
                ctx.command(ctx.path(".venv/bin/python"))
                    .args(["-m", "pip", "--version"]),
            );
            assert!(
                pip.starts_with("pip "),
                "killed after {delay_ms} ms: new env incomplete: {pip}"
            );
            replaced += 1;
        }
    }
    eprintln!("old env kept {kept} times, replaced {replaced} times");

    // The next run clears what killed runs left beside it.
    run_ok(create(&ctx, &python).arg("next"));
    let mut names: Vec<_> = fs_err::read_dir(ctx.work())
        .expect("read")
        .map(|e| e.expect("e").file_name())
        .collect();
    names.sort();
    assert_eq!(names, [".venv", "next"]);
}

#[test]
fn upgrade_deps_fetches_the_newest_pip() {
    if !crate::common::live_tests() {
        eprintln!("skipped: needs the package index (FENV_LIVE_TESTS=1)");
        return;
    }
    let Some((ctx, python)) = setup() else { return };
    let bundled = "23.2.1";
    let mut last = String::new();
    // The index is on the internet: retry transient failures.
    for attempt in 0..3 {
        let output = run(ctx
            .fenv()
            .args(["create", "--clear", "--upgrade-deps", "-p"])
            .arg(&python));
        if output.status.success() {
            let version = run_ok(
                ctx.command(ctx.path(".venv/bin/python"))
                    .args(["-m", "pip", "--version"]),
            );
            assert!(
                !version.starts_with(&format!("pip {bundled} ")),
                "pip was not upgraded: {version}"
            );
            return;
        }
        last = String::from_utf8_lossy(&output.stderr).into_owned();
        std::thread::sleep(std::time::Duration::from_secs(2 << attempt));
    }
    panic!("--upgrade-deps failed three times: {last}");
}

#[test]
fn upgrade_deps_installs_the_newest_from_the_index_natively() {
    use crate::support::index::TestIndex;
    use crate::support::wheel::WheelBuilder;
    let Some((ctx, python)) = setup() else { return };
    let index = TestIndex::start();
    let wheels = ctx.root().join("wheels");
    let pip = |version: &str| {
        WheelBuilder::new("pip", version)
            .file("pip/__init__.py", format!("__version__ = '{version}'\n"))
            .entry_point("console_scripts", "pip", "pip:main")
            .entry_point("console_scripts", "pip3", "pip:main")
            .build(&wheels)
    };
    index.publish(&pip("90.0"));
    index.publish(&pip("99.0rc1")); // a pre-release: skipped
    index.publish_with(&pip("98.0"), Some(">=3.13"), false); // not for 3.12: skipped
    index.publish_with(&pip("97.0"), None, true); // yanked: skipped
    index.publish(&pip("91.0"));
    let stderr = stderr_of(
        ctx.fenv()
            .args(["create", "--upgrade-deps", "-p"])
            .arg(&python)
            .env("FENV_INDEX_URL", index.url()),
    );
    assert!(stderr.contains("Upgraded pip to 91.0"), "{stderr}");
    let freeze = run_ok(ctx.fenv().args(["freeze", "--all"]));
    assert_eq!(freeze, "pip==91.0\n");
    let version = run_ok(
        ctx.command(ctx.path(".venv/bin/python"))
            .args(["-c", "import pip; print(pip.__version__)"]),
    );
    assert_eq!(version.trim(), "91.0");
    assert!(ctx.path(".venv/bin/pip3.12").is_file(), "versioned launcher");
    assert!(
        index
            .requests()
            .contains(&"/files/pip-91.0-py3-none-any.whl".to_string())
    );

    // A second environment takes it from the cache: no download.
    let before = index.requests().len();
    run_ok(
        ctx.fenv()
            .args(["create", "-q", "--upgrade-deps", "-p"])
            .arg(&python)
            .arg("again")
            .env("FENV_INDEX_URL", index.url()),
    );
    let after = index.requests();
    assert!(
        after[before..].iter().all(|r| r.starts_with("/simple/")),
        "{:?}",
        &after[before..]
    );
}

#[test]
fn upgrade_deps_is_refused_offline() {
    let Some((ctx, python)) = setup() else { return };
    let err = run_err(
        ctx.fenv()
            .args(["create", "--offline", "--upgrade-deps", "-p"])
            .arg(&python),
        1,
    );
    assert!(
        err.contains("`--upgrade-deps` needs the package index, but `--offline` was given"),
        "{err}"
    );
    assert!(!ctx.path(".venv").exists());
}

#[test]
fn a_shell_that_cannot_activate_a_relocatable_env_is_told_what_works() {
    // csh cannot find where a sourced file is, so a relocatable env has no
    // activate.csh: printing `source …/activate.csh` would be a lie.
    let Some((ctx, python)) = setup() else { return };
    let stderr = stderr_of(
        create(&ctx, &python)
            .args(["--relocatable", "moving"])
            .env("SHELL", "/bin/tcsh"),
    );
    assert!(
        stderr.contains("csh cannot activate this environment (it has no `activate.csh`); use `fenv run --env moving -- CMD`, or another shell"),
        "{stderr}"
    );
    assert_eq!(
        outcome(&ctx, ctx.fenv().args(["activate", "moving", "--shell", "tcsh"])),
        "exit: 1\n--- stdout\n--- stderr\n\
         error: `moving` has no `activate.csh` for csh\n\
         hint: run commands in it with `fenv run --env moving -- CMD`, or activate it from another shell (bash, zsh, fish, …)\n"
    );
    assert_eq!(
        outcome(&ctx, ctx.fenv().args(["activate", "moving", "--shell", "tcsh2"])),
        "exit: 1\n--- stdout\n--- stderr\n\
         error: unknown shell `tcsh2`\n\
         hint: fenv knows bash, zsh, sh, dash, ksh, mksh, fish, csh, tcsh, nu, xonsh, pwsh and cmd\n"
    );
    assert_eq!(
        outcome(&ctx, ctx.fenv().args(["activate", "nowhere"])),
        "exit: 1\n--- stdout\n--- stderr\n\
         error: `nowhere` is not a virtual environment (it has no `pyvenv.cfg`)\n\
         hint: create it with `fenv create nowhere`\n"
    );
    let bash = run_ok(ctx.fenv().args(["activate", "moving", "--shell", "bash"]));
    assert_eq!(bash, "source moving/bin/activate\n");
}
