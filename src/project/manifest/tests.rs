use std::path::Path;

use super::*;

/// A project folder with `files` written into it.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = dir.path().join(name);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, content).unwrap();
    }
    dir
}

fn load_files(files: &[(&str, &str)]) -> Result<Manifest, Error> {
    let dir = project(files);
    load(dir.path())
}

/// The error for `files`, with the temporary folder cut out.
fn error(files: &[(&str, &str)]) -> String {
    let dir = project(files);
    let err = load(dir.path()).unwrap_err();
    let prefix = format!("{}/", dir.path().display());
    err.to_string().replace(&prefix, "")
}

fn strings(requirements: &[Requirement]) -> Vec<String> {
    requirements.iter().map(ToString::to_string).collect()
}

const PYPROJECT: &str = r#"
[project]
name = "weather-api"
requires-python = "~=3.12.0"
dependencies = [
    "httpx>=0.27",
    "boto3 ; sys_platform == 'linux'",
]

[project.optional-dependencies]
Fast_API = ["fastapi>=0.110"]

[dependency-groups]
lint = ["ruff"]
Test = ["pytest>=8", { include-group = "lint" }]

[tool.fenv]
targets = ["lambda", "vercel", "edge"]
index-url = "https://user:secret@example.org/simple"
find-links = ["wheels"]
exclude-newer = "2025-01-31T12:00:00+01:00"
python = "3.12"

[tool.fenv.target.lambda]
arch = "arm64"

[tool.fenv.target.edge]
python = "3.12"
platform = "manylinux_2_28_aarch64"

[tool.fenv.functions.forecast]
path = "api/forecast.py"
dependencies = ["pydantic>=2.7"]
"#;

#[test]
fn reads_a_pyproject() {
    let dir = project(&[("pyproject.toml", PYPROJECT), ("api/x/.keep", "")]);
    let manifest = load(&dir.path().join("api/x")).unwrap();
    assert_eq!(manifest.root, dir.path());
    assert_eq!(manifest.file, dir.path().join("pyproject.toml"));
    assert_eq!(manifest.name.as_deref(), Some("weather-api"));
    assert_eq!(manifest.requires_python.as_ref().unwrap().to_string(), "~=3.12.0");
    assert_eq!(
        strings(&manifest.dependencies),
        ["httpx>=0.27", "boto3 ; sys_platform == 'linux'"]
    );
    assert_eq!(
        manifest.optional_dependencies.keys().collect::<Vec<_>>(),
        ["fast-api"]
    );
    assert_eq!(strings(&manifest.groups["test"]), ["pytest>=8", "ruff"]);
    assert_eq!(strings(&manifest.groups["lint"]), ["ruff"]);

    let settings = &manifest.settings;
    let targets: Vec<String> = settings.targets.iter().map(ToString::to_string).collect();
    assert_eq!(
        targets,
        [
            "host",
            "lambda (python3.12, arm64)",
            "vercel (python3.12)",
            "edge (python3.12, manylinux_2_28_aarch64)"
        ]
    );
    assert_eq!(
        settings.index_url.as_deref(),
        Some("https://user:secret@example.org/simple")
    );
    assert_eq!(settings.find_links, [dir.path().join("wheels")]);
    assert_eq!(settings.exclude_newer.as_deref(), Some("2025-01-31T11:00:00Z"));
    assert_eq!(settings.python.as_deref(), Some("3.12"));
    assert_eq!(
        strings(&settings.functions["forecast"].dependencies),
        ["pydantic>=2.7"]
    );
    assert_eq!(
        settings.functions["forecast"].path.as_deref(),
        Some(Path::new("api/forecast.py"))
    );
    assert!(settings.only_binary);
}

#[test]
fn targets_default_from_the_project() {
    let manifest = load_files(&[
        (
            "pyproject.toml",
            "[project]\nrequires-python = \">=3.11,<3.12\"\n[tool.fenv]\ntargets = [\"vercel\", \"lambda\", \"host\", \"lambda\"]\n",
        ),
        (".python-version", "3.13\n"),
    ])
    .unwrap();
    assert_eq!(
        manifest.settings.targets,
        [
            TargetSpec::Host,
            TargetSpec::Vercel {
                python: Some((3, 13))
            },
            TargetSpec::Lambda {
                runtime: (3, 11),
                arch: Arch::X86_64
            },
        ]
    );
    let manifest = load_files(&[
        ("fenv.toml", "targets = [\"vercel\"]\n"),
        (".python-version", "# pinned\ncpython@3.14\n"),
    ])
    .unwrap();
    assert_eq!(
        manifest.settings.targets[1],
        TargetSpec::Vercel {
            python: Some((3, 14))
        }
    );

    // No [tool.fenv]: the host only, and `--target` still reaches the rest.
    let manifest = load_files(&[("pyproject.toml", "[project]\nname = \"a\"\n")]).unwrap();
    assert_eq!(manifest.settings.targets, [TargetSpec::Host]);
    let settings = &manifest.settings;
    assert_eq!(TargetSpec::parse_cli("host", settings).unwrap(), TargetSpec::Host);
    assert_eq!(
        TargetSpec::parse_cli("lambda", settings).unwrap().to_string(),
        "lambda (python3.12, x86_64)"
    );
    assert_eq!(
        TargetSpec::parse_cli("vercel", settings).unwrap().python(),
        Some((3, 12))
    );
    insta::assert_snapshot!(
        TargetSpec::parse_cli("edge", settings).unwrap_err(),
        @"unknown target `edge`; the project knows host, lambda, vercel"
    );
}

#[test]
fn cli_targets_use_the_tables() {
    let manifest = load_files(&[("pyproject.toml", PYPROJECT)]).unwrap();
    let settings = &manifest.settings;
    assert_eq!(
        TargetSpec::parse_cli("lambda", settings).unwrap().to_string(),
        "lambda (python3.12, arm64)"
    );
    assert_eq!(
        TargetSpec::parse_cli("edge", settings).unwrap().to_string(),
        "edge (python3.12, manylinux_2_28_aarch64)"
    );
    let err = TargetSpec::parse_cli("gcf", settings).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown target `gcf`; the project knows host, lambda, vercel, edge"
    );
    assert_eq!(
        err.hint().unwrap(),
        "define `[tool.fenv.target.gcf]` with `python` and `platform`, or use host, lambda or vercel"
    );
}

#[test]
fn pyproject_errors_name_the_line() {
    let cases: &[(&str, &str)] = &[
        (
            "[project]\ndependencies = [\n  \"httpx>=0.27\",\n  \"boto3 >>= 1\",\n]\n",
            "`pyproject.toml` line 4: `boto3 >>= 1` is not a valid requirement: no such comparison operator \">>=\", must be one of ~= == != <= >= < > ===",
        ),
        (
            "[project]\ndependencies = [\"six @ https://example.org/six.whl\"]\n",
            "`pyproject.toml` line 2: `six @ https://example.org/six.whl`: direct URL requirements are not supported yet",
        ),
        (
            "[project]\nrequires-python = \">=3.x\"\n",
            "`pyproject.toml` line 2: `requires-python = \">=3.x\"` is not valid: Failed to parse version: after parsing `3`, found `.x`, which is not part of a valid version",
        ),
        (
            "[project\nname = 1\n",
            "`pyproject.toml` line 1: unclosed table, expected `]`",
        ),
        (
            "[project]\n\n[tool.fenv]\ntargets = [\"host\"]\nindex_url = \"x\"\n",
            "`pyproject.toml` line 5: unknown field `index_url`, expected one of `targets`, `environments`, `target`, `index-url`, `extra-index-urls`, `find-links`, `exclude-newer`, `python`, `env`, `lock`, `functions`, `functions-dir`, `only-binary`, `env-files`, `default-groups`, `sources`, `requires-python`",
        ),
        (
            "[project]\n[tool.fenv]\ntargets = [\"lambda\"]\n[tool.fenv.target.lambda]\nruntime = \"python3.9\"\n",
            "`pyproject.toml` line 5: AWS Lambda does not offer Python 3.9 (it offers 3.10 to 3.14)",
        ),
        (
            "[project]\nrequires-python = \">=3.13\"\n[tool.fenv.target.lambda]\nruntime = \"python3.12\"\n",
            "`pyproject.toml` line 4: Python 3.12 is outside the project's requires-python `>=3.13`",
        ),
        (
            "[project]\n[tool.fenv.target.lambda]\narch = \"ppc\"\n",
            "`pyproject.toml` line 3: `arch = \"ppc\"` is not `x86_64` or `arm64`",
        ),
        (
            "[project]\n[tool.fenv.target.lambda]\nglibc = \"2.17\"\n",
            "`pyproject.toml` line 3: `glibc` is not supported yet",
        ),
        (
            "[project]\n[tool.fenv.target.vercel]\npython = \"3.11\"\n",
            "`pyproject.toml` line 3: Vercel does not offer Python 3.11 (it offers 3.12 to 3.14)",
        ),
        (
            "[project]\n\n[tool.fenv.target.edge]\npython = \"3.12\"\n",
            "`pyproject.toml` line 3: `[tool.fenv.target.edge]` has no `platform`",
        ),
        (
            "[project]\n[tool.fenv.target.edge]\npython = \"3.12\"\nplatform = \"freebsd_amd64\"\n",
            "`pyproject.toml` line 4: `freebsd_amd64` is not a wheel platform tag",
        ),
        (
            "[project]\n[tool.fenv]\ntargets = [\n  \"host\",\n  \"gcf\",\n]\n",
            "`pyproject.toml` line 5: the target `gcf` has no `[tool.fenv.target.gcf]` table",
        ),
        (
            "[project]\nrequires-python = \"==3.9.*\"\n[tool.fenv]\ntargets = [\"lambda\"]\n",
            "`pyproject.toml` line 4: the target `lambda` cannot be used: requires-python `==3.9.*` allows no Python that AWS Lambda offers (python3.10 to python3.14)",
        ),
        (
            "[project]\n[tool.fenv]\nexclude-newer = \"last week\"\n",
            "`pyproject.toml` line 3: `exclude-newer` is not a date or an RFC 3339 timestamp with a time zone",
        ),
        (
            "[project]\n[tool.fenv]\nextra-index-urls = [\"https://x\"]\n",
            "`pyproject.toml` line 3: `extra-index-urls` is not supported yet",
        ),
        (
            "[project]\ndynamic = [\"dependencies\"]\n",
            "`pyproject.toml` line 2: dynamic `dependencies` are not supported yet",
        ),
        (
            "[project]\n[tool.fenv.functions.forecast]\ndependencies = [\n\"pydantic>=2\",\n\"?\",\n]\n",
            "`pyproject.toml` line 5: `?` is not a valid requirement: Expected package name starting with an alphanumeric character, found `?`",
        ),
        (
            "[project.optional-dependencies]\nfast = []\nFAST = []\n",
            "`pyproject.toml` line 3: the extra `fast` is defined twice",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(error(&[("pyproject.toml", text)]), *expected, "{text}");
    }
}

#[test]
fn dependency_groups_expand_and_refuse_cycles() {
    let groups = |text: &str| load_files(&[("pyproject.toml", text)]).map(|m| m.groups);
    let expanded = groups(
        "[dependency-groups]\na = [\"x\", { include-group = \"B-X\" }]\nb_x = [\"y\", {include-group = \"c\"}]\nc = [\"z\"]\nempty = []\n",
    )
    .unwrap();
    assert_eq!(strings(&expanded["a"]), ["x", "y", "z"]);
    assert!(expanded["empty"].is_empty());

    assert_eq!(
        error(&[(
            "pyproject.toml",
            "[dependency-groups]\na = [{ include-group = \"b\" }]\nb = [\n  \"x\",\n  { include-group = \"a\" },\n]\n"
        )]),
        "`pyproject.toml` line 5: the dependency groups include each other: a -> b -> a"
    );
    assert_eq!(
        error(&[(
            "pyproject.toml",
            "[dependency-groups]\na = [{ include-group = \"nope\" }]\n"
        )]),
        "`pyproject.toml` line 2: the dependency group `nope` does not exist"
    );
    assert_eq!(
        error(&[(
            "pyproject.toml",
            "[dependency-groups]\na = [{ include = \"b\" }]\n"
        )]),
        "`pyproject.toml` line 2: an entry of the dependency group `a` must be a requirement string or `{ include-group = \"name\" }`"
    );
}

#[test]
fn reads_requirements_files() {
    let manifest = load_files(&[
        (
            "requirements.in",
            "# the app\n-r base.in\n-c constraints.txt\nhttpx[http2] >= 0.27 ; python_version >= '3.10'  # inline\n\
             requests \\\n  >=2.31 \\\n  ,<3\n\n--index-url https://example.org/simple\n-f ./wheels\n",
        ),
        ("base.in", "six==1.16.0\n"),
        ("constraints.txt", "urllib3<2\n-r more-constraints.txt\n"),
        ("more-constraints.txt", "idna<4\n"),
        ("requirements.txt", "ignored==1\n"),
    ])
    .unwrap();
    assert!(manifest.file.ends_with("requirements.in"));
    assert_eq!(
        strings(&manifest.dependencies),
        [
            "six==1.16.0",
            "httpx[http2]>=0.27 ; python_full_version >= '3.10'",
            "requests>=2.31,<3"
        ]
    );
    assert_eq!(strings(&manifest.constraints), ["urllib3<2", "idna<4"]);
    assert_eq!(
        manifest.settings.index_url.as_deref(),
        Some("https://example.org/simple")
    );
    assert_eq!(manifest.settings.find_links, [manifest.root.join("wheels")]);
    assert_eq!(manifest.settings.targets, [TargetSpec::Host]);
}

#[test]
fn requirements_errors_name_file_and_line() {
    let cases: &[(&str, &str)] = &[
        (
            "six\n-e ./local\n",
            "`requirements.txt` line 2: editable requirements (`-e`) are not supported yet",
        ),
        (
            "six\n\n./local/pkg\n",
            "`requirements.txt` line 3: `./local/pkg`: URL and path requirements are not supported yet",
        ),
        (
            "six==1.16.0 \\\n    --hash=sha256:8abb\n",
            "`requirements.txt` line 1: per-requirement options such as `--hash=sha256:8abb` are not supported yet",
        ),
        (
            "--pre\n",
            "`requirements.txt` line 1: the option `--pre` is not supported yet",
        ),
        ("-r\n", "`requirements.txt` line 1: `-r` needs a value"),
        (
            "six ==\n",
            "`requirements.txt` line 1: `six ==` is not a valid requirement: Unexpected end of version specifier, expected version",
        ),
        (
            "-r missing.txt\n",
            "`requirements.txt` line 1: cannot read `missing.txt`: No such file or directory (os error 2)",
        ),
        (
            "${HOME}/x\n",
            "`requirements.txt` line 1: environment variables (`${...}`) are not supported yet",
        ),
        (
            "-f https://example.org/wheels\n",
            "`requirements.txt` line 1: `-f https://example.org/wheels`: find-links URLs are not supported yet, only folders",
        ),
    ];
    for (text, expected) in cases {
        let dir = project(&[("requirements.txt", text)]);
        let err = load(dir.path()).unwrap_err().to_string();
        let err = err.replace(&format!("{}/", dir.path().display()), "");
        assert_eq!(err, *expected, "{text}");
    }

    assert_eq!(
        error(&[
            ("requirements.txt", "-r a.txt\n"),
            ("a.txt", "six\n-r requirements.txt\n")
        ]),
        "`a.txt` line 2: `requirements.txt` includes itself (through `-r requirements.txt`)"
    );
    assert_eq!(
        error(&[
            ("requirements.txt", "-c c.txt\n"),
            ("c.txt", "\nhttpx[http2]<1\n")
        ]),
        "`c.txt` line 2: the constraint `httpx[http2]<1` names extras, which constraints cannot"
    );
}

#[test]
fn the_nearest_folder_with_a_manifest_wins() {
    let dir = project(&[
        ("pyproject.toml", "[project]\ndependencies = [\"outer\"]\n"),
        ("fn/requirements.txt", "inner\n"),
        ("fn/deep/.keep", ""),
    ]);
    let manifest = load(&dir.path().join("fn/deep")).unwrap();
    assert_eq!(manifest.root, dir.path().join("fn"));
    assert_eq!(strings(&manifest.dependencies), ["inner"]);

    // In one folder: pyproject.toml, then fenv.toml, then requirements.in.
    let manifest = load_files(&[
        ("pyproject.toml", "[project]\ndependencies = [\"a\"]\n"),
        ("requirements.txt", "b\n"),
    ])
    .unwrap();
    assert_eq!(strings(&manifest.dependencies), ["a"]);

    let empty = tempfile::tempdir().unwrap();
    let err = load(empty.path()).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
}

#[test]
fn settings_files_take_requirements_from_beside_them() {
    // fenv.toml holds the settings, requirements.in the requirements.
    let manifest = load_files(&[
        (
            "fenv.toml",
            "requires-python = \"~=3.11.0\"\ntargets = [\"lambda\"]\nfunctions = \"handlers\"\n",
        ),
        ("requirements.in", "httpx\n"),
    ])
    .unwrap();
    assert!(manifest.file.ends_with("fenv.toml"));
    assert_eq!(strings(&manifest.dependencies), ["httpx"]);
    assert_eq!(manifest.requires_python.as_ref().unwrap().to_string(), "~=3.11.0");
    assert_eq!(
        manifest.settings.targets[1].to_string(),
        "lambda (python3.11, x86_64)"
    );
    assert_eq!(
        manifest.settings.functions_dir,
        Some(manifest.root.join("handlers"))
    );

    // A pyproject that only configures tools does the same.
    let manifest = load_files(&[
        (
            "pyproject.toml",
            "[tool.black]\nline-length = 100\n\n[tool.fenv]\ntargets = [\"vercel\"]\n",
        ),
        ("requirements.txt", "flask\n"),
    ])
    .unwrap();
    assert!(manifest.file.ends_with("pyproject.toml"));
    assert_eq!(strings(&manifest.dependencies), ["flask"]);
    assert_eq!(manifest.settings.targets.len(), 2);

    // With [project], fenv.toml may still hold the settings.
    let manifest = load_files(&[
        ("pyproject.toml", "[project]\nrequires-python = \"~=3.13.0\"\n"),
        ("fenv.toml", "targets = [\"lambda\"]\n"),
    ])
    .unwrap();
    assert_eq!(
        manifest.settings.targets[1].to_string(),
        "lambda (python3.13, x86_64)"
    );

    assert_eq!(
        error(&[
            ("pyproject.toml", "[project]\n\n[tool.fenv]\n"),
            ("fenv.toml", "")
        ]),
        "`pyproject.toml` line 3: `[tool.fenv]` and `fenv.toml` both hold fenv's settings"
    );
    assert_eq!(
        error(&[("fenv.toml", "[target.edge]\npython = \"3.12\"\n")]),
        "`fenv.toml` line 1: `[target.edge]` has no `platform`"
    );
    assert_eq!(
        error(&[("fenv.toml", "targets = [\"host\"]\nruntime = \"python3.12\"\n")]),
        "`fenv.toml` line 2: unknown field `runtime`, expected one of `targets`, `environments`, `target`, `index-url`, `extra-index-urls`, `find-links`, `exclude-newer`, `python`, `env`, `lock`, `functions`, `functions-dir`, `only-binary`, `env-files`, `default-groups`, `sources`, `requires-python`"
    );
    assert_eq!(
        error(&[
            ("fenv.toml", "index-url = \"https://a.example/simple\"\n"),
            ("requirements.txt", "\n-i https://b.example/simple\n"),
        ]),
        "`requirements.txt` line 2: `--index-url https://b.example/simple` disagrees with the settings' `index-url = \"https://a.example/simple\"`"
    );
}

#[test]
fn inputs_hash_follows_meaning_not_form() {
    let hash = |files: &[(&str, &str)], extra: &[&str]| load_files(files).unwrap().inputs_hash(extra);
    let base = hash(&[("pyproject.toml", PYPROJECT)], &["lambda"]);
    assert_eq!(base.len(), 64);

    // Same inputs elsewhere, reordered, reformatted, other credentials.
    let reordered = PYPROJECT
        .replace(
            "    \"httpx>=0.27\",\n    \"boto3 ; sys_platform == 'linux'\",\n",
            "\"boto3;sys_platform=='linux'\",\"httpx >= 0.27\",",
        )
        .replace("user:secret@", "other:token@");
    assert_eq!(hash(&[("pyproject.toml", &reordered)], &["lambda"]), base);
    assert_eq!(
        hash(&[("pyproject.toml", PYPROJECT), ("README.md", "x")], &["lambda"]),
        base
    );

    // Anything that changes resolution changes the hash.
    for changed in [
        PYPROJECT.replace("httpx>=0.27", "httpx>=0.28"),
        PYPROJECT.replace("lint = [\"ruff\"]", "lint = [\"ruff\", \"mypy\"]"),
        PYPROJECT.replace("arch = \"arm64\"", "arch = \"x86_64\""),
        PYPROJECT.replace("2025-01-31", "2025-02-01"),
        PYPROJECT.replace("example.org", "example.com"),
        PYPROJECT.replace("pydantic>=2.7", "pydantic>=2.8"),
        PYPROJECT.replace("~=3.12.0", ">=3.12,<3.13"),
    ] {
        assert_ne!(
            hash(&[("pyproject.toml", &changed)], &["lambda"]),
            base,
            "{changed}"
        );
    }
    assert_ne!(hash(&[("pyproject.toml", PYPROJECT)], &["vercel"]), base);
    let manifest = load_files(&[("pyproject.toml", PYPROJECT)]).unwrap();
    assert_eq!(
        manifest.inputs_hash(&["a", "b"]),
        manifest.inputs_hash(&["b", "a"])
    );
    assert_ne!(manifest.inputs_hash(&["a"]), manifest.inputs_hash(&["a", "b"]));
}

#[test]
fn inputs_are_readable_and_portable() {
    let manifest = load_files(&[("pyproject.toml", PYPROJECT)]).unwrap();
    insta::assert_snapshot!(manifest.inputs().join("\n"), @r"
    requires-python ~=3.12.0
    dependency boto3 ; sys_platform == 'linux'
    dependency httpx>=0.27
    extra fast-api
    extra fast-api: fastapi>=0.110
    group lint
    group lint: ruff
    group test
    group test: pytest>=8
    group test: ruff
    python 3.12
    function forecast: pydantic>=2.7
    environment linux
    environment linux-arm64
    environment macos
    environment macos-x86_64
    environment windows
    target host
    target lambda (python3.12, arm64)
    target vercel (python3.12)
    target edge (python3.12, manylinux_2_28_aarch64)
    index-url https://example.org/simple
    find-links wheels
    exclude-newer 2025-01-31T11:00:00Z
    ");
}

#[test]
fn errors_carry_hints() {
    use crate::error::Hint;
    let err = Error::invalid(Path::new("pyproject.toml"), 3, "`glibc` is not supported yet");
    assert_eq!(err.hints(), ["docs/lock-format.md lists the inputs fenv reads"]);
    let dir = project(&[("pyproject.toml", "[project]\ndependencies = [\"a >>= 1\"]\n")]);
    assert_eq!(
        load(dir.path()).unwrap_err().hints(),
        ["write a PEP 508 requirement such as `httpx>=0.27` or `boto3; extra == \"aws\"`"]
    );
}

#[test]
fn the_python_pinned_for_the_env_is_an_input() {
    let base = "[project]\nname = \"a\"\nversion = \"0\"\n";
    let inputs = |files: &[(&str, &str)]| load_files(files).unwrap().inputs();
    assert!(
        !inputs(&[("pyproject.toml", base)])
            .iter()
            .any(|l| l.starts_with("python"))
    );
    assert!(
        inputs(&[("pyproject.toml", base), (".python-version", "3.11\n")])
            .contains(&"python-version 3.11".to_string())
    );
    let pinned = format!("{base}\n[tool.fenv]\npython = \"3.13\"\n");
    assert!(inputs(&[("pyproject.toml", &pinned)]).contains(&"python 3.13".to_string()));
}

#[test]
fn tool_uv_is_read_or_refused_never_ignored() {
    let base = "[project]\nname = \"a\"\nversion = \"0\"\ndependencies = [\"utils\"]\n";
    let with = |uv: &str| load_files(&[("pyproject.toml", &format!("{base}{uv}"))]);
    let err = with("\n[tool.uv.sources]\nutils = { path = \"mylib\" }\n").unwrap_err();
    assert!(
        err.to_string().ends_with(
            "pyproject.toml` line 7: `[tool.uv.sources]` `utils`: `mylib` holds no `pyproject.toml` or `setup.py`"
        ),
        "{err}"
    );
    let err = with("\n[tool.uv.sources]\nutils = { path = \"/opt/mylib\" }\n").unwrap_err();
    assert!(
        err.to_string()
            .ends_with("`[tool.uv.sources]` `utils`: `path = \"/opt/mylib\"` is not relative to the project"),
        "{err}"
    );
    let err = with("\n[tool.uv]\noverride-dependencies = [\"b==1\"]\n").unwrap_err();
    assert!(
        err.to_string()
            .ends_with("pyproject.toml` line 7: fenv does not read `[tool.uv] override-dependencies`, which changes what is locked"),
        "{err}"
    );
    let err = with("\n[tool.uv.sources]\nutils = { git = \"https://example.org/utils.git\" }\n").unwrap_err();
    assert!(
        err.to_string()
            .contains("from the repository `https://example.org/utils.git`"),
        "{err}"
    );
    assert_eq!(
        crate::error::Hint::hints(&err),
        [
            "check the package out into a folder of the project and write `utils = { path = \"…\" }`, or build a wheel of it into a `[tool.fenv] find-links` folder"
        ]
    );

    // Read: constraints and exclude-newer; uv's own workings: left to uv.
    let manifest = with(
        "\n[tool.uv]\nconstraint-dependencies = [\"b<2\"]\nexclude-newer = \"2025-01-31T11:00:00Z\"\nlink-mode = \"copy\"\ncache-dir = \".cache\"\n",
    )
    .unwrap();
    let constraints: Vec<String> = manifest.constraints.iter().map(ToString::to_string).collect();
    assert_eq!(constraints, ["b<2"]);
    assert_eq!(
        manifest.settings.exclude_newer.as_deref(),
        Some("2025-01-31T11:00:00Z")
    );
    assert!(manifest.inputs().contains(&"constraint b<2".to_string()));
}

#[test]
fn path_sources_are_read_from_fenv_and_uv_and_are_inputs() {
    let base = "[project]\nname = \"a\"\nversion = \"0\"\ndependencies = [\"utils\", \"shared\"]\n";
    let lib = "[project]\nname = \"utils\"\nversion = \"1.0\"\n";
    let sources = "\n[tool.fenv.sources]\nutils = { path = \"./libs/utils/\", editable = true }\n\n[tool.uv.sources]\nutils = { path = \"elsewhere\" }\nShared = { path = \"libs/utils\" }\n";
    let dir = project(&[
        ("pyproject.toml", &format!("{base}{sources}")),
        ("libs/utils/pyproject.toml", lib),
        ("elsewhere/setup.py", ""),
    ]);
    let manifest = load(dir.path()).unwrap();
    let found: Vec<(String, String, bool)> = manifest
        .settings
        .sources
        .iter()
        .map(|(name, s)| (name.clone(), s.path.clone(), s.editable))
        .collect();
    // fenv's entry wins over uv's for the same name; uv's others are read.
    assert_eq!(
        found,
        [
            ("shared".to_string(), "libs/utils".to_string(), false),
            ("utils".to_string(), "libs/utils".to_string(), true),
        ]
    );
    let inputs = manifest.inputs();
    let lines: Vec<&String> = inputs.iter().filter(|l| l.starts_with("source ")).collect();
    assert_eq!(lines.len(), 2, "{inputs:?}");
    assert!(
        lines[1].starts_with("source utils path=libs/utils editable=true metadata="),
        "{lines:?}"
    );

    // The library's metadata is an input: a new dependency there makes the lock stale.
    let before = manifest.inputs_hash(&[]);
    fs_err::write(
        dir.path().join("libs/utils/pyproject.toml"),
        format!("{lib}dependencies = [\"idna\"]\n"),
    )
    .unwrap();
    assert_ne!(load(dir.path()).unwrap().inputs_hash(&[]), before);
}
