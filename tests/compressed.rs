//! Compressed input through the whole pipeline, on every storage backend:
//! gzip made by Python's `gzip` module (single and multi-member, and BGZF made
//! here), zstd made by the zstd crate (single frame, several frames, skippable
//! frames, the seekable format's seek table). Counts must equal counting the
//! decompressed text (the naive reference, and Python's `gzip.decompress` +
//! `bytes.count` for the seed), for several part counts and small blocks, so
//! that decompressed blocks and unit boundaries straddle lines.

use crate::common::{expected, seed_sample, step_binary, torture_inputs, Backend, SEED_RESULT};
use logcount::keywords::Keywords;
use logcount::run::{run_in_process, RunOptions};
use logcount::steps::count::{count, CountOptions};
use logcount::steps::merge::merge;
use logcount::steps::split::{split, SplitOptions};
use logcount::wire::{CountOutput, Manifest};
use logcount::Error;
use std::io::Write;
use std::process::{Command, Stdio};

fn split_opts(parts: usize, keywords: &Keywords) -> SplitOptions {
    SplitOptions {
        parts,
        counting: logcount::spec::Counting::for_keywords(
            keywords.clone(),
            Default::default(),
            None,
        ),
        materialize: false,
        ..Default::default()
    }
}

fn opts(parts: usize, keywords: &Keywords, block: usize) -> RunOptions {
    let count = CountOptions {
        block_size: block,
        ..CountOptions::default()
    };
    RunOptions {
        reduce: Default::default(),
        split: split_opts(parts, keywords),
        count,
        jobs: 3,
    }
}

/// Runs the pipeline; returns the counts, the lines and the manifest.
async fn run(
    b: &Backend,
    input: &str,
    work: &str,
    o: &RunOptions,
) -> logcount::Result<(Vec<u64>, u64, Manifest)> {
    let input = b.stores.open(input)?;
    let work_loc = b.stores.open(&b.url(work))?;
    let out = run_in_process(&b.stores, &input, &work_loc, o).await?;
    let manifest: Manifest =
        serde_json::from_slice(&b.get(&format!("{work}/manifest.json")).await).expect("manifest");
    Ok((
        out.merged.result.values().collect(),
        out.merged.lines,
        manifest,
    ))
}

/// Runs a Python script with `data` on stdin; returns its stdout.
fn python(script: &str, args: &[String], data: &[u8]) -> Vec<u8> {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut stdin = child.stdin.take().unwrap();
    let data = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "python3 failed");
    out.stdout
}

/// Python's gzip: one member per piece of `text`, cut at `cuts` (any offsets).
fn py_gzip(text: &[u8], cuts: &[usize]) -> Vec<u8> {
    let script = "import gzip,sys\nd=sys.stdin.buffer.read()\n\
                  c=[0]+[int(x) for x in sys.argv[1:]]+[len(d)]\n\
                  sys.stdout.buffer.write(b''.join(gzip.compress(d[a:b],mtime=0) for a,b in zip(c,c[1:])))";
    let args: Vec<String> = cuts.iter().map(|c| c.to_string()).collect();
    python(script, &args, text)
}

/// Python's oracle: `gzip.decompress(data).count(k)` per keyword.
fn py_gzip_counts(gz: &[u8], keywords: &[&str]) -> Vec<u64> {
    let script = "import gzip,sys,json\nd=gzip.decompress(sys.stdin.buffer.read())\n\
                  print(json.dumps([d.count(k.encode()) for k in sys.argv[1:]]))";
    let args: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
    serde_json::from_slice(&python(script, &args, gz)).unwrap()
}

/// zstd frames, one per piece of `text` cut at `cuts`.
fn zstd_frames(text: &[u8], cuts: &[usize]) -> Vec<u8> {
    pieces(text, cuts)
        .iter()
        .flat_map(|p| zstd::bulk::compress(p, 3).unwrap())
        .collect()
}

fn pieces<'a>(text: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut c = vec![0];
    c.extend(cuts.iter().map(|&x| x.min(text.len())));
    c.push(text.len());
    c.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

/// zstd frames with a skippable frame before, between and after them.
fn zstd_with_skippable(text: &[u8], cuts: &[usize]) -> Vec<u8> {
    let skip = |n: u8| {
        let mut f = vec![0x50 + n, 0x2a, 0x4d, 0x18, n as u32 as u8, 0, 0, 0];
        f.extend(std::iter::repeat_n(0xee, n as usize));
        f
    };
    let mut out = skip(3);
    for (i, p) in pieces(text, cuts).iter().enumerate() {
        out.extend(zstd::bulk::compress(p, 1).unwrap());
        out.extend(skip(i as u8 % 16));
    }
    out
}

/// The zstd seekable format: frames, then the seek table in a skippable frame.
fn zstd_seekable(text: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut table = Vec::new();
    let ps = pieces(text, cuts);
    for p in &ps {
        let f = zstd::bulk::compress(p, 3).unwrap();
        table.extend((f.len() as u32).to_le_bytes());
        table.extend((p.len() as u32).to_le_bytes());
        out.extend(f);
    }
    table.extend((ps.len() as u32).to_le_bytes());
    table.push(0);
    table.extend(0x8F92_EAB1u32.to_le_bytes());
    out.extend(0x184D_2A5Eu32.to_le_bytes());
    out.extend((table.len() as u32).to_le_bytes());
    out.extend(table);
    out
}

/// BGZF: gzip members carrying their size in the `BC` extra subfield.
fn bgzf(text: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces(text, cuts) {
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(p).unwrap();
        let deflated = raw.finish().unwrap();
        let mut crc = flate2::Crc::new();
        crc.update(p);
        let total = 18 + deflated.len() + 8;
        out.extend([
            0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
        ]);
        out.extend(((total - 1) as u16).to_le_bytes());
        out.extend(deflated);
        out.extend(crc.sum().to_le_bytes());
        out.extend((p.len() as u32).to_le_bytes());
    }
    out
}

/// Cut offsets at odd places (mid-line), about `n` of them.
fn odd_cuts(len: usize, n: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (1..=n)
        .map(|i| (i * len / (n + 1) + i % 3).min(len))
        .collect();
    for i in 1..cuts.len() {
        cuts[i] = cuts[i].max(cuts[i - 1]);
    }
    cuts
}

fn lines_of(text: &[u8]) -> u64 {
    let nl = text.iter().filter(|&&c| c == b'\n').count() as u64;
    nl + u64::from(!text.is_empty() && !text.ends_with(b"\n"))
}

type Encoder = fn(&[u8], &[usize]) -> Vec<u8>;

/// Every encoding: (name, file name, encoder, whether split can cut it at units).
const ENCODINGS: [(&str, &str, Encoder, bool); 7] = [
    ("gzip, Python, one member per piece", "x.gz", py_gzip, false),
    ("bgzf", "x.bgz", bgzf, true),
    ("zstd frames", "x.zst", zstd_frames, true),
    (
        "zstd + skippable frames",
        "x.zst",
        zstd_with_skippable,
        true,
    ),
    ("zstd seekable", "x.zst", zstd_seekable, true),
    ("gzip named .log", "x.log", py_gzip, false),
    ("gzip named .zst", "y.zst", py_gzip, false),
];

/// Every encoding of odd texts gives the plain text's counts and lines, for
/// several part counts and read/decompress block sizes; split never makes
/// more parts than asked, and cuts at units where the format allows.
async fn encodings(b: &Backend) {
    let k = Keywords::parse_list("INFO,WARN,ERROR,DEBUG,ERR,aa,\0").unwrap();
    let mut texts = torture_inputs();
    texts.push(("generated", logcount::gen::generate(300_000, 8)));
    for (name, text) in &texts {
        let big = text.len() > 10_000;
        for (enc, file, encode, cuttable) in ENCODINGS {
            for (units, cuts) in [(1, vec![]), (5, odd_cuts(text.len(), 4))] {
                let data = encode(text, &cuts);
                let input = b.put(&format!("enc/{}", file), &data).await;
                let blocks: &[usize] = if big { &[4093, 1 << 20] } else { &[3, 1 << 20] };
                for &block in blocks {
                    for parts in [1, 2, 3, 8] {
                        let what = format!(
                            "{name} / {enc} / {units} units / block {block} / {parts} parts on {}",
                            b.name
                        );
                        let (got, lines, m) = run(b, &input, "encw", &opts(parts, &k, block))
                            .await
                            .unwrap_or_else(|e| panic!("{what}: {e:#}"));
                        assert_eq!(got, expected(&[text], &k), "{what}");
                        assert_eq!(lines, lines_of(text), "{what}");
                        assert!(m.parts.len() <= parts, "{what}");
                        // One part: split cuts nothing and leaves the sniffing to count.
                        let object = &m.objects[0];
                        if parts == 1 {
                            assert!(object.compression.is_none(), "{what}");
                            assert_eq!(object.sniffed_by_count, !data.is_empty(), "{what}");
                        } else {
                            assert!(object.compression.is_some(), "{what}");
                            assert!(!object.sniffed_by_count, "{what}");
                        }
                        if cuttable && parts > 1 && units > 1 && !text.is_empty() {
                            assert!(m.parts.len() > 1, "{what}: split used the units");
                        }
                        if !cuttable || (units == 1 && !enc.contains("skippable")) {
                            assert_eq!(m.parts.len(), 1, "{what}: one unit, one part");
                        }
                    }
                }
            }
        }
    }
}

/// The seed, gzipped by Python, gives the reference's result for several
/// part counts, the same as the plain seed through the same pipeline and as
/// Python's own `gzip.decompress(..).count(..)`; zstd too.
async fn seed_gzipped(b: &Backend) {
    let Some(seed) = seed_sample() else { return };
    let k = Keywords::default_set();
    let want: Vec<u64> = SEED_RESULT.iter().map(|&(_, v)| v).collect();
    let gz = py_gzip(&seed, &[]);
    assert_eq!(
        py_gzip_counts(&gz, &["INFO", "WARN", "ERROR", "DEBUG"]),
        want
    );
    let plain = b.put("seed/log-count-data.txt", &seed).await;
    let (plain_counts, plain_lines, _) = run(b, &plain, "sp", &opts(4, &k, 1 << 20)).await.unwrap();
    assert_eq!(plain_counts, want);
    let multi = py_gzip(&seed, &odd_cuts(seed.len(), 6));
    assert_eq!(
        py_gzip_counts(&multi, &["INFO", "WARN", "ERROR", "DEBUG"]),
        want
    );
    let zst = zstd_frames(&seed, &odd_cuts(seed.len(), 6));
    for (file, data) in [
        ("seed.log.gz", &gz),
        ("multi.gz", &multi),
        ("seed.zst", &zst),
    ] {
        let input = b.put(&format!("seedz/{file}"), data).await;
        for (parts, block) in [(1, 1 << 20), (3, 4093), (16, 65536)] {
            let (got, lines, _) = run(b, &input, "sz", &opts(parts, &k, block)).await.unwrap();
            assert_eq!(got, want, "{file}, {parts} parts on {}", b.name);
            assert_eq!(got, plain_counts);
            assert_eq!((lines, plain_lines), (10_000, 10_000));
            let result = b.get("sz/result.json").await;
            assert_eq!(
                result,
                b"{\"INFO\":2460,\"WARN\":2448,\"ERROR\":2583,\"DEBUG\":2509}\n"
            );
        }
    }
}

/// A dataset mixing plain and compressed objects (and lying names).
async fn mixed_dataset(b: &Backend) {
    let big = logcount::gen::generate(200_000, 3);
    let objects: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
        ("mix/a.log", b"INFO x\nWARN y\n".to_vec(), vec![]),
        ("mix/b.log.gz", b"ERROR no newline".to_vec(), vec![]),
        ("mix/c.zst", big.clone(), vec![]),
        ("mix/d.log", Vec::new(), vec![]),
        ("mix/e.gz", Vec::new(), vec![]),
        ("mix/f.gz", b"DEBUG plain text named .gz\n".to_vec(), vec![]),
        ("mix/g.log", big.clone(), vec![]),
        ("mix/h.bgz", big.clone(), vec![]),
    ];
    let mut texts = Vec::new();
    for (name, text, _) in &objects {
        let data = match *name {
            "mix/b.log.gz" => py_gzip(text, &[]),
            "mix/c.zst" => zstd_frames(text, &odd_cuts(text.len(), 9)),
            "mix/h.bgz" => bgzf(text, &odd_cuts(text.len(), 9)),
            _ => text.clone(),
        };
        b.put(name, &data).await;
        texts.push(text.as_slice());
    }
    let k = Keywords::default_set();
    for parts in [1, 2, 5, 40] {
        let (got, lines, m) = run(b, &b.url("mix/"), "mixw", &opts(parts, &k, 65536))
            .await
            .unwrap();
        assert_eq!(got, expected(&texts, &k), "{parts} parts on {}", b.name);
        assert_eq!(lines, texts.iter().map(|t| lines_of(t)).sum::<u64>());
        assert!(m.parts.len() <= parts);
        // What split saw of each object; objects no cut falls in (every one,
        // with one part) are left to count, which decoded them above.
        let kinds: Vec<_> = m
            .objects
            .iter()
            .map(|o| match (o.sniffed_by_count, o.compression) {
                (true, _) => "left to count",
                (false, c) => c.map_or("plain", |c| c.name()),
            })
            .collect();
        let want_kinds = [
            "plain", "gzip", "zstd", "plain", "plain", "plain", "plain", "gzip",
        ];
        for (i, (got, want)) in kinds.iter().zip(want_kinds).enumerate() {
            let small = m.objects[i].size * 2 * (parts as u64) < m.input_bytes();
            let empty = m.objects[i].size == 0;
            match (parts, small, empty) {
                (_, _, true) => assert_eq!(*got, "plain", "object {i}, {parts} parts"),
                (1, _, _) | (_, true, _) => {
                    assert_eq!(*got, "left to count", "object {i}, {parts} parts")
                }
                _ => assert_eq!(*got, want, "object {i}, {parts} parts"),
            }
        }
        if parts == 40 {
            assert!(m.parts.len() > 10, "the plain and cuttable objects are cut");
        }
    }
}

/// Truncated or corrupt streams: count fails naming the object and the
/// compressed offset, as bad input (exit 2); nothing is merged.
async fn damaged(b: &Backend) {
    let text = logcount::gen::generate(100_000, 2);
    let gz = py_gzip(&text, &[]);
    let zst = zstd_frames(&text, &[]);
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("d/trunc.gz", gz[..gz.len() / 2].to_vec(), "truncated"),
        ("d/notrailer.gz", gz[..gz.len() - 4].to_vec(), "gzip"),
        ("d/trunc.zst", zst[..zst.len() - 7].to_vec(), "truncated"),
        (
            "d/header.gz",
            b"\x1f\x8bnot a gzip header at all".to_vec(),
            "compressed offset",
        ),
    ];
    let mut bad_gz = gz.clone();
    bad_gz[gz.len() / 2] ^= 0x55;
    bad_gz[gz.len() / 2 + 1] ^= 0xaa;
    cases.push(("d/corrupt.gz", bad_gz, "compressed offset"));
    let mut bad_zst = zst.clone();
    bad_zst[zst.len() / 2] ^= 0x55;
    bad_zst[zst.len() / 2 + 1] ^= 0xaa;
    cases.push(("d/corrupt.zst", bad_zst, "compressed offset"));
    let k = Keywords::default_set();
    for (name, data, needle) in cases {
        let input = b.put(name, &data).await;
        let e = run(b, &input, "dw", &opts(1, &k, 4096)).await.unwrap_err();
        let (transient, corrupt) = (e.is_transient(), matches!(e, Error::Corrupt { .. }));
        let msg = format!("{:#}", anyhow::Error::from(e));
        assert!(!transient, "{name}: {msg}");
        assert!(corrupt, "{name}: {msg}");
        assert!(msg.contains(name.trim_start_matches("d/")), "{name}: {msg}");
        assert!(msg.contains(needle), "{name}: {msg} lacks {needle:?}");
    }
}

/// The files: a plain job's manifest and outputs carry no compression fields;
/// a compressed part's output covers its compressed bytes and says how much
/// text they held; merge accepts fewer parts than asked for compressed input
/// and refuses an input changed since split.
async fn files_and_merge(b: &Backend) {
    let text = logcount::gen::generate(80_000, 6);
    let k = Keywords::default_set();
    let plain = b.stores.open(&b.put("f/plain.log", &text).await).unwrap();
    let work = b.stores.open(&b.url("fw-plain")).unwrap();
    let m = split(&plain, &work, &split_opts(3, &k)).await.unwrap();
    let json = String::from_utf8(b.get("fw-plain/manifest.json").await).unwrap();
    assert!(!json.contains("compression"), "{json}");
    assert_eq!(m.parts.len(), 3);
    let out = count(&b.stores, &work, "0", &CountOptions::default())
        .await
        .unwrap();
    assert_eq!(out.decompressed_bytes, None);
    let json = String::from_utf8(b.get("fw-plain/count-output/0.json").await).unwrap();
    assert!(!json.contains("decompressed"), "{json}");

    let zst = zstd_frames(&text, &odd_cuts(text.len(), 1));
    let input = b.stores.open(&b.put("f/two.zst", &zst).await).unwrap();
    let work = b.stores.open(&b.url("fw-zst")).unwrap();
    let m = split(&input, &work, &split_opts(5, &k)).await.unwrap();
    assert_eq!(m.parts.len(), 2, "two frames, two parts");
    let mut text_bytes = 0;
    for p in &m.parts {
        let out = count(&b.stores, &work, &p.id, &CountOptions::default())
            .await
            .unwrap();
        assert_eq!(out.bytes, p.bytes);
        text_bytes += out.decompressed_bytes.expect("compressed part");
    }
    assert_eq!(text_bytes, text.len() as u64);
    let merged = merge(&b.stores, &work, Some(5)).await.unwrap();
    assert_eq!(
        merged.result.values().collect::<Vec<_>>(),
        expected(&[&text], &k)
    );
    assert!(
        merge(&b.stores, &work, Some(1)).await.is_err(),
        "fewer than the manifest's"
    );

    // A count output without its decompressed size is refused.
    let mut out: CountOutput =
        serde_json::from_slice(&b.get("fw-zst/count-output/1.json").await).unwrap();
    out.decompressed_bytes = None;
    b.put(
        "fw-zst/count-output/1.json",
        &serde_json::to_vec(&out).unwrap(),
    )
    .await;
    let e = merge(&b.stores, &work, None).await.unwrap_err();
    assert!(e.to_string().contains("decompressed"), "{e}");

    // Input changed since split: count refuses (ETag-checked ranged reads).
    let mut changed = zst.clone();
    changed.extend(zstd::bulk::compress(b"INFO more\n", 1).unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    b.put("f/two.zst", &changed).await;
    let e = count(&b.stores, &work, "0", &CountOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InputChanged { .. }), "{e:?}");

    // --materialize is refused for compressed input, before anything is written.
    let mut o = split_opts(2, &k);
    o.materialize = true;
    let e = split(&input, &b.stores.open(&b.url("fw-mat")).unwrap(), &o)
        .await
        .unwrap_err();
    assert!(!e.is_transient(), "{e}");
    assert!(e.to_string().contains("two.zst"), "{e}");
}

macro_rules! all_tests {
    ($backend:ident: $make:expr) => {
        suite!($backend: $make; encodings, seed_gzipped, mixed_dataset, damaged, files_and_merge);
    };
}

all_tests!(file: Backend::file());
all_tests!(memory: Backend::memory());
all_tests!(s3: Backend::s3());

/// The step binaries: a corrupt or truncated stream exits 2 naming the
/// object; a good one prints the counts.
#[test]
fn binaries_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let text = b"INFO a\nWARN b\nERROR c\n".repeat(1000);
    let gz = py_gzip(&text, &[]);
    let good = dir.path().join("good.log.gz");
    std::fs::write(&good, &gz).unwrap();
    let bad = dir.path().join("bad.gz");
    std::fs::write(&bad, &gz[..gz.len() - 10]).unwrap();
    let run = |input: &std::path::Path, work: &str| {
        step_binary("logcount", "warn")
            .args(["run", "--parts", "2", "--input"])
            .arg(input)
            .arg("--work")
            .arg(dir.path().join(work))
            .output()
            .unwrap()
    };
    let out = run(&good, "wg");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"INFO":1000,"WARN":1000,"ERROR":1000,"DEBUG":0}"#
    );
    let out = run(&bad, "wb");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad.gz") && stderr.contains("truncated"),
        "{stderr}"
    );
    // The steps one by one, as Argo runs them.
    let work = dir.path().join("ws");
    let split = step_binary("logcount-split", "warn")
        .env("INPUT", &bad)
        .env("WORK_DIR", &work)
        .env("NUM_PARTS", "3")
        .output()
        .unwrap();
    assert!(
        split.status.success(),
        "{}",
        String::from_utf8_lossy(&split.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&split.stdout).trim(), r#"["0"]"#);
    let count = step_binary("logcount-count", "warn")
        .env("WORK_DIR", &work)
        .env("PART_ID", "0")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&count.stderr);
    assert_eq!(count.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad.gz") && stderr.contains("compressed offset"),
        "{stderr}"
    );
}
