import multiprocessing
import os

import allcore

TIMEOUT = 20


def use_inherited_pool(pool, results):
    results.put(
        (
            list(pool.map(allcore.fib, range(25))),
            pool.submit(allcore.fib, 30).result(TIMEOUT),
            pool.submit(lambda: os.getpid()).result(TIMEOUT),
        )
    )


def test_pool_created_before_fork_works_in_child():
    context = multiprocessing.get_context("fork")
    with allcore.ThreadPool(2) as pool:
        assert pool.submit(allcore.fib, 20).result() == 6765
        results = context.Queue()
        child = context.Process(target=use_inherited_pool, args=(pool, results))
        child.start()
        child.join(TIMEOUT)
        assert child.exitcode == 0, f"child exit code {child.exitcode} (negative: signal)"
        mapped, single, pid = results.get(timeout=TIMEOUT)
        assert mapped == [allcore.fib(n) for n in range(25)]
        assert single == 832040
        assert pid == child.pid
        assert pool.submit(allcore.fib, 20).result() == 6765


def workers_with_one_cpu(results):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with allcore.ThreadPool(allcore.available_cpus()) as pool:
        results.put((allcore.available_cpus(), pool.stats().workers, pool._max_workers))


def test_pool_of_available_cpus_honours_cpu_affinity():
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=workers_with_one_cpu, args=(results,))
    child.start()
    assert results.get(timeout=TIMEOUT) == (1, 1, 1)
    child.join(TIMEOUT)
    assert child.exitcode == 0
