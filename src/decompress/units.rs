//! Where the independently decodable units of a compressed object start:
//! zstd frames and BGZF gzip members, found from headers alone (split's job).
//!
//! - **zstd, seekable format**: when the object ends with a seek table (a
//!   skippable frame with magic `0x184D2A5E` and the footer magic
//!   `0x8F92EAB1`), its entries give every frame's compressed size: two small
//!   ranged reads at the end of the object, whatever its size. The table is
//!   used only when its sizes add up to the object exactly.
//! - **zstd, otherwise**: a walk over the frames: each frame header, then each
//!   block header (3 bytes, giving the block's size) to the last block, then
//!   the optional checksum; skippable frames are stepped over by their size.
//!   The headers are dense, so this reads the compressed bytes in sequential
//!   windows (64 KiB growing to 8 MiB), at most [`WALK_BUDGET`] bytes per object.
//! - **gzip**: only BGZF (`bgzip`, the `BC` extra subfield giving `BSIZE`, the
//!   member's size) says where the next member starts; the walk steps from
//!   member to member reading headers. Any other gzip file is one unit.
//!
//! A walk stops at the first thing it does not understand (a truncated or
//! corrupt header, the budget): the units found so far are sound, and the
//! rest of the object is one more unit, whose decoder reports any damage.
//!
//! ```
//! use logcount::decompress::units::nearest_start;
//! // Unit starts at 10 and 50 in a 100-byte object: cuts snap to 0, 10, 50 or 100.
//! assert_eq!(nearest_start(&[10, 50], 100, 28), 10);
//! assert_eq!(nearest_start(&[10, 50], 100, 30), 50);
//! assert_eq!(nearest_start(&[10, 50], 100, 80), 100);
//! ```

use super::Compression;
use crate::error::Result;
use crate::store::{self, Location};
use bytes::Bytes;
use std::ops::Range;

/// The most compressed bytes one walk reads from one object.
pub const WALK_BUDGET: u64 = 256 << 20;
const FIRST_WINDOW: u64 = 64 << 10;
const MAX_WINDOW: u64 = 8 << 20;

const ZSTD_MAGIC: u32 = 0xFD2F_B528;
const SKIPPABLE_MASK: u32 = 0xFFFF_FFF0;
const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;
const SEEK_TABLE_FRAME_MAGIC: u32 = 0x184D_2A5E;
const SEEKABLE_FOOTER_MAGIC: u32 = 0x8F92_EAB1;
const BGZF_MIN_MEMBER: u64 = 12 + 6 + 8;

/// Where an object's bytes come from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// An object in storage, at the version split saw.
    Store {
        /// The object.
        loc: &'a Location,
        /// The ETag split saw; `None` reads without the check.
        e_tag: Option<&'a str>,
    },
    /// Bytes in memory (tests, tools).
    Memory(&'a [u8]),
}

impl Source<'_> {
    async fn read(&self, range: Range<u64>) -> Result<Bytes> {
        match self {
            Source::Store { loc, e_tag } => store::read_range(loc, range, *e_tag).await,
            Source::Memory(b) => Ok(Bytes::copy_from_slice(
                &b[range.start as usize..range.end as usize],
            )),
        }
    }
}

/// The offsets strictly inside the object (ascending) where a unit starts:
/// the places a segment of it may start or end. Empty when the object is one
/// unit. Storage errors are errors; anything odd in the data ends the search.
///
/// ```
/// use logcount::decompress::{Compression, units::{unit_starts, Source}};
/// let mut zst = zstd::bulk::compress(b"INFO a\n", 1).unwrap();
/// let first = zst.len() as u64;
/// zst.extend(zstd::bulk::compress(b"WARN b\n", 1).unwrap());
/// let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let size = zst.len() as u64;
/// let starts = rt.block_on(unit_starts(Source::Memory(&zst), size, Compression::Zstd));
/// assert_eq!(starts.unwrap(), vec![first]);
/// ```
pub async fn unit_starts(src: Source<'_>, size: u64, compression: Compression) -> Result<Vec<u64>> {
    match compression {
        Compression::Zstd => {
            if let Some(starts) = zstd_seek_table(src, size).await? {
                return Ok(starts);
            }
            let mut seq = Seq::new(src, size);
            zstd_walk(&mut seq).await
        }
        Compression::Gzip => {
            let mut seq = Seq::new(src, size);
            bgzf_walk(&mut seq).await
        }
    }
}

/// The unit start (or 0, or `size`) nearest to `offset`; ties go forward.
pub fn nearest_start(starts: &[u64], size: u64, offset: u64) -> u64 {
    let i = starts.partition_point(|&s| s < offset);
    let after = starts.get(i).copied().unwrap_or(size);
    let before = if i == 0 { 0 } else { starts[i - 1] };
    if offset - before < after - offset {
        before
    } else {
        after
    }
}

/// Sequential windowed reads over an object, within a read budget.
struct Seq<'a> {
    src: Source<'a>,
    size: u64,
    window_start: u64,
    window: Bytes,
    next_len: u64,
    spent: u64,
}

impl<'a> Seq<'a> {
    fn new(src: Source<'a>, size: u64) -> Self {
        Seq {
            src,
            size,
            window_start: 0,
            window: Bytes::new(),
            next_len: FIRST_WINDOW,
            spent: 0,
        }
    }

    /// Bytes `[pos, pos + n)`, or `None` past the object's end or the budget.
    async fn bytes(&mut self, pos: u64, n: u64) -> Result<Option<Bytes>> {
        if pos.checked_add(n).is_none_or(|end| end > self.size) {
            return Ok(None);
        }
        let in_window =
            pos >= self.window_start && pos + n <= self.window_start + self.window.len() as u64;
        if !in_window {
            let len = self.next_len.max(n).min(self.size - pos);
            if self.spent + len > WALK_BUDGET {
                tracing::debug!(pos, "unit walk budget spent; the rest is one unit");
                return Ok(None);
            }
            self.window = self.src.read(pos..pos + len).await?;
            self.window_start = pos;
            self.spent += len;
            self.next_len = (self.next_len * 2).min(MAX_WINDOW);
        }
        let at = (pos - self.window_start) as usize;
        Ok(Some(self.window.slice(at..at + n as usize)))
    }

    async fn u32_at(&mut self, pos: u64) -> Result<Option<u32>> {
        Ok(self.bytes(pos, 4).await?.map(|b| le(&b) as u32))
    }
}

/// A little-endian unsigned integer of up to 8 bytes.
fn le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0u64, |v, &x| (v << 8) | x as u64)
}

/// The frame starts listed by a zstd seek table, if the object has a valid one.
async fn zstd_seek_table(src: Source<'_>, size: u64) -> Result<Option<Vec<u64>>> {
    if size < 8 + 9 {
        return Ok(None);
    }
    let footer = src.read(size - 9..size).await?;
    if le(&footer[5..9]) as u32 != SEEKABLE_FOOTER_MAGIC {
        return Ok(None);
    }
    let frames = le(&footer[0..4]);
    let descriptor = footer[4];
    if descriptor & 0x7c != 0 {
        return Ok(None); // reserved bits set
    }
    let entry = if descriptor & 0x80 != 0 { 12 } else { 8 };
    let table = frames * entry + 9;
    if 8 + table > size {
        return Ok(None);
    }
    let table_start = size - 8 - table;
    let body = src.read(table_start..size).await?;
    if le(&body[0..4]) as u32 != SEEK_TABLE_FRAME_MAGIC || le(&body[4..8]) != table {
        return Ok(None);
    }
    let mut starts = Vec::with_capacity(frames as usize);
    let mut at = 0u64;
    for e in body[8..8 + (frames * entry) as usize].chunks_exact(entry as usize) {
        if at > 0 {
            starts.push(at);
        }
        at += le(&e[0..4]);
    }
    if at != table_start {
        tracing::debug!(
            at,
            table_start,
            "zstd seek table does not add up; walking frames"
        );
        return Ok(None);
    }
    // Frames of zero compressed bytes would repeat an offset.
    starts.dedup();
    starts.retain(|&s| s < table_start);
    Ok(Some(starts))
}

/// Walks zstd frames (and skippable frames) from the start of the object.
async fn zstd_walk(seq: &mut Seq<'_>) -> Result<Vec<u64>> {
    let mut starts = Vec::new();
    let mut pos = 0u64;
    while pos < seq.size {
        let Some(magic) = seq.u32_at(pos).await? else {
            break;
        };
        let end = if magic == ZSTD_MAGIC {
            match zstd_frame_end(seq, pos).await? {
                Some(end) => end,
                None => break,
            }
        } else if magic & SKIPPABLE_MASK == SKIPPABLE_MAGIC {
            match seq.u32_at(pos + 4).await? {
                Some(len) => pos + 8 + len as u64,
                None => break,
            }
        } else {
            break;
        };
        if end > seq.size {
            break;
        }
        if pos > 0 {
            starts.push(pos);
        }
        pos = end;
    }
    Ok(starts)
}

/// The end of the zstd frame starting at `pos` (its magic already checked).
async fn zstd_frame_end(seq: &mut Seq<'_>, pos: u64) -> Result<Option<u64>> {
    let Some(fhd) = seq.bytes(pos + 4, 1).await? else {
        return Ok(None);
    };
    let fhd = fhd[0];
    if fhd & 0x08 != 0 {
        return Ok(None); // reserved bit
    }
    let single_segment = fhd & 0x20 != 0;
    let checksum = fhd & 0x04 != 0;
    let dict_id = [0, 1, 2, 4][(fhd & 3) as usize];
    let content_size = match fhd >> 6 {
        0 => u64::from(single_segment),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let header = 1 + u64::from(!single_segment) + dict_id + content_size;
    let mut at = pos + 4 + header;
    loop {
        let Some(b) = seq.bytes(at, 3).await? else {
            return Ok(None);
        };
        let h = le(&b);
        let last = h & 1 != 0;
        let size = h >> 3;
        let content = match (h >> 1) & 3 {
            0 | 2 => size,
            1 => 1,
            _ => return Ok(None), // reserved block type
        };
        at += 3 + content;
        if last {
            break;
        }
    }
    if checksum {
        at += 4;
    }
    Ok(Some(at))
}

/// Walks BGZF members; any member that does not carry `BSIZE` ends the walk.
async fn bgzf_walk(seq: &mut Seq<'_>) -> Result<Vec<u64>> {
    let mut starts = Vec::new();
    let mut pos = 0u64;
    while pos < seq.size {
        let Some(h) = seq.bytes(pos, 12).await? else {
            break;
        };
        if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 || h[3] & 0x04 == 0 {
            break;
        }
        let xlen = le(&h[10..12]);
        let Some(extra) = seq.bytes(pos + 12, xlen).await? else {
            break;
        };
        let Some(bsize) = bgzf_bsize(&extra) else {
            break;
        };
        let len = bsize + 1;
        if len < BGZF_MIN_MEMBER || pos + len > seq.size {
            break;
        }
        if pos > 0 {
            starts.push(pos);
        }
        pos += len;
    }
    Ok(starts)
}

/// The `BSIZE` of a gzip extra field's `BC` subfield.
fn bgzf_bsize(mut extra: &[u8]) -> Option<u64> {
    while extra.len() >= 4 {
        let len = le(&extra[2..4]) as usize;
        let data = extra.get(4..4 + len)?;
        if extra[0] == b'B' && extra[1] == b'C' && len == 2 {
            return Some(le(data));
        }
        extra = &extra[4 + len..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(data: &[u8], c: Compression) -> Vec<u64> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(unit_starts(Source::Memory(data), data.len() as u64, c))
            .unwrap()
    }

    fn frames(texts: &[&[u8]]) -> (Vec<u8>, Vec<u64>) {
        let mut out = Vec::new();
        let mut at = Vec::new();
        for t in texts {
            at.push(out.len() as u64);
            out.extend(zstd::bulk::compress(t, 3).unwrap());
        }
        (out, at)
    }

    #[test]
    fn zstd_frames_and_skippable_frames() {
        let (mut data, at) = frames(&[b"a\n", b"", b"ccc\nd"]);
        assert_eq!(starts(&data, Compression::Zstd), at[1..]);
        // A skippable frame is a unit of its own.
        let skip_at = data.len() as u64;
        data.extend_from_slice(&[0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
        let mut want = at[1..].to_vec();
        want.push(skip_at);
        assert_eq!(starts(&data, Compression::Zstd), want);
        // A truncated last frame joins the unit before it.
        let (mut two, at2) = frames(&[b"x\n", b"yyyyyyyyyy\n"]);
        two.pop();
        assert_eq!(starts(&two, Compression::Zstd), Vec::<u64>::new());
        let _ = at2;
        // Garbage after the frames: the walk stops, keeping what it found.
        data.extend_from_slice(b"garbage");
        assert_eq!(starts(&data, Compression::Zstd), want);
    }

    #[test]
    fn zstd_big_frame_has_many_blocks() {
        let text = crate::gen::generate(1 << 20, 1);
        let (data, at) = frames(&[&text, b"tail\n", &text]);
        assert_eq!(starts(&data, Compression::Zstd), at[1..]);
    }

    #[test]
    fn zstd_seek_table_is_used_and_checked() {
        let (mut data, at) = frames(&[b"one\n", b"two\n", b"three\n"]);
        let sizes: Vec<u64> = at
            .iter()
            .zip(at[1..].iter().chain([&(data.len() as u64)]))
            .map(|(a, b)| b - a)
            .collect();
        let mut table = Vec::new();
        for s in &sizes {
            table.extend_from_slice(&(*s as u32).to_le_bytes());
            table.extend_from_slice(&4u32.to_le_bytes());
        }
        table.extend_from_slice(&3u32.to_le_bytes());
        table.push(0);
        table.extend_from_slice(&SEEKABLE_FOOTER_MAGIC.to_le_bytes());
        data.extend_from_slice(&SEEK_TABLE_FRAME_MAGIC.to_le_bytes());
        data.extend_from_slice(&(table.len() as u32).to_le_bytes());
        data.extend_from_slice(&table);
        let mem = Source::Memory(&data);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let table_starts = rt
            .block_on(zstd_seek_table(mem, data.len() as u64))
            .unwrap();
        assert_eq!(table_starts, Some(at[1..].to_vec()));
        // A table whose sizes do not add up is ignored (the walk still works).
        let mut bad = data.clone();
        let first = data.len() - table.len();
        bad[first] ^= 1;
        let rt_bad = rt
            .block_on(zstd_seek_table(Source::Memory(&bad), bad.len() as u64))
            .unwrap();
        assert_eq!(rt_bad, None);
        let mut walked = at[1..].to_vec();
        walked.push(at[2] + sizes[2]); // the seek table's own skippable frame
        assert_eq!(starts(&bad, Compression::Zstd), walked);
    }

    /// A BGZF member: gzip with the `BC` subfield holding BSIZE.
    pub(crate) fn bgzf_member(text: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(text).unwrap();
        let deflated = raw.finish().unwrap();
        let mut crc = flate2::Crc::new();
        crc.update(text);
        let total = 18 + deflated.len() + 8;
        let mut m = vec![
            0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, b'B', b'C', 2, 0,
        ];
        m.extend_from_slice(&((total - 1) as u16).to_le_bytes());
        m.extend_from_slice(&deflated);
        m.extend_from_slice(&crc.sum().to_le_bytes());
        m.extend_from_slice(&(text.len() as u32).to_le_bytes());
        m
    }

    #[test]
    fn bgzf_members_and_plain_gzip() {
        let mut data = Vec::new();
        let mut at = Vec::new();
        for t in [&b"a\nb"[..], b"c\n", b""] {
            at.push(data.len() as u64);
            data.extend(bgzf_member(t));
        }
        assert_eq!(starts(&data, Compression::Gzip), at[1..]);
        // A plain gzip member after them ends the walk: it joins the last unit.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"plain\n").unwrap();
        let plain = gz.finish().unwrap();
        let mut mixed = data.clone();
        mixed.extend_from_slice(&plain);
        assert_eq!(starts(&mixed, Compression::Gzip), at[1..]);
        // Plain gzip alone is one unit, however many members it has.
        let two = [plain.clone(), plain].concat();
        assert!(starts(&two, Compression::Gzip).is_empty());
        // A BSIZE pointing past the end is not trusted.
        let mut cut = data.clone();
        cut.truncate(data.len() - 1);
        assert_eq!(starts(&cut, Compression::Gzip), at[1..2]);
    }
}
