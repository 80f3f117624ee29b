//! [`IndexClient`]: a project's files, a wheel's metadata, downloads,
//! each served from memory, then the cache, then the network.
//!
//! A client is cheap to clone and shared across threads. Within one
//! client a project page is fetched at most once (concurrent callers for
//! the same page wait for the one fetch); [`IndexClient::prefetch`] warms
//! pages on up to `MAX_PREFETCH_THREADS` background threads.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::cache::{IndexCache, metadata_key};
use super::cached_page::{self, CachedPage, Listing};
use super::credentials::{self, Auth};
use super::find_links::{self, FindLinks};
use super::http::{self, Failure, Http, Policy};
use super::simple;
use super::{Error, File, remote, url};
use crate::cache::Cache;
use crate::dist::metadata::CoreMetadata;
use crate::dist::name::normalize;

/// The public Python Package Index.
pub const DEFAULT_INDEX_URL: &str = "https://pypi.org/simple";

/// How long a cached project page is used without asking the index.
pub const DEFAULT_FRESHNESS: Duration = Duration::from_mins(10);

/// Background threads warming pages and metadata at once, per client.
const MAX_PREFETCH_THREADS: usize = 12;

/// Where packages come from and how the cache is used.
#[derive(Clone)]
pub struct IndexConfig {
    /// The simple API base (`…/simple`); may carry `user:password@`.
    pub index_url: String,
    /// Local folders of wheels and sdists, searched besides the index.
    pub find_links: Vec<PathBuf>,
    /// fenv's cache; [`Cache::disabled`] stores nothing.
    pub cache: Cache,
    /// Never touch the network: only the cache and find-links.
    pub offline: bool,
    /// Fetch every page again, however fresh the cached one.
    pub refresh: bool,
    /// How long a cached page is used without asking the index.
    pub freshness: Duration,
}

impl IndexConfig {
    /// The public index, no find-links, online, [`DEFAULT_FRESHNESS`].
    pub fn new(cache: Cache) -> Self {
        Self {
            index_url: DEFAULT_INDEX_URL.to_string(),
            find_links: Vec::new(),
            cache,
            offline: false,
            refresh: false,
            freshness: DEFAULT_FRESHNESS,
        }
    }

    /// [`IndexConfig::new`] with `FENV_INDEX_URL` and
    /// `FENV_INDEX_FRESHNESS` applied when set.
    pub fn from_env(cache: Cache) -> Self {
        let mut config = Self::new(cache);
        if let Some(url) = std::env::var("FENV_INDEX_URL").ok().filter(|v| !v.is_empty()) {
            config.index_url = url;
        }
        config.freshness = Self::default_freshness();
        config
    }

    /// `FENV_INDEX_FRESHNESS` (seconds) when set, else [`DEFAULT_FRESHNESS`].
    pub fn default_freshness() -> Duration {
        std::env::var("FENV_INDEX_FRESHNESS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(DEFAULT_FRESHNESS, Duration::from_secs)
    }
}

impl fmt::Debug for IndexConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexConfig")
            .field("index_url", &url::redact(&self.index_url))
            .field("find_links", &self.find_links)
            .field("cache", &self.cache)
            .field("offline", &self.offline)
            .field("refresh", &self.refresh)
            .field("freshness", &self.freshness)
            .finish()
    }
}

/// HTTP settings that are not about the index itself.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The netrc file for credentials (`$NETRC`, else `~/.netrc`).
    pub netrc: Option<PathBuf>,
    /// Tries per request before giving up (transient failures only).
    pub attempts: u32,
    /// The first wait between tries; it doubles each time.
    pub backoff: Duration,
    pub connect_timeout: Duration,
    /// How long a read may wait for data (`FENV_HTTP_TIMEOUT` seconds).
    pub read_timeout: Duration,
    /// Requests in flight at once.
    pub max_in_flight: usize,
}

impl ClientOptions {
    /// The defaults, with `$NETRC`/`~/.netrc` and `FENV_HTTP_TIMEOUT`.
    pub fn from_env() -> Self {
        let read_timeout = std::env::var("FENV_HTTP_TIMEOUT")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(Duration::from_secs(15), Duration::from_secs);
        Self {
            netrc: credentials::default_netrc_path(),
            attempts: 3,
            backoff: Duration::from_millis(250),
            connect_timeout: Duration::from_secs(10),
            read_timeout,
            max_in_flight: 16,
        }
    }
}

/// A client for one index plus find-links folders; cheap to clone, and
/// shared across threads.
#[derive(Clone)]
pub struct IndexClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// The index base URL without credentials or a trailing slash.
    base: String,
    http: Http,
    cache: IndexCache,
    find_links: FindLinks,
    offline: bool,
    refresh: bool,
    freshness: Duration,
    /// Project → its files once fetched; the slot's lock is held during
    /// the fetch, so one page is fetched once.
    pages: Mutex<HashMap<String, PageSlot>>,
    /// Metadata by file, locked while being loaded, as pages are.
    metadata: Mutex<HashMap<String, MetadataSlot>>,
    prefetch: Mutex<PrefetchQueue>,
}

type MetadataSlot = Arc<Mutex<Option<CoreMetadata>>>;

/// Work for the background threads: a page to fetch, or a guess at what
/// the resolver will ask for next (its caller decides which file).
enum Job {
    Page(String),
    Work(Box<dyn FnOnce(&IndexClient) + Send>),
}

/// One project's files once fetched, or why they could not be: locked
/// while being fetched, so a page is fetched (and retried) once a client.
type PageSlot = Arc<Mutex<Option<Result<Arc<Listing>, Arc<Error>>>>>;

#[derive(Default)]
struct PrefetchQueue {
    jobs: VecDeque<Job>,
    workers: usize,
}

impl fmt::Debug for IndexClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IndexClient")
            .field("index", &self.inner.base)
            .field("offline", &self.inner.offline)
            .finish_non_exhaustive()
    }
}

impl IndexClient {
    /// The client that downloads a lock's files: `index_url` (the command
    /// line's `--index-url`, or `FENV_INDEX_URL`) when given, else the
    /// project's `[tool.fenv] index-url`, else the public index. The
    /// files' host takes its credentials from that URL, or from netrc, as
    /// pages do.
    pub fn for_files(
        cache: &Cache,
        offline: bool,
        index_url: Option<&str>,
        project_index_url: Option<&str>,
    ) -> Self {
        let mut config = IndexConfig::from_env(cache.clone());
        config.offline = offline;
        if let Some(url) = index_url.or(project_index_url) {
            config.index_url = url.to_string();
        }
        Self::new(config)
    }

    /// A client for `config`, with [`ClientOptions::from_env`].
    pub fn new(config: IndexConfig) -> Self {
        Self::with_options(config, ClientOptions::from_env())
    }

    /// A client for `config` with explicit HTTP settings.
    pub fn with_options(config: IndexConfig, options: ClientOptions) -> Self {
        let (base, credentials) = url::split_credentials(config.index_url.trim_end_matches('/'));
        let auth = Auth::new(&base, credentials, options.netrc);
        let policy = Policy {
            attempts: options.attempts.max(1),
            backoff: options.backoff,
            connect_timeout: options.connect_timeout,
            read_timeout: options.read_timeout,
            max_in_flight: options.max_in_flight,
        };
        Self {
            inner: Arc::new(Inner {
                http: Http::new(auth, policy),
                cache: IndexCache::new(config.cache, &base),
                find_links: FindLinks::new(config.find_links),
                offline: config.offline,
                refresh: config.refresh,
                freshness: config.freshness,
                base,
                pages: Mutex::default(),
                metadata: Mutex::default(),
                prefetch: Mutex::default(),
            }),
        }
    }

    /// The index from `FENV_INDEX_URL` (else the public one), without a
    /// cache: what `fenv create --upgrade-deps` uses.
    pub fn from_env() -> Self {
        Self::new(IndexConfig::from_env(Cache::disabled()))
    }

    /// The index base URL, without credentials.
    pub fn index_url(&self) -> &str {
        &self.inner.base
    }

    /// Every file of `project`: its find-links files, then its index page
    /// (from memory, a fresh cached copy, or the network). A project the
    /// index does not know (404) has no index files.
    pub fn project(&self, name: &str) -> Result<Vec<File>, Error> {
        self.project_shared(name).map(|files| files.to_vec())
    }

    /// [`IndexClient::project`] without the copy: the files as the client
    /// keeps them (pages of popular projects hold thousands of files).
    /// Files of a cached page are built only when asked for.
    pub fn project_shared(&self, name: &str) -> Result<Arc<Listing>, Error> {
        let project = normalize(name);
        let slot = {
            let mut pages = lock(&self.inner.pages);
            pages.entry(project.clone()).or_default().clone()
        };
        let mut memo = lock(&slot);
        match memo.as_ref() {
            Some(Ok(files)) => return Ok(files.clone()),
            Some(Err(failed)) => return Err(Error::Again(failed.clone())),
            None => {}
        }
        let local = self.inner.find_links.files(&project, &self.inner.cache)?;
        let indexed = match self.index_files(&project) {
            Ok(indexed) => indexed,
            Err(source) => {
                let failed = Arc::new(Error::Project {
                    package: project.clone(),
                    source: Box::new(source),
                });
                *memo = Some(Err(failed.clone()));
                return Err(Error::Again(failed));
            }
        };
        let files = Arc::new(indexed.after(local));
        *memo = Some(Ok(files.clone()));
        Ok(files)
    }

    /// The project page from the cache, or fetched (and cached).
    fn index_files(&self, project: &str) -> Result<Listing, Error> {
        let inner = &self.inner;
        let page_url = format!("{}/{project}/", inner.base);
        let text = inner.cache.read_page_text(project);
        // A page used as it is is read lazily; one to revalidate, whole.
        if inner.offline {
            return text
                .and_then(cached_page::decode_lazy)
                .map(|(_, files)| files)
                .ok_or_else(|| Error::Offline {
                    what: format!("the index page of `{project}`"),
                });
        }
        let text = match text {
            Some(text) if !inner.refresh && cached_page::is_fresh(&text, inner.freshness) => {
                match cached_page::decode_lazy(text) {
                    Some((_, files)) => return Ok(files),
                    None => None,
                }
            }
            other => other,
        };
        let cached = text.as_deref().and_then(CachedPage::decode);
        // Revalidate with the ETag when the index gave one (a 304 costs
        // no body); `--refresh` asks unconditionally.
        let etag = cached
            .as_ref()
            .filter(|_| !inner.refresh)
            .and_then(|page| page.etag.clone());
        let mut headers = vec![("Accept", simple::ACCEPT)];
        if let Some(etag) = &etag {
            headers.push(("If-None-Match", etag.as_str()));
        }
        let fetched = inner.http.get(&page_url, &headers, |response| {
            match response.status().as_u16() {
                304 if etag.is_some() => Ok(None),
                200 => read_page(response, &page_url, &inner.base).map(Some),
                // Unknown to the index: no files (the resolver says so).
                404 | 410 => Ok(Some(CachedPage::new(&page_url, None, Vec::new()))),
                _ => Err(http::unexpected(&page_url, &response)),
            }
        })?;
        let page = match (fetched, cached) {
            (Some(page), _) => page,
            (None, Some(mut page)) => {
                page.touch();
                page
            }
            (None, None) => CachedPage::new(&page_url, None, Vec::new()),
        };
        inner.cache.write_page(project, &page);
        Ok(Listing::from(page.files))
    }

    /// The core metadata of a wheel: from memory, the cache, a find-links
    /// archive, or the index (`.metadata` file, else range reads, else the
    /// whole wheel), then cached by the wheel's sha256. An sdist's comes
    /// from its `PKG-INFO`, when that is static (PEP 643).
    pub fn metadata(&self, file: &File) -> Result<CoreMetadata, Error> {
        let key = metadata_key(file);
        let slot = lock(&self.inner.metadata).entry(key.clone()).or_default().clone();
        // Held while loading, so a second caller waits for this load.
        let mut memo = lock(&slot);
        if let Some(found) = memo.as_ref() {
            return Ok(found.clone());
        }
        let metadata = self.load_metadata(file, &key).map_err(|source| Error::Metadata {
            filename: file.filename.clone(),
            source: Box::new(source),
        })?;
        *memo = Some(metadata.clone());
        Ok(metadata)
    }

    fn load_metadata(&self, file: &File, key: &str) -> Result<CoreMetadata, Error> {
        let inner = &self.inner;
        if let Some(metadata) = inner
            .cache
            .read_metadata(key)
            .and_then(|bytes| CoreMetadata::parse(&bytes).ok())
        {
            return Ok(metadata);
        }
        if !file.filename.ends_with(".whl") {
            return self.load_sdist_metadata(file, key);
        }
        let bytes = if let Some(path) = url::to_path(&file.url) {
            find_links::read_wheel_metadata(&path).map_err(|reason| Error::InvalidWheel {
                url: file.url.clone(),
                reason,
            })?
        } else if inner.offline {
            return Err(Error::Offline {
                what: format!("the metadata of `{}`", file.filename),
            });
        } else {
            remote::fetch_metadata(&inner.http, file)?
        };
        let metadata = CoreMetadata::parse(&bytes).map_err(|source| Error::InvalidMetadata {
            url: file.url.clone(),
            source,
        })?;
        inner.cache.write_metadata(key, &bytes);
        Ok(metadata)
    }

    /// The metadata of an sdist without building it: from a static
    /// `[project]` table in its `pyproject.toml` (PEP 621), else from its
    /// `PKG-INFO` when PEP 643 says that is final (`Metadata-Version` 2.2
    /// or later, nothing the resolver needs `Dynamic`). The sdist is
    /// downloaded (and checked) to read it; only the metadata is cached.
    fn load_sdist_metadata(&self, file: &File, key: &str) -> Result<CoreMetadata, Error> {
        if !crate::dist::sdist::is_sdist(&file.filename) {
            return Err(Error::NotAWheel {
                filename: file.filename.clone(),
            });
        }
        let dir = tempfile::Builder::new()
            .prefix("fenv-sdist-")
            .tempdir()
            .map_err(|source| Error::Io(crate::fs::PathError::new("create", std::env::temp_dir(), source)))?;
        let path = self.download(file, dir.path())?;
        let invalid = |reason| Error::InvalidSdist {
            url: file.url.clone(),
            reason,
        };
        // uv's order: a static `[project]` table first, then `PKG-INFO`.
        if let Some((name, version)) = crate::dist::name::split_sdist_filename(&file.filename)
            && let Some(pyproject) =
                crate::dist::sdist::top_level_file(&path, "pyproject.toml").map_err(invalid)?
            && let Ok(text) = std::str::from_utf8(&pyproject)
            && let Ok(metadata) = crate::dist::pyproject::static_metadata(text, name, version)
            && let Some(bytes) = metadata.to_email()
        {
            self.inner.cache.write_metadata(key, bytes.as_bytes());
            return Ok(metadata);
        }
        let bytes = crate::dist::sdist::pkg_info(&path).map_err(invalid)?;
        let metadata = CoreMetadata::parse(&bytes).map_err(|source| Error::InvalidMetadata {
            url: file.url.clone(),
            source,
        })?;
        metadata.check_static().map_err(|source| Error::DynamicMetadata {
            filename: file.filename.clone(),
            source,
        })?;
        self.inner.cache.write_metadata(key, &bytes);
        Ok(metadata)
    }

    /// Keeps `bytes`, the `METADATA` built from the sdist `file`, as that
    /// file's metadata (in memory and in the cache, by the file's sha256),
    /// so that the next lock reads it without building.
    pub fn remember_metadata(&self, file: &File, bytes: &[u8]) -> Result<CoreMetadata, Error> {
        let metadata = CoreMetadata::parse(bytes).map_err(|source| Error::InvalidMetadata {
            url: file.url.clone(),
            source,
        })?;
        let key = metadata_key(file);
        self.inner.cache.write_metadata(&key, bytes);
        let slot = lock(&self.inner.metadata).entry(key).or_default().clone();
        *lock(&slot) = Some(metadata.clone());
        Ok(metadata)
    }

    /// Starts fetching the pages of `names` on background threads (at
    /// most 12 per client) and returns at once. A later
    /// [`IndexClient::project`] takes the result, or waits for the fetch in
    /// progress; a failure surfaces there.
    pub fn prefetch(&self, names: &[String]) {
        if self.inner.offline {
            return;
        }
        let jobs = {
            let queue = lock(&self.inner.prefetch);
            names
                .iter()
                .map(|name| normalize(name))
                .filter(|project| {
                    !self.is_known(project)
                        && !queue
                            .jobs
                            .iter()
                            .any(|job| matches!(job, Job::Page(queued) if queued == project))
                })
                .map(Job::Page)
                .collect::<Vec<_>>()
        };
        self.enqueue(jobs);
    }

    /// Runs `work` on a background thread: the resolver's guess at the
    /// metadata it will want next, fetched while it works on something
    /// else. What `work` loads lands in the client's memory; its errors
    /// are dropped (the resolver meets them again if it does ask).
    /// Nothing is run while the client has not needed the network: from a
    /// warm cache the work is cheaper done when asked for than handed over.
    pub fn speculate(&self, work: impl FnOnce(&IndexClient) + Send + 'static) {
        if self.inner.offline || !self.inner.http.was_used() {
            return;
        }
        self.enqueue(vec![Job::Work(Box::new(work))]);
    }

    fn enqueue(&self, jobs: Vec<Job>) {
        let spawn = {
            let mut queue = lock(&self.inner.prefetch);
            queue.jobs.extend(jobs);
            let spawn = MAX_PREFETCH_THREADS
                .saturating_sub(queue.workers)
                .min(queue.jobs.len());
            queue.workers += spawn;
            spawn
        };
        for _ in 0..spawn {
            let client = self.clone();
            let started = std::thread::Builder::new()
                .name("fenv-prefetch".into())
                .spawn(move || client.prefetch_worker());
            if started.is_err() {
                lock(&self.inner.prefetch).workers -= 1;
            }
        }
    }

    fn prefetch_worker(&self) {
        loop {
            let next = {
                let mut queue = lock(&self.inner.prefetch);
                let next = queue.jobs.pop_front();
                if next.is_none() {
                    queue.workers -= 1;
                }
                next
            };
            match next {
                None => return,
                // Errors are not kept: `project()` fetches again and reports.
                Some(Job::Page(project)) => {
                    let _ = self.project_shared(&project);
                }
                Some(Job::Work(work)) => work(self),
            }
        }
    }

    /// Whether the page of `project` is already in memory.
    fn is_known(&self, project: &str) -> bool {
        let slot = lock(&self.inner.pages).get(project).cloned();
        // A slot being filled is locked: treat it as known.
        slot.is_some_and(|slot| slot.try_lock().map_or(true, |memo| memo.is_some()))
    }

    /// Downloads `file` into `dir` under its file name, checking its size
    /// and sha256 before it is kept; returns its path. Find-links files
    /// are copied.
    pub fn download(&self, file: &File, dir: &Path) -> Result<PathBuf, Error> {
        let expected = file.sha256.clone().ok_or_else(|| Error::NoHash {
            url: file.url.clone(),
        })?;
        if url::to_path(&file.url).is_none() && self.inner.offline {
            return Err(Error::Offline {
                what: format!("`{}`", file.filename),
            });
        }
        remote::download(&self.inner.http, file, &expected, dir)
    }
}

/// Reads a 200 project page into a cache entry.
fn read_page(response: http::Response, page_url: &str, base: &str) -> Result<CachedPage, Failure> {
    let content_type = http::header(&response, "content-type")
        .unwrap_or_default()
        .to_string();
    let etag = http::header(&response, "etag").map(str::to_string);
    // Hrefs resolve against where the page really was (after redirects).
    let final_url = url::redact(&ureq::ResponseExt::get_uri(&response).to_string());
    let html = content_type.starts_with("text/html") || content_type.contains("simple.v1+html");
    let body = http::body(response, page_url, crate::limits::PAGE)?;
    let parsed = if html {
        simple::parse_html_page(&body, &final_url, base)
    } else {
        simple::parse_page(&body, &final_url, base)
    };
    let files = parsed.map_err(|reason| {
        Failure::Fatal(Error::InvalidPage {
            url: page_url.to_string(),
            reason,
        })
    })?;
    Ok(CachedPage::new(page_url, etag, files))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
