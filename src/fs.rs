//! Small filesystem helpers shared by every module.

use std::io;
use std::path::{Component, Path, PathBuf};

/// The content of `CACHEDIR.TAG` (<https://bford.info/cachedir/>), which
/// backup tools use to skip caches and virtual environments.
pub const CACHEDIR_TAG: &str = "Signature: 8a477f597d28d172789f06886806bc55\n\
# This file is a cache directory tag created by fenv.\n\
# For information about cache directory tags see https://bford.info/cachedir/\n";

/// Whether `path` is a regular file (a link is followed) that someone may
/// execute: what `PATH` lookup, interpreter discovery and bundles ask.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs_err::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// A filesystem operation that failed, with the path it failed on: the
/// one I/O error every module wraps (`failed to read `a/b``), showing the
/// path as the user gave it.
#[derive(Debug, thiserror::Error)]
#[error("failed to {action} `{}`", user_display(path))]
pub struct PathError {
    action: &'static str,
    path: PathBuf,
    #[source]
    source: io::Error,
}

impl PathError {
    /// `action` (`read`, `create`, …) failed on `path` with `source`. The
    /// path fs-err adds to its messages is dropped again: this error names
    /// it once, the way the user gave it.
    pub fn new(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self {
            action,
            path: path.into(),
            source: bare(source),
        }
    }

    /// The OS error, for hints that depend on its kind.
    pub fn io(&self) -> &io::Error {
        &self.source
    }

    /// The path as it was given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// [`PathError::new`] as a closure for `map_err`.
    pub fn with(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| Self::new(action, path, source)
    }
}

/// Why a walk of a folder tree stopped.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error(
        "`{}` links to `{}`, a folder that holds it, so the tree never ends",
        user_display(link),
        user_display(ancestor)
    )]
    Loop { link: PathBuf, ancestor: PathBuf },

    #[error(transparent)]
    Io(#[from] crate::fs::PathError),
}

impl crate::error::Hint for WalkError {
    fn hint(&self) -> Option<String> {
        match self {
            Self::Loop { .. } => Some("remove the link, or point it at a folder outside the tree".into()),
            Self::Io(_) => None,
        }
    }
}

/// Everything below `root` (not `root` itself), in name order, links
/// followed, entering only what `enter` accepts (an entry it refuses is
/// skipped, and a folder it refuses is not entered). A link that points
/// nowhere is skipped; a link back to a folder above it is an error
/// naming the link, not an endless tree.
pub fn walk<P>(root: &Path, mut enter: P) -> impl Iterator<Item = Result<walkdir::DirEntry, WalkError>>
where
    P: FnMut(&walkdir::DirEntry) -> bool,
{
    walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .min_depth(1)
        .into_iter()
        .filter_entry(move |entry| enter(entry))
        .filter_map(|entry| match entry {
            Ok(entry) => Some(Ok(entry)),
            Err(err) => {
                let path = err.path().map(Path::to_path_buf).unwrap_or_default();
                if let Some(ancestor) = err.loop_ancestor() {
                    return Some(Err(WalkError::Loop {
                        link: path,
                        ancestor: ancestor.to_path_buf(),
                    }));
                }
                let dangling = err.depth() > 0
                    && path.symlink_metadata().is_ok_and(|m| m.is_symlink())
                    && !path.exists();
                let source = err
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("unreadable entry"));
                (!dangling).then_some(Err(WalkError::Io(PathError::new("read", path, source))))
            }
        })
}

/// Writes `contents` to `path` through a temporary file in the same folder
/// and a rename, so readers see the old content or the new, never half.
pub fn write_atomic(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    use std::io::Write;
    let parent = path.parent().unwrap_or(Path::new("."));
    // 0666 before the umask, as a plain `File::create` would make it:
    // tempfile's own 0600 would leave `pyvenv.cfg` unreadable to other
    // users of an environment made by root.
    let mut file = tempfile::Builder::new()
        .prefix(".fenv-tmp")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(parent)?;
    file.write_all(contents.as_ref())?;
    file.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// A temporary folder that a killed process may leave behind, and that
/// [`sweep`] can then tell from one in use: it holds `.lock`, locked for
/// as long as the folder lives. Removed when dropped.
#[derive(Debug)]
pub struct Scratch {
    // Dropped after the lock is released: field order.
    _lock: fs_err::File,
    dir: tempfile::TempDir,
}

impl Scratch {
    /// A new scratch folder in `parent`.
    pub fn new_in(parent: &Path, prefix: &str) -> io::Result<Self> {
        let dir = tempfile::Builder::new().prefix(prefix).tempdir_in(parent)?;
        // Locked before it takes its name: a sweep that finds `.lock`
        // unlocked (created, not yet locked) would take a folder in use
        // for one left behind.
        let unnamed = dir.path().join(".lock-new");
        let lock = fs_err::File::create(&unnamed)?;
        lock.lock()?;
        fs_err::rename(&unnamed, dir.path().join(".lock"))?;
        Ok(Self { _lock: lock, dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Keeps the folder, without its lock file, for a rename into place.
    pub fn keep(self) -> io::Result<PathBuf> {
        fs_err::remove_file(self.dir.path().join(".lock"))?;
        Ok(self.dir.keep())
    }
}

/// Removes what killed processes left in `parent`: every [`Scratch`]
/// folder whose lock nobody holds, and anything else there not touched
/// for a day. Best effort: what cannot be removed stays.
pub fn sweep(parent: &Path) {
    let Ok(entries) = fs_err::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let lock = path.join(".lock");
        let stale = match fs_err::File::open(&lock) {
            // Taken: the folder is in use; released: it was left behind.
            Ok(file) => file.try_lock().is_ok(),
            Err(_) => entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() > 24 * 3600)),
        };
        if stale {
            let _ = fs_err::remove_dir_all(&path).or_else(|_| fs_err::remove_file(&path));
        }
    }
}

/// The text of `path`, refused once it passes `limit` (a requirements
/// file that is `/dev/zero` must not take all the memory).
pub fn read_to_string_within(path: &Path, limit: crate::limits::Limit) -> io::Result<String> {
    use std::io::Read;
    let max = limit.bytes();
    let mut text = String::new();
    fs_err::File::open(path)?
        .take(max.saturating_add(1))
        .read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(io::Error::other(format!(
            "it is larger than {max} bytes (`{}` raises the limit)",
            limit.variable
        )));
    }
    Ok(text)
}

/// `path` made absolute against the current directory, lexically: `..` is
/// collapsed and symlinks are not resolved, as Python's `os.path.abspath`.
pub fn absolute(path: &Path) -> io::Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    };
    Ok(normalize(&joined))
}

/// `base` joined with `relative`, normalized, when the result is still
/// inside `base` (and not `base` itself); `None` for an absolute
/// `relative` or one that climbs out.
pub fn join_inside(base: &Path, relative: &str) -> Option<PathBuf> {
    if relative.contains('\0') || Path::new(relative).is_absolute() {
        return None;
    }
    let base = normalize(base);
    let joined = normalize(&base.join(relative));
    (joined != base && joined.starts_with(&base)).then_some(joined)
}

/// An archive entry name (zip or tar) as a relative path, or `None` if it is absolute or
/// climbs out with `..`.
pub fn safe_relative(name: &str) -> Option<PathBuf> {
    if name.starts_with('/') || name.contains('\\') || name.contains('\0') {
        return None;
    }
    let path = Path::new(name);
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// A folder path as a lock writes it: relative, `/`-separated, without
/// `.` parts, so it works in any checkout; `..` may lead out of the
/// project (a monorepo's shared folder). The reason otherwise.
pub fn portable_relative(path: &str) -> Result<String, String> {
    let trimmed = path.trim();
    if trimmed.is_empty() {
        return Err("`path` is empty".into());
    }
    if trimmed.contains('\0') {
        return Err("`path` holds a NUL byte".into());
    }
    if Path::new(trimmed).is_absolute() || trimmed.starts_with(['/', '\\']) || trimmed.contains(':') {
        return Err(format!("`path = \"{trimmed}\"` is not relative to the project"));
    }
    let parts: Vec<&str> = trimmed
        .split(['/', '\\'])
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if parts.is_empty() {
        return Err("`path` names the project itself".into());
    }
    Ok(parts.join("/"))
}

/// `path` from `root`, `/`-separated, when it is inside `root`: how
/// locks and their inputs name project files, the same on every machine.
pub fn relative_inside(path: &Path, root: &Path) -> Option<String> {
    let inside = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = inside
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Collapses `.` and `..` components without touching the filesystem.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A path as the user should see it: relative to the current directory
/// when it lies below it, else as given.
pub fn user_display(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let shown = cwd
        .as_deref()
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .filter(|rel| !rel.as_os_str().is_empty())
        .unwrap_or(path);
    shown.display().to_string()
}

/// The operating system's error without the path that fs-err and
/// tempfile add to their messages: fenv's own errors name the path once.
/// fs-err keeps the OS error only as the end of its message (`failed to
/// open file `p`: No such file or directory (os error 2)`), so the code is
/// read back from there; any other error is kept whole.
pub fn bare(err: io::Error) -> io::Error {
    if err.raw_os_error().is_some() {
        return err;
    }
    let code = err.get_ref().map(ToString::to_string).and_then(|text| {
        let (_, code) = text.strip_suffix(')')?.rsplit_once("(os error ")?;
        code.parse().ok()
    });
    match code {
        Some(code) => io::Error::from_raw_os_error(code),
        None => err,
    }
}

/// Whether `dir` holds no entries at all (a missing dir counts as empty).
pub fn is_empty_dir(dir: &Path) -> io::Result<bool> {
    match fs_err::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(true),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_paths_are_kept_relative_and_tidy() {
        assert_eq!(portable_relative("libs/utils").as_deref(), Ok("libs/utils"));
        assert_eq!(portable_relative("./libs//utils/").as_deref(), Ok("libs/utils"));
        assert_eq!(portable_relative("../shared").as_deref(), Ok("../shared"));
        assert_eq!(portable_relative(r"libs\utils").as_deref(), Ok("libs/utils"));
        for bad in ["/abs/utils", "C:/x", "", ".", "\\\\server\\x", "a\0b"] {
            assert!(portable_relative(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unsafe_entry_names() {
        assert_eq!(safe_relative("pkg/mod.py"), Some(PathBuf::from("pkg/mod.py")));
        for bad in ["/etc/passwd", "../evil.py", "pkg/../../evil", "a\\b", ""] {
            assert_eq!(safe_relative(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_path_error_names_its_path_once() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.txt");
        let err = fs_err::read(&missing).unwrap_err();
        assert!(
            err.to_string().contains("missing.txt"),
            "fs-err names the path: {err}"
        );
        let err = PathError::new("read", &missing, err);
        let shown = format!("{err}: {}", std::error::Error::source(&err).unwrap());
        assert_eq!(
            shown,
            format!(
                "failed to read `{}`: No such file or directory (os error 2)",
                missing.display()
            )
        );
        let other = bare(io::Error::other("not from the OS"));
        assert_eq!(other.to_string(), "not from the OS");
    }

    #[test]
    fn a_sweep_never_takes_a_scratch_folder_in_use() {
        let parent = tempfile::tempdir().unwrap();
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..300 {
                        let scratch = Scratch::new_in(parent.path(), "t-").unwrap();
                        sweep(parent.path());
                        assert!(scratch.path().join(".lock").is_file(), "swept while in use");
                    }
                });
            }
        });
    }

    #[test]
    fn joined_paths_stay_inside() {
        let base = Path::new("/env/include/site/python3.12");
        assert_eq!(join_inside(base, "a/b.h"), Some(base.join("a/b.h")));
        assert_eq!(join_inside(base, "a/../b.h"), Some(base.join("b.h")));
        for escape in ["../x", "a/../../x", "/etc/passwd", "", ".", "a/..", "a\0b"] {
            assert_eq!(join_inside(base, escape), None, "{escape}");
        }
    }

    #[test]
    fn normalize_is_lexical() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), PathBuf::from("/a/c/d"));
        assert_eq!(normalize(Path::new("/a/..")), PathBuf::from("/"));
        assert_eq!(normalize(Path::new("a/../../b")), PathBuf::from("../b"));
    }
}
