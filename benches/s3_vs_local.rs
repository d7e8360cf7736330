//! Benchmark (not a test): count the same 1 GiB log from local disk and from
//! the in-process S3 test server (s3s-fs on 127.0.0.1), side by side, and
//! compare the S3 count with the server's raw parallel-GET throughput (the
//! same bytes, the same block size and requests in flight, discarded).
//!
//! `cargo bench --bench s3_vs_local` (env: `BENCH_SIZE`, default 1GiB;
//! `BENCH_ROUNDS`, default 3; `BENCH_DATA`, default target/bench-data).
//! Under `cargo test` it only says it was skipped.

#[path = "../tests/common/mod.rs"]
mod common;

use common::s3::S3Server;
use logcount::keywords::Keywords;
use logcount::run::{run_in_process, RunOptions};
use logcount::steps::count::{CountOptions, DEFAULT_BLOCK_SIZE, DEFAULT_FETCH_CONCURRENCY};
use logcount::steps::split::SplitOptions;
use logcount::store::{self, Stores};
use object_store::{ObjectStoreExt, WriteMultipart};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("s3_vs_local: skipped (a benchmark; run `cargo bench --bench s3_vs_local`)");
        return;
    }
    let size = std::env::var("BENCH_SIZE")
        .ok()
        .map(|s| logcount::gen::parse_size(&s).expect("BENCH_SIZE"))
        .unwrap_or(1 << 30);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .map_or(3, |s| s.parse().expect("BENCH_ROUNDS"));
    let data_dir = std::env::var("BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data"));
    std::fs::create_dir_all(&data_dir).unwrap();
    let log = data_dir.join(format!("s3-bench-{size}.log"));
    if !log.exists() {
        eprintln!("generating {} ...", log.display());
        let tmp = log.with_extension("tmp");
        let mut out =
            std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp).unwrap());
        logcount::gen::write_log(&mut out, size, 42).unwrap();
        drop(out);
        std::fs::rename(&tmp, &log).unwrap();
    }
    let bytes = std::fs::metadata(&log).unwrap().len();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = S3Server::start(false);
    let bucket = server.create_bucket();
    let stores = server.stores();
    let s3_input = format!("s3://{bucket}/big.log");
    let t = Instant::now();
    rt.block_on(upload(&stores, &s3_input, &log));
    eprintln!("uploaded {bytes} bytes in {:.1?}", t.elapsed());

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let opts = RunOptions {
        reduce: Default::default(),
        split: SplitOptions {
            parts: cores,
            counting: logcount::spec::Counting::for_keywords(
                Keywords::default_set(),
                Default::default(),
                None,
            ),
            materialize: false,
            ..Default::default()
        },
        count: CountOptions::default(),
        jobs: cores,
    };
    let work = tempfile::tempdir().unwrap();
    let local_input = log.to_str().unwrap().to_string();
    let in_flight = DEFAULT_FETCH_CONCURRENCY * cores;

    let mut local = Vec::new();
    let mut s3 = Vec::new();
    let mut raw = Vec::new();
    let mut results = Vec::new();
    for round in 0..rounds {
        for (what, input, times) in [
            ("local", &local_input, &mut local),
            ("s3", &s3_input, &mut s3),
        ] {
            let w = stores
                .open(
                    work.path()
                        .join(format!("{what}-{round}"))
                        .to_str()
                        .unwrap(),
                )
                .unwrap();
            let i = stores.open(input).unwrap();
            let t = Instant::now();
            let out = rt.block_on(run_in_process(&stores, &i, &w, &opts)).unwrap();
            times.push(t.elapsed());
            results.push(out.merged.result);
        }
        let t = Instant::now();
        let got = rt.block_on(raw_get(
            &stores,
            &s3_input,
            bytes,
            DEFAULT_BLOCK_SIZE as u64,
            in_flight,
        ));
        raw.push(t.elapsed());
        assert_eq!(got, bytes);
    }
    assert!(
        results.windows(2).all(|w| w[0] == w[1]),
        "results differ: {results:?}"
    );

    let gib = bytes as f64 / (1u64 << 30) as f64;
    let med = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (l, s, r) = (med(&mut local), med(&mut s3), med(&mut raw));
    let rate = |d: Duration| gib / d.as_secs_f64();
    println!("s3_vs_local: {bytes} bytes, {cores} parts/jobs, block {DEFAULT_BLOCK_SIZE}, {in_flight} GETs in flight, median of {rounds}");
    println!(
        "  count, local disk      {:>8.3} s  {:>6.2} GiB/s",
        l.as_secs_f64(),
        rate(l)
    );
    println!(
        "  count, S3 (127.0.0.1)  {:>8.3} s  {:>6.2} GiB/s",
        s.as_secs_f64(),
        rate(s)
    );
    println!(
        "  raw parallel GET       {:>8.3} s  {:>6.2} GiB/s",
        r.as_secs_f64(),
        rate(r)
    );
    println!(
        "  S3 count / raw GET throughput: {:.0}%",
        100.0 * r.as_secs_f64() / s.as_secs_f64()
    );
    println!(
        "  S3 count / local count time:   {:.2}x",
        s.as_secs_f64() / l.as_secs_f64()
    );
    println!("  result: {}", serde_json::to_string(&results[0]).unwrap());
}

/// Streams a local file into the bucket with a multipart upload.
async fn upload(stores: &Stores, url: &str, path: &std::path::Path) {
    use tokio::io::AsyncReadExt;
    let loc = stores.open(url).unwrap();
    let upload = loc.store.put_multipart(&loc.path).await.unwrap();
    let mut w = WriteMultipart::new_with_chunk_size(upload, 16 << 20);
    let mut f = tokio::fs::File::open(path).await.unwrap();
    let mut buf = vec![0u8; 8 << 20];
    loop {
        let n = f.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        w.wait_for_capacity(4).await.unwrap();
        w.write(&buf[..n]);
    }
    w.finish().await.unwrap();
}

/// Fetches every byte with ranged GETs, `in_flight` at once, and discards them.
async fn raw_get(stores: &Stores, url: &str, size: u64, block: u64, in_flight: usize) -> u64 {
    use futures::StreamExt;
    let loc = stores.open(url).unwrap();
    let ranges: Vec<_> = (0..size)
        .step_by(block as usize)
        .map(|s| s..(s + block).min(size))
        .collect();
    futures::stream::iter(ranges)
        .map(|r| {
            let loc = loc.clone();
            tokio::spawn(
                async move { store::read_range(&loc, r, None).await.unwrap().len() as u64 },
            )
        })
        .buffer_unordered(in_flight)
        .map(|n| n.unwrap())
        .fold(0, |a, n| async move { a + n })
        .await
}
