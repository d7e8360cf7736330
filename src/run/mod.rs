//! The thin orchestrator: split → count × N → merge on one machine.
//!
//! The in-process executor runs the three steps as library calls, with at
//! most `jobs` counts at once (each count also uses the whole rayon pool, so
//! `jobs` mostly overlaps I/O). The steps are the same code as the step
//! binaries; the result is the same as an Argo run of the same DAG.

use crate::error::Result;
use crate::steps::count::{count_with_manifest, CountOptions};
use crate::steps::merge::{merge, Merged};
use crate::steps::split::{split, SplitOptions};
use crate::store::{Location, Stores};
use futures::{StreamExt, TryStreamExt};
use std::time::{Duration, Instant};

/// What a run needs besides its locations.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub split: SplitOptions,
    pub count: CountOptions,
    /// Counts at once.
    pub jobs: usize,
}

/// A finished run: the merged result and how long each step took.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub merged: Merged,
    pub split_time: Duration,
    pub count_time: Duration,
    pub merge_time: Duration,
}

/// Runs split, every count and merge in this process.
pub async fn run_in_process(stores: &Stores, input: &Location, work: &Location, opts: &RunOptions) -> Result<RunOutcome> {
    let t = Instant::now();
    let manifest = split(stores, input, work, &opts.split).await?;
    let split_time = t.elapsed();

    let t = Instant::now();
    let manifest_ref = &manifest;
    futures::stream::iter(manifest.part_ids())
        .map(|id| async move { count_with_manifest(stores, work, manifest_ref, id, &opts.count).await })
        .buffer_unordered(opts.jobs.max(1))
        .try_for_each(|_| futures::future::ready(Ok(())))
        .await?;
    let count_time = t.elapsed();

    let t = Instant::now();
    let merged = merge(stores, work, Some(manifest.parts.len())).await?;
    Ok(RunOutcome {
        merged,
        split_time,
        count_time,
        merge_time: t.elapsed(),
    })
}
