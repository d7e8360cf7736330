//! The count step: count one part of the manifest and write
//! `count-output/<id>.json`.
//!
//! The part's byte ranges are fetched as blocks with concurrent ranged reads
//! (each checked against the ETag split saw), stitched into line-aligned units
//! and counted on the rayon pool while the next blocks arrive. The blocks in
//! memory at once (being read, or read and waiting for a thread) are bounded
//! by the memory budget ([`crate::budget::read_ahead`]): two per counting
//! thread when the budget holds them, fewer (and smaller) when it does not,
//! whatever the size of the part or the number of cores. Plain local files take a fast path for the
//! reads only (counted in place from a mapping, or `pread` into reused 1 MiB
//! buffers; see `count_local.rs`); the
//! stitching and counting are the same for every backend.

use crate::aggregate::{Counter, Detail, LineStitcher, Tally};
use crate::decompress::Compression;
use crate::engine::{Engine, StrategyKind};
use crate::error::{Error, Result};
use crate::keywords::Keywords;
use crate::spec::Counting;
use crate::steps::{on_rayon, read_manifest};
use crate::store::{self, Location, Stores};
use crate::timeline::rule::TimeSettings;
use crate::timeline::TimeParser;
use crate::wire::{CountOutput, KeywordCounts, Manifest, Part, COUNT_OUTPUT_VERSION};
use futures::stream::FuturesUnordered;
use futures::{StreamExt, TryStreamExt};
use std::sync::Arc;
use std::time::Instant;

#[path = "count_compressed.rs"]
mod compressed;
#[path = "count_local.rs"]
mod local;
#[path = "count_words.rs"]
mod words;
pub(crate) use local::check_unchanged;

/// Bytes per ranged read.
pub const DEFAULT_BLOCK_SIZE: usize = 4 << 20;
/// The most blocks in one window of the local fast path (see `count_local.rs`).
const LOCAL_WINDOW: usize = 16;
/// Ranged reads in flight.
pub const DEFAULT_FETCH_CONCURRENCY: usize = 4;
/// The longest partial line held in memory before it is counted as it streams.
pub(super) const LINE_LIMIT: usize = 1 << 20;
/// How many objects of a part are sniffed at once.
const SNIFF_CONCURRENCY: usize = 16;

/// How the count step reads a plain local file (`--read`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LocalRead {
    /// Count the page cache in place, from a read-only mapping.
    Mmap,
    /// Copy 1 MiB blocks into reused buffers with `pread`.
    #[default]
    Pread,
}

crate::named::named!(LocalRead {
    Pread = "pread": "copy 1 MiB blocks into reused buffers (never SIGBUS if the file is cut shorter)";
    Mmap = "mmap": "count the file in place from a read-only mapping (no copy)";
});

/// How to count.
#[derive(Debug, Clone)]
pub struct CountOptions {
    /// Bytes per ranged read [default: [`DEFAULT_BLOCK_SIZE`]].
    pub block_size: usize,
    /// Ranged reads in flight [default: [`DEFAULT_FETCH_CONCURRENCY`]].
    pub fetch_concurrency: usize,
    /// The counting strategy (`auto` picks one for the keyword set).
    pub strategy: StrategyKind,
    /// The step's memory budget in bytes, which bounds its read-ahead
    /// [default: [`DEFAULT_MEMORY`](crate::budget::DEFAULT_MEMORY)].
    pub memory: u64,
    /// How a plain local file is read [default: [`LocalRead::Pread`]].
    pub read: LocalRead,
}

impl Default for CountOptions {
    fn default() -> Self {
        CountOptions {
            block_size: DEFAULT_BLOCK_SIZE,
            fetch_concurrency: DEFAULT_FETCH_CONCURRENCY,
            strategy: StrategyKind::Auto,
            memory: crate::budget::DEFAULT_MEMORY,
            read: LocalRead::default(),
        }
    }
}

/// Runs count for part `part_id`: writes its count output and returns it.
pub async fn count(
    stores: &Stores,
    work: &Location,
    part_id: &str,
    opts: &CountOptions,
) -> Result<CountOutput> {
    let work = &work.confined();
    let manifest = match read_plan(work, part_id).await? {
        Some(plan) => plan,
        // A work prefix split before plans were written, or a stream's record.
        None => read_manifest(work).await?,
    };
    count_with_manifest(stores, work, &manifest, part_id, opts).await
}

/// Part `part_id`'s plan, as a one-part manifest: its record in
/// `plans.idx`, then its line of `plans.jsonl` (two ranged reads). `None`
/// when split wrote no plan for it (the manifest then says whether the part
/// exists).
async fn read_plan(work: &Location, part_id: &str) -> Result<Option<Manifest>> {
    use crate::wire::{
        parse_index_record, PartPlan, PLANS_FILE, PLAN_INDEX_FILE, PLAN_INDEX_RECORD,
    };
    // Split numbers its parts: only such an id has a record.
    let Some(n) = part_id
        .parse::<u64>()
        .ok()
        .filter(|n| n.to_string() == part_id)
    else {
        return Ok(None);
    };
    let index = work.join(PLAN_INDEX_FILE);
    let meta = match store::head(&index).await {
        Ok(meta) => meta,
        Err(Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let at = n.saturating_mul(PLAN_INDEX_RECORD);
    if at.saturating_add(PLAN_INDEX_RECORD) > meta.size {
        return Ok(None); // not a part of this job
    }
    let corrupt = |url: &str, reason: String| Error::Corrupt {
        what: "part plan",
        url: url.to_string(),
        reason,
    };
    let record =
        store::read_range(&index, at..at + PLAN_INDEX_RECORD, meta.e_tag.as_deref()).await?;
    let range = parse_index_record(&record).ok_or_else(|| {
        corrupt(
            index.url.as_str(),
            format!(
                "record {n} is not \"OFFSET LENGTH\": {:?}",
                String::from_utf8_lossy(&record)
            ),
        )
    })?;
    let plans = work.join(PLANS_FILE);
    let line = store::read_range(&plans, range.clone(), None).await?;
    let plan: PartPlan = serde_json::from_slice(&line).map_err(|e| {
        corrupt(
            plans.url.as_str(),
            format!(
                "part {part_id} at bytes {}..{}: {e}",
                range.start, range.end
            ),
        )
    })?;
    plan.validate(part_id).map_err(|reason| {
        corrupt(
            plans.url.as_str(),
            format!(
                "part {part_id} at bytes {}..{}: {reason}",
                range.start, range.end
            ),
        )
    })?;
    tracing::debug!(
        part = part_id,
        bytes = PLAN_INDEX_RECORD + line.len() as u64,
        objects = plan.objects.len(),
        "plan read"
    );
    Ok(Some(plan.into_manifest()))
}

/// Runs count with a manifest already read (the in-process orchestrator).
pub async fn count_with_manifest(
    stores: &Stores,
    work: &Location,
    manifest: &Manifest,
    part_id: &str,
    opts: &CountOptions,
) -> Result<CountOutput> {
    let work = &work.confined();
    let part = manifest
        .part(part_id)
        .ok_or_else(|| unknown_part(manifest, work, part_id))?;
    if manifest.stream {
        return Err(Error::part(
            &part.id,
            format!(
                "the manifest {} records a stream, counted as it was read; \
                 a stream cannot be read again (merge its record, or count the input anew)",
                work.join(crate::wire::MANIFEST_FILE).url
            ),
        ));
    }
    let started = Instant::now();
    let root = stores.open(&manifest.store)?;
    let mut counter = counter_for(&manifest.counting, opts.strategy)?;
    // A words job: the words go to the shuffle, spilling past the budget.
    let shuffle = manifest.reducers.map(|reducers| {
        let (spilling, shuffle) = words::spilling_counter(&counter, reducers, opts);
        counter = spilling;
        (shuffle, reducers)
    });
    let (mut tally, decompressed_bytes) = count_part(&root, manifest, part, &counter, opts).await?;
    // A words map's per-thread tables (see `Counter::pooling`).
    for pooled in counter.take_pooled() {
        tally.absorb(pooled);
    }
    let shuffled = match &shuffle {
        Some((shuffle, reducers)) => Some(
            words::write_partitions(work, manifest, part, shuffle, &mut tally, *reducers).await?,
        ),
        None => None,
    };
    // Local files rewritten in place while (or since) they were read.
    for seg in &part.segments {
        let obj = &manifest.objects[seg.object];
        let loc = root.at(store::object_path(&obj.path)?);
        store::check_change_time(&loc, obj.changed.as_deref())?;
    }
    let mut output = output_of(manifest, part, tally, decompressed_bytes, &counter, started);
    if shuffled.is_some() {
        output.words = None;
        output.shuffle = shuffled;
    }
    if output.bytes != part.bytes {
        return Err(Error::part(
            &part.id,
            format!(
                "read {} bytes but the manifest says {}",
                output.bytes, part.bytes
            ),
        ));
    }
    store::write_json(
        &work.join(&crate::wire::count_output_file(&part.id)),
        &output,
    )
    .await?;
    tracing::info!(part = %part.id, bytes = output.bytes, ms = output.elapsed_ms, strategy = %output.strategy, "counted");
    Ok(output)
}

/// A part's count output from its tally.
pub(super) fn output_of(
    manifest: &Manifest,
    part: &Part,
    tally: Tally,
    decompressed_bytes: Option<u64>,
    counter: &Counter,
    started: Instant,
) -> CountOutput {
    let timeline = match (tally.detail.buckets(), manifest.counting.keywords()) {
        (Some(t), Some(keywords)) => Some(t.to_counts(&keywords.names())),
        _ => None,
    };
    CountOutput {
        version: COUNT_OUTPUT_VERSION,
        job_id: manifest.job_id.clone(),
        part: part.id.clone(),
        bytes: tally.bytes,
        lines: tally.lines,
        decompressed_bytes,
        counts: match manifest.counting.keywords() {
            Some(keywords) => KeywordCounts::from_counts(keywords, &tally.counts),
            None => KeywordCounts::default(),
        },
        words: tally.detail.into_word_counts(),
        shuffle: None,
        timeline,
        strategy: counter.engine().strategy_name().to_string(),
        elapsed_ms: started.elapsed().as_millis() as u64,
    }
}

/// The counter for a job: its engine plus what the job aggregates.
pub(super) fn counter_for(counting: &Counting, strategy: StrategyKind) -> Result<Counter> {
    let engine = |keywords: &Keywords| {
        Engine::with_options(keywords, counting.matching(), strategy)
            .map_err(|e| Error::invalid("strategy", e.to_string()))
    };
    Ok(match counting {
        Counting::Keywords {
            keywords, by: None, ..
        } => Counter::keywords(engine(keywords)?),
        Counting::Keywords {
            keywords,
            by: Some(unit),
            ..
        } => Counter::new(engine(keywords)?, Detail::by_time(*unit)),
        // (Each object's own rule replaces the ISO one: [`object_counters`].)
        // Words are counted by the tokenizer; the engine only sizes the tally.
        Counting::Words { normalize } => Counter::new(
            engine(&Keywords::default_set())?,
            Detail::words_normalized(*normalize),
        ),
    })
}

/// The counter of each segment of `part`: `counter`, with the timestamp
/// rule of the segment's object in a `--by` job.
pub(super) fn object_counters(
    manifest: &Manifest,
    part: &Part,
    counter: &Counter,
) -> Result<Vec<Counter>> {
    let Some(unit) = manifest.counting.by() else {
        return Ok(vec![counter.clone(); part.segments.len()]);
    };
    let zone = TimeSettings::parse(&manifest.counting.time())
        .map_err(|e| Error::invalid("manifest", format!("its time options: {e}")))?
        .zone;
    part.segments
        .iter()
        .map(|seg| {
            let obj = &manifest.objects[seg.object];
            let parser =
                TimeParser::for_object(unit, &zone, obj.timestamps.as_ref()).map_err(|e| {
                    Error::invalid(
                        "manifest",
                        format!("the timestamp rule of {}: {e}", obj.path),
                    )
                })?;
            Ok(counter.with_mode(Detail::timeline(parser)))
        })
        .collect()
}

fn unknown_part(manifest: &Manifest, work: &Location, part_id: &str) -> Error {
    let ids = manifest.part_ids();
    let known = match ids.as_slice() {
        [] => "none".to_string(),
        [one] => format!("\"{one}\""),
        [first, .., last] => format!("\"{first}\" to \"{last}\", {} in all", ids.len()),
    };
    let shown: String = part_id.chars().take(64).collect();
    let shown = if shown.len() < part_id.len() {
        format!("{shown}…")
    } else {
        shown
    };
    Error::UnknownPart {
        part: shown,
        manifest: work.join(crate::wire::MANIFEST_FILE).url.to_string(),
        known,
    }
}

/// The read-ahead of a count on this thread pool under `opts`' budget.
pub(super) fn read_ahead(opts: &CountOptions) -> crate::budget::ReadAhead {
    let threads = rayon::current_num_threads();
    let ahead = crate::budget::read_ahead(opts.memory, opts.block_size.max(1), threads);
    tracing::debug!(
        memory = opts.memory,
        threads,
        block = ahead.block,
        blocks = ahead.blocks,
        "read-ahead"
    );
    ahead
}

/// Each segment's compression: the manifest's, or for an object split left
/// to count, what its first bytes show (a few objects at once).
async fn compressions_of(
    root: &Location,
    manifest: &Manifest,
    part: &Part,
) -> Result<Vec<Option<Compression>>> {
    futures::stream::iter(&part.segments)
        .map(|seg| async move {
            let obj = &manifest.objects[seg.object];
            if !obj.sniffed_by_count {
                return Ok(obj.compression);
            }
            let loc = root.at(store::object_path(&obj.path)?);
            super::sniff(&loc, obj.size, obj.e_tag.as_deref()).await
        })
        .buffered(SNIFF_CONCURRENCY)
        .try_collect()
        .await
}

/// Counts a part's segments: fetch, stitch, count in parallel, add up.
/// The tally's `bytes` are the input bytes read (compressed bytes for
/// compressed objects); with compressed ranges, also the text bytes counted.
pub async fn count_part(
    root: &Location,
    manifest: &Manifest,
    part: &Part,
    counter: &Counter,
    opts: &CountOptions,
) -> Result<(Tally, Option<u64>)> {
    let ahead = read_ahead(opts);
    let block = ahead.block as u64;
    let local_block = block.min(local::LOCAL_BLOCK_SIZE);
    // The generic path: reads in flight, and blocks read waiting for a thread.
    let fetches = (ahead.blocks / 2).clamp(1, opts.fetch_concurrency.max(1));
    let max_units = ahead.blocks.saturating_sub(fetches).max(1);
    let compressions = compressions_of(root, manifest, part).await?;
    let counters = Arc::new(object_counters(manifest, part, counter)?);
    // Per segment: its object's location and ETag.
    let mut segs = Vec::new();
    // The plain local segments, counted on the fast path.
    let mut local_segs = Vec::new();
    // Every block read of the other plain segments, in order: (segment index, range).
    let mut reads = Vec::new();
    for (i, seg) in part.segments.iter().enumerate() {
        let obj = &manifest.objects[seg.object];
        let loc = Arc::new(root.at(store::object_path(&obj.path)?));
        let e_tag: Option<Arc<str>> = obj.e_tag.as_deref().map(Arc::from);
        segs.push((loc.clone(), e_tag));
        if compressions[i].is_some() {
            continue; // decompressed and counted by `compressed`
        }
        if let Some(file) = local::open(&loc, seg.start..seg.end, opts.read) {
            local_segs.push(local::LocalSegment {
                index: i,
                file,
                loc,
                counter: counters[i].clone(),
                range: seg.start..seg.end,
            });
            continue;
        }
        reads.extend(local::pieces(seg.start..seg.end, block).map(|r| (i, r)));
    }
    let segs = Arc::new(segs);
    // The local fast path: the blocks in batches of windows on the rayon pool
    // (two batches in flight), each batch's block ends stitched in order;
    // a segment's ETag is checked once it is read whole.
    let local = async {
        let mut total = counter.tally();
        if local_segs.is_empty() {
            return Ok(total);
        }
        let pool = local::Pool::new(local_block as usize);
        let window_bytes = (ahead.blocks * ahead.block) as u64;
        let plan = Arc::new(local::Plan::new(local_segs, local_block, window_bytes));
        let mut batches = futures::stream::iter(plan.batches())
            .map(|batch| local::count_batch(plan.clone(), batch, pool.clone()))
            .buffered(local::BATCHES_IN_FLIGHT);
        // A segment read whole: its ETag checked, its last line counted.
        let finish = |(done, stitcher): (usize, LineStitcher)| {
            let (loc, e_tag) = segs[done].clone();
            async move {
                local::check_unchanged(&loc, e_tag.as_deref()).await?;
                Ok::<_, Error>(stitcher.finish())
            }
        };
        let mut current: Option<(usize, LineStitcher)> = None;
        while let Some(batch) = batches.next().await {
            for (i, blocks) in batch? {
                if current.as_ref().is_some_and(|(c, _)| *c != i) {
                    total.absorb(finish(current.take().expect("checked")).await?);
                }
                let (_, stitcher) = current
                    .get_or_insert_with(|| (i, LineStitcher::new(counters[i].clone(), LINE_LIMIT)));
                for p in blocks {
                    // Exactly what pushing the whole block would do: the stitcher
                    // gets its two ends, the middle was counted where it was read.
                    for end in [p.head, p.tail] {
                        let unit = stitcher.push(end);
                        debug_assert!(
                            unit.is_none(),
                            "a block end holds at most one newline, at its end"
                        );
                    }
                    if let Some(t) = p.middle {
                        total.absorb(t);
                    }
                }
            }
        }
        if let Some(last) = current {
            total.absorb(finish(last).await?);
        }
        Ok::<_, Error>(total)
    };
    // The generic path: ranged reads, stitched into units counted on the pool.
    let generic = async {
        let fetch = |(i, range): (usize, std::ops::Range<u64>)| {
            let segs = segs.clone();
            tokio::spawn(async move {
                let (loc, e_tag) = &segs[i];
                let bytes = store::read_range(loc, range, e_tag.as_deref()).await?;
                Ok::<_, Error>((i, bytes))
            })
        };
        let mut blocks = futures::stream::iter(reads).map(fetch).buffered(fetches);
        let mut total = counter.tally();
        let mut units = FuturesUnordered::new();
        let mut current: Option<(usize, LineStitcher)> = None;
        while let Some(joined) = blocks.next().await {
            let (seg, bytes) = joined.expect("a read task panicked")?;
            if current.as_ref().is_some_and(|(s, _)| *s != seg) {
                let (_, done) = current.take().expect("checked");
                total.absorb(done.finish());
            }
            let (_, stitcher) = current
                .get_or_insert_with(|| (seg, LineStitcher::new(counters[seg].clone(), LINE_LIMIT)));
            if let Some(unit) = stitcher.push(bytes) {
                while units.len() >= max_units {
                    let t: Tally = units.next().await.expect("non-empty");
                    total.absorb(t);
                }
                let counter = counters[seg].clone();
                units.push(on_rayon(move || counter.count_unit(&unit)));
            }
        }
        if let Some((_, done)) = current {
            total.absorb(done.finish());
        }
        while let Some(t) = units.next().await {
            total.absorb(t);
        }
        Ok::<_, Error>(total)
    };
    let (mut total, generic) = futures::try_join!(local, generic)?;
    total.absorb(generic);
    match compressed::count_compressed(root, manifest, part, &compressions, &counters, opts).await?
    {
        Some(d) => {
            let text = total.bytes + d.text_bytes;
            total.absorb(d.tally);
            Ok((total, Some(text)))
        }
        None => Ok((total, None)),
    }
}
