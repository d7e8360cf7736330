//! Argo Workflows: the step template shared by the workflow generator and the
//! local process executor, and the generator itself (pure: options → YAML).
//!
//! The DAG is the reference's: `split` prints the part ids as a JSON list,
//! `map` fans out over that list (`withParam: "{{tasks.split.outputs.result}}"`,
//! one `logcount-count` pod per id) and `reduce` runs `logcount-merge`. A
//! words job adds the shuffle's second fan-out: `reducers` runs
//! `logcount-reduce --list` once split has written the manifest, `reduce`
//! runs one `logcount-reduce` pod per reducer id it printed once every map
//! is done, and `final` runs `logcount-merge` on the reducers' outputs
//! (split → map×N → reduce×R → final). Every
//! step reads its inputs from environment variables
//! ([`step_env`](crate::spec::env::step_env)); the process executor
//! ([`crate::run::process`]) renders the same list for its child processes,
//! so a local run exercises exactly what Argo runs.
//!
//! ```
//! use logcount::argo::{generate, Storage, WorkflowOptions};
//! let opts = WorkflowOptions::new(Storage::Volume { claim: "logcount-data".into() });
//! let yaml = generate(&opts).unwrap();
//! assert!(yaml.contains("withParam: \"{{tasks.split.outputs.result}}\""));
//! assert!(yaml.contains("claimName: \"logcount-data\""));
//! ```
//!
//! The YAML is written by a small emitter here rather than a YAML crate
//! (serde_yaml is deprecated and its forks are young): it writes block-style
//! maps and lists and quotes every string scalar with JSON escapes (a JSON
//! string is a valid YAML double-quoted scalar), so every parameter value,
//! quantity and limit is a string by construction and nothing is left to
//! YAML's implicit typing (`"0"`, `"no"`, `"1e3"` stay strings).

mod container;
mod yaml;

pub use yaml::{to_yaml, Y};

use crate::error::{Error, Result};
use crate::keywords::Keywords;
use crate::spec::dataset::{Filters, GroupBy, Sizing, DEFAULT_MAX_PARTS};
use crate::spec::env::{self, Credentials, Param, Step};
use crate::spec::{Counting, Mode};
use container::{container, reducer_list};
use yaml::{l, m, s};

/// Where the volume is mounted in every step's container (the reference's path).
pub const VOLUME_MOUNT: &str = "/mnt/vol";
/// Where reduce leaves a local copy of the result for Argo to collect (an
/// `emptyDir` volume: the containers' root file systems are read-only).
pub const RESULT_PATH: &str = "/tmp/result.json";
/// The writable scratch directory of every step, an `emptyDir` volume.
pub const TMP_MOUNT: &str = "/tmp";
/// The user and group every step runs as (the image's `nonroot`).
pub const NONROOT_UID: u32 = 65532;
/// The input the reference workflow expects in its volume.
pub const DEFAULT_INPUT_NAME: &str = "log-count-data.txt";
/// A words workflow's parameter holding the number of reducers (split's
/// `REDUCERS`; empty: split decides from the input's size).
pub const REDUCERS_PARAM: &str = "reducers";
/// A words workflow's task (and template) printing the reducer ids
/// (`logcount-reduce --list`), the items of the reduce fan-out.
pub const REDUCERS_TASK: &str = "reducers";
/// A words workflow's fan-out task: one `logcount-reduce` pod per reducer id.
pub const REDUCE_TASK: &str = "reduce";
/// A words workflow's last task: `logcount-merge` over the reducers' outputs.
pub const FINAL_TASK: &str = "final";

/// Where the steps keep the input, the manifest and the outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// A PersistentVolumeClaim mounted at [`VOLUME_MOUNT`] in every pod.
    Volume {
        /// The claim's name; must not be empty.
        claim: String,
    },
    /// `s3://` or `oss://` URLs; credentials from this Kubernetes secret.
    ObjectStore {
        /// The secret's name; must not be empty.
        secret: String,
    },
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowOptions {
    /// A `WorkflowTemplate` (submit with `--from workflowtemplate/<name>`) instead of a `Workflow`.
    pub template: bool,
    /// The template's name, or the Workflow's `generateName` prefix.
    pub name: String,
    /// The container image of every step [default: [`default_image`]].
    pub image: String,
    /// Where the input and the work prefix live.
    pub storage: Storage,
    /// How split sizes the parts: the default of the `parts` parameter
    /// (a number), or of the `part-size` parameter (bytes; the fan-out then
    /// follows each run's data) with `max_parts` fixed on split; the other
    /// parameter is empty [default: parts of [`DEFAULT_PART_SIZE`]].
    pub sizing: Sizing,
    /// Parts never mix two groups of objects (fixed on split; merge also
    /// writes `groups.json`).
    pub group_by: Option<GroupBy>,
    /// Which objects of the input split takes (fixed on split).
    pub filters: Filters,
    /// Default of the `input` parameter [volume mode: `/mnt/vol/log-count-data.txt`].
    pub input: Option<String>,
    /// Default of the `work` parameter [volume mode: `/mnt/vol`].
    pub work: Option<String>,
    /// What the workflow counts by default: its keywords are the `keywords`
    /// parameter's default; the rest is passed to split, which records it
    /// in the manifest.
    pub counting: Counting,
    /// At most this many pods at once (`spec.parallelism`).
    pub max_parallel: u32,
    /// Retries of each task (map: any failure, including evicted or preempted pods).
    pub retries: u32,
    /// CPU request of each map pod (a Kubernetes quantity).
    pub map_cpu: String,
    /// Memory request and limit of each map pod (a Kubernetes quantity).
    pub map_memory: String,
    /// Words mode: the number of words merge prints (and each reducer keeps).
    pub top: Option<usize>,
    /// Words mode: the default of the `reducers` parameter (split's
    /// `REDUCERS`); `None` leaves it empty, so that split takes one reducer
    /// per GiB of input. Refused in keyword mode.
    pub reducers: Option<u32>,
    /// Also collect the result as an output artifact (needs an artifact
    /// repository configured in the cluster); the `result` output parameter
    /// and `result.json` under the work prefix are there either way.
    pub result_artifact: bool,
}

impl WorkflowOptions {
    /// The defaults for a storage mode.
    pub fn new(storage: Storage) -> Self {
        WorkflowOptions {
            template: false,
            name: "logcount".into(),
            image: default_image(),
            storage,
            sizing: Sizing::PartSize {
                part_size: DEFAULT_PART_SIZE,
                max_parts: DEFAULT_MAX_PARTS,
            },
            group_by: None,
            filters: Filters::default(),
            input: None,
            work: None,
            counting: Counting::default(),
            max_parallel: 50,
            retries: 3,
            map_cpu: "1".into(),
            map_memory: "512Mi".into(),
            top: None,
            reducers: None,
            result_artifact: false,
        }
    }
}

/// The part size a generated workflow aims at unless told otherwise.
pub const DEFAULT_PART_SIZE: u64 = 512 << 20;

/// The image the Dockerfile builds, tagged with this version.
pub fn default_image() -> String {
    format!("logcount:{}", env!("CARGO_PKG_VERSION"))
}

/// Generates the Workflow or WorkflowTemplate YAML.
pub fn generate(opts: &WorkflowOptions) -> Result<String> {
    Ok(to_yaml(&workflow(opts)?))
}

/// Builds the document (exposed for tests that compare it with a YAML parser's view).
pub fn workflow(opts: &WorkflowOptions) -> Result<Y> {
    let (input, work, credentials) = check(opts)?;
    let keywords = opts
        .counting
        .keywords()
        .map_or_else(Keywords::default_set, Clone::clone)
        .to_list()
        .ok_or_else(|| {
            Error::invalid(
                "workflow keywords",
                "a keyword holds a comma, so they cannot be the comma-separated `keywords` parameter",
            )
        })?;
    let params = [
        (
            Param::Input,
            input,
            "The log: a file, or a prefix ending in / (a dataset).",
        ),
        (
            Param::Work,
            work,
            "Where the manifest, count outputs and result.json go.",
        ),
        (
            Param::Parts,
            match opts.sizing {
                Sizing::Parts(n) => n.to_string(),
                Sizing::PartSize { .. } => String::new(),
            },
            "How many parts (map pods) to cut the input into; empty: split decides from part-size.",
        ),
        (
            Param::PartSize,
            match opts.sizing {
                Sizing::Parts(_) => String::new(),
                Sizing::PartSize { part_size, .. } => part_size.to_string(),
            },
            "Bytes per part (512MiB, 1GiB): split starts as many map pods as the input needs; \
             empty when parts is set.",
        ),
        (
            Param::Keywords,
            keywords,
            "Keywords to count, comma-separated.",
        ),
    ];
    let words = opts.counting.mode() == Mode::Words;
    let mut params: Vec<(&str, String, &str)> = params
        .into_iter()
        .map(|(p, v, d)| (p.name(), v, d))
        .collect();
    if words {
        params.push((
            REDUCERS_PARAM,
            opts.reducers.map(|r| r.to_string()).unwrap_or_default(),
            "How many reducers merge the words (reduce pods); empty: one per GiB of input.",
        ));
    }
    let arguments = m(vec![(
        "parameters",
        l(params
            .into_iter()
            .map(|(name, v, d)| {
                m(vec![
                    ("name", s(name)),
                    ("value", s(v)),
                    ("description", s(d)),
                ])
            })
            .collect()),
    )]);
    let mut spec = vec![
        ("entrypoint", s("main")),
        ("arguments", arguments),
        ("parallelism", Y::Int(opts.max_parallel as i64)),
        ("podGC", m(vec![("strategy", s("OnPodSuccess"))])),
        (
            "ttlStrategy",
            m(vec![
                ("secondsAfterSuccess", Y::Int(3600)),
                ("secondsAfterFailure", Y::Int(7 * 86400)),
            ]),
        ),
    ];
    let mut volumes = vec![m(vec![("name", s("tmp")), ("emptyDir", m(vec![]))])];
    if let Storage::Volume { claim } = &opts.storage {
        volumes.push(m(vec![
            ("name", s("vol")),
            ("persistentVolumeClaim", m(vec![("claimName", s(claim))])),
        ]));
    }
    spec.push(("volumes", l(volumes)));
    let mut templates = vec![
        dag(opts.result_artifact, words),
        container(opts, Step::Split, credentials),
        container(opts, Step::Count, credentials),
    ];
    if words {
        templates.push(reducer_list(opts, credentials));
        templates.push(container(opts, Step::Reduce, credentials));
    }
    templates.push(container(opts, Step::Merge, credentials));
    spec.push(("templates", l(templates)));

    let labels = m(vec![("app.kubernetes.io/name", s("logcount"))]);
    let metadata = if opts.template {
        m(vec![("name", s(&opts.name)), ("labels", labels)])
    } else {
        m(vec![
            ("generateName", s(format!("{}-", opts.name))),
            ("labels", labels),
        ])
    };
    Ok(m(vec![
        ("apiVersion", s("argoproj.io/v1alpha1")),
        (
            "kind",
            s(if opts.template {
                "WorkflowTemplate"
            } else {
                "Workflow"
            }),
        ),
        ("metadata", metadata),
        ("spec", m(spec)),
    ]))
}

/// Checks the options; returns the input and work defaults and the credentials kind.
fn check(opts: &WorkflowOptions) -> Result<(String, String, Option<Credentials>)> {
    let bad = |what: &str, reason: String| Err(Error::invalid(what.to_string(), reason));
    opts.sizing.check()?;
    env::dataset_env(None, opts.group_by, &opts.filters)?;
    crate::spec::dataset::check_group_by(opts.group_by, opts.counting.mode())?;
    if let Some(r) = opts.reducers {
        if opts.counting.mode() != Mode::Words {
            return bad(
                "number of reducers",
                "reducers merge the shuffle of a words job: give --mode words".into(),
            );
        }
        let max = crate::shuffle::MAX_REDUCERS;
        if !(1..=max).contains(&r) {
            return bad("number of reducers", format!("{r} (it must be 1 to {max})"));
        }
    }
    if opts.max_parallel == 0 {
        return bad("pod parallelism", "0 (it must be at least 1)".into());
    }
    let name_ok = !opts.name.is_empty()
        && opts.name.len() <= 52
        && opts
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !opts.name.starts_with('-')
        && !opts.name.ends_with('-');
    if !name_ok {
        return bad(
            "workflow name",
            format!(
                "{:?} (use up to 52 lowercase letters, digits and '-')",
                opts.name
            ),
        );
    }
    if opts.image.trim().is_empty() {
        return bad("container image", "it is empty".into());
    }
    for (what, q) in [
        ("map pod CPU request", &opts.map_cpu),
        ("map pod memory", &opts.map_memory),
    ] {
        if !is_quantity(q) {
            return bad(
                what,
                format!("{q:?} is not a Kubernetes quantity (e.g. 500m, 2, 512Mi, 1Gi)"),
            );
        }
    }
    match &opts.storage {
        Storage::Volume { claim } => {
            if claim.is_empty() {
                return bad("volume claim", "it is empty".into());
            }
            let input = opts
                .input
                .clone()
                .unwrap_or_else(|| format!("{VOLUME_MOUNT}/{DEFAULT_INPUT_NAME}"));
            let work = opts.work.clone().unwrap_or_else(|| VOLUME_MOUNT.into());
            for (what, v) in [("input", &input), ("work prefix", &work)] {
                if !v.starts_with(&format!("{VOLUME_MOUNT}/")) && v != VOLUME_MOUNT {
                    return bad(
                        what,
                        format!("{v:?}: with a volume it must be a path below {VOLUME_MOUNT}"),
                    );
                }
            }
            Ok((input, work, None))
        }
        Storage::ObjectStore { secret } => {
            if secret.is_empty() {
                return bad("credentials secret", "it is empty".into());
            }
            let (Some(input), Some(work)) = (&opts.input, &opts.work) else {
                return bad(
                    "object-storage workflow",
                    "input and work URLs are required".into(),
                );
            };
            let kinds = (Credentials::for_url(input), Credentials::for_url(work));
            match kinds {
                (Some(a), Some(b)) if a == b => Ok((input.clone(), work.clone(), Some(a))),
                (Some(_), Some(_)) => bad(
                    "object-storage workflow",
                    "the input and the work prefix must be in the same kind of store".into(),
                ),
                _ => bad(
                    "object-storage workflow",
                    format!(
                        "input {input:?} and work prefix {work:?} must be s3:// or oss:// URLs"
                    ),
                ),
            }
        }
    }
}

/// A Kubernetes quantity: a decimal number and an optional suffix.
fn is_quantity(q: &str) -> bool {
    let num = q.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &q[num.len()..];
    let suffix_ok = [
        "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
    ]
    .contains(&suffix);
    let digits = num.replacen('.', "", 1);
    suffix_ok && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The entrypoint: split → map (one task per id) → reduce (merge); a words
/// job: split → map → reduce (one task per reducer id, listed by the
/// `reducers` task once split is done) → final (merge). Its outputs are
/// merge's (the result parameter, and the artifact when `artifact`).
fn dag(artifact: bool, words: bool) -> Y {
    let task = |name: &str, template: &str, extra: Vec<(&'static str, Y)>| {
        let mut t = vec![("name", s(name)), ("template", s(template))];
        t.extend(extra);
        m(t)
    };
    // A task run once per item of `over`'s printed JSON list, as `param`.
    let fan_out = |depends: String, over: &str, param: &str| {
        vec![
            ("depends", s(depends)),
            (
                "withParam",
                s(format!("{{{{tasks.{over}.outputs.result}}}}")),
            ),
            (
                "arguments",
                m(vec![(
                    "parameters",
                    l(vec![m(vec![("name", s(param)), ("value", s("{{item}}"))])]),
                )]),
            ),
        ]
    };
    let (split, map) = (Step::Split.task(), Step::Count.task());
    let mut tasks = vec![
        task(split, Step::Split.name(), vec![]),
        task(
            map,
            Step::Count.name(),
            fan_out(split.to_string(), split, "part-id"),
        ),
    ];
    let last = if words {
        tasks.push(task(
            REDUCERS_TASK,
            REDUCERS_TASK,
            vec![("depends", s(split))],
        ));
        tasks.push(task(
            REDUCE_TASK,
            Step::Reduce.name(),
            fan_out(
                format!("{map} && {REDUCERS_TASK}"),
                REDUCERS_TASK,
                "reducer-id",
            ),
        ));
        tasks.push(task(
            FINAL_TASK,
            Step::Merge.name(),
            vec![("depends", s(REDUCE_TASK))],
        ));
        FINAL_TASK
    } else {
        tasks.push(task(
            Step::Merge.task(),
            Step::Merge.name(),
            vec![("depends", s(map))],
        ));
        Step::Merge.task()
    };
    let mut outputs = vec![(
        "parameters",
        l(vec![m(vec![
            ("name", s("result")),
            (
                "valueFrom",
                m(vec![(
                    "parameter",
                    s(format!("{{{{tasks.{last}.outputs.parameters.result}}}}")),
                )]),
            ),
        ])]),
    )];
    if artifact {
        outputs.push((
            "artifacts",
            l(vec![m(vec![
                ("name", s("result")),
                (
                    "from",
                    s(format!("{{{{tasks.{last}.outputs.artifacts.result}}}}")),
                ),
            ])]),
        ));
    }
    m(vec![
        ("name", s("main")),
        ("dag", m(vec![("tasks", l(tasks))])),
        ("outputs", m(outputs)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for q in ["1", "500m", "0.5", "512Mi", "1Gi", "2k"] {
            assert!(is_quantity(q), "{q}");
        }
        for q in ["", "m", "1.2.3", "1GB", "-1", "1 Gi", "Mi"] {
            assert!(!is_quantity(q), "{q}");
        }
    }

    #[test]
    fn bad_options_are_refused_with_the_option_named() {
        let vol = || WorkflowOptions::new(Storage::Volume { claim: "c".into() });
        let obj = |input: &str, work: &str| WorkflowOptions {
            input: Some(input.into()),
            work: Some(work.into()),
            ..WorkflowOptions::new(Storage::ObjectStore { secret: "s".into() })
        };
        let cases: Vec<(WorkflowOptions, &str)> = vec![
            (
                WorkflowOptions {
                    sizing: Sizing::Parts(0),
                    ..vol()
                },
                "number of parts",
            ),
            (
                WorkflowOptions {
                    max_parallel: 0,
                    ..vol()
                },
                "pod parallelism",
            ),
            (
                WorkflowOptions {
                    counting: Counting::for_keywords(
                        Keywords::parse_file(b"A,B\nC\n").unwrap(),
                        Default::default(),
                        None,
                    ),
                    ..vol()
                },
                "holds a comma",
            ),
            (
                WorkflowOptions {
                    name: "Bad_Name".into(),
                    ..vol()
                },
                "workflow name",
            ),
            (
                WorkflowOptions {
                    map_memory: "1GB".into(),
                    ..vol()
                },
                "map pod memory",
            ),
            (
                WorkflowOptions {
                    work: Some("/data".into()),
                    ..vol()
                },
                "work prefix",
            ),
            (
                WorkflowOptions {
                    storage: Storage::Volume { claim: "".into() },
                    ..vol()
                },
                "volume claim",
            ),
            (
                WorkflowOptions {
                    reducers: Some(4),
                    ..vol()
                },
                "give --mode words",
            ),
            (
                WorkflowOptions {
                    reducers: Some(0),
                    counting: Counting::words(),
                    ..vol()
                },
                "number of reducers",
            ),
            (obj("/mnt/vol/x", "s3://b/w/"), "s3:// or oss://"),
            (obj("s3://b/x", "oss://b/w/"), "same kind"),
            (
                WorkflowOptions {
                    input: None,
                    ..obj("s3://b/x", "s3://b/w/")
                },
                "required",
            ),
        ];
        for (opts, want) in cases {
            let e = generate(&opts).unwrap_err().to_string();
            assert!(e.contains(want), "{opts:?}: {e}");
        }
        assert!(generate(&obj("s3://b/x", "s3://b/w/")).is_ok());
        assert!(generate(&obj("oss://b/x", "oss://b/w/")).is_ok());
    }

    #[test]
    fn credentials_come_only_from_the_secret() {
        let opts = WorkflowOptions {
            input: Some("s3://logs/app/".into()),
            work: Some("s3://work/j/".into()),
            ..WorkflowOptions::new(Storage::ObjectStore {
                secret: "creds".into(),
            })
        };
        let yaml = generate(&opts).unwrap();
        assert_eq!(
            yaml.matches("secretKeyRef").count(),
            3 * Credentials::S3.keys().len()
        );
        assert!(
            !yaml.contains("persistentVolumeClaim") && !yaml.contains(VOLUME_MOUNT),
            "no data volume in object-storage mode"
        );
        // Every step gets each credential variable from the secret, never a literal value.
        let lines: Vec<&str> = yaml.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.contains("\"AWS_") && line.contains("name:") {
                assert!(
                    lines[i + 1].contains("valueFrom:"),
                    "{line} / {}",
                    lines[i + 1]
                );
            }
        }
    }
}
