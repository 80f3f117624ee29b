//! Distributions as the packaging specifications define them, apart from
//! where they come from or go: names and file names, and the metadata
//! files they carry. Ground-level: it imports only `crate::fs`.

pub mod entry_points;
pub mod headers;
pub mod metadata;
pub mod name;
pub mod pyproject;
pub mod sdist;
pub mod wheel_info;
