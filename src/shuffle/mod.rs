//! The words-mode shuffle: how a map's word counts reach R reducers in
//! bounded memory, as in MapReduce's WordCount.
//!
//! - **Partitioning** ([`partition`]): a word goes to reducer
//!   `xxh3_64(word) mod R` ([`HASH_NAME`], recorded in every partition file),
//!   the same in every map, on every machine, in every build.
//! - **Map side** ([`spill::MapShuffle`]): a map counts words into a hash
//!   table; when the table passes its memory budget it is sorted by
//!   (partition, word) and spilled to a run on local disk. At the end the
//!   runs and what is left in memory are merged ([`merge::merge_runs`])
//!   into one sorted partition file per reducer
//!   (`shuffle/<part>.<r>.run`, see [`crate::wire::word_run`]).
//! - **Reduce side** ([`crate::steps::reduce`]): reducer r merges partition r
//!   of every map, a k-way merge of sorted streams, into `words/<r>.tsv`,
//!   keeping its most frequent words ([`top::TopWords`]) for the final step.
//!
//! Memory is bounded by the budget and the number of runs merged at once,
//! never by the number of distinct words.
//!
//! ```
//! use logcount::shuffle::{partition, reducers_for};
//! let r = partition(b"error", 7);
//! assert!(r < 7);
//! assert_eq!(r, partition(b"error", 7)); // stable
//! assert_eq!(reducers_for(10 << 20), 1);
//! ```

pub mod merge;
pub mod spill;
pub mod top;

pub use crate::wire::word_run::{HASH_NAME, MAX_REDUCERS};
/// Input bytes per reducer when the number of reducers is not given.
pub const BYTES_PER_REDUCER: u64 = 256 << 20;
/// The most reducers the input's size chooses (more may be asked for).
pub const MAX_DEFAULT_REDUCERS: u32 = 64;
/// How many of the most frequent words `result.json` holds when no top is
/// asked for.
pub const DEFAULT_TOP: usize = 1000;

/// The reducer of `word` among `reducers` (at least 1).
#[inline]
pub fn partition(word: &[u8], reducers: u32) -> u32 {
    debug_assert!(reducers >= 1);
    if reducers <= 1 {
        return 0;
    }
    (xxhash_rust::xxh3::xxh3_64(word) % u64::from(reducers.max(1))) as u32
}

/// The number of reducers for `input_bytes` of input when none is asked
/// for: one per [`BYTES_PER_REDUCER`], at least 1, at most
/// [`MAX_DEFAULT_REDUCERS`].
pub fn reducers_for(input_bytes: u64) -> u32 {
    input_bytes
        .div_ceil(BYTES_PER_REDUCER)
        .clamp(1, u64::from(MAX_DEFAULT_REDUCERS)) as u32
}

/// The reducer ids of a job of `reducers` reducers, as the second fan-out
/// takes them: `["0", "1", ...]`.
pub fn reducer_ids(reducers: u32) -> Vec<String> {
    (0..reducers).map(|r| r.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_stable_and_spread() {
        // XXH3-64 is specified: these values never change.
        assert_eq!(xxhash_rust::xxh3::xxh3_64(b""), 0x2d06800538d394c2);
        let mut seen = [0u32; 7];
        for i in 0..7000 {
            seen[partition(format!("w{i}").as_bytes(), 7) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| (800..1200).contains(&n)), "{seen:?}");
        assert!((0..100).all(|i| partition(format!("{i}").as_bytes(), 1) == 0));
    }

    #[test]
    fn reducers_follow_the_input_size() {
        assert_eq!(reducers_for(0), 1);
        assert_eq!(reducers_for(BYTES_PER_REDUCER), 1);
        assert_eq!(reducers_for(BYTES_PER_REDUCER + 1), 2);
        assert_eq!(reducers_for(u64::MAX), MAX_DEFAULT_REDUCERS);
        assert_eq!(reducer_ids(3), ["0", "1", "2"]);
    }
}
