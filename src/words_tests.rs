use super::*;
use crate::aggregate::{count_in_blocks_with, Counter, Detail};
use crate::engine::Engine;
use crate::keywords::Keywords;
use proptest::prelude::*;

/// Counts of `text` as (word, count) with words as strings (lossy only for display).
fn counted(text: &[u8]) -> Vec<(Vec<u8>, u64)> {
    let mut w = WordCounts::default();
    w.count_text(text);
    w.sorted()
        .into_iter()
        .map(|(k, n)| (k.to_vec(), n))
        .collect()
}

fn pairs(list: &[(&[u8], u64)]) -> Vec<(Vec<u8>, u64)> {
    list.iter().map(|&(k, n)| (k.to_vec(), n)).collect()
}

/// A naive oracle written differently: split on the six bytes, drop empties.
fn oracle(text: &[u8]) -> Vec<(Vec<u8>, u64)> {
    let mut m = std::collections::BTreeMap::<Vec<u8>, u64>::new();
    for w in text.split(|b| b" \t\n\r\x0b\x0c".contains(b)) {
        if !w.is_empty() {
            let lower: Vec<u8> = w
                .iter()
                .map(|&b| if b.is_ascii_uppercase() { b + 32 } else { b })
                .collect();
            *m.entry(lower).or_default() += 1;
        }
    }
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

#[test]
fn tokenizer_table() {
    type Case = (&'static [u8], &'static [(&'static [u8], u64)]);
    let cases: &[Case] = &[
        (b"", &[]),
        (b"\n\n\r\n \t", &[]),
        (b"a", &[(b"a", 1)]),
        (
            b"a b\tc\nd\re\x0bf\x0cg",
            &[
                (b"a", 1),
                (b"b", 1),
                (b"c", 1),
                (b"d", 1),
                (b"e", 1),
                (b"f", 1),
                (b"g", 1),
            ],
        ),
        // Not whitespace for bytes.split(): FS..US, NUL, DEL, NEL and NBSP bytes, UTF-8 NBSP.
        (
            b"a\x1cb a\x1fb a\x00b a\x7fb a\x85b a\xa0b a\xc2\xa0b",
            &[
                (b"a\x00b", 1),
                (b"a\x1cb", 1),
                (b"a\x1fb", 1),
                (b"a\x7fb", 1),
                (b"a\x85b", 1),
                (b"a\xa0b", 1),
                (b"a\xc2\xa0b", 1),
            ],
        ),
        // CRLF and runs of separators.
        (
            b"one\r\ntwo\r\n\r\none  \t two\r\n",
            &[(b"one", 2), (b"two", 2)],
        ),
        // Punctuation kept.
        (
            b"error: error error. (error) error",
            &[
                (b"error", 2),
                (b"(error)", 1),
                (b"error.", 1),
                (b"error:", 1),
            ],
        ),
        // ASCII lowered only; UTF-8 letters unchanged.
        (
            b"ERROR Error error \xc3\xa9cole \xc3\x89cole",
            &[(b"error", 3), (b"\xc3\x89cole", 1), (b"\xc3\xa9cole", 1)],
        ),
        // Invalid UTF-8 words are words.
        (b"\xff \xFF x\xfe\n\xff", &[(b"\xff", 3), (b"x\xfe", 1)]),
        // No final newline; empty lines.
        (b"\n\nlast word", &[(b"last", 1), (b"word", 1)]),
        // Ties by bytes ascending (byte order, not locale: 'B' lowers to 'b' > 'a', '_' < 'a').
        (
            b"b a _ B A 1 ~",
            &[(b"a", 2), (b"b", 2), (b"1", 1), (b"_", 1), (b"~", 1)],
        ),
    ];
    for (text, want) in cases {
        let want = pairs(want);
        assert_eq!(counted(text), want, "{:?}", String::from_utf8_lossy(text));
        assert_eq!(
            oracle(text),
            want,
            "oracle on {:?}",
            String::from_utf8_lossy(text)
        );
    }
}

#[test]
fn capital_e_acute_keeps_its_bytes_and_capital_ascii_lowers() {
    // "ÉCOLE": É (0xC3 0x89) unchanged, "COLE" lowered.
    assert_eq!(
        counted("ÉCOLE".as_bytes()),
        pairs(&[("École".as_bytes(), 1)])
    );
}

#[test]
fn counts_and_top_k_lines() {
    let mut w = WordCounts::default();
    w.count_text(b"b b a a c d d d \xff\xff");
    let sorted = w.sorted();
    let lines = |top| {
        let mut out = Vec::new();
        write_lines(&mut out, &sorted, top).unwrap();
        out
    };
    assert_eq!(lines(None), b"d 3\na 2\nb 2\nc 1\n\xff\xff 1\n");
    assert_eq!(lines(Some(2)), b"d 3\na 2\n");
    assert_eq!(lines(Some(0)), b"");
    assert_eq!(lines(Some(99)), lines(None));
    assert_eq!(w.total(), 9);
    assert_eq!(w.get(b"d"), 3);
    assert_eq!(w.get(b"D"), 0);
}

#[test]
fn merging_sums_and_owned_merge_agrees() {
    let (mut a, mut b) = (WordCounts::default(), WordCounts::default());
    a.count_text(b"x y y");
    b.count_text(b"y z z z");
    let mut m = a.clone();
    m.merge(&b);
    let mut o = b.clone();
    o.merge_owned(a.clone());
    assert_eq!(m, o);
    assert_eq!(
        counted(b"x y y y z z z"),
        m.sorted()
            .into_iter()
            .map(|(k, n)| (k.to_vec(), n))
            .collect::<Vec<_>>()
    );
    let mut e = WordCounts::default();
    e.merge(&m);
    assert_eq!(e, m);
}

#[test]
fn json_encoding_table() {
    let cases: &[(&[u8], &str)] = &[
        (b"plain", "plain"),
        ("中文".as_bytes(), "中文"),
        (b"caf\xe9", "caf\\XE9"),
        (b"\xff\xfe", "\\XFF\\XFE"),
        (b"\\", "\\"),
        (b"\\\xff", "\\\\XFF"),
        (b"\\x41", "\\x41"),
        // A truncated UTF-8 sequence: both bytes escaped.
        (b"a\xe4\xb8", "a\\XE4\\XB8"),
    ];
    for &(word, key) in cases {
        assert_eq!(encode_word(word), key);
        assert_eq!(decode_word(key).unwrap(), word, "{key}");
    }
    for bad in [
        "",
        "a b",
        "a\tb",
        "Upper",
        "\\Y",
        "\\X4",
        "\\Xff",
        "\\XC3\\XA9",
        "\\X41",
    ] {
        assert!(decode_word(bad).is_err(), "{bad:?} must be refused");
    }
}

#[test]
fn json_round_trip_keeps_distinct_byte_words_apart() {
    let mut w = WordCounts::default();
    // "\xff" as bytes, the 4-byte text "\\xff" and the UTF-8 "ÿ" are three words.
    w.count_text("\u{ff} \\xff \\XFF".as_bytes());
    w.count_text(b"\xff \xff");
    let json = serde_json::to_string(&w).unwrap();
    // The text "\\XFF" lowers to "\\xff"; the byte 0xff sorts after '\\'.
    assert_eq!(json, r#"{"\\xff":2,"\\XFF":2,"ÿ":1}"#);
    let back: WordCounts = serde_json::from_str(&json).unwrap();
    assert_eq!(back, w);
    for bad in [
        r#"{"a":1,"a":2}"#,
        r#"{"a":0}"#,
        r#"{"A":1}"#,
        r#"{"a":-1}"#,
        r#"{"\\XC3\\XA9":1}"#,
    ] {
        assert!(serde_json::from_str::<WordCounts>(bad).is_err(), "{bad}");
    }
}

#[test]
fn check_fits_refuses_impossible_counts() {
    let mut w = WordCounts::default();
    w.count_text(b"ab ab c");
    assert!(w.check_fits(7).is_ok());
    assert!(w.check_fits(6).is_err());
    let mut huge = WordCounts::default();
    huge.add(b"x", u64::MAX);
    huge.add(b"yy", u64::MAX);
    assert!(huge.check_fits(u64::MAX).is_err());
}

#[test]
fn word_stream_any_cut_matches_the_whole_line() {
    let line: &[u8] = b"  Alpha  beta\tGAMMA\x0b delta\xff  e ";
    let mut whole = WordCounts::default();
    whole.count_text(line);
    for a in 0..=line.len() {
        for b in a..=line.len() {
            let mut s = WordStream::default();
            for piece in [&line[..a], &line[a..b], &line[b..]] {
                s.feed(piece);
            }
            assert_eq!(s.finish(), whole, "cuts {a} {b}");
        }
    }
}

fn words_counter() -> Counter {
    let k = Keywords::parse_list("INFO").unwrap();
    Counter::new(Engine::new(&k), Detail::words())
}

#[test]
fn stitcher_blocks_and_long_line_pieces_give_the_whole_count() {
    // Words straddle blocks; the 70-byte line is longer than small limits so
    // it streams in pieces through the long-line path.
    let text: &[u8] = b"Hello World\r\nhello\n\nA_very_long_word_that_crosses_every_small_limit_xx WORLD end\nno-final-newline";
    let counter = words_counter();
    let whole = counter.count_unit(text);
    assert_eq!(whole.lines, 5);
    assert_eq!(whole.detail.word_counts().unwrap().get(b"world"), 2);
    assert!(
        whole.counts.iter().all(|&c| c == 0),
        "words mode counts no keywords"
    );
    for block in [1, 2, 3, 5, 7, 16, 64, text.len()] {
        for limit in [1, 4, 9, 30, 1 << 20] {
            let t = count_in_blocks_with(&counter, text, block, limit);
            assert_eq!(t, whole, "block {block} limit {limit}");
        }
    }
}

proptest! {
    #[test]
    fn matches_the_naive_oracle(text in proptest::collection::vec(
        prop_oneof![
            Just(b' '), Just(b'\n'), Just(b'\r'), Just(b'\t'), Just(0x0b), Just(0x0c),
            Just(b'a'), Just(b'B'), Just(b'.'), Just(0xff), Just(0xc3), Just(0x1c),
        ],
        0..200,
    ), block in 1usize..40, limit in 1usize..50) {
        let want = oracle(&text);
        prop_assert_eq!(counted(&text), want.clone());
        let counter = words_counter();
        let t = count_in_blocks_with(&counter, &text, block, limit);
        let words = t.detail.word_counts().unwrap();
        let got: Vec<_> = words.sorted().into_iter().map(|(k, n)| (k.to_vec(), n)).collect();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn same_bytes_agrees_with_slice_equality() {
    let words: Vec<Vec<u8>> = (0..40)
        .flat_map(|n| {
            let base: Vec<u8> = (0..n).map(|i| b'a' + (i % 3) as u8).collect();
            let mut variants = vec![base.clone()];
            for i in 0..n {
                let mut v = base.clone();
                v[i] ^= 1;
                variants.push(v);
            }
            variants
        })
        .collect();
    for a in &words {
        for b in &words {
            assert_eq!(super::same_bytes(a, b), a == b, "{a:?} {b:?}");
        }
    }
}

#[test]
fn entries_are_sorted_by_bytes_in_their_buckets() {
    let mut w = WordCounts::default();
    w.count_text(b"b ab a abcdefghij abcdefghi abcdefgh \xff \x00 aa aaaaaaaaab aaaaaaaaa");
    let buckets = w.entries(2, |word| word.len() % 2);
    let mut all = Vec::new();
    for (i, b) in buckets.iter().enumerate() {
        let words: Vec<&[u8]> = b.iter().map(|r| w.word(r)).collect();
        assert!(words.windows(2).all(|p| p[0] < p[1]), "{words:?}");
        assert!(words.iter().all(|x| x.len() % 2 == i));
        all.extend(b.iter().map(|r| (w.word(r).to_vec(), r.count)));
    }
    all.sort();
    let mut want: Vec<(Vec<u8>, u64)> = w.iter().map(|(x, n)| (x.to_vec(), n)).collect();
    want.sort();
    assert_eq!(all, want);
}

/// Words around the sort key's 16- and 24-byte boundaries, sharing long
/// prefixes, with NUL bytes (the key's padding) and high bytes.
#[test]
fn entries_sort_by_bytes_across_the_key_boundaries() {
    let mut text = Vec::new();
    let mut seed = 7u32;
    for len in 12..=36 {
        for _ in 0..30 {
            text.extend_from_slice(b"2023-02-28t00:00:00");
            let keep = len.min(19);
            text.truncate(text.len() - (19 - keep));
            for _ in keep..len {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                text.push([b'0', b'1', 0, 0xff][(seed >> 16) as usize % 4]);
            }
            text.push(b' ');
        }
    }
    let mut w = WordCounts::default();
    w.count_text(&text);
    let buckets = w.entries(1, |_| 0);
    let words: Vec<&[u8]> = buckets[0].iter().map(|r| w.word(r)).collect();
    assert_eq!(words.len(), w.len());
    assert!(words.windows(2).all(|p| p[0] < p[1]), "{words:?}");
}

/// Keeps what it is handed, for tests of spilling.
#[derive(Default)]
struct KeepAll(std::sync::Mutex<Vec<WordCounts>>);

impl WordSpill for KeepAll {
    fn budget(&self) -> u64 {
        0
    }
    fn spill(&self, counts: WordCounts) {
        self.0.lock().unwrap().push(counts);
    }
}

#[test]
fn a_spilled_table_starts_again_empty_with_room_and_loses_no_count() {
    let spill = KeepAll::default();
    let mut w = WordCounts::default();
    w.count_text(b"alpha Beta gamma alpha");
    let room = w.table.capacity();
    w.spill_to(&spill);
    assert!(w.is_empty() && w.approx_bytes() == 0 && w.arena.is_empty());
    assert!(w.table.capacity() >= room, "the room is kept");
    w.count_text(b"beta delta");
    let mut total = WordCounts::default();
    for t in spill.0.lock().unwrap().iter().chain([&w]) {
        total.merge(t);
    }
    assert_eq!(
        total.sorted(),
        [
            (&b"alpha"[..], 2),
            (b"beta", 2),
            (b"delta", 1),
            (b"gamma", 1)
        ]
    );
}
