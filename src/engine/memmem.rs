//! One `memchr::memmem` pass per keyword. Each pass is SIMD-accelerated and
//! reports non-overlapping occurrences left to right, which is exactly the
//! counting rule, so this strategy is exact for any keyword set. It wins for a
//! few keywords with sparse matches.

use super::Strategy;
use crate::keywords::Keywords;
use memchr::memmem::Finder;

/// Counts with one precompiled `memmem::Finder` per keyword.
#[derive(Debug, Clone)]
pub struct Memmem {
    finders: Vec<Finder<'static>>,
}

impl Memmem {
    pub fn new(keywords: &Keywords) -> Self {
        Memmem {
            finders: keywords
                .as_bytes()
                .iter()
                .map(|k| Finder::new(k).into_owned())
                .collect(),
        }
    }
}

impl Strategy for Memmem {
    fn name(&self) -> &'static str {
        "memmem"
    }

    fn count(&self, text: &[u8], counts: &mut [u64]) {
        for (f, c) in self.finders.iter().zip(counts.iter_mut()) {
            *c += f.find_iter(text).count() as u64;
        }
    }
}
