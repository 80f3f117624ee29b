//! The function rules of `fenv check`: each function has a handler the
//! platforms can call, imports only what its closure carries, the Python
//! versions agree, and (with `--import-time`) it loads within its budget.
//!
//! Pure: the command gathers the facts (the functions, what each imports,
//! which distribution provides which module, import times) and these
//! functions turn them into findings.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};

use crate::check::{Finding, Rule};
use crate::functions::import_time::ImportTime;
use crate::functions::{Form, Function};
use crate::project::manifest::targets::TargetSpec;

/// No handler (a note: the module is skipped, as on Vercel), a handler
/// class the runtime refuses, and a Lambda-style handler where Vercel
/// would have to call it.
pub fn handlers(functions: &[Function], targets: &[TargetSpec]) -> Vec<Finding> {
    let vercel = targets.iter().any(|t| matches!(t, TargetSpec::Vercel { .. }));
    let mut findings = Vec::new();
    for function in functions {
        let at = &function.relative;
        if let Some(line) = function.scan.bad_handler_class {
            findings.push(
                Finding::new(
                    Rule::FunctionHandlerClass,
                    format!("{at}:{line}: `handler` is a class, but not a BaseHTTPRequestHandler subclass"),
                )
                .package(&function.name),
            );
        }
        match &function.form {
            None if function.scan.bad_handler_class.is_none() => findings.push(
                Finding::new(
                    Rule::FunctionNoHandler,
                    format!(
                        "{at}: no handler, so it is no function (Vercel skips it too); to make it one, define `handler` (a BaseHTTPRequestHandler subclass), `app` (WSGI or ASGI), `application` (WSGI), or `def handler(event, context)` for Lambda"
                    ),
                )
                .package(&function.name),
            ),
            Some(Form::Lambda { function: name }) if vercel => findings.push(
                Finding::new(
                    Rule::FunctionLambdaHandler,
                    format!(
                        "{at}: `{name}(event, context)` is a Lambda handler, which Vercel cannot call; export `app` or a `handler` class, or drop the vercel target"
                    ),
                )
                .package(&function.name),
            ),
            _ => {}
        }
    }
    findings
}

/// For a project with the vercel target: Vercel's install step, and the
/// functions' own dependencies that Vercel would not install without it.
pub fn vercel_install(
    install: Option<&crate::project::vercel::Install>,
    functions: &[Function],
    shared: &BTreeSet<String>,
    targets: &[TargetSpec],
) -> Vec<Finding> {
    use crate::project::vercel::{INSTALL_KEY, INSTALL_SCRIPT, Install};
    let vercel = targets.iter().any(|t| matches!(t, TargetSpec::Vercel { .. }));
    let Some(Install::Missing { .. }) = install.filter(|_| vercel) else {
        return Vec::new();
    };
    let mut findings = vec![Finding::new(
        Rule::VercelInstall,
        format!(
            "pyproject.toml: no `{INSTALL_KEY}` in `[tool.vercel.scripts]`, so Vercel's build runs `uv sync --frozen`, which reads only uv.lock and fails; set `{INSTALL_KEY} = \"{INSTALL_SCRIPT}\"` (`fenv lock` adds it when the table is absent)"
        ),
    )];
    for function in functions.iter().filter(|f| f.form.is_some()) {
        let own = function
            .settings
            .dependencies
            .iter()
            .filter(|r| !shared.contains(&crate::dist::name::normalize(r.name.as_ref())));
        for requirement in own {
            findings.push(
                Finding::new(
                    Rule::VercelFunctionDependency,
                    format!(
                        "{}: `{}` comes only from `[tool.fenv.functions.{}] dependencies`, which Vercel does not install: without `{INSTALL_KEY}`, the function fails with ModuleNotFoundError when deployed",
                        function.relative, requirement.name, function.name
                    ),
                )
                .package(&function.name),
            );
        }
    }
    findings
}

/// `.python-version` against every target's Python and `requires-python`:
/// tests that run on another Python than the functions prove less.
pub fn python_versions(
    python_version_file: Option<(u32, u32)>,
    requires_python: Option<&VersionSpecifiers>,
    targets: &[TargetSpec],
) -> Vec<Finding> {
    let Some((major, minor)) = python_version_file else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    for target in targets {
        if let Some(python) = target.python()
            && python != (major, minor)
        {
            findings.push(Finding::new(
                Rule::PythonVersion,
                format!(
                    "`.python-version` asks for {major}.{minor}, but `{}` runs Python {}.{}",
                    target.name(),
                    python.0,
                    python.1
                ),
            ));
        }
    }
    if let Some(requires) = requires_python
        && let Ok(version) = Version::from_str(&format!("{major}.{minor}.0"))
        && !requires.contains(&version)
    {
        findings.push(Finding::new(
            Rule::PythonVersion,
            format!("`.python-version` asks for {major}.{minor}, which `requires-python = \"{requires}\"` excludes"),
        ));
    }
    findings
}

/// Imports of modules that an installed distribution outside the
/// function's closure provides: they work locally, where the environment
/// holds every function's packages, and fail once deployed.
pub fn imports(
    function: &Function,
    imports: &[(String, usize)],
    provider: &BTreeMap<String, String>,
    closure: &BTreeSet<String>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut reported = BTreeSet::new();
    for (module, line) in imports {
        let Some(dist) = provider.get(module) else {
            continue;
        };
        if closure.contains(dist) || !reported.insert(dist.clone()) {
            continue;
        }
        findings.push(
            Finding::new(
                Rule::FunctionImport,
                format!(
                    "{}:{line}: imports `{module}` from `{dist}`, which is not among the function's dependencies; add it to `[tool.fenv.functions.{}] dependencies` (or `[project] dependencies`)",
                    function.relative, function.name
                ),
            )
            .package(&function.name),
        );
    }
    findings
}

/// The cold import time, and an error over the function's budget.
pub fn import_time(function: &Function, measured: &ImportTime) -> Finding {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let heaviest: Vec<String> = measured
        .heaviest
        .iter()
        .take(3)
        .map(|(name, time)| format!("{name} {:.0} ms", ms(*time)))
        .collect();
    let detail = if heaviest.is_empty() {
        String::new()
    } else {
        format!(" ({})", heaviest.join(", "))
    };
    let total = ms(measured.total);
    match function.settings.budget.import_us {
        Some(budget) if measured.total.as_micros() > u128::from(budget) => Finding::new(
            Rule::ImportBudget,
            format!(
                "{}: imports in {total:.0} ms, over its budget of {:.0} ms{detail}",
                function.relative,
                budget as f64 / 1e3
            ),
        ),
        Some(budget) => Finding::new(
            Rule::ImportTime,
            format!(
                "{}: imports in {total:.0} ms, within its budget of {:.0} ms{detail}",
                function.relative,
                budget as f64 / 1e3
            ),
        ),
        None => Finding::new(
            Rule::ImportTime,
            format!("{}: imports in {total:.0} ms{detail}", function.relative),
        ),
    }
    .package(&function.name)
}
