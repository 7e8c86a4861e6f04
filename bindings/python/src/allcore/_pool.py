"""``ThreadPool``: a ``concurrent.futures.Executor`` over allcore's native pool.

What a task is decides where it runs:

- an allcore kernel (``allcore.fib`` ...) runs entirely in native code on a
  worker thread (``ac_pool_submit_kernel``);
- a ctypes function pointer ``int64_t f(int64_t)`` from any library (its
  ``restype`` and single ``argtypes`` entry a 64-bit integer type) runs
  natively too (``ac_pool_submit_call``);
- any other Python callable runs on a native worker thread through a ctypes
  trampoline that takes the GIL for as long as the callable runs.

Futures are real :class:`concurrent.futures.Future` objects: the native future
completes them through ``ac_future_on_done``, so ``result()``, ``wait()`` and
``as_completed()`` wait on Python-level conditions and stay interruptible by
Ctrl-C. ``ThreadPool.map`` over one iterable of ints with a kernel or an
``int64_t f(int64_t)`` function pointer runs the whole batch in one native call
(``ac_pool_submit_map_kernel`` / ``ac_pool_map``) on every core, from one
Python thread.

Ctrl-C during a wait for a native batch (``map`` of a kernel,
``parallel_fib``, ``range_sum``, ``busy_loop_for``) raises KeyboardInterrupt
in the waiting thread at once. The batch itself is allowed to finish safely,
as a running ``ThreadPoolExecutor`` task is: native code cannot be stopped in
the middle of a call, so the workers complete it, its buffers stay alive until
they have, and ``shutdown(wait=True)`` (and the interpreter's exit) waits for
it.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import ctypes
import itertools
import logging
import operator
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import _base
from concurrent.futures.thread import BrokenThreadPool
from types import TracebackType
from typing import Any, Literal, NamedTuple, ParamSpec, TypeVar

from . import _ffi, _native
from ._errors import check, error_for
from ._kernels import KernelBatch, fib, int64, kernel_of, nanoseconds

__all__ = ["PoolStats", "ThreadPool", "available_cpus"]

_LOGGER = logging.getLogger("concurrent.futures")

_T = TypeVar("_T")
_P = ParamSpec("_P")

# Futures whose native task is not done yet, by the context number handed to
# the native trampoline and done-callback. Only ints cross the boundary, so a
# callback can never see a freed Python object.
_pending_futures: dict[int, _PoolFuture] = {}
_context_numbers = itertools.count(1)
# Every pool not yet closed, for the shutdown at interpreter exit.
_live_pools: weakref.WeakSet[ThreadPool] = weakref.WeakSet()
# Set when the interpreter starts to exit: no pool accepts work after it.
_interpreter_shutdown = False

_INT64_TYPES = tuple(
    {t for t in (ctypes.c_int64, ctypes.c_longlong, ctypes.c_long) if ctypes.sizeof(t) == 8}
)


def available_cpus() -> int:
    """The number of CPUs this process may use (affinity and cgroup quota honoured).

    ``ThreadPool(available_cpus())`` makes one worker per such CPU, the count
    for CPU-bound native work (``ThreadPool()`` picks ``ThreadPoolExecutor``'s
    default, which adds room for tasks that wait on I/O).
    """
    return int(_ffi.ac_pool_available_cpus())


def _default_max_workers() -> int:
    """The worker count of ``ThreadPool()``: 0 (the native pool's own sizing)
    when ``ALLCORE_NUM_THREADS`` is set, else ``ThreadPoolExecutor``'s
    default on this Python version."""
    if os.environ.get("ALLCORE_NUM_THREADS", "").strip():
        return 0
    # min(32, CPUs + 4): enough threads for tasks that wait on I/O as well as
    # for CPU-bound ones, as ThreadPoolExecutor picks it.
    count = getattr(os, "process_cpu_count", os.cpu_count)()
    return min(32, (count or 1) + 4)


class PoolStats(NamedTuple):
    """A snapshot of a pool's counters."""

    #: Worker threads alive.
    workers: int
    #: Tasks submitted and not yet taken by a worker.
    queued: int
    #: Tasks running now.
    running: int
    #: Tasks that ran to completion (a worker's share of a parallel map counts as one).
    completed: int


@_ffi.ac_task_fn
def _run_python_task(context):
    # Runs on a native worker thread; ctypes has taken the GIL for us.
    future = _pending_futures.get(context)
    if future is not None:
        future._run()
        if future.done():
            # Forget it now rather than in the native done-callback, so that
            # once the caller has taken the result the pool holds no reference
            # to it, as ThreadPoolExecutor drops a work item once it ran.
            _pending_futures.pop(context, None)
            future._resolve(_ffi.AC_OK, 0)
    return 0


@_ffi.ac_done_fn
def _on_native_done(context, status, value):
    # Runs on the thread that completed or cancelled the native future.
    future = _pending_futures.pop(context, None)
    if future is not None:
        future._resolve(status, value)


def _forget_parent_tasks() -> None:
    # Tasks queued before fork() belong to the parent: in the child their
    # futures never complete, so shutting a pool down must not wait for them.
    # A parent thread may have held a pool's lock at fork: the child (which
    # shuts its pools down at exit, as multiprocessing's children do) gets a
    # fresh one, as ThreadPoolExecutor's global lock is reinitialized.
    _pending_futures.clear()
    for pool in list(_live_pools):
        pool._outstanding.clear()
        pool._shutdown_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_tasks)


def _int64_function(fn):
    """The native ``ac_map_fn`` for a ctypes ``int64_t f(int64_t)`` function, else None."""
    if not isinstance(fn, ctypes._CFuncPtr) or fn._flags_ & ctypes._FUNCFLAG_PYTHONAPI:
        return None
    argtypes = fn.argtypes
    if fn.restype not in _INT64_TYPES or not argtypes or len(argtypes) != 1:
        return None
    if argtypes[0] not in _INT64_TYPES:
        return None
    return _ffi.ac_map_fn(ctypes.cast(fn, ctypes.c_void_p).value)


class _PoolFuture(concurrent.futures.Future[Any]):
    """A Future backed by a native ``ac_future``.

    ``cancel()`` cancels the native task, so a queued task really never runs.
    """

    def __init__(self, pool, context, work=None, kernel=None, what=None):
        super().__init__()
        self._pool = pool
        self._context = context
        # (fn, args, kwargs) of a Python task, until it runs.
        self._work = work
        self._kernel = kernel
        self._what = what
        self._keep_alive = None
        self._handle = None

    def running(self) -> bool:
        """Return True if the task is running now (natively or in Python)."""
        if super().running():
            return True
        handle = self._handle
        if handle is None or self.done():
            return False
        state = _ffi.ac_future_state()
        check(_ffi.ac_future_get_state(handle, ctypes.byref(state)), "ac_future_get_state")
        return bool(state.value == _ffi.AC_FUTURE_RUNNING)

    def cancel(self) -> bool:
        """Cancel the task if it has not started.

        Returns True if the future is cancelled (now or before), False if the
        task is running or done. Never blocks.
        """
        with self._condition:
            if self._state in (_base.CANCELLED, _base.CANCELLED_AND_NOTIFIED):
                return True
            if self._state != _base.PENDING or self._handle is None:
                return False
        cancelled = ctypes.c_bool()
        check(_ffi.ac_future_cancel(self._handle, ctypes.byref(cancelled)), "ac_future_cancel")
        # The native done-callback has normally resolved this future already,
        # on this thread; cancelling again here only covers a concurrent shutdown.
        return bool(cancelled.value) and super().cancel()

    def _run(self):
        pool = self._pool
        if not self.set_running_or_notify_cancel():
            return
        if pool._broken:
            self.set_exception(BrokenThreadPool(pool._broken))
            return
        if pool._initializer is not None and not pool._initialize_this_thread():
            self.set_exception(BrokenThreadPool(pool._broken))
            return
        fn, args, kwargs = self._work
        self._work = None
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            self.set_exception(exc)
        else:
            self.set_result(result)

    def _resolve(self, status, value):
        pool, self._pool = self._pool, None
        pool._outstanding.discard(self)
        self._keep_alive = None
        if status == _ffi.AC_CANCELLED:
            if pool._broken and not self.done():
                self.set_exception(BrokenThreadPool(pool._broken))
            # Only this callback moves a cancelled future on to "notified",
            # which is what wakes wait() and as_completed().
            elif concurrent.futures.Future.cancel(self):
                self.set_running_or_notify_cancel()
        elif self.done():
            pass  # a Python task: _run set its outcome
        elif status != _ffi.AC_OK:
            self.set_exception(error_for(status, self._what, detail=""))
        elif self._kernel is not None:
            self.set_result(self._kernel.from_native(value))
        else:
            self.set_result(value)

    # Bound here, not looked up in the module, so that a future freed while
    # the interpreter exits (module globals already cleared) still frees.
    _free = staticmethod(_ffi.ac_future_release)

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None:
            self._free(handle)


class ThreadPool(concurrent.futures.ThreadPoolExecutor):
    """An Executor whose workers are native threads of allcore's pool.

    A :class:`concurrent.futures.ThreadPoolExecutor` (so asyncio accepts it as
    its default executor: ``loop.set_default_executor(allcore.ThreadPool())``),
    taking the same arguments, whose tasks run on allcore's native workers.

    ``max_workers`` is the number of worker threads; None (the default) means
    the count in the environment variable ``ALLCORE_NUM_THREADS`` when it is
    set (as ``OMP_NUM_THREADS`` sizes OpenMP: engines that run many workers
    keep threads x workers within the cores; a value that is not a whole
    number from 1 to 4096 is a ValueError), else ``ThreadPoolExecutor``'s
    default, ``min(32, os.cpu_count() + 4)`` (``os.process_cpu_count()`` from
    Python 3.13): enough for tasks that wait on I/O. For CPU-bound native
    work, ``ThreadPool(allcore.available_cpus())`` gives one worker per CPU
    this process may use, honouring its CPU affinity
    and cgroup quota. The workers start with the pool. ``thread_name_prefix``
    names the native threads ``<prefix>-<index>`` ("allcore" when empty).
    ``initializer(*initargs)`` runs once on each worker thread, before the
    first Python callable that thread runs (native tasks never need it); if it
    raises, the exception is logged, the pool becomes broken, every pending
    and later task fails with :class:`concurrent.futures.thread.BrokenThreadPool`,
    and ``submit`` raises it.

    Raises ValueError when ``max_workers`` is not positive or exceeds the
    native limit (4096), TypeError when ``initializer`` is not callable.
    """

    # Bound here, not looked up in the module, so that a pool freed while the
    # interpreter exits (module globals already cleared) still frees.
    _free = staticmethod(_ffi.ac_pool_release)

    def __init__(
        self,
        max_workers: int | None = None,
        thread_name_prefix: str = "",
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        # ThreadPoolExecutor.__init__ is not called: its queue and threads are
        # replaced by the native pool, and every method using them is overridden.
        if max_workers is None:
            max_workers = _default_max_workers()
        elif max_workers <= 0:
            raise ValueError("max_workers must be greater than 0")
        if initializer is not None and not callable(initializer):
            raise TypeError("initializer must be a callable")
        self._handle: Any = None
        handle = ctypes.c_void_p()
        prefix = thread_name_prefix.encode() if thread_name_prefix else None
        check(
            _ffi.ac_pool_new(max_workers, prefix, ctypes.byref(handle)),
            f"ThreadPool(max_workers={max_workers!r})",
        )
        self._take(handle, False, initializer, initargs, thread_name_prefix)

    @classmethod
    def from_handle(cls, address: int) -> ThreadPool:
        """Adopt a native pool made elsewhere (by C, Go, or another
        ThreadPool's :attr:`handle`), taking a reference of its own: tasks
        submitted here run on that pool's workers.

        :meth:`shutdown` then stops this object only (it waits for the tasks
        submitted through it and leaves the native pool running for its
        other owners), and :meth:`close` releases this reference.
        """
        if not address:
            raise ValueError("a NULL handle")
        pool = cls.__new__(cls)
        pool._handle = None
        handle = ctypes.c_void_p(_ffi.ac_pool_retain(operator.index(address)))
        pool._take(handle, True, None, (), "")
        return pool

    def _take(
        self,
        handle: Any,
        adopted: bool,
        initializer: Callable[..., object] | None,
        initargs: tuple[Any, ...],
        thread_name_prefix: str,
    ) -> None:
        """Start using the native pool ``handle`` (whose reference this owns)."""
        # typeshed declares the inherited attribute as returning None.
        self._initializer = initializer  # type: ignore[assignment]
        self._initargs = initargs
        self._thread_name_prefix = thread_name_prefix
        self._initialized_threads: set[int] = set()
        self._broken = False
        self._shutdown = False
        self._shutdown_lock = threading.Lock()
        self._outstanding: set[concurrent.futures.Future[Any]] = set()
        self._adopted = adopted
        self._handle = handle
        self._max_workers = self.stats().workers
        _live_pools.add(self)

    def __repr__(self) -> str:
        state = "closed" if self._handle is None else "shut down" if self._shutdown else "running"
        return f"<allcore.ThreadPool {state} max_workers={self._max_workers}>"

    # -- Executor API ------------------------------------------------------

    def submit(
        self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> concurrent.futures.Future[_T]:
        """Schedule ``fn(*args, **kwargs)`` and return a Future for its result.

        Never blocks. Raises RuntimeError after ``shutdown()`` or once the
        interpreter is shutting down, and BrokenThreadPool once an initializer
        has failed.
        """
        kernel = kernel_of(fn)
        if kernel is not None:
            try:
                a, b = kernel.native_arguments(args, kwargs)
            except (TypeError, ValueError, OverflowError):
                pass  # run it as a Python call, which raises into the future
            else:
                return self._submit_native(
                    _ffi.ac_pool_submit_kernel,
                    (kernel.kernel_id, a, b),
                    _call_text(fn, args),
                    kernel,
                )
        function = _int64_function(fn)
        if function is not None and not kwargs and len(args) == 1 and _fits_int64(args[0]):
            future = self._submit_native(
                _ffi.ac_pool_submit_call, (function, args[0]), _call_text(fn, args), None
            )
            future._keep_alive = (fn, function)
            return future
        return self._submit_python(fn, args, kwargs)

    def map(
        self,
        fn: Callable[..., _T],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[_T]:
        """Return an iterator equivalent to ``map(fn, *iterables)``, run on the pool.

        With an allcore kernel (``fib``, ``busy_loop``, ``busy_loop_for``) or a
        ctypes ``int64_t f(int64_t)`` function and one iterable of ints, the
        whole batch is one native call spread over every worker: it starts at
        once, and if any item fails the iterator raises that error before
        yielding a result. ``chunksize`` greater than 1 then sets how many items
        a worker takes at a time (function pointers only); 1 lets the pool
        choose. Any other call is submitted item by item, like
        ``ThreadPoolExecutor.map``.

        The iterator's ``__next__`` blocks until its result is ready and raises
        TimeoutError if that is not within ``timeout`` seconds of the call to
        ``map``. Raises RuntimeError after ``shutdown()``.
        """
        if len(iterables) == 1:
            batch = self._native_batch(fn, iterables[0], chunksize)
            if batch is not None:
                end_time = None if timeout is None else time.monotonic() + timeout
                return _batch_results(batch, end_time)
        return super().map(fn, *iterables, timeout=timeout, chunksize=chunksize)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop accepting tasks; later ``submit`` calls raise RuntimeError.

        With ``cancel_futures``, tasks that have not started are cancelled (their
        futures report cancelled); otherwise they all still run. With ``wait``,
        blocks until every task has finished and the worker threads have exited;
        the wait happens on Python-level conditions and can be interrupted.
        Calling it again is harmless.
        """
        with self._shutdown_lock:
            self._shutdown = True
            handle = self._handle
        if handle is None:
            return
        if self._adopted:  # the native pool is its other owners' to shut down
            if cancel_futures:
                for future in list(self._outstanding):
                    future.cancel()
            if wait:
                concurrent.futures.wait(list(self._outstanding))
            return
        mode = _ffi.AC_SHUTDOWN_CANCEL if cancel_futures else _ffi.AC_SHUTDOWN_DRAIN
        check(_ffi.ac_pool_shutdown(handle, mode | _ffi.AC_SHUTDOWN_NO_WAIT), "shutdown")
        if wait:
            concurrent.futures.wait(list(self._outstanding))
            # Every task is done: this only joins the idle workers.
            check(_ffi.ac_pool_shutdown(handle, mode), "shutdown")

    def close(self) -> None:
        """Shut down (waiting for every task) and release the native pool.

        Idempotent. After it, every method raises RuntimeError except
        ``shutdown`` and ``close``, which do nothing.
        """
        if self._handle is None:
            return
        self.shutdown(wait=True)
        with self._shutdown_lock:
            handle, self._handle = self._handle, None
        if handle is not None:
            _live_pools.discard(self)
            _ffi.ac_pool_release(handle)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> Literal[False]:
        self.close()
        return False

    def __del__(self) -> None:
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None:
            self._free(handle)

    # -- native batches ----------------------------------------------------

    def stats(self) -> PoolStats:
        """A :class:`PoolStats` snapshot of the pool's counters. Never blocks."""
        stats = _ffi.ac_pool_stats()
        check(_ffi.ac_pool_get_stats(self._live_handle(), ctypes.byref(stats)), "stats")
        return PoolStats(stats.workers, stats.queued, stats.running, stats.completed)

    def parallel_fib(self, values: Iterable[int]) -> list[int]:
        """``[allcore.fib(n) for n in values]`` computed on every worker at once.

        Blocks until all are done (interruptible; the batch then finishes in the
        background). Raises like ``allcore.fib`` for a bad input, before any
        work starts, and RuntimeError after ``shutdown()``.
        """
        values = [int64(value, "n") for value in values]
        return self._start_kernel_batch(fib.kernel, values, "parallel_fib").result()

    def range_sum(self, start: int, stop: int) -> int:
        """``sum(range(start, stop))`` split across every worker.

        Blocks until done (interruptible). Raises AllcoreOverflowError (an
        OverflowError) when the sum does not fit 64 bits, RuntimeError after
        ``shutdown()``.
        """
        total = ctypes.c_int64()
        call = (self._live_handle(), int64(start, "start"), int64(stop, "stop"))
        what = f"range_sum({start}, {stop})"
        self._run_batch(_ffi.ac_pool_range_sum, (*call, ctypes.byref(total)), what).result()
        return int(total.value)

    def busy_loop_for(self, seconds: float) -> int:
        """Spin for ``seconds`` on one thread per worker, up to the CPUs.

        Fills every core, then stops by itself; returns the total iteration
        count. Blocks until done (interruptible). Raises InvalidArgumentError
        (a ValueError) for a negative duration, RuntimeError after
        ``shutdown()``.
        """
        iterations = ctypes.c_uint64()
        call = (self._live_handle(), nanoseconds(seconds), ctypes.byref(iterations))
        self._run_batch(_ffi.ac_pool_busy_loop_for, call, f"busy_loop_for({seconds})").result()
        return int(iterations.value)

    # -- your own native functions -------------------------------------------

    def parallel_for(
        self,
        function: _native.NativeFunction,
        count: int,
        context: _native.Context = None,
        *,
        chunk: int = 0,
    ) -> None:
        """Call the native ``function(context, begin, end)`` over ``[0, count)`` on every core.

        ``function`` is a C function ``void f(void *context, size_t begin,
        size_t end)`` that handles the indices ``begin <= i < end``: a ctypes
        function pointer (a ``CFUNCTYPE`` instance, or a ``CDLL`` function
        whose ``argtypes`` are set), a numba ``@cfunc``, or an int address
        (``cfunc.address``, cffi's ``int(ffi.cast("uintptr_t", f))``).
        ``context`` is passed to it as a pointer: None (NULL), an int address,
        a ctypes pointer, array or structure, or any writable C-contiguous
        buffer (``bytearray``, a numpy array), whose data it then points to.

        The range is cut into chunks of at most ``chunk`` indices (0 lets
        the pool choose) that the workers and the calling thread take in
        turn. The GIL is released for the whole loop and the call returns
        when every chunk is done, so the function may use the context's
        memory freely; a Ctrl-C is handled once it returns. A ctypes callback
        wrapping a Python function works too, but takes the GIL for every
        chunk.

        Raises TypeError, before anything runs, when ``function`` is not a
        native function of this signature or ``context`` has no address (or
        is read-only); ValueError for a negative ``count`` or ``chunk`` or a
        buffer that is not C-contiguous; RuntimeError after ``close()``.
        """
        address, keep_function = _native.for_body(function)
        count, chunk = _native.count(count, "count"), _native.count(chunk, "chunk")
        pointer, keep_context = _native.context_address(context)
        body = _ffi.ac_for_fn(address)
        status = _ffi.ac_pool_parallel_for(self._live_handle(), count, chunk, body, pointer)
        del keep_function, keep_context
        if status:
            raise error_for(status, f"parallel_for({_name(function)}, {count})")

    def submit_native(
        self, function: _native.NativeFunction, context: _native.Context = None
    ) -> concurrent.futures.Future[int]:
        """Schedule the native ``function(context)`` and return a Future for its result.

        ``function`` is a C function ``int64_t f(void *context)``, given as
        for :meth:`parallel_for` (a ctypes one must declare ``restype``
        ``c_int64`` and one pointer argument); it runs on a worker thread
        without the GIL, and the Future's result is its return value.
        ``context`` is passed as for :meth:`parallel_for` and is kept alive
        (a buffer stays pinned) until the task is done.

        Never blocks. Raises TypeError, before anything is queued, when
        ``function`` is not a native function of this signature or
        ``context`` has no address; RuntimeError after ``shutdown()``.
        """
        address, keep_function = _native.task(function)
        pointer, keep_context = _native.context_address(context)
        task = _ffi.ac_task_fn(address)
        future = _PoolFuture(self, next(_context_numbers), what=f"{_name(function)}(context)")
        future._keep_alive = (keep_function, task, keep_context)
        result: concurrent.futures.Future[int] = self._start(
            future, _ffi.ac_pool_submit, (task, pointer)
        )
        return result

    # -- internals ---------------------------------------------------------

    @property
    def _as_parameter_(self) -> Any:
        """The native ``ac_pool *``, so the pool passes straight to a ctypes function."""
        return self._live_handle()

    @property
    def handle(self) -> int:
        """The native pool's address, to hand the pool to C or Go in this
        process; it stays valid while the pool is open, and a receiver that
        keeps it longer takes a reference with ``ac_pool_retain``."""
        return ctypes.cast(self._live_handle(), ctypes.c_void_p).value

    def _live_handle(self):
        handle = self._handle
        if handle is None:
            raise RuntimeError("the ThreadPool is closed")
        return handle

    def _submit_native(self, submit, arguments, what, kernel):
        future = _PoolFuture(self, next(_context_numbers), kernel=kernel, what=what)
        return self._start(future, submit, arguments)

    def _submit_python(self, fn, args, kwargs):
        context = next(_context_numbers)
        future = _PoolFuture(self, context, work=(fn, args, kwargs), what=_call_text(fn, args))
        return self._start(future, _ffi.ac_pool_submit, (_run_python_task, context))

    def _start(self, future, submit, arguments):
        """Queue ``future``'s task with ``submit(pool, *arguments, &out_future)``."""
        context = future._context
        handle = ctypes.c_void_p()
        with self._shutdown_lock:
            self._check_open()
            _pending_futures[context] = future
            self._outstanding.add(future)
            status = submit(self._handle, *arguments, ctypes.byref(handle))
            if status:
                del _pending_futures[context]
                self._outstanding.discard(future)
                raise error_for(status, "submit")
        future._handle = handle
        check(_ffi.ac_future_on_done(handle, _on_native_done, context), "ac_future_on_done")
        return future

    def _check_open(self):
        if self._broken:
            raise BrokenThreadPool(self._broken)
        if _interpreter_shutdown:
            raise RuntimeError("cannot schedule new futures after interpreter shutdown")
        if self._shutdown or self._handle is None:
            raise RuntimeError("cannot schedule new futures after shutdown")

    def _native_batch(self, fn, iterable, chunksize):
        """Start ``map(fn, iterable)`` as one native call; None if it cannot be one."""
        kernel = kernel_of(fn)
        if kernel is not None and kernel.mappable:
            native, function = kernel, None
        else:
            native, function = None, _int64_function(fn)
            if function is None:
                return None
        items = list(iterable)
        try:
            values = (
                [native.native_arguments((item,), {})[0] for item in items] if native else items
            )
        except (TypeError, ValueError, OverflowError):
            return None
        if not all(map(_fits_int64, values)):
            return None
        what = f"map({_name(fn)}, ...)"
        if native is not None:
            batch = self._start_kernel_batch(native, values, what)
            return batch, batch.outputs, native
        inputs = (ctypes.c_int64 * len(values))(*values)
        outputs = (ctypes.c_int64 * len(values))()
        chunk = chunksize if chunksize > 1 else 0
        call = (self._live_handle(), function, inputs, outputs, len(values), chunk)
        done = self._run_batch(_ffi.ac_pool_map, call, what, keep_alive=fn)
        return done, outputs, native

    def _start_kernel_batch(self, kernel, values, what):
        """Queue ``kernel`` over ``values`` on the workers; return its KernelBatch.

        The workers run the whole batch while the caller waits on it in
        slices, interruptibly (see the module doc for Ctrl-C).
        """
        with self._shutdown_lock:
            self._check_open()
            return KernelBatch.start(self._handle, kernel, values, what)

    def _run_batch(self, function, arguments, what, keep_alive=None):
        """Run the blocking native ``function(*arguments)`` on a helper thread.

        The caller waits on the returned Future, which is interruptible where
        one long foreign call would not be. ``keep_alive`` (a ctypes callback
        whose code the call runs) is referenced until the call returns.
        """
        done = concurrent.futures.Future()
        keep_alive_until_done = [keep_alive]
        with self._shutdown_lock:
            self._check_open()
            self._outstanding.add(done)

        def run():
            status = function(*arguments)
            del keep_alive_until_done[:]
            self._outstanding.discard(done)
            if status:
                done.set_exception(error_for(status, what))
            else:
                done.set_result(None)

        threading.Thread(target=run, name="allcore-batch", daemon=True).start()
        return done

    def _initialize_this_thread(self):
        """Run the initializer on this worker thread if it has not run here yet."""
        thread = threading.get_native_id()
        if thread in self._initialized_threads:
            return not self._broken
        self._initialized_threads.add(thread)
        try:
            self._initializer(*self._initargs)
        except BaseException:
            _LOGGER.critical("Exception in initializer:", exc_info=True)
            self._break()
            return False
        return True

    def _break(self):
        with self._shutdown_lock:
            self._broken = "A thread initializer failed, the thread pool is not usable anymore"
            handle = self._handle
        if handle is not None:
            mode = _ffi.AC_SHUTDOWN_CANCEL | _ffi.AC_SHUTDOWN_NO_WAIT
            check(_ffi.ac_pool_shutdown(handle, mode), "shutdown")


def _batch_results(batch, end_time):
    done, outputs, kernel = batch
    done.result(None if end_time is None else end_time - time.monotonic())
    if kernel is None:
        yield from outputs
    else:
        for value in outputs:
            yield kernel.from_native(value)


def _fits_int64(value):
    return type(value) is int and -(1 << 63) <= value < (1 << 63)


def _name(fn):
    return getattr(fn, "__name__", None) or repr(fn)


def _call_text(fn, args):
    return f"{_name(fn)}({', '.join(map(repr, args))})"


def _shutdown_at_exit() -> None:
    # Like ThreadPoolExecutor: finish the queued work before the interpreter
    # goes away, while Python tasks can still take the GIL, and refuse new
    # work from then on.
    global _interpreter_shutdown
    _interpreter_shutdown = True
    for pool in list(_live_pools):
        pool.shutdown(wait=True)


# ThreadPoolExecutor's hook runs at the same point: when the main thread
# finishes, before other threads are joined and before atexit callbacks.
getattr(threading, "_register_atexit", atexit.register)(_shutdown_at_exit)
