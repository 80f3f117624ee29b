//! A builder for real wheel files: pure or platform-tagged, with
//! `.data/` scripts and data, entry points, and deliberately broken
//! variants (a bad RECORD hash, a `../` path, an absolute path, a file
//! aimed at `bin/python`, a mismatched `.dist-info` name).

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::{Digest, Sha256};

/// Builds one wheel.
#[must_use]
pub struct WheelBuilder {
    name: String,
    version: String,
    tag: String,
    files: Vec<(String, Vec<u8>, u32)>,
    entry_points: Vec<(String, String, String)>,
    dist_info: Option<String>,
    tampered: Vec<String>,
    unlisted: Vec<String>,
    wheel_version: String,
    requires: Vec<String>,
    requires_python: Option<String>,
    extras: Vec<String>,
    license: Option<String>,
    metadata: Option<Vec<u8>>,
    symlinks: Vec<(String, String)>,
}

impl WheelBuilder {
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_string(),
            version: version.to_string(),
            tag: "py3-none-any".to_string(),
            files: Vec::new(),
            entry_points: Vec::new(),
            dist_info: None,
            tampered: Vec::new(),
            unlisted: Vec::new(),
            wheel_version: "1.0".to_string(),
            requires: Vec::new(),
            requires_python: None,
            extras: Vec::new(),
            license: None,
            metadata: None,
            symlinks: Vec::new(),
        }
    }

    /// `python-abi-platform`, e.g. `cp312-cp312-manylinux_2_17_x86_64`.
    pub fn tag(mut self, tag: &str) -> Self {
        self.tag = tag.to_string();
        self
    }

    /// A file at the wheel's root (purelib/platlib).
    pub fn file(mut self, path: &str, contents: impl AsRef<[u8]>) -> Self {
        self.files
            .push((path.to_string(), contents.as_ref().to_vec(), 0o644));
        self
    }

    /// A file in `<name>-<version>.data/<key>/<path>`.
    pub fn data(mut self, key: &str, path: &str, contents: impl AsRef<[u8]>) -> Self {
        let full = format!("{}.data/{key}/{path}", self.stem());
        let mode = if key == "scripts" { 0o755 } else { 0o644 };
        self.files.push((full, contents.as_ref().to_vec(), mode));
        self
    }

    /// A `[console_scripts]` (or `gui_scripts`) entry.
    pub fn entry_point(mut self, group: &str, name: &str, target: &str) -> Self {
        self.entry_points
            .push((group.to_string(), name.to_string(), target.to_string()));
        self
    }

    /// A `Requires-Dist` line in METADATA.
    #[allow(dead_code)]
    pub fn requires(mut self, requirement: &str) -> Self {
        self.requires.push(requirement.to_string());
        self
    }

    /// A `Requires-Python` line in METADATA.
    #[allow(dead_code)]
    pub fn requires_python(mut self, specifiers: &str) -> Self {
        self.requires_python = Some(specifiers.to_string());
        self
    }

    /// A symbolic link entry (wheels may not hold any).
    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        self.symlinks.push((path.to_string(), target.to_string()));
        self
    }

    /// Names the `.dist-info` folder differently from the file name.
    pub fn dist_info_name(mut self, stem: &str) -> Self {
        self.dist_info = Some(format!("{stem}.dist-info"));
        self
    }

    /// Writes a wrong hash for `path` into RECORD.
    pub fn tamper_hash(mut self, path: &str) -> Self {
        self.tampered.push(path.to_string());
        self
    }

    /// Leaves `path` out of RECORD.
    pub fn unlisted(mut self, path: &str) -> Self {
        self.unlisted.push(path.to_string());
        self
    }

    /// A `Provides-Extra` line in METADATA.
    #[allow(dead_code)]
    pub fn provides_extra(mut self, extra: &str) -> Self {
        self.extras.push(extra.to_string());
        self
    }

    /// A `License:` field holding `text`, folded as setuptools writes a
    /// long license: every line after the first indented by 8 spaces, so
    /// its blank lines become lines of spaces. It goes before the
    /// requirements, as in scipy's METADATA.
    #[allow(dead_code)]
    pub fn license(mut self, text: &str) -> Self {
        self.license = Some(text.to_string());
        self
    }

    /// `METADATA` exactly as given, instead of the one the builder writes.
    #[allow(dead_code)]
    pub fn metadata_text(mut self, bytes: impl AsRef<[u8]>) -> Self {
        self.metadata = Some(bytes.as_ref().to_vec());
        self
    }

    /// The `METADATA` the wheel holds.
    pub fn metadata(&self) -> Vec<u8> {
        if let Some(bytes) = &self.metadata {
            return bytes.clone();
        }
        let mut metadata = format!(
            "Metadata-Version: 2.1\nName: {}\nVersion: {}\n",
            self.name, self.version
        );
        if let Some(license) = &self.license {
            let folded: Vec<String> = license.lines().map(|line| format!("        {line}")).collect();
            metadata.push_str(&format!("License: {}\n", folded.join("\n").trim_start()));
        }
        if let Some(specifiers) = &self.requires_python {
            metadata.push_str(&format!("Requires-Python: {specifiers}\n"));
        }
        for requirement in &self.requires {
            metadata.push_str(&format!("Requires-Dist: {requirement}\n"));
        }
        for extra in &self.extras {
            metadata.push_str(&format!("Provides-Extra: {extra}\n"));
        }
        metadata.into_bytes()
    }

    /// `Wheel-Version` in WHEEL.
    pub fn wheel_version(mut self, version: &str) -> Self {
        self.wheel_version = version.to_string();
        self
    }

    fn stem(&self) -> String {
        format!("{}-{}", self.name.replace('-', "_"), self.version)
    }

    /// The wheel's file name.
    pub fn file_name(&self) -> String {
        format!("{}-{}.whl", self.stem(), self.tag)
    }

    /// Writes the wheel into `dir` and returns its path.
    pub fn build(self, dir: &Path) -> PathBuf {
        let dist_info = self
            .dist_info
            .clone()
            .unwrap_or_else(|| format!("{}.dist-info", self.stem()));
        let mut files = self.files.clone();
        files.push((format!("{dist_info}/METADATA"), self.metadata(), 0o644));
        let root_is_purelib = self.tag.ends_with("-none-any");
        files.push((
            format!("{dist_info}/WHEEL"),
            format!(
                "Wheel-Version: {}\nGenerator: fenv-tests\nRoot-Is-Purelib: {root_is_purelib}\nTag: {}\n",
                self.wheel_version, self.tag
            )
            .into_bytes(),
            0o644,
        ));
        if !self.entry_points.is_empty() {
            let mut text = String::new();
            for group in ["console_scripts", "gui_scripts"] {
                let lines: Vec<String> = self
                    .entry_points
                    .iter()
                    .filter(|(g, _, _)| g == group)
                    .map(|(_, name, target)| format!("{name} = {target}\n"))
                    .collect();
                if !lines.is_empty() {
                    text.push_str(&format!("[{group}]\n{}\n", lines.concat()));
                }
            }
            files.push((format!("{dist_info}/entry_points.txt"), text.into_bytes(), 0o644));
        }
        let mut record = String::new();
        for (path, contents, _) in &files {
            if self.unlisted.contains(path) {
                continue;
            }
            let digest = if self.tampered.contains(path) {
                Sha256::digest(b"something else")
            } else {
                Sha256::digest(contents)
            };
            let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
            record.push_str(&format!("{path},sha256={hash},{}\n", contents.len()));
        }
        record.push_str(&format!("{dist_info}/RECORD,,\n"));
        files.push((format!("{dist_info}/RECORD"), record.into_bytes(), 0o644));

        fs_err::create_dir_all(dir).expect("create the wheel folder");
        let path = dir.join(self.file_name());
        let file = fs_err::File::create(&path).expect("create the wheel");
        let mut zip = zip::ZipWriter::new(file);
        for (name, contents, mode) in files {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(mode);
            zip.start_file(name, options).expect("start a zip entry");
            zip.write_all(&contents).expect("write a zip entry");
        }
        for (link, target) in &self.symlinks {
            zip.add_symlink(link, target, zip::write::SimpleFileOptions::default())
                .expect("add a symlink");
        }
        zip.finish().expect("finish the wheel");
        path
    }
}

/// `len` bytes that do not compress (xorshift), for wheels whose size
/// must survive deflate: zip bombs' opposites, payloads past a limit.
pub fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}
