//! The robust lock every shared-memory object builds on.
//!
//! Invariants: `word` is 0 when free, else the holder's pid, with
//! [`WAITERS`] set whenever a waiter may sleep on it. `start` and `tid`
//! describe the holder; `start` is 0 while they are being written (a
//! liveness check then trusts the pid alone). Unlocking clears them before
//! freeing the word. `closed` is never cleared: once set, every lock
//! attempt returns `Closed` (unlocking still works).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

use super::identity::{alive, me};
use super::{futex, Acquired, SLICE};
use crate::time::Deadline;
use crate::{Error, Result};

/// Polls of a held lock before its waiter sleeps.
const SPINS: u32 = 100;

/// Set in `word` when a waiter may be sleeping on it.
const WAITERS: u32 = 1 << 31;

/// A lock living in shared memory (all zeros = unlocked).
#[repr(C)]
pub(crate) struct RawLock {
    word: AtomicU32,
    tid: AtomicU32,
    start: AtomicU64,
    closed: AtomicU32,
}

impl RawLock {
    fn claimed(&self, tid: u32, start: u64) {
        self.tid.store(tid, Ordering::Relaxed);
        self.start.store(start, Ordering::Relaxed);
    }

    /// Closes the lock: waiters in every process (within a wait slice) and
    /// later lock attempts return `Closed`. The holder may still unlock.
    pub(crate) fn close(&self) {
        self.closed.store(1, Ordering::SeqCst);
        futex::wake(&self.word, i32::MAX);
    }

    fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::SeqCst) != 0 {
            return Err(Error::Closed);
        }
        Ok(())
    }

    /// Takes the lock if it is free; else, when its holder died, takes it
    /// over. `WouldBlock` when a live holder has it, `Closed` once closed.
    pub(crate) fn try_lock(&self) -> Result<Acquired> {
        self.check_open()?;
        let me = me();
        if self
            .word
            .compare_exchange(0, me.pid, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            self.claimed(me.tid, me.start);
            return Ok(Acquired::Clean);
        }
        let seen = self.word.load(Ordering::Relaxed);
        if self.take_over_if_dead(seen) {
            Ok(Acquired::OwnerDied)
        } else {
            Err(Error::WouldBlock)
        }
    }

    /// Takes the lock from a dead holder seen as `seen`.
    fn take_over_if_dead(&self, seen: u32) -> bool {
        let pid = seen & !WAITERS;
        if pid == 0 || alive(pid, self.start.load(Ordering::Relaxed)) {
            return false;
        }
        let me = me();
        if self
            .word
            .compare_exchange(
                seen,
                me.pid | (seen & WAITERS),
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_ok()
        {
            self.claimed(me.tid, me.start);
            return true;
        }
        false
    }

    /// Takes the lock, waiting until `deadline`; `Closed` once closed.
    pub(crate) fn lock(&self, deadline: Deadline) -> Result<Acquired> {
        self.check_open()?;
        let me = me();
        if self
            .word
            .compare_exchange(0, me.pid, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            self.claimed(me.tid, me.start);
            return Ok(Acquired::Clean);
        }
        // A holder keeps the lock for a copy: spin briefly before sleeping.
        for _ in 0..SPINS {
            std::hint::spin_loop();
            if self.word.load(Ordering::Relaxed) == 0
                && self
                    .word
                    .compare_exchange(0, me.pid, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                self.claimed(me.tid, me.start);
                return Ok(Acquired::Clean);
            }
        }
        loop {
            self.check_open()?;
            let seen = self.word.load(Ordering::Relaxed);
            if seen == 0 {
                // Keep WAITERS: others may still sleep behind us.
                if self
                    .word
                    .compare_exchange(0, me.pid | WAITERS, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    self.claimed(me.tid, me.start);
                    return Ok(Acquired::Clean);
                }
                continue;
            }
            if seen & WAITERS == 0
                && self
                    .word
                    .compare_exchange(seen, seen | WAITERS, Ordering::Relaxed, Ordering::Relaxed)
                    .is_err()
            {
                continue;
            }
            let slice = match deadline.remaining() {
                Some(left) if left.is_zero() => {
                    return if self.take_over_if_dead(seen | WAITERS) {
                        Ok(Acquired::OwnerDied)
                    } else {
                        Err(deadline.expired_error())
                    };
                }
                Some(left) => left.min(SLICE),
                None => SLICE,
            };
            let began = Instant::now();
            futex::wait(&self.word, seen | WAITERS, Some(slice));
            if began.elapsed() >= slice
                && self.word.load(Ordering::Relaxed) == seen | WAITERS
                && self.take_over_if_dead(seen | WAITERS)
            {
                return Ok(Acquired::OwnerDied);
            }
        }
    }

    /// Frees the lock (whoever calls). `NotOwner` when it is not locked.
    pub(crate) fn unlock(&self) -> Result<()> {
        if self.word.load(Ordering::Relaxed) == 0 {
            return Err(Error::NotOwner);
        }
        self.start.store(0, Ordering::Relaxed);
        self.tid.store(0, Ordering::Relaxed);
        let previous = self.word.swap(0, Ordering::Release);
        if previous & WAITERS != 0 {
            futex::wake(&self.word, 1);
        }
        Ok(())
    }

    pub(crate) fn is_locked(&self) -> bool {
        self.word.load(Ordering::Relaxed) != 0
    }

    /// Whether the calling thread holds the lock.
    pub(crate) fn held_by_me(&self) -> bool {
        let me = me();
        self.word.load(Ordering::Relaxed) & !WAITERS == me.pid
            && self.tid.load(Ordering::Relaxed) == me.tid
    }
}
