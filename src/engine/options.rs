//! Match options: `--ignore-case` and `--whole-word`, shared by every strategy.
//!
//! * **ignore-case** folds ASCII letters only: `A`-`Z` match `a`-`z`. Every
//!   other byte, including every byte `>= 0x80`, must match exactly, so `É`
//!   and `é` (or `Ä` and `ä`) are different. The counting rule is unchanged:
//!   per keyword, non-overlapping occurrences left to right (Python's
//!   `bytes.lower().count(keyword.lower())`).
//! * **whole-word**: the word bytes are ASCII `[A-Za-z0-9_]`; every other byte
//!   (punctuation, space, `\r`, `\n`, every byte `>= 0x80`) and the start and
//!   end of the text are non-word neighbours. An occurrence counts only when
//!   the byte before it and the byte after it are not word bytes (whatever
//!   the keyword's own first and last bytes are: `-x-` in `a-x-b` does not
//!   count). Per keyword, the qualifying occurrences are counted
//!   non-overlapping, left to right; an occurrence that fails the test does
//!   not hide a later one that overlaps it. This is Python's
//!   `len(re.findall(rb'(?<![A-Za-z0-9_])' + re.escape(k) + rb'(?![A-Za-z0-9_])', text))`.
//!
//! Both options combine. Since no keyword holds a newline, a line's counts do
//! not depend on the lines around it, so texts cut at line boundaries still
//! add up.
//!
//! ```
//! use logcount::engine::{Engine, MatchOptions, StrategyKind};
//! use logcount::keywords::Keywords;
//! let k = Keywords::parse_list("error,é").unwrap();
//! let opts = MatchOptions { ignore_case: true, whole_word: true };
//! let engine = Engine::with_options(&k, opts, StrategyKind::Auto).unwrap();
//! let mut counts = vec![0; 2];
//! engine.count("ERROR errors Error_ (error) É é\n".as_bytes(), &mut counts);
//! assert_eq!(counts, [2, 1]);
//! ```

use serde::{Deserialize, Serialize};

/// How keywords match the text (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchOptions {
    /// ASCII case-insensitive matching.
    #[serde(default)]
    pub ignore_case: bool,
    /// Count only occurrences between non-word bytes.
    #[serde(default)]
    pub whole_word: bool,
}

impl MatchOptions {
    /// Every combination of the options (for exhaustive tests).
    pub const ALL: [MatchOptions; 4] = [
        MatchOptions::EXACT,
        MatchOptions {
            ignore_case: true,
            whole_word: false,
        },
        MatchOptions {
            ignore_case: false,
            whole_word: true,
        },
        MatchOptions {
            ignore_case: true,
            whole_word: true,
        },
    ];

    /// The reference's matching: case-sensitive substrings.
    pub const EXACT: MatchOptions = MatchOptions {
        ignore_case: false,
        whole_word: false,
    };

    /// Whether these are the plain options (no folding, no boundaries).
    pub fn is_exact(self) -> bool {
        self == Self::EXACT
    }

    /// The keyword as strategies search it: lowercased when ignoring case.
    pub fn fold_keyword(self, k: &[u8]) -> Vec<u8> {
        if self.ignore_case {
            k.to_ascii_lowercase()
        } else {
            k.to_vec()
        }
    }
}

/// Whether `b` is a word byte: ASCII `[A-Za-z0-9_]`.
///
/// ```
/// use logcount::engine::options::is_word_byte;
/// assert!(is_word_byte(b'a') && is_word_byte(b'Z') && is_word_byte(b'7') && is_word_byte(b'_'));
/// assert!(!is_word_byte(b'-') && !is_word_byte(b'\n') && !is_word_byte(0xC3));
/// ```
#[inline]
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether the occurrence `text[start..end]` has non-word neighbours (the
/// start and end of `text` count as non-word).
#[inline]
pub fn at_word_boundaries(text: &[u8], start: usize, end: usize) -> bool {
    (start == 0 || !is_word_byte(text[start - 1]))
        && (end >= text.len() || !is_word_byte(text[end]))
}

/// Writes `src` lowercased (ASCII letters only) into `dst` (same length).
#[inline]
pub(crate) fn fold_into(dst: &mut [u8], src: &[u8]) {
    debug_assert_eq!(dst.len(), src.len());
    // A plain loop the compiler vectorizes.
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = s | (((s.wrapping_sub(b'A') < 26) as u8) << 5);
    }
}
