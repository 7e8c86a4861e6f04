"""CPython's ``concurrent.futures`` thread-pool tests, run against ``allcore.ThreadPool``.

Run as a script (``python cpython_executor_suite.py [-v]``) by any CPython
3.10-3.13 whose ``test`` package ships ``test.test_concurrent_futures`` (a
module up to 3.11, a package from 3.12); ``test_executor_dropin.py`` runs it
under every such interpreter it finds. It imports CPython's test classes from
the interpreter (nothing of CPython's is copied here) and derives from every
class that tests ``ThreadPoolExecutor`` a class whose executor is
``allcore.ThreadPool``; while those tests run, ``concurrent.futures
.ThreadPoolExecutor`` is ``allcore.ThreadPool`` too, so the tests that build
their own pool build ours.

Exit status 0 when every test passed (or was skipped for a reason listed in
``SKIPS``), 1 otherwise, 2 when this interpreter has no such suite.
"""

import concurrent.futures
import importlib
import sys
import unittest

import allcore

# Why a test cannot apply to allcore.ThreadPool, by test method name.
_PRIVATE_THREADS = (
    "inspects ThreadPoolExecutor's private `_threads` set of lazily started "
    "threading.Thread objects; allcore's workers are native threads, all started "
    "with the pool, and have no threading.Thread objects"
)
_ISOLATED_CHILD = (
    "runs a child interpreter in isolated mode (-I, which ignores PYTHONPATH) "
    "that imports the executor from concurrent.futures by its name; "
    "test_package.py runs the same exit-time checks on allcore.ThreadPool"
)
_START_RACE = (
    "asserts that some of 50 tasks submitted right before shutdown(cancel_futures=True) "
    "have started: ThreadPoolExecutor.submit starts a thread and waits for it to run, "
    "allcore's submit only queues the task for the native workers, so on a busy machine "
    "all 50 may still be queued, and are then rightly cancelled"
)
SKIPS = {
    "test_cancel_futures": _START_RACE,
    "test_saturation": _PRIVATE_THREADS,
    "test_idle_thread_reuse": _PRIVATE_THREADS,
    "test_threads_terminate": _PRIVATE_THREADS,
    "test_context_manager_shutdown": _PRIVATE_THREADS,
    "test_del_shutdown": _PRIVATE_THREADS,
    "test_shutdown_no_wait": _PRIVATE_THREADS,
    "test_thread_names_assigned": _PRIVATE_THREADS,
    "test_thread_names_default": _PRIVATE_THREADS,
    "test_interpreter_shutdown": _ISOLATED_CHILD,
    "test_submit_after_interpreter_shutdown": _ISOLATED_CHILD,
    "test_hang_gh83386": _ISOLATED_CHILD,
    "test_cancel_futures_wait_false": _ISOLATED_CHILD,
}


def _source_modules():
    """CPython's test modules holding thread-pool test classes, or None."""
    try:
        package = importlib.import_module("test.test_concurrent_futures")
    except ImportError:
        return None
    if not hasattr(package, "__path__"):
        return [package]  # 3.10, 3.11: one module
    names = ("executor", "test_thread_pool", "test_shutdown", "test_wait", "test_as_completed")
    return [importlib.import_module(f"test.test_concurrent_futures.{name}") for name in names] + [
        importlib.import_module("test.test_concurrent_futures.test_init")
    ]


class _UseAllcore:
    """Makes ``concurrent.futures.ThreadPoolExecutor`` allcore's for one test."""

    executor_type = allcore.ThreadPool

    def setUp(self):
        original = concurrent.futures.ThreadPoolExecutor
        concurrent.futures.ThreadPoolExecutor = allcore.ThreadPool

        def restore():
            concurrent.futures.ThreadPoolExecutor = original

        self.addCleanup(restore)
        super().setUp()


def _skipping(name, reason):
    @unittest.skip(reason)
    def skipped(self):
        pass

    skipped.__name__ = name
    return skipped


def _allcore_classes(modules):
    """One allcore class per CPython thread-pool TestCase, by name."""
    classes = {}
    for module in modules:
        mixin = module.ThreadPoolMixin if hasattr(module, "ThreadPoolMixin") else None
        if mixin is None:
            mixin = importlib.import_module("test.test_concurrent_futures.util").ThreadPoolMixin
        for name, cls in vars(module).items():
            if not (isinstance(cls, type) and issubclass(cls, unittest.TestCase)):
                continue
            if not issubclass(cls, mixin) or cls.__module__ != module.__name__:
                continue
            body = {
                test: _skipping(test, reason)
                for test, reason in SKIPS.items()
                if callable(getattr(cls, test, None))
            }
            body["__module__"] = __name__
            allcore_name = "Allcore" + name
            classes[allcore_name] = type(allcore_name, (_UseAllcore, cls), body)
    return classes


def setUpModule():
    modules = _source_modules() or []
    for module in modules:
        setup = getattr(module, "setup_module", None) or getattr(module, "setUpModule", None)
        if setup is not None:
            setup()
            return


def tearDownModule():
    for module in _source_modules() or []:
        teardown = getattr(module, "tearDownModule", None)
        if teardown is not None:
            teardown()


def main():
    modules = _source_modules()
    if modules is None:
        print("no test.test_concurrent_futures in this interpreter's test package")
        return 2
    globals().update(_allcore_classes(modules))
    verbosity = 2 if "-v" in sys.argv[1:] else 1
    loader = unittest.TestLoader()
    suite = loader.loadTestsFromModule(sys.modules[__name__])
    print(f"running {suite.countTestCases()} tests of CPython {sys.version.split()[0]}")
    result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stdout).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
