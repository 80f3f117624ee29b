//! `fenv create` against each interpreter's own `python -m venv`.
//!
//! For every CPython on the machine and each option set, both tools build
//! an environment at the same path in turn, and everything the interpreter
//! can observe must be equal: the tree (names, file vs symlink, link
//! targets), the `pyvenv.cfg` lines before fenv's own, and what Python
//! reports from inside. fenv's additions are checked to be only the
//! documented ones.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{TestContext, for_each_python, run_ok};

/// What fenv writes beyond `python -m venv`.
const FENV_EXTRAS: &[&str] = &[
    ".gitignore",
    "CACHEDIR.TAG",
    "bin/activate.nu",
    "bin/activate.xsh",
    "bin/Activate.ps1",
];

/// The observable shape of an environment: relative path → kind.
fn tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs_err::read_dir(&dir).expect("read env dir") {
            let path = entry.expect("dir entry").path();
            let rel = path
                .strip_prefix(root)
                .expect("below root")
                .to_string_lossy()
                .into_owned();
            let meta = fs_err::symlink_metadata(&path).expect("metadata");
            let kind = if meta.is_symlink() {
                format!("link -> {}", fs_err::read_link(&path).expect("link").display())
            } else if meta.is_dir() {
                stack.push(path);
                "dir".to_string()
            } else {
                use std::os::unix::fs::PermissionsExt;
                format!("file {:o}", meta.permissions().mode() & 0o777)
            };
            out.insert(rel, kind);
        }
    }
    out
}

/// What the interpreter sees from inside the environment.
const INSPECT: &str = r#"
import json, site, sys
print(json.dumps({
    "prefix": sys.prefix,
    "exec_prefix": sys.exec_prefix,
    "base_prefix": sys.base_prefix,
    "executable": sys.executable,
    "base_executable": getattr(sys, "_base_executable", None),
    "site_packages": site.getsitepackages(),
    "no_user_site": sys.flags.no_user_site,
    "enable_user_site": site.ENABLE_USER_SITE,
    "path": sys.path,
}, sort_keys=True))
"#;

struct Snapshot {
    tree: BTreeMap<String, String>,
    cfg: String,
    inside: String,
    /// The text of the small files both tools write.
    files: BTreeMap<String, String>,
}

fn snapshot(ctx: &TestContext, env: &Path) -> Snapshot {
    let python = env.join("bin/python");
    let inside = run_ok(ctx.command(&python).args(["-c", INSPECT]));
    let files = [".gitignore"]
        .into_iter()
        .filter_map(|file| Some((file.to_string(), fs_err::read_to_string(env.join(file)).ok()?)))
        .collect();
    Snapshot {
        tree: tree(env),
        cfg: fs_err::read_to_string(env.join("pyvenv.cfg")).expect("pyvenv.cfg"),
        inside,
        files,
    }
}

fn check_parity(label: &str, python: &Path) {
    let ctx = TestContext::new();
    let variants: [&[&str]; 4] = [
        &[],
        &["--system-site-packages"],
        &["--copies"],
        &["--prompt", "My prompt"],
    ];
    for (index, variant) in variants.iter().enumerate() {
        let env: PathBuf = ctx.path(format!("env{index}"));
        run_ok(
            ctx.command(python)
                .args(["-m", "venv", "--without-pip"])
                .args(*variant)
                .arg(&env),
        );
        let venv = snapshot(&ctx, &env);
        fs_err::remove_dir_all(&env).expect("remove the venv env");

        run_ok(
            ctx.fenv()
                .args(["create", "--without-pip", "-p"])
                .arg(python)
                .args(*variant)
                .arg(&env),
        );
        let fenv = snapshot(&ctx, &env);
        let what = format!("{label} {variant:?}");

        // The same tree, plus only fenv's documented extras.
        let mut extra = fenv.tree.clone();
        for (path, kind) in &venv.tree {
            let ours = extra.remove(path);
            assert_eq!(ours.as_ref(), Some(kind), "{what}: `{path}` differs");
        }
        for path in extra.keys() {
            assert!(
                FENV_EXTRAS.contains(&path.as_str()),
                "{what}: unexpected extra `{path}`"
            );
        }

        // The same pyvenv.cfg lines, then `fenv = <version>` and fenv's keys
        // (never a `prompt`: 3.7's venv writes none, later ones before).
        let (standard, ours) = fenv.cfg.split_once("fenv = ").expect("a `fenv =` line");
        assert_eq!(standard, venv.cfg, "{what}: pyvenv.cfg");
        assert!(!ours.contains("prompt"), "{what}: prompt after fenv's line");

        // Files both write hold the same text: `.gitignore` (3.13+).
        for file in [".gitignore"] {
            if venv.tree.contains_key(file) {
                assert_eq!(
                    fs_err::read_to_string(env.join(file)).ok(),
                    venv.files.get(file).cloned(),
                    "{what}: `{file}`"
                );
            }
        }
        assert!(
            ours.starts_with(env!("CARGO_PKG_VERSION")),
            "{what}: fenv version line"
        );

        assert_eq!(fenv.inside, venv.inside, "{what}: seen from inside");
        fs_err::remove_dir_all(&env).expect("remove the fenv env");
    }
}

#[test]
fn every_interpreter_matches_its_own_venv() {
    for_each_python("parity", check_parity);
}
