//! `aho-corasick` strategies, for larger keyword sets: one pass over the text
//! whatever the number of keywords.
//!
//! * [`AhoLeftmost`]: a leftmost-first, non-overlapping search (SIMD Teddy
//!   prefilter for small sets). Exact only when no two occurrences of any
//!   keywords can overlap ([`overlap_free`]); then every occurrence is found.
//! * [`AhoOverlapping`]: reports every occurrence of every keyword, and keeps
//!   per keyword the end of its last counted occurrence, so that each keyword
//!   is counted non-overlapping on its own. Exact for any set, slower.

use super::Strategy;
use crate::keywords::Keywords;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Sets larger than this are assumed to overlap (the check is quadratic).
pub const OVERLAP_CHECK_LIMIT: usize = 1024;

/// Whether no occurrence of any keyword can overlap an occurrence of another
/// or of itself in any text. Then a leftmost non-overlapping search finds every
/// occurrence and counts each keyword exactly.
///
/// ```
/// use logcount::{engine::aho::overlap_free, keywords::Keywords};
/// let k = |s| Keywords::parse_list(s).unwrap();
/// assert!(overlap_free(&k("INFO,WARN,ERROR,DEBUG")));
/// assert!(!overlap_free(&k("ERR,ERROR")));  // ERR inside ERROR
/// assert!(!overlap_free(&k("aa")));         // "aaa" holds two overlapping "aa"
/// assert!(!overlap_free(&k("ab,ba")));      // "aba"
/// ```
pub fn overlap_free(keywords: &Keywords) -> bool {
    let ks = keywords.as_bytes();
    if ks.len() > OVERLAP_CHECK_LIMIT {
        return false; // the pairwise check is quadratic; stay exact instead
    }
    for (i, a) in ks.iter().enumerate() {
        for (j, b) in ks.iter().enumerate() {
            if i != j && contains(b, a) {
                return false;
            }
            // A proper suffix of `a` that is a prefix of `b` (a border when a == b).
            let max = a.len().min(b.len());
            for k in 1..=max {
                if (i != j || k < a.len()) && a[a.len() - k..] == b[..k] {
                    return false;
                }
            }
        }
    }
    true
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// Leftmost-first, non-overlapping aho-corasick. Only for overlap-free sets.
#[derive(Debug, Clone)]
pub struct AhoLeftmost {
    ac: AhoCorasick,
}

impl AhoLeftmost {
    /// `None` when the set is not overlap-free (the count would not be exact).
    pub fn new(keywords: &Keywords) -> Option<Self> {
        if !overlap_free(keywords) {
            return None;
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(keywords.as_bytes())
            .expect("validated keywords build an automaton");
        Some(AhoLeftmost { ac })
    }
}

impl Strategy for AhoLeftmost {
    fn name(&self) -> &'static str {
        "aho-leftmost"
    }

    fn count(&self, text: &[u8], counts: &mut [u64]) {
        for m in self.ac.find_iter(text) {
            counts[m.pattern().as_usize()] += 1;
        }
    }
}

/// Overlapping aho-corasick with per-keyword greedy selection. Exact for any set.
#[derive(Debug, Clone)]
pub struct AhoOverlapping {
    ac: AhoCorasick,
    lens: Vec<usize>,
}

impl AhoOverlapping {
    pub fn new(keywords: &Keywords) -> Self {
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(keywords.as_bytes())
            .expect("validated keywords build an automaton");
        AhoOverlapping {
            ac,
            lens: keywords.as_bytes().iter().map(Vec::len).collect(),
        }
    }

    /// Counts the matches of `window` that end after `fresh_from`, with
    /// `next_free[k]` the first absolute offset where keyword `k` may start again
    /// and `base` the absolute offset of `window[0]`. Used on whole texts
    /// (`fresh_from = 0`) and by the streaming fallback for lines that do not fit
    /// a buffer.
    pub(crate) fn count_window(
        &self,
        window: &[u8],
        base: u64,
        fresh_from: usize,
        next_free: &mut [u64],
        counts: &mut [u64],
    ) {
        // Overlapping matches come by end offset; for one keyword (fixed length)
        // that is also start order, so a greedy pass per keyword is exact.
        for m in self.ac.find_overlapping_iter(window) {
            if m.end() <= fresh_from {
                continue;
            }
            let k = m.pattern().as_usize();
            let start = base + m.start() as u64;
            if start >= next_free[k] {
                counts[k] += 1;
                next_free[k] = start + self.lens[k] as u64;
            }
        }
    }
}

impl Strategy for AhoOverlapping {
    fn name(&self) -> &'static str {
        "aho-overlapping"
    }

    fn count(&self, text: &[u8], counts: &mut [u64]) {
        let mut next_free = vec![0u64; self.lens.len()];
        self.count_window(text, 0, 0, &mut next_free, counts);
    }
}
