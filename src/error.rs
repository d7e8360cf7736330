//! The library's error type, with the context a user needs (object, part,
//! offset), and whether a failure is transient ([`Error::is_transient`]):
//! worth a retry, as storage failures are, or bad input that a rerun would
//! only repeat. The command line derives its exit codes from that.

use crate::keywords::KeywordError;

/// Everything that can go wrong in a step.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The keyword list is unusable (empty, a duplicate, an empty keyword…).
    // Not a `#[source]`: the message already says it, and `{:#}` would repeat it.
    #[error("invalid keywords: {0}")]
    Keywords(KeywordError),

    /// A setting or argument is refused; built with [`Error::invalid`].
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What is refused (`"strategy"`, `"split plan"`).
        what: String,
        /// Why it is refused.
        reason: String,
    },

    /// A storage location (URL, path, store settings) cannot be used.
    #[error("invalid location {given:?}: {reason}")]
    BadLocation {
        /// The location as given.
        given: String,
        /// Why it cannot be used.
        reason: String,
    },

    /// An object, bucket or prefix that must exist does not.
    #[error("{what} {url} does not exist")]
    NotFound {
        /// What is missing (`"object"`, `"bucket"`, `"keywords file"`).
        what: &'static str,
        /// Where it was looked for.
        url: String,
    },

    /// The store failed an operation; transient, a retry may succeed.
    #[error("{op} {url}")]
    Storage {
        /// The operation (`"reading"`, `"listing"`), shown before the URL.
        op: &'static str,
        /// The object or prefix it was on.
        url: String,
        /// The store's error, with credentials scrubbed.
        #[source]
        source: object_store::Error,
    },

    /// Data is not what it should be: a manifest or count output that does not
    /// parse or validate, a gzip or zstd input that does not decode.
    #[error("{url} is not a valid {what}: {reason}")]
    Corrupt {
        /// What it should be (`"manifest"`, `"gzip stream"`).
        what: &'static str,
        /// The object or file.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// An input object differs from the one split planned (size, ETag, gone).
    #[error("input {url} changed since split (was {was}, now {now}); run split again")]
    InputChanged {
        /// The input object.
        url: String,
        /// What the manifest recorded.
        was: String,
        /// What the store has now.
        now: String,
    },

    /// A count was asked for a part id the manifest does not list.
    #[error("part {part:?} is not in the manifest {manifest} (it has parts {known})")]
    UnknownPart {
        /// The id asked for, cut to 64 characters.
        part: String,
        /// The manifest's URL.
        manifest: String,
        /// The ids it does list, abbreviated.
        known: String,
    },

    /// A part cannot be counted or merged (its count output missing, stale or wrong).
    #[error("part {part}: {reason}")]
    Part {
        /// The part id.
        part: String,
        /// What is wrong.
        reason: String,
    },

    /// A local I/O failure; transient.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<KeywordError> for Error {
    fn from(e: KeywordError) -> Self {
        Error::Keywords(e)
    }
}

impl Error {
    /// Whether the failure is transient — storage, network, I/O — so that
    /// running the task again may succeed; otherwise it is bad input
    /// (arguments, keywords, manifests, data), which a rerun repeats.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Storage { .. } | Error::Io(_))
    }

    /// Bad input: `what` is refused because of `reason`.
    pub fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid {
            what: what.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn part(part: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Part {
            part: part.into(),
            reason: reason.into(),
        }
    }
}

/// The library's result, with [`Error`] by default.
pub type Result<T, E = Error> = std::result::Result<T, E>;
