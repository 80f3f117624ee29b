//! `fenv ci`: the real binary as a CI job runs it: on GitHub Actions
//! (exports through `$GITHUB_ENV`/`$GITHUB_PATH`, groups, annotations)
//! and elsewhere (`export` lines, a dotenv file a shell sources).

use crate::common::{run, run_ok};
use crate::sync::Project;

#[test]
fn on_github_actions_it_groups_annotates_and_exports_to_later_steps() {
    let Some(project) = Project::locked() else { return };
    let env_file = project.ctx.path("github/env");
    let path_file = project.ctx.path("github/path");
    project.ctx.write("github/env", "EARLIER=1\n");
    let github = |cmd: &mut std::process::Command| {
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ENV", &env_file)
            .env("GITHUB_PATH", &path_file);
    };
    let mut cmd = project.fenv(&["ci"]);
    github(&mut cmd);
    let output = run(&mut cmd);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        stdout,
        "::group::fenv sync .venv\n::endgroup::\n::group::fenv check\n::endgroup::\n"
    );
    let env = project.env();
    assert_eq!(
        fs_err::read_to_string(&env_file).unwrap(),
        format!("EARLIER=1\nVIRTUAL_ENV={}\n", env.display())
    );
    assert_eq!(
        fs_err::read_to_string(&path_file).unwrap(),
        format!("{}\n", env.join("bin").display())
    );
    assert_eq!(project.frozen(), ["a==1.0", "b==1.0"]);
    project.pip_check();

    // A lock that no longer matches the project fails the job, with an
    // annotation GitHub shows on the run's summary.
    project.pyproject(&["a", "b"]);
    let mut cmd = project.fenv(&["ci"]);
    github(&mut cmd);
    let output = run(&mut cmd);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let annotation = stdout.lines().last().unwrap();
    assert!(
        annotation.starts_with("::error title=fenv ci::`pylock.toml` does not match the project's inputs"),
        "{stdout}"
    );
}

#[test]
fn elsewhere_it_prints_export_lines_and_writes_a_dotenv_a_shell_sources() {
    let Some(project) = Project::locked() else { return };
    let output = run(&mut project.fenv(&["ci"]));
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let env = project.env();
    assert_eq!(
        stdout,
        format!(
            "export VIRTUAL_ENV='{0}'\nexport PATH='{0}/bin'\"${{PATH:+:$PATH}}\"\n",
            env.display()
        )
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("files match their RECORD"), "{stderr}");

    // `eval "$(fenv ci)"` and `. ci.env` both put the env's Python first.
    let probe = "import a, sys; print(sys.prefix)";
    let evaluated = run_ok(
        project
            .ctx
            .command("sh")
            .args([
                "-c",
                &format!("eval \"$(\"$FENV\" ci -q)\" && python -c '{probe}' && echo \"$VIRTUAL_ENV\""),
            ])
            .env("FENV", crate::common::fenv_binary())
            .env("FENV_INDEX_URL", project.index.url()),
    );
    let expected = format!("{0}\n{0}\n", env.display());
    assert_eq!(evaluated, expected);

    run_ok(&mut project.fenv(&["ci", "-q", "--export", "ci.env"]));
    let dotenv = fs_err::read_to_string(project.ctx.path("ci.env")).unwrap();
    assert!(
        dotenv.starts_with(&format!("VIRTUAL_ENV={0}\nPATH={0}/bin:", env.display())),
        "{dotenv}"
    );
    let sourced = run_ok(project.ctx.command("sh").args([
        "-c",
        &format!(". ./ci.env && python -c '{probe}' && echo \"$VIRTUAL_ENV\""),
    ]));
    assert_eq!(sourced, expected);
}

#[test]
fn cache_key_names_the_platform_python_and_lock() {
    let Some(project) = Project::locked() else { return };
    let before = run_ok(&mut project.fenv(&["ci", "--cache-key"]));
    assert!(!project.env().exists(), "--cache-key only prints");
    let hash = fenv::lock::hash_file(&project.ctx.path("pylock.toml")).unwrap();
    let digest = hash.strip_prefix("sha256:").unwrap();
    assert_eq!(
        before,
        format!("fenv-linux-x86_64-cpython3.12-{}\n", &digest[..16])
    );
    // The same key once the environment exists; another lock, another key.
    project.sync_ok(&[]);
    assert_eq!(run_ok(&mut project.fenv(&["ci", "--cache-key"])), before);
    project.publish("b", "1.1", &[]);
    run_ok(&mut project.fenv(&["lock", "--upgrade", "--refresh"]));
    assert_ne!(run_ok(&mut project.fenv(&["ci", "--cache-key"])), before);
}
