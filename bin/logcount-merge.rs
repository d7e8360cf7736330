//! `logcount-merge`: the merge step of the logcount pipeline, for workflow engines.
use clap::Parser;
use logcount::cli;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "logcount-merge",
    version,
    about = "The merge step of logcount (same as `logcount merge`)."
)]
struct Args {
    #[command(flatten)]
    args: cli::MergeArgs,
}

fn main() -> ExitCode {
    let Args { args } = Args::parse();
    cli::init_logging("info");
    let stores = logcount::store::Stores::new();
    match cli::runtime().block_on(cli::merge(&stores, &args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            eprintln!("logcount-merge: error: {:#}", anyhow::Error::from(e));
            ExitCode::from(code as u8)
        }
    }
}
