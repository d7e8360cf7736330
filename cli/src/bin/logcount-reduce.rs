//! `logcount-reduce`: the reduce step of a words job, for workflow engines
//! (the same program as `logcount`, run as `logcount-reduce`; the image links the name).
use logcount_cli::multicall::{main_as, Program};
use std::process::ExitCode;

fn main() -> ExitCode {
    main_as(Program::Reduce, std::env::args_os().collect())
}
