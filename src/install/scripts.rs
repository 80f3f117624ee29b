//! Launchers for `console_scripts` / `gui_scripts`, and shebangs.
//!
//! The shebang names the environment's interpreter. When the path holds
//! a space or would pass the kernel's 127-byte limit, the script starts
//! with pip's `/bin/sh` trampoline instead; in a relocatable environment
//! the trampoline finds the interpreter next to the script at run time.

use crate::dist::entry_points::EntryPoint;

/// How launchers reach the interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shebang {
    /// An absolute interpreter path.
    Absolute(String),
    /// The `python` beside the script, found at run time.
    Relative,
    /// `python3` from PATH (`#!/usr/bin/env python3`), for folders that hold
    /// no interpreter, such as function bundles.
    Env,
}

impl Shebang {
    /// The first line(s) of a script, ending in a newline.
    pub fn render(&self) -> String {
        match self {
            Self::Absolute(python) if python.len() + 3 <= 127 && !python.contains([' ', '\t']) => {
                format!("#!{python}\n")
            }
            Self::Absolute(python) => {
                format!("#!/bin/sh\n'''exec' {} \"$0\" \"$@\"\n' '''\n", sh_quote(python))
            }
            Self::Env => "#!/usr/bin/env python3\n".to_string(),
            Self::Relative => {
                "#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")\"/'python' \"$0\" \"$@\"\n' '''\n"
                    .to_string()
            }
        }
    }
}

fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\"'\"'"))
}

/// The launcher script (POSIX) of a console or GUI entry point, as uv
/// and pip write it. `point`'s module and object were checked to be
/// dotted identifiers, so they are safe to splice into Python source.
pub fn launcher(point: &EntryPoint, shebang: &Shebang) -> String {
    let (import, call) = match point.object.split_once('.') {
        Some((first, _)) => (first, point.object.as_str()),
        None => (point.object.as_str(), point.object.as_str()),
    };
    format!(
        "{}# -*- coding: utf-8 -*-\nimport sys\nfrom {} import {import}\nif __name__ == \"__main__\":\n    if sys.argv[0].endswith(\"-script.pyw\"):\n        sys.argv[0] = sys.argv[0][:-11]\n    elif sys.argv[0].endswith(\".exe\"):\n        sys.argv[0] = sys.argv[0][:-4]\n    sys.exit({call}())\n",
        shebang.render(),
        point.module,
    )
}

/// A `.data/scripts` file with `#!python` (or `#!pythonw`) rewritten to
/// the environment's interpreter; `None` when it has no such line.
pub fn rewrite_python_shebang(contents: &[u8], shebang: &Shebang) -> Option<Vec<u8>> {
    let rest = contents
        .strip_prefix(b"#!pythonw")
        .or_else(|| contents.strip_prefix(b"#!python"))?;
    // The rest of the first line (`#!python3 -u`? only a line end is valid).
    let line_end = rest
        .iter()
        .position(|b| *b == b'\n')
        .map_or(rest.len(), |i| i + 1);
    let mut out = shebang.render().into_bytes();
    out.extend_from_slice(&rest[line_end..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_forms() {
        assert_eq!(
            Shebang::Absolute("/v/bin/python".into()).render(),
            "#!/v/bin/python\n"
        );
        assert_eq!(
            Shebang::Absolute("/sp ace/bin/python".into()).render(),
            "#!/bin/sh\n'''exec' '/sp ace/bin/python' \"$0\" \"$@\"\n' '''\n"
        );
        let long = format!("/{}/bin/python", "x".repeat(120));
        assert!(Shebang::Absolute(long).render().starts_with("#!/bin/sh\n"));
        assert!(Shebang::Relative.render().contains("realpath"));
    }

    #[test]
    fn launchers_import_and_call_the_object() {
        let point = EntryPoint {
            name: "Demo-Tool".into(),
            module: "demo.cli".into(),
            object: "app.run".into(),
            gui: false,
        };
        let launcher = launcher(&point, &Shebang::Absolute("/v/bin/python".into()));
        assert!(launcher.starts_with("#!/v/bin/python\n"));
        assert!(launcher.contains("from demo.cli import app\n"));
        assert!(launcher.ends_with("    sys.exit(app.run())\n"));
    }

    #[test]
    fn python_shebang_rewrite() {
        let shebang = Shebang::Absolute("/v/bin/python".into());
        assert_eq!(
            rewrite_python_shebang(b"#!python\nprint(1)\n", &shebang).as_deref(),
            Some(&b"#!/v/bin/python\nprint(1)\n"[..])
        );
        assert_eq!(rewrite_python_shebang(b"#!/usr/bin/env python\n", &shebang), None);
    }
}
