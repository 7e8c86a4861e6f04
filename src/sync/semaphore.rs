//! A counting semaphore, optionally bounded by its initial value (Python's
//! `BoundedSemaphore`).
//!
//! Invariants:
//! - `permits` never exceeds `limit` (the initial value for a bounded
//!   semaphore, `i64::MAX` otherwise), so it always fits a C `int64_t`.
//! - A thread that parks has first counted itself in `waiting` and then,
//!   under the parking queue lock, seen too few permits; a release adds its
//!   permits before it reads `waiting` (all four accesses sequentially
//!   consistent), so either the waiter sees the permits or the release sees
//!   the waiter and wakes it.
//!
//! A release wakes parked threads in arrival order whose requests fit the
//! permits now available, skipping larger requests; a woken thread competes
//! with newcomers for the permits, so order is not strictly first-come.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use super::park::{self, FilterOp, ParkResult, ParkToken};
use super::{key, TOKEN_CLOSED, TOKEN_RETRY};
use crate::time::Deadline;
use crate::{Error, Result};

/// A counting semaphore.
#[derive(Debug)]
pub struct Semaphore {
    permits: AtomicU64,
    limit: u64,
    waiting: AtomicUsize,
    closed: AtomicBool,
}

impl Semaphore {
    /// A semaphore holding `value` permits, unbounded (up to `i64::MAX`).
    pub fn new(value: u64) -> Result<Self> {
        Self::with_limit(value, i64::MAX as u64)
    }

    /// A semaphore holding `value` permits that refuses releases beyond
    /// `value`.
    pub fn new_bounded(value: u64) -> Result<Self> {
        Self::with_limit(value, value)
    }

    fn with_limit(value: u64, limit: u64) -> Result<Self> {
        if value > i64::MAX as u64 {
            return Err(Error::InvalidArgument("semaphore value above INT64_MAX"));
        }
        Ok(Semaphore {
            permits: AtomicU64::new(value),
            limit,
            waiting: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        })
    }

    /// Takes `n` (>= 1) permits, waiting at most `timeout` for them.
    #[inline]
    pub fn acquire(&self, n: u64, timeout: Option<Duration>) -> Result<()> {
        if n == 0 {
            return Err(Error::InvalidArgument("acquire at least one permit"));
        }
        if self.try_take(n) {
            return Ok(());
        }
        self.acquire_slow(n, Deadline::after(timeout))
    }

    /// Gives back `n` (>= 1) permits and wakes waiters they satisfy.
    /// `Overflow` if that would exceed the bound (or `i64::MAX`); then
    /// nothing is released.
    pub fn release(&self, n: u64) -> Result<()> {
        if n == 0 {
            return Err(Error::InvalidArgument("release at least one permit"));
        }
        let mut permits = self.permits.load(Ordering::Relaxed);
        loop {
            let raised = permits
                .checked_add(n)
                .filter(|&raised| raised <= self.limit)
                .ok_or(Error::Overflow("released beyond the semaphore's bound"))?;
            match self.permits.compare_exchange_weak(
                permits,
                raised,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => permits = now,
            }
        }
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.wake_satisfied();
        }
        Ok(())
    }

    /// The permits available now.
    pub fn value(&self) -> u64 {
        self.permits.load(Ordering::Relaxed)
    }

    /// Closes the semaphore: waiting threads and later acquires that would
    /// wait return `Closed`.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        park::unpark_all(key(&self.permits), TOKEN_CLOSED);
    }

    #[inline]
    fn try_take(&self, n: u64) -> bool {
        let mut permits = self.permits.load(Ordering::Relaxed);
        while permits >= n {
            match self.permits.compare_exchange_weak(
                permits,
                permits - n,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => permits = now,
            }
        }
        false
    }

    #[cold]
    fn acquire_slow(&self, n: u64, deadline: Deadline) -> Result<()> {
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return Err(Error::Closed);
            }
            if self.try_take(n) {
                return Ok(());
            }
            if deadline == Deadline::Now {
                return Err(Error::WouldBlock);
            }
            self.waiting.fetch_add(1, Ordering::SeqCst);
            let validate =
                || !self.closed.load(Ordering::SeqCst) && self.permits.load(Ordering::SeqCst) < n;
            // The request travels in the park token so that a release can
            // tell which waiters it satisfies; it is clamped, never cut.
            let request = ParkToken(usize::try_from(n).unwrap_or(usize::MAX));
            // `validate` only reads atomics; the other callbacks do nothing.
            let parked = park::park(
                key(&self.permits),
                validate,
                || {},
                |_| {},
                request,
                deadline,
            );
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            match parked {
                ParkResult::Unparked(TOKEN_CLOSED) => return Err(Error::Closed),
                ParkResult::TimedOut => {
                    return if self.try_take(n) {
                        Ok(())
                    } else {
                        Err(Error::Timeout)
                    };
                }
                ParkResult::Unparked(_) | ParkResult::Invalid => {}
            }
        }
    }

    #[cold]
    fn wake_satisfied(&self) {
        let mut available = self.permits.load(Ordering::SeqCst);
        let filter = |ParkToken(request): ParkToken| {
            let request = request as u64;
            if request <= available {
                available -= request;
                FilterOp::Unpark
            } else if available == 0 {
                FilterOp::Stop
            } else {
                FilterOp::Skip
            }
        };
        // The filter and callback only compute with local values.
        park::unpark_filter(key(&self.permits), filter, |_| TOKEN_RETRY);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::sync::test_support::{assert_takes, let_threads_block, SHORT};

    #[test]
    fn permits_are_counted() {
        let semaphore = Semaphore::new(2).unwrap();
        semaphore.acquire(2, Some(Duration::ZERO)).unwrap();
        assert_eq!(
            semaphore.acquire(1, Some(Duration::ZERO)),
            Err(Error::WouldBlock)
        );
        let result = assert_takes(SHORT, || semaphore.acquire(1, Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        semaphore.release(5).unwrap();
        assert_eq!(semaphore.value(), 5);
        assert!(matches!(
            semaphore.acquire(0, None),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            semaphore.release(0),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            semaphore.release(i64::MAX as u64),
            Err(Error::Overflow(_))
        ));
        assert!(Semaphore::new(u64::MAX).is_err());
    }

    #[test]
    fn a_bounded_semaphore_refuses_to_exceed_its_bound() {
        let semaphore = Semaphore::new_bounded(2).unwrap();
        assert!(matches!(semaphore.release(1), Err(Error::Overflow(_))));
        semaphore.acquire(2, None).unwrap();
        assert!(matches!(semaphore.release(3), Err(Error::Overflow(_))));
        semaphore.release(2).unwrap();
        assert_eq!(semaphore.value(), 2);
    }

    #[test]
    fn a_bounded_semaphore_never_lets_more_than_its_bound_in() {
        const BOUND: usize = 3;
        let semaphore = Arc::new(Semaphore::new_bounded(BOUND as u64).unwrap());
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (semaphore, inside) = (Arc::clone(&semaphore), Arc::clone(&inside));
                thread::spawn(move || {
                    for _ in 0..3_000 {
                        semaphore.acquire(1, None).unwrap();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        assert!(now <= BOUND, "{now} threads inside");
                        inside.fetch_sub(1, Ordering::SeqCst);
                        semaphore.release(1).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(semaphore.value(), BOUND as u64);
    }

    #[test]
    fn a_release_wakes_the_waiters_it_satisfies() {
        let semaphore = Arc::new(Semaphore::new(0).unwrap());
        let waiters: Vec<_> = [3, 1, 1]
            .into_iter()
            .map(|n| {
                let semaphore = Arc::clone(&semaphore);
                thread::spawn(move || semaphore.acquire(n, None))
            })
            .collect();
        let_threads_block();
        semaphore.release(2).unwrap();
        semaphore.release(3).unwrap();
        for waiter in waiters {
            waiter.join().unwrap().unwrap();
        }
        assert_eq!(semaphore.value(), 0);
    }

    #[test]
    fn closing_wakes_waiters_with_closed() {
        let semaphore = Arc::new(Semaphore::new(0).unwrap());
        let waiter = {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || semaphore.acquire(1, None))
        };
        let_threads_block();
        semaphore.close();
        assert_eq!(waiter.join().unwrap(), Err(Error::Closed));
    }
}
