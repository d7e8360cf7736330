//! Split's view of compressed objects: which objects are compressed (their
//! first bytes decide, see [`crate::decompress`]) and where their units
//! (gzip members, zstd frames) start, so that cuts land only there.
//!
//! Every non-empty object costs one 4-byte ranged read (16 at once). The
//! units of a compressed object are looked for only when the job has more
//! than one part and the object is at least half a part's share of the
//! input: a smaller object is never worth cutting, and stays one unit.

use crate::decompress::units::{self, Source};
use crate::decompress::{detect, Compression, MAGIC_LEN};
use crate::error::{Error, Result};
use crate::store::{self, Location};
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectMeta;

/// How many objects are inspected at once.
const CONCURRENCY: usize = 16;

/// The compression and unit starts of each input object.
#[derive(Debug, Clone, Default)]
pub(super) struct Layout {
    objects: Vec<(Option<Compression>, Vec<u64>)>,
}

impl Layout {
    /// Inspects every object of the input.
    pub(super) async fn inspect(
        root: &Location,
        objects: &[ObjectMeta],
        total: u64,
        parts: usize,
    ) -> Result<Layout> {
        let objects = futures::stream::iter(objects)
            .map(|m| inspect_one(root, m, total, parts))
            .buffered(CONCURRENCY)
            .try_collect()
            .await?;
        Ok(Layout { objects })
    }

    pub(super) fn compression(&self, object: usize) -> Option<Compression> {
        self.objects[object].0
    }

    /// Whether any object is compressed (then `--parts` is a maximum).
    pub(super) fn any_compressed(&self) -> bool {
        self.objects.iter().any(|(c, _)| c.is_some())
    }

    /// Where a cut aimed at `offset` of a compressed object goes: the nearest
    /// unit start (or the object's start or end). `None` for a plain object.
    pub(super) fn snap(&self, object: usize, size: u64, offset: u64) -> Option<u64> {
        let (c, starts) = &self.objects[object];
        c.map(|_| units::nearest_start(starts, size, offset))
    }

    /// Refuses `--materialize` for compressed input: a part of a compressed
    /// object is compressed bytes, not the text the reference's
    /// `split-output/<id>.txt` holds.
    pub(super) fn refuse_materialize(&self, objects: &[ObjectMeta]) -> Result<()> {
        let Some(i) = self.objects.iter().position(|(c, _)| c.is_some()) else {
            return Ok(());
        };
        Err(Error::invalid(
            "--materialize",
            format!(
                "input object {} is {}-compressed; materialized parts are not supported for \
                 compressed input (count reads it directly; drop --materialize)",
                objects[i].location,
                self.objects[i].0.expect("compressed")
            ),
        ))
    }
}

async fn inspect_one(
    root: &Location,
    meta: &ObjectMeta,
    total: u64,
    parts: usize,
) -> Result<(Option<Compression>, Vec<u64>)> {
    if meta.size == 0 {
        return Ok((None, Vec::new()));
    }
    let loc = root.at(meta.location.clone());
    let e_tag = meta.e_tag.as_deref();
    let head = store::read_range(&loc, 0..meta.size.min(MAGIC_LEN as u64), e_tag).await?;
    let (compression, warning) = detect(meta.location.as_ref(), &head);
    if let Some(w) = warning {
        tracing::warn!("{w}");
    }
    let Some(c) = compression else {
        return Ok((None, Vec::new()));
    };
    let worth_cutting = parts > 1 && (meta.size as u128) * 2 * (parts as u128) >= total as u128;
    if !worth_cutting {
        return Ok((Some(c), Vec::new()));
    }
    let starts = units::unit_starts(Source::Store { loc: &loc, e_tag }, meta.size, c).await?;
    tracing::info!(object = %meta.location, compression = %c, units = starts.len() + 1, "compressed input");
    Ok((Some(c), starts))
}
