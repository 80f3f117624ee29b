//! Finding a function's handler without importing it: a scan of the
//! module's top-level statements, as Vercel's builder makes it
//! (`findAppOrHandler` in `@vercel/python-analysis`).
//!
//! The first top-level statement that binds `app` or `application` (an
//! assignment, an annotated assignment, a `def`, a `from … import`), or
//! defines a class named `handler` in any letter case, is the handler: a
//! class is served as a `BaseHTTPRequestHandler` (its bases are checked
//! when it is imported, so `class handler(MyBase)` is accepted here), `app`
//! and `application` as WSGI or ASGI (known only at run time). Only when
//! none is found, a `def handler(event, context)` or `def lambda_handler`
//! is a native Lambda handler, which Vercel does not call. A file with
//! none of them is no function: Vercel skips it. The scan reads logical
//! lines at column 0, outside strings and brackets.

use serde::Serialize;

/// How a function is called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "form")]
pub enum Form {
    /// `class handler(BaseHTTPRequestHandler)`.
    Http,
    /// `app`: WSGI or ASGI.
    App,
    /// `application`: WSGI.
    Application,
    /// `def <function>(event, context)`: native Lambda.
    Lambda { function: String },
}

impl Form {
    /// `handler(http)`, `app`, `application(wsgi)`, `handler(event, context)`.
    pub fn describe(&self) -> String {
        match self {
            Self::Http => "handler (BaseHTTPRequestHandler)".into(),
            Self::App => "app (WSGI or ASGI)".into(),
            Self::Application => "application (WSGI)".into(),
            Self::Lambda { function } => format!("{function}(event, context) (Lambda)"),
        }
    }
}

/// What the scan found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scan {
    /// The handler the runtime would use, and its 1-based line.
    pub handler: Option<(Form, usize)>,
    /// A class named `handler` with no base at all (or only `object`),
    /// which Vercel's runtime refuses when it imports it.
    pub bad_handler_class: Option<usize>,
    /// The name [`Scan::handler`] is bound to (`handler`, `Handler`,
    /// `app`): Vercel's runtime looks that attribute up exactly.
    pub name: Option<String>,
}

/// Scans Python source for the handler forms.
pub fn scan(source: &str) -> Scan {
    let mut handler = None;
    let mut name = None;
    let mut lambda = None;
    let mut bad_handler_class = None;
    for (line, statement) in top_level_statements(source) {
        let statement = statement.trim_end();
        let found = if let Some((class, bases)) = class_header(statement) {
            let plain = bases.split(',').all(|b| matches!(b.trim(), "" | "object"));
            if class.eq_ignore_ascii_case("handler") && plain {
                bad_handler_class.get_or_insert(line);
            }
            class
                .eq_ignore_ascii_case("handler")
                .then_some((Form::Http, class))
        } else if let Some(function) = def_name(statement) {
            if function == "handler" || function == "lambda_handler" {
                lambda.get_or_insert((function.clone(), line));
            }
            app_form(&function).map(|form| (form, function))
        } else {
            bound_names(statement)
                .into_iter()
                .find_map(|bound| app_form(&bound).map(|form| (form, bound)))
        };
        if let Some((form, bound)) = found
            && handler.is_none()
        {
            handler = Some((form, line));
            name = Some(bound);
        }
    }
    if handler.is_none()
        && let Some((function, line)) = lambda
    {
        name = Some(function.clone());
        handler = Some((Form::Lambda { function }, line));
    }
    Scan {
        bad_handler_class: bad_handler_class.filter(|_| matches!(handler, Some((Form::Http, _)))),
        handler,
        name,
    }
}

fn app_form(name: &str) -> Option<Form> {
    match name {
        "app" => Some(Form::App),
        "application" => Some(Form::Application),
        _ => None,
    }
}

/// `class NAME(BASES):` → (NAME, BASES).
fn class_header(statement: &str) -> Option<(String, String)> {
    let rest = statement.strip_prefix("class ")?.trim_start();
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let after = rest[name.len()..].trim_start();
    let bases = after
        .strip_prefix('(')
        .and_then(|b| b.rfind(')').map(|end| b[..end].to_string()))
        .unwrap_or_default();
    (!name.is_empty()).then_some((name, bases))
}

/// `def NAME(` or `async def NAME(` → NAME.
fn def_name(statement: &str) -> Option<String> {
    let rest = statement
        .strip_prefix("async ")
        .map_or(statement, str::trim_start)
        .strip_prefix("def ")?
        .trim_start();
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Names an assignment or import binds: `app = …`, `app: T = …`,
/// `app = application = …`, `from m import a as app, b`.
fn bound_names(statement: &str) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(rest) = statement.strip_prefix("from ") {
        if let Some((_, imported)) = rest.split_once(" import ") {
            let imported = imported.trim().trim_start_matches('(').trim_end_matches(')');
            for item in imported.split(',') {
                let item = item.trim();
                let name = item.rsplit_once(" as ").map_or(item, |(_, alias)| alias).trim();
                names.push(name.to_string());
            }
        }
        return names;
    }
    // `import m as app` is not counted, as Vercel's scan does not.
    if statement.starts_with("import ") {
        return names;
    }
    // Targets of `=` (not `==`, `<=`, …), left of the last assignment.
    let mut rest = statement;
    while let Some(at) = find_assignment(rest) {
        let target = rest[..at].trim();
        let target = target.split_once(':').map_or(target, |(name, _)| name).trim();
        if target.chars().all(|c| c.is_alphanumeric() || c == '_') && !target.is_empty() {
            names.push(target.to_string());
        }
        rest = &rest[at + 1..];
    }
    names
}

/// The byte index of the first plain `=` (an assignment), if any.
fn find_assignment(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'=' {
            continue;
        }
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + 1).copied();
        if matches!(
            before,
            Some(b'=' | b'<' | b'>' | b'!' | b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b':')
        ) || after == Some(b'=')
        {
            continue;
        }
        return Some(i);
    }
    None
}

/// The module's top-level logical lines (see [`logical_lines`]).
fn top_level_statements(source: &str) -> Vec<(usize, String)> {
    logical_lines(source)
        .into_iter()
        .filter(|(_, top_level, _)| *top_level)
        .map(|(line, _, text)| (line, text))
        .collect()
}

/// Every absolute import's top-level module with its line: `import a.b,
/// c as d` gives `a` and `c`; `from a.b import x` gives `a`; relative
/// imports (`from . import x`) give nothing. Imports inside functions
/// count too: they run when the function does.
pub fn imports(source: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (line, _, text) in logical_lines(source) {
        let modules: Vec<&str> = if let Some(rest) = text.strip_prefix("import ") {
            rest.split(',').map(str::trim).collect()
        } else if let Some(rest) = text.strip_prefix("from ") {
            rest.split_whitespace().next().into_iter().collect()
        } else {
            continue;
        };
        for module in modules {
            let top = module.split([' ', '.']).next().unwrap_or_default();
            if !top.is_empty() && !module.starts_with('.') {
                out.push((top.to_string(), line));
            }
        }
    }
    out
}

/// The module's logical lines with their 1-based line numbers and whether
/// they start at column 0: comments and string contents dropped,
/// bracketed and backslash continuations joined.
fn logical_lines(source: &str) -> Vec<(usize, bool, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start_line = 1;
    let mut depth = 0usize;
    let mut in_string: Option<&'static str> = None;
    let mut top_level = true;
    let mut continued = false;
    for (index, raw) in source.lines().enumerate() {
        let line_no = index + 1;
        let fresh = depth == 0 && in_string.is_none() && !continued;
        if fresh {
            if !current.is_empty() {
                out.push((start_line, top_level, std::mem::take(&mut current)));
            }
            current.clear();
            start_line = line_no;
            top_level = !raw.starts_with([' ', '\t']);
        }
        continued = false;
        let mut chars = raw.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if let Some(quote) = in_string {
                if c == '\\' {
                    chars.next();
                } else if raw[at..].starts_with(quote) {
                    for _ in 1..quote.len() {
                        chars.next();
                    }
                    in_string = None;
                    current.push_str("\"\"");
                }
                continue;
            }
            match c {
                '#' => break,
                '"' | '\'' => {
                    let triple = if c == '"' { "\"\"\"" } else { "'''" };
                    let single = if c == '"' { "\"" } else { "'" };
                    if raw[at..].starts_with(triple) {
                        chars.next();
                        chars.next();
                        in_string = Some(triple);
                    } else {
                        in_string = Some(single);
                    }
                }
                '(' | '[' | '{' => {
                    depth += 1;
                    current.push(c);
                }
                ')' | ']' | '}' => {
                    depth = depth.saturating_sub(1);
                    current.push(c);
                }
                '\\' if raw[at..].trim_end() == "\\" => {
                    continued = true;
                    break;
                }
                _ => current.push(c),
            }
        }
        // A one-quote string does not span lines.
        if matches!(in_string, Some("\"" | "'")) {
            in_string = None;
        }
        current.push(' ');
    }
    if !current.trim().is_empty() {
        out.push((start_line, top_level, current));
    }
    out.into_iter()
        .map(|(line, top_level, text)| (line, top_level, text.trim().to_string()))
        .filter(|(_, _, text)| !text.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_http_handler_class_wins() {
        let source = "from http.server import BaseHTTPRequestHandler\n\nclass handler(BaseHTTPRequestHandler):\n    def do_GET(self):\n        app = 1\n";
        assert_eq!(scan(source).handler, Some((Form::Http, 3)));
    }

    #[test]
    fn app_application_and_lambda_forms() {
        assert_eq!(
            scan("from flask import Flask\napp = Flask(__name__)\n").handler,
            Some((Form::App, 2))
        );
        assert_eq!(scan("app: ASGIApp = make()\n").handler, Some((Form::App, 1)));
        assert_eq!(
            scan("async def app(scope, receive, send):\n    pass\n").handler,
            Some((Form::App, 1))
        );
        assert_eq!(
            scan("from .server import (\n    thing,\n    wsgi as app,\n)\n").handler,
            Some((Form::App, 1))
        );
        assert_eq!(
            scan("from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n")
                .handler,
            Some((Form::Application, 2))
        );
        assert_eq!(
            scan("import json\n\ndef lambda_handler(event, context):\n    return {}\n").handler,
            Some((
                Form::Lambda {
                    function: "lambda_handler".into()
                },
                3
            ))
        );
    }

    #[test]
    fn strings_comments_indentation_and_comparisons_bind_nothing() {
        let source = concat!(
            "\"\"\"Docs:\napp = 1\n\"\"\"\n",
            "# app = 2\n",
            "if x == app:\n    app = 3\n",
            "text = 'app = 4'\n",
            "value = call(\n  app=5,\n)\n",
        );
        assert_eq!(scan(source).handler, None);
    }

    #[test]
    fn imports_name_top_level_modules() {
        let source = "import os, json as j\nfrom requests.adapters import HTTPAdapter\nfrom . import sibling\nfrom .x import y\ndef f():\n    import numpy.linalg\n# import nope\ns = 'import nope'\n";
        let names: Vec<(String, usize)> = imports(source);
        assert_eq!(
            names,
            [
                ("os".to_string(), 1),
                ("json".to_string(), 1),
                ("requests".to_string(), 2),
                ("numpy".to_string(), 6)
            ]
        );
    }

    #[test]
    fn a_handler_class_without_a_base_is_reported() {
        let scan = scan("class handler:\n    pass\n");
        assert_eq!(scan.handler, Some((Form::Http, 1)));
        assert_eq!(scan.bad_handler_class, Some(1));
    }

    #[test]
    fn the_first_of_app_and_handler_wins_as_on_vercel() {
        let both =
            "from api._base import JSONHandler\n\nclass handler(JSONHandler):\n    pass\n\napp = make()\n";
        assert_eq!(scan(both).handler, Some((Form::Http, 3)));
        assert_eq!(scan(both).bad_handler_class, None);
        let app_first = "app = make()\n\nclass Handler(BaseHTTPRequestHandler):\n    pass\n";
        assert_eq!(scan(app_first).handler, Some((Form::App, 1)));
        assert_eq!(
            scan("class HANDLER(Base):\n    pass\n").handler,
            Some((Form::Http, 1))
        );
        // Vercel does not count a plain import, nor a Lambda function.
        assert_eq!(scan("import server as app\n").handler, None);
        assert_eq!(
            scan("app = 1\ndef handler(event, context):\n    pass\n").handler,
            Some((Form::App, 1))
        );
    }
}
