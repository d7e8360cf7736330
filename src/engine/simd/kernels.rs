//! The vector kernels, monomorphized per keyword length (so the broadcast
//! keyword bytes stay in registers), and their runtime dispatch.
//!
//! Two shapes:
//! - *single* kernels ([`run_kernel`]) count one keyword of any length up to
//!   [`MAX_KERNEL_LEN`] over a span;
//! - *group* kernels ([`run_group`]) count up to [`GROUP_MAX`] keywords of one
//!   length up to [`GROUP_MAX_LEN`] in one pass: the `L` shifted loads of a
//!   block are shared by every keyword of the group, and the pass can count
//!   the span's newlines too (a compare on the first load), so the count step
//!   needs no separate newline pass. Loads that straddle cache lines were half
//!   the cost of the single kernels on a 4-keyword set.

use super::nonword::bits_at;
use super::{Isa, MAX_KERNEL_LEN};

/// The most keywords a group kernel counts at once (counts are packed 16 bits
/// each into one `u64`).
pub(super) const GROUP_MAX: usize = 4;

/// The longest keyword counted by the group kernels (longer ones use the
/// single kernels, which skip their middle bytes when the ends match nowhere).
pub(super) const GROUP_MAX_LEN: usize = 16;

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
pub(super) unsafe fn run_kernel(
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
        Isa::Avx512Vbmi | Isa::Avx512 => by_len!(len, ww, avx512_blocks, p, nb, key, nw),
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
pub(super) const EARLY_OUT_LEN: usize = 8;

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
        // The middle bytes (the first and last are in already).
        for (j, s) in splat.iter().enumerate().take(L.saturating_sub(1)).skip(1) {
            acc = _mm512_ternarylogic_epi64::<OR_XOR>(acc, *s, ld(q.add(j)));
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
        for (j, s) in splat.iter().enumerate().take(L.saturating_sub(1)).skip(1) {
            v = _mm256_and_si256(v, _mm256_cmpeq_epi8(ld(q.add(j)), *s));
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

/// Keywords of one length counted in one pass by a group kernel.
#[derive(Debug, Clone)]
pub(super) struct GroupKeys {
    /// Their length, in `1..=GROUP_MAX_LEN`.
    pub len: usize,
    /// How many, in `1..=GROUP_MAX`.
    pub n: usize,
    /// The keywords (as matched), zero-padded.
    pub keys: [[u8; MAX_KERNEL_LEN]; GROUP_MAX],
}

/// What a group kernel counted over a span: keyword `i` of the group matched
/// `(packed >> 16 * i) & 0xffff` times (a span has at most `u16::MAX`
/// positions); `newlines` is 0 unless asked for.
#[derive(Debug, Clone, Copy)]
pub(super) struct GroupCounts {
    pub packed: u64,
    pub newlines: u64,
}

impl GroupCounts {
    /// The count of keyword `i` of the group.
    pub(super) fn get(self, i: usize) -> u64 {
        (self.packed >> (16 * i)) & 0xffff
    }
}

/// Calls `$f::<L, N, WW, NL>(args)` for the runtime `len` in
/// `1..=GROUP_MAX_LEN`, `n` in `1..=GROUP_MAX` and flags `ww`, `nl` (never
/// both: under whole-word the newlines are counted apart).
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_macros))]
macro_rules! by_group {
    ($len:expr, $n:expr, $ww:expr, $nl:expr, $f:ident, $($arg:expr),*) => {
        match ($ww, $nl) {
            (false, false) => by_group!(@len $len, $n, false, false, $f, ($($arg),*),
                1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16),
            (false, true) => by_group!(@len $len, $n, false, true, $f, ($($arg),*),
                1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16),
            (true, _) => by_group!(@len $len, $n, true, false, $f, ($($arg),*),
                1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16),
        }
    };
    (@len $len:expr, $n:expr, $ww:literal, $nl:literal, $f:ident, $args:tt, $($l:literal)*) => {
        match $len {
            $($l => by_group!(@n $n, $l, $ww, $nl, $f, $args),)*
            _ => unreachable!("group keyword length {} out of range", $len),
        }
    };
    (@n $n:expr, $l:literal, $ww:literal, $nl:literal, $f:ident, ($($arg:expr),*)) => {
        match $n {
            1 => $f::<$l, 1, $ww, $nl>($($arg),*),
            2 => $f::<$l, 2, $ww, $nl>($($arg),*),
            3 => $f::<$l, 3, $ww, $nl>($($arg),*),
            4 => $f::<$l, 4, $ww, $nl>($($arg),*),
            _ => unreachable!("group of {} keywords", $n),
        }
    };
}

/// Counts the keywords of `group` starting at the `nb * width` positions from
/// `p` (with `ww`, only whole words, as in [`run_kernel`]); with `nl`, also
/// the newlines among those positions.
///
/// # Safety
/// As for [`run_kernel`] with `len = group.len`; `isa` must not be
/// [`Isa::Portable`], and `nb * width` at most `u16::MAX`.
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
pub(super) unsafe fn run_group(
    isa: Isa,
    group: &GroupKeys,
    ww: bool,
    nl: bool,
    p: *const u8,
    nb: usize,
    nw: *const u64,
) -> GroupCounts {
    debug_assert!(nb * isa.width() <= u16::MAX as usize);
    let keys = &group.keys;
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512Vbmi | Isa::Avx512 => {
            by_group!(group.len, group.n, ww, nl, avx512_group, p, nb, keys, nw)
        }
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => by_group!(group.len, group.n, ww, nl, avx2_group, p, nb, keys, nw),
        _ => unreachable!("no group kernels for {isa:?}"),
    }
}

/// AVX-512 group kernel: the `L` shifted loads of a block once, then per
/// keyword the `vpternlogq` chain of [`avx512_blocks`]. Counts are packed
/// 16 bits apart into one scalar: an array of counters would be vectorized
/// by the compiler into shuffles on the port the kernel needs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,popcnt")]
unsafe fn avx512_group<const L: usize, const N: usize, const WW: bool, const NL: bool>(
    p: *const u8,
    nb: usize,
    keys: &[[u8; MAX_KERNEL_LEN]; GROUP_MAX],
    nw: *const u64,
) -> GroupCounts {
    use std::arch::x86_64::*;
    /// Truth table of `a | (b ^ c)`.
    const OR_XOR: i32 = 0xF6;
    let splat: [[__m512i; L]; N] =
        std::array::from_fn(|n| std::array::from_fn(|j| _mm512_set1_epi8(keys[n][j] as i8)));
    let newline = _mm512_set1_epi8(b'\n' as i8);
    let mut packed = 0u64;
    let mut newlines = 0u64;
    for b in 0..nb {
        let q = p.add(b * 64);
        let v: [__m512i; L] = std::array::from_fn(|j| _mm512_loadu_si512(q.add(j).cast()));
        let ok = if WW {
            bits_at(nw, b * 64) & bits_at(nw, b * 64 + L + 1)
        } else {
            u64::MAX
        };
        for (n, s) in splat.iter().enumerate() {
            let mut acc = _mm512_xor_si512(v[0], s[0]);
            for j in 1..L {
                acc = _mm512_ternarylogic_epi64::<OR_XOR>(acc, s[j], v[j]);
            }
            let m = _mm512_testn_epi8_mask(acc, acc) & ok;
            packed += (m.count_ones() as u64) << (16 * n);
        }
        if NL {
            newlines += _mm512_cmpeq_epi8_mask(v[0], newline).count_ones() as u64;
        }
    }
    GroupCounts { packed, newlines }
}

/// AVX2 group kernel: as [`avx512_group`], with compares and ANDs.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
unsafe fn avx2_group<const L: usize, const N: usize, const WW: bool, const NL: bool>(
    p: *const u8,
    nb: usize,
    keys: &[[u8; MAX_KERNEL_LEN]; GROUP_MAX],
    nw: *const u64,
) -> GroupCounts {
    use std::arch::x86_64::*;
    let splat: [[__m256i; L]; N] =
        std::array::from_fn(|n| std::array::from_fn(|j| _mm256_set1_epi8(keys[n][j] as i8)));
    let newline = _mm256_set1_epi8(b'\n' as i8);
    let mut packed = 0u64;
    let mut newlines = 0u64;
    for b in 0..nb {
        let q = p.add(b * 32);
        let v: [__m256i; L] = std::array::from_fn(|j| _mm256_loadu_si256(q.add(j).cast()));
        let ok = if WW {
            (bits_at(nw, b * 32) & bits_at(nw, b * 32 + L + 1)) as u32
        } else {
            u32::MAX
        };
        for (n, s) in splat.iter().enumerate() {
            let mut acc = _mm256_cmpeq_epi8(v[0], s[0]);
            for j in 1..L {
                acc = _mm256_and_si256(acc, _mm256_cmpeq_epi8(v[j], s[j]));
            }
            let m = _mm256_movemask_epi8(acc) as u32 & ok;
            packed += (m.count_ones() as u64) << (16 * n);
        }
        if NL {
            let m = _mm256_movemask_epi8(_mm256_cmpeq_epi8(v[0], newline)) as u32;
            newlines += m.count_ones() as u64;
        }
    }
    GroupCounts { packed, newlines }
}
