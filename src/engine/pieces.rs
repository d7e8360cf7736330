//! Counting the keywords of one text fed in pieces, in bounded memory.
//!
//! A line too long to hold in a buffer still counts as one text: its
//! occurrences may straddle two pieces, and (with `--whole-word`) one ending
//! at a piece's end is decided only by the next byte. A [`PieceCounter`]
//! keeps just the last `carry_len` bytes between pieces (the longest keyword
//! less one; two more with whole-word) and the next offset where each
//! keyword may start again, so its memory does not grow with the text.
//!
//! ```
//! use logcount::{engine::Engine, keywords::Keywords};
//! let engine = Engine::new(&Keywords::parse_list("ERROR,RR").unwrap());
//! let mut pieces = engine.piece_counter();
//! for piece in [&b"ER"[..], b"ROR ERR", b"OR"] {
//!     pieces.feed(piece);
//! }
//! assert_eq!(pieces.finish(), [2, 2]);
//! ```

use super::aho::AhoOverlapping;
use std::sync::Arc;

/// The keyword counts of one text fed in pieces ([`super::Engine::piece_counter`]).
#[derive(Debug)]
pub struct PieceCounter {
    overlapping: Arc<AhoOverlapping>,
    whole_word: bool,
    /// Keyword counts so far.
    counts: Vec<u64>,
    /// Offset, within the text, of `carry[0]`.
    base: u64,
    /// The last bytes seen, so that a keyword across two pieces is found.
    carry: Vec<u8>,
    /// Per keyword, the offset where its next occurrence may start.
    next_free: Vec<u64>,
}

impl PieceCounter {
    pub(super) fn new(overlapping: Arc<AhoOverlapping>, whole_word: bool, keywords: usize) -> Self {
        PieceCounter {
            overlapping,
            whole_word,
            counts: vec![0; keywords],
            base: 0,
            carry: Vec::new(),
            next_free: vec![0; keywords],
        }
    }

    /// Takes the text's next bytes.
    pub fn feed(&mut self, piece: &[u8]) {
        if !piece.is_empty() {
            self.count(piece, false);
        }
    }

    /// The text ended: decides the occurrences that ended at the last
    /// piece's end (with whole-word they wait for the byte after them) and
    /// returns the counts, in keyword order.
    pub fn finish(mut self) -> Vec<u64> {
        if self.whole_word {
            self.count(&[], true);
        }
        self.counts
    }

    /// Counts `data` after the carry; `at_end` when the text ends there.
    fn count(&mut self, data: &[u8], at_end: bool) {
        let ac = &self.overlapping;
        let keep = ac.carry_len();
        // The carry's occurrences were decided, except, with whole-word, those
        // ending at its very end.
        let fresh_from = if self.whole_word {
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
