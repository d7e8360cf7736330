//! A `--by` job's timeline as `run` and merge print it: CSV or TSV rows
//! (`bucket,lines,<keyword>...`, one per bucket, the untimed lines as a
//! last row named `untimed`), or a table for people with a sparkline of
//! the lines per bucket.
//!
//! Buckets are the ones `timeline.json` lists, those with at least one
//! line, so a sparkline draws one mark per listed bucket in order, as the
//! report's chart does: a stretch of time without lines is not drawn.

use super::thousands;
use logcount::wire::TimelineFile;

/// Up to this many buckets, the table has a row for each.
pub const ALL_ROWS_UP_TO: usize = 48;
/// Past [`ALL_ROWS_UP_TO`], rows shown at each end of the table.
pub const END_ROWS: usize = 6;
/// The widest the one-line sparkline gets; more buckets share a mark.
pub const SPARK_WIDTH: usize = 72;
/// The sparkline's marks, lowest to highest.
const MARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The label of the untimed lines' row.
pub const UNTIMED: &str = "untimed";

/// One printed row: a bucket, or the untimed lines.
struct Row {
    label: String,
    lines: u64,
    counts: Vec<u64>,
}

/// The rows of a timeline: its buckets in order (labels as written in
/// `timeline.json` when `compact` is false), then the untimed lines when
/// there are any.
fn rows(t: &TimelineFile, compact: bool) -> Vec<Row> {
    let counts = |c: &logcount::wire::KeywordCounts| {
        t.keywords
            .iter()
            .map(|k| c.get(k).unwrap_or(0))
            .collect::<Vec<_>>()
    };
    let mut rows: Vec<Row> = t
        .buckets
        .iter()
        .map(|b| Row {
            label: if compact {
                short_label(&b.start, t.by)
            } else {
                b.start.clone()
            },
            lines: b.lines,
            counts: counts(&b.counts),
        })
        .collect();
    if t.untimed.lines > 0 {
        rows.push(Row {
            label: UNTIMED.into(),
            lines: t.untimed.lines,
            counts: counts(&t.untimed.counts),
        });
    }
    rows
}

/// `bucket<sep>lines<sep><keyword>...` and a row per bucket, the bucket as
/// `timeline.json` writes its start; the untimed lines as a last row
/// named [`UNTIMED`] when there are any. `field` quotes or escapes a name.
pub fn delimited(t: &TimelineFile, sep: char, field: fn(&str) -> String) -> String {
    let mut out = format!("bucket{sep}lines");
    for k in &t.keywords {
        out.push(sep);
        out += &field(k);
    }
    out.push('\n');
    for r in rows(t, false) {
        out += &r.label;
        out += &format!("{sep}{}", r.lines);
        for n in &r.counts {
            out += &format!("{sep}{n}");
        }
        out.push('\n');
    }
    out
}

/// A bucket start as people read it: `2023-02-28` for a day,
/// `2023-02-28 06:00:05` for seconds, `2023-02-28 06:00` otherwise (UTC).
fn short_label(start: &str, by: logcount::timeline::TimeUnit) -> String {
    use logcount::timeline::TimeUnit;
    let time_len = match by.finest() {
        TimeUnit::Day => 0,
        TimeUnit::Second => 8,
        _ => 5,
    };
    match (start.get(..10), start.get(11..11 + time_len)) {
        (Some(day), _) if time_len == 0 => day.to_string(),
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => start.to_string(),
    }
}

/// The mark for `v` on a scale up to `max`.
fn mark(v: u64, max: u64) -> char {
    if max == 0 {
        return MARKS[0];
    }
    let level = (v as f64 / max as f64 * (MARKS.len() - 1) as f64).round() as usize;
    MARKS[level.min(MARKS.len() - 1)]
}

/// A sparkline of `values`, at most `width` marks: when there are more
/// values, each mark stands for the mean of `ceil(len / width)` of them.
/// Returns the line and how many values each mark stands for.
pub fn sparkline(values: &[u64], width: usize) -> (String, usize) {
    let per = values.len().div_ceil(width.max(1)).max(1);
    let means: Vec<u64> = values
        .chunks(per)
        .map(|c| c.iter().sum::<u64>() / c.len() as u64)
        .collect();
    let max = means.iter().copied().max().unwrap_or(0);
    (means.iter().map(|&v| mark(v, max)).collect(), per)
}

/// The per-bucket table: bucket (UTC), lines, a mark for the bucket's lines
/// (the scale is the busiest bucket), one column per keyword; the untimed
/// lines as a last row. Past [`ALL_ROWS_UP_TO`] buckets, the sparkline of
/// every bucket comes first on one line, and the table shows the first and
/// last [`END_ROWS`].
pub fn table(t: &TimelineFile) -> String {
    let unit = t.by.to_string();
    let all = rows(t, true);
    let buckets = t.buckets.len();
    let lines: Vec<u64> = t.buckets.iter().map(|b| b.lines).collect();
    let max = lines.iter().copied().max().unwrap_or(0);
    let mut out = String::new();

    // (row, its mark) for the rows shown; `None` where buckets are left out.
    let mut shown: Vec<Option<(&Row, char)>> = Vec::new();
    let marked = |i: usize| {
        let r = &all[i];
        (r, if i < buckets { mark(r.lines, max) } else { ' ' })
    };
    if buckets > ALL_ROWS_UP_TO {
        let (spark, per) = sparkline(&lines, SPARK_WIDTH);
        let each = if per > 1 {
            format!(", a mark per {per} {unit}s")
        } else {
            String::new()
        };
        out += &format!(
            "lines per {unit}, {buckets} {unit}s from {} to {} (busiest {}{each}):\n{spark}\n\n",
            all[0].label,
            all[buckets - 1].label,
            thousands(max)
        );
        shown.extend((0..END_ROWS).map(|i| Some(marked(i))));
        shown.push(None);
        shown.extend((buckets - END_ROWS..all.len()).map(|i| Some(marked(i))));
    } else {
        shown.extend((0..all.len()).map(|i| Some(marked(i))));
    }

    let header_key = format!("{unit} (UTC)");
    let gap = format!("… {} more {unit}s", buckets.saturating_sub(2 * END_ROWS));
    let key_width = shown
        .iter()
        .flatten()
        .map(|(r, _)| r.label.chars().count())
        .chain([header_key.chars().count()])
        .chain((buckets > ALL_ROWS_UP_TO).then(|| gap.chars().count()))
        .max()
        .unwrap_or(0);
    let lines_width = shown
        .iter()
        .flatten()
        .map(|(r, _)| thousands(r.lines).len())
        .chain(["lines".len()])
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = t
        .keywords
        .iter()
        .enumerate()
        .map(|(k, name)| {
            shown
                .iter()
                .flatten()
                .map(|(r, _)| thousands(r.counts[k]).len())
                .chain([name.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let pad = |s: &str, w: usize| " ".repeat(w.saturating_sub(s.chars().count()));
    let line = |key: &str, lines: &str, m: char, counts: &[String]| {
        let mut l = format!(
            "{key}{}  {}{lines} {m}",
            pad(key, key_width),
            pad(lines, lines_width)
        );
        for (c, w) in counts.iter().zip(&widths) {
            l += &format!("  {}{c}", pad(c, *w));
        }
        format!("{}\n", l.trim_end())
    };
    out += &line(&header_key, "lines", ' ', &t.keywords);
    for row in &shown {
        match row {
            Some((r, m)) => {
                let counts: Vec<String> = r.counts.iter().map(|&n| thousands(n)).collect();
                out += &line(&r.label, &thousands(r.lines), *m, &counts);
            }
            None => out += &format!("{gap}\n"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use logcount::timeline::TimeUnit;
    use logcount::wire::{Bucket, KeywordCounts, Untimed};

    /// A timeline of `n` hourly buckets from 2023-02-28T00:00Z: bucket `i`
    /// has `i + 1` lines, `i` ERROR and one INFO; `untimed` untimed lines.
    fn hours(n: usize, untimed: u64) -> TimelineFile {
        let kw = |info: u64, error: u64| {
            KeywordCounts::new(vec![("INFO".into(), info), ("ERROR".into(), error)])
        };
        TimelineFile {
            version: 1,
            by: TimeUnit::Hour,
            keywords: vec!["INFO".into(), "ERROR".into()],
            buckets: (0..n)
                .map(|i| Bucket {
                    start: format!(
                        "2023-{:02}-{:02}T{:02}:00:00Z",
                        2 + i / 672,
                        1 + i / 24 % 28,
                        i % 24
                    ),
                    lines: i as u64 + 1,
                    counts: kw(1, i as u64),
                })
                .collect(),
            untimed: Untimed {
                lines: untimed,
                counts: kw(untimed, 0),
            },
        }
    }

    #[test]
    fn delimited_rows_add_up_and_name_the_untimed_row() {
        let t = hours(3, 2);
        assert_eq!(
            delimited(&t, ',', super::super::csv_field),
            "bucket,lines,INFO,ERROR\n\
             2023-02-01T00:00:00Z,1,1,0\n\
             2023-02-01T01:00:00Z,2,1,1\n\
             2023-02-01T02:00:00Z,3,1,2\n\
             untimed,2,2,0\n"
        );
        // No untimed lines: no untimed row.
        assert_eq!(
            delimited(&hours(1, 0), '\t', super::super::tsv_field)
                .lines()
                .count(),
            2
        );
    }

    #[test]
    fn labels_are_short_per_unit() {
        let table: &[(&str, TimeUnit, &str)] = &[
            ("2023-02-28T06:54:00Z", TimeUnit::Minute, "2023-02-28 06:54"),
            ("2023-02-28T06:00:00Z", TimeUnit::Hour, "2023-02-28 06:00"),
            ("2023-02-28T00:00:00Z", TimeUnit::Day, "2023-02-28"),
            ("odd", TimeUnit::Hour, "odd"),
        ];
        for (start, by, want) in table {
            assert_eq!(short_label(start, *by), *want, "{start} {by:?}");
        }
    }

    #[test]
    fn sparklines_scale_to_the_highest_value() {
        // (values, width, line, values per mark)
        let table: &[(&[u64], usize, &str, usize)] = &[
            (&[], 72, "", 1),
            (&[0, 0], 72, "▁▁", 1),
            (&[5], 72, "█", 1),
            (&[0, 1, 2, 3, 4, 5, 6, 7], 72, "▁▂▃▄▅▆▇█", 1),
            (&[7, 0, 7], 72, "█▁█", 1),
            // Five values on two marks: means of [2, 4, 6] and [0, 0].
            (&[2, 4, 6, 0, 0], 2, "█▁", 3),
        ];
        for (values, width, line, per) in table {
            assert_eq!(
                sparkline(values, *width),
                (line.to_string(), *per),
                "{values:?}"
            );
        }
    }

    #[test]
    fn a_short_timeline_has_a_row_per_bucket() {
        assert_eq!(
            table(&hours(3, 2)),
            "hour (UTC)        lines    INFO  ERROR\n\
             2023-02-01 00:00      1 ▃     1      0\n\
             2023-02-01 01:00      2 ▆     1      1\n\
             2023-02-01 02:00      3 █     1      2\n\
             untimed               2       2      0\n"
        );
    }

    #[test]
    fn a_long_timeline_is_a_sparkline_and_its_ends() {
        for (n, per) in [(ALL_ROWS_UP_TO + 1, 1), (200, 3)] {
            let text = table(&hours(n, 1));
            let lines: Vec<&str> = text.lines().collect();
            assert!(
                lines[0].starts_with(&format!("lines per hour, {n} hours from 2023-02-01 00:00")),
                "{text}"
            );
            assert_eq!(
                lines[0].contains(&format!("a mark per {per} hours")),
                per > 1,
                "{text}"
            );
            assert_eq!(lines[1].chars().count(), n.div_ceil(per), "{text}");
            assert!(lines[1].ends_with('█'), "{text}");
            assert_eq!(lines[2], "");
            // Header, END_ROWS rows, the gap, END_ROWS rows, untimed.
            let rows = &lines[3..];
            assert_eq!(rows.len(), 1 + END_ROWS + 1 + END_ROWS + 1, "{text}");
            assert!(
                rows[1 + END_ROWS].starts_with(&format!("… {} more hours", n - 2 * END_ROWS)),
                "{text}"
            );
            let last_bucket: Vec<&str> = rows[2 * END_ROWS + 1].split_whitespace().collect();
            assert_eq!(last_bucket[2], thousands(n as u64), "{text}");
            assert!(rows.last().unwrap().starts_with(UNTIMED), "{text}");
        }
    }
}
