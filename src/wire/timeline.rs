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
    /// Lines whose timestamp falls in the bucket, matching or not.
    pub lines: u64,
    /// Matches per keyword among those lines.
    pub counts: KeywordCounts,
}

/// The lines without a leading timestamp.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Untimed {
    /// Lines without a leading timestamp.
    pub lines: u64,
    /// Matches per keyword among those lines.
    pub counts: KeywordCounts,
}

/// A part's timeline, as its count output carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineCounts {
    /// The part's buckets, ascending by start; only those with a line.
    pub buckets: Vec<Bucket>,
    /// The part's lines without a timestamp.
    pub untimed: Untimed,
}

/// `timeline.json`: buckets ascending by start, each present when at least
/// one line fell in it, plus the untimed lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineFile {
    /// The format version, [`crate::wire::TIMELINE_VERSION`].
    pub version: u32,
    /// The bucket width the job was run with (`--by`).
    pub by: TimeUnit,
    /// The keywords, in the job's order (every bucket's `counts` has these keys).
    pub keywords: Vec<String>,
    /// Every bucket of the job, ascending by start.
    pub buckets: Vec<Bucket>,
    /// The job's lines without a timestamp.
    pub untimed: Untimed,
}
