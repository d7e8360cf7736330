//! How `logcount run` shows its progress on stderr: at a terminal one line
//! redrawn in place (tasks done / total, bytes, throughput), otherwise
//! plain lines, at most one a second while a step runs and one when it ends.

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
        let mut err = std::io::stderr().lock();
        let _ = match self.display {
            Display::Terminal if keep => writeln!(err, "\r\x1b[2Klogcount: {line}"),
            Display::Terminal => write!(err, "\r\x1b[2Klogcount: {line}").and_then(|_| err.flush()),
            Display::Lines => writeln!(err, "logcount: {line}"),
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

fn status(p: &StepProgress) -> String {
    use logcount::run::stats::human_bytes;
    let secs = p.elapsed.as_secs_f64();
    let mut s = format!("{} {}/{} tasks", p.step, p.done, p.tasks);
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
    s + &format!(", {secs:.1} s")
}
