//! Words mode end to end as a MapReduce shuffle: split → count × N (each map
//! writes one sorted partition file per reducer) → reduce × R → merge, over
//! each backend, checked against Python's
//! `collections.Counter(data.lower().split())` on the bytes
//! (`tests/oracle/words.py`, an independent oracle: `bytes.split()` splits
//! on ASCII whitespace, `bytes.lower()` lowers ASCII only).
//!
//! What a job in storage must hold, whatever R, parts, blocks and memory:
//! - `shuffle/<part>.<r>.run` for every part and reducer: its header, its
//!   words sorted once each, every one hashing to r, an end line with its
//!   totals, which add up to the count output's `shuffle` object;
//! - `words/<r>.tsv` for every reducer: sorted, no duplicates, every word
//!   hashing to r; their union is exactly the Counter; `words/<r>.json`
//!   agrees with it;
//! - `result.json`: the Counter's top K, most frequent first, ties by the
//!   word's bytes; `words.json`: the totals.
//!
//! Edge cases are in `words_shuffle`, the binaries in `words_steps`, what is
//! refused in `words_refusals`.

use crate::common::{seed_sample, torture_inputs, Backend};
use logcount::run::{run_in_process, InProcessRun, RunOptions};
use logcount::shuffle::partition;
use logcount::spec::Mode;
use logcount::steps::count::CountOptions;
use logcount::steps::reduce::ReduceOptions;
use logcount::steps::split::SplitOptions;
use logcount::wire::{CountOutput, KeywordCounts, Manifest, ReduceOutput, WordsSummary};
use std::process::Command;

/// What the oracle says about a text.
pub(crate) struct Oracle {
    /// Every (encoded word, count), most frequent first, ties by bytes.
    pub ranked: Vec<(String, u64)>,
    /// The same order, one raw `word count\n` line each.
    pub ranked_lines: Vec<Vec<u8>>,
    /// Every (raw word, count), sorted by the word's bytes.
    pub by_word: Vec<(Vec<u8>, u64)>,
}

impl Oracle {
    /// The first `k` ranked pairs: what result.json holds for top K.
    pub fn top(&self, k: usize) -> Vec<(String, u64)> {
        self.ranked.iter().take(k).cloned().collect()
    }

    /// The raw `word count` lines merge prints for top K.
    pub fn top_lines(&self, k: usize) -> Vec<u8> {
        self.ranked_lines
            .iter()
            .take(k)
            .flatten()
            .copied()
            .collect()
    }

    /// All occurrences.
    pub fn occurrences(&self) -> u64 {
        self.by_word.iter().map(|w| w.1).sum()
    }
}

/// Runs the Python oracle on `data`; `None` (with a SKIPPED line) without python3.
pub(crate) fn oracle(data: &[u8]) -> Option<Oracle> {
    oracle_normalized(data, "")
}

/// The oracle of a job that normalizes its words by `kinds` (`--normalize`).
pub(crate) fn oracle_normalized(data: &[u8], kinds: &str) -> Option<Oracle> {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    std::fs::write(file("in"), data).unwrap();
    let script = crate::common::repo_root().join("tests/oracle/words.py");
    let status = Command::new("python3")
        .arg(&script)
        .arg(file("in"))
        .arg(file("ranked.json"))
        .arg(file("lines"))
        .arg(file("by_word"))
        .arg(kinds)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("the Python oracle {} failed: {s}", script.display()),
        Err(e) => {
            eprintln!("SKIPPED: python3 is not available ({e}); words oracle checks did not run");
            return None;
        }
    }
    let ranked: Vec<(String, u64)> =
        serde_json::from_slice(&std::fs::read(file("ranked.json")).unwrap()).unwrap();
    let lines = std::fs::read(file("lines")).unwrap();
    let ranked_lines = lines
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let by_word = parse_entries(&std::fs::read(file("by_word")).unwrap(), "oracle");
    Some(Oracle {
        ranked,
        ranked_lines,
        by_word,
    })
}

/// `word<TAB>count` lines, each ending in a newline (a file of no lines is
/// empty), split at the line's last tab; panics naming `what` otherwise.
pub(crate) fn parse_entries(body: &[u8], what: &str) -> Vec<(Vec<u8>, u64)> {
    if body.is_empty() {
        return Vec::new();
    }
    assert_eq!(body.last(), Some(&b'\n'), "{what}: no final newline");
    body[..body.len() - 1]
        .split(|&b| b == b'\n')
        .map(|line| {
            let tab = line
                .iter()
                .rposition(|&b| b == b'\t')
                .unwrap_or_else(|| panic!("{what}: {:?} has no tab", lossy(line)));
            let count = std::str::from_utf8(&line[tab + 1..]).unwrap();
            let n: u64 = count
                .parse()
                .unwrap_or_else(|_| panic!("{what}: {count:?}"));
            assert!(n >= 1 && n.to_string() == count, "{what}: count {count:?}");
            (line[..tab].to_vec(), n)
        })
        .collect()
}

pub(crate) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(&b[..b.len().min(80)]).into_owned()
}

/// Asserts `words` are strictly increasing by bytes (sorted, each once),
/// are words (no whitespace, no ASCII capital) and all hash to `r` of `reducers`.
fn check_sorted_partition(words: &[(Vec<u8>, u64)], r: u32, reducers: u32, what: &str) {
    for pair in words.windows(2) {
        assert!(
            pair[0].0 < pair[1].0,
            "{what}: {:?} then {:?} (unsorted or repeated)",
            lossy(&pair[0].0),
            lossy(&pair[1].0)
        );
    }
    for (w, _) in words {
        assert!(!w.is_empty(), "{what}: an empty word");
        assert!(
            !w.iter()
                .any(|b| b" \t\n\r\x0b\x0c".contains(b) || b.is_ascii_uppercase()),
            "{what}: {:?} is not a lowercased word",
            lossy(w)
        );
        assert_eq!(partition(w, reducers), r, "{what}: {:?}", lossy(w));
    }
}

/// How to run one words job.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Job {
    pub parts: usize,
    pub reducers: u32,
    pub block: usize,
    /// The count's memory budget (the word table spills past a quarter).
    pub memory: Option<u64>,
    /// K, result.json's most frequent words.
    pub top: usize,
    /// `--normalize`: the kinds ("" for none).
    pub normalize: &'static str,
}

impl Job {
    pub fn new(parts: usize, reducers: u32, block: usize, top: usize) -> Job {
        Job {
            parts,
            reducers,
            block,
            memory: None,
            top,
            normalize: "",
        }
    }

    pub fn normalized(self, kinds: &'static str) -> Job {
        Job {
            normalize: kinds,
            ..self
        }
    }

    pub fn memory(self, bytes: u64) -> Job {
        Job {
            memory: Some(bytes),
            ..self
        }
    }

    pub fn options(&self) -> RunOptions {
        RunOptions {
            split: SplitOptions {
                parts: self.parts,
                counting: logcount::spec::Counting::words()
                    .with_normalize(self.normalize.parse().unwrap())
                    .unwrap(),
                reducers: Some(self.reducers),
                materialize: false,
                ..Default::default()
            },
            count: CountOptions {
                block_size: self.block,
                memory: self.memory.unwrap_or(CountOptions::default().memory),
                ..CountOptions::default()
            },
            reduce: ReduceOptions { top: self.top },
            jobs: 3,
        }
    }
}

/// What [`verify`] saw of a job.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen {
    /// Parts of the manifest.
    pub parts: usize,
    /// Sorted runs spilled, over every map.
    pub spills: u64,
    /// Reducers whose `words/<r>.tsv` is empty.
    pub empty_reducers: u32,
}

/// Checks everything a finished words job in storage holds at `work` (a
/// name under `b`) against the oracle, for top `k`; `what` names the case.
pub(crate) async fn verify(b: &Backend, work: &str, o: &Oracle, k: usize, what: &str) -> Seen {
    let get_json = |name: String| async move {
        let body = b.get(&format!("{work}/{name}")).await;
        serde_json::from_slice::<serde_json::Value>(&body)
            .unwrap_or_else(|e| panic!("{what}: {name}: {e}"));
        body
    };
    let manifest: Manifest =
        serde_json::from_slice(&get_json("manifest.json".into()).await).unwrap();
    let reducers = manifest
        .reducers
        .expect("a words job in storage has reducers");
    let job = manifest.job_id.as_str();

    // The map side: each part's partition files against its count output.
    let mut spills = 0u64;
    for part in &manifest.parts {
        let id = part.id.as_str();
        let out: CountOutput =
            serde_json::from_slice(&get_json(format!("count-output/{id}.json")).await).unwrap();
        let s = out
            .shuffle
            .unwrap_or_else(|| panic!("{what}: part {id} has no shuffle"));
        assert!(out.words.is_none(), "{what}: part {id} also has words");
        assert_eq!(s.reducers, reducers, "{what}: part {id}");
        let (mut entries, mut occurrences) = (0u64, 0u64);
        for r in 0..reducers {
            let name = format!("shuffle/{id}.{r}.run");
            let body = b.get(&format!("{work}/{name}")).await;
            let header = format!(
                "logcount-word-run 1 job={job} part={id} partition={r} reducers={reducers} hash=xxh3-64\n"
            );
            let rest = body
                .strip_prefix(header.as_bytes())
                .unwrap_or_else(|| panic!("{what}: {name} starts {:?}", lossy(&body)));
            assert_eq!(rest.last(), Some(&b'\n'), "{what}: {name} has no end line");
            let end_at = rest[..rest.len() - 1]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let words = parse_entries(&rest[..end_at], &format!("{what}: {name}"));
            check_sorted_partition(&words, r, reducers, &format!("{what}: {name}"));
            let sum: u64 = words.iter().map(|w| w.1).sum();
            let end = format!("\tend {} {sum}\n", words.len());
            assert_eq!(lossy(&rest[end_at..]), end, "{what}: {name}'s end line");
            entries += words.len() as u64;
            occurrences += sum;
        }
        assert_eq!(
            (s.entries, s.occurrences),
            (entries, occurrences),
            "{what}: part {id}"
        );
        spills += u64::from(s.spills);
    }

    // The reduce side: every reducer's words, and nothing past the last.
    let mut all = Vec::new();
    let mut empty_reducers = 0;
    for r in 0..reducers {
        let name = format!("words/{r}.tsv");
        let words = parse_entries(&b.get(&format!("{work}/{name}")).await, &name);
        check_sorted_partition(&words, r, reducers, &format!("{what}: {name}"));
        let out: ReduceOutput =
            serde_json::from_slice(&get_json(format!("words/{r}.json")).await).unwrap();
        let mut ranked = words.clone();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.truncate(k);
        let top: Vec<(String, u64)> = ranked
            .iter()
            .map(|(w, n)| (logcount::words::encode_word(w).into_owned(), *n))
            .collect();
        let want = (
            job,
            r,
            reducers,
            manifest.parts.len(),
            words.len() as u64,
            words.iter().map(|w| w.1).sum::<u64>(),
            Some(k as u64),
            top,
        );
        let got = (
            out.job_id.as_str(),
            out.reducer,
            out.reducers,
            out.parts,
            out.distinct,
            out.occurrences,
            out.top_k,
            out.top.0,
        );
        assert_eq!(got, want, "{what}: words/{r}.json");
        empty_reducers += u32::from(words.is_empty());
        all.extend(words);
    }
    for past in [
        format!("words/{reducers}.tsv"),
        format!("words/{reducers}.json"),
    ] {
        assert!(
            b.get_opt(&format!("{work}/{past}")).await.is_none(),
            "{what}: {past}"
        );
    }
    // Each tsv holds only its partition's words, so a word in two files is
    // impossible; sorted together they are the whole Counter.
    all.sort();
    if all != o.by_word {
        let (got, want) = (all.len(), o.by_word.len());
        let first = all.iter().zip(&o.by_word).position(|(a, b)| a != b);
        panic!("{what}: the union of words/*.tsv ({got} words) is not the Counter ({want}); first difference at {first:?}");
    }

    // The final step.
    let result: KeywordCounts =
        serde_json::from_slice(&get_json("result.json".into()).await).unwrap();
    assert_eq!(result.0, o.top(k), "{what}: result.json is the top {k}");
    let mut printed = Vec::new();
    result.write_word_lines(&mut printed, None).unwrap();
    assert!(
        printed == o.top_lines(k),
        "{what}: the top {k} lines are\n{}\nnot\n{}",
        String::from_utf8_lossy(&printed),
        String::from_utf8_lossy(&o.top_lines(k))
    );
    let summary: WordsSummary =
        serde_json::from_slice(&get_json("words.json".into()).await).unwrap();
    let want = WordsSummary {
        version: 1,
        job_id: job.to_string(),
        reducers,
        distinct: o.by_word.len() as u64,
        occurrences: o.occurrences(),
        top_k: Some(k as u64),
    };
    assert_eq!(summary, want, "{what}: words.json");
    Seen {
        parts: manifest.parts.len(),
        spills,
        empty_reducers,
    }
}

/// Runs `job` over the object `input` (a URL of `b`) into `work` (a name under `b`).
pub(crate) async fn run_job(b: &Backend, input: &str, work: &str, job: &Job) -> InProcessRun {
    let input = b.stores.open(input).unwrap();
    let work = b.stores.open(&b.url(work)).unwrap();
    run_in_process(&b.stores, &input, &work, &job.options())
        .await
        .unwrap_or_else(|e| panic!("{job:?} on {}: {e:#}", b.name))
}

/// Runs words mode over `data` as each of `jobs` and checks everything
/// against the oracle; what each job looked like, in order (`None`
/// without python3).
pub(crate) async fn check(b: &Backend, name: &str, data: &[u8], jobs: &[Job]) -> Option<Vec<Seen>> {
    let kinds = jobs.first().map_or("", |j| j.normalize);
    assert!(
        jobs.iter().all(|j| j.normalize == kinds),
        "one oracle per check"
    );
    let o = oracle_normalized(data, kinds)?;
    let input = b.put(&format!("{name}.log"), data).await;
    let mut seen = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let work = format!("{name}-w{i}");
        let what = format!("{name} on {}, {job:?}", b.name);
        let out = run_job(b, &input, &work, job).await;
        assert_eq!(out.merged.mode, Mode::Words, "{what}");
        assert_eq!(out.merged.result.0, o.top(job.top), "{what}");
        let s = verify(b, &work, &o, job.top, &what).await;
        let summary: WordsSummary =
            serde_json::from_slice(&b.get(&format!("{work}/words.json")).await).unwrap();
        assert_eq!(out.merged.words.as_ref(), Some(&summary), "{what}");
        assert_eq!(out.merged.parts, s.parts, "{what}");
        seen.push(s);
    }
    Some(seen)
}

/// Every R of `reducers` with every (parts, block) of `shapes`.
pub(crate) fn grid(reducers: &[u32], shapes: &[(usize, usize)], top: usize) -> Vec<Job> {
    reducers
        .iter()
        .flat_map(|&r| shapes.iter().map(move |&(p, b)| Job::new(p, r, b, top)))
        .collect()
}

const KIB: usize = 1024;

/// The reference sample: R = 1, 2, 7, 64 at several part counts and blocks.
async fn seed(b: &Backend) {
    let Some(seed) = seed_sample() else { return };
    let shapes = [(1, 64 * KIB), (3, KIB), (8, 4093)];
    check(b, "seed", &seed, &grid(&[1, 2, 7, 64], &shapes, 10)).await;
}

/// Generated logs (Chinese, punctuation, a DEL and SOH byte in a phrase):
/// the grid, a K past the vocabulary (result.json holds every word) and a
/// K of 1.
async fn generated(b: &Backend) {
    let data = logcount::gen::generate(300_000, 17);
    let shapes = [(1, 64 * KIB), (2, KIB), (7, 4093)];
    let mut jobs = grid(&[1, 2, 7, 64], &shapes, 25);
    jobs.push(Job::new(5, 3, 16 * KIB, 1_000_000));
    jobs.push(Job::new(4, 7, 16 * KIB, 1));
    check(b, "gen", &data, &jobs).await;
}

/// Odd inputs (empty, no final newline, CRLF, invalid UTF-8, NULs, a line
/// longer than small blocks), tiny blocks so words straddle every boundary.
async fn torture(b: &Backend) {
    let mut inputs = torture_inputs();
    inputs.push((
        "whitespace kinds",
        b"A\tb\x0bC\x0cd\re\x1cf\xc2\xa0g\x85h  \r\n\n\x0b".to_vec(),
    ));
    inputs.push(("ties", b"b a B A c C 1 1 _ ~ ~\n\xff \xfe".to_vec()));
    for (name, data) in inputs {
        let blocks: &[usize] = if data.len() > 10_000 {
            &[4093, 1 << 16, 1000]
        } else {
            &[1, 3, 1 << 20]
        };
        let shapes: Vec<(usize, usize)> =
            [1, 2, 5].into_iter().zip(blocks.iter().copied()).collect();
        check(
            b,
            &name.replace(' ', "_"),
            &data,
            &grid(&[1, 3], &shapes, 3),
        )
        .await;
    }
}

/// A line longer than the stitcher's 1 MiB limit: it streams in pieces, and
/// the words cut between pieces (and a 1.2 MiB word) still count once, in
/// the one partition that word hashes to.
async fn long_line(b: &Backend) {
    let mut data = b"short line\n".to_vec();
    let mut i = 0u64;
    while data.len() < 2_600_000 {
        data.extend_from_slice(format!("W{} Word{} ", i % 1000, i % 7).as_bytes());
        i += 1;
    }
    data.extend(std::iter::repeat_n(b'Z', 1_200_000));
    data.extend_from_slice(b" tail\nlast line no newline");
    let jobs = [
        Job::new(1, 1, 4 << 20, 5),
        Job::new(2, 7, 65_537, 5),
        Job::new(3, 2, 65_537, 5).memory(64 * 1024),
    ];
    check(b, "long", &data, &jobs).await;
}

suite!(file: Backend::file(); seed, generated, torture, long_line);
suite!(memory: Backend::memory(); seed, generated, torture, long_line);
suite!(s3: Backend::s3(); seed, generated, torture, long_line);
