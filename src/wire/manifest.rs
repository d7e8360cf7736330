//! The manifest: what split decided — the input objects and the version of
//! each that split saw, what the job counts, and the parts.

use super::MANIFEST_VERSION;
use crate::cut::Segment;
use crate::spec::Counting;
use serde::{Deserialize, Serialize};

/// What split decided: the input, the keywords and the parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The format version, [`MANIFEST_VERSION`].
    pub version: u32,
    /// Unique per split run; count outputs repeat it.
    pub job_id: String,
    /// The input as given to split, as a URL (an object or a dataset prefix).
    pub input: String,
    /// The URL of the store holding the objects (their paths are relative to it).
    pub store: String,
    /// Every input object, in the order the parts cover them.
    pub objects: Vec<InputObject>,
    /// What the job counts (keywords, match options, time buckets, or
    /// words); chosen at split. Its fields sit at this level of the JSON,
    /// those that are off left out (see [`Counting`]).
    #[serde(flatten)]
    pub counting: Counting,
    /// The parts, in byte-space order; together they cover every object once.
    pub parts: Vec<Part>,
    /// Whether split also wrote `split-output/<id>.txt` for each part.
    pub materialized: bool,
    /// A stream's record (standard input, counted in one pass with no
    /// split): its one object, `-`, was counted as it was read and cannot be
    /// read again, so count refuses its part and merge does not look for it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
    /// `--group-by`: no part mixes two groups, and each part names its
    /// group; merge also writes `groups.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<crate::spec::dataset::GroupBy>,
    /// A words job: the number of reducers of its shuffle (each map writes
    /// one partition file per reducer; see [`crate::shuffle`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reducers: Option<u32>,
    /// Refuses fields this build does not know (serde's
    /// `deny_unknown_fields` does not combine with `flatten`).
    #[serde(flatten, skip_serializing)]
    pub no_other_fields: NoOtherFields,
}

/// One input object and the version split saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputObject {
    /// Path within the manifest's store.
    pub path: String,
    /// Its size in bytes (compressed bytes for a compressed object).
    pub size: u64,
    /// The store's ETag for the object (for local files, derived from inode, size and mtime).
    pub e_tag: Option<String>,
    /// Its modification time as the store reported it, RFC 3339 (informational).
    pub last_modified: String,
    /// How the object is compressed (absent: plain text). Its segments are
    /// then ranges of compressed bytes from one gzip member or zstd frame
    /// start to another (see [`crate::decompress`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<crate::decompress::Compression>,
    /// Split did not read the object's first bytes: no cut falls inside it
    /// (it is smaller than half a part's share), so its compression does not
    /// matter to the plan, and the count that reads it sniffs it first.
    /// `compression` is then absent, and means "unknown".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sniffed_by_count: bool,
    /// For a local file, its status-change time (ctime) as `secs.nanos`.
    /// The ETag pins inode, size and mtime, but mtime can be set back
    /// (`touch -r`); ctime cannot, so an in-place rewrite is still seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<String>,
    /// A `--by` job: how this object's timestamps read, chosen at split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamps: Option<TimestampRule>,
}

/// How one object's timestamps read (`--by` jobs): the format split chose
/// for it, where it is, and the year rule's inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimestampRule {
    /// The format's name (`syslog`) or pattern; absent when none fits, and
    /// then every line of the object is untimed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Where it is, as `--time-field` spells it (`2`, `json:ts`); absent
    /// for the format's own place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// How the format was chosen, or why none was.
    pub note: String,
    /// A yearless format: the year of the object's first timed line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// A yearless format: the month of the object's first timed line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_month: Option<u32>,
}

/// One part: the object ranges one map task counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// Its id, unique in the manifest; names `count-output/<id>.json`.
    pub id: String,
    /// The sum of its segments' lengths.
    pub bytes: u64,
    /// The object ranges it counts, in byte-space order; may be empty.
    pub segments: Vec<Segment>,
    /// With `--group-by`, the group of every object it counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl Part {
    /// Parts with ids `"0"`, `"1"`, ... from each part's segments, in order.
    pub fn numbered(parts: Vec<Vec<Segment>>) -> Vec<Part> {
        parts
            .into_iter()
            .enumerate()
            .map(|(i, segments)| Part {
                group: None,
                id: i.to_string(),
                bytes: segments.iter().map(Segment::len).sum(),
                segments,
            })
            .collect()
    }
}

impl Manifest {
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
        let words = self.counting.mode() == crate::spec::Mode::Words && !self.stream;
        match self.reducers {
            None if words => return Err("a words job without its number of reducers".into()),
            Some(_) if !words => {
                return Err("reducers, but this is not a words job read from storage".into())
            }
            Some(r) if !(1..=super::word_run::MAX_REDUCERS).contains(&r) => {
                return Err(format!(
                    "{r} reducers (from 1 to {})",
                    super::word_run::MAX_REDUCERS
                ))
            }
            _ => {}
        }
        if self.parts.len() > crate::cut::MAX_PARTS {
            return Err(format!(
                "it lists {} parts; the limit is {}",
                self.parts.len(),
                crate::cut::MAX_PARTS
            ));
        }
        let mut ids = std::collections::HashSet::new();
        let mut total = 0u64;
        for p in &self.parts {
            // Ids name files (count-output/<id>.json): plain names only, never a path.
            if !super::is_part_id(&p.id) {
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
                if o.sniffed_by_count && s.start < s.end && (s.start != 0 || s.end != o.size) {
                    return Err(format!(
                        "part {} has bytes {}..{} of {}, an object left to count whole \
                         ({} bytes, not sniffed by split)",
                        p.id, s.start, s.end, o.path, o.size
                    ));
                }
                if o.sniffed_by_count && o.compression.is_some() {
                    return Err(format!(
                        "{} is left to count to sniff, yet has a compression",
                        o.path
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
        self.check_tiling()?;
        self.check_groups()
    }

    /// Checks that parts name their groups exactly when the job groups,
    /// and that no object is counted in two groups.
    fn check_groups(&self) -> Result<(), String> {
        let mut group_of_object: Vec<Option<&str>> = vec![None; self.objects.len()];
        for p in &self.parts {
            match (self.group_by, &p.group) {
                (None, Some(g)) => {
                    return Err(format!(
                        "part {} names group {g:?} in a job without groups",
                        p.id
                    ))
                }
                (Some(by), None) => {
                    return Err(format!(
                        "part {} names no group in a job grouped by {by}",
                        p.id
                    ))
                }
                _ => {}
            }
            let Some(group) = p.group.as_deref() else {
                continue;
            };
            for s in &p.segments {
                match group_of_object[s.object] {
                    Some(other) if other != group => {
                        return Err(format!(
                            "{} is in groups {other:?} and {group:?}",
                            self.objects[s.object].path
                        ))
                    }
                    _ => group_of_object[s.object] = Some(group),
                }
            }
        }
        Ok(())
    }

    /// Checks that the parts' ranges cover every object exactly once: no
    /// byte counted twice, none left out (byte totals alone cannot tell).
    fn check_tiling(&self) -> Result<(), String> {
        let mut ranges: Vec<(usize, u64, u64, &str)> = self
            .parts
            .iter()
            .flat_map(|p| {
                p.segments
                    .iter()
                    .filter(|s| s.start < s.end)
                    .map(move |s| (s.object, s.start, s.end, p.id.as_str()))
            })
            .collect();
        ranges.sort_unstable();
        let mut next = (0usize, 0u64);
        for (object, start, end, part) in ranges {
            while next.0 < object {
                let o = &self.objects[next.0];
                if next.1 != o.size {
                    return Err(format!(
                        "bytes {}..{} of {} are in no part",
                        next.1, o.size, o.path
                    ));
                }
                next = (next.0 + 1, 0);
            }
            let path = &self.objects[object].path;
            if start < next.1 {
                return Err(format!(
                    "part {part} range {start}..{end} of {path} overlaps another part's"
                ));
            }
            if start > next.1 {
                return Err(format!(
                    "bytes {}..{start} of {path} are in no part",
                    next.1
                ));
            }
            next.1 = end;
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

    /// The part with id `id`; `None` when the manifest has no such part.
    pub fn part(&self, id: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.id == id)
    }
}

/// A flattened catch-all that accepts no field: what is left of a manifest
/// after its known fields must be nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoOtherFields;

impl<'de> Deserialize<'de> for NoOtherFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Nothing;
        impl<'de> serde::de::Visitor<'de> for Nothing {
            type Value = NoOtherFields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("no other fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                match m.next_key::<String>()? {
                    Some(k) => Err(serde::de::Error::unknown_field(&k, &[])),
                    None => Ok(NoOtherFields),
                }
            }
        }
        d.deserialize_map(Nothing)
    }
}
