//! The environment contract: the name of every variable the steps and
//! `logcount` read, spelled once here and used by the command line (each
//! flag's env fallback), the workflow generator, the process executor and
//! the tests; and the step template — the binary and environment of each
//! step — that Argo and the process executor both run the steps with.
//!
//! ```
//! use logcount::spec::env::{step_env, EnvSource, Step, PART_ID, WORK_DIR};
//! let count = step_env(Step::Count, None);
//! assert_eq!(count[0].name, WORK_DIR);
//! assert_eq!((count[1].name, count[1].source), (PART_ID, EnvSource::PartId));
//! ```

/// The input: a path or URL; a prefix ending in `/` is a dataset.
pub const INPUT: &str = "INPUT";
/// The work prefix holding the manifest and outputs.
pub const WORK_DIR: &str = "WORK_DIR";
/// How many parts split cuts (merge: how many it expects).
pub const NUM_PARTS: &str = "NUM_PARTS";
/// The keywords, comma-separated.
pub const KEYWORDS: &str = "KEYWORDS";
/// A file with one keyword per line, instead of [`KEYWORDS`].
pub const KEYWORDS_FILE: &str = "KEYWORDS_FILE";
/// The part a count task counts (one of the ids split printed).
pub const PART_ID: &str = "PART_ID";
/// A words job's number of reducers (split); empty: from the input's size.
pub const REDUCERS: &str = "REDUCERS";
/// The reducer a reduce step runs: one of the ids `logcount-reduce --list` prints.
pub const REDUCER_ID: &str = "REDUCER_ID";
/// Split also writes `split-output/<id>.txt`, like the reference.
pub const MATERIALIZE: &str = "MATERIALIZE";
/// A local file merge copies the result to (Argo's output parameter).
pub const RESULT_COPY: &str = "RESULT_COPY";
/// What a job counts: `keywords` or `words`.
pub const MODE: &str = "LOGCOUNT_MODE";
/// Words mode: how many of the most frequent words merge prints.
pub const TOP: &str = "LOGCOUNT_TOP";
/// ASCII case-insensitive keyword matching.
pub const IGNORE_CASE: &str = "LOGCOUNT_IGNORE_CASE";
/// Whole-word keyword matching.
pub const WHOLE_WORD: &str = "LOGCOUNT_WHOLE_WORD";
/// Counts per time bucket: `second`, `minute`, `hour`, `day`, `Ns`, `Nm`, `Nh`.
pub const BY: &str = "LOGCOUNT_BY";
/// `--by`: the timestamp format (a name or a strftime-style pattern).
pub const TIME_FORMAT: &str = "LOGCOUNT_TIME_FORMAT";
/// `--by`: where the timestamp is (`N` or `json:KEY`).
pub const TIME_FIELD: &str = "LOGCOUNT_TIME_FIELD";
/// `--by`: the year of yearless timestamps.
pub const YEAR: &str = "LOGCOUNT_YEAR";
/// `--by`: the zone of timestamps without one.
pub const TIMEZONE: &str = "LOGCOUNT_TIMEZONE";
/// Words mode: the runs replaced by placeholders (`digits,hex,uuid,ip`).
pub const NORMALIZE: &str = "LOGCOUNT_NORMALIZE";
/// Bytes per ranged read of the count step.
pub const BLOCK_SIZE: &str = "LOGCOUNT_BLOCK_SIZE";
/// How the count step reads a plain local file: `mmap` or `pread`.
pub const READ: &str = "LOGCOUNT_READ";
/// Ranged reads in flight per part.
pub const FETCH_CONCURRENCY: &str = "LOGCOUNT_FETCH_CONCURRENCY";
/// The count strategy (`auto` picks the fastest exact one).
pub const STRATEGY: &str = "LOGCOUNT_STRATEGY";
/// The memory budget of a step (`256M`, `1G`), instead of the one derived
/// from its cgroup's memory limit (see [`crate::budget`]).
pub const MEMORY: &str = "LOGCOUNT_MEMORY";
/// The size of the counting thread pool (rayon's own variable): set, it wins
/// over the cgroup's CPU quota.
pub const RAYON_NUM_THREADS: &str = "RAYON_NUM_THREADS";
/// `logcount run`: parts counted at once.
pub const JOBS: &str = "LOGCOUNT_JOBS";
/// `logcount run`: `in-process` or `process`.
pub const EXECUTOR: &str = "LOGCOUNT_EXECUTOR";
/// Retries of a failed task (`logcount run`) or Argo task (`logcount workflow`).
pub const RETRIES: &str = "LOGCOUNT_RETRIES";
/// `logcount run`: a file to write the timing summary to, as JSON.
pub const STATS: &str = "LOGCOUNT_STATS";
/// Split: cut parts of about this size (`512MiB`) instead of [`NUM_PARTS`].
pub const PART_SIZE: &str = "PART_SIZE";
/// Split with [`PART_SIZE`]: the most parts.
pub const MAX_PARTS: &str = "MAX_PARTS";
/// Split: parts never mix two groups of objects (`dir`, `dir:DEPTH`, `object`).
pub const GROUP_BY: &str = "GROUP_BY";
/// Split: take only objects whose key matches one of these globs (one per line).
pub const INCLUDE: &str = "LOGCOUNT_INCLUDE";
/// Split: leave out objects whose key matches one of these globs (one per line).
pub const EXCLUDE: &str = "LOGCOUNT_EXCLUDE";
/// `logcount run`: no progress and no timing summary on stderr.
pub const QUIET: &str = "LOGCOUNT_QUIET";
/// Where the process executor finds the step binaries.
pub const BIN_DIR: &str = "LOGCOUNT_BIN_DIR";
/// The log filter (`debug`, `info`, `warn`, ...).
pub const LOG: &str = "LOGCOUNT_LOG";
/// `logcount workflow`: the container image.
pub const IMAGE: &str = "LOGCOUNT_IMAGE";
/// `logcount workflow`: the PersistentVolumeClaim (volume mode).
pub const VOLUME_CLAIM: &str = "LOGCOUNT_VOLUME_CLAIM";
/// `logcount workflow`: the credentials secret (object-storage mode).
pub const S3_SECRET: &str = "LOGCOUNT_S3_SECRET";
/// `logcount workflow`: at most this many pods at once.
pub const MAX_PARALLEL: &str = "LOGCOUNT_MAX_PARALLEL";
/// `logcount workflow`: the template name or name prefix.
pub const WORKFLOW_NAME: &str = "LOGCOUNT_WORKFLOW_NAME";
/// `logcount workflow`: CPU request of each map pod.
pub const MAP_CPU: &str = "LOGCOUNT_MAP_CPU";
/// `logcount workflow`: memory request and limit of each map pod.
pub const MAP_MEMORY: &str = "LOGCOUNT_MAP_MEMORY";
/// `logcount report`: where to write the page.
pub const REPORT_OUT: &str = "LOGCOUNT_REPORT_OUT";
/// How `logcount run` and merge print their result: json, table, csv or tsv
/// (default: a table at a terminal, the step contract elsewhere).
pub const FORMAT: &str = "LOGCOUNT_FORMAT";
/// `logcount report`: how many words to chart.
pub const REPORT_TOP: &str = "LOGCOUNT_REPORT_TOP";

/// The exit code of a step that failed on bad input (arguments, keywords,
/// manifest, data): a rerun would fail the same way.
pub const EXIT_BAD_INPUT: i32 = 2;
/// The exit code of a step that failed transiently (storage, network): a
/// rerun may succeed.
pub const EXIT_TRANSIENT: i32 = 1;

/// The variables a step binary reads that the step template sets for some
/// step: a child started from another step's environment must not inherit them.
pub const STEP_VARS: &[&str] = &[
    INPUT,
    WORK_DIR,
    NUM_PARTS,
    KEYWORDS,
    KEYWORDS_FILE,
    PART_ID,
    REDUCERS,
    REDUCER_ID,
    MATERIALIZE,
    RESULT_COPY,
    MODE,
    TOP,
    IGNORE_CASE,
    WHOLE_WORD,
    BY,
    PART_SIZE,
    MAX_PARTS,
    GROUP_BY,
    INCLUDE,
    EXCLUDE,
];

/// The three steps of the DAG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Cut the input into parts; print their ids.
    Split,
    /// Count one part.
    Count,
    /// Check and sum the count outputs (a words job: combine the reducers').
    Merge,
    /// A words job: merge one partition of every map.
    Reduce,
}

impl Step {
    /// Every step: the three of every job, then a words job's reduce.
    pub const ALL: [Step; 4] = [Step::Split, Step::Count, Step::Merge, Step::Reduce];

    /// The step binary (in the image's PATH, or next to `logcount`).
    pub fn binary(self) -> &'static str {
        match self {
            Step::Split => "logcount-split",
            Step::Count => "logcount-count",
            Step::Merge => "logcount-merge",
            Step::Reduce => "logcount-reduce",
        }
    }

    /// The DAG task that runs the step (the reference's names).
    pub fn task(self) -> &'static str {
        match self {
            Step::Split => "split",
            Step::Count => "map",
            Step::Merge => "reduce",
            Step::Reduce => "reduce-words",
        }
    }

    /// The template the task runs; also the step's name in stats.
    pub fn name(self) -> &'static str {
        match self {
            Step::Split => "split",
            Step::Count => "count",
            Step::Merge => "merge",
            Step::Reduce => "reduce",
        }
    }
}

/// A workflow parameter the steps read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// [`INPUT`].
    Input,
    /// [`WORK_DIR`].
    Work,
    /// [`NUM_PARTS`].
    Parts,
    /// [`PART_SIZE`].
    PartSize,
    /// [`KEYWORDS`].
    Keywords,
}

impl Param {
    /// Every parameter, in the workflow's order.
    pub const ALL: [Param; 5] = [
        Param::Input,
        Param::Work,
        Param::Parts,
        Param::PartSize,
        Param::Keywords,
    ];

    /// The parameter's name in the workflow.
    pub fn name(self) -> &'static str {
        match self {
            Param::Input => "input",
            Param::Work => "work",
            Param::Parts => "parts",
            Param::PartSize => "part-size",
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
    /// The reduce item: one of the reducer ids (`logcount-reduce --list`).
    ReducerId,
    /// The local file reduce copies the result to
    /// ([`RESULT_PATH`](crate::argo::RESULT_PATH) in a pod).
    ResultCopy,
    /// A key of the credentials secret (object-storage mode); a local run
    /// inherits the variable from its own environment instead.
    Secret {
        /// The secret's key, also the variable's name.
        key: &'static str,
        /// Whether the pod starts without it.
        optional: bool,
    },
}

/// One environment variable of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvVar {
    /// The variable's name.
    pub name: &'static str,
    /// Where its value comes from.
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
        use crate::store_config::vars;
        match self {
            Credentials::S3 => &[
                (vars::AWS_ACCESS_KEY_ID, false),
                (vars::AWS_SECRET_ACCESS_KEY, false),
                (vars::AWS_SESSION_TOKEN, true),
                (vars::AWS_REGION, true),
                (vars::AWS_ENDPOINT_URL, true),
                (vars::AWS_ALLOW_HTTP, true),
            ],
            Credentials::Oss => &[
                (vars::OSS_ACCESS_KEY_ID, false),
                (vars::OSS_ACCESS_KEY_SECRET, false),
                (vars::OSS_ENDPOINT, false),
                (vars::OSS_SESSION_TOKEN, true),
                (vars::OSS_REGION, true),
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
/// What the job counts is added to split's environment by
/// [`counting_env`].
pub fn step_env(step: Step, credentials: Option<Credentials>) -> Vec<EnvVar> {
    let p = |name, param| EnvVar {
        name,
        source: EnvSource::Param(param),
    };
    let mut env = match step {
        Step::Split => vec![
            p(INPUT, Param::Input),
            p(WORK_DIR, Param::Work),
            p(NUM_PARTS, Param::Parts),
            p(PART_SIZE, Param::PartSize),
            p(KEYWORDS, Param::Keywords),
        ],
        Step::Count => vec![
            p(WORK_DIR, Param::Work),
            EnvVar {
                name: PART_ID,
                source: EnvSource::PartId,
            },
        ],
        Step::Reduce => vec![
            p(WORK_DIR, Param::Work),
            EnvVar {
                name: REDUCER_ID,
                source: EnvSource::ReducerId,
            },
        ],
        Step::Merge => vec![
            p(WORK_DIR, Param::Work),
            p(NUM_PARTS, Param::Parts),
            EnvVar {
                name: RESULT_COPY,
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

/// The variables that tell split what the job counts besides its keywords
/// (which are the `keywords` parameter): only those that differ from a plain
/// keyword job, so a plain job's environment is the reference's.
///
/// ```
/// use logcount::engine::MatchOptions;
/// use logcount::keywords::Keywords;
/// use logcount::spec::{env, Counting};
/// use logcount::timeline::TimeUnit;
/// let matching = MatchOptions { ignore_case: true, whole_word: false };
/// let c = Counting::for_keywords(Keywords::default_set(), matching, Some(TimeUnit::Hour));
/// assert_eq!(env::counting_env(&c), [(env::IGNORE_CASE, "true".to_string()), (env::BY, "hour".into())]);
/// assert_eq!(env::counting_env(&Counting::words()), [(env::MODE, "words".to_string())]);
/// let ip = Counting::words().with_normalize("ip".parse().unwrap()).unwrap();
/// assert_eq!(env::counting_env(&ip), [(env::MODE, "words".to_string()), (env::NORMALIZE, "ip".into())]);
/// ```
pub fn counting_env(counting: &super::Counting) -> Vec<(&'static str, String)> {
    let mut env = Vec::new();
    if counting.mode() != crate::spec::Mode::Keywords {
        env.push((MODE, counting.mode().to_string()));
    }
    let normalize = counting.normalize();
    if !normalize.is_empty() {
        env.push((NORMALIZE, normalize.to_string()));
    }
    let matching = counting.matching();
    for (name, on) in [
        (IGNORE_CASE, matching.ignore_case),
        (WHOLE_WORD, matching.whole_word),
    ] {
        if on {
            env.push((name, "true".to_string()));
        }
    }
    if let Some(by) = counting.by() {
        env.push((BY, by.to_string()));
    }
    let time = counting.time();
    for (name, value) in [
        (TIME_FORMAT, time.format),
        (TIME_FIELD, time.field),
        (YEAR, time.year.map(|y| y.to_string())),
        (TIMEZONE, time.timezone),
    ] {
        if let Some(v) = value {
            env.push((name, v));
        }
    }
    env
}

/// How split shapes the dataset beyond its number or size of parts, as
/// split's variables: [`MAX_PARTS`] (with a part size), [`GROUP_BY`],
/// [`INCLUDE`] and [`EXCLUDE`] (one glob per line; a glob holding a line
/// break cannot be passed).
///
/// ```
/// use logcount::spec::dataset::Filters;
/// use logcount::spec::env;
/// let f = Filters::new(&["*.log".into()], &["_SUCCESS".into()]).unwrap();
/// let vars = env::dataset_env(None, Some("dir:2".parse().unwrap()), &f).unwrap();
/// assert_eq!(vars, [(env::GROUP_BY, "dir:2".to_string()), (env::INCLUDE, "*.log".into()), (env::EXCLUDE, "_SUCCESS".into())]);
/// ```
pub fn dataset_env(
    max_parts: Option<usize>,
    group_by: Option<super::dataset::GroupBy>,
    filters: &super::dataset::Filters,
) -> crate::error::Result<Vec<(&'static str, String)>> {
    let mut vars = Vec::new();
    if let Some(n) = max_parts {
        vars.push((MAX_PARTS, n.to_string()));
    }
    if let Some(by) = group_by {
        vars.push((GROUP_BY, by.to_string()));
    }
    let (include, exclude) = filters.globs();
    for (name, globs) in [(INCLUDE, include), (EXCLUDE, exclude)] {
        if globs.iter().any(|g| g.contains('\n')) {
            return Err(crate::error::Error::invalid(
                name,
                "a glob holds a line break",
            ));
        }
        if !globs.is_empty() {
            vars.push((name, globs.join("\n")));
        }
    }
    Ok(vars)
}
