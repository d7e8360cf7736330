//! Unit tables for the timestamp rule and the run-finding walk of
//! [`super::add_lines`] (checked against parsing every line).

use super::*;

/// [`super::add_lines`] under each compilation of the walk this CPU runs
/// (portable, POPCNT/BMI1, AVX2, AVX-512): asserts they all agree, and
/// leaves their timeline and totals.
fn add_lines(
    parser: &TimeParser,
    text: &[u8],
    timeline: &mut Timeline,
    totals: &mut [u64],
    mut count: impl FnMut(&[u8], &mut [u64]),
) -> u64 {
    let mut first: Option<(Timeline, Vec<u64>, u64)> = None;
    for v in walk::variants() {
        let (mut t, mut tot) = (timeline.clone(), totals.to_vec());
        let lines = walk::with_variant(v, || {
            super::add_lines(parser, text, &mut t, &mut tot, &mut count)
        });
        match &first {
            None => first = Some((t, tot, lines)),
            Some(f) => assert_eq!((&t, &tot, lines), (&f.0, &f.1, f.2), "{v:?}"),
        }
    }
    let (t, tot, lines) = first.expect("the portable walk runs everywhere");
    *timeline = t;
    totals.copy_from_slice(&tot);
    lines
}

/// (line, minute bucket label or None, explicit offset)
const PARSE: &[(&str, Option<&str>, bool)] = &[
    // The reference's own format, and its impossible date.
    (
        "2023-02-29T06:54:19.957Z [ERROR] x",
        Some("2023-02-29T06:54"),
        false,
    ),
    ("2023-02-28T06:54:19.957Z", Some("2023-02-28T06:54"), false),
    // Shorter and longer forms; space separator; no zone.
    ("2023-02-28T06:54", Some("2023-02-28T06:54"), false),
    ("2023-02-28 06:54 INFO", Some("2023-02-28T06:54"), false),
    ("2023-02-28 06:54:07 INFO", Some("2023-02-28T06:54"), false),
    ("2023-02-28T06:54Z", Some("2023-02-28T06:54"), false),
    ("2023-02-28T06:54:19Z", Some("2023-02-28T06:54"), false),
    ("2023-02-28T06:54:19.1Z", Some("2023-02-28T06:54"), false),
    (
        "2023-02-28T06:54:19.123456789Z",
        Some("2023-02-28T06:54"),
        false,
    ),
    ("2023-02-28T06:54:19.957\r", Some("2023-02-28T06:54"), false),
    ("2023-02-28T06:54:19,957", Some("2023-02-28T06:54"), false),
    ("2023-02-28T23:59:60Z leap", Some("2023-02-28T23:59"), false),
    (
        "[2023-02-28T06:54:19.957Z] x",
        Some("2023-02-28T06:54"),
        false,
    ),
    ("[2023-02-28 06:54:19] x", Some("2023-02-28T06:54"), false),
    ("2023-02-31T00:00 x", Some("2023-02-31T00:00"), false),
    ("0000-01-01T00:00Z", Some("0000-01-01T00:00"), false),
    ("9999-12-31T23:59Z", Some("9999-12-31T23:59"), false),
    // Offsets, both spellings, converted to UTC.
    (
        "2023-02-28T06:54:19+05:30 x",
        Some("2023-02-28T01:24"),
        true,
    ),
    ("2023-02-28T06:54:19+0530 x", Some("2023-02-28T01:24"), true),
    ("2023-02-28T06:54-01:00", Some("2023-02-28T07:54"), true),
    (
        "2023-02-28T06:54:19.5+00:00",
        Some("2023-02-28T06:54"),
        true,
    ),
    ("2023-02-28T06:54:19-00:00", Some("2023-02-28T06:54"), true),
    // Crossing midnight: plain proleptic day arithmetic.
    ("2023-02-28T23:30-01:00", Some("2023-03-01T00:30"), true),
    ("2024-02-28T23:30-01:00", Some("2024-02-29T00:30"), true),
    ("2023-02-29T23:30-01:00", Some("2023-03-02T00:30"), true),
    ("2023-03-01T00:30+01:00", Some("2023-02-28T23:30"), true),
    ("2023-02-29T00:30+01:00", Some("2023-02-28T23:30"), true),
    ("2023-01-01T00:00+00:01", Some("2022-12-31T23:59"), true),
    ("2023-12-31T23:00-23:59", Some("2024-01-01T22:59"), true),
    ("2023-04-31T22:00-03:00", Some("2023-05-02T01:00"), true),
    ("0000-01-01T00:00+00:01", None, true),
    ("9999-12-31T23:59-00:01", None, true),
    // Not timestamps: syntax.
    ("", None, false),
    ("INFO 2023-02-28T06:54", None, false),
    (" 2023-02-28T06:54", None, false),
    ("[[2023-02-28T06:54", None, false),
    ("2023-02-28", None, false),
    ("2023-02-28T06", None, false),
    ("2023-02-28T06:5", None, false),
    ("2023-02-28t06:54", None, false),
    ("2023-02-28_06:54", None, false),
    ("2023/02/28T06:54", None, false),
    ("23-02-28T06:54", None, false),
    ("2023-2-28T06:54", None, false),
    ("2023-02-28T6:54", None, false),
    ("2023-02-28T06:54:", None, false),
    ("2023-02-28T06:54:1", None, false),
    ("2023-02-28T06:54:19.", None, false),
    ("2023-02-28T06:54:19.x", None, false),
    ("2023-02-28T06:54:19.1234567890Z", None, false),
    ("2023-02-28T06:54:19.957Zabc", None, false),
    ("2023-02-28T06:54:19.957z", None, false),
    ("2023-02-28T06:54:190", None, false),
    ("2023-02-28T06:541", None, false),
    ("2023-02-28T06:54:19+5", None, false),
    ("2023-02-28T06:54:19+05", None, false),
    ("2023-02-28T06:54:19+05:3", None, false),
    ("2023-02-28T06:54:19+053", None, false),
    ("2023-02-28T06:54:19+05:301", None, false),
    ("2023-02-28T06:54:19+05:30Z", None, false),
    ("2023-02-28T06:54:19ZZ", None, false),
    ("2023-02-28T06:54.5", None, false),
    ("2023-02-28T06:54-", None, false),
    (
        "2023-02-28T06:54:19 +05:30",
        Some("2023-02-28T06:54"),
        false,
    ),
    // Not timestamps: ranges.
    ("2023-00-28T06:54", None, false),
    ("2023-13-28T06:54", None, false),
    ("2023-02-00T06:54", None, false),
    ("2023-02-32T06:54", None, false),
    ("2023-02-28T24:00", None, false),
    ("2023-02-28T06:60", None, false),
    ("2023-02-28T06:54:61", None, false),
    ("2023-02-28T06:54+24:00", None, false),
    ("2023-02-28T06:54+05:60", None, false),
];

#[test]
fn timestamp_table() {
    for &(line, want, offset) in PARSE {
        let got = parse(line.as_bytes());
        let label = got.map(|t| t.bucket(TimeUnit::Minute).label());
        assert_eq!(
            label.as_deref(),
            want.map(|w| format!("{w}:00Z")).as_deref(),
            "{line:?}"
        );
        if let Some(t) = got {
            assert_eq!(t.offset, offset, "{line:?}");
            // Never looks past a newline: the same line with more after it
            // parses the same.
            let cut = &line.as_bytes()[..t.len];
            let mut more = cut.to_vec();
            more.extend_from_slice(b"\n2023-01-01T00:00Z");
            assert_eq!(parse(&more), Some(t), "{line:?}");
        }
    }
}

#[test]
fn buckets_of_each_unit() {
    let t = parse(b"[2023-02-29 06:54:19.957+0100]").unwrap();
    let labels: Vec<String> = [TimeUnit::Minute, TimeUnit::Hour, TimeUnit::Day]
        .iter()
        .map(|&u| t.bucket(u).label())
        .collect();
    assert_eq!(
        labels,
        [
            "2023-02-29T05:54:00Z",
            "2023-02-29T05:00:00Z",
            "2023-02-29T00:00:00Z"
        ]
    );
    // Labels sort as times (and as strings).
    let a = parse(b"2023-02-28T23:59Z")
        .unwrap()
        .bucket(TimeUnit::Minute);
    let b = parse(b"2023-03-01T00:00Z")
        .unwrap()
        .bucket(TimeUnit::Minute);
    assert!(a < b && a.label() < b.label());
}

#[test]
fn labels_read_back_only_when_canonical() {
    let cases = [
        ("2023-02-28T06:00:00Z", TimeUnit::Hour, true),
        ("2023-02-28T06:00:00Z", TimeUnit::Minute, true),
        ("2023-02-28T06:00:00Z", TimeUnit::Day, false),
        ("2023-02-28T00:00:00Z", TimeUnit::Day, true),
        ("2023-02-28T06:05:00Z", TimeUnit::Hour, false),
        ("2023-02-29T06:05:00Z", TimeUnit::Minute, true),
        ("2023-02-28T06:05:01Z", TimeUnit::Minute, false),
        ("2023-02-28 06:05:00Z", TimeUnit::Minute, false),
        ("2023-02-28T06:05:00", TimeUnit::Minute, false),
        ("2023-02-28T24:00:00Z", TimeUnit::Hour, false),
        ("[023-02-28T06:05:00Z", TimeUnit::Minute, false),
        ("", TimeUnit::Minute, false),
    ];
    for (label, unit, ok) in cases {
        let got = BucketStart::parse_label(label, unit);
        assert_eq!(got.is_some(), ok, "{label} {unit:?}");
        if let Some(s) = got {
            assert_eq!(s.label(), label);
        }
    }
}

#[test]
fn unit_names_and_serde() {
    for u in [TimeUnit::Minute, TimeUnit::Hour, TimeUnit::Day] {
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(json, format!("\"{u}\""));
        assert_eq!(serde_json::from_str::<TimeUnit>(&json).unwrap(), u);
    }
    assert!(serde_json::from_str::<TimeUnit>("\"week\"").is_err());
}

/// A tiny deterministic PRNG for the walk tests.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// Lines that mostly share a shape and drift slowly through time, with
/// every way of leaving the shape: other formats, offsets, hours 20-24,
/// second 60, fraction lengths, bad boundaries, untimed lines, CRLF.
fn mixed_log(seed: u64, lines: usize) -> Vec<u8> {
    let mut r = Rng(seed);
    let mut out = Vec::new();
    let (mut day, mut hour, mut min) = (27u32, 19u32, 50u32);
    for _ in 0..lines {
        if r.below(40) == 0 {
            min += 1 + r.below(20) as u32;
            hour += min / 60;
            min %= 60;
            day += hour / 24;
            hour %= 24;
            if day > 31 {
                day = 1;
            }
        }
        let sec = r.below(60);
        let h = if r.below(200) == 0 {
            24 + r.below(76) as u32
        } else {
            hour
        };
        let s = [60, 61, 69, 99][r.below(4)];
        let s = if r.below(100) == 0 { s } else { sec };
        let mi = if r.below(200) == 0 {
            60 + r.below(40) as u32
        } else {
            min
        };
        let frac = ["", ".5", ".957", ".123456", ".1234567890"]
            [r.below(5).min(4) * usize::from(r.below(3) == 0)];
        let zone = ["Z", "", "+01:00", "-0230", "Zx", "+5"][if r.below(8) == 0 {
            r.below(6)
        } else {
            r.below(2)
        }];
        let lead = if r.below(20) == 0 { "[" } else { "" };
        let sep = if r.below(25) == 0 { " " } else { "T" };
        let ts = format!("{lead}2023-02-{day:02}{sep}{h:02}:{mi:02}:{s:02}{frac}{zone}");
        let line = match r.below(30) {
            0 => "no timestamp INFO here".to_string(),
            1 => String::new(),
            2 => ts[..r.below(ts.len())].to_string(),
            _ => format!("{ts} [{}] ERROR x", ["INFO", "WARN", "DEBUG"][r.below(3)]),
        };
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(if r.below(10) == 0 { b"\r\n" } else { b"\n" });
    }
    out
}

/// Counting reference: the occurrences of `needle` (non-overlapping).
fn count_kw(text: &[u8], kws: &[&[u8]], counts: &mut [u64]) {
    for (c, k) in counts.iter_mut().zip(kws) {
        *c += crate::engine::reference::count_one(text, k);
    }
}

/// The same, one line at a time, each line parsed in full.
fn naive(unit: &TimeParser, text: &[u8], kws: &[&[u8]]) -> (Timeline, Vec<u64>, u64) {
    let mut t = Timeline::new(kws.len());
    let mut totals = vec![0; kws.len()];
    let mut lines = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let line = &rest[..end];
        let mut c = vec![0; kws.len()];
        count_kw(line, kws, &mut c);
        t.add_line(unit, line, &c);
        for (a, b) in totals.iter_mut().zip(&c) {
            *a += b;
        }
        lines += 1;
        rest = &rest[end..];
    }
    (t, totals, lines)
}

#[test]
fn runs_match_parsing_every_line() {
    let kws: [&[u8]; 3] = [b"INFO", b"ERROR", b"0"];
    for seed in 0..12 {
        let mut text = mixed_log(seed, 3000);
        if seed % 2 == 1 {
            text.pop(); // no final newline
        }
        for unit in [TimeUnit::Minute, TimeUnit::Hour, TimeUnit::Day] {
            let unit = &TimeParser::iso(unit);
            let want = naive(unit, &text, &kws);
            let mut t = Timeline::new(kws.len());
            let mut totals = vec![0; kws.len()];
            let lines = add_lines(unit, &text, &mut t, &mut totals, |run, c| {
                count_kw(run, &kws, c)
            });
            assert_eq!(
                (&t, &totals, lines),
                (&want.0, &want.1, want.2),
                "seed {seed} {unit:?}"
            );
            assert!(
                t.buckets.len() >= 2 && t.untimed.lines > 0,
                "the log exercises buckets"
            );
            assert_eq!(
                t.totals(),
                BucketTally {
                    lines,
                    counts: totals.clone()
                }
            );
            // Any cut into line-aligned pieces adds up to the same.
            let mut parts = Timeline::new(kws.len());
            let mut ptotals = vec![0; kws.len()];
            let mut plines = 0;
            let mut from = 0;
            for (i, nl) in memchr::memchr_iter(b'\n', &text).enumerate() {
                if i % 97 == 0 || nl + 1 == text.len() {
                    plines +=
                        add_lines(unit, &text[from..=nl], &mut parts, &mut ptotals, |r, c| {
                            count_kw(r, &kws, c)
                        });
                    from = nl + 1;
                }
            }
            plines += add_lines(unit, &text[from..], &mut parts, &mut ptotals, |r, c| {
                count_kw(r, &kws, c)
            });
            assert_eq!(
                (parts, ptotals, plines),
                want,
                "seed {seed} {unit:?} in pieces"
            );
        }
    }
}

#[test]
fn runs_are_counted_in_few_engine_calls() {
    // One shape, one hour: a single engine call for 1000 lines.
    let mut text = Vec::new();
    for i in 0..1000 {
        text.extend_from_slice(
            format!("2023-02-28T06:{:02}:{:02}.{:03}Z INFO\n", i % 60, i % 59, i).as_bytes(),
        );
    }
    for v in walk::variants() {
        let mut calls = 0;
        let mut t = Timeline::new(1);
        let mut totals = [0];
        walk::with_variant(v, || {
            super::add_lines(
                &TimeParser::iso(TimeUnit::Hour),
                &text,
                &mut t,
                &mut totals,
                |run, c| {
                    calls += 1;
                    count_kw(run, &[b"INFO"], c)
                },
            )
        });
        assert_eq!((calls, totals[0], t.buckets.len()), (1, 1000, 1), "{v:?}");
    }
}

#[test]
fn timeline_serde_round_trip_and_checks() {
    let kws = vec!["INFO".to_string(), "WARN".to_string()];
    let text = b"2023-02-28T06:54Z INFO\n2023-02-28T07:01Z WARN INFO\nnone WARN\n";
    let mut t = Timeline::new(2);
    let mut totals = vec![0; 2];
    add_lines(
        &TimeParser::iso(TimeUnit::Hour),
        text,
        &mut t,
        &mut totals,
        |r, c| count_kw(r, &[b"INFO", b"WARN"], c),
    );
    let c = t.to_counts(&kws);
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        json,
        r#"{"buckets":[{"start":"2023-02-28T06:00:00Z","lines":1,"counts":{"INFO":1,"WARN":0}},{"start":"2023-02-28T07:00:00Z","lines":1,"counts":{"INFO":1,"WARN":1}}],"untimed":{"lines":1,"counts":{"INFO":0,"WARN":1}}}"#
    );
    let back: TimelineCounts = serde_json::from_str(&json).unwrap();
    assert_eq!(
        Timeline::from_counts(&back, TimeUnit::Hour, &kws).unwrap(),
        t
    );
    // Wrong unit, wrong order, wrong keywords are refused.
    assert!(Timeline::from_counts(&back, TimeUnit::Day, &kws).is_err());
    let mut swapped = back.clone();
    swapped.buckets.reverse();
    assert!(Timeline::from_counts(&swapped, TimeUnit::Hour, &kws)
        .unwrap_err()
        .contains("out of order"));
    let other = vec!["WARN".to_string(), "INFO".to_string()];
    assert!(Timeline::from_counts(&back, TimeUnit::Hour, &other).is_err());
    let file = TimelineFile::new(TimeUnit::Hour, kws.clone(), &t);
    let json = serde_json::to_string(&file).unwrap();
    assert!(json.starts_with(r#"{"version":1,"by":"hour","keywords":["INFO","WARN"],"buckets":[{"start":"2023-02-28T06:00:00Z""#), "{json}");
}

/// Lines of `format` (a named one) at 1-6 s steps, fractions of varying
/// length, some junk and continuation lines, CRLF now and then.
fn format_log(format: &str, seed: u64, lines: usize) -> Vec<u8> {
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut r = Rng(seed);
    let mut t: i64 = 1_703_980_000 + r.below(100_000) as i64; // late December 2023
    let mut out = Vec::new();
    for i in 0..lines {
        t += r.below(7) as i64 * if r.below(50) == 0 { 600 } else { 1 };
        let (y, mo, d) = crate::timeline::civil_from_days(t.div_euclid(86_400));
        let s = t.rem_euclid(86_400);
        let (h, mi, se) = (s / 3600, s / 60 % 60, s % 60);
        let m = MON[mo as usize - 1];
        let frac = &"123456789"[..1 + r.below(3)];
        let ts = match format {
            "iso" => format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}.{frac}Z"),
            "rfc5424" => format!("<34>1 {y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}+01:00 h"),
            "syslog" => format!("{m} {d:>2} {h:02}:{mi:02}:{se:02} host"),
            "apache" => format!("[Sun {m} {d:02} {h:02}:{mi:02}:{se:02} {y}] [error]"),
            "clf" => format!(
                "10.0.0.{} - - [{d:02}/{m}/{y}:{h:02}:{mi:02}:{se:02} -0700] \"GET\"",
                i % 300
            ),
            "hdfs" => format!("{:02}{mo:02}{d:02} {h:02}{mi:02}{se:02} 148", y % 100),
            "logcat" => format!("{mo:02}-{d:02} {h:02}:{mi:02}:{se:02}.{frac}  1702"),
            "spark" => format!("{:02}/{mo:02}/{d:02} {h:02}:{mi:02}:{se:02}", y % 100),
            "healthapp" => format!("{y:04}{mo:02}{d:02}-{h:02}:{mi:02}:{se:02}:{frac}|Step"),
            "proxifier" => format!("[{mo:02}.{d:02} {h:02}:{mi:02}:{se:02}] chrome.exe"),
            "epoch" => format!("- {t} {y}.{mo:02}.{d:02} R02"),
            "json" => {
                format!("{{\"ts\":\"{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{se:02}Z\",\"m\":1}}")
            }
            other => panic!("{other}"),
        };
        match r.below(40) {
            0 => out.extend_from_slice(b"\tat java.lang.Thread.run(Thread.java:748)\n"),
            1 => out.extend_from_slice(b"\n"),
            _ => {}
        }
        let msg = ["INFO ok", "WARN disk", "ERROR x ERROR", "DEBUG"][r.below(4)];
        let eol = if r.below(30) == 0 { "\r\n" } else { "\n" };
        out.extend_from_slice(format!("{ts} {msg}{eol}").as_bytes());
    }
    out
}

#[test]
fn runs_match_parsing_every_line_in_every_format() {
    use super::rule::{choose, Zone};
    let kws: [&[u8]; 3] = [b"INFO", b"ERROR", b"0"];
    let formats = [
        "iso",
        "rfc5424",
        "syslog",
        "apache",
        "clf",
        "hdfs",
        "logcat",
        "spark",
        "healthapp",
        "proxifier",
        "epoch",
        "json",
    ];
    let units = [
        TimeUnit::Second,
        TimeUnit::Seconds(10),
        TimeUnit::Minute,
        TimeUnit::Minutes(15),
        TimeUnit::Hour,
        TimeUnit::Hours(6),
        TimeUnit::Day,
    ];
    for (seed, format) in formats.iter().enumerate() {
        let text = format_log(format, seed as u64, 2000);
        let rule = choose(&super::rule::TimeSettings::default(), &text, (2024, 1));
        assert_eq!(rule.format.as_deref(), Some(*format), "detected");
        for (k, unit) in units.iter().enumerate() {
            let zone = ["UTC", "Europe/Paris", "+05:30"][k % 3];
            let parser = TimeParser::new(
                super::format::Format::from_spelling(
                    format,
                    rule.field
                        .as_ref()
                        .map(|f| super::format::Place::parse(f).unwrap())
                        .as_ref(),
                )
                .ok(),
                *unit,
                Zone::parse(zone).unwrap(),
                rule.year.unwrap_or(0),
                rule.first_month.unwrap_or(1),
            );
            let t =
                walk_agrees_with_naive(&parser, &text, &kws, &format!("{format} {unit} {zone}"));
            let several = unit.seconds() <= 3600;
            assert!(
                t.buckets.len() > usize::from(several),
                "{format} {unit}: buckets"
            );
            assert!(t.untimed.lines > 0, "{format}: untimed lines");
        }
    }
}

/// Walks `text` with `parser` and asserts the timeline, totals and line
/// count are what reading every line gives; returns the timeline.
fn walk_agrees_with_naive(parser: &TimeParser, text: &[u8], kws: &[&[u8]], what: &str) -> Timeline {
    let want = naive(parser, text, kws);
    let mut t = Timeline::new(kws.len());
    let mut totals = vec![0; kws.len()];
    let lines = add_lines(parser, text, &mut t, &mut totals, |run, c| {
        count_kw(run, kws, c)
    });
    assert_eq!((&t, &totals, lines), (&want.0, &want.1, want.2), "{what}");
    t
}

/// Long runs of one shape, as the walk's windows take them, with one line
/// changed at every line offset of the first windows: the walk must find it
/// whichever line of a window it is.
#[test]
fn windows_find_every_changed_line() {
    use super::format::Format;
    use super::rule::Zone;
    let kws: [&[u8]; 3] = [b"INFO", b"ERROR", b"0"];
    let line = |style: &str, hour: u32, i: usize, tail: &str| -> String {
        let (mi, s, ms) = (i / 60 % 60, i % 60, i * 7 % 1000);
        let msg = ["INFO ok", "ERROR x ERROR", "DEBUG a longer message 0"][i % 3];
        match style {
            "iso" => format!("2023-02-28T{hour:02}:{mi:02}:{s:02}.{ms:03}Z{tail} {msg}"),
            "syslog" => format!("Feb 28 {hour:02}:{mi:02}:{s:02}{tail} host app[4]: {msg}"),
            _ => format!(
                "10.0.{}.{} - - [28/Feb/2023:{hour:02}:{mi:02}:{s:02} +0000{tail}] \"GET\" {msg}",
                i % 4,
                i % 250
            ),
        }
    };
    for style in ["iso", "syslog", "clf"] {
        let parser = TimeParser::new(Format::named(style), TimeUnit::Hour, Zone::Utc, 2023, 2);
        let base: Vec<String> = (0..600).map(|i| line(style, 6, i, "")).collect();
        let lines_in_two_windows = base
            .iter()
            .scan(0, |at, l| {
                *at += l.len() + 1;
                Some(*at)
            })
            .take_while(|&at| at < 2 * 4096 + 256)
            .count();
        for k in 0..=lines_in_two_windows {
            for change in 0..6 {
                let mut text = Vec::new();
                for (i, l) in base.iter().enumerate() {
                    let l = match (i == k, change) {
                        (true, 0) => "no timestamp INFO".to_string(),
                        (true, 1) => line(style, 7, i, ""),
                        (true, 2) => line(style, 6, i, "x"),
                        (true, 3) => String::new(),
                        // From line k on, the next hour.
                        (_, 4) if i >= k => line(style, 7, i, ""),
                        _ => l.clone(),
                    };
                    text.extend_from_slice(l.as_bytes());
                    // CRLF from line k on.
                    let crlf = change == 5 && i >= k;
                    text.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
                }
                let what = format!("{style} line {k} change {change}");
                walk_agrees_with_naive(&parser, &text, &kws, &what);
            }
        }
    }
}
