//! Rendering a [`Lock`] as `pylock.toml` text.
//!
//! The writer is hand-made rather than a TOML serializer so that the
//! output is fixed byte for byte: keys in the order of the PEP 751 tables,
//! arrays sorted, one wheel per `[[packages.wheels]]` table, upload times
//! as TOML datetimes (not strings), `[tool.fenv]` last. The same lock
//! always renders the same bytes, so re-locking unchanged inputs leaves
//! the file untouched and diffs stay small.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::str::FromStr;

use crate::dist::name::normalize;
use crate::lock::schema::{Lock, LockedFile, LockedPackage};

/// The lock-version fenv writes.
pub const LOCK_VERSION: &str = "1.0";

/// The `created-by` fenv writes.
pub const CREATED_BY: &str = "fenv";

/// `lock` as `pylock.toml` text: deterministic, byte-identical for equal
/// input, whatever the order of its packages, files and name lists.
pub fn render(lock: &Lock) -> String {
    let mut out = String::new();
    line(&mut out, "lock-version", &string(LOCK_VERSION));
    if !lock.environments.is_empty() {
        line(&mut out, "environments", &multiline_array(&lock.environments));
    }
    if let Some(requires_python) = &lock.requires_python {
        line(&mut out, "requires-python", &string(requires_python));
    }
    // PEP 751 asks for `extras` and `dependency-groups` to be written even
    // when empty, so readers know the lock supports selecting them.
    line(&mut out, "extras", &inline_array(&sorted(&lock.extras)));
    line(
        &mut out,
        "dependency-groups",
        &inline_array(&sorted(&lock.dependency_groups)),
    );
    line(
        &mut out,
        "default-groups",
        &inline_array(&sorted(&lock.default_groups)),
    );
    line(&mut out, "created-by", &string(CREATED_BY));
    if lock.packages.is_empty() {
        line(&mut out, "packages", "[]");
    }

    let mut packages: Vec<&LockedPackage> = lock.packages.iter().collect();
    packages.sort_by(|a, b| compare_packages(a, b));
    for package in packages {
        out.push('\n');
        render_package(&mut out, package);
    }

    out.push_str("\n[tool.fenv]\n");
    line(&mut out, "targets", &multiline_array(&lock.tool.targets));
    if let Some(groups) = &lock.tool.default_groups {
        line(&mut out, "default-groups", &inline_array(&sorted(groups)));
    }
    line(&mut out, "inputs-hash", &string(&lock.tool.inputs_hash));
    if !lock.tool.inputs.is_empty() {
        line(&mut out, "inputs", &multiline_array(&lock.tool.inputs));
    }
    let options = &lock.tool.options;
    if !options.is_empty() {
        out.push_str("\n[tool.fenv.options]\n");
        if !options.targets.is_empty() {
            line(&mut out, "targets", &inline_array(&options.targets));
        }
        if let Some(value) = &options.exclude_newer {
            line(&mut out, "exclude-newer", &string(value));
        }
        if let Some(value) = &options.index_url {
            line(&mut out, "index-url", &string(value));
        }
        if !options.find_links.is_empty() {
            line(&mut out, "find-links", &inline_array(&options.find_links));
        }
        if options.prereleases {
            line(&mut out, "prereleases", "true");
        }
        if !options.environments.is_empty() {
            line(&mut out, "environments", &inline_array(&options.environments));
        }
    }
    out
}

fn render_package(out: &mut String, package: &LockedPackage) {
    out.push_str("[[packages]]\n");
    line(out, "name", &string(&normalize(&package.name)));
    if !package.version.is_empty() {
        line(out, "version", &string(&package.version));
    }
    if let Some(marker) = &package.marker {
        line(out, "marker", &string(marker));
    }
    if let Some(requires_python) = &package.requires_python {
        line(out, "requires-python", &string(requires_python));
    }
    if !package.dependencies.is_empty() {
        let mut names: Vec<String> = package.dependencies.iter().map(|n| normalize(n)).collect();
        names.sort();
        names.dedup();
        let tables: Vec<String> = names
            .iter()
            .map(|n| format!("{{ name = {} }}", string(n)))
            .collect();
        line(out, "dependencies", &multiline_raw(&tables));
    }
    if let Some(index) = &package.index {
        line(out, "index", &string(index));
    }
    if let Some(directory) = &package.directory {
        out.push_str("\n[packages.directory]\n");
        line(out, "path", &string(&directory.path));
        if directory.editable {
            line(out, "editable", "true");
        }
    }
    if let Some(sdist) = &package.sdist {
        out.push_str("\n[packages.sdist]\n");
        render_file(out, sdist);
    }
    let mut wheels: Vec<&LockedFile> = package.wheels.iter().collect();
    wheels.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.url.cmp(&b.url)));
    for wheel in wheels {
        out.push_str("\n[[packages.wheels]]\n");
        render_file(out, wheel);
    }
}

/// A file's keys in the order of the spec's table: name, upload-time,
/// url, size, hashes.
fn render_file(out: &mut String, file: &LockedFile) {
    line(out, "name", &string(&file.name));
    if let Some(upload_time) = file.upload_time.as_deref().and_then(crate::timestamp::to_utc) {
        // A TOML datetime literal, not a string: the spec's type.
        line(out, "upload-time", &upload_time);
    }
    match &file.path {
        Some(path) => line(out, "path", &string(path)),
        None => line(out, "url", &string(&file.url)),
    }
    if let Some(size) = file.size {
        line(out, "size", &size.to_string());
    }
    line(
        out,
        "hashes",
        &format!("{{ sha256 = {} }}", string(&file.sha256.to_ascii_lowercase())),
    );
}

/// Name first, then PEP 440 order of the versions (textual order for a
/// version that does not parse, so sorting never fails).
fn compare_packages(a: &LockedPackage, b: &LockedPackage) -> Ordering {
    normalize(&a.name)
        .cmp(&normalize(&b.name))
        .then_with(|| {
            match (
                pep440_rs::Version::from_str(&a.version),
                pep440_rs::Version::from_str(&b.version),
            ) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => Ordering::Equal,
            }
        })
        .then_with(|| a.version.cmp(&b.version))
        .then_with(|| a.marker.cmp(&b.marker))
}

fn line(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key} = {value}");
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    items
}

fn inline_array(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| string(i)).collect();
    format!("[{}]", items.join(", "))
}

fn multiline_array(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| string(i)).collect();
    multiline_raw(&items)
}

/// One item a line, trailing comma, so adding an item is a one-line diff.
fn multiline_raw(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for item in items {
        let _ = writeln!(out, "    {item},");
    }
    out.push(']');
    out
}

/// A TOML basic string: `"` and `\` escaped, control characters as
/// `\uXXXX` (or their short forms).
pub(crate) fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(string("x\u{7f}\n"), r#""x\u007F\n""#);
        assert_eq!(string("sys_platform == 'linux'"), r#""sys_platform == 'linux'""#);
    }
}
