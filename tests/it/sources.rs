//! Path sources: a library in a folder of the project
//! (`[tool.fenv.sources]`, or `[tool.uv.sources]`), shared by the
//! project's functions. `fenv lock` writes it as a PEP 751 `directory`
//! package, `fenv sync` builds it with its own PEP 517 backend (editable
//! or not), `fenv bundle` puts it in each function that imports it, and
//! `fenv serve` answers with it; uv reads the same lock.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{require, run, run_err, run_ok};
use crate::serve::Server;
use crate::support::tools;

/// A stdlib-only in-tree backend (`backend-path = ["."]`) that reads the
/// library's `pyproject.toml` with `tomllib` and writes a real wheel of
/// `src/`, or (PEP 660) an editable one: a `.pth` naming `src/`.
const BACKEND: &str = r#"
import base64
import hashlib
import os
import tomllib
import zipfile


def _wheel(wheel_directory, files):
    with open("pyproject.toml", "rb") as file:
        project = tomllib.load(file)["project"]
    name, version = project["name"], project["version"]
    dist = name.replace("-", "_")
    dist_info = "%s-%s.dist-info" % (dist, version)
    metadata = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)
    metadata += "".join("Requires-Dist: %s\n" % r for r in project.get("dependencies", []))
    files[dist_info + "/METADATA"] = metadata.encode()
    files[dist_info + "/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    rows = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    rows.append(dist_info + "/RECORD,,")
    files[dist_info + "/RECORD"] = ("\n".join(rows) + "\n").encode()
    filename = "%s-%s-py3-none-any.whl" % (dist, version)
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as archive:
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    return filename


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = {}
    for root, dirs, names in os.walk("src"):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for each in names:
            path = os.path.join(root, each)
            with open(path, "rb") as file:
                files[os.path.relpath(path, "src").replace(os.sep, "/")] = file.read()
    return _wheel(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    with open("pyproject.toml", "rb") as file:
        dist = tomllib.load(file)["project"]["name"].replace("-", "_")
    return _wheel(wheel_directory, {"_%s_editable.pth" % dist: (os.path.abspath("src") + "\n").encode()})
"#;

const LIBRARY: &str = r#"[build-system]
requires = []
build-backend = "_backend"
backend-path = ["."]

[project]
name = "utils"
version = "1.0"
requires-python = ">=3.9"
dependencies = ["idna>=3"]
"#;

const FUNCTION: &str = r#"from http.server import BaseHTTPRequestHandler

import utils


class handler(BaseHTTPRequestHandler):
    def do_GET(self):
        data = utils.greet().encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
"#;

/// The shared project: `api/hello.py` imports `utils` from
/// `libs/utils`, which depends on `idna` from the index.
struct Project(crate::common::project::Project);

impl std::ops::Deref for Project {
    type Target = crate::common::project::Project;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Project {
    fn new(sources: &str) -> Option<Self> {
        let p = Self(crate::common::project::Project::new()?);
        p.publish("idna", "3.7", &[]);
        p.write_pyproject(
            &["utils"],
            &format!(
                "requires-python = \"==3.12.*\"\n\n[tool.fenv]\nenvironments = [\"linux\"]\ntargets = [\"lambda\"]\n\n[tool.fenv.target.lambda]\nruntime = \"python3.12\"\n\n{sources}"
            ),
        );
        p.ctx.write("libs/utils/pyproject.toml", LIBRARY);
        p.ctx.write("libs/utils/_backend.py", BACKEND);
        p.set_greeting("hello from utils 1");
        p.ctx.write("api/hello.py", FUNCTION);
        Some(p)
    }

    fn set_greeting(&self, text: &str) {
        self.ctx.write(
            "libs/utils/src/utils/__init__.py",
            format!("import idna\n\n\ndef greet():\n    return {text:?}\n"),
        );
    }

    /// What `utils.greet()` says in the project's env.
    fn greeting(&self) -> String {
        run_ok(
            Command::new(self.ctx.path(".venv/bin/python"))
                .args(["-c", "import utils; print(utils.greet())"]),
        )
        .trim()
        .to_string()
    }

    fn lock_text(&self) -> String {
        fs_err::read_to_string(self.ctx.path("pylock.toml")).unwrap()
    }
}

/// The `[[packages]]` table of `name` in `lock`, up to the next one.
fn package_block(lock: &str, name: &str) -> String {
    let start = lock
        .find(&format!("[[packages]]\nname = \"{name}\"\n"))
        .unwrap_or_else(|| panic!("no `{name}` in\n{lock}"));
    let rest = &lock[start..];
    let end = rest[1..]
        .find("\n[[packages]]")
        .or_else(|| rest.find("\n[tool"))
        .map_or(rest.len(), |at| at + 1);
    rest[..end].trim_end().to_string()
}

/// The `direct_url.json` of the installed `utils`.
fn direct_url(site: &Path) -> serde_json::Value {
    let text = fs_err::read_to_string(site.join("utils-1.0.dist-info/direct_url.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn an_editable_shared_library_is_locked_synced_bundled_and_served() {
    let Some(p) = Project::new("[tool.fenv.sources]\nutils = { path = \"libs/utils\", editable = true }\n")
    else {
        return;
    };
    run_ok(&mut p.fenv(&["lock"]));
    assert_eq!(
        package_block(&p.lock_text(), "utils"),
        "[[packages]]\nname = \"utils\"\nversion = \"1.0\"\nrequires-python = \">=3.9\"\ndependencies = [\n    { name = \"idna\" },\n]\n\n[packages.directory]\npath = \"libs/utils\"\neditable = true"
    );
    assert!(p.lock_text().contains("name = \"idna-3.7-py3-none-any.whl\""));

    let stderr = p.sync_ok(&[]);
    assert!(
        stderr.contains("Building utils (editable) from `libs/utils`"),
        "{stderr}"
    );
    assert_eq!(p.greeting(), "hello from utils 1");
    let site = p.ctx.path(".venv/lib/python3.12/site-packages");
    assert_eq!(
        direct_url(&site),
        serde_json::json!({
            "url": format!("file://{}", p.ctx.path("libs/utils").display()),
            "dir_info": { "editable": true },
        })
    );
    // Editable: the change is live, and the env stays in sync.
    p.set_greeting("hello from utils 2");
    assert_eq!(p.greeting(), "hello from utils 2");
    let again = p.sync_ok(&[]);
    assert!(!again.contains("Building"), "{again}");
    run_ok(&mut p.fenv(&["check"]));

    // The bundle holds the library's code, not the `.pth` of the editable.
    run_ok(&mut p.fenv(&["bundle"]));
    let zip = p.ctx.path("dist/lambda/hello.zip");
    let listed = run_ok(
        Command::new(&p.host_python)
            .args(["-m", "zipfile", "-l"])
            .arg(&zip),
    );
    assert!(listed.contains("utils/__init__.py"), "{listed}");
    assert!(listed.contains("idna/__init__.py"), "{listed}");
    assert!(!listed.contains(".pth"), "{listed}");

    // `fenv serve` answers from the env, with the library as it is now.
    let mut cmd = p.fenv(&["serve", "--port", "0"]);
    cmd.stderr(Stdio::piped());
    let server = Server::start_with(cmd);
    let answer = server.get("/api/hello");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, "hello from utils 2");
}

#[test]
fn a_plain_path_source_is_built_again_when_its_folder_changes() {
    let Some(p) = Project::new("[tool.uv.sources]\nutils = { path = \"libs/utils\" }\n") else {
        return;
    };
    p.sync_ok(&[]);
    assert_eq!(p.greeting(), "hello from utils 1");
    let site = p.ctx.path(".venv/lib/python3.12/site-packages");
    assert!(site.join("utils/__init__.py").is_file(), "installed as a copy");
    assert_eq!(direct_url(&site)["dir_info"], serde_json::json!({}));
    let unchanged = p.sync_ok(&[]);
    assert!(!unchanged.contains("Building"), "{unchanged}");

    p.set_greeting("hello from utils 2");
    assert_eq!(
        p.greeting(),
        "hello from utils 1",
        "a copy does not change by itself"
    );
    let output = run(&mut p.fenv(&["check"]));
    let report = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(
        report.contains(
            "error[package-version]: `utils` 1.0 was built from its folder before the folder changed"
        ),
        "{report}"
    );
    let rebuilt = p.sync_ok(&[]);
    assert!(rebuilt.contains("Building utils from `libs/utils`"), "{rebuilt}");
    assert_eq!(p.greeting(), "hello from utils 2");

    // A new dependency of the library makes the lock stale.
    run_ok(&mut p.fenv(&["lock", "--check"]));
    p.ctx.write(
        "libs/utils/pyproject.toml",
        LIBRARY.replace("[\"idna>=3\"]", "[\"idna>=3\", \"six\"]"),
    );
    let stale = run_err(&mut p.fenv(&["lock", "--check"]), 1);
    assert!(
        stale.contains("+ source utils path=libs/utils editable=false"),
        "{stale}"
    );
}

#[test]
fn uv_installs_the_lock_with_its_folder_too() {
    let Some(p) = Project::new("[tool.fenv.sources]\nutils = { path = \"libs/utils\" }\n") else {
        return;
    };
    let Some(uv) = require("uv", tools::uv(&p.host_python)) else {
        return;
    };
    run_ok(&mut p.fenv(&["lock"]));
    run_ok(&mut p.fenv(&["create", "-q", "--without-pip", "uv-env"]));
    let output = run(Command::new(&uv)
        .args(["pip", "install", "--dry-run", "-r", "pylock.toml"])
        .current_dir(p.ctx.work())
        .env("VIRTUAL_ENV", p.ctx.path("uv-env")));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        tools::uv_would_install(&stderr),
        [
            "idna==3.7".to_string(),
            format!("utils @ file://{}", p.ctx.path("libs/utils").display())
        ]
    );
}

#[test]
fn sources_fenv_cannot_read_are_refused_by_lock_and_by_sync() {
    let Some(p) = Project::new("[tool.uv.sources]\nutils = { git = \"https://example.org/utils.git\" }\n")
    else {
        return;
    };
    let err = run_err(&mut p.fenv(&["lock"]), 1);
    assert!(
        err.contains("`[tool.uv.sources]` takes `utils` from the repository `https://example.org/utils.git`, which fenv does not read: it would lock the index's `utils` instead"),
        "{err}"
    );
    // A lock naming a folder outside any relative path is refused before anything is built.
    p.write_pyproject(&["idna"], "requires-python = \"==3.12.*\"\n");
    run_ok(&mut p.fenv(&["lock"]));
    let hostile = format!(
        "{}\n[[packages]]\nname = \"utils\"\nversion = \"1.0\"\n\n[packages.directory]\npath = \"/etc\"\n",
        p.lock_text()
    );
    p.ctx.write("hostile.toml", hostile);
    let err = run_err(&mut p.fenv(&["sync", "--lock", "hostile.toml"]), 1);
    assert!(
        err.contains("the directory of `utils`: `path = \"/etc\"` is not relative to the project"),
        "{err}"
    );
    assert!(!p.ctx.path(".venv").exists(), "nothing was created");
}

#[test]
fn a_local_package_whose_wheel_does_not_fit_the_target_is_not_bundled() {
    let Some(p) = Project::new("[tool.fenv.sources]\nutils = { path = \"libs/utils\" }\n") else {
        return;
    };
    // The backend now builds a wheel for this machine only, as a package
    // with a C extension would.
    let native = BACKEND
        .replace("Tag: py3-none-any", "Tag: cp312-cp312-linux_x86_64")
        .replace(
            "\"%s-%s-py3-none-any.whl\"",
            "\"%s-%s-cp312-cp312-linux_x86_64.whl\"",
        );
    p.ctx.write("libs/utils/_backend.py", native);
    run_ok(&mut p.fenv(&["lock"]));
    let err = run_err(&mut p.fenv(&["bundle"]), 1);
    assert_eq!(
        err,
        "Building utils from `libs/utils`\n\
         error: the local package `utils` built `utils-1.0-cp312-cp312-linux_x86_64.whl`, which lambda (python3.12, x86_64, glibc ≤ 2.34) cannot run\n\
         hint: fenv builds a local package with this machine's Python, so one bundled for another platform must be pure Python (a `py3-none-any` wheel)\n"
    );
    assert!(!p.ctx.path("dist/lambda/hello.zip").exists(), "{err}");
}
