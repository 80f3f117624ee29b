//! Fixture builders shared by the integration tests: real artifacts made
//! on the fly (wheels today; an index and projects as they are needed).

pub mod index;
pub mod lock;
pub mod mount;
pub mod sdist;
pub mod tools;
pub mod tree;
pub mod wheel;
