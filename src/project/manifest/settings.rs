//! `[tool.fenv]` and `fenv.toml` (the same keys at top level) turned
//! into [`Settings`]: targets and their tables, the index, find-links,
//! `exclude-newer`, functions.
//!
//! Unknown keys are refused: a typo in a setting that changes the lock
//! must not pass silently. Keys of docs/bundle.md that only
//! `fenv bundle` will use are accepted and not kept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::timestamp::ExcludeNewer;

use super::environments::{self, Entry};
use super::pyproject::Source;
use super::targets::{self, Arch, TargetDefaults, TargetSpec};
use super::{Budget, Error, FunctionSettings, Settings};

/// `[tool.fenv]`, or the whole of `fenv.toml`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct FenvTable {
    targets: Option<Vec<Spanned<String>>>,
    environments: Option<Vec<Spanned<String>>>,
    target: Option<BTreeMap<Spanned<String>, Spanned<TargetTable>>>,
    index_url: Option<Spanned<String>>,
    extra_index_urls: Option<Spanned<toml::Value>>,
    find_links: Option<Vec<Spanned<String>>>,
    exclude_newer: Option<Spanned<toml::Value>>,
    python: Option<Spanned<String>>,
    env: Option<String>,
    lock: Option<Spanned<String>>,
    /// The functions folder (a string) or per-function tables (a table);
    /// the tables are read by a second pass that keeps their spans.
    functions: Option<Spanned<toml::Value>>,
    functions_dir: Option<String>,
    only_binary: Option<bool>,
    env_files: Option<Vec<String>>,
    default_groups: Option<Vec<Spanned<String>>>,
    sources: Option<Spanned<toml::Value>>,
    /// Only in `fenv.toml`, which has no `[project]`.
    pub requires_python: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct TargetTable {
    runtime: Option<Spanned<String>>,
    arch: Option<Spanned<String>>,
    python: Option<Spanned<String>>,
    platform: Option<Spanned<String>>,
    glibc: Option<Spanned<toml::Value>>,
    // Read by `fenv bundle` (docs/bundle.md), not by locking.
    #[allow(dead_code)]
    layout: Option<toml::Value>,
    #[allow(dead_code)]
    adapter: Option<toml::Value>,
    #[allow(dead_code)]
    limit_unzipped_mb: Option<toml::Value>,
    #[allow(dead_code)]
    compile_bytecode: Option<toml::Value>,
    #[allow(dead_code)]
    emit: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FunctionTable {
    path: Option<String>,
    dependencies: Option<Vec<Spanned<String>>>,
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
    handler: Option<String>,
    budget: Option<BudgetTable>,
}

/// `budget = { unzipped-mb = 40, import-ms = 250 }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct BudgetTable {
    unzipped_mb: Option<f64>,
    import_ms: Option<f64>,
}

impl BudgetTable {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "`as` saturates, as the comment says"
    )]
    fn budget(self) -> Budget {
        // Negative or absurd values clamp to 0 (`as` saturates): a budget
        // nothing meets, which `fenv bundle` then reports.
        Budget {
            unzipped_bytes: self.unzipped_mb.map(|mb| (mb * 1e6) as u64),
            import_us: self.import_ms.map(|ms| (ms * 1e3) as u64),
        }
    }
}

/// The second pass over `pyproject.toml` for `[tool.fenv.functions.*]`.
#[derive(Deserialize)]
struct PyprojectFunctions {
    tool: ToolFunctions,
}

#[derive(Deserialize)]
struct ToolFunctions {
    fenv: FenvFunctions,
}

/// The second pass over `fenv.toml` (or `[tool.fenv]`) for functions.
#[derive(Deserialize)]
struct FenvFunctions {
    functions: BTreeMap<Spanned<String>, Spanned<FunctionTable>>,
}

/// `[tool.fenv]` turned into [`Settings`]. `prefix` is the table path
/// (`tool.fenv.` or empty for `fenv.toml`), for messages.
pub(super) fn read(
    source: &Source,
    table: FenvTable,
    root: &Path,
    defaults: TargetDefaults,
    in_pyproject: bool,
) -> Result<Settings, Error> {
    let prefix = if in_pyproject { "tool.fenv." } else { "" };
    let FenvTable {
        targets: target_names,
        environments,
        target,
        index_url,
        extra_index_urls,
        find_links,
        exclude_newer,
        python,
        env,
        lock,
        functions,
        functions_dir,
        only_binary,
        env_files,
        default_groups,
        sources,
        requires_python,
    } = table;

    if let Some(value) = extra_index_urls {
        return Err(source.unsupported(value.span().start, "`extra-index-urls`"));
    }
    if let (true, Some(value)) = (in_pyproject, &requires_python) {
        return Err(source
            .invalid(value.span().start, "`requires-python` belongs in `[project]`")
            .with_hint("move it to `[project] requires-python`"));
    }
    if let Some(lock) = lock.filter(|l| l.get_ref() != crate::project::LOCK_FILE_NAME) {
        return Err(source.unsupported(lock.span().start, "a lock file name other than `pylock.toml`"));
    }

    let mut target_tables = BTreeMap::new();
    for (name, table) in target.unwrap_or_default() {
        let spec = target_table(source, &name, table, &defaults, prefix)?;
        target_tables.insert(name.into_inner(), spec);
    }
    let names: Vec<(String, usize)> = target_names
        .unwrap_or_default()
        .into_iter()
        .map(|name| {
            let line = source.line(name.span().start);
            (name.into_inner().trim().to_string(), line)
        })
        .collect();
    let targets = targets::select(&names, &target_tables, &defaults, |line, reason| {
        Error::invalid(source.path, line, reason).with_hint(format!(
            "targets are `host`, `lambda`, `vercel` or a name with a `[{prefix}target.NAME]` table"
        ))
    })?;

    let environments = match environments {
        None => Entry::defaults(),
        Some(list) => list
            .iter()
            .map(|text| {
                Entry::parse(text.get_ref()).map_err(|reason| {
                    source.invalid(text.span().start, reason).with_hint(format!(
                        "list platforms ({}) or PEP 508 markers in `{prefix}environments`",
                        environments::platform_names()
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };

    let index_url = index_url
        .map(|url| {
            let valid = ["https://", "http://", "file://"]
                .iter()
                .any(|s| url.get_ref().starts_with(s));
            if valid {
                Ok(url.into_inner())
            } else {
                Err(source.invalid(
                    url.span().start,
                    format!("`index-url = \"{}\"` is not an http(s) URL", url.get_ref()),
                ))
            }
        })
        .transpose()?;
    let find_links = find_links
        .unwrap_or_default()
        .into_iter()
        .map(|link| {
            if link.get_ref().contains("://") {
                Err(source.unsupported(link.span().start, "a find-links URL (only folders are)"))
            } else {
                Ok(crate::fs::normalize(&root.join(link.get_ref())))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let exclude_newer = exclude_newer
        .map(|value| exclude_newer_value(source, &value))
        .transpose()?;
    if let Some(request) = &python {
        crate::python::PythonRequest::parse(request.get_ref()).map_err(|err| {
            source.invalid(
                request.span().start,
                format!("`python = \"{}\"`: {err}", request.get_ref()),
            )
        })?;
    }

    let sources = match &sources {
        Some(value) => super::sources::read(source, value, root, &format!("[{prefix}sources]"))?,
        None => BTreeMap::new(),
    };

    let (functions_dir, functions) = match functions {
        None => (functions_dir, BTreeMap::new()),
        Some(value) => match value.get_ref() {
            toml::Value::String(dir) if functions_dir.is_none() => (Some(dir.clone()), BTreeMap::new()),
            toml::Value::Table(_) => (functions_dir, function_tables(source, in_pyproject)?),
            _ => {
                return Err(source.invalid(
                    value.span().start,
                    "`functions` must be the functions folder or a table of `[functions.NAME]` tables (then set `functions-dir`)",
                ));
            }
        },
    };

    Ok(Settings {
        targets,
        environments,
        target_tables,
        target_defaults: defaults,
        index_url,
        find_links,
        exclude_newer,
        python: python.map(Spanned::into_inner),
        env: env.map(|env| root.join(env)),
        functions_dir: functions_dir.map(|dir| root.join(dir)),
        functions,
        only_binary: only_binary.unwrap_or(true),
        env_files: env_files.unwrap_or_else(|| vec![".env".into()]),
        default_groups: default_groups.map(|list| {
            list.into_iter()
                .map(|name| crate::dist::name::normalize(name.get_ref()))
                .collect()
        }),
        sources,
    })
}

/// One `[tool.fenv.target.NAME]` table, checked and with its defaults.
fn target_table(
    source: &Source,
    name: &Spanned<String>,
    table: Spanned<TargetTable>,
    defaults: &TargetDefaults,
    prefix: &str,
) -> Result<TargetSpec, Error> {
    let at = name.span().start;
    let name = name.get_ref().as_str();
    let header = format!("[{prefix}target.{name}]");
    let TargetTable {
        runtime,
        arch,
        python,
        platform,
        glibc,
        ..
    } = table.into_inner();
    let misplaced = |key: &str, value: Option<&Spanned<String>>| match value {
        Some(value) => Err(source.invalid(value.span().start, format!("`{header}` takes no `{key}`"))),
        None => Ok(()),
    };
    if let Some(glibc) = glibc {
        return Err(source.unsupported(glibc.span().start, "`glibc`").with_hint(
            "the glibc ceiling follows the runtime: 2.26 for python3.10 and 3.11, 2.34 for 3.12 and later",
        ));
    }
    let check_python = |value: &Spanned<String>, offered: Option<(&str, std::ops::RangeInclusive<u32>)>| {
        let at = value.span().start;
        let version = targets::parse_python(value.get_ref())
            .filter(|v| v.0 == 3)
            .ok_or_else(|| {
                source.invalid(
                    at,
                    format!("`{}` is not a Python version such as `3.12`", value.get_ref()),
                )
            })?;
        if let Some((platform, range)) = offered.filter(|(_, range)| !range.contains(&version.1)) {
            return Err(source.invalid(
                at,
                format!(
                    "{platform} does not offer Python {}.{} (it offers 3.{} to 3.{})",
                    version.0,
                    version.1,
                    range.start(),
                    range.end()
                ),
            ));
        }
        if let Some(specifiers) = defaults.requires_python.as_ref()
            && !targets::allows_minor(specifiers, version)
        {
            return Err(source.invalid(
                at,
                format!(
                    "Python {}.{} is outside the project's requires-python `{specifiers}`",
                    version.0, version.1
                ),
            ));
        }
        Ok(version)
    };

    match name {
        "host" => Err(source.invalid(
            at,
            format!("`{header}` cannot be set: the host target is the env's Python"),
        )),
        "lambda" => {
            misplaced("python", python.as_ref())?;
            misplaced("platform", platform.as_ref())?;
            let runtime = match &runtime {
                Some(runtime) if !runtime.get_ref().starts_with("python") => {
                    return Err(source.invalid(
                        runtime.span().start,
                        format!(
                            "`runtime = \"{}\"` is not a Lambda runtime such as `python3.12`",
                            runtime.get_ref()
                        ),
                    ));
                }
                Some(runtime) => check_python(runtime, Some(("AWS Lambda", targets::LAMBDA_PYTHONS)))?,
                None => match defaults.lambda()? {
                    TargetSpec::Lambda { runtime, .. } => runtime,
                    _ => targets::DEFAULT_PYTHON,
                },
            };
            let arch = match arch {
                Some(arch) => Arch::parse(arch.get_ref()).ok_or_else(|| {
                    source.invalid(
                        arch.span().start,
                        format!("`arch = \"{}\"` is not `x86_64` or `arm64`", arch.get_ref()),
                    )
                })?,
                None => Arch::X86_64,
            };
            Ok(TargetSpec::Lambda { runtime, arch })
        }
        "vercel" => {
            misplaced("runtime", runtime.as_ref())?;
            misplaced("arch", arch.as_ref())?;
            misplaced("platform", platform.as_ref())?;
            match &python {
                Some(python) => Ok(TargetSpec::Vercel {
                    python: Some(check_python(python, Some(("Vercel", targets::VERCEL_PYTHONS)))?),
                }),
                None => Ok(defaults.vercel()),
            }
        }
        _ => {
            let valid = name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
                && name.starts_with(|c: char| c.is_ascii_alphanumeric());
            if !valid {
                return Err(source.invalid(
                    at,
                    format!("the target name `{name}` must be lowercase letters, digits, `-` and `_`"),
                ));
            }
            misplaced("runtime", runtime.as_ref())?;
            misplaced("arch", arch.as_ref())?;
            let hint = format!(
                "a custom target needs `python = \"3.12\"` and `platform = \"manylinux_2_28_aarch64\"` in `{header}`"
            );
            let python = python.ok_or_else(|| {
                source
                    .invalid(at, format!("`{header}` has no `python`"))
                    .with_hint(&hint)
            })?;
            let platform = platform.ok_or_else(|| {
                source
                    .invalid(at, format!("`{header}` has no `platform`"))
                    .with_hint(&hint)
            })?;
            if !targets::valid_platform(platform.get_ref()) {
                return Err(source
                    .invalid(platform.span().start, format!("`{}` is not a wheel platform tag", platform.get_ref()))
                    .with_hint("use a tag such as `manylinux_2_28_aarch64`, `musllinux_1_2_x86_64`, `macosx_11_0_arm64` or `win_amd64`"));
            }
            Ok(TargetSpec::Custom {
                name: name.to_string(),
                python: check_python(&python, None)?,
                platform: platform.into_inner(),
            })
        }
    }
}

/// `exclude-newer` as a string or a TOML date or datetime, in its
/// canonical form ([`ExcludeNewer`]'s).
pub(super) fn exclude_newer_value(source: &Source, value: &Spanned<toml::Value>) -> Result<String, Error> {
    let text = match value.get_ref() {
        toml::Value::String(text) => text.clone(),
        toml::Value::Datetime(datetime) => datetime.to_string(),
        _ => String::new(),
    };
    ExcludeNewer::parse(&text)
        .map(|value| value.to_string())
        .map_err(|_| {
            source
                .invalid(
                    value.span().start,
                    "`exclude-newer` is not a date or an RFC 3339 timestamp with a time zone",
                )
                .with_hint("write a date such as `2025-01-31`, or a timestamp such as `2025-01-31T00:00:00Z`")
        })
}

/// `[tool.fenv.functions.NAME]` tables, read again with spans kept.
fn function_tables(source: &Source, in_pyproject: bool) -> Result<BTreeMap<String, FunctionSettings>, Error> {
    let tables = if in_pyproject {
        source.parse::<PyprojectFunctions>()?.tool.fenv.functions
    } else {
        source.parse::<FenvFunctions>()?.functions
    };
    let mut functions = BTreeMap::new();
    for (name, table) in tables {
        let FunctionTable {
            path,
            dependencies,
            include,
            exclude,
            handler,
            budget,
        } = table.into_inner();
        functions.insert(
            name.into_inner(),
            FunctionSettings {
                dependencies: source.requirements(&dependencies.unwrap_or_default())?,
                path: path.map(PathBuf::from),
                include: include.unwrap_or_default(),
                exclude: exclude.unwrap_or_default(),
                handler,
                budget: budget.map(BudgetTable::budget).unwrap_or_default(),
            },
        );
    }
    Ok(functions)
}
