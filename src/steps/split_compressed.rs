//! Split's view of compressed objects: which objects are compressed (their
//! first bytes decide, see [`crate::decompress`]) and where their units
//! (gzip members, zstd frames) start, so that cuts land only there.
//!
//! An object is worth cutting when the job has more than one part and the
//! object is at least half a part's share of the input. Only those are
//! looked at: one 4-byte ranged read each (16 at once; at most twice as many
//! objects as parts), and for a compressed one, where its units start. A
//! smaller object is never cut: a cut aimed inside it moves to its nearer
//! end, so split needs none of its bytes, and the count that reads it sniffs
//! its compression ([`crate::wire::InputObject::sniffed_by_count`]). A
//! prefix of 100,000 small objects is thus planned from its listing alone.

use crate::decompress::units::{self, Source};
use crate::decompress::Compression;
use crate::error::{Error, Result};
use crate::store::Location;
use futures::{StreamExt, TryStreamExt};
use object_store::ObjectMeta;

/// How many objects are inspected at once.
const CONCURRENCY: usize = 16;

/// What split knows of one input object.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// Its compression (`None`: plain, or not looked at).
    compression: Option<Compression>,
    /// Where its units start, for a compressed object worth cutting.
    unit_starts: Vec<u64>,
    /// Not looked at: never cut, sniffed by count.
    left_to_count: bool,
}

/// The compression and unit starts of each input object.
#[derive(Debug, Clone, Default)]
pub(super) struct Layout {
    objects: Vec<Seen>,
}

impl Layout {
    /// Inspects the objects worth cutting (every one with `all`).
    pub(super) async fn inspect(
        root: &Location,
        objects: &[ObjectMeta],
        total: u64,
        parts: usize,
        all: bool,
    ) -> Result<Layout> {
        let objects = futures::stream::iter(objects)
            .map(|m| inspect_one(root, m, total, parts, all))
            .buffered(CONCURRENCY)
            .try_collect()
            .await?;
        Ok(Layout { objects })
    }

    pub(super) fn compression(&self, object: usize) -> Option<Compression> {
        self.objects[object].compression
    }

    /// Whether the object's first bytes were left to count.
    pub(super) fn left_to_count(&self, object: usize) -> bool {
        self.objects[object].left_to_count
    }

    /// Whether any object is compressed (then `--parts` is a maximum).
    pub(super) fn any_compressed(&self) -> bool {
        self.objects.iter().any(|o| o.compression.is_some())
    }

    /// Where a cut aimed at `offset` of an object that is not cut at a line
    /// goes: in a compressed object, the nearest unit start (or the object's
    /// start or end); in one never cut, its nearer end. `None` for a plain
    /// object worth cutting.
    pub(super) fn snap(&self, object: usize, size: u64, offset: u64) -> Option<u64> {
        let o = &self.objects[object];
        (o.compression.is_some() || o.left_to_count)
            .then(|| units::nearest_start(&o.unit_starts, size, offset))
    }

    /// Refuses `--materialize` for compressed input: a part of a compressed
    /// object is compressed bytes, not the text the reference's
    /// `split-output/<id>.txt` holds.
    pub(super) fn refuse_materialize(&self, objects: &[ObjectMeta]) -> Result<()> {
        let Some(i) = self.objects.iter().position(|o| o.compression.is_some()) else {
            return Ok(());
        };
        Err(Error::invalid(
            "--materialize",
            format!(
                "input object {} is {}-compressed; materialized parts are not supported for \
                 compressed input (count reads it directly; drop --materialize)",
                objects[i].location,
                self.objects[i].compression.expect("compressed")
            ),
        ))
    }
}

async fn inspect_one(
    root: &Location,
    meta: &ObjectMeta,
    total: u64,
    parts: usize,
    all: bool,
) -> Result<Seen> {
    if meta.size == 0 {
        return Ok(Seen::default());
    }
    let worth_cutting = parts > 1 && (meta.size as u128) * 2 * (parts as u128) >= total as u128;
    if !worth_cutting && !all {
        return Ok(Seen {
            left_to_count: true,
            ..Seen::default()
        });
    }
    let loc = root.at(meta.location.clone());
    let e_tag = meta.e_tag.as_deref();
    let compression = crate::steps::sniff(&loc, meta.size, e_tag).await?;
    let Some(c) = compression else {
        return Ok(Seen::default());
    };
    if !worth_cutting {
        return Ok(Seen {
            compression,
            ..Seen::default()
        });
    }
    let unit_starts = units::unit_starts(Source::Store { loc: &loc, e_tag }, meta.size, c).await?;
    tracing::info!(object = %meta.location, compression = %c, units = unit_starts.len() + 1, "compressed input");
    Ok(Seen {
        compression,
        unit_starts,
        left_to_count: false,
    })
}
