//! Each named format, detected.

use super::*;

#[test]
pub(super) fn iso_with_t_fractions_zones_and_offsets() {
    detected(
        1,
        "iso",
        Value::Null,
        iso_t,
        &[(at(2024, 3, 4, 22, 17, 3), 20, 3000)],
        PLAIN,
        &[
            ("minute", &[P1, P7]),
            ("hour", &[P3, P7_DEFAULT]),
            ("15m", &[P3]),
            ("second", &[P3_DEFAULT]),
        ],
    );
}

#[test]
pub(super) fn iso_with_space_python_logging_and_brackets_crlf() {
    detected(
        2,
        "iso",
        Value::Null,
        iso_space,
        &[(at(2023, 12, 31, 18, 0, 0), 90, 3000)],
        PLAIN.crlf(),
        &[("minute", &[P1, P3]), ("5m", &[P7]), ("day", &[P3_DEFAULT])],
    );
}

#[test]
pub(super) fn rfc5424_detected() {
    detected(
        3,
        "rfc5424",
        Value::Null,
        rfc5424,
        &[(at(2024, 6, 30, 20, 0, 0), 60, 3000)],
        // Every rfc5424 line is also an iso line at field 2 (a later row of
        // the table, so rfc5424 wins ties): a line whose `<PRI>VER ` prefix is
        // broken would tip detection to iso at field 2. Near misses only
        // after the prefix (at most 8 bytes).
        Shape {
            near_miss_from: 8,
            ..PLAIN
        },
        &[
            ("minute", &[P3]),
            ("day", &[P1, P7]),
            ("10s", &[P3_DEFAULT]),
        ],
    );
}

#[test]
pub(super) fn syslog_detected() {
    detected(
        4,
        "syslog",
        Value::Null,
        syslog,
        &[(at(2024, 5, 6, 23, 40, 0), 120, 3000)],
        PLAIN,
        &[
            ("minute", &[P7]),
            ("hour", &[P1, P3]),
            ("6h", &[P3_DEFAULT]),
        ],
    );
}

#[test]
pub(super) fn apache_without_fraction() {
    detected(
        5,
        "apache",
        Value::Null,
        apache,
        &[(at(2005, 12, 4, 4, 47, 44), 200, 3000)],
        PLAIN,
        &[("minute", &[P3]), ("hour", &[P1, P7])],
    );
}

#[test]
pub(super) fn apache_with_fraction() {
    detected(
        6,
        "apache",
        Value::Null,
        apache_fraction,
        &[(at(2022, 6, 9, 18, 7, 4), 30, 3000)],
        PLAIN.no_final_newline(),
        &[("minute", &[P1, P7]), ("day", &[P3]), ("30s", &[P3])],
    );
}

#[test]
pub(super) fn clf_access_log_with_offsets() {
    detected(
        7,
        "clf",
        Value::Null,
        clf,
        &[(at(2000, 10, 10, 13, 55, 36), 60, 3000)],
        PLAIN,
        &[
            ("minute", &[P3]),
            ("hour", &[P1, P7]),
            ("day", &[P3_DEFAULT]),
        ],
    );
}

#[test]
pub(super) fn hdfs_detected() {
    detected(
        8,
        "hdfs",
        Value::Null,
        hdfs,
        &[(at(2008, 11, 9, 20, 36, 15), 40, 3000)],
        PLAIN,
        &[
            ("minute", &[P1, P3]),
            ("hour", &[P7]),
            ("1h", &[P7_DEFAULT]),
        ],
    );
}

#[test]
pub(super) fn logcat_detected() {
    detected(
        9,
        "logcat",
        Value::Null,
        logcat,
        &[(at(2024, 3, 17, 16, 13, 38), 10, 3000)],
        PLAIN.crlf(),
        &[("minute", &[P3]), ("hour", &[P1, P7]), ("second", &[P3])],
    );
}

#[test]
pub(super) fn spark_detected() {
    detected(
        10,
        "spark",
        Value::Null,
        spark,
        &[(at(2017, 6, 9, 20, 10, 40), 100, 3000)],
        PLAIN,
        &[("minute", &[P7]), ("hour", &[P3]), ("day", &[P1])],
    );
}

#[test]
pub(super) fn healthapp_detected() {
    detected(
        11,
        "healthapp",
        Value::Null,
        healthapp,
        &[(at(2017, 12, 23, 22, 15, 29), 5, 3000)],
        PLAIN,
        &[
            ("minute", &[P1, P7]),
            ("hour", &[P3]),
            ("second", &[P3_DEFAULT]),
        ],
    );
}

#[test]
pub(super) fn proxifier_year_before_the_mtime_year() {
    // Oct-Nov 2023 lines, written February 2024: m0 = 10 > 2, so 2023.
    let data = log(
        12,
        proxifier,
        &[(at(2023, 10, 30, 16, 49, 6), 1200, 3000)],
        PLAIN,
    );
    let d = Dataset::file(
        obj("proxifier.log", "proxifier", Value::Null, data).mtime(at(2024, 2, 1, 9, 0, 0)),
    );
    for (unit, shapes) in [("minute", &[P3][..]), ("hour", &[P1, P7]), ("day", &[P3])] {
        let want = d.check(&by(unit), shapes);
        assert!(buckets(&want) >= 10);
    }
    let want = d.oracle(&by("day"));
    assert!(want["buckets"][0]["start"]
        .as_str()
        .unwrap()
        .starts_with("2023-10-30"));
}

#[test]
pub(super) fn epoch_seconds_at_field_1() {
    detected(
        13,
        "epoch",
        json!(1),
        epoch_field1,
        &[(1_700_000_000, 30, 3000)],
        PLAIN,
        &[
            ("minute", &[P1, P3]),
            ("hour", &[P7]),
            ("15m", &[P7_DEFAULT]),
        ],
    );
}

#[test]
pub(super) fn epoch_seconds_at_field_2_bgl() {
    detected(
        14,
        "epoch",
        json!(2),
        bgl,
        &[(1_117_838_570, 200, 3000)],
        PLAIN,
        &[("minute", &[P3]), ("hour", &[P1, P7]), ("6h", &[P3])],
    );
}

#[test]
pub(super) fn epoch_milliseconds_at_field_1_and_2() {
    detected(
        15,
        "epoch-ms",
        json!(1),
        epoch_ms_field1,
        &[(1_710_000_000, 3, 3000)],
        PLAIN,
        &[("minute", &[P1, P7]), ("hour", &[P3]), ("second", &[P3])],
    );
    detected(
        16,
        "epoch-ms",
        json!(2),
        epoch_ms_field2,
        &[(1_710_000_000, 100, 3000)],
        PLAIN.crlf(),
        &[("minute", &[P3]), ("day", &[P1, P7])],
    );
}

#[test]
pub(super) fn openstack_iso_at_field_2() {
    detected(
        17,
        "iso",
        json!(2),
        openstack,
        &[(at(2017, 5, 16, 0, 0, 0), 15, 3000)],
        PLAIN,
        &[
            ("minute", &[P1, P7]),
            ("hour", &[P3]),
            ("5m", &[P3_DEFAULT]),
        ],
    );
}

#[test]
pub(super) fn json_string_values() {
    detected(
        18,
        "json",
        json!("json:ts"),
        json_ts,
        &[(at(2024, 2, 28, 21, 0, 0), 60, 3000)],
        PLAIN,
        &[("minute", &[P1, P7]), ("hour", &[P3]), ("day", &[P3])],
    );
    detected(
        19,
        "json",
        json!("json:@timestamp"),
        json_at_timestamp,
        &[(at(2024, 7, 1, 0, 0, 0), 40, 3000)],
        PLAIN.no_final_newline(),
        &[("minute", &[P3]), ("hour", &[P1, P7])],
    );
}

#[test]
pub(super) fn json_number_values() {
    detected(
        20,
        "json",
        json!("json:time"),
        json_time_seconds,
        &[(1_700_000_000, 60, 3000)],
        PLAIN,
        &[("minute", &[P1, P3]), ("hour", &[P7])],
    );
    detected(
        21,
        "json",
        json!("json:timestamp"),
        json_timestamp_ms,
        &[(1_600_000_000, 2, 3000)],
        PLAIN.crlf(),
        &[("second", &[P7]), ("minute", &[P1, P3]), ("hour", &[P3])],
    );
}
