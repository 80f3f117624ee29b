//! The command line, as clap derive definitions.
//!
//! These types hold raw input and only validate its shape; [`settings`]
//! turns them into what the commands need, so commands never see clap.

pub mod settings;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::printer::ColorChoice;

/// Python virtual environments for serverless function projects.
///
/// fenv mirrors `python -m venv` (same options, layout and `pyvenv.cfg`),
/// finds every installed Python, and writes safe activation scripts for
/// every shell.
#[derive(Debug, Parser)]
#[command(name = "fenv", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print only data and errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more detail (what was found, what was run).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Never touch the network; use only what is cached.
    #[arg(long, global = true, env = "FENV_OFFLINE", value_parser = parse_switch)]
    pub offline: bool,

    /// Where fenv keeps its cache [default: $XDG_CACHE_HOME/fenv or ~/.cache/fenv].
    #[arg(long, global = true, env = "FENV_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a virtual environment (default `.venv`), like `python -m venv`.
    #[command(infer_long_args = true)]
    Create(CreateArgs),

    /// Find and list the Python interpreters on this machine.
    #[command(subcommand)]
    Python(PythonCommand),

    /// Print the command that activates an environment in your shell.
    Activate(ActivateArgs),

    /// Start a function project: pyproject.toml, .python-version, api/hello.py.
    Init(InitArgs),

    /// Resolve the project's dependencies for every target into `pylock.toml`.
    Lock(LockArgs),

    /// Make an environment hold exactly the lock's packages; create it if missing.
    Sync(SyncArgs),

    /// Run a command in the environment, as if it were activated; sync it first.
    Run(RunArgs),

    /// Serve the project's functions locally, each in a warm worker of the env's Python.
    Serve(ServeArgs),

    /// Call one function once with an event, as Lambda would: `sam local invoke` without Docker.
    Invoke(InvokeArgs),

    /// Report how the environment and the lock differ from what they should be.
    Check(CheckArgs),

    /// For CI jobs: sync the environment to the committed lock, check it, export it.
    Ci(CiArgs),

    /// List what is installed in an environment, like `pip freeze`.
    Freeze(FreezeArgs),

    /// Build one deployable zip a function, from the lock, for Lambda or Vercel.
    Bundle(BundleArgs),

    /// Inspect and clean fenv's cache.
    #[command(subcommand)]
    Cache(CacheCommand),

    /// Show what fenv reads from files, for debugging (not a stable interface).
    #[command(subcommand, hide = true)]
    Debug(DebugCommand),
}

/// `fenv debug`
#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Print, one JSON line per file, what fenv reads from core metadata
    /// files (`METADATA`, `PKG-INFO`): the fields the resolver uses, or why
    /// the file is refused.
    Metadata {
        /// The files; `-` reads one path per line from standard input.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// The index a lock is made and checked with; both are inputs of the
/// lock, so every command that may lock takes them.
#[derive(Debug, Clone, Default, Args)]
pub struct IndexArgs {
    /// The package index (the simple API's base URL) [default: the project's, else <https://pypi.org/simple>]; part of the lock's inputs.
    #[arg(long, value_name = "URL", env = "FENV_INDEX_URL")]
    pub index_url: Option<String>,

    /// Ignore files uploaded after this time (`2024-06-01` or RFC 3339), for reproducible locks; part of the lock's inputs.
    #[arg(long, value_name = "TIMESTAMP", env = "FENV_EXCLUDE_NEWER", value_parser = parse_timestamp)]
    pub exclude_newer: Option<String>,
}

/// Which environment and lock a command works on: `sync`, `check` and
/// `ci` take the same two.
#[derive(Debug, Clone, Default, Args)]
pub struct EnvArgs {
    /// The environment [default: the project's `[tool.fenv] env`, else `.venv` beside the manifest].
    #[arg(long, value_name = "DIR")]
    pub env: Option<PathBuf>,

    /// The lock [default: the project's `pylock.toml`].
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,
}

/// Which extras and dependency groups an environment gets, with uv's
/// flags: `sync`, `run` and `ci` take the same ones.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectArgs {
    /// Install this extra of the project too; repeatable.
    #[arg(long = "extra", value_name = "EXTRA", conflicts_with = "all_extras")]
    pub extras: Vec<String>,

    /// Install every extra of the project.
    #[arg(long)]
    pub all_extras: bool,

    /// Install this dependency group too; repeatable.
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,

    /// Leave this dependency group out, even when it is a default one; repeatable.
    #[arg(long = "no-group", value_name = "GROUP")]
    pub no_groups: Vec<String>,

    /// Install every dependency group.
    #[arg(long)]
    pub all_groups: bool,

    /// Leave the `dev` group out (as `--no-group dev`).
    #[arg(long)]
    pub no_dev: bool,

    /// Install no default group (`[tool.fenv] default-groups`, else `dev`) unless named.
    #[arg(long, conflicts_with = "all_groups")]
    pub no_default_groups: bool,

    /// Install only this dependency group and what it needs, not the
    /// project's dependencies; repeatable.
    #[arg(
        long = "only-group",
        value_name = "GROUP",
        conflicts_with_all = ["extras", "all_extras", "groups", "no_groups", "all_groups", "no_dev", "no_default_groups"]
    )]
    pub only_groups: Vec<String>,
}

/// `fenv lock`
#[derive(Debug, Args)]
pub struct LockArgs {
    /// Also lock for this target (`host`, `lambda`, `vercel`, or a name from
    /// `[tool.fenv.target.NAME]`); repeatable.
    #[arg(long = "target", value_name = "TARGET")]
    pub targets: Vec<String>,

    /// Re-resolve everything to the newest versions, ignoring the current pins.
    #[arg(long, conflicts_with = "upgrade_package")]
    pub upgrade: bool,

    /// Re-resolve this package to its newest version; repeatable.
    #[arg(short = 'P', long, value_name = "PACKAGE")]
    pub upgrade_package: Vec<String>,

    /// Exit 1, without writing, when the lock does not match the inputs (needs no network).
    #[arg(long, conflicts_with_all = ["upgrade", "upgrade_package"])]
    pub check: bool,

    /// Cover this interpreter's environment too (a version, a path or a
    /// name), recorded in the lock when `environments` does not already.
    #[arg(short, long, value_name = "REQUEST")]
    pub python: Option<String>,

    #[command(flatten)]
    pub index: IndexArgs,

    /// A folder of wheels to use beside the index; repeatable.
    #[arg(long, value_name = "DIR")]
    pub find_links: Vec<PathBuf>,

    /// Fetch index pages again even when the cached ones are fresh.
    #[arg(long)]
    pub refresh: bool,

    /// Allow pre-releases for every package.
    #[arg(long)]
    pub prerelease: bool,

    /// Never run a package's build backend: an sdist whose metadata would
    /// have to be built cannot be locked.
    #[arg(long, env = "FENV_NO_BUILD", value_parser = parse_switch)]
    pub no_build: bool,
}

/// `fenv init`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project folder, created if missing [default: the current folder].
    pub dir: Option<PathBuf>,

    /// Where the functions will run.
    #[arg(long, value_enum, default_value = "vercel")]
    pub target: crate::project::scaffold::InitTarget,
}

/// `fenv check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub place: EnvArgs,

    /// Print the findings as JSON on stdout.
    #[arg(long)]
    pub json: bool,

    /// Also load each function in a fresh process and report its cold import time.
    #[arg(long)]
    pub import_time: bool,

    #[command(flatten)]
    pub index: IndexArgs,
}

/// `fenv ci`
#[derive(Debug, Args)]
pub struct CiArgs {
    #[command(flatten)]
    pub place: EnvArgs,

    /// The Python for a new environment [default: `.python-version`, else the project's `requires-python`].
    #[arg(short, long, value_name = "REQUEST")]
    pub python: Option<String>,

    /// Also write `VIRTUAL_ENV` and `PATH` to this dotenv file (GitLab's `artifacts:reports:dotenv`).
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,

    /// Print a cache key for fenv's cache (platform, Python, lock) and do nothing else.
    #[arg(long)]
    pub cache_key: bool,

    /// How to put the packages' files in place from the cache, as for `fenv sync`.
    #[arg(long, value_enum, env = "FENV_LINK_MODE", value_name = "MODE")]
    pub link_mode: Option<crate::install::LinkMode>,

    #[command(flatten)]
    pub index: IndexArgs,

    #[command(flatten)]
    pub select: SelectArgs,
}

/// `fenv bundle`
#[derive(Debug, Args)]
pub struct BundleArgs {
    /// The platform (`lambda` or `vercel`) [default: the first of `[tool.fenv] targets` that is not the host].
    #[arg(long, value_name = "TARGET")]
    pub target: Option<String>,

    /// Bundle only this function.
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    pub function: Option<String>,

    /// Bundle every function (the default).
    #[arg(long)]
    pub all: bool,

    /// Where the zips and `manifest.json` go.
    #[arg(long, value_name = "DIR", default_value = "dist")]
    pub out: PathBuf,

    /// Lambda: put the packages every function shares into one layer
    /// (`DIR/lambda-layer.zip`), and only the rest into each function's zip.
    #[arg(long)]
    pub layer: bool,

    #[command(flatten)]
    pub index: IndexArgs,
}

/// `fenv freeze`
#[derive(Debug, Args)]
pub struct FreezeArgs {
    /// The environment [default: $VIRTUAL_ENV, else the nearest `.venv`].
    #[arg(long, value_name = "DIR")]
    pub env: Option<PathBuf>,

    /// Print JSON: name, version, installer and whether it was requested.
    #[arg(long)]
    pub json: bool,

    /// Also list pip (and setuptools, wheel, distribute before Python 3.12),
    /// which `pip freeze` leaves out.
    #[arg(long)]
    pub all: bool,
}

/// `fenv sync`
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub place: EnvArgs,

    /// Never resolve: fail if the lock is missing or does not match the project's inputs.
    #[arg(long)]
    pub frozen: bool,

    /// Print what would change, change nothing, and exit 1 if anything would.
    #[arg(long)]
    pub dry_run: bool,

    /// Print the plan and the result as JSON on stdout.
    #[arg(long)]
    pub json: bool,

    /// The lock's target to install: only `host`, the environment's own interpreter and platform.
    #[arg(long, value_name = "TARGET", default_value = "host")]
    pub target: String,

    /// The Python for a new environment [default: `.python-version`, else the project's `requires-python`].
    #[arg(short, long, value_name = "REQUEST")]
    pub python: Option<String>,

    #[command(flatten)]
    pub index: IndexArgs,

    /// How to put the packages' files in place from the cache [default:
    /// clone, else hardlink, else copy], as for `fenv create`. A mode given
    /// here that fails is an error.
    #[arg(long, value_enum, env = "FENV_LINK_MODE", value_name = "MODE")]
    pub link_mode: Option<crate::install::LinkMode>,

    /// Install these locked packages again, from a verified cache (every
    /// package, given no name): what repairs the files `fenv check` reports.
    #[arg(long, value_name = "PACKAGE", num_args = 0..)]
    pub reinstall: Option<Vec<String>>,

    /// Hash every installed file against its RECORD, as `fenv check` does,
    /// and install again each package whose files differ.
    #[arg(long)]
    pub verify: bool,

    /// Never run a package's build backend: a package locked only as an
    /// sdist for this environment is an error (and so is locking one).
    #[arg(long, env = "FENV_NO_BUILD", value_parser = parse_switch)]
    pub no_build: bool,

    #[command(flatten)]
    pub select: SelectArgs,
}

/// `fenv run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The environment [default: the project's, else $VIRTUAL_ENV].
    #[arg(long, value_name = "DIR")]
    pub env: Option<PathBuf>,

    /// Do not sync the environment to the project's lock first.
    #[arg(long)]
    pub no_sync: bool,

    #[command(flatten)]
    pub index: IndexArgs,

    #[command(flatten)]
    pub select: SelectArgs,

    /// The command and its arguments, passed on as they are (after `--`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<std::ffi::OsString>,
}

/// `fenv serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port to listen on; 0 picks a free one (the banner shows it).
    #[arg(long, default_value_t = 3000)]
    pub port: u16,

    /// The address to listen on; `0.0.0.0` opens the server to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// The environment [default: the project's `[tool.fenv] env`, else `.venv` beside the manifest].
    #[arg(long, value_name = "DIR")]
    pub env: Option<PathBuf>,
}

/// `fenv invoke`
#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// The function, by name (`hello`; `api/users/[id].py` is `users-id`).
    #[arg(value_name = "FUNCTION")]
    pub function: String,

    /// The event: a JSON file, `-` for standard input, or a built-in one
    /// (`apigw-v2`, `apigw-v1`, `alb`, `function-url`, `s3-put`, `sqs`, `sns`,
    /// `eventbridge`, `schedule`).
    #[arg(long, short, value_name = "FILE|-|NAME", default_value = "apigw-v2")]
    pub event: String,

    /// The environment [default: the project's `[tool.fenv] env`, else `.venv` beside the manifest].
    #[arg(long, value_name = "DIR")]
    pub env: Option<PathBuf>,
}

/// `fenv cache …`
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Print the cache folder.
    Dir,
    /// Remove everything cached, or only the wheels of one package.
    Clean {
        /// A package whose wheels to remove.
        #[arg(value_name = "PACKAGE")]
        package: Option<String>,
    },
    /// Print how much room the cache takes, per part.
    Size,
}

/// `fenv create`: every option of `python -m venv`, plus fenv's own.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The directories to create environments in, in order.
    #[arg(value_name = "DIR", default_value = ".venv")]
    pub dirs: Vec<PathBuf>,

    /// The Python to use: `3.12`, `>=3.10,<3.13`, `cpython@3.12`, `cp312`,
    /// `pypy3.10`, `python3.12`, or a path to an executable or install folder.
    ///
    /// Without it: `.python-version` (walking up from DIR), then the
    /// `requires-python` of the nearest `pyproject.toml`, then the newest
    /// `python3` on PATH.
    #[arg(short, long, env = "FENV_PYTHON", value_name = "REQUEST")]
    pub python: Option<String>,

    /// Give the environment access to the system site-packages.
    #[arg(long)]
    pub system_site_packages: bool,

    /// Symlink the interpreter (the default on POSIX).
    #[arg(long, conflicts_with = "copies")]
    pub symlinks: bool,

    /// Copy the interpreter instead of symlinking it.
    #[arg(long)]
    pub copies: bool,

    /// Replace an existing environment. With `--force`, also replace the
    /// contents of a folder that is not an environment.
    #[arg(long, conflicts_with = "upgrade")]
    pub clear: bool,

    /// Re-point an existing environment to its interpreter after that
    /// Python was upgraded in place; packages are kept.
    #[arg(long)]
    pub upgrade: bool,

    /// Do not install pip (it is installed by default, as `python -m venv` does).
    #[arg(long)]
    pub without_pip: bool,

    /// The prompt prefix shown while the environment is active; `.` means
    /// the name of the current folder.
    #[arg(long, value_name = "PROMPT")]
    pub prompt: Option<String>,

    /// Upgrade pip (and setuptools before Python 3.12) to the newest version
    /// from the package index after creating.
    #[arg(long, conflicts_with = "without_pip")]
    pub upgrade_deps: bool,

    /// Do not write a `.gitignore` into the environment.
    #[arg(long)]
    pub without_scm_ignore_files: bool,

    /// With `--clear`: also delete the contents of a folder that is not a
    /// virtual environment.
    #[arg(long, requires = "clear")]
    pub force: bool,

    /// Make the environment work after its folder is moved: activation
    /// scripts find their own location at run time.
    #[arg(long, env = "FENV_RELOCATABLE", value_parser = parse_switch)]
    pub relocatable: bool,

    /// How to put pip's files in place from the cache [default: clone,
    /// else hardlink, else copy]. A mode given here that fails is an error.
    #[arg(long, value_enum, env = "FENV_LINK_MODE", value_name = "MODE")]
    pub link_mode: Option<crate::install::LinkMode>,

    /// Compile pip's `.py` files to bytecode with the environment's Python.
    #[arg(long, env = "FENV_COMPILE_BYTECODE", value_parser = parse_switch)]
    pub compile_bytecode: bool,
}

/// `fenv python …`
#[derive(Debug, Subcommand)]
pub enum PythonCommand {
    /// List the interpreters fenv can see, and which one is the default.
    List(PythonListArgs),
    /// Print the path of the interpreter a request selects.
    Find(PythonFindArgs),
}

#[derive(Debug, Args)]
pub struct PythonListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PythonFindArgs {
    /// What to look for (same grammar as `fenv create -p`); without it, the default.
    #[arg(value_name = "REQUEST")]
    pub request: Option<String>,
}

/// `fenv activate`
#[derive(Debug, Args)]
pub struct ActivateArgs {
    /// The environment to activate.
    #[arg(value_name = "DIR", default_value = ".venv")]
    pub dir: PathBuf,

    /// The shell to print the command for [default: the parent shell, else $SHELL].
    #[arg(long, value_name = "SHELL")]
    pub shell: Option<String>,
}

/// A timestamp argument as UTC RFC 3339, the form the lock's inputs and
/// `[tool.fenv] exclude-newer` use; a bare date means midnight UTC.
fn parse_timestamp(text: &str) -> Result<String, String> {
    crate::timestamp::ExcludeNewer::parse(text).map(|value| value.to_string())
}

/// A switch's environment variable (`FENV_OFFLINE=1`): on for `1`,
/// `true`, `yes`, `on`; off for `0`, `false`, `no`, `off` and for an empty
/// value, so that `FENV_OFFLINE=` turns it off as unsetting would.
fn parse_switch(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" | "y" | "t" => Ok(true),
        "" | "0" | "false" | "no" | "off" | "n" | "f" => Ok(false),
        _ => Err("expected 1, true, yes or on; or 0, false, no or off".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("fenv").chain(args.iter().copied()))
    }

    #[test]
    fn a_switch_reads_like_a_shell_user_writes_it() {
        for on in ["1", "true", "TRUE", "yes", "on"] {
            assert_eq!(parse_switch(on), Ok(true), "{on}");
        }
        for off in ["", "0", "false", "no", "Off"] {
            assert_eq!(parse_switch(off), Ok(false), "{off}");
        }
        assert!(parse_switch("maybe").is_err());
        // On the command line the flag takes no value.
        assert!(parse(&["--offline", "python", "list"]).is_ok());
    }

    #[test]
    fn create_defaults_to_dot_venv() {
        let cli = parse(&["create"]).expect("parses");
        let Command::Create(args) = cli.command else {
            panic!("not create")
        };
        assert_eq!(args.dirs, vec![PathBuf::from(".venv")]);
    }

    #[test]
    fn create_accepts_unambiguous_prefixes_like_argparse() {
        let cli = parse(&["create", "--sys", "--cop", "x"]).expect("parses");
        let Command::Create(args) = cli.command else {
            panic!("not create")
        };
        assert!(args.system_site_packages && args.copies);
        let err = parse(&["create", "--upg", "x"]).expect_err("ambiguous");
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
    }

    #[test]
    fn exclusive_flags_are_usage_errors() {
        for args in [
            &["create", "--symlinks", "--copies"][..],
            &["create", "--clear", "--upgrade"][..],
            &["create", "--force"][..],
        ] {
            assert!(parse(args).is_err(), "{args:?}");
        }
    }
}
