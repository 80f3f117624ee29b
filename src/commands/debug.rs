//! `fenv debug`: what fenv reads from a file, printed as JSON, for bug
//! reports and for the conformance tests that hold fenv's readers to the
//! reference implementations (`packaging.metadata`).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::json;

use crate::dist::metadata::CoreMetadata;
use crate::error::ExitStatus;
use crate::printer::Printer;

/// One line per file: the fields of [`CoreMetadata`], or `error`.
pub fn metadata(files: &[PathBuf], printer: &Printer) -> Result<ExitStatus> {
    let mut paths = Vec::new();
    for file in files {
        if file == Path::new("-") {
            for line in std::io::stdin().lock().lines() {
                let line = line.context("failed to read the file list from standard input")?;
                if !line.is_empty() {
                    paths.push(PathBuf::from(line));
                }
            }
        } else {
            paths.push(file.clone());
        }
    }
    for path in paths {
        let bytes = fs_err::read(&path)?;
        let line = match CoreMetadata::parse(&bytes) {
            Ok(metadata) => json!({
                "file": path,
                "metadata_version": metadata.metadata_version,
                "name": metadata.name,
                "version": metadata.version,
                "requires_dist": metadata.requires_dist,
                "requires_python": metadata.requires_python,
                "provides_extra": metadata.provides_extra,
                "dynamic": metadata.dynamic,
            }),
            Err(err) => json!({ "file": path, "error": err.to_string() }),
        };
        printer.data(line.to_string());
    }
    Ok(ExitStatus::Success)
}
