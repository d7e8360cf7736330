//! Chaos: map tasks killed with SIGKILL at random instants, reruns and
//! concurrent duplicates. Every job that completes must give exactly the
//! naive count; every job that fails must fail loudly (non-zero exit, a
//! message naming the killed task) and leave no result behind; a rerun in the
//! same work prefix must then give the exact result.
//!
//! The randomness is a fixed-seed generator: a failure names its run, and
//! runs again the same way (up to the OS's scheduling).

use crate::common::s3::S3Server;
use logcount::engine::reference::count_one;
use logcount::keywords::Keywords;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// splitmix64: small, seeded, good enough to pick instants and victims.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn bin(name: &str) -> &'static str {
    match name {
        "logcount" => env!("CARGO_BIN_EXE_logcount"),
        "logcount-split" => env!("CARGO_BIN_EXE_logcount-split"),
        "logcount-count" => env!("CARGO_BIN_EXE_logcount-count"),
        "logcount-merge" => env!("CARGO_BIN_EXE_logcount-merge"),
        other => panic!("no binary {other}"),
    }
}

fn step(name: &str, env: &[(String, String)]) -> Command {
    let mut c = Command::new(bin(name));
    c.env_clear()
        .env("LOGCOUNT_LOG", "warn")
        .envs(env.iter().cloned())
        .stdin(Stdio::null());
    c
}

/// The children of `parent` whose command name is `name` (from /proc).
fn children_named(parent: u32, name: &str) -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces, so split at the last ')'.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = &stat[open + 1..close];
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(parent) && comm == name {
            out.push(pid);
        }
    }
    out
}

fn sigkill(pid: u32) {
    // The process may have exited meanwhile; that is fine.
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// Runs to completion with stdout/stderr in files (no pipe can fill up),
/// calling `tick` every few milliseconds while the process runs.
fn run_ticking(c: &mut Command, dir: &Path, mut tick: impl FnMut(u32)) -> Output {
    let (o, e) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = c
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap())
        .spawn()
        .unwrap();
    let t = Instant::now();
    let status: ExitStatus = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "{c:?} still running after 2 minutes"
        );
        tick(child.id());
    };
    Output {
        status,
        stdout: std::fs::read(o).unwrap(),
        stderr: std::fs::read(e).unwrap(),
    }
}

fn expected_json(data: &[u8]) -> String {
    let k = Keywords::default_set();
    let pairs: Vec<String> = k
        .names()
        .iter()
        .zip(k.as_bytes())
        .map(|(n, kw)| format!("\"{n}\":{}", count_one(data, kw)))
        .collect();
    format!("{{{}}}\n", pairs.join(","))
}

/// Where one chaos run reads and writes, and what it needs to get there.
struct Place {
    input: String,
    work: String,
    env: Vec<(String, String)>,
    /// Whether a result exists in the work prefix.
    has_result: Box<dyn Fn() -> bool>,
}

/// `runs` jobs through `logcount run --executor process`, killing running
/// map tasks at random instants. A third of the jobs run without retries,
/// so a kill must fail them; the others retry up to 3 times and at most 3
/// tasks are killed per job, so they must complete.
fn kill_map_tasks(runs: u64, place: impl Fn(u64, &[u8]) -> Place) {
    let scratch = tempfile::tempdir().unwrap();
    let bin_dir = Path::new(bin("logcount-count"))
        .parent()
        .unwrap()
        .to_path_buf();
    let (mut completed, mut failed, mut total_kills, mut survived_kills) = (0, 0, 0, 0);
    for i in 0..runs {
        let mut rng = Rng(1000 + i);
        let data = logcount::gen::generate(300_000 + rng.below(1_500_000), i);
        let want = expected_json(&data);
        let p = place(i, &data);
        let retries = if i % 3 == 0 { 0 } else { 3 };
        let parts = 3 + i % 6;
        let mut kills = 0;
        let mut cmd = step("logcount", &p.env);
        cmd.args(["run", "--executor", "process", "--jobs", "2"])
            .args([
                "--parts",
                &parts.to_string(),
                "--retries",
                &retries.to_string(),
            ])
            .args(["--input", &p.input, "--work", &p.work])
            .env("LOGCOUNT_BIN_DIR", &bin_dir);
        let o = run_ticking(&mut cmd, scratch.path(), |run_pid| {
            std::thread::sleep(Duration::from_micros(500 + rng.below(3000)));
            for pid in children_named(run_pid, "logcount-count") {
                if kills < 3 && rng.chance(25) {
                    sigkill(pid);
                    kills += 1;
                }
            }
        });
        total_kills += kills;
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        let ctx = format!("run {i} ({parts} parts, retries {retries}, {kills} kills)");
        assert!(!err.contains("panicked"), "{ctx}: {err}");
        if o.status.success() {
            completed += 1;
            survived_kills += kills;
            assert_eq!(
                String::from_utf8_lossy(&o.stdout),
                want,
                "{ctx}: a completed job must be exact"
            );
            assert!((p.has_result)(), "{ctx}: no result.json");
            continue;
        }
        // A failure: only ever caused by a kill, and loud.
        failed += 1;
        assert!(kills > 0, "{ctx}: failed without any task killed: {err}");
        assert_eq!(
            retries, 0,
            "{ctx}: with 3 retries, 3 kills must not fail the job: {err}"
        );
        assert_eq!(o.status.code(), Some(1), "{ctx}: {err}");
        assert!(
            err.contains("logcount-count") && err.contains("killed by signal 9"),
            "{ctx}: the message names the killed task: {err}"
        );
        assert!(o.stdout.is_empty(), "{ctx}");
        assert!(!(p.has_result)(), "{ctx}: a failed job left a result");
        // The same job again, in the same work prefix, with nothing killed.
        let o = run_ticking(&mut cmd, scratch.path(), |_| {
            std::thread::sleep(Duration::from_millis(2))
        });
        assert!(
            o.status.success(),
            "{ctx}: the rerun failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            want,
            "{ctx}: the rerun must be exact"
        );
    }
    eprintln!("{runs} jobs: {completed} completed, {failed} failed loudly; {total_kills} map tasks killed, {survived_kills} of them in completed jobs");
    assert!(
        total_kills >= runs / 2,
        "too few kills ({total_kills}) to test anything"
    );
    assert!(survived_kills > 0, "no job completed through a kill");
}

#[test]
fn killing_map_tasks_of_the_process_executor_on_local_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    kill_map_tasks(20, |i, data| {
        let input = root.join(format!("in{i}.log"));
        std::fs::write(&input, data).unwrap();
        let work = root.join(format!("w{i}"));
        let result = work.join("result.json");
        Place {
            input: input.display().to_string(),
            work: work.display().to_string(),
            env: Vec::new(),
            has_result: Box::new(move || result.exists()),
        }
    });
}

#[test]
fn killing_map_tasks_of_the_process_executor_on_the_s3_test_server() {
    let server = S3Server::shared();
    let bucket = server.create_bucket();
    let stores = server.stores();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let root = server.root.join(&bucket);
    kill_map_tasks(8, |i, data| {
        let input = format!("s3://{bucket}/in{i}.log");
        let loc = stores.open(&input).unwrap();
        rt.block_on(logcount::store::write_once(
            &loc,
            bytes::Bytes::copy_from_slice(data),
        ))
        .unwrap();
        let result = root.join(format!("w{i}/result.json"));
        Place {
            input,
            work: format!("s3://{bucket}/w{i}"),
            env: server.env(),
            has_result: Box::new(move || result.exists()),
        }
    });
}

/// A volume with `data` split into 2 parts, both counted; returns the work dir.
fn prepared(data: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("w");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("log-count-data.txt"), data).unwrap();
    let env = [("WORK_DIR".to_string(), work.display().to_string())];
    let o = step("logcount-split", &env)
        .env("NUM_PARTS", "2")
        .output()
        .unwrap();
    assert!(o.status.success());
    for id in ["0", "1"] {
        assert!(step("logcount-count", &env)
            .env("PART_ID", id)
            .output()
            .unwrap()
            .status
            .success());
    }
    (dir, work)
}

fn merge(work: &Path) -> Output {
    step(
        "logcount-merge",
        &[("WORK_DIR".into(), work.display().to_string())],
    )
    .output()
    .unwrap()
}

/// SIGKILL `logcount-count` at random instants of its run. Merge must then
/// refuse (the part's output is missing) unless the output was written
/// completely, in which case the result is exact; rerunning the killed count
/// then gives the exact result.
#[test]
fn a_count_killed_at_any_instant_leaves_nothing_merge_accepts() {
    let data = logcount::gen::generate(48 << 20, 77);
    let want = expected_json(&data);
    let (_dir, work) = prepared(&data);
    let out0 = work.join("count-output/0.json");
    let env = [("WORK_DIR".to_string(), work.display().to_string())];
    // How long one count of part 0 takes here, to spread the kills over it.
    let t = Instant::now();
    assert!(step("logcount-count", &env)
        .env("PART_ID", "0")
        .output()
        .unwrap()
        .status
        .success());
    let took = t.elapsed().as_micros() as u64;
    let mut rng = Rng(7);
    let (mut before, mut after) = (0, 0);
    for i in 0..16 {
        std::fs::remove_file(&out0).unwrap();
        let mut child = step("logcount-count", &env)
            .env("PART_ID", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = rng.below(took * 5 / 4 + 1);
        std::thread::sleep(Duration::from_micros(delay));
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        let m = merge(&work);
        let err = String::from_utf8_lossy(&m.stderr);
        let ctx = format!("kill {i} after {delay}us of ~{took}us ({status})");
        assert!(!err.contains("panicked"), "{ctx}: {err}");
        if out0.exists() {
            after += 1;
            assert!(
                m.status.success(),
                "{ctx}: a complete output must merge: {err}"
            );
            assert_eq!(String::from_utf8_lossy(&m.stdout), want, "{ctx}");
        } else {
            before += 1;
            assert_eq!(m.status.code(), Some(2), "{ctx}: {err}");
            assert!(
                err.contains("part 0") && err.contains("no count output"),
                "{ctx}: {err}"
            );
        }
        // Rerun the killed count: exact, whatever the kill left behind.
        assert!(step("logcount-count", &env)
            .env("PART_ID", "0")
            .output()
            .unwrap()
            .status
            .success());
        let m = merge(&work);
        assert!(
            m.status.success(),
            "{ctx}: after the rerun: {}",
            String::from_utf8_lossy(&m.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&m.stdout),
            want,
            "{ctx}: after the rerun"
        );
    }
    eprintln!("16 kills: {before} before the output was written, {after} after");
    assert!(before > 0, "no kill landed while counting");
}

/// Two counts of the same part at once (an Argo retry racing a slow pod):
/// both succeed, the output is one of theirs, whole, and the result exact.
#[test]
fn concurrent_duplicate_counts_give_a_valid_exact_output() {
    let data = logcount::gen::generate(24 << 20, 5);
    let want = expected_json(&data);
    let (_dir, work) = prepared(&data);
    let env = [("WORK_DIR".to_string(), work.display().to_string())];
    for round in 0..5 {
        let kids: Vec<_> = (0..3)
            .map(|_| {
                step("logcount-count", &env)
                    .env("PART_ID", "1")
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let printed: Vec<String> = kids
            .into_iter()
            .map(|k| {
                let o = k.wait_with_output().unwrap();
                assert!(o.status.success(), "round {round}");
                String::from_utf8(o.stdout).unwrap()
            })
            .collect();
        assert!(
            printed.windows(2).all(|w| w[0] == w[1]),
            "round {round}: {printed:?}"
        );
        let out: logcount::wire::CountOutput =
            serde_json::from_slice(&std::fs::read(work.join("count-output/1.json")).unwrap())
                .expect("a whole output");
        assert_eq!(out.part, "1");
        let m = merge(&work);
        assert!(
            m.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&m.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&m.stdout), want, "round {round}");
    }
    // Nothing but the two outputs in count-output/ (no temporary files left).
    let names: Vec<String> = std::fs::read_dir(work.join("count-output"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

/// Two runs in one work prefix, interleaved the worst way: run A splits and
/// counts, run B splits the same prefix and finishes, then A merges — which
/// would find B's manifest and B's count outputs, all consistent. A must
/// fail — never print B's totals as its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_never_merges_a_job_that_another_run_split() {
    use logcount::run::{run_in_process, Executor, InProcess, RunOptions};
    use logcount::spec::Counting;
    use logcount::steps::count::CountOptions;
    use logcount::steps::split::SplitOptions;
    let dir = tempfile::tempdir().unwrap();
    let (a_log, b_log) = (dir.path().join("a.log"), dir.path().join("b.log"));
    std::fs::write(&a_log, b"ERROR a\nERROR a\n").unwrap();
    std::fs::write(&b_log, b"INFO b\n").unwrap();
    let stores = logcount::store::Stores::new();
    let open = |p: &Path| stores.open(p.to_str().unwrap()).unwrap();
    let work = open(&dir.path().join("w"));
    let options = RunOptions {
        reduce: Default::default(),
        split: SplitOptions {
            parts: 2,
            counting: Counting::default(),
            materialize: false,
            ..Default::default()
        },
        count: CountOptions::default(),
        jobs: 2,
    };
    let a = InProcess::at(
        &stores,
        logcount::steps::split::Inputs::one(open(&a_log)),
        work.clone(),
        &options,
    );
    for part in a.split().await.unwrap() {
        a.count(&part.id).await.unwrap();
    }
    let b = run_in_process(&stores, &open(&b_log), &work, &options)
        .await
        .unwrap();
    assert_eq!(b.merged.result.get("INFO"), Some(1));
    let e = a.merge().await.unwrap_err();
    let msg = e.to_string();
    assert!(!e.is_transient(), "{msg}");
    assert!(msg.contains("another job split there"), "{msg}");
}

/// Whether `pid` is still running (gone, or a zombie waiting to be reaped, is not).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rfind(')')
            .and_then(|close| stat[close + 1..].split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// SIGKILL of `logcount run --executor process` while its counts run: no
/// destructor runs, yet no count lives on (each child dies with it), and an
/// immediate rerun in the same prefix gives the exact result.
#[test]
fn killing_the_orchestrator_kills_its_counts_and_a_rerun_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.log");
    let mut data = Vec::new();
    logcount::gen::write_log(&mut data, 24 << 20, 7).unwrap();
    std::fs::write(&input, &data).unwrap();
    let work = dir.path().join("w");
    let run = |block_size: &str| {
        let mut c = step("logcount", &[]);
        c.args([
            "run",
            "--executor",
            "process",
            "--parts",
            "4",
            "--jobs",
            "4",
        ])
        .arg("--input")
        .arg(&input)
        .arg("--work")
        .arg(&work)
        .args(["--block-size", block_size, "--fetch-concurrency", "1"])
        .env(
            "LOGCOUNT_BIN_DIR",
            Path::new(bin("logcount")).parent().unwrap(),
        );
        c
    };
    let mut counts = Vec::new();
    // One-byte reads: each count runs for seconds, long after its orchestrator is killed.
    let out = run_ticking(&mut run("1"), dir.path(), |pid| {
        if counts.is_empty() {
            counts = children_named(pid, "logcount-count");
            if !counts.is_empty() {
                sigkill(pid);
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    });
    assert!(!out.status.success());
    assert!(!counts.is_empty(), "no count was caught running");
    let t = Instant::now();
    while counts.iter().any(|&c| running(c)) {
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "counts {counts:?} outlived their orchestrator"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let again = run_ticking(&mut run("4MiB"), dir.path(), |_| {
        std::thread::sleep(Duration::from_millis(5))
    });
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&again.stdout), expected_json(&data));
}
