"""The CPU kernels, callable from any Python thread without holding the GIL.

Each kernel is a plain function: calling it makes one foreign call through
:class:`ctypes.CDLL`, which releases the GIL for its duration, so several
Python threads calling kernels run on several cores at once. Every argument
is checked before the native work starts: a sum that cannot fit 64 bits or a
negative count fails at once, never after a long loop.

Each function also carries a :class:`Kernel` (its ``kernel`` attribute) with
its ``AC_KERNEL_*`` id, which lets :class:`ThreadPool` run it entirely in
native code (``submit`` and ``map`` recognise it).
"""

import concurrent.futures
import ctypes
import operator
import threading
from collections.abc import Callable, Sequence
from typing import Any, SupportsIndex, TypeVar

from . import _ffi
from ._errors import check, error_for
from ._plumbing import GAVE_UP, wait_slices

__all__ = [
    "Kernel",
    "KernelBatch",
    "busy_loop",
    "busy_loop_for",
    "fib",
    "kernel_of",
    "range_sum",
]

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_UINT64_MASK = (1 << 64) - 1

#: Seconds as ``time.sleep`` takes them.
Seconds = int | float

_F = TypeVar("_F", bound=Callable[..., int])


def int64(value: SupportsIndex, what: str) -> int:
    """``value`` as an int that fits ``int64_t``; TypeError or OverflowError otherwise."""
    value = operator.index(value)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise OverflowError(f"{what} does not fit a signed 64-bit integer: {value}")
    return value


def nanoseconds(seconds: Seconds) -> int:
    """Seconds (int or float, like ``time.sleep``) as whole nanoseconds."""
    return int64(round(seconds * 1_000_000_000), "the duration in nanoseconds")


class Kernel:
    """How :class:`ThreadPool` runs a built-in kernel natively.

    ``allcore.fib.kernel`` (and so on) is one. ``kernel_id`` is the
    ``AC_KERNEL_*`` id the pool functions take, ``mappable`` whether
    ``ac_pool_submit_map_kernel`` accepts it.
    """

    __slots__ = ("__name__", "_arguments", "_unsigned", "kernel_id", "mappable")

    def __init__(
        self,
        name: str,
        kernel_id: int,
        arguments: Callable[[tuple[Any, ...], dict[str, Any]], tuple[int, int]],
        *,
        mappable: bool = True,
        unsigned: bool = False,
    ) -> None:
        self.__name__ = name
        self.kernel_id = kernel_id
        self.mappable = mappable
        self._arguments = arguments
        self._unsigned = unsigned

    def native_arguments(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int, int]:
        """The kernel's two int64 arguments ``(a, b)`` for ``args, kwargs``.

        Raises TypeError, ValueError or OverflowError when the arguments do not
        fit the kernel, exactly as calling the kernel would.
        """
        return self._arguments(args, kwargs)

    def from_native(self, value: int) -> int:
        """The Python result for the kernel's int64 result ``value``."""
        return value & _UINT64_MASK if self._unsigned else value

    def __repr__(self) -> str:
        return f"<allcore kernel {self.__name__}>"


def kernel_of(function: object) -> Kernel | None:
    """The :class:`Kernel` of a built-in kernel function, else None. Never raises."""
    entry = _KERNELS.get(id(function))
    return entry[1] if entry is not None and entry[0] is function else None


# The kernel functions by id(), with the function itself to confirm identity:
# any object (even an unhashable one) can be looked up.
_KERNELS: dict[int, tuple[object, Kernel]] = {}


# Batches whose native work may still be running, each pinning its arrays,
# from before the submit until a wait sees the batch done: a waiter that
# Ctrl-C or a timeout took away leaves its batch here, and the next batch
# sweeps out the finished ones.
_running_batches: "set[KernelBatch]" = set()
_running_batches_lock = threading.Lock()


class KernelBatch:
    """``outputs[i] = kernel(inputs[i])`` running on a pool's native workers.

    Started by :meth:`start`; :meth:`result` waits for it with the GIL
    released, as every wait is made (``_plumbing.wait_slices``): in the main
    thread in slices, so Ctrl-C (and any other signal handler) interrupts
    the wait within one slice. The native
    work cannot be stopped mid-call: an interrupted or timed-out batch is
    allowed to finish on the workers, its arrays kept alive until it has,
    and shutting the pool down waits for it.
    """

    __slots__ = ("_abandoned", "_handle", "_inputs", "_outputs", "_status", "_what")

    def __init__(self, inputs: "ctypes.Array[ctypes.c_int64]", what: str) -> None:
        self._inputs = inputs
        self._outputs = (ctypes.c_int64 * len(inputs))()
        self._handle = ctypes.c_void_p()
        self._status: int | None = None
        self._abandoned = False
        self._what = what

    @classmethod
    def start(cls, pool: Any, kernel: Kernel, values: Sequence[int], what: str) -> "KernelBatch":
        """Queue ``kernel`` over ``values`` (ints that fit int64) on the native ``pool``.

        Raises the kernel's error for a bad value, before any work starts.
        """
        batch = cls((ctypes.c_int64 * len(values))(*values), what)
        with _running_batches_lock:
            abandoned = [other for other in _running_batches if other._abandoned]
            # Pinned before the submit: whatever interrupts this thread after
            # it, the arrays outlive the native work.
            _running_batches.add(batch)
        for other in abandoned:
            if _ffi.ac_future_wait(other._handle, 0) == _ffi.AC_OK:
                other._collect()
        try:
            status = _ffi.ac_pool_submit_map_kernel(
                pool,
                kernel.kernel_id,
                batch._inputs,
                batch._outputs,
                len(values),
                ctypes.byref(batch._handle),
            )
            check(status, what)
        except BaseException:
            with _running_batches_lock:
                _running_batches.discard(batch)
            raise
        return batch

    @property
    def outputs(self) -> "ctypes.Array[ctypes.c_int64]":
        """The raw int64 results, complete once :meth:`result` has returned."""
        return self._outputs

    def result(self, timeout: float | None = None) -> "list[int]":
        """Wait for the batch and return its raw int64 results.

        Raises the first error a call reported, and TimeoutError when the
        batch is not done within ``timeout`` seconds (it keeps running).
        """
        self._abandoned = False
        try:
            for ns in wait_slices(timeout):
                if self._status is not None:
                    break  # collected meanwhile by another thread
                status = _ffi.ac_future_wait(self._handle, ns)
                if status == _ffi.AC_OK:
                    self._collect()
                    break
                if self._status is not None:
                    break
                if status not in GAVE_UP:
                    check(status, self._what)
            if self._status is None:
                raise concurrent.futures.TimeoutError()
        except BaseException:
            self._abandoned = True
            raise
        if self._status != _ffi.AC_OK:
            raise error_for(self._status, self._what, detail="")
        return list(self._outputs)

    def _collect(self) -> None:
        """Read the done native future's status, unpin the batch, free the future."""
        with _running_batches_lock:
            if self._status is not None:
                return
            self._status = _ffi.ac_future_result(self._handle, 0, None)
            _running_batches.discard(self)
            handle, self._handle = self._handle, ctypes.c_void_p()
        _ffi.ac_future_release(handle)


def _kernel(
    kernel_id: int,
    arguments: Callable[[tuple[Any, ...], dict[str, Any]], tuple[int, int]],
    *,
    mappable: bool = True,
    unsigned: bool = False,
) -> Callable[[_F], _F]:
    """Register the decorated function as the kernel ``kernel_id``."""

    def register(function: _F) -> _F:
        kernel = Kernel(
            function.__name__, kernel_id, arguments, mappable=mappable, unsigned=unsigned
        )
        function.__module__ = "allcore"
        function.kernel = kernel  # type: ignore[attr-defined]
        _KERNELS[id(function)] = (function, kernel)
        return function

    return register


def _one_argument(args: tuple[Any, ...], kwargs: dict[str, Any], name: str) -> Any:
    if len(args) == 1 and not kwargs:
        return args[0]
    if not args and len(kwargs) == 1 and name in kwargs:
        return kwargs[name]
    raise TypeError(f"this kernel takes exactly one argument: {name}")


def _iterations(iterations: SupportsIndex) -> int:
    iterations = operator.index(iterations)
    if not 0 <= iterations <= _UINT64_MASK:
        raise ValueError(f"busy_loop needs 0 <= iterations < 2**64, got {iterations}")
    return iterations


def _fib_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int, int]:
    return int64(_one_argument(args, kwargs, "n"), "n"), 0


def _busy_loop_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int, int]:
    return int64(_iterations(_one_argument(args, kwargs, "iterations")), "iterations"), 0


def _busy_loop_for_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int, int]:
    return nanoseconds(_one_argument(args, kwargs, "seconds")), 0


def _range_sum_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int, int]:
    if kwargs or len(args) != 2:
        raise TypeError("range_sum() takes exactly two arguments: start, stop")
    return int64(args[0], "start"), int64(args[1], "stop")


@_kernel(_ffi.AC_KERNEL_FIB, _fib_arguments)
def fib(n: SupportsIndex) -> int:
    """Return the n-th Fibonacci number, computed by naive recursion.

    fib(0) = 0 and fib(1) = fib(2) = 1. A CPU-burn workload whose cost grows
    about 2.6x per +2 of ``n``; it runs natively without the GIL, so Python
    threads calling it use every core. Raises :class:`InvalidArgumentError`
    (a ValueError) for ``n < 0`` and :class:`AllcoreOverflowError` (an
    OverflowError) for ``n > 92``, whose result does not fit 64 bits, before
    any work starts.
    """
    out = ctypes.c_int64()
    check(_ffi.ac_fib(int64(n, "n"), ctypes.byref(out)), f"fib({n})")
    return out.value


@_kernel(_ffi.AC_KERNEL_BUSY_LOOP, _busy_loop_arguments, unsigned=True)
def busy_loop(iterations: SupportsIndex) -> int:
    """Spin for ``iterations`` steps of a xorshift loop; return its final state.

    The state depends on every step, so the compiler cannot remove the loop.
    Runs natively without the GIL. Raises ValueError for a count outside
    ``0 <= iterations < 2**64``.
    """
    iterations = _iterations(iterations)
    out = ctypes.c_uint64()
    check(_ffi.ac_busy_loop(iterations, ctypes.byref(out)), f"busy_loop({iterations})")
    return out.value


@_kernel(_ffi.AC_KERNEL_BUSY_LOOP_FOR, _busy_loop_for_arguments, unsigned=True)
def busy_loop_for(seconds: Seconds) -> int:
    """Spin on this thread for ``seconds`` (an int or float, like ``time.sleep``).

    Keeps one core busy without the GIL and returns the number of loop
    iterations done. Raises :class:`InvalidArgumentError` (a ValueError) for
    a negative duration.
    """
    out = ctypes.c_uint64()
    check(
        _ffi.ac_busy_loop_for(nanoseconds(seconds), ctypes.byref(out)),
        f"busy_loop_for({seconds})",
    )
    return out.value


@_kernel(_ffi.AC_KERNEL_RANGE_SUM, _range_sum_arguments, mappable=False)
def range_sum(start: SupportsIndex, stop: SupportsIndex) -> int:
    """Return ``sum(range(start, stop))``, computed natively by visiting each integer.

    O(n) work, vectorised, without the GIL; an empty range sums to 0. Raises
    :class:`AllcoreOverflowError` (an OverflowError) at once, without
    iterating, when the sum does not fit a signed 64-bit integer (so
    ``range_sum(0, 2**63 - 1)`` fails immediately), and OverflowError when
    ``start`` or ``stop`` does not fit one.
    """
    out = ctypes.c_int64()
    status = _ffi.ac_range_sum(int64(start, "start"), int64(stop, "stop"), ctypes.byref(out))
    check(status, f"range_sum({start}, {stop})")
    return out.value
