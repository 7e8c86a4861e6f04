"""``allcore.ThreadPool`` where a ``ThreadPoolExecutor`` is expected.

asyncio takes it as its default executor (Python 3.11+ accepts only a
``ThreadPoolExecutor`` there), on every CPython 3.10-3.13 found on the machine;
and CPython's own ``concurrent.futures`` thread-pool tests, imported from each
interpreter's ``test`` package, pass against it (``cpython_executor_suite.py``).
"""

import asyncio
import concurrent.futures
import contextvars
import inspect
import socket
import subprocess
import threading
from pathlib import Path

import _pythons
import pytest

import allcore

SUITE = Path(__file__).with_name("cpython_executor_suite.py")
LONG = 60.0


def test_is_a_thread_pool_executor_with_its_arguments():
    with allcore.ThreadPool(2, "named", initializer=lambda: None, initargs=()) as pool:
        assert isinstance(pool, concurrent.futures.ThreadPoolExecutor)
        assert isinstance(pool, concurrent.futures.Executor)
    ours = inspect.signature(allcore.ThreadPool).parameters
    theirs = inspect.signature(concurrent.futures.ThreadPoolExecutor).parameters
    assert [(p.name, p.default) for p in ours.values()] == [
        (p.name, p.default) for p in theirs.values()
    ]


def test_constructor_errors_match_thread_pool_executor():
    for cls in (concurrent.futures.ThreadPoolExecutor, allcore.ThreadPool):
        with pytest.raises(ValueError, match="max_workers must be greater than 0"):
            cls(0)
        with pytest.raises(TypeError, match="initializer must be a callable"):
            cls(1, initializer=3)


def worker_name():
    """The OS name of the calling thread: allcore names its workers ``<prefix>-<index>``."""
    return Path("/proc/thread-self/comm").read_text().strip()


def run_on_default_executor(body, workers=2):
    """Run ``body(loop, pool)`` in a new loop whose default executor is a ThreadPool."""
    pool = allcore.ThreadPool(workers, thread_name_prefix="aiopool")
    loop = asyncio.new_event_loop()
    try:
        loop.set_default_executor(pool)
        result = loop.run_until_complete(asyncio.wait_for(body(loop, pool), LONG))
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
        pool.close()
    return result


def test_run_in_executor_none_runs_on_the_pool():
    async def body(loop, pool):
        name = await loop.run_in_executor(None, worker_name)
        power = await loop.run_in_executor(None, pow, 2, 10)
        fib = await loop.run_in_executor(None, allcore.fib, 25)
        return name, power, fib

    name, power, fib = run_on_default_executor(body)
    assert name in ("aiopool-0", "aiopool-1")  # an allcore worker thread
    assert (power, fib) == (1024, 75025)


def test_to_thread_style_calls_carry_the_context():
    # asyncio.to_thread is run_in_executor(None, ...) of a copied context.
    variable = contextvars.ContextVar("variable")

    async def body(loop, pool):
        variable.set("from the loop")
        value = await asyncio.to_thread(variable.get)
        name = await asyncio.to_thread(worker_name)
        return value, name

    value, name = run_on_default_executor(body)
    assert value == "from the loop"
    assert name.startswith("aiopool-")


def test_exceptions_reach_the_awaiting_coroutine():
    def fail():
        raise KeyError("missing")

    async def body(loop, pool):
        with pytest.raises(KeyError, match="missing"):
            await loop.run_in_executor(None, fail)
        with pytest.raises(OverflowError):
            await loop.run_in_executor(None, allcore.fib, 93)
        return True

    assert run_on_default_executor(body)


def test_cancelling_the_awaiting_task_cancels_a_queued_call():
    started, release = threading.Event(), threading.Event()
    ran = []

    async def body(loop, pool):
        blocker = loop.run_in_executor(None, lambda: started.set() or release.wait(LONG))
        while not started.is_set():  # the only worker is now busy
            await asyncio.sleep(0.01)
        queued = loop.run_in_executor(None, ran.append, "queued")
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        # The loop passes the cancellation on to the pool's future in a
        # callback of its own: let it run before the worker is freed.
        await asyncio.sleep(0)
        release.set()
        return await blocker

    assert run_on_default_executor(body, workers=1) is True
    assert ran == []


def test_getaddrinfo_runs_on_the_pool(monkeypatch):
    names = []
    real = socket.getaddrinfo

    def recording(*args, **kwargs):
        names.append(worker_name())
        return real(*args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording)

    async def body(loop, pool):
        return await loop.getaddrinfo("127.0.0.1", 80)

    assert run_on_default_executor(body)
    assert len(names) == 1 and names[0].startswith("aiopool-")


def test_shutdown_default_executor_shuts_the_pool_down():
    pool = allcore.ThreadPool(2)
    done = []

    async def main():
        asyncio.get_running_loop().set_default_executor(pool)
        asyncio.get_running_loop().run_in_executor(None, done.append, "ran")

    asyncio.run(main())  # ends with loop.shutdown_default_executor()
    assert done == ["ran"]
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(pow, 2, 2)
    pool.close()


# A user's program, run by each interpreter: prints "ok" when asyncio used the pool.
ASYNCIO_PROGRAM = """
import asyncio
import allcore

def worker_name():
    with open("/proc/thread-self/comm") as comm:
        return comm.read().strip()

async def main():
    loop = asyncio.get_running_loop()
    pool = allcore.ThreadPool(2, thread_name_prefix="aiopool")
    loop.set_default_executor(pool)
    name = await loop.run_in_executor(None, worker_name)
    assert name.startswith("aiopool-"), name
    assert await loop.run_in_executor(None, allcore.fib, 20) == 6765
    name = await asyncio.to_thread(worker_name)
    assert name.startswith("aiopool-"), name
    return pool

pool = asyncio.run(main())
try:
    pool.submit(int)
except RuntimeError:
    print("ok")
"""


@pytest.mark.parametrize("version", _pythons.VERSIONS)
def test_asyncio_default_executor_on_each_python(version):
    python = _pythons.find(version)
    if python is None:
        pytest.skip(f"no CPython {version} on this machine")
    run = subprocess.run(
        [python, "-c", ASYNCIO_PROGRAM],
        capture_output=True,
        text=True,
        env=_pythons.environment(),
        timeout=120,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "ok\n", "")


@pytest.mark.parametrize("version", _pythons.VERSIONS)
def test_cpython_executor_tests_pass_on_each_python(version):
    python = _pythons.find(version)
    if python is None:
        pytest.skip(f"no CPython {version} on this machine")
    run = subprocess.run(
        [python, str(SUITE)],
        capture_output=True,
        text=True,
        env=_pythons.environment(),
        timeout=900,
    )
    if run.returncode == 2:
        pytest.skip(
            f"the test package of this CPython {version} build has no "
            "test.test_concurrent_futures to run"
        )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    assert "running " in run.stdout and "\nOK" in output
