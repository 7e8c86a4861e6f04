//! Objects in shared memory, shared by processes: a FIFO queue of byte
//! messages, mutex, reentrant lock, condition, semaphore, event, barrier,
//! counter, and blocks of plain shared bytes (`ac_shm_memory_*`).
//!
//! Each is created under a name (`ac_shm_<obj>_create(name, ...)`), which
//! any process, in any language, opens with `ac_shm_<obj>_open(name, ...)`;
//! or anonymous (`name` NULL), shared with the children the process forks
//! afterwards. Names are 1 to 200 bytes without '/' (one leading '/' is
//! allowed) and become POSIX shared-memory objects (`/dev/shm/<name>` on
//! Linux). A handle holds one reference of this process:
//! `ac_shm_<obj>_retain` adds one, `ac_shm_<obj>_release` drops one and the
//! last unmaps the object in this process. A named object's name goes when
//! the last process that created or opened it releases it, or at once with
//! `ac_shm_unlink`. Anonymous objects go with their last mapping.
//!
//! A process may die at any moment (even SIGKILL) without hanging or
//! corrupting the others: a lock whose holder died goes to the next locker
//! with AC_OWNER_DIED (the lock is then held: a success that warns that the
//! state it protects may be half updated); a queue never delivers a
//! half-written item nor loses a committed one. Detecting a dead holder
//! takes one wait slice (10 ms). Timeouts are as for the in-process objects.
//!
//! `ac_shm_<obj>_close` (every object but the counter and the memory block,
//! which never wait)
//! closes the object for every process: waiters wake with AC_CLOSED (within
//! a wait slice) and later blocking calls return it. It frees nothing: the
//! closed state lives in the shared memory, and each process still releases
//! its references.

use std::ffi::{c_char, c_void, CStr};
use std::sync::Arc;

use super::boundary;
use super::handle::{self, out, slice, slice_mut, write_optional, Handle};
use super::status::ac_status;
use super::timeout;
use crate::queue::Received;
use crate::shm::{
    self, Acquired, ShmBarrier, ShmCondition, ShmCounter, ShmEvent, ShmMemory, ShmMutex, ShmQueue,
    ShmRLock, ShmSemaphore,
};
use crate::{Error, Result};

/// A FIFO queue in shared memory. Create with `ac_shm_queue_create` or open with
/// `ac_shm_queue_open`; drop the reference with `ac_shm_queue_release`.
pub struct ac_shm_queue {
    _private: [u8; 0],
}

impl Handle for ac_shm_queue {
    type Object = ShmQueue;
}

/// Adds a reference to the FIFO queue; returns `handle` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_shm_queue_retain(handle: *mut ac_shm_queue) -> *mut ac_shm_queue {
    handle::retain(handle)
}

/// Drops a reference to the FIFO queue: the last in this process unmaps it, and
/// when every process that created or opened a named one has released it,
/// its name goes too. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_shm_queue_release(handle: *mut ac_shm_queue) {
    handle::release(handle)
}

/// A mutex in shared memory. Create with `ac_shm_mutex_create` or open with
/// `ac_shm_mutex_open`; drop the reference with `ac_shm_mutex_release`.
pub struct ac_shm_mutex {
    _private: [u8; 0],
}

impl Handle for ac_shm_mutex {
    type Object = ShmMutex;
}

/// Adds a reference to the mutex; returns `handle` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_shm_mutex_retain(handle: *mut ac_shm_mutex) -> *mut ac_shm_mutex {
    handle::retain(handle)
}

/// Drops a reference to the mutex: the last in this process unmaps it, and
/// when every process that created or opened a named one has released it,
/// its name goes too. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_shm_mutex_release(handle: *mut ac_shm_mutex) {
    handle::release(handle)
}

/// A reentrant lock in shared memory. Create with `ac_shm_rlock_create` or open with
/// `ac_shm_rlock_open`; drop the reference with `ac_shm_rlock_release`.
pub struct ac_shm_rlock {
    _private: [u8; 0],
}

impl Handle for ac_shm_rlock {
    type Object = ShmRLock;
}

/// Adds a reference to the reentrant lock; returns `handle` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_shm_rlock_retain(handle: *mut ac_shm_rlock) -> *mut ac_shm_rlock {
    handle::retain(handle)
}

/// Drops a reference to the reentrant lock: the last in this process unmaps it, and
/// when every process that created or opened a named one has released it,
/// its name goes too. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_shm_rlock_release(handle: *mut ac_shm_rlock) {
    handle::release(handle)
}

/// A condition variable in shared memory, used with a shared mutex or
/// reentrant lock. Create with `ac_shm_condition_create` or open with
/// `ac_shm_condition_open`; drop the reference with `ac_shm_condition_release`.
pub struct ac_shm_condition {
    _private: [u8; 0],
}

impl Handle for ac_shm_condition {
    type Object = ShmCondition;
}

/// Adds a reference to the condition; returns `handle` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_shm_condition_retain(handle: *mut ac_shm_condition) -> *mut ac_shm_condition {
    handle::retain(handle)
}

/// Drops a reference to the condition: the last in this process unmaps it, and
/// when every process that created or opened a named one has released it,
/// its name goes too. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_shm_condition_release(handle: *mut ac_shm_condition) {
    handle::release(handle)
}

/// A semaphore in shared memory. Create with `ac_shm_semaphore_create` or open with
/// `ac_shm_semaphore_open`; drop the reference with `ac_shm_semaphore_release`.
pub struct ac_shm_semaphore {
    _private: [u8; 0],
}

impl Handle for ac_shm_semaphore {
    type Object = ShmSemaphore;
}

/// Adds a reference to the semaphore; returns `handle` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_shm_semaphore_retain(handle: *mut ac_shm_semaphore) -> *mut ac_shm_semaphore {
    handle::retain(handle)
}

/// Drops a reference to the semaphore: the last in this process unmaps it, and
/// when every process that created or opened a named one has released it,
/// its name goes too. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_shm_semaphore_release(handle: *mut ac_shm_semaphore) {
    handle::release(handle)
}

/// A event in shared memory. Create with `ac_shm_event_create` or open with
/// `ac_shm_event_open`; drop the reference with `ac_shm_event_release`.
pub struct ac_shm_event {
    _private: [u8; 0],
}

impl Handle for ac_shm_event {
    type Object = ShmEvent;
}

/// Adds a reference to the event; returns `handle` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_shm_event_retain(handle: *mut ac_shm_event) -> *mut ac_shm_event {
    handle::retain(handle)
}

/// Drops a reference to the event: the last in this process unmaps it, and
/// when every process that created or opened a named one has released it,
/// its name goes too. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_shm_event_release(handle: *mut ac_shm_event) {
    handle::release(handle)
}

/// A barrier in shared memory. Create with `ac_shm_barrier_create` or open with
/// `ac_shm_barrier_open`; drop the reference with `ac_shm_barrier_release`.
pub struct ac_shm_barrier {
    _private: [u8; 0],
}

impl Handle for ac_shm_barrier {
    type Object = ShmBarrier;
}

/// Adds a reference to the barrier; returns `handle` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_shm_barrier_retain(handle: *mut ac_shm_barrier) -> *mut ac_shm_barrier {
    handle::retain(handle)
}

/// Drops a reference to the barrier: the last in this process unmaps it, and
/// when every process that created or opened a named one has released it,
/// its name goes too. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_shm_barrier_release(handle: *mut ac_shm_barrier) {
    handle::release(handle)
}

/// A counter in shared memory. Create with `ac_shm_counter_create` or open with
/// `ac_shm_counter_open`; drop the reference with `ac_shm_counter_release`.
pub struct ac_shm_counter {
    _private: [u8; 0],
}

impl Handle for ac_shm_counter {
    type Object = ShmCounter;
}

/// Adds a reference to the counter; returns `handle` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_shm_counter_retain(handle: *mut ac_shm_counter) -> *mut ac_shm_counter {
    handle::retain(handle)
}

/// Drops a reference to the counter: the last in this process unmaps it, and
/// when every process that created or opened a named one has released it,
/// its name goes too. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_shm_counter_release(handle: *mut ac_shm_counter) {
    handle::release(handle)
}

/// A block of plain shared bytes. Create with `ac_shm_memory_create` or open
/// with `ac_shm_memory_open`; drop the reference with `ac_shm_memory_release`.
pub struct ac_shm_memory {
    _private: [u8; 0],
}

impl Handle for ac_shm_memory {
    type Object = ShmMemory;
}

/// Adds a reference to the block; returns `handle` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_shm_memory_retain(handle: *mut ac_shm_memory) -> *mut ac_shm_memory {
    handle::retain(handle)
}

/// Drops a reference to the block: the last in this process unmaps it (its
/// data pointer is then invalid), and when every process that created or
/// opened a named one has released it, its name goes too. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_shm_memory_release(handle: *mut ac_shm_memory) {
    handle::release(handle)
}

/// A name from C: NULL = anonymous.
fn optional_name<'a>(name: *const c_char) -> Result<Option<&'a str>> {
    if name.is_null() {
        return Ok(None);
    }
    // SAFETY: C callers pass a NUL-terminated string.
    let name = unsafe { CStr::from_ptr(name) };
    name.to_str()
        .map(Some)
        .map_err(|_| Error::InvalidArgument("name is not UTF-8"))
}

fn required_name<'a>(name: *const c_char) -> Result<&'a str> {
    optional_name(name)?.ok_or(Error::NullPointer)
}

fn deliver<H: Handle>(slot: *mut *mut H, object: Result<H::Object>) -> Result<()> {
    let slot = out(slot)?;
    *slot = H::into_raw(Arc::new(object?));
    Ok(())
}

/// A lock outcome as a status: AC_OWNER_DIED when it came from a dead holder.
fn locked(acquired: Result<Acquired>) -> Result<()> {
    match acquired? {
        Acquired::Clean => Ok(()),
        Acquired::OwnerDied => Err(Error::OwnerDied),
    }
}

/// Removes the name of a shared-memory object at once: processes that have
/// it open keep using it, later opens fail. AC_INVALID_ARGUMENT when no
/// object has that name.
#[no_mangle]
pub extern "C" fn ac_shm_unlink(name: *const c_char) -> ac_status {
    boundary::status(|| shm::unlink(required_name(name)?))
}

// ------------------------------------------------------------------ queue

/// Creates a FIFO queue of byte messages whose ring holds `capacity_bytes`
/// bytes (at least 64; each item takes its length rounded up to 8, plus
/// 8), holding at most `maxsize` items (0 = as many as fit). `name` NULL
/// makes an anonymous queue, shared over `fork`. AC_INVALID_ARGUMENT when
/// the name is malformed or taken.
#[no_mangle]
pub extern "C" fn ac_shm_queue_create(
    name: *const c_char,
    capacity_bytes: usize,
    maxsize: usize,
    out_queue: *mut *mut ac_shm_queue,
) -> ac_status {
    boundary::status(|| {
        out(out_queue)?;
        deliver(
            out_queue,
            ShmQueue::create(optional_name(name)?, capacity_bytes, maxsize),
        )
    })
}

/// Opens the queue created under `name` (by any process).
/// AC_INVALID_ARGUMENT when there is none or it is not a queue.
#[no_mangle]
pub extern "C" fn ac_shm_queue_open(
    name: *const c_char,
    out_queue: *mut *mut ac_shm_queue,
) -> ac_status {
    boundary::status(|| {
        out(out_queue)?;
        deliver(out_queue, ShmQueue::open(required_name(name)?))
    })
}

/// Puts one message of `len` bytes, waiting at most `timeout_ns` for room
/// (AC_WOULD_BLOCK with 0, AC_TIMEOUT). AC_CLOSED after
/// `ac_shm_queue_close`; AC_INVALID_ARGUMENT when it can never fit.
#[no_mangle]
pub extern "C" fn ac_shm_queue_put(
    queue: *const ac_shm_queue,
    data: *const c_void,
    len: usize,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        let queue = unsafe { ac_shm_queue::borrow(queue) }?;
        queue.put(slice(data.cast::<u8>(), len)?, timeout(timeout_ns))
    })
}

/// Puts `count` messages in order: message `i` is `lengths[i]` bytes and
/// follows message `i - 1` in `data`. Writes how many went in to `out_put`
/// (may be NULL): all with AC_OK, fewer when it stops with AC_TIMEOUT,
/// AC_WOULD_BLOCK, AC_CLOSED or AC_INVALID_ARGUMENT (a message that never fits).
#[no_mangle]
pub extern "C" fn ac_shm_queue_put_many(
    queue: *const ac_shm_queue,
    data: *const c_void,
    lengths: *const usize,
    count: usize,
    timeout_ns: i64,
    out_put: *mut usize,
) -> ac_status {
    boundary::status(|| {
        write_optional(out_put, 0);
        // SAFETY: NULL or a live handle.
        let queue = unsafe { ac_shm_queue::borrow(queue) }?;
        let lengths = slice(lengths, count)?;
        let total = lengths
            .iter()
            .try_fold(0usize, |sum, &len| sum.checked_add(len))
            .ok_or(Error::Overflow("total length"))?;
        let data = slice(data.cast::<u8>(), total)?;
        let mut at = 0;
        let messages = lengths.iter().map(|&len| {
            at += len;
            &data[at - len..at]
        });
        let (put, outcome) = queue.put_many(messages, timeout(timeout_ns));
        write_optional(out_put, put);
        outcome
    })
}

/// Takes the next message into `buffer` (`capacity` bytes), waiting at most
/// `timeout_ns`, and writes its length to `out_len`. AC_BUFFER_TOO_SMALL
/// with the needed size in `out_len` leaves it queued. AC_CLOSED once the
/// queue is closed and empty.
#[no_mangle]
pub extern "C" fn ac_shm_queue_get(
    queue: *const ac_shm_queue,
    buffer: *mut c_void,
    capacity: usize,
    timeout_ns: i64,
    out_len: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_len)?;
        // SAFETY: NULL or a live handle.
        let queue = unsafe { ac_shm_queue::borrow(queue) }?;
        let buffer = slice_mut(buffer.cast::<u8>(), capacity)?;
        match queue.get_into(buffer, timeout(timeout_ns))? {
            Received::Copied(len) => {
                *slot = len;
                Ok(())
            }
            Received::TooSmall(needed) => {
                *slot = needed;
                Err(Error::BufferTooSmall)
            }
        }
    })
}

/// Takes up to `max_items` messages one after another into `buffer`: waits
/// at most `timeout_ns` for the first, then takes those queued while they
/// fit. Message `i` is `lengths[i]` bytes; the number taken goes to
/// `out_count`. When the first alone does not fit: AC_BUFFER_TOO_SMALL,
/// `*out_count` 0 and its size in `lengths[0]`.
#[no_mangle]
pub extern "C" fn ac_shm_queue_get_many(
    queue: *const ac_shm_queue,
    buffer: *mut c_void,
    capacity: usize,
    lengths: *mut usize,
    max_items: usize,
    timeout_ns: i64,
    out_count: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let count = out(out_count)?;
        *count = 0;
        // SAFETY: NULL or a live handle.
        let queue = unsafe { ac_shm_queue::borrow(queue) }?;
        let buffer = slice_mut(buffer.cast::<u8>(), capacity)?;
        let lengths = slice_mut(lengths, max_items)?;
        match queue.get_many_into(buffer, lengths, timeout(timeout_ns))? {
            Received::Copied(taken) => {
                *count = taken;
                Ok(())
            }
            Received::TooSmall(needed) => {
                lengths[0] = needed;
                Err(Error::BufferTooSmall)
            }
        }
    })
}

/// Closes the queue for every process: puts fail with AC_CLOSED, gets drain
/// what is queued then return AC_CLOSED; every waiter wakes.
#[no_mangle]
pub extern "C" fn ac_shm_queue_close(queue: *const ac_shm_queue) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_queue::borrow(queue) }?.close();
        Ok(())
    })
}

/// Writes whether the queue was closed to `out_closed`.
#[no_mangle]
pub extern "C" fn ac_shm_queue_is_closed(
    queue: *const ac_shm_queue,
    out_closed: *mut bool,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_closed)?;
        // SAFETY: NULL or a live handle.
        *slot = unsafe { ac_shm_queue::borrow(queue) }?.is_closed();
        Ok(())
    })
}

/// Writes the number of queued items to `out_size`.
#[no_mangle]
pub extern "C" fn ac_shm_queue_size(queue: *const ac_shm_queue, out_size: *mut usize) -> ac_status {
    boundary::status(|| {
        let slot = out(out_size)?;
        // SAFETY: NULL or a live handle.
        *slot = unsafe { ac_shm_queue::borrow(queue) }?.len();
        Ok(())
    })
}

/// Writes the item limit given at creation (0 = as many as fit) to `out_maxsize`.
#[no_mangle]
pub extern "C" fn ac_shm_queue_maxsize(
    queue: *const ac_shm_queue,
    out_maxsize: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_maxsize)?;
        // SAFETY: NULL or a live handle.
        *slot = unsafe { ac_shm_queue::borrow(queue) }?.maxsize();
        Ok(())
    })
}

/// Writes the longest message the queue can ever hold to `out_size`.
#[no_mangle]
pub extern "C" fn ac_shm_queue_max_item_size(
    queue: *const ac_shm_queue,
    out_size: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_size)?;
        // SAFETY: NULL or a live handle.
        *slot = unsafe { ac_shm_queue::borrow(queue) }?.max_item_size();
        Ok(())
    })
}

/// Marks `count` fetched items as processed, for `ac_shm_queue_join`.
/// AC_INVALID_ARGUMENT when that is more than were put and not yet marked.
#[no_mangle]
pub extern "C" fn ac_shm_queue_task_done(queue: *const ac_shm_queue, count: u64) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_queue::borrow(queue) }?.task_done(count)
    })
}

/// Waits at most `timeout_ns` until every item put was marked done.
#[no_mangle]
pub extern "C" fn ac_shm_queue_join(queue: *const ac_shm_queue, timeout_ns: i64) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_queue::borrow(queue) }?.join(timeout(timeout_ns))
    })
}

/// Writes the number of items put and not yet marked done to `out_count`.
#[no_mangle]
pub extern "C" fn ac_shm_queue_unfinished_tasks(
    queue: *const ac_shm_queue,
    out_count: *mut u64,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_count)?;
        // SAFETY: NULL or a live handle.
        *slot = unsafe { ac_shm_queue::borrow(queue) }?.unfinished();
        Ok(())
    })
}

// ------------------------------------------------------------------ mutex

/// Creates an unlocked mutex (`name` NULL = anonymous, shared over `fork`).
/// Any thread of any process may unlock it.
#[no_mangle]
pub extern "C" fn ac_shm_mutex_create(
    name: *const c_char,
    out_mutex: *mut *mut ac_shm_mutex,
) -> ac_status {
    boundary::status(|| {
        out(out_mutex)?;
        deliver(out_mutex, ShmMutex::create(optional_name(name)?))
    })
}

/// Opens the mutex created under `name`.
#[no_mangle]
pub extern "C" fn ac_shm_mutex_open(
    name: *const c_char,
    out_mutex: *mut *mut ac_shm_mutex,
) -> ac_status {
    boundary::status(|| {
        out(out_mutex)?;
        deliver(out_mutex, ShmMutex::open(required_name(name)?))
    })
}

/// Locks, waiting at most `timeout_ns`. Returns AC_OK, or AC_OWNER_DIED when
/// the lock was taken over from a holder that died (held either way).
#[no_mangle]
pub extern "C" fn ac_shm_mutex_lock(mutex: *const ac_shm_mutex, timeout_ns: i64) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        locked(unsafe { ac_shm_mutex::borrow(mutex) }?.lock(timeout(timeout_ns)))
    })
}

/// Unlocks. AC_NOT_OWNER when it is not locked.
#[no_mangle]
pub extern "C" fn ac_shm_mutex_unlock(mutex: *const ac_shm_mutex) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_mutex::borrow(mutex) }?.unlock()
    })
}

/// Closes the mutex for every process: waiters and later locks return
/// AC_CLOSED; the holder may still unlock. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_shm_mutex_close(mutex: *const ac_shm_mutex) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_mutex::borrow(mutex) }?.close();
        Ok(())
    })
}

/// Writes whether some thread of some process holds the mutex to `out_locked`.
#[no_mangle]
pub extern "C" fn ac_shm_mutex_is_locked(
    mutex: *const ac_shm_mutex,
    out_locked: *mut bool,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_locked)?;
        // SAFETY: NULL or a live handle.
        *slot = unsafe { ac_shm_mutex::borrow(mutex) }?.is_locked();
        Ok(())
    })
}

// ------------------------------------------------------------------ rlock

/// Creates an unlocked reentrant lock, owned by the thread that locks it.
#[no_mangle]
pub extern "C" fn ac_shm_rlock_create(
    name: *const c_char,
    out_rlock: *mut *mut ac_shm_rlock,
) -> ac_status {
    boundary::status(|| {
        out(out_rlock)?;
        deliver(out_rlock, ShmRLock::create(optional_name(name)?))
    })
}

/// Opens the reentrant lock created under `name`.
#[no_mangle]
pub extern "C" fn ac_shm_rlock_open(
    name: *const c_char,
    out_rlock: *mut *mut ac_shm_rlock,
) -> ac_status {
    boundary::status(|| {
        out(out_rlock)?;
        deliver(out_rlock, ShmRLock::open(required_name(name)?))
    })
}

/// Locks (once more when the calling thread holds it), waiting at most
/// `timeout_ns`; AC_OWNER_DIED as for `ac_shm_mutex_lock` (depth 1).
#[no_mangle]
pub extern "C" fn ac_shm_rlock_lock(rlock: *const ac_shm_rlock, timeout_ns: i64) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        locked(unsafe { ac_shm_rlock::borrow(rlock) }?.lock(timeout(timeout_ns)))
    })
}

/// Unlocks once. AC_NOT_OWNER unless the calling thread holds it.
#[no_mangle]
pub extern "C" fn ac_shm_rlock_unlock(rlock: *const ac_shm_rlock) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_rlock::borrow(rlock) }?.unlock()
    })
}

/// Closes the reentrant lock for every process: waiters and later locks by
/// threads that do not hold it return AC_CLOSED; the holder may still lock
/// again and unlock. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_shm_rlock_close(rlock: *const ac_shm_rlock) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_rlock::borrow(rlock) }?.close();
        Ok(())
    })
}

/// Writes how many unmatched locks the calling thread holds to `out_count`
/// (0 if it does not own the lock).
#[no_mangle]
pub extern "C" fn ac_shm_rlock_count(rlock: *const ac_shm_rlock, out_count: *mut u32) -> ac_status {
    boundary::status(|| {
        let slot = out(out_count)?;
        // SAFETY: NULL or a live handle.
        *slot = unsafe { ac_shm_rlock::borrow(rlock) }?.depth();
        Ok(())
    })
}

// -------------------------------------------------------------- condition

/// Creates a condition variable with no waiters (`name` NULL = anonymous).
/// It holds up to 1024 waiters at once (more: AC_OVERFLOW).
#[no_mangle]
pub extern "C" fn ac_shm_condition_create(
    name: *const c_char,
    out_condition: *mut *mut ac_shm_condition,
) -> ac_status {
    boundary::status(|| {
        out(out_condition)?;
        deliver(out_condition, ShmCondition::create(optional_name(name)?))
    })
}

/// Opens the condition created under `name`.
#[no_mangle]
pub extern "C" fn ac_shm_condition_open(
    name: *const c_char,
    out_condition: *mut *mut ac_shm_condition,
) -> ac_status {
    boundary::status(|| {
        out(out_condition)?;
        deliver(out_condition, ShmCondition::open(required_name(name)?))
    })
}

/// Unlocks `mutex` (which must be locked: AC_NOT_OWNER otherwise), waits
/// for a notify or at most `timeout_ns`, and locks `mutex` again before
/// returning: AC_OK when notified, AC_TIMEOUT, AC_CLOSED when the condition
/// is closed. AC_OWNER_DIED when the mutex was taken back from a holder that
/// died (held; treat it as a wake, notified or not). The mutex is not held
/// on return only when the mutex itself was closed meanwhile (AC_CLOSED).
/// Never wakes spuriously, but re-check the predicate: another process may
/// change the state between the notify and the return. With `timeout_ns` 0
/// it returns AC_WOULD_BLOCK at once, keeping the mutex. A waiter killed
/// while waiting takes no notify from the others.
#[no_mangle]
pub extern "C" fn ac_shm_condition_wait(
    condition: *const ac_shm_condition,
    mutex: *const ac_shm_mutex,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or live handles.
        let condition = unsafe { ac_shm_condition::borrow(condition) }?;
        // SAFETY: as above.
        let mutex = unsafe { ac_shm_mutex::borrow(mutex) }?;
        condition.wait(mutex, timeout(timeout_ns))
    })
}

/// As `ac_shm_condition_wait`, with a reentrant lock the calling thread
/// holds (AC_NOT_OWNER otherwise): unlocks it whatever its depth and locks
/// it again at that depth.
#[no_mangle]
pub extern "C" fn ac_shm_condition_wait_rlock(
    condition: *const ac_shm_condition,
    rlock: *const ac_shm_rlock,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or live handles.
        let condition = unsafe { ac_shm_condition::borrow(condition) }?;
        // SAFETY: as above.
        let rlock = unsafe { ac_shm_rlock::borrow(rlock) }?;
        condition.wait_reentrant(rlock, timeout(timeout_ns))
    })
}

/// Wakes up to `n` (>= 0) waiters, longest waiting first, skipping those of
/// processes that died; writes how many it woke to `out_woken` (may be
/// NULL). Call it holding the lock the waiters use. AC_INVALID_ARGUMENT for
/// a negative `n`. Never blocks.
#[no_mangle]
pub extern "C" fn ac_shm_condition_notify(
    condition: *const ac_shm_condition,
    n: i64,
    out_woken: *mut u64,
) -> ac_status {
    boundary::status(|| {
        write_optional(out_woken, 0);
        let n = usize::try_from(n).map_err(|_| Error::InvalidArgument("n must be >= 0"))?;
        // SAFETY: NULL or a live handle.
        let woken = unsafe { ac_shm_condition::borrow(condition) }?.notify(n);
        write_optional(out_woken, woken as u64);
        Ok(())
    })
}

/// Wakes every waiter; writes how many to `out_woken` (may be NULL).
#[no_mangle]
pub extern "C" fn ac_shm_condition_notify_all(
    condition: *const ac_shm_condition,
    out_woken: *mut u64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        let woken = unsafe { ac_shm_condition::borrow(condition) }?.notify_all();
        write_optional(out_woken, woken as u64);
        Ok(())
    })
}

/// Closes the condition for every process: waiters lock again and return
/// AC_CLOSED; later waits return it without unlocking. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_shm_condition_close(condition: *const ac_shm_condition) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_condition::borrow(condition) }?.close();
        Ok(())
    })
}

// -------------------------------------------------------------- semaphore

/// Creates a semaphore holding `value` units; `bound` > 0 makes a release
/// beyond it fail with AC_OVERFLOW (0 = unbounded). Values up to 2^31 - 1.
#[no_mangle]
pub extern "C" fn ac_shm_semaphore_create(
    name: *const c_char,
    value: u32,
    bound: u32,
    out_semaphore: *mut *mut ac_shm_semaphore,
) -> ac_status {
    boundary::status(|| {
        out(out_semaphore)?;
        deliver(
            out_semaphore,
            ShmSemaphore::create(optional_name(name)?, value, bound),
        )
    })
}

/// Opens the semaphore created under `name`.
#[no_mangle]
pub extern "C" fn ac_shm_semaphore_open(
    name: *const c_char,
    out_semaphore: *mut *mut ac_shm_semaphore,
) -> ac_status {
    boundary::status(|| {
        out(out_semaphore)?;
        deliver(out_semaphore, ShmSemaphore::open(required_name(name)?))
    })
}

/// Takes a unit, waiting at most `timeout_ns`.
#[no_mangle]
pub extern "C" fn ac_shm_semaphore_acquire(
    semaphore: *const ac_shm_semaphore,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_semaphore::borrow(semaphore) }?.acquire(timeout(timeout_ns))
    })
}

/// Gives back `count` units (POSIX `sem_post`; `ac_shm_semaphore_release`
/// drops a reference to the object). AC_OVERFLOW, giving nothing back,
/// beyond the bound.
#[no_mangle]
pub extern "C" fn ac_shm_semaphore_post(
    semaphore: *const ac_shm_semaphore,
    count: u32,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_semaphore::borrow(semaphore) }?.release(count)
    })
}

/// Closes the semaphore for every process: waiters and later acquires that
/// would wait return AC_CLOSED (units may still be taken and posted).
/// Frees nothing.
#[no_mangle]
pub extern "C" fn ac_shm_semaphore_close(semaphore: *const ac_shm_semaphore) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_semaphore::borrow(semaphore) }?.close();
        Ok(())
    })
}

/// Writes the units available now to `out_value`.
#[no_mangle]
pub extern "C" fn ac_shm_semaphore_value(
    semaphore: *const ac_shm_semaphore,
    out_value: *mut u32,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_value)?;
        // SAFETY: NULL or a live handle.
        *slot = unsafe { ac_shm_semaphore::borrow(semaphore) }?.value();
        Ok(())
    })
}

// ------------------------------------------------------------------ event

/// Creates a cleared event.
#[no_mangle]
pub extern "C" fn ac_shm_event_create(
    name: *const c_char,
    out_event: *mut *mut ac_shm_event,
) -> ac_status {
    boundary::status(|| {
        out(out_event)?;
        deliver(out_event, ShmEvent::create(optional_name(name)?))
    })
}

/// Opens the event created under `name`.
#[no_mangle]
pub extern "C" fn ac_shm_event_open(
    name: *const c_char,
    out_event: *mut *mut ac_shm_event,
) -> ac_status {
    boundary::status(|| {
        out(out_event)?;
        deliver(out_event, ShmEvent::open(required_name(name)?))
    })
}

/// Sets the event and wakes every waiter in every process.
#[no_mangle]
pub extern "C" fn ac_shm_event_set(event: *const ac_shm_event) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_event::borrow(event) }?.set();
        Ok(())
    })
}

/// Clears the event.
#[no_mangle]
pub extern "C" fn ac_shm_event_clear(event: *const ac_shm_event) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_event::borrow(event) }?.clear();
        Ok(())
    })
}

/// Writes whether the event is set to `out_set`.
#[no_mangle]
pub extern "C" fn ac_shm_event_is_set(event: *const ac_shm_event, out_set: *mut bool) -> ac_status {
    boundary::status(|| {
        let slot = out(out_set)?;
        // SAFETY: NULL or a live handle.
        *slot = unsafe { ac_shm_event::borrow(event) }?.is_set();
        Ok(())
    })
}

/// Waits at most `timeout_ns` for the event to be set; AC_CLOSED once the
/// event is closed, set or not.
#[no_mangle]
pub extern "C" fn ac_shm_event_wait(event: *const ac_shm_event, timeout_ns: i64) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_event::borrow(event) }?.wait(timeout(timeout_ns))
    })
}

/// Closes the event for every process: waiters and later waits return
/// AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_shm_event_close(event: *const ac_shm_event) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_event::borrow(event) }?.close();
        Ok(())
    })
}

// ---------------------------------------------------------------- barrier

/// Creates a barrier for `parties` waiters (1 to 2^31 - 1).
#[no_mangle]
pub extern "C" fn ac_shm_barrier_create(
    name: *const c_char,
    parties: u32,
    out_barrier: *mut *mut ac_shm_barrier,
) -> ac_status {
    boundary::status(|| {
        out(out_barrier)?;
        deliver(
            out_barrier,
            ShmBarrier::create(optional_name(name)?, parties),
        )
    })
}

/// Opens the barrier created under `name`.
#[no_mangle]
pub extern "C" fn ac_shm_barrier_open(
    name: *const c_char,
    out_barrier: *mut *mut ac_shm_barrier,
) -> ac_status {
    boundary::status(|| {
        out(out_barrier)?;
        deliver(out_barrier, ShmBarrier::open(required_name(name)?))
    })
}

/// Waits at most `timeout_ns` for every party; writes this waiter's
/// arrival index (0 = first) to `out_index` (may be NULL). AC_BROKEN when
/// the barrier is or gets broken; a waiter that times out breaks it and
/// gets AC_TIMEOUT (AC_BROKEN with timeout 0). AC_CLOSED once closed.
#[no_mangle]
pub extern "C" fn ac_shm_barrier_wait(
    barrier: *const ac_shm_barrier,
    timeout_ns: i64,
    out_index: *mut u32,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        let index = unsafe { ac_shm_barrier::borrow(barrier) }?.wait(timeout(timeout_ns))?;
        write_optional(out_index, index);
        Ok(())
    })
}

/// As `ac_shm_barrier_wait`, but the last party to arrive gets its index
/// (`parties - 1`) without the others being released: it runs its action,
/// then calls `ac_shm_barrier_trip` (or `ac_shm_barrier_abort`). If it
/// dies first, the others get AC_BROKEN. Parties that arrive meanwhile wait
/// for the next round.
#[no_mangle]
pub extern "C" fn ac_shm_barrier_wait_holding(
    barrier: *const ac_shm_barrier,
    timeout_ns: i64,
    out_index: *mut u32,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        let barrier = unsafe { ac_shm_barrier::borrow(barrier) }?;
        let index = barrier.wait_holding(timeout(timeout_ns))?;
        write_optional(out_index, index);
        Ok(())
    })
}

/// Trips a barrier this process holds (after `ac_shm_barrier_wait_holding`
/// gave it the last index), releasing the other parties. AC_BROKEN when it
/// was broken or reset meanwhile, AC_NOT_OWNER when this process does not
/// hold it.
#[no_mangle]
pub extern "C" fn ac_shm_barrier_trip(barrier: *const ac_shm_barrier) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_barrier::borrow(barrier) }?.trip()
    })
}

/// Breaks the barrier: waiters now and later get AC_BROKEN.
#[no_mangle]
pub extern "C" fn ac_shm_barrier_abort(barrier: *const ac_shm_barrier) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_barrier::borrow(barrier) }?.abort();
        Ok(())
    })
}

/// Closes the barrier for every process: waiters and later waits return
/// AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_shm_barrier_close(barrier: *const ac_shm_barrier) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_barrier::borrow(barrier) }?.close();
        Ok(())
    })
}

/// Mends the barrier (waiters inside get AC_BROKEN).
#[no_mangle]
pub extern "C" fn ac_shm_barrier_reset(barrier: *const ac_shm_barrier) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_barrier::borrow(barrier) }?.reset();
        Ok(())
    })
}

/// Writes the parties (`out_parties`), the parties waiting now
/// (`out_waiting`) and whether it is broken (`out_broken`); each may be NULL.
#[no_mangle]
pub extern "C" fn ac_shm_barrier_state(
    barrier: *const ac_shm_barrier,
    out_parties: *mut u32,
    out_waiting: *mut u32,
    out_broken: *mut bool,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        let barrier = unsafe { ac_shm_barrier::borrow(barrier) }?;
        write_optional(out_parties, barrier.parties());
        write_optional(out_waiting, barrier.waiting());
        write_optional(out_broken, barrier.is_broken());
        Ok(())
    })
}

// ---------------------------------------------------------------- counter

/// Creates an atomic 64-bit counter holding `value`.
#[no_mangle]
pub extern "C" fn ac_shm_counter_create(
    name: *const c_char,
    value: i64,
    out_counter: *mut *mut ac_shm_counter,
) -> ac_status {
    boundary::status(|| {
        out(out_counter)?;
        deliver(out_counter, ShmCounter::create(optional_name(name)?, value))
    })
}

/// Opens the counter created under `name`.
#[no_mangle]
pub extern "C" fn ac_shm_counter_open(
    name: *const c_char,
    out_counter: *mut *mut ac_shm_counter,
) -> ac_status {
    boundary::status(|| {
        out(out_counter)?;
        deliver(out_counter, ShmCounter::open(required_name(name)?))
    })
}

/// Adds `delta` (wrapping) and writes the new value to `out_value` (may be NULL).
#[no_mangle]
pub extern "C" fn ac_shm_counter_add(
    counter: *const ac_shm_counter,
    delta: i64,
    out_value: *mut i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        let value = unsafe { ac_shm_counter::borrow(counter) }?.add(delta);
        write_optional(out_value, value);
        Ok(())
    })
}

/// Writes the value to `out_value`.
#[no_mangle]
pub extern "C" fn ac_shm_counter_load(
    counter: *const ac_shm_counter,
    out_value: *mut i64,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_value)?;
        // SAFETY: NULL or a live handle.
        *slot = unsafe { ac_shm_counter::borrow(counter) }?.get();
        Ok(())
    })
}

/// Stores `value`.
#[no_mangle]
pub extern "C" fn ac_shm_counter_store(counter: *const ac_shm_counter, value: i64) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        unsafe { ac_shm_counter::borrow(counter) }?.set(value);
        Ok(())
    })
}

/// Stores `desired` if the value is `expected`; writes the value seen to
/// `out_seen` (may be NULL): equal to `expected` when it stored.
#[no_mangle]
pub extern "C" fn ac_shm_counter_compare_exchange(
    counter: *const ac_shm_counter,
    expected: i64,
    desired: i64,
    out_seen: *mut i64,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        let seen = unsafe { ac_shm_counter::borrow(counter) }?.compare_exchange(expected, desired);
        write_optional(out_seen, seen);
        Ok(())
    })
}

// ----------------------------------------------------------------- memory

/// Creates a block of `size` zeroed shared bytes (at least 1) under `name`
/// (NULL = anonymous, shared with children forked afterwards). It has no
/// lock: users guard it themselves (for example with an `ac_shm_rlock`).
#[no_mangle]
pub extern "C" fn ac_shm_memory_create(
    name: *const c_char,
    size: usize,
    out_memory: *mut *mut ac_shm_memory,
) -> ac_status {
    boundary::status(|| {
        out(out_memory)?;
        deliver(out_memory, ShmMemory::create(optional_name(name)?, size))
    })
}

/// Opens the block created under `name`.
#[no_mangle]
pub extern "C" fn ac_shm_memory_open(
    name: *const c_char,
    out_memory: *mut *mut ac_shm_memory,
) -> ac_status {
    boundary::status(|| {
        out(out_memory)?;
        deliver(out_memory, ShmMemory::open(required_name(name)?))
    })
}

/// Writes the address of the block's first byte (64-byte aligned, valid
/// while this process holds a reference) to `out_data` and its size to
/// `out_size` (either may be NULL).
#[no_mangle]
pub extern "C" fn ac_shm_memory_data(
    memory: *const ac_shm_memory,
    out_data: *mut *mut c_void,
    out_size: *mut usize,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle.
        let memory = unsafe { ac_shm_memory::borrow(memory) }?;
        write_optional(out_data, memory.data().cast::<c_void>());
        write_optional(out_size, memory.len());
        Ok(())
    })
}
