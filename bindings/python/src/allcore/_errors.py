"""Exceptions for the statuses allcore's C functions return.

Every exception raised for a failed allcore call is an :class:`AllcoreError`
whose ``status`` is the C status name (``"AC_OVERFLOW"``) and ``code`` its
value. Where a built-in exception means the same thing, the class also derives
from it, so ``except ValueError`` or ``except TimeoutError`` keep working.
"""

from __future__ import annotations

import concurrent.futures

from . import _ffi

__all__ = [
    "AllcoreCancelledError",
    "AllcoreError",
    "AllcoreOverflowError",
    "AllcoreTimeoutError",
    "BrokenError",
    "BufferTooSmallError",
    "ClosedError",
    "InvalidArgumentError",
    "NoMemoryError",
    "NotOwnerError",
    "NullPointerError",
    "PanicError",
    "WouldBlockError",
]


class AllcoreError(Exception):
    """An allcore call failed; ``status`` names the C status, ``code`` is its value."""

    #: The C status name, such as ``"AC_OVERFLOW"``.
    status: str = "AC_UNKNOWN"
    #: The C status value.
    code: int = -1

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None and code != self.code:
            self.code = code
            self.status = _status_name(code)


class AllcoreTimeoutError(AllcoreError, TimeoutError):
    """A blocking call reached its timeout (``AC_TIMEOUT``)."""

    status, code = "AC_TIMEOUT", _ffi.AC_TIMEOUT


class WouldBlockError(AllcoreError):
    """A call that must not block would have had to (``AC_WOULD_BLOCK``)."""

    status, code = "AC_WOULD_BLOCK", _ffi.AC_WOULD_BLOCK


class ClosedError(AllcoreError):
    """The object was shut down or freed before or during the call (``AC_CLOSED``)."""

    status, code = "AC_CLOSED", _ffi.AC_CLOSED


class AllcoreCancelledError(AllcoreError, concurrent.futures.CancelledError):
    """The task was cancelled before it started (``AC_CANCELLED``)."""

    status, code = "AC_CANCELLED", _ffi.AC_CANCELLED


class BrokenError(AllcoreError):
    """The object is broken, or a native task panicked (``AC_BROKEN``)."""

    status, code = "AC_BROKEN", _ffi.AC_BROKEN


class InvalidArgumentError(AllcoreError, ValueError):
    """An argument is out of its documented range (``AC_INVALID_ARGUMENT``)."""

    status, code = "AC_INVALID_ARGUMENT", _ffi.AC_INVALID_ARGUMENT


class NullPointerError(AllcoreError, ValueError):
    """A required pointer argument was NULL (``AC_NULL_POINTER``)."""

    status, code = "AC_NULL_POINTER", _ffi.AC_NULL_POINTER


class NotOwnerError(AllcoreError, RuntimeError):
    """The caller does not own what it tries to release (``AC_NOT_OWNER``)."""

    status, code = "AC_NOT_OWNER", _ffi.AC_NOT_OWNER


class AllcoreOverflowError(AllcoreError, OverflowError):
    """A result does not fit its 64-bit type (``AC_OVERFLOW``)."""

    status, code = "AC_OVERFLOW", _ffi.AC_OVERFLOW


class BufferTooSmallError(AllcoreError):
    """The caller's buffer is too small (``AC_BUFFER_TOO_SMALL``)."""

    status, code = "AC_BUFFER_TOO_SMALL", _ffi.AC_BUFFER_TOO_SMALL


class NoMemoryError(AllcoreError, MemoryError):
    """Memory or threads could not be obtained (``AC_NO_MEMORY``)."""

    status, code = "AC_NO_MEMORY", _ffi.AC_NO_MEMORY


class PanicError(AllcoreError, SystemError):
    """allcore caught an internal bug (``AC_PANIC``)."""

    status, code = "AC_PANIC", _ffi.AC_PANIC


_BY_CODE: dict[int, type[AllcoreError]] = {
    cls.code: cls
    for cls in (
        AllcoreTimeoutError,
        WouldBlockError,
        ClosedError,
        AllcoreCancelledError,
        BrokenError,
        InvalidArgumentError,
        NullPointerError,
        NotOwnerError,
        AllcoreOverflowError,
        BufferTooSmallError,
        NoMemoryError,
        PanicError,
    )
}


def _status_name(code: int) -> str:
    return str(_ffi.ac_status_str(code).decode())


def error_for(code: int, what: str, detail: str | None = None) -> AllcoreError:
    """The exception for status ``code`` of the call described by ``what``.

    ``detail`` defaults to ``ac_last_error_message()``, which is only meaningful
    on the thread that made the failing call, right after it.
    """
    if detail is None:
        detail = _ffi.ac_last_error_message().decode(errors="replace")
    name = _status_name(code)
    message = f"{what}: {detail} ({name})" if detail else f"{what} failed: {name}"
    return _BY_CODE.get(code, AllcoreError)(message, code)


def check(code: int, what: str) -> None:
    """Raise the exception for ``code`` unless it is ``AC_OK``."""
    if code:
        raise error_for(code, what)
