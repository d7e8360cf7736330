//! `logcount report`: one self-contained HTML page describing a finished run
//! — its inputs and options, the totals, a bar per keyword (or the top words),
//! the counts over time when the run bucketed by time, a table and a bar
//! per group when it grouped its objects (`--group-by`), and every part's
//! bytes and timings. Inline CSS and inline SVG only: no script, no network.
//!
//! [`render`] is pure (a [`RunReport`] in, HTML out); [`load::load`] reads a
//! work prefix into a `RunReport`; [`report`] does both and writes the page.
//! Every count on the page is an exact integer: shown with thousands
//! separators, the exact value kept in `data-value` and the tooltip.
//!
//! ```
//! use logcount::report::{render, RunReport};
//! use logcount::wire::{KeywordCounts, Manifest};
//! let manifest: Manifest = serde_json::from_str(
//!     r#"{"version":1,"job_id":"j","input":"file:///a.log","store":"file:///",
//!         "objects":[],"keywords":["INFO"],"parts":[],"materialized":false}"#,
//! ).unwrap();
//! let r = RunReport {
//!     work: "file:///w/".into(),
//!     manifest,
//!     result: KeywordCounts::new(vec![("INFO".into(), 2460)]),
//!     timeline: None, groups: None, parts: vec![], top: 30,
//! };
//! let html = render(&r);
//! assert!(html.contains(r#"data-keyword="INFO" data-value="2460""#));
//! assert!(html.contains("2,460"));
//! assert!(html.contains("<th>keywords (1)</th>"));
//! ```

pub mod html;
pub mod load;
pub mod svg;

use crate::error::Result;
use crate::spec::Mode;
use crate::store::{self, Location};
use crate::wire::{CountOutput, GroupsFile, KeywordCounts, Manifest, TimelineFile};
use html::{bytes, esc, num, thousands};
use std::fmt::Write;

/// At most this many bars in the keyword chart (the table lists every keyword).
pub const MAX_BARS: usize = 500;

/// The report's file name in the work prefix.
pub const REPORT_FILE: &str = "report.html";

/// Everything the page shows: the run's wire files as they are.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The work prefix's URL.
    pub work: String,
    /// The run's inputs, options and parts.
    pub manifest: Manifest,
    /// `result.json`, in its order (keyword order, or most frequent word first).
    pub result: KeywordCounts,
    /// `timeline.json`, when the run bucketed by time.
    pub timeline: Option<TimelineFile>,
    /// `groups.json`, when the run grouped its objects.
    pub groups: Option<GroupsFile>,
    /// The manifest's parts with their count outputs.
    pub parts: Vec<PartRow>,
    /// How many words words mode shows.
    pub top: usize,
}

/// One part: what split planned and what its count output says.
#[derive(Debug, Clone)]
pub struct PartRow {
    /// The part id, from the manifest.
    pub id: String,
    /// The part's bytes as split planned them.
    pub planned_bytes: u64,
    /// `None` when `count-output/<id>.json` is absent. Its `job_id` may be
    /// another job's (a stale output): the page flags it.
    pub output: Option<CountOutput>,
}

/// Reads the run in `work`, renders it and writes the page to `out`
/// (default `<work>/report.html`) in one put; returns where it went.
pub async fn report(work: &Location, out: Option<Location>, top: usize) -> Result<Location> {
    let data = load::load(work, top).await?;
    let page = render(&data);
    let out = out.unwrap_or_else(|| work.join(REPORT_FILE));
    store::write_once(&out, bytes::Bytes::from(page)).await?;
    Ok(out)
}

const CSS: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;color:#222;max-width:920px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 16px;word-break:break-all}
table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
th{background:#f6f6f6;font-weight:600}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}
code{background:#f3f3f3;padding:0 3px;border-radius:3px;word-break:break-all}
.chart{display:block;max-width:100%;height:auto;margin:8px 0}.chart text{font:12px system-ui,sans-serif;fill:#333}
.chart .tick,.chart .axis{fill:#777;font-size:11px}.unit{color:#777}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:120px}
.card .k{color:#666;font-size:12px}.card .v{font-size:20px;font-weight:600}
.legend span{margin-right:14px;white-space:nowrap}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.warn{color:#b00020}details{margin:8px 0}summary{cursor:pointer;color:#335}";

/// Renders the page (pure).
pub fn render(r: &RunReport) -> String {
    let mut s = String::with_capacity(16 * 1024 + r.parts.len() * 300);
    let m = &r.manifest;
    let words = m.counting.mode() == Mode::Words;
    write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>logcount report: {}</title><style>{CSS}</style></head><body>\n<h1>logcount report</h1><p class=\"sub\">{} &middot; job <code>{}</code></p>\n",
        esc(&m.input),
        esc(&m.input),
        esc(&m.job_id)
    )
    .unwrap();
    if words {
        words_section(&mut s, r);
    } else {
        totals_section(&mut s, r);
    }
    if let Some(t) = &r.timeline {
        timeline_section(&mut s, t, &r.result);
    } else if let Some(by) = m.counting.by() {
        writeln!(s, "<h2>Over time</h2><p class=\"warn\">The run was split with <code>--by {}</code> but the work prefix holds no timeline.json.</p>", esc(&by.to_string())).unwrap();
    }
    if let Some(g) = &r.groups {
        groups_section(&mut s, g, &r.result);
    } else if let Some(by) = m.group_by {
        writeln!(s, "<h2>By group</h2><p class=\"warn\">The run was split with <code>--group-by {by}</code> but the work prefix holds no groups.json.</p>").unwrap();
    }
    parts_section(&mut s, r);
    inputs_section(&mut s, r);
    s.push_str("</body></html>\n");
    s
}

fn card(s: &mut String, key: &str, value: &str) {
    write!(
        s,
        "<div class=\"card\"><div class=\"k\">{key}</div><div class=\"v\">{value}</div></div>"
    )
    .unwrap();
}

fn part_totals(r: &RunReport) -> (u64, u64) {
    r.parts
        .iter()
        .filter_map(|p| p.output.as_ref())
        .fold((0, 0), |(b, l), o| (b + o.bytes, l + o.lines))
}

fn totals_section(s: &mut String, r: &RunReport) {
    let total: u64 = r.result.values().sum();
    let (b, l) = part_totals(r);
    s.push_str("<h2>Totals</h2><div class=\"cards\">");
    card(s, "matches, all keywords", &num(total));
    card(s, "input bytes", &bytes(b));
    card(s, "lines", &num(l));
    card(s, "parts", &num(r.parts.len() as u64));
    s.push_str("</div>\n<table id=\"totals\"><tr><th>keyword</th><th class=\"r\">count</th><th class=\"r\">share</th></tr>");
    for (k, v) in &r.result.0 {
        let share = if total > 0 {
            format!("{:.1}%", *v as f64 * 100.0 / total as f64)
        } else {
            "—".into()
        };
        write!(
            s,
            "<tr data-keyword=\"{kw}\" data-value=\"{v}\"><td><code>{kw}</code></td><td class=\"r\">{}</td><td class=\"r\">{share}</td></tr>",
            num(*v),
            kw = esc(k)
        )
        .unwrap();
    }
    s.push_str("</table>\n");
    let mut bars: Vec<(String, u64)> = r.result.0.clone();
    if bars.len() > MAX_BARS {
        // Huge keyword sets: chart the largest counts (all are in the table).
        bars.sort_by_key(|b| std::cmp::Reverse(b.1));
        bars.truncate(MAX_BARS);
        write!(
            s,
            "<p>The {MAX_BARS} largest of {} keywords:</p>",
            thousands(r.result.0.len() as u64)
        )
        .unwrap();
    }
    s.push_str(&svg::hbars("keyword-chart", &bars));
    s.push('\n');
}

fn words_section(s: &mut String, r: &RunReport) {
    let total: u64 = r.result.values().sum();
    let (b, l) = part_totals(r);
    s.push_str("<h2>Word frequencies</h2><div class=\"cards\">");
    card(s, "words", &num(total));
    card(s, "distinct words", &num(r.result.0.len() as u64));
    card(s, "input bytes", &bytes(b));
    card(s, "lines", &num(l));
    s.push_str("</div>\n");
    let top: Vec<(String, u64)> = r.result.0.iter().take(r.top).cloned().collect();
    write!(
        s,
        "<p>The {} most frequent words (of {}), most frequent first:</p>",
        top.len(),
        thousands(r.result.0.len() as u64)
    )
    .unwrap();
    s.push_str(&svg::hbars("word-chart", &top));
    s.push_str("\n<table id=\"words\"><tr><th class=\"r\">#</th><th>word</th><th class=\"r\">count</th></tr>");
    for (i, (w, v)) in top.iter().enumerate() {
        write!(
            s,
            "<tr data-word=\"{w}\" data-value=\"{v}\"><td class=\"r\">{}</td><td><code>{w}</code></td><td class=\"r\">{}</td></tr>",
            i + 1,
            num(*v),
            w = esc(w)
        )
        .unwrap();
    }
    s.push_str("</table>\n");
}

fn timeline_section(s: &mut String, t: &TimelineFile, result: &KeywordCounts) {
    write!(
        s,
        "<h2>Over time (by {})</h2><div class=\"legend\">",
        esc(&t.by.to_string())
    )
    .unwrap();
    for (i, k) in t.keywords.iter().enumerate() {
        write!(
            s,
            "<span><i class=\"sw\" style=\"background:{}\"></i><code>{}</code></span>",
            svg::color(i),
            esc(k)
        )
        .unwrap();
    }
    s.push_str("</div>\n");
    let starts: Vec<String> = t.buckets.iter().map(|b| b.start.clone()).collect();
    let series: Vec<Vec<u64>> = t
        .keywords
        .iter()
        .map(|k| {
            t.buckets
                .iter()
                .map(|b| b.counts.get(k).unwrap_or(0))
                .collect()
        })
        .collect();
    s.push_str(&svg::timeline(
        "timeline-chart",
        t.by,
        &t.keywords,
        &starts,
        &series,
    ));
    let timed_lines: u64 = t.buckets.iter().map(|b| b.lines).sum();
    write!(
        s,
        "\n<p>{} buckets with {} timed lines; <b>untimed</b> (no leading timestamp): {} lines.</p>",
        num(t.buckets.len() as u64),
        num(timed_lines),
        num(t.untimed.lines)
    )
    .unwrap();
    let untimed: Vec<(String, u64)> = t
        .keywords
        .iter()
        .map(|k| (k.clone(), t.untimed.counts.get(k).unwrap_or(0)))
        .collect();
    s.push_str("<p>Untimed lines, matches per keyword:</p>");
    s.push_str(&svg::hbars("untimed-chart", &untimed));
    // Buckets plus untimed must add up to result.json.
    let mismatched: Vec<&str> = t
        .keywords
        .iter()
        .filter(|k| {
            let sum: u64 = t
                .buckets
                .iter()
                .map(|b| b.counts.get(k).unwrap_or(0))
                .sum::<u64>()
                + t.untimed.counts.get(k).unwrap_or(0);
            result.get(k) != Some(sum)
        })
        .map(String::as_str)
        .collect();
    if mismatched.is_empty() {
        s.push_str("<p>Buckets plus untimed add up to the totals.</p>\n");
    } else {
        writeln!(
            s,
            "<p class=\"warn\">Buckets plus untimed do not add up to result.json for: {}</p>",
            esc(&mismatched.join(", "))
        )
        .unwrap();
    }
    write!(s, "<details><summary>Every bucket ({})</summary><table id=\"buckets\"><tr><th>start</th><th class=\"r\">lines</th>", t.buckets.len()).unwrap();
    for k in &t.keywords {
        write!(s, "<th class=\"r\">{}</th>", esc(k)).unwrap();
    }
    s.push_str("</tr>");
    let row = |s: &mut String, start: &str, lines: u64, counts: &KeywordCounts| {
        write!(
            s,
            "<tr><td>{}</td><td class=\"r\">{}</td>",
            esc(start),
            num(lines)
        )
        .unwrap();
        for k in &t.keywords {
            write!(
                s,
                "<td class=\"r\">{}</td>",
                num(counts.get(k).unwrap_or(0))
            )
            .unwrap();
        }
        s.push_str("</tr>");
    };
    for b in &t.buckets {
        row(s, &b.start, b.lines, &b.counts);
    }
    row(s, "untimed", t.untimed.lines, &t.untimed.counts);
    s.push_str("</table></details>\n");
}

/// A bar per group (its matches, all keywords) and a table of every
/// group's bytes, lines, parts and counts; a warning when the groups do not
/// add up to `result.json`.
fn groups_section(s: &mut String, g: &GroupsFile, result: &KeywordCounts) {
    write!(
        s,
        "<h2>By group ({} groups, by {})</h2><p>Matches per group, all keywords:</p>",
        num(g.groups.len() as u64),
        esc(&g.group_by.to_string())
    )
    .unwrap();
    let mut bars: Vec<(String, u64)> = g
        .groups
        .iter()
        .map(|x| (x.group.clone(), x.counts.values().sum()))
        .collect();
    if bars.len() > MAX_BARS {
        bars.sort_by_key(|b| std::cmp::Reverse(b.1));
        bars.truncate(MAX_BARS);
        write!(s, "<p>The {MAX_BARS} groups with the most matches:</p>").unwrap();
    }
    s.push_str(&svg::hbars("group-chart", &bars));
    s.push_str("\n<table id=\"groups\"><tr><th>group</th><th class=\"r\">bytes</th><th class=\"r\">lines</th><th class=\"r\">parts</th>");
    for k in result.keys() {
        write!(s, "<th class=\"r\">{}</th>", esc(k)).unwrap();
    }
    s.push_str("</tr>");
    for x in &g.groups {
        write!(
            s,
            "<tr data-group=\"{grp}\"><td><code>{grp}</code></td><td class=\"r\">{}</td><td class=\"r\">{}</td><td class=\"r\">{}</td>",
            bytes(x.bytes),
            num(x.lines),
            num(x.parts as u64),
            grp = esc(&x.group)
        )
        .unwrap();
        for k in result.keys() {
            let v = x.counts.get(k).unwrap_or(0);
            write!(s, "<td class=\"r\" data-value=\"{v}\">{}</td>", num(v)).unwrap();
        }
        s.push_str("</tr>");
    }
    s.push_str("</table>\n");
    let mismatched: Vec<&str> = result
        .keys()
        .filter(|k| {
            g.groups
                .iter()
                .map(|x| x.counts.get(k).unwrap_or(0))
                .sum::<u64>()
                != result.get(k).unwrap_or(0)
        })
        .collect();
    if mismatched.is_empty() {
        s.push_str("<p>The groups add up to the totals.</p>\n");
    } else {
        writeln!(
            s,
            "<p class=\"warn\">The groups do not add up to result.json for: {}</p>",
            esc(&mismatched.join(", "))
        )
        .unwrap();
    }
}

fn parts_section(s: &mut String, r: &RunReport) {
    let outs: Vec<&CountOutput> = r.parts.iter().filter_map(|p| p.output.as_ref()).collect();
    let (b, l) = part_totals(r);
    let ms_sum: u64 = outs.iter().map(|o| o.elapsed_ms).sum();
    let ms_max = outs.iter().map(|o| o.elapsed_ms).max().unwrap_or(0);
    s.push_str("<h2>Parts</h2><div class=\"cards\">");
    card(s, "parts", &num(r.parts.len() as u64));
    card(s, "bytes counted", &bytes(b));
    card(s, "lines", &num(l));
    card(s, "count time, sum (ms)", &num(ms_sum));
    card(s, "slowest part (ms)", &num(ms_max));
    s.push_str("</div>\n");
    let missing = r.parts.len() - outs.len();
    if missing > 0 {
        write!(
            s,
            "<p class=\"warn\">{missing} part(s) have no count output.</p>"
        )
        .unwrap();
    }
    let by_bytes: Vec<(String, u64)> = r
        .parts
        .iter()
        .map(|p| (p.id.clone(), p.output.as_ref().map_or(0, |o| o.bytes)))
        .collect();
    let by_ms: Vec<(String, u64)> = r
        .parts
        .iter()
        .map(|p| (p.id.clone(), p.output.as_ref().map_or(0, |o| o.elapsed_ms)))
        .collect();
    s.push_str("<p>Bytes per part:</p>");
    s.push_str(&svg::columns("part-bytes-chart", &by_bytes, "bytes"));
    s.push_str("<p>Count time per part (wall milliseconds, informational):</p>");
    s.push_str(&svg::columns("part-ms-chart", &by_ms, "ms"));
    s.push_str("\n<table id=\"parts\"><tr><th>part</th><th class=\"r\">bytes</th><th class=\"r\">lines</th><th class=\"r\">ms</th><th class=\"r\">MiB/s</th><th>strategy</th></tr>");
    for p in &r.parts {
        let id = esc(&p.id);
        match &p.output {
            Some(o) => {
                let rate = if o.elapsed_ms > 0 {
                    format!(
                        "{:.1}",
                        o.bytes as f64 / (1 << 20) as f64 / (o.elapsed_ms as f64 / 1000.0)
                    )
                } else {
                    "—".into()
                };
                let note = if o.job_id == r.manifest.job_id {
                    String::new()
                } else {
                    " <span class=\"warn\">(another job's output)</span>".into()
                };
                write!(
                    s,
                    "<tr data-part=\"{id}\" data-bytes=\"{b}\"><td>{id}{note}</td><td class=\"r\">{}</td><td class=\"r\">{}</td><td class=\"r\">{}</td><td class=\"r\">{rate}</td><td>{}</td></tr>",
                    num(o.bytes),
                    num(o.lines),
                    num(o.elapsed_ms),
                    esc(&o.strategy),
                    b = o.bytes,
                )
                .unwrap();
            }
            None => write!(
                s,
                "<tr data-part=\"{id}\"><td>{id}</td><td class=\"r\">{} planned</td><td colspan=\"4\" class=\"warn\">no count output</td></tr>",
                num(p.planned_bytes)
            )
            .unwrap(),
        }
    }
    s.push_str("</table>\n");
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn inputs_section(s: &mut String, r: &RunReport) {
    let m = &r.manifest;
    let counting = &m.counting;
    let matching = counting.matching();
    s.push_str("<h2>Inputs</h2><table id=\"inputs\">");
    let mut row = |k: &str, v: String| {
        write!(s, "<tr><th>{k}</th><td>{v}</td></tr>").unwrap();
    };
    row("input", format!("<code>{}</code>", esc(&m.input)));
    row("store", format!("<code>{}</code>", esc(&m.store)));
    row("work prefix", format!("<code>{}</code>", esc(&r.work)));
    row("job id", format!("<code>{}</code>", esc(&m.job_id)));
    row("mode", esc(&counting.mode().to_string()));
    if let Some(keywords) = counting.keywords() {
        let kws: Vec<String> = keywords
            .names()
            .iter()
            .map(|k| format!("<code>{}</code>", esc(k)))
            .collect();
        row(&format!("keywords ({})", keywords.len()), kws.join(" "));
    }
    row("ignore case", yes_no(matching.ignore_case).into());
    row("whole word", yes_no(matching.whole_word).into());
    row(
        "time buckets",
        counting.by().map_or("none".into(), |b| esc(&b.to_string())),
    );
    row("parts materialized", yes_no(m.materialized).into());
    row("input size", bytes(m.input_bytes()));
    let by = counting.by().is_some();
    write!(s, "</table>\n<table id=\"objects\"><tr><th>object ({})</th><th class=\"r\">size</th><th>ETag</th><th>compression</th>{}</tr>", m.objects.len(), if by { "<th>timestamps</th>" } else { "" }).unwrap();
    for o in &m.objects {
        write!(
            s,
            "<tr><td><code>{}</code></td><td class=\"r\">{}</td><td><code>{}</code></td><td>{}</td>{}</tr>",
            esc(&o.path),
            bytes(o.size),
            esc(o.e_tag.as_deref().unwrap_or("")),
            match (o.compression, o.sniffed_by_count) {
                (Some(c), _) => c.to_string(),
                (None, true) => "sniffed by count".into(),
                (None, false) => "none".into(),
            },
            if by { timestamps_cell(o.timestamps.as_ref()) } else { String::new() }
        )
        .unwrap();
    }
    s.push_str("</table>\n");
}

/// The timestamps cell of an object: its format, where, and how it was
/// chosen (or why none was).
fn timestamps_cell(rule: Option<&crate::wire::TimestampRule>) -> String {
    let Some(r) = rule else {
        return "<td>iso (recorded by an older build)</td>".into();
    };
    let format = match (&r.format, &r.field) {
        (Some(f), Some(at)) => format!("<code>{}</code> at <code>{}</code>", esc(f), esc(at)),
        (Some(f), None) => format!("<code>{}</code>", esc(f)),
        (None, _) => "<b class=\"warn\">none</b>".into(),
    };
    let year = match (r.year, r.first_month) {
        (Some(y), Some(m)) => format!("; year {y} from month {m}"),
        _ => String::new(),
    };
    format!("<td>{format}: {}{year}</td>", esc(&r.note))
}

#[cfg(test)]
mod tests;
