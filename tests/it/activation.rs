//! Activation scripts in real shells: bash, zsh, dash, ksh, mksh, fish,
//! tcsh, nushell and xonsh, each activating envs made by `fenv create` at
//! hostile paths and with hostile prompts.
//!
//! Every shell runs the same scenario, written in its own language:
//! record the state, activate an env, record, activate a second env
//! (switching), record, `deactivate`, record, `deactivate` again, record,
//! then activate with `VIRTUAL_ENV_DISABLE_PROMPT` set. The state of the
//! environment is recorded by one external POSIX script ([`REPORT`]) that
//! appends `label.key=value` lines to a file, so the assertions are the
//! same for every shell; only the prompt is read in each shell's own way.
//! Hostile paths reach the shells through environment variables, never
//! spliced into the test scripts (nushell's `overlay use` needs a literal,
//! so it gets the command `fenv activate --shell nu` prints).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::common::{self, TestContext, find_program, require, run, run_ok};

/// virtualenv's test path: quotes, `;`, `&&`, `$`, Cyrillic, emoji, CJK.
const HOSTILE: &str = "'\";&&e-$ èрт🚒♞中片-j";

/// A folder name with spaces, `!`, backticks and a command substitution.
const SPICY: &str = "sp ace!`touch pwned-path` $(touch pwned-path2) \\ x";

/// A prompt that runs commands in any shell that treats it as code, and
/// uses every prompt escape character: `%` (zsh, tcsh), `!` (ksh, tcsh,
/// zsh PROMPT_BANG), `\` (bash), `{}` (xonsh).
const INJECTION: &str = "$(touch pwned)`touch pwned2`!x%~\\w\\$ \\\\ \"q' {cwd}";

/// PYTHONHOME before activation: activation must unset it and
/// `deactivate` must bring it back.
const PYTHONHOME: &str = "/nonexistent/python home";

/// What the prompt is before activation, in every shell.
const BASE_PROMPT: &str = "base$ ";

/// Appends the state of the environment under a label (`$1`) to `$OUT`;
/// with a second argument, also the `sys.prefix` of the `python` on PATH.
const REPORT: &str = r#"label=$1
kv() { printf '%s.%s=%s\n' "$label" "$1" "$2" >> "$OUT"; }
kv ve "${VIRTUAL_ENV-<unset>}"
kv vep "${VIRTUAL_ENV_PROMPT-<unset>}"
kv pythonhome "${PYTHONHOME-<unset>}"
kv path "${PATH-<unset>}"
if printenv PS1 >/dev/null; then kv ps1_exported yes; else kv ps1_exported no; fi
if [ -n "${2-}" ]; then
    kv prefix "$(env -u PYTHONHOME python -c 'import sys; print(sys.prefix)' 2>/dev/null || echo '<none>')"
fi
"#;

/// The scenario for bash, zsh, dash, ksh and mksh. `@OPTIONS@` sets the
/// shell's strict mode, `@PROMPT@` renders `$PS1` (or prints a marker for
/// shells whose prompt is read from an interactive run).
const SH_SCENARIO: &str = r#"@OPTIONS@
PS1='base$ '
show() { printf 'prompt.%s=%s\n' "$1" "@PROMPT@" >> "$OUT"; }
/bin/sh "$REPORT" before python
. "$ENV_DIR/bin/activate"
/bin/sh "$REPORT" active python
show active
. "$OTHER_DIR/bin/activate"
/bin/sh "$REPORT" switched
deactivate
/bin/sh "$REPORT" after
show after
deactivate 2>/dev/null || true
/bin/sh "$REPORT" after2
VIRTUAL_ENV_DISABLE_PROMPT=1
export VIRTUAL_ENV_DISABLE_PROMPT
. "$ENV_DIR/bin/activate"
show disabled
deactivate
"#;

/// The same scenario for fish. The user's prompt shows `$status`, and a
/// user `.` and `cd` that move to `/` must not disturb activation.
const FISH_SCENARIO: &str = r#"function fish_prompt; printf '[%s] base$ ' $status; end
function .; builtin cd /; end
function cd; builtin cd /; end
set -l here $PWD
function show
    set -l shown (false; fish_prompt | string replace -ra '\e\[[0-9;]*m|\e\(B' '' | string collect)
    printf 'prompt.%s=%s\n' $argv[1] "$shown" >> $OUT
end
/bin/sh $REPORT before python
source $ENV_DIR/bin/activate.fish
/bin/sh $REPORT active python
show active
source $OTHER_DIR/bin/activate.fish
/bin/sh $REPORT switched
deactivate
/bin/sh $REPORT after
show after
deactivate 2>/dev/null
/bin/sh $REPORT after2
set -gx VIRTUAL_ENV_DISABLE_PROMPT 1
source $ENV_DIR/bin/activate.fish
show disabled
deactivate
if test "$PWD" = "$here"; printf 'fish.cwd=kept\n' >> $OUT; end
"#;

/// The scenario for tcsh. Its prompt is checked apart, by
/// [`tcsh_final_prompt`].
const TCSH_SCENARIO: &str = r#"set prompt = 'base$ '
/bin/sh "$REPORT" before python
source "${ENV_DIR}/bin/activate.csh"
/bin/sh "$REPORT" active python
source "${OTHER_DIR}/bin/activate.csh"
/bin/sh "$REPORT" switched
deactivate
/bin/sh "$REPORT" after
deactivate
/bin/sh "$REPORT" after2
"#;

/// The scenario for nushell; `@ACTIVATE@` and `@ACTIVATE_OTHER@` are the
/// commands `fenv activate --shell nu` printed.
const NU_SCENARIO: &str = r#"$env.PROMPT_COMMAND = {|| 'base$ ' }
def show [label: string] {
    $"prompt.($label)=(do $env.PROMPT_COMMAND)\n" | save --append $env.OUT
}
^/bin/sh $env.REPORT before python
@ACTIVATE@
^/bin/sh $env.REPORT active python
show active
@ACTIVATE_OTHER@
^/bin/sh $env.REPORT switched
deactivate
^/bin/sh $env.REPORT after
show after
try { deactivate } catch { }
^/bin/sh $env.REPORT after2
$env.VIRTUAL_ENV_DISABLE_PROMPT = '1'
@ACTIVATE@
show disabled
deactivate
"#;

/// The scenario for xonsh: the prompt is `{env_name}base$ ` formatted by
/// xonsh's own prompt formatter, then by its color formatter, as the
/// shell draws it.
const XONSH_SCENARIO: &str = r#"$PYTHONHOME = $TEST_PYTHONHOME
import os
from xonsh.ansi_colors import ansi_partial_color_format
from xonsh.prompt.base import PromptFormatter

def show(label):
    # xonsh caches field values for one prompt; this is a new prompt.
    getattr($PROMPT_FIELDS, 'reset', lambda: None)()
    with open($OUT, 'a') as out:
        shown = ansi_partial_color_format(PromptFormatter()('{env_name}base$ '))
        out.write(f"prompt.{label}={shown}\n")

/bin/sh $REPORT before python
source @(os.path.join($ENV_DIR, 'bin', 'activate.xsh'))
/bin/sh $REPORT active python
show('active')
source @(os.path.join($OTHER_DIR, 'bin', 'activate.xsh'))
/bin/sh $REPORT switched
deactivate
/bin/sh $REPORT after
show('after')
try:
    deactivate
except Exception:
    pass
/bin/sh $REPORT after2
$VIRTUAL_ENV_DISABLE_PROMPT = '1'
source @(os.path.join($ENV_DIR, 'bin', 'activate.xsh'))
show('disabled')
deactivate
"#;

/// One env the scenario activates, and the prompt it should show.
struct Case {
    folder: &'static str,
    prompt: Option<&'static str>,
}

/// The matrix every shell runs: the hostile path without and with the
/// hostile string as prompt, and a path full of shell syntax with a prompt
/// that tries to run commands.
const CASES: [Case; 3] = [
    Case {
        folder: HOSTILE,
        prompt: None,
    },
    Case {
        folder: HOSTILE,
        prompt: Some(HOSTILE),
    },
    Case {
        folder: SPICY,
        prompt: Some(INJECTION),
    },
];

/// The interpreter the envs are made from: pyenv's 3.12, else `python3`.
fn python() -> Option<PathBuf> {
    require(
        "a CPython (pyenv 3.12 or python3 on PATH)",
        common::pyenv_python("3.12").or_else(|| find_program("python3")),
    )
}

/// Creates an env with `fenv create --without-pip`.
fn create(ctx: &TestContext, python: &Path, dir: &Path, prompt: Option<&str>, relocatable: bool) {
    let mut cmd = ctx.fenv();
    cmd.arg("create")
        .arg(dir)
        .arg("--without-pip")
        .arg("-p")
        .arg(python);
    if let Some(prompt) = prompt {
        cmd.arg("--prompt").arg(prompt);
    }
    if relocatable {
        cmd.arg("--relocatable");
    }
    run_ok(&mut cmd);
}

/// A sandbox with the case's env, a plain second env to switch to, and
/// the report script.
struct Scene {
    ctx: TestContext,
    env: PathBuf,
    other: PathBuf,
    prompt: String,
}

impl Scene {
    fn new(python: &Path, case: &Case) -> Self {
        let ctx = TestContext::new();
        let env = ctx.path(case.folder);
        let other = ctx.path("other env");
        create(&ctx, python, &env, case.prompt, false);
        create(&ctx, python, &other, None, false);
        fs_err::write(ctx.root().join("report.sh"), REPORT).expect("write the report script");
        // Without `--prompt`, the prompt is the env folder's name.
        let prompt = case.prompt.unwrap_or(case.folder).to_owned();
        Self {
            ctx,
            env,
            other,
            prompt,
        }
    }

    fn out(&self) -> PathBuf {
        self.ctx.root().join("out.txt")
    }

    /// `program` with the scene's variables, in the sandbox.
    fn command(&self, program: &Path) -> Command {
        let mut cmd = self.ctx.command(program);
        cmd.env("ENV_DIR", &self.env)
            .env("OTHER_DIR", &self.other)
            .env("REPORT", self.ctx.root().join("report.sh"))
            .env("OUT", self.out())
            .env("TEST_PYTHONHOME", PYTHONHOME)
            // Shell start-up files and outer settings stay out.
            .env("ENV", "/dev/null")
            .env("HISTFILE", "/dev/null")
            .env("XONTRIBS_AUTOLOAD_DISABLED", "1")
            .env_remove("PS1")
            .env_remove("VIRTUAL_ENV_DISABLE_PROMPT");
        // xonsh is Python itself, and would not start: its scenario sets it.
        if program.file_name().is_none_or(|name| name != "xonsh") {
            cmd.env("PYTHONHOME", PYTHONHOME);
        }
        cmd
    }

    /// Runs `script` as a file: `program [args] FILE`.
    fn run_file(&self, program: &Path, args: &[&str], script: &str) -> Output {
        self.run_file_with(program, args, script, &[])
    }

    /// [`Scene::run_file`] with more variables set.
    fn run_file_with(&self, program: &Path, args: &[&str], script: &str, vars: &[(&str, &str)]) -> Output {
        let file = self.ctx.root().join("scenario");
        fs_err::write(&file, script).expect("write the scenario");
        let _ = fs_err::remove_file(self.out());
        run(self
            .command(program)
            .args(args)
            .envs(vars.iter().copied())
            .arg(&file))
    }

    /// Runs `script` on a piped stdin, as typed lines (ksh93 draws no
    /// prompt when stdin is a regular file).
    fn run_stdin(&self, program: &Path, args: &[&str], script: &str) -> Output {
        let mut child = self
            .command(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("failed to start {}: {e}", program.display()));
        let mut stdin = child.stdin.take().expect("piped stdin");
        stdin.write_all(script.as_bytes()).expect("write the scenario");
        drop(stdin);
        child.wait_with_output().expect("wait for the shell")
    }

    /// The `label.key=value` lines the scenario recorded.
    fn records(&self) -> HashMap<String, String> {
        let text = fs_err::read_to_string(self.out()).unwrap_or_default();
        text.lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect()
    }

    /// Asserts the whole activation contract on what the scenario
    /// recorded; `prompts` says whether `prompt.*` records are expected.
    #[track_caller]
    fn assert_contract(&self, shell: &str, output: &Output, prompts: bool) {
        let records = self.records();
        let get = |key: &str| {
            records.get(key).map_or_else(
                || {
                    panic!(
                        "{shell}: no `{key}` recorded\n{records:#?}\n--- stdout\n{}\n--- stderr\n{}",
                        String::from_utf8_lossy(&output.stdout),
                        String::from_utf8_lossy(&output.stderr)
                    )
                },
                String::as_str,
            )
        };
        let env = self.env.to_str().expect("UTF-8 path");
        let other = self.other.to_str().expect("UTF-8 path");
        let path_before = get("before.path");
        let bin = |dir: &str| format!("{dir}/bin:{path_before}");

        assert_ne!(get("before.prefix"), env, "{shell}: python before activation");
        assert_eq!(get("before.ve"), "<unset>", "{shell}");
        assert_eq!(get("active.ve"), env, "{shell}: VIRTUAL_ENV");
        assert_eq!(get("active.vep"), self.prompt, "{shell}: VIRTUAL_ENV_PROMPT");
        assert_eq!(get("active.prefix"), env, "{shell}: sys.prefix of python");
        assert_eq!(get("active.path"), bin(env), "{shell}: PATH");
        assert_eq!(get("active.pythonhome"), "<unset>", "{shell}: PYTHONHOME");
        assert_eq!(get("active.ps1_exported"), "no", "{shell}: PS1 exported");
        assert_eq!(get("switched.ve"), other, "{shell}: switching envs");
        assert_eq!(get("switched.path"), bin(other), "{shell}: PATH after switching");
        for label in ["after", "after2"] {
            assert_eq!(get(&format!("{label}.ve")), "<unset>", "{shell}: {label}");
            assert_eq!(get(&format!("{label}.vep")), "<unset>", "{shell}: {label}");
            assert_eq!(get(&format!("{label}.path")), path_before, "{shell}: {label}");
            assert_eq!(
                get(&format!("{label}.pythonhome")),
                PYTHONHOME,
                "{shell}: {label}"
            );
        }
        if prompts {
            let shown = format!("({}) {BASE_PROMPT}", self.prompt);
            assert_eq!(get("prompt.active"), shown, "{shell}: prompt");
            assert_eq!(get("prompt.after"), BASE_PROMPT, "{shell}: prompt after");
            assert_eq!(get("prompt.disabled"), BASE_PROMPT, "{shell}: disabled prompt");
        }
        self.assert_nothing_ran(shell);
    }

    /// No `pwned*` file: no path or prompt ran as code.
    #[track_caller]
    fn assert_nothing_ran(&self, shell: &str) {
        let ran: Vec<_> = fs_err::read_dir(self.ctx.work())
            .expect("read the work folder")
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("pwned"))
            .collect();
        assert!(ran.is_empty(), "{shell}: a value ran as code: {ran:?}");
    }
}

/// The prompts an interactive shell drew right after each `MARK label`
/// line (the scenario follows every marker with a command printing `END`).
fn marked_prompts(text: &str) -> HashMap<String, String> {
    text.split("MARK ")
        .skip(1)
        .filter_map(|chunk| {
            let (label, rest) = chunk.split_once('\n')?;
            let (prompt, _) = rest.split_once("END")?;
            Some((format!("prompt.{label}"), prompt.to_owned()))
        })
        .collect()
}

/// Runs the POSIX scenario in `shell`, with `options` (its strict mode)
/// and `render` (how it expands `$PS1`, if it can without being
/// interactive).
fn posix_shell(name: &str, options: &str, render: Option<&str>) {
    let Some(shell) = require(name, find_program(name)) else {
        return;
    };
    let Some(python) = python() else { return };
    for case in &CASES {
        let scene = Scene::new(&python, case);
        let script = SH_SCENARIO
            .replace("@OPTIONS@", options)
            .replace("@PROMPT@", render.unwrap_or("$PS1"));
        let output = scene.run_file(&shell, &[], &script);
        assert!(output.status.success(), "{name}: {output:?}");
        scene.assert_contract(name, &output, render.is_some());
        if render.is_none() {
            assert_interactive_prompt(&scene, name, &shell);
        }
    }
}

/// For shells with no way to expand `$PS1` on demand: activate in an
/// interactive run and read the prompts it draws on stderr.
fn assert_interactive_prompt(scene: &Scene, name: &str, shell: &Path) {
    let script = "PS1='base$ '\n. \"$ENV_DIR/bin/activate\"\nprintf 'MARK active\\n' >&2\nprintf 'END\\n' >&2\n\
                  deactivate\nprintf 'MARK after\\n' >&2\nprintf 'END\\n' >&2\n";
    let output = scene.run_stdin(shell, &["-i"], script);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let prompts = marked_prompts(&stderr);
    let shown = format!("({}) {BASE_PROMPT}", scene.prompt);
    assert_eq!(prompts.get("prompt.active"), Some(&shown), "{name}: {stderr}");
    assert_eq!(
        prompts.get("prompt.after").map(String::as_str),
        Some(BASE_PROMPT),
        "{name}"
    );
    scene.assert_nothing_ran(name);
}

#[test]
fn bash_activation() {
    posix_shell("bash", "set -euo pipefail", Some("${PS1@P}"));
}

#[test]
fn bash_activation_without_promptvars_or_hashing() {
    posix_shell(
        "bash",
        "set -euo pipefail; set +h; shopt -u promptvars",
        Some("${PS1@P}"),
    );
}

#[test]
fn zsh_activation() {
    posix_shell(
        "zsh",
        "setopt nounset errexit pipefail",
        Some("$(print -rP -- \"$PS1\")"),
    );
}

#[test]
fn zsh_activation_with_prompt_subst_and_bang() {
    posix_shell(
        "zsh",
        "setopt nounset errexit prompt_subst prompt_bang",
        Some("$(print -rP -- \"$PS1\")"),
    );
}

#[test]
fn dash_activation() {
    posix_shell("dash", "set -eu", None);
}

#[test]
fn ksh_activation() {
    posix_shell("ksh", "set -eu", None);
}

#[test]
fn mksh_activation() {
    posix_shell("mksh", "set -eu", None);
}

#[test]
fn fish_activation() {
    let Some(fish) = require("fish", find_program("fish")) else {
        return;
    };
    let Some(python) = python() else { return };
    // With colours, and where `set_color` prints nothing (TERM=dumb).
    for (case, term) in CASES
        .iter()
        .flat_map(|case| [(case, "xterm-256color"), (case, "dumb")])
    {
        let scene = Scene::new(&python, case);
        let output = scene.run_file_with(&fish, &["--no-config"], FISH_SCENARIO, &[("TERM", term)]);
        let records = scene.records();
        // The user's prompt shows the status of the `false` before it.
        let shown = format!("({}) [1] {BASE_PROMPT}", scene.prompt);
        assert_eq!(
            records.get("prompt.active"),
            Some(&shown),
            "fish, TERM={term}: {output:?}"
        );
        assert_eq!(
            records.get("prompt.after").map(String::as_str),
            Some("[1] base$ ")
        );
        assert_eq!(
            records.get("prompt.disabled").map(String::as_str),
            Some("[1] base$ ")
        );
        assert_eq!(
            records.get("fish.cwd").map(String::as_str),
            Some("kept"),
            "a user `.` or `cd` ran"
        );
        scene.assert_contract("fish", &output, false);
    }
}

#[test]
fn tcsh_activation() {
    let Some(tcsh) = require("tcsh", find_program("tcsh")) else {
        return;
    };
    let Some(python) = python() else { return };
    for case in &CASES {
        let scene = Scene::new(&python, case);
        let output = scene.run_file(&tcsh, &["-f"], TCSH_SCENARIO);
        scene.assert_contract("tcsh", &output, false);
        let activate = "set prompt = 'base$ '\nsource \"${ENV_DIR}/bin/activate.csh\"\n";
        let shown = format!("({}) {BASE_PROMPT}", scene.prompt);
        assert_eq!(tcsh_final_prompt(&scene, &tcsh, activate), shown);
        let deactivated = format!("{activate}deactivate\n");
        assert_eq!(tcsh_final_prompt(&scene, &tcsh, &deactivated), BASE_PROMPT);
        let disabled = format!("setenv VIRTUAL_ENV_DISABLE_PROMPT 1\n{activate}");
        assert_eq!(tcsh_final_prompt(&scene, &tcsh, &disabled), BASE_PROMPT);
        scene.assert_nothing_ran("tcsh");
    }
}

/// The prompt an interactive tcsh draws after reading `script`. tcsh
/// draws a prompt only when it has no input left, so this is the prompt
/// between the script's last output and the `exit` tcsh prints at the
/// end of its input.
fn tcsh_final_prompt(scene: &Scene, tcsh: &Path, script: &str) -> String {
    let script = format!("{script}echo END-OF-INPUT\n");
    let output = scene.run_stdin(tcsh, &["-f", "-i"], &script);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (_, last) = stdout.rsplit_once("END-OF-INPUT\n").unwrap_or_default();
    last.strip_suffix("exit\n").unwrap_or(last).to_owned()
}

#[test]
fn nushell_activation() {
    let Some(nu) = require("nushell (nu)", find_program("nu")) else {
        return;
    };
    let Some(python) = python() else { return };
    for case in &CASES {
        let scene = Scene::new(&python, case);
        let activate = |dir: &Path| {
            let mut cmd = scene.ctx.fenv();
            run_ok(cmd.arg("activate").arg(dir).args(["--shell", "nu"]))
                .trim_end()
                .to_owned()
        };
        let script = NU_SCENARIO
            .replace("@ACTIVATE_OTHER@", &activate(&scene.other))
            .replace("@ACTIVATE@", &activate(&scene.env));
        let output = scene.run_file(&nu, &["--no-config-file"], &script);
        assert!(output.status.success(), "nu: {output:?}");
        scene.assert_contract("nu", &output, true);
    }
}

#[test]
fn xonsh_activation() {
    let Some(xonsh) = require("xonsh", find_program("xonsh")) else {
        return;
    };
    let Some(python) = python() else { return };
    for case in &CASES {
        let scene = Scene::new(&python, case);
        let output = scene.run_file(&xonsh, &["--no-rc"], XONSH_SCENARIO);
        assert!(output.status.success(), "xonsh: {output:?}");
        scene.assert_contract("xonsh", &output, true);
    }
}

/// bash: an empty PS1 comes back empty, an unset one stays unset, and
/// activation never exports PS1.
#[test]
fn bash_restores_empty_and_unset_ps1() {
    let Some(bash) = require("bash", find_program("bash")) else {
        return;
    };
    let Some(python) = python() else { return };
    let scene = Scene::new(&python, &CASES[0]);
    let script = r#"set -euo pipefail
PS1=''
. "$ENV_DIR/bin/activate"
deactivate
printf 'empty=[%s]\n' "${PS1-<unset>}"
unset PS1
. "$ENV_DIR/bin/activate"
printf 'unset-active=[%s]\n' "${PS1-<unset>}"
deactivate
printf 'unset=[%s]\n' "${PS1-<unset>}"
"#;
    let output = scene.run_file(&bash, &[], script);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout, "empty=[]\nunset-active=[<unset>]\nunset=[<unset>]\n",
        "{output:?}"
    );
}

/// Running `activate` as a program instead of sourcing it says how to use
/// it and fails, in every POSIX shell.
#[test]
fn executing_activate_says_to_source_it() {
    let Some(python) = python() else { return };
    let ctx = TestContext::new();
    create(&ctx, &python, &ctx.path(HOSTILE), None, false);
    let activate = ctx.path(HOSTILE).join("bin").join("activate");
    for name in ["bash", "zsh", "dash", "ksh", "mksh"] {
        let Some(shell) = require(name, find_program(name)) else {
            continue;
        };
        let output = run(ctx.command(&shell).arg(&activate));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {output:?}");
        assert_eq!(
            stderr,
            format!("You must source this script: $ source {}\n", activate.display()),
            "{name}"
        );
    }
}

/// A relocatable env moved to another folder activates at its new place
/// in every shell that can find a sourced file (csh cannot, so it gets no
/// script); dash and mksh cannot either, and fall back to the recorded path.
#[test]
fn relocatable_env_activates_where_it_is_now() {
    let Some(python) = python() else { return };
    let ctx = TestContext::new();
    let made = ctx.path("made here");
    create(&ctx, &python, &made, Some("reloc"), true);
    assert!(!made.join("bin/activate.csh").exists(), "csh cannot relocate");
    let moved = ctx.path(format!("moved {HOSTILE}"));
    fs_err::rename(&made, &moved).expect("move the env");
    let moved_str = moved.to_str().expect("UTF-8 path");
    // From a relative path too: the scripts must make it absolute.
    let posix = ". \"$ENV_NAME/bin/activate\"; printf '%s\\n' \"$VIRTUAL_ENV\"";
    let checks: [(&str, &[&str], String); 6] = [
        ("bash", &["-c"], posix.to_owned()),
        ("zsh", &["-c"], posix.to_owned()),
        ("ksh", &["-c"], posix.to_owned()),
        (
            "fish",
            &["--no-config", "-c"],
            "source $ENV_NAME/bin/activate.fish; echo $VIRTUAL_ENV".to_owned(),
        ),
        (
            "xonsh",
            &["--no-rc", "-c"],
            "source @($ENV_NAME + '/bin/activate.xsh'); print($VIRTUAL_ENV)".to_owned(),
        ),
        ("nu", &["--no-config-file", "-c"], String::new()),
    ];
    for (name, args, script) in checks {
        let Some(shell) = require(name, find_program(name)) else {
            continue;
        };
        let script = if name == "nu" {
            let mut cmd = ctx.fenv();
            let relative = moved.file_name().expect("a name");
            let line = run_ok(cmd.arg("activate").arg(relative).args(["--shell", "nu"]));
            format!("{}; print $env.VIRTUAL_ENV", line.trim_end())
        } else {
            script
        };
        let mut cmd = ctx.command(&shell);
        cmd.args(args)
            .arg(script)
            .env("ENV_NAME", moved.file_name().expect("a name"));
        let stdout = run_ok(&mut cmd);
        assert_eq!(stdout.trim_end(), moved_str, "{name}");
    }
}

/// `fenv activate DIR --shell S` prints the exact command, quoted for S,
/// and in every shell present that command activates the env.
#[test]
fn fenv_activate_prints_a_command_that_works() {
    let Some(python) = python() else { return };
    let ctx = TestContext::new();
    let env = ctx.path(HOSTILE);
    create(&ctx, &python, &env, None, false);
    let dir = env.to_str().expect("UTF-8 path");
    let sh_dir = dir.replace('\'', r#"'"'"'"#);
    let expected = [
        ("bash", format!("source '{sh_dir}/bin/activate'")),
        ("zsh", format!("source '{sh_dir}/bin/activate'")),
        ("sh", format!(". '{sh_dir}/bin/activate'")),
        ("dash", format!(". '{sh_dir}/bin/activate'")),
        ("ksh", format!(". '{sh_dir}/bin/activate'")),
        ("mksh", format!(". '{sh_dir}/bin/activate'")),
        (
            "fish",
            format!("source '{}/bin/activate.fish'", dir.replace('\'', r"\'")),
        ),
        (
            "tcsh",
            format!("source '{}/bin/activate.csh'", dir.replace('\'', r"'\''")),
        ),
        ("nu", format!("overlay use r#'{dir}/bin/activate.nu'#")),
        (
            "xonsh",
            format!("source '{}/bin/activate.xsh'", dir.replace('\'', r"\'")),
        ),
        (
            "pwsh",
            format!("& '{}/bin/Activate.ps1'", dir.replace('\'', "''")),
        ),
    ];
    for (shell, command) in &expected {
        let mut cmd = ctx.fenv();
        let stdout = run_ok(cmd.arg("activate").arg(&env).args(["--shell", shell]));
        assert_eq!(stdout.trim_end(), command, "{shell}");
    }
    // Each shell runs the printed command, then prints VIRTUAL_ENV.
    let arguments = |shell: &str, line: &str| -> Vec<String> {
        let (options, script): (&[&str], String) = match shell {
            "fish" => (&["--no-config"], format!("{line}; echo $VIRTUAL_ENV")),
            "tcsh" => (&["-f"], format!("{line}; printf '%s\\n' \"$VIRTUAL_ENV:q\"")),
            "nu" => (&["--no-config-file"], format!("{line}; print $env.VIRTUAL_ENV")),
            "xonsh" => (&["--no-rc"], format!("{line}\nprint($VIRTUAL_ENV)")),
            _ => (&[], format!("{line}; printf '%s\\n' \"$VIRTUAL_ENV\"")),
        };
        let mut args: Vec<String> = options.iter().map(|&o| o.to_owned()).collect();
        args.extend(["-c".to_owned(), script]);
        args
    };
    for (shell, command) in &expected {
        if *shell == "pwsh" {
            continue; // PowerShell cannot be installed on the test machines.
        }
        let Some(program) = require(shell, find_program(shell)) else {
            continue;
        };
        let mut cmd = ctx.command(&program);
        cmd.args(arguments(shell, command))
            .env("XONTRIBS_AUTOLOAD_DISABLED", "1");
        let stdout = run_ok(&mut cmd);
        assert_eq!(stdout.trim_end(), dir, "{shell}: {command}");
    }
}

/// PowerShell cannot run here: check that `Activate.ps1` is what
/// PowerShell needs: a byte-order mark, CRLF, no path in it (it finds the
/// env from its own location) and the prompt in PowerShell quotes.
#[test]
fn powershell_script_is_static_with_bom_and_crlf() {
    let Some(python) = python() else { return };
    let ctx = TestContext::new();
    let env = ctx.path(HOSTILE);
    create(&ctx, &python, &env, Some("it's ‘quoted’ $(x)"), false);
    let bytes = fs_err::read(env.join("bin/Activate.ps1")).expect("read Activate.ps1");
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a UTF-8 BOM")).expect("UTF-8");
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "bare LF in Activate.ps1"
    );
    assert!(!text.contains("{{"), "a marker survived");
    assert!(!text.contains(HOSTILE), "the path is in Activate.ps1");
    assert!(
        text.contains("    $Prompt = 'it''s ‘‘quoted’’ $(x)'\r\n"),
        "{text}"
    );
    assert!(text.contains("$VenvDir = Split-Path -Path $PSScriptRoot -Parent"));
}

/// Every POSIX script has LF line endings only.
#[test]
fn posix_scripts_have_lf_line_endings() {
    let Some(python) = python() else { return };
    let ctx = TestContext::new();
    let env = ctx.path("env");
    create(&ctx, &python, &env, None, false);
    for name in [
        "activate",
        "activate.fish",
        "activate.csh",
        "activate.nu",
        "activate.xsh",
    ] {
        let text = fs_err::read_to_string(env.join("bin").join(name)).expect("read the script");
        assert!(!text.contains('\r'), "{name} has CR");
        assert!(!text.contains("{{ "), "{name} keeps a marker");
    }
}

/// Without `--shell`, `fenv activate` answers for the shell that runs it
/// (its parent process), not for the login shell in `$SHELL`.
#[test]
fn fenv_activate_detects_the_calling_shell() {
    if !Path::new("/proc/self/comm").exists() {
        return; // Detection reads /proc; elsewhere it falls back to $SHELL.
    }
    let Some(python) = python() else { return };
    let ctx = TestContext::new();
    create(&ctx, &python, &ctx.path("env"), None, false);
    let fenv = crate::common::fenv_binary();
    // The trailing command keeps each shell from exec-ing fenv in its place.
    let cases: [(&str, &[&str], &str, &str); 4] = [
        (
            "bash",
            &["-c"],
            "\"$FENV\" activate env; true",
            "source env/bin/activate",
        ),
        (
            "zsh",
            &["-fc"],
            "\"$FENV\" activate env; true",
            "source env/bin/activate",
        ),
        (
            "dash",
            &["-c"],
            "\"$FENV\" activate env; true",
            ". env/bin/activate",
        ),
        (
            "fish",
            &["--no-config", "-c"],
            "$FENV activate env; true",
            "source env/bin/activate.fish",
        ),
    ];
    for (name, args, script, expected) in cases {
        let Some(shell) = require(name, find_program(name)) else {
            continue;
        };
        let mut cmd = ctx.command(&shell);
        cmd.args(args)
            .arg(script)
            .env("FENV", &fenv)
            .env("SHELL", "/bin/tcsh");
        assert_eq!(run_ok(&mut cmd).trim_end(), expected, "{name}");
    }
}

/// nushell: `deactivate` after `overlay use … as NAME` cannot work (it
/// hides the overlay `activate`); the error shows the hint written on
/// the line above the alias.
#[test]
fn nushell_deactivate_explains_a_renamed_overlay() {
    let Some(nu) = require("nushell (nu)", find_program("nu")) else {
        return;
    };
    let Some(python) = python() else { return };
    let ctx = TestContext::new();
    create(&ctx, &python, &ctx.path("env"), None, false);
    let script = "overlay use env/bin/activate.nu as myenv; deactivate";
    let output = run(ctx.command(&nu).args(["--no-config-file", "-c", script]));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not an active overlay"), "{stderr}");
    assert!(stderr.contains("run `overlay hide NAME`"), "{stderr}");
}
