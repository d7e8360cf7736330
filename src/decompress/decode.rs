//! Decompressing one segment of a compressed object while streaming (count's
//! job), in bounded memory.
//!
//! Three stages, each bounded: an async task reads the compressed bytes from
//! the segment's start in blocks (ranged reads, `fetch_concurrency` in flight,
//! each checked against the ETag split saw); a blocking thread decodes them
//! unit by unit (gzip members with flate2, zstd frames with libzstd's
//! streaming decoder, whose window is capped at 128 MiB); the decompressed
//! blocks come out as a stream of [`Bytes`] for the line stitcher, so they
//! are counted on the rayon pool exactly like blocks of a plain object.
//!
//! The blocks hold the lines the segment owns (see the [module
//! docs](super)): a segment that does not start its object drops the text
//! through the first newline; one that does not end its object goes on past
//! its end, into the next units, through the first newline there. The stream
//! ends without an error only when the units from the segment's start decoded
//! whole and one of them ended exactly at the segment's end.
//!
//! Errors: damaged data (a bad header, corrupt data, a checksum mismatch, a
//! stream that ends inside a unit) is [`Error::Corrupt`] naming the object and
//! the compressed offset of the unit (exit 2); storage failures keep their
//! own error (exit 1).
//!
//! ```
//! use futures::StreamExt;
//! use logcount::decompress::{decode::{decompressed_blocks, Segment}, Compression};
//! let rt = tokio::runtime::Builder::new_multi_thread().build().unwrap();
//! let text = b"INFO a\nWARN b\nERROR c";
//! let zst = zstd::bulk::compress(text, 3).unwrap();
//! let seg = Segment { compression: Compression::Zstd, start: 0, end: zst.len() as u64, object_size: zst.len() as u64 };
//! let blocks = rt.block_on(async {
//!     let src = logcount::decompress::decode::Fetch::memory(zst.into());
//!     decompressed_blocks(src, "memory:///x.zst".into(), seg, 4, 2).collect::<Vec<_>>().await
//! });
//! let joined: Vec<u8> = blocks.into_iter().flat_map(|b| b.unwrap().to_vec()).collect();
//! assert_eq!(joined, text);
//! ```

use super::Compression;
use crate::error::{Error, Result};
use crate::store::{self, Location};
use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};
use std::io::{self, BufRead, Read};
use std::sync::Arc;
use tokio::sync::mpsc;

/// One segment of a compressed object: compressed bytes `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The object's compression.
    pub compression: Compression,
    /// The first compressed byte, a unit (gzip member, zstd frame) start.
    pub start: u64,
    /// One past the last compressed byte: a unit start or the object's end.
    pub end: u64,
    /// The size of the whole object (a segment may read on past its end).
    pub object_size: u64,
}

/// Where the compressed bytes come from.
#[derive(Debug, Clone)]
pub enum Fetch {
    /// An object in storage, read with ranged reads checked against an ETag.
    Store {
        /// The object.
        loc: Arc<Location>,
        /// The ETag split saw; `None` reads without the check.
        e_tag: Option<Arc<str>>,
    },
    /// The whole object in memory.
    Memory(Bytes),
}

impl Fetch {
    /// The whole object in memory (tests, tools).
    pub fn memory(b: Bytes) -> Fetch {
        Fetch::Memory(b)
    }

    async fn read(&self, range: std::ops::Range<u64>) -> Result<Bytes> {
        match self {
            Fetch::Store { loc, e_tag } => store::read_range(loc, range, e_tag.as_deref()).await,
            Fetch::Memory(b) => Ok(b.slice(range.start as usize..range.end as usize)),
        }
    }
}

/// The decompressed text `seg` owns, as blocks of at most `block` bytes.
/// `url` names the object in errors. Dropping the stream stops the reads and
/// the decoder.
pub fn decompressed_blocks(
    fetch: Fetch,
    url: String,
    seg: Segment,
    block: usize,
    fetch_concurrency: usize,
) -> impl Stream<Item = Result<Bytes>> + Send + 'static {
    let block = block.max(1);
    let depth = fetch_concurrency.max(1);
    let (raw_tx, raw_rx) = mpsc::channel::<Result<Bytes>>(depth);
    let (out_tx, out_rx) = mpsc::channel::<Result<Bytes>>(depth.max(2));
    tokio::spawn(async move {
        let size = seg.object_size;
        let ranges = (seg.start..size)
            .step_by(block)
            .map(move |at| at..(at + block as u64).min(size));
        let mut reads = futures::stream::iter(ranges)
            .map(|r| {
                let fetch = fetch.clone();
                async move { fetch.read(r).await }
            })
            .buffered(depth);
        while let Some(read) = reads.next().await {
            let failed = read.is_err();
            if raw_tx.send(read).await.is_err() || failed {
                return; // the decoder is done (or gone), or the read failed
            }
        }
    });
    let decoder = tokio::task::spawn_blocking(move || {
        let mut input = Input {
            rx: raw_rx,
            chunk: Bytes::new(),
            pos: seg.start,
            failed: None,
            eof: false,
        };
        let mut sink = Sink {
            out: out_tx,
            skipping: seg.start > 0,
            past_end: false,
            done: false,
        };
        let mut d = Decoder {
            seg,
            url,
            block,
            input: &mut input,
            sink: &mut sink,
        };
        let outcome = match seg.compression {
            Compression::Gzip => d.gzip(),
            Compression::Zstd => d.zstd(),
        };
        if let Err(e) = outcome {
            let _ = sink.out.blocking_send(Err(e));
        }
    });
    // After the last block, the decoder's end is awaited: a panic there must
    // not pass for the end of the text.
    futures::stream::unfold((out_rx, Some(decoder)), |(mut rx, decoder)| async move {
        if let Some(item) = rx.recv().await {
            return Some((item, (rx, decoder)));
        }
        match decoder?.await {
            Ok(()) => None,
            Err(e) => Some((
                Err(Error::Io(io::Error::other(format!(
                    "the decoder failed: {e}"
                )))),
                (rx, None),
            )),
        }
    })
}

/// The compressed bytes, as a `BufRead` fed by the fetch task.
struct Input {
    rx: mpsc::Receiver<Result<Bytes>>,
    chunk: Bytes,
    /// The object offset of `chunk[0]`: how far the decoder has consumed.
    pos: u64,
    failed: Option<Error>,
    eof: bool,
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let c = self.fill_buf()?;
            let n = c.len().min(buf.len());
            buf[..n].copy_from_slice(&c[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Input {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.chunk.is_empty() && !self.eof {
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.chunk = b,
                Some(Err(e)) => {
                    self.failed = Some(e);
                    self.eof = true;
                    return Err(io::Error::other("reading the compressed bytes failed"));
                }
                None => self.eof = true,
            }
        }
        Ok(&self.chunk)
    }

    fn consume(&mut self, n: usize) {
        self.chunk.advance(n);
        self.pos += n as u64;
    }
}

/// Where decompressed text goes: drops what the segment does not own.
struct Sink {
    out: mpsc::Sender<Result<Bytes>>,
    /// Dropping text through the first newline (the segment starts mid-object).
    skipping: bool,
    /// Past the segment's end: keep text through the first newline only.
    past_end: bool,
    /// Nothing more is wanted.
    done: bool,
}

impl Sink {
    fn emit(&mut self, mut b: Bytes) {
        if self.done {
            return;
        }
        if self.skipping {
            let Some(i) = memchr::memchr(b'\n', &b) else {
                return;
            };
            b = b.slice(i + 1..);
            self.skipping = false;
            if self.past_end {
                // The newline after the segment's end: the next segment's.
                self.done = true;
                return;
            }
        }
        if self.past_end {
            if let Some(i) = memchr::memchr(b'\n', &b) {
                b.truncate(i + 1);
                self.done = true;
            }
        }
        if !b.is_empty() && self.out.blocking_send(Ok(b)).is_err() {
            self.done = true; // the reader went away
        }
    }
}

struct Decoder<'a> {
    seg: Segment,
    url: String,
    block: usize,
    input: &'a mut Input,
    sink: &'a mut Sink,
}

impl Decoder<'_> {
    /// A unit ended at `self.input.pos`: whether to decode the next one.
    fn unit_end(&mut self) -> Result<bool> {
        let pos = self.input.pos;
        if pos == self.seg.end {
            self.sink.past_end = true;
        } else if pos > self.seg.end && !self.sink.past_end {
            return Err(self.corrupt(format!(
                "the part's range ends at compressed offset {}, inside a {} that ends at {pos} \
                 (the manifest does not match the object)",
                self.seg.end,
                self.seg.compression.unit_name()
            )));
        }
        Ok(!self.sink.done && pos < self.seg.object_size)
    }

    fn corrupt(&self, reason: String) -> Error {
        Error::Corrupt {
            what: self.seg.compression.stream_name(),
            url: self.url.clone(),
            reason,
        }
    }

    /// A decoder failure: the storage error behind it, or damaged data.
    fn failure(&mut self, unit_start: u64, e: io::Error) -> Error {
        if let Some(storage) = self.input.failed.take() {
            return storage;
        }
        let unit = self.seg.compression.unit_name();
        let at = self.input.pos;
        if self.input.eof && self.input.chunk.is_empty() {
            return self.corrupt(format!(
                "truncated: it ends at compressed offset {at}, inside the {unit} starting at \
                 compressed offset {unit_start} ({e})"
            ));
        }
        self.corrupt(format!(
            "corrupt data in the {unit} starting at compressed offset {unit_start} \
             (decoding stopped at compressed offset {at}): {e}"
        ))
    }

    fn fill(&mut self) -> Result<bool> {
        match self.input.fill_buf() {
            Ok(c) => Ok(!c.is_empty()),
            Err(_) => Err(self.input.failed.take().expect("only storage errors")),
        }
    }

    /// Decodes gzip members, one `GzDecoder` each, so that member ends are seen.
    fn gzip(&mut self) -> Result<()> {
        while self.fill()? {
            let unit_start = self.input.pos;
            let mut out = BytesMut::zeroed(self.block);
            let mut filled = 0;
            let mut member = flate2::bufread::GzDecoder::new(&mut *self.input);
            loop {
                match member.read(&mut out[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        drop(member);
                        return Err(self.failure(unit_start, e));
                    }
                }
                if filled == out.len() {
                    self.sink.emit(out.split_to(filled).freeze());
                    out = BytesMut::zeroed(self.block);
                    filled = 0;
                    if self.sink.done {
                        return Ok(());
                    }
                }
            }
            drop(member);
            self.sink.emit(out.split_to(filled).freeze());
            if !self.unit_end()? {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Decodes zstd frames with the streaming decoder, which stops at each
    /// frame's end (skippable frames are frames that decode to nothing).
    fn zstd(&mut self) -> Result<()> {
        use zstd::stream::raw::{InBuffer, Operation, OutBuffer};
        let mut dec = zstd::stream::raw::Decoder::new()
            .map_err(|e| self.corrupt(format!("cannot start a decoder: {e}")))?;
        let mut out = BytesMut::zeroed(self.block);
        let mut filled = 0;
        let mut unit_start = None;
        loop {
            let more = self.fill()?;
            if !more && unit_start.is_none() {
                return Ok(()); // the object's end, at a frame boundary
            }
            let start = *unit_start.get_or_insert(self.input.pos);
            let run = {
                let mut src = InBuffer::around(&self.input.chunk);
                let mut dst = OutBuffer::around(&mut out[filled..]);
                dec.run(&mut src, &mut dst)
                    .map(|hint| (src.pos(), dst.pos(), hint))
            };
            let (used, made, hint) = match run {
                Ok(r) => r,
                Err(e) => return Err(self.failure(start, e)),
            };
            self.input.consume(used);
            filled += made;
            if hint == 0 || filled == out.len() {
                self.sink.emit(out.split_to(filled).freeze());
                out = BytesMut::zeroed(self.block);
                filled = 0;
                if self.sink.done {
                    return Ok(());
                }
            }
            if hint == 0 {
                unit_start = None;
                if !self.unit_end()? {
                    return Ok(());
                }
            } else if !more && made == 0 {
                let e = io::Error::new(io::ErrorKind::UnexpectedEof, "incomplete frame");
                return Err(self.failure(start, e));
            }
        }
    }
}
