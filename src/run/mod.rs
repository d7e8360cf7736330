//! The thin orchestrator: split → count × N → merge on one machine, by one of
//! two executors that give the same result.
//!
//! - **in-process** (the default) runs the three steps as library calls, with
//!   at most `jobs` counts at once (each count also uses the whole rayon pool,
//!   so `jobs` mostly overlaps I/O).
//! - **process** ([`process`]) runs the step binaries as child processes
//!   exactly as Argo runs them: the same environment template
//!   ([`crate::argo::step_env`]), split's stdout parsed as the `withParam`
//!   list, at most `jobs` maps at once.
//!
//! Both retry a failed task with backoff (not bad input, which fails the same
//! way again), show [`progress`] and end with a per-step timing summary.

pub mod process;
pub mod progress;

use crate::error::{Result, EXIT_BAD_INPUT};
use crate::steps::count::{count_with_manifest, CountOptions};
use crate::steps::merge::{merge, Merged};
use crate::steps::split::{split, SplitOptions};
use crate::store::{Location, Stores};
use futures::{StreamExt, TryStreamExt};
use progress::{Display, Progress};
use std::future::Future;
use std::time::{Duration, Instant};

/// How `logcount run` runs the steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Executor {
    /// Library calls in this process.
    InProcess,
    /// The step binaries as child processes, as Argo runs them.
    Process,
}

impl Executor {
    pub fn name(self) -> &'static str {
        match self {
            Executor::InProcess => "in-process",
            Executor::Process => "process",
        }
    }
}

/// What a run needs besides its locations.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub split: SplitOptions,
    pub count: CountOptions,
    /// Counts at once.
    pub jobs: usize,
}

/// A finished run: the merged result and how long each step took.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub merged: Merged,
    pub split_time: Duration,
    pub count_time: Duration,
    pub merge_time: Duration,
}

/// How failed tasks are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Runs after the first (0: no retry).
    pub retries: u32,
    /// The wait before the first retry; it doubles for each next one, up to 10 s.
    pub backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            retries: 3,
            backoff: Duration::from_millis(200),
        }
    }
}

impl Retry {
    /// The wait after failed attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32 << (attempt.saturating_sub(1)).min(16);
        self.backoff
            .saturating_mul(factor)
            .min(Duration::from_secs(10))
    }
}

/// Runs `task` until it succeeds, fails with bad input (exit code 2, which a
/// rerun would repeat) or has failed `retries + 1` times; returns its value
/// and the number of attempts.
pub async fn retrying<T, F, Fut>(
    retry: Retry,
    progress: &Progress,
    what: &str,
    mut task: F,
) -> Result<(T, u32)>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        match task().await {
            Ok(v) => return Ok((v, attempt)),
            Err(e) if e.exit_code() != EXIT_BAD_INPUT && attempt <= retry.retries => {
                progress.retrying(
                    what,
                    attempt,
                    retry.retries + 1,
                    &format!("{:#}", anyhow_like(&e)),
                );
                tokio::time::sleep(retry.delay(attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// An error with its sources, on one line.
fn anyhow_like(e: &crate::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s += &format!(": {inner}");
        src = inner.source();
    }
    s
}

/// Runs split, every count and merge in this process, silently, without retries.
pub async fn run_in_process(
    stores: &Stores,
    input: &Location,
    work: &Location,
    opts: &RunOptions,
) -> Result<RunOutcome> {
    let retry = Retry {
        retries: 0,
        ..Retry::default()
    };
    run_in_process_with(
        stores,
        input,
        work,
        opts,
        retry,
        &Progress::new(Display::Off),
    )
    .await
}

/// Runs split, every count and merge in this process, retrying failed counts
/// and reporting to `progress`.
pub async fn run_in_process_with(
    stores: &Stores,
    input: &Location,
    work: &Location,
    opts: &RunOptions,
    retry: Retry,
    progress: &Progress,
) -> Result<RunOutcome> {
    let t = Instant::now();
    progress.begin("split", 1, 0);
    let manifest = split(input, work, &opts.split).await?;
    progress.task_done(0, t.elapsed(), 1);
    progress.end();
    let split_time = t.elapsed();

    let t = Instant::now();
    progress.begin("count", manifest.parts.len(), manifest.input_bytes());
    let manifest_ref = &manifest;
    futures::stream::iter(&manifest.parts)
        .map(|part| async move {
            let started = Instant::now();
            let what = format!("count part {}", part.id);
            let (_, attempts) = retrying(retry, progress, &what, || {
                count_with_manifest(stores, work, manifest_ref, &part.id, &opts.count)
            })
            .await?;
            progress.task_done(part.bytes, started.elapsed(), attempts);
            Ok::<_, crate::Error>(())
        })
        .buffer_unordered(opts.jobs.max(1))
        .try_for_each(|_| futures::future::ready(Ok(())))
        .await?;
    progress.end();
    let count_time = t.elapsed();

    let t = Instant::now();
    progress.begin("merge", 1, 0);
    let merged = merge(stores, work, Some(manifest.parts.len())).await?;
    progress.task_done(0, t.elapsed(), 1);
    progress.end();
    Ok(RunOutcome {
        merged,
        split_time,
        count_time,
        merge_time: t.elapsed(),
    })
}

/// `logcount run`: runs the DAG with the chosen executor, shows progress,
/// prints the timing summary (and writes it with `--stats`); returns the result.
pub async fn run_command(
    stores: &Stores,
    args: &crate::cli::RunArgs,
) -> Result<crate::manifest::KeywordCounts> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parts = args.parts.unwrap_or(cores);
    let jobs = args.jobs.unwrap_or(cores);
    let retry = Retry {
        retries: args.retries,
        ..Retry::default()
    };
    crate::cli::check_words_mode(args.mode, &args.keywords)?;
    let progress = Progress::new(Display::auto());
    let result = match args.executor {
        Executor::InProcess => {
            let input = stores.open(&args.input)?;
            let work = stores.open(&args.work)?;
            let opts = RunOptions {
                split: SplitOptions {
                    by: args.by,
                    matching: args.matching.options(),
                    parts,
                    keywords: args.keywords.load(stores).await?,
                    materialize: args.materialize,
                    mode: args.mode,
                },
                count: args.tuning.options(),
                jobs,
            };
            run_in_process_with(stores, &input, &work, &opts, retry, &progress)
                .await?
                .merged
                .result
        }
        Executor::Process => {
            use clap::ValueEnum;
            let t = &args.tuning;
            let strategy = t
                .strategy
                .to_possible_value()
                .expect("strategies have names");
            let mut extra_env = vec![
                ("LOGCOUNT_BLOCK_SIZE".to_string(), t.block_size.to_string()),
                (
                    "LOGCOUNT_FETCH_CONCURRENCY".to_string(),
                    t.fetch_concurrency.to_string(),
                ),
                (
                    "LOGCOUNT_STRATEGY".to_string(),
                    strategy.get_name().to_string(),
                ),
            ];
            if args.materialize {
                extra_env.push(("MATERIALIZE".into(), "true".into()));
            }
            let flag = |on: bool| if on { "true" } else { "false" }.to_string();
            extra_env.push((
                "LOGCOUNT_IGNORE_CASE".into(),
                flag(args.matching.ignore_case),
            ));
            extra_env.push(("LOGCOUNT_WHOLE_WORD".into(), flag(args.matching.whole_word)));
            extra_env.push(("LOGCOUNT_MODE".into(), args.mode.name().into()));
            if let Some(by) = args.by {
                extra_env.push(("LOGCOUNT_BY".into(), by.name().into()));
            }
            let run = process::ProcessRun {
                bin_dir: process::bin_dir()?,
                input: args.input.clone(),
                work: args.work.clone(),
                parts,
                keywords: match &args.keywords.keywords_file {
                    Some(f) => process::KeywordSource::File(f.clone()),
                    None => process::KeywordSource::List(args.keywords.keywords.clone()),
                },
                jobs,
                retry,
                extra_env,
            };
            process::run_processes(stores, &run, &progress)
                .await?
                .result
        }
    };
    let stats = progress.finish(args.executor.name());
    eprintln!("{}", stats.summary());
    if let Some(path) = &args.stats {
        let mut body = serde_json::to_vec_pretty(&stats).expect("stats serialize");
        body.push(b'\n');
        std::fs::write(path, body)?;
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let r = Retry {
            retries: 40,
            backoff: Duration::from_millis(100),
        };
        let d: Vec<u64> = [1, 2, 3, 4, 8, 40]
            .iter()
            .map(|&a| r.delay(a).as_millis() as u64)
            .collect();
        assert_eq!(d, [100, 200, 400, 800, 10_000, 10_000]);
    }

    #[tokio::test]
    async fn retries_transient_failures_but_not_bad_input() {
        use std::sync::atomic::{AtomicU32, Ordering};
        let quick = Retry {
            retries: 2,
            backoff: Duration::from_millis(1),
        };
        let p = Progress::new(Display::Off);
        // (failures before success, error kind is transient, expected attempts or error)
        let cases = [
            (0, true, Some(1)),
            (2, true, Some(3)),
            (3, true, None),
            (1, false, None),
        ];
        for (fails, transient, want) in cases {
            let n = AtomicU32::new(0);
            let got = retrying(quick, &p, "t", || async {
                if n.fetch_add(1, Ordering::SeqCst) < fails {
                    Err(if transient {
                        crate::Error::Io(std::io::Error::other("flaky"))
                    } else {
                        crate::Error::invalid("x", "bad")
                    })
                } else {
                    Ok(7)
                }
            })
            .await;
            match want {
                Some(a) => assert_eq!(got.unwrap(), (7, a), "{fails} {transient}"),
                None => assert!(got.is_err(), "{fails} {transient}"),
            }
            let runs = n.load(Ordering::SeqCst);
            let expected_runs = if transient { (fails + 1).min(3) } else { 1 };
            assert_eq!(runs, expected_runs, "{fails} {transient}");
        }
    }
}
