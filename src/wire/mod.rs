//! The wire format: every file the steps exchange through the work prefix,
//! with its name and format version. Split writes the [`Manifest`] and
//! a [`PartPlan`] per part (all a count task reads); each
//! count writes a [`CountOutput`]; merge writes `result.json` (a
//! [`KeywordCounts`]) and, for a `--by` job, `timeline.json` (a
//! [`TimelineFile`]), for a `--group-by` job `groups.json` (a
//! [`GroupsFile`]). The manifest carries a job id that every count output
//! repeats, so outputs of two jobs sharing a work prefix never mix. The
//! report reads these same types.
//!
//! ```
//! use logcount::wire::KeywordCounts;
//! let c = KeywordCounts::new(vec![("WARN".into(), 2), ("INFO".into(), 1)]);
//! // Keys keep the keyword order, as the reference's result.json does.
//! assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"WARN":2,"INFO":1}"#);
//! ```

mod count_output;
mod counts;
mod groups;
mod manifest;
mod plan;
mod timeline;
pub mod word_run;

pub use count_output::CountOutput;
pub use counts::KeywordCounts;
pub use groups::{GroupCounts, GroupsFile};
pub use manifest::{InputObject, Manifest, Part, TimestampRule};
pub use plan::{parse_index_record, plans_and_index, PartPlan, PLAN_INDEX_RECORD};
pub use timeline::{Bucket, TimelineCounts, TimelineFile, Untimed};
pub use word_run::{ReduceOutput, ShuffleOutput, WordsSummary};

/// The manifest format this build writes and reads.
pub const MANIFEST_VERSION: u32 = 1;
/// The count-output format this build writes and reads.
pub const COUNT_OUTPUT_VERSION: u32 = 1;
/// The `timeline.json` format this build writes.
pub const TIMELINE_VERSION: u32 = 1;
/// The `groups.json` format this build writes.
pub const GROUPS_VERSION: u32 = 1;
/// The part-plan format (a line of [`PLANS_FILE`]) this build writes and reads.
pub const PLAN_VERSION: u32 = 1;

/// The manifest split writes in the work prefix.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The folder of the count outputs, `count-output/<part id>.json`.
pub const COUNT_DIR: &str = "count-output";
/// Every part's plan, a line each (see [`PartPlan`]).
pub const PLANS_FILE: &str = "plans.jsonl";
/// Where each part's plan lies in [`PLANS_FILE`] (see [`PartPlan`]).
pub const PLAN_INDEX_FILE: &str = "plans.idx";
/// The folder of the parts' copies, `split-output/<part id>.txt` (`--materialize`).
pub const SPLIT_DIR: &str = "split-output";
/// The result merge writes: keyword → count, the reference's shape.
pub const RESULT_FILE: &str = "result.json";
/// The counts per time bucket merge writes for a `--by` job.
pub const TIMELINE_FILE: &str = "timeline.json";
/// The counts per group merge writes for a `--group-by` job.
pub const GROUPS_FILE: &str = "groups.json";

/// The count output of a part: `count-output/<id>.json`.
pub fn count_output_file(part_id: &str) -> String {
    format!("{COUNT_DIR}/{part_id}.json")
}

/// The copy of a part: `split-output/<id>.txt`.
pub fn split_output_file(part_id: &str) -> String {
    format!("{SPLIT_DIR}/{part_id}.txt")
}

/// Whether `id` can be a part id: a plain name that names files
/// (`count-output/<id>.json`), never a path: 1 to 64 ASCII letters, digits,
/// `-`, `_` or `.`, not starting with `.`.
///
/// ```
/// use logcount::wire::is_part_id;
/// assert!(is_part_id("0") && is_part_id("logs-2024.01_a"));
/// assert!(!is_part_id("") && !is_part_id("../x") && !is_part_id(".hidden") && !is_part_id("a b"));
/// ```
pub fn is_part_id(id: &str) -> bool {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    !id.is_empty() && id.len() <= 64 && id.chars().all(plain) && !id.starts_with('.')
}

/// Whether a file directly in [`COUNT_DIR`] is one a count step writes
/// (`<part id>.json`), so that a new split may retire it.
pub fn is_count_output_name(name: &str) -> bool {
    name.strip_suffix(".json").is_some_and(is_part_id)
}

/// Whether a file directly in [`SPLIT_DIR`] is one a materializing split
/// writes (`<part id>.txt`).
pub fn is_split_output_name(name: &str) -> bool {
    name.strip_suffix(".txt").is_some_and(is_part_id)
}
