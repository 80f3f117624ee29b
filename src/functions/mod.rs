//! Function projects: the functions under the functions folder (Vercel's
//! conventions), how each is called, and what each needs from the lock.
//!
//! [`discover`] lists them; [`handler`] finds each one's handler by
//! reading its source, never importing it; [`route`] maps files to URL
//! paths; [`closure()`] follows the lock from a function's requirements.
//! `fenv serve`, `fenv bundle` and `fenv check` all start here.

pub mod closure;
pub mod handler;
pub mod import_time;
pub mod route;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use closure::closure;
pub use handler::{Form, Scan};
pub use route::{Route, Segment};

use crate::error::Hint;
use crate::fs::user_display;
use crate::project::manifest::{FunctionSettings, Manifest};

/// The Python side of calling a function (stdlib only, 3.7+): loading
/// the module, finding its form, and driving it with one request. `fenv
/// serve`'s workers and the Lambda shim of `fenv bundle` both use it, so a
/// function behaves the same locally and deployed.
pub const RUNTIME_PY: &str = include_str!("runtime.py");

/// The functions folder when `[tool.fenv]` names none.
pub const DEFAULT_DIR: &str = "api";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Io(#[from] crate::fs::PathError),

    #[error(transparent)]
    Walk(#[from] crate::fs::WalkError),

    #[error("the function `{name}` names `{}`, which does not exist", user_display(path))]
    MissingModule { name: String, path: PathBuf },

    #[error(
        "`{}` and `{}` are both the function `{name}`",
        user_display(first),
        user_display(second)
    )]
    DuplicateName {
        name: String,
        first: PathBuf,
        second: PathBuf,
    },

    #[error("the function `{name}` has `handler = \"{value}\"`, which is not a handler form")]
    InvalidHandler { name: String, value: String },

    #[error("there is no function `{name}`")]
    UnknownFunction { name: String, known: Vec<String> },
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Io(_) => None,
            Self::Walk(source) => source.hint(),
            Self::MissingModule { .. } => Some("fix `path` in its `[tool.fenv.functions.NAME]` table".into()),
            Self::DuplicateName { .. } => {
                Some("rename one of the files; names come from the path under the functions folder".into())
            }
            Self::InvalidHandler { .. } => Some(
                "use `auto`, `handler`, `app`, `application`, or `module:function` for a Lambda handler"
                    .into(),
            ),
            Self::UnknownFunction { known, .. } => Some(if known.is_empty() {
                "the project has no functions; add one under `api/` (`fenv init` makes an example)".into()
            } else {
                format!("the functions are: {}", known.join(", "))
            }),
        }
    }
}

/// One function of the project.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// The route's path under the functions folder, `/` as `-`, brackets
    /// dropped: `api/users/[id].py` is `users-id`.
    pub name: String,
    #[serde(serialize_with = "display")]
    pub route: Route,
    /// The module, absolute.
    pub module: PathBuf,
    /// The module from the project root, with `/`: `api/users/[id].py`.
    pub relative: String,
    /// What the source defines.
    pub scan: Scan,
    /// How the function is called: its `handler` setting, else the scan's.
    pub form: Option<Form>,
    #[serde(skip)]
    pub settings: FunctionSettings,
}

fn display<S: serde::Serializer>(route: &Route, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(route)
}

/// The functions folder of `manifest`, absolute.
pub fn functions_dir(manifest: &Manifest) -> PathBuf {
    manifest
        .settings
        .functions_dir
        .clone()
        .unwrap_or_else(|| manifest.root.join(DEFAULT_DIR))
}

/// Every function of the project, sorted by route (static routes first),
/// so dispatch and output are stable.
///
/// A module without a handler is listed too (for `fenv check` to note);
/// [`served`] leaves it out, as Vercel's builder does.
pub fn discover(manifest: &Manifest) -> Result<Vec<Function>, Error> {
    let root = &manifest.root;
    let dir = functions_dir(manifest);
    let mut modules = Vec::new();
    if dir.is_dir() {
        walk(&dir, &mut modules)?;
    }
    let mut functions: Vec<Function> = Vec::new();
    let mut add = |name: String, module: PathBuf| -> Result<(), Error> {
        if let Some(other) = functions.iter().find(|f| f.name == name) {
            return Err(Error::DuplicateName {
                name,
                first: other.module.clone(),
                second: module,
            });
        }
        let settings = manifest
            .settings
            .functions
            .get(&name)
            .cloned()
            .unwrap_or_default();
        let relative = crate::install::relative_to(&module, root);
        let source = fs_err::read_to_string(&module)
            .map_err(|source| Error::Io(crate::fs::PathError::new("read", module.clone(), source)))?;
        let scan = handler::scan(&source);
        let form = match settings.handler.as_deref() {
            None | Some("auto") => scan.handler.as_ref().map(|(form, _)| form.clone()),
            Some("handler") => Some(Form::Http),
            Some("app") => Some(Form::App),
            Some("application") => Some(Form::Application),
            Some(value) => match value.split_once(':') {
                Some((_, function)) if !function.is_empty() => Some(Form::Lambda {
                    function: function.to_string(),
                }),
                _ => {
                    return Err(Error::InvalidHandler {
                        name,
                        value: value.to_string(),
                    });
                }
            },
        };
        functions.push(Function {
            route: Route::for_module(&relative),
            name,
            module,
            relative,
            scan,
            form,
            settings,
        });
        Ok(())
    };
    for module in modules {
        let name = name_of(&module, &dir);
        add(name, module)?;
    }
    // Functions named by a table with `path`, outside the folder.
    for (name, settings) in &manifest.settings.functions {
        let Some(path) = &settings.path else { continue };
        let module = crate::fs::normalize(&root.join(path));
        if module.starts_with(&dir) {
            continue;
        }
        if !module.is_file() {
            return Err(Error::MissingModule {
                name: name.clone(),
                path: module,
            });
        }
        add(name.clone(), module)?;
    }
    functions.sort_by(|a, b| {
        (!a.route.is_static(), a.route.to_string()).cmp(&(!b.route.is_static(), b.route.to_string()))
    });
    Ok(functions)
}

/// The function called `name`.
pub fn find<'a>(functions: &'a [Function], name: &str) -> Result<&'a Function, Error> {
    functions
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| Error::UnknownFunction {
            name: name.to_string(),
            known: functions.iter().map(|f| f.name.clone()).collect(),
        })
}

/// `users/[id].py` under `dir` → `users-id`; `index.py` → `index`.
fn name_of(module: &Path, dir: &Path) -> String {
    let relative = crate::install::relative_to(module, dir);
    let stem = relative.strip_suffix(".py").unwrap_or(&relative);
    let stem = stem.strip_suffix("/index").unwrap_or(stem);
    stem.replace(['[', ']'], "").replace('/', "-")
}

/// The `*.py` files under `dir`, skipping names that start with `_` or
/// `.` (helpers, as on Vercel) and the folders so named.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let visible = |entry: &walkdir::DirEntry| !entry.file_name().to_string_lossy().starts_with(['_', '.']);
    for entry in crate::fs::walk(dir, visible) {
        let entry = entry?;
        if entry.file_type().is_file() && entry.file_name().to_string_lossy().ends_with(".py") {
            out.push(entry.into_path());
        }
    }
    Ok(())
}

/// The functions a platform serves: those with a handler. Vercel's builder
/// skips a `.py` under `api/` that defines none (a helper module), and so
/// do `fenv serve` and `fenv bundle --all`.
pub fn served(all: Vec<Function>) -> Vec<Function> {
    all.into_iter()
        .filter(|function| function.form.is_some())
        .collect()
}
