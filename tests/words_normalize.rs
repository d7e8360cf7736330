//! Words mode with `--normalize`: every job's words, partition files,
//! reducer outputs and result against the Python oracle told the same kinds
//! (`tests/oracle/words.py` with `tests/oracle/normalize.py`: `re` over the
//! bytes of each word of `Counter(data.lower().split())`), on every backend,
//! through tiny blocks, spills and a line too long to hold; then the flag and
//! its variable through the binaries (both executors, standard input, the
//! step binaries), and what is refused.

use crate::common::Backend;
use crate::words::{check, grid, oracle_normalized, Job};
use crate::words_steps::{
    bin, exit_code, logcount_on, run_ok, run_ok_fed, steps_input, verify_dir,
};
use logcount::wire::{KeywordCounts, Manifest};

/// Log lines full of what normalization folds: block ids, hex, UUIDs in
/// either case, addresses with ports, near misses (`1.2.3`, `256.1.1.1`,
/// `deadbeef`, `12345678`) and placeholders already in the text.
fn id_log(lines: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..lines {
        let uuid = format!(
            "{:08x}-{:04x}-4abc-8def-{:012x}",
            i * 7919,
            i % 65536,
            i * 104_729
        );
        let line = format!(
            "081109 2036{:02} {} INFO dfs.DataNode: Receiving blk_-{}{} src: /10.250.{}.{}:{} \
             dest: /10.250.19.102:50010 req={} id=0x{:x} {} 1.2.{} 256.1.1.{} deadbeef 12345678 \
             <n>{} user{}@host-{}\r\n",
            i % 60,
            i % 997,
            1_608_999_687_919_862_906u64 - i as u64,
            i % 10,
            i % 256,
            (i * 7) % 256,
            40_000 + i % 20_000,
            if i % 3 == 0 {
                uuid.clone()
            } else {
                uuid.to_uppercase()
            },
            i * 31,
            format_args!("{:016x}", (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            i % 300,
            i % 9,
            i % 5,
            i % 13,
            i % 4,
        );
        out.extend_from_slice(line.as_bytes());
    }
    out.extend_from_slice(b"no final newline 10.0.0.1:80 \xff42\xfe");
    out
}

/// Every kind and some subsets, over the id log and a generated log, R = 1
/// and 3, parts 1 to 5, blocks of 1 byte to 64 KiB, spills at 16 KiB.
async fn kinds(b: &Backend) {
    let ids = id_log(3_000);
    let generated = logcount::gen::generate(200_000, 29);
    for kinds in ["digits", "uuid,ip,hex,digits", "ip,hex", "uuid"] {
        let mut jobs = grid(&[1, 3], &[(1, 1 << 16), (4, 4093)], 20);
        jobs.push(Job::new(5, 2, 1000, 20).memory(16 * 1024));
        let jobs: Vec<Job> = jobs.into_iter().map(|j| j.normalized(kinds)).collect();
        let name = kinds.replace(',', "-");
        check(b, &format!("ids-{name}"), &ids, &jobs).await;
        check(b, &format!("gen-{name}"), &generated, &jobs[..2]).await;
    }
    // A few hundred bytes through 1-byte blocks: every word straddles one.
    let small = &ids[..600];
    let tiny: Vec<Job> = grid(&[1, 2], &[(1, 1), (3, 3)], 5)
        .into_iter()
        .map(|j| j.normalized("uuid,ip,hex,digits"))
        .collect();
    check(b, "tiny", small, &tiny).await;
}

/// A line longer than the stitcher holds streams in pieces: the words cut
/// between pieces are normalized whole.
async fn long_line(b: &Backend) {
    let mut data = b"blk_1 short line\n".to_vec();
    let mut i = 0u64;
    while data.len() < 2_600_000 {
        data.extend_from_slice(
            format!("W{} 10.0.{}.{} 0x{:x} ", i % 1000, i % 7, i % 255, i).as_bytes(),
        );
        i += 1;
    }
    data.extend(std::iter::repeat_n(b'7', 1_200_000));
    data.extend_from_slice(b" tail\nlast 42 line");
    let jobs = [
        Job::new(1, 1, 4 << 20, 5).normalized("ip,hex,digits"),
        Job::new(3, 2, 65_537, 5)
            .memory(64 * 1024)
            .normalized("ip,hex,digits"),
    ];
    check(b, "long", &data, &jobs).await;
}

suite!(file: Backend::file(); kinds, long_line);
suite!(memory: Backend::memory(); kinds, long_line);
suite!(s3: Backend::s3(); kinds, long_line);

/// `--normalize` and `LOGCOUNT_NORMALIZE` through `logcount run` with both
/// executors: the manifest records the kinds, every output agrees with the
/// oracle, and normalizing folds the id log's vocabulary.
#[test]
fn flag_and_variable_with_both_executors() {
    let dir = tempfile::tempdir().unwrap();
    let data = id_log(2_000);
    std::fs::write(dir.path().join("in.log"), &data).unwrap();
    let Some(o) = oracle_normalized(&data, "digits,ip,hex,uuid") else {
        return;
    };
    let plain = oracle_normalized(&data, "").unwrap();
    assert!(
        o.by_word.len() * 20 < plain.by_word.len(),
        "normalizing folds ids: {} words against {}",
        o.by_word.len(),
        plain.by_word.len()
    );
    for (i, (executor, via_env)) in [("in-process", false), ("process", true), ("process", false)]
        .into_iter()
        .enumerate()
    {
        let what = format!("{executor}, variable: {via_env}");
        let work = format!("w{i}");
        let mut c = logcount_on("run", &dir.path().join("in.log"), &dir.path().join(&work));
        c.args(["--parts", "3", "--reducers", "2", "--mode", "words"])
            .args(["--top", "15", "--executor", executor]);
        if via_env {
            c.env("LOGCOUNT_NORMALIZE", "digits,ip,hex,uuid");
        } else {
            c.args(["--normalize", "uuid,hex,ip,digits"]);
        }
        let printed = run_ok(&mut c);
        assert!(
            printed == o.top_lines(15),
            "{what}: printed\n{}",
            String::from_utf8_lossy(&printed)
        );
        verify_dir(dir.path(), &work, &o, 15, &what);
        let manifest: Manifest = serde_json::from_slice(
            &std::fs::read(dir.path().join(format!("{work}/manifest.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            manifest.counting.normalize().to_string(),
            "uuid,ip,hex,digits",
            "{what}"
        );
    }
}

/// The step binaries as a workflow runs them: only split is told
/// (LOGCOUNT_NORMALIZE); count, reduce and merge follow the manifest.
#[test]
fn step_binaries_follow_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let data = steps_input(dir.path());
    let Some(o) = oracle_normalized(&data, "digits") else {
        return;
    };
    let work = dir.path().join("w");
    let ids = run_ok(
        bin("logcount-split")
            .env("INPUT", dir.path().join("in.log"))
            .env("WORK_DIR", &work)
            .env("NUM_PARTS", "3")
            .env("REDUCERS", "2")
            .env("LOGCOUNT_MODE", "words")
            .env("LOGCOUNT_NORMALIZE", "digits"),
    );
    let ids: Vec<String> = serde_json::from_slice(&ids).unwrap();
    for id in &ids {
        run_ok(
            bin("logcount-count")
                .env("WORK_DIR", &work)
                .env("PART_ID", id),
        );
    }
    for r in ["0", "1"] {
        run_ok(
            bin("logcount-reduce")
                .env("WORK_DIR", &work)
                .env("REDUCER_ID", r)
                .env("LOGCOUNT_TOP", "7"),
        );
    }
    let printed = run_ok(
        bin("logcount-merge")
            .env("WORK_DIR", &work)
            .env("LOGCOUNT_TOP", "7"),
    );
    assert_eq!(printed, o.top_lines(7));
    verify_dir(dir.path(), "w", &o, 7, "step binaries");
}

/// Standard input (one pass, not shuffled) normalizes too.
#[test]
fn standard_input_normalizes() {
    let dir = tempfile::tempdir().unwrap();
    let data = id_log(1_000);
    let Some(o) = oracle_normalized(&data, "ip,digits") else {
        return;
    };
    let work = dir.path().join("w");
    let printed = run_ok_fed(
        bin("logcount")
            .args(["run", "--mode", "words", "--normalize", "ip,digits"])
            .args(["--top", "4", "--work"])
            .arg(&work)
            .arg("-"),
        data,
    );
    assert_eq!(printed, o.top_lines(4));
    let result: KeywordCounts =
        serde_json::from_slice(&std::fs::read(work.join("result.json")).unwrap()).unwrap();
    assert_eq!(result.0, o.ranked);
}

/// Unknown kinds, and normalizing a keyword job, exit 2 naming the flag;
/// nothing is written. An empty value or `none` is no normalization.
#[test]
fn bad_values_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = steps_input(dir.path());
    let input = dir.path().join("in.log");
    for (i, (args, env, says)) in [
        (
            vec!["--mode", "words", "--normalize", "digits,words"],
            None,
            "\"words\"",
        ),
        (
            vec!["--mode", "words", "--normalize", "digits,"],
            None,
            "digits,",
        ),
        (vec!["--normalize", "digits"], None, "--mode words"),
        (vec![], Some("ip"), "--mode words"),
        (vec!["--mode", "words"], Some("IPv4"), "IPv4"),
    ]
    .into_iter()
    .enumerate()
    {
        for cmd in ["split", "run", "workflow"] {
            let work = dir.path().join(format!("w{i}-{cmd}"));
            let mut c = logcount_on(cmd, &input, &work);
            if cmd == "workflow" {
                c.args(["--volume-claim", "data"]);
            }
            c.args(&args);
            if let Some(v) = env {
                c.env("LOGCOUNT_NORMALIZE", v);
            }
            let (code, err) = exit_code(&mut c);
            assert_eq!(code, 2, "{cmd} {args:?} {env:?}: {err}");
            assert!(err.contains("--normalize"), "{cmd} {args:?}: {err}");
            assert!(err.contains(says), "{cmd} {args:?}: {err}");
            assert!(!work.exists(), "{cmd} {args:?} wrote {}", work.display());
        }
    }
    let Some(o) = crate::words::oracle(&data) else {
        return;
    };
    for (i, empty) in ["", "none"].into_iter().enumerate() {
        let work = format!("e{i}");
        run_ok(logcount_on("run", &input, &dir.path().join(&work)).args([
            "--mode",
            "words",
            "--top",
            "3",
            "--normalize",
            empty,
        ]));
        verify_dir(dir.path(), &work, &o, 3, &format!("--normalize {empty:?}"));
    }
}
