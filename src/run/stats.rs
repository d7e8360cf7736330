//! The timing of a run, the same for every executor: each step's tasks,
//! retries, wall time, task times and throughput. The orchestrator records
//! them as tasks finish, tells its [`Observer`] where each
//! step stands, and returns the [`RunStats`]; showing them is the caller's.
//!
//! ```
//! use logcount::run::stats::Recorder;
//! use std::time::Duration;
//! let r = Recorder::new();
//! r.begin("count", 2, 300, &());
//! r.task_done(100, Duration::from_millis(5), 1, &());
//! r.task_done(200, Duration::from_millis(7), 2, &());
//! r.end(&());
//! let stats = r.finish("in-process");
//! assert_eq!(stats.steps[0].tasks, 2);
//! assert_eq!(stats.steps[0].retries, 1);
//! assert_eq!(stats.steps[0].bytes, 300);
//! ```

use super::Observer;
use serde::Serialize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The timing of one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepStats {
    /// The step's name (`split`, `count`, `merge`).
    pub step: String,
    /// Tasks that finished.
    pub tasks: usize,
    /// Runs of tasks, retries included.
    pub attempts: u64,
    /// `attempts` beyond one per task.
    pub retries: u64,
    /// From the step's start to its end, in milliseconds.
    pub wall_ms: f64,
    /// Per-task wall time (successful attempt, with the retries before it):
    /// the shortest, in milliseconds (0 when no task finished, as below).
    pub task_ms_min: f64,
    /// The median per-task wall time, in milliseconds.
    pub task_ms_median: f64,
    /// The longest per-task wall time, in milliseconds.
    pub task_ms_max: f64,
    /// Input bytes the step's tasks covered (count: the whole input).
    pub bytes: u64,
    /// `bytes` over `wall_ms`, in MiB/s.
    pub mib_per_s: f64,
}

/// The timing of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunStats {
    /// The executor's name (`in-process`, `process`, …).
    pub executor: String,
    /// From the recorder's creation to [`Recorder::finish`], in milliseconds.
    pub total_ms: f64,
    /// The steps, in the order they ran.
    pub steps: Vec<StepStats>,
}

impl RunStats {
    /// The human summary printed at the end of a run.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{:<6} {:>6} {:>7} {:>10} {:>12} {:>10} {:>10} {:>11}\n",
            "step", "tasks", "retries", "wall", "task median", "task max", "bytes", "throughput"
        );
        for st in &self.steps {
            let tput = if st.bytes > 0 && st.wall_ms > 0.0 {
                format!(
                    "{}/s",
                    human_bytes((st.mib_per_s * (1 << 20) as f64) as u64)
                )
            } else {
                "-".into()
            };
            s += &format!(
                "{:<6} {:>6} {:>7} {:>10} {:>12} {:>10} {:>10} {:>11}\n",
                st.step,
                st.tasks,
                st.retries,
                ms(st.wall_ms),
                ms(st.task_ms_median),
                ms(st.task_ms_max),
                if st.bytes > 0 {
                    human_bytes(st.bytes)
                } else {
                    "-".into()
                },
                tput
            );
        }
        s + &format!("total {} ({} executor)", ms(self.total_ms), self.executor)
    }
}

fn ms(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1} s", v / 1000.0)
    } else {
        format!("{v:.0} ms")
    }
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(n: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// Where a step stands, as an [`Observer`] is told.
#[derive(Debug, Clone, PartialEq)]
pub struct StepProgress {
    /// The step's name (`split`, `count`, `merge`).
    pub step: String,
    /// Its tasks, and how many are done.
    pub tasks: usize,
    /// Tasks done so far.
    pub done: usize,
    /// Input bytes its tasks cover (0 when unknown), and how many are done.
    pub bytes: u64,
    /// Input bytes of the tasks done so far.
    pub done_bytes: u64,
    /// Since the step started.
    pub elapsed: Duration,
}

#[derive(Debug)]
struct Current {
    progress: StepProgress,
    attempts: u64,
    task_ms: Vec<f64>,
    started: Instant,
}

impl Current {
    fn progress(&self) -> StepProgress {
        StepProgress {
            elapsed: self.started.elapsed(),
            ..self.progress.clone()
        }
    }
}

#[derive(Debug)]
struct State {
    current: Option<Current>,
    steps: Vec<StepStats>,
}

/// Records a run's steps and tasks; safe to share between tasks.
#[derive(Debug)]
pub struct Recorder {
    started: Instant,
    state: Mutex<State>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    /// A recorder whose run starts now.
    pub fn new() -> Recorder {
        Recorder {
            started: Instant::now(),
            state: Mutex::new(State {
                current: None,
                steps: Vec::new(),
            }),
        }
    }

    /// A step starts: `tasks` tasks covering `bytes` input bytes (0 when unknown).
    pub fn begin(&self, step: &str, tasks: usize, bytes: u64, observer: &dyn Observer) {
        let c = Current {
            progress: StepProgress {
                step: step.into(),
                tasks,
                done: 0,
                bytes,
                done_bytes: 0,
                elapsed: Duration::ZERO,
            },
            attempts: 0,
            task_ms: Vec::with_capacity(tasks),
            started: Instant::now(),
        };
        observer.progress(&c.progress());
        self.state.lock().expect("stats lock").current = Some(c);
    }

    /// A task finished after `attempts` runs.
    pub fn task_done(&self, bytes: u64, elapsed: Duration, attempts: u32, observer: &dyn Observer) {
        let progress = {
            let mut st = self.state.lock().expect("stats lock");
            let Some(c) = st.current.as_mut() else { return };
            c.progress.done += 1;
            c.progress.done_bytes += bytes;
            c.attempts += u64::from(attempts);
            c.task_ms.push(elapsed.as_secs_f64() * 1000.0);
            c.progress()
        };
        observer.progress(&progress);
    }

    /// The current step ended; its stats are kept.
    pub fn end(&self, observer: &dyn Observer) {
        let mut st = self.state.lock().expect("stats lock");
        let Some(mut c) = st.current.take() else {
            return;
        };
        c.task_ms.sort_by(f64::total_cmp);
        let wall_ms = c.started.elapsed().as_secs_f64() * 1000.0;
        let pick = |q: f64| {
            c.task_ms
                .get(((c.task_ms.len().max(1) - 1) as f64 * q).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        let bytes = c.progress.bytes.max(c.progress.done_bytes);
        let done = c.progress.done;
        let stats = StepStats {
            step: c.progress.step.clone(),
            tasks: done,
            attempts: c.attempts,
            retries: c.attempts.saturating_sub(done as u64),
            wall_ms,
            task_ms_min: pick(0.0),
            task_ms_median: pick(0.5),
            task_ms_max: pick(1.0),
            bytes,
            mib_per_s: if wall_ms > 0.0 {
                bytes as f64 / (1 << 20) as f64 / (wall_ms / 1000.0)
            } else {
                0.0
            },
        };
        observer.step_ended(&c.progress(), &stats);
        st.steps.push(stats);
    }

    /// The run's stats (ends a step still open).
    pub fn finish(&self, executor: &str) -> RunStats {
        self.end(&());
        let st = self.state.lock().expect("stats lock");
        RunStats {
            executor: executor.into(),
            total_ms: self.started.elapsed().as_secs_f64() * 1000.0,
            steps: st.steps.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_a_step() {
        let p = Recorder::new();
        p.begin("split", 1, 0, &());
        p.task_done(0, Duration::from_millis(3), 1, &());
        p.end(&());
        p.begin("count", 4, 4 << 20, &());
        for (ms, attempts) in [(40, 1), (10, 1), (30, 3), (20, 1)] {
            p.task_done(1 << 20, Duration::from_millis(ms), attempts, &());
        }
        let s = p.finish("process");
        assert_eq!(s.steps.len(), 2);
        let c = &s.steps[1];
        assert_eq!(
            (c.tasks, c.attempts, c.retries, c.bytes),
            (4, 6, 2, 4 << 20)
        );
        assert_eq!((c.task_ms_min.round(), c.task_ms_max.round()), (10.0, 40.0));
        assert!(
            c.task_ms_median == 20.0 || c.task_ms_median == 30.0,
            "{}",
            c.task_ms_median
        );
        let text = s.summary();
        assert!(
            text.contains("count") && text.contains("4.0 MiB") && text.contains("process executor"),
            "{text}"
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["steps"][1]["retries"], 2);
    }

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }
}
