//! The one program behind every name: `logcount` with its subcommands, and
//! the step binaries `logcount-split`, `logcount-count` and `logcount-merge`,
//! dispatched on the file name the program was run as (busybox style), so
//! one static binary and three links to it make the whole image.

use crate::args::{
    CountArgs, GenArgs, MergeArgs, ReduceArgs, ReportArgs, RunArgs, SplitArgs, WorkflowArgs,
};
use crate::{finish, init_logging, runtime};
use clap::{CommandFactory, Parser, Subcommand};
use logcount::store::Stores;
use std::ffi::OsString;
use std::process::ExitCode;

/// The names the program answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// `logcount` and its subcommands.
    Logcount,
    /// `logcount-split`, the split step.
    Split,
    /// `logcount-count`, the count step.
    Count,
    /// `logcount-merge`, the merge step.
    Merge,
    /// `logcount-reduce`, a words job's reduce step.
    Reduce,
}

impl Program {
    /// Every program, with the file name it answers to.
    pub const ALL: [(Program, &'static str); 5] = [
        (Program::Logcount, "logcount"),
        (Program::Split, "logcount-split"),
        (Program::Count, "logcount-count"),
        (Program::Merge, "logcount-merge"),
        (Program::Reduce, "logcount-reduce"),
    ];

    /// The program a command line runs, from the file name of its first
    /// argument (`/usr/local/bin/logcount-count` → [`Program::Count`]); an
    /// unknown name (a renamed binary) is `logcount` itself.
    pub fn from_argv0(argv0: Option<&std::ffi::OsStr>) -> Program {
        let name = argv0
            .map(std::path::Path::new)
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or("");
        // A Windows-style or versioned suffix (`logcount-count.exe`) still names the step.
        let stem = name.split('.').next().unwrap_or(name);
        Program::ALL
            .iter()
            .find(|(_, n)| *n == stem)
            .map_or(Program::Logcount, |(p, _)| *p)
    }
}

/// Count keywords in big logs: split → count × N → merge.
///
/// `split` cuts the input into N line-aligned parts (byte ranges, nothing
/// copied) and prints their ids as a JSON list; `count` counts one part;
/// `merge` checks every part's output and writes result.json. `run` does all
/// three on this machine, counting parts concurrently. The step programs
/// logcount-split, logcount-count and logcount-merge (this same binary under
/// those names) are the same steps, for an Argo Workflows fan-out/fan-in DAG.
/// Every flag also reads the environment variable shown in its help.
#[derive(Debug, Parser)]
#[command(name = "logcount", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Split, count every part and merge, in this process; prints the result.
    Run(RunArgs),
    /// Cut the input into parts, write the manifest, print the part ids.
    Split(SplitArgs),
    /// Count one part; write count-output/<id>.json and print its counts.
    Count(CountArgs),
    /// Words jobs: merge one partition of every part's words into words/<id>.tsv.
    Reduce(ReduceArgs),
    /// Check and sum every part's counts into result.json; print it.
    Merge(MergeArgs),
    /// Write a realistic, deterministic log for tests and benchmarks.
    Gen(GenArgs),
    /// Print an Argo Workflow (or WorkflowTemplate) that runs the DAG on Kubernetes.
    Workflow(WorkflowArgs),
    /// Write one self-contained HTML page describing a finished run; print its URL.
    Report(ReportArgs),
    /// Print a shell completion script: `source <(logcount completions bash)`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): `logcount man > logcount.1`.
    Man,
}

/// The split step of logcount (same as `logcount split`).
#[derive(Debug, Parser)]
#[command(name = "logcount-split", version)]
struct SplitCli {
    #[command(flatten)]
    args: SplitArgs,
}

/// The count step of logcount (same as `logcount count`).
#[derive(Debug, Parser)]
#[command(name = "logcount-count", version)]
struct CountCli {
    #[command(flatten)]
    args: CountArgs,
}

/// The merge step of logcount (same as `logcount merge`).
#[derive(Debug, Parser)]
#[command(name = "logcount-merge", version)]
struct MergeCli {
    #[command(flatten)]
    args: MergeArgs,
}

/// The reduce step of logcount (same as `logcount reduce`).
#[derive(Debug, Parser)]
#[command(name = "logcount-reduce", version)]
struct ReduceCli {
    #[command(flatten)]
    args: ReduceArgs,
}

/// Runs the program named by the process's own first argument; `logcount`
/// given a step's name as its first argument (`logcount logcount-count`, as
/// `docker run IMAGE logcount-count` runs it) is that step too.
pub fn main() -> ExitCode {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let mut program = Program::from_argv0(args.first().map(|a| a.as_os_str()));
    if program == Program::Logcount && args.len() > 1 {
        let named = Program::ALL
            .iter()
            .find(|(p, name)| *p != Program::Logcount && args[1] == *name);
        if let Some((step, _)) = named {
            program = *step;
            args.remove(0);
        }
    }
    main_as(program, args)
}

/// Runs `program` on the command line `args` (its first item, the name it
/// was run as, is not an argument).
pub fn main_as(program: Program, args: Vec<OsString>) -> ExitCode {
    let stores = Stores::new();
    match program {
        Program::Split => {
            let SplitCli { args } = SplitCli::parse_from(args);
            start("info");
            finish(
                "logcount-split",
                runtime().block_on(crate::split(&stores, &args)),
            )
        }
        Program::Count => {
            let CountCli { args } = CountCli::parse_from(args);
            start("info");
            finish(
                "logcount-count",
                runtime().block_on(crate::count(&stores, &args)),
            )
        }
        Program::Merge => {
            let MergeCli { args } = MergeCli::parse_from(args);
            start("info");
            finish(
                "logcount-merge",
                runtime().block_on(crate::merge(&stores, &args)),
            )
        }
        Program::Reduce => {
            let ReduceCli { args } = ReduceCli::parse_from(args);
            start("info");
            finish(
                "logcount-reduce",
                runtime().block_on(crate::reduce(&stores, &args)),
            )
        }
        Program::Logcount => logcount(&stores, Cli::parse_from(args)),
    }
}

/// Logs to stderr at `level` by default; the rayon pool sized to the CPU
/// quota of the cgroup when there is one (`RAYON_NUM_THREADS` wins).
fn start(level: &str) {
    init_logging(level);
    logcount::budget::init_thread_pool();
}

fn logcount(stores: &Stores, cli: Cli) -> ExitCode {
    start("warn");
    let result = match &cli.command {
        Command::Gen(a) => crate::gen(a),
        Command::Completions { shell } => print_generated(|out| {
            clap_complete::generate(*shell, &mut Cli::command(), "logcount", out);
            Ok(())
        }),
        Command::Man => print_generated(|out| clap_mangen::Man::new(Cli::command()).render(out)),
        Command::Run(a) => return crate::run_main(stores, a),
        command => runtime().block_on(async {
            match command {
                Command::Split(a) => crate::split(stores, a).await,
                Command::Count(a) => crate::count(stores, a).await,
                Command::Merge(a) => crate::merge(stores, a).await,
                Command::Reduce(a) => crate::reduce(stores, a).await,
                Command::Workflow(a) => crate::workflow(stores, a).await,
                Command::Report(a) => crate::report(stores, a).await,
                Command::Gen(_) | Command::Run(_) | Command::Completions { .. } | Command::Man => {
                    unreachable!("handled above")
                }
            }
        }),
    };
    finish("logcount", result)
}

/// Writes generated text (completions, the man page) to stdout; a closed
/// pipe is not an error.
fn print_generated(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> logcount::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::Program;
    use std::ffi::OsStr;

    #[test]
    fn the_name_it_runs_as_picks_the_program() {
        let table: &[(Option<&str>, Program)] = &[
            (Some("/usr/local/bin/logcount-split"), Program::Split),
            (Some("logcount-count"), Program::Count),
            (Some("./target/release/logcount-merge"), Program::Merge),
            (Some("logcount-merge.exe"), Program::Merge),
            (Some("/usr/local/bin/logcount"), Program::Logcount),
            (Some("lc"), Program::Logcount),
            (Some("logcount-counter"), Program::Logcount),
            (Some(""), Program::Logcount),
            (None, Program::Logcount),
        ];
        for (argv0, want) in table {
            assert_eq!(
                Program::from_argv0(argv0.map(OsStr::new)),
                *want,
                "{argv0:?}"
            );
        }
    }
}
