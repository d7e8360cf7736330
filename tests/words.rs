//! Words mode end to end: split → count × N → merge over each backend,
//! checked against Python's `collections.Counter(data.lower().split())` on
//! the bytes (an independent oracle: `bytes.split()` splits on ASCII
//! whitespace, `bytes.lower()` lowers ASCII only). Both the whole result
//! (result.json, every word in order) and the `word count` lines (top K)
//! are compared, and the step binaries are run as Argo runs them.

use crate::common::{seed_sample, step_binary, torture_inputs, Backend};
use logcount::run::{run_in_process, RunOptions};
use logcount::spec::Mode;
use logcount::steps::count::CountOptions;
use logcount::steps::split::SplitOptions;
use logcount::wire::KeywordCounts;
use std::path::Path;
use std::process::Command;

/// What the oracle says about a text: every (encoded word, count) in order,
/// and the raw `word count` lines of the top `k` (all when `None`).
struct Oracle {
    pairs: Vec<(String, u64)>,
    lines: Vec<u8>,
}

const ORACLE: &str = r#"
import collections, codecs, json, sys
codecs.register_error("lcx", lambda e: ("".join("\\X%02X" % b for b in e.object[e.start:e.end]), e.end))
data = open(sys.argv[1], "rb").read()
top = int(sys.argv[2])
ranked = sorted(collections.Counter(data.lower().split()).items(), key=lambda wc: (-wc[1], wc[0]))
json.dump([[w.decode("utf-8", "lcx"), n] for w, n in ranked], open(sys.argv[3], "w"))
with open(sys.argv[4], "wb") as f:
    for w, n in ranked[: top if top > 0 else None]:
        f.write(w + b" " + str(n).encode() + b"\n")
"#;

/// Runs the Python oracle on `data`; `None` (with a SKIPPED line) without python3.
fn oracle(data: &[u8], top: Option<usize>) -> Option<Oracle> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::write(&input, data).unwrap();
    let (pairs, lines) = (dir.path().join("pairs.json"), dir.path().join("lines"));
    let status = Command::new("python3")
        .arg("-c")
        .arg(ORACLE)
        .arg(&input)
        .arg(top.unwrap_or(0).to_string())
        .arg(&pairs)
        .arg(&lines)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("the Python oracle failed: {s}"),
        Err(e) => {
            eprintln!("SKIPPED: python3 is not available ({e}); words oracle checks did not run");
            return None;
        }
    }
    let pairs: Vec<(String, u64)> = serde_json::from_slice(&std::fs::read(pairs).unwrap()).unwrap();
    Some(Oracle {
        pairs,
        lines: std::fs::read(lines).unwrap(),
    })
}

fn opts(parts: usize, block: usize) -> RunOptions {
    let count = CountOptions {
        block_size: block,
        ..CountOptions::default()
    };
    RunOptions {
        split: SplitOptions {
            parts,
            counting: logcount::spec::Counting::Words,
            materialize: false,
            ..Default::default()
        },
        count,
        jobs: 3,
    }
}

fn lines_of(result: &KeywordCounts, top: Option<usize>) -> Vec<u8> {
    let mut out = Vec::new();
    result.write_word_lines(&mut out, top).unwrap();
    out
}

/// Runs words mode over `data` at each part count and block size; checks the
/// merged result, result.json and the top-`k` lines against the oracle.
async fn check(b: &Backend, name: &str, data: &[u8], parts: &[usize], blocks: &[usize], k: usize) {
    let Some(all) = oracle(data, None) else {
        return;
    };
    let top = oracle(data, Some(k)).expect("python3 ran once");
    let input = b.put(&format!("{name}.log"), data).await;
    for &p in parts {
        for &block in blocks {
            let work = format!("{name}-w{p}-{block}");
            let input_loc = b.stores.open(&input).unwrap();
            let work_loc = b.stores.open(&b.url(&work)).unwrap();
            let out = run_in_process(&b.stores, &input_loc, &work_loc, &opts(p, block))
                .await
                .unwrap();
            let what = format!("{name}: {p} parts, block {block} on {}", b.name);
            assert_eq!(out.merged.mode, Mode::Words);
            assert_eq!(out.merged.result.0, all.pairs, "{what}");
            let file: KeywordCounts =
                serde_json::from_slice(&b.get(&format!("{work}/result.json")).await).unwrap();
            assert_eq!(file, out.merged.result, "result.json, {what}");
            assert_eq!(lines_of(&file, Some(k)), top.lines, "top {k} lines, {what}");
            assert_eq!(lines_of(&file, None), all.lines, "all lines, {what}");
        }
    }
}

/// The reference sample at several part counts.
async fn seed(b: &Backend) {
    let Some(seed) = seed_sample() else { return };
    check(b, "seed", &seed, &[1, 2, 3, 5, 8], &[4 << 20, 4093], 10).await;
}

/// Generated logs (Chinese, punctuation, a DEL and SOH byte in a phrase).
async fn generated(b: &Backend) {
    let data = logcount::gen::generate(400_000, 17);
    check(
        b,
        "gen",
        &data,
        &[1, 2, 7, 16],
        &[4 << 20, 4093, 1 << 16],
        25,
    )
    .await;
}

/// Odd inputs (empty, no final newline, CRLF, invalid UTF-8, NULs, a line
/// longer than small blocks), tiny blocks so words straddle every boundary.
async fn torture(b: &Backend) {
    let mut inputs = torture_inputs();
    inputs.push((
        "whitespace kinds",
        b"A\tb\x0bC\x0cd\re\x1cf\xc2\xa0g\x85h  \r\n\n\x0b".to_vec(),
    ));
    inputs.push(("ties", b"b a B A c C 1 1 _ ~ ~\n\xff \xfe".to_vec()));
    for (name, data) in inputs {
        let blocks: &[usize] = if data.len() > 10_000 {
            &[4093, 1 << 16]
        } else {
            &[1, 3, 1 << 20]
        };
        check(b, &name.replace(' ', "_"), &data, &[1, 2, 5], blocks, 3).await;
    }
}

/// A line longer than the stitcher's 1 MiB limit: it streams in pieces, and
/// the words cut between pieces (and a 1.2 MiB word) still count once.
async fn long_line(b: &Backend) {
    let mut data = b"short line\n".to_vec();
    let mut i = 0u64;
    while data.len() < 2_600_000 {
        data.extend_from_slice(format!("W{} Word{} ", i % 1000, i % 7).as_bytes());
        i += 1;
    }
    data.extend(std::iter::repeat_n(b'Z', 1_200_000));
    data.extend_from_slice(b" tail\nlast line no newline");
    check(b, "long", &data, &[1, 2], &[4 << 20, 65_537], 5).await;
}

suite!(file: Backend::file(); seed, generated, torture, long_line);
suite!(memory: Backend::memory(); seed, generated, torture, long_line);

fn run_ok(c: &mut Command) -> Vec<u8> {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn exit_code(c: &mut Command) -> (i32, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn steps_input(dir: &Path) -> Vec<u8> {
    let mut data = logcount::gen::generate(300_000, 23);
    data.extend_from_slice(b"Caf\xe9 caf\xe9 CAF\xc3\x89 \\XE9\n");
    std::fs::write(dir.join("in.log"), &data).unwrap();
    data
}

/// The step binaries as Argo runs them (env only): split prints the ids,
/// count writes each part, merge prints the top K lines (LOGCOUNT_TOP).
#[test]
fn step_binaries_print_the_top_k() {
    let dir = tempfile::tempdir().unwrap();
    let data = steps_input(dir.path());
    let Some(want) = oracle(&data, Some(7)) else {
        return;
    };
    let work = dir.path().join("work");
    let (input, work) = (
        dir.path().join("in.log"),
        work.to_str().unwrap().to_string(),
    );
    let ids = run_ok(
        step_binary("logcount-split", "warn")
            .env("INPUT", &input)
            .env("WORK_DIR", &work)
            .env("NUM_PARTS", "4")
            .env("LOGCOUNT_MODE", "words"),
    );
    let ids: Vec<String> = serde_json::from_slice(&ids).unwrap();
    assert_eq!(ids.len(), 4);
    let manifest = std::fs::read_to_string(format!("{work}/manifest.json")).unwrap();
    assert!(manifest.contains(r#""mode": "words""#) || manifest.contains(r#""mode":"words""#));
    for id in &ids {
        run_ok(
            step_binary("logcount-count", "warn")
                .env("WORK_DIR", &work)
                .env("PART_ID", id),
        );
    }
    let printed = run_ok(
        step_binary("logcount-merge", "warn")
            .env("WORK_DIR", &work)
            .env("NUM_PARTS", "4")
            .env("LOGCOUNT_TOP", "7"),
    );
    assert_eq!(printed, want.lines);
    let all = oracle(&data, None).unwrap();
    let file: KeywordCounts =
        serde_json::from_slice(&std::fs::read(format!("{work}/result.json")).unwrap()).unwrap();
    assert_eq!(file.0, all.pairs);
    // The non-UTF-8 word is escaped in result.json and raw on stdout.
    assert!(file.get("caf\\XE9").is_some_and(|n| n == 2));
    assert!(file.get("\\xe9").is_some_and(|n| n == 1));
}

/// `logcount run --mode words --top K`, with both executors.
#[test]
fn run_command_both_executors() {
    let dir = tempfile::tempdir().unwrap();
    let data = steps_input(dir.path());
    let Some(want) = oracle(&data, Some(12)) else {
        return;
    };
    for executor in ["in-process", "process"] {
        let work = dir.path().join(format!("w-{executor}"));
        let printed = run_ok(
            step_binary("logcount", "error")
                .arg("run")
                .arg("--input")
                .arg(dir.path().join("in.log"))
                .arg("--work")
                .arg(&work)
                .args(["--parts", "3", "--mode", "words", "--top", "12"])
                .args(["--executor", executor]),
        );
        assert_eq!(printed, want.lines, "{executor}");
    }
}

/// What words mode refuses, with exit 2 and a message saying why.
#[test]
fn refusals_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    steps_input(dir.path());
    let input = dir.path().join("in.log");
    let work = dir.path().join("w");
    let split = |extra: &[&str]| {
        let mut c = step_binary("logcount", "error");
        c.arg("split")
            .arg("--input")
            .arg(&input)
            .arg("--work")
            .arg(&work);
        c.args(extra);
        exit_code(&mut c)
    };
    let (code, err) = split(&["--mode", "words", "--keywords", "ERROR"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--mode words") && err.contains("--keywords"),
        "{err}"
    );
    let (code, err) = split(&["--mode", "nouns"]);
    assert_eq!(code, 2, "{err}");
    for option in ["--ignore-case", "--whole-word", "--by"] {
        let mut args = vec!["--mode", "words", option];
        if option == "--by" {
            args.push("hour");
        }
        let (code, err) = split(&args);
        assert_eq!(code, 2, "{option}: {err}");
        assert!(
            err.contains(option) && err.contains("--mode words"),
            "{err}"
        );
    }
    let (code, err) = exit_code(
        step_binary("logcount", "error")
            .args(["merge", "--top", "0", "--work"])
            .arg(&work),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--top"), "{err}");

    // A tampered count output: a capital letter cannot be a word, and more
    // occurrences than the part's bytes can hold are impossible.
    let (code, err) = split(&["--mode", "words", "--parts", "2"]);
    assert_eq!(code, 0, "{err}");
    for id in ["0", "1"] {
        run_ok(
            step_binary("logcount", "error")
                .args(["count", "--part-id", id, "--work"])
                .arg(&work),
        );
    }
    let out = work.join("count-output/1.json");
    let good = std::fs::read_to_string(&out).unwrap();
    for (bad, why) in [
        (
            good.replacen("\"words\": {", "\"words\": {\n    \"Upper\": 1,", 1),
            "capital",
        ),
        (
            good.replacen("\"words\": {", "\"words\": {\n    \"zz\": 99999999999,", 1),
            "need at least",
        ),
        (
            good.replacen("\"words\": {", "\"words_\": {", 1),
            "unknown field",
        ),
    ] {
        assert_ne!(bad, good);
        std::fs::write(&out, &bad).unwrap();
        let (code, err) = exit_code(
            step_binary("logcount", "error")
                .args(["merge", "--work"])
                .arg(&work),
        );
        assert_eq!(code, 2, "{why}: {err}");
        assert!(err.contains(why) && err.contains("part"), "{why}: {err}");
    }
    std::fs::write(&out, &good).unwrap();
    run_ok(
        step_binary("logcount", "error")
            .args(["merge", "--work"])
            .arg(&work),
    );
}
