//! A deterministic generator of realistic logs in the reference's line format:
//!
//! ```text
//! 2023-02-28T06:54:19.957Z [ERROR] 不明觉厉 How are you?
//! ```
//!
//! Levels are spread evenly over INFO, WARN, ERROR and DEBUG; messages mix
//! English and Chinese phrases, and some mention a keyword again ("retry after
//! ERROR"), so counts differ from line counts. The same seed and size give the
//! same bytes, whatever the number of threads: the output is made of blocks,
//! each generated from the seed and its index, in parallel.
//!
//! ```
//! let a = logcount::gen::generate(2000, 7);
//! assert_eq!(a, logcount::gen::generate(2000, 7));
//! assert!(a.len() <= 2000 && a.ends_with(b"\n"));
//! assert!(a.starts_with(b"20"));
//! ```

use crate::timeline::civil_from_days;
use rayon::prelude::*;
use std::io::Write;

const LEVELS: [&str; 4] = ["INFO", "WARN", "ERROR", "DEBUG"];
const PHRASES: [&str; 16] = [
    "ohh! my god",
    "sayonala",
    "How are you?",
    "good bye",
    "人艰不拆",
    "不明觉厉",
    "惊呆了",
    "你好世界",
    "request served in 12ms",
    "connection reset by peer",
    "cache miss for key user:42",
    "retrying after ERROR from upstream",
    "DEBUG mode enabled for module net",
    "disk usage at 91%, WARN threshold is 90%",
    "INFO: scheduled job finished",
    "payload=\u{7f}\u{1}binary?",
];

/// Bytes per independently generated block.
const BLOCK: usize = 1 << 20;
/// Milliseconds of log time per block; lines advance the clock within it.
const BLOCK_SPAN_MS: u64 = 60_000;
/// 2023-02-28T00:00:00Z in milliseconds since the epoch.
const START_MS: u64 = 1_677_542_400_000;

/// A tiny deterministic PRNG (SplitMix64); good enough for test data.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// How generated lines start: the timestamp formats the benchmarks compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineStyle {
    /// `2023-02-28T06:54:19.957Z [ERROR] ...` (the reference's lines).
    #[default]
    Iso,
    /// `Feb 28 06:54:19 host app[42]: [ERROR] ...` (RFC 3164 syslog).
    Syslog,
    /// `10.0.0.7 - - [28/Feb/2023:06:54:19 +0000] "GET /x HTTP/1.1" 200 512 [ERROR] ...`
    /// (an NCSA access log with a message).
    Clf,
}

crate::named::named!(LineStyle {
    Iso = "iso": "2023-02-28T06:54:19.957Z [ERROR] ...";
    Syslog = "syslog": "Feb 28 06:54:19 host app[42]: [ERROR] ...";
    Clf = "clf": "10.0.0.7 - - [28/Feb/2023:06:54:19 +0000] \"GET /x HTTP/1.1\" 200 512 [ERROR] ...";
});

/// Generates the block with index `index`: whole lines, at least `BLOCK` bytes.
fn block(seed: u64, index: u64, style: LineStyle) -> Vec<u8> {
    let mut rng = SplitMix(seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
    let mut out = Vec::with_capacity(BLOCK + 256);
    let mut ms = START_MS + index * BLOCK_SPAN_MS;
    while out.len() < BLOCK {
        ms += rng.below(12) as u64;
        match style {
            LineStyle::Iso => push_timestamp(&mut out, ms),
            LineStyle::Syslog => {
                push_syslog_time(&mut out, ms);
                let _ = write!(out, " host app[{}]:", 40 + rng.below(20));
            }
            LineStyle::Clf => {
                let _ = write!(out, "10.0.{}.{} - - ", rng.below(4), rng.below(250));
                push_clf_time(&mut out, ms);
                let _ = write!(out, " \"GET /x HTTP/1.1\" 200 {}", 100 + rng.below(900));
            }
        }
        out.extend_from_slice(b" [");
        out.extend_from_slice(LEVELS[rng.below(4)].as_bytes());
        out.extend_from_slice(b"] ");
        let words = 1 + rng.below(3);
        for w in 0..words {
            if w > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(PHRASES[rng.below(PHRASES.len())].as_bytes());
        }
        out.push(b'\n');
    }
    out
}

/// Appends `YYYY-MM-DDTHH:MM:SS.mmmZ` for `ms` milliseconds since the epoch.
fn push_timestamp(out: &mut Vec<u8>, ms: u64) {
    let (y, m, d, h, mi, s) = civil(ms);
    let milli = ms % 1000;
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z"
    );
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// (year, month, day, hour, minute, second) of `ms` since the epoch.
fn civil(ms: u64) -> (i64, u32, u32, u64, u64, u64) {
    let (days, rem) = (ms / 86_400_000, ms % 86_400_000);
    let (y, m, d) = civil_from_days(days as i64);
    (y, m, d, rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60)
}

/// Appends `Mmm dd HH:MM:SS` (day space-padded).
fn push_syslog_time(out: &mut Vec<u8>, ms: u64) {
    let (_, m, d, h, mi, s) = civil(ms);
    let _ = write!(
        out,
        "{} {d:>2} {h:02}:{mi:02}:{s:02}",
        MONTHS[m as usize - 1]
    );
}

/// Appends `[dd/Mmm/YYYY:HH:MM:SS +0000]`.
fn push_clf_time(out: &mut Vec<u8>, ms: u64) {
    let (y, m, d, h, mi, s) = civil(ms);
    let _ = write!(
        out,
        "[{d:02}/{}/{y}:{h:02}:{mi:02}:{s:02} +0000]",
        MONTHS[m as usize - 1]
    );
}

/// Writes about `size` bytes of log (whole lines, never more than `size`).
pub fn write_log<W: Write>(out: &mut W, size: u64, seed: u64) -> std::io::Result<u64> {
    write_log_styled(out, size, seed, LineStyle::Iso)
}

/// [`write_log`] with lines of `style`.
pub fn write_log_styled<W: Write>(
    out: &mut W,
    size: u64,
    seed: u64,
    style: LineStyle,
) -> std::io::Result<u64> {
    let mut written = 0u64;
    let mut index = 0u64;
    let batch = rayon::current_num_threads().max(1) as u64 * 4;
    while written < size {
        let blocks: Vec<Vec<u8>> = (index..index + batch)
            .into_par_iter()
            .map(|i| block(seed, i, style))
            .collect();
        index += batch;
        for b in blocks {
            let room = size - written;
            if (b.len() as u64) <= room {
                out.write_all(&b)?;
                written += b.len() as u64;
            } else {
                let cut = memchr::memrchr(b'\n', &b[..room as usize]).map_or(0, |i| i + 1);
                out.write_all(&b[..cut])?;
                return Ok(written + cut as u64);
            }
        }
    }
    Ok(written)
}

/// Generates about `size` bytes of log in memory (for tests).
pub fn generate(size: u64, seed: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(size as usize);
    write_log(&mut v, size, seed).expect("writing to memory");
    v
}

/// Parses sizes like `1GiB`, `512MiB`, `10MB`, `4096`.
///
/// ```
/// use logcount::gen::parse_size;
/// assert_eq!(parse_size("1GiB"), Ok(1 << 30));
/// assert_eq!(parse_size("10 MB"), Ok(10_000_000));
/// assert!(parse_size("ten").is_err());
/// ```
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (try 1GiB, 64MiB, 1000)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        "t" | "tb" => 1_000_000_000_000,
        "tib" => 1 << 40,
        other => return Err(format!("unknown size unit {other:?} in {s:?}")),
    };
    Ok((num * mult as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_416), (2023, 2, 28));
        assert_eq!(civil_from_days(19_417), (2023, 3, 1));
        let mut v = Vec::new();
        push_timestamp(&mut v, START_MS + 3_723_004);
        assert_eq!(v, b"2023-02-28T01:02:03.004Z");
    }

    #[test]
    fn each_style_is_detected_as_its_format() {
        for (style, format) in [
            (LineStyle::Iso, "iso"),
            (LineStyle::Syslog, "syslog"),
            (LineStyle::Clf, "clf"),
        ] {
            let mut v = Vec::new();
            write_log_styled(&mut v, 100_000, 3, style).unwrap();
            let d = crate::timeline::rule::detect(&v);
            assert_eq!(d.format.unwrap().spelling(), format);
            assert_eq!(d.timed, d.lines, "{format}: every line timed");
        }
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let a = generate(3 << 20, 1);
        assert_eq!(a, generate(3 << 20, 1));
        assert_ne!(a, generate(3 << 20, 2));
        assert!(a.len() as u64 > (3 << 20) - 300);
        for line in a
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .take(1000)
        {
            assert_eq!(line[23], b'Z');
            assert!(line[24..].starts_with(b" ["));
        }
    }
}
