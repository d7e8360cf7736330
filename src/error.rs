//! The library's error type, with the context a user needs (object, part,
//! offset), and whether a failure is transient ([`Error::is_transient`]):
//! worth a retry, as storage failures are, or bad input that a rerun would
//! only repeat. The command line derives its exit codes from that.

use crate::keywords::KeywordError;

/// Everything that can go wrong in a step.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // Not a `#[source]`: the message already says it, and `{:#}` would repeat it.
    #[error("invalid keywords: {0}")]
    Keywords(KeywordError),

    #[error("invalid {what}: {reason}")]
    Invalid { what: String, reason: String },

    #[error("invalid location {given:?}: {reason}")]
    BadLocation { given: String, reason: String },

    #[error("{what} {url} does not exist")]
    NotFound { what: &'static str, url: String },

    #[error("{op} {url}")]
    Storage {
        op: &'static str,
        url: String,
        #[source]
        source: object_store::Error,
    },

    #[error("{url} is not a valid {what}: {reason}")]
    Corrupt {
        what: &'static str,
        url: String,
        reason: String,
    },

    #[error("input {url} changed since split (was {was}, now {now}); run split again")]
    InputChanged {
        url: String,
        was: String,
        now: String,
    },

    #[error("part {part:?} is not in the manifest {manifest} (it has parts {known})")]
    UnknownPart {
        part: String,
        manifest: String,
        known: String,
    },

    #[error("part {part}: {reason}")]
    Part { part: String, reason: String },

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

pub type Result<T, E = Error> = std::result::Result<T, E>;
