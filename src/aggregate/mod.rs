//! What the count step gathers from a stream of blocks: the aggregation
//! layer above the count engine.
//!
//! Storage hands out blocks cut anywhere; [`LineStitcher`] (in `stitch.rs`)
//! turns them into line-aligned units, which a [`Counter`] counts into
//! [`Tally`]s (in `tally.rs`) on any thread, in any order; tallies add up.
//! A counter is the [`Engine`] plus the job's counting mode, and the mode's
//! part of a tally is its [`Detail`] (in `detail.rs`, the one home of
//! per-mode code): nothing beyond keyword totals, every word's count
//! (`--mode words`), or keyword totals per time bucket (`--by`).
//!
//! Adding a counting mode: its own module for what it gathers (as
//! [`crate::words`], [`crate::timeline`]), a [`Detail`] variant with its arms
//! in `detail.rs`, and an arm where the count step picks the counter.
//!
//! Dependencies point down: this module builds on [`crate::engine`] (which
//! only counts bytes), [`crate::words`] and [`crate::timeline`]; none of them
//! depends on it.
//!
//! ```
//! use logcount::{aggregate::Counter, engine::Engine, keywords::Keywords};
//! let counter = Counter::keywords(Engine::new(&Keywords::parse_list("ERROR").unwrap()));
//! let t = counter.count_unit(b"ERROR one\nERROR two\n");
//! assert_eq!((t.counts[0], t.bytes, t.lines), (2, 20, 2));
//! ```

mod detail;
mod stitch;
mod tally;

pub use detail::{Detail, SpillHook, WordOptions};
pub use stitch::{count_in_blocks, count_in_blocks_with, count_unit, LineStitcher};
pub use tally::Tally;

use crate::engine::Engine;
use detail::LineStream;
use std::sync::{Arc, Mutex};

/// An engine plus what to aggregate: counts line-aligned text into tallies.
#[derive(Debug, Clone)]
pub struct Counter {
    engine: Engine,
    /// The job's counting mode, as the empty detail its tallies start from.
    mode: Detail,
    /// Tallies that units are counted into, one per thread counting at a
    /// time, when the counter pools them ([`Self::pooling`]).
    pooled: Option<Arc<Mutex<Vec<Tally>>>>,
}

/// How many leading bytes of a line the stitcher keeps when the line is too
/// long to hold (what a mode gets to look at besides the line's counts).
pub const LONG_LINE_HEAD: usize = 4096;

impl Counter {
    /// A counter of keyword totals.
    pub fn keywords(engine: Engine) -> Self {
        Self::new(engine, Detail::None)
    }

    /// A counter in the mode of `mode` (its contents are ignored: tallies
    /// start empty).
    pub fn new(engine: Engine, mode: Detail) -> Self {
        let mode = mode.empty(engine.keywords().len());
        Counter {
            engine,
            mode,
            pooled: None,
        }
    }

    /// The same counter (and its clones), counting every unit into one of a
    /// few long-lived tallies: [`Self::count_unit`] returns an empty tally
    /// and [`Self::take_pooled`] the tallies at the end. For words, whose
    /// tallies are tables: a table per thread that lives as long as the
    /// count, instead of one per unit grown from empty and then added to the
    /// total (each distinct word inserted twice). A pooled words tally spills
    /// past its spill's budget, as a total does.
    pub fn pooling(&self) -> Self {
        Counter {
            pooled: Some(Arc::default()),
            ..self.clone()
        }
    }

    /// The pooled tallies so far (none unless [`Self::pooling`]), taken out
    /// of the pool.
    pub fn take_pooled(&self) -> Vec<Tally> {
        self.pooled.as_ref().map_or_else(Vec::new, |pool| {
            std::mem::take(&mut *pool.lock().expect("a count panicked"))
        })
    }

    /// The same engine in another mode.
    pub fn with_mode(&self, mode: Detail) -> Self {
        Self::new(self.engine.clone(), mode)
    }

    /// The engine that counts the keywords.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The counting mode, as an empty detail.
    pub fn mode(&self) -> &Detail {
        &self.mode
    }

    /// An empty tally for this counter.
    pub fn tally(&self) -> Tally {
        Tally::new(self.engine.keywords().len(), self.mode.clone())
    }

    /// Counts a line-aligned unit: whole lines, the last one ending in a
    /// newline unless it is the end of the input.
    /// When the counter pools its tallies ([`Self::pooling`]), the unit is
    /// counted into a pooled tally, and the tally returned is empty.
    pub fn count_unit(&self, unit: &[u8]) -> Tally {
        let Some(pool) = &self.pooled else {
            let mut t = self.tally();
            self.add_lines(unit, &mut t);
            t.bytes = unit.len() as u64;
            return t;
        };
        let taken = pool.lock().expect("a count panicked").pop();
        let mut t = taken.unwrap_or_else(|| self.tally());
        self.add_lines(unit, &mut t);
        t.bytes += unit.len() as u64;
        t.detail.spill_if_full();
        pool.lock().expect("a count panicked").push(t);
        self.tally()
    }

    /// Adds the lines of `text` (whole lines, as in [`Self::count_unit`]) to
    /// `tally`, except their bytes: the caller tallies those.
    pub fn add_lines(&self, text: &[u8], tally: &mut Tally) {
        debug_assert!(
            self.mode.same_mode(&tally.detail),
            "a tally of another mode"
        );
        tally.lines += tally
            .detail
            .add_lines(&self.engine, text, &mut tally.counts);
    }

    /// Starts streaming a line too long to hold (see [`LineStitcher`]).
    fn long_line(&self) -> LineStream {
        self.mode.long_line(&self.engine)
    }

    /// Adds a line too long to hold, streamed through `line`: `head` is its
    /// first bytes (up to [`LONG_LINE_HEAD`]). Its bytes are tallied by the
    /// caller.
    fn add_long_line(&self, head: &[u8], line: LineStream, tally: &mut Tally) {
        debug_assert!(
            self.mode.same_mode(&tally.detail),
            "a tally of another mode"
        );
        tally.lines += 1;
        tally.detail.add_long_line(head, line, &mut tally.counts);
    }
}

impl From<Engine> for Counter {
    fn from(engine: Engine) -> Self {
        Counter::keywords(engine)
    }
}

#[cfg(test)]
mod tests;
