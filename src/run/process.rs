//! The process executor: the DAG run locally the way Argo runs it.
//!
//! Each task is a child process of a step binary (`logcount-split`,
//! `logcount-count`, `logcount-merge`) with no arguments and the environment
//! of [`crate::argo::step_env`] — the template the workflow generator writes
//! into every container — rendered with this run's parameter values. Split's
//! stdout is parsed as the `withParam` list; one count runs per item, at most
//! `jobs` at once; merge's result is read from the file its `RESULT_COPY`
//! names (Argo's output parameter) and must equal its stdout (`outputs.result`).
//!
//! Credentials are not rendered: the children inherit this process's
//! environment (`AWS_*`, `OSS_*`), as a pod gets them from the secret.
//! A task that fails is run again with backoff, except on exit code 2 (bad
//! input), which a rerun would repeat. The binaries are found next to the
//! running executable, or in `LOGCOUNT_BIN_DIR`.

use super::progress::Progress;
use super::{retrying, Retry};
use crate::argo::{step_env, EnvSource, Param, Step};
use crate::error::{Error, Result, EXIT_BAD_INPUT};
use crate::manifest::KeywordCounts;
use crate::store::Stores;
use futures::{StreamExt, TryStreamExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

/// The variables of the step binaries that the template does not set; a
/// child must not pick them up from this process's environment.
const STEP_VARS: &[&str] = &[
    "INPUT",
    "WORK_DIR",
    "NUM_PARTS",
    "KEYWORDS",
    "KEYWORDS_FILE",
    "PART_ID",
    "MATERIALIZE",
    "RESULT_COPY",
];

/// Where the keywords come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeywordSource {
    /// The `KEYWORDS` parameter: comma-separated.
    List(String),
    /// A keywords file (path or URL), passed to split as `KEYWORDS_FILE`.
    File(String),
}

/// What the process executor runs.
#[derive(Debug, Clone)]
pub struct ProcessRun {
    /// The directory holding the step binaries.
    pub bin_dir: PathBuf,
    pub input: String,
    pub work: String,
    pub parts: usize,
    pub keywords: KeywordSource,
    /// Maps at once.
    pub jobs: usize,
    pub retry: Retry,
    /// Extra variables for every child (count tuning, `MATERIALIZE`).
    pub extra_env: Vec<(String, String)>,
}

/// What a process run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessOutcome {
    /// The result, as merge printed and wrote it.
    pub result: KeywordCounts,
    /// The part ids split printed.
    pub part_ids: Vec<String>,
    /// The size of split's stdout (Argo keeps at most 256 KiB of a result).
    pub split_stdout_bytes: usize,
    pub input_bytes: u64,
}

/// The step binaries' directory: `LOGCOUNT_BIN_DIR`, else the running executable's.
pub fn bin_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("LOGCOUNT_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe()?;
    Ok(exe.parent().map(Path::to_path_buf).unwrap_or_default())
}

/// The environment of one task: the step template with this run's values.
pub fn render_env(
    step: Step,
    run: &ProcessRun,
    part_id: Option<&str>,
    result_copy: &Path,
) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for var in step_env(step, None) {
        let value = match var.source {
            EnvSource::Param(Param::Input) => run.input.clone(),
            EnvSource::Param(Param::Work) => run.work.clone(),
            EnvSource::Param(Param::Parts) => run.parts.to_string(),
            EnvSource::Param(Param::Keywords) => match &run.keywords {
                KeywordSource::List(k) => k.clone(),
                KeywordSource::File(f) => {
                    env.push(("KEYWORDS_FILE".to_string(), f.clone()));
                    continue;
                }
            },
            EnvSource::PartId => part_id.expect("count has a part id").to_string(),
            EnvSource::ResultCopy => result_copy.display().to_string(),
            EnvSource::Secret { .. } => continue,
        };
        env.push((var.name.to_string(), value));
    }
    env.extend(run.extra_env.iter().cloned());
    env
}

/// Runs one task once; returns its stdout.
async fn run_once(
    run: &ProcessRun,
    step: Step,
    what: &str,
    env: &[(String, String)],
) -> Result<String> {
    let bin = run.bin_dir.join(step.binary());
    let mut cmd = tokio::process::Command::new(&bin);
    for v in STEP_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let out = cmd.output().await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "{what}: cannot run {} ({e}); build it, or set LOGCOUNT_BIN_DIR",
                bin.display()
            ),
        )
    })?;
    if out.status.success() {
        // Lossy: words mode's merge prints words' raw bytes (checked against the result copy).
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr
        .lines()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
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

/// Runs the DAG as child processes.
pub async fn run_processes(
    stores: &Stores,
    run: &ProcessRun,
    progress: &Progress,
) -> Result<ProcessOutcome> {
    let scratch =
        std::env::temp_dir().join(format!("logcount-run-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&scratch)?;
    let result_copy = scratch.join("result.json");
    let outcome = dag(stores, run, progress, &result_copy).await;
    let _ = std::fs::remove_dir_all(&scratch);
    outcome
}

async fn dag(
    stores: &Stores,
    run: &ProcessRun,
    progress: &Progress,
    result_copy: &Path,
) -> Result<ProcessOutcome> {
    // split
    let t = Instant::now();
    progress.begin("split", 1, 0);
    let env = render_env(Step::Split, run, None, result_copy);
    let (stdout, attempts) = retrying(run.retry, progress, "split", || {
        run_once(run, Step::Split, "split", &env)
    })
    .await?;
    let part_ids: Vec<String> = serde_json::from_str(stdout.trim()).map_err(|e| {
        Error::invalid(
            "split's output",
            format!("not a JSON list of part ids ({e}): {stdout:.200}"),
        )
    })?;
    let split_stdout_bytes = stdout.len();
    progress.task_done(0, t.elapsed(), attempts);
    progress.end();

    // The manifest gives each part's size, for progress; its ids must be what split printed.
    let work = stores.open(&run.work)?;
    let manifest = crate::steps::read_manifest(&work).await?;
    if manifest.part_ids() != part_ids {
        return Err(Error::invalid(
            "split's output",
            format!(
                "it printed {} ids, not the manifest's {} parts",
                part_ids.len(),
                manifest.parts.len()
            ),
        ));
    }

    // map: one count per item of split's list
    progress.begin("count", part_ids.len(), manifest.input_bytes());
    futures::stream::iter(&manifest.parts)
        .map(|part| async move {
            let started = Instant::now();
            let what = format!("count part {}", part.id);
            let env = render_env(Step::Count, run, Some(&part.id), result_copy);
            let (_, attempts) = retrying(run.retry, progress, &what, || {
                run_once(run, Step::Count, &what, &env)
            })
            .await?;
            progress.task_done(part.bytes, started.elapsed(), attempts);
            Ok::<_, Error>(())
        })
        .buffer_unordered(run.jobs.max(1))
        .try_for_each(|_| futures::future::ready(Ok(())))
        .await?;
    progress.end();

    // reduce
    let t = Instant::now();
    progress.begin("merge", 1, 0);
    let env = render_env(Step::Merge, run, None, result_copy);
    let (stdout, attempts) = retrying(run.retry, progress, "merge", || {
        run_once(run, Step::Merge, "merge", &env)
    })
    .await?;
    progress.task_done(0, t.elapsed(), attempts);
    progress.end();
    if manifest.mode == crate::manifest::Mode::Words {
        // Merge printed `word count` lines; result.json (its copy) holds them all.
        let copy = std::fs::read(result_copy)?;
        let copied: KeywordCounts = serde_json::from_slice(&copy).map_err(|e| {
            Error::invalid(
                "merge's result copy",
                format!("{} ({e})", result_copy.display()),
            )
        })?;
        let mut lines = Vec::new();
        crate::words::write_result_lines(&mut lines, &copied, None)?;
        if String::from_utf8_lossy(&lines) != stdout {
            return Err(Error::invalid(
                "merge's result",
                "the RESULT_COPY file differs from stdout",
            ));
        }
        return Ok(ProcessOutcome {
            result: copied,
            split_stdout_bytes,
            part_ids,
            input_bytes: manifest.input_bytes(),
        });
    }
    let printed: KeywordCounts = serde_json::from_str(stdout.trim()).map_err(|e| {
        Error::invalid(
            "merge's output",
            format!("not a result ({e}): {stdout:.200}"),
        )
    })?;
    let copy = std::fs::read_to_string(result_copy)?;
    let copied: KeywordCounts = serde_json::from_str(copy.trim()).map_err(|e| {
        Error::invalid(
            "merge's result copy",
            format!("{} ({e})", result_copy.display()),
        )
    })?;
    if copied != printed {
        return Err(Error::invalid(
            "merge's result",
            "the RESULT_COPY file differs from stdout",
        ));
    }
    Ok(ProcessOutcome {
        result: printed,
        split_stdout_bytes,
        part_ids,
        input_bytes: manifest.input_bytes(),
    })
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_is_the_argo_template_with_values() {
        let run = ProcessRun {
            bin_dir: "/bin".into(),
            input: "in.log".into(),
            work: "w".into(),
            parts: 7,
            keywords: KeywordSource::List("A,B".into()),
            jobs: 2,
            retry: Retry::default(),
            extra_env: vec![("LOGCOUNT_STRATEGY".into(), "aho".into())],
        };
        let rc = Path::new("/tmp/r.json");
        let get = |step, part| render_env(step, &run, part, rc);
        let names = |env: &[(String, String)]| {
            env.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&get(Step::Split, None)),
            [
                "INPUT=in.log",
                "WORK_DIR=w",
                "NUM_PARTS=7",
                "KEYWORDS=A,B",
                "LOGCOUNT_STRATEGY=aho"
            ]
        );
        assert_eq!(
            names(&get(Step::Count, Some("3"))),
            ["WORK_DIR=w", "PART_ID=3", "LOGCOUNT_STRATEGY=aho"]
        );
        assert_eq!(
            names(&get(Step::Merge, None)),
            [
                "WORK_DIR=w",
                "NUM_PARTS=7",
                "RESULT_COPY=/tmp/r.json",
                "LOGCOUNT_STRATEGY=aho"
            ]
        );
        // Every variable the Argo template sets is set here, by the same name.
        for step in Step::ALL {
            let local: Vec<String> = get(step, Some("0")).into_iter().map(|(k, _)| k).collect();
            for v in step_env(step, None) {
                assert!(local.iter().any(|k| k == v.name), "{step:?} {}", v.name);
            }
        }
        let file = ProcessRun {
            keywords: KeywordSource::File("k.txt".into()),
            ..run.clone()
        };
        let split = render_env(Step::Split, &file, None, rc);
        assert!(split.contains(&("KEYWORDS_FILE".into(), "k.txt".into())));
        assert!(!split.iter().any(|(k, _)| k == "KEYWORDS"));
    }
}
