//! The job spec: what a job counts, validated once, and the environment
//! contract ([`env`](mod@env)) that carries it to the steps.
//!
//! A [`Counting`] is chosen at split, recorded in the manifest (whose
//! `keywords`, `mode`, `ignore_case`, `whole_word` and `by` fields are its
//! serde form) and applied by every count and by merge. Every invalid
//! combination is refused by [`Counting::new`], the one constructor from
//! loose settings (command line, environment); the variants themselves
//! cannot express one.
//!
//! ```
//! use logcount::engine::MatchOptions;
//! use logcount::keywords::Keywords;
//! use logcount::spec::Counting;
//! use logcount::spec::Mode;
//! let plain = Counting::new(Mode::Keywords, None, MatchOptions::default(), None).unwrap();
//! assert_eq!(plain.keywords(), Some(&Keywords::default_set()));
//! let words = Counting::new(Mode::Words, None, MatchOptions::default(), None).unwrap();
//! assert_eq!(words, Counting::words());
//! let k = Keywords::parse_list("ERROR").unwrap();
//! assert!(Counting::new(Mode::Words, Some(k), MatchOptions::default(), None).is_err());
//! ```

pub mod dataset;
pub mod env;
mod time;

use crate::engine::MatchOptions;
use crate::error::{Error, Result};
use crate::keywords::Keywords;
use crate::normalize::Normalizer;
use serde::{Deserialize, Serialize};

/// What a job counts: the keywords (the reference's job) or every word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Occurrences of each keyword.
    #[default]
    Keywords,
    /// Occurrences of every whitespace-separated word, ASCII-lowercased.
    Words,
}

crate::named::named!(Mode {
    Keywords = "keywords": "Occurrences of each keyword";
    Words = "words": "Occurrences of every whitespace-separated word, ASCII-lowercased";
});

impl Mode {
    /// For `skip_serializing_if`: a keyword job's manifest does not mention its mode.
    pub fn is_keywords(&self) -> bool {
        *self == Mode::Keywords
    }
}

pub use time::{TimeOptions, TimeUnit};

/// What a job counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CountingFields", into = "CountingFields")]
pub enum Counting {
    /// Occurrences of each keyword (the reference's job).
    Keywords {
        /// The keywords, in the order `result.json` lists them.
        keywords: Keywords,
        /// How they match the text.
        matching: MatchOptions,
        /// Also count per time bucket of each line's timestamp.
        by: Option<TimeUnit>,
        /// How timestamps are read (with `by`).
        time: TimeOptions,
    },
    /// Occurrences of every whitespace-separated word, ASCII-lowercased.
    Words {
        /// The variable runs replaced by placeholders in each word before
        /// it is counted (`--normalize`; none by default).
        normalize: Normalizer,
    },
}

impl Default for Counting {
    /// The reference's job: the default keywords, matched exactly.
    fn default() -> Self {
        Counting::for_keywords(Keywords::default_set(), MatchOptions::default(), None)
    }
}

impl Counting {
    /// A keyword job.
    pub fn for_keywords(keywords: Keywords, matching: MatchOptions, by: Option<TimeUnit>) -> Self {
        Counting::Keywords {
            keywords,
            matching,
            by,
            time: TimeOptions::default(),
        }
    }

    /// A words job, words counted as they are.
    pub fn words() -> Self {
        Counting::Words {
            normalize: Normalizer::default(),
        }
    }

    /// The same job with its words normalized by `normalize`
    /// ([`crate::normalize`]). Refuses (exit code 2) a non-empty one for a
    /// keyword job.
    pub fn with_normalize(self, normalize: Normalizer) -> Result<Self> {
        match self {
            _ if normalize.is_empty() => Ok(self),
            Counting::Words { .. } => Ok(Counting::Words { normalize }),
            Counting::Keywords { .. } => Err(Error::invalid(
                "--normalize",
                "it rewrites the words of --mode words, so it needs --mode words",
            )),
        }
    }

    /// How a words job normalizes its words (empty for a keyword job).
    pub fn normalize(&self) -> Normalizer {
        match self {
            Counting::Words { normalize } => *normalize,
            Counting::Keywords { .. } => Normalizer::default(),
        }
    }

    /// The same job reading timestamps as `time` says. Refuses (exit code
    /// 2) any time option without `--by`; the options' values are checked
    /// where they are used ([`crate::timeline::rule::TimeSettings::parse`]).
    pub fn with_time(self, time: TimeOptions) -> Result<Self> {
        if time.is_default() {
            return Ok(self);
        }
        match self {
            Counting::Keywords {
                keywords,
                matching,
                by: by @ Some(_),
                ..
            } => Ok(Counting::Keywords {
                keywords,
                matching,
                by,
                time,
            }),
            _ => Err(Error::invalid(
                "--time-format / --time-field / --year / --timezone",
                "they say how --by reads timestamps, so they need --by",
            )),
        }
    }

    /// How a `--by` job reads timestamps.
    pub fn time(&self) -> TimeOptions {
        match self {
            Counting::Keywords { time, .. } => time.clone(),
            Counting::Words { .. } => TimeOptions::default(),
        }
    }

    /// The spec from loose settings, as a command line or environment gives
    /// them (`keywords: None` for "not given": the default set). Refuses,
    /// with exit-code-2 errors, the settings that mean nothing in words mode.
    pub fn new(
        mode: Mode,
        keywords: Option<Keywords>,
        matching: MatchOptions,
        by: Option<TimeUnit>,
    ) -> Result<Self> {
        match mode {
            Mode::Keywords => Ok(Counting::for_keywords(
                keywords.unwrap_or_else(Keywords::default_set),
                matching,
                by,
            )),
            Mode::Words => {
                // The default set is what a workflow's `keywords` parameter
                // holds when nobody chose keywords: not a choice.
                if keywords.is_some_and(|k| k != Keywords::default_set()) {
                    return Err(Error::invalid(
                        "options",
                        "--mode words counts every word, so --keywords / --keywords-file \
                         (KEYWORDS / KEYWORDS_FILE) cannot be given with it",
                    ));
                }
                if by.is_some() {
                    return Err(Error::invalid(
                        "--by",
                        "it counts keywords per time bucket, so it cannot go with --mode words",
                    ));
                }
                if matching != MatchOptions::default() {
                    return Err(Error::invalid(
                        "--ignore-case / --whole-word",
                        "they are keyword match options; --mode words already lowercases ASCII \
                         and splits on whitespace, so they cannot go with it",
                    ));
                }
                Ok(Counting::words())
            }
        }
    }

    /// Keywords or words.
    pub fn mode(&self) -> Mode {
        match self {
            Counting::Keywords { .. } => Mode::Keywords,
            Counting::Words { .. } => Mode::Words,
        }
    }

    /// The keywords of a keyword job.
    pub fn keywords(&self) -> Option<&Keywords> {
        match self {
            Counting::Keywords { keywords, .. } => Some(keywords),
            Counting::Words { .. } => None,
        }
    }

    /// How keywords match (exact for a words job).
    pub fn matching(&self) -> MatchOptions {
        match self {
            Counting::Keywords { matching, .. } => *matching,
            Counting::Words { .. } => MatchOptions::default(),
        }
    }

    /// The time bucket of a `--by` job.
    pub fn by(&self) -> Option<TimeUnit> {
        match self {
            Counting::Keywords { by, .. } => *by,
            Counting::Words { .. } => None,
        }
    }
}

/// A [`Counting`] as the manifest spells it: flat fields, the options absent
/// when off so that a plain job's manifest is the reference's.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountingFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    keywords: Option<Keywords>,
    #[serde(default, skip_serializing_if = "Mode::is_keywords")]
    mode: Mode,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    ignore_case: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    whole_word: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    by: Option<TimeUnit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Normalizer::is_empty")]
    normalize: Normalizer,
}

impl TryFrom<CountingFields> for Counting {
    type Error = String;
    fn try_from(f: CountingFields) -> Result<Self, String> {
        let matching = MatchOptions {
            ignore_case: f.ignore_case,
            whole_word: f.whole_word,
        };
        let time = TimeOptions {
            format: f.time_format,
            field: f.time_field,
            year: f.year,
            timezone: f.timezone,
        };
        match f.mode {
            Mode::Keywords => Counting::for_keywords(
                f.keywords.ok_or("missing field `keywords`")?,
                matching,
                f.by,
            )
            .with_time(time)
            .and_then(|c| c.with_normalize(f.normalize))
            .map_err(|e| e.to_string()),
            // Keywords recorded by a words job are ignored, as they always were.
            Mode::Words => Counting::new(Mode::Words, None, matching, f.by)
                .and_then(|c| c.with_time(time))
                .map_err(|e| format!("a words job with {e}"))?
                .with_normalize(f.normalize)
                .map_err(|e| e.to_string()),
        }
    }
}

impl From<Counting> for CountingFields {
    fn from(c: Counting) -> Self {
        let matching = c.matching();
        let time = c.time();
        CountingFields {
            normalize: c.normalize(),
            time_format: time.format,
            time_field: time.field,
            year: time.year,
            timezone: time.timezone,
            mode: c.mode(),
            by: c.by(),
            ignore_case: matching.ignore_case,
            whole_word: matching.whole_word,
            keywords: match c {
                Counting::Keywords { keywords, .. } => Some(keywords),
                Counting::Words { .. } => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_combinations_are_refused_once() {
        let k = || Some(Keywords::parse_list("ERROR").unwrap());
        let ic = MatchOptions {
            ignore_case: true,
            whole_word: false,
        };
        let exact = MatchOptions::default();
        // (mode, keywords, matching, by, refused because of)
        let cases = [
            (Mode::Keywords, k(), ic, Some(TimeUnit::Day), None),
            (Mode::Words, None, exact, None, None),
            (
                Mode::Words,
                Some(Keywords::default_set()),
                exact,
                None,
                None,
            ),
            (Mode::Words, k(), exact, None, Some("--keywords")),
            (Mode::Words, None, exact, Some(TimeUnit::Hour), Some("--by")),
            (Mode::Words, None, ic, None, Some("--ignore-case")),
        ];
        for (mode, keywords, matching, by, refused) in cases {
            let got = Counting::new(mode, keywords, matching, by);
            match refused {
                None => assert_eq!(got.unwrap().mode(), mode),
                Some(what) => {
                    let e = got.unwrap_err();
                    assert!(e.to_string().contains(what), "{e}");
                    assert!(!e.is_transient());
                }
            }
        }
    }

    #[test]
    fn normalize_goes_with_words_only() {
        let digits = Normalizer::parse("digits").unwrap();
        let words = Counting::words().with_normalize(digits).unwrap();
        assert_eq!(words.normalize(), digits);
        assert_eq!(words.mode(), Mode::Words);
        // None at all is no option, in either mode.
        assert_eq!(
            Counting::default()
                .with_normalize(Normalizer::default())
                .unwrap(),
            Counting::default()
        );
        let e = Counting::default().with_normalize(digits).unwrap_err();
        assert!(e.to_string().contains("--normalize"), "{e}");
        assert!(e.to_string().contains("--mode words"), "{e}");
        assert!(!e.is_transient());
    }

    #[test]
    fn manifest_form_round_trips_and_omits_what_is_off() {
        let plain = Counting::default();
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"keywords":["INFO","WARN","ERROR","DEBUG"]}"#
        );
        assert_eq!(
            serde_json::to_string(&Counting::words()).unwrap(),
            r#"{"mode":"words"}"#
        );
        let normalized = Counting::words()
            .with_normalize(Normalizer::parse("ip,digits").unwrap())
            .unwrap();
        assert_eq!(
            serde_json::to_string(&normalized).unwrap(),
            r#"{"mode":"words","normalize":["ip","digits"]}"#
        );
        let all = Counting::for_keywords(
            Keywords::parse_list("a,b").unwrap(),
            MatchOptions {
                ignore_case: true,
                whole_word: true,
            },
            Some(TimeUnit::Minute),
        );
        let text = serde_json::to_string(&all).unwrap();
        assert_eq!(
            text,
            r#"{"keywords":["a","b"],"ignore_case":true,"whole_word":true,"by":"minute"}"#
        );
        for c in [plain, Counting::words(), normalized, all] {
            let back: Counting = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
            assert_eq!(back, c);
        }
        // A words job recorded with keywords (as older builds wrote it) reads back.
        let old: Counting =
            serde_json::from_str(r#"{"keywords":["INFO"],"mode":"words"}"#).unwrap();
        assert_eq!(old, Counting::words());
        for bad in [
            r#"{}"#,
            r#"{"mode":"words","by":"hour"}"#,
            r#"{"keywords":["a"],"mode":"lines"}"#,
            r#"{"keywords":["a"],"normalize":["ip"]}"#,
            r#"{"mode":"words","normalize":["words"]}"#,
            r#"{"mode":"words","time_format":"iso"}"#,
        ] {
            assert!(serde_json::from_str::<Counting>(bad).is_err(), "{bad}");
        }
    }
}
