//! Filesystems a test mounts for itself (as root): a small tmpfs that
//! fills up, a read-only view of a folder. Unmounted when dropped.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A mount, undone on drop.
pub struct Mount {
    at: PathBuf,
}

impl Mount {
    /// A tmpfs of `bytes` at `at` (created), or `None` when this process
    /// may not mount (not root, or no mount namespace rights).
    pub fn tmpfs(at: &Path, bytes: u64) -> Option<Self> {
        fs_err::create_dir_all(at).ok()?;
        mount(&["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"], at)
    }

    /// `dir` made read-only where it is (a read-only bind mount of itself).
    pub fn read_only(dir: &Path) -> Option<Self> {
        let bound = mount(&["--bind", &dir.display().to_string()], dir)?;
        let remounted = Command::new("mount")
            .args(["-o", "remount,bind,ro"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        remounted.then_some(bound)
    }
}

fn mount(args: &[&str], at: &Path) -> Option<Mount> {
    let ok = Command::new("mount")
        .args(args)
        .arg(at)
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| Mount { at: at.to_path_buf() })
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}
