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
    CountArgs, ExecutorKind, GenArgs, MergeArgs, ReportArgs, RunArgs, SplitArgs, WorkflowArgs,
};
use logcount::error::Result;
use logcount::run::{ChildProcesses, InProcess, RunOutcome};
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
    let (input, work) = args.locations();
    let (input, work) = (stores.open(&input)?, stores.open(&work)?);
    let opts = args.options(stores).await?;
    let manifest = logcount::steps::split::split(&input, &work, &opts).await?;
    print_stdout(&serde_json::to_string(&manifest.part_ids()).expect("ids serialize"))
}

/// `count`: prints the part's counts as a JSON object.
pub async fn count(stores: &Stores, args: &CountArgs) -> Result<()> {
    let work = stores.open(&args.work)?;
    let out = logcount::steps::count::count(stores, &work, &args.part_id, &args.tuning.options(1))
        .await?;
    print_stdout(&serde_json::to_string(&out.counts).expect("counts serialize"))
}

/// `merge`: prints the result (the contents of result.json).
pub async fn merge(stores: &Stores, args: &MergeArgs) -> Result<()> {
    let work = stores.open(&args.work)?;
    let merged = logcount::steps::merge::merge(stores, &work, args.parts).await?;
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

/// `run`: the whole DAG with the chosen executor; shows progress and prints
/// the timing summary on stderr unless `--quiet` (writes it with `--stats`
/// either way), prints the result.
pub async fn run(stores: &Stores, args: &RunArgs) -> Result<()> {
    let plan = args.plan(stores).await?;
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
    let timeline = timeline.as_ref();
    print_result(&merged.result, merged.mode, timeline, args.top, args.format)
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
        match logcount::gen::write_log(&mut out, args.size, args.seed).and_then(|_| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other.map(|_| ())?),
        }
    } else {
        let tmp = format!("{}.tmp-{}", args.out, std::process::id());
        let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
        logcount::gen::write_log(&mut out, args.size, args.seed)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &args.out)?;
        Ok(())
    }
}
