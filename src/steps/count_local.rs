//! The local-file fast path of the count step: `pread` into a pool of reused
//! buffers instead of a fresh allocation per ranged read.
//!
//! Each block is read and its line-aligned middle counted in one task on the
//! rayon pool, while the block is hot in that core's cache; the partial lines
//! at its two ends go to the generic stitcher, exactly as `LineStitcher::push`
//! would have cut the block (the buffer goes back to the pool at once). Input
//! drift is checked
//! once per segment after its last block was read ([`check_unchanged`]): the
//! object's ETag then must still be the one split recorded, so a change at
//! any time between split and the end of the read is refused, as on the
//! generic path.

use crate::aggregate::{Counter, Tally};
use crate::error::{Error, Result};
use crate::steps::on_rayon;
use crate::store::{self, Location};
use bytes::Bytes;
use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex};

/// Largest block read on this path: small enough to stay in L2 while counted.
pub(super) const LOCAL_BLOCK_SIZE: u64 = 1 << 20;

/// An open local object.
#[derive(Debug, Clone)]
pub(super) struct LocalFile {
    file: Arc<File>,
}

/// Opens `loc` for the fast path when it is a plain file of the local file
/// system store that `Stores` built ([`Location::local_path`]); `None` sends
/// it down the generic path (which reports errors).
pub(super) fn open(loc: &Location) -> Option<LocalFile> {
    let path = loc.local_path()?;
    // Check before opening: opening a FIFO for reading would block.
    if !std::fs::metadata(&path).ok()?.is_file() {
        return None;
    }
    let file = File::open(&path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    tracing::debug!(
        url = %loc,
        file = %path.display(),
        fast_path = "pread",
        "reading a local file directly"
    );
    Some(LocalFile {
        file: Arc::new(file),
    })
}

/// Buffers of one size, reused.
#[derive(Debug)]
pub(super) struct Pool {
    size: usize,
    free: Mutex<Vec<Vec<u8>>>,
}

impl Pool {
    pub(super) fn new(size: usize) -> Arc<Self> {
        Arc::new(Pool {
            size,
            free: Mutex::new(Vec::new()),
        })
    }

    fn take(&self) -> Vec<u8> {
        let reused = self.free.lock().expect("not poisoned").pop();
        reused.unwrap_or_else(|| vec![0; self.size])
    }
}

/// A pooled buffer holding `len` bytes; goes back to its pool when dropped.
struct Pooled {
    buf: Vec<u8>,
    len: usize,
    pool: Arc<Pool>,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.buf);
        self.pool.free.lock().expect("not poisoned").push(buf);
    }
}

/// A block read and counted in the middle: feed `head` then `tail` to the
/// stitcher and add `middle`; the same as pushing the whole block and
/// counting the unit it returns.
pub(super) struct Precounted {
    /// Through the block's first newline (the whole block if it has none).
    pub head: Bytes,
    /// After its last newline (empty if it has none).
    pub tail: Bytes,
    /// The tally of the bytes between.
    pub middle: Option<Tally>,
}

/// Reads the blocks `ranges` of `file` (which is `loc`), each into a pooled
/// buffer, and counts their line-aligned middles: one job on the rayon pool
/// for the whole window, whose threads share its blocks out among themselves,
/// so a block costs no task, channel or thread wake-up of its own (those cost
/// ~20 µs a block, as much as 2% of the count of a 1 MiB block). Returns the
/// blocks in order.
pub(super) async fn read_and_count(
    file: &LocalFile,
    loc: &Location,
    ranges: Vec<Range<u64>>,
    pool: &Arc<Pool>,
    counter: &Counter,
) -> Result<Vec<Precounted>> {
    use rayon::prelude::*;
    for range in &ranges {
        let len = range.end - range.start;
        assert!(
            len <= pool.size as u64,
            "block of {len} bytes exceeds the pool's {}",
            pool.size
        );
    }
    let (file, pool, counter) = (file.file.clone(), pool.clone(), counter.clone());
    let read = on_rayon(move || {
        ranges
            .into_par_iter()
            .map(|range| {
                let len = (range.end - range.start) as usize;
                let mut buf = pool.take();
                let r = file.read_exact_at(&mut buf[..len], range.start);
                let block = Pooled {
                    buf,
                    len,
                    pool: pool.clone(),
                };
                r.map(|()| split_and_count(block.as_ref(), &counter))
                    .map_err(|e| (range, e))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
    })
    .await;
    match read {
        Ok(counted) => Ok(counted),
        Err((range, e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(Error::InputChanged {
                url: loc.url.to_string(),
                was: format!("at least {} bytes", range.end),
                now: format!("a short read at offset {}", range.start),
            })
        }
        Err((_, e)) => Err(store::storage_error(
            "reading",
            loc,
            object_store::Error::Generic {
                store: "LocalFileSystem",
                source: Box::new(e),
            },
        )),
    }
}

/// Cuts a block where `LineStitcher::push` would and counts the middle.
fn split_and_count(b: &[u8], counter: &Counter) -> Precounted {
    let Some(first) = memchr::memchr(b'\n', b) else {
        return Precounted {
            head: Bytes::copy_from_slice(b),
            tail: Bytes::new(),
            middle: None,
        };
    };
    let last = memchr::memrchr(b'\n', b).expect("a newline was found");
    Precounted {
        head: Bytes::copy_from_slice(&b[..=first]),
        tail: Bytes::copy_from_slice(&b[last + 1..]),
        middle: (last > first).then(|| counter.count_unit(&b[first + 1..=last])),
    }
}

/// Fails with [`Error::InputChanged`] unless `loc` still has the ETag `e_tag`.
pub(crate) async fn check_unchanged(loc: &Location, e_tag: Option<&str>) -> Result<()> {
    let Some(was) = e_tag else { return Ok(()) };
    let now = match store::head(loc).await {
        Ok(meta) => meta.e_tag.unwrap_or_else(|| "none".into()),
        Err(Error::NotFound { .. }) => "gone".into(),
        Err(e) => return Err(e),
    };
    if now != was {
        return Err(Error::InputChanged {
            url: loc.url.to_string(),
            was: was.to_string(),
            now,
        });
    }
    Ok(())
}
