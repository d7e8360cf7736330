//! The count output: what count writes for one part.

use super::KeywordCounts;
use crate::words::WordCounts;
use serde::{Deserialize, Serialize};

/// What count writes for one part: `count-output/<id>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountOutput {
    /// The format version, [`crate::wire::COUNT_OUTPUT_VERSION`].
    pub version: u32,
    /// The manifest's job id: merge refuses an output of another job.
    pub job_id: String,
    /// The part id it counts.
    pub part: String,
    /// Bytes of the part's ranges read and counted (compressed bytes for
    /// compressed objects): always the part's `bytes`.
    pub bytes: u64,
    /// Lines of the part's text (after decompression).
    pub lines: u64,
    /// The text counted after decompression (plain ranges count as
    /// themselves); present only when the part has a compressed range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decompressed_bytes: Option<u64>,
    /// Matches per keyword, in the job's keyword order.
    pub counts: KeywordCounts,
    /// Words mode, a stream's record: the stream's word counts (see
    /// [`crate::words`] for how words that are not UTF-8 are written);
    /// `counts` is then empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub words: Option<WordCounts>,
    /// Words jobs read from storage: what the map wrote to the shuffle
    /// (its words are in its partition files, not here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle: Option<super::ShuffleOutput>,
    /// `--by` jobs: the part's counts per time bucket (they add up to
    /// `lines` and `counts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<super::TimelineCounts>,
    /// The count strategy used (informational).
    pub strategy: String,
    /// Wall time of the count, in milliseconds (informational).
    pub elapsed_ms: u64,
}
