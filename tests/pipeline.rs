//! The pipeline suite: split → count × N → merge through the library, run
//! the same way on every storage backend (object_store's `integration.rs`
//! pattern). Each behaviour is one generic async function over a `Backend`;
//! the `suite!` macro instantiates all of them per backend.

use crate::common::{expected, seed_sample, torture_inputs, Backend, SEED_RESULT};
use futures::StreamExt;
use logcount::engine::StrategyKind;
use logcount::keywords::Keywords;
use logcount::run::{run_in_process, RunOptions};
use logcount::steps::count::{count, CountOptions};
use logcount::steps::merge::merge;
use logcount::steps::split::{split, SplitOptions};
use logcount::wire::{CountOutput, Manifest};
use logcount::Error;

fn opts(parts: usize, keywords: &Keywords) -> RunOptions {
    RunOptions {
        reduce: Default::default(),
        split: SplitOptions {
            parts,
            counting: logcount::spec::Counting::for_keywords(
                keywords.clone(),
                Default::default(),
                None,
            ),
            materialize: false,
            ..Default::default()
        },
        count: CountOptions::default(),
        jobs: 3,
    }
}

async fn run(b: &Backend, input: &str, work: &str, o: &RunOptions) -> logcount::Result<Vec<u64>> {
    let input = b.stores.open(input)?;
    let work = b.stores.open(&b.url(work))?;
    let out = run_in_process(&b.stores, &input, &work, o).await?;
    Ok(out.merged.result.values().collect())
}

/// The reference's own input gives the reference's result for every part count.
async fn seed_every_part_count(b: &Backend) {
    let Some(seed) = seed_sample() else { return };
    let input = b.put("seed/log-count-data.txt", &seed).await;
    let k = Keywords::default_set();
    for parts in 1..=16 {
        let input_loc = b.stores.open(&input).unwrap();
        let work = b.stores.open(&b.url(&format!("w{parts}"))).unwrap();
        let out = run_in_process(&b.stores, &input_loc, &work, &opts(parts, &k))
            .await
            .unwrap();
        let got: Vec<(String, u64)> = out.merged.result.0.clone();
        let want: Vec<(String, u64)> = SEED_RESULT
            .iter()
            .map(|&(k, v)| (k.to_string(), v))
            .collect();
        assert_eq!(got, want, "{} parts on {}", parts, b.name);
        assert_eq!(out.merged.lines, 10_000);
        // result.json holds exactly the printed result, keys in keyword order.
        let file = b.get(&format!("w{parts}/result.json")).await;
        assert_eq!(
            file,
            b"{\"INFO\":2460,\"WARN\":2448,\"ERROR\":2583,\"DEBUG\":2509}\n"
        );
    }
}

/// Generated logs, plain and overlapping keyword sets, several part counts.
async fn generated_logs(b: &Backend) {
    let data = logcount::gen::generate(700_000, 9);
    let input = b.put("gen.log", &data).await;
    for kw in [
        "INFO,WARN,ERROR,DEBUG",
        "ERR,ERROR,RO,O",
        "不明觉厉,How are you?,Z [",
        "0",
    ] {
        let k = Keywords::parse_list(kw).unwrap();
        for parts in [1, 2, 7, 16] {
            for &read in b.local_reads() {
                let mut o = opts(parts, &k);
                o.count.read = read;
                let got = run(b, &input, &format!("g{parts}"), &o).await.unwrap();
                assert_eq!(
                    got,
                    expected(&[&data], &k),
                    "{kw} / {parts} parts, {read} on {}",
                    b.name
                );
            }
        }
    }
}

/// Boundary torture through the whole pipeline: odd inputs, many part
/// counts, tiny read blocks, every strategy, every local read path.
async fn torture(b: &Backend) {
    let k = Keywords::parse_list("INFO,WARN,ERROR,DEBUG,ERR,aa,\0").unwrap();
    for (name, data) in torture_inputs() {
        let input = b.put(&format!("t/{}", name.replace(' ', "_")), &data).await;
        let blocks: &[usize] = if data.len() > 10_000 {
            &[4093, 1 << 16]
        } else {
            &[1, 5, 1 << 20]
        };
        for &block in blocks {
            for parts in [1, 2, 3, 5, 16] {
                for strategy in StrategyKind::all_for(&k) {
                    for &read in b.local_reads() {
                        let mut o = opts(parts, &k);
                        o.count.block_size = block;
                        o.count.strategy = strategy;
                        o.count.read = read;
                        let got = run(b, &input, "tw", &o).await.unwrap();
                        assert_eq!(
                            got,
                            expected(&[&data], &k),
                            "{name}: {parts} parts, block {block}, {strategy:?}, {read} on {}",
                            b.name
                        );
                    }
                }
            }
        }
    }
}

/// A dataset prefix: objects packed into parts give the sum of per-object counts.
async fn dataset_prefix(b: &Backend) {
    let big = logcount::gen::generate(200_000, 3);
    let objects: Vec<(&str, Vec<u8>)> = vec![
        ("ds/a.log", b"INFO x\nWARN y\n".to_vec()),
        ("ds/b.log", Vec::new()),
        ("ds/c.log", b"ERROR without final newline".to_vec()),
        ("ds/d/big.log", big),
        ("ds/e.log", b"DEBUG\n".to_vec()),
        ("other/not-in-dataset.log", b"INFO INFO INFO\n".to_vec()),
    ];
    for (name, data) in &objects {
        b.put(name, data).await;
    }
    let texts: Vec<&[u8]> = objects[..5].iter().map(|(_, d)| d.as_slice()).collect();
    let k = Keywords::default_set();
    for parts in [1, 2, 3, 6, 40] {
        let got = run(b, &b.url("ds/"), &format!("dw{parts}"), &opts(parts, &k))
            .await
            .unwrap();
        assert_eq!(got, expected(&texts, &k), "{parts} parts on {}", b.name);
    }
    // Without the trailing slash, a prefix that is not an object is a dataset too.
    let got = run(b, &b.url("ds"), "dw-noslash", &opts(4, &k))
        .await
        .unwrap();
    assert_eq!(got, expected(&texts, &k));
}

/// Split reads nothing of objects smaller than half a part's share: a cut
/// aimed inside one moves to its nearer end, and count sniffs it (here a
/// gzip object among plain ones). A big object is still cut at lines.
async fn small_objects_left_to_count(b: &Backend) {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"ERROR zipped\nERROR zipped\n").unwrap();
    let gz = gz.finish().unwrap();
    let big = logcount::gen::generate(20_000, 4);
    let mut texts: Vec<Vec<u8>> = Vec::new();
    for i in 0..12 {
        let text = format!("INFO {i}\nWARN w\n").repeat(3 + i).into_bytes();
        b.put(&format!("small/s{i:02}.log"), &text).await;
        texts.push(text);
    }
    b.put("small/t-zipped.log", &gz).await;
    texts.push(b"ERROR zipped\nERROR zipped\n".to_vec());
    b.put("small/u-big.log", &big).await;
    texts.push(big.clone());
    let k = Keywords::default_set();
    let input = b.stores.open(&b.url("small/")).unwrap();
    for parts in [1, 3, 7, 40] {
        let work = b.stores.open(&b.url(&format!("small-w{parts}"))).unwrap();
        let m = split(&input, &work, &split_opts(parts, &k)).await.unwrap();
        let total = m.input_bytes();
        for (i, o) in m.objects.iter().enumerate() {
            let small = parts == 1 || o.size * 2 * (parts as u64) < total;
            assert_eq!(o.sniffed_by_count, small, "object {i}, {parts} parts");
            if small {
                assert!(o.compression.is_none());
                let pieces: Vec<_> = m
                    .parts
                    .iter()
                    .flat_map(|p| &p.segments)
                    .filter(|s| s.object == i)
                    .collect();
                assert_eq!(pieces.len(), 1, "object {i} is in one part ({parts} parts)");
                assert_eq!((pieces[0].start, pieces[0].end), (0, o.size));
            }
        }
        if parts > 1 {
            let big_object = m.objects.len() - 1;
            assert!(!m.objects[big_object].sniffed_by_count);
            let cut = m
                .parts
                .iter()
                .flat_map(|p| &p.segments)
                .filter(|s| s.object == big_object);
            assert!(cut.count() > 1, "the big object is cut ({parts} parts)");
        }
        for id in m.part_ids() {
            count(&b.stores, &work, id, &CountOptions::default())
                .await
                .unwrap();
        }
        let merged = merge(&b.stores, &work, Some(m.parts.len())).await.unwrap();
        let texts: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
        assert_eq!(
            merged.result.values().collect::<Vec<_>>(),
            expected(&texts, &k),
            "{parts} parts on {}",
            b.name
        );
    }
}

/// Steps can be re-run: the second count of a part overwrites the first with
/// the same content, and merge gives the same result.
async fn steps_rerun(b: &Backend) {
    let data = logcount::gen::generate(50_000, 5);
    let input = b.stores.open(&b.put("r.log", &data).await).unwrap();
    let work = b.stores.open(&b.url("rw")).unwrap();
    let k = Keywords::default_set();
    let m = split(&input, &work, &split_opts(3, &k)).await.unwrap();
    for id in m.part_ids() {
        let first = count(&b.stores, &work, id, &CountOptions::default())
            .await
            .unwrap();
        let second = count(&b.stores, &work, id, &CountOptions::default())
            .await
            .unwrap();
        assert_eq!(
            (first.counts, first.bytes, first.lines),
            (second.counts, second.bytes, second.lines)
        );
    }
    let one = merge(&b.stores, &work, Some(3)).await.unwrap();
    let two = merge(&b.stores, &work, None).await.unwrap();
    assert_eq!(one, two);
    assert_eq!(
        one.result.values().collect::<Vec<_>>(),
        expected(&[&data], &k)
    );
}

fn split_opts(parts: usize, k: &Keywords) -> SplitOptions {
    SplitOptions {
        parts,
        counting: logcount::spec::Counting::for_keywords(k.clone(), Default::default(), None),
        materialize: false,
        ..Default::default()
    }
}

/// Splits and counts every part but `skip`; returns the work location.
async fn prepared(
    b: &Backend,
    work: &str,
    skip: Option<&str>,
) -> (logcount::store::Location, Manifest) {
    let data = logcount::gen::generate(60_000, 11);
    let input = b
        .stores
        .open(&b.put(&format!("{work}.log"), &data).await)
        .unwrap();
    let work = b.stores.open(&b.url(work)).unwrap();
    let m = split(&input, &work, &split_opts(3, &Keywords::default_set()))
        .await
        .unwrap();
    for id in m.part_ids() {
        if Some(id) != skip {
            count(&b.stores, &work, id, &CountOptions::default())
                .await
                .unwrap();
        }
    }
    (work, m)
}

fn assert_refused(e: Error, needles: &[&str]) {
    let msg = format!("{:#}", anyhow::Error::from(e));
    for n in needles {
        assert!(msg.contains(n), "message {msg:?} should mention {n:?}");
    }
}

/// Merge refuses a missing, extra, foreign, corrupt or inconsistent part,
/// and a part count that disagrees with the manifest.
async fn merge_refusals(b: &Backend) {
    // A part that never ran.
    let (work, _) = prepared(b, "m-missing", Some("2")).await;
    let e = merge(&b.stores, &work, None).await.unwrap_err();
    assert!(!e.is_transient(), "{e}");
    assert_refused(e, &["part 2", "count-output/2.json"]);

    // NUM_PARTS disagreeing with the manifest.
    let (work, _) = prepared(b, "m-ok", None).await;
    assert_refused(
        merge(&b.stores, &work, Some(4)).await.unwrap_err(),
        &["4 given", "3 parts"],
    );
    assert!(merge(&b.stores, &work, Some(3)).await.is_ok());

    // An output for a part the manifest does not know.
    let out = b.get("m-ok/count-output/1.json").await;
    b.put("m-ok/count-output/9.json", &out).await;
    assert_refused(
        merge(&b.stores, &work, None).await.unwrap_err(),
        &["count-output/9.json", "extra"],
    );

    // An output of another job in the same prefix (a stale output).
    let (_, _) = prepared(b, "m-other", None).await;
    let (work, _) = prepared(b, "m-foreign", None).await;
    let stale = b.get("m-other/count-output/0.json").await;
    b.put("m-foreign/count-output/0.json", &stale).await;
    assert_refused(
        merge(&b.stores, &work, None).await.unwrap_err(),
        &["part 0", "job"],
    );

    // Truncated / not JSON.
    let (work, _) = prepared(b, "m-corrupt", None).await;
    let good = b.get("m-corrupt/count-output/1.json").await;
    b.put("m-corrupt/count-output/1.json", &good[..good.len() / 2])
        .await;
    assert_refused(
        merge(&b.stores, &work, None).await.unwrap_err(),
        &["part 1", "unreadable"],
    );

    // Bytes that do not match the part; keywords other than the manifest's; another version.
    for (tamper, needle) in [
        (r#""bytes": 1"#, "bytes"),
        (r#""INFO": "#, "keywords"),
        (r#""version": 1"#, "version"),
    ] {
        let (work, _) = prepared(b, "m-tamper", None).await;
        let mut out: CountOutput =
            serde_json::from_slice(&b.get("m-tamper/count-output/1.json").await).unwrap();
        match tamper {
            r#""bytes": 1"# => out.bytes += 1,
            r#""INFO": "# => out.counts.0[0].0 = "INFO2".into(),
            _ => out.version = 99,
        }
        b.put(
            "m-tamper/count-output/1.json",
            &serde_json::to_vec(&out).unwrap(),
        )
        .await;
        assert_refused(
            merge(&b.stores, &work, None).await.unwrap_err(),
            &["part 1", needle],
        );
    }
    // No result was written by any refused merge.
    assert!(b.stores.open(&b.url("m-missing/result.json")).is_ok());
    let missing =
        logcount::store::head(&b.stores.open(&b.url("m-missing/result.json")).unwrap()).await;
    assert!(matches!(missing, Err(Error::NotFound { .. })));
}

/// Input that changes after split is refused by count and by merge.
async fn input_drift(b: &Backend) {
    let (work, m) = prepared(b, "drift", Some("1")).await;
    assert_eq!(m.objects.len(), 1);
    // Same size, other bytes: only the version tag tells.
    let mut data = b.get("drift.log").await;
    data[0] ^= 1;
    // Local file ETags include the modification time: make sure it moves.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    b.put("drift.log", &data).await;
    for &read in b.local_reads() {
        let o = CountOptions {
            read,
            ..CountOptions::default()
        };
        let e = count(&b.stores, &work, "1", &o).await.unwrap_err();
        assert!(matches!(e, Error::InputChanged { .. }), "{read}: {e:?}");
        assert_refused(e, &["drift.log", "changed since split"]);
    }
    let e = merge(&b.stores, &work, None).await.unwrap_err();
    assert!(matches!(e, Error::InputChanged { .. }), "{e:?}");
    // A local file cut shorter than the part: refused, on a mapping too (no
    // SIGBUS). (An S3 server answers such a range 416, a storage error.)
    if b.name != "file" {
        return;
    }
    data.truncate(data.len() / 3);
    b.put("drift.log", &data).await;
    for &read in b.local_reads() {
        for id in ["0", "1"] {
            let o = CountOptions {
                read,
                ..CountOptions::default()
            };
            let e = count(&b.stores, &work, id, &o).await.unwrap_err();
            assert!(
                matches!(e, Error::InputChanged { .. }),
                "{read}, part {id}: {e:?}"
            );
        }
    }
}

/// A dataset's objects that change or go after count are refused by merge,
/// whether merge lists their folder (here 20 objects) or asks for a lone
/// object (a HEAD).
async fn dataset_drift(b: &Backend) {
    let k = Keywords::default_set();
    let line = |i: usize| format!("INFO {i:04}\nWARN x\n").into_bytes();
    for (case, victim) in [
        ("changed", "many/f07.log"),
        ("deleted", "many/f13.log"),
        ("changed", "lone/only.log"),
    ] {
        let root = format!("dd-{case}-{}", victim.replace('/', "-"));
        for i in 0..20 {
            b.put(&format!("{root}/many/f{i:02}.log"), &line(i)).await;
        }
        b.put(&format!("{root}/lone/only.log"), &line(99)).await;
        let input = b.stores.open(&b.url(&format!("{root}/"))).unwrap();
        let work = b.stores.open(&b.url(&format!("{root}-work"))).unwrap();
        let m = split(&input, &work, &split_opts(3, &k)).await.unwrap();
        assert_eq!(m.objects.len(), 21);
        for id in m.part_ids() {
            count(&b.stores, &work, id, &CountOptions::default())
                .await
                .unwrap();
        }
        let what = format!("{case} {victim} on {}", b.name);
        let name = format!("{root}/{victim}");
        if case == "deleted" {
            let loc = b.stores.open(&b.url(&name)).unwrap();
            logcount::store::delete_if_exists(&loc).await.unwrap();
        } else {
            let mut data = b.get(&name).await;
            data[0] ^= 1; // same size, other bytes
                          // Local file ETags include the modification time: make sure it moves.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            b.put(&name, &data).await;
        }
        let e = merge(&b.stores, &work, None).await.unwrap_err();
        assert!(matches!(e, Error::InputChanged { .. }), "{what}: {e:?}");
        let now = if case == "deleted" {
            "deleted"
        } else {
            "bytes"
        };
        assert_refused(e, &[victim, "changed since split", now]);
    }
}

/// `materialize` writes each part's bytes; together they are the input (a
/// dataset of two objects, so parts span objects), and doing it again
/// replaces them. Nothing else is left in split-output (no staged files).
async fn materialized_parts(b: &Backend) {
    let one = logcount::gen::generate(120_000, 4);
    let two = logcount::gen::generate(50_001, 5);
    b.put("matset/a.log", &one).await;
    b.put("matset/b.log", &two).await;
    let data = [one, two].concat();
    let input = b.stores.open(&b.url("matset/")).unwrap();
    let work = b.stores.open(&b.url("mat")).unwrap();
    let k = Keywords::default_set();
    for parts in [7, 3] {
        let mut o = split_opts(parts, &k);
        o.materialize = true;
        let m = split(&input, &work, &o).await.unwrap();
        let mut joined = Vec::new();
        for id in m.part_ids() {
            let part = b.get(&format!("mat/split-output/{id}.txt")).await;
            assert_eq!(part.len() as u64, m.part(id).unwrap().bytes, "part {id}");
            joined.extend_from_slice(&part);
        }
        assert_eq!(joined, data, "{parts} parts");
        let listed: Vec<String> = work
            .store
            .list(Some(&work.join("split-output").path))
            .map(|m| m.unwrap().location.filename().unwrap().to_string())
            .collect()
            .await;
        assert_eq!(listed.len(), m.parts.len(), "{listed:?}");
        if b.name == "file" {
            let dir = work.join("split-output").url.to_file_path().unwrap();
            let names: Vec<_> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            assert!(names.iter().all(|n| !n.contains('#')), "{names:?}");
            assert_eq!(names.len(), m.parts.len(), "{names:?}");
        }
    }
}

/// A new split in the same work prefix retires the old job's outputs.
async fn resplit_retires_old_outputs(b: &Backend) {
    let (work, _) = prepared(b, "again", None).await;
    let input = b.stores.open(&b.url("again.log")).unwrap();
    split(&input, &work, &split_opts(2, &Keywords::default_set()))
        .await
        .unwrap();
    let e = merge(&b.stores, &work, None).await.unwrap_err();
    assert_refused(e, &["part 0", "no count output"]);
}

/// Bad requests to the steps.
async fn bad_requests(b: &Backend) {
    let (work, _) = prepared(b, "bad", None).await;
    for id in ["", "3", "-1", "../../etc/passwd", &"9".repeat(10_000)] {
        let e = count(&b.stores, &work, id, &CountOptions::default())
            .await
            .unwrap_err();
        assert!(!e.is_transient(), "{e}");
        assert!(matches!(e, Error::UnknownPart { .. }), "{id:?}: {e:?}");
        let msg = e.to_string();
        assert!(msg.contains("\"0\" to \"2\""), "{msg}");
        assert!(msg.len() < 400, "the message stays short: {msg}");
    }
    let input = b.stores.open(&b.url("bad.log")).unwrap();
    for parts in [0, logcount::cut::MAX_PARTS + 1] {
        let e = split(&input, &work, &split_opts(parts, &Keywords::default_set()))
            .await
            .unwrap_err();
        assert!(!e.is_transient(), "{e}");
        assert!(e.to_string().contains("number of parts"), "{e}");
    }
    let missing = b.stores.open(&b.url("no-such.log")).unwrap();
    let e = split(&missing, &work, &split_opts(2, &Keywords::default_set()))
        .await
        .unwrap_err();
    assert!(!e.is_transient(), "{e}");
    assert!(e.to_string().contains("no-such.log"), "{e}");
    let fresh = b.stores.open(&b.url("never-split")).unwrap();
    let e = count(&b.stores, &fresh, "0", &CountOptions::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("manifest"), "{e}");
}

/// A store that lists no ETags (the test server), with more objects than
/// split asks one by one: they are pinned by size and last-modified time,
/// and merge, listing their folder, still refuses one rewritten since.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_objects_listed_without_e_tags_are_pinned_by_time() {
    let b = Backend::s3();
    let name = |i: usize| format!("noetag/f{i:04}.log");
    futures::stream::iter(0..1001)
        .map(|i| {
            let b = &b;
            async move { b.put(&name(i), format!("INFO {i:04}\n").as_bytes()).await }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    let input = b.stores.open(&b.url("noetag/")).unwrap();
    let work = b.stores.open(&b.url("noetag-work")).unwrap();
    let k = Keywords::default_set();
    let m = split(&input, &work, &split_opts(4, &k)).await.unwrap();
    assert_eq!(m.objects.len(), 1001);
    assert!(
        m.objects.iter().all(|o| o.e_tag.is_none()),
        "the server listed ETags"
    );
    for id in m.part_ids() {
        count(&b.stores, &work, id, &CountOptions::default())
            .await
            .unwrap();
    }
    let merged = merge(&b.stores, &work, None).await.unwrap();
    assert_eq!(merged.result.values().collect::<Vec<_>>(), [1001, 0, 0, 0]);

    let mut data = b.get(&name(500)).await;
    data[5] = b'9'; // same size, other bytes, a later second
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    b.put(&name(500), &data).await;
    let e = merge(&b.stores, &work, None).await.unwrap_err();
    assert!(matches!(e, Error::InputChanged { .. }), "{e:?}");
    assert_refused(e, &["noetag/f0500.log", "changed since split", "modified"]);
}

macro_rules! all_tests {
    ($backend:ident: $make:expr) => {
        suite!($backend: $make;
            seed_every_part_count, generated_logs, torture, dataset_prefix,
            small_objects_left_to_count, steps_rerun,
            merge_refusals, input_drift, dataset_drift, materialized_parts, resplit_retires_old_outputs,
            bad_requests);
    };
}

all_tests!(file: Backend::file());
all_tests!(memory: Backend::memory());
all_tests!(s3: Backend::s3());
