//! Tests of the shared-memory objects, across forked processes, including
//! processes killed with SIGKILL in the middle of puts, gets and locks.

use std::time::Duration;

use super::*;
use crate::queue::Received;
use crate::Error;

fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "allcore-test-{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Forks a child that runs `body` and exits with its return value (without
/// running the parent's test harness or destructors).
fn fork_child(body: impl FnOnce() -> i32) -> libc::pid_t {
    // SAFETY: the child only runs `body` and `_exit`s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(99);
        // SAFETY: ends the child at once.
        unsafe { libc::_exit(code) };
    }
    pid
}

fn wait_child(pid: libc::pid_t) -> i32 {
    let mut status = 0;
    // SAFETY: our child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    }
}

fn kill_child(pid: libc::pid_t) {
    // SAFETY: our child.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    wait_child(pid);
}

fn get(queue: &ShmQueue, timeout: Option<Duration>) -> crate::Result<Vec<u8>> {
    let mut buffer = vec![0; 4096];
    match queue.get_into(&mut buffer, timeout)? {
        Received::Copied(len) => {
            buffer.truncate(len);
            Ok(buffer)
        }
        Received::TooSmall(_) => panic!("test messages fit"),
    }
}

#[test]
fn queue_is_fifo_and_wraps() {
    let queue = ShmQueue::create(None, 256, 0).unwrap();
    for round in 0..100u32 {
        for i in 0..5u32 {
            let message = vec![(round + i) as u8; (i * 7) as usize];
            queue.put(&message, Some(Duration::ZERO)).unwrap();
        }
        for i in 0..5u32 {
            assert_eq!(
                get(&queue, Some(Duration::ZERO)).unwrap(),
                vec![(round + i) as u8; (i * 7) as usize]
            );
        }
    }
    assert_eq!(get(&queue, Some(Duration::ZERO)), Err(Error::WouldBlock));
    assert_eq!(
        get(&queue, Some(Duration::from_millis(20))),
        Err(Error::Timeout)
    );
}

#[test]
fn queue_bounds_closes_and_drains() {
    let queue = ShmQueue::create(None, 4096, 2).unwrap();
    queue.put(b"a", None).unwrap();
    queue.put(b"b", None).unwrap();
    assert_eq!(
        queue.put(b"c", Some(Duration::ZERO)),
        Err(Error::WouldBlock)
    );
    assert_eq!(queue.len(), 2);
    queue.close();
    assert_eq!(queue.put(b"c", None), Err(Error::Closed));
    assert_eq!(get(&queue, None).unwrap(), b"a");
    assert_eq!(get(&queue, None).unwrap(), b"b");
    assert_eq!(get(&queue, None), Err(Error::Closed));
    let big = ShmQueue::create(None, 64, 0).unwrap();
    assert!(matches!(
        big.put(&[0; 100], None),
        Err(Error::InvalidArgument(_))
    ));
    let mut small = [0u8; 1];
    big.put(b"hello", None).unwrap();
    assert_eq!(big.get_into(&mut small, None), Ok(Received::TooSmall(5)));
}

#[test]
fn queue_batches() {
    let queue = ShmQueue::create(None, 1 << 12, 0).unwrap();
    let messages: Vec<Vec<u8>> = (0..50u8).map(|i| vec![i; i as usize % 9]).collect();
    let (put, outcome) = queue.put_many(messages.iter().map(Vec::as_slice), None);
    assert_eq!((put, outcome), (50, Ok(())));
    let mut buffer = vec![0; 1 << 12];
    let mut lengths = vec![0; 64];
    let mut got = Vec::new();
    while got.len() < 50 {
        let Received::Copied(taken) = queue
            .get_many_into(&mut buffer, &mut lengths[..7], None)
            .unwrap()
        else {
            panic!("fits")
        };
        let mut at = 0;
        for &len in &lengths[..taken] {
            got.push(buffer[at..at + len].to_vec());
            at += len;
        }
    }
    assert_eq!(got, messages);
    queue.task_done(50).unwrap();
    queue.join(None).unwrap();
    assert!(queue.task_done(1).is_err());
}

#[test]
fn named_objects_open_and_go_with_their_last_user() {
    let name = unique("named");
    let queue = ShmQueue::create(Some(&name), 1024, 0).unwrap();
    assert!(ShmQueue::create(Some(&name), 1024, 0).is_err());
    assert!(ShmMutex::open(&name).is_err(), "a queue is not a mutex");
    let other = ShmQueue::open(&name).unwrap();
    other.put(b"x", None).unwrap();
    assert_eq!(get(&queue, None).unwrap(), b"x");
    drop(queue);
    drop(other);
    assert!(ShmQueue::open(&name).is_err(), "the last user unlinked it");
    let name = unique("unlink");
    let mutex = ShmMutex::create(Some(&name)).unwrap();
    unlink(&name).unwrap();
    assert!(ShmMutex::open(&name).is_err());
    assert_eq!(mutex.lock(None), Ok(Acquired::Clean));
}

#[test]
fn queue_across_processes() {
    let name = unique("procs");
    let queue = ShmQueue::create(Some(&name), 1 << 10, 0).unwrap();
    let producers: Vec<_> = (0..3u8)
        .map(|p| {
            let name = name.clone();
            fork_child(move || {
                let queue = ShmQueue::open(&name).unwrap();
                for i in 0..2000u32 {
                    let mut message = vec![p];
                    message.extend_from_slice(&i.to_le_bytes());
                    queue.put(&message, None).unwrap();
                }
                0
            })
        })
        .collect();
    let mut next = [0u32; 3];
    for _ in 0..6000 {
        let message = get(&queue, Some(Duration::from_secs(30))).unwrap();
        let producer = message[0] as usize;
        let index = u32::from_le_bytes(message[1..5].try_into().unwrap());
        assert_eq!(index, next[producer], "per-producer order");
        next[producer] += 1;
    }
    for pid in producers {
        assert_eq!(wait_child(pid), 0);
    }
}

#[test]
fn mutex_of_a_killed_holder_goes_to_the_next_with_owner_died() {
    let mutex = ShmMutex::create(None).unwrap();
    let ready = ShmEvent::create(None).unwrap();
    let child = fork_child(|| {
        mutex.lock(None).unwrap();
        ready.set();
        std::thread::sleep(Duration::from_secs(60));
        0
    });
    ready.wait(Some(Duration::from_secs(30))).unwrap();
    assert_eq!(mutex.lock(Some(Duration::ZERO)), Err(Error::WouldBlock));
    kill_child(child);
    assert_eq!(
        mutex.lock(Some(Duration::from_secs(30))),
        Ok(Acquired::OwnerDied)
    );
    mutex.unlock().unwrap();
    assert_eq!(mutex.lock(Some(Duration::ZERO)), Ok(Acquired::Clean));
    mutex.unlock().unwrap();
    // A waiter already sleeping when the holder dies gets it too.
    let ready = ShmEvent::create(None).unwrap();
    let child = fork_child(|| {
        mutex.lock(None).unwrap();
        ready.set();
        std::thread::sleep(Duration::from_secs(60));
        0
    });
    ready.wait(Some(Duration::from_secs(30))).unwrap();
    std::thread::scope(|scope| {
        let waiter = scope.spawn(|| mutex.lock(Some(Duration::from_secs(30))));
        std::thread::sleep(Duration::from_millis(30));
        // SAFETY: our child.
        unsafe { libc::kill(child, libc::SIGKILL) };
        assert_eq!(waiter.join().unwrap(), Ok(Acquired::OwnerDied));
    });
    wait_child(child);
}

#[test]
fn killed_producers_and_consumers_never_corrupt_the_queue() {
    // Producers put numbered items; consumers take them and append what
    // they got to a second queue (the record). Both are killed at random
    // moments. Every item delivered must be whole, and no item may be
    // delivered twice.
    let queue = ShmQueue::create(None, 1 << 12, 0).unwrap();
    let record = ShmQueue::create(None, 1 << 20, 0).unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..30u64 {
        let producer = fork_child(|| {
            for i in 0u64.. {
                let value = (round << 32) | i;
                let mut message = value.to_le_bytes().to_vec();
                message.extend_from_slice(&[(value % 251) as u8; 40]);
                if queue.put(&message, None).is_err() {
                    return 1;
                }
            }
            0
        });
        let consumer = fork_child(|| loop {
            let mut buffer = [0u8; 64];
            if let Ok(Received::Copied(len)) = queue.get_into(&mut buffer, None) {
                let _ = record.put(&buffer[..len], None);
            }
        });
        std::thread::sleep(Duration::from_micros(500 + random() % 3000));
        kill_child(producer);
        std::thread::sleep(Duration::from_micros(random() % 2000));
        kill_child(consumer);
    }
    let mut seen = std::collections::HashSet::new();
    let mut check = |message: Vec<u8>| {
        assert_eq!(message.len(), 48, "a whole item");
        let value = u64::from_le_bytes(message[..8].try_into().unwrap());
        assert!(
            message[8..].iter().all(|&byte| byte == (value % 251) as u8),
            "no torn item"
        );
        assert!(seen.insert(value), "no item delivered twice");
    };
    while let Ok(message) = get(&queue, Some(Duration::ZERO)) {
        check(message);
    }
    let mut buffer = vec![0u8; 64];
    while let Ok(Received::Copied(len)) = record.get_into(&mut buffer, Some(Duration::ZERO)) {
        // The record may end with an item half-put by a killed consumer,
        // which it must never deliver.
        check(buffer[..len].to_vec());
    }
    assert!(!seen.is_empty());
    // The queue still works.
    queue.put(b"after", None).unwrap();
    assert_eq!(get(&queue, None).unwrap(), b"after");
}

#[test]
fn killed_lockers_in_a_loop_leave_the_mutex_usable() {
    let mutex = ShmMutex::create(None).unwrap();
    let counter = ShmCounter::create(None, 0).unwrap();
    for round in 0..20u64 {
        let child = fork_child(|| loop {
            if mutex.lock(None).is_ok() {
                counter.add(1);
                let _ = mutex.unlock();
            }
        });
        std::thread::sleep(Duration::from_micros(200 + round * 150));
        kill_child(child);
        assert!(mutex.lock(Some(Duration::from_secs(30))).is_ok());
        mutex.unlock().unwrap();
    }
    assert!(counter.get() > 0);
}

#[test]
fn rlock_semaphore_event_barrier_counter() {
    let rlock = ShmRLock::create(None).unwrap();
    rlock.lock(None).unwrap();
    rlock.lock(None).unwrap();
    assert_eq!(rlock.depth(), 2);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            assert_eq!(rlock.unlock(), Err(Error::NotOwner));
            assert_eq!(rlock.lock(Some(Duration::ZERO)), Err(Error::WouldBlock));
        });
    });
    rlock.unlock().unwrap();
    rlock.unlock().unwrap();
    assert_eq!(rlock.unlock(), Err(Error::NotOwner));

    let semaphore = ShmSemaphore::create(None, 1, 2).unwrap();
    semaphore.acquire(None).unwrap();
    assert_eq!(
        semaphore.acquire(Some(Duration::ZERO)),
        Err(Error::WouldBlock)
    );
    semaphore.release(2).unwrap();
    assert!(semaphore.release(1).is_err());
    assert_eq!(semaphore.value(), 2);

    let event = ShmEvent::create(None).unwrap();
    let barrier = ShmBarrier::create(None, 3).unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            fork_child(|| {
                event.wait(Some(Duration::from_secs(30))).unwrap();
                barrier
                    .wait(Some(Duration::from_secs(30)))
                    .map(|_| 0)
                    .unwrap_or(1)
            })
        })
        .collect();
    assert_eq!(event.wait(Some(Duration::ZERO)), Err(Error::WouldBlock));
    event.set();
    assert!(barrier.wait(Some(Duration::from_secs(30))).unwrap() < 3);
    for child in children {
        assert_eq!(wait_child(child), 0);
    }
    assert_eq!(
        barrier.wait(Some(Duration::from_millis(20))),
        Err(Error::Timeout)
    );
    assert!(barrier.is_broken());
    assert_eq!(barrier.wait(None), Err(Error::Broken));
    barrier.reset();
    assert!(!barrier.is_broken());
    // A reset breaks the wait of the parties inside.
    let pair = ShmBarrier::create(None, 2).unwrap();
    std::thread::scope(|scope| {
        let inside = scope.spawn(|| pair.wait(Some(Duration::from_secs(30))));
        while pair.waiting() == 0 {
            std::thread::yield_now();
        }
        pair.reset();
        assert_eq!(inside.join().unwrap(), Err(Error::Broken));
    });
    assert!(!pair.is_broken());

    let counter = ShmCounter::create(None, 5).unwrap();
    assert_eq!(counter.add(3), 8);
    assert_eq!(counter.compare_exchange(8, 1), 8);
    assert_eq!(counter.get(), 1);
}

#[test]
fn closing_wakes_waiters_in_other_processes_with_closed() {
    let long = Some(Duration::from_secs(30));
    let mutex = ShmMutex::create(None).unwrap();
    let rlock = ShmRLock::create(None).unwrap();
    let semaphore = ShmSemaphore::create(None, 0, 0).unwrap();
    let event = ShmEvent::create(None).unwrap();
    let barrier = ShmBarrier::create(None, 2).unwrap();
    let ready = ShmSemaphore::create(None, 0, 0).unwrap();
    mutex.lock(None).unwrap();
    rlock.lock(None).unwrap();
    let mut children = Vec::new();
    let waits: [&(dyn Fn() -> crate::Result<()> + Sync); 5] = [
        &|| mutex.lock(long).map(drop),
        &|| rlock.lock(long).map(drop),
        &|| semaphore.acquire(long),
        &|| event.wait(long),
        &|| barrier.wait(long).map(drop),
    ];
    for wait in waits {
        children.push(fork_child(|| {
            ready.release(1).unwrap();
            i32::from(wait() != Err(Error::Closed))
        }));
    }
    for _ in 0..children.len() {
        ready.acquire(long).unwrap();
    }
    std::thread::sleep(Duration::from_millis(50));
    mutex.close();
    rlock.close();
    semaphore.close();
    event.close();
    barrier.close();
    for child in children {
        assert_eq!(wait_child(child), 0);
    }
    // Later blocking calls fail; holders still unlock; nothing was freed.
    mutex.unlock().unwrap();
    assert_eq!(mutex.lock(Some(Duration::ZERO)), Err(Error::Closed));
    assert_eq!(
        rlock.lock(None),
        Ok(Acquired::Clean),
        "the holder locks again"
    );
    rlock.unlock().unwrap();
    rlock.unlock().unwrap();
    assert_eq!(rlock.lock(None), Err(Error::Closed));
    semaphore.release(1).unwrap();
    assert_eq!(semaphore.acquire(None), Ok(()));
    assert_eq!(semaphore.acquire(None), Err(Error::Closed));
    event.set();
    assert_eq!(event.wait(None), Err(Error::Closed));
    assert_eq!(barrier.wait(None), Err(Error::Closed));
}

#[test]
fn condition_wakes_in_order_across_processes() {
    let long = Some(Duration::from_secs(30));
    let mutex = ShmMutex::create(None).unwrap();
    let condition = ShmCondition::create(Some(&unique("condition"))).unwrap();
    let woken = ShmCounter::create(None, 0).unwrap();
    let sleeping = ShmSemaphore::create(None, 0, 0).unwrap();
    assert_eq!(condition.wait(&mutex, long), Err(Error::NotOwner));
    mutex.lock(None).unwrap();
    assert_eq!(
        condition.wait(&mutex, Some(Duration::ZERO)),
        Err(Error::WouldBlock)
    );
    assert_eq!(
        condition.wait(&mutex, Some(Duration::from_millis(20))),
        Err(Error::Timeout)
    );
    assert!(mutex.is_locked());
    mutex.unlock().unwrap();
    let children: Vec<_> = (0..3)
        .map(|_| {
            fork_child(|| {
                mutex.lock(None).unwrap();
                sleeping.release(1).unwrap();
                let outcome = condition.wait(&mutex, long);
                woken.add(1);
                mutex.unlock().unwrap();
                i32::from(outcome.is_err())
            })
        })
        .collect();
    for _ in 0..3 {
        sleeping.acquire(long).unwrap();
    }
    // Each child sleeps once it released the mutex the parent takes here.
    mutex.lock(None).unwrap();
    assert_eq!(condition.notify(1), 1);
    mutex.unlock().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while woken.get() < 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(woken.get(), 1, "one notify wakes one waiter");
    mutex.lock(None).unwrap();
    assert_eq!(condition.notify_all(), 2);
    mutex.unlock().unwrap();
    for child in children {
        assert_eq!(wait_child(child), 0);
    }
    assert_eq!(condition.notify_all(), 0);
}

#[test]
fn a_killed_waiter_takes_no_notify_and_a_closed_condition_wakes_all() {
    let long = Some(Duration::from_secs(30));
    let rlock = ShmRLock::create(None).unwrap();
    let condition = ShmCondition::create(None).unwrap();
    let sleeping = ShmSemaphore::create(None, 0, 0).unwrap();
    let victim = fork_child(|| {
        rlock.lock(None).unwrap();
        sleeping.release(1).unwrap();
        let _ = condition.wait_reentrant(&rlock, None);
        0
    });
    sleeping.acquire(long).unwrap();
    rlock.lock(None).unwrap();
    rlock.unlock().unwrap();
    kill_child(victim);
    let survivor = fork_child(|| {
        rlock.lock(None).unwrap();
        rlock.lock(None).unwrap();
        sleeping.release(1).unwrap();
        let notified = condition.wait_reentrant(&rlock, long);
        let depth = rlock.depth();
        rlock.unlock().unwrap();
        rlock.unlock().unwrap();
        i32::from(notified.is_err() || depth != 2)
    });
    sleeping.acquire(long).unwrap();
    rlock.lock(None).unwrap();
    // The dead waiter came first: the notify skips it.
    assert_eq!(condition.notify(1), 1);
    rlock.unlock().unwrap();
    assert_eq!(wait_child(survivor), 0);
    let closed = fork_child(|| {
        rlock.lock(None).unwrap();
        sleeping.release(1).unwrap();
        let outcome = condition.wait_reentrant(&rlock, long);
        let held = rlock.is_owned();
        i32::from(outcome != Err(Error::Closed) || !held)
    });
    sleeping.acquire(long).unwrap();
    rlock.lock(None).unwrap();
    rlock.unlock().unwrap();
    condition.close();
    assert_eq!(wait_child(closed), 0);
    // The child died holding the lock: the parent takes it over.
    assert_eq!(rlock.lock(long), Ok(Acquired::OwnerDied));
    assert_eq!(condition.wait_reentrant(&rlock, long), Err(Error::Closed));
    rlock.unlock().unwrap();
}
