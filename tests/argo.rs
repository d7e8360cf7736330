//! The generated Argo workflows: the checked-in files under workloads/argo/
//! are exactly what `logcount workflow` prints; every one passes Argo's JSON
//! schema strictly (no unknown keys) with DAG checks; the validator really
//! rejects broken workflows; YAML parses back to what the generator built.
//!
//! The schema and validator are read from `../shared/argo/` (or `ARGO_SCHEMA`
//! for the schema, `ARGO_VALIDATE` for the validator) and need
//! `pip install jsonschema pyyaml` (./test.sh installs them). Without them
//! these checks print why they skip.
//!
//! Regenerate the checked-in files after changing the generator:
//! `LOGCOUNT_BLESS=1 cargo test --release --test tests argo::`.

use logcount::argo::{workflow, Storage, WorkflowOptions};
use logcount::spec::dataset::{Filters, GroupBy, Sizing};
use logcount::spec::Counting;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_logcount");
const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../workloads/argo");
const CLAIM: &str = "logcount-data";
const SECRET: &str = "logcount-s3";
const S3_INPUT: &str = "s3://logcount-input/logs/";
const S3_WORK: &str = "s3://logcount-work/run/";

/// Every checked-in workflow: file, `logcount workflow` arguments, the same as options.
fn cases() -> Vec<(&'static str, Vec<&'static str>, WorkflowOptions)> {
    let vol = WorkflowOptions::new(Storage::Volume {
        claim: CLAIM.into(),
    });
    let s3 = WorkflowOptions {
        input: Some(S3_INPUT.into()),
        work: Some(S3_WORK.into()),
        sizing: Sizing::Parts(100),
        ..WorkflowOptions::new(Storage::ObjectStore {
            secret: SECRET.into(),
        })
    };
    let s3_args = vec![
        "--s3-secret",
        SECRET,
        "--input",
        S3_INPUT,
        "--work",
        S3_WORK,
        "--parts",
        "100",
    ];
    let with = |mut a: Vec<&'static str>, extra: &'static str| {
        a.push(extra);
        a
    };
    vec![
        (
            "workflow-volume.yaml",
            vec!["--volume-claim", CLAIM],
            vol.clone(),
        ),
        (
            "template-volume.yaml",
            vec!["--volume-claim", CLAIM, "--template"],
            WorkflowOptions {
                template: true,
                ..vol.clone()
            },
        ),
        (
            "workflow-volume-artifact.yaml",
            vec!["--volume-claim", CLAIM, "--result-artifact"],
            WorkflowOptions {
                result_artifact: true,
                ..vol.clone()
            },
        ),
        // Words: the number of reducers left to split (from the input's size).
        (
            "workflow-volume-words.yaml",
            vec!["--volume-claim", CLAIM, "--mode", "words"],
            WorkflowOptions {
                counting: Counting::words(),
                ..vol
            },
        ),
        ("workflow-s3.yaml", s3_args.clone(), s3.clone()),
        (
            "workflow-s3-by-size.yaml",
            vec![
                "--s3-secret",
                SECRET,
                "--input",
                S3_INPUT,
                "--work",
                S3_WORK,
                "--part-size",
                "1GiB",
                "--max-parts",
                "2000",
                "--group-by",
                "dir:1",
                "--include",
                "*.log",
                "--include",
                "*.gz",
                "--exclude",
                "_SUCCESS",
            ],
            WorkflowOptions {
                sizing: Sizing::PartSize {
                    part_size: 1 << 30,
                    max_parts: 2000,
                },
                group_by: Some("dir:1".parse::<GroupBy>().unwrap()),
                filters: Filters::new(&["*.log".into(), "*.gz".into()], &["_SUCCESS".into()])
                    .unwrap(),
                ..s3.clone()
            },
        ),
        (
            "template-s3.yaml",
            with(s3_args.clone(), "--template"),
            WorkflowOptions {
                template: true,
                ..s3.clone()
            },
        ),
        // Words: a fixed number of reducers, the top 100 words, numbers and addresses normalized.
        (
            "workflow-s3-words.yaml",
            [
                s3_args,
                vec!["--mode", "words", "--reducers", "8", "--top", "100"],
                vec!["--normalize", "ip,digits"],
            ]
            .concat(),
            WorkflowOptions {
                counting: Counting::words()
                    .with_normalize("digits,ip".parse().unwrap())
                    .unwrap(),
                reducers: Some(8),
                top: Some(100),
                ..s3
            },
        ),
    ]
}

/// Runs `logcount workflow` without the environment fallbacks of its flags.
fn logcount_workflow(args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("workflow").args(args);
    for var in [
        "LOGCOUNT_IMAGE",
        "NUM_PARTS",
        "PART_SIZE",
        "MAX_PARTS",
        "GROUP_BY",
        "LOGCOUNT_INCLUDE",
        "LOGCOUNT_EXCLUDE",
        "LOGCOUNT_VOLUME_CLAIM",
        "LOGCOUNT_S3_SECRET",
        "LOGCOUNT_MAX_PARALLEL",
        "LOGCOUNT_RETRIES",
        "KEYWORDS",
        "INPUT",
        "WORK_DIR",
        "LOGCOUNT_WORKFLOW_NAME",
        "LOGCOUNT_MAP_CPU",
        "LOGCOUNT_MAP_MEMORY",
        "LOGCOUNT_MODE",
        "LOGCOUNT_NORMALIZE",
        "LOGCOUNT_TOP",
        "REDUCERS",
    ] {
        cmd.env_remove(var);
    }
    cmd.output().expect("running logcount workflow")
}

#[test]
fn checked_in_workflows_match_the_generator() {
    let bless = std::env::var_os("LOGCOUNT_BLESS").is_some();
    let mut stale = Vec::new();
    for (file, args, opts) in cases() {
        let out = logcount_workflow(&args);
        assert!(
            out.status.success(),
            "logcount workflow {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8(out.stdout).unwrap();
        // The CLI prints exactly what the library generates.
        assert_eq!(
            printed,
            logcount::argo::generate(&opts).unwrap(),
            "{file}: CLI and library differ"
        );
        let path = Path::new(DIR).join(file);
        if bless {
            std::fs::write(&path, &printed).unwrap();
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != printed {
            stale.push(format!(
                "  cargo run --release -- workflow {} > workloads/argo/{file}",
                args.join(" ")
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "workloads/argo/ is out of date with the generator; regenerate with\n  LOGCOUNT_BLESS=1 cargo test --release --test tests argo::\nor:\n{}",
        stale.join("\n")
    );
}

/// The validator command, or why it cannot run.
fn validator() -> Result<(PathBuf, Option<String>), String> {
    let script = std::env::var_os("ARGO_VALIDATE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/argo/validate.py")
        });
    if !script.is_file() {
        return Err(format!(
            "the Argo validator {} is absent (set ARGO_VALIDATE)",
            script.display()
        ));
    }
    let schema = std::env::var("ARGO_SCHEMA").ok();
    let schema_path = schema
        .clone()
        .map(PathBuf::from)
        .unwrap_or_else(|| script.with_file_name("argo-workflows-schema.json"));
    if !schema_path.is_file() {
        return Err(format!(
            "the Argo schema {} is absent (set ARGO_SCHEMA)",
            schema_path.display()
        ));
    }
    python_with_yaml()?;
    Ok((script, schema))
}

fn python_with_yaml() -> Result<(), String> {
    match Command::new("python3")
        .args(["-c", "import jsonschema, yaml"])
        .output()
    {
        Ok(o) if o.status.success() => Ok(()),
        Ok(_) => Err(
            "python3 lacks jsonschema/pyyaml (pip install jsonschema pyyaml; ./test.sh does)"
                .into(),
        ),
        Err(e) => Err(format!("python3 is not available: {e}")),
    }
}

/// Runs the validator strictly with DAG checks; returns (exit code, report).
fn validate(files: &[PathBuf]) -> Option<(i32, String)> {
    let (script, schema) = match validator() {
        Ok(v) => v,
        Err(why) => {
            eprintln!("SKIPPED Argo schema validation: {why}");
            return None;
        }
    };
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .args(["--strict", "--int-or-string", "--dag-checks"]);
    if let Some(s) = schema {
        cmd.args(["--schema", &s]);
    }
    let out = cmd.args(files).output().expect("running the validator");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.code().unwrap_or(-1), report))
}

#[test]
fn every_generated_workflow_passes_the_schema_strictly() {
    let files: Vec<PathBuf> = cases()
        .iter()
        .map(|(f, _, _)| Path::new(DIR).join(f))
        .collect();
    // Validate what the generator prints now (the files may be stale; the test above says so).
    let tmp = tempfile::tempdir().unwrap();
    let mut fresh = Vec::new();
    for (file, _, opts) in cases() {
        let p = tmp.path().join(file);
        std::fs::write(&p, logcount::argo::generate(&opts).unwrap()).unwrap();
        fresh.push(p);
    }
    let Some((code, report)) = validate(&[files, fresh].concat()) else {
        return;
    };
    assert_eq!(code, 0, "schema validation failed:\n{report}");
    assert_eq!(
        report.matches("OK (").count(),
        2 * cases().len(),
        "{report}"
    );
    assert!(report.contains("strict"), "{report}");
}

#[test]
fn the_validator_rejects_broken_workflows() {
    let good = logcount::argo::generate(&cases()[0].2).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // (name, from, to, what the report must name)
    let breakages = [
        ("misspelled key", "withParam:", "withParm:", "withParm"),
        ("unknown key", "mountPath:", "mountpath:", "mountpath"),
        (
            "number for a string",
            "retryPolicy: \"Always\"",
            "retryPolicy: 7",
            "retryPolicy",
        ),
        (
            "unknown dependency",
            "depends: \"map\"",
            "depends: \"mapp\"",
            "mapp",
        ),
        (
            "unknown template",
            "template: \"merge\"",
            "template: \"merger\"",
            "merger",
        ),
        (
            "unknown task reference",
            "tasks.split.outputs",
            "tasks.splat.outputs",
            "splat",
        ),
    ];
    for (name, from, to, named) in breakages {
        assert!(good.contains(from), "{name}: {from:?} not in the workflow");
        let p = tmp.path().join(format!("{}.yaml", name.replace(' ', "-")));
        std::fs::write(&p, good.replacen(from, to, 1)).unwrap();
        let Some((code, report)) = validate(&[p]) else {
            return;
        };
        assert_eq!(code, 1, "{name}: the validator accepted it:\n{report}");
        assert!(
            report.contains("INVALID") && report.contains(named),
            "{name}: {report}"
        );
    }
}

/// Parses YAML with PyYAML and prints it as JSON.
fn yaml_to_json(path: &Path) -> Option<serde_json::Value> {
    if let Err(why) = python_with_yaml() {
        eprintln!("SKIPPED YAML round trip: {why}");
        return None;
    }
    let workflow = crate::common::docker::Workflow::parse(path).unwrap_or_else(|e| panic!("{e}"));
    Some(workflow.doc)
}

/// Leaves that are not strings, with their paths.
fn non_strings(v: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .for_each(|(k, v)| non_strings(v, format!("{at}.{k}"), out)),
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| non_strings(v, format!("{at}[{i}]"), out)),
        serde_json::Value::String(_) => {}
        other => out.push(format!("{at}={other}")),
    }
}

#[test]
fn yaml_reads_back_as_built_and_every_value_is_a_string() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, _, opts) in cases() {
        let p = tmp.path().join(file);
        std::fs::write(&p, logcount::argo::generate(&opts).unwrap()).unwrap();
        let Some(parsed) = yaml_to_json(&p) else {
            return;
        };
        assert_eq!(parsed, workflow(&opts).unwrap().to_json(), "{file}");
        let mut others = Vec::new();
        non_strings(&parsed, String::new(), &mut others);
        // Only fields the schema types as integer or boolean are not strings.
        for o in &others {
            let allowed = [
                ".spec.parallelism=",
                ".spec.ttlStrategy.",
                ".secretKeyRef.optional=",
                ".securityContext.",
            ];
            assert!(
                allowed.iter().any(|a| o.contains(a)),
                "{file}: {o} is not a string"
            );
        }
        let text = std::fs::read_to_string(&p).unwrap();
        for must in [
            "withParam: \"{{tasks.split.outputs.result}}\"",
            "value: \"{{item}}\"",
            "retryPolicy: \"Always\"",
            "limit: \"3\"",
            "path: \"/tmp/result.json\"",
        ] {
            assert!(text.contains(must), "{file} lacks {must}");
        }
    }
}

#[test]
fn the_pvc_manifest_is_the_claim_the_volume_workflows_mount() {
    let pvc = std::fs::read_to_string(Path::new(DIR).join("pvc.yaml")).unwrap();
    assert!(pvc.contains("kind: PersistentVolumeClaim"), "{pvc}");
    assert!(pvc.contains(&format!("name: {CLAIM}")), "{pvc}");
    assert!(
        pvc.contains("ReadWriteMany"),
        "maps on many nodes share the volume: {pvc}"
    );
    for (file, _, opts) in cases() {
        let text = std::fs::read_to_string(Path::new(DIR).join(file)).unwrap_or_default();
        if matches!(opts.storage, Storage::Volume { .. }) {
            assert!(text.contains(&format!("claimName: \"{CLAIM}\"")), "{file}");
        } else {
            assert!(
                !text.contains("persistentVolumeClaim")
                    && text.contains(&format!("name: \"{SECRET}\"")),
                "{file}"
            );
        }
    }
    let secret = std::fs::read_to_string(Path::new(DIR).join("secret-s3.example.yaml")).unwrap();
    assert!(secret.contains(&format!("name: {SECRET}")), "{secret}");
}

#[test]
fn the_cli_refuses_bad_workflow_options() {
    let cases: [(&[&str], &str); 6] = [
        (&[], "--volume-claim"),
        (
            &["--volume-claim", "a", "--s3-secret", "b"],
            "cannot be used with",
        ),
        (
            &["--s3-secret", "b", "--input", "s3://x/y"],
            "--input and --work",
        ),
        (&["--volume-claim", "a", "--parts", "0"], "number of parts"),
        // Reducers are a words job's.
        (&["--volume-claim", "a", "--reducers", "3"], "--mode words"),
        (
            &["--volume-claim", "a", "--mode", "words", "--reducers", "0"],
            "number of reducers",
        ),
    ];
    for (args, want) in cases {
        let out = logcount_workflow(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(
            out.stdout.is_empty(),
            "{args:?}: nothing on stdout on error"
        );
    }
}

#[test]
fn every_container_is_hardened_and_the_result_artifact_is_opt_in() {
    for (file, _, opts) in cases() {
        let doc = workflow(&opts).unwrap().to_json();
        let spec = &doc["spec"];
        let tmp = spec["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "tmp")
            .unwrap_or_else(|| panic!("{file}: no tmp volume"));
        assert_eq!(tmp["emptyDir"], serde_json::json!({}), "{file}");
        let mut containers = 0;
        for t in spec["templates"].as_array().unwrap() {
            let Some(c) = t.get("container") else {
                continue;
            };
            containers += 1;
            let sc = &c["securityContext"];
            assert_eq!(sc["runAsNonRoot"], true, "{file}");
            assert_eq!(sc["runAsUser"], 65532, "{file}");
            assert_eq!(sc["readOnlyRootFilesystem"], true, "{file}");
            assert_eq!(sc["allowPrivilegeEscalation"], false, "{file}");
            assert_eq!(
                sc["capabilities"]["drop"],
                serde_json::json!(["ALL"]),
                "{file}"
            );
            // The read-only root file system leaves /tmp (merge's result copy) on the emptyDir.
            assert!(
                c["volumeMounts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["name"] == "tmp" && m["mountPath"] == "/tmp"),
                "{file}"
            );
        }
        let words = opts.counting.mode() == logcount::spec::Mode::Words;
        // Split, count, merge; a words job's reducer list and reduce too.
        assert_eq!(containers, if words { 5 } else { 3 }, "{file}");
        let text = logcount::argo::generate(&opts).unwrap();
        assert_eq!(
            text.contains("artifacts"),
            opts.result_artifact,
            "{file}: the result artifact is there only with --result-artifact"
        );
        // The output parameter is there either way.
        assert!(text.contains("path: \"/tmp/result.json\""), "{file}");
    }
}

#[test]
fn a_workflow_sized_by_bytes_takes_its_fan_out_from_split_alone() {
    let (_, _, opts) = cases()
        .into_iter()
        .find(|(f, _, _)| *f == "workflow-s3-by-size.yaml")
        .unwrap();
    let doc = workflow(&opts).unwrap().to_json();
    let spec = &doc["spec"];
    let params = spec["arguments"]["parameters"].as_array().unwrap();
    let param = |name: &str| {
        params
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no {name} parameter"))["value"]
            .clone()
    };
    // No number of parts is fixed at submission: only the part size.
    assert_eq!(param("parts"), "");
    assert_eq!(param("part-size"), (1u64 << 30).to_string());
    let templates = spec["templates"].as_array().unwrap();
    let env_of = |name: &str| -> Vec<(String, String)> {
        let t = templates.iter().find(|t| t["name"] == name).unwrap();
        t["container"]["env"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| {
                Some((
                    e["name"].as_str()?.to_string(),
                    e["value"].as_str()?.to_string(),
                ))
            })
            .collect()
    };
    let split = env_of("split");
    for (var, value) in [
        ("PART_SIZE", "{{workflow.parameters.part-size}}"),
        ("NUM_PARTS", "{{workflow.parameters.parts}}"),
        ("MAX_PARTS", "2000"),
        ("GROUP_BY", "dir:1"),
        ("LOGCOUNT_INCLUDE", "*.log\n*.gz"),
        ("LOGCOUNT_EXCLUDE", "_SUCCESS"),
    ] {
        assert!(
            split.iter().any(|(k, v)| k == var && v == value),
            "split sets {var}={value}: {split:?}"
        );
    }
    // A map takes no part count from the submission (merge's NUM_PARTS is
    // only a check, and an empty value leaves the count to the manifest).
    assert!(!env_of("count")
        .iter()
        .any(|(_, v)| v.contains("parameters.parts")));
    // The one fan-out is over split's printed list.
    let dag = templates
        .iter()
        .find_map(|t| t.get("dag"))
        .expect("a dag template");
    let fan: Vec<_> = dag["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.get("withParam"))
        .collect();
    assert_eq!(fan, [&serde_json::json!("{{tasks.split.outputs.result}}")]);
}

/// The DAG's tasks: (name, template, depends, withParam, the item's argument name).
fn dag_tasks(doc: &Value) -> Vec<(String, String, Value, Value, Value)> {
    let spec = &doc["spec"];
    let dag = spec["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == spec["entrypoint"])
        .expect("the entrypoint")["dag"]
        .clone();
    dag["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let arg = &t["arguments"]["parameters"];
            if !arg.is_null() {
                assert_eq!(arg[0]["value"], "{{item}}", "{t}");
            }
            (
                t["name"].as_str().unwrap().to_string(),
                t["template"].as_str().unwrap().to_string(),
                t["depends"].clone(),
                t["withParam"].clone(),
                arg[0]["name"].clone(),
            )
        })
        .collect()
}

/// A template of the workflow by name, if there is one.
fn template<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    doc["spec"]["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
}

/// A container template's env as (name, literal value or `secret:KEY`).
fn env_of(t: &Value) -> Vec<(String, String)> {
    t["container"]["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let value = match e["value"].as_str() {
                Some(v) => v.to_string(),
                None => format!(
                    "secret:{}",
                    e["valueFrom"]["secretKeyRef"]["key"].as_str().unwrap()
                ),
            };
            (e["name"].as_str().unwrap().to_string(), value)
        })
        .collect()
}

fn param(doc: &Value, name: &str) -> Option<String> {
    doc["spec"]["arguments"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .map(|p| p["value"].as_str().unwrap().to_string())
}

#[test]
fn a_words_workflow_fans_out_to_the_reducers_the_job_lists() {
    let mut words = 0;
    for (file, _, opts) in cases() {
        let doc = workflow(&opts).unwrap().to_json();
        let tasks = dag_tasks(&doc);
        let shape: Vec<(&str, &str)> = tasks
            .iter()
            .map(|(n, t, ..)| (n.as_str(), t.as_str()))
            .collect();
        let split_env = env_of(template(&doc, "split").unwrap());
        let has = |env: &[(String, String)], k: &str, v: &str| {
            env.iter().any(|(name, value)| name == k && value == v)
        };
        if opts.counting.mode() != logcount::spec::Mode::Words {
            // A keyword job: the reference's three tasks, nothing of the shuffle.
            assert_eq!(
                shape,
                [("split", "split"), ("map", "count"), ("reduce", "merge")],
                "{file}"
            );
            assert!(
                template(&doc, "reducers").is_none() && template(&doc, "reduce").is_none(),
                "{file}"
            );
            assert_eq!(param(&doc, "reducers"), None, "{file}");
            assert!(
                !split_env.iter().any(|(k, _)| k == "REDUCERS"),
                "{file}: {split_env:?}"
            );
            continue;
        }
        words += 1;
        assert_eq!(
            shape,
            [
                ("split", "split"),
                ("map", "count"),
                ("reducers", "reducers"),
                ("reduce", "reduce"),
                ("final", "merge"),
            ],
            "{file}"
        );
        let depends: Vec<&Value> = tasks.iter().map(|t| &t.2).collect();
        assert_eq!(
            depends,
            [
                &Value::Null,
                &json!("split"),
                &json!("split"),
                &json!("map && reducers"),
                &json!("reduce"),
            ],
            "{file}: the reducer list runs beside the maps; reduce waits for both"
        );
        // Two fan-outs: the maps over split's ids, the reducers over the listed ids.
        assert_eq!(tasks[1].3, "{{tasks.split.outputs.result}}", "{file}");
        assert_eq!(tasks[1].4, "part-id", "{file}");
        assert_eq!(tasks[3].3, "{{tasks.reducers.outputs.result}}", "{file}");
        assert_eq!(tasks[3].4, "reducer-id", "{file}");
        for i in [0, 2, 4] {
            assert!(tasks[i].3.is_null(), "{file}: {:?}", tasks[i]);
        }
        // The workflow's result is the final task's.
        assert_eq!(
            doc["spec"]["templates"][0]["outputs"]["parameters"][0]["valueFrom"]["parameter"],
            "{{tasks.final.outputs.parameters.result}}",
            "{file}"
        );
        // Split takes the number of reducers from the `reducers` parameter.
        let r = opts.reducers.map(|r| r.to_string()).unwrap_or_default();
        assert_eq!(param(&doc, "reducers"), Some(r), "{file}");
        assert!(
            has(&split_env, "REDUCERS", "{{workflow.parameters.reducers}}")
                && has(&split_env, "LOGCOUNT_MODE", "words"),
            "{file}: {split_env:?}"
        );
        let secrets: Vec<(String, String)> = split_env
            .iter()
            .filter(|(_, v)| v.starts_with("secret:"))
            .cloned()
            .collect();
        assert_eq!(
            secrets.is_empty(),
            matches!(opts.storage, Storage::Volume { .. }),
            "{file}"
        );
        // The reducer list: `logcount-reduce --list` on the work prefix.
        let list = template(&doc, "reducers").unwrap();
        assert_eq!(list["container"]["command"], json!(["logcount-reduce"]));
        assert_eq!(list["container"]["args"], json!(["--list"]));
        assert!(list.get("inputs").is_none(), "{file}");
        let work = (
            "WORK_DIR".to_string(),
            "{{workflow.parameters.work}}".into(),
        );
        assert_eq!(
            env_of(list),
            [vec![work.clone()], secrets.clone()].concat(),
            "{file}"
        );
        // A reducer: its id is the template's input, REDUCER_ID its env.
        let reduce = template(&doc, "reduce").unwrap();
        assert_eq!(reduce["container"]["command"], json!(["logcount-reduce"]));
        assert!(reduce["container"].get("args").is_none(), "{file}");
        assert_eq!(
            reduce["inputs"]["parameters"],
            json!([{"name": "reducer-id"}]),
            "{file}"
        );
        let top: Vec<(String, String)> = opts
            .top
            .map(|k| ("LOGCOUNT_TOP".to_string(), k.to_string()))
            .into_iter()
            .collect();
        let reducer_id = (
            "REDUCER_ID".to_string(),
            "{{inputs.parameters.reducer-id}}".to_string(),
        );
        assert_eq!(
            env_of(reduce),
            [vec![work, reducer_id], secrets, top.clone()].concat(),
            "{file}"
        );
        assert_eq!(reduce["retryStrategy"]["retryPolicy"], "Always", "{file}");
        // The final step is the merge template, its outputs unchanged.
        let merge = template(&doc, "merge").unwrap();
        assert_eq!(merge["container"]["command"], json!(["logcount-merge"]));
        assert_eq!(
            merge["outputs"]["parameters"][0]["valueFrom"]["path"],
            "/tmp/result.json"
        );
        for t in &top {
            assert!(env_of(merge).contains(t), "{file}");
        }
    }
    assert_eq!(
        words, 2,
        "the words cases: volume and S3, R default and fixed"
    );
}
