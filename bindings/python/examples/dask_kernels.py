"""allcore kernels in a dask.distributed cluster of threaded workers.

``LocalCluster(processes=False)`` runs dask's workers as threads of this one
process. A task that calls an allcore kernel releases the GIL for the whole
native call, so those threads run on every core at once, where pure-Python
tasks would take turns.

A task may also start an allcore ``ThreadPool`` of its own. Its default size
comes from ``ALLCORE_NUM_THREADS`` (as OpenMP's comes from
``OMP_NUM_THREADS``), so dask's threads times allcore's threads stays within
the cores: here every dask thread gets ``cores // dask threads`` pool workers.

    pip install "dask[distributed]"
    python bindings/python/examples/dask_kernels.py
"""

import os
import time

from dask.distributed import Client, LocalCluster

import allcore

N = 30  # one fib(30) is a few milliseconds of native work
TASKS = 32


def fib_sum(n, count):
    """One dask task: ``count`` native fib calls, with the GIL released."""
    return sum(allcore.fib(n) for _ in range(count))


def pooled_fib_sum(n, count):
    """One dask task that spreads its own work over an allcore pool."""
    with allcore.ThreadPool() as pool:  # sized by ALLCORE_NUM_THREADS
        return pool.stats().workers, sum(pool.parallel_fib([n] * count))


def main():
    cores = allcore.available_cpus()
    workers, threads = cores, 1
    os.environ["ALLCORE_NUM_THREADS"] = str(max(1, cores // (workers * threads)))
    print(f"dask workers x threads: {workers} x {threads} (processes=False)")
    print(f"ALLCORE_NUM_THREADS: {os.environ['ALLCORE_NUM_THREADS']}")

    start = time.perf_counter()
    serial = [fib_sum(N, 8) for _ in range(TASKS)]
    serial_seconds = time.perf_counter() - start

    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=threads,
            processes=False,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.submit(fib_sum, 1, 1).result()  # the workers are up
        start = time.perf_counter()
        futures = client.map(fib_sum, [N] * TASKS, [8] * TASKS, pure=False)
        parallel = client.gather(futures)
        parallel_seconds = time.perf_counter() - start
        pooled = client.gather(client.map(pooled_fib_sum, [N] * 4, [8] * 4, pure=False))

    print(f"fib tasks: {len(parallel)}")
    print(f"matches a serial run: {parallel == serial}")
    pool_sizes = sorted({size for size, _ in pooled})
    print(f"allcore pool workers inside a task: {pool_sizes}")
    print(f"pooled results match: {[total for _, total in pooled] == serial[:4]}")
    # Timing varies from run to run: shown, never checked.
    print(f"speedup over one thread: {serial_seconds / parallel_seconds:.2f}x on {cores} cores")


if __name__ == "__main__":
    main()
