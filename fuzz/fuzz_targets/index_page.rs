//! A simple-API project page, read as JSON and as HTML.
#![no_main]
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| fenv::fuzz::index_page(bytes));
