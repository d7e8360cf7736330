//! Split's timestamp choice for `--by` jobs: each object's first lines
//! decide its format ([`crate::timeline::rule::choose`]), recorded in the
//! manifest so that every part of the object reads it the same way.

use crate::decompress::{head_text, Compression};
use crate::error::Result;
use crate::store::{self, Location};
use crate::timeline::rule::{self, TimeSettings, SAMPLE_BYTES};
use crate::wire::TimestampRule;
use chrono::Datelike;
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectMeta;

/// How many objects' first bytes are read at once.
const CONCURRENCY: usize = 16;
/// The most compressed bytes read to decode a sample.
const COMPRESSED_SAMPLE: u64 = 1 << 20;

/// The rule of each object (`compressions[i]` as split found it).
pub(super) async fn choose_rules(
    root: &Location,
    objects: &[ObjectMeta],
    compressions: &[Option<Compression>],
    time: &TimeSettings,
) -> Result<Vec<TimestampRule>> {
    futures::stream::iter(objects.iter().zip(compressions))
        .map(|(meta, &compression)| choose_one(root, meta, compression, time))
        .buffered(CONCURRENCY)
        .try_collect()
        .await
}

async fn choose_one(
    root: &Location,
    meta: &ObjectMeta,
    compression: Option<Compression>,
    time: &TimeSettings,
) -> Result<TimestampRule> {
    let want = match compression {
        None => SAMPLE_BYTES as u64,
        Some(_) => COMPRESSED_SAMPLE,
    };
    let head = if meta.size == 0 {
        Vec::new()
    } else {
        let loc = root.at(meta.location.clone());
        let bytes = store::read_range(&loc, 0..meta.size.min(want), meta.e_tag.as_deref()).await?;
        head_text(compression, &bytes, SAMPLE_BYTES)
    };
    let modified = (meta.last_modified.year(), meta.last_modified.month());
    let rule = rule::choose(time, &head, modified);
    tracing::debug!(object = %meta.location, format = ?rule.format, note = %rule.note, "timestamps");
    Ok(rule)
}
