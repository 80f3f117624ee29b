//! fenv's integration tests: one binary, a module per command.
// Tests say on stderr why they skip and what they measured.
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::print_stdout)]

mod activation;
mod asgi_live;
mod build;
mod bundle;
mod cache;
mod check;
mod ci;
mod common;
mod create;
mod environments;
mod functions;
mod hostile;
mod index;
mod init;
mod install;
mod invoke;
mod layers;
mod lock;
mod lock_uv;
mod metadata;
mod outputs;
mod parity;
mod python;
mod robust;
mod run;
mod seed;
mod serve;
mod sources;
#[path = "../support/mod.rs"]
mod support;
mod sync;
mod sync_live;
mod vercel;
