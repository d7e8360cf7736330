//! Storage faults on a real S3 server: throttling (503 SlowDown), dropped
//! connections and GET bodies cut in the middle are retried and the result
//! stays exact; permanent failures end quickly (bounded retries) with an
//! error naming the operation and the object; streamed outputs are whole or
//! absent (multipart uploads completed, or aborted on error).

use crate::common;
use crate::common::expected;
use crate::common::s3::{S3Server, ACCESS_KEY, SECRET_KEY};
use bytes::Bytes;
use logcount::keywords::Keywords;
use logcount::run::{run_in_process, RunOptions};
use logcount::steps::count::CountOptions;
use logcount::steps::split::SplitOptions;
use logcount::store::{self, Stores, StreamWriter};
use logcount::store_config::StoreConfig;
use logcount::Error;
use std::time::{Duration, Instant};

fn opts(parts: usize, k: &Keywords, block: usize, materialize: bool) -> RunOptions {
    RunOptions {
        reduce: Default::default(),
        split: SplitOptions {
            parts,
            counting: logcount::spec::Counting::for_keywords(k.clone(), Default::default(), None),
            materialize,
            ..Default::default()
        },
        count: CountOptions {
            block_size: block,
            fetch_concurrency: 4,
            ..CountOptions::default()
        },
        jobs: 3,
    }
}

async fn run(
    stores: &Stores,
    input: &str,
    work: &str,
    o: &RunOptions,
) -> logcount::Result<Vec<u64>> {
    let input = stores.open(input)?;
    let work = stores.open(work)?;
    let out = run_in_process(stores, &input, &work, o).await?;
    Ok(out.merged.result.values().collect())
}

/// Each fault kind alone, then all together: the counts stay exact and the
/// server really did inject faults.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_retried_and_results_stay_exact() {
    let server = S3Server::start(false);
    let (_, bucket, _, stores) = server.fixture();
    let data = logcount::gen::generate(3_000_000, 11);
    let k = Keywords::parse_list("INFO,WARN,ERROR,DEBUG,ERR").unwrap();
    let want = expected(&[&data], &k);
    let input = format!("s3://{bucket}/in/gen.log");
    common::s3::put(&stores, &input, data.clone()).await;

    // (slow down every, drop every, truncate every)
    let table: [(u64, u64, u64); 4] = [(3, 0, 0), (0, 4, 0), (0, 0, 3), (7, 11, 5)];
    for (i, &(slow, drop, cut)) in table.iter().enumerate() {
        let before = server.faults.stats();
        server.faults.set(slow, drop, cut);
        let work = format!("s3://{bucket}/work{i}");
        let got = run(&stores, &input, &work, &opts(5, &k, 64 << 10, false)).await;
        server.faults.off();
        let after = server.faults.stats();
        assert_eq!(got.unwrap(), want, "faults {:?}", (slow, drop, cut));
        let injected = (after.1 - before.1) + (after.2 - before.2) + (after.3 - before.3);
        assert!(
            injected >= 3,
            "faults {:?} injected only {injected}",
            (slow, drop, cut)
        );
        if slow > 0 {
            assert!(after.1 > before.1, "no SlowDown was injected");
        }
        if drop > 0 {
            assert!(after.2 > before.2, "no connection was dropped");
        }
        if cut > 0 {
            assert!(after.3 > before.3, "no body was cut");
        }
    }
}

/// `--materialize` parts bigger than the multipart threshold are written by
/// completed multipart uploads, under faults too, and hold exactly the part's bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn materialized_parts_complete_multipart_uploads_under_faults() {
    let server = S3Server::start(false);
    let (_, bucket, _, stores) = server.fixture();
    let data = logcount::gen::generate(25 << 20, 5);
    let k = Keywords::default_set();
    let input = format!("s3://{bucket}/big.log");
    common::s3::put(&stores, &input, data.clone()).await;
    server.faults.set(13, 17, 0);
    let work = format!("s3://{bucket}/w");
    let got = run(&stores, &input, &work, &opts(2, &k, 1 << 20, true)).await;
    server.faults.off();
    assert_eq!(got.unwrap(), expected(&[&data], &k));
    let mut joined = Vec::new();
    for id in ["0", "1"] {
        let loc = stores
            .open(&format!("{work}/split-output/{id}.txt"))
            .unwrap();
        let part = store::read_all(&loc).await.unwrap();
        assert!(
            part.len() > 10 << 20,
            "part {id} is {} bytes: too small for a multipart upload",
            part.len()
        );
        joined.extend_from_slice(&part);
    }
    assert!(
        joined == data,
        "the materialized parts are not the input, cut in two"
    );
    assert_eq!(
        server.pending_parts(),
        Vec::<String>::new(),
        "multipart uploads left open"
    );
}

/// A streamed output is invisible until finished; abort or drop leaves no
/// object and no uploaded parts behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_writer_is_whole_or_nothing() {
    let server = S3Server::start(false);
    let (_, bucket, _, stores) = server.fixture();
    let chunk = vec![b'x'; 3 << 20];
    for ending in ["finish", "abort", "drop"] {
        let loc = stores
            .open(&format!("s3://{bucket}/out-{ending}.txt"))
            .unwrap();
        let mut w = StreamWriter::new(&loc).unwrap();
        for _ in 0..6 {
            w.write(&chunk).await.unwrap(); // 18 MiB: a multipart upload is under way
        }
        // Parts upload in the background: wait for the first to land.
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.pending_parts().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            !server.pending_parts().is_empty(),
            "{ending}: no part was uploaded yet"
        );
        assert!(
            matches!(store::head(&loc).await, Err(Error::NotFound { .. })),
            "{ending}: visible before it is finished"
        );
        match ending {
            "finish" => w.finish().await.unwrap(),
            "abort" => w.abort().await,
            _ => drop(w),
        }
        if ending == "finish" {
            assert_eq!(store::head(&loc).await.unwrap().size, 18 << 20);
        } else {
            assert!(
                matches!(store::head(&loc).await, Err(Error::NotFound { .. })),
                "{ending}: visible"
            );
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !server.pending_parts().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            server.pending_parts(),
            Vec::<String>::new(),
            "{ending}: parts left behind"
        );
    }
}

/// A server that always throttles: the step fails within the retry bound,
/// naming the operation and the object; exit code 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permanent_failure_is_bounded_and_named() {
    let server = S3Server::start(false);
    let (_, bucket, _, _) = server.fixture();
    let url = format!("s3://{bucket}/in.log");
    common::s3::put(&server.stores(), &url, Bytes::from_static(b"INFO\n")).await;
    server.faults.set(1, 0, 0);
    for (vars, bound) in [
        // Few retries: fails after them.
        (
            vec![("LOGCOUNT_STORE_MAX_RETRIES", "2")],
            Duration::from_secs(5),
        ),
        // Many retries: the retry timeout ends them.
        (
            vec![
                ("LOGCOUNT_STORE_MAX_RETRIES", "1000"),
                ("LOGCOUNT_STORE_RETRY_TIMEOUT", "1s"),
            ],
            Duration::from_secs(8),
        ),
    ] {
        let mut config = StoreConfig::from_vars(server.env());
        for (k, v) in &vars {
            config = config.with_var(*k, *v);
        }
        let stores = Stores::with_config(config);
        let loc = stores.open(&url).unwrap();
        let t = Instant::now();
        let e = store::read_range(&loc, 0..4, None).await.unwrap_err();
        assert!(
            t.elapsed() < bound,
            "{vars:?}: gave up after {:?}",
            t.elapsed()
        );
        assert!(e.is_transient(), "{vars:?}: {e}");
        let shown = format!("{:#}", anyhow::Error::from(e));
        assert!(
            shown.contains("reading") && shown.contains(&url),
            "{vars:?}: {shown}"
        );
        assert!(
            shown.contains("503") || shown.contains("SlowDown"),
            "{vars:?}: {shown}"
        );
        assert!(!shown.contains(SECRET_KEY), "{shown}");
    }
    server.faults.off();
    assert!(ACCESS_KEY != SECRET_KEY);
}

/// A log that is one long line, cut into many parts: each cut's search for a
/// line start stops at the next cut, so split asks for about the object's
/// size in all, not the rest of the object at every cut (about
/// `parts / 2` times its size).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_of_one_long_line_reads_it_about_once() {
    let server = S3Server::start(false);
    let (_, bucket, _, stores) = server.fixture();
    let size = 32usize << 20;
    let mut data = vec![b'x'; size];
    data[..5].copy_from_slice(b"ERROR");
    data[size - 1] = b'\n';
    let input = format!("s3://{bucket}/one-line.log");
    common::s3::put(&stores, &input, data).await;
    let k = Keywords::default_set();
    let before = server.faults.range_bytes();
    let split = logcount::steps::split::split(
        &stores.open(&input).unwrap(),
        &stores.open(&format!("s3://{bucket}/w/")).unwrap(),
        &opts(64, &k, 1 << 20, false).split,
    )
    .await
    .unwrap();
    let asked = server.faults.range_bytes() - before;
    assert_eq!(split.parts[0].bytes, size as u64, "one line: all in part 0");
    assert!(
        split.parts[1..].iter().all(|p| p.bytes == 0),
        "the other parts are empty"
    );
    assert!(
        asked <= 2 * size as u64,
        "split asked for {asked} bytes of a {size}-byte object"
    );
}

/// Keys with a space, non-ASCII or `%`: a URL is decoded once, and the
/// object is the one named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_keys_with_spaces_non_ascii_and_percent() {
    let server = S3Server::start(false);
    let (_, bucket, _, stores) = server.fixture();
    let k = Keywords::default_set();
    let log = b"INFO a\nERROR b\n".to_vec();
    let want = expected(&[&log], &k);
    for (key, url_key) in [
        ("a b.log", "a b.log"),
        ("a b2.log", "a%20b2.log"),
        ("été.log", "été.log"),
        ("100%.log", "100%25.log"),
    ] {
        let direct = stores
            .open(&format!("s3://{bucket}/in/x"))
            .unwrap()
            .at(object_store::path::Path::parse(format!("in/{key}")).unwrap());
        store::write_once(&direct, Bytes::from(log.clone()))
            .await
            .unwrap();
        let input = format!("s3://{bucket}/in/{url_key}");
        let work = format!("s3://{bucket}/w {key}/");
        let got = run(&stores, &input, &work, &opts(2, &k, 1 << 20, false)).await;
        assert_eq!(got.unwrap(), want, "{key} as {url_key}");
    }
}

/// A split killed in the middle of a `--materialize` upload cannot abort
/// it; the next split in the same prefix does, from the upload's journal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_split_aborts_the_uploads_a_killed_one_left_open() {
    let server = S3Server::start(false);
    let (_, bucket, _, stores) = server.fixture();
    let work = format!("s3://{bucket}/w/");
    let out = stores
        .open(&format!("{work}split-output/0.txt"))
        .unwrap()
        .confined();
    let mut w = StreamWriter::new(&out).unwrap();
    w.write(&vec![b'x'; 11 << 20]).await.unwrap();
    std::mem::forget(w); // killed: no abort, no completion
    assert!(
        !server.pending_parts().is_empty(),
        "an open upload with a part"
    );

    let data = logcount::gen::generate(1 << 20, 3);
    let input = format!("s3://{bucket}/in.log");
    common::s3::put(&stores, &input, data.clone()).await;
    let k = Keywords::default_set();
    let got = run(&stores, &input, &work, &opts(2, &k, 1 << 20, true)).await;
    assert_eq!(got.unwrap(), expected(&[&data], &k));
    assert_eq!(
        server.pending_parts(),
        Vec::<String>::new(),
        "the upload the killed split left is aborted"
    );
    let journal = stores
        .open(&format!("{work}split-output/.0.txt.upload"))
        .unwrap();
    assert!(matches!(
        store::head(&journal).await,
        Err(Error::NotFound { .. })
    ));
}
