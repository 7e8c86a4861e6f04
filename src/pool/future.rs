//! The result of one task submitted to a [`Pool`](super::Pool).
//!
//! A future moves once from `Pending` to `Running` to `Finished`, or from
//! `Pending` straight to `Cancelled`; it never goes back. Its outcome is set
//! exactly once, then every waiter wakes and every done-callback runs once, on
//! the thread that completed or cancelled it (or at once, on the registering
//! thread, when it is already done). Closing a future (freeing its handle)
//! wakes its waiters with `Closed` and leaves the task itself alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::lock::{Condvar, Mutex};

use super::Runnable;
use crate::time::Deadline;
use crate::{Error, Result};

/// Where a future is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FutureState {
    /// Queued, not started: it can still be cancelled.
    Pending,
    /// A worker is running the task.
    Running,
    /// The task ran; its outcome is available.
    Finished,
    /// The task was cancelled before it started.
    Cancelled,
}

/// The work a future runs: its return value becomes the future's outcome.
pub enum Work {
    /// A function and two words of arguments, stored inside the future with
    /// no allocation of its own: the common case of a C function pointer
    /// plus its context or argument.
    Inline(fn(usize, usize) -> Result<i64>, usize, usize),
    /// Any closure.
    Boxed(Box<dyn FnOnce() -> Result<i64> + Send>),
}

impl Work {
    fn run(self) -> Result<i64> {
        match self {
            Work::Inline(function, a, b) => function(a, b),
            Work::Boxed(closure) => closure(),
        }
    }
}

impl<F: FnOnce() -> Result<i64> + Send + 'static> From<F> for Work {
    fn from(closure: F) -> Work {
        Work::Boxed(Box::new(closure))
    }
}

/// Called once with the outcome when the future is done.
pub type DoneCallback = Box<dyn FnOnce(Result<i64>) + Send>;

/// A pending or completed task result.
pub struct Future {
    inner: Mutex<Inner>,
    changed: Condvar,
}

struct Inner {
    state: FutureState,
    work: Option<Work>,
    outcome: Option<Result<i64>>,
    callbacks: Vec<DoneCallback>,
    watchers: Vec<(u64, Arc<Signal>)>,
    closed: bool,
    /// Threads blocked in `wait`: notifying costs a system call, so it is
    /// skipped when nobody waits.
    waiters: usize,
}

impl Future {
    pub(crate) fn new(work: Work) -> Arc<Self> {
        Arc::new(Future {
            inner: Mutex::new(Inner {
                state: FutureState::Pending,
                work: Some(work),
                outcome: None,
                callbacks: Vec::new(),
                watchers: Vec::new(),
                closed: false,
                waiters: 0,
            }),
            changed: Condvar::new(),
        })
    }

    /// The current state.
    pub fn state(&self) -> FutureState {
        self.inner.lock().state
    }

    /// Whether the task finished or was cancelled.
    pub fn is_done(&self) -> bool {
        self.inner.lock().outcome.is_some()
    }

    /// Cancels the task if it has not started. Returns `true` when the future
    /// is (now or already) cancelled, `false` when it is running or finished.
    pub fn cancel(&self) -> bool {
        let mut inner = self.inner.lock();
        match inner.state {
            FutureState::Cancelled => true,
            FutureState::Running | FutureState::Finished => false,
            FutureState::Pending => {
                inner.state = FutureState::Cancelled;
                inner.work = None;
                self.complete(inner, Err(Error::Cancelled));
                true
            }
        }
    }

    /// Waits until the future is done. Errors: `Timeout`/`WouldBlock` when the
    /// deadline passes first, `Closed` when the future is closed meanwhile.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<()> {
        let deadline = Deadline::after(timeout);
        let mut inner = self.inner.lock();
        loop {
            if inner.outcome.is_some() {
                return Ok(());
            }
            if inner.closed {
                return Err(Error::Closed);
            }
            inner.waiters += 1;
            let in_time = self.changed.wait_until(&mut inner, deadline);
            inner.waiters -= 1;
            if !in_time {
                return Err(deadline.expired_error());
            }
        }
    }

    /// Waits, then returns the task's outcome: its value, its own error, or
    /// `Cancelled`; or the wait's `Timeout`/`WouldBlock`/`Closed`.
    pub fn result(&self, timeout: Option<Duration>) -> Result<i64> {
        self.wait(timeout)?;
        self.inner
            .lock()
            .outcome
            .expect("a done future has an outcome")
    }

    /// Runs `callback` with the outcome once the future is done: at once on
    /// this thread when it is already done.
    pub fn on_done(&self, callback: DoneCallback) {
        let mut inner = self.inner.lock();
        match inner.outcome {
            Some(outcome) => {
                drop(inner);
                callback(outcome);
            }
            None => inner.callbacks.push(callback),
        }
    }

    /// Wakes every waiter with `Closed`; later waits fail with `Closed` unless
    /// the future is already done.
    pub fn close(&self) {
        let mut inner = self.inner.lock();
        inner.closed = true;
        let watchers = std::mem::take(&mut inner.watchers);
        let waiters = inner.waiters;
        drop(inner);
        if waiters > 0 {
            self.changed.notify_all();
        }
        for (_, signal) in watchers {
            signal.fire();
        }
    }

    /// Sets the outcome, then wakes waiters and runs callbacks outside the lock.
    fn complete(&self, mut inner: crate::lock::MutexGuard<'_, Inner>, outcome: Result<i64>) {
        inner.outcome = Some(outcome);
        let callbacks = std::mem::take(&mut inner.callbacks);
        let watchers = std::mem::take(&mut inner.watchers);
        let waiters = inner.waiters;
        drop(inner);
        if waiters > 0 {
            self.changed.notify_all();
        }
        for (_, signal) in watchers {
            signal.fire();
        }
        for callback in callbacks {
            callback(outcome);
        }
    }

    /// Registers `signal` to fire when the future is done or closed; returns
    /// `false` (registering nothing) when it already is.
    fn watch(&self, token: u64, signal: &Arc<Signal>) -> bool {
        let mut inner = self.inner.lock();
        if inner.outcome.is_some() || inner.closed {
            return false;
        }
        inner.watchers.push((token, signal.clone()));
        true
    }

    fn unwatch(&self, token: u64) {
        self.inner.lock().watchers.retain(|(t, _)| *t != token);
    }
}

impl Runnable for Future {
    fn run(&self, ran: &dyn Fn()) {
        let work = {
            let mut inner = self.inner.lock();
            if inner.state != FutureState::Pending {
                return;
            }
            inner.state = FutureState::Running;
            inner.work.take()
        };
        let Some(work) = work else { return };
        let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work.run())) {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::Broken),
        };
        ran();
        let mut inner = self.inner.lock();
        inner.state = FutureState::Finished;
        self.complete(inner, outcome);
    }

    fn cancel(&self) {
        Future::cancel(self);
    }
}

/// A one-shot wake-up shared by several futures (for [`wait_any`]).
struct Signal {
    fired: Mutex<bool>,
    cond: Condvar,
}

impl Signal {
    fn fire(&self) {
        *self.fired.lock() = true;
        self.cond.notify_all();
    }
}

static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// Waits until at least one of `futures` is done and returns the index of the
/// first done one. Errors: `InvalidArgument` for an empty set,
/// `Timeout`/`WouldBlock`, `Closed` when a future is closed meanwhile.
pub fn wait_any(futures: &[&Future], timeout: Option<Duration>) -> Result<usize> {
    if futures.is_empty() {
        return Err(Error::InvalidArgument("no futures to wait for"));
    }
    let deadline = Deadline::after(timeout);
    let signal = Arc::new(Signal {
        fired: Mutex::new(false),
        cond: Condvar::new(),
    });
    let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
    let mut watched = 0;
    let mut ready = None;
    for (index, future) in futures.iter().enumerate() {
        if !future.watch(token, &signal) {
            ready = Some(index);
            break;
        }
        watched += 1;
    }
    if ready.is_none() {
        let mut fired = signal.fired.lock();
        while !*fired {
            if !signal.cond.wait_until(&mut fired, deadline) {
                break;
            }
        }
    }
    for future in &futures[..watched] {
        future.unwatch(token);
    }
    if let Some(index) = ready.or_else(|| futures.iter().position(|f| f.is_done())) {
        return Ok(index);
    }
    if futures.iter().any(|f| f.inner.lock().closed) {
        return Err(Error::Closed);
    }
    Err(deadline.expired_error())
}

/// Waits until every one of `futures` is done (the deadline covers the whole
/// set). Errors as for [`Future::wait`].
pub fn wait_all(futures: &[&Future], timeout: Option<Duration>) -> Result<()> {
    let deadline = Deadline::after(timeout);
    for future in futures {
        future.wait(deadline.remaining()).map_err(|e| match e {
            Error::Timeout | Error::WouldBlock => deadline.expired_error(),
            other => other,
        })?;
    }
    Ok(())
}
