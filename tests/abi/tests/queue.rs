//! Queues and topics through the C declarations: value and byte queues,
//! small buffers, size limits, shutdown, priorities, batches, closing and
//! publish/subscribe.

use std::ptr::{null, null_mut};

use allcore_abi_tests::*;

/// `AC_FOREVER` as the `int64_t` a timeout is.
const AC_FOREVER: i64 = allcore_abi_tests::AC_FOREVER as i64;

fn new_queue(kind: ac_queue_kind, maxsize: usize, max_item_size: usize) -> *mut ac_queue {
    let mut queue = null_mut();
    // SAFETY: a valid out-pointer.
    let status = unsafe { ac_queue_new(kind, maxsize, max_item_size, &mut queue) };
    assert_eq!(status, AC_OK);
    queue
}

fn put(queue: *const ac_queue, message: &[u8]) -> ac_status {
    // SAFETY: callers pass a live queue; the message is a live slice.
    unsafe { ac_queue_put(queue, message.as_ptr().cast(), message.len()) }
}

fn get(queue: *const ac_queue, capacity: usize) -> (ac_status, Vec<u8>, usize) {
    let mut buffer = vec![0u8; capacity];
    let mut len = usize::MAX;
    // SAFETY: callers pass a live queue; the buffer holds `capacity` bytes.
    let status =
        unsafe { ac_queue_get_timeout(queue, buffer.as_mut_ptr().cast(), capacity, 0, &mut len) };
    buffer.truncate(len.min(capacity));
    (status, buffer, len)
}

#[test]
fn value_queues_move_eight_byte_items_only() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let mut queue = null_mut();
        assert_eq!(
            ac_queue_new_u64(AC_QUEUE_FIFO, 0, null_mut()),
            AC_NULL_POINTER
        );
        assert_eq!(ac_queue_new_u64(7, 0, &mut queue), AC_INVALID_ARGUMENT);
        assert_eq!(ac_queue_new_u64(AC_QUEUE_FIFO, 2, &mut queue), AC_OK);
        assert_eq!(put(queue, b"short"), AC_INVALID_ARGUMENT);
        assert_eq!(ac_queue_put_u64(queue, 41, 0), AC_OK);
        assert_eq!(put(queue, &42u64.to_ne_bytes()), AC_OK);
        assert_eq!(ac_queue_put_u64(queue, 43, 0), AC_WOULD_BLOCK);
        let mut value = 0;
        assert_eq!(ac_queue_get_u64(queue, 0, &mut value), AC_OK);
        assert_eq!(value, 41);
        // A buffer too small for the value keeps it queued.
        assert_eq!(get(queue, 4).0, AC_BUFFER_TOO_SMALL);
        let (status, bytes, len) = get(queue, 8);
        assert_eq!((status, len), (AC_OK, 8));
        assert_eq!(bytes, 42u64.to_ne_bytes());
        ac_queue_release(queue);
    }
}

#[test]
fn null_handles_and_out_pointers_are_reported() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let mut value = 0u64;
        let mut len = 0usize;
        let mut flag = false;
        assert_eq!(ac_queue_put(null(), null(), 0), AC_NULL_POINTER);
        assert_eq!(ac_queue_put_u64(null(), 1, 0), AC_NULL_POINTER);
        assert_eq!(ac_queue_get_u64(null(), 0, &mut value), AC_NULL_POINTER);
        assert_eq!(ac_queue_size(null(), &mut len), AC_NULL_POINTER);
        assert_eq!(ac_queue_join(null(), 0), AC_NULL_POINTER);
        assert_eq!(ac_queue_task_done(null()), AC_NULL_POINTER);
        assert_eq!(ac_queue_shutdown(null(), true, null_mut()), AC_NULL_POINTER);
        assert_eq!(
            ac_queue_new(AC_QUEUE_FIFO, 0, 0, null_mut()),
            AC_NULL_POINTER
        );
        assert_eq!(ac_topic_new(null_mut()), AC_NULL_POINTER);
        assert_eq!(ac_topic_subscribe(null(), null()), AC_NULL_POINTER);
        ac_queue_release(null_mut());
        ac_topic_release(null_mut());

        let queue = new_queue(AC_QUEUE_FIFO, 0, 0);
        // A non-empty message at NULL, a missing out-parameter.
        assert_eq!(ac_queue_put(queue, null(), 3), AC_NULL_POINTER);
        assert_eq!(ac_queue_get_u64(queue, 0, null_mut()), AC_NULL_POINTER);
        assert_eq!(
            ac_queue_get(queue, null_mut(), 0, null_mut()),
            AC_NULL_POINTER
        );
        assert_eq!(ac_queue_is_empty(queue, null_mut()), AC_NULL_POINTER);
        assert_eq!(ac_queue_is_empty(queue, &mut flag), AC_OK);
        assert!(flag);
        assert_eq!(
            ac_queue_put_many(queue, null(), [1usize].as_ptr(), 1, 0, null_mut()),
            AC_NULL_POINTER
        );
        assert_eq!(ac_queue_size(queue, &mut len), AC_OK);
        assert_eq!(len, 0);
        ac_queue_release(queue);
    }
}

#[test]
fn unknown_kind_is_rejected() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let mut queue = null_mut();
        assert_eq!(ac_queue_new(3, 0, 0, &mut queue), AC_INVALID_ARGUMENT);
        assert!(queue.is_null());
    }
}

#[test]
fn zero_length_messages_are_items() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let queue = new_queue(AC_QUEUE_FIFO, 0, 0);
        assert_eq!(ac_queue_put(queue, null(), 0), AC_OK);
        let mut len = usize::MAX;
        assert_eq!(ac_queue_get(queue, null_mut(), 0, &mut len), AC_OK);
        assert_eq!(len, 0);
        assert_eq!(get(queue, 8).0, AC_WOULD_BLOCK);
        ac_queue_release(queue);
    }
}

#[test]
fn a_small_buffer_reports_the_needed_size_and_keeps_the_item() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let queue = new_queue(AC_QUEUE_FIFO, 0, 0);
        assert_eq!(put(queue, b"hello, world"), AC_OK);
        assert_eq!(get(queue, 5).0, AC_BUFFER_TOO_SMALL);
        assert_eq!(get(queue, 5).2, 12);
        let mut len = 0;
        assert_eq!(
            ac_queue_get(queue, null_mut(), 0, &mut len),
            AC_BUFFER_TOO_SMALL
        );
        assert_eq!(len, 12);
        let mut lengths = [0usize; 2];
        let mut count = usize::MAX;
        let mut small = [0u8; 4];
        assert_eq!(
            ac_queue_get_many(
                queue,
                small.as_mut_ptr().cast(),
                4,
                lengths.as_mut_ptr(),
                2,
                0,
                &mut count
            ),
            AC_BUFFER_TOO_SMALL
        );
        assert_eq!((count, lengths[0]), (0, 12));
        assert_eq!(get(queue, 12), (AC_OK, b"hello, world".to_vec(), 12));
        ac_queue_release(queue);
    }
}

#[test]
fn oversized_items_are_rejected() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let queue = new_queue(AC_QUEUE_FIFO, 0, 4);
        assert_eq!(put(queue, b"four"), AC_OK);
        assert_eq!(put(queue, b"five!"), AC_INVALID_ARGUMENT);
        assert_eq!(ac_queue_put_u64(queue, 1, 0), AC_INVALID_ARGUMENT);
        let lengths = [usize::MAX, 2];
        assert_eq!(
            ac_queue_put_many(
                queue,
                b"ab".as_ptr().cast(),
                lengths.as_ptr(),
                2,
                0,
                null_mut()
            ),
            AC_OVERFLOW
        );
        let mut size = 0;
        assert_eq!(ac_queue_size(queue, &mut size), AC_OK);
        assert_eq!(size, 1);
        ac_queue_release(queue);
    }
}

#[test]
fn operations_after_shutdown() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let queue = new_queue(AC_QUEUE_LIFO, 2, 0);
        assert_eq!(ac_queue_put_u64(queue, 1, 0), AC_OK);
        assert_eq!(ac_queue_put_u64(queue, 2, 0), AC_OK);
        let mut full = false;
        assert_eq!(ac_queue_is_full(queue, &mut full), AC_OK);
        assert!(full);
        assert_eq!(ac_queue_put_u64(queue, 3, 0), AC_WOULD_BLOCK);
        assert_eq!(ac_queue_put_u64(queue, 3, 1_000_000), AC_TIMEOUT);
        let mut discarded = usize::MAX;
        assert_eq!(ac_queue_shutdown(queue, false, &mut discarded), AC_OK);
        assert_eq!(discarded, 0);
        let mut closed = false;
        assert_eq!(ac_queue_is_closed(queue, &mut closed), AC_OK);
        assert!(closed);
        assert_eq!(put(queue, b"late"), AC_CLOSED);
        let mut value = 0;
        assert_eq!(ac_queue_get_u64(queue, AC_FOREVER, &mut value), AC_OK);
        assert_eq!(value, 2);
        assert_eq!(ac_queue_get_u64(queue, AC_FOREVER, &mut value), AC_OK);
        assert_eq!(value, 1);
        assert_eq!(ac_queue_get_u64(queue, AC_FOREVER, &mut value), AC_CLOSED);
        assert_eq!(get(queue, 8).0, AC_CLOSED);
        let mut unfinished = 0;
        assert_eq!(ac_queue_unfinished_tasks(queue, &mut unfinished), AC_OK);
        assert_eq!(unfinished, 2);
        assert_eq!(ac_queue_task_done_many(queue, 3), AC_INVALID_ARGUMENT);
        assert_eq!(ac_queue_task_done_many(queue, 2), AC_OK);
        assert_eq!(ac_queue_task_done(queue), AC_INVALID_ARGUMENT);
        assert_eq!(ac_queue_join(queue, 0), AC_OK);
        ac_queue_release(queue);
    }
}

#[test]
fn priorities_and_batches() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let queue = new_queue(AC_QUEUE_PRIORITY, 0, 0);
        for (message, priority) in [(&b"c"[..], 3), (b"a", 1), (b"b", 2)] {
            assert_eq!(
                ac_queue_put_priority(queue, message.as_ptr().cast(), 1, priority, 0),
                AC_OK
            );
        }
        let data = b"xyzzy";
        let lengths = [2usize, 0, 3];
        let mut put = 0;
        assert_eq!(
            ac_queue_put_many(
                queue,
                data.as_ptr().cast(),
                lengths.as_ptr(),
                3,
                0,
                &mut put
            ),
            AC_OK
        );
        assert_eq!(put, 3);
        let mut buffer = [0u8; 16];
        let mut got = [0usize; 8];
        let mut count = 0;
        assert_eq!(
            ac_queue_get_many(
                queue,
                buffer.as_mut_ptr().cast(),
                16,
                got.as_mut_ptr(),
                8,
                0,
                &mut count
            ),
            AC_OK
        );
        // Priority 0 (the batch, in order) before 1, 2, 3.
        assert_eq!(count, 6);
        assert_eq!(got[..6], [2, 0, 3, 1, 1, 1]);
        assert_eq!(&buffer[..8], b"xyzzyabc");
        assert_eq!(
            ac_queue_get_many(
                queue,
                buffer.as_mut_ptr().cast(),
                16,
                got.as_mut_ptr(),
                0,
                0,
                &mut count
            ),
            AC_INVALID_ARGUMENT
        );

        let fifo = new_queue(AC_QUEUE_FIFO, 0, 0);
        assert_eq!(
            ac_queue_put_priority(fifo, b"x".as_ptr().cast(), 1, 1, 0),
            AC_INVALID_ARGUMENT
        );
        let values = [5u64, 6, 7];
        assert_eq!(
            ac_queue_put_many_u64(fifo, values.as_ptr(), 3, AC_FOREVER, &mut put),
            AC_OK
        );
        let mut out = [0u64; 2];
        assert_eq!(
            ac_queue_get_many_u64(fifo, out.as_mut_ptr(), 2, 0, &mut count),
            AC_OK
        );
        assert_eq!((count, out), (2, [5, 6]));
        assert_eq!(get(fifo, 8), (AC_OK, 7u64.to_ne_bytes().to_vec(), 8));
        ac_queue_release(fifo);
        ac_queue_release(queue);
    }
}

/// A handle that may be shared with another thread in a test.
#[derive(Clone, Copy)]
struct Shared<T>(*mut T);
// SAFETY: allcore handles may be used from any thread.
unsafe impl<T> Send for Shared<T> {}

impl<T> Shared<T> {
    fn get(self) -> *mut T {
        self.0
    }
}

#[test]
fn closing_wakes_blocked_threads_with_closed() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let queue = new_queue(AC_QUEUE_FIFO, 0, 0);
        let shared = Shared(queue);
        let getter = std::thread::spawn(move || {
            let mut value = 0;
            ac_queue_get_u64(shared.get(), AC_FOREVER, &mut value)
        });
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert_eq!(ac_queue_close(queue), AC_OK);
        assert_eq!(getter.join().unwrap(), AC_CLOSED);
        ac_queue_release(queue);
    }
}

#[test]
fn topics_fan_out_and_release_cleanly() {
    // SAFETY: every handle is live from its `_new` to its last `_release`, and
    // every pointer passed points to a live local of the type the header says.
    unsafe {
        let mut topic = null_mut();
        assert_eq!(ac_topic_new(&mut topic), AC_OK);
        let first = new_queue(AC_QUEUE_FIFO, 1, 0);
        let second = new_queue(AC_QUEUE_FIFO, 0, 0);
        assert_eq!(ac_topic_subscribe(topic, first), AC_OK);
        assert_eq!(ac_topic_subscribe(topic, second), AC_OK);
        assert_eq!(ac_topic_subscribe(topic, second), AC_INVALID_ARGUMENT);
        let mut delivered = usize::MAX;
        let publish = |message: &[u8], timeout_ns, delivered: &mut usize| {
            ac_topic_publish(
                topic,
                message.as_ptr().cast(),
                message.len(),
                timeout_ns,
                delivered,
            )
        };
        assert_eq!(publish(b"one", AC_FOREVER, &mut delivered), AC_OK);
        assert_eq!(delivered, 2);
        // `first` is full now: it misses the next message.
        assert_eq!(publish(b"two", 0, &mut delivered), AC_WOULD_BLOCK);
        assert_eq!(delivered, 1);
        assert_eq!(publish(b"three", 1_000_000, &mut delivered), AC_TIMEOUT);
        assert_eq!(delivered, 1);
        assert_eq!(get(first, 8), (AC_OK, b"one".to_vec(), 3));
        assert_eq!(ac_topic_unsubscribe(topic, first), AC_OK);
        assert_eq!(ac_topic_unsubscribe(topic, first), AC_INVALID_ARGUMENT);
        // A closed subscriber is dropped by the next publish.
        assert_eq!(ac_queue_close(second), AC_OK);
        ac_queue_release(second);
        assert_eq!(ac_topic_subscribe(topic, first), AC_OK);
        assert_eq!(publish(b"four", 0, &mut delivered), AC_OK);
        assert_eq!(delivered, 1);
        let mut subscribers = 0;
        assert_eq!(ac_topic_subscribers(topic, &mut subscribers), AC_OK);
        assert_eq!(subscribers, 1);
        assert_eq!(ac_topic_close(topic), AC_OK);
        assert_eq!(publish(b"five", 0, &mut delivered), AC_CLOSED);
        assert_eq!(ac_topic_subscribe(topic, first), AC_CLOSED);
        ac_topic_release(topic);
        assert_eq!(get(first, 8), (AC_OK, b"four".to_vec(), 4));
        ac_queue_release(first);
    }
}
