"""allcore: native CPU kernels and a thread pool that use every core, without the GIL.

The kernels (:func:`fib`, :func:`busy_loop`, :func:`busy_loop_for`,
:func:`range_sum`) are plain foreign calls that release the GIL, so Python
threads calling them run in parallel. :class:`ThreadPool` is a
``concurrent.futures.Executor`` whose workers are native threads; kernels and
ctypes ``int64_t f(int64_t)`` functions handed to it run without ever taking
the GIL, and ``pool.map(allcore.fib, inputs)`` fills every core from one
Python thread::

    import allcore

    with allcore.ThreadPool() as pool:
        print(list(pool.map(allcore.fib, [30] * 8)))

The shared library is found as described in ``allcore._lib``
(``ALLCORE_LIBRARY`` overrides it).
"""

from . import _ffi
from ._errors import (
    AllcoreCancelledError,
    AllcoreError,
    AllcoreOverflowError,
    AllcoreTimeoutError,
    BrokenError,
    BufferTooSmallError,
    ClosedError,
    InvalidArgumentError,
    NoMemoryError,
    NotOwnerError,
    NullPointerError,
    PanicError,
    WouldBlockError,
)
from ._kernels import Kernel, busy_loop, busy_loop_for, fib, range_sum
from ._lib import library_path
from ._pool import PoolStats, ThreadPool, available_cpus
from ._queue import (
    Empty,
    Full,
    LifoQueue,
    PriorityQueue,
    Queue,
    ShutDown,
    SimpleQueue,
    Topic,
)
from ._sync import (
    AtomicCounter,
    Barrier,
    BoundedSemaphore,
    BrokenBarrierError,
    Condition,
    CountDownLatch,
    Event,
    Lock,
    RLock,
    RWLock,
    Semaphore,
    lock_all,
)
from ._timer import Timer

__all__ = [
    "AllcoreCancelledError",
    "AllcoreError",
    "AllcoreOverflowError",
    "AllcoreTimeoutError",
    "AtomicCounter",
    "Barrier",
    "BoundedSemaphore",
    "BrokenBarrierError",
    "BrokenError",
    "BufferTooSmallError",
    "ClosedError",
    "Condition",
    "CountDownLatch",
    "Empty",
    "Event",
    "Full",
    "InvalidArgumentError",
    "Kernel",
    "LifoQueue",
    "Lock",
    "NoMemoryError",
    "NotOwnerError",
    "NullPointerError",
    "PanicError",
    "PoolStats",
    "PriorityQueue",
    "Queue",
    "RLock",
    "RWLock",
    "Semaphore",
    "ShutDown",
    "SimpleQueue",
    "ThreadPool",
    "Timer",
    "Topic",
    "WouldBlockError",
    "available_cpus",
    "busy_loop",
    "busy_loop_for",
    "fib",
    "library_path",
    "lock_all",
    "range_sum",
    "version",
]

__version__ = "0.2.0"


def version() -> tuple[int, int, int]:
    """The native library's version as a ``(major, minor, patch)`` tuple."""
    packed = int(_ffi.ac_version())
    return (packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF)


if version()[0] != _ffi.AC_VERSION_MAJOR:
    raise ImportError(
        f"allcore library {library_path} has ABI version {version()}, "
        f"this package needs major version {_ffi.AC_VERSION_MAJOR}"
    )
