//! The content-addressed wheel store in fenv's cache.
//!
//! `archives/<sha256>/<file name>.whl` holds each wheel once;
//! `unpacked/<sha256>/` holds it unpacked and verified, the source of the
//! links that install it. An unpacked entry is built in a temporary folder
//! under a per-entry file lock, verified (paths, `WHEEL`, `METADATA`, every
//! `RECORD` hash), marked complete with `.fenv-unpacked.json`, and renamed
//! into place; an entry without a valid marker is rebuilt, never trusted.
//!
//! What is installed comes only from bytes whose sha256 was just checked:
//! an entry is unpacked from the file the caller hashed (a download, a
//! built wheel), never from an archive already in the cache, which might
//! have been replaced or cut short since. Unpacked files are read-only,
//! so an edit of a hardlinked copy in an environment fails instead of
//! reaching the cache; the marker records when the entry was sealed, and
//! an entry with a file changed or resized since (root ignores the
//! read-only bit) is discarded and unpacked again.

use fs_err::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use pep440_rs::Version;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::cache::Cache;
use crate::dist::metadata::CoreMetadata;
use crate::dist::name::{WheelFilename, normalize};
use crate::dist::wheel_info::WheelInfo;
use crate::fs::PathError;
use crate::install::Error;
use crate::install::record;

const MARKER: &str = ".fenv-unpacked.json";
/// Bump when the unpacked layout or the marker changes.
const LAYOUT_VERSION: u32 = 2;

/// How much larger than its archive an unpacked wheel may be before it is
/// taken for a zip bomb (real wheels stay under 10×), and the size below
/// which no ratio is judged.
const MAX_EXPANSION: u64 = 100;
const SMALL_UNPACKED: u64 = 64 * 1024 * 1024;

/// A wheel unpacked and verified in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnpackedWheel {
    pub layout: u32,
    /// The unpacked tree.
    #[serde(skip)]
    pub root: PathBuf,
    pub sha256: String,
    pub file_name: String,
    /// `{name}-{version}.dist-info`.
    pub dist_info: String,
    /// The project name as `METADATA` spells it.
    pub name: String,
    pub version: String,
    pub root_is_purelib: bool,
    /// Every file, relative to the root, with its RECORD hash and size.
    pub files: Vec<record::RecordEntry>,
    /// When the entry was sealed (nanoseconds since the epoch): no file of
    /// an intact entry was modified later.
    #[serde(default)]
    pub sealed: u128,
}

impl UnpackedWheel {
    /// The parsed file name.
    pub fn filename(&self) -> Option<WheelFilename> {
        WheelFilename::parse(&self.file_name)
    }

    /// Whether every file is still as it was unpacked: present, its size
    /// the RECORD's, not modified since the entry was sealed. A stat per
    /// file; the hashes were checked when it was unpacked.
    pub fn is_intact(&self) -> bool {
        self.files.iter().all(|entry| {
            let Ok(meta) = fs_err::symlink_metadata(self.root.join(&entry.path)) else {
                return false;
            };
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(u128::MAX, |d| d.as_nanos());
            meta.is_file() && entry.size.is_none_or(|size| size == meta.len()) && modified <= self.sealed
        })
    }
}

/// The wheel store.
#[derive(Debug, Clone)]
pub struct WheelStore {
    archives: PathBuf,
    unpacked: PathBuf,
    /// Downloads and unpacks in progress, swept of what killed runs left.
    tmp: PathBuf,
    /// A read-only cache's `unpacked/`, read before this one: what it
    /// holds is used, what it lacks goes into this store.
    also: Option<PathBuf>,
}

/// A [`WheelStore`] as [`WheelStore::open`] found it, with the throwaway
/// folder it may live in, kept as long as the store is.
pub struct OpenedStore {
    pub store: WheelStore,
    _scratch: Option<tempfile::TempDir>,
}

impl WheelStore {
    /// The store inside `cache`.
    pub fn new(cache: &Cache) -> io::Result<Self> {
        let tmp = cache.bucket("tmp")?;
        crate::fs::sweep(&tmp);
        Ok(Self {
            archives: cache.bucket("archives")?,
            unpacked: cache.bucket("unpacked")?,
            tmp,
            also: None,
        })
    }

    /// This store, reading `cache`'s unpacked wheels first: for a cache
    /// that cannot be written (a read-only mount in CI), whose entries
    /// are still good to link from.
    #[must_use]
    pub fn reading_also(mut self, cache: &Cache) -> Self {
        self.also = cache
            .root()
            .map(|root| root.join("unpacked"))
            .filter(|dir| dir.is_dir());
        self
    }

    /// The store in `cache`; or, when the cache cannot be written, one in
    /// a throwaway folder that also reads what the read-only cache holds,
    /// so installing still works.
    pub fn open(cache: &Cache) -> Result<OpenedStore, Error> {
        let failed = |what| move |source| Error::Store { what, source };
        if cache.root().is_some() && cache.check_writable().is_ok() {
            let store = Self::new(cache).map_err(failed("open the wheel cache"))?;
            return Ok(OpenedStore {
                store,
                _scratch: None,
            });
        }
        let scratch = tempfile::tempdir().map_err(failed("create a temporary folder"))?;
        let store = Self::new(&Cache::resolve(Some(scratch.path())))
            .map_err(failed("open a temporary wheel store"))?
            .reading_also(cache);
        Ok(OpenedStore {
            store,
            _scratch: Some(scratch),
        })
    }

    /// Adds the wheel file at `wheel` (hashing it) and returns it unpacked.
    pub fn add(&self, wheel: &Path) -> Result<UnpackedWheel, Error> {
        let file_name = file_name_of(wheel)?;
        let sha256 = self.source_hash(wheel)?;
        self.add_with_hash(wheel, &file_name, &sha256, false)
    }

    /// [`WheelStore::add`] for a file the caller owns and whose sha256 it
    /// has just checked (a download against the lock): moved, not copied
    /// nor hashed again, into the store, on whose filesystem it must be
    /// ([`WheelStore::scratch_dir`]).
    pub fn add_verified(&self, wheel: &Path, sha256: &str) -> Result<UnpackedWheel, Error> {
        let file_name = file_name_of(wheel)?;
        self.add_with_hash(wheel, &file_name, &sha256.to_ascii_lowercase(), true)
    }

    fn add_with_hash(
        &self,
        wheel: &Path,
        file_name: &str,
        sha256: &str,
        owned: bool,
    ) -> Result<UnpackedWheel, Error> {
        if let Some(found) = self.cached(sha256) {
            return Ok(found);
        }
        // The bytes just hashed become the archive, whatever the cache held
        // under this hash before.
        let dir = self.archives.join(sha256);
        fs_err::create_dir_all(&dir).map_err(PathError::with("create", &dir))?;
        let archive = dir.join(file_name);
        if owned {
            fs_err::rename(wheel, &archive).map_err(PathError::with("store", &archive))?;
        } else {
            let temp = tempfile::Builder::new()
                .prefix(".fenv-tmp")
                .tempfile_in(&dir)
                .map_err(PathError::with("create a file in", &dir))?;
            fs_err::copy(wheel, temp.path()).map_err(PathError::with("copy", wheel))?;
            temp.persist(&archive)
                .map_err(|e| Error::Io(PathError::new("store", archive.clone(), e.error)))?;
        }
        self.unpack(sha256, &archive, file_name)
    }

    /// The sha256 of a wheel file on disk, remembered by its path, size,
    /// mtime and ctime so that a wheel added again (ensurepip's, for
    /// every `fenv create`) is not hashed again; a changed file is.
    fn source_hash(&self, wheel: &Path) -> Result<String, Error> {
        use std::os::unix::fs::MetadataExt;
        let metadata = fs_err::metadata(wheel).map_err(PathError::with("read", wheel))?;
        let stamp = format!(
            "{}\n{}\n{}.{}\n{}.{}\n",
            wheel.display(),
            metadata.len(),
            metadata.mtime(),
            metadata.mtime_nsec(),
            metadata.ctime(),
            metadata.ctime_nsec()
        );
        let key = crate::hash::sha256_hex(wheel.as_os_str().as_encoded_bytes());
        let memo = self.archives.join(".sources").join(key);
        if let Ok(text) = fs_err::read_to_string(&memo)
            && let Some(sha256) = text.strip_prefix(&stamp)
            && sha256.len() == 64
            && sha256.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Ok(sha256.to_string());
        }
        let sha256 = crate::hash::sha256_file(wheel).map_err(PathError::with("read", wheel))?;
        if let Some(dir) = memo.parent()
            && fs_err::create_dir_all(dir).is_ok()
        {
            // Only a speed-up: a memo that cannot be written is skipped.
            let _ = crate::fs::write_atomic(&memo, format!("{stamp}{sha256}"));
        }
        Ok(sha256)
    }

    /// A folder on the store's filesystem for work in progress (downloads,
    /// builds): make `fs::Scratch` folders in it, which the next
    /// store to open sweeps if their process was killed.
    pub fn scratch_dir(&self) -> &Path {
        &self.tmp
    }

    /// The unpacked wheel with this hash, if the store has a valid one: a
    /// marker, and every file intact ([`UnpackedWheel::is_intact`]). A
    /// damaged entry is left for [`WheelStore::add`] to rebuild.
    pub fn cached(&self, sha256: &str) -> Option<UnpackedWheel> {
        self.also
            .iter()
            .chain(std::iter::once(&self.unpacked))
            .find_map(|dir| read_marker(&dir.join(sha256)).filter(UnpackedWheel::is_intact))
    }

    fn unpack(&self, sha256: &str, archive: &Path, file_name: &str) -> Result<UnpackedWheel, Error> {
        let target = self.unpacked.join(sha256);
        // One builder per entry; the others wait, then find it built.
        let lock_path = self.unpacked.join(format!("{sha256}.lock"));
        let lock = File::create(&lock_path).map_err(PathError::with("create", &lock_path))?;
        lock.lock().map_err(PathError::with("lock", &lock_path))?;
        if let Some(found) = read_marker(&target).filter(UnpackedWheel::is_intact) {
            return Ok(found);
        }
        if target.exists() {
            // Half-written, corrupt or edited: rebuilt from the archive.
            remove_read_only_tree(&target)?;
        }
        let temp = crate::fs::Scratch::new_in(&self.tmp, "unpack-")
            .map_err(PathError::with("create a folder in", &self.tmp))?;
        let mut wheel = extract(archive, temp.path(), file_name)?;
        wheel.sha256 = sha256.to_string();
        wheel.sealed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let marker = serde_json::to_vec(&wheel)
            .map_err(|e| PathError::with("write", temp.path())(io::Error::other(e)))?;
        fs_err::write(temp.path().join(MARKER), marker).map_err(PathError::with("write", temp.path()))?;
        let kept = temp.keep().map_err(PathError::with("store", &target))?;
        fs_err::rename(kept, &target).map_err(PathError::with("store", &target))?;
        wheel.root = target;
        Ok(wheel)
    }

    /// Removes every stored wheel of `name` (all with `None`); returns the
    /// number of entries removed.
    pub fn clean(&self, name: Option<&str>) -> io::Result<usize> {
        let wanted = name.map(normalize);
        let mut removed = 0;
        for entry in fs_err::read_dir(&self.archives)?.filter_map(Result::ok) {
            let sha256 = entry.file_name().to_string_lossy().into_owned();
            let matches = match &wanted {
                None => true,
                Some(wanted) => fs_err::read_dir(entry.path())?
                    .filter_map(Result::ok)
                    .filter_map(|f| WheelFilename::parse(&f.file_name().to_string_lossy()))
                    .any(|f| f.normalized_name() == *wanted),
            };
            if matches {
                fs_err::remove_dir_all(entry.path())?;
                let unpacked = self.unpacked.join(&sha256);
                if unpacked.exists() {
                    fs_err::remove_dir_all(unpacked)?;
                }
                let _ = fs_err::remove_file(self.unpacked.join(format!("{sha256}.lock")));
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The file name of the wheel at `wheel`, which is what says its name,
/// version and tags.
fn file_name_of(wheel: &Path) -> Result<String, Error> {
    wheel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::InvalidWheel {
            wheel: wheel.display().to_string(),
            reason: "it has no file name".into(),
        })
}

fn read_marker(dir: &Path) -> Option<UnpackedWheel> {
    let bytes = fs_err::read(dir.join(MARKER)).ok()?;
    let mut wheel: UnpackedWheel = serde_json::from_slice(&bytes).ok()?;
    (wheel.layout == LAYOUT_VERSION).then(|| {
        wheel.root = dir.to_path_buf();
        wheel
    })
}

/// Unpacks `archive` into `into`, verifying it as the wheel spec asks.
fn extract(archive: &Path, into: &Path, file_name: &str) -> Result<UnpackedWheel, Error> {
    let invalid = |reason: String| Error::InvalidWheel {
        wheel: file_name.to_string(),
        reason,
    };
    let named =
        WheelFilename::parse(file_name).ok_or_else(|| invalid("its file name is not a wheel's".into()))?;
    let file = File::open(archive).map_err(PathError::with("open", archive))?;
    let mut zip =
        zip::ZipArchive::new(file).map_err(|e| invalid(format!("it is not a valid zip file: {e}")))?;

    // Hash every file while writing it; check against RECORD afterwards.
    // Count what is written against the size the archive may expand to.
    let archive_size = fs_err::metadata(archive).map_or(0, |m| m.len());
    let unpacked_limit = crate::limits::max_unpacked(archive_size, MAX_EXPANSION, SMALL_UNPACKED);
    let mut total = 0u64;
    let mut written: Vec<(String, String, u64)> = Vec::new();
    for index in 0..zip.len() {
        let mut entry = zip
            .by_index(index)
            .map_err(|e| invalid(format!("entry {index} cannot be read: {e}")))?;
        let name = entry
            .name()
            .map_err(|e| invalid(format!("entry {index} has an invalid name: {e}")))?
            .to_string();
        let relative = crate::fs::safe_relative(&name)
            .ok_or_else(|| invalid(format!("the entry `{name}` points outside the wheel")))?;
        let mode = entry.unix_mode().unwrap_or(0o644);
        if mode & 0o170000 == 0o120000 {
            return Err(invalid(format!("the entry `{name}` is a symbolic link")));
        }
        let path = into.join(&relative);
        if entry.is_dir() {
            fs_err::create_dir_all(&path).map_err(PathError::with("create", &path))?;
            continue;
        }
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent).map_err(PathError::with("create", parent))?;
        }
        let executable = mode & 0o111 != 0;
        let mut out = crate::hash::HashingWriter::new(create_file(&path, executable)?);
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = entry
                .read(&mut buffer)
                .map_err(|e| invalid(format!("`{name}` cannot be decompressed: {e}")))?;
            if read == 0 {
                break;
            }
            total += read as u64;
            if total > unpacked_limit {
                return Err(invalid(format!(
                    "it unpacks to more than {unpacked_limit} bytes from {archive_size}: a zip bomb (`FENV_MAX_UNPACKED` sets the limit)"
                )));
            }
            io::Write::write_all(&mut out, &buffer[..read]).map_err(PathError::with("write", &path))?;
        }
        let (digest, size, file) = out.finish();
        drop(file);
        seal(&path)?;
        written.push((
            relative.to_string_lossy().into_owned(),
            record::encode(&digest),
            size,
        ));
    }

    // Exactly one `.dist-info`, named for this wheel.
    let dist_infos: Vec<&str> = written
        .iter()
        .filter_map(|(path, _, _)| path.split_once('/').map(|(top, _)| top))
        .filter(|top| top.ends_with(".dist-info"))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let [dist_info] = dist_infos[..] else {
        return Err(invalid(format!(
            "it has {} `.dist-info` folders, not one",
            dist_infos.len()
        )));
    };
    let dist_info = dist_info.to_string();
    let (info_name, info_version) = dist_info
        .strip_suffix(".dist-info")
        .and_then(|stem| stem.rsplit_once('-'))
        .ok_or_else(|| invalid(format!("`{dist_info}` is not named `<name>-<version>.dist-info`")))?;
    if normalize(info_name) != named.normalized_name() || info_version != named.version {
        return Err(invalid(format!(
            "its `{dist_info}` does not match the file name ({} {})",
            named.name, named.version
        )));
    }

    // WHEEL: a version this installer understands.
    let wheel_meta = fs_err::read(into.join(&dist_info).join("WHEEL"))
        .map_err(|_| invalid(format!("`{dist_info}/WHEEL` is missing")))?;
    let wheel_meta =
        WheelInfo::parse(&wheel_meta).map_err(|e| invalid(format!("`{dist_info}/WHEEL`: {e}")))?;
    let root_is_purelib = wheel_meta.root_is_purelib;

    // RECORD: every file listed and correctly hashed (the spec's rule).
    let record_path = format!("{dist_info}/RECORD");
    let record_text =
        read_text(&into.join(&record_path)).ok_or_else(|| invalid(format!("`{record_path}` is missing")))?;
    let record = record::parse(&record_text).map_err(|e| invalid(format!("`{record_path}`: {e}")))?;
    let unsigned =
        |path: &str| path == record_path || path.ends_with("/RECORD.jws") || path.ends_with("/RECORD.p7s");
    let mut files = Vec::new();
    for (path, digest, size) in &written {
        if unsigned(path) {
            continue;
        }
        let entry = record
            .iter()
            .find(|e| e.path == *path)
            .ok_or_else(|| invalid(format!("`{path}` is not listed in RECORD")))?;
        if entry.hash != format!("sha256={digest}") {
            return Err(invalid(format!("the hash of `{path}` does not match RECORD")));
        }
        if entry.size.is_some_and(|s| s != *size) {
            return Err(invalid(format!("the size of `{path}` does not match RECORD")));
        }
        files.push(entry.clone());
    }

    // METADATA: what the wheel says it is must be what its name says, as
    // pip and uv require. The name becomes a path (`include/site/…/NAME`),
    // so it must be one the name specification allows, too.
    let metadata_path = into.join(&dist_info).join("METADATA");
    let bytes =
        fs_err::read(&metadata_path).map_err(|_| invalid(format!("`{dist_info}/METADATA` is missing")))?;
    let metadata = CoreMetadata::parse(&bytes)
        .map_err(|e| invalid(format!("`{dist_info}/METADATA` is not valid: {e}")))?;
    let same_version = match (
        Version::from_str(&metadata.version),
        Version::from_str(&named.version),
    ) {
        (Ok(declared), Ok(named)) => declared == named,
        _ => metadata.version == named.version,
    };
    if !crate::dist::name::is_valid(&metadata.name)
        || normalize(&metadata.name) != named.normalized_name()
        || !same_version
    {
        return Err(invalid(format!(
            "its METADATA says `{}` {}, but its file name says `{}` {}",
            metadata.name, metadata.version, named.name, named.version
        )));
    }
    Ok(UnpackedWheel {
        layout: LAYOUT_VERSION,
        sealed: 0,
        root: into.to_path_buf(),
        sha256: String::new(),
        file_name: file_name.to_string(),
        name: metadata.name,
        version: metadata.version,
        dist_info,
        root_is_purelib,
        files,
    })
}

fn read_text(path: &Path) -> Option<String> {
    fs_err::read_to_string(path).ok()
}

/// Removes a tree whose files are read-only (the unpacked entries'):
/// removing a file needs only its folder writable, which they are.
fn remove_read_only_tree(dir: &Path) -> Result<(), Error> {
    fs_err::remove_dir_all(dir).map_err(|e| PathError::new("remove", dir, e).into())
}

/// A new file, 0666 or 0777 before the umask, as pip extracts wheels.
fn create_file(path: &Path, executable: bool) -> Result<fs_err::File, Error> {
    use fs_err::os::unix::fs::OpenOptionsExt;
    fs_err::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if executable { 0o777 } else { 0o666 })
        .open(path)
        .map_err(|e| PathError::new("create", path, e).into())
}

/// Takes the write bits off a stored file, so that an edit through a
/// hardlink in some environment fails instead of changing the store.
fn seal(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs_err::metadata(path)
        .map_err(PathError::with("read the mode of", path))?
        .permissions()
        .mode();
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(mode & !0o222))
        .map_err(|e| PathError::new("set the mode of", path, e).into())
}
