//! CPU kernels, callable directly from any thread. They hold no lock, so
//! Python threads calling them through ctypes run in parallel.

use std::time::Duration;

use super::boundary;
use super::handle::{out, write_optional};
use super::status::ac_status;
use crate::{kernels, Error};

/// `fib(n)` by naive recursion (fib(1) = fib(2) = 1, fib(0) = 0): a CPU-burn
/// workload whose cost grows by about 2.6x per +2 of `n`.
/// Returns AC_INVALID_ARGUMENT for n < 0, AC_OVERFLOW for n > 92 (the
/// result would not fit 64 bits), AC_NULL_POINTER when `out` is NULL.
#[no_mangle]
pub extern "C" fn ac_fib(n: i64, out_value: *mut i64) -> ac_status {
    boundary::status(|| {
        let slot = out(out_value)?;
        *slot = kernels::fib(n)?;
        Ok(())
    })
}

/// Spins for `iterations` steps of a xorshift loop the compiler cannot
/// remove and writes its final state to `out_state` (may be NULL).
#[no_mangle]
pub extern "C" fn ac_busy_loop(iterations: u64, out_state: *mut u64) -> ac_status {
    boundary::status(|| {
        write_optional(out_state, kernels::busy_loop(iterations));
        Ok(())
    })
}

/// Spins for `nanoseconds` (the seeds' endless `while (1)`, made to stop by
/// itself) and writes the iteration count to `out_iterations` (may be
/// NULL). Returns AC_INVALID_ARGUMENT for a negative duration.
#[no_mangle]
pub extern "C" fn ac_busy_loop_for(nanoseconds: i64, out_iterations: *mut u64) -> ac_status {
    boundary::status(|| {
        let nanoseconds = u64::try_from(nanoseconds)
            .map_err(|_| Error::InvalidArgument("a busy loop needs a duration >= 0"))?;
        write_optional(
            out_iterations,
            kernels::busy_loop_for(Duration::from_nanos(nanoseconds)),
        );
        Ok(())
    })
}

/// The sum of the integers in [start, stop), computed by iterating over
/// each (O(n) work, vectorised); an empty range sums to 0. When the exact
/// sum does not fit in int64_t, returns AC_OVERFLOW and writes the sum
/// wrapped modulo 2^64.
#[no_mangle]
pub extern "C" fn ac_range_sum(start: i64, stop: i64, out_sum: *mut i64) -> ac_status {
    boundary::status(|| {
        let slot = out(out_sum)?;
        *slot = kernels::wrapping_range_sum(start, stop);
        if kernels::range_sum_fits(start, stop) {
            Ok(())
        } else {
            Err(Error::Overflow(
                "the sum of the range does not fit in 64 bits",
            ))
        }
    })
}
