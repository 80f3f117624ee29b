//! Raw arguments resolved into the settings the commands run with.
//!
//! Each `*Args` is destructured exhaustively, so a new flag does not
//! compile until it is handled here.

use std::path::PathBuf;

use crate::cli::{CreateArgs, GlobalArgs};
use crate::install::LinkMode;
pub use crate::locking::LockSettings;
use crate::printer::{ColorChoice, Verbosity};
pub use crate::sync::{Reinstall, SyncSettings};
use crate::venv::{CreateOptions, InterpreterLink, OnExisting, Seed};

/// Settings every command shares.
#[derive(Debug, Clone)]
pub struct GlobalSettings {
    pub verbosity: Verbosity,
    pub color: ColorChoice,
    pub offline: bool,
    pub cache_dir: Option<PathBuf>,
}

impl GlobalSettings {
    pub fn resolve(args: &GlobalArgs) -> Self {
        let GlobalArgs {
            quiet,
            verbose,
            color,
            offline,
            cache_dir,
        } = args;
        let verbosity = if *quiet {
            Verbosity::Quiet
        } else if *verbose > 0 {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        };
        Self {
            verbosity,
            color: *color,
            offline: *offline,
            cache_dir: cache_dir.clone(),
        }
    }
}

/// What `fenv create` was asked to do.
#[derive(Debug, Clone)]
pub struct CreateSettings {
    pub dirs: Vec<PathBuf>,
    pub python: Option<String>,
    pub options: CreateOptions,
    pub link_mode: Option<LinkMode>,
    pub compile_bytecode: bool,
}

impl CreateSettings {
    pub fn resolve(args: CreateArgs) -> Self {
        let CreateArgs {
            dirs,
            python,
            system_site_packages,
            symlinks: _,
            copies,
            clear,
            upgrade,
            without_pip,
            prompt,
            upgrade_deps,
            without_scm_ignore_files,
            force,
            relocatable,
            link_mode,
            compile_bytecode,
        } = args;
        let on_existing = if clear {
            OnExisting::Clear { force }
        } else if upgrade {
            OnExisting::Upgrade
        } else {
            OnExisting::Refresh
        };
        let seed = if without_pip {
            Seed::None
        } else {
            Seed::Pip { upgrade_deps }
        };
        Self {
            dirs,
            python,
            options: CreateOptions {
                system_site_packages,
                link: if copies {
                    InterpreterLink::Copy
                } else {
                    InterpreterLink::Symlink
                },
                on_existing,
                seed,
                prompt,
                scm_ignore_files: !without_scm_ignore_files,
                relocatable,
            },
            link_mode,
            compile_bytecode,
        }
    }
}

impl LockSettings {
    /// What these flags add to the project's inputs.
    pub fn inputs(&self) -> crate::lock::freshness::Inputs<'_> {
        crate::lock::freshness::Inputs {
            targets: &self.targets,
            exclude_newer: self.exclude_newer.as_deref(),
            index_url: self.index_url.as_deref(),
            find_links: &self.find_links,
            prereleases: self.prereleases,
            environments: &self.environments,
            upgrade: self.upgrade,
        }
    }

    pub fn resolve(args: crate::cli::LockArgs) -> Self {
        let crate::cli::LockArgs {
            targets,
            upgrade,
            upgrade_package,
            check,
            python,
            index:
                crate::cli::IndexArgs {
                    index_url,
                    exclude_newer,
                },
            find_links,
            refresh,
            prerelease,
            no_build,
        } = args;
        Self {
            targets,
            upgrade,
            upgrade_packages: upgrade_package,
            check,
            exclude_newer,
            index_url,
            find_links,
            refresh,
            prereleases: prerelease,
            no_build,
            python,
            environments: Vec::new(),
        }
    }
}

impl crate::cli::SelectArgs {
    /// The selection asked for, names as given (checked against the lock
    /// by [`crate::sync::Choice::resolve`]).
    fn into_choice(self) -> crate::sync::Choice {
        crate::sync::Choice {
            extras: self.extras,
            all_extras: self.all_extras,
            groups: self.groups,
            no_groups: self.no_groups,
            all_groups: self.all_groups,
            no_dev: self.no_dev,
            no_default_groups: self.no_default_groups,
            only_groups: self.only_groups,
        }
    }
}

impl crate::cli::IndexArgs {
    /// The lock settings these flags amend; every other one at its default.
    fn into_lock_settings(self) -> LockSettings {
        LockSettings {
            exclude_newer: self.exclude_newer,
            index_url: self.index_url,
            ..LockSettings::default()
        }
    }
}

impl SyncSettings {
    /// A plain sync of the host into `place`, locking again with `index`'s
    /// flags if the lock is stale: what the other fields amend.
    fn host(
        place: crate::cli::EnvArgs,
        python: Option<String>,
        index: crate::cli::IndexArgs,
        select: crate::cli::SelectArgs,
    ) -> Self {
        Self {
            env: place.env,
            lock: place.lock,
            frozen: false,
            dry_run: false,
            json: false,
            target: "host".into(),
            python,
            link_mode: None,
            lock_settings: index.into_lock_settings(),
            reinstall: Reinstall::Nothing,
            verify: false,
            choice: select.into_choice(),
        }
    }

    /// The sync `fenv run` makes first in a project with a lock.
    pub fn before_run(env: PathBuf, index: crate::cli::IndexArgs, select: crate::cli::SelectArgs) -> Self {
        let place = crate::cli::EnvArgs {
            env: Some(env),
            lock: None,
        };
        Self::host(place, None, index, select)
    }

    pub fn resolve(args: crate::cli::SyncArgs) -> Self {
        let crate::cli::SyncArgs {
            place,
            frozen,
            dry_run,
            json,
            target,
            python,
            index,
            link_mode,
            reinstall,
            verify,
            no_build,
            select,
        } = args;
        let host = Self::host(place, python, index, select);
        Self {
            frozen,
            dry_run,
            json,
            target,
            link_mode,
            lock_settings: LockSettings {
                no_build,
                ..host.lock_settings
            },
            reinstall: match reinstall {
                None => Reinstall::Nothing,
                Some(names) if names.is_empty() => Reinstall::Every,
                Some(names) => {
                    Reinstall::These(names.iter().map(|n| crate::dist::name::normalize(n)).collect())
                }
            },
            verify,
            ..host
        }
    }
}

/// What `fenv check` was asked to do.
#[derive(Debug, Clone)]
pub struct CheckSettings {
    pub env: Option<PathBuf>,
    pub lock: Option<PathBuf>,
    pub json: bool,
    pub import_time: bool,
    /// The overrides `fenv lock` would be given, so both agree on the inputs.
    pub lock_settings: LockSettings,
}

impl CheckSettings {
    pub fn resolve(args: crate::cli::CheckArgs) -> Self {
        let crate::cli::CheckArgs {
            place,
            json,
            import_time,
            index,
        } = args;
        Self {
            env: place.env,
            lock: place.lock,
            json,
            import_time,
            lock_settings: index.into_lock_settings(),
        }
    }
}

/// What `fenv ci` was asked to do.
#[derive(Debug, Clone)]
pub struct CiSettings {
    /// The sync it runs (always `--frozen`).
    pub sync: SyncSettings,
    pub export: Option<PathBuf>,
    pub cache_key: bool,
}

impl CiSettings {
    pub fn resolve(args: crate::cli::CiArgs) -> Self {
        let crate::cli::CiArgs {
            place,
            python,
            export,
            cache_key,
            link_mode,
            index,
            select,
        } = args;
        Self {
            sync: SyncSettings {
                frozen: true,
                link_mode,
                ..SyncSettings::host(place, python, index, select)
            },
            export,
            cache_key,
        }
    }
}

/// What `fenv bundle` was asked to do.
#[derive(Debug, Clone)]
pub struct BundleSettings {
    pub target: Option<String>,
    /// `None`: every function (`--all`, the default).
    pub function: Option<String>,
    pub out: PathBuf,
    /// `--layer`: the shared packages in one Lambda layer.
    pub layer: bool,
    /// The overrides `fenv lock` would be given, plus `--target`, so the
    /// lock's freshness is judged as `fenv lock --target` left it.
    pub lock_settings: LockSettings,
}

impl BundleSettings {
    pub fn resolve(args: crate::cli::BundleArgs) -> Self {
        let crate::cli::BundleArgs {
            target,
            function,
            all: _,
            out,
            layer,
            index,
        } = args;
        Self {
            lock_settings: LockSettings {
                targets: target.iter().cloned().collect(),
                ..index.into_lock_settings()
            },
            target,
            function,
            out,
            layer,
        }
    }
}
