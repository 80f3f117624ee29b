//! `RECORD` (PEP 376 / the binary distribution format): a CSV of
//! `path,sha256=<urlsafe-b64>,size` rows.

use base64::Engine;

/// One row of a `RECORD`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct RecordEntry {
    /// Relative to the folder that holds the `.dist-info`.
    pub path: String,
    /// `sha256=…`, empty for RECORD itself and `.pyc` rows.
    pub hash: String,
    pub size: Option<u64>,
}

impl RecordEntry {
    /// A row for `contents` written at `path`.
    pub fn for_contents(path: impl Into<String>, contents: &[u8]) -> Self {
        Self {
            path: path.into(),
            hash: hash(contents),
            size: Some(contents.len() as u64),
        }
    }
}

/// `sha256=<urlsafe base64 without padding>`, as RECORD spells a hash.
pub fn hash(contents: &[u8]) -> String {
    format!("sha256={}", encode(&crate::hash::sha256(contents)))
}

/// The RECORD form of a raw sha256 digest.
pub fn encode(digest: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// Parses a RECORD, as Python's `csv.reader` reads it.
pub fn parse(text: &str) -> Result<Vec<RecordEntry>, String> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields = split_csv(line).ok_or_else(|| format!("line {} is not valid CSV", index + 1))?;
        let [path, hash, size] = fields.as_slice() else {
            return Err(format!("line {} does not have three fields", index + 1));
        };
        let size = if size.is_empty() {
            None
        } else {
            Some(
                size.parse()
                    .map_err(|_| format!("line {}: size `{size}` is not a number", index + 1))?,
            )
        };
        entries.push(RecordEntry {
            path: path.clone(),
            hash: hash.clone(),
            size,
        });
    }
    Ok(entries)
}

/// Writes rows sorted by path, quoting fields as Python's csv module does.
pub fn render(entries: &[RecordEntry]) -> String {
    let mut sorted: Vec<&RecordEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let mut out = String::new();
    for entry in sorted {
        out.push_str(&quote(&entry.path));
        out.push(',');
        out.push_str(&quote(&entry.hash));
        out.push(',');
        if let Some(size) = entry.size {
            out.push_str(&size.to_string());
        }
        out.push('\n');
    }
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn split_csv(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_hashes() {
        // The binary distribution format spec's `RECORD` hashes: urlsafe
        // base64 of the sha256, without padding.
        assert_eq!(hash(b""), "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
        assert_eq!(
            hash(b"print('hi')\n"),
            "sha256=yvAm8l1xQCCfmAcmBTB6Q4kUuc5vPBSyPRXZZnJB3lI"
        );
    }

    #[test]
    fn round_trip_with_quoting() {
        let text = "a/b.py,sha256=x,3\n\"odd,name.py\",sha256=y,4\npkg-1.0.dist-info/RECORD,,\n";
        let entries = parse(text).expect("parses");
        assert_eq!(entries[1].path, "odd,name.py");
        assert_eq!(entries[2].size, None);
        assert_eq!(render(&entries), text);
        assert!(parse("a,\"b,c\n").is_err());
        assert!(parse("a,b\n").is_err());
    }

    #[test]
    fn rows_read_as_python_csv_reads_them() {
        // What `csv.reader(text.splitlines())` gives for these rows:
        // quoted commas, doubled quotes, a quote inside an unquoted field,
        // text after a closing quote, CRLF ends and a blank line.
        let text = "\"a,b.py\",sha256=x,3\r\n\"say \"\"hi\"\".py\",sha256=y,4\r\nq\"uote.py,sha256=z,5\r\n\"a\"b.py,,\r\n\r\npkg-1.0.dist-info/RECORD,,\r\n";
        let rows: Vec<(String, String, Option<u64>)> = parse(text)
            .expect("parses")
            .into_iter()
            .map(|e| (e.path, e.hash, e.size))
            .collect();
        let row = |path: &str, hash: &str, size: Option<u64>| (path.to_string(), hash.to_string(), size);
        assert_eq!(
            rows,
            [
                row("a,b.py", "sha256=x", Some(3)),
                row("say \"hi\".py", "sha256=y", Some(4)),
                row("q\"uote.py", "sha256=z", Some(5)),
                row("ab.py", "", None),
                row("pkg-1.0.dist-info/RECORD", "", None),
            ]
        );
    }
}
