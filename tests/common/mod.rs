//! Test support shared by the integration tests: backends to run the same
//! suite on, inputs, and the naive expected count.
#![allow(dead_code)]

/// One test module per backend, each running the named generic suite
/// functions (`async fn name(b: &Backend)`) on a fresh backend:
/// `suite!(file: Backend::file(); seed, torture);` (object_store's
/// `integration.rs` pattern). `tests.rs` declares `#[macro_use] mod common;`
/// before the test modules, so each of them can call it.
#[allow(unused_macros)]
macro_rules! suite {
    ($backend:ident: $make:expr; $($test:ident),* $(,)?) => {
        mod $backend {
            use super::*;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    let b = $make;
                    super::$test(&b).await;
                }
            )*
        }
    };
}

pub mod docker;
pub mod s3;

use bytes::Bytes;
use logcount::engine::reference::count_one;
use logcount::keywords::Keywords;
use logcount::named::Named;
use logcount::steps::count::LocalRead;
use logcount::store::{self, Stores};
use std::path::PathBuf;
use std::sync::Arc;

/// A place to run the pipeline: a store set plus where inputs and work go.
pub struct Backend {
    pub name: &'static str,
    pub stores: Stores,
    /// URL prefix (ending in '/') under which tests put inputs and work prefixes.
    pub base: String,
    /// Keeps a temporary directory alive for the backend's lifetime.
    pub _guard: Option<Box<dyn std::any::Any + Send>>,
}

impl Backend {
    /// The local file system, in a fresh temporary directory.
    pub fn file() -> Backend {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = format!(
            "{}/",
            url::Url::from_directory_path(dir.path())
                .unwrap()
                .as_str()
                .trim_end_matches('/')
        );
        Backend {
            name: "file",
            stores: Stores::new(),
            base,
            _guard: Some(Box::new(dir)),
        }
    }

    /// An in-process in-memory store.
    pub fn memory() -> Backend {
        let stores = Stores::new();
        stores.register(
            "memory:///",
            Arc::new(object_store::memory::InMemory::new()),
        );
        Backend {
            name: "memory",
            stores,
            base: "memory:///t/".to_string(),
            _guard: None,
        }
    }

    /// The ways count reads this backend's objects: each local read path on
    /// the local file system, the store's ranged reads elsewhere.
    pub fn local_reads(&self) -> &'static [LocalRead] {
        match self.name {
            "file" => LocalRead::ALL,
            _ => &[LocalRead::Pread],
        }
    }

    /// The URL of `name` under this backend's base.
    pub fn url(&self, name: &str) -> String {
        format!("{}{}", self.base, name)
    }

    /// Writes an object.
    pub async fn put(&self, name: &str, data: &[u8]) -> String {
        let url = self.url(name);
        let loc = self.stores.open(&url).unwrap();
        store::write_once(&loc, Bytes::copy_from_slice(data))
            .await
            .unwrap();
        url
    }

    /// Reads an object, or `None` when there is none.
    pub async fn get_opt(&self, name: &str) -> Option<Vec<u8>> {
        let loc = self.stores.open(&self.url(name)).unwrap();
        match store::read_all(&loc).await {
            Ok(b) => Some(b.to_vec()),
            Err(logcount::Error::NotFound { .. }) => None,
            Err(e) => panic!("reading {name}: {e:#}"),
        }
    }

    /// Reads an object.
    pub async fn get(&self, name: &str) -> Vec<u8> {
        let loc = self.stores.open(&self.url(name)).unwrap();
        store::read_all(&loc).await.unwrap().to_vec()
    }
}

/// The stdout of a command that must have succeeded (its status and
/// stderr in the panic otherwise).
#[track_caller]
pub fn ok(o: &std::process::Output) -> String {
    assert!(
        o.status.success(),
        "failed: {:?}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// The naive expected counts of `keywords` in the concatenation of `texts`
/// (each text counted on its own, as separate objects are).
pub fn expected(texts: &[&[u8]], keywords: &Keywords) -> Vec<u64> {
    keywords
        .as_bytes()
        .iter()
        .map(|k| texts.iter().map(|t| count_one(t, k)).sum())
        .collect()
}

/// One of the crate's binaries with a clean environment (only what the test
/// sets, plus the log filter), as a workflow engine would start it.
pub fn step_binary(name: &str, log: &str) -> std::process::Command {
    let exe = match name {
        "logcount" => env!("CARGO_BIN_EXE_logcount"),
        "logcount-split" => env!("CARGO_BIN_EXE_logcount-split"),
        "logcount-count" => env!("CARGO_BIN_EXE_logcount-count"),
        "logcount-merge" => env!("CARGO_BIN_EXE_logcount-merge"),
        other => panic!("no binary {other}"),
    };
    let mut c = std::process::Command::new(exe);
    c.env_clear()
        .env("LOGCOUNT_LOG", log)
        .stdin(std::process::Stdio::null());
    c
}

/// The reference workflow's sample, when ../shared/seed is present.
pub fn seed_sample() -> Option<Vec<u8>> {
    let path = seed_path();
    match std::fs::read(&path) {
        Ok(d) => Some(d),
        Err(_) => {
            eprintln!(
                "SKIPPED: the reference sample {} is absent; seed checks did not run",
                path.display()
            );
            None
        }
    }
}

/// The repository's top folder (the tests belong to the `cli/` crate).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

pub fn seed_path() -> PathBuf {
    repo_root().join("../shared/seed/log-count-data.txt")
}

/// The reference's result for its sample.
pub const SEED_RESULT: [(&str, u64); 4] = [
    ("INFO", 2460),
    ("WARN", 2448),
    ("ERROR", 2583),
    ("DEBUG", 2509),
];

/// Inputs that break naive splitters and counters.
pub fn torture_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let mut huge_line = Vec::new();
    for i in 0..40_000 {
        huge_line.extend_from_slice(if i % 3 == 0 { b"ERROR " } else { b"xINFOx" });
    }
    vec![
        ("empty", b"".to_vec()),
        ("one newline", b"\n".to_vec()),
        ("no final newline", b"INFO a\nWARN b\nERROR c".to_vec()),
        ("crlf", b"INFO a\r\nWARN b\r\nERROR\r\n\r\n".to_vec()),
        (
            "invalid utf-8",
            b"\xff\xfeINFO\x80\nDE\xc3BUG DEBUG\n\x00ERROR\x00\n".to_vec(),
        ),
        ("nul bytes", b"\0\0INFO\0\0\n\0".to_vec()),
        ("huge line", huge_line),
        ("three lines", b"INFO\nWARN\nERROR\n".to_vec()),
        (
            "overlapping",
            b"ERRORERROR ERRERR aaaa aaa\nINFOINFO\n".to_vec(),
        ),
    ]
}
