//! `vercel build` — the Vercel CLI running Vercel's own Python builder —
//! on a project from `fenv init` with a dependency, locked by `fenv
//! lock`: the build installs exactly the lock (`FENV_LIVE_TESTS=1`: the
//! builder fetches `vercel-runtime` from the public index).

use std::process::Command;

use crate::common::project::Project;
use crate::common::{live_tests, require, run, run_ok};
use crate::support::tools;

#[test]
fn live_vercel_builds_a_fenv_project_from_its_lock() {
    if !live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to build with the Vercel CLI");
        return;
    }
    let Some(project) = Project::new() else { return };
    let Some(uv) = require("uv", tools::uv(&project.host_python)) else {
        return;
    };
    let Some(vercel) = require("the Vercel CLI (npm)", tools::vercel_cli()) else {
        return;
    };
    run_ok(&mut project.fenv(&["init", "--target", "vercel"]));
    let pyproject = fs_err::read_to_string(project.ctx.path("pyproject.toml")).unwrap();
    assert!(
        pyproject.contains("vercel-install = \"uv pip install -r pylock.toml\""),
        "{pyproject}"
    );
    project.ctx.write(
        "pyproject.toml",
        pyproject.replace("dependencies = []", "dependencies = [\"greeting\"]"),
    );
    project.publish("greeting", "1.0", &[]);
    run_ok(&mut project.fenv(&["lock"]));
    // No env yet, so check fails, but on no Vercel rule.
    let stdout = String::from_utf8_lossy(&run(&mut project.fenv(&["check"])).stdout).into_owned();
    assert!(!stdout.contains("vercel-"), "{stdout}");

    project.ctx.write(
        ".vercel/project.json",
        "{\"projectId\": \"prj_fenv\", \"orgId\": \"team_fenv\", \"settings\": {\"framework\": null}}\n",
    );
    let path = format!(
        "{}:{}:{}",
        uv.parent().unwrap().display(),
        project.host_python.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = run(Command::new(&vercel)
        .args(["build", "--yes"])
        .current_dir(project.ctx.work())
        .env("PATH", path)
        .env("HOME", project.ctx.home())
        .env("VERCEL_TELEMETRY_DISABLED", "1")
        .env("NO_UPDATE_NOTIFIER", "1"));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "vercel build failed:\n{log}");
    assert!(log.contains("Executing: uv pip install -r pylock.toml"), "{log}");
    let config: serde_json::Value = serde_json::from_str(
        &fs_err::read_to_string(
            project
                .ctx
                .path(".vercel/output/functions/api/hello.func/.vc-config.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let files = config["filePathMap"].as_object().unwrap();
    assert!(
        files.contains_key("_vendor/greeting/__init__.py"),
        "the locked package is in the function"
    );
    assert!(files.contains_key("pylock.toml"));
}
