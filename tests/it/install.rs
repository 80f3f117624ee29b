//! The native installer, through its library API, on real wheels built by
//! `support::wheel`, into real environments made by the `fenv` binary,
//! checked by the environment's real Python and pip.

use std::path::{Path, PathBuf};

use fenv::cache::Cache;
use fenv::install::{self, InstallOptions, LinkMode, Linker, Target, WheelStore};
use fenv::python::InterpreterInfo;
use fenv::venv::Layout;

use crate::common::{TestContext, pyenv_python, require, run, run_ok};
use crate::support::wheel::WheelBuilder;

/// An environment made by `fenv create` and what installing into it needs.
struct Env {
    ctx: TestContext,
    root: PathBuf,
    info: InterpreterInfo,
    store: WheelStore,
    wheels: PathBuf,
}

impl Env {
    fn new(dir: &str, extra: &[&str]) -> Option<Self> {
        let python = require("pyenv CPython 3.12", pyenv_python("3.12"))?;
        let ctx = TestContext::new();
        run_ok(
            ctx.fenv()
                .args(["create", "-q", "-p"])
                .arg(&python)
                .args(extra)
                .arg(dir),
        );
        let root = ctx.path(dir);
        let info = fenv::python::query::query(&python).expect("query the interpreter");
        let store = WheelStore::new(&Cache::resolve(Some(ctx.cache()))).expect("wheel store");
        let wheels = ctx.root().join("wheels");
        Some(Self {
            ctx,
            root,
            info,
            store,
            wheels,
        })
    }

    fn layout(&self) -> Layout {
        Layout::for_interpreter(&self.info)
    }

    fn site_packages(&self) -> PathBuf {
        self.root.join(self.layout().site_packages)
    }

    fn target(&self, relocatable: bool) -> Target {
        self.layout()
            .install_target(&self.root, &self.root, &self.info, relocatable)
    }

    fn install(&self, wheel: WheelBuilder) -> Result<install::Installed, install::Error> {
        self.install_with(wheel, None)
    }

    fn install_with(
        &self,
        wheel: WheelBuilder,
        mode: Option<LinkMode>,
    ) -> Result<install::Installed, install::Error> {
        let path = wheel.build(&self.wheels);
        let unpacked = self.store.add(&path)?;
        let linker = Linker::new(mode);
        install::install(
            &unpacked,
            &self.target(false),
            &InstallOptions {
                linker: &linker,
                requested: true,
                direct_url: None,
                source_tree: None,
            },
        )
    }

    fn python(&self) -> PathBuf {
        self.root.join("bin/python")
    }
}

/// A wheel with a package, `.data` scripts, data and headers, and an entry point.
fn demo(version: &str) -> WheelBuilder {
    WheelBuilder::new("demo-pkg", version)
        .file(
            "demo_pkg/__init__.py",
            format!("VERSION = '{version}'\ndef main():\n    print('demo says', VERSION)\n    return 3\n"),
        )
        .file("demo_pkg/sub/mod.py", "X = 1\n")
        .data(
            "scripts",
            "demo-raw",
            "#!python\nimport sys\nprint('raw', sys.prefix)\n",
        )
        .data("data", "share/demo/readme.txt", "read me\n")
        .data("headers", "demo.h", "int demo;\n")
        .data("purelib", "demo_extra.py", "EXTRA = True\n")
        .entry_point("console_scripts", "demo", "demo_pkg:main")
}

/// Every entry under `dir`, to prove a command changed nothing there.
fn fingerprint(dir: &Path) -> crate::support::tree::Snapshot {
    crate::support::tree::Snapshot::of(dir, &[])
}

#[test]
fn a_wheel_installs_per_the_spec_and_pip_agrees() {
    let Some(env) = Env::new(".venv", &[]) else { return };
    let installed = env.install(demo("1.0")).expect("install");
    assert_eq!(
        (installed.name.as_str(), installed.version.as_str()),
        ("demo-pkg", "1.0")
    );

    // The console script runs and passes on the entry point's return value.
    let out = run(&mut env.ctx.command(env.root.join("bin/demo")));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "demo says 1.0\n");
    assert_eq!(out.status.code(), Some(3));
    // `#!python` was rewritten; data and headers went to their scheme paths.
    let raw = run_ok(&mut env.ctx.command(env.root.join("bin/demo-raw")));
    assert_eq!(raw.trim(), format!("raw {}", env.root.display()));
    assert_eq!(
        fs_err::read_to_string(env.root.join("share/demo/readme.txt")).expect("data"),
        "read me\n"
    );
    assert!(env.root.join("include/site/python3.12/demo-pkg/demo.h").is_file());
    run_ok(
        env.ctx
            .command(env.python())
            .args(["-c", "import demo_extra, demo_pkg.sub.mod"]),
    );

    // RECORD lists every file with its real hash; INSTALLER and REQUESTED.
    let dist_info = env.site_packages().join("demo_pkg-1.0.dist-info");
    let record = fs_err::read_to_string(dist_info.join("RECORD")).expect("RECORD");
    for line in record.lines() {
        let mut fields = line.split(',');
        let (path, hash, size) = (
            fields.next().unwrap(),
            fields.next().unwrap(),
            fields.next().unwrap(),
        );
        let file = env.site_packages().join(path);
        assert!(file.is_file(), "{path} listed but missing");
        if !hash.is_empty() {
            let contents = fs_err::read(&file).unwrap();
            assert_eq!(hash, fenv::install::record::hash(&contents), "{path}");
            assert_eq!(size, contents.len().to_string(), "{path}");
        }
    }
    assert!(record.contains("../../../bin/demo,sha256="), "{record}");
    assert_eq!(
        fs_err::read_to_string(dist_info.join("INSTALLER")).unwrap(),
        "fenv\n"
    );
    assert!(dist_info.join("REQUESTED").is_file());

    // pip sees it, checks it, and can uninstall it through our RECORD.
    let pip = |args: &[&str]| run_ok(env.ctx.command(env.python()).args(["-m", "pip"]).args(args));
    assert!(pip(&["list"]).contains("demo-pkg"));
    assert!(pip(&["check"]).contains("No broken requirements found"));
    let freeze = run_ok(env.ctx.fenv().args(["freeze", "--env"]).arg(&env.root));
    assert_eq!(freeze, pip(&["freeze"]));
    pip(&["uninstall", "-y", "demo-pkg"]);
    assert!(!env.root.join("bin/demo").exists() && !dist_info.exists());
}

#[test]
fn uninstall_and_replace_through_record() {
    let Some(env) = Env::new(".venv", &[]) else { return };
    let before = fingerprint(&env.root);
    env.install(demo("1.0")).expect("install 1.0");
    // Bytecode written by running it is removed too.
    run_ok(
        env.ctx
            .command(env.python())
            .args(["-c", "import demo_pkg.sub.mod"]),
    );

    let linker = Linker::new(None);
    let options = InstallOptions {
        linker: &linker,
        requested: true,
        direct_url: None,
        source_tree: None,
    };
    let v2 = env.store.add(&demo("2.0").build(&env.wheels)).expect("add 2.0");
    let replaced = install::replace(
        &env.site_packages(),
        &env.root,
        "Demo_Pkg",
        &v2,
        &env.target(false),
        &options,
    )
    .expect("replace");
    assert_eq!(replaced.version, "2.0");
    assert_eq!(
        run(&mut env.ctx.command(env.root.join("bin/demo"))).stdout,
        b"demo says 2.0\n"
    );
    assert!(!env.site_packages().join("demo_pkg-1.0.dist-info").exists());

    let removed = install::uninstall(&env.site_packages(), &env.root, "demo-pkg").expect("uninstall");
    assert_eq!(removed.version, "2.0");
    assert_eq!(
        fingerprint(&env.root),
        before,
        "uninstall leaves the environment as it was"
    );
    assert!(matches!(
        install::uninstall(&env.site_packages(), &env.root, "demo-pkg"),
        Err(install::Error::NotInstalled { .. })
    ));
}

#[test]
fn a_failed_replace_keeps_the_old_version() {
    let Some(env) = Env::new(".venv", &[]) else { return };
    env.install(demo("1.0")).expect("install 1.0");
    let before = fingerprint(&env.root);
    // 2.0 fails half-way: a file stands where one of its folders must go.
    let blocker = env.site_packages().join("zzz_blocked");
    fs_err::write(&blocker, "in the way").unwrap();
    let before_with_blocker = fingerprint(&env.root);
    let v2 = env
        .store
        .add(&demo("2.0").file("zzz_blocked/mod.py", "").build(&env.wheels))
        .expect("add");
    let linker = Linker::new(None);
    let options = InstallOptions {
        linker: &linker,
        requested: true,
        direct_url: None,
        source_tree: None,
    };
    let err = install::replace(
        &env.site_packages(),
        &env.root,
        "demo-pkg",
        &v2,
        &env.target(false),
        &options,
    )
    .expect_err("blocked");
    assert!(err.to_string().contains("zzz_blocked"), "{err}");
    assert_eq!(fingerprint(&env.root), before_with_blocker);
    fs_err::remove_file(blocker).unwrap();
    assert_eq!(fingerprint(&env.root), before);
}

#[test]
fn broken_and_hostile_wheels_are_refused_and_change_nothing() {
    let Some(env) = Env::new(".venv", &[]) else { return };
    let before = fingerprint(&env.root);
    let cases: Vec<(WheelBuilder, &str)> = vec![
        (
            demo("1.0").tamper_hash("demo_pkg/__init__.py"),
            "hash of `demo_pkg/__init__.py` does not match RECORD",
        ),
        (
            demo("1.0").unlisted("demo_pkg/sub/mod.py"),
            "`demo_pkg/sub/mod.py` is not listed in RECORD",
        ),
        (demo("1.0").file("../evil.py", "x"), "points outside the wheel"),
        (demo("1.0").file("/etc/evil.py", "x"), "points outside the wheel"),
        (
            demo("1.0").data("scripts", "python", "#!/bin/sh\n"),
            "belongs to the environment",
        ),
        (
            demo("1.0").data("data", "bin/python3.12", "x"),
            "belongs to the environment",
        ),
        (
            demo("1.0").data("data", "pyvenv.cfg", "home = /evil\n"),
            "belongs to the environment",
        ),
        (
            demo("1.0").entry_point("console_scripts", "activate", "demo_pkg:main"),
            "belongs to the environment",
        ),
        (
            demo("1.0").dist_info_name("other-1.0"),
            "does not match the file name",
        ),
        (demo("1.0").wheel_version("2.0"), "Wheel-Version `2.0` is not 1.x"),
        (
            demo("1.0").tag("cp39-cp39-manylinux_2_17_x86_64"),
            "is not compatible with Python 3.12",
        ),
        (demo("1.0").data("weird", "x", "x"), "unknown scheme key `weird`"),
        (
            demo("1.0").symlink("demo_pkg/escape", "/etc/passwd"),
            "is a symbolic link",
        ),
    ];
    for (wheel, expected) in cases {
        let name = wheel.file_name();
        let err = env.install(wheel).expect_err(&name);
        assert!(err.to_string().contains(expected), "{name}: {err}");
        assert_eq!(fingerprint(&env.root), before, "{name} changed the environment");
        fs_err::remove_dir_all(&env.wheels).unwrap();
    }
}

#[test]
fn an_error_half_way_rolls_back_every_file() {
    let Some(env) = Env::new(".venv", &[]) else { return };
    fs_err::write(env.site_packages().join("zzz_blocked"), "in the way").unwrap();
    let before = fingerprint(&env.root);
    let err = env
        .install(demo("1.0").file("zzz_blocked/mod.py", ""))
        .expect_err("blocked");
    assert!(
        matches!(err, install::Error::Io { .. } | install::Error::Link { .. }),
        "{err}"
    );
    assert_eq!(fingerprint(&env.root), before);
}

#[test]
fn launchers_work_with_spaces_and_when_relocated() {
    let Some(env) = Env::new("my env", &[]) else {
        return;
    };
    env.install(demo("1.0")).expect("install");
    let launcher = fs_err::read_to_string(env.root.join("bin/demo")).unwrap();
    assert!(launcher.starts_with("#!/bin/sh\n'''exec' '"), "{launcher}");
    assert_eq!(
        run(&mut env.ctx.command(env.root.join("bin/demo"))).stdout,
        b"demo says 1.0\n"
    );

    let Some(env) = Env::new("reloc", &["--relocatable"]) else {
        return;
    };
    let wheel = env.store.add(&demo("1.0").build(&env.wheels)).expect("add");
    let linker = Linker::new(None);
    install::install(
        &wheel,
        &env.target(true),
        &InstallOptions {
            linker: &linker,
            requested: true,
            direct_url: None,
            source_tree: None,
        },
    )
    .expect("install");
    let moved = env.ctx.path("moved/elsewhere");
    fs_err::create_dir_all(moved.parent().unwrap()).unwrap();
    fs_err::rename(&env.root, &moved).unwrap();
    let out = run(&mut env.ctx.command(moved.join("bin/demo")));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "demo says 1.0\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = run_ok(&mut env.ctx.command(moved.join("bin/demo-raw")));
    assert_eq!(raw.trim(), format!("raw {}", moved.display()));
}

#[test]
fn link_modes() {
    use std::os::unix::fs::MetadataExt;
    let Some(env) = Env::new(".venv", &[]) else { return };
    let installed_file = |env: &Env| env.site_packages().join("demo_pkg/sub/mod.py");
    let cached = |env: &Env| {
        let sha =
            crate::support::sha256_hex(&fs_err::read(env.wheels.join(demo("1.0").file_name())).unwrap());
        env.ctx
            .cache()
            .join("unpacked")
            .join(sha)
            .join("demo_pkg/sub/mod.py")
    };

    env.install_with(demo("1.0"), Some(LinkMode::Hardlink))
        .expect("hardlink");
    assert_eq!(
        installed_file(&env).metadata().unwrap().ino(),
        cached(&env).metadata().unwrap().ino()
    );
    // RECORD and launchers are never links into the cache.
    let record = env.site_packages().join("demo_pkg-1.0.dist-info/RECORD");
    assert_eq!(record.metadata().unwrap().nlink(), 1);
    assert_eq!(env.root.join("bin/demo").metadata().unwrap().nlink(), 1);
    install::uninstall(&env.site_packages(), &env.root, "demo-pkg").unwrap();

    env.install_with(demo("1.0"), Some(LinkMode::Copy)).expect("copy");
    assert_ne!(
        installed_file(&env).metadata().unwrap().ino(),
        cached(&env).metadata().unwrap().ino()
    );
    install::uninstall(&env.site_packages(), &env.root, "demo-pkg").unwrap();

    env.install_with(demo("1.0"), Some(LinkMode::Symlink))
        .expect("symlink");
    assert_eq!(fs_err::read_link(installed_file(&env)).unwrap(), cached(&env));
    install::uninstall(&env.site_packages(), &env.root, "demo-pkg").unwrap();

    // A forced mode that cannot work is an error, not a silent fallback.
    let probe = env.ctx.root().join("clone-probe");
    fs_err::write(&probe, "x").unwrap();
    let can_clone = std::process::Command::new("cp")
        .args(["--reflink=always"])
        .arg(&probe)
        .arg(env.ctx.root().join("clone-probe-2"))
        .status()
        .is_ok_and(|s| s.success());
    let before = fingerprint(&env.root);
    let result = env.install_with(demo("1.0"), Some(LinkMode::Clone));
    if can_clone {
        result.expect("clone works on this filesystem");
    } else {
        let err = result.expect_err("clone cannot work here");
        assert!(err.to_string().contains("failed to clone"), "{err}");
        assert_eq!(fingerprint(&env.root), before);
    }
}

#[test]
fn the_store_rebuilds_corrupt_entries_and_serves_concurrent_users() {
    let ctx = TestContext::new();
    let cache = Cache::resolve(Some(ctx.cache()));
    let wheel = demo("1.0").build(&ctx.root().join("wheels"));
    let unpacked: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| WheelStore::new(&cache).unwrap().add(&wheel).expect("add")))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(unpacked.windows(2).all(|w| w[0] == w[1]));
    let root = &unpacked[0].root;
    // A half-written entry (no completion marker) is rebuilt, not trusted.
    fs_err::remove_file(root.join(".fenv-unpacked.json")).unwrap();
    fs_err::write(root.join("demo_pkg/__init__.py"), "tampered").unwrap();
    let again = WheelStore::new(&cache).unwrap().add(&wheel).expect("rebuilt");
    assert_ne!(
        fs_err::read_to_string(again.root.join("demo_pkg/__init__.py")).unwrap(),
        "tampered"
    );
}

#[test]
fn a_plain_folder_target_for_bundles() {
    let Some(python) = require("pyenv CPython 3.12", pyenv_python("3.12")) else {
        return;
    };
    let ctx = TestContext::new();
    let store = WheelStore::new(&Cache::resolve(Some(ctx.cache()))).unwrap();
    let wheel = store.add(&demo("1.0").build(&ctx.root().join("wheels"))).unwrap();
    let bundle = ctx.path("bundle");
    let linker = Linker::new(Some(LinkMode::Copy));
    let direct_url = r#"{"url": "file:///wheels/demo_pkg-1.0-py3-none-any.whl", "archive_info": {}}"#;
    let installed = install::install(
        &wheel,
        &Target::folder(&bundle, (3, 12), None),
        &InstallOptions {
            linker: &linker,
            requested: false,
            direct_url: Some(direct_url.into()),
            source_tree: None,
        },
    )
    .expect("install into a folder");
    assert!(bundle.join("demo_pkg/__init__.py").is_file() && bundle.join("demo_extra.py").is_file());
    assert!(bundle.join("share/demo/readme.txt").is_file());
    let dist_info = bundle.join("demo_pkg-1.0.dist-info");
    assert_eq!(installed.dist_info, dist_info);
    assert!(!dist_info.join("REQUESTED").exists());
    assert_eq!(
        fs_err::read_to_string(dist_info.join("direct_url.json")).unwrap(),
        direct_url
    );
    assert!(
        fs_err::read_to_string(dist_info.join("RECORD"))
            .unwrap()
            .contains("demo_pkg-1.0.dist-info/direct_url.json,sha256=")
    );
    assert!(
        fs_err::read_to_string(bundle.join("bin/demo"))
            .unwrap()
            .starts_with("#!/usr/bin/env python3\n")
    );
    // The bundle imports with it on sys.path, as Lambda puts /var/task there.
    let out = run_ok(
        ctx.command(&python)
            .arg("-c")
            .arg("import demo_pkg; print(demo_pkg.VERSION)")
            .env("PYTHONPATH", &bundle),
    );
    assert_eq!(out, "1.0\n");
}

/// A bundle is a plain folder, not an environment: nothing guards its
/// edges but the checks every path goes through. Each wheel here aims at a
/// file beside the bundle; each is refused and nothing outside it changes.
#[test]
fn a_bundle_folder_keeps_every_file_inside() {
    let ctx = TestContext::new();
    let store = WheelStore::new(&Cache::resolve(Some(ctx.cache()))).unwrap();
    let bundle = ctx.path("dist/function");
    fs_err::create_dir_all(&bundle).unwrap();
    fs_err::write(ctx.path("dist/manifest.json"), "{}\n").unwrap();
    let linker = Linker::new(Some(LinkMode::Copy));
    let cases: Vec<(WheelBuilder, &str)> = vec![
        (
            demo("1.0").data("data", "../manifest.json", "owned"),
            "points outside the wheel",
        ),
        (
            demo("1.0").data("headers", "../../../manifest.json", "owned"),
            "points outside the wheel",
        ),
        (
            demo("1.0").data("purelib", "../../dist/manifest.json", "owned"),
            "points outside the wheel",
        ),
        (
            // Headers go to `<headers>/<Name>/`: the name would be the path.
            demo("1.0")
                .metadata_text("Metadata-Version: 2.1\nName: ../..\nVersion: 1.0\n")
                .data("headers", "manifest.json", "owned"),
            "its METADATA says `../..` 1.0, but its file name says `demo_pkg` 1.0",
        ),
    ];
    for (wheel, expected) in cases {
        let name = wheel.file_name();
        let before = crate::support::tree::Snapshot::of(&ctx.root(), &[ctx.cache()]);
        let built = wheel.build(&ctx.root().join("wheels"));
        let after_build = crate::support::tree::Snapshot::of(&ctx.root(), &[ctx.cache()]);
        let err = store
            .add(&built)
            .map_err(|e| e.to_string())
            .and_then(|wheel| {
                install::install(
                    &wheel,
                    &Target::folder(&bundle, (3, 12), None),
                    &InstallOptions {
                        linker: &linker,
                        requested: false,
                        direct_url: None,
                        source_tree: None,
                    },
                )
                .map_err(|e| e.to_string())
            })
            .expect_err(&name);
        assert!(err.contains(expected), "{name}: {err}");
        let changes = after_build.changes(&crate::support::tree::Snapshot::of(&ctx.root(), &[ctx.cache()]));
        assert!(changes.is_empty(), "{name} changed:\n{}", changes.join("\n"));
        assert_eq!(
            fs_err::read_to_string(ctx.path("dist/manifest.json")).unwrap(),
            "{}\n"
        );
        fs_err::remove_dir_all(ctx.root().join("wheels")).unwrap();
        assert_eq!(
            crate::support::tree::Snapshot::of(&ctx.root(), &[ctx.cache()]),
            before
        );
    }
}

#[test]
fn a_platform_wheel_goes_to_platlib() {
    let Some(env) = Env::new(".venv", &[]) else { return };
    let platform = WheelBuilder::new("native-thing", "2.0")
        .tag("cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64")
        .file("native_thing/__init__.py", "NATIVE = True\n");
    let installed = env.install(platform).expect("a manylinux wheel fits this glibc");
    assert_eq!(
        installed.dist_info,
        env.site_packages().join("native_thing-2.0.dist-info")
    );
    run_ok(
        env.ctx
            .command(env.python())
            .args(["-c", "import native_thing; assert native_thing.NATIVE"]),
    );
    let musl = WheelBuilder::new("musl-thing", "1.0")
        .tag("cp312-cp312-musllinux_1_1_x86_64")
        .file("musl_thing.py", "");
    assert!(matches!(
        env.install(musl),
        Err(install::Error::Incompatible { .. })
    ));
}
