//! Split's timestamp choice for `--by` jobs: each object's first lines
//! decide its format ([`crate::timeline::rule::choose`]), recorded in the
//! manifest so that every part of the object reads it the same way.

use crate::decompress::{detect, head_text, Compression};
use crate::error::Result;
use crate::store::{self, Location};
use crate::timeline::rule::{self, TimeSettings, SAMPLE_BYTES};
use crate::wire::TimestampRule;
use chrono::Datelike;
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectMeta;

/// How many objects' first bytes are read at once.
const CONCURRENCY: usize = 16;

/// What an object's first bytes told split.
pub(super) struct Head {
    /// Its timestamp rule.
    pub(super) rule: TimestampRule,
    /// Its compression, from the same bytes.
    pub(super) compression: Option<Compression>,
}

/// Reads each object's first bytes (at most [`SAMPLE_BYTES`]: compressed
/// text expands, so they decode to a full sample) and chooses its rule.
/// `sniffed[i]`: the object's compression was already sniffed (and any
/// warning about its name logged).
pub(super) async fn read_heads(
    root: &Location,
    objects: &[ObjectMeta],
    sniffed: &[bool],
    time: &TimeSettings,
) -> Result<Vec<Head>> {
    futures::stream::iter(objects.iter().zip(sniffed))
        .map(|(meta, &sniffed)| read_head(root, meta, sniffed, time))
        .buffered(CONCURRENCY)
        .try_collect()
        .await
}

async fn read_head(
    root: &Location,
    meta: &ObjectMeta,
    sniffed: bool,
    time: &TimeSettings,
) -> Result<Head> {
    let (text, compression) = if meta.size == 0 {
        (Vec::new(), None)
    } else {
        let loc = root.at(meta.location.clone());
        let range = 0..meta.size.min(SAMPLE_BYTES as u64);
        let bytes = store::read_range(&loc, range, meta.e_tag.as_deref()).await?;
        let (compression, warning) = detect(meta.location.as_ref(), &bytes);
        if let (Some(w), false) = (warning, sniffed) {
            tracing::warn!("{w}");
        }
        (head_text(compression, &bytes, SAMPLE_BYTES), compression)
    };
    let modified = (meta.last_modified.year(), meta.last_modified.month());
    let rule = rule::choose(time, &text, modified);
    tracing::debug!(object = %meta.location, format = ?rule.format, note = %rule.note, "timestamps");
    Ok(Head { rule, compression })
}
