//! Which function answers a path: Vercel's file-system routes, static
//! routes before dynamic ones, and `[param]` segments handed to the
//! function as query parameters (`/api/users/42` → `?id=42`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::functions::{Form, Function};

/// The functions' routes, in the order they are tried.
#[derive(Debug)]
pub struct Router {
    /// Indexes into the functions, static routes first.
    order: Vec<usize>,
}

/// A path's function and the parameters its route bound.
#[derive(Debug, PartialEq, Eq)]
pub struct Match {
    pub function: usize,
    pub params: BTreeMap<String, String>,
}

impl Router {
    /// A router over `functions`.
    pub fn new(functions: &[Function]) -> Self {
        let mut order: Vec<usize> = (0..functions.len()).collect();
        // `discover` sorts this way already; a router must not depend on it.
        order.sort_by_key(|&i| (!functions[i].route.is_static(), functions[i].route.to_string()));
        Self { order }
    }

    /// The function serving `path` (percent-encoded, without the query).
    /// As on Vercel, a function is served by its file's name too:
    /// `/api/hello.py` as `/api/hello`, `/api/index` as `/api`.
    pub fn route(&self, functions: &[Function], path: &str) -> Option<Match> {
        let find = |path: &str| {
            self.order.iter().find_map(|&i| {
                functions[i]
                    .route
                    .matches(path)
                    .map(|params| Match { function: i, params })
            })
        };
        find(path).or_else(|| {
            let trimmed = path.trim_end_matches('/');
            let by_name = trimmed.strip_suffix(".py").unwrap_or(trimmed);
            let by_name = by_name.strip_suffix("/index").unwrap_or(by_name);
            (by_name != trimmed).then(|| find(by_name)).flatten()
        })
    }
}

/// `query` with `params` appended, as Vercel passes path parameters.
pub fn query_with(query: &str, params: &BTreeMap<String, String>) -> String {
    let mut out = query.to_string();
    for (name, value) in params {
        if !out.is_empty() {
            out.push('&');
        }
        let _ = write!(out, "{}={}", encode(name), encode(value));
    }
    out
}

/// Percent-encodes what would change a query's meaning; a path segment's
/// own `%XX` escapes are kept as they are.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~%!$'()*,;:@/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// The route table, one line a function: route, module, handler form.
pub fn table(functions: &[Function]) -> Vec<String> {
    let width = |f: fn(&Function) -> String| functions.iter().map(|x| f(x).len()).max().unwrap_or(0);
    let routes = width(|f| f.route.to_string());
    let modules = width(|f| f.relative.clone());
    functions
        .iter()
        .map(|f| {
            let form = f
                .form
                .as_ref()
                .map_or("no handler found".to_string(), Form::describe);
            format!(
                "  {:routes$}  {:modules$}  {form}",
                f.route.to_string(),
                f.relative
            )
        })
        .collect()
}

/// The body of a 404: what was asked, then the routes there are.
pub fn not_found(functions: &[Function], path: &str) -> String {
    let mut body = format!("404: no function serves {path}\n\nroutes:\n");
    for function in functions {
        let _ = writeln!(body, "  {}", function.route);
    }
    if functions.is_empty() {
        body.push_str("  (none: add a .py file under the functions folder)\n");
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::{Route, Scan};

    fn function(relative: &str) -> Function {
        Function {
            name: relative.into(),
            route: Route::for_module(relative),
            module: relative.into(),
            relative: relative.into(),
            scan: Scan {
                handler: None,
                bad_handler_class: None,
                name: None,
            },
            form: Some(Form::App),
            settings: crate::project::manifest::FunctionSettings::default(),
        }
    }

    #[test]
    fn static_routes_win_and_params_become_query() {
        // Dynamic first in the list, to show the order is the router's.
        let functions = vec![
            function("api/users/[id].py"),
            function("api/users/me.py"),
            function("api/index.py"),
            function("api/hello.py"),
        ];
        let router = Router::new(&functions);
        assert_eq!(
            router.route(&functions, "/api/users/me").map(|m| m.function),
            Some(1)
        );
        let found = router.route(&functions, "/api/users/42").unwrap();
        assert_eq!(found.function, 0);
        assert_eq!(query_with("x=1", &found.params), "x=1&id=42");
        // A function is served by its file's name too, as on Vercel.
        for (path, route) in [
            ("/api/hello.py", "/api/hello"),
            ("/api/index", "/api"),
            ("/api/index.py", "/api"),
        ] {
            let found = router.route(&functions, path).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(functions[found.function].route.to_string(), route, "{path}");
        }
        assert_eq!(router.route(&functions, "/api").map(|m| m.function), Some(2));
        assert_eq!(router.route(&functions, "/api/").map(|m| m.function), Some(2));
        assert_eq!(router.route(&functions, "/api/nope"), None);
        assert_eq!(router.route(&functions, "/"), None);
    }

    #[test]
    fn params_cannot_smuggle_query_syntax() {
        let params = BTreeMap::from([("id".to_string(), "a&b=c+d%20e".to_string())]);
        assert_eq!(query_with("", &params), "id=a%26b%3Dc%2Bd%20e");
    }

    #[test]
    fn lists_routes_when_nothing_matches() {
        let functions = vec![function("api/index.py"), function("api/users/[id].py")];
        assert_eq!(
            not_found(&functions, "/x"),
            "404: no function serves /x\n\nroutes:\n  /api\n  /api/users/[id]\n"
        );
        assert_eq!(
            table(&functions),
            [
                "  /api             api/index.py       app (WSGI or ASGI)",
                "  /api/users/[id]  api/users/[id].py  app (WSGI or ASGI)",
            ]
        );
    }
}
