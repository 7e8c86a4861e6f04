"""The package behaves like a library: it installs anywhere and is silent at exit.

``test_pip_install_target`` really builds and installs the package with
``pip install --target`` (setuptools-rust runs cargo; the build reuses the
repository's ``target`` directory) and imports it from another directory.
The exit tests run user programs in a child interpreter, on every CPython
3.10-3.13 found, and require an empty stderr.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import _pythons
import pytest

PACKAGE = Path(__file__).resolve().parents[1]


def run_python(python, program, cwd=None, env=None):
    return subprocess.run(
        [python, "-c", textwrap.dedent(program)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_pythons.environment() if env is None else env,
        timeout=300,
    )


def find_python(version):
    python = _pythons.find(version)
    if python is None:
        pytest.skip(f"no CPython {version} on this machine")
    return python


# ------------------------------------------------------------ install layout


def test_pip_install_target(tmp_path):
    target = tmp_path / "deployment"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-build-isolation",  # the build tools come from requirements-dev.txt
            "--no-deps",
            "--target",
            str(target),
            str(PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert (target / "allcore" / "py.typed").is_file()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        key: value
        for key, value in _pythons.environment().items()
        if key not in ("PYTHONPATH", "ALLCORE_LIBRARY")
    }
    env["PYTHONPATH"] = str(target)
    run = run_python(
        sys.executable,
        """
        import allcore
        print(allcore.__file__)
        print(allcore.library_path)
        print(allcore.fib(20))
        with allcore.ThreadPool(2) as pool:
            print(list(pool.map(allcore.fib, [10, 11])))
        """,
        cwd=elsewhere,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    module, library, fib, mapped = run.stdout.splitlines()
    assert Path(module).parent == target / "allcore"
    assert Path(library).parent == target / "allcore"  # the packaged copy, not a build tree
    assert (fib, mapped) == ("6765", "[55, 89]")
    assert run.stderr == ""

    # The installed package is typed: a user's script checks against it.
    script = PACKAGE / "tests" / "typing" / "uses_pool.py"
    check = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=env,
        timeout=600,
    )
    assert check.returncode == 0, check.stdout + check.stderr


# ------------------------------------------------------------- exit


# Pools, futures, queues and locks alive at exit, some held by a module that
# is torn down after allcore's own (the module globals of allcore are None by
# then), some in reference cycles, some in __main__.
OBJECTS_ALIVE_AT_EXIT = """
import collections
import allcore

class Holder:
    pass

def fill(where):
    where.pool = allcore.ThreadPool(2)
    where.future = where.pool.submit(allcore.fib, 20)
    where.python_future = where.pool.submit(pow, 2, 10)
    where.idle = allcore.ThreadPool(1)
    where.stopped = allcore.ThreadPool(1)
    where.stopped.shutdown(wait=False)
    where.queue = allcore.Queue(4)
    where.queue.put(b"bytes")
    where.queue.put(["a", "list"])
    where.lifo = allcore.LifoQueue()
    where.lifo.put("text")
    where.priority = allcore.PriorityQueue()
    where.priority.put((1, "one"))
    where.simple = allcore.SimpleQueue()
    where.simple.put(object())
    where.lock = allcore.Lock()
    where.lock.acquire()
    where.rlock = allcore.RLock()
    where.rlock.acquire()
    where.condition = allcore.Condition()
    where.semaphore = allcore.BoundedSemaphore(2)
    where.semaphore.acquire()
    where.event = allcore.Event()
    where.event.set()
    where.barrier = allcore.Barrier(2)

fill(collections)
cycle = Holder()
cycle.me = cycle
fill(cycle)
fill(Holder)
print(collections.future.result(), cycle.python_future.result())
"""


@pytest.mark.parametrize("version", _pythons.VERSIONS)
def test_silent_at_exit_with_objects_alive(version):
    run = run_python(find_python(version), OBJECTS_ALIVE_AT_EXIT)
    assert (run.returncode, run.stdout, run.stderr) == (0, "6765 1024\n", "")


@pytest.mark.parametrize("version", _pythons.VERSIONS)
def test_queued_task_finishes_at_exit(version):
    # CPython's test_interpreter_shutdown, on allcore.ThreadPool.
    run = run_python(
        find_python(version),
        """
        import time
        import allcore

        def sleep_and_print(seconds, text):
            time.sleep(seconds)
            print(text, flush=True)

        pool = allcore.ThreadPool(5)
        pool.submit(sleep_and_print, 0.5, "apple")
        """,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "apple\n", "")


@pytest.mark.parametrize("version", _pythons.VERSIONS)
@pytest.mark.parametrize("cancel_futures", [False, True])
def test_shutdown_without_wait_still_finishes_the_running_task_at_exit(version, cancel_futures):
    # CPython's test_hang_gh83386 and test_cancel_futures_wait_false.
    run = run_python(
        find_python(version),
        f"""
        import threading
        import time
        import allcore

        started = threading.Event()

        def sleep_and_print(seconds, text):
            started.set()
            time.sleep(seconds)
            print(text, flush=True)

        pool = allcore.ThreadPool(3)
        pool.submit(sleep_and_print, 0.5, "apple")
        started.wait()
        pool.shutdown(wait=False, cancel_futures={cancel_futures})
        """,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "apple\n", "")


@pytest.mark.parametrize("version", _pythons.VERSIONS)
def test_submit_after_interpreter_shutdown_raises(version):
    # CPython's test_submit_after_interpreter_shutdown: an atexit callback runs
    # after the pools stopped taking work, as ThreadPoolExecutor's do.
    run = run_python(
        find_python(version),
        """
        import atexit

        @atexit.register
        def run_last():
            try:
                pool.submit(id, None)
            except RuntimeError:
                print("runtime-error")
                raise

        import allcore

        pool = allcore.ThreadPool(5)
        pool.submit(id, 42).result()
        """,
    )
    assert run.stdout.strip() == "runtime-error"
    assert "RuntimeError: cannot schedule new futures after interpreter shutdown" in run.stderr
