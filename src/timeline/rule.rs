//! From a line to its bucket: an object's timestamp format with the year
//! rule of yearless formats and the zone of zoneless ones
//! ([`TimeParser`]), and the detection that picks the format per object
//! ([`detect`]).
//!
//! # Years
//!
//! A format without a year (syslog, logcat, Proxifier) gets it per object:
//! `m0` is the month of the object's first timed line, `Y0` is `--year`
//! when given, else the year of the object's last-modified time `L` (UTC),
//! less one when `L`'s month is before `m0` (the log began last year). A
//! line of month `m` is in year `Y0` when `m >= m0`, else `Y0 + 1`: one
//! December → January roll-over, decided line by line, so every part of an
//! object agrees without seeing the others.
//!
//! # Zones
//!
//! A timestamp with `Z` or an offset is converted with it; one without is
//! in the job's zone (`--timezone`: UTC by default, a fixed offset, or an
//! IANA zone from the bundled tz database, where a local time in a DST gap
//! moves forward by the gap and an ambiguous one takes the earlier instant).
//! Epoch times are UTC.
//!
//! ```
//! use logcount::timeline::rule::{detect, TimeParser, Zone};
//! use logcount::timeline::TimeUnit;
//! let sample = b"Dec 31 23:59:58 host a\nJan  1 00:00:01 host b\n";
//! let d = detect(sample);
//! assert_eq!(d.format.as_ref().unwrap().spelling(), "syslog");
//! let p = TimeParser::new(d.format, TimeUnit::Hour, Zone::Utc, 2023, d.first_month.unwrap());
//! assert_eq!(p.bucket(b"Jan  1 00:00:01 host b").unwrap().label(), "2024-01-01T00:00:00Z");
//! assert_eq!(p.bucket(b"Dec 31 23:59:58 host a").unwrap().label(), "2023-12-31T23:00:00Z");
//! ```

use super::format::{candidates, FieldKind, Fields, Format, Place};
use super::{civil_from_days, days_from_civil, BucketStart, TimeUnit};
use crate::spec::TimeOptions;
use crate::wire::TimestampRule;

/// The zone of timestamps that carry none (`--timezone`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Zone {
    /// UTC (the default).
    #[default]
    Utc,
    /// A fixed offset east of UTC, in minutes.
    Fixed(i32),
    /// An IANA zone, with its name.
    Named(String, jiff::tz::TimeZone),
}

impl Zone {
    /// Parses `--timezone`: `UTC`, an offset (`+05:30`, `-0700`, `+09`), or
    /// an IANA name (`Europe/Paris`).
    pub fn parse(s: &str) -> Result<Zone, String> {
        let b = s.as_bytes();
        if s.eq_ignore_ascii_case("utc") || s == "Z" {
            return Ok(Zone::Utc);
        }
        if let Some(&sign @ (b'+' | b'-')) = b.first() {
            let d = |r: std::ops::Range<usize>| -> Option<i32> {
                let t = s.get(r)?;
                (t.len() == 2 && t.bytes().all(|c| c.is_ascii_digit())).then(|| t.parse().ok())?
            };
            let (h, m) = match b.len() {
                3 => (d(1..3), Some(0)),
                5 => (d(1..3), d(3..5)),
                6 if b[3] == b':' => (d(1..3), d(4..6)),
                _ => (None, None),
            };
            return match (h, m) {
                (Some(h @ 0..=23), Some(m @ 0..=59)) => {
                    let off = h * 60 + m;
                    Ok(match (sign, off) {
                        (_, 0) => Zone::Utc,
                        (b'+', o) => Zone::Fixed(o),
                        (_, o) => Zone::Fixed(-o),
                    })
                }
                _ => Err(format!(
                    "time zone {s:?}: an offset is written +HH:MM, +HHMM or +HH (hours to 23)"
                )),
            };
        }
        match jiff::tz::TimeZone::get(s) {
            Ok(tz) => Ok(Zone::Named(s.to_string(), tz)),
            Err(_) => Err(format!(
                "unknown time zone {s:?}: give an IANA name such as Europe/Paris, UTC, \
                 or an offset such as +05:30"
            )),
        }
    }

    /// How it is written in the manifest (`None` for UTC).
    pub fn spelling(&self) -> Option<String> {
        match self {
            Zone::Utc => None,
            Zone::Fixed(m) => {
                let (sign, m) = if *m < 0 { ('-', -m) } else { ('+', *m) };
                Some(format!("{sign}{:02}:{:02}", m / 60, m % 60))
            }
            Zone::Named(name, _) => Some(name.clone()),
        }
    }

    /// The offset east of UTC, in minutes, of a local time in this zone.
    fn offset_at(&self, y: i64, mo: u32, d: u32, h: u32, mi: u32) -> Option<i32> {
        match self {
            Zone::Utc => Some(0),
            Zone::Fixed(m) => Some(*m),
            Zone::Named(_, tz) => {
                // An impossible date (Feb 29 of 2023) is the day it stands for.
                let days = days_from_civil(y, mo, d);
                let (y, mo, d) = civil_from_days(days);
                let dt = jiff::civil::DateTime::new(
                    i16::try_from(y).ok()?,
                    mo as i8,
                    d as i8,
                    h as i8,
                    mi as i8,
                    0,
                    0,
                )
                .ok()?;
                let utc = tz.to_ambiguous_timestamp(dt).compatible().ok()?.as_second();
                let local = days * 86_400 + i64::from(h * 3600 + mi * 60);
                Some(((local - utc) / 60) as i32)
            }
        }
    }
}

/// The time options of a job ([`TimeOptions`]), parsed.
#[derive(Debug, Clone, Default)]
pub struct TimeSettings {
    /// `--time-format` (at `--time-field` when given): every object's format.
    pub format: Option<Format>,
    /// `--time-field`.
    pub place: Option<Place>,
    /// `--timezone`.
    pub zone: Zone,
    /// `--year`.
    pub year: Option<i32>,
}

impl TimeSettings {
    /// Parses the options; a bad one is an exit-code-2 error naming its flag.
    pub fn parse(o: &TimeOptions) -> crate::error::Result<TimeSettings> {
        use crate::error::Error;
        let place = match &o.field {
            Some(f) => Some(Place::parse(f).map_err(|e| Error::invalid("--time-field", e))?),
            None => None,
        };
        let format = match &o.format {
            Some(f) => Some(
                Format::from_spelling(f, place.as_ref())
                    .map_err(|e| Error::invalid("--time-format", e))?,
            ),
            None => None,
        };
        let zone = match &o.timezone {
            Some(z) => Zone::parse(z).map_err(|e| Error::invalid("--timezone", e))?,
            None => Zone::Utc,
        };
        if let Some(y) = o.year {
            if !(0..=9998).contains(&y) {
                return Err(Error::invalid(
                    "--year",
                    format!("{y} is not a year from 0 to 9998"),
                ));
            }
        }
        Ok(TimeSettings {
            format,
            place,
            zone,
            year: o.year,
        })
    }
}

/// How a part finds the bucket of each line of one object.
#[derive(Debug, Clone)]
pub struct TimeParser {
    format: Option<Format>,
    unit: TimeUnit,
    zone: Zone,
    year: i64,
    first_month: u32,
    /// The finest field kind that is not free in a template.
    fixed_from: FieldKind,
}

impl PartialEq for TimeParser {
    fn eq(&self, o: &Self) -> bool {
        (self.format == o.format)
            & (self.unit == o.unit)
            & (self.zone.spelling() == o.zone.spelling())
            & (self.year == o.year)
            & (self.first_month == o.first_month)
    }
}

impl Eq for TimeParser {}

/// A line's timestamp, read in full: its bucket, and what the walk's
/// template needs.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// The bucket.
    pub bucket: BucketStart,
    /// Where the timestamp starts in the line.
    pub at: usize,
    /// Its fields as read.
    pub fields: Fields,
    /// Fields of kinds below this one may differ within the bucket.
    pub fixed_from: FieldKind,
}

impl TimeParser {
    /// `format` (`None`: every line untimed) bucketed by `unit`; `year` and
    /// `first_month` are the year rule's `Y0` and `m0` (unused when the
    /// format has a year).
    pub fn new(
        format: Option<Format>,
        unit: TimeUnit,
        zone: Zone,
        year: i32,
        first_month: u32,
    ) -> TimeParser {
        let mut fixed_from = match unit.finest() {
            TimeUnit::Second => FieldKind::Second,
            TimeUnit::Minute => FieldKind::Minute,
            TimeUnit::Hour => FieldKind::Hour,
            _ => FieldKind::Fixed,
        };
        if zone != Zone::Utc {
            // A zone's offset may change at any minute.
            fixed_from = fixed_from.min(FieldKind::Minute);
        }
        TimeParser {
            format,
            unit,
            zone,
            year: i64::from(year),
            first_month,
            fixed_from,
        }
    }

    /// The rule of a log in ISO-8601 at the line start, in UTC.
    pub fn iso(unit: TimeUnit) -> TimeParser {
        TimeParser::new(Format::named("iso"), unit, Zone::Utc, 0, 1)
    }

    /// The parser of one object of a `--by unit` job: the rule split
    /// recorded for it (none, from an older manifest: ISO-8601 at the line
    /// start) and the job's zone.
    pub fn for_object(
        unit: TimeUnit,
        zone: &Zone,
        rule: Option<&TimestampRule>,
    ) -> Result<TimeParser, String> {
        let Some(rule) = rule else {
            return Ok(TimeParser::new(
                Format::named("iso"),
                unit,
                zone.clone(),
                0,
                1,
            ));
        };
        let format = match &rule.format {
            None => None,
            Some(f) => {
                let place = match &rule.field {
                    Some(p) => Some(Place::parse(p)?),
                    None => None,
                };
                Some(Format::from_spelling(f, place.as_ref())?)
            }
        };
        let first_month = rule.first_month.unwrap_or(1);
        if !(1..=12).contains(&first_month) {
            return Err(format!("first month {first_month} is not a month"));
        }
        Ok(TimeParser::new(
            format,
            unit,
            zone.clone(),
            rule.year.unwrap_or(0),
            first_month,
        ))
    }

    /// The bucket width.
    pub fn unit(&self) -> TimeUnit {
        self.unit
    }

    /// Whether the timestamp is at the line start.
    #[inline]
    pub(super) fn at_start(&self) -> bool {
        self.format
            .as_ref()
            .is_some_and(|f| *f.place() == Place::Start)
    }

    /// Whether the timestamp is at the line's first `[`.
    #[inline]
    pub(super) fn at_bracket(&self) -> bool {
        self.format
            .as_ref()
            .is_some_and(|f| *f.place() == Place::Bracket)
    }

    /// Where the timestamp of `line` starts.
    #[inline]
    pub(super) fn locate(&self, line: &[u8]) -> Option<usize> {
        self.format.as_ref()?.place().locate(line)
    }

    /// Reads the timestamp of `line` (which may run on past its newline).
    pub fn stamp(&self, line: &[u8]) -> Option<Stamp> {
        let format = self.format.as_ref()?;
        let at = format.place().locate(line)?;
        let fields = format.read(&line[at..])?;
        let bucket = self.bucket_of(&fields)?;
        let mut fixed_from = self.fixed_from;
        if fields.offset.is_some_and(|o| o != 0) {
            fixed_from = fixed_from.min(FieldKind::Minute);
        }
        Some(Stamp {
            bucket,
            at,
            fields,
            fixed_from,
        })
    }

    /// The bucket of `line`, `None` when it is untimed.
    pub fn bucket(&self, line: &[u8]) -> Option<BucketStart> {
        self.stamp(line).map(|s| s.bucket)
    }

    fn bucket_of(&self, f: &Fields) -> Option<BucketStart> {
        if let Some(e) = f.epoch {
            let (y, mo, d) = civil_from_days(e.div_euclid(86_400));
            let s = e.rem_euclid(86_400) as u32;
            if !(0..=9999).contains(&y) {
                return None;
            }
            return Some(
                self.unit
                    .floor(y as u32, mo, d, s / 3600, s / 60 % 60, s % 60),
            );
        }
        let y = match f.year {
            Some(y) => i64::from(y),
            None => self.year + i64::from(f.month < self.first_month),
        };
        let offset = match f.offset {
            Some(o) => o,
            None => self.zone.offset_at(y, f.month, f.day, f.hour, f.minute)?,
        };
        let (y, mo, d, h, mi) = shift(y, f.month, f.day, f.hour, f.minute, -offset)?;
        Some(self.unit.floor(y, mo, d, h, mi, f.second))
    }
}

/// Moves a civil time by `minutes`; crossing midnight moves the date by a
/// day through the proleptic Gregorian calendar (so an impossible date is
/// normalised only then). `None` outside years 0000-9999.
pub(super) fn shift(
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    minutes: i32,
) -> Option<(u32, u32, u32, u32, u32)> {
    let m = i64::from(h * 60 + mi) + i64::from(minutes);
    let day_shift = m.div_euclid(1440);
    let m = m.rem_euclid(1440);
    let (h, mi) = ((m / 60) as u32, (m % 60) as u32);
    let (y, mo, d) = if day_shift != 0 {
        civil_from_days(days_from_civil(y, mo, d) + day_shift)
    } else {
        (y, mo, d)
    };
    (0..=9999).contains(&y).then_some((y as u32, mo, d, h, mi))
}

/// What detection found in an object's first lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The format that read the most sample lines (`None`: none read one).
    pub format: Option<Format>,
    /// Sample lines it read.
    pub timed: usize,
    /// Lines in the sample.
    pub lines: usize,
    /// The month of the first line it read (for the year rule).
    pub first_month: Option<u32>,
}

/// The most sample lines detection looks at.
pub const SAMPLE_LINES: usize = 1000;
/// The most sample bytes detection looks at (whole lines, unless the first
/// line is longer).
pub const SAMPLE_BYTES: usize = 64 * 1024;

/// The sample lines of an object's first bytes.
fn sample_lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut head = &head[..head.len().min(SAMPLE_BYTES)];
    if head.len() == SAMPLE_BYTES {
        // The object may go on: its last line here may be cut.
        if let Some(nl) = memchr::memrchr(b'\n', head) {
            head = &head[..nl];
        }
    }
    head.split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .take(SAMPLE_LINES)
}

/// Picks, for an object whose text starts with `head`, the format that reads
/// the most of its first lines (ties go to the earlier of
/// [`candidates`]).
pub fn detect(head: &[u8]) -> Detected {
    detect_among(head, candidates())
}

/// [`detect`] among `formats`.
pub fn detect_among(head: &[u8], formats: Vec<Format>) -> Detected {
    let lines: Vec<&[u8]> = sample_lines(head).collect();
    let mut best: Option<(usize, Format)> = None;
    for f in formats {
        let n = lines.iter().filter(|l| read_line(&f, l).is_some()).count();
        if n > 0 && best.as_ref().is_none_or(|(b, _)| n > *b) {
            best = Some((n, f));
        }
    }
    match best {
        Some((timed, format)) => Detected {
            first_month: first_month(&format, head),
            format: Some(format),
            timed,
            lines: lines.len(),
        },
        None => Detected {
            format: None,
            timed: 0,
            lines: lines.len(),
            first_month: None,
        },
    }
}

/// The month of the first sample line `format` reads.
pub fn first_month(format: &Format, head: &[u8]) -> Option<u32> {
    sample_lines(head).find_map(|l| read_line(format, l).map(|f| f.month))
}

/// Split's choice for one object of a `--by` job whose text starts with
/// `head`, last modified in `modified` (year, month; UTC).
pub fn choose(time: &TimeSettings, head: &[u8], modified: (i32, u32)) -> TimestampRule {
    let (format, first_month, note) = match (&time.format, &time.place) {
        (Some(f), _) => {
            let m = first_month(f, head);
            (Some(f.clone()), m, "given".to_string())
        }
        (None, place) => {
            let formats = match place {
                // A place alone: every named format there.
                Some(p) => super::format::names()
                    .filter_map(Format::named)
                    .map(|f| f.at(p.clone()))
                    .collect(),
                None => candidates(),
            };
            let d = detect_among(head, formats);
            let note = match &d.format {
                Some(_) => format!(
                    "detected: it reads {} of the first {} lines",
                    d.timed, d.lines
                ),
                None if d.lines == 0 => "no format: the object has no text".to_string(),
                None => format!(
                    "no format: no known timestamp format reads any of its first {} lines",
                    d.lines
                ),
            };
            (d.format, d.first_month, note)
        }
    };
    let yearless = format.as_ref().is_some_and(Format::yearless);
    let (year, first_month) = if yearless {
        let m0 = first_month.unwrap_or(1);
        let y0 = time.year.unwrap_or(if modified.1 >= m0 {
            modified.0
        } else {
            modified.0 - 1
        });
        (Some(y0), Some(m0))
    } else {
        (None, None)
    };
    TimestampRule {
        field: format.as_ref().and_then(|f| {
            let own = Format::named(f.spelling()).map(|n| n.place().clone());
            (own.as_ref() != Some(f.place()))
                .then(|| f.place().spelling())
                .flatten()
        }),
        format: format.map(|f| f.spelling().to_string()),
        note,
        year,
        first_month,
    }
}

fn read_line(f: &Format, line: &[u8]) -> Option<Fields> {
    let at = f.place().locate(line)?;
    f.read(&line[at..])
}

#[cfg(test)]
#[path = "rule_tests.rs"]
mod tests;
