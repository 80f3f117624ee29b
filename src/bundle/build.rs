//! Builds the artifacts of one `fenv bundle` run: a function's zip (or
//! its `.func` folder for Vercel) and, with `--layer`, the Lambda layer
//! holding the packages every function shares. Each is staged
//! ([`stage`]), written, hashed and weighed here; the command prints.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::bundle::artifacts::{Artifact, Layer};
use crate::bundle::plan::{Code, Excludes};
use crate::bundle::report::{self, Limits, Over, PackageSize};
use crate::bundle::vercel::{self, Output};
use crate::bundle::zip::{self, Entry};
use crate::bundle::{self, Error, Platform, stage, tree};
use crate::functions::{Form, Function};
use crate::install::{Tags, UnpackedWheel};

/// Where a layer's packages go in its zip: Lambda puts `/opt/python` on
/// `sys.path` for every Python runtime.
pub const LAYER_SITE: &str = "python";

/// What every artifact of one run shares.
pub struct Builder<'a> {
    pub platform: Platform,
    /// The target's name (`lambda`), the folder its zips go in.
    pub target: String,
    pub python: (u32, u32),
    pub tags: Tags,
    pub wheels: &'a HashMap<String, UnpackedWheel>,
    /// The output folder (`dist`), absolute, and the project root.
    pub out: PathBuf,
    pub root: PathBuf,
    pub functions_dir: PathBuf,
    /// Folders never bundled: the output, `.vercel`, the env.
    pub skip: Vec<PathBuf>,
    pub mtime: ::zip::DateTime,
    /// Vercel's Build Output being written.
    pub output: Option<Output>,
}

/// One function's artifact, weighed.
pub struct Built {
    pub artifact: Artifact,
    /// Where it was written, for the report.
    pub shown: PathBuf,
    /// What it carries, for the report's largest packages.
    pub packages: Vec<PackageSize>,
    pub over: Vec<Over>,
}

/// The layer, once written.
pub struct BuiltLayer {
    pub layer: Layer,
    pub shown: PathBuf,
    /// Its packages, which the functions then leave out.
    pub names: Vec<String>,
}

impl Builder<'_> {
    /// The folder Lambda zips go in (`dist/lambda`).
    pub fn target_dir(&self) -> PathBuf {
        self.out.join(&self.target)
    }

    /// Builds `function` with the packages of `closure` that `layer` does
    /// not hold; its size is checked with the layer's added, since
    /// Lambda's unzipped limit covers a function and its layers.
    pub fn function(
        &self,
        function: &Function,
        closure: &BTreeSet<String>,
        layer: Option<&BuiltLayer>,
    ) -> Result<Built, Error> {
        let form = function.form.clone().unwrap_or(Form::App);
        let generated = bundle::generated(self.platform, function, &form, self.python)?;
        let in_layer = |name: &String| layer.is_some_and(|l| l.names.contains(name));
        let mut names: Vec<&str> = closure
            .iter()
            .filter(|n| !in_layer(n))
            .map(String::as_str)
            .collect();
        if self.platform == Platform::Vercel {
            names.push(vercel::RUNTIME);
        }
        let helpers_dir = bundle::helpers_dir(function, &self.functions_dir);
        let excludes = Excludes::new(&function.name, &function.settings.exclude)?;
        let staged = stage::stage(
            &self.out,
            stage::Request {
                function: &function.name,
                wheels: self.wheels_for(&names)?,
                site: if self.output.is_some() { vercel::VENDOR } else { "" },
                python: self.python,
                tags: self.tags.clone(),
                code: Some(Code {
                    root: &self.root,
                    module: &function.relative,
                    helpers_dir: &helpers_dir,
                    include: &function.settings.include,
                    skip: &self.skip,
                }),
                generated,
                excludes: &excludes,
            },
        )?;
        let (path, shown, sha256, zipped) = match &self.output {
            None => {
                let (shown, sha256, zipped) = self.write_zip(&function.name, &staged.entries)?;
                (
                    format!("{}/{}.zip", self.target, function.name),
                    shown,
                    sha256,
                    Some(zipped),
                )
            }
            Some(output) => {
                let func = vercel::func_dir(function);
                output.write_function(&func, &staged.entries)?;
                let shown = self.root.join(vercel::OUTPUT).join(&func);
                let path = crate::install::relative_to(&shown, &self.out);
                (path, shown, tree::digest(&staged.entries)?, None)
            }
        };
        let with_layer = staged.unzipped + layer.map_or(0, |l| l.layer.unzipped_bytes);
        let budget = function.settings.budget.unzipped_bytes;
        let over = report::over(with_layer, zipped.unwrap_or(0), self.limits(), budget);
        let mut packages = staged.packages;
        packages.retain(PackageSize::shipped);
        let artifact = Artifact {
            function: function.name.clone(),
            target: self.target.clone(),
            path,
            sha256,
            zipped_bytes: zipped,
            unzipped_bytes: staged.unzipped,
            handler: bundle::handler_string(self.platform, &form, &function.relative),
            layer: layer.map(|l| l.layer.path.clone()),
            packages: listed(&packages),
            over: over.iter().map(|o| o.what.to_string()).collect(),
        };
        Ok(Built {
            artifact,
            shown,
            packages,
            over,
        })
    }

    /// Writes the layer of `names` (`dist/<target>-layer.zip`, packages
    /// under `python/`); `None` when there is nothing to share.
    pub fn layer(&self, names: &[String]) -> Result<Option<BuiltLayer>, Error> {
        if names.is_empty() {
            return Ok(None);
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let excludes = Excludes::new("layer", &[])?;
        let staged = stage::stage(
            &self.out,
            stage::Request {
                function: "layer",
                wheels: self.wheels_for(&refs)?,
                site: LAYER_SITE,
                python: self.python,
                tags: self.tags.clone(),
                code: None,
                generated: Vec::new(),
                excludes: &excludes,
            },
        )?;
        let name = format!("{}-layer", self.target);
        let (shown, sha256, zipped) = self.write_zip_in(&self.out, &name, &staged.entries)?;
        Ok(Some(BuiltLayer {
            layer: Layer {
                target: self.target.clone(),
                path: format!("{name}.zip"),
                sha256,
                zipped_bytes: zipped,
                unzipped_bytes: staged.unzipped,
                packages: listed(&staged.packages),
            },
            shown,
            names: names.to_vec(),
        }))
    }

    pub fn limits(&self) -> Limits {
        self.platform.limits()
    }

    fn wheels_for<'w>(&'w self, names: &[&'w str]) -> Result<Vec<(&'w str, &'w UnpackedWheel)>, Error> {
        names
            .iter()
            .map(|name| {
                // Every closure's wheels were fetched before building.
                let wheel = self.wheels.get(*name).ok_or_else(|| Error::NotFetched {
                    package: (*name).to_string(),
                })?;
                Ok((*name, wheel))
            })
            .collect()
    }

    fn write_zip(&self, name: &str, entries: &[Entry]) -> Result<(PathBuf, String, u64), Error> {
        self.write_zip_in(&self.target_dir(), name, entries)
    }

    /// Writes `dir/<name>.zip` through a partial file and a rename; its
    /// path, sha256 and size.
    fn write_zip_in(
        &self,
        dir: &Path,
        name: &str,
        entries: &[Entry],
    ) -> Result<(PathBuf, String, u64), Error> {
        let path = dir.join(format!("{name}.zip"));
        let partial = dir.join(format!(".{name}.zip.partial"));
        zip::write(&partial, entries, self.mtime).map_err(crate::fs::PathError::with("write", &partial))?;
        fs_err::rename(&partial, &path).map_err(crate::fs::PathError::with("move", &partial))?;
        let bytes = fs_err::read(&path).map_err(crate::fs::PathError::with("read", &path))?;
        Ok((path, crate::hash::sha256_hex(&bytes), bytes.len() as u64))
    }
}

/// `name==version`, sorted.
fn listed(packages: &[PackageSize]) -> Vec<String> {
    let mut out: Vec<String> = packages
        .iter()
        .map(|p| format!("{}=={}", p.name, p.version))
        .collect();
    out.sort();
    out
}
