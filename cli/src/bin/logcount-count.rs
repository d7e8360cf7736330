//! `logcount-count`: the count step of the logcount pipeline, for workflow engines.
use clap::Parser;
use logcount::store::Stores;
use logcount_cli::{args::CountArgs, finish, init_logging, runtime};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "logcount-count",
    version,
    about = "The count step of logcount (same as `logcount count`)."
)]
struct Cli {
    #[command(flatten)]
    args: CountArgs,
}

fn main() -> ExitCode {
    let Cli { args } = Cli::parse();
    init_logging("info");
    let stores = Stores::new();
    finish(
        "logcount-count",
        runtime().block_on(logcount_cli::count(&stores, &args)),
    )
}
