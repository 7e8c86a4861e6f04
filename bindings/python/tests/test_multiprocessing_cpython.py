"""CPython's own multiprocessing tests, run against allcore.multiprocessing.

The interpreter's ``test._test_multiprocessing`` holds test classes
(``_TestQueue``, ``_TestLock``, ...) written against ``self.Queue``,
``self.Lock`` and so on, which CPython binds to ``multiprocessing``'s types.
Here the same classes run with allcore's types bound instead, under every
start method the platform has; nothing of CPython's is copied. The tests
that do not apply are listed in ``NOT_RUN`` with the reason.
"""

from __future__ import annotations

import multiprocessing
import sys
import unittest

import pytest

from allcore import multiprocessing as amp

suite = pytest.importorskip(
    "test._test_multiprocessing", reason="this interpreter ships without its test suite"
)

# Tests that do not apply to allcore's objects, and why.
NOT_RUN = {
    # Uses Queue internals (the feeder thread, _reader / _writer, _after_fork)
    # or the feeder thread's behaviour: allcore's puts are written by the
    # caller, with no feeder thread and no pipe.
    "test_no_import_lock_contention": "a module that puts while imported, through a feeder thread",
    "test_queue_feeder_donot_stop_onexc": "the feeder thread's error handling",
    "test_queue_feeder_on_queue_feeder_error": "the feeder thread's error hook",
    "test_closed_queue_put_get_exceptions": "a closed queue's pipe internals (_reader, _writer)",
    "test_closed_queue_empty_exceptions": "a closed queue's pipe internals",
    "test_no_notify_on_closed_queue": "internals of Condition-based notification",
    "test_get_value": "sem_getvalue semantics on macOS for Semaphore, not ours",
}


def _no_semaphore_counts(self: object, cond: object) -> None:
    """_TestCondition's check_invariant reads multiprocessing's private
    semaphores (_sleeping_count, ...), skipped where they raise
    NotImplementedError; allcore's Condition has none (its waiters are
    slots in shared memory), so the check is skipped here too."""


# Test helpers replaced, and why.
REPLACED = {"check_invariant": _no_semaphore_counts}


class AllcoreMixin(suite.ProcessesMixin):
    """multiprocessing's process mixin with allcore's shared-memory types."""

    Queue = staticmethod(amp.Queue)
    JoinableQueue = staticmethod(amp.JoinableQueue)
    Lock = staticmethod(amp.Lock)
    RLock = staticmethod(amp.RLock)
    Condition = staticmethod(amp.Condition)
    Semaphore = staticmethod(amp.Semaphore)
    BoundedSemaphore = staticmethod(amp.BoundedSemaphore)
    Event = staticmethod(amp.Event)
    Barrier = staticmethod(amp.Barrier)
    Value = staticmethod(amp.Value)
    Array = staticmethod(amp.Array)
    RawValue = staticmethod(amp.RawValue)
    RawArray = staticmethod(amp.RawArray)

    START_METHOD = "fork"

    @classmethod
    def setUpClass(cls) -> None:
        cls._previous_method = multiprocessing.get_start_method(allow_none=True)
        multiprocessing.set_start_method(cls.START_METHOD, force=True)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        multiprocessing.set_start_method(cls._previous_method, force=True)


BASES = [
    "_TestQueue",
    "_TestLock",
    "_TestCondition",
    "_TestSemaphore",
    "_TestEvent",
    "_TestBarrier",
    "_TestValue",
    "_TestArray",
]
METHODS = [
    m for m in ("fork", "spawn", "forkserver") if m in multiprocessing.get_all_start_methods()
]

for _method in METHODS:
    for _base_name in BASES:
        _base = getattr(suite, _base_name)
        if "processes" not in _base.ALLOWED_TYPES:
            continue
        _removed = {name: None for name in NOT_RUN if hasattr(_base, name)}
        _removed.update({name: f for name, f in REPLACED.items() if hasattr(_base, name)})
        _name = f"Test{_base_name[5:]}{_method.capitalize()}"
        _class = type(
            _name,
            (_base, AllcoreMixin, unittest.TestCase),
            {"START_METHOD": _method, "__module__": __name__, **_removed},
        )
        globals()[_name] = _class

del _method, _base_name, _base, _removed, _name, _class
assert sys.modules[__name__]
