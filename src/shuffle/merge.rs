//! The k-way merge of sorted word runs, and the reader of a run's lines
//! from any source of chunks (a spill file, an object in storage).
//!
//! ```
//! use logcount::shuffle::merge::{merge_runs, SliceRun, SortedRun};
//! let a = [(b"a".to_vec(), 1), (b"c".to_vec(), 2)];
//! let b = [(b"b".to_vec(), 5), (b"c".to_vec(), 3)];
//! let runs: Vec<Box<dyn SortedRun>> = vec![Box::new(SliceRun::new(&a)), Box::new(SliceRun::new(&b))];
//! let mut out = Vec::new();
//! merge_runs(runs, |w, n| Ok(out.push((w.to_vec(), n)))).unwrap();
//! assert_eq!(out, [(b"a".to_vec(), 1), (b"b".to_vec(), 5), (b"c".to_vec(), 5)]);
//! ```

use crate::error::{Error, Result};
use crate::wire::word_run::{parse_line, RunHeader, RunLine};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A run: words in strictly increasing byte order, each with its count.
pub trait SortedRun {
    /// Puts the next word into `word` (cleared first) and returns its count;
    /// `None` at the end.
    fn next_into(&mut self, word: &mut Vec<u8>) -> Result<Option<u64>>;
}

/// Merges `runs` into one run, summing a word's counts across runs, and
/// hands each word to `emit` in increasing order. Returns the number of
/// words emitted.
pub fn merge_runs<'a>(
    mut runs: Vec<Box<dyn SortedRun + 'a>>,
    mut emit: impl FnMut(&[u8], u64) -> Result<()>,
) -> Result<u64> {
    if runs.len() == 1 {
        // One run (a map that never spilled, a job of one part): no heap.
        let (mut word, mut emitted) = (Vec::new(), 0u64);
        while let Some(n) = runs[0].next_into(&mut word)? {
            emit(&word, n)?;
            emitted += 1;
        }
        return Ok(emitted);
    }
    let mut heap = BinaryHeap::with_capacity(runs.len());
    let mut counts = vec![0u64; runs.len()];
    for (i, run) in runs.iter_mut().enumerate() {
        let mut word = Vec::new();
        if let Some(n) = run.next_into(&mut word)? {
            counts[i] = n;
            heap.push(Reverse((word, i)));
        }
    }
    let mut current: Vec<u8> = Vec::new();
    let mut current_n: u64 = 0;
    let mut emitted = 0u64;
    while let Some(Reverse((mut word, i))) = heap.pop() {
        if current_n > 0 && word == current {
            current_n = current_n.checked_add(counts[i]).ok_or_else(|| {
                Error::invalid(
                    "word runs",
                    format!(
                        "the count of {:?} overflows",
                        crate::words::encode_word(&word)
                    ),
                )
            })?;
        } else {
            if current_n > 0 {
                emit(&current, current_n)?;
                emitted += 1;
            }
            std::mem::swap(&mut current, &mut word);
            current_n = counts[i];
        }
        // `word` now holds a buffer no one needs: the run's next word goes there.
        if let Some(n) = runs[i].next_into(&mut word)? {
            counts[i] = n;
            heap.push(Reverse((word, i)));
        }
    }
    if current_n > 0 {
        emit(&current, current_n)?;
        emitted += 1;
    }
    Ok(emitted)
}

/// A run held in memory: a sorted slice.
#[derive(Debug)]
pub struct SliceRun<'a> {
    entries: std::slice::Iter<'a, (Vec<u8>, u64)>,
}

impl<'a> SliceRun<'a> {
    /// The run of `entries`, which must be sorted by word, each word once.
    pub fn new(entries: &'a [(Vec<u8>, u64)]) -> Self {
        debug_assert!(entries.windows(2).all(|w| w[0].0 < w[1].0));
        SliceRun {
            entries: entries.iter(),
        }
    }
}

impl SortedRun for SliceRun<'_> {
    fn next_into(&mut self, word: &mut Vec<u8>) -> Result<Option<u64>> {
        Ok(self.entries.next().map(|(w, n)| {
            word.clear();
            word.extend_from_slice(w);
            *n
        }))
    }
}

/// Where a [`RunReader`] gets its bytes.
pub trait Chunks {
    /// Appends the next bytes to `buf`; `false` at the end (nothing appended).
    fn next_chunk(&mut self, buf: &mut Vec<u8>) -> Result<bool>;
}

/// A run read from a file of lines (see [`crate::wire::word_run`]): an
/// optional header, which must be the one expected, entries in strictly
/// increasing order, and an end line whose totals must match. Anything else
/// is an error naming the file and the line.
pub struct RunReader<C> {
    name: String,
    chunks: C,
    buf: Vec<u8>,
    at: usize,
    header: Option<RunHeader>,
    last: Vec<u8>,
    line: u64,
    entries: u64,
    occurrences: u64,
    ended: bool,
}

impl<C: Chunks> RunReader<C> {
    /// A reader of the file `name` (for errors) through `chunks`, whose
    /// first line must be `header` when one is given.
    pub fn new(name: impl Into<String>, chunks: C, header: Option<RunHeader>) -> Self {
        RunReader {
            name: name.into(),
            chunks,
            buf: Vec::new(),
            at: 0,
            header,
            last: Vec::new(),
            line: 0,
            entries: 0,
            occurrences: 0,
            ended: false,
        }
    }

    fn corrupt(&self, reason: impl std::fmt::Display) -> Error {
        Error::Corrupt {
            what: "word run",
            url: self.name.clone(),
            reason: format!("line {}: {reason}", self.line),
        }
    }

    /// The next line, without its newline; `None` at the end of the file.
    fn next_line(&mut self) -> Result<Option<(usize, usize)>> {
        loop {
            if let Some(nl) = memchr::memchr(b'\n', &self.buf[self.at..]) {
                let start = self.at;
                self.at += nl + 1;
                self.line += 1;
                return Ok(Some((start, start + nl)));
            }
            // Keep the partial line, read more after it.
            self.buf.drain(..self.at);
            self.at = 0;
            if !self.chunks.next_chunk(&mut self.buf)? {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                self.line += 1;
                return Err(self.corrupt("the file ends inside a line (cut short?)"));
            }
        }
    }
}

impl<C: Chunks> SortedRun for RunReader<C> {
    fn next_into(&mut self, word: &mut Vec<u8>) -> Result<Option<u64>> {
        if let Some(want) = self.header.take() {
            let Some((s, e)) = self.next_line()? else {
                return Err(self.corrupt("the file is empty (no header)"));
            };
            let got = RunHeader::parse(&self.buf[s..e]).map_err(|r| self.corrupt(r))?;
            if got != want {
                return Err(self.corrupt(format!(
                    "the header says job {} part {} partition {} of {}; expected job {} part {} partition {} of {}",
                    got.job_id, got.part, got.partition, got.reducers,
                    want.job_id, want.part, want.partition, want.reducers
                )));
            }
        }
        if self.ended {
            return Ok(None);
        }
        let Some((s, e)) = self.next_line()? else {
            return Err(self.corrupt("the file ends without its end line (cut short?)"));
        };
        match parse_line(&self.buf[s..e]) {
            Ok(RunLine::Entry(w, n)) => {
                if self.entries > 0 && w <= self.last.as_slice() {
                    let w = crate::words::encode_word(w).into_owned();
                    return Err(self.corrupt(format!(
                        "{w:?} is not after {:?}: the run is not sorted, or repeats a word",
                        crate::words::encode_word(&self.last)
                    )));
                }
                self.last.clear();
                self.last.extend_from_slice(w);
                word.clear();
                word.extend_from_slice(w);
                self.entries += 1;
                self.occurrences = self.occurrences.saturating_add(n);
                Ok(Some(n))
            }
            Ok(RunLine::End {
                entries,
                occurrences,
            }) => {
                if (entries, occurrences) != (self.entries, self.occurrences) {
                    return Err(self.corrupt(format!(
                        "the end line counts {entries} words and {occurrences} occurrences; \
                         the file holds {} and {}",
                        self.entries, self.occurrences
                    )));
                }
                self.ended = true;
                if self.next_line()?.is_some() {
                    return Err(self.corrupt("lines after the end line"));
                }
                Ok(None)
            }
            Err(reason) => Err(self.corrupt(reason)),
        }
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
