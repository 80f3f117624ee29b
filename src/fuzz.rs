//! Entry points for the fuzz targets in `fuzz/` (cargo fuzz): each parser
//! that reads bytes from an index, a wheel or a lock, run whole. Not an
//! interface for anything else; hidden from the documentation.
//!
//! A parser may refuse its input; it may not panic, loop or take memory
//! out of proportion to it. That is all the targets check.

/// Core metadata (`METADATA`, `PKG-INFO`) and the header format under it.
pub fn metadata(bytes: &[u8]) {
    let _ = crate::dist::headers::Headers::parse(bytes);
    if let Ok(metadata) = crate::dist::metadata::CoreMetadata::parse(bytes) {
        let _ = metadata.check_static();
        // What fenv writes back must read back the same.
        if let Some(text) = metadata.to_email() {
            let again = crate::dist::metadata::CoreMetadata::parse(text.as_bytes());
            assert_eq!(
                again.as_ref().map(|m| &m.requires_dist),
                Ok(&metadata.requires_dist)
            );
        }
    }
    let _ = crate::dist::wheel_info::WheelInfo::parse(bytes);
}

/// A wheel's `RECORD` (CSV).
pub fn record(text: &str) {
    if let Ok(entries) = crate::install::record::parse(text) {
        // Rendered and read again, the rows are the same (when their
        // paths hold no line break, which a RECORD row cannot carry).
        if entries
            .iter()
            .all(|e| !e.path.contains(['\n', '\r']) && !e.hash.contains(['\n', '\r']))
        {
            let again = crate::install::record::parse(&crate::install::record::render(&entries));
            let mut sorted = entries.clone();
            sorted.sort_by(|a, b| a.path.cmp(&b.path));
            assert_eq!(again.ok(), Some(sorted));
        }
    }
}

/// `entry_points.txt` (INI).
pub fn entry_points(text: &str) {
    if let Ok(points) = crate::dist::entry_points::scripts(text) {
        for point in points {
            // Only dotted identifiers ever reach a launcher.
            for part in point.module.split('.').chain(point.object.split('.')) {
                assert!(!part.is_empty() && part.chars().all(|c| c == '_' || c.is_alphanumeric()));
            }
        }
    }
}

/// A project page of the simple API, as JSON (PEP 691) and as HTML (PEP 503).
pub fn index_page(bytes: &[u8]) {
    crate::index::fuzz_pages(bytes);
}
