//! `logcount-count`: the count step of the logcount pipeline, for workflow engines
//! (the same program as `logcount`, run as `logcount-count`; the image links the name).
use logcount_cli::multicall::{main_as, Program};
use std::process::ExitCode;

fn main() -> ExitCode {
    main_as(Program::Count, std::env::args_os().collect())
}
