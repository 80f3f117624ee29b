//! Host name lookups, once per host and client.
//!
//! `ureq` resolves the host of every new connection with the system
//! resolver (`getaddrinfo`). Many parallel lookups in one process are
//! where resolvers misbehave: glibc sends the A and AAAA queries together,
//! and a resolver or NAT that drops one of them stalls the lookup for the
//! 5 s resolver timeout (measured here: a few of 64 parallel lookups of
//! `files.pythonhosted.org` took 5.0 s, each costing a cold lock 5 s). So
//! the client resolves each `host:port` once, the first caller's lookup
//! shared by the others, and keeps the answer for its lifetime (one fenv
//! command). Failures are not kept.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// One lookup's answer, filled by the first caller.
type Slot = Arc<Mutex<Option<ResolvedSocketAddrs>>>;

/// A resolver that looks each authority up once.
#[derive(Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    answers: Mutex<HashMap<String, Slot>>,
}

impl fmt::Debug for CachingResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachingResolver").finish_non_exhaustive()
    }
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or_default(),
            uri.authority()
                .map(ureq::http::uri::Authority::as_str)
                .unwrap_or_default()
        );
        let slot = {
            let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
            answers.entry(key).or_default().clone()
        };
        // Held during the lookup: concurrent callers wait for its answer.
        let mut answer = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(addresses) = answer.as_ref() {
            return Ok(addresses.clone());
        }
        let addresses = self.inner.resolve(uri, config, timeout)?;
        *answer = Some(addresses.clone());
        Ok(addresses)
    }
}
