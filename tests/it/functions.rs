//! The function rules of `fenv check`, against a real project: functions
//! under `api/`, a lock from a local index, an environment from `fenv sync`.

use crate::common::{TestContext, pyenv_python, require, run, run_ok};
use crate::support::index::TestIndex;
use crate::support::wheel::WheelBuilder;

/// A Vercel project whose functions break every rule once.
fn project() -> Option<(TestContext, TestIndex)> {
    require("pyenv CPython 3.12", pyenv_python("3.12"))?;
    let ctx = TestContext::new();
    let index = TestIndex::start();
    let wheel = WheelBuilder::new("b", "1.0")
        .file("b/__init__.py", "VALUE = 1\n")
        .build(&ctx.root().join("wheels"));
    index.publish(&wheel);
    ctx.write(".python-version", "3.12\n");
    ctx.write(
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0\"\ndependencies = []\n\n\
         [tool.fenv]\ntargets = [\"vercel\"]\n\n\
         [tool.fenv.target.vercel]\npython = \"3.13\"\n\n\
         [tool.fenv.functions.needs]\ndependencies = [\"b\"]\n\n\
         [tool.fenv.functions.slow]\nbudget = { import-ms = 150 }\n",
    );
    let http = "from http.server import BaseHTTPRequestHandler\n\nclass handler(BaseHTTPRequestHandler):\n    pass\n";
    ctx.write("api/hello.py", http);
    ctx.write("api/needs.py", format!("import b\n{http}"));
    ctx.write(
        "api/sneaky.py",
        "import json\nfrom api import _shared\n\ndef app(environ, start_response):\n    import b\n    return []\n",
    );
    ctx.write("api/_shared.py", "import b\n");
    ctx.write("api/legacy.py", "def handler(event, context):\n    return {}\n");
    ctx.write("api/nothing.py", "x = 1\n");
    ctx.write("api/bad.py", "class handler:\n    pass\n");
    ctx.write("api/slow.py", format!("import time\ntime.sleep(0.3)\n{http}"));
    let fenv = |args: &[&str]| {
        let mut cmd = ctx.fenv();
        cmd.args(args).env("FENV_INDEX_URL", index.url());
        cmd
    };
    run_ok(&mut fenv(&["lock"]));
    run_ok(&mut fenv(&["sync", "-q"]));
    Some((ctx, index))
}

#[test]
fn function_rules_name_each_problem_with_its_file_and_line() {
    let Some((ctx, index)) = project() else { return };
    let output = run(ctx.fenv().arg("check").env("FENV_INDEX_URL", index.url()));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "error[python-version]: `.python-version` asks for 3.12, but `vercel` runs Python 3.13\n\
         error[function-handler-class]: api/bad.py:1: `handler` is a class, but not a BaseHTTPRequestHandler subclass\n\
         error[function-lambda-handler]: api/legacy.py: `handler(event, context)` is a Lambda handler, which Vercel cannot call; export `app` or a `handler` class, or drop the vercel target\n\
         error[function-import]: api/sneaky.py:5: imports `b` from `b`, which is not among the function's dependencies; add it to `[tool.fenv.functions.sneaky] dependencies` (or `[project] dependencies`)\n\
         info[function-no-handler]: api/nothing.py: no handler, so it is no function (Vercel skips it too); to make it one, define `handler` (a BaseHTTPRequestHandler subclass), `app` (WSGI or ASGI), `application` (WSGI), or `def handler(event, context)` for Lambda\n"
    );
}

#[test]
fn import_time_reports_each_function_and_fails_over_budget() {
    let Some((ctx, index)) = project() else { return };
    let output = run(ctx
        .fenv()
        .args(["check", "--import-time", "--json"])
        .env("FENV_INDEX_URL", index.url()));
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let of = |rule: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    let over = of("import-budget");
    assert_eq!(over.len(), 1, "{findings:?}");
    // It sleeps 300 ms at import: at least that, whatever the machine's load.
    let ms: u64 = over[0]
        .strip_prefix("api/slow.py: imports in ")
        .and_then(|rest| rest.split(" ms").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{over:?}"));
    assert!(ms >= 300, "{over:?}");
    assert!(over[0].contains(", over its budget of 150 ms ("), "{over:?}");
    let timed = of("import-time");
    // bad, hello, legacy, needs, sneaky (its helper imported from the
    // project root, as on Vercel): every function with a handler but
    // slow; nothing has none. bad's class is refused only when called.
    assert_eq!(timed.len(), 5, "{timed:?}");
    assert!(
        timed
            .iter()
            .any(|m| m.starts_with("api/needs.py: imports in ") && (m.contains("(b ") || m.contains(", b "))),
        "{timed:?}"
    );
    assert_eq!(json["infos"], 6, "5 import times and nothing's note");
    assert_eq!(of("function-import-failed"), Vec::<String>::new());
}

#[test]
fn a_vercel_project_without_the_install_script_is_named_with_what_it_breaks() {
    let Some((ctx, index)) = project() else { return };
    // `fenv lock` added the script to the project's pyproject.toml.
    let pyproject = fs_err::read_to_string(ctx.path("pyproject.toml")).unwrap();
    assert!(
        pyproject.ends_with("[tool.vercel.scripts]\nvercel-install = \"uv pip install -r pylock.toml\"\n"),
        "{pyproject}"
    );
    // A scripts table of the user's own is never edited: lock says what to add.
    let (head, _) = pyproject.split_once("\n# Vercel installs").unwrap();
    ctx.write(
        "pyproject.toml",
        format!("{head}\n[tool.vercel.scripts]\nbuild = \"true\"\n"),
    );
    let output = run(ctx.fenv().args(["lock"]).env("FENV_INDEX_URL", index.url()));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "warning: Vercel will not install `pylock.toml`: add `vercel-install = \"uv pip install -r pylock.toml\"` to `[tool.vercel.scripts]` in `pyproject.toml`"
        ),
        "{output:?}"
    );
    let stdout =
        String::from_utf8_lossy(&run(ctx.fenv().arg("check").env("FENV_INDEX_URL", index.url())).stdout)
            .into_owned();
    let vercel: Vec<&str> = stdout.lines().filter(|l| l.contains("[vercel-")).collect();
    assert_eq!(
        vercel,
        [
            "error[vercel-install]: pyproject.toml: no `vercel-install` in `[tool.vercel.scripts]`, so Vercel's build runs `uv sync --frozen`, which reads only uv.lock and fails; set `vercel-install = \"uv pip install -r pylock.toml\"` (`fenv lock` adds it when the table is absent)",
            "error[vercel-function-dependency]: api/needs.py: `b` comes only from `[tool.fenv.functions.needs] dependencies`, which Vercel does not install: without `vercel-install`, the function fails with ModuleNotFoundError when deployed",
        ]
    );
}
