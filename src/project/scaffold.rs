//! The files `fenv init` writes: a working function project that `fenv
//! lock && fenv sync && fenv serve` run as they are.
//!
//! Pure: it decides names and contents; the command writes them, never
//! over an existing file.

use crate::dist::name::normalize;

/// Where the project's functions are meant to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitTarget {
    Vercel,
    Lambda,
}

/// One file to create, relative to the project folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: &'static str,
    pub contents: String,
}

/// What `.gitignore` should hold for a fenv project.
pub const GITIGNORE_ENTRIES: [&str; 3] = [".venv/", "dist/", ".env"];

/// The project's files for `name` (any spelling; normalized for
/// `[project] name`), `target` and Python `minor` (3.X).
pub fn files(name: &str, target: InitTarget, minor: u32) -> Vec<File> {
    let name = project_name(name);
    let target_table = match target {
        InitTarget::Vercel => {
            format!("targets = [\"vercel\"]\n\n[tool.fenv.target.vercel]\npython = \"3.{minor}\"\n")
        }
        InitTarget::Lambda => {
            format!(
                "targets = [\"lambda\"]\n\n[tool.fenv.target.lambda]\nruntime = \"python3.{minor}\"\narch = \"x86_64\"\n"
            )
        }
    };
    let pyproject = format!(
        "[project]\n\
         name = \"{name}\"\n\
         version = \"0.1.0\"\n\
         # Pins the minor version: Vercel reads it, and fenv checks targets against it.\n\
         requires-python = \"~=3.{minor}.0\"\n\
         # Shared by every function: keep it small, so each function loads fast.\n\
         dependencies = []\n\
         \n\
         [tool.fenv]\n\
         # The machines the team develops on; the lock is proven for each, with every\n\
         # Python requires-python allows. Platform names or PEP 508 markers.\n\
         environments = [\"linux\", \"linux-arm64\", \"macos\", \"macos-x86_64\", \"windows\"]\n\
         # Every *.py under `api/` is a function, except names starting with `_` or `.`.\n\
         {target_table}\
         \n\
         # A function's own dependencies and limits:\n\
         # [tool.fenv.functions.hello]\n\
         # dependencies = [\"httpx\"]\n\
         # budget = {{ unzipped-mb = 20, import-ms = 200 }}\n{vercel}",
        vercel = if target == InitTarget::Vercel {
            super::vercel::INSTALL_TABLE
        } else {
            ""
        }
    );
    vec![
        File {
            path: "pyproject.toml",
            contents: pyproject,
        },
        File {
            path: ".python-version",
            contents: format!("3.{minor}\n"),
        },
        File {
            path: "api/hello.py",
            contents: HELLO.to_string(),
        },
    ]
}

/// `My App` → `my-app`: a valid `[project] name`.
fn project_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let normalized = normalize(cleaned.trim_matches('-'));
    if normalized.is_empty() {
        "functions".to_string()
    } else {
        normalized
    }
}

/// A function that needs nothing but the standard library.
const HELLO: &str = r#""""GET /api/hello: a function with no dependencies, so it starts fast."""

import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse


class handler(BaseHTTPRequestHandler):
    def do_GET(self):
        query = parse_qs(urlparse(self.path).query)
        name = query.get("name", ["world"])[0]
        body = json.dumps({"message": f"Hello, {name}!"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_project_names() {
        assert_eq!(project_name("My App"), "my-app");
        assert_eq!(project_name("__"), "functions");
        assert_eq!(project_name("weather.api"), "weather-api");
    }

    #[test]
    fn the_manifest_names_the_target() {
        let files = files("demo", InitTarget::Lambda, 12);
        assert_eq!(files[0].path, "pyproject.toml");
        assert!(
            files[0]
                .contents
                .contains("targets = [\"lambda\"]\n\n[tool.fenv.target.lambda]\nruntime = \"python3.12\"\n")
        );
        assert!(files[0].contents.contains("requires-python = \"~=3.12.0\""));
        assert_eq!(files[1].contents, "3.12\n");
    }
}
