//! Golden files: what a plain job writes and prints, byte for byte — split's
//! stdout, the manifest (its per-run values masked) and `result.json` — for
//! the bundled sample and, when present, the reference workflow's sample.
//! Run with `LOGCOUNT_UPDATE_GOLDEN=1` to rewrite them after a deliberate
//! format change.

use crate::common;

use std::path::{Path, PathBuf};

fn golden_dir() -> PathBuf {
    common::repo_root().join("tests/golden")
}

/// The manifest with what differs between runs masked: the job id, the
/// object's ETag, mtime and ctime, and the work directory's path.
fn masked_manifest(text: &str, dir: &Path) -> String {
    let dir = dir.to_str().unwrap().trim_start_matches('/');
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let key = line.trim_start().split(':').next().unwrap_or("");
        let masked = match key {
            "\"job_id\"" | "\"e_tag\"" | "\"last_modified\"" | "\"changed\"" => {
                let indent = &line[..line.len() - line.trim_start().len()];
                let comma = if line.trim_end().ends_with(',') {
                    ","
                } else {
                    ""
                };
                format!("{indent}{key}: \"<masked>\"{comma}\n")
            }
            _ => line.replace(dir, "<work>"),
        };
        out.push_str(&masked);
    }
    out
}

fn check(name: &str, got: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os("LOGCOUNT_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("golden file {}: {e}", path.display()));
    assert_eq!(got, want, "{name} differs from its golden file");
}

/// Runs the three step binaries as the reference workflow does (env only)
/// on `input`, and compares their outputs with the golden files `<tag>-*`.
fn golden_job(tag: &str, input: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    std::fs::write(work.join("log-count-data.txt"), input).unwrap();
    let step = |name: &str, extra: &[(&str, &str)]| {
        let out = common::step_binary(name, "warn")
            .env("WORK_DIR", work)
            .env("NUM_PARTS", "5")
            .envs(extra.iter().copied())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let ids = step("logcount-split", &[]);
    check(&format!("{tag}-split-stdout.txt"), &ids);
    let manifest = std::fs::read_to_string(work.join("manifest.json")).unwrap();
    check(
        &format!("{tag}-manifest.json"),
        &masked_manifest(&manifest, work),
    );
    let ids: Vec<String> = serde_json::from_str(&ids).unwrap();
    for id in &ids {
        step("logcount-count", &[("PART_ID", id)]);
    }
    let printed = step("logcount-merge", &[]);
    let result = std::fs::read_to_string(work.join("result.json")).unwrap();
    check(&format!("{tag}-result.json"), &result);
    assert_eq!(
        printed.trim_end(),
        result.trim_end(),
        "merge prints result.json"
    );
}

#[test]
fn bundled_sample() {
    let sample = common::repo_root().join("workloads/sample.log");
    golden_job("sample", &std::fs::read(sample).unwrap());
}

#[test]
fn reference_seed() {
    let Some(seed) = common::seed_sample() else {
        return;
    };
    golden_job("seed", &seed);
}
