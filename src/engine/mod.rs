//! The count engine: counts every keyword of a set in bytes, exactly.
//!
//! The counting rule is the reference's: for each keyword independently, the
//! number of non-overlapping occurrences found left to right in the raw bytes
//! (Python's `bytes.count`). Bytes need not be UTF-8.
//!
//! Several strategies implement the rule ([`Strategy`]); [`Engine::new`] picks
//! the fastest exact one for a keyword set, and [`StrategyKind`] lets tests and
//! benchmarks force one. Every strategy counts an independent text: callers
//! feed texts cut at line boundaries ([`stream::LineStitcher`]), and since no
//! keyword contains a newline, the counts of the pieces add up to the count of
//! the whole.
//!
//! ```
//! use logcount::{engine::Engine, keywords::Keywords};
//! let engine = Engine::new(&Keywords::parse_list("ERR,ERROR,aa").unwrap());
//! let mut counts = vec![0; 3];
//! engine.count(b"ERROR aaa\nERR\n", &mut counts);
//! assert_eq!(counts, [2, 1, 1]);
//! ```

pub mod aho;
pub mod memmem;
pub mod reference;
pub mod stream;

use crate::keywords::Keywords;
use std::fmt;
use std::sync::Arc;

/// One way to count a keyword set.
pub trait Strategy: Send + Sync + fmt::Debug {
    /// A short name for logs and benchmarks.
    fn name(&self) -> &'static str;
    /// Adds to `counts[k]` the occurrences of keyword `k` in `text`.
    fn count(&self, text: &[u8], counts: &mut [u64]);
}

/// The strategies that can be asked for by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum StrategyKind {
    /// Pick the fastest exact strategy for the keyword set.
    #[default]
    Auto,
    /// The naive oracle (slow; for tests).
    Reference,
    /// One `memchr::memmem` pass per keyword.
    Memmem,
    /// aho-corasick, leftmost-first (only for overlap-free keyword sets).
    AhoLeftmost,
    /// aho-corasick, overlapping (any keyword set).
    AhoOverlapping,
}

impl StrategyKind {
    /// Every strategy that can run for this keyword set (for exhaustive tests).
    pub fn all_for(keywords: &Keywords) -> Vec<StrategyKind> {
        let mut v = vec![
            StrategyKind::Reference,
            StrategyKind::Memmem,
            StrategyKind::AhoOverlapping,
        ];
        if aho::overlap_free(keywords) {
            v.push(StrategyKind::AhoLeftmost);
        }
        v
    }
}

/// A keyword count engine: a chosen strategy plus what streaming needs.
#[derive(Debug, Clone)]
pub struct Engine {
    keywords: Keywords,
    strategy: Arc<dyn Strategy>,
    /// For lines too long to hold in a buffer: counted in a streaming way.
    overlapping: Arc<aho::AhoOverlapping>,
}

/// Keyword sets up to this size count fastest with one memmem pass per keyword.
const MEMMEM_MAX_KEYWORDS: usize = 3;

#[derive(Debug, thiserror::Error)]
#[error("strategy {kind:?} cannot count this keyword set exactly (keywords overlap)")]
pub struct UnsupportedStrategy {
    pub kind: StrategyKind,
}

impl Engine {
    /// An engine with the fastest exact strategy for `keywords`.
    pub fn new(keywords: &Keywords) -> Self {
        Self::with_strategy(keywords, StrategyKind::Auto).expect("auto always succeeds")
    }

    /// An engine with the given strategy; an error when it would not be exact.
    pub fn with_strategy(
        keywords: &Keywords,
        kind: StrategyKind,
    ) -> Result<Self, UnsupportedStrategy> {
        let overlapping = Arc::new(aho::AhoOverlapping::new(keywords));
        let strategy: Arc<dyn Strategy> = match kind {
            StrategyKind::Auto => {
                if keywords.len() <= MEMMEM_MAX_KEYWORDS {
                    Arc::new(memmem::Memmem::new(keywords))
                } else if let Some(s) = aho::AhoLeftmost::new(keywords) {
                    Arc::new(s)
                } else {
                    overlapping.clone()
                }
            }
            StrategyKind::Reference => Arc::new(reference::Reference::new(keywords)),
            StrategyKind::Memmem => Arc::new(memmem::Memmem::new(keywords)),
            StrategyKind::AhoLeftmost => {
                Arc::new(aho::AhoLeftmost::new(keywords).ok_or(UnsupportedStrategy { kind })?)
            }
            StrategyKind::AhoOverlapping => overlapping.clone(),
        };
        Ok(Engine {
            keywords: keywords.clone(),
            strategy,
            overlapping,
        })
    }

    pub fn keywords(&self) -> &Keywords {
        &self.keywords
    }

    /// The name of the chosen strategy.
    pub fn strategy_name(&self) -> &'static str {
        self.strategy.name()
    }

    /// Adds the occurrences of each keyword in `text` to `counts`.
    pub fn count(&self, text: &[u8], counts: &mut [u64]) {
        debug_assert_eq!(counts.len(), self.keywords.len());
        self.strategy.count(text, counts);
    }

    pub(crate) fn overlapping(&self) -> &aho::AhoOverlapping {
        &self.overlapping
    }
}

/// Counts `\n` bytes (vectorized by the compiler).
pub fn count_newlines(text: &[u8]) -> u64 {
    text.iter().filter(|&&b| b == b'\n').count() as u64
}
