"""``Timer``: :class:`threading.Timer` on allcore's pool, without a thread per timer.

``threading.Timer`` starts a thread that sleeps for the interval, so 2,000
pending timers are 2,000 threads. :class:`Timer` hands its call to
``ac_pool_submit_after`` instead: every pending timer waits in the native
pool's one timer thread, and when it is due a native worker thread takes the
GIL and calls the function.

Timers share one pool of their own, started by the first ``start()``, with
``max(4, available_cpus())`` workers and the thread-name prefix
``allcore-timer``. It is separate from every :class:`allcore.ThreadPool` so
that a timer function that blocks never holds up native work submitted
elsewhere, and native batches never delay a timer. Any number of timers may
wait; that many functions can *run* at the same time, so a function that
blocks for long delays the timers due after it once every worker is busy.

As with threads, the interpreter waits at exit for every pending timer that
is not a daemon (the default, inherited from the thread that creates it) and
calls its function; pending daemon timers are cancelled at exit.
"""

from __future__ import annotations

import _thread
import ctypes
import itertools
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

from . import _errors, _ffi

__all__ = ["Timer"]

# Timers waiting or running, by the context number handed to the native task
# and done-callback: only ints cross the boundary, so a callback never sees a
# freed Python object, and a pending timer stays alive without a reference of
# its owner's.
_pending: dict[int, Timer] = {}
_context_numbers = itertools.count(1)
_timer_names = itertools.count(1)
_pool_lock = threading.Lock()
_start_lock = threading.Lock()
_pool: Any = None
_MAX_DELAY_NS = (1 << 63) - 1

check = cast(Callable[[int, str], None], _errors.check)
error_for = cast(Callable[[int, str], BaseException], _errors.error_for)


def _timer_pool() -> Any:
    """The native pool every Timer runs on, started on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = max(4, _ffi.ac_pool_available_cpus())
            handle = ctypes.c_void_p()
            status = _ffi.ac_pool_new(workers, b"allcore-timer", ctypes.byref(handle))
            check(status, "the Timer pool")
            _pool = handle
        return _pool


def _fire_timer(context: int) -> int:
    # Runs on a native worker thread; ctypes has taken the GIL for us.
    timer = _pending.get(context)
    if timer is not None:
        timer._fire()
    return 0


def _timer_done(context: int, status: int, value: int) -> None:
    # Runs on the thread that completed or cancelled the native future.
    timer = _pending.pop(context, None)
    if timer is not None:
        timer._stop()


# The native trampolines (module-level, so they outlive every timer).
_fire = _ffi.ac_task_fn(_fire_timer)
_on_done = _ffi.ac_done_fn(_timer_done)


class _Finished(threading.Event):
    """``Timer.finished``: setting it cancels the timer, as with threading.Timer."""

    def __init__(self, timer: Timer) -> None:
        super().__init__()
        self._timer = timer

    def set(self) -> None:
        super().set()
        self._timer._cancel_native()


class Timer:
    """Call a function after a number of seconds, on allcore's pool.

    A drop-in for :class:`threading.Timer`::

        t = Timer(30.0, f, args=None, kwargs=None)
        t.start()
        t.cancel()  # stops the timer if it is still waiting

    ``function(*args, **kwargs)`` runs on a native worker thread about
    ``interval`` seconds after ``start()``. ``cancel()`` (or setting
    ``finished``) stops a timer that has not fired yet; ``join()`` waits until
    the function has returned or the timer was cancelled; ``is_alive()`` is
    True from ``start()`` until then. An exception the function raises goes to
    :func:`threading.excepthook`, as it would from a thread.

    ``name`` and ``daemon`` behave as a Thread's. A subclass that overrides
    ``run()`` gets a thread of its own, as threading.Timer gives it, since its
    ``run()`` may wait on ``finished`` itself.
    """

    interval: float
    function: Callable[..., object]
    args: Iterable[Any]
    kwargs: Mapping[str, Any]
    finished: threading.Event

    def __init__(
        self,
        interval: float,
        function: Callable[..., object],
        args: Iterable[Any] | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self.interval = interval
        self.function = function
        self.args = args if args is not None else []
        self.kwargs = kwargs if kwargs is not None else {}
        self.finished = _Finished(self)
        self._name = f"Timer-{next(_timer_names)}"
        self._daemon = threading.current_thread().daemon
        self._started = False
        # Held from start() until the function returned or the timer was
        # cancelled (as a Thread's state lock is held while it runs).
        self._running_lock = _thread.allocate_lock()
        self._handle: Any = None
        self._thread: threading.Thread | None = None
        # The thread id running the function, while it runs.
        self._runner: int | None = None

    def __repr__(self) -> str:
        if not self._started:
            status = "initial"
        elif self.is_alive():
            status = "started"
        else:
            status = "stopped"
        daemon = " daemon" if self._daemon else ""
        return f"<allcore.Timer({self._name}, {status}{daemon})>"

    @property
    def name(self) -> str:
        """A string used for identification only (in repr and error reports)."""
        return self._name

    @name.setter
    def name(self, name: str) -> None:
        self._name = str(name)

    @property
    def daemon(self) -> bool:
        """Whether the interpreter exits without waiting for this timer.

        Defaults to the creating thread's daemon flag; a pending daemon timer
        is cancelled at exit. Must be set before ``start()``.
        """
        return self._daemon

    @daemon.setter
    def daemon(self, daemonic: bool) -> None:
        if self._started:
            raise RuntimeError("cannot set daemon status of active thread")
        self._daemon = bool(daemonic)

    def isDaemon(self) -> bool:
        """Deprecated alias of the ``daemon`` attribute, as on Thread."""
        return self._daemon

    def setDaemon(self, daemonic: bool) -> None:
        """Deprecated setter of the ``daemon`` attribute, as on Thread."""
        self.daemon = daemonic

    def getName(self) -> str:
        """Deprecated alias of the ``name`` attribute, as on Thread."""
        return self._name

    def setName(self, name: str) -> None:
        """Deprecated setter of the ``name`` attribute, as on Thread."""
        self.name = name

    def start(self) -> None:
        """Start the timer: ``run()`` is called once ``interval`` seconds have passed.

        Never blocks. Raises RuntimeError when called more than once.
        """
        on_pool = type(self).run is Timer.run
        with _start_lock:
            if self._started:
                raise RuntimeError("threads can only be started once")
            self._started = True
            self._running_lock.acquire()
        if not on_pool:
            self._thread = threading.Thread(target=self._run_in_thread, name=self._name)
            self._thread.daemon = self._daemon
            self._thread.start()
            return
        try:
            delay = self._delay_ns()
            pool = _timer_pool()
        except Exception:
            # As from threading.Timer's thread: reported, and the timer ends.
            self._report(*sys.exc_info())
            self.finished.set()
        if self.finished.is_set():  # cancelled before it started, or failed
            self._running_lock.release()
            return
        context = next(_context_numbers)
        _pending[context] = self
        handle = ctypes.c_void_p()
        status = _ffi.ac_pool_submit_after(pool, delay, _fire, context, ctypes.byref(handle))
        if status:
            del _pending[context]
            self._running_lock.release()
            raise error_for(status, "Timer.start")
        self._handle = handle
        check(_ffi.ac_future_on_done(handle, _on_done, context), "ac_future_on_done")
        if self.finished.is_set():  # cancelled while it was being submitted
            self._cancel_native()

    def run(self) -> None:
        """Call the function unless the timer was cancelled; then set ``finished``.

        Called on a pool worker thread when the timer is due.
        """
        if not self.finished.is_set():
            self.function(*self.args, **self.kwargs)
        self.finished.set()

    def cancel(self) -> None:
        """Stop the timer if it has not fired yet. Never blocks.

        A function already running is not interrupted.
        """
        self.finished.set()

    def join(self, timeout: float | None = None) -> None:
        """Wait until the function has returned or the timer was cancelled.

        ``timeout`` is in seconds (None waits for as long as it takes); as with
        Thread.join, check ``is_alive()`` afterwards to learn whether it timed
        out. The wait is interruptible. Raises RuntimeError before ``start()``
        and when called from the timer's own function.
        """
        if not self._started:
            raise RuntimeError("cannot join thread before it is started")
        if self._thread is not None:
            self._thread.join(timeout)
            return
        if self._runner == threading.get_ident():
            raise RuntimeError("cannot join current thread")
        lock = self._running_lock
        if lock.acquire(timeout=-1 if timeout is None else max(timeout, 0)):
            lock.release()

    def is_alive(self) -> bool:
        """Whether the timer was started and has neither fired nor been cancelled."""
        if self._thread is not None:
            return self._thread.is_alive()
        return self._started and self._running_lock.locked()

    # -- internals ---------------------------------------------------------

    def _delay_ns(self) -> int:
        seconds = self.interval
        if seconds != seconds or seconds <= 0:  # NaN fires at once, as in threading
            return 0
        if seconds >= _MAX_DELAY_NS / 1e9:
            return _MAX_DELAY_NS
        return int(seconds * 1e9)

    def _fire(self) -> None:
        self._runner = threading.get_ident()
        try:
            self.run()
        except BaseException:
            self._report(*sys.exc_info())
        finally:
            self._runner = None

    def _run_in_thread(self) -> None:
        try:
            self.run()
        finally:
            self._running_lock.release()

    def _report(self, exc_type: Any, exc_value: Any, exc_traceback: Any) -> None:
        """Hand an exception from the function to threading.excepthook."""
        try:
            hook_args = threading.ExceptHookArgs([exc_type, exc_value, exc_traceback, self])
            threading.excepthook(hook_args)
        except BaseException:
            sys.excepthook(*sys.exc_info())
        finally:
            del exc_value, exc_traceback

    def _stop(self) -> None:
        threading.Event.set(self.finished)
        self._running_lock.release()

    def _cancel_native(self) -> None:
        handle = self._handle
        if handle is not None and self._running_lock.locked():
            check(_ffi.ac_future_cancel(handle, None), "Timer.cancel")

    def __del__(self) -> None:
        handle, self._handle = getattr(self, "_handle", None), None
        if handle is not None:
            _ffi.ac_future_release(handle)


def _wait_at_exit() -> None:
    # Like threading's shutdown joining non-daemon threads: a pending
    # non-daemon timer still fires. Daemon ones are cancelled, so no function
    # starts while the interpreter is being torn down.
    while True:
        waiting = [timer for timer in list(_pending.values()) if not timer.daemon]
        if not waiting:
            break
        for timer in waiting:
            timer.join()
    for timer in list(_pending.values()):
        timer.cancel()


def _forget_parent_timers() -> None:
    # In a forked child the parent's timer thread does not exist: its pending
    # timers never fire here, so they are stopped (as threading stops the
    # parent's threads in the child) and their native futures left alone.
    global _pool_lock, _start_lock
    _pool_lock = threading.Lock()
    _start_lock = threading.Lock()
    for timer in list(_pending.values()):
        timer._handle = None
        timer._running_lock = _thread.allocate_lock()
    _pending.clear()


# threading runs these before it joins the non-daemon threads at exit
# (concurrent.futures registers its own shutdown there too).
_register_atexit = getattr(threading, "_register_atexit", None)
if _register_atexit is not None:
    _register_atexit(_wait_at_exit)
else:
    import atexit

    atexit.register(_wait_at_exit)

if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_parent_timers)
