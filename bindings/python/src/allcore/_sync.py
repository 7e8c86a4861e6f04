"""Locks and events over allcore's native primitives, as drop-ins for ``threading``.

:class:`Lock`, :class:`RLock`, :class:`Condition`, :class:`Semaphore`,
:class:`BoundedSemaphore`, :class:`Event` and :class:`Barrier` take the same
arguments, return the same values and raise the same exceptions as their
``threading`` namesakes, so code written for ``threading`` runs unchanged on
them. :class:`RWLock`, :class:`CountDownLatch`, :class:`AtomicCounter` and
:func:`lock_all` add what ``threading`` lacks.

How calls are made:

- Every call is a plain ``ctypes.CDLL`` call, so the GIL is released while it
  runs: a thread blocked on an allcore lock never stops other Python threads.
- A wait never makes one unbounded foreign call. It waits natively in slices
  of at most ``_SLICE`` seconds and, between slices, the interpreter runs
  signal handlers, so Ctrl-C interrupts any wait in the main thread. The one
  exception is :meth:`Barrier.wait`, whose native wait cannot be sliced (a
  timeout breaks a barrier): in the main thread it runs on a helper thread
  and an interrupt aborts the barrier.
- Hot calls need no Python frame: ``Lock.release`` is a ``functools.partial``
  binding the handle (a ready ``c_void_p``) to the foreign function, whose
  ``restype`` is the ``__getitem__`` of a ``dict`` that maps ``AC_OK`` to the
  result; any other status falls into ``__missing__``, which raises. Only
  ``acquire`` runs a (short) Python frame, to honour ``blocking`` and
  ``timeout`` exactly as ``threading`` does.

Lifetime: ``close()`` frees the native object (calling it again does
nothing); using the object afterwards raises :class:`~allcore.ClosedError`.
The garbage collector frees objects nobody closed. Threads waiting on an
object that is closed get :class:`~allcore.ClosedError` within one slice; the
native object is freed when the last of them has left, so no call can ever
touch freed memory. Closing an object while another thread is *starting* a
call on it (rather than waiting in one) is a bug in the caller, as it is
with ``pthread_mutex_destroy``.
"""

import contextlib
import ctypes
import functools
import math
import operator
import threading
import time
import weakref

from . import _ffi
from ._errors import ClosedError, NotOwnerError, error_for
from ._lib import library, quick_library

__all__ = [
    "AtomicCounter",
    "Barrier",
    "BoundedSemaphore",
    "BrokenBarrierError",
    "Condition",
    "CountDownLatch",
    "Event",
    "Lock",
    "RLock",
    "RWLock",
    "Semaphore",
    "lock_all",
]

BrokenBarrierError = threading.BrokenBarrierError

# Longest single native wait, so that signal handlers run at least this often.
_SLICE = 0.05
_SLICE_NS = 50_000_000

_OK = int(_ffi.AC_OK)
_TIMEOUT = int(_ffi.AC_TIMEOUT)
_WOULD_BLOCK = int(_ffi.AC_WOULD_BLOCK)
_CLOSED = int(_ffi.AC_CLOSED)
_BROKEN = int(_ffi.AC_BROKEN)
_NOT_OWNER = int(_ffi.AC_NOT_OWNER)
_OVERFLOW = int(_ffi.AC_OVERFLOW)
_GAVE_UP = (_TIMEOUT, _WOULD_BLOCK)

_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)


# --------------------------------------------------------------- plumbing


class _Results(dict):
    """Turns an ``ac_status`` into a call's result without a Python frame.

    Used as a foreign function's ``restype`` (its bound ``__getitem__``):
    statuses present in the dict (``AC_OK``) map to the result at C speed;
    any other status reaches :meth:`__missing__`, which returns ``False`` for
    ``would_block`` statuses and raises for the rest.
    """

    __slots__ = ("not_owner", "overflow", "what")

    def __init__(self, ok, what, not_owner=None, overflow=None, would_block=()):
        super().__init__({_OK: ok})
        for status in would_block:
            self[status] = False
        self.what = what
        self.not_owner = not_owner
        self.overflow = overflow

    def __missing__(self, status):
        if status == _NOT_OWNER and self.not_owner is not None:
            raise NotOwnerError(self.not_owner, status)
        if status == _OVERFLOW and self.overflow is not None:
            raise self.overflow
        raise error_for(status, self.what)


def _function(name, restype, *argtypes):
    """A private ctypes function object for ``name`` (others keep theirs).

    Calls through it release the GIL: use it for calls that may block or run long.
    """
    function = library[name]
    function.restype = restype
    function.argtypes = argtypes
    return function


def _quick_function(name, restype, *argtypes):
    """As :func:`_function`, for a call that never blocks: it keeps the GIL."""
    function = quick_library[name]
    function.restype = restype
    function.argtypes = argtypes
    return function


_P = ctypes.c_void_p
_I64 = ctypes.c_int64
_status = ctypes.c_int32


def _raise_closed(kind, *args, **kwargs):
    raise ClosedError(f"this allcore {kind} is closed", _CLOSED)


def _check(status, what):
    if status:
        raise error_for(status, what)


def _seconds_to_ns(seconds):
    return min(_INT64_MAX, max(0, math.ceil(seconds * 1e9)))


class _Native:
    """Owns one native handle: close, finalizer, and guarded slow-path use."""

    _kind = "object"
    _free = None

    def _own(self, handle):
        self._handle = handle
        self._guard = threading.Lock()
        self._users = 0
        self._closed = False
        self._finalizer = weakref.finalize(self, type(self)._free, handle)

    def close(self):
        """Free the native object. Calling it again does nothing.

        Threads waiting on it raise :class:`~allcore.ClosedError` within one
        wait slice; the memory is freed when the last of them has left.
        """
        with self._guard:
            if self._closed:
                return
            self._closed = True
            self._disarm()
            if self._users == 0:
                self._finalizer()

    @property
    def closed(self):
        """Whether :meth:`close` was called."""
        return self._closed

    def _disarm(self):
        """Replace the frame-free fast callables with ones that raise."""
        closed = functools.partial(_raise_closed, self._kind)
        for name in self._fast_names:
            setattr(self, name, closed)
        self._wake_for_close()

    _fast_names = ()

    def _wake_for_close(self):
        """Wake native waiters that do not wait in slices (the barrier)."""

    def _enter(self):
        """The handle, counted as in use until :meth:`_leave`."""
        with self._guard:
            if self._closed:
                _raise_closed(self._kind)
            self._users += 1
        return self._handle

    def _leave(self):
        with self._guard:
            self._users -= 1
            if self._closed and self._users == 0:
                self._finalizer()

    def _handle_now(self):
        """The handle for a call that never blocks."""
        if self._closed:
            _raise_closed(self._kind)
        return self._handle

    def _wait(self, call, timeout, what):
        """Wait with ``call(handle, ns) -> status`` in slices.

        ``timeout`` is None (no limit) or seconds (<= 0: one try). Returns
        True on ``AC_OK``, False when the time is up; raises otherwise.
        """
        handle = self._enter()
        try:
            if timeout is None:
                while True:
                    status = call(handle, _SLICE_NS)
                    if status == _OK:
                        return True
                    if status not in _GAVE_UP:
                        raise error_for(status, what)
                    if self._closed:
                        _raise_closed(self._kind)
            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                status = call(handle, min(_SLICE_NS, _seconds_to_ns(remaining)))
                if status == _OK:
                    return True
                if status not in _GAVE_UP:
                    raise error_for(status, what)
                if self._closed:
                    _raise_closed(self._kind)
                if remaining <= _SLICE:
                    return False
        finally:
            self._leave()

    def _read(self, getter, ctype, what):
        value = ctype()
        _check(getter(self._handle_now(), ctypes.byref(value)), what)
        return value.value

    def __repr__(self):
        state = "closed" if self._closed else self._state()
        return f"<allcore.{type(self).__qualname__} {state} at {id(self):#x}>"

    def _state(self):
        return "open"


def _new(constructor, *args):
    handle = _P()
    _check(constructor(*args, ctypes.byref(handle)), constructor.__name__)
    return handle


def _lock_timeout(blocking, timeout):
    """``threading.Lock.acquire``'s argument rules: the timeout in seconds, or None."""
    if isinstance(timeout, float):
        if math.isnan(timeout):
            raise ValueError("Invalid value NaN (not a number)")
    else:
        timeout = operator.index(timeout)
    if not blocking:
        if timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        return 0
    if timeout == -1:
        return None
    if timeout < 0:
        raise ValueError("timeout value must be a non-negative number")
    if timeout > threading.TIMEOUT_MAX:
        raise OverflowError("timeout value is too large")
    return timeout


def _optional_timeout(timeout):
    """A ``threading`` ``timeout=None`` argument: None or seconds (negative: 0)."""
    if timeout is None:
        return None
    if timeout != timeout:
        raise ValueError("Invalid value NaN (not a number)")
    return max(0.0, float(timeout))


# ------------------------------------------------------------------ Lock

_mutex_new = _function("ac_mutex_new", _status, _P)
_mutex_free = _function("ac_mutex_free", None, _P)
_mutex_try_lock = _function(
    "ac_mutex_try_lock", _Results(True, "Lock.acquire", would_block=(_WOULD_BLOCK,)).__getitem__, _P
)
_mutex_lock_timeout = _function("ac_mutex_lock_timeout", _status, _P, _I64)
_mutex_unlock = _function(
    "ac_mutex_unlock",
    _Results(None, "Lock.release", not_owner="release unlocked lock").__getitem__,
    _P,
)
_mutex_is_locked = _function("ac_mutex_is_locked", _status, _P, _P)
_mutex_lock_all = _function("ac_mutex_lock_all", _status, _P, ctypes.c_size_t, _I64)
_mutex_unlock_all = _function("ac_mutex_unlock_all", _status, _P, ctypes.c_size_t)


class Lock(_Native):
    """A mutex (``threading.Lock``): not reentrant; any thread may release it.

    ``acquire(blocking=True, timeout=-1)`` returns True when it got the lock
    and False when ``blocking`` is false or ``timeout`` seconds passed first;
    ``release()`` raises RuntimeError when the lock is not locked.
    """

    _kind = "Lock"
    _free = _mutex_free
    _fast_names = ("release", "_try")

    def __init__(self):
        handle = _new(_mutex_new)
        self._own(handle)
        # Frame-free fast paths: the handle bound to the foreign function.
        self._try = functools.partial(_mutex_try_lock, handle)
        self.release = functools.partial(_mutex_unlock, handle)

    def acquire(self, blocking=True, timeout=-1):
        """Lock it, waiting as long as ``blocking`` and ``timeout`` allow.

        Returns True if locked, False otherwise; the arguments follow
        ``threading.Lock.acquire`` (ValueError for a timeout with
        ``blocking=False`` or a negative timeout other than -1).
        """
        if blocking is True and timeout == -1 and self._try():
            return True
        return self._acquire_slow(blocking, timeout)

    def _acquire_slow(self, blocking, timeout):
        seconds = _lock_timeout(blocking, timeout)
        if seconds == 0:
            return self._try()
        return self._wait(_mutex_lock_timeout, seconds, "Lock.acquire")

    def locked(self):
        """Whether some thread holds the lock."""
        return self._read(_mutex_is_locked, ctypes.c_bool, "Lock.locked")

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()

    def _is_owned(self):
        # Used by Condition: as threading does for a plain lock, "owned"
        # means "locked".
        return self.locked()

    def _state(self):
        return "locked" if self.locked() else "unlocked"


# ----------------------------------------------------------------- RLock

_rlock_new = _function("ac_rlock_new", _status, _P)
_rlock_free = _function("ac_rlock_free", None, _P)
_rlock_try_lock = _function(
    "ac_rlock_try_lock",
    _Results(True, "RLock.acquire", would_block=(_WOULD_BLOCK,)).__getitem__,
    _P,
)
_rlock_lock_timeout = _function("ac_rlock_lock_timeout", _status, _P, _I64)
_rlock_unlock = _function(
    "ac_rlock_unlock",
    _Results(None, "RLock.release", not_owner="cannot release un-acquired lock").__getitem__,
    _P,
)
_rlock_is_owned = _function("ac_rlock_is_owned", _status, _P, _P)


class RLock(_Native):
    """A reentrant lock (``threading.RLock``) owned by the calling thread.

    The owner may acquire it again and must release it as many times;
    ``release()`` by any other thread raises RuntimeError.
    """

    _kind = "RLock"
    _free = _rlock_free
    _fast_names = ("release", "_try")

    def __init__(self):
        handle = _new(_rlock_new)
        self._own(handle)
        self._try = functools.partial(_rlock_try_lock, handle)
        self.release = functools.partial(_rlock_unlock, handle)

    def acquire(self, blocking=True, timeout=-1):
        """As :meth:`Lock.acquire`; the owner gets another level at once."""
        if blocking is True and timeout == -1 and self._try():
            return True
        seconds = _lock_timeout(blocking, timeout)
        if seconds == 0:
            return self._try()
        return self._wait(_rlock_lock_timeout, seconds, "RLock.acquire")

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()

    def _is_owned(self):
        """Whether the calling thread owns the lock."""
        return self._read(_rlock_is_owned, ctypes.c_bool, "RLock._is_owned")

    def _state(self):
        return "owned" if self._is_owned() else "not owned by this thread"


# ------------------------------------------------------------- Condition

_condition_new = _function("ac_condition_new", _status, _P)
_condition_free = _function("ac_condition_free", None, _P)
_condition_wait = _function("ac_condition_wait", _status, _P, _P, _I64)
_condition_wait_rlock = _function("ac_condition_wait_rlock", _status, _P, _P, _I64)
_condition_notify = _function("ac_condition_notify", _status, _P, _I64)
_condition_notify_all = _function("ac_condition_notify_all", _status, _P)


class Condition(_Native):
    """A condition variable (``threading.Condition``) over an allcore lock.

    ``lock`` must be an allcore :class:`Lock` or :class:`RLock` (default: a
    new :class:`RLock`, as in ``threading``). ``wait``, ``notify`` and
    ``notify_all`` raise RuntimeError unless the caller holds the lock.
    """

    _kind = "Condition"
    _free = _condition_free

    def __init__(self, lock=None):
        if lock is None:
            lock = RLock()
        if isinstance(lock, Lock):
            self._native_wait = _condition_wait
        elif isinstance(lock, RLock):
            self._native_wait = _condition_wait_rlock
        else:
            raise TypeError(
                "allcore.Condition needs an allcore.Lock or allcore.RLock, not "
                f"{type(lock).__module__}.{type(lock).__qualname__}; use "
                "threading.Condition for threading's locks"
            )
        self._own(_new(_condition_new))
        self._lock = lock
        self.acquire = lock.acquire
        self.release = functools.partial(_call_release, lock)

    def __enter__(self):
        return self._lock.__enter__()

    def __exit__(self, *exc_info):
        return self._lock.__exit__(*exc_info)

    def _is_owned(self):
        return self._lock._is_owned()

    def wait(self, timeout=None):
        """Release the lock, wait for a notify or ``timeout`` seconds, retake it.

        Returns True if notified, False on timeout.
        """
        seconds = _optional_timeout(timeout)
        self._handle_now()
        lock = self._lock
        lock_handle = lock._enter()
        try:
            wait = self._native_wait

            def call(handle, ns):
                return wait(handle, lock_handle, ns)

            if seconds == 0:
                # Native wait 0 returns at once without unlocking; threading
                # would release and retake the lock, which nobody can observe.
                status = call(self._handle_now(), 0)
                if status == _NOT_OWNER:
                    raise RuntimeError("cannot wait on un-acquired lock")
                if status in _GAVE_UP:
                    return False
                _check(status, "Condition.wait")
                return True
            try:
                return self._wait(call, seconds, "Condition.wait")
            except NotOwnerError:
                raise RuntimeError("cannot wait on un-acquired lock") from None
        finally:
            lock._leave()

    def wait_for(self, predicate, timeout=None):
        """Wait until ``predicate()`` is true or ``timeout`` passes; return its last value."""
        endtime = None
        waittime = timeout
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    endtime = time.monotonic() + waittime
                else:
                    waittime = endtime - time.monotonic()
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    def notify(self, n=1):
        """Wake up to ``n`` threads waiting on the condition."""
        handle = self._handle_now()
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        if n > 0:
            _check(_condition_notify(handle, min(n, _INT64_MAX)), "Condition.notify")

    def notify_all(self):
        """Wake every thread waiting on the condition."""
        handle = self._handle_now()
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        _check(_condition_notify_all(handle), "Condition.notify_all")

    notifyAll = notify_all

    def _state(self):
        return f"over {self._lock!r}"


def _call_release(lock):
    lock.release()


# ------------------------------------------------------------ Semaphores

_semaphore_new = _function("ac_semaphore_new", _status, _I64, _P)
_semaphore_new_bounded = _function("ac_semaphore_new_bounded", _status, _I64, _P)
_semaphore_free = _function("ac_semaphore_free", None, _P)
_semaphore_try_acquire = _function(
    "ac_semaphore_try_acquire",
    _Results(True, "Semaphore.acquire", would_block=(_WOULD_BLOCK,)).__getitem__,
    _P,
)
_semaphore_acquire_timeout = _function("ac_semaphore_acquire_timeout", _status, _P, _I64)
_semaphore_release_n = _function("ac_semaphore_release_n", _status, _P, _I64)
_semaphore_value = _function("ac_semaphore_value", _status, _P, _P)


class Semaphore(_Native):
    """A counting semaphore (``threading.Semaphore``)."""

    _kind = "Semaphore"
    _free = _semaphore_free
    _fast_names = ("_try",)
    _bounded = False

    def __init__(self, value=1):
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        constructor = _semaphore_new_bounded if self._bounded else _semaphore_new
        handle = _new(constructor, operator.index(value))
        self._own(handle)
        self._try = functools.partial(_semaphore_try_acquire, handle)

    def acquire(self, blocking=True, timeout=None):
        """Take one permit; True if taken, False if non-blocking or timed out."""
        if blocking is True and timeout is None and self._try():
            return True
        if not blocking:
            if timeout is not None:
                raise ValueError("can't specify timeout for non-blocking acquire")
            return self._try()
        seconds = _optional_timeout(timeout)
        if seconds == 0:
            return self._try()
        return self._wait(_semaphore_acquire_timeout, seconds, "Semaphore.acquire")

    __enter__ = acquire

    def release(self, n=1):
        """Give back ``n`` permits, waking waiters."""
        if n < 1:
            raise ValueError("n must be one or more")
        status = _semaphore_release_n(self._handle_now(), min(operator.index(n), _INT64_MAX))
        if status == _OVERFLOW:
            if self._bounded:
                raise ValueError("Semaphore released too many times")
            raise OverflowError("Semaphore value would exceed INT64_MAX")
        _check(status, "Semaphore.release")

    def __exit__(self, *exc_info):
        self.release()

    @property
    def value(self):
        """The number of permits available now (a snapshot)."""
        return self._read(_semaphore_value, ctypes.c_int64, "Semaphore.value")

    def _state(self):
        return f"value={self.value}"


class BoundedSemaphore(Semaphore):
    """A semaphore that may not be released above its initial value.

    ``release()`` beyond it raises ValueError("Semaphore released too many
    times"), as ``threading.BoundedSemaphore`` does.
    """

    _kind = "BoundedSemaphore"
    _bounded = True


# ----------------------------------------------------------------- Event

_event_new = _function("ac_event_new", _status, _P)
_event_free = _function("ac_event_free", None, _P)
_event_set = _function("ac_event_set", _Results(None, "Event.set").__getitem__, _P)
_event_clear = _function("ac_event_clear", _Results(None, "Event.clear").__getitem__, _P)
_event_is_set = _function("ac_event_is_set", _status, _P, _P)
_event_wait = _function("ac_event_wait", _status, _P, _I64)


class Event(_Native):
    """An event flag (``threading.Event``)."""

    _kind = "Event"
    _free = _event_free
    _fast_names = ("set", "clear")

    def __init__(self):
        handle = _new(_event_new)
        self._own(handle)
        self.set = functools.partial(_event_set, handle)
        self.clear = functools.partial(_event_clear, handle)

    def is_set(self):
        """Whether the flag is set."""
        return self._read(_event_is_set, ctypes.c_bool, "Event.is_set")

    isSet = is_set

    def wait(self, timeout=None):
        """Wait until the flag is set or ``timeout`` passes; return True if it was set."""
        seconds = _optional_timeout(timeout)
        if seconds == 0:
            return self.is_set()
        return self._wait(_event_wait, seconds, "Event.wait")

    def _state(self):
        return "set" if self.is_set() else "unset"


# --------------------------------------------------------------- Barrier

_barrier_new = _function("ac_barrier_new", _status, _I64, _P)
_barrier_free = _function("ac_barrier_free", None, _P)
_barrier_wait = _function("ac_barrier_wait", _status, _P, _I64, _P)
_barrier_abort = _function("ac_barrier_abort", _status, _P)
_barrier_reset = _function("ac_barrier_reset", _status, _P)
_barrier_is_broken = _function("ac_barrier_is_broken", _status, _P, _P)
_barrier_n_waiting = _function("ac_barrier_n_waiting", _status, _P, _P)


class _BarrierPair(_Native):
    """The native barriers behind a :class:`Barrier`: ``arrive`` and, with an
    action, ``depart`` (None without one)."""

    _kind = "Barrier"

    def __init__(self, parties, with_action):
        self.arrive = _new(_barrier_new, parties)
        self.depart = _new(_barrier_new, parties) if with_action else None
        self._own((self.arrive, self.depart))

    @staticmethod
    def _free(handles):
        for handle in handles:
            if handle is not None:
                _barrier_free(handle)

    def handles(self):
        return [handle for handle in (self.arrive, self.depart) if handle is not None]

    def _wake_for_close(self):
        # Native barrier waits are not sliced: wake them so they can leave.
        for handle in self.handles():
            _barrier_abort(handle)


class Barrier:
    """A cyclic barrier (``threading.Barrier``) for ``parties`` threads.

    ``wait()`` returns the arrival index (0 for the first thread, ``parties
    - 1`` for the last). ``action``, if given, is called by the last thread
    to arrive before any thread is released, as in ``threading``; if it
    raises, the barrier breaks. A wait that times out, or that a concurrent
    :meth:`abort` or :meth:`reset` interrupts, raises
    ``threading.BrokenBarrierError`` (also exported as
    ``allcore.BrokenBarrierError``).
    """

    def __init__(self, parties, action=None, timeout=None):
        if parties < 1:
            raise ValueError("parties must be > 0")
        self._parties = operator.index(parties)
        self._action = action
        self._timeout = timeout
        self._native = _BarrierPair(self._parties, action is not None)

    def close(self):
        """Free the native barrier; waiting threads raise :class:`~allcore.ClosedError`."""
        self._native.close()

    @property
    def closed(self):
        return self._native.closed

    @property
    def parties(self):
        """The number of threads the barrier waits for."""
        return self._parties

    def _query(self, getter, ctype, what):
        native = self._native
        handles = native._enter()
        try:
            values = []
            for handle in handles:
                if handle is not None:
                    value = ctype()
                    _check(getter(handle, ctypes.byref(value)), what)
                    values.append(value.value)
            return values
        finally:
            native._leave()

    @property
    def n_waiting(self):
        """How many threads are waiting now."""
        return sum(self._query(_barrier_n_waiting, ctypes.c_int64, "Barrier.n_waiting"))

    @property
    def broken(self):
        """Whether the barrier is broken (until :meth:`reset`)."""
        return any(self._query(_barrier_is_broken, ctypes.c_bool, "Barrier.broken"))

    def abort(self):
        """Break the barrier: current and later waits raise BrokenBarrierError.

        It stays broken until :meth:`reset`.
        """
        handles = self._native._enter()
        try:
            for handle in handles:
                if handle is not None:
                    _check(_barrier_abort(handle), "Barrier.abort")
        finally:
            self._native._leave()

    def reset(self):
        """Return the barrier to its empty state; current waiters raise BrokenBarrierError."""
        handles = self._native._enter()
        try:
            for handle in handles:
                if handle is not None:
                    _check(_barrier_reset(handle), "Barrier.reset")
        finally:
            self._native._leave()

    def wait(self, timeout=None):
        """Wait until ``parties`` threads are waiting; return this thread's arrival index.

        Raises BrokenBarrierError if the barrier is or becomes broken,
        including by this wait's ``timeout`` (default: the constructor's).
        """
        if timeout is None:
            timeout = self._timeout
        seconds = _optional_timeout(timeout)
        deadline = None if seconds is None else time.monotonic() + seconds
        native = self._native
        handles = native._enter()
        try:
            index = self._native_wait(handles[0], deadline)
            if handles[1] is None:
                return index
            if index == self._parties - 1:
                try:
                    self._action()
                except BaseException:
                    self._abort_handles(handles)
                    raise
            self._native_wait(handles[1], deadline)
            return index
        finally:
            native._leave()

    @staticmethod
    def _abort_handles(handles):
        for handle in handles:
            if handle is not None:
                _barrier_abort(handle)

    def _native_wait(self, handle, deadline):
        ns = -1 if deadline is None else _seconds_to_ns(deadline - time.monotonic())
        index = ctypes.c_int64(-1)
        if threading.current_thread() is threading.main_thread() and ns != 0:
            status = self._wait_on_helper(handle, ns, index)
        else:
            status = _barrier_wait(handle, ns, ctypes.byref(index))
        if status == _OK:
            if self._native.closed:
                _raise_closed("Barrier")
            return index.value
        if status in (_TIMEOUT, _WOULD_BLOCK, _BROKEN):
            if self._native.closed:
                _raise_closed("Barrier")
            if status != _BROKEN:
                # This thread's timeout broke one phase: break the other too,
                # so that the barrier as a whole reads as broken.
                self._abort_handles(self._native._handle)
            raise BrokenBarrierError
        raise error_for(status, "Barrier.wait")

    def _wait_on_helper(self, handle, ns, index):
        """Run the unsliceable native wait on a helper thread so that the
        main thread stays interruptible; an interrupt aborts the barrier."""
        result = []
        helper = threading.Thread(
            target=lambda: result.append(_barrier_wait(handle, ns, ctypes.byref(index))),
            name="allcore-barrier-wait",
            daemon=True,
        )
        helper.start()
        try:
            helper.join()
        except BaseException:
            self._abort_handles(self._native._handle)
            helper.join()
            raise
        return result[0]

    def __repr__(self):
        if self.closed:
            return f"<allcore.Barrier closed at {id(self):#x}>"
        return (
            f"<allcore.Barrier at {id(self):#x} parties={self.parties} "
            f"n_waiting={self.n_waiting} broken={self.broken}>"
        )


# ---------------------------------------------------------------- RWLock

_rwlock_new = _function("ac_rwlock_new", _status, _P)
_rwlock_free = _function("ac_rwlock_free", None, _P)
_rwlock_try_read = _function(
    "ac_rwlock_try_read_lock",
    _Results(True, "RWLock.acquire_read", would_block=(_WOULD_BLOCK,)).__getitem__,
    _P,
)
_rwlock_try_write = _function(
    "ac_rwlock_try_write_lock",
    _Results(True, "RWLock.acquire_write", would_block=(_WOULD_BLOCK,)).__getitem__,
    _P,
)
_rwlock_read_timeout = _function("ac_rwlock_read_lock_timeout", _status, _P, _I64)
_rwlock_write_timeout = _function("ac_rwlock_write_lock_timeout", _status, _P, _I64)
_rwlock_read_unlock = _function(
    "ac_rwlock_read_unlock",
    _Results(None, "RWLock.release_read", not_owner="release unlocked lock").__getitem__,
    _P,
)
_rwlock_write_unlock = _function(
    "ac_rwlock_write_unlock",
    _Results(None, "RWLock.release_write", not_owner="release unlocked lock").__getitem__,
    _P,
)


class _RWSide:
    """``with rw.read():`` / ``with rw.write():``."""

    __slots__ = ("acquire", "release")

    def __init__(self, acquire, release):
        self.acquire = acquire
        self.release = release

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()


class RWLock(_Native):
    """A read-write lock: many readers or one writer, phase-fair.

    ``with rw.read():`` shares the lock with other readers; ``with
    rw.write():`` holds it alone. ``acquire_read``/``acquire_write`` take
    ``blocking`` and ``timeout`` like :meth:`Lock.acquire`; the releases
    raise RuntimeError when no reader / writer holds the lock. Not
    reentrant: a thread holding it must not acquire it again.
    """

    _kind = "RWLock"
    _free = _rwlock_free
    _fast_names = ("release_read", "release_write", "_try_read", "_try_write")

    def __init__(self):
        handle = _new(_rwlock_new)
        self._own(handle)
        self._try_read = functools.partial(_rwlock_try_read, handle)
        self._try_write = functools.partial(_rwlock_try_write, handle)
        self.release_read = functools.partial(_rwlock_read_unlock, handle)
        self.release_write = functools.partial(_rwlock_write_unlock, handle)
        self._reader = _RWSide(
            self.acquire_read, functools.partial(_call_attribute, self, "release_read")
        )
        self._writer = _RWSide(
            self.acquire_write, functools.partial(_call_attribute, self, "release_write")
        )

    def acquire_read(self, blocking=True, timeout=-1):
        """Lock for reading; True if locked (see :meth:`Lock.acquire`)."""
        if blocking is True and timeout == -1 and self._try_read():
            return True
        seconds = _lock_timeout(blocking, timeout)
        if seconds == 0:
            return self._try_read()
        return self._wait(_rwlock_read_timeout, seconds, "RWLock.acquire_read")

    def acquire_write(self, blocking=True, timeout=-1):
        """Lock for writing; True if locked (see :meth:`Lock.acquire`)."""
        if blocking is True and timeout == -1 and self._try_write():
            return True
        seconds = _lock_timeout(blocking, timeout)
        if seconds == 0:
            return self._try_write()
        return self._wait(_rwlock_write_timeout, seconds, "RWLock.acquire_write")

    def read(self):
        """A context manager holding the lock for reading."""
        return self._reader

    def write(self):
        """A context manager holding the lock for writing."""
        return self._writer


def _call_attribute(obj, name):
    return getattr(obj, name)()


# ----------------------------------------------------------------- Latch

_latch_new = _function("ac_latch_new", _status, _I64, _P)
_latch_free = _function("ac_latch_free", None, _P)
_latch_count_down = _function("ac_latch_count_down", _status, _P, _I64)
_latch_wait = _function("ac_latch_wait", _status, _P, _I64)
_latch_count = _function("ac_latch_count", _status, _P, _P)


class CountDownLatch(_Native):
    """A latch that opens once :meth:`count_down` has been called ``count`` times.

    Waiters block until the count reaches zero; it never goes back up.
    """

    _kind = "CountDownLatch"
    _free = _latch_free

    def __init__(self, count):
        if count < 0:
            raise ValueError("count must be >= 0")
        self._own(_new(_latch_new, operator.index(count)))

    def count_down(self, n=1):
        """Lower the count by ``n`` (>= 1), stopping at zero."""
        if n < 1:
            raise ValueError("n must be one or more")
        _check(
            _latch_count_down(self._handle_now(), min(operator.index(n), _INT64_MAX)), "count_down"
        )

    def wait(self, timeout=None):
        """Wait until the count is zero or ``timeout`` passes; True if it is zero."""
        seconds = _optional_timeout(timeout)
        if seconds == 0:
            return self.count == 0
        return self._wait(_latch_wait, seconds, "CountDownLatch.wait")

    @property
    def count(self):
        """The count now."""
        return self._read(_latch_count, ctypes.c_int64, "CountDownLatch.count")

    def _state(self):
        return f"count={self.count}"


# --------------------------------------------------------------- Counter

_counter_new = _function("ac_counter_new", _status, _I64, _P)
_counter_free = _function("ac_counter_free", None, _P)
_counter_add = _function("ac_counter_add", _status, _P, _I64, _P)
_counter_load = _function("ac_counter_load", _status, _P, _P)
_counter_store = _function("ac_counter_store", _status, _P, _I64)
_counter_compare_exchange = _function("ac_counter_compare_exchange", _status, _P, _I64, _I64, _P)


def _int64(value, what):
    value = operator.index(value)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise OverflowError(f"{what} does not fit a signed 64-bit integer: {value}")
    return value


class AtomicCounter(_Native):
    """An atomic signed 64-bit integer: ``add`` never loses an update.

    ``add(delta=1)`` returns the new value; ``value`` (or ``load()``) reads
    it; ``store(v)`` writes it; ``compare_exchange(expected, desired)``
    replaces it with ``desired`` only if it equals ``expected`` and returns
    True if it did. A result outside int64 raises OverflowError and changes
    nothing.
    """

    _kind = "AtomicCounter"
    _free = _counter_free

    def __init__(self, value=0):
        self._own(_new(_counter_new, _int64(value, "value")))

    def add(self, delta=1):
        """Add ``delta`` (may be negative) and return the new value."""
        out = ctypes.c_int64()
        status = _counter_add(self._handle_now(), _int64(delta, "delta"), ctypes.byref(out))
        if status == _OVERFLOW:
            raise OverflowError("the counter would leave the int64 range")
        _check(status, "AtomicCounter.add")
        return out.value

    def load(self):
        """The current value."""
        return self._read(_counter_load, ctypes.c_int64, "AtomicCounter.load")

    value = property(load, doc="The current value.")

    def store(self, value):
        """Replace the value."""
        _check(_counter_store(self._handle_now(), _int64(value, "value")), "AtomicCounter.store")

    def compare_exchange(self, expected, desired):
        """Set the value to ``desired`` if it is ``expected``; True if it was swapped."""
        previous = ctypes.c_int64()
        expected = _int64(expected, "expected")
        status = _counter_compare_exchange(
            self._handle_now(), expected, _int64(desired, "desired"), ctypes.byref(previous)
        )
        _check(status, "AtomicCounter.compare_exchange")
        return previous.value == expected

    def __int__(self):
        return self.load()

    __index__ = __int__

    def _state(self):
        return f"value={self.load()}"


# -------------------------------------------------------------- lock_all


@contextlib.contextmanager
def lock_all(*locks, timeout=None):
    """Hold every :class:`Lock` in ``locks`` for the ``with`` block, without deadlock.

    All are locked or none: threads locking overlapping sets in any order
    never deadlock (``ac_mutex_lock_all`` backs off instead of waiting while
    holding some). Raises TimeoutError (:class:`~allcore.AllcoreTimeoutError`)
    if ``timeout`` seconds pass first, ValueError if a lock appears twice.
    """
    for lock in locks:
        if not isinstance(lock, Lock):
            raise TypeError(f"lock_all needs allcore.Lock objects, not {type(lock).__qualname__}")
    seconds = _optional_timeout(timeout)
    entered = []
    try:
        for lock in locks:
            lock._enter()
            entered.append(lock)
        array = (_P * len(locks))(*(lock._handle for lock in locks))
        count = len(locks)

        if not _wait_all(locks, array, count, seconds):
            raise error_for(_TIMEOUT, "lock_all", "the timeout passed before every lock was free")
        try:
            yield
        finally:
            _check(_mutex_unlock_all(array, count), "lock_all (unlock)")
    finally:
        for lock in entered:
            lock._leave()


def _wait_all(locks, array, count, seconds):
    """``ac_mutex_lock_all`` in slices, like every other wait (all or nothing,
    so giving up after a slice leaves nothing locked)."""
    deadline = None if seconds is None else time.monotonic() + seconds
    while True:
        remaining = _SLICE if deadline is None else deadline - time.monotonic()
        status = _mutex_lock_all(array, count, min(_SLICE_NS, _seconds_to_ns(remaining)))
        if status == _OK:
            return True
        if status not in _GAVE_UP:
            raise error_for(status, "lock_all")
        for lock in locks:
            if lock.closed:
                _raise_closed("Lock")
        if deadline is not None and remaining <= _SLICE:
            return False
