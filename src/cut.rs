//! Cutting inputs into parts: line-aligned byte ranges, balanced by bytes.
//!
//! The inputs (one object, or every object of a dataset) are laid end to end
//! in one byte space. The cut between part `i-1` and part `i` is aimed at
//! `i * total / n` and moved forward to the next line start; the end of each
//! object is always a line boundary. A part is the list of object ranges
//! ([`Segment`]s) between two cuts: a big object is cut into ranges, small
//! objects are grouped, and a part may be empty (3 lines into 16 parts).
//!
//! Everything here is pure; finding the next newline is the caller's I/O.
//!
//! ```
//! use logcount::cut::{aim, parts_from_cuts, Segment};
//! let sizes = [10, 0, 6];
//! assert_eq!(aim(16, 2), vec![8]);
//! // Suppose the line starting at or after 8 starts at 10 (the second object).
//! let parts = parts_from_cuts(&sizes, &[10]);
//! assert_eq!(parts[0], vec![Segment { object: 0, start: 0, end: 10 }]);
//! assert_eq!(parts[1], vec![Segment { object: 2, start: 0, end: 6 }]);
//! ```

use serde::{Deserialize, Serialize};

/// The most parts one job may have.
pub const MAX_PARTS: usize = 100_000;

/// A byte range `[start, end)` of input object number `object`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    /// The object's index in the manifest's `objects`.
    pub object: usize,
    /// The first byte, an offset in the object (a line start).
    pub start: u64,
    /// One past the last byte (a line start, or the object's end).
    pub end: u64,
}

impl Segment {
    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether it covers no byte.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// Where the `parts - 1` cuts of a `total`-byte space are aimed, before
/// alignment to line starts: `i * total / parts` for `i` in `1..parts`.
pub fn aim(total: u64, parts: usize) -> Vec<u64> {
    let n = parts as u128;
    (1..parts as u128)
        .map(|i| (i * total as u128 / n) as u64)
        .collect()
}

/// Where position `pos` of the byte space lies: `(object, offset in it)`.
/// Empty objects are skipped; a position at an object's end is reported as
/// the start of the next non-empty object (or the end of the last one).
pub fn locate(sizes: &[u64], mut pos: u64) -> (usize, u64) {
    let last = sizes.len().saturating_sub(1);
    for (i, &size) in sizes.iter().enumerate() {
        if pos < size || i == last {
            return (i, pos.min(size));
        }
        pos -= size;
    }
    (0, 0)
}

/// The offset in the byte space where object `object` starts.
pub fn object_start(sizes: &[u64], object: usize) -> u64 {
    sizes[..object].iter().sum()
}

/// The first line start at or after `offset` of an object, given bytes of that
/// object read from `offset - 1` (`window`). `None` when the window holds no
/// newline: read further. The caller handles `offset == 0` (always a line
/// start) and the object's end (always a boundary).
///
/// ```
/// use logcount::cut::line_start_in;
/// // Offset 3 of "ab\ncd\n": the window starts at 2, which is a newline.
/// assert_eq!(line_start_in(b"\ncd\n", 2), Some(3));
/// assert_eq!(line_start_in(b"cd\n", 3), Some(6));
/// assert_eq!(line_start_in(b"cd", 3), None);
/// ```
pub fn line_start_in(window: &[u8], window_start: u64) -> Option<u64> {
    memchr::memchr(b'\n', window).map(|i| window_start + i as u64 + 1)
}

/// The parts between the given cuts (positions in the byte space, each a line
/// boundary, non-decreasing): `cuts.len() + 1` parts, each a list of
/// non-empty segments in input order.
pub fn parts_from_cuts(sizes: &[u64], cuts: &[u64]) -> Vec<Vec<Segment>> {
    let total: u64 = sizes.iter().sum();
    let mut bounds = Vec::with_capacity(cuts.len() + 2);
    bounds.push(0);
    bounds.extend(cuts.iter().map(|&c| c.min(total)));
    bounds.push(total);
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut object = 0;
    let mut object_start = 0u64;
    for w in bounds.windows(2) {
        let (lo, hi) = (w[0], w[1].max(w[0]));
        let mut segments = Vec::new();
        // Objects ending at or before `lo` are behind us for good.
        while object < sizes.len() && object_start + sizes[object] <= lo && lo < total {
            object_start += sizes[object];
            object += 1;
        }
        let (mut o, mut o_start) = (object, object_start);
        while o < sizes.len() && o_start < hi {
            let (s, e) = (lo.max(o_start), hi.min(o_start + sizes[o]));
            if s < e {
                segments.push(Segment {
                    object: o,
                    start: s - o_start,
                    end: e - o_start,
                });
            }
            o_start += sizes[o];
            o += 1;
        }
        parts.push(segments);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Aligns cuts over in-memory objects the way split does over storage.
    fn align(objects: &[&[u8]], parts: usize) -> Vec<u64> {
        let sizes: Vec<u64> = objects.iter().map(|o| o.len() as u64).collect();
        let total = sizes.iter().sum();
        let mut cuts: Vec<u64> = aim(total, parts)
            .into_iter()
            .map(|t| {
                let (o, off) = locate(&sizes, t);
                let local = if off == 0 || off == sizes[o] {
                    off
                } else {
                    line_start_in(&objects[o][off as usize - 1..], off - 1).unwrap_or(sizes[o])
                };
                object_start(&sizes, o) + local
            })
            .collect();
        for i in 1..cuts.len() {
            cuts[i] = cuts[i].max(cuts[i - 1]);
        }
        cuts
    }

    fn check(objects: &[&[u8]], parts: usize) {
        let sizes: Vec<u64> = objects.iter().map(|o| o.len() as u64).collect();
        let cuts = align(objects, parts);
        let ps = parts_from_cuts(&sizes, &cuts);
        assert_eq!(ps.len(), parts);
        // Concatenating the parts gives back the input, object by object.
        let mut rebuilt: Vec<Vec<u8>> = vec![Vec::new(); objects.len()];
        for p in &ps {
            for s in p {
                assert!(!s.is_empty());
                assert_eq!(rebuilt[s.object].len() as u64, s.start, "gap or overlap");
                rebuilt[s.object]
                    .extend_from_slice(&objects[s.object][s.start as usize..s.end as usize]);
                // Every segment starts and ends on a line boundary.
                let o = objects[s.object];
                assert!(s.start == 0 || o[s.start as usize - 1] == b'\n');
                assert!(s.end == o.len() as u64 || o[s.end as usize - 1] == b'\n');
            }
        }
        for (r, o) in rebuilt.iter().zip(objects) {
            assert_eq!(r.as_slice(), *o);
        }
    }

    #[test]
    fn aims_are_even() {
        assert_eq!(aim(10, 1), Vec::<u64>::new());
        assert_eq!(aim(10, 5), vec![2, 4, 6, 8]);
        assert_eq!(aim(3, 4), vec![0, 1, 2]);
        assert_eq!(aim(u64::MAX, 2), vec![u64::MAX / 2]);
    }

    #[test]
    fn locate_skips_empty_objects() {
        assert_eq!(locate(&[3, 0, 2], 0), (0, 0));
        assert_eq!(locate(&[3, 0, 2], 3), (2, 0));
        assert_eq!(locate(&[3, 0, 2], 5), (2, 2));
        assert_eq!(locate(&[0], 0), (0, 0));
    }

    #[test]
    fn split_at_every_part_count() {
        let texts: &[&[u8]] = &[
            b"",
            b"\n",
            b"a",
            b"a\nb\nc\n",
            b"no final newline\nx",
            b"crlf\r\nline\r\n",
            b"one very long line without any newline at all",
            b"\n\n\n\n",
            b"\xff\xfe\n\x00\n",
        ];
        for t in texts {
            for n in 1..=20 {
                check(&[t], n);
            }
        }
    }

    #[test]
    fn datasets_pack_objects() {
        let objects: &[&[u8]] = &[b"a\nb\n", b"", b"c", b"dddddddddddddddd\neeee\n", b"f\n"];
        for n in 1..=30 {
            check(objects, n);
        }
        // Small objects are grouped into one part.
        let sizes = [2, 2, 2];
        assert_eq!(parts_from_cuts(&sizes, &[])[0].len(), 3);
    }

    #[test]
    fn more_parts_than_lines_gives_empty_parts() {
        let t: &[u8] = b"a\nb\nc\n";
        let sizes = [t.len() as u64];
        let ps = parts_from_cuts(&sizes, &align(&[t], 16));
        assert_eq!(ps.len(), 16);
        assert_eq!(ps.iter().filter(|p| !p.is_empty()).count(), 3);
    }
}
