//! Fixture builders shared by the integration tests: real artifacts made
//! on the fly (wheels today; an index and projects as they are needed).

pub mod index;
pub mod lock;
pub mod mount;
pub mod runtime_api;
pub mod sdist;
pub mod tools;
pub mod tree;
pub mod wheel;

/// The lowercase hex sha256 of `bytes`, as locks and RECORDs write it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}
