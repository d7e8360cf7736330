//! The thin orchestrator: split → count × N → merge on one machine.
//!
//! [`run`] drives any [`Executor`] through the DAG — split, then at most
//! `jobs` counts at once, then merge — retrying a failed task with backoff
//! unless its failure is not transient (bad input fails the same way
//! again), telling an [`Observer`] where each step stands, and returning
//! the result with the run's [`RunStats`]. Two executors give the same
//! result:
//!
//! - [`InProcess`] runs the three steps as library calls (each count also
//!   uses the whole rayon pool, so `jobs` mostly overlaps I/O);
//! - [`ChildProcesses`] runs the step binaries as child processes exactly as
//!   Argo runs them: the same environment template
//!   ([`crate::spec::env::step_env`]), split's stdout parsed as the
//!   `withParam` list.

mod in_process;
pub mod process;
pub mod stats;

pub use in_process::{run_in_process, InProcess, InProcessRun};
pub use process::ChildProcesses;
pub use stats::{RunStats, StepProgress, StepStats};

use crate::error::{Error, Result};
use crate::spec::env::Step;
use crate::spec::Mode;
use crate::steps::count::CountOptions;
use crate::steps::reduce::ReduceOptions;
use crate::steps::split::SplitOptions;
use crate::wire::KeywordCounts;
use futures::{StreamExt, TryStreamExt};
use stats::Recorder;
use std::future::Future;
use std::time::{Duration, Instant};

/// What a run does besides where: what to count, and how.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The parts, what the job counts, `--materialize`.
    pub split: SplitOptions,
    /// How each count reads and counts.
    pub count: CountOptions,
    /// How each reducer of a words job reduces.
    pub reduce: ReduceOptions,
    /// Counts at once.
    pub jobs: usize,
}

/// A whole run: where, what and how, as a front end asks for it.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// The inputs as given: paths, URLs or globs in one store, which form
    /// one dataset; a prefix ending in `/` is a dataset.
    pub inputs: Vec<String>,
    /// The work prefix, a path or URL.
    pub work: String,
    /// What to count, and how.
    pub options: RunOptions,
    /// How failed tasks are retried.
    pub retry: Retry,
}

/// One map task: a part split planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartTask {
    /// The part id split printed.
    pub id: String,
    /// The input bytes the part covers (for progress).
    pub bytes: u64,
}

impl PartTask {
    /// The tasks of a manifest's parts, in order.
    pub fn all(manifest: &crate::wire::Manifest) -> Vec<PartTask> {
        manifest
            .parts
            .iter()
            .map(|p| PartTask {
                id: p.id.clone(),
                bytes: p.bytes,
            })
            .collect()
    }
}

/// What merge produced, as every executor can tell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeResult {
    /// The contents of `result.json`.
    pub result: KeywordCounts,
    /// What the job counted.
    pub mode: Mode,
}

/// Runs the three steps of one job. A job's executor is built for one plan
/// and runs each step when [`run`] asks; a task may be asked again after a
/// failure.
// The futures are awaited on the caller's task (never spawned), so they
// need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Executor {
    /// A short name for stats (`in-process`, `process`).
    fn name(&self) -> &'static str;
    /// Runs split; returns the parts to count, in order.
    async fn split(&self) -> Result<Vec<PartTask>>;
    /// Counts one part.
    async fn count(&self, part: &str) -> Result<()>;
    /// The reducers of a words job, once every part is counted (`[]` for a
    /// keyword job, which has no reduce step).
    async fn reducers(&self) -> Result<Vec<String>>;
    /// Runs one reducer of a words job.
    async fn reduce(&self, reducer: &str) -> Result<()>;
    /// Runs merge.
    async fn merge(&self) -> Result<MergeResult>;
}

/// What a run reports as it goes. The library only counts; showing it (a
/// redrawn line, log lines, nothing) is the caller's. Every method has a
/// do-nothing default, and `()` observes nothing.
pub trait Observer: Sync {
    /// A step started, or one of its tasks finished.
    fn progress(&self, _progress: &StepProgress) {}
    /// A task failed with a transient error and runs again.
    fn retrying(&self, _what: &str, _attempt: u32, _of: u32, _error: &Error) {}
    /// A step ended.
    fn step_ended(&self, _progress: &StepProgress, _stats: &StepStats) {}
}

impl Observer for () {}

/// A finished run.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// What merge produced.
    pub merged: MergeResult,
    /// How long each step took.
    pub stats: RunStats,
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
    /// No retry at all.
    pub const NONE: Retry = Retry {
        retries: 0,
        backoff: Duration::ZERO,
    };

    /// The wait after failed attempt `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32 << (attempt.saturating_sub(1)).min(16);
        self.backoff
            .saturating_mul(factor)
            .min(Duration::from_secs(10))
    }
}

/// Runs `task` until it succeeds, fails with an error that is not transient
/// (which a rerun would repeat) or has failed `retries + 1` times; returns
/// its value and the number of attempts.
pub async fn retrying<T, F, Fut>(
    retry: Retry,
    observer: &dyn Observer,
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
            Err(e) if e.is_transient() && attempt <= retry.retries => {
                observer.retrying(what, attempt, retry.retries + 1, &e);
                tokio::time::sleep(retry.delay(attempt)).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Runs the DAG with `executor`: split, every count (at most `jobs` at
/// once), a words job's reducers (as many at once), merge; retries failed tasks per `retry`; returns merge's result
/// and the run's stats.
pub async fn run<E: Executor>(
    executor: &E,
    jobs: usize,
    retry: Retry,
    observer: &dyn Observer,
) -> Result<RunOutcome> {
    let rec = Recorder::new();
    let parts = single(&rec, Step::Split, retry, observer, || executor.split()).await?;

    let bytes = parts.iter().map(|p| p.bytes).sum();
    rec.begin(Step::Count.name(), parts.len(), bytes, observer);
    futures::stream::iter(&parts)
        .map(|part| {
            let rec = &rec;
            async move {
                let started = Instant::now();
                let what = format!("count part {}", part.id);
                let (_, attempts) =
                    retrying(retry, observer, &what, || executor.count(&part.id)).await?;
                rec.task_done(part.bytes, started.elapsed(), attempts, observer);
                Ok::<_, Error>(())
            }
        })
        .buffer_unordered(jobs.max(1))
        .try_for_each(|_| futures::future::ready(Ok(())))
        .await?;
    rec.end(observer);

    // A words job: every reducer, at most `jobs` at once.
    let (reducers, _) = retrying(retry, observer, "list reducers", || executor.reducers()).await?;
    if !reducers.is_empty() {
        rec.begin(Step::Reduce.name(), reducers.len(), 0, observer);
        futures::stream::iter(&reducers)
            .map(|id| {
                let rec = &rec;
                async move {
                    let started = Instant::now();
                    let what = format!("reducer {id}");
                    let (_, attempts) =
                        retrying(retry, observer, &what, || executor.reduce(id)).await?;
                    rec.task_done(0, started.elapsed(), attempts, observer);
                    Ok::<_, Error>(())
                }
            })
            .buffer_unordered(jobs.max(1))
            .try_for_each(|_| futures::future::ready(Ok(())))
            .await?;
        rec.end(observer);
    }

    let merged = single(&rec, Step::Merge, retry, observer, || executor.merge()).await?;
    Ok(RunOutcome {
        merged,
        stats: rec.finish(executor.name()),
    })
}

/// Runs a one-task step (split, merge) with retries, recording it.
async fn single<T, F, Fut>(
    rec: &Recorder,
    step: Step,
    retry: Retry,
    observer: &dyn Observer,
    task: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    rec.begin(step.name(), 1, 0, observer);
    let t = Instant::now();
    let (v, attempts) = retrying(retry, observer, step.name(), task).await?;
    rec.task_done(0, t.elapsed(), attempts, observer);
    rec.end(observer);
    Ok(v)
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
        // (failures before success, error kind is transient, expected attempts or error)
        let cases = [
            (0, true, Some(1)),
            (2, true, Some(3)),
            (3, true, None),
            (1, false, None),
        ];
        for (fails, transient, want) in cases {
            let n = AtomicU32::new(0);
            let got = retrying(quick, &(), "t", || async {
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
