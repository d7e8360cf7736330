//! Counts keyed by keyword, in keyword order: the shape of `result.json`.

use crate::keywords::Keywords;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Counts keyed by keyword, in keyword order: a JSON object whose keys keep
/// the order they were given in (the shape of the reference's `result.json`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeywordCounts(pub Vec<(String, u64)>);

impl KeywordCounts {
    /// Counts from `(key, count)` pairs, kept in the order given.
    pub fn new(pairs: Vec<(String, u64)>) -> Self {
        KeywordCounts(pairs)
    }

    /// Pairs the keyword names with counts (same order).
    pub fn from_counts(keywords: &Keywords, counts: &[u64]) -> Self {
        KeywordCounts(
            keywords
                .names()
                .into_iter()
                .zip(counts.iter().copied())
                .collect(),
        )
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// The counts, in key order.
    pub fn values(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().map(|&(_, v)| v)
    }

    /// The count of `key`; `None` when it is not a key.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.0.iter().find(|(k, _)| k == key).map(|&(_, v)| v)
    }
}

impl KeywordCounts {
    /// Writes a words job's result as `word count` lines (words decoded to
    /// their bytes, in order): the stdout of merge and `logcount run` in
    /// words mode, at most `top` lines.
    pub fn write_word_lines<W: std::io::Write>(
        &self,
        out: &mut W,
        top: Option<usize>,
    ) -> std::io::Result<()> {
        for (key, n) in self.0.iter().take(top.unwrap_or(usize::MAX)) {
            let word = crate::words::decode_word(key).map_err(std::io::Error::other)?;
            out.write_all(&word)?;
            writeln!(out, " {n}")?;
        }
        Ok(())
    }
}

impl Serialize for KeywordCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for KeywordCounts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Ordered;
        impl<'de> Visitor<'de> for Ordered {
            type Value = KeywordCounts;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of keyword counts")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                use std::hash::BuildHasher;
                let mut v: Vec<(String, u64)> = Vec::with_capacity(m.size_hint().unwrap_or(4));
                // Indices into `v` by key: a words result has many keys.
                let mut seen = hashbrown::HashTable::<usize>::with_capacity(v.capacity());
                let hasher = rustc_hash::FxBuildHasher;
                while let Some((k, n)) = m.next_entry::<String, u64>()? {
                    let hash = hasher.hash_one(&k);
                    if seen.find(hash, |&i| v[i].0 == k).is_some() {
                        return Err(serde::de::Error::custom(format!(
                            "keyword {k:?} appears twice"
                        )));
                    }
                    seen.insert_unique(hash, v.len(), |&i| hasher.hash_one(&v[i].0));
                    v.push((k, n));
                }
                Ok(KeywordCounts(v))
            }
        }
        d.deserialize_map(Ordered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_keep_order_and_refuse_duplicates() {
        let c: KeywordCounts = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
        assert_eq!(c.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(c.get("a"), Some(2));
        assert!(serde_json::from_str::<KeywordCounts>(r#"{"a":1,"a":2}"#).is_err());
        assert!(serde_json::from_str::<KeywordCounts>(r#"{"a":-1}"#).is_err());
    }
}
