//! Unit tests of the SIMD kernels: every instruction set this CPU has,
//! against the reference count, at every offset and boundary, under every
//! combination of match options.

use super::*;
use crate::engine::reference::{count_one, count_one_with};

/// Every kernel path this CPU can run (the portable one always).
fn isas() -> Vec<Isa> {
    let all = [Isa::Avx512Vbmi, Isa::Avx512, Isa::Avx2, Isa::Portable];
    let v: Vec<Isa> = all.into_iter().filter(|i| i.available()).collect();
    assert!(v.contains(&Isa::Portable));
    v
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, len: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

fn kw(list: &[&[u8]]) -> Keywords {
    Keywords::new(list.iter().copied()).unwrap()
}

fn expected(keywords: &Keywords, text: &[u8]) -> Vec<u64> {
    keywords
        .as_bytes()
        .iter()
        .map(|k| count_one(text, k))
        .collect()
}

fn newlines(text: &[u8]) -> u64 {
    text.iter().filter(|&&b| b == b'\n').count() as u64
}

/// `count` and `count_lines` of `s` against `want` and the text's newlines.
fn check_strategy(s: &Simd, keywords: &Keywords, text: &[u8], want: &[u64], what: &str) {
    let mut got = vec![0; keywords.len()];
    s.count(text, &mut got);
    assert_eq!(
        got,
        want,
        "{:?} {:?} {what}: keywords {:?}, text {:?}",
        s.isa(),
        s.options,
        keywords.names(),
        String::from_utf8_lossy(text)
    );
    let mut got = vec![0; keywords.len()];
    let lines = s.count_lines(text, &mut got);
    assert_eq!(
        (got.as_slice(), lines),
        (want, newlines(text)),
        "count_lines {:?} {:?} {what}: keywords {:?}, text {:?}",
        s.isa(),
        s.options,
        keywords.names(),
        String::from_utf8_lossy(text)
    );
}

fn check(keywords: &Keywords, text: &[u8], what: &str) {
    let want = expected(keywords, text);
    for isa in isas() {
        check_strategy(&Simd::new(keywords, isa), keywords, text, &want, what);
    }
    check_options(keywords, text, what);
}

/// Every instruction set under every option combination, against the reference.
fn check_options(keywords: &Keywords, text: &[u8], what: &str) {
    for options in MatchOptions::ALL {
        let want: Vec<u64> = keywords
            .as_bytes()
            .iter()
            .map(|k| count_one_with(text, k, options))
            .collect();
        for isa in isas() {
            let s = Simd::with_options(keywords, isa, options);
            check_strategy(&s, keywords, text, &want, what);
        }
    }
}

#[test]
fn borders() {
    for (k, b) in [
        (&b"a"[..], false),
        (b"aa", true),
        (b"ab", false),
        (b"aba", true),
        (b"abab", true),
        (b"abcab", true),
        (b"ERROR", false),
        (b"ERRE", true),
        (b"INFO", false),
        (b"aab", false),
    ] {
        assert_eq!(has_border(k), b, "{}", String::from_utf8_lossy(k));
    }
    assert!(kernel_counts(b"WARN"));
    assert!(!kernel_counts(b"abab"));
    assert!(!kernel_counts(&[b'x'; MAX_KERNEL_LEN + 1]));
    assert!(kernel_counts(&{
        let mut k = [b'x'; MAX_KERNEL_LEN];
        k[0] = b'y';
        k
    }));
}

#[test]
fn fallback_split() {
    let s = Simd::new(&kw(&[b"ERR", b"ERROR", b"aa", &[b'z'; 40]]), Isa::Portable);
    assert_eq!((s.kernel_keywords(), s.fallback_keywords()), (2, 2));
}

#[test]
fn fixed_tables() {
    let k = kw(&[b"INFO", b"WARN", b"ERROR", b"DEBUG"]);
    check(&k, b"", "empty");
    check(&k, b"INFO", "exact");
    check(&k, b"INF", "short");
    check(
        &k,
        b"[INFO] x\n[ERROR]ERRORERROR\nWARNWARN DEBUG\n",
        "lines",
    );
    let k = kw(&[b"ERR", b"ERROR", b"aa", b"a", b"abab"]);
    check(&k, b"ERROR aaa\nERR\naaaa ababab abababab", "overlaps");
    check(&k, &[b'a'; 1000], "run of a");
}

/// Texts of every length up to several vectors, every keyword length up to the
/// kernel limit, dense matches from a tiny alphabet.
#[test]
fn random_dense() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..400 {
        let alphabet: &[u8] = if round % 2 == 0 { b"ab" } else { b"abc\n" };
        // Up to 10 keywords: several of one length, so groups fill and overflow.
        let nk = 1 + rng.below(10);
        let mut ks: Vec<Vec<u8>> = Vec::new();
        while ks.len() < nk {
            let len = 1 + rng.below(if round % 5 == 0 { MAX_KERNEL_LEN } else { 6 });
            let k = rng.bytes(len, b"abc");
            if !ks.contains(&k) {
                ks.push(k);
            }
        }
        let refs: Vec<&[u8]> = ks.iter().map(Vec::as_slice).collect();
        let k = kw(&refs);
        let len = rng.below(300);
        let mut text = rng.bytes(len, alphabet);
        // Plant whole keywords so long ones occur too.
        for _ in 0..rng.below(8) {
            let kk = &ks[rng.below(ks.len())];
            if kk.len() <= text.len() {
                let at = rng.below(text.len() - kk.len() + 1);
                text[at..at + kk.len()].copy_from_slice(kk);
            }
        }
        check(&k, &text, "random");
    }
}

/// One occurrence at every position of a text longer than two vectors and
/// every text length: matches straddling every vector boundary, the tail, and
/// texts shorter than a vector.
#[test]
fn every_position_and_length() {
    for len in [1, 2, 3, 5, 8, 9, 17, 31, 32] {
        let mut key: Vec<u8> = (0..len).map(|i| b'A' + (i % 26) as u8).collect();
        key[0] = b'z'; // borderless
        let k = kw(&[&key, b"q"]);
        for n in len..len + 150 {
            for at in [0, n - len, (n - len) / 2] {
                let mut text = vec![b'.'; n];
                text[at..at + len].copy_from_slice(&key);
                check(&k, &text, "planted");
            }
        }
        for at in 0..200 {
            let mut text = vec![b'.'; 200 + len];
            text[at..at + len].copy_from_slice(&key);
            let want = vec![1, 0];
            for isa in isas() {
                let mut got = vec![0; 2];
                Simd::new(&k, isa).count(&text, &mut got);
                assert_eq!(got, want, "{isa:?} len {len} at {at}");
            }
        }
    }
}

/// Every start and end offset of one text (unaligned starts, every tail).
#[test]
fn every_offset() {
    let mut rng = Rng(7);
    let text = rng.bytes(400, b"abcd");
    let k = kw(&[b"ab", b"abc", b"c", b"dab", b"cdabcd", b"aa"]);
    for start in 0..140 {
        check(&k, &text[start..], "suffix");
        check(&k, &text[..text.len() - start], "prefix");
    }
}

/// Texts longer than a chunk: matches across chunk boundaries.
#[test]
fn chunk_boundaries() {
    let key = b"zABCDEFG";
    let k = kw(&[key, b"z", b"Gz"]);
    let n = 3 * CHUNK + 200;
    let mut text = vec![b'.'; n];
    let mut at = 0;
    for c in 1..=3 {
        for d in 0..key.len() + 2 {
            let p = c * CHUNK - d;
            if p >= at {
                text[p..p + key.len()].copy_from_slice(key);
                at = p + key.len();
            }
        }
    }
    check(&k, &text, "chunks");
    for cut in [CHUNK - 3, CHUNK, CHUNK + 1, 2 * CHUNK + 5] {
        check(&k, &text[..cut], "chunk cut");
        check(&k, &text[cut..], "chunk tail");
    }
}

#[test]
fn count_byte_every_isa() {
    let mut rng = Rng(99);
    for len in 0..300 {
        let text = rng.bytes(len, b"a\n\n.");
        let want = text.iter().filter(|&&b| b == b'\n').count() as u64;
        for isa in isas() {
            assert_eq!(count_byte_on(isa, &text, b'\n'), want, "{isa:?} len {len}");
        }
        assert_eq!(count_byte(&text, b'\n'), want);
    }
    let big = rng.bytes(3 * CHUNK + 13, b"ab\n");
    let want = big.iter().filter(|&&b| b == b'\n').count() as u64;
    for isa in isas() {
        assert_eq!(count_byte_on(isa, &big, b'\n'), want);
    }
}

/// Non-ASCII bytes (keywords are UTF-8, texts need not be).
#[test]
fn high_bytes() {
    let k = kw(&["错误".as_bytes(), "é".as_bytes(), b"x"]);
    let mut rng = Rng(3);
    let alphabet: Vec<u8> = "错误éx\u{ff}".bytes().chain([0x80, 0xff, 0]).collect();
    for len in [0, 7, 63, 64, 65, 200, 1000] {
        check(&k, &rng.bytes(len, &alphabet), "high bytes");
    }
}

/// Fixed cases under options, with the expected counts written out (not
/// only compared with the reference).
#[test]
fn options_fixed() {
    let ic = MatchOptions {
        ignore_case: true,
        whole_word: false,
    };
    let ww = MatchOptions {
        ignore_case: false,
        whole_word: true,
    };
    let both = MatchOptions {
        ignore_case: true,
        whole_word: true,
    };
    let k = kw(&[b"error", b"-x-", "é".as_bytes()]);
    let text = "ERROR error_ Error-x-y -x- (eRRor) É é\nerrors".as_bytes();
    for (options, want) in [
        (MatchOptions::default(), [2u64, 2, 1]),
        (ic, [5, 2, 1]),
        (ww, [0, 1, 1]),
        (both, [3, 1, 1]),
    ] {
        for isa in isas() {
            let mut got = vec![0; 3];
            Simd::with_options(&k, isa, options).count(text, &mut got);
            assert_eq!(got, want, "{isa:?} {options:?}");
        }
    }
    // "aA" has a border once folded: it goes to the fallback, still exact.
    let s = Simd::with_options(&kw(&[b"aA", b"INFO"]), Isa::Portable, ic);
    assert_eq!((s.kernel_keywords(), s.fallback_keywords()), (1, 1));
    check(&kw(&[b"aA", b"INFO"]), b"aaaA AAA inFO", "folded border");
}

/// Dense random texts over word and non-word bytes, both cases and a UTF-8
/// lead byte: every option, every ISA, keywords short and long.
#[test]
fn options_random() {
    let mut rng = Rng(0x5eed);
    let alphabet = b"aAbB_- \n\xc3";
    for round in 0..600 {
        let nk = 1 + rng.below(4);
        let mut ks: Vec<Vec<u8>> = Vec::new();
        while ks.len() < nk {
            let len = 1 + rng.below(if round % 7 == 0 {
                MAX_KERNEL_LEN + 3
            } else {
                5
            });
            let k = rng.bytes(len, b"aAb_- \xc3");
            if !ks.contains(&k) && !k.is_empty() {
                ks.push(k);
            }
        }
        // Keywords must be UTF-8: a lone 0xC3 is not; give it a continuation.
        let ks: Vec<Vec<u8>> = ks
            .into_iter()
            .map(|k| String::from_utf8_lossy(&k).into_owned().into_bytes())
            .collect();
        let mut uniq: Vec<Vec<u8>> = Vec::new();
        for k in ks {
            if !uniq.contains(&k) {
                uniq.push(k);
            }
        }
        let refs: Vec<&[u8]> = uniq.iter().map(Vec::as_slice).collect();
        let k = kw(&refs);
        let len = rng.below(if round % 10 == 0 { 3 * CHUNK / 2 } else { 300 });
        let mut text = rng.bytes(len, alphabet);
        for _ in 0..rng.below(12) {
            let kk = &uniq[rng.below(uniq.len())];
            if kk.len() <= text.len() {
                let at = rng.below(text.len() - kk.len() + 1);
                text[at..at + kk.len()].copy_from_slice(kk);
            }
        }
        check_options(&k, &text, "random options");
    }
}

/// With whole-word, a planted keyword at every position and every text length,
/// with word and non-word neighbours: the head copy, vector and chunk
/// boundaries, and the tail.
#[test]
fn options_every_position() {
    let key = b"Zq-1";
    let k = kw(&[key, b"q"]);
    for n in key.len()..key.len() + 140 {
        for at in [0, n - key.len(), (n - key.len()) / 2] {
            for fill in [b' ', b'x'] {
                let mut text = vec![fill; n];
                text[at..at + key.len()].copy_from_slice(key);
                check_options(&k, &text, "planted");
            }
        }
    }
    let mut text = vec![b'.'; 2 * CHUNK + 300];
    for c in 1..=2 {
        for d in 0..6 {
            let p = c * CHUNK - d * 7;
            text[p..p + 4].copy_from_slice(b"zq-1");
            text[p + 5] = if d % 2 == 0 { b'_' } else { b'!' };
        }
    }
    check_options(&k, &text, "chunks");
    for cut in [1, 63, 64, 65, CHUNK - 1, CHUNK, CHUNK + 1] {
        check_options(&k, &text[cut..], "chunk tail");
        check_options(&k, &text[..text.len() - cut], "chunk head");
    }
}

/// How the keywords are grouped: equal lengths share a group kernel (up to
/// GROUP_MAX), a lone long keyword keeps its single kernel, and the portable
/// path has no group kernels. (Without this, the tables above could pass on
/// the single kernels alone.)
#[test]
fn grouping() {
    let shape = |s: &Simd| -> Vec<(usize, usize, bool)> {
        s.groups
            .iter()
            .map(|g| (g.keys.len, g.keys.n, g.fused))
            .collect()
    };
    let four = kw(&[b"INFO", b"WARN", b"ERROR", b"DEBUG"]);
    let nine: Vec<Vec<u8>> = (0..9).map(|i| vec![b'a' + i, b'x', b'y']).collect();
    let nine = kw(&nine.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let long = kw(&[b"zABCDEFGHIJ", b"zABCDEFGHIJKLMNOPQ", b"zABCDEFGHIJKLMNOPR"]);
    for isa in isas() {
        let fused = isa != Isa::Portable;
        let (f4, f9, flong) = (
            shape(&Simd::new(&four, isa)),
            shape(&Simd::new(&nine, isa)),
            shape(&Simd::new(&long, isa)),
        );
        if isa == Isa::Avx512Vbmi {
            // The table passes take both short sets whole.
            assert_eq!((f4.len(), f9.len()), (0, 0), "{isa:?}");
            assert_eq!(flong, [(11, 1, false), (18, 2, false)], "{isa:?}");
        } else if fused {
            assert_eq!(f4, [(4, 2, true), (5, 2, true)], "{isa:?}");
            assert_eq!(f9, [(3, 4, true), (3, 4, true), (3, 1, true)], "{isa:?}");
            assert_eq!(flong, [(11, 1, false), (18, 2, false)], "{isa:?}");
        } else {
            assert!(
                f4.iter().chain(&f9).all(|&(_, n, f)| n == 1 && !f),
                "{isa:?}"
            );
        }
    }
}

/// Groups of every length the group kernels take, and past it, with 1 to 6
/// keywords of that length, planted around vector and chunk boundaries among
/// newlines.
#[test]
fn groups_every_length_and_size() {
    let mut rng = Rng(0x5eed);
    for len in 1..=GROUP_MAX_LEN + 2 {
        for n in 1..=6usize {
            // Borderless keywords of one length: a distinct first byte, then
            // bytes that never equal it.
            let ks: Vec<Vec<u8>> = (0..n)
                .map(|i| {
                    let mut k = vec![b'A' + i as u8];
                    k.extend(rng.bytes(len - 1, b"xyz"));
                    k
                })
                .collect();
            let refs: Vec<&[u8]> = ks.iter().map(Vec::as_slice).collect();
            let k = kw(&refs);
            let mut text = rng.bytes(CHUNK + 300, b"xyz.\n");
            for _ in 0..60 {
                let kk = &ks[rng.below(n)];
                let at = rng.below(text.len() - len + 1);
                text[at..at + len].copy_from_slice(kk);
            }
            for cut in [0, 65, CHUNK + 7] {
                check(&k, &text[cut.min(text.len())..], "groups");
            }
        }
    }
}

/// Every keyword of full groups matching at a quarter of all positions: the
/// counts packed per group kernel call run into the thousands.
#[test]
fn dense_groups() {
    let text = b"abcd\n".repeat(4000);
    let k = kw(&[b"a", b"b", b"c", b"d", b"e", b"ab", b"bc", b"cd", b"d\x00"]);
    let want = [4000, 4000, 4000, 4000, 0, 4000, 4000, 4000, 0];
    assert_eq!(expected(&k, &text), want);
    check(&k, &text, "dense groups");
}

/// Which keywords the table passes take on [`Isa::Avx512Vbmi`]: short ASCII
/// ones, up to [`TABLE_MAX`] a pass sorted by length, at least two of them,
/// never under whole-word; the rest go to the other kernels.
#[test]
fn tables_take() {
    if !Isa::Avx512Vbmi.available() {
        eprintln!("SKIP tables_take: this CPU lacks AVX-512 VBMI, GFNI or BITALG");
        return;
    }
    let shape = |s: &Simd| -> (Vec<(usize, usize)>, usize) {
        let t = s.tables.iter().map(|t| (t.keys.len, t.keys.n)).collect();
        (t, s.groups.len())
    };
    let on = |k: &[&[u8]], o: MatchOptions| shape(&Simd::with_options(&kw(k), Isa::Avx512Vbmi, o));
    let plain = MatchOptions::default();
    let four: &[&[u8]] = &[b"INFO", b"WARN", b"ERROR", b"DEBUG"];
    assert_eq!(on(four, plain), (vec![(5, 4)], 0));
    let ic = MatchOptions {
        ignore_case: true,
        ..plain
    };
    assert_eq!(on(four, ic), (vec![(5, 4)], 0));
    let ww = MatchOptions {
        whole_word: true,
        ..plain
    };
    assert_eq!(on(four, ww).0, []);
    // One short keyword alone keeps its compares.
    assert_eq!(on(&[b"ERROR"], plain), (vec![], 1));
    assert_eq!(on(&[b"ERROR", b"zABCDEFGHIJ"], plain), (vec![], 2));
    // Nine keywords: 7 + 2, the shortest first; non-ASCII and long ones apart.
    let nine: Vec<Vec<u8>> = (0..9u8)
        .map(|i| [vec![b'a' + i], vec![b'x'; i as usize % 3]].concat())
        .collect();
    let mut nine: Vec<&[u8]> = nine.iter().map(Vec::as_slice).collect();
    nine.push("\u{e9}t".as_bytes());
    nine.push(b"zABCDEFGHIJ");
    let (t, g) = on(&nine, plain);
    assert_eq!(t.iter().map(|x| x.1).collect::<Vec<_>>(), [7, 2]);
    assert_eq!(g, 2);
}

/// Mixed-length sets of 2 to 9 short keywords (so also two table passes),
/// over texts of their bytes, the same bytes with the high bit set (a table
/// lookup reads only 7 bits), newlines and CRs, planted at every offset of a
/// 64-byte block and across chunks.
#[test]
fn tables_mixed_lengths_and_high_bytes() {
    let mut rng = Rng(0x7ab1e);
    for round in 0..60 {
        let n = 2 + round % 8;
        let ks: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                let len = 1 + rng.below(table::TABLE_MAX_LEN);
                let mut k = vec![b'A' + i as u8];
                k.extend(rng.bytes(len - 1, b"xyz"));
                k
            })
            .collect();
        let refs: Vec<&[u8]> = ks.iter().map(Vec::as_slice).collect();
        let k = kw(&refs);
        let alphabet: Vec<u8> = (0..n as u8)
            .flat_map(|i| [b'A' + i, (b'A' + i) | 0x80])
            .chain(*b"xyzxyz\n\r")
            .chain([b'x' | 0x80, b'\n' | 0x80, 0xff])
            .collect();
        let len = if round % 5 == 0 { CHUNK + 300 } else { 700 };
        let mut text = rng.bytes(len, &alphabet);
        for at in (0..text.len() - table::TABLE_MAX_LEN).step_by(3 + round % 7) {
            let kk = &ks[rng.below(n)];
            text[at..at + kk.len()].copy_from_slice(kk);
        }
        for cut in [0, 1, 63] {
            check(&k, &text[cut..], "tables");
        }
        // The same text without high bytes (no byte clamped to 127).
        let ascii: Vec<u8> = text.iter().map(|b| b & 0x7f).collect();
        check(&k, &ascii, "tables, ascii");
    }
}
