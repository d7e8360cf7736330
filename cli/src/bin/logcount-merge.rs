//! `logcount-merge`: the merge step of the logcount pipeline, for workflow engines
//! (the same program as `logcount`, run as `logcount-merge`; the image links the name).
use logcount_cli::multicall::{main_as, Program};
use std::process::ExitCode;

fn main() -> ExitCode {
    main_as(Program::Merge, std::env::args_os().collect())
}
