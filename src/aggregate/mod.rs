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

/// An engine plus what to aggregate: counts line-aligned text into tallies.
#[derive(Debug, Clone)]
pub struct Counter {
    engine: Engine,
    /// The job's counting mode, as the empty detail its tallies start from.
    mode: Detail,
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
        Counter { engine, mode }
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
    pub fn count_unit(&self, unit: &[u8]) -> Tally {
        let mut t = self.tally();
        self.add_lines(unit, &mut t);
        t.bytes = unit.len() as u64;
        t
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
