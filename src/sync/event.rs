//! An event flag (Python's `threading.Event`): `set` wakes every waiter,
//! `clear` resets it.
//!
//! A waiter returns success once the flag has been raised after it started
//! waiting, even if the flag is cleared again before it runs, as in Python.
//! It tells by the generation: every `set` that raises the flag also bumps
//! the generation in the same atomic step.
//!
//! Invariants of the state word:
//! - `SET` is the flag; bits from `GENERATION_ONE` up count the raises.
//! - `PARKED` is set whenever a thread may be parked on the word's address.
//!   A raise clears it in the same step and then wakes every parked thread;
//!   otherwise it is cleared only while the parking queue is locked and no
//!   thread remains parked.
//! - `CLOSED` is never cleared; once set, waits return `Closed`.
//! - A thread parks only if the word, read under the parking queue lock, is
//!   still exactly what it saw with the flag clear (plus `PARKED`), so it
//!   never sleeps through a raise.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::park::{self, ParkResult, DEFAULT_PARK_TOKEN};
use super::{key, TOKEN_RETRY};
use crate::time::Deadline;
use crate::{Error, Result};

const SET: u64 = 1;
const PARKED: u64 = 2;
const CLOSED: u64 = 4;
const GENERATION_ONE: u64 = 8;
const GENERATION: u64 = !(GENERATION_ONE - 1);

/// An event flag.
#[derive(Debug, Default)]
pub struct Event {
    state: AtomicU64,
}

impl Event {
    /// An event whose flag is clear.
    pub const fn new() -> Self {
        Event {
            state: AtomicU64::new(0),
        }
    }

    /// Sets the flag and wakes every waiting thread.
    pub fn set(&self) {
        let raise = |state: u64| {
            (state & SET == 0).then(|| ((state | SET) & !PARKED).wrapping_add(GENERATION_ONE))
        };
        if let Ok(previous) = self
            .state
            .fetch_update(Ordering::Release, Ordering::Relaxed, raise)
        {
            if previous & PARKED != 0 {
                park::unpark_all(key(&self.state), TOKEN_RETRY);
            }
        }
    }

    /// Clears the flag.
    pub fn clear(&self) {
        self.state.fetch_and(!SET, Ordering::Relaxed);
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) & SET != 0
    }

    /// Waits until the flag is set, at most `timeout`.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        let state = self.state.load(Ordering::Acquire);
        if state & (SET | CLOSED) == SET {
            return Ok(());
        }
        self.wait_slow(state, Deadline::after(timeout))
    }

    /// Closes the event: waiting threads and later waits return `Closed`.
    pub fn close(&self) {
        self.state.fetch_or(CLOSED, Ordering::Relaxed);
        park::unpark_all(key(&self.state), TOKEN_RETRY);
    }

    /// Whether the flag is up, or was raised since the wait began.
    fn outcome(state: u64, started: u64) -> Option<Result<()>> {
        if state & CLOSED != 0 {
            Some(Err(Error::Closed))
        } else if state & SET != 0 || (state ^ started) & GENERATION != 0 {
            Some(Ok(()))
        } else {
            None
        }
    }

    #[cold]
    fn wait_slow(&self, started: u64, deadline: Deadline) -> Result<()> {
        let mut state = started;
        loop {
            if let Some(outcome) = Self::outcome(state, started) {
                return outcome;
            }
            if deadline == Deadline::Now {
                return Err(Error::WouldBlock);
            }
            if state & PARKED == 0 {
                if let Err(now) = self.state.compare_exchange_weak(
                    state,
                    state | PARKED,
                    Ordering::Relaxed,
                    Ordering::Acquire,
                ) {
                    state = now;
                    continue;
                }
            }
            let expected = state | PARKED;
            let validate = || self.state.load(Ordering::Relaxed) == expected;
            let timed_out = |was_last_thread| {
                if was_last_thread {
                    self.state.fetch_and(!PARKED, Ordering::Relaxed);
                }
            };
            // `validate` and `timed_out` only touch atomics; `before_sleep`
            // does nothing.
            let parked = park::park(
                key(&self.state),
                validate,
                || {},
                timed_out,
                DEFAULT_PARK_TOKEN,
                deadline,
            );
            state = self.state.load(Ordering::Acquire);
            if parked == ParkResult::TimedOut {
                return Self::outcome(state, started).unwrap_or(Err(Error::Timeout));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::sync::test_support::{assert_takes, let_threads_block, SHORT};

    #[test]
    fn set_clear_and_is_set() {
        let event = Event::new();
        assert!(!event.is_set());
        assert_eq!(event.wait(Some(Duration::ZERO)), Err(Error::WouldBlock));
        let result = assert_takes(SHORT, || event.wait(Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        event.set();
        assert!(event.is_set());
        event.wait(None).unwrap();
        event.clear();
        assert!(!event.is_set());
    }

    #[test]
    fn set_wakes_every_waiter_even_if_cleared_at_once() {
        let event = Arc::new(Event::new());
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let event = Arc::clone(&event);
                thread::spawn(move || event.wait(None))
            })
            .collect();
        let_threads_block();
        event.set();
        event.clear();
        for waiter in waiters {
            waiter.join().unwrap().unwrap();
        }
    }

    #[test]
    fn many_rounds_of_set_and_wait_never_lose_a_wake_up() {
        let ping = Arc::new(Event::new());
        let pong = Arc::new(Event::new());
        let partner = {
            let (ping, pong) = (Arc::clone(&ping), Arc::clone(&pong));
            thread::spawn(move || {
                for _ in 0..2_000 {
                    ping.wait(None).unwrap();
                    ping.clear();
                    pong.set();
                }
            })
        };
        for _ in 0..2_000 {
            ping.set();
            pong.wait(None).unwrap();
            pong.clear();
        }
        partner.join().unwrap();
    }

    #[test]
    fn closing_wakes_waiters_with_closed() {
        let event = Arc::new(Event::new());
        let waiter = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.wait(None))
        };
        let_threads_block();
        event.close();
        assert_eq!(waiter.join().unwrap(), Err(Error::Closed));
        assert_eq!(event.wait(None), Err(Error::Closed));
    }
}
