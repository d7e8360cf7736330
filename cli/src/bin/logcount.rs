//! `logcount`: run the keyword-count pipeline on one machine, or any of its steps.
use clap::{Parser, Subcommand};
use logcount::store::Stores;
use logcount_cli::args::{
    CountArgs, GenArgs, MergeArgs, ReportArgs, RunArgs, SplitArgs, WorkflowArgs,
};
use logcount_cli::{finish, init_logging, runtime};
use std::process::ExitCode;

/// Count keywords in big logs: split → count × N → merge.
///
/// `split` cuts the input into N line-aligned parts (byte ranges, nothing
/// copied) and prints their ids as a JSON list; `count` counts one part;
/// `merge` checks every part's output and writes result.json. `run` does all
/// three on this machine, counting parts concurrently. The step binaries
/// logcount-split, logcount-count and logcount-merge are the same steps, for an
/// Argo Workflows fan-out/fan-in DAG. Every flag also reads the environment
/// variable shown in its help.
#[derive(Debug, Parser)]
#[command(name = "logcount", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Split, count every part and merge, in this process; prints the result.
    Run(RunArgs),
    /// Cut the input into parts, write the manifest, print the part ids.
    Split(SplitArgs),
    /// Count one part; write count-output/<id>.json and print its counts.
    Count(CountArgs),
    /// Check and sum every part's counts into result.json; print it.
    Merge(MergeArgs),
    /// Write a realistic, deterministic log for tests and benchmarks.
    Gen(GenArgs),
    /// Print an Argo Workflow (or WorkflowTemplate) that runs the DAG on Kubernetes.
    Workflow(WorkflowArgs),
    /// Write one self-contained HTML page describing a finished run; print its URL.
    Report(ReportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging("warn");
    let stores = Stores::new();
    let result = match &cli.command {
        Command::Gen(a) => logcount_cli::gen(a),
        command => runtime().block_on(async {
            match command {
                Command::Run(a) => logcount_cli::run(&stores, a).await,
                Command::Split(a) => logcount_cli::split(&stores, a).await,
                Command::Count(a) => logcount_cli::count(&stores, a).await,
                Command::Merge(a) => logcount_cli::merge(&stores, a).await,
                Command::Workflow(a) => logcount_cli::workflow(&stores, a).await,
                Command::Report(a) => logcount_cli::report(&stores, a).await,
                Command::Gen(_) => unreachable!("handled above"),
            }
        }),
    };
    finish("logcount", result)
}
