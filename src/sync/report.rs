//! What a sync did or would do: a line a change and a summary for people,
//! the same as JSON for `--json`, and the exit status (a dry run that
//! would change anything exits 1).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use super::{Plan, Selected};
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::printer::Printer;

/// What a sync did or would do, for people (one line a change and a
/// summary) and for `--json`.
#[derive(Debug, Serialize)]
pub struct Report {
    env: PathBuf,
    lock: PathBuf,
    lock_hash: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub python: String,
    dry_run: bool,
    /// The environment was (or, in a dry run, would be) created.
    pub created: bool,
    changes: Vec<Change>,
    unchanged: usize,
    summary: String,
    elapsed_ms: u128,
}

#[derive(Debug, Serialize)]
struct Change {
    action: &'static str,
    name: String,
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
}

impl Report {
    pub fn new(env: &Path, lock: &Path, lock_hash: &str, dry_run: bool) -> Self {
        Self {
            env: env.to_path_buf(),
            lock: lock.to_path_buf(),
            lock_hash: lock_hash.to_string(),
            python: String::new(),
            dry_run,
            created: false,
            changes: Vec::new(),
            unchanged: 0,
            summary: String::new(),
            elapsed_ms: 0,
        }
    }

    /// Prints the changes and the summary (or the JSON); a dry run that
    /// would change anything exits 1.
    pub fn finish(
        mut self,
        plan: &Plan,
        started: Instant,
        json: bool,
        printer: &Printer,
    ) -> Result<ExitStatus, serde_json::Error> {
        let wheel = |selected: &Selected| Some(selected.file.name.clone());
        for selected in &plan.install {
            self.changes.push(Change {
                action: "install",
                name: selected.name.clone(),
                version: selected.version.clone(),
                from: None,
                file: wheel(selected),
            });
        }
        for (action, pairs) in [("replace", &plan.replace), ("repair", &plan.repair)] {
            for (old, selected) in pairs {
                self.changes.push(Change {
                    action,
                    name: selected.name.clone(),
                    version: selected.version.clone(),
                    from: Some(old.version.clone()),
                    file: wheel(selected),
                });
            }
        }
        for old in &plan.remove {
            self.changes.push(Change {
                action: "remove",
                name: old.normalized_name(),
                version: old.version.clone(),
                from: None,
                file: None,
            });
        }
        self.unchanged = plan.unchanged;
        self.summary = plan.summary();
        self.elapsed_ms = started.elapsed().as_millis();
        let would_change = self.created || !plan.is_empty();
        if json {
            printer.data(serde_json::to_string_pretty(&self)?);
        } else if self.dry_run {
            for line in plan.lines() {
                printer.data(line);
            }
        } else {
            for line in plan.lines() {
                printer.info(line);
            }
        }
        let env = user_display(&self.env);
        if self.dry_run {
            printer.info(format!("Would change {} (dry run)", self.summary));
        } else if plan.is_empty() {
            printer.info(format!(
                "{} in {} ms (`{env}` already matches the lock)",
                self.summary, self.elapsed_ms
            ));
        } else {
            printer.info(format!("{} in {} ms", self.summary, self.elapsed_ms));
        }
        Ok(if self.dry_run && would_change {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        })
    }
}
