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

use crate::normalize::Normalizer;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

/// The hasher of word maps (see the README's word-frequency figures).
pub type WordHasher = rustc_hash::FxBuildHasher;

/// Whether `b` separates words (Python's `bytes.isspace()` for one byte):
/// ' ', or '\t' '\n' '\v' '\f' '\r'.
#[inline]
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t'..=b'\r')
}

/// What one distinct word costs a [`WordCounts`] besides its bytes, as
/// [`WordCounts::approx_bytes`] counts it: its 4-byte length in the arena,
/// its table slot (16 bytes, at the table's load factor and doubling growth,
/// up to 37, plus a control byte) and, when the table is sorted to spill, its
/// 48-byte entry (rounded up).
pub const ENTRY_OVERHEAD: u64 = 96;

/// The bytes in front of each word in a table's arena: its length.
const LEN_BYTES: usize = 4;

/// One distinct word of a [`WordCounts`]: where its length and bytes lie in
/// the table's arena, and its count. Sixteen bytes, so that the slots of a
/// table of tens of thousands of words stay in a core's L2 cache; the hash is
/// not kept (the table's control byte already filters nearly every other
/// word, and growing hashes each word once more).
#[derive(Debug, Clone, Copy)]
struct Slot {
    start: usize,
    count: u64,
}

/// Word -> count: a hash table of slots over one arena of word bytes, each
/// word after its length (no allocation per word).
#[derive(Clone, Default)]
pub struct WordCounts {
    table: hashbrown::HashTable<Slot>,
    arena: Vec<u8>,
    /// The sum over the distinct words of their length plus [`ENTRY_OVERHEAD`].
    bytes: u64,
}

impl fmt::Debug for WordCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(w, n)| (encode_word(w), n)))
            .finish()
    }
}

impl PartialEq for WordCounts {
    /// The same words with the same counts.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(w, n)| other.get(w) == n)
    }
}

impl Eq for WordCounts {}

/// Whether two words are the same bytes: a few word-sized compares for the
/// short words logs are made of, instead of a call to `memcmp`.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let u64_at = |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |s: &[u8], i: usize| u32::from_ne_bytes(s[i..i + 4].try_into().expect("4 bytes"));
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => u32_at(a, 0) == u32_at(b, 0) && u32_at(a, n - 4) == u32_at(b, n - 4),
        8..=16 => u64_at(a, 0) == u64_at(b, 0) && u64_at(a, n - 8) == u64_at(b, n - 8),
        // Timestamps and ids: four loads, not a call.
        17..=32 => {
            u64_at(a, 0) == u64_at(b, 0)
                && u64_at(a, 8) == u64_at(b, 8)
                && u64_at(a, n - 16) == u64_at(b, n - 16)
                && u64_at(a, n - 8) == u64_at(b, n - 8)
        }
        _ => a == b,
    }
}

/// A word's first 24 bytes as two big-endian numbers (zero-padded):
/// ordering by them, then by the bytes, is ordering by the bytes (and most
/// words, timestamps with milliseconds among them, are ordered by them alone).
#[inline]
fn prefix_key(word: &[u8]) -> (u128, u64) {
    let mut b = [0u8; 24];
    let n = word.len().min(24);
    b[..n].copy_from_slice(&word[..n]);
    let (head, tail) = b.split_at(16);
    (
        u128::from_be_bytes(head.try_into().expect("16 bytes")),
        u64::from_be_bytes(tail.try_into().expect("8 bytes")),
    )
}

/// The word whose length starts at `start` in `arena`.
#[inline]
fn word_at(arena: &[u8], start: usize) -> &[u8] {
    let at = start + LEN_BYTES;
    let len = u32::from_le_bytes(arena[start..at].try_into().expect("4 bytes"));
    &arena[at..at + len as usize]
}

fn hash_of(word: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    WordHasher::default().hash_one(word)
}

/// A word of a table, as [`WordCounts::entries`] lists them.
#[derive(Debug, Clone, Copy)]
pub struct WordRef {
    prefix: u128,
    next: u64,
    start: usize,
    /// Its count.
    pub count: u64,
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
        self.table.len()
    }

    /// Whether no word was counted.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    fn word_of(&self, slot: &Slot) -> &[u8] {
        word_at(&self.arena, slot.start)
    }

    /// The count of `word` (given lowercased), 0 if absent.
    pub fn get(&self, word: &[u8]) -> u64 {
        let arena = &self.arena;
        self.table
            .find(hash_of(word), |s| word_at(arena, s.start) == word)
            .map_or(0, |s| s.count)
    }

    /// About how much memory the table holds: each distinct word's length
    /// plus [`ENTRY_OVERHEAD`]. What a spill budget is compared with.
    pub fn approx_bytes(&self) -> u64 {
        self.bytes
    }

    /// All occurrences (the sum of the counts).
    pub fn total(&self) -> u64 {
        self.table.iter().map(|s| s.count).sum()
    }

    /// Every word (lowercased bytes) with its count, in no set order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.table.iter().map(|s| (self.word_of(s), s.count))
    }

    /// Every word, bucketed by `bucket_of(word)` (below `buckets`), each
    /// bucket sorted by the word's bytes (see [`Self::word`]).
    pub fn entries(&self, buckets: usize, bucket_of: impl Fn(&[u8]) -> usize) -> Vec<Vec<WordRef>> {
        let mut out: Vec<Vec<WordRef>> = vec![Vec::new(); buckets];
        for s in self.table.iter() {
            let word = self.word_of(s);
            let (prefix, next) = prefix_key(word);
            out[bucket_of(word)].push(WordRef {
                prefix,
                next,
                start: s.start,
                count: s.count,
            });
        }
        for b in &mut out {
            b.sort_unstable_by(|x, y| {
                (x.prefix, x.next)
                    .cmp(&(y.prefix, y.next))
                    .then_with(|| self.word(x).cmp(self.word(y)))
            });
        }
        out
    }

    /// The bytes of a word [`Self::entries`] listed.
    pub fn word(&self, r: &WordRef) -> &[u8] {
        word_at(&self.arena, r.start)
    }

    /// Adds `n` occurrences of the word `word` whose hash is `hash`.
    #[inline]
    fn add_hashed(&mut self, hash: u64, word: &[u8], n: u64) {
        let arena = &self.arena;
        let eq = |s: &Slot| same_bytes(word_at(arena, s.start), word);
        match self.table.find_mut(hash, eq) {
            Some(s) => s.count += n,
            None => {
                let len = u32::try_from(word.len()).expect("a word under 4 GiB");
                let slot = Slot {
                    start: self.arena.len(),
                    count: n,
                };
                self.arena.extend_from_slice(&len.to_le_bytes());
                self.arena.extend_from_slice(word);
                self.bytes += word.len() as u64 + ENTRY_OVERHEAD;
                let arena = &self.arena;
                self.table
                    .insert_unique(hash, slot, |s| hash_of(word_at(arena, s.start)));
            }
        }
    }

    /// Adds `n` occurrences of `word`, which must already be a word (non-empty,
    /// lowercased, no whitespace).
    #[inline]
    pub fn add(&mut self, word: &[u8], n: u64) {
        debug_assert!(!word.is_empty() && !word.iter().any(|&b| is_space(b)));
        self.add_hashed(hash_of(word), word, n);
    }

    /// Counts the words of `text`, lowering ASCII letters on the fly.
    pub fn count_text(&mut self, text: &[u8]) {
        for_each_word(text, |word| self.add(word, 1));
    }

    /// Counts the words of `text` as [`Self::count_text`] does, each
    /// normalized by `normalize` first ([`crate::normalize`]).
    pub fn count_text_normalized(&mut self, text: &[u8], normalize: &Normalizer) {
        if normalize.is_empty() {
            return self.count_text(text);
        }
        let mut out = Vec::new();
        for_each_word(text, |word| self.add_normalized(word, normalize, &mut out));
    }

    /// Adds one occurrence of `word` (a word, lowercased) normalized by
    /// `normalize`; `out` is scratch space.
    fn add_normalized(&mut self, word: &[u8], normalize: &Normalizer, out: &mut Vec<u8>) {
        if normalize.apply(word, out) {
            self.add(out, 1);
        } else {
            self.add(word, 1);
        }
    }

    /// Adds another map's counts.
    pub fn merge(&mut self, other: &WordCounts) {
        if self.table.is_empty() {
            self.clone_from(other);
            return;
        }
        for s in other.table.iter() {
            let word = other.word_of(s);
            self.add_hashed(hash_of(word), word, s.count);
        }
    }

    /// Adds another map's counts, taking it over (the bigger table stays).
    pub fn merge_owned(&mut self, other: WordCounts) {
        if self.table.len() < other.table.len() {
            let smaller = std::mem::replace(self, other);
            return self.merge(&smaller);
        }
        self.merge(&other);
    }

    /// [`Self::merge`], then hands the whole table to `spill` if it has
    /// grown past the spill's budget.
    pub fn merge_spilling(&mut self, other: &WordCounts, spill: &dyn WordSpill) {
        self.merge(other);
        if self.bytes > spill.budget() {
            self.spill_to(spill);
        }
    }

    /// Hands the whole table to `spill` and starts again empty, with room
    /// for as many words: a table that spilled fills up again, and need not
    /// grow (hashing every word again) through every size on the way. The
    /// room is taken after the spill, so the peak stays one table.
    pub fn spill_to(&mut self, spill: &dyn WordSpill) {
        let (words, arena) = (self.table.len(), self.arena.len());
        spill.spill(std::mem::take(self));
        self.table = hashbrown::HashTable::with_capacity(words);
        self.arena = Vec::with_capacity(arena);
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

/// Calls `f` with every word of `text`, ASCII letters lowered.
#[inline]
fn for_each_word(text: &[u8], mut f: impl FnMut(&[u8])) {
    let mut lowered = Vec::new();
    masks::for_each_raw_word(text, |word, capital| {
        if capital {
            lowered.clear();
            lowered.extend(word.iter().map(u8::to_ascii_lowercase));
            f(&lowered);
        } else {
            f(word);
        }
    });
}

/// The words of one line too long to hold, fed in pieces: a word cut
/// between two pieces is carried over whole (so a huge word is held whole).
#[derive(Debug, Default, Clone)]
pub struct WordStream {
    /// The line's last word so far, if the last piece ended inside one (lowercased).
    carry: Vec<u8>,
    counts: WordCounts,
    normalize: Normalizer,
}

impl WordStream {
    /// A line whose words are normalized by `normalize`.
    pub fn normalized(normalize: Normalizer) -> Self {
        WordStream {
            normalize,
            ..WordStream::default()
        }
    }

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
        self.counts
            .count_text_normalized(&data[first..=last], &self.normalize);
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
            let mut out = Vec::new();
            self.counts
                .add_normalized(&self.carry, &self.normalize, &mut out);
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
pub fn decode_word(key: &str) -> Result<Cow<'_, [u8]>, String> {
    let bad = |why: &str| Err(format!("{key:?} is not a word: {why}"));
    if key.is_empty() {
        return bad("it is empty");
    }
    let b = key.as_bytes();
    // Most words: no escape, so the key's bytes are the word.
    if !b
        .iter()
        .any(|&c| c == b'\\' || is_space(c) || c.is_ascii_uppercase())
    {
        return Ok(Cow::Borrowed(b));
    }
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
    Ok(Cow::Owned(out))
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
                    if w.get(&word) > 0 {
                        return Err(A::Error::custom(format!("word {k:?} appears twice")));
                    }
                    w.add(&word, n);
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

#[path = "word_masks.rs"]
mod masks;

#[cfg(test)]
#[path = "words_tests.rs"]
mod tests;
