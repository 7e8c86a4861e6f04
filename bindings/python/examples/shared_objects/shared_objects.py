"""One allcore Queue and ThreadPool shared by Python, a C library and a Go
library in one process.

Python creates the queue and the pool and hands both, by handle, to a C
shared library (loaded with ctypes) and to a Go ``-buildmode=c-shared``
library built with ``-tags allcore_shared``, so that it links the shared
``liballcore.so`` and, through its SONAME, the very copy this process has
loaded. Each library runs its producer on allcore's pool
(``ac_pool_parallel_for``; ``Pool.ParallelFor`` in Go), putting messages
into the queue; Python consumes them and checks that every one arrived.

Run: ``python shared_objects.py`` (needs gcc and go; it builds both libraries
in a temporary directory).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import allcore
from allcore import _lib

HERE = Path(__file__).resolve().parent
PER_LIBRARY = 2000


def build(directory: Path) -> tuple[Path, Path]:
    """Build the C and the Go library into ``directory``."""
    # pkg-config's allcore.pc: the installed one, or the source tree's
    # (`make build` writes it beside target/release/liballcore.so).
    root = _lib.library_path.parent
    env = dict(os.environ, GOFLAGS="-mod=mod", CGO_ENABLED="1")
    env["PKG_CONFIG_PATH"] = os.pathsep.join(
        filter(None, [str(root / "pkgconfig"), env.get("PKG_CONFIG_PATH")])
    )
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "allcore"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    c_library = directory / "libcproducer.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O2", str(HERE / "cproducer.c"), *flags, "-o", str(c_library)],
        check=True,
    )
    go_library = directory / "libgoproducer.so"
    subprocess.run(
        [
            "go",
            "build",
            "-buildmode=c-shared",
            "-tags",
            "allcore_shared",
            "-o",
            str(go_library),
            ".",
        ],
        cwd=HERE / "goproducer",
        env=env,
        check=True,
    )
    return c_library, go_library


def main() -> int:
    with tempfile.TemporaryDirectory() as directory:
        c_path, go_path = build(Path(directory))
        c_lib = ctypes.CDLL(str(c_path))
        go_lib = ctypes.CDLL(str(go_path))
    c_lib.c_produce.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64]
    c_lib.c_produce.restype = ctypes.c_int
    c_lib.c_allcore.restype = ctypes.c_void_p
    go_lib.go_produce.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64]
    go_lib.go_produce.restype = ctypes.c_int
    go_lib.go_allcore.restype = ctypes.c_void_p

    # One allcore in the process: both libraries resolved the host's copy.
    ours = ctypes.cast(_lib.library.ac_version, ctypes.c_void_p).value
    assert c_lib.c_allcore() == ours, "the C library runs another allcore"
    assert go_lib.go_allcore() == ours, "the Go library runs another allcore"

    queue: allcore.Queue[bytes] = allcore.Queue()
    with allcore.ThreadPool(4) as pool:
        results: dict[str, int] = {}

        def produce(name: str, function: ctypes._CFuncPtr, first: int) -> None:
            # Handed by handle: `.handle` is the native address.
            results[name] = function(pool.handle, queue.handle, first, PER_LIBRARY)

        producers = [
            threading.Thread(target=produce, args=("c", c_lib.c_produce, 0)),
            threading.Thread(target=produce, args=("go", go_lib.go_produce, PER_LIBRARY)),
        ]
        for producer in producers:
            producer.start()
        got = [queue.get() for _ in range(2 * PER_LIBRARY)]
        for producer in producers:
            producer.join()
    assert results == {"c": 0, "go": 0}, results
    expected = {f"c {i}".encode() for i in range(PER_LIBRARY)}
    expected |= {f"go {i}".encode() for i in range(PER_LIBRARY, 2 * PER_LIBRARY)}
    assert sorted(got) == sorted(expected), "lost or duplicated messages"
    assert queue.empty()
    queue.close()
    print(f"{len(got)} messages from C and Go on allcore's pool, one allcore: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
