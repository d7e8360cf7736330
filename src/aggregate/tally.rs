//! What counting some bytes found: [`Tally`].

use super::Detail;

/// What counting some bytes found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    /// Occurrences per keyword, in keyword order.
    pub counts: Vec<u64>,
    /// Bytes seen.
    pub bytes: u64,
    /// Lines seen: newlines, plus one for a final line without a newline.
    pub lines: u64,
    /// What the counting mode gathers besides the keyword totals.
    pub detail: Detail,
}

impl Tally {
    /// An empty tally of `keywords` keywords in the mode of `detail` (which
    /// should be empty: [`super::Counter::tally`] makes one).
    pub fn new(keywords: usize, detail: Detail) -> Self {
        Tally {
            counts: vec![0; keywords],
            bytes: 0,
            lines: 0,
            detail,
        }
    }

    /// Adds another tally (of the same keyword set and mode).
    pub fn add(&mut self, other: &Tally) {
        debug_assert_eq!(self.counts.len(), other.counts.len());
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.bytes += other.bytes;
        self.lines += other.lines;
        self.detail.add(&other.detail);
    }

    /// [`Self::add`], taking `other`'s detail over (a words tally's words
    /// move, not copy).
    pub fn absorb(&mut self, other: Tally) {
        debug_assert_eq!(self.counts.len(), other.counts.len());
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.bytes += other.bytes;
        self.lines += other.lines;
        self.detail.absorb(other.detail);
    }
}
