//! What words mode refuses, through the binaries: bad numbers of reducers,
//! reducer ids out of range, damaged or missing partition files (reduce
//! names the file and writes nothing), missing or tampered reducer and
//! count outputs (merge names them and writes no result). Each refusal is
//! exit 2 (bad input) with a message saying why, unless said otherwise.

use crate::words::{oracle, parse_entries};
use crate::words_steps::{bin, exit_code, logcount_on, run_ok, steps_input, verify_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A words job of `reducers` reducers over `steps_input`, split and counted
/// in `dir/w` (not reduced).
fn prepare(dir: &Path, parts: usize, reducers: u32) -> PathBuf {
    steps_input(dir);
    let work = dir.join("w");
    let ids = run_ok(
        logcount_on("split", &dir.join("in.log"), &work)
            .args(["--mode", "words"])
            .args(["--parts", &parts.to_string()])
            .args(["--reducers", &reducers.to_string()]),
    );
    let ids: Vec<String> = serde_json::from_slice(&ids).unwrap();
    assert_eq!(ids.len(), parts);
    for id in &ids {
        run_ok(
            bin("logcount")
                .args(["count", "--part-id", id, "--work"])
                .arg(&work),
        );
    }
    work
}

fn reduce(work: &Path, r: &str) -> Command {
    let mut c = bin("logcount-reduce");
    c.env("WORK_DIR", work).env("REDUCER_ID", r);
    c
}

#[track_caller]
fn refused(c: &mut Command, names: &[&str]) -> String {
    let (code, err) = exit_code(c);
    assert_eq!(code, 2, "{c:?}: {err}");
    for name in names {
        assert!(err.contains(name), "{c:?}: {name:?} not in: {err}");
    }
    err
}

/// --reducers / REDUCERS: a number from 1 to 4096, with --mode words only;
/// an empty value is the default (1 for a small input). Nothing is written
/// when refused. And the options words mode does not take.
#[test]
fn reducers_and_options_refused() {
    let dir = tempfile::tempdir().unwrap();
    steps_input(dir.path());
    let input = dir.path().join("in.log");
    let work = dir.path().join("w");
    for cmd in ["split", "run"] {
        let go = |extra: &[&str]| {
            let mut c = logcount_on(cmd, &input, &work);
            c.args(extra);
            c
        };
        for bad in ["0", "x", "4097", "2.5", " 3x"] {
            let err = refused(
                &mut go(&["--mode", "words", "--reducers", bad]),
                &["--reducers"],
            );
            assert!(err.contains("number of reducers"), "{err}");
        }
        refused(
            &mut go(&["--reducers", "3"]),
            &["--reducers", "--mode words"],
        );
        refused(
            &mut go(&["--reducers", "3", "--keywords", "ERROR"]),
            &["--reducers", "--mode words"],
        );
        refused(
            &mut go(&["--mode", "words", "--keywords", "ERROR"]),
            &["--mode words", "--keywords"],
        );
        refused(&mut go(&["--mode", "nouns"]), &[]);
        for option in ["--ignore-case", "--whole-word", "--by"] {
            let mut args = vec!["--mode", "words", option];
            if option == "--by" {
                args.push("hour");
            }
            refused(&mut go(&args), &[option, "--mode words"]);
        }
        assert!(
            !work.exists(),
            "{cmd}: a refused job wrote {}",
            work.display()
        );
    }
    let split = |vars: &[(&str, &str)]| {
        let mut c = bin("logcount-split");
        c.env("INPUT", &input).env("WORK_DIR", &work);
        for (k, v) in vars {
            c.env(k, v);
        }
        c
    };
    refused(
        &mut split(&[("REDUCERS", "3")]),
        &["REDUCERS", "--mode words"],
    );
    let words = ("LOGCOUNT_MODE", "words");
    refused(&mut split(&[words, ("REDUCERS", "0")]), &["REDUCERS"]);
    refused(&mut split(&[words, ("REDUCERS", "4097")]), &["REDUCERS"]);
    assert!(!work.exists());
    run_ok(&mut split(&[words, ("REDUCERS", "")]));
    let manifest: logcount::wire::Manifest =
        serde_json::from_slice(&std::fs::read(work.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest.reducers,
        Some(1),
        "an empty REDUCERS is the default"
    );
    let list = run_ok(bin("logcount-reduce").env("WORK_DIR", &work).arg("--list"));
    assert_eq!(list.trim_ascii(), br#"["0"]"#);
    refused(
        bin("logcount")
            .args(["merge", "--top", "0", "--work"])
            .arg(&work),
        &["--top"],
    );
}

/// A reducer id must be one `--list` prints: out of range, negative, with
/// a leading zero, not a number or missing is refused, and nothing is
/// written. A keyword job has no reducers at all.
#[test]
fn reducer_ids_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let work = prepare(dir.path(), 2, 3);
    for id in ["3", "4", "4294967296", "-1", "01", "x", "1.0", "+1"] {
        let err = refused(&mut reduce(&work, id), &["reducer"]);
        assert!(err.contains(&format!("{id:?}")), "{id}: {err}");
        assert!(err.contains(r#""0" to "2""#), "{id}: {err}");
        assert!(!work.join("words").exists(), "{id}");
    }
    let mut missing = bin("logcount-reduce");
    missing.env("WORK_DIR", &work);
    refused(&mut missing, &["REDUCER_ID"]);
    refused(&mut reduce(&work, ""), &["REDUCER_ID"]);
    assert!(!work.join("words").exists());

    let keywords = dir.path().join("k");
    run_ok(
        bin("logcount")
            .args(["split", "--keywords", "ERROR", "--work"])
            .arg(&keywords)
            .arg("--input")
            .arg(dir.path().join("in.log")),
    );
    refused(
        bin("logcount-reduce")
            .env("WORK_DIR", &keywords)
            .arg("--list"),
        &["no reducers"],
    );
    refused(&mut reduce(&keywords, "0"), &["no reducers"]);
}

/// Replaces line `i` (0-based, newline excluded) of `body` with `f(line)`.
fn edit_line(body: &[u8], i: usize, f: impl Fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = body.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    lines[i] = f(&lines[i]);
    lines.join(&b'\n')
}

/// A damaged partition file (cut, reordered, a word twice, totals that do
/// not add up, another reducer's or job's, a capital, empty) makes reduce
/// exit 2 naming the file, writing neither words/<r>.tsv nor .json; a
/// missing one makes it fail naming it; the good file reduces again.
#[test]
fn damaged_partition_files() {
    let dir = tempfile::tempdir().unwrap();
    let work = prepare(dir.path(), 2, 3);
    let name = "shuffle/1.2.run";
    let file = work.join(name);
    let good = std::fs::read(&file).unwrap();
    let lines: Vec<&[u8]> = good[..good.len() - 1].split(|&b| b == b'\n').collect();
    assert!(lines.len() > 10, "a partition of {} lines", lines.len());
    let body = &lines[1..lines.len() - 1];
    // An entry whose word has a letter (line numbers count the header as 0).
    let letter = 1 + body
        .iter()
        .position(|l| {
            l.iter()
                .take_while(|&&b| b != b'\t')
                .any(u8::is_ascii_lowercase)
        })
        .unwrap();
    let header = String::from_utf8(lines[0].to_vec()).unwrap();
    let job = header
        .split(' ')
        .nth(2)
        .unwrap()
        .strip_prefix("job=")
        .unwrap();
    let mut swapped: Vec<&[u8]> = lines.clone();
    swapped.swap(1, 2);
    let mut repeated: Vec<&[u8]> = lines.clone();
    repeated.insert(3, lines[3]);
    let joined = |v: &[&[u8]]| {
        let mut out = v.join(&b'\n');
        out.push(b'\n');
        out
    };
    let damages: Vec<(&str, Vec<u8>)> = vec![
        ("cut in its end line", good[..good.len() - 4].to_vec()),
        ("cut in the middle", good[..good.len() / 2 + 3].to_vec()),
        ("without its end line", joined(&lines[..lines.len() - 1])),
        ("reordered", joined(&swapped)),
        ("a word twice", joined(&repeated)),
        (
            "a count changed",
            edit_line(&good, 1, |l| {
                let mut l = l.to_vec();
                let last = l.len() - 1;
                l[last] = if l[last] == b'9' { b'8' } else { l[last] + 1 };
                l
            }),
        ),
        (
            "a capital",
            edit_line(&good, letter, |l| l.to_ascii_uppercase()),
        ),
        (
            "another reducer's",
            std::fs::read(work.join("shuffle/1.1.run")).unwrap(),
        ),
        (
            "another part's",
            std::fs::read(work.join("shuffle/0.2.run")).unwrap(),
        ),
        (
            "another job's",
            String::from_utf8_lossy(&good)
                .replacen(job, "20200101-other", 1)
                .into_bytes(),
        ),
        ("empty", Vec::new()),
    ];
    for (why, bad) in damages {
        assert_ne!(bad, good, "{why}");
        std::fs::write(&file, &bad).unwrap();
        let err = refused(&mut reduce(&work, "2"), &[name]);
        assert!(!err.contains("panicked"), "{why}: {err}");
        for out in ["words/2.tsv", "words/2.json"] {
            assert!(!work.join(out).exists(), "{why}: {out} written: {err}");
        }
    }
    std::fs::remove_file(&file).unwrap();
    let (code, err) = exit_code(&mut reduce(&work, "2"));
    assert_ne!(code, 0, "{err}");
    assert!(err.contains(name), "{err}");
    assert!(!work.join("words/2.tsv").exists(), "{err}");
    // The other reducers do not read that file; restored, reducer 2 runs.
    run_ok(&mut reduce(&work, "0"));
    std::fs::write(&file, &good).unwrap();
    run_ok(&mut reduce(&work, "2"));
    let words = parse_entries(&std::fs::read(work.join("words/2.tsv")).unwrap(), "tsv");
    assert!(!words.is_empty());
}

fn edit_json(path: &Path, f: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let good = std::fs::read(path).unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&good).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    good
}

/// Merge needs every reducer's output, of this job and this reducer, whose
/// totals add up to what the maps wrote, and count outputs whose shuffle
/// is possible and of this job's reducers: anything else fails naming
/// what is wrong, and writes neither result.json nor words.json. Put
/// right, it merges the oracle's result.
#[test]
fn merge_refuses_missing_and_tampered_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let work = prepare(dir.path(), 2, 3);
    let data = std::fs::read(dir.path().join("in.log")).unwrap();
    for r in ["0", "1", "2"] {
        run_ok(&mut reduce(&work, r));
    }
    let merge = || {
        let mut c = bin("logcount-merge");
        c.env("WORK_DIR", &work).env("NUM_PARTS", "2");
        c
    };
    let nothing_written = |why: &str| {
        for out in ["result.json", "words.json"] {
            assert!(!work.join(out).exists(), "{why}: {out}");
        }
    };
    let out1 = work.join("words/1.json");
    let good = std::fs::read(&out1).unwrap();
    std::fs::remove_file(&out1).unwrap();
    let (code, err) = exit_code(&mut merge());
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("words/1.json"), "{err}");
    nothing_written("missing");
    std::fs::write(&out1, &good).unwrap();

    type Edit = fn(&mut serde_json::Value);
    let reducer_edits: [(&str, Edit, &str); 5] = [
        (
            "job",
            |v| v["job_id"] = "20200101-other".into(),
            "words/1.json",
        ),
        ("reducer", |v| v["reducer"] = 2.into(), "words/1.json"),
        ("reducers", |v| v["reducers"] = 4.into(), "words/1.json"),
        ("parts", |v| v["parts"] = 3.into(), "words/1.json"),
        (
            "occurrences",
            |v| v["occurrences"] = (v["occurrences"].as_u64().unwrap() + 1).into(),
            "maps wrote",
        ),
    ];
    for (why, edit, named) in reducer_edits {
        let good = edit_json(&out1, edit);
        refused(&mut merge(), &[named]);
        nothing_written(why);
        std::fs::write(&out1, &good).unwrap();
    }
    let count1 = work.join("count-output/1.json");
    let count_edits: [(&str, Edit, &[&str]); 4] = [
        (
            "impossible",
            |v| v["shuffle"]["occurrences"] = 99_999_999_999u64.into(),
            &["part", "impossible"],
        ),
        (
            "fewer",
            |v| {
                let n = v["shuffle"]["occurrences"].as_u64().unwrap();
                v["shuffle"]["occurrences"] = (n - 1).into()
            },
            &["maps wrote"],
        ),
        (
            "reducers",
            |v| v["shuffle"]["reducers"] = 4.into(),
            &["part", "reducers"],
        ),
        (
            "unknown",
            |v| {
                let s = v["shuffle"].take();
                v["shuffle_"] = s;
            },
            &["part", "unknown field"],
        ),
    ];
    for (why, edit, named) in count_edits {
        let good = edit_json(&count1, edit);
        refused(&mut merge(), named);
        nothing_written(why);
        std::fs::write(&count1, &good).unwrap();
    }
    let printed = run_ok(&mut merge());
    let Some(o) = oracle(&data) else { return };
    assert_eq!(printed, o.top_lines(1000));
    verify_dir(dir.path(), "w", &o, 1000, "merge after refusals");
}
