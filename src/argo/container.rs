//! The container template of one step: its image and command, the
//! environment of the step template ([`step_env`]), resources, mounts, a
//! hardened security context (non-root, read-only root file system, no
//! capabilities; `/tmp` is an `emptyDir`), outputs and retry strategy.

use super::yaml::{l, m, s, Y};
use super::{Storage, WorkflowOptions, NONROOT_UID, RESULT_PATH, TMP_MOUNT, VOLUME_MOUNT};
use crate::spec::dataset::Sizing;
use crate::spec::env::{self, counting_env, step_env, Credentials, EnvSource, Step};

/// The container template of one step.
pub(super) fn container(opts: &WorkflowOptions, step: Step, credentials: Option<Credentials>) -> Y {
    let secret = match &opts.storage {
        Storage::ObjectStore { secret } => secret.as_str(),
        Storage::Volume { .. } => "",
    };
    let mut env: Vec<Y> = step_env(step, credentials)
        .into_iter()
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
        .collect();
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
    let mut c = vec![
        ("image", s(&opts.image)),
        ("command", l(vec![s(step.binary())])),
        ("env", l(env)),
        (
            "resources",
            m(vec![("requests", m(requests)), ("limits", m(limits))]),
        ),
    ];
    let mut mounts = vec![m(vec![("name", s("tmp")), ("mountPath", s(TMP_MOUNT))])];
    if matches!(opts.storage, Storage::Volume { .. }) {
        mounts.push(m(vec![("name", s("vol")), ("mountPath", s(VOLUME_MOUNT))]));
    }
    c.push(("volumeMounts", l(mounts)));
    c.push(("securityContext", security_context()));
    let mut t = vec![("name", s(step.name()))];
    if step == Step::Count {
        t.push((
            "inputs",
            m(vec![(
                "parameters",
                l(vec![m(vec![("name", s("part-id"))])]),
            )]),
        ));
    }
    t.push(("container", m(c)));
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
    // Map: any failure is retried, including evicted and preempted pods (which
    // `OnFailure` would not retry); a count is idempotent. Split and reduce are
    // re-runnable too, but a failure there is most likely bad input: retry only
    // errors of the pod itself.
    let policy = if step == Step::Count {
        "Always"
    } else {
        "OnError"
    };
    t.push((
        "retryStrategy",
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
        ]),
    ));
    m(t)
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
