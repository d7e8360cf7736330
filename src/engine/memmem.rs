//! One `memchr::memmem` pass per keyword. Each pass is SIMD-accelerated and
//! reports non-overlapping occurrences left to right, which is exactly the
//! counting rule, so this strategy is exact for any keyword set. It wins for a
//! few keywords with sparse matches.
//!
//! Match options: with `ignore_case` the text is lowercased (ASCII) a piece at
//! a time into a reused buffer and searched for the lowercased keywords; with
//! `whole_word` every candidate is found (overlapping ones included) and only
//! those with non-word neighbours are counted and skipped over.

use super::options::{at_word_boundaries, fold_into, MatchOptions};
use super::Strategy;
use crate::keywords::Keywords;
use memchr::memmem::Finder;

/// Text positions folded at a time with `ignore_case`.
const PIECE: usize = 64 << 10;

/// Counts with one precompiled `memmem::Finder` per keyword.
#[derive(Debug, Clone)]
pub struct Memmem {
    finders: Finders,
}

impl Memmem {
    /// A counter of `keywords` with the default match options.
    pub fn new(keywords: &Keywords) -> Self {
        Self::with_options(keywords, MatchOptions::default())
    }

    /// A counter of `keywords` under `options`.
    pub fn with_options(keywords: &Keywords, options: MatchOptions) -> Self {
        Memmem {
            finders: Finders::new(keywords.as_bytes().iter().enumerate(), options),
        }
    }
}

impl Strategy for Memmem {
    fn name(&self) -> &'static str {
        "memmem"
    }

    fn count(&self, text: &[u8], counts: &mut [u64]) {
        self.finders.count(text, counts);
    }
}

/// memmem finders for some keywords of a set (by index), under match options.
/// Also the SIMD strategy's fallback for keywords its kernels cannot count.
#[derive(Debug, Clone)]
pub(crate) struct Finders {
    /// (index in the keyword set, finder of the folded keyword, length).
    finders: Vec<(usize, Finder<'static>, usize)>,
    options: MatchOptions,
    max_len: usize,
}

impl Finders {
    pub(crate) fn new<'a>(
        keywords: impl IntoIterator<Item = (usize, &'a Vec<u8>)>,
        options: MatchOptions,
    ) -> Self {
        let finders: Vec<_> = keywords
            .into_iter()
            .map(|(i, k)| {
                (
                    i,
                    Finder::new(&options.fold_keyword(k)).into_owned(),
                    k.len(),
                )
            })
            .collect();
        let max_len = finders.iter().map(|f| f.2).max().unwrap_or(1);
        Finders {
            finders,
            options,
            max_len,
        }
    }

    /// How many keywords these finders count.
    pub(crate) fn len(&self) -> usize {
        self.finders.len()
    }

    pub(crate) fn count(&self, text: &[u8], counts: &mut [u64]) {
        if self.finders.is_empty() {
            return;
        }
        if !self.options.ignore_case {
            for (i, f, len) in &self.finders {
                counts[*i] += if self.options.whole_word {
                    let mut next_free = 0;
                    scan(f, *len, text, 0, 0, text.len(), text, true, &mut next_free)
                } else {
                    f.find_iter(text).count() as u64
                };
            }
            return;
        }
        // Fold a piece at a time: the piece [a, b) of start positions needs the
        // bytes [a, b + max_len - 1). Each keyword resumes where it left off.
        let ww = self.options.whole_word;
        let mut next_free = vec![0usize; self.finders.len()];
        let mut buf = vec![0u8; text.len().min(PIECE + self.max_len - 1)];
        let mut a = 0;
        while a < text.len() {
            let b = (a + PIECE).min(text.len());
            let end = (b + self.max_len - 1).min(text.len());
            let hay = &mut buf[..end - a];
            fold_into(hay, &text[a..end]);
            for ((i, f, len), nf) in self.finders.iter().zip(next_free.iter_mut()) {
                counts[*i] += scan(f, *len, hay, a, (*nf).max(a), b, text, ww, nf);
            }
            a = b;
        }
    }
}

/// Counts the occurrences of `f` (length `len`) that start in `from..end`, in
/// `hay` = the (folded) text from offset `base`, greedily left to right; with
/// `whole_word` only candidates with non-word neighbours in `text` count.
/// `next_free` becomes the end of the last counted occurrence.
#[allow(clippy::too_many_arguments)]
#[inline]
fn scan(
    f: &Finder<'_>,
    len: usize,
    hay: &[u8],
    base: usize,
    from: usize,
    end: usize,
    text: &[u8],
    whole_word: bool,
    next_free: &mut usize,
) -> u64 {
    let mut pos = from;
    let mut n = 0;
    while pos < end {
        let Some(i) = f.find(&hay[pos - base..]) else {
            break;
        };
        let s = pos + i;
        if s >= end {
            break;
        }
        if !whole_word || at_word_boundaries(text, s, s + len) {
            n += 1;
            pos = s + len;
            *next_free = pos;
        } else {
            pos = s + 1;
        }
    }
    n
}
