//! Datasets of several objects, junk lines, objects no format fits.

use super::*;

/// A folder of objects in different formats (some after junk lines, one no
/// format fits), counted as one dataset.
#[test]
pub(super) fn mixed_dataset_folder() {
    let start = at(2024, 3, 4, 0, 0, 0);
    let objs = vec![
        obj(
            "syslog/messages",
            "syslog",
            Value::Null,
            log(100, syslog, &[(start, 200, 800)], PLAIN),
        )
        .mtime(at(2024, 6, 30, 0, 0, 0)),
        obj(
            "web/access.log",
            "clf",
            Value::Null,
            log(101, clf, &[(start + 3600, 150, 800)], PLAIN.crlf()),
        ),
        obj(
            "app/events.json",
            "json",
            json!("json:ts"),
            log(102, json_ts, &[(start, 250, 800)], PLAIN.no_final_newline()),
        ),
        obj(
            "hdfs/hdfs.log",
            "hdfs",
            Value::Null,
            log(103, hdfs, &[(start + 7200, 100, 800)], PLAIN),
        ),
        obj(
            "android/logcat.txt",
            "logcat",
            Value::Null,
            log(104, logcat, &[(start, 200, 800)], PLAIN.junk(20)),
        )
        .mtime(at(2024, 5, 1, 0, 0, 0)),
        obj(
            "nova/nova-api.log",
            "iso",
            json!(2),
            log(105, openstack, &[(start, 150, 800)], PLAIN.junk(2)),
        ),
        obj(
            "bgl/BGL.log",
            "epoch",
            json!(2),
            log(106, bgl, &[(start, 220, 800)], PLAIN.junk(12)),
        ),
        obj(
            "notes/README.txt",
            "none",
            Value::Null,
            log(107, no_format, &[(start, 1, 300)], PLAIN),
        ),
        obj(
            "apache/error_log",
            "apache",
            Value::Null,
            log(108, apache_fraction, &[(start, 300, 800)], PLAIN),
        ),
        obj(
            "spark/executor.log",
            "spark",
            Value::Null,
            log(109, spark, &[(start, 200, 800)], PLAIN.junk(5).crlf()),
        ),
        obj(
            "proxy/proxifier.log",
            "proxifier",
            Value::Null,
            log(
                110,
                proxifier,
                &[(at(2023, 10, 30, 0, 0, 0), 300, 800)],
                PLAIN.junk(3),
            ),
        )
        .mtime(at(2024, 2, 10, 0, 0, 0)),
        obj(
            "health/HealthApp.log",
            "healthapp",
            Value::Null,
            log(111, healthapp, &[(start, 100, 800)], PLAIN),
        ),
        obj(
            "api/ms.log",
            "epoch-ms",
            json!(1),
            log(112, epoch_ms_field1, &[(1_709_520_000, 200, 800)], PLAIN),
        ),
    ];
    let d = Dataset::dir(objs);
    let want = d.check(&by("hour"), &[P1, P7, P7_DEFAULT]);
    assert!(buckets(&want) >= 40);
    assert!(untimed(&want) >= 300 + 20 + 12);
    d.check(&by("minute"), &[P3]);
    d.check(&by("6h").tz("Europe/Paris"), &[P3_DEFAULT, P7]);
    d.check(&by("day").tz("America/New_York"), &[P3]);
    d.check(&by("15m").year(2022), &[P3]);
}

/// Up to 20 untimed lines before the first timed one: detection still finds
/// the format and the year comes from the first timed line's month.
#[test]
pub(super) fn junk_lines_before_the_first_timed_line() {
    let cases: Vec<Obj> = vec![
        obj(
            "syslog.log",
            "syslog",
            Value::Null,
            log(
                120,
                syslog,
                &[(at(2023, 12, 31, 12, 0, 0), 60, 2000)],
                PLAIN.junk(20),
            ),
        )
        .mtime(at(2024, 1, 5, 0, 0, 0)),
        obj(
            "app.log",
            "iso",
            Value::Null,
            log(
                121,
                iso_t,
                &[(at(2024, 1, 1, 0, 0, 0), 60, 2000)],
                PLAIN.junk(1),
            ),
        ),
        obj(
            "events.json",
            "json",
            json!("json:time"),
            log(
                122,
                json_time_seconds,
                &[(1_700_000_000, 60, 2000)],
                PLAIN.junk(20).crlf(),
            ),
        ),
        obj(
            "BGL.log",
            "epoch",
            json!(2),
            log(123, bgl, &[(1_117_838_570, 60, 2000)], PLAIN.junk(17)),
        ),
        obj(
            "logcat.txt",
            "logcat",
            Value::Null,
            log(
                124,
                logcat,
                &[(at(2024, 11, 30, 23, 0, 0), 60, 2000)],
                PLAIN.junk(20),
            ),
        ),
    ];
    for o in cases {
        let name = o.name.clone();
        let d = Dataset::file(o);
        let want = d.check(&by("hour"), &[P1, P7]);
        assert!(untimed(&want) >= 1 && buckets(&want) >= 3, "{name}");
    }
}

/// An object no format fits: every line untimed, no bucket, alone and next
/// to a timed object.
#[test]
pub(super) fn object_no_format_fits() {
    let data = log(130, no_format, &[(0, 1, 2500)], PLAIN.junk(10));
    let lines = lines_of(&data);
    let d = Dataset::file(obj("notes.txt", "none", Value::Null, data.clone()));
    let want = d.check(&by("minute"), &[P1, P7]);
    assert_eq!(buckets(&want), 0);
    assert_eq!(untimed(&want), lines);
    let d = Dataset::dir(vec![
        obj("a/notes.txt", "none", Value::Null, data),
        obj(
            "b/app.log",
            "iso",
            Value::Null,
            log(131, iso_t, &[(at(2024, 1, 1, 0, 0, 0), 60, 1000)], PLAIN),
        ),
    ]);
    let want = d.check(&by("hour"), &[P3]);
    assert!(untimed(&want) >= lines);
}

/// Hand-written near misses and edge forms among ordinary lines, one object
/// per format: the follow-byte rule (after a digit, after a zone letter),
/// fraction widths, incomplete offsets, field ranges, `%e`-style days, one
/// `[` at most, JSON values (blanks, widths, a string not closed right after
/// the timestamp).
#[test]
pub(super) fn edge_lines_by_hand() {
    let cases: [(&str, Value, Line, i64, &[&str]); 4] = [
        (
            "iso",
            Value::Null,
            iso_t,
            at(2024, 3, 5, 9, 0, 0),
            &[
                "2024-03-05T10:00:45Zabc INFO Z then a letter",
                "2024-03-05T10:00:46Z03:00 INFO Z then digits",
                "2024-03-05T10:00:47.1234567890 INFO ten fraction digits",
                "2024-03-05T10:00:48.123456789Z INFO nine",
                "2024-03-05T10:00:49+01 INFO an offset cut short",
                "2024-03-05T10:00:50+0100x INFO a letter after an offset",
                "2024-03-05T10:00:51-02:30 INFO",
                "2024-03-05T24:00:00Z INFO hour 24",
                "2024-13-05T10:00:00Z INFO month 13",
                "2024-03-32T10:00:00Z INFO day 32",
                "2024-03-05T10:60:00Z INFO minute 60",
                "[2024-03-05 10:01:00] INFO one bracket",
                "[[2024-03-05 10:01:01] INFO two brackets",
                "2024-03-05 10:02 INFO minutes only",
                "2024-03-05T10:02Z INFO minutes only, Z",
                "2024-03-05T10:03:00,5 INFO a comma after the seconds",
                "2024-03-05T10:03:01:02 INFO a colon after the seconds",
                "2024-03-05t10:03:02 INFO a small t",
                " 2024-03-05T10:03:03 INFO a leading blank",
                "2024-03-05T10:03:04\tINFO a tab after",
                "2024-03-05T10:03:05\r",
            ],
        ),
        (
            "syslog",
            Value::Null,
            syslog,
            at(2024, 3, 5, 9, 0, 0),
            &[
                "Mar  5 10:00:00x host INFO a letter after",
                "Mar 05 10:00:01 host INFO a zero-padded day",
                "Mar 5 10:00:02 host INFO one space, one digit",
                "mar  5 10:00:03 host INFO lower case",
                "MAR  5 10:00:04 host INFO upper case",
                "Mar 32 10:00:05 host INFO day 32",
                "Mar  5 10:00:61 host INFO second 61",
                "Mar  5 10:00:06.123 host INFO a fraction",
                "Mar  5 10:00:07",
            ],
        ),
        (
            "json",
            json!("json:ts"),
            json_ts,
            at(2024, 3, 5, 9, 0, 0),
            &[
                "{\"ts\" : \"2024-03-05T10:00:00Z\",\"level\":\"INFO\"}",
                "{\"ts\":\t\"2024-03-05T10:00:01.5Z\",\"level\":\"INFO\"}",
                "{\"ts\":\"2024-03-05T10:00:02.5 x\",\"level\":\"INFO\"}",
                "{\"ts\":\"2024-03-05T10:00:03\\u0020\",\"level\":\"INFO\"}",
                "{\"ts\":1709632804,\"level\":\"INFO\"}",
                "{\"ts\":1709632805.25,\"level\":\"INFO\"}",
                "{\"ts\":1709632806123,\"level\":\"INFO\"}",
                "{\"ts\":17096328071,\"level\":\"INFO\"}",
                "{\"ts\":170963280,\"level\":\"INFO\"}",
                "{\"level\":\"INFO\",\"ts\":\"2024-03-05T10:00:09+01:00\"}",
                "{\"tsx\":\"2024-03-05T10:00:10Z\",\"level\":\"INFO\"}",
            ],
        ),
        (
            "epoch",
            json!(2),
            bgl,
            1_709_629_200,
            &[
                "- 1709632800 2024.03.05 R00 INFO",
                "- 1709632801.5 INFO a fraction",
                "- 1709632802x INFO a letter after",
                "- 17096328030 INFO eleven digits",
                "-\t1709632804 INFO a tab between",
                "  - 1709632805 INFO leading blanks",
                "- 1709632806",
                "1709632807 INFO at field 1",
            ],
        ),
    ];
    for (format, field, line, start, edges) in cases {
        let mut data = log(140, line, &[(start, 30, 60)], PLAIN);
        for e in edges {
            data.extend_from_slice(e.as_bytes());
            data.push(b'\n');
        }
        data.extend(log(141, line, &[(start + 7200, 30, 60)], PLAIN));
        let d = Dataset::file(obj("edge.log", format, field, data));
        d.check(&by("second"), &[P1]);
        d.check(&by("minute"), &[P3]);
    }
}
