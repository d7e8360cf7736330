//! Reading a finished run's files from its work prefix into a [`RunReport`].
//!
//! The manifest is read as plain JSON so that fields added by newer
//! features (match options, modes, time buckets, compression) are shown
//! when present and never refused; every file is decoded as lossy UTF-8.

use super::{ObjectRow, PartOutput, PartRow, RunInputs, RunReport, Timeline};
use crate::error::{Error, Result};
use crate::wire::{KeywordCounts, COUNT_DIR, MANIFEST_FILE, RESULT_FILE};
use crate::store::{self, Location};
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;

/// The time series `--by` writes next to `result.json`.
pub const TIMELINE_FILE: &str = "timeline.json";

/// Count outputs read at once.
const READ_CONCURRENCY: usize = 64;

/// Reads an object, `None` when it does not exist.
async fn read_opt(loc: &Location) -> Result<Option<Vec<u8>>> {
    match store::read_all(loc).await {
        Ok(b) => Ok(Some(b.to_vec())),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

fn parse<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &'static str,
    loc: &Location,
) -> Result<T> {
    serde_json::from_str(&String::from_utf8_lossy(bytes)).map_err(|e| Error::Corrupt {
        what,
        url: loc.url.to_string(),
        reason: e.to_string(),
    })
}

/// Reads everything the report shows from `work`. A missing `result.json`
/// is bad input ("run merge first"); a missing `timeline.json` or count
/// output is shown as absent.
pub async fn load(work: &Location, top: usize) -> Result<RunReport> {
    let mloc = work.join(MANIFEST_FILE);
    let Some(mbytes) = read_opt(&mloc).await? else {
        return Err(Error::invalid(
            format!("work prefix {}", work.url),
            format!(
                "{} does not exist; run split, count and merge first",
                mloc.url
            ),
        ));
    };
    let manifest: Value = parse(&mbytes, "manifest", &mloc)?;
    let corrupt = |reason: String| Error::Corrupt {
        what: "manifest",
        url: mloc.url.to_string(),
        reason,
    };
    let run = inputs(&manifest).map_err(corrupt)?;
    let parts = part_plan(&manifest).map_err(corrupt)?;

    let rloc = work.join(RESULT_FILE);
    let Some(rbytes) = read_opt(&rloc).await? else {
        return Err(Error::invalid(
            format!("work prefix {}", work.url),
            format!("{} does not exist; run merge first", rloc.url),
        ));
    };
    let result: KeywordCounts = parse(&rbytes, "result", &rloc)?;

    let tloc = work.join(TIMELINE_FILE);
    let timeline: Option<Timeline> = match read_opt(&tloc).await? {
        Some(b) => Some(parse(&b, "timeline", &tloc)?),
        None => None,
    };

    let job_id = run.job_id.clone();
    let parts: Vec<PartRow> = futures::stream::iter(parts)
        .map(|(id, planned_bytes)| {
            let job_id = job_id.clone();
            async move {
                let loc = work.join(&format!("{COUNT_DIR}/{id}.json"));
                let output = match read_opt(&loc).await? {
                    Some(b) => Some(part_output(&parse(&b, "count output", &loc)?, &job_id)),
                    None => None,
                };
                Ok::<_, Error>(PartRow {
                    id,
                    planned_bytes,
                    output,
                })
            }
        })
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await?;

    Ok(RunReport {
        work: work.url.to_string(),
        run,
        result,
        timeline,
        parts,
        top,
    })
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn u64_of(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

/// Manifest fields the report shows in their own places.
const KNOWN: [&str; 13] = [
    "version",
    "job_id",
    "input",
    "store",
    "objects",
    "keywords",
    "parts",
    "materialized",
    "mode",
    "ignore_case",
    "whole_word",
    "by",
    "top",
];

/// The run's inputs and options from the manifest.
pub(super) fn inputs(m: &Value) -> Result<RunInputs, String> {
    let obj = m.as_object().ok_or("it is not a JSON object")?;
    let objects = m
        .get("objects")
        .and_then(Value::as_array)
        .ok_or("it has no objects list")?
        .iter()
        .map(|o| {
            Ok(ObjectRow {
                path: str_of(o, "path").ok_or("an object has no path")?,
                size: u64_of(o, "size").ok_or("an object has no size")?,
                e_tag: str_of(o, "e_tag"),
                compression: o.get("compression").and_then(|c| match c {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    other => Some(other.to_string()),
                }),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let keywords = m
        .get("keywords")
        .and_then(Value::as_array)
        .map(|k| {
            k.iter()
                .map(|s| {
                    s.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| s.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    let other = obj
        .iter()
        .filter(|(k, _)| !KNOWN.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    Ok(RunInputs {
        job_id: str_of(m, "job_id").ok_or("it has no job_id")?,
        input: str_of(m, "input").ok_or("it has no input")?,
        store: str_of(m, "store").unwrap_or_default(),
        objects,
        keywords,
        mode: str_of(m, "mode").unwrap_or_else(|| "keywords".into()),
        ignore_case: m
            .get("ignore_case")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        whole_word: m
            .get("whole_word")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        by: str_of(m, "by"),
        materialized: m
            .get("materialized")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        other,
    })
}

/// Part ids and planned bytes. Ids name files, so they must be plain names.
pub(super) fn part_plan(m: &Value) -> Result<Vec<(String, u64)>, String> {
    let parts = m
        .get("parts")
        .and_then(Value::as_array)
        .ok_or("it has no parts list")?;
    parts
        .iter()
        .map(|p| {
            let id = str_of(p, "id").ok_or("a part has no id")?;
            let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
            if id.is_empty() || id.len() > 64 || id.starts_with('.') || !id.chars().all(plain) {
                return Err(format!("part id {:?} is not a plain name", short(&id)));
            }
            Ok((id, u64_of(p, "bytes").ok_or("a part has no bytes")?))
        })
        .collect()
}

fn short(s: &str) -> String {
    s.chars().take(64).collect()
}

/// The informational fields of a count output.
pub(super) fn part_output(v: &Value, job_id: &str) -> PartOutput {
    PartOutput {
        bytes: u64_of(v, "bytes").unwrap_or(0),
        lines: u64_of(v, "lines").unwrap_or(0),
        elapsed_ms: u64_of(v, "elapsed_ms").unwrap_or(0),
        strategy: str_of(v, "strategy").unwrap_or_default(),
        same_job: str_of(v, "job_id").as_deref() == Some(job_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_with_new_fields_is_read() {
        let m: Value = serde_json::from_str(
            r#"{"version":1,"job_id":"j","input":"file:///a.log.gz","store":"file:///",
                "objects":[{"path":"a.log.gz","size":10,"e_tag":null,"last_modified":"x","compression":"gzip"}],
                "keywords":["INFO","<w>"],"parts":[{"id":"0","bytes":10,"segments":[]}],
                "materialized":false,"mode":"keywords","ignore_case":true,"whole_word":true,
                "by":"hour","future_field":{"x":1}}"#,
        )
        .unwrap();
        let r = inputs(&m).unwrap();
        assert!(r.ignore_case && r.whole_word);
        assert_eq!(r.by.as_deref(), Some("hour"));
        assert_eq!(r.objects[0].compression.as_deref(), Some("gzip"));
        assert_eq!(r.keywords, ["INFO", "<w>"]);
        assert_eq!(
            r.other,
            [("future_field".to_string(), r#"{"x":1}"#.to_string())]
        );
        assert_eq!(part_plan(&m).unwrap(), [("0".to_string(), 10)]);
    }

    async fn put(work: &Location, name: &str, body: &[u8]) {
        store::write_once(&work.join(name), bytes::Bytes::copy_from_slice(body))
            .await
            .unwrap();
    }

    /// A hand-made finished run in a memory store: lossy UTF-8, a timeline,
    /// a missing count output, a count output of another job.
    #[tokio::test]
    async fn report_reads_a_work_prefix_and_writes_the_page() {
        let stores = crate::store::Stores::new();
        stores.register(
            "memory:///",
            std::sync::Arc::new(object_store::memory::InMemory::new()),
        );
        let work = stores.open("memory:///w/").unwrap();
        put(&work, MANIFEST_FILE, br#"{"version":1,"job_id":"J","input":"memory:///in.log","store":"memory:///",
            "objects":[{"path":"in.log","size":30,"e_tag":"1","last_modified":"t"}],
            "keywords":["INFO","a\u0000b"],"by":"hour",
            "parts":[{"id":"0","bytes":10,"segments":[]},{"id":"1","bytes":15,"segments":[]},{"id":"2","bytes":5,"segments":[]}],
            "materialized":false}"#).await;
        let missing = super::super::report(&work, None, 30).await.unwrap_err();
        assert!(!missing.is_transient());
        assert!(
            missing
                .to_string()
                .contains("result.json does not exist; run merge first"),
            "{missing}"
        );

        put(
            &work,
            RESULT_FILE,
            b"{\"INFO\":12345,\"a\\u0000b\":7,\"bad\xff\":1}",
        )
        .await;
        put(&work, "count-output/0.json", br#"{"version":1,"job_id":"J","part":"0","bytes":10,"lines":2,"counts":{},"strategy":"simd","elapsed_ms":4}"#).await;
        put(&work, "count-output/2.json", br#"{"version":1,"job_id":"OLD","part":"2","bytes":5,"lines":1,"counts":{},"strategy":"memmem","elapsed_ms":1}"#).await;
        put(
            &work,
            TIMELINE_FILE,
            br#"{"version":1,"by":"hour","keywords":["INFO"],
            "buckets":[{"start":"2023-02-29T01:00:00Z","lines":3,"counts":{"INFO":12000}},
                       {"start":"2023-02-29T02:00:00Z","lines":1,"counts":{"INFO":300}}],
            "untimed":{"lines":4,"counts":{"INFO":45}}}"#,
        )
        .await;
        let out = super::super::report(&work, None, 30).await.unwrap();
        assert_eq!(out.url.as_str(), "memory:///w/report.html");
        let page = String::from_utf8(store::read_all(&out).await.unwrap().to_vec()).unwrap();
        assert!(page.contains(r#"data-keyword="INFO" data-value="12345""#));
        assert!(page.contains("12,345"));
        assert!(
            page.contains("a\u{2400}b"),
            "NUL shown as a control picture"
        );
        assert!(page.contains("bad\u{fffd}"), "invalid UTF-8 read lossily");
        assert!(page.contains(r#"data-buckets="2""#));
        assert!(page.contains("Buckets plus untimed add up to the totals."));
        assert!(page.contains(r#"data-part="0" data-bytes="10""#));
        assert!(page.contains("1 part(s) have no count output"));
        assert!(page.contains("(another job's output)"));

        // --out elsewhere.
        let other = stores.open("memory:///reports/r.html").unwrap();
        let out = super::super::report(&work, Some(other), 30).await.unwrap();
        assert_eq!(out.url.as_str(), "memory:///reports/r.html");
        assert!(store::read_all(&out).await.is_ok());
    }

    #[test]
    fn hostile_part_ids_are_refused() {
        for id in ["../x", "", ".hidden", "a/b", "a b"] {
            let m = serde_json::json!({"parts":[{"id":id,"bytes":0}]});
            assert!(part_plan(&m).is_err(), "{id:?}");
        }
    }
}
