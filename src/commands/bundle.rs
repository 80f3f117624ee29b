//! `fenv bundle`: one deterministic zip a function, holding its code and
//! exactly its dependency closure, installed from the lock's wheels for
//! the target platform.
//!
//! The steps: a fresh lock that covers the target (never resolved here,
//! as with `fenv sync --frozen`), the target's packages selected from it
//! as `fenv lock` sees the target, each function's closure among them,
//! every wheel fetched and verified, then per function: install into a
//! staging folder, zip, weigh. `dist/manifest.json` records the result;
//! any artifact over a limit or budget makes the command exit 1.

use std::collections::BTreeSet;

use anyhow::Result;

use crate::bundle::artifacts;
use crate::bundle::build::Builder;
use crate::bundle::report;
use crate::bundle::vercel::{self, Output};
use crate::bundle::{self, Platform, zip};
use crate::cli::settings::{BundleSettings, GlobalSettings};
use crate::commands::open_cache;
use crate::error::ExitStatus;
use crate::fs::user_display;
use crate::functions::{self, Function};
use crate::index::IndexClient;
use crate::install::WheelStore;
use crate::install::store::OpenedStore;
use crate::lock;
use crate::lock::freshness;
use crate::printer::Printer;
use crate::project::manifest::TargetSpec;
use crate::sync::{self, Selected};

pub fn bundle(settings: BundleSettings, global: &GlobalSettings, printer: &Printer) -> Result<ExitStatus> {
    let cwd = std::env::current_dir()?;

    // Step 1: the project and its lock, which must match the inputs.
    let checked = freshness::check(&cwd, &settings.lock_settings.inputs())?;
    let locked = checked.fresh()?;
    let (manifest, lock_path) = (&checked.manifest, &checked.lock_path);
    let lock_hash = lock::hash_file(lock_path)?;

    // Step 2: the target, as `fenv lock` resolved it.
    let spec = match &settings.target {
        Some(text) => TargetSpec::parse_cli(text, &manifest.settings)?,
        None => manifest
            .settings
            .targets
            .iter()
            .find(|spec| **spec != TargetSpec::Host)
            .cloned()
            .ok_or(bundle::Error::NoTarget)?,
    };
    let platform = match spec {
        TargetSpec::Lambda { .. } => Platform::Lambda,
        TargetSpec::Vercel { .. } => Platform::Vercel,
        _ => {
            return Err(bundle::Error::UnsupportedTarget {
                target: spec.name().to_string(),
            }
            .into());
        }
    };
    if settings.layer && platform == Platform::Vercel {
        return Err(bundle::Error::LayerOnVercel.into());
    }
    let target = crate::resolve::target::for_spec(&spec).ok_or_else(|| bundle::Error::UnsupportedTarget {
        target: spec.name().to_string(),
    })?;
    // fenv's own locks record the targets they were resolved for; another
    // tool's lock must at least cover the target's environment.
    let locked_for = if locked.tool.targets.is_empty() {
        let on = crate::lock::marker::Switches::All;
        locked.environments.is_empty()
            || locked
                .environments
                .iter()
                .any(|marker| on.applies(marker, &target.markers).unwrap_or(false))
    } else {
        locked.tool.targets.contains(&spec.to_string())
    };
    if !locked_for {
        return Err(bundle::Error::NotLocked {
            target: spec.name().to_string(),
            path: lock_path.clone(),
        }
        .into());
    }
    let selected = bundle::select(locked, &target)?;

    // Step 3: the functions and their closures.
    let all = functions::discover(manifest)?;
    let chosen: Vec<Function> = match &settings.function {
        Some(name) => vec![functions::find(&all, name)?.clone()],
        None => {
            for skipped in all.iter().filter(|f| f.form.is_none()) {
                printer.info(format!(
                    "Skipped `{}`: it has no handler, so it is no function",
                    skipped.relative
                ));
            }
            functions::served(all)
        }
    };
    if chosen.is_empty() {
        return Err(bundle::Error::NoFunctions.into());
    }
    let available: BTreeSet<String> = selected.iter().map(|s| s.name.clone()).collect();
    let mut closures = Vec::new();
    for function in &chosen {
        if function.form.is_none() {
            return Err(bundle::Error::NoHandler {
                function: function.name.clone(),
            }
            .into());
        }
        let roots = manifest
            .dependencies
            .iter()
            .chain(&function.settings.dependencies);
        closures.push(functions::closure(locked, roots, &available));
    }

    // Step 4: every wheel any closure needs, in the store and verified;
    // for Vercel, its runtime too.
    let needed: BTreeSet<&String> = closures.iter().flatten().collect();
    let selected = bundle::never_editable(selected);
    let mut wanted: Vec<&Selected> = selected.iter().filter(|s| needed.contains(&s.name)).collect();
    let cache = open_cache(global, printer);
    let OpenedStore { store, .. } = &WheelStore::open(&cache)?;
    let index = IndexClient::for_files(
        &cache,
        global.offline,
        settings.lock_settings.index_url.as_deref(),
        manifest.settings.index_url.as_deref(),
    );
    let python = spec.python().unwrap_or((3, 12));
    let runtime = match platform {
        Platform::Lambda => None,
        Platform::Vercel => {
            if python < vercel::RUNTIME_PYTHON {
                return Err(bundle::Error::VercelPython { python }.into());
            }
            Some(vercel::runtime_package(&index.project(vercel::RUNTIME)?)?)
        }
    };
    wanted.extend(runtime.as_ref());
    // Folders of the project are built by its own interpreter; the wheel
    // must then fit the target (pure Python, as shared code is).
    let discovery = crate::python::Discovery::from_env(&cache, printer);
    let host = wanted
        .iter()
        .any(|s| matches!(s.source, sync::Source::Directory(_)))
        .then(|| crate::project::interpreter::project_python(manifest, &discovery))
        .transpose()?;
    let builder = host.as_ref().map(|python| crate::build::Builder {
        store,
        index: &index,
        cache: &cache,
        python,
        printer,
    });
    let progress = printer.progress(wanted.len(), "Fetching");
    let fetched = sync::fetch(
        &wanted,
        store,
        &index,
        builder.as_ref(),
        sync::fetch::DEFAULT_JOBS,
        &progress,
    );
    progress.finish();
    let wheels = fetched.map_err(|source| bundle::Error::ForTarget {
        target: target.description.clone(),
        source: Box::new(source),
    })?;
    bundle::local_wheels_fit(&wanted, &wheels, &target)?;

    // Step 5: with `--layer`, the packages every function shares in one
    // Lambda layer; then one artifact a function: a zip for Lambda, a
    // `.func` folder of a fresh Build Output for Vercel.
    let out = crate::fs::absolute(&settings.out)?;
    fs_err::create_dir_all(&out)?;
    let env_dir = manifest.settings.env.as_ref().map(|env| manifest.root.join(env));
    let builder = Builder {
        platform,
        target: spec.name().to_string(),
        python,
        tags: target.tags.clone(),
        wheels: &wheels,
        out: out.clone(),
        root: manifest.root.clone(),
        functions_dir: functions::functions_dir(manifest),
        skip: [out.clone(), manifest.root.join(".vercel")]
            .into_iter()
            .chain(env_dir)
            .collect(),
        mtime: zip::mtime(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref()),
        output: match platform {
            Platform::Lambda => None,
            Platform::Vercel => Some(Output::new(&manifest.root)?),
        },
    };
    if builder.output.is_none() {
        fs_err::create_dir_all(builder.target_dir())?;
    }
    printer.info(format!(
        "Bundling {} function{} for {}",
        chosen.len(),
        if chosen.len() == 1 { "" } else { "s" },
        target.description
    ));
    let limits = builder.limits();
    let layer = if settings.layer {
        let shared = bundle::shared(&closures);
        let layer = builder.layer(&shared)?;
        match &layer {
            Some(built) => printer.info(format!(
                "  layer  {}  {} unzipped / {} zipped  ({})",
                user_display(&built.shown),
                report::mb(built.layer.unzipped_bytes),
                report::mb(built.layer.zipped_bytes),
                built.layer.packages.join(", ")
            )),
            None => printer.info("  no package is in every function, so there is no layer"),
        }
        layer
    } else {
        None
    };
    let mut built = Vec::new();
    let mut over_lines = Vec::new();
    for (function, closure) in chosen.iter().zip(&closures) {
        let one = builder.function(function, closure, layer.as_ref())?;
        let artifact = &one.artifact;
        let in_layer = layer.as_ref().map_or(0, |l| l.layer.unzipped_bytes);
        printer.info(format!(
            "  {}  {}  {}",
            function.name,
            user_display(&one.shown),
            report::sizes(
                artifact.unzipped_bytes,
                in_layer,
                artifact.zipped_bytes,
                limits,
                function.settings.budget.unzipped_bytes
            )
        ));
        if let Some(handler) = &artifact.handler {
            printer.info(format!("    handler: {handler}"));
        }
        let largest = report::largest(&one.packages, 3);
        if !largest.is_empty() {
            let list: Vec<String> = largest
                .iter()
                .map(|p| format!("{} {}", p.name, report::mb(p.unzipped_bytes)))
                .collect();
            printer.info(format!("    largest: {}", list.join(", ")));
        }
        over_lines.extend(one.over.iter().map(|o| o.line(&function.name)));
        built.push(one.artifact);
    }
    if let Some(output) = builder.output {
        let served: Vec<&Function> = chosen.iter().collect();
        let written = output.finish(&served)?;
        printer.info(format!("Wrote `{}`", user_display(&written)));
    }
    let over_count = built.iter().filter(|a| !a.over.is_empty()).count();
    artifacts::write(
        &out,
        &lock_hash,
        built,
        layer.map(|l| l.layer).into_iter().collect(),
    )?;
    printer.info(format!("Wrote `{}`", user_display(&out.join(artifacts::FILE))));
    if over_lines.is_empty() {
        return Ok(ExitStatus::Success);
    }
    for line in &over_lines {
        printer.info(line);
    }
    printer.error(format!(
        "{over_count} of {} artifact{} {} over a limit or budget (written all the same, and marked in `{}`)",
        chosen.len(),
        if chosen.len() == 1 { "" } else { "s" },
        if over_count == 1 { "is" } else { "are" },
        artifacts::FILE
    ));
    Ok(ExitStatus::Failure)
}
