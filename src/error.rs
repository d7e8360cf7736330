//! The library's error type, with the context a user needs (object, part,
//! offset) and the exit code a step reports: 2 for bad input, 1 for storage
//! and other transient failures.

use crate::keywords::KeywordError;

/// Exit code for bad input: arguments, keywords, manifests, data.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code for storage and other transient failures.
pub const EXIT_FAILURE: i32 = 1;

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
    /// The process exit code for this error: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Storage { .. } | Error::Io(_) => EXIT_FAILURE,
            _ => EXIT_BAD_INPUT,
        }
    }

    pub(crate) fn invalid(what: impl Into<String>, reason: impl Into<String>) -> Self {
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
