//! The naive oracle: for each keyword, scan every position and count
//! non-overlapping occurrences left to right, exactly what Python's
//! `bytes.count` does. Slow and obviously right; every other strategy is
//! tested against it. With [`MatchOptions`], the same scan compares bytes
//! case-insensitively (ASCII) and/or checks the neighbours of each candidate.

use super::options::{at_word_boundaries, MatchOptions};
use super::Strategy;
use crate::keywords::Keywords;

/// Counts with a position-by-position scan per keyword.
#[derive(Debug, Clone)]
pub struct Reference {
    keywords: Vec<Vec<u8>>,
    options: MatchOptions,
}

impl Reference {
    /// A counter of `keywords` with the default match options.
    pub fn new(keywords: &Keywords) -> Self {
        Self::with_options(keywords, MatchOptions::default())
    }

    /// A counter of `keywords` under `options`.
    pub fn with_options(keywords: &Keywords, options: MatchOptions) -> Self {
        Reference {
            keywords: keywords.as_bytes().to_vec(),
            options,
        }
    }
}

/// Non-overlapping occurrences of `needle` in `hay`, scanned left to right.
pub fn count_one(hay: &[u8], needle: &[u8]) -> u64 {
    count_one_with(hay, needle, MatchOptions::default())
}

/// [`count_one`] under match options: at each position, a candidate that
/// matches (ASCII case-insensitively with `ignore_case`) and, with
/// `whole_word`, has non-word neighbours, is counted and skipped over;
/// otherwise the scan moves one byte on.
///
/// ```
/// use logcount::engine::{reference::count_one_with, MatchOptions};
/// let ww = MatchOptions { ignore_case: false, whole_word: true };
/// assert_eq!(count_one_with(b"a-a-a", b"a-a", ww), 1);
/// assert_eq!(count_one_with(b"xa-a a-a", b"a-a", ww), 1);
/// ```
pub fn count_one_with(hay: &[u8], needle: &[u8], options: MatchOptions) -> u64 {
    assert!(!needle.is_empty());
    let (mut i, mut n) = (0, 0);
    while i + needle.len() <= hay.len() {
        let cand = &hay[i..i + needle.len()];
        let same = if options.ignore_case {
            cand.eq_ignore_ascii_case(needle)
        } else {
            cand == needle
        };
        if same && (!options.whole_word || at_word_boundaries(hay, i, i + needle.len())) {
            n += 1;
            i += needle.len();
        } else {
            i += 1;
        }
    }
    n
}

impl Strategy for Reference {
    fn name(&self) -> &'static str {
        "reference"
    }

    fn count(&self, text: &[u8], counts: &mut [u64]) {
        for (k, c) in self.keywords.iter().zip(counts.iter_mut()) {
            *c += count_one_with(text, k, self.options);
        }
    }
}
