//! Shared-memory objects through the C declarations: a named queue opened
//! twice, batches, close (of the queue and of every sync object, waking a
//! waiter in another process), a named condition, argument checks, a mutex
//! whose holder is killed, and names that go with their last user or
//! `ac_shm_unlink`.

use std::ffi::CString;
use std::ptr::{null, null_mut};

use allcore_abi_tests::*;

fn name(tag: &str) -> CString {
    CString::new(format!("allcore-abi-{tag}-{}", std::process::id())).unwrap()
}

fn ok(status: ac_status) {
    assert_eq!(status, AC_OK, "{}", status_name(status));
}

#[test]
fn a_named_queue_is_shared_by_two_handles() {
    let name = name("queue");
    let (mut first, mut second) = (null_mut(), null_mut());
    // SAFETY: valid strings and out-pointers; handles released at the end.
    unsafe {
        ok(ac_shm_queue_create(name.as_ptr(), 4096, 0, &mut first));
        assert_eq!(
            ac_shm_queue_create(name.as_ptr(), 4096, 0, &mut second),
            AC_INVALID_ARGUMENT
        );
        ok(ac_shm_queue_open(name.as_ptr(), &mut second));
        ok(ac_shm_queue_put(
            first,
            b"hello".as_ptr().cast(),
            5,
            AC_FOREVER as i64,
        ));
        let lengths = [1usize, 2, 3];
        let mut put = 0;
        ok(ac_shm_queue_put_many(
            first,
            b"abbccc".as_ptr().cast(),
            lengths.as_ptr(),
            3,
            0,
            &mut put,
        ));
        assert_eq!(put, 3);
        let mut size = 0;
        ok(ac_shm_queue_size(second, &mut size));
        assert_eq!(size, 4);
        let mut buffer = [0u8; 16];
        let mut len = 0;
        assert_eq!(
            ac_shm_queue_get(second, buffer.as_mut_ptr().cast(), 2, 0, &mut len),
            AC_BUFFER_TOO_SMALL
        );
        assert_eq!(len, 5);
        ok(ac_shm_queue_get(
            second,
            buffer.as_mut_ptr().cast(),
            16,
            0,
            &mut len,
        ));
        assert_eq!(&buffer[..len], b"hello");
        let mut got = [0usize; 8];
        let mut count = 0;
        ok(ac_shm_queue_get_many(
            second,
            buffer.as_mut_ptr().cast(),
            16,
            got.as_mut_ptr(),
            8,
            0,
            &mut count,
        ));
        assert_eq!(
            (count, &got[..3], &buffer[..6]),
            (3, &[1usize, 2, 3][..], &b"abbccc"[..])
        );
        assert_eq!(
            ac_shm_queue_get(second, buffer.as_mut_ptr().cast(), 16, 0, &mut len),
            AC_WOULD_BLOCK
        );
        assert_eq!(
            ac_shm_queue_get(second, buffer.as_mut_ptr().cast(), 16, 1_000_000, &mut len),
            AC_TIMEOUT
        );
        ok(ac_shm_queue_put(first, b"last".as_ptr().cast(), 4, 0));
        ok(ac_shm_queue_close(first));
        assert_eq!(
            ac_shm_queue_put(second, b"x".as_ptr().cast(), 1, 0),
            AC_CLOSED
        );
        ok(ac_shm_queue_get(
            second,
            buffer.as_mut_ptr().cast(),
            16,
            AC_FOREVER as i64,
            &mut len,
        ));
        assert_eq!(
            ac_shm_queue_get(
                second,
                buffer.as_mut_ptr().cast(),
                16,
                AC_FOREVER as i64,
                &mut len
            ),
            AC_CLOSED
        );
        assert_eq!(ac_shm_queue_retain(second), second);
        ac_shm_queue_release(second);
        ac_shm_queue_release(second);
        ac_shm_queue_release(first);
        // The last user released it: the name is gone.
        assert_eq!(
            ac_shm_queue_open(name.as_ptr(), &mut second),
            AC_INVALID_ARGUMENT
        );
        ac_shm_queue_release(null_mut());
    }
}

#[test]
fn arguments_are_checked() {
    let mut queue = null_mut();
    let bad = CString::new("a/b").unwrap();
    // SAFETY: NULL and bad arguments on purpose; valid out-pointers.
    unsafe {
        assert_eq!(
            ac_shm_queue_create(null(), 64, 0, null_mut()),
            AC_NULL_POINTER
        );
        assert_eq!(ac_shm_queue_open(null(), &mut queue), AC_NULL_POINTER);
        assert_eq!(
            ac_shm_queue_create(bad.as_ptr(), 64, 0, &mut queue),
            AC_INVALID_ARGUMENT
        );
        assert_eq!(ac_shm_queue_put(null(), null(), 0, 0), AC_NULL_POINTER);
        assert_eq!(ac_shm_unlink(bad.as_ptr()), AC_INVALID_ARGUMENT);
        ok(ac_shm_queue_create(null(), 64, 0, &mut queue));
        assert_eq!(
            ac_shm_queue_put(queue, [0u8; 100].as_ptr().cast(), 100, 0),
            AC_INVALID_ARGUMENT
        );
        assert_eq!(ac_shm_queue_put(queue, null(), 3, 0), AC_NULL_POINTER);
        ac_shm_queue_release(queue);
        let mut semaphore = null_mut();
        assert_eq!(
            ac_shm_semaphore_create(null(), 3, 2, &mut semaphore),
            AC_INVALID_ARGUMENT
        );
        let mut barrier = null_mut();
        assert_eq!(
            ac_shm_barrier_create(null(), 0, &mut barrier),
            AC_INVALID_ARGUMENT
        );
    }
}

#[test]
fn a_killed_holder_hands_the_mutex_over_with_owner_died() {
    let name = name("mutex");
    let mut mutex = null_mut();
    let mut ready = null_mut();
    // SAFETY: valid arguments; the child only locks, signals and sleeps.
    unsafe {
        ok(ac_shm_mutex_create(name.as_ptr(), &mut mutex));
        ok(ac_shm_event_create(null(), &mut ready));
        let child = libc::fork();
        assert!(child >= 0);
        if child == 0 {
            let mut other = null_mut();
            let status = ac_shm_mutex_open(name.as_ptr(), &mut other);
            if status != AC_OK || ac_shm_mutex_lock(other, AC_FOREVER as i64) != AC_OK {
                libc::_exit(1);
            }
            ac_shm_event_set(ready);
            libc::sleep(60);
            libc::_exit(0);
        }
        ok(ac_shm_event_wait(ready, 30_000_000_000));
        assert_eq!(ac_shm_mutex_lock(mutex, 0), AC_WOULD_BLOCK);
        libc::kill(child, libc::SIGKILL);
        libc::waitpid(child, null_mut(), 0);
        assert_eq!(ac_shm_mutex_lock(mutex, 30_000_000_000), AC_OWNER_DIED);
        let mut locked = false;
        ok(ac_shm_mutex_is_locked(mutex, &mut locked));
        assert!(locked);
        ok(ac_shm_mutex_unlock(mutex));
        assert_eq!(ac_shm_mutex_unlock(mutex), AC_NOT_OWNER);
        ok(ac_shm_unlink(name.as_ptr()));
        assert_eq!(ac_shm_unlink(name.as_ptr()), AC_INVALID_ARGUMENT);
        ac_shm_mutex_release(mutex);
        ac_shm_event_release(ready);
    }
}

#[test]
fn sync_objects() {
    // SAFETY: valid arguments and out-pointers; each handle released once.
    unsafe {
        let mut semaphore = null_mut();
        ok(ac_shm_semaphore_create(null(), 1, 0, &mut semaphore));
        ok(ac_shm_semaphore_acquire(semaphore, 0));
        assert_eq!(ac_shm_semaphore_acquire(semaphore, 0), AC_WOULD_BLOCK);
        ok(ac_shm_semaphore_post(semaphore, 2));
        let mut value = 0;
        ok(ac_shm_semaphore_value(semaphore, &mut value));
        assert_eq!(value, 2);
        ac_shm_semaphore_release(semaphore);

        let mut rlock = null_mut();
        ok(ac_shm_rlock_create(null(), &mut rlock));
        ok(ac_shm_rlock_lock(rlock, 0));
        ok(ac_shm_rlock_lock(rlock, 0));
        let mut depth = 0;
        ok(ac_shm_rlock_count(rlock, &mut depth));
        assert_eq!(depth, 2);
        ok(ac_shm_rlock_unlock(rlock));
        ok(ac_shm_rlock_unlock(rlock));
        assert_eq!(ac_shm_rlock_unlock(rlock), AC_NOT_OWNER);
        ac_shm_rlock_release(rlock);

        let mut barrier = null_mut();
        ok(ac_shm_barrier_create(null(), 1, &mut barrier));
        let mut index = 9;
        ok(ac_shm_barrier_wait(barrier, AC_FOREVER as i64, &mut index));
        assert_eq!(index, 0);
        ok(ac_shm_barrier_abort(barrier));
        let mut broken = false;
        ok(ac_shm_barrier_state(
            barrier,
            null_mut(),
            null_mut(),
            &mut broken,
        ));
        assert!(broken);
        ac_shm_barrier_release(barrier);

        let mut counter = null_mut();
        ok(ac_shm_counter_create(null(), 40, &mut counter));
        let mut now = 0;
        ok(ac_shm_counter_add(counter, 2, &mut now));
        assert_eq!(now, 42);
        ok(ac_shm_counter_compare_exchange(counter, 42, 7, &mut now));
        ok(ac_shm_counter_load(counter, &mut now));
        assert_eq!(now, 7);
        ac_shm_counter_release(counter);

        let mut event = null_mut();
        ok(ac_shm_event_create(null(), &mut event));
        assert_eq!(ac_shm_event_wait(event, 0), AC_WOULD_BLOCK);
        ok(ac_shm_event_set(event));
        ok(ac_shm_event_wait(event, AC_FOREVER as i64));
        ac_shm_event_release(event);
    }
}

#[test]
fn closing_sync_objects_wakes_waiters_in_another_process() {
    // SAFETY: valid arguments; the child only waits and exits; each handle
    // released once.
    unsafe {
        let (mut mutex, mut rlock, mut semaphore, mut event, mut barrier, mut condition) = (
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
        );
        ok(ac_shm_mutex_create(null(), &mut mutex));
        ok(ac_shm_rlock_create(null(), &mut rlock));
        ok(ac_shm_semaphore_create(null(), 0, 0, &mut semaphore));
        ok(ac_shm_event_create(null(), &mut event));
        ok(ac_shm_barrier_create(null(), 2, &mut barrier));
        ok(ac_shm_condition_create(null(), &mut condition));
        let mut ready = null_mut();
        ok(ac_shm_semaphore_create(null(), 0, 0, &mut ready));
        ok(ac_shm_mutex_lock(mutex, 0));
        ok(ac_shm_rlock_lock(rlock, 0));
        let long = 30_000_000_000;
        let mut children = Vec::new();
        for which in 0..6 {
            let child = libc::fork();
            assert!(child >= 0);
            if child == 0 {
                ac_shm_semaphore_post(ready, 1);
                let status = match which {
                    0 => ac_shm_mutex_lock(mutex, long),
                    1 => {
                        let mut mine = null_mut();
                        ac_shm_rlock_create(null(), &mut mine);
                        ac_shm_rlock_lock(mine, 0);
                        // Waits on the condition, holding its own lock.
                        ac_shm_condition_wait_rlock(condition, mine, long)
                    }
                    2 => ac_shm_semaphore_acquire(semaphore, long),
                    3 => ac_shm_event_wait(event, long),
                    4 => ac_shm_barrier_wait(barrier, long, null_mut()),
                    _ => ac_shm_rlock_lock(rlock, long),
                };
                libc::_exit(i32::from(status != AC_CLOSED));
            }
            children.push(child);
        }
        for _ in 0..children.len() {
            ok(ac_shm_semaphore_acquire(ready, long));
        }
        libc::usleep(50_000);
        ok(ac_shm_mutex_close(mutex));
        ok(ac_shm_rlock_close(rlock));
        ok(ac_shm_semaphore_close(semaphore));
        ok(ac_shm_event_close(event));
        ok(ac_shm_barrier_close(barrier));
        ok(ac_shm_condition_close(condition));
        for child in children {
            let mut status = 0;
            libc::waitpid(child, &mut status, 0);
            assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        }
        ok(ac_shm_mutex_unlock(mutex));
        assert_eq!(ac_shm_mutex_lock(mutex, 0), AC_CLOSED);
        assert_eq!(ac_shm_semaphore_acquire(semaphore, 0), AC_CLOSED);
        assert_eq!(ac_shm_event_wait(event, 0), AC_CLOSED);
        assert_eq!(ac_shm_barrier_wait(barrier, 0, null_mut()), AC_CLOSED);
        assert_eq!(ac_shm_mutex_close(null()), AC_NULL_POINTER);
        ac_shm_mutex_release(mutex);
        ac_shm_rlock_release(rlock);
        ac_shm_semaphore_release(semaphore);
        ac_shm_semaphore_release(ready);
        ac_shm_event_release(event);
        ac_shm_barrier_release(barrier);
        ac_shm_condition_release(condition);
    }
}

#[test]
fn a_named_condition_wakes_a_waiter_of_another_process() {
    let name = name("condition");
    let lock_name = name.to_str().unwrap().to_owned() + "-lock";
    let lock_name = CString::new(lock_name).unwrap();
    let (mut condition, mut mutex) = (null_mut(), null_mut());
    // SAFETY: valid arguments; the child opens the objects by name, waits
    // and exits; each handle released once.
    unsafe {
        ok(ac_shm_condition_create(name.as_ptr(), &mut condition));
        ok(ac_shm_mutex_create(lock_name.as_ptr(), &mut mutex));
        assert_eq!(
            ac_shm_condition_wait(condition, mutex, 0),
            AC_NOT_OWNER,
            "the mutex is not locked"
        );
        ok(ac_shm_mutex_lock(mutex, 0));
        assert_eq!(ac_shm_condition_wait(condition, mutex, 0), AC_WOULD_BLOCK);
        assert_eq!(
            ac_shm_condition_wait(condition, mutex, 1_000_000),
            AC_TIMEOUT
        );
        let child = libc::fork();
        assert!(child >= 0);
        if child == 0 {
            let (mut c, mut m) = (null_mut(), null_mut());
            if ac_shm_condition_open(name.as_ptr(), &mut c) != AC_OK
                || ac_shm_mutex_open(lock_name.as_ptr(), &mut m) != AC_OK
                || ac_shm_mutex_lock(m, 30_000_000_000) != AC_OK
            {
                libc::_exit(1);
            }
            let status = ac_shm_condition_wait(c, m, 30_000_000_000);
            ac_shm_mutex_unlock(m);
            ac_shm_condition_release(c);
            ac_shm_mutex_release(m);
            libc::_exit(i32::from(status != AC_OK));
        }
        // Let the child lock and wait: the mutex is free once it sleeps.
        ok(ac_shm_mutex_unlock(mutex));
        let mut woken = 0;
        while woken == 0 {
            libc::usleep(1_000);
            ok(ac_shm_mutex_lock(mutex, AC_FOREVER as i64));
            ok(ac_shm_condition_notify(condition, 1, &mut woken));
            ok(ac_shm_mutex_unlock(mutex));
        }
        assert_eq!(woken, 1);
        let mut status = 0;
        libc::waitpid(child, &mut status, 0);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        assert_eq!(
            ac_shm_condition_notify(condition, -1, null_mut()),
            AC_INVALID_ARGUMENT
        );
        ok(ac_shm_condition_notify_all(condition, &mut woken));
        assert_eq!(woken, 0);
        ac_shm_condition_release(condition);
        ac_shm_mutex_release(mutex);
    }
}

#[test]
fn a_held_barrier_releases_its_parties_only_when_tripped() {
    // SAFETY: valid out-pointers; the handle outlives the thread, which is
    // joined before the release.
    unsafe {
        let mut barrier = null_mut();
        ok(ac_shm_barrier_create(null(), 2, &mut barrier));
        let shared = barrier as usize;
        let passed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = passed.clone();
        let waiter = std::thread::spawn(move || {
            let mut index = 9;
            let status = ac_shm_barrier_wait(shared as *const _, AC_FOREVER as i64, &mut index);
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            (status, index)
        });
        let mut waiting = 0;
        while waiting == 0 {
            ok(ac_shm_barrier_state(
                barrier,
                null_mut(),
                &mut waiting,
                null_mut(),
            ));
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let mut index = 9;
        ok(ac_shm_barrier_wait_holding(
            barrier,
            AC_FOREVER as i64,
            &mut index,
        ));
        assert_eq!(index, 1);
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!passed.load(std::sync::atomic::Ordering::SeqCst));
        ok(ac_shm_barrier_trip(barrier));
        assert_eq!(waiter.join().unwrap(), (AC_OK, 0));
        assert_eq!(ac_shm_barrier_trip(barrier), AC_NOT_OWNER);
        // Held, then aborted: the holder's trip says so.
        let mut one = null_mut();
        ok(ac_shm_barrier_create(null(), 1, &mut one));
        ok(ac_shm_barrier_wait_holding(one, 0, null_mut()));
        ok(ac_shm_barrier_abort(one));
        assert_eq!(ac_shm_barrier_trip(one), AC_BROKEN);
        ac_shm_barrier_release(one);
        ac_shm_barrier_release(barrier);
    }
}

#[test]
fn a_named_memory_block_is_shared_and_zeroed() {
    let name = name("memory");
    // SAFETY: valid strings and out-pointers; each data pointer is used
    // while its handle lives.
    unsafe {
        let (mut first, mut second) = (null_mut(), null_mut());
        assert_eq!(
            ac_shm_memory_create(null(), 0, &mut first),
            AC_INVALID_ARGUMENT
        );
        ok(ac_shm_memory_create(name.as_ptr(), 24, &mut first));
        ok(ac_shm_memory_open(name.as_ptr(), &mut second));
        let (mut a, mut b) = (null_mut(), null_mut());
        let mut size = 0;
        ok(ac_shm_memory_data(first, &mut a, &mut size));
        ok(ac_shm_memory_data(second, &mut b, null_mut()));
        assert_eq!(size, 24);
        assert_eq!(a as usize % 64, 0);
        let a = a.cast::<f64>();
        assert_eq!(*a.add(2), 0.0);
        *a.add(2) = 2.5;
        assert_eq!(*b.cast::<f64>().add(2), 2.5);
        assert_eq!(
            ac_shm_memory_data(null(), null_mut(), null_mut()),
            AC_NULL_POINTER
        );
        ac_shm_memory_release(first);
        ac_shm_memory_release(second);
    }
}
