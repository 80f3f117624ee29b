//! Turning errors into what the user reads, and outcomes into exit codes.
//!
//! Domain errors state the fact; how to go on lives in [`Hint`], kept apart
//! from the message so that wrapping an error never loses or repeats it.
//! [`report`] prints the whole chain on one line (`error: a: b: c`), then
//! every hint found along the chain.

use crate::printer::Printer;

/// The outcome of a command, as the process reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything worked.
    Success,
    /// The operation failed, or a check found drift.
    Failure,
    /// The command line could not be understood.
    Usage,
    /// `fenv run` could not find the command (the shells' 127).
    CommandNotFound,
}

impl ExitStatus {
    /// The process exit code (0, 1, 2, or 127 for a command not found).
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Usage => 2,
            Self::CommandNotFound => 127,
        }
    }
}

/// An error that knows how the user can get past it.
pub trait Hint {
    /// A short instruction naming the flag, file or command that helps.
    fn hint(&self) -> Option<String>;
}

/// Prints `err` as `error: …` plus its hints and returns the exit status.
pub fn report(err: &anyhow::Error, printer: &Printer) -> ExitStatus {
    let message = err
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    printer.error(message);
    for hint in hints(err) {
        printer.error_hint(hint);
    }
    ExitStatus::Failure
}

/// Collects the hints of every error in the chain that has one.
pub fn hints(err: &anyhow::Error) -> Vec<String> {
    let mut hints = Vec::new();
    for cause in err.chain() {
        let hint = if let Some(e) = cause.downcast_ref::<crate::python::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::venv::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::index::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::install::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::project::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::project::manifest::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::lock::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::resolve::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::sync::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::venv::run::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::ci::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::build::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::bundle::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::functions::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::serve::Error>() {
            e.hint()
        } else if let Some(e) = cause.downcast_ref::<crate::serve::dotenv::Error>() {
            e.hint()
        } else {
            None
        };
        if let Some(hint) = hint.filter(|h| !hints.contains(h)) {
            hints.push(hint);
        }
    }
    hints
}
