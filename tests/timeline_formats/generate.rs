//! Deterministic generation of log lines in every format.

use super::*;

/// SplitMix64.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub(super) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// `.` and 1 to `max` random digits.
    pub(super) fn fraction(&mut self, max: u64) -> String {
        let n = 1 + self.below(max);
        let mut s = String::from(".");
        for _ in 0..n {
            s.push(char::from(b'0' + self.below(10) as u8));
        }
        s
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(super) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let (m, d) = (i64::from(m), i64::from(d));
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(super) fn civil_from_days(z: i64) -> (i64, u32, u32) {
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
pub(super) fn at(y: i64, m: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
    days_from_civil(y, m, d) * 86_400 + i64::from(h * 3600 + mi * 60 + s)
}

/// A wall-clock time broken down; `t` is [`at`]'s number (the epoch for the
/// epoch formats).
pub(super) struct Wall {
    pub(super) t: i64,
    pub(super) y: i64,
    pub(super) mo: u32,
    pub(super) d: u32,
    pub(super) h: u32,
    pub(super) mi: u32,
    pub(super) s: u32,
    /// Index into [`WDAY`].
    pub(super) wd: usize,
}

impl Wall {
    pub(super) fn new(t: i64) -> Wall {
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

    pub(super) fn date(&self) -> String {
        format!("{}-{:02}-{:02}", self.y, self.mo, self.d)
    }

    pub(super) fn hms(&self) -> String {
        format!("{:02}:{:02}:{:02}", self.h, self.mi, self.s)
    }

    pub(super) fn mon(&self) -> &'static str {
        MON[self.mo as usize - 1]
    }
}

/// A level and a message body, with keywords (some repeated or inside
/// words) and none in others.
pub(super) fn message(r: &mut Rng) -> (&'static str, String) {
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
pub(super) fn continuation(r: &mut Rng) -> String {
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
pub(super) const JUNK: [&str; 8] = [
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
pub(super) type Line = fn(&mut Rng, &Wall) -> String;

/// ISO 8601 with `T`: fractions of 1-9 digits or none, `Z`, offsets in both
/// forms or no zone, a few without seconds.
pub(super) fn iso_t(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn iso_space(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn rfc5424(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn syslog(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn apache(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn apache_fraction(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn clf(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn hdfs(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn logcat(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn spark(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn healthapp(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn proxifier(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "[{:02}.{:02} {}] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS {level} {body}",
        w.mo,
        w.d,
        w.hms()
    )
}

/// Epoch seconds in field 1, with or without a fraction.
pub(super) fn epoch_field1(r: &mut Rng, w: &Wall) -> String {
    let frac = if r.chance(50) {
        r.fraction(9)
    } else {
        String::new()
    };
    let (level, body) = message(r);
    format!("{}{frac} node-{} kernel: {level} {body}", w.t, r.below(64))
}

/// BGL (Loghub): epoch seconds in field 2 after `-` or an alert tag.
pub(super) fn bgl(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn epoch_ms_field1(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{}{:03} [main-{}] {level} com.example.Service - {body}",
        w.t,
        r.below(1000),
        r.below(8)
    )
}

/// Epoch milliseconds in field 2.
pub(super) fn epoch_ms_field2(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "web-{} {}{:03} {level} {body}",
        r.below(9),
        w.t,
        r.below(1000)
    )
}

/// OpenStack (Loghub): the file name, then ISO with a space in field 2.
pub(super) fn openstack(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn json_ts(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn json_at_timestamp(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn json_time_seconds(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn json_timestamp_ms(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "{{\"timestamp\":{}{:03},\"severity\":\"{level}\",\"text\":\"{body}\"}}",
        w.t,
        r.below(1000)
    )
}

/// JSON lines timed by `"when"` (not a default key), with a decoy `"ts"`
/// far in the past.
pub(super) fn json_when(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn clf_at_field2(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn syslog_at_field2(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn ctime(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn logfmt_epoch(r: &mut Rng, w: &Wall) -> String {
    let (level, body) = message(r);
    format!(
        "ts={} level={} caller=main.go:{} msg=\"{level} {body}\"",
        w.t,
        level.to_lowercase(),
        r.below(400)
    )
}

/// `yy-mm-dd HH:MM:SS[.f]±hh:mm`.
pub(super) fn short_year_offset(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn european(r: &mut Rng, w: &Wall) -> String {
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
pub(super) fn no_format(r: &mut Rng, _: &Wall) -> String {
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
pub(super) struct Shape {
    /// Untimed lines before the first timed one.
    pub(super) junk: usize,
    pub(super) crlf: bool,
    pub(super) final_newline: bool,
    /// Percent of timed lines followed by 1-3 untimed continuation lines.
    pub(super) untimed: u64,
    /// Where in a line [`near_miss`] may start changing bytes.
    pub(super) near_miss_from: usize,
}

pub(super) const PLAIN: Shape = Shape {
    junk: 0,
    crlf: false,
    final_newline: true,
    untimed: 3,
    near_miss_from: 0,
};

impl Shape {
    pub(super) fn junk(self, junk: usize) -> Shape {
        Shape { junk, ..self }
    }
    pub(super) fn crlf(self) -> Shape {
        Shape { crlf: true, ..self }
    }
    pub(super) fn no_final_newline(self) -> Shape {
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
pub(super) fn near_miss(r: &mut Rng, line: &mut String, from: usize) {
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
pub(super) fn log(seed: u64, line: Line, segments: &[(i64, i64, usize)], shape: Shape) -> Vec<u8> {
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
