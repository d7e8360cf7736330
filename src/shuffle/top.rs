//! The most frequent words of a stream, in memory bounded by K.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A word and its count, ordered best first: count descending, then the
/// word's bytes ascending (the order of `result.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ranked(Vec<u8>, u64);

impl Ord for Ranked {
    /// "Greater" is worse, so a max-heap's top is the worst word kept.
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
    heap: BinaryHeap<Ranked>,
}

impl TopWords {
    /// Keeps the best `k` (all when `None`).
    pub fn new(k: Option<usize>) -> Self {
        TopWords {
            k,
            heap: BinaryHeap::new(),
        }
    }

    /// Considers `word` with `count`; copies the word only if it is kept.
    pub fn offer(&mut self, word: &[u8], count: u64) {
        match self.k {
            Some(0) => {}
            Some(k) if self.heap.len() >= k => {
                let worst = self.heap.peek().expect("k >= 1 words held");
                let better = count > worst.1 || (count == worst.1 && word < worst.0.as_slice());
                if better {
                    let mut slot = self.heap.peek_mut().expect("held");
                    slot.0.clear();
                    slot.0.extend_from_slice(word);
                    slot.1 = count;
                }
            }
            _ => self.heap.push(Ranked(word.to_vec(), count)),
        }
    }

    /// The words kept, best first.
    pub fn into_sorted(self) -> Vec<(Vec<u8>, u64)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Ranked(w, n)| (w, n))
            .collect()
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
