//! Where things go inside an environment, per platform and Python version.
//!
//! POSIX follows what each CPython's `venv` does (`Lib/venv/__init__.py`
//! and `sysconfig`'s `venv` scheme, PEP 405); Windows and macOS are
//! computed from the same facts and covered by unit tests only, since only
//! Linux runs here. `tests/it/parity.rs` compares every pyenv CPython's
//! own `venv` with fenv.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::install::{Shebang, Tags, Target};
use crate::python::InterpreterInfo;

/// The shape of an environment for one interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Scripts folder, relative to the env: `bin` or `Scripts`.
    pub bin: PathBuf,
    /// Headers folder: `include`, `include/python3.X` (3.11+) or `Include`.
    pub include: PathBuf,
    /// `lib/python3.X/site-packages` or `Lib/site-packages`.
    pub site_packages: PathBuf,
    /// Whether `lib64 -> lib` is made (64-bit POSIX, not macOS).
    pub lib64: bool,
    /// The interpreter's file name in `bin/`, linked to the base.
    pub primary: String,
    /// Other names, linked (relatively) to the primary.
    pub aliases: Vec<String>,
    /// A Windows environment.
    pub windows: bool,
}

/// The activation scripts fenv writes (and venv's Windows ones): a
/// wheel may not replace them.
const RESERVED_SCRIPTS: &[&str] = &[
    "activate",
    "activate.csh",
    "activate.fish",
    "activate.nu",
    "activate.xsh",
    "activate.bat",
    "Activate.ps1",
    "deactivate.bat",
];

impl Layout {
    /// Where a wheel's files go in a virtual environment of this layout
    /// being written at `root`, whose final home is `final_root` (they
    /// differ while it is built in a staging folder).
    pub fn install_target(
        &self,
        root: &Path,
        final_root: &Path,
        info: &InterpreterInfo,
        relocatable: bool,
    ) -> Target {
        let (major, minor) = info.minor();
        let scripts = root.join(&self.bin);
        let mut reserved: HashSet<PathBuf> = std::iter::once(self.primary.as_str())
            .chain(self.aliases.iter().map(String::as_str))
            .chain(RESERVED_SCRIPTS.iter().copied())
            .map(|name| scripts.join(name))
            .collect();
        reserved.insert(root.join("pyvenv.cfg"));
        let site_packages = root.join(&self.site_packages);
        let python = final_root.join(&self.bin).join("python");
        Target {
            purelib: site_packages.clone(),
            platlib: site_packages,
            scripts,
            data: root.to_path_buf(),
            headers: root
                .join("include")
                .join("site")
                .join(format!("python{major}.{minor}")),
            reserved,
            owners: std::collections::HashMap::new(),
            shebang: if relocatable {
                Shebang::Relative
            } else {
                Shebang::Absolute(python.to_string_lossy().into_owned())
            },
            python: (major, minor),
            tags: Some(Tags::for_interpreter(info)),
        }
    }

    /// The layout `python -m venv` of this interpreter makes, when started
    /// as `info.base_executable`.
    pub fn for_interpreter(info: &InterpreterInfo) -> Self {
        if info.os_name == "nt" {
            return Self::windows(info);
        }
        let (major, minor) = info.minor();
        let scheme = info.venv_scheme.as_ref().filter(|_| (major, minor) >= (3, 11));
        let thread = if info.gil_disabled { "t" } else { "" };
        let (include, site_packages) = match scheme {
            Some(scheme) => (scheme.include.clone(), scheme.purelib.clone()),
            None => (
                PathBuf::from("include"),
                PathBuf::from(format!("lib/python{major}.{minor}{thread}/site-packages")),
            ),
        };
        let primary = file_name(&info.base_executable).unwrap_or_else(|| format!("python{major}.{minor}"));
        let mut aliases = vec!["python".to_string(), "python3".to_string()];
        // The `python3.X` alias came with venv in CPython 3.9.
        if (major, minor) >= (3, 9) {
            aliases.push(format!("python{major}.{minor}"));
        }
        aliases.retain(|alias| *alias != primary);
        Self {
            bin: PathBuf::from("bin"),
            include,
            site_packages,
            lib64: info.pointer_size == 64 && info.sys_platform != "darwin",
            primary,
            aliases,
            windows: false,
        }
    }

    /// Windows: `Scripts\`, `Include\`, `Lib\site-packages\`, no `lib64`,
    /// and `python.exe`/`pythonw.exe` launchers rather than links.
    fn windows(info: &InterpreterInfo) -> Self {
        let debug = info.abiflags.contains('d');
        let suffix = if debug { "_d" } else { "" };
        let mut aliases = vec![format!("pythonw{suffix}.exe")];
        if info.gil_disabled {
            let (major, minor) = info.minor();
            aliases.push(format!("python{major}.{minor}t{suffix}.exe"));
            aliases.push(format!("pythonw{major}.{minor}t{suffix}.exe"));
        }
        Self {
            bin: PathBuf::from("Scripts"),
            include: PathBuf::from("Include"),
            site_packages: PathBuf::from("Lib").join("site-packages"),
            lib64: false,
            primary: format!("python{suffix}.exe"),
            aliases,
            windows: true,
        }
    }

    /// The bin folder's name as activation scripts spell it.
    pub fn bin_name(&self) -> &str {
        if self.windows { "Scripts" } else { "bin" }
    }
}

fn file_name(path: &Path) -> Option<String> {
    path.file_name().map(|name| name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::testing::info;

    #[test]
    fn linux_per_version() {
        let py37 = Layout::for_interpreter(&info([3, 7, 16], "posix", "linux", "/opt/py/bin/python3.7"));
        assert_eq!(py37.include, PathBuf::from("include"));
        assert_eq!(py37.site_packages, PathBuf::from("lib/python3.7/site-packages"));
        assert_eq!(
            (py37.primary.as_str(), py37.aliases.clone()),
            ("python3.7", vec!["python".into(), "python3".into()])
        );
        assert!(py37.lib64);

        let py312 = Layout::for_interpreter(&info([3, 12, 1], "posix", "linux", "/opt/py/bin/python3.12"));
        assert_eq!(py312.include, PathBuf::from("include/python3.12"));
        assert_eq!(py312.aliases, vec!["python".to_string(), "python3".to_string()]);

        // Started as `python3` (Debian's /usr/bin/python3): the primary is
        // `python3` and `python3.11` becomes an alias.
        let debian = Layout::for_interpreter(&info([3, 11, 2], "posix", "linux", "/usr/bin/python3"));
        assert_eq!(debian.primary, "python3");
        assert_eq!(
            debian.aliases,
            vec!["python".to_string(), "python3.11".to_string()]
        );
    }

    #[test]
    fn free_threaded_lib_folder() {
        let mut ft = info([3, 13, 0], "posix", "linux", "/opt/py/bin/python3.13t");
        ft.gil_disabled = true;
        ft.venv_scheme = None;
        let layout = Layout::for_interpreter(&ft);
        assert_eq!(layout.primary, "python3.13t");
        assert_eq!(
            layout.aliases,
            vec![
                "python".to_string(),
                "python3".to_string(),
                "python3.13".to_string()
            ]
        );
    }

    #[test]
    fn macos_has_no_lib64() {
        let layout = Layout::for_interpreter(&info(
            [3, 12, 1],
            "posix",
            "darwin",
            "/Library/Frameworks/Python.framework/Versions/3.12/bin/python3.12",
        ));
        assert!(!layout.lib64);
        assert_eq!(layout.bin, PathBuf::from("bin"));
        assert_eq!(layout.primary, "python3.12");
    }

    #[test]
    fn windows_layout() {
        let layout = Layout::for_interpreter(&info([3, 12, 1], "nt", "win32", r"C:\Python312\python.exe"));
        assert_eq!(layout.bin, PathBuf::from("Scripts"));
        assert_eq!(layout.include, PathBuf::from("Include"));
        assert_eq!(layout.site_packages, PathBuf::from("Lib").join("site-packages"));
        assert!(!layout.lib64);
        assert_eq!(layout.primary, "python.exe");
        assert_eq!(layout.aliases, vec!["pythonw.exe".to_string()]);
        assert_eq!(layout.bin_name(), "Scripts");
    }
}
