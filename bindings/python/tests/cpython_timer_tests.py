"""Runs CPython's own ``threading.Timer`` tests against :class:`allcore.Timer`.

The tests are ``TimerTests`` from the interpreter's ``test.test_threading``
(imported, not copied). They call ``threading.Timer``; here that module's
``threading`` name is swapped for a view of :mod:`threading` whose ``Timer``
is ``allcore.Timer``, so the rest of :mod:`threading` stays the interpreter's.
Run as a script (``python cpython_timer_tests.py``) with any interpreter; the
exit status is 0 when every test passed and allcore timers really ran.
"""

import sys
import threading
import types
import unittest
from unittest import mock

from test import test_threading

import allcore


class _ThreadingWithAllcoreTimer(types.ModuleType):
    """:mod:`threading`, except that ``Timer`` is ``allcore.Timer``."""

    Timer = allcore.Timer

    def __getattr__(self, name):
        return getattr(threading, name)


def main():
    started = []
    real_start = allcore.Timer.start

    def counting_start(self):
        started.append(self)
        real_start(self)

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(test_threading.TimerTests)
    view = _ThreadingWithAllcoreTimer("threading")
    with (
        mock.patch.object(test_threading, "threading", view),
        mock.patch.object(allcore.Timer, "start", counting_start),
    ):
        result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    print(f"{sys.version.split()[0]}: {result.testsRun} tests, {len(started)} allcore timers")
    return 0 if result.wasSuccessful() and result.testsRun and started else 1


if __name__ == "__main__":
    sys.exit(main())
