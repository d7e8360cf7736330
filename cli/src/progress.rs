//! How `logcount run` shows its progress on stderr: at a terminal one line
//! redrawn in place (tasks done / total, percent done, bytes, throughput,
//! time so far and, once 5% is done, the time left), otherwise plain lines,
//! at most one a second while a step runs and one when it ends; with
//! `--quiet`, nothing.
//!
//! The run tells its observer where a step stands when a task finishes, so
//! the line moves a part at a time (percent of the bytes of the parts
//! counted, or of the tasks when bytes are unknown) and stands still while
//! the parts in flight are counted; with more parts than jobs it moves
//! often enough. We keep this small display rather than `indicatif`: it is
//! one formatted line, and the plain-lines form for logs and pipes, which
//! indicatif hides rather than prints, would still be ours.

use logcount::run::{Observer, StepProgress, StepStats};
use logcount::Error;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// A line redrawn in place on a terminal.
    Terminal,
    /// Plain lines, for logs and pipes.
    Lines,
    /// Nothing at all (`--quiet`).
    Quiet,
}

impl Display {
    /// `Quiet` when asked to be, else as [`Display::auto`] picks.
    pub fn unless_quiet(quiet: bool) -> Display {
        if quiet {
            Display::Quiet
        } else {
            Display::auto()
        }
    }

    /// `Terminal` when stderr is a terminal, `Lines` otherwise.
    pub fn auto() -> Display {
        if std::io::stderr().is_terminal() {
            Display::Terminal
        } else {
            Display::Lines
        }
    }
}

/// Shows a run's progress on stderr.
#[derive(Debug)]
pub struct Progress {
    display: Display,
    /// When the current step's line was last drawn.
    drawn: Mutex<Option<Instant>>,
}

impl Progress {
    /// A progress display that draws as `display` says (in place, or as plain lines).
    pub fn new(display: Display) -> Progress {
        Progress {
            display,
            drawn: Mutex::new(None),
        }
    }

    fn show(&self, line: &str, keep: bool) {
        if self.display == Display::Quiet {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = match self.display {
            Display::Terminal if keep => writeln!(err, "\r\x1b[2Klogcount: {line}"),
            Display::Terminal => write!(err, "\r\x1b[2Klogcount: {line}").and_then(|_| err.flush()),
            Display::Lines => writeln!(err, "logcount: {line}"),
            Display::Quiet => Ok(()),
        };
    }
}

impl Observer for Progress {
    fn progress(&self, p: &StepProgress) {
        if p.done == 0 || p.done >= p.tasks {
            return;
        }
        let interval = match self.display {
            Display::Terminal => Duration::from_millis(100),
            Display::Lines => Duration::from_secs(1),
            Display::Quiet => return,
        };
        let mut drawn = self.drawn.lock().expect("not poisoned");
        if drawn.is_none_or(|t| t.elapsed() >= interval) {
            *drawn = Some(Instant::now());
            self.show(&status(p), false);
        }
    }

    fn retrying(&self, what: &str, attempt: u32, of: u32, error: &Error) {
        let why = crate::one_line(error);
        self.show(
            &format!("{what}: attempt {attempt} of {of} failed, retrying: {why}"),
            true,
        );
    }

    fn step_ended(&self, p: &StepProgress, _stats: &StepStats) {
        *self.drawn.lock().expect("not poisoned") = None;
        self.show(&status(p), true);
    }
}

/// Done so far, from 0 to 1: of the bytes when the step knows them, else of the tasks.
fn fraction(p: &StepProgress) -> f64 {
    let (done, all) = if p.bytes > 0 {
        (p.done_bytes as f64, p.bytes as f64)
    } else {
        (p.done as f64, p.tasks as f64)
    };
    if all > 0.0 {
        (done / all).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// The time a step has left, estimated from its pace so far; `None` until
/// 5% is done, and once it is all done.
fn eta(p: &StepProgress) -> Option<Duration> {
    let f = fraction(p);
    (0.05..1.0)
        .contains(&f)
        .then(|| p.elapsed.mul_f64((1.0 - f) / f))
}

/// `42s`, `3m05s`, `1h02m`: a duration to the second, shorter when long.
fn short_duration(d: Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s / 60 % 60),
    }
}

/// The status line of a step: `count 3/8 tasks, 37%, 1.5 GiB of 4.0 GiB,
/// 512.0 MiB/s, 3.0 s, ETA 5s`.
fn status(p: &StepProgress) -> String {
    use logcount::run::stats::human_bytes;
    let secs = p.elapsed.as_secs_f64();
    let percent = (fraction(p) * 100.0).floor();
    let mut s = format!("{} {}/{} tasks, {percent:.0}%", p.step, p.done, p.tasks);
    if p.bytes > 0 {
        s += &format!(
            ", {} of {}",
            human_bytes(p.done_bytes),
            human_bytes(p.bytes)
        );
        if secs > 0.0 {
            s += &format!(", {}/s", human_bytes((p.done_bytes as f64 / secs) as u64));
        }
    }
    s += &format!(", {secs:.1} s");
    if let Some(left) = eta(p) {
        s += &format!(", ETA {}", short_duration(left));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A step's progress: (tasks, done), (bytes, done), seconds so far.
    fn step(name: &str, tasks: (usize, usize), bytes: (u64, u64), secs: u64) -> StepProgress {
        let ((tasks, done), (bytes, done_bytes)) = (tasks, bytes);
        StepProgress {
            step: name.into(),
            tasks,
            done,
            bytes,
            done_bytes,
            elapsed: Duration::from_secs(secs),
        }
    }

    #[test]
    fn the_status_line_has_percent_and_eta() {
        const MIB: u64 = 1 << 20;
        let table: &[(StepProgress, &str)] = &[
            // Bytes known: percent and time left of the bytes.
            (
                step("count", (8, 2), (400 * MIB, 100 * MIB), 10),
                "count 2/8 tasks, 25%, 100.0 MiB of 400.0 MiB, 10.0 MiB/s, 10.0 s, ETA 30s",
            ),
            // Never rounded up to 100% before the end.
            (
                step("count", (1000, 999), (1000 * MIB, 999 * MIB + MIB / 2), 999),
                "count 999/1000 tasks, 99%, 999.5 MiB of 1000.0 MiB, 1.0 MiB/s, 999.0 s, ETA 0s",
            ),
            // Bytes unknown: of the tasks.
            (
                step("split", (4, 1), (0, 0), 200),
                "split 1/4 tasks, 25%, 200.0 s, ETA 10m00s",
            ),
            // Under 5% done: no estimate yet.
            (
                step("count", (100, 1), (100 * MIB, MIB), 3),
                "count 1/100 tasks, 1%, 1.0 MiB of 100.0 MiB, 341.3 KiB/s, 3.0 s",
            ),
            // Done: 100% and no estimate.
            (
                step("merge", (1, 1), (0, 0), 0),
                "merge 1/1 tasks, 100%, 0.0 s",
            ),
        ];
        for (p, want) in table {
            assert_eq!(status(p), *want);
        }
    }

    #[test]
    fn durations_are_short() {
        for (secs, want) in [
            (0.0, "0s"),
            (59.4, "59s"),
            (59.6, "1m00s"),
            (185.0, "3m05s"),
            (3600.0, "1h00m"),
            (3720.0 + 59.0, "1h02m"),
            (100.0 * 3600.0, "100h00m"),
        ] {
            assert_eq!(
                short_duration(Duration::from_secs_f64(secs)),
                want,
                "{secs}"
            );
        }
    }
}
