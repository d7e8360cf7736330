//! The word tokenizer: finds the words of a text from two bitmaps per 64
//! bytes (whitespace, capital ASCII letters), so that a word's length costs
//! no branch per byte and a word's case is known without looking at it again.
//!
//! On x86_64 the bitmaps come from SSE2 compares (part of the baseline ISA);
//! elsewhere from a byte loop.

use super::is_space;

/// Bit `i` of `.0` is set when `bytes[i]` is whitespace, of `.1` when it is
/// a capital ASCII letter; the bits past `bytes.len()` (at most 64) are set in
/// `.0`, so that a word open at the end of the text ends there.
#[inline]
fn masks(bytes: &[u8]) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    if let Ok(chunk) = <&[u8; 64]>::try_from(bytes) {
        // SAFETY: SSE2 is part of x86_64; the loads read the 64 bytes of `chunk`.
        return unsafe { masks_sse2(chunk) };
    }
    masks_scalar(bytes)
}

fn masks_scalar(bytes: &[u8]) -> (u64, u64) {
    debug_assert!(bytes.len() <= 64);
    let mut space = if bytes.len() == 64 {
        0
    } else {
        !0u64 << bytes.len()
    };
    let mut upper = 0u64;
    for (i, &b) in bytes.iter().enumerate() {
        space |= (is_space(b) as u64) << i;
        upper |= (b.is_ascii_uppercase() as u64) << i;
    }
    (space, upper)
}

#[cfg(target_arch = "x86_64")]
#[inline]
unsafe fn masks_sse2(chunk: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::*;
    let (blank, tab, four, cap_a, twenty_five) = (
        _mm_set1_epi8(b' ' as i8),
        _mm_set1_epi8(b'\t' as i8),
        _mm_set1_epi8(4),
        _mm_set1_epi8(b'A' as i8),
        _mm_set1_epi8(25),
    );
    // x <= limit, unsigned: min(x, limit) == x.
    let at_most = |x: __m128i, limit: __m128i| _mm_cmpeq_epi8(_mm_min_epu8(x, limit), x);
    let (mut space, mut upper) = (0u64, 0u64);
    for i in 0..4 {
        let v = _mm_loadu_si128(chunk.as_ptr().add(16 * i).cast());
        // ' ', or '\t' '\n' '\v' '\f' '\r' (9..=13).
        let s = _mm_or_si128(
            _mm_cmpeq_epi8(v, blank),
            at_most(_mm_sub_epi8(v, tab), four),
        );
        let u = at_most(_mm_sub_epi8(v, cap_a), twenty_five);
        space |= (_mm_movemask_epi8(s) as u16 as u64) << (16 * i);
        upper |= (_mm_movemask_epi8(u) as u16 as u64) << (16 * i);
    }
    (space, upper)
}

/// Calls `f` with every word of `text` (a maximal run of bytes that are not
/// whitespace) and whether it holds a capital ASCII letter, in order.
#[inline]
pub(super) fn for_each_raw_word(text: &[u8], mut f: impl FnMut(&[u8], bool)) {
    // The word open at the current position: where it starts, and whether
    // it has a capital so far.
    let mut open: Option<(usize, bool)> = None;
    for (c, chunk) in text.chunks(64).enumerate() {
        let base = c * 64;
        let (space, upper) = masks(chunk);
        let mut from = 0u32; // bits below `from` are done
        loop {
            let ahead = !0u64 << from;
            match open {
                Some((start, capital)) => {
                    let ends = space & ahead;
                    if ends == 0 {
                        open = Some((start, capital || upper & ahead != 0));
                        break;
                    }
                    let end = ends.trailing_zeros();
                    let inside = ahead & !(!0u64 << end);
                    f(
                        &text[start..base + end as usize],
                        capital || upper & inside != 0,
                    );
                    open = None;
                    from = end;
                }
                None => {
                    let starts = !space & ahead;
                    if starts == 0 {
                        break;
                    }
                    from = starts.trailing_zeros();
                    open = Some((base + from as usize, false));
                }
            }
        }
    }
    // A text that is a multiple of 64 bytes can end inside a word.
    if let Some((start, capital)) = open {
        f(&text[start..], capital);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words as a byte loop finds them.
    fn reference(text: &[u8]) -> Vec<(Vec<u8>, bool)> {
        text.split(|&b| is_space(b))
            .filter(|w| !w.is_empty())
            .map(|w| (w.to_vec(), w.iter().any(u8::is_ascii_uppercase)))
            .collect()
    }

    fn words(text: &[u8]) -> Vec<(Vec<u8>, bool)> {
        let mut out = Vec::new();
        for_each_raw_word(text, |w, capital| out.push((w.to_vec(), capital)));
        out
    }

    #[test]
    fn masks_agree_with_the_byte_loop_for_every_byte() {
        let all: Vec<u8> = (0..=255u8).collect();
        for chunk in all.chunks(64) {
            assert_eq!(masks(chunk), masks_scalar(chunk));
            let (space, upper) = masks(chunk);
            for (i, &b) in chunk.iter().enumerate() {
                assert_eq!(space >> i & 1 == 1, is_space(b), "byte {b:#x}");
                assert_eq!(upper >> i & 1 == 1, b.is_ascii_uppercase(), "byte {b:#x}");
            }
        }
    }

    #[test]
    fn words_at_every_length_and_offset_across_chunk_boundaries() {
        // Word and gap lengths that put ends on, before and after every
        // 64-byte boundary; capitals at either end; every whitespace byte.
        let gaps: [&[u8]; 6] = [b" ", b"\t\n", b"\r\n", b"\x0b", b"\x0c  ", b" \n \n"];
        for word_len in [1, 2, 5, 31, 63, 64, 65, 130] {
            for lead in 0..70 {
                let mut text = vec![b' '; lead % 3];
                let mut i = 0;
                while text.len() < 300 {
                    let mut w: Vec<u8> = (0..word_len)
                        .map(|j| b"abcXyz\xe9_0Q"[(i + j) % 10])
                        .collect();
                    if i % 4 == 0 {
                        w[0] = b'Z';
                    }
                    text.extend_from_slice(&w[..(word_len + lead + i) % word_len + 1]);
                    text.extend_from_slice(gaps[i % gaps.len()]);
                    i += 1;
                }
                for end in [text.len(), text.len() - 1, lead + 64, lead + 128] {
                    let t = &text[..end.min(text.len())];
                    assert_eq!(words(t), reference(t), "words of {word_len}, lead {lead}");
                }
            }
        }
    }

    #[test]
    fn edge_texts() {
        for t in [
            &b""[..],
            b" ",
            b"a",
            b"A",
            &[b'x'; 64],
            &[b'X'; 128],
            &[b' '; 64],
            b"\xff\xfe \x80",
            b"tail word without newline",
        ] {
            assert_eq!(words(t), reference(t), "{t:?}");
        }
        let mut t = vec![b'a'; 200];
        t[63] = b'B';
        t[64] = b' ';
        assert_eq!(words(&t), reference(&t));
    }
}
