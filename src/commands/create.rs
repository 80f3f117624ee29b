//! `fenv create`: discover an interpreter, create each environment, say
//! how to activate it.

use anyhow::{Context, Result};

use crate::cli::settings::{CreateSettings, GlobalSettings};
use crate::commands::open_cache;
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::index::IndexClient;
use crate::install::Linker;
use crate::install::WheelStore;
use crate::install::store::OpenedStore;
use crate::printer::Printer;
use crate::project::interpreter::{Chosen, select_python};
use crate::python::Discovery;
use crate::venv::activate::Shell;
use crate::venv::{self, OnExisting, Seed, Seeder};

pub fn create(settings: CreateSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let CreateSettings {
        dirs,
        python,
        options,
        link_mode,
        compile_bytecode,
    } = settings;
    if global.offline && options.seed == (Seed::Pip { upgrade_deps: true }) {
        return Err(venv::Error::OfflineUpgradeDeps.into());
    }
    let cache = open_cache(global, printer);
    let discovery = Discovery::from_env(&cache, printer);
    // Without a usable cache, seeding still works from a throwaway store.
    let OpenedStore { store, .. } = &WheelStore::open(&cache)?;
    let linker = Linker::new(link_mode);
    let index = (!global.offline).then(IndexClient::from_env);
    let seeder = Seeder {
        store,
        linker: &linker,
        compile_bytecode,
        index: index.as_ref(),
    };
    for dir in &dirs {
        // `--upgrade` keeps an environment's own Python unless told otherwise.
        let upgrade_own = (python.is_none()
            && options.on_existing == OnExisting::Upgrade
            && dir.join("pyvenv.cfg").is_file())
        .then(|| dir.join("bin").join("python").to_string_lossy().into_owned());
        let request = python.as_deref().or(upgrade_own.as_deref());
        let (found, selected) = select_python(request, dir, &discovery)
            .with_context(|| format!("failed to find a Python for `{}`", user_display(dir)))?;
        let why = match &selected {
            Chosen::ProjectFile(file) => format!(" (from `{}`)", user_display(file)),
            Chosen::Requested | Chosen::Default => String::new(),
        };
        printer.info(format!(
            "Using {} {} at `{}`{why}",
            display_implementation(&found.info.implementation),
            found.info.version_string(),
            found.path.display()
        ));
        let created = venv::create(dir, &found.info, &options, &seeder, printer).with_context(|| {
            format!(
                "failed to create a virtual environment at `{}`",
                user_display(dir)
            )
        })?;
        let verb = if options.on_existing == OnExisting::Upgrade {
            "Upgraded"
        } else if created.refreshed {
            "Refreshed"
        } else if created.replaced {
            "Replaced"
        } else {
            "Created"
        };
        let kept = if created.refreshed {
            "; its packages are kept"
        } else {
            ""
        };
        printer.info(format!(
            "{verb} virtual environment at `{}`{kept}",
            user_display(dir)
        ));
        let shell = Shell::detect().unwrap_or(Shell::Bash);
        let bin = created.path.join(created.layout.bin_name());
        if bin.join(shell.script_name()).is_file() {
            printer.info(format!(
                "Activate with: {}",
                // The path as the user gave it: relative stays relative.
                shell.activation_command(dir, created.layout.bin_name())
            ));
        } else {
            printer.info(format!(
                "{shell} cannot activate this environment (it has no `{}`); use `fenv run --env {} -- CMD`, or another shell",
                shell.script_name(),
                user_display(dir)
            ));
        }
    }
    Ok(ExitStatus::Success)
}

fn display_implementation(name: &str) -> &str {
    match name {
        "cpython" => "CPython",
        "pypy" => "PyPy",
        "graalpy" => "GraalPy",
        other => other,
    }
}
