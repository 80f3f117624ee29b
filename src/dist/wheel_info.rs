//! A wheel's `{name}-{version}.dist-info/WHEEL` file (the binary
//! distribution format specification): the same header format as core
//! metadata, read by the same parser.

use super::headers::{FieldError, Headers};

/// What the installer needs from `WHEEL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelInfo {
    /// `Wheel-Version`, major 1.
    pub version: String,
    /// `Root-Is-Purelib: true`: the archive root goes to purelib.
    pub root_is_purelib: bool,
}

/// Why a `WHEEL` file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("it has no `Wheel-Version`")]
    NoVersion,

    #[error("its Wheel-Version `{0}` is not 1.x, the version this installer understands")]
    UnsupportedVersion(String),

    #[error(transparent)]
    Field(#[from] FieldError),
}

impl WheelInfo {
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        let headers = Headers::parse(bytes);
        let version = headers
            .single("Wheel-Version")?
            .ok_or(Error::NoVersion)?
            .to_string();
        // pip's rule: a newer major is refused, a newer minor accepted.
        if version.split('.').next().map(str::trim) != Some("1") {
            return Err(Error::UnsupportedVersion(version));
        }
        let root_is_purelib = headers
            .single("Root-Is-Purelib")?
            .is_some_and(|value| value.eq_ignore_ascii_case("true"));
        Ok(Self {
            version,
            root_is_purelib,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_files_read_as_headers() {
        assert_eq!(
            WheelInfo::parse(b"Wheel-Version: 1.0\r\nGenerator: bdist_wheel (0.43.0)\r\nroot-is-purelib: True\r\nTag: py3-none-any\r\n"),
            Ok(WheelInfo {
                version: "1.0".into(),
                root_is_purelib: true
            })
        );
        // A folded generator line, then the fields that matter.
        assert_eq!(
            WheelInfo::parse(b"Generator: x\n \nWheel-Version: 1.9\nRoot-Is-Purelib: false\n"),
            Ok(WheelInfo {
                version: "1.9".into(),
                root_is_purelib: false
            })
        );
        assert_eq!(WheelInfo::parse(b"Generator: x\n"), Err(Error::NoVersion));
        assert_eq!(
            WheelInfo::parse(b"Wheel-Version: 2.0\n"),
            Err(Error::UnsupportedVersion("2.0".into()))
        );
        assert_eq!(
            WheelInfo::parse(b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nRoot-Is-Purelib: false\n"),
            Err(Error::Field(FieldError::Repeated {
                field: "Root-Is-Purelib",
                count: 2
            }))
        );
    }
}
