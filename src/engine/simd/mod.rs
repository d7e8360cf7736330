//! Branch-free SIMD counting: density-independent, no per-match work.
//!
//! For each keyword `k` of length `L` and each block of `W` text positions
//! (`W` = 64 with AVX-512BW, 32 with AVX2, 8 with the portable u64 SWAR path),
//! the kernel compares the vectors loaded at offsets `0..L` with `k[0..L]`
//! broadcast, ANDs the results into one bit per position ("a match starts
//! here") and adds the popcount. Matches cost nothing extra, so dense logs
//! count as fast as sparse ones. The text is walked in L1-sized chunks, every
//! keyword in turn over one chunk, with the kernel monomorphized per keyword
//! length (so the broadcasts stay in registers). On x86-64, up to four
//! keywords of one length share one pass and its loads, and that pass can
//! count the newlines as well (`kernels.rs` has the details).
//!
//! This counts *every* occurrence, overlapping ones included. That equals the
//! counting rule (per keyword, non-overlapping, left to right) exactly when the
//! keyword has no border — no proper prefix that is also a suffix (`aa`,
//! `abab`, `ERRE` have one): then two occurrences can never overlap. Keywords
//! with a border, or longer than [`MAX_KERNEL_LEN`], are counted with
//! `memchr::memmem` instead, so [`Simd`] is exact for every keyword set.
//! Occurrences of different keywords may overlap freely (`ERR` in `ERROR`):
//! each keyword has its own mask.
//!
//! The CPU is probed at run time ([`Isa::detect`]); every path gives the same
//! counts and the tests below run each available one against the reference.
//!
//! ```
//! use logcount::{engine::simd::{Isa, Simd}, engine::Strategy, keywords::Keywords};
//! let k = Keywords::parse_list("ERR,ERROR,aa").unwrap();
//! let simd = Simd::new(&k, Isa::detect());
//! let mut counts = vec![0; 3];
//! simd.count(b"ERROR aaa\nERR\n", &mut counts);
//! assert_eq!(counts, [2, 1, 1]);
//! ```

mod kernels;
mod nonword;
mod table;

use super::memmem::Finders;
use super::options::{fold_into, MatchOptions};
use super::Strategy;
use crate::keywords::Keywords;
use kernels::{run_group, run_kernel, GroupKeys, EARLY_OUT_LEN, GROUP_MAX, GROUP_MAX_LEN};
use nonword::nonword_bits;
use table::{run_table, table_takes, TableKeys, TABLE_MAX};

/// The longest keyword the vector kernels count; longer ones use memmem.
pub const MAX_KERNEL_LEN: usize = 32;

/// Text positions per chunk: every keyword runs over one chunk while it is in L1.
const CHUNK: usize = 8 << 10;
// The group kernels pack counts of one span (at most CHUNK positions) in 16 bits.
const _: () = assert!(CHUNK <= u16::MAX as usize);

/// A byte no keyword contains, used to pad the tail of a text.
const PAD: u8 = b'\n';

/// An instruction set the kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// x86-64 AVX-512BW with VBMI, GFNI and BITALG: as [`Isa::Avx512`], and
    /// up to seven short ASCII keywords of any lengths counted in one
    /// table-lookup pass (`table.rs`).
    Avx512Vbmi,
    /// x86-64 AVX-512BW: 64 positions per step, compares straight into mask registers.
    Avx512,
    /// x86-64 AVX2: 32 positions per step.
    Avx2,
    /// Any CPU: u64 SWAR, 8 positions per step.
    Portable,
}

impl Isa {
    /// The widest instruction set this CPU has.
    pub fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if Isa::Avx512Vbmi.available() {
                return Isa::Avx512Vbmi;
            }
            if std::is_x86_feature_detected!("avx512bw") && std::is_x86_feature_detected!("popcnt")
            {
                return Isa::Avx512;
            }
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt") {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    }

    /// Whether this CPU can run the kernels of `self`.
    pub fn available(self) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512Vbmi => Isa::Avx512.available() && table::table_available(),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => {
                std::is_x86_feature_detected!("avx512bw") && std::is_x86_feature_detected!("popcnt")
            }
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => {
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// Positions per kernel step.
    fn width(self) -> usize {
        match self {
            Isa::Avx512Vbmi | Isa::Avx512 => 64,
            Isa::Avx2 => 32,
            Isa::Portable => 8,
        }
    }
}

/// Whether `k` has a border: a proper prefix that is also a suffix. Only then
/// can two occurrences of `k` overlap.
///
/// ```
/// use logcount::engine::simd::has_border;
/// assert!(has_border(b"aa") && has_border(b"abab") && has_border(b"ERRE"));
/// assert!(!has_border(b"ERROR") && !has_border(b"a") && !has_border(b"INFO"));
/// ```
pub fn has_border(k: &[u8]) -> bool {
    (1..k.len()).any(|p| k[..p] == k[k.len() - p..])
}

/// Whether the vector kernels count `k` (otherwise [`Simd`] uses memmem for it).
pub fn kernel_counts(k: &[u8]) -> bool {
    !k.is_empty() && k.len() <= MAX_KERNEL_LEN && !k.contains(&PAD) && !has_border(k)
}

/// Keywords of one length (as matched: lowercased with `ignore_case`),
/// counted together by a group kernel when `fused`, else by one single kernel
/// each.
#[derive(Debug, Clone)]
struct Group {
    keys: GroupKeys,
    /// Each keyword's index in the keyword set.
    index: [usize; GROUP_MAX],
    fused: bool,
}

/// Keywords counted together by one table pass (`table.rs`).
#[derive(Debug, Clone)]
struct Table {
    keys: TableKeys,
    /// Each keyword's index in the keyword set.
    index: [usize; TABLE_MAX],
}

/// The table kernel takes a keyword set when it holds at least this many
/// keywords the tables can take: a lone keyword counts faster with its own
/// compares.
const TABLE_MIN_KEYWORDS: usize = 2;

/// The SIMD strategy for one instruction set.
#[derive(Debug, Clone)]
pub struct Simd {
    isa: Isa,
    /// Keywords counted by table passes ([`Isa::Avx512Vbmi`] only).
    tables: Vec<Table>,
    /// The other kernel keywords.
    groups: Vec<Group>,
    /// How many keywords the groups hold.
    kernel_keywords: usize,
    /// Keywords the kernels cannot count exactly, counted with memmem.
    fallback: Finders,
    /// The longest needle (at least 1).
    max_len: usize,
    options: MatchOptions,
}

impl Simd {
    /// A SIMD strategy for `keywords` on `isa` (which must be [`Isa::available`]).
    pub fn new(keywords: &Keywords, isa: Isa) -> Self {
        Self::with_options(keywords, isa, MatchOptions::default())
    }

    /// A SIMD strategy under match options. With `ignore_case` the kernels run
    /// on a lowercased copy of each chunk (the table passes instead match
    /// either case in their tables), so a keyword has a border when its
    /// lowercased form has one.
    pub fn with_options(keywords: &Keywords, isa: Isa, options: MatchOptions) -> Self {
        assert!(isa.available(), "{isa:?} is not available on this CPU");
        let mut needles = Vec::new();
        let mut fallback = Vec::new();
        for (index, k) in keywords.as_bytes().iter().enumerate() {
            let f = options.fold_keyword(k);
            if kernel_counts(&f) {
                needles.push((index, f));
            } else {
                fallback.push((index, k));
            }
        }
        let max_len = needles.iter().map(|(_, f)| f.len()).max().unwrap_or(1);
        let kernel_keywords = needles.len();
        let (tables, needles) = tables(isa, options, needles);
        Simd {
            isa,
            tables,
            groups: groups(isa, needles),
            kernel_keywords,
            fallback: Finders::new(fallback, options),
            max_len,
            options,
        }
    }

    /// The instruction set the kernels use, as given to [`Simd::new`].
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// How many keywords the vector kernels count (the rest use memmem).
    pub fn kernel_keywords(&self) -> usize {
        self.kernel_keywords
    }

    /// How many of the kernel keywords the table passes count (only on
    /// [`Isa::Avx512Vbmi`]).
    pub fn table_keywords(&self) -> usize {
        self.tables.iter().map(|t| t.keys.n).sum()
    }

    /// How many keywords fall back to memmem (borders, or too long).
    pub fn fallback_keywords(&self) -> usize {
        self.fallback.len()
    }
}

impl Strategy for Simd {
    fn name(&self) -> &'static str {
        match self.isa {
            Isa::Avx512Vbmi => "simd-avx512vbmi",
            Isa::Avx512 => "simd-avx512",
            Isa::Avx2 => "simd-avx2",
            Isa::Portable => "simd-portable",
        }
    }

    fn count(&self, text: &[u8], counts: &mut [u64]) {
        if !self.groups.is_empty() || !self.tables.is_empty() {
            count_needles(self, text, false, counts);
        }
        self.fallback.count(text, counts);
    }

    /// The newlines are counted by the first table or group kernel's pass,
    /// on the loads it makes anyway; apart only under whole-word (whose
    /// kernels read the text through other copies) or without such kernels.
    fn count_lines(&self, text: &[u8], counts: &mut [u64]) -> u64 {
        let fuses = (!self.tables.is_empty() || self.groups.iter().any(|g| g.fused))
            && !self.options.whole_word;
        if !fuses {
            self.count(text, counts);
            return count_byte_on(self.isa, text, b'\n');
        }
        let newlines = count_needles(self, text, true, counts);
        self.fallback.count(text, counts);
        newlines
    }
}

/// On [`Isa::Avx512Vbmi`] (not under whole-word, whose neighbour checks
/// depend on each keyword's length), the keywords the table kernel takes, in
/// passes of up to [`TABLE_MAX`] sorted by length; and the keywords left for
/// the other kernels.
#[allow(clippy::type_complexity)]
fn tables(
    isa: Isa,
    options: MatchOptions,
    needles: Vec<(usize, Vec<u8>)>,
) -> (Vec<Table>, Vec<(usize, Vec<u8>)>) {
    if isa != Isa::Avx512Vbmi || options.whole_word {
        return (Vec::new(), needles);
    }
    let (mut takes, rest): (Vec<_>, Vec<_>) =
        needles.into_iter().partition(|(_, f)| table_takes(f));
    if takes.len() < TABLE_MIN_KEYWORDS {
        let mut all = takes;
        all.extend(rest);
        return (Vec::new(), all);
    }
    takes.sort_by_key(|(_, f)| f.len());
    let tables = takes
        .chunks(TABLE_MAX)
        .map(|part| {
            let keys: Vec<&[u8]> = part.iter().map(|(_, f)| f.as_slice()).collect();
            let mut index = [0; TABLE_MAX];
            for (i, (ix, _)) in part.iter().enumerate() {
                index[i] = *ix;
            }
            Table {
                keys: TableKeys::new(&keys, options.ignore_case),
                index,
            }
        })
        .collect();
    (tables, rest)
}

/// Sorts the kernel keywords by length into groups: up to [`GROUP_MAX`] of
/// one length share a group kernel's pass. A lone keyword longer than
/// [`EARLY_OUT_LEN`] keeps its single kernel (which skips blocks where its
/// ends match nowhere), as do keywords over [`GROUP_MAX_LEN`] and every
/// keyword on the portable path.
fn groups(isa: Isa, mut needles: Vec<(usize, Vec<u8>)>) -> Vec<Group> {
    needles.sort_by_key(|(_, f)| f.len());
    let per_group = if isa == Isa::Portable { 1 } else { GROUP_MAX };
    let mut groups = Vec::new();
    for same_len in needles.chunk_by(|a, b| a.1.len() == b.1.len()) {
        for part in same_len.chunks(per_group) {
            let len = part[0].1.len();
            let mut keys = [[0; MAX_KERNEL_LEN]; GROUP_MAX];
            let mut index = [0; GROUP_MAX];
            for (i, (ix, f)) in part.iter().enumerate() {
                keys[i][..len].copy_from_slice(f);
                index[i] = *ix;
            }
            let fused = isa != Isa::Portable
                && len <= GROUP_MAX_LEN
                && (part.len() > 1 || len <= EARLY_OUT_LEN);
            groups.push(Group {
                keys: GroupKeys {
                    len,
                    n: part.len(),
                    keys,
                },
                index,
                fused,
            });
        }
    }
    groups
}

/// Occurrences of `byte` in `text`, with the widest kernel this CPU has.
///
/// ```
/// assert_eq!(logcount::engine::simd::count_byte(b"a\nb\n\n", b'\n'), 3);
/// ```
pub fn count_byte(text: &[u8], byte: u8) -> u64 {
    let isa = Isa::detect();
    count_byte_on(isa, text, byte)
}

fn count_byte_on(isa: Isa, text: &[u8], byte: u8) -> u64 {
    let w = isa.width();
    let main = text.len() / w * w;
    let mut bytes = [0; MAX_KERNEL_LEN];
    bytes[0] = byte;
    // SAFETY: `main / w` blocks of `w` bytes lie inside `text`; `isa` was detected.
    let n = unsafe {
        run_kernel(
            isa,
            1,
            false,
            text.as_ptr(),
            main / w,
            &bytes,
            std::ptr::null(),
        )
    };
    n + text[main..].iter().filter(|&&b| b == byte).count() as u64
}

/// Working memory for one chunk under match options (on the stack).
struct Scratch {
    /// The chunk lowercased, from one byte before its first position.
    fold: [u8; CHUNK + 2 * 64 + MAX_KERNEL_LEN + 2],
    /// One bit per byte from one byte before the chunk: set for non-word bytes.
    nonword: [u64; CHUNK / 64 + 8],
}

/// Counts every kernel keyword of `simd` over `text`; with `newlines` (never
/// under whole-word) also returns the number of newlines in `text`, else 0.
///
/// Positions are counted in blocks of `w` (the vector width), in place where
/// every byte a block reads lies inside `text` and in padded copies at the
/// ends. A block reads `max_len - 1` bytes past its last position, and with
/// `whole_word` one byte before its first position and one more after (the
/// neighbours), so then the first block goes through a copy too. With
/// `ignore_case` and group kernels, each span is first lowercased into
/// scratch memory; with `whole_word`, a bitmap of the non-word bytes of the
/// span is built once and shared by every keyword. The padded copies hold
/// newlines, so their newlines are counted from `text` itself.
fn count_needles(simd: &Simd, text: &[u8], newlines: bool, counts: &mut [u64]) -> u64 {
    let (isa, options) = (simd.isa, simd.options);
    let w = isa.width();
    let ww = options.whole_word;
    debug_assert!(!(ww && newlines), "whole-word counts newlines apart");
    let trail = simd.max_len - 1 + ww as usize;
    // Positions before `first` go through the head copy.
    let first = if ww { w } else { 0 };
    let n = text.len();
    let blocks = if n >= first + trail {
        (n - first - trail) / w
    } else {
        0
    };
    let main_end = first + blocks * w;
    let needs_fold = options.ignore_case && !simd.groups.is_empty();
    let mut scratch = (ww || needs_fold).then(|| {
        Box::new(Scratch {
            fold: [0; CHUNK + 2 * 64 + MAX_KERNEL_LEN + 2],
            nonword: [0; CHUNK / 64 + 8],
        })
    });
    let mut lines = 0;
    let per_chunk = CHUNK / w;
    let mut at = 0;
    while at < blocks {
        let nb = per_chunk.min(blocks - at);
        // SAFETY: these `nb` blocks read from `first + at * w - ww` (>= 0) to
        // `first + (at + nb) * w + trail <= main_end + trail <= n`.
        unsafe {
            let p = text.as_ptr().add(first + at * w);
            lines += count_span(simd, p, nb, newlines, scratch.as_deref_mut(), counts);
        }
        at += nb;
    }
    // The ends: copies padded with a byte no keyword holds and that is not a
    // word byte, so no match runs into the padding and the padding stands for
    // the start or end of the text.
    let mut buf = [PAD; 1 + 4 * 64 + MAX_KERNEL_LEN + 1];
    if ww {
        let take = n.min(w + trail);
        buf[1..1 + take].copy_from_slice(&text[..take]);
        // SAFETY: one block reads buf[0 .. 1 + w + trail].
        unsafe {
            count_span(
                simd,
                buf.as_ptr().add(1),
                1,
                false,
                scratch.as_deref_mut(),
                counts,
            );
        }
        buf = [PAD; 1 + 4 * 64 + MAX_KERNEL_LEN + 1];
    }
    if main_end >= n {
        return lines;
    }
    let rest = &text[main_end..];
    debug_assert!(rest.len() < w + trail);
    if newlines {
        lines += rest.iter().filter(|&&b| b == b'\n').count() as u64;
    }
    if main_end > 0 {
        buf[0] = text[main_end - 1];
    }
    buf[1..1 + rest.len()].copy_from_slice(rest);
    let nb = rest.len().div_ceil(w);
    debug_assert!(1 + nb * w + trail <= buf.len());
    // SAFETY: `nb` blocks read buf[0 .. 1 + nb * w + trail].
    unsafe {
        count_span(
            simd,
            buf.as_ptr().add(1),
            nb,
            false,
            scratch.as_deref_mut(),
            counts,
        );
    }
    lines
}

/// Counts the kernel keywords of `simd` starting at the `nb * w` positions
/// from `p`; with `newlines`, returns the newlines among those positions.
///
/// # Safety
/// `p - whole_word .. p + nb * w + max_len - 1 + whole_word` must be readable,
/// `nb * w <= CHUNK`, and `scratch` present under whole-word, and under
/// ignore-case when there are group kernels.
unsafe fn count_span(
    simd: &Simd,
    p: *const u8,
    nb: usize,
    newlines: bool,
    scratch: Option<&mut Scratch>,
    counts: &mut [u64],
) -> u64 {
    let (isa, options) = (simd.isa, simd.options);
    let w = isa.width();
    let ww = options.whole_word;
    let (q, nw) = match scratch {
        None => (p, std::ptr::null()),
        Some(scratch) => {
            let lead = ww as usize;
            // The bytes the span reads, from the one before `p` when `whole_word`.
            let span =
                std::slice::from_raw_parts(p.sub(lead), lead + nb * w + simd.max_len - 1 + lead);
            // The table passes match either case themselves: the text is
            // folded only for the other kernels.
            let q = if options.ignore_case && !simd.groups.is_empty() {
                fold_into(&mut scratch.fold[..span.len()], span);
                scratch.fold.as_ptr().add(lead)
            } else {
                p
            };
            if ww {
                nonword_bits(isa, span, &mut scratch.nonword);
            }
            (q, scratch.nonword.as_ptr())
        }
    };
    // Folding keeps newlines where they are, so `q` has the same ones as `p`.
    let mut lines = None;
    for t in &simd.tables {
        // SAFETY: the caller's bounds; `Simd::tables` is only filled on
        // `Isa::Avx512Vbmi`, which was checked available.
        let c = run_table(&t.keys, q, nb);
        for (i, &ix) in t.index[..t.keys.n].iter().enumerate() {
            counts[ix] += c.keys[i];
        }
        if newlines && lines.is_none() {
            lines = Some(c.newlines);
        }
    }
    for g in &simd.groups {
        let keys = &g.keys;
        if g.fused {
            let nl = newlines && lines.is_none();
            let c = run_group(isa, keys, ww, nl, q, nb, nw);
            for (i, &ix) in g.index[..keys.n].iter().enumerate() {
                counts[ix] += c.get(i);
            }
            if nl {
                lines = Some(c.newlines);
            }
        } else {
            for (i, &ix) in g.index[..keys.n].iter().enumerate() {
                counts[ix] += run_kernel(isa, keys.len, ww, q, nb, &keys.keys[i], nw);
            }
        }
    }
    match lines {
        Some(l) => l,
        None if newlines => run_kernel(isa, 1, false, q, nb, &NEWLINE, std::ptr::null()),
        None => 0,
    }
}

/// The newline as a kernel key.
const NEWLINE: [u8; MAX_KERNEL_LEN] = {
    let mut k = [0; MAX_KERNEL_LEN];
    k[0] = b'\n';
    k
};

#[cfg(test)]
mod tests;
