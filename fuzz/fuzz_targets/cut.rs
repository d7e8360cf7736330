//! Fuzzes the split cutter (`logcount::cut`) on arbitrary objects and part
//! counts, aligning cuts the way the split step does over storage (growing
//! probe windows from `offset - 1`), and checks: exactly N parts; every
//! segment non-empty; the parts concatenate back to the input, object by
//! object, in order; every segment starts and ends on a line boundary; every
//! cut is the first line boundary at or after where it was aimed; and the
//! resulting plan passes `Manifest::validate`.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use logcount::cut::{aim, line_start_in, locate, object_start, parts_from_cuts};
use logcount::spec::Counting;
use logcount::wire::{InputObject, Manifest, Part, MANIFEST_VERSION};

struct Case<'a> {
    objects: Vec<&'a [u8]>,
    parts: usize,
    /// First probe window length (split uses 4096, then grows it 4x).
    probe: usize,
}

fn case<'a>(u: &mut Unstructured<'a>) -> Result<Case<'a>> {
    let parts = u.int_in_range(1..=48)?;
    let probe = u.int_in_range(1..=16)?;
    let n = u.int_in_range(1..=6)?;
    let mut objects = Vec::with_capacity(n);
    for i in 0..n {
        let len = if i + 1 == n { u.len() } else { u.int_in_range(0..=u.len())? };
        objects.push(u.bytes(len)?);
    }
    Ok(Case { objects, parts, probe })
}

/// The first line start at or after `off` (0 < off < size), probing like split.
fn next_line_start(object: &[u8], off: u64, first_probe: usize) -> u64 {
    let size = object.len() as u64;
    let (mut from, mut len) = (off - 1, first_probe as u64);
    while from < size {
        let to = (from + len).min(size);
        if let Some(p) = line_start_in(&object[from as usize..to as usize], from) {
            return p;
        }
        from = to;
        len *= 4;
    }
    size
}

/// Whether position `pos` of the byte space is a line boundary: an object's
/// start or end, or just after a newline.
fn is_boundary(objects: &[&[u8]], mut pos: u64) -> bool {
    for o in objects {
        let len = o.len() as u64;
        if pos == 0 || pos == len {
            return true;
        }
        if pos < len {
            return o[pos as usize - 1] == b'\n';
        }
        pos -= len;
    }
    pos == 0
}

fn check(c: &Case) {
    let sizes: Vec<u64> = c.objects.iter().map(|o| o.len() as u64).collect();
    let total: u64 = sizes.iter().sum();
    let aims = aim(total, c.parts);
    assert_eq!(aims.len(), c.parts - 1);
    assert!(aims.windows(2).all(|w| w[0] <= w[1]), "aims ascend");
    assert!(aims.iter().all(|&a| a <= total));
    let mut cuts: Vec<u64> = aims
        .iter()
        .map(|&t| {
            let (o, off) = locate(&sizes, t);
            assert!(off <= sizes[o]);
            let start = object_start(&sizes, o);
            assert_eq!(start + off, t, "locate({t}) = ({o}, {off})");
            let local = if off == 0 || off == sizes[o] { off } else { next_line_start(c.objects[o], off, c.probe) };
            start + local
        })
        .collect();
    for i in 1..cuts.len() {
        cuts[i] = cuts[i].max(cuts[i - 1]);
    }
    for (&a, &cut) in aims.iter().zip(&cuts) {
        assert!(cut >= a && is_boundary(&c.objects, cut), "cut {cut} (aimed at {a})");
    }
    // No boundary was skipped between an aim and its cut (unless an earlier cut lies beyond the aim).
    for (i, (&a, &cut)) in aims.iter().zip(&cuts).enumerate() {
        if i == 0 || cuts[i - 1] <= a {
            assert!((a..cut).all(|p| !is_boundary(&c.objects, p)), "cut {cut} is not the first boundary after {a}");
        }
    }

    let ps = parts_from_cuts(&sizes, &cuts);
    assert_eq!(ps.len(), c.parts, "exactly N parts");
    let mut rebuilt: Vec<Vec<u8>> = vec![Vec::new(); c.objects.len()];
    let mut last: Option<(usize, u64)> = None;
    for p in &ps {
        for s in p {
            let o = c.objects[s.object];
            assert!(!s.is_empty() && s.end <= o.len() as u64, "{s:?}");
            assert_eq!(rebuilt[s.object].len() as u64, s.start, "gap or overlap at {s:?}");
            assert!(last.is_none_or(|l| l < (s.object, s.start)), "segments in input order");
            last = Some((s.object, s.start));
            rebuilt[s.object].extend_from_slice(&o[s.start as usize..s.end as usize]);
            assert!(s.start == 0 || o[s.start as usize - 1] == b'\n', "{s:?} starts mid-line");
            assert!(s.end == o.len() as u64 || o[s.end as usize - 1] == b'\n', "{s:?} ends mid-line");
        }
    }
    for (r, o) in rebuilt.iter().zip(&c.objects) {
        assert_eq!(r.as_slice(), *o, "the parts concatenate back to the input");
    }

    let manifest = Manifest {
        version: MANIFEST_VERSION,
        job_id: "fuzz".into(),
        input: "memory:///in/".into(),
        store: "memory:///".into(),
        objects: sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| InputObject {
                path: format!("in/{i}"),
                size,
                e_tag: None,
                last_modified: String::new(),
                compression: None,
                sniffed_by_count: false,
                changed: None,
                timestamps: None,
            })
            .collect(),
        counting: Counting::default(),
        parts: Part::numbered(ps),
        materialized: false,
        stream: false,
        group_by: None,
        reducers: None,
        no_other_fields: Default::default(),
    };
    manifest.validate().expect("the plan is a valid manifest");
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    if let Ok(c) = case(&mut u) {
        check(&c);
    }
});
