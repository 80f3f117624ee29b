//! The markers of a lock's packages, evaluated for one environment.
//!
//! fenv's locks gate optional packages on `'x' in extras` and `'g' in
//! dependency_groups` (PEP 751 marker extensions that pep508_rs cannot
//! parse). Those clauses are rewritten to an `extra` comparison with a
//! prefixed name before the marker is parsed, so the chosen extras and
//! groups are plain `extra` values to the evaluator.

use std::str::FromStr;

use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree};

use crate::dist::name::normalize;

/// A marker in the lock that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("the marker `{marker}` in the lock is not valid: {reason}")]
pub struct InvalidMarker {
    pub marker: String,
    pub reason: String,
}

/// What a rewritten `'x' in extras` clause compares `extra` with:
/// `fenv-extra-x`; `'g' in dependency_groups`: `fenv-group-g`.
const EXTRA_PREFIX: &str = "fenv-extra-";
const GROUP_PREFIX: &str = "fenv-group-";

/// The extras and groups a marker sees as on, as the `extra` names its
/// rewritten clauses compare with.
pub enum Switches {
    /// Every extra and group: what a target's whole package set needs.
    All,
    These(Vec<ExtraName>),
}

impl Switches {
    /// Only these extras and groups (normalized names).
    pub fn these<'a>(
        extras: impl IntoIterator<Item = &'a String>,
        groups: impl IntoIterator<Item = &'a String>,
    ) -> Self {
        let names = extras
            .into_iter()
            .map(|e| format!("{EXTRA_PREFIX}{e}"))
            .chain(groups.into_iter().map(|g| format!("{GROUP_PREFIX}{g}")))
            // Normalized names are valid extra names, prefixed or not.
            .filter_map(|name| ExtraName::from_str(&name).ok())
            .collect();
        Self::These(names)
    }

    /// Evaluates a lock marker for `markers` with these switches on.
    pub fn applies(&self, marker: &str, markers: &MarkerEnvironment) -> Result<bool, InvalidMarker> {
        let rewritten = rewrite_collections(marker);
        let tree = MarkerTree::from_str(&rewritten).map_err(|err| InvalidMarker {
            marker: marker.to_string(),
            reason: err.to_string(),
        })?;
        Ok(match self {
            Self::These(names) => tree.evaluate(markers, names),
            Self::All => {
                let every: Vec<ExtraName> = fenv_names(&rewritten)
                    .filter_map(|name| ExtraName::from_str(name).ok())
                    .collect();
                tree.evaluate(markers, &every)
            }
        })
    }
}

/// The `fenv-extra-…` and `fenv-group-…` names in a rewritten marker.
fn fenv_names(rewritten: &str) -> impl Iterator<Item = &str> {
    rewritten
        .split('\'')
        .filter(|part| part.starts_with(EXTRA_PREFIX) || part.starts_with(GROUP_PREFIX))
}

/// Rewrites `'x' in extras` / `'g' not in dependency_groups` (either
/// quote) to `extra == 'fenv-extra-x'` / `extra != 'fenv-group-g'` (the
/// name normalized), leaving every other character as it was.
fn rewrite_collections(marker: &str) -> String {
    let mut out = String::with_capacity(marker.len());
    let mut rest = marker;
    while let Some(start) = rest.find(['\'', '"']) {
        let quote = rest[start..].chars().next().unwrap_or('\'');
        let Some(len) = rest[start + 1..].find(quote) else {
            break;
        };
        let end = start + 1 + len + 1;
        let after = &rest[end..];
        if let Some((negated, groups, consumed)) = collection_test(after) {
            out.push_str(&rest[..start]);
            let op = if negated { "!=" } else { "==" };
            let prefix = if groups { GROUP_PREFIX } else { EXTRA_PREFIX };
            let name = normalize(&rest[start + 1..start + 1 + len]);
            out.push_str(&format!("extra {op} '{prefix}{name}'"));
            rest = &after[consumed..];
        } else {
            out.push_str(&rest[..end]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// After a quoted string: ` in extras`, ` not in dependency_groups`, …
/// as `(negated, of groups, bytes consumed)`.
fn collection_test(text: &str) -> Option<(bool, bool, usize)> {
    let words: Vec<(usize, &str)> = word_spans(text).take(3).collect();
    let (negated, name_at) = match words.as_slice() {
        [(_, "not"), (_, "in"), ..] => (true, 2),
        [(_, "in"), ..] => (false, 1),
        _ => return None,
    };
    let (at, name) = words.get(name_at)?;
    let word = name.trim_end_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
    if word != "extras" && word != "dependency_groups" {
        return None;
    }
    Some((negated, word == "dependency_groups", at + word.len()))
}

/// Whitespace-separated words of `text` with their byte offsets; a word
/// ends at whitespace or a closing parenthesis.
fn word_spans(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    std::iter::from_fn(move || {
        let rest = &text[offset..];
        let skipped = rest.len() - rest.trim_start().len();
        let start = offset + skipped;
        if start >= text.len() {
            return None;
        }
        let len = text[start..]
            .find(|c: char| c.is_whitespace() || c == ')' || c == '(')
            .unwrap_or(text.len() - start)
            .max(1);
        offset = start + len;
        Some((start, &text[start..start + len]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_extras_and_groups() {
        let cases = [
            ("'x' in extras", "extra == 'fenv-extra-x'"),
            ("\"dev\" in dependency_groups", "extra == 'fenv-group-dev'"),
            ("'X_y' not in extras", "extra != 'fenv-extra-x-y'"),
            (
                "(sys_platform == 'linux') and ('a' in extras or 'b' in dependency_groups)",
                "(sys_platform == 'linux') and (extra == 'fenv-extra-a' or extra == 'fenv-group-b')",
            ),
            ("python_version >= '3.10'", "python_version >= '3.10'"),
            ("'linux' in sys_platform", "'linux' in sys_platform"),
        ];
        for (marker, expected) in cases {
            assert_eq!(rewrite_collections(marker), expected, "{marker}");
        }
    }
}
