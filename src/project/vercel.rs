//! Vercel's install step for a project whose lock is `pylock.toml`.
//!
//! Vercel's Python builder, on finding `pylock.toml`, runs `uv sync
//! --frozen`, which reads only `uv.lock`, so the build fails. A
//! `vercel-install` script in `[tool.vercel.scripts]` replaces that step;
//! `uv pip install -r pylock.toml` installs exactly the lock (checked with
//! `vercel build` of the Vercel CLI, `tests/it/vercel.rs`).

use std::path::Path;

/// The script's key in `[tool.vercel.scripts]`.
pub const INSTALL_KEY: &str = "vercel-install";

/// The install step that makes Vercel install exactly the lock.
pub const INSTALL_SCRIPT: &str = "uv pip install -r pylock.toml";

/// The table `fenv init` writes and `fenv lock` adds, with why.
pub const INSTALL_TABLE: &str = "\n# Vercel installs exactly `pylock.toml` with this (its own step, `uv sync`,\n\
# reads only uv.lock).\n[tool.vercel.scripts]\nvercel-install = \"uv pip install -r pylock.toml\"\n";

/// How `pyproject.toml` sets Vercel's install step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Install {
    /// `vercel-install` is set (to fenv's script or the user's own).
    Set(String),
    /// No `vercel-install`; `table` says whether `[tool.vercel.scripts]`
    /// exists (then fenv does not edit it, it says what to add).
    Missing { table: bool },
}

/// Vercel's install step as the `pyproject.toml` text sets it.
pub fn install(pyproject: &str) -> Install {
    let Ok(value) = pyproject.parse::<toml::Table>() else {
        return Install::Missing { table: false };
    };
    let scripts = value
        .get("tool")
        .and_then(|t| t.get("vercel"))
        .and_then(|v| v.get("scripts"));
    match scripts.and_then(|s| s.get(INSTALL_KEY)) {
        Some(script) => Install::Set(script.as_str().unwrap_or_default().to_string()),
        None => Install::Missing {
            table: scripts.is_some(),
        },
    }
}

/// Adds [`INSTALL_TABLE`] to the `pyproject.toml` at `path` when it has
/// no `[tool.vercel.scripts]` table; returns whether it did.
pub fn add_install(path: &Path) -> Result<bool, crate::fs::PathError> {
    let text = fs_err::read_to_string(path).map_err(crate::fs::PathError::with("read", path))?;
    if install(&text) != (Install::Missing { table: false }) {
        return Ok(false);
    }
    let mut new = text;
    if !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str(INSTALL_TABLE);
    crate::fs::write_atomic(path, new).map_err(crate::fs::PathError::with("write", path))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_install_step_is_read_from_the_scripts_table() {
        assert_eq!(
            install("[project]\nname = \"a\"\n"),
            Install::Missing { table: false }
        );
        assert_eq!(
            install("[tool.vercel.scripts]\nbuild = \"x\"\n"),
            Install::Missing { table: true }
        );
        assert_eq!(
            install(&format!("[project]\nname = \"a\"\n{INSTALL_TABLE}")),
            Install::Set(INSTALL_SCRIPT.into())
        );
    }

    #[test]
    fn the_table_is_added_once_and_never_to_a_table_the_user_has() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pyproject.toml");
        fs_err::write(&path, "[project]\nname = \"a\"").unwrap();
        assert!(add_install(&path).unwrap());
        assert!(!add_install(&path).unwrap());
        let text = fs_err::read_to_string(&path).unwrap();
        assert_eq!(text, format!("[project]\nname = \"a\"\n{INSTALL_TABLE}"));
        fs_err::write(&path, "[tool.vercel.scripts]\nbuild = \"x\"\n").unwrap();
        assert!(!add_install(&path).unwrap());
    }
}
