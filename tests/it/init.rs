//! `fenv init`: the scaffold, never written over, and a project that
//! `fenv lock && fenv sync` take as it is.

use crate::common::{TestContext, pyenv_python, require, run, run_ok};
use crate::serve::Server;

#[test]
fn init_scaffolds_a_project_that_locks_and_syncs() {
    let Some(_) = require("pyenv CPython 3.12", pyenv_python("3.12")) else {
        return;
    };
    let ctx = TestContext::new();
    ctx.write("app/.gitignore", "*.log");
    let output = run(ctx.fenv().args(["init", "app"]));
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Created pyproject.toml\nCreated .python-version\nCreated api/hello.py\n\
         Created .gitignore entries: .venv/ dist/ .env\nNext: cd 'app' && fenv lock && fenv sync && fenv serve\n"
    );
    let read = |path: &str| fs_err::read_to_string(ctx.path("app").join(path)).unwrap();
    assert_eq!(read(".python-version"), "3.12\n");
    assert_eq!(read(".gitignore"), "*.log\n.venv/\ndist/\n.env\n");
    let pyproject = read("pyproject.toml");
    assert!(
        pyproject.starts_with("[project]\nname = \"app\"\nversion = \"0.1.0\"\n"),
        "{pyproject}"
    );
    assert!(pyproject.contains("targets = [\"vercel\"]\n\n[tool.fenv.target.vercel]\npython = \"3.12\"\n"));
    assert!(read("api/hello.py").contains("class handler(BaseHTTPRequestHandler):"));

    // Nothing is written over, and the user is told.
    fs_err::write(ctx.path("app/api/hello.py"), "# mine\n").unwrap();
    let output = run(ctx.fenv().args(["init", "app", "--target", "lambda"]));
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "Skipped pyproject.toml (it exists)\nSkipped .python-version (it exists)\n\
         Skipped api/hello.py (it exists)\nNext: cd 'app' && fenv lock && fenv sync && fenv serve\n"
    );
    assert_eq!(read("api/hello.py"), "# mine\n");
    assert_eq!(read(".gitignore"), "*.log\n.venv/\ndist/\n.env\n");

    // The project locks (no dependencies: no index needed) and syncs.
    let project = ctx.path("app");
    fs_err::remove_file(project.join("api/hello.py")).unwrap();
    run_ok(ctx.fenv().args(["init", "app"]));
    run_ok(ctx.fenv().current_dir(&project).args(["lock", "--offline"]));
    run_ok(ctx.fenv().current_dir(&project).args(["sync", "--offline"]));
    let version = run_ok(
        ctx.command(project.join(".venv/bin/python"))
            .args(["-c", "import sys; print('%d.%d' % sys.version_info[:2])"]),
    );
    assert_eq!(version, "3.12\n");
    let check = run(ctx.fenv().current_dir(&project).arg("check"));
    assert!(check.status.success(), "{check:?}");

    // `fenv serve` answers `GET /api/hello` right away.
    let mut serve = ctx.fenv();
    serve
        .current_dir(&project)
        .args(["serve", "--port", "0"])
        .stderr(std::process::Stdio::piped());
    let server = Server::start_with(serve);
    let answer = server.get("/api/hello?name=fenv");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.body, "{\"message\": \"Hello, fenv!\"}");
    let (status, _) = server.interrupt();
    assert!(status.success(), "{status:?}");
}
