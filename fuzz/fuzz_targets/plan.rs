//! Fuzzes the readers of the work prefix's files: arbitrary bytes read as a
//! manifest (then validated, as count and merge do) and as a count output.
//! Never a panic; and a manifest that validates is a real plan — its parts
//! cover every object's bytes exactly once, each part's byte count is what
//! its ranges hold, its ids are distinct — checked here independently of
//! `Manifest::validate`, so no plan it accepts can give a wrong total.

#![no_main]

use libfuzzer_sys::fuzz_target;
use logcount::wire::{CountOutput, Manifest};
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<CountOutput>(data);
    let Ok(manifest) = serde_json::from_slice::<Manifest>(data) else {
        return;
    };
    if manifest.validate().is_err() {
        return;
    }
    let mut ids = HashSet::new();
    let mut ranges: Vec<Vec<(u64, u64)>> = vec![Vec::new(); manifest.objects.len()];
    for part in &manifest.parts {
        assert!(ids.insert(part.id.as_str()), "part {} twice", part.id);
        let mut bytes = 0u64;
        for s in &part.segments {
            ranges[s.object].push((s.start, s.end));
            bytes += s.end - s.start;
        }
        assert_eq!(bytes, part.bytes, "part {}", part.id);
    }
    for (object, mut r) in ranges.into_iter().enumerate() {
        r.retain(|(start, end)| start < end);
        r.sort_unstable();
        let mut at = 0;
        for (start, end) in r {
            assert_eq!(start, at, "object {object}: a gap or an overlap at {start}");
            at = end;
        }
        assert_eq!(at, manifest.objects[object].size, "object {object} not covered");
    }
});
