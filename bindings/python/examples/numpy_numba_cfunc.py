"""A numpy array processed on every core by a numba ``@cfunc``, through ThreadPool.parallel_for.

numba compiles the loop body to a native function ``void f(double *values,
size_t begin, size_t end)``; the pool calls it over chunks of the array on
its workers and this thread, with no GIL and no Python frame per chunk. The
same body computes the result one chunk at a time here as it would in a
``prange`` loop. ``submit_native`` runs a native ``int64_t f(void *)`` task
the same way and returns a Future.
"""

import sys

import numpy as np
from numba import carray, cfunc, types

import allcore


@cfunc(types.void(types.CPointer(types.float64), types.uintp, types.uintp))
def logistic_steps(pointer, begin, end):
    """Ten steps of the logistic map x -> 3.7 x (1 - x) for [begin, end)."""
    values = carray(pointer, (end,))
    for i in range(begin, end):
        x = values[i]
        for _ in range(10):
            x = 3.7 * x * (1.0 - x)
        values[i] = x


@cfunc(types.int64(types.CPointer(types.int64)))
def count_negative(pointer):
    """How many of the 1000 int64 values behind ``pointer`` are negative."""
    values = carray(pointer, (1000,))
    total = 0
    for value in values:
        if value < 0:
            total += 1
    return total


def serial(values):
    """The same ten steps in plain numpy, for comparison."""
    for _ in range(10):
        values = 3.7 * values * (1.0 - values)
    return values


def main():
    values = np.linspace(0.01, 0.99, 500_000)
    expected = serial(values.copy())
    numbers = np.arange(-250, 750, dtype=np.int64)
    with allcore.ThreadPool() as pool:
        pool.parallel_for(logistic_steps, len(values), values)
        negatives = pool.submit_native(count_negative, numbers).result()
    print(f"elements: {len(values)}")
    print(f"matches numpy: {bool(np.allclose(values, expected, rtol=1e-12, atol=1e-12))}")
    print(f"all in (0, 1): {bool(((values > 0) & (values < 1)).all())}")
    print(f"negative numbers counted by a native task: {negatives}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
