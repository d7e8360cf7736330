//! Compressed input: gzip and zstd objects, decompressed while streaming.
//!
//! **Detection** ([`Compression::sniff`]): the first bytes decide, the name is
//! only a hint. `1f 8b` is gzip; `28 b5 2f fd` (a zstd frame) or a zstd
//! skippable frame (`5X 2a 4d 18`) is zstd; anything else, and every object
//! shorter than its magic, is plain text. So a `.log` that holds gzip is
//! decompressed, and a `.gz` or `.zst` whose bytes are plain text is counted
//! as plain text (split logs a warning naming it). A plain object that
//! happens to start with a magic number is taken for compressed and fails as
//! corrupt data.
//!
//! **Units** ([`units`]): a compressed stream cannot be entered at an
//! arbitrary offset, only where a gzip member or zstd frame starts. Split
//! finds those starts cheaply where the format says where they are: the seek
//! table of the zstd seekable format (two small reads at the object's end),
//! else a walk over zstd frame and block headers; the `BSIZE` field of BGZF
//! members (`bgzip`). A gzip file that is not BGZF is one unit whatever the
//! number of its members (finding the next member would mean decompressing).
//!
//! **Lines** ([`decode`]): a frame or member boundary need not fall at a line
//! boundary. A segment of a compressed object is a range of *compressed*
//! bytes from one unit start to another; its decoder skips the decompressed
//! text through the first newline at or after its start (unless it starts
//! the object) and, past its end, keeps decoding the next units until the
//! first newline at or after its end. Each line is thus counted by exactly
//! one part, the one where it starts (a line starting exactly at a boundary
//! goes to the part before it), as Hadoop's line reader does for splittable
//! codecs.
//!
//! ```
//! use logcount::decompress::Compression;
//! assert_eq!(Compression::sniff(b"\x1f\x8b\x08\x00"), Some(Compression::Gzip));
//! assert_eq!(Compression::sniff(b"\x28\xb5\x2f\xfd\x00"), Some(Compression::Zstd));
//! assert_eq!(Compression::sniff(b"INFO plain text"), None);
//! assert_eq!(Compression::from_name("app.log.gz"), Some(Compression::Gzip));
//! assert_eq!(serde_json::to_string(&Compression::Zstd).unwrap(), "\"zstd\"");
//! ```

pub mod decode;
pub mod units;

use serde::{Deserialize, Serialize};
use std::fmt;

/// How an input object is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// RFC 1952 gzip, one or more members (BGZF included).
    Gzip,
    /// Zstandard frames (RFC 8878), skippable frames included.
    Zstd,
}

/// How many leading bytes [`Compression::sniff`] looks at.
pub const MAGIC_LEN: usize = 4;

impl Compression {
    /// The compression the leading bytes of an object show, if any.
    pub fn sniff(head: &[u8]) -> Option<Compression> {
        match head {
            [0x1f, 0x8b, ..] => Some(Compression::Gzip),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Compression::Zstd),
            [b, 0x2a, 0x4d, 0x18, ..] if b & 0xf0 == 0x50 => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// The compression an object's name claims (`.gz`, `.gzip`, `.bgz`,
    /// `.zst`, `.zstd`, any case).
    pub fn from_name(name: &str) -> Option<Compression> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "gz" | "gzip" | "bgz" => Some(Compression::Gzip),
            "zst" | "zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// `gzip` or `zstd`, as the manifest and messages spell it.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// `gzip stream` or `zstd stream`, as errors name a compressed input.
    pub fn stream_name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip stream",
            Compression::Zstd => "zstd stream",
        }
    }

    /// What one independently decodable unit is called.
    pub fn unit_name(self) -> &'static str {
        match self {
            Compression::Gzip => "member",
            Compression::Zstd => "frame",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Decides an object's compression from its leading bytes, and says when its
/// name claims otherwise (a warning for the log, never an error).
///
/// ```
/// use logcount::decompress::{detect, Compression};
/// assert_eq!(detect("a.log", b"\x1f\x8b\x08\0").0, Some(Compression::Gzip));
/// let (c, warning) = detect("a.gz", b"plain");
/// assert_eq!(c, None);
/// assert!(warning.unwrap().contains("plain text"));
/// ```
pub fn detect(name: &str, head: &[u8]) -> (Option<Compression>, Option<String>) {
    let found = Compression::sniff(head);
    let claimed = Compression::from_name(name);
    let warning = match (claimed, found) {
        (Some(c), None) if !head.is_empty() => Some(format!(
            "{name} is named like {c} but its bytes are not {c}: counted as plain text"
        )),
        (Some(c), Some(f)) if c != f => Some(format!(
            "{name} is named like {c} but its bytes are {f}: decompressed as {f}"
        )),
        _ => None,
    };
    (found, warning)
}

/// Up to `limit` bytes of the text that `head` (an object's first bytes,
/// compressed as `compression`) starts with: what could be decoded of it.
/// A truncated stream gives what it gave before it ended.
///
/// ```
/// use logcount::decompress::{head_text, Compression};
/// let gz = {
///     use std::io::Write;
///     let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
///     e.write_all(b"line one\nline two\n").unwrap();
///     e.finish().unwrap()
/// };
/// assert_eq!(head_text(Some(Compression::Gzip), &gz[..gz.len() - 4], 9), b"line one\n");
/// assert_eq!(head_text(None, b"plain", 3), b"pla");
/// ```
pub fn head_text(compression: Option<Compression>, head: &[u8], limit: usize) -> Vec<u8> {
    use std::io::Read;
    let mut out = vec![0u8; limit];
    let mut filled = 0;
    let mut fill = |r: &mut dyn Read| {
        while filled < limit {
            match r.read(&mut out[filled..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => filled += n,
            }
        }
    };
    match compression {
        None => {
            filled = head.len().min(limit);
            out[..filled].copy_from_slice(&head[..filled]);
        }
        Some(Compression::Gzip) => fill(&mut flate2::read::MultiGzDecoder::new(head)),
        Some(Compression::Zstd) => {
            if let Ok(mut d) = zstd::stream::read::Decoder::new(head) {
                fill(&mut d)
            }
        }
    }
    out.truncate(filled);
    out
}
