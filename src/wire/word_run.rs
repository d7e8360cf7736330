//! Word runs: the files of the words-mode shuffle.
//!
//! A **run** is a list of `word<TAB>count<LF>` lines, sorted by the word's
//! bytes, each word once. Words are raw bytes (lowercased, never holding
//! whitespace, see [`crate::words`]), so a word that is not UTF-8 is written
//! as it is, and a line splits at its last tab.
//!
//! - A map writes one **partition file** per reducer,
//!   `shuffle/<part>.<r>.run`: a header line, the run, and an end line
//!   that counts its entries and occurrences (so a cut file is seen):
//!
//!   ```text
//!   logcount-word-run 1 job=<job id> part=<part> partition=<r> reducers=<R> hash=xxh3-64
//!   error:<TAB>12
//!   warn<TAB>3
//!   <TAB>end 2 15
//!   ```
//!
//! - A reducer writes `words/<r>.tsv`: the run alone (no header, no end
//!   line), so `cat words/*.tsv` is the job's whole vocabulary, and
//!   `words/<r>.json`, its [`ReduceOutput`].
//!
//! ```
//! use logcount::wire::word_run::{encode_entry, parse_line, RunLine};
//! let mut out = Vec::new();
//! encode_entry(&mut out, b"caf\xe9", 3);
//! assert_eq!(out, b"caf\xe9\t3\n");
//! assert_eq!(parse_line(&out[..out.len() - 1]), Ok(RunLine::Entry(b"caf\xe9", 3)));
//! assert!(parse_line(b"two words\t3").is_err());
//! ```

use super::is_part_id;
use crate::words::is_space;
use serde::{Deserialize, Serialize};

/// The partition hash, as partition files name it: a word goes to reducer
/// `xxh3_64(word) mod R` (see [`crate::shuffle::partition`]).
pub const HASH_NAME: &str = "xxh3-64";
/// The most reducers a job may have.
pub const MAX_REDUCERS: u32 = 4096;
/// The word-run format this build writes and reads.
pub const WORD_RUN_VERSION: u32 = 1;
/// The first word of a partition file's header.
pub const RUN_MAGIC: &str = "logcount-word-run";
/// The folder of the maps' partition files, `shuffle/<part>.<r>.run`.
pub const SHUFFLE_DIR: &str = "shuffle";
/// The folder of the reducers' outputs, `words/<r>.tsv` and `words/<r>.json`.
pub const WORDS_DIR: &str = "words";
/// The totals of a words job, written by its final step.
pub const WORDS_SUMMARY_FILE: &str = "words.json";
/// The format of [`ReduceOutput`] and [`WordsSummary`].
pub const REDUCE_OUTPUT_VERSION: u32 = 1;

/// Map `part`'s partition for reducer `r`: `shuffle/<part>.<r>.run`.
pub fn shuffle_file(part: &str, r: u32) -> String {
    format!("{SHUFFLE_DIR}/{part}.{r}.run")
}

/// Reducer `r`'s words: `words/<r>.tsv`.
pub fn reducer_words_file(r: u32) -> String {
    format!("{WORDS_DIR}/{r}.tsv")
}

/// Reducer `r`'s summary: `words/<r>.json`.
pub fn reducer_output_file(r: u32) -> String {
    format!("{WORDS_DIR}/{r}.json")
}

/// Whether a file directly in [`SHUFFLE_DIR`] is one a map writes.
pub fn is_shuffle_name(name: &str) -> bool {
    name.strip_suffix(".run")
        .and_then(|n| n.rsplit_once('.'))
        .is_some_and(|(part, r)| is_part_id(part) && is_reducer_id(r))
}

/// Whether a file directly in [`WORDS_DIR`] is one a reducer writes.
pub fn is_words_output_name(name: &str) -> bool {
    name.strip_suffix(".tsv")
        .or_else(|| name.strip_suffix(".json"))
        .is_some_and(is_reducer_id)
}

/// Whether `id` is a reducer id as split numbers them: `0`, `1`, ... (no
/// leading zeros).
pub fn is_reducer_id(id: &str) -> bool {
    id.parse::<u32>().is_ok_and(|n| n.to_string() == id)
}

/// The header line of a partition file (without its newline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunHeader {
    /// The manifest's job id.
    pub job_id: String,
    /// The map's part.
    pub part: String,
    /// The reducer the partition goes to.
    pub partition: u32,
    /// The job's number of reducers.
    pub reducers: u32,
}

impl RunHeader {
    /// The header line, newline included.
    pub fn encode(&self) -> Vec<u8> {
        format!(
            "{RUN_MAGIC} {WORD_RUN_VERSION} job={} part={} partition={} reducers={} hash={}\n",
            self.job_id, self.part, self.partition, self.reducers, HASH_NAME
        )
        .into_bytes()
    }

    /// Reads a header line (without its newline).
    pub fn parse(line: &[u8]) -> Result<RunHeader, String> {
        let text = std::str::from_utf8(line)
            .map_err(|_| "the header is not UTF-8 (not a word-run file)".to_string())?;
        let mut fields = text.split(' ');
        if fields.next() != Some(RUN_MAGIC) {
            return Err(format!(
                "the header does not start with {RUN_MAGIC:?} (not a word-run file)"
            ));
        }
        let version = fields.next().unwrap_or("");
        if version != WORD_RUN_VERSION.to_string() {
            return Err(format!(
                "word-run version {version:?} is not supported (this build reads version {WORD_RUN_VERSION})"
            ));
        }
        let mut get = |key: &str| -> Result<&str, String> {
            let field = fields.next().unwrap_or("");
            field
                .strip_prefix(key)
                .and_then(|v| v.strip_prefix('='))
                .ok_or_else(|| format!("the header has {field:?} where {key}=... belongs"))
        };
        let job_id = get("job")?.to_string();
        let part = get("part")?.to_string();
        let number = |key: &str, v: &str| {
            v.parse::<u32>()
                .map_err(|_| format!("the header's {key} {v:?} is not a number"))
        };
        let partition = number("partition", get("partition")?)?;
        let reducers = number("reducers", get("reducers")?)?;
        let hash = get("hash")?;
        if hash != HASH_NAME {
            return Err(format!(
                "the words were partitioned by hash {hash:?}; this build uses {:?}",
                HASH_NAME
            ));
        }
        if fields.next().is_some() {
            return Err("the header has fields after hash=".into());
        }
        Ok(RunHeader {
            job_id,
            part,
            partition,
            reducers,
        })
    }
}

/// One line of a run (without its newline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunLine<'a> {
    /// A word and its count (never 0).
    Entry(&'a [u8], u64),
    /// A partition file's end: its entries and the sum of their counts.
    End {
        /// Lines before it (after the header).
        entries: u64,
        /// The sum of their counts.
        occurrences: u64,
    },
}

/// Appends `word<TAB>count<LF>`.
pub fn encode_entry(out: &mut Vec<u8>, word: &[u8], count: u64) {
    out.extend_from_slice(word);
    out.push(b'\t');
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = count;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
    out.push(b'\n');
}

/// Appends a partition file's end line.
pub fn encode_end(out: &mut Vec<u8>, entries: u64, occurrences: u64) {
    out.extend_from_slice(format!("\tend {entries} {occurrences}\n").as_bytes());
}

fn parse_count(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 20 || (digits[0] == b'0' && digits.len() > 1) {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(n)
}

/// Reads one line of a run (without its newline): an entry, whose word must
/// be a word (non-empty, no whitespace, no ASCII capital) and whose count is
/// a canonical decimal of at least 1; or an end line.
pub fn parse_line(line: &[u8]) -> Result<RunLine<'_>, String> {
    if let Some(end) = line.strip_prefix(b"\tend ") {
        let text = std::str::from_utf8(end).unwrap_or("");
        let mut nums = text.split(' ').map(|n| parse_count(n.as_bytes()));
        return match (nums.next(), nums.next(), nums.next()) {
            (Some(Some(entries)), Some(Some(occurrences)), None) => Ok(RunLine::End {
                entries,
                occurrences,
            }),
            _ => Err(format!("bad end line {:?}", String::from_utf8_lossy(line))),
        };
    }
    let tab = memchr::memrchr(b'\t', line).ok_or_else(|| {
        format!(
            "line {:?} is not word<TAB>count",
            String::from_utf8_lossy(&line[..line.len().min(80)])
        )
    })?;
    let (word, count) = (&line[..tab], &line[tab + 1..]);
    if word.is_empty() || word.iter().any(|&b| is_space(b) || b.is_ascii_uppercase()) {
        return Err(format!(
            "{:?} is not a word (empty, whitespace or a capital)",
            String::from_utf8_lossy(&word[..word.len().min(80)])
        ));
    }
    match parse_count(count) {
        Some(n) if n > 0 => Ok(RunLine::Entry(word, n)),
        _ => Err(format!(
            "the count of {:?} is {:?}, not a number of at least 1",
            String::from_utf8_lossy(&word[..word.len().min(80)]),
            String::from_utf8_lossy(count)
        )),
    }
}

/// What a reducer writes beside its words: `words/<r>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReduceOutput {
    /// The format version, [`REDUCE_OUTPUT_VERSION`].
    pub version: u32,
    /// The manifest's job id.
    pub job_id: String,
    /// The reducer.
    pub reducer: u32,
    /// The job's number of reducers.
    pub reducers: u32,
    /// The map partitions it merged: one per part.
    pub parts: usize,
    /// Distinct words in its partition (lines of `words/<r>.tsv`).
    pub distinct: u64,
    /// The sum of their counts.
    pub occurrences: u64,
    /// How many of its most frequent words `top` holds at most (absent:
    /// every word).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u64>,
    /// Its most frequent words, most frequent first, ties by the word's
    /// bytes ascending (encoded as in [`crate::words`]).
    pub top: super::KeywordCounts,
    /// Wall time, in milliseconds (informational).
    pub elapsed_ms: u64,
}

/// A words job's totals, written by the final step: `words.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordsSummary {
    /// The format version, [`REDUCE_OUTPUT_VERSION`].
    pub version: u32,
    /// The manifest's job id.
    pub job_id: String,
    /// Reducers, so `words/0.tsv` to `words/<reducers - 1>.tsv`.
    pub reducers: u32,
    /// Distinct words in the input.
    pub distinct: u64,
    /// Words in the input (the sum of all counts).
    pub occurrences: u64,
    /// How many words `result.json` holds at most (absent: all of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u64>,
}

/// What a map wrote to the shuffle, in its count output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShuffleOutput {
    /// Partition files written: the job's reducers.
    pub reducers: u32,
    /// Entries over its partition files (distinct words of the part).
    pub entries: u64,
    /// Words of the part (the sum of the counts).
    pub occurrences: u64,
    /// Sorted runs spilled to local disk past the memory budget.
    pub spills: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back_as_written() {
        let cases: &[(&[u8], u64)] = &[
            (b"a", 1),
            (b"error:", 12),
            (b"caf\xe9", u64::MAX),
            (b"\x00\x01", 7),
            (b"x\xff\xfe", 10),
        ];
        for &(word, n) in cases {
            let mut out = Vec::new();
            encode_entry(&mut out, word, n);
            assert_eq!(out.last(), Some(&b'\n'));
            assert_eq!(
                parse_line(&out[..out.len() - 1]),
                Ok(RunLine::Entry(word, n))
            );
        }
        let mut out = Vec::new();
        encode_end(&mut out, 3, 99);
        assert_eq!(
            parse_line(&out[..out.len() - 1]),
            Ok(RunLine::End {
                entries: 3,
                occurrences: 99
            })
        );
    }

    #[test]
    fn bad_lines_are_refused() {
        for line in [
            &b"word"[..],
            b"\t3",
            b"Word\t3",
            b"two words\t3",
            b"w\t0",
            b"w\t03",
            b"w\t-1",
            b"w\t18446744073709551616",
            b"w\t",
            b"\tend 1",
            b"\tend 1 2 3",
            b"\tend x 2",
        ] {
            assert!(
                parse_line(line).is_err(),
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn headers_read_back_and_refuse_others() {
        let h = RunHeader {
            job_id: "20261203-abc".into(),
            part: "p.1".into(),
            partition: 6,
            reducers: 7,
        };
        let line = h.encode();
        assert_eq!(RunHeader::parse(&line[..line.len() - 1]), Ok(h));
        for bad in [
            "logcount-word-run 2 job=a part=0 partition=0 reducers=1 hash=xxh3-64",
            "something 1 job=a part=0 partition=0 reducers=1 hash=xxh3-64",
            "logcount-word-run 1 job=a part=0 partition=x reducers=1 hash=xxh3-64",
            "logcount-word-run 1 job=a part=0 partition=0 reducers=1 hash=fnv",
            "logcount-word-run 1 job=a part=0 partition=0 reducers=1",
            "logcount-word-run 1 job=a part=0 partition=0 reducers=1 hash=xxh3-64 more",
        ] {
            assert!(RunHeader::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn file_names() {
        assert_eq!(shuffle_file("p.1", 6), "shuffle/p.1.6.run");
        assert!(is_shuffle_name("p.1.6.run") && is_shuffle_name("0.0.run"));
        assert!(
            !is_shuffle_name("0.run")
                && !is_shuffle_name("0.06.run")
                && !is_shuffle_name("0.1.txt")
        );
        assert!(is_words_output_name("3.tsv") && is_words_output_name("3.json"));
        assert!(!is_words_output_name("x.tsv") && !is_words_output_name("03.json"));
    }
}
