//! The mutex and condition variable the core uses internally: `std::sync`'s,
//! behind a small non-poisoning API.
//!
//! Why not parking_lot: it parks threads in one process-wide table. A
//! `fork()` while some parent thread is parking copies that table
//! half-updated into the child (a bucket lock held by a thread that does
//! not exist there, entries pointing at dead threads), where the first
//! thread that parks or unparks can hang or write into freed memory.
//! std's futex-based primitives keep all their state in the object itself,
//! so an object that no parent thread was inside of at the fork works in the
//! child as it did before. (The lock-free primitives of [`crate::sync`]
//! park through [`crate::sync`]'s own table, which a child replaces.)

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::PoisonError;
use std::time::Instant;

use crate::time::Deadline;

/// A mutex whose lock never reports poisoning: core code holds it only for
/// short, panic-free sections (pool tasks run outside it, under
/// `catch_unwind`).
#[derive(Default)]
pub(crate) struct Mutex<T>(std::sync::Mutex<T>);

/// A held [`Mutex`]; condition variables wait on it in place.
pub(crate) struct MutexGuard<'a, T>(Option<std::sync::MutexGuard<'a, T>>);

impl<T> Mutex<T> {
    pub(crate) const fn new(value: T) -> Self {
        Mutex(std::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        MutexGuard(Some(self.0.lock().unwrap_or_else(PoisonError::into_inner)))
    }

    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T: fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.try_lock() {
            Ok(value) => f.debug_tuple("Mutex").field(&*value).finish(),
            Err(_) => f.write_str("Mutex(<locked>)"),
        }
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0.as_ref().expect("a guard always holds its lock")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.as_mut().expect("a guard always holds its lock")
    }
}

/// A condition variable for [`Mutex`]: std's, with a count of its waiters so
/// that a notification with nobody waiting costs one load (std's makes a
/// futex system call every time; parking_lot's checked for waiters first).
///
/// The count changes only under the mutex a waiter waits with, so a
/// notifier that changed the waiters' condition under that mutex, and
/// notifies then or after unlocking it, sees every waiter that can have
/// missed the change.
///
/// Notify after unlocking the mutex where the logic allows it (the state
/// change made under the lock, the notification after the guard is
/// dropped): std's condition variable wakes a thread at once, and one woken
/// while the notifier still holds the mutex only blocks again on the mutex,
/// which costs a second sleep and wake-up (parking_lot's moved such a thread
/// onto the mutex's queue instead). No wake-up is lost that way: a waiter
/// reads the condition variable's state before it releases the mutex, so a
/// notification that follows its release of the mutex wakes it.
#[derive(Debug, Default)]
pub(crate) struct Condvar {
    inner: std::sync::Condvar,
    /// Threads inside `wait` or `wait_until`.
    waiters: AtomicUsize,
}

impl Condvar {
    pub(crate) const fn new() -> Self {
        Condvar {
            inner: std::sync::Condvar::new(),
            waiters: AtomicUsize::new(0),
        }
    }

    /// Releases the lock, waits for a notification, and locks again.
    pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
        let held = guard.0.take().expect("a guard always holds its lock");
        self.waiters.fetch_add(1, Ordering::Relaxed);
        let held = self
            .inner
            .wait(held)
            .unwrap_or_else(PoisonError::into_inner);
        self.waiters.fetch_sub(1, Ordering::Relaxed);
        guard.0 = Some(held);
    }

    /// Waits for a notification until `deadline`; returns `false` when the
    /// deadline has passed. Callers re-check their condition either way.
    pub(crate) fn wait_until<T>(&self, guard: &mut MutexGuard<'_, T>, deadline: Deadline) -> bool {
        match deadline {
            Deadline::Never => {
                self.wait(guard);
                true
            }
            Deadline::Now => false,
            Deadline::At(at) => {
                let left = at.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return false;
                }
                let held = guard.0.take().expect("a guard always holds its lock");
                self.waiters.fetch_add(1, Ordering::Relaxed);
                let (held, result) = self
                    .inner
                    .wait_timeout(held, left)
                    .unwrap_or_else(PoisonError::into_inner);
                self.waiters.fetch_sub(1, Ordering::Relaxed);
                guard.0 = Some(held);
                !result.timed_out() || Instant::now() < at
            }
        }
    }

    pub(crate) fn notify_one(&self) {
        // Relaxed suffices: the mutex orders a waiter's count before any
        // change the notifier made under it (see the type's docs).
        if self.waiters.load(Ordering::Relaxed) != 0 {
            self.inner.notify_one();
        }
    }

    pub(crate) fn notify_all(&self) {
        if self.waiters.load(Ordering::Relaxed) != 0 {
            self.inner.notify_all();
        }
    }
}
