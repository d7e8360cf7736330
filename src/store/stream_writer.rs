//! Big outputs written as they are produced, visible only whole.
//!
//! Small outputs go out in one `put`. Bigger ones are multipart uploads,
//! completed at the end and aborted on an error or when the writer is
//! dropped. A process killed in the middle cannot abort its upload, and the
//! object store API cannot list open uploads, so on the S3/OSS stores that
//! [`Stores`](super::Stores) builds every upload is journaled: while it is
//! open, `<dir>/.<name>.upload` next to the output holds its upload id, and
//! the next split aborts what the journals name
//! ([`retire_own_files`](super::retire_own_files)).

use super::{delete_if_exists, read_json, storage_error, write_json, write_once, Location};
use crate::error::Result;
use bytes::Bytes;
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::MultipartId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The size of each part of a journaled upload (S3 wants at least 5 MiB
/// for every part but the last).
const PART_SIZE: usize = 10 << 20;

/// The name of the journal of an open upload of `name`.
pub(super) fn journal_name(name: &str) -> String {
    format!(".{name}.upload")
}

/// The output a journal's name stands for (`.0.txt.upload` → `0.txt`).
pub(super) fn journaled_output(journal: &str) -> Option<&str> {
    journal.strip_prefix('.')?.strip_suffix(".upload")
}

/// What a journal holds.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    upload_id: String,
}

/// Aborts the upload a journal names, then deletes the journal. An upload
/// that is gone already (completed or aborted) is not an error.
pub(super) async fn abort_journaled(
    multipart: &dyn MultipartStore,
    journal: &Location,
    output: &Location,
) -> Result<()> {
    let j: Journal = read_json(journal, "upload journal").await?;
    match multipart.abort_multipart(&output.path, &j.upload_id).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(storage_error("aborting the upload of", output, e)),
    }
    tracing::info!(url = %output, "aborted an upload an earlier attempt left open");
    delete_if_exists(journal).await
}

/// Writes a big output as it is produced: one `put` when it is small, else
/// one multipart upload that becomes visible, whole, only when
/// [`finish`](StreamWriter::finish) completes it. On an error — or when the
/// writer is dropped unfinished — the upload is aborted, so nothing half
/// written is ever visible and no parts are left behind.
pub struct StreamWriter {
    inner: Option<Inner>,
    loc: Location,
}

enum Inner {
    /// object_store's buffered writer (the local file system, memory, and
    /// stores a caller registered).
    Buffered(object_store::buffered::BufWriter),
    /// A multipart upload with a journal (S3/OSS stores built here).
    Journaled(Journaled),
}

struct Journaled {
    multipart: Arc<dyn MultipartStore>,
    journal: Location,
    buf: Vec<u8>,
    open: Option<(MultipartId, Vec<PartId>)>,
}

impl StreamWriter {
    /// Starts writing `loc`.
    pub fn new(loc: &Location) -> Result<Self> {
        loc.check_confined()?;
        let inner = match &loc.multipart {
            Some(multipart) => Inner::Journaled(Journaled {
                multipart: multipart.clone() as Arc<dyn MultipartStore>,
                journal: journal_of(loc),
                buf: Vec::new(),
                open: None,
            }),
            None => Inner::Buffered(object_store::buffered::BufWriter::new(
                loc.store.clone(),
                loc.path.clone(),
            )),
        };
        Ok(StreamWriter {
            inner: Some(inner),
            loc: loc.clone(),
        })
    }

    /// Appends bytes; on error the upload is aborted.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        use tokio::io::AsyncWriteExt;
        let written = match self.inner.as_mut().expect("not finished") {
            Inner::Buffered(w) => w.write_all(bytes).await.map_err(|e| self.failed(e)),
            Inner::Journaled(j) => {
                j.buf.extend_from_slice(bytes);
                let mut result = Ok(());
                while result.is_ok() && j.buf.len() >= PART_SIZE {
                    let rest = j.buf.split_off(PART_SIZE);
                    let part = std::mem::replace(&mut j.buf, rest);
                    result = j.put_part(&self.loc, part).await;
                }
                result
            }
        };
        if written.is_err() {
            self.abort().await;
        }
        written
    }

    /// Completes the upload: the object appears, whole.
    pub async fn finish(mut self) -> Result<()> {
        use tokio::io::AsyncWriteExt;
        match self.inner.take().expect("not finished") {
            Inner::Buffered(mut w) => {
                if let Err(e) = w.shutdown().await {
                    let _ = w.abort().await;
                    return Err(self.failed(e));
                }
                Ok(())
            }
            Inner::Journaled(mut j) => {
                let done = j.complete(&self.loc).await;
                if done.is_err() {
                    j.abort(&self.loc).await;
                }
                done
            }
        }
    }

    /// Abandons the upload (nothing becomes visible).
    pub async fn abort(&mut self) {
        match self.inner.take() {
            Some(Inner::Buffered(mut w)) => {
                if let Err(e) = w.abort().await {
                    let error = self.loc.scrubber.scrub(e);
                    tracing::warn!(url = %self.loc, %error, "aborting an upload failed");
                }
            }
            Some(Inner::Journaled(mut j)) => j.abort(&self.loc).await,
            None => {}
        }
    }

    fn failed(&self, source: std::io::Error) -> crate::Error {
        // BufWriter reports object_store errors wrapped in io::Error.
        let source = match source.downcast::<object_store::Error>() {
            Ok(e) => e,
            Err(e) => object_store::Error::Generic {
                store: "writer",
                source: Box::new(e),
            },
        };
        storage_error("writing", &self.loc, source)
    }
}

impl Drop for StreamWriter {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        // Dropped unfinished (an error elsewhere, a cancelled task): abort in the background.
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let loc = self.loc.clone();
            rt.spawn(async move {
                match inner {
                    Inner::Buffered(mut w) => {
                        let _ = w.abort().await;
                    }
                    Inner::Journaled(mut j) => j.abort(&loc).await,
                }
            });
        }
    }
}

impl Journaled {
    /// Sends one part, opening the upload (and writing its journal) first.
    async fn put_part(&mut self, loc: &Location, part: Vec<u8>) -> Result<()> {
        let err = |e| storage_error("writing", loc, e);
        if self.open.is_none() {
            let id = self
                .multipart
                .create_multipart(&loc.path)
                .await
                .map_err(err)?;
            let journal = Journal {
                upload_id: id.clone(),
            };
            self.open = Some((id, Vec::new()));
            write_json(&self.journal, &journal).await?;
        }
        let (id, parts) = self.open.as_mut().expect("opened above");
        let part = self
            .multipart
            .put_part(&loc.path, id, parts.len(), Bytes::from(part).into())
            .await
            .map_err(err)?;
        parts.push(part);
        Ok(())
    }

    /// One `put` when no part went out yet; else the last part, then the
    /// completion, then the journal goes.
    async fn complete(&mut self, loc: &Location) -> Result<()> {
        let rest = std::mem::take(&mut self.buf);
        if self.open.is_none() {
            return write_once(loc, Bytes::from(rest)).await;
        }
        if !rest.is_empty() {
            self.put_part(loc, rest).await?;
        }
        let (id, parts) = self.open.take().expect("checked");
        if let Err(e) = self
            .multipart
            .complete_multipart(&loc.path, &id, parts)
            .await
        {
            self.open = Some((id, Vec::new()));
            return Err(storage_error("writing", loc, e));
        }
        if let Err(e) = delete_if_exists(&self.journal).await {
            // The next split finds the upload gone, and deletes the journal.
            tracing::warn!(url = %self.journal, error = %e, "could not delete an upload journal");
        }
        Ok(())
    }

    /// Aborts the open upload, if any, and deletes its journal.
    async fn abort(&mut self, loc: &Location) {
        let Some((id, _)) = self.open.take() else {
            return;
        };
        match self.multipart.abort_multipart(&loc.path, &id).await {
            Ok(()) => {
                let _ = delete_if_exists(&self.journal).await;
            }
            Err(e) => {
                // The journal stays: the next split aborts the upload.
                let error = loc.scrubber.scrub(e);
                tracing::warn!(url = %loc, %error, "aborting an upload failed");
            }
        }
    }
}

/// `<dir>/.<name>.upload` for `<dir>/<name>`.
fn journal_of(loc: &Location) -> Location {
    let parts: Vec<_> = loc.path.parts().collect();
    let (name, dir) = parts.split_last().expect("an output has a name");
    let journal = journal_name(name.as_ref());
    let path: Path = dir.iter().cloned().collect();
    loc.at(path.clone().join(journal.as_str()))
}
