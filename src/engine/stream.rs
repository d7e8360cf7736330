//! Counting a stream of arbitrary blocks in bounded memory.
//!
//! Storage hands out blocks cut at arbitrary offsets. [`LineStitcher`] turns
//! them into line-aligned units that can be counted independently (on any
//! thread, in any order) and counts the lines that straddle two blocks
//! itself. A line longer than the stitcher's limit is never held whole: it is
//! counted as it streams by, keeping only the last `max keyword length - 1`
//! bytes, so memory stays bounded whatever the input looks like.
//!
//! ```
//! use bytes::Bytes;
//! use logcount::{engine::{Engine, counter::Counter, stream::LineStitcher}, keywords::Keywords};
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

use super::counter::{Aggregate, Counter, LONG_LINE_HEAD};
use super::Engine;
use crate::words::{WordCounts, WordStream};
use bytes::Bytes;

/// What counting some bytes found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    /// Occurrences per keyword, in keyword order.
    pub counts: Vec<u64>,
    /// Bytes seen.
    pub bytes: u64,
    /// Lines seen: newlines, plus one for a final line without a newline.
    pub lines: u64,
    /// Word counts (words mode only).
    pub words: Option<WordCounts>,
    /// Counts per time bucket (`--by` jobs only).
    pub timeline: Option<crate::timeline::Timeline>,
}

impl Tally {
    pub fn new(keywords: usize) -> Self {
        Tally {
            counts: vec![0; keywords],
            bytes: 0,
            lines: 0,
            words: None,
            timeline: None,
        }
    }

    /// Adds another tally (of the same keyword set).
    pub fn add(&mut self, other: &Tally) {
        debug_assert_eq!(self.counts.len(), other.counts.len());
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.bytes += other.bytes;
        self.lines += other.lines;
        if let Some(w) = &other.words {
            self.words.get_or_insert_default().merge(w);
        }
        if let Some(t) = &other.timeline {
            self.timeline.get_or_insert_default().add(t);
        }
    }
}

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

/// The streaming state of a line too long to hold.
#[derive(Debug)]
struct LongLine {
    /// The line's first bytes (up to [`LONG_LINE_HEAD`]).
    head: Vec<u8>,
    /// Keyword counts so far.
    counts: Vec<u64>,
    /// Offset, within the line, of `carry[0]`.
    base: u64,
    /// The last bytes seen, so that a keyword across two blocks is found.
    carry: Vec<u8>,
    /// Per keyword, the offset where its next occurrence may start.
    next_free: Vec<u64>,
    /// Words mode: the line's words so far, and the word cut at the last
    /// piece's end (kept whole, however long: a word is never split).
    words: Option<WordStream>,
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
        let n = self.counter.engine().keywords().len();
        let words = self.counter.aggregate() == Aggregate::Words;
        let long = self.long.get_or_insert_with(|| LongLine {
            head: Vec::with_capacity(LONG_LINE_HEAD),
            counts: vec![0; n],
            base: 0,
            carry: Vec::new(),
            next_free: vec![0; n],
            words: words.then(WordStream::default),
        });
        for piece in [&pending[..], data] {
            if !piece.is_empty() {
                long.feed(self.counter.engine(), piece);
            }
        }
    }

    fn end_line(&mut self) {
        match self.long.take() {
            Some(mut long) => {
                long.finish(self.counter.engine());
                self.counter
                    .add_long_line(&long.head, &long.counts, &mut self.tally);
                if let Some(words) = long.words {
                    let words = words.finish();
                    self.tally.words.get_or_insert_default().merge_owned(words);
                }
            }
            None => self.counter.add_lines(&self.pending, &mut self.tally),
        }
        self.pending.clear();
    }
}

impl LongLine {
    fn feed(&mut self, engine: &Engine, data: &[u8]) {
        let room = LONG_LINE_HEAD - self.head.len();
        self.head.extend_from_slice(&data[..room.min(data.len())]);
        if let Some(words) = &mut self.words {
            // Words mode counts no keywords.
            words.feed(data);
            return;
        }
        self.count(engine, data, false);
    }

    /// The line ended: decide the occurrences that ended at the last piece's
    /// end (with whole-word they wait for the byte after them).
    fn finish(&mut self, engine: &Engine) {
        if self.words.is_none() && engine.options().whole_word {
            self.count(engine, &[], true);
        }
    }

    /// Counts `data` after the carry; `at_end` when the line ends there.
    fn count(&mut self, engine: &Engine, data: &[u8], at_end: bool) {
        let ac = engine.overlapping();
        let keep = ac.carry_len();
        // The carry's occurrences were decided, except, with whole-word, those
        // ending at its very end.
        let fresh_from = if engine.options().whole_word {
            self.carry.len().saturating_sub(1)
        } else {
            self.carry.len()
        };
        let mut window = std::mem::take(&mut self.carry);
        window.extend_from_slice(data);
        ac.count_window_at(
            &window,
            self.base,
            fresh_from,
            at_end,
            &mut self.next_free,
            &mut self.counts,
        );
        let cut = window.len().saturating_sub(keep);
        self.base += cut as u64;
        window.drain(..cut);
        self.carry = window;
    }
}
