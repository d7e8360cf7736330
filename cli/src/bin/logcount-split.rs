//! `logcount-split`: the split step of the logcount pipeline, for workflow engines.
use clap::Parser;
use logcount::store::Stores;
use logcount_cli::{args::SplitArgs, finish, init_logging, runtime};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "logcount-split",
    version,
    about = "The split step of logcount (same as `logcount split`)."
)]
struct Cli {
    #[command(flatten)]
    args: SplitArgs,
}

fn main() -> ExitCode {
    let Cli { args } = Cli::parse();
    init_logging("info");
    let stores = Stores::new();
    finish(
        "logcount-split",
        runtime().block_on(logcount_cli::split(&stores, &args)),
    )
}
