//! The most frequent words of a stream, in memory bounded by K.

use std::cmp::Ordering;

/// A word and its count, ordered best first: count descending, then the
/// word's bytes ascending (the order of `result.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ranked(Vec<u8>, u64);

impl Ord for Ranked {
    /// "Greater" is worse: sorted ascending, the best come first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.1.cmp(&self.1).then_with(|| self.0.cmp(&other.0))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The K most frequent words seen (every word when K is `None`).
///
/// ```
/// use logcount::shuffle::top::TopWords;
/// let mut top = TopWords::new(Some(2));
/// for (w, n) in [(&b"b"[..], 5), (b"a", 5), (b"c", 9), (b"d", 1)] {
///     top.offer(w, n);
/// }
/// assert_eq!(top.into_sorted(), [(b"c".to_vec(), 9), (b"a".to_vec(), 5)]);
/// ```
#[derive(Debug, Clone)]
pub struct TopWords {
    k: Option<usize>,
    /// The words offered and not yet pruned, at most twice `k`.
    held: Vec<Ranked>,
    /// The worst word kept by the last prune: a word not better is not held.
    worst: Option<Ranked>,
}

impl TopWords {
    /// Keeps the best `k` (all when `None`).
    pub fn new(k: Option<usize>) -> Self {
        TopWords {
            k,
            held: Vec::new(),
            worst: None,
        }
    }

    /// Considers `word` with `count`; copies the word only if it is held.
    /// The words are gathered in a buffer of up to 2K, cut back to the best
    /// K whenever it fills (a linear selection): cheaper than a heap, whose
    /// every push and replacement costs log K compares (and, when K is at
    /// least the vocabulary, nothing is ever cut).
    pub fn offer(&mut self, word: &[u8], count: u64) {
        let Some(k) = self.k else {
            return self.held.push(Ranked(word.to_vec(), count));
        };
        if k == 0 {
            return;
        }
        if let Some(worst) = &self.worst {
            let better = count > worst.1 || (count == worst.1 && word < worst.0.as_slice());
            if !better {
                return;
            }
        }
        self.held.push(Ranked(word.to_vec(), count));
        if self.held.len() >= k.saturating_mul(2).max(k + 1) {
            self.prune(k);
        }
    }

    /// Cuts the held words back to the best `k` (none are held when `k` is 0).
    fn prune(&mut self, k: usize) {
        if self.held.len() <= k {
            return;
        }
        self.held.select_nth_unstable(k - 1);
        self.held.truncate(k);
        self.worst = self.held.last().cloned();
    }

    /// The words kept, best first.
    pub fn into_sorted(mut self) -> Vec<(Vec<u8>, u64)> {
        if let Some(k) = self.k {
            self.prune(k);
        }
        self.held.sort_unstable();
        self.held.into_iter().map(|Ranked(w, n)| (w, n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn keeps_what_a_full_sort_keeps(
            words in proptest::collection::btree_map("[a-d]{1,3}", 1u64..6, 0..60),
            k in 0usize..12,
        ) {
            let mut all: Vec<(Vec<u8>, u64)> =
                words.iter().map(|(w, &n)| (w.as_bytes().to_vec(), n)).collect();
            let mut top = TopWords::new(Some(k));
            let mut every = TopWords::new(None);
            for (w, n) in &all {
                top.offer(w, *n);
                every.offer(w, *n);
            }
            all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            prop_assert_eq!(every.into_sorted(), all.clone());
            all.truncate(k);
            prop_assert_eq!(top.into_sorted(), all);
        }
    }
}
