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

use super::Strategy;
use crate::keywords::Keywords;
use memchr::memmem::Finder;

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
    bytes: [u8; MAX_KERNEL_LEN],
}

/// The SIMD strategy for one instruction set.
#[derive(Debug, Clone)]
pub struct Simd {
    isa: Isa,
    needles: Vec<Needle>,
    /// Keywords the kernels cannot count exactly: (index, finder).
    fallback: Vec<(usize, Finder<'static>)>,
    /// The longest needle (at least 1).
    max_len: usize,
}

impl Simd {
    /// A SIMD strategy for `keywords` on `isa` (which must be [`Isa::available`]).
    pub fn new(keywords: &Keywords, isa: Isa) -> Self {
        assert!(isa.available(), "{isa:?} is not available on this CPU");
        let mut needles = Vec::new();
        let mut fallback = Vec::new();
        for (index, k) in keywords.as_bytes().iter().enumerate() {
            if kernel_counts(k) {
                let mut bytes = [0; MAX_KERNEL_LEN];
                bytes[..k.len()].copy_from_slice(k);
                needles.push(Needle {
                    index,
                    len: k.len(),
                    bytes,
                });
            } else {
                fallback.push((index, Finder::new(k).into_owned()));
            }
        }
        let max_len = needles.iter().map(|n| n.len).max().unwrap_or(1);
        Simd {
            isa,
            needles,
            fallback,
            max_len,
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
            count_needles(self.isa, text, &self.needles, self.max_len, counts);
        }
        for (i, f) in &self.fallback {
            counts[*i] += f.find_iter(text).count() as u64;
        }
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
    let n = unsafe { run_kernel(isa, 1, text.as_ptr(), main / w, &bytes) };
    n + text[main..].iter().filter(|&&b| b == byte).count() as u64
}

/// Counts every needle over `text`: full blocks in place, the tail in a padded copy.
fn count_needles(isa: Isa, text: &[u8], needles: &[Needle], max_len: usize, counts: &mut [u64]) {
    let w = isa.width();
    // Blocks whose loads (w positions + max_len - 1 bytes) all lie inside the text.
    let blocks = text.len().saturating_sub(max_len - 1) / w;
    let main = blocks * w;
    let per_chunk = CHUNK / w;
    let mut at = 0;
    while at < blocks {
        let nb = per_chunk.min(blocks - at);
        // SAFETY: every load of these `nb` blocks ends before `main + max_len - 1 <= text.len()`.
        let p = unsafe { text.as_ptr().add(at * w) };
        for n in needles {
            counts[n.index] += unsafe { run_kernel(isa, n.len, p, nb, &n.bytes) };
        }
        at += nb;
    }
    // Tail: positions main.. in a copy padded with a byte no keyword holds, so
    // no match can run into the padding.
    let rest = &text[main..];
    if rest.is_empty() {
        return;
    }
    let mut buf = [PAD; 4 * 64 + MAX_KERNEL_LEN];
    debug_assert!(rest.len() < w + max_len);
    buf[..rest.len()].copy_from_slice(rest);
    let nb = rest.len().div_ceil(w);
    debug_assert!(nb * w + max_len - 1 <= buf.len());
    for n in needles {
        // SAFETY: `nb * w + max_len - 1` bytes fit in `buf`.
        counts[n.index] += unsafe { run_kernel(isa, n.len, buf.as_ptr(), nb, &n.bytes) };
    }
}

/// Calls `$f::<L>(args)` for the runtime length `len` in `1..=MAX_KERNEL_LEN`.
macro_rules! by_len {
    ($len:expr, $f:ident, $($arg:expr),*) => {
        by_len!(@arms $len, $f, ($($arg),*), 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
            17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32)
    };
    (@arms $len:expr, $f:ident, $args:tt, $($n:literal)*) => {
        match $len {
            $($n => by_len!(@call $f, $n, $args),)*
            _ => unreachable!("keyword length {} out of kernel range", $len),
        }
    };
    (@call $f:ident, $n:literal, ($($arg:expr),*)) => { $f::<$n>($($arg),*) };
}

/// Matches of `key[..len]` starting at the `nb * width` positions from `p`.
///
/// # Safety
/// `isa` must be available and `p .. p + nb * width + len - 1` readable.
unsafe fn run_kernel(
    isa: Isa,
    len: usize,
    p: *const u8,
    nb: usize,
    key: &[u8; MAX_KERNEL_LEN],
) -> u64 {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => by_len!(len, avx512_blocks, p, nb, key),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => by_len!(len, avx2_blocks, p, nb, key),
        Isa::Portable => by_len!(len, swar_blocks, p, nb, key),
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
unsafe fn avx512_blocks<const L: usize>(
    p: *const u8,
    nb: usize,
    key: &[u8; MAX_KERNEL_LEN],
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
        total += _mm512_testn_epi8_mask(acc, acc).count_ones() as u64;
    }
    total
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
unsafe fn avx2_blocks<const L: usize>(p: *const u8, nb: usize, key: &[u8; MAX_KERNEL_LEN]) -> u64 {
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
        total += (_mm256_movemask_epi8(v) as u32).count_ones() as u64;
    }
    total
}

/// The portable kernel: per 8 positions, OR together `word(p + j) ^ key[j]`
/// broadcast; a zero byte marks a match, and zero bytes are counted exactly.
unsafe fn swar_blocks<const L: usize>(p: *const u8, nb: usize, key: &[u8; MAX_KERNEL_LEN]) -> u64 {
    const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let splat: [u64; L] = std::array::from_fn(|j| u64::from_ne_bytes([key[j]; 8]));
    let mut total = 0u64;
    for b in 0..nb {
        let q = p.add(b * 8);
        let mut acc = 0u64;
        for (j, s) in splat.iter().enumerate() {
            acc |= std::ptr::read_unaligned(q.add(j).cast::<u64>()) ^ s;
        }
        // High bit set exactly in the zero bytes of `acc` (no carries between bytes).
        let zero = !(((acc & LO7) + LO7) | acc | LO7);
        total += zero.count_ones() as u64;
    }
    total
}

#[cfg(test)]
#[path = "simd_tests.rs"]
mod tests;
