//! Timers (`ac_pool_submit_after`) driven through the C declarations with C
//! tasks: delay, cancellation through the future, shutdown, bad input, fork.

use std::ffi::c_void;
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

use allcore_abi_tests::*;

const SECOND: i64 = 1_000_000_000;

struct Pool(*mut ac_pool);

impl Pool {
    fn new(workers: usize) -> Pool {
        let mut pool = null_mut();
        // SAFETY: valid out-pointer; NULL prefix is allowed.
        assert_eq!(unsafe { ac_pool_new(workers, null(), &mut pool) }, AC_OK);
        Pool(pool)
    }

    /// Submits `abi_task_add_one(context)` after `delay_ns`.
    fn after(&self, delay_ns: i64, context: &mut i64) -> *mut ac_future {
        let mut future = null_mut();
        // SAFETY: live pool, a C task, a context that outlives the future's
        // task (every test waits for or cancels it before returning).
        let status = unsafe {
            ac_pool_submit_after(
                self.0,
                delay_ns,
                Some(abi_task_add_one),
                (context as *mut i64).cast::<c_void>(),
                &mut future,
            )
        };
        assert_eq!(status, AC_OK);
        future
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
    let status = unsafe { ac_future_result(future, 10 * SECOND, &mut value) };
    (status, value)
}

fn state(future: *mut ac_future) -> ac_future_state {
    let mut state = AC_FUTURE_FINISHED;
    // SAFETY: a live future, valid out-pointer.
    assert_eq!(unsafe { ac_future_get_state(future, &mut state) }, AC_OK);
    state
}

#[test]
fn a_timer_runs_its_task_after_the_delay() {
    let pool = Pool::new(2);
    let mut context = 41;
    let start = Instant::now();
    let future = pool.after(20_000_000, &mut context);
    assert_eq!(result(future), (AC_OK, 42));
    assert!(start.elapsed() >= Duration::from_millis(20));
    // SAFETY: the future is live and freed once.
    unsafe { ac_future_release(future) };
}

#[test]
fn cancelling_the_future_stops_the_timer() {
    let pool = Pool::new(1);
    let mut context = 1;
    let future = pool.after(SECOND, &mut context);
    assert_eq!(state(future), AC_FUTURE_PENDING);
    let mut outcome = AbiOutcome::default();
    let mut cancelled = false;
    // SAFETY: live future; the outcome record outlives the callback (it runs
    // during the cancel, on this thread).
    unsafe {
        let record = (&mut outcome as *mut AbiOutcome).cast::<c_void>();
        assert_eq!(
            ac_future_on_done(future, Some(abi_record_outcome), record),
            AC_OK
        );
        assert_eq!(ac_future_cancel(future, &mut cancelled), AC_OK);
    }
    assert!(cancelled);
    assert_eq!(outcome.status, AC_CANCELLED);
    assert_eq!(state(future), AC_FUTURE_CANCELLED);
    assert_eq!(result(future).0, AC_CANCELLED);
    // SAFETY: the future is live and freed once.
    unsafe { ac_future_release(future) };
}

#[test]
fn shutdown_cancels_pending_timers_in_either_mode() {
    for mode in [AC_SHUTDOWN_DRAIN, AC_SHUTDOWN_CANCEL] {
        let pool = Pool::new(2);
        let mut context = 0;
        let futures: Vec<_> = (0..50)
            .map(|_| pool.after(60 * SECOND, &mut context))
            .collect();
        // SAFETY: live pool.
        assert_eq!(unsafe { ac_pool_shutdown(pool.0, mode) }, AC_OK);
        for &future in &futures {
            assert_eq!(result(future).0, AC_CANCELLED);
            // SAFETY: the future is live and freed once.
            unsafe { ac_future_release(future) };
        }
        let mut future = null_mut();
        // SAFETY: live (shut down) pool, valid out-pointer.
        let status = unsafe {
            ac_pool_submit_after(
                pool.0,
                SECOND,
                Some(abi_task_add_one),
                null_mut(),
                &mut future,
            )
        };
        assert_eq!(status, AC_CLOSED);
        assert!(future.is_null());
    }
}

#[test]
fn freeing_the_pool_cancels_pending_timers() {
    let pool = Pool::new(1);
    let mut context = 0;
    let future = pool.after(60 * SECOND, &mut context);
    drop(pool);
    assert_eq!(result(future).0, AC_CANCELLED);
    // SAFETY: the future is live and freed once.
    unsafe { ac_future_release(future) };
}

#[test]
fn bad_arguments_are_refused() {
    let pool = Pool::new(1);
    let mut future = null_mut();
    // SAFETY: every call passes one bad argument and valid others.
    unsafe {
        let task = Some(abi_task_add_one as unsafe extern "C" fn(*mut c_void) -> i64);
        assert_eq!(
            ac_pool_submit_after(null(), 1, task, null_mut(), &mut future),
            AC_NULL_POINTER
        );
        assert_eq!(
            ac_pool_submit_after(pool.0, 1, None, null_mut(), &mut future),
            AC_NULL_POINTER
        );
        assert_eq!(
            ac_pool_submit_after(pool.0, -1, task, null_mut(), &mut future),
            AC_INVALID_ARGUMENT
        );
        assert_eq!(
            ac_pool_submit_after(pool.0, 1, task, null_mut(), null_mut()),
            AC_NULL_POINTER
        );
    }
    assert!(future.is_null());
}

#[test]
fn a_forked_child_can_set_timers_on_a_pool_made_before_the_fork() {
    let pool = Pool::new(2);
    let mut context = 9;
    // Start the parent's timer thread, and leave a timer pending in it.
    let fired = pool.after(1_000_000, &mut context);
    assert_eq!(result(fired), (AC_OK, 10));
    let pending = pool.after(60 * SECOND, &mut context);
    // SAFETY: the child only calls allcore and async-signal-safe _exit.
    let child = unsafe { libc::fork() };
    assert!(child >= 0);
    if child == 0 {
        let mut child_context = 99;
        let future = pool.after(1_000_000, &mut child_context);
        let ok = result(future) == (AC_OK, 100);
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
    assert_eq!(state(pending), AC_FUTURE_PENDING);
    drop(pool);
    assert_eq!(result(pending).0, AC_CANCELLED);
    // SAFETY: the futures are live and freed once.
    unsafe {
        ac_future_release(fired);
        ac_future_release(pending);
    }
}
