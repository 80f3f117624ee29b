//! Core metadata (`*.dist-info/METADATA`, `PKG-INFO`): the fields a
//! resolver needs, parsed from the RFC 822-style header block.
//!
//! The format (core metadata spec, "Metadata-Version"): one `Key: value`
//! per line, keys case-insensitive, multiple-use fields repeated, a line
//! starting with whitespace continuing the previous value, and the first
//! blank line ending the headers (the description body follows).

use serde::{Deserialize, Serialize};

/// What a distribution declares about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CoreMetadata {
    /// `Name`, as written.
    pub name: String,
    /// `Version`, as written.
    pub version: String,
    /// Every `Requires-Dist`, in order (PEP 508 strings, markers included).
    pub requires_dist: Vec<String>,
    /// `Requires-Python`, if declared.
    pub requires_python: Option<String>,
    /// Every `Provides-Extra`, in order.
    pub provides_extra: Vec<String>,
}

impl CoreMetadata {
    /// Parses a METADATA file; fails when it is not UTF-8 or lacks `Name`
    /// or `Version`.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("it is not UTF-8: {e}"))?;
        let mut metadata = Self::default();
        let mut name = None;
        let mut version = None;
        for (key, value) in headers(text) {
            match key.to_ascii_lowercase().as_str() {
                "name" => name = Some(value),
                "version" => version = Some(value),
                "requires-dist" => metadata.requires_dist.push(value),
                "requires-python" => metadata.requires_python = Some(value),
                "provides-extra" => metadata.provides_extra.push(value),
                _ => {}
            }
        }
        metadata.name = name.filter(|n| !n.is_empty()).ok_or("it has no `Name`")?;
        metadata.version = version.filter(|v| !v.is_empty()).ok_or("it has no `Version`")?;
        Ok(metadata)
    }
}

/// PEP 643: whether an sdist's `PKG-INFO` holds the dependencies its
/// wheels will have, so a resolver may use it without building.
pub fn check_static(bytes: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("it is not UTF-8: {e}"))?;
    let fields = headers(text);
    let version = fields
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("metadata-version"))
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    let number = |part: Option<&str>| part.and_then(|p| p.trim().parse::<u32>().ok());
    let mut parts = version.split('.');
    let (major, minor) = (number(parts.next()), number(parts.next()).unwrap_or(0));
    if major.is_none_or(|major| (major, minor) < (2, 2)) {
        return Err(format!(
            "its `PKG-INFO` has Metadata-Version `{version}`, older than 2.2 (PEP 643), so its dependencies may change when it is built"
        ));
    }
    for (key, value) in &fields {
        let dynamic = value.to_ascii_lowercase();
        if key.eq_ignore_ascii_case("dynamic")
            && ["requires-dist", "requires-python"].contains(&dynamic.as_str())
        {
            return Err(format!("its `PKG-INFO` marks `{value}` as dynamic"));
        }
    }
    Ok(())
}

/// The `(key, value)` pairs of the header block, continuation lines
/// folded in (joined with a space, as email parsers unfold them).
fn headers(text: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = out.last_mut() {
                let more = line.trim();
                if !more.is_empty() {
                    if !value.is_empty() {
                        value.push(' ');
                    }
                    value.push_str(more);
                }
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            out.push((key.trim(), value.trim().to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_repeat_continue_and_stop_at_the_body() {
        let text = "Metadata-Version: 2.3\r\n\
                    Name: Demo.Pkg\r\n\
                    version: 1.0.post1\r\n\
                    Requires-Python: >=3.9,\r\n\
                    \t<4\r\n\
                    Requires-Dist: idna>=2.5\r\n\
                    Requires-Dist: PySocks!=1.5.7,>=1.5.6; extra == \"socks\"\r\n\
                    Provides-Extra: socks\r\n\
                    Provides-Extra: use-chardet\r\n\
                    Summary: a: colon in a value\r\n\
                    \r\n\
                    Requires-Dist: not-a-header-this-is-the-body\r\n";
        let metadata = CoreMetadata::parse(text.as_bytes()).unwrap();
        assert_eq!(
            metadata,
            CoreMetadata {
                name: "Demo.Pkg".into(),
                version: "1.0.post1".into(),
                requires_dist: vec![
                    "idna>=2.5".into(),
                    "PySocks!=1.5.7,>=1.5.6; extra == \"socks\"".into()
                ],
                requires_python: Some(">=3.9, <4".into()),
                provides_extra: vec!["socks".into(), "use-chardet".into()],
            }
        );
    }

    #[test]
    fn only_pep_643_static_metadata_counts() {
        assert_eq!(
            check_static(b"Metadata-Version: 2.2\nName: x\nVersion: 1\nDynamic: Description\n"),
            Ok(())
        );
        assert_eq!(
            check_static(b"Metadata-Version: 2.4\nName: x\nVersion: 1\n"),
            Ok(())
        );
        assert!(check_static(b"Metadata-Version: 2.1\nName: x\nVersion: 1\n").is_err());
        assert!(check_static(b"Name: x\nVersion: 1\n").is_err());
        assert_eq!(
            check_static(b"Metadata-Version: 2.2\nName: x\nVersion: 1\nDynamic: Requires-Dist\n")
                .unwrap_err(),
            "its `PKG-INFO` marks `Requires-Dist` as dynamic"
        );
    }

    #[test]
    fn name_and_version_are_required() {
        assert_eq!(
            CoreMetadata::parse(b"Metadata-Version: 2.1\nVersion: 1\n").unwrap_err(),
            "it has no `Name`"
        );
        assert_eq!(
            CoreMetadata::parse(b"Name: x\n\nVersion: 1\n").unwrap_err(),
            "it has no `Version`"
        );
        assert!(CoreMetadata::parse(b"Name: x\nVersion: \xff\n").is_err());
    }
}
