//! Getting a file from the unpacked-wheel cache into an environment:
//! reflink (copy-on-write clone), hardlink, copy, or symlink.
//!
//! In the automatic mode the first file decides: clone if the
//! filesystem can, else hardlink, else copy; after that, a failure of
//! the chosen mode is a real error. A mode the user forced never falls
//! back.

use std::io;
use std::path::Path;
use std::sync::Mutex;

/// How files get from the cache into an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LinkMode {
    /// Copy-on-write clone (`FICLONE`): independent files sharing blocks.
    Clone,
    /// A hardlink: the same file in the cache and the environment.
    Hardlink,
    /// A full copy.
    Copy,
    /// A symlink into the cache (the environment breaks if the cache is cleaned).
    Symlink,
}

impl LinkMode {
    pub fn name(self) -> &'static str {
        match self {
            Self::Clone => "clone",
            Self::Hardlink => "hardlink",
            Self::Copy => "copy",
            Self::Symlink => "symlink",
        }
    }
}

/// Links files in one mode, chosen on the first file unless forced.
#[derive(Debug)]
pub struct Linker {
    forced: Option<LinkMode>,
    chosen: Mutex<Option<LinkMode>>,
}

impl Linker {
    /// `None` chooses automatically (clone → hardlink → copy).
    pub fn new(forced: Option<LinkMode>) -> Self {
        Self {
            forced,
            chosen: Mutex::new(forced),
        }
    }

    /// The mode in use, once the first file was linked.
    pub fn chosen(&self) -> Option<LinkMode> {
        *self
            .chosen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Puts `from` at `to` (which must not exist).
    pub fn link(&self, from: &Path, to: &Path) -> io::Result<()> {
        if let Some(mode) = self.chosen() {
            return match link_with(mode, from, to) {
                // Chosen, not asked for: a source on another filesystem (a
                // read-only cache's, mounted apart) is copied instead.
                Err(err) if self.forced.is_none() && err.kind() == io::ErrorKind::CrossesDevices => {
                    let _ = fs_err::remove_file(to);
                    copy(from, to)
                }
                other => other,
            };
        }
        let mut chosen = self
            .chosen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(mode) = *chosen {
            return link_with(mode, from, to);
        }
        let mut last = None;
        for mode in [LinkMode::Clone, LinkMode::Hardlink, LinkMode::Copy] {
            match link_with(mode, from, to) {
                Ok(()) => {
                    *chosen = Some(mode);
                    return Ok(());
                }
                Err(err) => {
                    let _ = fs_err::remove_file(to);
                    last = Some(err);
                }
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no link mode worked")))
    }

    /// Whether the user forced a mode.
    pub fn forced(&self) -> Option<LinkMode> {
        self.forced
    }
}

fn link_with(mode: LinkMode, from: &Path, to: &Path) -> io::Result<()> {
    match mode {
        LinkMode::Clone => clone(from, to),
        LinkMode::Hardlink => fs_err::hard_link(from, to),
        LinkMode::Copy => copy(from, to),
        LinkMode::Symlink => fs_err::os::unix::fs::symlink(from, to),
    }
}

/// A full copy to a new file (never over an existing one).
fn copy(from: &Path, to: &Path) -> io::Result<()> {
    let mut source = fs_err::File::open(from)?;
    let mut target = create_like(&source, to)?;
    io::copy(&mut source, &mut target)?;
    Ok(())
}

/// The new file a copy or clone writes: 0666, or 0777 for an executable,
/// before the umask, as pip extracts wheels. Unlike the store's file it
/// comes from, it is writable: a copy shares nothing with the store.
fn create_like(source: &fs_err::File, to: &Path) -> io::Result<fs_err::File> {
    use fs_err::os::unix::fs::OpenOptionsExt;
    use std::os::unix::fs::PermissionsExt;
    let executable = source.metadata()?.permissions().mode() & 0o111 != 0;
    fs_err::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if executable { 0o777 } else { 0o666 })
        .open(to)
}

/// A reflink: Linux `ioctl(FICLONE)`; fails where the filesystem cannot.
fn clone(from: &Path, to: &Path) -> io::Result<()> {
    let source = fs_err::File::open(from)?;
    let target = create_like(&source, to)?;
    if let Err(err) = rustix::fs::ioctl_ficlone(&target, &source) {
        drop(target);
        let _ = fs_err::remove_file(to);
        return Err(err.into());
    }
    Ok(())
}
