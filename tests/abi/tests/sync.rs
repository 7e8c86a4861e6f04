//! Locks and events through the C declarations: mutex, reentrant lock,
//! read-write lock, semaphores, condition variable, event, barrier, latch and
//! counter, including bad input, timeouts, other threads and closing.

use std::ptr::{null, null_mut};
use std::thread;
use std::time::{Duration, Instant};

use allcore_abi_tests::*;

/// `AC_FOREVER` as the `int64_t` a timeout is.
const AC_FOREVER: i64 = allcore_abi_tests::AC_FOREVER as i64;

/// Creates an object through its `ac_*_new` function.
fn create<T>(new: impl FnOnce(*mut *mut T) -> ac_status) -> *mut T {
    let mut handle = null_mut();
    assert_eq!(new(&mut handle), AC_OK);
    assert!(!handle.is_null());
    handle
}

/// Runs `block` on another thread, frees the object it blocks on once
/// it is asleep, and checks that it woke with AC_CLOSED.
fn closing_wakes_with_closed(
    block: impl FnOnce() -> ac_status + Send + 'static,
    close: impl FnOnce(),
) {
    let waiter = thread::spawn(block);
    thread::sleep(Duration::from_millis(50));
    close();
    assert_eq!(waiter.join().unwrap(), AC_CLOSED);
}

const MS_30: i64 = 30_000_000;

#[test]
fn null_handles_and_outputs_are_reported() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        assert_eq!(ac_mutex_new(null_mut()), AC_NULL_POINTER);
        assert_eq!(ac_mutex_lock(null()), AC_NULL_POINTER);
        assert_eq!(ac_mutex_try_lock(null()), AC_NULL_POINTER);
        assert_eq!(ac_mutex_lock_timeout(null(), 0), AC_NULL_POINTER);
        assert_eq!(ac_mutex_unlock(null()), AC_NULL_POINTER);
        assert_eq!(ac_rlock_lock(null()), AC_NULL_POINTER);
        assert_eq!(ac_rlock_unlock_as(null(), 1), AC_NULL_POINTER);
        assert_eq!(ac_rwlock_read_lock(null()), AC_NULL_POINTER);
        assert_eq!(ac_rwlock_write_unlock(null()), AC_NULL_POINTER);
        assert_eq!(ac_semaphore_acquire(null()), AC_NULL_POINTER);
        assert_eq!(ac_semaphore_post(null()), AC_NULL_POINTER);
        assert_eq!(ac_condition_wait(null(), null(), 0), AC_NULL_POINTER);
        assert_eq!(ac_condition_notify_all(null()), AC_NULL_POINTER);
        assert_eq!(ac_event_wait(null(), 0), AC_NULL_POINTER);
        assert_eq!(ac_barrier_wait(null(), 0, null_mut()), AC_NULL_POINTER);
        assert_eq!(ac_latch_wait(null(), 0), AC_NULL_POINTER);
        assert_eq!(ac_counter_add(null(), 1, null_mut()), AC_NULL_POINTER);
        let mutex = create(|out| ac_mutex_new(out));
        assert_eq!(ac_mutex_is_locked(mutex, null_mut()), AC_NULL_POINTER);
        let counter = create(|out| ac_counter_new(0, out));
        assert_eq!(ac_counter_load(counter, null_mut()), AC_NULL_POINTER);
        assert_eq!(
            ac_counter_compare_exchange(counter, 0, 1, null_mut()),
            AC_NULL_POINTER
        );
        ac_mutex_release(mutex);
        ac_counter_release(counter);
        // Freeing NULL is a no-op.
        ac_mutex_release(null_mut());
        ac_rlock_release(null_mut());
        ac_rwlock_release(null_mut());
        ac_semaphore_release(null_mut());
        ac_condition_release(null_mut());
        ac_event_release(null_mut());
        ac_barrier_release(null_mut());
        ac_latch_release(null_mut());
        ac_counter_release(null_mut());
    }
}

#[test]
fn mutex_lock_unlock_and_timeouts() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let mutex = create(|out| ac_mutex_new(out));
        let mut locked = true;
        assert_eq!(ac_mutex_unlock(mutex), AC_NOT_OWNER);
        assert_eq!(ac_mutex_lock(mutex), AC_OK);
        assert_eq!(ac_mutex_is_locked(mutex, &mut locked), AC_OK);
        assert!(locked);
        assert_eq!(ac_mutex_try_lock(mutex), AC_WOULD_BLOCK);
        assert_eq!(ac_mutex_lock_timeout(mutex, 0), AC_WOULD_BLOCK);
        let start = Instant::now();
        assert_eq!(ac_mutex_lock_timeout(mutex, MS_30), AC_TIMEOUT);
        assert!(start.elapsed() >= Duration::from_millis(30));
        // Another thread may unlock a plain mutex.
        let address = mutex as usize;
        let unlocked = thread::spawn(move || ac_mutex_unlock(address as *const ac_mutex));
        assert_eq!(unlocked.join().unwrap(), AC_OK);
        assert_eq!(ac_mutex_try_lock(mutex), AC_OK);
        assert_eq!(ac_mutex_unlock(mutex), AC_OK);
        ac_mutex_release(mutex);
    }
}

#[test]
fn mutexes_and_counters_lose_no_update() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let mutex = create(|out| ac_mutex_new(out));
        let guarded = create(|out| ac_counter_new(0, out));
        let atomic = create(|out| ac_counter_new(0, out));
        let addresses = (mutex as usize, guarded as usize, atomic as usize);
        let threads: Vec<_> = (0..4)
            .map(|_| {
                thread::spawn(move || {
                    let mutex = addresses.0 as *const ac_mutex;
                    let guarded = addresses.1 as *const ac_counter;
                    let atomic = addresses.2 as *const ac_counter;
                    for _ in 0..5_000 {
                        assert_eq!(ac_mutex_lock(mutex), AC_OK);
                        let mut value = 0;
                        assert_eq!(ac_counter_load(guarded, &mut value), AC_OK);
                        // A plain read-modify-write, safe only under the mutex.
                        assert_eq!(ac_counter_store(guarded, value + 1), AC_OK);
                        assert_eq!(ac_mutex_unlock(mutex), AC_OK);
                        assert_eq!(ac_counter_add(atomic, 1, null_mut()), AC_OK);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        for counter in [guarded, atomic] {
            let mut value = 0;
            assert_eq!(ac_counter_load(counter, &mut value), AC_OK);
            assert_eq!(value, 4 * 5_000);
            ac_counter_release(counter);
        }
        ac_mutex_release(mutex);
    }
}

#[test]
fn lock_all_is_all_or_nothing() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let mutexes = [
            create(|out| ac_mutex_new(out)),
            create(|out| ac_mutex_new(out)),
            create(|out| ac_mutex_new(out)),
        ];
        assert_eq!(ac_mutex_lock_all(mutexes.as_ptr(), 3, AC_FOREVER), AC_OK);
        // Locking the same set again cannot succeed; nothing more is taken.
        assert_eq!(ac_mutex_lock_all(mutexes.as_ptr(), 3, 0), AC_WOULD_BLOCK);
        assert_eq!(ac_mutex_lock_all(mutexes.as_ptr(), 3, MS_30), AC_TIMEOUT);
        assert_eq!(ac_mutex_unlock_all(mutexes.as_ptr(), 3), AC_OK);
        assert_eq!(ac_mutex_unlock_all(mutexes.as_ptr(), 3), AC_NOT_OWNER);
        assert_eq!(ac_mutex_lock(mutexes[1]), AC_OK);
        assert_eq!(ac_mutex_lock_all(mutexes.as_ptr(), 3, 0), AC_WOULD_BLOCK);
        let mut locked = true;
        assert_eq!(ac_mutex_is_locked(mutexes[0], &mut locked), AC_OK);
        assert!(!locked);
        assert_eq!(ac_mutex_unlock(mutexes[1]), AC_OK);
        let twice = [mutexes[0], mutexes[0]];
        assert_eq!(ac_mutex_lock_all(twice.as_ptr(), 2, 0), AC_INVALID_ARGUMENT);
        assert_eq!(ac_mutex_unlock_all(twice.as_ptr(), 2), AC_INVALID_ARGUMENT);
        let with_null = [mutexes[0], null_mut()];
        assert_eq!(ac_mutex_lock_all(with_null.as_ptr(), 2, 0), AC_NULL_POINTER);
        assert_eq!(ac_mutex_lock_all(null(), 2, 0), AC_NULL_POINTER);
        assert_eq!(ac_mutex_lock_all(null(), 0, 0), AC_OK);
        for mutex in mutexes {
            ac_mutex_release(mutex);
        }
    }
}

#[test]
fn rlock_owners_by_thread_and_by_token() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let rlock = create(|out| ac_rlock_new(out));
        let mut owned = false;
        assert_eq!(ac_rlock_unlock(rlock), AC_NOT_OWNER);
        assert_eq!(ac_rlock_lock(rlock), AC_OK);
        assert_eq!(ac_rlock_try_lock(rlock), AC_OK);
        assert_eq!(ac_rlock_is_owned(rlock, &mut owned), AC_OK);
        assert!(owned);
        let address = rlock as usize;
        let other = thread::spawn(move || {
            let rlock = address as *const ac_rlock;
            (ac_rlock_unlock(rlock), ac_rlock_lock_timeout(rlock, MS_30))
        });
        assert_eq!(other.join().unwrap(), (AC_NOT_OWNER, AC_TIMEOUT));
        assert_eq!(ac_rlock_unlock(rlock), AC_OK);
        assert_eq!(ac_rlock_unlock(rlock), AC_OK);
        assert_eq!(ac_rlock_is_owned(rlock, &mut owned), AC_OK);
        assert!(!owned);

        assert_eq!(ac_rlock_lock_as(rlock, 0, 0), AC_INVALID_ARGUMENT);
        assert_eq!(ac_rlock_lock_as(rlock, 1 << 63, 0), AC_INVALID_ARGUMENT);
        assert_eq!(ac_rlock_unlock_as(rlock, 0), AC_INVALID_ARGUMENT);
        assert_eq!(ac_rlock_lock_as(rlock, 42, AC_FOREVER), AC_OK);
        assert_eq!(ac_rlock_lock_as(rlock, 42, 0), AC_OK);
        // The calling thread is not owner 42.
        assert_eq!(ac_rlock_try_lock(rlock), AC_WOULD_BLOCK);
        assert_eq!(ac_rlock_unlock(rlock), AC_NOT_OWNER);
        assert_eq!(ac_rlock_unlock_as(rlock, 43), AC_NOT_OWNER);
        // A token may unlock from another OS thread.
        let other = thread::spawn(move || {
            let rlock = address as *const ac_rlock;
            (ac_rlock_unlock_as(rlock, 42), ac_rlock_unlock_as(rlock, 42))
        });
        assert_eq!(other.join().unwrap(), (AC_OK, AC_OK));
        assert_eq!(ac_rlock_try_lock(rlock), AC_OK);
        assert_eq!(ac_rlock_unlock(rlock), AC_OK);
        ac_rlock_release(rlock);
    }
}

#[test]
fn rlock_counts_saves_and_restores_its_depth() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let rlock = create(|out| ac_rlock_new(out));
        let (mut locked, mut count, mut depth) = (true, -1, -1);
        assert_eq!(ac_rlock_is_locked(rlock, &mut locked), AC_OK);
        assert!(!locked);
        assert_eq!(ac_rlock_count(rlock, &mut count), AC_OK);
        assert_eq!(count, 0);
        assert_eq!(ac_rlock_unlock_save(rlock, &mut depth), AC_NOT_OWNER);
        assert_eq!(ac_rlock_lock(rlock), AC_OK);
        assert_eq!(ac_rlock_lock(rlock), AC_OK);
        assert_eq!(ac_rlock_count(rlock, &mut count), AC_OK);
        assert_eq!(count, 2);
        assert_eq!(ac_rlock_lock_restore(rlock, 1, 0), AC_INVALID_ARGUMENT);
        assert_eq!(ac_rlock_unlock_save(rlock, null_mut()), AC_NULL_POINTER);
        assert_eq!(ac_rlock_unlock_save(rlock, &mut depth), AC_OK);
        assert_eq!(depth, 2);
        assert_eq!(ac_rlock_is_locked(rlock, &mut locked), AC_OK);
        assert!(!locked);
        let address = rlock as usize;
        let other = thread::spawn(move || {
            let rlock = address as *const ac_rlock;
            let mut count = -1;
            let locked = ac_rlock_lock(rlock);
            let counted = ac_rlock_count(rlock, &mut count);
            let mut owner_locked = false;
            ac_rlock_is_locked(rlock, &mut owner_locked);
            (locked, counted, count, owner_locked, ac_rlock_unlock(rlock))
        });
        assert_eq!(other.join().unwrap(), (AC_OK, AC_OK, 1, true, AC_OK));
        assert_eq!(ac_rlock_lock_restore(rlock, 0, 0), AC_INVALID_ARGUMENT);
        assert_eq!(ac_rlock_lock_restore(rlock, depth, AC_FOREVER), AC_OK);
        assert_eq!(ac_rlock_count(rlock, &mut count), AC_OK);
        assert_eq!(count, 2);
        let other = thread::spawn(move || {
            let rlock = address as *const ac_rlock;
            let mut count = -1;
            ac_rlock_count(rlock, &mut count);
            (count, ac_rlock_lock_restore(rlock, 1, MS_30))
        });
        assert_eq!(other.join().unwrap(), (0, AC_TIMEOUT));
        assert_eq!(ac_rlock_unlock(rlock), AC_OK);
        assert_eq!(ac_rlock_unlock(rlock), AC_OK);
        assert_eq!(ac_rlock_count(null(), &mut count), AC_NULL_POINTER);
        ac_rlock_release(rlock);
    }
}

#[test]
fn rwlock_modes_and_unheld_unlocks() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let rwlock = create(|out| ac_rwlock_new(out));
        assert_eq!(ac_rwlock_read_unlock(rwlock), AC_NOT_OWNER);
        assert_eq!(ac_rwlock_write_unlock(rwlock), AC_NOT_OWNER);
        assert_eq!(ac_rwlock_read_lock(rwlock), AC_OK);
        assert_eq!(ac_rwlock_try_read_lock(rwlock), AC_OK);
        assert_eq!(ac_rwlock_try_write_lock(rwlock), AC_WOULD_BLOCK);
        assert_eq!(ac_rwlock_write_lock_timeout(rwlock, MS_30), AC_TIMEOUT);
        assert_eq!(ac_rwlock_read_unlock(rwlock), AC_OK);
        assert_eq!(ac_rwlock_read_unlock(rwlock), AC_OK);
        assert_eq!(ac_rwlock_write_lock(rwlock), AC_OK);
        assert_eq!(ac_rwlock_read_lock_timeout(rwlock, 0), AC_WOULD_BLOCK);
        assert_eq!(ac_rwlock_read_lock_timeout(rwlock, MS_30), AC_TIMEOUT);
        assert_eq!(ac_rwlock_write_unlock(rwlock), AC_OK);
        ac_rwlock_release(rwlock);
    }
}

#[test]
fn semaphore_counts_and_bad_counts() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let mut semaphore = null_mut();
        assert_eq!(ac_semaphore_new(-1, &mut semaphore), AC_INVALID_ARGUMENT);
        assert_eq!(
            ac_semaphore_new_bounded(-1, &mut semaphore),
            AC_INVALID_ARGUMENT
        );
        let semaphore = create(|out| ac_semaphore_new(1, out));
        assert_eq!(ac_semaphore_acquire_n(semaphore, 0, 0), AC_INVALID_ARGUMENT);
        assert_eq!(
            ac_semaphore_acquire_n(semaphore, -3, 0),
            AC_INVALID_ARGUMENT
        );
        assert_eq!(ac_semaphore_post_n(semaphore, 0), AC_INVALID_ARGUMENT);
        assert_eq!(ac_semaphore_post_n(semaphore, -1), AC_INVALID_ARGUMENT);
        assert_eq!(ac_semaphore_acquire(semaphore), AC_OK);
        assert_eq!(ac_semaphore_try_acquire(semaphore), AC_WOULD_BLOCK);
        assert_eq!(ac_semaphore_acquire_timeout(semaphore, MS_30), AC_TIMEOUT);
        assert_eq!(ac_semaphore_post_n(semaphore, 3), AC_OK);
        assert_eq!(ac_semaphore_acquire_n(semaphore, 3, 0), AC_OK);
        assert_eq!(ac_semaphore_post_n(semaphore, i64::MAX), AC_OK);
        assert_eq!(ac_semaphore_post(semaphore), AC_OVERFLOW);
        assert_eq!(ac_semaphore_acquire_n(semaphore, i64::MAX, 0), AC_OK);
        let mut value = -1;
        assert_eq!(ac_semaphore_value(semaphore, &mut value), AC_OK);
        assert_eq!(value, 0);
        ac_semaphore_release(semaphore);

        let bounded = create(|out| ac_semaphore_new_bounded(2, out));
        assert_eq!(ac_semaphore_post(bounded), AC_OVERFLOW);
        assert_eq!(ac_semaphore_acquire_n(bounded, 2, AC_FOREVER), AC_OK);
        assert_eq!(ac_semaphore_post_n(bounded, 3), AC_OVERFLOW);
        assert_eq!(ac_semaphore_post_n(bounded, 2), AC_OK);
        assert_eq!(ac_semaphore_value(bounded, &mut value), AC_OK);
        assert_eq!(value, 2);
        ac_semaphore_release(bounded);
    }
}

#[test]
fn condition_wait_needs_the_mutex_and_returns_holding_it() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let condition = create(|out| ac_condition_new(out));
        let mutex = create(|out| ac_mutex_new(out));
        assert_eq!(ac_condition_wait(condition, mutex, MS_30), AC_NOT_OWNER);
        assert_eq!(ac_mutex_lock(mutex), AC_OK);
        assert_eq!(ac_condition_wait(condition, mutex, 0), AC_WOULD_BLOCK);
        assert_eq!(ac_condition_wait(condition, mutex, MS_30), AC_TIMEOUT);
        let mut locked = false;
        assert_eq!(ac_mutex_is_locked(mutex, &mut locked), AC_OK);
        assert!(locked);
        assert_eq!(ac_condition_notify(condition, -1), AC_INVALID_ARGUMENT);
        assert_eq!(ac_condition_notify(condition, 0), AC_OK);
        let (condition_address, mutex_address) = (condition as usize, mutex as usize);
        let notifier = thread::spawn(move || {
            let mutex = mutex_address as *const ac_mutex;
            // Succeeds only once the waiter has released the mutex.
            assert_eq!(ac_mutex_lock(mutex), AC_OK);
            assert_eq!(
                ac_condition_notify(condition_address as *const ac_condition, 1),
                AC_OK
            );
            assert_eq!(ac_mutex_unlock(mutex), AC_OK);
        });
        assert_eq!(ac_condition_wait(condition, mutex, AC_FOREVER), AC_OK);
        notifier.join().unwrap();
        assert_eq!(ac_mutex_unlock(mutex), AC_OK);

        let rlock = create(|out| ac_rlock_new(out));
        assert_eq!(
            ac_condition_wait_rlock(condition, rlock, MS_30),
            AC_NOT_OWNER
        );
        assert_eq!(ac_rlock_lock(rlock), AC_OK);
        assert_eq!(ac_rlock_lock(rlock), AC_OK);
        assert_eq!(ac_condition_wait_rlock(condition, rlock, MS_30), AC_TIMEOUT);
        assert_eq!(ac_rlock_unlock(rlock), AC_OK);
        assert_eq!(ac_rlock_unlock(rlock), AC_OK);
        assert_eq!(ac_rlock_unlock(rlock), AC_NOT_OWNER);
        ac_rlock_release(rlock);
        ac_condition_release(condition);
        ac_mutex_release(mutex);
    }
}

#[test]
fn event_latch_barrier_and_counter_basics() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let event = create(|out| ac_event_new(out));
        let mut set = true;
        assert_eq!(ac_event_is_set(event, &mut set), AC_OK);
        assert!(!set);
        assert_eq!(ac_event_wait(event, 0), AC_WOULD_BLOCK);
        assert_eq!(ac_event_wait(event, MS_30), AC_TIMEOUT);
        assert_eq!(ac_event_set(event), AC_OK);
        assert_eq!(ac_event_wait(event, AC_FOREVER), AC_OK);
        assert_eq!(ac_event_clear(event), AC_OK);
        assert_eq!(ac_event_is_set(event, &mut set), AC_OK);
        assert!(!set);
        ac_event_release(event);

        let mut latch = null_mut();
        assert_eq!(ac_latch_new(-1, &mut latch), AC_INVALID_ARGUMENT);
        let latch = create(|out| ac_latch_new(2, out));
        assert_eq!(ac_latch_count_down(latch, 0), AC_INVALID_ARGUMENT);
        assert_eq!(ac_latch_count_down(latch, -1), AC_INVALID_ARGUMENT);
        assert_eq!(ac_latch_wait(latch, 0), AC_WOULD_BLOCK);
        assert_eq!(ac_latch_count_down(latch, 1), AC_OK);
        let mut count = 0;
        assert_eq!(ac_latch_count(latch, &mut count), AC_OK);
        assert_eq!(count, 1);
        assert_eq!(ac_latch_count_down(latch, 5), AC_OK);
        assert_eq!(ac_latch_wait(latch, AC_FOREVER), AC_OK);
        ac_latch_release(latch);

        let mut barrier = null_mut();
        assert_eq!(ac_barrier_new(0, &mut barrier), AC_INVALID_ARGUMENT);
        assert_eq!(ac_barrier_new(-2, &mut barrier), AC_INVALID_ARGUMENT);
        let single = create(|out| ac_barrier_new(1, out));
        let mut index = -1;
        assert_eq!(ac_barrier_wait(single, 0, &mut index), AC_OK);
        assert_eq!(index, 0);
        ac_barrier_release(single);
        let barrier = create(|out| ac_barrier_new(2, out));
        let mut value = 0;
        assert_eq!(ac_barrier_parties(barrier, &mut value), AC_OK);
        assert_eq!(value, 2);
        assert_eq!(ac_barrier_wait(barrier, MS_30, null_mut()), AC_TIMEOUT);
        let mut broken = false;
        assert_eq!(ac_barrier_is_broken(barrier, &mut broken), AC_OK);
        assert!(broken);
        assert_eq!(ac_barrier_wait(barrier, MS_30, null_mut()), AC_BROKEN);
        assert_eq!(ac_barrier_reset(barrier), AC_OK);
        let address = barrier as usize;
        let partner = thread::spawn(move || {
            let mut index = -1;
            let status = ac_barrier_wait(address as *const ac_barrier, AC_FOREVER, &mut index);
            (status, index)
        });
        thread::sleep(Duration::from_millis(50));
        assert_eq!(ac_barrier_n_waiting(barrier, &mut value), AC_OK);
        assert_eq!(value, 1);
        assert_eq!(ac_barrier_wait(barrier, AC_FOREVER, &mut index), AC_OK);
        let (status, partner_index) = partner.join().unwrap();
        assert_eq!(status, AC_OK);
        assert_eq!(index + partner_index, 1);
        assert_eq!(ac_barrier_abort(barrier), AC_OK);
        assert_eq!(ac_barrier_wait(barrier, 0, null_mut()), AC_BROKEN);
        ac_barrier_release(barrier);

        let counter = create(|out| ac_counter_new(i64::MAX - 1, out));
        let mut value = 0;
        assert_eq!(ac_counter_add(counter, 1, &mut value), AC_OK);
        assert_eq!(value, i64::MAX);
        assert_eq!(ac_counter_add(counter, 1, &mut value), AC_OVERFLOW);
        assert_eq!(
            ac_counter_compare_exchange(counter, 0, 5, &mut value),
            AC_OK
        );
        assert_eq!(value, i64::MAX);
        assert_eq!(
            ac_counter_compare_exchange(counter, i64::MAX, 5, &mut value),
            AC_OK
        );
        assert_eq!(ac_counter_load(counter, &mut value), AC_OK);
        assert_eq!(value, 5);
        ac_counter_release(counter);
    }
}

#[test]
fn closing_a_primitive_wakes_its_waiters_with_closed() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let mutex = create(|out| ac_mutex_new(out)) as usize;
        assert_eq!(ac_mutex_lock(mutex as *const ac_mutex), AC_OK);
        closing_wakes_with_closed(
            move || ac_mutex_lock(mutex as *const ac_mutex),
            || {
                assert_eq!(ac_mutex_close(mutex as *const ac_mutex), AC_OK);
                ac_mutex_release(mutex as *mut ac_mutex);
            },
        );

        let rlock = create(|out| ac_rlock_new(out)) as usize;
        assert_eq!(ac_rlock_lock_as(rlock as *const ac_rlock, 1, 0), AC_OK);
        closing_wakes_with_closed(
            move || ac_rlock_lock(rlock as *const ac_rlock),
            || {
                assert_eq!(ac_rlock_close(rlock as *const ac_rlock), AC_OK);
                ac_rlock_release(rlock as *mut ac_rlock);
            },
        );

        let rwlock = create(|out| ac_rwlock_new(out)) as usize;
        assert_eq!(ac_rwlock_read_lock(rwlock as *const ac_rwlock), AC_OK);
        closing_wakes_with_closed(
            move || ac_rwlock_write_lock(rwlock as *const ac_rwlock),
            || {
                assert_eq!(ac_rwlock_close(rwlock as *const ac_rwlock), AC_OK);
                ac_rwlock_release(rwlock as *mut ac_rwlock);
            },
        );

        let semaphore = create(|out| ac_semaphore_new(0, out)) as usize;
        closing_wakes_with_closed(
            move || ac_semaphore_acquire(semaphore as *const ac_semaphore),
            || {
                assert_eq!(ac_semaphore_close(semaphore as *const ac_semaphore), AC_OK);
                ac_semaphore_release(semaphore as *mut ac_semaphore);
            },
        );

        let event = create(|out| ac_event_new(out)) as usize;
        closing_wakes_with_closed(
            move || ac_event_wait(event as *const ac_event, AC_FOREVER),
            || {
                assert_eq!(ac_event_close(event as *const ac_event), AC_OK);
                ac_event_release(event as *mut ac_event);
            },
        );

        let latch = create(|out| ac_latch_new(1, out)) as usize;
        closing_wakes_with_closed(
            move || ac_latch_wait(latch as *const ac_latch, AC_FOREVER),
            || {
                assert_eq!(ac_latch_close(latch as *const ac_latch), AC_OK);
                ac_latch_release(latch as *mut ac_latch);
            },
        );

        let barrier = create(|out| ac_barrier_new(2, out)) as usize;
        closing_wakes_with_closed(
            move || {
                let barrier = barrier as *const ac_barrier;
                ac_barrier_wait(barrier, AC_FOREVER, null_mut())
            },
            || {
                assert_eq!(ac_barrier_close(barrier as *const ac_barrier), AC_OK);
                ac_barrier_release(barrier as *mut ac_barrier);
            },
        );

        let condition = create(|out| ac_condition_new(out)) as usize;
        let mutex = create(|out| ac_mutex_new(out)) as usize;
        closing_wakes_with_closed(
            move || {
                let mutex = mutex as *const ac_mutex;
                assert_eq!(ac_mutex_lock(mutex), AC_OK);
                let condition = condition as *const ac_condition;
                let status = ac_condition_wait(condition, mutex, AC_FOREVER);
                // The waiter holds the mutex again, even on AC_CLOSED.
                assert_eq!(ac_mutex_unlock(mutex), AC_OK);
                status
            },
            || {
                assert_eq!(ac_condition_close(condition as *const ac_condition), AC_OK);
                ac_condition_release(condition as *mut ac_condition);
            },
        );
        ac_mutex_release(mutex as *mut ac_mutex);
    }
}
