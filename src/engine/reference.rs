//! The naive oracle: for each keyword, scan every position and count
//! non-overlapping occurrences left to right, exactly what Python's
//! `bytes.count` does. Slow and obviously right; every other strategy is
//! tested against it.

use super::Strategy;
use crate::keywords::Keywords;

/// Counts with a position-by-position scan per keyword.
#[derive(Debug, Clone)]
pub struct Reference {
    keywords: Vec<Vec<u8>>,
}

impl Reference {
    pub fn new(keywords: &Keywords) -> Self {
        Reference {
            keywords: keywords.as_bytes().to_vec(),
        }
    }
}

/// Non-overlapping occurrences of `needle` in `hay`, scanned left to right.
pub fn count_one(hay: &[u8], needle: &[u8]) -> u64 {
    assert!(!needle.is_empty());
    let (mut i, mut n) = (0, 0);
    while i + needle.len() <= hay.len() {
        if &hay[i..i + needle.len()] == needle {
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
            *c += count_one(text, k);
        }
    }
}
