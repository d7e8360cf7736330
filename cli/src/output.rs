//! What `run` and `merge` print: the result as the step contract has it
//! (one JSON line for keywords, `word count` lines for words — the default
//! for a pipe or a file, byte for byte), as JSON, as an aligned table (the
//! default at a terminal), or as CSV or TSV.
//!
//! A `--by` job's timeline ([`timeline`]) is in the table (after the
//! totals) and is what CSV and TSV print (a row per bucket; the totals are
//! its column sums). JSON and the contract stay `result.json`'s JSON; the
//! buckets as JSON are `timeline.json` in the work prefix.

pub mod timeline;

use logcount::named::Named;
use logcount::spec::Mode;
use logcount::wire::{KeywordCounts, TimelineFile};

/// How a result is printed (`--format`, `LOGCOUNT_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object, keys in keyword (or count) order: `result.json`'s.
    Json,
    /// Aligned columns: keyword, count, share of the total; for a `--by`
    /// job then a row per time bucket with a sparkline.
    Table,
    /// `keyword,count` with a header line; fields quoted as RFC 4180 says.
    /// For a `--by` job `bucket,lines,<keyword>...`, a row per bucket.
    Csv,
    /// `keyword<TAB>count` with a header line; for a `--by` job a row per
    /// bucket, as CSV.
    Tsv,
}

impl Named for Format {
    const ALL: &'static [Self] = &[Format::Json, Format::Table, Format::Csv, Format::Tsv];
    fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
        }
    }
    fn help(self) -> &'static str {
        match self {
            Format::Json => "One JSON object, result.json's (a --by job's buckets: timeline.json)",
            Format::Table => "Aligned columns: key, count, share; a --by job's buckets after them",
            Format::Csv => {
                "key,count lines with a header; a --by job: bucket,lines,<keyword>... per bucket"
            }
            Format::Tsv => "As csv, tab-separated",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The printed form of a result: `format` when one was asked for; else a
/// table at a terminal and the step contract's output anywhere else.
/// Words mode prints at most `top` words. A `--by` job's `timeline` is
/// printed by the table, CSV and TSV formats (see the module doc).
pub fn render(
    result: &KeywordCounts,
    mode: Mode,
    timeline: Option<&TimelineFile>,
    top: Option<usize>,
    format: Option<Format>,
    stdout_is_terminal: bool,
) -> std::io::Result<Vec<u8>> {
    let rows = || result.0.iter().take(top.unwrap_or(usize::MAX));
    let key_header = match mode {
        Mode::Keywords => "keyword",
        Mode::Words => "word",
    };
    let mut out = Vec::new();
    let format = match format {
        Some(f) => f,
        None if stdout_is_terminal => Format::Table,
        None => {
            // The contract: what result.json holds, or `word count` lines.
            match mode {
                Mode::Keywords => {
                    out = serde_json::to_vec(result).expect("counts serialize");
                    out.push(b'\n');
                }
                Mode::Words => result.write_word_lines(&mut out, top)?,
            }
            return Ok(out);
        }
    };
    match (format, timeline) {
        (Format::Csv, Some(t)) => return Ok(timeline::delimited(t, ',', csv_field).into_bytes()),
        (Format::Tsv, Some(t)) => return Ok(timeline::delimited(t, '\t', tsv_field).into_bytes()),
        _ => {}
    }
    let shown: Vec<(String, u64)> = rows()
        .map(|(k, n)| Ok((display_key(k, mode)?, *n)))
        .collect::<std::io::Result<_>>()?;
    match format {
        Format::Json => {
            out = serde_json::to_vec(&KeywordCounts::new(shown)).expect("counts serialize");
            out.push(b'\n');
        }
        Format::Csv => {
            out.extend(format!("{key_header},count\n").bytes());
            for (k, n) in &shown {
                out.extend(format!("{},{n}\n", csv_field(k)).bytes());
            }
        }
        Format::Tsv => {
            out.extend(format!("{key_header}\tcount\n").bytes());
            for (k, n) in &shown {
                out.extend(format!("{}\t{n}\n", tsv_field(k)).bytes());
            }
        }
        Format::Table => {
            let mut text = table(key_header, &shown, result.values().sum());
            if let Some(t) = timeline {
                text.push('\n');
                text += &timeline::table(t);
            }
            out = text.into_bytes();
        }
    }
    Ok(out)
}

/// A key as people read it: a keyword as it is, a word decoded from its
/// wire form (bytes that are not UTF-8 shown as U+FFFD).
fn display_key(key: &str, mode: Mode) -> std::io::Result<String> {
    match mode {
        Mode::Keywords => Ok(key.to_string()),
        Mode::Words => logcount::words::decode_word(key)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(std::io::Error::other),
    }
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A TSV field: tabs and line breaks escaped as `\t`, `\n`, `\r`, and `\` as `\\`.
fn tsv_field(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// Aligned columns: key, count (thousands separated), share of `total`.
fn table(key_header: &str, rows: &[(String, u64)], total: u64) -> String {
    let counts: Vec<String> = rows.iter().map(|(_, n)| thousands(*n)).collect();
    let key_width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .chain([key_header.len(), "total".len()])
        .max()
        .unwrap_or(0);
    let count_width = counts
        .iter()
        .map(String::len)
        .chain([thousands(total).len(), "count".len()])
        .max()
        .unwrap_or(0);
    let line = |k: &str, n: &str, share: &str| {
        let pad = key_width - k.chars().count();
        let row = format!("{k}{} {n:>count_width$} {share:>6}", " ".repeat(pad));
        format!("{}\n", row.trim_end())
    };
    let mut out = line(key_header, "count", "share");
    for ((k, n), shown) in rows.iter().zip(&counts) {
        let share = if total == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", *n as f64 * 100.0 / total as f64)
        };
        out += &line(k, shown, &share);
    }
    out += &line("total", &thousands(total), "");
    out
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> KeywordCounts {
        KeywordCounts::new(vec![
            ("INFO".into(), 2460),
            ("WARN".into(), 2448),
            ("ERROR".into(), 2583),
            ("DEBUG".into(), 2509),
        ])
    }

    fn text(format: Option<Format>, terminal: bool) -> String {
        String::from_utf8(render(&seed(), Mode::Keywords, None, None, format, terminal).unwrap())
            .unwrap()
    }

    #[test]
    fn a_pipe_gets_the_contract_and_a_terminal_a_table() {
        let contract = "{\"INFO\":2460,\"WARN\":2448,\"ERROR\":2583,\"DEBUG\":2509}\n";
        assert_eq!(text(None, false), contract);
        assert_eq!(text(Some(Format::Json), true), contract);
        assert_eq!(text(None, true), text(Some(Format::Table), false));
    }

    #[test]
    fn every_format_carries_the_same_counts() {
        assert_eq!(
            text(Some(Format::Csv), false),
            "keyword,count\nINFO,2460\nWARN,2448\nERROR,2583\nDEBUG,2509\n"
        );
        assert_eq!(
            text(Some(Format::Tsv), false),
            "keyword\tcount\nINFO\t2460\nWARN\t2448\nERROR\t2583\nDEBUG\t2509\n"
        );
        assert_eq!(
            text(Some(Format::Table), false),
            "keyword  count  share\n\
             INFO     2,460  24.6%\n\
             WARN     2,448  24.5%\n\
             ERROR    2,583  25.8%\n\
             DEBUG    2,509  25.1%\n\
             total   10,000\n"
        );
    }

    /// The seed's counts over two hour buckets and three untimed lines.
    fn seed_timeline() -> TimelineFile {
        use logcount::timeline::TimeUnit;
        use logcount::wire::{Bucket, Untimed};
        let names = ["INFO", "WARN", "ERROR", "DEBUG"];
        let counts =
            |c: [u64; 4]| KeywordCounts::new(names.iter().map(|k| k.to_string()).zip(c).collect());
        let bucket = |start: &str, lines, c| Bucket {
            start: start.into(),
            lines,
            counts: counts(c),
        };
        TimelineFile {
            version: 1,
            by: TimeUnit::Hour,
            keywords: names.iter().map(|k| k.to_string()).collect(),
            buckets: vec![
                bucket("2023-02-28T06:00:00Z", 6000, [1460, 1448, 1583, 1509]),
                bucket("2023-02-28T07:00:00Z", 3000, [1000, 1000, 1000, 999]),
            ],
            untimed: Untimed {
                lines: 3,
                counts: counts([0, 0, 0, 1]),
            },
        }
    }

    #[test]
    fn a_timeline_is_in_the_table_csv_and_tsv_but_not_the_contract() {
        let t = seed_timeline();
        let text = |format: Option<Format>, terminal: bool| {
            let out = render(&seed(), Mode::Keywords, Some(&t), None, format, terminal);
            String::from_utf8(out.unwrap()).unwrap()
        };
        let contract = "{\"INFO\":2460,\"WARN\":2448,\"ERROR\":2583,\"DEBUG\":2509}\n";
        let table = text(Some(Format::Table), false);
        // (format, at a terminal, what it prints)
        let cases: &[(Option<Format>, bool, &str)] = &[
            (None, false, contract),
            (Some(Format::Json), false, contract),
            (
                Some(Format::Csv),
                false,
                "bucket,lines,INFO,WARN,ERROR,DEBUG\n\
                 2023-02-28T06:00:00Z,6000,1460,1448,1583,1509\n\
                 2023-02-28T07:00:00Z,3000,1000,1000,1000,999\n\
                 untimed,3,0,0,0,1\n",
            ),
            (
                Some(Format::Tsv),
                false,
                "bucket\tlines\tINFO\tWARN\tERROR\tDEBUG\n\
                 2023-02-28T06:00:00Z\t6000\t1460\t1448\t1583\t1509\n\
                 2023-02-28T07:00:00Z\t3000\t1000\t1000\t1000\t999\n\
                 untimed\t3\t0\t0\t0\t1\n",
            ),
            (None, true, &table),
        ];
        for (format, terminal, want) in cases {
            assert_eq!(text(*format, *terminal), *want, "{format:?} {terminal}");
        }
        let (totals, buckets) = table.split_once("\n\n").expect("two tables");
        // The totals as without a timeline, then the buckets.
        let plain = render(
            &seed(),
            Mode::Keywords,
            None,
            None,
            Some(Format::Table),
            false,
        );
        assert_eq!(format!("{totals}\n").into_bytes(), plain.unwrap());
        assert_eq!(
            buckets,
            "hour (UTC)        lines     INFO   WARN  ERROR  DEBUG\n\
             2023-02-28 06:00  6,000 █  1,460  1,448  1,583  1,509\n\
             2023-02-28 07:00  3,000 ▅  1,000  1,000  1,000    999\n\
             untimed               3        0      0      0      1\n"
        );
    }

    #[test]
    fn fields_are_quoted_or_escaped() {
        let t: &[(&str, &str, &str)] = &[
            ("plain", "plain", "plain"),
            ("a,b", "\"a,b\"", "a,b"),
            ("say \"hi\"", "\"say \"\"hi\"\"\"", "say \"hi\""),
            ("tab\there", "tab\there", "tab\\there"),
            ("back\\slash", "back\\slash", "back\\\\slash"),
        ];
        for (given, csv, tsv) in t {
            assert_eq!(csv_field(given), *csv, "{given}");
            assert_eq!(tsv_field(given), *tsv, "{given}");
        }
    }

    #[test]
    fn thousands_are_separated() {
        for (n, s) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (1234567, "1,234,567"),
        ] {
            assert_eq!(thousands(n), s);
        }
    }

    #[test]
    fn an_empty_total_has_no_shares() {
        let zero = KeywordCounts::new(vec![("INFO".into(), 0)]);
        let t = String::from_utf8(
            render(&zero, Mode::Keywords, None, None, Some(Format::Table), true).unwrap(),
        )
        .unwrap();
        assert!(t.contains("INFO") && t.contains('-'), "{t}");
    }
}
