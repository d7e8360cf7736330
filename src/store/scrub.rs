//! Keeps the secrets of one store configuration out of the error messages of
//! the stores built from it.
//!
//! Each [`Stores`](super::Stores) makes one [`Scrubber`] from its
//! [`StoreConfig`] and every [`Location`](super::Location) it resolves
//! carries it, so an error is scrubbed with the secrets of the configuration
//! its location came from, and no process-wide list of secrets exists.

use crate::store_config::{redact, StoreConfig};

/// The secret values of one [`StoreConfig`] (never shown, not even by `Debug`).
#[derive(Default)]
pub(crate) struct Scrubber {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scrubber")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

impl Scrubber {
    /// Scrubs with the secrets of `config`.
    pub(crate) fn of(config: &StoreConfig) -> Self {
        let mut secrets: Vec<String> = Vec::new();
        for s in config.secrets() {
            if !secrets.iter().any(|k| k == s) {
                secrets.push(s.to_string());
            }
        }
        Scrubber { secrets }
    }

    /// `source`, or when its message (with its sources) holds one of the
    /// secrets, a generic error with that text, every secret redacted.
    pub(crate) fn scrub(&self, source: object_store::Error) -> object_store::Error {
        if self.secrets.is_empty() {
            return source;
        }
        let mut text = String::new();
        let mut e: Option<&dyn std::error::Error> = Some(&source);
        while let Some(err) = e {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&err.to_string());
            e = err.source();
        }
        if !self.secrets.iter().any(|s| text.contains(s.as_str())) {
            return source;
        }
        let refs: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        object_store::Error::Generic {
            store: "S3",
            source: redact(&text, &refs).into(),
        }
    }
}
