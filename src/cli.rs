//! Command-line front ends shared by `logcount` and the step binaries, so
//! `logcount split` and `logcount-split` are the same code. Every flag also
//! reads an environment variable, as Argo passes parameters through `env`.
//!
//! Each driver runs one step and writes the step's contract output to stdout
//! (and nothing else); logs go to stderr.

use crate::engine::StrategyKind;
use crate::error::{Error, Result};
use crate::keywords::{Keywords, DEFAULT_KEYWORDS};
use crate::steps::count::{CountOptions, DEFAULT_BLOCK_SIZE, DEFAULT_FETCH_CONCURRENCY};
use crate::steps::split::SplitOptions;
use crate::store::{self, Stores};
use crate::words::Mode;
use clap::builder::BoolishValueParser;
use clap::Args;
use std::io::Write;

/// The work prefix the reference workflow mounts its volume at.
pub const DEFAULT_WORK: &str = "/mnt/vol";
/// The input file name the reference workflow expects in its volume.
pub const DEFAULT_INPUT_NAME: &str = "log-count-data.txt";

/// Which keywords to count.
#[derive(Debug, Clone, Args)]
pub struct KeywordArgs {
    /// Keywords to count, comma-separated (literal, case-sensitive).
    #[arg(long, env = "KEYWORDS", default_value = DEFAULT_KEYWORDS, conflicts_with = "keywords_file")]
    pub keywords: String,
    /// A file (path or URL) with one keyword per line, instead of --keywords.
    #[arg(long, env = "KEYWORDS_FILE")]
    pub keywords_file: Option<String>,
}

impl KeywordArgs {
    pub async fn load(&self, stores: &Stores) -> Result<Keywords> {
        match &self.keywords_file {
            None => Ok(Keywords::parse_list(&self.keywords)?),
            Some(f) => {
                let loc = stores.open(f)?;
                let body = store::read_all(&loc).await.map_err(|e| match e {
                    Error::NotFound { url, .. } => Error::NotFound {
                        what: "keywords file",
                        url,
                    },
                    e => e,
                })?;
                Keywords::parse_file(&body).map_err(|e| {
                    Error::invalid(format!("keywords file {}", loc.url), e.to_string())
                })
            }
        }
    }
}

/// How keywords match the text (recorded in the manifest at split).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct MatchArgs {
    /// Match keywords ASCII case-insensitively (A-Z = a-z; bytes >= 0x80 match exactly, so É != é).
    #[arg(long, env = "LOGCOUNT_IGNORE_CASE", value_parser = BoolishValueParser::new())]
    pub ignore_case: bool,
    /// Count a match only when the bytes around it are not word bytes [A-Za-z0-9_]
    /// (line and text ends, punctuation, spaces and non-ASCII bytes are not).
    #[arg(long, env = "LOGCOUNT_WHOLE_WORD", value_parser = BoolishValueParser::new())]
    pub whole_word: bool,
}

impl MatchArgs {
    pub fn options(&self) -> crate::engine::MatchOptions {
        crate::engine::MatchOptions {
            ignore_case: self.ignore_case,
            whole_word: self.whole_word,
        }
    }
}

/// `logcount-split`: cut the input into parts, write the manifest, print the part ids.
#[derive(Debug, Clone, Args)]
pub struct SplitArgs {
    /// The log to count: a path, file://, s3:// or oss:// URL; a prefix ending in '/' is a dataset
    /// [default: <work>/log-count-data.txt]
    #[arg(long, env = "INPUT")]
    pub input: Option<String>,
    /// The work prefix for the manifest and outputs (a path or URL).
    #[arg(long = "work", env = "WORK_DIR", default_value = DEFAULT_WORK)]
    pub work: String,
    /// How many parts to cut the input into (for gzip / zstd inputs a maximum:
    /// a part is at least one independently decodable member or frame).
    #[arg(long, env = "NUM_PARTS", default_value_t = 5)]
    pub parts: usize,
    #[command(flatten)]
    pub keywords: KeywordArgs,
    #[command(flatten)]
    pub matching: MatchArgs,
    /// Also write each part to <work>/split-output/<id>.txt, like the reference.
    #[arg(long, env = "MATERIALIZE", value_parser = BoolishValueParser::new())]
    pub materialize: bool,
    /// What to count: the keywords, or every word (word frequencies, no keywords).
    #[arg(long, env = "LOGCOUNT_MODE", value_enum, default_value_t = Mode::Keywords)]
    pub mode: Mode,
    /// Also count per time bucket of each line's leading timestamp (written to
    /// <work>/timeline.json by merge; see the README's "Counts over time").
    #[arg(long, env = "LOGCOUNT_BY", value_enum)]
    pub by: Option<crate::timeline::TimeUnit>,
}

/// `logcount-count`: count one part and write count-output/<id>.json.
#[derive(Debug, Clone, Args)]
pub struct CountArgs {
    /// The work prefix holding the manifest (a path or URL).
    #[arg(long = "work", env = "WORK_DIR", default_value = DEFAULT_WORK)]
    pub work: String,
    /// The id of the part to count (one of the ids split printed).
    #[arg(long, env = "PART_ID")]
    pub part_id: String,
    #[command(flatten)]
    pub tuning: CountTuning,
}

/// How the count step reads and counts.
#[derive(Debug, Clone, Args)]
pub struct CountTuning {
    /// Bytes per ranged read.
    #[arg(long, env = "LOGCOUNT_BLOCK_SIZE", default_value_t = DEFAULT_BLOCK_SIZE, value_parser = parse_block_size)]
    pub block_size: usize,
    /// Ranged reads in flight per part.
    #[arg(long, env = "LOGCOUNT_FETCH_CONCURRENCY", default_value_t = DEFAULT_FETCH_CONCURRENCY)]
    pub fetch_concurrency: usize,
    /// Count strategy (auto picks the fastest exact one).
    #[arg(long, env = "LOGCOUNT_STRATEGY", value_enum, default_value_t = StrategyKind::Auto)]
    pub strategy: StrategyKind,
}

impl CountTuning {
    pub fn options(&self) -> CountOptions {
        CountOptions {
            block_size: self.block_size,
            fetch_concurrency: self.fetch_concurrency.max(1),
            strategy: self.strategy,
        }
    }
}

fn parse_block_size(s: &str) -> Result<usize, String> {
    let n = crate::gen::parse_size(s)?;
    if !(1..=1 << 30).contains(&n) {
        return Err(format!("{s} is out of range (1 byte to 1GiB)"));
    }
    Ok(n as usize)
}

/// `logcount-merge`: check and sum the count outputs into result.json.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// The work prefix holding the manifest and count outputs (a path or URL).
    #[arg(long = "work", env = "WORK_DIR", default_value = DEFAULT_WORK)]
    pub work: String,
    /// The number of parts expected; an error when the manifest disagrees.
    #[arg(long, env = "NUM_PARTS")]
    pub parts: Option<usize>,
    /// Also write the result to this local file (for a workflow engine to
    /// collect as an output parameter or artifact).
    #[arg(long, env = "RESULT_COPY")]
    pub result_copy: Option<std::path::PathBuf>,
    /// Words mode: print only the K most frequent words (result.json keeps them all).
    #[arg(long, env = "LOGCOUNT_TOP", value_name = "K", value_parser = parse_top)]
    pub top: Option<usize>,
}

fn parse_top(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(k) if k >= 1 => Ok(k),
        _ => Err(format!("{s:?} is not a number of words (1 or more)")),
    }
}

/// Refuses options that mean nothing in words mode (exit 2), rather than
/// silently ignoring them.
pub fn check_words_mode(mode: Mode, keywords: &KeywordArgs) -> Result<()> {
    if mode != Mode::Words {
        return Ok(());
    }
    if keywords.keywords_file.is_some() || keywords.keywords != DEFAULT_KEYWORDS {
        return Err(Error::invalid(
            "options",
            "--mode words counts every word, so --keywords / --keywords-file \
             (KEYWORDS / KEYWORDS_FILE) cannot be given with it",
        ));
    }
    Ok(())
}

/// `logcount run`: split, count every part and merge, in this process.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The log to count: a path, file://, s3:// or oss:// URL; a prefix ending in '/' is a dataset.
    #[arg(long, env = "INPUT")]
    pub input: String,
    /// The work prefix for the manifest and outputs (a path or URL).
    #[arg(long = "work", env = "WORK_DIR", default_value = "logcount-work")]
    pub work: String,
    /// How many parts to cut the input into [default: the number of cores]; for
    /// gzip / zstd inputs a maximum (a part is at least one member or frame).
    #[arg(long, env = "NUM_PARTS")]
    pub parts: Option<usize>,
    /// How many parts to count at once [default: the number of cores].
    #[arg(long, env = "LOGCOUNT_JOBS")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub keywords: KeywordArgs,
    #[command(flatten)]
    pub matching: MatchArgs,
    /// Also write each part to <work>/split-output/<id>.txt.
    #[arg(long, env = "MATERIALIZE", value_parser = BoolishValueParser::new())]
    pub materialize: bool,
    /// What to count: the keywords, or every word (word frequencies, no keywords).
    #[arg(long, env = "LOGCOUNT_MODE", value_enum, default_value_t = Mode::Keywords)]
    pub mode: Mode,
    /// Words mode: print only the K most frequent words (result.json keeps them all).
    #[arg(long, env = "LOGCOUNT_TOP", value_name = "K", value_parser = parse_top)]
    pub top: Option<usize>,
    /// Also count per time bucket of each line's leading timestamp (written to
    /// <work>/timeline.json by merge; see the README's "Counts over time").
    #[arg(long, env = "LOGCOUNT_BY", value_enum)]
    pub by: Option<crate::timeline::TimeUnit>,
    #[command(flatten)]
    pub tuning: CountTuning,
    /// How to run the steps: library calls in this process, or the step binaries as child
    /// processes exactly as Argo runs them (found next to this executable or in LOGCOUNT_BIN_DIR).
    #[arg(long, env = "LOGCOUNT_EXECUTOR", value_enum, default_value_t = crate::run::Executor::InProcess)]
    pub executor: crate::run::Executor,
    /// Retries of a failed task, with backoff (bad input is not retried).
    #[arg(long, env = "LOGCOUNT_RETRIES", default_value_t = 3)]
    pub retries: u32,
    /// Write the per-step timing summary to this file as JSON.
    #[arg(long, env = "LOGCOUNT_STATS")]
    pub stats: Option<std::path::PathBuf>,
}

/// `logcount workflow`: print an Argo Workflow (or WorkflowTemplate) running the DAG.
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("storage").required(true).args(["volume_claim", "s3_secret"])))]
pub struct WorkflowArgs {
    /// The container image holding the step binaries.
    #[arg(long, env = "LOGCOUNT_IMAGE", default_value_t = crate::argo::default_image())]
    pub image: String,
    /// Default number of parts (map pods); `-p parts=N` at submit time overrides it.
    #[arg(long, env = "NUM_PARTS", default_value_t = 5)]
    pub parts: usize,
    /// Volume mode: the PersistentVolumeClaim mounted at /mnt/vol in every pod.
    #[arg(long, env = "LOGCOUNT_VOLUME_CLAIM")]
    pub volume_claim: Option<String>,
    /// Object-storage mode: the Kubernetes secret holding the s3:// (AWS_*) or oss:// (OSS_*)
    /// credentials, one key per variable; --input and --work must be URLs.
    #[arg(long, env = "LOGCOUNT_S3_SECRET")]
    pub s3_secret: Option<String>,
    /// At most this many pods at once.
    #[arg(long, env = "LOGCOUNT_MAX_PARALLEL", default_value_t = 50)]
    pub max_parallel: u32,
    /// Retries per task (map tasks retry any failure, including evicted pods).
    #[arg(long, env = "LOGCOUNT_RETRIES", default_value_t = 3)]
    pub retries: u32,
    /// Default keywords, comma-separated.
    #[arg(long, env = "KEYWORDS", default_value = DEFAULT_KEYWORDS)]
    pub keywords: String,
    /// Default input [volume: /mnt/vol/log-count-data.txt].
    #[arg(long, env = "INPUT")]
    pub input: Option<String>,
    /// Default work prefix [volume: /mnt/vol].
    #[arg(long = "work", env = "WORK_DIR")]
    pub work: Option<String>,
    /// Print a WorkflowTemplate (`argo template create`) instead of a Workflow.
    #[arg(long)]
    pub template: bool,
    /// The template name, or the workflow's name prefix.
    #[arg(long, env = "LOGCOUNT_WORKFLOW_NAME", default_value = "logcount")]
    pub name: String,
    /// What the workflow counts by default (split's LOGCOUNT_MODE).
    #[arg(long, env = "LOGCOUNT_MODE", value_enum, default_value_t = Mode::Keywords)]
    pub mode: Mode,
    /// Words mode: the number of words merge prints (its LOGCOUNT_TOP).
    #[arg(long, env = "LOGCOUNT_TOP", value_name = "K", value_parser = parse_top)]
    pub top: Option<usize>,
    /// CPU request of each map pod.
    #[arg(long, env = "LOGCOUNT_MAP_CPU", default_value = "1")]
    pub map_cpu: String,
    /// Memory request and limit of each map pod.
    #[arg(long, env = "LOGCOUNT_MAP_MEMORY", default_value = "512Mi")]
    pub map_memory: String,
    /// Match options for the split step (it records them in the manifest).
    #[command(flatten)]
    pub matching: MatchArgs,
    /// Time buckets for the split step (it records them in the manifest).
    #[arg(long, env = "LOGCOUNT_BY", value_enum)]
    pub by: Option<crate::timeline::TimeUnit>,
}

/// Prints the generated workflow.
pub fn workflow(args: &WorkflowArgs) -> Result<()> {
    use crate::argo::{Storage, WorkflowOptions};
    let storage = match (&args.volume_claim, &args.s3_secret) {
        (Some(claim), None) => Storage::Volume {
            claim: claim.clone(),
        },
        (None, Some(secret)) => Storage::ObjectStore {
            secret: secret.clone(),
        },
        _ => {
            return Err(Error::invalid(
                "storage",
                "give one of --volume-claim and --s3-secret",
            ))
        }
    };
    let opts = WorkflowOptions {
        template: args.template,
        name: args.name.clone(),
        image: args.image.clone(),
        storage,
        parts: args.parts,
        input: args.input.clone(),
        work: args.work.clone(),
        keywords: args.keywords.clone(),
        max_parallel: args.max_parallel,
        retries: args.retries,
        map_cpu: args.map_cpu.clone(),
        map_memory: args.map_memory.clone(),
        mode: args.mode,
        top: args.top,
        matching: args.matching.options(),
        by: args.by,
    };
    let yaml = crate::argo::generate(&opts)?;
    print_stdout(yaml.trim_end())
}

/// `logcount report`: one self-contained HTML page describing a finished run.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The work prefix of a finished run (after merge), a path or URL.
    #[arg(long = "work", env = "WORK_DIR", default_value = "logcount-work")]
    pub work: String,
    /// Where to write the page, a path or URL [default: <work>/report.html].
    #[arg(long, env = "LOGCOUNT_REPORT_OUT")]
    pub out: Option<String>,
    /// Words mode: how many of the most frequent words to chart.
    #[arg(long, env = "LOGCOUNT_REPORT_TOP", default_value_t = 30)]
    pub top: usize,
}

/// `logcount gen`: write a realistic log for tests and benchmarks.
#[derive(Debug, Clone, Args)]
pub struct GenArgs {
    /// Approximate size (whole lines, never more): 4096, 64MiB, 1GiB, ...
    #[arg(long, default_value = "64MiB", value_parser = crate::gen::parse_size)]
    pub size: u64,
    /// Seed: the same seed and size give the same bytes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output file (`-` for stdout).
    #[arg(long, default_value = "-")]
    pub out: String,
}

/// Writes the step's contract output. A closed pipe is not an error.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// A runtime for one step.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("starting the async runtime")
}

/// Sends logs to stderr; `LOGCOUNT_LOG` (or `RUST_LOG`) sets the filter.
pub fn init_logging(default: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var("LOGCOUNT_LOG")
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| default.to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Runs split; prints the part ids as one JSON list.
pub async fn split(stores: &Stores, args: &SplitArgs) -> Result<()> {
    let work = stores.open(&args.work)?;
    let input = match &args.input {
        Some(i) => stores.open(i)?,
        None => work.join(DEFAULT_INPUT_NAME),
    };
    check_words_mode(args.mode, &args.keywords)?;
    let opts = SplitOptions {
        by: args.by,
        matching: args.matching.options(),
        parts: args.parts,
        keywords: args.keywords.load(stores).await?,
        materialize: args.materialize,
        mode: args.mode,
    };
    let manifest = crate::steps::split::split(&input, &work, &opts).await?;
    print_stdout(&serde_json::to_string(&manifest.part_ids()).expect("ids serialize"))
}

/// Runs count; prints the part's counts as a JSON object.
pub async fn count(stores: &Stores, args: &CountArgs) -> Result<()> {
    let work = stores.open(&args.work)?;
    let out =
        crate::steps::count::count(stores, &work, &args.part_id, &args.tuning.options()).await?;
    print_stdout(&serde_json::to_string(&out.counts).expect("counts serialize"))
}

/// Runs merge; prints the result (the contents of result.json).
pub async fn merge(stores: &Stores, args: &MergeArgs) -> Result<()> {
    let work = stores.open(&args.work)?;
    let merged = crate::steps::merge::merge(stores, &work, args.parts).await?;
    let text = serde_json::to_string(&merged.result).expect("counts serialize");
    if let Some(path) = &args.result_copy {
        // Written whole then renamed: a reader never sees half a result.
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, format!("{text}\n"))?;
        std::fs::rename(&tmp, path)?;
    }
    match merged.mode {
        Mode::Keywords => print_stdout(&text),
        Mode::Words => print_words(&merged.result, args.top),
    }
}

/// Prints `word count` lines (words mode's stdout), at most `top`.
pub fn print_words(result: &crate::manifest::KeywordCounts, top: Option<usize>) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match crate::words::write_result_lines(&mut out, result, top).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Runs the whole pipeline in this process; prints the result.
pub async fn run(stores: &Stores, args: &RunArgs) -> Result<()> {
    let result = crate::run::run_command(stores, args).await?;
    match args.mode {
        Mode::Keywords => print_stdout(&serde_json::to_string(&result).expect("counts serialize")),
        Mode::Words => print_words(&result, args.top),
    }
}

/// Writes the report page; prints its URL.
pub async fn report(stores: &Stores, args: &ReportArgs) -> Result<()> {
    let work = stores.open(&args.work)?;
    let out = args.out.as_deref().map(|o| stores.open(o)).transpose()?;
    let written = crate::report::report(&work, out, args.top).await?;
    print_stdout(written.url.as_str())
}

/// Writes a generated log.
pub fn gen(args: &GenArgs) -> Result<()> {
    if args.out == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        match crate::gen::write_log(&mut out, args.size, args.seed).and_then(|_| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other.map(|_| ())?),
        }
    } else {
        let tmp = format!("{}.tmp-{}", args.out, std::process::id());
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        crate::gen::write_log(&mut out, args.size, args.seed)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &args.out)?;
        Ok(())
    }
}
