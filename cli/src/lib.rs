//! The command line of logcount: `logcount` and the step binaries
//! `logcount-split`, `logcount-count` and `logcount-merge`, over the
//! `logcount` library. This crate owns everything a terminal sees: the flags
//! and their environment fallbacks ([`args`]), log set-up, progress display
//! ([`progress`]), what each command prints, and the mapping of errors to
//! exit codes (2 for bad input, 1 for transient failures; a closed stdout is
//! not an error).

pub mod args;
pub mod multicall;
pub mod output;
pub mod progress;

use args::{
    CountArgs, ExecutorKind, GenArgs, MergeArgs, ReduceArgs, ReportArgs, RunArgs, SplitArgs,
    WorkflowArgs,
};
use logcount::error::Result;
use logcount::run::{ChildProcesses, InProcess, MergeResult, RunOutcome};
use logcount::spec::env::{self, EXIT_BAD_INPUT, EXIT_TRANSIENT};
use logcount::spec::Mode;
use logcount::store::Stores;
use logcount::wire::{KeywordCounts, TimelineFile};
use std::io::Write;
use std::process::ExitCode;

/// The exit code for an error: 1 when a rerun may succeed, 2 for bad input.
pub fn exit_code(e: &logcount::Error) -> u8 {
    if e.is_transient() {
        EXIT_TRANSIENT as u8
    } else {
        EXIT_BAD_INPUT as u8
    }
}

/// An error and its sources on one line, as `{:#}` prints an `anyhow::Error`.
pub fn one_line(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s += &format!(": {inner}");
        source = inner.source();
    }
    s
}

/// Ends a command: its error printed on stderr (as `<program>: error: ...`)
/// and mapped to its exit code.
pub fn finish(program: &str, result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = exit_code(&e);
            eprintln!("{program}: error: {:#}", anyhow::Error::from(e));
            ExitCode::from(code)
        }
    }
}

/// Sends logs to stderr; `LOGCOUNT_LOG` (or `RUST_LOG`) sets the filter.
pub fn init_logging(default: &str) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var(env::LOG)
        .ok()
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| default.to_string());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

/// A runtime for one command.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("starting the async runtime")
}

/// Writes a command's contract output. A closed pipe is not an error.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Prints a result, and a `--by` job's timeline, as `--format` asks (see
/// [`output::render`]). A closed pipe is not an error.
fn print_result(
    result: &KeywordCounts,
    mode: Mode,
    timeline: Option<&TimelineFile>,
    top: Option<usize>,
    format: Option<output::Format>,
) -> Result<()> {
    use std::io::IsTerminal;
    let stdout = std::io::stdout();
    let text = output::render(result, mode, timeline, top, format, stdout.is_terminal())?;
    let mut out = stdout.lock();
    match out.write_all(&text).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// `split`: prints the part ids as one JSON list.
pub async fn split(stores: &Stores, args: &SplitArgs) -> Result<()> {
    let (inputs, work) = args.locations();
    let inputs = logcount::steps::split::Inputs::open(stores, &inputs)?;
    let work = stores.open(&work)?;
    let opts = args.options(stores).await?;
    let manifest = logcount::steps::split::split_inputs(&inputs, &work, &opts).await?;
    print_stdout(&serde_json::to_string(&manifest.part_ids()).expect("ids serialize"))
}

/// `count`: prints the part's counts as a JSON object.
pub async fn count(stores: &Stores, args: &CountArgs) -> Result<()> {
    let work = stores.open(&args.work)?;
    let out = logcount::steps::count::count(stores, &work, &args.part_id, &args.tuning.options(1))
        .await?;
    print_stdout(&serde_json::to_string(&out.counts).expect("counts serialize"))
}

/// `reduce`: runs one reducer and prints its totals as JSON; with `--list`,
/// prints the job's reducer ids as one JSON list (the second fan-out's items).
pub async fn reduce(stores: &Stores, args: &ReduceArgs) -> Result<()> {
    let work = stores.open(&args.work)?;
    if args.list {
        let ids = logcount::steps::reduce::reducer_ids(&work).await?;
        return print_stdout(&serde_json::to_string(&ids).expect("ids serialize"));
    }
    let Some(id) = args.reducer_id.as_deref().filter(|s| !s.trim().is_empty()) else {
        return Err(logcount::Error::invalid(
            "reducer",
            format!(
                "give --reducer-id ({}), one of the ids --list prints",
                logcount::spec::env::REDUCER_ID
            ),
        ));
    };
    let opts = logcount::steps::reduce::ReduceOptions {
        top: args.top.unwrap_or(logcount::shuffle::DEFAULT_TOP),
    };
    let out = logcount::steps::reduce::reduce(stores, &work, id.trim(), &opts).await?;
    let totals = serde_json::json!({
        "reducer": out.reducer,
        "distinct": out.distinct,
        "occurrences": out.occurrences,
    });
    print_stdout(&totals.to_string())
}

/// `merge`: prints the result (the contents of result.json).
pub async fn merge(stores: &Stores, args: &MergeArgs) -> Result<()> {
    let work = stores.open(&args.work)?;
    let merged = logcount::steps::merge::merge(stores, &work, args.parts()?).await?;
    if let Some(path) = &args.result_copy {
        // Written whole then renamed: a reader never sees half a result.
        let text = serde_json::to_string(&merged.result).expect("counts serialize");
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        std::fs::write(&tmp, format!("{text}\n"))?;
        std::fs::rename(&tmp, path)?;
    }
    let timeline = merged.timeline.as_ref();
    print_result(&merged.result, merged.mode, timeline, args.top, args.format)
}

/// A `--by` run's `timeline.json`, read back from its work prefix (as the
/// process executor's merge wrote it); `None` for a job without `--by`.
async fn read_timeline(
    stores: &Stores,
    plan: &logcount::run::RunPlan,
) -> Result<Option<TimelineFile>> {
    if plan.options.split.counting.by().is_none() {
        return Ok(None);
    }
    let loc = stores.open(&plan.work)?.join(logcount::wire::TIMELINE_FILE);
    let body = logcount::store::read_all(&loc).await?;
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| logcount::Error::Corrupt {
            what: "timeline",
            url: loc.url.to_string(),
            reason: e.to_string(),
        })
}

/// `run` from start to end, on its own runtime: what it counts, where it
/// works (see [`WorkDir`]), and Ctrl-C or SIGTERM, which stop the run and
/// remove its temporary directory before the program exits (130 or 143).
pub fn run_main(stores: &Stores, args: &RunArgs) -> ExitCode {
    use std::io::IsTerminal;
    let prepared = args
        .source(std::io::stdin().is_terminal())
        .and_then(|source| Ok((WorkDir::new(args, &source)?, source)));
    let (work, source) = match prepared {
        Ok(p) => p,
        Err(e) => return finish("logcount", Err(e)),
    };
    let rt = runtime();
    let outcome = rt.block_on(async {
        tokio::select! {
            result = run(stores, args, &source, work.url()) => Ok(result),
            signal = interrupted() => Err(signal),
        }
    });
    // Stops what the run left behind (reads, child processes) before its
    // directory goes.
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    let code = match outcome {
        Ok(result) => finish("logcount", result),
        Err((name, code)) => {
            eprintln!("logcount: {name}, stopped");
            ExitCode::from(code)
        }
    };
    work.finish();
    code
}

/// Where `run` keeps its manifest and outputs.
#[derive(Debug)]
pub enum WorkDir {
    /// `--work`: kept.
    Given(String),
    /// A temporary directory, removed at the end unless `--keep`.
    Temporary {
        /// The directory.
        dir: tempfile::TempDir,
        /// Keep it, and say where it is.
        keep: bool,
    },
    /// Nothing written: standard input counted without `--work` or `--keep`.
    None,
}

impl WorkDir {
    /// The work prefix a run of `source` uses.
    pub fn new(args: &RunArgs, source: &args::Source) -> Result<WorkDir> {
        if let Some(work) = &args.work {
            return Ok(WorkDir::Given(work.clone()));
        }
        if *source == args::Source::Stream && !args.keep {
            return Ok(WorkDir::None);
        }
        let dir = tempfile::Builder::new().prefix("logcount-").tempdir()?;
        Ok(WorkDir::Temporary {
            dir,
            keep: args.keep,
        })
    }

    /// The work prefix as a path or URL, if there is one.
    pub fn url(&self) -> Option<String> {
        match self {
            WorkDir::Given(w) => Some(w.clone()),
            WorkDir::Temporary { dir, .. } => Some(format!("{}/", dir.path().display())),
            WorkDir::None => None,
        }
    }

    /// Removes a temporary directory, or with `--keep` says where it is.
    pub fn finish(self) {
        if let WorkDir::Temporary { dir, keep: true } = self {
            let kept = dir.keep();
            eprintln!("logcount: work directory kept at {}", kept.display());
        }
    }
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM; returns its name and exit code.
async fn interrupted() -> (&'static str, u8) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => ("interrupted", 130),
        _ = term.recv() => ("terminated", 143),
    }
}

/// `run` of a source, with its work prefix: prints the result.
async fn run(
    stores: &Stores,
    args: &RunArgs,
    source: &args::Source,
    work: Option<String>,
) -> Result<()> {
    let (merged, timeline) = match source {
        args::Source::Stream => run_stream(stores, args, work.as_deref()).await?,
        args::Source::Stored(inputs) => {
            let work = work.expect("a stored input's run has a work prefix");
            run_stored(stores, args, inputs, &work).await?
        }
    };
    let timeline = timeline.as_ref();
    print_result(&merged.result, merged.mode, timeline, args.top, args.format)
}

/// What a run prints from: the result, and a `--by` job's timeline.
type Outcome = (MergeResult, Option<TimelineFile>);

/// Counts standard input in one pass; with a work prefix, leaves the run's
/// record there. Prints a one-line summary on stderr unless `--quiet`.
async fn run_stream(stores: &Stores, args: &RunArgs, work: Option<&str>) -> Result<Outcome> {
    args.check_stream_options()?;
    let counting = args.counting.counting(stores).await?;
    let opts = args.tuning.options(1);
    let work = work.map(|w| stores.open(w)).transpose()?;
    let started = std::time::Instant::now();
    let merged = logcount::steps::stream::count_stream(
        stores,
        std::io::stdin(),
        &counting,
        &opts,
        work.as_ref(),
    )
    .await?;
    let secs = started.elapsed().as_secs_f64();
    use logcount::run::stats::human_bytes;
    if !args.quiet {
        eprintln!(
            "logcount: standard input: {} in {secs:.2} s ({}/s), {} lines",
            human_bytes(merged.bytes),
            human_bytes((merged.bytes as f64 / secs.max(1e-9)) as u64),
            merged.lines
        );
    }
    let result = MergeResult {
        result: merged.result,
        mode: merged.mode,
    };
    Ok((result, merged.timeline))
}

/// The whole DAG with the chosen executor; shows progress and prints the
/// timing summary on stderr unless `--quiet` (writes it with `--stats`
/// either way).
async fn run_stored(
    stores: &Stores,
    args: &RunArgs,
    inputs: &[String],
    work: &str,
) -> Result<Outcome> {
    let plan = args.plan(stores, inputs, work).await?;
    let progress = progress::Progress::new(progress::Display::unless_quiet(args.quiet));
    let (jobs, retry) = (plan.options.jobs, plan.retry);
    let (RunOutcome { merged, stats }, timeline) = match args.executor {
        ExecutorKind::InProcess => {
            let exec = InProcess::new(stores, &plan)?;
            let outcome = logcount::run::run(&exec, jobs, retry, &progress).await?;
            (outcome, exec.merged().and_then(|m| m.timeline))
        }
        ExecutorKind::Process => {
            let exec = ChildProcesses::new(stores, &plan, ChildProcesses::default_bin_dir()?)?;
            let outcome = logcount::run::run(&exec, jobs, retry, &progress).await?;
            (outcome, read_timeline(stores, &plan).await?)
        }
    };
    if !args.quiet {
        eprintln!("{}", stats.summary());
    }
    if let Some(path) = &args.stats {
        let mut body = serde_json::to_vec_pretty(&stats).expect("stats serialize");
        body.push(b'\n');
        std::fs::write(path, body)?;
    }
    Ok((merged, timeline))
}

/// `workflow`: prints the generated workflow.
pub async fn workflow(stores: &Stores, args: &WorkflowArgs) -> Result<()> {
    let yaml = logcount::argo::generate(&args.options(stores).await?)?;
    print_stdout(yaml.trim_end())
}

/// `report`: writes the report page; prints its URL.
pub async fn report(stores: &Stores, args: &ReportArgs) -> Result<()> {
    let work = stores.open(&args.work)?;
    let out = args.out.as_deref().map(|o| stores.open(o)).transpose()?;
    let written = logcount::report::report(&work, out, args.top).await?;
    print_stdout(written.url.as_str())
}

/// `gen`: writes a generated log.
pub fn gen(args: &GenArgs) -> Result<()> {
    if args.out == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        match logcount::gen::write_log_styled(&mut out, args.size, args.seed, args.style)
            .and_then(|_| out.flush())
        {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other.map(|_| ())?),
        }
    } else {
        let tmp = format!("{}.tmp-{}", args.out, std::process::id());
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        logcount::gen::write_log_styled(&mut out, args.size, args.seed, args.style)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &args.out)?;
        Ok(())
    }
}
