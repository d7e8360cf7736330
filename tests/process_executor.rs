//! `logcount run --executor process` against the default in-process executor:
//! the same results on the seed sample, on generated logs (local disk and the
//! S3 test server); a map task killed mid-run is retried and the result is
//! still exact; failures name the part and are retried only when a retry can
//! help; 10,000 parts work end to end.

use crate::common;
use crate::common::s3::S3Server;
use logcount::keywords::Keywords;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const LOGCOUNT: &str = env!("CARGO_BIN_EXE_logcount");

/// The variables of the steps and of `logcount run` that must not leak in from the test's environment.
const CLEAR: &[&str] = &[
    "INPUT",
    "WORK_DIR",
    "NUM_PARTS",
    "KEYWORDS",
    "KEYWORDS_FILE",
    "PART_ID",
    "MATERIALIZE",
    "RESULT_COPY",
    "LOGCOUNT_JOBS",
    "LOGCOUNT_EXECUTOR",
    "LOGCOUNT_RETRIES",
    "LOGCOUNT_STATS",
    "LOGCOUNT_QUIET",
    "LOGCOUNT_BIN_DIR",
    "LOGCOUNT_STRATEGY",
    "LOGCOUNT_BLOCK_SIZE",
    "LOGCOUNT_FETCH_CONCURRENCY",
    "LOGCOUNT_READ",
];

/// `logcount run` with an executor; extra args and env.
fn run(
    executor: &str,
    input: &str,
    work: &str,
    parts: usize,
    args: &[&str],
    env: &[(String, String)],
) -> Output {
    let mut cmd = Command::new(LOGCOUNT);
    for v in CLEAR {
        cmd.env_remove(v);
    }
    cmd.args([
        "run",
        "--executor",
        executor,
        "--input",
        input,
        "--work",
        work,
    ])
    .args(["--parts", &parts.to_string(), "--jobs", "3"])
    .args(args)
    .envs(env.iter().map(|(k, v)| (k, v)));
    cmd.output().expect("running logcount run")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed ({:?}):\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// The naive expected result as the JSON merge prints.
fn expected_json(texts: &[&[u8]], keywords: &str) -> String {
    let k = Keywords::parse_list(keywords).unwrap();
    let counts = common::expected(texts, &k);
    let pairs: Vec<String> = k
        .names()
        .iter()
        .zip(counts)
        .map(|(n, c)| format!("{}:{c}", serde_json::to_string(n).unwrap()))
        .collect();
    format!("{{{}}}\n", pairs.join(","))
}

/// Runs both executors on the same input; asserts both print `want`.
fn both_agree(
    input: &str,
    work_base: &str,
    parts: usize,
    keywords: &str,
    env: &[(String, String)],
    want: &str,
) {
    let mut printed = Vec::new();
    for executor in ["in-process", "process"] {
        let work = format!("{work_base}{executor}-{parts}/");
        let o = run(
            executor,
            input,
            &work,
            parts,
            &["--keywords", keywords],
            env,
        );
        let out = ok(&o);
        assert_eq!(out, want, "{executor} at {parts} parts on {input}");
        // stderr is not a terminal here: plain progress lines, then the same summary.
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains('\r'),
            "{executor}: no redrawn lines off a terminal: {err:?}"
        );
        for line in [
            format!("logcount: count {parts}/{parts} tasks"),
            "logcount: merge 1/1 tasks".to_string(),
            "task median".to_string(),
            format!("({executor} executor)"),
        ] {
            assert!(
                err.contains(&line),
                "{executor}: stderr lacks {line:?}: {err}"
            );
        }
        printed.push(out);
    }
    assert_eq!(printed[0], printed[1]);
}

#[test]
fn seed_sample_same_result_from_both_executors() {
    if common::seed_sample().is_none() {
        return; // says SKIPPED
    }
    let seed = common::seed_path();
    let tmp = tempfile::tempdir().unwrap();
    let want = format!(
        "{{{}}}\n",
        common::SEED_RESULT
            .iter()
            .map(|(k, v)| format!("\"{k}\":{v}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for parts in [1, 5, 16, 97] {
        both_agree(
            seed.to_str().unwrap(),
            &format!("{}/", tmp.path().display()),
            parts,
            "INFO,WARN,ERROR,DEBUG",
            &[],
            &want,
        );
    }
}

/// A generated log (deterministic) written by `logcount gen`.
fn gen_log(path: &Path, size: &str, seed: u64) -> Vec<u8> {
    let o = Command::new(LOGCOUNT)
        .args(["gen", "--size", size, "--seed", &seed.to_string(), "--out"])
        .arg(path)
        .output()
        .unwrap();
    ok(&o);
    std::fs::read(path).unwrap()
}

#[test]
fn generated_logs_same_result_on_local_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let a = gen_log(&data.join("a.log"), "3MiB", 7);
    let b = gen_log(&data.join("b.log"), "700KiB", 8);
    let base = format!("{}/", tmp.path().display());
    for keywords in ["INFO,WARN,ERROR,DEBUG", "ERROR,timeout,user=,é"] {
        // One file, and a dataset (a prefix of two objects).
        both_agree(
            data.join("a.log").to_str().unwrap(),
            &base,
            7,
            keywords,
            &[],
            &expected_json(&[&a], keywords),
        );
        let dataset = format!("{}/", data.display());
        both_agree(
            &dataset,
            &base,
            12,
            keywords,
            &[],
            &expected_json(&[&a, &b], keywords),
        );
    }
}

#[test]
fn s3_server_same_result_from_both_executors() {
    let server = S3Server::shared();
    let bucket = server.create_bucket();
    let tmp = tempfile::tempdir().unwrap();
    let log = gen_log(&tmp.path().join("g.log"), "2MiB", 11);
    let stores = server.stores();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let input = format!("s3://{bucket}/in/g.log");
    rt.block_on(common::s3::put(&stores, &input, log.clone()));
    let keywords = "INFO,WARN,ERROR,DEBUG";
    both_agree(
        &input,
        &format!("s3://{bucket}/work/"),
        9,
        keywords,
        &server.env(),
        &expected_json(&[&log], keywords),
    );
    if let Some(seed) = common::seed_sample() {
        let input = format!("s3://{bucket}/in/seed.txt");
        rt.block_on(common::s3::put(&stores, &input, seed.clone()));
        both_agree(
            &input,
            &format!("s3://{bucket}/seedwork/"),
            5,
            keywords,
            &server.env(),
            &expected_json(&[&seed], keywords),
        );
    }
}

/// A bin dir with the real split and merge and a `logcount-count` script.
fn bin_dir_with_count_script(dir: &Path, script: &str) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for step in ["logcount-split", "logcount-merge"] {
        let real = Path::new(LOGCOUNT).with_file_name(step);
        std::os::unix::fs::symlink(real, bin.join(step)).unwrap();
    }
    let real_count = Path::new(LOGCOUNT).with_file_name("logcount-count");
    let text = format!(
        "#!/bin/sh\nREAL='{}'\nDIR='{}'\n{script}",
        real_count.display(),
        dir.display()
    );
    let path = bin.join("logcount-count");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn stats(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn a_map_task_killed_mid_run_is_retried_and_the_result_is_exact() {
    let tmp = tempfile::tempdir().unwrap();
    let log = gen_log(&tmp.path().join("g.log"), "4MiB", 3);
    // Part 3, first attempt: start counting, then SIGKILL the count and the task itself.
    let bin = bin_dir_with_count_script(
        tmp.path(),
        r#"if [ "$PART_ID" = "3" ] && mkdir "$DIR/killed-once" 2>/dev/null; then
  "$REAL" & pid=$!
  sleep 0.05
  kill -KILL $pid
  kill -KILL $$
fi
echo "$PART_ID" >> "$DIR/attempts"
exec "$REAL"
"#,
    );
    let stats_file = tmp.path().join("stats.json");
    let env = [("LOGCOUNT_BIN_DIR".to_string(), bin.display().to_string())];
    let work = format!("{}/work/", tmp.path().display());
    let input = tmp.path().join("g.log");
    let o = run(
        "process",
        input.to_str().unwrap(),
        &work,
        8,
        &["--stats", stats_file.to_str().unwrap()],
        &env,
    );
    let keywords = "INFO,WARN,ERROR,DEBUG";
    assert_eq!(ok(&o), expected_json(&[&log], keywords));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("count part 3")
            && err.contains("killed by signal 9")
            && err.contains("retrying"),
        "{err}"
    );
    assert!(tmp.path().join("killed-once").exists(), "the kill happened");
    let attempts = std::fs::read_to_string(tmp.path().join("attempts")).unwrap();
    assert_eq!(
        attempts.lines().count(),
        8,
        "every part counted to completion once: {attempts}"
    );
    let s = stats(&stats_file);
    assert_eq!(s["executor"], "process");
    let count = &s["steps"][1];
    assert_eq!(
        (
            count["step"].as_str(),
            count["tasks"].as_u64(),
            count["retries"].as_u64()
        ),
        (Some("count"), Some(8), Some(1))
    );
}

#[test]
fn failures_name_the_part_and_are_retried_only_when_it_can_help() {
    // (script exit code for part 2, --retries, expected attempts of part 2, expected exit code)
    let cases = [(1, 2, 3, 1), (1, 0, 1, 1), (2, 3, 1, 2)];
    for (code, retries, attempts, exit) in cases {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("g.log"),
            "INFO a\nWARN b\nERROR c\nDEBUG d\n".repeat(100),
        )
        .unwrap();
        let bin = bin_dir_with_count_script(
            tmp.path(),
            &format!(
                "if [ \"$PART_ID\" = \"2\" ]; then echo x >> \"$DIR/attempts\"; echo 'part two is broken' >&2; exit {code}; fi\nexec \"$REAL\"\n"
            ),
        );
        let env = [("LOGCOUNT_BIN_DIR".to_string(), bin.display().to_string())];
        let input = tmp.path().join("g.log");
        let work = format!("{}/w/", tmp.path().display());
        let o = run(
            "process",
            input.to_str().unwrap(),
            &work,
            4,
            &["--retries", &retries.to_string()],
            &env,
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(
            o.status.code(),
            Some(exit),
            "code {code} retries {retries}: {err}"
        );
        assert!(o.stdout.is_empty(), "no result on failure");
        assert!(
            err.contains("count part 2") && err.contains("part two is broken"),
            "{err}"
        );
        let n = std::fs::read_to_string(tmp.path().join("attempts"))
            .unwrap()
            .lines()
            .count();
        assert_eq!(n, attempts, "code {code} retries {retries}: {err}");
        assert!(
            !Path::new(&work).join("result.json").exists(),
            "no result.json after a failed map"
        );
    }
}

#[test]
fn missing_step_binaries_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("g.log"), "INFO\n").unwrap();
    let env = [(
        "LOGCOUNT_BIN_DIR".to_string(),
        tmp.path().join("nowhere").display().to_string(),
    )];
    let o = run(
        "process",
        tmp.path().join("g.log").to_str().unwrap(),
        &format!("{}/w/", tmp.path().display()),
        2,
        &[],
        &env,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("logcount-split") && err.contains("LOGCOUNT_BIN_DIR"),
        "{err}"
    );
}

#[test]
fn ten_thousand_parts_end_to_end() {
    const PARTS: usize = 10_000;
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("small.log");
    let log = gen_log(&input, "2MiB", 5);
    let keywords = "INFO,WARN,ERROR,DEBUG";

    // split alone: its stdout is what Argo's withParam gets (Argo keeps at most 256 KiB).
    let work = tmp.path().join("w");
    let step = |bin: &str| {
        let mut c = Command::new(Path::new(LOGCOUNT).with_file_name(bin));
        for v in CLEAR {
            c.env_remove(v);
        }
        c.env("WORK_DIR", &work).env("NUM_PARTS", PARTS.to_string());
        c
    };
    let split = ok(&step("logcount-split")
        .env("INPUT", &input)
        .output()
        .unwrap());
    let ids: Vec<String> = serde_json::from_str(&split).unwrap();
    assert_eq!(ids.len(), PARTS);
    assert!(
        split.len() < 128 * 1024,
        "split printed {} bytes",
        split.len()
    );
    eprintln!("10,000 parts: split stdout {} bytes", split.len());

    // The whole DAG (in-process: 10,000 child processes would take minutes on 2 cores).
    let stats_file = tmp.path().join("stats.json");
    let o = run(
        "in-process",
        input.to_str().unwrap(),
        work.to_str().unwrap(),
        PARTS,
        &["--stats", stats_file.to_str().unwrap()],
        &[],
    );
    assert_eq!(ok(&o), expected_json(&[&log], keywords));
    let s = stats(&stats_file);
    assert_eq!(s["steps"][1]["tasks"], PARTS);

    // merge alone, as Argo's reduce runs it, over the 10,000 count outputs.
    let t = Instant::now();
    let merged = ok(&step("logcount-merge").output().unwrap());
    let merge_time = t.elapsed();
    assert_eq!(merged, expected_json(&[&log], keywords));
    eprintln!(
        "10,000 parts: logcount-merge process {:.0} ms (in-run merge step {:.0} ms)",
        merge_time.as_secs_f64() * 1000.0,
        s["steps"][2]["wall_ms"].as_f64().unwrap()
    );
}
