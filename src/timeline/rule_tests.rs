//! The year rule, zones and detection.

use super::*;

fn parser(format: &str, unit: TimeUnit, zone: &str, year: i32, m0: u32) -> TimeParser {
    TimeParser::new(
        Format::named(format),
        unit,
        Zone::parse(zone).unwrap(),
        year,
        m0,
    )
}

fn label(p: &TimeParser, line: &str) -> Option<String> {
    p.bucket(line.as_bytes()).map(|b| b.label())
}

#[test]
fn year_rule_rolls_over_once() {
    let p = parser("syslog", TimeUnit::Day, "UTC", 2023, 12);
    assert_eq!(
        label(&p, "Dec 30 10:00:00 a").as_deref(),
        Some("2023-12-30T00:00:00Z")
    );
    assert_eq!(
        label(&p, "Jan  2 10:00:00 a").as_deref(),
        Some("2024-01-02T00:00:00Z")
    );
    let p = parser("logcat", TimeUnit::Hour, "UTC", 2020, 3);
    assert_eq!(
        label(&p, "03-17 16:13:38.811 x").as_deref(),
        Some("2020-03-17T16:00:00Z")
    );
    assert_eq!(
        label(&p, "02-29 16:13:38.811 x").as_deref(),
        Some("2021-02-29T16:00:00Z")
    );
}

#[test]
fn choose_takes_the_year_from_the_object_time() {
    let head = b"Dec 30 10:00:00 a\nJan  2 10:00:00 b\n";
    let time = TimeSettings::default();
    // Modified in January: the log began the year before.
    let r = choose(&time, head, (2024, 1));
    assert_eq!(
        (r.format.as_deref(), r.year, r.first_month),
        (Some("syslog"), Some(2023), Some(12))
    );
    // Modified in December: this year.
    assert_eq!(choose(&time, head, (2024, 12)).year, Some(2024));
    // --year wins.
    let given = TimeSettings {
        year: Some(2001),
        ..TimeSettings::default()
    };
    assert_eq!(choose(&given, head, (2024, 1)).year, Some(2001));
    // A format with a year needs no rule.
    let r = choose(&time, b"2024-01-01T00:00Z a\n", (2024, 1));
    assert_eq!((r.format.as_deref(), r.year), (Some("iso"), None));
    let r = choose(&time, b"no time here\n", (2024, 1));
    assert_eq!(r.format, None);
    assert!(r.note.contains("no known timestamp format"), "{}", r.note);
}

#[test]
fn zones() {
    // Paris: UTC+1 in winter, +2 in summer.
    let p = parser("iso", TimeUnit::Minute, "Europe/Paris", 0, 1);
    assert_eq!(
        label(&p, "2024-01-15 10:30:00 x").as_deref(),
        Some("2024-01-15T09:30:00Z")
    );
    assert_eq!(
        label(&p, "2024-07-15 10:30:00 x").as_deref(),
        Some("2024-07-15T08:30:00Z")
    );
    // An explicit offset wins over the zone.
    assert_eq!(
        label(&p, "2024-07-15 10:30:00Z x").as_deref(),
        Some("2024-07-15T10:30:00Z")
    );
    // New York's gap (2024-03-10 02:30 does not exist) moves forward; the
    // repeated hour (2024-11-03 01:30) takes the earlier instant.
    let p = parser("iso", TimeUnit::Minute, "America/New_York", 0, 1);
    assert_eq!(
        label(&p, "2024-03-10 02:30:00").as_deref(),
        Some("2024-03-10T07:30:00Z")
    );
    assert_eq!(
        label(&p, "2024-11-03 01:30:00").as_deref(),
        Some("2024-11-03T05:30:00Z")
    );
    let p = parser("iso", TimeUnit::Day, "+05:30", 0, 1);
    assert_eq!(
        label(&p, "2024-01-02 03:00:00").as_deref(),
        Some("2024-01-01T00:00:00Z")
    );
    for bad in ["Mars/Olympus", "+5", "+24:00", "+05:60", ""] {
        assert!(Zone::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        Zone::parse("-0700").unwrap().spelling().as_deref(),
        Some("-07:00")
    );
    assert_eq!(Zone::parse("+00:00").unwrap(), Zone::Utc);
}

#[test]
fn intervals_align_with_the_clock() {
    let t: &[(TimeUnit, &str)] = &[
        (TimeUnit::Second, "2024-01-02T03:04:05Z"),
        (TimeUnit::Seconds(10), "2024-01-02T03:04:00Z"),
        (TimeUnit::Minute, "2024-01-02T03:04:00Z"),
        (TimeUnit::Minutes(15), "2024-01-02T03:00:00Z"),
        (TimeUnit::Hour, "2024-01-02T03:00:00Z"),
        (TimeUnit::Hours(6), "2024-01-02T00:00:00Z"),
        (TimeUnit::Day, "2024-01-02T00:00:00Z"),
    ];
    for (unit, want) in t {
        let p = parser("iso", *unit, "UTC", 0, 1);
        assert_eq!(
            label(&p, "2024-01-02T03:04:05.9Z x").as_deref(),
            Some(*want),
            "{unit}"
        );
        let b = BucketStart::parse_label(want, *unit).unwrap();
        assert_eq!(b.label(), *want);
    }
    let p = parser("iso", TimeUnit::Minutes(15), "UTC", 0, 1);
    assert_eq!(
        label(&p, "2024-01-02T03:59:59Z").as_deref(),
        Some("2024-01-02T03:45:00Z")
    );
    assert!(BucketStart::parse_label("2024-01-02T03:05:00Z", TimeUnit::Minutes(15)).is_none());
    let p = parser("epoch", TimeUnit::Hour, "Europe/Paris", 0, 1);
    assert_eq!(
        label(&p, "1117838570 x").as_deref(),
        Some("2005-06-03T22:00:00Z")
    );
}

#[test]
fn detection_picks_the_format_of_most_lines() {
    let cases: &[(&str, Option<&str>, Option<&str>)] = &[
        ("2024-01-02T03:04:05Z a\n", Some("iso"), None),
        (
            "<34>1 2003-10-11T22:14:15.003Z host\n",
            Some("rfc5424"),
            None,
        ),
        ("Jun 14 15:16:01 host\n", Some("syslog"), None),
        (
            "[Sun Dec 04 04:47:44 2005] [error] x\n",
            Some("apache"),
            None,
        ),
        (
            "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET\n",
            Some("clf"),
            None,
        ),
        ("081109 203615 148 INFO x\n", Some("hdfs"), None),
        ("03-17 16:13:38.811  1702  2395 D x\n", Some("logcat"), None),
        ("17/06/09 20:10:40 INFO x\n", Some("spark"), None),
        (
            "20171223-22:15:29:606|Step_LSC|1\n",
            Some("healthapp"),
            None,
        ),
        ("[10.30 16:49:06] chrome.exe\n", Some("proxifier"), None),
        ("- 1117838570 2005.06.03 R02-M1\n", Some("epoch"), Some("2")),
        ("1714557600123 x\n", Some("epoch-ms"), None),
        (
            "nova.log 2017-05-16 00:00:00.008 25746 INFO\n",
            Some("iso"),
            Some("2"),
        ),
        (
            "{\"ts\":\"2024-05-01T10:00:00.123Z\",\"level\":\"ERROR\"}\n",
            Some("json"),
            None,
        ),
        (
            "{\"level\":\"ERROR\",\"time\":1714557600}\n",
            Some("json"),
            Some("json:time"),
        ),
        ("nothing\n", None, None),
    ];
    for &(line, format, field) in cases {
        // Junk first, then the format's lines.
        let head = format!("junk line one\n== banner ==\n{}", line.repeat(5));
        let r = choose(&TimeSettings::default(), head.as_bytes(), (2024, 6));
        assert_eq!(
            (r.format.as_deref(), r.field.as_deref()),
            (format, field),
            "{line:?}"
        );
        let p = TimeParser::for_object(TimeUnit::Hour, &Zone::Utc, Some(&r)).unwrap();
        assert_eq!(
            p.bucket(line.as_bytes()).is_some(),
            format.is_some(),
            "{line:?}"
        );
        assert!(p.bucket(b"junk line one").is_none());
    }
}

#[test]
fn bad_options_name_their_flag() {
    let cases: &[(TimeOptions, &str)] = &[
        (
            TimeOptions {
                format: Some("nope".into()),
                ..Default::default()
            },
            "--time-format",
        ),
        (
            TimeOptions {
                format: Some("%Q".into()),
                ..Default::default()
            },
            "--time-format",
        ),
        (
            TimeOptions {
                field: Some("0".into()),
                ..Default::default()
            },
            "--time-field",
        ),
        (
            TimeOptions {
                timezone: Some("Mars/Base".into()),
                ..Default::default()
            },
            "--timezone",
        ),
        (
            TimeOptions {
                year: Some(10_000),
                ..Default::default()
            },
            "--year",
        ),
    ];
    for (o, flag) in cases {
        let e = TimeSettings::parse(o).unwrap_err();
        assert!(e.to_string().contains(flag) && !e.is_transient(), "{e}");
    }
    let ok = TimeOptions {
        format: Some("clf".into()),
        field: Some("json:when".into()),
        year: Some(2020),
        timezone: Some("Asia/Kolkata".into()),
    };
    let s = TimeSettings::parse(&ok).unwrap();
    assert_eq!(s.format.unwrap().place(), &Place::Json("when".into()));
    assert_eq!(s.zone.spelling().as_deref(), Some("Asia/Kolkata"));
}
