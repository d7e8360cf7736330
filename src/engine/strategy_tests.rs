//! Every count strategy against the naive reference (the oracle), on tables
//! of hand-picked cases and on random inputs and keyword sets, whole and fed
//! through the line stitcher in blocks of every size (ripgrep's
//! `SearcherTester` idea: one expectation, every code path).
//!
//! Unit tests of the library rather than an integration test so that
//! `.ci/aarch64.sh` cross-runs them under qemu with `--lib engine::` without
//! building the integration test crate (S3 test server, hyper) for aarch64.

use crate::aggregate::count_in_blocks;
use crate::engine::reference::count_one;
use crate::engine::{Engine, MatchOptions, StrategyKind};
use crate::keywords::Keywords;
use proptest::prelude::*;

fn oracle(text: &[u8], k: &Keywords) -> Vec<u64> {
    k.as_bytes().iter().map(|kw| count_one(text, kw)).collect()
}

fn lines(text: &[u8]) -> u64 {
    let n = text.iter().filter(|&&b| b == b'\n').count() as u64;
    n + u64::from(!text.is_empty() && !text.ends_with(b"\n"))
}

/// Checks every strategy valid for `k`, whole and through the stitcher.
fn check_all(text: &[u8], k: &Keywords, blocks: &[usize], limits: &[usize]) {
    let want = oracle(text, k);
    for kind in StrategyKind::all_for(k) {
        let engine = Engine::with_strategy(k, kind).unwrap();
        let mut got = vec![0; k.len()];
        engine.count(text, &mut got);
        assert_eq!(
            got,
            want,
            "{kind:?} whole text {:?} keywords {:?}",
            String::from_utf8_lossy(text),
            k.names()
        );
        for &block in blocks {
            for &limit in limits {
                let t = count_in_blocks(&engine, text, block, limit);
                assert_eq!(
                    t.counts,
                    want,
                    "{kind:?} block {block} limit {limit} text {:?} keywords {:?}",
                    String::from_utf8_lossy(text),
                    k.names()
                );
                assert_eq!(t.bytes, text.len() as u64);
                assert_eq!(t.lines, lines(text), "{kind:?} block {block} limit {limit}");
            }
        }
    }
}

/// A table of cases: (text, keywords, expected counts).
macro_rules! t {
    ($($name:ident: $text:expr, $kw:expr => $want:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let k = Keywords::parse_list($kw).unwrap();
                let text: &[u8] = $text;
                assert_eq!(oracle(text, &k), $want.to_vec(), "the oracle itself");
                check_all(text, &k, &[1, 2, 3, 7, 64, 1 << 20], &[0, 1, 4, 1 << 20]);
            }
        )*
    };
}

t! {
    empty: b"", "INFO" => [0u64];
    simple: b"INFO WARN\nERROR DEBUG\n", "INFO,WARN,ERROR,DEBUG" => [1u64, 1, 1, 1];
    self_overlap: b"aaaa aaa\naaaaa", "aa" => [5u64];
    self_overlap_periodic: b"abababab\nababa", "abab,aba" => [3u64, 3];
    nested: b"ERRORERROR ERR\n", "ERR,ERROR,ROR,R" => [3u64, 2, 2, 8];
    cross_overlap: b"abcab\ncabc", "abc,cab,bca" => [2u64, 2, 1];
    crlf: b"INFO\r\nINFO\r\n\r\n", "INFO,\u{1}" => [2u64, 0];
    no_final_newline: b"x\nERROR", "ERROR" => [1u64];
    invalid_utf8: b"\xff\xfeERROR\x80\xc3\nERR\xffOR", "ERROR,\u{fffd}" => [1u64, 0];
    nul: b"\0\0\0\n\0", "\0,\0\0" => [4u64, 1];
    one_byte_keywords: b"a\nb\nab\nba\n", "a,b,x" => [3u64, 3, 0];
    keyword_longer_than_text: b"INF", "INFO" => [0u64];
    keyword_is_whole_line: b"ERROR\nERROR\n", "ERROR" => [2u64];
    utf8_keywords: "不明觉厉 How are you? 不明觉厉\n惊呆了".as_bytes(), "不明觉厉,惊呆了,呆" => [2u64, 1, 1];
}

#[test]
fn huge_line_is_streamed_exactly() {
    // One line far longer than the stitcher's limit, with self-overlapping keywords
    // straddling every block boundary.
    let mut text = Vec::new();
    for i in 0..5_000u32 {
        text.extend_from_slice(if i % 7 == 0 { b"aaa" } else { b"ERRORa" });
    }
    let k = Keywords::parse_list("aa,ERROR,RORa,a").unwrap();
    check_all(&text, &k, &[1, 5, 4096], &[0, 16]);
}

#[test]
fn every_block_size_on_a_small_log() {
    let text = b"2023-02-29T06:54:19.957Z [ERROR] ohh! ERR\n2023 [INFO] INFOINFO\n\n[DEBUG]";
    let k = Keywords::parse_list("INFO,WARN,ERROR,DEBUG,ERR,OI").unwrap();
    let blocks: Vec<usize> = (1..=text.len() + 1).collect();
    check_all(text, &k, &blocks, &[0, 3, 1 << 20]);
}

#[test]
fn large_keyword_sets() {
    let text = crate::gen::generate(200_000, 77);
    // 200 keywords: words from the generator, digits, and overlapping pieces.
    let mut words: Vec<String> = (0..150)
        .map(|i| format!("{:02}", i % 100) + &"x".repeat(i / 100))
        .collect();
    words.extend(
        [
            "INFO",
            "WARN",
            "ERROR",
            "DEBUG",
            "ERR",
            "RO",
            "人艰不拆",
            "不拆",
            "How",
            "are",
            "you?",
        ]
        .map(String::from),
    );
    words.extend((0..39).map(|i| format!("T0{}:", i % 10) + &"y".repeat(i / 10)));
    let k = Keywords::new(&words).unwrap();
    assert_eq!(k.len(), 200);
    check_all(&text, &k, &[65_536], &[1 << 20]);
}

/// Small alphabets make overlaps, borders and boundary matches common.
fn alphabet_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![b'a', b'b', b'\n', b'E', b'R', b'\r', 0xff, 0x00]),
        0..max,
    )
}

fn keyword_set() -> impl Strategy<Value = Keywords> {
    prop::collection::vec(
        prop::collection::vec(
            prop::sample::select(vec![b'a', b'b', b'E', b'R', 0x00]),
            1..5,
        ),
        1..6,
    )
    .prop_map(|mut ks| {
        ks.sort();
        ks.dedup();
        Keywords::new(ks).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_text_and_keywords(text in alphabet_bytes(300), k in keyword_set(),
                                block in 1usize..40, limit in 0usize..20) {
        check_all(&text, &k, &[block, 1 << 20], &[limit, 1 << 20]);
    }

    #[test]
    fn random_generated_logs(seed in any::<u64>(), block in 1usize..5000) {
        let text = crate::gen::generate(20_000, seed);
        let k = Keywords::parse_list("INFO,WARN,ERROR,DEBUG,ERR,人艰").unwrap();
        check_all(&text, &k, &[block], &[64]);
    }
}

// ---- Match options: --ignore-case and --whole-word on every strategy ----

const EXACT: MatchOptions = MatchOptions {
    ignore_case: false,
    whole_word: false,
};
const IC: MatchOptions = MatchOptions {
    ignore_case: true,
    whole_word: false,
};
const WW: MatchOptions = MatchOptions {
    ignore_case: false,
    whole_word: true,
};
const BOTH: MatchOptions = MatchOptions {
    ignore_case: true,
    whole_word: true,
};

fn is_word(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_')
}

/// An oracle written apart from the engine's reference: list every candidate
/// start (on lowercased copies when ignoring case), drop those with a word
/// neighbour, then pick greedily left to right without overlap.
fn options_oracle(text: &[u8], k: &Keywords, o: MatchOptions) -> Vec<u64> {
    let fold = |b: &[u8]| -> Vec<u8> {
        if o.ignore_case {
            b.iter().map(|c| c.to_ascii_lowercase()).collect()
        } else {
            b.to_vec()
        }
    };
    let hay = fold(text);
    k.as_bytes()
        .iter()
        .map(|kw| {
            let kw = fold(kw);
            let starts = (0..=hay.len().saturating_sub(kw.len()))
                .filter(|&i| hay.len() >= kw.len() && hay[i..i + kw.len()] == kw[..])
                .filter(|&i| {
                    !o.whole_word
                        || ((i == 0 || !is_word(text[i - 1]))
                            && text.get(i + kw.len()).is_none_or(|&b| !is_word(b)))
                });
            let mut free = 0;
            let mut n = 0;
            for i in starts {
                if i >= free {
                    n += 1;
                    free = i + kw.len();
                }
            }
            n
        })
        .collect()
}

/// Every strategy under `o`, whole and through the stitcher (long lines streamed).
fn check_all_options(
    text: &[u8],
    k: &Keywords,
    o: MatchOptions,
    blocks: &[usize],
    limits: &[usize],
) {
    let want = options_oracle(text, k, o);
    let kinds = StrategyKind::all_with(k, o);
    assert!(kinds.contains(&StrategyKind::Simd) && kinds.contains(&StrategyKind::Memmem));
    for kind in kinds.into_iter().chain([StrategyKind::Auto]) {
        let engine = Engine::with_options(k, o, kind).unwrap();
        assert_eq!(engine.options(), o);
        let mut got = vec![0; k.len()];
        engine.count(text, &mut got);
        assert_eq!(
            got,
            want,
            "{kind:?} {o:?} whole text {:?} keywords {:?}",
            String::from_utf8_lossy(text),
            k.names()
        );
        for &block in blocks {
            for &limit in limits {
                let t = count_in_blocks(&engine, text, block, limit);
                assert_eq!(
                    t.counts,
                    want,
                    "{kind:?} {o:?} block {block} limit {limit} text {:?} keywords {:?}",
                    String::from_utf8_lossy(text),
                    k.names()
                );
                assert_eq!(t.lines, lines(text));
            }
        }
    }
}

/// Option cases: (text, keywords => exact, ignore-case, whole-word, both).
macro_rules! o {
    ($($name:ident: $text:expr, $kw:expr => $exact:expr, $ic:expr, $ww:expr, $both:expr;)*) => {
        $(
            #[test]
            fn $name() {
                let k = Keywords::parse_list($kw).unwrap();
                let text: &[u8] = $text;
                for (o, want) in [(EXACT, $exact), (IC, $ic), (WW, $ww), (BOTH, $both)] {
                    assert_eq!(options_oracle(text, &k, o), want.to_vec(), "the oracle itself, {o:?}");
                    check_all_options(text, &k, o, &[1, 2, 3, 7, 64, 1 << 20], &[0, 1, 4, 1 << 20]);
                }
            }
        )*
    };
}

o! {
    opt_crlf: b"INFO\r\ninfo\r\nInfo\r\n", "INFO" => [1u64], [3u64], [1u64], [3u64];
    opt_invalid_utf8: b"\xffERROR\x80error\xc3ERRORx\n", "ERROR" => [2u64], [3u64], [1u64], [2u64];
    opt_nonword_keyword_ends: b"a-x-b -x- -x--x-\n-x-", "-x-" => [5u64], [5u64], [4u64], [4u64];
    opt_self_overlap: b"aaa aa AA aA_aa a", "aa" => [3u64], [5u64], [1u64], [2u64];
    opt_self_overlap_nonword_middle: b"a-a-a A-a-a", "a-a" => [2u64], [2u64], [2u64], [2u64];
    opt_rejected_candidate_does_not_consume: b"xa-a-a", "a-a" => [1u64], [1u64], [1u64], [1u64];
    opt_text_start_and_end: b"WARN\nwarn", "warn" => [1u64], [2u64], [1u64], [2u64];
    opt_digits_and_underscore: b"ERROR1 ERROR_ _ERROR 1ERROR ERROR. ERROR", "ERROR" => [6u64], [6u64], [2u64], [2u64];
    opt_non_ascii_exact: "É é ÉCOLE école\n".as_bytes(), "é,école" => [2u64, 1], [2u64, 1], [1u64, 1], [1u64, 1];
    opt_nested: b"ERRORERROR ERR ERROR", "ERR,ERROR" => [4u64, 3], [4u64, 3], [1u64, 1], [1u64, 1];
    opt_case_variants: b"Info INFO info iNfO", "info,INFO" => [1u64, 1], [4u64, 4], [1u64, 1], [4u64, 4];
    opt_empty: b"", "a" => [0u64], [0u64], [0u64], [0u64];
}

#[test]
fn options_every_block_size_and_long_lines() {
    // Word/non-word neighbours at every block boundary, one line much longer
    // than the stitcher's limit, matches at the very end of the text.
    let mut text = Vec::new();
    for i in 0..400u32 {
        text.extend_from_slice(match i % 5 {
            0 => b"Error ".as_slice(),
            1 => b"ERROR_x ",
            2 => b"a-a-a ",
            3 => b"xerror ",
            _ => b"aa\n",
        });
    }
    text.extend_from_slice(b"error");
    let k = Keywords::parse_list("error,a-a,aa,ERROR_x,r").unwrap();
    let blocks: Vec<usize> = (1..=40).chain([97, 4096]).collect();
    for o in [EXACT, IC, WW, BOTH] {
        check_all_options(&text, &k, o, &blocks, &[0, 5, 1 << 20]);
        let one_line: Vec<u8> = text
            .iter()
            .map(|&b| if b == b'\n' { b' ' } else { b })
            .collect();
        check_all_options(&one_line, &k, o, &[1, 3, 64, 1000], &[0, 16]);
    }
}

#[test]
fn options_across_simd_chunks_and_vectors() {
    // Keywords of many lengths planted with both kinds of neighbour at offsets
    // near powers of two (vector widths, kernel chunks, the head block).
    let keys = [
        "a",
        "Ab",
        "x_y",
        "WARN",
        "k-k-",
        "ERRORS",
        "0123456789abcdef",
        "Zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz1",
    ];
    let k = Keywords::new(keys).unwrap();
    let mut text = vec![b' '; 20_000];
    let mut at = 0usize;
    let mut i = 0;
    while at + 40 < text.len() {
        let key = keys[i % keys.len()].as_bytes();
        text[at..at + key.len()].copy_from_slice(key);
        if i % 3 == 0 {
            text[at + key.len()] = b'q';
        }
        if i % 4 == 0 && at > 0 {
            text[at - 1] = b'9';
        }
        i += 1;
        at += if i % 2 == 0 { 61 } else { 70 } + i % 5;
        if i % 11 == 0 {
            text[at] = b'\n';
        }
    }
    for o in [EXACT, IC, WW, BOTH] {
        for cut in [0, 1, 31, 32, 33, 63, 64, 65, 8191, 8192, 8193] {
            check_all_options(&text[cut..], &k, o, &[8192], &[1 << 20]);
        }
    }
}

/// Small alphabets with both cases, word bytes, non-word bytes and a UTF-8
/// lead byte make boundaries, folds and overlaps common.
fn option_text(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![b'a', b'A', b'b', b'_', b'-', b' ', b'\n', 0xC3, b'\r']),
        0..max,
    )
}

fn option_keywords() -> impl Strategy<Value = Keywords> {
    prop::collection::vec(
        prop::collection::vec(
            prop::sample::select(vec![b'a', b'A', b'b', b'_', b'-', b' ']),
            1..5,
        ),
        1..5,
    )
    .prop_map(|mut ks| {
        ks.sort();
        ks.dedup();
        Keywords::new(ks).unwrap()
    })
}

fn any_options() -> impl Strategy<Value = MatchOptions> {
    (any::<bool>(), any::<bool>()).prop_map(|(ignore_case, whole_word)| MatchOptions {
        ignore_case,
        whole_word,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn options_random_text_and_keywords(text in option_text(300), k in option_keywords(),
                                        o in any_options(), block in 1usize..40, limit in 0usize..20) {
        check_all_options(&text, &k, o, &[block, 1 << 20], &[limit, 1 << 20]);
    }
}

/// What the auto pick takes: the SIMD kernels for the default four; for 200
/// short keywords the table passes where the CPU has them (else
/// aho-corasick); aho-corasick for 200 keywords too long for the tables.
#[test]
fn auto_pick_by_set_and_cpu() {
    use crate::engine::simd::Isa;
    let name = |k: &Keywords| Engine::new(k).strategy_name();
    let four = Keywords::parse_list("INFO,WARN,ERROR,DEBUG").unwrap();
    assert!(name(&four).starts_with("simd"), "{}", name(&four));
    let short: Vec<String> = (0..200).map(|i| format!("k{i:03}x")).collect();
    let long: Vec<String> = (0..200).map(|i| format!("keyword-{i:03}x")).collect();
    let (short, long) = (
        Keywords::new(&short).unwrap(),
        Keywords::new(&long).unwrap(),
    );
    if Isa::Avx512Vbmi.available() {
        assert_eq!(name(&short), "simd-avx512vbmi");
    } else {
        assert_eq!(name(&short), "aho-leftmost");
    }
    assert_eq!(name(&long), "aho-leftmost");
}
