//! Each named format and pattern field on lines it reads and lines it must
//! refuse, and the places a timestamp is found at.

use super::*;

/// (format, line, (year, month, day, hour, minute, second) or None).
type Row = (
    &'static str,
    &'static str,
    Option<(Option<u32>, u32, u32, u32, u32, u32)>,
);

const READ: &[Row] = &[
    (
        "iso",
        "2024-01-02T03:04:05Z x",
        Some((Some(2024), 1, 2, 3, 4, 5)),
    ),
    (
        "iso",
        "[2024-01-02 03:04] x",
        Some((Some(2024), 1, 2, 3, 4, 0)),
    ),
    (
        "iso",
        "2024-01-02T03:04:05.123+02:00",
        Some((Some(2024), 1, 2, 3, 4, 5)),
    ),
    ("iso", "2024-01-02T03:04:05Zx", None),
    (
        "rfc5424",
        "<34>1 2003-10-11T22:14:15.003Z host app",
        Some((Some(2003), 10, 11, 22, 14, 15)),
    ),
    ("rfc5424", "<1234>1 2003-10-11T22:14:15Z", None),
    ("rfc5424", "<34> 2003-10-11T22:14:15Z", None),
    (
        "syslog",
        "Jun 14 15:16:01 host sshd",
        Some((None, 6, 14, 15, 16, 1)),
    ),
    (
        "syslog",
        "Jul  1 09:00:55 host",
        Some((None, 7, 1, 9, 0, 55)),
    ),
    ("syslog", "Jul 1 09:00:55 host", None),
    ("syslog", "jun 14 15:16:01 host", None),
    ("syslog", "Jun 14 15:16:0 host", None),
    ("syslog", "Jun 14 24:16:01 host", None),
    (
        "apache",
        "[Sun Dec 04 04:47:44 2005] [error] x",
        Some((Some(2005), 12, 4, 4, 47, 44)),
    ),
    (
        "apache",
        "[Sun Dec 04 04:47:44.123456 2005] [error]",
        Some((Some(2005), 12, 4, 4, 47, 44)),
    ),
    ("apache", "[Sux Dec 04 04:47:44 2005]", None),
    (
        "clf",
        "[10/Oct/2000:13:55:36 -0700] \"GET",
        Some((Some(2000), 10, 10, 13, 55, 36)),
    ),
    ("clf", "[10/Oct/2000:13:55:36] \"GET", None),
    (
        "hdfs",
        "081109 203615 148 INFO x",
        Some((Some(2008), 11, 9, 20, 36, 15)),
    ),
    ("hdfs", "081109 2036151 INFO", None),
    (
        "logcat",
        "03-17 16:13:38.811  1702  2395 D",
        Some((None, 3, 17, 16, 13, 38)),
    ),
    ("logcat", "03-17 16:13:38  1702", None),
    (
        "spark",
        "17/06/09 20:10:40 INFO x",
        Some((Some(2017), 6, 9, 20, 10, 40)),
    ),
    (
        "healthapp",
        "20171223-22:15:29:606|Step_LSC|1",
        Some((Some(2017), 12, 23, 22, 15, 29)),
    ),
    ("healthapp", "20171223-22:15:29|Step", None),
    (
        "proxifier",
        "[10.30 16:49:06] chrome.exe",
        Some((None, 10, 30, 16, 49, 6)),
    ),
    ("proxifier", "[13.30 16:49:06] chrome.exe", None),
    (
        "epoch",
        "1117838570 2005.06.03",
        Some((None, 0, 0, 0, 0, 0)),
    ),
    ("epoch", "111783857 x", None),
    ("epoch", "11178385701 x", None),
    ("epoch", "1117838570.5 x", Some((None, 0, 0, 0, 0, 0))),
    ("epoch-ms", "1714557600123 x", Some((None, 0, 0, 0, 0, 0))),
    ("epoch-ms", "171455760012 x", None),
];

#[test]
fn named_formats_read_their_lines_and_refuse_others() {
    for &(name, line, want) in READ {
        let f = Format::named(name).unwrap();
        let got = f.read(line.as_bytes()).map(|t| {
            if t.epoch.is_some() {
                (None, 0, 0, 0, 0, 0)
            } else {
                (t.year, t.month, t.day, t.hour, t.minute, t.second)
            }
        });
        assert_eq!(got, want, "{name}: {line:?}");
    }
}

#[test]
fn epochs_and_offsets() {
    let f = Format::named("epoch").unwrap();
    assert_eq!(f.read(b"1117838570 x").unwrap().epoch, Some(1_117_838_570));
    let f = Format::named("epoch-ms").unwrap();
    assert_eq!(f.read(b"1714557600999").unwrap().epoch, Some(1_714_557_600));
    let f = Format::named("clf").unwrap();
    assert_eq!(
        f.read(b"[10/Oct/2000:13:55:36 +0530]").unwrap().offset,
        Some(330)
    );
    let f = Format::named("iso").unwrap();
    assert_eq!(f.read(b"2024-01-02T03:04Z").unwrap().offset, Some(0));
    assert_eq!(f.read(b"2024-01-02T03:04").unwrap().offset, None);
}

#[test]
fn places() {
    let t: &[(Place, &str, Option<usize>)] = &[
        (Place::Start, "x", Some(0)),
        (Place::Bracket, "1.2.3.4 - - [10/Oct", Some(12)),
        (Place::Bracket, "no bracket\n[x", None),
        (Place::Field(1), "  a b", Some(2)),
        (Place::Field(2), "- 1117838570 2005", Some(2)),
        (Place::Field(2), "a \t b", Some(4)),
        (Place::Field(3), "a b\nc d", None),
        (Place::Field(2), "a\r\n", None),
        (
            Place::Json("ts".into()),
            r#"{"msg":"ts","ts" : "2024"}"#,
            Some(19),
        ),
        (Place::Json("ts".into()), r#"{"a":1}"#, None),
        (Place::Json("ts".into()), "{\"x\":1}\n{\"ts\":1}", None),
    ];
    for (place, line, want) in t {
        assert_eq!(place.locate(line.as_bytes()), *want, "{place:?} {line:?}");
    }
    assert_eq!(Place::parse("2"), Ok(Place::Field(2)));
    assert_eq!(
        Place::parse("json:@timestamp"),
        Ok(Place::Json("@timestamp".into()))
    );
    for bad in ["0", "x", "json:", "65", "-1"] {
        assert!(Place::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn patterns() {
    let f = Format::pattern("%d/%b/%Y:%H:%M:%S %z", Place::Field(4)).unwrap();
    let line = b"host - - 10/Oct/2000:13:55:36 -0700 GET";
    let at = f.place().locate(line).unwrap();
    let t = f.read(&line[at..]).unwrap();
    assert_eq!((t.year, t.day, t.offset), (Some(2000), 10, Some(-420)));
    assert!(!f.yearless());
    assert!(Format::pattern("%b %e %H:%M:%S", Place::Start)
        .unwrap()
        .yearless());
    assert!(Format::pattern("%Q", Place::Start).is_err());
    assert!(Format::pattern("", Place::Start).is_err());
    // A pattern naming no day reads nothing.
    assert!(Format::pattern("%H:%M", Place::Start)
        .unwrap()
        .read(b"10:00")
        .is_none());
    assert!(Format::from_spelling("nope", None).is_err());
    assert_eq!(
        Format::from_spelling("%%%Y-%m-%d", None)
            .unwrap()
            .read(b"%2024-01-02 x")
            .unwrap()
            .year,
        Some(2024)
    );
    // A quoted JSON value read by a pattern.
    let f = Format::from_spelling("%Y%m%d-%H:%M:%S", Some(&Place::Json("when".into()))).unwrap();
    let line = br#"{"when": "20240102-03:04:05", "x": 1}"#;
    let at = f.place().locate(line).unwrap();
    assert_eq!(f.read(&line[at..]).unwrap().hour, 3);
}

#[test]
fn spans_mark_the_time_digits() {
    let f = Format::named("syslog").unwrap();
    let t = f.read(b"Jun 14 15:16:01 host").unwrap();
    assert!(t.spans_ok);
    let kinds: Vec<(FieldKind, u8)> = t.spans.iter().flatten().map(|s| (s.kind, s.at)).collect();
    assert_eq!(
        kinds,
        [
            (FieldKind::Hour, 7),
            (FieldKind::Minute, 10),
            (FieldKind::Second, 13)
        ]
    );
    assert!(
        !Format::named("epoch")
            .unwrap()
            .read(b"1117838570")
            .unwrap()
            .spans_ok
    );
}
