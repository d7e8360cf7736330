//! What the count step gathers from line-aligned text.
//!
//! The [`Engine`] counts keywords in a text. A [`Counter`] wraps it with what
//! a job aggregates besides the totals (one [`Aggregate`]), and is what the
//! streaming layer ([`super::stream`]) and the count step call: it turns a
//! line-aligned unit into a [`Tally`], and finishes a line too long to hold
//! (streamed by the stitcher) from the line's first bytes and its counts.
//!
//! ```
//! use logcount::{engine::{Engine, counter::Counter}, keywords::Keywords};
//! let counter = Counter::keywords(Engine::new(&Keywords::parse_list("ERROR").unwrap()));
//! let t = counter.count_unit(b"ERROR one\nERROR two\n");
//! assert_eq!((t.counts[0], t.bytes, t.lines), (2, 20, 2));
//! ```

use super::stream::Tally;
use super::{count_newlines, Engine};
use crate::timeline::{self, TimeUnit, Timeline};
use crate::words::WordCounts;

/// What a job aggregates besides the keyword totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// Keyword totals only (the reference's job).
    #[default]
    Keywords,
    /// Every word's count instead of keywords ([`crate::words`]); the
    /// tally's `words` part holds them, its keyword counts stay 0.
    Words,
    /// Keyword totals plus counts per time bucket of each line's leading
    /// timestamp ([`crate::timeline`]), in the tally's `timeline` part.
    Timeline(TimeUnit),
}

/// An engine plus what to aggregate: counts line-aligned text into tallies.
#[derive(Debug, Clone)]
pub struct Counter {
    engine: Engine,
    aggregate: Aggregate,
}

/// How many leading bytes of a line the stitcher keeps when the line is too
/// long to hold (what [`Counter::add_long_line`] gets to look at).
pub const LONG_LINE_HEAD: usize = 64;

impl Counter {
    /// A counter of keyword totals.
    pub fn keywords(engine: Engine) -> Self {
        Self::new(engine, Aggregate::Keywords)
    }

    pub fn new(engine: Engine, aggregate: Aggregate) -> Self {
        Counter { engine, aggregate }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn aggregate(&self) -> Aggregate {
        self.aggregate
    }

    /// An empty tally for this counter.
    pub fn tally(&self) -> Tally {
        let mut t = Tally::new(self.engine.keywords().len());
        if self.aggregate == Aggregate::Words {
            t.words = Some(WordCounts::default());
        }
        if let Aggregate::Timeline(_) = self.aggregate {
            t.timeline = Some(Timeline::new(self.engine.keywords().len()));
        }
        t
    }

    /// Counts a line-aligned unit: whole lines, the last one ending in a
    /// newline unless it is the end of the input.
    pub fn count_unit(&self, unit: &[u8]) -> Tally {
        let mut t = self.tally();
        self.add_lines(unit, &mut t);
        t.bytes = unit.len() as u64;
        t
    }

    /// Adds the lines of `text` (whole lines, as in [`Self::count_unit`]) to
    /// `tally`, except their bytes: the caller tallies those.
    pub fn add_lines(&self, text: &[u8], tally: &mut Tally) {
        match self.aggregate {
            Aggregate::Keywords => {
                tally.lines += self.engine.count_lines(text, &mut tally.counts);
                if text.last().is_some_and(|&b| b != b'\n') {
                    tally.lines += 1;
                }
            }
            Aggregate::Words => {
                tally.words.get_or_insert_default().count_text(text);
                tally.lines += count_newlines(text);
                if text.last().is_some_and(|&b| b != b'\n') {
                    tally.lines += 1;
                }
            }
            Aggregate::Timeline(unit) => {
                let n = self.engine.keywords().len();
                let tl = tally.timeline.get_or_insert_with(|| Timeline::new(n));
                tally.lines += timeline::add_lines(unit, text, tl, &mut tally.counts, |run, c| {
                    self.engine.count(run, c)
                });
            }
        }
    }

    /// Adds one line too long to hold, streamed by the stitcher: `head` is
    /// its first bytes (up to [`LONG_LINE_HEAD`]), `counts` its keyword
    /// counts. Its bytes are tallied by the caller.
    pub fn add_long_line(&self, head: &[u8], counts: &[u64], tally: &mut Tally) {
        match self.aggregate {
            Aggregate::Keywords => {
                for (a, b) in tally.counts.iter_mut().zip(counts) {
                    *a += b;
                }
                tally.lines += 1;
            }
            // Its words were counted as it streamed (`WordStream`, added by the stitcher).
            Aggregate::Words => tally.lines += 1,
            Aggregate::Timeline(unit) => {
                for (a, b) in tally.counts.iter_mut().zip(counts) {
                    *a += b;
                }
                tally.lines += 1;
                let n = self.engine.keywords().len();
                let tl = tally.timeline.get_or_insert_with(|| Timeline::new(n));
                tl.add_line(unit, head, counts);
            }
        }
    }
}

impl From<Engine> for Counter {
    fn from(engine: Engine) -> Self {
        Counter::keywords(engine)
    }
}
