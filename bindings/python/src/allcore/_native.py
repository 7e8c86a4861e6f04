"""Native functions and the memory they work on, as ``ThreadPool`` hands them to C.

``ThreadPool.parallel_for`` and ``ThreadPool.submit_native`` run a user's own
native code on the pool. This module turns what a Python user holds into the
two words C needs:

- a function: a ctypes function pointer (a ``CFUNCTYPE`` instance, or a
  function of a ``CDLL`` whose ``argtypes`` are set), an object carrying one
  as its ``ctypes`` attribute (numba's ``@cfunc``), or a bare int address
  (numba's ``cfunc(...).address``, cffi's ``int(ffi.cast("uintptr_t", f))``).
  A ctypes function's declared signature is checked; an address is trusted.
- a context: None (NULL), an int address, a ctypes pointer (``pointer``,
  ``byref``, ``c_void_p``), array or structure, or any writable C-contiguous
  object with the buffer protocol (``bytearray``, ``array.array``, a numpy
  array), whose first byte's address is passed. The buffer stays exported,
  so it cannot be resized or freed, for as long as the returned keep-alive
  object lives.
"""

from __future__ import annotations

import ctypes
import operator
from _ctypes import FUNCFLAG_PYTHONAPI, CFuncPtr
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from typing import TypeAlias

    from typing_extensions import Buffer

__all__ = ["CFunction", "Context", "NativeFunction", "context_address", "count", "for_body", "task"]

_POINTER_BITS = 8 * ctypes.sizeof(ctypes.c_void_p)
_INTEGER_CODES = "bBhHiIlLqQ"
_SIGNED_CODES = "bhilq"
# What ``ctypes.byref`` returns: a light pointer to a ctypes object.
_BYREF = type(ctypes.byref(ctypes.c_int()))
# A view of no bytes: enough to export and pin a buffer and read its address.
_PIN = ctypes.c_char * 0
# Signatures already checked, by kind and argument types: the checks cost
# more than the rest of a short call.
_checked: dict[tuple[object, object, tuple[object, ...]], bool] = {}


class CFunction(Protocol):
    """An object carrying a ctypes function pointer, as numba's ``@cfunc`` does."""

    @property
    def ctypes(self) -> CFuncPtr: ...


if TYPE_CHECKING:
    #: What ``parallel_for`` and ``submit_native`` accept as the function.
    NativeFunction: TypeAlias = int | CFuncPtr | CFunction
    #: What they accept as the context.
    Context: TypeAlias = int | ctypes._CData | Buffer | None


def _is_integer(ctype: object, signed: bool | None = None, size: int = _POINTER_BITS // 8) -> bool:
    """Whether ``ctype`` is a ctypes integer type of ``size`` bytes (a pointer's)."""
    code = getattr(ctype, "_type_", None)
    if not isinstance(ctype, type) or not issubclass(ctype, ctypes._SimpleCData):
        return False
    if not isinstance(code, str) or code not in _INTEGER_CODES:
        return False
    if signed is not None and (code in _SIGNED_CODES) != signed:
        return False
    return ctypes.sizeof(ctype) == size


def _is_pointer(ctype: object) -> bool:
    """Whether ``ctype`` passes like ``void *``: any pointer type, or ``uintptr_t``."""
    if ctype in (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_wchar_p):
        return True
    if isinstance(ctype, type) and issubclass(ctype, ctypes._Pointer):
        return True
    return _is_integer(ctype, signed=False)


def _address(value: int, what: str) -> int:
    if not 0 <= value < 1 << _POINTER_BITS:
        raise ValueError(f"{what} {value:#x} is not a valid address")
    return value


def _signature(function: object, kind: str) -> tuple[int, CFuncPtr | None, tuple[object, ...]]:
    """The address of ``function`` and, for a ctypes one, its restype and argtypes."""
    if type(function) is int:
        return _address(function, f"{kind} address"), None, ()
    if isinstance(function, bool):
        raise TypeError(f"{kind} must be a native function, not bool")
    if isinstance(function, int):
        return _address(function, f"{kind} address"), None, ()
    pointer = function if isinstance(function, CFuncPtr) else None
    if pointer is None:
        carried = getattr(function, "ctypes", None)
        if isinstance(carried, CFuncPtr):
            pointer = carried
    if pointer is None:
        raise TypeError(
            f"{kind} must be a native function: a ctypes function pointer, an object "
            f"with one as its .ctypes (numba @cfunc) or an int address, not "
            f"{type(function).__name__}"
        )
    if pointer._flags_ & FUNCFLAG_PYTHONAPI:
        raise TypeError(f"{kind} is a PyDLL function: it needs the GIL, which the pool lacks")
    argtypes = pointer.argtypes
    if argtypes is None:
        raise TypeError(f"{kind}: set the ctypes function's argtypes, so its signature is checked")
    address = ctypes.c_void_p.from_address(ctypes.addressof(pointer)).value
    if not address:
        raise ValueError(f"{kind} is a NULL function pointer")
    return address, pointer, tuple(argtypes)


def _is_for_body(restype: object, argtypes: tuple[object, ...]) -> bool:
    return len(argtypes) == 3 and _is_pointer(argtypes[0]) and all(map(_is_integer, argtypes[1:]))


def _is_task(restype: object, argtypes: tuple[object, ...]) -> bool:
    return len(argtypes) == 1 and _is_pointer(argtypes[0]) and _is_integer(restype, True, 8)


def _has_signature(
    pointer: CFuncPtr,
    argtypes: tuple[object, ...],
    check: Callable[[object, tuple[object, ...]], bool],
) -> bool:
    """``check(restype, argtypes)``, remembered for each signature."""
    key = (check, pointer.restype, argtypes)
    known = _checked.get(key)
    if known is None:
        known = _checked[key] = check(pointer.restype, argtypes)
    return known


def for_body(function: NativeFunction) -> tuple[int, object]:
    """The address of a ``void f(void *context, size_t begin, size_t end)`` function.

    Returns ``(address, keep_alive)``; ``keep_alive`` must outlive every call.
    Raises TypeError for a function of another kind or signature.
    """
    address, pointer, argtypes = _signature(function, "parallel_for's function")
    if pointer is not None and not _has_signature(pointer, argtypes, _is_for_body):
        raise TypeError(
            "parallel_for's function must take (void *context, size_t begin, size_t end); "
            f"its argtypes are {argtypes!r}"
        )
    return address, function


def task(function: NativeFunction) -> tuple[int, object]:
    """The address of an ``int64_t f(void *context)`` function.

    Returns ``(address, keep_alive)``. Raises TypeError for a function of
    another kind or signature.
    """
    address, pointer, argtypes = _signature(function, "submit_native's function")
    if pointer is not None and not _has_signature(pointer, argtypes, _is_task):
        raise TypeError(
            "submit_native's function must be int64_t f(void *context); its restype is "
            f"{pointer.restype!r} and its argtypes {argtypes!r}"
        )
    return address, function


def context_address(context: Context) -> tuple[int | None, object]:
    """The address handed to the function for ``context``, and what keeps it valid.

    Returns ``(address or None for NULL, keep_alive)``. Raises TypeError for
    an object that has no address (or a read-only buffer), ValueError for a
    buffer that is not C-contiguous or an int out of the address range.
    """
    if context is None:
        return None, None
    if isinstance(context, bool):
        raise TypeError("the context must be an address, a ctypes object or a buffer, not bool")
    if isinstance(context, int):
        return _address(context, "the context address") or None, None
    if isinstance(context, (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_wchar_p, ctypes._Pointer)):
        return ctypes.cast(context, ctypes.c_void_p).value, context
    if isinstance(context, _BYREF):
        return ctypes.cast(context, ctypes.c_void_p).value, context
    if isinstance(context, (ctypes._SimpleCData, ctypes.Array, ctypes.Structure, ctypes.Union)):
        return ctypes.addressof(context), context
    try:
        # Exporting the buffer pins it (no resize, no free) while the ctypes
        # view lives; this also checks that it is writable and C-contiguous.
        pinned = _PIN.from_buffer(context)
    except TypeError:
        _explain_buffer(context)
        raise
    return ctypes.addressof(pinned), pinned


def _explain_buffer(context: object) -> None:
    """Raise the error saying why ``context`` cannot be used as a writable buffer."""
    try:
        view = memoryview(context)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            "the context must be None, an int address, a ctypes pointer, array or "
            f"structure, or a writable buffer, not {type(context).__name__}"
        ) from None
    with view:
        if view.readonly:
            raise TypeError(f"the context buffer ({type(context).__name__}) is read-only")
        if not view.c_contiguous:
            raise ValueError("the context buffer must be C-contiguous")


def count(value: int, what: str) -> int:
    """``value`` as a C ``size_t``; TypeError for a non-integer, ValueError below 0."""
    value = operator.index(value)
    if not 0 <= value < 1 << _POINTER_BITS:
        raise ValueError(f"{what} must be >= 0 and fit a size_t, not {value}")
    return value
