//! A reentrant lock: its owner may lock it again, and must unlock it as many
//! times as it locked it.
//!
//! An owner is a non-zero 64-bit token. [`current_thread_owner`] gives each OS
//! thread its own token, with the top bit set; callers whose logical threads
//! move between OS threads (Go's goroutines) pass their own tokens, which the
//! C layer keeps below 2^63 so that the two kinds never collide.
//!
//! Invariants:
//! - `owner` is non-zero only while the inner mutex is held, and then it is
//!   the token of the holder; only the holder changes `owner` and `depth`.
//! - `depth` is the owner's count of unmatched locks (>= 1 while owned).
//!
//! Reading `owner` needs no ordering: the only way a thread can see its own
//! token there is if it wrote it itself while holding the lock.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::Mutex;
use crate::{Error, Result};

/// The top bit marks owner tokens given to OS threads.
const THREAD_OWNER_BIT: u64 = 1 << 63;

static NEXT_THREAD_OWNER: AtomicU64 = AtomicU64::new(1);

thread_local! {
    static THREAD_OWNER: Cell<u64> = const { Cell::new(0) };
}

/// The owner token of the calling OS thread: non-zero, top bit set, never
/// shared with another thread of this process.
pub fn current_thread_owner() -> u64 {
    THREAD_OWNER.with(|owner| {
        if owner.get() == 0 {
            owner.set(THREAD_OWNER_BIT | NEXT_THREAD_OWNER.fetch_add(1, Ordering::Relaxed));
        }
        owner.get()
    })
}

/// A lock that its owner may take several times.
#[derive(Debug, Default)]
pub struct ReentrantLock {
    mutex: Mutex,
    owner: AtomicU64,
    depth: AtomicU64,
}

impl ReentrantLock {
    /// An unowned lock.
    pub const fn new() -> Self {
        ReentrantLock {
            mutex: Mutex::new(),
            owner: AtomicU64::new(0),
            depth: AtomicU64::new(0),
        }
    }

    /// Locks for `owner` (non-zero), waiting at most `timeout` when another
    /// owner holds the lock. `Overflow` if the depth would pass `u64::MAX`.
    #[inline]
    pub fn lock(&self, owner: u64, timeout: Option<Duration>) -> Result<()> {
        if owner == 0 {
            return Err(Error::InvalidArgument("the owner token is 0"));
        }
        if self.owner.load(Ordering::Relaxed) == owner {
            let depth = self.depth.load(Ordering::Relaxed);
            let deeper = depth
                .checked_add(1)
                .ok_or(Error::Overflow("reentrant lock depth"))?;
            self.depth.store(deeper, Ordering::Relaxed);
            return Ok(());
        }
        self.mutex.lock(timeout)?;
        self.take_ownership(owner, 1);
        Ok(())
    }

    /// Undoes one lock by `owner`; the lock is free again when the depth
    /// reaches 0. `NotOwner` if `owner` does not hold it.
    #[inline]
    pub fn unlock(&self, owner: u64) -> Result<()> {
        let depth = self.depth_held_by(owner)?;
        if depth > 1 {
            self.depth.store(depth - 1, Ordering::Relaxed);
            Ok(())
        } else {
            self.release_fully()
        }
    }

    /// Whether `owner` holds the lock.
    pub fn is_owned_by(&self, owner: u64) -> bool {
        owner != 0 && self.owner.load(Ordering::Relaxed) == owner
    }

    /// Whether any owner holds the lock.
    pub fn is_locked(&self) -> bool {
        self.mutex.is_locked()
    }

    /// Closes the lock: waiting threads and later lock attempts by
    /// non-owners return `Closed`.
    pub fn close(&self) {
        self.mutex.close();
    }

    /// How many unmatched locks `owner` holds; `NotOwner` if none.
    pub(crate) fn depth_held_by(&self, owner: u64) -> Result<u64> {
        if self.is_owned_by(owner) {
            Ok(self.depth.load(Ordering::Relaxed))
        } else {
            Err(Error::NotOwner)
        }
    }

    /// Frees the lock whatever its depth. Only the owner may call this.
    pub(crate) fn release_fully(&self) -> Result<()> {
        self.depth.store(0, Ordering::Relaxed);
        self.owner.store(0, Ordering::Relaxed);
        self.mutex.unlock()
    }

    /// How many unmatched locks `owner` holds (0 if it does not hold the lock).
    pub fn depth_of(&self, owner: u64) -> u64 {
        self.depth_held_by(owner).unwrap_or(0)
    }

    /// Frees the lock whatever its depth and returns the depth `owner` held,
    /// for [`ReentrantLock::restore`] to give back later (what a
    /// condition variable does around a wait). `NotOwner` if `owner` does not
    /// hold the lock.
    pub fn release_saving(&self, owner: u64) -> Result<u64> {
        let depth = self.depth_held_by(owner)?;
        self.release_fully()?;
        Ok(depth)
    }

    /// Locks for `owner` with `depth` (>= 1) levels at once, waiting at most
    /// `timeout`: undoes [`ReentrantLock::release_saving`] (and, waiting
    /// forever, [`ReentrantLock::release_fully`]). `InvalidArgument` if
    /// `owner` already holds the lock or `depth` is 0.
    pub fn restore(&self, owner: u64, depth: u64, timeout: Option<Duration>) -> Result<()> {
        if owner == 0 || depth == 0 {
            return Err(Error::InvalidArgument(
                "the owner token and depth must not be 0",
            ));
        }
        if self.is_owned_by(owner) {
            return Err(Error::InvalidArgument("the owner already holds the lock"));
        }
        self.mutex.lock(timeout)?;
        self.take_ownership(owner, depth);
        Ok(())
    }

    fn take_ownership(&self, owner: u64, depth: u64) {
        self.depth.store(depth, Ordering::Relaxed);
        self.owner.store(owner, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::sync::test_support::{assert_takes, SHORT};

    #[test]
    fn the_owner_locks_again_and_unlocks_as_often() {
        let lock = ReentrantLock::new();
        let me = current_thread_owner();
        lock.lock(me, None).unwrap();
        lock.lock(me, Some(Duration::ZERO)).unwrap();
        assert!(lock.is_owned_by(me));
        lock.unlock(me).unwrap();
        assert!(lock.is_locked());
        lock.unlock(me).unwrap();
        assert!(!lock.is_locked());
        assert_eq!(lock.unlock(me), Err(Error::NotOwner));
    }

    #[test]
    fn thread_tokens_differ_and_have_the_top_bit() {
        let mine = current_thread_owner();
        let theirs = thread::spawn(current_thread_owner).join().unwrap();
        assert_ne!(mine, theirs);
        assert_eq!(mine, current_thread_owner());
        assert!(mine & THREAD_OWNER_BIT != 0 && theirs & THREAD_OWNER_BIT != 0);
    }

    #[test]
    fn another_owner_can_neither_unlock_nor_lock() {
        let lock = Arc::new(ReentrantLock::new());
        lock.lock(7, None).unwrap();
        assert_eq!(lock.unlock(8), Err(Error::NotOwner));
        assert_eq!(lock.lock(8, Some(Duration::ZERO)), Err(Error::WouldBlock));
        let result = assert_takes(SHORT, || lock.lock(8, Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        assert_eq!(
            lock.lock(0, None),
            Err(Error::InvalidArgument("the owner token is 0"))
        );
        // An explicit token may move between OS threads.
        let other = Arc::clone(&lock);
        thread::spawn(move || other.unlock(7))
            .join()
            .unwrap()
            .unwrap();
        lock.lock(8, Some(Duration::ZERO)).unwrap();
    }

    #[test]
    fn owners_exclude_each_other() {
        let lock = Arc::new(ReentrantLock::new());
        let inside = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (lock, inside) = (Arc::clone(&lock), Arc::clone(&inside));
                thread::spawn(move || {
                    let me = current_thread_owner();
                    for _ in 0..2_000 {
                        lock.lock(me, None).unwrap();
                        lock.lock(me, None).unwrap();
                        assert_eq!(inside.fetch_add(1, Ordering::Relaxed), 0);
                        inside.fetch_sub(1, Ordering::Relaxed);
                        lock.unlock(me).unwrap();
                        lock.unlock(me).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert!(!lock.is_locked());
    }

    #[test]
    fn release_saving_and_restoring_keep_the_depth() {
        let lock = ReentrantLock::new();
        assert_eq!(lock.release_saving(3), Err(Error::NotOwner));
        lock.lock(3, None).unwrap();
        lock.lock(3, None).unwrap();
        assert_eq!(lock.depth_of(3), 2);
        assert_eq!(lock.depth_of(4), 0);
        assert_eq!(lock.release_saving(3), Ok(2));
        assert!(!lock.is_locked());
        lock.lock(4, None).unwrap();
        let result = assert_takes(SHORT, || lock.restore(3, 2, Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        lock.unlock(4).unwrap();
        lock.restore(3, 2, None).unwrap();
        assert!(lock.restore(3, 1, None).is_err());
        assert!(lock.restore(5, 0, None).is_err());
        assert_eq!(lock.depth_of(3), 2);
        lock.unlock(3).unwrap();
        lock.unlock(3).unwrap();
        assert!(!lock.is_locked());
    }

    #[test]
    fn closing_wakes_waiters_with_closed() {
        let lock = Arc::new(ReentrantLock::new());
        lock.lock(1, None).unwrap();
        let waiter = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || lock.lock(2, None))
        };
        crate::sync::test_support::let_threads_block();
        lock.close();
        assert_eq!(waiter.join().unwrap(), Err(Error::Closed));
        lock.unlock(1).unwrap();
    }
}
