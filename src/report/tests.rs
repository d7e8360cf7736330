//! Unit tests of the pure renderer, on hand-made runs and timelines.

use super::*;
use crate::decompress::Compression;
use crate::engine::MatchOptions;
use crate::keywords::Keywords;
use crate::spec::Counting;
use crate::timeline::TimeUnit;
use crate::wire::{InputObject, Part};

const JOB: &str = "job-1";

fn part(id: &str, bytes: u64, lines: u64, ms: u64) -> PartRow {
    PartRow {
        id: id.into(),
        planned_bytes: bytes,
        output: Some(CountOutput {
            version: 1,
            job_id: JOB.into(),
            part: id.into(),
            bytes,
            lines,
            decompressed_bytes: None,
            counts: KeywordCounts::default(),
            words: None,
            shuffle: None,
            timeline: None,
            strategy: "simd-avx2".into(),
            elapsed_ms: ms,
        }),
    }
}

/// A keyword job counting `keywords`, matched as `matching`, bucketed by `by`.
fn keyword_job(keywords: &[(&str, u64)], matching: MatchOptions, by: Option<TimeUnit>) -> Counting {
    let names = keywords.iter().map(|(k, _)| k.as_bytes());
    Counting::for_keywords(Keywords::new(names).unwrap(), matching, by)
}

fn run(keywords: &[(&str, u64)]) -> RunReport {
    let parts = [("0", 1000, 10, 3), ("1", 1200, 12, 0), ("2", 800, 9, 7)];
    RunReport {
        work: "file:///w/".into(),
        manifest: Manifest {
            version: 1,
            job_id: JOB.into(),
            input: "file:///data/app.log".into(),
            store: "file:///".into(),
            objects: vec![InputObject {
                path: "data/app.log".into(),
                size: 3000,
                e_tag: Some("\"e1\"".into()),
                last_modified: "2024-01-01T00:00:00Z".into(),
                compression: None,
                sniffed_by_count: false,
                timestamps: None,
                changed: None,
            }],
            counting: keyword_job(keywords, MatchOptions::default(), None),
            parts: parts
                .iter()
                .map(|&(id, bytes, ..)| Part {
                    id: id.into(),
                    bytes,
                    segments: vec![],
                    group: None,
                })
                .collect(),
            materialized: false,
            stream: false,
            group_by: None,
            reducers: None,
            no_other_fields: Default::default(),
        },
        result: KeywordCounts::new(keywords.iter().map(|&(k, v)| (k.into(), v)).collect()),
        timeline: None,
        groups: None,
        parts: parts
            .iter()
            .map(|&(id, bytes, lines, ms)| part(id, bytes, lines, ms))
            .collect(),
        top: 30,
    }
}

/// The text of the element `<tag id="id" ...>...</tag>` (first match).
fn element<'a>(html: &'a str, tag: &str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<{tag} id=\"{id}\""))
        .unwrap_or_else(|| panic!("no <{tag} id={id}>"));
    let end = html[start..].find(&format!("</{tag}>")).unwrap() + start;
    &html[start..end]
}

/// The `points` of each polyline in `svg`, as counts of points.
fn polyline_points(svg: &str) -> Vec<usize> {
    svg.split("<polyline")
        .skip(1)
        .map(|p| {
            let pts = p.split(" points=\"").nth(1).unwrap();
            pts[..pts.find('"').unwrap()].split(' ').count()
        })
        .collect()
}

const SEED: [(&str, u64); 4] = [
    ("INFO", 2460),
    ("WARN", 2448),
    ("ERROR", 2583),
    ("DEBUG", 2509),
];

#[test]
fn one_bar_per_keyword_with_exact_values() {
    for n in [1usize, 4, 17] {
        let names: Vec<String> = (0..n).map(|i| format!("K{i}")).collect();
        let kws: Vec<(&str, u64)> = names
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i as u64 * 1001))
            .collect();
        let html = render(&run(&kws));
        let chart = element(&html, "svg", "keyword-chart");
        assert_eq!(chart.matches("<rect class=\"bar\"").count(), n);
        for (k, v) in &kws {
            assert!(
                chart.contains(&format!("data-label=\"{k}\" data-value=\"{v}\"")),
                "bar {k}={v}"
            );
        }
    }
}

#[test]
fn huge_keyword_sets_chart_the_largest() {
    let names: Vec<String> = (0..MAX_BARS + 7).map(|i| format!("k{i}")).collect();
    let kws: Vec<(&str, u64)> = names
        .iter()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i as u64))
        .collect();
    let html = render(&run(&kws));
    let chart = element(&html, "svg", "keyword-chart");
    assert_eq!(chart.matches("<rect class=\"bar\"").count(), MAX_BARS);
    assert!(chart.contains(&format!("data-label=\"k{}\"", MAX_BARS + 6)));
    assert!(
        !chart.contains("data-label=\"k6\""),
        "the smallest are left out"
    );
    assert_eq!(
        element(&html, "table", "totals")
            .matches("<tr data-keyword=")
            .count(),
        MAX_BARS + 7
    );
}

#[test]
fn totals_are_exact_and_thousands_separated() {
    let html = render(&run(&SEED));
    let totals = element(&html, "table", "totals");
    for (k, v) in SEED {
        assert!(totals.contains(&format!("data-keyword=\"{k}\" data-value=\"{v}\"")));
        assert!(totals.contains(&format!(
            "data-value=\"{v}\" title=\"{v}\">{}</span>",
            html::thousands(v)
        )));
    }
    // All matches: 2460 + 2448 + 2583 + 2509.
    assert!(html.contains("data-value=\"10000\" title=\"10000\">10,000<"));
    // Lines and bytes summed over the parts' outputs.
    assert!(html.contains("data-value=\"3000\" title=\"3000 bytes\">3,000<"));
    assert!(html.contains("data-value=\"31\" title=\"31\">31<"));
    // Keywords appear in result order.
    let pos: Vec<usize> = SEED
        .iter()
        .map(|(k, _)| totals.find(&format!("data-keyword=\"{k}\"")).unwrap())
        .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn per_part_bytes_and_timings() {
    let mut r = run(&SEED);
    r.parts.push(PartRow {
        id: "3".into(),
        planned_bytes: 5,
        output: None,
    });
    r.parts[2].output.as_mut().unwrap().job_id = "an-older-job".into();
    let html = render(&r);
    let parts = element(&html, "table", "parts");
    // Only part 2's output is another job's, and the page says so.
    assert_eq!(parts.matches("(another job's output)").count(), 1);
    assert!(parts.contains("<td>2 <span class=\"warn\">(another job's output)</span></td>"));
    assert!(parts.contains("data-part=\"0\" data-bytes=\"1000\""));
    assert!(parts.contains("data-part=\"1\" data-bytes=\"1200\""));
    assert!(parts.contains("data-part=\"3\""));
    assert!(parts.contains("no count output"));
    assert!(html.contains("1 part(s) have no count output"));
    let bytes_chart = element(&html, "svg", "part-bytes-chart");
    assert_eq!(bytes_chart.matches("<rect class=\"col\"").count(), 4);
    assert!(bytes_chart.contains("data-label=\"1\" data-value=\"1200\""));
    let ms = element(&html, "svg", "part-ms-chart");
    assert!(ms.contains("data-label=\"2\" data-value=\"7\""));
    // Slowest part and summed time.
    assert!(
        html.contains("slowest part (ms)</div><div class=\"v\"><span class=\"n\" data-value=\"7\"")
    );
    assert!(html.contains(
        "count time, sum (ms)</div><div class=\"v\"><span class=\"n\" data-value=\"10\""
    ));
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let evil = [
        ("<script>alert(1)</script>", 1),
        ("a&b", 2),
        ("\"quoted\" 'single'", 3),
        ("</svg><img src=x onerror=alert(1)>", 4),
        ("ctl\u{1}\u{0}", 5),
    ];
    let mut r = run(&evil);
    r.manifest.input = "file:///x/<b>.log".into();
    r.manifest.job_id = "j\"><script>".into();
    for p in &mut r.parts {
        p.output.as_mut().unwrap().job_id = r.manifest.job_id.clone();
    }
    r.parts[0].output.as_mut().unwrap().strategy = "<i>s</i>".into();
    r.manifest.objects[0].path = "logs/<b>x</b>.log".into();
    r.manifest.objects[0].e_tag = Some("\"<img src=y>\"".into());
    let html = render(&r);
    for bad in [
        "<script",
        "<img",
        "<b>",
        "<i>",
        "\"quoted\"",
        "'single'",
        "\u{0}",
        "\u{1}",
    ] {
        assert!(!html.contains(bad), "{bad:?} reached the page unescaped");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("a&amp;b"));
    assert!(html.contains("&quot;quoted&quot; &#39;single&#39;"));
    assert!(html.contains("ctl\u{2401}\u{2400}"));
    // Structure survives: one <svg> open per close, and a bar per keyword.
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    let chart = element(&html, "svg", "keyword-chart");
    assert_eq!(chart.matches("<rect class=\"bar\"").count(), evil.len());
}

/// A timeline.json as the brief specifies it.
fn timeline_json(buckets: usize) -> String {
    let mut b = Vec::new();
    for i in 0..buckets {
        b.push(format!(
            r#"{{"start":"2023-02-{:02}T{:02}:00:00Z","lines":{},"counts":{{"INFO":{},"WARN":{},"ERROR":{},"DEBUG":{}}}}}"#,
            28 + i / 24,
            i % 24,
            10 + i,
            i,
            2 * i,
            1,
            0
        ));
    }
    format!(
        r#"{{"version":1,"by":"hour","keywords":["INFO","WARN","ERROR","DEBUG"],"buckets":[{}],"untimed":{{"lines":5,"counts":{{"INFO":7,"WARN":0,"ERROR":3,"DEBUG":0}}}}}}"#,
        b.join(",")
    )
}

fn timeline_run(buckets: usize) -> RunReport {
    let t: TimelineFile = serde_json::from_str(&timeline_json(buckets)).unwrap();
    let n = buckets as u64;
    let sum = |f: fn(u64) -> u64| (0..n).map(f).sum::<u64>();
    let mut r = run(&[
        ("INFO", sum(|i| i) + 7),
        ("WARN", sum(|i| 2 * i)),
        ("ERROR", n + 3),
        ("DEBUG", 0),
    ]);
    r.manifest.counting = keyword_job(&SEED, MatchOptions::default(), Some(TimeUnit::Hour));
    r.timeline = Some(t);
    r
}

#[test]
fn timeline_points_equal_buckets() {
    for buckets in [1usize, 2, 24, 49, 300] {
        let html = render(&timeline_run(buckets));
        let chart = element(&html, "svg", "timeline-chart");
        assert!(chart.contains(&format!("data-buckets=\"{buckets}\"")));
        assert_eq!(
            polyline_points(chart),
            vec![buckets; 4],
            "buckets {buckets}"
        );
        for k in ["INFO", "WARN", "ERROR", "DEBUG"] {
            assert!(chart.contains(&format!("data-keyword=\"{k}\" data-points=\"{buckets}\"")));
        }
        // The untimed bucket is shown separately, a bar per keyword, exact.
        let untimed = element(&html, "svg", "untimed-chart");
        assert_eq!(untimed.matches("<rect class=\"bar\"").count(), 4);
        assert!(untimed.contains("data-label=\"INFO\" data-value=\"7\""));
        assert!(untimed.contains("data-label=\"ERROR\" data-value=\"3\""));
        assert!(html.contains("Buckets plus untimed add up to the totals."));
        // Every bucket is in the table, plus the untimed row.
        let table = element(&html, "table", "buckets");
        assert_eq!(table.matches("<tr>").count(), buckets + 2);
    }
}

#[test]
fn timeline_point_values_are_exact() {
    let html = render(&timeline_run(3));
    let chart = element(&html, "svg", "timeline-chart");
    // WARN is 2*i in bucket i.
    for (i, v) in [0u64, 2, 4].iter().enumerate() {
        assert!(chart.contains(&format!("data-keyword=\"WARN\" data-value=\"{v}\" cx=")));
        assert!(chart.contains(&format!("WARN 2023-02-28T{i:02}:00:00Z: {v}</title>")));
    }
    // Higher counts are drawn higher (smaller y).
    let ys: Vec<f64> = chart
        .split("data-keyword=\"WARN\" data-value=")
        .skip(1)
        .map(|c| {
            let cy = c.split("cy=\"").nth(1).unwrap();
            cy[..cy.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert!(ys[0] > ys[1] && ys[1] > ys[2], "{ys:?}");
}

#[test]
fn timeline_that_disagrees_with_result_is_flagged() {
    let mut r = timeline_run(4);
    r.result.0[0].1 += 1;
    let html = render(&r);
    assert!(html.contains("do not add up to result.json for: INFO"));
}

#[test]
fn by_run_without_timeline_says_so() {
    let mut r = run(&SEED);
    r.manifest.counting = keyword_job(&SEED, MatchOptions::default(), Some(TimeUnit::Day));
    assert!(render(&r).contains("holds no timeline.json"));
}

#[test]
fn words_mode_shows_the_top_words() {
    let words: Vec<(String, u64)> = (0..50u64).map(|i| (format!("w{i}<&>"), 1000 - i)).collect();
    let mut r = run(&SEED);
    r.manifest.counting = Counting::words();
    r.result = KeywordCounts::new(words.clone());
    r.top = 10;
    let html = render(&r);
    assert!(!html.contains("id=\"keyword-chart\""));
    let inputs = element(&html, "table", "inputs");
    assert!(inputs.contains("<th>mode</th><td>words</td>"));
    assert!(!inputs.contains("<th>keywords"));
    let chart = element(&html, "svg", "word-chart");
    assert_eq!(chart.matches("<rect class=\"bar\"").count(), 10);
    for (w, v) in words.iter().take(10) {
        let w = html::esc(w);
        assert!(chart.contains(&format!("data-label=\"{w}\" data-value=\"{v}\"")));
    }
    assert!(!chart.contains("w10&lt;"));
    // Distinct words and the total of all occurrences, exact.
    let total: u64 = words.iter().map(|w| w.1).sum();
    assert!(html.contains(&format!("data-value=\"{total}\"")));
    assert!(
        html.contains("distinct words</div><div class=\"v\"><span class=\"n\" data-value=\"50\"")
    );
    assert_eq!(
        element(&html, "table", "words")
            .matches("<tr data-word=")
            .count(),
        10
    );
}

#[test]
fn inputs_and_options_are_listed() {
    let mut r = run(&SEED);
    let ignore_case = MatchOptions {
        ignore_case: true,
        whole_word: false,
    };
    r.manifest.counting = keyword_job(&SEED, ignore_case, Some(TimeUnit::Minute));
    r.manifest.objects[0].compression = Some(Compression::Gzip);
    let html = render(&r);
    let inputs = element(&html, "table", "inputs");
    assert!(inputs.contains("<th>ignore case</th><td>yes</td>"));
    assert!(inputs.contains("<th>whole word</th><td>no</td>"));
    assert!(inputs.contains("<th>time buckets</th><td>minute</td>"));
    assert!(inputs.contains("<th>mode</th><td>keywords</td>"));
    assert!(inputs.contains("<th>keywords (4)</th><td><code>INFO</code> <code>WARN</code>"));
    let objects = element(&html, "table", "objects");
    assert!(objects.contains("data/app.log") && objects.contains("gzip"));
    assert!(objects.contains("data-value=\"3000\""));
}

#[test]
fn page_is_self_contained() {
    let html = render(&timeline_run(5));
    for banned in ["<script", "http://", "https://", "<link", "@import", "url("] {
        let hits: Vec<_> = html
            .match_indices(banned)
            .filter(|(i, _)| !html[*i..].starts_with("http://www.w3.org/2000/svg"))
            .collect();
        assert!(hits.is_empty(), "{banned} in the page");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
}

/// A grouped run: the seed's counts shared by three groups (one with a
/// hostile name), as `groups.json` holds them.
fn grouped_run() -> RunReport {
    let mut r = run(&SEED);
    r.manifest.group_by = Some("dir:1".parse().unwrap());
    let shares = [("service=api", 3u64), ("service=db", 1), ("<b>&x", 0)];
    let groups = shares
        .iter()
        .enumerate()
        .map(|(i, &(g, share))| crate::wire::GroupCounts {
            group: g.into(),
            bytes: 1000 * (i as u64 + 1),
            lines: 10 * (i as u64 + 1),
            parts: i + 1,
            counts: KeywordCounts::new(
                SEED.iter()
                    .map(|&(k, v)| {
                        (
                            k.into(),
                            match share {
                                3 => v - v / 4,
                                1 => v / 4,
                                _ => 0,
                            },
                        )
                    })
                    .collect(),
            ),
        })
        .collect();
    r.groups = Some(crate::wire::GroupsFile {
        version: crate::wire::GROUPS_VERSION,
        group_by: "dir:1".parse().unwrap(),
        groups,
    });
    r
}

#[test]
fn a_bar_and_a_row_per_group_with_exact_values() {
    let r = grouped_run();
    let html = render(&r);
    let g = r.groups.as_ref().unwrap();
    // The groups add up to the totals (the fixture is built so).
    for (k, v) in SEED {
        let sum: u64 = g.groups.iter().map(|x| x.counts.get(k).unwrap()).sum();
        assert_eq!(sum, v, "{k}");
    }
    assert!(html.contains("The groups add up to the totals."));
    let chart = element(&html, "svg", "group-chart");
    assert_eq!(chart.matches("<rect class=\"bar\"").count(), 3);
    let table = element(&html, "table", "groups");
    for x in &g.groups {
        let all: u64 = x.counts.values().sum();
        let label = crate::report::html::esc(&x.group);
        assert!(
            chart.contains(&format!("data-label=\"{label}\" data-value=\"{all}\"")),
            "bar {label}={all}"
        );
        assert!(
            table.contains(&format!("data-group=\"{label}\"")),
            "row {label}"
        );
        for (k, _) in SEED {
            let v = x.counts.get(k).unwrap();
            assert!(
                table.contains(&format!("data-value=\"{v}\"")),
                "{label} {k}={v}"
            );
        }
    }
    assert!(!html.contains("<b>&x"), "group names are escaped");
}

#[test]
fn groups_that_disagree_with_result_are_flagged_and_a_missing_file_said() {
    let mut r = grouped_run();
    r.result.0[1].1 += 1;
    assert!(render(&r).contains("do not add up to result.json for: WARN"));
    r.groups = None;
    assert!(render(&r).contains("holds no groups.json"));
}

#[test]
fn each_object_shows_its_timestamp_format_or_why_none() {
    let mut r = timeline_run(3);
    let mut other = r.manifest.objects[0].clone();
    other.path = "b.log".into();
    r.manifest.objects[0].timestamps = Some(crate::wire::TimestampRule {
        format: Some("syslog".into()),
        field: None,
        note: "detected: it reads 10 of the first 12 lines".into(),
        year: Some(2023),
        first_month: Some(12),
    });
    other.timestamps = Some(crate::wire::TimestampRule {
        format: None,
        field: None,
        note: "no format: no known timestamp format reads any of its first 5 lines".into(),
        year: None,
        first_month: None,
    });
    r.manifest.objects.push(other);
    let html = render(&r);
    let objects = element(&html, "table", "objects");
    assert!(objects.contains("<th>timestamps</th>"));
    assert!(objects.contains("<code>syslog</code>: detected: it reads 10 of the first 12 lines; year 2023 from month 12"), "{objects}");
    assert!(
        objects.contains(
            "none</b>: no format: no known timestamp format reads any of its first 5 lines"
        ),
        "{objects}"
    );
    // A job without --by has no such column.
    r.manifest.counting = keyword_job(&SEED, MatchOptions::default(), None);
    r.timeline = None;
    assert!(!element(&render(&r), "table", "objects").contains("timestamps"));
}
