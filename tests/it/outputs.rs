//! One project's life at the terminal, every command's whole output:
//! exit code, stdout and stderr, compared whole (`common::outcome`), so a
//! changed message shows here as a diff.

use crate::common::project::Project;
use crate::common::{TestContext, outcome};

/// `fenv ARGS` in `project`: its whole outcome, with what differs from
/// run to run filtered out beyond `outcome`'s filters: the pyenv
/// interpreter's path, how many files a check hashed (pip's count
/// changes with its version) and the lock's hash in a cache key (the
/// lock names the test index's port).
fn says(project: &Project, args: &[&str]) -> String {
    let text = outcome(&project.ctx, &mut project.fenv(args))
        .replace(&project.host_python.display().to_string(), "[PYTHON]");
    let mut lines: Vec<String> = text.lines().map(filter_line).collect();
    lines.push(String::new());
    lines.join("\n")
}

fn filter_line(line: &str) -> String {
    let words: Vec<String> = line
        .split(' ')
        .enumerate()
        .map(|(i, word)| {
            let next_is_files = line.split(' ').nth(i + 1) == Some("files");
            if next_is_files && word.trim_start_matches('(').bytes().all(|b| b.is_ascii_digit()) {
                format!("{}[N]", if word.starts_with('(') { "(" } else { "" })
            } else if let Some(key) = word.strip_prefix("fenv-linux-x86_64-cpython3.12-") {
                assert_eq!(key.len(), 16, "{word}");
                "fenv-linux-x86_64-cpython3.12-[HASH]".to_string()
            } else {
                word.to_string()
            }
        })
        .collect();
    words.join(" ")
}

const HANDLER: &str = "from http.server import BaseHTTPRequestHandler


class handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'hi')
";

#[test]
fn a_project_from_lock_to_bundle_says_what_it_did_at_each_step() {
    let Some(project) = Project::new() else { return };
    project.publish("a", "1.0", &["b"]);
    project.publish("b", "2.0", &[]);
    project.write_pyproject(&["a"], "[tool.fenv]\ntargets = [\"lambda\"]\n");
    project.ctx.write("api/hello.py", HANDLER);

    let steps: &[(&[&str], &str)] = &[
        (
            &["python", "find", "3.12"],
            "exit: 0\n--- stdout\n[PYTHON]\n--- stderr\n",
        ),
        (
            &["lock"],
            "exit: 0\n--- stdout\n--- stderr\nLocked 2 packages for linux, linux-arm64, macos, macos-x86_64, windows × python3.10–3.14, lambda (python3.12, x86_64, glibc ≤ 2.34) in [N] ms\n",
        ),
        (
            &["lock", "--check"],
            "exit: 0\n--- stdout\n--- stderr\n`pylock.toml` is up to date\n",
        ),
        (
            &["sync", "--dry-run"],
            "exit: 1\n--- stdout\n + a==1.0\n + b==2.0\n--- stderr\n \
             + virtual environment at `.venv`\nWould change +2 ~0 -0 (dry run)\n",
        ),
        (
            &["sync"],
            "exit: 0\n--- stdout\n--- stderr\nCreated virtual environment at `.venv`\n \
             + a==1.0\n + b==2.0\n+2 ~0 -0 in [N] ms\n",
        ),
        (
            &["sync"],
            "exit: 0\n--- stdout\n--- stderr\n+0 ~0 -0 in [N] ms (`.venv` already matches the lock)\n",
        ),
        (&["freeze"], "exit: 0\n--- stdout\na==1.0\nb==2.0\n--- stderr\n"),
        (
            &["check"],
            "exit: 0\n--- stdout\n--- stderr\n`.venv` matches `pylock.toml` ([N] files checked)\n",
        ),
        (
            &["run", "--", "python", "-c", "print('ran')"],
            "exit: 0\n--- stdout\nran\n--- stderr\n+0 ~0 -0 in [N] ms (`.venv` already matches the lock)\n",
        ),
        (
            &["ci"],
            "exit: 0\n--- stdout\n\
             export VIRTUAL_ENV='[ROOT]/work/.venv'\n\
             export PATH='[ROOT]/work/.venv/bin'\"${PATH:+:$PATH}\"\n\
             --- stderr\n\
             +0 ~0 -0 in [N] ms (`.venv` already matches the lock)\n\
             Checked `.venv`: [N] files match their RECORD\n",
        ),
        (
            &["ci", "--cache-key"],
            "exit: 0\n--- stdout\nfenv-linux-x86_64-cpython3.12-[HASH]\n--- stderr\n",
        ),
        (
            &["activate", "--shell", "fish"],
            "exit: 0\n--- stdout\nsource .venv/bin/activate.fish\n--- stderr\n",
        ),
        (
            &["bundle"],
            "exit: 0\n--- stdout\n--- stderr\n\
             Bundling 1 function for lambda (python3.12, x86_64, glibc ≤ 2.34)\n  \
             hello  dist/lambda/hello.zip  26.0 kB unzipped / 10.3 kB zipped  \
             (unzipped 262.12 MB left of 262.14 MB, zipped 52.42 MB left of 52.43 MB, no budget)\n    \
             handler: fenv_handler.handler\n    \
             largest: a 0.1 kB, b 0.1 kB\n\
             Wrote `dist/manifest.json`\n",
        ),
        (
            &["cache", "dir"],
            "exit: 0\n--- stdout\n[ROOT]/cache\n--- stderr\n",
        ),
    ];
    for (args, expected) in steps {
        assert_eq!(says(&project, args), *expected, "fenv {}", args.join(" "));
    }

    // A change to the inputs, then each command that needs a fresh lock.
    project.write_pyproject(&["a", "b"], "[tool.fenv]\ntargets = [\"lambda\"]\n");
    let stale = "exit: 1\n--- stdout\n--- stderr\n\
                 error: `pylock.toml` does not match the project's inputs:\n  + dependency b\n\
                 hint: run `fenv lock` and commit the result\n";
    for args in [&["lock", "--check"][..], &["sync", "--frozen"], &["bundle"]] {
        assert_eq!(says(&project, args), stale, "fenv {}", args.join(" "));
    }
}

#[test]
fn init_says_what_it_wrote() {
    let ctx = TestContext::new();
    assert_eq!(
        outcome(&ctx, ctx.fenv().arg("init")),
        "exit: 0\n--- stdout\n--- stderr\n\
         Created pyproject.toml\nCreated .python-version\nCreated api/hello.py\n\
         Created .gitignore entries: .venv/ dist/ .env\n\
         Next: fenv lock && fenv sync && fenv serve\n"
    );
    // Run again, it keeps what is there.
    assert_eq!(
        outcome(&ctx, ctx.fenv().arg("init")),
        "exit: 0\n--- stdout\n--- stderr\n\
         Skipped pyproject.toml (it exists)\nSkipped .python-version (it exists)\n\
         Skipped api/hello.py (it exists)\n\
         Next: fenv lock && fenv sync && fenv serve\n"
    );
}
