//! Counts over time (`--by minute|hour|day`): each line's keyword matches go
//! to the time bucket of the line's leading timestamp; a line without one goes
//! to the *untimed* bucket (counted, never dropped).
//!
//! # The timestamp rule
//!
//! A line is timed when it starts (optionally after one `[`) with
//!
//! ```text
//! YYYY-MM-DD(T| )HH:MM[:SS[.F]][Z|±HH:MM|±HHMM]
//! ```
//!
//! where `F` is 1 to 9 digits, and the timestamp is followed by the end of the
//! line or by a byte that is not an ASCII letter or digit, `.`, `:`, `+` or
//! `-` (so `06:54:19.957Zabc` or `06:54+5` make the line untimed rather than
//! guessing). Only syntax and field ranges are checked — month 1-12, day
//! 1-31, hour 0-23, minute 0-59, second 0-60, offset hours 0-23 and minutes
//! 0-59 — never the calendar: the reference sample's `2023-02-29` is a bucket
//! like any other.
//!
//! Zones: a line without a zone, or with `Z`, is taken as UTC as written
//! (`2023-02-29T06:54Z` is in bucket `2023-02-29T06:00:00Z`). An explicit
//! offset is converted to UTC; when that crosses midnight the date moves by
//! one day through the proleptic Gregorian calendar, so an impossible date is
//! normalised only then (`2023-02-29T23:30-01:00` is `2023-03-02T00:30Z`,
//! since 2023-02-29 counts as the day after 2023-02-28). A conversion that
//! leaves years 0000-9999 makes the line untimed.
//!
//! Bucket labels are UTC, `YYYY-MM-DDTHH:MM:00Z` (`2023-02-28T06:00:00Z` for
//! an hour); they sort as the times they name.
//!
//! # Speed
//!
//! [`add_lines`] does not parse every line: after a line is parsed in full
//! (and has no explicit offset), it keeps that line's shape as a template —
//! the bucket's textual prefix byte for byte, then digit positions with their
//! ranges and the separators — and each next line that fits the template in
//! one 32-byte compare belongs to the same bucket. A run of such lines is
//! counted by one engine call; a line is parsed in full only when it does not
//! fit (new bucket, other format, explicit offset, untimed). When the
//! timestamp is at the line start or its first `[`, the walk compares the
//! lines of a 4 KiB window together (their starts gathered from newline
//! bitmasks without a branch per line) and takes the window whole when every
//! one fits; otherwise it goes through that window line by line.
//!
//! ```
//! use logcount::timeline::{parse, TimeUnit};
//! let t = parse(b"2023-02-29T06:54:19.957Z [ERROR] x").unwrap();
//! assert_eq!(t.bucket(TimeUnit::Hour).label(), "2023-02-29T06:00:00Z");
//! let t = parse(b"[2023-02-28 23:30+02:00] y").unwrap();
//! assert_eq!(t.bucket(TimeUnit::Day).label(), "2023-02-28T00:00:00Z");
//! assert!(parse(b"2023-13-01T00:00Z").is_none());
//! ```

use crate::wire::{Bucket, KeywordCounts, TimelineCounts, TimelineFile, Untimed};
use std::collections::BTreeMap;

pub mod format;
pub mod rule;
pub use crate::spec::TimeUnit;
pub use rule::TimeParser;

impl TimeUnit {
    /// The bucket of a UTC civil time.
    pub(crate) fn floor(self, y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> BucketStart {
        let down = |v: u32, n: u32| v - v % n;
        let (h, mi, s) = match self {
            TimeUnit::Second => (h, mi, s),
            TimeUnit::Seconds(n) => (h, mi, down(s, n)),
            TimeUnit::Minute => (h, mi, 0),
            TimeUnit::Minutes(n) => (h, down(mi, n), 0),
            TimeUnit::Hour => (h, 0, 0),
            TimeUnit::Hours(n) => (down(h, n), 0, 0),
            TimeUnit::Day => (0, 0, 0),
        };
        BucketStart::new(y, mo, d, h, mi, s)
    }
}

/// A leading ISO-8601 timestamp, converted to UTC (fields as written when
/// no offset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// 0-9999.
    pub year: u32,
    /// 1-12.
    pub month: u32,
    /// 1-31, never checked against the month (`02-29` of any year is kept).
    pub day: u32,
    /// 0-23.
    pub hour: u32,
    /// 0-59.
    pub minute: u32,
    /// 0-60; fractions are read past but not kept.
    pub second: u32,
    /// Whether the line gave an explicit `±HH:MM` offset (even `+00:00`).
    pub offset: bool,
    /// Bytes from the line start through the timestamp (a `[` included).
    pub len: usize,
}

impl Timestamp {
    /// The bucket the timestamp falls in.
    pub fn bucket(&self, unit: TimeUnit) -> BucketStart {
        unit.floor(
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        )
    }
}

/// The start of a bucket (UTC), ordered by time: `yyyymmddhhmmss` as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BucketStart(u64);

impl BucketStart {
    fn new(y: u32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Self {
        let v = [mo, d, h, mi, s]
            .into_iter()
            .fold(u64::from(y), |acc, f| acc * 100 + u64::from(f));
        BucketStart(v)
    }

    fn fields(self) -> [u64; 6] {
        let v = self.0;
        [
            v / 10_000_000_000,
            v / 100_000_000 % 100,
            v / 1_000_000 % 100,
            v / 10_000 % 100,
            v / 100 % 100,
            v % 100,
        ]
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn label(self) -> String {
        let [y, mo, d, h, mi, s] = self.fields();
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }

    /// Reads a label back; `None` unless it is exactly what [`Self::label`]
    /// writes for a bucket of `unit`.
    pub fn parse_label(label: &str, unit: TimeUnit) -> Option<Self> {
        let b = label.as_bytes();
        if b.len() != 20 || b[19] != b'Z' {
            return None;
        }
        let f = format::Format::named("iso")?.read(b)?;
        if f.len != 20 || f.offset != Some(0) {
            return None;
        }
        let start = unit.floor(f.year?, f.month, f.day, f.hour, f.minute, f.second);
        (start.label() == label).then_some(start)
    }
}

/// Bytes that may not follow a timestamp.
pub(crate) const FORBIDDEN_AFTER: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || matches!(c, b'.' | b':' | b'+' | b'-');
        i += 1;
    }
    t
};

/// Parses the leading ISO-8601 timestamp of `line` (the `iso` format; the
/// text may run on past the line's end: parsing never looks beyond a
/// newline).
pub fn parse(line: &[u8]) -> Option<Timestamp> {
    let f = format::Format::named("iso")?.read(line)?;
    let (year, month, day, hour, minute) = rule::shift(
        i64::from(f.year?),
        f.month,
        f.day,
        f.hour,
        f.minute,
        -f.offset.unwrap_or(0),
    )?;
    Some(Timestamp {
        year,
        month,
        day,
        hour,
        minute,
        second: f.second,
        offset: f.offset.is_some() && line[..f.len].last() != Some(&b'Z'),
        len: f.len,
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date; linear in `d`, so a
/// day past the month's end counts as the next month's days.
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (the
/// inverse of `days_from_civil`, for real dates).
///
/// ```
/// assert_eq!(logcount::timeline::civil_from_days(19_782), (2024, 2, 29));
/// ```
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Lines and keyword counts of one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BucketTally {
    /// Lines in the bucket, matching or not.
    pub lines: u64,
    /// Matches per keyword, in keyword order.
    pub counts: Vec<u64>,
}

impl BucketTally {
    /// No lines, a zero count for each of `keywords` keywords.
    pub fn new(keywords: usize) -> Self {
        BucketTally {
            lines: 0,
            counts: vec![0; keywords],
        }
    }

    /// Adds another tally; a shorter `counts` is grown with zeros.
    pub fn add(&mut self, other: &BucketTally) {
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.lines += other.lines;
    }
}

/// Per-bucket tallies of some text: what a part's count gathers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timeline {
    /// The timed lines' tallies, in time order; only buckets with a line.
    pub buckets: BTreeMap<BucketStart, BucketTally>,
    /// The tally of lines without a leading timestamp.
    pub untimed: BucketTally,
}

impl Timeline {
    /// No buckets, an empty untimed tally for `keywords` keywords.
    pub fn new(keywords: usize) -> Self {
        Timeline {
            buckets: BTreeMap::new(),
            untimed: BucketTally::new(keywords),
        }
    }

    /// Adds another timeline (of the same keyword set and unit).
    pub fn add(&mut self, other: &Timeline) {
        for (k, v) in &other.buckets {
            self.buckets
                .entry(*k)
                .or_insert_with(|| BucketTally::new(v.counts.len()))
                .add(v);
        }
        self.untimed.add(&other.untimed);
    }

    fn slot(&mut self, key: Option<BucketStart>, keywords: usize) -> &mut BucketTally {
        match key {
            Some(k) => self
                .buckets
                .entry(k)
                .or_insert_with(|| BucketTally::new(keywords)),
            None => {
                if self.untimed.counts.len() < keywords {
                    self.untimed.counts.resize(keywords, 0);
                }
                &mut self.untimed
            }
        }
    }

    /// Adds one line whose first bytes are `head` (at least the first 4 KiB,
    /// or the whole line) and whose keyword counts are `counts`.
    pub fn add_line(&mut self, parser: &TimeParser, head: &[u8], counts: &[u64]) {
        let slot = self.slot(parser.bucket(head), counts.len());
        slot.lines += 1;
        for (a, b) in slot.counts.iter_mut().zip(counts) {
            *a += b;
        }
    }

    /// The per-part form (count output), labels in time order.
    pub fn to_counts(&self, keywords: &[String]) -> TimelineCounts {
        let kc = |t: &BucketTally| {
            KeywordCounts::new(
                keywords
                    .iter()
                    .cloned()
                    .zip(t.counts.iter().copied())
                    .collect(),
            )
        };
        TimelineCounts {
            buckets: self
                .buckets
                .iter()
                .map(|(k, t)| Bucket {
                    start: k.label(),
                    lines: t.lines,
                    counts: kc(t),
                })
                .collect(),
            untimed: Untimed {
                lines: self.untimed.lines,
                counts: kc(&self.untimed),
            },
        }
    }

    /// Reads the per-part form back, checking labels (canonical for `unit`,
    /// ascending, distinct) and keywords (`keywords`, in order).
    pub fn from_counts(
        c: &TimelineCounts,
        unit: TimeUnit,
        keywords: &[String],
    ) -> Result<Timeline, String> {
        let tally = |lines: u64, counts: &KeywordCounts, what: &str| {
            if counts.keys().ne(keywords.iter().map(String::as_str)) {
                return Err(format!(
                    "{what} has keywords {:?}, the manifest {keywords:?}",
                    counts.keys().collect::<Vec<_>>()
                ));
            }
            Ok(BucketTally {
                lines,
                counts: counts.values().collect(),
            })
        };
        let mut t = Timeline::new(keywords.len());
        let mut last = None;
        for b in &c.buckets {
            let Some(start) = BucketStart::parse_label(&b.start, unit) else {
                return Err(format!(
                    "bucket {:?} is not the start of a bucket of {unit}",
                    b.start,
                ));
            };
            if last.is_some_and(|l| l >= start) {
                return Err(format!("bucket {:?} is out of order or repeated", b.start));
            }
            last = Some(start);
            t.buckets.insert(
                start,
                tally(b.lines, &b.counts, &format!("bucket {}", b.start))?,
            );
        }
        t.untimed = tally(c.untimed.lines, &c.untimed.counts, "the untimed bucket")?;
        Ok(t)
    }

    /// Lines and keyword counts over every bucket, untimed included.
    pub fn totals(&self) -> BucketTally {
        let mut sum = BucketTally::new(self.untimed.counts.len());
        for t in self.buckets.values() {
            sum.add(t);
        }
        sum.add(&self.untimed);
        sum
    }
}

impl TimelineFile {
    /// The `timeline.json` of a merged timeline, at this build's format version.
    pub fn new(unit: TimeUnit, keywords: Vec<String>, t: &Timeline) -> Self {
        let c = t.to_counts(&keywords);
        TimelineFile {
            version: crate::wire::TIMELINE_VERSION,
            by: unit,
            keywords,
            buckets: c.buckets,
            untimed: c.untimed,
        }
    }
}

mod walk;
pub use walk::add_lines;

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
