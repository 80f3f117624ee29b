//! fenv's integration tests: one binary, a module per command.

mod common;
mod create;
mod parity;
mod python;
