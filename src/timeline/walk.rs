//! The run-finding walk of [`add_lines`]: line starts from a newline
//! bitmask, and a template check that tells, in a few vector compares, that a
//! line lies in the same bucket as the last line parsed in full.

use super::format::FieldKind;
use super::rule::Stamp;
use super::{BucketStart, TimeParser, Timeline, FORBIDDEN_AFTER};

/// The shape of the last line read in full: a line whose timestamp (at the
/// same place) fits it lies in the same bucket.
struct Template {
    /// Per byte of the first 32 from the timestamp's start: the allowed range.
    lo: [u8; 32],
    hi: [u8; 32],
    /// The timestamp's length; when `open_end`, the byte there must be one
    /// allowed after a timestamp.
    len: usize,
    open_end: bool,
    /// Where a free hour is: its second digit is checked apart (20-23).
    hour_at: Option<usize>,
}

impl Template {
    fn new(line: &[u8], s: &Stamp) -> Option<Template> {
        let f = &s.fields;
        let ts = &line[s.at..];
        if !f.spans_ok || f.len >= 32 || ts.len() < f.len {
            return None;
        }
        let (mut lo, mut hi) = ([0u8; 32], [255u8; 32]);
        for (i, &c) in ts[..f.len].iter().enumerate() {
            (lo[i], hi[i]) = (c, c);
        }
        let mut hour_at = None;
        for span in f.spans.iter().flatten() {
            if span.kind >= s.fixed_from {
                continue;
            }
            let at = usize::from(span.at);
            for i in at..at + usize::from(span.len) {
                (lo[i], hi[i]) = (b'0', b'9');
            }
            // Tens of the hour, minute, second: the ranges the reader allows
            // (a second of 60 and hours 20-23 are checked apart).
            match span.kind {
                FieldKind::Hour => {
                    hi[at] = b'2';
                    hour_at = Some(at);
                }
                FieldKind::Minute | FieldKind::Second => hi[at] = b'5',
                _ => {}
            }
        }
        Some(Template {
            lo,
            hi,
            len: f.len,
            open_end: ts[f.len - 1].is_ascii_alphanumeric(),
            hour_at,
        })
    }

    /// Whether the line at the start of `rest` has a timestamp of this
    /// shape at its first `[`.
    #[inline(always)]
    fn fits_bracketed<L: Lanes>(&self, rest: &[u8]) -> bool {
        bracket::<L>(rest).is_some_and(|at| self.fits::<L>(&rest[at..]))
    }

    /// Whether `ts` (from a timestamp's place on) starts with a timestamp
    /// of this shape.
    #[inline(always)]
    fn fits<L: Lanes>(&self, ts: &[u8]) -> bool {
        let Some(w) = ts.first_chunk::<32>() else {
            return false;
        };
        L::in_ranges(w, &self.lo, &self.hi)
            && !(self.open_end && FORBIDDEN_AFTER[w[self.len] as usize])
            && self.hour_at.is_none_or(|h| w[h] < b'2' || w[h + 1] <= b'3')
    }
}

/// Adds the lines of `text` (whole lines; the last may lack its newline) to
/// `timeline` and their keyword counts to `totals`; `count(run, counts)` adds
/// the keyword counts of a run of whole lines. Returns the number of lines.
///
/// On x86-64 the walk is compiled for the CPU it runs on: with AVX2 (one
/// 32-byte compare per template check, two per 64-byte newline mask, where
/// SSE2 takes two and four), else with POPCNT and BMI1 (all CPUs since about
/// 2013; the baseline target has neither, and its software popcount of each
/// newline mask was the walk's hottest instruction), else SSE2.
pub fn add_lines(
    parser: &TimeParser,
    text: &[u8],
    timeline: &mut Timeline,
    totals: &mut [u64],
    count: impl FnMut(&[u8], &mut [u64]),
) -> u64 {
    #[cfg(test)]
    if let Some(v) = FORCED.get() {
        return forced(v, parser, text, timeline, totals, count);
    }
    #[cfg(target_arch = "x86_64")]
    {
        let bmi = std::is_x86_feature_detected!("popcnt") && std::is_x86_feature_detected!("bmi1");
        if bmi
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: the CPU has the features `add_lines_avx512` is compiled for.
            return unsafe { add_lines_avx512(parser, text, timeline, totals, count) };
        }
        if bmi && std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has the features `add_lines_avx2` is compiled for.
            return unsafe { add_lines_avx2(parser, text, timeline, totals, count) };
        }
        if bmi {
            // SAFETY: the CPU has the features `add_lines_bmi` is compiled for.
            return unsafe { add_lines_bmi(parser, text, timeline, totals, count) };
        }
    }
    walk::<Base>(parser, text, timeline, totals, count)
}

/// The walk's compilations, for tests that check each one the CPU runs.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Variant {
    Base,
    #[cfg(target_arch = "x86_64")]
    Bmi,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

#[cfg(test)]
thread_local! {
    /// The compilation [`add_lines`] takes on this thread (`None`: the CPU's best).
    static FORCED: std::cell::Cell<Option<Variant>> = const { std::cell::Cell::new(None) };
}

/// The compilations of the walk this CPU runs, the portable one first.
#[cfg(test)]
pub(super) fn variants() -> Vec<Variant> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::is_x86_feature_detected as has;
        let bmi = has!("popcnt") && has!("bmi1");
        let runs = [
            (Variant::Base, true),
            (Variant::Bmi, bmi),
            (Variant::Avx2, bmi && has!("avx2")),
            (Variant::Avx512, bmi && has!("avx512bw") && has!("avx512vl")),
        ];
        runs.into_iter()
            .filter(|&(_, r)| r)
            .map(|(v, _)| v)
            .collect()
    }
    #[cfg(not(target_arch = "x86_64"))]
    vec![Variant::Base]
}

/// Runs `f` with [`add_lines`] taking the compilation `v` on this thread.
#[cfg(test)]
pub(super) fn with_variant<T>(v: Variant, f: impl FnOnce() -> T) -> T {
    FORCED.set(Some(v));
    let out = f();
    FORCED.set(None);
    out
}

#[cfg(test)]
fn forced(
    v: Variant,
    parser: &TimeParser,
    text: &[u8],
    timeline: &mut Timeline,
    totals: &mut [u64],
    count: impl FnMut(&[u8], &mut [u64]),
) -> u64 {
    assert!(variants().contains(&v), "{v:?} does not run on this CPU");
    match v {
        Variant::Base => walk::<Base>(parser, text, timeline, totals, count),
        // SAFETY (all three): `variants` found the features on this CPU.
        #[cfg(target_arch = "x86_64")]
        Variant::Bmi => unsafe { add_lines_bmi(parser, text, timeline, totals, count) },
        #[cfg(target_arch = "x86_64")]
        Variant::Avx2 => unsafe { add_lines_avx2(parser, text, timeline, totals, count) },
        #[cfg(target_arch = "x86_64")]
        Variant::Avx512 => unsafe { add_lines_avx512(parser, text, timeline, totals, count) },
    }
}

/// [`walk`] compiled with POPCNT and BMI1.
///
/// # Safety
/// The CPU must have POPCNT and BMI1.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt,bmi1")]
unsafe fn add_lines_bmi(
    parser: &TimeParser,
    text: &[u8],
    timeline: &mut Timeline,
    totals: &mut [u64],
    count: impl FnMut(&[u8], &mut [u64]),
) -> u64 {
    walk::<Base>(parser, text, timeline, totals, count)
}

/// [`walk`] with AVX-512 compares into mask registers, compiled with
/// AVX-512BW and VL, POPCNT and BMI1.
///
/// # Safety
/// The CPU must have AVX-512BW, AVX-512VL, POPCNT and BMI1.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw,avx512vl,avx2,popcnt,bmi1")]
unsafe fn add_lines_avx512(
    parser: &TimeParser,
    text: &[u8],
    timeline: &mut Timeline,
    totals: &mut [u64],
    count: impl FnMut(&[u8], &mut [u64]),
) -> u64 {
    walk::<avx512::Avx512>(parser, text, timeline, totals, count)
}

/// [`walk`] with AVX2 compares, compiled with AVX2, POPCNT and BMI1.
///
/// # Safety
/// The CPU must have AVX2, POPCNT and BMI1.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi1")]
unsafe fn add_lines_avx2(
    parser: &TimeParser,
    text: &[u8],
    timeline: &mut Timeline,
    totals: &mut [u64],
    count: impl FnMut(&[u8], &mut [u64]),
) -> u64 {
    walk::<avx2::Avx2>(parser, text, timeline, totals, count)
}

/// The walk of [`add_lines`], inlined into each of its compilations.
#[inline(always)]
fn walk<L: Lanes>(
    parser: &TimeParser,
    text: &[u8],
    timeline: &mut Timeline,
    totals: &mut [u64],
    mut count: impl FnMut(&[u8], &mut [u64]),
) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let n = totals.len();
    let mut scratch = vec![0u64; n];
    let mut flush = |run: &[u8], key: Option<BucketStart>, lines: u64, tl: &mut Timeline| {
        scratch.iter_mut().for_each(|c| *c = 0);
        count(run, &mut scratch);
        let slot = tl.slot(key, n);
        slot.lines += lines;
        for ((s, t), c) in slot.counts.iter_mut().zip(totals.iter_mut()).zip(&scratch) {
            *s += c;
            *t += c;
        }
    };
    let mut template: Option<Template> = None;
    let at_start = parser.at_start();
    let at_bracket = parser.at_bracket();
    let mut key: Option<BucketStart> = None;
    let (mut run_start, mut run_lines, mut lines) = (0usize, 0u64, 0u64);
    let len = text.len();
    // Line starts: 0, then after each newline but the last byte. The
    // newlines come from a bitmask per 64 bytes (`base`, `mask`).
    let (mut base, mut mask) = (0usize, chunk_mask::<L>(text, 0));
    let mut p = 0usize;
    // Whole windows of lines that all fit the template are taken at once
    // (at the line start or a `[` only); after a window that does not, the
    // next few go line by line, twice as many after each further window
    // that does not (up to 64: a log with a line of another shape every
    // few KiB would otherwise pay for a failed window each time).
    let windows = at_start || at_bracket;
    let mut starts = [0u16; WINDOW + 2];
    let (mut retry_at, mut failed) = (0usize, 0u32);
    'lines: loop {
        lines += 1;
        let rest = &text[p..];
        let fits = template.as_ref().is_some_and(|t| {
            if at_start {
                t.fits::<L>(rest)
            } else if at_bracket {
                t.fits_bracketed::<L>(rest)
            } else {
                parser
                    .locate(rest)
                    .is_some_and(|at| t.fits::<L>(&rest[at..]))
            }
        });
        if fits {
            run_lines += 1;
        } else {
            let stamp = parser.stamp(rest);
            let k = stamp.as_ref().map(|s| s.bucket);
            template = stamp.and_then(|s| Template::new(rest, &s));
            if run_lines > 0 && k == key {
                run_lines += 1;
            } else {
                if run_lines > 0 {
                    flush(&text[run_start..p], key, run_lines, timeline);
                }
                (key, run_start, run_lines) = (k, p, 1);
            }
        }
        while mask == 0 {
            base += 64;
            if base >= len {
                break 'lines;
            }
            // Every line start of the window lies before `len - 64`, so
            // each is a line and its template compare reads within `text`.
            if windows && base >= retry_at && base + WINDOW + 128 <= len {
                if let Some(t) = &template {
                    let n = gather::<L>(text, base, &mut starts);
                    // A plain loop, not an iterator adapter: the adapter was
                    // compiled apart, without the walk's target features,
                    // and called the compares instead of inlining them.
                    let mut all = true;
                    for &o in &starts[..n] {
                        let rest = &text[base + usize::from(o)..];
                        all &= if at_start {
                            t.fits::<L>(rest)
                        } else {
                            t.fits_bracketed::<L>(rest)
                        };
                    }
                    if all {
                        lines += n as u64;
                        run_lines += n as u64;
                        base += WINDOW - 64;
                        failed = 0;
                        continue;
                    }
                    retry_at = base + (4 << failed) * WINDOW;
                    failed = (failed + 1).min(4);
                }
            }
            mask = chunk_mask::<L>(text, base);
        }
        p = base + mask.trailing_zeros() as usize + 1;
        mask &= mask - 1;
        if p >= len {
            break;
        }
    }
    flush(&text[run_start..], key, run_lines, timeline);
    lines
}

/// Bytes in a window of lines checked at once.
const WINDOW: usize = 4096;

/// Writes to `out` the offsets from `base` of the line starts after the
/// newlines of `text[base..base + WINDOW]` (which must lie in `text`), in
/// order; returns how many. Two a 64-byte chunk are written without a
/// branch (lines are rarely shorter than 32 bytes), more in a loop.
#[inline(always)]
fn gather<L: Lanes>(text: &[u8], base: usize, out: &mut [u16; WINDOW + 2]) -> usize {
    let mut n = 0;
    for c in (0..WINDOW).step_by(64) {
        let m = L::newline_mask(text[base + c..].first_chunk::<64>().expect("in text"));
        let o = (c + 1) as u16;
        // A missing newline writes an offset past the chunk, never read.
        out[n] = o + m.trailing_zeros() as u16;
        let m2 = m & m.wrapping_sub(1);
        out[n + 1] = o + m2.trailing_zeros() as u16;
        let k = m.count_ones() as usize;
        if k > 2 {
            let mut more = m2 & m2.wrapping_sub(1);
            let mut i = n + 2;
            while more != 0 {
                out[i] = o + more.trailing_zeros() as u16;
                i += 1;
                more &= more - 1;
            }
        }
        n += k;
    }
    n
}

/// Where the line at the start of `rest` has its first `[` (`None` when a
/// newline comes first or there is none): [`super::format::Place::Bracket`]'s
/// `locate`, with the first 32 bytes searched inline (an access log's `[`
/// is within them) rather than through a `memchr2` call per line.
#[inline(always)]
fn bracket<L: Lanes>(rest: &[u8]) -> Option<usize> {
    if let Some(w) = rest.first_chunk::<32>() {
        let m = L::byte_mask(w, b'[') | L::byte_mask(w, b'\n');
        if m != 0 {
            let i = m.trailing_zeros() as usize;
            return (w[i] == b'[').then_some(i);
        }
    }
    match memchr::memchr2(b'[', b'\n', rest) {
        Some(i) if rest[i] == b'[' => Some(i),
        _ => None,
    }
}

/// The walk's vector compares, for one instruction set.
trait Lanes {
    /// Bit i set when `c[i]` is a newline.
    fn newline_mask(c: &[u8; 64]) -> u64;
    /// Bit i set when `w[i] == c`.
    fn byte_mask(w: &[u8; 32], c: u8) -> u32;
    /// Whether `lo[i] <= w[i] <= hi[i]` for every byte.
    fn in_ranges(w: &[u8; 32], lo: &[u8; 32], hi: &[u8; 32]) -> bool;
}

/// SSE2 on x86-64 (part of the baseline), plain loops elsewhere.
struct Base;

impl Lanes for Base {
    #[inline(always)]
    fn newline_mask(c: &[u8; 64]) -> u64 {
        newline_mask(c)
    }
    #[inline(always)]
    fn byte_mask(w: &[u8; 32], c: u8) -> u32 {
        byte_mask(w, c)
    }
    #[inline(always)]
    fn in_ranges(w: &[u8; 32], lo: &[u8; 32], hi: &[u8; 32]) -> bool {
        in_ranges(w, lo, hi)
    }
}

/// The compares with 32-byte AVX2 vectors; only called from a function
/// compiled with AVX2 (`add_lines_avx2`), into which they inline.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    pub(super) struct Avx2;

    // SAFETY: only `add_lines_avx2` (AVX2) walks with `Avx2`.
    super::lanes_from_fns!(Avx2);

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn newline_mask(c: &[u8; 64]) -> u64 {
        let nl = _mm256_set1_epi8(b'\n' as i8);
        // SAFETY: each load reads 32 bytes within `c`.
        let m = |at: usize| unsafe {
            let x = _mm256_loadu_si256(c.as_ptr().add(at).cast());
            u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, nl)) as u32)
        };
        m(0) | m(32) << 32
    }

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn byte_mask(w: &[u8; 32], c: u8) -> u32 {
        // SAFETY: the load reads the 32 bytes of `w`.
        let x = unsafe { _mm256_loadu_si256(w.as_ptr().cast()) };
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(x, _mm256_set1_epi8(c as i8))) as u32
    }

    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn in_ranges(w: &[u8; 32], lo: &[u8; 32], hi: &[u8; 32]) -> bool {
        // SAFETY: each load reads the 32 bytes of one array.
        let (x, l, h) = unsafe {
            (
                _mm256_loadu_si256(w.as_ptr().cast()),
                _mm256_loadu_si256(lo.as_ptr().cast()),
                _mm256_loadu_si256(hi.as_ptr().cast()),
            )
        };
        let ok = _mm256_and_si256(
            _mm256_cmpeq_epi8(_mm256_max_epu8(x, l), x),
            _mm256_cmpeq_epi8(_mm256_min_epu8(x, h), x),
        );
        _mm256_movemask_epi8(ok) == -1
    }
}

/// Implements [`Lanes`] for `$lanes` with the `newline_mask`, `byte_mask`
/// and `in_ranges` of the module it is called in: `unsafe` functions compiled
/// for the target features that the only walk using `$lanes` is compiled with.
#[cfg(target_arch = "x86_64")]
macro_rules! lanes_from_fns {
    ($lanes:ident) => {
        impl super::Lanes for $lanes {
            #[inline(always)]
            fn newline_mask(c: &[u8; 64]) -> u64 {
                // SAFETY: the CPU has the features (see the macro's call).
                unsafe { newline_mask(c) }
            }
            #[inline(always)]
            fn byte_mask(w: &[u8; 32], c: u8) -> u32 {
                // SAFETY: as above.
                unsafe { byte_mask(w, c) }
            }
            #[inline(always)]
            fn in_ranges(w: &[u8; 32], lo: &[u8; 32], hi: &[u8; 32]) -> bool {
                // SAFETY: as above.
                unsafe { in_ranges(w, lo, hi) }
            }
        }
    };
}
#[cfg(target_arch = "x86_64")]
use lanes_from_fns;

/// The compares with AVX-512 mask registers: one compare for a 64-byte
/// newline mask, two for a template check; only called from a function
/// compiled with AVX-512BW and VL (`add_lines_avx512`), into which they
/// inline.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    pub(super) struct Avx512;

    // SAFETY: only `add_lines_avx512` (AVX-512BW, VL) walks with `Avx512`.
    super::lanes_from_fns!(Avx512);

    /// # Safety
    /// The CPU must have AVX-512BW.
    #[target_feature(enable = "avx512bw")]
    #[inline]
    unsafe fn newline_mask(c: &[u8; 64]) -> u64 {
        // SAFETY: the load reads the 64 bytes of `c`.
        let x = unsafe { _mm512_loadu_si512(c.as_ptr().cast()) };
        _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(b'\n' as i8))
    }

    /// # Safety
    /// The CPU must have AVX-512BW and VL.
    #[target_feature(enable = "avx512bw,avx512vl")]
    #[inline]
    unsafe fn byte_mask(w: &[u8; 32], c: u8) -> u32 {
        // SAFETY: the load reads the 32 bytes of `w`.
        let x = unsafe { _mm256_loadu_si256(w.as_ptr().cast()) };
        _mm256_cmpeq_epi8_mask(x, _mm256_set1_epi8(c as i8))
    }

    /// # Safety
    /// The CPU must have AVX-512BW and VL.
    #[target_feature(enable = "avx512bw,avx512vl")]
    #[inline]
    unsafe fn in_ranges(w: &[u8; 32], lo: &[u8; 32], hi: &[u8; 32]) -> bool {
        // SAFETY: each load reads the 32 bytes of one array.
        let (x, l, h) = unsafe {
            (
                _mm256_loadu_si256(w.as_ptr().cast()),
                _mm256_loadu_si256(lo.as_ptr().cast()),
                _mm256_loadu_si256(hi.as_ptr().cast()),
            )
        };
        _mm256_mask_cmple_epu8_mask(_mm256_cmple_epu8_mask(l, x), x, h) == u32::MAX
    }
}

/// Bit i set when `w[i] == c`.
#[inline(always)]
fn byte_mask(w: &[u8; 32], c: u8) -> u32 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86-64; each load reads 16 bytes within `w`.
    unsafe {
        use std::arch::x86_64::*;
        let v = _mm_set1_epi8(c as i8);
        let m = |at: usize| {
            let x = _mm_loadu_si128(w.as_ptr().add(at).cast());
            _mm_movemask_epi8(_mm_cmpeq_epi8(x, v)) as u32 & 0xFFFF
        };
        m(0) | m(16) << 16
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        w.iter()
            .enumerate()
            .fold(0, |m, (i, &b)| m | (u32::from(b == c) << i))
    }
}

/// Whether `lo[i] <= w[i] <= hi[i]` for every byte.
#[inline(always)]
fn in_ranges(w: &[u8; 32], lo: &[u8; 32], hi: &[u8; 32]) -> bool {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86-64; the loads read 16 bytes within each
    // 32-byte array.
    unsafe {
        use std::arch::x86_64::*;
        let half = |at: usize| {
            let x = _mm_loadu_si128(w.as_ptr().add(at).cast());
            let l = _mm_loadu_si128(lo.as_ptr().add(at).cast());
            let h = _mm_loadu_si128(hi.as_ptr().add(at).cast());
            _mm_and_si128(
                _mm_cmpeq_epi8(_mm_max_epu8(x, l), x),
                _mm_cmpeq_epi8(_mm_min_epu8(x, h), x),
            )
        };
        _mm_movemask_epi8(_mm_and_si128(half(0), half(16))) == 0xFFFF
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut ok = true;
        for i in 0..32 {
            ok &= (w[i] >= lo[i]) & (w[i] <= hi[i]);
        }
        ok
    }
}

/// The newlines of the 64 bytes of `text` from `base` on (fewer at its end),
/// bit i for byte `base + i`: cheaper per line than a `memchr` call per line
/// when lines are short.
#[inline(always)]
fn chunk_mask<L: Lanes>(text: &[u8], base: usize) -> u64 {
    let chunk = &text[base..text.len().min(base + 64)];
    match chunk.first_chunk::<64>() {
        Some(c) => L::newline_mask(c),
        None => chunk
            .iter()
            .enumerate()
            .fold(0, |m, (i, &b)| m | (u64::from(b == b'\n') << i)),
    }
}

/// Bit i set when `c[i]` is a newline.
#[inline(always)]
fn newline_mask(c: &[u8; 64]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86-64; each load reads 16 bytes within `c`.
    unsafe {
        use std::arch::x86_64::*;
        let nl = _mm_set1_epi8(b'\n' as i8);
        let m = |at: usize| {
            let x = _mm_loadu_si128(c.as_ptr().add(at).cast());
            u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(x, nl)) as u16)
        };
        m(0) | m(16) << 16 | m(32) << 32 | m(48) << 48
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        c.iter()
            .enumerate()
            .fold(0, |m, (i, &b)| m | (u64::from(b == b'\n') << i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vector compilation of the compares this CPU runs. Its functions are
    /// called here from code compiled without its features, which is sound
    /// on a CPU that has them ([`each_lanes`] gives only those): they are
    /// then called rather than inlined.
    #[derive(Debug, Clone, Copy)]
    enum Vector {
        #[cfg(target_arch = "x86_64")]
        Avx2,
        #[cfg(target_arch = "x86_64")]
        Avx512,
    }

    /// Calls `f` with each vector compilation this CPU runs.
    fn each_lanes(f: impl FnMut(Vector)) {
        let vector = |v| match v {
            #[cfg(target_arch = "x86_64")]
            Variant::Avx2 => Some(Vector::Avx2),
            #[cfg(target_arch = "x86_64")]
            Variant::Avx512 => Some(Vector::Avx512),
            _ => None,
        };
        variants().into_iter().filter_map(vector).for_each(f);
    }

    /// `$e` with `$l` naming the [`Lanes`] of the compilation `$v`.
    macro_rules! on_lanes {
        ($v:expr, $l:ident => $e:expr) => {
            match $v {
                #[cfg(target_arch = "x86_64")]
                Vector::Avx2 => {
                    type $l = avx2::Avx2;
                    $e
                }
                #[cfg(target_arch = "x86_64")]
                Vector::Avx512 => {
                    type $l = avx512::Avx512;
                    $e
                }
            }
        };
    }

    // Elsewhere `Vector` has no value: each function's match has no arm.
    #[cfg_attr(
        not(target_arch = "x86_64"),
        allow(unreachable_code, unused_variables, unused_mut)
    )]
    impl Vector {
        fn chunk_mask(self, text: &[u8], base: usize) -> u64 {
            on_lanes!(self, L => chunk_mask::<L>(text, base))
        }
        fn bracket(self, rest: &[u8]) -> Option<usize> {
            on_lanes!(self, L => bracket::<L>(rest))
        }
        fn gather(self, text: &[u8], base: usize) -> Vec<u16> {
            let mut out = [0u16; WINDOW + 2];
            let n = on_lanes!(self, L => gather::<L>(text, base, &mut out));
            out[..n].to_vec()
        }
        fn in_ranges(self, w: &[u8; 32], lo: &[u8; 32], hi: &[u8; 32]) -> bool {
            on_lanes!(self, L => L::in_ranges(w, lo, hi))
        }
    }

    #[test]
    fn newlines_at_every_offset_and_length() {
        for len in [0, 1, 63, 64, 65, 127, 128, 200] {
            for nl_every in [1, 2, 7, 64, 300] {
                let text: Vec<u8> = (0..len)
                    .map(|i| {
                        if i % nl_every == nl_every - 1 {
                            b'\n'
                        } else {
                            b'x'
                        }
                    })
                    .collect();
                let want: Vec<usize> = memchr::memchr_iter(b'\n', &text).collect();
                let mut got = Vec::new();
                for base in (0..len).step_by(64) {
                    let m = chunk_mask::<Base>(&text, base);
                    each_lanes(|l| assert_eq!(l.chunk_mask(&text, base), m, "{l:?}"));
                    got.extend((0..64).filter(|i| m >> i & 1 == 1).map(|i| base + i));
                }
                assert_eq!(got, want, "{len} {nl_every}");
            }
        }
    }

    #[test]
    fn bracket_as_the_place_finds_it() {
        use super::super::format::Place;
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for at in [0, 1, 15, 31, 32, 33, 63, 64, 100] {
            for other in [
                None,
                Some((b'\n', 0)),
                Some((b'\n', at + 1)),
                Some((b'[', at + 2)),
            ] {
                let mut t = [b'x'; 130];
                t[at] = b'[';
                if let Some((c, i)) = other {
                    t[i.min(129)] = c;
                }
                for len in [at, at + 1, 31, 32, 33, 130] {
                    texts.push(t[..len.min(130)].to_vec());
                }
            }
        }
        texts.push(vec![b'x'; 200]);
        texts.push(b"\n[".to_vec());
        for t in &texts {
            assert_eq!(bracket::<Base>(t), Place::Bracket.locate(t), "{t:?}");
            each_lanes(|l| assert_eq!(l.bracket(t), Place::Bracket.locate(t), "{l:?} {t:?}"));
        }
    }

    #[test]
    fn gathered_starts_are_the_newlines() {
        for nl_every in [1, 2, 3, 31, 32, 33, 64, 73, 5000] {
            let text: Vec<u8> = (0..WINDOW + 300)
                .map(|i| {
                    if i % nl_every == 7 % nl_every {
                        b'\n'
                    } else {
                        b'x'
                    }
                })
                .collect();
            for base in [0, 64, 192] {
                let mut out = [0u16; WINDOW + 2];
                let n = gather::<Base>(&text, base, &mut out);
                each_lanes(|l| assert_eq!(l.gather(&text, base), out[..n], "{l:?}"));
                let want: Vec<usize> = memchr::memchr_iter(b'\n', &text[base..base + WINDOW])
                    .map(|i| i + 1)
                    .collect();
                let got: Vec<usize> = out[..n].iter().map(|&o| usize::from(o)).collect();
                assert_eq!(got, want, "{nl_every} {base}");
            }
        }
    }

    #[test]
    fn ranges_per_byte() {
        let (lo, hi) = ([b'0'; 32], [b'5'; 32]);
        let mut w = [b'3'; 32];
        assert!(in_ranges(&w, &lo, &hi));
        each_lanes(|l| assert!(l.in_ranges(&w, &lo, &hi), "{l:?}"));
        for (i, bad) in [
            (0, b'6'),
            (15, b'/'),
            (16, 0xFF),
            (31, b'9'),
            (7, 0x80),
            (3, b'0'),
            (4, b'5'),
        ] {
            w[i] = bad;
            let inside = (b'0'..=b'5').contains(&bad);
            assert_eq!(in_ranges(&w, &lo, &hi), inside, "{i} {bad}");
            each_lanes(|l| assert_eq!(l.in_ranges(&w, &lo, &hi), inside, "{l:?} {i} {bad}"));
            w[i] = b'3';
        }
    }
}
