//! The process executor: the DAG run locally the way Argo runs it.
//!
//! Each task is a child process of a step binary (`logcount-split`,
//! `logcount-count`, `logcount-merge`) with no arguments and the environment
//! of [`step_env`] — the template the workflow generator writes into every
//! container — rendered with this run's values, plus what the job counts
//! ([`counting_env`]) for split and the count tuning for count. Split's
//! stdout is parsed as the `withParam` list; merge's result is read from the
//! file its `RESULT_COPY` names (Argo's output parameter) and must equal its
//! stdout (`outputs.result`).
//!
//! Credentials are not rendered: the children inherit this process's
//! environment (`AWS_*`, `OSS_*`), as a pod gets them from the secret. A
//! child that exits with [`EXIT_BAD_INPUT`] fails with an error that is not
//! transient, so it is not retried. Children are killed when the run is
//! dropped.

use super::{Executor, MergeResult, PartTask, RunPlan};
use crate::error::{Error, Result};
use crate::named::Named;
use crate::spec::env::{
    self, counting_env, step_env, EnvSource, Param, Step, EXIT_BAD_INPUT, STEP_VARS,
};
use crate::spec::Mode;
use crate::steps::count::CountOptions;
use crate::store::Stores;
use crate::wire::{KeywordCounts, Manifest};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;

/// Runs the steps as child processes of the step binaries.
#[derive(Debug)]
pub struct ChildProcesses {
    stores: Stores,
    bin_dir: PathBuf,
    input: String,
    work: String,
    /// NUM_PARTS, when the run fixes the number of parts.
    parts: Option<usize>,
    /// PART_SIZE, when the run sizes parts by bytes.
    part_size: Option<u64>,
    /// `(KEYWORDS, list)`, or `(KEYWORDS_FILE, a file in scratch)` when a
    /// keyword holds a comma.
    keywords: (&'static str, String),
    split_env: Vec<(&'static str, String)>,
    count_env: Vec<(&'static str, String)>,
    reduce_env: Vec<(&'static str, String)>,
    scratch: Scratch,
    manifest: Mutex<Option<Manifest>>,
}

/// A private directory for the run's result copy and keywords file,
/// removed when the run ends.
#[derive(Debug)]
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl ChildProcesses {
    /// An executor for `plan`, running the binaries found in `bin_dir`.
    pub fn new(stores: &Stores, plan: &RunPlan, bin_dir: PathBuf) -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let scratch =
            std::env::temp_dir().join(format!("logcount-run-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&scratch)?;
        let scratch = Scratch(scratch);
        let split = &plan.options.split;
        let keywords = split
            .counting
            .keywords()
            .cloned()
            .unwrap_or_else(crate::keywords::Keywords::default_set);
        let keywords = match keywords.to_list() {
            Some(list) => (env::KEYWORDS, list),
            None => {
                let file = scratch.0.join("keywords.txt");
                let mut body = keywords.names().join("\n");
                body.push('\n');
                std::fs::write(&file, body)?;
                (env::KEYWORDS_FILE, file.display().to_string())
            }
        };
        let mut split_env = counting_env(&split.counting);
        if let Some(r) = split.reducers {
            split_env.push((env::REDUCERS, r.to_string()));
        }
        if split.materialize {
            split_env.push((env::MATERIALIZE, "true".into()));
        }
        let max_parts = split.part_size.map(|_| split.max_parts);
        split_env.extend(env::dataset_env(max_parts, split.group_by, &split.filters)?);
        Ok(ChildProcesses {
            stores: stores.clone(),
            bin_dir,
            // Split's INPUT holds several inputs one a line.
            input: plan.inputs.join("\n"),
            work: plan.work.clone(),
            // Sized by bytes, or at least a part per group: split decides.
            parts: (split.part_size.is_none() && split.group_by.is_none()).then_some(split.parts),
            part_size: split.part_size,
            keywords,
            split_env,
            count_env: tuning_env(&plan.options.count),
            reduce_env: vec![(env::TOP, plan.options.reduce.top.to_string())],
            scratch,
            manifest: Mutex::new(None),
        })
    }

    /// The step binaries' directory: `LOGCOUNT_BIN_DIR`, else the running executable's.
    pub fn default_bin_dir() -> Result<PathBuf> {
        if let Some(dir) = std::env::var_os(env::BIN_DIR) {
            return Ok(PathBuf::from(dir));
        }
        let exe = std::env::current_exe()?;
        Ok(exe.parent().map(Path::to_path_buf).unwrap_or_default())
    }

    fn result_copy(&self) -> PathBuf {
        self.scratch.0.join("result.json")
    }

    /// The environment of one task: the step template with this run's values.
    pub fn render_env(&self, step: Step, part_id: Option<&str>) -> Vec<(String, String)> {
        let mut vars = Vec::new();
        for var in step_env(step, None) {
            let (name, value) = match var.source {
                EnvSource::Param(Param::Input) => (var.name, self.input.clone()),
                EnvSource::Param(Param::Work) => (var.name, self.work.clone()),
                // Sized by bytes: no fixed number for split to cut or merge to expect.
                EnvSource::Param(Param::Parts) => match self.parts {
                    Some(n) => (var.name, n.to_string()),
                    None => continue,
                },
                EnvSource::Param(Param::PartSize) => match self.part_size {
                    Some(n) => (var.name, n.to_string()),
                    None => continue,
                },
                EnvSource::Param(Param::Keywords) => self.keywords.clone(),
                EnvSource::PartId => (var.name, part_id.expect("count has a part id").into()),
                // `logcount-reduce --list` runs before there are ids.
                EnvSource::ReducerId => match part_id {
                    Some(id) => (var.name, id.into()),
                    None => continue,
                },
                EnvSource::ResultCopy => (var.name, self.result_copy().display().to_string()),
                EnvSource::Secret { .. } => continue,
            };
            vars.push((name.to_string(), value));
        }
        let extra = match step {
            Step::Split => &self.split_env,
            Step::Count => &self.count_env,
            Step::Reduce => &self.reduce_env,
            Step::Merge => return vars,
        };
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        vars
    }

    /// Runs one task once; returns its stdout.
    async fn run_once(&self, step: Step, what: &str, part_id: Option<&str>) -> Result<String> {
        self.run_with_args(step, what, part_id, &[]).await
    }

    /// Runs one task once with `args`; returns its stdout.
    async fn run_with_args(
        &self,
        step: Step,
        what: &str,
        part_id: Option<&str>,
        args: &[&str],
    ) -> Result<String> {
        let bin = self.bin_dir.join(step.binary());
        let mut cmd = tokio::process::Command::new(&bin);
        cmd.args(args);
        for v in STEP_VARS {
            cmd.env_remove(v);
        }
        // Steps print their contract here, whatever format the user asked of `run`.
        cmd.env_remove(env::FORMAT);
        cmd.envs(self.render_env(step, part_id))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        die_with_parent(&mut cmd);
        let out = cmd.output().await.map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "{what}: cannot run {} ({e}); build it, or set {}",
                    bin.display(),
                    env::BIN_DIR
                ),
            )
        })?;
        if out.status.success() {
            // Lossy: words mode's merge prints words' raw bytes (checked against the result copy).
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        tail.reverse();
        let how = match out.status.code() {
            Some(code) => format!("exit code {code}"),
            None => {
                use std::os::unix::process::ExitStatusExt;
                format!("killed by signal {}", out.status.signal().unwrap_or(0))
            }
        };
        let reason = format!("{} failed ({how}): {}", step.binary(), tail.join(" | "));
        Err(if out.status.code() == Some(EXIT_BAD_INPUT) {
            Error::invalid(what.to_string(), reason)
        } else {
            Error::Io(std::io::Error::other(format!("{what}: {reason}")))
        })
    }
}

/// Makes the child die with this process, even when it is killed with
/// SIGKILL (no destructor runs then, so `kill_on_drop` cannot help): a
/// killed `logcount run` leaves no count writing into the work prefix of the
/// next run.
#[cfg(target_os = "linux")]
fn die_with_parent(cmd: &mut tokio::process::Command) {
    let parent = std::process::id();
    // SAFETY: the closure runs in the child between fork and exec and calls
    // only async-signal-safe functions (prctl, getppid).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() as u32 != parent {
                return Err(std::io::Error::other("the orchestrator is gone"));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_cmd: &mut tokio::process::Command) {}

/// The count step's tuning, as its variables.
fn tuning_env(count: &CountOptions) -> Vec<(&'static str, String)> {
    vec![
        (env::BLOCK_SIZE, count.block_size.to_string()),
        (env::FETCH_CONCURRENCY, count.fetch_concurrency.to_string()),
        (env::STRATEGY, count.strategy.name().to_string()),
        (env::MEMORY, count.memory.to_string()),
        (env::READ, count.read.name().to_string()),
    ]
}

impl Executor for ChildProcesses {
    fn name(&self) -> &'static str {
        "process"
    }

    async fn split(&self) -> Result<Vec<PartTask>> {
        let stdout = self.run_once(Step::Split, "split", None).await?;
        let ids: Vec<String> = serde_json::from_str(stdout.trim()).map_err(|e| {
            Error::invalid(
                "split's output",
                format!("not a JSON list of part ids ({e}): {stdout:.200}"),
            )
        })?;
        // The manifest gives each part's size, for progress; its ids must be what split printed.
        let work = self.stores.open(&self.work)?;
        let manifest = crate::steps::read_manifest(&work).await?;
        if manifest.part_ids() != ids {
            return Err(Error::invalid(
                "split's output",
                format!(
                    "it printed {} ids, not the manifest's {} parts",
                    ids.len(),
                    manifest.parts.len()
                ),
            ));
        }
        let parts = PartTask::all(&manifest);
        *self.manifest.lock().expect("not poisoned") = Some(manifest);
        Ok(parts)
    }

    async fn count(&self, part: &str) -> Result<()> {
        let what = format!("count part {part}");
        self.run_once(Step::Count, &what, Some(part)).await?;
        Ok(())
    }

    async fn reducers(&self) -> Result<Vec<String>> {
        let words = self
            .manifest
            .lock()
            .expect("not poisoned")
            .as_ref()
            .is_some_and(|m| m.reducers.is_some());
        if !words {
            return Ok(Vec::new());
        }
        // As the workflow's `reducers` task: the ids, a JSON list on stdout.
        let stdout = self
            .run_with_args(Step::Reduce, "list reducers", None, &["--list"])
            .await?;
        serde_json::from_str(stdout.trim()).map_err(|e| {
            Error::invalid(
                "logcount-reduce --list",
                format!("not a JSON list of reducer ids ({e}): {stdout:.200}"),
            )
        })
    }

    async fn reduce(&self, reducer: &str) -> Result<()> {
        let what = format!("reducer {reducer}");
        self.run_once(Step::Reduce, &what, Some(reducer)).await?;
        Ok(())
    }

    async fn merge(&self) -> Result<MergeResult> {
        let stdout = self.run_once(Step::Merge, "merge", None).await?;
        let (mode, job_id) = match &*self.manifest.lock().expect("not poisoned") {
            Some(m) => (m.counting.mode(), m.job_id.clone()),
            None => (Mode::Keywords, String::new()),
        };
        // The merge child read whatever manifest the prefix held: it must still be this run's.
        let work = self.stores.open(&self.work)?;
        let now = crate::steps::read_manifest(&work).await?;
        crate::steps::merge::check_same_job(&work, &now, &job_id)?;
        let copy_path = self.result_copy();
        let copy = std::fs::read(&copy_path)?;
        let copied: KeywordCounts = serde_json::from_slice(&copy).map_err(|e| {
            Error::invalid(
                "merge's result copy",
                format!("{} ({e})", copy_path.display()),
            )
        })?;
        let printed_matches = match mode {
            // Merge printed `word count` lines; result.json (its copy) holds them all.
            Mode::Words => {
                let mut lines = Vec::new();
                copied.write_word_lines(&mut lines, None)?;
                String::from_utf8_lossy(&lines) == stdout
            }
            Mode::Keywords => {
                let printed: KeywordCounts = serde_json::from_str(stdout.trim()).map_err(|e| {
                    Error::invalid(
                        "merge's output",
                        format!("not a result ({e}): {stdout:.200}"),
                    )
                })?;
                printed == copied
            }
        };
        if !printed_matches {
            return Err(Error::invalid(
                "merge's result",
                "the RESULT_COPY file differs from stdout",
            ));
        }
        Ok(MergeResult {
            result: copied,
            mode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keywords::Keywords;
    use crate::run::{Retry, RunOptions};
    use crate::spec::Counting;
    use crate::steps::split::SplitOptions;

    fn plan(counting: Counting) -> RunPlan {
        RunPlan {
            inputs: vec!["in.log".into()],
            work: "w".into(),
            options: RunOptions {
                reduce: Default::default(),
                split: SplitOptions {
                    parts: 7,
                    counting,
                    materialize: false,
                    ..Default::default()
                },
                count: CountOptions {
                    strategy: crate::engine::StrategyKind::AhoOverlapping,
                    ..CountOptions::default()
                },
                jobs: 2,
            },
            retry: Retry::default(),
        }
    }

    #[test]
    fn env_is_the_argo_template_with_values() {
        let k = Keywords::parse_list("A,B").unwrap();
        let counting = Counting::for_keywords(k, Default::default(), None);
        let run = ChildProcesses::new(&Stores::new(), &plan(counting), "/bin".into()).unwrap();
        let names = |env: Vec<(String, String)>| {
            env.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(run.render_env(Step::Split, None)),
            ["INPUT=in.log", "WORK_DIR=w", "NUM_PARTS=7", "KEYWORDS=A,B"]
        );
        assert_eq!(
            names(run.render_env(Step::Count, Some("3"))),
            [
                "WORK_DIR=w",
                "PART_ID=3",
                "LOGCOUNT_BLOCK_SIZE=4194304",
                "LOGCOUNT_FETCH_CONCURRENCY=4",
                "LOGCOUNT_STRATEGY=aho-overlapping",
                "LOGCOUNT_MEMORY=1073741824",
                "LOGCOUNT_READ=pread"
            ]
        );
        let copy = run.result_copy().display().to_string();
        assert_eq!(
            names(run.render_env(Step::Merge, None)),
            [
                "WORK_DIR=w".to_string(),
                "NUM_PARTS=7".into(),
                format!("RESULT_COPY={copy}")
            ]
        );
        // Every variable the Argo template sets is set here, by the same name.
        for step in Step::ALL {
            let local: Vec<String> = run
                .render_env(step, Some("0"))
                .into_iter()
                .map(|(k, _)| k)
                .collect();
            for v in step_env(step, None) {
                // Split is sized one way: NUM_PARTS here, so PART_SIZE is left out.
                if step == Step::Split && v.name == env::PART_SIZE {
                    assert!(!local.iter().any(|k| k == v.name));
                    continue;
                }
                assert!(local.iter().any(|k| k == v.name), "{step:?} {}", v.name);
            }
        }
    }

    #[test]
    fn a_run_sized_by_bytes_passes_part_size_and_max_parts_not_num_parts() {
        let k = Keywords::parse_list("A").unwrap();
        let mut plan = plan(Counting::for_keywords(k, Default::default(), None));
        plan.options.split.part_size = Some(1 << 20);
        plan.options.split.max_parts = 9;
        let run = ChildProcesses::new(&Stores::new(), &plan, "/bin".into()).unwrap();
        let split = run.render_env(Step::Split, None);
        assert!(split.contains(&(env::PART_SIZE.into(), "1048576".into())));
        assert!(split.contains(&(env::MAX_PARTS.into(), "9".into())));
        assert!(!split.iter().any(|(k, _)| k == env::NUM_PARTS));
        // Merge learns the number of parts from the manifest, not from the run.
        let merge = run.render_env(Step::Merge, None);
        assert!(!merge.iter().any(|(k, _)| k == env::NUM_PARTS));
    }

    #[test]
    fn keywords_that_hold_a_comma_travel_in_a_file_and_options_as_env() {
        let k = Keywords::parse_file(b"a,b\nc\n").unwrap();
        let matching = crate::engine::MatchOptions {
            ignore_case: false,
            whole_word: true,
        };
        let counting = Counting::for_keywords(k.clone(), matching, None);
        let run = ChildProcesses::new(&Stores::new(), &plan(counting), "/bin".into()).unwrap();
        let split = run.render_env(Step::Split, None);
        assert!(!split.iter().any(|(k, _)| k == env::KEYWORDS));
        let (_, file) = split
            .iter()
            .find(|(k, _)| k == env::KEYWORDS_FILE)
            .expect("a keywords file");
        let read = Keywords::parse_file(&std::fs::read(file).unwrap()).unwrap();
        assert_eq!(read, k);
        assert!(split.contains(&(env::WHOLE_WORD.into(), "true".into())));
        let scratch = run.scratch.0.clone();
        drop(run);
        assert!(!scratch.exists(), "the scratch directory is removed");
    }
}
