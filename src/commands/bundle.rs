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
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::bundle::artifacts::{self, Artifact};
use crate::bundle::plan::{Code, Excludes};
use crate::bundle::report::{self, PackageSize};
use crate::bundle::vercel::{self, Output};
use crate::bundle::{self, Platform, stage, tree, zip};
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
    let target = crate::resolve::target::for_spec(&spec).ok_or_else(|| bundle::Error::UnsupportedTarget {
        target: spec.name().to_string(),
    })?;
    if !locked.environments.contains(&target.environment) {
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
    let progress = printer.progress(wanted.len(), "Fetching");
    let fetched = sync::fetch(&wanted, store, &index, None, sync::fetch::DEFAULT_JOBS, &progress);
    progress.finish();
    let wheels = fetched.map_err(|source| bundle::Error::ForTarget {
        target: target.description.clone(),
        source: Box::new(source),
    })?;

    // Step 5: one artifact a function: a zip for Lambda, a `.func`
    // folder of a fresh Build Output for Vercel.
    let out = crate::fs::absolute(&settings.out)?;
    fs_err::create_dir_all(&out)?;
    let output = match platform {
        Platform::Lambda => None,
        Platform::Vercel => Some(Output::new(&manifest.root)?),
    };
    let target_dir = out.join(spec.name());
    if output.is_none() {
        fs_err::create_dir_all(&target_dir)?;
    }
    let mtime = zip::mtime(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref());
    let env_dir = manifest.settings.env.as_ref().map(|env| manifest.root.join(env));
    let skip: Vec<PathBuf> = [out.clone(), manifest.root.join(".vercel")]
        .into_iter()
        .chain(env_dir)
        .collect();
    let functions_dir = functions::functions_dir(manifest);
    printer.info(format!(
        "Bundling {} function{} for {}",
        chosen.len(),
        if chosen.len() == 1 { "" } else { "s" },
        target.description
    ));
    let limits = platform.limits();
    let mut built = Vec::new();
    let mut over_lines = Vec::new();
    for (function, closure) in chosen.iter().zip(&closures) {
        let form = function.form.clone().unwrap_or(functions::Form::App);
        let helpers_dir = bundle::helpers_dir(function, &functions_dir);
        let generated = bundle::generated(platform, function, &form, python)?;
        let mut names: Vec<&str> = closure.iter().map(String::as_str).collect();
        if platform == Platform::Vercel {
            names.push(vercel::RUNTIME);
        }
        let mut packages = Vec::new();
        for name in names {
            let wheel = wheels
                .get(name)
                .with_context(|| format!("the wheel of `{name}` was not fetched"))?;
            packages.push((name, wheel));
        }
        let excludes = Excludes::new(&function.name, &function.settings.exclude)?;
        let request = stage::Request {
            function: &function.name,
            wheels: packages,
            site: if output.is_some() { vercel::VENDOR } else { "" },
            python,
            tags: target.tags.clone(),
            code: Code {
                root: &manifest.root,
                module: &function.relative,
                helpers_dir: &helpers_dir,
                include: &function.settings.include,
                skip: &skip,
            },
            generated,
            excludes: &excludes,
        };
        let staged = stage::stage(&out, request)?;
        let unzipped = staged.unzipped;

        let (path, shown, sha256, zipped) = match &output {
            None => {
                let zip_path = target_dir.join(format!("{}.zip", function.name));
                let partial = target_dir.join(format!(".{}.zip.partial", function.name));
                zip::write(&partial, &staged.entries, mtime)
                    .with_context(|| format!("failed to write `{}`", user_display(&partial)))?;
                fs_err::rename(&partial, &zip_path)?;
                let bytes = fs_err::read(&zip_path)?;
                let path = format!("{}/{}.zip", spec.name(), function.name);
                (
                    path,
                    zip_path,
                    crate::hash::sha256_hex(&bytes),
                    Some(bytes.len() as u64),
                )
            }
            Some(output) => {
                let func = vercel::func_dir(function);
                output.write_function(&func, &staged.entries)?;
                let shown = manifest.root.join(vercel::OUTPUT).join(&func);
                let path = crate::install::relative_to(&shown, &out);
                (path, shown, tree::digest(&staged.entries)?, None)
            }
        };

        let budget = function.settings.budget.unzipped_bytes;
        let over = report::over(unzipped, zipped.unwrap_or(0), limits, budget);
        let handler = bundle::handler_string(platform, &form, &function.relative);
        printer.info(format!(
            "  {}  {}  {}",
            function.name,
            user_display(&shown),
            report::sizes(unzipped, zipped, limits, budget)
        ));
        if let Some(handler) = &handler {
            printer.info(format!("    handler: {handler}"));
        }
        let mut packages = staged.packages;
        packages.retain(PackageSize::shipped);
        let largest = report::largest(&packages, 3);
        if !largest.is_empty() {
            let list: Vec<String> = largest
                .iter()
                .map(|p| format!("{} {}", p.name, report::mb(p.unzipped_bytes)))
                .collect();
            printer.info(format!("    largest: {}", list.join(", ")));
        }
        over_lines.extend(over.iter().map(|o| o.line(&function.name)));
        let mut listed: Vec<String> = packages
            .iter()
            .map(|p| format!("{}=={}", p.name, p.version))
            .collect();
        listed.sort();
        built.push(Artifact {
            function: function.name.clone(),
            target: spec.name().to_string(),
            path,
            sha256,
            zipped_bytes: zipped,
            unzipped_bytes: unzipped,
            handler,
            packages: listed,
            over: over.iter().map(|o| o.what.to_string()).collect(),
        });
    }
    if let Some(output) = output {
        let served: Vec<&Function> = chosen.iter().collect();
        let written = output.finish(&served)?;
        printer.info(format!("Wrote `{}`", user_display(&written)));
    }
    let over_count = built.iter().filter(|a| !a.over.is_empty()).count();
    artifacts::write(&out, &lock_hash, built)?;
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
