//! The index client against a real HTTP index on 127.0.0.1, through the
//! library API: pages, the three metadata paths (told apart by the
//! index's request log), the cache, offline, retries, credentials,
//! find-links, and parallel prefetch.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fenv::cache::Cache;
use fenv::dist::metadata::CoreMetadata;
use fenv::error::Hint;
use fenv::index::{ClientOptions, Error, File, IndexClient, IndexConfig};

use crate::support::index::{Metadata, Publish, Request, TestIndex};
use crate::support::wheel::{WheelBuilder, noise};

/// A test's folders: wheels, the cache, anything else.
struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        Self {
            root: tempfile::Builder::new().prefix("fenv-index").tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn config(&self, index_url: &str) -> IndexConfig {
        IndexConfig {
            index_url: index_url.to_string(),
            ..IndexConfig::new(Cache::resolve(Some(&self.path("cache"))))
        }
    }

    /// A client with quick retries and no netrc.
    #[allow(clippy::unused_self, reason = "read as the sandbox's client")]
    fn client(&self, config: IndexConfig) -> IndexClient {
        IndexClient::with_options(config, options())
    }

    /// A wheel `name-version` requiring `requires`.
    fn wheel(&self, name: &str, version: &str, requires: &[&str]) -> PathBuf {
        let mut builder = WheelBuilder::new(name, version).file(&format!("{name}/__init__.py"), "");
        for requirement in requires {
            builder = builder.requires(requirement);
        }
        builder.build(&self.path("wheels"))
    }
}

fn options() -> ClientOptions {
    ClientOptions {
        netrc: None,
        backoff: Duration::from_millis(20),
        ..ClientOptions::from_env()
    }
}

/// An error with its causes, as `fenv` prints it.
fn chain(err: &Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The requests after the first `skip`.
fn since(index: &TestIndex, skip: usize) -> Vec<Request> {
    index.log()[skip..].to_vec()
}

fn file_named<'a>(files: &'a [File], name: &str) -> &'a File {
    files
        .iter()
        .find(|f| f.filename == name)
        .unwrap_or_else(|| panic!("no {name} in {files:?}"))
}

/// A wheel whose METADATA comes first and is followed by `payload`
/// incompressible bytes, so the tail of the file does not hold it.
fn wheel_with_metadata_first(dir: &Path, metadata: &str, payload: usize) -> PathBuf {
    fs_err::create_dir_all(dir).unwrap();
    let path = dir.join("big-1.0-py3-none-any.whl");
    let mut zip = zip::ZipWriter::new(fs_err::File::create(&path).unwrap());
    let deflated = zip::write::SimpleFileOptions::default();
    let stored = deflated.compression_method(zip::CompressionMethod::Stored);
    zip.start_file("big-1.0.dist-info/METADATA", deflated).unwrap();
    zip.write_all(metadata.as_bytes()).unwrap();
    zip.start_file("big/payload.bin", stored).unwrap();
    zip.write_all(&noise(payload)).unwrap();
    zip.start_file("big-1.0.dist-info/RECORD", deflated).unwrap();
    zip.finish().unwrap();
    path
}

/// The wheel whose metadata [`demo_metadata`] describes.
fn demo_wheel(sandbox: &Sandbox) -> PathBuf {
    sandbox.wheel("demo", "1.0", &["idna>=2", "six; python_version < \"3\""])
}

fn demo_metadata() -> CoreMetadata {
    CoreMetadata {
        metadata_version: Some("2.1".into()),
        name: "demo".into(),
        version: "1.0".into(),
        requires_dist: vec!["idna>=2".into(), "six; python_version < \"3\"".into()],
        requires_python: None,
        provides_extra: vec![],
        dynamic: vec![],
    }
}

#[test]
fn a_page_lists_every_file_with_what_the_index_says() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish(&sandbox.wheel("demo", "1.0", &[]));
    index.publish_as(&sandbox.wheel("demo", "1.1", &[]), Publish::new().yanked());
    index.publish_as(
        &sandbox.wheel("demo", "2.0", &[]),
        Publish::new()
            .requires_python(">=3.13")
            .upload_time("2026-02-03T04:05:06.789Z")
            .metadata(Metadata::Unadvertised),
    );
    let client = sandbox.client(sandbox.config(&index.url()));

    let files = client.project("Demo").unwrap();

    assert_eq!(files.len(), 3);
    let wheel = sandbox.path("wheels/demo-1.0-py3-none-any.whl");
    let bytes = fs_err::read(&wheel).unwrap();
    let first = file_named(&files, "demo-1.0-py3-none-any.whl");
    assert_eq!(
        first.url,
        format!("http://{}/files/demo-1.0-py3-none-any.whl", index.address())
    );
    assert_eq!(
        first.sha256.as_deref(),
        Some(crate::support::sha256_hex(&fs_err::read(&wheel).unwrap()).as_str())
    );
    assert_eq!(first.size, Some(bytes.len() as u64));
    assert_eq!(first.upload_time.as_deref(), Some("2025-01-01T00:01:00.000000Z"));
    assert!(first.has_metadata && first.metadata_sha256.is_some() && !first.yanked);
    assert_eq!(first.index.as_deref(), Some(index.url().as_str()));
    assert!(file_named(&files, "demo-1.1-py3-none-any.whl").yanked);
    let newest = file_named(&files, "demo-2.0-py3-none-any.whl");
    assert_eq!(newest.requires_python.as_deref(), Some(">=3.13"));
    assert_eq!(newest.upload_time.as_deref(), Some("2026-02-03T04:05:06.789Z"));
    assert!(!newest.has_metadata);
    assert_eq!(index.requests(), ["/simple/demo/"]);

    // Asked again (any spelling): from memory.
    client.project("DEMO").unwrap();
    assert_eq!(index.requests().len(), 1);
    // Unknown to the index: no files, not an error.
    assert!(client.project("nothing-here").unwrap().is_empty());
}

#[test]
fn advertised_metadata_comes_from_the_metadata_file() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish(&demo_wheel(&sandbox));
    index.publish_as(
        &sandbox.wheel("legacy", "1.0", &[]),
        Publish::new().metadata(Metadata::Legacy),
    );
    let client = sandbox.client(sandbox.config(&index.url()));

    let demo = client.project("demo").unwrap();
    let before = index.log().len();
    assert_eq!(client.metadata(&demo[0]).unwrap(), demo_metadata());
    let legacy = client.project("legacy").unwrap();
    assert_eq!(client.metadata(&legacy[0]).unwrap().name, "legacy");

    let paths: Vec<String> = since(&index, before).into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/files/demo-1.0-py3-none-any.whl.metadata",
            "/simple/legacy/",
            "/files/legacy-1.0-py3-none-any.whl.metadata"
        ]
    );
}

#[test]
fn unadvertised_metadata_comes_from_one_range_read() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish_as(
        &demo_wheel(&sandbox),
        Publish::new().metadata(Metadata::Unadvertised),
    );
    let client = sandbox.client(sandbox.config(&index.url()));
    let files = client.project("demo").unwrap();

    assert_eq!(client.metadata(&files[0]).unwrap(), demo_metadata());

    // No `.metadata` guess: the page did not offer one.
    assert_eq!(
        since(&index, 1),
        [Request {
            path: "/files/demo-1.0-py3-none-any.whl".into(),
            range: Some("bytes=-65536".into()),
            status: 206,
            authorization: None,
        }]
    );
}

#[test]
fn a_dangling_metadata_file_falls_back_and_a_tampered_one_fails() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish_as(&demo_wheel(&sandbox), Publish::new().metadata(Metadata::Dangling));
    index.publish_as(
        &sandbox.wheel("evil", "1.0", &[]),
        Publish::new().metadata(Metadata::Tampered),
    );
    let client = sandbox.client(sandbox.config(&index.url()));

    let demo = client.project("demo").unwrap();
    assert_eq!(client.metadata(&demo[0]).unwrap(), demo_metadata());
    let statuses: Vec<(String, u16)> = since(&index, 1).into_iter().map(|r| (r.path, r.status)).collect();
    assert_eq!(
        statuses,
        [
            ("/files/demo-1.0-py3-none-any.whl.metadata".to_string(), 404),
            ("/files/demo-1.0-py3-none-any.whl".to_string(), 206)
        ]
    );

    let evil = client.project("evil").unwrap();
    let err = client.metadata(&evil[0]).unwrap_err();
    assert!(
        chain(&err).starts_with(&format!(
            "failed to read the metadata of `evil-1.0-py3-none-any.whl`: the file \
             `http://{}/files/evil-1.0-py3-none-any.whl.metadata` has sha256",
            index.address()
        )),
        "{}",
        chain(&err)
    );
    let evil_key = evil[0].sha256.clone().unwrap();
    assert!(
        !sandbox
            .path(&format!("cache/metadata/{evil_key}.metadata"))
            .exists(),
        "nothing unverified is cached"
    );
}

#[test]
fn metadata_far_from_the_tail_costs_a_second_range() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    let text = "Metadata-Version: 2.1\nName: big\nVersion: 1.0\nRequires-Python: >=3.9\n\
                Provides-Extra: fast\nRequires-Dist: numpy; extra == \"fast\"\n\nThe description.\n";
    let wheel = wheel_with_metadata_first(&sandbox.path("wheels"), text, 300_000);
    index.publish_as(&wheel, Publish::new().metadata(Metadata::Missing));
    let client = sandbox.client(sandbox.config(&index.url()));
    let files = client.project("big").unwrap();

    let metadata = client.metadata(&files[0]).unwrap();

    assert_eq!(metadata.requires_python.as_deref(), Some(">=3.9"));
    assert_eq!(metadata.provides_extra, ["fast"]);
    assert_eq!(metadata.requires_dist, ["numpy; extra == \"fast\""]);
    let log = since(&index, 1);
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].range.as_deref(), Some("bytes=-65536"));
    assert!(
        log[1].range.as_deref().is_some_and(|r| r.starts_with("bytes=0-")),
        "{log:?}"
    );
    assert!(log.iter().all(|r| r.status == 206));
}

#[test]
fn a_refused_range_uses_the_whole_wheel_it_got() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.refuse_ranges();
    index.publish_as(&demo_wheel(&sandbox), Publish::new().metadata(Metadata::Missing));
    let client = sandbox.client(sandbox.config(&index.url()));
    let files = client.project("demo").unwrap();

    assert_eq!(client.metadata(&files[0]).unwrap(), demo_metadata());

    // One request: the 200 answer to the range request is the wheel.
    assert_eq!(
        since(&index, 1),
        [Request {
            path: "/files/demo-1.0-py3-none-any.whl".into(),
            range: Some("bytes=-65536".into()),
            status: 200,
            authorization: None,
        }]
    );
}

#[test]
fn metadata_is_cached_by_the_wheel_hash() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish_as(
        &demo_wheel(&sandbox),
        Publish::new().metadata(Metadata::Unadvertised),
    );
    let first = sandbox.client(sandbox.config(&index.url()));
    let files = first.project("demo").unwrap();
    first.metadata(&files[0]).unwrap();
    let sha256 = files[0].sha256.clone().unwrap();
    assert!(
        sandbox
            .path(&format!("cache/metadata/{sha256}.metadata"))
            .is_file()
    );
    let requests = index.log().len();

    // A new client (a new fenv process) reads it from the cache, offline too.
    let second = sandbox.client(sandbox.config(&index.url()));
    assert_eq!(second.metadata(&files[0]).unwrap(), demo_metadata());
    let offline = sandbox.client(IndexConfig {
        offline: true,
        ..sandbox.config(&index.url())
    });
    assert_eq!(offline.metadata(&files[0]).unwrap(), demo_metadata());
    assert_eq!(index.log().len(), requests);
}

#[test]
fn a_fresh_page_needs_no_request_and_a_stale_one_is_revalidated() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish(&sandbox.wheel("demo", "1.0", &[]));
    sandbox
        .client(sandbox.config(&index.url()))
        .project("demo")
        .unwrap();
    assert_eq!(index.requests().len(), 1);

    // Within the freshness window: from the cache, no request.
    let files = sandbox
        .client(sandbox.config(&index.url()))
        .project("demo")
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(index.requests().len(), 1);

    // Stale: asked again with the ETag; unchanged, so a 304.
    let stale = IndexConfig {
        freshness: Duration::ZERO,
        ..sandbox.config(&index.url())
    };
    assert_eq!(sandbox.client(stale.clone()).project("demo").unwrap(), files);
    assert_eq!(index.log()[1].status, 304);

    // Changed: the new page replaces the cached one.
    index.publish(&sandbox.wheel("demo", "2.0", &[]));
    assert_eq!(sandbox.client(stale).project("demo").unwrap().len(), 2);
    assert_eq!(index.log()[2].status, 200);

    // `refresh` fetches however fresh the page is.
    let refresh = IndexConfig {
        refresh: true,
        ..sandbox.config(&index.url())
    };
    sandbox.client(refresh).project("demo").unwrap();
    assert_eq!(index.log().len(), 4);
    assert_eq!(index.log()[3].status, 200);
}

#[test]
fn offline_works_from_a_warm_cache_and_fails_clearly_when_cold() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish(&sandbox.wheel("demo", "1.0", &[]));
    let offline = IndexConfig {
        offline: true,
        ..sandbox.config(&index.url())
    };

    let err = sandbox.client(offline.clone()).project("demo").unwrap_err();
    assert_eq!(
        chain(&err),
        "failed to get the files of `demo` from the index: the index page of `demo` \
         is not in the cache, and `--offline` forbids the network"
    );
    assert_eq!(
        err.hint().as_deref(),
        Some("run once without `--offline` to fill the cache, then retry offline")
    );
    assert!(index.requests().is_empty());

    let online = sandbox.client(sandbox.config(&index.url()));
    let files = online.project("demo").unwrap();
    let client = sandbox.client(offline);
    assert_eq!(client.project("demo").unwrap(), files);
    // Metadata never fetched is not there offline either.
    let err = client.metadata(&files[0]).unwrap_err();
    assert!(chain(&err).contains("the metadata of `demo-1.0-py3-none-any.whl` is not in the cache"));
    let err = client.download(&files[0], &sandbox.path("")).unwrap_err();
    assert!(matches!(err, Error::Offline { .. }), "{err}");
    assert_eq!(index.requests().len(), 1);
}

#[test]
fn transient_failures_are_retried() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish_as(
        &sandbox.wheel("demo", "1.0", &[]),
        Publish::new().metadata(Metadata::Unadvertised),
    );
    index.fail("/simple/demo/", 2).fail("/files/", 1);
    let client = sandbox.client(sandbox.config(&index.url()));

    let files = client.project("demo").unwrap();
    client.metadata(&files[0]).unwrap();

    let statuses: Vec<u16> = index.log().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 500, 200, 500, 206]);
}

#[test]
fn a_final_failure_names_the_url_and_the_package_without_credentials() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish(&sandbox.wheel("demo", "1.0", &[]));
    index.fail("/simple/", 100);
    let client = sandbox.client(sandbox.config(&index.url_with_credentials("me", "hunter2")));

    let err = client.project("demo").unwrap_err();

    assert_eq!(
        chain(&err),
        format!(
            "failed to get the files of `demo` from the index: failed to fetch \
             `http://{}/simple/demo/` after 3 attempts: HTTP 500",
            index.address()
        )
    );
    assert!(!format!("{err:?}").contains("hunter2"));
    assert!(!format!("{client:?}").contains("hunter2"));
    assert_eq!(index.requests().len(), 3);
}

#[test]
fn a_slow_index_still_answers_and_a_silent_one_times_out() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish(&sandbox.wheel("demo", "1.0", &[]));
    index.publish(&sandbox.wheel("silent", "1.0", &[]));
    index.delay("/simple/demo/", Duration::from_millis(500));
    index.delay("/simple/silent/", Duration::from_millis(2500));
    let client = IndexClient::with_options(
        sandbox.config(&index.url()),
        ClientOptions {
            read_timeout: Duration::from_secs(1),
            attempts: 2,
            ..options()
        },
    );

    assert_eq!(client.project("demo").unwrap().len(), 1);

    // The page would come after 2.5 s; an error means the 1 s read
    // timeout fired, on each of the two attempts.
    let err = client.project("silent").unwrap_err();
    let message = chain(&err);
    assert!(message.contains("/simple/silent/` after 2 attempts"), "{message}");
    let asked = index
        .requests()
        .iter()
        .filter(|r| *r == "/simple/silent/")
        .count();
    assert_eq!(asked, 2);
}

#[test]
fn credentials_in_the_url_are_sent_and_never_shown() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.require_auth("me", "hunter2");
    index.publish_as(
        &sandbox.wheel("demo", "1.0", &[]),
        Publish::new().metadata(Metadata::Unadvertised),
    );
    let client = sandbox.client(sandbox.config(&index.url_with_credentials("me", "hunter2")));

    let files = client.project("demo").unwrap();
    client.metadata(&files[0]).unwrap();
    let downloads = sandbox.path("downloads");
    fs_err::create_dir_all(&downloads).unwrap();
    client.download(&files[0], &downloads).unwrap();

    assert!(index.log().iter().all(|r| r.status != 401), "{:?}", index.log());
    assert_eq!(files[0].index.as_deref(), Some(index.url().as_str()));
    assert!(!files[0].url.contains("hunter2") && !files[0].url.contains("me@"));
    let cached = fs_err::read_dir(sandbox.path("cache/index"))
        .unwrap()
        .flat_map(|d| fs_err::read_dir(d.unwrap().path()).unwrap())
        .map(|e| fs_err::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(cached.contains("demo-1.0") && !cached.contains("hunter2"));

    // Without them: a 401 and a hint on where credentials go.
    let anonymous = sandbox.client(IndexConfig {
        refresh: true,
        ..sandbox.config(&index.url())
    });
    let err = anonymous.project("demo").unwrap_err();
    assert!(
        chain(&err).ends_with("/simple/demo/` answered HTTP 401"),
        "{}",
        chain(&err)
    );
    assert!(err.hint().unwrap().contains("~/.netrc"));
}

#[test]
fn credentials_come_from_netrc() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.require_auth("netrc-user", "pa ss");
    index.publish(&sandbox.wheel("demo", "1.0", &[]));
    let netrc = sandbox.path("netrc");
    fs_err::write(
        &netrc,
        "machine example.org login x password y\n\
         machine 127.0.0.1\n  login netrc-user\n  password \"pa ss\"\n",
    )
    .unwrap();
    let client = IndexClient::with_options(
        sandbox.config(&index.url()),
        ClientOptions {
            netrc: Some(netrc),
            ..options()
        },
    );

    let files = client.project("demo").unwrap();
    client.metadata(&files[0]).unwrap();

    assert!(index.log().iter().all(|r| r.status == 200), "{:?}", index.log());
}

#[test]
fn find_links_folders_add_local_files() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish(&sandbox.wheel("demo", "1.0", &[]));
    let local = sandbox.path("local");
    let wheel = WheelBuilder::new("demo", "3.0")
        .requires("idna")
        .file("demo/__init__.py", "")
        .build(&local);
    WheelBuilder::new("other", "1.0").build(&local);
    fs_err::write(local.join("demo-3.1.tar.gz"), b"not really an sdist").unwrap();
    fs_err::write(local.join("notes.txt"), b"").unwrap();
    let config = IndexConfig {
        find_links: vec![local.clone()],
        ..sandbox.config(&index.url())
    };
    let client = sandbox.client(config.clone());

    let files = client.project("demo").unwrap();

    let names: Vec<&str> = files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(
        names,
        [
            "demo-3.0-py3-none-any.whl",
            "demo-3.1.tar.gz",
            "demo-1.0-py3-none-any.whl"
        ]
    );
    let found = &files[0];
    assert!(found.url.starts_with("file:///"), "{}", found.url);
    assert_eq!(
        found.sha256.as_deref(),
        Some(crate::support::sha256_hex(&fs_err::read(&wheel).unwrap()).as_str())
    );
    assert_eq!(found.size, Some(fs_err::metadata(&wheel).unwrap().len()));
    assert!(!found.has_metadata && found.index.is_none());
    let requests = index.requests().len();
    let metadata = client.metadata(found).unwrap();
    assert_eq!(
        (metadata.version.as_str(), &metadata.requires_dist[..]),
        ("3.0", &["idna".to_string()][..])
    );
    // An sdist's metadata comes from its PKG-INFO; this one is no archive.
    assert!(matches!(
        client.metadata(&files[1]).unwrap_err(),
        Error::Metadata { source, .. } if matches!(*source, Error::InvalidSdist { .. })
    ));
    let copied = client.download(found, &sandbox.path("")).unwrap();
    assert_eq!(fs_err::read(copied).unwrap(), fs_err::read(&wheel).unwrap());
    assert_eq!(index.requests().len(), requests, "local files need no index");

    // The hash is cached by path, size and mtime.
    assert_eq!(
        fs_err::read_dir(sandbox.path("cache/find-links"))
            .unwrap()
            .count(),
        2
    );

    // A missing folder is an error naming it.
    let broken = sandbox.client(IndexConfig {
        find_links: vec![sandbox.path("nowhere")],
        ..config
    });
    let err = broken.project("demo").unwrap_err();
    assert!(err.to_string().contains("nowhere"), "{err}");
}

#[test]
fn downloads_are_checked_against_the_index_hash() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    let wheel = sandbox.wheel("demo", "1.0", &[]);
    index.publish(&wheel);
    let client = sandbox.client(sandbox.config(&index.url()));
    let mut files = client.project("demo").unwrap();
    let downloads = sandbox.path("downloads");
    fs_err::create_dir_all(&downloads).unwrap();

    let path = client.download(&files[0], &downloads).unwrap();
    assert_eq!(fs_err::read(path).unwrap(), fs_err::read(&wheel).unwrap());

    files[0].sha256 = Some("0".repeat(64));
    files[0].filename = "tampered.whl".into();
    let err = client.download(&files[0], &downloads).unwrap_err();
    assert!(matches!(err, Error::HashMismatch { .. }), "{err}");
    assert!(!downloads.join("tampered.whl").exists());
}

#[test]
fn prefetch_warms_pages_in_parallel() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    let names: Vec<String> = (0..8).map(|i| format!("pkg{i}")).collect();
    for name in &names {
        index.publish(&sandbox.wheel(name, "1.0", &[]));
    }
    index.delay("/simple/", Duration::from_millis(500));
    let client = sandbox.client(sandbox.config(&index.url()));

    client.prefetch(&names);
    client.prefetch(&names); // twice: still one fetch per page
    for name in &names {
        assert_eq!(client.project(name).unwrap().len(), 1);
    }

    // Several pages were waited on at once (serially, one at a time).
    assert!(index.most_in_flight() > 1, "{}", index.most_in_flight());
    let mut requests = index.requests();
    requests.sort();
    let expected: Vec<String> = names.iter().map(|n| format!("/simple/{n}/")).collect();
    assert_eq!(requests, expected);
}

#[test]
fn the_client_is_shared_across_threads() {
    let sandbox = Sandbox::new();
    let index = TestIndex::start();
    index.publish(&demo_wheel(&sandbox));
    index.delay("/simple/", Duration::from_millis(200));
    let client = sandbox.client(sandbox.config(&index.url()));

    std::thread::scope(|scope| {
        for _ in 0..4 {
            let client = client.clone();
            scope.spawn(move || {
                let files = client.project("demo").unwrap();
                assert_eq!(client.metadata(&files[0]).unwrap(), demo_metadata());
            });
        }
    });

    // Concurrent callers waited for the one page fetch.
    let pages = index
        .requests()
        .iter()
        .filter(|p| p.starts_with("/simple/"))
        .count();
    assert_eq!(pages, 1);
}

/// The lock benchmark's set (reference/baseline-perf.md §2), from the
/// real index: every page, and the metadata of each project's newest
/// wheel, cold and then warm. Prints the timings.
#[test]
fn live_pages_and_metadata_from_the_python_package_index() {
    if std::env::var_os("FENV_LIVE_TESTS").is_none() {
        eprintln!("skipped: needs the package index (FENV_LIVE_TESTS=1)");
        return;
    }
    let names: Vec<String> = "annotated-doc annotated-types anyio boto3 botocore certifi \
        charset-normalizer fastapi h11 httpcore httpx idna jmespath opentelemetry-api pydantic \
        pydantic-core python-dateutil requests s3transfer six starlette typing-extensions \
        typing-inspection urllib3"
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let sandbox = Sandbox::new();
    let config = IndexConfig::from_env(Cache::resolve(Some(&sandbox.path("cache"))));
    let run = |label: &str| {
        let client = IndexClient::new(config.clone());
        let started = Instant::now();
        client.prefetch(&names);
        let newest: Vec<File> = names
            .iter()
            .map(|name| {
                let files = client.project_shared(name).unwrap();
                (0..files.len())
                    .filter(|&at| {
                        let f = files.summary(at);
                        f.filename.ends_with(".whl") && !f.yanked
                    })
                    .max_by(|&a, &b| files.summary(a).upload_time.cmp(&files.summary(b).upload_time))
                    .map(|at| files.file(at))
                    .unwrap()
            })
            .collect();
        let pages = started.elapsed();
        std::thread::scope(|scope| {
            for chunk in newest.chunks(3) {
                let client = client.clone();
                scope.spawn(move || {
                    for file in chunk {
                        let metadata = client.metadata(file).unwrap();
                        assert!(
                            file.filename
                                .to_lowercase()
                                .starts_with(&metadata.name.to_lowercase().replace('-', "_"))
                        );
                    }
                });
            }
        });
        eprintln!(
            "{label}: {} pages in {pages:?}, + {} metadata in {:?}",
            names.len(),
            newest.len(),
            started.elapsed().checked_sub(pages).unwrap()
        );
    };
    run("cold");
    run("warm");
}
