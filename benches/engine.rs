//! Engine throughput (bytes/s) per strategy, for 1, 4, 16 and 200 keywords,
//! over dense text (the generated log: a keyword every ~53 bytes) and sparse
//! text (the same log with the keywords' capitals lower-cased, then a few
//! planted occurrences).
//!
//! `cargo bench --bench engine` (add a filter, e.g. `-- 4kw/dense`). Samples
//! are few and short: the machine is small and shared; compare medians side
//! by side, never single runs.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use logcount::engine::{Engine, StrategyKind};
use logcount::keywords::Keywords;
use std::hint::black_box;
use std::time::Duration;

const TEXT_BYTES: u64 = 4 << 20;

fn keyword_sets() -> Vec<(&'static str, Keywords)> {
    let four = ["INFO", "WARN", "ERROR", "DEBUG"];
    let sixteen: Vec<String> = four
        .iter()
        .map(|s| s.to_string())
        .chain(
            [
                "disk",
                "usage",
                "threshold",
                "timeout",
                "GET",
                "POST",
                "user",
                "login",
                "failed",
                "retry",
                "cache",
                "miss",
            ]
            .iter()
            .map(|s| s.to_string()),
        )
        .collect();
    // 200 keywords: the 4, plus 196 distinct made-up words (some occur).
    let mut two_hundred: Vec<String> = four.iter().map(|s| s.to_string()).collect();
    let syll = [
        "ka", "ro", "mi", "te", "su", "no", "ha", "li", "ve", "do", "qu", "zx", "or", "er",
    ];
    'outer: for a in syll {
        for b in syll {
            two_hundred.push(format!("{a}{b}x"));
            if two_hundred.len() == 200 {
                break 'outer;
            }
        }
    }
    vec![
        ("1kw", Keywords::parse_list("ERROR").unwrap()),
        ("4kw", Keywords::new(four).unwrap()),
        ("16kw", Keywords::new(&sixteen).unwrap()),
        ("200kw", Keywords::new(&two_hundred).unwrap()),
    ]
}

fn texts() -> Vec<(&'static str, Vec<u8>)> {
    let dense = logcount::gen::generate(TEXT_BYTES, 42);
    let mut sparse: Vec<u8> = dense
        .iter()
        .map(|&b| {
            if b.is_ascii_uppercase() {
                b.to_ascii_lowercase()
            } else {
                b
            }
        })
        .collect();
    // A few occurrences per MiB, so that counts are not all zero.
    for (i, at) in (0..sparse.len() - 64).step_by(200_003).enumerate() {
        let k: &[u8] = [&b"ERROR"[..], b"INFO", b"WARN", b"DEBUG"][i % 4];
        sparse[at..at + k.len()].copy_from_slice(k);
    }
    vec![("dense", dense), ("sparse", sparse)]
}

fn engine(c: &mut Criterion) {
    let texts = texts();
    for (set_name, keywords) in keyword_sets() {
        let mut group = c.benchmark_group(format!("engine/{set_name}"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));
        for (text_name, text) in &texts {
            group.throughput(Throughput::Bytes(text.len() as u64));
            let mut kinds = StrategyKind::all_for(&keywords);
            kinds.retain(|k| *k != StrategyKind::Reference); // the oracle: far too slow
            kinds.push(StrategyKind::Auto);
            for kind in kinds {
                let engine = Engine::with_strategy(&keywords, kind).expect("listed as valid");
                let id = BenchmarkId::new(format!("{kind:?}"), text_name);
                let mut counts = vec![0u64; keywords.len()];
                group.bench_with_input(id, text, |b, text| {
                    b.iter(|| {
                        counts.iter_mut().for_each(|c| *c = 0);
                        engine.count(black_box(text), &mut counts);
                        black_box(&counts);
                    })
                });
            }
        }
        group.finish();
    }
    // The newline count every unit pays on top of the keywords.
    let mut group = c.benchmark_group("engine/newlines");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(1));
    let dense = &texts[0].1;
    group.throughput(Throughput::Bytes(dense.len() as u64));
    group.bench_function("count_newlines", |b| {
        b.iter(|| logcount::engine::count_newlines(black_box(dense)))
    });
    group.finish();
}

/// Match options (`--ignore-case`, `--whole-word`) vs plain counting, 4 and
/// 16 keywords on the dense log, for the auto pick and each strategy that
/// supports the set (`cargo bench --bench engine -- options/`).
fn options(c: &mut Criterion) {
    use logcount::engine::MatchOptions;
    let dense = logcount::gen::generate(TEXT_BYTES, 42);
    let combos = [
        ("plain", MatchOptions::default()),
        (
            "ignore-case",
            MatchOptions {
                ignore_case: true,
                whole_word: false,
            },
        ),
        (
            "whole-word",
            MatchOptions {
                ignore_case: false,
                whole_word: true,
            },
        ),
        (
            "both",
            MatchOptions {
                ignore_case: true,
                whole_word: true,
            },
        ),
    ];
    for (set_name, keywords) in keyword_sets()
        .into_iter()
        .filter(|(n, _)| *n == "4kw" || *n == "16kw")
    {
        let mut group = c.benchmark_group(format!("options/{set_name}"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1))
            .throughput(Throughput::Bytes(dense.len() as u64));
        for (opt_name, opts) in combos {
            let mut kinds = StrategyKind::all_with(&keywords, opts);
            kinds.retain(|k| *k != StrategyKind::Reference);
            kinds.push(StrategyKind::Auto);
            for kind in kinds {
                let engine = Engine::with_options(&keywords, opts, kind).expect("listed as valid");
                let id = BenchmarkId::new(format!("{kind:?}"), opt_name);
                let mut counts = vec![0u64; keywords.len()];
                group.bench_with_input(id, &dense, |b, text| {
                    b.iter(|| {
                        counts.iter_mut().for_each(|c| *c = 0);
                        engine.count(black_box(text), &mut counts);
                        black_box(&counts);
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, engine, options);
criterion_main!(benches);
