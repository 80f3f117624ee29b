//! What fenv does on a bad day: a private index whose credentials live in
//! the project, an umask, a read-only cache, a full disk, a lock or a
//! requirements file that never ends, a zip bomb, an index page past its
//! limit. Each ends in a working result or one clear error, with nothing
//! half-made.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::common::{TestContext, pyenv_python, require, run_err, run_ok};
use crate::support::index::{Publish, TestIndex};
use crate::support::lock::{self, LockedWheel};
use crate::support::mount::Mount;
use crate::support::wheel::{WheelBuilder, noise};
use crate::sync::Project;

fn mode(path: &Path) -> u32 {
    fs_err::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `fenv ARGS` under `umask`, through `sh`.
fn with_umask(project: &Project, umask: &str, args: &[&str]) -> Command {
    let mut cmd = project.ctx.command("sh");
    cmd.args(["-c", &format!("umask {umask} && exec \"$0\" \"$@\"")])
        .arg(crate::common::fenv_binary())
        .args(args)
        .env("FENV_INDEX_URL", project.index.url());
    cmd
}

#[test]
fn credentials_in_the_projects_index_url_reach_the_files_too() {
    let Some(python) = require("pyenv CPython 3.12", pyenv_python("3.12")) else {
        return;
    };
    let ctx = TestContext::new();
    let index = TestIndex::start();
    index.require_auth("me", "s3cret");
    index.publish(
        &WheelBuilder::new("private", "1.0")
            .file("private/__init__.py", "")
            .build(&ctx.root().join("w")),
    );
    ctx.write(".python-version", "3.12\n");
    ctx.write(
        "pyproject.toml",
        format!(
            "[project]\nname = \"app\"\nversion = \"0\"\ndependencies = [\"private\"]\n\n[tool.fenv]\nindex-url = \"{}\"\n",
            index.url_with_credentials("me", "s3cret")
        ),
    );
    run_ok(ctx.fenv().arg("lock"));
    run_ok(ctx.fenv().args(["create", "-q", "-p"]).arg(&python).arg(".venv"));
    run_ok(ctx.fenv().arg("sync"));
    let frozen = run_ok(ctx.fenv().args(["freeze", "--env", ".venv"]));
    assert_eq!(frozen, "private==1.0\n");
    // The credentials are in neither the lock nor the cache.
    let lock = fs_err::read_to_string(ctx.path("pylock.toml")).unwrap();
    assert!(!lock.contains("s3cret"), "{lock}");
}

#[test]
fn files_follow_the_umask() {
    for (umask, file, dir) in [("022", 0o644, 0o755), ("077", 0o600, 0o700)] {
        let Some(project) = Project::locked() else { return };
        fs_err::remove_file(project.ctx.path("pylock.toml")).unwrap();
        run_ok(&mut with_umask(&project, umask, &["lock"]));
        run_ok(&mut with_umask(&project, umask, &["sync"]));
        assert_eq!(mode(&project.ctx.path("pylock.toml")), file, "umask {umask}");
        assert_eq!(mode(&project.env().join("pyvenv.cfg")), file, "umask {umask}");
        assert_eq!(mode(&project.env()), dir, "umask {umask}");
        // Package files: RECORD written, a module copied from the store
        // (writable, as pip leaves it), the store's own copy read-only.
        run_ok(&mut with_umask(
            &project,
            umask,
            &["sync", "--env", "copied", "--link-mode", "copy"],
        ));
        let site = project.ctx.path("copied/lib/python3.12/site-packages");
        assert_eq!(mode(&site.join("a-1.0.dist-info/RECORD")), file, "umask {umask}");
        assert_eq!(mode(&site.join("a/__init__.py")), file, "umask {umask}");
        let stored = fs_err::read_dir(project.ctx.cache().join("unpacked"))
            .unwrap()
            .flatten()
            .map(|e| e.path().join("a/__init__.py"))
            .find(|p| p.exists())
            .unwrap();
        assert_eq!(mode(&stored), file & 0o444, "umask {umask}");
        // `create --upgrade` writes pyvenv.cfg again.
        run_ok(&mut with_umask(
            &project,
            umask,
            &["create", "--upgrade", ".venv"],
        ));
        assert_eq!(mode(&project.env().join("pyvenv.cfg")), file, "umask {umask}");
    }
}

#[test]
fn a_read_only_cache_is_used_as_far_as_it_goes() {
    let Some(project) = Project::locked() else { return };
    project.sync_ok(&[]);
    // One entry gone, then the whole cache read-only.
    let unpacked = project.ctx.cache().join("unpacked");
    let entry = fs_err::read_dir(&unpacked)
        .unwrap()
        .flatten()
        .find(|e| {
            e.path().is_dir() && e.path().join(".fenv-unpacked.json").is_file() && {
                let marker = fs_err::read_to_string(e.path().join(".fenv-unpacked.json")).unwrap();
                marker.contains("\"name\":\"b\"")
            }
        })
        .expect("b is unpacked")
        .path();
    fs_err::remove_dir_all(&entry).unwrap();
    let Some(_read_only) = require(
        "root, to mount the cache read-only",
        Mount::read_only(project.ctx.cache()),
    ) else {
        return;
    };
    assert!(fs_err::write(project.ctx.cache().join("probe"), "").is_err());

    project.sync_ok(&["--env", "other"]);
    let frozen = run_ok(&mut project.fenv(&["freeze", "--env", "other"]));
    assert_eq!(frozen, "a==1.0\nb==1.0\n");
    run_ok(&mut project.fenv(&["check", "--env", "other"]));
    run_ok(&mut project.fenv(&["create", "-q", "third"]));
    assert!(project.ctx.path("third/bin/pip").is_file());
}

#[test]
fn a_full_disk_is_reported_as_a_full_disk() {
    let Some(project) = Project::locked() else { return };
    // A package bigger than the small filesystems below.
    let big = WheelBuilder::new("big", "1.0").file("big/data.bin", noise(3 * 1024 * 1024));
    project
        .index
        .publish(&big.build(&project.ctx.root().join("wheels")));
    project.pyproject(&["a", "big"]);
    run_ok(&mut project.fenv(&["lock"]));
    let (small_env, small_cache) = (project.ctx.path("small-env"), project.ctx.path("small-cache"));
    let Some(_env_fs) = require(
        "root, to mount a small tmpfs",
        Mount::tmpfs(&small_env, 2 * 1024 * 1024),
    ) else {
        return;
    };
    let Some(_cache_fs) = require(
        "root, to mount a small tmpfs",
        Mount::tmpfs(&small_cache, 1024 * 1024),
    ) else {
        return;
    };

    // The cache is elsewhere, so every file is copied onto the full disk.
    run_ok(&mut project.fenv(&["create", "-q", "--without-pip", "small-env/.venv"]));
    let stderr = run_err(&mut project.fenv(&["sync", "--env", "small-env/.venv"]), 1);
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(
        stderr.contains("hint: the disk the environment is on is full"),
        "{stderr}"
    );
    assert!(!stderr.contains("--link-mode copy"), "{stderr}");

    // A download onto a full disk is not retried as the network's fault.
    run_ok(&mut project.fenv(&["create", "-q", "--without-pip", "other"]));
    let stderr = run_err(
        project
            .fenv(&["sync", "--env", "other"])
            .env("FENV_CACHE_DIR", &small_cache),
        1,
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("attempts"), "{stderr}");
    assert!(stderr.contains("hint: the disk is full"), "{stderr}");
}

/// A test folder holding `.venv`, an environment of the pyenv CPython
/// 3.12 without pip, for syncs of hand-written locks; `None` (a skip)
/// without that Python.
fn with_an_empty_env() -> Option<TestContext> {
    let python = require("pyenv CPython 3.12", pyenv_python("3.12"))?;
    let ctx = TestContext::new();
    run_ok(
        ctx.fenv()
            .args(["create", "-q", "--without-pip", "-p"])
            .arg(&python)
            .arg(".venv"),
    );
    Some(ctx)
}

/// A lock (from a pull request, say) naming a local file must not make
/// CI print that file's size or sha256, which would fingerprint it.
#[test]
fn a_lock_that_names_a_local_file_prints_nothing_of_what_it_holds() {
    let Some(ctx) = with_an_empty_env() else { return };
    let secret = b"root:x:0:0:root:/root:/bin/bash\n";
    ctx.write("secret", std::str::from_utf8(secret).unwrap());
    let secret_url = format!("file://{}", ctx.path("secret").display());
    // A guess of the same size (so only the hash differs) and a longer one.
    let same_size = vec![b'x'; secret.len()];
    for claimed in [&same_size[..], &[b'x'; 4096]] {
        lock::write(
            &ctx.path("local.toml"),
            &[LockedWheel {
                name: "secret",
                version: "1.0",
                file_name: "secret-1.0-py3-none-any.whl",
                url: secret_url.clone(),
                bytes: claimed,
            }],
        );
        let stderr = run_err(
            ctx.fenv()
                .args(["sync", "--lock", "local.toml", "--env", ".venv"]),
            1,
        );
        assert!(
            stderr.contains(&format!(
                "the local file `{secret_url}` is not the file the lock or find-links folder names (its size or sha256 differs)"
            )),
            "{stderr}"
        );
        let sha256 = crate::support::sha256_hex(secret);
        assert!(!stderr.contains(&sha256), "{stderr}");
        assert!(
            !stderr.contains(&format!("has {} bytes", secret.len())),
            "{stderr}"
        );
    }
}

#[test]
fn a_lock_that_points_at_a_stream_is_read_only_up_to_its_size() {
    let Some(ctx) = with_an_empty_env() else { return };
    let zeros = vec![0u8; 916];
    lock::write(
        &ctx.path("stream.toml"),
        &[LockedWheel {
            name: "zero",
            version: "1.0",
            file_name: "zero-1.0-py3-none-any.whl",
            url: "file:///dev/zero".into(),
            bytes: &zeros,
        }],
    );
    let stderr = run_err(
        ctx.fenv()
            .args(["sync", "--lock", "stream.toml", "--env", ".venv"]),
        1,
    );
    assert!(
        stderr.contains("`file:///dev/zero` is larger than 916 bytes (the size the lock or index gives); fenv stopped reading it"),
        "{stderr}"
    );
}

#[test]
fn a_requirements_file_that_never_ends_is_refused() {
    let Some(project) = Project::locked() else { return };
    fs_err::remove_file(project.ctx.path("pyproject.toml")).unwrap();
    project.ctx.write("requirements.in", "a\n-r /dev/zero\n");
    let stderr = run_err(&mut project.fenv(&["lock"]), 1);
    assert!(
        stderr.contains("/dev/zero")
            && stderr.contains("is larger than 16777216 bytes (`FENV_MAX_REQUIREMENTS` raises the limit)"),
        "{stderr}"
    );
}

#[test]
fn a_zip_bomb_is_refused_and_an_index_page_past_its_limit_too() {
    let Some(project) = Project::locked() else { return };
    // 80 MB of zeros deflate to well under 1 MB: more than 100 times.
    let bomb = WheelBuilder::new("bomb", "1.0").file("bomb/zeros.bin", vec![0u8; 80 * 1024 * 1024]);
    let path = bomb.build(&project.ctx.root().join("wheels"));
    assert!(fs_err::metadata(&path).unwrap().len() < 1024 * 1024);
    project.index.publish(&path);
    project.pyproject(&["a", "bomb"]);
    run_ok(&mut project.fenv(&["lock"]));
    let stderr = run_err(&mut project.fenv(&["sync"]), 1);
    assert!(
        stderr.contains("a zip bomb (`FENV_MAX_UNPACKED` sets the limit)"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");

    let stderr = run_err(
        project
            .fenv(&["lock", "--upgrade", "--refresh"])
            .env("FENV_MAX_PAGE", "100"),
        1,
    );
    assert!(
        stderr.contains("is larger than 100 bytes (FENV_MAX_PAGE)"),
        "{stderr}"
    );
}

#[test]
fn a_silent_index_is_given_up_on_after_one_retry() {
    let Some(project) = Project::locked() else { return };
    for name in ["c", "d", "e", "f"] {
        project.publish(name, "1.0", &[]);
    }
    project.pyproject(&["c", "d", "e", "f"]);
    // Every page takes a minute; fenv reads for a second at a time.
    project.index.delay("/simple/", std::time::Duration::from_mins(1));
    let before = project.index.requests().len();
    let stderr = run_err(
        project.fenv(&["lock", "--refresh"]).env("FENV_HTTP_TIMEOUT", "1"),
        1,
    );
    assert!(
        stderr.contains("timed out") || stderr.contains("timeout"),
        "{stderr}"
    );
    // Each page at most twice, and once the host is known to be silent,
    // not asked again: never the 3 attempts x 6 pages of before.
    let asked: Vec<String> = project.index.requests()[before..]
        .iter()
        .filter(|path| path.starts_with("/simple/"))
        .cloned()
        .collect();
    assert!(asked.len() <= 2 * 4, "{asked:?}\n{stderr}");
    let mut pages = asked.clone();
    pages.sort();
    pages.dedup();
    for page in &pages {
        assert!(asked.iter().filter(|p| *p == page).count() <= 2, "{asked:?}");
    }
}

#[test]
fn a_failing_page_is_fetched_three_times_at_most() {
    // Once by the background prefetch, then again by the resolver: six
    // times before; the failure is now remembered for the run.
    let Some(project) = Project::locked() else { return };
    project.index.fail("/simple/b/", 100);
    let before = project.index.requests().len();
    let stderr = run_err(&mut project.fenv(&["lock", "--refresh", "--upgrade"]), 1);
    assert!(stderr.contains("HTTP 500"), "{stderr}");
    let asked = project.index.requests()[before..]
        .iter()
        .filter(|path| *path == "/simple/b/")
        .count();
    assert_eq!(asked, 3, "{stderr}");
}

#[test]
fn redirects_leave_the_host_only_for_files_and_without_credentials() {
    let Some(project) = Project::locked() else { return };
    let elsewhere = TestIndex::start();
    // The files live on another host (object storage, say): the same ones.
    for wheel in ["a-1.0-py3-none-any.whl", "b-1.0-py3-none-any.whl"] {
        elsewhere.publish(&project.ctx.root().join("wheels").join(wheel));
    }
    project.index.redirect("/files/", &elsewhere.base());
    let credentials = project.index.url_with_credentials("me", "s3cret");
    let output = crate::common::run(project.fenv(&["sync"]).env("FENV_INDEX_URL", &credentials));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let files: Vec<_> = elsewhere
        .log()
        .into_iter()
        .filter(|r| r.path.starts_with("/files/"))
        .collect();
    assert!(!files.is_empty());
    assert!(files.iter().all(|r| r.authorization.is_none()), "{files:?}");
    // Pages may not be sent to another host.
    project.index.redirect("/simple/", &elsewhere.base());
    let stderr = run_err(&mut project.fenv(&["lock", "--refresh", "--upgrade"]), 1);
    assert!(
        stderr.contains(&format!(
            "redirects to another host, `{}/simple/a/`; fenv follows such redirects only for file downloads",
            elsewhere.base()
        )),
        "{stderr}"
    );
}

#[test]
fn an_index_that_serves_only_html_pages_locks_and_syncs() {
    // PEP 503 pages, as many private indexes and mirrors serve them.
    let Some(project) = Project::locked() else { return };
    fs_err::remove_file(project.ctx.path("pylock.toml")).unwrap();
    project.index.html_only();
    // Newer versions the page's attributes rule out: yanked (PEP 592),
    // for another Python (`data-requires-python`, escaped).
    let yanked = project.wheel("a", "2.0", &["b>=1"]);
    project.index.publish_as(&yanked, Publish::new().yanked());
    let later = project.wheel("a", "3.0", &["b>=1"]);
    project
        .index
        .publish_as(&later, Publish::new().requires_python(">=3.99"));
    run_ok(&mut project.fenv(&["lock", "--refresh"]));
    let lock = fs_err::read_to_string(project.ctx.path("pylock.toml")).unwrap();
    assert!(lock.contains("name = \"a\"\nversion = \"1.0\""), "{lock}");
    project.sync_ok(&[]);
    let frozen = run_ok(&mut project.fenv(&["freeze", "--env", ".venv"]));
    assert_eq!(frozen, "a==1.0\nb==1.0\n");
}

#[test]
fn control_characters_from_files_are_shown_escaped() {
    let ctx = TestContext::new();
    ctx.write(".python-version", "3.12\x1b]0;owned\x07\x1b[2J\0\n");
    let output = crate::common::run(ctx.fenv().args(["create", "env"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\0') && !stderr.contains('\x07'),
        "{stderr:?}"
    );
    assert!(stderr.contains("\\x1b]0;owned\\x07\\x1b[2J\\x00"), "{stderr}");
}

#[test]
fn a_lock_that_names_a_package_twice_is_refused_before_an_environment_is_made() {
    let Some(_) = require("pyenv CPython 3.12", pyenv_python("3.12")) else {
        return;
    };
    let ctx = TestContext::new();
    ctx.write(".python-version", "3.12\n");
    let wheels = ctx.root().join("w");
    let one = fs_err::read(WheelBuilder::new("a", "1.0").build(&wheels)).unwrap();
    let two = fs_err::read(WheelBuilder::new("a", "2.0").build(&wheels)).unwrap();
    let wheel = |version: &'static str, file_name: &'static str, bytes: &'static [u8]| LockedWheel {
        name: "a",
        version,
        file_name,
        url: format!("file:///nowhere/{file_name}"),
        bytes,
    };
    let (one, two): (&'static [u8], &'static [u8]) = (one.leak(), two.leak());
    lock::write(
        &ctx.path("twice.toml"),
        &[
            wheel("1.0", "a-1.0-py3-none-any.whl", one),
            wheel("2.0", "a-2.0-py3-none-any.whl", two),
        ],
    );
    let stderr = run_err(
        ctx.fenv()
            .args(["sync", "--lock", "twice.toml", "--env", "never"]),
        1,
    );
    assert!(
        stderr.contains("the lock names `a` twice for this environment"),
        "{stderr}"
    );
    assert!(!ctx.path("never").exists(), "{stderr}");
}
