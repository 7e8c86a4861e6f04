//! Queues and publish/subscribe topics.
//!
//! An item is a byte message: puts copy the caller's bytes in, gets copy
//! them out into the caller's buffer, so the caller always keeps ownership
//! of its memory. A zero-length message is a valid item. A 64-bit value
//! (an integer or a pointer) is an 8-byte message in native byte order; the
//! `_u64` functions put and get those without any allocation, and items
//! put either way can be read either way.
//!
//! Attachments: a queue made by `ac_queue_new_attached` lets each item carry
//! an opaque pointer (a binding's reference to one of its own objects)
//! besides its bytes. The `_attached` gets hand the pointer over instead of
//! copying the bytes; every other way an item leaves (a plain get, an
//! immediate shutdown, the queue freed) passes the pointer to the queue's
//! release function, so it is never lost.

use std::ffi::c_void;
use std::sync::Arc;

use super::boundary;
use super::handle::{
    self, hold, object, out, slice, slice_mut, try_then_wait, write_optional, Handle,
};
use super::status::ac_status;
use super::timeout;
use crate::queue::{self, Key, Kind, Queue, Received, Topic};
use crate::{Error, Result};

/// A blocking queue of byte messages. Create with `ac_queue_new`, release
/// with `ac_queue_release`.
pub struct ac_queue {
    _private: [u8; 0],
}

object!(ac_queue, Queue, |queue| queue.close(false));

/// A publish/subscribe topic that copies each message into every
/// subscribed queue. Create with `ac_topic_new`, release with
/// `ac_topic_release`.
pub struct ac_topic {
    _private: [u8; 0],
}

object!(ac_topic, Topic, |topic| topic.close());

/// The order in which a queue hands out its items (`AC_QUEUE_*`).
pub type ac_queue_kind = i32;
/// First in, first out.
pub const AC_QUEUE_FIFO: ac_queue_kind = 0;
/// Last in, first out.
pub const AC_QUEUE_LIFO: ac_queue_kind = 1;
/// Lowest priority value first; first in, first out among equal priorities.
pub const AC_QUEUE_PRIORITY: ac_queue_kind = 2;

/// The item size limit of a queue created with `max_item_size` 0: 64 MiB.
pub const AC_QUEUE_DEFAULT_MAX_ITEM_SIZE: usize = 67108864;

const _: () = assert!(AC_QUEUE_DEFAULT_MAX_ITEM_SIZE == queue::DEFAULT_MAX_ITEM_SIZE);

/// Bytes from C: NULL is allowed only when `len` is 0.
fn bytes<'a>(data: *const c_void, len: usize) -> Result<&'a [u8]> {
    slice(data.cast::<u8>(), len)
}

/// A writable buffer from C: NULL is allowed only when `capacity` is 0.
fn writable<'a>(data: *mut c_void, capacity: usize) -> Result<&'a mut [u8]> {
    slice_mut(data.cast::<u8>(), capacity)
}

/// Reports a get into a caller's buffer: the length (or count) on success,
/// the needed size with AC_BUFFER_TOO_SMALL.
fn received(outcome: Received, slot: &mut usize) -> Result<()> {
    match outcome {
        Received::Copied(len) => {
            *slot = len;
            Ok(())
        }
        Received::TooSmall(needed) => {
            *slot = needed;
            Err(Error::BufferTooSmall)
        }
    }
}

/// Creates an empty queue of `kind` (`AC_QUEUE_FIFO`, `AC_QUEUE_LIFO` or
/// `AC_QUEUE_PRIORITY`) holding at most `maxsize` items (0 = unbounded),
/// each at most `max_item_size` bytes long (0 =
/// `AC_QUEUE_DEFAULT_MAX_ITEM_SIZE`). Returns AC_INVALID_ARGUMENT for an
/// unknown kind.
#[no_mangle]
pub extern "C" fn ac_queue_new(
    kind: ac_queue_kind,
    maxsize: usize,
    max_item_size: usize,
    out_queue: *mut *mut ac_queue,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_queue)?;
        let queue = Queue::new(queue_kind(kind)?, maxsize, max_item_size);
        *slot = ac_queue::into_raw(Arc::new(queue));
        Ok(())
    })
}

/// Creates an empty queue of 64-bit values (integers or pointers): like
/// `ac_queue_new`, except that every item is exactly 8 bytes long, so
/// `ac_queue_put_u64`/`ac_queue_get_u64` always apply, and a FIFO queue
/// stores bare values: the fastest queue for moving pointers. Putting a
/// message of another length returns AC_INVALID_ARGUMENT.
#[no_mangle]
pub extern "C" fn ac_queue_new_u64(
    kind: ac_queue_kind,
    maxsize: usize,
    out_queue: *mut *mut ac_queue,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_queue)?;
        let queue = Queue::new_values(queue_kind(kind)?, maxsize);
        *slot = ac_queue::into_raw(Arc::new(queue));
        Ok(())
    })
}

/// Receives each attachment that leaves a queue other than through an
/// `_attached` get: `context` as given to `ac_queue_new_attached`, and the
/// attachment. Called from whichever thread makes the item leave (a getter,
/// the thread that shuts the queue down or frees it), with no lock of the
/// queue held; it must not unwind into allcore.
pub type ac_queue_release_fn =
    Option<unsafe extern "C" fn(context: *mut c_void, attachment: *mut c_void)>;

/// A release function and its context, callable from any thread (the
/// creator of the queue promises that they are).
struct Releaser {
    function: unsafe extern "C" fn(*mut c_void, *mut c_void),
    context: *mut c_void,
}

// SAFETY: `ac_queue_new_attached` documents that the function and its
// context may be used from any thread.
unsafe impl Send for Releaser {}
// SAFETY: as above.
unsafe impl Sync for Releaser {}

/// Creates an empty queue like `ac_queue_new` whose items may also carry an
/// attachment: an opaque non-NULL pointer put with `ac_queue_put_attached`
/// (or `ac_queue_put_keyed`, `ac_queue_put_many_attached`). An `_attached`
/// get hands the attachment to its caller; whenever an item with one leaves
/// the queue otherwise (a plain get such as `ac_queue_get` or
/// `ac_queue_get_u64`, `ac_queue_shutdown` with `immediate`, or
/// `ac_queue_release` with items left), the queue calls `release(context,
/// attachment)` once. `release` and `context` must stay usable from any
/// thread until the queue is freed. Returns AC_NULL_POINTER when `release`
/// is NULL, AC_INVALID_ARGUMENT for an unknown kind.
#[no_mangle]
pub extern "C" fn ac_queue_new_attached(
    kind: ac_queue_kind,
    maxsize: usize,
    max_item_size: usize,
    release: ac_queue_release_fn,
    context: *mut c_void,
    out_queue: *mut *mut ac_queue,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_queue)?;
        let function = release.ok_or(Error::NullPointer)?;
        let releaser = Releaser { function, context };
        let release = Box::new(move |attachment: usize| {
            let releaser = &releaser;
            // SAFETY: the creator promised the function takes any
            // attachment put in this queue, from any thread.
            unsafe { (releaser.function)(releaser.context, attachment as *mut c_void) };
        });
        let queue = Queue::with_release(queue_kind(kind)?, maxsize, max_item_size, release);
        *slot = ac_queue::into_raw(Arc::new(queue));
        Ok(())
    })
}

/// Puts a copy of the `len` bytes at `data` (NULL allowed when `len` is 0)
/// carrying `attachment` (NULL: none), waiting at most `timeout_ns` for
/// room in a bounded queue (0: AC_WOULD_BLOCK at once when full). A
/// priority queue gives it priority 0. When the put fails, the queue has
/// taken neither the bytes nor the attachment. Returns AC_INVALID_ARGUMENT
/// for a non-NULL attachment on a queue not made by `ac_queue_new_attached`
/// or an item over the size limit, AC_TIMEOUT, AC_WOULD_BLOCK or AC_CLOSED.
#[no_mangle]
pub extern "C" fn ac_queue_put_attached(
    queue: *const ac_queue,
    attachment: *mut c_void,
    data: *const c_void,
    len: usize,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        let data = bytes(data, len)?;
        try_then_wait(queue, timeout(timeout_ns), |queue, timeout| {
            queue.put_attached(data, None, attachment as usize, timeout)
        })
    })
}

/// `ac_queue_put_attached` into a priority queue, ordered by the
/// `key_len`-byte key at `key` (NULL allowed when 0): keys compare as byte
/// strings (unsigned bytes, lexicographically, a proper prefix first) and
/// equal keys come out in the order they were put. An `int64_t` priority
/// given to `ac_queue_put_priority` orders as the 8-byte key of its
/// big-endian form with the sign bit flipped. AC_INVALID_ARGUMENT for a
/// queue that is not a priority queue.
#[no_mangle]
pub extern "C" fn ac_queue_put_keyed(
    queue: *const ac_queue,
    key: *const c_void,
    key_len: usize,
    attachment: *mut c_void,
    data: *const c_void,
    len: usize,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        let data = bytes(data, len)?;
        let key = bytes(key, key_len)?;
        try_then_wait(queue, timeout(timeout_ns), |queue, timeout| {
            let key = Key::Bytes(key.into());
            queue.put_attached(data, Some(key), attachment as usize, timeout)
        })
    })
}

/// Takes the next item like `ac_queue_get_timeout`; when it carries an
/// attachment, writes it to `out_attachment` (the caller now owns it),
/// copies nothing and writes the message's length to `out_len`; otherwise
/// writes NULL to `out_attachment` and copies the bytes as
/// `ac_queue_get_timeout` does (AC_BUFFER_TOO_SMALL leaves the item
/// queued). `buffer` may be NULL when `capacity` is 0.
#[no_mangle]
pub extern "C" fn ac_queue_get_attached(
    queue: *const ac_queue,
    buffer: *mut c_void,
    capacity: usize,
    timeout_ns: i64,
    out_len: *mut usize,
    out_attachment: *mut *mut c_void,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_len)?;
        let attachment_slot = out(out_attachment)?;
        *attachment_slot = std::ptr::null_mut();
        let buffer = writable(buffer, capacity)?;
        let (got, attachment) = try_then_wait(queue, timeout(timeout_ns), |queue, timeout| {
            queue.get_attached_into(&mut *buffer, timeout)
        })?;
        *attachment_slot = attachment as *mut c_void;
        received(got, slot)
    })
}

/// Takes the next item without waiting when it carries an attachment, and
/// returns the attachment (now the caller's). Returns `otherwise`, taking
/// nothing, when the queue is NULL, empty or shut down, or when its next
/// item has no attachment (get that one with `ac_queue_get_attached`). It
/// cannot fail otherwise, hence no status: this is the one-call get of a
/// binding that puts references to its own objects, and `otherwise` is a
/// value of its choice that no attachment takes.
#[no_mangle]
pub extern "C" fn ac_queue_take_attached(
    queue: *const ac_queue,
    otherwise: *mut c_void,
) -> *mut c_void {
    boundary::guard(otherwise, || {
        // SAFETY: NULL or a live handle, not freed during this call.
        match unsafe { ac_queue::borrow(queue) } {
            Ok(queue) => queue
                .take_attachment()
                .map_or(otherwise, |attachment| attachment as *mut c_void),
            Err(_) => otherwise,
        }
    })
}

/// `ac_queue_put_many` with attachments: message `i` carries
/// `attachments[i]` (NULL: none). The attachments of the messages not put
/// (`*out_put` onwards) stay with the caller.
#[no_mangle]
pub extern "C" fn ac_queue_put_many_attached(
    queue: *const ac_queue,
    attachments: *const *mut c_void,
    data: *const c_void,
    lengths: *const usize,
    count: usize,
    timeout_ns: i64,
    out_put: *mut usize,
) -> ac_status {
    boundary::status(|| {
        write_optional(out_put, 0);
        let queue = hold(queue)?;
        let lengths = slice(lengths, count)?;
        let attachments: Vec<usize> = slice(attachments, count)?
            .iter()
            .map(|&attachment| attachment as usize)
            .collect();
        let data = bytes(data, total_length(lengths)?)?;
        let (put, outcome) =
            queue.put_many_attached(split(data, lengths), &attachments, timeout(timeout_ns));
        write_optional(out_put, put);
        outcome
    })
}

/// `ac_queue_get_many` with attachments: item `i` that carries one has it
/// in `attachments[i]` (now the caller's), `lengths[i]` 0 and takes no room
/// in `buffer`; an item without one has `attachments[i]` NULL and its bytes
/// in `buffer` as with `ac_queue_get_many`.
#[no_mangle]
pub extern "C" fn ac_queue_get_many_attached(
    queue: *const ac_queue,
    buffer: *mut c_void,
    capacity: usize,
    lengths: *mut usize,
    attachments: *mut *mut c_void,
    max_items: usize,
    timeout_ns: i64,
    out_count: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let queue = hold(queue)?;
        let count = out(out_count)?;
        *count = 0;
        let buffer = writable(buffer, capacity)?;
        let lengths = slice_mut(lengths, max_items)?;
        let slots = slice_mut(attachments, max_items)?;
        let mut taken_attachments = vec![0usize; max_items];
        let outcome = queue.get_many_attached_into(
            buffer,
            lengths,
            &mut taken_attachments,
            timeout(timeout_ns),
        )?;
        match outcome {
            Received::Copied(taken) => {
                for (slot, &attachment) in slots.iter_mut().zip(&taken_attachments[..taken]) {
                    *slot = attachment as *mut c_void;
                }
                *count = taken;
                Ok(())
            }
            Received::TooSmall(needed) => received(Received::TooSmall(needed), &mut lengths[0]),
        }
    })
}

/// The total of `lengths`, checked.
fn total_length(lengths: &[usize]) -> Result<usize> {
    lengths
        .iter()
        .try_fold(0usize, |total, &len| total.checked_add(len))
        .ok_or(Error::Overflow("the lengths add up to more than memory"))
}

/// `data` cut into consecutive messages of `lengths`.
fn split<'a>(data: &'a [u8], lengths: &'a [usize]) -> impl Iterator<Item = &'a [u8]> + Clone {
    lengths.iter().scan(0, move |offset, &len| {
        let message = &data[*offset..*offset + len];
        *offset += len;
        Some(message)
    })
}

fn queue_kind(kind: ac_queue_kind) -> Result<Kind> {
    match kind {
        AC_QUEUE_FIFO => Ok(Kind::Fifo),
        AC_QUEUE_LIFO => Ok(Kind::Lifo),
        AC_QUEUE_PRIORITY => Ok(Kind::Priority),
        _ => Err(Error::InvalidArgument("unknown queue kind")),
    }
}

/// Adds a reference to the queue and returns `queue` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_queue_retain(queue: *mut ac_queue) -> *mut ac_queue {
    handle::retain(queue)
}

/// Drops one reference to the queue; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_queue_release(queue: *mut ac_queue) {
    handle::release(queue)
}

/// Shuts the queue down keeping its items (as `ac_queue_shutdown` without
/// `immediate`): puts return AC_CLOSED, gets drain what is queued and then
/// return AC_CLOSED, and blocked joiners wake with AC_CLOSED. A topic drops
/// it at its next publish. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_queue_close(queue: *const ac_queue) -> ac_status {
    handle::close(queue)
}

/// Puts a copy of the `len` bytes at `data` (NULL allowed when `len` is 0),
/// waiting as long as it takes for room in a bounded queue. A priority
/// queue gives it priority 0. Returns AC_CLOSED after a shutdown, or
/// AC_INVALID_ARGUMENT when `len` is over the queue's item size limit.
#[no_mangle]
pub extern "C" fn ac_queue_put(
    queue: *const ac_queue,
    data: *const c_void,
    len: usize,
) -> ac_status {
    boundary::status(|| {
        let data = bytes(data, len)?;
        try_then_wait(queue, None, |queue, timeout| queue.put(data, timeout))
    })
}

/// `ac_queue_put` waiting at most `timeout_ns` for room: returns
/// AC_WOULD_BLOCK (timeout 0) or AC_TIMEOUT when the queue stays full; the
/// message is then not queued.
#[no_mangle]
pub extern "C" fn ac_queue_put_timeout(
    queue: *const ac_queue,
    data: *const c_void,
    len: usize,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        let data = bytes(data, len)?;
        try_then_wait(queue, timeout(timeout_ns), |queue, timeout| {
            queue.put(data, timeout)
        })
    })
}

/// `ac_queue_put_timeout` with a priority: lower values come out first,
/// equal ones in the order they were put. Returns AC_INVALID_ARGUMENT for a
/// queue that is not a priority queue.
#[no_mangle]
pub extern "C" fn ac_queue_put_priority(
    queue: *const ac_queue,
    data: *const c_void,
    len: usize,
    priority: i64,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        let data = bytes(data, len)?;
        try_then_wait(queue, timeout(timeout_ns), |queue, timeout| {
            queue.put_priority(data, priority, timeout)
        })
    })
}

/// Puts the 64-bit `value` (an integer or a pointer) as an 8-byte message,
/// without allocating; otherwise as `ac_queue_put_timeout`.
#[no_mangle]
pub extern "C" fn ac_queue_put_u64(
    queue: *const ac_queue,
    value: u64,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        try_then_wait(queue, timeout(timeout_ns), |queue, timeout| {
            queue.put_u64(value, timeout)
        })
    })
}

/// Puts `count` messages in one call: message `i` is `lengths[i]` bytes
/// long and follows message `i - 1` in `data`. Waits for room whenever a
/// bounded queue is full, all within one `timeout_ns`. Writes to `out_put`
/// (may be NULL) how many went in, in order: all of them with AC_OK, the
/// first `*out_put` when it stops early with AC_TIMEOUT, AC_WOULD_BLOCK or
/// AC_CLOSED. When any message is over the item size limit, none is put
/// (AC_INVALID_ARGUMENT).
#[no_mangle]
pub extern "C" fn ac_queue_put_many(
    queue: *const ac_queue,
    data: *const c_void,
    lengths: *const usize,
    count: usize,
    timeout_ns: i64,
    out_put: *mut usize,
) -> ac_status {
    boundary::status(|| {
        write_optional(out_put, 0);
        let queue = hold(queue)?;
        let lengths = slice(lengths, count)?;
        let data = bytes(data, total_length(lengths)?)?;
        let (put, outcome) = queue.put_many(split(data, lengths), timeout(timeout_ns));
        write_optional(out_put, put);
        outcome
    })
}

/// Puts the `count` 64-bit values at `values` as 8-byte messages in one
/// call; otherwise as `ac_queue_put_many`. A FIFO queue of 64-bit values
/// (`ac_queue_new_u64`) claims room for many values at once, which makes
/// this, with `ac_queue_get_many_u64`, the fastest way to move values.
#[no_mangle]
pub extern "C" fn ac_queue_put_many_u64(
    queue: *const ac_queue,
    values: *const u64,
    count: usize,
    timeout_ns: i64,
    out_put: *mut usize,
) -> ac_status {
    boundary::status(|| {
        write_optional(out_put, 0);
        let queue = hold(queue)?;
        let (put, outcome) = queue.put_many_u64(slice(values, count)?, timeout(timeout_ns));
        write_optional(out_put, put);
        outcome
    })
}

/// Takes the next item into `buffer` (`capacity` bytes; NULL allowed when
/// 0), waiting as long as it takes for one, and writes its length to
/// `out_len`. When the item is longer than `capacity`, returns
/// AC_BUFFER_TOO_SMALL with the needed size in `out_len` and leaves the
/// item queued: retry with a buffer that large. Returns AC_CLOSED once the
/// queue is shut down and empty.
#[no_mangle]
pub extern "C" fn ac_queue_get(
    queue: *const ac_queue,
    buffer: *mut c_void,
    capacity: usize,
    out_len: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_len)?;
        let buffer = writable(buffer, capacity)?;
        let got = try_then_wait(queue, None, |queue, timeout| {
            queue.get_into(&mut *buffer, timeout)
        })?;
        received(got, slot)
    })
}

/// `ac_queue_get` waiting at most `timeout_ns` for an item: returns
/// AC_WOULD_BLOCK (timeout 0) or AC_TIMEOUT when none comes.
#[no_mangle]
pub extern "C" fn ac_queue_get_timeout(
    queue: *const ac_queue,
    buffer: *mut c_void,
    capacity: usize,
    timeout_ns: i64,
    out_len: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_len)?;
        let buffer = writable(buffer, capacity)?;
        let got = try_then_wait(queue, timeout(timeout_ns), |queue, timeout| {
            queue.get_into(&mut *buffer, timeout)
        })?;
        received(got, slot)
    })
}

/// Takes the next item as a 64-bit value into `out_value`, waiting at most
/// `timeout_ns`. Returns AC_INVALID_ARGUMENT, leaving the item queued, when
/// it is not exactly 8 bytes long.
#[no_mangle]
pub extern "C" fn ac_queue_get_u64(
    queue: *const ac_queue,
    timeout_ns: i64,
    out_value: *mut u64,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_value)?;
        *slot = try_then_wait(queue, timeout(timeout_ns), |queue, timeout| {
            queue.get_u64(timeout)
        })?;
        Ok(())
    })
}

/// Takes up to `max_items` items in one call. Waits at most `timeout_ns`
/// for the first, then takes, without waiting, the items already queued
/// while they fit one after another into `buffer` (`capacity` bytes). Item
/// `i` is `lengths[i]` bytes long and starts where item `i - 1` ends; the
/// number taken goes to `out_count`. When the first item alone does not
/// fit, returns AC_BUFFER_TOO_SMALL with `*out_count` = 0 and the needed
/// size in `lengths[0]`, leaving it queued. AC_INVALID_ARGUMENT when
/// `max_items` is 0.
#[no_mangle]
pub extern "C" fn ac_queue_get_many(
    queue: *const ac_queue,
    buffer: *mut c_void,
    capacity: usize,
    lengths: *mut usize,
    max_items: usize,
    timeout_ns: i64,
    out_count: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let queue = hold(queue)?;
        let count = out(out_count)?;
        *count = 0;
        let buffer = writable(buffer, capacity)?;
        let lengths = slice_mut(lengths, max_items)?;
        match queue.get_many_into(buffer, lengths, timeout(timeout_ns))? {
            Received::Copied(taken) => {
                *count = taken;
                Ok(())
            }
            Received::TooSmall(needed) => received(Received::TooSmall(needed), &mut lengths[0]),
        }
    })
}

/// Takes up to `max_items` 8-byte items as 64-bit values into `values` in
/// one call: waits at most `timeout_ns` for the first, then takes those
/// already queued, stopping before any item of another length. The number
/// taken goes to `out_count`. Returns AC_INVALID_ARGUMENT when `max_items`
/// is 0 or the first item is not 8 bytes long (it stays queued).
#[no_mangle]
pub extern "C" fn ac_queue_get_many_u64(
    queue: *const ac_queue,
    values: *mut u64,
    max_items: usize,
    timeout_ns: i64,
    out_count: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let queue = hold(queue)?;
        let count = out(out_count)?;
        *count = 0;
        *count = queue.get_many_u64(slice_mut(values, max_items)?, timeout(timeout_ns))?;
        Ok(())
    })
}

/// Marks one fetched item as processed, for `ac_queue_join`. Returns
/// AC_INVALID_ARGUMENT when called more times than items were put.
#[no_mangle]
pub extern "C" fn ac_queue_task_done(queue: *const ac_queue) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let queue = unsafe { ac_queue::borrow(queue) }?;
        queue.task_done(1)
    })
}

/// `ac_queue_task_done` `count` times at once (after a batch get). Returns
/// AC_INVALID_ARGUMENT, marking nothing, when fewer than `count` tasks are
/// unfinished.
#[no_mangle]
pub extern "C" fn ac_queue_task_done_many(queue: *const ac_queue, count: usize) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let queue = unsafe { ac_queue::borrow(queue) }?;
        queue.task_done(count)
    })
}

/// Blocks until every item ever put has been marked done with
/// `ac_queue_task_done`, or `timeout_ns` passes (AC_TIMEOUT;
/// AC_WOULD_BLOCK for 0). A shutdown does not end the wait (items still
/// being processed count); freeing the queue does, with AC_CLOSED.
#[no_mangle]
pub extern "C" fn ac_queue_join(queue: *const ac_queue, timeout_ns: i64) -> ac_status {
    boundary::status(|| {
        let queue = hold(queue)?;
        queue.join(timeout(timeout_ns))
    })
}

/// Shuts the queue down (Python 3.13's `Queue.shutdown`): later puts return
/// AC_CLOSED; gets take the items left and then return AC_CLOSED; every
/// blocked put and get wakes. With `immediate`, the queued items are
/// discarded at once and counted done for `ac_queue_join`; how many goes
/// to `out_discarded` (may be NULL). Shutting down again is harmless.
#[no_mangle]
pub extern "C" fn ac_queue_shutdown(
    queue: *const ac_queue,
    immediate: bool,
    out_discarded: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let queue = hold(queue)?;
        write_optional(out_discarded, queue.shutdown(immediate));
        Ok(())
    })
}

/// Writes the number of queued items to `out_size` (a snapshot: other
/// threads may change it at once).
#[no_mangle]
pub extern "C" fn ac_queue_size(queue: *const ac_queue, out_size: *mut usize) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let queue = unsafe { ac_queue::borrow(queue) }?;
        *out(out_size)? = queue.len();
        Ok(())
    })
}

/// Writes whether the queue holds no items now to `out_empty`.
#[no_mangle]
pub extern "C" fn ac_queue_is_empty(queue: *const ac_queue, out_empty: *mut bool) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let queue = unsafe { ac_queue::borrow(queue) }?;
        *out(out_empty)? = queue.is_empty();
        Ok(())
    })
}

/// Writes whether a bounded queue holds `maxsize` items now to `out_full`
/// (always false for an unbounded queue).
#[no_mangle]
pub extern "C" fn ac_queue_is_full(queue: *const ac_queue, out_full: *mut bool) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let queue = unsafe { ac_queue::borrow(queue) }?;
        *out(out_full)? = queue.is_full();
        Ok(())
    })
}

/// Writes the queue's `maxsize` (0 = unbounded) to `out_maxsize`.
#[no_mangle]
pub extern "C" fn ac_queue_maxsize(queue: *const ac_queue, out_maxsize: *mut usize) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let queue = unsafe { ac_queue::borrow(queue) }?;
        *out(out_maxsize)? = queue.maxsize();
        Ok(())
    })
}

/// Writes whether the queue's items may carry attachments (it was made by
/// `ac_queue_new_attached`) to `out_takes`.
#[no_mangle]
pub extern "C" fn ac_queue_takes_attachments(
    queue: *const ac_queue,
    out_takes: *mut bool,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let queue = unsafe { ac_queue::borrow(queue) }?;
        *out(out_takes)? = queue.takes_attachments();
        Ok(())
    })
}

/// Writes whether the queue has been shut down to `out_closed`.
#[no_mangle]
pub extern "C" fn ac_queue_is_closed(queue: *const ac_queue, out_closed: *mut bool) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let queue = unsafe { ac_queue::borrow(queue) }?;
        *out(out_closed)? = queue.is_closed();
        Ok(())
    })
}

/// Writes the number of items put and not yet marked done (Python's
/// `unfinished_tasks`) to `out_unfinished`.
#[no_mangle]
pub extern "C" fn ac_queue_unfinished_tasks(
    queue: *const ac_queue,
    out_unfinished: *mut usize,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let queue = unsafe { ac_queue::borrow(queue) }?;
        *out(out_unfinished)? = queue.unfinished_tasks();
        Ok(())
    })
}

/// Creates a topic with no subscribers.
#[no_mangle]
pub extern "C" fn ac_topic_new(out_topic: *mut *mut ac_topic) -> ac_status {
    boundary::status(|| {
        let slot = out(out_topic)?;
        *slot = ac_topic::into_raw(Arc::new(Topic::new()));
        Ok(())
    })
}

/// Adds a reference to the topic and returns `topic` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_topic_retain(topic: *mut ac_topic) -> *mut ac_topic {
    handle::retain(topic)
}

/// Drops one reference to the topic; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_topic_release(topic: *mut ac_topic) {
    handle::release(topic)
}

/// Closes the topic: publishes and subscribes return AC_CLOSED from now on,
/// publishers blocked waiting for room in a subscriber wake with AC_CLOSED,
/// and the topic lets go of its subscribers. Closing again is harmless.
#[no_mangle]
pub extern "C" fn ac_topic_close(topic: *const ac_topic) -> ac_status {
    boundary::status(|| {
        let topic = hold(topic)?;
        topic.close();
        Ok(())
    })
}

/// Subscribes `queue` (any kind) to the topic: every later publish puts a
/// copy of its message into it. The topic keeps the queue alive while it is
/// subscribed; freeing or shutting down the queue unsubscribes it. May be
/// called while other threads publish. Returns AC_INVALID_ARGUMENT when the
/// queue is subscribed already, AC_CLOSED when the topic is closed.
#[no_mangle]
pub extern "C" fn ac_topic_subscribe(topic: *const ac_topic, queue: *const ac_queue) -> ac_status {
    boundary::status(|| {
        let topic = hold(topic)?;
        let queue = hold(queue)?;
        topic.subscribe(queue)
    })
}

/// Unsubscribes `queue`: publishes that start after this returns do not
/// reach it (one already under way may still deliver to it). May be called
/// while other threads publish. Returns AC_INVALID_ARGUMENT when the queue
/// is not subscribed.
#[no_mangle]
pub extern "C" fn ac_topic_unsubscribe(
    topic: *const ac_topic,
    queue: *const ac_queue,
) -> ac_status {
    boundary::status(|| {
        let topic = hold(topic)?;
        let queue = hold(queue)?;
        topic.unsubscribe(&queue)
    })
}

/// Writes the number of subscribed queues to `out_count`.
#[no_mangle]
pub extern "C" fn ac_topic_subscribers(topic: *const ac_topic, out_count: *mut usize) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let topic = unsafe { ac_topic::borrow(topic) }?;
        *out(out_count)? = topic.subscribers();
        Ok(())
    })
}

/// Puts a copy of the `len` bytes at `data` into every subscribed queue, in
/// subscription order, and writes how many received it to `out_delivered`
/// (may be NULL). A full bounded subscriber is waited for until one
/// deadline, `timeout_ns` from now, shared by the whole publish: with
/// AC_FOREVER nothing is ever missed (back-pressure); with 0 a full
/// subscriber simply misses the message (drop). When some subscriber
/// missed it, returns AC_WOULD_BLOCK (timeout 0) or AC_TIMEOUT after
/// delivering to all the others. Subscribers that were shut down or freed
/// are skipped and unsubscribed. Returns AC_INVALID_ARGUMENT, delivering
/// nothing, when `len` is over a subscriber's item size limit; AC_CLOSED
/// when the topic is closed before or during the publish.
#[no_mangle]
pub extern "C" fn ac_topic_publish(
    topic: *const ac_topic,
    data: *const c_void,
    len: usize,
    timeout_ns: i64,
    out_delivered: *mut usize,
) -> ac_status {
    boundary::status(|| {
        write_optional(out_delivered, 0);
        let topic = hold(topic)?;
        let timeout = timeout(timeout_ns);
        let delivery = topic.publish(bytes(data, len)?, timeout)?;
        write_optional(out_delivered, delivery.delivered);
        match delivery.missed {
            0 => Ok(()),
            _ if timeout.is_some_and(|timeout| timeout.is_zero()) => Err(Error::WouldBlock),
            _ => Err(Error::Timeout),
        }
    })
}
