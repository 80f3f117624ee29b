//! What a site-packages holds: its `*.dist-info` folders.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::dist::metadata::CoreMetadata;
use crate::dist::name::normalize;
use crate::install::Error;

/// One installed distribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Distribution {
    /// The name as its `METADATA` spells it.
    pub name: String,
    pub version: String,
    /// The tool named in `INSTALLER`, if any.
    pub installer: Option<String>,
    /// Whether `REQUESTED` is present (the user asked for it).
    pub requested: bool,
    /// Where it came from when not from an index (PEP 610
    /// `direct_url.json`), as a PEP 440 direct reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct_url: Option<String>,
    /// For a package fenv built from a folder: the tree's fingerprint then.
    #[serde(skip)]
    pub source_tree: Option<String>,
    #[serde(skip)]
    pub dist_info: PathBuf,
}

impl Distribution {
    /// The PEP 503 normalized name.
    pub fn normalized_name(&self) -> String {
        normalize(&self.name)
    }
}

/// Every distribution in `site_packages`, sorted by normalized name.
pub fn installed(site_packages: &Path) -> Result<Vec<Distribution>, Error> {
    let entries = match fs_err::read_dir(site_packages) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(crate::fs::PathError::new("read", site_packages, err).into()),
    };
    let mut out = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let dist_info = entry.path();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = file_name.strip_suffix(".dist-info") else {
            continue;
        };
        if !dist_info.is_dir() {
            continue;
        }
        let metadata = fs_err::read(dist_info.join("METADATA"))
            .ok()
            .and_then(|bytes| CoreMetadata::parse(&bytes).ok());
        let (dir_name, dir_version) = stem.rsplit_once('-').unwrap_or((stem, ""));
        out.push(Distribution {
            name: metadata
                .as_ref()
                .map_or_else(|| dir_name.to_string(), |m| m.name.clone()),
            version: metadata.map_or_else(|| dir_version.to_string(), |m| m.version),
            installer: fs_err::read_to_string(dist_info.join("INSTALLER"))
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
            requested: dist_info.join("REQUESTED").exists(),
            direct_url: fs_err::read_to_string(dist_info.join("direct_url.json"))
                .ok()
                .and_then(|text| direct_reference(&text)),
            source_tree: fs_err::read_to_string(dist_info.join(super::spread::SOURCE_FILE))
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .and_then(|json| json.get("fingerprint")?.as_str().map(str::to_string)),
            dist_info,
        });
    }
    out.sort_by_key(Distribution::normalized_name);
    Ok(out)
}

/// A `direct_url.json` as pip shows it: `url#sha256=…` for archives,
/// `git+url@commit` for VCS checkouts, `url` for folders.
fn direct_reference(text: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let url = json.get("url")?.as_str()?;
    let mut fragments = Vec::new();
    let reference = if let Some(vcs) = json.get("vcs_info") {
        let kind = vcs.get("vcs")?.as_str()?;
        let commit = vcs.get("commit_id").and_then(|c| c.as_str()).unwrap_or_default();
        format!("{kind}+{url}@{commit}")
    } else {
        if let Some(hash) = json
            .get("archive_info")
            .and_then(|a| a.get("hash"))
            .and_then(|h| h.as_str())
        {
            fragments.push(hash.to_string());
        }
        url.to_string()
    };
    if let Some(subdirectory) = json.get("subdirectory").and_then(|s| s.as_str()) {
        fragments.push(format!("subdirectory={subdirectory}"));
    }
    Some(if fragments.is_empty() {
        reference
    } else {
        format!("{reference}#{}", fragments.join("&"))
    })
}

/// The installed distribution called `name` (any spelling), if any.
pub fn find(site_packages: &Path, name: &str) -> Result<Option<Distribution>, Error> {
    let wanted = normalize(name);
    Ok(installed(site_packages)?
        .into_iter()
        .find(|d| d.normalized_name() == wanted))
}

/// The top-level modules a distribution provides: its `top_level.txt`,
/// else the first component of every path its `RECORD` lists inside
/// site-packages (`pkg/…` → `pkg`, `mod.py` → `mod`, `_ext.cpython-312-x86_64-linux-gnu.so` → `_ext`).
pub fn top_level_modules(dist: &Distribution) -> Vec<String> {
    if let Ok(text) = fs_err::read_to_string(dist.dist_info.join("top_level.txt")) {
        let names: Vec<String> = text
            .lines()
            .map(|l| l.trim().replace('/', "."))
            .filter(|l| !l.is_empty())
            .map(|l| l.split('.').next().unwrap_or_default().to_string())
            .collect();
        if !names.is_empty() {
            return dedup(names);
        }
    }
    let Ok(text) = fs_err::read_to_string(dist.dist_info.join("RECORD")) else {
        return Vec::new();
    };
    let Ok(entries) = crate::install::record::parse(&text) else {
        return Vec::new();
    };
    let names = entries
        .iter()
        .filter_map(|entry| {
            let first = entry.path.split('/').next()?;
            if first == ".."
                || first.ends_with(".dist-info")
                || first.ends_with(".data")
                || first == "__pycache__"
            {
                return None;
            }
            if entry.path.contains('/') {
                return Some(first.to_string());
            }
            let stem = first
                .strip_suffix(".py")
                .or_else(|| first.split_once('.').map(|(stem, _)| stem))?;
            (first.ends_with(".py") || first.ends_with(".so") || first.ends_with(".pyd"))
                .then(|| stem.to_string())
        })
        .collect();
    dedup(names)
}

fn dedup(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names.dedup();
    names
}
