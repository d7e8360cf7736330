//! The local-file fast path of the count step: the part's bytes are read
//! with `pread` into a pool of reused buffers (the default,
//! [`LocalRead::Pread`]), or counted in place from a read-only mapping of
//! the file ([`LocalRead::Mmap`]); either instead of a fresh allocation per
//! ranged read.
//!
//! Each block is read (copied in, or counted in place from the mapping) and
//! its line-aligned middle counted in one task on the rayon pool, while the
//! block is hot in that core's cache; the partial lines at its two ends go to the
//! generic stitcher, exactly as `LineStitcher::push` would have cut the block
//! (a pread buffer goes back to the pool at once; a mapped block's pages are
//! unmapped from the process, `MADV_DONTNEED`, so its resident set stays that
//! of the blocks being counted, as with pread). Input drift is checked
//! once per segment after its last block was read ([`check_unchanged`]): the
//! object's ETag then must still be the one split recorded, so a change at
//! any time between split and the end of the read is refused, as on the
//! generic path.
//!
//! A mapping trades the page-cache copy for one hazard: a file cut shorter
//! while it is counted. A segment is mapped only when the file still holds
//! it whole, and before each block is counted from the mapping the file's
//! size is checked (`fstat`): a block the file no longer holds is read with
//! `pread` instead, which reports the short read as a changed input. Only a
//! truncation in the microseconds between a block's check and the end of
//! its count can still raise `SIGBUS`; `pread` (`--read pread`) has no such
//! window.

use super::{LocalRead, LOCAL_WINDOW};
use crate::aggregate::{Counter, Tally};
use crate::error::{Error, Result};
use crate::steps::on_rayon;
use crate::store::{self, Location};
use bytes::Bytes;
use memmap2::{Advice, Mmap, MmapOptions};
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
    /// The segment, mapped (`None`: read with `pread`).
    map: Option<Arc<Mapped>>,
}

/// A read-only mapping of the file's bytes `start..start + map.len()`.
#[derive(Debug)]
struct Mapped {
    map: Mmap,
    start: u64,
}

impl Mapped {
    /// The mapped bytes `range` of `file`, which this maps; `None` when the
    /// mapping does not cover them or the file no longer holds them all (it
    /// was cut shorter: `pread` then reports it), so that no page past the
    /// file's end is touched.
    fn bytes(&self, file: &File, range: &Range<u64>) -> Option<&[u8]> {
        let from = usize::try_from(range.start.checked_sub(self.start)?).ok()?;
        let to = usize::try_from(range.end - self.start).ok()?;
        if to > self.map.len() || from > to {
            return None;
        }
        // One `fstat` a block. Populating the block's pages first
        // (`MADV_POPULATE_READ`) guards the same way but costs more than
        // the faults it saves: on 1 GiB, count step 170 → 140 ms, system
        // time 125 → 81 ms without it (2 cores, page cache).
        if from < to && file.metadata().ok()?.len() < range.end {
            return None;
        }
        Some(&self.map[from..to])
    }

    /// Drops this process's page-table entries of the bytes `range`
    /// (counted), so that its resident set holds only the blocks being
    /// counted; the pages stay in the page cache.
    fn release(&self, range: &Range<u64>) {
        let from = (range.start - self.start) as usize;
        let to = (range.end - self.start) as usize;
        // SAFETY: the mapping is read-only, so no write is discarded: a page
        // touched again (a neighbouring block's) faults back in from the
        // page cache.
        let _ = unsafe {
            self.map
                .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from)
        };
    }
}

/// Opens `loc` for the fast path when it is a plain file of the local file
/// system store that `Stores` built ([`Location::local_path`]); `None` sends
/// it down the generic path (which reports errors). With
/// [`LocalRead::Mmap`], maps the bytes `segment` of it when the file holds
/// them all; otherwise (or when mapping fails) the blocks are read with
/// `pread`.
pub(super) fn open(loc: &Location, segment: Range<u64>, read: LocalRead) -> Option<LocalFile> {
    let path = loc.local_path()?;
    // Check before opening: opening a FIFO for reading would block.
    if !std::fs::metadata(&path).ok()?.is_file() {
        return None;
    }
    let file = File::open(&path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let map = match read {
        LocalRead::Mmap if segment.start < segment.end && segment.end <= meta.len() => map_segment(
            &file, &segment,
        )
        .inspect_err(
            |e| tracing::debug!(url = %loc, error = %e, "mapping failed, reading with pread"),
        )
        .ok(),
        _ => None,
    };
    tracing::debug!(
        url = %loc,
        file = %path.display(),
        fast_path = if map.is_some() { "mmap" } else { "pread" },
        "reading a local file directly"
    );
    Some(LocalFile {
        file: Arc::new(file),
        map: map.map(Arc::new),
    })
}

/// Maps the bytes `segment` of `file` read-only.
fn map_segment(file: &File, segment: &Range<u64>) -> std::io::Result<Mapped> {
    let len = usize::try_from(segment.end - segment.start).map_err(std::io::Error::other)?;
    // SAFETY: the mapping is read-only and private to this count; the bytes
    // may change under it only if another process writes the file, which the
    // ETag check refuses afterwards, as it does for `pread`. A file cut
    // shorter is the remaining hazard (see the module's documentation).
    let map = unsafe {
        MmapOptions::new()
            .offset(segment.start)
            .len(len)
            .map(file)?
    };
    // Only a hint for the kernel's read-ahead of pages not yet cached.
    let _ = map.advise(Advice::Sequential);
    Ok(Mapped {
        map,
        start: segment.start,
    })
}

/// Where a read buffer's bytes start: a page boundary. The kernel copies a
/// page-aligned range of the page cache into a page-aligned buffer about
/// twice as fast as into one a few bytes off a page (where the allocator
/// puts a large `Vec`): on the 2-core bench machine, 1 GiB in 1 MiB `pread`s
/// took 0.09 s of system time aligned against 0.18-0.20 s 16 bytes off.
const PAGE: usize = 4096;

/// A buffer of `size` bytes, plus a page, that start on a page boundary: a
/// range that starts inside a page is read from that page's start.
#[derive(Debug)]
struct PageBuf {
    raw: Vec<u8>,
    start: usize,
}

impl PageBuf {
    fn new(size: usize) -> Self {
        let raw = vec![0u8; size + 2 * PAGE];
        let start = raw.as_ptr().align_offset(PAGE);
        debug_assert!(start < PAGE);
        PageBuf { raw, start }
    }

    fn bytes(&self) -> &[u8] {
        &self.raw[self.start..]
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.raw[self.start..]
    }
}

/// Page-aligned buffers of one size, reused.
#[derive(Debug)]
pub(super) struct Pool {
    size: usize,
    free: Mutex<Vec<PageBuf>>,
}

impl Pool {
    pub(super) fn new(size: usize) -> Arc<Self> {
        Arc::new(Pool {
            size,
            free: Mutex::new(Vec::new()),
        })
    }

    fn take(&self) -> PageBuf {
        let reused = self.free.lock().expect("not poisoned").pop();
        reused.unwrap_or_else(|| PageBuf::new(self.size))
    }
}

/// A pooled buffer holding `len` bytes from `from`; goes back to its pool
/// when dropped.
struct Pooled {
    buf: Option<PageBuf>,
    from: usize,
    len: usize,
    pool: Arc<Pool>,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf.as_ref().expect("held until dropped").bytes()[self.from..self.from + self.len]
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(buf) = self.buf.take() {
            self.pool.free.lock().expect("not poisoned").push(buf);
        }
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

/// A plain local segment of a part, to count on the fast path.
pub(super) struct LocalSegment {
    /// The segment's index in the part.
    pub index: usize,
    pub file: LocalFile,
    pub loc: Arc<Location>,
    pub counter: Counter,
    /// Its bytes in the file.
    pub range: Range<u64>,
}

/// The local segments of a part cut into windows of contiguous blocks, and
/// the windows into batches, each read and counted in one job on the rayon
/// pool.
///
/// A window is counted by one thread, block by block in order: each block
/// is counted while it is hot in that core's cache, and no block costs a
/// task, a channel or a thread wake-up of its own. A window holds at most
/// [`LOCAL_WINDOW`] blocks and at most `window_bytes / threads` (at least one
/// block), and few enough blocks that each thread gets four windows or more.
///
/// A batch holds one window per thread, and the caller keeps two batches in
/// flight ([`BATCHES_IN_FLIGHT`]): the threads take the next batch's windows
/// as soon as they finish the last one's, so they never wait for the async
/// side, which stitches each batch's block ends in order while the next is
/// counted. Handing the pool one window at a time, and only one in flight,
/// made the threads sleep and wake between windows: on 2 cores, 1 GiB took
/// about 2,500 context switches and 12 % of the CPU in the scheduler. The
/// batches bound what is held: the block ends of at most two batches (each
/// at most a block, so at most twice the read-ahead when lines are longer
/// than a block), whatever the size of the part.
pub(super) struct Plan {
    segments: Vec<LocalSegment>,
    /// (segment, the window's bytes), in order.
    windows: Vec<(usize, Range<u64>)>,
    block: u64,
    per_batch: usize,
}

/// Batches counted at once (see [`Plan`]).
pub(super) const BATCHES_IN_FLIGHT: usize = 2;

impl Plan {
    /// Plans `segments` in blocks of `block` bytes, with `window_bytes` of
    /// blocks in the windows of one batch.
    pub(super) fn new(segments: Vec<LocalSegment>, block: u64, window_bytes: u64) -> Plan {
        assert!(block > 0, "blocks of at least one byte");
        let threads = rayon::current_num_threads().max(1) as u64;
        let blocks: u64 = segments
            .iter()
            .map(|s| (s.range.end - s.range.start).div_ceil(block))
            .sum();
        let per_window = (window_bytes / block / threads)
            .min(blocks / (4 * threads))
            .clamp(1, LOCAL_WINDOW as u64);
        let windows = segments
            .iter()
            .enumerate()
            .flat_map(|(s, seg)| pieces(seg.range.clone(), per_window * block).map(move |w| (s, w)))
            .collect();
        Plan {
            segments,
            windows,
            block,
            per_batch: threads as usize,
        }
    }

    /// The batches, as ranges of window indices, in order.
    pub(super) fn batches(&self) -> impl Iterator<Item = Range<usize>> + use<> {
        let (n, per) = (self.windows.len(), self.per_batch.max(1));
        (0..n.div_ceil(per)).map(move |b| b * per..((b + 1) * per).min(n))
    }
}

/// Reads and counts the windows `batch` of `plan` in one job on the rayon
/// pool; returns each window's segment (its index in the part) and blocks,
/// in order.
pub(super) async fn count_batch(
    plan: Arc<Plan>,
    batch: Range<usize>,
    pool: Arc<Pool>,
) -> Result<Vec<(usize, Vec<Precounted>)>> {
    use rayon::prelude::*;
    assert!(
        plan.block <= pool.size as u64,
        "block of {} bytes exceeds the pool's {}",
        plan.block,
        pool.size
    );
    let job = plan.clone();
    let counted = on_rayon(move || {
        job.windows[batch]
            .par_iter()
            .map(|(s, span)| {
                count_window(&job.segments[*s], span, job.block, &pool)
                    .map(|counted| (job.segments[*s].index, counted))
                    .map_err(|(range, e)| (*s, range, e))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
    })
    .await;
    counted.map_err(|(s, range, e)| read_error(&plan.segments[s].loc, &range, e))
}

/// Reads and counts the blocks of `span` of `seg` in order, from its
/// mapping or into pooled buffers; releases the mapped pages afterwards.
fn count_window(
    seg: &LocalSegment,
    span: &Range<u64>,
    block: u64,
    pool: &Arc<Pool>,
) -> std::result::Result<Vec<Precounted>, (Range<u64>, std::io::Error)> {
    let LocalFile { file, map } = &seg.file;
    let mut counted = Vec::with_capacity((span.end - span.start).div_ceil(block) as usize);
    for range in pieces(span.clone(), block) {
        if let Some(mapped) = map.as_ref().and_then(|m| m.bytes(file, &range)) {
            counted.push(split_and_count(mapped, &seg.counter));
            continue;
        }
        // From the start of the range's first page (see `PAGE`).
        let len = (range.end - range.start) as usize;
        let from = (range.start % PAGE as u64) as usize;
        let mut buf = pool.take();
        let read = file.read_exact_at(
            &mut buf.bytes_mut()[..from + len],
            range.start - from as u64,
        );
        let block = Pooled {
            buf: Some(buf),
            from,
            len,
            pool: pool.clone(),
        };
        match read {
            Ok(()) => counted.push(split_and_count(block.as_ref(), &seg.counter)),
            Err(e) => return Err((range, e)),
        }
    }
    // The window's mapped pages are released together once it is counted:
    // one `madvise` (and one TLB shoot-down of the other threads) a window
    // instead of one a block.
    if let Some(m) = map.as_ref() {
        m.release(span);
    }
    Ok(counted)
}

/// `range` cut into consecutive pieces of `size` bytes (the last may be
/// shorter); none when it is empty.
pub(super) fn pieces(range: Range<u64>, size: u64) -> impl Iterator<Item = Range<u64>> {
    assert!(size > 0, "pieces of at least one byte");
    (range.start..range.end)
        .step_by(usize::try_from(size).unwrap_or(usize::MAX))
        .map(move |at| at..at.saturating_add(size).min(range.end))
}

/// The error of a failed read of `range` of `loc`: a short read is a
/// changed input, anything else a storage error.
fn read_error(loc: &Location, range: &Range<u64>, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return Error::InputChanged {
            url: loc.url.to_string(),
            was: format!("at least {} bytes", range.end),
            now: format!("a short read at offset {}", range.start),
        };
    }
    store::storage_error(
        "reading",
        loc,
        object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(e),
        },
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Larger than any page size Linux uses.
    const PAGE: u64 = 1 << 16;

    #[test]
    fn pieces_cover_the_range_in_order() {
        let cut = |r: Range<u64>, size| pieces(r, size).collect::<Vec<_>>();
        assert_eq!(cut(5..5, 4), []);
        assert_eq!(cut(0..8, 4), [0..4, 4..8]);
        assert_eq!(cut(3..12, 4), [3..7, 7..11, 11..12]);
        assert_eq!(cut(0..3, 1 << 40), vec![0..3; 1]);
        assert_eq!(
            cut(u64::MAX - 3..u64::MAX, 2),
            [u64::MAX - 3..u64::MAX - 1, u64::MAX - 1..u64::MAX]
        );
    }

    #[test]
    fn a_mapping_serves_the_files_bytes_at_any_offset() {
        let data: Vec<u8> = (0..4 * PAGE).map(|i| (i % 251) as u8).collect();
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&data).unwrap();
        // A segment that starts and ends off page boundaries.
        let m = map_segment(&f, &(1000..3 * PAGE + 7)).unwrap();
        for r in [
            1000..1001,
            1000..3 * PAGE + 7,
            5000..PAGE + 3,
            3 * PAGE..3 * PAGE,
        ] {
            let want = &data[r.start as usize..r.end as usize];
            assert_eq!(m.bytes(&f, &r), Some(want), "{r:?}");
        }
        // Outside the segment: not served.
        for r in [999..1000, 3 * PAGE..3 * PAGE + 8] {
            assert_eq!(m.bytes(&f, &r), None, "{r:?}");
        }
    }

    /// A file cut shorter after it was mapped: the blocks it lost are not
    /// served from the mapping (they are read with pread, which reports the
    /// short read), and nothing touches a page past its end (which would
    /// raise SIGBUS).
    #[test]
    fn a_block_cut_off_after_mapping_is_not_served() {
        let data = vec![b'x'; 4 * PAGE as usize];
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&data).unwrap();
        let m = map_segment(&f, &(0..4 * PAGE)).unwrap();
        f.set_len(PAGE).unwrap();
        assert_eq!(m.bytes(&f, &(2 * PAGE..3 * PAGE)), None);
        assert_eq!(m.bytes(&f, &(0..4 * PAGE)), None);
        assert_eq!(m.bytes(&f, &(PAGE..PAGE + 1)), None);
        assert_eq!(m.bytes(&f, &(0..100)), Some(&data[..100]));
        assert_eq!(m.bytes(&f, &(0..PAGE)), Some(&data[..PAGE as usize]));
    }
}
