//! The words shuffle's edge cases over each backend, every job checked in
//! full by `words::verify` against the Python Counter: word tables that
//! spill under a budget of a few KiB, reducers with nothing to do, words
//! that all hash to one reducer, ties cut by K across reducers, and bytes
//! that are not UTF-8, CRLF, no final newline and a huge word.

use crate::common::Backend;
use crate::words::{check, oracle, run_job, verify, Job, Seen};
use logcount::shuffle::partition;

const KIB: usize = 1024;
/// A count's memory budget at which its word table (a quarter of it)
/// spills every few dozen distinct words.
const TINY: u64 = 16 * 1024;

/// `n` distinct words `<prefix><i>` that all hash to `r` of `reducers`.
fn words_in(prefix: &str, r: u32, reducers: u32, n: usize) -> Vec<String> {
    let words: Vec<String> = (0..)
        .map(|i| format!("{prefix}{i}"))
        .filter(|w| partition(w.as_bytes(), reducers) == r)
        .take(n)
        .collect();
    assert!(words.iter().all(|w| partition(w.as_bytes(), reducers) == r));
    words
}

/// Spills forced at a budget of a few KiB: every map spills (more runs
/// than parts), and the partition files, the reducers' words and the
/// result are still exact; at the default budget nothing spills.
async fn spills(b: &Backend) {
    let data = logcount::gen::generate(200_000, 29);
    let jobs = [
        Job::new(1, 1, 64 * KIB, 20).memory(TINY),
        Job::new(3, 7, 4 * KIB, 20).memory(TINY),
        Job::new(2, 64, KIB, 20).memory(TINY),
        Job::new(4, 2, 4093, 20).memory(4 * TINY),
        Job::new(3, 7, 4 * KIB, 20),
    ];
    let Some(seen) = check(b, "spills", &data, &jobs).await else {
        return;
    };
    for (job, s) in jobs.iter().zip(&seen) {
        if job.memory.is_some() {
            assert!(
                s.spills >= s.parts as u64,
                "{job:?} on {}: {s:?}: every map should have spilled",
                b.name
            );
        } else {
            assert_eq!(s.spills, 0, "{job:?} on {}: {s:?}", b.name);
        }
    }
}

/// More reducers than words: most partition files and `words/<r>.tsv` are
/// empty (but all there), and an input with no words at all leaves every
/// reducer empty and `result.json` an empty object.
async fn empty_partitions(b: &Backend) {
    let data = b"Apple banana APPLE\ncherry".to_vec();
    let jobs = [
        Job::new(1, 64, 64 * KIB, 10),
        Job::new(3, 64, 1, 2),
        Job::new(2, 64, 3, 1).memory(TINY),
    ];
    if let Some(seen) = check(b, "tiny", &data, &jobs).await {
        for s in seen {
            assert!(s.empty_reducers >= 61, "{s:?} on {}", b.name);
        }
    }
    for (name, data) in [("nothing", &b""[..]), ("blank", b" \r\n\t\n\x0b\x0c \n")] {
        let jobs = [Job::new(1, 5, 64 * KIB, 10), Job::new(3, 64, 2, 10)];
        let Some(seen) = check(b, name, data, &jobs).await else {
            return;
        };
        for (i, (job, s)) in jobs.iter().zip(seen).enumerate() {
            assert_eq!(
                s.empty_reducers, job.reducers,
                "{name} {job:?} on {}",
                b.name
            );
            let result = b.get(&format!("{name}-w{i}/result.json")).await;
            assert_eq!(result, b"{}\n", "{name} {job:?} on {}", b.name);
        }
    }
}

/// Every word hashes to reducer 4 of 7 (upper-case spellings too, which are
/// lowered before they are hashed): the other six reducers get empty
/// partitions from every map, reducer 4 gets them all.
async fn one_partition(b: &Backend) {
    let lower = words_in("key", 4, 7, 400);
    // Other spellings of the same words, which hash elsewhere as they are.
    let words: Vec<String> = lower.iter().map(|w| w.replacen('k', "K", 1)).collect();
    assert!(words.iter().any(|w| partition(w.as_bytes(), 7) != 4));
    let mut data = Vec::new();
    for round in 0..5 {
        for (i, (w, l)) in words.iter().zip(&lower).enumerate() {
            if i % 5 >= round {
                let spelling = if (i + round) % 2 == 0 { w } else { l };
                data.extend_from_slice(spelling.as_bytes());
                data.push(if i % 9 == 0 { b'\n' } else { b' ' });
            }
        }
    }
    let jobs = [
        Job::new(3, 7, KIB, 15),
        Job::new(2, 7, 4 * KIB, 15).memory(TINY),
        Job::new(5, 7, 333, 1000),
    ];
    if let Some(seen) = check(b, "one", &data, &jobs).await {
        for s in seen {
            assert_eq!(s.empty_reducers, 6, "{s:?} on {}", b.name);
        }
    }
}

/// Ties cut by K across reducers: 600 words of the same count spread over
/// the reducers, and K cuts through them; result.json keeps the smallest
/// words by bytes, whichever reducer holds them (each reducer keeps only
/// its own K). Also K smaller than the number of reducers.
async fn ties_across_reducers(b: &Backend) {
    let mut data = b"Top top TOP top\n".to_vec();
    for round in 0..3 {
        for i in 0..600 {
            // Not in byte order, so no input order gives the answer.
            let w = format!("t{}", (i * 7919 + round) % 600);
            data.extend_from_slice(w.as_bytes());
            data.push(if i % 13 == 0 { b'\n' } else { b' ' });
        }
    }
    data.extend_from_slice(b"second second second second\n");
    let jobs = [
        Job::new(3, 7, KIB, 20),
        Job::new(2, 64, 4 * KIB, 2),
        Job::new(4, 64, 4 * KIB, 40).memory(TINY),
        Job::new(1, 2, 64 * KIB, 3),
    ];
    check(b, "ties", &data, &jobs).await;
}

/// Bytes that are not UTF-8 (escaped `\XHH` in the JSON files, raw in the
/// tsv files), CRLF, NULs, no final newline, and a 2 MiB word of invalid
/// UTF-8 (longer than the blocks and the spill budget) that occurs twice.
async fn odd_bytes(b: &Backend) {
    let mut data = Vec::new();
    for i in 0..300 {
        data.extend_from_slice(b"Caf\xe9 CAF\xc3\x89 caf\xc3\xa9 \xff\xfe \xc3 \\XE9 x\x00y ");
        data.extend_from_slice(format!("W{}", i % 37).as_bytes());
        data.extend_from_slice(b"\xed\xa0\x80 ");
        data.extend_from_slice(if i % 3 == 0 { b"end\r\n" } else { b"\r\n\r\n" });
    }
    let huge: Vec<u8> = b"Ab\xe9".iter().copied().cycle().take(2 << 20).collect();
    data.extend_from_slice(&huge);
    data.extend_from_slice(b" middle\r\n");
    data.extend_from_slice(&huge.to_ascii_lowercase());
    data.extend_from_slice(b"\r\nno final newline \xf0\x9f\x98");
    let jobs = [
        Job::new(1, 1, 64 * KIB, 1000),
        Job::new(3, 7, KIB, 1000),
        Job::new(4, 64, 4093, 1000).memory(TINY),
        Job::new(2, 2, 64 * KIB, 4),
    ];
    check(b, "odd", &data, &jobs).await;
}

/// The reducer files depend on the words alone: two jobs over the same
/// input with other parts, blocks and spills write the same `words/<r>.tsv`,
/// byte for byte.
async fn deterministic(b: &Backend) {
    let data = logcount::gen::generate(100_000, 31);
    let Some(o) = oracle(&data) else { return };
    let input = b.put("again.log", &data).await;
    let jobs = [
        Job::new(3, 7, 4 * KIB, 9),
        Job::new(5, 7, KIB, 9).memory(TINY),
    ];
    let mut tsvs: Vec<Vec<Vec<u8>>> = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        let work = format!("again-w{i}");
        run_job(b, &input, &work, job).await;
        let s: Seen = verify(b, &work, &o, job.top, &format!("again {job:?}")).await;
        assert_eq!(s.parts, job.parts);
        let mut files = Vec::new();
        for r in 0..7 {
            files.push(b.get(&format!("{work}/words/{r}.tsv")).await);
        }
        tsvs.push(files);
    }
    assert_eq!(tsvs[0], tsvs[1], "on {}", b.name);
}

suite!(file: Backend::file(); spills, empty_partitions, one_partition, ties_across_reducers, odd_bytes, deterministic);
suite!(memory: Backend::memory(); spills, empty_partitions, one_partition, ties_across_reducers, odd_bytes, deterministic);
suite!(s3: Backend::s3(); spills, empty_partitions, one_partition, ties_across_reducers, odd_bytes, deterministic);
