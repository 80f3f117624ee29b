//! The ground of every error: how an error tells the user a way past it
//! ([`Hint`]), and what a command's outcome is to the process
//! ([`ExitStatus`]). This module imports nothing of fenv, so every layer
//! may use it.

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
///
/// Implemented by each layer's `Error`; the commands layer walks an error
/// chain and collects the hints of every error in it
/// (`commands::diagnostics`), so an error need not repeat its source's.
pub trait Hint {
    /// A short instruction naming the flag, file or command that helps.
    fn hint(&self) -> Option<String>;

    /// Every hint this error gives, most useful first; most errors have at
    /// most one, so by default this is [`Hint::hint`].
    fn hints(&self) -> Vec<String> {
        self.hint().into_iter().collect()
    }
}
