//! fenv's locks held against uv's on real projects, from the public index
//! (`FENV_LIVE_TESTS=1`): every project is locked by `fenv lock` and by
//! `uv pip compile` for the same four targets, with one `--exclude-newer`
//! cut-off for both, and every pin and the package set must be equal.
//!
//! The targets, and how each tool is pointed at them:
//! - the host, this machine's CPython 3.12: fenv's host-only lock; uv run
//!   with that interpreter;
//! - Lambda python3.12 x86_64 and Vercel (Python 3.12, x86_64, glibc 2.34):
//!   fenv's lock of `targets = ["lambda", "vercel"]`; uv with
//!   `--python-version 3.12 --python-platform x86_64-manylinux_2_34
//!   --only-binary :all:` (neither platform builds sdists);
//! - Lambda python3.13 arm64: fenv's lock of that target (its host is the
//!   CPython 3.13); uv with `aarch64-manylinux_2_34`.
//!
//! fenv's lock is one file for all its targets; which packages a target
//! gets is decided by `packaging.markers` (the PyPA reference), as an
//! installer decides it. Each lock here narrows `environments` to Linux
//! x86_64 with the host's CPython, as uv compiles one platform at a time.
//! One deliberate difference: a fenv lock keeps one version of a package
//! for all its targets where one fits (forking only where none does), so a
//! target locked beside the host may get the version both can use where
//! uv, resolving each alone, picks a newer one for one of them. The host is
//! therefore compared with fenv's lock without deploy targets.
//!
//! A difference prints the project, the target, the package, both versions
//! and the chain that required it (uv's `# via`, fenv's recorded
//! dependencies). Add a project whenever a user finds a difference.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{TestContext, live_tests, pyenv_python, require};
use crate::support::tools;

/// One cut-off for both tools, so that new releases do not move the pins.
const EXCLUDE_NEWER: &str = "2026-11-01T00:00:00Z";

/// A project, and why it is in the set.
struct Case {
    name: &'static str,
    why: &'static str,
    requirements: &'static [&'static str],
}

const CASES: &[Case] = &[
    // Web APIs.
    Case {
        name: "fastapi",
        why: "the Vercel and Lambda web stack; extras (`standard`) with markers",
        requirements: &["fastapi[standard]"],
    },
    Case {
        name: "flask",
        why: "WSGI apps and gunicorn",
        requirements: &["flask", "gunicorn"],
    },
    Case {
        name: "django",
        why: "Django REST with psycopg's binary extra",
        requirements: &["django", "djangorestframework", "psycopg[binary]"],
    },
    Case {
        name: "litestar",
        why: "an ASGI framework whose extras pull uvloop behind platform markers",
        requirements: &["litestar[standard]"],
    },
    Case {
        name: "aiohttp",
        why: "C extensions with per-Python wheels",
        requirements: &["aiohttp"],
    },
    Case {
        name: "sentry",
        why: "an extra of an extra (sentry-sdk[fastapi], uvicorn[standard])",
        requirements: &["sentry-sdk[fastapi]", "uvicorn[standard]"],
    },
    Case {
        name: "graphql",
        why: "strawberry with a framework extra",
        requirements: &["strawberry-graphql[fastapi]"],
    },
    // Data functions.
    Case {
        name: "scipy",
        why: "the bug that started this test: its folded License hid numpy",
        requirements: &["scipy"],
    },
    Case {
        name: "numpy-pandas",
        why: "the most common data stack",
        requirements: &["numpy", "pandas"],
    },
    Case {
        name: "polars",
        why: "a Rust extension with abi3 wheels",
        requirements: &["polars"],
    },
    Case {
        name: "pyarrow",
        why: "large manylinux wheels per Python",
        requirements: &["pyarrow"],
    },
    Case {
        name: "scikit-learn",
        why: "scipy, joblib, threadpoolctl",
        requirements: &["scikit-learn"],
    },
    Case {
        name: "matplotlib",
        why: "lost six dependencies to the folded-License bug",
        requirements: &["matplotlib"],
    },
    Case {
        name: "duckdb",
        why: "one big native wheel per platform",
        requirements: &["duckdb"],
    },
    Case {
        name: "ml",
        why: "xgboost, lightgbm, numba (llvmlite) and statsmodels",
        requirements: &["xgboost", "lightgbm", "numba", "statsmodels"],
    },
    Case {
        name: "viz",
        why: "seaborn, plotly and dash",
        requirements: &["seaborn", "plotly", "dash"],
    },
    // Cloud SDKs.
    Case {
        name: "boto3",
        why: "what every Lambda function imports",
        requirements: &["boto3"],
    },
    Case {
        name: "google-cloud",
        why: "protobuf, grpcio and google-api-core",
        requirements: &["google-cloud-storage", "google-cloud-bigquery"],
    },
    Case {
        name: "azure",
        why: "azure-identity's msal and cryptography",
        requirements: &["azure-storage-blob", "azure-identity"],
    },
    Case {
        name: "powertools",
        why: "AWS Lambda Powertools with every extra",
        requirements: &["aws-lambda-powertools[all]"],
    },
    Case {
        name: "aws-async",
        why: "aioboto3, s3fs and pynamodb pin botocore tightly",
        requirements: &["aioboto3", "s3fs", "pynamodb"],
    },
    // AI clients.
    Case {
        name: "openai",
        why: "httpx, pydantic, jiter",
        requirements: &["openai"],
    },
    Case {
        name: "anthropic",
        why: "the other common AI client",
        requirements: &["anthropic"],
    },
    Case {
        name: "langchain",
        why: "a fast-moving graph with many upper bounds",
        requirements: &["langchain", "langchain-openai"],
    },
    Case {
        name: "transformers",
        why: "tokenizers and safetensors (Rust wheels), huggingface-hub",
        requirements: &["transformers"],
    },
    Case {
        name: "torch",
        why: "the nvidia-* packages behind platform_machine markers",
        requirements: &["torch"],
    },
    // Databases.
    Case {
        name: "sqlalchemy",
        why: "greenlet behind a platform_machine marker",
        requirements: &["sqlalchemy", "alembic"],
    },
    Case {
        name: "mongo",
        why: "pymongo and motor",
        requirements: &["pymongo", "motor"],
    },
    Case {
        name: "redis-asyncpg",
        why: "redis and asyncpg",
        requirements: &["redis", "asyncpg"],
    },
    Case {
        name: "celery",
        why: "kombu, billiard, vine and the redis extra",
        requirements: &["celery[redis]"],
    },
    // Parsing and imaging.
    Case {
        name: "lxml",
        why: "lxml's native wheels, beautifulsoup4",
        requirements: &["lxml", "beautifulsoup4"],
    },
    Case {
        name: "pillow",
        why: "imaging, one native wheel per Python and platform",
        requirements: &["pillow"],
    },
    Case {
        name: "pydantic",
        why: "pydantic-core's per-Python wheels",
        requirements: &["pydantic", "pydantic-settings"],
    },
    Case {
        name: "http",
        why: "requests and httpx",
        requirements: &["requests", "httpx"],
    },
    Case {
        name: "crypto",
        why: "cryptography, pyyaml, paramiko",
        requirements: &["cryptography", "pyyaml", "paramiko"],
    },
    // Sdists only: the host builds their metadata; the platforms refuse them.
    Case {
        name: "sdists",
        why: "docopt (Metadata-Version 1.1) and psycopg2 (2.1): metadata built for the host",
        requirements: &["docopt", "psycopg2"],
    },
    Case {
        name: "dbt",
        why: "dbt's parser is an sdist with a static [project] table and a network build",
        requirements: &["dbt-core", "dbt-postgres"],
    },
    // 100 packages and more.
    Case {
        name: "airflow",
        why: "a workflow engine: 129 packages",
        requirements: &["apache-airflow"],
    },
    Case {
        name: "prefect",
        why: "another workflow engine: over 100 packages",
        requirements: &["prefect"],
    },
    Case {
        name: "notebooks",
        why: "a notebook stack: jupyterlab, widgets and plotting",
        requirements: &["jupyterlab", "ipywidgets", "matplotlib", "pandas"],
    },
    Case {
        name: "beam",
        why: "apache-beam with GCP: over 100 packages, and google-apitools has only py2 wheels",
        requirements: &["apache-beam[gcp]"],
    },
];

/// A target both tools lock for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Host312,
    Lambda312,
    Vercel,
    Lambda313Arm,
}

impl Target {
    const ALL: [Self; 4] = [Self::Host312, Self::Lambda312, Self::Vercel, Self::Lambda313Arm];

    fn label(self) -> &'static str {
        match self {
            Self::Host312 => "host (CPython 3.12)",
            Self::Lambda312 => "lambda python3.12 x86_64",
            Self::Vercel => "vercel (3.12)",
            Self::Lambda313Arm => "lambda python3.13 arm64",
        }
    }

    /// The marker environment fenv's lock is read with (for the host,
    /// `packaging`'s own view of the interpreter is used instead).
    fn environment(self) -> Option<serde_json::Value> {
        let (machine, python) = match self {
            Self::Host312 => return None,
            Self::Lambda312 | Self::Vercel => ("x86_64", "3.12"),
            Self::Lambda313Arm => ("aarch64", "3.13"),
        };
        Some(serde_json::json!({
            "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
            "platform_machine": machine, "implementation_name": "cpython",
            "platform_python_implementation": "CPython", "python_version": python,
            "python_full_version": format!("{python}.0"), "implementation_version": format!("{python}.0"),
            "platform_release": "", "platform_version": "",
        }))
    }
}

/// What a tool answered for one target: pins, or why it refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    Pins {
        versions: BTreeMap<String, String>,
        /// For each package, what requires it (to print the chain).
        via: BTreeMap<String, Vec<String>>,
    },
    Refused(String),
}

/// Everything one test run shares: the tools, the interpreters, caches.
struct Setup {
    ctx: TestContext,
    uv: PathBuf,
    packaging: PathBuf,
    python312: PathBuf,
    python313: PathBuf,
}

impl Setup {
    fn fenv_cache(&self) -> PathBuf {
        self.ctx.root().join("fenv-cache")
    }

    fn project_dir(&self, case: &Case, run: &str) -> PathBuf {
        let dir = self.ctx.root().join(case.name).join(run);
        fs_err::create_dir_all(&dir).unwrap();
        dir
    }

    /// `fenv lock` of `case` in its own folder, for machines like the host
    /// (Linux x86_64 with CPython `minor`) plus `targets`; the lock's path,
    /// or the error.
    fn fenv_lock(&self, case: &Case, run: &str, minor: &str, targets: &str) -> Result<PathBuf, String> {
        let dir = self.project_dir(case, run);
        // uv compiles for one platform at a time here; fenv's lock then
        // covers that one development environment, not the default five.
        let marker = format!(
            "sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '{minor}'"
        );
        let only_host = format!("environments = [{marker:?}]");
        let requirements: Vec<String> = case.requirements.iter().map(|r| format!("{r:?}")).collect();
        fs_err::write(
            dir.join("pyproject.toml"),
            format!(
                "[project]\nname = \"diff\"\nversion = \"0\"\nrequires-python = \">={minor}\"\ndependencies = [{}]\n\n[tool.fenv]\n{only_host}\n{targets}",
                requirements.join(", ")
            ),
        )
        .unwrap();
        fs_err::write(dir.join(".python-version"), format!("{minor}\n")).unwrap();
        let output = retried(|| {
            let mut cmd = self.ctx.fenv();
            cmd.current_dir(&dir)
                .env("FENV_CACHE_DIR", self.fenv_cache())
                .args(["lock", "-q", "--upgrade", "--exclude-newer", EXCLUDE_NEWER]);
            cmd
        });
        if output.status.success() {
            Ok(dir.join("pylock.toml"))
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
        }
    }

    /// `uv pip compile` of `case` for `target`.
    fn uv_compile(&self, case: &Case, target: Target) -> Answer {
        let dir = self.project_dir(case, &format!("uv-{target:?}"));
        fs_err::write(dir.join("requirements.in"), case.requirements.join("\n") + "\n").unwrap();
        let output = retried(|| {
            let mut cmd = self.ctx.command(&self.uv);
            cmd.current_dir(&dir)
                .args([
                    "pip",
                    "compile",
                    "requirements.in",
                    "-q",
                    "--no-header",
                    "--annotation-style",
                    "line",
                ])
                .args(["--exclude-newer", EXCLUDE_NEWER, "--cache-dir"])
                .arg(self.ctx.root().join("uv-cache"))
                .args(["-o", "requirements.txt", "--python"]);
            match target {
                Target::Host312 => {
                    cmd.arg(&self.python312);
                }
                Target::Lambda312 | Target::Vercel => {
                    cmd.arg(&self.python312).args([
                        "--python-version",
                        "3.12",
                        "--python-platform",
                        "x86_64-manylinux_2_34",
                        "--only-binary",
                        ":all:",
                    ]);
                }
                Target::Lambda313Arm => {
                    cmd.arg(&self.python313).args([
                        "--python-version",
                        "3.13",
                        "--python-platform",
                        "aarch64-manylinux_2_34",
                        "--only-binary",
                        ":all:",
                    ]);
                }
            }
            // Only what is asked here: no settings of the outer shell.
            for (key, _) in std::env::vars_os() {
                if key.to_string_lossy().starts_with("UV_") {
                    cmd.env_remove(&key);
                }
            }
            cmd.env("UV_NO_CONFIG", "1");
            cmd
        });
        if !output.status.success() {
            return Answer::Refused(String::from_utf8_lossy(&output.stderr).trim().to_string());
        }
        let text = fs_err::read_to_string(dir.join("requirements.txt")).unwrap();
        let mut versions = BTreeMap::new();
        let mut via = BTreeMap::new();
        for line in text.lines() {
            let (pin, comment) = line.split_once('#').unwrap_or((line, ""));
            let Some((name, version)) = pin.trim().split_once("==") else {
                continue;
            };
            let name = tools::normalize(name);
            versions.insert(name.clone(), version.trim().to_string());
            let parents = comment.trim().strip_prefix("via").unwrap_or_default();
            via.insert(name, parents.split(',').map(|p| p.trim().to_string()).collect());
        }
        Answer::Pins { versions, via }
    }

    /// What the lock at `lock` installs on each of `targets`, as
    /// `packaging` evaluates its markers.
    fn read_lock(&self, lock: &Path, targets: &[Target]) -> Vec<Answer> {
        let jobs: Vec<serde_json::Value> = targets
            .iter()
            .map(|t| serde_json::json!({"lock": lock, "environment": t.environment()}))
            .collect();
        let script = format!(
            "import sys; sys.path.insert(0, {:?})\n{READ_LOCK}",
            self.packaging.display().to_string()
        );
        let mut child = Command::new(&self.python312)
            .args(["-I", "-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(serde_json::to_string(&jobs).unwrap().as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "reading {}", lock.display());
        let answers: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
        answers
            .into_iter()
            .map(|answer| Answer::Pins {
                versions: serde_json::from_value(answer["pins"].clone()).unwrap(),
                via: serde_json::from_value(answer["via"].clone()).unwrap(),
            })
            .collect()
    }
}

/// Reads `[{"lock": path, "environment": {...} | null}]` from stdin and
/// prints, per job, the pins the lock installs there and, per package,
/// the packages whose recorded dependencies name it.
const READ_LOCK: &str = r#"
import json, sys, tomllib
from packaging.markers import Marker
answers = []
for job in json.load(sys.stdin):
    with open(job["lock"], "rb") as f:
        lock = tomllib.load(f)
    env = job["environment"]
    pins, via = {}, {}
    for p in lock["packages"]:
        marker = p.get("marker")
        if marker is None or Marker(marker).evaluate(env, context="lock_file"):
            pins[p["name"]] = p["version"]
    for p in lock["packages"]:
        for d in p.get("dependencies", []):
            via.setdefault(d["name"], []).append(p["name"])
    answers.append({"pins": pins, "via": via})
json.dump(answers, sys.stdout)
"#;

/// Runs `make()`'s command, again after a pause when it fails with what
/// looks like the network's fault (three times at most).
fn retried(mut make: impl FnMut() -> Command) -> Output {
    let mut output = make().output().unwrap();
    for attempt in 1..3 {
        let stderr = String::from_utf8_lossy(&output.stderr).to_lowercase();
        let transient = [
            "timed out",
            "connection",
            "failed to fetch",
            "http 5",
            "status code 5",
            "dns",
        ]
        .iter()
        .any(|word| stderr.contains(word));
        if output.status.success() || !transient {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(5 * attempt));
        output = make().output().unwrap();
    }
    output
}

/// The differences between fenv's and uv's answers for one target.
fn differences(case: &Case, target: Target, ours: &Answer, theirs: &Answer) -> Vec<String> {
    let at = format!("{} / {}", case.name, target.label());
    match (ours, theirs) {
        (Answer::Refused(_), Answer::Refused(_)) => Vec::new(),
        (Answer::Refused(why), Answer::Pins { .. }) => {
            vec![format!("{at}: fenv refused, uv locked\n    {why}")]
        }
        (Answer::Pins { .. }, Answer::Refused(why)) => {
            vec![format!("{at}: fenv locked, uv refused\n    {why}")]
        }
        (
            Answer::Pins {
                versions: ours,
                via: our_via,
            },
            Answer::Pins {
                versions: theirs,
                via: their_via,
            },
        ) => {
            let names: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
            names
                .into_iter()
                .filter(|name| ours.get(*name) != theirs.get(*name))
                .map(|name| {
                    format!(
                        "{at}: `{name}` fenv {} (via {}), uv {} (via {})",
                        ours.get(name).map_or("-", String::as_str),
                        our_via.get(name).map_or("-".into(), |v| v.join(", ")),
                        theirs.get(name).map_or("-", String::as_str),
                        their_via.get(name).map_or("-".into(), |v| v.join(", ")),
                    )
                })
                .collect()
        }
    }
}

/// Every case for every target, both tools; the differences, and a table
/// of package counts.
fn compare(setup: &Setup, case: &Case) -> (Vec<String>, String) {
    let mut ours: BTreeMap<Target, Answer> = BTreeMap::new();
    let host = setup.fenv_lock(case, "fenv-host", "3.12", "");
    let platforms = setup.fenv_lock(
        case,
        "fenv-platforms",
        "3.12",
        "targets = [\"lambda\", \"vercel\"]\n\n[tool.fenv.target.lambda]\nruntime = \"python3.12\"\narch = \"x86_64\"\n",
    );
    let arm = setup.fenv_lock(
        case,
        "fenv-arm",
        "3.13",
        "targets = [\"lambda\"]\n\n[tool.fenv.target.lambda]\nruntime = \"python3.13\"\narch = \"arm64\"\n",
    );
    for (lock, targets) in [
        (host, vec![Target::Host312]),
        (platforms, vec![Target::Lambda312, Target::Vercel]),
        (arm, vec![Target::Lambda313Arm]),
    ] {
        match lock {
            Ok(path) => {
                for (target, answer) in targets.iter().zip(setup.read_lock(&path, &targets)) {
                    ours.insert(*target, answer);
                }
            }
            Err(why) => {
                for target in targets {
                    ours.insert(target, Answer::Refused(why.clone()));
                }
            }
        }
    }
    let platform = setup.uv_compile(case, Target::Lambda312);
    let mut found = Vec::new();
    let mut counts = Vec::new();
    for target in Target::ALL {
        let theirs = match target {
            Target::Host312 | Target::Lambda313Arm => setup.uv_compile(case, target),
            // The same platform for uv: one run serves both.
            Target::Lambda312 | Target::Vercel => platform.clone(),
        };
        found.extend(differences(case, target, &ours[&target], &theirs));
        counts.push(match &theirs {
            Answer::Pins { versions, .. } => versions.len().to_string(),
            Answer::Refused(_) => "refused".into(),
        });
    }
    let row = format!("| {} | {} | {} |", case.name, counts.join(" | "), case.why);
    (found, row)
}

#[test]
fn live_locks_equal_uvs_on_real_projects() {
    if !live_tests() {
        eprintln!("skipped: set FENV_LIVE_TESTS=1 to compare locks with uv on the public index");
        return;
    }
    let Some(python312) = require("pyenv CPython 3.12", pyenv_python("3.12")) else {
        return;
    };
    let Some(python313) = require("pyenv CPython 3.13", pyenv_python("3.13")) else {
        return;
    };
    let Some(uv) = require("uv, from the index", tools::uv(&python312)) else {
        return;
    };
    let Some(packaging) = require("the packaging wheel", tools::packaging_wheel(&python312)) else {
        return;
    };
    let setup = Setup {
        ctx: TestContext::new(),
        uv,
        packaging,
        python312,
        python313,
    };

    // Four projects at a time: the work is mostly waiting on the index.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(usize, Vec<String>, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let at = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(case) = CASES.get(at) else { break };
                        let (found, row) = compare(&setup, case);
                        done.push((at, found, row));
                    }
                    done
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    let mut results = results;
    results.sort_by_key(|(at, _, _)| *at);

    let mut table = String::from(
        "| project | host 3.12 | lambda 3.12 x86_64 | vercel | lambda 3.13 arm64 | why it is here |\n|---|---|---|---|---|---|\n",
    );
    let mut all = Vec::new();
    for (_, found, row) in results {
        table.push_str(&row);
        table.push('\n');
        all.extend(found);
    }
    // The counts are uv's packages per target: shown for the record.
    eprintln!("{table}");
    assert!(
        all.is_empty(),
        "fenv and uv differ ({} differences):\n{}",
        all.len(),
        all.join("\n")
    );
}
