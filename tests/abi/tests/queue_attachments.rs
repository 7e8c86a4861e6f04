//! Queue attachments and byte keys, driven through the C declarations: every
//! attachment leaves the queue exactly once, to an `_attached` get or to the
//! release function; priority keys order as byte strings, integer
//! priorities among them.

use std::ffi::c_void;
use std::ptr::{null, null_mut};
use std::sync::Mutex;

use allcore_abi_tests::*;

/// What a release function received: (context, attachment) pairs.
type Released = Mutex<Vec<(usize, usize)>>;

unsafe extern "C" fn record_release(context: *mut c_void, attachment: *mut c_void) {
    // SAFETY: every queue made here passes a live `Released` as context.
    let released = unsafe { &*context.cast::<Released>() };
    released
        .lock()
        .unwrap()
        .push((context as usize, attachment as usize));
}

fn new_attached(kind: ac_queue_kind, maxsize: usize, released: &Released) -> *mut ac_queue {
    let mut queue = null_mut();
    let context = (released as *const Released).cast_mut().cast::<c_void>();
    // SAFETY: valid out-pointer; the context outlives the queue in every test.
    let status = unsafe {
        ac_queue_new_attached(kind, maxsize, 0, Some(record_release), context, &mut queue)
    };
    assert_eq!(status, AC_OK, "{}", status_name(status));
    queue
}

fn put_attached(queue: *mut ac_queue, attachment: usize, message: &[u8]) -> ac_status {
    // SAFETY: live queue; the message is `len` readable bytes.
    unsafe {
        ac_queue_put_attached(
            queue,
            attachment as *mut c_void,
            message.as_ptr().cast(),
            message.len(),
            0,
        )
    }
}

/// An `_attached` get without waiting: (status, attachment, bytes).
fn get_attached(queue: *mut ac_queue) -> (ac_status, usize, Vec<u8>) {
    let mut buffer = [0u8; 64];
    let (mut len, mut attachment) = (usize::MAX, std::ptr::dangling_mut::<c_void>());
    // SAFETY: live queue, valid buffer and out-pointers.
    let status = unsafe {
        ac_queue_get_attached(
            queue,
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            0,
            &mut len,
            &mut attachment,
        )
    };
    let bytes = if status == AC_OK && attachment.is_null() {
        buffer[..len].to_vec()
    } else {
        Vec::new()
    };
    (status, attachment as usize, bytes)
}

fn plain_get(queue: *mut ac_queue) -> (ac_status, Vec<u8>) {
    let mut buffer = [0u8; 64];
    let mut len = 0;
    // SAFETY: live queue, valid buffer and out-pointer.
    let status =
        unsafe { ac_queue_get_timeout(queue, buffer.as_mut_ptr().cast(), 64, 0, &mut len) };
    (status, buffer[..len.min(64)].to_vec())
}

fn attachments(released: &Released) -> Vec<usize> {
    released.lock().unwrap().iter().map(|&(_, a)| a).collect()
}

#[test]
fn attached_gets_take_the_attachment_and_plain_gets_release_it() {
    let released = Released::default();
    let queue = new_attached(AC_QUEUE_FIFO as ac_queue_kind, 0, &released);
    assert_eq!(put_attached(queue, 0x1000, b"first"), AC_OK);
    assert_eq!(put_attached(queue, 0x2000, b"second"), AC_OK);
    assert_eq!(put_attached(queue, 0, b"plain"), AC_OK);
    // An attached get hands the attachment over and copies nothing.
    assert_eq!(get_attached(queue), (AC_OK, 0x1000, Vec::new()));
    // A plain get copies the bytes and releases the attachment.
    assert_eq!(plain_get(queue), (AC_OK, b"second".to_vec()));
    assert_eq!(attachments(&released), vec![0x2000]);
    // An item without one comes out of an attached get as bytes.
    assert_eq!(get_attached(queue), (AC_OK, 0, b"plain".to_vec()));
    assert_eq!(get_attached(queue).0, AC_WOULD_BLOCK);
    // The context given at creation is passed back.
    let context = &released as *const Released as usize;
    assert!(released.lock().unwrap().iter().all(|&(c, _)| c == context));
    // SAFETY: live queue, freed once.
    unsafe { ac_queue_release(queue) };
    assert_eq!(attachments(&released), vec![0x2000]);
}

#[test]
fn take_attached_takes_only_items_with_an_attachment() {
    let released = Released::default();
    let queue = new_attached(AC_QUEUE_FIFO as ac_queue_kind, 0, &released);
    // SAFETY: NULL and a live queue; take_attached never fails.
    let otherwise = 0x5usize as *mut c_void;
    unsafe {
        assert_eq!(ac_queue_take_attached(null(), otherwise), otherwise);
        assert_eq!(ac_queue_take_attached(queue, otherwise), otherwise);
    }
    assert_eq!(put_attached(queue, 0, b"bytes first"), AC_OK);
    assert_eq!(put_attached(queue, 0x30, b"then attached"), AC_OK);
    // SAFETY: live queue.
    assert_eq!(
        unsafe { ac_queue_take_attached(queue, otherwise) },
        otherwise
    );
    // The item without one stayed next, ahead of the attached one.
    assert_eq!(get_attached(queue), (AC_OK, 0, b"bytes first".to_vec()));
    // SAFETY: live queue.
    assert_eq!(
        unsafe { ac_queue_take_attached(queue, otherwise) } as usize,
        0x30
    );
    // SAFETY: live queue, freed once.
    unsafe { ac_queue_release(queue) };
    assert!(attachments(&released).is_empty());
}

#[test]
fn discarded_and_freed_items_release_their_attachments() {
    let released = Released::default();
    let queue = new_attached(AC_QUEUE_LIFO as ac_queue_kind, 0, &released);
    for attachment in [1, 2, 3] {
        assert_eq!(put_attached(queue, attachment, b"x"), AC_OK);
    }
    let mut discarded = 0;
    // SAFETY: live queue, valid out-pointer.
    assert_eq!(
        unsafe { ac_queue_shutdown(queue, true, &mut discarded) },
        AC_OK
    );
    assert_eq!(discarded, 3);
    let mut got = attachments(&released);
    got.sort();
    assert_eq!(got, vec![1, 2, 3]);
    // SAFETY: live queue, freed once.
    unsafe { ac_queue_release(queue) };

    let released = Released::default();
    let queue = new_attached(AC_QUEUE_FIFO as ac_queue_kind, 4, &released);
    assert_eq!(put_attached(queue, 7, b"left"), AC_OK);
    assert_eq!(put_attached(queue, 8, b"behind"), AC_OK);
    // SAFETY: live queue, freed once.
    unsafe { ac_queue_release(queue) };
    assert_eq!(attachments(&released), vec![7, 8]);
}

#[test]
fn a_failed_put_keeps_the_attachment_with_the_caller() {
    let released = Released::default();
    let queue = new_attached(AC_QUEUE_FIFO as ac_queue_kind, 1, &released);
    assert_eq!(put_attached(queue, 1, b"a"), AC_OK);
    assert_eq!(put_attached(queue, 2, b"b"), AC_WOULD_BLOCK);
    // SAFETY: live queue.
    assert_eq!(
        unsafe { ac_queue_shutdown(queue, false, null_mut()) },
        AC_OK
    );
    assert_eq!(put_attached(queue, 3, b"c"), AC_CLOSED);
    assert_eq!(get_attached(queue), (AC_OK, 1, Vec::new()));
    assert_eq!(get_attached(queue).0, AC_CLOSED);
    // SAFETY: live queue, freed once.
    unsafe { ac_queue_release(queue) };
    assert!(attachments(&released).is_empty());
}

#[test]
fn u64_gets_and_batches_release_or_hand_over_attachments() {
    let released = Released::default();
    let queue = new_attached(AC_QUEUE_FIFO as ac_queue_kind, 0, &released);
    assert_eq!(put_attached(queue, 11, &42u64.to_ne_bytes()), AC_OK);
    let mut value = 0;
    // SAFETY: live queue, valid out-pointer.
    assert_eq!(unsafe { ac_queue_get_u64(queue, 0, &mut value) }, AC_OK);
    assert_eq!((value, attachments(&released)), (42, vec![11]));

    let messages = b"onetwothree";
    let lengths = [3usize, 3, 5];
    let sent = [21usize as *mut c_void, null_mut(), 23usize as *mut c_void];
    let mut put = 0;
    // SAFETY: live queue; arrays of `count` entries; data covers the lengths.
    let status = unsafe {
        ac_queue_put_many_attached(
            queue,
            sent.as_ptr(),
            messages.as_ptr().cast(),
            lengths.as_ptr(),
            3,
            0,
            &mut put,
        )
    };
    assert_eq!((status, put), (AC_OK, 3));
    let mut buffer = [0u8; 16];
    let mut got_lengths = [usize::MAX; 4];
    let mut got = [std::ptr::dangling_mut::<c_void>(); 4];
    let mut count = 0;
    // SAFETY: live queue; arrays of `max_items` entries; valid buffer.
    let status = unsafe {
        ac_queue_get_many_attached(
            queue,
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            got_lengths.as_mut_ptr(),
            got.as_mut_ptr(),
            4,
            0,
            &mut count,
        )
    };
    assert_eq!((status, count), (AC_OK, 3));
    assert_eq!(&got_lengths[..3], &[0, 3, 0]);
    assert_eq!(got[..3], sent[..]);
    assert_eq!(&buffer[..3], b"two");
    // SAFETY: live queue, freed once.
    unsafe { ac_queue_release(queue) };
    assert_eq!(attachments(&released), vec![11]);
}

#[test]
fn keys_order_as_byte_strings_with_integer_priorities_among_them() {
    let released = Released::default();
    let queue = new_attached(AC_QUEUE_PRIORITY as ac_queue_kind, 0, &released);
    let put_keyed = |key: &[u8], message: &[u8]| {
        // SAFETY: live queue; key and message are readable bytes.
        unsafe {
            ac_queue_put_keyed(
                queue,
                key.as_ptr().cast(),
                key.len(),
                null_mut(),
                message.as_ptr().cast(),
                message.len(),
                0,
            )
        }
    };
    let put_priority = |priority: i64, message: &[u8]| {
        // SAFETY: live queue; the message is readable bytes.
        unsafe { ac_queue_put_priority(queue, message.as_ptr().cast(), message.len(), priority, 0) }
    };
    assert_eq!(put_keyed(b"\xff", b"last"), AC_OK);
    assert_eq!(put_priority(5, b"five"), AC_OK);
    assert_eq!(put_keyed(b"", b"first"), AC_OK);
    assert_eq!(put_priority(-1, b"minus one"), AC_OK);
    assert_eq!(
        put_keyed(&(0x8000_0000_0000_0005u64).to_be_bytes(), b"five again"),
        AC_OK
    );
    assert_eq!(put_keyed(b"\x80", b"between"), AC_OK);
    let order: Vec<Vec<u8>> = (0..6).map(|_| plain_get(queue).1).collect();
    let expected: [&[u8]; 6] = [
        b"first",
        b"minus one",
        b"between",
        b"five",
        b"five again",
        b"last",
    ];
    assert_eq!(order, expected.map(<[u8]>::to_vec));

    // A key for a queue of another kind, an attachment for a queue without a
    // release function, a NULL release function: invalid.
    let mut fifo = null_mut();
    // SAFETY: valid out-pointer.
    assert_eq!(
        unsafe { ac_queue_new(AC_QUEUE_FIFO as ac_queue_kind, 0, 0, &mut fifo) },
        AC_OK
    );
    // SAFETY: live queue; NULL data with length 0 is allowed.
    let status = unsafe { ac_queue_put_keyed(fifo, null(), 0, null_mut(), null(), 0, 0) };
    assert_eq!(status, AC_INVALID_ARGUMENT);
    assert_eq!(put_attached(fifo, 5, b"x"), AC_INVALID_ARGUMENT);
    let mut other = null_mut();
    // SAFETY: valid out-pointer; NULL release function is reported.
    let status = unsafe { ac_queue_new_attached(0, 0, 0, None, null_mut(), &mut other) };
    assert_eq!(status, AC_NULL_POINTER);
    // SAFETY: live queues, freed once.
    unsafe {
        ac_queue_release(fifo);
        ac_queue_release(queue);
    }
}

#[test]
fn a_queue_tells_whether_it_takes_attachments() {
    let released = Released::default();
    let attached = new_attached(AC_QUEUE_FIFO as ac_queue_kind, 0, &released);
    let mut plain = null_mut();
    // SAFETY: valid out-pointer.
    assert_eq!(
        unsafe { ac_queue_new(AC_QUEUE_FIFO as ac_queue_kind, 0, 0, &mut plain) },
        AC_OK
    );
    let mut takes = false;
    // SAFETY: live queues and a valid out-pointer; NULLs are reported.
    unsafe {
        assert_eq!(ac_queue_takes_attachments(attached, &mut takes), AC_OK);
        assert!(takes);
        assert_eq!(ac_queue_takes_attachments(plain, &mut takes), AC_OK);
        assert!(!takes);
        assert_eq!(
            ac_queue_takes_attachments(null(), &mut takes),
            AC_NULL_POINTER
        );
        assert_eq!(
            ac_queue_takes_attachments(plain, null_mut()),
            AC_NULL_POINTER
        );
        ac_queue_release(attached);
        ac_queue_release(plain);
    }
}
