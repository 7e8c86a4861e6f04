//! Sum of the integers in `[start, stop)`, by iterating over every one of them
//! (seed 003's "sum 1..100000000, divide and conquer").
//!
//! The loop is explicit SIMD chosen at run time (AVX-512, then AVX2, then a
//! portable loop), so one binary runs everywhere and uses the widest vectors
//! the CPU has. A plain summing loop is not enough: LLVM would replace it with
//! the closed form, a different O(1) kernel. Vector induction variables are
//! opaque to that rewrite, and the portable loop hides its index with
//! `black_box`, so the work stays O(n).
//!
//! Bad input is refused before any work: [`check_range_sum`] decides in O(1),
//! from the closed form in 128-bit arithmetic, whether the exact sum fits in
//! an `i64`, and [`range_sum`] (like the pool's form) returns `Overflow` at
//! once when it does not, instead of iterating for years over
//! `[0, i64::MAX)` to report a wrapped number.

use crate::{Error, Result};

/// The sum of `[start, stop)`, by iterating over every integer; an empty
/// range (`start >= stop`) sums to 0. Errors: `Overflow`, before any work,
/// when the exact sum does not fit in an `i64`.
pub fn range_sum(start: i64, stop: i64) -> Result<i64> {
    check_range_sum(start, stop)?;
    Ok(wrapping_range_sum(start, stop))
}

/// `Ok` when the exact sum of `[start, stop)` fits in an `i64`, else
/// `Overflow`. O(1): the closed form `(start + stop - 1) * count / 2` in
/// 128-bit arithmetic, where it cannot overflow (both factors are below
/// 2^65 in magnitude and their product below 2^126).
pub fn check_range_sum(start: i64, stop: i64) -> Result<()> {
    if range_sum_fits(start, stop) {
        Ok(())
    } else {
        Err(Error::Overflow(
            "the sum of the range does not fit in 64 bits",
        ))
    }
}

/// Whether the exact sum of `[start, stop)` fits in an `i64` (O(1)).
pub fn range_sum_fits(start: i64, stop: i64) -> bool {
    if start >= stop {
        return true;
    }
    let count = stop as i128 - start as i128;
    let exact = (start as i128 + stop as i128 - 1) * count / 2;
    i64::try_from(exact).is_ok()
}

/// The sum of `[start, stop)` modulo 2^64, by iterating over every integer:
/// the loop itself, for callers that checked the range first (the pool sums
/// pieces of a checked range).
pub fn wrapping_range_sum(start: i64, stop: i64) -> i64 {
    if start >= stop {
        return 0;
    }
    let count = stop.wrapping_sub(start) as u64;
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked just above.
            return unsafe { x86::sum_avx512(start, count) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { x86::sum_avx2(start, count) };
        }
    }
    sum_portable(start, count)
}

/// `count` integers from `start`, one at a time; `black_box` on the index
/// keeps LLVM from folding the loop into its closed form.
fn sum_portable(start: i64, count: u64) -> i64 {
    let mut sum = 0i64;
    let mut value = start;
    for _ in 0..count {
        sum = sum.wrapping_add(value);
        value = std::hint::black_box(value).wrapping_add(1);
    }
    sum
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// Four independent accumulators of eight lanes each: 32 integers per
    /// round, with the index vectors stepping by 32.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn sum_avx512(start: i64, count: u64) -> i64 {
        let lanes = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
        let base = _mm512_add_epi64(_mm512_set1_epi64(start), lanes);
        let mut index = [
            base,
            _mm512_add_epi64(base, _mm512_set1_epi64(8)),
            _mm512_add_epi64(base, _mm512_set1_epi64(16)),
            _mm512_add_epi64(base, _mm512_set1_epi64(24)),
        ];
        let step = _mm512_set1_epi64(32);
        let mut sums = [_mm512_setzero_si512(); 4];
        let rounds = count / 32;
        for _ in 0..rounds {
            for lane in 0..4 {
                sums[lane] = _mm512_add_epi64(sums[lane], index[lane]);
                index[lane] = _mm512_add_epi64(index[lane], step);
            }
        }
        let total = _mm512_add_epi64(
            _mm512_add_epi64(sums[0], sums[1]),
            _mm512_add_epi64(sums[2], sums[3]),
        );
        let done = rounds * 32;
        _mm512_reduce_add_epi64(total).wrapping_add(super::sum_portable(
            start.wrapping_add(done as i64),
            count - done,
        ))
    }

    /// Four independent accumulators of four lanes each: 16 integers per round.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn sum_avx2(start: i64, count: u64) -> i64 {
        let lanes = _mm256_set_epi64x(3, 2, 1, 0);
        let base = _mm256_add_epi64(_mm256_set1_epi64x(start), lanes);
        let mut index = [
            base,
            _mm256_add_epi64(base, _mm256_set1_epi64x(4)),
            _mm256_add_epi64(base, _mm256_set1_epi64x(8)),
            _mm256_add_epi64(base, _mm256_set1_epi64x(12)),
        ];
        let step = _mm256_set1_epi64x(16);
        let mut sums = [_mm256_setzero_si256(); 4];
        let rounds = count / 16;
        for _ in 0..rounds {
            for lane in 0..4 {
                sums[lane] = _mm256_add_epi64(sums[lane], index[lane]);
                index[lane] = _mm256_add_epi64(index[lane], step);
            }
        }
        let total = _mm256_add_epi64(
            _mm256_add_epi64(sums[0], sums[1]),
            _mm256_add_epi64(sums[2], sums[3]),
        );
        let mut parts = [0i64; 4];
        _mm256_storeu_si256(parts.as_mut_ptr().cast(), total);
        let done = rounds * 16;
        parts
            .iter()
            .fold(0i64, |acc, part| acc.wrapping_add(*part))
            .wrapping_add(super::sum_portable(
                start.wrapping_add(done as i64),
                count - done,
            ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_small_ranges() {
        for start in -40..40i64 {
            for stop in -40..80i64 {
                let expected: i64 = (start..stop).sum();
                assert_eq!(range_sum(start, stop), Ok(expected), "[{start}, {stop})");
            }
        }
        assert_eq!(range_sum(1, 100_000_001), Ok(5_000_000_050_000_000));
    }

    #[test]
    fn every_implementation_agrees() {
        let expected: i64 = (-1000..123_457).sum();
        assert_eq!(sum_portable(-1000, 124_457), expected);
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: checked just above.
                assert_eq!(unsafe { x86::sum_avx2(-1000, 124_457) }, expected);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: checked just above.
                assert_eq!(unsafe { x86::sum_avx512(-1000, 124_457) }, expected);
            }
        }
    }

    #[test]
    fn reports_overflow() {
        assert_eq!(range_sum(i64::MAX - 1, i64::MAX), Ok(i64::MAX - 1));
        assert_eq!(range_sum(-3, 3), Ok(-3));
        let start = i64::MAX - 3;
        assert!(matches!(
            range_sum(start, i64::MAX),
            Err(Error::Overflow(_))
        ));
        let wrapped = start.wrapping_add(start + 1).wrapping_add(start + 2);
        assert_eq!(wrapping_range_sum(start, i64::MAX), wrapped);
        assert_eq!(range_sum(i64::MIN, i64::MIN + 1), Ok(i64::MIN));
        assert_eq!(range_sum(5, 3), Ok(0));
    }

    /// Ranges whose loop would run for years are refused at once (a test
    /// that iterated would never finish).
    #[test]
    fn refuses_huge_ranges_before_iterating() {
        for (start, stop) in [
            (0, i64::MAX),
            (i64::MIN, 0),
            (i64::MIN, i64::MAX),
            (1, i64::MAX),
            (i64::MIN + 1, 1 << 40),
        ] {
            assert!(
                matches!(range_sum(start, stop), Err(Error::Overflow(_))),
                "[{start}, {stop})"
            );
        }
    }

    /// The O(1) check agrees with exact 128-bit sums at the edges of i64.
    #[test]
    fn check_matches_exact_sums() {
        let exact = |start: i64, stop: i64| -> i128 { (start as i128..stop as i128).sum() };
        let edges = [
            i64::MIN,
            i64::MIN + 1,
            -2,
            -1,
            0,
            1,
            2,
            i64::MAX - 1,
            i64::MAX,
        ];
        for &base in &edges {
            for delta in -4i64..=4 {
                let start = base.saturating_add(delta);
                for length in 0..6i64 {
                    let stop = start.saturating_add(length);
                    let fits = i64::try_from(exact(start, stop)).is_ok();
                    assert_eq!(range_sum_fits(start, stop), fits, "[{start}, {stop})");
                }
            }
        }
        // The longest range from 0 that fits: 2^32 (2^32 - 1) / 2 < 2^63.
        assert!(range_sum_fits(0, 1 << 32));
        assert!(!range_sum_fits(0, (1 << 32) + 1));
    }
}
