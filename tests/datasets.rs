//! A dataset with nested folders, shaped by split: parts by size (the
//! number of parts as predicted), `--group-by dir:1`, `dir:2` and `object`
//! (no part mixes two groups; `groups.json` adds up to `result.json`), and
//! `--include` / `--exclude`, checked against an oracle in Python that walks
//! the same files with its own rules (`fnmatch`, `gzip`, `bytes.count`). One
//! generic suite, run on `file://`, `memory://` and S3.
//!
//! Without python3 the suite says so and skips (fails under `CI=true`).

use crate::common::Backend;
use logcount::keywords::Keywords;
use logcount::run::{run_in_process, RunOptions};
use logcount::spec::dataset::{Filters, GroupBy};
use logcount::steps::count::CountOptions;
use logcount::steps::split::SplitOptions;
use logcount::wire::{GroupsFile, Manifest};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::Command;

/// The dataset: keys under the input prefix and their contents. Sizes are
/// uneven so that parts by size differ per group; one object is gzip, one
/// is a marker file with a keyword in it, one sits directly under the prefix.
fn dataset() -> Vec<(&'static str, Vec<u8>)> {
    let gen = |bytes: u64, seed: u64| logcount::gen::generate(bytes, seed);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&gen(90_000, 5)).unwrap();
    vec![
        ("service=api/2024/01/a.log", gen(310_000, 1)),
        ("service=api/2024/02/b.log", gen(205_000, 2)),
        ("service=api/c.log", gen(52_000, 3)),
        ("service=db/2024/01/d.log", gen(123_000, 4)),
        ("service=db/_SUCCESS", b"INFO marker\n".to_vec()),
        ("service=web/e.log.gz", gz.finish().unwrap()),
        ("debug/x.log", gen(40_000, 6)),
        ("top.log", gen(11_000, 7)),
    ]
}

/// One shaping of the dataset.
struct Case {
    part_size: Option<u64>,
    group_by: Option<&'static str>,
    include: &'static [&'static str],
    exclude: &'static [&'static str],
}

const CASES: &[Case] = &[
    // Parts by size at several sizes, plain objects only: N is predicted.
    Case {
        part_size: Some(1 << 20),
        group_by: None,
        include: &["*.log"],
        exclude: &[],
    },
    Case {
        part_size: Some(100_000),
        group_by: None,
        include: &["*.log"],
        exclude: &[],
    },
    Case {
        part_size: Some(64 << 10),
        group_by: Some("dir:1"),
        include: &["*.log"],
        exclude: &[],
    },
    Case {
        part_size: Some(30_000),
        group_by: Some("dir:2"),
        include: &["*.log"],
        exclude: &[],
    },
    Case {
        part_size: Some(150_000),
        group_by: Some("object"),
        include: &["*.log"],
        exclude: &[],
    },
    // Everything, the gzip object and the marker included.
    Case {
        part_size: None,
        group_by: Some("dir:1"),
        include: &[],
        exclude: &[],
    },
    Case {
        part_size: None,
        group_by: Some("object"),
        include: &[],
        exclude: &[],
    },
    // Include and exclude together; a glob with a '/' matches the whole key.
    Case {
        part_size: Some(128 << 10),
        group_by: Some("dir:2"),
        include: &["*.log", "*.gz"],
        exclude: &["debug/**", "_SUCCESS"],
    },
    Case {
        part_size: None,
        group_by: None,
        include: &[],
        exclude: &["*.gz", "service=api/**"],
    },
];

const ORACLE: &str = r#"
import fnmatch, gzip, json, math, os, sys
root, spec = sys.argv[1], json.loads(sys.argv[2])
kws = [k.encode() for k in spec["keywords"]]

def matches(pat, key):
    # A glob without '/' names a file at any depth; one with '/' the whole key.
    return fnmatch.fnmatchcase(key if "/" in pat else key.rsplit("/", 1)[-1], pat)

def group(key):
    by = spec["group_by"]
    if by is None:
        return None
    if by == "object":
        return key
    depth = int(by.split(":")[1]) if ":" in by else 1
    folders = key.split("/")[:-1]
    return "/".join(folders[:depth]) if folders else "."

keys = []
for d, _, files in os.walk(root):
    for f in files:
        keys.append(os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/"))
totals, lines, groups = [0] * len(kws), 0, {}
for key in sorted(keys):
    if spec["include"] and not any(matches(p, key) for p in spec["include"]):
        continue
    if any(matches(p, key) for p in spec["exclude"]):
        continue
    raw = open(os.path.join(root, key), "rb").read()
    text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    n = text.count(b"\n") + (1 if text and not text.endswith(b"\n") else 0)
    counts = [text.count(k) for k in kws]
    totals = [a + b for a, b in zip(totals, counts)]
    lines += n
    g = groups.setdefault(group(key), {"bytes": 0, "lines": 0, "counts": [0] * len(kws)})
    g["bytes"] += len(raw)
    g["lines"] += n
    g["counts"] = [a + b for a, b in zip(g["counts"], counts)]
size = spec["part_size"]
parts = None
if size is not None:
    parts = sum(max(1, math.ceil(g["bytes"] / size)) for g in groups.values())
print(json.dumps({"totals": totals, "lines": lines, "parts": parts,
                  "groups": groups if spec["group_by"] else None}))
"#;

/// What the oracle says of `case` over the files under `root`, or `None`
/// (with the reason printed) when python3 is absent.
fn oracle(root: &Path, case: &Case, keywords: &[&str]) -> Option<Value> {
    let spec = serde_json::json!({
        "keywords": keywords,
        "part_size": case.part_size,
        "group_by": case.group_by,
        "include": case.include,
        "exclude": case.exclude,
    });
    let out = match Command::new("python3")
        .args(["-c", ORACLE])
        .arg(root)
        .arg(spec.to_string())
        .output()
    {
        Ok(o) => o,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("python3 is needed for the dataset oracle under CI=true: {e}")
        }
        Err(e) => {
            eprintln!("SKIPPED the dataset suite: no python3 ({e})");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "the oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

fn strings(globs: &[&str]) -> Vec<String> {
    globs.iter().map(|g| g.to_string()).collect()
}

fn options(case: &Case, keywords: &Keywords) -> RunOptions {
    RunOptions {
        reduce: Default::default(),
        split: SplitOptions {
            // Without a part size, a fixed count (spread over the groups).
            parts: 4,
            part_size: case.part_size,
            group_by: case.group_by.map(|g| g.parse::<GroupBy>().unwrap()),
            filters: Filters::new(&strings(case.include), &strings(case.exclude)).unwrap(),
            counting: logcount::spec::Counting::for_keywords(
                keywords.clone(),
                Default::default(),
                None,
            ),
            ..Default::default()
        },
        count: CountOptions::default(),
        jobs: 3,
    }
}

/// Every case: totals and lines as the oracle's, the parts as predicted,
/// no part mixing two groups, and groups that match the oracle's and add
/// up to the totals.
async fn shaped_datasets(b: &Backend) {
    let local = tempfile::tempdir().unwrap();
    for (key, data) in dataset() {
        b.put(&format!("ds/{key}"), &data).await;
        let path = local.path().join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
    let names = ["INFO", "WARN", "ERROR", "DEBUG"];
    let keywords = Keywords::parse_list(&names.join(",")).unwrap();
    let input = b.stores.open(&b.url("ds/")).unwrap();
    for (i, case) in CASES.iter().enumerate() {
        let what = format!(
            "{}: part size {:?}, group by {:?}, include {:?}, exclude {:?}",
            b.name, case.part_size, case.group_by, case.include, case.exclude
        );
        let Some(want) = oracle(local.path(), case, &names) else {
            return;
        };
        let work = b.stores.open(&b.url(&format!("w{i}/"))).unwrap();
        let out = run_in_process(&b.stores, &input, &work, &options(case, &keywords))
            .await
            .unwrap_or_else(|e| panic!("{what}: {e:#}"));
        let totals: Vec<u64> = out.merged.result.values().collect();
        assert_eq!(serde_json::json!(totals), want["totals"], "{what}");
        assert_eq!(serde_json::json!(out.merged.lines), want["lines"], "{what}");
        if let Some(n) = want["parts"].as_u64() {
            assert_eq!(out.merged.parts as u64, n, "{what}: the parts predicted");
        }
        let manifest: Manifest =
            serde_json::from_slice(&b.get(&format!("w{i}/manifest.json")).await).unwrap();
        let groups_file = b.get_opt(&format!("w{i}/groups.json")).await;
        let Some(by) = case.group_by else {
            assert!(
                groups_file.is_none(),
                "{what}: groups.json without --group-by"
            );
            continue;
        };
        let by: GroupBy = by.parse().unwrap();
        // No part mixes two groups, and each part names its own.
        for part in &manifest.parts {
            let group = part
                .group
                .as_deref()
                .expect("a grouped part names its group");
            for seg in &part.segments {
                let key = manifest.objects[seg.object]
                    .path
                    .strip_prefix(&format!("{}ds/", path_of(&b.base)))
                    .unwrap_or_else(|| {
                        panic!("{what}: {} outside ds/", manifest.objects[seg.object].path)
                    });
                assert_eq!(
                    by.group_of(key),
                    group,
                    "{what}: part {} mixes groups",
                    part.id
                );
            }
        }
        let groups: GroupsFile = serde_json::from_slice(
            &groups_file.unwrap_or_else(|| panic!("{what}: no groups.json")),
        )
        .unwrap();
        assert_eq!(groups.group_by, by);
        let want_groups = want["groups"].as_object().unwrap();
        assert_eq!(groups.groups.len(), want_groups.len(), "{what}: {groups:?}");
        let mut sum = vec![0u64; names.len()];
        let mut parts = 0;
        for g in &groups.groups {
            let w = &want_groups[&g.group];
            let counts: Vec<u64> = g.counts.values().collect();
            assert_eq!(
                serde_json::json!(counts),
                w["counts"],
                "{what}: group {}",
                g.group
            );
            assert_eq!(
                serde_json::json!(g.bytes),
                w["bytes"],
                "{what}: group {}",
                g.group
            );
            assert_eq!(
                serde_json::json!(g.lines),
                w["lines"],
                "{what}: group {}",
                g.group
            );
            assert!(g.parts >= 1);
            if let Some(size) = case.part_size {
                let predicted = g.bytes.div_ceil(size).max(1) as usize;
                assert_eq!(g.parts, predicted, "{what}: group {}", g.group);
            }
            parts += g.parts;
            sum.iter_mut().zip(&counts).for_each(|(s, c)| *s += c);
        }
        assert_eq!(sum, totals, "{what}: the groups add up to the totals");
        assert_eq!(parts, out.merged.parts, "{what}");
        // The report shows a row per group and finds they add up.
        let page =
            logcount::report::render(&logcount::report::load::load(&work, 30).await.unwrap());
        assert!(page.contains("The groups add up to the totals."), "{what}");
        for g in &groups.groups {
            let name = logcount::report::html::esc(&g.group);
            assert!(
                page.contains(&format!("data-group=\"{name}\"")),
                "{what}: {name}"
            );
        }
        // result.json keeps the reference's shape: the totals alone.
        let result: Value =
            serde_json::from_slice(&b.get(&format!("w{i}/result.json")).await).unwrap();
        let want_result: serde_json::Map<String, Value> = names
            .iter()
            .zip(&totals)
            .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
            .collect();
        assert_eq!(result, Value::Object(want_result), "{what}");
    }
}

/// Filters that leave nothing: a bad-input error naming the prefix and the filters.
async fn filters_that_match_nothing(b: &Backend) {
    b.put("none/app.log", b"INFO\n").await;
    let input = b.stores.open(&b.url("none/")).unwrap();
    let work = b.stores.open(&b.url("wnone/")).unwrap();
    let case = Case {
        part_size: None,
        group_by: None,
        include: &["*.gz"],
        exclude: &["_SUCCESS"],
    };
    let err = run_in_process(
        &b.stores,
        &input,
        &work,
        &options(&case, &Keywords::default_set()),
    )
    .await
    .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        !err.is_transient(),
        "bad input, not a storage failure: {text}"
    );
    assert!(text.contains("none"), "names the prefix: {text}");
    assert!(
        text.contains("*.gz") && text.contains("_SUCCESS"),
        "names the filters: {text}"
    );
}

/// The path part of a backend's base URL (what a manifest's object paths start with).
fn path_of(base: &str) -> String {
    let url = url::Url::parse(base).unwrap();
    url.path().trim_start_matches('/').to_string()
}

suite!(file: Backend::file(); shaped_datasets, filters_that_match_nothing);
suite!(memory: Backend::memory(); shaped_datasets, filters_that_match_nothing);
suite!(s3: Backend::s3(); shaped_datasets, filters_that_match_nothing);
