//! The map side of a words job: count a part's words into a table that
//! spills sorted runs past its share of the memory budget, then write one
//! sorted partition file per reducer (`shuffle/<part>.<r>.run`).

use super::super::RunWriter;
use super::CountOptions;
use crate::aggregate::{Counter, Detail, Tally};
use crate::error::{Error, Result};
use crate::shuffle::spill::{MapShuffle, Partitions};
use crate::store::Location;
use crate::wire::word_run::{encode_end, shuffle_file, RunHeader};
use crate::wire::{Manifest, Part, ShuffleOutput};
use std::sync::Arc;

/// The counter of a words map and the shuffle its tallies spill to. The
/// counter pools its tallies: a table per counting thread, plus the part's
/// total (stitched lines, then the threads' tables added at the end), each
/// spilling past its share of the words' part of the budget.
pub(super) fn spilling_counter(
    counter: &Counter,
    reducers: u32,
    opts: &CountOptions,
) -> (Counter, Arc<MapShuffle>) {
    use crate::budget::{WORD_TABLE_MAX, WORD_TABLE_SHARE};
    let tables = rayon::current_num_threads() as u64 + 1;
    let budget = (opts.memory / WORD_TABLE_SHARE / tables).min(WORD_TABLE_MAX);
    let shuffle = Arc::new(MapShuffle::new(reducers, budget, None));
    let spilling = counter.with_mode(counter.mode().clone().spilling_to(shuffle.clone()));
    (spilling.pooling(), shuffle)
}

/// Writes the part's partition files from its tally (what was not spilled)
/// and its spills, and says what was written.
pub(super) async fn write_partitions(
    work: &Location,
    manifest: &Manifest,
    part: &Part,
    shuffle: &MapShuffle,
    tally: &mut Tally,
    reducers: u32,
) -> Result<ShuffleOutput> {
    let rest = std::mem::replace(&mut tally.detail, Detail::words())
        .into_word_counts()
        .expect("a words tally");
    let partitions = shuffle.finish(rest)?;
    let spills = partitions.spills() as u32;
    let handle = tokio::runtime::Handle::current();
    let (work, job_id, part_id) = (work.clone(), manifest.job_id.clone(), part.id.clone());
    let (entries, occurrences) = tokio::task::spawn_blocking(move || {
        let mut totals = (0u64, 0u64);
        for r in 0..reducers {
            let header = RunHeader {
                job_id: job_id.clone(),
                part: part_id.clone(),
                partition: r,
                reducers,
            };
            let loc = work.join(&shuffle_file(&part_id, r));
            let (e, o) = write_partition(&handle, &loc, header, &partitions, r)?;
            totals.0 += e;
            totals.1 += o;
        }
        Ok::<_, Error>(totals)
    })
    .await
    .expect("writing the partitions panicked")?;
    tracing::debug!(part = %part.id, reducers, entries, occurrences, spills, "partitions written");
    Ok(ShuffleOutput {
        reducers,
        entries,
        occurrences,
        spills,
    })
}

/// Writes partition `r` to `loc` (all of it or nothing): returns its
/// entries and occurrences.
fn write_partition(
    handle: &tokio::runtime::Handle,
    loc: &Location,
    header: RunHeader,
    partitions: &Partitions,
    r: u32,
) -> Result<(u64, u64)> {
    let mut out = RunWriter::new(handle, loc, header.encode())?;
    let mut occurrences = 0u64;
    let merged = partitions.merge_partition(r, |word, n| {
        occurrences += n;
        out.entry(word, n)
    });
    let entries = match merged {
        Ok(entries) => entries,
        Err(e) => {
            out.abort();
            return Err(e);
        }
    };
    let mut end = Vec::new();
    encode_end(&mut end, entries, occurrences);
    out.finish(&end)?;
    Ok((entries, occurrences))
}
