//! A mutex whose whole state is one byte; locking and unlocking without
//! contention is a single compare-and-swap each.
//!
//! Like Python's `threading.Lock`, the mutex has no owner: any thread may
//! unlock it; unlocking a mutex that is not locked fails with `NotOwner`.
//!
//! Invariants of the state byte:
//! - `LOCKED` is set exactly while the mutex is held.
//! - `PARKED` is set whenever a thread may be parked on the byte's address.
//!   It is cleared only while the parking queue is locked and no thread
//!   remains parked, so an unlock never misses a parked thread.
//! - `CLOSED` is never cleared once set; every later lock attempt reports
//!   `Closed` and no thread parks any more (parking validates against it).
//!
//! Contended locks spin briefly, then park. An unlock normally lets any
//! thread take the mutex next (best throughput); about every half millisecond
//! the parking table asks for a fair unlock, which hands the mutex straight
//! to the longest-parked thread, so no waiter starves.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use super::park::{self, ParkResult, SpinWait, UnparkResult, UnparkToken, DEFAULT_PARK_TOKEN};
use super::{key, TOKEN_CLOSED, TOKEN_RETRY};
use crate::time::Deadline;
use crate::{Error, Result};

const LOCKED: u8 = 1;
const PARKED: u8 = 2;
const CLOSED: u8 = 4;

/// Wakes a parked thread that now holds the mutex.
const TOKEN_HANDOFF: UnparkToken = UnparkToken(2);

/// A non-reentrant lock that any thread may release.
#[derive(Debug, Default)]
pub struct Mutex {
    state: AtomicU8,
}

impl Mutex {
    /// An unlocked mutex.
    pub const fn new() -> Self {
        Mutex {
            state: AtomicU8::new(0),
        }
    }

    /// Locks the mutex, waiting at most `timeout`.
    #[inline]
    pub fn lock(&self, timeout: Option<Duration>) -> Result<()> {
        if self.lock_fast() {
            return Ok(());
        }
        self.lock_slow(Deadline::after(timeout))
    }

    /// Locks the mutex if that needs no waiting (`WouldBlock` otherwise).
    #[inline]
    pub fn try_lock(&self) -> Result<()> {
        self.lock(Some(Duration::ZERO))
    }

    /// Locks the mutex, waiting until `deadline`.
    pub(crate) fn lock_until(&self, deadline: Deadline) -> Result<()> {
        if self.lock_fast() {
            return Ok(());
        }
        self.lock_slow(deadline)
    }

    /// Unlocks the mutex; `NotOwner` if it is not locked. Any thread may
    /// unlock it.
    #[inline]
    pub fn unlock(&self) -> Result<()> {
        if self
            .state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            .is_ok()
        {
            return Ok(());
        }
        self.unlock_slow()
    }

    /// Whether some thread holds the mutex now.
    pub fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & LOCKED != 0
    }

    /// Closes the mutex: threads waiting to lock it return `Closed`, and so
    /// does every later lock attempt. A holder may still unlock it.
    pub fn close(&self) {
        self.state.fetch_or(CLOSED, Ordering::Relaxed);
        park::unpark_all(key(&self.state), TOKEN_CLOSED);
    }

    #[inline]
    fn lock_fast(&self) -> bool {
        self.state
            .compare_exchange_weak(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    #[cold]
    fn lock_slow(&self, deadline: Deadline) -> Result<()> {
        let mut spin = SpinWait::new();
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & CLOSED != 0 {
                return Err(Error::Closed);
            }
            if state & LOCKED == 0 {
                match self.state.compare_exchange_weak(
                    state,
                    state | LOCKED,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return Ok(()),
                    Err(now) => state = now,
                }
                continue;
            }
            if deadline == Deadline::Now {
                return Err(Error::WouldBlock);
            }
            if state & PARKED == 0 && spin.spin() {
                state = self.state.load(Ordering::Relaxed);
                continue;
            }
            if state & PARKED == 0 {
                if let Err(now) = self.state.compare_exchange_weak(
                    state,
                    state | PARKED,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    state = now;
                    continue;
                }
            }
            let validate = || self.state.load(Ordering::Relaxed) == LOCKED | PARKED;
            let timed_out = |was_last_thread| {
                if was_last_thread {
                    self.state.fetch_and(!PARKED, Ordering::Relaxed);
                }
            };
            // `validate` and `timed_out` only touch atomics (no panic, no
            // parking call); `before_sleep` does nothing.
            let parked = park::park(
                key(&self.state),
                validate,
                || {},
                timed_out,
                DEFAULT_PARK_TOKEN,
                deadline,
            );
            match parked {
                ParkResult::Unparked(TOKEN_HANDOFF) => return Ok(()),
                ParkResult::TimedOut => return Err(Error::Timeout),
                ParkResult::Unparked(_) | ParkResult::Invalid => {}
            }
            spin.reset();
            state = self.state.load(Ordering::Relaxed);
        }
    }

    #[cold]
    fn unlock_slow(&self) -> Result<()> {
        let mut state = self.state.load(Ordering::Relaxed);
        while state & PARKED == 0 {
            if state & LOCKED == 0 {
                return Err(Error::NotOwner);
            }
            match self.state.compare_exchange_weak(
                state,
                state & !LOCKED,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => state = now,
            }
        }
        // A thread may be parked: wake one while the queue is locked, and
        // release (or hand over) the mutex in the same step.
        let mut released = false;
        let callback = |result: UnparkResult| {
            let mut state = self.state.load(Ordering::Relaxed);
            loop {
                let held = state & LOCKED != 0;
                let handoff = held && result.unparked_threads != 0 && result.be_fair;
                let mut new = state & CLOSED;
                if result.have_more_threads {
                    new |= PARKED;
                }
                if handoff {
                    new |= LOCKED;
                }
                match self.state.compare_exchange_weak(
                    state,
                    new,
                    Ordering::Release,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        released = held;
                        return if handoff { TOKEN_HANDOFF } else { TOKEN_RETRY };
                    }
                    Err(now) => state = now,
                }
            }
        };
        // The callback only touches atomics and a local flag.
        park::unpark_one(key(&self.state), callback);
        if released {
            Ok(())
        } else {
            Err(Error::NotOwner)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::UnsafeCell;
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::sync::test_support::{assert_takes, let_threads_block, SHORT};

    /// A counter that is only safe to touch under the mutex: a lost update
    /// shows that two threads held it at once.
    struct Guarded {
        mutex: Mutex,
        count: UnsafeCell<u64>,
    }
    // SAFETY: `count` is only touched while `mutex` is held.
    unsafe impl Sync for Guarded {}

    #[test]
    fn many_threads_counting_under_the_mutex_lose_nothing() {
        let guarded = Arc::new(Guarded {
            mutex: Mutex::new(),
            count: UnsafeCell::new(0),
        });
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let guarded = Arc::clone(&guarded);
                thread::spawn(move || {
                    for _ in 0..20_000 {
                        guarded.mutex.lock(None).unwrap();
                        // SAFETY: the mutex is held.
                        unsafe { *guarded.count.get() += 1 };
                        guarded.mutex.unlock().unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert!(!guarded.mutex.is_locked());
        // SAFETY: every other thread has finished.
        assert_eq!(unsafe { *guarded.count.get() }, 8 * 20_000);
    }

    #[test]
    fn try_lock_and_unlock_report_the_state() {
        let mutex = Mutex::new();
        assert_eq!(mutex.unlock(), Err(Error::NotOwner));
        mutex.try_lock().unwrap();
        assert!(mutex.is_locked());
        assert_eq!(mutex.try_lock(), Err(Error::WouldBlock));
        mutex.unlock().unwrap();
        assert_eq!(mutex.unlock(), Err(Error::NotOwner));
    }

    #[test]
    fn another_thread_may_unlock() {
        let mutex = Arc::new(Mutex::new());
        mutex.lock(None).unwrap();
        let other = Arc::clone(&mutex);
        thread::spawn(move || other.unlock().unwrap())
            .join()
            .unwrap();
        mutex.try_lock().unwrap();
    }

    #[test]
    fn a_timed_lock_gives_up_after_its_timeout() {
        let mutex = Mutex::new();
        mutex.lock(None).unwrap();
        let result = assert_takes(SHORT, || mutex.lock(Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        mutex.unlock().unwrap();
        mutex.lock(Some(SHORT)).unwrap();
    }

    #[test]
    fn an_unlock_wakes_a_parked_thread() {
        let mutex = Arc::new(Mutex::new());
        mutex.lock(None).unwrap();
        let waiter = {
            let mutex = Arc::clone(&mutex);
            thread::spawn(move || {
                mutex.lock(None).unwrap();
                mutex.unlock().unwrap();
            })
        };
        let_threads_block();
        mutex.unlock().unwrap();
        waiter.join().unwrap();
        assert!(!mutex.is_locked());
    }

    #[test]
    fn closing_wakes_waiters_with_closed() {
        let mutex = Arc::new(Mutex::new());
        mutex.lock(None).unwrap();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let mutex = Arc::clone(&mutex);
                thread::spawn(move || mutex.lock(None))
            })
            .collect();
        let_threads_block();
        mutex.close();
        for waiter in waiters {
            assert_eq!(waiter.join().unwrap(), Err(Error::Closed));
        }
        mutex.unlock().unwrap();
        assert_eq!(mutex.try_lock(), Err(Error::Closed));
    }
}
