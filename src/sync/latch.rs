//! A count-down latch: threads wait until the count reaches zero.
//!
//! Invariants:
//! - The count only goes down and stops at zero; counting down past zero
//!   leaves it at zero.
//! - The step that brings the count to zero wakes every parked thread, and
//!   a thread parks only after seeing, under the parking queue lock, a
//!   non-zero count and no close, so no waiter misses either.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use super::park::{self, ParkResult, DEFAULT_PARK_TOKEN};
use super::{key, TOKEN_CLOSED, TOKEN_RETRY};
use crate::time::Deadline;
use crate::{Error, Result};

/// A count-down latch.
#[derive(Debug, Default)]
pub struct Latch {
    count: AtomicU64,
    closed: AtomicBool,
}

impl Latch {
    /// A latch that opens after `count` count-downs (at once if 0).
    pub const fn new(count: u64) -> Self {
        Latch {
            count: AtomicU64::new(count),
            closed: AtomicBool::new(false),
        }
    }

    /// Lowers the count by `n` (>= 1), stopping at zero; reaching zero wakes
    /// every waiter.
    pub fn count_down(&self, n: u64) -> Result<()> {
        if n == 0 {
            return Err(Error::InvalidArgument("count down by at least one"));
        }
        let lower = |count: u64| (count != 0).then(|| count.saturating_sub(n));
        if let Ok(previous) = self
            .count
            .fetch_update(Ordering::Release, Ordering::Relaxed, lower)
        {
            if previous <= n {
                park::unpark_all(key(&self.count), TOKEN_RETRY);
            }
        }
        Ok(())
    }

    /// The current count.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Acquire)
    }

    /// Waits until the count is zero, at most `timeout`.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        if !self.closed.load(Ordering::Relaxed) && self.count() == 0 {
            return Ok(());
        }
        let deadline = Deadline::after(timeout);
        loop {
            if self.closed.load(Ordering::Acquire) {
                return Err(Error::Closed);
            }
            if self.count() == 0 {
                return Ok(());
            }
            if deadline == Deadline::Now {
                return Err(Error::WouldBlock);
            }
            let validate =
                || !self.closed.load(Ordering::Relaxed) && self.count.load(Ordering::Relaxed) != 0;
            // `validate` only reads atomics; the other callbacks do nothing.
            let parked = park::park(
                key(&self.count),
                validate,
                || {},
                |_| {},
                DEFAULT_PARK_TOKEN,
                deadline,
            );
            match parked {
                ParkResult::Unparked(TOKEN_CLOSED) => return Err(Error::Closed),
                ParkResult::TimedOut => {
                    return if self.count() == 0 {
                        Ok(())
                    } else {
                        Err(Error::Timeout)
                    };
                }
                ParkResult::Unparked(_) | ParkResult::Invalid => {}
            }
        }
    }

    /// Closes the latch: waiting threads and later waits return `Closed`.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        park::unpark_all(key(&self.count), TOKEN_CLOSED);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::sync::test_support::{assert_takes, let_threads_block, SHORT};

    #[test]
    fn counts_down_to_zero_and_stays_there() {
        let latch = Latch::new(3);
        assert_eq!(latch.wait(Some(Duration::ZERO)), Err(Error::WouldBlock));
        let result = assert_takes(SHORT, || latch.wait(Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        latch.count_down(2).unwrap();
        assert_eq!(latch.count(), 1);
        latch.count_down(5).unwrap();
        assert_eq!(latch.count(), 0);
        latch.count_down(1).unwrap();
        assert_eq!(latch.count(), 0);
        latch.wait(Some(Duration::ZERO)).unwrap();
        assert!(matches!(
            latch.count_down(0),
            Err(Error::InvalidArgument(_))
        ));
        Latch::new(0).wait(None).unwrap();
    }

    #[test]
    fn waiters_wake_when_the_last_worker_counts_down() {
        let latch = Arc::new(Latch::new(8));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let latch = Arc::clone(&latch);
                thread::spawn(move || latch.wait(None))
            })
            .collect();
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let latch = Arc::clone(&latch);
                thread::spawn(move || latch.count_down(1))
            })
            .collect();
        for worker in workers {
            worker.join().unwrap().unwrap();
        }
        for waiter in waiters {
            waiter.join().unwrap().unwrap();
        }
    }

    #[test]
    fn closing_wakes_waiters_with_closed() {
        let latch = Arc::new(Latch::new(1));
        let waiter = {
            let latch = Arc::clone(&latch);
            thread::spawn(move || latch.wait(None))
        };
        let_threads_block();
        latch.close();
        assert_eq!(waiter.join().unwrap(), Err(Error::Closed));
    }
}
