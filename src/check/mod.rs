//! Findings: what `fenv check` reports, one a line, each with a rule id
//! that scripts and docs can name.
//!
//! [`environment::findings`] gathers them from the modules that know each
//! fact (the lock's freshness, the sync plan, the installer's `RECORD`
//! verification); this module names, orders and renders what they found.

pub mod environment;
pub mod functions;

use std::fmt;
use std::path::PathBuf;

use crate::error::Hint;
use crate::fs::user_display;

/// What stops `fenv check` from finishing its findings.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Lock(#[from] crate::lock::Error),

    #[error(transparent)]
    Sync(Box<crate::sync::Error>),

    #[error(transparent)]
    Functions(#[from] crate::functions::Error),

    #[error(transparent)]
    Read(#[from] crate::fs::PathError),

    #[error("failed to measure the import time of `{}`", user_display(path))]
    ImportTime {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<crate::sync::Error> for Error {
    fn from(source: crate::sync::Error) -> Self {
        Self::Sync(Box::new(source))
    }
}

impl Hint for Error {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Lock(source) => source.hint(),
            Self::Sync(source) => source.hint(),
            Self::Functions(source) => source.hint(),
            Self::Read(_) | Self::ImportTime { .. } => None,
        }
    }
}

use serde::Serialize;

/// How much a finding matters: any error makes `fenv check` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// A measurement, not a problem (import times).
    Info,
}

/// Every rule `fenv check` knows. The ids are stable: they appear in the
/// output, in `--json` and in docs/check.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// There is no lock.
    LockMissing,
    /// The lock no longer matches the project's inputs.
    LockStale,
    /// A locked package depends on one the lock does not hold.
    LockIncomplete,
    /// The environment does not exist.
    EnvMissing,
    /// The environment's Python does not satisfy the lock's `requires-python`.
    PythonMismatch,
    /// The lock was made for other environments than this one.
    LockEnvironment,
    /// A sync was stopped before it finished.
    SyncInterrupted,
    /// A locked package is not installed.
    PackageMissing,
    /// A locked package is installed at another version.
    PackageVersion,
    /// An installed package is not in the lock.
    PackageExtra,
    /// An installed package has no `RECORD`: its install did not finish.
    InstallIncomplete,
    /// A file a `RECORD` lists is missing.
    FileMissing,
    /// A file differs from its `RECORD` hash.
    FileModified,
    /// `.python-version`, `requires-python` and a target's Python disagree.
    PythonVersion,
    /// A function defines none of the handler forms.
    FunctionNoHandler,
    /// A `handler` class that does not derive from BaseHTTPRequestHandler.
    FunctionHandlerClass,
    /// A Lambda-style `handler(event, context)` with the vercel target.
    FunctionLambdaHandler,
    /// A function imports a package outside its dependency closure.
    FunctionImport,
    /// A function's module raises when loaded (`--import-time`).
    FunctionImportFailed,
    /// A function's cold import time (`--import-time`).
    ImportTime,
    /// A function's cold import time is over its `import-ms` budget.
    ImportBudget,
    /// A Vercel project without the `vercel-install` script: Vercel's
    /// own install step cannot read `pylock.toml`.
    VercelInstall,
    /// A function's own dependency, which Vercel does not install for it
    /// without the `vercel-install` script.
    VercelFunctionDependency,
}

impl Rule {
    pub fn id(self) -> &'static str {
        match self {
            Self::LockMissing => "lock-missing",
            Self::LockStale => "lock-stale",
            Self::LockIncomplete => "lock-incomplete",
            Self::EnvMissing => "env-missing",
            Self::PythonMismatch => "python-mismatch",
            Self::LockEnvironment => "lock-environment",
            Self::SyncInterrupted => "sync-interrupted",
            Self::PackageMissing => "package-missing",
            Self::PackageVersion => "package-version",
            Self::PackageExtra => "package-extra",
            Self::InstallIncomplete => "install-incomplete",
            Self::FileMissing => "file-missing",
            Self::FileModified => "file-modified",
            Self::PythonVersion => "python-version",
            Self::FunctionNoHandler => "function-no-handler",
            Self::FunctionHandlerClass => "function-handler-class",
            Self::FunctionLambdaHandler => "function-lambda-handler",
            Self::FunctionImport => "function-import",
            Self::FunctionImportFailed => "function-import-failed",
            Self::ImportTime => "import-time",
            Self::ImportBudget => "import-budget",
            Self::VercelInstall => "vercel-install",
            Self::VercelFunctionDependency => "vercel-function-dependency",
        }
    }

    /// An extra package does not break what the lock promises; it may hide
    /// a dependency the lock lacks, so it is worth a warning. So is a
    /// dependency the lock lacks: the environment may still have it.
    pub fn severity(self) -> Severity {
        match self {
            Self::PackageExtra | Self::LockIncomplete => Severity::Warning,
            Self::ImportTime | Self::FunctionNoHandler => Severity::Info,
            _ => Severity::Error,
        }
    }
}

/// One thing `fenv check` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
    /// The package it is about, normalized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
}

impl Finding {
    pub fn new(rule: Rule, message: impl Into<String>) -> Self {
        Self {
            rule,
            severity: rule.severity(),
            message: message.into(),
            package: None,
        }
    }

    pub fn package(mut self, name: impl Into<String>) -> Self {
        self.package = Some(name.into());
        self
    }
}

impl fmt::Display for Finding {
    /// `error[package-missing]: requests 2.32.3 is locked but not installed`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        write!(f, "{severity}[{}]: {}", self.rule.id(), self.message)
    }
}

/// The findings of one run, in a stable order, with their counts.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Installed files whose hash was checked.
    pub files_checked: usize,
}

impl Report {
    pub fn push(&mut self, finding: Finding) {
        match finding.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
        self.findings.push(finding);
    }

    /// Errors first, then by rule and package, so output can be diffed.
    pub fn sort(&mut self) {
        self.findings
            .sort_by(|a, b| (a.severity, a.rule, &a.package).cmp(&(b.severity, b.rule, &b.package)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_line_with_the_rule_id() {
        let finding =
            Finding::new(Rule::PackageExtra, "`six` 1.16.0 is installed but not locked").package("six");
        assert_eq!(
            finding.to_string(),
            "warning[package-extra]: `six` 1.16.0 is installed but not locked"
        );
        let mut report = Report::default();
        report.push(finding);
        report.push(Finding::new(Rule::LockStale, "stale").package("z"));
        report.sort();
        assert_eq!((report.errors, report.warnings), (1, 1));
        assert_eq!(report.findings[0].rule, Rule::LockStale);
    }
}
