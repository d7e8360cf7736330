//! `logcount report` end to end: run the pipeline, write the report, load it
//! in a real browser (Debian's chromium, headless) and find the numbers on
//! the rendered page; take a screenshot and check it is a real picture.
//!
//! Without chromium these checks print a loud SKIPPED line, except under
//! `CI=true`, where a missing browser fails the test (test.sh installs it).

use crate::common;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn logcount(args: &[&str]) -> Output {
    common::step_binary("logcount", "warn")
        .args(args)
        .output()
        .expect("logcount runs")
}

#[track_caller]
fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "failed: {:?}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// The headless browser, or `None` (with a SKIPPED line) when it is not
/// installed; under CI=true a missing browser is a failure.
/// `LOGCOUNT_CHROMIUM` names the browser instead of a PATH search.
fn chromium() -> Option<PathBuf> {
    let found = match std::env::var_os("LOGCOUNT_CHROMIUM") {
        Some(p) => Some(PathBuf::from(p)).filter(|p| p.is_file()),
        None => std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
                .find(|p| p.is_file())
        }),
    };
    if found.is_none() {
        let msg = "chromium is not installed (./test.sh installs it: apt-get install chromium)";
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{msg}; the browser checks of the report must run in CI");
        }
        eprintln!("SKIPPED: {msg}; the report was NOT checked in a browser");
    }
    found
}

/// Runs chromium headless on `page` with `extra` flags, in a fresh profile,
/// no network services; returns stdout. Killed after two minutes.
fn headless(browser: &Path, page: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(out).unwrap_or_default());
    let err = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || std::io::read_to_string(err).unwrap_or_default());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!(
                "chromium did not finish within 2 minutes on {}",
                page.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    assert!(status.success(), "chromium failed: {status:?}\n{stderr}");
    stdout
}

/// The DOM chromium built from the page, serialized.
fn rendered_dom(browser: &Path, page: &Path) -> String {
    let dom = headless(browser, page, &["--dump-dom".into()]);
    assert!(
        dom.contains("<h1>logcount report</h1>"),
        "no page: {dom:.500}"
    );
    dom
}

/// The element `<tag id="id" ...>...</tag>` in the DOM.
fn element<'a>(dom: &'a str, tag: &str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("<{tag} id=\"{id}\""))
        .unwrap_or_else(|| panic!("no <{tag} id={id}> in the rendered page"));
    let end = dom[start..].find(&format!("</{tag}>")).unwrap() + start;
    &dom[start..end]
}

/// Takes a screenshot and checks it is a PNG of the window size with real
/// content (a blank page compresses to a few KB).
fn check_screenshot(browser: &Path, page: &Path, png: &Path) {
    let (w, h) = (1000u32, 2200u32);
    headless(
        browser,
        page,
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={w},{h}"),
            "--hide-scrollbars".into(),
        ],
    );
    let data = std::fs::read(png).expect("chromium wrote the screenshot");
    assert_eq!(&data[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&data[12..16], b"IHDR");
    let dim = |i: usize| u32::from_be_bytes(data[i..i + 4].try_into().unwrap());
    assert_eq!((dim(16), dim(20)), (w, h), "screenshot size");
    assert!(
        data.len() > 40_000,
        "screenshot is {} bytes: the page looks empty",
        data.len()
    );
}

/// How a browser may serialize `value` in a double-quoted attribute: `&` and
/// `"` always escaped; `<` and `>` escaped by newer Chromium, raw by older.
fn attr_forms(value: &str) -> [String; 2] {
    let base = value.replace('&', "&amp;").replace('"', "&quot;");
    [base.replace('<', "&lt;").replace('>', "&gt;"), base]
}

fn file_url(p: &Path) -> String {
    url::Url::from_file_path(p).unwrap().to_string()
}

/// The checks a finished keyword run's page must pass in the browser.
fn check_keyword_page(browser: &Path, work: &Path, page: &Path, expected: &[(&str, u64)]) {
    let dom = rendered_dom(browser, page);
    let totals = element(&dom, "table", "totals");
    for (k, v) in expected {
        assert!(
            attr_forms(k)
                .iter()
                .any(|k| totals.contains(&format!("data-keyword=\"{k}\" data-value=\"{v}\""))),
            "total {k}={v} not on the page"
        );
        let shown = logcount::report::html::thousands(*v);
        assert!(
            totals.contains(&format!("title=\"{v}\">{shown}</span>")),
            "{k} shown as {shown}"
        );
    }
    // One bar per keyword in the keyword chart, each with its exact count.
    let chart = element(&dom, "svg", "keyword-chart");
    assert_eq!(chart.matches("<rect class=\"bar\"").count(), expected.len());
    for (_, v) in expected {
        assert!(chart.contains(&format!("data-value=\"{v}\"")));
    }
    // Every part's bytes, lines and time, from its count output.
    let parts = element(&dom, "table", "parts");
    let outputs: Vec<_> = std::fs::read_dir(work.join("count-output"))
        .unwrap()
        .collect();
    assert!(!outputs.is_empty());
    let mut bytes_sum = 0;
    for entry in outputs {
        let path = entry.unwrap().path();
        let out: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let (id, bytes) = (
            out["part"].as_str().unwrap(),
            out["bytes"].as_u64().unwrap(),
        );
        bytes_sum += bytes;
        assert!(
            parts.contains(&format!("data-part=\"{id}\" data-bytes=\"{bytes}\"")),
            "part {id}: {bytes} bytes not on the page"
        );
        assert!(parts.contains(&format!("data-value=\"{}\"", out["lines"])));
        let bars = element(&dom, "svg", "part-bytes-chart");
        assert!(bars.contains(&format!("data-label=\"{id}\" data-value=\"{bytes}\"")));
    }
    assert!(dom.contains(&format!(
        "data-value=\"{bytes_sum}\" title=\"{bytes_sum} bytes\""
    )));
}

#[test]
fn seed_report_in_a_browser() {
    let Some(seed) = common::seed_sample().map(|_| common::seed_path()) else {
        return;
    };
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let w = work.to_str().unwrap();
    let result = ok(logcount(&[
        "run",
        "--input",
        seed.to_str().unwrap(),
        "--work",
        w,
        "--parts",
        "4",
    ]));
    assert_eq!(
        result.trim(),
        r#"{"INFO":2460,"WARN":2448,"ERROR":2583,"DEBUG":2509}"#
    );
    let printed = ok(logcount(&["report", "--work", w]));
    let page = work.join("report.html");
    assert_eq!(
        printed.trim(),
        file_url(&page),
        "report prints the page's URL"
    );
    check_keyword_page(&browser, &work, &page, &common::SEED_RESULT);
    let dom = rendered_dom(&browser, &page);
    assert!(dom.contains("log-count-data.txt"), "the input is named");
    assert!(dom.contains("data-value=\"10000\""), "10,000 lines");
    let png = dir.path().join("seed-report.png");
    check_screenshot(&browser, &page, &png);
    if let Ok(keep) = std::env::var("LOGCOUNT_REPORT_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
}

/// Counts of each keyword in `path`, by Python's `bytes.count` (the reference rule).
fn python_counts(path: &Path, keywords: &[&str]) -> Vec<u64> {
    let script = "import sys,json\nd=open(sys.argv[1],'rb').read()\nprint(json.dumps([d.count(k.encode()) for k in json.loads(sys.argv[2])]))";
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .arg(serde_json::to_string(keywords).unwrap())
        .output()
        .expect("python3 runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn generated_log_report_with_hostile_keyword_and_out() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gen.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    logcount::gen::write_log(&mut f, 3 << 20, 7).unwrap();
    drop(f);
    let keywords = ["ERROR", "INFO", "<b>&\"'x", "user="];
    let counts = python_counts(&log, &keywords);
    let expected: Vec<(&str, u64)> = keywords.iter().copied().zip(counts).collect();
    assert!(expected[0].1 > 1000, "the generated log has ERRORs");

    let work = dir.path().join("w");
    let w = work.to_str().unwrap();
    ok(logcount(&[
        "run",
        "--input",
        log.to_str().unwrap(),
        "--work",
        w,
        "--parts",
        "5",
        "--keywords",
        &keywords.join(","),
    ]));
    let out = dir.path().join("elsewhere.html");
    // --out through the environment, as a workflow step would pass it.
    let printed = ok(common::step_binary("logcount", "warn")
        .args(["report", "--work", w])
        .env("LOGCOUNT_REPORT_OUT", &out)
        .output()
        .unwrap());
    assert_eq!(printed.trim(), file_url(&out));
    assert!(
        !work.join("report.html").exists(),
        "--out replaces the default place"
    );

    let Some(browser) = chromium() else { return };
    check_keyword_page(&browser, &work, &out, &expected);
    let dom = rendered_dom(&browser, &out);
    // The hostile keyword is text on the page, never markup.
    // (`<b>` may appear raw only at the start of an attribute value.)
    assert!(
        dom.match_indices("<b>")
            .all(|(i, _)| dom[..i].ends_with("=\"")),
        "a keyword became markup"
    );
    assert!(
        dom.contains("&lt;b&gt;&amp;\"'x"),
        "the keyword is shown as text"
    );
    check_screenshot(&browser, &out, &dir.path().join("gen.png"));
}

#[test]
fn report_before_merge_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("a.log");
    std::fs::write(&log, "INFO a\nWARN b\n").unwrap();
    let work = dir.path().join("w");
    let w = work.to_str().unwrap();
    ok(logcount(&[
        "split",
        "--input",
        log.to_str().unwrap(),
        "--work",
        w,
        "--parts",
        "2",
    ]));
    let o = logcount(&["report", "--work", w]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("run merge first") && err.contains("result.json"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    assert!(!work.join("report.html").exists());

    // No run at all: the manifest is missing.
    let o = logcount(&[
        "report",
        "--work",
        dir.path().join("nothing").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("manifest.json does not exist"));
}

/// The `k` most frequent words of `path` by Python's `collections.Counter`:
/// split on ASCII whitespace, ASCII lowercased, ties by bytes ascending.
fn python_top_words(path: &Path, k: usize) -> Vec<(String, u64)> {
    let script = "import sys,json,collections\nd=open(sys.argv[1],'rb').read()\nc=collections.Counter(d.lower().split())\ntop=sorted(c.items(),key=lambda kv:(-kv[1],kv[0]))[:int(sys.argv[2])]\nprint(json.dumps([[w.decode('utf-8','replace'),n] for w,n in top]))";
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .arg(k.to_string())
        .output()
        .expect("python3 runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn words_mode_report_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("gen.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    logcount::gen::write_log(&mut f, 1 << 20, 3).unwrap();
    drop(f);
    let mut inputs = vec![log];
    if common::seed_sample().is_some() {
        inputs.push(common::seed_path());
    }
    let Some(browser) = chromium() else { return };
    for (i, input) in inputs.iter().enumerate() {
        let work = dir.path().join(format!("w{i}"));
        let w = work.to_str().unwrap();
        ok(logcount(&[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--work",
            w,
            "--parts",
            "3",
            "--mode",
            "words",
        ]));
        let printed = ok(logcount(&["report", "--work", w, "--top", "12"]));
        let page = work.join("report.html");
        assert_eq!(printed.trim(), file_url(&page));
        let dom = rendered_dom(&browser, &page);
        let chart = element(&dom, "svg", "word-chart");
        let want = python_top_words(input, 12);
        assert_eq!(chart.matches("<rect class=\"bar\"").count(), want.len());
        // The bars, in order, are the most frequent words with their exact counts.
        let mut at = 0;
        for (word, n) in &want {
            let found = attr_forms(word)
                .iter()
                .find_map(|w| chart[at..].find(&format!("data-label=\"{w}\" data-value=\"{n}\"")));
            let pos = found.unwrap_or_else(|| panic!("bar {word}={n} missing or out of order"));
            at += pos + 1;
        }
        assert!(
            !dom.contains("id=\"keyword-chart\""),
            "no keyword bars in words mode"
        );
        if i + 1 == inputs.len() {
            check_screenshot(&browser, &page, &dir.path().join("words.png"));
            if let Ok(keep) = std::env::var("LOGCOUNT_REPORT_WORDS_SCREENSHOT") {
                std::fs::copy(dir.path().join("words.png"), keep).unwrap();
            }
        }
    }
}

/// Per-bucket keyword counts by Python: the bucket of a line is its leading
/// `YYYY-MM-DDTHH[:MM]` (no zone offsets in these logs); other lines are untimed.
/// Returns (buckets as (start, lines, counts), untimed lines, untimed counts).
type Buckets = (Vec<(String, u64, Vec<u64>)>, u64, Vec<u64>);
fn python_buckets(path: &Path, keywords: &[&str], by: &str) -> Buckets {
    let script = r#"import sys,json,re
d=open(sys.argv[1],'rb').read(); kws=json.loads(sys.argv[2]); by=sys.argv[3]
b={}; un=[0,[0]*len(kws)]
for line in d.split(b'\n')[:-1] if d.endswith(b'\n') else d.split(b'\n'):
    m=re.match(rb'(\d{4}-\d\d-\d\d)[T ](\d\d):(\d\d)', line)
    if m:
        day,h,mi=(g.decode() for g in m.groups())
        key=day+'T'+(h+':'+mi if by=='minute' else h+':00' if by=='hour' else '00:00')+':00Z'
        t=b.setdefault(key,[0,[0]*len(kws)])
    else:
        t=un
    t[0]+=1
    for i,k in enumerate(kws): t[1][i]+=line.count(k.encode())
print(json.dumps([[[k,v[0],v[1]] for k,v in sorted(b.items())],un[0],un[1]]))"#;
    let o = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .arg(serde_json::to_string(keywords).unwrap())
        .arg(by)
        .output()
        .expect("python3 runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn timeline_report_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    // A generated log spanning a few minutes, plus lines without a timestamp.
    let log = dir.path().join("gen.log");
    let mut data = logcount::gen::generate(3 << 20, 11);
    data.extend_from_slice(
        b"no timestamp here INFO ERROR ERROR\n  2023-02-28T00:00:01Z INFO indented\n",
    );
    std::fs::write(&log, &data).unwrap();
    let mut cases = vec![(log, "minute")];
    if common::seed_sample().is_some() {
        cases.push((common::seed_path(), "hour"));
    }
    let Some(browser) = chromium() else { return };
    let keywords = ["INFO", "WARN", "ERROR", "DEBUG"];
    for (i, (input, by)) in cases.iter().enumerate() {
        let work = dir.path().join(format!("t{i}"));
        let w = work.to_str().unwrap();
        ok(logcount(&[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--work",
            w,
            "--parts",
            "4",
            "--by",
            by,
        ]));
        assert!(
            work.join("timeline.json").exists(),
            "--by {by} writes timeline.json"
        );
        ok(logcount(&["report", "--work", w]));
        let dom = rendered_dom(&browser, &work.join("report.html"));
        let (buckets, untimed_lines, untimed) = python_buckets(input, &keywords, by);
        assert!(!buckets.is_empty());
        let chart = element(&dom, "svg", "timeline-chart");
        assert!(
            chart.contains(&format!("data-buckets=\"{}\"", buckets.len())),
            "--by {by}"
        );
        for (k, kw) in keywords.iter().enumerate() {
            assert!(
                chart.contains(&format!(
                    "data-keyword=\"{kw}\" data-points=\"{}\"",
                    buckets.len()
                )),
                "{kw}: one point per bucket"
            );
            // Each bucket's exact count, in bucket order.
            let mut at = 0;
            for (start, _, counts) in &buckets {
                let needle = format!("{kw} {start}: {}</title>", counts[k]);
                let pos = chart[at..]
                    .find(&needle)
                    .unwrap_or_else(|| panic!("--by {by}: no point {needle:?} in order"));
                at += pos + 1;
            }
        }
        let untimed_chart = element(&dom, "svg", "untimed-chart");
        for (kw, n) in keywords.iter().zip(&untimed) {
            assert!(untimed_chart.contains(&format!("data-label=\"{kw}\" data-value=\"{n}\"")));
        }
        assert!(dom.contains(&format!(
            "untimed</b> (no leading timestamp): <span class=\"n\" data-value=\"{untimed_lines}\""
        )));
        assert!(dom.contains("Buckets plus untimed add up to the totals."));
        check_screenshot(
            &browser,
            &work.join("report.html"),
            &dir.path().join(format!("t{i}.png")),
        );
    }
}
