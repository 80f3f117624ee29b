//! `dist/manifest.json`: every artifact with its sha256, sizes, target,
//! handler string and packages, and the lock it was built from. Written
//! deterministically (sorted, no clock), so it changes only when an
//! artifact does.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::bundle::Error;

pub const FILE: &str = "manifest.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub fenv: String,
    /// `sha256:<hex>` of `pylock.toml`.
    pub lock_hash: String,
    pub artifacts: Vec<Artifact>,
    /// Lambda layers (`fenv bundle --layer`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<Layer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    pub function: String,
    pub target: String,
    /// From the manifest's folder, `/`-separated: `lambda/hello.zip`, or
    /// for Vercel `../.vercel/output/functions/api/hello.func`.
    pub path: String,
    /// Of the zip; of a folder, its files as `sha256sum` lists them
    /// ([`crate::bundle::tree::digest`]).
    pub sha256: String,
    /// `null` for a folder, which Vercel zips itself.
    pub zipped_bytes: Option<u64>,
    pub unzipped_bytes: u64,
    /// What to configure as the Lambda handler; `null` on Vercel.
    pub handler: Option<String>,
    /// The layer it needs (`path` of a [`Layer`]), when built with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// `name==version`, sorted.
    pub packages: Vec<String>,
    /// The limits or budget it is over (`unzipped limit`, `budget`, …).
    pub over: Vec<String>,
}

/// A Lambda layer: the packages every function of a target shares,
/// under `python/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    pub target: String,
    /// From the manifest's folder: `lambda-layer.zip`.
    pub path: String,
    pub sha256: String,
    pub zipped_bytes: u64,
    pub unzipped_bytes: u64,
    /// `name==version`, sorted.
    pub packages: Vec<String>,
}

/// Writes the manifest at `out/manifest.json`, keeping the artifacts of
/// other targets and functions built from the same lock whose files are
/// still there, so bundling one function never forgets the others.
/// A run's layers replace those of its targets.
pub fn write(out: &Path, lock_hash: &str, built: Vec<Artifact>, layers: Vec<Layer>) -> Result<(), Error> {
    let path = out.join(FILE);
    let old = read(&path).filter(|old| old.lock_hash == lock_hash);
    let (old_artifacts, old_layers) = old.map(|old| (old.artifacts, old.layers)).unwrap_or_default();
    let mut kept_layers: Vec<Layer> = old_layers
        .into_iter()
        .filter(|old| !built.iter().any(|new| new.target == old.target) && out.join(&old.path).is_file())
        .collect();
    kept_layers.extend(layers);
    kept_layers.sort_by(|a, b| a.target.cmp(&b.target));
    let mut artifacts: Vec<Artifact> = old_artifacts
        .into_iter()
        .filter(|old| {
            !built
                .iter()
                .any(|new| new.function == old.function && new.target == old.target)
                && out.join(&old.path).exists()
        })
        .collect();
    artifacts.extend(built);
    artifacts.sort_by(|a, b| (&a.target, &a.function).cmp(&(&b.target, &b.function)));
    let manifest = Manifest {
        fenv: env!("CARGO_PKG_VERSION").to_string(),
        lock_hash: lock_hash.to_string(),
        artifacts,
        layers: kept_layers,
    };
    let mut text = serde_json::to_string_pretty(&manifest).map_err(|err| {
        Error::Io(crate::fs::PathError::new(
            "render",
            path.clone(),
            std::io::Error::other(err),
        ))
    })?;
    text.push('\n');
    crate::fs::write_atomic(&path, text)
        .map_err(|source| Error::Io(crate::fs::PathError::new("write", path, source)))
}

/// The manifest at `path`, when there is a readable one.
fn read(path: &Path) -> Option<Manifest> {
    let text = fs_err::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}
