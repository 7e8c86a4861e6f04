import concurrent.futures
import ctypes
import threading
from concurrent.futures.thread import BrokenThreadPool

import pytest

import allcore


def test_is_an_executor(pool):
    assert isinstance(pool, concurrent.futures.Executor)
    assert pool.stats().workers == 2
    assert pool._max_workers == 2


def test_default_workers_is_thread_pool_executors_default():
    expected = concurrent.futures.ThreadPoolExecutor()._max_workers
    with allcore.ThreadPool() as pool:
        assert pool.stats().workers == expected
        assert pool._max_workers == expected
    with allcore.ThreadPool(allcore.available_cpus()) as pool:
        assert pool.stats().workers == allcore.available_cpus()


def test_submit_kernel_runs_natively(pool):
    future = pool.submit(allcore.fib, 30)
    assert isinstance(future, concurrent.futures.Future)
    assert future.result(timeout=30) == 832040
    assert pool.submit(allcore.range_sum, 0, 10).result() == 45
    assert pool.submit(allcore.busy_loop, 1000).result() == allcore.busy_loop(1000)
    assert pool.submit(allcore.busy_loop_for, 0.01).result() > 0


def test_submit_kernel_errors_propagate(pool):
    with pytest.raises(OverflowError):
        pool.submit(allcore.fib, 93).result()
    with pytest.raises(ValueError):
        pool.submit(allcore.fib, -1).result()
    with pytest.raises(TypeError):
        pool.submit(allcore.fib, "x").result()


def test_submit_ctypes_function(pool, square):
    assert pool.submit(square, 12).result() == 144
    labs = ctypes.CDLL(None).labs
    labs.restype = ctypes.c_long
    labs.argtypes = [ctypes.c_long]
    assert pool.submit(labs, -7).result() == 7


def test_submit_python_callable(pool):
    assert pool.submit(pow, 2, 10).result() == 1024
    assert pool.submit(sorted, [3, 1, 2], reverse=True).result() == [3, 2, 1]
    names = pool.submit(lambda: threading.current_thread().ident).result()
    assert names != threading.current_thread().ident


def test_python_exceptions_propagate(pool):
    def fail():
        raise KeyError("missing")

    future = pool.submit(fail)
    with pytest.raises(KeyError, match="missing"):
        future.result()
    assert isinstance(future.exception(), KeyError)


def test_as_completed_and_wait(pool):
    futures = [pool.submit(allcore.fib, n) for n in range(15, 25)]
    futures += [pool.submit(lambda n=n: n * n) for n in range(10)]
    done = set(concurrent.futures.as_completed(futures, timeout=30))
    assert done == set(futures)
    more = [pool.submit(allcore.busy_loop_for, 0.01) for _ in range(4)]
    finished, not_finished = concurrent.futures.wait(more, timeout=30)
    assert finished == set(more) and not not_finished
    first = concurrent.futures.wait(
        [pool.submit(allcore.fib, 20)], return_when=concurrent.futures.FIRST_COMPLETED
    )
    assert len(first.done) == 1


def test_add_done_callback(pool):
    seen = []
    event = threading.Event()

    def callback(future):
        seen.append(future.result())
        event.set()

    pool.submit(allcore.fib, 20).add_done_callback(callback)
    assert event.wait(30)
    assert seen == [6765]
    done = pool.submit(allcore.fib, 10)
    done.result()
    done.add_done_callback(callback)
    assert seen == [6765, 55]


def test_cancel_before_start_is_native():
    with allcore.ThreadPool(1) as pool:
        started = threading.Event()
        release = threading.Event()

        def block():
            started.set()
            release.wait(30)

        blocker = pool.submit(block)
        assert started.wait(30)
        queued = pool.submit(allcore.fib, 20)
        queued_python = pool.submit(lambda: "ran")
        assert pool.stats().queued == 2
        assert not blocker.cancel()
        assert blocker.running()
        assert queued.cancel()
        assert queued_python.cancel()
        assert queued.cancelled() and queued_python.cancelled()
        with pytest.raises(concurrent.futures.CancelledError):
            queued.result()
        done, _ = concurrent.futures.wait([queued, queued_python], timeout=5)
        assert len(done) == 2
        release.set()
        assert blocker.result(30) is None
        assert not blocker.cancel()


def test_shutdown_cancel_futures():
    pool = allcore.ThreadPool(1)
    release = threading.Event()
    started = threading.Event()

    def block():
        started.set()
        release.wait(30)
        return "finished"

    blocker = pool.submit(block)
    assert started.wait(30)
    queued = [pool.submit(allcore.fib, 25) for _ in range(3)]
    threading.Timer(0.2, release.set).start()
    pool.shutdown(wait=True, cancel_futures=True)
    assert blocker.result() == "finished"
    assert all(future.cancelled() for future in queued)
    assert len(list(concurrent.futures.as_completed(queued, timeout=5))) == 3
    pool.close()


def test_shutdown_drains_by_default():
    pool = allcore.ThreadPool(1)
    futures = [pool.submit(allcore.fib, 22) for _ in range(5)]
    futures.append(pool.submit(lambda: "python"))
    pool.shutdown(wait=True)
    assert [future.result(0) for future in futures] == [17711] * 5 + ["python"]
    pool.close()


def test_map_kernel_batch(pool):
    assert list(pool.map(allcore.fib, range(30))) == [allcore.fib(n) for n in range(30)]
    assert list(pool.map(allcore.busy_loop, [10, 20])) == [
        allcore.busy_loop(10),
        allcore.busy_loop(20),
    ]
    assert all(count > 0 for count in pool.map(allcore.busy_loop_for, [0.01, 0.01]))
    assert list(pool.map(allcore.fib, [])) == []
    with pytest.raises(OverflowError):
        list(pool.map(allcore.fib, [10, 93]))


def test_map_ctypes_function_and_python(pool, square):
    assert list(pool.map(square, range(100))) == [n * n for n in range(100)]
    assert list(pool.map(square, range(100), chunksize=7)) == [n * n for n in range(100)]
    assert list(pool.map(str, range(5))) == ["0", "1", "2", "3", "4"]
    assert list(pool.map(allcore.range_sum, [0, 0], [10, 100])) == [45, 4950]
    results = pool.map(allcore.fib, [5.0])
    with pytest.raises(TypeError):
        list(results)


def test_map_timeout():
    with allcore.ThreadPool(1) as pool:
        results = pool.map(allcore.busy_loop_for, [0.5], timeout=0.05)
        # The builtin TimeoutError from 3.11 on, a class of its own before.
        with pytest.raises(concurrent.futures.TimeoutError):
            list(results)


def test_parallel_helpers(pool):
    assert pool.parallel_fib([10, 20, 30]) == [55, 6765, 832040]
    assert pool.range_sum(0, 10_000_000) == sum(range(10_000_000))
    with pytest.raises(OverflowError):
        pool.range_sum(1 << 62, (1 << 62) + 4)
    assert pool.busy_loop_for(0.02) > 0
    with pytest.raises(ValueError):
        pool.busy_loop_for(-1)
    with pytest.raises(OverflowError):
        pool.parallel_fib([93])


def test_stats_count_completed(pool):
    before = pool.stats().completed
    concurrent.futures.wait([pool.submit(allcore.fib, 10) for _ in range(10)])
    assert pool.stats().completed >= before + 10


def test_initializer_runs_once_per_worker_thread():
    calls = []
    lock = threading.Lock()

    def initializer(tag):
        with lock:
            calls.append((tag, threading.get_native_id()))

    with allcore.ThreadPool(2, initializer=initializer, initargs=("init",)) as pool:
        worker_ids = set(pool.map(lambda _: threading.get_native_id(), range(50)))
    assert all(tag == "init" for tag, _ in calls)
    assert sorted(thread for _, thread in calls) == sorted(worker_ids)


def test_failing_initializer_breaks_the_pool():
    def initializer():
        raise RuntimeError("no")

    with allcore.ThreadPool(1, initializer=initializer) as pool:
        futures = [pool.submit(lambda: 1) for _ in range(3)]
        for future in futures:
            with pytest.raises(BrokenThreadPool):
                future.result(30)
        with pytest.raises(BrokenThreadPool):
            pool.submit(lambda: 1)


def test_thread_name_prefix_and_bad_arguments():
    with pytest.raises(ValueError):
        allcore.ThreadPool(-1)
    with pytest.raises(ValueError):
        allcore.ThreadPool(0)
    with pytest.raises(ValueError):
        allcore.ThreadPool(100_000)
    with pytest.raises(TypeError):
        allcore.ThreadPool(1, initializer=3)
    with allcore.ThreadPool(1, thread_name_prefix="worker") as pool:
        assert pool.submit(allcore.fib, 10).result() == 55


def test_closed_pool_and_repeated_shutdown():
    pool = allcore.ThreadPool(1)
    pool.shutdown()
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(allcore.fib, 1)
    with pytest.raises(RuntimeError):
        pool.submit(print)
    with pytest.raises(RuntimeError):
        pool.map(allcore.fib, [1])
    with pytest.raises(RuntimeError):
        pool.range_sum(0, 1)
    pool.close()
    pool.close()
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.stats()
    with pytest.raises(RuntimeError):
        pool.parallel_fib([1])
