"""What every module of the binding shares: the foreign functions, made from
the header's prototypes, the frame-free result conversions, the one way a
wait is made, and :class:`_Native`, the owner of a native handle.

How calls are made, as ``threading`` uses the GIL:

- :func:`function` gives a private function object for any ``ac_*`` name,
  with the prototype ``_ffi`` generated from the header (restype and
  argtypes), so no module restates one. Calls through ``library``
  (``ctypes.CDLL``) release the GIL: every call that may block or runs long.
  With ``keep_gil``, through ``quick_library`` (``ctypes.PyDLL``): calls that
  cannot block and take nanoseconds (try-acquire, release, try-put/get,
  getters), so that they do not hand the GIL to another thread.
- A hot call may convert only its first ``declared`` arguments (the rest
  passed as ready ctypes objects or C ints): ctypes' ``from_param``
  conversion is most of a short call's price.
- A wait is cut by :func:`wait_slices`: in the main thread, native waits of
  at most ``SLICE`` seconds, between which signal handlers (Ctrl-C) run; in
  any other thread, one native wait, which ``ac_<object>_close`` (from any
  language) wakes with ``AC_CLOSED``.
"""

from __future__ import annotations

import ctypes
import functools
import math
import operator
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from . import _ffi
from ._errors import ClosedError, NotOwnerError, error_for

# Longest native wait of the main thread, so that signal handlers run at
# least this often.
SLICE = 0.05
SLICE_NS = 50_000_000
FOREVER = int(_ffi.AC_FOREVER)

OK = int(_ffi.AC_OK)
TIMEOUT = int(_ffi.AC_TIMEOUT)
WOULD_BLOCK = int(_ffi.AC_WOULD_BLOCK)
CLOSED = int(_ffi.AC_CLOSED)
NOT_OWNER = int(_ffi.AC_NOT_OWNER)
OVERFLOW = int(_ffi.AC_OVERFLOW)
GAVE_UP = (TIMEOUT, WOULD_BLOCK)

INT64_MAX = 2**63 - 1

# How many times a blocking acquire without a timeout yields the GIL and tries
# again before it waits natively (see _Native._take_or_wait).
_GIL_YIELDS = 3

_P = ctypes.c_void_p
_PROTOTYPE: Any = object()


def function(
    name: str, *, keep_gil: bool = False, restype: Any = _PROTOTYPE, declared: int | None = None
) -> Any:
    """A private function object for ``name`` (other users keep theirs) with
    the header's prototype.

    ``keep_gil`` calls it through ``quick_library`` (PyDLL), for calls that
    cannot block. ``restype`` replaces the prototype's (a frame-free
    conversion such as :class:`_Results`). ``declared`` keeps only the first
    ``declared`` argtypes: the other arguments must then be ready ctypes
    objects or ints that fit a C int where the platform widens them (see
    ``_queue``), and 0 declares none.
    """
    pointer = _ffi.function(name, keep_gil)
    if restype is not _PROTOTYPE:
        pointer.restype = restype
    if declared is not None:
        pointer.argtypes = pointer.argtypes[:declared] or None
    return pointer


@functools.cache
def _closer(c_name: str) -> Any:
    """``ac_<c_name>_close``, which never blocks."""
    return function(f"ac_{c_name}_close", keep_gil=True)


def wait_slices(timeout: float | None) -> Iterator[int]:
    """The native timeouts (ns) of one wait of ``timeout`` seconds (None: no
    limit; <= 0: one try), for a loop that calls the native wait once per
    value and stops early on success. When the values run out, the time is up.

    In the main thread the wait is cut in slices of at most :data:`SLICE`, so
    that signal handlers run between them; the caller checks between slices
    whether Python closed the object. Any other thread waits in one native
    call, which a native close wakes.
    """
    main = threading.current_thread() is threading.main_thread()
    if timeout is None:
        ns = SLICE_NS if main else FOREVER
        while True:
            yield ns
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if main and remaining > SLICE:
            yield SLICE_NS
        else:
            yield seconds_to_ns(remaining)
            return


class _Results(dict):  # type: ignore[type-arg]
    """Turns an ``ac_status`` into a call's result without a Python frame.

    Used as a foreign function's ``restype`` (its bound ``__getitem__``):
    statuses present in the dict (``ACOK``) map to the result at C speed;
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
        super().__init__({OK: ok})
        for status in would_block:
            self[status] = False
        self.what = what
        self.not_owner = not_owner
        self.overflow = overflow

    def __missing__(self, status: int) -> object:
        if status == NOT_OWNER and self.not_owner is not None:
            raise NotOwnerError(self.not_owner, status)
        if status == OVERFLOW and self.overflow is not None:
            raise self.overflow
        raise error_for(status, self.what)


class _Blocking(dict):  # type: ignore[type-arg]
    """The ``restype`` of one object's frame-free blocking entry.

    ``ACOK`` maps to True at C speed; ``ACWOULD_BLOCK`` (the try failed)
    reaches :meth:`__missing__`, which waits with the owner's ``_block()``
    (in slices, the GIL released). It refers to its owner weakly, so that the
    owner is freed by reference counting, with no cycle.
    """

    __slots__ = ("owner", "what")

    def __init__(self, owner: object, what: str) -> None:
        super().__init__({OK: True})
        self.owner = weakref.ref(owner)
        self.what = what

    def __missing__(self, status: int) -> object:
        owner = self.owner()
        if status == WOULD_BLOCK and owner is not None:
            return owner._block()  # type: ignore[attr-defined]
        raise error_for(status, self.what)


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


def raise_closed(kind: str, *args: object, **kwargs: object) -> Any:
    raise ClosedError(f"this allcore {kind} is closed", CLOSED)


def check(status: int, what: str) -> None:
    if status:
        raise error_for(status, what)


def seconds_to_ns(seconds: float) -> int:
    return min(INT64_MAX, max(0, math.ceil(seconds * 1e9)))


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
        self._adopted = handle is getattr(_adopting, "taken", None)
        if self._adopted:
            _adopting.taken = None
            release = function(f"ac_{self._c_name}_release")
        else:
            release = type(self)._free
        self._finalizer = weakref.finalize(self, release, handle)

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
        retain = function(f"ac_{cls._c_name}_retain")
        handle = _P(retain(operator.index(address)))
        _adopting.kind, _adopting.handle = cls._c_name, handle
        try:
            adopted = cls(*args, **kwargs)
        finally:
            taken = getattr(_adopting, "handle", None) is None
            _adopting.kind = _adopting.handle = _adopting.taken = None
            if not taken:
                function(f"ac_{cls._c_name}_release")(handle)
        return adopted

    def close(self) -> None:
        """Close the object and release Python's reference to it. Calling it
        again does nothing.

        An object this binding created is closed natively (``ac_<object>_close``):
        every thread waiting on it, in any language, wakes with
        :class:`~allcore.ClosedError`, and C or Go code holding references of
        its own keeps the memory, but sees it closed. An adopted one
        (:meth:`from_handle`) is only released: its other owners keep using
        it, and Python threads waiting on it leave when their wait ends (or
        within one slice in the main thread). The reference is released when
        the last Python call on the object has returned.
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
        closed = functools.partial(raise_closed, self._kind)
        for name in self._fast_names:
            setattr(self, name, closed)
        self._wake_for_close()

    def _wake_for_close(self) -> None:
        """Close the native object, unless it is adopted, waking its waiters."""
        if self._c_name and not self._adopted:
            _closer(self._c_name)(self._handle)

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
                raise_closed(self._kind)
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
            raise_closed(self._kind)
        return self._handle

    def _wait(self, call: Callable[[Any, int], int], timeout: float | None, what: str) -> bool:
        """Wait with ``call(handle, ns) -> status`` for :func:`wait_slices` of
        ``timeout``. Returns True on ``ACOK``, False when the time is up;
        raises otherwise."""
        handle = self._enter()
        try:
            for ns in wait_slices(timeout):
                status = call(handle, ns)
                if status == OK:
                    return True
                if status not in GAVE_UP:
                    raise error_for(status, what)
                if self._closed:
                    raise_closed(self._kind)
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
        check(getter(self._handle_now(), ctypes.byref(value)), what)
        return value.value

    def __repr__(self) -> str:
        state = "closed" if self._closed else self._state()
        return f"<allcore.{type(self).__qualname__} {state} at {id(self):#x}>"

    def _state(self) -> str:
        return "open"


# A handle being adopted by ``from_handle`` on this thread (``kind``,
# ``handle``): the constructor it calls takes it from ``_new`` instead of
# creating a native object, and ``_own`` then knows it (``taken``).
_adopting = threading.local()


def _new(constructor: Any, *args: Any) -> Any:
    """A new native object from ``constructor(*args, &handle)``, or the handle
    being adopted, if it is of this constructor's kind."""
    adopted = getattr(_adopting, "handle", None)
    if adopted is not None and constructor.__name__.startswith(f"ac_{_adopting.kind}_new"):
        _adopting.handle = None
        _adopting.taken = adopted
        return adopted
    handle = _P()
    check(constructor(*args, ctypes.byref(handle)), constructor.__name__)
    return handle
