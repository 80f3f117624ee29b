//! `METADATA` / `PKG-INFO` / `WHEEL` bytes, as an index or a wheel serves them.
#![no_main]
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| fenv::fuzz::metadata(bytes));
