//! Word frequencies (`--mode words`): the classic MapReduce WordCount, with
//! the rules of Ben Hoyt's "countwords" benchmark so outputs are comparable.
//!
//! * **Words** are the maximal runs of bytes that are not ASCII whitespace.
//!   Whitespace is exactly what Python's `bytes.split()` splits on: space,
//!   `\t`, `\n`, `\x0b` (VT), `\x0c` (FF) and `\r`. Every other byte is part of
//!   a word: punctuation is kept (`error:` and `error` are two words), and so
//!   are NUL, other control bytes and every byte `>= 0x80` (so a UTF-8 non-break
//!   space does not split, as in `bytes.split()`).
//! * **Case**: ASCII `A`-`Z` are lowered to `a`-`z`; no other byte changes
//!   (`É` stays `É`), as Python's `bytes.lower()`.
//! * A part's counts are a map word -> count, so memory is bounded by the
//!   vocabulary, not the input. Lines are independent (a newline is
//!   whitespace), so texts cut at line starts add up exactly.
//! * **Order**: most frequent first, ties by the word's bytes ascending.
//!
//! The oracle is `collections.Counter(data.lower().split())` over the bytes.
//!
//! ## Words that are not UTF-8
//!
//! Words are bytes. In JSON (count outputs and `result.json`) a word that is
//! valid UTF-8 is its own string; in a word that is not, each byte of an
//! invalid sequence is written `\XHH` (a backslash, a capital `X`, two capital
//! hex digits) and the valid runs stay as they are. A word never holds an
//! ASCII capital letter (they are lowered), so `\X` can only be an escape:
//! the encoding is lossless and two distinct byte words never share a key.
//! Readers accept only the canonical form (what [`encode_word`] writes).
//! The `word count` lines printed on stdout hold the word's raw bytes, like
//! countwords' output.
//!
//! ```
//! use logcount::words::{encode_word, WordCounts};
//! let mut w = WordCounts::default();
//! w.count_text(b"The cat\tTHE end.\r\nthe\x0bEnd. caf\xe9\n");
//! let top: Vec<(String, u64)> = w
//!     .sorted()
//!     .into_iter()
//!     .map(|(word, n)| (encode_word(word).into_owned(), n))
//!     .collect();
//! assert_eq!(top[..2], [("the".into(), 3), ("end.".into(), 2)]);
//! assert!(top.contains(&(r"caf\XE9".into(), 1)));
//! ```

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

/// The hasher of word maps (see the README's word-frequency figures).
pub type WordHasher = rustc_hash::FxBuildHasher;

/// Byte classes for the tokenizer.
const WORD: u8 = 0;
const SPACE: u8 = 1;

static CLASS: [u8; 256] = {
    let mut t = [WORD; 256];
    t[b' ' as usize] = SPACE;
    t[b'\t' as usize] = SPACE;
    t[b'\n' as usize] = SPACE;
    t[0x0b] = SPACE;
    t[0x0c] = SPACE;
    t[b'\r' as usize] = SPACE;
    t
};

/// Whether `b` separates words (Python's `bytes.isspace()` for one byte).
#[inline]
pub fn is_space(b: u8) -> bool {
    CLASS[b as usize] == SPACE
}

/// What one distinct word costs a [`WordCounts`] besides its bytes, as
/// [`WordCounts::approx_bytes`] counts it: the table slot (key and count,
/// 32 bytes, at the table's load factor and doubling growth) and the key's
/// heap block.
pub const ENTRY_OVERHEAD: u64 = 96;

/// Word -> count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordCounts {
    map: HashMap<Vec<u8>, u64, WordHasher>,
    /// The sum over the distinct words of their length plus [`ENTRY_OVERHEAD`].
    bytes: u64,
}

/// Where a word table goes when it grows past a budget (the map step's
/// spill to sorted runs on local disk): see [`WordCounts::merge_spilling`].
pub trait WordSpill: Send + Sync {
    /// The size ([`WordCounts::approx_bytes`]) past which a table is spilled.
    fn budget(&self) -> u64;
    /// Takes a table's counts away (to sorted runs); an I/O failure is kept
    /// by the implementation and reported when it finishes.
    fn spill(&self, counts: WordCounts);
}

impl WordCounts {
    /// Distinct words.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no word was counted.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The count of `word` (given lowercased), 0 if absent.
    pub fn get(&self, word: &[u8]) -> u64 {
        self.map.get(word).copied().unwrap_or(0)
    }

    /// About how much memory the table holds: each distinct word's length
    /// plus [`ENTRY_OVERHEAD`]. What a spill budget is compared with.
    pub fn approx_bytes(&self) -> u64 {
        self.bytes
    }

    /// Every word with its count, emptying the table (its memory is freed).
    pub fn drain(&mut self) -> impl Iterator<Item = (Vec<u8>, u64)> {
        self.bytes = 0;
        std::mem::take(&mut self.map).into_iter()
    }

    /// All occurrences (the sum of the counts).
    pub fn total(&self) -> u64 {
        self.map.values().sum()
    }

    /// Every word (lowercased bytes) with its count, in no set order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.map.iter().map(|(k, &v)| (k.as_slice(), v))
    }

    /// Adds `n` occurrences of `word`, which must already be a word (non-empty,
    /// lowercased, no whitespace).
    #[inline]
    pub fn add(&mut self, word: &[u8], n: u64) {
        debug_assert!(!word.is_empty() && !word.iter().any(|&b| is_space(b)));
        match self.map.get_mut(word) {
            Some(c) => *c += n,
            None => {
                self.bytes += word.len() as u64 + ENTRY_OVERHEAD;
                self.map.insert(word.to_vec(), n);
            }
        }
    }

    /// Counts the words of `text`, lowering ASCII letters on the fly.
    pub fn count_text(&mut self, text: &[u8]) {
        let mut lowered = Vec::new();
        let mut i = 0;
        let n = text.len();
        while i < n {
            while i < n && CLASS[text[i] as usize] == SPACE {
                i += 1;
            }
            let start = i;
            let mut upper = false;
            while i < n && CLASS[text[i] as usize] != SPACE {
                upper |= text[i].is_ascii_uppercase();
                i += 1;
            }
            if start == i {
                break;
            }
            let word = &text[start..i];
            if upper {
                lowered.clear();
                lowered.extend(word.iter().map(u8::to_ascii_lowercase));
                self.add(&lowered, 1);
            } else {
                self.add(word, 1);
            }
        }
    }

    /// Adds another map's counts.
    pub fn merge(&mut self, other: &WordCounts) {
        if self.map.is_empty() {
            self.map.clone_from(&other.map);
            self.bytes = other.bytes;
            return;
        }
        for (w, &n) in &other.map {
            self.add(w, n);
        }
    }

    /// Adds another map's counts, reusing its keys.
    pub fn merge_owned(&mut self, other: WordCounts) {
        if self.map.len() < other.map.len() {
            let smaller = std::mem::replace(self, other);
            return self.merge_owned(smaller);
        }
        for (w, n) in other.map {
            let len = w.len() as u64;
            let c = self.map.entry(w).or_insert_with(|| 0);
            if *c == 0 {
                self.bytes += len + ENTRY_OVERHEAD;
            }
            *c += n;
        }
    }

    /// [`Self::merge`], then hands the whole table to `spill` if it has
    /// grown past the spill's budget.
    pub fn merge_spilling(&mut self, other: &WordCounts, spill: &dyn WordSpill) {
        self.merge(other);
        if self.bytes > spill.budget() {
            spill.spill(std::mem::take(self));
        }
    }

    /// Every word with its count, most frequent first, ties by bytes ascending.
    pub fn sorted(&self) -> Vec<(&[u8], u64)> {
        let mut v: Vec<(&[u8], u64)> = self.iter().collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }

    /// Checks that these counts can come from `bytes` bytes of text: each
    /// occurrence takes its word's length, and two occurrences a separator.
    pub fn check_fits(&self, bytes: u64) -> Result<(), String> {
        let mut need: u64 = 0;
        let mut occurrences: u64 = 0;
        for (w, n) in self.iter() {
            let len = w.len() as u64;
            need = n
                .checked_mul(len)
                .and_then(|b| need.checked_add(b))
                .ok_or_else(|| format!("the counts of {:?} overflow", encode_word(w)))?;
            occurrences = occurrences.saturating_add(n);
        }
        let need = need.saturating_add(occurrences.saturating_sub(1));
        if need > bytes {
            return Err(format!(
                "{} occurrences of {} words need at least {need} bytes, but the part has {bytes}",
                occurrences,
                self.len()
            ));
        }
        Ok(())
    }
}

/// The words of one line too long to hold, fed in pieces: a word cut
/// between two pieces is carried over whole (so a huge word is held whole).
#[derive(Debug, Default, Clone)]
pub struct WordStream {
    /// The line's last word so far, if the last piece ended inside one (lowercased).
    carry: Vec<u8>,
    counts: WordCounts,
}

impl WordStream {
    /// Takes the line's next bytes.
    pub fn feed(&mut self, data: &[u8]) {
        // Where the first whitespace is, the carried word (if any) ends.
        let Some(first) = data.iter().position(|&b| is_space(b)) else {
            self.carry.extend(data.iter().map(u8::to_ascii_lowercase));
            return;
        };
        self.carry
            .extend(data[..first].iter().map(u8::to_ascii_lowercase));
        self.flush();
        let last = data.iter().rposition(|&b| is_space(b)).expect("found one");
        self.counts.count_text(&data[first..=last]);
        self.carry
            .extend(data[last + 1..].iter().map(u8::to_ascii_lowercase));
    }

    /// The line's counts, its last word included.
    pub fn finish(mut self) -> WordCounts {
        self.flush();
        self.counts
    }

    fn flush(&mut self) {
        if !self.carry.is_empty() {
            self.counts.add(&self.carry, 1);
            self.carry.clear();
        }
    }
}

/// A word as a JSON string: itself when it is UTF-8, otherwise with each byte
/// of an invalid sequence written `\XHH` (see the module docs).
pub fn encode_word(word: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(word) {
        return Cow::Borrowed(s);
    }
    let mut s = String::with_capacity(word.len() + 8);
    for chunk in word.utf8_chunks() {
        s.push_str(chunk.valid());
        for b in chunk.invalid() {
            s.push_str(&format!("\\X{b:02X}"));
        }
    }
    Cow::Owned(s)
}

/// The word a JSON key stands for; refuses anything [`encode_word`] would
/// not have written (whitespace, capitals, a non-canonical escape, empty).
pub fn decode_word(key: &str) -> Result<Vec<u8>, String> {
    let bad = |why: &str| Err(format!("{key:?} is not a word: {why}"));
    if key.is_empty() {
        return bad("it is empty");
    }
    let b = key.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' && b.get(i + 1) == Some(&b'X') {
            let hex = |d: Option<&u8>| match d {
                Some(&d @ b'0'..=b'9') => Some(d - b'0'),
                Some(&d @ b'A'..=b'F') => Some(d - b'A' + 10),
                _ => None,
            };
            let (Some(hi), Some(lo)) = (hex(b.get(i + 2)), hex(b.get(i + 3))) else {
                return bad("\\X is not followed by two capital hex digits");
            };
            out.push(hi << 4 | lo);
            i += 4;
            continue;
        }
        if is_space(c) {
            return bad("it holds whitespace");
        }
        if c.is_ascii_uppercase() {
            return bad("it holds a capital letter");
        }
        out.push(c);
        i += 1;
    }
    if encode_word(&out) != key {
        return bad("it is not in canonical form (escape only bytes that are not UTF-8)");
    }
    Ok(out)
}

impl Serialize for WordCounts {
    /// A JSON object of encoded words, most frequent first.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sorted = self.sorted();
        let mut map = s.serialize_map(Some(sorted.len()))?;
        for (w, n) in sorted {
            map.serialize_entry(&encode_word(w), &n)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for WordCounts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Words;
        impl<'de> Visitor<'de> for Words {
            type Value = WordCounts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of word counts")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                use serde::de::Error;
                let mut w = WordCounts::default();
                while let Some((k, n)) = m.next_entry::<Cow<'de, str>, u64>()? {
                    let word = decode_word(&k).map_err(A::Error::custom)?;
                    if n == 0 {
                        return Err(A::Error::custom(format!("word {k:?} has count 0")));
                    }
                    w.bytes += word.len() as u64 + ENTRY_OVERHEAD;
                    if w.map.insert(word, n).is_some() {
                        return Err(A::Error::custom(format!("word {k:?} appears twice")));
                    }
                }
                Ok(w)
            }
        }
        d.deserialize_map(Words)
    }
}

/// Writes `word count` lines (the word's raw bytes), at most `top` of them.
pub fn write_lines<W: Write>(
    out: &mut W,
    sorted: &[(&[u8], u64)],
    top: Option<usize>,
) -> io::Result<()> {
    let n = top.unwrap_or(usize::MAX).min(sorted.len());
    for (w, c) in &sorted[..n] {
        out.write_all(w)?;
        writeln!(out, " {c}")?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "words_tests.rs"]
mod tests;
