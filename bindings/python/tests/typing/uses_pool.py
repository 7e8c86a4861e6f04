"""A user's script: allcore.ThreadPool as a typed concurrent.futures executor."""

import asyncio
import concurrent.futures
from collections.abc import Iterator
from concurrent.futures import Future

import allcore


def square(value: int) -> int:
    return value * value


def greet(name: str, *, greeting: str = "hello") -> str:
    return f"{greeting}, {name}"


def describe(stats: allcore.PoolStats) -> str:
    return f"{stats.workers} workers, {stats.completed} tasks done"


def main() -> None:
    with allcore.ThreadPool(max_workers=4, thread_name_prefix="app") as pool:
        executor: concurrent.futures.ThreadPoolExecutor = pool
        squared: Future[int] = pool.submit(square, 12)
        keyword: Future[str] = pool.submit(greet, "pool", greeting="hi")
        fib: Future[int] = pool.submit(allcore.fib, 30)
        total: int = squared.result(timeout=10) + fib.result()
        print(total, keyword.result(), executor)

        results: Iterator[int] = pool.map(square, range(10), timeout=5.0, chunksize=2)
        fibs = list(pool.map(allcore.fib, [20] * 8))
        print(sum(results), fibs)

        done, not_done = concurrent.futures.wait([squared, fib], timeout=1.0)
        for future in concurrent.futures.as_completed(done | not_done):
            print(future.result())
        squared.add_done_callback(lambda f: print(f.result()))

        print(pool.parallel_fib([10, 20]), pool.range_sum(0, 100), pool.busy_loop_for(0.01))
        print(describe(pool.stats()), allcore.available_cpus())
        pool.shutdown(wait=True, cancel_futures=False)
    pool.close()

    with allcore.ThreadPool(initializer=print, initargs=("worker up",)) as other:
        loop = asyncio.new_event_loop()
        loop.set_default_executor(other)
        length: int = loop.run_until_complete(loop.run_in_executor(None, len, "abc"))
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        print(length)

    major, minor, patch = allcore.version()
    print(major + minor + patch, allcore.library_path.name)
    try:
        allcore.ThreadPool(0)
    except allcore.AllcoreError as error:
        print(error.status, error.code)
    except ValueError:
        pass


if __name__ == "__main__":
    main()
