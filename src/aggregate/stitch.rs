//! Counting a stream of arbitrary blocks in bounded memory.
//!
//! Storage hands out blocks cut at arbitrary offsets. [`LineStitcher`] turns
//! them into line-aligned units that can be counted independently (on any
//! thread, in any order) and counts the lines that straddle two blocks
//! itself. A line longer than the stitcher's limit is never held whole: it is
//! counted as it streams by (its keywords by the engine's
//! [`PieceCounter`](crate::engine::PieceCounter), which keeps only the last
//! `max keyword length - 1` bytes; its words a word at a time), so memory
//! stays bounded whatever the input looks like.
//!
//! ```
//! use bytes::Bytes;
//! use logcount::{aggregate::{Counter, LineStitcher}, engine::Engine, keywords::Keywords};
//! let counter = Counter::keywords(Engine::new(&Keywords::parse_list("ERROR").unwrap()));
//! let mut stitcher = LineStitcher::new(counter.clone(), 1 << 20);
//! let mut total = counter.tally();
//! for block in [&b"ERR"[..], b"OR\nERROR\nER", b"ROR"] {
//!     if let Some(unit) = stitcher.push(Bytes::copy_from_slice(block)) {
//!         total.add(&counter.count_unit(&unit));
//!     }
//! }
//! total.add(&stitcher.finish());
//! assert_eq!((total.counts[0], total.bytes, total.lines), (3, 17, 3));
//! ```

use super::detail::LineStream;
use super::{Counter, Tally, LONG_LINE_HEAD};
use crate::engine::Engine;
use bytes::Bytes;

/// Counts a line-aligned unit handed out by [`LineStitcher::push`]
/// (keyword totals; [`Counter::count_unit`] for the general case).
pub fn count_unit(engine: &Engine, unit: &[u8]) -> Tally {
    Counter::keywords(engine.clone()).count_unit(unit)
}

/// Counts a whole text held in memory, feeding it in blocks of `block` bytes
/// through a stitcher with the given line `limit` (for tests: every block
/// size and limit must give the same tally).
pub fn count_in_blocks(engine: &Engine, text: &[u8], block: usize, limit: usize) -> Tally {
    count_in_blocks_with(&Counter::keywords(engine.clone()), text, block, limit)
}

/// [`count_in_blocks`] for any [`Counter`].
pub fn count_in_blocks_with(counter: &Counter, text: &[u8], block: usize, limit: usize) -> Tally {
    let mut stitcher = LineStitcher::new(counter.clone(), limit);
    let mut total = counter.tally();
    for piece in text.chunks(block.max(1)) {
        if let Some(unit) = stitcher.push(Bytes::copy_from_slice(piece)) {
            total.add(&counter.count_unit(&unit));
        }
    }
    total.add(&stitcher.finish());
    total
}

/// Turns a stream of arbitrary blocks into line-aligned units.
#[derive(Debug)]
pub struct LineStitcher {
    counter: Counter,
    limit: usize,
    /// The start of the current line, while it fits under `limit`.
    pending: Vec<u8>,
    /// The current line once it outgrew `limit`.
    long: Option<LongLine>,
    /// Counts of the lines the stitcher completed itself.
    tally: Tally,
}

/// A line too long to hold, while it streams by.
#[derive(Debug)]
struct LongLine {
    /// The line's first bytes (up to [`LONG_LINE_HEAD`]).
    head: Vec<u8>,
    /// What the counting mode takes from the rest.
    stream: LineStream,
}

impl LineStitcher {
    /// A stitcher that holds at most `limit` bytes of a partial line.
    pub fn new(counter: Counter, limit: usize) -> Self {
        let tally = counter.tally();
        LineStitcher {
            counter,
            limit,
            pending: Vec::new(),
            long: None,
            tally,
        }
    }

    /// Takes the next block. Returns the block's line-aligned middle (from
    /// just after its first newline through its last newline), to be counted
    /// with [`count_unit`]; the bytes around it are counted by the stitcher.
    pub fn push(&mut self, block: Bytes) -> Option<Bytes> {
        let Some(first) = memchr::memchr(b'\n', &block) else {
            self.tally.bytes += block.len() as u64;
            self.extend_line(&block);
            return None;
        };
        self.extend_line(&block[..=first]);
        self.end_line();
        let last = memchr::memrchr(b'\n', &block).expect("a newline was found");
        self.extend_line(&block[last + 1..]);
        // The unit's bytes are tallied by whoever counts it.
        self.tally.bytes += (first + 1 + block.len() - (last + 1)) as u64;
        (last > first).then(|| block.slice(first + 1..=last))
    }

    /// Counts the final line (if it has no newline) and returns what the
    /// stitcher counted. The total of a stream is this plus the units' tallies.
    pub fn finish(mut self) -> Tally {
        if self.long.is_some() || !self.pending.is_empty() {
            self.end_line();
        }
        self.tally
    }

    fn extend_line(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        if self.long.is_none() && self.pending.len() + data.len() <= self.limit {
            self.pending.extend_from_slice(data);
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        let counter = &self.counter;
        let long = self.long.get_or_insert_with(|| LongLine {
            head: Vec::with_capacity(LONG_LINE_HEAD),
            stream: counter.long_line(),
        });
        for piece in [&pending[..], data] {
            if !piece.is_empty() {
                long.feed(piece);
            }
        }
    }

    fn end_line(&mut self) {
        match self.long.take() {
            Some(long) => self
                .counter
                .add_long_line(&long.head, long.stream, &mut self.tally),
            None => self.counter.add_lines(&self.pending, &mut self.tally),
        }
        self.pending.clear();
    }
}

impl LongLine {
    fn feed(&mut self, data: &[u8]) {
        let room = LONG_LINE_HEAD - self.head.len();
        self.head.extend_from_slice(&data[..room.min(data.len())]);
        self.stream.feed(data);
    }
}
