//! The reduce step of a words job: reducer `r` merges partition `r` of
//! every map (`shuffle/<part>.<r>.run`, each sorted by word) into
//! `words/<r>.tsv`, a k-way merge of streams in bounded memory, and writes
//! `words/<r>.json` ([`ReduceOutput`]): its totals and its most frequent
//! words, which the final step combines into `result.json`.
//!
//! Like merge, reduce trusts nothing: every partition file must exist, name
//! this job, this part and this reducer in its header, be sorted, and end
//! with an end line whose totals match. Anything else is an error naming
//! the file and line, and no output is written.

use crate::error::{Error, Result};
use crate::shuffle::merge::{merge_runs, Chunks, RunReader, SortedRun};
use crate::shuffle::top::TopWords;
use crate::steps::read_manifest;
use crate::steps::RunWriter;
use crate::store::{self, Location, Stores};
use crate::wire::word_run::{
    is_reducer_id, reducer_output_file, reducer_words_file, shuffle_file, RunHeader,
    REDUCE_OUTPUT_VERSION,
};
use crate::wire::{KeywordCounts, Manifest, ReduceOutput};
use crate::words::encode_word;
use futures::StreamExt;
use std::time::Instant;

/// How to reduce.
#[derive(Debug, Clone)]
pub struct ReduceOptions {
    /// How many of the most frequent words to keep for `result.json`
    /// [default: [`crate::shuffle::DEFAULT_TOP`]].
    pub top: usize,
}

impl Default for ReduceOptions {
    fn default() -> Self {
        ReduceOptions {
            top: crate::shuffle::DEFAULT_TOP,
        }
    }
}

/// The reducers of the job in `work`: their ids, `["0", "1", ...]`, as the
/// second fan-out takes them.
pub async fn reducer_ids(work: &Location) -> Result<Vec<String>> {
    let manifest = read_manifest(&work.confined()).await?;
    Ok(crate::shuffle::reducer_ids(reducers_of(
        &manifest,
        &work.confined(),
    )?))
}

fn reducers_of(manifest: &Manifest, work: &Location) -> Result<u32> {
    manifest.reducers.ok_or_else(|| {
        Error::invalid(
            "reduce",
            format!(
                "the job in {} is not a words job read from storage; it has no reducers",
                work.join(crate::wire::MANIFEST_FILE).url
            ),
        )
    })
}

/// Runs reducer `reducer` (an id from [`reducer_ids`]).
pub async fn reduce(
    stores: &Stores,
    work: &Location,
    reducer: &str,
    opts: &ReduceOptions,
) -> Result<ReduceOutput> {
    let work = &work.confined();
    let manifest = read_manifest(work).await?;
    reduce_with_manifest(stores, work, &manifest, reducer, opts).await
}

/// Runs a reducer with the manifest already read (the in-process orchestrator).
pub async fn reduce_with_manifest(
    _stores: &Stores,
    work: &Location,
    manifest: &Manifest,
    reducer: &str,
    opts: &ReduceOptions,
) -> Result<ReduceOutput> {
    let work = &work.confined();
    let started = Instant::now();
    let reducers = reducers_of(manifest, work)?;
    let r = reducer
        .parse::<u32>()
        .ok()
        .filter(|&r| is_reducer_id(reducer) && r < reducers)
        .ok_or_else(|| {
            Error::invalid(
                "reducer",
                format!(
                    "{:?} is not a reducer of this job (it has reducers \"0\" to \"{}\")",
                    reducer.chars().take(64).collect::<String>(),
                    reducers - 1
                ),
            )
        })?;
    let handle = tokio::runtime::Handle::current();
    let sources: Vec<(Location, RunHeader)> = manifest
        .parts
        .iter()
        .map(|p| {
            let header = RunHeader {
                job_id: manifest.job_id.clone(),
                part: p.id.clone(),
                partition: r,
                reducers,
            };
            (work.join(&shuffle_file(&p.id, r)), header)
        })
        .collect();
    let out = work.join(&reducer_words_file(r));
    let top_k = opts.top;
    let (distinct, occurrences, top) = tokio::task::spawn_blocking(move || {
        let mut runs: Vec<Box<dyn SortedRun>> = Vec::with_capacity(sources.len());
        for (loc, header) in sources {
            let name = loc.url.to_string();
            let chunks = ObjectChunks {
                handle: handle.clone(),
                loc,
                stream: None,
            };
            runs.push(Box::new(RunReader::new(name, chunks, Some(header))));
        }
        let mut writer = RunWriter::new(&handle, &out, Vec::new())?;
        let mut top = TopWords::new(Some(top_k));
        let mut occurrences = 0u64;
        let merged = merge_runs(runs, |word, n| {
            top.offer(word, n);
            occurrences += n;
            writer.entry(word, n)
        });
        let distinct = match merged {
            Ok(d) => d,
            Err(e) => {
                writer.abort();
                return Err(e);
            }
        };
        writer.finish(&[])?;
        Ok((distinct, occurrences, top))
    })
    .await
    .expect("a reducer panicked")?;
    let output = ReduceOutput {
        version: REDUCE_OUTPUT_VERSION,
        job_id: manifest.job_id.clone(),
        reducer: r,
        reducers,
        parts: manifest.parts.len(),
        distinct,
        occurrences,
        top_k: Some(top_k as u64),
        top: KeywordCounts::new(
            top.into_sorted()
                .into_iter()
                .map(|(w, n)| (encode_word(&w).into_owned(), n))
                .collect(),
        ),
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    store::write_json(&work.join(&reducer_output_file(r)), &output).await?;
    tracing::info!(
        reducer = r,
        distinct,
        occurrences,
        ms = output.elapsed_ms,
        "reduced"
    );
    Ok(output)
}

/// An object in storage, as the chunks of one streaming GET (opened at the
/// first read), fetched from a blocking thread.
struct ObjectChunks {
    handle: tokio::runtime::Handle,
    loc: Location,
    stream: Option<futures::stream::BoxStream<'static, Result<bytes::Bytes>>>,
}

impl Chunks for ObjectChunks {
    fn next_chunk(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        let stream = match &mut self.stream {
            Some(s) => s,
            None => {
                let opened = self
                    .handle
                    .block_on(store::read_stream(&self.loc))
                    .map_err(|e| match e {
                        Error::NotFound { url, .. } => Error::NotFound {
                            what: "map partition (count its part first)",
                            url,
                        },
                        e => e,
                    })?;
                self.stream.insert(opened)
            }
        };
        loop {
            match self.handle.block_on(stream.next()) {
                None => return Ok(false),
                Some(chunk) => {
                    let chunk = chunk?;
                    if !chunk.is_empty() {
                        buf.extend_from_slice(&chunk);
                        return Ok(true);
                    }
                }
            }
        }
    }
}
