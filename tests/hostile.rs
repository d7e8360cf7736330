//! Hostile and broken input through the real step binaries (clean
//! environment, configured by env vars as Argo does): each case gets the
//! exact count or a clear error — exit 2 for bad input, 1 for storage
//! failures — never a panic, never a hang, never a file outside the work
//! prefix. Cases already covered by `cli.rs` (bad keyword lists, `NUM_PARTS`
//! at split, a missing input, a 100,000-line keywords file, a truncated
//! manifest) and by `pipeline.rs` (unknown part ids, stale / tampered count
//! outputs, input drift, through the library) are not repeated here.
//!
//! Here: part ids, manifests, count outputs and `NUM_PARTS`; in `inputs`:
//! keyword lists, odd bytes, inputs that are not regular files, a 2 GiB line;
//! in `paths`: names, URLs and links; in `leftovers`: inputs rewritten in
//! place and what killed writers leave.

use crate::common;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod inputs;
mod leftovers;
mod paths;

/// A step binary with a clean environment.
fn step(name: &str) -> Command {
    common::step_binary(name, "warn")
}

/// Runs a command, failing the test if it does not end within `limit`.
fn run_within(c: &mut Command, limit: Duration) -> Output {
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let t = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if t.elapsed() > limit {
            child.kill().unwrap();
            panic!("{c:?} still running after {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

fn run(c: &mut Command) -> Output {
    run_within(c, Duration::from_secs(60))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(o.status.success(), "failed: {:?}\n{}", o.status, stderr(o));
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Exit code `code`, a message naming every needle, no panic, empty stdout.
#[track_caller]
fn fails(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(!err.contains("panicked"), "a panic: {err}");
    for n in needles {
        assert!(err.contains(n), "stderr should mention {n:?}: {err}");
    }
    assert!(o.stdout.is_empty(), "nothing on stdout when failing");
}

/// Every file below `root` with its contents.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p.clone());
                out.insert(p, b"<dir>".to_vec());
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// A work prefix two levels below a temp root, so `../../x` from it stays
/// inside the root, where the test can see it.
struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    fn new(data: &[u8]) -> Sandbox {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("a/b/work")).unwrap();
        std::fs::write(root.path().join("a/b/work/log-count-data.txt"), data).unwrap();
        Sandbox { root }
    }
    fn work(&self) -> PathBuf {
        self.root.path().join("a/b/work")
    }
    fn path(&self, p: &str) -> PathBuf {
        self.root.path().join(p)
    }
    fn split(&self, parts: usize) -> Vec<String> {
        let o = run(step("logcount-split")
            .env("WORK_DIR", self.work())
            .env("NUM_PARTS", parts.to_string()));
        serde_json::from_str(&ok(&o)).unwrap()
    }
    fn count(&self, id: &str) -> Output {
        run(step("logcount-count")
            .env("WORK_DIR", self.work())
            .env("PART_ID", id))
    }
    fn merge(&self) -> Output {
        run(step("logcount-merge").env("WORK_DIR", self.work()))
    }
}

const LOG: &[u8] = b"INFO a\nWARN b\nERROR c\nDEBUG d\nINFO e\nERROR ERROR\n";
const LOG_RESULT: &str = "{\"INFO\":2,\"WARN\":1,\"ERROR\":3,\"DEBUG\":1}\n";

#[test]
fn part_ids_not_in_the_manifest_are_refused_and_nothing_is_written() {
    let s = Sandbox::new(LOG);
    s.split(3);
    let before = snapshot(s.root.path());
    // 10 GB of digits cannot be passed: one environment string is limited to
    // 128 KiB (MAX_ARG_STRLEN). 100 KB of digits stands in for it.
    let digits = "9".repeat(100_000);
    let cases: &[(&str, &str)] = &[
        ("../../etc/passwd", "\"../../etc/passwd\""),
        ("../../../../../../tmp/x", "\"../../../../../../tmp/x\""),
        ("", "part \"\""),
        ("-1", "\"-1\""),
        ("3", "\"3\""),
        (" 0", "\" 0\""),
        ("0/../1", "\"0/../1\""),
        ("0.json", "\"0.json\""),
        (&digits, "\"9999999999"),
    ];
    for (id, shown) in cases {
        let o = s.count(id);
        fails(
            &o,
            2,
            &[
                "is not in the manifest",
                shown,
                "manifest.json",
                "\"0\" to \"2\"",
            ],
        );
        assert!(
            stderr(&o).len() < 600,
            "the message stays short for a {}-byte id",
            id.len()
        );
        assert_eq!(
            snapshot(s.root.path()),
            before,
            "PART_ID {:?} wrote something",
            &id[..id.len().min(40)]
        );
    }
    // The valid ids still work afterwards, and only inside the work prefix.
    for id in ["0", "1", "2"] {
        ok(&s.count(id));
    }
    assert_eq!(ok(&s.merge()), LOG_RESULT);
    let new: Vec<PathBuf> = snapshot(s.root.path())
        .into_keys()
        .filter(|p| !before.contains_key(p))
        .collect();
    assert!(new.iter().all(|p| p.starts_with(s.work())), "{new:?}");
}

/// Edits the manifest as JSON.
fn tamper(s: &Sandbox, f: impl FnOnce(&mut serde_json::Value)) {
    let path = s.work().join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    f(&mut m);
    std::fs::write(path, serde_json::to_vec(&m).unwrap()).unwrap();
}

fn tamper_plan(s: &Sandbox, id: &str, f: impl FnOnce(&mut serde_json::Value)) {
    rewrite_plan(s, id, |line| {
        let mut p: serde_json::Value = serde_json::from_slice(line).unwrap();
        f(&mut p);
        serde_json::to_vec(&p).unwrap()
    });
}

/// Replaces part `id`'s line of plans.jsonl and writes the index anew.
fn rewrite_plan(s: &Sandbox, id: &str, f: impl FnOnce(&[u8]) -> Vec<u8>) {
    let path = s.work().join("plans.jsonl");
    let text = std::fs::read(&path).unwrap();
    let mut lines: Vec<Vec<u8>> = text
        .split_inclusive(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\n").unwrap().to_vec())
        .collect();
    let i: usize = id.parse().unwrap();
    lines[i] = f(&lines[i]);
    let (mut plans, mut index) = (Vec::new(), String::new());
    for l in lines {
        index.push_str(&format!("{:020} {:010}\n", plans.len(), l.len() + 1));
        plans.extend_from_slice(&l);
        plans.push(b'\n');
    }
    std::fs::write(path, plans).unwrap();
    std::fs::write(s.work().join("plans.idx"), index).unwrap();
}

/// A part's plan is all its count reads: a broken one is refused, exit 2,
/// naming the plan, and nothing is written.
#[test]
fn broken_plans_are_refused_by_count() {
    type Tamper = Box<dyn Fn(&Sandbox)>;
    let raw = |body: &'static [u8]| -> Tamper {
        Box::new(move |s: &Sandbox| rewrite_plan(s, "1", |_| body.to_vec()))
    };
    let json = |f: fn(&mut serde_json::Value)| -> Tamper {
        Box::new(move |s: &Sandbox| tamper_plan(s, "1", f))
    };
    let cases: Vec<(&str, Tamper, &[&str])> = vec![
        ("empty file", raw(b""), &["not a valid part plan", "EOF"]),
        (
            "truncated",
            raw(b"{\"version\":1,\"job"),
            &["not a valid part plan"],
        ),
        (
            "another version",
            json(|p| p["version"] = 2.into()),
            &["version 2"],
        ),
        (
            "unknown field",
            json(|p| p["extra"] = true.into()),
            &["unknown field `extra`"],
        ),
        (
            "another part's plan",
            json(|p| p["part"]["id"] = "0".into()),
            &["part \"0\"'s plan"],
        ),
        (
            "a range past the object's end",
            json(|p| p["part"]["segments"][0]["end"] = 1_000_000.into()),
            &["lies outside", "log-count-data.txt"],
        ),
        (
            "bytes that disagree with the ranges",
            json(|p| p["part"]["bytes"] = 1.into()),
            &["says 1 bytes"],
        ),
        (
            "an object that is not listed",
            json(|p| p["part"]["segments"][0]["object"] = 3.into()),
            &["names object #3 of 1"],
        ),
    ];
    for (name, apply, needles) in cases {
        let s = Sandbox::new(LOG);
        s.split(2);
        apply(&s);
        let before = snapshot(s.root.path());
        let mut all = vec!["plans.jsonl", "part 1"];
        all.extend_from_slice(needles);
        let o = s.count("1");
        assert_eq!(
            o.status.code(),
            Some(2),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        fails(&o, 2, &all);
        assert_eq!(
            snapshot(s.root.path()),
            before,
            "{name}: a refused count wrote something"
        );
        // The other part's plan is its own: part 0 still counts.
        ok(&s.count("0"));
    }
}

/// A broken index record is refused naming the index; a part past the
/// index's end is an unknown part, as the manifest says.
#[test]
fn a_broken_plan_index_is_refused_by_count() {
    let s = Sandbox::new(LOG);
    s.split(2);
    let idx = s.work().join("plans.idx");
    let mut text = std::fs::read(&idx).unwrap();
    text[32..64].copy_from_slice(b"not an offset and a length.....\n");
    std::fs::write(&idx, text).unwrap();
    fails(&s.count("1"), 2, &["plans.idx", "record 1"]);
    ok(&s.count("0"));
    fails(&s.count("2"), 2, &["2"]);
}

#[test]
fn broken_manifests_are_refused_by_count_and_merge() {
    type Tamper = Box<dyn Fn(&Sandbox)>;
    let raw = |body: &'static [u8]| -> Tamper {
        Box::new(move |s: &Sandbox| std::fs::write(s.work().join("manifest.json"), body).unwrap())
    };
    let json =
        |f: fn(&mut serde_json::Value)| -> Tamper { Box::new(move |s: &Sandbox| tamper(s, f)) };
    let cases: Vec<(&str, Tamper, &[&str])> = vec![
        ("empty file", raw(b""), &["not a valid manifest", "EOF"]),
        (
            "not JSON",
            raw(b"hello\n"),
            &["not a valid manifest", "expected value"],
        ),
        ("binary", raw(b"\xff\x00\xfe"), &["not a valid manifest"]),
        ("a JSON list", raw(b"[1,2]"), &["not a valid manifest"]),
        (
            "truncated",
            raw(b"{\"version\":1,\"job_id\":\"x\",\"input\":\"fi"),
            &["not a valid manifest", "EOF"],
        ),
        (
            "another version",
            json(|m| m["version"] = 2.into()),
            &["version 2 is not supported"],
        ),
        (
            "unknown field",
            json(|m| m["extra"] = true.into()),
            &["unknown field `extra`"],
        ),
        (
            "a range past the object's end",
            json(|m| {
                m["parts"][1]["segments"][0]["end"] = 1_000_000.into();
            }),
            &["range", "lies outside", "log-count-data.txt"],
        ),
        (
            "a range ending before it starts",
            json(|m| {
                m["parts"][1]["segments"][0]["start"] = 40.into();
                m["parts"][1]["segments"][0]["end"] = 30.into();
            }),
            &["range 40..30 lies outside"],
        ),
        (
            "an object left to count whole, yet cut",
            json(|m| m["objects"][0]["sniffed_by_count"] = true.into()),
            &["an object left to count whole", "log-count-data.txt"],
        ),
        (
            "an object that is not listed",
            json(|m| m["parts"][0]["segments"][0]["object"] = 7.into()),
            &["names object #7 of 1"],
        ),
        (
            "bytes that disagree with the ranges",
            json(|m| m["parts"][0]["bytes"] = 1.into()),
            &["part 0 says 1 bytes"],
        ),
        (
            "parts that do not cover the input",
            json(|m| {
                m["parts"].as_array_mut().unwrap().pop();
            }),
            &["the parts hold"],
        ),
        (
            "a duplicate part id",
            json(|m| m["parts"][1]["id"] = "0".into()),
            &["part id \"0\" appears twice"],
        ),
        (
            "a part id that is a path",
            json(|m| m["parts"][1]["id"] = "../../escape".into()),
            &["part id \"../../escape\" is not a plain name"],
        ),
        (
            "no parts",
            json(|m| m["parts"] = serde_json::json!([])),
            &["lists no parts"],
        ),
        (
            "invalid keywords",
            json(|m| m["keywords"] = serde_json::json!(["A", "A"])),
            &["given twice"],
        ),
        (
            "a negative size",
            json(|m| m["objects"][0]["size"] = (-1).into()),
            &["not a valid manifest"],
        ),
        (
            // Part 0 reaches 10 bytes into part 1, which stops 10 bytes short of the
            // end: every part's bytes and the total still add up.
            "overlapping parts with the right byte total",
            json(|m| {
                let end = |m: &serde_json::Value, p: usize| {
                    m["parts"][p]["segments"][0]["end"].as_u64().unwrap()
                };
                let (e0, e1) = (end(m, 0), end(m, 1));
                m["parts"][0]["segments"][0]["end"] = (e0 + 10).into();
                m["parts"][0]["bytes"] = (e0 + 10).into();
                m["parts"][1]["segments"][0]["end"] = (e1 - 10).into();
                m["parts"][1]["bytes"] = (e1 - 10 - e0).into();
            }),
            &["overlaps another part's"],
        ),
        (
            "more parts than split ever makes",
            json(|m| {
                let empty = |i: usize| serde_json::json!({"id": format!("e{i}"), "bytes": 0, "segments": []});
                let parts = m["parts"].as_array_mut().unwrap();
                parts.extend((0..100_000).map(empty));
            }),
            &["parts; the limit is 100000"],
        ),
    ];
    for (name, apply, needles) in cases {
        let s = Sandbox::new(LOG);
        s.split(2);
        // Without plans (a work prefix split before they were written),
        // count reads the manifest.
        for f in ["plans.idx", "plans.jsonl"] {
            std::fs::remove_file(s.work().join(f)).unwrap();
        }
        apply(&s);
        let before = snapshot(s.root.path());
        for o in [s.count("0"), s.count("1"), s.merge()] {
            let mut all = vec!["manifest.json"];
            all.extend_from_slice(needles);
            fails(&o, 2, &all);
        }
        assert_eq!(
            snapshot(s.root.path()),
            before,
            "{name}: a refused step wrote something"
        );
    }
}

#[test]
fn a_manifest_bigger_than_the_input_is_caught_when_reading() {
    // Consistent in itself, but the object is smaller than the manifest says.
    let s = Sandbox::new(LOG);
    s.split(2);
    tamper(&s, |m| {
        m["objects"][0]["size"] = (LOG.len() as u64 + 100).into();
        m["parts"][1]["segments"][0]["end"] =
            (m["parts"][1]["segments"][0]["end"].as_u64().unwrap() + 100).into();
        m["parts"][1]["bytes"] = (m["parts"][1]["bytes"].as_u64().unwrap() + 100).into();
    });
    // Part 1's plan says the same.
    tamper_plan(&s, "1", |p| {
        p["objects"][0]["size"] = (LOG.len() as u64 + 100).into();
        p["part"]["segments"][0]["end"] =
            (p["part"]["segments"][0]["end"].as_u64().unwrap() + 100).into();
        p["part"]["bytes"] = (p["part"]["bytes"].as_u64().unwrap() + 100).into();
    });
    ok(&s.count("0"));
    fails(
        &s.count("1"),
        2,
        &["log-count-data.txt", "changed since split"],
    );
    fails(
        &s.merge(),
        2,
        &["log-count-data.txt", "changed since split"],
    );
}

#[test]
fn broken_count_outputs_are_refused_by_merge() {
    let cases: &[(&str, &[&str])] = &[
        ("", &["part 1", "unreadable"]),
        ("{\"version\":1,\"job_id\":", &["part 1", "unreadable"]),
        ("not json", &["part 1", "unreadable"]),
        ("[]", &["part 1", "unreadable"]),
    ];
    for (body, needles) in cases {
        let s = Sandbox::new(LOG);
        for id in s.split(3) {
            ok(&s.count(&id));
        }
        std::fs::write(s.work().join("count-output/1.json"), body).unwrap();
        fails(&s.merge(), 2, needles);
        assert!(!s.work().join("result.json").exists());
    }
    // Well-formed outputs that lie: another version, another part, counts
    // that cannot fit in the part's bytes (and would overflow the sum).
    type Edit = fn(&mut serde_json::Value);
    let edits: &[(Edit, &[&str])] = &[
        (
            |o| o["version"] = 7.into(),
            &["part 1", "version 7 is not supported"],
        ),
        (|o| o["part"] = "2".into(), &["part 1", "is for part \"2\""]),
        (
            |o| o["job_id"] = "someone-else".into(),
            &["part 1", "belongs to job someone-else"],
        ),
        (
            |o| o["counts"]["ERROR"] = u64::MAX.into(),
            &["part 1", "occurrences of \"ERROR\"", "impossible"],
        ),
        (
            |o| o["counts"]["INFO"] = 1_000_000.into(),
            &["part 1", "occurrences of \"INFO\"", "impossible"],
        ),
        (
            |o| o["lines"] = 1_000_000.into(),
            &["part 1", "1000000 lines", "impossible"],
        ),
        (
            |o| o["counts"]["INFO"] = (-1).into(),
            &["part 1", "unreadable"],
        ),
    ];
    for (edit, needles) in edits {
        let s = Sandbox::new(LOG);
        for id in s.split(3) {
            ok(&s.count(&id));
        }
        let path = s.work().join("count-output/1.json");
        let mut out: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        edit(&mut out);
        std::fs::write(&path, serde_json::to_vec(&out).unwrap()).unwrap();
        fails(&s.merge(), 2, needles);
        assert!(!s.work().join("result.json").exists());
    }
}

#[test]
fn num_parts_at_merge_and_run() {
    let s = Sandbox::new(LOG);
    for id in s.split(2) {
        ok(&s.count(&id));
    }
    let merge = |n: &str| {
        run(step("logcount-merge")
            .env("WORK_DIR", s.work())
            .env("NUM_PARTS", n))
    };
    fails(&merge("0"), 2, &["number of parts", "0 given", "2 parts"]);
    fails(&merge("3"), 2, &["3 given", "2 parts"]);
    fails(&merge("-1"), 2, &["-1"]);
    fails(&merge("two"), 2, &["two"]);
    fails(
        &merge("99999999999999999999999"),
        2,
        &["99999999999999999999999"],
    );
    assert_eq!(ok(&merge("2")), LOG_RESULT);
    let input = s.work().join("log-count-data.txt");
    for executor in ["in-process", "process"] {
        let run_with = |n: &str| {
            run(step("logcount")
                .args(["run", "--executor", executor])
                .env("INPUT", &input)
                .env("WORK_DIR", s.path(&format!("run-{executor}")))
                .env("NUM_PARTS", n))
        };
        fails(&run_with("0"), 2, &["number of parts"]);
        fails(&run_with("100001"), 2, &["number of parts", "100000"]);
        fails(&run_with("-3"), 2, &["-3"]);
        fails(&run_with("lots"), 2, &["lots"]);
        assert_eq!(ok(&run_with("4")), LOG_RESULT, "{executor}");
    }
}

#[test]
fn a_new_split_retires_the_previous_result() {
    let s = Sandbox::new(LOG);
    for id in s.split(2) {
        ok(&s.count(&id));
    }
    assert_eq!(ok(&s.merge()), LOG_RESULT);
    assert!(s.work().join("result.json").exists());
    // A new job in the same prefix: the old totals must not stand beside its input.
    s.split(3);
    assert!(
        !s.work().join("result.json").exists(),
        "split left the previous job's result.json"
    );
    assert!(!s.work().join("count-output/0.json").exists());
}

/// Count reads its own plan and never the manifest: with the manifest
/// unreadable while the counts run, every part still counts, and merge
/// (which reads the manifest) gives the result once it is back.
#[test]
fn count_reads_its_plan_and_not_the_manifest() {
    let s = Sandbox::new(LOG);
    s.split(2);
    let manifest = s.work().join("manifest.json");
    let kept = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, b"not a manifest").unwrap();
    ok(&s.count("0"));
    ok(&s.count("1"));
    std::fs::write(&manifest, kept).unwrap();
    ok(&s.merge());
}
