//! Distributions as the packaging specifications define them, apart from
//! where they come from or go: names and file names, and the metadata
//! files they carry. Ground-level: it imports nothing of fenv's.

pub mod entry_points;
pub mod headers;
pub mod metadata;
pub mod name;
pub mod pyproject;
pub mod wheel_info;
