//! The flags of every command, as clap parses them. Each flag also reads
//! the environment variable named in [`logcount::spec::env`], as Argo passes
//! parameters through `env`. Flags become library types in one conversion
//! each ([`SplitArgs::options`], [`RunArgs::plan`], ...); nothing below the
//! command line sees a flag.

use crate::output::Format;
use clap::builder::{BoolishValueParser, PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::Args;
use logcount::budget::{self, Cgroup, MemoryBudget};
use logcount::engine::{MatchOptions, StrategyKind};
use logcount::error::{Error, Result};
use logcount::keywords::Keywords;
use logcount::named::Named;
use logcount::normalize::Normalizer;
use logcount::run::{Retry, RunOptions, RunPlan};
use logcount::spec::dataset::{Filters, GroupBy, Sizing, DEFAULT_MAX_PARTS};
use logcount::spec::env;
use logcount::spec::Counting;
use logcount::spec::Mode;
use logcount::spec::TimeOptions;
use logcount::steps::count::{
    CountOptions, LocalRead, DEFAULT_BLOCK_SIZE, DEFAULT_FETCH_CONCURRENCY,
};
use logcount::steps::split::SplitOptions;
use logcount::store::{self, Stores};
use logcount::timeline::TimeUnit;

/// The work prefix the reference workflow mounts its volume at.
pub const DEFAULT_WORK: &str = logcount::argo::VOLUME_MOUNT;

/// Parses one of a [`Named`] set, listing the names (and their help) in `--help`.
fn named<T: Named + Send + Sync>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(
        T::ALL
            .iter()
            .map(|v| PossibleValue::new(v.name()).help(v.help()).hide(v.hidden())),
    )
    .map(|name| T::from_name(&name).expect("clap checked the name"))
}

/// Which keywords to count.
#[derive(Debug, Clone, Args)]
pub struct KeywordArgs {
    /// Keywords to count, comma-separated (literal, case-sensitive) [default: INFO,WARN,ERROR,DEBUG].
    #[arg(long, env = env::KEYWORDS, conflicts_with = "keywords_file")]
    pub keywords: Option<String>,
    /// A file (path or URL) with one keyword per line, instead of --keywords.
    #[arg(long, env = env::KEYWORDS_FILE)]
    pub keywords_file: Option<String>,
}

impl KeywordArgs {
    /// The keywords given, read from the file when one is named; `None`
    /// when none were given.
    pub async fn load(&self, stores: &Stores) -> Result<Option<Keywords>> {
        match (&self.keywords, &self.keywords_file) {
            (None, None) => Ok(None),
            (Some(list), _) => Ok(Some(Keywords::parse_list(list)?)),
            (None, Some(f)) => {
                let loc = stores.open(f)?;
                let body = store::read_all(&loc).await.map_err(|e| match e {
                    Error::NotFound { url, .. } => Error::NotFound {
                        what: "keywords file",
                        url,
                    },
                    e => e,
                })?;
                Keywords::parse_file(&body).map(Some).map_err(|e| {
                    Error::invalid(format!("keywords file {}", loc.url), e.to_string())
                })
            }
        }
    }
}

/// What the job counts: keywords and how they match, or words; time buckets.
#[derive(Debug, Clone, Args)]
pub struct CountingArgs {
    /// `--keywords` or `--keywords-file`.
    #[command(flatten)]
    pub keywords: KeywordArgs,
    /// Match keywords ASCII case-insensitively (A-Z = a-z; bytes >= 0x80 match exactly, so É != é).
    #[arg(long, env = env::IGNORE_CASE, value_parser = BoolishValueParser::new())]
    pub ignore_case: bool,
    /// Count a match only when the bytes around it are not word bytes [A-Za-z0-9_]
    /// (line and text ends, punctuation, spaces and non-ASCII bytes are not).
    #[arg(long, env = env::WHOLE_WORD, value_parser = BoolishValueParser::new())]
    pub whole_word: bool,
    /// What to count: the keywords, or every word (word frequencies, no keywords).
    #[arg(long, env = env::MODE, value_parser = named::<Mode>(), default_value_t = Mode::Keywords)]
    pub mode: Mode,
    /// --mode words: replace variable runs inside each word with placeholders before counting,
    /// so counts show message shapes: a comma-separated list of digits (`<n>`), hex (`<hex>`),
    /// uuid (`<uuid>`), ip (`<ip>`), or none (see docs/counting.md) [default: none]
    #[arg(long, env = env::NORMALIZE, value_name = "KINDS")]
    pub normalize: Option<String>,
    /// Also count per time bucket of each line's timestamp, written to
    /// <work>/timeline.json by merge (see docs/timestamps.md): second, minute, hour, day, or
    /// Ns / Nm (N dividing 60: 5m, 15m, 30s) or Nh (N dividing 24: 6h).
    #[arg(long, env = env::BY, value_name = "WIDTH")]
    pub by: Option<String>,
    /// How --by reads timestamps: a format name (iso, rfc5424, syslog, apache, clf, hdfs,
    /// logcat, spark, healthapp, proxifier, epoch, epoch-ms, json) or a strftime-style pattern
    /// (`%d/%b/%Y:%H:%M:%S %z`) [default: detected per object from its first lines]
    #[arg(long, env = env::TIME_FORMAT, value_name = "NAME|PATTERN")]
    pub time_format: Option<String>,
    /// Where --by finds the timestamp: the Nth whitespace-separated field, or a JSON key
    /// [default: where the format has it, the line start for most]
    #[arg(long, env = env::TIME_FIELD, value_name = "N|json:KEY")]
    pub time_field: Option<String>,
    /// The year of timestamps written without one (syslog, logcat): the year of each
    /// object's first timed line; a December -> January turn moves to the next year
    /// [default: from the object's last-modified time]
    #[arg(long, env = env::YEAR, value_name = "YEAR")]
    pub year: Option<String>,
    /// The zone of timestamps written without one: an IANA name (Europe/Paris), UTC, or an
    /// offset (+05:30) [default: UTC]
    #[arg(long, env = env::TIMEZONE, value_name = "ZONE", allow_hyphen_values = true)]
    pub timezone: Option<String>,
}

impl CountingArgs {
    /// The job spec (keywords read from their file), refusing what does not go together.
    pub async fn counting(&self, stores: &Stores) -> Result<Counting> {
        let matching = MatchOptions {
            ignore_case: self.ignore_case,
            whole_word: self.whole_word,
        };
        let keywords = self.keywords.load(stores).await?;
        let by = blank_or(self.by.as_deref(), "--by", |v| {
            v.parse::<TimeUnit>().map_err(|e| e.to_string())
        })?;
        let text = |v: &str| Ok::<_, String>(v.to_string());
        let time = TimeOptions {
            format: blank_or(self.time_format.as_deref(), "--time-format", text)?,
            field: blank_or(self.time_field.as_deref(), "--time-field", text)?,
            year: blank_or(self.year.as_deref(), "--year", |v| {
                v.parse::<i32>().map_err(|_| format!("{v:?} is not a year"))
            })?,
            timezone: blank_or(self.timezone.as_deref(), "--timezone", text)?,
        };
        // Checked here too, so that a generated workflow never carries a bad one.
        logcount::timeline::rule::TimeSettings::parse(&time)?;
        let normalize = blank_or(self.normalize.as_deref(), "--normalize", |v| {
            v.parse::<Normalizer>()
        })?;
        Counting::new(self.mode, keywords, matching, by)?
            .with_time(time)?
            .with_normalize(normalize.unwrap_or_default())
    }
}

/// Which objects split takes, how it sizes parts and what parts may mix.
#[derive(Debug, Clone, Args)]
pub struct DatasetArgs {
    /// Cut parts of about this size (512MiB, 1GiB, ...) instead of a fixed number: the fan-out
    /// follows the data, at most --max-parts parts. Not with --parts; an empty value is none.
    #[arg(long, env = env::PART_SIZE, value_name = "SIZE")]
    pub part_size: Option<String>,
    /// With --part-size: the most parts.
    #[arg(long, env = env::MAX_PARTS, default_value_t = DEFAULT_MAX_PARTS)]
    pub max_parts: usize,
    /// Parts never mix two groups, and merge also writes groups.json (each group's counts):
    /// `dir` or `dir:DEPTH` (the first DEPTH folders of each object's key), or `object`.
    #[arg(long, env = env::GROUP_BY, value_name = "dir[:DEPTH]|object")]
    pub group_by: Option<GroupBy>,
    /// Take only objects whose key (path below the input) matches this glob (repeatable;
    /// `*.log`, `2024-*/**/*.gz`; without a '/' it matches the file name at any depth;
    /// `!GLOB` excludes). The variable holds one glob per line.
    #[arg(long, env = env::INCLUDE, value_name = "GLOB", value_delimiter = '\n')]
    pub include: Vec<String>,
    /// Leave out objects whose key matches this glob (repeatable; `_SUCCESS`, `tmp/**`).
    #[arg(long, env = env::EXCLUDE, value_name = "GLOB", value_delimiter = '\n')]
    pub exclude: Vec<String>,
    /// --mode words: the number of reducers of the shuffle (each merges one partition of
    /// every part's words into words/<r>.tsv) [default: one per 256 MiB of input, 1 to 64].
    /// An empty value is the default.
    #[arg(long, env = env::REDUCERS, value_name = "R")]
    pub reducers: Option<String>,
}

impl DatasetArgs {
    /// `--part-size`, parsed; an empty value (an Argo parameter left empty) is none.
    pub fn part_size(&self) -> Result<Option<u64>> {
        blank_or(
            self.part_size.as_deref(),
            &format!("part size (--part-size, {})", env::PART_SIZE),
            parse_part_size,
        )
    }

    /// `--part-size`, refused when `--parts` is given too (`parts`).
    fn part_size_unless(&self, parts: Option<usize>) -> Result<Option<u64>> {
        let part_size = self.part_size()?;
        if parts.is_some() && part_size.is_some() {
            return Err(Error::invalid(
                "parts",
                format!(
                    "give a number of parts (--parts, {}) or a part size (--part-size, {}), \
                     not both",
                    env::NUM_PARTS,
                    env::PART_SIZE
                ),
            ));
        }
        Ok(part_size)
    }

    /// `--reducers`, parsed; an empty value is none.
    pub fn reducers(&self) -> Result<Option<u32>> {
        let max = logcount::shuffle::MAX_REDUCERS;
        blank_or(
            self.reducers.as_deref(),
            &format!("number of reducers (--reducers, {})", env::REDUCERS),
            |s| match s.parse::<u32>() {
                Ok(r) if (1..=max).contains(&r) => Ok(r),
                _ => Err(format!("{s:?} is not a number of reducers (1 to {max})")),
            },
        )
    }

    /// `--include` and `--exclude`.
    pub fn filters(&self) -> Result<Filters> {
        let nonempty =
            |v: &[String]| -> Vec<String> { v.iter().filter(|g| !g.is_empty()).cloned().collect() };
        Filters::new(&nonempty(&self.include), &nonempty(&self.exclude))
    }

    /// Split's options: `parts` when given (`None`: `default_parts`, unless
    /// --part-size sizes the parts); both is an error.
    pub fn options(
        &self,
        parts: Option<usize>,
        default_parts: usize,
        counting: Counting,
        materialize: bool,
    ) -> Result<SplitOptions> {
        let part_size = self.part_size_unless(parts)?;
        let reducers = self.reducers()?;
        if reducers.is_some() && counting.mode() != Mode::Words {
            return Err(Error::invalid(
                format!("--reducers ({})", env::REDUCERS),
                "reducers merge the shuffle of a words job: give --mode words",
            ));
        }
        Ok(SplitOptions {
            reducers,
            parts: parts.unwrap_or(default_parts),
            part_size,
            max_parts: self.max_parts,
            group_by: self.group_by,
            filters: self.filters()?,
            counting,
            materialize,
        })
    }
}

/// A value that may be given empty (an Argo parameter left empty): `None`
/// then; otherwise parsed, its error naming `what`.
pub fn blank_or<T>(
    given: Option<&str>,
    what: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>> {
    match given.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => parse(v)
            .map(Some)
            .map_err(|reason| Error::invalid(what, reason)),
    }
}

/// How a bad number of parts is named: the flag and its variable.
fn parts_flag() -> String {
    format!("number of parts (--parts, {})", env::NUM_PARTS)
}

fn parse_parts(s: &str) -> Result<usize, String> {
    s.parse()
        .map_err(|_| format!("{s:?} is not a number of parts"))
}

fn parse_part_size(s: &str) -> Result<u64, String> {
    match logcount::gen::parse_size(s)? {
        0 => Err(format!("{s:?}: a part holds at least 1 byte")),
        n => Ok(n),
    }
}

/// `logcount-split`: cut the input into parts, write the manifest, print the part ids.
#[derive(Debug, Clone, Args)]
pub struct SplitArgs {
    /// The log to count: a path, file://, s3:// or oss:// URL, or a glob; a prefix ending in '/'
    /// is a dataset. Repeat it for several inputs that form one dataset (the variable holds one
    /// per line) [default: <work>/log-count-data.txt]
    #[arg(long, env = env::INPUT, value_delimiter = '\n')]
    pub input: Vec<String>,
    /// The work prefix for the manifest and outputs (a path or URL).
    #[arg(long = "work", env = env::WORK_DIR, default_value = DEFAULT_WORK)]
    pub work: String,
    /// How many parts to cut the input into (for gzip / zstd inputs a maximum:
    /// a part is at least one independently decodable member or frame) [default: 5, unless
    /// --part-size]. An empty value is none.
    #[arg(long, env = env::NUM_PARTS, value_name = "N")]
    pub parts: Option<String>,
    /// What the job counts; recorded in the manifest.
    #[command(flatten)]
    pub counting: CountingArgs,
    /// Also write each part to <work>/split-output/<id>.txt, like the reference.
    #[arg(long, env = env::MATERIALIZE, value_parser = BoolishValueParser::new())]
    pub materialize: bool,
    /// Which objects, how big the parts, what parts may mix.
    #[command(flatten)]
    pub dataset: DatasetArgs,
}

impl SplitArgs {
    /// The inputs (given, or the reference's file in the work prefix) and work URL.
    pub fn locations(&self) -> (Vec<String>, String) {
        let mut inputs: Vec<String> = self
            .input
            .iter()
            .filter(|i| !i.is_empty())
            .cloned()
            .collect();
        if inputs.is_empty() {
            inputs.push(format!(
                "{}/{}",
                self.work.trim_end_matches('/'),
                logcount::argo::DEFAULT_INPUT_NAME
            ));
        }
        (inputs, self.work.clone())
    }

    /// Split's options.
    pub async fn options(&self, stores: &Stores) -> Result<SplitOptions> {
        let counting = self.counting.counting(stores).await?;
        let parts = blank_or(self.parts.as_deref(), &parts_flag(), parse_parts)?;
        self.dataset.options(parts, 5, counting, self.materialize)
    }
}

/// `logcount-count`: count one part and write count-output/<id>.json.
#[derive(Debug, Clone, Args)]
pub struct CountArgs {
    /// The work prefix holding the manifest (a path or URL).
    #[arg(long = "work", env = env::WORK_DIR, default_value = DEFAULT_WORK)]
    pub work: String,
    /// The id of the part to count (one of the ids split printed).
    #[arg(long, env = env::PART_ID)]
    pub part_id: String,
    /// Block size, reads in flight, strategy.
    #[command(flatten)]
    pub tuning: CountTuning,
}

/// How the count step reads and counts.
#[derive(Debug, Clone, Args)]
pub struct CountTuning {
    /// Bytes per ranged read.
    #[arg(long, env = env::BLOCK_SIZE, default_value_t = DEFAULT_BLOCK_SIZE, value_parser = parse_block_size)]
    pub block_size: usize,
    /// Ranged reads in flight per part.
    #[arg(long, env = env::FETCH_CONCURRENCY, default_value_t = DEFAULT_FETCH_CONCURRENCY)]
    pub fetch_concurrency: usize,
    /// Count strategy (auto picks the fastest exact one).
    #[arg(long, env = env::STRATEGY, value_parser = named::<StrategyKind>(), default_value_t = StrategyKind::Auto)]
    pub strategy: StrategyKind,
    /// Memory budget (256M, 1G, 512Mi; k/m/g are binary, as in Docker), which bounds the
    /// blocks read ahead of the counting threads [default: the cgroup's memory limit, else 1G].
    #[arg(long, env = env::MEMORY, value_parser = budget::parse_memory)]
    pub memory: Option<u64>,
    /// How a plain local file is read: pread copies it in 1 MiB blocks into reused buffers;
    /// mmap counts the page cache in place (a file cut shorter while mapped could end the
    /// count with SIGBUS).
    #[arg(long, env = env::READ, value_parser = named::<LocalRead>(), default_value_t = LocalRead::Pread)]
    pub read: LocalRead,
}

impl CountTuning {
    /// Count's options, its memory budget shared by `jobs` counts at once:
    /// `--memory`, else the cgroup's limit, else the default.
    pub fn options(&self, jobs: usize) -> CountOptions {
        let memory = MemoryBudget::resolve(self.memory, &Cgroup::read()).shared(jobs);
        CountOptions {
            block_size: self.block_size,
            fetch_concurrency: self.fetch_concurrency.max(1),
            strategy: self.strategy,
            memory: memory.bytes,
            read: self.read,
        }
    }
}

fn parse_block_size(s: &str) -> Result<usize, String> {
    let n = logcount::gen::parse_size(s)?;
    if !(1..=1 << 30).contains(&n) {
        return Err(format!("{s} is out of range (1 byte to 1GiB)"));
    }
    Ok(n as usize)
}

/// `logcount-reduce`: merge one partition of every map of a words job.
#[derive(Debug, Clone, Args)]
pub struct ReduceArgs {
    /// The work prefix holding the manifest and the maps' partitions (a path or URL).
    #[arg(long = "work", env = env::WORK_DIR, default_value = DEFAULT_WORK)]
    pub work: String,
    /// The reducer to run (one of the ids --list prints).
    #[arg(long, env = env::REDUCER_ID, value_name = "ID")]
    pub reducer_id: Option<String>,
    /// Print the job's reducer ids as a JSON list (["0","1",...]) and exit: the items of
    /// the reduce fan-out.
    #[arg(long)]
    pub list: bool,
    /// How many of its most frequent words the reducer keeps for result.json
    /// [default: 1000].
    #[arg(long, env = env::TOP, value_name = "K", value_parser = parse_top)]
    pub top: Option<usize>,
}

/// `logcount-merge`: check and sum the count outputs into result.json.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// The work prefix holding the manifest and count outputs (a path or URL).
    #[arg(long = "work", env = env::WORK_DIR, default_value = DEFAULT_WORK)]
    pub work: String,
    /// The number of parts expected; an error when the manifest disagrees (an empty value
    /// checks nothing).
    #[arg(long, env = env::NUM_PARTS, value_name = "N")]
    pub parts: Option<String>,
    /// Also write the result to this local file (for a workflow engine to
    /// collect as an output parameter or artifact).
    #[arg(long, env = env::RESULT_COPY)]
    pub result_copy: Option<std::path::PathBuf>,
    /// Words mode: print only the K most frequent words [default: what result.json holds,
    /// the reducers' top K, 1000 unless the reducers were given LOGCOUNT_TOP].
    #[arg(long, env = env::TOP, value_name = "K", value_parser = parse_top)]
    pub top: Option<usize>,
    /// How to print the result [default: a table at a terminal; elsewhere the contract:
    /// result.json's JSON, or `word count` lines in words mode]. A --by job's buckets are
    /// in the table and are what csv and tsv print; json is result.json's either way.
    #[arg(long, env = env::FORMAT, value_parser = named::<Format>())]
    pub format: Option<Format>,
}

impl MergeArgs {
    /// The number of parts expected, if any.
    pub fn parts(&self) -> Result<Option<usize>> {
        blank_or(self.parts.as_deref(), &parts_flag(), parse_parts)
    }
}

fn parse_top(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(k) if k >= 1 => Ok(k),
        _ => Err(format!("{s:?} is not a number of words (1 or more)")),
    }
}

/// How `logcount run` runs the steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecutorKind {
    /// Library calls in this process.
    InProcess,
    /// The step binaries as child processes, as Argo runs them.
    Process,
}

impl Named for ExecutorKind {
    const ALL: &'static [Self] = &[ExecutorKind::InProcess, ExecutorKind::Process];
    fn name(self) -> &'static str {
        match self {
            ExecutorKind::InProcess => "in-process",
            ExecutorKind::Process => "process",
        }
    }
    fn help(self) -> &'static str {
        match self {
            ExecutorKind::InProcess => "Library calls in this process",
            ExecutorKind::Process => "The step binaries as child processes, as Argo runs them",
        }
    }
}

impl std::fmt::Display for ExecutorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `logcount run`: split, count every part and merge, in this process.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The logs to count: paths, file://, s3:// or oss:// URLs, or globs (`logs/*.log`,
    /// `s3://bucket/2024-*/**/*.gz`); several form one dataset, and a prefix ending in '/' is a
    /// dataset. `-`, or no input while standard input is not a terminal, counts standard input
    /// in one pass (gzip and zstd detected from its first bytes); a stream has no split, so
    /// --parts, --jobs, --materialize and --executor do not apply to it.
    #[arg(value_name = "LOG")]
    pub inputs: Vec<String>,
    /// An input, as LOG above (repeatable; the variable holds one per line).
    #[arg(long = "input", env = env::INPUT, value_name = "LOG", value_delimiter = '\n')]
    pub input_flags: Vec<String>,
    /// The work prefix for the manifest and outputs, kept after the run (a path or URL)
    /// [default: a temporary directory, removed when the run ends, also on error or Ctrl-C;
    /// none for standard input].
    #[arg(long = "work", env = env::WORK_DIR)]
    pub work: Option<String>,
    /// Keep the temporary work directory and print where it is.
    #[arg(long, conflicts_with = "work")]
    pub keep: bool,
    /// How many parts to cut the input into [default: the number of cores]; for
    /// gzip / zstd inputs a maximum (a part is at least one member or frame).
    #[arg(long, env = env::NUM_PARTS)]
    pub parts: Option<usize>,
    /// How many parts to count at once [default: the number of cores].
    #[arg(long, env = env::JOBS)]
    pub jobs: Option<usize>,
    /// What the job counts.
    #[command(flatten)]
    pub counting: CountingArgs,
    /// Also write each part to <work>/split-output/<id>.txt.
    #[arg(long, env = env::MATERIALIZE, value_parser = BoolishValueParser::new())]
    pub materialize: bool,
    /// Which objects, how big the parts, what parts may mix.
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Words mode: the K most frequent words, which result.json holds and the run prints
    /// [default: 1000; a standard-input run keeps every word in result.json].
    #[arg(long, env = env::TOP, value_name = "K", value_parser = parse_top)]
    pub top: Option<usize>,
    /// How to print the result [default: a table at a terminal; elsewhere the contract:
    /// result.json's JSON, or `word count` lines in words mode]. A --by job's buckets are
    /// in the table and are what csv and tsv print; json is result.json's either way.
    #[arg(long, env = env::FORMAT, value_parser = named::<Format>())]
    pub format: Option<Format>,
    /// How each count reads and counts.
    #[command(flatten)]
    pub tuning: CountTuning,
    /// How to run the steps: library calls in this process, or the step binaries as child
    /// processes exactly as Argo runs them (found next to this executable or in LOGCOUNT_BIN_DIR).
    #[arg(long, env = env::EXECUTOR, value_parser = named::<ExecutorKind>(), default_value_t = ExecutorKind::InProcess)]
    pub executor: ExecutorKind,
    /// Retries of a failed task, with backoff (bad input is not retried).
    #[arg(long, env = env::RETRIES, default_value_t = 3)]
    pub retries: u32,
    /// Write the per-step timing summary to this file as JSON.
    #[arg(long, env = env::STATS)]
    pub stats: Option<std::path::PathBuf>,
    /// Show no progress and no timing summary on stderr (errors still print).
    #[arg(short, long, env = env::QUIET, value_parser = BoolishValueParser::new())]
    pub quiet: bool,
}

/// What `run` counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input, in one pass.
    Stream,
    /// Stored inputs (paths, URLs, globs), split into parts.
    Stored(Vec<String>),
}

impl RunArgs {
    /// What the run counts: the inputs given (as arguments or `--input`),
    /// or standard input for `-`, or for none when it is not a terminal.
    pub fn source(&self, stdin_is_terminal: bool) -> Result<Source> {
        let all: Vec<String> = self
            .inputs
            .iter()
            .chain(&self.input_flags)
            .filter(|i| !i.is_empty())
            .cloned()
            .collect();
        match all.as_slice() {
            [] if !stdin_is_terminal => Ok(Source::Stream),
            [] => Err(Error::invalid(
                "input",
                "none given: name files, URLs or globs, or pipe a log into standard input",
            )),
            [one] if one == "-" => Ok(Source::Stream),
            many if many.iter().any(|i| i == "-") => Err(Error::invalid(
                "input",
                "`-` (standard input) is counted alone, not with other inputs",
            )),
            many => Ok(Source::Stored(many.to_vec())),
        }
    }

    /// Refuses the options that have no meaning for a stream.
    pub fn check_stream_options(&self) -> Result<()> {
        let refused = [
            (self.parts.is_some(), "--parts"),
            (self.dataset.part_size.is_some(), "--part-size"),
            (
                self.dataset
                    .reducers
                    .as_deref()
                    .is_some_and(|r| !r.trim().is_empty()),
                "--reducers",
            ),
            (self.dataset.group_by.is_some(), "--group-by"),
            (!self.dataset.include.is_empty(), "--include"),
            (!self.dataset.exclude.is_empty(), "--exclude"),
            (self.materialize, "--materialize"),
            (self.executor == ExecutorKind::Process, "--executor process"),
        ];
        match refused.iter().find(|(given, _)| *given) {
            Some((_, flag)) => Err(Error::invalid(
                flag.to_string(),
                "standard input is counted in one pass in this process, with no split",
            )),
            None => Ok(()),
        }
    }

    /// The run's plan, over `inputs` with its work prefix at `work`.
    pub async fn plan(&self, stores: &Stores, inputs: &[String], work: &str) -> Result<RunPlan> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let jobs = self.jobs.unwrap_or(cores);
        Ok(RunPlan {
            inputs: inputs.to_vec(),
            work: work.to_string(),
            options: RunOptions {
                split: self.dataset.options(
                    self.parts,
                    cores,
                    self.counting.counting(stores).await?,
                    self.materialize,
                )?,
                count: self.tuning.options(jobs),
                reduce: logcount::steps::reduce::ReduceOptions {
                    top: self.top.unwrap_or(logcount::shuffle::DEFAULT_TOP),
                },
                jobs,
            },
            retry: Retry {
                retries: self.retries,
                ..Retry::default()
            },
        })
    }
}

/// `logcount workflow`: print an Argo Workflow (or WorkflowTemplate) running the DAG.
#[derive(Debug, Clone, Args)]
#[command(group(clap::ArgGroup::new("storage").required(true).args(["volume_claim", "s3_secret"])))]
pub struct WorkflowArgs {
    /// The container image holding the step binaries.
    #[arg(long, env = env::IMAGE, default_value_t = logcount::argo::default_image())]
    pub image: String,
    /// A fixed number of parts (map pods) by default, instead of --part-size; `-p parts=N
    /// -p part-size=` at submit time overrides it.
    #[arg(long, env = env::NUM_PARTS)]
    pub parts: Option<usize>,
    /// Which objects, how big the parts [default: --part-size 512MiB, so that the fan-out
    /// follows each run's data], what parts may mix.
    #[command(flatten)]
    pub dataset: DatasetArgs,
    /// Volume mode: the PersistentVolumeClaim mounted at /mnt/vol in every pod.
    #[arg(long, env = env::VOLUME_CLAIM)]
    pub volume_claim: Option<String>,
    /// Object-storage mode: the Kubernetes secret holding the s3:// (AWS_*) or oss:// (OSS_*)
    /// credentials, one key per variable; --input and --work must be URLs.
    #[arg(long, env = env::S3_SECRET)]
    pub s3_secret: Option<String>,
    /// At most this many pods at once.
    #[arg(long, env = env::MAX_PARALLEL, default_value_t = 50)]
    pub max_parallel: u32,
    /// Retries per task (map tasks retry any failure, including evicted pods).
    #[arg(long, env = env::RETRIES, default_value_t = 3)]
    pub retries: u32,
    /// Default input [volume: /mnt/vol/log-count-data.txt].
    #[arg(long, env = env::INPUT)]
    pub input: Option<String>,
    /// Default work prefix [volume: /mnt/vol].
    #[arg(long = "work", env = env::WORK_DIR)]
    pub work: Option<String>,
    /// Print a WorkflowTemplate (`argo template create`) instead of a Workflow.
    #[arg(long)]
    pub template: bool,
    /// The template name, or the workflow's name prefix.
    #[arg(long, env = env::WORKFLOW_NAME, default_value = "logcount")]
    pub name: String,
    /// What the workflow counts by default: its keywords become the `keywords` parameter;
    /// the rest is set on the split pod, which records it in the manifest.
    #[command(flatten)]
    pub counting: CountingArgs,
    /// Words mode: the number of words merge prints (its LOGCOUNT_TOP).
    #[arg(long, env = env::TOP, value_name = "K", value_parser = parse_top)]
    pub top: Option<usize>,
    /// CPU request of each map pod.
    #[arg(long, env = env::MAP_CPU, default_value = "1")]
    pub map_cpu: String,
    /// Memory request and limit of each map pod.
    #[arg(long, env = env::MAP_MEMORY, default_value = "512Mi")]
    pub map_memory: String,
    /// Also collect the result as an output artifact (needs an artifact repository in the
    /// cluster); the `result` output parameter and result.json are there either way.
    #[arg(long)]
    pub result_artifact: bool,
}

impl WorkflowArgs {
    /// The generator's options.
    pub async fn options(&self, stores: &Stores) -> Result<logcount::argo::WorkflowOptions> {
        use logcount::argo::{Storage, WorkflowOptions};
        let storage = match (&self.volume_claim, &self.s3_secret) {
            (Some(claim), None) => Storage::Volume {
                claim: claim.clone(),
            },
            (None, Some(_)) if self.input.is_none() || self.work.is_none() => {
                return Err(Error::invalid(
                    "object-storage workflow",
                    "--input and --work URLs are required with --s3-secret",
                ))
            }
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
        Ok(WorkflowOptions {
            template: self.template,
            name: self.name.clone(),
            image: self.image.clone(),
            storage,
            sizing: match (self.parts, self.dataset.part_size_unless(self.parts)?) {
                (Some(n), _) => Sizing::Parts(n),
                (None, size) => Sizing::PartSize {
                    part_size: size.unwrap_or(logcount::argo::DEFAULT_PART_SIZE),
                    max_parts: self.dataset.max_parts,
                },
            },
            group_by: self.dataset.group_by,
            filters: self.dataset.filters()?,
            input: self.input.clone(),
            work: self.work.clone(),
            counting: self.counting.counting(stores).await?,
            max_parallel: self.max_parallel,
            retries: self.retries,
            map_cpu: self.map_cpu.clone(),
            map_memory: self.map_memory.clone(),
            top: self.top,
            reducers: self.dataset.reducers()?,
            result_artifact: self.result_artifact,
        })
    }
}

/// `logcount report`: one self-contained HTML page describing a finished run.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The work prefix of a finished run (after merge; `run --work DIR` or `--keep`), a path or URL.
    #[arg(long = "work", env = env::WORK_DIR)]
    pub work: String,
    /// Where to write the page, a path or URL [default: <work>/report.html].
    #[arg(long, env = env::REPORT_OUT)]
    pub out: Option<String>,
    /// Words mode: how many of the most frequent words to chart.
    #[arg(long, env = env::REPORT_TOP, default_value_t = 30)]
    pub top: usize,
}

/// `logcount gen`: write a realistic log for tests and benchmarks.
#[derive(Debug, Clone, Args)]
pub struct GenArgs {
    /// Approximate size (whole lines, never more): 4096, 64MiB, 1GiB, ...
    #[arg(long, default_value = "64MiB", value_parser = logcount::gen::parse_size)]
    pub size: u64,
    /// Seed: the same seed and size give the same bytes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output file (`-` for stdout).
    #[arg(long, default_value = "-")]
    pub out: String,
    /// How lines start (the timestamp format).
    #[arg(long, value_parser = named::<logcount::gen::LineStyle>(), default_value_t = logcount::gen::LineStyle::Iso)]
    pub style: logcount::gen::LineStyle,
}
