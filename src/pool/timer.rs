//! Timers: tasks a [`Pool`] runs after a delay, with one thread per pool for
//! all of them, not one per timer.
//!
//! A pool's first delayed submit starts its timer thread (`<prefix>-timer`).
//! That thread keeps a binary heap of deadlines and sleeps until the earliest;
//! when a deadline passes it hands the timer's future to the pool's workers
//! like any submitted task. The timer thread itself never runs a task.
//!
//! Invariants:
//! - A timer's future stays `Pending` until a worker starts it, so
//!   [`Future::cancel`] stops it at any time before it runs. A cancelled timer
//!   is dropped from the heap by the next purge (once more than half of the
//!   heap is cancelled) or when its deadline passes, whichever comes first, so
//!   cancelled timers never pile up.
//! - Every timer's future resolves exactly once: it runs, it is cancelled by
//!   its owner, or the pool's shutdown (either mode) cancels it. Shutdown
//!   closes the heap first, so a delayed submit racing with it either fails
//!   with `Closed` or is cancelled by it; a timer that fell due just before is
//!   queued on the pool, whose own shutdown then runs or cancels it.
//! - Timers with the same deadline are handed over in submission order.
//! - Fork-safety as the pool has: a forked child never touches the parent's
//!   timer state (its thread does not exist there, its lock may be held); the
//!   first delayed submit in the child starts a fresh timer thread. Timers
//!   pending in the parent at fork time stay the parent's.

use std::cmp::Ordering as Order;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Arc;
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use super::{Future, Pool, Shared, Work, FORK_GENERATION};
use crate::lock::{Condvar, Mutex};
use crate::time::Deadline;
use crate::{Error, Result};

/// Cancelled timers tolerated in the heap before a purge is considered.
const PURGE_MINIMUM: usize = 64;

/// The timer state of one pool: started on first use, rebuilt after `fork()`.
pub(super) struct Timers {
    /// The live state, or null before the first delayed submit. A state from
    /// before a `fork()` is leaked, never freed, as the pool's own is.
    state: AtomicPtr<TimerShared>,
    /// Serialises starting the state with shutting it down; the flag says
    /// whether the pool was shut down (then no state may start).
    start: Mutex<bool>,
    thread_name: String,
}

struct TimerShared {
    /// The fork generation this state (and its thread) belongs to.
    generation: u64,
    heap: Mutex<Heap>,
    /// Signalled when the earliest deadline changes or the heap closes.
    changed: Condvar,
    thread: Mutex<Option<JoinHandle<()>>>,
    thread_id: Mutex<Option<ThreadId>>,
}

#[derive(Default)]
struct Heap {
    entries: BinaryHeap<Entry>,
    closed: bool,
    /// Timers cancelled since the last purge (an upper bound: a cancel after
    /// the timer left the heap counts too, which only brings a purge forward).
    cancelled: usize,
    next_sequence: u64,
}

struct Entry {
    deadline: Instant,
    sequence: u64,
    future: Arc<Future>,
}

// `BinaryHeap` is a max-heap: the entry with the earliest deadline (then the
// lowest sequence number) compares greatest.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Order {
        (other.deadline, other.sequence).cmp(&(self.deadline, self.sequence))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Order> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Order::Equal
    }
}

impl Eq for Entry {}

impl Pool {
    /// Submits `work` to run on the pool once `delay` has passed and returns
    /// its future, which [`Future::cancel`] cancels until a worker starts it.
    /// A zero delay submits at once. Errors: `Closed` after shutdown,
    /// `Overflow` for a delay past the clock's range, `NoMemory` when the
    /// timer thread cannot be started.
    pub fn submit_after(&self, delay: Duration, work: impl Into<Work>) -> Result<Arc<Future>> {
        if delay.is_zero() {
            return self.submit(work);
        }
        let deadline = Instant::now()
            .checked_add(delay)
            .ok_or(Error::Overflow("the delay is past the clock's range"))?;
        if self.is_shutdown() {
            return Err(Error::Closed);
        }
        let state = self.timers.state(self)?;
        let future = Future::new(work.into());
        let weak = Arc::downgrade(&state);
        future.on_done(Box::new(move |outcome| {
            if outcome == Err(Error::Cancelled) {
                if let Some(state) = weak.upgrade() {
                    state.note_cancelled();
                }
            }
        }));
        state.insert(deadline, future.clone())?;
        Ok(future)
    }

    /// Timers waiting for their deadline (cancelled ones not yet purged
    /// included).
    pub fn pending_timers(&self) -> usize {
        self.timers
            .current()
            .map_or(0, |state| state.heap.lock().entries.len())
    }
}

impl Timers {
    pub(super) fn new(name_prefix: &str) -> Timers {
        Timers {
            state: AtomicPtr::new(std::ptr::null_mut()),
            start: Mutex::new(false),
            thread_name: format!("{name_prefix}-timer"),
        }
    }

    /// The state of this process's generation, if it was started.
    fn current(&self) -> Option<&TimerShared> {
        let pointer = self.state.load(Ordering::Acquire);
        if pointer.is_null() {
            return None;
        }
        // SAFETY: a non-null pointer came from `Arc::into_raw` and holds one
        // strong count until `Timers` drops (stale ones are leaked), so it is
        // live for as long as `self` is.
        let state = unsafe { &*pointer };
        (state.generation == FORK_GENERATION.load(Ordering::Relaxed)).then_some(state)
    }

    /// The live state, starting it (and its thread) on first use.
    fn state(&self, pool: &Pool) -> Result<Arc<TimerShared>> {
        if let Some(state) = self.current() {
            return Ok(state.arc());
        }
        let closed = self.start.lock();
        if *closed {
            return Err(Error::Closed);
        }
        if let Some(state) = self.current() {
            return Ok(state.arc());
        }
        let shared = pool.shared_arc()?;
        let state = Arc::new(TimerShared {
            generation: FORK_GENERATION.load(Ordering::Relaxed),
            heap: Mutex::new(Heap::default()),
            changed: Condvar::new(),
            thread: Mutex::new(None),
            thread_id: Mutex::new(None),
        });
        let runner = state.clone();
        let handle = std::thread::Builder::new()
            .name(self.thread_name.clone())
            .spawn(move || runner.run(&shared))
            .map_err(|_| Error::NoMemory)?;
        *state.thread_id.lock() = Some(handle.thread().id());
        *state.thread.lock() = Some(handle);
        // A state from before a fork is replaced, never freed (see `current`).
        self.state
            .store(Arc::into_raw(state.clone()).cast_mut(), Ordering::Release);
        Ok(state)
    }

    /// Closes the heap, cancels every pending timer from this thread, and when
    /// `wait` is set joins the timer thread (unless this is it).
    pub(super) fn shutdown(&self, wait: bool) {
        let state = {
            let mut closed = self.start.lock();
            *closed = true;
            self.current()
        };
        let Some(state) = state else { return };
        let entries = {
            let mut heap = state.heap.lock();
            heap.closed = true;
            std::mem::take(&mut heap.entries)
        };
        state.changed.notify_all();
        for entry in entries {
            entry.future.cancel();
        }
        if !wait || *state.thread_id.lock() == Some(std::thread::current().id()) {
            return;
        }
        let handle = state.thread.lock().take();
        if let Some(handle) = handle {
            // The timer thread never panics: it runs no task.
            let _ = handle.join();
        }
    }
}

impl Drop for Timers {
    fn drop(&mut self) {
        let pointer = *self.state.get_mut();
        if pointer.is_null() {
            return;
        }
        // SAFETY: see `current`; only the generation field is read.
        if unsafe { &*pointer }.generation != FORK_GENERATION.load(Ordering::Relaxed) {
            return; // the parent's state in a forked child: leak it
        }
        self.shutdown(true);
        // SAFETY: the pointer came from `Arc::into_raw`; the strong count it
        // holds is released exactly once, here.
        drop(unsafe { Arc::from_raw(pointer) });
    }
}

impl TimerShared {
    /// A new strong reference to this state, which lives in an `Arc`.
    fn arc(&self) -> Arc<TimerShared> {
        let pointer: *const TimerShared = self;
        // SAFETY: every `TimerShared` is built in an `Arc` and `Timers` holds
        // a strong count of it while this borrow lives.
        unsafe {
            Arc::increment_strong_count(pointer);
            Arc::from_raw(pointer)
        }
    }

    fn insert(&self, deadline: Instant, future: Arc<Future>) -> Result<()> {
        let mut heap = self.heap.lock();
        if heap.closed {
            return Err(Error::Closed);
        }
        let sequence = heap.next_sequence;
        heap.next_sequence += 1;
        heap.entries.push(Entry {
            deadline,
            sequence,
            future,
        });
        let earliest = heap.entries.peek().is_some_and(|e| e.sequence == sequence);
        drop(heap);
        if earliest {
            self.changed.notify_one();
        }
        Ok(())
    }

    /// Counts a cancelled timer and purges the heap once cancelled timers
    /// outnumber live ones, so a program that sets and cancels long timers in
    /// a loop keeps a heap of its live timers only.
    fn note_cancelled(&self) {
        let mut heap = self.heap.lock();
        heap.cancelled += 1;
        if heap.cancelled >= PURGE_MINIMUM && heap.cancelled * 2 > heap.entries.len() {
            heap.entries.retain(|entry| !entry.future.is_done());
            heap.cancelled = 0;
        }
    }

    /// The timer thread: hands each timer to the pool when its deadline
    /// passes, until the heap closes.
    fn run(self: Arc<Self>, pool: &Shared) {
        let mut heap = self.heap.lock();
        let mut due = Vec::new();
        while !heap.closed {
            let now = Instant::now();
            while heap.entries.peek().is_some_and(|e| e.deadline <= now) {
                due.extend(heap.entries.pop().map(|e| e.future));
            }
            if due.is_empty() {
                let next = heap
                    .entries
                    .peek()
                    .map_or(Deadline::Never, |e| Deadline::At(e.deadline));
                self.changed.wait_until(&mut heap, next);
                continue;
            }
            drop(heap);
            for future in due.drain(..) {
                if future.is_done() {
                    continue; // cancelled while it waited
                }
                if pool.push(future.clone()).is_err() {
                    future.cancel(); // the pool shut down first
                }
            }
            heap = self.heap.lock();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::super::{FutureState, Pool, Shutdown};
    use crate::Error;

    fn pool(workers: usize) -> Pool {
        Pool::new(workers, "timer-test").unwrap()
    }

    #[test]
    fn runs_after_the_delay() {
        let pool = pool(2);
        let start = Instant::now();
        let future = pool
            .submit_after(Duration::from_millis(30), || Ok(7))
            .unwrap();
        assert_eq!(future.state(), FutureState::Pending);
        assert_eq!(future.result(None), Ok(7));
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert_eq!(pool.pending_timers(), 0);
    }

    #[test]
    fn zero_delay_submits_at_once() {
        let pool = pool(1);
        let future = pool.submit_after(Duration::ZERO, || Ok(3)).unwrap();
        assert_eq!(future.result(None), Ok(3));
        assert_eq!(pool.pending_timers(), 0);
    }

    #[test]
    fn fire_in_deadline_order_then_submission_order() {
        let pool = pool(1);
        let order = Arc::new(crate::lock::Mutex::new(Vec::new()));
        let delays = [50u64, 10, 30, 10, 20];
        let futures: Vec<_> = delays
            .iter()
            .enumerate()
            .map(|(index, &ms)| {
                let order = order.clone();
                pool.submit_after(Duration::from_millis(ms), move || {
                    order.lock().push(index);
                    Ok(0)
                })
                .unwrap()
            })
            .collect();
        for future in &futures {
            future.wait(None).unwrap();
        }
        assert_eq!(*order.lock(), vec![1, 3, 4, 2, 0]);
    }

    #[test]
    fn cancel_before_it_fires() {
        let pool = pool(1);
        let ran = Arc::new(AtomicUsize::new(0));
        let counter = ran.clone();
        let future = pool
            .submit_after(Duration::from_millis(50), move || {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(1)
            })
            .unwrap();
        assert!(future.cancel());
        assert_eq!(future.result(None), Err(Error::Cancelled));
        // A timer that fires later still runs; the cancelled one never does.
        let later = pool
            .submit_after(Duration::from_millis(80), || Ok(2))
            .unwrap();
        assert_eq!(later.result(None), Ok(2));
        assert_eq!(ran.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn cancel_after_it_ran_changes_nothing() {
        let pool = pool(1);
        let future = pool
            .submit_after(Duration::from_millis(1), || Ok(5))
            .unwrap();
        assert_eq!(future.result(None), Ok(5));
        assert!(!future.cancel());
        assert_eq!(future.state(), FutureState::Finished);
    }

    #[test]
    fn cancelled_timers_are_purged() {
        let pool = pool(1);
        let hour = Duration::from_secs(3600);
        let keep: Vec<_> = (0..10)
            .map(|_| pool.submit_after(hour, || Ok(0)).unwrap())
            .collect();
        for _ in 0..1000 {
            let future = pool.submit_after(hour, || Ok(0)).unwrap();
            assert!(future.cancel());
        }
        // Each purge leaves the live timers and fewer than PURGE_MINIMUM
        // cancelled ones behind.
        assert!(pool.pending_timers() < keep.len() + super::PURGE_MINIMUM);
        assert!(keep.iter().all(|f| f.state() == FutureState::Pending));
    }

    #[test]
    fn shutdown_cancels_pending_timers() {
        for mode in [Shutdown::Drain, Shutdown::Cancel] {
            let pool = pool(2);
            let timers: Vec<_> = (0..100)
                .map(|i| {
                    pool.submit_after(Duration::from_secs(60), move || Ok(i))
                        .unwrap()
                })
                .collect();
            pool.shutdown(mode, true);
            for timer in &timers {
                assert_eq!(timer.result(None), Err(Error::Cancelled));
            }
            assert_eq!(pool.pending_timers(), 0);
            assert_eq!(
                pool.submit_after(Duration::from_millis(1), || Ok(0)).err(),
                Some(Error::Closed)
            );
        }
    }

    #[test]
    fn dropping_the_pool_cancels_pending_timers() {
        let pool = pool(1);
        let timer = pool
            .submit_after(Duration::from_secs(60), || Ok(0))
            .unwrap();
        drop(pool);
        assert_eq!(timer.result(None), Err(Error::Cancelled));
    }

    #[test]
    fn shutdown_racing_with_timers_resolves_every_one() {
        let pool = pool(2);
        let timers: Vec<_> = (0..2000u64)
            .map(|i| {
                pool.submit_after(Duration::from_micros(i % 500), move || Ok(i as i64))
                    .unwrap()
            })
            .collect();
        pool.shutdown(Shutdown::Cancel, true);
        for (i, timer) in timers.iter().enumerate() {
            match timer.result(None) {
                Ok(value) => assert_eq!(value, i as i64),
                Err(error) => assert_eq!(error, Error::Cancelled),
            }
        }
    }

    #[test]
    fn concurrent_submits_and_cancels_resolve_every_timer() {
        let pool = Arc::new(pool(2));
        let ran = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4u64)
            .map(|thread| {
                let (pool, ran) = (pool.clone(), ran.clone());
                std::thread::spawn(move || {
                    let mut kept = Vec::new();
                    for i in 0..500u64 {
                        let ran = ran.clone();
                        let delay = Duration::from_micros((i * 7 + thread * 13) % 2000);
                        let future = pool
                            .submit_after(delay, move || {
                                ran.fetch_add(1, Ordering::SeqCst);
                                Ok(0)
                            })
                            .unwrap();
                        if i % 2 == 0 {
                            future.cancel();
                        }
                        kept.push(future);
                    }
                    kept
                })
            })
            .collect();
        let futures: Vec<_> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        let mut finished = 0;
        for future in &futures {
            match future.result(None) {
                Ok(0) => finished += 1,
                outcome => assert_eq!(outcome, Err(Error::Cancelled)),
            }
        }
        assert!(finished >= 1000, "the uncancelled half all ran");
        assert_eq!(ran.load(Ordering::SeqCst), finished);
    }

    #[test]
    fn a_delay_past_the_clock_is_refused() {
        let pool = pool(1);
        assert!(matches!(
            pool.submit_after(Duration::MAX, || Ok(0)).err(),
            Some(Error::Overflow(_))
        ));
    }
}
