//! A function's cold import time: its module loaded in a fresh process of
//! the environment's Python with `-X importtime`, as a cold start on the
//! platform would load it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// What loading a function's module cost.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportTime {
    /// Loading the module, imports included.
    pub total: Duration,
    /// The modules it imported directly, heaviest first, with their
    /// cumulative time.
    pub heaviest: Vec<(String, Duration)>,
}

/// The loader: runs the module as the runtime (`runtime.py`'s `load`)
/// would, with the project root (the working folder, `-c`'s first
/// `sys.path` entry) and not the module's folder on `sys.path`, timing
/// only that.
const PROBE: &str = "import importlib.util, sys, time\n\
path, name = sys.argv[1], sys.argv[2]\n\
sys.stderr.write('fenv-import-start\\n')\n\
sys.stderr.flush()\n\
start = time.perf_counter()\n\
spec = importlib.util.spec_from_file_location(name, path)\n\
module = importlib.util.module_from_spec(spec)\n\
sys.modules[name] = module\n\
spec.loader.exec_module(module)\n\
sys.stdout.write('fenv-import-us %d\\n' % ((time.perf_counter() - start) * 1e6))\n";

/// Loads `module` with `python` in `cwd` (the project root); `Err` holds
/// the module's own error output when it fails to import.
pub fn measure(python: &Path, module: &Path, cwd: &Path) -> std::io::Result<Result<ImportTime, String>> {
    let output = Command::new(python)
        .args(["-X", "importtime", "-c", PROBE])
        .arg(module)
        .arg("fenv_function")
        .current_dir(cwd)
        .env_remove("PYTHONHOME")
        .env_remove("PYTHONPATH")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let total = stdout
        .lines()
        .find_map(|line| line.strip_prefix("fenv-import-us "))
        .and_then(|us| us.trim().parse::<u64>().ok());
    let Some(total) = total.filter(|_| output.status.success()) else {
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("import time:") && *l != "fenv-import-start")
            .collect();
        return Ok(Err(errors.join("\n")));
    };
    Ok(Ok(ImportTime {
        total: Duration::from_micros(total),
        heaviest: heaviest(&stderr),
    }))
}

/// The direct imports (`import time:` rows without indentation after the
/// loader's own) by cumulative time, heaviest first.
fn heaviest(stderr: &str) -> Vec<(String, Duration)> {
    // Python's own start-up imports come before the marker; they are the
    // same for every function and not what a budget is about.
    let after = stderr
        .split_once("fenv-import-start\n")
        .map_or(stderr, |(_, rest)| rest);
    let mut rows: Vec<(String, Duration)> = after
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("import time:")?;
            let mut fields = rest.split('|');
            let _self_us = fields.next()?;
            let cumulative = fields.next()?.trim().parse::<u64>().ok()?;
            let name = fields.next()?;
            // One space after the `|` for a top-level import; more for nested.
            let top = name.strip_prefix(' ').filter(|n| !n.starts_with(' '))?;
            Some((top.trim().to_string(), Duration::from_micros(cumulative)))
        })
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_imports_after_the_loader_heaviest_first() {
        let stderr = "import time: self [us] | cumulative | imported package\n\
import time:       100 |        100 | encodings\n\
fenv-import-start\n\
import time:        20 |         20 |   email.errors\n\
import time:      1000 |       1500 | json\n\
import time:       400 |       4000 | decimal\n";
        assert_eq!(
            heaviest(stderr),
            [
                ("decimal".to_string(), Duration::from_millis(4)),
                ("json".to_string(), Duration::from_micros(1500)),
            ]
        );
    }
}
