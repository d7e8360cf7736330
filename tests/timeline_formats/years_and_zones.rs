//! The year of yearless formats, and zones.

use super::*;

#[test]
pub(super) fn syslog_year_rollover() {
    let data = log(70, syslog, &[(at(2023, 12, 30, 0, 0, 0), 170, 3000)], PLAIN);
    let o = |mtime: i64| {
        Dataset::file(obj("messages", "syslog", Value::Null, data.clone()).mtime(mtime))
    };
    // Written 3 January 2024: December is 2023, January 2024.
    let jan = o(at(2024, 1, 3, 8, 0, 0));
    let a = jan.check(&by("day"), &[P1, P7]);
    jan.check(&by("hour"), &[P3]);
    let days: Vec<&str> = a["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["start"].as_str().unwrap())
        .collect();
    assert!(
        days.contains(&"2023-12-31T00:00:00Z") && days.contains(&"2024-01-01T00:00:00Z"),
        "{days:?}"
    );
    // --year 2023 wins over a last-modified time that would say 2024.
    let later = o(at(2025, 6, 15, 8, 0, 0));
    let b = later.check(&by("6h").year(2023), &[P1, P3]);
    later.check(&by("hour").year(2023).via_env(), &[P7]);
    assert!(b["buckets"][0]["start"]
        .as_str()
        .unwrap()
        .starts_with("2023-12"));
    let unpinned = later.check(&by("day"), &[P3]);
    assert_ne!(unpinned, a, "the last-modified year matters");
    // Written on 31 December 2024: December is 2024, January 2025.
    let dec = o(at(2024, 12, 31, 23, 0, 0));
    let c = dec.check(&by("day"), &[P3]);
    assert_eq!(c["buckets"][0]["start"], "2024-12-30T00:00:00Z");
}

#[test]
pub(super) fn logcat_year_rollover_in_paris() {
    let data = log(
        71,
        logcat,
        &[(at(2024, 12, 31, 20, 0, 0), 19, 3000)],
        PLAIN.junk(3),
    );
    let d = Dataset::file(
        obj("logcat.txt", "logcat", Value::Null, data).mtime(at(2025, 1, 2, 10, 0, 0)),
    );
    let want = d.check(&by("hour").tz("Europe/Paris"), &[P1, P7]);
    d.check(&by("day").tz("Europe/Paris"), &[P3]);
    d.check(&by("minute"), &[P3]);
    // Local midnight of the new year is 23:00 UTC of the old one.
    let starts: Vec<&str> = want["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["start"].as_str().unwrap())
        .collect();
    assert!(starts.contains(&"2024-12-31T23:00:00Z"), "{starts:?}");
    assert!(starts.contains(&"2025-01-01T00:00:00Z"), "{starts:?}");
}

// ---------------------------------------------------------------------------
// Zones

/// Local clocks through both 2024 DST changes of New York and Paris: through
/// the spring gaps (lines stamped inside them) and the autumn repeated hour
/// (the clock goes back).
pub(super) fn dst_segments() -> Vec<(i64, i64, usize)> {
    vec![
        (at(2024, 3, 10, 1, 0, 0), 30, 500),
        (at(2024, 3, 31, 1, 0, 0), 30, 500),
        (at(2024, 10, 27, 0, 30, 0), 30, 400),
        (at(2024, 10, 27, 2, 0, 0), 30, 400),
        (at(2024, 11, 3, 0, 30, 0), 30, 400),
        (at(2024, 11, 3, 1, 0, 0), 30, 400),
    ]
}

#[test]
pub(super) fn iana_zones_across_dst_changes() {
    let segs = dst_segments();
    let d = Dataset::dir(vec![
        obj(
            "syslog.log",
            "syslog",
            Value::Null,
            log(80, syslog, &segs, PLAIN),
        )
        .mtime(at(2024, 11, 20, 0, 0, 0)),
        obj(
            "app.log",
            "iso",
            Value::Null,
            log(81, iso_space, &segs, PLAIN.crlf()),
        ),
        // Lines with an offset or Z keep their instant whatever the zone.
        obj("api.log", "iso", Value::Null, log(82, iso_t, &segs, PLAIN)),
    ]);
    let utc = d.oracle(&by("hour"));
    let paris = d.check(&by("hour").tz("Europe/Paris"), &[P1, P7]);
    d.check(&by("15m").tz("Europe/Paris"), &[P3]);
    d.check(&by("minute").tz("Europe/Paris").via_env(), &[P3]);
    let ny = d.check(&by("hour").tz("America/New_York"), &[P3, P7_DEFAULT]);
    d.check(&by("15m").tz("America/New_York"), &[P1]);
    d.check(&by("hour").tz("UTC"), &[P3]);
    assert_ne!(utc, paris);
    assert_ne!(paris, ny);
    // Each syslog object alone as well (its own detection).
    let s = Dataset::file(
        obj(
            "s.log",
            "syslog",
            Value::Null,
            log(83, syslog, &segs, PLAIN),
        )
        .mtime(at(2024, 11, 20, 0, 0, 0)),
    );
    s.check(&by("minute").tz("America/New_York"), &[P7]);
}

#[test]
pub(super) fn fixed_offset_zones() {
    let d = Dataset::dir(vec![
        obj(
            "app.log",
            "iso",
            Value::Null,
            log(
                90,
                iso_space,
                &[(at(2024, 4, 1, 0, 0, 0), 400, 3000)],
                PLAIN,
            ),
        ),
        obj(
            "spark.log",
            "spark",
            Value::Null,
            log(91, spark, &[(at(2024, 4, 3, 0, 0, 0), 300, 1500)], PLAIN),
        ),
    ]);
    let utc = d.oracle(&by("day"));
    let ist = d.check(&by("day").tz("+05:30"), &[P1, P7]);
    d.check(&by("1d").tz("+05:30"), &[P3]);
    d.check(&by("6h").tz("+05:30"), &[P3]);
    d.check(&by("hour").tz("-0700"), &[P3, P7_DEFAULT]);
    d.check(&by("24h").tz("-0700"), &[P3]);
    assert_ne!(utc["buckets"], ist["buckets"]);
    assert!(buckets(&ist) >= 5);
}
