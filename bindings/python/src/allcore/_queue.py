"""Queues over allcore's native queues, as drop-ins for the ``queue`` module.

:class:`Queue`, :class:`LifoQueue`, :class:`PriorityQueue` and
:class:`SimpleQueue` take the arguments, return the values and raise the
exceptions of their ``queue`` namesakes (``queue.Empty``, ``queue.Full``,
:class:`ShutDown` after :meth:`Queue.shutdown`, as in Python 3.13). They add
:meth:`~Queue.put_many` / :meth:`~Queue.get_many` (one native call for many
items) and :meth:`~Queue.close`. :class:`Topic` copies each published item
into every subscribed queue.

Items by reference
------------------

A queue carries Python objects by reference, as ``queue`` does: the object
that comes out *is* the object that went in, whatever it is (a lambda, a
lock, a generator, a dict other threads keep changing). Each native item
holds two things (see the attachments of ``ac_queue_new_attached``):

- a strong reference to the object, as an *attachment*: ``put`` takes a
  reference (``Py_INCREF``) and passes the object's address; a Python
  ``get`` receives the address back without copying any bytes and turns it
  into the object again, taking over that reference. Whenever an item leaves
  the queue in another way (a C or Go program gets it with the plain byte
  calls, ``shutdown(immediate=True)`` discards it, the queue is closed or
  collected with items left), the native queue calls the release function
  of this module, which drops the reference. So nothing leaks, and a got
  item dies when its getter drops it;
- a byte message, for C and Go readers of the same queue (the wire format
  below).

Why this design: it keeps identity and the cross-language wire format with
one native item per Python item, no pickling and no table of live objects on
the Python side; the native queue alone decides the order and the lifetime.

The wire format (one message per item):

- ``bytes``: verbatim, unless they start with the byte ``0xAC``: then
  ``0xAC 'b'`` + the bytes. A message put by C or Go that does not start
  with ``0xAC`` followed by one of the tags below arrives in Python as
  ``bytes``;
- ``str``: ``0xAC 's'`` + UTF-8;
- ``int``: ``0xAC 'i'`` + little-endian two's complement (exactly 8 bytes,
  an ``int64_t``, when it fits; otherwise as many bytes as it needs);
- any other object (including ``bool``, subclasses of ``str``/``bytes``/
  ``int`` and strings with lone surrogates): the marker ``0xAC 'r'``, which
  tells a C or Go reader that the item is a Python object it cannot read.

Python decodes tagged messages put by C or Go (``'s'``, ``'i'``, ``'b'``;
and ``0xAC 'p'`` + a pickle, which only :class:`Topic` produces, since it
copies items). ``0xAC`` never starts valid UTF-8 text, so text put by C or
Go is never mistaken for a tagged item.

Priorities
----------

:class:`PriorityQueue` orders items as ``heapq`` (so ``queue.PriorityQueue``)
does, by native byte keys: the native priority queue compares keys as byte
strings. Numbers (``int``, ``float``, ``bool``, mixed), ``str``, ``bytes``
and tuples of them map to order-preserving keys (in the spirit of the
FoundationDB tuple layer), so they are ordered without any Python
comparison. Any other object, and the part of a tuple from its first such
element on (``(priority, task)`` with an unorderable ``task``), is ordered
with Python's ``<`` among the queued items whose keys agree up to there: a
sorted list per key prefix gives each one a rank, an extra byte string
between its neighbours' ranks. Comparisons therefore all happen in ``put``:
items that cannot be compared (``1`` and ``"a"``, two dicts with the same
priority) raise TypeError there, never in a later ``get``.

How calls are made
------------------

Calls that cannot block go through the library loaded with ``PyDLL``, so
the GIL is kept: the first try of every ``put`` and ``get``, sizes and
counters, ``task_done``. Only a call that has to wait goes through the
``CDLL`` library, which releases the GIL; in the main thread such a wait
runs in native slices of at most 50 ms, so Ctrl-C interrupts it, and in any
other thread it is one native wait, which a close wakes.
The hot calls have their fixed arguments bound with ``functools.partial``,
so a ``put`` or ``get`` that need not wait is one Python frame and one
foreign call: ``ac_queue_put_attached``, and ``ac_queue_take_attached``,
whose ``py_object`` result is the object itself (it takes over the queue's
reference). An item put by C or Go is got in a second call that copies its
bytes into a per-thread buffer.
"""

from __future__ import annotations

import _ctypes
import array
import bisect
import collections
import ctypes
import functools
import gc
import itertools
import operator
import pickle
import platform
import queue as _stdlib_queue
import struct
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from . import _ffi
from ._errors import ClosedError, error_for
from ._plumbing import (
    CLOSED,
    FOREVER,
    GAVE_UP,
    OK,
    _Native,
    _new,
    function,
    raise_closed,
    seconds_to_ns,
    wait_slices,
)

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

_T = TypeVar("_T")


class ShutDown(getattr(_stdlib_queue, "ShutDown", Exception)):  # type: ignore[misc]
    """Raised by ``put`` on a queue that was shut down, and by ``get`` once it is
    also empty. A subclass of ``queue.ShutDown`` where that exists (3.13+)."""


_P = ctypes.c_void_p
_I64 = ctypes.c_int64
_SIZE = ctypes.c_size_t
_status = ctypes.c_int32

_INVALID = int(_ffi.AC_INVALID_ARGUMENT)
_TOO_SMALL = int(_ffi.AC_BUFFER_TOO_SMALL)

# Receive buffers for items put by C or Go: each thread starts with a small
# one per queue, grows it to the size the native side asks for, and drops it
# again after an item larger than _KEEP_LIMIT.
_FIRST_CAPACITY = 256
_KEEP_LIMIT = 1 << 20
_BATCH_CAPACITY = 64 * 1024

# References in and out of attachments: C functions of CPython's _ctypes
# module, so no foreign call. A put takes a reference and passes id(item); a
# get reads the object back from a py_object out-parameter (a new
# reference) and drops the one the queue held.
_incref = _ctypes.Py_INCREF
_decref = _ctypes.Py_DECREF
_from_address = _ctypes.PyObj_FromPtr
# Runs an iterator for its effects.
_consume: Callable[[Iterable[Any]], None] = collections.deque(maxlen=0).extend

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
_OBJECT = b"\xacr"
_pack_int64 = struct.Struct("<2sq").pack
_unpack_int64 = struct.Struct("<q").unpack_from
_PICKLE_PROTOCOL = pickle.HIGHEST_PROTOCOL


def _wire(item: Any) -> bytes:
    """The message C and Go readers see for ``item`` (see the module docstring)."""
    kind = type(item)
    if kind is str:
        try:
            return _PREFIX_STR + str.encode(item)
        except UnicodeEncodeError:
            return _OBJECT
    if kind is bytes:
        data: bytes = item
        if not data or data[0] != _MARK:
            return data
        return _PREFIX_BYTES + data
    if kind is int:
        number: int = item
        try:
            return _pack_int64(_PREFIX_INT, number)
        except struct.error:
            size = (number.bit_length() + 8) // 8
            return _PREFIX_INT + number.to_bytes(size, "little", signed=True)
    return _OBJECT


def _encode(item: object) -> bytes:
    """A self-contained copy of ``item`` as a message (for :class:`Topic`)."""
    message = _wire(item)
    if message is _OBJECT:
        return _PREFIX_PICKLE + pickle.dumps(item, _PICKLE_PROTOCOL)
    return message


def _decode(array: bytearray, view: memoryview, start: int, end: int) -> Any:
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


assert ctypes.sizeof(_P) == ctypes.sizeof(_SIZE)  # a batch steps both arrays alike


def _release(context: int | None, address: int) -> None:
    """The queues' release function: drops the reference of an item that left
    a queue other than through a Python get (and tells a priority queue, whose
    ``context`` is its number in ``_watchers``, that it left)."""
    item = _from_address(address)
    _decref(item)
    if context:
        queue = _watchers.get(context)
        if queue is not None:
            queue = queue()
        if queue is not None:
            queue._forget(item)


# Priority queues that keep track of their items, by number (weakly).
_watchers: dict[int, Any] = {}
_watcher_numbers = itertools.count(1)


# One callback for every queue, alive as long as the module.
_release_callback = _ffi.ac_queue_release_fn(_release)

_queue_new = function("ac_queue_new_attached")
_queue_shutdown_now = function("ac_queue_shutdown")
_queue_close = function("ac_queue_close")
_queue_release = function("ac_queue_release")


def _queue_free(handle: Any) -> None:
    """Shut the queue down discarding its items, close it and release it."""
    _queue_shutdown_now(handle, True, None)
    _queue_close(handle)
    _queue_release(handle)


# Hot: the first try of a put and of a get (PyDLL: the GIL is kept).
#
# ac_queue_put_attached(queue, attachment, data, len, timeout_ns): argtypes
# cover the handle and the attachment (an address, above 2**31); data, len
# and the timeout 0 go without conversion where the platform's libffi
# sign-extends a C int to the 64-bit register a size_t or int64_t parameter
# reads (x86-64 and arm64, not Windows: ctypes passes arguments beyond
# argtypes as it would without any); elsewhere every argument is declared.
_BARE_INTS = sys.platform != "win32" and platform.machine().lower() in (
    "x86_64",
    "amd64",
    "aarch64",
    "arm64",
)
_try_put = function("ac_queue_put_attached", keep_gil=True, declared=2 if _BARE_INTS else None)
_try_put_message = function("ac_queue_put_attached", keep_gil=True)
# ac_queue_take_attached(queue, otherwise) -> the attachment of the next item,
# or ``otherwise``. With a py_object restype, ctypes returns the object and
# takes over the reference the function returns, which is the queue's: no
# reference to drop. ``otherwise`` is _NOTHING, whose reference the call did
# not give: a get that receives it takes one for it.
# Both arguments are bound c_void_p objects, which ctypes passes as they are
# (no argtypes: no converter call per argument).
_take = function("ac_queue_take_attached", keep_gil=True, restype=ctypes.py_object, declared=0)
_NOTHING = object()
_NOTHING_ADDRESS = _P(id(_NOTHING))
# The waits.
_put_wait = function("ac_queue_put_attached")
# ac_queue_put_keyed(queue, key, key_len, attachment, data, len, timeout_ns)
_put_keyed = function("ac_queue_put_keyed", keep_gil=True)
_put_keyed_wait = function("ac_queue_put_keyed")
# ac_queue_get_attached(queue, buffer, capacity, timeout_ns, out_len, out_attachment)
_get_wait = function("ac_queue_get_attached")
_try_get = function("ac_queue_get_attached", keep_gil=True)
_put_many = function("ac_queue_put_many_attached")
_get_many = function("ac_queue_get_many_attached")
_try_put_many = function("ac_queue_put_many_attached", keep_gil=True)
_try_get_many = function("ac_queue_get_many_attached", keep_gil=True)
_task_done = function("ac_queue_task_done", keep_gil=True)
_task_done_many = function("ac_queue_task_done_many", keep_gil=True)
_join = function("ac_queue_join")
_shutdown = function("ac_queue_shutdown")
_size = function("ac_queue_size", keep_gil=True)
_empty = function("ac_queue_is_empty", keep_gil=True)
_full = function("ac_queue_is_full", keep_gil=True)
_closed = function("ac_queue_is_closed", keep_gil=True)
_unfinished = function("ac_queue_unfinished_tasks", keep_gil=True)
_maxsize = function("ac_queue_maxsize", keep_gil=True)
_takes_attachments = function("ac_queue_takes_attachments", keep_gil=True)

_topic_new = function("ac_topic_new")
_topic_release = function("ac_topic_release")


def _topic_free(handle: Any) -> None:
    """Close the topic and release it."""
    _topic_close(handle)
    _topic_release(handle)


_topic_close = function("ac_topic_close")
_topic_subscribe = function("ac_topic_subscribe")
_topic_unsubscribe = function("ac_topic_unsubscribe")
_topic_subscribers = function("ac_topic_subscribers", keep_gil=True)
_topic_publish = function("ac_topic_publish")


def _free_queue(handle: ctypes.c_void_p) -> None:
    """Free a queue's handle, first setting it to NULL: every call bound to it
    then fails (AC_NULL_POINTER) instead of using freed memory.

    When a garbage collection frees the queue (it was part of a reference
    cycle), the ``__del__`` methods of the same garbage run after this
    weakref callback and may still put into the queue (CPython's
    ``test_reentrancy`` does): the handle is then freed when the collection
    ends, as the C ``queue.SimpleQueue`` would be.
    """
    if _collecting:
        _freed_after_collection.append(handle)
        return
    address = handle.value
    handle.value = None
    _queue_free(address)


_collecting = False
_freed_after_collection: list[ctypes.c_void_p] = []


def _watch_collections(phase: str, info: dict[str, int]) -> None:
    global _collecting
    _collecting = phase == "start"
    while not _collecting and _freed_after_collection:
        _free_queue(_freed_after_collection.pop())


gc.callbacks.append(_watch_collections)


class _Receiver:
    """One thread's out-parameters and receive buffer for one queue."""

    __slots__ = ("array", "buffer", "capacity", "length", "object", "view")

    def __init__(self, handle: ctypes.c_void_p, capacity: int) -> None:
        self.array = bytearray(capacity)
        self.view = memoryview(self.array)
        self.buffer = (ctypes.c_char * capacity).from_buffer(self.array)
        self.capacity = capacity
        self.length = _SIZE()
        # The attachment out-parameter: reading .value makes the object (a
        # new reference), or raises ValueError when the native side wrote
        # NULL (an item put by C or Go: its bytes are in the buffer).
        self.object = ctypes.py_object()

    def bytes_item(self) -> Any:
        """The item whose bytes the last get copied into the buffer."""
        return _decode(self.array, self.view, 0, self.length.value)


class _ClosedLocal:
    """Stands in for a closed queue's per-thread state: any use raises."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __getattr__(self, name: str) -> Any:
        raise_closed(self.kind)


def _report_closed(*args: Any) -> int:
    return CLOSED


def _queue_timeout(timeout: float | None) -> float | None:
    """``queue``'s rule: None, or a non-negative number of seconds."""
    if timeout is not None and timeout < 0:
        raise ValueError("'timeout' must be a non-negative number")
    return timeout


class _NativeQueue(_Native, Generic[_T]):
    """What every queue class shares: put/get (single and batch), sizes, close."""

    _kind = "Queue"
    _c_name = "queue"
    _free = _free_queue  # type: ignore[assignment]
    _native_kind = _ffi.AC_QUEUE_FIFO

    @classmethod
    def from_handle(cls, address: int, *args: Any, **kwargs: Any) -> Any:
        """Adopt a native queue made elsewhere (by C, Go, or another allcore
        object's :attr:`handle`), taking a reference of its own; its bound is
        the native queue's. :meth:`close` then releases this reference only.

        A queue made by ``ac_queue_new`` (no attachments) carries messages
        only: ``bytes``, ``str`` and ``int`` go in the wire format and come
        out equal (not identical); putting any other object raises TypeError.
        """
        if cls is PriorityQueue:
            raise TypeError("PriorityQueue cannot adopt a handle: it keys its own items")
        adopted = super().from_handle(address, *args, **kwargs)
        bound, takes = _SIZE(), ctypes.c_bool()
        status = _maxsize(adopted._handle, ctypes.byref(bound)) or _takes_attachments(
            adopted._handle, ctypes.byref(takes)
        )
        if status:
            raise adopted._error(status, "from_handle")
        if not takes.value:
            adopted._carry_messages_only()
        adopted._bounded = bound.value > 0
        if "maxsize" in vars(adopted):
            adopted.maxsize = bound.value
        return adopted

    def _open(self, maxsize: int, context: int | None = None) -> None:
        handle = _new(_queue_new, self._native_kind, maxsize, 0, _release_callback, context)
        self._own(handle)
        self._bounded = maxsize > 0
        self._tls: Any = threading.local()
        # The first tries, GIL kept: put's (attachment, data, len, 0) ->
        # status; get's () -> the object, or _NOTHING.
        self._try_put: Any = functools.partial(_try_put, handle)
        self._take: Any = functools.partial(_take, handle, _NOTHING_ADDRESS)
        self._messages_only = False

    def _carry_messages_only(self) -> None:
        """Put into this (adopted) queue without attachments: it was made by
        ``ac_queue_new``, whose items carry bytes only."""
        self._messages_only = True
        self._try_put = self._put_message

    def _put_message(self, token: int, data: bytes, length: int, ns: int) -> int:
        """The first try of a put into a queue of messages only, the
        reference put took for the item (at ``token``) dropped if it went in."""
        if data is _OBJECT:
            return _INVALID
        status: int = _try_put_message(self._handle, None, data, length, ns)
        if status == OK:
            _decref(_from_address(token))
        return status

    def _not_a_message(self, item: object, what: str) -> TypeError:
        return TypeError(
            f"{what}: this queue carries messages only (it was made without "
            f"attachments): bytes, str or int, not {type(item).__qualname__}"
        )

    def _disarm(self) -> None:
        # The first try of a put now reports AC_CLOSED, so that put drops
        # the reference it took.
        self._try_put = _report_closed
        self._take = functools.partial(raise_closed, self._kind)
        self._tls = _ClosedLocal(self._kind)
        self._wake_for_close()

    def _wake_for_close(self) -> None:
        # Waiters wake with AC_CLOSED (no draining: the items are dropped).
        if not self._adopted:
            _queue_shutdown_now(self._handle, True, None)
            _queue_close(self._handle)

    def _receiver(self, capacity: int = _FIRST_CAPACITY) -> _Receiver:
        receiver = _Receiver(self._handle, capacity)
        self._tls.receiver = receiver
        return receiver

    def _error(self, status: int, what: str) -> Exception:
        if self._handle.value is None or (status == CLOSED and self._closed):
            return ClosedError(f"this allcore {self._kind} is closed", CLOSED)
        if status == CLOSED:
            return ShutDown()
        if status == _INVALID and what.endswith(".put"):
            return ValueError(
                f"{what}: the item's message is over the queue's item size limit "
                f"({_ffi.AC_QUEUE_DEFAULT_MAX_ITEM_SIZE} bytes)"
            )
        error: Exception = error_for(status, what)
        return error

    # ----------------------------------------------------------------- put

    def put(self, item: _T, block: bool = True, timeout: float | None = None) -> None:
        """Put ``item`` in the queue.

        With ``block`` true and ``timeout`` None, waits as long as a bounded
        queue is full; with a ``timeout`` (seconds, >= 0), raises
        ``queue.Full`` if no room came in time; with ``block`` false, raises
        ``queue.Full`` at once when full (``timeout`` is ignored). Raises
        :class:`ShutDown` after :meth:`shutdown`.
        """
        # _wire, with its most common cases inline.
        kind = type(item)
        if kind is str:
            try:
                data = _PREFIX_STR + item.encode()  # type: ignore[attr-defined]
            except UnicodeEncodeError:
                data = _OBJECT
        elif kind is bytes and (not item or item[0] != _MARK):  # type: ignore[index]
            data = item
        elif kind is int:
            try:
                data = _pack_int64(_PREFIX_INT, item)
            except struct.error:  # beyond 64 bits
                data = _wire(item)
        elif kind is bytes:
            data = _PREFIX_BYTES + item  # type: ignore[operator]
        else:
            data = _OBJECT
        if timeout is not None and block and self._bounded:
            _queue_timeout(timeout)
        _incref(item)
        status = self._try_put(id(item), data, len(data), 0)
        if status != 0:
            self._put_waiting(item, data, block, timeout, status)

    def put_nowait(self, item: _T) -> None:
        """``put(item, block=False)``."""
        return self.put(item, False)

    def _put_waiting(
        self,
        item: object,
        data: bytes,
        block: bool,
        timeout: float | None,
        status: int,
        key: bytes = b"",
    ) -> None:
        """After a first try that did not put (``status``): wait for room as
        ``put`` says. The reference taken for ``item`` is dropped unless it
        goes in."""
        token = id(item)
        # A queue of messages only keeps no reference: finally drops it.
        attachment = None if self._messages_only else token
        try:
            what = f"{self._kind}.put"
            if attachment is None and data is _OBJECT:
                raise self._not_a_message(item, what)
            if status not in GAVE_UP:
                raise self._error(status, what)
            if not block:
                raise Full
            handle = self._enter()
        except BaseException:
            _decref(item)
            raise
        try:
            for ns in wait_slices(timeout):
                if key:
                    status = _put_keyed_wait(handle, key, len(key), token, data, len(data), ns)
                else:
                    status = _put_wait(handle, attachment, data, len(data), ns)
                if status == OK:
                    if attachment is not None:
                        token = 0
                    return
                if status not in GAVE_UP:
                    raise self._error(status, what)
                if self._closed:
                    raise_closed(self._kind)
            raise Full
        finally:
            if token:
                _decref(item)
            self._leave()

    def put_many(
        self, items: Iterable[_T], block: bool = True, timeout: float | None = None
    ) -> None:
        """Put every item of the iterable ``items``, in order, in one native call.

        ``block``/``timeout`` cover the whole batch, as for :meth:`put`. If
        they run out, raises ``queue.Full`` whose ``put_count`` attribute
        says how many of the first items went in (the rest did not).
        """
        items = list(items)
        count = len(items)
        if not count:
            return
        blob, lengths = _batch_messages(items)
        if self._messages_only:
            for item in items:
                if _wire(item) is _OBJECT:
                    raise self._not_a_message(item, f"{self._kind}.put_many")
            tokens = array.array(_WORD, bytes(count * array.array(_WORD).itemsize))
        else:
            # Each item's attachment is its address (the reference taken below).
            tokens = array.array(_WORD, map(id, items))
        tokens_at = tokens.buffer_info()[0]
        if block and self._bounded:
            timeout = _queue_timeout(timeout)
        done, offset, put = 0, 0, _SIZE()
        if not blob:
            blob = bytearray(1)
        data = (ctypes.c_char * len(blob)).from_buffer(blob)
        step = ctypes.sizeof(_P)
        lengths_at = lengths.buffer_info()[0]
        referenced = not self._messages_only
        if referenced:
            _consume(map(_incref, items))
        handle = self._enter()
        try:

            def put_rest(call: Any, ns: int) -> bool:
                """Put the items not yet put; whether all went in."""
                nonlocal done, offset
                status = call(
                    handle,
                    tokens_at + done * step,
                    ctypes.byref(data, offset),
                    lengths_at + done * step,
                    count - done,
                    ns,
                    ctypes.byref(put),
                )
                offset += sum(lengths[done : done + put.value])
                done += put.value
                if status not in GAVE_UP and status != OK:
                    raise self._error(status, f"{self._kind}.put")
                if status != OK and self._closed:
                    raise_closed(self._kind)
                return status == OK

            if put_rest(_try_put_many, 0):
                return
            if block:
                for ns in wait_slices(timeout):
                    if put_rest(_put_many, ns):
                        return
            error = Full(f"{done} of {count} items were put")
            error.put_count = done  # type: ignore[attr-defined]
            raise error
        finally:
            if referenced and done < count:
                _consume(map(_decref, items[done:]))
            self._leave()

    # ----------------------------------------------------------------- get

    def get(self, block: bool = True, timeout: float | None = None) -> _T:
        """Remove and return the next item.

        With ``block`` true and ``timeout`` None, waits until there is one;
        with a ``timeout`` (seconds, >= 0), raises ``queue.Empty`` if none
        came in time; with ``block`` false, raises ``queue.Empty`` at once
        when empty. After :meth:`shutdown`, returns the items left and then
        raises :class:`ShutDown`.
        """
        if timeout is not None and block:
            _queue_timeout(timeout)
        item = self._take()
        if item is _NOTHING:  # nothing now, or an item put by C or Go next
            _incref(_NOTHING)
            return self._get_waiting(block, timeout)  # type: ignore[no-any-return]
        return item  # type: ignore[no-any-return]

    def get_nowait(self) -> _T:
        """``get(block=False)``."""
        return self.get(False)

    def _get_waiting(self, block: bool, timeout: float | None) -> Any:
        """After a first try that took nothing: an item without attachment
        may be next, or none may be there yet."""
        handle = self._enter()
        try:
            try:
                self._tls.receiver  # noqa: B018 (made on a thread's first wait)
            except AttributeError:
                self._receiver()

            def get(ns: int) -> Any:
                """The next item, or _NOTHING if none came within ``ns``."""
                while True:
                    receiver = self._tls.receiver
                    status = (_get_wait if ns else _try_get)(
                        handle,
                        receiver.buffer,
                        receiver.capacity,
                        ns,
                        ctypes.byref(receiver.length),
                        ctypes.byref(receiver.object),
                    )
                    if status == OK:
                        return self._received(receiver)
                    if status == _TOO_SMALL:
                        # The item stays queued: take it at once with room for it.
                        self._receiver(max(receiver.length.value, 2 * receiver.capacity))
                        ns = 0
                        continue
                    if status not in GAVE_UP:
                        raise self._error(status, f"{self._kind}.get")
                    if self._closed:
                        raise_closed(self._kind)
                    return _NOTHING

            # Once more without waiting (an item put by C or Go), then waiting.
            item = get(0)
            if item is _NOTHING and block:
                for ns in wait_slices(timeout):
                    item = get(ns)
                    if item is not _NOTHING:
                        break
            if item is _NOTHING:
                raise Empty
            return item
        finally:
            self._leave()

    def _received(self, receiver: _Receiver) -> Any:
        """The item a get just took into ``receiver``."""
        try:
            item = receiver.object.value
        except ValueError:  # put by C or Go: its bytes are in the buffer
            item = receiver.bytes_item()
            if receiver.capacity > _KEEP_LIMIT:
                self._receiver()
            return item
        _decref(item)
        return item

    def get_many(
        self, max_items: int, block: bool = True, timeout: float | None = None
    ) -> list[_T]:
        """Remove and return up to ``max_items`` items as a list, in one native call.

        Waits for the first item as :meth:`get` does (``queue.Empty`` if
        none comes), then takes, without waiting, the items already queued.
        """
        max_items = operator.index(max_items)
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        if block:
            timeout = _queue_timeout(timeout)
        tls = self._tls
        batch = getattr(tls, "batch", None)
        if batch is None or len(batch[1]) < max_items:
            room = max(max_items, 64)
            batch = tls.batch = [
                bytearray(_BATCH_CAPACITY),
                (_SIZE * room)(),
                (ctypes.py_object * room)(),
            ]
        blob, lengths, objects = batch
        count = _SIZE()
        handle = self._enter()
        try:

            def get_batch(call: Any, ns: int) -> list[Any] | None:
                """The items taken, or None if none came within ``ns``."""
                nonlocal blob
                while True:
                    buffer = (ctypes.c_char * len(blob)).from_buffer(blob)
                    status = call(
                        handle,
                        buffer,
                        len(blob),
                        lengths,
                        objects,
                        max_items,
                        ns,
                        ctypes.byref(count),
                    )
                    del buffer  # lets the bytearray be replaced below
                    if status == OK:
                        return self._taken(batch, count.value)
                    if status == _TOO_SMALL:
                        # The first item stays queued: take it at once with room for it.
                        blob = batch[0] = bytearray(max(lengths[0], 2 * len(blob)))
                        call, ns = _try_get_many, 0
                        continue
                    if status not in GAVE_UP:
                        raise self._error(status, f"{self._kind}.get")
                    if self._closed:
                        raise_closed(self._kind)
                    return None

            items = get_batch(_try_get_many, 0)
            if items is None and block:
                for ns in wait_slices(timeout):
                    items = get_batch(_get_many, ns)
                    if items is not None:
                        break
            if items is None:
                raise Empty
            return items
        finally:
            self._leave()

    def _taken(self, batch: list[Any], count: int) -> list[Any]:
        """The items a batch get took: objects from their attachments, the
        rest decoded from the buffer."""
        blob, lengths, objects = batch
        try:
            items: list[Any] = objects[:count]
        except ValueError:  # some came from C or Go, as bytes
            items = []
            view = memoryview(blob)
            start = 0
            for index in range(count):
                try:
                    item = objects[index]
                    _decref(item)
                except ValueError:
                    length = lengths[index]
                    item = _decode(blob, view, start, start + length)
                    start += length
                items.append(item)
            view.release()
            if len(blob) > _KEEP_LIMIT:
                batch[0] = bytearray(_BATCH_CAPACITY)
            return items
        _consume(map(_decref, items))
        return items

    # ------------------------------------------------------------- close

    def close(self) -> None:
        """Close the native queue, dropping the items left, and release
        Python's reference (an adopted queue, :meth:`from_handle`, is only
        released). Calling it again does nothing.

        Threads waiting on it, in any language, wake with
        :class:`~allcore.ClosedError`; the memory is freed when the last
        reference, and the last call in progress, is gone.
        """
        super().close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        closed: bool = self._closed
        return closed

    # ------------------------------------------------------------- queries

    def _query(self, getter: Any, ctype: Any, what: str) -> Any:
        value = ctype()
        status = getter(self._handle_now(), ctypes.byref(value))
        if status:
            raise self._error(status, what)
        return value.value

    def qsize(self) -> int:
        """The approximate number of items in the queue."""
        return self._query(_size, _SIZE, "qsize")  # type: ignore[no-any-return]

    def empty(self) -> bool:
        """Whether the queue is empty now (a snapshot, as in ``queue``)."""
        return self._query(_empty, ctypes.c_bool, "empty")  # type: ignore[no-any-return]

    def _state(self) -> str:
        return f"qsize={self.qsize()}"


# Batches build their arrays of lengths and attachments with the array
# module (C loops), not ctypes arrays (one conversion per element).
_WORD = "Q" if array.array("Q").itemsize == ctypes.sizeof(_SIZE) else "L"
assert array.array(_WORD).itemsize == ctypes.sizeof(_SIZE)


def _batch_messages(items: list[Any]) -> tuple[bytearray, array.array[int]]:
    """The messages of ``items`` one after another, and their lengths, with
    loops in C for batches of one common type."""
    count = len(items)
    kinds = set(map(type, items))
    if kinds == {str}:
        try:
            encoded = list(map(str.encode, items))
        except UnicodeEncodeError:
            pass
        else:
            blob = bytearray(_PREFIX_STR)
            blob += _PREFIX_STR.join(encoded)
            sizes = map(operator.add, map(len, encoded), itertools.repeat(2))
            return blob, array.array(_WORD, sizes)
    if kinds == {int}:
        try:
            values = array.array("q", items).tobytes()
        except OverflowError:
            pass
        else:
            if sys.byteorder == "little":
                # 0xAC 'i' + 8 bytes per item, interleaved by slices.
                blob = bytearray(10 * count)
                blob[0::10] = bytes((_MARK,)) * count
                blob[1::10] = bytes((_TAG_INT,)) * count
                for byte in range(8):
                    blob[2 + byte :: 10] = values[byte::8]
                return blob, array.array(_WORD, [10]) * count
    if not kinds & {str, bytes, int}:
        return bytearray(_OBJECT * count), array.array(_WORD, [len(_OBJECT)]) * count
    messages = list(map(_wire, items))
    return bytearray().join(messages), array.array(_WORD, map(len, messages))


class SimpleQueue(_NativeQueue[_T]):
    """An unbounded FIFO queue (``queue.SimpleQueue``): no ``task_done``/``join``.

    ``put`` never blocks (``block`` and ``timeout`` are accepted and ignored,
    as in ``queue``).
    """

    _kind = "SimpleQueue"

    def __init__(self) -> None:
        self._open(0)


class Queue(_NativeQueue[_T]):
    """A FIFO queue (``queue.Queue``) holding at most ``maxsize`` items (<= 0: no limit).

    Besides ``queue.Queue``'s methods it has :meth:`put_many`,
    :meth:`get_many` and :meth:`close`.
    """

    _kind = "Queue"

    def __init__(self, maxsize: int = 0) -> None:
        self.maxsize = maxsize
        self._open(max(0, operator.index(maxsize)))

    def full(self) -> bool:
        """Whether a bounded queue holds ``maxsize`` items now."""
        return self._query(_full, ctypes.c_bool, "full")  # type: ignore[no-any-return]

    @property
    def unfinished_tasks(self) -> int:
        """Items put and not yet marked done with :meth:`task_done`."""
        return self._query(_unfinished, _SIZE, "unfinished_tasks")  # type: ignore[no-any-return]

    @property
    def is_shutdown(self) -> bool:
        """Whether :meth:`shutdown` was called."""
        return self._query(_closed, ctypes.c_bool, "is_shutdown")  # type: ignore[no-any-return]

    def task_done(self, count: int = 1) -> None:
        """Mark ``count`` fetched items (default one) as processed, for :meth:`join`.

        Raises ValueError if called more times than there were items put.
        """
        handle = self._handle_now()
        if count == 1:
            status = _task_done(handle)
        else:
            status = _task_done_many(handle, operator.index(count))
        if status == _INVALID:
            raise ValueError("task_done() called too many times")
        if status:
            raise self._error(status, "task_done")

    def join(self) -> None:
        """Block until every item put has been marked done with :meth:`task_done`."""
        handle = self._enter()
        try:
            for ns in wait_slices(None):
                status = _join(handle, ns)
                if status == OK and not self._closed:
                    return
                if status not in (OK, *GAVE_UP):
                    raise self._error(status, "join")
                if self._closed:
                    raise_closed(self._kind)
        finally:
            self._leave()

    def shutdown(self, immediate: bool = False) -> None:
        """Shut the queue down (Python 3.13's ``Queue.shutdown``).

        Later puts raise :class:`ShutDown`; gets return the items left, then
        raise :class:`ShutDown`; blocked puts and gets wake. With
        ``immediate``, the items left are discarded (and counted done for
        :meth:`join`), so gets raise at once.
        """
        status = _shutdown(self._handle_now(), bool(immediate), None)
        if status:
            raise self._error(status, "shutdown")

    def _state(self) -> str:
        return f"maxsize={self.maxsize} qsize={self.qsize()}"


class LifoQueue(Queue[_T]):
    """A last-in, first-out queue (``queue.LifoQueue``)."""

    _kind = "LifoQueue"
    _native_kind = _ffi.AC_QUEUE_LIFO


# ------------------------------------------------------------ priority keys

# Type codes of the key encoding; a tuple ends with _END, which sorts before
# every element, so a tuple that is a prefix of another comes first.
_END = b"\x00"
_NUMBER = 0x10
_BYTES = 0x20
_TEXT = 0x30
_TUPLE = 0x40
_OPAQUE = 0x7F  # from here on, the order is Python's: a rank follows
_pack_double = struct.Struct(">d").pack
_TOP_BIT = 1 << 63
_ALL_BITS = (1 << 64) - 1
_FLOAT_MAX = sys.float_info.max
_EXACT_FLOAT_INT = 1 << 53


def _number_key(value: int | float) -> bytes:
    """An order-preserving key for an int, a float or a bool, one order for all:
    the nearest double's bits (ordered), then what an int differs from it by."""
    if type(value) is float:
        double = value + 0.0  # -0.0 == 0.0
        rest = 0
    elif -_EXACT_FLOAT_INT <= value <= _EXACT_FLOAT_INT:
        double, rest = float(value), 0
    else:
        try:
            double = float(value)
        except OverflowError:
            double = _FLOAT_MAX if value > 0 else -_FLOAT_MAX
        rest = int(value) - int(double)
    bits = int.from_bytes(_pack_double(double), "big")
    bits = bits ^ _ALL_BITS if bits & _TOP_BIT else bits | _TOP_BIT
    key = bytes((_NUMBER,)) + bits.to_bytes(8, "big")
    if rest == 0:
        return key + b"\x80"
    size = (abs(rest).bit_length() + 7) // 8
    if rest > 0:
        return key + b"\x81" + size.to_bytes(4, "big") + rest.to_bytes(size, "big")
    complement = (1 << (8 * size)) - 1 + rest
    return key + b"\x7f" + (0xFFFFFFFF - size).to_bytes(4, "big") + complement.to_bytes(size, "big")


def _escaped(data: bytes) -> bytes:
    return data.replace(b"\x00", b"\x00\xff") + _END


def _analyse(item: object, parts: list[bytes]) -> Any:
    """Appends ``item``'s key to ``parts`` and returns its shape; stops after
    the ``_OPAQUE`` code at the first element that has no native key (the
    shape then ends in ``"o"``)."""
    kind = type(item)
    if kind is int or kind is bool or (kind is float and item == item):
        parts.append(_number_key(item))  # type: ignore[arg-type]
        return "n"
    if kind is str:
        parts.append(bytes((_TEXT,)) + _escaped(item.encode("utf-8", "surrogatepass")))  # type: ignore[attr-defined]
        return "s"
    if kind is bytes:
        parts.append(bytes((_BYTES,)) + _escaped(item))  # type: ignore[arg-type]
        return "b"
    if kind is tuple:
        parts.append(bytes((_TUPLE,)))
        shape: list[Any] = ["t"]
        for element in item:  # type: ignore[attr-defined]
            part = _analyse(element, parts)
            shape.append(part)
            if _opaque(part):
                return tuple(shape)
        parts.append(_END)
        return tuple(shape)
    parts.append(bytes((_OPAQUE,)))
    return "o"


def _opaque(shape: Any) -> bool:
    return shape == "o" or (type(shape) is tuple and _opaque(shape[-1]))


def _between(low: bytes, high: bytes | None) -> bytes:
    """A byte string strictly between ``low`` and ``high`` (None: no bound),
    not ending in a zero byte; ``low`` < ``high``."""
    if high is None:
        # After everything: bump the last byte that can be bumped.
        for index in range(len(low) - 1, -1, -1):
            if low[index] < 0xFF:
                return low[:index] + bytes((low[index] + 1,))
        return low + b"\x01"
    out = bytearray()
    index = 0
    while True:
        below = low[index] if index < len(low) else 0
        above = high[index] if high is not None and index < len(high) else 256
        if above - below > 1:
            out.append((below + above) // 2)
            return bytes(out)
        out.append(below)
        if above - below == 1:
            high = None  # from here on only ``low`` bounds the rest
        index += 1


class _Ranks:
    """The queued items of one key prefix, in Python's order, with their ranks."""

    __slots__ = ("items", "ranks")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.ranks: list[bytes] = []

    def add(self, item: object) -> bytes:
        """Place ``item`` after its equals (comparing with ``<``, which may
        raise) and return its rank."""
        index = bisect.bisect_right(self.items, item)
        low = self.ranks[index - 1] if index else b""
        high = self.ranks[index] if index < len(self.ranks) else None
        rank = _between(low, high)
        self.items.insert(index, item)
        self.ranks.insert(index, rank)
        return rank

    def remove(self, item: object) -> None:
        for index, queued in enumerate(self.items):
            if queued is item:
                del self.items[index]
                del self.ranks[index]
                return


class PriorityQueue(Queue[_T]):
    """A lowest-first priority queue (``queue.PriorityQueue``).

    Items come out in the order ``heapq`` gives them: anything mutually
    comparable (numbers, strings, bytes, tuples of them, ``(priority,
    data)`` with any data, ``dataclass(order=True)`` instances, any type
    with ``__lt__``). Items that cannot be compared with the queued ones
    raise TypeError from :meth:`put`. Numbers, strings, bytes and tuples of
    them are ordered by native keys, without calling ``<`` (see the module
    docstring).
    """

    _kind = "PriorityQueue"
    _native_kind = _ffi.AC_QUEUE_PRIORITY

    def _open(self, maxsize: int, context: int | None = None) -> None:
        number = next(_watcher_numbers)
        _watchers[number] = weakref.ref(self)
        weakref.finalize(self, _watchers.pop, number, None)
        super()._open(maxsize, number)
        self._try_put_keyed: Any = functools.partial(_put_keyed, self._handle)
        # Reentrant: a comparison or a collection during put may run a
        # __del__ that uses the queue.
        self._order_lock = threading.RLock()
        # Shapes of the queued items: shape -> [count, an item of that shape
        # or None once it left], so that an item of another shape is
        # compared with one of them in put.
        self._shapes: dict[Any, list[Any]] = {}
        # Key prefix -> _Ranks, for items ordered by Python comparisons.
        self._ranked: dict[bytes, _Ranks] = {}

    def _disarm(self) -> None:
        super()._disarm()
        self._try_put_keyed = _report_closed

    def _admit(self, item: object) -> tuple[bytes, Any]:
        """The key of ``item``, registered as queued (raises TypeError when it
        does not compare with the queued items)."""
        parts: list[bytes] = []
        shape = _analyse(item, parts)
        with self._order_lock:
            for other, (_, example) in list(self._shapes.items()):
                if other != shape and example is not None:
                    item < example  # noqa: B015 - raises TypeError when they do not compare
            if _opaque(shape):
                prefix = b"".join(parts)
                ranks = self._ranked.get(prefix)
                if ranks is None:
                    ranks = self._ranked[prefix] = _Ranks()
                parts.append(ranks.add(item))
            entry = self._shapes.get(shape)
            if entry is None:
                self._shapes[shape] = [1, item]
            else:
                entry[0] += 1
                if entry[1] is None:
                    entry[1] = item
        return b"".join(parts), shape

    def _forget(self, item: object, shape: Any = None) -> None:
        """Unregister an item that left the queue (or never went in)."""
        if shape is None:
            parts: list[bytes] = []
            shape = _analyse(item, parts)
        else:
            parts = []
            _analyse(item, parts)
        with self._order_lock:
            if _opaque(shape):
                prefix = b"".join(parts)
                ranks = self._ranked.get(prefix)
                if ranks is not None:
                    ranks.remove(item)
                    if not ranks.items:
                        del self._ranked[prefix]
            entry = self._shapes.get(shape)
            if entry is not None:
                entry[0] -= 1
                if entry[0] <= 0:
                    del self._shapes[shape]
                elif entry[1] is item:
                    entry[1] = None

    def put(self, item: _T, block: bool = True, timeout: float | None = None) -> None:
        """As :meth:`Queue.put`; raises TypeError when ``item`` does not compare
        with the queued items."""
        if timeout is not None and block and self._bounded:
            _queue_timeout(timeout)
        key, shape = self._admit(item)
        data = _wire(item)
        _incref(item)
        status = self._try_put_keyed(key, len(key), id(item), data, len(data), 0)
        if status == 0:
            return
        try:
            self._put_waiting(item, data, block, timeout, status, key)
        except BaseException:
            self._forget(item, shape)
            raise

    def put_many(
        self, items: Iterable[_T], block: bool = True, timeout: float | None = None
    ) -> None:
        """Put every item in turn (one :meth:`put` each: every item has its own
        key). ``queue.Full`` carries ``put_count``."""
        if block and self._bounded:
            timeout = _queue_timeout(timeout)
        deadline = None if timeout is None or not block else time.monotonic() + timeout
        for done, item in enumerate(items):
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                self.put(item, block, left)
            except Full:
                error = Full(f"{done} items were put")
                error.put_count = done  # type: ignore[attr-defined]
                raise error from None

    def get(self, block: bool = True, timeout: float | None = None) -> _T:
        """As :meth:`Queue.get`: the lowest item."""
        item = super().get(block, timeout)
        self._forget(item)
        return item

    def get_many(
        self, max_items: int, block: bool = True, timeout: float | None = None
    ) -> list[_T]:
        """As :meth:`Queue.get_many`, lowest first."""
        items = super().get_many(max_items, block, timeout)
        for item in items:
            self._forget(item)
        return items


# ------------------------------------------------------------------ Topic


class Topic(_Native):
    """Publish/subscribe: :meth:`publish` copies an item into every subscribed queue.

    ``subscribe(queue)`` / ``unsubscribe(queue)`` take any allcore queue
    (also while other threads publish); a queue that is shut down or closed
    drops out by itself. Each subscriber gets its own copy: ``bytes``,
    ``str`` and ``int`` in the wire format of :meth:`Queue.put`, any other
    object pickled (a priority queue gives every published item priority 0).
    """

    _kind = "Topic"
    _free = _topic_free

    _c_name = "topic"

    def __init__(self) -> None:
        self._own(_new(_topic_new))
        self._may_block = False

    def _disarm(self) -> None:
        if not self._adopted:
            _topic_close(self._handle)

    def _call(self, status: int, what: str) -> None:
        if status == CLOSED:
            raise ClosedError(f"this allcore Topic is closed ({what})", CLOSED)
        if status:
            raise error_for(status, what)

    def subscribe(self, queue: _NativeQueue[Any]) -> None:
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

    def unsubscribe(self, queue: _NativeQueue[Any]) -> None:
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
    def subscribers(self) -> int:
        """How many queues are subscribed now."""
        count = _SIZE()
        self._call(_topic_subscribers(self._handle_now(), ctypes.byref(count)), "subscribers")
        return count.value

    def publish(self, item: object, timeout: float | None = None) -> int:
        """Put a copy of ``item`` into every subscribed queue; return how many got it.

        A full bounded subscriber is waited for: with ``timeout`` None as long
        as it takes (back-pressure), else up to ``timeout`` seconds for the
        whole publish; a subscriber still full then misses the item (with 0:
        full subscribers simply miss it). Raises
        :class:`~allcore.ClosedError` once the topic is closed.
        """
        data = _encode(item)
        ns = FOREVER if timeout is None else seconds_to_ns(_queue_timeout(timeout))
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
        if status in GAVE_UP:
            return delivered.value
        if status == _INVALID:
            raise ValueError("Topic.publish: the item is over a subscriber's item size limit")
        self._call(status, "Topic.publish")
        return delivered.value

    def _state(self) -> str:
        return f"subscribers={self.subscribers}"
