//! `logcount-merge`: the merge step of the logcount pipeline, for workflow engines.
use clap::Parser;
use logcount::store::Stores;
use logcount_cli::{args::MergeArgs, finish, init_logging, runtime};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "logcount-merge",
    version,
    about = "The merge step of logcount (same as `logcount merge`)."
)]
struct Cli {
    #[command(flatten)]
    args: MergeArgs,
}

fn main() -> ExitCode {
    let Cli { args } = Cli::parse();
    init_logging("info");
    let stores = Stores::new();
    finish(
        "logcount-merge",
        runtime().block_on(logcount_cli::merge(&stores, &args)),
    )
}
