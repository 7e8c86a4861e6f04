"""The CPU kernels, callable from any Python thread without holding the GIL.

Each kernel is a small callable object: calling it makes one foreign call
through :class:`ctypes.CDLL`, which releases the GIL for its duration, so
several Python threads calling kernels run on several cores at once. The
object also carries its ``AC_KERNEL_*`` id, which lets :class:`ThreadPool`
run it entirely in native code (``submit`` and ``map`` recognise it).
"""

import ctypes
import operator

from . import _ffi
from ._errors import check

__all__ = ["Kernel", "busy_loop", "busy_loop_for", "fib", "range_sum"]

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_UINT64_MASK = (1 << 64) - 1


def int64(value, what):
    """``value`` as an int that fits ``int64_t``; TypeError or OverflowError otherwise."""
    value = operator.index(value)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise OverflowError(f"{what} does not fit a signed 64-bit integer: {value}")
    return value


def nanoseconds(seconds):
    """Seconds (int or float, like ``time.sleep``) as whole nanoseconds."""
    return int64(round(seconds * 1_000_000_000), "the duration in nanoseconds")


class Kernel:
    """A built-in native kernel (``allcore.fib`` etc.).

    Instances are callable like functions. :class:`ThreadPool` recognises them
    and runs them on its workers without ever taking the GIL.
    """

    __slots__ = ()

    #: The ``AC_KERNEL_*`` id the pool functions take.
    kernel_id = -1
    #: Whether ``ac_pool_map_kernel`` accepts this kernel.
    mappable = True

    def native_arguments(self, args, kwargs):
        """The kernel's two int64 arguments ``(a, b)`` for ``args, kwargs``.

        Raises TypeError, ValueError or OverflowError when the arguments do not
        fit the kernel, exactly as calling the kernel would.
        """
        raise NotImplementedError

    def from_native(self, value):
        """The Python result for the kernel's int64 result ``value``."""
        return value

    def __repr__(self):
        return f"<allcore kernel {self.__name__}>"

    def __reduce__(self):
        return self.__name__


class _Fib(Kernel):
    __slots__ = ()
    __name__ = "fib"
    kernel_id = _ffi.AC_KERNEL_FIB

    def __call__(self, n):
        """``fib(n)`` by naive recursion (fib(0) = 0, fib(1) = fib(2) = 1).

        A CPU-burn workload whose cost grows about 2.6x per +2 of ``n``; runs
        without the GIL. Raises :class:`InvalidArgumentError` (a ValueError)
        for ``n < 0`` and :class:`AllcoreOverflowError` (an OverflowError) for
        ``n > 92``, whose result does not fit 64 bits.
        """
        out = ctypes.c_int64()
        check(_ffi.ac_fib(int64(n, "n"), ctypes.byref(out)), f"fib({n})")
        return out.value

    def native_arguments(self, args, kwargs):
        return _one_argument(args, kwargs, "n"), 0


class _BusyLoop(Kernel):
    __slots__ = ()
    __name__ = "busy_loop"
    kernel_id = _ffi.AC_KERNEL_BUSY_LOOP

    def __call__(self, iterations):
        """Spin for ``iterations`` steps of a xorshift loop; return its final state.

        Runs without the GIL. Raises ValueError for a negative count.
        """
        iterations = _iterations(iterations)
        out = ctypes.c_uint64()
        check(_ffi.ac_busy_loop(iterations, ctypes.byref(out)), f"busy_loop({iterations})")
        return out.value

    def native_arguments(self, args, kwargs):
        return _iterations(_one_argument(args, kwargs, "iterations")), 0

    def from_native(self, value):
        return value & _UINT64_MASK


class _BusyLoopFor(Kernel):
    __slots__ = ()
    __name__ = "busy_loop_for"
    kernel_id = _ffi.AC_KERNEL_BUSY_LOOP_FOR

    def __call__(self, seconds):
        """Spin on this thread for ``seconds`` (a float, like ``time.sleep``).

        Keeps one core busy without the GIL and returns the number of loop
        iterations done. Raises :class:`InvalidArgumentError` (a ValueError)
        for a negative duration.
        """
        out = ctypes.c_uint64()
        check(
            _ffi.ac_busy_loop_for(nanoseconds(seconds), ctypes.byref(out)),
            f"busy_loop_for({seconds})",
        )
        return out.value

    def native_arguments(self, args, kwargs):
        return nanoseconds(_one_argument(args, kwargs, "seconds")), 0

    def from_native(self, value):
        return value & _UINT64_MASK


class _RangeSum(Kernel):
    __slots__ = ()
    __name__ = "range_sum"
    kernel_id = _ffi.AC_KERNEL_RANGE_SUM
    mappable = False

    def __call__(self, start, stop):
        """``sum(range(start, stop))`` computed natively (O(n), vectorised).

        An empty range sums to 0. Runs without the GIL. Raises
        :class:`AllcoreOverflowError` (an OverflowError) when the sum does not
        fit a signed 64-bit integer.
        """
        out = ctypes.c_int64()
        status = _ffi.ac_range_sum(int64(start, "start"), int64(stop, "stop"), ctypes.byref(out))
        check(status, f"range_sum({start}, {stop})")
        return out.value

    def native_arguments(self, args, kwargs):
        if kwargs or len(args) != 2:
            raise TypeError("range_sum() takes exactly two arguments: start, stop")
        return int64(args[0], "start"), int64(args[1], "stop")


def _one_argument(args, kwargs, name):
    if len(args) == 1 and not kwargs:
        value = args[0]
    elif not args and len(kwargs) == 1 and name in kwargs:
        value = kwargs[name]
    else:
        raise TypeError(f"this kernel takes exactly one argument: {name}")
    return int64(value, name)


def _iterations(iterations):
    iterations = operator.index(iterations)
    if not 0 <= iterations <= _UINT64_MASK:
        raise ValueError(f"busy_loop needs 0 <= iterations < 2**64, got {iterations}")
    return iterations


fib = _Fib()
busy_loop = _BusyLoop()
busy_loop_for = _BusyLoopFor()
range_sum = _RangeSum()
