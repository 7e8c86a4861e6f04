use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::*;

fn pool(workers: usize) -> Pool {
    Pool::new(workers, "test").unwrap()
}

#[test]
fn runs_tasks_and_counts_them() {
    let pool = pool(2);
    let futures: Vec<_> = (0..100)
        .map(|i| pool.submit(Box::new(move || Ok(i * 2))).unwrap())
        .collect();
    for (i, f) in futures.iter().enumerate() {
        assert_eq!(f.result(None), Ok(i as i64 * 2));
        assert_eq!(f.state(), FutureState::Finished);
    }
    assert_eq!(pool.stats().completed, 100);
    assert_eq!(pool.stats().workers, 2);
}

#[test]
fn zero_workers_means_every_cpu() {
    assert_eq!(pool(0).workers(), available_cpus());
}

#[test]
fn cancel_only_before_start() {
    let pool = pool(1);
    let gate = Arc::new(crate::lock::Mutex::new(()));
    let held = gate.lock();
    let blocker = {
        let gate = gate.clone();
        pool.submit(Box::new(move || {
            drop(gate.lock());
            Ok(1)
        }))
        .unwrap()
    };
    while blocker.state() != FutureState::Running {
        std::thread::yield_now();
    }
    let queued = pool.submit(Box::new(|| Ok(2))).unwrap();
    assert!(queued.cancel());
    assert!(!blocker.cancel());
    drop(held);
    assert_eq!(blocker.result(None), Ok(1));
    assert_eq!(queued.result(None), Err(Error::Cancelled));
    assert!(!blocker.cancel(), "cancel after completion");
}

#[test]
fn shutdown_cancel_resolves_every_future() {
    let pool = pool(1);
    let futures: Vec<_> = (0..1000)
        .map(|_| {
            pool.submit(Box::new(|| Ok(crate::kernels::busy_loop(1000) as i64)))
                .unwrap()
        })
        .collect();
    pool.shutdown(Shutdown::Cancel, true);
    assert_eq!(pool.stats().workers, 0);
    for f in &futures {
        assert!(f.is_done());
    }
    assert_eq!(pool.submit(Box::new(|| Ok(0))).err(), Some(Error::Closed));
}

#[test]
fn shutdown_drain_runs_everything() {
    let pool = pool(2);
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..500 {
        let ran = ran.clone();
        pool.submit(Box::new(move || {
            ran.fetch_add(1, Ordering::Relaxed);
            Ok(0)
        }))
        .unwrap();
    }
    pool.shutdown(Shutdown::Drain, true);
    assert_eq!(ran.load(Ordering::Relaxed), 500);
}

#[test]
fn wait_any_and_all() {
    let pool = pool(2);
    let slow = pool
        .submit(Box::new(|| {
            Ok(crate::kernels::busy_loop_for(Duration::from_millis(300)) as i64)
        }))
        .unwrap();
    let fast = pool.submit(Box::new(|| Ok(7))).unwrap();
    assert_eq!(wait_any(&[&slow, &fast], None), Ok(1));
    assert_eq!(
        wait_all(&[&slow, &fast], Some(Duration::ZERO)),
        Err(Error::WouldBlock)
    );
    assert_eq!(wait_all(&[&slow, &fast], None), Ok(()));
}

#[test]
fn parallel_loops() {
    let pool = pool(2);
    let input: Vec<i64> = (0..30).collect();
    let mut output = vec![0; 30];
    pool.fib_map(&input, &mut output).unwrap();
    assert_eq!(output[29], 514_229);
    assert_eq!(pool.range_sum(1, 100_000_001), Ok(5_000_000_050_000_000));
    assert_eq!(pool.range_sum(-5, 5), Ok(-5));
    assert!(matches!(
        pool.range_sum(i64::MAX - 1000, i64::MAX),
        Err(Error::Overflow(_))
    ));
    assert_eq!(pool.range_sum(i64::MIN, i64::MIN + 1), Ok(i64::MIN));
    assert!(pool.busy_loop_all(Duration::from_millis(10)) > 0);
    assert!(matches!(
        pool.fib_map(&[1, 93], &mut [0, 0]),
        Err(Error::Overflow(_))
    ));
}

#[test]
fn nested_parallel_for_from_workers_does_not_deadlock() {
    let pool = Arc::new(pool(2));
    let futures: Vec<_> = (0..4)
        .map(|_| {
            let inner = pool.clone();
            pool.submit(Box::new(move || inner.range_sum(0, 1_000_000)))
                .unwrap()
        })
        .collect();
    for f in futures {
        assert_eq!(f.result(None), Ok(499_999_500_000));
    }
}

#[test]
fn cancel_shutdown_resolves_queued_futures_while_workers_are_busy() {
    let pool = pool(1);
    let gate = Arc::new(crate::lock::Mutex::new(()));
    let held = gate.lock();
    let blocker = {
        let gate = gate.clone();
        pool.submit(move || {
            drop(gate.lock());
            Ok(1)
        })
        .unwrap()
    };
    while blocker.state() != FutureState::Running {
        std::thread::yield_now();
    }
    let queued: Vec<_> = (0..10)
        .map(|i| pool.submit(move || Ok(i)).unwrap())
        .collect();
    pool.shutdown(Shutdown::Cancel, false);
    for f in &queued {
        assert_eq!(f.result(Some(Duration::ZERO)), Err(Error::Cancelled));
    }
    assert_eq!(pool.stats().queued, 0);
    drop(held);
    assert_eq!(blocker.result(None), Ok(1));
}
