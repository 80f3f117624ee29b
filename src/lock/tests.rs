use std::path::Path;

use super::*;

fn file(name: &str, sha: char) -> LockedFile {
    LockedFile {
        name: name.into(),
        url: format!("https://files.example/packages/{name}"),
        path: None,
        size: Some(1234),
        upload_time: Some("2024-09-17T15:59:51Z".into()),
        sha256: sha.to_string().repeat(64),
    }
}

/// A lock with every field fenv writes, its lists out of order.
fn sample() -> Lock {
    Lock {
        requires_python: Some(">=3.10".into()),
        environments: vec![
            "sys_platform == 'darwin' and platform_machine == 'arm64' and python_version == '3.12'".into(),
            "sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '3.12'".into(),
        ],
        extras: vec!["fast".into()],
        dependency_groups: vec!["test".into(), "dev".into()],
        default_groups: vec!["default".into()],
        packages: vec![
            LockedPackage {
                name: "Charset_Normalizer".into(),
                version: "3.4.0".into(),
                marker: Some("'default' in dependency_groups".into()),
                requires_python: Some(">=3.7".into()),
                dependencies: vec![],
                index: Some("https://pypi.org/simple".into()),
                wheels: vec![
                    file("charset_normalizer-3.4.0-py3-none-any.whl", 'b'),
                    file(
                        "charset_normalizer-3.4.0-cp312-cp312-manylinux_2_17_x86_64.whl",
                        'a',
                    ),
                ],
                sdist: None,
                directory: None,
            },
            LockedPackage {
                name: "anyio".into(),
                version: "4.6.2".into(),
                marker: None,
                requires_python: Some(">=3.9".into()),
                dependencies: vec!["sniffio".into(), "idna".into()],
                index: Some("https://pypi.org/simple".into()),
                wheels: vec![file("anyio-4.6.2-py3-none-any.whl", 'c')],
                sdist: Some(LockedFile {
                    upload_time: None,
                    size: None,
                    ..file("anyio-4.6.2.tar.gz", 'd')
                }),
                directory: None,
            },
        ],
        tool: FenvTool {
            targets: vec!["host".into(), "lambda (python3.12, x86_64)".into()],
            inputs_hash: "e".repeat(64),
            inputs: vec!["dependency anyio>=4".into(), "target host".into()],
            default_groups: None,
            options: crate::lock::Options::default(),
        },
    }
}

#[test]
fn renders_in_the_spec_order() {
    insta::assert_snapshot!(render(&sample()), @r#"
    lock-version = "1.0"
    environments = [
        "sys_platform == 'darwin' and platform_machine == 'arm64' and python_version == '3.12'",
        "sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '3.12'",
    ]
    requires-python = ">=3.10"
    extras = ["fast"]
    dependency-groups = ["dev", "test"]
    default-groups = ["default"]
    created-by = "fenv"

    [[packages]]
    name = "anyio"
    version = "4.6.2"
    requires-python = ">=3.9"
    dependencies = [
        { name = "idna" },
        { name = "sniffio" },
    ]
    index = "https://pypi.org/simple"

    [packages.sdist]
    name = "anyio-4.6.2.tar.gz"
    url = "https://files.example/packages/anyio-4.6.2.tar.gz"
    hashes = { sha256 = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" }

    [[packages.wheels]]
    name = "anyio-4.6.2-py3-none-any.whl"
    upload-time = 2024-09-17T15:59:51Z
    url = "https://files.example/packages/anyio-4.6.2-py3-none-any.whl"
    size = 1234
    hashes = { sha256 = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" }

    [[packages]]
    name = "charset-normalizer"
    version = "3.4.0"
    marker = "'default' in dependency_groups"
    requires-python = ">=3.7"
    index = "https://pypi.org/simple"

    [[packages.wheels]]
    name = "charset_normalizer-3.4.0-cp312-cp312-manylinux_2_17_x86_64.whl"
    upload-time = 2024-09-17T15:59:51Z
    url = "https://files.example/packages/charset_normalizer-3.4.0-cp312-cp312-manylinux_2_17_x86_64.whl"
    size = 1234
    hashes = { sha256 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }

    [[packages.wheels]]
    name = "charset_normalizer-3.4.0-py3-none-any.whl"
    upload-time = 2024-09-17T15:59:51Z
    url = "https://files.example/packages/charset_normalizer-3.4.0-py3-none-any.whl"
    size = 1234
    hashes = { sha256 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" }

    [tool.fenv]
    targets = [
        "host",
        "lambda (python3.12, x86_64)",
    ]
    inputs-hash = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
    inputs = [
        "dependency anyio>=4",
        "target host",
    ]
    "#);
}

#[test]
fn render_parse_render_is_byte_identical() {
    let first = render(&sample());
    let parsed = parse(&first, Path::new("pylock.toml")).unwrap();
    assert_eq!(render(&parsed), first);
    // Reading normalizes, so a second round changes nothing at all.
    assert_eq!(parse(&render(&parsed), Path::new("pylock.toml")).unwrap(), parsed);
}

#[test]
fn render_ignores_input_order() {
    let mut shuffled = sample();
    shuffled.packages.reverse();
    for package in &mut shuffled.packages {
        package.wheels.reverse();
        package.dependencies.reverse();
    }
    shuffled.dependency_groups.reverse();
    assert_eq!(render(&shuffled), render(&sample()));
}

#[test]
fn empty_lock_round_trips() {
    let text = render(&Lock::default());
    insta::assert_snapshot!(text, @r#"
    lock-version = "1.0"
    extras = []
    dependency-groups = []
    default-groups = []
    created-by = "fenv"
    packages = []

    [tool.fenv]
    targets = []
    inputs-hash = ""
    "#);
    assert_eq!(parse(&text, Path::new("pylock.toml")).unwrap(), Lock::default());
}

#[test]
fn upload_time_is_a_toml_datetime() {
    let value: toml::Table = toml::from_str(&render(&sample())).unwrap();
    let wheel = &value["packages"][0]["wheels"][0];
    assert!(
        matches!(wheel["upload-time"], toml::Value::Datetime(_)),
        "{wheel:?}"
    );
    assert!(matches!(wheel["hashes"]["sha256"], toml::Value::String(_)));
}

/// The example lock of PEP 751, in the shape uv writes it:
/// inline wheel tables without `name`, offsets in upload times, keys fenv
/// does not know.
const UV_LOCK: &str = r#"
# This file was autogenerated by uv via the following command:
#    uv pip compile req.in --format pylock.toml -o pylock.toml
lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.12"

[[packages]]
name = "charset-normalizer"
version = "3.5.3"
index = "https://pypi.org/simple"
sdist = { url = "https://files.example/packages/charset_normalizer-3.5.3.tar.gz", upload-time = 2026-11-23T02:40:00Z, size = 100000, hashes = { sha256 = "0000000000000000000000000000000000000000000000000000000000000000" } }
wheels = [
    { url = "https://files.example/packages/67/92/charset_normalizer-3.5.3-cp312-cp312-manylinux1_x86_64.manylinux_2_28_x86_64.manylinux_2_5_x86_64.whl", upload-time = 2026-11-23T02:43:57Z, size = 257134, hashes = { sha256 = "E5E4785D8A0ADEADFBDF75F4EFC357911842674651CBAFD7E97F69B11EC3CBC6" } },
    { url = "https://files.example/packages/d2/0d/charset_normalizer-3.5.3-py3-none-any.whl", upload-time = 2026-11-23T04:46:50+02:00, size = 68878, hashes = { sha256 = "96e268b0cbda016ac519513294fcd17032264085b600abaac58b93049477e132", md5 = "00" } },
]

[[packages]]
name = "click"
version = "8.1.7"
marker = "sys_platform != 'emscripten'"
wheels = [{ url = "https://files.example/packages/00/2e/click-8.1.7-py3-none-any.whl", upload-time = 2023-08-17T17:29:10.123456Z, size = 97941, hashes = { sha256 = "ae74fb96c20a0277a1d615f1e4d73c8414f5a98db8b799a7931d1582f3390c28" } }]

[[packages.attestation-identities]]
kind = "GitHub"
repository = "pallets/click"

[tool.uv]
something = true
"#;

#[test]
fn reads_a_uv_lock() {
    let lock = parse(UV_LOCK, Path::new("pylock.toml")).unwrap();
    assert_eq!(lock.requires_python.as_deref(), Some(">=3.12"));
    assert_eq!(lock.tool, FenvTool::default());
    assert_eq!(lock.packages.len(), 2);
    let charset = &lock.packages[0];
    assert_eq!(charset.wheels.len(), 2);
    assert_eq!(
        charset.wheels[0].name,
        "charset_normalizer-3.5.3-cp312-cp312-manylinux1_x86_64.manylinux_2_28_x86_64.manylinux_2_5_x86_64.whl"
    );
    assert_eq!(
        charset.wheels[0].sha256,
        "e5e4785d8a0adeadfbdf75f4efc357911842674651cbafd7e97f69b11ec3cbc6"
    );
    assert_eq!(
        charset.wheels[1].upload_time.as_deref(),
        Some("2026-11-23T02:46:50Z")
    );
    assert_eq!(
        charset.sdist.as_ref().map(|s| s.name.as_str()),
        Some("charset_normalizer-3.5.3.tar.gz")
    );
    let click = &lock.packages[1];
    assert_eq!(click.marker.as_deref(), Some("sys_platform != 'emscripten'"));
    assert_eq!(
        click.wheels[0].upload_time.as_deref(),
        Some("2023-08-17T17:29:10.123456Z")
    );
    // What fenv reads, it writes back the same way every time.
    let text = render(&lock);
    assert_eq!(render(&parse(&text, Path::new("pylock.toml")).unwrap()), text);
}

#[test]
fn reads_a_pip_lock() {
    let text = r#"
lock-version = "1.0"
created-by = "pip"

[[packages]]
name = "six"
version = "1.16.0"

[[packages.wheels]]
name = "six-1.16.0-py2.py3-none-any.whl"
url = "https://files.example/packages/six-1.16.0-py2.py3-none-any.whl"

[packages.wheels.hashes]
sha256 = "8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254"
"#;
    let lock = parse(text, Path::new("pylock.toml")).unwrap();
    assert_eq!(lock.packages[0].name, "six");
    assert_eq!(lock.packages[0].wheels[0].size, None);
    assert_eq!(lock.packages[0].wheels[0].upload_time, None);
}

fn error(text: &str) -> String {
    parse(text, Path::new("pylock.toml")).unwrap_err().to_string()
}

#[test]
fn errors_name_the_line() {
    let header = "lock-version = \"1.0\"\ncreated-by = \"x\"\n";
    assert_eq!(
        error(&format!("{header}[[packages]]\nname = \"a\"\nversion = 1.0\n")),
        "`pylock.toml` line 5: invalid type: floating point `1.0`, expected a string"
    );
    assert_eq!(
        error("lock-version = \"1.0\"\n\nname = [\n"),
        "`pylock.toml` line 3: unclosed array, expected `]`"
    );
    assert_eq!(
        error("created-by = \"x\"\nlock-version = \"2.0\"\n"),
        "`pylock.toml` line 2: lock-version `2.0` is not one fenv can read (it reads 1.x)"
    );
    assert_eq!(
        error(&format!("{header}\n[[packages]]\nversion = \"1\"\n")),
        "`pylock.toml` line 4: missing field `name`"
    );
    assert_eq!(
        error("created-by = \"x\"\n"),
        "`pylock.toml` line 1: `lock-version` is missing; this is not a PEP 751 lock"
    );
    assert_eq!(
        error(&format!(
            "{header}\n[[packages]]\nname = \"a\"\nversion = \"1\"\n\n[[packages.wheels]]\nname = \"a-1-py3-none-any.whl\"\nurl = \"https://x/a-1-py3-none-any.whl\"\nhashes = {{ sha256 = \"abc\" }}\n"
        )),
        "`pylock.toml` line 11: the sha256 of `a-1-py3-none-any.whl` is not 64 hex digits"
    );
    assert_eq!(
        error(&format!(
            "{header}\n[[packages]]\nname = \"a\"\nversion = \"1\"\nwheels = [{{ url = \"https://x/a-1-py3-none-any.whl\", hashes = {{ md5 = \"00\" }} }}]\n"
        )),
        "`pylock.toml` line 7: `a-1-py3-none-any.whl` has no sha256 hash; fenv checks every file with one"
    );
    assert_eq!(
        error(&format!(
            "{header}\n[[packages]]\nname = \"a\"\n\n[packages.vcs]\ntype = \"git\"\nurl = \"https://x/a.git\"\ncommit-id = \"abc\"\n"
        )),
        "`pylock.toml` line 7: package `a` comes from a `vcs` source, which fenv does not support yet"
    );
    assert_eq!(
        error(&format!(
            "{header}\n[[packages]]\nname = \"a\"\nversion = \"1\"\nwheels = [{{ name = \"a-1-py3-none-any.whl\", hashes = {{ sha256 = \"{}\" }} }}]\n",
            "0".repeat(64)
        )),
        "`pylock.toml` line 7: a file of `a` has neither `url` nor `path`"
    );
}

#[test]
fn hash_file_hashes_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pylock.toml");
    fs_err::write(&path, "abc").unwrap();
    assert_eq!(
        hash_file(&path).unwrap(),
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert!(hash_file(&dir.path().join("missing")).is_err());
    assert_eq!(
        crate::project::lock_path(dir.path()),
        dir.path().join("pylock.toml")
    );
}

#[test]
fn a_relative_path_is_read_from_the_locks_folder_and_written_back_as_it_was() {
    let text = format!(
        r#"lock-version = "1.0"
created-by = "fenv"

[[packages]]
name = "a"
version = "1.0"

[[packages.wheels]]
name = "a-1.0-py3-none-any.whl"
path = "wheels/a-1.0-py3-none-any.whl"
hashes = {{ sha256 = "{}" }}
"#,
        "a".repeat(64)
    );
    let lock = crate::lock::parse(&text, std::path::Path::new("/checkout/pylock.toml")).unwrap();
    let wheel = &lock.packages[0].wheels[0];
    assert_eq!(wheel.url, "file:///checkout/wheels/a-1.0-py3-none-any.whl");
    assert_eq!(wheel.path.as_deref(), Some("wheels/a-1.0-py3-none-any.whl"));
    let written = crate::lock::render(&lock);
    assert!(
        written.contains("path = \"wheels/a-1.0-py3-none-any.whl\"\n"),
        "{written}"
    );
    assert!(!written.contains("file://"), "{written}");
}

#[test]
fn a_directory_package_is_read_from_the_locks_folder_and_round_trips() {
    let text = r#"lock-version = "1.0"
created-by = "fenv"

[[packages]]
name = "utils"
version = "1.0"

[packages.directory]
path = "../shared/utils"
editable = true
"#;
    let lock = crate::lock::parse(text, Path::new("/repo/app/pylock.toml")).unwrap();
    let directory = lock.packages[0].directory.as_ref().unwrap();
    assert_eq!(directory.path, "../shared/utils");
    assert_eq!(directory.dir, Path::new("/repo/shared/utils"));
    assert!(directory.editable);
    assert!(crate::lock::render(&lock).contains(
        "[[packages]]\nname = \"utils\"\nversion = \"1.0\"\n\n[packages.directory]\npath = \"../shared/utils\"\neditable = true\n"
    ));
    // PEP 751 lets a source tree leave its version out.
    let unversioned = text.replace("\"utils\"\nversion = \"1.0\"\n", "\"utils\"\n");
    assert_eq!(
        crate::lock::parse(&unversioned, Path::new("/repo/app/pylock.toml"))
            .unwrap()
            .packages[0]
            .version,
        ""
    );
}

#[test]
fn a_hostile_directory_is_refused() {
    let header =
        "lock-version = \"1.0\"\ncreated-by = \"x\"\n\n[[packages]]\nname = \"a\"\nversion = \"1\"\n";
    assert_eq!(
        error(&format!("{header}\n[packages.directory]\npath = \"/etc\"\n")),
        "`pylock.toml` line 8: the directory of `a`: `path = \"/etc\"` is not relative to the project"
    );
    assert_eq!(
        error(&format!(
            "{header}\n[packages.directory]\npath = \"C:\\\\Windows\"\n"
        )),
        "`pylock.toml` line 8: the directory of `a`: `path = \"C:\\Windows\"` is not relative to the project"
    );
    assert_eq!(
        error(&format!(
            "{header}\n[packages.directory]\npath = \"lib\"\nsubdirectory = \"x\"\n"
        )),
        "`pylock.toml` line 8: the directory of `a` has a `subdirectory`, which fenv does not support yet"
    );
    assert_eq!(
        error(&format!(
            "{header}wheels = [{{ url = \"https://x/a-1-py3-none-any.whl\", hashes = {{ sha256 = \"{}\" }} }}]\n\n[packages.directory]\npath = \"lib\"\n",
            "0".repeat(64)
        )),
        "`pylock.toml` line 4: package `a` has a `directory` and files; PEP 751 allows one source"
    );
}
