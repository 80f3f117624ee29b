//! Core metadata as fenv reads it, held against `packaging.metadata`, the
//! PyPA reference: every `METADATA` and `PKG-INFO` on the machine (each
//! CPython's site-packages and its bundled ensurepip wheels), the wheels the
//! tests build, and hand-made hard cases. For each file both must agree on
//! whether it is usable and, if it is, on `Metadata-Version`, `Name`,
//! `Version`, `Requires-Dist`, `Requires-Python`, `Provides-Extra` and
//! `Dynamic`.
//!
//! fenv's answers come from the real binary (`fenv debug metadata`),
//! packaging's from `parse_email` run by CPython 3.12. packaging keeps
//! values as the email parser gives them (folded lines and all); fenv
//! unfolds and trims them, so the script does the same before comparing.
//! A field fenv needs that packaging leaves unparsed (repeated where one is
//! allowed, or not UTF-8) makes the file unusable for both.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::{TestContext, all_pythons, pyenv_python, require, run_ok};
use crate::support::sdist::SdistBuilder;
use crate::support::tools;
use crate::support::wheel::WheelBuilder;

/// packaging's answer for each path read from stdin, one JSON line each.
const PACKAGING_ANSWERS: &str = r#"
import json, sys
from packaging.metadata import parse_email
from packaging.utils import canonicalize_name

NEEDED = {"metadata-version", "name", "version", "requires-dist",
          "requires-python", "provides-extra", "dynamic"}

def clean(value):
    return value.replace("\r", "").replace("\n", "").strip()

def single(raw, key):
    return clean(raw[key]) if key in raw else None

for path in sys.stdin.read().splitlines():
    with open(path, "rb") as f:
        raw, unparsed = parse_email(f.read())
    invalid = sorted({key.lower() for key in unparsed} & NEEDED)
    name, version = single(raw, "name"), single(raw, "version")
    if invalid or not name or not version:
        print(json.dumps({"file": path, "error": invalid or "no name or version"}))
        continue
    print(json.dumps({
        "file": path,
        "metadata_version": single(raw, "metadata_version"),
        "name": name,
        "version": version,
        "requires_dist": [clean(v) for v in raw.get("requires_dist", [])],
        "requires_python": single(raw, "requires_python"),
        "provides_extra": [canonicalize_name(clean(v)) for v in raw.get("provides_extra", [])],
        "dynamic": [clean(v).lower() for v in raw.get("dynamic", [])],
    }))
"#;

/// Lists, for one interpreter, the core metadata files of its
/// site-packages and the wheels ensurepip bundles (3.7+).
const LIST_FILES: &str = r#"
import glob, json, os, site, sys, sysconfig
dirs = set(site.getsitepackages()) | {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
files = []
for d in sorted(dirs):
    files += glob.glob(os.path.join(d, "*.dist-info", "METADATA"))
    files += glob.glob(os.path.join(d, "*.egg-info", "PKG-INFO"))
    files += [p for p in glob.glob(os.path.join(d, "*.egg-info")) if os.path.isfile(p)]
wheels = glob.glob(os.path.join(sysconfig.get_paths()["stdlib"], "ensurepip", "_bundled", "*.whl"))
print(json.dumps({"files": files, "wheels": wheels}))
"#;

/// Files made to break parsers that are not the email parser: each name
/// says what it holds.
fn hard_cases() -> Vec<(&'static str, Vec<u8>)> {
    let cases: Vec<(&str, &[u8])> = vec![
        (
            "license-with-blank-looking-lines",
            b"Metadata-Version: 2.1\nName: scipy\nVersion: 1.14.1\nLicense: Copyright (c) 2001\n         \n         All rights reserved.\n        \nRequires-Python: >=3.10\nRequires-Dist: numpy<2.3,>=1.23.5\nProvides-Extra: test\nRequires-Dist: pytest; extra == \"test\"\nDynamic: license\n\nThe body.\n",
        ),
        (
            "tab-continuations",
            b"Metadata-Version: 2.2\nName: a\nVersion: 1\nSummary: one\n\ttwo\n\t\nRequires-Python: >=3.8,\n\t<4\nRequires-Dist: b\n",
        ),
        (
            "crlf",
            b"Metadata-Version: 2.1\r\nName: a\r\nVersion: 1.0\r\nLicense: x\r\n   \r\n y\r\nRequires-Dist: b>=1\r\n\r\nbody\r\n",
        ),
        (
            "lone-cr",
            b"Metadata-Version: 2.1\rName: a\rVersion: 1\rRequires-Dist: b\r\rRequires-Dist: body\r",
        ),
        (
            "body-that-looks-like-headers",
            b"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Dist: b\n\nRequires-Dist: evil\nName: other\n",
        ),
        (
            "latin1-summary",
            b"Metadata-Version: 2.1\nName: a\nVersion: 1\nSummary: caf\xe9\nRequires-Dist: b\nProvides-Extra: x\n",
        ),
        (
            "latin1-requirement",
            b"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Dist: b\nRequires-Dist: caf\xe9\n",
        ),
        ("utf8-values", "Metadata-Version: 2.1\nName: a\nVersion: 1\nAuthor: José Ñúñez\nSummary: 日本語\nRequires-Dist: b\n".as_bytes()),
        ("two-names", b"Metadata-Version: 2.1\nName: a\nName: b\nVersion: 1\n"),
        ("two-names-in-two-cases", b"Metadata-Version: 2.1\nName: a\nname: a\nVersion: 1\n"),
        ("two-versions", b"Metadata-Version: 2.1\nName: a\nVersion: 1\nVersion: 2\n"),
        (
            "two-requires-python",
            b"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Python: >=3.8\nRequires-Python: >=3.9\n",
        ),
        (
            "two-metadata-versions",
            b"Metadata-Version: 2.1\nMetadata-Version: 2.2\nName: a\nVersion: 1\n",
        ),
        (
            "odd-case-names",
            b"METADATA-VERSION: 2.3\nname: a\nVERSION: 1\nrequires-dist: b\nRequires-Dist: c\nREQUIRES-DIST: d\nrequires-python: >=3.9\nprovides-extra: Foo_Bar.baz\nDYNAMIC: Requires-Dist\n",
        ),
        (
            "line-without-colon",
            b"Metadata-Version: 2.1\nName: a\nVersion: 1\nthis line has no colon\nRequires-Dist: lost\n",
        ),
        (
            "space-in-field-name",
            b"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires Dist: b\nRequires-Dist: lost\n",
        ),
        (
            "space-before-colon",
            b"Metadata-Version: 2.1\nName : a\nVersion: 1\n",
        ),
        (
            "envelope-lines",
            b"From someone\nMetadata-Version: 2.1\nName: a\nFrom the middle\nVersion: 1\nRequires-Dist: b\n",
        ),
        (
            "envelope-line-last",
            b"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Dist: b\nFrom the end\n\nbody\n",
        ),
        (
            "leading-continuation",
            b" orphan\nMetadata-Version: 2.1\nName: a\nVersion: 1\n",
        ),
        (
            "empty-field-name",
            b"Metadata-Version: 2.1\nName: a\n: nameless\n more\nVersion: 1\n",
        ),
        (
            "folded-description-and-body",
            b"Metadata-Version: 2.1\nName: a\nVersion: 1\nDescription: first\n        |\n        | second\nRequires-Dist: b\n\nThe long description.\n\nRequires-Dist: c\n",
        ),
        ("byte-order-mark", b"\xef\xbb\xbfMetadata-Version: 2.1\nName: a\nVersion: 1\n"),
        ("empty", b""),
        ("only-a-body", b"\nName: a\nVersion: 1\n"),
        (
            "folded-requirement",
            b"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Dist: b>=1,\n <2; python_version >= \"3.8\"\n",
        ),
        (
            "requires-python-on-the-next-line",
            b"Metadata-Version: 2.1\nName: a\nVersion: 1\nRequires-Python:\n >=3.8\n",
        ),
        (
            "encoded-word",
            b"Metadata-Version: 2.1\nName: =?utf-8?q?caf=C3=A9?=\nVersion: 1\n",
        ),
        (
            "trailing-whitespace",
            b"Metadata-Version: 2.1  \nName: a \t\nVersion:   1  \nRequires-Dist: b ; extra == 'x'  \n",
        ),
        ("empty-name", b"Metadata-Version: 2.1\nName:\nVersion: 1\n"),
        ("nul-in-a-value", b"Metadata-Version: 2.1\nName: a\nVersion: 1\nSummary: a\x00b\nRequires-Dist: b\n"),
        (
            "metadata-1.0-pkg-info",
            b"Metadata-Version: 1.0\nName: docopt\nVersion: 0.6.2\nSummary: Pythonic argument parser\nHome-page: http://docopt.org\nLicense: MIT\nDescription: ``docopt`` creates *beautiful* command-line interfaces\n        ======================================================\n        \n        Video introduction to **docopt**\nPlatform: UNKNOWN\nClassifier: Development Status :: 3 - Alpha\n",
        ),
        (
            "dynamic-after-a-fold",
            b"Metadata-Version: 2.2\nName: a\nVersion: 1\nLicense: MIT\n \n More\nDynamic: Requires-Dist\nDynamic: requires-python\n",
        ),
    ];
    let long = format!(
        "Metadata-Version: 2.1\nName: a\nVersion: 1\nSummary: {}\nRequires-Dist: b\n",
        "x".repeat(100_000)
    );
    let mut cases: Vec<(&str, Vec<u8>)> = cases.into_iter().map(|(n, b)| (n, b.to_vec())).collect();
    cases.push(("a-100-kB-line", long.into_bytes()));
    cases
}

/// `METADATA` of every wheel in `wheels`, written under `dir`.
fn extract_metadata(wheels: &[PathBuf], dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for wheel in wheels {
        let mut zip = zip::ZipArchive::new(fs_err::File::open(wheel).unwrap()).unwrap();
        let names: Vec<String> = zip.file_names().map(|name| name.unwrap().into_owned()).collect();
        for name in names.iter().filter(|n| n.ends_with(".dist-info/METADATA")) {
            let mut bytes = Vec::new();
            zip.by_name(name).unwrap().read_to_end(&mut bytes).unwrap();
            let stem = wheel.file_name().unwrap().to_string_lossy();
            let path = dir.join(format!("{stem}.METADATA"));
            fs_err::write(&path, bytes).unwrap();
            out.push(path);
        }
    }
    out
}

/// Runs `cmd` with `files` on stdin (one path a line) and returns its
/// JSON lines by file.
fn answers(cmd: &mut Command, files: &[PathBuf]) -> BTreeMap<String, serde_json::Value> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let list: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    child.stdin.take().unwrap().write_all(list.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            (value["file"].as_str().unwrap().to_string(), value)
        })
        .collect()
}

#[test]
fn every_metadata_file_reads_as_packaging_reads_it() {
    let Some(python) = require("pyenv CPython 3.12", pyenv_python("3.12")) else {
        return;
    };
    let Some(packaging) = require(
        "the packaging wheel (from the index, or cached by an earlier run)",
        tools::packaging_wheel(&python),
    ) else {
        return;
    };
    let ctx = TestContext::new();
    let scratch = ctx.root().join("metadata");
    fs_err::create_dir_all(&scratch).unwrap();

    // The machine's: every CPython's site-packages and ensurepip wheels.
    let mut files: Vec<PathBuf> = Vec::new();
    let mut installed = 0;
    for (label, interpreter) in all_pythons() {
        let listed: serde_json::Value =
            serde_json::from_str(&run_ok(Command::new(&interpreter).args(["-I", "-c", LIST_FILES]))).unwrap();
        let found: Vec<PathBuf> = serde_json::from_value(listed["files"].clone()).unwrap();
        let wheels: Vec<PathBuf> = serde_json::from_value(listed["wheels"].clone()).unwrap();
        installed += found.len();
        files.extend(found);
        let dir = scratch.join(label);
        fs_err::create_dir_all(&dir).unwrap();
        files.extend(extract_metadata(&wheels, &dir));
    }
    assert!(installed > 0, "no installed distribution found on this machine");

    // The tests' own: what the wheel and sdist builders write.
    let built = scratch.join("built");
    let wheels = [
        WheelBuilder::new("plain", "1.0"),
        WheelBuilder::new("Folded.License", "2.0")
            .license("BSD 3-Clause License\n\nCopyright (c) 2001\nAll rights reserved.\n\n")
            .requires_python(">=3.9")
            .requires("numpy>=1.23")
            .requires("pytest; extra == \"test\"")
            .provides_extra("Test"),
    ]
    .map(|wheel| wheel.build(&built));
    files.extend(extract_metadata(&wheels, &built));
    let sdist = SdistBuilder::new("static", "1.0")
        .metadata_version("2.2")
        .requires("idna")
        .build(&built);
    let mut pkg_info = Vec::new();
    let tarball = flate2::read::GzDecoder::new(fs_err::File::open(&sdist).unwrap());
    for entry in tar::Archive::new(tarball).entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().ends_with("PKG-INFO") {
            entry.read_to_end(&mut pkg_info).unwrap();
        }
    }
    assert!(!pkg_info.is_empty(), "the sdist builder wrote no PKG-INFO");
    files.push(ctx.write("built/static-1.0.PKG-INFO", pkg_info));

    // The hard cases.
    for (name, bytes) in hard_cases() {
        files.push(ctx.write(format!("hard/{name}"), bytes));
    }

    let by_fenv = answers(ctx.fenv().args(["debug", "metadata", "-"]), &files);
    let by_packaging = answers(
        Command::new(&python).args([
            "-I",
            "-c",
            &format!(
                "import sys; sys.path.insert(0, {:?})\n{PACKAGING_ANSWERS}",
                packaging.display().to_string()
            ),
        ]),
        &files,
    );
    assert_eq!(by_fenv.len(), files.len());
    assert_eq!(by_packaging.len(), files.len());

    let mut disagreements = Vec::new();
    for (file, theirs) in &by_packaging {
        let ours = &by_fenv[file];
        let agree = match (ours.get("error"), theirs.get("error")) {
            (Some(_), Some(_)) => true,
            (None, None) => ours == theirs,
            _ => false,
        };
        if !agree {
            disagreements.push(format!("{file}\n  fenv:      {ours}\n  packaging: {theirs}"));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {} files read differently:\n{}",
        disagreements.len(),
        files.len(),
        disagreements.join("\n")
    );
    // The hard cases hold both outcomes, so the comparison is not vacuous.
    let refused = by_fenv.values().filter(|v| v.get("error").is_some()).count();
    assert!(
        refused >= 8 && refused < files.len() - installed,
        "{refused} refused"
    );
}
