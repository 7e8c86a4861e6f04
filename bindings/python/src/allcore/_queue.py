"""Queues over allcore's native queues, as drop-ins for the ``queue`` module.

:class:`Queue`, :class:`LifoQueue`, :class:`PriorityQueue` and
:class:`SimpleQueue` take the arguments, return the values and raise the
exceptions of their ``queue`` namesakes (``queue.Empty``, ``queue.Full``,
:class:`ShutDown` after :meth:`Queue.shutdown`, as in Python 3.13). They add
:meth:`~Queue.put_many` / :meth:`~Queue.get_many` (one native call for many
items) and :meth:`~Queue.close`. :class:`Topic` copies each published item
into every subscribed queue.

Items travel as byte messages, so the same native queue serves C and Go
too. The wire format (one message per item):

- a message that does not start with the byte ``0xAC`` followed by one of
  the tags below is a ``bytes`` object, verbatim: raw bytes put by C or Go
  arrive in Python as ``bytes``, and Python ``bytes`` go out untouched
  (unless they themselves start with ``0xAC``: then they are tagged ``b``);
- ``0xAC 's'`` + UTF-8: a ``str``;
- ``0xAC 'i'`` + little-endian two's complement: an ``int`` (exactly 8
  bytes, an ``int64_t``, when it fits; otherwise as many bytes as it needs);
- ``0xAC 'b'`` + raw bytes: ``bytes`` that start with ``0xAC``;
- ``0xAC 'p'`` + a pickle (highest protocol): anything else, including
  ``bool``, subclasses of ``str``/``bytes``/``int`` and strings with lone
  surrogates.

``0xAC`` never starts valid UTF-8 text, so text put by C or Go is never
mistaken for a tagged item; a C or Go producer of arbitrary binary data
prefixes ``0xAC 'b'`` when its message could start with ``0xAC``.

How calls are made (see ``_sync`` for the shared rules): the handle is bound
to the foreign functions with ``functools.partial``; ``get`` with the
default arguments is one call of a per-thread ``partial`` that also binds a
reusable receive buffer (grown when the native side reports
``AC_BUFFER_TOO_SMALL``, which leaves the item queued), its capacity, the
wait slice and the length out-parameter. Every wait runs in native slices of
at most 50 ms so Ctrl-C interrupts it and timeouts are honoured.
"""

import ctypes
import functools
import operator
import pickle
import platform
import queue as _stdlib_queue
import struct
import sys
import threading
import time

from . import _ffi
from ._errors import ClosedError, error_for
from ._lib import library
from ._sync import _SLICE, _SLICE_NS, _function, _Native, _new, _raise_closed, _seconds_to_ns

__all__ = [
    "Empty",
    "Full",
    "LifoQueue",
    "PriorityQueue",
    "Queue",
    "ShutDown",
    "SimpleQueue",
    "Topic",
]

Empty = _stdlib_queue.Empty
Full = _stdlib_queue.Full


class ShutDown(getattr(_stdlib_queue, "ShutDown", Exception)):
    """Raised by ``put`` on a queue that was shut down, and by ``get`` once it is
    also empty. A subclass of ``queue.ShutDown`` where that exists (3.13+)."""


_P = ctypes.c_void_p
_I64 = ctypes.c_int64
_SIZE = ctypes.c_size_t
_status = ctypes.c_int32

_OK = int(_ffi.AC_OK)
_TIMEOUT = int(_ffi.AC_TIMEOUT)
_WOULD_BLOCK = int(_ffi.AC_WOULD_BLOCK)
_CLOSED = int(_ffi.AC_CLOSED)
_INVALID = int(_ffi.AC_INVALID_ARGUMENT)
_TOO_SMALL = int(_ffi.AC_BUFFER_TOO_SMALL)
_GAVE_UP = (_TIMEOUT, _WOULD_BLOCK)
_FOREVER = -1

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1

# Receive buffers: each thread starts with a small one per queue, grows it to
# the size the native side asks for, and drops it again after an item larger
# than _KEEP_LIMIT (so one huge item does not pin its memory).
_FIRST_CAPACITY = 512
_KEEP_LIMIT = 1 << 20
_BATCH_CAPACITY = 64 * 1024

# ------------------------------------------------------------- wire format

_MARK = 0xAC
_TAG_STR = ord("s")
_TAG_INT = ord("i")
_TAG_BYTES = ord("b")
_TAG_PICKLE = ord("p")
_PREFIX_STR = b"\xacs"
_PREFIX_INT = b"\xaci"
_PREFIX_BYTES = b"\xacb"
_PREFIX_PICKLE = b"\xacp"
_pack_int64 = struct.Struct("<2sq").pack
_unpack_int64 = struct.Struct("<q").unpack_from
_PICKLE_PROTOCOL = pickle.HIGHEST_PROTOCOL


def _encode(item):
    """The message for ``item`` (see the module docstring)."""
    kind = type(item)
    if kind is str:
        try:
            return _PREFIX_STR + item.encode()
        except UnicodeEncodeError:
            pass  # lone surrogates: pickled below
    elif kind is bytes:
        if not item or item[0] != _MARK:
            return item
        return _PREFIX_BYTES + item
    elif kind is int:
        try:
            return _pack_int64(_PREFIX_INT, item)
        except struct.error:
            size = (item.bit_length() + 8) // 8
            return _PREFIX_INT + item.to_bytes(size, "little", signed=True)
    return _PREFIX_PICKLE + pickle.dumps(item, _PICKLE_PROTOCOL)


def _decode(array, view, start, end):
    """The item whose message is ``array[start:end]`` (``view`` is its memoryview)."""
    if end - start > 1 and array[start] == _MARK:
        tag = array[start + 1]
        if tag == _TAG_STR:
            return array[start + 2 : end].decode()
        if tag == _TAG_INT:
            if end - start == 10:
                return _unpack_int64(array, start + 2)[0]
            return int.from_bytes(view[start + 2 : end], "little", signed=True)
        if tag == _TAG_PICKLE:
            # A copy: unpickling runs Python code, which might reuse the buffer.
            return pickle.loads(array[start + 2 : end])
        if tag == _TAG_BYTES:
            return bytes(view[start + 2 : end])
    return bytes(view[start:end])


# ------------------------------------------------------------ the C calls

_queue_new = _function("ac_queue_new", _status, ctypes.c_int32, _SIZE, _SIZE, _P)
_queue_free = _function("ac_queue_free", None, _P)
_queue_put = _function("ac_queue_put", _status, _P, _P, _SIZE)
_queue_put_timeout = _function("ac_queue_put_timeout", _status, _P, _P, _SIZE, _I64)
_queue_put_priority = _function("ac_queue_put_priority", _status, _P, _P, _SIZE, _I64, _I64)
_queue_put_many = _function("ac_queue_put_many", _status, _P, _P, _P, _SIZE, _I64, _P)
_queue_get_timeout = _function("ac_queue_get_timeout", _status, _P, _P, _SIZE, _I64, _P)

# The hot calls (put and get with the default arguments) bypass argtypes, the
# largest part of a ctypes call's cost: every argument is then either an
# object ctypes passes without converting it (bytes, a ``byref``, which is
# how the handle itself is passed: as ``byref`` of a byte at its address) or,
# where the platform's libffi sign-extends a C ``int`` to the 64-bit
# register a ``size_t``/``int64_t`` parameter reads (x86-64 and arm64, not
# Windows), a small Python int below 2**31. Elsewhere they take argtypes.
_BARE_INTS = sys.platform != "win32" and platform.machine().lower() in (
    "x86_64",
    "amd64",
    "aarch64",
    "arm64",
)
_BARE_INT_LIMIT = 2**31 - 1


def _bare(name):
    function = library._FuncPtr((name, library))
    function.restype = _status
    return function


def _bare_handle(handle):
    """The handle as an argument for a bare call (no conversion at call time)."""
    return ctypes.byref(ctypes.c_char.from_address(handle.value))


def _hot_put(handle, bounded):
    """``put(data, length[, timeout_ns])`` for the fast path."""
    if _BARE_INTS:
        name = "ac_queue_put_timeout" if bounded else "ac_queue_put"
        return functools.partial(_bare(name), _bare_handle(handle))
    return functools.partial(_queue_put_timeout if bounded else _queue_put, handle)


def _hot_get(handle, buffer, capacity, length):
    """``get()`` for the fast path: a native get waiting one slice, every
    argument bound."""
    if _BARE_INTS:
        arguments = (ctypes.byref(buffer), capacity, _SLICE_NS)
        return functools.partial(
            _bare("ac_queue_get_timeout"), _bare_handle(handle), *arguments, ctypes.byref(length)
        )
    return functools.partial(
        _queue_get_timeout, handle, buffer, capacity, _SLICE_NS, ctypes.byref(length)
    )


_queue_get_many = _function("ac_queue_get_many", _status, _P, _P, _SIZE, _P, _SIZE, _I64, _P)
_queue_task_done = _function("ac_queue_task_done", _status, _P)
_queue_task_done_many = _function("ac_queue_task_done_many", _status, _P, _SIZE)
_queue_join = _function("ac_queue_join", _status, _P, _I64)
_queue_shutdown = _function("ac_queue_shutdown", _status, _P, ctypes.c_bool, _P)
_queue_size = _function("ac_queue_size", _status, _P, _P)
_queue_empty = _function("ac_queue_empty", _status, _P, _P)
_queue_full = _function("ac_queue_full", _status, _P, _P)
_queue_closed = _function("ac_queue_closed", _status, _P, _P)
_queue_unfinished = _function("ac_queue_unfinished_tasks", _status, _P, _P)

_topic_new = _function("ac_topic_new", _status, _P)
_topic_free = _function("ac_topic_free", None, _P)
_topic_close = _function("ac_topic_close", _status, _P)
_topic_subscribe = _function("ac_topic_subscribe", _status, _P, _P)
_topic_unsubscribe = _function("ac_topic_unsubscribe", _status, _P, _P)
_topic_subscribers = _function("ac_topic_subscribers", _status, _P, _P)
_topic_publish = _function("ac_topic_publish", _status, _P, _P, _SIZE, _I64, _P)


class _Receiver:
    """One thread's receive buffer for one queue, and ``fetch``: the native
    get, every argument bound, waiting at most one slice."""

    __slots__ = ("array", "buffer", "capacity", "fetch", "length", "view")

    def __init__(self, handle, capacity):
        self.array = bytearray(capacity)
        self.view = memoryview(self.array)
        self.buffer = (ctypes.c_char * capacity).from_buffer(self.array)
        self.capacity = capacity
        self.length = _SIZE()
        self.fetch = _hot_get(handle, self.buffer, capacity, self.length)


class _ClosedLocal:
    """Stands in for a closed queue's per-thread state: any use raises."""

    __slots__ = ("kind",)

    def __init__(self, kind):
        self.kind = kind

    def __getattr__(self, name):
        _raise_closed(self.kind)


def _queue_timeout(timeout):
    """``queue``'s rule: None, or a non-negative number of seconds."""
    if timeout is not None and timeout < 0:
        raise ValueError("'timeout' must be a non-negative number")
    return timeout


class _NativeQueue(_Native):
    """What every queue class shares: put/get (single and batch), sizes, close."""

    _kind = "Queue"
    _free = _queue_free
    _native_kind = _ffi.AC_QUEUE_FIFO

    def _open(self, maxsize):
        handle = _new(_queue_new, self._native_kind, maxsize, 0)
        self._own(handle)
        self._bounded = maxsize > 0
        self._tls = threading.local()
        self._put_to = functools.partial(_queue_put_timeout, handle)
        self._put_now = _hot_put(handle, self._bounded)

    def _disarm(self):
        closed = functools.partial(_raise_closed, self._kind)
        self._put_to = self._put_now = closed
        self._tls = _ClosedLocal(self._kind)

    def _receiver(self, capacity=_FIRST_CAPACITY):
        receiver = _Receiver(self._handle, capacity)
        self._tls.receiver = receiver
        return receiver

    def _error(self, status, what):
        if status == _CLOSED:
            if self._closed:
                return ClosedError(f"this allcore {self._kind} is closed", _CLOSED)
            return ShutDown()
        if status == _INVALID and what.endswith(".put"):
            return ValueError(
                f"{what}: the item's message is over the queue's item size limit "
                f"({_ffi.AC_QUEUE_DEFAULT_MAX_ITEM_SIZE} bytes)"
            )
        return error_for(status, what)

    # ----------------------------------------------------------------- put

    def put(self, item, block=True, timeout=None):
        """Put ``item`` in the queue.

        With ``block`` true and ``timeout`` None, waits as long as a bounded
        queue is full; with a ``timeout`` (seconds, >= 0), raises
        ``queue.Full`` if no room came in time; with ``block`` false, raises
        ``queue.Full`` at once when full (``timeout`` is ignored). Raises
        :class:`ShutDown` after :meth:`shutdown`.
        """
        # _encode, with its most common cases inline.
        kind = type(item)
        if kind is str:
            try:
                data = _PREFIX_STR + item.encode()
            except UnicodeEncodeError:
                data = _encode(item)
        elif kind is bytes and (not item or item[0] != _MARK):
            data = item
        else:
            data = _encode(item)
        if block is True and timeout is None:
            size = len(data)
            if size < _BARE_INT_LIMIT:
                if self._bounded:
                    if self._put_now(data, size, _SLICE_NS) == 0:
                        return
                elif self._put_now(data, size) == 0:
                    return
        self._put_slow(data, block, timeout, self._put_to, ())

    def put_nowait(self, item):
        """``put(item, block=False)``."""
        return self.put(item, False)

    def _put_slow(self, data, block, timeout, call, extra):
        if block and self._bounded:
            timeout = _queue_timeout(timeout)
        deadline = None if timeout is None or not block else time.monotonic() + timeout
        what = f"{self._kind}.put"
        self._enter()
        try:
            while True:
                if not block:
                    ns = 0
                elif deadline is None:
                    ns = _SLICE_NS
                else:
                    remaining = deadline - time.monotonic()
                    ns = min(_SLICE_NS, _seconds_to_ns(remaining))
                status = call(data, len(data), *extra, ns)
                if status == _OK:
                    return
                if status not in _GAVE_UP:
                    raise self._error(status, what)
                if self._closed:
                    _raise_closed(self._kind)
                if not block or (deadline is not None and remaining <= _SLICE):
                    raise Full
        finally:
            self._leave()

    def put_many(self, items, block=True, timeout=None):
        """Put every item of the iterable ``items``, in order, in one native call.

        ``block``/``timeout`` cover the whole batch, as for :meth:`put`. If
        they run out, raises ``queue.Full`` whose ``put_count`` attribute
        says how many of the first items went in (the rest did not).
        """
        messages = [_encode(item) for item in items]
        if not messages:
            return
        if block and self._bounded:
            timeout = _queue_timeout(timeout)
        count = len(messages)
        lengths = (_SIZE * count)(*map(len, messages))
        blob = bytearray().join(messages)
        data = (ctypes.c_char * max(1, len(blob))).from_buffer(blob or bytearray(1))
        deadline = None if timeout is None or not block else time.monotonic() + timeout
        size = ctypes.sizeof(_SIZE)
        done, offset, put = 0, 0, _SIZE()
        handle = self._enter()
        try:
            while True:
                if not block:
                    ns = 0
                elif deadline is None:
                    ns = _SLICE_NS
                else:
                    remaining = deadline - time.monotonic()
                    ns = min(_SLICE_NS, _seconds_to_ns(remaining))
                status = _queue_put_many(
                    handle,
                    ctypes.byref(data, offset),
                    ctypes.byref(lengths, done * size),
                    count - done,
                    ns,
                    ctypes.byref(put),
                )
                offset += sum(lengths[done : done + put.value])
                done += put.value
                if status == _OK:
                    return
                if status not in _GAVE_UP:
                    raise self._error(status, f"{self._kind}.put")
                if self._closed:
                    _raise_closed(self._kind)
                if not block or (deadline is not None and remaining <= _SLICE):
                    error = Full(f"{done} of {count} items were put")
                    error.put_count = done
                    raise error
        finally:
            self._leave()

    # ----------------------------------------------------------------- get

    def get(self, block=True, timeout=None):
        """Remove and return the next item.

        With ``block`` true and ``timeout`` None, waits until there is one;
        with a ``timeout`` (seconds, >= 0), raises ``queue.Empty`` if none
        came in time; with ``block`` false, raises ``queue.Empty`` at once
        when empty. After :meth:`shutdown`, returns the items left and then
        raises :class:`ShutDown`.
        """
        if block is True and timeout is None:
            try:
                receiver = self._tls.receiver
            except AttributeError:
                receiver = self._receiver()
            if receiver.fetch() == 0:
                # _decode, with its most common cases inline.
                array = receiver.array
                if array[0] != _MARK:
                    # Slicing the ctypes array makes the bytes in one step.
                    return receiver.buffer[: receiver.length.value]
                size = receiver.length.value
                if size > 1 and array[1] == _TAG_STR:
                    return array[2:size].decode()
                return _decode(array, receiver.view, 0, size)
        return self._get_slow(block, timeout)

    def get_nowait(self):
        """``get(block=False)``."""
        return self._get_slow(False, None)

    def _get_slow(self, block, timeout):
        if block:
            timeout = _queue_timeout(timeout)
        deadline = None if timeout is None or not block else time.monotonic() + timeout
        handle = self._enter()
        try:
            while True:
                try:
                    receiver = self._tls.receiver
                except AttributeError:
                    receiver = self._receiver()
                if not block:
                    ns = 0
                elif deadline is None:
                    ns = _SLICE_NS
                else:
                    remaining = deadline - time.monotonic()
                    ns = min(_SLICE_NS, _seconds_to_ns(remaining))
                status = _queue_get_timeout(
                    handle, receiver.buffer, receiver.capacity, ns, ctypes.byref(receiver.length)
                )
                if status == _OK:
                    item = _decode(receiver.array, receiver.view, 0, receiver.length.value)
                    if receiver.capacity > _KEEP_LIMIT:
                        self._receiver()
                    return item
                if status == _TOO_SMALL:
                    # The item stays queued; retry at once with room for it.
                    needed = receiver.length.value
                    self._receiver(max(needed, 2 * receiver.capacity))
                    if not block:
                        block, deadline = True, time.monotonic()
                    continue
                if status not in _GAVE_UP:
                    raise self._error(status, f"{self._kind}.get")
                if self._closed:
                    _raise_closed(self._kind)
                if not block or (deadline is not None and remaining <= _SLICE):
                    raise Empty
        finally:
            self._leave()

    def get_many(self, max_items, block=True, timeout=None):
        """Remove and return up to ``max_items`` items as a list, in one native call.

        Waits for the first item as :meth:`get` does (``queue.Empty`` if
        none comes), then takes, without waiting, the items already queued.
        """
        max_items = operator.index(max_items)
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        if block:
            timeout = _queue_timeout(timeout)
        deadline = None if timeout is None or not block else time.monotonic() + timeout
        tls = self._tls
        batch = getattr(tls, "batch", None)
        if batch is None:
            batch = tls.batch = bytearray(_BATCH_CAPACITY)
        lengths = getattr(tls, "lengths", None)
        if lengths is None or len(lengths) < max_items:
            lengths = tls.lengths = (_SIZE * max(max_items, 64))()
        count = _SIZE()
        handle = self._enter()
        try:
            while True:
                if not block:
                    ns = 0
                elif deadline is None:
                    ns = _SLICE_NS
                else:
                    remaining = deadline - time.monotonic()
                    ns = min(_SLICE_NS, _seconds_to_ns(remaining))
                buffer = (ctypes.c_char * len(batch)).from_buffer(batch)
                status = _queue_get_many(
                    handle, buffer, len(batch), lengths, max_items, ns, ctypes.byref(count)
                )
                del buffer  # lets the bytearray be replaced below
                if status == _OK:
                    view = memoryview(batch)
                    items, start = [], 0
                    for length in lengths[: count.value]:
                        items.append(_decode(batch, view, start, start + length))
                        start += length
                    view.release()
                    if len(batch) > _KEEP_LIMIT:
                        tls.batch = bytearray(_BATCH_CAPACITY)
                    return items
                if status == _TOO_SMALL:
                    batch = tls.batch = bytearray(max(lengths[0], 2 * len(batch)))
                    if not block:
                        block, deadline = True, time.monotonic()
                    continue
                if status not in _GAVE_UP:
                    raise self._error(status, f"{self._kind}.get")
                if self._closed:
                    _raise_closed(self._kind)
                if not block or (deadline is not None and remaining <= _SLICE):
                    raise Empty
        finally:
            self._leave()

    # ------------------------------------------------------------- queries

    def _query(self, getter, ctype, what):
        value = ctype()
        status = getter(self._handle_now(), ctypes.byref(value))
        if status:
            raise self._error(status, what)
        return value.value

    def qsize(self):
        """The approximate number of items in the queue."""
        return self._query(_queue_size, _SIZE, "qsize")

    def empty(self):
        """Whether the queue is empty now (a snapshot, as in ``queue``)."""
        return self._query(_queue_empty, ctypes.c_bool, "empty")

    def _state(self):
        return f"qsize={self.qsize()}"


class SimpleQueue(_NativeQueue):
    """An unbounded FIFO queue (``queue.SimpleQueue``): no ``task_done``/``join``.

    ``put`` never blocks (``block`` and ``timeout`` are accepted and ignored,
    as in ``queue``).
    """

    _kind = "SimpleQueue"

    def __init__(self):
        self._open(0)


class Queue(_NativeQueue):
    """A FIFO queue (``queue.Queue``) holding at most ``maxsize`` items (<= 0: no limit).

    Besides ``queue.Queue``'s methods it has :meth:`put_many`,
    :meth:`get_many` and :meth:`close`.
    """

    _kind = "Queue"

    def __init__(self, maxsize=0):
        self.maxsize = maxsize
        self._open(max(0, operator.index(maxsize)))

    def full(self):
        """Whether a bounded queue holds ``maxsize`` items now."""
        return self._query(_queue_full, ctypes.c_bool, "full")

    @property
    def unfinished_tasks(self):
        """Items put and not yet marked done with :meth:`task_done`."""
        return self._query(_queue_unfinished, _SIZE, "unfinished_tasks")

    @property
    def is_shutdown(self):
        """Whether :meth:`shutdown` was called."""
        return self._query(_queue_closed, ctypes.c_bool, "is_shutdown")

    def task_done(self, count=1):
        """Mark ``count`` fetched items (default one) as processed, for :meth:`join`.

        Raises ValueError if called more times than there were items put.
        """
        handle = self._handle_now()
        if count == 1:
            status = _queue_task_done(handle)
        else:
            status = _queue_task_done_many(handle, operator.index(count))
        if status == _INVALID:
            raise ValueError("task_done() called too many times")
        if status:
            raise self._error(status, "task_done")

    def join(self):
        """Block until every item put has been marked done with :meth:`task_done`."""
        handle = self._enter()
        try:
            while True:
                status = _queue_join(handle, _SLICE_NS)
                if status == _OK:
                    return
                if status not in _GAVE_UP:
                    raise self._error(status, "join")
                if self._closed:
                    _raise_closed(self._kind)
        finally:
            self._leave()

    def shutdown(self, immediate=False):
        """Shut the queue down (Python 3.13's ``Queue.shutdown``).

        Later puts raise :class:`ShutDown`; gets return the items left, then
        raise :class:`ShutDown`; blocked puts and gets wake. With
        ``immediate``, the items left are discarded (and counted done for
        :meth:`join`), so gets raise at once.
        """
        status = _queue_shutdown(self._handle_now(), bool(immediate), None)
        if status:
            raise self._error(status, "shutdown")

    def _state(self):
        return f"maxsize={self.maxsize} qsize={self.qsize()}"


class LifoQueue(Queue):
    """A last-in, first-out queue (``queue.LifoQueue``)."""

    _kind = "LifoQueue"
    _native_kind = _ffi.AC_QUEUE_LIFO


def _priority(item):
    """The native priority of a ``PriorityQueue`` item."""
    key = item[0] if type(item) is tuple and item else item
    if isinstance(key, int):
        if _INT64_MIN <= key <= _INT64_MAX:
            return key
        raise OverflowError(f"priority {key} does not fit a signed 64-bit integer")
    raise TypeError(
        "allcore.PriorityQueue orders by an int64 priority: put an int or a tuple "
        f"whose first element is an int, not {type(item).__qualname__}"
        + (f" starting with {type(key).__qualname__}" if key is not item else "")
    )


class PriorityQueue(Queue):
    """A lowest-first priority queue (``queue.PriorityQueue``) with int64 priorities.

    An item's priority is the item itself when it is an ``int``, or its first
    element when it is a tuple starting with an ``int`` (``(priority,
    data)``); any other item raises TypeError. One difference from
    ``queue.PriorityQueue``: items of equal priority come out first in, first
    out, instead of being ordered by comparing the rest of the tuple (so
    their data need not be comparable).
    """

    _kind = "PriorityQueue"
    _native_kind = _ffi.AC_QUEUE_PRIORITY

    def _open(self, maxsize):
        super()._open(maxsize)
        self._put_priority_to = functools.partial(_queue_put_priority, self._handle)

    def _disarm(self):
        super()._disarm()
        self._put_priority_to = functools.partial(_raise_closed, self._kind)

    def put(self, item, block=True, timeout=None):
        """As :meth:`Queue.put`; the item's priority is described in the class."""
        priority = _priority(item)
        data = _encode(item)
        call = self._put_priority_to
        if block is True and timeout is None and call(data, len(data), priority, _SLICE_NS) == 0:
            return
        self._put_slow(data, block, timeout, call, (priority,))

    def put_many(self, items, block=True, timeout=None):
        """Put every item with its priority (one :meth:`put` each: the native
        batch call has no priorities). ``queue.Full`` carries ``put_count``."""
        if block and self._bounded:
            timeout = _queue_timeout(timeout)
        deadline = None if timeout is None or not block else time.monotonic() + timeout
        for done, item in enumerate(items):
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                self.put(item, block, left)
            except Full:
                error = Full(f"{done} items were put")
                error.put_count = done
                raise error from None


# ------------------------------------------------------------------ Topic


class Topic(_Native):
    """Publish/subscribe: :meth:`publish` copies an item into every subscribed queue.

    ``subscribe(queue)`` / ``unsubscribe(queue)`` take any allcore queue
    (also while other threads publish); a queue that is shut down or closed
    drops out by itself. Subscribers get the same wire format as
    :meth:`Queue.put` (a priority queue gives every published item priority 0).
    """

    _kind = "Topic"
    _free = _topic_free

    def __init__(self):
        self._own(_new(_topic_new))
        self._may_block = False

    def _disarm(self):
        _topic_close(self._handle)

    def _call(self, status, what):
        if status == _CLOSED:
            raise ClosedError(f"this allcore Topic is closed ({what})", _CLOSED)
        if status:
            raise error_for(status, what)

    def subscribe(self, queue):
        """Deliver every later publish to ``queue`` too (ValueError if it already is)."""
        if not isinstance(queue, _NativeQueue):
            kind = type(queue).__qualname__
            raise TypeError(f"Topic.subscribe needs an allcore queue, not {kind}")
        topic = self._enter()
        try:
            status = _topic_subscribe(topic, queue._handle_now())
            if status == _INVALID:
                raise ValueError("this queue is subscribed to the topic already")
            self._call(status, "Topic.subscribe")
            if queue._bounded:
                self._may_block = True
        finally:
            self._leave()

    def unsubscribe(self, queue):
        """Stop delivering to ``queue`` (ValueError if it is not subscribed)."""
        topic = self._enter()
        try:
            status = _topic_unsubscribe(topic, queue._handle_now())
            if status == _INVALID:
                raise ValueError("this queue is not subscribed to the topic")
            self._call(status, "Topic.unsubscribe")
        finally:
            self._leave()

    @property
    def subscribers(self):
        """How many queues are subscribed now."""
        count = _SIZE()
        self._call(_topic_subscribers(self._handle_now(), ctypes.byref(count)), "subscribers")
        return count.value

    def publish(self, item, timeout=None):
        """Put a copy of ``item`` into every subscribed queue; return how many got it.

        A full bounded subscriber is waited for: with ``timeout`` None as long
        as it takes (back-pressure), else up to ``timeout`` seconds for the
        whole publish; a subscriber still full then misses the item (with 0:
        full subscribers simply miss it). Raises
        :class:`~allcore.ClosedError` once the topic is closed.
        """
        data = _encode(item)
        ns = _FOREVER if timeout is None else _seconds_to_ns(_queue_timeout(timeout))
        delivered = _SIZE()
        topic = self._enter()
        try:
            # A publish cannot be cut into slices without delivering twice:
            # when it may block, the main thread waits for it on a helper
            # thread and stays interruptible (the publish then completes
            # in the background).
            in_main = threading.current_thread() is threading.main_thread()
            if ns != 0 and self._may_block and in_main:
                result = []
                helper = threading.Thread(
                    target=lambda: result.append(
                        _topic_publish(topic, data, len(data), ns, ctypes.byref(delivered))
                    ),
                    name="allcore-topic-publish",
                    daemon=True,
                )
                helper.start()
                helper.join()
                status = result[0]
            else:
                status = _topic_publish(topic, data, len(data), ns, ctypes.byref(delivered))
        finally:
            self._leave()
        if status in _GAVE_UP:
            return delivered.value
        if status == _INVALID:
            raise ValueError("Topic.publish: the item is over a subscriber's item size limit")
        self._call(status, "Topic.publish")
        return delivered.value

    def _state(self):
        return f"subscribers={self.subscribers}"
