//! Distribution names (PEP 503 normalization) and wheel file names.

use std::fmt;

/// `Foo.Bar_baz` → `foo-bar-baz`: runs of `-`, `_`, `.` become one `-`,
/// lowercased, as PEP 503 compares names.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Whether `name` is a valid distribution name (the name specification:
/// ASCII letters and digits, with `.`, `_`, `-` only between them). A name
/// that is not can hold `/` or `..`, and must never become a path.
pub fn is_valid(name: &str) -> bool {
    let bytes = name.as_bytes();
    let inner = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() && bytes.iter().all(inner)
        }
        _ => false,
    }
}

/// A compatibility tag: `cp312-cp312-manylinux_2_17_x86_64`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    pub python: String,
    pub abi: String,
    pub platform: String,
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.python, self.abi, self.platform)
    }
}

/// A parsed wheel file name:
/// `{distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelFilename {
    /// The distribution name as written (`_` for separators).
    pub name: String,
    pub version: String,
    pub build: Option<String>,
    /// Every tag of the compressed tag sets (`py2.py3-none-any` is two).
    pub tags: Vec<Tag>,
}

impl WheelFilename {
    /// Parses a file name; `None` when it is not a wheel's.
    #[allow(
        clippy::many_single_char_names,
        reason = "the six parts of the file name, in order"
    )]
    pub fn parse(file_name: &str) -> Option<Self> {
        let stem = file_name.strip_suffix(".whl")?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, python, abi, platform) = match parts[..] {
            [n, v, p, a, pl] => (n, v, None, p, a, pl),
            [n, v, b, p, a, pl] if b.starts_with(|c: char| c.is_ascii_digit()) => (n, v, Some(b), p, a, pl),
            _ => return None,
        };
        if name.is_empty() || version.is_empty() {
            return None;
        }
        let mut tags = Vec::new();
        for python in python.split('.') {
            for abi in abi.split('.') {
                for platform in platform.split('.') {
                    tags.push(Tag {
                        python: python.to_string(),
                        abi: abi.to_string(),
                        platform: platform.to_string(),
                    });
                }
            }
        }
        Some(Self {
            name: name.to_string(),
            version: version.to_string(),
            build: build.map(str::to_string),
            tags,
        })
    }

    /// The normalized distribution name.
    pub fn normalized_name(&self) -> String {
        normalize(&self.name)
    }
}

/// `{name}-{version}.tar.gz` (or `.zip`) → (name, version), as the sdist
/// specification names the file; `None` for other names.
pub fn split_sdist_filename(filename: &str) -> Option<(&str, &str)> {
    let stem = filename
        .strip_suffix(".tar.gz")
        .or_else(|| filename.strip_suffix(".zip"))?;
    stem.rsplit_once('-')
        .filter(|(name, version)| !name.is_empty() && !version.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_the_spec_are_valid() {
        for good in ["a", "A1", "zope.interface", "foo_bar-baz", "x.y-z_1"] {
            assert!(is_valid(good), "{good}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            ".a",
            "a/b",
            "../../../../home/user",
            "a b",
            "a\0",
            "naïve",
            "a\\b",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn names_normalize_like_pep_503() {
        assert_eq!(normalize("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(normalize("pip"), "pip");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(normalize("A-_-B"), "a-b");
    }

    #[test]
    fn wheel_file_names() {
        let wheel = WheelFilename::parse("pip-23.2.1-py3-none-any.whl").expect("parses");
        assert_eq!(
            (
                wheel.name.as_str(),
                wheel.version.as_str(),
                wheel.build.as_deref()
            ),
            ("pip", "23.2.1", None)
        );
        assert_eq!(wheel.tags.len(), 1);
        assert_eq!(wheel.tags[0].to_string(), "py3-none-any");

        let wheel =
            WheelFilename::parse("numpy-2.1.0-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
                .expect("parses");
        assert_eq!(wheel.build.as_deref(), Some("1"));
        assert_eq!(wheel.tags.len(), 2);
        assert_eq!(wheel.tags[1].platform, "manylinux2014_x86_64");

        assert_eq!(
            WheelFilename::parse("six-1.16.0-py2.py3-none-any.whl")
                .expect("parses")
                .tags
                .len(),
            2
        );
        for bad in [
            "pip-23.2.1.tar.gz",
            "pip-py3-none-any.whl",
            "a-1-x-py3-none-any.whl",
        ] {
            assert_eq!(WheelFilename::parse(bad), None, "{bad}");
        }
    }
}
