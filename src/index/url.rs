//! URLs as the index client handles them: credentials split off (and
//! never shown again), hrefs joined against the page that lists them, and
//! `file://` URLs for find-links folders.
//!
//! This is deliberately not a general URL parser: the index client only
//! needs the authority (`user:pass@host:port`) and RFC 3986 reference
//! resolution for the hrefs an index serves.

use std::fmt;
use std::path::{Path, PathBuf};

/// A user name and password for HTTP Basic authentication.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name, percent-decoded.
    pub username: String,
    /// The password, percent-decoded (may be empty).
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The password never reaches a log.
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"****")
            .finish()
    }
}

/// The byte range of the authority (`user:pass@host:port`) in `url`.
fn authority_range(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    Some((start, end))
}

/// `url` without its `user:pass@` part, and the credentials it carried.
pub fn split_credentials(url: &str) -> (String, Option<Credentials>) {
    let Some((start, end)) = authority_range(url) else {
        return (url.to_string(), None);
    };
    let Some(at) = url[start..end].rfind('@') else {
        return (url.to_string(), None);
    };
    let userinfo = &url[start..start + at];
    let (username, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let stripped = format!("{}{}", &url[..start], &url[start + at + 1..]);
    let credentials = Credentials {
        username: percent_decode(username),
        password: percent_decode(password),
    };
    (stripped, Some(credentials))
}

/// `url` with any credentials removed: the only form of a URL that may
/// appear in a message, a log, a [`File`](super::File) or the cache.
pub fn redact(url: &str) -> String {
    split_credentials(url).0
}

/// The `host:port` a URL points at, lowercased, without credentials.
pub fn authority(url: &str) -> Option<String> {
    let (start, end) = authority_range(url)?;
    let authority = &url[start..end];
    let host_port = authority.rfind('@').map_or(authority, |at| &authority[at + 1..]);
    Some(host_port.to_ascii_lowercase())
}

/// The host name alone (no port, no brackets), as `~/.netrc` names it.
pub fn host(url: &str) -> Option<String> {
    let authority = authority(url)?;
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().map(str::to_string);
    }
    Some(
        authority
            .rsplit_once(':')
            .map_or(authority.as_str(), |(host, _)| host)
            .to_string(),
    )
}

/// `href` resolved against the page at `base` (absolute, host-relative or
/// page-relative), the way a browser resolves a link.
pub fn join(base: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_string();
    }
    let origin_end = base.find("://").map_or(0, |i| i + 3);
    if let Some(rest) = href.strip_prefix("//") {
        let scheme = &base[..origin_end];
        return format!("{scheme}{rest}");
    }
    if let Some(rest) = href.strip_prefix('/') {
        let host_end = base[origin_end..]
            .find('/')
            .map_or(base.len(), |i| origin_end + i);
        return format!("{}/{rest}", &base[..host_end]);
    }
    let dir_end = base.rfind('/').map_or(base.len(), |i| i + 1);
    let mut out = base[..dir_end].to_string();
    let mut href = href;
    loop {
        if let Some(rest) = href.strip_prefix("./") {
            href = rest;
        } else if let Some(rest) = href.strip_prefix("../") {
            out.pop();
            if let Some(i) = out.rfind('/').filter(|i| *i >= origin_end) {
                out.truncate(i + 1);
            } else {
                out.push('/');
            }
            href = rest;
        } else {
            break;
        }
    }
    out + href
}

/// A `file://` URL for an absolute local path.
pub fn from_path(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~+@:".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// The local path of a `file://` URL.
pub fn to_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    Some(PathBuf::from(percent_decode(rest)))
}

/// `%XX` sequences decoded; anything malformed is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(high), Some(low)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            // Two hex digits fit a byte.
            out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_like_a_browser() {
        let page = "http://127.0.0.1:8000/simple/pip/";
        assert_eq!(
            join(page, "https://files.example/p.whl"),
            "https://files.example/p.whl"
        );
        assert_eq!(join(page, "/files/p.whl"), "http://127.0.0.1:8000/files/p.whl");
        assert_eq!(join(page, "p.whl"), "http://127.0.0.1:8000/simple/pip/p.whl");
        assert_eq!(join(page, "./p.whl"), "http://127.0.0.1:8000/simple/pip/p.whl");
        assert_eq!(
            join(page, "../../files/p.whl"),
            "http://127.0.0.1:8000/files/p.whl"
        );
        assert_eq!(join(page, "//cdn.example/p.whl"), "http://cdn.example/p.whl");
    }

    #[test]
    fn credentials_are_split_off_and_decoded() {
        let (url, credentials) = split_credentials("https://me%40corp:p%3Ass@host.example:8443/simple");
        assert_eq!(url, "https://host.example:8443/simple");
        let credentials = credentials.unwrap();
        assert_eq!(credentials.username, "me@corp");
        assert_eq!(credentials.password, "p:ss");
        assert!(!format!("{credentials:?}").contains("p:ss"));

        let (url, credentials) = split_credentials("https://token@host/simple");
        assert_eq!(url, "https://host/simple");
        assert_eq!(credentials.unwrap().password, "");

        // An `@` in the path is not userinfo.
        let (url, credentials) = split_credentials("https://host/simple/a@b/");
        assert_eq!(url, "https://host/simple/a@b/");
        assert!(credentials.is_none());
    }

    #[test]
    fn hosts_and_authorities() {
        let url = "https://u:p@Host.Example:8443/simple";
        assert_eq!(authority(url).unwrap(), "host.example:8443");
        assert_eq!(host(url).unwrap(), "host.example");
        assert_eq!(host("http://[::1]:80/x").unwrap(), "::1");
        assert_eq!(host("http://127.0.0.1/x").unwrap(), "127.0.0.1");
        assert_eq!(redact(url), "https://Host.Example:8443/simple");
    }

    #[test]
    fn file_urls_round_trip() {
        let path = Path::new("/tmp/a dir/ü#1/x-1.0-py3-none-any.whl");
        let url = from_path(path);
        assert!(url.starts_with("file:///tmp/a%20dir/"), "{url}");
        assert!(!url.contains('#'));
        assert_eq!(to_path(&url).unwrap(), path);
    }
}
