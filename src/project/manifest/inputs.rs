//! What decides a lock's content, as canonical lines and their hash:
//! the basis of `fenv lock --check`, which must need no network.

use std::collections::BTreeMap;
use std::path::Path;

use pep508_rs::Requirement;

use super::Manifest;

impl Manifest {
    /// Everything that decides the lock's content, one readable line each
    /// (`dependency httpx>=0.27`, `target lambda (python3.12, x86_64)`), in
    /// a canonical order: reordering requirements or reformatting a file
    /// does not change the list; changing what is asked for does.
    /// Credentials in the index URL and the project's absolute location
    /// are left out, so the list is the same on every machine. This is
    /// what [`Manifest::inputs_hash`] digests and what a lock records to
    /// explain a `--check` failure.
    pub fn inputs(&self) -> Vec<String> {
        fn push_all(lines: &mut Vec<String>, key: &str, mut values: Vec<String>) {
            values.sort();
            values.dedup();
            lines.extend(values.into_iter().map(|value| format!("{key} {value}")));
        }
        let requirements = |list: &[Requirement]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
        let keyed = |map: &BTreeMap<String, Vec<Requirement>>| {
            map.iter()
                .flat_map(|(name, list)| {
                    // An empty extra or group still exists and is selectable.
                    std::iter::once(name.clone()).chain(list.iter().map(move |r| format!("{name}: {r}")))
                })
                .collect::<Vec<_>>()
        };

        let settings = &self.settings;
        let mut lines = Vec::new();
        let requires_python = self.requires_python.as_ref().map(ToString::to_string);
        push_all(
            &mut lines,
            "requires-python",
            requires_python.into_iter().collect(),
        );
        push_all(&mut lines, "dependency", requirements(&self.dependencies));
        push_all(&mut lines, "extra", keyed(&self.optional_dependencies));
        push_all(&mut lines, "group", keyed(&self.groups));
        push_all(&mut lines, "default-group", self.default_groups());
        push_all(&mut lines, "constraint", requirements(&self.constraints));
        // The Python the host's environment is made with, which the host
        // part of the lock was resolved for.
        push_all(&mut lines, "python", settings.python.iter().cloned().collect());
        let pinned = settings.target_defaults.python_version_file;
        push_all(
            &mut lines,
            "python-version",
            pinned
                .map(|(major, minor)| format!("{major}.{minor}"))
                .into_iter()
                .collect(),
        );
        let functions = settings
            .functions
            .iter()
            .flat_map(|(name, f)| f.dependencies.iter().map(move |r| format!("{name}: {r}")))
            .collect();
        push_all(&mut lines, "function", functions);
        push_all(
            &mut lines,
            "environment",
            settings.environments.iter().map(ToString::to_string).collect(),
        );
        // Target order is kept: it is the order of `environments`.
        lines.extend(settings.targets.iter().map(|target| format!("target {target}")));
        let index_url = settings.index_url.as_deref().map(without_credentials);
        push_all(&mut lines, "index-url", index_url.into_iter().collect());
        let find_links = settings
            .find_links
            .iter()
            .map(|path| self.relative(path))
            .collect();
        push_all(&mut lines, "find-links", find_links);
        push_all(
            &mut lines,
            "exclude-newer",
            settings.exclude_newer.iter().cloned().collect(),
        );
        // A source's folder, and what its metadata files hold now: a new
        // dependency of a shared library makes the lock stale.
        let sources = settings
            .sources
            .iter()
            .map(|(name, source)| {
                format!(
                    "{name} path={} editable={} metadata={}",
                    source.path,
                    source.editable,
                    &source.digest[..16.min(source.digest.len())]
                )
            })
            .collect();
        push_all(&mut lines, "source", sources);
        if !settings.only_binary {
            lines.push("only-binary false".into());
        }
        lines
    }

    /// A sha256 (hex) of [`Manifest::inputs`] plus `extra`, what the
    /// caller adds (such as `--target` values or the host's Python), whose
    /// order does not matter either. `[tool.fenv] inputs-hash` holds it.
    pub fn inputs_hash(&self, extra: &[&str]) -> String {
        let mut extra: Vec<&str> = extra.to_vec();
        extra.sort_unstable();
        extra.dedup();
        let mut text = String::from("fenv-inputs 1\n");
        for line in self
            .inputs()
            .iter()
            .map(String::as_str)
            .chain(extra.iter().copied())
        {
            text.push_str(line);
            text.push('\n');
        }
        crate::hash::sha256_hex(text.as_bytes())
    }

    /// `path` relative to the root with `/` separators when it is inside
    /// it, so the hash does not depend on where the project is checked out.
    fn relative(&self, path: &Path) -> String {
        crate::fs::relative_inside(path, &self.root).unwrap_or_else(|| path.display().to_string())
    }
}

/// `https://user:secret@host/simple` → `https://host/simple`.
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_cut_from_index_urls() {
        assert_eq!(
            without_credentials("https://u:p@host/simple"),
            "https://host/simple"
        );
        assert_eq!(
            without_credentials("https://host/simple/a@b"),
            "https://host/simple/a@b"
        );
        assert_eq!(without_credentials("https://host"), "https://host");
    }
}
