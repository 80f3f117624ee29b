//! The one place that writes to the terminal.
//!
//! Data goes to stdout, progress, hints and errors to stderr. `-q` silences
//! everything but data and errors; `-v` adds detail. Colour is used only on
//! stderr's `error:`/`warning:`/`hint:` prefixes, and only when stderr is a
//! terminal (or `--color always`), never when `NO_COLOR` is set. Progress
//! bars are drawn only on a terminal at normal verbosity; elsewhere the
//! commands print plain lines instead.
//!
//! Messages carry what fenv read from files and servers it does not
//! control (a `.python-version`, a package's name, a backend's output), so
//! every control character but the line break and the tab is shown
//! escaped (`\x1b`), never sent to the terminal to act on.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};

/// When to colour the output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How much the user wants to hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// Writes user-facing output, honouring `-q`, `-v` and `--color`.
#[derive(Debug, Clone)]
pub struct Printer {
    verbosity: Verbosity,
    color: bool,
    /// Progress bars: only on a terminal, only at normal verbosity.
    progress: bool,
}

impl Printer {
    /// A printer at `verbosity`, colouring as `color` says and as the
    /// environment (`NO_COLOR`, a terminal, `TERM=dumb`) allows.
    pub fn new(verbosity: Verbosity, color: ColorChoice) -> Self {
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
            }
        };
        let progress = verbosity == Verbosity::Normal
            && std::io::stderr().is_terminal()
            && std::env::var_os("TERM").is_none_or(|term| term != "dumb");
        Self {
            verbosity,
            color,
            progress,
        }
    }

    /// The same printer without progress bars, for CI logs.
    pub fn without_progress(mut self) -> Self {
        self.progress = false;
        self
    }

    /// A progress bar of `len` steps on stderr, or nothing when progress
    /// is not shown.
    pub fn progress(&self, len: usize, message: &'static str) -> Progress {
        if !self.progress || len == 0 {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(len as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len}") {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message);
        Progress(Some(bar))
    }

    /// Data: always printed, on stdout; escaped as messages are only when
    /// stdout is a terminal (a pipe gets the bytes a script expects).
    #[allow(
        clippy::unused_self,
        reason = "data goes through the printer like every other output"
    )]
    pub fn data(&self, text: impl AsRef<str>) {
        let text = text.as_ref();
        let mut out = std::io::stdout().lock();
        let text = if out.is_terminal() {
            escape_controls(text)
        } else {
            text.into()
        };
        // A closed pipe (`fenv python list | head`) is not an error.
        let _ = writeln!(out, "{text}");
    }

    /// Progress and results for a human, on stderr; silenced by `-q`.
    pub fn info(&self, text: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!("{}", escape_controls(text.as_ref()));
        }
    }

    /// Detail only shown with `-v`.
    pub fn verbose(&self, text: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Verbose {
            eprintln!(
                "{} {}",
                self.paint("2", "verbose:"),
                escape_controls(text.as_ref())
            );
        }
    }

    /// A warning: something went wrong but the command carries on.
    pub fn warn(&self, text: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!(
                "{} {}",
                self.paint("1;33", "warning:"),
                escape_controls(text.as_ref())
            );
        }
    }

    /// A hint: how to go on from here; silenced by `-q`.
    pub fn hint(&self, text: impl AsRef<str>) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!(
                "{} {}",
                self.paint("1;36", "hint:"),
                escape_controls(text.as_ref())
            );
        }
    }

    /// A fatal error; printed even with `-q`.
    pub fn error(&self, text: impl AsRef<str>) {
        eprintln!(
            "{} {}",
            self.paint("1;31", "error:"),
            escape_controls(text.as_ref())
        );
    }

    /// A hint that belongs to an error; printed even with `-q`.
    pub fn error_hint(&self, text: impl AsRef<str>) {
        eprintln!(
            "{} {}",
            self.paint("1;36", "hint:"),
            escape_controls(text.as_ref())
        );
    }

    fn paint(&self, code: &str, text: &str) -> String {
        // fenv's own escape codes: painted after the text was escaped.
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// A progress bar that may not be drawn; cheap to clone into threads.
#[derive(Debug, Clone)]
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// One step done.
    pub fn inc(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Removes the bar, leaving the terminal as it was.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// `text` with every control character but `\n` and `\t` escaped
/// (`\x1b`, `\x00`, `\u{9b}`), so that it reads on a terminal and acts on
/// nothing.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let wanted = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(wanted) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        let code = u32::from(c);
        match c {
            c if wanted(c) && code < 0x80 => out.push_str(&format!("\\x{code:02x}")),
            c if wanted(c) => out.push_str(&format!("\\u{{{code:x}}}")),
            c => out.push(c),
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::escape_controls;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(escape_controls("plain\ttext\nnext"), "plain\ttext\nnext");
        assert_eq!(
            escape_controls("3.12\x1b[2J\x00\r\u{9b}31m"),
            "3.12\\x1b[2J\\x00\\x0d\\u{9b}31m"
        );
    }
}
