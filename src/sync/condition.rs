//! A condition variable used with an allcore [`Mutex`] (or a
//! [`ReentrantLock`]).
//!
//! A wait enqueues the thread on the condition first and only then releases
//! the lock, so a notify made under the lock after the wait began always
//! finds the waiter. The waiter takes the lock back before it returns, even
//! on timeout and when the condition is closed; only when the lock itself
//! has been closed does it return `Closed` without the lock.
//!
//! Waiters wake only when notified, on timeout or on close: never
//! spuriously.
//!
//! Invariant: `closed` is never cleared; once set, no thread parks on the
//! condition (parking validates against it).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::park::{self, FilterOp, ParkResult, DEFAULT_PARK_TOKEN};
use super::{key, Mutex, ReentrantLock, TOKEN_CLOSED, TOKEN_RETRY};
use crate::time::Deadline;
use crate::{Error, Result};

/// A condition variable.
#[derive(Debug, Default)]
pub struct Condition {
    closed: AtomicBool,
}

impl Condition {
    /// A condition with no waiters.
    pub const fn new() -> Self {
        Condition {
            closed: AtomicBool::new(false),
        }
    }

    /// Releases `mutex`, which the caller must hold (`NotOwner` if it is not
    /// locked), waits for a notify or at most `timeout`, and locks `mutex`
    /// again. A zero timeout returns `WouldBlock` at once, keeping the mutex.
    pub fn wait(&self, mutex: &Mutex, timeout: Option<Duration>) -> Result<()> {
        if !mutex.is_locked() {
            return Err(Error::NotOwner);
        }
        self.wait_releasing(
            timeout,
            || {
                // The caller holds the mutex; a racing unlock by another
                // thread would be the caller's bug, and changes nothing here.
                let _ = mutex.unlock();
            },
            || mutex.lock(None),
        )
    }

    /// As [`Condition::wait`] with a reentrant lock held by `owner`: releases
    /// it completely whatever its depth, and restores the same depth.
    pub fn wait_reentrant(
        &self,
        lock: &ReentrantLock,
        owner: u64,
        timeout: Option<Duration>,
    ) -> Result<()> {
        let depth = lock.depth_held_by(owner)?;
        self.wait_releasing(
            timeout,
            || {
                // `owner` holds the lock (checked above), so this succeeds.
                let _ = lock.release_fully();
            },
            || lock.restore(owner, depth, None),
        )
    }

    /// Wakes up to `n` waiting threads, oldest first; returns how many.
    pub fn notify(&self, n: usize) -> usize {
        let mut left = n;
        let filter = |_| {
            if left == 0 {
                FilterOp::Stop
            } else {
                left -= 1;
                FilterOp::Unpark
            }
        };
        // The filter and the callback only compute with local values.
        park::unpark_filter(key(&self.closed), filter, |_| TOKEN_RETRY).unparked_threads
    }

    /// Wakes every waiting thread; returns how many.
    pub fn notify_all(&self) -> usize {
        park::unpark_all(key(&self.closed), TOKEN_RETRY)
    }

    /// Closes the condition: waiting threads retake their lock and return
    /// `Closed`, and so do later waits (without releasing the lock).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        park::unpark_all(key(&self.closed), TOKEN_CLOSED);
    }

    fn wait_releasing(
        &self,
        timeout: Option<Duration>,
        release: impl FnOnce(),
        reacquire: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        let deadline = Deadline::after(timeout);
        if deadline == Deadline::Now {
            return Err(Error::WouldBlock);
        }
        let validate = || !self.closed.load(Ordering::SeqCst);
        // `validate` only reads an atomic; `before_sleep` (`release`) may
        // unpark threads waiting for the lock but never parks and never
        // panics.
        let parked = park::park(
            key(&self.closed),
            validate,
            release,
            |_| {},
            DEFAULT_PARK_TOKEN,
            deadline,
        );
        let outcome = match parked {
            // Closed before the thread was enqueued: the lock was never
            // released.
            ParkResult::Invalid => return Err(Error::Closed),
            ParkResult::Unparked(TOKEN_CLOSED) => Err(Error::Closed),
            ParkResult::Unparked(_) => Ok(()),
            ParkResult::TimedOut => Err(Error::Timeout),
        };
        reacquire()?;
        outcome
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::sync::current_thread_owner;
    use crate::sync::test_support::{assert_takes, let_threads_block, SHORT};

    #[test]
    fn a_wait_times_out_holding_the_mutex_again() {
        let (condition, mutex) = (Condition::new(), Mutex::new());
        assert_eq!(condition.wait(&mutex, None), Err(Error::NotOwner));
        mutex.lock(None).unwrap();
        assert_eq!(
            condition.wait(&mutex, Some(Duration::ZERO)),
            Err(Error::WouldBlock)
        );
        let result = assert_takes(SHORT, || condition.wait(&mutex, Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        assert!(mutex.is_locked());
        assert_eq!(condition.notify(1), 0);
    }

    #[test]
    fn notify_wakes_as_many_as_asked_and_notify_all_the_rest() {
        let pair = Arc::new((Condition::new(), Mutex::new()));
        let woken = Arc::new(AtomicUsize::new(0));
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let (pair, woken) = (Arc::clone(&pair), Arc::clone(&woken));
                thread::spawn(move || {
                    let (condition, mutex) = &*pair;
                    mutex.lock(None).unwrap();
                    condition.wait(mutex, None).unwrap();
                    assert!(mutex.is_locked());
                    woken.fetch_add(1, Ordering::SeqCst);
                    mutex.unlock().unwrap();
                })
            })
            .collect();
        let_threads_block();
        let (condition, _) = &*pair;
        assert_eq!(condition.notify(1), 1);
        let_threads_block();
        assert_eq!(woken.load(Ordering::SeqCst), 1);
        assert_eq!(condition.notify_all(), 3);
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert_eq!(woken.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn a_producer_and_consumer_hand_over_every_item() {
        struct Shared {
            condition: Condition,
            mutex: Mutex,
            items: std::cell::UnsafeCell<Vec<u32>>,
        }
        // SAFETY: `items` is only touched while `mutex` is held.
        unsafe impl Sync for Shared {}
        let shared = Arc::new(Shared {
            condition: Condition::new(),
            mutex: Mutex::new(),
            items: Default::default(),
        });
        let consumer = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let mut sum = 0;
                for _ in 0..1_000 {
                    shared.mutex.lock(None).unwrap();
                    // SAFETY: the mutex is held, here and after each wait.
                    while unsafe { &*shared.items.get() }.is_empty() {
                        shared.condition.wait(&shared.mutex, None).unwrap();
                    }
                    // SAFETY: the mutex is held.
                    sum += unsafe { &mut *shared.items.get() }.pop().unwrap();
                    shared.mutex.unlock().unwrap();
                }
                sum
            })
        };
        for item in 1..=1_000 {
            shared.mutex.lock(None).unwrap();
            // SAFETY: the mutex is held.
            unsafe { &mut *shared.items.get() }.push(item);
            shared.condition.notify(1);
            shared.mutex.unlock().unwrap();
        }
        assert_eq!(consumer.join().unwrap(), 500_500);
    }

    #[test]
    fn a_reentrant_lock_is_released_fully_and_restored() {
        let shared = Arc::new((Condition::new(), ReentrantLock::new()));
        let me = current_thread_owner();
        let (condition, lock) = &*shared;
        lock.lock(me, None).unwrap();
        lock.lock(me, None).unwrap();
        let notifier = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (condition, lock) = &*shared;
                let them = current_thread_owner();
                // Only possible once the waiter has released both levels.
                lock.lock(them, None).unwrap();
                condition.notify_all();
                lock.unlock(them).unwrap();
            })
        };
        condition.wait_reentrant(lock, me, None).unwrap();
        notifier.join().unwrap();
        assert_eq!(lock.depth_held_by(me), Ok(2));
        assert_eq!(
            condition.wait_reentrant(lock, 99, None),
            Err(Error::NotOwner)
        );
    }

    #[test]
    fn closing_wakes_waiters_with_closed_holding_the_mutex() {
        let pair = Arc::new((Condition::new(), Mutex::new()));
        let waiter = {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let (condition, mutex) = &*pair;
                mutex.lock(None).unwrap();
                let result = condition.wait(mutex, None);
                let held = mutex.is_locked();
                mutex.unlock().unwrap();
                (result, held)
            })
        };
        let_threads_block();
        pair.0.close();
        assert_eq!(waiter.join().unwrap(), (Err(Error::Closed), true));
    }
}
