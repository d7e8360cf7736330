//! The container template of one step: its image and command, the
//! environment of the step template ([`step_env`]), resources, mounts, a
//! hardened security context (non-root, read-only root file system, no
//! capabilities; `/tmp` is an `emptyDir`), outputs and retry strategy.
//! A words workflow also gets [`reducer_list`], the template that prints the
//! reducer ids.

use super::yaml::{l, m, s, Y};
use super::{
    Storage, WorkflowOptions, NONROOT_UID, REDUCERS_PARAM, REDUCERS_TASK, RESULT_PATH, TMP_MOUNT,
    VOLUME_MOUNT,
};
use crate::spec::dataset::Sizing;
use crate::spec::env::{self, counting_env, step_env, Credentials, EnvSource, EnvVar, Step};
use crate::spec::Mode;

/// The container template of one step.
pub(super) fn container(opts: &WorkflowOptions, step: Step, credentials: Option<Credentials>) -> Y {
    let mut env = env_list(opts, step_env(step, credentials));
    if step == Step::Split && opts.counting.mode() == Mode::Words {
        // Split records the number of reducers in the manifest; the
        // parameter's empty default leaves it to the input's size. After the
        // other parameters, before the secret's variables.
        let at = step_env(step, None).len();
        env.insert(
            at,
            m(vec![
                ("name", s(env::REDUCERS)),
                (
                    "value",
                    s(format!("{{{{workflow.parameters.{REDUCERS_PARAM}}}}}")),
                ),
            ]),
        );
    }
    let mut fixed = Vec::new();
    match step {
        Step::Split => {
            fixed = counting_env(&opts.counting);
            let max_parts = match opts.sizing {
                Sizing::PartSize { max_parts, .. } => Some(max_parts),
                Sizing::Parts(_) => None,
            };
            // Checked by `check` before any template is built.
            fixed.extend(
                env::dataset_env(max_parts, opts.group_by, &opts.filters).expect("globs checked"),
            );
        }
        Step::Merge | Step::Reduce => fixed.extend(opts.top.map(|k| (env::TOP, k.to_string()))),
        Step::Count => {}
    }
    env.extend(
        fixed
            .into_iter()
            .map(|(name, value)| m(vec![("name", s(name)), ("value", s(value))])),
    );
    let (requests, limits) = match step {
        Step::Split => (
            vec![("cpu", s("250m")), ("memory", s("128Mi"))],
            vec![("memory", s("512Mi"))],
        ),
        Step::Count => (
            vec![("cpu", s(&opts.map_cpu)), ("memory", s(&opts.map_memory))],
            vec![("memory", s(&opts.map_memory))],
        ),
        Step::Merge => (
            vec![("cpu", s("500m")), ("memory", s("256Mi"))],
            vec![("memory", s("1Gi"))],
        ),
        // The k-way merge holds a buffer per map, not the vocabulary.
        Step::Reduce => (
            vec![("cpu", s("1")), ("memory", s("256Mi"))],
            vec![("memory", s("512Mi"))],
        ),
    };
    let c = container_spec(opts, step, &[], env, requests, limits);
    let mut t = vec![("name", s(step.name()))];
    // The item of a fan-out: a map's part, a reducer's partition.
    let input = match step {
        Step::Count => Some("part-id"),
        Step::Reduce => Some("reducer-id"),
        Step::Split | Step::Merge => None,
    };
    if let Some(input) = input {
        t.push((
            "inputs",
            m(vec![("parameters", l(vec![m(vec![("name", s(input))])]))]),
        ));
    }
    t.push(("container", c));
    if step == Step::Merge {
        let mut outputs = vec![(
            "parameters",
            l(vec![m(vec![
                ("name", s("result")),
                ("valueFrom", m(vec![("path", s(RESULT_PATH))])),
            ])]),
        )];
        if opts.result_artifact {
            outputs.push((
                "artifacts",
                l(vec![m(vec![
                    ("name", s("result")),
                    ("path", s(RESULT_PATH)),
                    ("archive", m(vec![("none", m(vec![]))])),
                ])]),
            ));
        }
        t.push(("outputs", m(outputs)));
    }
    // Map and reduce (the fan-outs): any failure is retried, including
    // evicted and preempted pods (which `OnFailure` would not retry); a count
    // or a reducer is idempotent (its outputs are written whole). Split and
    // merge are re-runnable too, but a failure there is most likely bad
    // input: retry only errors of the pod itself.
    let policy = match step {
        Step::Count | Step::Reduce => "Always",
        Step::Split | Step::Merge => "OnError",
    };
    t.push(("retryStrategy", retry_strategy(opts, policy)));
    m(t)
}

/// A words workflow's `reducers` template: `logcount-reduce --list` prints
/// the job's reducer ids (`["0","1",...]`, from the manifest split wrote),
/// the items of the reduce fan-out.
pub(super) fn reducer_list(opts: &WorkflowOptions, credentials: Option<Credentials>) -> Y {
    let vars = step_env(Step::Reduce, credentials)
        .into_iter()
        .filter(|v| v.source != EnvSource::ReducerId)
        .collect();
    let env = env_list(opts, vars);
    let c = container_spec(
        opts,
        Step::Reduce,
        &["--list"],
        env,
        vec![("cpu", s("100m")), ("memory", s("64Mi"))],
        vec![("memory", s("256Mi"))],
    );
    m(vec![
        ("name", s(REDUCERS_TASK)),
        ("container", c),
        ("retryStrategy", retry_strategy(opts, "OnError")),
    ])
}

/// The variables of a step as the container's `env`: parameters and items
/// as Argo expressions, credentials as references to the secret.
fn env_list(opts: &WorkflowOptions, vars: Vec<EnvVar>) -> Vec<Y> {
    let secret = match &opts.storage {
        Storage::ObjectStore { secret } => secret.as_str(),
        Storage::Volume { .. } => "",
    };
    vars.into_iter()
        .map(|v| {
            let value = match v.source {
                EnvSource::Param(p) => (
                    "value",
                    s(format!("{{{{workflow.parameters.{}}}}}", p.name())),
                ),
                EnvSource::PartId => ("value", s("{{inputs.parameters.part-id}}")),
                EnvSource::ReducerId => ("value", s("{{inputs.parameters.reducer-id}}")),
                EnvSource::ResultCopy => ("value", s(RESULT_PATH)),
                EnvSource::Secret { key, optional } => (
                    "valueFrom",
                    m(vec![(
                        "secretKeyRef",
                        m(vec![
                            ("name", s(secret)),
                            ("key", s(key)),
                            ("optional", Y::Bool(optional)),
                        ]),
                    )]),
                ),
            };
            m(vec![("name", s(v.name)), value])
        })
        .collect()
}

/// The `container` of a template running `step`'s binary with `args`.
fn container_spec(
    opts: &WorkflowOptions,
    step: Step,
    args: &[&str],
    env: Vec<Y>,
    requests: Vec<(&'static str, Y)>,
    limits: Vec<(&'static str, Y)>,
) -> Y {
    let mut c = vec![
        ("image", s(&opts.image)),
        ("command", l(vec![s(step.binary())])),
    ];
    if !args.is_empty() {
        c.push(("args", l(args.iter().map(|a| s(*a)).collect())));
    }
    c.push(("env", l(env)));
    c.push((
        "resources",
        m(vec![("requests", m(requests)), ("limits", m(limits))]),
    ));
    let mut mounts = vec![m(vec![("name", s("tmp")), ("mountPath", s(TMP_MOUNT))])];
    if matches!(opts.storage, Storage::Volume { .. }) {
        mounts.push(m(vec![("name", s("vol")), ("mountPath", s(VOLUME_MOUNT))]));
    }
    c.push(("volumeMounts", l(mounts)));
    c.push(("securityContext", security_context()));
    m(c)
}

/// Retries under `policy`, backing off from 10 s to at most 10 minutes.
fn retry_strategy(opts: &WorkflowOptions, policy: &str) -> Y {
    m(vec![
        ("limit", s(opts.retries.to_string())),
        ("retryPolicy", s(policy)),
        (
            "backoff",
            m(vec![
                ("duration", s("10s")),
                ("factor", s("2")),
                ("maxDuration", s("10m")),
            ]),
        ),
    ])
}

/// A container that fits a hardened cluster (the `restricted` Pod Security
/// Standard): the image's non-root user, a read-only root file system, no
/// privilege escalation, every capability dropped.
fn security_context() -> Y {
    let id = || Y::Int(i64::from(NONROOT_UID));
    m(vec![
        ("runAsNonRoot", Y::Bool(true)),
        ("runAsUser", id()),
        ("runAsGroup", id()),
        ("readOnlyRootFilesystem", Y::Bool(true)),
        ("allowPrivilegeEscalation", Y::Bool(false)),
        ("capabilities", m(vec![("drop", l(vec![s("ALL")]))])),
        ("seccompProfile", m(vec![("type", s("RuntimeDefault"))])),
    ])
}
