//! End to end: the real step binaries (and `logcount run`) against the S3
//! test server, configured only by environment variables as Argo passes
//! them; input and work on S3, on local disk, and mixed. Also datasets of
//! many objects, oss:// with virtual-hosted addressing, and the failures a
//! user meets first (missing bucket, wrong credentials, changed input), with
//! secrets kept out of every output.

use crate::common;
use crate::common::s3::{Loopback, S3Server, ACCESS_KEY, SECRET_KEY};
use crate::common::{expected, seed_sample, SEED_RESULT};
use logcount::keywords::Keywords;
use logcount::run::{run_in_process, RunOptions};
use logcount::steps::count::CountOptions;
use logcount::steps::split::SplitOptions;
use logcount::store::{self, Stores};
use logcount::store_config::StoreConfig;
use std::process::{Command, Output};
use std::sync::Arc;

/// Runs a binary with exactly `env` (plus the server's variables).
fn step(bin: &str, server: &S3Server, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(bin);
    c.env_clear().envs(server.env()).env("LOGCOUNT_LOG", "info");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("starting a step binary")
}

fn ok(out: &Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_secret(out);
    stdout
}

fn assert_no_secret(out: &Output) {
    for text in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(text);
        assert!(
            !text.contains(SECRET_KEY),
            "the secret key was printed:\n{text}"
        );
    }
}

/// split → count × N → merge through the step binaries; returns merge's stdout.
fn steps(server: &S3Server, input: &str, work: &str, parts: usize) -> String {
    let n = parts.to_string();
    let common = [
        ("INPUT", input),
        ("WORK_DIR", work),
        ("NUM_PARTS", n.as_str()),
    ];
    let ids = ok(
        &step(env!("CARGO_BIN_EXE_logcount-split"), server, &common),
        "split",
    );
    let ids: Vec<String> =
        serde_json::from_str(ids.trim()).expect("split prints a JSON list of ids");
    assert_eq!(ids.len(), parts);
    for id in &ids {
        let env = [
            ("WORK_DIR", work),
            ("PART_ID", id.as_str()),
            ("LOGCOUNT_BLOCK_SIZE", "256KiB"),
        ];
        ok(
            &step(env!("CARGO_BIN_EXE_logcount-count"), server, &env),
            "count",
        );
    }
    let merged = ok(
        &step(env!("CARGO_BIN_EXE_logcount-merge"), server, &common),
        "merge",
    );
    merged.trim().to_string()
}

fn run_cli(server: &S3Server, input: &str, work: &str) -> String {
    let env = [("INPUT", input), ("WORK_DIR", work), ("NUM_PARTS", "3")];
    let mut c = Command::new(env!("CARGO_BIN_EXE_logcount"));
    c.env_clear().envs(server.env()).arg("run");
    for (k, v) in env {
        c.env(k, v);
    }
    ok(&c.output().unwrap(), "logcount run").trim().to_string()
}

fn json(counts: &[(&str, u64)]) -> String {
    let body: Vec<String> = counts.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
    format!("{{{}}}", body.join(","))
}

/// The seed sample and a generated log give the same result with input and
/// work on S3, on disk and mixed, through the steps and `logcount run`.
#[test]
fn same_results_on_s3_local_and_mixed() {
    let server = S3Server::shared();
    let bucket = server.create_bucket();
    let stores = server.stores();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().to_str().unwrap().to_string();

    let k = Keywords::default_set();
    let generated = logcount::gen::generate(3_000_000, 21);
    let want = expected(&[&generated], &k);
    let mut inputs = vec![(
        "gen.log",
        generated,
        json(
            &k.names()
                .iter()
                .map(String::as_str)
                .zip(want)
                .collect::<Vec<_>>(),
        ),
    )];
    if let Some(seed) = seed_sample() {
        inputs.push(("log-count-data.txt", seed, json(&SEED_RESULT)));
    }
    for (name, data, want) in &inputs {
        let s3_input = format!("s3://{bucket}/input/{name}");
        rt.block_on(common::s3::put(&stores, &s3_input, data.clone()));
        let local_input = format!("{local}/{name}");
        std::fs::write(&local_input, data).unwrap();
        let places = [
            (
                "s3-s3",
                s3_input.clone(),
                format!("s3://{bucket}/work-{name}"),
            ),
            (
                "s3-local",
                s3_input.clone(),
                format!("{local}/work-s3-{name}"),
            ),
            (
                "local-s3",
                local_input.clone(),
                format!("s3://{bucket}/work-local-{name}"),
            ),
            (
                "local-local",
                local_input.clone(),
                format!("{local}/work-local-{name}"),
            ),
        ];
        for (how, input, work) in &places {
            assert_eq!(&steps(server, input, work, 4), want, "{name}, steps, {how}");
            // result.json is written where the work prefix is.
            let result = rt
                .block_on(store::read_all(
                    &stores.open(&format!("{work}/result.json")).unwrap(),
                ))
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&result).trim(),
                want,
                "{name}: result.json, {how}"
            );
            assert_eq!(
                &run_cli(server, input, &format!("{work}-run")),
                want,
                "{name}, logcount run, {how}"
            );
        }
    }
}

/// A prefix of many objects — empty ones, ones without a final newline, one
/// bigger than a part — gives the same totals as counting each object alone;
/// split's stdout stays a short list of ids.
#[test]
fn dataset_prefix_equals_objects_one_by_one() {
    let server = S3Server::shared();
    let bucket = server.create_bucket();
    let stores = server.stores();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let k = Keywords::parse_list("INFO,WARN,ERROR,DEBUG,ERR").unwrap();

    let mut objects: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..60u64 {
        let data = match i % 6 {
            0 => Vec::new(),
            1 => b"ERROR no final newline INFO".to_vec(),
            2 => logcount::gen::generate(5_000 + i * 300, i),
            3 => {
                let mut d = logcount::gen::generate(2_000 + i * 100, i);
                d.extend_from_slice(b"WARN tail without newline ERRO");
                d
            }
            4 => b"R\nDEBUG\n".to_vec(), // joins "ERRO" above into "ERROR" only if objects were glued
            _ => b"\n\n\n".to_vec(),
        };
        objects.push((format!("ds/{i:03}.log"), data));
    }
    let big = logcount::gen::generate(1_500_000, 99); // bigger than any of the 7 parts
    objects.push(("ds/zz-big.log".to_string(), big));
    let total: usize = objects.iter().map(|(_, d)| d.len()).sum();
    assert!(objects.last().unwrap().1.len() > total / 7);
    for (name, data) in &objects {
        rt.block_on(common::s3::put(
            &stores,
            &format!("s3://{bucket}/{name}"),
            data.clone(),
        ));
    }

    // One by one, through the library.
    let mut one_by_one = vec![0u64; k.len()];
    for (i, (name, _)) in objects.iter().enumerate() {
        let input = stores.open(&format!("s3://{bucket}/{name}")).unwrap();
        let work = stores.open(&format!("s3://{bucket}/single/{i}")).unwrap();
        let o = RunOptions {
            reduce: Default::default(),
            split: SplitOptions {
                parts: 2,
                counting: logcount::spec::Counting::for_keywords(
                    k.clone(),
                    Default::default(),
                    None,
                ),
                materialize: false,
                ..Default::default()
            },
            count: CountOptions::default(),
            jobs: 2,
        };
        let got = rt
            .block_on(run_in_process(&stores, &input, &work, &o))
            .unwrap();
        for (sum, v) in one_by_one.iter_mut().zip(got.merged.result.values()) {
            *sum += v;
        }
    }
    let texts: Vec<&[u8]> = objects.iter().map(|(_, d)| d.as_slice()).collect();
    assert_eq!(one_by_one, expected(&texts, &k));

    // The whole prefix, through the step binaries.
    let input = format!("s3://{bucket}/ds/");
    let work = format!("s3://{bucket}/work-ds");
    let env = [
        ("INPUT", input.as_str()),
        ("WORK_DIR", work.as_str()),
        ("NUM_PARTS", "7"),
        ("KEYWORDS", "INFO,WARN,ERROR,DEBUG,ERR"),
    ];
    let ids = ok(
        &step(env!("CARGO_BIN_EXE_logcount-split"), server, &env),
        "split",
    );
    assert_eq!(
        ids.trim(),
        r#"["0","1","2","3","4","5","6"]"#,
        "split prints only the ids"
    );
    let manifest: logcount::wire::Manifest = rt
        .block_on(store::read_json(
            &stores.open(&format!("{work}/manifest.json")).unwrap(),
            "manifest",
        ))
        .unwrap();
    assert_eq!(manifest.objects.len(), objects.len());
    assert!(
        manifest.objects.iter().all(|o| o.e_tag.is_some()),
        "every object's ETag is recorded"
    );
    assert!(
        manifest.parts.iter().any(|p| p.segments.len() > 3),
        "some part spans several objects"
    );
    for id in 0..7 {
        let id = id.to_string();
        let env = [("WORK_DIR", work.as_str()), ("PART_ID", id.as_str())];
        ok(
            &step(env!("CARGO_BIN_EXE_logcount-count"), server, &env),
            "count",
        );
    }
    let merged = ok(
        &step(env!("CARGO_BIN_EXE_logcount-merge"), server, &env),
        "merge",
    );
    let names = k.names();
    let want = json(
        &names
            .iter()
            .map(String::as_str)
            .zip(one_by_one)
            .collect::<Vec<_>>(),
    );
    assert_eq!(merged.trim(), want);
}

/// oss:// reaches its bucket by virtual-hosted addressing (`<bucket>.<endpoint>`),
/// configured by the OSS_* variables.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oss_virtual_hosted() {
    let server = S3Server::start(true);
    let bucket = server.create_bucket();
    let config = StoreConfig::from_vars([
        ("OSS_ENDPOINT", format!("http://localhost:{}", server.port)),
        ("OSS_REGION", "cn-test".to_string()),
        ("OSS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
        ("OSS_ACCESS_KEY_SECRET", SECRET_KEY.to_string()),
    ])
    .with_dns_resolver(Arc::new(Loopback));
    let stores = Stores::with_config(config);
    let data = logcount::gen::generate(400_000, 3);
    let input = format!("oss://{bucket}/logs/a.log");
    common::s3::put(&stores, &input, data.clone()).await;
    assert!(
        server.root.join(&bucket).join("logs/a.log").is_file(),
        "the object landed in the bucket"
    );
    let k = Keywords::default_set();
    let o = RunOptions {
        reduce: Default::default(),
        split: SplitOptions {
            parts: 3,
            counting: logcount::spec::Counting::for_keywords(k.clone(), Default::default(), None),
            materialize: false,
            ..Default::default()
        },
        count: CountOptions::default(),
        jobs: 2,
    };
    let input = stores.open(&format!("oss://{bucket}/logs/")).unwrap();
    let work = stores.open(&format!("oss://{bucket}/work")).unwrap();
    let got = run_in_process(&stores, &input, &work, &o).await.unwrap();
    assert_eq!(
        got.merged.result.values().collect::<Vec<_>>(),
        expected(&[&data], &k)
    );
    // Path-style requests to the same server name no bucket: the store must not use them.
    let path_style = StoreConfig::from_vars(server.env().into_iter().chain([(
        "AWS_ENDPOINT_URL".to_string(),
        format!("http://localhost:{}", server.port),
    )]));
    let s3 = Stores::with_config(path_style.with_dns_resolver(Arc::new(Loopback)));
    let head = store::head(&s3.open(&format!("s3://{bucket}/logs/a.log")).unwrap()).await;
    assert_eq!(
        head.unwrap().size,
        data.len() as u64,
        "the server also serves path-style"
    );
}

/// The failures users meet first: each a clear message, the right exit code,
/// no secret shown, and nothing left that a later step would take for output.
#[test]
fn failures_are_clear_and_leave_nothing() {
    let server = S3Server::shared();
    let bucket = server.create_bucket();
    let stores = server.stores();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let data = logcount::gen::generate(200_000, 8);
    let input = format!("s3://{bucket}/in.log");
    rt.block_on(common::s3::put(&stores, &input, data.clone()));
    let split = env!("CARGO_BIN_EXE_logcount-split");
    let exists = |url: String| {
        !matches!(
            rt.block_on(store::head(&stores.open(&url).unwrap())),
            Err(logcount::Error::NotFound { .. })
        )
    };

    let fail = |out: &Output, code: i32, needles: &[&str], what: &str| {
        assert_no_secret(out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{what}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "{what}: stdout {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        for n in needles {
            assert!(stderr.contains(n), "{what}: {n:?} not in {stderr}");
        }
    };

    // A missing bucket.
    let work = format!("s3://{bucket}/w-missing");
    let out = step(
        split,
        server,
        &[
            ("INPUT", "s3://no-such-bucket/in.log"),
            ("WORK_DIR", &work),
            ("NUM_PARTS", "2"),
        ],
    );
    fail(
        &out,
        2,
        &["bucket s3://no-such-bucket/ does not exist"],
        "missing bucket",
    );
    assert!(!exists(format!("{work}/manifest.json")));

    // Wrong credentials, with trace logging on: exit 1, neither secret shown.
    let wrong = "WRONG-secret-value-0123456789";
    let out = Command::new(split)
        .env_clear()
        .envs(server.env())
        .envs([
            ("AWS_SECRET_ACCESS_KEY", wrong),
            ("LOGCOUNT_LOG", "trace"),
            ("LOGCOUNT_STORE_MAX_RETRIES", "1"),
        ])
        .envs([
            ("INPUT", input.as_str()),
            ("WORK_DIR", work.as_str()),
            ("NUM_PARTS", "2"),
        ])
        .output()
        .unwrap();
    fail(&out, 1, &[input.as_str(), "403"], "wrong credentials");
    for text in [&out.stdout, &out.stderr] {
        assert!(
            !String::from_utf8_lossy(text).contains(wrong),
            "the wrong secret was printed"
        );
    }
    assert!(!exists(format!("{work}/manifest.json")));

    // The input changes between split and count, and between count and merge.
    let work = format!("s3://{bucket}/w-changed");
    let env = [
        ("INPUT", input.as_str()),
        ("WORK_DIR", work.as_str()),
        ("NUM_PARTS", "2"),
    ];
    ok(&step(split, server, &env), "split");
    ok(
        &step(
            env!("CARGO_BIN_EXE_logcount-count"),
            server,
            &[("WORK_DIR", &work), ("PART_ID", "0")],
        ),
        "count 0",
    );
    let mut changed = data.clone();
    changed[10] ^= 1; // same size, different bytes
    rt.block_on(common::s3::put(&stores, &input, changed));
    let out = step(
        env!("CARGO_BIN_EXE_logcount-count"),
        server,
        &[("WORK_DIR", &work), ("PART_ID", "1")],
    );
    fail(
        &out,
        2,
        &[input.as_str(), "changed since split"],
        "count of a changed input",
    );
    assert!(
        !exists(format!("{work}/count-output/1.json")),
        "a count output of changed input"
    );
    let out = step(env!("CARGO_BIN_EXE_logcount-merge"), server, &env);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        !exists(format!("{work}/result.json")),
        "a result of changed input"
    );
    // All parts counted before the change: merge still refuses.
    rt.block_on(common::s3::put(&stores, &input, data.clone()));
    let work2 = format!("s3://{bucket}/w-changed2");
    let env2 = [
        ("INPUT", input.as_str()),
        ("WORK_DIR", work2.as_str()),
        ("NUM_PARTS", "2"),
    ];
    ok(&step(split, server, &env2), "split");
    for id in ["0", "1"] {
        ok(
            &step(
                env!("CARGO_BIN_EXE_logcount-count"),
                server,
                &[("WORK_DIR", &work2), ("PART_ID", id)],
            ),
            "count",
        );
    }
    let mut longer = data.clone();
    longer.extend_from_slice(b"INFO\n");
    rt.block_on(common::s3::put(&stores, &input, longer));
    let out = step(env!("CARGO_BIN_EXE_logcount-merge"), server, &env2);
    fail(
        &out,
        2,
        &[input.as_str(), "changed since split"],
        "merge of a changed input",
    );
    assert!(!exists(format!("{work2}/result.json")));
}
