//! The step template: the binary and environment of each step, shared by
//! the workflow generator and the process executor.

/// The three steps of the DAG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    Split,
    Count,
    Merge,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Split, Step::Count, Step::Merge];

    /// The step binary (in the image's PATH, or next to `logcount`).
    pub fn binary(self) -> &'static str {
        match self {
            Step::Split => "logcount-split",
            Step::Count => "logcount-count",
            Step::Merge => "logcount-merge",
        }
    }

    /// The DAG task that runs the step (the reference's names).
    pub fn task(self) -> &'static str {
        match self {
            Step::Split => "split",
            Step::Count => "map",
            Step::Merge => "reduce",
        }
    }

    /// The template the task runs; also the step's name in stats.
    pub fn name(self) -> &'static str {
        match self {
            Step::Split => "split",
            Step::Count => "count",
            Step::Merge => "merge",
        }
    }
}

/// A workflow parameter the steps read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Input,
    Work,
    Parts,
    Keywords,
}

impl Param {
    pub const ALL: [Param; 4] = [Param::Input, Param::Work, Param::Parts, Param::Keywords];

    pub fn name(self) -> &'static str {
        match self {
            Param::Input => "input",
            Param::Work => "work",
            Param::Parts => "parts",
            Param::Keywords => "keywords",
        }
    }
}

/// Where an environment variable of a step gets its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvSource {
    /// A workflow parameter (`{{workflow.parameters.<name>}}`).
    Param(Param),
    /// The map item: one of the ids split printed.
    PartId,
    /// The local file reduce copies the result to ([`RESULT_PATH`](crate::argo::RESULT_PATH) in a pod).
    ResultCopy,
    /// A key of the credentials secret (object-storage mode); a local run
    /// inherits the variable from its own environment instead.
    Secret { key: &'static str, optional: bool },
}

/// One environment variable of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVar {
    pub name: &'static str,
    pub source: EnvSource,
}

/// Which object store the credentials are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// `s3://`: the `AWS_*` variables object_store reads.
    S3,
    /// `oss://`: the `OSS_*` variables.
    Oss,
}

impl Credentials {
    /// The secret keys (each also the variable's name) and whether each is optional.
    pub fn keys(self) -> &'static [(&'static str, bool)] {
        match self {
            Credentials::S3 => &[
                ("AWS_ACCESS_KEY_ID", false),
                ("AWS_SECRET_ACCESS_KEY", false),
                ("AWS_SESSION_TOKEN", true),
                ("AWS_REGION", true),
                ("AWS_ENDPOINT_URL", true),
                ("AWS_ALLOW_HTTP", true),
            ],
            Credentials::Oss => &[
                ("OSS_ACCESS_KEY_ID", false),
                ("OSS_ACCESS_KEY_SECRET", false),
                ("OSS_ENDPOINT", false),
                ("OSS_SESSION_TOKEN", true),
                ("OSS_REGION", true),
            ],
        }
    }

    /// The credentials a URL's scheme needs, if it is an object-store URL.
    pub fn for_url(url: &str) -> Option<Credentials> {
        let scheme = url.split_once("://")?.0.to_ascii_lowercase();
        match scheme.as_str() {
            "s3" | "s3a" => Some(Credentials::S3),
            "oss" => Some(Credentials::Oss),
            _ => None,
        }
    }
}

/// The environment of a step: the one template both Argo and the process
/// executor run the step binaries with. The binaries take no arguments.
pub fn step_env(step: Step, credentials: Option<Credentials>) -> Vec<EnvVar> {
    let p = |name, param| EnvVar {
        name,
        source: EnvSource::Param(param),
    };
    let mut env = match step {
        Step::Split => vec![
            p("INPUT", Param::Input),
            p("WORK_DIR", Param::Work),
            p("NUM_PARTS", Param::Parts),
            p("KEYWORDS", Param::Keywords),
        ],
        Step::Count => vec![
            p("WORK_DIR", Param::Work),
            EnvVar {
                name: "PART_ID",
                source: EnvSource::PartId,
            },
        ],
        Step::Merge => vec![
            p("WORK_DIR", Param::Work),
            p("NUM_PARTS", Param::Parts),
            EnvVar {
                name: "RESULT_COPY",
                source: EnvSource::ResultCopy,
            },
        ],
    };
    if let Some(c) = credentials {
        env.extend(c.keys().iter().map(|&(key, optional)| EnvVar {
            name: key,
            source: EnvSource::Secret { key, optional },
        }));
    }
    env
}
