//! What `logcount run` and merge print for people and for programs: every
//! `--format` carries the same counts, a pipe gets the step contract byte for
//! byte, a terminal gets a table; a `--by` job's buckets as CSV, TSV and a
//! table, matching timeline.json; `--quiet` leaves stderr empty; completions
//! and the man page come from the same flags.

use crate::common;
use crate::common::ok;
use logcount::keywords::Keywords;
use std::process::Command;

fn logcount() -> Command {
    common::step_binary("logcount", "warn")
}

/// A generated log in a temp dir and its exact keyword counts.
fn sample() -> (tempfile::TempDir, std::path::PathBuf, Vec<(String, u64)>) {
    let dir = tempfile::tempdir().unwrap();
    let data = logcount::gen::generate(300_000, 7);
    let input = dir.path().join("app.log");
    std::fs::write(&input, &data).unwrap();
    let k = Keywords::default_set();
    let counts = common::expected(&[&data], &k);
    let want = k.names().into_iter().zip(counts).collect();
    (dir, input, want)
}

/// `logcount run` over `input` printing `format` (none: the default).
fn run_as(dir: &std::path::Path, input: &std::path::Path, format: Option<&str>) -> String {
    let mut c = logcount();
    c.args(["run", "--parts", "3", "--input"])
        .arg(input)
        .arg("--work")
        .arg(dir.join("w"));
    if let Some(f) = format {
        c.args(["--format", f]);
    }
    ok(&c.output().unwrap())
}

/// Rows of a delimited output with a `keyword<sep>count` header.
fn delimited(text: &str, sep: char) -> Vec<(String, u64)> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(format!("keyword{sep}count").as_str()));
    lines
        .map(|l| {
            let (k, n) = l.rsplit_once(sep).unwrap();
            (k.to_string(), n.parse().unwrap())
        })
        .collect()
}

#[test]
fn every_format_carries_the_same_counts_and_a_pipe_gets_the_contract() {
    let (dir, input, want) = sample();
    let json = serde_json::to_string(&logcount::wire::KeywordCounts::new(want.clone())).unwrap();
    assert_eq!(run_as(dir.path(), &input, None), format!("{json}\n"));
    assert_eq!(
        run_as(dir.path(), &input, Some("json")),
        format!("{json}\n")
    );
    assert_eq!(
        delimited(&run_as(dir.path(), &input, Some("csv")), ','),
        want
    );
    assert_eq!(
        delimited(&run_as(dir.path(), &input, Some("tsv")), '\t'),
        want
    );
    let table = run_as(dir.path(), &input, Some("table"));
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["keyword", "count", "share"]);
    let total: u64 = want.iter().map(|(_, n)| n).sum();
    for (k, n) in &want {
        let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(row[0], k);
        assert_eq!(row[1].replace(',', "").parse::<u64>().unwrap(), *n);
        let share: f64 = row[2].trim_end_matches('%').parse().unwrap();
        assert!(
            (share - *n as f64 * 100.0 / total as f64).abs() <= 0.05,
            "{row:?}"
        );
    }
    let last: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(last[0], "total");
    assert_eq!(last[1].replace(',', "").parse::<u64>().unwrap(), total);

    // The merge step reads LOGCOUNT_FORMAT too; the step contract is the default.
    let merge = |format: Option<&str>| {
        let mut c = common::step_binary("logcount-merge", "warn");
        c.env("WORK_DIR", dir.path().join("w"));
        if let Some(f) = format {
            c.env("LOGCOUNT_FORMAT", f);
        }
        ok(&c.output().unwrap())
    };
    assert_eq!(merge(None), format!("{json}\n"));
    assert_eq!(delimited(&merge(Some("csv")), ','), want);
    let bad = logcount()
        .args(["run", "--format", "xml", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_process_executor_reads_its_steps_contract_whatever_format_run_prints() {
    let (dir, input, want) = sample();
    let o = logcount()
        .env("LOGCOUNT_FORMAT", "csv")
        .args(["run", "--executor", "process", "--parts", "2", "--input"])
        .arg(&input)
        .arg("--work")
        .arg(dir.path().join("w"))
        .output()
        .unwrap();
    assert_eq!(delimited(&ok(&o), ','), want);
}

#[test]
fn words_mode_has_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("w.log");
    std::fs::write(&input, b"b a b c b a\nsay,\"hi\" b\n").unwrap();
    let run = |format: &str| {
        ok(&logcount()
            .args([
                "run", "--mode", "words", "--parts", "2", "--format", format, "--input",
            ])
            .arg(&input)
            .arg("--work")
            .arg(dir.path().join("w"))
            .output()
            .unwrap())
    };
    let csv = run("csv");
    assert!(csv.starts_with("word,count\nb,4\na,2\n"), "{csv}");
    assert!(csv.contains("\"say,\"\"hi\"\"\",1\n"), "{csv}");
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["b"], 4);
    assert_eq!(json["say,\"hi\""], 1);
    assert!(run("table")
        .lines()
        .any(|l| l.starts_with("b ") && l.contains(" 4 ")));
}

#[test]
fn a_terminal_gets_a_table() {
    if Command::new("script").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("CI").is_none(),
            "util-linux `script` is missing under CI"
        );
        eprintln!("SKIPPED: no `script` (util-linux) to give the command a terminal");
        return;
    }
    let (dir, input, want) = sample();
    let cmd = format!(
        "{} run --parts 2 --input '{}' --work '{}'",
        env!("CARGO_BIN_EXE_logcount"),
        input.display(),
        dir.path().join("w").display()
    );
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_clear()
        .env("LOGCOUNT_LOG", "off")
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap();
    let text = ok(&o).replace('\r', "");
    assert!(text.contains("keyword"), "{text}");
    assert!(text.contains("share"), "{text}");
    for (k, _) in &want {
        assert!(
            text.lines().any(|l| l.starts_with(k.as_str())),
            "{k}: {text}"
        );
    }
    assert!(!text.contains('{'), "no JSON at a terminal: {text}");
}

/// A generated log over six hours of 2023-02-28, every 97th line untimed.
fn hourly_sample() -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let text = String::from_utf8(logcount::gen::generate(400_000, 11)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut log = String::new();
    for (i, line) in lines.iter().enumerate() {
        assert!(line.starts_with("2023-02-28T00:"), "{line}");
        if i % 97 == 0 {
            log += "no timestamp here: ";
            log += line;
        } else {
            let hour = i * 6 / lines.len();
            log += &format!("{}{hour:02}{}", &line[..11], &line[13..]);
        }
        log.push('\n');
    }
    let input = dir.path().join("hours.log");
    std::fs::write(&input, &log).unwrap();
    (dir, input, log.into_bytes())
}

#[test]
fn a_by_job_prints_its_buckets_as_timeline_json_has_them() {
    let (dir, input, data) = hourly_sample();
    let work = dir.path().join("w");
    let run = |format: &str, executor: &str| {
        ok(&logcount()
            .args(["run", "--by", "hour", "--parts", "3", "--format", format])
            .args(["--executor", executor, "--input"])
            .arg(&input)
            .arg("--work")
            .arg(&work)
            .output()
            .unwrap())
    };
    let csv = run("csv", "in-process");
    let timeline: logcount::wire::TimelineFile =
        serde_json::from_slice(&std::fs::read(work.join("timeline.json")).unwrap()).unwrap();
    let keywords = Keywords::default_set();
    let names = keywords.names();
    assert_eq!(timeline.keywords, names);
    assert_eq!(timeline.buckets.len(), 6, "six hours");
    assert!(timeline.untimed.lines > 0);

    let mut rows = csv.lines();
    assert_eq!(rows.next(), Some("bucket,lines,INFO,WARN,ERROR,DEBUG"));
    let rows: Vec<Vec<&str>> = rows.map(|r| r.split(',').collect()).collect();
    // Every bucket of timeline.json in order, then the untimed lines.
    let mut want: Vec<(&str, u64, &logcount::wire::KeywordCounts)> = timeline
        .buckets
        .iter()
        .map(|b| (b.start.as_str(), b.lines, &b.counts))
        .collect();
    want.push(("untimed", timeline.untimed.lines, &timeline.untimed.counts));
    assert_eq!(rows.len(), want.len(), "{csv}");
    let mut sums = vec![0u64; names.len()];
    let mut lines = 0;
    for (row, (start, n, counts)) in rows.iter().zip(&want) {
        assert_eq!(
            (row[0], row[1].parse::<u64>().unwrap()),
            (*start, *n),
            "{csv}"
        );
        lines += n;
        for (k, name) in names.iter().enumerate() {
            let c: u64 = row[2 + k].parse().unwrap();
            assert_eq!(Some(c), counts.get(name), "{start} {name}");
            sums[k] += c;
        }
    }
    // The buckets add up to the totals, counted independently, and to the lines.
    assert_eq!(sums, common::expected(&[&data], &keywords));
    assert_eq!(lines, data.iter().filter(|&&b| b == b'\n').count() as u64);

    // TSV and the process executor print the same rows; the table labels them for people.
    assert_eq!(run("tsv", "process").replace('\t', ","), csv);
    let table = run("table", "in-process");
    for label in [
        "hour (UTC)",
        "2023-02-28 00:00",
        "2023-02-28 05:00",
        "untimed",
        "total",
    ] {
        assert!(table.contains(label), "{label}: {table}");
    }
    // JSON stays result.json's.
    let result = std::fs::read_to_string(work.join("result.json")).unwrap();
    assert_eq!(run("json", "in-process"), result);
}

#[test]
fn quiet_leaves_stderr_empty_but_errors_still_print() {
    let (dir, input, want) = sample();
    let json = serde_json::to_string(&logcount::wire::KeywordCounts::new(want)).unwrap();
    // (extra args, an extra NAME=value in the environment, stderr is empty)
    let cases: &[(&[&str], &str, bool)] = &[
        (&[], "", false),
        (&["--quiet"], "", true),
        (&["-q"], "", true),
        (&[], "LOGCOUNT_QUIET=1", true),
        (&[], "LOGCOUNT_QUIET=false", false),
    ];
    for (args, env, quiet) in cases {
        let mut c = logcount();
        c.args(["run", "--parts", "3", "--input"])
            .arg(&input)
            .arg("--work")
            .arg(dir.path().join("w"))
            .args(*args);
        if let Some((k, v)) = env.split_once('=') {
            c.env(k, v);
        }
        let o = c.output().unwrap();
        assert_eq!(ok(&o), format!("{json}\n"), "{args:?} {env:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.is_empty(), *quiet, "{args:?} {env:?}: {err}");
    }
    let missing = logcount()
        .args(["run", "--quiet", "--input"])
        .arg(dir.path().join("absent.log"))
        .arg("--work")
        .arg(dir.path().join("w2"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.starts_with("logcount: error:"), "{err}");
}

#[test]
fn completions_and_the_man_page_come_from_the_flags() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let text = ok(&logcount().args(["completions", shell]).output().unwrap());
        for word in ["run", "parts", "format", "workflow", "keywords-file"] {
            assert!(text.contains(word), "{shell} completions name {word}");
        }
    }
    let man = ok(&logcount().arg("man").output().unwrap());
    assert!(
        man.starts_with(".ie") || man.contains(".TH logcount"),
        "{}",
        &man[..200.min(man.len())]
    );
    for word in ["logcount", "run", "split", "workflow"] {
        assert!(man.contains(word), "the man page names {word}");
    }
    let bad = logcount().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
