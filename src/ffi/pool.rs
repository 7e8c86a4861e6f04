//! The thread pool and its futures.
//!
//! Callbacks are native function pointers plus a `void *` context, in the style
//! of libdispatch's `_f` functions. They run on the pool's worker threads (a
//! done-callback on whichever thread completes or cancels the future) and must
//! not unwind into allcore.

use std::ffi::{c_char, c_void, CStr};
use std::sync::Arc;
use std::time::Duration;

use super::boundary;
use super::handle::{
    self, hold, object, out, slice, slice_mut, try_then_wait, write_optional, Handle,
};
use super::status::ac_status;
use super::timeout;
use crate::pool::{self, Future, FutureState, Pool, Shutdown, Work};
use crate::time::Deadline;
use crate::{kernels, Error, Result};

/// A pool of native worker threads. Create with `ac_pool_new`, release with
/// `ac_pool_release`.
pub struct ac_pool {
    _private: [u8; 0],
}

object!(ac_pool, Pool, |pool| pool.shutdown(Shutdown::Cancel, true));

/// The pending or completed result of one submitted task. Release with
/// `ac_future_release`.
pub struct ac_future {
    _private: [u8; 0],
}

object!(ac_future, Future, |future| future.close());

/// A task: returns the value its future resolves to.
pub type ac_task_fn = Option<unsafe extern "C" fn(context: *mut c_void) -> i64>;

/// A function of one 64-bit integer, such as a ctypes or cgo function pointer
/// with the signature `int64_t f(int64_t)`.
pub type ac_map_fn = Option<unsafe extern "C" fn(value: i64) -> i64>;

/// A parallel-for body: handles the indices [begin, end).
pub type ac_for_fn = Option<unsafe extern "C" fn(context: *mut c_void, begin: usize, end: usize)>;

/// Called once when a future is done: `status` is AC_OK (and `value` the
/// task's result), AC_CANCELLED, or the kernel's error.
pub type ac_done_fn =
    Option<unsafe extern "C" fn(context: *mut c_void, status: ac_status, value: i64)>;

/// Which built-in kernel a pool function runs (`AC_KERNEL_*`).
pub type ac_kernel = i32;
/// `fib(a)`; `b` is ignored.
pub const AC_KERNEL_FIB: ac_kernel = 0;
/// `busy_loop(a)` iterations; the value is the loop's final state. `b` is ignored.
pub const AC_KERNEL_BUSY_LOOP: ac_kernel = 1;
/// `busy_loop_for(a)` nanoseconds; the value is the iteration count. `b` is ignored.
pub const AC_KERNEL_BUSY_LOOP_FOR: ac_kernel = 2;
/// `range_sum(a, b)`.
pub const AC_KERNEL_RANGE_SUM: ac_kernel = 3;

/// How `ac_pool_shutdown` treats tasks not yet started (`AC_SHUTDOWN_*`).
pub type ac_shutdown = i32;
/// Run every queued task, then stop the workers and join them.
pub const AC_SHUTDOWN_DRAIN: ac_shutdown = 0;
/// Cancel every queued task (their futures report AC_CANCELLED), let running
/// ones finish, then join the workers.
pub const AC_SHUTDOWN_CANCEL: ac_shutdown = 1;
/// Flag to OR with either mode: return at once instead of joining the workers.
pub const AC_SHUTDOWN_NO_WAIT: ac_shutdown = 2;

/// Where a future is in its life.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ac_future_state {
    /// Queued; it can still be cancelled.
    AC_FUTURE_PENDING = 0,
    /// A worker is running it.
    AC_FUTURE_RUNNING = 1,
    /// It ran; its result is available.
    AC_FUTURE_FINISHED = 2,
    /// It was cancelled before it started.
    AC_FUTURE_CANCELLED = 3,
}

/// A snapshot of a pool's counters.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ac_pool_stats {
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

/// A raw pointer the caller promises may travel to another thread.
struct SendPtr(*mut c_void);
// SAFETY: the C caller hands the context to the pool knowing it is used on
// worker threads (documented on every function that takes one).
unsafe impl Send for SendPtr {}
// SAFETY: as above; allcore itself never dereferences it.
unsafe impl Sync for SendPtr {}

impl SendPtr {
    /// The pointer (a method, so closures capture the whole `SendPtr`).
    fn get(&self) -> *mut c_void {
        self.0
    }
}

fn kernel_fn(kernel: ac_kernel) -> Result<fn(i64, i64) -> Result<i64>> {
    Ok(match kernel {
        AC_KERNEL_FIB => |a, _| kernels::fib(a),
        AC_KERNEL_BUSY_LOOP => |a, _| Ok(kernels::busy_loop(iterations(a)?) as i64),
        AC_KERNEL_BUSY_LOOP_FOR => {
            |a, _| Ok(kernels::busy_loop_for(super::kernels::duration(a)?) as i64)
        }
        AC_KERNEL_RANGE_SUM => kernels::range_sum,
        _ => return Err(Error::InvalidArgument("unknown kernel")),
    })
}

/// Checks a kernel's arguments in O(1), so a batch refuses bad input before
/// any of its work starts.
fn check_kernel_arguments(kernel: ac_kernel, a: i64, b: i64) -> Result<()> {
    match kernel {
        AC_KERNEL_FIB if !(0..=kernels::FIB_MAX).contains(&a) => kernels::fib(a).map(drop),
        AC_KERNEL_FIB => Ok(()),
        AC_KERNEL_BUSY_LOOP => iterations(a).map(drop),
        AC_KERNEL_BUSY_LOOP_FOR => super::kernels::duration(a).map(drop),
        AC_KERNEL_RANGE_SUM => kernels::check_range_sum(a, b),
        _ => Err(Error::InvalidArgument("unknown kernel")),
    }
}

/// A busy loop's iteration count: `a` if it is not negative.
fn iterations(a: i64) -> Result<u64> {
    u64::try_from(a).map_err(|_| Error::InvalidArgument("a negative iteration count"))
}

/// Runs an `ac_task_fn` stored in a future as two words.
fn run_task(task: usize, context: usize) -> Result<i64> {
    // SAFETY: `task` is the non-NULL `ac_task_fn` that `ac_pool_submit`
    // stored; a function pointer round-trips through usize unchanged.
    let task: unsafe extern "C" fn(*mut c_void) -> i64 = unsafe { std::mem::transmute(task) };
    // SAFETY: the caller's task accepts its own context.
    Ok(unsafe { task(context as *mut c_void) })
}

/// Runs an `ac_map_fn` and its argument stored in a future as two words.
fn run_call(function: usize, argument: usize) -> Result<i64> {
    // SAFETY: `function` is the non-NULL `ac_map_fn` that
    // `ac_pool_submit_call` stored.
    let function: unsafe extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(function) };
    // SAFETY: the caller passes a function of this signature.
    Ok(unsafe { function(argument as i64) })
}

fn publish(future: Arc<Future>, out_future: &mut *mut ac_future) -> Result<()> {
    *out_future = ac_future::into_raw(future);
    Ok(())
}

/// Starts a pool of `workers` threads. 0 means the default size: the
/// environment variable ALLCORE_NUM_THREADS when it is set (as
/// OMP_NUM_THREADS sizes OpenMP; a whole number from 1 to 4096, blank
/// counts as unset), else one per CPU this process may use (honouring CPU
/// affinity and cgroup quotas). Worker threads are named
/// `<name_prefix>-<index>` (`name_prefix` may be NULL: "allcore").
/// Returns AC_INVALID_ARGUMENT above 4096 workers or, for 0, when
/// ALLCORE_NUM_THREADS holds anything else (0, a sign, a word); AC_NO_MEMORY
/// when threads cannot be started.
#[no_mangle]
pub extern "C" fn ac_pool_new(
    workers: usize,
    name_prefix: *const c_char,
    out_pool: *mut *mut ac_pool,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_pool)?;
        let prefix = if name_prefix.is_null() {
            ""
        } else {
            // SAFETY: a non-NULL prefix is a NUL-terminated C string.
            unsafe { CStr::from_ptr(name_prefix) }
                .to_str()
                .map_err(|_| Error::InvalidArgument("name_prefix is not UTF-8"))?
        };
        *slot = ac_pool::into_raw(Arc::new(Pool::new(workers, prefix)?));
        Ok(())
    })
}

/// Adds a reference to the pool and returns `pool` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_pool_retain(pool: *mut ac_pool) -> *mut ac_pool {
    handle::retain(pool)
}

/// Drops one reference to the pool; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_pool_release(pool: *mut ac_pool) {
    handle::release(pool)
}

/// Shuts the pool down as AC_SHUTDOWN_CANCEL does (queued tasks are
/// cancelled and their futures report AC_CANCELLED) and joins its workers;
/// later submits return AC_CLOSED. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_pool_close(pool: *const ac_pool) -> ac_status {
    handle::close(pool)
}

/// Stops accepting tasks (later submits return AC_CLOSED). `mode` is
/// AC_SHUTDOWN_DRAIN or AC_SHUTDOWN_CANCEL, optionally OR-ed with
/// AC_SHUTDOWN_NO_WAIT; without it the call joins every worker thread
/// (except the calling one, when called from a task). No future is left
/// unresolved: each either runs or reports AC_CANCELLED. Timers still
/// waiting (`ac_pool_submit_after`) are cancelled in either mode.
#[no_mangle]
pub extern "C" fn ac_pool_shutdown(pool: *const ac_pool, mode: ac_shutdown) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let cancel = match mode & !AC_SHUTDOWN_NO_WAIT {
            AC_SHUTDOWN_DRAIN => Shutdown::Drain,
            AC_SHUTDOWN_CANCEL => Shutdown::Cancel,
            _ => return Err(Error::InvalidArgument("unknown shutdown mode")),
        };
        pool.shutdown(cancel, mode & AC_SHUTDOWN_NO_WAIT == 0);
        Ok(())
    })
}

/// Writes a snapshot of the pool's counters to `out_stats`.
#[no_mangle]
pub extern "C" fn ac_pool_get_stats(
    pool: *const ac_pool,
    out_stats: *mut ac_pool_stats,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let pool = unsafe { ac_pool::borrow(pool) }?;
        let slot = out(out_stats)?;
        let stats = pool.stats();
        *slot = ac_pool_stats {
            workers: stats.workers,
            queued: stats.queued,
            running: stats.running,
            completed: stats.completed,
        };
        Ok(())
    })
}

/// Queues `task(context)` and writes its future to `out_future`; the
/// future's value is the task's return value. `context` is used on a
/// worker thread. Returns AC_CLOSED after shutdown.
#[no_mangle]
pub extern "C" fn ac_pool_submit(
    pool: *const ac_pool,
    task: ac_task_fn,
    context: *mut c_void,
    out_future: *mut *mut ac_future,
) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let slot = out(out_future)?;
        let task = task.ok_or(Error::NullPointer)?;
        let future = pool.submit(Work::Inline(run_task, task as usize, context as usize))?;
        publish(future, slot)
    })
}

/// Queues `function(argument)` for any `int64_t f(int64_t)` function
/// pointer and writes its future to `out_future`. Returns AC_CLOSED after
/// shutdown.
#[no_mangle]
pub extern "C" fn ac_pool_submit_call(
    pool: *const ac_pool,
    function: ac_map_fn,
    argument: i64,
    out_future: *mut *mut ac_future,
) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let slot = out(out_future)?;
        let function = function.ok_or(Error::NullPointer)?;
        let future = pool.submit(Work::Inline(run_call, function as usize, argument as usize))?;
        publish(future, slot)
    })
}

/// Queues a built-in kernel (`AC_KERNEL_*`) with arguments `a` and `b` and
/// writes its future to `out_future`; the kernel's own errors (fib's
/// AC_OVERFLOW) become the future's status. Returns AC_INVALID_ARGUMENT
/// for an unknown kernel, AC_CLOSED after shutdown.
#[no_mangle]
pub extern "C" fn ac_pool_submit_kernel(
    pool: *const ac_pool,
    kernel: ac_kernel,
    a: i64,
    b: i64,
    out_future: *mut *mut ac_future,
) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let slot = out(out_future)?;
        let run = kernel_fn(kernel)?;
        publish(pool.submit(move || run(a, b))?, slot)
    })
}

/// Writes `function(input[i])` to `output[i]` for i in [0, len), spread
/// over the workers and the calling thread; blocks until all are done.
/// `chunk` items are handed out at a time (0 = automatic). This is how any
/// `int64_t f(int64_t)` function pointer runs on every core.
#[no_mangle]
pub extern "C" fn ac_pool_map(
    pool: *const ac_pool,
    function: ac_map_fn,
    input: *const i64,
    output: *mut i64,
    len: usize,
    chunk: usize,
) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let function = function.ok_or(Error::NullPointer)?;
        let input = slice(input, len)?;
        let output = slice_mut(output, len)?;
        // SAFETY: the caller passes a function of this signature.
        pool.map(
            &|value| Ok(unsafe { function(value) }),
            input,
            output,
            chunk,
        )
    })
}

/// Runs a built-in kernel over an array in parallel: `output[i] =
/// kernel(input[i])` for AC_KERNEL_FIB, AC_KERNEL_BUSY_LOOP and
/// AC_KERNEL_BUSY_LOOP_FOR. Every input is checked before any work starts
/// (a bad one returns its status and leaves `output` untouched). Blocks
/// until done.
#[no_mangle]
pub extern "C" fn ac_pool_map_kernel(
    pool: *const ac_pool,
    kernel: ac_kernel,
    input: *const i64,
    output: *mut i64,
    len: usize,
) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let input = slice(input, len)?;
        let output = slice_mut(output, len)?;
        if kernel == AC_KERNEL_RANGE_SUM {
            return Err(Error::InvalidArgument(
                "range_sum takes two arguments: use ac_pool_range_sum",
            ));
        }
        let run = kernel_fn(kernel)?;
        for &value in input {
            check_kernel_arguments(kernel, value, 0)?;
        }
        if kernel == AC_KERNEL_FIB {
            return pool.fib_map(input, output);
        }
        pool.map(&|value| run(value, 0), input, output, 1)
    })
}

/// `ac_pool_map_kernel` as a task: checks every input at once (a bad one
/// returns its status here and nothing is queued), then queues the whole
/// batch and writes its future to `out_future` without waiting. The batch
/// runs on the workers only (one takes it and shares it out with the
/// others), so the calling thread can wait on the future in slices, stay
/// interruptible, or do other work; the future's value is `len` once every
/// `output[i]` is written, or the first error a call reported. `input` and
/// `output` must stay valid until the future is done. Returns AC_CLOSED
/// after shutdown.
#[no_mangle]
pub extern "C" fn ac_pool_submit_map_kernel(
    pool: *const ac_pool,
    kernel: ac_kernel,
    input: *const i64,
    output: *mut i64,
    len: usize,
    out_future: *mut *mut ac_future,
) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let slot = out(out_future)?;
        slice_mut(output, len)?;
        if kernel == AC_KERNEL_RANGE_SUM {
            return Err(Error::InvalidArgument(
                "range_sum takes two arguments: use ac_pool_range_sum",
            ));
        }
        let run = kernel_fn(kernel)?;
        for &value in slice(input, len)? {
            check_kernel_arguments(kernel, value, 0)?;
        }
        // The task holds the pool weakly (a pool owning a reference to
        // itself would never be freed) and the arrays as addresses.
        let weak = Arc::downgrade(&pool);
        let (input, output) = (input as usize, output as usize);
        let future = pool.submit(move || {
            let pool = weak.upgrade().ok_or(Error::Closed)?;
            // The caller keeps both arrays valid, and `output` to itself,
            // until the future is done; both were checked above.
            let input = slice(input as *const i64, len)?;
            let output = slice_mut(output as *mut i64, len)?;
            pool.map(&|value| run(value, 0), input, output, 1)?;
            Ok(len as i64)
        })?;
        publish(future, slot)
    })
}

/// Calls `body(context, begin, end)` over consecutive chunks of [0, len)
/// of at most `chunk` indices, on the workers and the calling thread, and
/// returns when every chunk is done (libdispatch's `dispatch_apply_f`,
/// OpenMP's `parallel for`). `chunk` 0 is automatic: chunks that shrink as
/// the range runs out (OpenMP's `guided` schedule). `context` is only used
/// until the call returns. Safe to call from a task.
#[no_mangle]
pub extern "C" fn ac_pool_parallel_for(
    pool: *const ac_pool,
    len: usize,
    chunk: usize,
    body: ac_for_fn,
    context: *mut c_void,
) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let body = body.ok_or(Error::NullPointer)?;
        let context = SendPtr(context);
        // SAFETY: the caller's body accepts its own context.
        pool.parallel_for(len, chunk, &|begin, end| unsafe {
            body(context.get(), begin, end)
        });
        Ok(())
    })
}

/// `ac_range_sum` split across the workers and the calling thread. Same
/// rule: AC_OVERFLOW at once, before any work and without writing
/// `out_sum`, when the exact sum does not fit in int64_t.
#[no_mangle]
pub extern "C" fn ac_pool_range_sum(
    pool: *const ac_pool,
    start: i64,
    stop: i64,
    out_sum: *mut i64,
) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let slot = out(out_sum)?;
        *slot = pool.range_sum(start, stop)?;
        Ok(())
    })
}

/// Spins for `nanoseconds` on one thread per worker, up to the CPUs
/// (fills every core, then stops by itself); writes the total iteration
/// count to `out_iterations`. Returns, before spinning,
/// AC_INVALID_ARGUMENT for a negative duration and AC_NULL_POINTER when
/// `out_iterations` is NULL.
#[no_mangle]
pub extern "C" fn ac_pool_busy_loop_for(
    pool: *const ac_pool,
    nanoseconds: i64,
    out_iterations: *mut u64,
) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let duration = super::kernels::duration(nanoseconds)?;
        let slot = out(out_iterations)?;
        *slot = pool.busy_loop_all(duration);
        Ok(())
    })
}

/// The number of CPUs this process may use (affinity mask and cgroup
/// quota honoured): the worker count `ac_pool_new(0, ...)` picks when
/// ALLCORE_NUM_THREADS is not set.
#[no_mangle]
pub extern "C" fn ac_pool_available_cpus() -> usize {
    boundary::guard(Default::default(), pool::available_cpus)
}

/// Writes the future's state to `out_state`.
#[no_mangle]
pub extern "C" fn ac_future_get_state(
    future: *const ac_future,
    out_state: *mut ac_future_state,
) -> ac_status {
    boundary::status(|| {
        // SAFETY: NULL or a live handle, not freed during this call.
        let future = unsafe { ac_future::borrow(future) }?;
        *out(out_state)? = match future.state() {
            FutureState::Pending => ac_future_state::AC_FUTURE_PENDING,
            FutureState::Running => ac_future_state::AC_FUTURE_RUNNING,
            FutureState::Finished => ac_future_state::AC_FUTURE_FINISHED,
            FutureState::Cancelled => ac_future_state::AC_FUTURE_CANCELLED,
        };
        Ok(())
    })
}

/// Blocks until the future is done (finished or cancelled) or the timeout
/// passes. Returns AC_OK when done, AC_TIMEOUT (AC_WOULD_BLOCK for a 0
/// timeout), or AC_CLOSED when the future is freed meanwhile.
#[no_mangle]
pub extern "C" fn ac_future_wait(future: *const ac_future, timeout_ns: i64) -> ac_status {
    boundary::status(|| {
        let future = hold(future)?;
        future.wait(timeout(timeout_ns))
    })
}

/// Waits like `ac_future_wait`, then returns the task's outcome: AC_OK
/// with its value written to `out_value` (may be NULL), AC_CANCELLED, a
/// kernel's error, or AC_BROKEN when the task panicked.
#[no_mangle]
pub extern "C" fn ac_future_result(
    future: *const ac_future,
    timeout_ns: i64,
    out_value: *mut i64,
) -> ac_status {
    boundary::status(|| {
        let future = hold(future)?;
        write_optional(out_value, future.result(timeout(timeout_ns))?);
        Ok(())
    })
}

/// Cancels the task if it has not started. Writes to `out_cancelled` (may
/// be NULL) whether the future is now cancelled: false when it is
/// running or already finished (cancelling then changes nothing).
#[no_mangle]
pub extern "C" fn ac_future_cancel(
    future: *const ac_future,
    out_cancelled: *mut bool,
) -> ac_status {
    boundary::status(|| {
        let future = hold(future)?;
        write_optional(out_cancelled, future.cancel());
        Ok(())
    })
}

/// Calls `callback(context, status, value)` once when the future is done,
/// on the thread that completes or cancels it, or at once on this thread
/// when it is already done. Several callbacks run in registration order.
#[no_mangle]
pub extern "C" fn ac_future_on_done(
    future: *const ac_future,
    callback: ac_done_fn,
    context: *mut c_void,
) -> ac_status {
    boundary::status(|| {
        let future = hold(future)?;
        let callback = callback.ok_or(Error::NullPointer)?;
        let context = SendPtr(context);
        future.on_done(Box::new(move |outcome| {
            let (status, value) = match outcome {
                Ok(value) => (ac_status::AC_OK, value),
                Err(error) => (error.into(), 0),
            };
            // SAFETY: the caller's callback accepts its own context.
            unsafe { callback(context.get(), status, value) };
        }));
        Ok(())
    })
}

/// Adds a reference to the future and returns `future` (NULL stays NULL).
#[no_mangle]
pub extern "C" fn ac_future_retain(future: *mut ac_future) -> *mut ac_future {
    handle::retain(future)
}

/// Drops one reference to the future; the last one frees it, once every call
/// in progress on it has returned. NULL is a no-op.
#[no_mangle]
pub extern "C" fn ac_future_release(future: *mut ac_future) {
    handle::release(future)
}

/// Wakes every thread waiting on the future with AC_CLOSED, and later waits
/// return AC_CLOSED; the task itself still runs (or stays cancelled) and its
/// done-callbacks still fire. Frees nothing.
#[no_mangle]
pub extern "C" fn ac_future_close(future: *const ac_future) -> ac_status {
    handle::close(future)
}

/// Holds every future of a C array for the duration of a wait.
fn hold_all(futures: *const *const ac_future, len: usize) -> Result<Vec<Arc<Future>>> {
    slice(futures, len)?
        .iter()
        .map(|&future| hold(future))
        .collect()
}

/// Blocks until at least one of `futures[0..len)` is done and writes the
/// index of a done one to `out_index` (what `as_completed` and
/// `wait(FIRST_COMPLETED)` need). Returns AC_INVALID_ARGUMENT for
/// len == 0, AC_TIMEOUT/AC_WOULD_BLOCK, or AC_CLOSED.
#[no_mangle]
pub extern "C" fn ac_future_wait_any(
    futures: *const *const ac_future,
    len: usize,
    timeout_ns: i64,
    out_index: *mut usize,
) -> ac_status {
    boundary::status(|| {
        let slot = out(out_index)?;
        let futures = hold_all(futures, len)?;
        let refs: Vec<&Future> = futures.iter().map(Arc::as_ref).collect();
        *slot = pool::wait_any(&refs, timeout(timeout_ns))?;
        Ok(())
    })
}

/// Blocks until every one of `futures[0..len)` is done; the timeout covers
/// the whole set. Returns AC_TIMEOUT/AC_WOULD_BLOCK or AC_CLOSED.
#[no_mangle]
pub extern "C" fn ac_future_wait_all(
    futures: *const *const ac_future,
    len: usize,
    timeout_ns: i64,
) -> ac_status {
    boundary::status(|| {
        let handles = slice(futures, len)?;
        // Check every handle first, so a NULL fails before any wait.
        for &handle in handles {
            // SAFETY: each element is NULL or a live handle.
            unsafe { ac_future::borrow(handle) }?;
        }
        let deadline = Deadline::after(timeout(timeout_ns));
        for &handle in handles {
            // A done future is checked without a reference of its own.
            try_then_wait(handle, deadline.remaining(), Future::wait).map_err(|e| match e {
                Error::Timeout | Error::WouldBlock => deadline.expired_error(),
                other => other,
            })?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------- timers

/// Queues `task(context)` to run on the pool once `delay_ns` nanoseconds
/// have passed and writes its future to `out_future`; the future's value is
/// the task's return value. All of a pool's timers wait in one timer thread
/// (started by the first call), not a thread each. Until a worker starts the
/// task, `ac_future_cancel` cancels it (the future reports AC_CANCELLED), and
/// so does shutting the pool down in either mode. A delay of 0 queues the
/// task at once. `context` is used on a worker thread. Returns
/// AC_INVALID_ARGUMENT for a negative delay, AC_NULL_POINTER for a NULL
/// task, AC_CLOSED after shutdown, AC_NO_MEMORY when the timer thread
/// cannot be started.
#[no_mangle]
pub extern "C" fn ac_pool_submit_after(
    pool: *const ac_pool,
    delay_ns: i64,
    task: ac_task_fn,
    context: *mut c_void,
    out_future: *mut *mut ac_future,
) -> ac_status {
    boundary::status(|| {
        let pool = hold(pool)?;
        let slot = out(out_future)?;
        let task = task.ok_or(Error::NullPointer)?;
        let delay = u64::try_from(delay_ns)
            .map_err(|_| Error::InvalidArgument("a timer needs a delay >= 0"))?;
        let work = Work::Inline(run_task, task as usize, context as usize);
        publish(pool.submit_after(Duration::from_nanos(delay), work)?, slot)
    })
}
