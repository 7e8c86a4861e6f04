"""Locks and events over allcore's native primitives, as drop-ins for ``threading``.

:class:`Lock`, :class:`RLock`, :class:`Condition`, :class:`Semaphore`,
:class:`BoundedSemaphore`, :class:`Event` and :class:`Barrier` take the same
arguments, return the same values, raise the same exceptions and print the
same way as their ``threading`` namesakes (CPython's own ``lock_tests`` pass
against them), so code written for ``threading`` runs unchanged on them.
:class:`RWLock`, :class:`CountDownLatch`, :class:`AtomicCounter` and
:func:`lock_all` add what ``threading`` lacks.

How calls are made, as ``threading`` uses the GIL:

- A call that cannot block and takes nanoseconds (a try-acquire, a release,
  ``locked``, ``is_set``, ``Event.set``/``clear``, a semaphore release,
  counters and getters) goes through ``quick_library`` (``ctypes.PyDLL``)
  and keeps the GIL, so it does not hand the GIL to another thread.
- A call that may wait goes through ``library`` (``ctypes.CDLL``), which
  releases the GIL while it runs, so a thread blocked on an allcore lock never
  stops other Python threads. A blocking acquire first tries without
  releasing the GIL, as ``threading.Lock.acquire`` does. If that fails it
  yields the GIL a few times, trying again while holding it, and only then
  waits natively (see ``_Native._take_or_wait``: a lock taken natively by a
  thread without the GIL would make every acquire hand the GIL over).
- Waits are made as ``_plumbing.wait_slices`` says: in the main thread,
  native waits of at most ``SLICE`` seconds, between which the interpreter
  runs signal handlers, so Ctrl-C interrupts any wait there; in other
  threads, one native wait, which closing the object wakes. The one
  exception is :meth:`Barrier.wait`, whose native wait cannot be sliced (a
  timeout breaks a barrier): in the main thread it runs on a helper thread
  and an interrupt aborts the barrier.
- Hot calls need no Python frame. ``Lock.release`` is a ``functools.partial``
  binding the handle (a ready ``c_void_p``) to the foreign function, whose
  ``restype`` is the ``__getitem__`` of a ``dict`` that maps ``AC_OK`` to the
  result; any other status falls into ``__missing__``, which raises. ``with
  lock:`` runs no Python frame to enter either: ``__enter__`` is a property
  over ``operator.attrgetter`` (C code), and the special-method lookup
  returns the lock's own bound try-acquire, whose ``restype`` dict turns
  ``AC_WOULD_BLOCK`` into the blocking wait.

Lifetime: ``close()`` closes the native object (``ac_<object>_close``:
every waiter, in any language, wakes with :class:`~allcore.ClosedError`) and
releases Python's reference; an object adopted with ``from_handle`` is only
released. Calling it again does nothing; using the object afterwards raises
:class:`~allcore.ClosedError`. The garbage collector releases objects nobody
closed. The reference is released when the last Python call on the object
has returned, and each native call holds a reference of its own, so no call
can ever touch freed memory. Closing an object while another thread is
*starting* a call on it (rather than waiting in one) is a bug in the caller,
as it is with ``pthread_mutex_destroy``.

Fork: ``_at_fork_reinit()`` (which ``logging``, ``concurrent.futures`` and
``threading`` call on their locks in a child process) gives the object a
new native primitive in its initial state. The old one is left allocated, as
CPython leaves its old lock: threads of the parent may have been parked on it,
and they do not exist in the child.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import math
import operator
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from . import _ffi
from ._errors import NotOwnerError, error_for
from ._plumbing import (
    _P,
    GAVE_UP,
    INT64_MAX,
    OK,
    OVERFLOW,
    TIMEOUT,
    WOULD_BLOCK,
    _adopting,
    _blocking_entry,
    _Native,
    _new,
    _reader,
    _Results,
    check,
    function,
    raise_closed,
    seconds_to_ns,
    wait_slices,
)

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

_BROKEN = int(_ffi.AC_BROKEN)
_INT64_MIN = -(2**63)

_T = TypeVar("_T")


def _lock_timeout(blocking: bool, timeout: float) -> float | None:
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


def _optional_timeout(timeout: float | None) -> float | None:
    """A ``threading`` ``timeout=None`` argument: None or seconds (negative: 0)."""
    if timeout is None:
        return None
    if timeout != timeout:
        raise ValueError("Invalid value NaN (not a number)")
    return max(0.0, float(timeout))


def _address(obj: object) -> str:
    return f"{id(obj):#x}"


# ------------------------------------------------------------------ Lock

_mutex_new = function("ac_mutex_new")
_mutex_free = function("ac_mutex_release")
_mutex_try_lock = function(
    "ac_mutex_try_lock",
    keep_gil=True,
    restype=_Results(True, "Lock.acquire", would_block=(WOULD_BLOCK,)).__getitem__,
    declared=0,
)
# The same call returning the bare status, for acquire()'s first try.
_mutex_try_lock_status = function("ac_mutex_try_lock", keep_gil=True, declared=0)
_mutex_lock_timeout = function("ac_mutex_lock_timeout")
_mutex_unlock = function(
    "ac_mutex_unlock",
    keep_gil=True,
    restype=_Results(None, "Lock.release", not_owner="release unlocked lock").__getitem__,
    declared=0,
)
_mutex_is_locked = function(
    "ac_mutex_is_locked",
    keep_gil=True,
    restype=_Results(None, "Lock.locked").__getitem__,
    declared=0,
)
_mutex_lock_all = function("ac_mutex_lock_all")
_mutex_unlock_all = function("ac_mutex_unlock_all", keep_gil=True)


class Lock(_Native):
    """A mutex (``threading.Lock``): not reentrant; any thread may release it.

    ``acquire(blocking=True, timeout=-1)`` returns True when it got the lock
    and False when ``blocking`` is false or ``timeout`` seconds passed first;
    ``release()`` raises RuntimeError when the lock is not locked.
    """

    _kind = "Lock"
    _c_name = "mutex"
    _free = _mutex_free
    _fast_names = ("release", "_try", "_try_status", "_entry", "_read_locked")

    release: Callable[[], None]
    """Unlock it; any thread may. RuntimeError if it is not locked."""

    def __init__(self) -> None:
        handle = _new(_mutex_new)
        self._own(handle)
        self._bind(handle)

    def _bind(self, handle: Any) -> None:
        # Frame-free fast paths: the handle bound to the foreign function.
        self._try = functools.partial(_mutex_try_lock, handle)
        self._try_status = functools.partial(_mutex_try_lock_status, handle)
        self.release = functools.partial(_mutex_unlock, handle)
        self._entry = functools.partial(
            _blocking_entry(_mutex_try_lock, self, "Lock.acquire"), handle
        )
        self._read_locked, self._locked = _reader(_mutex_is_locked, handle, ctypes.c_bool)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Lock it, waiting as long as ``blocking`` and ``timeout`` allow.

        Returns True if locked, False otherwise; the arguments follow
        ``threading.Lock.acquire`` (ValueError for a timeout with
        ``blocking=False`` or a negative timeout other than -1).
        """
        if blocking is True and timeout == -1 and not self._try_status():
            return True
        seconds = _lock_timeout(blocking, timeout)
        if seconds == 0:
            return bool(self._try())
        if seconds is None:
            return self._block()
        return self._wait(_mutex_lock_timeout, seconds, "Lock.acquire")

    def _block(self) -> bool:
        return self._take_or_wait(_mutex_lock_timeout, "Lock.acquire")

    def locked(self) -> bool:
        """Whether some thread holds the lock."""
        self._read_locked()
        return bool(self._locked.value)

    if TYPE_CHECKING:

        def __enter__(self) -> bool: ...

    else:
        __enter__ = property(operator.attrgetter("_entry"), doc="acquire() for ``with``.")

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _is_owned(self) -> bool:
        # Used by Condition: as threading does for a plain lock, "owned"
        # means "locked".
        return self.locked()

    def _at_fork_reinit(self) -> None:
        """Make it a new, unlocked lock (``threading.Lock._at_fork_reinit``)."""
        self._reinit(_new(_mutex_new))

    def __repr__(self) -> str:
        state = "closed" if self._closed else "locked" if self.locked() else "unlocked"
        return f"<{state} allcore.Lock object at {_address(self)}>"


# ----------------------------------------------------------------- RLock

_rlock_new = function("ac_rlock_new")
_rlock_free = function("ac_rlock_release")
_rlock_try_lock = function(
    "ac_rlock_try_lock",
    keep_gil=True,
    restype=_Results(True, "RLock.acquire", would_block=(WOULD_BLOCK,)).__getitem__,
    declared=0,
)
_rlock_try_lock_status = function("ac_rlock_try_lock", keep_gil=True, declared=0)
_rlock_lock_timeout = function("ac_rlock_lock_timeout")
_rlock_unlock = function(
    "ac_rlock_unlock",
    keep_gil=True,
    restype=_Results(
        None, "RLock.release", not_owner="cannot release un-acquired lock"
    ).__getitem__,
    declared=0,
)
_rlock_is_owned = function(
    "ac_rlock_is_owned",
    keep_gil=True,
    restype=_Results(None, "RLock._is_owned").__getitem__,
    declared=0,
)
_rlock_is_locked = function("ac_rlock_is_locked", keep_gil=True, declared=0)
_rlock_count = function("ac_rlock_count", keep_gil=True, declared=0)
_rlock_unlock_save = function(
    "ac_rlock_unlock_save",
    keep_gil=True,
    restype=_Results(
        None, "RLock._release_save", not_owner="cannot release un-acquired lock"
    ).__getitem__,
    declared=0,
)
_rlock_lock_restore = function("ac_rlock_lock_restore", keep_gil=True)
_rlock_lock_restore_waiting = function("ac_rlock_lock_restore")


class RLock(_Native):
    """A reentrant lock (``threading.RLock``) owned by the calling thread.

    The owner may acquire it again and must release it as many times;
    ``release()`` by any other thread raises RuntimeError.
    """

    _kind = "RLock"
    _c_name = "rlock"
    _free = _rlock_free
    _fast_names = ("release", "_try", "_try_status", "_entry", "_read_owned")

    release: Callable[[], None]
    """Undo one acquire by the owner. RuntimeError if the caller does not own it."""

    def __init__(self) -> None:
        handle = _new(_rlock_new)
        self._own(handle)
        self._bind(handle)

    def _bind(self, handle: Any) -> None:
        self._try = functools.partial(_rlock_try_lock, handle)
        self._try_status = functools.partial(_rlock_try_lock_status, handle)
        self.release = functools.partial(_rlock_unlock, handle)
        self._entry = functools.partial(
            _blocking_entry(_rlock_try_lock, self, "RLock.acquire"), handle
        )
        self._read_owned, self._owned = _reader(_rlock_is_owned, handle, ctypes.c_bool)

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """As :meth:`Lock.acquire`; the owner gets another level at once."""
        if blocking is True and timeout == -1 and not self._try_status():
            return True
        seconds = _lock_timeout(blocking, timeout)
        if seconds == 0:
            return bool(self._try())
        if seconds is None:
            return self._block()
        return self._wait(_rlock_lock_timeout, seconds, "RLock.acquire")

    def _block(self) -> bool:
        return self._take_or_wait(_rlock_lock_timeout, "RLock.acquire")

    if TYPE_CHECKING:

        def __enter__(self) -> bool: ...

    else:
        __enter__ = property(operator.attrgetter("_entry"), doc="acquire() for ``with``.")

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def locked(self) -> bool:
        """Whether some thread owns the lock."""
        return bool(self._read(_rlock_is_locked, ctypes.c_bool, "RLock.locked"))

    def _is_owned(self) -> bool:
        """Whether the calling thread owns the lock."""
        self._read_owned()
        return bool(self._owned.value)

    def _recursion_count(self) -> int:
        """How many times the calling thread holds the lock (0: not at all)."""
        return int(self._read(_rlock_count, ctypes.c_int64, "RLock._recursion_count"))

    def _release_save(self) -> int:
        """Release the lock completely and return the depth for :meth:`_acquire_restore`.

        RuntimeError if the calling thread does not own it (what
        ``Condition.wait`` does around its wait).
        """
        depth = ctypes.c_int64()
        _rlock_unlock_save(self._handle_now(), ctypes.byref(depth))
        return depth.value

    def _acquire_restore(self, state: Any) -> None:
        """Take the lock back with the depth :meth:`_release_save` returned."""
        depth = state
        status = _rlock_lock_restore(self._handle_now(), depth, 0)
        if status in GAVE_UP:
            self._wait(
                lambda handle, ns: _rlock_lock_restore_waiting(handle, depth, ns),
                None,
                "RLock._acquire_restore",
            )
        else:
            check(status, "RLock._acquire_restore")

    def _at_fork_reinit(self) -> None:
        """Make it a new, unowned lock (``threading.RLock._at_fork_reinit``)."""
        self._reinit(_new(_rlock_new))

    def __repr__(self) -> str:
        if self._closed:
            return f"<closed allcore.RLock object at {_address(self)}>"
        count = self._recursion_count()
        if count:
            owner = f"owner={threading.get_ident()} count={count}"
            state = "locked"
        elif self.locked():
            owner, state = "owner=another thread", "locked"
        else:
            owner, state = "owner=0 count=0", "unlocked"
        return f"<{state} allcore.RLock object {owner} at {_address(self)}>"


# ------------------------------------------------------------- Condition

_condition_new = function("ac_condition_new")
_condition_free = function("ac_condition_release")
_condition_wait = function("ac_condition_wait")
_condition_wait_rlock = function("ac_condition_wait_rlock")
_condition_notify = function("ac_condition_notify", keep_gil=True)
_condition_notify_all = function("ac_condition_notify_all", keep_gil=True)


class _AnyLock(Protocol):
    def acquire(self, blocking: bool = ..., timeout: float = ...) -> bool: ...

    def release(self) -> None: ...

    def __enter__(self) -> bool: ...

    def __exit__(self, *exc_info: Any) -> bool | None: ...


class Condition(_Native):
    """A condition variable (``threading.Condition``).

    ``lock`` defaults to a new :class:`RLock`, as in ``threading``. Over an
    allcore :class:`Lock` or :class:`RLock` the wait is one native call that
    releases and retakes the lock; any other lock (``threading.Lock``, a
    class of your own) works as with ``threading.Condition``, through its
    ``acquire``/``release`` and, if it has them, ``_release_save``,
    ``_acquire_restore`` and ``_is_owned``. ``wait``, ``notify`` and
    ``notify_all`` raise RuntimeError unless the caller holds the lock.

    ``Condition.from_handle(address, lock)`` adopts a native condition; the
    native code using it must wait with the same lock.
    """

    _kind = "Condition"
    _c_name = "condition"
    _free = _condition_free

    acquire: Callable[..., bool]
    """The lock's ``acquire``."""
    release: Callable[[], None]
    """The lock's ``release``."""

    def __init__(self, lock: _AnyLock | None = None) -> None:
        if lock is None:
            lock = RLock()
        self._lock: Any = lock
        if isinstance(lock, Lock):
            self._native_wait: Any = _condition_wait
            self._inner: Lock | None = None
        elif isinstance(lock, RLock):
            self._native_wait = _condition_wait_rlock
            self._inner = None
        else:
            # Any other lock: the native wait runs over a private allcore
            # lock, taken before the caller's lock is released, which every
            # notify takes too, so a notify never falls between the release
            # and the wait.
            self._native_wait = _condition_wait
            self._inner = Lock()
        self._own(_new(_condition_new))
        self._waiters: list[int] = []
        self.acquire = lock.acquire
        # Looked up on each call (C code, no frame): an allcore lock's
        # release changes when it is closed or reinitialised after fork.
        self.release = functools.partial(operator.methodcaller("release"), lock)
        for name in ("_release_save", "_acquire_restore", "_is_owned"):
            if hasattr(lock, name):
                setattr(self, name, getattr(lock, name))

    if TYPE_CHECKING:

        def __enter__(self) -> bool: ...

        def __exit__(self, *exc_info: object) -> bool | None: ...

    else:
        __enter__ = property(operator.attrgetter("_lock.__enter__"))
        __exit__ = property(operator.attrgetter("_lock.__exit__"))

    def _release_save(self) -> Any:
        self._lock.release()
        return None

    def _acquire_restore(self, state: Any) -> None:
        self._lock.acquire()

    def _is_owned(self) -> bool:
        # As threading: a lock we can take is a lock we did not hold.
        if self._lock.acquire(False):
            self._lock.release()
            return False
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Release the lock, wait for a notify or ``timeout`` seconds, retake it.

        Returns True if notified, False on timeout.
        """
        seconds = _optional_timeout(timeout)
        self._handle_now()
        if self._inner is not None:
            return self._wait_over_any_lock(seconds)
        if seconds == 0:
            # Native wait 0 returns at once without unlocking; threading
            # would release and retake the lock, which nobody can observe.
            if not self._is_owned():
                raise RuntimeError("cannot wait on un-acquired lock")
            return False
        return self._wait_over(self._lock, seconds)

    def _wait_over(self, lock: Lock | RLock, seconds: float | None) -> bool:
        """The native wait over an allcore lock, in slices."""
        wait = self._native_wait
        lock_handle = lock._enter()
        me = threading.get_ident()
        self._waiters.append(me)
        try:

            def call(handle: Any, ns: int) -> int:
                return int(wait(handle, lock_handle, ns))

            return self._wait(call, seconds, "Condition.wait")
        except NotOwnerError:
            raise RuntimeError("cannot wait on un-acquired lock") from None
        finally:
            self._waiters.remove(me)
            lock._leave()

    def _wait_over_any_lock(self, seconds: float | None) -> bool:
        if not self._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        if seconds == 0:
            return False
        inner = self._inner
        assert inner is not None
        inner.acquire()
        try:
            saved = self._release_save()
        except BaseException:
            inner.release()
            raise
        try:
            return self._wait_over(inner, seconds)
        finally:
            inner.release()
            self._acquire_restore(saved)

    def wait_for(self, predicate: Callable[[], _T], timeout: float | None = None) -> _T:
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

    def notify(self, n: int = 1) -> None:
        """Wake up to ``n`` threads waiting on the condition."""
        handle = self._handle_now()
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        if n > 0:
            self._notify(_condition_notify, handle, min(n, INT64_MAX))

    def notify_all(self) -> None:
        """Wake every thread waiting on the condition."""
        handle = self._handle_now()
        if not self._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        self._notify(_condition_notify_all, handle)

    notifyAll = notify_all

    def _notify(self, function: Any, *args: Any) -> None:
        inner = self._inner
        if inner is None:
            status = function(*args)
        else:
            with inner:
                status = function(*args)
        if status:
            raise error_for(status, "Condition.notify")

    def _at_fork_reinit(self) -> None:
        """Reinitialise the lock and forget the waiters of the parent process."""
        if hasattr(self._lock, "_at_fork_reinit"):
            self._lock._at_fork_reinit()
        if self._inner is not None:
            self._inner._at_fork_reinit()
        self._waiters.clear()
        self._reinit(_new(_condition_new))

    def __repr__(self) -> str:
        return f"<allcore.Condition({self._lock!r}, {len(self._waiters)})>"


# ------------------------------------------------------------ Semaphores

_semaphore_new = function("ac_semaphore_new")
_semaphore_new_bounded = function("ac_semaphore_new_bounded")
_semaphore_free = function("ac_semaphore_release")
_semaphore_try_acquire = function(
    "ac_semaphore_try_acquire",
    keep_gil=True,
    restype=_Results(True, "Semaphore.acquire", would_block=(WOULD_BLOCK,)).__getitem__,
    declared=0,
)
_semaphore_acquire_timeout = function("ac_semaphore_acquire_timeout")
_semaphore_release = function("ac_semaphore_post", keep_gil=True, declared=0)
_semaphore_release_n = function("ac_semaphore_post_n", keep_gil=True)
_semaphore_value = function("ac_semaphore_value", keep_gil=True, declared=0)


class Semaphore(_Native):
    """A counting semaphore (``threading.Semaphore``)."""

    _kind = "Semaphore"
    _c_name = "semaphore"
    _free = _semaphore_free
    _fast_names = ("_try", "_entry", "_release_one")
    _bounded = False

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._initial_value = operator.index(value)
        constructor = _semaphore_new_bounded if self._bounded else _semaphore_new
        handle = _new(constructor, self._initial_value)
        self._own(handle)
        self._bind(handle)

    def _bind(self, handle: Any) -> None:
        self._try = functools.partial(_semaphore_try_acquire, handle)
        self._release_one = functools.partial(_semaphore_release, handle)
        self._entry = functools.partial(
            _blocking_entry(_semaphore_try_acquire, self, "Semaphore.acquire"), handle
        )

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        """Take one permit; True if taken, False if non-blocking or timed out."""
        if blocking is True and timeout is None and self._try():
            return True
        if not blocking:
            if timeout is not None:
                raise ValueError("can't specify timeout for non-blocking acquire")
            return bool(self._try())
        seconds = _optional_timeout(timeout)
        if seconds == 0:
            return bool(self._try())
        if seconds is None:
            return self._block()
        return self._wait(_semaphore_acquire_timeout, seconds, "Semaphore.acquire")

    def _block(self) -> bool:
        return self._take_or_wait(_semaphore_acquire_timeout, "Semaphore.acquire")

    if TYPE_CHECKING:

        def __enter__(self) -> bool: ...

    else:
        __enter__ = property(operator.attrgetter("_entry"), doc="acquire() for ``with``.")

    def release(self, n: int = 1) -> None:
        """Give back ``n`` permits, waking waiters."""
        if n == 1:
            status = self._release_one()
        elif n < 1:
            raise ValueError("n must be one or more")
        else:
            status = _semaphore_release_n(self._handle_now(), min(operator.index(n), INT64_MAX))
        if status:
            self._release_failed(status)

    def _release_failed(self, status: int) -> None:
        if status == OVERFLOW:
            if self._bounded:
                raise ValueError("Semaphore released too many times")
            raise OverflowError("Semaphore value would exceed INT64_MAX")
        check(status, "Semaphore.release")

    def __exit__(self, *exc_info: object) -> None:
        status = self._release_one()
        if status:
            self._release_failed(status)

    @property
    def value(self) -> int:
        """The number of permits available now (a snapshot)."""
        return int(self._read(_semaphore_value, ctypes.c_int64, "Semaphore.value"))

    _value = value  # threading's name

    def __repr__(self) -> str:
        name = type(self).__qualname__
        if self._closed:
            return f"<allcore.{name} at {_address(self)}: closed>"
        value = f"value={self.value}"
        if self._bounded:
            value += f"/{self._initial_value}"
        return f"<allcore.{name} at {_address(self)}: {value}>"


class BoundedSemaphore(Semaphore):
    """A semaphore that may not be released above its initial value.

    ``release()`` beyond it raises ValueError("Semaphore released too many
    times"), as ``threading.BoundedSemaphore`` does.
    """

    _kind = "BoundedSemaphore"
    _bounded = True


# ----------------------------------------------------------------- Event

_event_new = function("ac_event_new")
_event_free = function("ac_event_release")
_event_set = function(
    "ac_event_set", keep_gil=True, restype=_Results(None, "Event.set").__getitem__, declared=0
)
_event_clear = function(
    "ac_event_clear", keep_gil=True, restype=_Results(None, "Event.clear").__getitem__, declared=0
)
_event_is_set = function(
    "ac_event_is_set", keep_gil=True, restype=_Results(None, "Event.is_set").__getitem__, declared=0
)
_event_wait = function("ac_event_wait")


class Event(_Native):
    """An event flag (``threading.Event``)."""

    _kind = "Event"
    _c_name = "event"
    _free = _event_free
    _fast_names = ("set", "clear", "_read_flag")

    set: Callable[[], None]
    """Set the flag and wake every waiting thread."""
    clear: Callable[[], None]
    """Clear the flag."""

    def __init__(self) -> None:
        handle = _new(_event_new)
        self._own(handle)
        self._bind(handle)

    def _bind(self, handle: Any) -> None:
        self.set = functools.partial(_event_set, handle)
        self.clear = functools.partial(_event_clear, handle)
        self._read_flag, self._flag = _reader(_event_is_set, handle, ctypes.c_bool)

    def is_set(self) -> bool:
        """Whether the flag is set."""
        self._read_flag()
        return bool(self._flag.value)

    isSet = is_set

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the flag is set or ``timeout`` passes; return True if it was set."""
        seconds = _optional_timeout(timeout)
        if self.is_set():
            return True
        if seconds == 0:
            return False
        return self._wait(_event_wait, seconds, "Event.wait")

    def _at_fork_reinit(self) -> None:
        """Give it a new native event with the same flag (``threading.Event._at_fork_reinit``)."""
        was_set = not self._closed and self.is_set()
        self._reinit(_new(_event_new))
        if was_set:
            self.set()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "set" if self.is_set() else "unset"
        return f"<allcore.Event at {_address(self)}: {state}>"


# --------------------------------------------------------------- Barrier

_barrier_new = function("ac_barrier_new")
_barrier_free = function("ac_barrier_release")
_barrier_wait = function("ac_barrier_wait")
_barrier_abort = function("ac_barrier_abort", keep_gil=True)
_barrier_reset = function("ac_barrier_reset", keep_gil=True)
_barrier_is_broken = function("ac_barrier_is_broken", keep_gil=True, declared=0)
_barrier_n_waiting = function("ac_barrier_n_waiting", keep_gil=True, declared=0)
_barrier_parties = function("ac_barrier_parties", keep_gil=True)


class _BarrierPair(_Native):
    """The native barriers behind a :class:`Barrier`: ``arrive`` and, with an
    action, ``depart`` (None without one)."""

    _kind = "Barrier"
    _c_name = "barrier"

    def __init__(self, parties: int, with_action: bool) -> None:
        self.arrive = _new(_barrier_new, parties)
        adopted = self.arrive is getattr(_adopting, "taken", None)
        self.depart = _new(_barrier_new, parties) if with_action else None
        self._own((self.arrive, self.depart))
        # Either way the handles are released; an adopted one is not aborted.
        self._adopted = adopted

    @staticmethod
    def _free(handles: tuple[Any, Any]) -> None:
        for handle in handles:
            if handle is not None:
                _barrier_free(handle)

    def handles(self) -> list[Any]:
        return [handle for handle in (self.arrive, self.depart) if handle is not None]

    def _wake_for_close(self) -> None:
        # Native barrier waits are not sliced: wake them so they can leave.
        if not self._adopted:
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

    def __init__(
        self,
        parties: int,
        action: Callable[[], object] | None = None,
        timeout: float | None = None,
    ) -> None:
        if parties < 1:
            raise ValueError("parties must be > 0")
        self._parties = operator.index(parties)
        self._action = action
        self._timeout = timeout
        self._native = _BarrierPair(self._parties, action is not None)

    @classmethod
    def from_handle(cls, address: int, timeout: float | None = None) -> Barrier:
        """Adopt a native barrier made elsewhere (by C, Go, or another
        allcore Barrier without action's :attr:`handle`), taking a reference
        of its own; its parties are the native barrier's. It runs no action.
        :meth:`close` then releases this reference only."""
        if not address:
            raise ValueError("a NULL handle")
        parties = ctypes.c_int64()
        check(_barrier_parties(operator.index(address), ctypes.byref(parties)), "from_handle")
        barrier = cls.__new__(cls)
        barrier._parties = parties.value
        barrier._action = None
        barrier._timeout = timeout
        barrier._native = _BarrierPair.from_handle(address, parties.value, False)
        return barrier

    @property
    def _as_parameter_(self) -> Any:
        """The native handle (``ac_barrier *``), for a barrier without action."""
        return _P(self.handle)

    @property
    def handle(self) -> int:
        """The native barrier's address, for a barrier without action (one
        with an action is two native barriers and has no single handle)."""
        native = self._native
        if native.depart is not None:
            raise TypeError("a Barrier with an action has no single native handle")
        handle: int = native._handle_now()[0].value
        return handle

    def close(self) -> None:
        """Close the native barrier (an adopted one: release it); waiting
        threads raise :class:`~allcore.ClosedError`."""
        self._native.close()

    @property
    def closed(self) -> bool:
        return self._native.closed

    @property
    def parties(self) -> int:
        """The number of threads the barrier waits for."""
        return self._parties

    def _query(self, getter: Any, ctype: Any, what: str) -> list[Any]:
        native = self._native
        handles = native._enter()
        try:
            values = []
            for handle in handles:
                if handle is not None:
                    value = ctype()
                    check(getter(handle, ctypes.byref(value)), what)
                    values.append(value.value)
            return values
        finally:
            native._leave()

    @property
    def n_waiting(self) -> int:
        """How many threads are waiting now."""
        return sum(self._query(_barrier_n_waiting, ctypes.c_int64, "Barrier.n_waiting"))

    @property
    def broken(self) -> bool:
        """Whether the barrier is broken (until :meth:`reset`)."""
        return any(self._query(_barrier_is_broken, ctypes.c_bool, "Barrier.broken"))

    def abort(self) -> None:
        """Break the barrier: current and later waits raise BrokenBarrierError.

        It stays broken until :meth:`reset`.
        """
        handles = self._native._enter()
        try:
            for handle in handles:
                if handle is not None:
                    check(_barrier_abort(handle), "Barrier.abort")
        finally:
            self._native._leave()

    def reset(self) -> None:
        """Return the barrier to its empty state; current waiters raise BrokenBarrierError."""
        handles = self._native._enter()
        try:
            for handle in handles:
                if handle is not None:
                    check(_barrier_reset(handle), "Barrier.reset")
        finally:
            self._native._leave()

    def wait(self, timeout: float | None = None) -> int:
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
                    self._action()  # type: ignore[misc]  # set: handles[1] exists
                except BaseException:
                    self._abort_handles(handles)
                    raise
            self._native_wait(handles[1], deadline)
            return index
        finally:
            native._leave()

    @staticmethod
    def _abort_handles(handles: Any) -> None:
        for handle in handles:
            if handle is not None:
                _barrier_abort(handle)

    def _native_wait(self, handle: Any, deadline: float | None) -> int:
        ns = -1 if deadline is None else seconds_to_ns(deadline - time.monotonic())
        index = ctypes.c_int64(-1)
        if threading.current_thread() is threading.main_thread() and ns != 0:
            status = self._wait_on_helper(handle, ns, index)
        else:
            status = _barrier_wait(handle, ns, ctypes.byref(index))
        if status == OK:
            if self._native.closed:
                raise_closed("Barrier")
            return index.value
        if status in (TIMEOUT, WOULD_BLOCK, _BROKEN):
            if self._native.closed:
                raise_closed("Barrier")
            if status != _BROKEN:
                # This thread's timeout broke one phase: break the other too,
                # so that the barrier as a whole reads as broken.
                self._abort_handles(self._native._handle)
            raise BrokenBarrierError
        raise error_for(status, "Barrier.wait")

    def _wait_on_helper(self, handle: Any, ns: int, index: Any) -> int:
        """Run the unsliceable native wait on a helper thread so that the
        main thread stays interruptible; an interrupt aborts the barrier."""
        result: list[int] = []
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

    def __repr__(self) -> str:
        if self.closed:
            return f"<allcore.Barrier at {_address(self)}: closed>"
        if self.broken:
            return f"<allcore.Barrier at {_address(self)}: broken>"
        return f"<allcore.Barrier at {_address(self)}: waiters={self.n_waiting}/{self.parties}>"


# ---------------------------------------------------------------- RWLock

_rwlock_new = function("ac_rwlock_new")
_rwlock_free = function("ac_rwlock_release")
_rwlock_try_read = function(
    "ac_rwlock_try_read_lock",
    keep_gil=True,
    restype=_Results(True, "RWLock.acquire_read", would_block=(WOULD_BLOCK,)).__getitem__,
)
_rwlock_try_write = function(
    "ac_rwlock_try_write_lock",
    keep_gil=True,
    restype=_Results(True, "RWLock.acquire_write", would_block=(WOULD_BLOCK,)).__getitem__,
)
_rwlock_read_timeout = function("ac_rwlock_read_lock_timeout")
_rwlock_write_timeout = function("ac_rwlock_write_lock_timeout")
_rwlock_read_unlock = function(
    "ac_rwlock_read_unlock",
    keep_gil=True,
    restype=_Results(None, "RWLock.release_read", not_owner="release unlocked lock").__getitem__,
)
_rwlock_write_unlock = function(
    "ac_rwlock_write_unlock",
    keep_gil=True,
    restype=_Results(None, "RWLock.release_write", not_owner="release unlocked lock").__getitem__,
)


class _RWSide:
    """``with rw.read():`` / ``with rw.write():``."""

    __slots__ = ("acquire", "release")

    def __init__(self, acquire: Callable[[], bool], release: Callable[[], None]) -> None:
        self.acquire = acquire
        self.release = release

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
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
    _c_name = "rwlock"
    _free = _rwlock_free
    _fast_names = ("release_read", "release_write", "_try_read", "_try_write")

    def __init__(self) -> None:
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

    def acquire_read(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Lock for reading; True if locked (see :meth:`Lock.acquire`)."""
        if blocking is True and timeout == -1 and self._try_read():
            return True
        seconds = _lock_timeout(blocking, timeout)
        if seconds == 0:
            return bool(self._try_read())
        return self._wait(_rwlock_read_timeout, seconds, "RWLock.acquire_read")

    def acquire_write(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Lock for writing; True if locked (see :meth:`Lock.acquire`)."""
        if blocking is True and timeout == -1 and self._try_write():
            return True
        seconds = _lock_timeout(blocking, timeout)
        if seconds == 0:
            return bool(self._try_write())
        return self._wait(_rwlock_write_timeout, seconds, "RWLock.acquire_write")

    def read(self) -> _RWSide:
        """A context manager holding the lock for reading."""
        return self._reader

    def write(self) -> _RWSide:
        """A context manager holding the lock for writing."""
        return self._writer


def _call_attribute(obj: object, name: str) -> Any:
    return getattr(obj, name)()


# ----------------------------------------------------------------- Latch

_latch_new = function("ac_latch_new")
_latch_free = function("ac_latch_release")
_latch_count_down = function("ac_latch_count_down", keep_gil=True)
_latch_wait = function("ac_latch_wait")
_latch_count = function("ac_latch_count", keep_gil=True, declared=0)


class CountDownLatch(_Native):
    """A latch that opens once :meth:`count_down` has been called ``count`` times.

    Waiters block until the count reaches zero; it never goes back up.
    """

    _kind = "CountDownLatch"
    _c_name = "latch"
    _free = _latch_free

    def __init__(self, count: int) -> None:
        if count < 0:
            raise ValueError("count must be >= 0")
        self._own(_new(_latch_new, operator.index(count)))

    def count_down(self, n: int = 1) -> None:
        """Lower the count by ``n`` (>= 1), stopping at zero."""
        if n < 1:
            raise ValueError("n must be one or more")
        check(
            _latch_count_down(self._handle_now(), min(operator.index(n), INT64_MAX)), "count_down"
        )

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the count is zero or ``timeout`` passes; True if it is zero."""
        seconds = _optional_timeout(timeout)
        if seconds == 0:
            return self.count == 0
        return self._wait(_latch_wait, seconds, "CountDownLatch.wait")

    @property
    def count(self) -> int:
        """The count now."""
        return int(self._read(_latch_count, ctypes.c_int64, "CountDownLatch.count"))

    def _state(self) -> str:
        return f"count={self.count}"


# --------------------------------------------------------------- Counter

_counter_new = function("ac_counter_new")
_counter_free = function("ac_counter_release")
_counter_add = function("ac_counter_add", keep_gil=True)
_counter_load = function("ac_counter_load", keep_gil=True, declared=0)
_counter_store = function("ac_counter_store", keep_gil=True)
_counter_compare_exchange = function("ac_counter_compare_exchange", keep_gil=True)


def _int64(value: int, what: str) -> int:
    value = operator.index(value)
    if not _INT64_MIN <= value <= INT64_MAX:
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
    _c_name = "counter"
    _free = _counter_free

    def __init__(self, value: int = 0) -> None:
        self._own(_new(_counter_new, _int64(value, "value")))

    def add(self, delta: int = 1) -> int:
        """Add ``delta`` (may be negative) and return the new value."""
        out = ctypes.c_int64()
        status = _counter_add(self._handle_now(), _int64(delta, "delta"), ctypes.byref(out))
        if status == OVERFLOW:
            raise OverflowError("the counter would leave the int64 range")
        check(status, "AtomicCounter.add")
        return out.value

    def load(self) -> int:
        """The current value."""
        return int(self._read(_counter_load, ctypes.c_int64, "AtomicCounter.load"))

    value = property(load, doc="The current value.")

    def store(self, value: int) -> None:
        """Replace the value."""
        check(_counter_store(self._handle_now(), _int64(value, "value")), "AtomicCounter.store")

    def compare_exchange(self, expected: int, desired: int) -> bool:
        """Set the value to ``desired`` if it is ``expected``; True if it was swapped."""
        previous = ctypes.c_int64()
        expected = _int64(expected, "expected")
        status = _counter_compare_exchange(
            self._handle_now(), expected, _int64(desired, "desired"), ctypes.byref(previous)
        )
        check(status, "AtomicCounter.compare_exchange")
        return previous.value == expected

    def __int__(self) -> int:
        return self.load()

    __index__ = __int__

    def _state(self) -> str:
        return f"value={self.load()}"


# -------------------------------------------------------------- lock_all


@contextlib.contextmanager
def lock_all(*locks: Lock, timeout: float | None = None) -> Iterator[None]:
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
    entered: list[Lock] = []
    try:
        for lock in locks:
            lock._enter()
            entered.append(lock)
        array = (_P * len(locks))(*(lock._handle for lock in locks))
        count = len(locks)

        if not _wait_all(locks, array, count, seconds):
            raise error_for(TIMEOUT, "lock_all", "the timeout passed before every lock was free")
        try:
            yield
        finally:
            check(_mutex_unlock_all(array, count), "lock_all (unlock)")
    finally:
        for lock in entered:
            lock._leave()


def _wait_all(locks: tuple[Lock, ...], array: Any, count: int, seconds: float | None) -> bool:
    """``ac_mutex_lock_all`` as every other wait is made (all or nothing, so
    giving up after a slice leaves nothing locked)."""
    for ns in wait_slices(seconds):
        status = _mutex_lock_all(array, count, ns)
        if status == OK:
            return True
        if status not in GAVE_UP:
            raise error_for(status, "lock_all")
        for lock in locks:
            if lock.closed:
                raise_closed("Lock")
    return False
