//! The big-prefix benchmark: split of a prefix holding many small objects,
//! the plan each count reads, and merge of many parts, on an S3-compatible
//! server in this process (`s3s-fs` over a temporary directory, on
//! loopback).
//!
//! Usage: `cargo run --release --example big_prefix [OBJECTS] [PARTS] [RUNS]`
//! (defaults: 100000 objects, 10000 parts, 3 runs of split and merge). The
//! objects are generated logs of about 600 bytes in 100 folders. Prints the
//! median and spread of each timed step, and the plan sizes; split and merge
//! log the time of each of their phases to stderr (`RUST_LOG` overrides
//! which logs show).
//!
//! - split: list the prefix, plan the parts, write the plans (`plans.jsonl`,
//!   `plans.idx`) and the manifest;
//! - count: every part once (64 at a time), each reading its own plan (two
//!   ranged GETs; not a target: 100,000 GETs of small objects);
//! - merge: list `count-output/`, read every count output (64 at a time),
//!   HEAD every input object to see it is unchanged, write the result.

use hyper_util::rt::{TokioExecutor, TokioIo};
use logcount::steps::count::{count, CountOptions};
use logcount::steps::merge::merge;
use logcount::steps::split::{split, SplitOptions};
use logcount::store::Stores;
use logcount::store_config::StoreConfig;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use std::time::{Duration, Instant};

const KEY: &str = "bench-key";
const SECRET: &str = "bench-secret-0123456789";

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        "warn,logcount::steps::split=debug,logcount::steps::merge=debug".into()
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let objects: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let parts: usize = args.next().map_or(Ok(10_000), |a| a.parse())?;
    let runs: usize = args.next().map_or(Ok(3), |a| a.parse())?;

    let dir = tempfile::tempdir()?;
    let bucket = dir.path().join("bench");
    let started = Instant::now();
    let mut bytes = 0u64;
    // One generated log, cut at line ends into objects of about 600 bytes.
    let log = logcount::gen::generate(objects as u64 * 600 + 4096, 1);
    let mut at = 0;
    for i in 0..objects {
        let folder = bucket.join(format!("logs/d{:03}", i % 100));
        if i < 100 {
            std::fs::create_dir_all(&folder)?;
        }
        let end = match memchr::memchr(b'\n', &log[(at + 600).min(log.len() - 1)..]) {
            Some(n) => (at + 600).min(log.len() - 1) + n + 1,
            None => log.len(),
        };
        let text = &log[at..end];
        at = end;
        bytes += text.len() as u64;
        std::fs::write(folder.join(format!("f{i:06}.log")), text)?;
    }
    std::fs::create_dir_all(bucket.join("work"))?;
    eprintln!(
        "big_prefix: {objects} objects, {bytes} bytes, written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let endpoint = serve(dir.path())?;
    let stores = Stores::with_config(StoreConfig::from_vars([
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ALLOW_HTTP", "true"),
    ]));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let input = stores.open("s3://bench/logs/")?;
    let opts = SplitOptions {
        parts,
        ..Default::default()
    };

    let mut split_times = Vec::new();
    let mut merge_times = Vec::new();
    for run in 0..runs {
        let work = stores.open(&format!("s3://bench/work/r{run}/"))?;
        let t = Instant::now();
        let manifest = rt.block_on(split(&input, &work, &opts))?;
        split_times.push(t.elapsed());
        assert_eq!(manifest.objects.len(), objects);

        if run == 0 {
            // What a count reads of the plan: its index record and its line.
            let work_dir = dir.path().join(format!("bench/work/r{run}"));
            let index = std::fs::read(work_dir.join(logcount::wire::PLAN_INDEX_FILE))?;
            let mut sizes: Vec<u64> = index
                .chunks(logcount::wire::PLAN_INDEX_RECORD as usize)
                .map(|r| {
                    let range = logcount::wire::parse_index_record(r).expect("an index record");
                    logcount::wire::PLAN_INDEX_RECORD + range.end - range.start
                })
                .collect();
            sizes.sort_unstable();
            let manifest_bytes = std::fs::metadata(work_dir.join("manifest.json"))?.len();
            println!(
                "plan read by a count: median {} B, max {} B ({} parts); the whole manifest: {} B",
                sizes[sizes.len() / 2],
                sizes[sizes.len() - 1],
                sizes.len(),
                manifest_bytes
            );
        }

        let t = Instant::now();
        let ids = manifest.part_ids();
        let count_opts = CountOptions::default();
        rt.block_on(async {
            use futures::{StreamExt, TryStreamExt};
            futures::stream::iter(ids.iter())
                .map(|id| count(&stores, &work, id, &count_opts))
                .buffer_unordered(64)
                .try_for_each(|_| async { Ok(()) })
                .await
        })?;
        eprintln!(
            "big_prefix: run {run}: {} parts counted in {:.1} s",
            ids.len(),
            t.elapsed().as_secs_f64()
        );

        let t = Instant::now();
        let merged = rt.block_on(merge(&stores, &work, None))?;
        merge_times.push(t.elapsed());
        assert_eq!(merged.bytes, bytes);
        assert_eq!(merged.parts, ids.len());
    }
    println!(
        "split of {objects} objects into {parts} parts: {}",
        summary(&mut split_times)
    );
    println!("merge of {parts} parts: {}", summary(&mut merge_times));
    Ok(())
}

/// "median X s (min Y, max Z; N runs)".
fn summary(times: &mut [Duration]) -> String {
    times.sort_unstable();
    let s = |d: Duration| format!("{:.2}", d.as_secs_f64());
    format!(
        "median {} s (min {}, max {}; {} runs)",
        s(times[times.len() / 2]),
        s(times[0]),
        s(times[times.len() - 1]),
        times.len()
    )
}

/// Serves `root` (a directory per bucket) over S3 on a loopback port, on a
/// thread of its own; returns the endpoint URL.
fn serve(root: &std::path::Path) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    let service = {
        let mut b = S3ServiceBuilder::new(
            s3s_fs::FileSystem::new(root).map_err(|e| format!("s3s-fs: {e:?}"))?,
        );
        b.set_auth(SimpleAuth::from_single(KEY, SECRET));
        b.build()
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let endpoint = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let _ = socket.set_nodelay(true);
                let service = service.clone();
                tokio::spawn(async move {
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        })
    });
    Ok(endpoint)
}
