//! Activation scripts: fenv's own, one template per shell, every value
//! quoted by that shell's rules.
//!
//! This module owns what goes into `<env>/bin/activate*`: the templates
//! (real files under `templates/`, with `{{ NAME }}` markers), the quoting
//! ([`quote`]), and the shells themselves ([`Shell`]: detection and the
//! command that activates an env). It does not write files: the creation
//! pipeline checks the path and prompt with [`check_path`] and
//! [`check_prompt`], then writes each [`Script`] of [`scripts`].
//!
//! Rendering quotes each value with the target shell's function first and
//! substitutes it in one pass, so a value is never rescanned for markers
//! and never lands raw inside double quotes (CPython's older templates
//! did: CVE-2024-9287). `README.md` beside this file lists how the scripts
//! differ from CPython's and virtualenv's.

pub mod quote;
pub mod shell;

pub use shell::Shell;

/// The templates, one a shell (`README.md` documents each).
mod template {
    pub const SH: &str = include_str!("templates/activate.sh");
    pub const FISH: &str = include_str!("templates/activate.fish");
    pub const CSH: &str = include_str!("templates/activate.csh");
    pub const NU: &str = include_str!("templates/activate.nu");
    pub const XONSH: &str = include_str!("templates/activate.xsh");
    pub const POWERSHELL: &str = include_str!("templates/Activate.ps1");
    pub const BATCH_ACTIVATE: &str = include_str!("templates/activate.bat");
    pub const BATCH_DEACTIVATE: &str = include_str!("templates/deactivate.bat");
}

/// PowerShell reads a script without a byte-order mark as the system code
/// page, so `Activate.ps1` carries one.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// What the templates need to know about the environment.
#[derive(Debug, Clone)]
pub struct ActivationContext<'a> {
    /// The environment's absolute path, as written into the scripts.
    pub env_dir: &'a str,
    /// `bin` on POSIX, `Scripts` on Windows.
    pub bin_name: &'a str,
    /// The bare prompt (no parentheses); shells show `(prompt) `.
    pub prompt: &'a str,
    /// Scripts compute the env's location at run time where the shell can.
    pub relocatable: bool,
    /// Render for a Windows environment (adds `.bat` files, `;` PATH separator).
    pub windows: bool,
}

/// One rendered activation script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The file name inside the env's bin folder.
    pub name: &'static str,
    /// The bytes to write, line endings and byte-order mark included.
    pub contents: Vec<u8>,
}

/// A script [`scripts`] leaves out, and why (for a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Omission {
    /// The file name the script would have had.
    pub name: &'static str,
    /// Why it cannot work for this environment.
    pub reason: &'static str,
}

/// A path or prompt that no shell can carry safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeValue {
    #[error("it contains a newline or carriage return")]
    Newline,
    #[error("it contains a NUL byte")]
    Nul,
    #[error("it contains the PATH separator `{0}`")]
    PathSeparator(char),
    #[error("it is not valid UTF-8")]
    NotUtf8,
}

/// Refuses a path that an activation script cannot carry: a newline, NUL
/// or the PATH separator (`:` on POSIX, `;` on Windows).
pub fn check_path(path: &str, windows: bool) -> Result<(), UnsafeValue> {
    let separator = if windows { ';' } else { ':' };
    if path.contains(['\n', '\r']) {
        return Err(UnsafeValue::Newline);
    }
    if path.contains('\0') {
        return Err(UnsafeValue::Nul);
    }
    if path.contains(separator) {
        return Err(UnsafeValue::PathSeparator(separator));
    }
    Ok(())
}

/// Refuses a prompt with a newline or NUL (it would break every template).
pub fn check_prompt(prompt: &str) -> Result<(), UnsafeValue> {
    if prompt.contains(['\n', '\r']) {
        return Err(UnsafeValue::Newline);
    }
    if prompt.contains('\0') {
        return Err(UnsafeValue::Nul);
    }
    Ok(())
}

/// Every activation script for the environment, ready to write into its
/// bin folder. See [`omitted`] for the ones left out.
pub fn scripts(ctx: &ActivationContext<'_>) -> Vec<Script> {
    let mut scripts = vec![sh(ctx), fish(ctx)];
    // No Windows shell is csh (CPython and virtualenv skip it there too).
    if !ctx.windows && csh_omission(ctx).is_none() {
        scripts.push(csh(ctx));
    }
    scripts.extend([nu(ctx), xonsh(ctx), powershell(ctx)]);
    if ctx.windows {
        scripts.extend(batch(ctx));
    }
    scripts
}

/// The scripts [`scripts`] leaves out for this environment, so the caller
/// can say so. (csh on Windows is not one: it is simply not a Windows
/// shell.)
pub fn omitted(ctx: &ActivationContext<'_>) -> Vec<Omission> {
    let mut omitted: Vec<Omission> = csh_omission(ctx).into_iter().collect();
    if ctx.windows && quote::batch(ctx.env_dir).is_none() {
        for name in ["activate.bat", "deactivate.bat"] {
            omitted.push(Omission {
                name,
                reason: "cmd.exe cannot hold a path with `\"`, `!`, `|`, `<`, `>` or a control character",
            });
        }
    }
    omitted
}

/// csh cannot learn where a sourced file is, so it cannot follow a moved
/// (relocatable) env.
fn csh_omission(ctx: &ActivationContext<'_>) -> Option<Omission> {
    (ctx.relocatable && !ctx.windows).then_some(Omission {
        name: "activate.csh",
        reason: "csh cannot find the location of a sourced file, so it cannot follow a relocatable environment",
    })
}

/// `activate`, for bash, zsh, sh/dash, ksh and mksh. The prompt is
/// escaped for each shell's PS1 rules and the script picks one at run time.
fn sh(ctx: &ActivationContext<'_>) -> Script {
    let shown = prefix(ctx.prompt);
    let text = render(
        template::SH,
        &[
            ("VIRTUAL_ENV", quote::sh(ctx.env_dir)),
            ("BIN_NAME", quote::sh(ctx.bin_name)),
            ("PROMPT", quote::sh(ctx.prompt)),
            ("RELOCATABLE", quote::sh(yes_no(ctx.relocatable))),
            ("PS1_BASH", quote::sh(&quote::bash_prompt(&shown, true))),
            ("PS1_BASH_LITERAL", quote::sh(&quote::bash_prompt(&shown, false))),
            ("PS1_ZSH", quote::sh(&quote::zsh_prompt(&shown, false))),
            ("PS1_ZSH_SUBST", quote::sh(&quote::zsh_prompt(&shown, true))),
            ("PS1_KSH93", quote::sh(&quote::ksh93_prompt(&shown))),
            ("PS1_MKSH", quote::sh(&quote::mksh_prompt(&shown))),
            ("PS1_SH", quote::sh(&quote::dash_prompt(&shown))),
        ],
    );
    Script::text("activate", text)
}

/// `activate.fish`.
fn fish(ctx: &ActivationContext<'_>) -> Script {
    let text = render(
        template::FISH,
        &[
            ("VIRTUAL_ENV", quote::fish(ctx.env_dir)),
            ("BIN_NAME", quote::fish(ctx.bin_name)),
            ("PROMPT", quote::fish(ctx.prompt)),
            ("RELOCATABLE", quote::fish(yes_no(ctx.relocatable))),
        ],
    );
    Script::text("activate.fish", text)
}

/// `activate.csh`, for csh and tcsh.
fn csh(ctx: &ActivationContext<'_>) -> Script {
    let text = render(
        template::CSH,
        &[
            ("VIRTUAL_ENV", quote::csh(ctx.env_dir)),
            ("BIN_NAME", quote::csh(ctx.bin_name)),
            ("PROMPT", quote::csh(ctx.prompt)),
            ("PS1_TCSH", quote::csh(&quote::tcsh_prompt(&prefix(ctx.prompt)))),
        ],
    );
    Script::text("activate.csh", text)
}

/// `activate.nu`, a nushell module for `overlay use`.
fn nu(ctx: &ActivationContext<'_>) -> Script {
    let text = render(
        template::NU,
        &[
            ("VIRTUAL_ENV", quote::nu(ctx.env_dir)),
            ("BIN_NAME", quote::nu(ctx.bin_name)),
            ("PROMPT", quote::nu(ctx.prompt)),
            ("RELOCATABLE", ctx.relocatable.to_string()),
        ],
    );
    Script::text("activate.nu", text)
}

/// `activate.xsh`, for xonsh.
fn xonsh(ctx: &ActivationContext<'_>) -> Script {
    let relocatable = if ctx.relocatable { "True" } else { "False" };
    let text = render(
        template::XONSH,
        &[
            ("VIRTUAL_ENV", quote::python(ctx.env_dir)),
            ("BIN_NAME", quote::python(ctx.bin_name)),
            ("PROMPT", quote::python(ctx.prompt)),
            ("RELOCATABLE", relocatable.to_owned()),
        ],
    );
    Script::text("activate.xsh", text)
}

/// `Activate.ps1`: like CPython's, it finds the env from its own location
/// and holds no path; only the default prompt is substituted. UTF-8 with a
/// byte-order mark, CRLF.
fn powershell(ctx: &ActivationContext<'_>) -> Script {
    let text = render(
        template::POWERSHELL,
        &[
            ("PROMPT", quote::powershell(ctx.prompt)),
            ("BIN_NAME", quote::powershell(ctx.bin_name)),
        ],
    );
    let mut contents = UTF8_BOM.to_vec();
    contents.extend_from_slice(crlf(&text).as_bytes());
    Script {
        name: "Activate.ps1",
        contents,
    }
}

/// `activate.bat` and `deactivate.bat` (CRLF), or nothing when cmd.exe
/// cannot hold the env's path (see [`quote::batch`]). The prompt is
/// neutralised rather than refused: a lost character beats a lost script.
fn batch(ctx: &ActivationContext<'_>) -> Vec<Script> {
    let Some(env_dir) = quote::batch(ctx.env_dir) else {
        return Vec::new();
    };
    let bin_name = quote::batch(ctx.bin_name).unwrap_or_else(|| "Scripts".to_owned());
    let prompt = quote::neutralise_for_batch(ctx.prompt);
    let shown = quote::cmd_prompt(ctx.prompt);
    let text = render(
        template::BATCH_ACTIVATE,
        &[
            ("VIRTUAL_ENV", env_dir),
            ("BIN_NAME", bin_name),
            ("PROMPT", quote::batch(&prompt).unwrap_or_default()),
            ("PS1_CMD", quote::batch(&shown).unwrap_or_default()),
        ],
    );
    vec![
        Script {
            name: "activate.bat",
            contents: crlf(&text).into_bytes(),
        },
        Script {
            name: "deactivate.bat",
            contents: crlf(template::BATCH_DEACTIVATE).into_bytes(),
        },
    ]
}

impl Script {
    /// A script with LF line endings, as every POSIX shell expects.
    fn text(name: &'static str, text: String) -> Self {
        Self {
            name,
            contents: text.into_bytes(),
        }
    }
}

/// What shells show before their prompt.
fn prefix(prompt: &str) -> String {
    format!("({prompt}) ")
}

/// The flag the POSIX and fish templates compare with `yes`.
fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

/// Replaces each `{{ NAME }}` marker with its value, in one pass: text
/// coming from a value is never scanned again, so a path that happens to
/// hold `{{ PROMPT }}` stays as it is. Unknown markers are left in place
/// (the tests check that none survive).
fn render(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{ ") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 3..];
        let value = after.find(" }}").and_then(|end| {
            let name = &after[..end];
            let value = values.iter().find(|(key, _)| *key == name)?;
            Some((&value.1, end))
        });
        if let Some((value, end)) = value {
            out.push_str(value);
            rest = &after[end + 3..];
        } else {
            out.push_str("{{ ");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `text` with CRLF line endings (the templates are stored with LF).
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "'\";&&e-$ èрт🚒♞中片-j";

    fn context<'a>(env_dir: &'a str, prompt: &'a str) -> ActivationContext<'a> {
        ActivationContext {
            env_dir,
            bin_name: "bin",
            prompt,
            relocatable: false,
            windows: false,
        }
    }

    fn names(scripts: &[Script]) -> Vec<&'static str> {
        scripts.iter().map(|s| s.name).collect()
    }

    fn names_of(omissions: &[Omission]) -> Vec<&'static str> {
        omissions.iter().map(|o| o.name).collect()
    }

    fn find<'a>(scripts: &'a [Script], name: &str) -> &'a Script {
        scripts
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn posix_env_gets_every_posix_script() {
        let scripts = scripts(&context("/tmp/env", "env"));
        assert_eq!(
            names(&scripts),
            [
                "activate",
                "activate.fish",
                "activate.csh",
                "activate.nu",
                "activate.xsh",
                "Activate.ps1"
            ]
        );
    }

    #[test]
    fn relocatable_env_has_no_csh_script() {
        let ctx = ActivationContext {
            relocatable: true,
            ..context("/tmp/env", "env")
        };
        let scripts = scripts(&ctx);
        assert!(!names(&scripts).contains(&"activate.csh"));
        assert_eq!(omitted(&ctx)[0].name, "activate.csh");
    }

    #[test]
    fn windows_env_gets_batch_files_and_no_csh() {
        let ctx = ActivationContext {
            bin_name: "Scripts",
            windows: true,
            ..context(r"C:\Users\A&B\env", "env")
        };
        let scripts = scripts(&ctx);
        assert_eq!(
            names(&scripts),
            [
                "activate",
                "activate.fish",
                "activate.nu",
                "activate.xsh",
                "Activate.ps1",
                "activate.bat",
                "deactivate.bat"
            ]
        );
        assert!(omitted(&ctx).is_empty());
    }

    #[test]
    fn batch_files_are_crlf_with_the_path_quoted() {
        let ctx = ActivationContext {
            bin_name: "Scripts",
            windows: true,
            ..context(r"C:\a&b 100%", HOSTILE)
        };
        let scripts = scripts(&ctx);
        for name in ["activate.bat", "deactivate.bat"] {
            let text = String::from_utf8(find(&scripts, name).contents.clone()).unwrap();
            assert!(!text.replace("\r\n", "").contains('\n'), "{name} has a bare LF");
        }
        let text = String::from_utf8(find(&scripts, "activate.bat").contents.clone()).unwrap();
        assert!(text.contains("@set \"VIRTUAL_ENV=C:\\a&b 100%%\"\r\n"));
        assert!(text.contains("@set \"VIRTUAL_ENV_PROMPT='_;&&e-$ èрт🚒♞中片-j\"\r\n"));
        assert!(text.contains("@set \"PROMPT=('_;&&e-$$ èрт🚒♞中片-j) %PROMPT%\"\r\n"));
        assert!(text.contains("@set \"PATH=%VIRTUAL_ENV%\\Scripts;%PATH%\"\r\n"));
    }

    #[test]
    fn batch_files_are_left_out_for_a_path_cmd_cannot_hold() {
        let ctx = ActivationContext {
            bin_name: "Scripts",
            windows: true,
            ..context(r"C:\wow!", "env")
        };
        assert!(!names(&scripts(&ctx)).contains(&"activate.bat"));
        assert_eq!(names_of(&omitted(&ctx)), ["activate.bat", "deactivate.bat"]);
    }

    #[test]
    fn no_marker_survives_rendering() {
        for relocatable in [false, true] {
            for windows in [false, true] {
                let ctx = ActivationContext {
                    relocatable,
                    windows,
                    ..context("/tmp/{{ PROMPT }}", "{{ VIRTUAL_ENV }}")
                };
                for script in scripts(&ctx) {
                    let text = String::from_utf8_lossy(&script.contents);
                    let stripped = text.replace("{{ PROMPT }}", "").replace("{{ VIRTUAL_ENV }}", "");
                    assert!(!stripped.contains("{{ "), "{} keeps a marker", script.name);
                }
            }
        }
    }

    #[test]
    fn values_are_substituted_once() {
        let out = render(
            "a={{ A }} b={{ B }} c={{ C }}",
            &[("A", "{{ B }}".to_owned()), ("B", "2".to_owned())],
        );
        assert_eq!(out, "a={{ B }} b=2 c={{ C }}");
    }

    #[test]
    fn posix_scripts_hold_quoted_values() {
        let scripts = scripts(&context("/tmp/it's $(x)", HOSTILE));
        let sh = String::from_utf8(find(&scripts, "activate").contents.clone()).unwrap();
        assert!(sh.contains("\nVIRTUAL_ENV='/tmp/it'\"'\"'s $(x)'\n"));
        assert!(sh.contains(&format!("\nVIRTUAL_ENV_PROMPT={}\n", quote::sh(HOSTILE))));
        let fish = String::from_utf8(find(&scripts, "activate.fish").contents.clone()).unwrap();
        assert!(fish.contains("set -gx VIRTUAL_ENV '/tmp/it\\'s $(x)'\n"));
        let csh = String::from_utf8(find(&scripts, "activate.csh").contents.clone()).unwrap();
        assert!(csh.contains("setenv VIRTUAL_ENV '/tmp/it'\\''s $(x)'\n"));
        for script in &scripts {
            let text = String::from_utf8_lossy(&script.contents);
            assert!(
                !text.contains("\r\n") || script.name == "Activate.ps1",
                "{}",
                script.name
            );
        }
    }

    #[test]
    fn powershell_script_has_bom_crlf_and_no_path() {
        let scripts = scripts(&context("/tmp/secret-path", HOSTILE));
        let ps1 = &find(&scripts, "Activate.ps1").contents;
        assert!(ps1.starts_with(UTF8_BOM));
        let text = std::str::from_utf8(&ps1[UTF8_BOM.len()..]).unwrap();
        assert!(!text.replace("\r\n", "").contains('\n'));
        assert!(!text.contains("secret-path"));
        assert!(text.contains(&format!("    $Prompt = {}\r\n", quote::powershell(HOSTILE))));
    }
}
