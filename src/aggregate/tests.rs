use super::{count_in_blocks_with, Counter, Detail, Tally};
use crate::engine::{Engine, MatchOptions, StrategyKind};
use crate::keywords::Keywords;
use crate::timeline::{BucketStart, TimeUnit};

/// Timed lines, an untimed one, a line far longer than the small stitcher
/// limits (its timestamp in its first bytes) and a final line without a newline.
fn timed_log() -> Vec<u8> {
    let mut text = b"2023-02-28T06:54:19Z ERROR a\nERROR no time\n".to_vec();
    text.extend_from_slice(b"2023-02-28T07:00:00Z ");
    text.extend_from_slice(&b"ERROR ".repeat(30));
    text.extend_from_slice(b"\n2023-02-28T07:59:59Z ERROR");
    text
}

#[test]
fn by_time_through_the_stitcher_matches_the_whole_unit() {
    let k = Keywords::parse_list("ERROR").unwrap();
    for whole_word in [false, true] {
        let opts = MatchOptions {
            ignore_case: false,
            whole_word,
        };
        let engine = Engine::with_options(&k, opts, StrategyKind::Auto).unwrap();
        let counter = Counter::new(engine, Detail::by_time(TimeUnit::Hour));
        let text = timed_log();
        let whole = counter.count_unit(&text);
        assert_eq!((whole.counts[0], whole.lines), (33, 4));
        let timeline = whole.detail.buckets().expect("a --by tally");
        let bucket = |label| {
            let start = BucketStart::parse_label(label, TimeUnit::Hour).unwrap();
            let b = &timeline.buckets[&start];
            (b.lines, b.counts[0])
        };
        assert_eq!(bucket("2023-02-28T06:00:00Z"), (1, 1));
        assert_eq!(bucket("2023-02-28T07:00:00Z"), (2, 31));
        assert_eq!((timeline.untimed.lines, timeline.untimed.counts[0]), (1, 1));
        for block in [1, 2, 7, 16, 64, text.len()] {
            // 8 bytes cannot hold the long line (nor most others); 1 MiB holds all.
            for limit in [1, 8, 40, 1 << 20] {
                let t = count_in_blocks_with(&counter, &text, block, limit);
                assert_eq!(
                    t, whole,
                    "whole word {whole_word} block {block} limit {limit}"
                );
            }
        }
    }
}

#[test]
fn a_counter_starts_its_tallies_empty_in_its_mode() {
    let engine = Engine::new(&Keywords::parse_list("ERROR").unwrap());
    let mut words = crate::words::WordCounts::default();
    words.count_text(b"left over");
    let counter = Counter::new(engine, Detail::Words(words, Default::default()));
    let t = counter.tally();
    assert_eq!(t, Tally::new(1, Detail::words()));
    assert!(counter.mode().same_mode(&t.detail));
    assert!(!Detail::by_time(TimeUnit::Hour).same_mode(&Detail::by_time(TimeUnit::Day)));
    assert!(!Detail::None.same_mode(&Detail::words()));
}

#[test]
#[should_panic(expected = "another")]
fn adding_a_tally_of_another_mode_is_refused() {
    let engine = Engine::new(&Keywords::parse_list("ERROR").unwrap());
    let mut keywords = Counter::keywords(engine.clone()).count_unit(b"ERROR\n");
    let words = Counter::new(engine, Detail::words()).count_unit(b"ERROR\n");
    keywords.add(&words);
}

/// A spill that keeps what it is handed, with a tiny budget.
#[derive(Default)]
struct KeepSpills(std::sync::Mutex<Vec<crate::words::WordCounts>>);

impl crate::words::WordSpill for KeepSpills {
    fn budget(&self) -> u64 {
        3 * crate::words::ENTRY_OVERHEAD
    }
    fn spill(&self, counts: crate::words::WordCounts) {
        self.0.lock().unwrap().push(counts);
    }
}

#[test]
fn a_words_tally_spills_past_its_budget_and_loses_nothing() {
    let spills = std::sync::Arc::new(KeepSpills::default());
    let engine = Engine::new(&Keywords::default_set());
    let counter = Counter::new(engine, Detail::words().spilling_to(spills.clone()));
    let text = b"a b c d e f g a b c\nh i j k a\n";
    let mut total = counter.tally();
    for line in text.split_inclusive(|&b| b == b'\n') {
        for word in line.split_inclusive(|&b| b == b' ') {
            total.add(&counter.count_unit(word));
        }
    }
    let spilled = spills.0.lock().unwrap();
    assert!(spilled.len() >= 2, "{} spills", spilled.len());
    let mut all = total.detail.into_word_counts().unwrap();
    for s in spilled.iter() {
        assert!(s.approx_bytes() > 3 * crate::words::ENTRY_OVERHEAD);
        all.merge(s);
    }
    let mut want = crate::words::WordCounts::default();
    want.count_text(text);
    assert_eq!(all, want);
}

/// A pooling counter hands back empty tallies and keeps the counts in its
/// pooled tallies, which spill as a total does; with its clones counting on
/// several threads, nothing is lost.
#[test]
fn a_pooling_counter_keeps_every_count_in_its_pooled_tallies() {
    let spills = std::sync::Arc::new(KeepSpills::default());
    let engine = Engine::new(&Keywords::default_set());
    let counter = Counter::new(engine, Detail::words().spilling_to(spills.clone())).pooling();
    let lines: Vec<String> = (0..400).map(|i| format!("w{} x ERROR\n", i % 37)).collect();
    let returned: Vec<Tally> = std::thread::scope(|s| {
        let handles: Vec<_> = lines
            .chunks(50)
            .map(|chunk| {
                let counter = counter.clone();
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|line| counter.count_unit(line.as_bytes()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(returned
        .iter()
        .all(|t| t.bytes == 0 && t.lines == 0 && t.detail.word_counts().unwrap().is_empty()));
    let pooled = counter.take_pooled();
    assert!(
        !pooled.is_empty() && pooled.len() <= 8,
        "{} pooled",
        pooled.len()
    );
    assert!(counter.take_pooled().is_empty(), "taken out");
    let mut total = counter.tally();
    for t in pooled {
        total.absorb(t);
    }
    let text = lines.concat();
    assert_eq!((total.bytes, total.lines), (text.len() as u64, 400));
    let spilled = spills.0.lock().unwrap();
    assert!(!spilled.is_empty());
    let mut all = total.detail.into_word_counts().unwrap();
    for s in spilled.iter() {
        all.merge(s);
    }
    let mut want = crate::words::WordCounts::default();
    want.count_text(text.as_bytes());
    assert_eq!(all, want);
    // Without pooling, the unit's own tally comes back.
    let plain = Counter::new(Engine::new(&Keywords::default_set()), Detail::words());
    assert_eq!(plain.count_unit(b"a b\n").lines, 1);
    assert!(plain.take_pooled().is_empty());
}
