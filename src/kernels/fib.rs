//! Naive recursive Fibonacci, the seeds' CPU-burn workload.
//!
//! `fib(n) = fib(n - 1) + fib(n - 2)` with `fib(1) = fib(2) = 1`, computed by
//! adding up every leaf of the exponential call tree: no memo, no closed form.
//! Each level turns its second recursive call into a loop (what gcc does to the
//! seeds' C version) and five levels are distinct functions, so the compiler
//! inlines four of them into the fifth while still visiting every leaf. The
//! work therefore grows by phi^2 (about 2.6) when `n` grows by 2.

use crate::{Error, Result};

/// Largest `n` whose Fibonacci number fits in an `i64`.
pub const FIB_MAX: i64 = 92;

/// The `n`-th Fibonacci number by naive recursion; `fib(0) = 0`.
///
/// Errors: `InvalidArgument` for a negative `n`, `Overflow` above [`FIB_MAX`].
pub fn fib(n: i64) -> Result<i64> {
    match n {
        ..=-1 => Err(Error::InvalidArgument("fib of a negative number")),
        0 => Ok(0),
        1..=FIB_MAX => Ok(fib_tree(n)),
        _ => Err(Error::Overflow("fib(n) does not fit in 64 bits for n > 92")),
    }
}

/// One level of the call tree: `fib(n)` as the sum `fib(n-1) + fib(n-3) + ...`
/// over the chain of second calls, plus the leaf that ends the chain.
macro_rules! fib_level {
    ($(#[$attr:meta])* $name:ident calls $next:ident) => {
        $(#[$attr])*
        fn $name(mut n: i64) -> i64 {
            let mut sum = 0;
            while n >= 3 {
                sum += $next(n - 1);
                n -= 2;
            }
            sum + 1
        }
    };
}

fib_level!(#[inline(never)] fib_tree calls fib_level_1);
fib_level!(#[inline(always)] fib_level_1 calls fib_level_2);
fib_level!(#[inline(always)] fib_level_2 calls fib_level_3);
fib_level!(#[inline(always)] fib_level_3 calls fib_level_4);
fib_level!(#[inline(always)] fib_level_4 calls fib_tree);

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(n: i64) -> i64 {
        let (mut a, mut b) = (0i64, 1i64);
        for _ in 0..n {
            (a, b) = (b, a + b);
        }
        a
    }

    #[test]
    fn matches_the_sequence() {
        for n in 0..=32 {
            assert_eq!(fib(n), Ok(reference(n)), "fib({n})");
        }
        assert_eq!(fib(30), Ok(832_040));
    }

    #[test]
    fn rejects_out_of_range() {
        assert!(matches!(fib(-1), Err(Error::InvalidArgument(_))));
        assert!(matches!(fib(93), Err(Error::Overflow(_))));
        assert!(matches!(fib(i64::MAX), Err(Error::Overflow(_))));
    }
}
