//! The cost of `--by` on one core, without the reads: a log held in memory,
//! cut into line-aligned blocks of 1 MiB like the count step's, counted
//! (a) plainly (`Engine::count_lines`), (b) through the timeline walk
//! (`timeline::add_lines`, runs counted by the same engine) and (c) through
//! the walk alone (runs not counted). Prints the best of ROUNDS per mode, in
//! ns a line and GiB/s of this thread's CPU time (wall time where Linux's
//! schedstat is missing), and (b) / (a). Each block is first copied into a
//! reused buffer, as the count step's `pread` does; the copy alone is timed
//! too.
//!
//! Usage: `cargo run --release --example walk -- FILE [UNIT] [ROUNDS] [KEYWORDS]`
//! (UNIT `hour` by default, KEYWORDS `INFO,WARN,ERROR,DEBUG`).

use logcount::engine::Engine;
use logcount::keywords::Keywords;
use logcount::timeline::rule::{detect, TimeParser, Zone};
use logcount::timeline::{add_lines, TimeUnit, Timeline};
use std::time::Instant;

/// This thread's CPU time in seconds (Linux), so that other work on a busy
/// machine does not count.
fn cpu_time() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: walk FILE [UNIT] [ROUNDS] [KEYWORDS]");
    let unit: TimeUnit = args
        .next()
        .map_or(TimeUnit::Hour, |s| s.parse().expect("UNIT"));
    let rounds: usize = args.next().map_or(5, |s| s.parse().expect("ROUNDS"));
    let kw = args
        .next()
        .unwrap_or_else(|| "INFO,WARN,ERROR,DEBUG".to_string());
    let text = std::fs::read(&path).expect("read FILE");
    let keywords = Keywords::parse_list(&kw).expect("KEYWORDS");
    let engine = Engine::new(&keywords);
    let d = detect(&text);
    let format = d.format.clone();
    let parser = TimeParser::new(format, unit, Zone::Utc, 2023, d.first_month.unwrap_or(1));
    // Line-aligned blocks of about 1 MiB.
    let mut blocks = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let end = (at + (1 << 20)).min(text.len());
        let end = if end == text.len() {
            end
        } else {
            memchr::memrchr(b'\n', &text[at..end]).map_or(end, |i| at + i + 1)
        };
        blocks.push(&text[at..end]);
        at = end;
    }
    let n = keywords.len();
    let lines = engine.count_lines(&text, &mut vec![0; n]) as f64;
    let time = |f: &mut dyn FnMut() -> u64| {
        let mut best = f64::INFINITY;
        let mut out = 0;
        for _ in 0..rounds {
            let (t, c) = (Instant::now(), cpu_time());
            out = f();
            let s = match (c, cpu_time()) {
                (Some(a), Some(b)) => b - a,
                _ => t.elapsed().as_secs_f64(),
            };
            best = best.min(s);
        }
        (best, out)
    };
    // Each block is copied into one reused buffer first, as `pread` would
    // (so it is in cache when counted, as in the count step).
    let mut buf = vec![0u8; 1 << 20];
    let mut each = |f: &mut dyn FnMut(&[u8]) -> u64| {
        time(&mut || {
            blocks
                .iter()
                .map(|b| {
                    buf[..b.len()].copy_from_slice(b);
                    f(&buf[..b.len()])
                })
                .sum()
        })
    };
    let (copy, _) = each(&mut |b| b.len() as u64);
    let mut c = vec![0; n];
    let (plain, a) = each(&mut |b| engine.count_lines(b, &mut c));
    let mut t = Timeline::new(n);
    let (by, b) = each(&mut |b| add_lines(&parser, b, &mut t, &mut c, |r, c| engine.count(r, c)));
    let (walk, _) = each(&mut |b| add_lines(&parser, b, &mut t, &mut c, |_, _| {}));
    let gib = text.len() as f64 / f64::from(1 << 30);
    println!(
        "{path}: {} MiB, {lines} lines ({:.1} B a line), format {:?}, {} blocks, best of {rounds}",
        text.len() >> 20,
        text.len() as f64 / lines,
        d.format.map(|f| f.spelling().to_string()),
        blocks.len()
    );
    let _ = (a, b);
    for (name, s) in [
        ("copy", copy),
        ("plain count", plain),
        ("--by walk + count", by),
        ("walk alone", walk),
    ] {
        println!(
            "{name:>18}: {:7.1} ms  {:5.2} ns/line  {:5.2} GiB/s",
            s * 1e3,
            s * 1e9 / lines,
            gib / s
        );
    }
    println!(
        "by / plain: {:.3} (less the copy: {:.3})",
        by / plain,
        (by - copy) / (plain - copy)
    );
}
