//! Threads waiting for a condition that other threads make true without a
//! lock (an item pushed into a lock-free queue, a counter reaching zero).
//!
//! A waiter registers and sleeps on a condition variable, re-checking its
//! condition under the lock. (Spinning first is the caller's business: it
//! retries its own operation, which touches less shared memory than a check
//! of the whole condition.) A thread that makes the condition true calls
//! `notify_*` afterwards. A notification goes to a sleeper not yet
//! signalled, and `unsignalled` counts those outside the lock, so while
//! nobody sleeps, or every sleeper has already been signalled and is on its
//! way, a notification costs one load: a consumer draining a full queue
//! wakes its sleeping producer once, not once per item.
//!
//! No wake-up is lost: either the notifier sees the waiter's registration,
//! or the waiter's check (after registering) sees the change. For that, the
//! notifier's change must be ordered before its `notify_one` call by a
//! SeqCst fence or a SeqCst read-modify-write, and the waiter's condition
//! must read it with SeqCst loads; the waiter registers with a SeqCst
//! read-modify-write followed by a SeqCst fence. A signalled waiter that
//! finds its condition false again (another thread was quicker) goes back
//! to being unsignalled before it sleeps again.

use std::sync::atomic::{fence, AtomicUsize, Ordering};

use crate::lock::{Condvar, Mutex};

use crate::time::Deadline;

pub(crate) struct Waiters {
    /// `sleepers - signals` of `lock`'s state.
    unsignalled: AtomicUsize,
    lock: Mutex<Sleepers>,
    wake: Condvar,
}

#[derive(Default)]
struct Sleepers {
    /// Threads registered in `wait_until`.
    sleepers: usize,
    /// Notifications sent and not yet taken by a waking sleeper.
    signals: usize,
}

impl Waiters {
    pub(crate) fn new() -> Waiters {
        Waiters {
            unsignalled: AtomicUsize::new(0),
            lock: Mutex::new(Sleepers::default()),
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
        let mut state = self.lock.lock();
        state.sleepers += 1;
        self.unsignalled.fetch_add(1, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        let ready = loop {
            if ready() {
                break true;
            }
            let woken = deadline.wait(&self.wake, &mut state);
            if state.signals > 0 {
                // Take a signal (perhaps another sleeper's: all are alike)
                // and count as unsignalled again until leaving.
                state.signals -= 1;
                self.unsignalled.fetch_add(1, Ordering::SeqCst);
            }
            if !woken {
                break ready();
            }
        };
        state.sleepers -= 1;
        self.unsignalled.fetch_sub(1, Ordering::SeqCst);
        ready
    }

    /// Wakes one sleeper not yet signalled, if any; call after making a
    /// condition true and ordering that change as the module docs say.
    pub(crate) fn notify_one(&self) {
        if self.unsignalled.load(Ordering::SeqCst) != 0 {
            let mut state = self.lock.lock();
            if state.sleepers > state.signals {
                state.signals += 1;
                self.unsignalled.fetch_sub(1, Ordering::SeqCst);
                // Wake it once the lock is free (see `crate::lock::Condvar`).
                drop(state);
                self.wake.notify_one();
            }
        }
    }

    /// Wakes one sleeper for one item made available, every sleeper for
    /// several (they re-check, so waking too many costs only time).
    pub(crate) fn notify(&self, count: usize) {
        if count == 1 {
            self.notify_one();
        } else {
            self.notify_all();
        }
    }

    /// Wakes every sleeper; call after making a condition true (any write:
    /// this call fences it itself).
    pub(crate) fn notify_all(&self) {
        fence(Ordering::SeqCst);
        if self.unsignalled.load(Ordering::Relaxed) != 0 {
            let mut state = self.lock.lock();
            self.unsignalled
                .fetch_sub(state.sleepers - state.signals, Ordering::SeqCst);
            state.signals = state.sleepers;
            drop(state);
            self.wake.notify_all();
        }
    }
}
