//! Parallel loops on a [`Pool`]: `parallel_for` over chunks of `[0, n)` (what
//! libdispatch's `dispatch_apply_f` and OpenMP's `parallel for` do), and the
//! map, range-sum and busy-loop forms built on it.
//!
//! The calling thread takes chunks too, alongside up to `workers - 1` helper
//! tasks, so a loop always makes progress: from inside a worker, on a busy
//! pool, or on one that was shut down. Chunks are claimed one at a time from
//! an atomic counter, which balances uneven work (fib inputs of mixed sizes).
//! The loop returns only after every chunk has finished, so the body may
//! borrow from the caller's stack. Once the caller runs out of chunks it
//! spins briefly for the ones still running before it sleeps.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crossbeam_utils::Backoff;

use super::lock::{Condvar, Mutex};

use super::{Pool, Runnable};
use crate::kernels;
use crate::{Error, Result};

/// A loop body: called with one chunk `[begin, end)` at a time.
type Body<'a> = dyn Fn(usize, usize) + Sync + 'a;

struct ForJob {
    /// The caller's body with its lifetime erased; only called for a claimed
    /// chunk, and the caller does not return before every chunk is done.
    body: *const Body<'static>,
    len: usize,
    chunk: usize,
    chunks: usize,
    next: AtomicUsize,
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
    fn work(&self) {
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            if index >= self.chunks {
                return;
            }
            let begin = index * self.chunk;
            let end = begin.saturating_add(self.chunk).min(self.len);
            // SAFETY: the chunk was claimed, so the caller is still waiting
            // and `body` is alive.
            let body = unsafe { &*self.body };
            if catch_unwind(AssertUnwindSafe(|| body(begin, end))).is_err() {
                self.panicked.store(true, Ordering::Relaxed);
            }
            if self.done.fetch_add(1, Ordering::AcqRel) + 1 == self.chunks {
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
    /// most `chunk` items (0 = chosen from `len` and the worker count), on
    /// the workers and the calling thread, and returns when all are done.
    /// A panic in `body` is re-raised here after the loop ends.
    pub fn parallel_for(&self, len: usize, chunk: usize, body: &(dyn Fn(usize, usize) + Sync)) {
        if len == 0 {
            return;
        }
        let threads = self.workers().max(1);
        let chunk = if chunk == 0 {
            len.div_ceil(threads * 8).max(1)
        } else {
            chunk
        };
        let chunks = len.div_ceil(chunk);
        // SAFETY: only the lifetime is erased; see `ForJob::body`.
        let body: *const Body<'static> = unsafe { std::mem::transmute(body) };
        let job = Arc::new(ForJob {
            body,
            len,
            chunk,
            chunks,
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            finished: Mutex::new(false),
            all_done: Condvar::new(),
        });
        for _ in 1..threads.min(chunks) {
            if self.push_task(job.clone()).is_err() {
                break; // shut down: the caller does the rest
            }
        }
        job.work();
        // The last chunks are running on other threads: spin briefly before
        // sleeping, since a wake-up costs more than a short chunk.
        let backoff = Backoff::new();
        while job.done.load(Ordering::Acquire) != chunks && !backoff.is_completed() {
            backoff.snooze();
        }
        if job.done.load(Ordering::Acquire) != chunks {
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
    /// Errors: `Overflow` when the exact sum does not fit in an `i64`.
    pub fn range_sum(&self, start: i64, stop: i64) -> Result<i64> {
        if start >= stop {
            return Ok(0);
        }
        let count = stop.wrapping_sub(start) as u64;
        let pieces = (self.workers().max(1) * 4).min(count as usize).max(1);
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
        let sum = total.into_inner();
        if kernels::range_sum_fits(start, stop) {
            Ok(sum)
        } else {
            Err(Error::Overflow(
                "the sum of the range does not fit in 64 bits",
            ))
        }
    }

    /// Runs the timed busy loop for `duration` on as many threads as the pool
    /// has workers; returns the total iterations.
    pub fn busy_loop_all(&self, duration: Duration) -> u64 {
        let threads = self.workers().max(1);
        let total = AtomicU64::new(0);
        self.parallel_for(threads, 1, &|_, _| {
            total.fetch_add(kernels::busy_loop_for(duration), Ordering::Relaxed);
        });
        total.into_inner()
    }
}
