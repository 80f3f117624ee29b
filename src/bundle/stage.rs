//! One function's bundle, staged: its packages installed from verified
//! wheels into a scratch folder (at the root for Lambda, in `_vendor/`
//! for Vercel), then the entries [`plan::entries`] picks from it, each
//! package's share of the bytes counted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::bundle::Error;
use crate::bundle::plan::{self, Code, Excludes};
use crate::bundle::report::{self, PackageSize};
use crate::bundle::zip::{Contents, Entry};
use crate::install::{self, InstallOptions, Linker, Tags, Target as InstallTarget, UnpackedWheel};

/// What one function's bundle is made of.
pub struct Request<'a> {
    pub function: &'a str,
    /// The wheels to install, by name, in a stable order.
    pub wheels: Vec<(&'a str, &'a UnpackedWheel)>,
    /// Where packages go, from the bundle's root: `""` or `_vendor`.
    pub site: &'a str,
    pub python: (u32, u32),
    pub tags: Tags,
    /// The function's own files; a layer has none.
    pub code: Option<Code<'a>>,
    pub generated: Vec<(String, Vec<u8>)>,
    pub excludes: &'a Excludes,
}

/// A staged bundle; the scratch folder lives as long as it does, since
/// its entries read their files from there.
pub struct Staged {
    pub entries: Vec<Entry>,
    /// Each package's share, in [`Request::wheels`] order.
    pub packages: Vec<PackageSize>,
    /// The sum of every file's bytes.
    pub unzipped: u64,
    _scratch: tempfile::TempDir,
}

/// Installs and plans one bundle in a scratch folder under `parent`.
pub fn stage(parent: &Path, request: Request<'_>) -> Result<Staged, Error> {
    let scratch = tempfile::Builder::new()
        .prefix(".fenv-bundle-")
        .tempdir_in(parent)
        .map_err(crate::fs::PathError::with("create a folder in", parent))?;
    let site = if request.site.is_empty() {
        scratch.path().to_path_buf()
    } else {
        scratch.path().join(request.site)
    };
    let folder = InstallTarget::folder(&site, request.python, Some(request.tags));
    let linker = Linker::new(None);
    let options = InstallOptions {
        linker: &linker,
        requested: false,
        direct_url: None,
        source_tree: None,
    };
    let mut owners: HashMap<PathBuf, usize> = HashMap::new();
    let mut packages = Vec::new();
    for (name, wheel) in &request.wheels {
        let installed = install::install(wheel, &folder, &options).map_err(|source| Error::Install {
            function: request.function.to_string(),
            source: Box::new(source),
        })?;
        let code_files = installed
            .files
            .iter()
            .filter(|f| !report::is_metadata(&f.to_string_lossy()))
            .count();
        for file in installed.files {
            owners.insert(file, packages.len());
        }
        packages.push(PackageSize {
            name: (*name).to_string(),
            version: installed.version,
            unzipped_bytes: 0,
            code_files,
            code_in_zip: 0,
        });
    }
    let entries = plan::entries(
        scratch.path(),
        request.code.as_ref(),
        request.generated,
        request.excludes,
    )?;
    let mut unzipped = 0;
    for entry in &entries {
        if let Contents::File { source, .. } = &entry.contents {
            let bytes = fs_err::metadata(source)
                .map_err(crate::fs::PathError::with("read", source))?
                .len();
            if let Some(&at) = owners.get(source) {
                packages[at].unzipped_bytes += bytes;
                packages[at].code_in_zip += usize::from(!report::is_metadata(&entry.path));
            }
            unzipped += bytes;
        } else if let Contents::Bytes(bytes) = &entry.contents {
            unzipped += bytes.len() as u64;
        }
    }
    Ok(Staged {
        entries,
        packages,
        unzipped,
        _scratch: scratch,
    })
}
