//! Getting every wheel a plan installs into the wheel store, verified,
//! before the environment is touched (DESIGN principle 4).
//!
//! A wheel already unpacked in the store under the locked sha256 is used
//! as it is; any other is downloaded (a few at a time, each checked
//! against the lock's size and sha256 by [`IndexClient::download`]) and
//! added to the store. A package selected from its sdist is built into a
//! wheel by the [`Builder`] (once: it remembers what it built), after
//! the sdist is downloaded and checked the same way. The first failure
//! stops the others and is returned, naming the package.

use std::collections::HashMap;

use crate::build::Builder;
use crate::index::{self, IndexClient};
use crate::install::{UnpackedWheel, WheelStore};
use crate::printer::Progress;
use crate::sync::{Error, Selected, Source};

/// At most this many downloads at once: enough to hide latency, few
/// enough to be polite to an index.
pub const DEFAULT_JOBS: usize = 8;

/// Every wheel of `wanted` unpacked in `store`, by normalized name;
/// sdists are built with `builder` (refused without one: a bundle for
/// another platform has no Python to build with); `progress` advances
/// once a package.
pub fn fetch(
    wanted: &[&Selected],
    store: &WheelStore,
    index: &IndexClient,
    builder: Option<&Builder<'_>>,
    jobs: usize,
    progress: &Progress,
) -> Result<HashMap<String, UnpackedWheel>, Error> {
    let results = crate::parallel::try_each(wanted, jobs, |_, selected| {
        let result = fetch_one(selected, store, index, builder);
        progress.inc();
        result
    });
    // The first failure in lock order, so the message is stable.
    let mut out = HashMap::new();
    for (selected, result) in wanted.iter().zip(results) {
        out.insert(selected.name.clone(), result?);
    }
    Ok(out)
}

/// One wheel: from the store, else downloaded, verified and added (or
/// built, for an sdist).
fn fetch_one(
    selected: &Selected,
    store: &WheelStore,
    index: &IndexClient,
    builder: Option<&Builder<'_>>,
) -> Result<UnpackedWheel, Error> {
    let wheel = &selected.file;
    let found = match (&selected.source, builder) {
        (Source::Directory(directory), Some(builder)) => {
            // Built from the folder as it is now, unless that was built before.
            let fingerprint = match &selected.fingerprint {
                Some(fingerprint) => fingerprint.clone(),
                None => crate::build::fingerprint(&directory.dir, directory.editable)?,
            };
            return Ok(builder.build_tree(
                &selected.name,
                &selected.version,
                &directory.dir,
                directory.editable,
                &fingerprint,
            )?);
        }
        (Source::Wheel, _) => store.cached(&wheel.sha256),
        (Source::Sdist, Some(builder)) => builder.built(&wheel.sha256),
        (Source::Sdist | Source::Directory(_), None) => {
            return Err(Error::SdistOnly {
                package: selected.name.clone(),
                version: selected.version.clone(),
            });
        }
    };
    if let Some(found) = found {
        return Ok(found);
    }
    let (package, version) = (selected.name.clone(), selected.version.clone());
    let download_error = |source| match source {
        index::Error::HashMismatch {
            url,
            expected,
            actual,
        } => Error::HashMismatch {
            package: package.clone(),
            version: version.clone(),
            url,
            expected,
            actual,
        },
        index::Error::SizeMismatch {
            url,
            expected,
            actual,
        } => Error::SizeMismatch {
            package: package.clone(),
            version: version.clone(),
            url,
            expected,
            actual,
        },
        source => Error::Download {
            package: package.clone(),
            version: version.clone(),
            source,
        },
    };
    let scratch = store.scratch_dir();
    let dir = crate::fs::Scratch::new_in(scratch, "download-").map_err(|source| {
        download_error(index::Error::Io(crate::fs::PathError::new(
            "create a folder in",
            scratch.to_path_buf(),
            source,
        )))
    })?;
    let file = index::File {
        filename: wheel.name.clone(),
        url: wheel.url.clone(),
        sha256: Some(wheel.sha256.clone()),
        size: wheel.size,
        upload_time: wheel.upload_time.clone(),
        ..index::File::default()
    };
    let path = index.download(&file, dir.path()).map_err(download_error)?;
    if selected.source == Source::Sdist
        && let Some(builder) = builder
    {
        return Ok(builder.build(&selected.name, &selected.version, &path, &wheel.sha256)?);
    }
    store
        .add_verified(&path, &wheel.sha256)
        .map_err(|source| Error::Store {
            package: selected.name.clone(),
            version: selected.version.clone(),
            source: Box::new(source),
        })
}
