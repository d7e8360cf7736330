//! The split step: find the input objects, cut them into N line-aligned parts
//! balanced by bytes, and write the manifest.
//!
//! Split never reads the whole input: it reads a few bytes at each cut to find
//! the next line start. With `materialize`, it also writes each part's bytes to
//! `split-output/<id>.txt`, as the reference workflow does.

use crate::cut;
use crate::error::{Error, Result};
use crate::spec::dataset::{Filters, GroupBy, Sizing, DEFAULT_MAX_PARTS};
use crate::spec::Counting;
use crate::store::{self, Location};
use crate::timeline::rule::TimeSettings;
use crate::wire::{
    self, InputObject, Manifest, Part, COUNT_DIR, GROUPS_FILE, MANIFEST_FILE, MANIFEST_VERSION,
    RESULT_FILE, SPLIT_DIR, TIMELINE_FILE,
};
use futures::{StreamExt, TryStreamExt};

#[path = "split_compressed.rs"]
mod compressed;
#[path = "split_inputs.rs"]
mod inputs;
pub use inputs::{Input, Inputs};
#[path = "materialize_local.rs"]
mod local;
#[path = "split_time.rs"]
mod time;
use object_store::path::Path;
use object_store::ObjectMeta;

/// What split needs besides its input and work locations.
#[derive(Debug, Clone)]
pub struct SplitOptions {
    /// How many parts to cut the input into (for compressed input a
    /// maximum), unless `part_size` is given.
    pub parts: usize,
    /// Cut parts of about this many bytes instead: the number of parts
    /// follows the data, at most `max_parts`.
    pub part_size: Option<u64>,
    /// The most parts `part_size` gives
    /// [default: [`DEFAULT_MAX_PARTS`](crate::spec::dataset::DEFAULT_MAX_PARTS)].
    pub max_parts: usize,
    /// Parts never mix two groups of objects; merge also counts per group.
    pub group_by: Option<GroupBy>,
    /// Which objects of the inputs to take.
    pub filters: Filters,
    /// What the job counts (recorded in the manifest).
    pub counting: Counting,
    /// Also write each part to `split-output/<id>.txt`.
    pub materialize: bool,
    /// A words job's reducers [default: from the input's size,
    /// [`crate::shuffle::reducers_for`]].
    pub reducers: Option<u32>,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions {
            parts: 1,
            part_size: None,
            max_parts: DEFAULT_MAX_PARTS,
            group_by: None,
            filters: Filters::default(),
            counting: Counting::default(),
            materialize: false,
            reducers: None,
        }
    }
}

impl SplitOptions {
    /// How the number of parts is chosen.
    pub fn sizing(&self) -> Sizing {
        match self.part_size {
            Some(part_size) => Sizing::PartSize {
                part_size,
                max_parts: self.max_parts,
            },
            None => Sizing::Parts(self.parts),
        }
    }
}

/// How many parts `materialize` writes at once.
const MATERIALIZE_CONCURRENCY: usize = 4;
/// How many cut probes run at once.
const PROBE_CONCURRENCY: usize = 16;
/// The first probe reads this much; later probes of the same cut read more.
const PROBE_BYTES: u64 = 4096;
/// The most one probe read asks for.
const PROBE_MAX_BYTES: u64 = 1 << 20;

/// Runs split: writes `<work>/manifest.json` and returns it.
pub async fn split(input: &Location, work: &Location, opts: &SplitOptions) -> Result<Manifest> {
    split_inputs(&Inputs::one(input.clone()), work, opts).await
}

/// [`split`] over several inputs (objects, prefixes, globs) that form one
/// dataset.
pub async fn split_inputs(
    inputs: &Inputs,
    work: &Location,
    opts: &SplitOptions,
) -> Result<Manifest> {
    let work = &work.confined();
    let input = inputs.first();
    opts.sizing().check()?;
    crate::spec::dataset::check_group_by(opts.group_by, opts.counting.mode())?;
    let started = std::time::Instant::now();
    let mut found = inputs.find_objects(work, &opts.filters).await?;
    let listed = started.elapsed();
    // Each group's objects lie together, in path order within the group.
    let groups: Vec<String> = match opts.group_by {
        Some(by) => {
            found.sort_by_cached_key(|f| (by.group_of(&f.key), f.meta.location.clone()));
            found.iter().map(|f| by.group_of(&f.key)).collect()
        }
        None => Vec::new(),
    };
    let objects: Vec<ObjectMeta> = found.into_iter().map(|f| f.meta).collect();
    let sizes: Vec<u64> = objects.iter().map(|m| m.size).collect();
    let total: u64 = sizes.iter().sum();
    let aimed = aim(opts, &groups, &sizes)?;
    let planned = aimed.targets.len() + 1;
    tracing::info!(input = %input, objects = objects.len(), bytes = total, parts = planned, "splitting");

    let root = input.at(Path::default());
    let layout =
        compressed::Layout::inspect(&root, &objects, total, planned, opts.materialize).await?;
    // A `--by` job reads every object's first lines, which also tell the
    // compression of those the layout left to count.
    let heads = match opts.counting.by() {
        Some(_) => {
            let settings = TimeSettings::parse(&opts.counting.time())?;
            let sniffed: Vec<bool> = (0..objects.len())
                .map(|i| !layout.left_to_count(i))
                .collect();
            time::read_heads(&root, &objects, &sniffed, &settings).await?
        }
        None => Vec::new(),
    };
    let inspected = started.elapsed();
    let cuts = align_cuts(&root, &objects, &layout, total, &aimed.targets).await?;
    let cut = started.elapsed();
    let mut parts: Vec<(Vec<cut::Segment>, Option<String>)> = cut::parts_from_cuts(&sizes, &cuts)
        .into_iter()
        .zip(aimed.groups)
        .collect();
    if layout.any_compressed() {
        // Compressed objects are cut only where a unit starts: `parts` is a
        // maximum, and parts left empty are dropped (one part remains).
        parts.retain(|(p, _)| !p.is_empty());
        if parts.is_empty() {
            parts.push((Vec::new(), None));
        }
    }
    let (segments, part_groups): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
    let mut parts = Part::numbered(segments);
    for (part, group) in parts.iter_mut().zip(part_groups) {
        part.group = group;
    }
    let mut manifest = Manifest {
        version: MANIFEST_VERSION,
        job_id: new_job_id(),
        input: inputs.describe(),
        store: input.store_url(),
        objects: objects
            .iter()
            .enumerate()
            .map(|(i, m)| InputObject {
                path: m.location.to_string(),
                size: m.size,
                e_tag: m.e_tag.clone(),
                last_modified: m.last_modified.to_rfc3339(),
                compression: layout
                    .compression(i)
                    .or(heads.get(i).and_then(|h| h.compression)),
                sniffed_by_count: layout.left_to_count(i) && heads.is_empty(),
                changed: store::local_change_time(&root.at(m.location.clone())),
                timestamps: heads.get(i).map(|h| h.rule.clone()),
            })
            .collect(),
        counting: opts.counting.clone(),
        parts,
        materialized: opts.materialize,
        stream: false,
        group_by: opts.group_by,
        reducers: None,
        no_other_fields: Default::default(),
    };
    if manifest.counting.mode() == crate::spec::Mode::Words {
        let reducers = match opts.reducers {
            Some(r) => r,
            None => crate::shuffle::reducers_for(manifest.input_bytes()),
        };
        manifest.reducers = Some(reducers);
    }
    manifest
        .validate()
        .map_err(|reason| Error::invalid("split plan", reason))?;

    if opts.materialize {
        layout.refuse_materialize(&objects)?;
    }
    retire_earlier_job(work, opts.materialize).await?;
    if opts.materialize {
        materialize(&root, &manifest, work).await?;
    }
    write_plans(work, &manifest).await?;
    // Last: the manifest marks a finished split.
    store::write_json(&work.join(MANIFEST_FILE), &manifest).await?;
    let ms = |d: std::time::Duration| d.as_millis() as u64;
    tracing::debug!(
        listed_ms = ms(listed),
        inspected_ms = ms(inspected - listed),
        cut_ms = ms(cut - inspected),
        written_ms = ms(started.elapsed() - cut),
        "split phases"
    );
    tracing::info!(job_id = %manifest.job_id, parts = manifest.parts.len(), "manifest written");
    Ok(manifest)
}

/// Writes every part's plan, what its count task reads: `plans.jsonl`,
/// then its index `plans.idx` (see [`wire::PartPlan`]).
async fn write_plans(work: &Location, manifest: &Manifest) -> Result<()> {
    let (plans, index) = wire::plans_and_index(manifest);
    store::write_once(&work.join(wire::PLANS_FILE), bytes::Bytes::from(plans)).await?;
    store::write_once(&work.join(wire::PLAN_INDEX_FILE), bytes::Bytes::from(index)).await
}

/// Removes what an earlier job wrote in `work` (count outputs, results; the
/// parts it materialized with `materialized`), so that none of it is taken
/// for the next job's.
pub(super) async fn retire_earlier_job(work: &Location, materialized: bool) -> Result<()> {
    store::retire_own_files(&work.join(COUNT_DIR), wire::is_count_output_name).await?;
    use wire::word_run::{is_shuffle_name, is_words_output_name, SHUFFLE_DIR, WORDS_DIR};
    store::retire_own_files(&work.join(SHUFFLE_DIR), is_shuffle_name).await?;
    store::retire_own_files(&work.join(WORDS_DIR), is_words_output_name).await?;
    for file in [
        wire::word_run::WORDS_SUMMARY_FILE,
        TIMELINE_FILE,
        GROUPS_FILE,
        RESULT_FILE,
        wire::PLAN_INDEX_FILE,
        wire::PLANS_FILE,
    ] {
        store::delete_if_exists(&work.join(file)).await?;
    }
    if materialized {
        store::retire_own_files(&work.join(SPLIT_DIR), wire::is_split_output_name).await?;
    }
    Ok(())
}

/// Where the cuts are aimed, and each part's group.
struct Aimed {
    /// The cuts' targets in the byte space, before alignment.
    targets: Vec<u64>,
    /// Each part's group (`targets.len() + 1` of them), or `None`s.
    groups: Vec<Option<String>>,
}

/// Aims the cuts: over the whole byte space, or with groups (`groups[i]`,
/// object `i`'s, objects of a group together) within each group's range,
/// with a cut at every group boundary.
fn aim(opts: &SplitOptions, groups: &[String], sizes: &[u64]) -> Result<Aimed> {
    let sizing = opts.sizing();
    let total: u64 = sizes.iter().sum();
    if groups.is_empty() {
        let parts = sizing.parts_for(total);
        return Ok(Aimed {
            targets: cut::aim(total, parts),
            groups: vec![None; parts],
        });
    }
    // Each group's name and byte range, in order.
    let mut ranges: Vec<(&str, u64, u64)> = Vec::new();
    let mut at = 0;
    for (g, &size) in groups.iter().zip(sizes) {
        match ranges.last_mut() {
            Some((name, _, end)) if *name == g.as_str() => *end += size,
            _ => ranges.push((g.as_str(), at, at + size)),
        }
        at += size;
    }
    let bytes: Vec<u64> = ranges.iter().map(|&(_, s, e)| e - s).collect();
    let per_group = sizing.parts_per_group(&bytes)?;
    let mut aimed = Aimed {
        targets: Vec::new(),
        groups: Vec::new(),
    };
    for (i, (&(name, start, end), &n)) in ranges.iter().zip(&per_group).enumerate() {
        aimed
            .targets
            .extend(cut::aim(end - start, n).into_iter().map(|t| start + t));
        if i + 1 < ranges.len() {
            aimed.targets.push(end);
        }
        aimed
            .groups
            .extend(std::iter::repeat_n(Some(name.to_string()), n));
    }
    Ok(aimed)
}

/// Aims the cuts and moves each to the next line start, reading around it
/// (in a compressed object: to the nearest unit start, without reading).
async fn align_cuts(
    root: &Location,
    objects: &[ObjectMeta],
    layout: &compressed::Layout,
    total: u64,
    targets: &[u64],
) -> Result<Vec<u64>> {
    let sizes: Vec<u64> = objects.iter().map(|m| m.size).collect();
    let sizes = &sizes;
    // Each search stops at the next target: when a line runs past it, this
    // cut lands where the next one does (its part gets no bytes), so a file
    // that is one long line is read once in all, not once per cut.
    let found: Vec<Option<u64>> = futures::stream::iter(0..targets.len())
        .map(|i| async move {
            let target = targets[i];
            let (o, off) = cut::locate(sizes, target);
            let start = cut::object_start(sizes, o);
            if off == 0 || off == sizes[o] {
                return Ok(Some(start + off));
            }
            if let Some(unit_start) = layout.snap(o, sizes[o], off) {
                return Ok(Some(start + unit_start));
            }
            let next_target = targets.get(i + 1).copied().unwrap_or(total);
            let limit = (next_target - start).min(sizes[o]);
            let meta = &objects[o];
            let loc = root.at(meta.location.clone());
            let local = next_line_start(&loc, off, limit, meta.size, meta.e_tag.as_deref()).await?;
            Ok::<_, Error>(local.map(|l| start + l))
        })
        .buffered(PROBE_CONCURRENCY)
        .try_collect()
        .await?;
    Ok(resolve_cuts(&found, total))
}

/// The cuts from what each search found: a search that stopped at the next
/// target without a line start takes the next cut found (or the end), and
/// cuts never go back.
fn resolve_cuts(found: &[Option<u64>], total: u64) -> Vec<u64> {
    let mut cuts = vec![total; found.len()];
    let mut next = total;
    for (i, f) in found.iter().enumerate().rev() {
        next = f.unwrap_or(next);
        cuts[i] = next;
    }
    for i in 1..cuts.len() {
        cuts[i] = cuts[i].max(cuts[i - 1]);
    }
    cuts
}

/// The first line start at or after `offset` (0 < offset < size) and before
/// `limit` (≤ size): `Some(size)` when the object ends first, `None` when the
/// search reaches `limit` inside the object without one.
async fn next_line_start(
    loc: &Location,
    offset: u64,
    limit: u64,
    size: u64,
    e_tag: Option<&str>,
) -> Result<Option<u64>> {
    let mut from = offset - 1;
    let mut len = PROBE_BYTES;
    while from < limit {
        let to = (from + len).min(limit);
        let window = store::read_range(loc, from..to, e_tag).await?;
        if let Some(p) = cut::line_start_in(&window, from) {
            return Ok(Some(p));
        }
        from = to;
        len = (len * 4).min(PROBE_MAX_BYTES);
    }
    Ok((limit >= size).then_some(size))
}

/// Writes each part's bytes to `split-output/<id>.txt`, streaming: one put,
/// or one multipart upload completed at the end and aborted on any error (a
/// failed read included), so no half-written part is ever visible.
async fn materialize(root: &Location, manifest: &Manifest, work: &Location) -> Result<()> {
    // Parts are written concurrently (each one sequentially), overlapping reads
    // and writes; a failure drops the other writers, which abort their uploads.
    futures::stream::iter(&manifest.parts)
        .map(|part| materialize_part(root, manifest, work, part))
        .buffer_unordered(MATERIALIZE_CONCURRENCY)
        .try_collect::<()>()
        .await
}

/// Writes one part's bytes to `split-output/<id>.txt`, whole or not at all.
async fn materialize_part(
    root: &Location,
    manifest: &Manifest,
    work: &Location,
    part: &Part,
) -> Result<()> {
    if let Some(done) = local::materialize_part(root, manifest, work, part).await {
        return done;
    }
    let out = work.join(&crate::wire::split_output_file(&part.id));
    let mut w = store::StreamWriter::new(&out)?;
    for seg in &part.segments {
        let obj = &manifest.objects[seg.object];
        let loc = root.at(store::object_path(&obj.path)?);
        let mut at = seg.start;
        while at < seg.end {
            let to = (at + crate::steps::count::DEFAULT_BLOCK_SIZE as u64).min(seg.end);
            let bytes = match store::read_range(&loc, at..to, obj.e_tag.as_deref()).await {
                Ok(b) => b,
                Err(e) => {
                    w.abort().await;
                    return Err(e);
                }
            };
            w.write(&bytes).await?;
            at = to;
        }
    }
    w.finish().await
}

/// A job id unique enough to tell two split runs apart.
pub(super) fn new_job_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    h.write_u128(now.as_nanos());
    h.write_u32(std::process::id());
    format!("{:x}-{:016x}", now.as_secs(), h.finish())
}
