//! `requirements.in` / `requirements.txt`: the subset of pip's format that
//! describes what to resolve.
//!
//! Supported: comments (`#` at the start or after whitespace), blank
//! lines, `\` continuations, `-r`/`--requirement` and `-c`/`--constraint`
//! (relative to the including file), `-i`/`--index-url`,
//! `-f`/`--find-links` (a folder), and PEP 508 requirements with extras
//! and markers. Everything else pip accepts (editables, URLs and paths,
//! `--hash`, other options, `${VAR}`) is an error naming the file and line,
//! so nothing the user wrote is silently ignored.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep508_rs::Requirement;

use super::{Error, checked_requirement};

/// What a requirements file and everything it includes say.
#[derive(Debug, Default)]
pub(super) struct RequirementsFile {
    pub requirements: Vec<Requirement>,
    pub constraints: Vec<Requirement>,
    /// `-i` and where it was set, to report a disagreement.
    pub index_url: Option<(String, PathBuf, usize)>,
    pub find_links: Vec<PathBuf>,
}

/// Reads `path` and the files it includes.
pub(super) fn read(path: &Path) -> Result<RequirementsFile, Error> {
    let mut out = RequirementsFile::default();
    let mut stack = Vec::new();
    read_into(path, false, &mut stack, &mut out)?;
    Ok(out)
}

/// Whether a line's requirements are wanted, or only constrain versions.
fn read_into(
    path: &Path,
    constraints: bool,
    stack: &mut Vec<PathBuf>,
    out: &mut RequirementsFile,
) -> Result<(), Error> {
    let text = super::read_text(path)?;
    // Canonical, so a symlink cannot hide a cycle.
    stack.push(identity(path));
    for (line_number, line) in logical_lines(&text) {
        let invalid = |reason: String| Error::invalid(path, line_number, reason);
        let line = strip_comment(&line);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.contains("${") {
            return Err(invalid(
                "environment variables (`${...}`) are not supported yet".into(),
            ));
        }
        if line.starts_with('-') {
            let (option, value) = split_option(line);
            let value = value.ok_or_else(|| invalid(format!("`{option}` needs a value")));
            match option {
                "-r" | "--requirement" | "-c" | "--constraint" => {
                    let include = resolve(path, value?);
                    if stack.contains(&identity(&include)) {
                        return Err(invalid(format!(
                            "`{}` includes itself (through `{line}`)",
                            crate::fs::user_display(&include)
                        )));
                    }
                    let as_constraints = constraints || matches!(option, "-c" | "--constraint");
                    read_into(&include, as_constraints, stack, out).map_err(|err| match err {
                        // A missing include is the including line's fault.
                        Error::Read(_) => invalid(format!(
                            "cannot read `{}`: {}",
                            crate::fs::user_display(&include),
                            err.source_message()
                        )),
                        other => other,
                    })?;
                }
                "-i" | "--index-url" => {
                    out.index_url = Some((value?.to_string(), path.to_path_buf(), line_number));
                }
                "-f" | "--find-links" => {
                    let value = value?;
                    if value.contains("://") {
                        return Err(invalid(format!(
                            "`{option} {value}`: find-links URLs are not supported yet, only folders"
                        )));
                    }
                    out.find_links.push(resolve(path, value));
                }
                "-e" | "--editable" => {
                    return Err(invalid(
                        "editable requirements (`-e`) are not supported yet".into(),
                    ));
                }
                _ => return Err(invalid(format!("the option `{option}` is not supported yet"))),
            }
            continue;
        }
        if let Some(option) = trailing_option(line) {
            return Err(invalid(format!(
                "per-requirement options such as `{option}` are not supported yet"
            )));
        }
        if looks_like_url_or_path(line) {
            return Err(invalid(format!(
                "`{line}`: URL and path requirements are not supported yet"
            )));
        }
        let requirement = Requirement::from_str(line)
            .map_err(|err| invalid(format!("`{line}` is not a valid requirement: {}", err.message)))
            .and_then(|r| checked_requirement(r).map_err(invalid))?;
        if constraints {
            if !requirement.extras.is_empty() {
                return Err(invalid(format!(
                    "the constraint `{line}` names extras, which constraints cannot"
                )));
            }
            out.constraints.push(requirement);
        } else {
            out.requirements.push(requirement);
        }
    }
    stack.pop();
    Ok(())
}

/// Lines with `\` continuations joined, each with the 1-based number of
/// its first physical line. As in pip, a line holding a comment ends a
/// continuation.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let continues = line.ends_with('\\') && !has_comment(line);
        match (&mut pending, continues) {
            (Some((_, joined)), true) => joined.push_str(line.trim_end_matches('\\')),
            (None, true) => pending = Some((index + 1, line.trim_end_matches('\\').to_string())),
            (Some(_), false) => {
                if let Some((first, mut joined)) = pending.take() {
                    joined.push_str(line);
                    lines.push((first, joined));
                }
            }
            (None, false) => lines.push((index + 1, line.to_string())),
        }
    }
    lines.extend(pending);
    lines
}

/// The position of a comment: `#` at the start or after whitespace (so a
/// `#` inside a URL fragment is not one).
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
}

fn has_comment(line: &str) -> bool {
    comment_start(line).is_some()
}

fn strip_comment(line: &str) -> &str {
    comment_start(line).map_or(line, |i| &line[..i])
}

/// `-r x`, `-rx`, `--requirement x`, `--requirement=x` → option and value.
fn split_option(line: &str) -> (&str, Option<&str>) {
    if let Some(long) = line.strip_prefix("--") {
        let end = long
            .find(|c: char| c == '=' || c.is_whitespace())
            .map_or(line.len(), |i| i + 2);
        let value = line[end..].trim_start_matches('=').trim();
        return (&line[..end], (!value.is_empty()).then_some(value));
    }
    let end = line.char_indices().nth(2).map_or(line.len(), |(i, _)| i);
    let value = line[end..].trim();
    (&line[..end], (!value.is_empty()).then_some(value))
}

/// An option token after a requirement (`--hash=...`), outside quotes.
fn trailing_option(line: &str) -> Option<&str> {
    let mut quote = None;
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match (quote, b) {
            (None, b'\'' | b'"') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'-')
                if i > 0 && bytes[i - 1].is_ascii_whitespace() && bytes.get(i + 1) == Some(&b'-') =>
            {
                let rest = &line[i..];
                return Some(rest.split_whitespace().next().unwrap_or(rest));
            }
            _ => {}
        }
    }
    None
}

/// A bare URL or path (`./pkg`, `https://…/x.whl`, `dist/x.tar.gz`),
/// which pip accepts and fenv does not resolve.
fn looks_like_url_or_path(line: &str) -> bool {
    let head = line.split(';').next().unwrap_or(line).trim();
    head.contains("://")
        || head.starts_with(['.', '/', '~'])
        || [".whl", ".zip", ".tar.gz", ".tar.bz2", ".tgz"]
            .iter()
            .any(|suffix| head.ends_with(suffix))
}

/// The path by which includes are compared: canonical where it exists.
fn identity(path: &Path) -> PathBuf {
    fs_err::canonicalize(path).unwrap_or_else(|_| crate::fs::normalize(path))
}

/// `value` relative to the folder of the file that names it.
fn resolve(file: &Path, value: &str) -> PathBuf {
    let base = file.parent().unwrap_or(Path::new("."));
    crate::fs::normalize(&base.join(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_join_and_comments_strip() {
        let lines = logical_lines("a \\\n  >=1 \\\n  ,<2\n# x \\\nb\nc \\");
        assert_eq!(
            lines,
            vec![
                (1, "a   >=1   ,<2".to_string()),
                (4, "# x \\".to_string()),
                (5, "b".to_string()),
                (6, "c ".to_string()),
            ]
        );
        assert_eq!(strip_comment("six # pinned"), "six ");
        assert_eq!(strip_comment("# all"), "");
        assert_eq!(
            strip_comment("x @ https://h/x.whl#sha256=1"),
            "x @ https://h/x.whl#sha256=1"
        );
    }

    #[test]
    fn options_split() {
        assert_eq!(split_option("-r base.txt"), ("-r", Some("base.txt")));
        assert_eq!(split_option("-rbase.txt"), ("-r", Some("base.txt")));
        assert_eq!(
            split_option("--requirement=base.txt"),
            ("--requirement", Some("base.txt"))
        );
        assert_eq!(
            split_option("--requirement  base.txt"),
            ("--requirement", Some("base.txt"))
        );
        assert_eq!(split_option("--pre"), ("--pre", None));
        assert_eq!(
            trailing_option("six==1 --hash=sha256:ab"),
            Some("--hash=sha256:ab")
        );
        assert_eq!(trailing_option("six ; platform_release == 'a --b'"), None);
        assert!(looks_like_url_or_path("./local"));
        assert!(looks_like_url_or_path(
            "https://x/y-1.0-py3-none-any.whl ; python_version > '3'"
        ));
        assert!(!looks_like_url_or_path("six>=1.0; python_version > '3'"));
    }
}
