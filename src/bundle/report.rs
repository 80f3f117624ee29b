//! Sizes against limits: a bundle's unzipped and zipped bytes, its
//! largest packages, and the margin under the platform's limits and the
//! function's `budget`.

use serde::Serialize;

/// The platform's hard limits on one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    pub unzipped_bytes: u64,
    /// `None` where the platform sets no limit on the upload itself.
    pub zipped_bytes: Option<u64>,
}

impl Limits {
    /// Lambda: 50 MB for a zip uploaded directly, 250 MB unzipped
    /// (function and layers). AWS counts in MiB: the API refuses an
    /// unzipped size of more than 262144000 bytes.
    pub const LAMBDA: Self = Self {
        unzipped_bytes: 250 * 1024 * 1024,
        zipped_bytes: Some(50 * 1024 * 1024),
    };

    /// Vercel: 250 MB unzipped a function, and Vercel's Python builder
    /// fails a build with a custom install command (as fenv's projects
    /// have) at 225 MiB (`LAMBDA_SIZE_THRESHOLD_BYTES` in `@vercel/python`),
    /// the stricter of the two.
    pub const VERCEL: Self = Self {
        unzipped_bytes: 225 * 1024 * 1024,
        zipped_bytes: None,
    };
}

/// One package's share of a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageSize {
    pub name: String,
    pub version: String,
    /// The bytes of its files in the zip, uncompressed.
    pub unzipped_bytes: u64,
    /// Its installed files outside its `.dist-info`, and how many of them
    /// the zip holds: a package whose every file an `exclude` glob removed
    /// is not in the zip, and the manifest does not list it.
    #[serde(skip)]
    pub code_files: usize,
    #[serde(skip)]
    pub code_in_zip: usize,
}

impl PackageSize {
    /// Whether the zip carries the package (a package with no files of
    /// its own, only metadata, is carried by its metadata).
    pub fn shipped(&self) -> bool {
        self.code_in_zip > 0 || self.code_files == 0
    }
}

/// Whether a path (installed or in a zip) lies in a `.dist-info` folder.
pub fn is_metadata(path: &str) -> bool {
    path.split('/').any(|part| part.ends_with(".dist-info"))
}

/// A limit a bundle does not keep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Over {
    /// `unzipped limit`, `zipped limit` or `budget`.
    pub what: &'static str,
    pub size: u64,
    pub limit: u64,
}

impl Over {
    pub fn line(&self, function: &str) -> String {
        format!(
            "OVER {function}: {} is over the {} of {}",
            mb(self.size),
            self.what,
            mb(self.limit)
        )
    }
}

/// What exceeds `limits` or the `budget` (unzipped bytes).
pub fn over(unzipped: u64, zipped: u64, limits: Limits, budget: Option<u64>) -> Vec<Over> {
    let mut out = Vec::new();
    if unzipped > limits.unzipped_bytes {
        out.push(Over {
            what: "unzipped limit",
            size: unzipped,
            limit: limits.unzipped_bytes,
        });
    }
    if let Some(limit) = limits.zipped_bytes
        && zipped > limit
    {
        out.push(Over {
            what: "zipped upload limit",
            size: zipped,
            limit,
        });
    }
    if let Some(limit) = budget
        && unzipped > limit
    {
        out.push(Over {
            what: "budget",
            size: unzipped,
            limit,
        });
    }
    out
}

/// The `n` largest packages, largest first (ties by name).
pub fn largest(packages: &[PackageSize], n: usize) -> Vec<&PackageSize> {
    let mut sorted: Vec<&PackageSize> = packages.iter().collect();
    sorted.sort_by(|a, b| b.unzipped_bytes.cmp(&a.unzipped_bytes).then(a.name.cmp(&b.name)));
    sorted.truncate(n);
    sorted
}

/// The margin line: `ok: 249.9 MB under the unzipped limit, …`.
pub fn margins(unzipped: u64, zipped: u64, limits: Limits, budget: Option<u64>) -> String {
    let left = |size: u64, limit: u64| {
        if size <= limit {
            format!("{} left", mb(limit - size))
        } else {
            format!("{} OVER", mb(size - limit))
        }
    };
    let mut parts = vec![format!(
        "unzipped {} of {}",
        left(unzipped, limits.unzipped_bytes),
        mb(limits.unzipped_bytes)
    )];
    if let Some(limit) = limits.zipped_bytes {
        parts.push(format!("zipped {} of {}", left(zipped, limit), mb(limit)));
    }
    parts.push(match budget {
        Some(limit) => format!("budget {} of {}", left(unzipped, limit), mb(limit)),
        None => "no budget".to_string(),
    });
    parts.join(", ")
}

/// `1.74 MB unzipped / 0.80 MB zipped  (<margins>)`; a folder has no
/// zipped size. With a layer, `+ 3.10 MB in the layer` follows the
/// unzipped size, and the margins are those of both together, as
/// Lambda's unzipped limit counts them.
pub fn sizes(unzipped: u64, layer: u64, zipped: Option<u64>, limits: Limits, budget: Option<u64>) -> String {
    let margins = margins(unzipped + layer, zipped.unwrap_or(0), limits, budget);
    let unzipped = if layer > 0 {
        format!("{} unzipped + {} in the layer", mb(unzipped), mb(layer))
    } else {
        format!("{} unzipped", mb(unzipped))
    };
    match zipped {
        Some(zipped) => format!("{unzipped} / {} zipped  ({margins})", mb(zipped)),
        None => format!("{unzipped}  ({margins})"),
    }
}

/// Bytes as MB (10^6 bytes, as budgets are written) with two decimals,
/// or as kB below 1 MB, where MB would round small bundles to nothing.
pub fn mb(bytes: u64) -> String {
    // u64 → f64 is exact below 2^53 bytes, far above any bundle.
    #[allow(clippy::cast_precision_loss)]
    let value = bytes as f64;
    if bytes < 1_000_000 {
        format!("{:.1} kB", value / 1e3)
    } else {
        format!("{:.2} MB", value / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_names_each_limit_broken() {
        let limits = Limits::LAMBDA;
        assert!(over(1_000, 500, limits, None).is_empty());
        let found = over(300 * 1024 * 1024, 60 * 1024 * 1024, limits, Some(1_000));
        let what: Vec<&str> = found.iter().map(|o| o.what).collect();
        assert_eq!(what, ["unzipped limit", "zipped upload limit", "budget"]);
        assert_eq!(
            over(2_000, 10, limits, Some(1_000))[0].line("hello"),
            "OVER hello: 2.0 kB is over the budget of 1.0 kB"
        );
    }

    #[test]
    fn margins_say_what_is_left() {
        assert_eq!(
            margins(2_000_000, 1_000_000, Limits::VERCEL, Some(1_500_000)),
            "unzipped 233.93 MB left of 235.93 MB, budget 500.0 kB OVER of 1.50 MB"
        );
    }

    #[test]
    fn largest_first() {
        let p = |name: &str, unzipped_bytes| PackageSize {
            code_files: 0,
            code_in_zip: 0,
            name: name.into(),
            version: "1".into(),
            unzipped_bytes,
        };
        let packages = [p("a", 1), p("b", 3), p("c", 2), p("d", 3)];
        let names: Vec<&str> = largest(&packages, 3).iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["b", "d", "c"]);
    }
}
