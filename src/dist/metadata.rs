//! Core metadata (`*.dist-info/METADATA` in wheels, `PKG-INFO` in sdists,
//! Metadata-Version 1.0–2.4): the fields a resolver needs.
//!
//! Read as `packaging.metadata` reads them (see [`super::headers`]): a
//! field fenv needs that is repeated where the specification allows one,
//! or that is not UTF-8, makes the whole file invalid, because guessing
//! would lock something the package did not say.

use super::headers::{FieldError, Headers};
use super::name::normalize;

/// What a distribution declares about itself, for resolving.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CoreMetadata {
    /// `Metadata-Version`, if declared.
    pub metadata_version: Option<String>,
    /// `Name`, as written.
    pub name: String,
    /// `Version`, as written.
    pub version: String,
    /// Every `Requires-Dist`, in order (PEP 508 strings, markers included).
    pub requires_dist: Vec<String>,
    /// `Requires-Python`, if declared.
    pub requires_python: Option<String>,
    /// Every `Provides-Extra`, normalized (PEP 685), in order.
    pub provides_extra: Vec<String>,
    /// Every `Dynamic` field name, lowercased (PEP 643).
    pub dynamic: Vec<String>,
}

/// Why a core metadata file cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("it has no `{0}`")]
    Missing(&'static str),

    #[error(transparent)]
    Field(#[from] FieldError),
}

/// Why an sdist's `PKG-INFO` does not say what its wheels will depend on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotStatic {
    #[error(
        "its `PKG-INFO` has Metadata-Version `{0}`; only 2.2 and later can promise static dependencies (PEP 643)"
    )]
    OldVersion(String),

    #[error("its `PKG-INFO` marks `{0}` as dynamic (PEP 643)")]
    Dynamic(String),
}

impl CoreMetadata {
    /// Parses a `METADATA` or `PKG-INFO` file.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let headers = Headers::parse(bytes);
        let required = |field: &'static str| match headers.single(field) {
            Ok(Some(value)) if !value.is_empty() => Ok(value.to_string()),
            Ok(_) => Err(Error::Missing(field)),
            Err(err) => Err(Error::Field(err)),
        };
        Ok(Self {
            metadata_version: headers.single("Metadata-Version")?.map(str::to_string),
            name: required("Name")?,
            version: required("Version")?,
            requires_dist: headers
                .list("Requires-Dist")?
                .into_iter()
                .map(str::to_string)
                .collect(),
            requires_python: headers.single("Requires-Python")?.map(str::to_string),
            provides_extra: headers
                .list("Provides-Extra")?
                .into_iter()
                .map(normalize)
                .collect(),
            dynamic: headers
                .list("Dynamic")?
                .into_iter()
                .map(str::to_ascii_lowercase)
                .collect(),
        })
    }

    /// The fields as a `METADATA` file (Metadata-Version 2.2), which
    /// [`CoreMetadata::parse`] reads back as they are; `None` when a value
    /// holds a line break, which the format cannot carry.
    pub fn to_email(&self) -> Option<String> {
        let mut out = format!(
            "Metadata-Version: 2.2\nName: {}\nVersion: {}\n",
            self.name, self.version
        );
        if let Some(spec) = &self.requires_python {
            out.push_str(&format!("Requires-Python: {spec}\n"));
        }
        for requirement in &self.requires_dist {
            out.push_str(&format!("Requires-Dist: {requirement}\n"));
        }
        for extra in &self.provides_extra {
            out.push_str(&format!("Provides-Extra: {extra}\n"));
        }
        let values = [&self.name, &self.version]
            .into_iter()
            .chain(&self.requires_python)
            .chain(&self.requires_dist)
            .chain(&self.provides_extra);
        values
            .into_iter()
            .all(|value| !value.contains(['\r', '\n']))
            .then_some(out)
    }

    /// PEP 643: whether an sdist's `PKG-INFO` holds the dependencies its
    /// wheels will have, so a resolver may use it without building:
    /// Metadata-Version 2.2 or later, and neither `Requires-Dist`,
    /// `Requires-Python` nor `Provides-Extra` dynamic.
    pub fn check_static(&self) -> Result<(), NotStatic> {
        let declared = self.metadata_version.as_deref().unwrap_or("1.0");
        let number = |part: Option<&str>| part.and_then(|p| p.trim().parse::<u32>().ok());
        let mut parts = declared.split('.');
        let (major, minor) = (number(parts.next()), number(parts.next()).unwrap_or(0));
        if major.is_none_or(|major| (major, minor) < (2, 2)) {
            return Err(NotStatic::OldVersion(declared.to_string()));
        }
        for field in ["requires-dist", "requires-python", "provides-extra"] {
            if self.dynamic.iter().any(|dynamic| dynamic == field) {
                return Err(NotStatic::Dynamic(spelled(field)));
            }
        }
        Ok(())
    }
}

/// `requires-dist` → `Requires-Dist`, as the specification spells it.
fn spelled(field: &str) -> String {
    field
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folded_license_keeps_every_field_after_it() {
        // scipy's METADATA: the BSD text holds lines that are only spaces.
        let text = "Metadata-Version: 2.1\nName: scipy\nVersion: 1.14.1\n\
                    License: Copyright (c) 2001-2002 Enthought, Inc.\n         \n         All rights reserved.\n\
                    Requires-Python: >=3.10\n\
                    Requires-Dist: numpy<2.3,>=1.23.5\n\
                    Requires-Dist: pytest; extra == \"test\"\n\
                    Provides-Extra: Test_Extra\n\
                    Description-Content-Type: text/markdown\n\
                    \n\
                    Requires-Dist: not-a-header-this-is-the-body\n";
        assert_eq!(
            CoreMetadata::parse(text.as_bytes()),
            Ok(CoreMetadata {
                metadata_version: Some("2.1".into()),
                name: "scipy".into(),
                version: "1.14.1".into(),
                requires_dist: vec!["numpy<2.3,>=1.23.5".into(), "pytest; extra == \"test\"".into()],
                requires_python: Some(">=3.10".into()),
                provides_extra: vec!["test-extra".into()],
                dynamic: vec![],
            })
        );
    }

    #[test]
    fn fields_fenv_needs_must_be_unambiguous() {
        assert_eq!(
            CoreMetadata::parse(b"Metadata-Version: 2.1\nVersion: 1\n"),
            Err(Error::Missing("Name"))
        );
        assert_eq!(
            CoreMetadata::parse(b"Name: x\n\nVersion: 1\n"),
            Err(Error::Missing("Version"))
        );
        assert_eq!(
            CoreMetadata::parse(b"Name: x\nVersion:\n"),
            Err(Error::Missing("Version"))
        );
        assert_eq!(
            CoreMetadata::parse(b"Name: x\nname: y\nVersion: 1\n"),
            Err(Error::Field(FieldError::Repeated {
                field: "Name",
                count: 2
            }))
        );
        assert_eq!(
            CoreMetadata::parse(b"Name: x\nVersion: 1\nRequires-Dist: caf\xe9\n"),
            Err(Error::Field(FieldError::NotUtf8("Requires-Dist")))
        );
        // A bad byte in a field fenv does not use costs nothing.
        assert_eq!(
            CoreMetadata::parse(b"Name: x\nVersion: 1\nAuthor: Jos\xe9\nRequires-Dist: a\n")
                .map(|m| m.requires_dist),
            Ok(vec!["a".to_string()])
        );
    }

    #[test]
    fn written_metadata_reads_back_the_same() {
        let metadata = CoreMetadata {
            metadata_version: Some("2.2".into()),
            name: "a".into(),
            version: "1.0".into(),
            requires_dist: vec!["b>=1 ; extra == 'x'".into()],
            requires_python: Some(">=3.9".into()),
            provides_extra: vec!["x".into()],
            dynamic: vec![],
        };
        let text = metadata.to_email().expect("no line breaks");
        assert_eq!(CoreMetadata::parse(text.as_bytes()), Ok(metadata.clone()));
        let broken = CoreMetadata {
            requires_python: Some(">=3.9\nRequires-Dist: evil".into()),
            ..metadata
        };
        assert_eq!(broken.to_email(), None);
    }

    #[test]
    fn only_pep_643_static_metadata_counts() {
        let parse = |text: &str| CoreMetadata::parse(text.as_bytes()).expect("parses");
        assert_eq!(
            parse("Metadata-Version: 2.2\nName: x\nVersion: 1\nDynamic: Description\n").check_static(),
            Ok(())
        );
        assert_eq!(
            parse("Metadata-Version: 2.4\nName: x\nVersion: 1\n").check_static(),
            Ok(())
        );
        assert_eq!(
            parse("Metadata-Version: 2.1\nName: x\nVersion: 1\n").check_static(),
            Err(NotStatic::OldVersion("2.1".into()))
        );
        assert_eq!(
            parse("Name: x\nVersion: 1\n").check_static(),
            Err(NotStatic::OldVersion("1.0".into()))
        );
        // After a folded field, and spelled in any case.
        assert_eq!(
            parse("Metadata-Version: 2.2\nName: x\nVersion: 1\nLicense: a\n \n b\ndynamic: requires-DIST\n")
                .check_static(),
            Err(NotStatic::Dynamic("Requires-Dist".into()))
        );
        assert_eq!(
            parse("Metadata-Version: 2.2\nName: x\nVersion: 1\nDynamic: Provides-Extra\n").check_static(),
            Err(NotStatic::Dynamic("Provides-Extra".into()))
        );
    }
}
