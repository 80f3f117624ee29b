//! `fenv sync` against the public index (`FENV_LIVE_TESTS=1`): the
//! reference set of bench/sync.sh and the live lock tests (`requests`,
//! `fastapi`, `boto3`, `pydantic`, `httpx`) locked for the host, synced
//! into a fresh environment of the pyenv CPython 3.12, and then used: every
//! top-level module of every installed distribution imported by the
//! environment's own Python, `pip check`, and `fenv freeze` against the lock.

use std::collections::BTreeMap;

use crate::common::{TestContext, live_tests, pyenv_python, require, run_ok, with_retries};

const HOST_MINOR: &str = "3.12";
const LIVE_PROJECTS: [&str; 5] = ["requests", "fastapi", "boto3", "pydantic", "httpx"];

/// Run by the environment's Python: for every installed distribution, its
/// top-level modules — from `top_level.txt`, else from the first component
/// of each `RECORD` path (`x.py`, `x.*.so`, a folder `x/`) — each imported.
/// Prints JSON: {"modules": {dist: [module, …]}, "failed": {module: error}}.
const IMPORT_ALL_PY: &str = r#"
import importlib, importlib.metadata as md, json, re, sys, traceback

def top_level(dist):
    text = dist.read_text("top_level.txt")
    if text is not None:
        return {line.strip().replace("/", ".") for line in text.splitlines() if line.strip()}
    names = set()
    for path in dist.files or []:
        parts = path.parts
        if not parts or parts[0] in ("..", "__pycache__") or parts[0].endswith((".dist-info", ".data")):
            continue
        if len(parts) > 1:
            names.add(parts[0])
        elif parts[0].endswith(".py"):
            names.add(parts[0][:-3])
        elif parts[0].endswith(".so"):
            names.add(parts[0].split(".")[0])
    return names

modules, failed = {}, {}
for dist in md.distributions():
    found = sorted(n for n in top_level(dist) if n.isidentifier())
    modules[re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()] = found
    for name in found:
        try:
            importlib.import_module(name)
        except BaseException:
            failed[name] = traceback.format_exc(limit=3)
json.dump({"modules": modules, "failed": failed}, sys.stdout)
"#;

/// PEP 503 normalized `name==version`.
fn normalized(name: &str, version: &str) -> String {
    format!("{}=={version}", crate::support::tools::normalize(name))
}

#[test]
fn live_sync_installs_a_working_environment() {
    if !live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to test against the public index");
        return;
    }
    let Some(_python) = require("pyenv CPython 3.12", pyenv_python(HOST_MINOR)) else {
        return;
    };
    let ctx = TestContext::new();
    ctx.write(".python-version", format!("{HOST_MINOR}\n"));
    let dependencies: Vec<String> = LIVE_PROJECTS.iter().map(|p| format!("{p:?}")).collect();
    ctx.write(
        "pyproject.toml",
        format!(
            "[project]\nname = \"live-sync\"\nversion = \"0\"\nrequires-python = \">={HOST_MINOR}\"\ndependencies = [{}]\n",
            dependencies.join(", ")
        ),
    );
    with_retries("fenv lock", || {
        let mut cmd = ctx.fenv();
        cmd.arg("lock");
        cmd
    });
    let lock: toml::Value =
        toml::from_str(&fs_err::read_to_string(ctx.path("pylock.toml")).unwrap()).unwrap();

    // The lock covers the default platforms; these packages need no fork
    // and no marker, so every package in it is the host's too.
    assert_eq!(lock["environments"].as_array().map(Vec::len), Some(5), "{lock:?}");
    let mut expected: Vec<String> = Vec::new();
    for package in lock["packages"].as_array().unwrap() {
        assert!(
            package.get("marker").is_none(),
            "no package here is for some platforms only: {package:?}"
        );
        expected.push(normalized(
            package["name"].as_str().unwrap(),
            package["version"].as_str().unwrap(),
        ));
    }
    expected.sort();
    assert!(expected.len() >= 20, "{expected:?}");

    // A fresh environment: sync creates it (pip seeded) and installs the lock.
    assert!(!ctx.path(".venv").exists());
    let output = with_retries("fenv sync", || {
        let mut cmd = ctx.fenv();
        cmd.args(["sync", "--frozen"]);
        cmd
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("+{} ~0 -0", expected.len())), "{stderr}");
    let python = ctx.path(".venv/bin/python");
    let version = run_ok(
        ctx.command(&python)
            .args(["-c", "import sys; print(*sys.version_info[:2], sep='.')"]),
    );
    assert_eq!(version.trim(), HOST_MINOR);

    // Every top-level module of every distribution imports.
    let report: serde_json::Value =
        serde_json::from_str(&run_ok(ctx.command(&python).args(["-c", IMPORT_ALL_PY]))).unwrap();
    let failed = report["failed"].as_object().unwrap();
    assert!(failed.is_empty(), "imports failed:\n{failed:#?}");
    let modules: BTreeMap<String, Vec<String>> = serde_json::from_value(report["modules"].clone()).unwrap();
    for line in &expected {
        let name = line.split("==").next().unwrap();
        let found = modules
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not installed: {modules:?}"));
        assert!(!found.is_empty(), "no importable module found for {name}");
    }
    for project in LIVE_PROJECTS {
        assert!(
            modules[project].iter().any(|m| m == project),
            "{project}: {modules:?}"
        );
    }

    // pip was seeded, so pip's own view must agree that nothing is broken.
    assert!(modules.contains_key("pip"), "{modules:?}");
    let checked = run_ok(ctx.command(&python).args(["-m", "pip", "check"]));
    assert!(checked.contains("No broken requirements"), "{checked}");

    // `fenv freeze` (pip-freeze style: without pip) is exactly the lock.
    let mut frozen: Vec<String> = run_ok(ctx.fenv().args(["freeze", "--env", ".venv"]))
        .lines()
        .map(|line| {
            let (name, version) = line.split_once("==").unwrap_or_else(|| panic!("{line}"));
            normalized(name, version)
        })
        .collect();
    frozen.sort();
    assert_eq!(frozen, expected);
}
