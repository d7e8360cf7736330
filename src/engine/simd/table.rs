//! The table kernel (x86-64 AVX-512 with VBMI, GFNI and BITALG): up to
//! [`TABLE_MAX`] ASCII keywords of up to [`TABLE_MAX_LEN`] bytes, of any mix
//! of lengths, and the newlines, in one pass whose cost does not grow with the
//! number of keywords.
//!
//! Each keyword owns one bit of a byte, the newline bit 7. For each offset
//! `j` below the longest keyword, a 128-entry table gives, for a byte `b`, the
//! bits of the keywords whose byte `j` is `b` — or which are shorter than
//! `j + 1` (they match whatever follows them). Per block of 64 positions:
//! - the `L` shifted loads, each clamped to 127 (`vpminub`: the lookup
//!   reads 7 bits, and UTF-8 text is full of bytes over 127, which must not
//!   alias ASCII ones; entry 127 holds only the "whatever the byte" bits, as
//!   no table keyword holds the byte 127) and looked up in its table with one
//!   `vpermi2b`;
//! - the lookups ANDed (`vpternlogq`, three at a time): bit `k` of byte `i`
//!   is set exactly where keyword `k` starts at position `i`;
//! - one `vgf2p8affineqb` transposes each 8×8 bit square (8 positions × 8
//!   bits) so that byte `k` of each qword holds keyword `k`'s bits of those 8
//!   positions; `vpopcntb` counts them into byte counters, which are added up
//!   every 31 blocks, before a byte could overflow.
//!
//! Against the group kernels ([`super::kernels`]), which spend one vector
//! operation per keyword *byte*, this is about `2L + 4` operations per block
//! whatever the number of keywords: for the default four (`INFO`, `WARN`,
//! `ERROR`, `DEBUG`, two groups of two lengths, 18 keyword bytes and 9 loads)
//! 14 operations and 5 loads against 23 and 9.

use super::MAX_KERNEL_LEN;

/// The most keywords one table pass counts (bit 7 is the newline's).
pub(super) const TABLE_MAX: usize = 7;

/// The longest keyword the table kernel takes: each offset holds its table
/// in two vector registers.
pub(super) const TABLE_MAX_LEN: usize = 8;
// `run_table` dispatches lengths 1 to 8; every kernel keyword length fits the padding.
const _: () = assert!(TABLE_MAX_LEN == 8 && TABLE_MAX_LEN <= MAX_KERNEL_LEN);

/// The bit of the newline in a lookup.
const NEWLINE_BIT: u8 = 1 << 7;

/// Whether the table kernel can count `k` (as matched): bytes below 127
/// (ASCII without DEL, which stands for every byte over 127), and short
/// enough. (Only borderless keywords reach the kernels.)
pub(super) fn table_takes(k: &[u8]) -> bool {
    k.len() <= TABLE_MAX_LEN && k.iter().all(|&b| b < 0x7f)
}

/// The lookup tables of up to [`TABLE_MAX`] keywords.
#[derive(Clone)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(super) struct TableKeys {
    /// The longest keyword's length: how many offsets are looked up.
    pub len: usize,
    /// How many keywords (bits `0..n`).
    pub n: usize,
    /// Per offset, per 7-bit byte: the bits of the keywords (and the newline)
    /// that byte lets through at that offset. Entry 127 (what bytes of 127
    /// and over are clamped to) holds only the bits any byte lets through:
    /// keywords shorter than the offset, and the newline past offset 0.
    tables: [[u8; 128]; TABLE_MAX_LEN],
}

impl std::fmt::Debug for TableKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableKeys")
            .field("len", &self.len)
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

impl TableKeys {
    /// The tables of `keys` (each [`table_takes`], at most [`TABLE_MAX`]);
    /// with `ignore_case`, an ASCII letter of a keyword matches either case.
    pub(super) fn new(keys: &[&[u8]], ignore_case: bool) -> Self {
        assert!(!keys.is_empty() && keys.len() <= TABLE_MAX);
        assert!(keys.iter().all(|k| !k.is_empty() && table_takes(k)));
        let len = keys.iter().map(|k| k.len()).max().unwrap_or(1);
        let mut tables = [[0u8; 128]; TABLE_MAX_LEN];
        for (j, table) in tables.iter_mut().enumerate() {
            let mut wild = 0u8;
            for (bit, k) in keys.iter().enumerate() {
                match k.get(j) {
                    Some(&b) if ignore_case && b.is_ascii_alphabetic() => {
                        table[b.to_ascii_lowercase() as usize] |= 1 << bit;
                        table[b.to_ascii_uppercase() as usize] |= 1 << bit;
                    }
                    Some(&b) => table[b as usize] |= 1 << bit,
                    None => wild |= 1 << bit,
                }
            }
            if j == 0 {
                table[b'\n' as usize] |= NEWLINE_BIT;
            } else {
                wild |= NEWLINE_BIT;
            }
            for t in table.iter_mut() {
                *t |= wild;
            }
        }
        TableKeys {
            len,
            n: keys.len(),
            tables,
        }
    }
}

/// What one table pass counted: `keys[k]` for keyword `k`, and the newlines.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TableCounts {
    pub keys: [u64; TABLE_MAX],
    pub newlines: u64,
}

/// Whether this CPU has what the table kernel needs.
#[cfg(target_arch = "x86_64")]
pub(super) fn table_available() -> bool {
    std::is_x86_feature_detected!("avx512f")
        && std::is_x86_feature_detected!("avx512bw")
        && std::is_x86_feature_detected!("avx512vbmi")
        && std::is_x86_feature_detected!("gfni")
        && std::is_x86_feature_detected!("avx512bitalg")
}

/// Counts the keywords of `keys` starting at the `nb * 64` positions from
/// `p`, and the newlines among those positions.
///
/// # Safety
/// [`table_available`] must hold, and `p .. p + nb * 64 + keys.len - 1` be
/// readable.
#[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
pub(super) unsafe fn run_table(keys: &TableKeys, p: *const u8, nb: usize) -> TableCounts {
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! by_len {
            ($($l:literal)*) => {
                match keys.len {
                    $($l => table_blocks::<$l>(keys, p, nb),)*
                    _ => unreachable!("table keyword length {}", keys.len),
                }
            };
        }
        by_len!(1 2 3 4 5 6 7 8)
    }
    #[cfg(not(target_arch = "x86_64"))]
    unreachable!("no table kernel on this target")
}

/// The kernel for keywords of up to `L` bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi,gfni,avx512bitalg,popcnt")]
unsafe fn table_blocks<const L: usize>(keys: &TableKeys, p: *const u8, nb: usize) -> TableCounts {
    use std::arch::x86_64::*;
    /// Truth table of `a & b & c`.
    const AND3: i32 = 0x80;
    /// Blocks added into the byte counters before they are emptied: each
    /// adds at most 8 to a byte.
    const FLUSH: usize = 31;
    let ld = |q: *const u8| _mm512_loadu_si512(q.cast());
    let lo: [__m512i; L] = std::array::from_fn(|j| ld(keys.tables[j].as_ptr()));
    let hi: [__m512i; L] = std::array::from_fn(|j| ld(keys.tables[j].as_ptr().add(64)));
    // x holds byte k = 1 << k in each qword: the affine product of a qword's
    // 8 bytes (as the matrix) with it gives, in byte k, bit k of each byte.
    let transpose = _mm512_set1_epi64(0x8040_2010_0804_0201_u64 as i64);
    let del = _mm512_set1_epi8(0x7f);
    let mut sums = [0u64; 8];
    let flush = |acc: __m512i, sums: &mut [u64; 8]| {
        let mut bytes = [0u8; 64];
        _mm512_storeu_si512(bytes.as_mut_ptr().cast(), acc);
        for (k, s) in sums.iter_mut().enumerate() {
            *s += (0..8).map(|q| bytes[8 * q + k] as u64).sum::<u64>();
        }
    };
    let mut b = 0;
    while b < nb {
        let end = nb.min(b + FLUSH);
        let mut acc = _mm512_setzero_si512();
        while b < end {
            let q = p.add(b * 64);
            // Bytes over 127 become 127, whose entry holds only the bits
            // any byte lets through (no table keyword holds it).
            let r: [__m512i; L] = std::array::from_fn(|j| {
                let v = _mm512_min_epu8(ld(q.add(j)), del);
                _mm512_permutex2var_epi8(lo[j], v, hi[j])
            });
            let mut m = r[0];
            let mut j = 1;
            while j + 1 < L {
                m = _mm512_ternarylogic_epi64::<AND3>(m, r[j], r[j + 1]);
                j += 2;
            }
            if j < L {
                m = _mm512_and_si512(m, r[j]);
            }
            let t = _mm512_gf2p8affine_epi64_epi8::<0>(transpose, m);
            acc = _mm512_add_epi8(acc, _mm512_popcnt_epi8(t));
            b += 1;
        }
        flush(acc, &mut sums);
    }
    let mut counts = TableCounts {
        newlines: sums[7],
        ..TableCounts::default()
    };
    counts.keys.copy_from_slice(&sums[..TABLE_MAX]);
    counts
}
