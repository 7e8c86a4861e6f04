"""Finds and loads the allcore shared library.

The library is loaded with :class:`ctypes.CDLL`, never ``PyDLL``: ctypes then
releases the GIL for the duration of every foreign call, which is what lets
native work run on every core. It is looked for, in this order:

1. the path in the ``ALLCORE_LIBRARY`` environment variable (when set, it is
   the only candidate);
2. the copy installed inside this package by ``pip install``;
3. the repository's build output, ``target/release`` (``cargo build
   --release -p allcore``), when the package is imported from a source tree.
"""

import ctypes
import importlib.machinery
import os
import sys
from pathlib import Path

__all__ = ["library", "library_path"]

if sys.platform == "darwin":
    _FILE_NAME = "liballcore.dylib"
elif sys.platform == "win32":
    _FILE_NAME = "allcore.dll"
else:
    _FILE_NAME = "liballcore.so"

_PACKAGE_DIR = Path(__file__).resolve().parent
# src/allcore/_lib.py -> the repository root is four levels up.
_REPOSITORY_ROOT = _PACKAGE_DIR.parents[3]


def _candidates():
    override = os.environ.get("ALLCORE_LIBRARY")
    if override:
        return [Path(override)]
    stem = _FILE_NAME.rsplit(".", 1)[0]
    # setuptools-rust names the installed copy like an extension module
    # (liballcore.cpython-311-x86_64-linux-gnu.so); a plain copy also works.
    packaged = [_PACKAGE_DIR / (stem + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES]
    packaged.append(_PACKAGE_DIR / _FILE_NAME)
    return [*packaged, _REPOSITORY_ROOT / "target" / "release" / _FILE_NAME]


def _load():
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


library, library_path = _load()
