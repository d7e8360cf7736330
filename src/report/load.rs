//! Reading a finished run's files from its work prefix into a [`RunReport`].
//!
//! Every file is read as its [`crate::wire`] type: the manifest exactly as
//! the steps read it ([`read_manifest`]: unknown fields and invalid plans
//! refused), `result.json`, `timeline.json` and the count outputs as
//! [`KeywordCounts`], [`TimelineFile`] and [`CountOutput`]. Those three are
//! decoded as lossy UTF-8, so a damaged byte shows as U+FFFD on the page.

use super::{PartRow, RunReport};
use crate::error::{Error, Result};
use crate::steps::read_manifest;
use crate::store::{self, Location};
use crate::wire::{
    count_output_file, CountOutput, GroupsFile, KeywordCounts, TimelineFile, GROUPS_FILE,
    RESULT_FILE, TIMELINE_FILE,
};
use futures::{StreamExt, TryStreamExt};

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

/// Decodes `bytes` (lossy UTF-8) as `T`; a mismatch is a corrupt `what`.
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

/// Reads everything the report shows from `work`. A missing manifest or
/// `result.json` is bad input ("run merge first"); a missing
/// `timeline.json` or count output is shown as absent.
pub async fn load(work: &Location, top: usize) -> Result<RunReport> {
    let manifest = read_manifest(work).await?;

    let rloc = work.join(RESULT_FILE);
    let Some(rbytes) = read_opt(&rloc).await? else {
        return Err(Error::invalid(
            format!("work prefix {}", work.url),
            format!("{} does not exist; run merge first", rloc.url),
        ));
    };
    let result: KeywordCounts = parse(&rbytes, "result", &rloc)?;

    let tloc = work.join(TIMELINE_FILE);
    let timeline: Option<TimelineFile> = match read_opt(&tloc).await? {
        Some(b) => Some(parse(&b, "timeline", &tloc)?),
        None => None,
    };

    let gloc = work.join(GROUPS_FILE);
    let groups: Option<GroupsFile> = match read_opt(&gloc).await? {
        Some(b) => Some(parse(&b, "groups", &gloc)?),
        None => None,
    };

    let parts: Vec<PartRow> = futures::stream::iter(&manifest.parts)
        .map(|part| async move {
            let loc = work.join(&count_output_file(&part.id));
            let output = match read_opt(&loc).await? {
                Some(b) => Some(parse::<CountOutput>(&b, "count output", &loc)?),
                None => None,
            };
            Ok::<_, Error>(PartRow {
                id: part.id.clone(),
                planned_bytes: part.bytes,
                output,
            })
        })
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await?;

    Ok(RunReport {
        work: work.url.to_string(),
        manifest,
        result,
        timeline,
        groups,
        parts,
        top,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::MANIFEST_FILE;

    /// A work prefix in a fresh memory store.
    fn memory_work() -> (crate::store::Stores, Location) {
        let stores = crate::store::Stores::new();
        stores.register(
            "memory:///",
            std::sync::Arc::new(object_store::memory::InMemory::new()),
        );
        let work = stores.open("memory:///w/").unwrap();
        (stores, work)
    }

    async fn put(work: &Location, name: &str, body: &[u8]) {
        store::write_once(&work.join(name), bytes::Bytes::copy_from_slice(body))
            .await
            .unwrap();
    }

    /// A valid manifest of three parts (10, 15 and 5 bytes of one object);
    /// `extra` is spliced in as further top-level fields.
    fn manifest_json(extra: &str) -> String {
        format!(
            r#"{{"version":1,"job_id":"J","input":"memory:///in.log","store":"memory:///",
            "objects":[{{"path":"in.log","size":30,"e_tag":"1","last_modified":"t"}}],
            "keywords":["INFO","a\u0000b"],"ignore_case":true,"by":"hour",
            "parts":[{{"id":"0","bytes":10,"segments":[{{"object":0,"start":0,"end":10}}]}},
                     {{"id":"1","bytes":15,"segments":[{{"object":0,"start":10,"end":25}}]}},
                     {{"id":"2","bytes":5,"segments":[{{"object":0,"start":25,"end":30}}]}}],
            "materialized":false{extra}}}"#
        )
    }

    /// A hand-made finished run in a memory store: lossy UTF-8, a timeline,
    /// a missing count output, a count output of another job.
    #[tokio::test]
    async fn report_reads_a_work_prefix_and_writes_the_page() {
        let (stores, work) = memory_work();
        put(&work, MANIFEST_FILE, manifest_json("").as_bytes()).await;
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
        // The manifest's options, read through its job spec.
        assert!(page.contains("<th>keywords (2)</th><td><code>INFO</code> <code>a\u{2400}b</code>"));
        assert!(page.contains("<th>ignore case</th><td>yes</td>"));
        assert!(page.contains("<th>whole word</th><td>no</td>"));
        assert!(page.contains("<th>time buckets</th><td>hour</td>"));
        assert!(page.contains("<th>object (1)</th>"));

        // --out elsewhere.
        let other = stores.open("memory:///reports/r.html").unwrap();
        let out = super::super::report(&work, Some(other), 30).await.unwrap();
        assert_eq!(out.url.as_str(), "memory:///reports/r.html");
        assert!(store::read_all(&out).await.is_ok());
    }

    /// The manifest is read as the steps read it: a missing, unknown-field,
    /// corrupt or invalid one is bad input, and nothing is written.
    #[tokio::test]
    async fn bad_manifests_are_refused_as_bad_input() {
        let hostile = manifest_json("").replace(r#""id":"1""#, r#""id":"../x""#);
        let cases: [(Option<String>, &str); 5] = [
            (None, "manifest.json does not exist"),
            (
                Some(manifest_json(r#","future_field":{"x":1}"#)),
                "future_field",
            ),
            (
                Some(manifest_json("").replace(r#""version":1"#, r#""version":9"#)),
                "version 9",
            ),
            (Some("{not json".into()), "is not a valid manifest"),
            (Some(hostile), "is not a plain name"),
        ];
        for (manifest, refused) in cases {
            let (_stores, work) = memory_work();
            if let Some(m) = &manifest {
                put(&work, MANIFEST_FILE, m.as_bytes()).await;
            }
            put(&work, RESULT_FILE, br#"{"INFO":1,"a\u0000b":0}"#).await;
            let e = super::super::report(&work, None, 30).await.unwrap_err();
            assert!(!e.is_transient(), "{e}");
            assert!(e.to_string().contains(refused), "{refused:?} not in: {e}");
            assert!(store::read_all(&work.join(super::super::REPORT_FILE))
                .await
                .is_err());
        }
    }

    #[tokio::test]
    async fn a_count_output_that_is_not_one_is_refused() {
        let (_stores, work) = memory_work();
        put(&work, MANIFEST_FILE, manifest_json("").as_bytes()).await;
        put(&work, RESULT_FILE, br#"{"INFO":1,"a\u0000b":0}"#).await;
        put(&work, "count-output/1.json", br#"{"version":1,"job_id":"J","part":"1","bytes":15,"lines":2,"counts":{},"strategy":"simd","elapsed_ms":4,"extra":0}"#).await;
        let e = load(&work, 30).await.unwrap_err();
        assert!(!e.is_transient());
        let msg = e.to_string();
        assert!(
            msg.contains("count-output/1.json is not a valid count output")
                && msg.contains("extra"),
            "{msg}"
        );
    }
}
