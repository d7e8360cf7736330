//! Words mode through the binaries: the step binaries as a workflow engine
//! runs them (environment only: REDUCERS, REDUCER_ID, LOGCOUNT_TOP,
//! `logcount-reduce --list`), the `logcount` subcommands, `logcount run`
//! with both executors, and a run over standard input (not shuffled). Each
//! job is checked in full by `words::verify` against the Python Counter.

use crate::common::Backend;
use crate::words::{oracle, parse_entries, verify, Oracle, Seen};
use logcount::shuffle::partition;
use logcount::store::Stores;
use logcount::wire::KeywordCounts;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// One of the crate's binaries with a clean environment (only what the test
/// sets, plus the log filter), as a workflow engine would start it.
pub(crate) fn bin(name: &str) -> Command {
    let exe = match name {
        "logcount" => env!("CARGO_BIN_EXE_logcount"),
        "logcount-split" => env!("CARGO_BIN_EXE_logcount-split"),
        "logcount-count" => env!("CARGO_BIN_EXE_logcount-count"),
        "logcount-reduce" => env!("CARGO_BIN_EXE_logcount-reduce"),
        "logcount-merge" => env!("CARGO_BIN_EXE_logcount-merge"),
        other => panic!("no binary {other}"),
    };
    let mut c = Command::new(exe);
    c.env_clear()
        .env("LOGCOUNT_LOG", "warn")
        .stdin(Stdio::null());
    c
}

/// `logcount CMD --input INPUT --work WORK`, for a test to add its flags to.
pub(crate) fn logcount_on(cmd: &str, input: &Path, work: &Path) -> Command {
    let mut c = bin("logcount");
    c.arg(cmd).arg("--input").arg(input).arg("--work").arg(work);
    c
}

/// The stdout of a command that must succeed.
#[track_caller]
pub(crate) fn run_ok(c: &mut Command) -> Vec<u8> {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The stdout of a command that must succeed, `data` fed to its standard input.
#[track_caller]
pub(crate) fn run_ok_fed(c: &mut Command, data: Vec<u8>) -> Vec<u8> {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feed = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().unwrap();
    feed.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{c:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A command's exit code and stderr.
pub(crate) fn exit_code(c: &mut Command) -> (i32, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A local directory as a [`Backend`], to read a job back with `verify`.
pub(crate) fn local(dir: &Path) -> Backend {
    let url = url::Url::from_directory_path(dir).unwrap();
    Backend {
        name: "file",
        stores: Stores::new(),
        base: format!("{}/", url.as_str().trim_end_matches('/')),
        _guard: None,
    }
}

/// Runs a future to its end on a runtime of its own.
pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// `verify` of the job in `dir/work`.
pub(crate) fn verify_dir(dir: &Path, work: &str, o: &Oracle, k: usize, what: &str) -> Seen {
    block_on(verify(&local(dir), work, o, k, what))
}

/// Generated logs plus words that are not UTF-8, written to `dir/in.log`.
pub(crate) fn steps_input(dir: &Path) -> Vec<u8> {
    let mut data = logcount::gen::generate(300_000, 23);
    data.extend_from_slice(b"Caf\xe9 caf\xe9 CAF\xc3\x89 \\XE9\r\nno final newline \xff");
    std::fs::write(dir.join("in.log"), &data).unwrap();
    data
}

/// The step binaries as Argo runs them, environment only, R = 5: split
/// records REDUCERS, each count spills (LOGCOUNT_MEMORY) and writes five
/// partitions, `logcount-reduce --list` gives the second fan-out, each
/// reducer (REDUCER_ID, LOGCOUNT_TOP) prints its totals, and merge prints
/// the top K lines.
#[test]
fn step_binaries_with_env_only() {
    let dir = tempfile::tempdir().unwrap();
    let data = steps_input(dir.path());
    let Some(o) = oracle(&data) else { return };
    let work = dir.path().join("work");
    let ids = run_ok(
        bin("logcount-split")
            .env("INPUT", dir.path().join("in.log"))
            .env("WORK_DIR", &work)
            .env("NUM_PARTS", "4")
            .env("LOGCOUNT_MODE", "words")
            .env("REDUCERS", "5"),
    );
    let ids: Vec<String> = serde_json::from_slice(&ids).unwrap();
    assert_eq!(ids, ["0", "1", "2", "3"]);
    for id in &ids {
        run_ok(
            bin("logcount-count")
                .env("WORK_DIR", &work)
                .env("PART_ID", id)
                .env("LOGCOUNT_MEMORY", "16KiB"),
        );
    }
    let list = run_ok(bin("logcount-reduce").env("WORK_DIR", &work).arg("--list"));
    let reducers: Vec<String> = serde_json::from_slice(&list).unwrap();
    assert_eq!(reducers, ["0", "1", "2", "3", "4"]);
    for r in &reducers {
        let printed = run_ok(
            bin("logcount-reduce")
                .env("WORK_DIR", &work)
                .env("REDUCER_ID", r)
                .env("LOGCOUNT_TOP", "7"),
        );
        let totals: serde_json::Value = serde_json::from_slice(&printed).unwrap();
        let out: serde_json::Value =
            serde_json::from_slice(&std::fs::read(work.join(format!("words/{r}.json"))).unwrap())
                .unwrap();
        assert_eq!(totals["reducer"].as_u64(), Some(r.parse().unwrap()));
        for key in ["distinct", "occurrences"] {
            assert_eq!(totals[key], out[key], "reducer {r}: {key}");
        }
    }
    let printed = run_ok(
        bin("logcount-merge")
            .env("WORK_DIR", &work)
            .env("NUM_PARTS", "4")
            .env("LOGCOUNT_TOP", "7"),
    );
    assert_eq!(printed, o.top_lines(7));
    let seen = verify_dir(dir.path(), "work", &o, 7, "step binaries");
    assert!(seen.spills >= 4, "{seen:?}");
    // A word that is not UTF-8 is raw in its reducer's tsv.
    let r = partition(b"caf\xe9", 5);
    let tsv = std::fs::read(work.join(format!("words/{r}.tsv"))).unwrap();
    let words = parse_entries(&tsv, "tsv");
    assert!(words.contains(&(b"caf\xe9".to_vec(), 2)), "words/{r}.tsv");
}

/// The `logcount` subcommands (split, count, `reduce --list`, reduce,
/// merge), and a reducer run twice (a retried task) writing the same files.
#[test]
fn subcommands_and_a_retried_reducer() {
    let dir = tempfile::tempdir().unwrap();
    let data = steps_input(dir.path());
    let Some(o) = oracle(&data) else { return };
    let work = dir.path().join("w");
    let ids = run_ok(
        logcount_on("split", &dir.path().join("in.log"), &work).args([
            "--mode",
            "words",
            "--reducers",
            "3",
            "--parts",
            "2",
        ]),
    );
    assert_eq!(ids.trim_ascii(), br#"["0","1"]"#);
    for id in ["0", "1"] {
        run_ok(
            bin("logcount")
                .args(["count", "--part-id", id, "--work"])
                .arg(&work),
        );
    }
    let list = run_ok(
        bin("logcount")
            .args(["reduce", "--list", "--work"])
            .arg(&work),
    );
    assert_eq!(list.trim_ascii(), br#"["0","1","2"]"#);
    for r in ["0", "1", "2", "1"] {
        let before = std::fs::read(work.join(format!("words/{r}.tsv"))).ok();
        run_ok(
            bin("logcount")
                .args(["reduce", "--top", "5", "--reducer-id", r, "--work"])
                .arg(&work),
        );
        let after = std::fs::read(work.join(format!("words/{r}.tsv"))).unwrap();
        if let Some(before) = before {
            assert!(before == after, "reducer {r} run again wrote another tsv");
        }
    }
    let printed = run_ok(bin("logcount").args(["merge", "--work"]).arg(&work));
    assert_eq!(printed, o.top_lines(5));
    let seen = verify_dir(dir.path(), "w", &o, 5, "subcommands");
    assert_eq!(seen.spills, 0, "the default budget spills nothing here");
}

/// `logcount run --mode words` with both executors, R given by --reducers
/// or REDUCERS or left to the input's size (1 here), the count budget
/// small enough to spill.
#[test]
fn run_both_executors() {
    let dir = tempfile::tempdir().unwrap();
    let data = steps_input(dir.path());
    let Some(o) = oracle(&data) else { return };
    let cases = [
        ("in-process", Some("--reducers"), 3u32),
        ("process", Some("--reducers"), 4),
        ("process", Some("REDUCERS"), 3),
        ("in-process", Some("REDUCERS"), 2),
        ("process", None, 1),
    ];
    for (i, (executor, how, reducers)) in cases.into_iter().enumerate() {
        let what = format!("{executor}, {how:?} {reducers}");
        let work = format!("w{i}");
        let mut c = logcount_on("run", &dir.path().join("in.log"), &dir.path().join(&work));
        c.args(["--parts", "4", "--mode", "words", "--top", "12"])
            .args(["--memory", "16KiB", "--executor", executor]);
        match how {
            Some("--reducers") => {
                c.args(["--reducers", &reducers.to_string()]);
            }
            Some(var) => {
                c.env(var, reducers.to_string());
            }
            None => {}
        }
        let printed = run_ok(&mut c);
        assert!(
            printed == o.top_lines(12),
            "{what}: printed\n{}",
            String::from_utf8_lossy(&printed)
        );
        let seen = verify_dir(dir.path(), &work, &o, 12, &what);
        assert_eq!(seen.parts, 4, "{what}");
        assert!(seen.spills >= 4, "{what}: {seen:?}");
        for r in 0..reducers {
            assert!(dir.path().join(format!("{work}/words/{r}.tsv")).is_file());
        }
        assert!(!dir
            .path()
            .join(format!("{work}/words/{reducers}.tsv"))
            .exists());
    }
}

/// Standard input keeps the single-map path: no shuffle, no reducers, and
/// result.json holds every word (the printed lines only the top K).
#[test]
fn stdin_runs_are_not_shuffled() {
    let dir = tempfile::tempdir().unwrap();
    let data = steps_input(dir.path());
    let Some(o) = oracle(&data) else { return };
    let work = dir.path().join("w");
    let printed = run_ok_fed(
        bin("logcount")
            .args(["run", "--mode", "words", "--top", "3", "--work"])
            .arg(&work)
            .arg("-"),
        data,
    );
    assert_eq!(printed, o.top_lines(3));
    let result: KeywordCounts =
        serde_json::from_slice(&std::fs::read(work.join("result.json")).unwrap()).unwrap();
    assert_eq!(result.0, o.ranked, "result.json holds every word");
    for absent in ["shuffle", "words", "words.json"] {
        assert!(!work.join(absent).exists(), "{absent}");
    }
    let manifest: logcount::wire::Manifest =
        serde_json::from_slice(&std::fs::read(work.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.reducers, None);
    assert!(manifest.stream);
}
