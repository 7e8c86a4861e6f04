//! The thread pool and futures, driven through the C declarations with C
//! callbacks, including bad input, cancellation, shutdown and fork.

use std::ffi::c_void;
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicI32, Ordering};

use allcore_abi_tests::*;

struct Pool(*mut ac_pool);

impl Pool {
    fn new(workers: usize) -> Pool {
        let mut pool = null_mut();
        // SAFETY: valid out-pointer; NULL prefix is allowed.
        assert_eq!(unsafe { ac_pool_new(workers, null(), &mut pool) }, AC_OK);
        Pool(pool)
    }

    fn stats(&self) -> ac_pool_stats {
        let mut stats = ac_pool_stats {
            workers: 0,
            queued: 0,
            running: 0,
            completed: 0,
        };
        // SAFETY: live pool, valid out-pointer.
        assert_eq!(unsafe { ac_pool_get_stats(self.0, &mut stats) }, AC_OK);
        stats
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // SAFETY: the pool is live and freed once.
        unsafe { ac_pool_release(self.0) };
    }
}

fn result(future: *mut ac_future) -> (ac_status, i64) {
    let mut value = 0;
    // SAFETY: a live future.
    let status = unsafe { ac_future_result(future, AC_FOREVER as i64, &mut value) };
    (status, value)
}

fn state(future: *mut ac_future) -> ac_future_state {
    let mut state = AC_FUTURE_PENDING;
    // SAFETY: a live future, valid out-pointer.
    assert_eq!(unsafe { ac_future_get_state(future, &mut state) }, AC_OK);
    state
}

#[test]
fn submit_c_task_and_read_result() {
    let pool = Pool::new(2);
    let mut input = 41i64;
    let mut future = null_mut();
    // SAFETY: live pool; the context outlives the task (we wait below).
    unsafe {
        let context = (&mut input as *mut i64).cast::<c_void>();
        assert_eq!(
            ac_pool_submit(pool.0, Some(abi_task_add_one), context, &mut future),
            AC_OK
        );
        assert_eq!(result(future), (AC_OK, 42));
        assert_eq!(state(future), AC_FUTURE_FINISHED);
        let mut cancelled = true;
        assert_eq!(ac_future_cancel(future, &mut cancelled), AC_OK);
        assert!(!cancelled, "cancel after completion changes nothing");
        ac_future_release(future);
    }
    assert!(pool.stats().completed >= 1);
    assert_eq!(pool.stats().workers, 2);
}

#[test]
fn kernels_and_calls_on_the_pool() {
    let pool = Pool::new(2);
    let mut futures = [null_mut(); 3];
    // SAFETY: live pool and futures.
    unsafe {
        assert_eq!(
            ac_pool_submit_kernel(pool.0, AC_KERNEL_FIB, 30, 0, &mut futures[0]),
            AC_OK
        );
        assert_eq!(
            ac_pool_submit_kernel(pool.0, AC_KERNEL_FIB, 93, 0, &mut futures[1]),
            AC_OK
        );
        assert_eq!(
            ac_pool_submit_call(pool.0, Some(abi_square), 12, &mut futures[2]),
            AC_OK
        );
        assert_eq!(result(futures[0]), (AC_OK, 832_040));
        assert_eq!(result(futures[1]).0, AC_OVERFLOW);
        assert_eq!(result(futures[2]), (AC_OK, 144));
        let mut future = null_mut();
        assert_eq!(
            ac_pool_submit_kernel(pool.0, 99, 0, 0, &mut future),
            AC_INVALID_ARGUMENT
        );
        assert!(future.is_null());
        for f in futures {
            ac_future_release(f);
        }
    }
}

#[test]
fn parallel_map_for_and_sum() {
    let pool = Pool::new(0);
    let input: Vec<i64> = (0..1000).collect();
    let mut output = vec![0i64; 1000];
    // SAFETY: arrays of the given length; live pool.
    unsafe {
        assert_eq!(
            ac_pool_map(
                pool.0,
                Some(abi_square),
                input.as_ptr(),
                output.as_mut_ptr(),
                1000,
                0
            ),
            AC_OK
        );
        assert!(output.iter().enumerate().all(|(i, &v)| v == (i * i) as i64));

        let fib_in = [1i64, 2, 10, 30, 20];
        let mut fib_out = [0i64; 5];
        assert_eq!(
            ac_pool_map_kernel(
                pool.0,
                AC_KERNEL_FIB,
                fib_in.as_ptr(),
                fib_out.as_mut_ptr(),
                5
            ),
            AC_OK
        );
        assert_eq!(fib_out, [1, 1, 55, 832_040, 6765]);
        let bad = [5i64, 93];
        let mut untouched = [7i64, 7];
        assert_eq!(
            ac_pool_map_kernel(
                pool.0,
                AC_KERNEL_FIB,
                bad.as_ptr(),
                untouched.as_mut_ptr(),
                2
            ),
            AC_OVERFLOW
        );
        assert_eq!(untouched, [7, 7]);
        assert_eq!(
            ac_pool_map_kernel(
                pool.0,
                AC_KERNEL_RANGE_SUM,
                bad.as_ptr(),
                untouched.as_mut_ptr(),
                2
            ),
            AC_INVALID_ARGUMENT
        );

        let counts: Vec<AtomicI32> = (0..10_007).map(|_| AtomicI32::new(0)).collect();
        let context = counts.as_ptr().cast_mut().cast::<c_void>();
        assert_eq!(
            ac_pool_parallel_for(pool.0, 10_007, 13, Some(abi_count_indices), context),
            AC_OK
        );
        assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 1));

        let mut sum = 0;
        assert_eq!(ac_pool_range_sum(pool.0, 1, 100_000_001, &mut sum), AC_OK);
        assert_eq!(sum, 5_000_000_050_000_000);
        assert_eq!(
            ac_pool_range_sum(pool.0, i64::MAX - 3, i64::MAX, &mut sum),
            AC_OVERFLOW
        );
        assert_eq!(
            sum, 5_000_000_050_000_000,
            "an overflowing sum is not written"
        );

        let mut iterations = 0;
        assert_eq!(
            ac_pool_busy_loop_for(pool.0, 1_000_000, &mut iterations),
            AC_OK
        );
        assert!(iterations > 0);
    }
}

#[test]
fn zero_workers_is_every_available_cpu() {
    let pool = Pool::new(0);
    // SAFETY: no arguments.
    let cpus = unsafe { ac_pool_available_cpus() };
    assert!(cpus >= 1);
    assert_eq!(pool.stats().workers, cpus);
}

#[test]
fn cancel_callbacks_and_wait_any() {
    let pool = Pool::new(1);
    let flag = AtomicI32::new(0);
    let mut blocker = null_mut();
    let mut queued = null_mut();
    let outcome = AbiOutcome::default();
    // SAFETY: live pool; contexts outlive their tasks (we wait below).
    unsafe {
        let flag_context = (&flag as *const AtomicI32).cast_mut().cast::<c_void>();
        assert_eq!(
            ac_pool_submit(
                pool.0,
                Some(abi_task_wait_for_flag),
                flag_context,
                &mut blocker
            ),
            AC_OK
        );
        while state(blocker) != AC_FUTURE_RUNNING {
            std::thread::yield_now();
        }
        assert_eq!(
            ac_pool_submit_call(pool.0, Some(abi_square), 3, &mut queued),
            AC_OK
        );
        let outcome_context = (&outcome as *const AbiOutcome).cast_mut().cast::<c_void>();
        assert_eq!(
            ac_future_on_done(queued, Some(abi_record_outcome), outcome_context),
            AC_OK
        );

        let both = [blocker.cast_const(), queued.cast_const()];
        let mut index = 99;
        assert_eq!(
            ac_future_wait_any(both.as_ptr(), 2, 0, &mut index),
            AC_WOULD_BLOCK
        );
        assert_eq!(
            ac_future_wait_any(both.as_ptr(), 2, 5_000_000, &mut index),
            AC_TIMEOUT
        );
        assert_eq!(ac_future_wait(blocker, 0), AC_WOULD_BLOCK);

        let mut cancelled = false;
        assert_eq!(ac_future_cancel(queued, &mut cancelled), AC_OK);
        assert!(cancelled);
        assert_eq!(outcome.calls.load(Ordering::SeqCst), 1);
        assert_eq!(outcome.status, AC_CANCELLED);
        assert_eq!(
            ac_future_wait_any(both.as_ptr(), 2, AC_FOREVER as i64, &mut index),
            AC_OK
        );
        assert_eq!(index, 1);
        assert_eq!(result(queued).0, AC_CANCELLED);

        flag.store(1, Ordering::SeqCst);
        assert_eq!(
            ac_future_wait_all(both.as_ptr(), 2, AC_FOREVER as i64),
            AC_OK
        );
        assert_eq!(result(blocker), (AC_OK, 42));
        // A callback registered on a done future runs at once.
        let late = AbiOutcome::default();
        let late_context = (&late as *const AbiOutcome).cast_mut().cast::<c_void>();
        assert_eq!(
            ac_future_on_done(blocker, Some(abi_record_outcome), late_context),
            AC_OK
        );
        assert_eq!(
            (late.calls.load(Ordering::SeqCst), late.status, late.value),
            (1, AC_OK, 42)
        );
        ac_future_release(blocker);
        ac_future_release(queued);
    }
}

#[test]
fn shutdown_resolves_every_future() {
    let pool = Pool::new(1);
    let mut futures = vec![null_mut(); 2000];
    // SAFETY: live pool and futures.
    unsafe {
        for f in futures.iter_mut() {
            assert_eq!(
                ac_pool_submit_kernel(pool.0, AC_KERNEL_BUSY_LOOP, 10_000, 0, f),
                AC_OK
            );
        }
        assert_eq!(ac_pool_shutdown(pool.0, AC_SHUTDOWN_CANCEL), AC_OK);
        let mut finished = 0;
        for &f in &futures {
            match result(f).0 {
                AC_OK => finished += 1,
                AC_CANCELLED => {}
                other => panic!("unexpected {}", status_name(other)),
            }
            ac_future_release(f);
        }
        assert!(finished < 2000, "a cancel shutdown cancels queued tasks");
        assert_eq!(pool.stats().workers, 0, "shutdown joined the workers");
        let mut late = null_mut();
        assert_eq!(
            ac_pool_submit_kernel(pool.0, AC_KERNEL_FIB, 1, 0, &mut late),
            AC_CLOSED
        );
        assert_eq!(
            ac_pool_shutdown(pool.0, AC_SHUTDOWN_DRAIN),
            AC_OK,
            "shutdown twice is fine"
        );
        assert_eq!(ac_pool_shutdown(pool.0, 77), AC_INVALID_ARGUMENT);
    }

    let drained = Pool::new(2);
    let mut futures = vec![null_mut(); 500];
    // SAFETY: live pool and futures.
    unsafe {
        for f in futures.iter_mut() {
            assert_eq!(
                ac_pool_submit_kernel(drained.0, AC_KERNEL_FIB, 15, 0, f),
                AC_OK
            );
        }
        assert_eq!(ac_pool_shutdown(drained.0, AC_SHUTDOWN_DRAIN), AC_OK);
        for &f in &futures {
            assert_eq!(result(f), (AC_OK, 610));
            ac_future_release(f);
        }
    }
}

#[test]
fn closing_a_future_wakes_its_waiters_with_closed() {
    let pool = Pool::new(1);
    let flag = AtomicI32::new(0);
    let mut future = null_mut();
    // SAFETY: live pool; the flag outlives the task (released below, then joined by drop).
    unsafe {
        let context = (&flag as *const AtomicI32).cast_mut().cast::<c_void>();
        assert_eq!(
            ac_pool_submit(pool.0, Some(abi_task_wait_for_flag), context, &mut future),
            AC_OK
        );
    }
    let address = future as usize;
    let waiter = std::thread::spawn(move || {
        // SAFETY: the handle is live when the wait starts; close wakes it.
        unsafe { ac_future_wait(address as *mut ac_future, AC_FOREVER as i64) }
    });
    std::thread::sleep(std::time::Duration::from_millis(50));
    // SAFETY: live handle; the waiter holds its own reference for its call.
    assert_eq!(unsafe { ac_future_close(future) }, AC_OK);
    // SAFETY: as above; the last reference is the waiter's, dropped when it returns.
    unsafe { ac_future_release(future) };
    assert_eq!(waiter.join().unwrap(), AC_CLOSED);
    flag.store(1, Ordering::SeqCst);
}

#[test]
fn bad_input_returns_statuses() {
    let pool = Pool::new(1);
    let mut future = null_mut();
    let mut out = 0i64;
    // SAFETY: every pointer is NULL or valid; NULL must be rejected.
    unsafe {
        assert_eq!(ac_pool_new(1, null(), null_mut()), AC_NULL_POINTER);
        let mut p = null_mut();
        assert_eq!(ac_pool_new(1_000_000, null(), &mut p), AC_INVALID_ARGUMENT);
        assert!(p.is_null());
        assert_eq!(
            ac_pool_submit(null(), Some(abi_task_add_one), null_mut(), &mut future),
            AC_NULL_POINTER
        );
        assert_eq!(
            ac_pool_submit(pool.0, None, null_mut(), &mut future),
            AC_NULL_POINTER
        );
        assert_eq!(
            ac_pool_submit_call(pool.0, Some(abi_square), 1, null_mut()),
            AC_NULL_POINTER
        );
        assert_eq!(
            ac_pool_map(pool.0, Some(abi_square), null(), &mut out, 1, 0),
            AC_NULL_POINTER
        );
        assert_eq!(
            ac_pool_map(pool.0, Some(abi_square), null(), null_mut(), 0, 0),
            AC_OK
        );
        assert_eq!(
            ac_pool_map(pool.0, Some(abi_square), &out, &mut out, usize::MAX, 0),
            AC_OVERFLOW
        );
        assert_eq!(
            ac_pool_parallel_for(pool.0, 10, 1, None, null_mut()),
            AC_NULL_POINTER
        );
        assert_eq!(
            ac_pool_busy_loop_for(pool.0, -5, null_mut()),
            AC_INVALID_ARGUMENT
        );
        assert_eq!(ac_future_wait(null(), 0), AC_NULL_POINTER);
        assert_eq!(ac_future_result(null(), 0, &mut out), AC_NULL_POINTER);
        assert_eq!(
            ac_future_wait_any(null(), 0, 0, null_mut()),
            AC_NULL_POINTER
        );
        let mut index = 0;
        assert_eq!(
            ac_future_wait_any(null(), 0, 0, &mut index),
            AC_INVALID_ARGUMENT
        );
        assert_eq!(ac_future_wait_all(null(), 0, 0), AC_OK);
        ac_future_release(null_mut());
        ac_pool_release(null_mut());
    }
}

#[test]
fn a_forked_child_can_use_a_pool_made_before_the_fork() {
    let pool = Pool::new(2);
    let mut future = null_mut();
    // SAFETY: warm the pool up in the parent.
    unsafe {
        assert_eq!(
            ac_pool_submit_kernel(pool.0, AC_KERNEL_FIB, 20, 0, &mut future),
            AC_OK
        );
        assert_eq!(result(future), (AC_OK, 6765));
        ac_future_release(future);
    }
    // SAFETY: the child only calls allcore and async-signal-safe _exit.
    let child = unsafe { libc::fork() };
    assert!(child >= 0);
    if child == 0 {
        let mut sum = 0;
        let mut f = null_mut();
        // SAFETY: using the inherited pool in the child, then _exit.
        let ok = unsafe {
            ac_pool_range_sum(pool.0, 0, 1_000_000, &mut sum) == AC_OK
                && sum == 499_999_500_000
                && ac_pool_submit_kernel(pool.0, AC_KERNEL_FIB, 25, 0, &mut f) == AC_OK
                && ac_future_result(f, 10_000_000_000, &mut sum) == AC_OK
                && sum == 75_025
        };
        // SAFETY: leave the child without running the parent's destructors.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(child, &mut status, 0) };
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "child status {status}"
    );
}
