//! Threads waiting for a condition that other threads make true without a
//! lock (an item pushed into a lock-free queue, a counter reaching zero).
//!
//! A waiter spins briefly, then registers in `waiting` and sleeps on a
//! condition variable, re-checking its condition under the lock. A thread
//! that makes the condition true calls `notify_*` afterwards; that takes the
//! lock only when someone is registered, so the common case costs one load.
//!
//! No wake-up is lost: either the notifier sees the waiter's registration,
//! or the waiter's check (after registering) sees the change. For that, the
//! notifier's change must be ordered before its `notify_one` call by a
//! SeqCst fence, or by a SeqCst read-modify-write of a variable that the
//! waiter's `ready` reads first with a SeqCst load; the waiter registers
//! with a SeqCst read-modify-write followed by a SeqCst fence.

use std::sync::atomic::{fence, AtomicUsize, Ordering};

use crossbeam_utils::Backoff;
use parking_lot::{Condvar, Mutex};

use crate::time::Deadline;

pub(crate) struct Waiters {
    waiting: AtomicUsize,
    lock: Mutex<()>,
    wake: Condvar,
}

impl Waiters {
    pub(crate) fn new() -> Waiters {
        Waiters {
            waiting: AtomicUsize::new(0),
            lock: Mutex::new(()),
            wake: Condvar::new(),
        }
    }

    /// Waits until `ready()` holds or the deadline passes; returns
    /// `ready()` as last seen. Callers re-check what they need afterwards:
    /// another thread may have acted on the condition first.
    pub(crate) fn wait_until(&self, deadline: Deadline, ready: impl Fn() -> bool) -> bool {
        if ready() {
            return true;
        }
        if deadline == Deadline::Now {
            return false;
        }
        let backoff = Backoff::new();
        while !backoff.is_completed() {
            backoff.snooze();
            if ready() {
                return true;
            }
        }
        let mut guard = self.lock.lock();
        self.waiting.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        let ready = loop {
            if ready() {
                break true;
            }
            if !deadline.wait(&self.wake, &mut guard) {
                break ready();
            }
        };
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        ready
    }

    /// Wakes one waiter, if any; call after making a condition true and
    /// ordering that change as the module docs say.
    pub(crate) fn notify_one(&self) {
        if self.waiting.load(Ordering::SeqCst) != 0 {
            let _guard = self.lock.lock();
            self.wake.notify_one();
        }
    }

    /// Wakes every waiter; call after making a condition true (any write:
    /// this call fences it itself).
    pub(crate) fn notify_all(&self) {
        fence(Ordering::SeqCst);
        if self.waiting.load(Ordering::Relaxed) != 0 {
            let _guard = self.lock.lock();
            self.wake.notify_all();
        }
    }
}
