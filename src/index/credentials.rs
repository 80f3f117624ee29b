//! Who the client says it is: HTTP Basic credentials from the index URL
//! (`https://user:pass@host/simple`) or from `~/.netrc`.
//!
//! Credentials from the index URL go only to that URL's host and port;
//! a `.netrc` entry goes to the host it names (`machine`), or `default`
//! to any host, as pip (through requests) and uv do. `$NETRC` names
//! another file. The netrc file is read once, on the first request that
//! needs it.

use std::path::PathBuf;
use std::sync::OnceLock;

use base64::Engine;

use super::url::{self, Credentials};

/// The credentials a client sends, per host.
#[derive(Debug)]
pub(crate) struct Auth {
    /// The index's `host:port` and the credentials its URL carried.
    index: Option<(String, Credentials)>,
    netrc_path: Option<PathBuf>,
    netrc: OnceLock<Netrc>,
}

impl Auth {
    /// Credentials from the index URL (already split off) and the netrc
    /// file at `netrc_path`, if any.
    pub fn new(index_url: &str, credentials: Option<Credentials>, netrc_path: Option<PathBuf>) -> Self {
        let index = credentials.and_then(|c| Some((url::authority(index_url)?, c)));
        Self {
            index,
            netrc_path,
            netrc: OnceLock::new(),
        }
    }

    /// The `Authorization` header value for a request to `url`, if any.
    pub fn header(&self, url: &str) -> Option<String> {
        let authority = url::authority(url)?;
        let credentials = match &self.index {
            Some((index, credentials)) if *index == authority => Some(credentials),
            _ => url::host(url).and_then(|host| self.netrc().find(&host)),
        }?;
        let pair = format!("{}:{}", credentials.username, credentials.password);
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        ))
    }

    fn netrc(&self) -> &Netrc {
        self.netrc.get_or_init(|| {
            self.netrc_path
                .as_deref()
                .and_then(|path| fs_err::read_to_string(path).ok())
                .map(|text| Netrc::parse(&text))
                .unwrap_or_default()
        })
    }
}

/// Where `.netrc` is: `$NETRC`, else `~/.netrc`.
pub fn default_netrc_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NETRC").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty())?;
    Some(PathBuf::from(home).join(".netrc"))
}

/// A parsed `.netrc`: `machine` entries in order, and the `default` one.
#[derive(Debug, Default)]
pub(crate) struct Netrc {
    machines: Vec<(String, Credentials)>,
    default: Option<Credentials>,
}

impl Netrc {
    /// Parses the tokens of a netrc file: `machine`, `default`, `login`,
    /// `password`, `account`, and `macdef` (whose body, up to a blank
    /// line, is skipped). Tokens are separated by whitespace and may be
    /// quoted (`"pa ss"`, with `\` escapes); `#` starts a comment.
    /// Unknown tokens are ignored.
    pub fn parse(text: &str) -> Self {
        let mut netrc = Self::default();
        let mut tokens = Tokens { text, at: 0 };
        let mut current: Option<(Option<String>, Credentials)> = None;
        let finish = |entry: Option<(Option<String>, Credentials)>, netrc: &mut Self| match entry {
            Some((Some(machine), credentials)) => {
                netrc.machines.push((machine.to_ascii_lowercase(), credentials));
            }
            Some((None, credentials)) => netrc.default = Some(credentials),
            None => {}
        };
        let empty = || Credentials {
            username: String::new(),
            password: String::new(),
        };
        while let Some(token) = tokens.next() {
            match token.as_str() {
                "machine" => {
                    finish(current.take(), &mut netrc);
                    current = tokens.next().map(|machine| (Some(machine), empty()));
                }
                "default" => {
                    finish(current.take(), &mut netrc);
                    current = Some((None, empty()));
                }
                "login" | "password" => {
                    let value = tokens.next().unwrap_or_default();
                    if let Some((_, credentials)) = current.as_mut() {
                        if token == "login" {
                            credentials.username = value;
                        } else {
                            credentials.password = value;
                        }
                    }
                }
                "account" => {
                    tokens.next();
                }
                "macdef" => {
                    tokens.next();
                    tokens.skip_macro();
                }
                _ => {}
            }
        }
        finish(current, &mut netrc);
        netrc
    }

    /// The credentials for `host`: its `machine` entry, else `default`.
    pub fn find(&self, host: &str) -> Option<&Credentials> {
        let host = host.to_ascii_lowercase();
        self.machines
            .iter()
            .find(|(machine, _)| *machine == host)
            .map(|(_, credentials)| credentials)
            .or(self.default.as_ref())
    }
}

/// The tokens of a netrc file.
struct Tokens<'a> {
    text: &'a str,
    at: usize,
}

impl Tokens<'_> {
    fn next(&mut self) -> Option<String> {
        loop {
            let rest = &self.text[self.at..];
            let trimmed = rest.trim_start();
            self.at += rest.len() - trimmed.len();
            if trimmed.starts_with('#') {
                self.at += trimmed.find('\n').unwrap_or(trimmed.len());
                continue;
            }
            break;
        }
        let mut chars = self.text[self.at..].char_indices();
        let (_, first) = chars.next()?;
        let mut token = String::new();
        let quoted = first == '"';
        if !quoted {
            token.push(first);
        }
        let mut end = self.text.len() - self.at;
        let mut escaped = false;
        for (i, c) in chars {
            if escaped {
                token.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if (quoted && c == '"') || (!quoted && c.is_whitespace()) {
                end = i + c.len_utf8();
                break;
            } else {
                token.push(c);
            }
        }
        self.at += end;
        Some(token)
    }

    /// Skips a macro definition's body: everything up to a blank line.
    fn skip_macro(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.find("\n\n").map_or(rest.len(), |i| i + 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netrc_machines_default_and_macros() {
        let netrc = Netrc::parse(
            "# a comment\n\
             machine index.example login alice password s3cret\n\
             machine other.example\n  login bob\n  password \"two\"\n\
             macdef init\n  cd /pub\n  machine evil.example login x password y\n\n\
             default login anon password \"g\\\"uest\" # a comment\n",
        );
        let alice = netrc.find("INDEX.example").unwrap();
        assert_eq!(
            (alice.username.as_str(), alice.password.as_str()),
            ("alice", "s3cret")
        );
        assert_eq!(netrc.find("other.example").unwrap().password, "two");
        assert_eq!(netrc.find("evil.example").unwrap().username, "anon");
        assert_eq!(netrc.find("anything").unwrap().password, "g\"uest");
        assert_eq!(
            Netrc::parse("machine h login u password \"a b\"")
                .find("h")
                .unwrap()
                .password,
            "a b"
        );
        assert!(Netrc::parse("machine a login b password c").find("z").is_none());
    }

    #[test]
    fn url_credentials_go_only_to_the_index_host() {
        let (base, credentials) = url::split_credentials("http://u:p@127.0.0.1:9/simple");
        let auth = Auth::new(&base, credentials, None);
        // base64("u:p")
        assert_eq!(
            auth.header("http://127.0.0.1:9/files/x.whl").as_deref(),
            Some("Basic dTpw")
        );
        assert_eq!(auth.header("http://127.0.0.1:10/files/x.whl"), None);
        assert_eq!(auth.header("https://files.example/x.whl"), None);
    }
}
