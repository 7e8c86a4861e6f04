//! MPMC throughput of 8-byte items: allcore's queues driven through the C ABI
//! (`ac_queue_put_u64` / `ac_queue_get_u64`, exactly what a C caller runs)
//! against `crossbeam-channel`, bounded and unbounded, for several numbers
//! of producers and consumers: a queue of byte messages (`ac_queue_new`), a
//! queue of 64-bit values (`ac_queue_new_u64`, the equivalent of a
//! `Sender<u64>`) one item per call and in batches. Prints the median of
//! several runs of each and the ratio allcore / crossbeam (higher is better
//! for allcore).
//!
//! Run with `cargo bench --bench queue_mpmc`.

use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use allcore::ffi::queue::{
    ac_queue, ac_queue_get_many_u64, ac_queue_get_u64, ac_queue_new, ac_queue_new_u64,
    ac_queue_put_many_u64, ac_queue_put_u64, ac_queue_release, ac_queue_shutdown, AC_QUEUE_FIFO,
};
use allcore::ffi::{ac_status, AC_FOREVER};

const ITEMS: u64 = 2_000_000;
const RUNS: usize = 7;
const CAPACITY: usize = 1024;
const BATCH: usize = 64;

/// The queue handle, shared by the benchmark's threads (it is thread-safe).
#[derive(Clone, Copy)]
struct Shared(*mut ac_queue);
// SAFETY: every allcore function may be called from any thread.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

/// Moves `ITEMS` values from `producers` threads to `consumers` threads and
/// returns the elapsed time; `send`/`receive_all` are one side's loops.
fn run(
    producers: usize,
    consumers: usize,
    send: impl Fn(u64, u64) + Sync,
    receive_all: impl Fn() -> u64 + Sync,
    finish: impl FnOnce(),
) -> Duration {
    let start = Barrier::new(producers + consumers + 1);
    let per_producer = ITEMS / producers as u64;
    let (elapsed, sum) = thread::scope(|scope| {
        let senders: Vec<_> = (0..producers as u64)
            .map(|producer| {
                let (start, send) = (&start, &send);
                scope.spawn(move || {
                    start.wait();
                    send(producer * per_producer, (producer + 1) * per_producer);
                })
            })
            .collect();
        let receivers: Vec<_> = (0..consumers)
            .map(|_| {
                let (start, receive_all) = (&start, &receive_all);
                scope.spawn(move || {
                    start.wait();
                    receive_all()
                })
            })
            .collect();
        start.wait();
        let began = Instant::now();
        for sender in senders {
            sender.join().unwrap();
        }
        finish();
        let sum: u64 = receivers.into_iter().map(|r| r.join().unwrap()).sum();
        (began.elapsed(), sum)
    });
    let total = per_producer * producers as u64;
    assert_eq!(
        sum,
        total * (total - 1) / 2,
        "every item arrives exactly once"
    );
    elapsed
}

/// How the allcore side runs.
#[derive(Clone, Copy)]
enum Mode {
    /// A queue of byte messages, one item per call.
    Messages,
    /// A queue of 64-bit values, one item per call.
    Values,
    /// A queue of 64-bit values, batches of `BATCH`.
    ValueBatches,
}

fn allcore_run(producers: usize, consumers: usize, maxsize: usize, mode: Mode) -> Duration {
    let mut queue = std::ptr::null_mut();
    let status = match mode {
        Mode::Messages => ac_queue_new(AC_QUEUE_FIFO, maxsize, 0, &mut queue),
        Mode::Values | Mode::ValueBatches => ac_queue_new_u64(AC_QUEUE_FIFO, maxsize, &mut queue),
    };
    assert_eq!(status, ac_status::AC_OK);
    let batch = matches!(mode, Mode::ValueBatches);
    let shared = Shared(queue);
    let send = move |begin: u64, end: u64| {
        let queue = shared;
        if batch {
            let values: Vec<u64> = (begin..end).collect();
            for chunk in values.chunks(BATCH) {
                let status = ac_queue_put_many_u64(
                    queue.0,
                    chunk.as_ptr(),
                    chunk.len(),
                    AC_FOREVER,
                    std::ptr::null_mut(),
                );
                assert_eq!(status, ac_status::AC_OK);
            }
        } else {
            for value in begin..end {
                assert_eq!(
                    ac_queue_put_u64(queue.0, value, AC_FOREVER),
                    ac_status::AC_OK
                );
            }
        }
    };
    let receive_all = move || {
        let queue = shared;
        let mut sum = 0u64;
        if batch {
            let mut values = [0u64; BATCH];
            let mut count = 0;
            while ac_queue_get_many_u64(queue.0, values.as_mut_ptr(), BATCH, AC_FOREVER, &mut count)
                == ac_status::AC_OK
            {
                sum += values[..count].iter().sum::<u64>();
            }
        } else {
            let mut value = 0;
            while ac_queue_get_u64(queue.0, AC_FOREVER, &mut value) == ac_status::AC_OK {
                sum += value;
            }
        }
        sum
    };
    let finish = move || {
        assert_eq!(
            ac_queue_shutdown(shared.0, false, std::ptr::null_mut()),
            ac_status::AC_OK
        );
    };
    let elapsed = run(producers, consumers, send, receive_all, finish);
    ac_queue_release(queue);
    elapsed
}

fn crossbeam_run(producers: usize, consumers: usize, capacity: usize) -> Duration {
    let (sender, receiver) = if capacity == 0 {
        crossbeam_channel::unbounded()
    } else {
        crossbeam_channel::bounded(capacity)
    };
    // The receivers finish when the last sender is gone: each producer
    // clones its own, and `finish` drops the original.
    let original = Mutex::new(Some(sender));
    let send = |begin: u64, end: u64| {
        let sender = original.lock().unwrap().clone().expect("not finished yet");
        for value in begin..end {
            sender.send(value).unwrap();
        }
    };
    let receive_all = move || receiver.iter().sum::<u64>();
    run(producers, consumers, send, receive_all, || {
        original.lock().unwrap().take();
    })
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn throughput(elapsed: Duration) -> f64 {
    ITEMS as f64 / elapsed.as_secs_f64() / 1e6
}

fn main() {
    println!(
        "MPMC, {ITEMS} 8-byte items, median of {RUNS} runs, {} CPUs",
        thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<10} {:>9} {:>10} {:>10} {:>7} {:>10} {:>7} {:>12} {:>7}",
        "threads",
        "capacity",
        "crossbeam",
        "messages",
        "ratio",
        "u64 queue",
        "ratio",
        "u64 batches",
        "ratio"
    );
    for (producers, consumers) in [(1, 1), (2, 2), (4, 4), (1, 4), (4, 1)] {
        for capacity in [CAPACITY, 0] {
            let modes = [Mode::Messages, Mode::Values, Mode::ValueBatches];
            let mut theirs = Vec::new();
            let mut ours = vec![Vec::new(); modes.len()];
            for _ in 0..RUNS {
                theirs.push(crossbeam_run(producers, consumers, capacity));
                for (mode, samples) in modes.iter().zip(&mut ours) {
                    samples.push(allcore_run(producers, consumers, capacity, *mode));
                }
            }
            let theirs = throughput(median(theirs));
            let ours: Vec<f64> = ours.into_iter().map(|s| throughput(median(s))).collect();
            let capacity = if capacity == 0 {
                "unbounded".to_string()
            } else {
                capacity.to_string()
            };
            println!(
                "{:<10} {:>9} {:>10.2} {:>10.2} {:>6.2}x {:>10.2} {:>6.2}x {:>12.2} {:>6.2}x",
                format!("{producers}P/{consumers}C"),
                capacity,
                theirs,
                ours[0],
                ours[0] / theirs,
                ours[1],
                ours[1] / theirs,
                ours[2],
                ours[2] / theirs,
            );
        }
    }
}
