//! Locking several mutexes at once without deadlock (bank transfers, dining
//! philosophers).
//!
//! Strategy: try and back off. Block on one mutex, then try to lock the
//! others without waiting; if one is busy, unlock everything taken so far,
//! yield, and start again by blocking on the busy one. A thread never waits
//! while holding a mutex of the set, so two threads locking overlapping sets
//! in any order cannot deadlock, and the set needs no global order. Blocking
//! on the mutex that was busy (rather than always the first) means a retry
//! waits for the real holder instead of spinning.
//!
//! All or nothing: on success every mutex is locked; on any error none of
//! them is locked by this call.

use std::time::Duration;

use super::{has_passed, Mutex};
use crate::time::Deadline;
use crate::{Error, Result};

/// Locks every mutex in `mutexes`, waiting at most `timeout` in all.
/// `InvalidArgument` if a mutex appears twice.
pub fn lock_all(mutexes: &[&Mutex], timeout: Option<Duration>) -> Result<()> {
    check_distinct(mutexes)?;
    if mutexes.is_empty() {
        return Ok(());
    }
    let deadline = Deadline::after(timeout);
    let count = mutexes.len();
    let mut first = 0;
    loop {
        mutexes[first].lock_until(deadline)?;
        let busy = (1..count).find_map(|offset| {
            let index = (first + offset) % count;
            mutexes[index]
                .try_lock()
                .err()
                .map(|error| (offset, index, error))
        });
        let Some((taken, busy_index, error)) = busy else {
            return Ok(());
        };
        for offset in 0..taken {
            // Locked by this call just above, so the unlock succeeds.
            let _ = mutexes[(first + offset) % count].unlock();
        }
        if error != Error::WouldBlock {
            return Err(error);
        }
        if has_passed(deadline) {
            return Err(deadline.expired_error());
        }
        first = busy_index;
        std::thread::yield_now();
    }
}

/// Unlocks every mutex in `mutexes`. `InvalidArgument` (and nothing
/// unlocked) if a mutex appears twice; `NotOwner` if some were not locked,
/// after unlocking all the others.
pub fn unlock_all(mutexes: &[&Mutex]) -> Result<()> {
    check_distinct(mutexes)?;
    let mut result = Ok(());
    for mutex in mutexes {
        if let Err(error) = mutex.unlock() {
            result = Err(error);
        }
    }
    result
}

fn check_distinct(mutexes: &[&Mutex]) -> Result<()> {
    let mut addresses: Vec<*const Mutex> = mutexes.iter().map(|&m| std::ptr::from_ref(m)).collect();
    addresses.sort_unstable();
    if addresses.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(Error::InvalidArgument("the same mutex appears twice"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;
    use crate::sync::test_support::{assert_takes, SHORT};
    use crate::sync::Counter;

    #[test]
    fn locks_all_or_none() {
        let (a, b, c) = (Mutex::new(), Mutex::new(), Mutex::new());
        lock_all(&[&a, &b, &c], Some(Duration::ZERO)).unwrap();
        assert!(a.is_locked() && b.is_locked() && c.is_locked());
        unlock_all(&[&a, &b, &c]).unwrap();
        b.lock(None).unwrap();
        assert_eq!(
            lock_all(&[&a, &b, &c], Some(Duration::ZERO)),
            Err(Error::WouldBlock)
        );
        let result = assert_takes(SHORT, || lock_all(&[&a, &b, &c], Some(SHORT)));
        assert_eq!(result, Err(Error::Timeout));
        assert!(!a.is_locked() && !c.is_locked());
        assert_eq!(unlock_all(&[&a, &b, &c]), Err(Error::NotOwner));
        assert!(!b.is_locked());
        assert!(matches!(
            lock_all(&[&a, &a], None),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            unlock_all(&[&a, &a]),
            Err(Error::InvalidArgument(_))
        ));
        lock_all(&[], None).unwrap();
    }

    #[test]
    fn dining_philosophers_never_deadlock() {
        const SEATS: usize = 5;
        let forks: Arc<Vec<Mutex>> = Arc::new((0..SEATS).map(|_| Mutex::new()).collect());
        let meals = Arc::new(Counter::new(0));
        let philosophers: Vec<_> = (0..SEATS)
            .map(|seat| {
                let (forks, meals) = (Arc::clone(&forks), Arc::clone(&meals));
                thread::spawn(move || {
                    // Every philosopher takes the left fork first: the
                    // classic deadlock, unless both are taken together.
                    let pair = [&forks[seat], &forks[(seat + 1) % SEATS]];
                    for _ in 0..500 {
                        lock_all(&pair, None).unwrap();
                        meals.add(1).unwrap();
                        unlock_all(&pair).unwrap();
                    }
                })
            })
            .collect();
        for philosopher in philosophers {
            philosopher.join().unwrap();
        }
        assert_eq!(meals.load(), (SEATS * 500) as i64);
        assert!(forks.iter().all(|fork| !fork.is_locked()));
    }

    #[test]
    fn a_closed_mutex_fails_the_whole_call() {
        let (a, b) = (Mutex::new(), Mutex::new());
        b.close();
        assert_eq!(lock_all(&[&a, &b], None), Err(Error::Closed));
        assert!(!a.is_locked());
    }
}
