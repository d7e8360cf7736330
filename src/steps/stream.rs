//! Counting a stream (standard input, a pipe) in one pass, with no split.
//!
//! A stream cannot be cut into parts ahead of time nor read twice, so it is
//! one part: a reader thread reads it in blocks, decoding gzip or zstd when
//! its first bytes say so, and the blocks go through the same
//! [`LineStitcher`] and rayon units as a stored part's, so every counting
//! mode counts a stream as it counts a file. The blocks in memory at once
//! are bounded by the count's memory budget, whatever the stream's length.
//!
//! With a work prefix the stream leaves a complete, mergeable record: a
//! manifest marked as a stream (one object, `-`, and one part, `0`), its
//! count output, and what merge writes (`result.json`, `timeline.json`).
//! Merge reads that record like any other; the count step refuses to count
//! its part again, since the stream is gone.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use logcount::spec::Counting;
//! use logcount::steps::count::CountOptions;
//! use logcount::steps::stream::count_stream;
//! use logcount::store::Stores;
//!
//! let log = b"INFO a\nERROR b\nINFO c\n".as_slice();
//! let opts = CountOptions::default();
//! let merged = count_stream(&Stores::default(), log, &Counting::default(), &opts, None).await?;
//! assert_eq!(merged.result.get("INFO"), Some(2));
//! assert_eq!(merged.result.get("ERROR"), Some(1));
//! # Ok::<(), logcount::Error>(())
//! # }).unwrap();
//! ```

use super::count::{counter_for, output_of, read_ahead, CountOptions};
use super::merge::{self, Merged};
use crate::aggregate::{Counter, Detail, LineStitcher, Tally};
use crate::cut::Segment;
use crate::decompress::Compression;
use crate::error::{Error, Result};
use crate::spec::Counting;
use crate::store::{self, Location, Stores};
use crate::timeline::{rule, TimeParser};
use crate::wire::{
    self, InputObject, Manifest, Part, TimestampRule, MANIFEST_FILE, MANIFEST_VERSION,
};
use bytes::{Bytes, BytesMut};
use futures::stream::FuturesUnordered;
use futures::StreamExt;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::mpsc;

/// How a stream is named in its manifest: the object's path, the input and
/// the store.
pub const STREAM_NAME: &str = "-";

/// What the stream held, as the reader thread saw it.
#[derive(Debug, Clone, Copy)]
struct Read0 {
    /// Bytes read from the stream (compressed bytes when compressed).
    raw: u64,
    /// Its compression, from its first bytes.
    compression: Option<Compression>,
}

/// Counts `reader` to its end as `counting` says, in one pass, and returns
/// the merged result. With `work`, also writes the run's record there (see
/// the module docs) and merges it as the merge step does.
pub async fn count_stream<R: Read + Send + 'static>(
    stores: &Stores,
    reader: R,
    counting: &Counting,
    opts: &CountOptions,
    work: Option<&Location>,
) -> Result<Merged> {
    let started = Instant::now();
    let mut counter = counter_for(counting, opts.strategy)?;
    let ahead = read_ahead(opts);
    // Blocks read and waiting to be stitched, and units waiting for a thread.
    let queued = (ahead.blocks / 2).max(1);
    let max_units = ahead.blocks.saturating_sub(queued).max(1);
    let (tx, mut rx) = mpsc::channel::<Result<Bytes>>(queued);
    let block = ahead.block;
    let reader_thread = tokio::task::spawn_blocking(move || read_blocks(reader, block, &tx));

    let mut stitcher: Option<LineStitcher> = None;
    let mut timestamps = None;
    let mut total = counter.tally();
    let mut units = FuturesUnordered::new();
    while let Some(block) = rx.recv().await {
        let block = block?;
        let stitcher = match &mut stitcher {
            Some(s) => s,
            None => {
                // A `--by` stream: its format from its first block.
                if let Some(unit) = counting.by() {
                    let (y, m, _) = today();
                    let settings = rule::TimeSettings::parse(&counting.time())?;
                    let rule = rule::choose(&settings, &block, (y as i32, m));
                    let parser = TimeParser::for_object(unit, &settings.zone, Some(&rule))
                        .map_err(|e| Error::invalid("--by", e))?;
                    counter = counter.with_mode(Detail::timeline(parser));
                    timestamps = Some(rule);
                }
                stitcher.insert(LineStitcher::new(counter.clone(), super::count::LINE_LIMIT))
            }
        };
        if let Some(unit) = stitcher.push(block) {
            while units.len() >= max_units {
                let t: Tally = units.next().await.expect("non-empty");
                total.absorb(t);
            }
            let counter: Counter = counter.clone();
            units.push(super::on_rayon(move || counter.count_unit(&unit)));
        }
    }
    if let Some(s) = stitcher {
        total.absorb(s.finish());
    }
    while let Some(t) = units.next().await {
        total.absorb(t);
    }
    let seen = reader_thread.await.expect("the stream reader panicked")?;
    let text = total.bytes;
    total.bytes = seen.raw;
    let manifest = stream_manifest(counting, seen, timestamps);
    let part = &manifest.parts[0];
    let decompressed = seen.compression.map(|_| text);
    let output = output_of(&manifest, part, total, decompressed, &counter, started);
    tracing::info!(bytes = seen.raw, text, compression = ?seen.compression, "stream counted");
    match work {
        None => merge::sum(&manifest, &[output]),
        Some(work) => {
            let work = &work.confined();
            super::split::retire_earlier_job(work, false).await?;
            store::write_json(&work.join(&wire::count_output_file(&part.id)), &output).await?;
            store::write_json(&work.join(MANIFEST_FILE), &manifest).await?;
            merge::merge_job(stores, work, Some(1), Some(&manifest.job_id)).await
        }
    }
}

/// The manifest of a stream: one object of the bytes read, one part.
fn stream_manifest(
    counting: &Counting,
    seen: Read0,
    timestamps: Option<TimestampRule>,
) -> Manifest {
    Manifest {
        version: MANIFEST_VERSION,
        job_id: super::split::new_job_id(),
        input: STREAM_NAME.into(),
        store: STREAM_NAME.into(),
        objects: vec![InputObject {
            path: STREAM_NAME.into(),
            size: seen.raw,
            e_tag: None,
            last_modified: now_rfc3339(),
            compression: seen.compression,
            sniffed_by_count: false,
            changed: None,
            timestamps,
        }],
        counting: counting.clone(),
        parts: Part::numbered(vec![vec![Segment {
            object: 0,
            start: 0,
            end: seen.raw,
        }]]),
        materialized: false,
        stream: true,
        group_by: None,
        reducers: None,
        no_other_fields: Default::default(),
    }
}

/// Today (UTC): year, month, day.
fn today() -> (i64, u32, u32) {
    crate::timeline::civil_from_days(now_secs().div_euclid(86_400))
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64
}

/// The time now, RFC 3339 in UTC to the second.
fn now_rfc3339() -> String {
    let now = now_secs();
    let (y, m, d) = crate::timeline::civil_from_days(now.div_euclid(86_400));
    let s = now.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Reads the stream to its end into blocks of `block` bytes of text (the
/// decoded text when it is compressed) and sends them; stops early when the
/// receiver is gone.
fn read_blocks<R: Read>(
    reader: R,
    block: usize,
    tx: &mpsc::Sender<Result<Bytes>>,
) -> Result<Read0> {
    let raw = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(Mutex::new(None));
    let mut input = Counted {
        inner: reader,
        read: raw.clone(),
        failed: failed.clone(),
    };
    // Enough leading bytes to tell the compression.
    let mut head = Vec::with_capacity(4);
    while head.len() < 4 {
        let mut byte = [0u8; 4];
        let n = input.read(&mut byte[..4 - head.len()])?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&byte[..n]);
    }
    let compression = Compression::sniff(&head);
    let input = io::Cursor::new(head).chain(input);
    let mut text: Box<dyn Read> = match compression {
        None => Box::new(input),
        Some(Compression::Gzip) => Box::new(flate2::read::MultiGzDecoder::new(input)),
        Some(Compression::Zstd) => Box::new(zstd::stream::read::Decoder::new(input)?),
    };
    loop {
        let mut buf = BytesMut::zeroed(block);
        let mut filled = 0;
        while filled < block {
            match text.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let err = match (failed.lock().expect("not poisoned").take(), compression) {
                        (Some(read_error), _) => Error::Io(read_error),
                        (None, Some(c)) => Error::Corrupt {
                            what: c.stream_name(),
                            url: "standard input".into(),
                            reason: format!(
                                "after {} compressed bytes: {e}",
                                raw.load(Ordering::Relaxed)
                            ),
                        },
                        (None, None) => Error::Io(e),
                    };
                    return Err(err);
                }
            }
        }
        if filled == 0 {
            break;
        }
        buf.truncate(filled);
        if tx.blocking_send(Ok(buf.freeze())).is_err() {
            break; // the counting side is gone (it failed)
        }
    }
    Ok(Read0 {
        raw: raw.load(Ordering::Relaxed),
        compression,
    })
}

/// The stream as read: counts its bytes and keeps its own read error, so that
/// a failing pipe is told from a stream that does not decode.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
    failed: Arc<Mutex<Option<io::Error>>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    self.read.fetch_add(n as u64, Ordering::Relaxed);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let shown = io::Error::new(e.kind(), e.to_string());
                    *self.failed.lock().expect("not poisoned") = Some(e);
                    return Err(shown);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reference::count_one;
    use crate::keywords::Keywords;
    use std::io::Write;

    /// Reads `data` at most `chunk` bytes at a time, then fails with `fail` if given.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        chunk: usize,
        fail: Option<io::ErrorKind>,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at == self.data.len() {
                return match self.fail {
                    Some(kind) => Err(io::Error::new(kind, "the pipe broke")),
                    None => Ok(0),
                };
            }
            let n = buf.len().min(self.chunk).min(self.data.len() - self.at);
            buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn trickle(data: &[u8], chunk: usize) -> Trickle {
        Trickle {
            data: data.to_vec(),
            at: 0,
            chunk,
            fail: None,
        }
    }

    fn count(reader: Trickle, block: usize) -> Result<Merged> {
        let opts = CountOptions {
            block_size: block,
            ..CountOptions::default()
        };
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(count_stream(
            &Stores::default(),
            reader,
            &Counting::default(),
            &opts,
            None,
        ))
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn any_read_size_and_block_size_give_the_exact_counts() {
        let mut long = Vec::new();
        for i in 0..3000 {
            long.extend_from_slice(if i % 3 == 0 { b"ERROR " } else { b"xINFOx" });
        }
        let inputs: &[&[u8]] = &[
            b"",
            b"\n",
            b"INFO a\nWARN b\nERROR c",
            b"INFO a\r\nWARN b\r\nERROR\r\n\r\n",
            b"\xff\xfeINFO\x80\nDE\xc3BUG DEBUG\n\x00ERROR\x00\n",
            b"ERRORERROR ERRERR\nINFOINFO\n",
            &long,
        ];
        let k = Keywords::default_set();
        for data in inputs {
            let want: Vec<u64> = k
                .names()
                .iter()
                .map(|n| count_one(data, n.as_bytes()))
                .collect();
            let lines = data.iter().filter(|&&b| b == b'\n').count() as u64
                + u64::from(!data.is_empty() && !data.ends_with(b"\n"));
            for (chunk, block) in [(1, 1), (1, 7), (3, 64), (4096, 5), (1 << 20, 1 << 20)] {
                for compressed in [false, true] {
                    let given = if compressed {
                        gzip(data)
                    } else {
                        data.to_vec()
                    };
                    let got = count(trickle(&given, chunk), block).unwrap();
                    let counts: Vec<u64> = got.result.values().collect();
                    let case = format!("{data:?} chunk {chunk} block {block} gz {compressed}");
                    assert_eq!(counts, want, "{case}");
                    assert_eq!(got.lines, lines, "{case}");
                    assert_eq!(got.bytes, given.len() as u64, "{case}");
                }
            }
        }
    }

    #[test]
    fn a_broken_pipe_is_transient_and_a_broken_gzip_is_bad_input() {
        let mut broken = trickle(b"INFO a\nWARN b\n", 3);
        broken.fail = Some(io::ErrorKind::ConnectionReset);
        let e = count(broken, 4).unwrap_err();
        assert!(e.is_transient(), "{e}");

        let gz = gzip(&b"INFO a\n".repeat(10_000));
        let truncated = &gz[..gz.len() / 2];
        let e = count(trickle(truncated, 4096), 4096).unwrap_err();
        assert!(!e.is_transient(), "{e}");
        assert!(e.to_string().contains("gzip stream"), "{e}");
        assert!(e.to_string().contains("standard input"), "{e}");
    }
}
