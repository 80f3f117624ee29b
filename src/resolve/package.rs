//! The packages PubGrub solves for: the project itself, each distribution,
//! and each distribution-with-an-extra as a package of its own (PEP 508
//! extras add dependencies, so `requests[socks]` 2.32 depends on
//! `requests` 2.32 plus the `socks` extra's requirements).

use std::fmt;

/// A node of the resolution.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Package {
    /// The project being locked.
    Root,
    /// A distribution, by normalized name.
    Dist(String),
    /// A distribution with one extra, by normalized names.
    Extra(String, String),
}

impl Package {
    /// The distribution's normalized name (none for the root).
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Root => None,
            Self::Dist(name) | Self::Extra(name, _) => Some(name),
        }
    }
}

impl fmt::Display for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root => write!(f, "your project"),
            Self::Dist(name) => write!(f, "{name}"),
            Self::Extra(name, extra) => write!(f, "{name}[{extra}]"),
        }
    }
}
