//! Fuzzes every count strategy against the naive reference: for any bytes,
//! any valid keyword set and any match options (`--ignore-case`,
//! `--whole-word`), each strategy of `StrategyKind::all_with` (plus the auto
//! pick), counting the whole text and through the block stitcher with a
//! fuzzed block size and line limit, must give exactly the reference's counts,
//! and the stitcher's byte and line tallies must be exact; so must the
//! newlines `count_lines` finds in the same pass as the keywords.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use logcount::aggregate::count_in_blocks;
use logcount::engine::reference::count_one_with;
use logcount::engine::{Engine, MatchOptions, StrategyKind};
use logcount::keywords::Keywords;

/// A small alphabet so that keywords occur (and overlap) in the text often:
/// ASCII in both cases, word and non-word bytes, NUL, a space, and
/// multi-byte UTF-8 characters.
const ALPHABET: [&str; 16] =
    ["a", "b", "E", "R", "O", "\0", " ", "é", "不", "x", "\t", "\u{7f}", "A", "e", "_", "-"];

struct Case {
    keywords: Keywords,
    options: MatchOptions,
    text: Vec<u8>,
    block: usize,
    limit: usize,
}

fn keyword(u: &mut Unstructured) -> Result<String> {
    // Mostly short (SIMD kernels), sometimes past the kernel limit (32 bytes).
    let len = if u.ratio(1, 8)? { u.int_in_range(30..=70)? } else { u.int_in_range(1..=6)? };
    let mut k = String::new();
    for _ in 0..len {
        k.push_str(u.choose(&ALPHABET)?);
    }
    Ok(k)
}

fn case(u: &mut Unstructured) -> Result<Option<Case>> {
    // Up to 20 keywords: the auto pick changes strategy past 3 and past 16.
    let n = u.int_in_range(1..=20)?;
    let mut list = Vec::with_capacity(n);
    for _ in 0..n {
        list.push(keyword(u)?);
    }
    list.sort();
    list.dedup();
    let keywords = Keywords::new(&list).expect("alphabet keywords are valid");
    let options = MatchOptions { ignore_case: u.arbitrary()?, whole_word: u.arbitrary()? };
    let block = u.int_in_range(1..=4096)?;
    let limit = u.int_in_range(0..=200)?;
    let text = if u.arbitrary::<bool>()? {
        // Text over the alphabet plus newlines: dense matches.
        let mut t = Vec::new();
        while !u.is_empty() {
            let b = u.int_in_range(0..=ALPHABET.len())?;
            t.extend_from_slice(ALPHABET.get(b).map_or(&b"\n"[..], |s| s.as_bytes()));
        }
        t
    } else {
        let n = u.len();
        u.bytes(n)?.to_vec()
    };
    // Tiny blocks over a long text only repeat what they test on a short one; keep runs fast.
    let block = block.max(text.len() / 256);
    Ok(Some(Case { keywords, options, text, block, limit }))
}

fn check(c: &Case) {
    let want: Vec<u64> =
        c.keywords.as_bytes().iter().map(|k| count_one_with(&c.text, k, c.options)).collect();
    let newlines = c.text.iter().filter(|&&b| b == b'\n').count() as u64;
    let lines = newlines + u64::from(c.text.last().is_some_and(|&b| b != b'\n'));
    let mut kinds = StrategyKind::all_with(&c.keywords, c.options);
    kinds.push(StrategyKind::Auto);
    for kind in kinds {
        let engine = Engine::with_options(&c.keywords, c.options, kind)
            .expect("all_with lists runnable strategies");
        let mut got = vec![0; c.keywords.len()];
        engine.count(&c.text, &mut got);
        assert_eq!(got, want, "{kind:?} ({}) {:?} on the whole text", engine.strategy_name(), c.options);
        let mut got = vec![0; c.keywords.len()];
        let n = engine.count_lines(&c.text, &mut got);
        assert_eq!(
            (got.as_slice(), n),
            (want.as_slice(), newlines),
            "{kind:?} ({}) {:?} count_lines on the whole text",
            engine.strategy_name(),
            c.options
        );
        let t = count_in_blocks(&engine, &c.text, c.block, c.limit);
        assert_eq!(
            (t.counts.as_slice(), t.bytes, t.lines),
            (want.as_slice(), c.text.len() as u64, lines),
            "{kind:?} ({}) {:?} in blocks of {}, line limit {}",
            engine.strategy_name(),
            c.options,
            c.block,
            c.limit
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    if let Ok(Some(c)) = case(&mut u) {
        check(&c);
    }
});
