//! The house rules of `src/`, read from the source itself: an import goes
//! sideways or down the layers, never up; the modules of a layer never
//! import in a circle; no command imports another command; no command
//! file is over 300 lines.
//! docs/architecture.md draws the layers this test keeps.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, ground first. A module may use its own layer and those
/// before it.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "ground",
        &[
            "error",
            "fs",
            "limits",
            "hash",
            "timestamp",
            "dist",
            "cache",
            "parallel",
            "printer",
        ],
    ),
    ("sources", &["python", "project", "lock", "index"]),
    ("installing", &["install", "resolve"]),
    (
        "features",
        &[
            "venv",
            "build",
            "locking",
            "sync",
            "functions",
            "check",
            "bundle",
            "serve",
            "invoke",
            "ci",
        ],
    ),
    ("commands", &["commands", "cli"]),
    ("entry", &["lib", "main", "fuzz"]),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// One `crate::…` reference: where it is and what it names.
#[derive(Debug, Clone)]
struct Import {
    file: String,
    line: usize,
    from: String,
    to: String,
}

/// `src/a/b.rs` and `src/a.rs` belong to module `a`.
fn module_of(relative: &Path) -> String {
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The source without comments (doc links are not imports) and without
/// string literals' contents.
fn code_only(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let mut out = String::new();
            let mut in_string = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        in_string = !in_string;
                        out.push(c);
                    }
                    '\\' if in_string => {
                        chars.next();
                    }
                    '/' if !in_string && chars.peek() == Some(&'/') => break,
                    _ if in_string => {}
                    _ => out.push(c),
                }
            }
            out
        })
        .collect()
}

/// Every `crate::x` in `src/`, with `use crate::{x, y::z}` groups split.
fn imports(src: &Path) -> Vec<Import> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(src).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src).unwrap();
        let from = module_of(relative);
        let text = fs_err::read_to_string(path).unwrap();
        let lines = code_only(&text);
        // Join `use crate::{…};` groups that span lines onto their first line.
        let mut at = 0;
        while at < lines.len() {
            let mut line = lines[at].clone();
            let start = at;
            if line.contains("crate::{") {
                while !line.contains('}') && at + 1 < lines.len() {
                    at += 1;
                    line.push_str(&lines[at]);
                }
            }
            for (to, _) in targets(&line) {
                if to != from {
                    found.push(Import {
                        file: format!("src/{}", relative.display()),
                        line: start + 1,
                        from: from.clone(),
                        to,
                    });
                }
            }
            at += 1;
        }
    }
    found
}

/// The modules (and the item after each) that `line` names with `crate::`.
fn targets(line: &str) -> Vec<(String, String)> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (i, _) in line.match_indices("crate::") {
        // `fenv::crate::` does not exist; skip `$crate::` in macros.
        if line[..i].ends_with('$') {
            continue;
        }
        let rest = &line[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            for part in inner.split(',') {
                let part = part.trim();
                let module = ident(part);
                let item = part
                    .strip_prefix(&module)
                    .and_then(|p| p.strip_prefix("::"))
                    .map(ident)
                    .unwrap_or_default();
                if !module.is_empty() {
                    out.push((module, item));
                }
            }
        } else {
            let module = ident(rest);
            let item = rest[module.len()..]
                .strip_prefix("::")
                .map(ident)
                .unwrap_or_default();
            if !module.is_empty() {
                out.push((module, item));
            }
        }
    }
    out
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_has_a_layer() {
    let mut modules = BTreeSet::new();
    for entry in fs_err::read_dir(src_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() || path.extension().is_some_and(|ext| ext == "rs") {
            modules.insert(module_of(Path::new(path.file_name().unwrap())));
        }
    }
    let without: Vec<_> = modules.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        without.is_empty(),
        "modules without a layer (add them to LAYERS and docs/architecture.md): {without:?}"
    );
}

#[test]
fn imports_go_sideways_or_down() {
    let upward: Vec<String> = imports(&src_dir())
        .into_iter()
        .filter(|i| match (layer_of(&i.from), layer_of(&i.to)) {
            (Some(from), Some(to)) => to > from,
            _ => false,
        })
        .map(|i| {
            format!(
                "{}:{}: `{}` ({}) imports `{}` ({})",
                i.file,
                i.line,
                i.from,
                LAYERS[layer_of(&i.from).unwrap()].0,
                i.to,
                LAYERS[layer_of(&i.to).unwrap()].0
            )
        })
        .collect();
    assert!(upward.is_empty(), "imports up the layers:\n{}", upward.join("\n"));
}

#[test]
fn no_modules_import_in_a_circle() {
    let imports = imports(&src_dir());
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for i in &imports {
        graph.entry(&i.from).or_default().insert(&i.to);
    }
    let circles = circles(&graph);
    let witnesses: Vec<String> = circles
        .iter()
        .map(|circle| {
            let steps: Vec<&str> = circle.split(" → ").collect();
            let (from, to) = (steps[0], steps[1]);
            let at = imports.iter().find(|i| i.from == from && i.to == to).unwrap();
            format!("{circle} (for one, {}:{})", at.file, at.line)
        })
        .collect();
    assert!(
        witnesses.is_empty(),
        "modules that import in a circle:\n{}",
        witnesses.join("\n")
    );
}

/// Every circle in `graph`, as `a → b → a`: a path from a module back to
/// itself, found from each module in turn.
fn circles(graph: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<String> {
    let mut circles = Vec::new();
    for &start in graph.keys() {
        let mut stack = vec![(start, vec![start])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for &next in graph.get(at).into_iter().flatten() {
                if next == start {
                    let mut circle = path.clone();
                    circle.push(start);
                    circles.push(circle.join(" → "));
                } else if seen.insert(next) {
                    let mut longer = path.clone();
                    longer.push(next);
                    stack.push((next, longer));
                }
            }
        }
    }
    circles
}

#[test]
fn no_command_imports_another() {
    let src = src_dir();
    let commands: BTreeSet<String> = fs_err::read_dir(src.join("commands"))
        .unwrap()
        .map(|e| module_of(Path::new(e.unwrap().path().file_name().unwrap())))
        .filter(|name| name != "mod" && name != "diagnostics")
        .collect();
    let mut found = Vec::new();
    for command in &commands {
        let file = src.join("commands").join(format!("{command}.rs"));
        let lines = code_only(&fs_err::read_to_string(&file).unwrap());
        for (at, line) in lines.iter().enumerate() {
            let named = targets(line)
                .into_iter()
                .filter(|(module, _)| module == "commands")
                .map(|(_, item)| item)
                .chain(
                    line.match_indices("super::")
                        .map(|(i, _)| targets(&format!("crate::{}", &line[i + 7..]))[0].0.clone()),
                );
            for other in named {
                if other != *command && commands.contains(&other) {
                    found.push(format!(
                        "src/commands/{command}.rs:{}: imports the `{other}` command",
                        at + 1
                    ));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "commands that import commands:\n{}",
        found.join("\n")
    );
}

#[test]
fn commands_stay_small_enough_to_only_orchestrate() {
    let mut long = Vec::new();
    for entry in fs_err::read_dir(src_dir().join("commands")).unwrap() {
        let path = entry.unwrap().path();
        let lines = fs_err::read_to_string(&path).unwrap().lines().count();
        if lines > 300 {
            long.push(format!("{}: {lines} lines", path.display()));
        }
    }
    assert!(
        long.is_empty(),
        "commands over 300 lines (move the work into its module):\n{}",
        long.join("\n")
    );
}

#[test]
fn the_scanner_reads_groups_comments_and_strings() {
    assert_eq!(
        targets("use crate::{fs::write_atomic, error::Hint, lock};"),
        [
            ("fs".to_string(), "write_atomic".to_string()),
            ("error".to_string(), "Hint".to_string()),
            ("lock".to_string(), String::new()),
        ]
    );
    let graph: BTreeMap<&str, BTreeSet<&str>> = [
        ("index", BTreeSet::from(["build", "fs"])),
        ("build", BTreeSet::from(["sync"])),
        ("sync", BTreeSet::from(["index"])),
        ("fs", BTreeSet::new()),
    ]
    .into();
    assert_eq!(
        circles(&graph),
        [
            "build → sync → index → build",
            "index → build → sync → index",
            "sync → index → build → sync"
        ]
    );
    assert_eq!(
        code_only("let a = \"crate::x\"; // crate::y\nuse crate::z;"),
        ["let a = \"\"; ", "use crate::z;"]
    );
}
