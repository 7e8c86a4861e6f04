//! Bad input fails before any work starts: a range sum that cannot fit 64
//! bits, a NULL out-pointer or a bad batch item returns its status at once.
//! Each call here would run for years if it started its loop first, so a
//! regression shows as a hang, never as a slow pass. Also the pool's default
//! size from `ALLCORE_NUM_THREADS`, checked in forked children.

use std::ffi::CString;
use std::ptr::{null, null_mut};

use allcore_abi_tests::*;

struct Pool(*mut ac_pool);

impl Pool {
    fn new(workers: usize) -> Pool {
        let mut pool = null_mut();
        // SAFETY: valid out-pointer; NULL prefix is allowed.
        assert_eq!(unsafe { ac_pool_new(workers, null(), &mut pool) }, AC_OK);
        Pool(pool)
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // SAFETY: the pool is live and freed once.
        unsafe { ac_pool_release(self.0) };
    }
}

const UNTOUCHED: i64 = 0x5EED;

#[test]
fn a_range_sum_that_cannot_fit_is_refused_without_iterating() {
    let pool = Pool::new(2);
    let huge = [
        (0, i64::MAX),
        (i64::MIN, i64::MAX),
        (i64::MIN, 0),
        (1 << 40, i64::MAX),
    ];
    for (start, stop) in huge {
        let (mut one, mut many) = (UNTOUCHED, UNTOUCHED);
        // SAFETY: valid out-pointers, live pool.
        unsafe {
            assert_eq!(ac_range_sum(start, stop, &mut one), AC_OVERFLOW);
            assert_eq!(
                ac_pool_range_sum(pool.0, start, stop, &mut many),
                AC_OVERFLOW
            );
        }
        assert_eq!((one, many), (UNTOUCHED, UNTOUCHED), "[{start}, {stop})");
    }
    // At the edge: one value below i64::MAX fits, two do not.
    let mut sum = UNTOUCHED;
    // SAFETY: valid out-pointer, live pool.
    unsafe {
        assert_eq!(
            ac_pool_range_sum(pool.0, i64::MAX - 1, i64::MAX, &mut sum),
            AC_OK
        );
        assert_eq!(sum, i64::MAX - 1);
        assert_eq!(
            ac_pool_range_sum(pool.0, i64::MAX - 2, i64::MAX, &mut sum),
            AC_OVERFLOW
        );
        assert_eq!(sum, i64::MAX - 1);
    }
}

#[test]
fn a_pool_range_sum_task_fails_at_once() {
    let pool = Pool::new(2);
    let mut future = null_mut();
    let mut value = UNTOUCHED;
    // SAFETY: live pool, valid out-pointers; the future is freed below.
    unsafe {
        assert_eq!(
            ac_pool_submit_kernel(pool.0, AC_KERNEL_RANGE_SUM, 0, i64::MAX, &mut future),
            AC_OK
        );
        assert_eq!(
            ac_future_result(future, AC_FOREVER as i64, &mut value),
            AC_OVERFLOW
        );
        ac_future_release(future);
    }
    assert_eq!(value, UNTOUCHED);
}

#[test]
fn a_null_out_pointer_is_refused_before_the_loop() {
    let pool = Pool::new(2);
    // SAFETY: NULL out-pointers are what is being tested; nothing is written.
    unsafe {
        assert_eq!(ac_busy_loop(u64::MAX, null_mut()), AC_NULL_POINTER);
        assert_eq!(ac_busy_loop_for(i64::MAX, null_mut()), AC_NULL_POINTER);
        assert_eq!(ac_fib(92, null_mut()), AC_NULL_POINTER);
        assert_eq!(ac_range_sum(0, 1 << 32, null_mut()), AC_NULL_POINTER);
        assert_eq!(
            ac_pool_busy_loop_for(pool.0, i64::MAX, null_mut()),
            AC_NULL_POINTER
        );
        assert_eq!(
            ac_pool_range_sum(pool.0, 0, 1 << 32, null_mut()),
            AC_NULL_POINTER
        );
        // An invalid duration is reported as such, NULL or not.
        assert_eq!(ac_busy_loop_for(-1, null_mut()), AC_INVALID_ARGUMENT);
    }
}

#[test]
fn a_bad_batch_item_fails_before_any_item_runs() {
    let pool = Pool::new(2);
    // The first items alone would run for years; the last is invalid.
    let cases = [
        (
            AC_KERNEL_BUSY_LOOP,
            [i64::MAX, i64::MAX, -1],
            AC_INVALID_ARGUMENT,
        ),
        (
            AC_KERNEL_BUSY_LOOP_FOR,
            [i64::MAX, i64::MAX, -1],
            AC_INVALID_ARGUMENT,
        ),
        (AC_KERNEL_FIB, [92, 92, 93], AC_OVERFLOW),
        (AC_KERNEL_FIB, [92, 92, -1], AC_INVALID_ARGUMENT),
    ];
    for (kernel, input, expected) in cases {
        let mut output = [UNTOUCHED; 3];
        // SAFETY: live pool, arrays of the given length.
        let status =
            unsafe { ac_pool_map_kernel(pool.0, kernel, input.as_ptr(), output.as_mut_ptr(), 3) };
        assert_eq!(status, expected, "kernel {kernel}");
        assert_eq!(output, [UNTOUCHED; 3]);
    }
}

/// Runs `check` in a forked child (so the environment it sets does not leak
/// into other tests) and asserts it returned true.
fn in_child(check: impl FnOnce() -> bool) {
    // SAFETY: the child runs only `check` and then _exit.
    let child = unsafe { libc::fork() };
    assert!(child >= 0, "fork failed");
    if child == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)).unwrap_or(false);
        // SAFETY: leave the child without running the parent's destructors.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(child, &mut status, 0) };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child check failed"
    );
}

/// `ac_pool_new(0)` with ALLCORE_NUM_THREADS set to `value` (None: unset):
/// its status and, on success, its worker count.
fn default_pool(value: Option<&str>) -> (ac_status, usize) {
    let name = CString::new("ALLCORE_NUM_THREADS").unwrap();
    // SAFETY: C strings; only this (forked, single-threaded) child runs.
    unsafe {
        match value {
            Some(value) => {
                let value = CString::new(value).unwrap();
                libc::setenv(name.as_ptr(), value.as_ptr(), 1)
            }
            None => libc::unsetenv(name.as_ptr()),
        };
    }
    let mut pool = null_mut();
    let mut stats = ac_pool_stats {
        workers: 0,
        queued: 0,
        running: 0,
        completed: 0,
    };
    // SAFETY: valid out-pointers; the pool is freed before returning.
    unsafe {
        let status = ac_pool_new(0, null(), &mut pool);
        if status != AC_OK {
            return (status, 0);
        }
        assert_eq!(ac_pool_get_stats(pool, &mut stats), AC_OK);
        ac_pool_release(pool);
    }
    (AC_OK, stats.workers)
}

#[test]
fn allcore_num_threads_sizes_a_default_pool() {
    in_child(|| default_pool(Some("3")) == (AC_OK, 3));
    in_child(|| default_pool(Some(" 1\n")) == (AC_OK, 1));
    // SAFETY: no arguments.
    let cpus = unsafe { ac_pool_available_cpus() };
    in_child(move || default_pool(None) == (AC_OK, cpus));
    in_child(move || default_pool(Some("")) == (AC_OK, cpus));
    for bad in ["0", "-2", "two", "1.5", "4097"] {
        in_child(move || {
            let refused = default_pool(Some(bad)).0 == AC_INVALID_ARGUMENT;
            // SAFETY: the message is a valid C string.
            let message = unsafe { std::ffi::CStr::from_ptr(ac_last_error_message()) };
            refused && message.to_string_lossy().contains("ALLCORE_NUM_THREADS")
        });
    }
    // An explicit worker count ignores the variable.
    in_child(|| {
        let name = CString::new("ALLCORE_NUM_THREADS").unwrap();
        let value = CString::new("junk").unwrap();
        // SAFETY: C strings, single-threaded child.
        unsafe { libc::setenv(name.as_ptr(), value.as_ptr(), 1) };
        let mut pool = null_mut();
        // SAFETY: valid out-pointer; freed below.
        unsafe {
            let status = ac_pool_new(2, null(), &mut pool);
            ac_pool_release(pool);
            status == AC_OK
        }
    });
}

#[test]
fn a_submitted_kernel_map_checks_every_input_then_runs_on_the_workers() {
    let pool = Pool::new(2);
    let input = [10i64, 20, 30, 1];
    let mut output = [UNTOUCHED; 4];
    let mut future = null_mut();
    let mut value = 0;
    // SAFETY: live pool; both arrays outlive the future, waited on below.
    unsafe {
        assert_eq!(
            ac_pool_submit_map_kernel(
                pool.0,
                AC_KERNEL_FIB,
                input.as_ptr(),
                output.as_mut_ptr(),
                4,
                &mut future
            ),
            AC_OK
        );
        assert_eq!(
            ac_future_result(future, AC_FOREVER as i64, &mut value),
            AC_OK
        );
        ac_future_release(future);
    }
    assert_eq!((value, output), (4, [55, 6765, 832_040, 1]));

    // Refused at once, nothing queued: the first items alone would take years.
    let bad = [i64::MAX, i64::MAX, -1];
    let mut untouched = [UNTOUCHED; 3];
    for (kernel, expected) in [
        (AC_KERNEL_BUSY_LOOP, AC_INVALID_ARGUMENT),
        (AC_KERNEL_FIB, AC_OVERFLOW),
        (AC_KERNEL_RANGE_SUM, AC_INVALID_ARGUMENT),
        (99, AC_INVALID_ARGUMENT),
    ] {
        let mut future = null_mut();
        // SAFETY: live pool, arrays of the given length.
        let status = unsafe {
            ac_pool_submit_map_kernel(
                pool.0,
                kernel,
                bad.as_ptr(),
                untouched.as_mut_ptr(),
                3,
                &mut future,
            )
        };
        assert_eq!(status, expected, "kernel {kernel}");
        assert!(future.is_null());
    }
    assert_eq!(untouched, [UNTOUCHED; 3]);
    // SAFETY: NULL pointers are what is being tested.
    unsafe {
        assert_eq!(
            ac_pool_submit_map_kernel(
                pool.0,
                AC_KERNEL_FIB,
                input.as_ptr(),
                output.as_mut_ptr(),
                4,
                null_mut()
            ),
            AC_NULL_POINTER
        );
        let mut future = null_mut();
        assert_eq!(
            ac_pool_submit_map_kernel(pool.0, AC_KERNEL_FIB, null(), null_mut(), 4, &mut future),
            AC_NULL_POINTER
        );
        assert_eq!(
            ac_pool_submit_map_kernel(pool.0, AC_KERNEL_FIB, null(), null_mut(), 0, &mut future),
            AC_OK
        );
        assert_eq!(
            ac_future_result(future, AC_FOREVER as i64, &mut value),
            AC_OK
        );
        assert_eq!(value, 0);
        ac_future_release(future);
    }
}

#[test]
fn a_submitted_kernel_map_after_shutdown_is_closed() {
    let pool = Pool::new(1);
    let input = [1i64];
    let mut output = [0i64];
    let mut future = null_mut();
    // SAFETY: live pool, valid arrays and out-pointer.
    unsafe {
        assert_eq!(ac_pool_shutdown(pool.0, AC_SHUTDOWN_DRAIN), AC_OK);
        assert_eq!(
            ac_pool_submit_map_kernel(
                pool.0,
                AC_KERNEL_FIB,
                input.as_ptr(),
                output.as_mut_ptr(),
                1,
                &mut future
            ),
            AC_CLOSED
        );
    }
}
