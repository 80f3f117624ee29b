//! Installing one unpacked wheel: the binary distribution format's
//! "spread" step, with every file written journaled so that an error
//! half-way puts the target back as it was.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::dist::entry_points::{self, EntryPoint};
use crate::dist::name::normalize;
use crate::fs::PathError;
use crate::install::record::{self, RecordEntry};
use crate::install::scripts::{self, Shebang};
use crate::install::store::UnpackedWheel;
use crate::install::{Error, Linker, Tags};

/// Where a wheel's files go, by the install scheme's keys.
#[derive(Debug, Clone)]
pub struct Target {
    pub purelib: PathBuf,
    pub platlib: PathBuf,
    pub scripts: PathBuf,
    pub data: PathBuf,
    /// `include/site/pythonX.Y`; the project's name is appended.
    pub headers: PathBuf,
    /// Files no wheel may write: the interpreter's names, the activation
    /// scripts, `pyvenv.cfg`; exactly those, so that a script named
    /// `activate-global-python-argcomplete` is still argcomplete's.
    pub reserved: HashSet<PathBuf>,
    /// Scripts other distributions installed, by path, with their owner's
    /// normalized name: a wheel may not replace them (a console script
    /// named `pip` would take over the seeded pip's launcher). Filled by
    /// [`Target::with_owners`].
    pub owners: std::collections::HashMap<PathBuf, String>,
    pub shebang: Shebang,
    /// The Python the target runs, for tags and versioned script names.
    pub python: (u32, u32),
    /// When set, wheels must carry one of these tags.
    pub tags: Option<Tags>,
}

impl Target {
    /// A plain folder, laid out as `pip install --target` does (for function
    /// bundles): packages at its root, scripts in `bin/`, data at the root,
    /// headers in `include/site/pythonX.Y`. Launchers use `/usr/bin/env
    /// python3`, since no interpreter lives there. `tags`, when given, are
    /// the platform the folder is for.
    pub fn folder(dir: &Path, python: (u32, u32), tags: Option<Tags>) -> Self {
        let (major, minor) = python;
        Self {
            purelib: dir.to_path_buf(),
            platlib: dir.to_path_buf(),
            scripts: dir.join("bin"),
            data: dir.to_path_buf(),
            headers: dir
                .join("include")
                .join("site")
                .join(format!("python{major}.{minor}")),
            reserved: HashSet::new(),
            owners: std::collections::HashMap::new(),
            shebang: Shebang::Env,
            python,
            tags,
        }
    }

    /// Records, for each of `distributions`, the scripts its `RECORD`
    /// lists in this target's scripts folder.
    #[must_use]
    pub fn with_owners(mut self, site_packages: &Path, distributions: &[super::Distribution]) -> Self {
        for dist in distributions {
            let owner = dist.normalized_name();
            let Ok(text) = fs_err::read_to_string(dist.dist_info.join("RECORD")) else {
                continue;
            };
            for entry in record::parse(&text).unwrap_or_default() {
                let path = crate::fs::normalize(&site_packages.join(&entry.path));
                if path.parent() == Some(self.scripts.as_path()) {
                    self.owners.insert(path, owner.clone());
                }
            }
        }
        self
    }

    /// Whether `wheel` may write `path`: not a file of the environment's
    /// own, nor another distribution's script.
    fn may_write(&self, wheel: &UnpackedWheel, path: &Path) -> Result<(), Error> {
        if self.reserved.contains(path) {
            return Err(Error::Reserved {
                wheel: wheel.file_name.clone(),
                path: path.display().to_string(),
            });
        }
        match self.owners.get(path) {
            Some(owner) if *owner != normalize(&wheel.name) => Err(Error::Owned {
                wheel: wheel.file_name.clone(),
                path: path.display().to_string(),
                owner: owner.clone(),
            }),
            _ => Ok(()),
        }
    }
}

/// How to install.
#[derive(Debug)]
pub struct InstallOptions<'a> {
    pub linker: &'a Linker,
    /// The user asked for this package (writes `REQUESTED`).
    pub requested: bool,
    /// PEP 610 `direct_url.json`, for wheels not installed from an index.
    pub direct_url: Option<String>,
    /// For a wheel built from a folder: the tree's fingerprint, kept in
    /// the dist-info's `fenv_source.json` so a later sync knows whether the
    /// folder changed since.
    pub source_tree: Option<String>,
}

/// The dist-info file recording which state of its folder a package was
/// built from (as uv keeps `uv_cache.json`).
pub const SOURCE_FILE: &str = "fenv_source.json";

/// A distribution that was installed.
#[derive(Debug, Clone)]
pub struct Installed {
    pub name: String,
    pub version: String,
    pub dist_info: PathBuf,
    /// Every file written, absolute.
    pub files: Vec<PathBuf>,
}

/// One file to put in place.
struct Planned {
    to: PathBuf,
    source: Source,
}

enum Source {
    /// Linked from the store, with its verified RECORD row.
    Link { from: PathBuf, entry: RecordEntry },
    /// Written by fenv (launchers, rewritten scripts, metadata).
    Write { contents: Vec<u8>, executable: bool },
}

/// Checks that `wheel` can be installed into `target` — every path it
/// would write allowed, every name valid — without writing anything: what
/// a sync runs for every wheel before it changes the environment, so that
/// a refusal leaves it as it was.
pub fn check(wheel: &UnpackedWheel, target: &Target) -> Result<(), Error> {
    check_tags(wheel, target)?;
    plan(wheel, target).map(drop)
}

fn check_tags(wheel: &UnpackedWheel, target: &Target) -> Result<(), Error> {
    if let Some(tags) = &target.tags {
        let filename = wheel
            .filename()
            .ok_or_else(|| invalid(wheel, "its file name is not a wheel's".into()))?;
        if tags.rank(&filename.tags).is_none() {
            return Err(Error::Incompatible {
                wheel: wheel.file_name.clone(),
                python: format!("Python {}.{} on this platform", target.python.0, target.python.1),
                tags: filename
                    .tags
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(())
}

/// Installs `wheel` into `target`. Nothing is written before the whole
/// plan is checked; an error while writing removes what was written and
/// restores what was replaced.
pub fn install(
    wheel: &UnpackedWheel,
    target: &Target,
    options: &InstallOptions<'_>,
) -> Result<Installed, Error> {
    // > 1.a Check that installer is compatible with Wheel-Version, and
    // > that the wheel's tags fit the target (verified in the store and here).
    check_tags(wheel, target)?;

    // > 1.d Spread: root files to purelib or platlib, `.data/<key>/` to
    // > the scheme's paths.
    let plan = plan(wheel, target)?;
    let lib = if wheel.root_is_purelib {
        &target.purelib
    } else {
        &target.platlib
    };
    let dist_info = lib.join(&wheel.dist_info);

    let mut journal = Journal::default();
    match write_all(options, plan, lib, &dist_info, &mut journal) {
        Ok(files) => {
            journal.commit();
            Ok(Installed {
                name: wheel.name.clone(),
                version: wheel.version.clone(),
                dist_info,
                files,
            })
        }
        Err(err) => {
            journal.roll_back();
            Err(err)
        }
    }
}

/// How many wheels [`install_all`] installs at once by default: installing
/// waits on the filesystem (a `mkdir` or a link a file), not on the CPU, so
/// a few more than the cores keep it busy.
pub const INSTALL_JOBS: usize = 8;

/// Installs `wheels` — different distributions — into `target`, up to
/// `jobs` at a time, each as [`install`] does (all of it or, on an error,
/// none of it). After a failure no other install starts; the ones running
/// finish, and the first failure in the order of `wheels` is returned.
/// `done(i, installed)` is called as `wheels[i]` is installed, with
/// `options[i]`.
pub fn install_all(
    wheels: &[(&UnpackedWheel, InstallOptions<'_>)],
    target: &Target,
    jobs: usize,
    done: &(dyn Fn(usize, &Installed) + Sync),
) -> Result<Vec<Installed>, Error> {
    crate::parallel::try_each(wheels, jobs, |at, (wheel, options)| {
        let installed = install(wheel, target, options)?;
        done(at, &installed);
        Ok(installed)
    })
    .into_iter()
    .collect()
}

fn invalid(wheel: &UnpackedWheel, reason: String) -> Error {
    Error::InvalidWheel {
        wheel: wheel.file_name.clone(),
        reason,
    }
}

/// Whether `name` may name a file in the scripts folder: not empty, `.`
/// or `..`, no `/`, `\\`, NUL or other control character, at most 255
/// bytes (the usual file name limit).
fn is_file_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.len() <= 255
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

/// `base/relative`, proven to stay inside `base` once normalized: the
/// last word on every path a wheel's content turns into.
fn inside(wheel: &UnpackedWheel, base: &Path, relative: &str) -> Result<PathBuf, Error> {
    crate::fs::join_inside(base, relative).ok_or_else(|| {
        invalid(
            wheel,
            format!("`{relative}` would be written outside `{}`", base.display()),
        )
    })
}

fn plan(wheel: &UnpackedWheel, target: &Target) -> Result<Vec<Planned>, Error> {
    let lib = if wheel.root_is_purelib {
        &target.purelib
    } else {
        &target.platlib
    };
    let data_dir = format!("{}.data", wheel.dist_info.trim_end_matches(".dist-info"));
    let shebang_for_scripts = &target.shebang;
    let mut plan = Vec::new();
    for entry in &wheel.files {
        let from = wheel.root.join(&entry.path);
        let mut parts = entry.path.splitn(3, '/');
        let first = parts.next().unwrap_or_default();
        let (to, is_script) = if first == data_dir {
            let key = parts.next().unwrap_or_default();
            let rest = parts
                .next()
                .ok_or_else(|| invalid(wheel, format!("`{}` is not inside a scheme folder", entry.path)))?;
            let base = match key {
                "purelib" => target.purelib.clone(),
                "platlib" => target.platlib.clone(),
                "scripts" => target.scripts.clone(),
                "data" => target.data.clone(),
                // The store checked the name against the specification.
                "headers" => target.headers.join(normalize(&wheel.name)),
                other => {
                    return Err(invalid(
                        wheel,
                        format!("`{}` uses the unknown scheme key `{other}`", entry.path),
                    ));
                }
            };
            (inside(wheel, &base, rest)?, key == "scripts")
        } else {
            (inside(wheel, lib, &entry.path)?, false)
        };
        target.may_write(wheel, &to)?;
        let source = if is_script {
            // > Scripts starting with `#!python` get the environment's
            // > interpreter; all scripts are made executable (a real copy).
            let contents = fs_err::read(&from).map_err(PathError::with("read", &from))?;
            let contents =
                scripts::rewrite_python_shebang(&contents, shebang_for_scripts).unwrap_or(contents);
            Source::Write {
                contents,
                executable: true,
            }
        } else {
            Source::Link {
                from,
                entry: entry.clone(),
            }
        };
        plan.push(Planned { to, source });
    }

    // Console and GUI launchers from entry_points.txt.
    let entry_points = wheel.root.join(&wheel.dist_info).join("entry_points.txt");
    if entry_points.is_file() {
        let text = fs_err::read_to_string(&entry_points).map_err(PathError::with("read", &entry_points))?;
        let points =
            entry_points::scripts(&text).map_err(|e| invalid(wheel, format!("entry_points.txt: {e}")))?;
        for point in versioned_names(&wheel.name, points, target.python) {
            if !is_file_name(&point.name) {
                return Err(invalid(
                    wheel,
                    format!(
                        "the script name `{}` is not a file name",
                        point.name.escape_debug()
                    ),
                ));
            }
            let to = target.scripts.join(&point.name);
            target.may_write(wheel, &to)?;
            plan.push(Planned {
                to,
                source: Source::Write {
                    contents: scripts::launcher(&point, &target.shebang).into_bytes(),
                    executable: true,
                },
            });
        }
    }
    Ok(plan)
}

/// pip's rule for its own and setuptools' versioned scripts: the wheel's
/// `pip3.X` / `easy_install-3.X` were named for the Python that built it;
/// the target gets `pip`, `pip3`, `pip3.Y` for its own version.
fn versioned_names(project: &str, points: Vec<EntryPoint>, (major, minor): (u32, u32)) -> Vec<EntryPoint> {
    let (base, versions): (&str, Vec<String>) = match normalize(project).as_str() {
        "pip" => (
            "pip",
            vec![String::new(), format!("{major}"), format!("{major}.{minor}")],
        ),
        "setuptools" => ("easy_install", vec![String::new(), format!("-{major}.{minor}")]),
        _ => return points,
    };
    let is_versioned = |name: &str| {
        name.strip_prefix(base).is_some_and(|rest| {
            !rest.is_empty()
                && rest
                    .trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.')
        })
    };
    let Some(template) = points.iter().find(|p| p.name == base).cloned() else {
        return points;
    };
    let mut out: Vec<EntryPoint> = points
        .into_iter()
        .filter(|p| p.name != base && !is_versioned(&p.name))
        .collect();
    for version in versions {
        out.push(EntryPoint {
            name: format!("{base}{version}"),
            ..template.clone()
        });
    }
    out
}

fn write_all(
    options: &InstallOptions<'_>,
    plan: Vec<Planned>,
    lib: &Path,
    dist_info: &Path,
    journal: &mut Journal,
) -> Result<Vec<PathBuf>, Error> {
    let mut rows = Vec::new();
    let mut files = Vec::new();
    for planned in plan {
        let row = match planned.source {
            Source::Link { from, entry } => {
                journal.put(&planned.to, || {
                    options
                        .linker
                        .link(&from, &planned.to)
                        .map_err(|source| Error::Link {
                            mode: options
                                .linker
                                .chosen()
                                .or(options.linker.forced())
                                .map_or("link", |m| m.name()),
                            from: from.clone(),
                            source,
                        })
                })?;
                RecordEntry {
                    path: relative_to(&planned.to, lib),
                    ..entry
                }
            }
            Source::Write { contents, executable } => {
                journal.put(&planned.to, || write_file(&planned.to, &contents, executable))?;
                RecordEntry::for_contents(relative_to(&planned.to, lib), &contents)
            }
        };
        files.push(planned.to);
        rows.push(row);
    }

    // > 1.e Write INSTALLER, REQUESTED, direct_url.json; > 1.f rewrite RECORD.
    let mut extra: Vec<(&str, Vec<u8>)> = vec![("INSTALLER", b"fenv\n".to_vec())];
    if options.requested {
        extra.push(("REQUESTED", Vec::new()));
    }
    if let Some(direct_url) = &options.direct_url {
        extra.push(("direct_url.json", direct_url.clone().into_bytes()));
    }
    if let Some(fingerprint) = &options.source_tree {
        let json = serde_json::json!({ "fingerprint": fingerprint });
        extra.push((SOURCE_FILE, format!("{json}\n").into_bytes()));
    }
    for (name, contents) in extra {
        let path = dist_info.join(name);
        journal.put(&path, || write_file(&path, &contents, false))?;
        rows.push(RecordEntry::for_contents(relative_to(&path, lib), &contents));
        files.push(path);
    }
    let record_path = dist_info.join("RECORD");
    rows.retain(|row| row.path != relative_to(&record_path, lib));
    rows.push(RecordEntry {
        path: relative_to(&record_path, lib),
        hash: String::new(),
        size: None,
    });
    let record = record::render(&rows);
    journal.put(&record_path, || {
        write_file(&record_path, record.as_bytes(), false)
    })?;
    files.push(record_path);
    Ok(files)
}

/// Writes a new file; an existing one is an `AlreadyExists` error, which
/// [`Journal::put`] answers by moving it aside.
fn write_file(path: &Path, contents: &[u8], executable: bool) -> Result<(), Error> {
    use fs_err::os::unix::fs::OpenOptionsExt;
    use std::io::Write;
    // 0666, or 0777, before the umask, as pip writes them.
    let mut file = fs_err::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if executable { 0o777 } else { 0o666 })
        .open(path)
        .map_err(PathError::with("write", path))?;
    file.write_all(contents)
        .map_err(|e| PathError::new("write", path, e).into())
}

/// `path` relative to `base` (`../../../bin/x` for scripts), as RECORD wants.
pub fn relative_to(path: &Path, base: &Path) -> String {
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out: Vec<String> = std::iter::repeat_n("..".to_string(), base.len() - common).collect();
    out.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    out.join("/")
}

/// What an install changed, to undo it.
#[derive(Default)]
struct Journal {
    created: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
    /// Folders known to exist, so each is checked once.
    known: HashSet<PathBuf>,
    /// (original, where it was moved aside).
    replaced: Vec<(PathBuf, PathBuf)>,
}

impl Journal {
    /// Makes `path`'s folder (once per folder).
    fn prepare(&mut self, path: &Path) -> Result<(), Error> {
        match path.parent() {
            Some(parent) if !self.known.contains(parent) => self.make_dir(parent),
            _ => Ok(()),
        }
    }

    /// Makes `dir` and any missing parents, noting the ones it made, with
    /// no `stat` first: below the nearest folder known to exist, top down
    /// (one `mkdir` each, the usual case in a wheel's tree); with none
    /// known, bottom up from `dir` to the first that exists.
    fn make_dir(&mut self, dir: &Path) -> Result<(), Error> {
        let unknown: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|d| !self.known.contains(*d))
            .map(Path::to_path_buf)
            .collect();
        if unknown.len() < dir.ancestors().count() {
            for dir in unknown.iter().rev() {
                self.mkdir(dir).map_err(PathError::with("create", dir))?;
            }
            return Ok(());
        }
        match self.mkdir(dir) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && dir.parent().is_some() => {
                self.make_dir(dir.parent().unwrap_or(dir))?;
                self.mkdir(dir)
                    .map_err(|e| PathError::new("create", dir, e).into())
            }
            Err(err) => Err(PathError::new("create", dir, err).into()),
        }
    }

    /// One `mkdir`; a folder already there (made by another install into
    /// the same target, say) is fine.
    fn mkdir(&mut self, dir: &Path) -> std::io::Result<()> {
        match fs_err::create_dir(dir) {
            Ok(()) => self.dirs.push(dir.to_path_buf()),
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(err) => return Err(err),
        }
        self.known.insert(dir.to_path_buf());
        Ok(())
    }

    /// Runs `put` to create `path`; if a file is already there, it is moved
    /// aside first (and put back on roll-back).
    fn put(&mut self, path: &Path, mut put: impl FnMut() -> Result<(), Error>) -> Result<(), Error> {
        self.prepare(path)?;
        match put() {
            Err(err) if fs_err::symlink_metadata(path).is_ok() => {
                let aside = path.with_file_name(format!(
                    ".fenv-replaced-{}-{}",
                    std::process::id(),
                    path.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ));
                fs_err::rename(path, &aside).map_err(PathError::with("move aside", path))?;
                self.replaced.push((path.to_path_buf(), aside));
                drop(err);
                put()?;
            }
            result => result?,
        }
        self.created.push(path.to_path_buf());
        Ok(())
    }

    fn commit(self) {
        for (_, aside) in self.replaced {
            let _ = fs_err::remove_file(aside);
        }
    }

    fn roll_back(self) {
        for path in self.created.iter().rev() {
            let _ = fs_err::remove_file(path);
        }
        for (original, aside) in self.replaced.iter().rev() {
            let _ = fs_err::rename(aside, original);
        }
        for dir in self.dirs.iter().rev() {
            let _ = fs_err::remove_dir(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_paths_are_relative_to_site_packages() {
        let lib = Path::new("/v/lib/python3.12/site-packages");
        assert_eq!(
            relative_to(Path::new("/v/lib/python3.12/site-packages/a/b.py"), lib),
            "a/b.py"
        );
        assert_eq!(relative_to(Path::new("/v/bin/pip"), lib), "../../../bin/pip");
        assert_eq!(relative_to(Path::new("/v/share/x"), lib), "../../../share/x");
    }

    #[test]
    fn the_journal_makes_missing_folders_once_and_removes_them_on_roll_back() {
        let root = tempfile::tempdir().unwrap();
        let lib = root.path().join("lib");
        fs_err::create_dir(&lib).unwrap();
        let mut journal = Journal::default();
        // Deep first (no folder known yet: bottom up), then beside it
        // (below a known folder: top down), then an existing one.
        journal.prepare(&lib.join("pkg/data/x/file")).unwrap();
        journal.prepare(&lib.join("pkg/data/y/z/file")).unwrap();
        journal.prepare(&lib.join("pkg/data/x/other")).unwrap();
        journal.prepare(&lib.join("top.py")).unwrap();
        let made: Vec<String> = journal.dirs.iter().map(|d| relative_to(d, &lib)).collect();
        assert_eq!(
            made,
            ["pkg", "pkg/data", "pkg/data/x", "pkg/data/y", "pkg/data/y/z"]
        );
        assert!(lib.join("pkg/data/y/z").is_dir());

        // A file where a folder should be is an error, not a silent pass.
        fs_err::write(lib.join("pkg/blocker"), "").unwrap();
        assert!(journal.prepare(&lib.join("pkg/blocker/file")).is_err());
        fs_err::remove_file(lib.join("pkg/blocker")).unwrap();

        journal.roll_back();
        assert_eq!(fs_err::read_dir(&lib).unwrap().count(), 0);
    }

    #[test]
    fn pip_scripts_follow_the_target_version() {
        let point = |name: &str| EntryPoint {
            name: name.into(),
            module: "pip._internal.cli.main".into(),
            object: "main".into(),
            gui: false,
        };
        let names: Vec<String> = versioned_names(
            "pip",
            vec![point("pip"), point("pip3"), point("pip3.11")],
            (3, 12),
        )
        .into_iter()
        .map(|p| p.name)
        .collect();
        assert_eq!(names, ["pip", "pip3", "pip3.12"]);
        let names: Vec<String> = versioned_names("demo", vec![point("demo3.11")], (3, 12))
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["demo3.11"]);
    }
}
