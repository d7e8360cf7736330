//! Timestamp formats: where in a line its timestamp is ([`Place`]) and how
//! it reads ([`Format`]): the named formats of common logs, and
//! strftime-style patterns.
//!
//! A format is a list of tokens compiled from a pattern; the named formats
//! are patterns too (`syslog` is `%b %e %H:%M:%S`), except `iso`, `rfc5424`
//! and `json`, whose optional parts a pattern cannot spell. Reading a line
//! gives the fields as written ([`Fields`]) and the byte span of each, from
//! which the run-finding walk builds its template.
//!
//! ```
//! use logcount::timeline::format::{Format, Place};
//! let f = Format::named("clf").unwrap();
//! assert_eq!(f.place(), &Place::Bracket);
//! let line = b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200";
//! let at = f.place().locate(line).unwrap();
//! let t = f.read(&line[at..]).unwrap();
//! assert_eq!((t.year, t.month, t.day, t.hour, t.offset), (Some(2000), 10, 10, 13, Some(-420)));
//! let p = Format::pattern("%Y%m%d-%H:%M:%S:%f", Place::Start).unwrap();
//! assert_eq!(p.read(b"20171223-22:15:29:606|Step").unwrap().second, 29);
//! ```

use memchr::memmem;

/// Where a line's timestamp starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    /// At the line's first byte.
    Start,
    /// At the line's first `[` (the NCSA / nginx access log).
    Bracket,
    /// At the Nth (1-based) field separated by runs of spaces and tabs
    /// (leading blanks skipped); the timestamp may run on past the field.
    Field(u32),
    /// The value of a JSON key: the first `"KEY"` of the line followed,
    /// after blanks, by `:`.
    Json(String),
}

impl Place {
    /// Parses `--time-field`: `N` or `json:KEY`.
    pub fn parse(s: &str) -> Result<Place, String> {
        if let Some(key) = s.strip_prefix("json:") {
            if key.is_empty() || key.contains(['"', '\\', '\n']) {
                return Err(format!("{s:?}: a JSON key is a plain name after json:"));
            }
            return Ok(Place::Json(key.to_string()));
        }
        match s.parse::<u32>() {
            Ok(n @ 1..=64) => Ok(Place::Field(n)),
            _ => Err(format!(
                "{s:?} is neither a field number (1 to 64) nor json:KEY"
            )),
        }
    }

    /// The `--time-field` spelling (`None` for the line start or a `[`,
    /// which only named formats use).
    pub fn spelling(&self) -> Option<String> {
        match self {
            Place::Start | Place::Bracket => None,
            Place::Field(n) => Some(n.to_string()),
            Place::Json(k) => Some(format!("json:{k}")),
        }
    }

    /// The offset in `line` (a line start; the text may run on past its
    /// newline) where the timestamp starts, or `None` when the line has no
    /// such place.
    #[inline]
    pub fn locate(&self, line: &[u8]) -> Option<usize> {
        match self {
            Place::Start => Some(0),
            Place::Bracket => match memchr::memchr2(b'[', b'\n', line) {
                Some(i) if line[i] == b'[' => Some(i),
                _ => None,
            },
            Place::Field(n) => {
                let blank = |c: u8| c == b' ' || c == b'\t';
                let mut i = 0;
                for k in 0..*n {
                    while line.get(i).is_some_and(|&c| blank(c)) {
                        i += 1;
                    }
                    if k + 1 == *n {
                        break;
                    }
                    while line
                        .get(i)
                        .is_some_and(|&c| !blank(c) && c != b'\n' && c != b'\r')
                    {
                        i += 1;
                    }
                }
                match line.get(i) {
                    Some(&c) if c != b'\n' && c != b'\r' => Some(i),
                    _ => None,
                }
            }
            Place::Json(key) => {
                let end = memchr::memchr(b'\n', line).unwrap_or(line.len());
                let line = &line[..end];
                let needle = format!("\"{key}\"");
                let blank = |c: &u8| matches!(c, b' ' | b'\t');
                for at in memmem::find_iter(line, needle.as_bytes()) {
                    let mut i = at + needle.len();
                    i += line[i..].iter().take_while(|c| blank(c)).count();
                    if line.get(i) != Some(&b':') {
                        continue;
                    }
                    i += 1;
                    i += line[i..].iter().take_while(|c| blank(c)).count();
                    return (i < line.len()).then_some(i);
                }
                None
            }
        }
    }
}

/// What a field of a timestamp is, for the template: which bytes may change
/// within one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FieldKind {
    /// Fraction digits.
    Fraction,
    /// Seconds (two digits).
    Second,
    /// Minutes (two digits).
    Minute,
    /// Hours (two digits).
    Hour,
    /// Everything that names the day (year, month, day, weekday), the zone,
    /// and literal bytes: never free.
    Fixed,
}

/// One read field: its kind, and where it is (from the timestamp's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The field.
    pub kind: FieldKind,
    /// Its first byte.
    pub at: u8,
    /// Its length.
    pub len: u8,
}

/// The most spans one timestamp records; more are not kept (no template).
const MAX_SPANS: usize = 8;

/// A timestamp's fields as written, before any zone or year rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fields {
    /// The year, when the format has one.
    pub year: Option<u32>,
    /// 1-12.
    pub month: u32,
    /// 1-31 (never checked against the month).
    pub day: u32,
    /// 0-23.
    pub hour: u32,
    /// 0-59.
    pub minute: u32,
    /// 0-60.
    pub second: u32,
    /// An explicit offset east of UTC in minutes (`Z` is `Some(0)`); `None`
    /// when the timestamp has no zone.
    pub offset: Option<i32>,
    /// Epoch seconds, for epoch formats (the other fields are then 0).
    pub epoch: Option<i64>,
    /// Bytes from the timestamp's start through its end.
    pub len: usize,
    /// Where the hour, minute, second and fraction digits are (the
    /// template's free bytes); `spans_ok` is false when they were not all
    /// recorded.
    pub spans: [Option<Span>; MAX_SPANS],
    /// Whether `spans` is complete and the timestamp may have a template.
    pub spans_ok: bool,
}

impl Fields {
    fn span(&mut self, kind: FieldKind, at: usize, len: usize) {
        if kind == FieldKind::Fixed {
            return;
        }
        match self.spans.iter_mut().find(|s| s.is_none()) {
            Some(slot) if at < 256 && len < 256 => {
                *slot = Some(Span {
                    kind,
                    at: at as u8,
                    len: len as u8,
                })
            }
            _ => self.spans_ok = false,
        }
    }
}

/// One token of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Lit(u8),
    /// An optional literal byte (the `[` before an ISO timestamp).
    OptLit(u8),
    Year4,
    Year2,
    Month,
    MonthName,
    Day,
    /// Day of month as two digits or a space and a digit (`%e`).
    DayPadded,
    Weekday,
    Hour,
    Minute,
    Second,
    /// 1-9 fraction digits (`%f`).
    Fraction,
    /// An optional `.` and 1-9 fraction digits (`%.f`).
    OptFraction,
    /// `Z`, `±HH:MM` or `±HHMM` (`%z`).
    Zone,
    /// 10 digits of epoch seconds and an optional `.` fraction (`%s`).
    EpochSeconds,
    /// 13 digits of epoch milliseconds (`%L`).
    EpochMillis,
    /// An ISO-8601 timestamp as the `iso` format reads it (`%+`).
    Iso,
    /// `<PRI>VER ` of RFC 5424.
    Rfc5424Header,
    /// A JSON value: `"` and an ISO timestamp, or epoch seconds or
    /// milliseconds as a number.
    JsonAuto,
}

/// A timestamp format: where it is and how it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    /// The name (`syslog`) or the pattern (`%d/%b/%Y`), as recorded.
    spelling: String,
    place: Place,
    tokens: Vec<Token>,
}

/// The named formats, in detection order: (name, pattern, its place).
/// `iso`, `rfc5424` and `json` use tokens no public pattern spells alone.
const NAMED: &[(&str, &str, PlaceOf)] = &[
    ("iso", "\u{0}[%+", PlaceOf::Start),
    ("rfc5424", "\u{0}<%+", PlaceOf::Start),
    ("syslog", "%b %e %H:%M:%S", PlaceOf::Start),
    ("apache", "[%a %b %d %H:%M:%S%.f %Y]", PlaceOf::Start),
    ("clf", "[%d/%b/%Y:%H:%M:%S %z]", PlaceOf::Bracket),
    ("hdfs", "%y%m%d %H%M%S", PlaceOf::Start),
    ("logcat", "%m-%d %H:%M:%S.%f", PlaceOf::Start),
    ("spark", "%y/%m/%d %H:%M:%S", PlaceOf::Start),
    ("healthapp", "%Y%m%d-%H:%M:%S:%f", PlaceOf::Start),
    ("proxifier", "[%m.%d %H:%M:%S]", PlaceOf::Start),
    ("epoch", "%s", PlaceOf::Field1),
    ("epoch-ms", "%L", PlaceOf::Field1),
    ("json", "\u{0}{", PlaceOf::JsonTs),
];

#[derive(Debug, Clone, Copy)]
enum PlaceOf {
    Start,
    Bracket,
    Field1,
    JsonTs,
}

impl PlaceOf {
    fn place(self) -> Place {
        match self {
            PlaceOf::Start => Place::Start,
            PlaceOf::Bracket => Place::Bracket,
            PlaceOf::Field1 => Place::Field(1),
            PlaceOf::JsonTs => Place::Json("ts".into()),
        }
    }
}

/// The names `--time-format` accepts, in detection order.
pub fn names() -> impl Iterator<Item = &'static str> {
    NAMED.iter().map(|(n, _, _)| *n)
}

/// The formats detection tries, in order: each named format at its place,
/// epoch and ISO times in the second field, and JSON under common keys.
pub fn candidates() -> Vec<Format> {
    let mut all: Vec<Format> = NAMED
        .iter()
        .filter(|(n, _, _)| *n != "json")
        .map(|(n, _, _)| Format::named(n).expect("a named format"))
        .collect();
    for n in ["epoch", "epoch-ms", "iso"] {
        all.push(Format::named(n).expect("named").at(Place::Field(2)));
    }
    for key in ["ts", "time", "timestamp", "@timestamp"] {
        all.push(
            Format::named("json")
                .expect("named")
                .at(Place::Json(key.into())),
        );
    }
    all
}

impl Format {
    /// A named format at its usual place.
    pub fn named(name: &str) -> Option<Format> {
        let (n, pattern, place) = NAMED.iter().find(|(n, _, _)| *n == name)?;
        let tokens = match pattern.strip_prefix('\u{0}') {
            Some("[%+") => vec![Token::OptLit(b'['), Token::Iso],
            Some("<%+") => vec![Token::Rfc5424Header, Token::Iso],
            Some("{") => vec![Token::JsonAuto],
            Some(other) => unreachable!("special pattern {other}"),
            None => compile(pattern).expect("a named pattern compiles"),
        };
        Some(Format {
            spelling: n.to_string(),
            place: place.place(),
            tokens,
        })
    }

    /// A strftime-style pattern at `place`.
    pub fn pattern(pattern: &str, place: Place) -> Result<Format, String> {
        Ok(Format {
            spelling: pattern.to_string(),
            place,
            tokens: compile(pattern)?,
        })
    }

    /// `--time-format` and `--time-field` as given: a name or a pattern, and
    /// a place (else the format's own).
    pub fn from_spelling(format: &str, field: Option<&Place>) -> Result<Format, String> {
        let f = match Format::named(format) {
            Some(f) => f,
            None if format.contains('%') => Format::pattern(format, Place::Start)?,
            None => {
                return Err(format!(
                    "{format:?} is neither a format name ({}) nor a pattern with % fields",
                    names().collect::<Vec<_>>().join(", ")
                ))
            }
        };
        Ok(match field {
            Some(p) => f.at(p.clone()),
            None => f,
        })
    }

    /// The same format at another place.
    pub fn at(mut self, place: Place) -> Format {
        self.place = place;
        self
    }

    /// The name or pattern.
    pub fn spelling(&self) -> &str {
        &self.spelling
    }

    /// Where it is in a line.
    pub fn place(&self) -> &Place {
        &self.place
    }

    /// Whether its timestamps carry no year (the year rule applies).
    pub fn yearless(&self) -> bool {
        !self.tokens.iter().any(|t| {
            matches!(
                t,
                Token::Year4
                    | Token::Year2
                    | Token::EpochSeconds
                    | Token::EpochMillis
                    | Token::Iso
                    | Token::JsonAuto
            )
        })
    }

    /// Reads a timestamp at the start of `b` (which may run on past the
    /// line's end; reading never passes a newline).
    pub fn read(&self, b: &[u8]) -> Option<Fields> {
        let mut f = Fields {
            spans_ok: true,
            ..Fields::default()
        };
        let mut i = 0usize;
        // A JSON string value: skip its quote, and accept the closing one.
        let quoted = matches!(self.place, Place::Json(_))
            && b.first() == Some(&b'"')
            && self.tokens != [Token::JsonAuto];
        if quoted {
            i = 1;
        }
        for &t in &self.tokens {
            i = read_token(t, b, i, &mut f)?;
        }
        // A timestamp ending in a digit or a zone letter may not run on into a word.
        let open_end = i > 0 && b[i - 1].is_ascii_alphanumeric();
        if open_end
            && b.get(i)
                .is_some_and(|&c| super::FORBIDDEN_AFTER[c as usize])
        {
            return None;
        }
        if quoted && b.get(i) != Some(&b'"') {
            return None;
        }
        if f.epoch.is_none() && (f.month == 0 || f.day == 0) {
            return None; // a pattern without month or day names no bucket
        }
        f.len = i;
        Some(f)
    }
}

/// Compiles a strftime-style pattern.
fn compile(pattern: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let b = pattern.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            out.push(Token::Lit(b[i]));
            i += 1;
            continue;
        }
        let (t, n) = match (b.get(i + 1), b.get(i + 2)) {
            (Some(b'Y'), _) => (Token::Year4, 2),
            (Some(b'y'), _) => (Token::Year2, 2),
            (Some(b'm'), _) => (Token::Month, 2),
            (Some(b'b'), _) => (Token::MonthName, 2),
            (Some(b'd'), _) => (Token::Day, 2),
            (Some(b'e'), _) => (Token::DayPadded, 2),
            (Some(b'a'), _) => (Token::Weekday, 2),
            (Some(b'H'), _) => (Token::Hour, 2),
            (Some(b'M'), _) => (Token::Minute, 2),
            (Some(b'S'), _) => (Token::Second, 2),
            (Some(b'f'), _) => (Token::Fraction, 2),
            (Some(b'.'), Some(b'f')) => (Token::OptFraction, 3),
            (Some(b'z'), _) => (Token::Zone, 2),
            (Some(b's'), _) => (Token::EpochSeconds, 2),
            (Some(b'L'), _) => (Token::EpochMillis, 2),
            (Some(b'+'), _) => (Token::Iso, 2),
            (Some(b'%'), _) => (Token::Lit(b'%'), 2),
            _ => {
                let what: String = pattern[i..].chars().take(2).collect();
                return Err(format!(
                    "pattern {pattern:?}: {what:?} is not a field this reader knows \
                     (%Y %y %m %b %d %e %a %H %M %S %f %.f %z %s %L %+ %%)"
                ));
            }
        };
        out.push(t);
        i += n;
    }
    if out.is_empty() {
        return Err("the time format pattern is empty".into());
    }
    Ok(out)
}

#[inline]
fn digits(b: &[u8], i: usize, n: usize) -> Option<u32> {
    let s = b.get(i..i + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
const WEEKDAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];

/// Reads 1-9 fraction digits at `i`.
fn fraction(b: &[u8], i: usize, f: &mut Fields) -> Option<usize> {
    let n = b[i.min(b.len())..]
        .iter()
        .take(10)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if !(1..=9).contains(&n) {
        return None;
    }
    f.span(FieldKind::Fraction, i, n);
    Some(i + n)
}

/// Reads `Z`, `±HH:MM` or `±HHMM` at `i`.
fn zone(b: &[u8], i: usize, f: &mut Fields) -> Option<usize> {
    match b.get(i) {
        Some(b'Z') => {
            f.offset = Some(0);
            Some(i + 1)
        }
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)?;
            let (om, n) = if b.get(i + 3) == Some(&b':') {
                (digits(b, i + 4, 2)?, 6)
            } else {
                (digits(b, i + 3, 2)?, 5)
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let m = (oh * 60 + om) as i32;
            f.offset = Some(if sign == b'+' { m } else { -m });
            Some(i + n)
        }
        _ => None,
    }
}

fn two(b: &[u8], i: usize, max: u32, kind: FieldKind, f: &mut Fields) -> Option<(u32, usize)> {
    let v = digits(b, i, 2)?;
    if v > max {
        return None;
    }
    f.span(kind, i, 2);
    Some((v, i + 2))
}

fn read_token(t: Token, b: &[u8], i: usize, f: &mut Fields) -> Option<usize> {
    match t {
        Token::Lit(c) => (b.get(i) == Some(&c)).then_some(i + 1),
        Token::OptLit(c) => Some(i + usize::from(b.get(i) == Some(&c))),
        Token::Year4 => {
            f.year = Some(digits(b, i, 4)?);
            Some(i + 4)
        }
        Token::Year2 => {
            f.year = Some(2000 + digits(b, i, 2)?);
            Some(i + 2)
        }
        Token::Month => {
            let m = digits(b, i, 2)?;
            (1..=12).contains(&m).then(|| f.month = m)?;
            Some(i + 2)
        }
        Token::MonthName => {
            let name = b.get(i..i + 3)?;
            f.month = MONTHS.iter().position(|m| &m[..] == name)? as u32 + 1;
            Some(i + 3)
        }
        Token::Day | Token::DayPadded => {
            let d = match (t, b.get(i)) {
                (Token::DayPadded, Some(b' ')) => digits(b, i + 1, 1)?,
                _ => digits(b, i, 2)?,
            };
            (1..=31).contains(&d).then(|| f.day = d)?;
            Some(i + 2)
        }
        Token::Weekday => {
            let name = b.get(i..i + 3)?;
            WEEKDAYS.iter().any(|w| &w[..] == name).then_some(i + 3)
        }
        Token::Hour => two(b, i, 23, FieldKind::Hour, f).map(|(v, n)| {
            f.hour = v;
            n
        }),
        Token::Minute => two(b, i, 59, FieldKind::Minute, f).map(|(v, n)| {
            f.minute = v;
            n
        }),
        Token::Second => two(b, i, 60, FieldKind::Second, f).map(|(v, n)| {
            f.second = v;
            n
        }),
        Token::Fraction => fraction(b, i, f),
        Token::OptFraction => match b.get(i) {
            Some(b'.') => fraction(b, i + 1, f),
            _ => Some(i),
        },
        Token::Zone => zone(b, i, f),
        Token::EpochSeconds => {
            let (hi, lo) = (digits(b, i, 5)?, digits(b, i + 5, 5)?);
            if b.get(i + 10).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            f.epoch = Some(i64::from(hi) * 100_000 + i64::from(lo));
            f.spans_ok = false;
            match b.get(i + 10) {
                Some(b'.') => fraction(b, i + 11, f),
                _ => Some(i + 10),
            }
        }
        Token::EpochMillis => {
            let hi = digits(b, i, 7)?;
            let lo = digits(b, i + 7, 6)?;
            if b.get(i + 13).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            f.epoch = Some((i64::from(hi) * 1_000_000 + i64::from(lo)) / 1000);
            f.spans_ok = false;
            Some(i + 13)
        }
        Token::Iso => iso(b, i, f),
        Token::Rfc5424Header => {
            if b.get(i) != Some(&b'<') {
                return None;
            }
            let pri = b[i + 1..]
                .iter()
                .take(4)
                .take_while(|c| c.is_ascii_digit())
                .count();
            let j = i + 1 + pri;
            if !(1..=3).contains(&pri) || b.get(j) != Some(&b'>') {
                return None;
            }
            let ver = b[j + 1..]
                .iter()
                .take(3)
                .take_while(|c| c.is_ascii_digit())
                .count();
            let k = j + 1 + ver;
            ((1..=2).contains(&ver) && b.get(k) == Some(&b' ')).then_some(k + 1)
        }
        Token::JsonAuto => match b.get(i) {
            Some(b'"') => {
                let end = iso(b, i + 1, f)?;
                (b.get(end) == Some(&b'"')).then_some(end + 1)
            }
            Some(c) if c.is_ascii_digit() => {
                let n = b[i..]
                    .iter()
                    .take(14)
                    .take_while(|c| c.is_ascii_digit())
                    .count();
                match n {
                    10 => read_token(Token::EpochSeconds, b, i, f),
                    13 => read_token(Token::EpochMillis, b, i, f),
                    _ => None,
                }
            }
            _ => None,
        },
    }
}

/// `YYYY-MM-DD(T| )HH:MM[:SS[.F]][Z|±HH:MM|±HHMM]` at `i`.
fn iso(b: &[u8], o: usize, f: &mut Fields) -> Option<usize> {
    let year = digits(b, o, 4)?;
    if b.get(o + 4) != Some(&b'-') || b.get(o + 7) != Some(&b'-') || b.get(o + 13) != Some(&b':') {
        return None;
    }
    let (month, day) = (digits(b, o + 5, 2)?, digits(b, o + 8, 2)?);
    if !matches!(b.get(o + 10), Some(b'T' | b' '))
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
    {
        return None;
    }
    (f.year, f.month, f.day) = (Some(year), month, day);
    (f.hour, _) = two(b, o + 11, 23, FieldKind::Hour, f)?;
    let mut i;
    (f.minute, i) = two(b, o + 14, 59, FieldKind::Minute, f)?;
    if b.get(i) == Some(&b':') {
        (f.second, i) = two(b, i + 1, 60, FieldKind::Second, f)?;
        if b.get(i) == Some(&b'.') {
            i = fraction(b, i + 1, f)?;
        }
    }
    if matches!(b.get(i), Some(b'Z' | b'+' | b'-')) {
        i = zone(b, i, f)?;
    }
    Some(i)
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
