"""CPython's own ``test_queue`` suite, run against allcore's queues.

The test classes are built here from the mixins of the interpreter's
``test.test_queue`` (nothing of CPython is copied into the project), each over
a namespace that holds allcore's ``Queue``, ``LifoQueue``, ``PriorityQueue``,
``SimpleQueue``, ``Empty``, ``Full`` and ``ShutDown`` where the stdlib module
would be. Passing them is what "drop-in replacement for ``queue``" means.

Not built: ``FailingQueueTest``, which subclasses the pure-Python
``queue.Queue`` and overrides its private ``_put``/``_get`` hooks (allcore's
queues keep their items natively and have no such hooks), and the C module's
``test_is_default`` (that ``queue.SimpleQueue`` is the C class).
"""

import types
import unittest

import pytest

import allcore

cpython = pytest.importorskip(
    "test.test_queue",
    reason="this Python was built without its test suite (the 'test' package)",
)

allcore_queue = types.SimpleNamespace(
    Queue=allcore.Queue,
    LifoQueue=allcore.LifoQueue,
    PriorityQueue=allcore.PriorityQueue,
    SimpleQueue=allcore.SimpleQueue,
    Empty=allcore.Empty,
    Full=allcore.Full,
    ShutDown=allcore.ShutDown,
)


class AllcoreQueueTest(cpython.QueueTest, unittest.TestCase):
    queue = allcore_queue


class AllcoreLifoQueueTest(cpython.LifoQueueTest, unittest.TestCase):
    queue = allcore_queue


class AllcorePriorityQueueTest(cpython.PriorityQueueTest, unittest.TestCase):
    queue = allcore_queue


class AllcoreSimpleQueueTest(cpython.BaseSimpleQueueTest, unittest.TestCase):
    queue = allcore_queue

    def setUp(self):
        self.type2test = allcore.SimpleQueue
        super().setUp()

    # put() called from a __del__ during a garbage collection, in a put.
    test_reentrancy = cpython.CSimpleQueueTest.test_reentrancy
