//! Parallel loops on a [`Pool`]: `parallel_for` over chunks of `[0, n)` (what
//! libdispatch's `dispatch_apply_f` and OpenMP's `parallel for` do), and the
//! map, range-sum and busy-loop forms built on it.
//!
//! The calling thread takes chunks too, alongside helper tasks: one thread
//! per worker, up to the CPUs the process may use (a pool sized for blocking
//! Python tasks may have more workers than cores). So a loop always makes
//! progress: from inside a worker, on a busy pool, or on one that was shut
//! down. Chunks are claimed one at a time from
//! an atomic counter, which balances uneven work (fib inputs of mixed sizes)
//! and threads slowed by other processes. Automatic chunks shrink as the
//! range runs out (OpenMP's `guided` schedule): few claims, and an even
//! finish.
//! The loop returns only after every chunk has finished, so the body may
//! borrow from the caller's stack. Once the caller runs out of chunks it
//! spins briefly for the ones still running before it sleeps.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_utils::Backoff;

use crate::lock::{Condvar, Mutex};

use super::{Pool, Runnable};
use crate::kernels;
use crate::{Error, Result};

/// A loop body: called with one chunk `[begin, end)` at a time.
type Body<'a> = dyn Fn(usize, usize) + Sync + 'a;

/// How a loop's range is cut into chunks.
#[derive(Clone, Copy)]
enum Schedule {
    /// Chunks of `size` indices (the last may be shorter), claimed by index.
    Fixed { size: usize, chunks: usize },
    /// OpenMP's `guided` schedule: each claim takes `1/divisor` of what is
    /// left, but at least `min` indices. The first chunks are large, so there
    /// are few claims; the last are small, so the threads finish together.
    Guided { divisor: usize, min: usize },
}

impl Schedule {
    /// The automatic schedule for `len` indices on `threads` threads.
    fn automatic(len: usize, threads: usize) -> Schedule {
        Schedule::Guided {
            divisor: threads * 4,
            min: (len / (threads * 64)).max(1),
        }
    }
}

struct ForJob {
    /// The caller's body with its lifetime erased; only called for a claimed
    /// chunk, and the caller does not return before every chunk is done.
    body: *const Body<'static>,
    len: usize,
    schedule: Schedule,
    /// The next chunk's index (fixed) or first index (guided).
    next: AtomicUsize,
    /// Indices whose chunk has finished: the loop is over at `len`.
    done: AtomicUsize,
    panicked: AtomicBool,
    finished: Mutex<bool>,
    all_done: Condvar,
}

// SAFETY: `body` is `Sync` and only dereferenced while the caller keeps it
// alive (see `ForJob::body`); every other field is thread-safe.
unsafe impl Send for ForJob {}
// SAFETY: as above.
unsafe impl Sync for ForJob {}

impl ForJob {
    /// Claims the next chunk `[begin, end)`, if any is left.
    fn claim(&self) -> Option<(usize, usize)> {
        match self.schedule {
            Schedule::Fixed { size, chunks } => {
                // Each thread adds at most once past `chunks`: no overflow.
                let index = self.next.fetch_add(1, Ordering::Relaxed);
                if index >= chunks {
                    return None;
                }
                let begin = index * size;
                Some((begin, begin.saturating_add(size).min(self.len)))
            }
            Schedule::Guided { divisor, min } => {
                let mut begin = self.next.load(Ordering::Relaxed);
                loop {
                    if begin >= self.len {
                        return None;
                    }
                    let left = self.len - begin;
                    let size = (left / divisor).max(min).min(left);
                    match self.next.compare_exchange_weak(
                        begin,
                        begin + size,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return Some((begin, begin + size)),
                        Err(now) => begin = now,
                    }
                }
            }
        }
    }

    fn work(&self) {
        while let Some((begin, end)) = self.claim() {
            // SAFETY: the chunk was claimed, so the caller is still waiting
            // and `body` is alive.
            let body = unsafe { &*self.body };
            if catch_unwind(AssertUnwindSafe(|| body(begin, end))).is_err() {
                self.panicked.store(true, Ordering::Relaxed);
            }
            let size = end - begin;
            if self.done.fetch_add(size, Ordering::AcqRel) + size == self.len {
                *self.finished.lock() = true;
                self.all_done.notify_all();
            }
        }
    }
}

impl Runnable for ForJob {
    fn run(&self, ran: &dyn Fn()) {
        self.work();
        ran();
    }

    /// A cancelled helper leaves its chunks to the caller.
    fn cancel(&self) {}
}

/// A raw output pointer that loop chunks write disjoint parts of.
#[derive(Clone, Copy)]
struct Output(*mut i64);
// SAFETY: chunks write disjoint indices; the loop ends before the slice does.
unsafe impl Send for Output {}
// SAFETY: as above.
unsafe impl Sync for Output {}

impl Output {
    /// # Safety
    /// `index` is in bounds and no other thread writes it.
    unsafe fn write(&self, index: usize, value: i64) {
        // SAFETY: per the contract above.
        unsafe { *self.0.add(index) = value }
    }
}

impl Pool {
    /// Calls `body(begin, end)` for consecutive chunks of `[0, len)` of at
    /// most `chunk` items, on the workers and the calling thread, and
    /// returns when all are done. With `chunk` 0 each claim takes a share of
    /// what is left (OpenMP's `guided` schedule): large chunks first, small
    /// ones last, so the threads finish together.
    /// A panic in `body` is re-raised here after the loop ends.
    pub fn parallel_for(&self, len: usize, chunk: usize, body: &(dyn Fn(usize, usize) + Sync)) {
        if len == 0 {
            return;
        }
        let threads = self.loop_threads;
        let schedule = if chunk == 0 {
            Schedule::automatic(len, threads)
        } else {
            Schedule::Fixed {
                size: chunk,
                chunks: len.div_ceil(chunk),
            }
        };
        let helpers = match schedule {
            Schedule::Fixed { chunks, .. } => threads.min(chunks) - 1,
            Schedule::Guided { .. } => threads.min(len) - 1,
        };
        // SAFETY: only the lifetime is erased; see `ForJob::body`.
        let body: *const Body<'static> = unsafe { std::mem::transmute(body) };
        let job = Arc::new(ForJob {
            body,
            len,
            schedule,
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            finished: Mutex::new(false),
            all_done: Condvar::new(),
        });
        for _ in 0..helpers {
            if self.push_task(job.clone()).is_err() {
                break; // shut down: the caller does the rest
            }
        }
        job.work();
        // The last chunks are running on other threads: spin briefly before
        // sleeping, since a wake-up costs more than a short chunk.
        let backoff = Backoff::new();
        while job.done.load(Ordering::Acquire) != len && !backoff.is_completed() {
            backoff.snooze();
        }
        if job.done.load(Ordering::Acquire) != len {
            let mut finished = job.finished.lock();
            while !*finished {
                job.all_done.wait(&mut finished);
            }
        }
        if job.panicked.load(Ordering::Relaxed) {
            std::panic::resume_unwind(Box::new("a parallel_for body panicked"));
        }
    }

    /// Writes `function(input[i])` to `output[i]` for every `i`, in parallel.
    /// Stops at, and returns, the first error any call reports.
    pub fn map(
        &self,
        function: &(dyn Fn(i64) -> Result<i64> + Sync),
        input: &[i64],
        output: &mut [i64],
        chunk: usize,
    ) -> Result<()> {
        if input.len() != output.len() {
            return Err(Error::InvalidArgument("input and output lengths differ"));
        }
        let out = Output(output.as_mut_ptr());
        let failure: Mutex<Option<Error>> = Mutex::new(None);
        let failed = AtomicBool::new(false);
        self.parallel_for(input.len(), chunk, &|begin, end| {
            for (i, value) in input.iter().enumerate().take(end).skip(begin) {
                if failed.load(Ordering::Relaxed) {
                    return;
                }
                match function(*value) {
                    // SAFETY: `i < output.len()` and no other chunk writes `i`.
                    Ok(result) => unsafe { out.write(i, result) },
                    Err(error) => {
                        failed.store(true, Ordering::Relaxed);
                        failure.lock().get_or_insert(error);
                    }
                }
            }
        });
        match failure.into_inner() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// `fib` of every input, in parallel. Inputs are checked before any work
    /// starts, so an error leaves `output` untouched.
    pub fn fib_map(&self, input: &[i64], output: &mut [i64]) -> Result<()> {
        if let Some(&bad) = input
            .iter()
            .find(|&&n| !(0..=kernels::FIB_MAX).contains(&n))
        {
            kernels::fib(bad)?;
        }
        self.map(&kernels::fib, input, output, 1)
    }

    /// The sum of `[start, stop)`, split into chunks summed in parallel.
    /// Errors: `Overflow`, before any work, when the exact sum does not fit
    /// in an `i64`.
    pub fn range_sum(&self, start: i64, stop: i64) -> Result<i64> {
        kernels::check_range_sum(start, stop)?;
        if start >= stop {
            return Ok(0);
        }
        let count = stop.wrapping_sub(start) as u64;
        let pieces = (self.loop_threads * 4).min(count as usize).max(1);
        let piece = count.div_ceil(pieces as u64);
        let total = AtomicI64::new(0);
        self.parallel_for(pieces, 1, &|begin, _| {
            let offset = begin as u64 * piece;
            if offset >= count {
                return;
            }
            let first = start.wrapping_add(offset as i64);
            let len = piece.min(count - offset);
            // `first + len <= stop`, so this cannot wrap.
            let part = kernels::wrapping_range_sum(first, first + len as i64);
            total.fetch_add(part, Ordering::Relaxed);
        });
        Ok(total.into_inner())
    }

    /// Runs the timed busy loop until `duration` from now on every thread a
    /// parallel loop uses; returns the total iterations. Each chunk spins
    /// until the common deadline, so a thread that claims a second chunk
    /// (another was slow to start) does not run past it.
    pub fn busy_loop_all(&self, duration: Duration) -> u64 {
        let threads = self.loop_threads;
        let deadline = Instant::now().checked_add(duration);
        let total = AtomicU64::new(0);
        self.parallel_for(threads, 1, &|_, _| {
            let left = deadline.map_or(duration, |at| at.saturating_duration_since(Instant::now()));
            total.fetch_add(kernels::busy_loop_for(left), Ordering::Relaxed);
        });
        total.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU8;

    use super::*;

    fn job(len: usize, schedule: Schedule) -> ForJob {
        ForJob {
            body: &|_, _| {},
            len,
            schedule,
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            finished: Mutex::new(false),
            all_done: Condvar::new(),
        }
    }

    #[test]
    fn every_index_runs_once_for_any_length_and_chunk() {
        let pool = Pool::new(2, "test").unwrap();
        for len in [1, 2, 3, 7, 100, 1000, 12_345, 1_000_003] {
            for chunk in [0, 1, 13, len, len + 5, usize::MAX] {
                let hits: Vec<AtomicU8> = (0..len).map(|_| AtomicU8::new(0)).collect();
                let largest = AtomicUsize::new(0);
                pool.parallel_for(len, chunk, &|begin, end| {
                    assert!(begin < end && end <= len);
                    largest.fetch_max(end - begin, Ordering::Relaxed);
                    for hit in &hits[begin..end] {
                        hit.fetch_add(1, Ordering::Relaxed);
                    }
                });
                assert!(hits.iter().all(|hit| hit.load(Ordering::Relaxed) == 1));
                if chunk != 0 {
                    assert!(largest.into_inner() <= chunk);
                }
            }
        }
    }

    #[test]
    fn guided_chunks_shrink_to_the_minimum() {
        let len = 1_000_000;
        let job = job(len, Schedule::automatic(len, 2));
        let mut sizes = Vec::new();
        let mut expected_begin = 0;
        while let Some((begin, end)) = job.claim() {
            assert_eq!(begin, expected_begin);
            expected_begin = end;
            sizes.push(end - begin);
        }
        assert_eq!(expected_begin, len);
        assert_eq!(sizes[0], len / 8);
        assert!(sizes.windows(2).all(|pair| pair[1] <= pair[0]));
        let min = len / 128;
        assert!(sizes[..sizes.len() - 1].iter().all(|&size| size >= min));
        assert!(sizes.len() < 40, "{} claims", sizes.len());
    }

    #[test]
    fn a_panicking_body_is_reraised_after_every_chunk() {
        let pool = Pool::new(2, "test").unwrap();
        let ran = AtomicUsize::new(0);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            pool.parallel_for(100, 1, &|begin, _| {
                ran.fetch_add(1, Ordering::Relaxed);
                assert_ne!(begin, 50, "chunk 50 fails");
            })
        }));
        assert!(outcome.is_err());
        assert_eq!(ran.into_inner(), 100);
    }
}
