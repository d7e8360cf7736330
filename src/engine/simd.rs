//! Branch-free SIMD counting: density-independent, no per-match work.
//!
//! For each keyword `k` of length `L` and each block of `W` text positions
//! (`W` = 64 with AVX-512BW, 32 with AVX2, 8 with the portable u64 SWAR path),
//! the kernel compares the vectors loaded at offsets `0..L` with `k[0..L]`
//! broadcast, ANDs the results into one bit per position ("a match starts
//! here") and adds the popcount. Matches cost nothing extra, so dense logs
//! count as fast as sparse ones. The text is walked in L1-sized chunks, every
//! keyword in turn over one chunk, with the kernel monomorphized per keyword
//! length (so the broadcasts stay in registers).
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

use super::memmem::Finders;
use super::options::{fold_into, is_word_byte, MatchOptions};
use super::Strategy;
use crate::keywords::Keywords;

/// The longest keyword the vector kernels count; longer ones use memmem.
pub const MAX_KERNEL_LEN: usize = 32;

/// Text positions per chunk: every keyword runs over one chunk while it is in L1.
const CHUNK: usize = 8 << 10;

/// A byte no keyword contains, used to pad the tail of a text.
const PAD: u8 = b'\n';

/// An instruction set the kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
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
            Isa::Avx512 => 64,
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

/// A keyword for the kernels.
#[derive(Debug, Clone)]
struct Needle {
    /// Its index in the keyword set.
    index: usize,
    len: usize,
    /// The keyword as matched (lowercased with `ignore_case`).
    bytes: [u8; MAX_KERNEL_LEN],
}

/// The SIMD strategy for one instruction set.
#[derive(Debug, Clone)]
pub struct Simd {
    isa: Isa,
    needles: Vec<Needle>,
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
    /// on a lowercased copy of each chunk, so a keyword has a border when its
    /// lowercased form has one.
    pub fn with_options(keywords: &Keywords, isa: Isa, options: MatchOptions) -> Self {
        assert!(isa.available(), "{isa:?} is not available on this CPU");
        let mut needles = Vec::new();
        let mut fallback = Vec::new();
        for (index, k) in keywords.as_bytes().iter().enumerate() {
            let f = options.fold_keyword(k);
            if kernel_counts(&f) {
                let mut bytes = [0; MAX_KERNEL_LEN];
                bytes[..f.len()].copy_from_slice(&f);
                needles.push(Needle {
                    index,
                    len: f.len(),
                    bytes,
                });
            } else {
                fallback.push((index, k));
            }
        }
        let max_len = needles.iter().map(|n| n.len).max().unwrap_or(1);
        Simd {
            isa,
            needles,
            fallback: Finders::new(fallback, options),
            max_len,
            options,
        }
    }

    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// How many keywords the vector kernels count (the rest use memmem).
    pub fn kernel_keywords(&self) -> usize {
        self.needles.len()
    }

    /// How many keywords fall back to memmem (borders, or too long).
    pub fn fallback_keywords(&self) -> usize {
        self.fallback.len()
    }
}

impl Strategy for Simd {
    fn name(&self) -> &'static str {
        match self.isa {
            Isa::Avx512 => "simd-avx512",
            Isa::Avx2 => "simd-avx2",
            Isa::Portable => "simd-portable",
        }
    }

    fn count(&self, text: &[u8], counts: &mut [u64]) {
        if !self.needles.is_empty() {
            count_needles(
                self.isa,
                text,
                &self.needles,
                self.max_len,
                self.options,
                counts,
            );
        }
        self.fallback.count(text, counts);
    }
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

/// Counts every needle over `text`.
///
/// Positions are counted in blocks of `w` (the vector width), in place where
/// every byte a block reads lies inside `text` and in padded copies at the
/// ends. A block reads `max_len - 1` bytes past its last position, and with
/// `whole_word` one byte before its first position and one more after (the
/// neighbours), so then the first block goes through a copy too. With
/// `ignore_case`, each span is first lowercased into scratch memory; with
/// `whole_word`, a bitmap of the non-word bytes of the span is built once and
/// shared by every needle.
fn count_needles(
    isa: Isa,
    text: &[u8],
    needles: &[Needle],
    max_len: usize,
    options: MatchOptions,
    counts: &mut [u64],
) {
    let w = isa.width();
    let ww = options.whole_word;
    let trail = max_len - 1 + ww as usize;
    // Positions before `first` go through the head copy.
    let first = if ww { w } else { 0 };
    let n = text.len();
    let blocks = if n >= first + trail {
        (n - first - trail) / w
    } else {
        0
    };
    let main_end = first + blocks * w;
    let mut scratch = (!options.is_exact()).then(|| {
        Box::new(Scratch {
            fold: [0; CHUNK + 2 * 64 + MAX_KERNEL_LEN + 2],
            nonword: [0; CHUNK / 64 + 8],
        })
    });
    let per_chunk = CHUNK / w;
    let mut at = 0;
    while at < blocks {
        let nb = per_chunk.min(blocks - at);
        // SAFETY: these `nb` blocks read from `first + at * w - ww` (>= 0) to
        // `first + (at + nb) * w + trail <= main_end + trail <= n`.
        unsafe {
            let p = text.as_ptr().add(first + at * w);
            count_span(
                isa,
                p,
                nb,
                needles,
                max_len,
                options,
                scratch.as_deref_mut(),
                counts,
            );
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
                isa,
                buf.as_ptr().add(1),
                1,
                needles,
                max_len,
                options,
                scratch.as_deref_mut(),
                counts,
            );
        }
        buf = [PAD; 1 + 4 * 64 + MAX_KERNEL_LEN + 1];
    }
    if main_end >= n {
        return;
    }
    let rest = &text[main_end..];
    debug_assert!(rest.len() < w + trail);
    if main_end > 0 {
        buf[0] = text[main_end - 1];
    }
    buf[1..1 + rest.len()].copy_from_slice(rest);
    let nb = rest.len().div_ceil(w);
    debug_assert!(1 + nb * w + trail <= buf.len());
    // SAFETY: `nb` blocks read buf[0 .. 1 + nb * w + trail].
    unsafe {
        count_span(
            isa,
            buf.as_ptr().add(1),
            nb,
            needles,
            max_len,
            options,
            scratch.as_deref_mut(),
            counts,
        );
    }
}

/// Counts the needles starting at the `nb * w` positions from `p`.
///
/// # Safety
/// `p - whole_word .. p + nb * w + max_len - 1 + whole_word` must be readable,
/// `nb * w <= CHUNK`, and `scratch` present unless the options are exact.
#[allow(clippy::too_many_arguments)]
unsafe fn count_span(
    isa: Isa,
    p: *const u8,
    nb: usize,
    needles: &[Needle],
    max_len: usize,
    options: MatchOptions,
    scratch: Option<&mut Scratch>,
    counts: &mut [u64],
) {
    let w = isa.width();
    let ww = options.whole_word;
    let Some(scratch) = scratch else {
        for nd in needles {
            counts[nd.index] += run_kernel(isa, nd.len, false, p, nb, &nd.bytes, std::ptr::null());
        }
        return;
    };
    let lead = ww as usize;
    // The bytes the span reads, from the one before `p` when `whole_word`.
    let span = std::slice::from_raw_parts(p.sub(lead), lead + nb * w + max_len - 1 + lead);
    let q = if options.ignore_case {
        fold_into(&mut scratch.fold[..span.len()], span);
        scratch.fold.as_ptr().add(lead)
    } else {
        p
    };
    if ww {
        nonword_bits(isa, span, &mut scratch.nonword);
    }
    let nw = scratch.nonword.as_ptr();
    for nd in needles {
        counts[nd.index] += run_kernel(isa, nd.len, ww, q, nb, &nd.bytes, nw);
    }
}

/// Sets bit `i` of `out` when `span[i]` is not a word byte (`[A-Za-z0-9_]`);
/// the bits after `span.len()` up to the next whole word, and one more word,
/// are cleared.
fn nonword_bits(isa: Isa, span: &[u8], out: &mut [u64]) {
    let groups = span.len() / 64;
    debug_assert!(groups + 2 <= out.len());
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the ISA was checked when the strategy was built.
        Isa::Avx512 => unsafe { nonword_avx512(span, &mut out[..groups]) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { nonword_avx2(span, &mut out[..groups]) },
        _ => {
            for (g, o) in out[..groups].iter_mut().enumerate() {
                *o = nonword_scalar(&span[g * 64..g * 64 + 64]);
            }
        }
    }
    out[groups] = nonword_scalar(&span[groups * 64..]);
    out[groups + 1] = 0;
}

/// Non-word bits of up to 64 bytes.
fn nonword_scalar(bytes: &[u8]) -> u64 {
    let mut m = 0u64;
    for (i, &b) in bytes.iter().enumerate() {
        m |= (!is_word_byte(b) as u64) << i;
    }
    m
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn nonword_avx512(span: &[u8], out: &mut [u64]) {
    use std::arch::x86_64::*;
    let (a, lt26, zero, lt10, under, case) = (
        _mm512_set1_epi8(b'a' as i8),
        _mm512_set1_epi8(26),
        _mm512_set1_epi8(b'0' as i8),
        _mm512_set1_epi8(10),
        _mm512_set1_epi8(b'_' as i8),
        _mm512_set1_epi8(0x20),
    );
    for (g, o) in out.iter_mut().enumerate() {
        let v = _mm512_loadu_si512(span.as_ptr().add(g * 64).cast());
        let letter = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(_mm512_or_si512(v, case), a), lt26);
        let digit = _mm512_cmplt_epu8_mask(_mm512_sub_epi8(v, zero), lt10);
        let us = _mm512_cmpeq_epi8_mask(v, under);
        *o = !(letter | digit | us);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn nonword_avx2(span: &[u8], out: &mut [u64]) {
    use std::arch::x86_64::*;
    let (a, le25, zero, le9, under, case) = (
        _mm256_set1_epi8(b'a' as i8),
        _mm256_set1_epi8(25),
        _mm256_set1_epi8(b'0' as i8),
        _mm256_set1_epi8(9),
        _mm256_set1_epi8(b'_' as i8),
        _mm256_set1_epi8(0x20),
    );
    // x <= c (unsigned) iff min(x, c) == x.
    let le = |x: __m256i, c: __m256i| _mm256_cmpeq_epi8(_mm256_min_epu8(x, c), x);
    let half = |q: *const u8| {
        let v = _mm256_loadu_si256(q.cast());
        let letter = le(_mm256_sub_epi8(_mm256_or_si256(v, case), a), le25);
        let digit = le(_mm256_sub_epi8(v, zero), le9);
        let us = _mm256_cmpeq_epi8(v, under);
        let word = _mm256_or_si256(_mm256_or_si256(letter, digit), us);
        _mm256_movemask_epi8(word) as u32 as u64
    };
    for (g, o) in out.iter_mut().enumerate() {
        let q = span.as_ptr().add(g * 64);
        *o = !(half(q) | (half(q.add(32)) << 32));
    }
}

/// The `w` bits of `nw` from bit `start` on (in the low bits).
#[inline(always)]
unsafe fn bits_at(nw: *const u64, start: usize) -> u64 {
    let i = start / 64;
    let lo = *nw.add(i) as u128;
    let hi = *nw.add(i + 1) as u128;
    (((hi << 64) | lo) >> (start % 64)) as u64
}

/// Calls `$f::<L, WW>(args)` for the runtime length `len` in `1..=MAX_KERNEL_LEN`
/// and the runtime flag `ww`.
macro_rules! by_len {
    ($len:expr, $ww:expr, $f:ident, $($arg:expr),*) => {
        if $ww {
            by_len!(@arms $len, true, $f, ($($arg),*), 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
                17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
        } else {
            by_len!(@arms $len, false, $f, ($($arg),*), 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
                17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
        }
    };
    (@arms $len:expr, $ww:literal, $f:ident, $args:tt, $($n:literal)*) => {
        match $len {
            $($n => by_len!(@call $f, $n, $ww, $args),)*
            _ => unreachable!("keyword length {} out of kernel range", $len),
        }
    };
    (@call $f:ident, $n:literal, $ww:literal, ($($arg:expr),*)) => { $f::<$n, $ww>($($arg),*) };
}

/// Matches of `key[..len]` starting at the `nb * width` positions from `p`;
/// with `ww`, only those whose neighbours are non-word bytes: bit `i` of `nw`
/// tells whether byte `p - 1 + i` is one.
///
/// # Safety
/// `isa` must be available and `p .. p + nb * width + len - 1` readable; with
/// `ww`, `nw` must hold `nb * width + len + 1` bits and two more words.
unsafe fn run_kernel(
    isa: Isa,
    len: usize,
    ww: bool,
    p: *const u8,
    nb: usize,
    key: &[u8; MAX_KERNEL_LEN],
    nw: *const u64,
) -> u64 {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => by_len!(len, ww, avx512_blocks, p, nb, key, nw),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => by_len!(len, ww, avx2_blocks, p, nb, key, nw),
        Isa::Portable => by_len!(len, ww, swar_blocks, p, nb, key, nw),
        #[cfg(not(target_arch = "x86_64"))]
        _ => unreachable!("{isa:?} is not available"),
    }
}

/// Keywords longer than this skip their middle bytes when the first and last
/// bytes match nowhere in a block (a branch per block, not per match).
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
const EARLY_OUT_LEN: usize = 8;

/// AVX-512: `acc |= load(q + j) ^ key[j]` in one `vpternlogq` per keyword byte
/// (two ports, unlike compares into mask registers), then one `vptestnmb`
/// marks the positions where every byte matched.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,popcnt")]
unsafe fn avx512_blocks<const L: usize, const WW: bool>(
    p: *const u8,
    nb: usize,
    key: &[u8; MAX_KERNEL_LEN],
    nw: *const u64,
) -> u64 {
    use std::arch::x86_64::*;
    /// Truth table of `a | (b ^ c)`.
    const OR_XOR: i32 = 0xF6;
    let splat: [__m512i; L] = std::array::from_fn(|j| _mm512_set1_epi8(key[j] as i8));
    let ld = |q: *const u8| _mm512_loadu_si512(q.cast());
    let mut total = 0u64;
    for b in 0..nb {
        let q = p.add(b * 64);
        let mut acc = _mm512_xor_si512(ld(q), splat[0]);
        if L > 1 {
            acc = _mm512_ternarylogic_epi64::<OR_XOR>(acc, splat[L - 1], ld(q.add(L - 1)));
        }
        if L > EARLY_OUT_LEN && _mm512_test_epi8_mask(acc, acc) == u64::MAX {
            continue;
        }
        for j in 1..L.saturating_sub(1) {
            acc = _mm512_ternarylogic_epi64::<OR_XOR>(acc, splat[j], ld(q.add(j)));
        }
        let mut m = _mm512_testn_epi8_mask(acc, acc);
        if WW {
            m &= bits_at(nw, b * 64) & bits_at(nw, b * 64 + L + 1);
        }
        total += m.count_ones() as u64;
    }
    total
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
unsafe fn avx2_blocks<const L: usize, const WW: bool>(
    p: *const u8,
    nb: usize,
    key: &[u8; MAX_KERNEL_LEN],
    nw: *const u64,
) -> u64 {
    use std::arch::x86_64::*;
    let splat: [__m256i; L] = std::array::from_fn(|j| _mm256_set1_epi8(key[j] as i8));
    let ld = |q: *const u8| _mm256_loadu_si256(q.cast());
    let mut total = 0u64;
    for b in 0..nb {
        let q = p.add(b * 32);
        let mut v = _mm256_cmpeq_epi8(ld(q), splat[0]);
        if L > 1 {
            v = _mm256_and_si256(v, _mm256_cmpeq_epi8(ld(q.add(L - 1)), splat[L - 1]));
        }
        if L > EARLY_OUT_LEN && _mm256_testz_si256(v, v) == 1 {
            continue;
        }
        for j in 1..L.saturating_sub(1) {
            v = _mm256_and_si256(v, _mm256_cmpeq_epi8(ld(q.add(j)), splat[j]));
        }
        let mut m = _mm256_movemask_epi8(v) as u32;
        if WW {
            m &= (bits_at(nw, b * 32) & bits_at(nw, b * 32 + L + 1)) as u32;
        }
        total += m.count_ones() as u64;
    }
    total
}

/// The portable kernel: per 8 positions, OR together `word(p + j) ^ key[j]`
/// broadcast; a zero byte marks a match, and zero bytes are counted exactly.
unsafe fn swar_blocks<const L: usize, const WW: bool>(
    p: *const u8,
    nb: usize,
    key: &[u8; MAX_KERNEL_LEN],
    nw: *const u64,
) -> u64 {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let splat: [u64; L] = std::array::from_fn(|j| u64::from_ne_bytes([key[j]; 8]));
    let mut total = 0u64;
    for b in 0..nb {
        let q = p.add(b * 8);
        let mut acc = 0u64;
        for (j, s) in splat.iter().enumerate() {
            acc |= u64::from_le(std::ptr::read_unaligned(q.add(j).cast::<u64>())) ^ s;
        }
        // High bit set exactly in the zero bytes of `acc` (no carries between bytes).
        let zero = !(((acc & LO7) + LO7) | acc | LO7);
        if WW {
            // Gather the high bits into one bit per position (byte i -> bit i).
            let m = ((zero >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8;
            let ok = (bits_at(nw, b * 8) & bits_at(nw, b * 8 + L + 1)) as u8;
            total += (m & ok).count_ones() as u64;
        } else {
            total += zero.count_ones() as u64;
        }
    }
    total
}

#[cfg(test)]
#[path = "simd_tests.rs"]
mod tests;
