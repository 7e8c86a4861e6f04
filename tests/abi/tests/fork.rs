//! `fork()` while threads are parked on a mutex, a condition, a semaphore,
//! an event and a queue, and while other threads keep parking and
//! unparking: every child makes new objects of each kind and parks new
//! threads on them, round after round, and uses the inherited objects whose
//! waiters did not come along (unlock, notify, post, set, put, then close),
//! all within a deadline. Afterwards the parent's own waiters still wake
//! correctly.

use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use allcore_abi_tests::*;

const FORKS: usize = 200;
/// Rounds of park-and-wake with new objects in each child.
const CHILD_ROUNDS: usize = 5;
/// Threads parked per kind of object, in the parent and in each round.
const WAITERS: usize = 2;
/// How long a child may take before it counts as hung.
const CHILD_DEADLINE: Duration = Duration::from_secs(20);
/// Every wait in the test gives up after this, so a lost wake-up fails
/// instead of hanging.
const WAIT_NS: i64 = 20_000_000_000;
/// Long enough for spawned threads to reach their wait, usually.
const SETTLE: Duration = Duration::from_micros(500);

/// One object of each kind, and the predicate of the condition.
#[derive(Clone)]
struct Objects {
    mutex: *mut ac_mutex,
    condition: *mut ac_condition,
    condition_mutex: *mut ac_mutex,
    notified: Arc<AtomicBool>,
    semaphore: *mut ac_semaphore,
    event: *mut ac_event,
    queue: *mut ac_queue,
}
// SAFETY: allcore objects are thread-safe; the pointers are only passed to them.
unsafe impl Send for Objects {}

impl Objects {
    /// New objects, with `mutex` locked by the caller; `None` on any error.
    fn new() -> Option<Objects> {
        let mut objects = Objects {
            mutex: null_mut(),
            condition: null_mut(),
            condition_mutex: null_mut(),
            notified: Arc::new(AtomicBool::new(false)),
            semaphore: null_mut(),
            event: null_mut(),
            queue: null_mut(),
        };
        // SAFETY: valid out-pointers, then live handles.
        let made = unsafe {
            ac_mutex_new(&mut objects.mutex) == AC_OK
                && ac_condition_new(&mut objects.condition) == AC_OK
                && ac_mutex_new(&mut objects.condition_mutex) == AC_OK
                && ac_semaphore_new(0, &mut objects.semaphore) == AC_OK
                && ac_event_new(&mut objects.event) == AC_OK
                && ac_queue_new_u64(AC_QUEUE_FIFO, 16, &mut objects.queue) == AC_OK
                && ac_mutex_lock(objects.mutex) == AC_OK
        };
        made.then_some(objects)
    }

    /// Starts `WAITERS` threads per kind, each blocking on its object;
    /// `None` if a thread cannot be started.
    fn park_waiters(&self) -> Option<Vec<JoinHandle<ac_status>>> {
        type Wait = fn(&Objects) -> ac_status;
        let waits: [Wait; 5] = [
            // SAFETY (all five): live handles owned by the test.
            |o| unsafe {
                match ac_mutex_lock_timeout(o.mutex, WAIT_NS) {
                    AC_OK => ac_mutex_unlock(o.mutex),
                    status => status,
                }
            },
            |o| unsafe {
                let mut status = ac_mutex_lock_timeout(o.condition_mutex, WAIT_NS);
                while status == AC_OK && !o.notified.load(Ordering::SeqCst) {
                    status = ac_condition_wait(o.condition, o.condition_mutex, WAIT_NS);
                }
                match ac_mutex_unlock(o.condition_mutex) {
                    AC_OK => status,
                    unlock => unlock,
                }
            },
            |o| unsafe { ac_semaphore_acquire_timeout(o.semaphore, WAIT_NS) },
            |o| unsafe { ac_event_wait(o.event, WAIT_NS) },
            |o| unsafe {
                let mut value = 0;
                match ac_queue_get_u64(o.queue, WAIT_NS, &mut value) {
                    AC_OK if value != 7 => AC_INVALID_ARGUMENT,
                    status => status,
                }
            },
        ];
        let mut threads = Vec::new();
        for wait in waits {
            for _ in 0..WAITERS {
                let objects = self.clone();
                threads.push(thread::Builder::new().spawn(move || wait(&objects)).ok()?);
            }
        }
        Some(threads)
    }

    /// Does what wakes every waiter of [`Objects::park_waiters`]; true if
    /// every call succeeded.
    fn wake_waiters(&self) -> bool {
        // SAFETY: live handles; `mutex` is held by the caller (or, in a
        // child, by the parent thread it was forked from).
        unsafe {
            let notified = ac_mutex_lock_timeout(self.condition_mutex, WAIT_NS) == AC_OK && {
                self.notified.store(true, Ordering::SeqCst);
                ac_condition_notify_all(self.condition) == AC_OK
                    && ac_mutex_unlock(self.condition_mutex) == AC_OK
            };
            notified
                && ac_mutex_unlock(self.mutex) == AC_OK
                && ac_semaphore_post_n(self.semaphore, WAITERS as i64) == AC_OK
                && ac_event_set(self.event) == AC_OK
                && (0..WAITERS).all(|_| ac_queue_put_u64(self.queue, 7, WAIT_NS) == AC_OK)
        }
    }

    /// Closes every object; true if every close succeeded.
    fn close(&self) -> bool {
        // SAFETY: live handles.
        unsafe {
            ac_mutex_close(self.mutex) == AC_OK
                && ac_condition_close(self.condition) == AC_OK
                && ac_mutex_close(self.condition_mutex) == AC_OK
                && ac_semaphore_close(self.semaphore) == AC_OK
                && ac_event_close(self.event) == AC_OK
                && ac_queue_close(self.queue) == AC_OK
        }
    }

    fn release(self) {
        // SAFETY: live handles, released once; no thread uses them any more.
        unsafe {
            ac_mutex_release(self.mutex);
            ac_condition_release(self.condition);
            ac_mutex_release(self.condition_mutex);
            ac_semaphore_release(self.semaphore);
            ac_event_release(self.event);
            ac_queue_release(self.queue);
        }
    }
}

/// Whether every thread returned `AC_OK`.
fn all_ok(threads: Vec<JoinHandle<ac_status>>) -> bool {
    // Join every thread, even after a failure.
    let joined: Vec<_> = threads.into_iter().map(JoinHandle::join).collect();
    joined.iter().all(|status| matches!(status, Ok(AC_OK)))
}

/// Threads that park and unpark continually (semaphore and event
/// ping-pong, a contended mutex) until `stop` is set.
fn keep_parking(stop: &Arc<AtomicBool>) -> Vec<JoinHandle<()>> {
    let objects = Objects::new().expect("objects");
    // SAFETY: live handle, held since `Objects::new`.
    assert_eq!(unsafe { ac_mutex_unlock(objects.mutex) }, AC_OK);
    let mut second = null_mut();
    let mut answer = null_mut();
    // SAFETY: valid out-pointers.
    unsafe {
        assert_eq!(ac_semaphore_new(0, &mut second), AC_OK);
        assert_eq!(ac_event_new(&mut answer), AC_OK);
    }
    let shared = Shared(objects, second, answer);
    let mut threads = Vec::new();
    for side in 0..6 {
        let (stop, shared) = (Arc::clone(stop), shared.clone());
        threads.push(thread::spawn(move || {
            let Shared(o, second, answer) = &shared;
            while !stop.load(Ordering::Relaxed) {
                // SAFETY: live handles; timeouts keep a thread whose partner
                // stopped from waiting long.
                unsafe {
                    match side {
                        0 => {
                            ac_semaphore_post(o.semaphore);
                            ac_semaphore_acquire_timeout(*second, 10_000_000);
                        }
                        1 => {
                            ac_semaphore_acquire_timeout(o.semaphore, 10_000_000);
                            ac_semaphore_post(*second);
                        }
                        2 => {
                            ac_event_set(o.event);
                            ac_event_wait(*answer, 10_000_000);
                            ac_event_clear(*answer);
                        }
                        3 => {
                            ac_event_wait(o.event, 10_000_000);
                            ac_event_clear(o.event);
                            ac_event_set(*answer);
                        }
                        _ => {
                            if ac_mutex_lock_timeout(o.mutex, 10_000_000) == AC_OK {
                                thread::yield_now();
                                ac_mutex_unlock(o.mutex);
                            }
                        }
                    }
                }
            }
        }));
    }
    threads
}

/// The churning threads' objects.
#[derive(Clone)]
struct Shared(Objects, *mut ac_semaphore, *mut ac_event);
// SAFETY: as for `Objects`.
unsafe impl Send for Shared {}

/// The child's work; the exit status says which step failed (0: none).
fn child(inherited: &Objects) -> i32 {
    for _ in 0..CHILD_ROUNDS {
        let Some(fresh) = Objects::new() else {
            return 2;
        };
        let Some(threads) = fresh.park_waiters() else {
            return 3;
        };
        thread::sleep(SETTLE);
        if !fresh.wake_waiters() {
            return 4;
        }
        if !all_ok(threads) {
            return 5;
        }
        if !fresh.close() {
            return 6;
        }
        fresh.release();
    }
    // New threads park on new objects while the inherited objects, whose
    // parked waiters stayed in the parent, are woken: nothing may reach the
    // new threads but their own wake-ups.
    let Some(fresh) = Objects::new() else {
        return 7;
    };
    let Some(threads) = fresh.park_waiters() else {
        return 8;
    };
    thread::sleep(SETTLE);
    if !inherited.wake_waiters() {
        return 9;
    }
    // Each inherited object still works, including parking new threads on it.
    // SAFETY: live handles (the parent's references came along).
    let reused = unsafe {
        ac_mutex_lock_timeout(inherited.mutex, WAIT_NS) == AC_OK
            && ac_event_clear(inherited.event) == AC_OK
            && (0..WAITERS).all(|_| ac_semaphore_try_acquire(inherited.semaphore) == AC_OK)
            && (0..WAITERS).all(|_| {
                let mut value = 0;
                ac_queue_get_u64(inherited.queue, 0, &mut value) == AC_OK && value == 7
            })
    };
    if !reused {
        return 10;
    }
    inherited.notified.store(false, Ordering::SeqCst);
    let Some(again) = inherited.park_waiters() else {
        return 11;
    };
    thread::sleep(SETTLE);
    if !inherited.wake_waiters() || !all_ok(again) {
        return 12;
    }
    if !fresh.wake_waiters() || !all_ok(threads) {
        return 13;
    }
    if !inherited.close() || !fresh.close() {
        return 14;
    }
    // SAFETY: a live, closed handle.
    if unsafe { ac_event_wait(inherited.event, WAIT_NS) } != AC_CLOSED {
        return 15;
    }
    0
}

/// Waits for `child` at most [`CHILD_DEADLINE`]; its exit status, or `None`
/// if it had to be killed.
fn wait_for(child: libc::pid_t) -> Option<i32> {
    let start = Instant::now();
    let mut status = 0;
    loop {
        // SAFETY: our own child; a valid out-pointer.
        let done = unsafe { libc::waitpid(child, &mut status, libc::WNOHANG) };
        if done == child {
            return Some(if libc::WIFEXITED(status) {
                libc::WEXITSTATUS(status)
            } else {
                128 + libc::WTERMSIG(status)
            });
        }
        if start.elapsed() > CHILD_DEADLINE {
            // SAFETY: our own child, killed and reaped.
            unsafe {
                libc::kill(child, libc::SIGKILL);
                libc::waitpid(child, &mut status, 0);
            }
            return None;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn forked_children_park_and_wake_safely_while_the_parent_has_parked_threads() {
    let parked = Objects::new().expect("objects");
    let waiters = parked.park_waiters().expect("threads");
    let stop = Arc::new(AtomicBool::new(false));
    let churn = keep_parking(&stop);
    thread::sleep(Duration::from_millis(20));

    let mut failures = Vec::new();
    for fork in 0..FORKS {
        // SAFETY: the child calls allcore, starts threads, and leaves with
        // _exit without running the parent's destructors.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let code = child(&parked);
            // SAFETY: ends the child.
            unsafe { libc::_exit(code) };
        }
        match wait_for(pid) {
            Some(0) => {}
            Some(code) => failures.push(format!("fork {fork}: exit {code}")),
            None => failures.push(format!("fork {fork}: hung")),
        }
    }

    stop.store(true, Ordering::Relaxed);
    for thread in churn {
        thread.join().unwrap();
    }
    // The parent's waiters were parked all along; they wake as they should.
    let woken = parked.wake_waiters() && all_ok(waiters);
    assert!(
        failures.is_empty(),
        "{} of {FORKS} children failed: {failures:?}",
        failures.len()
    );
    assert!(woken, "a parent waiter did not wake with AC_OK");
    assert!(parked.close());
    parked.release();
}
