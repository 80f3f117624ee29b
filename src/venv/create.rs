//! The creation pipeline: one function of commented steps.
//!
//! A new environment is built in a hidden staging folder beside its
//! destination and moved into place in one rename (or, replacing an
//! existing one, one atomic exchange), so a failure or a kill leaves the
//! old environment untouched or nothing. Paths written into files are the
//! final ones, computed before anything is touched.

use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use fs_err as fs;

use crate::fs::PathError;
use crate::printer::Printer;
use crate::python::InterpreterInfo;
use crate::venv::activate::{self, ActivationContext};
use crate::venv::cfg::{PyvenvCfg, python_repr};
use crate::venv::seed::{self, Seeder};
use crate::venv::{CreateOptions, Error, InterpreterLink, Layout, OnExisting, Seed};

/// An environment that was created (or upgraded).
#[derive(Debug, Clone)]
pub struct Created {
    /// Its absolute path, as written into its files.
    pub path: PathBuf,
    pub layout: Layout,
    /// The bare prompt its activation scripts show.
    pub prompt: String,
    /// Whether an existing environment (or folder) was replaced.
    pub replaced: bool,
    /// Whether an existing environment was refreshed in place.
    pub refreshed: bool,
}

/// What is at the destination before fenv touches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Missing,
    EmptyDir,
    Venv,
    OtherDir,
}

/// Creates (or, with [`OnExisting::Upgrade`], upgrades) the environment
/// at `dir` for the interpreter `info`.
pub fn create(
    dir: &Path,
    info: &InterpreterInfo,
    options: &CreateOptions,
    seeder: &Seeder<'_>,
    printer: &Printer,
) -> Result<Created, Error> {
    // Step 1: every path and value, before anything is touched, so that
    // clearing the current folder cannot change them.
    let env = crate::fs::absolute(dir).map_err(PathError::with("resolve", dir))?;
    let layout = Layout::for_interpreter(info);
    let env_str = env.to_str().ok_or_else(|| Error::UnsafePath {
        path: env.clone(),
        why: activate::UnsafeValue::NotUtf8,
    })?;
    activate::check_path(env_str, layout.windows).map_err(|why| Error::UnsafePath {
        path: env.clone(),
        why,
    })?;
    let prompt = Prompt::resolve(options.prompt.as_deref(), &env)?;

    // Step 2: what is there. A symlinked destination stays a symlink: the
    // work happens at its target.
    let (real, state) = inspect(&env)?;

    // Step 3: decide, refusing anything that would lose data.
    let replacing = match (state, options.on_existing) {
        (State::Missing | State::EmptyDir, OnExisting::Upgrade) => {
            return Err(Error::NothingToUpgrade { path: env });
        }
        (State::Venv, OnExisting::Upgrade | OnExisting::Refresh) => {
            upgrade(
                &real, &env, env_str, &layout, info, options, &prompt, seeder, printer,
            )?;
            return Ok(Created {
                path: env,
                layout,
                prompt: prompt.display,
                replaced: false,
                refreshed: true,
            });
        }
        (State::OtherDir, OnExisting::Refresh | OnExisting::Upgrade | OnExisting::Clear { force: false }) => {
            return Err(Error::NotAVenv {
                path: env,
                clear_requested: matches!(options.on_existing, OnExisting::Clear { .. }),
            });
        }
        (State::Missing, _) => Placement::New,
        (State::EmptyDir, _) => Placement::IntoEmpty,
        (State::Venv | State::OtherDir, OnExisting::Clear { .. }) => Placement::Replace,
    };

    // Step 4: build the whole environment in a staging folder beside it,
    // pip included, so that nothing is placed before everything worked.
    let parent = real.parent().unwrap_or(Path::new("/"));
    fs::create_dir_all(parent).map_err(|e| io_error("create", parent, e))?;
    remove_abandoned_staging(parent);
    // 0777 before the umask, as `python -m venv` makes the folder.
    let staging = tempfile::Builder::new()
        .prefix(&format!("{STAGING_PREFIX}{}-", std::process::id()))
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o777))
        .tempdir_in(parent)
        .map_err(|e| io_error("create a folder in", parent, e))?;
    populate(staging.path(), env_str, &layout, info, options, &prompt, printer)?;
    if let Seed::Pip { .. } = options.seed {
        seed::seed_pip(
            staging.path(),
            &env,
            &layout,
            info,
            options.relocatable,
            seeder,
            printer,
        )?;
    }

    // Step 5: move it into place in one step, then drop what it replaced.
    let placed = place(staging.keep(), &real, replacing)?;
    placed.finish(printer);

    // Step 6: `--upgrade-deps` upgrades the placed environment, as venv
    // does; if it fails, the environment stays, with the bundled pip.
    if options.seed == (Seed::Pip { upgrade_deps: true }) {
        seed::upgrade_deps(&real, &layout, info, options.relocatable, seeder, printer)?;
    }
    Ok(Created {
        path: env,
        layout,
        prompt: prompt.display,
        replaced: replacing == Placement::Replace,
        refreshed: false,
    })
}

/// Staging folders are named `.fenv-staging-<pid>-<random>`.
const STAGING_PREFIX: &str = ".fenv-staging-";

/// Removes staging folders left in `parent` by fenv processes that were
/// killed: their pid no longer runs.
fn remove_abandoned_staging(parent: &Path) {
    let Ok(entries) = fs_err::read_dir(parent) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(STAGING_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .map(|(pid, _)| pid)
        else {
            continue;
        };
        if !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = fs_err::remove_dir_all(entry.path());
        }
    }
}

/// What CPython 3.13's venv writes into `.gitignore`.
const GITIGNORE: &str = "# Created by venv; see https://docs.python.org/3/library/venv.html\n*\n";

/// The prompt in its two forms.
struct Prompt {
    /// What the shell shows between parentheses.
    display: String,
    /// The value written into `pyvenv.cfg` (only when given).
    cfg: Option<String>,
    /// As the user typed it, for the `command =` line.
    original: Option<String>,
}

impl Prompt {
    fn resolve(given: Option<&str>, env: &Path) -> Result<Self, Error> {
        let folder_name = |path: &Path| {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let prompt = match given {
            None => Self {
                display: folder_name(env),
                cfg: None,
                original: None,
            },
            Some(given) => {
                // `.` means the current folder's name (venv 3.9+, bpo-38901).
                let resolved = if given == "." {
                    folder_name(&std::env::current_dir().map_err(PathError::with("read", "."))?)
                } else {
                    given.to_string()
                };
                Self {
                    display: resolved.clone(),
                    cfg: Some(resolved),
                    original: Some(given.to_string()),
                }
            }
        };
        activate::check_prompt(&prompt.display).map_err(|why| Error::UnsafePrompt {
            prompt: prompt.display.clone(),
            why,
        })?;
        Ok(prompt)
    }
}

fn inspect(env: &Path) -> Result<(PathBuf, State), Error> {
    let metadata = match fs_err::symlink_metadata(env) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok((env.to_path_buf(), State::Missing)),
        Err(err) => return Err(io_error("inspect", env, err)),
    };
    if metadata.is_symlink() {
        return match fs_err::canonicalize(env) {
            Ok(target) => inspect(&target),
            // A dangling link: create the environment where it points.
            Err(_) => {
                let target = fs::read_link(env).map_err(|e| io_error("read", env, e))?;
                let target = crate::fs::normalize(&env.parent().unwrap_or(Path::new("/")).join(target));
                inspect(&target)
            }
        };
    }
    if !metadata.is_dir() {
        return Err(Error::IsFile {
            path: env.to_path_buf(),
        });
    }
    let state = if crate::fs::is_empty_dir(env).map_err(|e| io_error("read", env, e))? {
        State::EmptyDir
    } else if env.join("pyvenv.cfg").is_file() {
        State::Venv
    } else {
        State::OtherDir
    };
    Ok((env.to_path_buf(), state))
}

/// Writes every file of a fresh environment into `root`.
fn populate(
    root: &Path,
    env_str: &str,
    layout: &Layout,
    info: &InterpreterInfo,
    options: &CreateOptions,
    prompt: &Prompt,
    printer: &Printer,
) -> Result<(), Error> {
    // The folders venv makes, and `lib64 -> lib` on 64-bit Linux.
    for dir in [&layout.include, &layout.site_packages, &layout.bin] {
        let path = root.join(dir);
        fs::create_dir_all(&path).map_err(|e| io_error("create", &path, e))?;
    }
    if layout.lib64 {
        symlink(Path::new("lib"), &root.join("lib64"))?;
    }

    // Beyond venv: keep the environment out of git and out of backups.
    if options.scm_ignore_files {
        write(&root.join(".gitignore"), GITIGNORE)?;
    }
    write(&root.join("CACHEDIR.TAG"), crate::fs::CACHEDIR_TAG)?;

    // PEP 405: `pyvenv.cfg` makes this a virtual environment.
    let cfg = pyvenv_cfg(info, options, env_str, prompt);
    write(&root.join("pyvenv.cfg"), cfg.render())?;

    link_interpreter(root, layout, info, options.link, false)?;

    // Activation scripts, every value quoted for its shell.
    write_scripts(
        &root.join(&layout.bin),
        env_str,
        layout,
        options,
        prompt,
        printer,
        |path: &Path, bytes: &[u8]| write(path, bytes),
    )
}

/// The activation scripts, into `bin`, each written by `write`.
fn write_scripts(
    bin: &Path,
    env_str: &str,
    layout: &Layout,
    options: &CreateOptions,
    prompt: &Prompt,
    printer: &Printer,
    write: fn(&Path, &[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let context = ActivationContext {
        env_dir: env_str,
        bin_name: layout.bin_name(),
        prompt: &prompt.display,
        relocatable: options.relocatable,
        windows: layout.windows,
    };
    for omission in activate::omitted(&context) {
        printer.verbose(format!("not writing `{}`: {}", omission.name, omission.reason));
    }
    for script in activate::scripts(&context) {
        let path = bin.join(script.name);
        write(&path, script.contents.as_ref())?;
        set_mode(&path, 0o644)?;
    }
    Ok(())
}

/// `--upgrade`: re-link the interpreter and rewrite `pyvenv.cfg` in place,
/// keeping packages and (as venv does) leaving the scripts alone; pip is
/// installed if it is missing.
#[allow(clippy::too_many_arguments)]
fn upgrade(
    real: &Path,
    env: &Path,
    env_str: &str,
    layout: &Layout,
    info: &InterpreterInfo,
    options: &CreateOptions,
    prompt: &Prompt,
    seeder: &Seeder<'_>,
    printer: &Printer,
) -> Result<(), Error> {
    for dir in [&layout.include, &layout.site_packages, &layout.bin] {
        let path = real.join(dir);
        fs::create_dir_all(&path).map_err(|e| io_error("create", &path, e))?;
    }
    if layout.lib64 && fs_err::symlink_metadata(real.join("lib64")).is_err() {
        symlink(Path::new("lib"), &real.join("lib64"))?;
    }
    if options.scm_ignore_files {
        write_atomic(&real.join(".gitignore"), GITIGNORE)?;
    }
    let cfg = pyvenv_cfg(info, options, env_str, prompt);
    write_atomic(&real.join("pyvenv.cfg"), cfg.render())?;
    link_interpreter(real, layout, info, options.link, true)?;
    // venv run again writes its scripts anew; `--upgrade` leaves them.
    if options.on_existing == OnExisting::Refresh {
        write_scripts(
            &real.join(&layout.bin),
            env_str,
            layout,
            options,
            prompt,
            printer,
            |path: &Path, bytes: &[u8]| write_atomic(path, bytes),
        )?;
    }
    printer.verbose(format!("upgraded `{}` in place", env.display()));
    if let Seed::Pip { upgrade_deps } = options.seed {
        let site_packages = real.join(&layout.site_packages);
        if crate::install::installed::find(&site_packages, "pip")?.is_none() {
            seed::seed_pip(real, env, layout, info, options.relocatable, seeder, printer)?;
        }
        if upgrade_deps {
            seed::upgrade_deps(real, layout, info, options.relocatable, seeder, printer)?;
        }
    }
    Ok(())
}

/// The `pyvenv.cfg` venv of this interpreter would write, then fenv's keys.
fn pyvenv_cfg(info: &InterpreterInfo, options: &CreateOptions, env_str: &str, prompt: &Prompt) -> PyvenvCfg {
    let version = info.minor();
    let mut cfg = PyvenvCfg::default();
    // `home` is the folder of the unresolved base executable (PEP 405).
    let home = info.base_executable.parent().unwrap_or(Path::new(""));
    cfg.push("home", home.display().to_string());
    cfg.push(
        "include-system-site-packages",
        if options.system_site_packages {
            "true"
        } else {
            "false"
        },
    );
    cfg.push("version", info.version_string());
    let prompt_line = prompt.cfg.as_deref().map(python_repr);
    if version >= (3, 8)
        && let Some(line) = &prompt_line
    {
        cfg.push("prompt", line.clone());
    }
    if version >= (3, 11) {
        cfg.push("executable", info.real_executable.display().to_string());
        cfg.push("command", command_line(info, options, env_str, prompt));
    }
    // 3.7's venv writes no `prompt` key, and neither does fenv for it: the
    // activation scripts carry the prompt themselves.
    cfg.push("fenv", crate::VERSION);
    if options.relocatable {
        cfg.push("relocatable", "true");
    }
    if let Seed::Pip { .. } = options.seed {
        cfg.push("seed", seed::seed_packages(info).join(" "));
    }
    cfg
}

/// `command =` as venv 3.11+ writes it: fixed flag order, the prompt in
/// double quotes without escaping (CPython 3.11's `venv`).
fn command_line(info: &InterpreterInfo, options: &CreateOptions, env_str: &str, prompt: &Prompt) -> String {
    let mut parts = vec![info.executable.display().to_string(), "-m".into(), "venv".into()];
    if options.link == InterpreterLink::Copy {
        parts.push("--copies".into());
    }
    if options.seed == Seed::None {
        parts.push("--without-pip".into());
    }
    if options.system_site_packages {
        parts.push("--system-site-packages".into());
    }
    match options.on_existing {
        OnExisting::Clear { .. } => parts.push("--clear".into()),
        OnExisting::Upgrade => parts.push("--upgrade".into()),
        OnExisting::Refresh => {}
    }
    if options.seed == (Seed::Pip { upgrade_deps: true }) {
        parts.push("--upgrade-deps".into());
    }
    if let Some(original) = &prompt.original {
        parts.push(format!("--prompt=\"{original}\""));
    }
    if !options.scm_ignore_files && info.minor() >= (3, 13) {
        parts.push("--without-scm-ignore-files".into());
    }
    parts.push(env_str.to_string());
    parts.join(" ")
}

/// Puts the interpreter into `bin/`: the primary name linked (or copied)
/// from the base executable, the aliases linked relatively to it. When
/// `keep_existing`, existing links stay as they are (venv's `--upgrade`).
fn link_interpreter(
    root: &Path,
    layout: &Layout,
    info: &InterpreterInfo,
    link: InterpreterLink,
    keep_existing: bool,
) -> Result<(), Error> {
    let bin = root.join(&layout.bin);
    let base = &info.base_executable;
    let primary = bin.join(&layout.primary);
    let names = std::iter::once((primary.clone(), base.clone())).chain(
        layout
            .aliases
            .iter()
            .map(|alias| (bin.join(alias), PathBuf::from(&layout.primary))),
    );
    for (path, target) in names {
        let existing = fs_err::symlink_metadata(&path).ok();
        if keep_existing
            && existing
                .as_ref()
                .is_some_and(|m| m.is_symlink() || path != primary)
        {
            continue;
        }
        match link {
            InterpreterLink::Symlink if existing.is_none() => {
                if let Err(err) = fs_err::os::unix::fs::symlink(&target, &path) {
                    // Filesystems without symlinks (CIFS, some FUSE) get a copy.
                    if err.kind() != io::ErrorKind::Unsupported && err.raw_os_error() != Some(1) {
                        return Err(io_error("link", &path, err));
                    }
                    copy_executable(base, &path)?;
                }
            }
            _ => copy_executable(base, &path)?,
        }
    }
    Ok(())
}

/// A full copy of the interpreter, mode 0755, replacing atomically.
fn copy_executable(from: &Path, to: &Path) -> Result<(), Error> {
    let parent = to.parent().unwrap_or(Path::new("."));
    let temp = tempfile::Builder::new()
        .prefix(".fenv-copy")
        .tempfile_in(parent)
        .map_err(|e| io_error("create a file in", parent, e))?;
    fs::copy(from, temp.path()).map_err(|e| io_error("copy the interpreter to", to, e))?;
    set_mode(temp.path(), 0o755)?;
    temp.persist(to).map_err(|e| io_error("write", to, e.error))?;
    Ok(())
}

/// How the staged environment reaches its destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    New,
    IntoEmpty,
    Replace,
}

/// A placed environment, and where what it replaced now is.
struct Placed {
    /// The replaced contents, until [`Placed::finish`] removes them.
    old: Option<PathBuf>,
}

fn place(staging: PathBuf, real: &Path, placement: Placement) -> Result<Placed, Error> {
    let cleanup = |err: Error| {
        let _ = fs_err::remove_dir_all(&staging);
        err
    };
    match placement {
        // rename(2) also replaces an empty folder in one step, except the
        // current folder, which must keep its identity for the user's shell.
        Placement::New | Placement::IntoEmpty if !is_current_dir(real) => {
            fs::rename(&staging, real).map_err(|e| cleanup(io_error("move the environment to", real, e)))?;
            Ok(Placed { old: None })
        }
        Placement::New | Placement::IntoEmpty => {
            move_entries(&staging, real).map_err(cleanup)?;
            let _ = fs_err::remove_dir(&staging);
            Ok(Placed { old: None })
        }
        Placement::Replace if is_current_dir(real) => {
            clear_dir(real).map_err(cleanup)?;
            move_entries(&staging, real).map_err(cleanup)?;
            let _ = fs_err::remove_dir(&staging);
            Ok(Placed { old: None })
        }
        Placement::Replace => {
            exchange(&staging, real).map_err(|e| cleanup(io_error("replace", real, e)))?;
            Ok(Placed { old: Some(staging) })
        }
    }
}

impl Placed {
    /// Removes what was replaced.
    fn finish(self, printer: &Printer) {
        if let Some(old) = self.old
            && let Err(err) = fs_err::remove_dir_all(&old)
        {
            printer.warn(format!(
                "could not remove the old environment at `{}`: {err}",
                old.display()
            ));
        }
    }
}

/// Swaps two folders atomically (Linux `renameat2(RENAME_EXCHANGE)`),
/// falling back to two renames where the filesystem cannot exchange.
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(err) if err == rustix::io::Errno::INVAL || err == rustix::io::Errno::NOSYS => {
            let aside = a.with_extension("fenv-swap");
            fs_err::rename(b, &aside)?;
            if let Err(err) = fs_err::rename(a, b) {
                let _ = fs_err::rename(&aside, b);
                return Err(err);
            }
            fs_err::rename(&aside, a)
        }
        Err(err) => Err(err.into()),
    }
}

fn move_entries(from: &Path, to: &Path) -> Result<(), Error> {
    let entries = fs::read_dir(from).map_err(|e| io_error("read", from, e))?;
    // `pyvenv.cfg` last: until it is there, the folder is not a venv.
    let mut names: Vec<_> = entries.filter_map(Result::ok).map(|e| e.file_name()).collect();
    names.sort_by_key(|name| name == "pyvenv.cfg");
    for name in names {
        let target = to.join(&name);
        fs::rename(from.join(&name), &target).map_err(|e| io_error("move", &target, e))?;
    }
    Ok(())
}

/// Deletes everything inside `dir`, keeping `dir` itself.
fn clear_dir(dir: &Path) -> Result<(), Error> {
    for entry in fs::read_dir(dir).map_err(|e| io_error("read", dir, e))? {
        let path = entry.map_err(|e| io_error("read", dir, e))?.path();
        let is_dir = fs_err::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        let result = if is_dir {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        result.map_err(|e| io_error("delete", &path, e))?;
    }
    Ok(())
}

fn is_current_dir(path: &Path) -> bool {
    match (std::env::current_dir(), fs_err::canonicalize(path)) {
        (Ok(cwd), Ok(path)) => cwd.starts_with(path),
        _ => false,
    }
}

fn symlink(target: &Path, link: &Path) -> Result<(), Error> {
    fs_err::os::unix::fs::symlink(target, link).map_err(|e| io_error("link", link, e))
}

fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), Error> {
    fs_err::write(path, contents).map_err(|e| io_error("write", path, e))
}

fn write_atomic(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), Error> {
    crate::fs::write_atomic(path, contents).map_err(|e| io_error("write", path, e))
}

fn set_mode(path: &Path, mode: u32) -> Result<(), Error> {
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| io_error("set the mode of", path, e))
}

/// An [`Error::Io`] whose message names the path once: fs-err and
/// tempfile add it to their messages, ours already has it.
fn io_error(action: &'static str, path: &Path, err: io::Error) -> Error {
    Error::Io(PathError::new(action, path.to_path_buf(), err))
}
