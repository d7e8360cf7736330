//! `--by minute|hour|day` through the whole pipeline, checked against a
//! Python oracle that computes the same buckets independently (`re`,
//! `datetime`, `collections.Counter`, `bytes.count`), on the reference sample
//! and on generated logs with mixed timestamp formats, untimed lines, CRLF,
//! no final newline and lines over 1 MiB (the stitcher's long-line path),
//! over several part counts and read block sizes, on file:// and memory://.

use crate::common::{seed_sample, step_binary, Backend};
use logcount::engine::MatchOptions;
use logcount::keywords::Keywords;
use logcount::run::{run_in_process, RunOptions};
use logcount::spec::Counting;
use logcount::spec::Mode;
use logcount::steps::count::{count, CountOptions};
use logcount::steps::merge::merge;
use logcount::steps::split::{split, SplitOptions};
use logcount::timeline::TimeUnit;
use logcount::wire::CountOutput;
use logcount::Error;
use serde_json::Value;
use std::io::Write;

const UNITS: [TimeUnit; 3] = [TimeUnit::Minute, TimeUnit::Hour, TimeUnit::Day];

/// The oracle: argv = path unit keywords-json ignore_case whole_word; prints
/// the expected timeline.json.
const ORACLE: &str = r#"
import collections, datetime, json, re, sys
path, unit, kws, ic, ww = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4] == "1", sys.argv[5] == "1"
data = open(path, "rb").read()
TS = re.compile(rb"\[?(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?(?![A-Za-z0-9.:+-])")

def bucket(line):
    m = TS.match(line)
    if not m:
        return None
    y, mo, d, h, mi = (int(g) for g in m.groups()[:5])
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59):
        return None
    if m.group(6) is not None and int(m.group(6)) > 60:
        return None
    z = m.group(7)
    if z and z != b"Z":
        oh, om = int(z[1:3]), int(z[-2:])
        if oh > 23 or om > 59:
            return None
        t = h * 60 + mi - (1 if z[:1] == b"+" else -1) * (oh * 60 + om)
        shift, t = divmod(t, 1440)
        h, mi = divmod(t, 60)
        if shift:
            try:
                day = datetime.date.fromordinal(datetime.date(y, mo, 1).toordinal() + d - 1 + shift)
            except (ValueError, OverflowError):
                return None
            y, mo, d = day.year, day.month, day.day
    if unit != "minute":
        mi = 0
    if unit == "day":
        h = 0
    return "%04d-%02d-%02dT%02d:%02d:00Z" % (y, mo, d, h, mi)

keys = [k.encode() for k in kws]
if ic:
    keys = [k.lower() for k in keys]
pats = [re.compile(rb"(?<![A-Za-z0-9_])" + re.escape(k) + rb"(?![A-Za-z0-9_])") for k in keys]

def count(line, i):
    if ic:
        line = line.lower()
    return len(pats[i].findall(line)) if ww else line.count(keys[i])

lines = data.split(b"\n")
if lines and lines[-1] == b"":
    lines.pop()
nlines, counts = collections.Counter(), collections.Counter()
for line in lines:
    b = bucket(line)
    nlines[b] += 1
    for i in range(len(kws)):
        counts[b, i] += count(line, i)

def entry(b):
    return {"lines": nlines[b], "counts": {k: counts[b, i] for i, k in enumerate(kws)}}

timed = sorted(b for b in nlines if b is not None)
print(json.dumps({"version": 1, "by": unit, "keywords": kws,
    "buckets": [dict(start=b, **entry(b)) for b in timed], "untimed": entry(None)}))
"#;

fn oracle(data: &[u8], unit: TimeUnit, keywords: &[&str], m: MatchOptions) -> Value {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(data).unwrap();
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(ORACLE)
        .arg(f.path())
        .arg(unit.to_string())
        .arg(serde_json::to_string(keywords).unwrap())
        .arg(if m.ignore_case { "1" } else { "0" })
        .arg(if m.whole_word { "1" } else { "0" })
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn opts(parts: usize, k: &Keywords, by: Option<TimeUnit>, block: usize) -> RunOptions {
    RunOptions {
        reduce: Default::default(),
        split: SplitOptions {
            parts,
            counting: logcount::spec::Counting::for_keywords(
                k.clone(),
                MatchOptions::default(),
                by,
            ),
            materialize: false,
            ..Default::default()
        },
        count: CountOptions {
            block_size: block,
            ..CountOptions::default()
        },
        jobs: 3,
    }
}

/// Runs the pipeline; returns timeline.json and result.json, after checking
/// that the buckets add up to the totals.
async fn run(b: &Backend, input: &str, work: &str, o: &RunOptions) -> (Value, Value) {
    let input = b.stores.open(input).unwrap();
    let work_loc = b.stores.open(&b.url(work)).unwrap();
    let out = run_in_process(&b.stores, &input, &work_loc, o)
        .await
        .unwrap();
    let timeline: Value =
        serde_json::from_slice(&b.get(&format!("{work}/timeline.json")).await).unwrap();
    let result: Value =
        serde_json::from_slice(&b.get(&format!("{work}/result.json")).await).unwrap();
    // The buckets, untimed included, add up to result.json and the line count.
    let mut lines = timeline["untimed"]["lines"].as_u64().unwrap();
    let mut sums: Vec<u64> = Vec::new();
    let keywords = o.split.counting.keywords().expect("a keyword job").names();
    for (i, k) in keywords.iter().enumerate() {
        sums.push(timeline["untimed"]["counts"][k].as_u64().unwrap());
        for bucket in timeline["buckets"].as_array().unwrap() {
            sums[i] += bucket["counts"][k].as_u64().unwrap();
        }
        assert_eq!(
            Some(sums[i]),
            result[k].as_u64(),
            "{k}: buckets vs result.json"
        );
    }
    for bucket in timeline["buckets"].as_array().unwrap() {
        lines += bucket["lines"].as_u64().unwrap();
    }
    assert_eq!(lines, out.merged.lines);
    let file = out
        .merged
        .timeline
        .as_ref()
        .expect("merged carries the timeline");
    assert_eq!(serde_json::to_value(file).unwrap(), timeline);
    (timeline, result)
}

/// A log mixing every timestamp form the rule accepts and many it refuses,
/// impossible dates, offsets that cross midnight, untimed and empty lines,
/// CRLF, and two lines over 1 MiB (one timed, one not).
fn mixed_log(seed: u64, final_newline: bool) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut rnd = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let msgs = [
        "[INFO] ok",
        "[WARN] disk WARN at 91%",
        "[ERROR] retry after ERROR",
        "[DEBUG] x",
        "error: Error_ (ERROR) xERRORx info",
        "不明觉厉 INFO",
    ];
    let mut out = Vec::new();
    let (mut day, mut hour, mut min) = (27u64, 22u64, 10u64);
    for i in 0..6000u64 {
        if rnd(25) == 0 {
            min += 1 + rnd(40);
            hour += min / 60;
            min %= 60;
            day += hour / 24;
            hour %= 24;
            if day > 31 {
                day = 1;
            }
        }
        let (y, mo) = (2023, if day > 28 && rnd(3) == 0 { 4 } else { 2 });
        let (s, ms) = (rnd(60), rnd(1000));
        let msg = msgs[rnd(msgs.len() as u64) as usize];
        let line = match rnd(16) {
            0 => format!("{y}-{mo:02}-{day:02} {hour:02}:{min:02}:{s:02} {msg}"),
            1 => format!("[{y}-{mo:02}-{day:02}T{hour:02}:{min:02}:{s:02}.{ms:03}Z] {msg}"),
            2 => format!("{y}-{mo:02}-{day:02}T{hour:02}:{min:02}:{s:02}+05:30 {msg}"),
            3 => format!("{y}-{mo:02}-{day:02}T{hour:02}:{min:02}-0230 {msg}"),
            4 => format!("{y}-{mo:02}-{day:02}T23:{min:02}:{s:02}-01:00 {msg}"),
            5 => format!("{y}-{mo:02}-{day:02}T00:{min:02}:{s:02}.{ms}+0100 {msg}"),
            6 => match rnd(6) {
                0 => format!("{y}-13-{day:02}T{hour:02}:{min:02}Z {msg}"),
                1 => format!("{y}-{mo:02}-{day:02}T24:{min:02}Z {msg}"),
                2 => format!("{y}-{mo:02}-{day:02}T{hour:02} {msg}"),
                3 => format!("{y}-{mo:02}-{day:02}T{hour:02}:{min:02}:{s:02}Zx {msg}"),
                4 => format!("{y}-{mo:02}-{day:02}T{hour:02}:{min:02}:61Z {msg}"),
                _ => format!("{y}-{mo:02}-{day:02}T{hour:02}:{min:02}:{s:02}.{ms:03}Z"),
            },
            7 => match rnd(3) {
                0 => format!("no timestamp {msg}"),
                1 => String::new(),
                _ => format!(" {y}-{mo:02}-{day:02}T{hour:02}:{min:02}Z {msg}"),
            },
            _ => format!("{y}-{mo:02}-{day:02}T{hour:02}:{min:02}:{s:02}.{ms:03}Z {msg}"),
        };
        out.extend_from_slice(line.as_bytes());
        if i == 2000 || i == 4500 {
            // Over the stitcher's 1 MiB line limit: counted as it streams,
            // bucketed by its first bytes.
            let filler = "ERROR INFO xWARNx 0123 ".repeat((1 << 20) / 23 + 500);
            out.extend_from_slice(filler.as_bytes());
        }
        out.extend_from_slice(if rnd(8) == 0 { b"\r\n" } else { b"\n" });
    }
    if !final_newline {
        out.extend_from_slice(b"2023-02-28T23:59:59.999+00:00 last INFO line");
    }
    out
}

const KEYWORDS: [&str; 5] = ["INFO", "WARN", "ERROR", "DEBUG", "0"];

/// Generated mixed logs, every unit, several part counts and block sizes.
async fn mixed_logs(b: &Backend) {
    let k = Keywords::parse_list(&KEYWORDS.join(",")).unwrap();
    for (seed, final_newline) in [(1, true), (2, false)] {
        let data = mixed_log(seed, final_newline);
        assert!(data.len() > 2 << 20);
        let input = b.put(&format!("mixed{seed}.log"), &data).await;
        for unit in UNITS {
            let want = oracle(&data, unit, &KEYWORDS, MatchOptions::default());
            let buckets = want["buckets"].as_array().unwrap().len();
            assert!(buckets > 3, "{unit:?}: the log spans several buckets");
            assert!(want["untimed"]["lines"].as_u64().unwrap() > 100);
            for (parts, block) in [(1, 1 << 20), (3, 4093), (8, 65_536)] {
                let (got, _) = run(b, &input, "mw", &opts(parts, &k, Some(unit), block)).await;
                assert_eq!(
                    got, want,
                    "seed {seed}, {unit:?}, {parts} parts, block {block} on {}",
                    b.name
                );
            }
        }
    }
}

/// Ignore-case and whole-word combine with time buckets.
async fn match_options(b: &Backend) {
    let kws = ["error", "INFO", "warn"];
    let k = Keywords::parse_list(&kws.join(",")).unwrap();
    let data = mixed_log(3, true);
    let input = b.put("mixed-match.log", &data).await;
    for (ignore_case, whole_word) in [(true, false), (false, true), (true, true)] {
        let m = MatchOptions {
            ignore_case,
            whole_word,
        };
        let want = oracle(&data, TimeUnit::Hour, &kws, m);
        let mut o = opts(3, &k, Some(TimeUnit::Hour), 65_536);
        o.split.counting = Counting::for_keywords(k.clone(), m, Some(TimeUnit::Hour));
        let (got, _) = run(b, &input, "mm", &o).await;
        assert_eq!(got, want, "{m:?} on {}", b.name);
    }
}

/// The reference sample (its 2023-02-29 lines are counted, not dropped).
async fn seed_sample_by_every_unit(b: &Backend) {
    let Some(seed) = seed_sample() else { return };
    let input = b.put("seed/log-count-data.txt", &seed).await;
    let k = Keywords::default_set();
    let names = ["INFO", "WARN", "ERROR", "DEBUG"];
    for unit in UNITS {
        let want = oracle(&seed, unit, &names, MatchOptions::default());
        for parts in [1, 4, 7] {
            let (got, result) = run(b, &input, "sw", &opts(parts, &k, Some(unit), 4 << 20)).await;
            assert_eq!(got, want, "{unit:?} {parts} parts on {}", b.name);
            assert_eq!(
                result,
                serde_json::json!({"INFO": 2460, "WARN": 2448, "ERROR": 2583, "DEBUG": 2509})
            );
        }
        assert_eq!(want["untimed"]["lines"], 0, "every seed line is timed");
        assert!(want["buckets"][0]["start"]
            .as_str()
            .unwrap()
            .starts_with("2023-02-29T"));
    }
}

/// Merge refuses a `--by` job's output without a timeline, or with one that
/// does not add up, naming the part; and a job without `--by` writes no
/// timeline.json (nor keeps a stale one).
async fn merge_checks(b: &Backend) {
    let data = mixed_log(4, true);
    let input = b.stores.open(&b.put("mc.log", &data).await).unwrap();
    let work = b.stores.open(&b.url("mc")).unwrap();
    let k = Keywords::default_set();
    let o = opts(3, &k, Some(TimeUnit::Minute), 1 << 20);
    let m = split(&input, &work, &o.split).await.unwrap();
    for id in m.part_ids() {
        count(&b.stores, &work, id, &o.count).await.unwrap();
    }
    let original = b.get("mc/count-output/1.json").await;
    // Typed, so that the counts keep their keyword order.
    let tamper = |f: &dyn Fn(&mut CountOutput)| {
        let mut v: CountOutput = serde_json::from_slice(&original).unwrap();
        f(&mut v);
        serde_json::to_vec(&v).unwrap()
    };
    let cases: [(Vec<u8>, &str); 3] = [
        (tamper(&|v| v.timeline = None), "has no timeline"),
        (
            tamper(&|v| v.timeline.as_mut().unwrap().untimed.lines = 1 << 40),
            "adding up",
        ),
        (
            tamper(&|v| {
                v.timeline.as_mut().unwrap().buckets[0].start = "2023-02-28T06:00:30Z".into()
            }),
            "bad timeline",
        ),
    ];
    for (body, why) in cases {
        let loc = b.stores.open(&b.url("mc/count-output/1.json")).unwrap();
        logcount::store::write_once(&loc, bytes::Bytes::from(body))
            .await
            .unwrap();
        let e = merge(&b.stores, &work, None).await.unwrap_err();
        match &e {
            Error::Part { part, reason } => {
                assert_eq!(part, "1", "{e}");
                assert!(reason.contains(why), "{why}: {e}");
            }
            other => panic!("{why}: {other:?}"),
        }
    }
    // Put the output back: merge writes timeline.json. Then a plain job in the
    // same work prefix removes it and writes none.
    let loc = b.stores.open(&b.url("mc/count-output/1.json")).unwrap();
    logcount::store::write_once(&loc, bytes::Bytes::from(original))
        .await
        .unwrap();
    merge(&b.stores, &work, None).await.unwrap();
    assert!(!b.get("mc/timeline.json").await.is_empty());
    let plain = opts(2, &k, None, 1 << 20);
    let out = run_in_process(&b.stores, &input, &work, &plain)
        .await
        .unwrap();
    assert!(out.merged.timeline.is_none());
    let gone = logcount::store::read_all(&b.stores.open(&b.url("mc/timeline.json")).unwrap()).await;
    assert!(matches!(gone, Err(Error::NotFound { .. })), "{gone:?}");
    // --by goes with keywords only: no words job can be made with it.
    let e = Counting::new(
        Mode::Words,
        None,
        MatchOptions::default(),
        Some(TimeUnit::Hour),
    )
    .unwrap_err();
    assert!(!e.is_transient() && e.to_string().contains("--by"), "{e}");
}

suite!(file: Backend::file(); mixed_logs, match_options, seed_sample_by_every_unit, merge_checks, formats_per_object);
suite!(memory: Backend::memory(); mixed_logs, match_options, seed_sample_by_every_unit, merge_checks, formats_per_object);
suite!(s3: Backend::s3(); formats_per_object);

/// Lines of `format` (syslog, clf, json, hdfs) from `t0` (epoch seconds) on,
/// with keywords and a few continuation lines.
fn lines_of(format: &str, t0: i64, n: usize) -> Vec<u8> {
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mut out = Vec::new();
    let mut t = t0;
    for i in 0..n {
        t += (i as i64 * 7919) % 13;
        let (days, s) = (t.div_euclid(86_400), t.rem_euclid(86_400));
        let (y, mo, d) = logcount::timeline::civil_from_days(days);
        let (h, mi, se) = (s / 3600, s / 60 % 60, s % 60);
        let m = MON[mo as usize - 1];
        let msg = ["INFO ok", "WARN disk", "ERROR x ERROR", "DEBUG"][i % 4];
        let line = match format {
            "syslog" => format!("{m} {d:>2} {h:02}:{mi:02}:{se:02} host app: {msg}"),
            "clf" => format!(
                "10.0.0.{} - - [{d:02}/{m}/{y}:{h:02}:{mi:02}:{se:02} +0200] \"GET /{msg}\" 200",
                i % 256
            ),
            "json" => format!("{{\"time\":{t},\"msg\":\"{msg}\"}}"),
            "hdfs" => format!("{:02}{mo:02}{d:02} {h:02}{mi:02}{se:02} 148 {msg}", y % 100),
            other => panic!("{other}"),
        };
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(if i % 17 == 0 { b"\r\n" } else { b"\n" });
        if i % 29 == 0 {
            out.extend_from_slice(b"    at continuation INFO\n");
        }
    }
    out
}

/// A dataset whose objects each write timestamps their own way (one of
/// them gzip-compressed, one with no timestamps at all): split detects a
/// format per object, and the buckets equal the independent Python oracle's
/// (`tests/oracle/timeline_formats.py`, told each object's format).
async fn formats_per_object(b: &Backend) {
    let t0 = 1_703_980_800 - 3 * 3600; // 2023-12-30T21:00Z: across the new year
    let objects: [(&str, &str, Vec<u8>); 5] = [
        ("fmt/a-syslog.log", "syslog", lines_of("syslog", t0, 3000)),
        ("fmt/b-access.log", "clf", lines_of("clf", t0 + 500, 2000)),
        (
            "fmt/c-events.jsonl",
            "json",
            lines_of("json", t0 - 900, 2500),
        ),
        ("fmt/d-hdfs.log.gz", "hdfs", lines_of("hdfs", t0, 1500)),
        (
            "fmt/e-notes.txt",
            "none",
            b"no time here INFO\nnor here ERROR\n".repeat(40),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut spec_objects = Vec::new();
    for (name, format, text) in &objects {
        let stored = if name.ends_with(".gz") {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(text).unwrap();
            e.finish().unwrap()
        } else {
            text.clone()
        };
        b.put(name, &stored).await;
        let local = dir.path().join(name.replace('/', "_"));
        std::fs::write(&local, text).unwrap();
        let field = match *format {
            "json" => serde_json::json!("json:time"),
            _ => serde_json::Value::Null,
        };
        spec_objects.push(serde_json::json!({
            "path": local, "format": format, "field": field, "mtime": 0,
        }));
    }
    let names = ["INFO", "WARN", "ERROR", "DEBUG"];
    let k = Keywords::default_set();
    for (unit, zone, parts) in [
        (TimeUnit::Minutes(15), None, 1),
        (TimeUnit::Hour, Some("Europe/Paris"), 4),
        (TimeUnit::Day, Some("+05:30"), 7),
    ] {
        let spec = serde_json::json!({
            "by": unit.to_string(), "keywords": names, "timezone": zone, "year": 2023,
            "objects": spec_objects,
        });
        let spec_path = dir.path().join("spec.json");
        std::fs::write(&spec_path, spec.to_string()).unwrap();
        let oracle_py = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/oracle/timeline_formats.py");
        let out = std::process::Command::new("python3")
            .arg(&oracle_py)
            .arg(&spec_path)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "oracle: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut o = opts(parts, &k, Some(unit), 64 << 10);
        o.split.counting = o
            .split
            .counting
            .clone()
            .with_time(logcount::spec::TimeOptions {
                year: Some(2023),
                timezone: zone.map(str::to_string),
                ..Default::default()
            })
            .unwrap();
        let (got, _) = run(b, &b.url("fmt/"), "fw", &o).await;
        assert_eq!(got, want, "{unit} {zone:?} {parts} parts on {}", b.name);
        // The notes' 80 lines and the continuation lines.
        assert!(got["untimed"]["lines"].as_u64().unwrap() > 80, "{unit}");
        // The manifest names each object's format.
        let manifest: Value = serde_json::from_slice(&b.get("fw/manifest.json").await).unwrap();
        let formats: Vec<Value> = manifest["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["timestamps"]["format"].clone())
            .collect();
        assert_eq!(
            formats,
            [
                serde_json::json!("syslog"),
                serde_json::json!("clf"),
                serde_json::json!("json"),
                serde_json::json!("hdfs"),
                Value::Null
            ]
        );
    }
}

/// The step binaries as Argo runs them: `LOGCOUNT_BY` on split only; count
/// and merge read it from the manifest.
#[test]
fn step_binaries_take_by_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.log");
    std::fs::write(&input, mixed_log(5, true)).unwrap();
    let work = dir.path().join("work");
    let run = |name: &str, env: &[(&str, &str)]| {
        let mut c = step_binary(name, "warn");
        c.env("WORK_DIR", &work)
            .env("INPUT", &input)
            .env("NUM_PARTS", "2");
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let ids: Vec<String> =
        serde_json::from_str(&run("logcount-split", &[("LOGCOUNT_BY", "day")])).unwrap();
    for id in &ids {
        run("logcount-count", &[("PART_ID", id)]);
    }
    run("logcount-merge", &[]);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(work.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["by"], "day");
    let t: Value =
        serde_json::from_slice(&std::fs::read(work.join("timeline.json")).unwrap()).unwrap();
    let want = oracle(
        &std::fs::read(&input).unwrap(),
        TimeUnit::Day,
        &["INFO", "WARN", "ERROR", "DEBUG"],
        MatchOptions::default(),
    );
    assert_eq!(t, want);
    // A bad unit is bad input.
    let mut c = step_binary("logcount-split", "warn");
    c.env("WORK_DIR", &work)
        .env("INPUT", &input)
        .env("LOGCOUNT_BY", "week");
    assert_eq!(c.output().unwrap().status.code(), Some(2));
}

/// `logcount workflow --by hour` hands the unit to the split step only.
#[test]
fn workflow_passes_by_to_split() {
    use logcount::argo::{generate, Storage, WorkflowOptions};
    let base = WorkflowOptions::new(Storage::Volume { claim: "c".into() });
    let plain = generate(&base).unwrap();
    assert!(!plain.contains("LOGCOUNT_BY"));
    let yaml = generate(&WorkflowOptions {
        counting: Counting::for_keywords(
            logcount::keywords::Keywords::default_set(),
            MatchOptions::default(),
            Some(TimeUnit::Hour),
        ),
        ..base
    })
    .unwrap();
    assert_eq!(yaml.matches("LOGCOUNT_BY").count(), 1, "{yaml}");
    // In the split container's env, between its command and the count's.
    let at = yaml
        .find("- name: \"LOGCOUNT_BY\"\n            value: \"hour\"")
        .expect("set with its value");
    let split_at = yaml.find("- \"logcount-split\"").unwrap();
    let count_at = yaml.find("- \"logcount-count\"").unwrap();
    assert!(split_at < at && at < count_at, "{yaml}");
}
