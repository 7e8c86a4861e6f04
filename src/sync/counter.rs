//! An atomic 64-bit counter, for counts that many threads update without a
//! lock (`n += 1` from several threads loses updates; `add` never does).
//!
//! Invariant: the value never wraps; an `add` that would overflow changes
//! nothing and reports `Overflow`. Every operation is sequentially
//! consistent.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::{Error, Result};

/// An atomic signed 64-bit counter.
#[derive(Debug, Default)]
pub struct Counter {
    value: AtomicI64,
}

impl Counter {
    /// A counter starting at `value`.
    pub const fn new(value: i64) -> Self {
        Counter {
            value: AtomicI64::new(value),
        }
    }

    /// Adds `delta` (which may be negative) and returns the new value.
    pub fn add(&self, delta: i64) -> Result<i64> {
        let previous = self
            .value
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |value| {
                value.checked_add(delta)
            })
            .map_err(|_| Error::Overflow("counter would wrap"))?;
        Ok(previous + delta)
    }

    /// The current value.
    pub fn load(&self) -> i64 {
        self.value.load(Ordering::SeqCst)
    }

    /// Replaces the value.
    pub fn store(&self, value: i64) {
        self.value.store(value, Ordering::SeqCst);
    }

    /// Replaces the value with `desired` if it equals `expected`; returns the
    /// value found, so the swap happened exactly when that equals `expected`.
    pub fn compare_exchange(&self, expected: i64, desired: i64) -> i64 {
        match self
            .value
            .compare_exchange(expected, desired, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(found) | Err(found) => found,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;

    #[test]
    fn concurrent_adds_lose_nothing() {
        let counter = Arc::new(Counter::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let counter = Arc::clone(&counter);
                thread::spawn(move || {
                    for _ in 0..10_000 {
                        counter.add(1).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(counter.load(), 80_000);
    }

    #[test]
    fn add_returns_the_new_value_and_refuses_to_wrap() {
        let counter = Counter::new(5);
        assert_eq!(counter.add(-7), Ok(-2));
        counter.store(i64::MAX);
        assert!(matches!(counter.add(1), Err(Error::Overflow(_))));
        assert_eq!(counter.load(), i64::MAX);
        counter.store(i64::MIN);
        assert!(matches!(counter.add(-1), Err(Error::Overflow(_))));
    }

    #[test]
    fn compare_exchange_swaps_only_on_a_match() {
        let counter = Counter::new(1);
        assert_eq!(counter.compare_exchange(2, 9), 1);
        assert_eq!(counter.load(), 1);
        assert_eq!(counter.compare_exchange(1, 9), 1);
        assert_eq!(counter.load(), 9);
    }
}
