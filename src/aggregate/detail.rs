//! The counting modes: what a tally holds besides the keyword totals, and how
//! lines add to it. Every per-mode branch of the aggregation layer is here;
//! [`super::Counter`], [`super::Tally`] and the stitcher only call into it.

use crate::engine::{count_newlines, Engine, PieceCounter};
use crate::normalize::Normalizer;
use crate::timeline::{self, TimeParser, TimeUnit, Timeline};
use crate::words::{WordCounts, WordSpill, WordStream};
use std::sync::Arc;

/// Where a words job's tallies spill when they grow past a budget (the map
/// step's sorted runs). Any two compare equal: a tally is its counts.
#[derive(Clone)]
pub struct SpillHook(pub Arc<dyn WordSpill>);

impl std::fmt::Debug for SpillHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpillHook(budget {})", self.0.budget())
    }
}

impl PartialEq for SpillHook {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for SpillHook {}

/// How a words job's tallies gather words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WordOptions {
    /// Where a tally that grows past the spill's budget as tallies are added
    /// to it hands its words (none: it grows).
    pub spill: Option<SpillHook>,
    /// How each word is normalized before it is counted (`--normalize`).
    pub normalize: Normalizer,
}

/// The counting mode's part of a tally: one variant per mode.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Detail {
    /// Keyword totals only (the reference's job): nothing more.
    #[default]
    None,
    /// `--mode words`: every word's count ([`crate::words`]); the tally's
    /// keyword counts stay 0.
    Words(WordCounts, WordOptions),
    /// `--by`: keyword totals plus lines and counts per time bucket of each
    /// line's leading timestamp ([`crate::timeline`]).
    Timeline {
        /// How lines find their bucket (the object's format; the bucket width).
        parser: Arc<TimeParser>,
        /// The tallies per bucket, untimed lines included.
        timeline: Timeline,
    },
}

/// A line too long to hold, streamed by in pieces: what its mode needs of it
/// besides its first bytes ([`super::LONG_LINE_HEAD`]).
#[derive(Debug)]
pub(super) enum LineStream {
    /// Its keyword counts.
    Keywords(PieceCounter),
    /// Its words; a word cut at a piece's end is kept whole, however long.
    Words(WordStream),
}

/// One for a final line without a newline.
fn unterminated(text: &[u8]) -> u64 {
    u64::from(text.last().is_some_and(|&b| b != b'\n'))
}

fn add_counts(totals: &mut [u64], counts: &[u64]) {
    for (a, b) in totals.iter_mut().zip(counts) {
        *a += b;
    }
}

impl Detail {
    /// The detail of a `--by unit` job over ISO-8601 lines in UTC.
    pub fn by_time(unit: TimeUnit) -> Self {
        Self::timeline(TimeParser::iso(unit))
    }

    /// The detail of a `--by` job whose lines `parser` reads.
    pub fn timeline(parser: TimeParser) -> Self {
        Detail::Timeline {
            parser: Arc::new(parser),
            timeline: Timeline::default(),
        }
    }

    /// The detail of a words job.
    pub fn words() -> Self {
        Detail::Words(WordCounts::default(), WordOptions::default())
    }

    /// The detail of a words job whose words are normalized by `normalize`.
    pub fn words_normalized(normalize: Normalizer) -> Self {
        Detail::Words(
            WordCounts::default(),
            WordOptions {
                spill: None,
                normalize,
            },
        )
    }

    /// The same words detail, its tallies spilling to `spill`.
    pub fn spilling_to(self, spill: Arc<dyn WordSpill>) -> Self {
        match self {
            Detail::Words(words, options) => Detail::Words(
                words,
                WordOptions {
                    spill: Some(SpillHook(spill)),
                    ..options
                },
            ),
            other => other,
        }
    }

    /// The word counts (words mode).
    pub fn word_counts(&self) -> Option<&WordCounts> {
        match self {
            Detail::Words(w, _) => Some(w),
            _ => None,
        }
    }

    /// The word counts (words mode), owned: what was not spilled.
    pub fn into_word_counts(self) -> Option<WordCounts> {
        match self {
            Detail::Words(w, _) => Some(w),
            _ => None,
        }
    }

    /// The counts per time bucket (`--by` jobs).
    pub fn buckets(&self) -> Option<&Timeline> {
        match self {
            Detail::Timeline { timeline, .. } => Some(timeline),
            _ => None,
        }
    }

    /// Whether `other` is of the same mode (and time unit).
    pub fn same_mode(&self, other: &Detail) -> bool {
        match (self, other) {
            (Detail::Timeline { parser: a, .. }, Detail::Timeline { parser: b, .. }) => {
                a.unit() == b.unit()
            }
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }

    /// An empty detail of the same mode, for `keywords` keywords.
    pub(super) fn empty(&self, keywords: usize) -> Detail {
        match self {
            Detail::None => Detail::None,
            Detail::Words(_, options) => Detail::Words(WordCounts::default(), options.clone()),
            Detail::Timeline { parser, .. } => Detail::Timeline {
                parser: parser.clone(),
                timeline: Timeline::new(keywords),
            },
        }
    }

    /// Adds the whole lines of `text` (the last may lack its newline): their
    /// keyword counts to `counts` (if the mode counts keywords) and what the
    /// mode gathers to `self`. Returns the number of lines.
    pub(super) fn add_lines(&mut self, engine: &Engine, text: &[u8], counts: &mut [u64]) -> u64 {
        match self {
            Detail::None => engine.count_lines(text, counts) + unterminated(text),
            Detail::Words(words, options) => {
                words.count_text_normalized(text, &options.normalize);
                count_newlines(text) + unterminated(text)
            }
            Detail::Timeline { parser, timeline } => {
                timeline::add_lines(parser, text, timeline, counts, |run, c| {
                    engine.count(run, c)
                })
            }
        }
    }

    /// How a line too long to hold is streamed in this mode.
    pub(super) fn long_line(&self, engine: &Engine) -> LineStream {
        match self {
            Detail::None | Detail::Timeline { .. } => LineStream::Keywords(engine.piece_counter()),
            Detail::Words(_, options) => {
                LineStream::Words(WordStream::normalized(options.normalize))
            }
        }
    }

    /// Adds one line too long to hold, streamed through `line` (from
    /// [`Self::long_line`]); `head` is its first bytes.
    pub(super) fn add_long_line(&mut self, head: &[u8], line: LineStream, counts: &mut [u64]) {
        match (self, line) {
            (Detail::None, LineStream::Keywords(line)) => add_counts(counts, &line.finish()),
            (Detail::Words(words, _), LineStream::Words(line)) => words.merge_owned(line.finish()),
            (Detail::Timeline { parser, timeline }, LineStream::Keywords(line)) => {
                let line = line.finish();
                add_counts(counts, &line);
                timeline.add_line(parser, head, &line);
            }
            (_, _) => unreachable!("a long line streamed for another mode"),
        }
    }

    /// [`Self::add`], taking `other` over: a words tally's words move.
    pub(super) fn absorb(&mut self, other: Detail) {
        match (&mut *self, other) {
            (Detail::Words(a, _), Detail::Words(b, _)) => a.merge_owned(b),
            (this, other) => return this.add(&other),
        }
        self.spill_if_full();
    }

    /// Hands a words tally's table to its spill if it has grown past the
    /// spill's budget.
    pub(super) fn spill_if_full(&mut self) {
        if let Detail::Words(a, options) = self {
            if let Some(spill) = &options.spill {
                if a.approx_bytes() > spill.0.budget() {
                    a.spill_to(spill.0.as_ref());
                }
            }
        }
    }

    /// Adds the detail of another tally of the same mode.
    pub(super) fn add(&mut self, other: &Detail) {
        debug_assert!(self.same_mode(other), "adding a tally of another mode");
        match (&mut *self, other) {
            (Detail::None, Detail::None) => {}
            (Detail::Words(a, _), Detail::Words(b, _)) => a.merge(b),
            (Detail::Timeline { timeline: a, .. }, Detail::Timeline { timeline: b, .. }) => {
                a.add(b)
            }
            (_, _) => panic!("adding a tally of another counting mode"),
        }
        self.spill_if_full();
    }
}

impl LineStream {
    /// Takes the line's next bytes.
    pub(super) fn feed(&mut self, piece: &[u8]) {
        match self {
            LineStream::Keywords(counter) => counter.feed(piece),
            LineStream::Words(words) => words.feed(piece),
        }
    }
}
