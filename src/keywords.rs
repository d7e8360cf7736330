//! Keyword sets: parsing and validation.
//!
//! A keyword is a literal, non-empty byte string without a newline (`\n` or
//! `\r`), valid UTF-8 (keywords are the keys of `result.json`). Counting works on lines, so a keyword that spanned lines could never
//! be found. Keywords keep the order the user gave: `result.json` lists them in
//! that order.
//!
//! ```
//! use logcount::keywords::Keywords;
//! let k = Keywords::parse_list("INFO,WARN,ERROR,DEBUG").unwrap();
//! assert_eq!(k.len(), 4);
//! assert_eq!(k.names(), vec!["INFO", "WARN", "ERROR", "DEBUG"]);
//! assert!(Keywords::parse_list("INFO,,WARN").is_err());
//! ```

use serde::{Deserialize, Serialize};

/// The keywords the reference workflow counts.
pub const DEFAULT_KEYWORDS: &str = "INFO,WARN,ERROR,DEBUG";

/// The most keywords one job may count. Far beyond any log-analytics use,
/// low enough that a runaway keywords file fails fast with a clear message.
pub const MAX_KEYWORDS: usize = 10_000;

/// The longest keyword accepted, in bytes.
pub const MAX_KEYWORD_LEN: usize = 4096;

/// Why a keyword set was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeywordError {
    /// The list has no keyword at all.
    #[error("no keywords given")]
    Empty,
    /// A keyword is the empty string (`"INFO,,WARN"`).
    #[error("keyword #{index} is empty")]
    EmptyKeyword {
        /// Its position in the list, from 1.
        index: usize,
    },
    /// A keyword contains `\n` or `\r`, so it could never match within a line.
    #[error("keyword #{index} ({shown}) contains a line break; keywords are matched within lines")]
    Newline {
        /// Its position in the list, from 1.
        index: usize,
        /// The keyword, escaped and cut to 60 characters.
        shown: String,
    },
    /// A keyword appears twice.
    #[error("keyword {shown} is given twice (#{first} and #{index})")]
    Duplicate {
        /// The position of the repeat, from 1.
        index: usize,
        /// The position of its first occurrence, from 1.
        first: usize,
        /// The keyword, escaped and cut to 60 characters.
        shown: String,
    },
    /// A keyword is over [`MAX_KEYWORD_LEN`] bytes.
    #[error("keyword #{index} is {len} bytes long; the limit is {MAX_KEYWORD_LEN}")]
    TooLong {
        /// Its position in the list, from 1.
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// A keyword is not valid UTF-8 (it could not be a key of `result.json`).
    #[error("keyword #{index} is not valid UTF-8; keywords are the keys of result.json")]
    NotUtf8 {
        /// Its position in the list, from 1.
        index: usize,
    },
    /// The list has more than [`MAX_KEYWORDS`] keywords.
    #[error("{count} keywords given; the limit is {MAX_KEYWORDS}")]
    TooMany {
        /// How many were given.
        count: usize,
    },
}

/// An ordered, validated set of distinct keywords.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Keywords {
    list: Vec<Vec<u8>>,
}

impl Keywords {
    /// Validates keywords given as byte strings, in order.
    pub fn new<I, K>(keywords: I) -> Result<Self, KeywordError>
    where
        I: IntoIterator<Item = K>,
        K: AsRef<[u8]>,
    {
        let list: Vec<Vec<u8>> = keywords.into_iter().map(|k| k.as_ref().to_vec()).collect();
        if list.is_empty() {
            return Err(KeywordError::Empty);
        }
        if list.len() > MAX_KEYWORDS {
            return Err(KeywordError::TooMany { count: list.len() });
        }
        let mut seen = std::collections::HashMap::with_capacity(list.len());
        for (i, k) in list.iter().enumerate() {
            let index = i + 1;
            if k.is_empty() {
                return Err(KeywordError::EmptyKeyword { index });
            }
            if k.len() > MAX_KEYWORD_LEN {
                return Err(KeywordError::TooLong {
                    index,
                    len: k.len(),
                });
            }
            if std::str::from_utf8(k).is_err() {
                return Err(KeywordError::NotUtf8 { index });
            }
            if k.iter().any(|&b| b == b'\n' || b == b'\r') {
                return Err(KeywordError::Newline {
                    index,
                    shown: show(k),
                });
            }
            if let Some(first) = seen.insert(k.as_slice(), index) {
                return Err(KeywordError::Duplicate {
                    index,
                    first,
                    shown: show(k),
                });
            }
        }
        Ok(Keywords { list })
    }

    /// Parses a comma-separated list, as given to `--keywords` / `KEYWORDS`.
    /// Surrounding spaces of each item are kept: they are part of the keyword.
    pub fn parse_list(list: &str) -> Result<Self, KeywordError> {
        Self::new(list.split(','))
    }

    /// Parses a keywords file: one keyword per line (LF or CRLF line ends),
    /// after a UTF-8 byte order mark if there is one. A final line break is
    /// optional; blank lines are an error, like an empty keyword in a list.
    pub fn parse_file(contents: &[u8]) -> Result<Self, KeywordError> {
        // A UTF-8 byte order mark (editors on Windows write one) is not part of the first keyword.
        let contents = contents.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(contents);
        let body = contents.strip_suffix(b"\n").unwrap_or(contents);
        if body.is_empty() {
            return Err(KeywordError::Empty);
        }
        Self::new(
            body.split(|&b| b == b'\n')
                .map(|line| line.strip_suffix(b"\r").unwrap_or(line)),
        )
    }

    /// The reference workflow's keywords: `INFO,WARN,ERROR,DEBUG`.
    pub fn default_set() -> Self {
        Self::parse_list(DEFAULT_KEYWORDS).expect("default keywords are valid")
    }

    /// The keywords as one comma-separated list, when [`Self::parse_list`]
    /// reads it back as the same set (no keyword holds a comma).
    ///
    /// ```
    /// use logcount::keywords::Keywords;
    /// assert_eq!(Keywords::default_set().to_list().as_deref(), Some("INFO,WARN,ERROR,DEBUG"));
    /// assert_eq!(Keywords::parse_file(b"a,b\nc\n").unwrap().to_list(), None);
    /// ```
    pub fn to_list(&self) -> Option<String> {
        let list = self.names().join(",");
        (Self::parse_list(&list).as_ref() == Ok(self)).then_some(list)
    }

    /// The keywords as byte strings, in order.
    pub fn as_bytes(&self) -> &[Vec<u8>] {
        &self.list
    }

    /// The keywords as (lossily decoded) strings, in order: the keys of `result.json`.
    pub fn names(&self) -> Vec<String> {
        self.list
            .iter()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect()
    }

    /// The number of keywords, at least 1.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Always false: a validated set has at least one keyword.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The length of the longest keyword.
    pub fn max_len(&self) -> usize {
        self.list.iter().map(Vec::len).max().unwrap_or(0)
    }
}

impl TryFrom<Vec<String>> for Keywords {
    type Error = KeywordError;
    fn try_from(v: Vec<String>) -> Result<Self, Self::Error> {
        Keywords::new(v)
    }
}

impl From<Keywords> for Vec<String> {
    fn from(k: Keywords) -> Self {
        k.names()
    }
}

/// A short, printable rendering of a keyword for error messages.
fn show(k: &[u8]) -> String {
    let s = String::from_utf8_lossy(k);
    let mut out: String = s.escape_debug().take(60).collect();
    if out.len() < s.escape_debug().count() {
        out.push('…');
    }
    format!("\"{out}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! t {
        ($name:ident, $input:expr, ok $expected:expr) => {
            #[test]
            fn $name() {
                let k = Keywords::parse_list($input).unwrap();
                assert_eq!(k.names(), $expected);
            }
        };
        ($name:ident, $input:expr, err $pat:pat) => {
            #[test]
            fn $name() {
                let e = Keywords::parse_list($input).unwrap_err();
                assert!(matches!(e, $pat), "{e:?}");
            }
        };
    }

    t!(default_list, DEFAULT_KEYWORDS, ok ["INFO", "WARN", "ERROR", "DEBUG"]);
    t!(one, "ERROR", ok["ERROR"]);
    t!(spaces_kept, " a ,b", ok [" a ", "b"]);
    t!(overlapping_ok, "ERR,ERROR,aa", ok ["ERR", "ERROR", "aa"]);
    t!(empty_string, "", err KeywordError::EmptyKeyword { index: 1 });
    t!(empty_item, "INFO,,WARN", err KeywordError::EmptyKeyword { index: 2 });
    t!(trailing_comma, "INFO,", err KeywordError::EmptyKeyword { index: 2 });
    t!(newline, "IN\nFO", err KeywordError::Newline { index: 1, .. });
    t!(carriage_return, "a,b\r", err KeywordError::Newline { index: 2, .. });
    t!(duplicate, "INFO,WARN,INFO", err KeywordError::Duplicate { index: 3, first: 1, .. });

    #[test]
    fn file_forms() {
        let k = Keywords::parse_file(b"INFO\r\nWARN\nERROR,x\n").unwrap();
        assert_eq!(k.names(), ["INFO", "WARN", "ERROR,x"]);
        assert_eq!(Keywords::parse_file(b""), Err(KeywordError::Empty));
        // A leading byte order mark is dropped, once; one inside a keyword is kept.
        let bom = Keywords::parse_file(b"\xEF\xBB\xBFERROR\nWARN\n").unwrap();
        assert_eq!(bom.names(), ["ERROR", "WARN"]);
        let inner = Keywords::parse_file(b"\xEF\xBB\xBF\xEF\xBB\xBFERROR\n").unwrap();
        assert_eq!(inner.names(), ["\u{feff}ERROR"]);
        assert_eq!(
            Keywords::parse_file(b"\xEF\xBB\xBF"),
            Err(KeywordError::Empty)
        );
        assert_eq!(Keywords::parse_file(b"\n"), Err(KeywordError::Empty));
        assert!(matches!(
            Keywords::parse_file(b"a\n\nb\n"),
            Err(KeywordError::EmptyKeyword { index: 2 })
        ));
    }

    #[test]
    fn too_many_is_refused() {
        let body: String = (0..100_000).map(|i| format!("k{i}\n")).collect();
        assert_eq!(
            Keywords::parse_file(body.as_bytes()),
            Err(KeywordError::TooMany { count: 100_000 })
        );
    }

    #[test]
    fn serde_round_trip_validates() {
        let k = Keywords::parse_list("a,b").unwrap();
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(json, r#"["a","b"]"#);
        assert_eq!(serde_json::from_str::<Keywords>(&json).unwrap(), k);
        assert!(serde_json::from_str::<Keywords>(r#"["a","a"]"#).is_err());
    }
}
