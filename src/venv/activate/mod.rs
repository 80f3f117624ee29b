//! Activation scripts: fenv's own, one template per shell, every value
//! quoted by that shell's rules (see `quote.rs`).
//!
//! STUB: the interface below is fixed; the bodies are being written.

pub mod quote;
pub mod shell;

pub use shell::Shell;

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
    pub contents: Vec<u8>,
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

/// Every activation script for the environment.
pub fn scripts(ctx: &ActivationContext<'_>) -> Vec<Script> {
    let _ = ctx;
    Vec::new()
}
