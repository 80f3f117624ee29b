//! `fenv cache dir|clean|size`.

use std::path::Path;

use anyhow::{Context, Result};

use crate::cache::Cache;

use crate::cli::settings::GlobalSettings;
use crate::error::ExitStatus;
use crate::install::WheelStore;
use crate::printer::Printer;

pub fn dir(global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let cache = Cache::resolve(global.cache_dir.as_deref());
    let root = cache.required_root()?;
    printer.data(root.display().to_string());
    Ok(ExitStatus::Success)
}

pub fn clean(package: Option<&str>, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let cache = Cache::resolve(global.cache_dir.as_deref());
    let root = cache.required_root()?;
    if !root.exists() {
        printer.info(format!("Nothing to clean at `{}`", root.display()));
        return Ok(ExitStatus::Success);
    }
    if let Some(package) = package {
        let store = WheelStore::new(&cache).context("failed to open the wheel cache")?;
        let removed = store
            .clean(Some(package))
            .with_context(|| format!("failed to clean `{}`", root.display()))?;
        printer.info(format!("Removed {removed} cached wheel(s) of `{package}`"));
        return Ok(ExitStatus::Success);
    }
    // Only a folder fenv made (it carries fenv's tag) is deleted whole.
    if !root.join("CACHEDIR.TAG").is_file() {
        return Err(crate::cache::Error::NotFenvs(root.to_path_buf()).into());
    }
    let size = folder_size(root);
    fs_err::remove_dir_all(root).with_context(|| format!("failed to remove `{}`", root.display()))?;
    printer.info(format!("Removed `{}` ({})", root.display(), human(size)));
    Ok(ExitStatus::Success)
}

pub fn size(global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let cache = Cache::resolve(global.cache_dir.as_deref());
    let root = cache.required_root()?;
    let mut total = 0;
    for part in ["interpreters", "archives", "unpacked"] {
        let size = folder_size(&root.join(part));
        total += size;
        printer.data(format!("{part:<13} {:>10}", human(size)));
    }
    printer.data(format!("{:<13} {:>10}", "total", human(total)));
    Ok(ExitStatus::Success)
}

/// Bytes in regular files below `dir`; hardlinked files count once each.
fn folder_size(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut seen = std::collections::HashSet::new();
    let mut total = 0;
    // Links are not followed: the cache's size is its own files'.
    for entry in walkdir::WalkDir::new(dir).into_iter().filter_map(Result::ok) {
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_file() && seen.insert((meta.dev(), meta.ino())) {
            total += meta.len();
        }
    }
    total
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
