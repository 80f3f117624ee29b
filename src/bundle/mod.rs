//! Deployable per-function artifacts: for each function a zip holding its
//! code and exactly its dependency closure, installed from the lock's
//! wheels for the target platform.
//!
//! [`plan`] decides what goes into a zip, [`zip`] writes it byte for byte
//! the same every time, [`report`] weighs it against the platform's limits
//! and the function's budget, [`artifacts`] records the result in
//! `dist/manifest.json`. `commands/bundle.rs` runs the steps in order.

pub mod artifacts;
pub mod build;
pub mod plan;
pub mod report;
pub mod stage;
pub mod tree;
pub mod vercel;
pub mod zip;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::Hint;
use crate::fs::user_display;
use crate::functions::{Form, Function};

/// The Lambda shim for a Vercel-style handler, before its module is set.
pub const SHIM_PY: &str = include_str!("shim.py");

/// The shim's module name, and so the start of its handler string.
pub const SHIM_MODULE: &str = "fenv_handler";

/// The shared runtime's module name in a zip.
pub const RUNTIME_MODULE: &str = "fenv_runtime";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no target to bundle for: the project's targets are only the host")]
    NoTarget,

    #[error("the local package `{package}` built `{wheel}`, which {target} cannot run")]
    LocalWheel {
        package: String,
        wheel: String,
        target: String,
    },

    #[error("`fenv bundle` makes artifacts for `lambda` and `vercel`, not `{target}`")]
    UnsupportedTarget { target: String },

    #[error("`{}` was not locked for {target}", user_display(path))]
    NotLocked { target: String, path: PathBuf },

    #[error("the project has no functions")]
    NoFunctions,

    #[error("the function `{function}` has no handler fenv recognises")]
    NoHandler { function: String },

    #[error("the function `{function}` is a Lambda handler, which Vercel's runtime cannot call")]
    VercelForm { function: String },

    #[error("Vercel's runtime needs Python {}.{} or newer, and the vercel target is Python {}.{}", vercel::RUNTIME_PYTHON.0, vercel::RUNTIME_PYTHON.1, python.0, python.1)]
    VercelPython { python: (u32, u32) },

    #[error("the index has no wheel of {} {}", vercel::RUNTIME, vercel::RUNTIME_VERSION)]
    NoVercelRuntime,

    #[error(
        "`{}` is not a Build Output folder, so fenv leaves it alone",
        user_display(path)
    )]
    ForeignOutput { path: PathBuf },

    #[error("the function `{function}` has an invalid glob `{glob}`: {reason}")]
    Glob {
        function: String,
        glob: String,
        reason: String,
    },

    #[error("failed to bundle `{function}`")]
    Install {
        function: String,
        #[source]
        source: Box<crate::install::Error>,
    },

    #[error("the wheel of `{package}` was not fetched")]
    NotFetched { package: String },

    #[error("layers are a Lambda feature; Vercel has none")]
    LayerOnVercel,

    #[error(transparent)]
    Io(#[from] crate::fs::PathError),

    #[error(transparent)]
    Walk(#[from] crate::fs::WalkError),

    #[error("failed to bundle for {target}")]
    ForTarget {
        target: String,
        #[source]
        source: Box<crate::sync::Error>,
    },
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::LocalWheel { .. } => Some(
                "fenv builds a local package with this machine's Python, so one bundled for another platform must be pure Python (a `py3-none-any` wheel)"
                    .into(),
            ),
            Self::NoTarget => Some(
                "pass `--target lambda` or `--target vercel`, or add one to `[tool.fenv] targets` and run `fenv lock`"
                    .into(),
            ),
            Self::UnsupportedTarget { .. } => Some("pass `--target lambda` or `--target vercel`".into()),
            Self::NotLocked { target, .. } => Some(format!(
                "add `{target}` to `[tool.fenv] targets` and run `fenv lock`"
            )),
            Self::NoFunctions => Some("add one under `api/` (`fenv init` makes an example)".into()),
            Self::NoHandler { .. } => Some(
                "define a `handler` class (BaseHTTPRequestHandler), an `app`, an `application`, or set `handler = \"module:function\"` in its `[tool.fenv.functions.NAME]` table"
                    .into(),
            ),
            Self::VercelForm { .. } => Some(
                "export `app`, `application` or a `handler` class, or bundle it with `--target lambda`".into(),
            ),
            Self::VercelPython { .. } => Some("set `python = \"3.12\"` in `[tool.fenv.target.vercel]`".into()),
            Self::NoVercelRuntime => Some(format!(
                "Vercel's builder installs `{}=={}` from the package index; use an index that has it",
                vercel::RUNTIME,
                vercel::RUNTIME_VERSION
            )),
            Self::ForeignOutput { .. } => Some(
                "`vercel build` and `fenv bundle` write it, with a `config.json`; move the folder away".into(),
            ),
            Self::Glob { .. } => Some("fix `include` or `exclude` in its `[tool.fenv.functions.NAME]` table".into()),
            Self::LayerOnVercel => Some("drop `--layer`, or pass `--target lambda`".into()),
            Self::Install { .. } | Self::NotFetched { .. } | Self::Io(_) => None,
            Self::Walk(source) => source.hint(),
            // A boxed source is not found by downcasting the chain.
            Self::ForTarget { source, .. } => source.hint(),
        }
    }
}

/// The platforms `fenv bundle` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Lambda,
    Vercel,
}

impl Platform {
    pub fn limits(self) -> report::Limits {
        match self {
            Self::Lambda => report::Limits::LAMBDA,
            Self::Vercel => report::Limits::VERCEL,
        }
    }
}

/// The packages in every closure, sorted: what a layer shares.
pub fn shared(closures: &[BTreeSet<String>]) -> Vec<String> {
    let Some((first, rest)) = closures.split_first() else {
        return Vec::new();
    };
    first
        .iter()
        .filter(|name| rest.iter().all(|c| c.contains(*name)))
        .cloned()
        .collect()
}

/// Where `function`'s `_helpers` live: the functions folder, or the
/// module's own folder for a module outside it.
pub fn helpers_dir(function: &Function, functions_dir: &Path) -> PathBuf {
    if function.module.starts_with(functions_dir) {
        functions_dir.to_path_buf()
    } else {
        function
            .module
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }
}

/// The files fenv writes into `function`'s bundle: for Lambda with a
/// Vercel-style handler the shared runtime and the shim; for Vercel the
/// bootstrap module and `.vc-config.json`.
pub fn generated(
    platform: Platform,
    function: &Function,
    form: &Form,
    python: (u32, u32),
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    Ok(match platform {
        Platform::Lambda if needs_shim(platform, form) => vec![
            (
                format!("{RUNTIME_MODULE}.py"),
                crate::functions::RUNTIME_PY.as_bytes().to_vec(),
            ),
            (
                format!("{SHIM_MODULE}.py"),
                shim(&function.relative, &function.route.to_string()).into_bytes(),
            ),
        ],
        Platform::Lambda => Vec::new(),
        Platform::Vercel => {
            let variable = vercel::variable(function)?;
            vec![
                (
                    format!("{}.py", vercel::BOOTSTRAP_MODULE),
                    vercel::bootstrap(function, &variable).into_bytes(),
                ),
                (".vc-config.json".into(), vercel::vc_config(python).into_bytes()),
            ]
        }
    })
}

/// The Lambda handler string for a function whose module is `module`
/// (`/`-separated, from the zip's root): the module path with dots for a
/// native handler (`api/hello.py` → `api.hello.handler`, imported from
/// the zip's root as a namespace package), else the shim's. `None` on
/// Vercel, which finds the handler itself.
pub fn handler_string(platform: Platform, form: &Form, module: &str) -> Option<String> {
    match (platform, form) {
        (Platform::Vercel, _) => None,
        (Platform::Lambda, Form::Lambda { function }) => {
            let dotted = module.strip_suffix(".py").unwrap_or(module).replace('/', ".");
            Some(format!("{dotted}.{function}"))
        }
        (Platform::Lambda, _) => Some(format!("{SHIM_MODULE}.handler")),
    }
}

/// Whether the function needs the shim and the runtime in its zip.
pub fn needs_shim(platform: Platform, form: &Form) -> bool {
    platform == Platform::Lambda && !matches!(form, Form::Lambda { .. })
}

/// `fenv_handler.py` for the function at `module` (from the zip's root)
/// serving `route` (`/api/users/[id]`, whose `id` it passes on).
pub fn shim(module: &str, route: &str) -> String {
    // A JSON string is a valid Python string literal for any text.
    let literal = |text: &str| serde_json::Value::String(text.to_string()).to_string();
    SHIM_PY
        .replace("\"@MODULE@\"", &literal(module))
        .replace("\"@ROUTE@\"", &literal(route))
}

/// The lock's packages for `target`; sdists are refused, since fenv
/// builds only for the host.
pub fn select(
    locked: &crate::lock::Lock,
    target: &crate::resolve::Target,
) -> Result<Vec<crate::sync::Selected>, Error> {
    let environment = crate::sync::select::Environment {
        description: &target.description,
        python: &target.python,
        markers: &target.markers,
        tags: &target.tags,
        allow_sdist: false,
    };
    crate::sync::select(locked, &environment, None).map_err(|source| Error::ForTarget {
        target: target.description.clone(),
        source: Box::new(source),
    })
}

/// Each wheel built from a folder of the project fits `target`'s tags: it
/// was built by this machine's Python, for another platform's bundle.
pub fn local_wheels_fit(
    selected: &[&crate::sync::Selected],
    wheels: &std::collections::HashMap<String, crate::install::UnpackedWheel>,
    target: &crate::resolve::Target,
) -> Result<(), Error> {
    for package in selected
        .iter()
        .filter(|s| matches!(s.source, crate::sync::Source::Directory(_)))
    {
        let Some(wheel) = wheels.get(&package.name) else {
            continue;
        };
        let fits = wheel
            .filename()
            .is_some_and(|name| target.tags.rank(&name.tags).is_some());
        if !fits {
            return Err(Error::LocalWheel {
                package: package.name.clone(),
                wheel: wheel.file_name.clone(),
                target: target.description.clone(),
            });
        }
    }
    Ok(())
}

/// `selected` with each folder's package built as a plain wheel: a
/// bundle carries the code, never a pointer to the developer's folder.
pub fn never_editable(selected: Vec<crate::sync::Selected>) -> Vec<crate::sync::Selected> {
    selected
        .into_iter()
        .map(|mut package| {
            if let crate::sync::Source::Directory(directory) = &mut package.source {
                directory.editable = false;
            }
            package
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_strings_per_form() {
        let native = Form::Lambda {
            function: "handler".into(),
        };
        assert_eq!(
            handler_string(Platform::Lambda, &native, "api/users/hello.py").as_deref(),
            Some("api.users.hello.handler")
        );
        assert_eq!(
            handler_string(Platform::Lambda, &Form::App, "api/hello.py").as_deref(),
            Some("fenv_handler.handler")
        );
        assert_eq!(
            handler_string(Platform::Vercel, &Form::Http, "api/hello.py"),
            None
        );
        assert!(needs_shim(Platform::Lambda, &Form::Http));
        assert!(!needs_shim(Platform::Lambda, &native));
        assert!(!needs_shim(Platform::Vercel, &Form::Http));
    }

    #[test]
    fn the_shim_names_its_module() {
        let text = shim("api/say \"hi\".py", "/api/say \"hi\"");
        assert!(text.contains(r#"MODULE = "api/say \"hi\".py""#), "{text}");
        assert!(text.contains(r#"ROUTE = "/api/say \"hi\"""#), "{text}");
        assert!(!text.contains("@MODULE@") && !text.contains("@ROUTE@"));
    }
}
