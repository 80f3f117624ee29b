//! Vercel's file-system routes: `api/users.py` serves `/api/users`,
//! `api/index.py` serves `/api`, and `api/users/[id].py` serves
//! `/api/users/<anything but a slash>`, with `id` given to the handler
//! as a query parameter.

use std::collections::BTreeMap;

/// One path segment of a route.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Segment {
    Static(String),
    /// `[name]`: one segment, bound to `name`.
    Param(String),
}

/// A route: the path a function serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub segments: Vec<Segment>,
}

impl Route {
    /// The route of a module at `relative` (POSIX, from the project root,
    /// `.py` included): `api/users/[id].py` → `/api/users/[id]`.
    pub fn for_module(relative: &str) -> Self {
        let stem = relative.strip_suffix(".py").unwrap_or(relative);
        let mut parts: Vec<&str> = stem.split('/').filter(|p| !p.is_empty()).collect();
        if parts.last() == Some(&"index") {
            parts.pop();
        }
        let segments = parts
            .into_iter()
            .map(
                |part| match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
                    Some(name) if !name.is_empty() => Segment::Param(name.to_string()),
                    _ => Segment::Static(part.to_string()),
                },
            )
            .collect();
        Self { segments }
    }

    /// Whether the route has no parameters; static routes win over
    /// dynamic ones, as on Vercel.
    pub fn is_static(&self) -> bool {
        self.segments.iter().all(|s| matches!(s, Segment::Static(_)))
    }

    /// The parameters `path` binds, when the route serves it.
    pub fn matches(&self, path: &str) -> Option<BTreeMap<String, String>> {
        let parts: Vec<&str> = path
            .trim_matches('/')
            .split('/')
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut params = BTreeMap::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Static(name) if name == part => {}
                Segment::Static(_) => return None,
                Segment::Param(name) => {
                    params.insert(name.clone(), part.to_string());
                }
            }
        }
        Some(params)
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("/");
        }
        for segment in &self.segments {
            match segment {
                Segment::Static(name) => write!(f, "/{name}")?,
                Segment::Param(name) => write!(f, "/[{name}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_follow_vercel() {
        assert_eq!(Route::for_module("api/index.py").to_string(), "/api");
        assert_eq!(Route::for_module("api/users.py").to_string(), "/api/users");
        assert_eq!(Route::for_module("api/users/index.py").to_string(), "/api/users");
        let route = Route::for_module("api/users/[id].py");
        assert_eq!(route.to_string(), "/api/users/[id]");
        assert!(!route.is_static());
        assert_eq!(
            route.matches("/api/users/42/"),
            Some(BTreeMap::from([("id".to_string(), "42".to_string())]))
        );
        assert_eq!(route.matches("/api/users/42/posts"), None);
        assert_eq!(route.matches("/api/users"), None);
        assert_eq!(
            Route::for_module("api/index.py").matches("/api"),
            Some(BTreeMap::new())
        );
    }
}
