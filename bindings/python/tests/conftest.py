import ctypes
import subprocess

import pytest

import allcore

C_SOURCE = r"""
#include <stdint.h>
int64_t square(int64_t x) { return x * x; }
"""


@pytest.fixture(scope="session")
def square(tmp_path_factory):
    """``int64_t square(int64_t)`` from a C library built for the test run."""
    directory = tmp_path_factory.mktemp("clib")
    source = directory / "square.c"
    source.write_text(C_SOURCE)
    library = directory / "libsquare.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    function = ctypes.CDLL(str(library)).square
    function.restype = ctypes.c_int64
    function.argtypes = [ctypes.c_int64]
    return function


@pytest.fixture
def pool():
    with allcore.ThreadPool(2) as executor:
        yield executor
