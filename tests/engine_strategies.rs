//! Every count strategy against the naive reference (the oracle), on tables
//! of hand-picked cases and on random inputs and keyword sets, whole and fed
//! through the line stitcher in blocks of every size (ripgrep's
//! `SearcherTester` idea: one expectation, every code path).

use logcount::engine::reference::count_one;
use logcount::engine::stream::count_in_blocks;
use logcount::engine::{Engine, StrategyKind};
use logcount::keywords::Keywords;
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
    let text = logcount::gen::generate(200_000, 77);
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
        let text = logcount::gen::generate(20_000, seed);
        let k = Keywords::parse_list("INFO,WARN,ERROR,DEBUG,ERR,人艰").unwrap();
        check_all(&text, &k, &[block], &[64]);
    }
}
