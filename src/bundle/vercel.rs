//! Vercel's Build Output API (version 3), as `vercel build` writes it for
//! Python functions and `vercel deploy --prebuilt` uploads it:
//! `.vercel/output/config.json` (the routes) and one
//! `functions/<route>.func/` folder a function, holding its code at its
//! project path, its packages in `_vendor/`, Vercel's Python runtime
//! (`vercel-runtime`) among them, the bootstrap module the platform calls
//! (`vc__handler__python.vc_handler`) and `.vc-config.json`.
//!
//! The layout, the bootstrap's environment variables and the routes are
//! those of `@vercel/python` in the Vercel CLI 58.10; fenv differs in one
//! way: each function holds only its own dependency closure.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::bundle::zip::Entry;
use crate::bundle::{Error, tree};
use crate::functions::{Form, Function, Segment};
use crate::index::File;
use crate::lock::LockedFile;
use crate::sync::{Selected, Source};

/// The output folder, from the project root.
pub const OUTPUT: &str = ".vercel/output";

/// Where packages go in a function: the bootstrap puts it on `sys.path`.
pub const VENDOR: &str = "_vendor";

/// The module the platform imports; its `vc_handler` takes each request.
pub const BOOTSTRAP_MODULE: &str = "vc__handler__python";

/// Vercel's Python runtime, which turns the platform's invocations into
/// calls of the function's handler.
pub const RUNTIME: &str = "vercel-runtime";

/// The version `@vercel/python` of the Vercel CLI 58.10 installs
/// (`VERCEL_RUNTIME_VERSION`), so a prebuilt function runs under the
/// runtime a git-push deploy would give it.
pub const RUNTIME_VERSION: &str = "0.20.0";

/// The Python versions Vercel's runtime supports (its `Requires-Python`).
pub const RUNTIME_PYTHON: (u32, u32) = (3, 12);

/// The runtime's wheel among the files the index lists for it.
pub fn runtime_wheel(files: &[File]) -> Option<&File> {
    let prefix = format!("vercel_runtime-{RUNTIME_VERSION}-");
    files
        .iter()
        .find(|f| f.filename.starts_with(&prefix) && f.filename.ends_with("-py3-none-any.whl"))
}

/// The name the runtime looks the handler up by: exactly as bound in the
/// module. A native Lambda handler has none: Vercel cannot call it.
pub fn variable(function: &Function) -> Result<String, Error> {
    let refused = || Error::VercelForm {
        function: function.name.clone(),
    };
    match &function.form {
        Some(Form::Lambda { .. }) | None => Err(refused()),
        Some(Form::Http) => function.scan.name.clone().ok_or_else(refused),
        Some(Form::App) => Ok("app".into()),
        Some(Form::Application) => Ok("application".into()),
    }
}

/// The function's folder in the output: `functions/api/users/[id].func`.
pub fn func_dir(function: &Function) -> PathBuf {
    let stem = function
        .relative
        .strip_suffix(".py")
        .unwrap_or(&function.relative);
    Path::new("functions").join(format!("{stem}.func"))
}

/// `vc__handler__python.py`: sets what `vercel_runtime.vc_init` reads,
/// puts `_vendor` on `sys.path` as a site folder (so `.pth` files work),
/// and re-exports the runtime's `vc_handler`. Every value is written as
/// a JSON string, which Python reads as the same string literal, so no
/// file name can break out of it.
pub fn bootstrap(function: &Function, variable: &str) -> String {
    let entrypoint = function.relative.as_str();
    let module = entrypoint
        .strip_suffix(".py")
        .unwrap_or(entrypoint)
        .trim_end_matches("/__init__")
        .replace('/', ".");
    let quote = |text: &str| serde_json::Value::from(text).to_string();
    format!(
        r#"# Written by fenv: the entry point of Vercel's Python runtime.
import importlib
import os
import site
import sys
import time

_here = os.path.dirname(__file__)
os.environ.update({{
    "__VC_PY_BOOT_START_MS": str(int(time.monotonic() * 1000)),
    "__VC_HANDLER_MODULE_NAME": {module},
    "__VC_HANDLER_ENTRYPOINT": {entrypoint},
    "__VC_HANDLER_ENTRYPOINT_ABS": os.path.join(_here, {entrypoint}),
    "__VC_HANDLER_VENDOR_DIR": {vendor},
    "__VC_HANDLER_VARIABLE_NAME": {variable},
}})

_vendor = os.path.normpath(os.path.join(_here, {vendor}))
if os.path.isdir(_vendor):
    site.addsitedir(_vendor)
    while _vendor in sys.path:
        sys.path.remove(_vendor)
    # After the function's folder, ahead of everything else.
    sys.path.insert(1 if sys.path and sys.path[0] in ("", _here) else 0, _vendor)
    importlib.invalidate_caches()

from vercel_runtime.vc_init import vc_handler  # noqa: E402
"#,
        module = quote(&module),
        entrypoint = quote(entrypoint),
        vendor = quote(VENDOR),
        variable = quote(variable),
    )
}

/// `.vc-config.json` of a function: Vercel's Lambda runtime and handler.
pub fn vc_config(python: (u32, u32)) -> String {
    let (major, minor) = python;
    let config = json!({
        "handler": format!("{BOOTSTRAP_MODULE}.vc_handler"),
        "runtime": format!("python{major}.{minor}"),
        "architecture": "x86_64",
        "environment": {
            "PYTHONPATH": VENDOR,
            "PYTHONDONTWRITEBYTECODE": "1",
        },
        "supportsResponseStreaming": true,
    });
    pretty(&config)
}

/// `config.json`: the routes `vercel build` writes for Python functions
/// under `api/`: files first, then each dynamic route (`[id]` segments
/// as query values, as Vercel passes them), a 404 for the rest of
/// `/api`, and `/api/name.py` served as `/api/name`.
pub fn config_text(functions: &[&Function]) -> String {
    let mut routes = vec![json!({ "handle": "filesystem" })];
    for function in functions.iter().filter(|f| !f.route.is_static()) {
        routes.push(dynamic_route(function));
    }
    routes.extend([
        json!({ "src": "^/api(/.*)?$", "status": 404 }),
        json!({ "handle": "error" }),
        json!({ "status": 404, "src": "^(?!/api).*$", "dest": "/404.html" }),
        json!({ "handle": "miss" }),
        json!({ "src": "^/api/(.+)(?:\\.(?:py))$", "dest": "/api/$1", "check": true }),
    ]);
    pretty(&json!({ "version": 3, "routes": routes, "crons": [] }))
}

/// `api/users/[id].py` → `^/api/users/([^/]+)$` to `/api/users/[id]?id=$1`.
fn dynamic_route(function: &Function) -> serde_json::Value {
    let mut src = String::from("^");
    let mut query = Vec::new();
    for segment in &function.route.segments {
        src.push('/');
        match segment {
            Segment::Param(name) => {
                query.push(format!("{name}=${}", query.len() + 1));
                src.push_str("([^/]+)");
            }
            Segment::Static(name) => src.push_str(&regex_escape(name)),
        }
    }
    src.push('$');
    let stem = function
        .relative
        .strip_suffix(".py")
        .unwrap_or(&function.relative);
    json!({ "src": src, "dest": format!("/{stem}?{}", query.join("&")), "check": true })
}

fn regex_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn pretty(value: &serde_json::Value) -> String {
    // A `Value` always renders: its keys are strings.
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The runtime's wheel as a package to fetch and verify like a locked
/// one: by the sha256 the index gives for it.
pub fn runtime_package(files: &[File]) -> Result<Selected, Error> {
    let file = runtime_wheel(files).ok_or(Error::NoVercelRuntime)?;
    let sha256 = file.sha256.clone().ok_or(Error::NoVercelRuntime)?;
    Ok(Selected {
        name: RUNTIME.to_string(),
        version: RUNTIME_VERSION.to_string(),
        file: LockedFile {
            name: file.filename.clone(),
            url: file.url.clone(),
            path: None,
            size: file.size,
            upload_time: file.upload_time.clone(),
            sha256,
        },
        source: Source::Wheel,
        fingerprint: None,
    })
}

/// A Build Output being written: a scratch folder in `.vercel/` that
/// takes the place of `.vercel/output` only once every function is in
/// it, so a failed bundle leaves the last output as it was.
pub struct Output {
    dest: PathBuf,
    scratch: tempfile::TempDir,
}

impl Output {
    /// Starts an output for the project at `root`. An existing
    /// `.vercel/output` is replaced only when it is a Build Output (it
    /// has a `config.json`), one `vercel build` or fenv wrote.
    pub fn new(root: &Path) -> Result<Self, Error> {
        let dest = root.join(OUTPUT);
        if let Ok(meta) = fs_err::symlink_metadata(&dest)
            && (!meta.is_dir() || !dest.join("config.json").is_file())
        {
            return Err(Error::ForeignOutput { path: dest });
        }
        let parent = root.join(".vercel");
        fs_err::create_dir_all(&parent).map_err(crate::fs::PathError::with("create", &parent))?;
        let scratch = tempfile::Builder::new()
            .prefix(".fenv-output-")
            .tempdir_in(&parent)
            .map_err(crate::fs::PathError::with("create a folder in", &parent))?;
        Ok(Self { dest, scratch })
    }

    /// Writes one function's folder (`functions/api/hello.func`).
    pub fn write_function(&self, func: &Path, entries: &[Entry]) -> Result<(), Error> {
        let dir = self.scratch.path().join(func);
        if let Some(parent) = dir.parent() {
            fs_err::create_dir_all(parent).map_err(crate::fs::PathError::with("create", parent))?;
        }
        tree::write(&dir, entries).map_err(|source| crate::fs::PathError::new("write", &dir, source))?;
        Ok(())
    }

    /// Writes `config.json` for `functions` and puts the output in place,
    /// the old one removed; returns where it is.
    pub fn finish(self, functions: &[&Function]) -> Result<PathBuf, Error> {
        let config = self.scratch.path().join("config.json");
        crate::fs::write_atomic(&config, config_text(functions))
            .map_err(|source| crate::fs::PathError::new("write", &config, source))?;
        let parent = self
            .scratch
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let old = tempfile::Builder::new()
            .prefix(".fenv-old-output-")
            .tempdir_in(&parent)
            .map_err(crate::fs::PathError::with("create a folder in", &parent))?;
        if self.dest.exists() {
            let aside = old.path().join("output");
            fs_err::rename(&self.dest, &aside).map_err(crate::fs::PathError::with("move", &self.dest))?;
        }
        let written = self.scratch.keep();
        fs_err::rename(&written, &self.dest).map_err(crate::fs::PathError::with("move", &written))?;
        drop(old);
        Ok(self.dest)
    }
}
