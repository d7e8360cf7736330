//! `logcount-split`: the split step of the logcount pipeline, for workflow engines.
use clap::Parser;
use logcount::cli;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "logcount-split",
    version,
    about = "The split step of logcount (same as `logcount split`)."
)]
struct Args {
    #[command(flatten)]
    args: cli::SplitArgs,
}

fn main() -> ExitCode {
    let Args { args } = Args::parse();
    cli::init_logging("info");
    let stores = logcount::store::Stores::new();
    match cli::runtime().block_on(cli::split(&stores, &args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            eprintln!("logcount-split: error: {:#}", anyhow::Error::from(e));
            ExitCode::from(code as u8)
        }
    }
}
