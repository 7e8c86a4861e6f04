"""The shared-memory objects behind ``allcore.multiprocessing``."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import itertools
import os
import queue as _stdlib_queue
import secrets
import struct
import threading
import time
import warnings
from collections.abc import Iterable
from multiprocessing import resource_tracker
from multiprocessing.reduction import ForkingPickler
from multiprocessing.util import Finalize as _Finalize
from typing import Any

from .. import _ffi
from .._errors import error_for
from .._plumbing import function
from .._queue import (
    _BARE_INTS,
    _MARK,
    _OBJECT,
    _PREFIX_INT,
    _PREFIX_PICKLE,
    _TAG_INT,
    ShutDown,
    _decode,
    _pack_int64,
    _wire,
)

BrokenBarrierError = threading.BrokenBarrierError
_get_ident = threading.get_ident

_OK = int(_ffi.AC_OK)
_TIMEOUT = int(_ffi.AC_TIMEOUT)
_WOULD_BLOCK = int(_ffi.AC_WOULD_BLOCK)
_CLOSED = int(_ffi.AC_CLOSED)
_BROKEN = int(_ffi.AC_BROKEN)
_NOT_OWNER = int(_ffi.AC_NOT_OWNER)
_OVERFLOW = int(_ffi.AC_OVERFLOW)
_TOO_SMALL = int(_ffi.AC_BUFFER_TOO_SMALL)
_OWNER_DIED = int(_ffi.AC_OWNER_DIED)
_GAVE_UP = (_TIMEOUT, _WOULD_BLOCK)

# Longest native wait, so signal handlers (Ctrl-C) run at least this often.
_SLICE_NS = 50_000_000
# Ring size of a queue when none is given: room for many small items and
# for items up to this size.
_DEFAULT_CAPACITY = 1 << 24
_FIRST_BUFFER = 1 << 16

_P = ctypes.c_void_p
_I64 = ctypes.c_int64
_U32 = ctypes.c_uint32
_U64 = ctypes.c_uint64
_SIZE = ctypes.c_size_t
_BOOL = ctypes.c_bool


def _both(name: str) -> tuple[Any, Any]:
    """``name`` through the GIL-keeping library and the GIL-releasing one."""
    return function(name, keep_gil=True), function(name)


_names = itertools.count()


def _new_name(kind: str) -> str:
    return f"allcore-mp-{kind}-{os.getpid()}-{next(_names)}-{secrets.token_hex(4)}"


def _raise(status: int, what: str) -> None:
    raise error_for(status, what)


def _deadline(block: bool, timeout: float | None) -> float | None:
    """``None`` = forever; else the ``time.monotonic()`` to give up at."""
    if not block:
        return time.monotonic()
    if timeout is None:
        return None
    if timeout < 0:
        raise ValueError("'timeout' must be a non-negative number")
    return time.monotonic() + timeout


def _slice(deadline: float | None) -> int:
    """The next native wait in ns (0 once the deadline has passed)."""
    if deadline is None:
        return _SLICE_NS
    left = deadline - time.monotonic()
    return 0 if left <= 0 else min(_SLICE_NS, int(left * 1e9) + 1)


def _sliced(call: Any, deadline: float | None) -> int:
    """Runs ``call(timeout_ns)`` in slices until it stops giving up or the
    deadline passes; returns the last status."""
    while True:
        slice_ns = _slice(deadline)
        status = call(slice_ns)
        if status not in _GAVE_UP or slice_ns == 0:
            return status
        if deadline is not None and time.monotonic() >= deadline:
            return status


class _Shared:
    """A handle to a named shared-memory object of one kind.

    Subclasses set ``_KIND`` (the ``ac_shm_<kind>`` prefix). ``_handle`` is a
    ready ``c_void_p``; the handle is released when the object is collected,
    which unmaps it in this process (and removes the name once every process
    has done so).
    """

    _KIND = ""
    _handle: ctypes.c_void_p
    _name: str

    def _adopt(self, handle: ctypes.c_void_p, name: str, created: bool = False) -> None:
        self._handle = handle
        self._name = name
        self._pid = os.getpid()
        # multiprocessing's finalizers also run when a child process ends
        # (which skips atexit), so every process drops its use of the name.
        self._finalizer = _Finalize(
            self, _release, (self._KIND, handle, name, created), exitpriority=0
        )
        if created:
            # The safety net for processes that end without finalizers (a
            # SIGKILL, os._exit): multiprocessing's resource tracker removes
            # the name, if it is still there, when the program ends.
            resource_tracker.register(f"/{name}", "shared_memory")

    def _create(self, *args: tuple[Any, Any]) -> None:
        """Creates the object under a fresh name; ``args`` are the
        (ctypes type, value) pairs after the name."""
        name = _new_name(self._KIND)
        create = function(f"ac_shm_{self._KIND}_create", keep_gil=True)
        handle = _P()
        status = create(name.encode(), *[value for _, value in args], ctypes.byref(handle))
        if status != _OK:
            _raise(status, f"cannot create a shared {self._KIND}")
        self._adopt(handle, name, created=True)

    def _open(self, name: str) -> None:
        handle = _P()
        open_ = function(f"ac_shm_{self._KIND}_open", keep_gil=True)
        status = open_(name.encode(), ctypes.byref(handle))
        if status != _OK:
            _raise(status, f"cannot open the shared {self._KIND} {name!r}")
        self._adopt(handle, name)

    @property
    def name(self) -> str:
        """The shared-memory name C (``ac_shm_<kind>_open``) and Go open."""
        return self._name

    def __reduce__(self) -> Any:
        return (_reopen, (type(self), self._name, self._state()))

    def _state(self) -> dict[str, Any]:
        return {}

    def _restore(self, state: dict[str, Any]) -> None:
        pass


_closers: dict[str, Any] = {}


class _Closable(_Shared):
    """A shared object that can be shut down for every process."""

    def shutdown(self) -> None:
        """Closes the object for every process (``ac_shm_<kind>_close``):
        waiters wake with :class:`~allcore.ClosedError`, and so do later
        blocking calls. It frees nothing; each process still drops its own
        use when the object is collected. ``multiprocessing`` has no such
        call; it is allcore's, as :meth:`Queue.shutdown`."""
        close = _closers.get(self._KIND)
        if close is None:
            close = _closers[self._KIND] = function(f"ac_shm_{self._KIND}_close", keep_gil=True)
        status = close(self._handle)
        if status != _OK:
            _raise(status, f"cannot shut down the shared {self._KIND}")


_releases: dict[str, Any] = {}


def _release(kind: str, handle: ctypes.c_void_p, name: str, created: bool) -> None:
    """Drops this process's use of a shared object (the last one removes
    its name) and, for the creator, tells the resource tracker when the name
    is gone."""
    release = _releases.get(kind)
    if release is None:
        release = _releases[kind] = function(f"ac_shm_{kind}_release", keep_gil=True)
    release(handle)
    if created and not os.path.exists(f"/dev/shm/{name}"):
        with contextlib.suppress(Exception):
            resource_tracker.unregister(f"/{name}", "shared_memory")


def _reopen(cls: type[_Shared], name: str, state: dict[str, Any]) -> _Shared:
    """Unpickles a shared object: opens it by name in this process."""
    self = cls.__new__(cls)
    self._open(name)
    self._restore(state)
    return self


# ------------------------------------------------------------------ queues

_q_put, _q_put_wait = _both("ac_shm_queue_put")
_q_get, _q_get_wait = _both("ac_shm_queue_get")
# The hot first tries go without argtypes (no converter call per argument)
# where libffi sign-extends a C int into the 64-bit register a size_t or
# int64_t parameter reads (x86-64 and arm64, not Windows), as allcore.Queue
# does: the handle is a ready c_void_p, the data bytes or a ctypes buffer,
# the length and the timeout 0 small ints, the out-parameter a byref.
if _BARE_INTS:
    _q_try_put = function("ac_shm_queue_put", keep_gil=True, declared=0)
    _q_try_get = function("ac_shm_queue_get", keep_gil=True, declared=0)
else:
    _q_try_put, _q_try_get = _q_put, _q_get


def _pointer(address: int) -> Any:
    """A ready pointer argument to ``address``: ctypes passes a ``byref``
    object as it is, where a ``c_void_p`` or an array costs a conversion."""
    return ctypes.byref(ctypes.c_char.from_address(address))


_q_put_many, _q_put_many_wait = _both("ac_shm_queue_put_many")
_q_get_many, _q_get_many_wait = _both("ac_shm_queue_get_many")
_q_size = function("ac_shm_queue_size", keep_gil=True)
_q_close = function("ac_shm_queue_close", keep_gil=True)
_q_closed = function("ac_shm_queue_is_closed", keep_gil=True)
_q_max_item = function("ac_shm_queue_max_item_size", keep_gil=True)
_q_task_done = function("ac_shm_queue_task_done", keep_gil=True)
_q_join = function("ac_shm_queue_join")
_q_unfinished = function("ac_shm_queue_unfinished_tasks", keep_gil=True)


# Bytes of a receive buffer before the message: the length out-parameter,
# so that one unpack reads the length with an int message's tag and value.
_HEAD = 8
_unpack_head = struct.Struct("<QHq").unpack_from
_INT_HEAD = _MARK | _TAG_INT << 8


class _Receiver:
    """One thread's receive state for one queue: a bytearray (the length
    out-parameter in its first ``_HEAD`` bytes, the message after), its
    memoryview, a ctypes view of the message part for the native call, and
    the first try of a get with all of them bound."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.resize(_FIRST_BUFFER)

    def resize(self, size: int) -> None:
        self.array = array = bytearray(_HEAD + size)
        self.view = memoryview(array)
        self.native = (ctypes.c_char * size).from_buffer(array, _HEAD)
        self.length = _SIZE.from_buffer(array)
        self.length_ref = ctypes.byref(self.length)
        self.size = size
        self.try_get = functools.partial(
            _q_try_get, self.handle, ctypes.byref(self.native), size, 0, self.length_ref
        )


_pickle = ForkingPickler.dumps


def _message(item: Any) -> bytes:
    """The queue message for ``item``: the wire format for bytes, str and
    int; a pickle (as ``multiprocessing`` makes it) for anything else."""
    message = _wire(item)
    if message is _OBJECT:
        return _PREFIX_PICKLE + bytes(_pickle(item))
    return message


def _item(receiver: _Receiver, start: int, end: int) -> Any:
    """The item whose message lies at ``[start, end)`` of the message part."""
    array = receiver.array
    start += _HEAD
    end += _HEAD
    if end - start > 1 and array[start] == _MARK:
        return _decode(array, receiver.view, start, end)
    return bytes(receiver.view[start:end])


class Queue(_Shared):
    """A process-shared FIFO queue, as ``multiprocessing.Queue``.

    ``maxsize`` bounds the number of items (0 = as many as the ring holds);
    ``capacity_bytes`` sizes the shared ring (each item takes its message
    length rounded up to 8, plus 8 bytes). ``put`` blocks while it is full.
    """

    _KIND = "queue"

    def __init__(
        self, maxsize: int = 0, *, capacity_bytes: int = _DEFAULT_CAPACITY, ctx: Any = None
    ) -> None:
        if maxsize < 0:
            maxsize = 0
        self._create((_SIZE, capacity_bytes), (_SIZE, maxsize))
        self._maxsize = maxsize
        self._setup()

    def _state(self) -> dict[str, Any]:
        return {"maxsize": self._maxsize}

    def _restore(self, state: dict[str, Any]) -> None:
        self._maxsize = state["maxsize"]
        self._setup()

    def _setup(self) -> None:
        self._closed = False
        handle = self._handle
        pointer = _pointer(handle.value or 0)
        self._try_put = functools.partial(_q_try_put, pointer)
        # Each thread's receiver, by thread id (a dict is quicker to read
        # than a threading.local).
        self._receivers: dict[int, _Receiver] = {}

    def _receiver(self) -> _Receiver:
        """A new receiver for the calling thread; first forgets those of
        threads that ended, once there are several (one still in use is
        only made again)."""
        receivers = self._receivers
        if len(receivers) >= 8:
            living = {thread.ident for thread in threading.enumerate()}
            for ident in list(receivers):
                if ident not in living:
                    receivers.pop(ident, None)
        receiver = receivers[_get_ident()] = _Receiver(self._try_put.args[0])
        return receiver

    def _check(self) -> None:
        if self._closed:
            raise ValueError(f"Queue {self!r} is closed")

    # -- puts

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        """Puts ``obj``, waiting for room (at most ``timeout`` seconds; not
        at all when ``block`` is false): ``queue.Full`` when none comes."""
        if self._closed:
            self._check()
        # _message, with its most common cases inline.
        kind = type(obj)
        if kind is int:
            try:
                data = _pack_int64(_PREFIX_INT, obj)
            except struct.error:
                data = _message(obj)
        elif kind is bytes and (not obj or obj[0] != _MARK):
            data = obj
        else:
            data = _message(obj)
        status = self._try_put(data, len(data), 0)
        if status != _OK:
            self._put_slow(data, status, block, timeout)

    def _put_slow(self, data: bytes, status: int, block: bool, timeout: float | None) -> None:
        if status == _WOULD_BLOCK:
            deadline = _deadline(block, timeout)
            handle = self._handle
            status = _sliced(lambda ns: _q_put_wait(handle, data, len(data), ns), deadline)
        if status == _OK:
            return
        if status in _GAVE_UP:
            raise _stdlib_queue.Full
        if status == _CLOSED:
            raise ShutDown("put to a queue that was shut down")
        _raise(status, "put failed")

    def put_nowait(self, obj: Any) -> None:
        """``put(obj, False)``."""
        self.put(obj, False)

    def put_many(
        self, items: Iterable[Any], block: bool = True, timeout: float | None = None
    ) -> None:
        """Puts every item in order with as few native calls as possible.
        ``queue.Full`` when the room does not come in time; the items before
        stay put."""
        self._check()
        messages = [_message(item) for item in items]
        if not messages:
            return
        data = b"".join(messages)
        lengths = (_SIZE * len(messages))(*map(len, messages))
        put = _SIZE()
        deadline = _deadline(block, timeout)
        handle = self._handle
        offset = done = 0
        while True:
            remaining = len(messages) - done
            status = _q_put_many_wait(
                handle,
                data[offset:] if offset else data,
                ctypes.addressof(lengths) + done * ctypes.sizeof(_SIZE),
                remaining,
                _slice(deadline),
                ctypes.byref(put),
            )
            offset += sum(lengths[done : done + put.value])
            done += put.value
            if status == _OK:
                return
            if status in _GAVE_UP:
                if deadline is not None and time.monotonic() >= deadline:
                    raise _stdlib_queue.Full
                continue
            if status == _CLOSED:
                raise ShutDown("put to a queue that was shut down")
            _raise(status, "put_many failed")

    # -- gets

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """Takes the next item, waiting at most ``timeout`` seconds (not at
        all when ``block`` is false): ``queue.Empty`` when none comes."""
        if self._closed:
            self._check()
        try:
            receiver = self._receivers[_get_ident()]
        except KeyError:
            receiver = self._receiver()
        status = receiver.try_get()
        if status == _OK:
            length, head, number = _unpack_head(receiver.array)
            if head == _INT_HEAD and length == 10:
                return number
            return _item(receiver, 0, length)
        return self._get_slow(receiver, status, block, timeout)

    def _get_slow(
        self, receiver: _Receiver, status: int, block: bool, timeout: float | None
    ) -> Any:
        handle = self._handle
        deadline = _deadline(block, timeout)
        while True:
            if status == _OK:
                return _item(receiver, 0, receiver.length.value)
            if status == _TOO_SMALL:
                receiver.resize(max(receiver.length.value, 2 * receiver.size))
                status = _q_get(handle, receiver.native, receiver.size, 0, receiver.length_ref)
            elif status in _GAVE_UP:
                slice_ns = _slice(deadline)
                if slice_ns == 0:
                    raise _stdlib_queue.Empty
                status = _q_get_wait(
                    handle, receiver.native, receiver.size, slice_ns, receiver.length_ref
                )
            elif status == _CLOSED:
                raise ShutDown("get from a queue that was shut down and is empty")
            else:
                _raise(status, "get failed")

    def get_nowait(self) -> Any:
        """``get(False)``."""
        return self.get(False)

    def get_many(
        self, max_items: int, block: bool = True, timeout: float | None = None
    ) -> list[Any]:
        """Takes up to ``max_items`` items in one native call: waits (as
        ``get``) for the first, then takes those already queued."""
        self._check()
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        try:
            buffer = self._receivers[_get_ident()]
        except KeyError:
            buffer = self._receiver()
        lengths = (_SIZE * max_items)()
        count = _SIZE()
        deadline = _deadline(block, timeout)
        handle = self._handle
        while True:
            status = _q_get_many_wait(
                handle,
                buffer.native,
                buffer.size,
                lengths,
                max_items,
                _slice(deadline),
                ctypes.byref(count),
            )
            if status == _OK:
                items = []
                start = 0
                for length in lengths[: count.value]:
                    items.append(_item(buffer, start, start + length))
                    start += length
                return items
            if status == _TOO_SMALL:
                buffer.resize(max(lengths[0], 2 * buffer.size))
            elif status in _GAVE_UP:
                if deadline is not None and time.monotonic() >= deadline:
                    raise _stdlib_queue.Empty
            elif status == _CLOSED:
                raise ShutDown("get from a queue that was shut down and is empty")
            else:
                _raise(status, "get_many failed")

    # -- state

    def qsize(self) -> int:
        """Items queued now (in every process)."""
        self._check()
        size = _SIZE()
        _q_size(self._handle, ctypes.byref(size))
        return size.value

    def empty(self) -> bool:
        """Whether no item is queued now."""
        return self.qsize() == 0

    def full(self) -> bool:
        """Whether ``maxsize`` items are queued now."""
        return self._maxsize > 0 and self.qsize() >= self._maxsize

    def shutdown(self) -> None:
        """Closes the queue for every process: puts raise ``ShutDown``, gets
        drain it, then raise ``ShutDown``; every waiter wakes."""
        self._check()
        _q_close(self._handle)

    def close(self) -> None:
        """This process will use the queue no more (as ``multiprocessing``:
        other processes keep using it)."""
        self._closed = True

    def join_thread(self) -> None:
        """Nothing to wait for: puts are written by the caller (no feeder thread)."""

    def cancel_join_thread(self) -> None:
        """Nothing to cancel (no feeder thread)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name!r}>"


class SimpleQueue(Queue):
    """A process-shared FIFO queue, as ``multiprocessing.SimpleQueue``."""

    def __init__(self, *, capacity_bytes: int = _DEFAULT_CAPACITY, ctx: Any = None) -> None:
        super().__init__(0, capacity_bytes=capacity_bytes)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        return super().get(block, timeout)

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        super().put(obj, block, timeout)


class JoinableQueue(Queue):
    """A process-shared queue with ``task_done``/``join``, as
    ``multiprocessing.JoinableQueue``."""

    def task_done(self) -> None:
        """Marks one fetched item as processed: ValueError when called more
        times than items were put."""
        status = _q_task_done(self._handle, 1)
        if status != _OK:
            raise ValueError("task_done() called too many times")

    def join(self) -> None:
        """Waits until every item put has been marked done."""
        handle = self._handle
        _sliced(lambda ns: _q_join(handle, ns), None)


# ------------------------------------------------------------------ locks


class OwnerDiedWarning(RuntimeWarning):
    """A lock was acquired from a process or thread that died holding it."""


_m_lock, _m_lock_wait = _both("ac_shm_mutex_lock")
_m_unlock = function("ac_shm_mutex_unlock", keep_gil=True)
_m_locked = function("ac_shm_mutex_is_locked", keep_gil=True)
_r_lock, _r_lock_wait = _both("ac_shm_rlock_lock")
_r_unlock = function("ac_shm_rlock_unlock", keep_gil=True)
_r_depth = function("ac_shm_rlock_count", keep_gil=True)


class _Lockish(_Closable):
    _try: Any
    _wait: Any
    owner_died: bool

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool:
        """Takes the lock, waiting at most ``timeout`` seconds (forever for
        ``None``; not at all when ``block`` is false). True once held. When
        the previous holder died holding it, still True, with
        :attr:`owner_died` set and an :class:`OwnerDiedWarning`."""
        status = self._try(self._handle, 0)
        if status == _WOULD_BLOCK and block:
            if timeout is not None and timeout < 0:
                timeout = None
            handle = self._handle
            wait = self._wait
            status = _sliced(lambda ns: wait(handle, ns), _deadline(True, timeout))
        if status == _OK:
            return True
        if status in _GAVE_UP:
            return False
        if status == _OWNER_DIED:
            self.owner_died = True
            warnings.warn(
                f"{self!r} was acquired from a holder that died holding it",
                OwnerDiedWarning,
                stacklevel=2,
            )
            return True
        _raise(status, "acquire failed")
        return False

    def _restore(self, state: dict[str, Any]) -> None:
        self.owner_died = False

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name!r}>"


class Lock(_Lockish):
    """A process-shared lock, as ``multiprocessing.Lock``: any process or
    thread may release it. ``owner_died`` tells whether an acquire took it
    from a holder that died."""

    _KIND = "mutex"
    _try = staticmethod(_m_lock)
    _wait = staticmethod(_m_lock_wait)

    def __init__(self, *, ctx: Any = None) -> None:
        self._create()
        self.owner_died = False

    def release(self) -> None:
        """Releases the lock: ValueError when it is not locked."""
        if _m_unlock(self._handle) != _OK:
            raise ValueError("semaphore or lock released too many times")

    def locked(self) -> bool:
        """Whether some process holds it now."""
        flag = _BOOL()
        _m_locked(self._handle, ctypes.byref(flag))
        return flag.value


class RLock(_Lockish):
    """A process-shared reentrant lock, as ``multiprocessing.RLock``: owned by
    the thread that acquired it."""

    _KIND = "rlock"
    _try = staticmethod(_r_lock)
    _wait = staticmethod(_r_lock_wait)

    def __init__(self, *, ctx: Any = None) -> None:
        self._create()
        self.owner_died = False

    def release(self) -> None:
        """Releases once: AssertionError unless the calling thread holds it
        (as ``multiprocessing.RLock``)."""
        if _r_unlock(self._handle) != _OK:
            raise AssertionError("attempt to release recursive lock not owned by thread")

    def _is_owned(self) -> bool:
        depth = _U32()
        _r_depth(self._handle, ctypes.byref(depth))
        return depth.value > 0


# ------------------------------------------------------- semaphores, events

_s_acquire, _s_acquire_wait = _both("ac_shm_semaphore_acquire")
_s_post = function("ac_shm_semaphore_post", keep_gil=True)
_s_value = function("ac_shm_semaphore_value", keep_gil=True)


class Semaphore(_Closable):
    """A process-shared semaphore, as ``multiprocessing.Semaphore``."""

    _KIND = "semaphore"
    _BOUNDED = False

    def __init__(self, value: int = 1, *, ctx: Any = None) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._create((_U32, value), (_U32, value if self._BOUNDED else 0))

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool:
        """Takes a unit, waiting at most ``timeout`` seconds; True if taken."""
        status = _s_acquire(self._handle, 0)
        if status == _WOULD_BLOCK and block:
            handle = self._handle
            status = _sliced(lambda ns: _s_acquire_wait(handle, ns), _deadline(True, timeout))
        if status == _OK:
            return True
        if status in _GAVE_UP:
            return False
        _raise(status, "acquire failed")
        return False

    def release(self) -> None:
        """Gives a unit back (ValueError beyond a bounded semaphore's value)."""
        status = _s_post(self._handle, 1)
        if status == _OVERFLOW:
            raise ValueError("semaphore or lock released too many times")
        if status != _OK:
            _raise(status, "release failed")

    def get_value(self) -> int:
        """Units available now."""
        value = _U32()
        _s_value(self._handle, ctypes.byref(value))
        return value.value

    __enter__ = acquire

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}(value={self.get_value()}) {self._name!r}>"


class BoundedSemaphore(Semaphore):
    """A semaphore that refuses to go above its initial value, as
    ``multiprocessing.BoundedSemaphore``."""

    _BOUNDED = True


_e_set = function("ac_shm_event_set", keep_gil=True)
_e_clear = function("ac_shm_event_clear", keep_gil=True)
_e_is_set = function("ac_shm_event_is_set", keep_gil=True)
_e_wait = function("ac_shm_event_wait")


class Event(_Closable):
    """A process-shared event, as ``multiprocessing.Event``."""

    _KIND = "event"

    def __init__(self, *, ctx: Any = None) -> None:
        self._create()

    def is_set(self) -> bool:
        """Whether the flag is set."""
        flag = _BOOL()
        _e_is_set(self._handle, ctypes.byref(flag))
        return flag.value

    def set(self) -> None:
        """Sets the flag and wakes every waiter, in every process."""
        _e_set(self._handle)

    def clear(self) -> None:
        """Clears the flag."""
        _e_clear(self._handle)

    def wait(self, timeout: float | None = None) -> bool:
        """Waits at most ``timeout`` seconds for the flag; returns it.
        ``ClosedError`` once shut down."""
        handle = self._handle
        if timeout is not None and timeout < 0:
            timeout = 0
        status = _sliced(lambda ns: _e_wait(handle, ns), _deadline(True, timeout))
        if status not in (_OK, *_GAVE_UP):
            _raise(status, "wait failed")
        return status == _OK

    def __repr__(self) -> str:
        return f"<Event at {id(self):#x} {'set' if self.is_set() else 'unset'}>"


_b_wait = function("ac_shm_barrier_wait")
_b_wait_holding = function("ac_shm_barrier_wait_holding")
_b_trip = function("ac_shm_barrier_trip", keep_gil=True)
_b_abort = function("ac_shm_barrier_abort", keep_gil=True)
_b_reset = function("ac_shm_barrier_reset", keep_gil=True)
_b_state = function("ac_shm_barrier_state", keep_gil=True)


class Barrier(_Closable):
    """A process-shared barrier, as ``multiprocessing.Barrier``. ``wait``
    returns the arrival index (0 for the first); ``action`` runs in the
    last party to arrive before any other is released (an action that
    raises, or a process that dies running it, breaks the barrier). A wait
    that times out breaks the barrier (``BrokenBarrierError``), so a party
    that died never leaves the others waiting past their timeouts."""

    _KIND = "barrier"

    def __init__(
        self, parties: int, action: Any = None, timeout: float | None = None, *, ctx: Any = None
    ) -> None:
        if parties < 1:
            raise ValueError("parties must be > 0")
        self._create((_U32, parties))
        self._action = action
        self._timeout = timeout

    def _state(self) -> dict[str, Any]:
        return {"action": self._action, "timeout": self._timeout}

    def _restore(self, state: dict[str, Any]) -> None:
        self._action = state["action"]
        self._timeout = state["timeout"]

    def _get(self) -> tuple[int, int, bool]:
        parties, waiting, broken = _U32(), _U32(), _BOOL()
        _b_state(self._handle, ctypes.byref(parties), ctypes.byref(waiting), ctypes.byref(broken))
        return parties.value, waiting.value, broken.value

    def wait(self, timeout: float | None = None) -> int:
        """Waits for every party; BrokenBarrierError when broken or on
        timeout, ``ClosedError`` once shut down."""
        if timeout is None:
            timeout = self._timeout
        timeout_ns = -1 if timeout is None else max(0, int(timeout * 1e9))
        index = _U32()
        action = self._action
        wait = _b_wait if action is None else _b_wait_holding
        status = wait(self._handle, timeout_ns, ctypes.byref(index))
        if status == _CLOSED:
            _raise(status, "the barrier was shut down")
        if status != _OK:
            raise BrokenBarrierError
        if action is not None and index.value == self.parties - 1:
            # This process holds the barrier: the others go once it trips.
            try:
                action()
            except BaseException:
                self.abort()
                raise
            status = _b_trip(self._handle)
            if status != _OK:
                raise BrokenBarrierError
        return index.value

    def abort(self) -> None:
        """Breaks the barrier for every waiter."""
        _b_abort(self._handle)

    def reset(self) -> None:
        """Mends the barrier."""
        _b_reset(self._handle)

    @property
    def parties(self) -> int:
        """Parties needed to trip the barrier."""
        return self._get()[0]

    @property
    def n_waiting(self) -> int:
        """Parties waiting now."""
        return self._get()[1]

    @property
    def broken(self) -> bool:
        """Whether the barrier is broken."""
        return self._get()[2]


# --------------------------------------------------------------- condition

_cv_wait = function("ac_shm_condition_wait")
_cv_wait_rlock = function("ac_shm_condition_wait_rlock")
_cv_notify = function("ac_shm_condition_notify", keep_gil=True)
_cv_notify_all = function("ac_shm_condition_notify_all", keep_gil=True)


class Condition(_Closable):
    """A process-shared condition variable, as ``multiprocessing.Condition``,
    over an allcore :class:`Lock` or :class:`RLock` (a new :class:`RLock`
    when ``lock`` is None). A waiter killed while waiting takes no notify
    from the others; a wait that takes the lock back from a holder that died
    returns True (re-check the predicate), with the lock's
    :attr:`~Lock.owner_died` set and an :class:`OwnerDiedWarning`."""

    _KIND = "condition"
    _lock: Lock | RLock

    def __init__(self, lock: Lock | RLock | None = None, *, ctx: Any = None) -> None:
        if lock is None:
            lock = RLock()
        elif not isinstance(lock, (Lock, RLock)):
            raise TypeError("allcore.multiprocessing.Condition needs its Lock or RLock")
        self._create()
        self._lock = lock

    def _state(self) -> dict[str, Any]:
        return {"lock": self._lock}

    def _restore(self, state: dict[str, Any]) -> None:
        self._lock = state["lock"]

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool:
        """Acquires the underlying lock."""
        return self._lock.acquire(block, timeout)

    def release(self) -> None:
        """Releases the underlying lock."""
        self._lock.release()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.release()

    def _is_owned(self) -> bool:
        lock = self._lock
        return lock._is_owned() if isinstance(lock, RLock) else lock.locked()

    def wait(self, timeout: float | None = None) -> bool:
        """Releases the lock, waits for a notify or ``timeout`` seconds and
        takes the lock back; True when notified. AssertionError unless the
        lock is held, as ``multiprocessing``."""
        lock = self._lock
        wait = _cv_wait_rlock if isinstance(lock, RLock) else _cv_wait
        handle, lock_handle = self._handle, lock._handle
        deadline = _deadline(True, None if timeout is None else max(timeout, 0))
        while True:
            # Each slice takes the lock back before it returns, so a notify
            # (made under the lock) never falls between two slices.
            slice_ns = _slice(deadline)
            status = wait(handle, lock_handle, slice_ns)
            if status == _OK:
                return True
            if status in _GAVE_UP:
                if slice_ns == 0 or (deadline is not None and time.monotonic() >= deadline):
                    return False
                continue
            if status == _OWNER_DIED:
                lock.owner_died = True
                warnings.warn(
                    f"{lock!r} was taken back from a holder that died holding it",
                    OwnerDiedWarning,
                    stacklevel=2,
                )
                return True
            if status == _NOT_OWNER:
                raise AssertionError("must acquire() condition before using wait()")
            _raise(status, "wait failed")

    def wait_for(self, predicate: Any, timeout: float | None = None) -> Any:
        """Waits until ``predicate()`` is true or ``timeout`` passes; returns
        its last value."""
        result = predicate()
        if result:
            return result
        endtime = None if timeout is None else time.monotonic() + timeout
        waittime = timeout
        while not result:
            if endtime is not None:
                waittime = endtime - time.monotonic()
                if waittime <= 0:
                    break
            self.wait(waittime)
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        """Wakes up to ``n`` waiters of any process, longest waiting first."""
        if not self._is_owned():
            raise AssertionError("lock is not owned")
        status = _cv_notify(self._handle, n, None)
        if status != _OK:
            _raise(status, "notify failed")

    def notify_all(self) -> None:
        """Wakes every waiter."""
        if not self._is_owned():
            raise AssertionError("lock is not owned")
        _cv_notify_all(self._handle, None)

    def __repr__(self) -> str:
        return f"<Condition({self._lock!r}) {self._name!r}>"


# ------------------------------------------------------- values and arrays

_m_data = function("ac_shm_memory_data", keep_gil=True)


# The type codes of multiprocessing.sharedctypes (those of the array module).
_TYPECODES = {
    "c": ctypes.c_char,
    "u": ctypes.c_wchar,
    "b": ctypes.c_byte,
    "B": ctypes.c_ubyte,
    "h": ctypes.c_short,
    "H": ctypes.c_ushort,
    "i": ctypes.c_int,
    "I": ctypes.c_uint,
    "l": ctypes.c_long,
    "L": ctypes.c_ulong,
    "q": ctypes.c_longlong,
    "Q": ctypes.c_ulonglong,
    "f": ctypes.c_float,
    "d": ctypes.c_double,
}


def _ctype(typecode_or_type: Any) -> Any:
    """The ctypes type for a type code (``'i'``, ``'d'``, ``'c'``, ...) or
    a ctypes type, as ``multiprocessing.sharedctypes`` takes them."""
    if isinstance(typecode_or_type, str):
        try:
            return _TYPECODES[typecode_or_type]
        except KeyError:
            raise TypeError(f"bad type code {typecode_or_type!r}") from None
    return typecode_or_type


class _Memory(_Shared):
    """Shared bytes (``ac_shm_memory``) seen as a ctypes object: ``_obj``,
    valid while this object lives (it keeps this object alive)."""

    _KIND = "memory"
    _obj: Any

    def _make(self, element: Any, length: int | None) -> None:
        """Makes room for one ``element`` (``length`` None) or an array."""
        self._element, self._length = element, length
        self._create((_SIZE, max(1, ctypes.sizeof(self._type()))))
        self._map()

    def _type(self) -> Any:
        return self._element if self._length is None else self._element * self._length

    def _map(self) -> None:
        data = _P()
        status = _m_data(self._handle, ctypes.byref(data), None)
        if status != _OK:
            _raise(status, "cannot map the shared memory")
        self._obj = self._type().from_address(data.value)
        self._obj._allcore_memory = self

    def _state(self) -> dict[str, Any]:
        return {"element": self._element, "length": self._length}

    def _restore(self, state: dict[str, Any]) -> None:
        self._element, self._length = state["element"], state["length"]
        self._map()


class RawValue(_Memory):
    """A value in shared memory without a lock, as
    ``multiprocessing.RawValue``: any type code (``'i'``, ``'d'``, ``'c'``,
    ...) or ctypes type; ``.value`` reads and writes it."""

    def __init__(self, typecode_or_type: Any, *args: Any) -> None:
        self._make(_ctype(typecode_or_type), None)
        if args:
            self._obj.value = args[0] if len(args) == 1 else self._element(*args).value

    @property
    def value(self) -> Any:
        """The value now."""
        return self._obj.value

    @value.setter
    def value(self, value: Any) -> None:
        self._obj.value = value

    def __repr__(self) -> str:
        return f"<RawValue({self._obj!r}) {self._name!r}>"


class RawArray(_Memory):
    """An array in shared memory without a lock, as
    ``multiprocessing.RawArray``: a type code or ctypes type, and a length
    (zeroed) or the initial items; indexing and slicing read and write it."""

    def __init__(self, typecode_or_type: Any, size_or_initializer: Any) -> None:
        ctype = _ctype(typecode_or_type)
        if isinstance(size_or_initializer, int):
            items = None
            length = size_or_initializer
        else:
            items = list(size_or_initializer)
            length = len(items)
        if length < 0:
            raise ValueError("array size must be non-negative")
        self._make(ctype, length)
        if items:
            if ctype is ctypes.c_char:
                self._obj.raw = bytes(items) if not isinstance(items[0], bytes) else b"".join(items)
            else:
                self._obj[:] = items

    def __len__(self) -> int:
        return len(self._obj)

    def __getitem__(self, index: Any) -> Any:
        return self._obj[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        self._obj[index] = value

    def __iter__(self) -> Any:
        return iter(self._obj[:])

    @property
    def value(self) -> Any:
        """For a ``'c'`` array: its bytes up to the first NUL."""
        return self._obj.value

    @value.setter
    def value(self, value: Any) -> None:
        self._obj.value = value

    @property
    def raw(self) -> Any:
        """For a ``'c'`` array: all its bytes."""
        return self._obj.raw

    @raw.setter
    def raw(self, value: Any) -> None:
        self._obj.raw = value

    def __repr__(self) -> str:
        return f"<RawArray({self._obj._type_._type_!r}, {len(self)}) {self._name!r}>"


def _check_lock(lock: Any) -> Any:
    """The lock a Value or Array gets: a new :class:`RLock` for True or
    None, else ``lock`` (AttributeError unless it has ``acquire``)."""
    if lock is True or lock is None:
        return RLock()
    if not hasattr(lock, "acquire"):
        raise AttributeError(f"{lock!r} has no method 'acquire'")
    return lock


class _Synchronized:
    """A raw shared value or array with its lock, as
    ``multiprocessing.sharedctypes``' synchronized wrappers: pickled as the
    two by name."""

    _raw: Any
    _lock: Any

    def __reduce__(self) -> Any:
        return (_synchronized, (type(self), self._raw, self._lock))

    def get_lock(self) -> Any:
        """The lock guarding read-modify-write sequences."""
        return self._lock

    def get_obj(self) -> Any:
        """The raw shared object (a ctypes object, as ``multiprocessing``)."""
        return self._raw._obj

    def acquire(self, *args: Any) -> bool:
        """Acquires the lock."""
        return bool(self._lock.acquire(*args))

    def release(self) -> None:
        """Releases the lock."""
        self._lock.release()

    def __enter__(self) -> Any:
        return self._lock.__enter__()

    def __exit__(self, *exc_info: object) -> None:
        self._lock.__exit__(*exc_info)

    @property
    def name(self) -> str:
        """The shared-memory name of the data (``ac_shm_memory_open``)."""
        return str(self._raw.name)


def _synchronized(cls: type[_Synchronized], raw: Any, lock: Any) -> _Synchronized:
    self = cls.__new__(cls)
    self._raw, self._lock = raw, lock
    return self


class Value(_Synchronized):
    """A process-shared value with its lock, as ``multiprocessing.Value``:
    any type code (``'i'``, ``'q'``, ``'d'``, ``'f'``, ``'c'``, ...) or
    ctypes type. ``get_lock()`` returns its :class:`RLock` (``lock=True`` or
    None) or the lock given; ``lock=False`` gives a :class:`RawValue`.
    ``.value`` reads and writes it (take the lock for ``+=``)."""

    def __new__(cls, *args: Any, lock: Any = True, ctx: Any = None) -> Any:
        if lock is False:
            return RawValue(*args)
        return super().__new__(cls)

    def __init__(
        self, typecode_or_type: Any, *args: Any, lock: Any = True, ctx: Any = None
    ) -> None:
        self._lock = _check_lock(lock)
        self._raw = RawValue(typecode_or_type, *args)

    @property
    def value(self) -> Any:
        """The value now."""
        return self._raw._obj.value

    @value.setter
    def value(self, value: Any) -> None:
        self._raw._obj.value = value

    def __repr__(self) -> str:
        return f"<Value({self._raw._obj!r})>"


class Array(_Synchronized):
    """A process-shared array with its lock, as ``multiprocessing.Array``: a
    type code or ctypes type, and a length (zeroed) or the initial items.
    ``get_lock()`` as for :class:`Value`; ``lock=False`` gives a
    :class:`RawArray`. Indexing and slicing read and write it."""

    def __new__(cls, *args: Any, lock: Any = True, ctx: Any = None) -> Any:
        if lock is False:
            return RawArray(*args)
        return super().__new__(cls)

    def __init__(
        self, typecode_or_type: Any, size_or_initializer: Any, *, lock: Any = True, ctx: Any = None
    ) -> None:
        self._lock = _check_lock(lock)
        self._raw = RawArray(typecode_or_type, size_or_initializer)

    def __len__(self) -> int:
        return len(self._raw._obj)

    def __getitem__(self, index: Any) -> Any:
        with self._lock:
            return self._raw._obj[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        with self._lock:
            self._raw._obj[index] = value

    def __iter__(self) -> Any:
        return iter(self[:])

    @property
    def value(self) -> Any:
        """For a ``'c'`` array: its bytes up to the first NUL."""
        with self._lock:
            return self._raw._obj.value

    @value.setter
    def value(self, value: Any) -> None:
        with self._lock:
            self._raw._obj.value = value

    @property
    def raw(self) -> Any:
        """For a ``'c'`` array: all its bytes."""
        with self._lock:
            return self._raw._obj.raw

    @raw.setter
    def raw(self, value: Any) -> None:
        with self._lock:
            self._raw._obj.raw = value

    def __repr__(self) -> str:
        return f"<Array({self._raw._obj._type_._type_!r}, {len(self)})>"
