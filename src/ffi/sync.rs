//! Locks and events: mutex, reentrant lock, read-write lock, semaphores,
//! condition variable, event, barrier, count-down latch and atomic counter.
//!
//! Hot calls (`ac_mutex_lock`, `ac_mutex_unlock`, ...) take as few arguments
//! as possible and touch no reference count when they need not wait: they
//! borrow the object, whose handle's own reference keeps it alive, which is
//! why freeing an object while a call on it is starting is the caller's bug
//! (as with `pthread_mutex_destroy`). A call that must wait holds a strong
//! reference of its own while it waits, so the memory outlives it (see
//! [`handle`]).
//!
//! Counts are `int64_t` so that a negative value from any language is
//! reported (AC_INVALID_ARGUMENT) rather than wrapped.

use super::boundary;
use super::handle::{self, hold, object, out, slice, try_then_wait, write_optional, Handle};
use super::status::ac_status;
use super::timeout;
use crate::sync::{
    self, current_thread_owner, Barrier, Condition, Counter, Event, Latch, Mutex, ReentrantLock,
    RwLock, Semaphore,
};
use crate::{Error, Result};

/// A mutex (Python's `threading.Lock`, Go's `sync.Mutex`): not reentrant,
/// and any thread may unlock it. Create with `ac_mutex_new`, release with
/// `ac_mutex_release`.
pub struct ac_mutex {
    _private: [u8; 0],
}

object!(ac_mutex, Mutex, |mutex| mutex.close());

/// A reentrant lock (Python's `threading.RLock`): its owner may lock it
/// again and must unlock it as many times. Create with `ac_rlock_new`,
/// release with `ac_rlock_release`.
pub struct ac_rlock {
    _private: [u8; 0],
}

object!(ac_rlock, ReentrantLock, |rlock| rlock.close());

/// A read-write lock: many readers or one writer. Create with
/// `ac_rwlock_new`, release with `ac_rwlock_release`.
pub struct ac_rwlock {
    _private: [u8; 0],
}

object!(ac_rwlock, RwLock, |rwlock| rwlock.close());

/// A counting semaphore, optionally bounded. Create with
/// `ac_semaphore_new` or `ac_semaphore_new_bounded`, release with
/// `ac_semaphore_release`.
pub struct ac_semaphore {
    _private: [u8; 0],
}

object!(ac_semaphore, Semaphore, |semaphore| semaphore.close());

/// A condition variable used with an `ac_mutex` or an `ac_rlock`. Create
/// with `ac_condition_new`, release with `ac_condition_release`.
pub struct ac_condition {
    _private: [u8; 0],
}

object!(ac_condition, Condition, |condition| condition.close());

/// An event flag (Python's `threading.Event`). Create with `ac_event_new`,
/// release with `ac_event_release`.
pub struct ac_event {
    _private: [u8; 0],
}

object!(ac_event, Event, |event| event.close());

/// A cyclic barrier (Python's `threading.Barrier`). Create with
/// `ac_barrier_new`, release with `ac_barrier_release`.
pub struct ac_barrier {
    _private: [u8; 0],
}

object!(ac_barrier, Barrier, |barrier| barrier.close());

/// A count-down latch: waiters are released when the count reaches zero.
/// Create with `ac_latch_new`, release with `ac_latch_release`.
pub struct ac_latch {
    _private: [u8; 0],
}

object!(ac_latch, Latch, |latch| latch.close());

/// An atomic 64-bit counter. Create with `ac_counter_new`, release with
/// `ac_counter_release`.
pub struct ac_counter {
    _private: [u8; 0],
}

object!(ac_counter, Counter, |_counter| {});

/// A count that must be at least 1.
fn positive(n: i64) -> Result<u64> {
    u64::try_from(n)
        .ok()
        .filter(|&n| n >= 1)
        .ok_or(Error::InvalidArgument("the count must be at least 1"))
}

/// A count that must not be negative.
fn non_negative(n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| Error::InvalidArgument("the count is negative"))
}

/// An owner token passed by the caller: 1 to INT64_MAX (larger values are
/// reserved for the tokens of OS threads).
fn explicit_owner(owner: u64) -> Result<u64> {
    if owner == 0 || owner > i64::MAX as u64 {
        return Err(Error::InvalidArgument(
            "an owner token must be between 1 and INT64_MAX",
        ));
    }
    Ok(owner)
}

/// A count reported to C (never above INT64_MAX by construction).
fn to_c(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

// ---------------------------------------------------------------- mutex

/// Creates an unlocked mutex and writes it to `out_mutex`.
#[no_mangle]
pub extern "C" fn ac_mutex_new(out_mutex: *mut *mut ac_mutex) -> ac_status {
    boundary::status(|| {
        let slot = out(out_mutex)?;
        *slot = ac_mutex::into_raw(Default::default());
        Ok(())
    })
}

/// Adds a reference to the mutex and returns `mutex` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_mutex_retain(mutex: *mut ac_mutex) -> *mut ac_mutex {
    handle::retain(mutex)
}

/// Drops one reference to the mutex; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_mutex_release(mutex: *mut ac_mutex) {
    handle::release(mutex)
}

/// Closes the mutex: threads blocked on it wake with AC_CLOSED and
/// later blocking calls return AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_mutex_close(mutex: *const ac_mutex) -> ac_status {
    handle::close(mutex)
}

#[inline(always)]
fn lock_mutex(mutex: *const ac_mutex, timeout_ns: i64) -> ac_status {
    boundary::status(|| try_then_wait(mutex, timeout(timeout_ns), Mutex::lock))
}

/// Locks the mutex, blocking as long as it takes. Returns AC_CLOSED if the
/// mutex is freed while waiting. Locking a mutex the caller already holds
/// blocks forever (it is not reentrant; see `ac_rlock`).
#[no_mangle]
pub extern "C" fn ac_mutex_lock(mutex: *const ac_mutex) -> ac_status {
    lock_mutex(mutex, super::AC_FOREVER)
}

/// Locks the mutex if it is free; never blocks. Returns AC_WOULD_BLOCK if it
/// is locked.
#[no_mangle]
pub extern "C" fn ac_mutex_try_lock(mutex: *const ac_mutex) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_mutex::borrow(mutex) }?.try_lock()
    })
}

/// Locks the mutex, blocking at most `timeout_ns` (AC_FOREVER: no limit; 0:
/// never blocks). Returns AC_TIMEOUT or AC_WOULD_BLOCK when it gives up,
/// AC_CLOSED if the mutex is freed while waiting.
#[no_mangle]
pub extern "C" fn ac_mutex_lock_timeout(mutex: *const ac_mutex, timeout_ns: i64) -> ac_status {
    lock_mutex(mutex, timeout_ns)
}

/// Unlocks the mutex, waking one waiter if any. Any thread may unlock it
/// (as with Python's `threading.Lock`). Returns AC_NOT_OWNER if it is not
/// locked. Never blocks.
#[no_mangle]
pub extern "C" fn ac_mutex_unlock(mutex: *const ac_mutex) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_mutex::borrow(mutex) }?.unlock()
    })
}

/// Writes whether some thread holds the mutex to `out_locked`.
#[no_mangle]
pub extern "C" fn ac_mutex_is_locked(mutex: *const ac_mutex, out_locked: *mut bool) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let mutex = unsafe { ac_mutex::borrow(mutex) }?;
        *out(out_locked)? = mutex.is_locked();
        Ok(())
    })
}

/// Locks all `count` mutexes of the array `mutexes`, or none: never
/// deadlocks with other threads doing the same over overlapping sets, in any
/// order (for bank transfers, dining philosophers). It blocks on one mutex
/// at a time while holding none of the others, and backs off (unlocking
/// what it took) whenever another is busy. Blocks at most `timeout_ns` in
/// all; on AC_TIMEOUT, AC_WOULD_BLOCK or AC_CLOSED (one of them was freed)
/// none of the mutexes is locked by this call. Returns AC_INVALID_ARGUMENT
/// if a mutex appears twice, AC_NULL_POINTER if the array or an entry is
/// NULL. `count` 0 succeeds at once.
#[no_mangle]
pub extern "C" fn ac_mutex_lock_all(
    mutexes: *const *mut ac_mutex,
    count: usize,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        let handles = slice(mutexes, count)?;
        let objects = handles
            .iter()
            .map(|&handle| hold(handle))
            .collect::<Result<Vec<_>>>()?;
        let borrowed: Vec<&Mutex> = objects.iter().map(|object| &**object).collect();
        sync::lock_all(&borrowed, timeout(timeout_ns))
    })
}

/// Unlocks all `count` mutexes of the array `mutexes` (as locked by
/// `ac_mutex_lock_all`). Returns AC_NOT_OWNER if some were not locked,
/// after unlocking the others; AC_INVALID_ARGUMENT (unlocking nothing) if a
/// mutex appears twice; AC_NULL_POINTER if the array or an entry is NULL.
/// Never blocks.
#[no_mangle]
pub extern "C" fn ac_mutex_unlock_all(mutexes: *const *mut ac_mutex, count: usize) -> ac_status {
    boundary::status(|| {
        let handles = slice(mutexes, count)?;
        let borrowed = handles
            .iter()
            // SAFETY: each entry is NULL or a live handle, not freed during
            // this call.
            .map(|&handle| unsafe { ac_mutex::borrow(handle) })
            .collect::<Result<Vec<_>>>()?;
        sync::unlock_all(&borrowed)
    })
}

// ------------------------------------------------------- reentrant lock

/// Creates an unowned reentrant lock and writes it to `out_rlock`.
#[no_mangle]
pub extern "C" fn ac_rlock_new(out_rlock: *mut *mut ac_rlock) -> ac_status {
    boundary::status(|| {
        let slot = out(out_rlock)?;
        *slot = ac_rlock::into_raw(Default::default());
        Ok(())
    })
}

/// Adds a reference to the rlock and returns `rlock` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_rlock_retain(rlock: *mut ac_rlock) -> *mut ac_rlock {
    handle::retain(rlock)
}

/// Drops one reference to the rlock; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_rlock_release(rlock: *mut ac_rlock) {
    handle::release(rlock)
}

/// Closes the rlock: threads blocked on it wake with AC_CLOSED and
/// later blocking calls return AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_rlock_close(rlock: *const ac_rlock) -> ac_status {
    handle::close(rlock)
}

#[inline(always)]
fn lock_rlock(rlock: *const ac_rlock, owner: Result<u64>, timeout_ns: i64) -> ac_status {
    boundary::status(|| {
        let owner = owner?;
        try_then_wait(rlock, timeout(timeout_ns), |rlock, timeout| {
            rlock.lock(owner, timeout)
        })
    })
}

/// Locks the lock for the calling OS thread, blocking as long as it takes;
/// if the thread already owns it, adds one level at once. Returns AC_CLOSED
/// if the lock is freed while waiting, AC_OVERFLOW past 2^64 - 1 levels.
#[no_mangle]
pub extern "C" fn ac_rlock_lock(rlock: *const ac_rlock) -> ac_status {
    lock_rlock(rlock, Ok(current_thread_owner()), super::AC_FOREVER)
}

/// As `ac_rlock_lock`, but never blocks: AC_WOULD_BLOCK if another thread
/// owns the lock.
#[no_mangle]
pub extern "C" fn ac_rlock_try_lock(rlock: *const ac_rlock) -> ac_status {
    lock_rlock(rlock, Ok(current_thread_owner()), 0)
}

/// As `ac_rlock_lock`, blocking at most `timeout_ns` (AC_FOREVER: no limit;
/// 0: never blocks). Returns AC_TIMEOUT or AC_WOULD_BLOCK when it gives up.
#[no_mangle]
pub extern "C" fn ac_rlock_lock_timeout(rlock: *const ac_rlock, timeout_ns: i64) -> ac_status {
    lock_rlock(rlock, Ok(current_thread_owner()), timeout_ns)
}

/// Undoes one lock by the calling OS thread; the lock is free when every
/// level is undone. Returns AC_NOT_OWNER if the calling thread does not own
/// it. Never blocks.
#[no_mangle]
pub extern "C" fn ac_rlock_unlock(rlock: *const ac_rlock) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_rlock::borrow(rlock) }?.unlock(current_thread_owner())
    })
}

/// Locks the lock for the explicit `owner` token (1 to INT64_MAX), blocking
/// at most `timeout_ns`. For callers whose threads of control move between
/// OS threads, such as Go goroutines: the same token must be passed to
/// `ac_rlock_unlock_as`, from any OS thread. An explicit token never equals
/// the identity `ac_rlock_lock` uses for an OS thread, so the two kinds of
/// owner exclude each other. Returns AC_INVALID_ARGUMENT for token 0 or
/// above INT64_MAX, otherwise as `ac_rlock_lock_timeout`.
#[no_mangle]
pub extern "C" fn ac_rlock_lock_as(
    rlock: *const ac_rlock,
    owner: u64,
    timeout_ns: i64,
) -> ac_status {
    lock_rlock(rlock, explicit_owner(owner), timeout_ns)
}

/// Undoes one lock by the explicit `owner` token. Returns AC_NOT_OWNER if
/// that owner does not hold the lock, AC_INVALID_ARGUMENT for token 0 or
/// above INT64_MAX. Never blocks.
#[no_mangle]
pub extern "C" fn ac_rlock_unlock_as(rlock: *const ac_rlock, owner: u64) -> ac_status {
    boundary::status(|| {
        let owner = explicit_owner(owner)?;
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_rlock::borrow(rlock) }?.unlock(owner)
    })
}

/// Writes whether the calling OS thread owns the lock to `out_owned`.
#[no_mangle]
pub extern "C" fn ac_rlock_is_owned(rlock: *const ac_rlock, out_owned: *mut bool) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let rlock = unsafe { ac_rlock::borrow(rlock) }?;
        *out(out_owned)? = rlock.is_owned_by(current_thread_owner());
        Ok(())
    })
}

/// Writes whether any owner holds the lock to `out_locked`.
#[no_mangle]
pub extern "C" fn ac_rlock_is_locked(rlock: *const ac_rlock, out_locked: *mut bool) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let rlock = unsafe { ac_rlock::borrow(rlock) }?;
        *out(out_locked)? = rlock.is_locked();
        Ok(())
    })
}

/// Writes how many unmatched locks the calling OS thread holds to
/// `out_count` (0 if it does not own the lock).
#[no_mangle]
pub extern "C" fn ac_rlock_count(rlock: *const ac_rlock, out_count: *mut i64) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let rlock = unsafe { ac_rlock::borrow(rlock) }?;
        *out(out_count)? = to_c(rlock.depth_of(current_thread_owner()));
        Ok(())
    })
}

/// Unlocks the lock completely, whatever its depth, and writes the depth the
/// calling OS thread held to `out_depth`, for `ac_rlock_lock_restore` to
/// give back (what a condition variable does around a wait; Python's
/// `RLock._release_save`). Returns AC_NOT_OWNER, changing nothing, if the
/// calling thread does not own it. Never blocks.
#[no_mangle]
pub extern "C" fn ac_rlock_unlock_save(rlock: *const ac_rlock, out_depth: *mut i64) -> ac_status {
    boundary::status(|| {
        let slot = out(out_depth)?;
        // SAFETY: NULL or a live handle, not freed during this call.
        let rlock = unsafe { ac_rlock::borrow(rlock) }?;
        *slot = to_c(rlock.release_saving(current_thread_owner())?);
        Ok(())
    })
}

/// Locks the lock for the calling OS thread with `depth` (>= 1) levels at
/// once, blocking at most `timeout_ns` (AC_FOREVER: no limit; 0: never
/// blocks): undoes `ac_rlock_unlock_save`. Returns AC_TIMEOUT or
/// AC_WOULD_BLOCK when it gives up, AC_INVALID_ARGUMENT for a depth below 1
/// or if the calling thread already owns the lock, AC_CLOSED if the lock is
/// freed while waiting.
#[no_mangle]
pub extern "C" fn ac_rlock_lock_restore(
    rlock: *const ac_rlock,
    depth: i64,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        let depth = positive(depth)?;
        let owner = current_thread_owner();
        try_then_wait(rlock, timeout(timeout_ns), |rlock, timeout| {
            rlock.restore(owner, depth, timeout)
        })
    })
}

// ------------------------------------------------------ read-write lock

/// Creates an unlocked read-write lock and writes it to `out_rwlock`.
/// Fairness is phase-fair: while a writer waits, new readers wait too (so
/// writers are not starved), and when a writer unlocks, the readers already
/// waiting go before the next writer (so readers are not starved).
#[no_mangle]
pub extern "C" fn ac_rwlock_new(out_rwlock: *mut *mut ac_rwlock) -> ac_status {
    boundary::status(|| {
        let slot = out(out_rwlock)?;
        *slot = ac_rwlock::into_raw(Default::default());
        Ok(())
    })
}

/// Adds a reference to the rwlock and returns `rwlock` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_rwlock_retain(rwlock: *mut ac_rwlock) -> *mut ac_rwlock {
    handle::retain(rwlock)
}

/// Drops one reference to the rwlock; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_rwlock_release(rwlock: *mut ac_rwlock) {
    handle::release(rwlock)
}

/// Closes the rwlock: threads blocked on it wake with AC_CLOSED and
/// later blocking calls return AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_rwlock_close(rwlock: *const ac_rwlock) -> ac_status {
    handle::close(rwlock)
}

fn read_lock(rwlock: *const ac_rwlock, timeout_ns: i64) -> ac_status {
    boundary::status(|| try_then_wait(rwlock, timeout(timeout_ns), RwLock::read_lock))
}

fn write_lock(rwlock: *const ac_rwlock, timeout_ns: i64) -> ac_status {
    boundary::status(|| try_then_wait(rwlock, timeout(timeout_ns), RwLock::write_lock))
}

/// Locks for reading (shared with other readers), blocking as long as it
/// takes. Returns AC_CLOSED if the lock is freed while waiting.
#[no_mangle]
pub extern "C" fn ac_rwlock_read_lock(rwlock: *const ac_rwlock) -> ac_status {
    read_lock(rwlock, super::AC_FOREVER)
}

/// Locks for reading if that needs no waiting; AC_WOULD_BLOCK otherwise.
#[no_mangle]
pub extern "C" fn ac_rwlock_try_read_lock(rwlock: *const ac_rwlock) -> ac_status {
    read_lock(rwlock, 0)
}

/// Locks for reading, blocking at most `timeout_ns` (AC_FOREVER: no limit;
/// 0: never blocks). Returns AC_TIMEOUT or AC_WOULD_BLOCK when it gives up.
#[no_mangle]
pub extern "C" fn ac_rwlock_read_lock_timeout(
    rwlock: *const ac_rwlock,
    timeout_ns: i64,
) -> ac_status {
    read_lock(rwlock, timeout_ns)
}

/// Undoes one read lock. Any thread may call it; returns AC_NOT_OWNER if no
/// reader holds the lock. Never blocks.
#[no_mangle]
pub extern "C" fn ac_rwlock_read_unlock(rwlock: *const ac_rwlock) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_rwlock::borrow(rwlock) }?.read_unlock()
    })
}

/// Locks for writing (exclusive), blocking as long as it takes. Returns
/// AC_CLOSED if the lock is freed while waiting.
#[no_mangle]
pub extern "C" fn ac_rwlock_write_lock(rwlock: *const ac_rwlock) -> ac_status {
    write_lock(rwlock, super::AC_FOREVER)
}

/// Locks for writing if that needs no waiting; AC_WOULD_BLOCK otherwise.
#[no_mangle]
pub extern "C" fn ac_rwlock_try_write_lock(rwlock: *const ac_rwlock) -> ac_status {
    write_lock(rwlock, 0)
}

/// Locks for writing, blocking at most `timeout_ns` (AC_FOREVER: no limit;
/// 0: never blocks). Returns AC_TIMEOUT or AC_WOULD_BLOCK when it gives up.
#[no_mangle]
pub extern "C" fn ac_rwlock_write_lock_timeout(
    rwlock: *const ac_rwlock,
    timeout_ns: i64,
) -> ac_status {
    write_lock(rwlock, timeout_ns)
}

/// Undoes the write lock. Any thread may call it; returns AC_NOT_OWNER if no
/// writer holds the lock. Never blocks.
#[no_mangle]
pub extern "C" fn ac_rwlock_write_unlock(rwlock: *const ac_rwlock) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_rwlock::borrow(rwlock) }?.write_unlock()
    })
}

// ------------------------------------------------------------ semaphore

/// Creates a semaphore holding `value` permits (0 to INT64_MAX) and writes
/// it to `out_semaphore`. Releases may raise it up to INT64_MAX. Returns
/// AC_INVALID_ARGUMENT for a negative value.
#[no_mangle]
pub extern "C" fn ac_semaphore_new(value: i64, out_semaphore: *mut *mut ac_semaphore) -> ac_status {
    boundary::status(|| {
        let slot = out(out_semaphore)?;
        *slot = ac_semaphore::into_raw(Semaphore::new(non_negative(value)?)?.into());
        Ok(())
    })
}

/// Creates a bounded semaphore (Python's `BoundedSemaphore`): like
/// `ac_semaphore_new`, but a release that would raise it above `value`
/// fails with AC_OVERFLOW.
#[no_mangle]
pub extern "C" fn ac_semaphore_new_bounded(
    value: i64,
    out_semaphore: *mut *mut ac_semaphore,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_semaphore)?;
        *slot = ac_semaphore::into_raw(Semaphore::new_bounded(non_negative(value)?)?.into());
        Ok(())
    })
}

/// Adds a reference to the semaphore and returns `semaphore` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_semaphore_retain(semaphore: *mut ac_semaphore) -> *mut ac_semaphore {
    handle::retain(semaphore)
}

/// Drops one reference to the semaphore; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_semaphore_release(semaphore: *mut ac_semaphore) {
    handle::release(semaphore)
}

/// Closes the semaphore: threads blocked on it wake with AC_CLOSED and
/// later blocking calls return AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_semaphore_close(semaphore: *const ac_semaphore) -> ac_status {
    handle::close(semaphore)
}

#[inline(always)]
fn acquire_permits(semaphore: *const ac_semaphore, n: i64, timeout_ns: i64) -> ac_status {
    boundary::status(|| {
        let n = positive(n)?;
        try_then_wait(semaphore, timeout(timeout_ns), |semaphore, timeout| {
            semaphore.acquire(n, timeout)
        })
    })
}

/// Takes one permit, blocking as long as none is available. Returns
/// AC_CLOSED if the semaphore is freed while waiting.
#[no_mangle]
pub extern "C" fn ac_semaphore_acquire(semaphore: *const ac_semaphore) -> ac_status {
    acquire_permits(semaphore, 1, super::AC_FOREVER)
}

/// Takes one permit if one is available; AC_WOULD_BLOCK otherwise.
#[no_mangle]
pub extern "C" fn ac_semaphore_try_acquire(semaphore: *const ac_semaphore) -> ac_status {
    acquire_permits(semaphore, 1, 0)
}

/// Takes one permit, blocking at most `timeout_ns` (AC_FOREVER: no limit;
/// 0: never blocks). Returns AC_TIMEOUT or AC_WOULD_BLOCK when it gives up.
#[no_mangle]
pub extern "C" fn ac_semaphore_acquire_timeout(
    semaphore: *const ac_semaphore,
    timeout_ns: i64,
) -> ac_status {
    acquire_permits(semaphore, 1, timeout_ns)
}

/// Takes `n` (>= 1) permits at once, blocking at most `timeout_ns` until
/// that many are available. Returns AC_INVALID_ARGUMENT for n < 1,
/// otherwise as `ac_semaphore_acquire_timeout`.
#[no_mangle]
pub extern "C" fn ac_semaphore_acquire_n(
    semaphore: *const ac_semaphore,
    n: i64,
    timeout_ns: i64,
) -> ac_status {
    acquire_permits(semaphore, n, timeout_ns)
}

#[inline(always)]
fn release_permits(semaphore: *const ac_semaphore, n: i64) -> ac_status {
    boundary::status(|| {
        let n = positive(n)?;
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_semaphore::borrow(semaphore) }?.release(n)
    })
}

/// Gives back one permit, waking a waiter if any. Any thread may release.
/// Returns AC_OVERFLOW (releasing nothing) if a bounded semaphore is already
/// at its initial value. Never blocks.
#[no_mangle]
pub extern "C" fn ac_semaphore_post(semaphore: *const ac_semaphore) -> ac_status {
    release_permits(semaphore, 1)
}

/// Gives back `n` (>= 1) permits. Returns AC_INVALID_ARGUMENT for n < 1,
/// AC_OVERFLOW (releasing nothing) if that would exceed a bounded
/// semaphore's initial value or INT64_MAX. Never blocks.
#[no_mangle]
pub extern "C" fn ac_semaphore_post_n(semaphore: *const ac_semaphore, n: i64) -> ac_status {
    release_permits(semaphore, n)
}

/// Writes the number of permits available now to `out_value`.
#[no_mangle]
pub extern "C" fn ac_semaphore_value(
    semaphore: *const ac_semaphore,
    out_value: *mut i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let semaphore = unsafe { ac_semaphore::borrow(semaphore) }?;
        *out(out_value)? = to_c(semaphore.value());
        Ok(())
    })
}

// ------------------------------------------------------------ condition

/// Creates a condition variable and writes it to `out_condition`.
#[no_mangle]
pub extern "C" fn ac_condition_new(out_condition: *mut *mut ac_condition) -> ac_status {
    boundary::status(|| {
        let slot = out(out_condition)?;
        *slot = ac_condition::into_raw(Default::default());
        Ok(())
    })
}

/// Adds a reference to the condition and returns `condition` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_condition_retain(condition: *mut ac_condition) -> *mut ac_condition {
    handle::retain(condition)
}

/// Drops one reference to the condition; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_condition_release(condition: *mut ac_condition) {
    handle::release(condition)
}

/// Closes the condition: threads blocked on it wake with AC_CLOSED and
/// later blocking calls return AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_condition_close(condition: *const ac_condition) -> ac_status {
    handle::close(condition)
}

/// Atomically unlocks `mutex` (which the caller must have locked) and
/// blocks until `ac_condition_notify`/`_notify_all` wakes this thread or
/// `timeout_ns` passes, then locks `mutex` again before returning, whatever
/// the status: AC_OK when notified, AC_TIMEOUT, or AC_CLOSED when the
/// condition is freed meanwhile. Never wakes spuriously, but another thread
/// may change the state between the notify and the return: re-check the
/// predicate. With `timeout_ns` 0 it returns AC_WOULD_BLOCK at once without
/// unlocking. Returns AC_NOT_OWNER if `mutex` is not locked; AC_CLOSED
/// without the mutex only if the mutex itself is freed meanwhile.
#[no_mangle]
pub extern "C" fn ac_condition_wait(
    condition: *const ac_condition,
    mutex: *const ac_mutex,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        let (condition, mutex) = (hold(condition)?, hold(mutex)?);
        condition.wait(&mutex, timeout(timeout_ns))
    })
}

/// As `ac_condition_wait`, with a reentrant lock owned by the calling OS
/// thread: unlocks it completely whatever its depth, and restores the same
/// depth before returning. Returns AC_NOT_OWNER if the calling thread does
/// not own `rlock`.
#[no_mangle]
pub extern "C" fn ac_condition_wait_rlock(
    condition: *const ac_condition,
    rlock: *const ac_rlock,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        let (condition, rlock) = (hold(condition)?, hold(rlock)?);
        condition.wait_reentrant(&rlock, current_thread_owner(), timeout(timeout_ns))
    })
}

/// Wakes up to `n` (>= 0) threads waiting on the condition, longest-waiting
/// first. Returns AC_INVALID_ARGUMENT for a negative n. Never blocks.
#[no_mangle]
pub extern "C" fn ac_condition_notify(condition: *const ac_condition, n: i64) -> ac_status {
    boundary::status(|| {
        let n = usize::try_from(non_negative(n)?).unwrap_or(usize::MAX);
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_condition::borrow(condition) }?.notify(n);
        Ok(())
    })
}

/// Wakes every thread waiting on the condition. Never blocks.
#[no_mangle]
pub extern "C" fn ac_condition_notify_all(condition: *const ac_condition) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_condition::borrow(condition) }?.notify_all();
        Ok(())
    })
}

// ---------------------------------------------------------------- event

/// Creates an event whose flag is clear and writes it to `out_event`.
#[no_mangle]
pub extern "C" fn ac_event_new(out_event: *mut *mut ac_event) -> ac_status {
    boundary::status(|| {
        let slot = out(out_event)?;
        *slot = ac_event::into_raw(Default::default());
        Ok(())
    })
}

/// Adds a reference to the event and returns `event` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_event_retain(event: *mut ac_event) -> *mut ac_event {
    handle::retain(event)
}

/// Drops one reference to the event; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_event_release(event: *mut ac_event) {
    handle::release(event)
}

/// Closes the event: threads blocked on it wake with AC_CLOSED and
/// later blocking calls return AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_event_close(event: *const ac_event) -> ac_status {
    handle::close(event)
}

/// Sets the flag and wakes every waiting thread; they return AC_OK even if
/// the flag is cleared again before they run. Never blocks.
#[no_mangle]
pub extern "C" fn ac_event_set(event: *const ac_event) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_event::borrow(event) }?.set();
        Ok(())
    })
}

/// Clears the flag. Never blocks.
#[no_mangle]
pub extern "C" fn ac_event_clear(event: *const ac_event) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_event::borrow(event) }?.clear();
        Ok(())
    })
}

/// Writes whether the flag is set to `out_set`.
#[no_mangle]
pub extern "C" fn ac_event_is_set(event: *const ac_event, out_set: *mut bool) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let event = unsafe { ac_event::borrow(event) }?;
        *out(out_set)? = event.is_set();
        Ok(())
    })
}

/// Blocks until the flag is set, at most `timeout_ns` (AC_FOREVER: no
/// limit; 0: only checks). Returns AC_OK if it is set, AC_TIMEOUT or
/// AC_WOULD_BLOCK if not, AC_CLOSED if the event is freed while waiting.
#[no_mangle]
pub extern "C" fn ac_event_wait(event: *const ac_event, timeout_ns: i64) -> ac_status {
    boundary::status(|| try_then_wait(event, timeout(timeout_ns), Event::wait))
}

// -------------------------------------------------------------- barrier

/// Creates a barrier for `parties` (>= 1) threads and writes it to
/// `out_barrier`. Returns AC_INVALID_ARGUMENT for parties < 1.
#[no_mangle]
pub extern "C" fn ac_barrier_new(parties: i64, out_barrier: *mut *mut ac_barrier) -> ac_status {
    boundary::status(|| {
        let slot = out(out_barrier)?;
        let parties = usize::try_from(positive(parties)?)
            .map_err(|_| Error::InvalidArgument("too many parties"))?;
        *slot = ac_barrier::into_raw(Barrier::new(parties)?.into());
        Ok(())
    })
}

/// Adds a reference to the barrier and returns `barrier` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_barrier_retain(barrier: *mut ac_barrier) -> *mut ac_barrier {
    handle::retain(barrier)
}

/// Drops one reference to the barrier; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_barrier_release(barrier: *mut ac_barrier) {
    handle::release(barrier)
}

/// Closes the barrier: threads blocked on it wake with AC_CLOSED and
/// later blocking calls return AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_barrier_close(barrier: *const ac_barrier) -> ac_status {
    handle::close(barrier)
}

/// Blocks until `parties` threads have called `ac_barrier_wait`, then
/// releases them all; the barrier refills for the next round. Writes this
/// thread's arrival index (0 for the first to arrive, parties - 1 for the
/// last) to `out_index` (may be NULL). If `timeout_ns` passes first, the
/// barrier breaks and this call returns AC_TIMEOUT (AC_WOULD_BLOCK for a 0
/// timeout). Returns AC_BROKEN if the barrier is or becomes broken (another
/// thread's timeout, `ac_barrier_abort`, `ac_barrier_reset` while waiting),
/// AC_CLOSED if it is freed while waiting.
#[no_mangle]
pub extern "C" fn ac_barrier_wait(
    barrier: *const ac_barrier,
    timeout_ns: i64,
    out_index: *mut i64,
) -> ac_status {
    boundary::status(|| {
        let index = hold(barrier)?.wait(timeout(timeout_ns))?;
        write_optional(out_index, to_c(index as u64));
        Ok(())
    })
}

/// Breaks the barrier: waiting threads and later waits return AC_BROKEN
/// until `ac_barrier_reset`. Never blocks.
#[no_mangle]
pub extern "C" fn ac_barrier_abort(barrier: *const ac_barrier) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_barrier::borrow(barrier) }?.abort();
        Ok(())
    })
}

/// Returns the barrier to its empty, unbroken state; threads waiting on it
/// now return AC_BROKEN. Never blocks.
#[no_mangle]
pub extern "C" fn ac_barrier_reset(barrier: *const ac_barrier) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_barrier::borrow(barrier) }?.reset();
        Ok(())
    })
}

/// Writes whether the barrier is broken to `out_broken`.
#[no_mangle]
pub extern "C" fn ac_barrier_is_broken(
    barrier: *const ac_barrier,
    out_broken: *mut bool,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let barrier = unsafe { ac_barrier::borrow(barrier) }?;
        *out(out_broken)? = barrier.is_broken();
        Ok(())
    })
}

/// Writes how many threads are waiting in the current round to
/// `out_waiting`.
#[no_mangle]
pub extern "C" fn ac_barrier_n_waiting(
    barrier: *const ac_barrier,
    out_waiting: *mut i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let barrier = unsafe { ac_barrier::borrow(barrier) }?;
        *out(out_waiting)? = to_c(barrier.n_waiting() as u64);
        Ok(())
    })
}

/// Writes the number of threads the barrier waits for to `out_parties`.
#[no_mangle]
pub extern "C" fn ac_barrier_parties(
    barrier: *const ac_barrier,
    out_parties: *mut i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let barrier = unsafe { ac_barrier::borrow(barrier) }?;
        *out(out_parties)? = to_c(barrier.parties() as u64);
        Ok(())
    })
}

// ---------------------------------------------------------------- latch

/// Creates a latch that opens after `count` (>= 0) count-downs and writes it
/// to `out_latch`. Returns AC_INVALID_ARGUMENT for a negative count.
#[no_mangle]
pub extern "C" fn ac_latch_new(count: i64, out_latch: *mut *mut ac_latch) -> ac_status {
    boundary::status(|| {
        let slot = out(out_latch)?;
        *slot = ac_latch::into_raw(Latch::new(non_negative(count)?).into());
        Ok(())
    })
}

/// Adds a reference to the latch and returns `latch` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_latch_retain(latch: *mut ac_latch) -> *mut ac_latch {
    handle::retain(latch)
}

/// Drops one reference to the latch; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_latch_release(latch: *mut ac_latch) {
    handle::release(latch)
}

/// Closes the latch: threads blocked on it wake with AC_CLOSED and
/// later blocking calls return AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_latch_close(latch: *const ac_latch) -> ac_status {
    handle::close(latch)
}

/// Lowers the count by `n` (>= 1), stopping at zero; reaching zero releases
/// every waiter. Returns AC_INVALID_ARGUMENT for n < 1. Never blocks.
#[no_mangle]
pub extern "C" fn ac_latch_count_down(latch: *const ac_latch, n: i64) -> ac_status {
    boundary::status(|| {
        let n = positive(n)?;
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_latch::borrow(latch) }?.count_down(n)
    })
}

/// Blocks until the count is zero, at most `timeout_ns` (AC_FOREVER: no
/// limit; 0: only checks). Returns AC_TIMEOUT or AC_WOULD_BLOCK if it is
/// not, AC_CLOSED if the latch is freed while waiting.
#[no_mangle]
pub extern "C" fn ac_latch_wait(latch: *const ac_latch, timeout_ns: i64) -> ac_status {
    boundary::status(|| try_then_wait(latch, timeout(timeout_ns), Latch::wait))
}

/// Writes the current count to `out_count`.
#[no_mangle]
pub extern "C" fn ac_latch_count(latch: *const ac_latch, out_count: *mut i64) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let latch = unsafe { ac_latch::borrow(latch) }?;
        *out(out_count)? = to_c(latch.count());
        Ok(())
    })
}

// -------------------------------------------------------------- counter

/// Creates an atomic counter holding `value` and writes it to
/// `out_counter`.
#[no_mangle]
pub extern "C" fn ac_counter_new(value: i64, out_counter: *mut *mut ac_counter) -> ac_status {
    boundary::status(|| {
        let slot = out(out_counter)?;
        *slot = ac_counter::into_raw(Counter::new(value).into());
        Ok(())
    })
}

/// Adds a reference to the counter and returns `counter` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_counter_retain(counter: *mut ac_counter) -> *mut ac_counter {
    handle::retain(counter)
}

/// Drops one reference to the counter; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_counter_release(counter: *mut ac_counter) {
    handle::release(counter)
}

/// Closes the counter. Nothing blocks on a counter, so this changes
/// nothing; it exists so that every object has the same three functions.
#[no_mangle]
pub extern "C" fn ac_counter_close(counter: *const ac_counter) -> ac_status {
    handle::close(counter)
}

/// Atomically adds `delta` (may be negative) and writes the NEW value to
/// `out_value` (may be NULL), so concurrent `n += 1` never loses an update.
/// Returns AC_OVERFLOW, changing nothing, if the result would not fit in
/// int64_t.
#[no_mangle]
pub extern "C" fn ac_counter_add(
    counter: *const ac_counter,
    delta: i64,
    out_value: *mut i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let value = unsafe { ac_counter::borrow(counter) }?.add(delta)?;
        write_optional(out_value, value);
        Ok(())
    })
}

/// Writes the current value to `out_value`.
#[no_mangle]
pub extern "C" fn ac_counter_load(counter: *const ac_counter, out_value: *mut i64) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let counter = unsafe { ac_counter::borrow(counter) }?;
        *out(out_value)? = counter.load();
        Ok(())
    })
}

/// Atomically replaces the value with `value`.
#[no_mangle]
pub extern "C" fn ac_counter_store(counter: *const ac_counter, value: i64) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        unsafe { ac_counter::borrow(counter) }?.store(value);
        Ok(())
    })
}

/// Atomically replaces the value with `desired` if it equals `expected`,
/// and writes the value found to `out_previous`: the swap happened exactly
/// when `*out_previous == expected`.
#[no_mangle]
pub extern "C" fn ac_counter_compare_exchange(
    counter: *const ac_counter,
    expected: i64,
    desired: i64,
    out_previous: *mut i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let counter = unsafe { ac_counter::borrow(counter) }?;
        let slot = out(out_previous)?;
        *slot = counter.compare_exchange(expected, desired);
        Ok(())
    })
}
