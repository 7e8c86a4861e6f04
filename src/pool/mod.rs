//! A work-stealing thread pool.
//!
//! Tasks go to a global injector queue (or, when submitted from one of the
//! pool's own workers, to that worker's local deque); idle workers take
//! batches from the injector and steal from each other, so every core stays
//! busy with little per-task overhead. Workers with nothing to do spin
//! briefly, then sleep on a condition variable; a submit wakes one sleeper.
//!
//! Invariants:
//! - Every submitted task is either run or cancelled exactly once: a submit
//!   that races with shutdown either fails with `Closed` or is seen by the
//!   workers before they exit (submitters are counted in `state`).
//! - Shutdown joins the worker threads it started (except the calling thread
//!   when it is itself a worker), so the library can be unloaded afterwards.
//! - After `fork()`, the child has none of the parent's worker threads; the
//!   first use of a pool in the child gives it fresh workers and queues. Tasks
//!   queued in the parent at fork time stay the parent's: in the child their
//!   futures never complete.
//! - Delayed tasks ([`Pool::submit_after`]) wait in one timer thread per pool
//!   (see `timer`), which hands them to the workers when due; shutdown cancels
//!   the ones still waiting.

mod future;
mod parallel;
mod sizing;
mod timer;

pub use future::{wait_all, wait_any, DoneCallback, Future, FutureState, Work};
pub use sizing::{default_workers, parse_num_threads, NUM_THREADS_VARIABLE};

use std::cell::Cell;
use std::sync::atomic::{fence, AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::thread::JoinHandle;

use crossbeam_deque::{Injector, Steal, Stealer, Worker};
use crossbeam_utils::{Backoff, CachePadded};

use crate::lock::{Condvar, Mutex};

use crate::{Error, Result};

/// Something a worker runs: a future's task or a share of a parallel loop.
pub(crate) trait Runnable: Send + Sync {
    /// Runs the task, calling `ran` once its work is done but before anyone
    /// waiting on it wakes (so counters are current when a result is seen).
    /// Does nothing when the task had been cancelled.
    fn run(&self, ran: &dyn Fn());
    /// Drops the task without running it, resolving whatever waits on it.
    fn cancel(&self);
}

type Task = Arc<dyn Runnable>;

/// Most workers a pool may have.
pub const MAX_WORKERS: usize = 4096;

/// What `shutdown` does with tasks that have not started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// Run every queued task first.
    Drain,
    /// Cancel every queued task; running tasks finish.
    Cancel,
}

/// A snapshot of a pool's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Worker threads alive.
    pub workers: usize,
    /// Tasks submitted and not yet taken by a worker.
    pub queued: usize,
    /// Tasks running now.
    pub running: usize,
    /// Tasks that ran to completion, counting each worker's share of a
    /// parallel loop (map, parallel for, range sum) as one task.
    pub completed: u64,
}

/// A pool of native worker threads.
pub struct Pool {
    /// The live queues and workers; replaced (the old one leaked) only in a
    /// child process after `fork()`.
    shared: AtomicPtr<Shared>,
    /// The fork generation `shared` was built in.
    generation: AtomicU64,
    rebuild: Mutex<()>,
    workers: usize,
    /// The threads a parallel loop runs on: one per worker, but no more than
    /// the CPUs this process may use (more would only take turns on them).
    loop_threads: usize,
    name_prefix: String,
    timers: timer::Timers,
}

const CLOSED: usize = 1;
const CANCEL: usize = 2;
const SUBMITTER: usize = 4;

struct Shared {
    injector: Injector<Task>,
    stealers: Vec<Stealer<Task>>,
    // Counters written by submitters and by workers sit on cache lines of
    // their own, so the two sides do not slow each other down.
    /// `CLOSED | CANCEL` flags plus `SUBMITTER` times the submits in progress.
    state: CachePadded<AtomicUsize>,
    /// Tasks pushed, by submitters; `queued` is this minus `taken`.
    submitted: CachePadded<AtomicUsize>,
    /// Tasks popped (to run or to cancel), by workers and shutdown.
    taken: CachePadded<AtomicUsize>,
    /// Workers spinning for work: a submit wakes a sleeper only when none is.
    searching: CachePadded<AtomicUsize>,
    sleepers: AtomicUsize,
    sleep_lock: Mutex<()>,
    wake: Condvar,
    running: CachePadded<AtomicUsize>,
    completed: AtomicU64,
    live_workers: AtomicUsize,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

thread_local! {
    /// The pool and local deque of the worker running on this thread, if any.
    static CURRENT: Cell<(*const Shared, *const Worker<Task>)> =
        const { Cell::new((std::ptr::null(), std::ptr::null())) };
}

static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);
static REGISTER_ATFORK: Once = Once::new();

extern "C" fn child_after_fork() {
    FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Number of CPUs this process may use: honours the affinity mask and cgroup
/// CPU quotas (a container limited to 2 CPUs gets 2).
pub fn available_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Pool {
    /// Starts a pool with `workers` threads (0 = [`default_workers`]:
    /// `ALLCORE_NUM_THREADS` when set, else one per available CPU). Worker
    /// threads are named `<name_prefix>-<index>`. Errors: `InvalidArgument`
    /// above [`MAX_WORKERS`] or for an invalid `ALLCORE_NUM_THREADS`.
    pub fn new(workers: usize, name_prefix: &str) -> Result<Pool> {
        if workers > MAX_WORKERS {
            return Err(Error::InvalidArgument("more than 4096 workers"));
        }
        REGISTER_ATFORK.call_once(|| {
            // SAFETY: the handler only increments an atomic, which is
            // async-signal-safe as a fork handler must be.
            unsafe { libc::pthread_atfork(None, None, Some(child_after_fork)) };
        });
        let workers = if workers == 0 {
            default_workers()?
        } else {
            workers
        };
        let name_prefix = if name_prefix.is_empty() {
            "allcore"
        } else {
            name_prefix
        };
        let generation = FORK_GENERATION.load(Ordering::Relaxed);
        let shared = Shared::start(workers, name_prefix, 0)?;
        Ok(Pool {
            shared: AtomicPtr::new(Arc::into_raw(shared).cast_mut()),
            generation: AtomicU64::new(generation),
            rebuild: Mutex::new(()),
            workers,
            loop_threads: workers.min(available_cpus()).max(1),
            name_prefix: name_prefix.to_owned(),
            timers: timer::Timers::new(name_prefix),
        })
    }

    /// The number of worker threads the pool runs.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Submits `work` and returns its future. Errors: `Closed` after shutdown.
    pub fn submit(&self, work: impl Into<Work>) -> Result<Arc<Future>> {
        let future = Future::new(work.into());
        self.shared()?.push(future.clone())?;
        Ok(future)
    }

    /// Stops accepting tasks, drains or cancels the queued ones, and when
    /// `wait` is set joins every worker thread before returning.
    /// Pending timers are cancelled in either mode.
    pub fn shutdown(&self, mode: Shutdown, wait: bool) {
        self.timers.shutdown(wait);
        if let Ok(shared) = self.shared() {
            shared.shutdown(mode, wait);
        }
    }

    /// Whether `shutdown` was called.
    pub fn is_shutdown(&self) -> bool {
        self.shared()
            .map_or(true, |s| s.state.load(Ordering::Acquire) & CLOSED != 0)
    }

    /// A snapshot of the pool's counters.
    pub fn stats(&self) -> Stats {
        match self.shared() {
            Ok(shared) => Stats {
                workers: shared.live_workers.load(Ordering::Relaxed),
                queued: shared
                    .submitted
                    .load(Ordering::Relaxed)
                    .saturating_sub(shared.taken.load(Ordering::Relaxed)),
                running: shared.running.load(Ordering::Relaxed),
                completed: shared.completed.load(Ordering::Relaxed),
            },
            Err(_) => Stats::default(),
        }
    }

    pub(crate) fn push_task(&self, task: Task) -> Result<()> {
        self.shared()?.push(task)
    }

    /// A strong reference to the live shared state (for the timer thread).
    fn shared_arc(&self) -> Result<Arc<Shared>> {
        let shared: *const Shared = self.shared()?;
        // SAFETY: `shared` came from `Arc::into_raw` and the pool holds a
        // strong count of it (see `shared`); this adds one of our own.
        unsafe {
            Arc::increment_strong_count(shared);
            Ok(Arc::from_raw(shared))
        }
    }

    /// The live shared state, rebuilt first when this is a forked child.
    fn shared(&self) -> Result<&Shared> {
        let generation = FORK_GENERATION.load(Ordering::Relaxed);
        if generation != self.generation.load(Ordering::Acquire) {
            self.rebuild_after_fork(generation)?;
        }
        // SAFETY: `shared` always points to a live `Shared`: the pool owns
        // one strong count of it until drop, and a pointer replaced after a
        // fork is leaked, never freed, so references handed out stay valid.
        Ok(unsafe { &*self.shared.load(Ordering::Acquire) })
    }

    #[cold]
    fn rebuild_after_fork(&self, generation: u64) -> Result<()> {
        let _guard = self.rebuild.lock();
        if self.generation.load(Ordering::Acquire) == generation {
            return Ok(());
        }
        // SAFETY: see `shared`; the old state is only read here.
        let old = unsafe { &*self.shared.load(Ordering::Acquire) };
        let flags = old.state.load(Ordering::Relaxed) & (CLOSED | CANCEL);
        let fresh = Shared::start(
            if flags != 0 { 0 } else { self.workers },
            &self.name_prefix,
            flags,
        )?;
        // The parent's state is leaked on purpose: its worker threads do not
        // exist here and its locks may be held by threads that never return.
        self.shared
            .store(Arc::into_raw(fresh).cast_mut(), Ordering::Release);
        self.generation.store(generation, Ordering::Release);
        Ok(())
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        if FORK_GENERATION.load(Ordering::Relaxed) != *self.generation.get_mut() {
            return; // a forked child that never used the pool: leak the parent's state
        }
        let shared = *self.shared.get_mut();
        // SAFETY: the pointer came from `Arc::into_raw` and the pool's strong
        // count is released exactly once, here.
        let shared = unsafe { Arc::from_raw(shared) };
        shared.shutdown(Shutdown::Cancel, true);
    }
}

impl Shared {
    fn start(workers: usize, name_prefix: &str, flags: usize) -> Result<Arc<Shared>> {
        let locals: Vec<Worker<Task>> = (0..workers).map(|_| Worker::new_fifo()).collect();
        let shared = Arc::new(Shared {
            injector: Injector::new(),
            stealers: locals.iter().map(Worker::stealer).collect(),
            state: CachePadded::new(AtomicUsize::new(flags)),
            submitted: CachePadded::new(AtomicUsize::new(0)),
            taken: CachePadded::new(AtomicUsize::new(0)),
            searching: CachePadded::new(AtomicUsize::new(0)),
            sleepers: AtomicUsize::new(0),
            sleep_lock: Mutex::new(()),
            wake: Condvar::new(),
            running: CachePadded::new(AtomicUsize::new(0)),
            completed: AtomicU64::new(0),
            live_workers: AtomicUsize::new(0),
            handles: Mutex::new(Vec::with_capacity(workers)),
        });
        for (index, local) in locals.into_iter().enumerate() {
            let worker_shared = shared.clone();
            shared.live_workers.fetch_add(1, Ordering::Relaxed);
            let spawned = std::thread::Builder::new()
                .name(format!("{name_prefix}-{index}"))
                .spawn(move || worker_shared.work(local, index));
            match spawned {
                Ok(handle) => shared.handles.lock().push(handle),
                Err(_) => {
                    shared.live_workers.fetch_sub(1, Ordering::Relaxed);
                    shared.shutdown(Shutdown::Cancel, true);
                    return Err(Error::NoMemory);
                }
            }
        }
        Ok(shared)
    }

    fn push(&self, task: Task) -> Result<()> {
        if self.state.fetch_add(SUBMITTER, Ordering::SeqCst) & CLOSED != 0 {
            self.state.fetch_sub(SUBMITTER, Ordering::SeqCst);
            return Err(Error::Closed);
        }
        self.submitted.fetch_add(1, Ordering::Relaxed);
        let (owner, local) = CURRENT.with(Cell::get);
        if std::ptr::eq(owner, self) {
            // SAFETY: `local` is this thread's own deque, alive while its
            // worker loop runs, which is the only time CURRENT points here.
            unsafe { &*local }.push(task);
        } else {
            self.injector.push(task);
        }
        self.state.fetch_sub(SUBMITTER, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        // A worker spinning for work will find this task; otherwise wake one.
        if self.searching.load(Ordering::SeqCst) == 0 {
            self.wake_one();
        }
        Ok(())
    }

    fn has_visible_work(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }

    fn find_task(&self, local: &Worker<Task>, index: usize) -> Option<Task> {
        if let Some(task) = local.pop() {
            return Some(task);
        }
        loop {
            let mut retry = false;
            match self.injector.steal_batch_and_pop(local) {
                Steal::Success(task) => return Some(task),
                Steal::Retry => retry = true,
                Steal::Empty => {}
            }
            let count = self.stealers.len();
            for offset in 1..count {
                match self.stealers[(index + offset) % count].steal() {
                    Steal::Success(task) => return Some(task),
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }

    fn execute(&self, task: Task) {
        self.taken.fetch_add(1, Ordering::Relaxed);
        if self.state.load(Ordering::Acquire) & CANCEL != 0 {
            task.cancel();
            return;
        }
        self.running.fetch_add(1, Ordering::Relaxed);
        let ran = Cell::new(false);
        task.run(&|| {
            ran.set(true);
            self.completed.fetch_add(1, Ordering::Relaxed);
            self.running.fetch_sub(1, Ordering::Relaxed);
        });
        if !ran.get() {
            self.running.fetch_sub(1, Ordering::Relaxed); // a cancelled future
        }
    }

    fn work(self: Arc<Self>, local: Worker<Task>, index: usize) {
        CURRENT.with(|c| c.set((Arc::as_ptr(&self), &local)));
        let backoff = Backoff::new();
        // Whether this worker is counted in `searching` (spinning for work).
        let mut searching = false;
        loop {
            if let Some(task) = self.find_task(&local, index) {
                if searching {
                    searching = false;
                    // The last searcher found work: if more is queued, wake a
                    // sleeper to take it, so a backlog spreads over every worker.
                    if self.searching.fetch_sub(1, Ordering::SeqCst) == 1 && self.has_visible_work()
                    {
                        self.wake_one();
                    }
                }
                self.execute(task);
                backoff.reset();
                continue;
            }
            let state = self.state.load(Ordering::SeqCst);
            if state & CLOSED != 0 && state < SUBMITTER && !self.has_visible_work() {
                break;
            }
            if !searching {
                searching = true;
                self.searching.fetch_add(1, Ordering::SeqCst);
            }
            if !backoff.is_completed() {
                backoff.snooze();
                continue;
            }
            let mut guard = self.sleep_lock.lock();
            self.sleepers.fetch_add(1, Ordering::SeqCst);
            self.searching.fetch_sub(1, Ordering::SeqCst);
            fence(Ordering::SeqCst);
            if !self.has_visible_work() && self.state.load(Ordering::SeqCst) & CLOSED == 0 {
                self.wake.wait(&mut guard);
            }
            self.sleepers.fetch_sub(1, Ordering::SeqCst);
            // Awake means looking for work: submits need not wake anyone else.
            self.searching.fetch_add(1, Ordering::SeqCst);
            drop(guard);
            backoff.reset();
        }
        if searching {
            self.searching.fetch_sub(1, Ordering::SeqCst);
        }
        CURRENT.with(|c| c.set((std::ptr::null(), std::ptr::null())));
        self.live_workers.fetch_sub(1, Ordering::Release);
    }

    /// Wakes one sleeping worker, if any.
    fn wake_one(&self) {
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _guard = self.sleep_lock.lock();
            self.wake.notify_one();
        }
    }

    /// Cancels every queued task now, from this thread, so their futures
    /// resolve even while every worker is busy with a long task.
    fn cancel_queued(&self) {
        loop {
            let stolen = self
                .injector
                .steal()
                .or_else(|| self.stealers.iter().map(Stealer::steal).collect());
            match stolen {
                Steal::Success(task) => {
                    self.taken.fetch_add(1, Ordering::Relaxed);
                    task.cancel();
                }
                Steal::Retry => continue,
                Steal::Empty => return,
            }
        }
    }

    fn shutdown(&self, mode: Shutdown, wait: bool) {
        let flags = match mode {
            Shutdown::Drain => CLOSED,
            Shutdown::Cancel => CLOSED | CANCEL,
        };
        self.state.fetch_or(flags, Ordering::SeqCst);
        // Let submits already past the CLOSED check publish their task.
        let backoff = Backoff::new();
        while self.state.load(Ordering::SeqCst) >= SUBMITTER {
            backoff.snooze();
        }
        if mode == Shutdown::Cancel {
            self.cancel_queued();
        }
        {
            let _guard = self.sleep_lock.lock();
            self.wake.notify_all();
        }
        if !wait {
            return;
        }
        let me = std::thread::current().id();
        let mut handles = self.handles.lock();
        for handle in handles.drain(..) {
            if handle.thread().id() != me {
                // A worker never panics (tasks run under catch_unwind).
                let _ = handle.join();
            }
        }
    }
}

#[cfg(test)]
mod tests;
