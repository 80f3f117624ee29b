//! `pyvenv.cfg`: the keys each CPython's venv writes, in its order and
//! format, then fenv's own keys.
//!
//! Format (PEP 405, and CPython's `venv` per version): `key = value` lines, LF endings, the prompt as
//! Python's `repr()`. Key order: `home`, `include-system-site-packages`,
//! `version`, `prompt` (3.8+, only when given), `executable` and `command`
//! (3.11+). fenv then appends `fenv = <version>` and its optional keys,
//! which CPython and other tools ignore.

use std::fmt::Write as _;

/// An ordered `pyvenv.cfg`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PyvenvCfg {
    entries: Vec<(String, String)>,
}

impl PyvenvCfg {
    /// Parses `key = value` lines as CPython's `site` does: split at the
    /// first `=`, strip both sides, skip lines without `=`.
    pub fn parse(text: &str) -> Self {
        let entries = text
            .lines()
            .filter_map(|line| {
                let (key, value) = line.split_once('=')?;
                Some((key.trim().to_string(), value.trim().to_string()))
            })
            .collect();
        Self { entries }
    }

    /// Appends a key (keys keep the order they were pushed in).
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.entries.push((key.into(), value.into()));
    }

    /// Sets `key` in place when present, else appends it, so that a key
    /// fenv updates (`fenv.lock`) stays after `fenv = …`.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(key)) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key.to_string(), value)),
        }
    }

    /// The first value of `key`, compared case-insensitively as CPython does.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (key, value) in &self.entries {
            let _ = writeln!(out, "{key} = {value}");
        }
        out
    }
}

/// Python's `repr()` of a `str`, which venv writes for `prompt`.
///
/// Matches CPython's `unicode_repr`: `'` quotes unless the text holds `'`
/// and no `"`; `\\`, the quote, `\t`, `\n`, `\r` escaped; other control
/// characters as `\xhh`; non-printable non-ASCII as `\xhh`, `\uhhhh` or
/// `\Uhhhhhhhh`. "Printable" needs Unicode's category table, which Python
/// itself varies by version; this knows the separators, format characters
/// and private-use planes, and treats every other assigned-looking code
/// point as printable.
pub fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_ascii() || is_printable(c) => out.push(c),
            c => {
                let code = c as u32;
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02x}"),
                    0x100..=0xffff => write!(out, "\\u{code:04x}"),
                    _ => write!(out, "\\U{code:08x}"),
                };
            }
        }
    }
    out.push(quote);
    out
}

/// Non-ASCII printability, as `str.isprintable()`: not a control (Cc),
/// format (Cf), surrogate, private-use (Co), or separator other than space
/// (Zs, Zl, Zp).
fn is_printable(c: char) -> bool {
    let code = c as u32;
    let not_printable = matches!(code,
        0x80..=0xa0 | 0xad
        | 0x600..=0x605 | 0x61c | 0x6dd | 0x70f | 0x890..=0x891 | 0x8e2
        | 0x1680 | 0x180e
        | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x2064 | 0x2066..=0x206f
        | 0x3000 | 0xe000..=0xf8ff | 0xfeff | 0xfff9..=0xfffb
        | 0x110bd | 0x110cd | 0x13430..=0x1343f | 0x1bca0..=0x1bca3
        | 0x1d173..=0x1d17a | 0xe0001 | 0xe0020..=0xe007f
        | 0xf0000..=0x10ffff
    );
    !not_printable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_matches_python() {
        // Each expectation is what CPython 3.12 prints for repr(text).
        let cases = [
            ("My prompt", "'My prompt'"),
            ("a'b", "\"a'b\""),
            ("a\"b", "'a\"b'"),
            ("a'\"b", "'a\\'\"b'"),
            ("tab\there", "'tab\\there'"),
            ("é\u{200b}x\u{7f}", "'é\\u200bx\\x7f'"),
            ("", "''"),
            ("back\\slash", "'back\\\\slash'"),
            ("nbsp\u{a0}", "'nbsp\\xa0'"),
            ("èрт🚒♞中片", "'èрт🚒♞中片'"),
        ];
        for (text, expected) in cases {
            assert_eq!(python_repr(text), expected, "repr({text:?})");
        }
    }

    #[test]
    fn parse_and_render_round_trip() {
        let text =
            "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\nprompt = 'a = b'\n";
        let cfg = PyvenvCfg::parse(text);
        assert_eq!(cfg.render(), text);
        assert_eq!(cfg.get("HOME"), Some("/usr/bin"));
        assert_eq!(cfg.get("prompt"), Some("'a = b'"));
        assert_eq!(cfg.get("missing"), None);
    }

    #[test]
    fn set_replaces_in_place_or_appends() {
        let mut cfg = PyvenvCfg::parse("home = /usr/bin\nfenv = 0.1.0\nseed = pip\n");
        cfg.set("fenv.lock", "sha256:aa");
        cfg.set("fenv.lock", "sha256:bb");
        cfg.set("HOME", "/opt/bin");
        assert_eq!(
            cfg.render(),
            "home = /opt/bin\nfenv = 0.1.0\nseed = pip\nfenv.lock = sha256:bb\n"
        );
    }
}
