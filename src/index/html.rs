//! The simple repository API's project page in its HTML form (PEP 503),
//! which many private indexes and mirrors still serve alone: one anchor a
//! file, its `href` carrying `#sha256=…`, its attributes
//! `data-requires-python` (PEP 503), `data-yanked` (PEP 592) and
//! `data-core-metadata` / `data-dist-info-metadata` (PEP 658, 714).
//!
//! Only what those specifications put in a page is read: anchors, their
//! attributes and `<base href>`. Tag and attribute names are
//! case-insensitive, values may be quoted either way or not at all, and
//! character references are decoded. The file name is the last path
//! segment of the URL, as pip takes it.

use super::simple::PageFile;

/// The files a page lists, and the `<base href>` it sets, if any.
pub(super) fn parse(text: &str) -> (Vec<PageFile>, Option<String>) {
    let mut files = Vec::new();
    let mut base = None;
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let Some(close) = tag_end(rest) else { break };
        let tag = &rest[..close];
        rest = &rest[close + 1..];
        let (name, attributes) =
            tag.split_at(tag.find(|c: char| c.is_ascii_whitespace()).unwrap_or(tag.len()));
        let attributes = parse_attributes(attributes.trim_end_matches('/'));
        let get = |key: &str| attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        if name.eq_ignore_ascii_case("base") {
            base = base.or_else(|| get("href"));
        } else if name.eq_ignore_ascii_case("a")
            && let Some(href) = get("href")
        {
            let (url, fragment) = href.split_once('#').unwrap_or((href.as_str(), ""));
            let filename = url
                .split(['?', '#'])
                .next()
                .and_then(|path| path.rsplit('/').next())
                .map(percent_decoded)
                .unwrap_or_default();
            let mut hashes = std::collections::HashMap::new();
            if let Some((algorithm, digest)) = fragment.split_once('=') {
                hashes.insert(algorithm.to_ascii_lowercase(), digest.to_string());
            }
            let metadata = get("data-core-metadata").or_else(|| get("data-dist-info-metadata"));
            files.push(PageFile {
                filename,
                url: url.to_string(),
                hashes,
                requires_python: get("data-requires-python"),
                yanked: match get("data-yanked") {
                    None => serde_json::Value::Bool(false),
                    Some(reason) if reason.is_empty() => serde_json::Value::Bool(true),
                    Some(reason) => serde_json::Value::String(reason),
                },
                size: None,
                upload_time: None,
                core_metadata: metadata.map(|value| metadata_value(&value)),
                dist_info_metadata: None,
            });
        }
    }
    (files, base)
}

/// Where a tag ends: the first `>` outside a quoted value.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote = None;
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if q == c => quote = None,
            (None, '>') => return Some(at),
            _ => {}
        }
    }
    None
}

/// `name="value" name='value' name=value name`, names lowercased, values
/// decoded.
fn parse_attributes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=')
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = rest[name_end..].trim_start();
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (value, remainder) = if let Some(q @ ('"' | '\'')) = after.chars().next() {
                let body = &after[1..];
                let end = body.find(q).unwrap_or(body.len());
                (&body[..end], body.get(end + 1..).unwrap_or_default())
            } else {
                let end = after
                    .find(|c: char| c.is_ascii_whitespace())
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            rest = remainder.trim_start();
            decode_entities(value)
        } else {
            String::new()
        };
        if !name.is_empty() {
            out.push((name, value));
        }
    }
    out
}

/// `true`, or `sha256=<hex>`, as JSON's `core-metadata` would say it.
fn metadata_value(value: &str) -> serde_json::Value {
    match value.split_once('=') {
        Some((algorithm, digest)) => serde_json::json!({ algorithm.to_ascii_lowercase(): digest }),
        None if value.eq_ignore_ascii_case("false") => serde_json::Value::Bool(false),
        None => serde_json::Value::Bool(true),
    }
}

/// HTML character references: the named ones a URL or a version
/// specifier can hold, and numeric ones.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|end| *end <= 10);
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let named = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => None,
            };
            named
                .or_else(|| {
                    let number = entity.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => number.parse().ok()?,
                    };
                    char::from_u32(code)
                })
                .map(|c| (c, end))
        });
        if let Some((c, end)) = decoded {
            out.push(c);
            rest = &rest[end + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

fn percent_decoded(text: &str) -> String {
    super::url::to_path(&format!("file://{text}"))
        .map_or_else(|| text.to_string(), |path| path.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_become_files() {
        let page = r#"<!DOCTYPE html>
<html><head><BASE HREF="https://files.example/"><meta name="pypi:repository-version" content="1.0"></head>
<body>
<A HREF="../../packages/demo-1.0-py3-none-any.whl#SHA256=ABCD" data-requires-python="&gt;=3.8,&lt;4" data-core-metadata="sha256=ef01">demo-1.0-py3-none-any.whl</A><br/>
<a href='demo-0.9.tar.gz#sha256=0909' data-yanked>demo-0.9.tar.gz</a>
<a href=demo-0.8.tar.gz#md5=1 data-yanked="broken build" data-dist-info-metadata=true>x</a>
<a name="no-href">nothing</a>
<a href="demo%2B1-0.7.zip?x=1#sha256=07">demo+1-0.7.zip</a>
</body></html>"#;
        let (files, base) = parse(page);
        assert_eq!(base.as_deref(), Some("https://files.example/"));
        assert_eq!(files.len(), 4);
        assert_eq!(files[0].filename, "demo-1.0-py3-none-any.whl");
        assert_eq!(files[0].url, "../../packages/demo-1.0-py3-none-any.whl");
        assert_eq!(files[0].hashes["sha256"], "ABCD");
        assert_eq!(files[0].requires_python.as_deref(), Some(">=3.8,<4"));
        assert_eq!(
            files[0].core_metadata,
            Some(serde_json::json!({"sha256": "ef01"}))
        );
        assert_eq!(files[0].yanked, serde_json::Value::Bool(false));
        assert_eq!(files[1].yanked, serde_json::Value::Bool(true));
        assert_eq!(files[2].yanked, serde_json::Value::String("broken build".into()));
        assert_eq!(files[2].hashes.get("md5").map(String::as_str), Some("1"));
        assert_eq!(files[2].core_metadata, Some(serde_json::Value::Bool(true)));
        assert_eq!(files[3].filename, "demo+1-0.7.zip");
    }

    #[test]
    fn entities_and_odd_markup() {
        assert_eq!(
            decode_entities("a &amp;&#62;&#x3C; &bogus; & b"),
            "a &>< &bogus; & b"
        );
        // A `>` inside a quoted value does not end the tag; an unclosed
        // tag ends the page.
        let (files, _) = parse(r#"<a href="x-1.0.tar.gz#sha256=1" title="a > b">t</a><a href="y"#);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].filename, "x-1.0.tar.gz");
    }
}
