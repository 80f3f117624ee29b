//! `entry_points.txt` (the entry points specification): an INI file as
//! Python's `configparser` reads it with `=` as the only delimiter and
//! case-sensitive names. Only the `console_scripts` and `gui_scripts`
//! groups become files, so only they are held to the specification here:
//! a malformed line elsewhere (a plugin group fenv never reads) is passed
//! over, as pip passes it over.
//!
//! The `configparser` rules followed: `#` and `;` start comment lines; a
//! line indented deeper than the entry above continues its value (so does
//! a blank line between them); `[group]` opens a group, which may not
//! appear twice, nor may a name within one; a value is what follows the
//! first `=`, trimmed.
//!
//! A value must be an object reference, `module.path:object.attr`, each
//! part a Python identifier, optionally followed by `[extras]`, which
//! installers ignore. Anything else — a space inside a name, `;`, `(` —
//! would become code in the launcher, so it is refused.

/// One console or GUI script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    /// The script's file name, as written.
    pub name: String,
    /// The dotted module to import.
    pub module: String,
    /// `object` or `object.attr` inside it.
    pub object: String,
    pub gui: bool,
}

/// Why an `entry_points.txt` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("line {line}: `[{group}]` appears twice")]
    RepeatedGroup { line: usize, group: String },

    #[error("line {line}: `{name}` appears twice in `[{group}]`")]
    RepeatedName {
        line: usize,
        group: String,
        name: String,
    },

    #[error("line {line}: `{text}` is not a `name = module:object` entry")]
    NotAnEntry { line: usize, text: String },

    #[error("line {line}: the entry `{name}` has no `:object` after its module, which a script needs")]
    NoObject { line: usize, name: String },

    #[error("line {line}: `{value}` is not an object reference (`module.path:object.attr`)")]
    NotAReference { line: usize, value: String },
}

/// The console and GUI scripts of an `entry_points.txt`, in file order.
pub fn scripts(text: &str) -> Result<Vec<EntryPoint>, Error> {
    let mut out = Vec::new();
    for (group, entries) in groups(text)? {
        let gui = match group.as_str() {
            "console_scripts" => false,
            "gui_scripts" => true,
            _ => continue,
        };
        for entry in entries {
            let (name, value) = entry.pair?;
            let (module, object) = reference(&value).ok_or_else(|| {
                if value.contains(':') {
                    Error::NotAReference {
                        line: entry.line,
                        value: value.clone(),
                    }
                } else {
                    Error::NoObject {
                        line: entry.line,
                        name: name.clone(),
                    }
                }
            })?;
            out.push(EntryPoint {
                name,
                module,
                object,
                gui,
            });
        }
    }
    Ok(out)
}

/// One line that opened an entry, and what it read as.
struct Entry {
    line: usize,
    pair: Result<(String, String), Error>,
}

/// The groups in order, each with its entries; only a repeated group of
/// scripts is an error here (the caller judges entries of its groups).
fn groups(text: &str) -> Result<Vec<(String, Vec<Entry>)>, Error> {
    let mut groups: Vec<(String, Vec<Entry>)> = Vec::new();
    // The value lines of the entry being read, and its indentation.
    let mut open: Option<Vec<String>> = None;
    let mut indent = 0;
    let close = |groups: &mut Vec<(String, Vec<Entry>)>, open: &mut Option<Vec<String>>| {
        if let (Some(lines), Some((_, entries))) = (open.take(), groups.last_mut())
            && let Some(Entry {
                pair: Ok((_, value)), ..
            }) = entries.last_mut()
        {
            *value = lines.join("\n").trim_end().to_string();
        }
    };
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let value = raw.trim();
        if value.starts_with(['#', ';']) {
            continue;
        }
        if value.is_empty() {
            if let Some(lines) = open.as_mut() {
                lines.push(String::new());
            }
            continue;
        }
        let depth = raw.len() - raw.trim_start().len();
        if let Some(lines) = open.as_mut()
            && depth > indent
        {
            lines.push(value.to_string());
            continue;
        }
        close(&mut groups, &mut open);
        indent = depth;
        if let Some(name) = section_name(value) {
            if groups.iter().any(|(group, _)| group == name) && is_scripts(name) {
                return Err(Error::RepeatedGroup {
                    line,
                    group: name.to_string(),
                });
            }
            groups.push((name.to_string(), Vec::new()));
            continue;
        }
        // Before any group: configparser refuses the file; pip reads
        // scripts only from their groups, so the line is passed over.
        let Some((group, entries)) = groups.last_mut() else {
            continue;
        };
        let pair = match value.split_once('=') {
            Some((name, rest)) if !name.trim().is_empty() => {
                let name = name.trim().to_string();
                let repeated = entries
                    .iter()
                    .any(|e| matches!(&e.pair, Ok((other, _)) if *other == name));
                if repeated {
                    Err(Error::RepeatedName {
                        line,
                        group: group.clone(),
                        name,
                    })
                } else {
                    open = Some(vec![rest.trim().to_string()]);
                    Ok((name, String::new()))
                }
            }
            _ => Err(Error::NotAnEntry {
                line,
                text: value.to_string(),
            }),
        };
        entries.push(Entry { line, pair });
    }
    close(&mut groups, &mut open);
    Ok(groups)
}

fn is_scripts(group: &str) -> bool {
    group == "console_scripts" || group == "gui_scripts"
}

/// `configparser.SECTCRE`, `\[(?P<header>.+)\]`: what lies between the
/// `[` and the last `]`.
fn section_name(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// `module.path:object.attr [extras]` → (module, object), spaces around
/// the colon and the brackets ignored as the specification asks.
fn reference(value: &str) -> Option<(String, String)> {
    let reference = match value.split_once('[') {
        Some((before, extras)) => extras.trim_end().ends_with(']').then_some(before)?,
        None => value,
    };
    let (module, object) = reference.split_once(':')?;
    let (module, object) = (module.trim(), object.trim());
    (dotted_identifiers(module) && dotted_identifiers(object))
        .then(|| (module.to_string(), object.to_string()))
}

/// Python identifiers joined by dots: `a.b_c.D1`.
fn dotted_identifiers(text: &str) -> bool {
    text.split('.').all(|part| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|first| first == '_' || first.is_alphabetic())
            && chars.all(|c| c == '_' || c.is_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(name: &str, module: &str, object: &str, gui: bool) -> EntryPoint {
        EntryPoint {
            name: name.into(),
            module: module.into(),
            object: object.into(),
            gui,
        }
    }

    #[test]
    fn scripts_read_as_configparser_reads_them() {
        let text = "; a comment\n\
                    [console_scripts]\n\
                    pip = pip._internal.cli.main:main\n\
                    # another\n\
                    Demo-Tool=demo.cli : app.run [extra, more]\n\
                    a:b = mod:func\n\
                    \n\
                    [gui_scripts]\n\
                    demo-gui   =   demo.gui:main\n\
                    [pytest11]\n\
                    junk line without an equals sign\n\
                    x = y\n\
                    x = z\n";
        assert_eq!(
            scripts(text),
            Ok(vec![
                script("pip", "pip._internal.cli.main", "main", false),
                script("Demo-Tool", "demo.cli", "app.run", false),
                script("a:b", "mod", "func", false),
                script("demo-gui", "demo.gui", "main", true),
            ])
        );
    }

    #[test]
    fn a_value_that_is_not_an_object_reference_is_refused() {
        let refused = |value: &str| scripts(&format!("[console_scripts]\nx = {value}\n"));
        assert_eq!(
            refused("os import sep;open(\"x\",\"w\");from os:sep"),
            Err(Error::NotAReference {
                line: 2,
                value: "os import sep;open(\"x\",\"w\");from os:sep".into()
            })
        );
        assert_eq!(
            refused("module"),
            Err(Error::NoObject {
                line: 2,
                name: "x".into()
            })
        );
        for bad in ["a:b()", "a:", ":b", "a b:c", "a:b.", "1a:b", "a:b [x", "a;b:c"] {
            assert!(refused(bad).is_err(), "{bad}");
        }
        assert!(refused("pkg.módulo:función").is_ok());
    }

    #[test]
    fn continuation_lines_join_the_value_they_follow() {
        // An indented line continues the value, so this entry is not a
        // reference any more; a blank line in between changes nothing.
        assert_eq!(
            scripts("[console_scripts]\nx = a:b\n\n    c\n"),
            Err(Error::NotAReference {
                line: 2,
                value: "a:b\n\nc".into()
            })
        );
        // At the same indentation it is the next entry.
        assert_eq!(
            scripts("[console_scripts]\n  x = a:b\n  y = c:d\n").map(|s| s.len()),
            Ok(2)
        );
    }

    #[test]
    fn groups_and_names_of_scripts_appear_once() {
        assert_eq!(
            scripts("[console_scripts]\nx = a:b\n[console_scripts]\ny = c:d\n"),
            Err(Error::RepeatedGroup {
                line: 3,
                group: "console_scripts".into()
            })
        );
        assert_eq!(
            scripts("[console_scripts]\nx = a:b\nx = c:d\n"),
            Err(Error::RepeatedName {
                line: 3,
                group: "console_scripts".into(),
                name: "x".into()
            })
        );
        // Names are case-sensitive: these are two scripts.
        assert_eq!(
            scripts("[console_scripts]\nX = a:b\nx = c:d\n").map(|s| s.len()),
            Ok(2)
        );
        assert_eq!(
            scripts("[console_scripts]\nno equals here\n"),
            Err(Error::NotAnEntry {
                line: 2,
                text: "no equals here".into()
            })
        );
    }
}
