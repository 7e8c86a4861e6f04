"""A numpy array processed on every core by a C function, through ThreadPool.parallel_for.

The C function has the shape every parallel loop body has in allcore,
``void f(void *context, size_t begin, size_t end)``: it handles the indices
``[begin, end)`` of the array its context points to. This script compiles it
with the system's C compiler, loads it with ctypes, declares its argtypes (so
the pool can check the signature) and hands the pool the numpy array itself
as the context. The GIL is released for the whole loop.
"""

import ctypes
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import allcore

C_SOURCE = r"""
#include <math.h>
#include <stddef.h>

/* Replaces x by sqrt(x * x + 1) for the indices [begin, end). */
void hypot_one(void *context, size_t begin, size_t end) {
    double *values = context;
    for (size_t i = begin; i < end; i++) {
        values[i] = sqrt(values[i] * values[i] + 1.0);
    }
}
"""


def build(directory):
    """Compile the C body into a shared library and return its function."""
    source = Path(directory) / "hypot_one.c"
    source.write_text(C_SOURCE)
    library = Path(directory) / "libhypot_one.so"
    compiler = os.environ.get("CC", "cc")
    command = [compiler, "-O2", "-shared", "-fPIC", "-o", str(library), str(source), "-lm"]
    subprocess.run(command, check=True)
    function = ctypes.CDLL(str(library)).hypot_one
    function.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t]
    function.restype = None
    return function


def main():
    with tempfile.TemporaryDirectory() as directory:
        hypot_one = build(directory)
        values = np.arange(1_000_000, dtype=np.float64)
        expected = np.sqrt(values * values + 1.0)
        with allcore.ThreadPool() as pool:
            pool.parallel_for(hypot_one, len(values), values)
        print(f"elements: {len(values)}")
        print(f"values[3] = sqrt(3 * 3 + 1) = {values[3]:.6f}")
        print(f"matches numpy: {bool(np.array_equal(values, expected))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
