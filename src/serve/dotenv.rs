//! The project's env files (`[tool.fenv] env-files`, default `.env`):
//! `KEY=value` lines, as Vercel's `vercel env pull` writes them.
//!
//! Supported: `#` comment lines, blank lines, an optional `export `
//! prefix, values in single quotes (literal) or double quotes (`\n`,
//! `\t`, `\"`, `\\` escapes), and a ` #` comment after an unquoted value.
//! Not supported: values over several lines and `${VAR}` expansion.

use std::path::{Path, PathBuf};

use crate::fs::user_display;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Read(#[from] crate::fs::PathError),
    #[error("`{}` line {line}: {reason}", user_display(path))]
    Syntax {
        path: PathBuf,
        line: usize,
        reason: &'static str,
    },
}

impl crate::error::Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Read(_) => None,
            Self::Syntax { .. } => Some("write `KEY=value`, quoting a value that holds spaces or `#`".into()),
        }
    }
}

/// What the env files hold.
#[derive(Debug, Default)]
pub struct Loaded {
    /// `(key, value)`, each key once, later files winning.
    pub vars: Vec<(String, String)>,
    /// The files that were there.
    pub files: Vec<PathBuf>,
}

/// The variables of every file in `files` (relative to `root`). A
/// missing file is skipped: a fresh clone has no `.env`.
pub fn load(root: &Path, files: &[String]) -> Result<Loaded, Error> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut found = Vec::new();
    for file in files {
        let path = root.join(file);
        let text = match fs_err::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(Error::Read(crate::fs::PathError::new("read", path, source))),
        };
        for (key, value) in parse(&text).map_err(|(line, reason)| Error::Syntax {
            path: path.clone(),
            line,
            reason,
        })? {
            vars.retain(|(k, _)| *k != key);
            vars.push((key, value));
        }
        found.push(path);
    }
    Ok(Loaded { vars, files: found })
}

/// The `(key, value)` pairs of one file, or the 1-based line that is
/// wrong and why.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, (usize, &'static str)> {
    let mut out = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some((key, value)) = line.split_once('=') else {
            return Err((index + 1, "expected `KEY=value`"));
        };
        let key = key.trim();
        let valid = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err((
                index + 1,
                "a key is letters, digits and `_`, not starting with a digit",
            ));
        }
        let value = unquote(value.trim()).ok_or((index + 1, "a quoted value does not end on its line"))?;
        out.push((key.to_string(), value));
    }
    Ok(out)
}

/// A value without its quotes and trailing comment; `None` when a quote
/// is left open.
fn unquote(value: &str) -> Option<String> {
    if let Some(rest) = value.strip_prefix('\'') {
        return rest.find('\'').map(|end| rest[..end].to_string());
    }
    if let Some(rest) = value.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => match chars.next()? {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
        return None;
    }
    let value = match value.find(" #") {
        Some(at) => &value[..at],
        None => value,
    };
    Some(value.trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parses_the_common_forms() {
        let text = "# comment\n\nPLAIN=value\nexport EXPORTED = spaced \nEMPTY=\n\
                    SINGLE='a # b $X'\nDOUBLE=\"line\\nnext \\\"q\\\"\"\nTRAILING=v # note\nURL=a=b\n";
        assert_eq!(
            parse(text).unwrap(),
            pairs(&[
                ("PLAIN", "value"),
                ("EXPORTED", "spaced"),
                ("EMPTY", ""),
                ("SINGLE", "a # b $X"),
                ("DOUBLE", "line\nnext \"q\""),
                ("TRAILING", "v"),
                ("URL", "a=b"),
            ])
        );
    }

    #[test]
    fn names_the_bad_line() {
        assert_eq!(parse("A=1\nnot a pair\n"), Err((2, "expected `KEY=value`")));
        assert_eq!(parse("1A=1").unwrap_err().0, 1);
        assert_eq!(parse("A='open").unwrap_err().0, 1);
    }

    #[test]
    fn later_files_win_and_missing_ones_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(dir.path().join(".env"), "A=1\nB=2\n").unwrap();
        fs_err::write(dir.path().join(".env.local"), "A=3\n").unwrap();
        let files = [
            ".env".to_string(),
            ".env.missing".to_string(),
            ".env.local".to_string(),
        ];
        let loaded = load(dir.path(), &files).unwrap();
        assert_eq!(loaded.vars, pairs(&[("B", "2"), ("A", "3")]));
        assert_eq!(loaded.files.len(), 2);
    }
}
