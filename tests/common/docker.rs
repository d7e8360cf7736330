//! Runs a generated Argo workflow's templates as Docker containers, the way
//! a kubelet would run their pods: the YAML that `logcount workflow` prints is
//! parsed (PyYAML), and each container template becomes a `docker run` with
//! its image, command and env (parameters substituted, secret references
//! looked up in a test secret), resource limits (`--memory`, `--cpus`),
//! security context (`--user`, `--read-only`, `--cap-drop ALL`,
//! `no-new-privileges`) and volume mounts (the claim → a docker volume,
//! `emptyDir` → a tmpfs). Needs a Docker engine; [`available`] says why not.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// The Docker engine, or why the container tests cannot run: `Err` skips
/// loudly, and fails the test under `CI=true`.
pub fn available() -> Result<(), String> {
    match Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
    {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "no Docker engine ({})",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("no docker command ({e})")),
    }
}

/// Runs `docker args`, returning its output whatever its status.
pub fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running docker")
}

/// Runs `docker args`; panics with its stderr unless it succeeds; its stdout.
pub fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A name unique to this test process: `lc-<pid>-<n>-<what>`.
pub fn unique(what: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "lc-{}-{}-{what}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// Docker objects removed when dropped (containers, volumes, networks).
#[derive(Default)]
pub struct Cleanup {
    containers: Vec<String>,
    volumes: Vec<String>,
    networks: Vec<String>,
}

impl Cleanup {
    pub fn container(&mut self, name: &str) {
        self.containers.push(name.to_string());
    }
    pub fn volume(&mut self, name: &str) {
        self.volumes.push(name.to_string());
    }
    pub fn network(&mut self, name: &str) {
        self.networks.push(name.to_string());
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in &self.containers {
            docker(&["rm", "-f", "-v", c]);
        }
        for v in &self.volumes {
            docker(&["volume", "rm", "-f", v]);
        }
        for n in &self.networks {
            docker(&["network", "rm", n]);
        }
    }
}

/// A generated workflow, as JSON.
pub struct Workflow {
    pub doc: Value,
}

impl Workflow {
    /// Parses the YAML at `path` with PyYAML.
    pub fn parse(path: &Path) -> Result<Workflow, String> {
        let out = Command::new("python3")
            .args([
                "-c",
                "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
            ])
            .arg(path)
            .output()
            .map_err(|e| format!("no python3 ({e})"))?;
        if !out.status.success() {
            return Err(format!(
                "python3 with PyYAML could not read the workflow: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let doc = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
        Ok(Workflow { doc })
    }

    /// The workflow's parameters and their default values.
    pub fn params(&self) -> BTreeMap<String, String> {
        self.doc["spec"]["arguments"]["parameters"]
            .as_array()
            .expect("spec.arguments.parameters")
            .iter()
            .map(|p| {
                (
                    p["name"].as_str().unwrap().to_string(),
                    p["value"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The template named `name`.
    pub fn template(&self, name: &str) -> &Value {
        self.doc["spec"]["templates"]
            .as_array()
            .expect("spec.templates")
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no template {name}"))
    }

    /// The DAG's tasks in order: (task, template, the task it depends on,
    /// whether it fans out over that task's output).
    pub fn tasks(&self) -> Vec<(String, String, Option<String>, bool)> {
        let entry = self.doc["spec"]["entrypoint"].as_str().unwrap();
        let tasks = self.template(entry)["dag"]["tasks"].as_array().unwrap();
        tasks
            .iter()
            .map(|t| {
                let s = |k: &str| t[k].as_str().map(str::to_string);
                (
                    s("name").unwrap(),
                    s("template").unwrap(),
                    s("depends"),
                    t.get("withParam").is_some(),
                )
            })
            .collect()
    }

    /// The retry limit of template `name` (`retryStrategy.limit`).
    pub fn retries(&self, name: &str) -> u32 {
        let limit = &self.template(name)["retryStrategy"]["limit"];
        limit
            .as_str()
            .map(|s| s.parse().unwrap())
            .or(limit.as_u64().map(|n| n as u32))
            .unwrap_or(0)
    }

    /// The volume of the workflow named `name`.
    fn volume(&self, name: &str) -> &Value {
        self.doc["spec"]["volumes"]
            .as_array()
            .expect("spec.volumes")
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("no volume {name}"))
    }
}

/// What the cluster provides to the pods: the claim's docker volume, the
/// network, the secret, and env and options added on top of the template's
/// (a test's own knobs: the thread count, a slow node).
#[derive(Default, Clone)]
pub struct Cluster {
    pub claims: BTreeMap<String, String>,
    pub network: Option<String>,
    pub secret: BTreeMap<String, String>,
    pub extra_env: Vec<(String, String)>,
    /// `docker run` options added to every container (a slow node: `--cpus 0.1`).
    pub extra_args: Vec<String>,
}

/// A Kubernetes quantity in bytes (`512Mi`, `1Gi`, `256M`).
fn bytes(q: &str) -> u64 {
    let (num, unit) = q.split_at(q.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(q.len()));
    let n: f64 = num.parse().unwrap_or_else(|_| panic!("quantity {q}"));
    let mult = match unit {
        "" => 1.0,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        other => panic!("quantity unit {other}"),
    };
    (n * mult) as u64
}

/// A CPU quantity in CPUs (`500m`, `2`).
fn cpus(q: &str) -> String {
    match q.strip_suffix('m') {
        Some(milli) => format!("{}", milli.parse::<f64>().unwrap() / 1000.0),
        None => q.to_string(),
    }
}

/// The `docker run` arguments (after `run`) of template `name` as container
/// `container`, with `item` as its `part-id` input.
pub fn run_args(
    wf: &Workflow,
    name: &str,
    item: Option<&str>,
    cluster: &Cluster,
    container: &str,
) -> Vec<String> {
    let t = wf.template(name);
    let c = &t["container"];
    let params = wf.params();
    let substitute = |v: &str| {
        let mut v = v.to_string();
        for (k, value) in &params {
            v = v.replace(&format!("{{{{workflow.parameters.{k}}}}}"), value);
        }
        if let Some(item) = item {
            v = v.replace("{{inputs.parameters.part-id}}", item);
        }
        assert!(!v.contains("{{"), "unsubstituted {v}");
        v
    };
    let mut args: Vec<String> = vec!["--name".into(), container.into()];
    for e in c["env"].as_array().expect("env") {
        let var = e["name"].as_str().unwrap();
        let value = if let Some(v) = e["value"].as_str() {
            Some(substitute(v))
        } else {
            let r = &e["valueFrom"]["secretKeyRef"];
            let key = r["key"].as_str().expect("a secret key reference");
            match cluster.secret.get(key) {
                Some(v) => Some(v.clone()),
                None if r["optional"] == true => None,
                None => panic!("the pod needs {key} from the secret, which lacks it"),
            }
        };
        if let Some(v) = value {
            args.extend(["--env".into(), format!("{var}={v}")]);
        }
    }
    for (k, v) in &cluster.extra_env {
        args.extend(["--env".into(), format!("{k}={v}")]);
    }
    let limits = &c["resources"]["limits"];
    if let Some(m) = limits["memory"].as_str() {
        // No swap beyond the limit, as in a pod.
        let b = bytes(m).to_string();
        args.extend(["--memory".into(), b.clone(), "--memory-swap".into(), b]);
    }
    if let Some(cpu) = limits["cpu"].as_str() {
        args.extend(["--cpus".into(), cpus(cpu)]);
    }
    let sc = &c["securityContext"];
    if let Some(uid) = sc["runAsUser"].as_u64() {
        let gid = sc["runAsGroup"].as_u64().unwrap_or(uid);
        args.extend(["--user".into(), format!("{uid}:{gid}")]);
    }
    if sc["runAsNonRoot"] == true {
        assert_ne!(sc["runAsUser"].as_u64(), Some(0), "runAsNonRoot as root");
    }
    if sc["readOnlyRootFilesystem"] == true {
        args.push("--read-only".into());
    }
    if sc["allowPrivilegeEscalation"] == false {
        args.extend(["--security-opt".into(), "no-new-privileges".into()]);
    }
    for cap in sc["capabilities"]["drop"].as_array().into_iter().flatten() {
        args.extend(["--cap-drop".into(), cap.as_str().unwrap().to_string()]);
    }
    for mount in c["volumeMounts"].as_array().into_iter().flatten() {
        let path = mount["mountPath"].as_str().unwrap();
        let vol = wf.volume(mount["name"].as_str().unwrap());
        if vol.get("emptyDir").is_some() {
            args.extend(["--tmpfs".into(), format!("{path}:rw,mode=1777,size=64m")]);
        } else {
            let claim = vol["persistentVolumeClaim"]["claimName"].as_str().unwrap();
            let volume = cluster
                .claims
                .get(claim)
                .unwrap_or_else(|| panic!("no docker volume for claim {claim}"));
            args.extend([
                "--mount".into(),
                format!("type=volume,src={volume},dst={path}"),
            ]);
        }
    }
    args.extend(cluster.extra_args.iter().cloned());
    if let Some(net) = &cluster.network {
        args.extend(["--network".into(), net.clone()]);
    }
    // A pod's `command` replaces the image's entrypoint: its first word is docker's
    // `--entrypoint`, the rest come before the pod's `args`.
    let command: Vec<String> = c["command"]
        .as_array()
        .expect("a command")
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    args.extend(["--entrypoint".into(), command[0].clone()]);
    args.push(c["image"].as_str().unwrap().to_string());
    args.extend(command[1..].iter().cloned());
    args.extend(
        c["args"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| substitute(a.as_str().unwrap())),
    );
    args
}

/// Starts template `name` as container `container` (`docker run`, attached).
pub fn start(
    wf: &Workflow,
    name: &str,
    item: Option<&str>,
    cluster: &Cluster,
    container: &str,
) -> Child {
    let mut args = vec!["run".to_string()];
    args.extend(run_args(wf, name, item, cluster, container));
    Command::new("docker")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting docker run")
}

/// A finished container: its exit code, output, and whether the kernel
/// killed it for memory.
#[derive(Debug)]
pub struct Finished {
    pub code: i64,
    pub stdout: String,
    pub stderr: String,
    pub oom_killed: bool,
}

/// Waits for a container started by [`start`] and inspects it.
pub fn wait(child: Child, container: &str) -> Finished {
    let out = child.wait_with_output().expect("waiting for docker run");
    let state = docker_ok(&[
        "inspect",
        "-f",
        "{{.State.ExitCode}} {{.State.OOMKilled}}",
        container,
    ]);
    let (code, oom) = state.split_once(' ').expect("two fields");
    Finished {
        code: code.parse().unwrap(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        oom_killed: oom == "true",
    }
}

/// Whether a container is running.
pub fn running(container: &str) -> bool {
    docker(&["inspect", "-f", "{{.State.Running}}", container])
        .stdout
        .starts_with(b"true")
}

/// A docker volume over a fresh host directory (writable by the pods' user)
/// holding `input` as the reference's `log-count-data.txt`: the claim of a
/// volume-mode workflow.
pub fn volume_with(input: &Path, cl: &mut Cleanup) -> (String, tempfile::TempDir) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let data = dir.path().join(logcount::argo::DEFAULT_INPUT_NAME);
    // A hard link where it can be one: the 1 GiB input is not copied.
    if std::fs::hard_link(input, &data).is_err() {
        std::fs::copy(input, &data).unwrap();
    }
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o644)).unwrap();
    let name = unique("vol");
    let device = format!("device={}", dir.path().display());
    let opts = ["--opt", "type=none", "--opt", "o=bind", "--opt", &device];
    let mut args = vec!["volume", "create", "--driver", "local"];
    args.extend(opts);
    args.push(&name);
    docker_ok(&args);
    cl.volume(&name);
    (name, dir)
}

/// A cluster whose claim `claim` is the docker volume `volume`.
pub fn volume_cluster(claim: &str, volume: &str) -> Cluster {
    Cluster {
        claims: [(claim.to_string(), volume.to_string())].into(),
        ..Cluster::default()
    }
}
