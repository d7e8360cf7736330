//! The count engine: counts every keyword of a set in bytes, exactly.
//!
//! The counting rule is the reference's: for each keyword independently, the
//! number of non-overlapping occurrences found left to right in the raw bytes
//! (Python's `bytes.count`). Bytes need not be UTF-8.
//!
//! Several strategies implement the rule ([`Strategy`]); [`Engine::new`] picks
//! the fastest exact one for a keyword set, and [`StrategyKind`] lets tests and
//! benchmarks force one. Every strategy counts an independent text: callers
//! feed texts cut at line boundaries, and since no keyword contains a newline,
//! the counts of the pieces add up to the count of the whole. A text too long
//! to hold is counted as it streams by ([`Engine::piece_counter`]).
//!
//! [`MatchOptions`] (`--ignore-case`, `--whole-word`; see [`options`]) change
//! what matches; every strategy supports them ([`Engine::with_options`]).
//!
//! This module only counts bytes: keywords, newlines ([`count_newlines`]).
//! What a job gathers from lines (keyword totals, words, time buckets), and
//! turning blocks into line-aligned texts, is [`crate::aggregate`]'s, which
//! builds on the engine; the engine depends on nothing above it (only
//! [`crate::keywords`]).
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
pub mod options;
pub mod pieces;
pub mod reference;
pub mod simd;

use crate::keywords::Keywords;
pub use options::MatchOptions;
pub use pieces::PieceCounter;
use std::fmt;
use std::sync::Arc;

/// One way to count a keyword set.
pub trait Strategy: Send + Sync + fmt::Debug {
    /// A short name for logs and benchmarks.
    fn name(&self) -> &'static str;
    /// Adds to `counts[k]` the occurrences of keyword `k` in `text`.
    fn count(&self, text: &[u8], counts: &mut [u64]);
    /// As [`count`](Self::count), and returns the number of `\n` bytes in
    /// `text`: the count step needs both, and a strategy may find them in
    /// one pass.
    fn count_lines(&self, text: &[u8], counts: &mut [u64]) -> u64 {
        self.count(text, counts);
        count_newlines(text)
    }
}

/// The strategies that can be asked for by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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
    /// Branch-free SIMD kernels, widest instruction set of this CPU (any keyword set).
    Simd,
    /// The SIMD kernels forced to AVX-512BW with VBMI, GFNI and BITALG: the
    /// table kernel (x86-64 CPUs that have them).
    SimdAvx512Vbmi,
    /// The SIMD kernels forced to AVX-512BW without the table kernel (x86-64 CPUs that have it).
    SimdAvx512,
    /// The SIMD kernels forced to AVX2 (x86-64 CPUs that have it).
    SimdAvx2,
    /// The SIMD kernels forced to the portable u64 path.
    SimdPortable,
}

crate::named::named!(StrategyKind {
    Auto = "auto": "Pick the fastest exact strategy for the keyword set";
    Reference = "reference": "The naive oracle (slow; for tests)";
    Memmem = "memmem": "One memchr::memmem pass per keyword";
    AhoLeftmost = "aho-leftmost": "aho-corasick, leftmost-first (only for overlap-free keyword sets)";
    AhoOverlapping = "aho-overlapping": "aho-corasick, overlapping (any keyword set)";
    Simd = "simd": "Branch-free SIMD kernels, widest instruction set of this CPU (any keyword set)";
    SimdAvx512Vbmi = "simd-avx512vbmi": "The SIMD kernels forced to AVX-512 VBMI + GFNI (table kernel)", hidden = true;
    SimdAvx512 = "simd-avx512": "The SIMD kernels forced to AVX-512BW", hidden = true;
    SimdAvx2 = "simd-avx2": "The SIMD kernels forced to AVX2", hidden = true;
    SimdPortable = "simd-portable": "The SIMD kernels forced to the portable u64 path", hidden = true;
});

impl StrategyKind {
    /// Every strategy that can run for this keyword set (for exhaustive tests).
    pub fn all_for(keywords: &Keywords) -> Vec<StrategyKind> {
        Self::all_with(keywords, MatchOptions::default())
    }

    /// Every strategy that can run for this keyword set under `options`.
    pub fn all_with(keywords: &Keywords, options: MatchOptions) -> Vec<StrategyKind> {
        let mut v = vec![
            StrategyKind::Reference,
            StrategyKind::Memmem,
            StrategyKind::AhoOverlapping,
        ];
        if aho::overlap_free_with(keywords, options) {
            v.push(StrategyKind::AhoLeftmost);
        }
        v.push(StrategyKind::Simd);
        for (kind, isa) in StrategyKind::SIMD_ISAS {
            if isa.available() {
                v.push(kind);
            }
        }
        v
    }

    /// The instruction-set-specific SIMD kinds.
    const SIMD_ISAS: [(StrategyKind, simd::Isa); 4] = [
        (StrategyKind::SimdAvx512Vbmi, simd::Isa::Avx512Vbmi),
        (StrategyKind::SimdAvx512, simd::Isa::Avx512),
        (StrategyKind::SimdAvx2, simd::Isa::Avx2),
        (StrategyKind::SimdPortable, simd::Isa::Portable),
    ];
}

/// A keyword count engine: a chosen strategy plus what streaming needs.
#[derive(Debug, Clone)]
pub struct Engine {
    keywords: Keywords,
    options: MatchOptions,
    strategy: Arc<dyn Strategy>,
    /// For texts too long to hold in a buffer: counted as they stream by
    /// ([`Engine::piece_counter`]).
    overlapping: Arc<aho::AhoOverlapping>,
}

/// Keyword sets up to this size count fastest with one memmem pass per keyword
/// (when the SIMD kernels do not take them).
const MEMMEM_MAX_KEYWORDS: usize = 3;
/// The SIMD kernels win up to this many kernel keywords: each group of up to
/// four costs a pass of vector compares, aho-corasick one pass whatever the
/// set size. Measured (benches/engine.rs, 4 MiB log, AVX-512, group kernels):
/// 16 keywords SIMD 2.1 GiB/s vs memmem 0.66 and aho-corasick overlapping
/// 0.38; 200 keywords SIMD 180-230 MiB/s vs aho-corasick leftmost 215-235,
/// overlapping 245-250. SIMD cost grows linearly, so the crossover is near
/// 200; stay well below it. Narrower kernels cross over sooner (16 keywords:
/// AVX2 1.1 GiB/s, portable 0.34 GiB/s; 200: 90 and 22 MiB/s).
fn simd_max_keywords(isa: simd::Isa) -> usize {
    match isa {
        simd::Isa::Avx512Vbmi | simd::Isa::Avx512 => 64,
        simd::Isa::Avx2 => 32,
        simd::Isa::Portable => 8,
    }
}
/// Keywords counted by table passes (AVX-512 VBMI) win up to this many: each
/// pass of up to seven costs about what one group pass of four does.
/// Measured (benches/engine.rs, 4 MiB log): 200 keywords 730-745 MiB/s
/// against aho-corasick's 310-340, 16 keywords 4.2-4.5 GiB/s against 2.6
/// for the group kernels. The cost grows by a pass per seven keywords, so
/// the crossover is near 400; stay well below it.
const TABLE_MAX_KEYWORDS: usize = 252;
/// ... and up to this many keywords left to memmem (borders, or too long).
const SIMD_MAX_FALLBACK: usize = 2;

/// A strategy asked for by name cannot count this keyword set exactly on this CPU.
#[derive(Debug, thiserror::Error)]
#[error("strategy {kind:?} cannot count this keyword set exactly here ({reason})")]
pub struct UnsupportedStrategy {
    /// The strategy asked for.
    pub kind: StrategyKind,
    /// Why: keywords overlap, or the CPU lacks the instruction set.
    pub reason: &'static str,
}

/// The auto pick: SIMD kernels for small sets of short keywords,
/// aho-corasick for large overlap-free sets, memmem for a few others.
fn auto_strategy(
    keywords: &Keywords,
    options: MatchOptions,
    overlapping: &Arc<aho::AhoOverlapping>,
) -> Arc<dyn Strategy> {
    let s = simd::Simd::with_options(keywords, simd::Isa::detect(), options);
    let tabled = s.table_keywords();
    if s.kernel_keywords() > 0
        && s.kernel_keywords() - tabled <= simd_max_keywords(s.isa())
        && tabled <= TABLE_MAX_KEYWORDS
        && s.fallback_keywords() <= SIMD_MAX_FALLBACK
    {
        Arc::new(s)
    } else if keywords.len() <= MEMMEM_MAX_KEYWORDS {
        Arc::new(memmem::Memmem::with_options(keywords, options))
    } else if let Some(a) = aho::AhoLeftmost::with_options(keywords, options) {
        Arc::new(a)
    } else {
        overlapping.clone()
    }
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
        Self::with_options(keywords, MatchOptions::default(), kind)
    }

    /// An engine counting under `options` with the given strategy; an error
    /// when it would not be exact (as for [`with_strategy`](Self::with_strategy)).
    ///
    /// ```
    /// use logcount::engine::{Engine, MatchOptions, StrategyKind};
    /// use logcount::keywords::Keywords;
    /// let k = Keywords::parse_list("warn").unwrap();
    /// let opts = MatchOptions { ignore_case: true, whole_word: false };
    /// for kind in StrategyKind::all_with(&k, opts) {
    ///     let engine = Engine::with_options(&k, opts, kind).unwrap();
    ///     let mut counts = vec![0];
    ///     engine.count(b"WARN Warning wArN", &mut counts);
    ///     assert_eq!(counts, [3], "{kind:?}");
    /// }
    /// ```
    pub fn with_options(
        keywords: &Keywords,
        options: MatchOptions,
        kind: StrategyKind,
    ) -> Result<Self, UnsupportedStrategy> {
        let overlapping = Arc::new(aho::AhoOverlapping::with_options(keywords, options));
        let strategy: Arc<dyn Strategy> = match kind {
            StrategyKind::Auto => auto_strategy(keywords, options, &overlapping),
            StrategyKind::Reference => {
                Arc::new(reference::Reference::with_options(keywords, options))
            }
            StrategyKind::Memmem => Arc::new(memmem::Memmem::with_options(keywords, options)),
            StrategyKind::AhoLeftmost => Arc::new(
                aho::AhoLeftmost::with_options(keywords, options).ok_or(UnsupportedStrategy {
                    kind,
                    reason: "keywords overlap",
                })?,
            ),
            StrategyKind::AhoOverlapping => overlapping.clone(),
            StrategyKind::Simd => Arc::new(simd::Simd::with_options(
                keywords,
                simd::Isa::detect(),
                options,
            )),
            StrategyKind::SimdAvx512Vbmi
            | StrategyKind::SimdAvx512
            | StrategyKind::SimdAvx2
            | StrategyKind::SimdPortable => {
                let (_, isa) = StrategyKind::SIMD_ISAS
                    .into_iter()
                    .find(|(k, _)| *k == kind)
                    .expect("listed");
                if !isa.available() {
                    return Err(UnsupportedStrategy {
                        kind,
                        reason: "this CPU lacks the instruction set",
                    });
                }
                Arc::new(simd::Simd::with_options(keywords, isa, options))
            }
        };
        Ok(Engine {
            keywords: keywords.clone(),
            options,
            strategy,
            overlapping,
        })
    }

    /// The keywords the engine counts, in the job's order.
    pub fn keywords(&self) -> &Keywords {
        &self.keywords
    }

    /// The match options the engine counts under.
    pub fn options(&self) -> MatchOptions {
        self.options
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

    /// Adds the occurrences of each keyword in `text` to `counts`, and
    /// returns the number of newlines in `text`.
    ///
    /// ```
    /// use logcount::{engine::Engine, keywords::Keywords};
    /// let engine = Engine::new(&Keywords::parse_list("ERROR,WARN").unwrap());
    /// let mut counts = vec![0; 2];
    /// let lines = engine.count_lines(b"ERROR a\nWARN b\nERROR", &mut counts);
    /// assert_eq!((counts, lines), (vec![2, 1], 2));
    /// ```
    pub fn count_lines(&self, text: &[u8], counts: &mut [u64]) -> u64 {
        debug_assert_eq!(counts.len(), self.keywords.len());
        self.strategy.count_lines(text, counts)
    }

    /// A counter of one text fed in pieces (a line too long to hold), in
    /// memory bounded by the longest keyword; see [`pieces`].
    pub fn piece_counter(&self) -> PieceCounter {
        PieceCounter::new(
            self.overlapping.clone(),
            self.options.whole_word,
            self.keywords.len(),
        )
    }
}

/// Counts `\n` bytes (with the widest SIMD kernel of this CPU).
pub fn count_newlines(text: &[u8]) -> u64 {
    simd::count_byte(text, b'\n')
}

#[cfg(test)]
mod strategy_tests;
