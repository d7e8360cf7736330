//! Progress and timing of a run, the same for both executors.
//!
//! On a terminal, one line is redrawn in place (tasks done / total, bytes,
//! throughput); otherwise plain lines go to stderr, at most one a second
//! while a step runs and one when it ends. Every step's timing is kept for the
//! summary printed at the end and written by `--stats FILE` as JSON.
//!
//! ```
//! use logcount::run::progress::{Display, Progress};
//! use std::time::Duration;
//! let p = Progress::new(Display::Off);
//! p.begin("count", 2, 300);
//! p.task_done(100, Duration::from_millis(5), 1);
//! p.task_done(200, Duration::from_millis(7), 2);
//! p.end();
//! let stats = p.finish("in-process");
//! assert_eq!(stats.steps[0].tasks, 2);
//! assert_eq!(stats.steps[0].retries, 1);
//! assert_eq!(stats.steps[0].bytes, 300);
//! ```

use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// Nothing (library callers, tests).
    Off,
    /// A line redrawn in place on a terminal.
    Terminal,
    /// Plain lines, for logs and pipes.
    Lines,
}

impl Display {
    /// `Terminal` when stderr is a terminal, `Lines` otherwise.
    pub fn auto() -> Display {
        if std::io::stderr().is_terminal() {
            Display::Terminal
        } else {
            Display::Lines
        }
    }
}

/// The timing of one step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepStats {
    pub step: String,
    pub tasks: usize,
    /// Runs of tasks, retries included.
    pub attempts: u64,
    pub retries: u64,
    pub wall_ms: f64,
    /// Per-task wall time (successful attempt, with the retries before it).
    pub task_ms_min: f64,
    pub task_ms_median: f64,
    pub task_ms_max: f64,
    /// Input bytes the step's tasks covered (count: the whole input).
    pub bytes: u64,
    /// `bytes` over `wall_ms`, in MiB/s.
    pub mib_per_s: f64,
}

/// The timing of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunStats {
    pub executor: String,
    pub total_ms: f64,
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

#[derive(Debug)]
struct Current {
    step: String,
    tasks: usize,
    bytes: u64,
    done: usize,
    done_bytes: u64,
    attempts: u64,
    task_ms: Vec<f64>,
    started: Instant,
    drawn: Option<Instant>,
}

#[derive(Debug)]
struct State {
    started: Instant,
    current: Option<Current>,
    steps: Vec<StepStats>,
}

/// Tracks a run's steps and tasks; cheap to clone, safe to share between tasks.
#[derive(Debug, Clone)]
pub struct Progress {
    display: Display,
    state: Arc<Mutex<State>>,
}

impl Progress {
    pub fn new(display: Display) -> Progress {
        Progress {
            display,
            state: Arc::new(Mutex::new(State {
                started: Instant::now(),
                current: None,
                steps: Vec::new(),
            })),
        }
    }

    /// A step starts: `tasks` tasks covering `bytes` input bytes (0 when unknown).
    pub fn begin(&self, step: &str, tasks: usize, bytes: u64) {
        let mut st = self.state.lock().expect("progress lock");
        st.current = Some(Current {
            step: step.into(),
            tasks,
            bytes,
            done: 0,
            done_bytes: 0,
            attempts: 0,
            task_ms: Vec::with_capacity(tasks),
            started: Instant::now(),
            drawn: None,
        });
    }

    /// A task finished after `attempts` runs.
    pub fn task_done(&self, bytes: u64, elapsed: Duration, attempts: u32) {
        let mut st = self.state.lock().expect("progress lock");
        let Some(c) = st.current.as_mut() else { return };
        c.done += 1;
        c.done_bytes += bytes;
        c.attempts += u64::from(attempts);
        c.task_ms.push(elapsed.as_secs_f64() * 1000.0);
        let interval = match self.display {
            Display::Off => return,
            Display::Terminal => Duration::from_millis(100),
            Display::Lines => Duration::from_secs(1),
        };
        if c.drawn.is_none_or(|t| t.elapsed() >= interval) && c.done < c.tasks {
            c.drawn = Some(Instant::now());
            let line = status(c);
            self.show(&line, false);
        }
    }

    /// A task failed and runs again.
    pub fn retrying(&self, what: &str, attempt: u32, of: u32, why: &str) {
        if self.display != Display::Off {
            self.show(
                &format!("{what}: attempt {attempt} of {of} failed, retrying: {why}"),
                true,
            );
        }
    }

    /// The current step ended; its stats are kept.
    pub fn end(&self) {
        let mut st = self.state.lock().expect("progress lock");
        let Some(mut c) = st.current.take() else {
            return;
        };
        if self.display != Display::Off {
            self.show(&status(&c), true);
        }
        c.task_ms.sort_by(f64::total_cmp);
        let wall_ms = c.started.elapsed().as_secs_f64() * 1000.0;
        let pick = |q: f64| {
            c.task_ms
                .get(((c.task_ms.len().max(1) - 1) as f64 * q).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        let bytes = c.bytes.max(c.done_bytes);
        st.steps.push(StepStats {
            step: c.step.clone(),
            tasks: c.done,
            attempts: c.attempts,
            retries: c.attempts.saturating_sub(c.done as u64),
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
        });
    }

    /// The run's stats so far (ends a step still open).
    pub fn finish(&self, executor: &str) -> RunStats {
        self.end();
        let st = self.state.lock().expect("progress lock");
        RunStats {
            executor: executor.into(),
            total_ms: st.started.elapsed().as_secs_f64() * 1000.0,
            steps: st.steps.clone(),
        }
    }

    fn show(&self, line: &str, keep: bool) {
        let mut err = std::io::stderr().lock();
        let _ = match self.display {
            Display::Off => Ok(()),
            Display::Terminal if keep => writeln!(err, "\r\x1b[2Klogcount: {line}"),
            Display::Terminal => write!(err, "\r\x1b[2Klogcount: {line}").and_then(|_| err.flush()),
            Display::Lines => writeln!(err, "logcount: {line}"),
        };
    }
}

fn status(c: &Current) -> String {
    let secs = c.started.elapsed().as_secs_f64();
    let mut s = format!("{} {}/{} tasks", c.step, c.done, c.tasks);
    if c.bytes > 0 {
        s += &format!(
            ", {} of {}",
            human_bytes(c.done_bytes),
            human_bytes(c.bytes)
        );
        if secs > 0.0 {
            s += &format!(", {}/s", human_bytes((c.done_bytes as f64 / secs) as u64));
        }
    }
    s + &format!(", {:.1} s", secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_a_step() {
        let p = Progress::new(Display::Off);
        p.begin("split", 1, 0);
        p.task_done(0, Duration::from_millis(3), 1);
        p.end();
        p.begin("count", 4, 4 << 20);
        for (ms, attempts) in [(40, 1), (10, 1), (30, 3), (20, 1)] {
            p.task_done(1 << 20, Duration::from_millis(ms), attempts);
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
