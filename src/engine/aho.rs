//! `aho-corasick` strategies, for larger keyword sets: one pass over the text
//! whatever the number of keywords.
//!
//! * [`AhoLeftmost`]: a leftmost-first, non-overlapping search (SIMD Teddy
//!   prefilter for small sets). Exact only when no two occurrences of any
//!   keywords can overlap ([`overlap_free`]); then every occurrence is found.
//! * [`AhoOverlapping`]: reports every occurrence of every keyword, and keeps
//!   per keyword the end of its last counted occurrence, so that each keyword
//!   is counted non-overlapping on its own. Exact for any set, slower.
//!
//! Match options: `ignore_case` builds the automata ASCII case-insensitive
//! (and judges overlap on the lowercased keywords); `whole_word` drops the
//! occurrences whose neighbours are word bytes before the per-keyword greedy
//! selection. In an overlap-free set no two occurrences overlap, so a
//! leftmost search that skips over a rejected occurrence loses nothing.

use super::options::{is_word_byte, MatchOptions};
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
    overlap_free_bytes(keywords.as_bytes())
}

/// [`overlap_free`] for the keywords as matched under `options` (lowercased
/// with `ignore_case`: `aA` overlaps itself then, and `ERR`, `err` overlap).
///
/// ```
/// use logcount::{engine::{aho::overlap_free_with, MatchOptions}, keywords::Keywords};
/// let k = Keywords::parse_list("aA,INFO").unwrap();
/// assert!(overlap_free_with(&k, MatchOptions::default()));
/// assert!(!overlap_free_with(&k, MatchOptions { ignore_case: true, whole_word: false }));
/// ```
pub fn overlap_free_with(keywords: &Keywords, options: MatchOptions) -> bool {
    if !options.ignore_case {
        return overlap_free(keywords);
    }
    let folded: Vec<Vec<u8>> = keywords
        .as_bytes()
        .iter()
        .map(|k| options.fold_keyword(k))
        .collect();
    overlap_free_bytes(&folded)
}

fn overlap_free_bytes(ks: &[Vec<u8>]) -> bool {
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
    whole_word: bool,
}

impl AhoLeftmost {
    /// `None` when the set is not overlap-free (the count would not be exact).
    pub fn new(keywords: &Keywords) -> Option<Self> {
        Self::with_options(keywords, MatchOptions::default())
    }

    /// `None` when the set is not overlap-free under `options`.
    pub fn with_options(keywords: &Keywords, options: MatchOptions) -> Option<Self> {
        if !overlap_free_with(keywords, options) {
            return None;
        }
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .ascii_case_insensitive(options.ignore_case)
            .build(keywords.as_bytes())
            .expect("validated keywords build an automaton");
        Some(AhoLeftmost {
            ac,
            whole_word: options.whole_word,
        })
    }
}

/// Whether `window[start..end]` has non-word neighbours; the window's ends
/// count as non-word (the start or end of a text or line).
#[inline]
fn bounded(window: &[u8], start: usize, end: usize) -> bool {
    (start == 0 || !is_word_byte(window[start - 1]))
        && (end == window.len() || !is_word_byte(window[end]))
}

impl Strategy for AhoLeftmost {
    fn name(&self) -> &'static str {
        "aho-leftmost"
    }

    fn count(&self, text: &[u8], counts: &mut [u64]) {
        if self.whole_word {
            for m in self.ac.find_iter(text) {
                if bounded(text, m.start(), m.end()) {
                    counts[m.pattern().as_usize()] += 1;
                }
            }
        } else {
            for m in self.ac.find_iter(text) {
                counts[m.pattern().as_usize()] += 1;
            }
        }
    }
}

/// Overlapping aho-corasick with per-keyword greedy selection. Exact for any set.
#[derive(Debug, Clone)]
pub struct AhoOverlapping {
    ac: AhoCorasick,
    lens: Vec<usize>,
    whole_word: bool,
}

impl AhoOverlapping {
    /// A counter of `keywords` with the default match options.
    pub fn new(keywords: &Keywords) -> Self {
        Self::with_options(keywords, MatchOptions::default())
    }

    /// A counter of `keywords` under `options`.
    pub fn with_options(keywords: &Keywords, options: MatchOptions) -> Self {
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(options.ignore_case)
            .build(keywords.as_bytes())
            .expect("validated keywords build an automaton");
        AhoOverlapping {
            ac,
            lens: keywords.as_bytes().iter().map(Vec::len).collect(),
            whole_word: options.whole_word,
        }
    }

    /// Bytes of context a streaming caller keeps from one window to the next
    /// ([`count_window_at`](Self::count_window_at)'s `fresh_from`): the
    /// longest keyword less one, plus with `whole_word` the byte after a
    /// deferred occurrence and the one before it.
    pub(crate) fn carry_len(&self) -> usize {
        let max = self.lens.iter().copied().max().unwrap_or(1);
        if self.whole_word {
            max + 1
        } else {
            max - 1
        }
    }

    /// Like [`count_window`](Self::count_window), for a window of a longer
    /// text: `at_end` tells whether the text ends with the window. With
    /// `whole_word`, an occurrence ending at the window's end is undecided
    /// until the next byte arrives: it is left for the next window unless
    /// `at_end`. Feed windows that overlap by [`carry_len`](Self::carry_len)
    /// bytes and pass `fresh_from = carry - 1` with `whole_word` (the deferred
    /// occurrences end there), `carry` otherwise; the first window has
    /// `base = 0` and `fresh_from = 0`.
    pub(crate) fn count_window_at(
        &self,
        window: &[u8],
        base: u64,
        fresh_from: usize,
        at_end: bool,
        next_free: &mut [u64],
        counts: &mut [u64],
    ) {
        if !self.whole_word {
            return self.count_window(window, base, fresh_from, next_free, counts);
        }
        for m in self.ac.find_overlapping_iter(window) {
            if m.end() <= fresh_from || (m.end() == window.len() && !at_end) {
                continue;
            }
            // A fresh occurrence starts after window[0] unless base == 0 (see above),
            // so window[0] standing for the text start is exact.
            if !bounded(window, m.start(), m.end()) {
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
        self.count_window_at(text, 0, 0, true, &mut next_free, counts);
    }
}
