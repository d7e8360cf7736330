//! The map side of the shuffle: a word table that spills sorted runs to
//! local disk when it passes its memory budget, and the merge of those runs
//! into one sorted stream per partition.
//!
//! A spill sorts the table's words by (partition, word) and writes them to
//! an anonymous temporary file (deleted when closed, also if the process is
//! killed): for each partition a section of `word<TAB>count` lines and an
//! end line, the section's offsets kept in memory. [`Partitions`] merges,
//! partition by partition, every spill's section with what was left in
//! memory ([`super::merge::merge_runs`]), reading each spill through a
//! small buffer.
//!
//! ```
//! use logcount::shuffle::spill::MapShuffle;
//! use logcount::words::{WordCounts, WordSpill};
//! let shuffle = MapShuffle::new(3, 1, None); // a 1-byte budget: every table spills
//! let mut a = WordCounts::default();
//! a.count_text(b"b a b");
//! shuffle.spill(a);
//! let mut rest = WordCounts::default();
//! rest.count_text(b"a c");
//! let parts = shuffle.finish(rest).unwrap();
//! let mut all = Vec::new();
//! for r in 0..3 {
//!     parts.merge_partition(r, |w, n| Ok(all.push((w.to_vec(), n)))).unwrap();
//! }
//! all.sort();
//! assert_eq!(all, [(b"a".to_vec(), 2), (b"b".to_vec(), 2), (b"c".to_vec(), 1)]);
//! assert_eq!(parts.spills(), 1);
//! ```

use super::merge::{merge_runs, Chunks, RunReader, SortedRun};
use super::partition;
use crate::error::{Error, Result};
use crate::wire::word_run::{encode_end, encode_entry};
use crate::words::{WordCounts, WordRef, WordSpill};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Mutex;

/// Bytes read from a spill file at a time, per spill being merged: at most
/// this, less when many spills share a quarter of the budget.
const SPILL_READ: usize = 256 << 10;
/// The least read from a spill file at a time.
const MIN_SPILL_READ: usize = 16 << 10;
/// Bytes buffered when writing a spill.
const SPILL_WRITE: usize = 1 << 20;

/// A map's words, partitioned, spilled to local disk past a budget.
#[derive(Debug)]
pub struct MapShuffle {
    reducers: u32,
    budget: u64,
    dir: Option<PathBuf>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    spills: Vec<Spill>,
    /// The first failure to spill, reported by [`MapShuffle::finish`].
    error: Option<Error>,
}

/// One spilled run: partition `r`'s section is `offsets[r]..offsets[r + 1]`.
#[derive(Debug)]
struct Spill {
    file: File,
    offsets: Vec<u64>,
}

/// A table's words bucketed by partition, each bucket sorted by word.
fn partitioned(counts: &WordCounts, reducers: u32) -> Vec<Vec<WordRef>> {
    counts.entries(reducers as usize, |w| partition(w, reducers) as usize)
}

impl MapShuffle {
    /// A shuffle to `reducers` partitions whose tables spill past `budget`
    /// bytes ([`WordCounts::approx_bytes`]), to temporary files in `dir`
    /// (default: the system's temporary directory).
    pub fn new(reducers: u32, budget: u64, dir: Option<PathBuf>) -> Self {
        MapShuffle {
            reducers: reducers.max(1),
            budget,
            dir,
            state: Mutex::new(State::default()),
        }
    }

    fn write_spill(&self, counts: WordCounts) -> Result<Spill> {
        let file = match &self.dir {
            Some(dir) => tempfile::tempfile_in(dir),
            None => tempfile::tempfile(),
        }
        .map_err(|e| {
            Error::Io(std::io::Error::new(
                e.kind(),
                format!(
                    "creating a spill file in {}: {e}",
                    self.dir
                        .clone()
                        .unwrap_or_else(std::env::temp_dir)
                        .display()
                ),
            ))
        })?;
        let mut out = std::io::BufWriter::with_capacity(SPILL_WRITE, &file);
        let mut offsets = vec![0u64];
        let mut at = 0u64;
        let mut line = Vec::new();
        for bucket in partitioned(&counts, self.reducers) {
            let mut occurrences = 0u64;
            for r in &bucket {
                line.clear();
                encode_entry(&mut line, counts.word(r), r.count);
                out.write_all(&line)?;
                at += line.len() as u64;
                occurrences += r.count;
            }
            line.clear();
            encode_end(&mut line, bucket.len() as u64, occurrences);
            out.write_all(&line)?;
            at += line.len() as u64;
            offsets.push(at);
        }
        out.flush()?;
        drop(out);
        Ok(Spill { file, offsets })
    }

    /// Ends the map: `rest` is what is left in memory. A spill that failed
    /// is reported here.
    pub fn finish(&self, rest: WordCounts) -> Result<Partitions> {
        let state = std::mem::take(&mut *self.state.lock().expect("a spill panicked"));
        if let Some(e) = state.error {
            return Err(e);
        }
        let share = (self.budget as usize).saturating_mul(2) / state.spills.len().max(1);
        Ok(Partitions {
            read: share.clamp(MIN_SPILL_READ, SPILL_READ),
            order: partitioned(&rest, self.reducers),
            rest,
            spills: state.spills,
        })
    }
}

impl WordSpill for MapShuffle {
    fn budget(&self) -> u64 {
        self.budget
    }

    fn spill(&self, counts: WordCounts) {
        let (words, bytes) = (counts.len(), counts.approx_bytes());
        let spilled = self.write_spill(counts);
        let mut state = self.state.lock().expect("a spill panicked");
        match spilled {
            Ok(spill) => {
                tracing::debug!(
                    words,
                    table_bytes = bytes,
                    file_bytes = spill.offsets.last().copied().unwrap_or(0),
                    n = state.spills.len() + 1,
                    "spilled"
                );
                state.spills.push(spill);
            }
            Err(e) => {
                state.error.get_or_insert(e);
            }
        }
    }
}

/// A finished map's words: per partition, the spilled sections and what
/// was left in memory, ready to merge.
#[derive(Debug)]
pub struct Partitions {
    /// Bytes read from each spill at a time.
    read: usize,
    rest: WordCounts,
    order: Vec<Vec<WordRef>>,
    spills: Vec<Spill>,
}

impl Partitions {
    /// Runs spilled to disk.
    pub fn spills(&self) -> usize {
        self.spills.len()
    }

    /// Merges partition `r`'s words, in increasing order, into `emit`;
    /// returns how many.
    pub fn merge_partition(
        &self,
        r: u32,
        emit: impl FnMut(&[u8], u64) -> Result<()>,
    ) -> Result<u64> {
        let r = r as usize;
        let mut runs: Vec<Box<dyn SortedRun + '_>> = Vec::with_capacity(self.spills.len() + 1);
        for (i, s) in self.spills.iter().enumerate() {
            let section = Section {
                read: self.read,
                file: &s.file,
                at: s.offsets[r],
                end: s.offsets[r + 1],
            };
            runs.push(Box::new(RunReader::new(
                format!("spill {i}, partition {r}"),
                section,
                None,
            )));
        }
        runs.push(Box::new(TableRun {
            table: &self.rest,
            entries: self.order[r].iter(),
        }));
        merge_runs(runs, emit)
    }
}

/// What a map holds in memory at its end, as a run: one partition's words
/// of its table, in order.
struct TableRun<'a> {
    table: &'a WordCounts,
    entries: std::slice::Iter<'a, WordRef>,
}

impl SortedRun for TableRun<'_> {
    fn next_into(&mut self, word: &mut Vec<u8>) -> Result<Option<u64>> {
        Ok(self.entries.next().map(|r| {
            word.clear();
            word.extend_from_slice(self.table.word(r));
            r.count
        }))
    }
}

/// A byte range of a spill file, read through a small buffer.
struct Section<'a> {
    read: usize,
    file: &'a File,
    at: u64,
    end: u64,
}

impl Chunks for Section<'_> {
    fn next_chunk(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        let n = (self.end - self.at).min(self.read as u64) as usize;
        if n == 0 {
            return Ok(false);
        }
        let old = buf.len();
        buf.resize(old + n, 0);
        self.file.read_exact_at(&mut buf[old..], self.at)?;
        self.at += n as u64;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(texts: &[Vec<u8>]) -> Vec<(Vec<u8>, u64)> {
        let mut all = WordCounts::default();
        for t in texts {
            all.count_text(t);
        }
        let mut v: Vec<_> = all.iter().map(|(w, n)| (w.to_vec(), n)).collect();
        v.sort();
        v
    }

    proptest! {
        #[test]
        fn spilled_and_held_words_merge_to_the_counts(
            texts in proptest::collection::vec(proptest::collection::vec(
                prop_oneof![Just(b' '), Just(b'\n'), b'a'..b'f', Just(0xffu8)], 0..40), 0..12),
            reducers in 1u32..5,
            budget in 0u64..600,
        ) {
            let shuffle = MapShuffle::new(reducers, budget, None);
            let mut table = WordCounts::default();
            for t in &texts {
                let mut unit = WordCounts::default();
                unit.count_text(t);
                table.merge_spilling(&unit, &shuffle);
            }
            let parts = shuffle.finish(table).unwrap();
            let mut out = Vec::new();
            for r in 0..reducers {
                let mut mine = Vec::new();
                parts.merge_partition(r, |w, n| {
                    assert_eq!(partition(w, reducers), r);
                    mine.push((w.to_vec(), n));
                    Ok(())
                }).unwrap();
                prop_assert!(mine.windows(2).all(|w| w[0].0 < w[1].0));
                out.extend(mine);
            }
            out.sort();
            prop_assert_eq!(out, naive(&texts));
        }
    }

    #[test]
    fn a_spill_that_cannot_be_written_is_reported_at_the_end() {
        let shuffle = MapShuffle::new(2, 0, Some("/nonexistent/spill-dir".into()));
        let mut t = WordCounts::default();
        t.count_text(b"a b");
        shuffle.spill(t);
        let e = shuffle.finish(WordCounts::default()).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/spill-dir"), "{e}");
        assert!(e.is_transient());
    }
}
