//! `logcount`: run the keyword-count pipeline on one machine, or any of its
//! steps. One multi-call program: run as `logcount-split`, `logcount-count`
//! or `logcount-merge` (a link to it), it is that step.
use std::process::ExitCode;

fn main() -> ExitCode {
    logcount_cli::multicall::main()
}
