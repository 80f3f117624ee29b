//! Turning errors into what the user reads.
//!
//! Domain errors state the fact; how to go on lives in their [`Hint`]
//! impls, kept apart from the message so that wrapping an error never
//! loses or repeats it. [`report`] prints the whole chain on one line
//! (`error: a: b: c`), then every hint found along the chain. This is the
//! one place that knows every layer's error type, which is why it lives at
//! the top, beside the commands.

use crate::error::{ExitStatus, Hint};
use crate::printer::Printer;

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

/// Collects the hints of every error in the chain that has one, each
/// once, in the order the chain gives them.
pub fn hints(err: &anyhow::Error) -> Vec<String> {
    let mut hints = Vec::new();
    for cause in err.chain() {
        collect::<crate::cache::Error>(cause, &mut hints);
        collect::<crate::python::Error>(cause, &mut hints);
        collect::<crate::venv::Error>(cause, &mut hints);
        collect::<crate::index::Error>(cause, &mut hints);
        collect::<crate::install::Error>(cause, &mut hints);
        collect::<crate::project::Error>(cause, &mut hints);
        collect::<crate::project::manifest::Error>(cause, &mut hints);
        collect::<crate::lock::Error>(cause, &mut hints);
        collect::<crate::resolve::Error>(cause, &mut hints);
        collect::<crate::sync::Error>(cause, &mut hints);
        collect::<crate::venv::run::Error>(cause, &mut hints);
        collect::<crate::ci::Error>(cause, &mut hints);
        collect::<crate::check::Error>(cause, &mut hints);
        collect::<crate::locking::Error>(cause, &mut hints);
        collect::<crate::build::Error>(cause, &mut hints);
        collect::<crate::bundle::Error>(cause, &mut hints);
        collect::<crate::functions::Error>(cause, &mut hints);
        collect::<crate::invoke::Error>(cause, &mut hints);
        collect::<crate::serve::Error>(cause, &mut hints);
        collect::<crate::serve::dotenv::Error>(cause, &mut hints);
    }
    hints
}

/// Adds the hints of `cause` if it is a `T`.
fn collect<T: Hint + std::error::Error + 'static>(
    cause: &(dyn std::error::Error + 'static),
    hints: &mut Vec<String>,
) {
    if let Some(error) = cause.downcast_ref::<T>() {
        for hint in error.hints() {
            if !hints.contains(&hint) {
                hints.push(hint);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_found_along_the_chain_each_once() {
        let dir = tempfile::tempdir().unwrap();
        fs_err::write(
            dir.path().join("pyproject.toml"),
            "[project]\ndependencies = [\"a >>= 1\"]\n",
        )
        .unwrap();
        let err = anyhow::Error::new(crate::project::manifest::load(dir.path()).unwrap_err())
            .context("failed to lock the project")
            .context("failed to lock the project");
        assert_eq!(
            hints(&err),
            ["write a PEP 508 requirement such as `httpx>=0.27` or `boto3; extra == \"aws\"`"]
        );
        assert!(hints(&anyhow::anyhow!("a bare message")).is_empty());
    }
}
