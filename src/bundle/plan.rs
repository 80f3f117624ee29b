//! What goes into one function's zip: its installed dependency closure
//! (a staging folder laid out like `pip install --target`), its module at
//! its project-relative path, the `_`-prefixed helpers beside it, its
//! `include` globs, and — for Lambda with a Vercel-style handler — the
//! shim; minus bytecode, installer metadata and its `exclude` globs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::bundle::Error;
use crate::bundle::zip::{Contents, Entry};

/// Files an installer writes that describe one install rather than the
/// package: they would differ between two builds of the same bundle (the
/// "no RECORD churn" rule), and nothing at run time reads them.
/// `RECORD` goes too: its hashes describe the staging folder, and
/// `importlib.metadata` works without it.
const INSTALL_METADATA: &[&str] = &["INSTALLER", "REQUESTED", "direct_url.json", "RECORD"];

/// The function's own files, relative to the project root.
pub struct Code<'a> {
    pub root: &'a Path,
    /// The module, `/`-separated from the root: `api/hello.py`.
    pub module: &'a str,
    /// Where the helpers live: the functions folder (absolute).
    pub helpers_dir: &'a Path,
    pub include: &'a [String],
    /// Folders under the root never bundled: the env, the output.
    pub skip: &'a [PathBuf],
}

/// A compiled `exclude` list.
pub struct Excludes(GlobSet);

impl Excludes {
    pub fn new(function: &str, globs: &[String]) -> Result<Self, Error> {
        Ok(Self(glob_set(function, globs)?))
    }

    fn matches(&self, path: &str) -> bool {
        self.0.is_match(path)
    }
}

/// The entries of the zip: the staging folder's tree at the zip's root,
/// then the code and any generated files, minus `excludes`. A later
/// entry at the same path replaces an earlier one.
pub fn entries(
    staging: &Path,
    code: Option<&Code<'_>>,
    generated: Vec<(String, Vec<u8>)>,
    excludes: &Excludes,
) -> Result<Vec<Entry>, Error> {
    let mut out: BTreeMap<String, Contents> = BTreeMap::new();
    walk(staging, &mut |relative, path, is_dir, executable| {
        if is_dir {
            if relative.rsplit('/').next() == Some("__pycache__") {
                return false;
            }
            out.insert(relative.to_string(), Contents::Dir);
            return true;
        }
        if !is_installed_noise(relative) {
            out.insert(
                relative.to_string(),
                Contents::File {
                    source: path.to_path_buf(),
                    executable,
                },
            );
        }
        true
    })?;
    let (files, root) = match code {
        Some(code) => (code_files(code)?, code.root),
        None => (Vec::new(), staging),
    };
    for path in files {
        let relative = crate::install::relative_to(&path, root);
        let executable = crate::fs::is_executable(&path);
        add_parents(&relative, &mut out);
        out.insert(
            relative,
            Contents::File {
                source: path,
                executable,
            },
        );
    }
    for (relative, bytes) in generated {
        add_parents(&relative, &mut out);
        out.insert(relative, Contents::Bytes(bytes));
    }
    Ok(out
        .into_iter()
        .filter(|(path, contents)| {
            // A folder goes when excluded as `dir` or as `dir/`.
            !(excludes.matches(path) || (*contents == Contents::Dir && excludes.matches(&format!("{path}/"))))
        })
        .filter(|(path, _)| {
            // And so does everything under an excluded folder.
            !ancestors(path).any(|dir| excludes.matches(dir) || excludes.matches(&format!("{dir}/")))
        })
        .map(|(path, contents)| Entry { path, contents })
        .collect())
}

/// Bytecode and the installer's per-install files.
fn is_installed_noise(relative: &str) -> bool {
    let mut parts = relative.rsplit('/');
    let name = parts.next().unwrap_or_default();
    let parent = parts.next().unwrap_or_default();
    name.ends_with(".pyc")
        || relative.split('/').any(|p| p == "__pycache__")
        || (parent.ends_with(".dist-info") && INSTALL_METADATA.contains(&name))
}

/// `a/b/c.py` → `a/b`, `a`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = path;
    std::iter::from_fn(move || {
        let (parent, _) = rest.rsplit_once('/')?;
        rest = parent;
        Some(parent)
    })
}

fn add_parents(relative: &str, out: &mut BTreeMap<String, Contents>) {
    for dir in ancestors(relative) {
        out.insert(dir.to_string(), Contents::Dir);
    }
}

/// The module, its `_`-prefixed helpers (files and packages under the
/// functions folder, as Vercel ships them), and the `include` matches.
fn code_files(code: &Code<'_>) -> Result<Vec<PathBuf>, Error> {
    let mut files = vec![code.root.join(code.module)];
    if code.helpers_dir.is_dir() {
        walk(code.helpers_dir, &mut |relative, path, is_dir, _| {
            let name = relative.rsplit('/').next().unwrap_or_default();
            if name == "__pycache__" || name.starts_with('.') {
                return false;
            }
            // Inside a `_` folder everything is a helper's.
            let in_helper = relative.split('/').any(|p| p.starts_with('_'));
            if !is_dir && in_helper && !name.ends_with(".pyc") {
                files.push(path.to_path_buf());
            }
            true
        })?;
    }
    if !code.include.is_empty() {
        let set = glob_set("include", code.include)?;
        walk(code.root, &mut |relative, path, is_dir, _| {
            let name = relative.rsplit('/').next().unwrap_or_default();
            if is_dir {
                return !(name.starts_with('.')
                    || name == "__pycache__"
                    || code.skip.iter().any(|s| s == path));
            }
            if set.is_match(relative) && !name.ends_with(".pyc") {
                files.push(path.to_path_buf());
            }
            true
        })?;
    }
    Ok(files)
}

fn glob_set(function: &str, globs: &[String]) -> Result<GlobSet, Error> {
    let mut builder = GlobSetBuilder::new();
    for text in globs {
        let glob = Glob::new(text.trim_start_matches("./")).map_err(|source| Error::Glob {
            function: function.to_string(),
            glob: text.clone(),
            reason: source.kind().to_string(),
        })?;
        builder.add(glob);
    }
    builder.build().map_err(|source| Error::Glob {
        function: function.to_string(),
        glob: globs.join(", "),
        reason: source.kind().to_string(),
    })
}

/// Walks `root` in name order, calling `visit(relative, path, is_dir,
/// executable)`; a folder is entered when `visit` returns true. Links are
/// followed (a bundle holds files, not links); anything else is skipped.
fn walk(root: &Path, visit: &mut dyn FnMut(&str, &Path, bool, bool) -> bool) -> Result<(), Error> {
    let enter = |entry: &walkdir::DirEntry| {
        let relative = crate::install::relative_to(entry.path(), root);
        let kind = entry.file_type();
        if kind.is_dir() {
            visit(&relative, entry.path(), true, true)
        } else if kind.is_file() {
            visit(
                &relative,
                entry.path(),
                false,
                crate::fs::is_executable(entry.path()),
            );
            true
        } else {
            false
        }
    };
    for entry in crate::fs::walk(root, enter) {
        entry?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installer_noise_is_left_out() {
        assert!(is_installed_noise("a-1.dist-info/RECORD"));
        assert!(is_installed_noise("a-1.dist-info/INSTALLER"));
        assert!(is_installed_noise("a/__pycache__/x.cpython-312.pyc"));
        assert!(!is_installed_noise("a-1.dist-info/METADATA"));
        assert!(!is_installed_noise("a/RECORD"));
    }

    #[test]
    fn ancestors_go_up_to_the_top() {
        assert_eq!(ancestors("a/b/c.py").collect::<Vec<_>>(), ["a/b", "a"]);
        assert_eq!(ancestors("c.py").count(), 0);
    }
}
