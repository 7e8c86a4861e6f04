import concurrent.futures
import os
import pickle
import threading
import time

import pytest

import allcore


def test_fib_values():
    assert [allcore.fib(n) for n in range(10)] == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
    assert allcore.fib(30) == 832040


def test_fib_errors():
    with pytest.raises(ValueError) as negative:
        allcore.fib(-1)
    assert isinstance(negative.value, allcore.InvalidArgumentError)
    assert negative.value.status == "AC_INVALID_ARGUMENT"
    with pytest.raises(OverflowError) as too_big:
        allcore.fib(93)
    assert isinstance(too_big.value, allcore.AllcoreError)
    assert too_big.value.status == "AC_OVERFLOW"
    assert "92" in str(too_big.value)
    with pytest.raises(TypeError):
        allcore.fib(3.0)
    with pytest.raises(OverflowError):
        allcore.fib(1 << 64)


def test_busy_loop():
    assert allcore.busy_loop(1000) == allcore.busy_loop(1000)
    assert allcore.busy_loop(0) != allcore.busy_loop(1)
    with pytest.raises(ValueError):
        allcore.busy_loop(-1)


def test_busy_loop_for():
    start = time.monotonic()
    iterations = allcore.busy_loop_for(0.05)
    assert time.monotonic() - start >= 0.05
    assert iterations > 0
    assert allcore.busy_loop_for(0) >= 0
    with pytest.raises(ValueError):
        allcore.busy_loop_for(-0.1)


def test_range_sum():
    assert allcore.range_sum(0, 10) == 45
    assert allcore.range_sum(10, 0) == 0
    assert allcore.range_sum(-5, 5) == -5
    assert allcore.range_sum(0, 1_000_000) == sum(range(1_000_000))
    with pytest.raises(OverflowError) as error:
        allcore.range_sum(1 << 62, (1 << 62) + 4)
    assert error.value.status == "AC_OVERFLOW"


def test_kernels_are_recognisable_and_picklable():
    for kernel in (allcore.fib, allcore.busy_loop, allcore.busy_loop_for, allcore.range_sum):
        assert isinstance(kernel, allcore.Kernel)
        assert pickle.loads(pickle.dumps(kernel)) is kernel
    assert allcore.fib.__name__ == "fib"


def test_kernels_release_the_gil():
    duration = 0.3
    cpus = len(os.sched_getaffinity(0))
    barrier = threading.Barrier(2)

    def spin():
        barrier.wait()
        allcore.busy_loop_for(duration)

    start = time.monotonic()
    threads = [threading.Thread(target=spin) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    if cpus >= 2:
        # Holding the GIL would serialise the two calls: at least 0.6 s.
        assert elapsed < 0.5
    else:
        # One CPU: the calls cannot overlap, but both must still finish.
        assert elapsed >= duration


def test_python_threads_run_fib_concurrently():
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        assert list(executor.map(allcore.fib, [20] * 8)) == [6765] * 8
