//! The in-process executor: the three steps as library calls, sharing the
//! manifest split wrote instead of reading it back for every count.

use super::{Executor, MergeResult, PartTask, Retry, RunOptions, RunPlan, RunStats};
use crate::error::Result;
use crate::steps::count::{count_with_manifest, CountOptions};
use crate::steps::merge::{merge_job, Merged};
use crate::steps::reduce::{reduce_with_manifest, ReduceOptions};
use crate::steps::split::{split_inputs, Inputs, SplitOptions};
use crate::store::{Location, Stores};
use crate::wire::Manifest;
use std::sync::{Arc, Mutex};

/// Runs the steps as library calls in this process.
#[derive(Debug)]
pub struct InProcess {
    stores: Stores,
    input: Inputs,
    work: Location,
    split: SplitOptions,
    count: CountOptions,
    reduce: ReduceOptions,
    manifest: Mutex<Option<Arc<Manifest>>>,
    merged: Mutex<Option<Merged>>,
}

impl InProcess {
    /// An executor for `plan`, its locations resolved by `stores`.
    pub fn new(stores: &Stores, plan: &RunPlan) -> Result<Self> {
        Ok(Self::at(
            stores,
            Inputs::open(stores, &plan.inputs)?,
            stores.open(&plan.work)?,
            &plan.options,
        ))
    }

    /// An executor for locations already resolved.
    pub fn at(stores: &Stores, input: Inputs, work: Location, options: &RunOptions) -> Self {
        InProcess {
            stores: stores.clone(),
            input,
            work,
            split: options.split.clone(),
            count: options.count.clone(),
            reduce: options.reduce.clone(),
            manifest: Mutex::new(None),
            merged: Mutex::new(None),
        }
    }

    /// Everything the last merge produced (totals, bytes, lines, timeline).
    pub fn merged(&self) -> Option<Merged> {
        self.merged.lock().expect("not poisoned").clone()
    }

    fn manifest(&self) -> Arc<Manifest> {
        let m = self.manifest.lock().expect("not poisoned");
        m.clone().expect("split runs before count")
    }
}

impl Executor for InProcess {
    fn name(&self) -> &'static str {
        "in-process"
    }

    async fn split(&self) -> Result<Vec<PartTask>> {
        let manifest = split_inputs(&self.input, &self.work, &self.split).await?;
        let parts = PartTask::all(&manifest);
        *self.manifest.lock().expect("not poisoned") = Some(Arc::new(manifest));
        Ok(parts)
    }

    async fn count(&self, part: &str) -> Result<()> {
        let manifest = self.manifest();
        count_with_manifest(&self.stores, &self.work, &manifest, part, &self.count).await?;
        Ok(())
    }

    async fn reducers(&self) -> Result<Vec<String>> {
        let reducers = self.manifest().reducers.unwrap_or(0);
        Ok(crate::shuffle::reducer_ids(reducers))
    }

    async fn reduce(&self, reducer: &str) -> Result<()> {
        let manifest = self.manifest();
        let work = &self.work;
        reduce_with_manifest(&self.stores, work, &manifest, reducer, &self.reduce).await?;
        Ok(())
    }

    async fn merge(&self) -> Result<MergeResult> {
        let manifest = self.manifest();
        let (parts, job) = (manifest.parts.len(), manifest.job_id.as_str());
        let merged = merge_job(&self.stores, &self.work, Some(parts), Some(job)).await?;
        let result = MergeResult {
            result: merged.result.clone(),
            mode: merged.mode,
        };
        *self.merged.lock().expect("not poisoned") = Some(merged);
        Ok(result)
    }
}

/// A finished in-process run.
#[derive(Debug, Clone)]
pub struct InProcessRun {
    /// Everything merge produced.
    pub merged: Merged,
    /// How long each step took.
    pub stats: RunStats,
}

/// Runs split, every count (`jobs` at once) and merge in this process,
/// silently and without retries: the pipeline as one library call.
pub async fn run_in_process(
    stores: &Stores,
    input: &Location,
    work: &Location,
    options: &RunOptions,
) -> Result<InProcessRun> {
    let exec = InProcess::at(stores, Inputs::one(input.clone()), work.clone(), options);
    let outcome = super::run(&exec, options.jobs, Retry::NONE, &()).await?;
    Ok(InProcessRun {
        merged: exec.merged().expect("merge ran"),
        stats: outcome.stats,
    })
}
