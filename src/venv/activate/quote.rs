//! Quoting functions, one per shell, and the prompt-string escapes.
//!
//! Every value an activation template receives goes through one of these
//! first, so that the rendered script holds it as data, never as code
//! (CPython's older templates put paths raw inside double quotes:
//! CVE-2024-9287). Two kinds of function live here:
//!
//! - **quoting** ([`sh`], [`fish`], [`csh`], [`nu`], [`python`],
//!   [`powershell`], [`batch`]) turns a value into a literal of that
//!   shell's language, to be pasted into source code;
//! - **prompt escapes** ([`bash_prompt`], [`zsh_prompt`],
//!   [`ksh93_prompt`], [`mksh_prompt`], [`dash_prompt`], [`tcsh_prompt`],
//!   [`cmd_prompt`]) turn text into a prompt string that *displays* that
//!   text, because shells expand `$(…)`, `%x`, `!` or `\x` in their prompt
//!   every time they draw it. Their result is quoted afterwards like any
//!   other value.
//!
//! Callers refuse newlines and NUL beforehand (see
//! [`check_path`](super::check_path)); apart from [`batch`], these
//! functions accept any other string.

/// A POSIX shell (`sh`, bash, zsh, dash, ksh, mksh) literal: single quotes,
/// each `'` written as `'"'"'`. Inside single quotes nothing else is
/// special, so `$`, backticks, `\`, `!` and Unicode are safe.
pub fn sh(value: &str) -> String {
    format!("'{}'", value.replace('\'', r#"'"'"'"#))
}

/// A fish literal: single quotes, where fish still gives `\\` and `\'` a
/// meaning, so both are escaped.
pub fn fish(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

/// A csh/tcsh literal: single quotes, `'` as `'\''`, and every `!` as
/// `\!` because history substitution happens even inside single quotes
/// (python/cpython#152686). A newline cannot be carried at all.
pub fn csh(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for ch in value.chars() {
        match ch {
            '\'' => out.push_str(r"'\''"),
            '!' => out.push_str(r"\!"),
            _ => out.push(ch),
        }
    }
    out.push('\'');
    out
}

/// A nushell raw string, `r#'…'#`, with one `#` more than the longest run
/// of `#` in the value so that no `'#…` inside can end it early.
pub fn nu(value: &str) -> String {
    let hashes = "#".repeat(longest_run(value, '#') + 1);
    format!("r{hashes}'{value}'{hashes}")
}

/// A Python string literal (used by xonsh): exactly `repr()`, shared with
/// `pyvenv.cfg`'s prompt.
pub fn python(value: &str) -> String {
    crate::venv::cfg::python_repr(value)
}

/// A PowerShell verbatim string: single quotes, each quote doubled.
/// PowerShell also takes the typographic quotes `‘ ’ ‚ ‛` as single
/// quotes, so they are doubled too.
pub fn powershell(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for ch in value.chars() {
        if is_powershell_single_quote(ch) {
            out.push(ch);
        }
        out.push(ch);
    }
    out.push('\'');
    out
}

/// Text for a cmd.exe batch file, to sit inside `set "NAME=…"`, or `None`
/// when cmd cannot carry it. Inside those quotes `&`, `|`, `<`, `>` and
/// `^` are literal; `%` is doubled (batch files expand `%…%` before
/// anything else). A `"` would end the quotes and `!` is expanded when
/// delayed expansion is on, so values holding them (or control
/// characters) are refused; `|`, `<` and `>` cannot be in a Windows path
/// anyway, and are refused too so that a value never depends on quoting.
pub fn batch(value: &str) -> Option<String> {
    let refused = |ch: char| matches!(ch, '"' | '!' | '|' | '<' | '>') || ch.is_control();
    if value.chars().any(refused) {
        return None;
    }
    Some(value.replace('%', "%%"))
}

/// A prompt for cmd.exe's `PROMPT`: the text with what cmd cannot carry
/// neutralised (see [`batch`]: `"`, `!`, `|`, `<`, `>` and control
/// characters become `_`), then `$` written `$$` because `PROMPT` reads
/// `$x` codes. Quote the result with [`batch`].
pub fn cmd_prompt(text: &str) -> String {
    neutralise_for_batch(text).replace('$', "$$")
}

/// `text` with the characters [`batch`] refuses replaced by `_`: for
/// display values (the prompt) where losing a character beats losing the
/// script.
pub fn neutralise_for_batch(text: &str) -> String {
    text.chars()
        .map(|ch| {
            if matches!(ch, '"' | '!' | '|' | '<' | '>') || ch.is_control() {
                '_'
            } else {
                ch
            }
        })
        .collect()
}

/// How bash should hold `text` in `PS1` to display it unchanged.
///
/// bash always decodes backslash escapes in `PS1`; with `promptvars` on
/// (the default, and always in POSIX mode) it then expands `$…` and
/// backticks as in double quotes. So `\` is doubled once for the decoding
/// and once more for the expansion, `$` and `` ` `` get a backslash that
/// survives the decoding, and `!` (a history number in POSIX mode) is
/// written as the octal escape `\041`, which decodes to a plain `!`.
pub fn bash_prompt(text: &str, promptvars: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '\\' if promptvars => out.push_str(r"\\\\"),
            '\\' => out.push_str(r"\\"),
            '$' | '`' if promptvars => {
                out.push_str(r"\\");
                out.push(ch);
            }
            '!' => out.push_str(r"\041"),
            _ => out.push(ch),
        }
    }
    out
}

/// How zsh should hold `text` in `PS1`/`PROMPT` to display it unchanged:
/// `%` doubled (prompt escapes), and with `PROMPT_SUBST` set, `\`, `$` and
/// `` ` `` escaped with a backslash so that drawing the prompt cannot run
/// a command. (`PROMPT_BANG`, which makes `!` special, is handled at
/// activation time by the script itself.)
pub fn zsh_prompt(text: &str, prompt_subst: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '%' => out.push_str("%%"),
            '\\' | '$' | '`' if prompt_subst => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// How ksh93 should hold `text` in `PS1`: it expands `$…` and backticks
/// in it and removes quotes and backslashes as in an unquoted word (so
/// `\`, `$`, `` ` ``, `"` and `'` get a backslash), and shows `!` as the
/// history number (so it is doubled).
pub fn ksh93_prompt(text: &str) -> String {
    escape_prompt(text, "\\$`\"'", true)
}

/// How mksh should hold `text` in `PS1`: it expands `$…` and backticks as
/// in double quotes (so `\`, `$`, `` ` `` and `"` get a backslash) and
/// shows `!` as the history number (so it is doubled).
pub fn mksh_prompt(text: &str) -> String {
    escape_prompt(text, "\\$`\"", true)
}

/// How dash (and other plain POSIX shells) should hold `text` in `PS1`:
/// like mksh, but `!` is not special and `\"` keeps its backslash.
pub fn dash_prompt(text: &str) -> String {
    escape_prompt(text, "\\$`", false)
}

/// How tcsh should hold `text` in `prompt`: `%` starts a prompt sequence,
/// `!` is the event number and `\` escapes, so `%` is doubled and `\` and
/// `!` get a backslash. Quote the result with [`csh`].
pub fn tcsh_prompt(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '%' => out.push_str("%%"),
            '\\' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// Backslash before each of `specials`; `!` doubled when `double_bang`.
fn escape_prompt(text: &str, specials: &str, double_bang: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if specials.contains(ch) {
            out.push('\\');
        } else if ch == '!' && double_bang {
            out.push('!');
        }
        out.push(ch);
    }
    out
}

/// The single-quote characters of PowerShell's grammar.
fn is_powershell_single_quote(ch: char) -> bool {
    matches!(ch, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}')
}

/// The length of the longest run of `ch` in `value`.
fn longest_run(value: &str, ch: char) -> usize {
    value.split(|c| c != ch).map(str::len).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// virtualenv's test path: quotes, `;`, `&&`, `$`, Cyrillic, emoji, CJK.
    const HOSTILE: &str = "'\";&&e-$ èрт🚒♞中片-j";

    #[test]
    fn sh_quotes_everything_in_single_quotes() {
        assert_eq!(sh(""), "''");
        assert_eq!(sh("plain"), "'plain'");
        assert_eq!(sh("it's"), r#"'it'"'"'s'"#);
        assert_eq!(sh(HOSTILE), r#"''"'"'";&&e-$ èрт🚒♞中片-j'"#);
        assert_eq!(sh("$(touch pwned)`id`!\\ x"), "'$(touch pwned)`id`!\\ x'");
    }

    #[test]
    fn fish_escapes_backslash_and_quote() {
        assert_eq!(fish(""), "''");
        assert_eq!(fish(HOSTILE), r#"'\'";&&e-$ èрт🚒♞中片-j'"#);
        assert_eq!(fish(r"a\b'c"), r"'a\\b\'c'");
        assert_eq!(fish("$(touch pwned)`id`! x"), "'$(touch pwned)`id`! x'");
    }

    #[test]
    fn csh_escapes_quote_and_bang() {
        assert_eq!(csh(""), "''");
        assert_eq!(csh(HOSTILE), r#"''\''";&&e-$ èрт🚒♞中片-j'"#);
        assert_eq!(csh("a!b"), r"'a\!b'");
        assert_eq!(csh(r"a\b"), r"'a\b'");
        assert_eq!(csh("$(touch pwned)`id` x"), "'$(touch pwned)`id` x'");
    }

    #[test]
    fn nu_uses_enough_hashes() {
        assert_eq!(nu(""), "r#''#");
        assert_eq!(nu(HOSTILE), format!("r#'{HOSTILE}'#"));
        assert_eq!(nu("a'#b"), "r##'a'#b'##");
        assert_eq!(nu("x'###"), "r####'x'###'####");
        assert_eq!(nu("$(touch pwned)`id`!\\"), "r#'$(touch pwned)`id`!\\'#");
    }

    #[test]
    fn python_literal_like_repr() {
        assert_eq!(python(""), "''");
        assert_eq!(python("plain"), "'plain'");
        assert_eq!(python("it's"), r#""it's""#);
        assert_eq!(python(HOSTILE), r#"'\'";&&e-$ èрт🚒♞中片-j'"#);
        assert_eq!(python("a\\b\tc\u{1b}"), r"'a\\b\tc\x1b'");
        assert_eq!(python("$(touch pwned)`id`! "), "'$(touch pwned)`id`! '");
    }

    #[test]
    fn powershell_doubles_every_single_quote() {
        assert_eq!(powershell(""), "''");
        assert_eq!(powershell(HOSTILE), r#"'''";&&e-$ èрт🚒♞中片-j'"#);
        assert_eq!(powershell("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(powershell("$(touch pwned)`id`!\\"), "'$(touch pwned)`id`!\\'");
    }

    #[test]
    fn batch_doubles_percent_and_refuses_what_it_cannot_carry() {
        assert_eq!(batch("").as_deref(), Some(""));
        assert_eq!(batch(r"C:\a&b^c %x%").as_deref(), Some(r"C:\a&b^c %%x%%"));
        for bad in ["a\"b", "a!b", "a|b", "a<b", "a>b", "a\tb", HOSTILE] {
            assert_eq!(batch(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn cmd_prompt_neutralises_and_escapes_dollar() {
        assert_eq!(cmd_prompt(HOSTILE), "'_;&&e-$$ èрт🚒♞中片-j");
        assert_eq!(cmd_prompt("a!b|c<d>e"), "a_b_c_d_e");
        assert!(batch(&cmd_prompt(HOSTILE)).is_some());
    }

    #[test]
    fn bash_prompt_escapes_for_both_modes() {
        assert_eq!(bash_prompt(r"a\b$c`d!e", true), r"a\\\\b\\$c\\`d\041e");
        assert_eq!(bash_prompt(r"a\b$c`d!e", false), r"a\\b$c`d\041e");
        assert_eq!(bash_prompt(HOSTILE, true), r#"'";&&e-\\$ èрт🚒♞中片-j"#);
    }

    #[test]
    fn zsh_prompt_escapes_percent_and_substitutions() {
        assert_eq!(zsh_prompt(r"%~$(x)`y`\!", false), r"%%~$(x)`y`\!");
        assert_eq!(zsh_prompt(r"%~$(x)`y`\!", true), r"%%~\$(x)\`y\`\\!");
    }

    #[test]
    fn ksh_and_dash_prompts() {
        assert_eq!(ksh93_prompt(r#"$(x)`y`\!"'"#), r#"\$(x)\`y\`\\!!\"\'"#);
        assert_eq!(mksh_prompt(r#"$(x)`y`\!"'"#), r#"\$(x)\`y\`\\!!\"'"#);
        assert_eq!(dash_prompt(r"$(x)`y`\!"), r"\$(x)\`y\`\\!");
    }

    #[test]
    fn tcsh_prompt_escapes_percent_bang_backslash() {
        assert_eq!(tcsh_prompt(r"50% a!b\c"), r"50%% a\!b\\c");
        // Quoted for csh, each `!` gets one more backslash.
        assert_eq!(csh(&tcsh_prompt("a!b")), r"'a\\!b'");
    }

    #[test]
    fn longest_run_counts_consecutive() {
        assert_eq!(longest_run("", '#'), 0);
        assert_eq!(longest_run("a#b##c", '#'), 2);
    }
}
