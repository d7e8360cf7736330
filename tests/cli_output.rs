//! What `logcount run` and merge print for people and for programs: every
//! `--format` carries the same counts, a pipe gets the step contract byte for
//! byte, a terminal gets a table; completions and the man page come from the
//! same flags.

use crate::common;
use logcount::keywords::Keywords;
use std::process::{Command, Output};

fn logcount() -> Command {
    common::step_binary("logcount", "warn")
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {:?}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
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
