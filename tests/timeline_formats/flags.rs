//! `--time-format` and `--time-field`.

use super::*;

#[test]
pub(super) fn time_format_by_name() {
    let cases: Vec<(Obj, Opts)> = vec![
        (
            obj(
                "syslog.log",
                "syslog",
                Value::Null,
                log(
                    30,
                    syslog,
                    &[(at(2024, 8, 1, 0, 0, 0), 60, 2000)],
                    PLAIN.junk(7),
                ),
            ),
            by("minute").arg("--time-format", "syslog"),
        ),
        (
            obj(
                "bgl.log",
                "epoch",
                json!(2),
                log(31, bgl, &[(1_118_000_000, 100, 2000)], PLAIN),
            ),
            by("hour")
                .arg("--time-format", "epoch")
                .arg("--time-field", "2"),
        ),
        (
            obj(
                "nova.log",
                "iso",
                json!(2),
                log(
                    32,
                    openstack,
                    &[(at(2017, 5, 16, 0, 0, 0), 20, 2000)],
                    PLAIN,
                ),
            ),
            by("15m")
                .arg("--time-format", "iso")
                .arg("--time-field", "2"),
        ),
        (
            obj(
                "hdfs.log",
                "hdfs",
                Value::Null,
                log(33, hdfs, &[(at(2008, 11, 9, 20, 0, 0), 30, 2000)], PLAIN),
            ),
            by("minute").env("LOGCOUNT_TIME_FORMAT", "hdfs"),
        ),
        (
            obj(
                "events.json",
                "json",
                json!("json:ts"),
                log(34, json_ts, &[(at(2024, 1, 2, 3, 4, 5), 30, 2000)], PLAIN),
            ),
            by("hour").arg("--time-format", "json"),
        ),
        (
            obj(
                "app.log",
                "epoch-ms",
                json!(1),
                log(35, epoch_ms_field1, &[(1_710_000_000, 30, 2000)], PLAIN),
            ),
            by("minute").arg("--time-format", "epoch-ms"),
        ),
    ];
    for (o, opts) in cases {
        let d = Dataset::file(o);
        let want = d.check(&opts, &[P1, P7]);
        assert!(buckets(&want) >= 3);
    }
}

#[test]
pub(super) fn time_format_patterns() {
    let cases: Vec<(&str, Line, Value, Opts, i64)> = vec![
        (
            "[%d/%b/%Y:%H:%M:%S %z]",
            clf,
            json!(4),
            by("minute"),
            at(2019, 1, 22, 3, 56, 14),
        ),
        (
            "%d/%b/%Y:%H:%M:%S %z",
            clf_at_field2,
            json!(2),
            by("hour"),
            at(2020, 2, 27, 20, 0, 0),
        ),
        (
            "%Y%m%d-%H:%M:%S:%f",
            healthapp,
            Value::Null,
            by("minute"),
            at(2017, 12, 23, 22, 15, 29),
        ),
        (
            "%a %b %e %H:%M:%S %Y",
            ctime,
            Value::Null,
            by("hour"),
            at(2024, 3, 1, 0, 0, 0),
        ),
        ("ts=%s", logfmt_epoch, Value::Null, by("5m"), 1_650_000_000),
        (
            "%y-%m-%d %H:%M:%S%.f%z",
            short_year_offset,
            Value::Null,
            by("minute"),
            at(2024, 3, 5, 10, 11, 12),
        ),
    ];
    for (i, (pattern, line, field, opts, start)) in cases.into_iter().enumerate() {
        let data = log(40 + i as u64, line, &[(start, 60, 2500)], PLAIN);
        let d = Dataset::file(obj("p.log", pattern, field.clone(), data));
        let mut opts = opts.arg("--time-format", pattern);
        if let Some(n) = field.as_u64() {
            opts = opts.arg("--time-field", &n.to_string());
        }
        let want = d.check(&opts, &[P1, P3, P7_DEFAULT]);
        assert!(buckets(&want) >= 3, "{pattern}");
    }
    // Yearless, at a field, with --year: November 2021 into January 2022.
    let data = log(
        50,
        syslog_at_field2,
        &[(at(2021, 11, 28, 0, 0, 0), 2400, 2500)],
        PLAIN,
    );
    let d = Dataset::file(obj("y.log", "%b %e %H:%M:%S", json!(2), data));
    let o = by("day")
        .year(2021)
        .arg("--time-format", "%b %e %H:%M:%S")
        .arg("--time-field", "2");
    let want = d.check(&o, &[P1, P7]);
    let first = want["buckets"][0]["start"].as_str().unwrap().to_string();
    let last = want["buckets"][buckets(&want) - 1]["start"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        first.starts_with("2021-11") && last.starts_with("2022-01"),
        "{first} {last}"
    );
    // Through the environment.
    let data = log(51, european, &[(at(2024, 4, 1, 8, 0, 0), 30, 2500)], PLAIN);
    let d = Dataset::file(obj("eu.log", "%H:%M:%S %d.%m.%Y", Value::Null, data));
    d.check(
        &by("minute").env("LOGCOUNT_TIME_FORMAT", "%H:%M:%S %d.%m.%Y"),
        &[P3],
    );
    let data = log(52, clf, &[(at(2019, 1, 22, 3, 56, 14), 60, 2500)], PLAIN);
    let d = Dataset::file(obj("f.log", "[%d/%b/%Y:%H:%M:%S %z]", json!(4), data));
    d.check(
        &by("hour")
            .env("LOGCOUNT_TIME_FORMAT", "[%d/%b/%Y:%H:%M:%S %z]")
            .env("LOGCOUNT_TIME_FIELD", "4"),
        &[P3],
    );
}

#[test]
pub(super) fn json_key_not_in_the_default_list() {
    let data = log(
        60,
        json_when,
        &[(at(2024, 9, 1, 12, 0, 0), 60, 3000)],
        PLAIN,
    );
    let d = Dataset::file(obj("when.json", "json", json!("json:when"), data));
    let o = by("minute").arg("--time-field", "json:when");
    let want = d.check(&o, &[P1, P7]);
    // The decoy "ts" (1999) is not the line's time.
    assert!(want["buckets"][0]["start"]
        .as_str()
        .unwrap()
        .starts_with("2024-09-01"));
    d.check(
        &by("hour")
            .arg("--time-format", "json")
            .arg("--time-field", "json:when"),
        &[P3],
    );
    d.check(&by("hour").env("LOGCOUNT_TIME_FIELD", "json:when"), &[P3]);
}
