//! Packages published only as an sdist: `fenv lock` reads their static
//! `PKG-INFO`, or builds their metadata when it is not static, and `fenv
//! sync` builds them with their PEP 517 backend in an isolated
//! environment, once, before touching the target env. The
//! backends here are tiny stdlib-only ones that live in the sdist
//! (`backend-path = ["."]`) and write real wheels with `zipfile`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{run, run_err, run_ok};
use crate::support::sdist::SdistBuilder;
use crate::support::wheel::WheelBuilder;

/// An in-tree PEP 517 backend: builds a pure wheel of the tree's
/// `src/` with the name, version and requirements of `PKG-INFO`.
/// `{{ LOG }}` (a file outside the tree) gets a line per build;
/// `{{ BEFORE }}` runs first inside `build_wheel` and may add files.
const BACKEND: &str = r#"
import base64
import hashlib
import os
import zipfile

LOG = {{ LOG }}


def _pkg_info():
    fields = {}
    with open("PKG-INFO") as file:
        for line in file:
            if not line.strip():
                break
            key, _, value = line.partition(":")
            fields.setdefault(key.strip().lower(), []).append(value.strip())
    return fields


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(LOG, "a") as log:
        log.write("built in %s\n" % os.getcwd())
    files = {}
{{ BEFORE }}
    info = _pkg_info()
    name, version = info["name"][0], info["version"][0]
    dist = name.replace("-", "_")
    dist_info = "%s-%s.dist-info" % (dist, version)
    for root, _, names in os.walk("src"):
        for each in names:
            path = os.path.join(root, each)
            with open(path, "rb") as file:
                files[os.path.relpath(path, "src").replace(os.sep, "/")] = file.read()
    metadata = "Metadata-Version: 2.2\nName: %s\nVersion: %s\n" % (name, version)
    metadata += "".join("Requires-Dist: %s\n" % r for r in info.get("requires-dist", []))
    files[dist_info + "/METADATA"] = metadata.encode()
    files[dist_info + "/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: fenv-test-backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(dist_info + "/RECORD,,")
    files[dist_info + "/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = "%s-%s-py3-none-any.whl" % (dist, version)
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel
"#;

/// PEP 517's optional metadata hook for [`BACKEND`]: `METADATA` from
/// `PKG-INFO`, with a log line per call.
const PREPARE_METADATA: &str = r#"

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    with open(LOG, "a") as log:
        log.write("prepared in %s\n" % os.getcwd())
    info = _pkg_info()
    name, version = info["name"][0], info["version"][0]
    dist_info = "%s-%s.dist-info" % (name.replace("-", "_"), version)
    os.makedirs(os.path.join(metadata_directory, dist_info))
    metadata = "Metadata-Version: 2.2\nName: %s\nVersion: %s\n" % (name, version)
    metadata += "".join("Requires-Dist: %s\n" % r for r in info.get("requires-dist", []))
    with open(os.path.join(metadata_directory, dist_info, "METADATA"), "w") as file:
        file.write(metadata)
    return dist_info
"#;

/// `[build-system]` of an in-tree backend with these requirements.
fn build_system(requires: &[&str]) -> String {
    let list: Vec<String> = requires.iter().map(|r| format!("{r:?}")).collect();
    format!(
        "[build-system]\nrequires = [{}]\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n",
        list.join(", ")
    )
}

/// A project with its own index, locked for the host's CPython 3.12.
/// The shared project, with sdists that log their builds.
struct Project(crate::common::project::Project);

impl std::ops::Deref for Project {
    type Target = crate::common::project::Project;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Project {
    /// `None` (a skip) without the pyenv CPython 3.12.
    fn new() -> Option<Self> {
        crate::common::project::Project::new().map(Self)
    }

    fn pyproject(&self, dependencies: &[&str]) {
        self.write_pyproject(dependencies, "");
    }

    /// Where the backends log their builds: outside every tree.
    fn build_log(&self) -> PathBuf {
        self.ctx.root().join("builds.log")
    }

    fn builds(&self) -> usize {
        fs_err::read_to_string(self.build_log()).map_or(0, |text| text.lines().count())
    }

    /// Publishes an sdist of `name` `version` whose module `module` has
    /// `VALUE = <version>`, built by [`BACKEND`] with `before` spliced
    /// into `build_wheel`.
    fn publish_sdist(&self, name: &str, requires: &[&str], before: &str) -> PathBuf {
        let module = name.replace('-', "_");
        let backend = BACKEND
            .replace(
                "{{ LOG }}",
                &format!("{:?}", self.build_log().display().to_string()),
            )
            .replace("{{ BEFORE }}", before);
        let path = SdistBuilder::new(name, "1.0")
            .pyproject(&build_system(requires))
            .file("backend.py", backend)
            .file(
                &format!("src/{module}/__init__.py"),
                "VALUE = 'built from source'\n",
            )
            .build(&self.ctx.root().join("dists"));
        self.index.publish(&path);
        path
    }

    /// Publishes an sdist of `name` 1.0 requiring `requires` whose
    /// `PKG-INFO` is Metadata-Version 2.1, so not static (PEP 643): its
    /// backend is [`BACKEND`], plus [`PREPARE_METADATA`] when `prepare`.
    fn publish_dynamic_sdist(&self, name: &str, requires: &[&str], prepare: bool) -> PathBuf {
        let module = name.replace('-', "_");
        let mut backend = BACKEND
            .replace(
                "{{ LOG }}",
                &format!("{:?}", self.build_log().display().to_string()),
            )
            .replace("{{ BEFORE }}", "");
        if prepare {
            backend.push_str(PREPARE_METADATA);
        }
        let mut sdist = SdistBuilder::new(name, "1.0")
            .metadata_version("2.1")
            .pyproject(&build_system(&[]))
            .file("backend.py", backend)
            .file(
                &format!("src/{module}/__init__.py"),
                "VALUE = 'built from source'\n",
            );
        for requirement in requires {
            sdist = sdist.requires(requirement);
        }
        let path = sdist.build(&self.ctx.root().join("dists"));
        self.index.publish(&path);
        path
    }

    /// The lines of the backends' log.
    fn build_log_lines(&self) -> Vec<String> {
        fs_err::read_to_string(self.build_log())
            .unwrap_or_default()
            .lines()
            .map(|line| line.split(" in ").next().unwrap_or_default().to_string())
            .collect()
    }

    fn publish_wheel(&self, name: &str, contents: &str) -> PathBuf {
        let module = name.replace('-', "_");
        let path = WheelBuilder::new(name, "1.0")
            .file(&format!("{module}/__init__.py"), contents)
            .build(&self.ctx.root().join("dists"));
        self.index.publish(&path);
        path
    }

    /// `python -c CODE` in the env at `env`; its stdout, trimmed.
    fn python(&self, env: &str, code: &str) -> String {
        let python = self.ctx.path(env).join("bin").join("python");
        run_ok(Command::new(python).args(["-c", code])).trim().to_string()
    }

    /// `fenv freeze` of the env at `env`.
    fn freeze(&self, env: &str) -> Vec<String> {
        run_ok(&mut self.fenv(&["freeze", "--env", env]))
            .lines()
            .map(str::to_string)
            .collect()
    }
}

#[test]
fn an_sdist_only_package_is_built_once_and_installed_like_a_wheel() {
    let Some(p) = Project::new() else { return };
    let sdist = p.publish_sdist("from-source", &[], "");
    p.pyproject(&["from-source"]);

    run_ok(&mut p.fenv(&["lock"]));
    let lock = fs_err::read_to_string(p.ctx.path("pylock.toml")).unwrap();
    assert!(lock.contains("[packages.sdist]"), "{lock}");
    assert!(lock.contains(&sdist.file_name().unwrap().to_string_lossy().into_owned()));

    let stderr = p.sync_ok(&[]);
    assert!(
        stderr.contains("Building from-source==1.0 from its source distribution"),
        "{stderr}"
    );
    assert_eq!(p.builds(), 1);
    assert_eq!(
        p.python(".venv", "import from_source; print(from_source.VALUE)"),
        "built from source"
    );
    assert!(p.freeze(".venv").contains(&"from-source==1.0".to_string()));

    // A fresh environment gets the wheel built before, without a build.
    let stderr = p.sync_ok(&["--env", "other"]);
    assert!(!stderr.contains("Building"), "{stderr}");
    assert_eq!(p.builds(), 1);
    assert_eq!(
        p.python("other", "import from_source; print(from_source.VALUE)"),
        "built from source"
    );
    // Nor is the sdist downloaded again.
    let downloads = p
        .index
        .requests()
        .iter()
        .filter(|path| path.ends_with(".tar.gz"))
        .count();
    // Once to lock (PKG-INFO), once to build.
    assert_eq!(downloads, 2, "{:?}", p.index.requests());
}

#[test]
fn dynamic_metadata_is_read_from_the_backend_when_locking() {
    // docopt, psycopg2, pyspark: sdists whose PKG-INFO cannot promise the
    // dependencies. Their backend's `prepare_metadata_for_build_wheel`
    // tells them, once; the lock follows them.
    let Some(p) = Project::new() else { return };
    p.publish_wheel("needed", "");
    p.publish_dynamic_sdist("dynamic", &["needed"], true);
    p.pyproject(&["dynamic"]);

    let stderr = stderr_of_success(&mut p.fenv(&["lock"]));
    assert!(
        stderr.contains("Reading the metadata of dynamic==1.0 from its source distribution"),
        "{stderr}"
    );
    let lock = fs_err::read_to_string(p.ctx.path("pylock.toml")).unwrap();
    assert!(lock.contains("name = \"needed\""), "{lock}");
    assert_eq!(p.build_log_lines(), ["prepared"]);

    // Known from then on: a new resolution does not ask again.
    run_ok(&mut p.fenv(&["lock", "--upgrade"]));
    assert_eq!(p.build_log_lines(), ["prepared"]);

    // The sync builds the wheel, and installs both.
    p.sync_ok(&[]);
    assert_eq!(p.build_log_lines(), ["prepared", "built"]);
    assert_eq!(p.freeze(".venv"), ["dynamic==1.0", "needed==1.0"]);
}

#[test]
fn a_static_project_table_is_read_without_building() {
    // dbt's parser, among others: PKG-INFO 2.1, but `[project]` says it
    // all (PEP 621), so nothing runs, as uv reads it.
    let Some(p) = Project::new() else { return };
    p.publish_wheel("needed", "");
    p.publish_wheel("for-extra", "");
    let backend = BACKEND
        .replace("{{ LOG }}", &format!("{:?}", p.build_log().display().to_string()))
        .replace("{{ BEFORE }}", "");
    let pyproject = format!(
        "{}\n[project]\nname = \"Static_Table\"\ndynamic = [\"version\"]\ndependencies = [\"needed\"]\n\n[project.optional-dependencies]\nmore = [\"for-extra\"]\n",
        build_system(&[])
    );
    let sdist = SdistBuilder::new("static-table", "1.0")
        .metadata_version("2.1")
        .pyproject(&pyproject)
        .file("backend.py", backend)
        .build(&p.ctx.root().join("dists"));
    p.index.publish(&sdist);
    p.pyproject(&["static-table[more]"]);

    let stderr = stderr_of_success(&mut p.fenv(&["lock"]));
    assert!(!stderr.contains("Reading the metadata"), "{stderr}");
    let lock = fs_err::read_to_string(p.ctx.path("pylock.toml")).unwrap();
    for name in ["needed", "for-extra", "static-table"] {
        assert!(lock.contains(&format!("name = \"{name}\"")), "{name}:\n{lock}");
    }
    assert_eq!(p.build_log_lines(), Vec::<String>::new());
}

#[test]
fn without_a_metadata_hook_the_wheel_is_built_once_for_lock_and_sync() {
    let Some(p) = Project::new() else { return };
    p.publish_wheel("needed", "");
    p.publish_dynamic_sdist("dynamic", &["needed"], false);
    p.pyproject(&["dynamic"]);

    run_ok(&mut p.fenv(&["lock"]));
    let lock = fs_err::read_to_string(p.ctx.path("pylock.toml")).unwrap();
    assert!(lock.contains("name = \"needed\""), "{lock}");
    assert_eq!(p.build_log_lines(), ["built"]);

    // The wheel the lock built is the one the sync installs.
    let stderr = p.sync_ok(&[]);
    assert!(!stderr.contains("Building"), "{stderr}");
    assert_eq!(p.build_log_lines(), ["built"]);
    assert_eq!(
        p.python(".venv", "import dynamic; print(dynamic.VALUE)"),
        "built from source"
    );
}

#[test]
fn a_failed_build_names_the_package_shows_the_backend_and_changes_nothing() {
    let Some(p) = Project::new() else { return };
    p.publish_wheel("plain", "");
    p.publish_sdist(
        "broken",
        &[],
        "    raise RuntimeError('this backend refuses to build')\n",
    );
    p.pyproject(&["plain"]);
    p.sync_ok(&[]);
    let cfg = fs_err::read_to_string(p.ctx.path(".venv/pyvenv.cfg")).unwrap();

    p.pyproject(&["plain", "broken"]);
    let stderr = run_err(&mut p.fenv(&["sync"]), 1);
    let first = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    assert!(
        first.starts_with(
            "error: failed to sync `.venv`; nothing was changed: failed to build `broken` 1.0 from its source distribution: the backend's `build_wheel` hook failed (exit status: 1)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("  RuntimeError: this backend refuses to build"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: the package does not build here"),
        "{stderr}"
    );
    assert_eq!(p.builds(), 1);
    assert_eq!(p.freeze(".venv"), ["plain==1.0"]);
    assert_eq!(
        fs_err::read_to_string(p.ctx.path(".venv/pyvenv.cfg")).unwrap(),
        cfg
    );
}

#[test]
fn build_requirements_are_installed_in_the_isolated_env_only() {
    let Some(p) = Project::new() else { return };
    p.publish_wheel("helper-dep", "def banner():\n    return 'made with helper-dep'\n");
    p.publish_sdist(
        "needs-helper",
        &["helper-dep"],
        concat!(
            "    import helper_dep\n",
            "    files['needs_helper/banner.txt'] = helper_dep.banner().encode()\n",
        ),
    );
    p.pyproject(&["needs-helper"]);

    p.sync_ok(&[]);

    assert_eq!(
        p.python(
            ".venv",
            "import importlib.resources as r; print(r.files('needs_helper').joinpath('banner.txt').read_text())"
        ),
        "made with helper-dep"
    );
    assert_eq!(p.freeze(".venv"), ["needs-helper==1.0"]);
    assert_eq!(
        p.python(
            ".venv",
            "import importlib.util as u; print(u.find_spec('helper_dep'))"
        ),
        "None"
    );
}

#[test]
fn a_tampered_sdist_is_refused_before_it_is_built() {
    let Some(p) = Project::new() else { return };
    let sdist = p.publish_sdist("from-source", &[], "");
    p.pyproject(&["from-source"]);
    run_ok(&mut p.fenv(&["lock"]));

    // Same size, one byte changed: only the sha256 can tell.
    let name = sdist.file_name().unwrap().to_string_lossy().into_owned();
    let mut bytes = fs_err::read(&sdist).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    p.index.tamper(&name, bytes);

    let stderr = run_err(&mut p.fenv(&["sync"]), 1);
    let error = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    assert!(
        error.starts_with(&format!(
            "error: failed to sync `.venv`; nothing was changed: `from-source` 1.0: `{}/files/{name}` has sha256 ",
            p.index.url().trim_end_matches("/simple"),
        )),
        "{stderr}"
    );
    assert!(error.contains("but the lock says"), "{stderr}");
    assert!(!stderr.contains("Building"), "{stderr}");
    assert_eq!(p.builds(), 0);
    assert!(p.freeze(".venv").is_empty());
}

/// The tarball checker in `sdist.rs` keeps hostile archives out; this
/// proves the same through the binary: an sdist whose file escapes its
/// tree fails to build and writes nothing outside.
#[test]
fn an_sdist_that_escapes_its_tree_is_not_unpacked() {
    let Some(p) = Project::new() else { return };
    let dists = p.ctx.root().join("dists");
    fs_err::create_dir_all(&dists).unwrap();
    let path = dists.join("escape-1.0.tar.gz");
    write_hostile_tarball(&path);
    p.index.publish(&path);
    p.pyproject(&["escape"]);

    let stderr = run_err(&mut p.fenv(&["sync"]), 1);
    assert!(
        stderr.contains("failed to build `escape` 1.0 from its source distribution: the source distribution cannot be unpacked: the entry `escape-1.0/../../evil.py` points outside the archive"),
        "{stderr}"
    );
    assert!(!p.ctx.root().join("evil.py").exists());
}

/// Runs `cmd`, asserts success, and returns its stderr.
#[track_caller]
fn stderr_of_success(cmd: &mut Command) -> String {
    let output = run(cmd);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{cmd:?} failed\n--- stderr\n{stderr}");
    stderr
}

/// `escape-1.0/PKG-INFO` (static metadata) and `escape-1.0/../../evil.py`.
fn write_hostile_tarball(path: &Path) {
    let gz = flate2::write::GzEncoder::new(fs_err::File::create(path).unwrap(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    let pkg_info = b"Metadata-Version: 2.2\nName: escape\nVersion: 1.0\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(pkg_info.len() as u64);
    header.set_mode(0o644);
    tar.append_data(&mut header, "escape-1.0/PKG-INFO", &pkg_info[..])
        .unwrap();
    let evil = b"print('escaped')\n";
    let mut header = tar::Header::new_gnu();
    header.set_size(evil.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    let name = b"escape-1.0/../../evil.py";
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_cksum();
    tar.append(&header, &evil[..]).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}

/// `--no-build` (or `FENV_NO_BUILD`): no backend runs, neither to read
/// metadata at lock time nor to build at sync time, and each refusal says
/// which package would have run code.
#[test]
fn no_build_runs_no_backend_and_says_which_package_needs_one() {
    let Some(p) = Project::new() else { return };
    p.publish_dynamic_sdist("dynamic", &[], true);
    p.publish_sdist("from-source", &[], "");

    // Locking a dynamic sdist would run its metadata hook.
    p.pyproject(&["dynamic"]);
    let err = run_err(&mut p.fenv(&["lock", "--no-build"]), 1);
    assert!(err.contains("building it is turned off (`--no-build`)"), "{err}");
    assert!(!p.ctx.path("pylock.toml").exists());
    assert_eq!(p.builds(), 0);

    // A static sdist locks without a backend; installing it needs one.
    p.pyproject(&["from-source"]);
    run_ok(p.fenv(&["lock"]).env("FENV_NO_BUILD", "1"));
    let err = run_err(&mut p.fenv(&["sync", "--no-build"]), 1);
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("error:") || l.starts_with("hint:"))
            .collect::<Vec<_>>(),
        [
            "error: failed to sync `.venv`: `from-source` 1.0 is locked only as a source distribution for this environment, and `--no-build` forbids building it",
            "hint: pin a version that publishes wheels for this Python, or sync without `--no-build`",
        ]
    );
    assert!(
        !p.ctx.path(".venv").exists(),
        "the refused sync made an environment"
    );
    assert_eq!(p.builds(), 0);

    // Without it, the same lock builds and installs.
    p.sync_ok(&[]);
    assert_eq!(p.builds(), 1);
}
