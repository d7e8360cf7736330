//! `timeline.json` and the per-part timeline of a count output: counts per
//! time bucket of a `--by` job ([`crate::timeline`] produces them).

use super::KeywordCounts;
use crate::spec::TimeUnit;
use serde::{Deserialize, Serialize};

/// One bucket in a count output or `timeline.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// The bucket's start, `YYYY-MM-DDTHH:MM:00Z`.
    pub start: String,
    pub lines: u64,
    pub counts: KeywordCounts,
}

/// The lines without a leading timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Untimed {
    pub lines: u64,
    pub counts: KeywordCounts,
}

/// A part's timeline, as its count output carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineCounts {
    pub buckets: Vec<Bucket>,
    pub untimed: Untimed,
}

/// `timeline.json`: buckets ascending by start, each present when at least
/// one line fell in it, plus the untimed lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineFile {
    pub version: u32,
    pub by: TimeUnit,
    pub keywords: Vec<String>,
    pub buckets: Vec<Bucket>,
    pub untimed: Untimed,
}
