use super::*;
use proptest::prelude::*;

const UUID: &[u8] = b"550e8400-e29b-41d4-a716-446655440000";

/// (kinds, word, expected); expected == word means nothing is replaced.
#[rustfmt::skip]
const CASES: &[(&str, &[u8], &[u8])] = &[
    // uuid
    ("uuid", UUID, b"<uuid>"),
    ("uuid", b"id=550e8400-e29b-41d4-a716-446655440000,", b"id=<uuid>,"),
    ("uuid", b"ffffffff-ffff-ffff-ffff-ffffffffffff", b"<uuid>"),
    ("uuid", b"req-550e8400-e29b-41d4-a716-446655440000-550e8400-e29b-41d4-a716-446655440000",
        b"req-<uuid>-<uuid>"),
    ("uuid", b"x550e8400-e29b-41d4-a716-446655440000", b"x550e8400-e29b-41d4-a716-446655440000"),
    ("uuid", b"550e8400-e29b-41d4-a716-4466554400001", b"550e8400-e29b-41d4-a716-4466554400001"),
    ("uuid", b"550e8400-e29b-41d4-a716-44665544000", b"550e8400-e29b-41d4-a716-44665544000"),
    ("uuid", b"550e8400_e29b_41d4_a716_446655440000", b"550e8400_e29b_41d4_a716_446655440000"),
    // Input is lowered before normalization, so capitals are never hex digits.
    ("uuid", b"550E8400-E29B-41D4-A716-446655440000", b"550E8400-E29B-41D4-A716-446655440000"),
    ("uuid", b"\xff550e8400-e29b-41d4-a716-446655440000\xc3", b"\xff<uuid>\xc3"),
    // ip
    ("ip", b"10.0.0.1", b"<ip>"),
    ("ip", b"10.0.0.1:8080", b"<ip>:8080"),
    ("ip", b"from=192.168.1.255,", b"from=<ip>,"),
    ("ip", b"[10.1.2.3]:22", b"[<ip>]:22"),
    ("ip", b"1.2.3.4/24", b"<ip>/24"),
    ("ip", b"1.2.3.4.", b"<ip>."),
    ("ip", b"010.000.1.99", b"<ip>"),
    ("ip", b"0.0.0.0-255.255.255.255", b"<ip>-<ip>"),
    ("ip", b"256.1.1.1", b"256.1.1.1"),
    ("ip", b"1.2.3.256", b"1.2.3.256"),
    ("ip", b"1.2.3", b"1.2.3"),
    ("ip", b"1.2.3.4.5", b"1.2.3.4.5"),
    ("ip", b"1234.1.1.1", b"1234.1.1.1"),
    ("ip", b"v1.2.3.4", b"v1.2.3.4"),
    ("ip", b".1.2.3.4", b".1.2.3.4"),
    ("ip", b"1.2.3.4a", b"1.2.3.4a"),
    ("ip", b"1..2.3.4", b"1..2.3.4"),
    ("ip", b"\xc2\xa01.2.3.4\xff", b"\xc2\xa0<ip>\xff"),
    // hex
    ("hex", b"0xdeadbeef", b"<hex>"),
    ("hex", b"0x0", b"<hex>"),
    ("hex", b"addr=0x7fff5fbff8c8,", b"addr=<hex>,"),
    ("hex", b"3f2a9c1b", b"<hex>"),
    ("hex", b"commit:9fceb02d0ae598e95dc970b74767f19372d61af8", b"commit:<hex>"),
    ("hex", UUID, b"<hex>-e29b-41d4-a716-446655440000"),
    ("hex", b"550e8400-e29b-41d4-a716-44665544000a", b"<hex>-e29b-41d4-a716-<hex>"),
    ("hex", b"0x", b"0x"),
    ("hex", b"deadbeef", b"deadbeef"),
    ("hex", b"12345678", b"12345678"),
    ("hex", b"3f2a9c1", b"3f2a9c1"),
    ("hex", b"g3f2a9c1b", b"g3f2a9c1b"),
    ("hex", b"3f2a9c1bg", b"3f2a9c1bg"),
    ("hex", b"0x1fz", b"0x1fz"),
    ("hex", b"x0x1f", b"x0x1f"),
    // digits
    ("digits", b"blk_-1608999687919862906", b"blk_-<n>"),
    ("digits", b"user42", b"user<n>"),
    ("digits", b"08:15:30", b"<n>:<n>:<n>"),
    ("digits", b"42", b"<n>"),
    ("digits", b"caf\xe91", b"caf\xe9<n>"),
    ("digits", b"error:", b"error:"),
    // combinations (the order given does not matter)
    ("ip,digits", b"10.0.0.1:8080", b"<ip>:<n>"),
    ("digits,ip", b"10.0.0.1:8080", b"<ip>:<n>"),
    ("digits,hex,ip,uuid", UUID, b"<uuid>"),
    ("hex,digits", b"0x1f", b"<hex>"),
    ("digits,hex", b"pid=1234,addr=0xff", b"pid=<n>,addr=<hex>"),
    ("uuid,ip,hex,digits", b"2024-01-02t10:00:00.123z", b"<n>-<n>-<n>t<n>:<n>:<n>.<n>z"),
    ("uuid,ip,hex,digits", b"\xff\xfe10.0.0.1\xff", b"\xff\xfe<ip>\xff"),
    ("uuid,ip,hex", b"user42", b"user42"),
    // placeholders count as digits in neighbour checks
    ("uuid,digits", b"g1abcdefab-abcd-abcd-abcd-abcdefabcdef", b"g<n>abcdefab-abcd-abcd-abcd-abcdefabcdef"),
    ("uuid", b"<n>abcdefab-abcd-abcd-abcd-abcdefabcdef", b"<n>abcdefab-abcd-abcd-abcd-abcdefabcdef"),
    ("ip,hex", b"1.2.3.4.0x5", b"1.2.3.4.<hex>"),
    ("ip,hex,digits", b"1.2.3.4.0x5", b"<n>.<n>.<n>.<n>.<hex>"),
    ("ip", b"1.2.3.4<n>", b"1.2.3.4<n>"),
    ("ip", b"1.2.3.4.<hex>", b"1.2.3.4.<hex>"),
    ("uuid,ip,hex,digits", b"<ip>:<n>", b"<ip>:<n>"),
    // empty set
    ("", b"10.0.0.1", b"10.0.0.1"),
    ("none", b"42", b"42"),
];

#[test]
fn table() {
    let mut out = b"stale".to_vec();
    for &(kinds, word, want) in CASES {
        let n = Normalizer::parse(kinds).unwrap();
        let replaced = n.apply(word, &mut out);
        let got = if replaced { &out[..] } else { word };
        let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        assert_eq!(show(got), show(want), "{kinds:?} on {:?}", show(word));
        assert_eq!(got, want, "{kinds:?} on {:?}", show(word));
        assert_eq!(replaced, want != word, "{kinds:?} on {:?}", show(word));
        if !replaced {
            assert!(out.is_empty(), "out left empty when nothing is replaced");
        }
    }
    assert!(CASES.len() >= 40);
}

#[test]
fn names() {
    assert_eq!(
        Normalize::ALL.map(Normalize::name),
        ["uuid", "ip", "hex", "digits"]
    );
    for k in Normalize::ALL {
        assert_eq!(k.name().parse::<Normalize>(), Ok(k));
        assert_eq!(k.to_string(), k.name());
        assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{k}\""));
    }
    let err = "Digits".parse::<Normalize>().unwrap_err();
    assert!(err.contains("\"Digits\""), "{err}");
    for name in ["digits", "hex", "uuid", "ip"] {
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn parse_and_display() {
    use Normalize::*;
    let n = Normalizer::parse("digits,hex,uuid,ip").unwrap();
    assert_eq!(n.kinds(), [Uuid, Ip, Hex, Digits]);
    assert_eq!(n.to_string(), "uuid,ip,hex,digits");
    assert_eq!(
        Normalizer::parse("digits,ip,digits").unwrap().kinds(),
        [Ip, Digits]
    );
    assert_eq!(Normalizer::parse("ip").unwrap(), Normalizer::new(&[Ip, Ip]));
    for empty in ["", "none"] {
        let n = Normalizer::parse(empty).unwrap();
        assert!(n.is_empty());
        assert_eq!(n, Normalizer::default());
        assert_eq!(n.to_string(), "");
        assert!(n.kinds().is_empty());
    }
    for (bad, item) in [
        ("digits,foo", "\"foo\""),
        ("Digits", "\"Digits\""),
        ("digits,", "\"\""),
        ("digits, ip", "\" ip\""),
        ("none,ip", "\"none\""),
        (",", "\"\""),
    ] {
        let err = Normalizer::parse(bad).unwrap_err();
        assert!(err.contains(item), "{bad:?}: {err}");
    }
    // Display is the canonical spelling, and parses back to the same set.
    for bits in 0..16u8 {
        let n = subset(bits);
        assert_eq!(Normalizer::parse(&n.to_string()), Ok(n));
        assert_eq!(n.is_empty(), bits == 0);
    }
}

#[test]
fn serde_round_trip() {
    let n = Normalizer::parse("digits,uuid").unwrap();
    let json = serde_json::to_string(&n).unwrap();
    assert_eq!(json, r#"["uuid","digits"]"#);
    assert_eq!(serde_json::from_str::<Normalizer>(&json).unwrap(), n);
    assert_eq!(serde_json::to_string(&Normalizer::default()).unwrap(), "[]");
    let dup: Normalizer = serde_json::from_str(r#"["ip","hex","ip"]"#).unwrap();
    assert_eq!(dup.to_string(), "ip,hex");
    assert!(serde_json::from_str::<Normalizer>(r#"["bogus"]"#).is_err());
    assert!(serde_json::from_str::<Normalizer>(r#""digits""#).is_err());
    for bits in 0..16u8 {
        let n = subset(bits);
        let back: Normalizer = serde_json::from_str(&serde_json::to_string(&n).unwrap()).unwrap();
        assert_eq!(back, n);
    }
}

/// The set whose kinds are the bits of `bits` (in application order).
fn subset(bits: u8) -> Normalizer {
    let kinds: Vec<Normalize> = Normalize::ALL
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| bits >> i & 1 == 1)
        .map(|(_, k)| k)
        .collect();
    Normalizer::new(&kinds)
}

/// Pieces that make interesting words when glued together: every kind's
/// matches and near misses, placeholders, separators and non-ASCII bytes.
#[rustfmt::skip]
const FRAGMENTS: &[&[u8]] = &[
    b"0", b"1", b"9", b"a", b"f", b"x", b"g", b".", b"-", b":", b"<", b">", b"\xff",
    b"0x", b"0x1f", b"10.0.0.1", b"256", b"deadbeef", b"3f2a9c1b", b"12345678", b"-abcd",
    b"<n>", b"<hex>", b"<ip>", UUID, b"ffffffff-ffff-ffff-ffff-ffffffffffff",
];

/// A word of 1 to `max` fragments, from a seeded xorshift (for the oracle check).
fn random_word(state: &mut u64, max: u64) -> Vec<u8> {
    let mut next = || {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    };
    let len = 1 + next() % max;
    (0..len)
        .flat_map(|_| {
            FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize]
                .iter()
                .copied()
        })
        .collect()
}

/// The properties of normalizing `word` (no whitespace in it) with `n`.
fn check(n: Normalizer, word: &[u8]) {
    let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut out = b"stale".to_vec();
    let replaced = n.apply(word, &mut out);
    assert_eq!(
        replaced,
        !out.is_empty(),
        "out is empty iff nothing is replaced"
    );
    let once = if replaced { out.clone() } else { word.to_vec() };
    assert_eq!(replaced, once != word, "a replacement changes the word");
    assert!(!once.iter().any(u8::is_ascii_whitespace));
    assert!(!(n.is_empty() && replaced), "the empty set never replaces");
    if n.kinds().contains(&Normalize::Digits) {
        assert!(!once.iter().any(u8::is_ascii_digit), "{}", show(&once));
    }
    // Idempotent: normalizing the result again replaces nothing.
    let twice = n.apply(&once, &mut out);
    assert!(
        !twice,
        "{n}: {} -> {} -> {}",
        show(word),
        show(&once),
        show(&out)
    );
}

/// Every word of up to three fragments, with every set of kinds.
#[test]
fn properties_on_all_short_words() {
    for a in FRAGMENTS {
        for b in FRAGMENTS {
            for c in [&b""[..]].iter().chain(FRAGMENTS) {
                let word = [*a, *b, *c].concat();
                for bits in 0..16 {
                    check(subset(bits), &word);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn properties(fragments in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..12),
                  bits in 0..16u8) {
        check(subset(bits), &fragments.concat());
    }
}

/// Agreement with the Python oracle (`tests/oracle/normalize.py`, `re` over
/// bytes) on 2000 seeded random words, for every set of kinds. Needs python3,
/// so it is not run by default:
/// `cargo test --release --lib -p logcount normalize -- --ignored`.
#[test]
#[ignore = "needs python3"]
fn agrees_with_python_oracle() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let words: Vec<Vec<u8>> = (0..2000).map(|_| random_word(&mut state, 10)).collect();
    let input = words.join(&b'\n');
    let oracle = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/normalize.py");
    let mut out = Vec::new();
    for bits in 0..16u8 {
        let n = subset(bits);
        let mut child = Command::new("python3")
            .args([oracle, &n.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let done = child.wait_with_output().unwrap();
        assert!(done.status.success());
        let want: Vec<&[u8]> = done.stdout.split(|&b| b == b'\n').collect();
        assert_eq!(want.len(), words.len() + 1, "one line per word");
        for (word, want) in words.iter().zip(want) {
            let got = if n.apply(word, &mut out) {
                &out[..]
            } else {
                word
            };
            assert_eq!(
                String::from_utf8_lossy(got),
                String::from_utf8_lossy(want),
                "{n} on {:?}",
                String::from_utf8_lossy(word)
            );
            assert_eq!(got, want);
        }
    }
}
