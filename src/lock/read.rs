//! Reading `pylock.toml`: fenv's own output and the locks pip and uv write.
//!
//! Unknown keys are ignored, as PEP 751 allows for minor versions; an
//! unknown major `lock-version` is an error. Sources fenv cannot install
//! (VCS, directories, direct archives) are refused here, naming the line,
//! rather than dropped, so a sync never silently skips a package. A wheel
//! or sdist given by `path` is read from the lock's folder.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::value::Datetime;

use crate::dist::name::normalize;
use crate::lock::Error;
use crate::lock::schema::{FenvTool, Lock, LockedDirectory, LockedFile, LockedPackage, Options};

/// The lock in `text`, read from `file` (named in errors).
pub fn parse(text: &str, file: &Path) -> Result<Lock, Error> {
    let invalid = |offset: usize, reason: String| Error::Invalid {
        path: file.to_path_buf(),
        line: line_of(text, offset),
        reason,
    };
    let raw: RawLock = toml::from_str(text).map_err(|err| {
        invalid(
            err.span().map_or(0, |span| span.start),
            err.message().trim().to_string(),
        )
    })?;

    let Some(version) = raw.lock_version else {
        return Err(invalid(
            0,
            "`lock-version` is missing; this is not a PEP 751 lock".into(),
        ));
    };
    if version.get_ref().split('.').next() != Some("1") {
        return Err(Error::UnsupportedVersion {
            path: file.to_path_buf(),
            line: line_of(text, version.span().start),
            version: version.into_inner(),
        });
    }

    // PEP 751: a relative `path` is from the lock's own folder.
    let absolute = crate::fs::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let base = absolute.parent().unwrap_or(Path::new("/"));
    let packages = raw
        .packages
        .unwrap_or_default()
        .into_iter()
        .map(|package| {
            let start = package.span().start;
            convert_package(package.into_inner(), base)
                .map_err(|(offset, reason)| invalid(offset.unwrap_or(start), reason))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let fenv = raw.tool.and_then(|tool| tool.fenv).unwrap_or_default();
    Ok(Lock {
        requires_python: raw.requires_python,
        environments: raw.environments.unwrap_or_default(),
        extras: raw.extras.unwrap_or_default(),
        dependency_groups: raw.dependency_groups.unwrap_or_default(),
        default_groups: raw.default_groups.unwrap_or_default(),
        packages,
        tool: FenvTool {
            targets: fenv.targets.unwrap_or_default(),
            inputs_hash: fenv.inputs_hash.unwrap_or_default(),
            inputs: fenv.inputs.unwrap_or_default(),
            default_groups: fenv.default_groups,
            options: fenv
                .options
                .map(|o| Options {
                    targets: o.targets.unwrap_or_default(),
                    exclude_newer: o.exclude_newer,
                    index_url: o.index_url,
                    find_links: o.find_links.unwrap_or_default(),
                    prereleases: o.prereleases.unwrap_or(false),
                    environments: o.environments.unwrap_or_default(),
                })
                .unwrap_or_default(),
        },
    })
}

/// A byte offset (when more precise than the package's table) and a reason.
type PackageError = (Option<usize>, String);

fn convert_package(raw: RawPackage, base: &Path) -> Result<LockedPackage, PackageError> {
    let name = normalize(&raw.name);
    for (source, span) in [("vcs", raw.vcs.as_ref()), ("archive", raw.archive.as_ref())] {
        if let Some(span) = span {
            return Err((
                Some(span.span().start),
                format!("package `{name}` comes from a `{source}` source, which fenv does not support yet"),
            ));
        }
    }
    let directory = raw
        .directory
        .map(|table| convert_directory(&name, table, base))
        .transpose()?;
    // PEP 751 lets a source tree leave its version out.
    let version = match (raw.version, &directory) {
        (Some(version), _) => version,
        (None, Some(_)) => String::new(),
        (None, None) => return Err((None, format!("package `{name}` has no `version`"))),
    };
    let wheels = raw
        .wheels
        .unwrap_or_default()
        .into_iter()
        .map(|wheel| convert_file(&name, wheel, base))
        .collect::<Result<Vec<_>, _>>()?;
    let sdist = raw
        .sdist
        .map(|sdist| convert_file(&name, sdist, base))
        .transpose()?;
    match (&directory, wheels.is_empty() && sdist.is_none()) {
        (None, true) => return Err((None, format!("package `{name}` has no wheels and no sdist"))),
        (Some(_), false) => {
            return Err((
                None,
                format!("package `{name}` has a `directory` and files; PEP 751 allows one source"),
            ));
        }
        _ => {}
    }
    Ok(LockedPackage {
        name,
        version,
        marker: raw.marker,
        requires_python: raw.requires_python,
        dependencies: raw
            .dependencies
            .unwrap_or_default()
            .into_iter()
            .map(|dependency| normalize(&dependency.name))
            .collect(),
        index: raw.index,
        wheels,
        sdist,
        directory,
    })
}

/// `[packages.directory]`: a relative `path` (checked: the lock may come
/// from anywhere) and `editable`; a `subdirectory` is refused.
fn convert_directory(
    package: &str,
    raw: Spanned<RawDirectory>,
    base: &Path,
) -> Result<LockedDirectory, PackageError> {
    let at = Some(raw.span().start);
    let raw = raw.into_inner();
    if raw.subdirectory.is_some() {
        return Err((
            at,
            format!("the directory of `{package}` has a `subdirectory`, which fenv does not support yet"),
        ));
    }
    let path = crate::fs::portable_relative(&raw.path)
        .map_err(|reason| (at, format!("the directory of `{package}`: {reason}")))?;
    Ok(LockedDirectory {
        dir: crate::fs::normalize(&base.join(&path)),
        path,
        editable: raw.editable.unwrap_or(false),
    })
}

/// A wheel or sdist; a `path` is taken relative to `base`, the lock's
/// folder, as PEP 751 says.
fn convert_file(package: &str, raw: Spanned<RawFile>, base: &Path) -> Result<LockedFile, PackageError> {
    let at = Some(raw.span().start);
    let raw = raw.into_inner();
    let url = match (raw.url, &raw.path) {
        (Some(url), _) => url,
        (None, Some(path)) => crate::index::file_url(&crate::fs::normalize(&base.join(path))),
        (None, None) => return Err((at, format!("a file of `{package}` has neither `url` nor `path`"))),
    };
    // The spec lets `name` default to the last component of the URL, as
    // uv writes it.
    let name = match raw.name {
        Some(name) => name,
        None => url_file_name(&url).ok_or_else(|| (at, format!("`{url}` does not end in a file name")))?,
    };
    let hashes = raw
        .hashes
        .ok_or_else(|| (at, format!("`{name}` has no `hashes`")))?;
    let hashes_at = Some(hashes.span().start);
    let Some(sha256) = hashes.into_inner().remove("sha256") else {
        return Err((
            hashes_at,
            format!("`{name}` has no sha256 hash; fenv checks every file with one"),
        ));
    };
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err((hashes_at, format!("the sha256 of `{name}` is not 64 hex digits")));
    }
    let upload_time = raw
        .upload_time
        .map(|time| {
            let at = Some(time.span().start);
            crate::timestamp::to_utc(&time.get_ref().to_string())
                .ok_or_else(|| (at, format!("the upload-time of `{name}` has no time zone offset")))
        })
        .transpose()?;
    Ok(LockedFile {
        name,
        url,
        path: raw.path,
        size: raw.size,
        upload_time,
        sha256: sha256.to_ascii_lowercase(),
    })
}

/// The last path segment of `url`, without query or fragment.
fn url_file_name(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next()?;
    let name = path.rsplit('/').next()?;
    (!name.is_empty()).then(|| name.to_string())
}

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawLock {
    lock_version: Option<Spanned<String>>,
    environments: Option<Vec<String>>,
    requires_python: Option<String>,
    extras: Option<Vec<String>>,
    dependency_groups: Option<Vec<String>>,
    default_groups: Option<Vec<String>>,
    packages: Option<Vec<Spanned<RawPackage>>>,
    tool: Option<RawTools>,
}

#[derive(Deserialize)]
struct RawTools {
    fenv: Option<RawFenv>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct RawFenv {
    targets: Option<Vec<String>>,
    inputs_hash: Option<String>,
    inputs: Option<Vec<String>>,
    default_groups: Option<Vec<String>>,
    options: Option<RawOptions>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct RawOptions {
    targets: Option<Vec<String>>,
    exclude_newer: Option<String>,
    index_url: Option<String>,
    find_links: Option<Vec<String>>,
    prereleases: Option<bool>,
    environments: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawPackage {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    requires_python: Option<String>,
    dependencies: Option<Vec<RawDependency>>,
    index: Option<String>,
    vcs: Option<Spanned<toml::Value>>,
    directory: Option<Spanned<RawDirectory>>,
    archive: Option<Spanned<toml::Value>>,
    sdist: Option<Spanned<RawFile>>,
    wheels: Option<Vec<Spanned<RawFile>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDirectory {
    path: String,
    editable: Option<bool>,
    subdirectory: Option<String>,
}

#[derive(Deserialize)]
struct RawDependency {
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawFile {
    name: Option<String>,
    url: Option<String>,
    path: Option<String>,
    size: Option<u64>,
    upload_time: Option<Spanned<Datetime>>,
    hashes: Option<Spanned<BTreeMap<String, String>>>,
}
