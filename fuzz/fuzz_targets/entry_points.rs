//! A wheel's `entry_points.txt`.
#![no_main]
libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes) {
        fenv::fuzz::entry_points(text);
    }
});
