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

/// A word-run file written from a blocking thread (a map's partition, a
/// reducer's words): entries are buffered and written a megabyte at a time
/// through a [`store::StreamWriter`], so nothing is visible until
/// [`RunWriter::finish`], and nothing at all after [`RunWriter::abort`].
pub(crate) struct RunWriter<'h> {
    handle: &'h tokio::runtime::Handle,
    writer: store::StreamWriter,
    buf: Vec<u8>,
}

impl<'h> RunWriter<'h> {
    /// Bytes buffered before a write.
    const FLUSH: usize = 1 << 20;

    /// Starts writing `loc` with `head` (a header line, or nothing).
    pub(crate) fn new(
        handle: &'h tokio::runtime::Handle,
        loc: &Location,
        head: Vec<u8>,
    ) -> Result<Self> {
        let mut buf = head;
        buf.reserve(Self::FLUSH);
        Ok(RunWriter {
            handle,
            writer: store::StreamWriter::new(loc)?,
            buf,
        })
    }

    /// Appends `word<TAB>count`.
    pub(crate) fn entry(&mut self, word: &[u8], n: u64) -> Result<()> {
        crate::wire::word_run::encode_entry(&mut self.buf, word, n);
        if self.buf.len() >= Self::FLUSH {
            self.handle.block_on(self.writer.write(&self.buf))?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Appends `tail` (an end line, or nothing) and makes the file visible, whole.
    pub(crate) fn finish(mut self, tail: &[u8]) -> Result<()> {
        self.buf.extend_from_slice(tail);
        self.handle.block_on(self.writer.write(&self.buf))?;
        self.handle.block_on(self.writer.finish())
    }

    /// Abandons the file.
    pub(crate) fn abort(mut self) {
        self.handle.block_on(self.writer.abort());
    }
}
