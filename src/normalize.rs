//! Log-aware word normalization for words mode (`--mode words --normalize
//! digits,hex,uuid,ip`): variable runs inside a word are replaced with
//! placeholders, so word counts over logs show message shapes instead of
//! millions of singletons. Pure: no I/O.
//!
//! A word is a byte string (a maximal run of non-ASCII-whitespace bytes,
//! ASCII already lowered; it may be invalid UTF-8). Below, *alphanumeric*
//! means ASCII `[0-9A-Za-z]`; bytes `>= 0x80` are never alphanumeric and are
//! kept as they are.
//!
//! ## Rules
//!
//! The kinds that are on are applied in a fixed order, **uuid, ip, hex,
//! digits**, whatever order they were given in, each to the result of the
//! previous one. Each kind replaces, left to right, the non-overlapping
//! leftmost matches of its pattern (Python's `re.sub`):
//!
//! * **uuid** → `<uuid>`: `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
//!   not preceded and not followed by an alphanumeric.
//! * **ip** → `<ip>`: an IPv4 dotted quad, four runs of 1 to 3 digits joined
//!   by `.`, each of value at most 255 (leading zeros allowed: `010` is 10);
//!   not preceded by an alphanumeric or `.`, not followed by an alphanumeric
//!   nor by a `.` and then a digit. So `1.2.3` and `1.2.3.4.5` are no
//!   addresses, and a port stays: `10.0.0.1:8080` → `<ip>:8080` (`<ip>:<n>`
//!   with digits on).
//! * **hex** → `<hex>`: either a run of `[0-9a-f]` of length 8 or more that
//!   holds at least one digit and at least one letter `a`-`f`, or `0x`
//!   followed by one or more `[0-9a-f]`; in both cases not preceded and not
//!   followed by an alphanumeric. (`deadbeef` has no digit and `12345678` no
//!   letter: neither is hex.)
//! * **digits** → `<n>`: every maximal run of `[0-9]`, whatever its
//!   neighbours: `blk_-1608999687919862906` → `blk_-<n>`, `user42` →
//!   `user<n>`, `08:15:30` → `<n>:<n>:<n>`.
//!
//! **Placeholders count as digits** in every neighbour check: a placeholder
//! (`<uuid>`, `<ip>`, `<hex>` or `<n>`, inserted by an earlier kind or
//! already in the word) just before or after a candidate blocks it as an
//! alphanumeric would, and so does one after the `.` that follows a dotted
//! quad. That is what makes normalization idempotent: without it,
//! `g1abcdefab-abcd-abcd-abcd-abcdefabcdef` would become
//! `g<n>abcdefab-…` with digits on, whose uuid a second pass would then
//! replace.
//!
//! Placeholders hold no digit, no whitespace and no capital, so the result is
//! still a word and normalizing it again changes nothing. The independent
//! oracle is `tests/oracle/normalize.py` (`re` over bytes).

use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;

/// One kind of run to replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalize {
    /// Maximal runs of ASCII digits → `<n>`.
    Digits,
    /// Hex runs (8+ long, with a digit and a letter) and `0x…` literals → `<hex>`.
    Hex,
    /// Lowercase 8-4-4-4-12 UUIDs → `<uuid>`.
    Uuid,
    /// IPv4 dotted quads (octets 0 to 255) → `<ip>`.
    Ip,
}

impl Normalize {
    /// Every kind, in application order (uuid, ip, hex, digits).
    pub const ALL: [Normalize; 4] = [
        Normalize::Uuid,
        Normalize::Ip,
        Normalize::Hex,
        Normalize::Digits,
    ];

    /// The kind's name, as parsed and serialized: `digits`, `hex`, `uuid`, `ip`.
    pub fn name(self) -> &'static str {
        match self {
            Normalize::Digits => "digits",
            Normalize::Hex => "hex",
            Normalize::Uuid => "uuid",
            Normalize::Ip => "ip",
        }
    }

    /// The text that replaces a match.
    fn placeholder(self) -> &'static [u8] {
        match self {
            Normalize::Digits => b"<n>",
            Normalize::Hex => b"<hex>",
            Normalize::Uuid => b"<uuid>",
            Normalize::Ip => b"<ip>",
        }
    }

    /// The bit of this kind in a [`Normalizer`] (its rank in application order).
    fn bit(self) -> u8 {
        match self {
            Normalize::Uuid => 1,
            Normalize::Ip => 2,
            Normalize::Hex => 4,
            Normalize::Digits => 8,
        }
    }

    /// The first match of this kind in `s` at or after `from`, as a range.
    fn find(self, s: &[u8], from: usize) -> Option<(usize, usize)> {
        match self {
            Normalize::Digits => find_digits(s, from),
            Normalize::Hex => find_hex(s, from),
            Normalize::Uuid => find_uuid(s, from),
            Normalize::Ip => find_ip(s, from),
        }
    }
}

impl FromStr for Normalize {
    type Err = String;

    /// Parses one name: `digits`, `hex`, `uuid` or `ip` (exactly, lowercase).
    fn from_str(s: &str) -> Result<Self, String> {
        Normalize::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown normalization {s:?}: expected digits, hex, uuid or ip"))
    }
}

impl fmt::Display for Normalize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of kinds, applied in a fixed order whatever order they were given
/// in: uuid, ip, hex, digits (see the [module docs](crate::normalize) for the rules).
///
/// Serialized as the list of its kinds' names in application order (a JSON
/// array of strings such as `["ip","digits"]`), and read back from such a list.
///
/// ```
/// use logcount::normalize::Normalizer;
/// let n = Normalizer::parse("digits,ip").unwrap();
/// assert_eq!(n.to_string(), "ip,digits");
/// let mut out = Vec::new();
/// assert!(n.apply(b"from=10.0.0.1:8080", &mut out));
/// assert_eq!(out, b"from=<ip>:<n>");
/// assert!(n.apply(b"user42", &mut out));
/// assert_eq!(out, b"user<n>");
/// // Nothing to replace: `false`, and `out` is left empty (keep the word).
/// assert!(!n.apply(b"error:", &mut out));
/// assert!(out.is_empty());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Vec<Normalize>", from = "Vec<Normalize>")]
pub struct Normalizer {
    /// One bit per kind ([`Normalize::bit`]).
    bits: u8,
}

impl Normalizer {
    /// The set of `kinds` (duplicates are fine; order does not matter).
    pub fn new(kinds: &[Normalize]) -> Self {
        Normalizer {
            bits: kinds.iter().fold(0, |bits, k| bits | k.bit()),
        }
    }

    /// Parses a comma-separated list ("digits,ip"); "" or "none" is the empty
    /// set; duplicates are fine; unknown names are an error String naming the
    /// bad item.
    pub fn parse(list: &str) -> Result<Self, String> {
        if list.is_empty() || list == "none" {
            return Ok(Normalizer::default());
        }
        let mut kinds = Vec::new();
        for item in list.split(',') {
            match item.parse::<Normalize>() {
                Ok(k) => kinds.push(k),
                Err(_) => {
                    return Err(format!(
                        "unknown normalization {item:?} in {list:?}: expected a comma-separated \
                         list of digits, hex, uuid, ip (or none)"
                    ))
                }
            }
        }
        Ok(Normalizer::new(&kinds))
    }

    /// Whether no kind is on (then [`apply`](Self::apply) never replaces).
    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// The kinds that are on, in application order.
    pub fn kinds(&self) -> Vec<Normalize> {
        self.iter().collect()
    }

    fn iter(self) -> impl Iterator<Item = Normalize> {
        Normalize::ALL
            .into_iter()
            .filter(move |k| self.bits & k.bit() != 0)
    }

    /// Normalizes `word` into `out` (cleared first) and returns whether
    /// anything was replaced. When nothing is replaced, `out` is left empty
    /// (the caller keeps using `word`), so the fast path costs one scan and
    /// no copy.
    pub fn apply(&self, word: &[u8], out: &mut Vec<u8>) -> bool {
        out.clear();
        if self.is_empty() {
            return false;
        }
        // Every match but a uuid holds a digit, and a uuid holds a `-`.
        let (digit, dash) = word.iter().fold((false, false), |(d, h), &b| {
            (d || b.is_ascii_digit(), h || b == b'-')
        });
        let uuid = self.bits & Normalize::Uuid.bit() != 0;
        if !(digit || (dash && uuid)) {
            return false;
        }
        let mut replaced = false;
        for kind in self.iter() {
            if !replaced {
                if let Some(first) = kind.find(word, 0) {
                    replace_all(kind, word, first, out);
                    replaced = true;
                }
            } else if let Some(first) = kind.find(out, 0) {
                // The text so far moves to a per-thread scratch buffer and
                // the result is written back into `out`: no allocation once
                // both have grown.
                SCRATCH.with_borrow_mut(|scratch| {
                    std::mem::swap(out, scratch);
                    out.clear();
                    replace_all(kind, scratch, first, out);
                });
            }
        }
        replaced
    }
}

thread_local! {
    /// The source of a second (or later) replacing pass of [`Normalizer::apply`].
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl FromStr for Normalizer {
    type Err = String;
    /// [`Normalizer::parse`].
    fn from_str(list: &str) -> Result<Self, String> {
        Normalizer::parse(list)
    }
}

impl fmt::Display for Normalizer {
    /// The canonical spelling: the kinds that are on in application order,
    /// comma-separated (`uuid,ip,hex,digits` or a subset); "" when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, k) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(k.name())?;
        }
        Ok(())
    }
}

impl From<Normalizer> for Vec<Normalize> {
    fn from(n: Normalizer) -> Self {
        n.kinds()
    }
}

impl From<Vec<Normalize>> for Normalizer {
    fn from(kinds: Vec<Normalize>) -> Self {
        Normalizer::new(&kinds)
    }
}

/// Writes `src` into `out` with every match of `kind` replaced, the first
/// being `first`; later matches are searched from the end of the previous one.
fn replace_all(kind: Normalize, src: &[u8], first: (usize, usize), out: &mut Vec<u8>) {
    let mut pos = 0;
    let mut next = Some(first);
    while let Some((start, end)) = next {
        out.extend_from_slice(&src[pos..start]);
        out.extend_from_slice(kind.placeholder());
        pos = end;
        next = kind.find(src, end);
    }
    out.extend_from_slice(&src[pos..]);
}

const PLACEHOLDERS: [&[u8]; 4] = [b"<uuid>", b"<ip>", b"<hex>", b"<n>"];

fn is_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// Whether `s[..i]` ends with an alphanumeric or a placeholder.
fn word_before(s: &[u8], i: usize) -> bool {
    i > 0 && (s[i - 1].is_ascii_alphanumeric() || PLACEHOLDERS.iter().any(|p| s[..i].ends_with(p)))
}

/// Whether `s[i..]` starts with an alphanumeric or a placeholder.
fn word_at(s: &[u8], i: usize) -> bool {
    i < s.len()
        && (s[i].is_ascii_alphanumeric() || PLACEHOLDERS.iter().any(|p| s[i..].starts_with(p)))
}

/// The end of the run of bytes satisfying `f` that starts at `i`.
fn run_end(s: &[u8], i: usize, f: impl Fn(u8) -> bool) -> usize {
    i + s[i..].iter().take_while(|&&b| f(b)).count()
}

fn find_digits(s: &[u8], from: usize) -> Option<(usize, usize)> {
    let start = from + s[from..].iter().position(u8::is_ascii_digit)?;
    Some((start, run_end(s, start, |b| b.is_ascii_digit())))
}

fn find_uuid(s: &[u8], from: usize) -> Option<(usize, usize)> {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let is_uuid = |u: &[u8]| {
        let mut at = 0;
        GROUPS.iter().enumerate().all(|(g, &n)| {
            let ok = u[at..at + n].iter().all(|&b| is_hex(b)) && (g == 4 || u[at + n] == b'-');
            at += n + 1;
            ok
        })
    };
    (from..(s.len() + 1).saturating_sub(36))
        .find(|&i| {
            is_hex(s[i]) && !word_before(s, i) && is_uuid(&s[i..i + 36]) && !word_at(s, i + 36)
        })
        .map(|i| (i, i + 36))
}

fn find_ip(s: &[u8], from: usize) -> Option<(usize, usize)> {
    // The end of a dotted quad starting at `i`, octets being whole digit runs.
    let quad = |i: usize| {
        let mut at = i;
        for octet in 0..4 {
            let end = run_end(s, at, |b| b.is_ascii_digit());
            let digits = &s[at..end];
            if digits.is_empty() || digits.len() > 3 {
                return None;
            }
            if digits
                .iter()
                .fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'))
                > 255
            {
                return None;
            }
            if octet == 3 {
                return Some(end);
            }
            if s.get(end) != Some(&b'.') {
                return None;
            }
            at = end + 1;
        }
        None
    };
    (from..s.len()).find_map(|i| {
        if !s[i].is_ascii_digit() || word_before(s, i) || (i > 0 && s[i - 1] == b'.') {
            return None;
        }
        let end = quad(i)?;
        let dot_digit = s.get(end) == Some(&b'.')
            && (s.get(end + 1).is_some_and(u8::is_ascii_digit)
                || PLACEHOLDERS.iter().any(|p| s[end + 1..].starts_with(p)));
        (!word_at(s, end) && !dot_digit).then_some((i, end))
    })
}

fn find_hex(s: &[u8], from: usize) -> Option<(usize, usize)> {
    (from..s.len()).find_map(|i| {
        if !is_hex(s[i]) || word_before(s, i) {
            return None;
        }
        let end = if s[i..].starts_with(b"0x") {
            let end = run_end(s, i + 2, is_hex);
            (end > i + 2).then_some(end)?
        } else {
            let end = run_end(s, i, is_hex);
            let run = &s[i..end];
            let ok = run.len() >= 8
                && run.iter().any(u8::is_ascii_digit)
                && run.iter().any(u8::is_ascii_lowercase);
            ok.then_some(end)?
        };
        (!word_at(s, end)).then_some((i, end))
    })
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
