//! The mutex and condition variable the pool uses: `std::sync`'s, behind the
//! small non-poisoning API of parking_lot.
//!
//! Why not parking_lot here: it parks threads in one process-wide table. A
//! `fork()` while some parent thread is parking copies that table half-updated
//! into the child, where the first new worker that parks can crash or hang.
//! std's futex-based primitives keep all their state in the object itself,
//! and the pool rebuilds its objects in a forked child, so a pool used after
//! `fork()` never touches state another thread was changing.

use std::ops::{Deref, DerefMut};
use std::sync::PoisonError;

use crate::time::Deadline;

/// A mutex whose lock never reports poisoning: pool code holds it only for
/// short, panic-free sections (tasks run outside it, under `catch_unwind`).
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
#[derive(Default)]
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
                let left = at.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    return false;
                }
                let held = guard.0.take().expect("a guard always holds its lock");
                let (held, _) = self
                    .0
                    .wait_timeout(held, left)
                    .unwrap_or_else(PoisonError::into_inner);
                guard.0 = Some(held);
                true
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
