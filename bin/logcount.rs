//! `logcount`: run the keyword-count pipeline on one machine, or any of its steps.
use clap::{Parser, Subcommand};
use logcount::cli;
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
    Run(cli::RunArgs),
    /// Cut the input into parts, write the manifest, print the part ids.
    Split(cli::SplitArgs),
    /// Count one part; write count-output/<id>.json and print its counts.
    Count(cli::CountArgs),
    /// Check and sum every part's counts into result.json; print it.
    Merge(cli::MergeArgs),
    /// Write a realistic, deterministic log for tests and benchmarks.
    Gen(cli::GenArgs),
    /// Print an Argo Workflow (or WorkflowTemplate) that runs the DAG on Kubernetes.
    Workflow(cli::WorkflowArgs),
    /// Write one self-contained HTML page describing a finished run; print its URL.
    Report(cli::ReportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli::init_logging("warn");
    let stores = logcount::store::Stores::new();
    let result = match &cli.command {
        Command::Gen(a) => cli::gen(a),
        Command::Workflow(a) => cli::workflow(a),
        command => cli::runtime().block_on(async {
            match command {
                Command::Run(a) => cli::run(&stores, a).await,
                Command::Split(a) => cli::split(&stores, a).await,
                Command::Count(a) => cli::count(&stores, a).await,
                Command::Merge(a) => cli::merge(&stores, a).await,
                Command::Report(a) => cli::report(&stores, a).await,
                Command::Gen(_) | Command::Workflow(_) => unreachable!(),
            }
        }),
    };
    finish(result)
}

fn finish(result: logcount::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            eprintln!("logcount: error: {:#}", anyhow::Error::from(e));
            ExitCode::from(code as u8)
        }
    }
}
