//! The three steps of the pipeline, over storage and the pure core:
//! [`split`](split::split) cuts the input into parts and writes the manifest,
//! [`count`](count::count) counts one part, [`merge`](merge::merge) checks and
//! sums the count outputs into `result.json`.
//!
//! Each step is a function of its inputs in storage: it can be re-run, and
//! it makes its output visible in one write.

pub mod count;
pub mod merge;
pub mod reduce;
pub mod split;
pub mod stream;

use crate::decompress::{detect, Compression, MAGIC_LEN};
use crate::error::{Error, Result};
use crate::store::{self, read_json, Location};
use crate::wire::{Manifest, MANIFEST_FILE};

/// Reads and validates the manifest of a work prefix.
pub async fn read_manifest(work: &Location) -> Result<Manifest> {
    let loc = work.join(MANIFEST_FILE);
    let m: Manifest = read_json(&loc, "manifest").await.map_err(|e| match e {
        Error::NotFound { url, .. } => Error::NotFound {
            what: "manifest (run split first)",
            url,
        },
        e => e,
    })?;
    m.validate().map_err(|reason| Error::Corrupt {
        what: "manifest",
        url: loc.url.to_string(),
        reason,
    })?;
    Ok(m)
}

/// Runs a CPU-bound closure on the rayon pool and awaits its result.
pub(crate) async fn on_rayon<T, F>(f: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        let _ = tx.send(f());
    });
    rx.await.expect("a counting task panicked")
}

/// The compression of the object at `loc` (`size` bytes), from its first
/// bytes (logging a name that says otherwise).
pub(crate) async fn sniff(
    loc: &Location,
    size: u64,
    e_tag: Option<&str>,
) -> Result<Option<Compression>> {
    if size == 0 {
        return Ok(None);
    }
    let head = store::read_range(loc, 0..size.min(MAGIC_LEN as u64), e_tag).await?;
    let (compression, warning) = detect(loc.path.as_ref(), &head);
    if let Some(w) = warning {
        tracing::warn!("{w}");
    }
    Ok(compression)
}
