//! A cyclic barrier with the semantics of Python's `threading.Barrier`.
//!
//! `parties` threads call `wait`; the last to arrive releases them all, and
//! each gets a distinct arrival index in `0..parties` (the first arrival 0).
//! The barrier then refills for the next round.
//!
//! A barrier breaks when a wait times out, on `abort`, or when `reset` finds
//! threads waiting; every thread waiting then, and every later `wait` until
//! `reset`, fails with `Broken` (the thread whose timeout broke it gets
//! `Timeout`, or `WouldBlock` for a zero timeout).
//!
//! Invariants (of `State`, under its mutex):
//! - `count` is the number of threads inside `wait` that have arrived in the
//!   current round and not yet left.
//! - While `Draining` or `Resetting`, the threads of the finished round are
//!   leaving; new arrivals wait until the last of them has left, when the
//!   phase returns to `Filling`. So one round never mixes with the next and
//!   exactly `parties` threads are released at a time.

use std::time::Duration;

use crate::lock::{Condvar, Mutex, MutexGuard};

use crate::time::Deadline;
use crate::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Threads arrive and wait.
    Filling,
    /// The round is complete; its threads are leaving.
    Draining,
    /// `reset` was called with threads waiting; they are leaving broken.
    Resetting,
    /// Broken until `reset`.
    Broken,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    count: usize,
    closed: bool,
}

/// A cyclic barrier for a fixed number of threads.
#[derive(Debug)]
pub struct Barrier {
    parties: usize,
    state: Mutex<State>,
    changed: Condvar,
}

impl Barrier {
    /// A barrier for `parties` (>= 1) threads.
    pub fn new(parties: usize) -> Result<Self> {
        if parties == 0 {
            return Err(Error::InvalidArgument("a barrier needs at least one party"));
        }
        Ok(Barrier {
            parties,
            state: Mutex::new(State {
                phase: Phase::Filling,
                count: 0,
                closed: false,
            }),
            changed: Condvar::new(),
        })
    }

    /// Waits until `parties` threads have called `wait`, at most `timeout`;
    /// returns this thread's arrival index.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<usize> {
        let deadline = Deadline::after(timeout);
        let mut state = self.state.lock();
        // Let the previous round leave first.
        let mut expired = false;
        loop {
            if state.closed {
                return Err(Error::Closed);
            }
            if !matches!(state.phase, Phase::Draining | Phase::Resetting) {
                break;
            }
            if expired {
                return Err(deadline.expired_error());
            }
            expired = !deadline.wait(&self.changed, &mut state);
        }
        if state.phase == Phase::Broken {
            return Err(Error::Broken);
        }
        let index = state.count;
        state.count += 1;
        let (result, mut wake) = if index + 1 == self.parties {
            state.phase = Phase::Draining;
            (Ok(index), true)
        } else {
            let result = self.wait_for_release(&mut state, deadline).map(|()| index);
            (result, false)
        };
        state.count -= 1;
        if state.count == 0 && matches!(state.phase, Phase::Draining | Phase::Resetting) {
            state.phase = Phase::Filling;
            wake = true;
        }
        // Wake the others only once the lock is free (see `crate::lock`).
        drop(state);
        if wake {
            self.changed.notify_all();
        }
        result
    }

    fn wait_for_release(
        &self,
        state: &mut MutexGuard<'_, State>,
        deadline: Deadline,
    ) -> Result<()> {
        let mut expired = false;
        loop {
            if state.closed {
                return Err(Error::Closed);
            }
            match state.phase {
                Phase::Draining => return Ok(()),
                Phase::Resetting | Phase::Broken => return Err(Error::Broken),
                Phase::Filling if expired => {
                    state.phase = Phase::Broken;
                    self.changed.notify_all();
                    return Err(deadline.expired_error());
                }
                Phase::Filling => expired = !deadline.wait(&self.changed, state),
            }
        }
    }

    /// Breaks the barrier: waiting threads and later waits fail with
    /// `Broken` until `reset`.
    pub fn abort(&self) {
        self.state.lock().phase = Phase::Broken;
        self.changed.notify_all();
    }

    /// Returns the barrier to its empty state; threads waiting now fail with
    /// `Broken`.
    pub fn reset(&self) {
        let mut state = self.state.lock();
        state.phase = if state.count == 0 {
            Phase::Filling
        } else {
            Phase::Resetting
        };
        drop(state);
        self.changed.notify_all();
    }

    /// Whether the barrier is broken.
    pub fn is_broken(&self) -> bool {
        self.state.lock().phase == Phase::Broken
    }

    /// How many threads are waiting in the current round.
    pub fn n_waiting(&self) -> usize {
        let state = self.state.lock();
        if state.phase == Phase::Filling {
            state.count
        } else {
            0
        }
    }

    /// How many threads the barrier waits for.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// Closes the barrier: waiting threads and later waits return `Closed`.
    pub fn close(&self) {
        self.state.lock().closed = true;
        self.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::sync::test_support::{assert_takes, let_threads_block, SHORT};

    #[test]
    fn each_round_releases_exactly_parties_threads_with_distinct_indices() {
        const PARTIES: usize = 4;
        const ROUNDS: usize = 200;
        let barrier = Arc::new(Barrier::new(PARTIES).unwrap());
        let arrivals = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..PARTIES)
            .map(|_| {
                let (barrier, arrivals) = (Arc::clone(&barrier), Arc::clone(&arrivals));
                thread::spawn(move || {
                    let mut indices = Vec::new();
                    for round in 0..ROUNDS {
                        arrivals.fetch_add(1, Ordering::SeqCst);
                        indices.push(barrier.wait(None).unwrap());
                        // Nobody passes before all of this round arrived.
                        assert!(arrivals.load(Ordering::SeqCst) >= (round + 1) * PARTIES);
                    }
                    indices
                })
            })
            .collect();
        let per_thread: Vec<Vec<usize>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        for round in 0..ROUNDS {
            let mut indices: Vec<usize> = per_thread.iter().map(|v| v[round]).collect();
            indices.sort_unstable();
            assert_eq!(indices, (0..PARTIES).collect::<Vec<_>>());
        }
        assert_eq!(barrier.n_waiting(), 0);
    }

    #[test]
    fn a_timeout_breaks_the_barrier_for_everyone_until_reset() {
        let barrier = Arc::new(Barrier::new(3).unwrap());
        let other = {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || barrier.wait(None))
        };
        let_threads_block();
        assert_eq!(barrier.n_waiting(), 1);
        let result = assert_takes(SHORT, || barrier.wait(Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        assert_eq!(other.join().unwrap(), Err(Error::Broken));
        assert!(barrier.is_broken());
        assert_eq!(barrier.wait(None), Err(Error::Broken));
        barrier.reset();
        assert!(!barrier.is_broken());
        assert_eq!(barrier.wait(Some(Duration::ZERO)), Err(Error::WouldBlock));
        assert!(barrier.is_broken());
    }

    #[test]
    fn abort_and_reset_break_waiting_threads() {
        let barrier = Arc::new(Barrier::new(2).unwrap());
        let waiter = |barrier: &Arc<Barrier>| {
            let barrier = Arc::clone(barrier);
            thread::spawn(move || barrier.wait(None))
        };
        let first = waiter(&barrier);
        let_threads_block();
        barrier.reset();
        assert_eq!(first.join().unwrap(), Err(Error::Broken));
        assert!(!barrier.is_broken());
        let second = waiter(&barrier);
        let_threads_block();
        barrier.abort();
        assert_eq!(second.join().unwrap(), Err(Error::Broken));
        barrier.reset();
        // Usable again.
        let third = waiter(&barrier);
        let index = barrier.wait(None).unwrap();
        assert_eq!(index + third.join().unwrap().unwrap(), 1);
        assert_eq!(barrier.parties(), 2);
        assert!(Barrier::new(0).is_err());
        assert_eq!(Barrier::new(1).unwrap().wait(Some(Duration::ZERO)), Ok(0));
    }

    #[test]
    fn closing_wakes_waiters_with_closed() {
        let barrier = Arc::new(Barrier::new(2).unwrap());
        let waiter = {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || barrier.wait(None))
        };
        let_threads_block();
        barrier.close();
        assert_eq!(waiter.join().unwrap(), Err(Error::Closed));
        assert_eq!(barrier.wait(None), Err(Error::Closed));
    }
}
