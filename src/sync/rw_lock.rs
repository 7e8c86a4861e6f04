//! A read-write lock: many readers at once, or one writer.
//!
//! Fairness is phase-fair, so neither side starves:
//! - a writer waiting blocks new readers (writer preference), so a stream of
//!   readers cannot keep writers out;
//! - when a writer unlocks, every reader already waiting is admitted before
//!   the next writer, so a stream of writers cannot keep readers out.
//!
//! Invariants (of `State`, under its mutex):
//! - `writer` and `readers > 0` are never both true.
//! - `admitted` counts the waiting readers that started waiting before the
//!   latest write unlock (their `phase` is older than `State::phase`); a
//!   writer may not lock while it is non-zero.
//!
//! Neither mode has an owner: any thread may unlock either, and unlocking a
//! mode that is not held fails with `NotOwner`.

use std::time::Duration;

use crate::lock::{Condvar, Mutex};

use crate::time::Deadline;
use crate::{Error, Result};

#[derive(Debug, Default)]
struct State {
    readers: usize,
    writer: bool,
    waiting_readers: usize,
    waiting_writers: usize,
    admitted: usize,
    phase: u64,
    closed: bool,
}

impl State {
    fn writer_may_lock(&self) -> bool {
        !self.writer && self.readers == 0 && self.admitted == 0
    }
}

/// A phase-fair read-write lock.
#[derive(Debug, Default)]
pub struct RwLock {
    state: Mutex<State>,
    readers_wake: Condvar,
    writers_wake: Condvar,
}

impl RwLock {
    /// An unlocked lock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Locks for reading, waiting at most `timeout`.
    pub fn read_lock(&self, timeout: Option<Duration>) -> Result<()> {
        let mut state = self.state.lock();
        if state.closed {
            return Err(Error::Closed);
        }
        if !state.writer && state.waiting_writers == 0 {
            state.readers += 1;
            return Ok(());
        }
        let deadline = Deadline::after(timeout);
        let phase = state.phase;
        state.waiting_readers += 1;
        let mut expired = false;
        loop {
            let admitted = state.phase != phase;
            let result = if state.closed {
                Some(Err(Error::Closed))
            } else if !state.writer && (state.waiting_writers == 0 || admitted) {
                state.readers += 1;
                Some(Ok(()))
            } else if expired {
                Some(Err(deadline.expired_error()))
            } else {
                None
            };
            if let Some(result) = result {
                state.waiting_readers -= 1;
                if admitted {
                    state.admitted -= 1;
                    if state.admitted == 0 && result.is_err() {
                        self.writers_wake.notify_all();
                    }
                }
                return result;
            }
            expired = !deadline.wait(&self.readers_wake, &mut state);
        }
    }

    /// Locks for writing, waiting at most `timeout`.
    pub fn write_lock(&self, timeout: Option<Duration>) -> Result<()> {
        let mut state = self.state.lock();
        if state.closed {
            return Err(Error::Closed);
        }
        if state.writer_may_lock() {
            state.writer = true;
            return Ok(());
        }
        let deadline = Deadline::after(timeout);
        state.waiting_writers += 1;
        let mut expired = false;
        loop {
            let result = if state.closed {
                Some(Err(Error::Closed))
            } else if state.writer_may_lock() {
                state.writer = true;
                Some(Ok(()))
            } else if expired {
                Some(Err(deadline.expired_error()))
            } else {
                None
            };
            if let Some(result) = result {
                state.waiting_writers -= 1;
                if state.waiting_writers == 0 && result.is_err() {
                    // Readers held back for this writer may go now.
                    self.readers_wake.notify_all();
                }
                return result;
            }
            expired = !deadline.wait(&self.writers_wake, &mut state);
        }
    }

    /// Undoes one read lock; `NotOwner` if no reader holds the lock.
    pub fn read_unlock(&self) -> Result<()> {
        let mut state = self.state.lock();
        if state.readers == 0 {
            return Err(Error::NotOwner);
        }
        state.readers -= 1;
        let wake = state.readers == 0 && state.waiting_writers > 0;
        // Wake the writers only once the lock is free (see `crate::lock`).
        drop(state);
        if wake {
            self.writers_wake.notify_all();
        }
        Ok(())
    }

    /// Undoes the write lock; `NotOwner` if no writer holds it.
    pub fn write_unlock(&self) -> Result<()> {
        let mut state = self.state.lock();
        if !state.writer {
            return Err(Error::NotOwner);
        }
        state.writer = false;
        state.phase += 1;
        state.admitted = state.waiting_readers;
        let wake = if state.waiting_readers > 0 {
            Some(&self.readers_wake)
        } else if state.waiting_writers > 0 {
            Some(&self.writers_wake)
        } else {
            None
        };
        // Wake them only once the lock is free (see `crate::lock`).
        drop(state);
        if let Some(wake) = wake {
            wake.notify_all();
        }
        Ok(())
    }

    /// How many readers hold the lock now.
    pub fn readers(&self) -> usize {
        self.state.lock().readers
    }

    /// Whether a writer holds the lock now.
    pub fn is_write_locked(&self) -> bool {
        self.state.lock().writer
    }

    /// Closes the lock: waiting threads and later lock attempts return
    /// `Closed`; holders may still unlock.
    pub fn close(&self) {
        self.state.lock().closed = true;
        self.readers_wake.notify_all();
        self.writers_wake.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use std::thread;

    use super::*;
    use crate::sync::test_support::{assert_takes, let_threads_block, SHORT};

    #[test]
    fn readers_share_and_writers_exclude() {
        let lock = RwLock::new();
        lock.read_lock(None).unwrap();
        lock.read_lock(Some(Duration::ZERO)).unwrap();
        assert_eq!(lock.readers(), 2);
        assert_eq!(
            lock.write_lock(Some(Duration::ZERO)),
            Err(Error::WouldBlock)
        );
        let result = assert_takes(SHORT, || lock.write_lock(Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        lock.read_unlock().unwrap();
        lock.read_unlock().unwrap();
        assert_eq!(lock.read_unlock(), Err(Error::NotOwner));
        lock.write_lock(None).unwrap();
        assert_eq!(lock.read_lock(Some(Duration::ZERO)), Err(Error::WouldBlock));
        let result = assert_takes(SHORT, || lock.read_lock(Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        lock.write_unlock().unwrap();
        assert_eq!(lock.write_unlock(), Err(Error::NotOwner));
    }

    #[test]
    fn readers_run_concurrently() {
        let lock = Arc::new(RwLock::new());
        let all_inside = Arc::new(Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (lock, all_inside) = (Arc::clone(&lock), Arc::clone(&all_inside));
                thread::spawn(move || {
                    lock.read_lock(None).unwrap();
                    // Only passes if all four readers hold the lock at once.
                    all_inside.wait();
                    lock.read_unlock().unwrap();
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }

    #[test]
    fn writers_are_exclusive_under_mixed_load() {
        let lock = Arc::new(RwLock::new());
        let readers = Arc::new(AtomicUsize::new(0));
        let writers = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|index| {
                let (lock, readers, writers) = (
                    Arc::clone(&lock),
                    Arc::clone(&readers),
                    Arc::clone(&writers),
                );
                thread::spawn(move || {
                    for _ in 0..2_000 {
                        if index % 2 == 0 {
                            lock.write_lock(None).unwrap();
                            assert_eq!(writers.fetch_add(1, Ordering::SeqCst), 0);
                            assert_eq!(readers.load(Ordering::SeqCst), 0);
                            writers.fetch_sub(1, Ordering::SeqCst);
                            lock.write_unlock().unwrap();
                        } else {
                            lock.read_lock(None).unwrap();
                            readers.fetch_add(1, Ordering::SeqCst);
                            assert_eq!(writers.load(Ordering::SeqCst), 0);
                            readers.fetch_sub(1, Ordering::SeqCst);
                            lock.read_unlock().unwrap();
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    }

    #[test]
    fn a_waiting_writer_holds_back_new_readers_and_then_readers_get_their_turn() {
        let lock = Arc::new(RwLock::new());
        lock.read_lock(None).unwrap();
        let writer = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                lock.write_lock(None).unwrap();
                thread::sleep(SHORT);
                lock.write_unlock().unwrap();
            })
        };
        let_threads_block();
        // A writer is waiting: a new reader may not overtake it.
        assert_eq!(lock.read_lock(Some(Duration::ZERO)), Err(Error::WouldBlock));
        let reader = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                lock.read_lock(None).unwrap();
                lock.read_unlock().unwrap();
            })
        };
        lock.read_unlock().unwrap();
        writer.join().unwrap();
        reader.join().unwrap();
        assert_eq!(lock.readers(), 0);
        assert!(!lock.is_write_locked());
    }

    #[test]
    fn closing_wakes_readers_and_writers_with_closed() {
        let lock = Arc::new(RwLock::new());
        lock.write_lock(None).unwrap();
        let waiters: Vec<_> = (0..4)
            .map(|index| {
                let lock = Arc::clone(&lock);
                thread::spawn(move || {
                    if index % 2 == 0 {
                        lock.read_lock(None)
                    } else {
                        lock.write_lock(None)
                    }
                })
            })
            .collect();
        let_threads_block();
        lock.close();
        for waiter in waiters {
            assert_eq!(waiter.join().unwrap(), Err(Error::Closed));
        }
        lock.write_unlock().unwrap();
        assert_eq!(lock.read_lock(None), Err(Error::Closed));
    }
}
