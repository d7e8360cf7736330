//! The files the steps exchange: the manifest that split writes, the count
//! output of each part, and the result. Each carries a format version; the
//! manifest carries a job id that every count output repeats, so outputs of
//! two jobs sharing a work prefix never mix.
//!
//! ```
//! use logcount::manifest::KeywordCounts;
//! let c = KeywordCounts::new(vec![("WARN".into(), 2), ("INFO".into(), 1)]);
//! // Keys keep the keyword order, as the reference's result.json does.
//! assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"WARN":2,"INFO":1}"#);
//! ```

use crate::cut::Segment;
use crate::keywords::Keywords;
pub use crate::words::Mode;
use crate::words::WordCounts;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The manifest format this build writes and reads.
pub const MANIFEST_VERSION: u32 = 1;
/// The count-output format this build writes and reads.
pub const COUNT_OUTPUT_VERSION: u32 = 1;

/// Names of the files in a work prefix.
pub const MANIFEST_FILE: &str = "manifest.json";
pub const COUNT_DIR: &str = "count-output";
pub const SPLIT_DIR: &str = "split-output";
pub const RESULT_FILE: &str = "result.json";

/// What split decided: the input, the keywords and the parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub version: u32,
    /// Unique per split run; count outputs repeat it.
    pub job_id: String,
    /// The input as given to split, as a URL (an object or a dataset prefix).
    pub input: String,
    /// The URL of the store holding the objects (their paths are relative to it).
    pub store: String,
    /// Every input object, in the order the parts cover them.
    pub objects: Vec<InputObject>,
    pub keywords: Keywords,
    pub parts: Vec<Part>,
    /// Whether split also wrote `split-output/<id>.txt` for each part.
    pub materialized: bool,
    /// What the job counts (absent: keywords); chosen at split.
    #[serde(default, skip_serializing_if = "Mode::is_keywords")]
    pub mode: Mode,
    /// Match keywords ASCII case-insensitively (`--ignore-case`); chosen at split.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ignore_case: bool,
    /// Count only whole-word matches (`--whole-word`); chosen at split.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub whole_word: bool,
    /// Also count per time bucket of each line's leading timestamp (`--by`;
    /// merge then writes `timeline.json`); chosen at split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<crate::timeline::TimeUnit>,
}

/// One input object and the version split saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputObject {
    /// Path within the manifest's store.
    pub path: String,
    pub size: u64,
    /// The store's ETag for the object (for local files, derived from inode, size and mtime).
    pub e_tag: Option<String>,
    pub last_modified: String,
    /// How the object is compressed (absent: plain text). Its segments are
    /// then ranges of compressed bytes from one gzip member or zstd frame
    /// start to another (see [`crate::decompress`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<crate::decompress::Compression>,
}

/// One part: the object ranges one map task counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub id: String,
    pub bytes: u64,
    pub segments: Vec<Segment>,
}

impl Part {
    /// Parts with ids `"0"`, `"1"`, ... from each part's segments, in order.
    pub fn numbered(parts: Vec<Vec<Segment>>) -> Vec<Part> {
        parts
            .into_iter()
            .enumerate()
            .map(|(i, segments)| Part {
                id: i.to_string(),
                bytes: segments.iter().map(Segment::len).sum(),
                segments,
            })
            .collect()
    }
}

impl Manifest {
    /// The match options the keywords are counted under.
    pub fn match_options(&self) -> crate::engine::MatchOptions {
        crate::engine::MatchOptions {
            ignore_case: self.ignore_case,
            whole_word: self.whole_word,
        }
    }

    /// Checks what serde cannot: version, ranges within objects, sizes, ids.
    pub fn validate(&self) -> Result<(), String> {
        if self.version != MANIFEST_VERSION {
            return Err(format!(
                "manifest version {} is not supported (this build reads version {MANIFEST_VERSION})",
                self.version
            ));
        }
        if self.parts.is_empty() {
            return Err("it lists no parts".into());
        }
        let mut ids = std::collections::HashSet::new();
        let mut total = 0u64;
        for p in &self.parts {
            // Ids name files (count-output/<id>.json): plain names only, never a path.
            let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
            if p.id.is_empty()
                || p.id.len() > 64
                || !p.id.chars().all(plain)
                || p.id.starts_with('.')
            {
                let shown: String = p.id.chars().take(64).collect();
                return Err(format!(
                    "part id {shown:?} is not a plain name (letters, digits, '-', '_', '.')"
                ));
            }
            if !ids.insert(p.id.as_str()) {
                return Err(format!("part id {:?} appears twice", p.id));
            }
            let mut bytes = 0u64;
            for s in &p.segments {
                let Some(o) = self.objects.get(s.object) else {
                    return Err(format!(
                        "part {} names object #{} of {}",
                        p.id,
                        s.object,
                        self.objects.len()
                    ));
                };
                if s.start > s.end || s.end > o.size {
                    return Err(format!(
                        "part {} range {}..{} lies outside {} ({} bytes)",
                        p.id, s.start, s.end, o.path, o.size
                    ));
                }
                bytes += s.len();
            }
            if bytes != p.bytes {
                return Err(format!(
                    "part {} says {} bytes but its ranges hold {bytes}",
                    p.id, p.bytes
                ));
            }
            total += bytes;
        }
        let size: u64 = self.objects.iter().map(|o| o.size).sum();
        if total != size {
            return Err(format!(
                "the parts hold {total} bytes but the input has {size}"
            ));
        }
        Ok(())
    }

    /// The total input size in bytes.
    pub fn input_bytes(&self) -> u64 {
        self.objects.iter().map(|o| o.size).sum()
    }

    /// The part ids, in order: what split prints.
    pub fn part_ids(&self) -> Vec<&str> {
        self.parts.iter().map(|p| p.id.as_str()).collect()
    }

    pub fn part(&self, id: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.id == id)
    }
}

/// What count writes for one part: `count-output/<id>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountOutput {
    pub version: u32,
    pub job_id: String,
    pub part: String,
    /// Bytes of the part's ranges read and counted (compressed bytes for
    /// compressed objects): always the part's `bytes`.
    pub bytes: u64,
    pub lines: u64,
    /// The text counted after decompression (plain ranges count as
    /// themselves); present only when the part has a compressed range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decompressed_bytes: Option<u64>,
    pub counts: KeywordCounts,
    /// Words mode: the part's word counts (see [`crate::words`] for how
    /// words that are not UTF-8 are written); `counts` is then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<WordCounts>,
    /// `--by` jobs: the part's counts per time bucket (they add up to
    /// `lines` and `counts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<crate::timeline::TimelineCounts>,
    /// The count strategy used (informational).
    pub strategy: String,
    /// Wall time of the count, in milliseconds (informational).
    pub elapsed_ms: u64,
}

/// Counts keyed by keyword, in keyword order: a JSON object whose keys keep
/// the order they were given in (the shape of the reference's `result.json`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeywordCounts(pub Vec<(String, u64)>);

impl KeywordCounts {
    pub fn new(pairs: Vec<(String, u64)>) -> Self {
        KeywordCounts(pairs)
    }

    /// Pairs the keyword names with counts (same order).
    pub fn from_counts(keywords: &Keywords, counts: &[u64]) -> Self {
        KeywordCounts(
            keywords
                .names()
                .into_iter()
                .zip(counts.iter().copied())
                .collect(),
        )
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn values(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().map(|&(_, v)| v)
    }

    pub fn get(&self, key: &str) -> Option<u64> {
        self.0.iter().find(|(k, _)| k == key).map(|&(_, v)| v)
    }
}

impl Serialize for KeywordCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for KeywordCounts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = KeywordCounts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of keyword counts")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut v: Vec<(String, u64)> = Vec::with_capacity(m.size_hint().unwrap_or(4));
                let mut seen = std::collections::HashSet::new();
                while let Some((k, n)) = m.next_entry::<String, u64>()? {
                    if !seen.insert(k.clone()) {
                        return Err(serde::de::Error::custom(format!(
                            "keyword {k:?} appears twice"
                        )));
                    }
                    v.push((k, n));
                }
                Ok(KeywordCounts(v))
            }
        }
        d.deserialize_map(Ordered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_keep_order_and_refuse_duplicates() {
        let c: KeywordCounts = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
        assert_eq!(c.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(c.get("a"), Some(2));
        assert!(serde_json::from_str::<KeywordCounts>(r#"{"a":1,"a":2}"#).is_err());
        assert!(serde_json::from_str::<KeywordCounts>(r#"{"a":-1}"#).is_err());
    }
}
