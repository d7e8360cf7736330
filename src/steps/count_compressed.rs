//! Counting the compressed ranges of a part: each range is decompressed while
//! streaming ([`crate::decompress::decode`]) and its decompressed blocks go
//! through the same [`LineStitcher`] and rayon units as a plain object's
//! blocks, so every counting mode counts compressed text as it counts plain
//! text. Several compressed ranges of one part (small objects of a dataset)
//! are decoded at once, one decoder thread each, sharing the count's
//! read-ahead (bounded by its memory budget, as for plain objects).

use super::{CountOptions, LINE_LIMIT};
use crate::aggregate::{Counter, LineStitcher, Tally};
use crate::decompress::decode::{decompressed_blocks, Fetch, Segment};
use crate::decompress::Compression;
use crate::error::Result;
use crate::steps::on_rayon;
use crate::store::{self, Location};
use crate::wire::{Manifest, Part};
use futures::stream::FuturesUnordered;
use futures::{StreamExt, TryStreamExt};
use std::sync::Arc;

/// What the compressed ranges of a part gave.
#[derive(Debug)]
pub(super) struct Decompressed {
    /// The counts; `bytes` is the compressed bytes of the ranges, each
    /// decoded whole up to a unit boundary at its end.
    pub tally: Tally,
    /// The decompressed text counted.
    pub text_bytes: u64,
}

/// Counts the part's ranges of compressed objects; `None` when it has none.
pub(super) async fn count_compressed(
    root: &Location,
    manifest: &Manifest,
    part: &Part,
    compressions: &[Option<Compression>],
    counters: &[Counter],
    opts: &CountOptions,
) -> Result<Option<Decompressed>> {
    let mut segments = Vec::new();
    for ((seg, &compression), counter) in part.segments.iter().zip(compressions).zip(counters) {
        let obj = &manifest.objects[seg.object];
        let Some(compression) = compression else {
            continue;
        };
        let loc = Arc::new(root.at(store::object_path(&obj.path)?));
        let fetch = Fetch::Store {
            loc: loc.clone(),
            e_tag: obj.e_tag.as_deref().map(Arc::from),
        };
        let spec = Segment {
            compression,
            start: seg.start,
            end: seg.end,
            object_size: obj.size,
        };
        segments.push((fetch, loc.url.to_string(), spec, counter));
    }
    if segments.is_empty() {
        return Ok(None);
    }
    // The read-ahead shared by the ranges decoded at once; each holds its
    // reads in flight, as many decoded blocks, and units waiting for a thread.
    let ahead = super::read_ahead(opts);
    let at_once = rayon::current_num_threads().clamp(1, 4).min(ahead.blocks);
    let share = (ahead.blocks / at_once).max(3);
    let depth = (share / 3).clamp(1, opts.fetch_concurrency.max(1));
    let limits = Limits {
        block: ahead.block,
        depth,
        max_units: (share - 2 * depth).max(1),
    };
    let tallies: Vec<(Tally, u64)> = futures::stream::iter(segments)
        .map(|(fetch, url, spec, counter)| count_segment(fetch, url, spec, counter, limits))
        .buffer_unordered(at_once)
        .try_collect()
        .await?;
    let mut total = Decompressed {
        tally: counters[0].tally(),
        text_bytes: 0,
    };
    for (t, compressed) in tallies {
        total.text_bytes += t.bytes;
        total.tally.add(&t);
        total.tally.bytes = total.tally.bytes - t.bytes + compressed;
    }
    Ok(Some(total))
}

/// What one compressed range may hold in memory.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Bytes per ranged read and per decoded block.
    block: usize,
    /// Reads in flight, and decoded blocks queued (each).
    depth: usize,
    /// Units read and waiting for a counting thread.
    max_units: usize,
}

/// Counts one compressed range: its tally (bytes = decompressed text) and
/// its compressed length.
async fn count_segment(
    fetch: Fetch,
    url: String,
    spec: Segment,
    counter: &Counter,
    limits: Limits,
) -> Result<(Tally, u64)> {
    let Limits {
        block,
        depth,
        max_units,
    } = limits;
    let mut blocks = std::pin::pin!(decompressed_blocks(fetch, url, spec, block, depth));
    let mut stitcher = LineStitcher::new(counter.clone(), LINE_LIMIT);
    let mut total = counter.tally();
    let mut units = FuturesUnordered::new();
    while let Some(block) = blocks.next().await {
        if let Some(unit) = stitcher.push(block?) {
            while units.len() >= max_units {
                let t: Tally = units.next().await.expect("non-empty");
                total.absorb(t);
            }
            let counter = counter.clone();
            units.push(on_rayon(move || counter.count_unit(&unit)));
        }
    }
    total.absorb(stitcher.finish());
    while let Some(t) = units.next().await {
        total.absorb(t);
    }
    Ok((total, spec.end - spec.start))
}
