//! A builder for real source distributions: a `.tar.gz` with one top
//! folder holding `PKG-INFO` (static metadata, PEP 643, unless told
//! otherwise), `pyproject.toml` and the given sources.

use std::path::{Path, PathBuf};

/// Builds one sdist.
#[must_use]
pub struct SdistBuilder {
    name: String,
    version: String,
    metadata_version: String,
    requires: Vec<String>,
    pyproject: Option<String>,
    files: Vec<(String, Vec<u8>)>,
}

impl SdistBuilder {
    pub fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_string(),
            version: version.to_string(),
            metadata_version: "2.2".to_string(),
            requires: Vec::new(),
            pyproject: None,
            files: Vec::new(),
        }
    }

    /// `Metadata-Version` of `PKG-INFO` (below 2.2, nothing is static).
    pub fn metadata_version(mut self, version: &str) -> Self {
        self.metadata_version = version.to_string();
        self
    }

    /// A `Requires-Dist` line in `PKG-INFO`.
    pub fn requires(mut self, requirement: &str) -> Self {
        self.requires.push(requirement.to_string());
        self
    }

    /// The tree's `pyproject.toml`.
    pub fn pyproject(mut self, text: &str) -> Self {
        self.pyproject = Some(text.to_string());
        self
    }

    /// A file of the tree, relative to its top folder.
    pub fn file(mut self, path: &str, contents: impl AsRef<[u8]>) -> Self {
        self.files.push((path.to_string(), contents.as_ref().to_vec()));
        self
    }

    /// `{name}-{version}` with the name normalized to underscores (PEP 625).
    fn stem(&self) -> String {
        format!(
            "{}-{}",
            self.name.replace(['-', '.'], "_").to_lowercase(),
            self.version
        )
    }

    /// The sdist's file name.
    pub fn file_name(&self) -> String {
        format!("{}.tar.gz", self.stem())
    }

    /// Writes the sdist into `dir` and returns its path.
    pub fn build(self, dir: &Path) -> PathBuf {
        let stem = self.stem();
        let mut pkg_info = format!(
            "Metadata-Version: {}\nName: {}\nVersion: {}\n",
            self.metadata_version, self.name, self.version
        );
        for requirement in &self.requires {
            pkg_info.push_str(&format!("Requires-Dist: {requirement}\n"));
        }
        let mut files = vec![("PKG-INFO".to_string(), pkg_info.into_bytes())];
        if let Some(pyproject) = &self.pyproject {
            files.push(("pyproject.toml".to_string(), pyproject.clone().into_bytes()));
        }
        files.extend(self.files.iter().cloned());

        fs_err::create_dir_all(dir).expect("create the sdist folder");
        let path = dir.join(self.file_name());
        let file = fs_err::File::create(&path).expect("create the sdist");
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        for (name, contents) in files {
            let mut header = tar::Header::new_ustar();
            header.set_size(contents.len() as u64);
            header.set_mode(0o644);
            header.set_mtime(1_700_000_000);
            header.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut header, format!("{stem}/{name}"), contents.as_slice())
                .expect("add a tar entry");
        }
        tar.into_inner()
            .expect("finish the tar")
            .finish()
            .expect("finish the gzip stream");
        path
    }
}
