//! Timestamp formats for `--by` through `logcount run`: every named format
//! (detected, and chosen with `--time-format NAME`), strftime-style patterns,
//! `--time-field N|json:KEY`, the year of yearless formats (`--year`, the
//! object's last-modified time, the December → January roll-over), zones
//! (`--timezone` IANA names across DST changes, fixed offsets), every bucket
//! unit (second, minute, hour, day, `Ns`/`Nm`/`Nh`), mixed datasets whose
//! objects each have their own format, junk lines before the first timed one
//! and objects no format fits. Each `<work>/timeline.json` is compared with an
//! independent Python oracle (`tests/oracle/timeline_formats.py`: `re`,
//! `datetime`, `zoneinfo`, written from the format contract), which is told
//! each object's format (it does not detect), over several part counts and
//! read block sizes, with CRLF line ends and a missing final newline. The logs
//! are generated with a deterministic PRNG: time advancing by random steps,
//! keywords in the messages, untimed continuation lines (stack traces), and
//! near misses (2% of the timed lines get one of their first 40 bytes
//! replaced by a non-digit: a broken separator, a letter or `.` right after
//! the timestamp, a field split in two), which the oracle times or not by the
//! contract's rules. The generated data avoids ambiguous detection (a line
//! that two formats of the table both parse), since the oracle is told the
//! format rather than detecting it.

use crate::common::{ok, repo_root, step_binary};
use serde_json::{json, Value};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

const KEYWORDS: [&str; 4] = ["INFO", "WARN", "ERROR", "DEBUG"];
const MON: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WDAY: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/// A read block size much smaller than the objects (the default, 4 MiB, is
/// larger than all of them).
const SMALL_BLOCK: Option<usize> = Some(4096);
const DEFAULT_BLOCK: Option<usize> = None;

// ---------------------------------------------------------------------------
// Deterministic generation

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// `.` and 1 to `max` random digits.
    fn fraction(&mut self, max: u64) -> String {
        let n = 1 + self.below(max);
        let mut s = String::from(".");
        for _ in 0..n {
            s.push(char::from(b'0' + self.below(10) as u8));
        }
        s
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let (m, d) = (i64::from(m), i64::from(d));
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Seconds since 1970-01-01 00:00 of a wall-clock time (as UTC, or as the
/// local clock of a zone the test names).
fn at(y: i64, m: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    days_from_civil(y, m, d) * 86_400 + i64::from(h * 3600 + mi * 60 + s)
}

/// A wall-clock time broken down; `t` is [`at`]'s number (the epoch for the
/// epoch formats).
struct Wall {
    t: i64,
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    /// Index into [`WDAY`].
    wd: usize,
}

impl Wall {
    fn new(t: i64) -> Wall {
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400) as u32;
        let (y, mo, d) = civil_from_days(days);
        Wall {
            t,
            y,
            mo,
            d,
            h: secs / 3600,
            mi: secs / 60 % 60,
            s: secs % 60,
            // 1970-01-01 was a Thursday.
            wd: (days + 3).rem_euclid(7) as usize,
        }
    }

    fn date(&self) -> String {
        format!("{}-{:02}-{:02}", self.y, self.mo, self.d)
    }

    fn hms(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.h, self.mi, self.s)
    }

    fn mon(&self) -> &'static str {
        MON[self.mo as usize - 1]
    }
}

/// A level and a message body, with keywords (some repeated or inside
/// words) and none in others.
fn message(r: &mut Rng) -> (&'static str, String) {
    let level = *r.pick(&["INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG", "DEBUG"]);
    let n = r.below(100_000);
    let body = match r.below(9) {
        0 => format!("Received block blk_{n} of size 67108864 from /10.250.19.102"),
        1 => format!("request id={n} took {}ms", r.below(900)),
        2 => format!("retrying after ERROR in worker-{}", r.below(8)),
        3 => format!("cache miss key=user:{n} (WARN threshold 0.{})", r.below(10)),
        4 => "DEBUGDEBUG dump follows".to_string(),
        5 => format!(
            "connection from 192.168.{}.{} closed",
            r.below(256),
            r.below(256)
        ),
        6 => "xINFOx INFOINFO info warn error".to_string(),
        7 => format!("job {n} finished: ERRORS=0 WARNINGS={}", r.below(3)),
        _ => format!("heartbeat {n} ok"),
    };
    (level, body)
}

/// Lines that follow a timed one and carry no timestamp in any format.
fn continuation(r: &mut Rng) -> String {
    match r.below(7) {
        0 => format!(
            "\tat org.apache.hadoop.hdfs.server.datanode.DataXceiver.run(DataXceiver.java:{})",
            r.below(900)
        ),
        1 => "Caused by: java.io.IOException: Connection reset by peer (ERROR path)".into(),
        2 => format!("\t... {} more", r.below(40)),
        3 => "Traceback (most recent call last):".into(),
        4 => format!(
            "  File \"/usr/lib/python3/dist-packages/app/worker.py\", line {}, in run",
            r.below(500)
        ),
        5 => String::new(),
        _ => "    raise RuntimeError(\"WARN threshold exceeded\")".into(),
    }
}

/// What a program prints before it logs with timestamps.
const JUNK: [&str; 8] = [
    "=== service starting ===",
    "Loading configuration from /etc/app/app.conf",
    "INFO: no timestamp on this banner line",
    "",
    "java -Xmx2g -jar app.jar --spring.profiles.active=prod",
    "Picked up JAVA_TOOL_OPTIONS: -Dfile.encoding=UTF8",
    "WARNING: An illegal reflective access operation has occurred",
    "  ____  ____  ____   version 4.2.1 (build 20240305)",
];

/// One line in a format, at a wall-clock time.
type Line = fn(&mut Rng, &Wall) -> String;

/// ISO 8601 with `T`: fractions of 1-9 digits or none, `Z`, offsets in both
/// forms or no zone, a few without seconds.
fn iso_t(r: &mut Rng, w: &Wall) -> String {
    let zone = *r.pick(&["Z", "Z", "", "", "+02:00", "-0530", "+0000", "-03:00"]);
    let time = if r.chance(5) {
        format!("{:02}:{:02}", w.h, w.mi)
    } else if r.chance(30) {
        w.hms()
    } else {
        format!("{}{}", w.hms(), r.fraction(9))
    };
    let (level, body) = message(r);
    format!(
        "{}T{time}{zone} api-{} app[{}]: {level} {body}",
        w.date(),
        r.below(4),
        1000 + r.below(9000)
    )
}

/// ISO with a space, no zone: Python logging (`,123` after the seconds),
/// Laravel's `[...]`, minutes only.
fn iso_space(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    match r.below(3) {
        0 => format!(
            "{} {},{:03} - app.{} - {level} - {body}",
            w.date(),
            w.hms(),
            r.below(1000),
            r.pick(&["db", "http", "worker"])
        ),
        1 => format!("[{} {}] production.{level}: {body}", w.date(), w.hms()),
        _ => format!("{} {:02}:{:02} {level} {body}", w.date(), w.h, w.mi),
    }
}

/// RFC 5424 syslog: `<PRI>VER ` then ISO with `Z` or an offset.
fn rfc5424(r: &mut Rng, w: &Wall) -> String {
    let zone = *r.pick(&["Z", "+01:00", "-07:00"]);
    let frac = if r.chance(50) {
        r.fraction(6)
    } else {
        String::new()
    };
    let ver = if r.chance(90) { 1 } else { 12 };
    let (level, body) = message(r);
    format!(
        "<{}>{ver} {}T{}{frac}{zone} host{}.example.com evntslog {} ID47 - {level} {body}",
        r.below(192),
        w.date(),
        w.hms(),
        r.below(5),
        r.below(30_000)
    )
}

/// BSD syslog (no year), the day space-padded or now and then zero-padded.
fn syslog(r: &mut Rng, w: &Wall) -> String {
    let day = if r.chance(10) {
        format!("{:02}", w.d)
    } else {
        format!("{:>2}", w.d)
    };
    let (level, body) = message(r);
    format!(
        "{} {day} {} host{} {}[{}]: {level} {body}",
        w.mon(),
        w.hms(),
        r.below(3),
        r.pick(&["sshd", "kernel", "CRON", "app"]),
        r.below(40_000)
    )
}

/// Apache 2.2 error log.
fn apache(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "[{} {} {:02} {} {}] [{}] {body}",
        WDAY[w.wd],
        w.mon(),
        w.d,
        w.hms(),
        w.y,
        level.to_lowercase()
    )
}

/// Apache 2.4 error log (microseconds).
fn apache_fraction(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "[{} {} {:02} {}.{:06} {}] [core:{}] [pid {}:tid {}] [client 10.0.0.{}:{}] AH00126: {level} {body}",
        WDAY[w.wd],
        w.mon(),
        w.d,
        w.hms(),
        r.below(1_000_000),
        w.y,
        level.to_lowercase(),
        r.below(30_000),
        r.below(1 << 40),
        r.below(256),
        1024 + r.below(60_000)
    )
}

/// Common Log Format (access logs) with a few offsets.
fn clf(r: &mut Rng, w: &Wall) -> String {
    let zone = *r.pick(&["-0700", "+0000", "+0530", "+0100"]);
    let (level, _) = message(r);
    format!(
        "10.{}.{}.{} - {} [{:02}/{}/{}:{} {zone}] \"GET /api/v1/items?level={level}&id={} HTTP/1.1\" {} {} \"-\" \"curl/8.5.0\"",
        r.below(256),
        r.below(256),
        r.below(256),
        r.pick(&["-", "frank", "svc-backup"]),
        w.d,
        w.mon(),
        w.y,
        w.hms(),
        r.below(1_000_000),
        r.pick(&[200, 200, 304, 404, 500]),
        r.below(50_000)
    )
}

/// HDFS (Loghub): `yyMMdd HHmmss`.
fn hdfs(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{:02}{:02}{:02} {:02}{:02}{:02} {} {level} dfs.DataNode$PacketResponder: {body}",
        w.y % 100,
        w.mo,
        w.d,
        w.h,
        w.mi,
        w.s,
        r.below(5000)
    )
}

/// Android logcat (no year).
fn logcat(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{:02}-{:02} {}.{:03} {:>5} {:>5} {} {}: {body}",
        w.mo,
        w.d,
        w.hms(),
        r.below(1000),
        r.below(30_000),
        r.below(30_000),
        &level[..1],
        r.pick(&["WindowManager", "ActivityManager", "PowerManagerService"])
    )
}

/// Spark (Loghub): `yy/MM/dd HH:mm:ss`.
fn spark(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{:02}/{:02}/{:02} {} {level} executor.Executor: {body}",
        w.y % 100,
        w.mo,
        w.d,
        w.hms()
    )
}

/// HealthApp (Loghub): `yyyyMMdd-HH:mm:ss:SSS`, milliseconds not padded.
fn healthapp(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{}{:02}{:02}-{:02}:{:02}:{:02}:{}|Step_LSC|{}|{level} {body}",
        w.y,
        w.mo,
        w.d,
        w.h,
        w.mi,
        w.s,
        r.below(1000),
        30_002_312 + r.below(10)
    )
}

/// Proxifier (Loghub): `[MM.dd HH:mm:ss]`, no year.
fn proxifier(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "[{:02}.{:02} {}] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS {level} {body}",
        w.mo,
        w.d,
        w.hms()
    )
}

/// Epoch seconds in field 1, with or without a fraction.
fn epoch_field1(r: &mut Rng, w: &Wall) -> String {
    let frac = if r.chance(50) {
        r.fraction(9)
    } else {
        String::new()
    };
    let (level, body) = message(r);
    format!("{}{frac} node-{} kernel: {level} {body}", w.t, r.below(64))
}

/// BGL (Loghub): epoch seconds in field 2 after `-` or an alert tag.
fn bgl(r: &mut Rng, w: &Wall) -> String {
    let tag = if r.chance(80) {
        "-"
    } else {
        *r.pick(&["APPREAD", "KERNDTLB", "KERNSTOR"])
    };
    let node = format!(
        "R{:02}-M{}-N{}-C:J{:02}-U{:02}",
        r.below(80),
        r.below(2),
        r.below(16),
        r.below(18),
        r.below(12)
    );
    let (level, body) = message(r);
    format!(
        "{tag} {} {}.{:02}.{:02} {node} {}-{:02}-{:02}-{:02}.{:02}.{:02}.{:06} {node} RAS KERNEL {level} {body}",
        w.t,
        w.y,
        w.mo,
        w.d,
        w.y,
        w.mo,
        w.d,
        w.h,
        w.mi,
        w.s,
        r.below(1_000_000)
    )
}

/// Epoch milliseconds in field 1.
fn epoch_ms_field1(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{}{:03} [main-{}] {level} com.example.Service - {body}",
        w.t,
        r.below(1000),
        r.below(8)
    )
}

/// Epoch milliseconds in field 2.
fn epoch_ms_field2(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "web-{} {}{:03} {level} {body}",
        r.below(9),
        w.t,
        r.below(1000)
    )
}

/// OpenStack (Loghub): the file name, then ISO with a space in field 2.
fn openstack(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "nova-api.log.1.2017-05-16_13:53:08 {} {}.{:03} {} {level} nova.osapi_compute.wsgi.server [req-{:08x}-2096-447d-96ea-a692162415ae 113d3a99c3da401fbd62cc2caa5b96d2 54fadb412c4e40cdbaed9335e4c35a9e - - -] 10.11.10.1 \"GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.{:07} {body}",
        w.date(),
        w.hms(),
        r.below(1000),
        25_000 + r.below(1000),
        r.below(1 << 32),
        r.below(10_000_000)
    )
}

/// JSON lines, `"ts"`: an ISO string with `Z`, an offset or none.
fn json_ts(r: &mut Rng, w: &Wall) -> String {
    let zone = *r.pick(&["Z", "Z", "+01:00", ""]);
    let frac = if r.chance(70) {
        r.fraction(9)
    } else {
        String::new()
    };
    let (level, body) = message(r);
    format!(
        "{{\"ts\":\"{}T{}{frac}{zone}\",\"level\":\"{level}\",\"logger\":\"svc.{}\",\"msg\":\"{body}\"}}",
        w.date(),
        w.hms(),
        r.below(5)
    )
}

/// JSON lines, `"@timestamp"` after other keys, blanks around the `:`.
fn json_at_timestamp(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{{\"level\": \"{level}\", \"@timestamp\" : \"{}T{}.{:03}-05:00\", \"message\": \"{body}\"}}",
        w.date(),
        w.hms(),
        r.below(1000)
    )
}

/// JSON lines, `"time"`: epoch seconds, some with a fraction. Not the first
/// key: as field 2 (`{"time": 1700000000,`) the number would also be the
/// `epoch` format's second candidate, which detection tries first.
fn json_time_seconds(r: &mut Rng, w: &Wall) -> String {
    let frac = if r.chance(60) {
        r.fraction(6)
    } else {
        String::new()
    };
    let (level, body) = message(r);
    format!(
        "{{\"level\": \"{}\", \"time\": {}{frac}, \"msg\": \"{level} {body}\"}}",
        level.to_lowercase(),
        w.t
    )
}

/// JSON lines, `"timestamp"`: epoch milliseconds.
fn json_timestamp_ms(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{{\"timestamp\":{}{:03},\"severity\":\"{level}\",\"text\":\"{body}\"}}",
        w.t,
        r.below(1000)
    )
}

/// JSON lines timed by `"when"` (not a default key), with a decoy `"ts"`
/// far in the past.
fn json_when(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    let when = if r.chance(50) {
        format!("\"{}T{}Z\"", w.date(), w.hms())
    } else {
        format!("{}{:03}", w.t, r.below(1000))
    };
    format!(
        "{{\"ts\":\"1999-01-0{}T00:00:00Z\",\"when\":{when},\"level\":\"{level}\",\"msg\":\"{body}\"}}",
        1 + r.below(9)
    )
}

/// `host dd/Mon/YYYY:HH:MM:SS ±hhmm ...`: for a pattern at field 2.
fn clf_at_field2(r: &mut Rng, w: &Wall) -> String {
    let zone = *r.pick(&["+0200", "-0800"]);
    let (level, body) = message(r);
    format!(
        "edge-{} {:02}/{}/{}:{} {zone} GET /index.html {level} {body}",
        r.below(9),
        w.d,
        w.mon(),
        w.y,
        w.hms()
    )
}

/// `host Mon  d HH:MM:SS ...` (no year): for `%b %e %H:%M:%S` at field 2.
fn syslog_at_field2(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "host-{} {} {:>2} {} sshd[{}]: {level} {body}",
        r.below(9),
        w.mon(),
        w.d,
        w.hms(),
        r.below(40_000)
    )
}

/// ctime: `Www Mon  d HH:MM:SS YYYY`.
fn ctime(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{} {} {:>2} {} {} daemon[{}]: {level} {body}",
        WDAY[w.wd],
        w.mon(),
        w.d,
        w.hms(),
        w.y,
        r.below(9000)
    )
}

/// logfmt with `ts=` epoch seconds.
fn logfmt_epoch(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "ts={} level={} caller=main.go:{} msg=\"{level} {body}\"",
        w.t,
        level.to_lowercase(),
        r.below(400)
    )
}

/// `yy-mm-dd HH:MM:SS[.f]±hh:mm`.
fn short_year_offset(r: &mut Rng, w: &Wall) -> String {
    let frac = if r.chance(50) {
        r.fraction(3)
    } else {
        String::new()
    };
    let zone = *r.pick(&["+01:00", "-0400", "Z"]);
    let (level, body) = message(r);
    format!(
        "{:02}-{:02}-{:02} {}{frac}{zone} {level} {body}",
        w.y % 100,
        w.mo,
        w.d,
        w.hms()
    )
}

/// `HH:MM:SS dd.mm.YYYY` (European).
fn european(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{} {:02}.{:02}.{} [worker-{}] {level} {body}",
        w.hms(),
        w.d,
        w.mo,
        w.y,
        r.below(4)
    )
}

/// Text no format fits.
fn no_format(r: &mut Rng, _: &Wall) -> String {
    let (level, body) = message(r);
    match r.below(4) {
        0 => format!("{level} user=alice action=login {body}"),
        1 => format!("{level}: {body}"),
        2 => format!(
            "    at handler (app.js:{}:{}) {body}",
            r.below(300),
            r.below(80)
        ),
        _ => format!("step {} of {}: {level} {body}", r.below(10), r.below(10)),
    }
}

/// How a generated object looks around its timed lines.
#[derive(Clone, Copy)]
struct Shape {
    /// Untimed lines before the first timed one.
    junk: usize,
    crlf: bool,
    final_newline: bool,
    /// Percent of timed lines followed by 1-3 untimed continuation lines.
    untimed: u64,
    /// Where in a line [`near_miss`] may start changing bytes.
    near_miss_from: usize,
}

const PLAIN: Shape = Shape {
    junk: 0,
    crlf: false,
    final_newline: true,
    untimed: 3,
    near_miss_from: 0,
};

impl Shape {
    fn junk(self, junk: usize) -> Shape {
        Shape { junk, ..self }
    }
    fn crlf(self) -> Shape {
        Shape { crlf: true, ..self }
    }
    fn no_final_newline(self) -> Shape {
        Shape {
            final_newline: false,
            ..self
        }
    }
}

/// Replaces one of the first 40 bytes of a line with a byte that is not a
/// digit: mostly a timestamp that no longer parses (a letter or `.` right
/// after it, a broken separator, a field split in two); the oracle decides.
/// No digit is written, so no impossible calendar date (left unspecified by
/// the contract) can arise.
fn near_miss(r: &mut Rng, line: &mut String, from: usize) {
    let n = line.len().min(40);
    if n <= from || !line.is_char_boundary(n) {
        return;
    }
    let at = from + r.below((n - from) as u64) as usize;
    if !line.is_char_boundary(at) || !line.is_char_boundary(at + 1) {
        return;
    }
    let by = *r.pick(&["x", ":", ".", " ", "-", "/", "+", "Z", "\t", "T", "]"]);
    line.replace_range(at..at + 1, by);
}

/// A log: `segments` are runs of (first wall-clock time, largest step in
/// seconds, lines); the clock goes forward by 0..=step between lines.
fn log(seed: u64, line: Line, segments: &[(i64, i64, usize)], shape: Shape) -> Vec<u8> {
    let mut r = Rng::new(seed);
    let mut lines: Vec<String> = Vec::new();
    for _ in 0..shape.junk {
        lines.push(r.pick(&JUNK).to_string());
    }
    for &(start, step, n) in segments {
        let mut t = start;
        for _ in 0..n {
            let mut l = line(&mut r, &Wall::new(t));
            if r.chance(2) {
                near_miss(&mut r, &mut l, shape.near_miss_from);
            }
            lines.push(l);
            if r.chance(shape.untimed) {
                for _ in 0..1 + r.below(3) {
                    lines.push(continuation(&mut r));
                }
            }
            t += r.below(step as u64 + 1) as i64;
        }
    }
    let eol = if shape.crlf { "\r\n" } else { "\n" };
    let mut out = lines.join(eol);
    if shape.final_newline {
        out.push_str(eol);
    }
    out.into_bytes()
}

// ---------------------------------------------------------------------------
// Datasets, the oracle and the binary

/// An object of a dataset and what the oracle is told about it.
struct Obj {
    /// Its key under the dataset's folder.
    name: String,
    /// A format name of the contract, a pattern, or "none".
    format: String,
    /// null (the format's own place), a field number, or "json:KEY".
    field: Value,
    data: Vec<u8>,
    /// Last-modified time (epoch seconds).
    mtime: i64,
}

/// Last-modified time of objects whose test does not care: late 2024, so a
/// yearless object of 2024 gets 2024.
fn default_mtime() -> i64 {
    at(2024, 12, 20, 12, 0, 0)
}

fn obj(name: &str, format: &str, field: Value, data: Vec<u8>) -> Obj {
    Obj {
        name: name.to_string(),
        format: format.to_string(),
        field,
        data,
        mtime: default_mtime(),
    }
}

impl Obj {
    fn mtime(self, mtime: i64) -> Obj {
        Obj { mtime, ..self }
    }
}

/// What one comparison runs with.
#[derive(Clone, Default)]
struct Opts {
    by: String,
    timezone: Option<String>,
    year: Option<i32>,
    /// Pass the zone and year as LOGCOUNT_TIMEZONE / LOGCOUNT_YEAR.
    via_env: bool,
    /// More flags (`--time-format`, `--time-field`).
    args: Vec<String>,
    env: Vec<(String, String)>,
}

fn by(unit: &str) -> Opts {
    Opts {
        by: unit.to_string(),
        ..Opts::default()
    }
}

impl Opts {
    fn tz(mut self, zone: &str) -> Opts {
        self.timezone = Some(zone.to_string());
        self
    }
    fn year(mut self, year: i32) -> Opts {
        self.year = Some(year);
        self
    }
    fn via_env(mut self) -> Opts {
        self.via_env = true;
        self
    }
    fn arg(mut self, flag: &str, value: &str) -> Opts {
        self.args.push(flag.to_string());
        self.args.push(value.to_string());
        self
    }
    fn env(mut self, key: &str, value: &str) -> Opts {
        self.env.push((key.to_string(), value.to_string()));
        self
    }
    fn describe(&self) -> String {
        let mut s = format!("--by {}", self.by);
        if let Some(z) = &self.timezone {
            write!(s, " timezone {z}").unwrap();
        }
        if let Some(y) = self.year {
            write!(s, " year {y}").unwrap();
        }
        if self.via_env {
            s.push_str(" (from the environment)");
        }
        for a in &self.args {
            write!(s, " {a:?}").unwrap();
        }
        for (k, v) in &self.env {
            write!(s, " {k}={v:?}").unwrap();
        }
        s
    }
}

/// Objects written to a temporary folder: one file as the input, or the
/// folder (`dir/`) as one dataset.
struct Dataset {
    root: tempfile::TempDir,
    input: String,
    objs: Vec<(PathBuf, Obj)>,
    runs: Cell<u32>,
}

/// Lines as the contract splits them (a final empty piece is no line).
fn lines_of(data: &[u8]) -> u64 {
    let n = data.iter().filter(|&&b| b == b'\n').count() as u64;
    n + u64::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// Non-overlapping occurrences, left to right (`bytes.count`).
fn occurrences(hay: &[u8], needle: &[u8]) -> u64 {
    let (mut i, mut n) = (0, 0);
    while i + needle.len() <= hay.len() {
        if &hay[i..i + needle.len()] == needle {
            n += 1;
            i += needle.len();
        } else {
            i += 1;
        }
    }
    n
}

impl Dataset {
    fn file(o: Obj) -> Dataset {
        let mut d = Dataset::dir(vec![o]);
        d.input = d.objs[0].0.to_str().unwrap().to_string();
        d
    }

    fn dir(objs: Vec<Obj>) -> Dataset {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("in");
        let mut written = Vec::new();
        for o in objs {
            let path = folder.join(&o.name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &o.data).unwrap();
            let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(o.mtime as u64);
            std::fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(mtime)
                .unwrap();
            written.push((path, o));
        }
        Dataset {
            input: format!("{}/", folder.to_str().unwrap()),
            root,
            objs: written,
            runs: Cell::new(0),
        }
    }

    fn next_id(&self) -> u32 {
        self.runs.set(self.runs.get() + 1);
        self.runs.get()
    }

    /// The oracle's timeline.json, after checking that it accounts for every
    /// line and keyword of the dataset.
    fn oracle(&self, o: &Opts) -> Value {
        let objects: Vec<Value> = self
            .objs
            .iter()
            .map(|(path, obj)| {
                json!({"path": path, "format": obj.format, "field": obj.field, "mtime": obj.mtime})
            })
            .collect();
        let spec = json!({"by": o.by, "keywords": KEYWORDS, "timezone": o.timezone,
            "year": o.year, "objects": objects});
        let spec_path = self
            .root
            .path()
            .join(format!("spec{}.json", self.next_id()));
        std::fs::write(&spec_path, serde_json::to_vec(&spec).unwrap()).unwrap();
        let out = std::process::Command::new("python3")
            .arg(repo_root().join("tests/oracle/timeline_formats.py"))
            .arg(&spec_path)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "oracle failed on {spec}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want: Value = serde_json::from_slice(&out.stdout).unwrap();
        let lines: u64 = self.objs.iter().map(|(_, o)| lines_of(&o.data)).sum();
        let (sum_lines, sums) = totals(&want);
        assert_eq!(sum_lines, lines, "the oracle counts every line once");
        for (i, k) in KEYWORDS.iter().enumerate() {
            let n: u64 = self
                .objs
                .iter()
                .map(|(_, o)| occurrences(&o.data, k.as_bytes()))
                .sum();
            assert_eq!(sums[i], n, "the oracle's {k} total");
        }
        want
    }

    /// `logcount run` on the dataset; its timeline.json, after checking that
    /// it adds up to result.json.
    fn run(&self, o: &Opts, parts: usize, block: Option<usize>) -> Value {
        let work = self.root.path().join(format!("work{}", self.next_id()));
        let mut c = step_binary("logcount", "warn");
        c.arg("run")
            .arg("--input")
            .arg(&self.input)
            .arg("--work")
            .arg(&work)
            .args(["--parts", &parts.to_string(), "--jobs", "2", "-q"])
            .args(["--by", &o.by]);
        if let Some(b) = block {
            c.args(["--block-size", &b.to_string()]);
        }
        match (&o.timezone, o.via_env) {
            // `=`: a negative offset (`-0700`) is not taken for a flag.
            (Some(z), false) => {
                c.arg(format!("--timezone={z}"));
            }
            (Some(z), true) => {
                c.env("LOGCOUNT_TIMEZONE", z);
            }
            (None, _) => {}
        }
        match (o.year, o.via_env) {
            (Some(y), false) => {
                c.arg(format!("--year={y}"));
            }
            (Some(y), true) => {
                c.env("LOGCOUNT_YEAR", y.to_string());
            }
            (None, _) => {}
        }
        c.args(&o.args);
        for (k, v) in &o.env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        ok(&out);
        let got: Value =
            serde_json::from_slice(&std::fs::read(work.join("timeline.json")).unwrap()).unwrap();
        let result: Value =
            serde_json::from_slice(&std::fs::read(work.join("result.json")).unwrap()).unwrap();
        let (_, sums) = totals(&got);
        for (i, k) in KEYWORDS.iter().enumerate() {
            assert_eq!(
                Some(sums[i]),
                result[k].as_u64(),
                "{k}: timeline.json vs result.json"
            );
        }
        got
    }

    /// Runs `o` with each (parts, block size) and compares with the oracle;
    /// returns the oracle's timeline.
    fn check(&self, o: &Opts, shapes: &[Split]) -> Value {
        let want = self.oracle(o);
        for &(parts, block) in shapes {
            let got = self.run(o, parts, block);
            assert!(
                got == want,
                "{}: {}, {parts} parts, block {block:?}: timeline.json differs from the oracle\n{}",
                self.input,
                o.describe(),
                diff(&got, &want)
            );
        }
        want
    }
}

/// Lines and keyword counts summed over the buckets and untimed.
fn totals(t: &Value) -> (u64, [u64; 4]) {
    let mut entries: Vec<&Value> = t["buckets"].as_array().expect("buckets").iter().collect();
    entries.push(&t["untimed"]);
    let mut lines = 0;
    let mut sums = [0; 4];
    for e in entries {
        lines += e["lines"].as_u64().expect("lines");
        for (i, k) in KEYWORDS.iter().enumerate() {
            sums[i] += e["counts"][k].as_u64().expect("a count per keyword");
        }
    }
    (lines, sums)
}

/// A short account of how two timelines differ.
fn diff(got: &Value, want: &Value) -> String {
    let mut out = String::new();
    for k in ["version", "by", "keywords", "untimed"] {
        if got[k] != want[k] {
            writeln!(out, "{k}: got {} want {}", got[k], want[k]).unwrap();
        }
    }
    let index = |v: &Value| -> BTreeMap<String, Value> {
        v["buckets"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|b| (b["start"].as_str().unwrap_or("?").to_string(), b.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (g, w) = (index(got), index(want));
    let starts: BTreeSet<&String> = g.keys().chain(w.keys()).collect();
    let mut differing = 0;
    for s in starts {
        if g.get(s) != w.get(s) {
            if differing < 8 {
                let show = |m: &BTreeMap<String, Value>| {
                    m.get(s)
                        .map(|b| format!("{} {}", b["lines"], b["counts"]))
                        .unwrap_or_else(|| "none".into())
                };
                writeln!(out, "bucket {s}: got {} want {}", show(&g), show(&w)).unwrap();
            }
            differing += 1;
        }
    }
    writeln!(
        out,
        "{differing} buckets differ; got {} buckets, want {}",
        g.len(),
        w.len()
    )
    .unwrap();
    if differing == 0 && got["buckets"] != want["buckets"] {
        out.push_str("the same buckets in another order, or repeated\n");
    }
    out
}

fn buckets(t: &Value) -> usize {
    t["buckets"].as_array().unwrap().len()
}

fn untimed(t: &Value) -> u64 {
    t["untimed"]["lines"].as_u64().unwrap()
}

/// Detection of one format on one generated object: the oracle's timeline
/// against logcount's for each (unit, parts, block size); every run must
/// see several buckets and some untimed lines.
fn detected(
    seed: u64,
    format: &str,
    field: Value,
    line: Line,
    segments: &[(i64, i64, usize)],
    shape: Shape,
    runs: &[(&str, &[Split])],
) {
    let data = log(seed, line, segments, shape);
    let d = Dataset::file(obj(&format!("{format}.log"), format, field, data));
    for &(unit, shapes) in runs {
        let want = d.check(&by(unit), shapes);
        assert!(buckets(&want) >= 2, "{format} --by {unit}: too few buckets");
        assert!(untimed(&want) > 0, "{format}: the continuation lines");
    }
}

/// Parts and read block size (`None`: the default) of one run.
type Split = (usize, Option<usize>);

const P1: Split = (1, DEFAULT_BLOCK);
const P3: Split = (3, SMALL_BLOCK);
const P7: Split = (7, SMALL_BLOCK);
const P3_DEFAULT: Split = (3, DEFAULT_BLOCK);
const P7_DEFAULT: Split = (7, DEFAULT_BLOCK);

// ---------------------------------------------------------------------------
// Each named format, detected

#[test]
fn iso_with_t_fractions_zones_and_offsets() {
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
fn iso_with_space_python_logging_and_brackets_crlf() {
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
fn rfc5424_detected() {
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
fn syslog_detected() {
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
fn apache_without_fraction() {
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
fn apache_with_fraction() {
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
fn clf_access_log_with_offsets() {
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
fn hdfs_detected() {
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
fn logcat_detected() {
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
fn spark_detected() {
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
fn healthapp_detected() {
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
fn proxifier_year_before_the_mtime_year() {
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
fn epoch_seconds_at_field_1() {
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
fn epoch_seconds_at_field_2_bgl() {
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
fn epoch_milliseconds_at_field_1_and_2() {
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
fn openstack_iso_at_field_2() {
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
fn json_string_values() {
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
fn json_number_values() {
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

// ---------------------------------------------------------------------------
// --time-format, --time-field

#[test]
fn time_format_by_name() {
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
fn time_format_patterns() {
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
fn json_key_not_in_the_default_list() {
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

// ---------------------------------------------------------------------------
// Years

#[test]
fn syslog_year_rollover() {
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
fn logcat_year_rollover_in_paris() {
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
fn dst_segments() -> Vec<(i64, i64, usize)> {
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
fn iana_zones_across_dst_changes() {
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
fn fixed_offset_zones() {
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

// ---------------------------------------------------------------------------
// Datasets

/// A folder of objects in different formats (some after junk lines, one no
/// format fits), counted as one dataset.
#[test]
fn mixed_dataset_folder() {
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
fn junk_lines_before_the_first_timed_line() {
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
fn object_no_format_fits() {
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
fn edge_lines_by_hand() {
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
