//! The in-memory model of a `pylock.toml` (PEP 751, lock-version 1.0):
//! the subset fenv writes and installs from.
//!
//! Only index files are modelled (wheels and an sdist per package). Source
//! trees, VCS checkouts and direct archives are refused when reading (see
//! [`crate::lock::parse`]), because installing them needs a build step fenv
//! does not have.

/// A whole lock file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    /// The Pythons every target of the lock runs (`>=3.10`), checked by
    /// installers before anything else.
    pub requires_python: Option<String>,
    /// One marker per target; an installer refuses the lock on a machine
    /// that matches none of them.
    pub environments: Vec<String>,
    /// Extras the lock can install on request (`"x" in extras` markers).
    pub extras: Vec<String>,
    /// Dependency groups the lock can install on request.
    pub dependency_groups: Vec<String>,
    /// Groups installed when none is requested (`"default"` stands for
    /// `[project] dependencies`).
    pub default_groups: Vec<String>,
    /// Every package that may be installed; written sorted by name, then
    /// version.
    pub packages: Vec<LockedPackage>,
    /// fenv's own `[tool.fenv]` table.
    pub tool: FenvTool,
}

impl Lock {
    /// `(package, version, dependency)` for every dependency a package
    /// records that no package of the lock is: a lock another tool, or an
    /// older fenv, wrote without part of the closure (scipy without
    /// numpy), which installs and then fails at import.
    pub fn missing_dependencies(&self) -> Vec<(&str, &str, &str)> {
        let names: std::collections::HashSet<&str> = self.packages.iter().map(|p| p.name.as_str()).collect();
        let mut missing = Vec::new();
        for package in &self.packages {
            for dependency in &package.dependencies {
                if !names.contains(dependency.as_str()) {
                    missing.push((
                        package.name.as_str(),
                        package.version.as_str(),
                        dependency.as_str(),
                    ));
                }
            }
        }
        missing
    }
}

/// One `[[packages]]` entry: a version of a distribution and its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockedPackage {
    /// The normalized (PEP 503) name, as installers compare names.
    pub name: String,
    pub version: String,
    /// Install the package only where this marker is true (a package only
    /// some targets, extras or groups need).
    pub marker: Option<String>,
    /// The Pythons the package supports; installers fail, not skip, when
    /// the environment is outside it.
    pub requires_python: Option<String>,
    /// Normalized names of the direct dependencies: informational only,
    /// installers must not use them.
    pub dependencies: Vec<String>,
    /// The simple API base URL the files came from, for SBOMs and for
    /// recovering when a file URL disappears.
    pub index: Option<String>,
    /// Every wheel compatible with at least one target.
    pub wheels: Vec<LockedFile>,
    /// The source distribution, built only for an environment no wheel fits.
    pub sdist: Option<LockedFile>,
    /// A source tree of the project (PEP 751 `[packages.directory]`),
    /// built at install: the package has no files then.
    pub directory: Option<LockedDirectory>,
}

/// PEP 751 `[packages.directory]`: a folder holding a source tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockedDirectory {
    /// Relative to the lock's folder, `/`-separated, as the lock writes it.
    pub path: String,
    /// The folder, absolute: the lock's folder joined with `path`.
    pub dir: std::path::PathBuf,
    /// Installed as an editable (PEP 660) install.
    pub editable: bool,
}

/// A wheel or sdist: where to get it and how to check it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockedFile {
    /// The file name, which is what installers select wheels by.
    pub name: String,
    /// Where it is; for a file given by [`LockedFile::path`], its
    /// `file://` URL.
    pub url: String,
    /// PEP 751's `path`: a local file, `/`-separated and relative to the
    /// lock's folder, so the lock works in any checkout of the project.
    pub path: Option<String>,
    /// Bytes, checked before the hash so a truncated download fails fast.
    pub size: Option<u64>,
    /// RFC 3339 in UTC (`2024-09-17T15:59:51Z`), written as a TOML
    /// datetime; a value that is not a valid timestamp is not written.
    pub upload_time: Option<String>,
    /// The sha256 digest in lowercase hex, as the simple API gives it.
    pub sha256: String,
}

/// `[tool.fenv]`: what `fenv lock --check` compares without the network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FenvTool {
    /// The targets the lock was resolved for, as
    /// [`crate::project::manifest::TargetSpec`] describes itself.
    pub targets: Vec<String>,
    /// [`crate::project::manifest::Manifest::inputs_hash`] of the inputs the
    /// lock was resolved from; empty for a lock fenv did not write.
    pub inputs_hash: String,
    /// The inputs as readable lines, so `fenv lock --check` can say what
    /// changed, not only that something did. Written in the given order.
    pub inputs: Vec<String>,
    /// The groups `fenv sync` installs when none is named. Kept here, not
    /// in PEP 751's `default-groups`: installers such as `uv pip install
    /// -r pylock.toml` (Vercel's install step) turn those groups on, and a
    /// deploy must not get the `dev` group.
    pub default_groups: Option<Vec<String>>,
    /// What the command line added when the lock was made, which later
    /// commands take without the flags (`[tool.fenv.options]`).
    pub options: Options,
}

/// Options given to `fenv lock` (or a command that locked) on the
/// command line, kept so that no later command needs them again. A flag
/// given anew replaces its recorded value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `--target` names beside the manifest's.
    pub targets: Vec<String>,
    pub exclude_newer: Option<String>,
    /// Without credentials.
    pub index_url: Option<String>,
    /// `/`-separated, from the project root when inside it.
    pub find_links: Vec<String>,
    pub prereleases: bool,
    /// Environments `-p` added that `[tool.fenv] environments` does not
    /// cover (`linux (python3.9)`).
    pub environments: Vec<String>,
}

impl Options {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
