//! The header block of the email-format files a distribution carries:
//! `METADATA` and `PKG-INFO` (core metadata) and `WHEEL`.
//!
//! The core metadata specification defines the format as what Python's
//! `email.parser` reads with the `compat32` policy, which is how
//! `packaging.metadata` (the reference parser) and pip read it. This
//! module follows `email.feedparser` rule for rule, because the usual
//! mail crates do not: `mailparse`, for one, takes `Foo Bar: x` and
//! lines without a colon as headers (Python ends the header block
//! there), decodes RFC 2047 words (Python keeps them as written), and
//! does not split lines on a lone CR.
//!
//! The rules, as `email.feedparser` applies them:
//! - lines end at `\r\n`, `\r` or `\n`;
//! - a header line starts with a field name (printable ASCII other than
//!   space and `:`, possibly empty) and a `:`, or with a space or tab,
//!   which continues the field before it, however blank the rest of the
//!   line looks; `From ` lines (an mbox envelope) are skipped;
//! - the block ends at the first line that is neither: an empty line is
//!   the separator, anything else is the first line of the body;
//! - a value is what follows the `:`, leading spaces and tabs removed,
//!   with its continuation lines.
//!
//! Values are unfolded (line breaks removed, RFC 5322 §2.2.3) and trimmed.
//! A value that is not UTF-8 is kept as [`Value::NotUtf8`], so one bad
//! byte costs that field, never the fields after it.

use std::borrow::Cow;

/// One field value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Text(Cow<'a, str>),
    /// The bytes are not UTF-8; `packaging.metadata` refuses such a field.
    NotUtf8,
}

/// A field that cannot be read as its specification says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("it has {count} `{field}` fields, where its specification allows one")]
    Repeated { field: &'static str, count: usize },

    #[error("its `{0}` field is not valid UTF-8")]
    NotUtf8(&'static str),
}

/// The fields of a header block, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers<'a> {
    fields: Vec<(&'a str, Value<'a>)>,
}

impl<'a> Headers<'a> {
    /// Reads the header block at the start of `bytes`.
    pub fn parse(bytes: &'a [u8]) -> Self {
        let lines = header_lines(bytes);
        let mut fields = Vec::new();
        // The field being read: its name and its lines, first to last.
        let mut current: Option<(&'a str, Vec<&'a [u8]>)> = None;
        let last = lines.len().saturating_sub(1);
        for (number, line) in lines.into_iter().enumerate() {
            if line.starts_with(b" ") || line.starts_with(b"\t") {
                // A continuation with no field before it is dropped.
                if let Some((_, parts)) = current.as_mut() {
                    parts.push(line);
                }
                continue;
            }
            fields.extend(current.take().map(|(name, parts)| (name, value(&parts))));
            if line.starts_with(b"From ") {
                // An envelope line: skipped, except as the block's last
                // line, where Python takes it for the body (and stops).
                if number != 0 && number == last {
                    break;
                }
                continue;
            }
            // A header line holds a `:`; at position 0 it names no field.
            match line.iter().position(|&b| b == b':') {
                Some(0) | None => {}
                Some(colon) => {
                    // The name is printable ASCII (checked by `is_header_line`).
                    let name = std::str::from_utf8(&line[..colon]).unwrap_or_default();
                    current = Some((name, vec![&line[colon + 1..]]));
                }
            }
        }
        fields.extend(current.map(|(name, parts)| (name, value(&parts))));
        Self { fields }
    }

    /// Every value of the field `name` (case-insensitive), in order.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &Value<'a>> + '_ {
        let name = name.to_string();
        self.fields
            .iter()
            .filter(move |(field, _)| field.eq_ignore_ascii_case(&name))
            .map(|(_, value)| value)
    }

    /// Every value of a multiple-use field, in order.
    pub fn list(&self, field: &'static str) -> Result<Vec<&str>, FieldError> {
        self.all(field)
            .map(|value| match value {
                Value::Text(text) => Ok(text.as_ref()),
                Value::NotUtf8 => Err(FieldError::NotUtf8(field)),
            })
            .collect()
    }

    /// The value of a single-use field, if it is there.
    pub fn single(&self, field: &'static str) -> Result<Option<&str>, FieldError> {
        let values = self.list(field)?;
        match values[..] {
            [] => Ok(None),
            [one] => Ok(Some(one)),
            _ => Err(FieldError::Repeated {
                field,
                count: values.len(),
            }),
        }
    }

    /// Every field, as `(name as written, value)`.
    pub fn iter(&self) -> impl Iterator<Item = &(&'a str, Value<'a>)> {
        self.fields.iter()
    }
}

/// The lines of the header block, each with its line ending.
fn header_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .map_or(rest.len(), |at| {
                if rest[at] == b'\r' && rest.get(at + 1) == Some(&b'\n') {
                    at + 2
                } else {
                    at + 1
                }
            });
        let (line, after) = rest.split_at(end);
        if !is_header_line(line) {
            // The separator (an empty line) or the body's first line.
            break;
        }
        lines.push(line);
        rest = after;
    }
    lines
}

/// `email.feedparser.headerRE`: `^(From |[\041-\071\073-\176]*:|[\t ])`.
fn is_header_line(line: &[u8]) -> bool {
    if line.starts_with(b"From ") || line.starts_with(b" ") || line.starts_with(b"\t") {
        return true;
    }
    let name_end = line
        .iter()
        .position(|&b| !(0x21..=0x7e).contains(&b) || b == b':')
        .unwrap_or(line.len());
    line.get(name_end) == Some(&b':')
}

/// A field's value from its lines (the first without its name and `:`):
/// line breaks removed, then trimmed.
fn value<'a>(parts: &[&'a [u8]]) -> Value<'a> {
    let decoded = match parts {
        // One line: its only line break is at its end, which trim removes.
        [line] => std::str::from_utf8(line).map(Cow::Borrowed).ok(),
        _ => {
            let bytes = parts.iter().flat_map(|part| part.iter()).copied();
            String::from_utf8(bytes.filter(|&b| b != b'\r' && b != b'\n').collect())
                .map(Cow::Owned)
                .ok()
        }
    };
    match decoded {
        Some(Cow::Borrowed(text)) => Value::Text(Cow::Borrowed(text.trim())),
        Some(Cow::Owned(text)) => Value::Text(Cow::Owned(text.trim().to_string())),
        None => Value::NotUtf8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &[u8]) -> Vec<(String, Option<String>)> {
        Headers::parse(text)
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Value::Text(text) => Some(text.to_string()),
                    Value::NotUtf8 => None,
                };
                (name.to_string(), value)
            })
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), Some(v.to_string())))
            .collect()
    }

    #[test]
    fn a_whitespace_only_line_continues_the_field_before_it() {
        let text =
            b"Name: a\nLicense: MIT\n   \n More text\n\t\nRequires-Dist: numpy\n\nRequires-Dist: body\n";
        assert_eq!(
            fields(text),
            pairs(&[
                ("Name", "a"),
                ("License", "MIT    More text"),
                ("Requires-Dist", "numpy")
            ])
        );
    }

    #[test]
    fn lines_end_at_crlf_cr_or_lf() {
        assert_eq!(
            fields(b"Name: a\r\nVersion: 1\rSummary: s\n\r\nBody: b\r\n"),
            pairs(&[("Name", "a"), ("Version", "1"), ("Summary", "s")])
        );
        assert_eq!(fields(b"Name: a\r\n\tb\r\n"), pairs(&[("Name", "a\tb")]));
    }

    #[test]
    fn a_line_that_is_not_a_header_starts_the_body() {
        // A space in the name, or no colon at all: the body starts there.
        assert_eq!(
            fields(b"Name: a\nFoo Bar: x\nVersion: 1\n"),
            pairs(&[("Name", "a")])
        );
        assert_eq!(fields(b"Name: a\ngarbage\nVersion: 1\n"), pairs(&[("Name", "a")]));
        // Non-ASCII in a name is not a header either.
        assert_eq!(
            fields(b"Name: a\nN\xc3\xa4me: x\nVersion: 1\n"),
            pairs(&[("Name", "a")])
        );
        // No separator and no body: every line is a header.
        assert_eq!(
            fields(b"Name: a\nVersion: 1"),
            pairs(&[("Name", "a"), ("Version", "1")])
        );
    }

    #[test]
    fn odd_header_lines_are_dropped_as_python_drops_them() {
        // A leading continuation, an empty name and what continues it.
        assert_eq!(
            fields(b" orphan\nName: a\n: nameless\n more\nVersion: 1\n"),
            pairs(&[("Name", "a"), ("Version", "1")])
        );
        // An envelope line first is skipped; in the middle too; last, it ends the block.
        assert_eq!(
            fields(b"From me\nName: a\nFrom you\nVersion: 1\nFrom them\n"),
            pairs(&[("Name", "a"), ("Version", "1")])
        );
        // An empty value, and a colon inside a value.
        assert_eq!(
            fields(b"Name:\nSummary:a: b\n"),
            pairs(&[("Name", ""), ("Summary", "a: b")])
        );
    }

    #[test]
    fn bytes_that_are_not_utf8_cost_only_their_field() {
        assert_eq!(
            fields(b"Name: a\nSummary: caf\xe9\nRequires-Dist: numpy\n"),
            vec![
                ("Name".to_string(), Some("a".to_string())),
                ("Summary".to_string(), None),
                ("Requires-Dist".to_string(), Some("numpy".to_string())),
            ]
        );
        assert_eq!(
            fields("Summary: café\n".as_bytes()),
            pairs(&[("Summary", "café")])
        );
    }

    #[test]
    fn names_compare_case_insensitively_and_keep_their_order() {
        let headers = Headers::parse(b"requires-dist: a\nRequires-Dist: b\nREQUIRES-DIST: c\n");
        let values: Vec<_> = headers.all("Requires-Dist").collect();
        assert_eq!(
            values,
            ["a", "b", "c"]
                .map(|v| Value::Text(Cow::Borrowed(v)))
                .iter()
                .collect::<Vec<_>>()
        );
    }
}
