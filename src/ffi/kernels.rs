//! CPU kernels, callable directly from any thread. They hold no lock, so
//! Python threads calling them through ctypes run in parallel.
//!
//! Every argument, out-pointers included, is checked before the work starts:
//! a bad call returns its status at once, never after a long loop.

use std::time::Duration;

use super::boundary;
use super::handle::out;
use super::status::ac_status;
use crate::{kernels, Error, Result};

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
/// remove and writes its final state to `out_state`. Returns
/// AC_NULL_POINTER, before looping, when `out_state` is NULL.
#[no_mangle]
pub extern "C" fn ac_busy_loop(iterations: u64, out_state: *mut u64) -> ac_status {
    boundary::status(|| {
        let slot = out(out_state)?;
        *slot = kernels::busy_loop(iterations);
        Ok(())
    })
}

/// Spins for `nanoseconds` (the seeds' endless `while (1)`, made to stop by
/// itself) and writes the iteration count to `out_iterations`. Returns,
/// before spinning, AC_INVALID_ARGUMENT for a negative duration and
/// AC_NULL_POINTER when `out_iterations` is NULL.
#[no_mangle]
pub extern "C" fn ac_busy_loop_for(nanoseconds: i64, out_iterations: *mut u64) -> ac_status {
    boundary::status(|| {
        let duration = duration(nanoseconds)?;
        let slot = out(out_iterations)?;
        *slot = kernels::busy_loop_for(duration);
        Ok(())
    })
}

/// The sum of the integers in [start, stop), computed by iterating over
/// each (O(n) work, vectorised); an empty range sums to 0. Returns
/// AC_OVERFLOW at once, without iterating and without writing `out_sum`,
/// when the exact sum does not fit in int64_t (decided in O(1) from the
/// closed form; no wrapped sum is ever returned), and AC_NULL_POINTER when
/// `out_sum` is NULL.
#[no_mangle]
pub extern "C" fn ac_range_sum(start: i64, stop: i64, out_sum: *mut i64) -> ac_status {
    boundary::status(|| {
        let slot = out(out_sum)?;
        *slot = kernels::range_sum(start, stop)?;
        Ok(())
    })
}

/// A busy loop's duration: `nanoseconds` if it is not negative.
pub(crate) fn duration(nanoseconds: i64) -> Result<Duration> {
    u64::try_from(nanoseconds)
        .map(Duration::from_nanos)
        .map_err(|_| Error::InvalidArgument("a busy loop needs a duration >= 0"))
}
