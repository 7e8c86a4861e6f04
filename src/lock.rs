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

/// A condition variable for [`Mutex`].
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
pub(crate) struct Condvar(std::sync::Condvar);

impl Condvar {
    pub(crate) const fn new() -> Self {
        Condvar(std::sync::Condvar::new())
    }

    /// Releases the lock, waits for a notification, and locks again.
    pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
        let held = guard.0.take().expect("a guard always holds its lock");
        guard.0 = Some(self.0.wait(held).unwrap_or_else(PoisonError::into_inner));
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
                let (held, result) = self
                    .0
                    .wait_timeout(held, left)
                    .unwrap_or_else(PoisonError::into_inner);
                guard.0 = Some(held);
                !result.timed_out() || Instant::now() < at
            }
        }
    }

    pub(crate) fn notify_one(&self) {
        self.0.notify_one();
    }

    pub(crate) fn notify_all(&self) {
        self.0.notify_all();
    }
}
