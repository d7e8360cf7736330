//! The parts' plans: each part's plan is all its count task reads, so a map
//! task of a job with 10,000 parts over 100,000 objects reads the objects of
//! its own part, not the whole manifest: its read does not grow with the
//! dataset.
//!
//! Split writes them beside the manifest (before it) as two objects, not one
//! per part (10,000 PUTs):
//! - `plans.jsonl`: line `i` is part `i`'s [`PartPlan`], compact JSON;
//! - `plans.idx`: a fixed-width record per part, [`PLAN_INDEX_RECORD`] bytes
//!   (`offset length` in decimal, zero-padded, then a newline), so part `i`'s
//!   record is bytes `32·i .. 32·i+32`.
//!
//! Count reads its record with one ranged GET and its plan with another.
//!
//! ```
//! use logcount::cut::Segment;
//! use logcount::wire::{InputObject, Manifest, Part, PartPlan, MANIFEST_VERSION};
//! let object = |path: &str, size| InputObject {
//!     path: path.into(), size, e_tag: None, last_modified: String::new(),
//!     compression: None, sniffed_by_count: false, changed: None, timestamps: None,
//! };
//! let manifest = Manifest {
//!     version: MANIFEST_VERSION, job_id: "j".into(), input: "memory:///in/".into(),
//!     store: "memory:///".into(),
//!     objects: vec![object("in/a", 10), object("in/b", 10), object("in/c", 10)],
//!     counting: Default::default(),
//!     parts: Part::numbered(vec![
//!         vec![Segment { object: 0, start: 0, end: 10 }, Segment { object: 1, start: 0, end: 4 }],
//!         vec![Segment { object: 1, start: 4, end: 10 }, Segment { object: 2, start: 0, end: 10 }],
//!     ]),
//!     materialized: false, stream: false, group_by: None, reducers: None,
//!     no_other_fields: Default::default(),
//! };
//! let plan = PartPlan::of(&manifest, &manifest.parts[1]);
//! // Only the objects part 1 reads, its segments renumbered to match.
//! assert_eq!(plan.objects.iter().map(|o| o.path.as_str()).collect::<Vec<_>>(), ["in/b", "in/c"]);
//! assert_eq!(plan.part.segments[0], Segment { object: 0, start: 4, end: 10 });
//! plan.validate("1").unwrap();
//! ```

use super::manifest::NoOtherFields;
use super::{InputObject, Manifest, Part, PLAN_VERSION};
use crate::spec::dataset::GroupBy;
use crate::spec::Counting;
use serde::{Deserialize, Serialize};

/// Bytes of one record of `plans.idx`: 20 digits of offset, a space, 10
/// digits of length, a newline.
pub const PLAN_INDEX_RECORD: u64 = 32;

/// `plans.jsonl` and `plans.idx` for `manifest`'s parts, in order.
pub fn plans_and_index(manifest: &Manifest) -> (Vec<u8>, Vec<u8>) {
    let mut plans = Vec::new();
    let mut index = Vec::with_capacity(manifest.parts.len() * PLAN_INDEX_RECORD as usize);
    for part in &manifest.parts {
        let start = plans.len();
        serde_json::to_writer(&mut plans, &PartPlan::of(manifest, part)).expect("plans serialize");
        plans.push(b'\n');
        index.extend_from_slice(format!("{start:020} {:010}\n", plans.len() - start).as_bytes());
    }
    (plans, index)
}

/// The byte range of a plan in `plans.jsonl`, from its `plans.idx` record.
pub fn parse_index_record(record: &[u8]) -> Option<std::ops::Range<u64>> {
    let text = std::str::from_utf8(record).ok()?.strip_suffix('\n')?;
    let (offset, len) = text.split_once(' ')?;
    if offset.len() != 20 || len.len() != 10 {
        return None;
    }
    let offset: u64 = offset.parse().ok()?;
    let len: u64 = len.parse().ok()?;
    Some(offset..offset.checked_add(len)?)
}

/// One part and what counting it needs from the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartPlan {
    /// The format version, [`PLAN_VERSION`].
    pub version: u32,
    /// The job, as in the manifest; the count output repeats it.
    pub job_id: String,
    /// The URL of the store holding the objects.
    pub store: String,
    /// What the job counts, as in the manifest.
    #[serde(flatten)]
    pub counting: Counting,
    /// The objects the part reads, in order; its segments index this list.
    pub objects: Vec<InputObject>,
    /// The part.
    pub part: Part,
    /// As in the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<GroupBy>,
    /// As in the manifest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reducers: Option<u32>,
    /// Refuses fields this build does not know.
    #[serde(flatten, skip_serializing)]
    pub no_other_fields: NoOtherFields,
}

impl PartPlan {
    /// The plan of `part`, one of `manifest`'s parts.
    pub fn of(manifest: &Manifest, part: &Part) -> PartPlan {
        let mut objects = Vec::new();
        // The manifest's index of an object -> the plan's.
        let mut index = std::collections::HashMap::new();
        let mut part = part.clone();
        for seg in &mut part.segments {
            seg.object = *index.entry(seg.object).or_insert_with(|| {
                objects.push(manifest.objects[seg.object].clone());
                objects.len() - 1
            });
        }
        PartPlan {
            version: PLAN_VERSION,
            job_id: manifest.job_id.clone(),
            store: manifest.store.clone(),
            counting: manifest.counting.clone(),
            objects,
            part,
            group_by: manifest.group_by,
            reducers: manifest.reducers,
            no_other_fields: NoOtherFields,
        }
    }

    /// Checks what serde cannot: the version, that it is part `id`'s, and
    /// that its ranges lie within its objects and add up to its bytes.
    pub fn validate(&self, id: &str) -> Result<(), String> {
        if self.version != PLAN_VERSION {
            return Err(format!(
                "plan version {} is not supported (this build reads version {PLAN_VERSION})",
                self.version
            ));
        }
        if self.part.id != id {
            return Err(format!(
                "it is part {:?}'s plan, not part {id:?}'s",
                self.part.id
            ));
        }
        let mut bytes = 0u64;
        for s in &self.part.segments {
            let Some(o) = self.objects.get(s.object) else {
                return Err(format!(
                    "it names object #{} of {}",
                    s.object,
                    self.objects.len()
                ));
            };
            if s.start > s.end || s.end > o.size {
                return Err(format!(
                    "range {}..{} lies outside {} ({} bytes)",
                    s.start, s.end, o.path, o.size
                ));
            }
            bytes += s.len();
        }
        if bytes != self.part.bytes {
            return Err(format!(
                "it says {} bytes but its ranges hold {bytes}",
                self.part.bytes
            ));
        }
        Ok(())
    }

    /// A manifest of this one part, for counting it (not a whole job's: it
    /// covers only the part's objects, and only where the part reads them).
    pub fn into_manifest(self) -> Manifest {
        Manifest {
            version: super::MANIFEST_VERSION,
            job_id: self.job_id,
            input: String::new(),
            store: self.store,
            objects: self.objects,
            counting: self.counting,
            parts: vec![self.part],
            materialized: false,
            stream: false,
            group_by: self.group_by,
            reducers: self.reducers,
            no_other_fields: NoOtherFields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cut::Segment;

    fn manifest() -> Manifest {
        let object = |path: &str, size| InputObject {
            path: path.into(),
            size,
            e_tag: Some(format!("\"{path}\"")),
            last_modified: String::new(),
            compression: None,
            sniffed_by_count: false,
            changed: None,
            timestamps: None,
        };
        let seg = |object, start, end| Segment { object, start, end };
        Manifest {
            version: super::super::MANIFEST_VERSION,
            job_id: "job".into(),
            input: "memory:///in/".into(),
            store: "memory:///".into(),
            objects: (0..5).map(|i| object(&format!("in/{i}"), 10)).collect(),
            counting: Counting::default(),
            parts: Part::numbered(vec![
                vec![seg(0, 0, 10), seg(1, 0, 3)],
                vec![seg(1, 3, 10), seg(2, 0, 10), seg(3, 0, 10), seg(4, 0, 1)],
                vec![seg(4, 1, 10)],
            ]),
            materialized: false,
            stream: false,
            group_by: None,
            reducers: None,
            no_other_fields: NoOtherFields,
        }
    }

    #[test]
    fn each_plan_holds_its_part_and_only_its_objects() {
        let m = manifest();
        for part in &m.parts {
            let plan = PartPlan::of(&m, part);
            plan.validate(&part.id).unwrap();
            // The same ranges of the same objects, renumbered.
            let ranges = |objects: &[InputObject], p: &Part| -> Vec<(String, u64, u64)> {
                p.segments
                    .iter()
                    .map(|s| (objects[s.object].path.clone(), s.start, s.end))
                    .collect()
            };
            assert_eq!(ranges(&plan.objects, &plan.part), ranges(&m.objects, part));
            assert_eq!(plan.objects.len(), part.segments.len());
            // Through JSON and back to a one-part manifest.
            let text = serde_json::to_string(&plan).unwrap();
            let back: PartPlan = serde_json::from_str(&text).unwrap();
            let one = back.into_manifest();
            assert_eq!(one.part(&part.id), Some(&plan.part));
            assert_eq!(one.job_id, "job");
        }
    }

    #[test]
    fn the_index_finds_every_plan() {
        let m = manifest();
        let (plans, index) = plans_and_index(&m);
        assert_eq!(index.len() as u64, PLAN_INDEX_RECORD * m.parts.len() as u64);
        for (i, part) in m.parts.iter().enumerate() {
            let at = i * PLAN_INDEX_RECORD as usize;
            let range = parse_index_record(&index[at..at + PLAN_INDEX_RECORD as usize]).unwrap();
            let line = &plans[range.start as usize..range.end as usize];
            assert_eq!(line.last(), Some(&b'\n'));
            let plan: PartPlan = serde_json::from_slice(line).unwrap();
            assert_eq!(plan, PartPlan::of(&m, part));
        }
        for bad in [
            &b""[..],
            b"00000000000000000001 0000000002",
            b"1 2\n",
            b"0000000000000000000x 0000000002\n",
        ] {
            assert_eq!(parse_index_record(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_wrong_or_broken_plan_is_refused() {
        let m = manifest();
        let plan = PartPlan::of(&m, &m.parts[1]);
        assert!(plan.validate("0").unwrap_err().contains("part \"1\""));
        let mut p = plan.clone();
        p.part.bytes += 1;
        assert!(p.validate("1").unwrap_err().contains("bytes"));
        let mut p = plan.clone();
        p.part.segments[0].end = 11;
        assert!(p.validate("1").unwrap_err().contains("outside"));
        let mut p = plan.clone();
        p.version = 9;
        assert!(p.validate("1").unwrap_err().contains("version 9"));
        let mut text = serde_json::to_value(&plan).unwrap();
        text["surprise"] = 1.into();
        assert!(serde_json::from_value::<PartPlan>(text).is_err());
    }
}
