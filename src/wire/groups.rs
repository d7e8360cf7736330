//! `groups.json`: a `--group-by` job's counts per group, each in the shape
//! of `result.json`, with the group's bytes, lines and parts.

use super::KeywordCounts;
use crate::spec::dataset::GroupBy;
use serde::{Deserialize, Serialize};

/// `groups.json`: every group of the job, in the order the parts cover them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupsFile {
    /// The format version, [`crate::wire::GROUPS_VERSION`].
    pub version: u32,
    /// How objects were grouped (`dir:1`, `object`).
    pub group_by: GroupBy,
    /// Every group's counts.
    pub groups: Vec<GroupCounts>,
}

/// One group's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupCounts {
    /// The group: its folders (`service=api`, `.` for objects directly
    /// under the input), or the object's key.
    pub group: String,
    /// The input bytes of its objects.
    pub bytes: u64,
    /// Their lines.
    pub lines: u64,
    /// The parts that counted it.
    pub parts: usize,
    /// Keyword → count, as in `result.json`.
    pub counts: KeywordCounts,
}
