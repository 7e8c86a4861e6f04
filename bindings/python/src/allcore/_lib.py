"""Finds and loads the allcore shared library.

The library is loaded twice over the same file, as ``threading`` uses the GIL:

- :data:`library` (:class:`ctypes.CDLL`) for every call that may block or runs
  long (kernels, pool batches, waits): ctypes releases the GIL for the
  duration of the call, which is what lets native work run on every core;
- :data:`quick_library` (:class:`ctypes.PyDLL`) for calls that never block and
  take nanoseconds (try-acquire, release, try-put/get, counters, getters): the
  GIL is kept, so it is not handed to another thread on every call.

The file is looked for, in this order:

1. the path in the ``ALLCORE_LIBRARY`` environment variable (when set, it is
   the only candidate);
2. the copy installed inside this package by ``pip install`` (whatever the
   install layout: site-packages, ``pip install --target``, a zip-less bundle);
3. the repository's build output, ``target/release`` (``cargo build
   --release -p allcore``), when the package is imported from a source tree.
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import os
import sys
from pathlib import Path

__all__ = ["library", "library_path", "quick_library"]

if sys.platform == "darwin":
    _FILE_NAME = "liballcore.dylib"
elif sys.platform == "win32":
    _FILE_NAME = "allcore.dll"
else:
    _FILE_NAME = "liballcore.so"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _repository_build() -> list[Path]:
    """``target/release`` of the source tree this package sits in, if it does.

    In a checkout the package is ``bindings/python/src/allcore``, so the
    repository root is four levels above the package directory; any other
    layout (an installed package) has no such tree.
    """
    parents = _PACKAGE_DIR.parents
    if len(parents) > 3 and (parents[3] / "Cargo.toml").is_file():
        return [parents[3] / "target" / "release" / _FILE_NAME]
    return []


def _candidates() -> list[Path]:
    override = os.environ.get("ALLCORE_LIBRARY")
    if override:
        return [Path(override)]
    stem = _FILE_NAME.rsplit(".", 1)[0]
    # setuptools-rust names the installed copy like an extension module
    # (liballcore.cpython-311-x86_64-linux-gnu.so); a plain copy also works.
    packaged = [_PACKAGE_DIR / (stem + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES]
    packaged.append(_PACKAGE_DIR / _FILE_NAME)
    return [*packaged, *_repository_build()]


def _load() -> tuple[ctypes.CDLL, Path]:
    candidates = _candidates()
    for path in candidates:
        if path.is_file():
            return ctypes.CDLL(str(path)), path
    searched = "\n  ".join(str(path) for path in candidates)
    raise ImportError(
        f"cannot find the allcore shared library; searched:\n  {searched}\n"
        "Build it with `cargo build --release -p allcore`, install the package "
        "with pip, or set ALLCORE_LIBRARY to the library's path."
    )


library: ctypes.CDLL
library_path: Path
library, library_path = _load()
quick_library: ctypes.PyDLL = ctypes.PyDLL(str(library_path))
