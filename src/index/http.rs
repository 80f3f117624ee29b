//! HTTP for the index client: one `ureq` agent, credentials per host, a
//! bound on requests in flight, and retries with backoff.
//!
//! Transient failures (a connection error or reset, a timeout, HTTP 5xx or
//! 429, a body cut short) are retried; everything else is handed to the
//! caller, which decides what a status means (a 404 for a `.metadata`
//! file is a fallback, not an error). TLS trusts the platform's
//! certificate store (and `SSL_CERT_FILE`/`SSL_CERT_DIR`), so corporate
//! proxies with their own CA work as they do for pip. URLs handed in never
//! carry credentials; they are sent as an `Authorization` header instead.
//! Redirects are followed here, not by the agent: within one host always,
//! to another host only for file downloads ([`Http::get_file`]: private
//! indexes send files to object storage) and then with no credentials at
//! all. Host names are resolved once per client ([`super::dns`]).
//!
//! A silent host fails fast: a timeout is tried once more, not three
//! times, and a host that timed out is not asked again by this client, so
//! an index that never answers costs seconds, not minutes a package.

use std::io::Read;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::Error;
use super::credentials::Auth;
use super::dns::CachingResolver;
use super::url;

/// A response as the agent returns it.
pub(crate) type Response = ureq::http::Response<ureq::Body>;

/// How reading a response went wrong.
pub(crate) enum Failure {
    /// Worth another attempt (a body cut short, …).
    Transient(String),
    /// Final: no retry.
    Fatal(Error),
}

/// Retry and timeout settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    pub attempts: u32,
    pub backoff: Duration,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub max_in_flight: usize,
}

/// The HTTP side of an index client.
#[derive(Debug)]
pub(crate) struct Http {
    agent: ureq::Agent,
    auth: Auth,
    policy: Policy,
    permits: Permits,
    /// Whether any request was sent: a run served wholly from the cache
    /// has nothing to gain from guessing ahead.
    used: std::sync::atomic::AtomicBool,
    /// Hosts that timed out, with what happened: not asked again.
    silent: Mutex<Vec<(String, String)>>,
}

/// Which redirects a request follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redirects {
    SameHost,
    /// To any host; credentials are dropped when the host changes.
    AnyHost,
}

/// Redirects followed at most, per request.
const MAX_REDIRECTS: usize = 5;

impl Http {
    /// An agent with `policy`'s timeouts, sending `auth`'s credentials.
    pub fn new(auth: Auth, policy: Policy) -> Self {
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build();
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .timeout_connect(Some(policy.connect_timeout))
            // Per read, not per request: a large wheel may take minutes,
            // but a silent server is noticed.
            .timeout_per_read(Some(policy.read_timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_idle_connections_per_host(policy.max_in_flight)
            .user_agent(format!("fenv/{}", crate::VERSION))
            .build();
        let connector = ureq::unversioned::transport::DefaultConnector::new();
        let agent = ureq::Agent::with_parts(config, connector, CachingResolver::default());
        Self {
            agent,
            auth,
            permits: Permits::new(policy.max_in_flight),
            policy,
            used: std::sync::atomic::AtomicBool::new(false),
            silent: Mutex::default(),
        }
    }

    /// Whether this client has sent a request yet.
    pub fn was_used(&self) -> bool {
        self.used.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// GETs `url` with `headers` and hands any response below 500 to
    /// `read`, retrying transient failures with exponential backoff, and
    /// following redirects within the host.
    pub fn get<T>(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        read: impl FnMut(Response) -> Result<T, Failure>,
    ) -> Result<T, Error> {
        self.fetch(url, headers, Redirects::SameHost, read)
    }

    /// [`Http::get`] for a file download, which may be redirected to
    /// another host (sent there without credentials).
    pub fn get_file<T>(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        read: impl FnMut(Response) -> Result<T, Failure>,
    ) -> Result<T, Error> {
        self.fetch(url, headers, Redirects::AnyHost, read)
    }

    fn fetch<T>(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        redirects: Redirects,
        mut read: impl FnMut(Response) -> Result<T, Failure>,
    ) -> Result<T, Error> {
        let host = url::authority(url).unwrap_or_default();
        if let Some((_, reason)) = lock(&self.silent).iter().find(|(silent, _)| *silent == host) {
            return Err(Error::Fetch {
                url: url::redact(url),
                attempts: 0,
                reason: format!("{reason} earlier; not asked again"),
            });
        }
        let mut last = String::new();
        let mut timeouts = 0;
        let mut attempt = 0;
        while attempt < self.policy.attempts {
            if attempt > 0 {
                std::thread::sleep(self.policy.backoff * (1 << attempt.min(8)));
            }
            attempt += 1;
            let response = match self.follow(url, headers, redirects) {
                Ok(response) => response,
                Err(Failure::Fatal(err)) => return Err(err),
                Err(Failure::Transient(reason)) => {
                    // A timeout is tried once more, not as often as a reset.
                    if reason.to_ascii_lowercase().contains("timeout") || reason.contains("timed out") {
                        timeouts += 1;
                        if timeouts >= 2 {
                            lock(&self.silent).push((host.clone(), reason.clone()));
                            last = reason;
                            break;
                        }
                    }
                    last = reason;
                    continue;
                }
            };
            let status = response.status().as_u16();
            if status >= 500 || status == 429 {
                last = format!("HTTP {status}");
                continue;
            }
            match read(response) {
                Ok(value) => return Ok(value),
                Err(Failure::Transient(reason)) => last = reason,
                Err(Failure::Fatal(err)) => return Err(err),
            }
        }
        Err(Error::Fetch {
            url: url::redact(url),
            attempts: attempt,
            reason: last,
        })
    }

    /// One request, and the redirects `redirects` allows.
    fn follow(&self, url: &str, headers: &[(&str, &str)], redirects: Redirects) -> Result<Response, Failure> {
        let origin = url::authority(url);
        let mut current = url.to_string();
        let mut with_credentials = true;
        for _ in 0..=MAX_REDIRECTS {
            let _permit = self.permits.acquire();
            self.used.store(true, std::sync::atomic::Ordering::Relaxed);
            let mut request = self.agent.get(&current);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            if with_credentials && let Some(authorization) = self.auth.header(&current) {
                request = request.header("Authorization", authorization);
            }
            let response = request.call().map_err(|e| Failure::Transient(e.to_string()))?;
            if !matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
                return Ok(response);
            }
            let Some(location) = header(&response, "location") else {
                return Ok(response);
            };
            let next = url::join(&current, location);
            if url::authority(&next) != origin {
                if redirects == Redirects::SameHost {
                    return Err(Failure::Fatal(Error::Redirect {
                        url: url::redact(url),
                        to: url::redact(&next),
                    }));
                }
                with_credentials = false;
            }
            current = next;
        }
        Err(Failure::Fatal(Error::Fetch {
            url: url::redact(url),
            attempts: 1,
            reason: format!("more than {MAX_REDIRECTS} redirects"),
        }))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The whole body of `response`, refused as soon as it passes `limit`
/// bytes (a broken body is transient; a body too large is not).
pub(crate) fn body(response: Response, url: &str, limit: crate::limits::Limit) -> Result<Vec<u8>, Failure> {
    body_within(response, url, limit.bytes(), limit.variable)
}

/// [`body`] for a limit the caller knows (a range's length).
pub(crate) fn body_within(response: Response, url: &str, limit: u64, why: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Transient(e.to_string()))?;
    if bytes.len() as u64 > limit {
        return Err(Failure::Fatal(Error::TooLarge {
            url: url::redact(url),
            limit,
            why: why.to_string(),
        }));
    }
    Ok(bytes)
}

/// A response header as text.
pub(crate) fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The error for a status the caller did not expect.
pub(crate) fn unexpected(url: &str, response: &Response) -> Failure {
    Failure::Fatal(Error::Status {
        url: url::redact(url),
        status: response.status().as_u16(),
    })
}

/// A counting semaphore bounding the requests in flight.
#[derive(Debug)]
struct Permits {
    available: Mutex<usize>,
    freed: Condvar,
}

struct Permit<'a>(&'a Permits);

impl Permits {
    fn new(count: usize) -> Self {
        Self {
            available: Mutex::new(count.max(1)),
            freed: Condvar::new(),
        }
    }

    fn acquire(&self) -> Permit<'_> {
        let mut available = self.available.lock().unwrap_or_else(PoisonError::into_inner);
        while *available == 0 {
            available = self.freed.wait(available).unwrap_or_else(PoisonError::into_inner);
        }
        *available -= 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.available.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.freed.notify_one();
    }
}
