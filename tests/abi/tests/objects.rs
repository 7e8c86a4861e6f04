//! The object model through the C declarations: every object's retain,
//! release and close; a release racing a blocked call; close without free.

use std::ptr::{null, null_mut};
use std::time::Duration;

use allcore_abi_tests::*;

/// A handle moved to another thread (handles are thread-safe).
#[derive(Clone, Copy)]
struct Shared<T>(*mut T);
// SAFETY: allcore objects are thread-safe; the pointer is only passed to them.
unsafe impl<T> Send for Shared<T> {}

impl<T> Shared<T> {
    fn get(self) -> *mut T {
        self.0
    }
}

#[test]
fn retain_returns_its_argument_and_null_is_a_no_op() {
    let mut mutex = null_mut();
    // SAFETY: valid out-pointer; then a live handle with two references,
    // released twice; NULL is allowed everywhere.
    unsafe {
        assert_eq!(ac_mutex_new(&mut mutex), AC_OK);
        assert_eq!(ac_mutex_retain(mutex), mutex);
        ac_mutex_release(mutex);
        // The second reference keeps the mutex usable.
        assert_eq!(ac_mutex_lock(mutex), AC_OK);
        assert_eq!(ac_mutex_unlock(mutex), AC_OK);
        ac_mutex_release(mutex);
        assert!(ac_mutex_retain(null_mut()).is_null());
        ac_mutex_release(null_mut());
        assert_eq!(ac_mutex_close(null()), AC_NULL_POINTER);
        assert!(ac_queue_retain(null_mut()).is_null());
        ac_queue_release(null_mut());
        assert_eq!(ac_queue_close(null()), AC_NULL_POINTER);
        assert_eq!(ac_pool_close(null()), AC_NULL_POINTER);
        assert_eq!(ac_counter_close(null()), AC_NULL_POINTER);
    }
}

#[test]
fn close_wakes_a_waiter_and_a_released_reference_does_not_free_it() {
    let mut event = null_mut();
    // SAFETY: valid out-pointer.
    assert_eq!(unsafe { ac_event_new(&mut event) }, AC_OK);
    // A second owner (another library) takes its reference.
    // SAFETY: live handle.
    let other = Shared(unsafe { ac_event_retain(event) });
    let waiter = std::thread::spawn(move || {
        // SAFETY: the handle is live: `other` is released only after this.
        unsafe { ac_event_wait(other.get(), AC_FOREVER as i64) }
    });
    std::thread::sleep(Duration::from_millis(30));
    // The first owner lets go while the wait is in progress: no wake-up.
    // SAFETY: releases the first owner's reference only.
    unsafe { ac_event_release(event) };
    std::thread::sleep(Duration::from_millis(30));
    assert!(!waiter.is_finished());
    // SAFETY: `other` is still a live reference.
    assert_eq!(unsafe { ac_event_close(other.get()) }, AC_OK);
    assert_eq!(waiter.join().unwrap(), AC_CLOSED);
    // Later blocking calls report AC_CLOSED too, and the object is still valid.
    // SAFETY: live handle; then its last reference is released.
    unsafe {
        assert_eq!(ac_event_wait(other.get(), 0), AC_CLOSED);
        let mut set = true;
        assert_eq!(ac_event_is_set(other.get(), &mut set), AC_OK);
        ac_event_release(other.get());
    }
}

#[test]
fn a_closed_queue_drains_then_reports_closed() {
    let mut queue = null_mut();
    // SAFETY: valid out-pointers; a live queue, released once at the end.
    unsafe {
        assert_eq!(
            ac_queue_new_u64(AC_QUEUE_FIFO as ac_queue_kind, 0, &mut queue),
            AC_OK
        );
        assert_eq!(ac_queue_put_u64(queue, 7, AC_FOREVER as i64), AC_OK);
        assert_eq!(ac_queue_close(queue), AC_OK);
        assert_eq!(ac_queue_put_u64(queue, 8, AC_FOREVER as i64), AC_CLOSED);
        let mut value = 0;
        assert_eq!(
            ac_queue_get_u64(queue, AC_FOREVER as i64, &mut value),
            AC_OK
        );
        assert_eq!(value, 7);
        assert_eq!(
            ac_queue_get_u64(queue, AC_FOREVER as i64, &mut value),
            AC_CLOSED
        );
        ac_queue_release(queue);
    }
}

#[test]
fn a_closed_pool_refuses_work_and_its_last_release_frees_it() {
    let mut pool = null_mut();
    // SAFETY: valid out-pointers; a live pool with two references.
    unsafe {
        assert_eq!(ac_pool_new(2, null(), &mut pool), AC_OK);
        let other = ac_pool_retain(pool);
        assert_eq!(ac_pool_close(pool), AC_OK);
        let mut future = null_mut();
        assert_eq!(
            ac_pool_submit(other, Some(abi_task_add_one), null_mut(), &mut future),
            AC_CLOSED
        );
        ac_pool_release(pool);
        ac_pool_release(other);
    }
}

#[test]
fn every_object_has_retain_release_and_close() {
    // SAFETY: valid out-pointers; each object gets a second reference,
    // is closed, and both references are released.
    unsafe {
        macro_rules! check {
            ($new:expr, $retain:ident, $close:ident, $release:ident) => {{
                let mut object = null_mut();
                assert_eq!($new(&mut object), AC_OK);
                assert_eq!($retain(object), object);
                assert_eq!($close(object), AC_OK);
                assert_eq!($close(object), AC_OK);
                $release(object);
                $release(object);
            }};
        }
        check!(
            |out| ac_pool_new(1, null(), out),
            ac_pool_retain,
            ac_pool_close,
            ac_pool_release
        );
        check!(
            |out| ac_queue_new(AC_QUEUE_FIFO as ac_queue_kind, 0, 0, out),
            ac_queue_retain,
            ac_queue_close,
            ac_queue_release
        );
        check!(
            |out| ac_topic_new(out),
            ac_topic_retain,
            ac_topic_close,
            ac_topic_release
        );
        check!(
            |out| ac_mutex_new(out),
            ac_mutex_retain,
            ac_mutex_close,
            ac_mutex_release
        );
        check!(
            |out| ac_rlock_new(out),
            ac_rlock_retain,
            ac_rlock_close,
            ac_rlock_release
        );
        check!(
            |out| ac_rwlock_new(out),
            ac_rwlock_retain,
            ac_rwlock_close,
            ac_rwlock_release
        );
        check!(
            |out| ac_semaphore_new(1, out),
            ac_semaphore_retain,
            ac_semaphore_close,
            ac_semaphore_release
        );
        check!(
            |out| ac_condition_new(out),
            ac_condition_retain,
            ac_condition_close,
            ac_condition_release
        );
        check!(
            |out| ac_event_new(out),
            ac_event_retain,
            ac_event_close,
            ac_event_release
        );
        check!(
            |out| ac_barrier_new(2, out),
            ac_barrier_retain,
            ac_barrier_close,
            ac_barrier_release
        );
        check!(
            |out| ac_latch_new(1, out),
            ac_latch_retain,
            ac_latch_close,
            ac_latch_release
        );
        check!(
            |out| ac_counter_new(0, out),
            ac_counter_retain,
            ac_counter_close,
            ac_counter_release
        );
    }
}
