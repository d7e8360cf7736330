//! The merge step: check every count output against the manifest and sum
//! them into `result.json`.
//!
//! Merge trusts nothing: each part must have exactly one count output, of this
//! job, with the manifest's keywords and byte count; no output may belong to a
//! part the manifest does not know; the input must not have changed since
//! split. Any mismatch is an error naming the part, and no result is written.

use crate::error::{Error, Result};
use crate::spec::Mode;
use crate::steps::read_manifest;
use crate::store::{self, Location, Stores};
use crate::timeline::Timeline;
use crate::wire::{
    self, CountOutput, GroupCounts, GroupsFile, InputObject, KeywordCounts, Manifest, Part,
    TimelineFile, COUNT_DIR, COUNT_OUTPUT_VERSION, GROUPS_FILE, GROUPS_VERSION, RESULT_FILE,
    TIMELINE_FILE,
};
use crate::words::{encode_word, WordCounts};
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectMeta;
use std::collections::{BTreeMap, HashMap, HashSet};

/// How many count outputs are read (and input objects asked for) at once.
const READ_CONCURRENCY: usize = 64;
/// How many folders of the input are listed at once.
const LIST_CONCURRENCY: usize = 16;
/// A folder holding this many input objects is listed, not asked object by
/// object, to see the input is unchanged.
const LIST_FOLDER_FROM: usize = 16;

/// What merge produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// Keyword -> count, in keyword order: the contents of `result.json`.
    /// Words mode: the most frequent words (encoded as in [`crate::words`])
    /// -> count, most frequent first, ties by the word's bytes ascending;
    /// every word for a stream, the reducers' top K for a job in storage.
    pub result: KeywordCounts,
    /// What the job counted.
    pub mode: Mode,
    /// Input bytes the count outputs cover: the manifest's total, checked.
    pub bytes: u64,
    /// Lines of the input, the sum over the parts.
    pub lines: u64,
    /// Count outputs merged: the manifest's parts.
    pub parts: usize,
    /// `--by` jobs: the counts per time bucket, the contents of `timeline.json`.
    pub timeline: Option<TimelineFile>,
    /// `--group-by` jobs: the counts per group, the contents of `groups.json`.
    pub groups: Option<GroupsFile>,
    /// Words jobs read from storage: the totals over every reducer, the
    /// contents of `words.json` (`result` then holds the most frequent words).
    pub words: Option<wire::WordsSummary>,
}

/// Runs merge; `expected_parts` (from `NUM_PARTS`) must agree with the manifest.
pub async fn merge(
    stores: &Stores,
    work: &Location,
    expected_parts: Option<usize>,
) -> Result<Merged> {
    merge_job(stores, work, expected_parts, None).await
}

/// [`merge`], refusing unless the manifest is still job `job_id`'s: a run
/// that split the work prefix merges its own job, never one that another
/// run split there since.
pub async fn merge_job(
    stores: &Stores,
    work: &Location,
    expected_parts: Option<usize>,
    job_id: Option<&str>,
) -> Result<Merged> {
    let work = &work.confined();
    let started = std::time::Instant::now();
    let manifest = read_manifest(work).await?;
    let manifest_read = started.elapsed();
    if let Some(id) = job_id {
        check_same_job(work, &manifest, id)?;
    }
    if let Some(n) = expected_parts {
        // With compressed input, split makes at most the parts asked for.
        let compressed = manifest.objects.iter().any(|o| o.compression.is_some());
        if n != manifest.parts.len() && !(compressed && manifest.parts.len() < n) {
            return Err(Error::invalid(
                "number of parts",
                format!(
                    "{n} given, but the manifest has {} parts",
                    manifest.parts.len()
                ),
            ));
        }
    }
    check_no_extra_outputs(work, &manifest).await?;
    let outputs_listed = started.elapsed();
    check_input_unchanged(stores, &manifest).await?;
    let input_checked = started.elapsed();

    // Words are summed as the outputs arrive: one part's map at a time.
    let mut words = (manifest.counting.mode() == Mode::Words).then(WordCounts::default);
    let outputs: Vec<CountOutput> = futures::stream::iter(&manifest.parts)
        .map(|part| read_output(work, &manifest, part))
        .buffered(READ_CONCURRENCY)
        .map_ok(|mut out| {
            if let (Some(total), Some(w)) = (&mut words, out.words.take()) {
                total.merge_owned(w);
            }
            out
        })
        .try_collect()
        .await?;
    let outputs_read = started.elapsed();
    tracing::debug!(
        manifest_ms = manifest_read.as_millis() as u64,
        outputs_listed_ms = (outputs_listed - manifest_read).as_millis() as u64,
        input_checked_ms = (input_checked - outputs_listed).as_millis() as u64,
        outputs_read_ms = (outputs_read - input_checked).as_millis() as u64,
        "merge phases"
    );
    let (words, summary) = match manifest.reducers {
        Some(reducers) => {
            let (top, summary) = combine_reducers(work, &manifest, &outputs, reducers).await?;
            (Some(top), Some(summary))
        }
        None => (words.map(|w| sorted_words(&w)), None),
    };
    let mut merged = sum_with(&manifest, &outputs, words)?;
    merged.words = summary;
    if let Some(summary) = &merged.words {
        store::write_json(&work.join(wire::word_run::WORDS_SUMMARY_FILE), summary).await?;
    }
    if let Some(timeline) = &merged.timeline {
        // Before result.json, which marks a finished merge.
        let mut body = serde_json::to_vec(timeline).expect("timeline serializes");
        body.push(b'\n');
        store::write_once(&work.join(TIMELINE_FILE), bytes::Bytes::from(body)).await?;
    }
    if let Some(groups) = &merged.groups {
        let mut body = serde_json::to_vec(groups).expect("groups serialize");
        body.push(b'\n');
        store::write_once(&work.join(GROUPS_FILE), bytes::Bytes::from(body)).await?;
    }
    let mut body = serde_json::to_vec(&merged.result).expect("counts serialize");
    body.push(b'\n');
    store::write_once(&work.join(RESULT_FILE), bytes::Bytes::from(body)).await?;
    tracing::info!(parts = merged.parts, bytes = merged.bytes, "merged");
    Ok(merged)
}

/// The keywords of a keyword job, in order (none for a words job).
fn keyword_names(manifest: &Manifest) -> Vec<String> {
    manifest
        .counting
        .keywords()
        .map(|k| k.names())
        .unwrap_or_default()
}

/// Refuses a manifest of another job than `job_id`: another run split the
/// work prefix after this one did.
pub fn check_same_job(work: &Location, manifest: &Manifest, job_id: &str) -> Result<()> {
    if manifest.job_id == job_id {
        return Ok(());
    }
    Err(Error::invalid(
        format!("work prefix {}", work.url),
        format!(
            "it now holds job {}, not this run's job {job_id}: another job split there \
             while this one ran; give each run its own work prefix",
            manifest.job_id
        ),
    ))
}

/// Sums count outputs that were checked against the manifest (pure).
pub fn sum(manifest: &Manifest, outputs: &[CountOutput]) -> Result<Merged> {
    let words = (manifest.counting.mode() == Mode::Words).then(|| {
        let mut total = WordCounts::default();
        for w in outputs.iter().filter_map(|o| o.words.as_ref()) {
            total.merge(w);
        }
        total
    });
    sum_with(manifest, outputs, words.map(|w| sorted_words(&w)))
}

/// Every word, most frequent first, encoded: a stream's words result.
fn sorted_words(words: &WordCounts) -> KeywordCounts {
    KeywordCounts::new(
        words
            .sorted()
            .into_iter()
            .map(|(w, n)| (encode_word(w).into_owned(), n))
            .collect(),
    )
}

/// Reads every reducer's output (`words/<r>.json`), checks it against the
/// manifest and the maps' totals, and combines their most frequent words
/// into the job's: `result.json`'s contents, and the job's totals.
async fn combine_reducers(
    work: &Location,
    manifest: &Manifest,
    outputs: &[CountOutput],
    reducers: u32,
) -> Result<(KeywordCounts, wire::WordsSummary)> {
    use wire::word_run::reducer_output_file;
    use wire::ReduceOutput;
    let read = |r: u32| async move {
        let loc = work.join(&reducer_output_file(r));
        let out: ReduceOutput =
            store::read_json(&loc, "reducer output")
                .await
                .map_err(|e| match e {
                    Error::NotFound { url, .. } => Error::NotFound {
                        what: "reducer output (run reduce for every reducer first)",
                        url,
                    },
                    e => e,
                })?;
        let bad = |reason: String| Error::Corrupt {
            what: "reducer output",
            url: loc.url.to_string(),
            reason,
        };
        if out.version != wire::word_run::REDUCE_OUTPUT_VERSION {
            return Err(bad(format!("version {} is not supported", out.version)));
        }
        if out.job_id != manifest.job_id {
            return Err(bad(format!(
                "belongs to job {}, not to this manifest's job {} (a stale or foreign output)",
                out.job_id, manifest.job_id
            )));
        }
        if (out.reducer, out.reducers, out.parts) != (r, reducers, manifest.parts.len()) {
            return Err(bad(format!(
                "is reducer {} of {} over {} parts; expected reducer {r} of {reducers} over {}",
                out.reducer,
                out.reducers,
                out.parts,
                manifest.parts.len()
            )));
        }
        Ok::<_, Error>(out)
    };
    let reduced: Vec<ReduceOutput> = futures::stream::iter(0..reducers)
        .map(read)
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    let mapped: u64 = outputs
        .iter()
        .filter_map(|o| o.shuffle.as_ref())
        .map(|s| s.occurrences)
        .sum();
    let occurrences: u64 = reduced.iter().map(|o| o.occurrences).sum();
    let distinct: u64 = reduced.iter().map(|o| o.distinct).sum();
    if occurrences != mapped {
        return Err(Error::invalid(
            "reducer outputs",
            format!("they count {occurrences} words, the maps wrote {mapped}"),
        ));
    }
    // Every reducer kept its K most frequent; the job's K are among them.
    let top_k = reduced.iter().filter_map(|o| o.top_k).min();
    // (word, count, key): a key is the canonical encoding of its word, so
    // the result keeps the key as read.
    let mut top = Vec::new();
    for out in &reduced {
        for (key, n) in out.top.0.iter() {
            let word = crate::words::decode_word(key).map_err(|why| Error::Corrupt {
                what: "reducer output",
                url: work.join(&reducer_output_file(out.reducer)).url.to_string(),
                reason: why,
            })?;
            top.push((word, *n, key));
        }
    }
    top.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if let Some(k) = top_k {
        top.truncate(k as usize);
    }
    let result = KeywordCounts::new(
        top.into_iter()
            .map(|(_, n, key)| (key.clone(), n))
            .collect(),
    );
    let summary = wire::WordsSummary {
        version: wire::word_run::REDUCE_OUTPUT_VERSION,
        job_id: manifest.job_id.clone(),
        reducers,
        distinct,
        occurrences,
        top_k,
    };
    Ok((result, summary))
}

/// [`sum`], with the outputs' words already summed into `words` (words mode).
fn sum_with(
    manifest: &Manifest,
    outputs: &[CountOutput],
    words: Option<KeywordCounts>,
) -> Result<Merged> {
    let names = keyword_names(manifest);
    let mut counts = vec![0u64; names.len()];
    let (mut bytes, mut lines) = (0u64, 0u64);
    for (part, out) in manifest.parts.iter().zip(outputs) {
        if out.counts.keys().ne(names.iter().map(String::as_str)) {
            return Err(Error::part(
                &part.id,
                format!(
                    "count output has keywords {:?}, the manifest {:?}",
                    out.counts.keys().collect::<Vec<_>>(),
                    names
                ),
            ));
        }
        for (c, v) in counts.iter_mut().zip(out.counts.values()) {
            *c += v;
        }
        bytes += out.bytes;
        lines += out.lines;
    }
    if bytes != manifest.input_bytes() {
        return Err(Error::invalid(
            "count outputs",
            format!(
                "they cover {bytes} bytes but the input has {}",
                manifest.input_bytes()
            ),
        ));
    }
    let result = match words {
        Some(words) => words,
        None => KeywordCounts::new(names.into_iter().zip(counts).collect()),
    };
    Ok(Merged {
        result,
        mode: manifest.counting.mode(),
        bytes,
        lines,
        parts: outputs.len(),
        timeline: sum_timeline(manifest, outputs)?,
        groups: sum_groups(manifest, outputs),
        words: None,
    })
}

/// The counts per group of a `--group-by` job (outputs already checked
/// against their parts), in the order the parts cover the groups.
fn sum_groups(manifest: &Manifest, outputs: &[CountOutput]) -> Option<GroupsFile> {
    let group_by = manifest.group_by?;
    let names = keyword_names(manifest);
    let mut groups: Vec<GroupCounts> = Vec::new();
    let mut counts: Vec<Vec<u64>> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (part, out) in manifest.parts.iter().zip(outputs) {
        let name = part.group.clone().unwrap_or_default();
        let i = *index.entry(name.clone()).or_insert_with(|| {
            groups.push(GroupCounts {
                group: name,
                bytes: 0,
                lines: 0,
                parts: 0,
                counts: KeywordCounts::default(),
            });
            counts.push(vec![0; names.len()]);
            groups.len() - 1
        });
        let g = &mut groups[i];
        g.bytes += out.bytes;
        g.lines += out.lines;
        g.parts += 1;
        for (c, v) in counts[i].iter_mut().zip(out.counts.values()) {
            *c += v;
        }
    }
    for (g, c) in groups.iter_mut().zip(counts) {
        g.counts = KeywordCounts::new(names.iter().cloned().zip(c).collect());
    }
    Some(GroupsFile {
        version: GROUPS_VERSION,
        group_by,
        groups,
    })
}

/// `--by` jobs: checks that every output carries a timeline that adds up to
/// its totals, and sums them (an output of a job without `--by` must carry none).
fn sum_timeline(manifest: &Manifest, outputs: &[CountOutput]) -> Result<Option<TimelineFile>> {
    let names = keyword_names(manifest);
    let mut total = Timeline::new(names.len());
    for (part, out) in manifest.parts.iter().zip(outputs) {
        let bad = |why: String| Error::part(&part.id, format!("count output {why}"));
        let (unit, counts) = match (manifest.counting.by(), &out.timeline) {
            (None, None) => continue,
            (None, Some(_)) => {
                return Err(bad(
                    "has a timeline, but the job counts no time buckets".into()
                ))
            }
            (Some(unit), None) => {
                return Err(bad(format!(
                    "has no timeline, but the job counts by {} (was it counted by an older build?)",
                    unit
                )))
            }
            (Some(unit), Some(c)) => (unit, c),
        };
        let t = Timeline::from_counts(counts, unit, &names)
            .map_err(|why| bad(format!("has a bad timeline: {why}")))?;
        let sum = t.totals();
        if sum.lines != out.lines || !sum.counts.iter().copied().eq(out.counts.values()) {
            return Err(bad(format!(
                "has a timeline adding up to {} lines and counts {:?}, but totals of {} lines and {:?}",
                sum.lines,
                sum.counts,
                out.lines,
                out.counts.values().collect::<Vec<_>>()
            )));
        }
        total.add(&t);
    }
    Ok(manifest
        .counting
        .by()
        .map(|unit| TimelineFile::new(unit, names, &total)))
}

async fn read_output(work: &Location, manifest: &Manifest, part: &Part) -> Result<CountOutput> {
    let id = part.id.as_str();
    let loc = work.join(&crate::wire::count_output_file(id));
    let out: CountOutput = store::read_json(&loc, "count output")
        .await
        .map_err(|e| match e {
            Error::NotFound { url, .. } => Error::part(
                id,
                format!("no count output at {url} (did its map task run?)"),
            ),
            Error::Corrupt { url, reason, .. } => {
                Error::part(id, format!("count output {url} is unreadable: {reason}"))
            }
            e => e,
        })?;
    let bad = |reason: String| {
        Err(Error::part(
            id,
            format!("count output {}: {reason}", loc.url),
        ))
    };
    if out.version != COUNT_OUTPUT_VERSION {
        return bad(format!(
            "version {} is not supported (expected {COUNT_OUTPUT_VERSION})",
            out.version
        ));
    }
    if out.job_id != manifest.job_id {
        return bad(format!(
            "belongs to job {}, not to this manifest's job {} (a stale or foreign output)",
            out.job_id, manifest.job_id
        ));
    }
    if out.part != id {
        return bad(format!("is for part {:?}", out.part));
    }
    let expected = part.bytes;
    if out.bytes != expected {
        return bad(format!(
            "covers {} bytes, the part has {expected}",
            out.bytes
        ));
    }
    // The text counted: the bytes read, or what they decompressed to.
    // Objects split left to count are compressed or not, as count found.
    let objects = || part.segments.iter().map(|s| &manifest.objects[s.object]);
    let compressed = objects().any(|o| o.compression.is_some());
    let maybe = objects().any(|o| o.sniffed_by_count);
    let text = match (compressed, maybe, out.decompressed_bytes) {
        (false, _, None) => out.bytes,
        (true, _, Some(text)) | (false, true, Some(text)) => text,
        (false, false, Some(_)) => return bad("reports decompressed bytes for plain input".into()),
        (true, _, None) => return bad("has no decompressed byte count for compressed input".into()),
    };
    // Occurrences do not overlap, so each takes its keyword's length in bytes:
    // more is impossible (and bounds the sums merge adds up).
    for ((k, n), len) in out.counts.0.iter().zip(
        manifest
            .counting
            .keywords()
            .iter()
            .flat_map(|k| k.as_bytes())
            .map(Vec::len),
    ) {
        if n.checked_mul(len as u64).is_none_or(|b| b > text) {
            return bad(format!(
                "claims {n} occurrences of {k:?} in {text} bytes, which is impossible"
            ));
        }
    }
    match (manifest.counting.mode(), &out.words, &out.shuffle) {
        (Mode::Keywords, None, None) => {}
        (Mode::Words, Some(_), None) if manifest.reducers.is_none() => {}
        (Mode::Words, None, Some(s)) if Some(s.reducers) == manifest.reducers => {
            // Each occurrence takes a byte at least.
            if s.entries > s.occurrences || s.occurrences > text {
                return bad(format!(
                    "claims {} words ({} distinct) in {text} bytes, which is impossible",
                    s.occurrences, s.entries
                ));
            }
        }
        (Mode::Keywords, ..) => return bad("has word counts, but this is a keyword job".into()),
        (Mode::Words, _, Some(s)) => {
            return bad(format!(
                "was written for {} reducers, but the manifest has {:?}",
                s.reducers, manifest.reducers
            ))
        }
        (Mode::Words, ..) => {
            return bad("has no word counts and no shuffle, but this is a words job".into())
        }
    }
    if let Some(w) = &out.words {
        if let Err(why) = w.check_fits(text) {
            return bad(why);
        }
    }
    if out.lines > text {
        return bad(format!(
            "claims {} lines in {text} bytes, which is impossible",
            out.lines
        ));
    }
    Ok(out)
}

/// Refuses count outputs for parts the manifest does not list. Only the
/// files a count step writes are looked at (`<part id>.json` directly in
/// `count-output/`): anything else a user keeps there is not an output.
async fn check_no_extra_outputs(work: &Location, manifest: &Manifest) -> Result<()> {
    let dir = work.join(COUNT_DIR);
    dir.check_confined()?;
    let known: HashSet<String> = manifest
        .parts
        .iter()
        .map(|p| format!("{}.json", p.id))
        .collect();
    let listed = store::list_folder(&dir).await?;
    for meta in listed {
        let name = meta.location.filename().unwrap_or_default();
        if wire::is_count_output_name(name) && !known.contains(name) {
            return Err(Error::invalid(
                "count outputs",
                format!(
                    "{} is not the output of any part of the manifest (an extra part)",
                    dir.at(meta.location.clone())
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses to merge when an input object changed since split.
///
/// A folder holding at least [`LIST_FOLDER_FROM`] of the input's objects is
/// listed (one request per 1,000 objects, folders at once); any other object
/// is asked for (a HEAD each). An object is unchanged when its size and its
/// ETag are; without an ETag (a store that lists none), its size and its
/// last-modified time to the second.
async fn check_input_unchanged(stores: &Stores, manifest: &Manifest) -> Result<()> {
    if manifest.stream {
        return Ok(()); // counted as it was read; nothing left to look at
    }
    let root = stores.open(&manifest.store)?;
    let mut folders: BTreeMap<&str, Vec<&InputObject>> = BTreeMap::new();
    for obj in &manifest.objects {
        let folder = obj.path.rsplit_once('/').map_or("", |(folder, _)| folder);
        folders.entry(folder).or_default().push(obj);
    }
    let (listed, asked): (Vec<_>, Vec<_>) = folders
        .into_iter()
        .partition(|(_, objects)| objects.len() >= LIST_FOLDER_FROM);
    let root = &root;
    let asked: Vec<&InputObject> = asked.into_iter().flat_map(|(_, o)| o).collect();
    futures::stream::iter(listed)
        .map(|(folder, objects)| async move {
            let dir = root.at(store::object_path(folder)?);
            let found = store::list_folder(&dir).await?;
            let now: HashMap<&str, &ObjectMeta> =
                found.iter().map(|m| (m.location.as_ref(), m)).collect();
            let mut ask = Vec::new();
            for obj in objects {
                match now.get(obj.path.as_str()) {
                    // A store that lists no ETags, where split asked for one.
                    Some(m) if obj.e_tag.is_some() && m.e_tag.is_none() => ask.push(obj),
                    found => {
                        let loc = root.at(store::object_path(&obj.path)?);
                        check_unchanged(&loc, obj, found.copied())?;
                    }
                }
            }
            check_by_head(root, ask).await
        })
        .buffer_unordered(LIST_CONCURRENCY)
        .try_collect::<()>()
        .await?;
    check_by_head(root, asked).await
}

/// [`check_unchanged`] for each of `objects`, asking the store for each.
async fn check_by_head(root: &Location, objects: Vec<&InputObject>) -> Result<()> {
    futures::stream::iter(objects)
        .map(|obj| async move {
            let loc = root.at(store::object_path(&obj.path)?);
            let now = match store::head(&loc).await {
                Ok(meta) => Some(meta),
                Err(Error::NotFound { .. }) => None,
                Err(e) => return Err(e),
            };
            check_unchanged(&loc, obj, now.as_ref())
        })
        .buffer_unordered(READ_CONCURRENCY)
        .try_collect::<()>()
        .await
}

/// Refuses `obj` at `loc` unless `now` (what the store has; `None`: no
/// such object) is the version split saw.
fn check_unchanged(loc: &Location, obj: &InputObject, now: Option<&ObjectMeta>) -> Result<()> {
    let was = || {
        format!(
            "{} bytes, etag {}, modified {}",
            obj.size,
            obj.e_tag.as_deref().unwrap_or("-"),
            obj.last_modified
        )
    };
    let Some(meta) = now else {
        return Err(Error::InputChanged {
            url: loc.url.to_string(),
            was: was(),
            now: "deleted".into(),
        });
    };
    let same_version = match &obj.e_tag {
        Some(tag) => meta.e_tag.as_ref() == Some(tag),
        None => chrono::DateTime::parse_from_rfc3339(&obj.last_modified)
            .is_ok_and(|t| t.timestamp() == meta.last_modified.timestamp()),
    };
    if meta.size != obj.size || !same_version {
        return Err(Error::InputChanged {
            url: loc.url.to_string(),
            was: was(),
            now: format!(
                "{} bytes, etag {}, modified {}",
                meta.size,
                meta.e_tag.as_deref().unwrap_or("-"),
                meta.last_modified.to_rfc3339()
            ),
        });
    }
    store::check_change_time(loc, obj.changed.as_deref())
}
