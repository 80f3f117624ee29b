//! Changing an environment to the plan: one sync of it at a time (a file
//! lock), the install target that knows which scripts other packages
//! own, and the removals, repairs, replacements and installs themselves.

use std::collections::HashMap;
use std::path::Path;

use super::state::EnvState;
use super::{Error, Plan, Selected};
use crate::install::{self, InstallOptions, Linker, Target as InstallTarget};
use crate::printer::Printer;

/// An exclusive lock on `<env>/.fenv.lock`, held until dropped, so that
/// two syncs of one environment run one after the other.
pub fn lock_env(env: &Path) -> Result<fs_err::File, Error> {
    let path = env.join(".fenv.lock");
    let file = fs_err::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(crate::fs::PathError::with("open", &path))?;
    file.lock().map_err(crate::fs::PathError::with("lock", &path))?;
    // Old versions a killed replace moved aside; nothing refers to them.
    for entry in fs_err::read_dir(env).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(".fenv-replace-") {
            let _ = fs_err::remove_dir_all(entry.path());
        }
    }
    Ok(file)
}

/// Where the plan installs: the environment, knowing the scripts of the
/// distributions the plan leaves in place (its seed packages among them).
pub fn install_target(state: &EnvState, plan: &Plan) -> InstallTarget {
    let env = &state.env;
    let relocatable = state.cfg.get("relocatable") == Some("true");
    let going: Vec<String> = plan
        .remove
        .iter()
        .chain(plan.replace.iter().map(|(old, _)| old))
        .chain(plan.repair.iter().map(|(old, _)| old))
        .map(install::Distribution::normalized_name)
        .collect();
    let staying: Vec<install::Distribution> = state
        .installed
        .iter()
        .filter(|dist| !going.contains(&dist.normalized_name()))
        .cloned()
        .collect();
    state
        .layout
        .install_target(env, env, &state.info, relocatable)
        .with_owners(&state.site_packages(), &staying)
}

/// Removes, repairs, replaces and installs what `plan` says, from `wheels`.
pub fn apply(
    plan: &Plan,
    wheels: &HashMap<String, install::UnpackedWheel>,
    state: &EnvState,
    target: &InstallTarget,
    linker: &Linker,
    printer: &Printer,
) -> Result<(), Error> {
    let env = &state.env;
    let site_packages = state.site_packages();
    let options = |selected: &Selected| InstallOptions {
        linker,
        // Every package a lock names was asked for, as with `pip install
        // -r` and `uv pip sync`, which write REQUESTED for each.
        requested: true,
        // PEP 610: a package built from a folder says which, and whether
        // it is editable; fenv also keeps what the folder held.
        direct_url: match &selected.source {
            super::Source::Directory(directory) => Some(
                serde_json::json!({
                    "url": crate::index::file_url(&directory.dir),
                    "dir_info": if directory.editable {
                        serde_json::json!({ "editable": true })
                    } else {
                        serde_json::json!({})
                    },
                })
                .to_string(),
            ),
            _ => None,
        },
        source_tree: selected.fingerprint.clone(),
    };
    let wheel_of = |name: &str| {
        wheels.get(name).ok_or_else(|| Error::NotFetched {
            package: name.to_string(),
        })
    };
    let progress = printer.progress(plan.touched().len(), "Installing");
    let result = (|| -> Result<(), Error> {
        for dist in &plan.remove {
            install::discard(&site_packages, env, &dist.name)?;
            printer.verbose(format!("removed {} {}", dist.name, dist.version));
            progress.inc();
        }
        for (old, _) in &plan.repair {
            install::discard(&site_packages, env, &old.name)?;
        }
        for (old, selected) in &plan.replace {
            install::replace(
                &site_packages,
                env,
                &old.name,
                wheel_of(&selected.name)?,
                target,
                &options(selected),
            )?;
            printer.verbose(format!(
                "replaced {} {} with {}",
                old.name, old.version, selected.version
            ));
            progress.inc();
        }
        // New packages (and repaired ones) a few at a time: each install
        // is journaled on its own, and they share no files.
        let new: Vec<&Selected> = plan
            .install
            .iter()
            .chain(plan.repair.iter().map(|(_, s)| s))
            .collect();
        let wheels: Vec<(&install::UnpackedWheel, InstallOptions<'_>)> = new
            .iter()
            .map(|selected| Ok((wheel_of(&selected.name)?, options(selected))))
            .collect::<Result<_, Error>>()?;
        install::install_all(&wheels, target, install::INSTALL_JOBS, &|at, _| {
            printer.verbose(format!("installed {} {}", new[at].name, new[at].version));
            progress.inc();
        })?;
        Ok(())
    })();
    progress.finish();
    result
}
