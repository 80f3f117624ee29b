//! The project fixture that the lock, sync, build and check scenarios
//! share: a folder of its own, whose `.python-version` names the pyenv
//! CPython 3.12, served by an index of its own on 127.0.0.1. Each test
//! module wraps it (`Deref`) with the steps its scenarios need.

use std::path::PathBuf;
use std::process::Command;

use super::{TestContext, pyenv_python, require};
use crate::support::index::{Publish, TestIndex};
use crate::support::wheel::WheelBuilder;

/// The Python `.python-version` names.
pub const HOST_MINOR: &str = "3.12";

pub struct Project {
    pub ctx: TestContext,
    pub index: TestIndex,
    /// The pyenv CPython 3.12.
    pub host_python: PathBuf,
}

impl Project {
    /// An empty project, or `None` (a skip) without the pyenv CPython 3.12.
    pub fn new() -> Option<Self> {
        let host_python = require("pyenv CPython 3.12", pyenv_python(HOST_MINOR))?;
        let ctx = TestContext::new();
        ctx.write(".python-version", format!("{HOST_MINOR}\n"));
        Some(Self {
            ctx,
            index: TestIndex::start(),
            host_python,
        })
    }

    /// `fenv ARGS` in the project, against its index.
    pub fn fenv(&self, args: &[&str]) -> Command {
        let mut cmd = self.ctx.fenv();
        cmd.args(args).env("FENV_INDEX_URL", self.index.url());
        cmd
    }

    /// Runs `fenv sync ARGS`, asserts success, returns stderr.
    #[track_caller]
    pub fn sync_ok(&self, args: &[&str]) -> String {
        let output = super::run(self.fenv(&["sync"]).args(args));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "fenv sync failed\n--- stderr\n{stderr}");
        stderr
    }

    /// Writes `pyproject.toml`: project `app` with `dependencies`, then
    /// `rest` (more TOML).
    pub fn write_pyproject(&self, dependencies: &[&str], rest: &str) {
        let list: Vec<String> = dependencies.iter().map(|d| format!("{d:?}")).collect();
        self.ctx.write(
            "pyproject.toml",
            format!(
                "[project]\nname = \"app\"\nversion = \"0\"\ndependencies = [{}]\n{rest}",
                list.join(", ")
            ),
        );
    }

    /// Where the project's wheels are built.
    pub fn wheels(&self) -> PathBuf {
        self.ctx.root().join("wheels")
    }

    /// A pure wheel of `name` `version` requiring `requires`, not built.
    #[allow(clippy::unused_self, reason = "read as the project's wheel")]
    pub fn wheel_builder(&self, name: &str, version: &str, requires: &[&str]) -> WheelBuilder {
        let module = name.replace('-', "_");
        let mut builder = WheelBuilder::new(name, version).file(&format!("{module}/__init__.py"), "");
        for requirement in requires {
            builder = builder.requires(requirement);
        }
        builder
    }

    /// Builds `wheel` and serves it as `options` say.
    pub fn publish_as(&self, wheel: WheelBuilder, options: Publish) -> PathBuf {
        let path = wheel.build(&self.wheels());
        self.index.publish_as(&path, options);
        path
    }

    /// Builds a pure wheel of `name` `version` requiring `requires`, and
    /// serves it.
    pub fn publish(&self, name: &str, version: &str, requires: &[&str]) -> PathBuf {
        self.publish_as(self.wheel_builder(name, version, requires), Publish::new())
    }
}
