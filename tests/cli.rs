//! The binaries as a workflow engine runs them: configured by environment
//! variables, stdout carrying only the step's contract output, exit code 2
//! for bad input and 1 for storage failures.

use crate::common;
use crate::common::{seed_sample, SEED_RESULT};
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SEED_JSON: &str = r#"{"INFO":2460,"WARN":2448,"ERROR":2583,"DEBUG":2509}"#;

/// A step binary with a clean environment (only what the test sets).
fn step(name: &str) -> Command {
    common::step_binary(name, "info")
}

fn run(c: &mut Command) -> Output {
    c.output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(o.status.success(), "failed: {:?}\n{}", o.status, stderr(o));
    stdout(o)
}

#[track_caller]
fn fails(o: &Output, code: i32, needles: &[&str]) {
    assert_eq!(o.status.code(), Some(code), "stderr: {}", stderr(o));
    let err = stderr(o);
    for n in needles {
        assert!(err.contains(n), "stderr should mention {n:?}: {err}");
    }
    assert!(
        o.stdout.is_empty(),
        "nothing on stdout when failing: {}",
        stdout(o)
    );
}

/// The reference volume layout: the input at <vol>/log-count-data.txt.
fn volume_with(data: &[u8]) -> tempfile::TempDir {
    let vol = tempfile::tempdir().unwrap();
    std::fs::write(vol.path().join("log-count-data.txt"), data).unwrap();
    vol
}

/// Runs the three steps as Argo would: env vars only, one count per id.
fn argo_like(vol: &Path, parts: usize) -> (String, String) {
    let ids = ok(&run(step("logcount-split")
        .env("WORK_DIR", vol)
        .env("NUM_PARTS", parts.to_string())));
    let list: Vec<String> = serde_json::from_str(ids.trim_end()).expect("split prints a JSON list");
    assert_eq!(
        ids,
        format!("{}\n", serde_json::to_string(&list).unwrap()),
        "exactly one line"
    );
    assert_eq!(list, (0..parts).map(|i| i.to_string()).collect::<Vec<_>>());
    for id in &list {
        let counts = ok(&run(step("logcount-count")
            .env("WORK_DIR", vol)
            .env("PART_ID", id)));
        let v: serde_json::Value = serde_json::from_str(&counts).expect("count prints JSON");
        assert!(v.is_object());
    }
    let result = ok(&run(step("logcount-merge")
        .env("WORK_DIR", vol)
        .env("NUM_PARTS", parts.to_string())));
    (ids, result)
}

#[test]
fn seed_through_step_binaries_driven_by_env_every_part_count() {
    let Some(seed) = seed_sample() else { return };
    let vol = volume_with(&seed);
    for parts in 1..=16 {
        let (_, result) = argo_like(vol.path(), parts);
        assert_eq!(result, format!("{SEED_JSON}\n"), "{parts} parts");
        let file = std::fs::read_to_string(vol.path().join("result.json")).unwrap();
        assert_eq!(file, format!("{SEED_JSON}\n"));
        let outputs = std::fs::read_dir(vol.path().join("count-output"))
            .unwrap()
            .count();
        assert_eq!(outputs, parts);
    }
}

#[test]
fn seed_through_logcount_run_every_part_count() {
    let Some(_) = seed_sample() else { return };
    let work = tempfile::tempdir().unwrap();
    for parts in 1..=16 {
        let out = ok(&run(step("logcount")
            .args(["run", "--parts", &parts.to_string()])
            .arg("--input")
            .arg(common::seed_path())
            .arg("--work")
            .arg(work.path())));
        assert_eq!(out, format!("{SEED_JSON}\n"), "{parts} parts");
    }
    // The same through the subcommands of `logcount` (same code as the step binaries).
    let w = work.path().to_str().unwrap();
    let ids = ok(&run(step("logcount")
        .args(["split", "--work", w, "--parts", "3", "--input"])
        .arg(common::seed_path())));
    assert_eq!(ids, "[\"0\",\"1\",\"2\"]\n");
    for id in ["0", "1", "2"] {
        ok(&run(step("logcount").args([
            "count",
            "--work",
            w,
            "--part-id",
            id,
        ])));
    }
    assert_eq!(
        ok(&run(step("logcount").args(["merge", "--work", w]))),
        format!("{SEED_JSON}\n")
    );
    let _ = SEED_RESULT;
}

#[test]
fn more_parts_than_lines_and_materialized_parts() {
    let vol = volume_with(b"INFO a\nWARN b\nERROR c\n");
    let ids = ok(&run(step("logcount-split")
        .env("WORK_DIR", vol.path())
        .env("NUM_PARTS", "16")
        .env("MATERIALIZE", "true")));
    let list: Vec<String> = serde_json::from_str(&ids).unwrap();
    assert_eq!(list.len(), 16);
    let mut joined = Vec::new();
    for id in &list {
        ok(&run(step("logcount-count")
            .env("WORK_DIR", vol.path())
            .env("PART_ID", id)));
        joined.extend(std::fs::read(vol.path().join(format!("split-output/{id}.txt"))).unwrap());
    }
    assert_eq!(joined, b"INFO a\nWARN b\nERROR c\n");
    let result = ok(&run(step("logcount-merge").env("WORK_DIR", vol.path())));
    assert_eq!(result, "{\"INFO\":1,\"WARN\":1,\"ERROR\":1,\"DEBUG\":0}\n");
}

#[test]
fn custom_keywords_keep_their_order() {
    let vol = volume_with(b"ERROR ERR aaa\nERRORERROR\n");
    ok(&run(step("logcount-split")
        .env("WORK_DIR", vol.path())
        .env("KEYWORDS", "aa,ERROR,ERR")));
    for id in 0..5 {
        ok(&run(step("logcount-count")
            .env("WORK_DIR", vol.path())
            .env("PART_ID", id.to_string())));
    }
    let result = ok(&run(step("logcount-merge").env("WORK_DIR", vol.path())));
    assert_eq!(result, "{\"aa\":1,\"ERROR\":3,\"ERR\":4}\n");

    let kw = vol.path().join("keywords.txt");
    std::fs::write(&kw, "DEBUG\r\nERR\n").unwrap();
    let out = ok(&run(step("logcount")
        .args(["run", "--parts", "2", "--keywords-file"])
        .arg(&kw)
        .arg("--input")
        .arg(vol.path().join("log-count-data.txt"))
        .arg("--work")
        .arg(vol.path().join("w"))));
    assert_eq!(out, "{\"DEBUG\":0,\"ERR\":4}\n");
}

#[test]
fn bad_input_exits_2_with_a_clear_message() {
    let vol = volume_with(b"INFO\n");
    let v = vol.path();
    let split = |envs: &[(&str, &str)]| {
        let mut c = step("logcount-split");
        c.env("WORK_DIR", v);
        for (k, val) in envs {
            c.env(k, val);
        }
        run(&mut c)
    };
    fails(
        &split(&[("KEYWORDS", "INFO,,WARN")]),
        2,
        &["keyword #2 is empty"],
    );
    fails(&split(&[("KEYWORDS", "INFO,INFO")]), 2, &["given twice"]);
    fails(&split(&[("KEYWORDS", "IN\nFO")]), 2, &["line break"]);
    fails(&split(&[("NUM_PARTS", "0")]), 2, &["number of parts"]);
    fails(&split(&[("NUM_PARTS", "-1")]), 2, &["--parts", "-1"]);
    fails(&split(&[("NUM_PARTS", "abc")]), 2, &["abc"]);
    fails(
        &split(&[("NUM_PARTS", "99999999999999999999999")]),
        2,
        &["99999999999999999999999"],
    );
    fails(
        &split(&[("NUM_PARTS", "100000000")]),
        2,
        &["number of parts"],
    );
    fails(
        &split(&[("INPUT", "/no/such/file.log")]),
        2,
        &["/no/such/file.log", "does not exist"],
    );
    fails(
        &split(&[("INPUT", "ftp://host/x")]),
        2,
        &["unsupported scheme"],
    );
    let big: String = (0..100_000).map(|i| format!("k{i}\n")).collect();
    std::fs::write(v.join("many.txt"), big).unwrap();
    fails(
        &split(&[("KEYWORDS_FILE", v.join("many.txt").to_str().unwrap())]),
        2,
        &["many.txt", "100000 keywords"],
    );

    ok(&split(&[("NUM_PARTS", "2")]));
    let count = |id: &str| run(step("logcount-count").env("WORK_DIR", v).env("PART_ID", id));
    fails(
        &count("7"),
        2,
        &["part \"7\"", "manifest.json", "\"0\" to \"1\""],
    );
    fails(&count("../../etc/passwd"), 2, &["../../etc/passwd"]);
    fails(
        &run(step("logcount-count").env("WORK_DIR", v)),
        2,
        &["--part-id"],
    );
    fails(
        &run(step("logcount-merge").env("WORK_DIR", v)),
        2,
        &["part 0", "no count output"],
    );
    fails(
        &run(step("logcount-merge")
            .env("WORK_DIR", v)
            .env("NUM_PARTS", "3")),
        2,
        &["3 given", "2 parts"],
    );
    // Without plans, count reads the manifest.
    for f in ["plans.idx", "plans.jsonl"] {
        std::fs::remove_file(v.join(f)).unwrap();
    }
    std::fs::write(v.join("manifest.json"), "{\"version\": 1, \"job").unwrap();
    fails(&count("0"), 2, &["manifest.json", "not a valid manifest"]);
    std::fs::write(v.join("manifest.json"), "{\"version\": 2}").unwrap();
    fails(&count("0"), 2, &["manifest.json"]);
}

#[test]
fn storage_failure_exits_1() {
    let vol = volume_with(b"INFO\n");
    // The work prefix lies below a regular file: nothing can be written there.
    let blocked = vol.path().join("log-count-data.txt").join("work");
    let o = run(step("logcount-split")
        .env("WORK_DIR", &blocked)
        .env("INPUT", vol.path().join("log-count-data.txt")));
    fails(&o, 1, &["work"]);
}

#[test]
fn logs_go_to_stderr_and_help_names_every_env_var() {
    let vol = volume_with(b"INFO\n");
    let o = run(step("logcount-split")
        .env("WORK_DIR", vol.path())
        .env("NUM_PARTS", "2"));
    assert_eq!(ok(&o), "[\"0\",\"1\"]\n");
    assert!(
        stderr(&o).contains("manifest written"),
        "logs on stderr: {}",
        stderr(&o)
    );

    let help = ok(&run(step("logcount").arg("--help")));
    for word in ["split", "count", "merge", "run", "Argo"] {
        assert!(
            help.contains(word),
            "logcount --help mentions {word}: {help}"
        );
    }
    for (bin, vars) in [
        (
            "logcount-split",
            &[
                "INPUT",
                "WORK_DIR",
                "NUM_PARTS",
                "KEYWORDS",
                "KEYWORDS_FILE",
                "MATERIALIZE",
            ][..],
        ),
        (
            "logcount-count",
            &[
                "WORK_DIR",
                "PART_ID",
                "LOGCOUNT_BLOCK_SIZE",
                "LOGCOUNT_FETCH_CONCURRENCY",
                "LOGCOUNT_STRATEGY",
                "LOGCOUNT_READ",
            ][..],
        ),
        ("logcount-merge", &["WORK_DIR", "NUM_PARTS"][..]),
    ] {
        let help = ok(&run(step(bin).arg("--help")));
        for var in vars {
            assert!(
                help.contains(&format!("env: {var}")),
                "{bin} --help names {var}: {help}"
            );
        }
    }
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let mut child = step("logcount")
        .args(["gen", "--size", "50MiB"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then hang up.
    let mut out = child.stdout.take().unwrap();
    let mut buf = [0u8; 100];
    std::io::Read::read_exact(&mut out, &mut buf).unwrap();
    drop(out);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(buf.starts_with(b"2023-"));
}

#[test]
fn gen_is_deterministic_and_sized() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    for p in [&a, &b] {
        ok(&run(step("logcount")
            .args(["gen", "--size", "3MiB", "--seed", "5", "--out"])
            .arg(p)));
    }
    let (x, y) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(x, y);
    assert!(x.len() <= 3 << 20 && x.len() > (3 << 20) - 1000);
    assert_eq!(x, logcount::gen::generate(3 << 20, 5));
}

#[test]
fn the_one_binary_is_each_step_under_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let logcount = env!("CARGO_BIN_EXE_logcount");
    let vol = volume_with(b"INFO a\nWARN b\nINFO c\n");
    let work = vol.path().display().to_string();
    // Links named after the steps, as in the image.
    for name in ["logcount-split", "logcount-count", "logcount-merge"] {
        std::os::unix::fs::symlink(logcount, dir.path().join(name)).unwrap();
    }
    let linked = |name: &str| {
        let mut c = Command::new(dir.path().join(name));
        c.env_clear().env("WORK_DIR", &work);
        c
    };
    let ids = ok(&run(linked("logcount-split").env("NUM_PARTS", "2")));
    assert_eq!(ids.trim(), r#"["0","1"]"#);
    for id in ["0", "1"] {
        ok(&run(linked("logcount-count").env("PART_ID", id)));
    }
    let merged = ok(&run(&mut linked("logcount-merge")));
    assert_eq!(merged.trim(), r#"{"INFO":2,"WARN":1,"ERROR":0,"DEBUG":0}"#);
    // `logcount <step name>` is that step too (`docker run IMAGE logcount-merge`).
    let mut c = Command::new(logcount);
    c.env_clear().env("WORK_DIR", &work).arg("logcount-merge");
    assert_eq!(ok(&run(&mut c)).trim(), merged.trim());
    // Under its own name, the subcommands.
    let help = ok(&run(Command::new(logcount).arg("--help")));
    assert!(help.contains("workflow") && help.contains("gen"), "{help}");
    let help = ok(&run(linked("logcount-count").arg("--help")));
    assert!(
        help.contains("--part-id") && !help.contains("workflow"),
        "{help}"
    );
}

/// The dataset options as Argo passes them: PART_SIZE and GROUP_BY from the
/// environment decide the fan-out (empty NUM_PARTS, as an unset workflow
/// parameter, means "not given"), merge writes groups.json, and bad
/// combinations are exit 2 naming what is wrong.
#[test]
fn split_sized_by_bytes_and_grouped_through_the_environment() {
    let vol = tempfile::tempdir().unwrap();
    let logs = vol.path().join("logs");
    for (dir, n) in [("api", 3000), ("db", 1000)] {
        std::fs::create_dir_all(logs.join(dir)).unwrap();
        let text = "INFO a\nERROR b\n".repeat(n);
        std::fs::write(logs.join(dir).join("app.log"), text).unwrap();
    }
    std::fs::write(logs.join("_SUCCESS"), "WARN\n").unwrap();
    let input = format!("{}/", logs.display());
    let work = vol.path().join("w");
    let split = |envs: &[(&str, &str)]| {
        let mut c = step("logcount-split");
        c.env("WORK_DIR", &work).env("INPUT", &input);
        for (k, v) in envs {
            c.env(k, v);
        }
        run(&mut c)
    };
    // api: 42,000 bytes, db: 14,000; parts of 10,000 bytes: 5 + 2.
    let ids = ok(&split(&[
        ("NUM_PARTS", ""),
        ("PART_SIZE", "10000"),
        ("GROUP_BY", "dir"),
        ("LOGCOUNT_EXCLUDE", "_SUCCESS"),
    ]));
    let ids: Vec<String> = serde_json::from_str(ids.trim()).unwrap();
    assert_eq!(ids.len(), 7, "{ids:?}");
    for id in &ids {
        ok(&run(step("logcount-count")
            .env("WORK_DIR", &work)
            .env("PART_ID", id)));
    }
    let result = ok(&run(step("logcount-merge")
        .env("WORK_DIR", &work)
        .env("NUM_PARTS", "")));
    assert_eq!(
        result,
        "{\"INFO\":4000,\"WARN\":0,\"ERROR\":4000,\"DEBUG\":0}\n"
    );
    let groups: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("groups.json")).unwrap()).unwrap();
    let got: Vec<(String, u64, u64)> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"].as_str().unwrap().to_string(),
                g["parts"].as_u64().unwrap(),
                g["counts"]["INFO"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, [("api".into(), 5, 3000), ("db".into(), 2, 1000)]);

    fails(
        &split(&[("NUM_PARTS", "3"), ("PART_SIZE", "1MiB")]),
        2,
        &["--parts", "--part-size"],
    );
    fails(
        &split(&[("PART_SIZE", "0")]),
        2,
        &["--part-size", "at least 1 byte"],
    );
    fails(&split(&[("GROUP_BY", "dir:0")]), 2, &["dir:0"]);
    fails(
        &split(&[("LOGCOUNT_INCLUDE", "*.gz")]),
        2,
        &[input.as_str(), "*.gz"],
    );
    // Groups are counted per keyword job only.
    fails(
        &split(&[("GROUP_BY", "dir"), ("LOGCOUNT_MODE", "words")]),
        2,
        &["words"],
    );
}
