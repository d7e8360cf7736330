//! The DAG as containers, driven by the generated workflow itself: the YAML
//! that `logcount workflow` prints is run template by template as Docker
//! containers of the image `workloads/image.sh` builds (see
//! `common::docker`): split, then every count that split's stdout names, all
//! at once, then merge, each under the template's limits and security
//! context. Volume mode counts the reference's sample in a docker volume;
//! S3 mode reads from an S3 server in its own container on a private
//! network; a dataset of folders there is sized by bytes, grouped and
//! filtered. Faults end with the exact result after the retries the
//! workflow's `retryStrategy` allows: a count killed mid-part, the S3 server
//! cut off the network during counts (the counts exit 1 within the store's
//! retry bound), 64 counting threads in a 256 MiB container. A words job
//! runs the shuffle's DAG: split, the maps, the reducer list, a container per
//! reducer, then the final merge, checked against a word counter here.
//!
//! The images are built by the tests' own set-up, once per test binary
//! (`workloads/image.sh --s3-server`: a musl build, minutes from cold).
//! Without a Docker engine (or python3 with PyYAML) the tests skip loudly;
//! under `CI=true` they fail instead.

use crate::common::docker::{
    self, docker_ok, running, start, unique, volume_cluster, volume_with, wait, Cleanup, Cluster,
    Finished, Workflow,
};
use crate::common::{repo_root, seed_path, SEED_RESULT};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_logcount");
const S3_IMAGE: &str = "logcount-s3-server:test";
const CLAIM: &str = "logcount-data";
const SECRET: &str = "logcount-s3";
const ACCESS_KEY: &str = "logcount-container-key";
const SECRET_KEY: &str = "logcount-container-secret-5a4b3c";

/// The image under test (the workflow's default image), or why not.
fn images() -> &'static Result<String, String> {
    static BUILT: OnceLock<Result<String, String>> = OnceLock::new();
    BUILT.get_or_init(|| {
        docker::available()?;
        python_with_yaml()?;
        let tag = logcount::argo::default_image();
        let out = Command::new(repo_root().join("workloads/image.sh"))
            .args(["--s3-server", &tag])
            .output()
            .map_err(|e| format!("running workloads/image.sh: {e}"))?;
        if !out.status.success() {
            // An engine that cannot build the image is a broken image, not a skip.
            panic!(
                "workloads/image.sh failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(tag)
    })
}

fn python_with_yaml() -> Result<(), String> {
    match Command::new("python3").args(["-c", "import yaml"]).output() {
        Ok(o) if o.status.success() => Ok(()),
        _ => Err("no python3 with PyYAML to read the workflow (./test.sh installs it)".into()),
    }
}

/// The image, and a lock that runs the container tests one at a time (they
/// load the machine); `None` when they cannot run here (fails under CI=true).
fn ready(test: &str) -> Option<(String, std::sync::MutexGuard<'static, ()>)> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    match images() {
        Ok(tag) => Some((tag.clone(), guard)),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{test}: {why} (CI=true: the container tests must run)")
        }
        Err(why) => {
            eprintln!("SKIPPED {test}: {why}");
            None
        }
    }
}

/// The workflow `logcount workflow ARGS --image TAG` prints, parsed.
fn workflow(tag: &str, args: &[&str]) -> Workflow {
    let out = Command::new(BIN)
        .arg("workflow")
        .args(args)
        .args(["--image", tag])
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("workflow.yaml");
    std::fs::write(&path, &out.stdout).unwrap();
    Workflow::parse(&path).unwrap()
}

/// The template the DAG task of this kind runs: the first task, the one
/// fanned out over its output, the last.
fn templates(wf: &Workflow) -> (String, String, String) {
    let tasks = wf.tasks();
    assert_eq!(tasks.len(), 3, "{tasks:?}");
    assert_eq!(tasks[0].2, None);
    assert!(tasks[1].3 && tasks[1].2.as_deref() == Some(tasks[0].0.as_str()));
    assert_eq!(tasks[2].2.as_deref(), Some(tasks[1].0.as_str()));
    (tasks[0].1.clone(), tasks[1].1.clone(), tasks[2].1.clone())
}

/// A words workflow's templates, by the DAG task that runs each.
struct WordsDag {
    split: String,
    count: String,
    list: String,
    reduce: String,
    merge: String,
}

/// The templates of a words workflow's DAG, checked against its shape:
/// split; the maps over split's ids; the reducer list after split; the
/// reducers over the list's ids after both; the final merge after them.
fn words_templates(wf: &Workflow) -> WordsDag {
    let tasks = wf.tasks();
    let names: Vec<&str> = tasks.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(names, ["split", "map", "reducers", "reduce", "final"]);
    let depends: Vec<Option<&str>> = tasks.iter().map(|t| t.2.as_deref()).collect();
    assert_eq!(
        depends,
        [
            None,
            Some("split"),
            Some("split"),
            Some("map && reducers"),
            Some("reduce")
        ]
    );
    let fans: Vec<bool> = tasks.iter().map(|t| t.3).collect();
    assert_eq!(fans, [false, true, false, true, false]);
    let entry = wf.doc["spec"]["entrypoint"].as_str().unwrap();
    let dag = &wf.template(entry)["dag"]["tasks"];
    assert_eq!(dag[1]["withParam"], "{{tasks.split.outputs.result}}");
    assert_eq!(dag[3]["withParam"], "{{tasks.reducers.outputs.result}}");
    let t = |i: usize| tasks[i].1.clone();
    WordsDag {
        split: t(0),
        count: t(1),
        list: t(2),
        reduce: t(3),
        merge: t(4),
    }
}

/// The workflow with template `t`'s input parameters bound to `item`, as
/// Argo substitutes `{{inputs.parameters.NAME}}` in a fanned-out task's pod
/// (the reduce template's `reducer-id`).
fn bound(wf: &Workflow, t: &str, item: &str) -> Workflow {
    let mut doc = wf.doc.clone();
    let templates = doc["spec"]["templates"].as_array_mut().unwrap();
    let template = templates.iter_mut().find(|x| x["name"] == t).unwrap();
    let inputs: Vec<String> = template["inputs"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("template {t} has no inputs"))
        .iter()
        .map(|p| format!("{{{{inputs.parameters.{}}}}}", p["name"].as_str().unwrap()))
        .collect();
    fn substitute(v: &mut Value, placeholders: &[String], item: &str) {
        match v {
            Value::String(s) => {
                for p in placeholders {
                    *s = s.replace(p, item);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|v| substitute(v, placeholders, item)),
            Value::Object(o) => o
                .values_mut()
                .for_each(|v| substitute(v, placeholders, item)),
            _ => {}
        }
    }
    substitute(&mut template["container"], &inputs, item);
    Workflow { doc }
}

/// Runs template `t` once per item, all at once (each bound to its item).
fn fan_out(
    wf: &Workflow,
    t: &str,
    items: &[String],
    c: &Cluster,
    cl: &mut Cleanup,
) -> Vec<Finished> {
    let started: Vec<_> = items
        .iter()
        .map(|item| {
            let name = unique(t);
            cl.container(&name);
            (start(&bound(wf, t, item), t, None, c, &name), name)
        })
        .collect();
    started
        .into_iter()
        .map(|(child, name)| wait(child, &name))
        .collect()
}

/// Runs one template to the end (a container of its own).
fn run_one(wf: &Workflow, t: &str, item: Option<&str>, c: &Cluster, cl: &mut Cleanup) -> Finished {
    let name = unique(t);
    cl.container(&name);
    let f = wait(start(wf, t, item, c, &name), &name);
    assert!(!f.oom_killed, "{t} was OOM-killed: {}", f.stderr);
    f
}

/// Runs the counts of `ids` all at once; returns each one's result.
fn count_all(
    wf: &Workflow,
    t: &str,
    ids: &[String],
    c: &Cluster,
    cl: &mut Cleanup,
    during: impl FnOnce(&[String]),
) -> Vec<Finished> {
    let names: Vec<String> = ids.iter().map(|_| unique(t)).collect();
    let children: Vec<_> = ids
        .iter()
        .zip(&names)
        .map(|(id, name)| {
            cl.container(name);
            start(wf, t, Some(id), c, name)
        })
        .collect();
    during(&names);
    children
        .into_iter()
        .zip(&names)
        .map(|(child, name)| wait(child, name))
        .collect()
}

/// Retries the failed counts, as the workflow's retryStrategy would, until
/// every one succeeded; panics when the retries run out.
fn retry_failed(
    wf: &Workflow,
    t: &str,
    ids: &[String],
    first: Vec<Finished>,
    c: &Cluster,
    cl: &mut Cleanup,
) {
    let limit = wf.retries(t);
    for (id, mut f) in ids.iter().zip(first) {
        let mut retries = 0;
        while f.code != 0 {
            assert!(!f.oom_killed, "count {id} was OOM-killed");
            assert!(
                retries < limit,
                "count {id} failed after {limit} retries: {}",
                f.stderr
            );
            retries += 1;
            f = run_one(wf, t, Some(id), c, cl);
        }
    }
}

/// Split, every count at once, merge: the merge's result.
fn run_dag(wf: &Workflow, c: &Cluster, cl: &mut Cleanup) -> Value {
    let (split, count, merge) = templates(wf);
    let ids = split_ids(wf, &split, c, cl);
    let counted = count_all(wf, &count, &ids, c, cl, |_| {});
    for (id, f) in ids.iter().zip(&counted) {
        assert_eq!(f.code, 0, "count {id}: {}", f.stderr);
    }
    merged(wf, &merge, c, cl)
}

fn split_ids(wf: &Workflow, split: &str, c: &Cluster, cl: &mut Cleanup) -> Vec<String> {
    let f = run_one(wf, split, None, c, cl);
    assert_eq!(f.code, 0, "split: {}", f.stderr);
    serde_json::from_str(f.stdout.trim())
        .unwrap_or_else(|e| panic!("split printed {:?}: {e}", f.stdout))
}

fn merged(wf: &Workflow, merge: &str, c: &Cluster, cl: &mut Cleanup) -> Value {
    let f = run_one(wf, merge, None, c, cl);
    assert_eq!(f.code, 0, "merge: {}", f.stderr);
    serde_json::from_str(f.stdout.trim()).unwrap()
}

/// Writes a generated log (`logcount gen ARGS --out PATH`).
fn generate(path: &Path, args: &[&str]) {
    let st = Command::new(BIN)
        .arg("gen")
        .args(args)
        .arg("--out")
        .arg(path)
        .status()
        .unwrap();
    assert!(st.success());
}

/// `logcount run` on the host: the expected result.
fn oracle(input: &Path) -> Value {
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["run", "--parts", "2", "--input"])
        .arg(input)
        .arg("--work")
        .arg(work.path())
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A generated 1 GiB log (kept in the target directory between runs) and
/// its expected result, made once.
fn big_log() -> &'static (PathBuf, Value) {
    static BIG: OnceLock<(PathBuf, Value)> = OnceLock::new();
    BIG.get_or_init(|| {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("containers-1gib-seed7.log");
        if !path.exists() {
            generate(&path, &["--size", "1GiB", "--seed", "7"]);
        }
        let want = oracle(&path);
        (path, want)
    })
}

#[test]
fn the_image_is_small_static_and_non_root() {
    let Some((tag, _guard)) = ready("the_image_is_small_static_and_non_root") else {
        return;
    };
    let size: u64 = docker_ok(&["image", "inspect", "-f", "{{.Size}}", &tag])
        .parse()
        .unwrap();
    assert!(size <= 15 << 20, "the image is {size} bytes, over 15 MiB");
    let user = docker_ok(&["image", "inspect", "-f", "{{.Config.User}}", &tag]);
    assert_eq!(user, format!("{0}:{0}", logcount::argo::NONROOT_UID));
    // Each name is the program it names (no shell in the image: run them directly).
    let mut cl = Cleanup::default();
    for (name, want) in [
        ("logcount-split", "The split step"),
        ("logcount-count", "The count step"),
        ("logcount-merge", "The merge step"),
        ("logcount-reduce", "The reduce step"),
        ("logcount", "Count keywords in big logs"),
    ] {
        let c = unique("help");
        cl.container(&c);
        let out = docker_ok(&["run", "--name", &c, "--entrypoint", name, &tag, "--help"]);
        assert!(out.contains(want), "{name} --help: {out}");
    }
}

#[test]
fn volume_mode_counts_the_reference_sample() {
    let Some((tag, _guard)) = ready("volume_mode_counts_the_reference_sample") else {
        return;
    };
    let mut cl = Cleanup::default();
    let seed = seed_path();
    let gen_dir = tempfile::tempdir().unwrap();
    let (input, want) = if seed.exists() {
        let want: serde_json::Map<String, Value> = SEED_RESULT
            .iter()
            .map(|(k, v)| (k.to_string(), Value::from(*v)))
            .collect();
        (seed, Value::Object(want))
    } else {
        eprintln!(
            "NOTE: the reference sample {} is absent; counting a generated log instead",
            seed.display()
        );
        let p = gen_dir.path().join("gen.log");
        generate(&p, &["--size", "4MiB"]);
        let want = oracle(&p);
        (p, want)
    };
    let (volume, dir) = volume_with(&input, &mut cl);
    let wf = workflow(&tag, &["--volume-claim", CLAIM]);
    let result = run_dag(&wf, &volume_cluster(CLAIM, &volume), &mut cl);
    assert_eq!(result, want);
    // The pods wrote result.json into the volume, as the non-root user.
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir.path().join("result.json")).unwrap();
    assert_eq!(meta.uid(), logcount::argo::NONROOT_UID);
}

/// An S3 server in its own container, on a private network of its own,
/// reachable from the host on a loopback port (to put the input).
struct S3 {
    network: String,
    server: String,
    endpoint_on_host: String,
    _root: tempfile::TempDir,
}

impl S3 {
    fn start(cl: &mut Cleanup) -> S3 {
        let network = unique("net");
        docker_ok(&["network", "create", &network]);
        cl.network(&network);
        // s3s-fs keeps a bucket as a directory of its root: the buckets are made here.
        let root = tempfile::tempdir().unwrap();
        for bucket in ["input", "work"] {
            std::fs::create_dir(root.path().join(bucket)).unwrap();
        }
        let data = format!("{}:/data", root.path().display());
        let server = unique("s3");
        cl.container(&server);
        docker_ok(&[
            "run",
            "-d",
            "--name",
            &server,
            "--network",
            &network,
            "--network-alias",
            "s3",
            "--env",
            &format!("AWS_ACCESS_KEY_ID={ACCESS_KEY}"),
            "--env",
            &format!("AWS_SECRET_ACCESS_KEY={SECRET_KEY}"),
            "--volume",
            &data,
            "--publish",
            "127.0.0.1::9000",
            S3_IMAGE,
        ]);
        let port = docker_ok(&["port", &server, "9000/tcp"]);
        let port = port
            .lines()
            .next()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .to_string();
        S3 {
            network,
            server,
            endpoint_on_host: format!("http://127.0.0.1:{port}"),
            _root: root,
        }
    }

    /// The secret of the workflow's references: what a cluster admin would put in it.
    fn secret() -> std::collections::BTreeMap<String, String> {
        [
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", "http://s3:9000"),
            ("AWS_ALLOW_HTTP", "true"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// Puts `input` at s3://input/logs/app.log, through the API (the server
    /// then keeps its ETag rather than hashing the file at every read).
    fn put_input(&self, input: &Path) {
        self.put("s3://input/logs/app.log", input);
    }

    /// Puts the file `input` at `url`, through the API.
    fn put(&self, url: &str, input: &Path) {
        let mut vars: Vec<(String, String)> = S3::secret().into_iter().collect();
        vars.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
        vars.push(("AWS_ENDPOINT_URL".into(), self.endpoint_on_host.clone()));
        let stores = logcount::store::Stores::with_config(
            logcount::store_config::StoreConfig::from_vars(vars),
        );
        let rt = tokio::runtime::Runtime::new().unwrap();
        let data = std::fs::read(input).unwrap();
        let loc = stores.open(url).unwrap();
        rt.block_on(logcount::store::write_once(&loc, bytes::Bytes::from(data)))
            .unwrap();
    }

    fn cluster(&self) -> Cluster {
        Cluster {
            network: Some(self.network.clone()),
            secret: S3::secret(),
            ..Cluster::default()
        }
    }
}

fn s3_workflow(tag: &str, parts: &str) -> Workflow {
    workflow(
        tag,
        &[
            "--s3-secret",
            SECRET,
            "--input",
            "s3://input/logs/app.log",
            "--work",
            "s3://work/run/",
            "--parts",
            parts,
        ],
    )
}

#[test]
fn s3_mode_reads_from_a_server_in_its_own_container() {
    let Some((tag, _guard)) = ready("s3_mode_reads_from_a_server_in_its_own_container") else {
        return;
    };
    let mut cl = Cleanup::default();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("app.log");
    generate(&input, &["--size", "32MiB"]);
    let s3 = S3::start(&mut cl);
    s3.put_input(&input);
    let wf = s3_workflow(&tag, "4");
    assert_eq!(run_dag(&wf, &s3.cluster(), &mut cl), oracle(&input));
}

/// A dataset of folders in S3, sized by bytes, grouped by folder and
/// filtered, as the generated workflow passes those options to split: as
/// many map pods as the bytes need (from split's output alone), the totals
/// of `logcount run` on the host, and `groups.json` per folder.
#[test]
fn a_dataset_sized_by_bytes_grouped_and_filtered_runs_as_containers() {
    let test = "a_dataset_sized_by_bytes_grouped_and_filtered_runs_as_containers";
    let Some((tag, _guard)) = ready(test) else {
        return;
    };
    let mut cl = Cleanup::default();
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let files = [
        ("api/a.log", "11MiB", 1),
        ("api/b.log", "7MiB", 2),
        ("db/c.log", "5MiB", 3),
    ];
    for (key, size, seed) in files {
        let path = logs.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        generate(&path, &["--size", size, "--seed", &seed.to_string()]);
    }
    std::fs::write(logs.join("api/_SUCCESS"), "ERROR marker\n").unwrap();
    let s3 = S3::start(&mut cl);
    for key in ["api/a.log", "api/b.log", "db/c.log", "api/_SUCCESS"] {
        s3.put(&format!("s3://input/logs/{key}"), &logs.join(key));
    }
    let part_size = 8u64 << 20;
    let wf = workflow(
        &tag,
        &[
            "--s3-secret",
            SECRET,
            "--input",
            "s3://input/logs/",
            "--work",
            "s3://work/run/",
            "--part-size",
            "8MiB",
            "--group-by",
            "dir",
            "--exclude",
            "_SUCCESS",
        ],
    );
    let bytes = |keys: &[&str]| -> u64 {
        keys.iter()
            .map(|k| std::fs::metadata(logs.join(k)).unwrap().len())
            .sum()
    };
    let (api, db) = (bytes(&["api/a.log", "api/b.log"]), bytes(&["db/c.log"]));
    let (split, count, merge) = templates(&wf);
    let c = s3.cluster();
    let ids = split_ids(&wf, &split, &c, &mut cl);
    assert_eq!(
        ids.len() as u64,
        api.div_ceil(part_size) + db.div_ceil(part_size),
        "{ids:?}"
    );
    let counted = count_all(&wf, &count, &ids, &c, &mut cl, |_| {});
    for (id, f) in ids.iter().zip(&counted) {
        assert_eq!(f.code, 0, "count {id}: {}", f.stderr);
    }
    let result = merged(&wf, &merge, &c, &mut cl);
    // The same dataset and filter on the host.
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("run")
        .arg(format!("{}/", logs.display()))
        .args(["--exclude", "_SUCCESS", "--format", "json", "--work"])
        .arg(work.path())
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result, want);
    let groups: Value = serde_json::from_slice(
        &std::fs::read(s3._root.path().join("work/run/groups.json")).unwrap(),
    )
    .unwrap();
    let groups = groups["groups"].as_array().unwrap();
    let names: Vec<&str> = groups
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["api", "db"]);
    assert_eq!(groups[0]["bytes"], api);
    assert_eq!(groups[1]["bytes"], db);
    assert_eq!(groups[0]["parts"], api.div_ceil(part_size));
    for k in ["INFO", "WARN", "ERROR", "DEBUG"] {
        let sum: u64 = groups
            .iter()
            .map(|g| g["counts"][k].as_u64().unwrap())
            .sum();
        assert_eq!(
            Value::from(sum),
            result[k],
            "{k}: the groups add up to the totals"
        );
    }
}

#[test]
fn counts_cut_off_from_the_s3_server_exit_1_in_bounded_time_then_retry_to_the_result() {
    let test = "counts_cut_off_from_the_s3_server_exit_1_in_bounded_time_then_retry_to_the_result";
    let Some((tag, _guard)) = ready(test) else {
        return;
    };
    let mut cl = Cleanup::default();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("app.log");
    generate(&input, &["--size", "64MiB"]);
    let s3 = S3::start(&mut cl);
    s3.put_input(&input);
    let wf = s3_workflow(&tag, "3");
    let (split, count, merge) = templates(&wf);
    let mut c = s3.cluster();
    let ids = split_ids(&wf, &split, &c, &mut cl);
    // The store's retry bound, shortened from its defaults (60 s a request,
    // 120 s in all) to keep the test short: the bound asserted is this one.
    let (per_request, overall) = (5, 20);
    c.extra_env = vec![
        ("LOGCOUNT_STORE_TIMEOUT".into(), format!("{per_request}s")),
        ("LOGCOUNT_STORE_RETRY_TIMEOUT".into(), format!("{overall}s")),
    ];
    let started = Instant::now();
    let counted = count_all(&wf, &count, &ids, &c, &mut cl, |_| {
        docker_ok(&["network", "disconnect", &s3.network, &s3.server]);
    });
    let elapsed = started.elapsed();
    for (id, f) in ids.iter().zip(&counted) {
        let last = f.stderr.trim().lines().last().unwrap_or("");
        eprintln!(
            "count {id} cut off, exit {} after {elapsed:?}: {last}",
            f.code
        );
        assert_eq!(f.code, 1, "count {id} cut off from storage: {}", f.stderr);
        assert!(f.stderr.contains("error"), "{}", f.stderr);
    }
    // Container start-up and the last request's timeout on top of the retry bound.
    let bound = Duration::from_secs(overall + per_request + 20);
    assert!(
        elapsed < bound,
        "the counts took {elapsed:?}, over {bound:?}"
    );
    // Back on the network: the retries the workflow allows finish the job.
    docker_ok(&[
        "network",
        "connect",
        "--alias",
        "s3",
        &s3.network,
        &s3.server,
    ]);
    retry_failed(&wf, &count, &ids, counted, &c, &mut cl);
    assert_eq!(merged(&wf, &merge, &c, &mut cl), oracle(&input));
}

#[test]
fn a_count_killed_mid_part_is_retried_to_the_exact_result() {
    let Some((tag, _guard)) = ready("a_count_killed_mid_part_is_retried_to_the_exact_result")
    else {
        return;
    };
    let mut cl = Cleanup::default();
    let (input, want) = big_log();
    let (volume, dir) = volume_with(input, &mut cl);
    let wf = workflow(&tag, &["--volume-claim", CLAIM, "--parts", "2"]);
    let (split, count, merge) = templates(&wf);
    let mut c = volume_cluster(CLAIM, &volume);
    let ids = split_ids(&wf, &split, &c, &mut cl);
    // A slow node (a tenth of a CPU): the 512 MiB part takes seconds, so the
    // kill lands mid-part.
    c.extra_args = vec!["--cpus".into(), "0.1".into()];
    let counted = count_all(&wf, &count, &ids, &c, &mut cl, |names| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !running(&names[0]) {
            assert!(Instant::now() < deadline, "the count never started");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(300));
        docker_ok(&["kill", &names[0]]);
    });
    assert_eq!(
        counted[0].code, 137,
        "the killed count: {}",
        counted[0].stderr
    );
    let killed = dir.path().join(logcount::wire::count_output_file(&ids[0]));
    assert!(!killed.exists(), "the killed count had finished");
    c.extra_args.clear();
    retry_failed(&wf, &count, &ids, counted, &c, &mut cl);
    assert_eq!(&merged(&wf, &merge, &c, &mut cl), want);
}

#[test]
fn sixty_four_threads_count_1gib_in_256mib_without_oom() {
    let Some((tag, _guard)) = ready("sixty_four_threads_count_1gib_in_256mib_without_oom") else {
        return;
    };
    let mut cl = Cleanup::default();
    let (input, want) = big_log();
    let (volume, _dir) = volume_with(input, &mut cl);
    let wf = workflow(
        &tag,
        &[
            "--volume-claim",
            CLAIM,
            "--parts",
            "1",
            "--map-memory",
            "256Mi",
        ],
    );
    let (split, count, merge) = templates(&wf);
    assert_eq!(
        wf.template(&count)["container"]["resources"]["limits"]["memory"],
        "256Mi"
    );
    let mut c = volume_cluster(CLAIM, &volume);
    let ids = split_ids(&wf, &split, &c, &mut cl);
    c.extra_env = vec![(logcount::spec::env::RAYON_NUM_THREADS.into(), "64".into())];
    let counted = count_all(&wf, &count, &ids, &c, &mut cl, |_| {});
    for f in &counted {
        assert!(!f.oom_killed, "OOM-killed: {}", f.stderr);
        assert_eq!(f.code, 0, "{}", f.stderr);
    }
    c.extra_env.clear();
    assert_eq!(&merged(&wf, &merge, &c, &mut cl), want);
}

/// Words: `bytes.lower().split()` counted, as Python's `collections.Counter`
/// does (ASCII whitespace, ASCII lowering): every word and its count.
fn word_counter(data: &[u8]) -> std::collections::HashMap<Vec<u8>, u64> {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let mut counts = std::collections::HashMap::new();
    for w in data.split(space).filter(|w| !w.is_empty()) {
        *counts.entry(w.to_ascii_lowercase()).or_insert(0u64) += 1;
    }
    counts
}

/// A words job with three reducers through the containers, as Argo runs the
/// words DAG: split (which records `REDUCERS` from the workflow's
/// parameter), four maps at once with the reducer list beside them, a
/// reducer per listed id, then the final merge. The result and the printed
/// top words are the counter's, and the reducers' `words/<r>.tsv` together
/// are every word with its count, each in the reducer its hash names.
#[test]
fn a_words_job_shuffles_through_three_reducers_as_containers() {
    let test = "a_words_job_shuffles_through_three_reducers_as_containers";
    let Some((tag, _guard)) = ready(test) else {
        return;
    };
    let mut cl = Cleanup::default();
    let seed = seed_path();
    let gen_dir = tempfile::tempdir().unwrap();
    let input = if seed.exists() {
        seed
    } else {
        eprintln!(
            "NOTE: the reference sample {} is absent; counting a generated log instead",
            seed.display()
        );
        let p = gen_dir.path().join("gen.log");
        generate(&p, &["--size", "4MiB"]);
        p
    };
    let top = 25;
    let (volume, dir) = volume_with(&input, &mut cl);
    let wf = workflow(
        &tag,
        &[
            "--volume-claim",
            CLAIM,
            "--mode",
            "words",
            "--reducers",
            "3",
            "--parts",
            "4",
            "--top",
            &top.to_string(),
        ],
    );
    assert_eq!(wf.params()["reducers"], "3");
    let dag = words_templates(&wf);
    let c = volume_cluster(CLAIM, &volume);

    let parts = split_ids(&wf, &dag.split, &c, &mut cl);
    assert_eq!(parts.len(), 4, "{parts:?}");
    // The reducer list needs only split's manifest: it runs beside the maps.
    let mut list_cl = Cleanup::default();
    let mut listed = None;
    let counted = count_all(&wf, &dag.count, &parts, &c, &mut cl, |_| {
        listed = Some(run_one(&wf, &dag.list, None, &c, &mut list_cl));
    });
    for (id, f) in parts.iter().zip(&counted) {
        assert_eq!(f.code, 0, "map {id}: {}", f.stderr);
    }
    let listed = listed.unwrap();
    assert_eq!(listed.code, 0, "reducers --list: {}", listed.stderr);
    let reducers: Vec<String> = serde_json::from_str(listed.stdout.trim())
        .unwrap_or_else(|e| panic!("reducers --list printed {:?}: {e}", listed.stdout));
    assert_eq!(reducers, ["0", "1", "2"]);
    // Each map wrote one sorted partition per reducer.
    for part in &parts {
        for r in 0..3 {
            let f = logcount::wire::word_run::shuffle_file(part, r);
            assert!(dir.path().join(&f).is_file(), "no {f}");
        }
    }

    let reduced = fan_out(&wf, &dag.reduce, &reducers, &c, &mut cl);
    for (r, f) in reducers.iter().zip(&reduced) {
        assert_eq!(f.code, 0, "reducer {r}: {}", f.stderr);
    }
    let last = run_one(&wf, &dag.merge, None, &c, &mut cl);
    assert_eq!(last.code, 0, "final: {}", last.stderr);

    // The oracle: every word's count, most frequent first, ties by bytes.
    let data = std::fs::read(&input).unwrap();
    let counter = word_counter(&data);
    let mut ranked: Vec<(&Vec<u8>, u64)> = counter.iter().map(|(w, &n)| (w, n)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let want: Vec<(String, u64)> = ranked
        .iter()
        .take(top)
        .map(|(w, n)| (logcount::words::encode_word(w).into_owned(), *n))
        .collect();
    // result.json: the top words, in order.
    let result: logcount::wire::KeywordCounts =
        serde_json::from_slice(&std::fs::read(dir.path().join("result.json")).unwrap()).unwrap();
    assert_eq!(result.0, want, "result.json against the counter");
    // The final step prints them as `word count` lines.
    let mut lines = Vec::new();
    for (w, n) in ranked.iter().take(top) {
        lines.extend_from_slice(w);
        lines.extend_from_slice(format!(" {n}\n").as_bytes());
    }
    assert_eq!(
        last.stdout,
        String::from_utf8_lossy(&lines),
        "final's stdout"
    );
    // words.json: the totals of the whole vocabulary.
    let summary: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("words.json")).unwrap()).unwrap();
    assert_eq!(summary["reducers"], 3);
    assert_eq!(summary["distinct"], counter.len());
    assert_eq!(summary["occurrences"], counter.values().sum::<u64>());
    // The reducers' files together: every word once, with its whole count.
    let mut union = std::collections::HashMap::new();
    for r in 0..3u32 {
        let path = dir
            .path()
            .join(logcount::wire::word_run::reducer_words_file(r));
        let tsv = std::fs::read(&path).unwrap();
        for line in tsv.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let tab = line.iter().rposition(|&b| b == b'\t').expect("word\tcount");
            let (word, n) = (&line[..tab], &line[tab + 1..]);
            let n: u64 = std::str::from_utf8(n).unwrap().parse().unwrap();
            assert_eq!(
                logcount::shuffle::partition(word, 3),
                r,
                "{:?} in reducer {r}",
                String::from_utf8_lossy(word)
            );
            assert!(
                union.insert(word.to_vec(), n).is_none(),
                "{:?} twice",
                String::from_utf8_lossy(word)
            );
        }
    }
    assert_eq!(union.len(), counter.len(), "distinct words in words/*.tsv");
    assert!(union == counter, "words/*.tsv differ from the counter");
    // The pods wrote the result into the volume, as the non-root user.
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir.path().join("result.json")).unwrap();
    assert_eq!(meta.uid(), logcount::argo::NONROOT_UID);
}
