//! The whole-word bitmap: one bit per byte of a span, set for the bytes that
//! are not word bytes (`[A-Za-z0-9_]`), built once per span and shared by
//! every keyword's kernel under `--whole-word`.

use super::Isa;
use crate::engine::options::is_word_byte;

/// Sets bit `i` of `out` when `span[i]` is not a word byte (`[A-Za-z0-9_]`);
/// the bits after `span.len()` up to the next whole word, and one more word,
/// are cleared.
pub(super) fn nonword_bits(isa: Isa, span: &[u8], out: &mut [u64]) {
    let groups = span.len() / 64;
    debug_assert!(groups + 2 <= out.len());
    match isa {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the ISA was checked when the strategy was built.
        Isa::Avx512Vbmi | Isa::Avx512 => unsafe { nonword_avx512(span, &mut out[..groups]) },
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
pub(super) unsafe fn bits_at(nw: *const u64, start: usize) -> u64 {
    let i = start / 64;
    let lo = *nw.add(i) as u128;
    let hi = *nw.add(i + 1) as u128;
    (((hi << 64) | lo) >> (start % 64)) as u64
}
