//! Hostile and broken input through the real step binaries (clean
//! environment, configured by env vars as Argo does): each case gets the
//! exact count or a clear error — exit 2 for bad input, 1 for storage
//! failures — never a panic, never a hang, never a file outside the work
//! prefix. Cases already covered by `cli.rs` (bad keyword lists, `NUM_PARTS`
//! at split, a missing input, a 100,000-line keywords file, a truncated
//! manifest) and by `pipeline.rs` (unknown part ids, stale / tampered count
//! outputs, input drift, through the library) are not repeated here.

use crate::common;
use logcount::engine::reference::count_one;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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
fn hostile_keywords() {
    let s = Sandbox::new(LOG);
    let split = |envs: &[(&str, &Path)], kw: Option<&str>| {
        let mut c = step("logcount-split");
        c.env("WORK_DIR", s.work());
        if let Some(k) = kw {
            c.env("KEYWORDS", k);
        }
        for (k, v) in envs {
            c.env(k, v);
        }
        run(&mut c)
    };
    // Lists (cli.rs has an empty item, a duplicate and a newline).
    fails(
        &split(&[], Some("")),
        2,
        &["invalid keywords", "keyword #1 is empty"],
    );
    fails(&split(&[], Some(",")), 2, &["keyword #1 is empty"]);
    fails(&split(&[], Some("a,b\r")), 2, &["keyword #2", "line break"]);
    fails(
        &split(&[], Some(&"x".repeat(5000))),
        2,
        &["keyword #1 is 5000 bytes long"],
    );
    let err = stderr(&split(&[], Some("INFO,INFO")));
    assert_eq!(err.matches("given twice").count(), 1, "said once: {err}");

    // Keywords files.
    let files: &[(&str, &[u8], &[&str])] = &[
        ("empty.txt", b"", &["empty.txt", "no keywords given"]),
        ("newline.txt", b"\n", &["no keywords given"]),
        (
            "blank-line.txt",
            b"INFO\n\nWARN\n",
            &["blank-line.txt", "keyword #2 is empty"],
        ),
        (
            "dup.txt",
            b"INFO\r\nWARN\nINFO\n",
            &["dup.txt", "\"INFO\" is given twice (#1 and #3)"],
        ),
        ("cr.txt", b"IN\rFO\n", &["cr.txt", "line break"]),
        (
            "latin1.txt",
            b"caf\xe9\n",
            &["latin1.txt", "not valid UTF-8"],
        ),
    ];
    for (name, body, needles) in files {
        std::fs::write(s.path(name), body).unwrap();
        fails(
            &split(&[("KEYWORDS_FILE", &s.path(name))], None),
            2,
            needles,
        );
    }
    fails(
        &split(&[("KEYWORDS_FILE", &s.path("none.txt"))], None),
        2,
        &["keywords file", "none.txt", "does not exist"],
    );
    fails(
        &split(&[("KEYWORDS_FILE", &s.path("a"))], None),
        2,
        &["keywords file", "does not exist"],
    );
    nix_mkfifo(&s.path("kw.fifo"));
    fails(
        &split(&[("KEYWORDS_FILE", &s.path("kw.fifo"))], None),
        2,
        &["kw.fifo", "FIFO"],
    );
    // Both at once is a usage error.
    std::fs::write(s.path("ok.txt"), b"INFO\n").unwrap();
    fails(
        &split(&[("KEYWORDS_FILE", &s.path("ok.txt"))], Some("WARN")),
        2,
        &["cannot be used with"],
    );
    // Nothing was split by any refused run.
    assert!(!s.work().join("manifest.json").exists());
}

#[test]
fn nul_bytes_are_counted_like_any_byte() {
    let mut data = Vec::new();
    for i in 0..5000u32 {
        data.extend_from_slice(match i % 5 {
            0 => b"\0\0INFO\0ERR\0R\n" as &[u8],
            1 => b"\0",
            2 => b"ERROR\0\0\0\n",
            3 => b"plain line\n",
            _ => b"\0\n",
        });
    }
    let s = Sandbox::new(&data);
    std::fs::write(s.path("kw.txt"), b"\0\nERR\0R\nINFO\n\0\0\n").unwrap();
    let ids: Vec<String> = serde_json::from_str(&ok(&run(step("logcount-split")
        .env("WORK_DIR", s.work())
        .env("NUM_PARTS", "7")
        .env("KEYWORDS_FILE", s.path("kw.txt")))))
    .unwrap();
    for id in &ids {
        ok(&s.count(id));
    }
    let want: Vec<u64> = [&b"\0"[..], b"ERR\0R", b"INFO", b"\0\0"]
        .iter()
        .map(|k| count_one(&data, k))
        .collect();
    let expected = format!(
        "{{\"\\u0000\":{},\"ERR\\u0000R\":{},\"INFO\":{},\"\\u0000\\u0000\":{}}}\n",
        want[0], want[1], want[2], want[3]
    );
    assert_eq!(ok(&s.merge()), expected);
}

fn nix_mkfifo(path: &Path) {
    let st = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(st.success());
}

#[test]
fn inputs_that_are_directories_fifos_devices_or_unreadable() {
    let s = Sandbox::new(b"");
    let split = |input: &Path, work: &str| {
        run_within(
            step("logcount-split")
                .env("WORK_DIR", s.path(work))
                .env("INPUT", input)
                .env("NUM_PARTS", "3"),
            Duration::from_secs(20),
        )
    };
    let count_all = |work: &str, ids: &[String]| {
        for id in ids {
            ok(&run(step("logcount-count")
                .env("WORK_DIR", s.path(work))
                .env("PART_ID", id)));
        }
        ok(&run(step("logcount-merge").env("WORK_DIR", s.path(work))))
    };
    // A directory, with or without a final '/', is a dataset: every regular
    // file below it, in path order; its own work prefix is left out, and a
    // FIFO inside is skipped (the local store lists regular files only).
    let d = s.path("logs");
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("a.log"), b"INFO\nWARN\n").unwrap();
    std::fs::write(d.join("sub/b.log"), b"ERROR ERROR\nno newline INFO").unwrap();
    nix_mkfifo(&d.join("pipe.log"));
    for given in [d.clone(), PathBuf::from(format!("{}/", d.display()))] {
        let work = "logs/w";
        for _ in 0..2 {
            // Twice: the second split must not count the first one's work files.
            let ids: Vec<String> = serde_json::from_str(&ok(&split(&given, work))).unwrap();
            assert_eq!(
                count_all(work, &ids),
                "{\"INFO\":2,\"WARN\":1,\"ERROR\":2,\"DEBUG\":0}\n",
                "{given:?}"
            );
        }
    }
    // An empty directory; a missing one.
    std::fs::create_dir_all(s.path("empty")).unwrap();
    fails(
        &split(&s.path("empty"), "w3"),
        2,
        &["input", "empty", "does not exist"],
    );
    fails(
        &split(&s.path("nowhere/"), "w3"),
        2,
        &["input", "nowhere", "does not exist"],
    );
    // A FIFO: refused at once, not waited on.
    nix_mkfifo(&s.path("in.fifo"));
    fails(
        &split(&s.path("in.fifo"), "w3"),
        2,
        &["in.fifo", "FIFO, socket or device"],
    );
    // Devices: /dev/null would be empty, /dev/zero endless.
    for dev in ["/dev/null", "/dev/zero"] {
        fails(
            &split(Path::new(dev), "w3"),
            2,
            &[dev, "FIFO, socket or device"],
        );
    }
    assert!(!s.path("w3/manifest.json").exists());

    // Unreadable: the local store reports permission denied as a storage
    // failure (exit 1), naming the file. As root, mode 000 does not stop
    // reads, so the split runs as user nobody (setpriv) when the test is root.
    let f = s.path("secret.log");
    std::fs::write(&f, b"INFO\n").unwrap();
    let mut as_nobody = step("logcount-split");
    if is_root() {
        if Command::new("setpriv").arg("--version").output().is_err() {
            eprintln!("SKIPPED: unreadable input: running as root without setpriv");
            return;
        }
        use std::os::unix::fs::PermissionsExt;
        for p in [s.root.path(), &s.path("a"), &s.path("a/b")] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(s.work(), std::fs::Permissions::from_mode(0o777)).unwrap();
        as_nobody = Command::new("setpriv");
        as_nobody
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_logcount-split"),
            ])
            .env_clear()
            .stdin(Stdio::null());
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
    let o = run(as_nobody.env("WORK_DIR", s.work()).env("INPUT", &f));
    fails(&o, 1, &["secret.log", "Permission denied"]);
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Peak resident memory (VmHWM, KiB) of a running child, sampled until it exits.
fn run_measuring_peak(c: &mut Command, dir: &Path) -> (Output, u64) {
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = c
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let t = Instant::now();
    let status = loop {
        if let Ok(s) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = s.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
                peak = peak.max(
                    kb.trim()
                        .trim_end_matches(" kB")
                        .trim()
                        .parse()
                        .unwrap_or(0),
                );
            }
        }
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            t.elapsed() < Duration::from_secs(600),
            "still running after 10 minutes"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let o = Output {
        status,
        stdout: std::fs::read(out_path).unwrap(),
        stderr: std::fs::read(err_path).unwrap(),
    };
    (o, peak)
}

/// A 2 GiB file that is one line (no newline at all): split must find no
/// line start past the first cut and give one part the whole line; count
/// must stream it in bounded memory and count exactly, including keywords
/// that straddle read blocks (4 MiB) and the stitcher's line limit (1 MiB).
/// The file is sparse (zeros) with keywords written at chosen offsets, so it
/// takes no disk space and no time to make.
#[test]
fn a_two_gib_single_line_counts_exactly_in_bounded_memory() {
    const SIZE: u64 = 2 << 30;
    let s = Sandbox::new(b"");
    let path = s.work().join("log-count-data.txt");
    let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(SIZE).unwrap();
    let mib = 1u64 << 20;
    // At the start and the end; across the 1 MiB line limit and the split's
    // aim (1 GiB); and across 4 MiB block edges, split at every byte.
    let mut placed = vec![0, SIZE - 5, mib - 2, (1 << 30) - 3];
    for d in 0..=5 {
        placed.push((2 + d * 37) * 4 * mib - d);
    }
    let others: [(u64, &[u8]); 3] = [(100, b"WARN"), (3 * mib, b"WARN"), (800 * mib - 2, b"INFO")];
    for (at, word) in placed.iter().map(|&p| (p, &b"ERROR"[..])).chain(others) {
        std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(at)).unwrap();
        f.write_all(word).unwrap();
    }
    drop(f);
    let ids = s.split(2);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.work().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        m["parts"][0]["bytes"], SIZE,
        "one line: the whole input in part 0"
    );
    assert_eq!(m["parts"][1]["bytes"], 0);
    let t = Instant::now();
    let (o, peak_kib) = run_measuring_peak(
        step("logcount-count")
            .env("WORK_DIR", s.work())
            .env("PART_ID", &ids[0]),
        s.root.path(),
    );
    ok(&o);
    eprintln!(
        "2 GiB single line: count took {:?}, peak RSS {} MiB",
        t.elapsed(),
        peak_kib / 1024
    );
    assert!(
        peak_kib < 512 * 1024,
        "memory is bounded: peak {peak_kib} KiB for a 2 GiB line"
    );
    ok(&s.count(&ids[1]));
    let out = ok(&s.merge());
    assert_eq!(
        out,
        format!(
            "{{\"INFO\":1,\"WARN\":2,\"ERROR\":{},\"DEBUG\":0}}\n",
            placed.len()
        )
    );
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
