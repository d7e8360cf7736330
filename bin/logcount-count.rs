//! `logcount-count`: the count step of the logcount pipeline, for workflow engines.
use clap::Parser;
use logcount::cli;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "logcount-count",
    version,
    about = "The count step of logcount (same as `logcount count`)."
)]
struct Args {
    #[command(flatten)]
    args: cli::CountArgs,
}

fn main() -> ExitCode {
    let Args { args } = Args::parse();
    cli::init_logging("info");
    let stores = logcount::store::Stores::new();
    match cli::runtime().block_on(cli::count(&stores, &args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e.exit_code();
            eprintln!("logcount-count: error: {:#}", anyhow::Error::from(e));
            ExitCode::from(code as u8)
        }
    }
}
