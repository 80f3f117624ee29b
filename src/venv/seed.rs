//! Putting pip into a new environment.
//!
//! For now this runs the environment's own `ensurepip`, exactly as
//! `python -m venv` does (venv-spec §9.1), so the result is the one the
//! interpreter itself would give.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::printer::Printer;
use crate::python::InterpreterInfo;
use crate::venv::{Error, Layout};

/// The packages `ensurepip` installs for this version's venv: pip, plus
/// setuptools before 3.12.
pub fn seed_packages(info: &InterpreterInfo) -> Vec<&'static str> {
    if info.minor() < (3, 12) {
        vec!["pip", "setuptools"]
    } else {
        vec!["pip"]
    }
}

/// `<env>/bin/python -m ensurepip --upgrade --default-pip`, in venv's
/// clean environment: `VIRTUAL_ENV` set, `PYTHONHOME`/`PYTHONPATH` removed,
/// run from the env folder (`-I` up to 3.9, as venv did then).
pub fn ensurepip(
    env: &Path,
    layout: &Layout,
    info: &InterpreterInfo,
    printer: &Printer,
) -> Result<(), Error> {
    if !info.ensurepip.available {
        return Err(Error::NoEnsurepip {
            python: info.executable.clone(),
            version: info.version_string(),
        });
    }
    let mut args = Vec::new();
    if info.minor() <= (3, 9) {
        args.push("-I");
    }
    args.extend(["-m", "ensurepip", "--upgrade", "--default-pip"]);
    run_env_python(env, layout, &args, printer)
}

/// `--upgrade-deps`: `python -m pip install --upgrade pip` (and setuptools
/// before 3.12) with the environment's pip, from the package index.
pub fn upgrade_deps(
    env: &Path,
    layout: &Layout,
    info: &InterpreterInfo,
    printer: &Printer,
) -> Result<(), Error> {
    let mut args = vec!["-m", "pip", "install", "--upgrade"];
    args.extend(seed_packages(info));
    run_env_python(env, layout, &args, printer)
}

fn run_env_python(env: &Path, layout: &Layout, args: &[&str], printer: &Printer) -> Result<(), Error> {
    let python = env.join(&layout.bin).join(&layout.primary);
    let command = format!("{} {}", python.display(), args.join(" "));
    printer.verbose(format!("running `{command}`"));
    let output = Command::new(&python)
        .args(args)
        .current_dir(env)
        .env("VIRTUAL_ENV", env)
        .env_remove("PYTHONHOME")
        .env_remove("PYTHONPATH")
        .stdin(Stdio::null())
        .output()
        .map_err(Error::io("run", &python))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    printer.verbose(text.trim_end());
    if output.status.success() {
        Ok(())
    } else {
        Err(Error::Subprocess {
            command,
            status: output.status.to_string(),
            output: text,
        })
    }
}

/// Points the scripts pip wrote while the environment was being built at
/// `staging` to its final home `real`: their shebangs name the staging
/// interpreter. The `RECORD` entries of rewritten files get their new
/// hashes, so that `pip uninstall` and RECORD checks still agree.
pub fn move_scripts(staging: &Path, real: &Path, layout: &Layout) -> Result<(), Error> {
    let bin = staging.join(&layout.bin);
    let from = staging.to_string_lossy().into_owned();
    let to = real.to_string_lossy().into_owned();
    let mut rewritten = Vec::new();
    for entry in fs_err::read_dir(&bin).map_err(Error::io("read", &bin))? {
        let path = entry.map_err(Error::io("read", &bin))?.path();
        if path.is_symlink() || !path.is_file() {
            continue;
        }
        let bytes = fs_err::read(&path).map_err(Error::io("read", &path))?;
        let Some(new) = rewrite_shebang(&bytes, &from, &to) else {
            continue;
        };
        crate::fs::write_atomic(&path, &new).map_err(Error::io("write", &path))?;
        set_executable(&path)?;
        rewritten.push((path, new));
    }
    if rewritten.is_empty() {
        return Ok(());
    }
    let site_packages = staging.join(&layout.site_packages);
    for entry in fs_err::read_dir(&site_packages).map_err(Error::io("read", &site_packages))? {
        let dist_info = entry.map_err(Error::io("read", &site_packages))?.path();
        let record = dist_info.join("RECORD");
        if dist_info.extension().is_some_and(|e| e == "dist-info") && record.is_file() {
            update_record(&record, &site_packages, &rewritten)?;
        }
    }
    Ok(())
}

/// The script with its shebang naming `to` instead of `from`; `None` when
/// it does not start with a shebang naming `from`. A shebang that grows
/// past the kernel's 127-byte limit becomes pip's `/bin/sh` trampoline.
fn rewrite_shebang(bytes: &[u8], from: &str, to: &str) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (first, rest) = text.split_once('\n')?;
    let interpreter = first.strip_prefix("#!")?;
    if let Some(tail) = interpreter.strip_prefix(from) {
        let new_interpreter = format!("{to}{tail}");
        let head = if new_interpreter.len() + 2 > 127 || new_interpreter.contains(' ') {
            format!("#!/bin/sh\n'''exec' '{new_interpreter}' \"$0\" \"$@\"\n' '''")
        } else {
            format!("#!{new_interpreter}")
        };
        return Some(format!("{head}\n{rest}").into_bytes());
    }
    // Already a trampoline: the path is on its second line.
    if interpreter == "/bin/sh" && rest.starts_with("'''exec'") && rest.contains(from) {
        let (second, tail) = rest.split_once('\n')?;
        return Some(format!("{first}\n{}\n{tail}", second.replacen(from, to, 1)).into_bytes());
    }
    None
}

fn update_record(
    record: &Path,
    site_packages: &Path,
    rewritten: &[(std::path::PathBuf, Vec<u8>)],
) -> Result<(), Error> {
    use base64::Engine;
    use sha2::{Digest, Sha256};

    let text = fs_err::read_to_string(record).map_err(Error::io("read", record))?;
    let mut changed = false;
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            let Some((file, _)) = line.split_once(',') else {
                return line.to_string();
            };
            let target = crate::fs::normalize(&site_packages.join(file));
            match rewritten.iter().find(|(path, _)| *path == target) {
                Some((_, contents)) => {
                    changed = true;
                    let digest =
                        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(contents));
                    format!("{file},sha256={digest},{}", contents.len())
                }
                None => line.to_string(),
            }
        })
        .collect();
    if changed {
        crate::fs::write_atomic(record, lines.join("\n") + "\n").map_err(Error::io("write", record))?;
    }
    Ok(())
}

fn set_executable(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(Error::io("set the mode of", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebangs_follow_the_environment() {
        let script = b"#!/w/.fenv-staging-ab12/bin/python3.12\nimport sys\n";
        assert_eq!(
            rewrite_shebang(script, "/w/.fenv-staging-ab12", "/w/.venv").as_deref(),
            Some(&b"#!/w/.venv/bin/python3.12\nimport sys\n"[..])
        );
        let long = "/w/".to_string() + &"x".repeat(130);
        let rewritten = rewrite_shebang(script, "/w/.fenv-staging-ab12", &long).expect("rewritten");
        let text = String::from_utf8(rewritten).expect("utf-8");
        assert!(text.starts_with(&format!(
            "#!/bin/sh\n'''exec' '{long}/bin/python3.12' \"$0\" \"$@\"\n' '''\nimport sys"
        )));
        assert_eq!(
            rewrite_shebang(b"#!/usr/bin/env python\n", "/w/.fenv-staging-ab12", "/w/.venv"),
            None
        );
        assert_eq!(rewrite_shebang(b"\x7fELF", "/w/a", "/w/b"), None);
    }
}
