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
- A wait never makes one unbounded foreign call. It waits natively in slices
  of at most ``_SLICE`` seconds and, between slices, the interpreter runs
  signal handlers, so Ctrl-C interrupts any wait in the main thread. The one
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

Lifetime: ``close()`` frees the native object (calling it again does
nothing); using the object afterwards raises :class:`~allcore.ClosedError`.
The garbage collector frees objects nobody closed. Threads waiting on an
object that is closed get :class:`~allcore.ClosedError` within one slice; the
native object is freed when the last of them has left, so no call can ever
touch freed memory. Closing an object while another thread is *starting* a
call on it (rather than waiting in one) is a bug in the caller, as it is
with ``pthread_mutex_destroy``.

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
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

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

# How many times a blocking acquire without a timeout yields the GIL and tries
# again before it waits natively (see _Native._take_or_wait).
_GIL_YIELDS = 3

_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)

_T = TypeVar("_T")


# --------------------------------------------------------------- plumbing


class _Results(dict):  # type: ignore[type-arg]
    """Turns an ``ac_status`` into a call's result without a Python frame.

    Used as a foreign function's ``restype`` (its bound ``__getitem__``):
    statuses present in the dict (``AC_OK``) map to the result at C speed;
    any other status reaches :meth:`__missing__`, which returns ``False`` for
    ``would_block`` statuses and raises for the rest.
    """

    __slots__ = ("not_owner", "overflow", "what")

    def __init__(
        self,
        ok: object,
        what: str,
        not_owner: str | None = None,
        overflow: BaseException | None = None,
        would_block: tuple[int, ...] = (),
    ) -> None:
        super().__init__({_OK: ok})
        for status in would_block:
            self[status] = False
        self.what = what
        self.not_owner = not_owner
        self.overflow = overflow

    def __missing__(self, status: int) -> object:
        if status == _NOT_OWNER and self.not_owner is not None:
            raise NotOwnerError(self.not_owner, status)
        if status == _OVERFLOW and self.overflow is not None:
            raise self.overflow
        raise error_for(status, self.what)


class _Blocking(dict):  # type: ignore[type-arg]
    """The ``restype`` of one object's frame-free blocking entry.

    ``AC_OK`` maps to True at C speed; ``AC_WOULD_BLOCK`` (the try failed)
    reaches :meth:`__missing__`, which waits with the owner's ``_block()``
    (in slices, the GIL released). It refers to its owner weakly, so that the
    owner is freed by reference counting, with no cycle.
    """

    __slots__ = ("owner", "what")

    def __init__(self, owner: object, what: str) -> None:
        super().__init__({_OK: True})
        self.owner = weakref.ref(owner)
        self.what = what

    def __missing__(self, status: int) -> object:
        owner = self.owner()
        if status == _WOULD_BLOCK and owner is not None:
            return owner._block()  # type: ignore[attr-defined]
        raise error_for(status, self.what)


def _function(name: str, restype: Any, *argtypes: Any) -> Any:
    """A private ctypes function object for ``name`` (others keep theirs).

    Calls through it release the GIL: use it for calls that may block or run long.
    """
    function = library[name]
    function.restype = restype
    function.argtypes = argtypes
    return function


def _disposer(kind: str) -> Callable[[Any], None]:
    """What giving up a handle of ``ac_<kind>`` does: release Python's
    reference. Python's own waiters have left by then (they wait in slices
    and see :meth:`_Native.close`); C or Go code holding references of its
    own keeps the object."""
    release: Callable[[Any], None] = _function(f"ac_{kind}_release", None, _P)
    return release


def _quick_function(name: str, restype: Any, *argtypes: Any) -> Any:
    """As :func:`_function`, for a call that never blocks: it keeps the GIL."""
    function = quick_library[name]
    function.restype = restype
    function.argtypes = argtypes
    return function


def _handle_function(name: str, restype: Any) -> Any:
    """As :func:`_quick_function`, for a hot call made only with ready ctypes
    objects (the handle, ``byref`` out-parameters).

    It declares no ``argtypes``: ctypes then passes ctypes objects as they are
    and skips a ``from_param`` conversion per argument, a large part of such a
    call's price. It is only ever called through a partial or a method that
    passes the object's ``c_void_p`` handle (and ``byref`` pointers).
    """
    function = quick_library[name]
    function.restype = restype
    return function


def _reader(function: Any, handle: Any, ctype: Any) -> tuple[Any, Any]:
    """A frame-free ``function(handle, &out)`` and its ``out``, kept per object.

    Threads may share ``out``: each call writes the value it read and the
    caller reads ``out`` before its own call returns, so whatever it reads
    was true during that call.
    """
    out = ctype()
    return functools.partial(function, handle, ctypes.byref(out)), out


def _blocking_entry(function: Any, owner: object, what: str) -> Any:
    """A copy of the quick try-call ``function`` (same C function) whose
    result is True when it succeeded and otherwise waits for ``owner``: the
    frame-free body of ``owner.__enter__``."""
    entry = type(function)(ctypes.cast(function, ctypes.c_void_p).value)
    entry.restype = _Blocking(owner, what).__getitem__
    return entry


_P = ctypes.c_void_p
_I64 = ctypes.c_int64
_status = ctypes.c_int32


def _raise_closed(kind: str, *args: object, **kwargs: object) -> Any:
    raise ClosedError(f"this allcore {kind} is closed", _CLOSED)


def _check(status: int, what: str) -> None:
    if status:
        raise error_for(status, what)


def _seconds_to_ns(seconds: float) -> int:
    return min(_INT64_MAX, max(0, math.ceil(seconds * 1e9)))


class _Native:
    """Owns one native handle: close, finalizer, and guarded slow-path use."""

    _kind = "object"
    # The C name of the object (``mutex`` for ac_mutex), for from_handle.
    _c_name: ClassVar[str] = ""
    _free: ClassVar[Any] = None
    _fast_names: ClassVar[tuple[str, ...]] = ()
    _handle: Any

    def _own(self, handle: Any) -> None:
        self._handle = handle
        self._guard = threading.Lock()
        self._users = 0
        self._closed = False
        # An adopted handle is only released: its other owners keep using it.
        release = getattr(_adopting, "release", None)
        _adopting.release = None
        self._finalizer = weakref.finalize(self, release or type(self)._free, handle)

    @classmethod
    def from_handle(cls, address: int, *args: Any, **kwargs: Any) -> Any:
        """Adopt a native object made elsewhere (by C, Go, or another allcore
        object's :attr:`handle`), taking a reference of its own.

        ``args`` are the constructor's, where it needs some. :meth:`close`
        then releases this reference only; the object stays open for its
        other owners.
        """
        if not cls._c_name:
            raise TypeError(f"{cls.__name__} cannot adopt a handle")
        if not address:
            raise ValueError("a NULL handle")
        retain = _function(f"ac_{cls._c_name}_retain", _P, _P)
        handle = _P(retain(operator.index(address)))
        _adopting.handle = handle
        _adopting.release = _function(f"ac_{cls._c_name}_release", None, _P)
        try:
            return cls(*args, **kwargs)
        finally:
            _adopting.handle = None
            _adopting.release = None

    def close(self) -> None:
        """Release Python's reference to the native object. Calling it again
        does nothing.

        Threads waiting on it raise :class:`~allcore.ClosedError` within one
        wait slice; the reference is released when the last of them has
        left. C or Go code holding references of its own keeps the object.
        """
        with self._guard:
            if self._closed:
                return
            self._closed = True
            self._disarm()
            if self._users == 0:
                self._finalizer()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def _as_parameter_(self) -> Any:
        """The native handle, so the object passes straight to a ctypes
        function taking an ``ac_<object> *``."""
        return self._handle_now()

    @property
    def handle(self) -> int:
        """The native handle's address, to hand the object to C or Go in this
        process; it stays valid while this object is open, and a receiver
        that keeps it longer takes a reference with ``ac_<object>_retain``."""
        handle: int = self._handle_now().value
        return handle

    def _disarm(self) -> None:
        """Replace the frame-free fast callables with ones that raise."""
        closed = functools.partial(_raise_closed, self._kind)
        for name in self._fast_names:
            setattr(self, name, closed)
        self._wake_for_close()

    def _wake_for_close(self) -> None:
        """Wake native waiters that do not wait in slices (the barrier)."""

    def _bind(self, handle: Any) -> None:
        """Set the frame-free callables (the ``_fast_names``) over ``handle``."""

    def _reinit(self, handle: Any) -> None:
        """Adopt a new native object in place of the old one, in a child
        process after ``fork``: only the calling thread exists there, so the
        guard and the count of users start again, and the old object is left
        allocated (threads of the parent may have been parked on it)."""
        if self._closed:
            return
        self._finalizer.detach()
        self._own(handle)
        self._bind(handle)

    def _enter(self) -> Any:
        """The handle, counted as in use until :meth:`_leave`."""
        with self._guard:
            if self._closed:
                _raise_closed(self._kind)
            self._users += 1
        return self._handle

    def _leave(self) -> None:
        with self._guard:
            self._users -= 1
            if self._closed and self._users == 0:
                self._finalizer()

    def _handle_now(self) -> Any:
        """The handle for a call that never blocks."""
        if self._closed:
            _raise_closed(self._kind)
        return self._handle

    def _wait(self, call: Callable[[Any, int], int], timeout: float | None, what: str) -> bool:
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

    def _take_or_wait(self, wait: Callable[[Any, int], int], what: str) -> bool:
        """Take the object (its ``_try``) for a blocking acquire without a timeout.

        The first tries yield the GIL and try again holding it. Only if they
        fail does the thread wait natively. A native wait takes the lock
        without the GIL, so the thread then holds the lock while it waits for
        the GIL, and the thread running Python finds the lock taken and must
        hand the GIL over: a convoy, where every acquire hands the GIL over.
        Trying only while holding the GIL, as in the first tries, avoids it.
        """
        for _ in range(_GIL_YIELDS):
            time.sleep(0)
            if self._try():  # type: ignore[attr-defined]
                return True
        return self._wait(wait, None, what)

    def _read(self, getter: Any, ctype: Any, what: str) -> Any:
        value = ctype()
        _check(getter(self._handle_now(), ctypes.byref(value)), what)
        return value.value

    def __repr__(self) -> str:
        state = "closed" if self._closed else self._state()
        return f"<allcore.{type(self).__qualname__} {state} at {id(self):#x}>"

    def _state(self) -> str:
        return "open"


# A handle being adopted by ``from_handle`` on this thread: the constructor
# it calls takes it instead of creating a native object.
_adopting = threading.local()


def _new(constructor: Any, *args: Any) -> Any:
    adopted = getattr(_adopting, "handle", None)
    if adopted is not None:
        _adopting.handle = None
        return adopted
    handle = _P()
    _check(constructor(*args, ctypes.byref(handle)), constructor.__name__)
    return handle


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

_mutex_new = _function("ac_mutex_new", _status, _P)
_mutex_free = _disposer("mutex")
_mutex_try_lock = _handle_function(
    "ac_mutex_try_lock", _Results(True, "Lock.acquire", would_block=(_WOULD_BLOCK,)).__getitem__
)
# The same call returning the bare status, for acquire()'s first try.
_mutex_try_lock_status = _handle_function("ac_mutex_try_lock", _status)
_mutex_lock_timeout = _function("ac_mutex_lock_timeout", _status, _P, _I64)
_mutex_unlock = _handle_function(
    "ac_mutex_unlock",
    _Results(None, "Lock.release", not_owner="release unlocked lock").__getitem__,
)
_mutex_is_locked = _handle_function("ac_mutex_is_locked", _Results(None, "Lock.locked").__getitem__)
_mutex_lock_all = _function("ac_mutex_lock_all", _status, _P, ctypes.c_size_t, _I64)
_mutex_unlock_all = _quick_function("ac_mutex_unlock_all", _status, _P, ctypes.c_size_t)


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

_rlock_new = _function("ac_rlock_new", _status, _P)
_rlock_free = _disposer("rlock")
_rlock_try_lock = _handle_function(
    "ac_rlock_try_lock",
    _Results(True, "RLock.acquire", would_block=(_WOULD_BLOCK,)).__getitem__,
)
_rlock_try_lock_status = _handle_function("ac_rlock_try_lock", _status)
_rlock_lock_timeout = _function("ac_rlock_lock_timeout", _status, _P, _I64)
_rlock_unlock = _handle_function(
    "ac_rlock_unlock",
    _Results(None, "RLock.release", not_owner="cannot release un-acquired lock").__getitem__,
)
_rlock_is_owned = _handle_function(
    "ac_rlock_is_owned", _Results(None, "RLock._is_owned").__getitem__
)
_rlock_is_locked = _handle_function("ac_rlock_is_locked", _status)
_rlock_count = _handle_function("ac_rlock_count", _status)
_rlock_unlock_save = _handle_function(
    "ac_rlock_unlock_save",
    _Results(None, "RLock._release_save", not_owner="cannot release un-acquired lock").__getitem__,
)
_rlock_lock_restore = _quick_function("ac_rlock_lock_restore", _status, _P, _I64, _I64)
_rlock_lock_restore_waiting = _function("ac_rlock_lock_restore", _status, _P, _I64, _I64)


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
        if status in _GAVE_UP:
            self._wait(
                lambda handle, ns: _rlock_lock_restore_waiting(handle, depth, ns),
                None,
                "RLock._acquire_restore",
            )
        else:
            _check(status, "RLock._acquire_restore")

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

_condition_new = _function("ac_condition_new", _status, _P)
_condition_free = _disposer("condition")
_condition_wait = _function("ac_condition_wait", _status, _P, _P, _I64)
_condition_wait_rlock = _function("ac_condition_wait_rlock", _status, _P, _P, _I64)
_condition_notify = _quick_function("ac_condition_notify", _status, _P, _I64)
_condition_notify_all = _quick_function("ac_condition_notify_all", _status, _P)


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
    """

    _kind = "Condition"
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
            self._notify(_condition_notify, handle, min(n, _INT64_MAX))

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

_semaphore_new = _function("ac_semaphore_new", _status, _I64, _P)
_semaphore_new_bounded = _function("ac_semaphore_new_bounded", _status, _I64, _P)
_semaphore_free = _disposer("semaphore")
_semaphore_try_acquire = _handle_function(
    "ac_semaphore_try_acquire",
    _Results(True, "Semaphore.acquire", would_block=(_WOULD_BLOCK,)).__getitem__,
)
_semaphore_acquire_timeout = _function("ac_semaphore_acquire_timeout", _status, _P, _I64)
_semaphore_release = _handle_function("ac_semaphore_post", _status)
_semaphore_release_n = _quick_function("ac_semaphore_post_n", _status, _P, _I64)
_semaphore_value = _handle_function("ac_semaphore_value", _status)


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
            status = _semaphore_release_n(self._handle_now(), min(operator.index(n), _INT64_MAX))
        if status:
            self._release_failed(status)

    def _release_failed(self, status: int) -> None:
        if status == _OVERFLOW:
            if self._bounded:
                raise ValueError("Semaphore released too many times")
            raise OverflowError("Semaphore value would exceed INT64_MAX")
        _check(status, "Semaphore.release")

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

_event_new = _function("ac_event_new", _status, _P)
_event_free = _disposer("event")
_event_set = _handle_function("ac_event_set", _Results(None, "Event.set").__getitem__)
_event_clear = _handle_function("ac_event_clear", _Results(None, "Event.clear").__getitem__)
_event_is_set = _handle_function("ac_event_is_set", _Results(None, "Event.is_set").__getitem__)
_event_wait = _function("ac_event_wait", _status, _P, _I64)


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

_barrier_new = _function("ac_barrier_new", _status, _I64, _P)
_barrier_free = _disposer("barrier")
_barrier_wait = _function("ac_barrier_wait", _status, _P, _I64, _P)
_barrier_abort = _quick_function("ac_barrier_abort", _status, _P)
_barrier_reset = _quick_function("ac_barrier_reset", _status, _P)
_barrier_is_broken = _handle_function("ac_barrier_is_broken", _status)
_barrier_n_waiting = _handle_function("ac_barrier_n_waiting", _status)


class _BarrierPair(_Native):
    """The native barriers behind a :class:`Barrier`: ``arrive`` and, with an
    action, ``depart`` (None without one)."""

    _kind = "Barrier"

    def __init__(self, parties: int, with_action: bool) -> None:
        self.arrive = _new(_barrier_new, parties)
        self.depart = _new(_barrier_new, parties) if with_action else None
        self._own((self.arrive, self.depart))

    @staticmethod
    def _free(handles: tuple[Any, Any]) -> None:
        for handle in handles:
            if handle is not None:
                _barrier_free(handle)

    def handles(self) -> list[Any]:
        return [handle for handle in (self.arrive, self.depart) if handle is not None]

    def _wake_for_close(self) -> None:
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

    def close(self) -> None:
        """Free the native barrier; waiting threads raise :class:`~allcore.ClosedError`."""
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
                    _check(getter(handle, ctypes.byref(value)), what)
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
                    _check(_barrier_abort(handle), "Barrier.abort")
        finally:
            self._native._leave()

    def reset(self) -> None:
        """Return the barrier to its empty state; current waiters raise BrokenBarrierError."""
        handles = self._native._enter()
        try:
            for handle in handles:
                if handle is not None:
                    _check(_barrier_reset(handle), "Barrier.reset")
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

_rwlock_new = _function("ac_rwlock_new", _status, _P)
_rwlock_free = _disposer("rwlock")
_rwlock_try_read = _quick_function(
    "ac_rwlock_try_read_lock",
    _Results(True, "RWLock.acquire_read", would_block=(_WOULD_BLOCK,)).__getitem__,
    _P,
)
_rwlock_try_write = _quick_function(
    "ac_rwlock_try_write_lock",
    _Results(True, "RWLock.acquire_write", would_block=(_WOULD_BLOCK,)).__getitem__,
    _P,
)
_rwlock_read_timeout = _function("ac_rwlock_read_lock_timeout", _status, _P, _I64)
_rwlock_write_timeout = _function("ac_rwlock_write_lock_timeout", _status, _P, _I64)
_rwlock_read_unlock = _quick_function(
    "ac_rwlock_read_unlock",
    _Results(None, "RWLock.release_read", not_owner="release unlocked lock").__getitem__,
    _P,
)
_rwlock_write_unlock = _quick_function(
    "ac_rwlock_write_unlock",
    _Results(None, "RWLock.release_write", not_owner="release unlocked lock").__getitem__,
    _P,
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

_latch_new = _function("ac_latch_new", _status, _I64, _P)
_latch_free = _disposer("latch")
_latch_count_down = _quick_function("ac_latch_count_down", _status, _P, _I64)
_latch_wait = _function("ac_latch_wait", _status, _P, _I64)
_latch_count = _handle_function("ac_latch_count", _status)


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
        _check(
            _latch_count_down(self._handle_now(), min(operator.index(n), _INT64_MAX)), "count_down"
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

_counter_new = _function("ac_counter_new", _status, _I64, _P)
_counter_free = _disposer("counter")
_counter_add = _quick_function("ac_counter_add", _status, _P, _I64, _P)
_counter_load = _handle_function("ac_counter_load", _status)
_counter_store = _quick_function("ac_counter_store", _status, _P, _I64)
_counter_compare_exchange = _quick_function(
    "ac_counter_compare_exchange", _status, _P, _I64, _I64, _P
)


def _int64(value: int, what: str) -> int:
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
    _c_name = "counter"
    _free = _counter_free

    def __init__(self, value: int = 0) -> None:
        self._own(_new(_counter_new, _int64(value, "value")))

    def add(self, delta: int = 1) -> int:
        """Add ``delta`` (may be negative) and return the new value."""
        out = ctypes.c_int64()
        status = _counter_add(self._handle_now(), _int64(delta, "delta"), ctypes.byref(out))
        if status == _OVERFLOW:
            raise OverflowError("the counter would leave the int64 range")
        _check(status, "AtomicCounter.add")
        return out.value

    def load(self) -> int:
        """The current value."""
        return int(self._read(_counter_load, ctypes.c_int64, "AtomicCounter.load"))

    value = property(load, doc="The current value.")

    def store(self, value: int) -> None:
        """Replace the value."""
        _check(_counter_store(self._handle_now(), _int64(value, "value")), "AtomicCounter.store")

    def compare_exchange(self, expected: int, desired: int) -> bool:
        """Set the value to ``desired`` if it is ``expected``; True if it was swapped."""
        previous = ctypes.c_int64()
        expected = _int64(expected, "expected")
        status = _counter_compare_exchange(
            self._handle_now(), expected, _int64(desired, "desired"), ctypes.byref(previous)
        )
        _check(status, "AtomicCounter.compare_exchange")
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
            raise error_for(_TIMEOUT, "lock_all", "the timeout passed before every lock was free")
        try:
            yield
        finally:
            _check(_mutex_unlock_all(array, count), "lock_all (unlock)")
    finally:
        for lock in entered:
            lock._leave()


def _wait_all(locks: tuple[Lock, ...], array: Any, count: int, seconds: float | None) -> bool:
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
