//! The local fast paths (count maps the file or reads it with `pread`, `split --materialize`
//! copies with the kernel) are taken for plain local files, and only for the
//! local file system store that `Stores` built itself: a store that a caller
//! registered for a `file://` URL (prefixed, or wrapped) is read and written
//! through the store, so the bytes are the ones that store serves, not
//! whatever file the URL's path happens to name.

use crate::common;

use common::expected;
use logcount::keywords::Keywords;
use logcount::named::Named;
use logcount::run::{run_in_process, RunOptions};
use logcount::steps::count::{CountOptions, LocalRead};
use logcount::steps::split::SplitOptions;
use logcount::store::{self, Stores};
use object_store::limit::LimitStore;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::ObjectStore;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Three parts, materialized, the local file read with `read`.
fn run_options(read: LocalRead) -> RunOptions {
    RunOptions {
        reduce: Default::default(),
        split: SplitOptions {
            parts: 3,
            counting: logcount::spec::Counting::default(),
            materialize: true,
            ..Default::default()
        },
        count: CountOptions {
            read,
            ..CountOptions::default()
        },
        jobs: 3,
    }
}

/// What a tracing subscriber writes, kept.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `f` on a current-thread runtime (so every task runs on this thread)
/// with logcount's debug events captured; returns its output and the events,
/// one line each.
fn with_events<T>(f: impl Future<Output = T>) -> (T, Vec<String>) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("logcount=debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let out = tracing::subscriber::with_default(subscriber, || rt.block_on(f));
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    (out, text.lines().map(str::to_string).collect())
}

/// The events of fast path `kind` (`pread`, `copy_file_range`).
fn fast_path_events<'a>(events: &'a [String], kind: &str) -> Vec<&'a str> {
    let field = format!("fast_path=\"{kind}\"");
    events
        .iter()
        .filter(|e| e.contains(&field))
        .map(String::as_str)
        .collect()
}

/// Runs split (materializing) → count × 3 → merge of `input` in `work`, and
/// checks the counts and the materialized parts against `data`, the bytes
/// the store serves for `input`.
async fn run_and_check(
    stores: &Stores,
    (input, work): (&str, &str),
    read: LocalRead,
    data: &[u8],
    name: &str,
) {
    let input = stores.open(input).unwrap();
    let work = stores.open(work).unwrap();
    let out = run_in_process(stores, &input, &work, &run_options(read))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e:#}"));
    let got: Vec<u64> = out.merged.result.values().collect();
    let want = expected(&[data], &Keywords::default_set());
    assert_eq!(got, want, "{name}: counts of the store's bytes");
    let mut joined = Vec::new();
    for id in 0..out.merged.parts {
        let part = work.join(&format!("split-output/{id}.txt"));
        let bytes = store::read_all(&part)
            .await
            .unwrap_or_else(|e| panic!("{name}: part {id}: {e:#}"));
        joined.extend_from_slice(&bytes);
    }
    assert_eq!(joined.len(), data.len(), "{name}: materialized bytes");
    assert!(
        joined == data,
        "{name}: materialized parts are the store's bytes"
    );
}

/// `file://` URL of a directory, ending in '/'.
fn dir_url(dir: &Path) -> String {
    url::Url::from_directory_path(dir).unwrap().to_string()
}

/// The kinds of store a caller may register for `file:///`, each over the
/// local file system. (object_store's `ThrottledStore` cannot wrap a local
/// store: its `get` panics on a file payload.)
const CALLER_STORES: [&str; 3] = [
    "LocalFileSystem::new_with_prefix",
    "PrefixStore over LocalFileSystem::new",
    "LimitStore",
];

/// A store of kind `kind` that serves the directory `real` as its root: the
/// file behind `file:///x` is `<real>/x`.
fn caller_store(kind: &str, real: &Path) -> Arc<dyn ObjectStore> {
    let rooted = || LocalFileSystem::new_with_prefix(real).unwrap();
    match kind {
        "LocalFileSystem::new_with_prefix" => Arc::new(rooted()),
        "PrefixStore over LocalFileSystem::new" => {
            let relative = real.to_str().unwrap().trim_start_matches('/');
            Arc::new(PrefixStore::new(LocalFileSystem::new(), relative))
        }
        "LimitStore" => Arc::new(LimitStore::new(rooted(), 4)),
        other => panic!("no store kind {other}"),
    }
}

/// A caller-registered store over the local file system: the URL names
/// `<decoy>/app.log`, a real file of the same size with other bytes, while
/// the store serves `<real>/<decoy>/app.log`. Counting and materializing
/// must see the store's bytes, through the store (no fast path), and write
/// nothing next to the decoy.
#[test]
fn caller_registered_local_stores_count_and_materialize_the_right_bytes() {
    let data = logcount::gen::generate(300_000, 11);
    // Same length, same lines, no keyword left.
    let decoy_data = data.to_ascii_lowercase();
    let k = Keywords::default_set();
    assert_ne!(expected(&[&data], &k), expected(&[&decoy_data], &k));
    for name in CALLER_STORES {
        let decoy = tempfile::tempdir().unwrap();
        let real = tempfile::tempdir().unwrap();
        std::fs::write(decoy.path().join("app.log"), &decoy_data).unwrap();
        let stores = Stores::default();
        stores.register("file:///", caller_store(name, real.path()));
        let base = dir_url(decoy.path());
        let input = format!("{base}app.log");
        let ((), events) = with_events(async {
            let loc = stores.open(&input).unwrap();
            assert_eq!(loc.local_path(), None, "{name}");
            store::write_once(&loc, bytes::Bytes::from(data.clone()))
                .await
                .unwrap();
            for &read in LocalRead::ALL {
                let work = format!("{base}work-{read}/");
                run_and_check(&stores, (&input, &work), read, &data, name).await;
            }
        });
        let served = real
            .path()
            .join(decoy.path().strip_prefix("/").unwrap())
            .join("app.log");
        assert_eq!(
            std::fs::read(&served).unwrap(),
            data,
            "{name}: the store's file"
        );
        for &read in LocalRead::ALL {
            assert!(
                !decoy.path().join(format!("work-{read}")).exists(),
                "{name}: something was written next to the decoy"
            );
        }
        assert_eq!(
            std::fs::read(decoy.path().join("app.log")).unwrap(),
            decoy_data
        );
        for kind in ["mmap", "pread", "copy_file_range"] {
            let taken = fast_path_events(&events, kind);
            assert!(taken.is_empty(), "{name}: {kind} taken: {taken:?}");
        }
    }
}

/// Plain local files, by path and by file:// URL, still take both fast
/// paths: count maps the input or reads it with `pread`, as asked,
/// materialize copies every part with the kernel (and the bytes are right).
#[test]
fn plain_local_files_take_the_fast_paths() {
    let data = logcount::gen::generate(300_000, 12);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.log");
    std::fs::write(&file, &data).unwrap();
    let stores = Stores::default();
    let by_path = (
        file.to_str().unwrap().to_string(),
        format!("{}/w1/", dir.path().display()),
    );
    let by_url = (
        format!("{}app.log", dir_url(dir.path())),
        format!("{}w2/", dir_url(dir.path())),
    );
    let runs = [by_path, by_url]
        .into_iter()
        .flat_map(|run| LocalRead::ALL.iter().map(move |&read| (run.clone(), read)));
    for ((input, work), read) in runs {
        let work = format!("{work}{read}/");
        assert_eq!(
            stores.open(&input).unwrap().local_path(),
            Some(file.clone())
        );
        let ((), events) =
            with_events(run_and_check(&stores, (&input, &work), read, &data, &input));
        let shown = format!("file={}", file.display());
        let reads = fast_path_events(&events, read.name());
        // One event per segment: the input is one object, so one per part.
        assert_eq!(reads.len(), 3, "{input}, {read}: {events:#?}");
        assert!(reads.iter().all(|e| e.contains(&shown)), "{reads:#?}");
        let other = fast_path_events(
            &events,
            if read == LocalRead::Mmap {
                "pread"
            } else {
                "mmap"
            },
        );
        assert!(other.is_empty(), "{input}, {read}: {other:#?}");
        let work_dir = stores.open(&work).unwrap().local_path().unwrap();
        let copies = fast_path_events(&events, "copy_file_range");
        for id in 0..3 {
            let dest = format!(
                "file={}",
                work_dir.join(format!("split-output/{id}.txt")).display()
            );
            assert!(
                copies.iter().any(|e| e.contains(&dest)),
                "{dest} not in {copies:#?}"
            );
        }
        assert_eq!(copies.len(), 3, "{copies:#?}");
    }
}
