"""Benchmark: escaping the GIL with allcore, against what a user would otherwise do.

Measures in one run (medians of --repeat repetitions) and prints a Markdown
table of ratios:

- 2 Python threads calling allcore.fib vs 1 thread doing the same total work
  (target >= 1.9x on 2 cores);
- ThreadPool.map(allcore.fib) from one thread vs a plain loop of allcore.fib
  (target >= 1.9x);
- multiprocessing.Pool and pure-Python threads over pure-Python fib, beside it.

    python bindings/python/benchmarks/gil_escape.py [--n 35] [--tasks 16] [--repeat 5]
"""

import argparse
import multiprocessing
import shlex
import statistics
import sys
import threading
import time
from pathlib import Path

try:
    import allcore
except ImportError:  # running from a source checkout, not an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import allcore


def python_fib(n):
    return n if n < 2 else python_fib(n - 1) + python_fib(n - 2)


def median_seconds(run, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_threads(function, inputs, threads):
    def work(chunk):
        for value in chunk:
            function(value)

    workers = [threading.Thread(target=work, args=(inputs[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=35, help="native fib argument")
    parser.add_argument("--spins", type=int, default=20_000_000, help="busy_loop steps")
    parser.add_argument("--python-n", type=int, default=25, help="pure-Python fib argument")
    parser.add_argument("--tasks", type=int, default=16, help="fib calls per measurement")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (median reported)")
    options = parser.parse_args()
    native, python = [options.n] * options.tasks, [options.python_n] * options.tasks
    repeat = options.repeat
    cpus = allcore.available_cpus()

    loop = median_seconds(lambda: [allcore.fib(x) for x in native], repeat)
    two_threads = median_seconds(lambda: in_threads(allcore.fib, native, 2), repeat)
    with allcore.ThreadPool(cpus) as pool:
        pool_map = median_seconds(lambda: list(pool.map(allcore.fib, native)), repeat)
    # busy_loop is one long dependency chain: it leaves a core's execution
    # units idle, so it also scales on vCPUs that share a physical core,
    # where fib's adds and calls compete for the same units.
    spins = [options.spins] * options.tasks
    spin_loop = median_seconds(lambda: [allcore.busy_loop(x) for x in spins], repeat)
    spin_threads = median_seconds(lambda: in_threads(allcore.busy_loop, spins, 2), repeat)
    with allcore.ThreadPool(cpus) as pool:
        spin_map = median_seconds(lambda: list(pool.map(allcore.busy_loop, spins)), repeat)
    python_loop = median_seconds(lambda: [python_fib(x) for x in python], repeat)
    python_threads = median_seconds(lambda: in_threads(python_fib, python, 2), repeat)
    with multiprocessing.get_context("fork").Pool(cpus) as processes:
        processes.map(python_fib, [1] * cpus)  # start the workers before timing
        process_map = median_seconds(lambda: processes.map(python_fib, python), repeat)

    rows = [
        ("allcore.fib, 2 Python threads", f"fib({options.n})", two_threads, loop, ">= 1.9x"),
        ("ThreadPool.map(allcore.fib), 1 thread", f"fib({options.n})", pool_map, loop, ">= 1.9x"),
        (
            "allcore.busy_loop, 2 Python threads",
            f"{options.spins} steps",
            spin_threads,
            spin_loop,
            ">= 1.9x",
        ),
        (
            "ThreadPool.map(allcore.busy_loop), 1 thread",
            f"{options.spins} steps",
            spin_map,
            spin_loop,
            ">= 1.9x",
        ),
        ("pure-Python fib, 2 threads", f"fib({options.python_n})", python_threads, python_loop, ""),
        (
            f"multiprocessing.Pool({cpus}).map",
            f"fib({options.python_n})",
            process_map,
            python_loop,
            "",
        ),
    ]
    print(f"{options.tasks} calls per measurement, median of {repeat}, {cpus} CPUs available")
    print()
    print("| run | work | median s | baseline (1 thread loop) s | speedup | target |")
    print("|---|---|---:|---:|---:|---|")
    for label, work, seconds, baseline, target in rows:
        speedup = baseline / seconds
        print(f"| {label} | {work} | {seconds:.4f} | {baseline:.4f} | {speedup:.2f}x | {target} |")
    print()
    print("command: python " + " ".join(shlex.quote(arg) for arg in sys.argv))


if __name__ == "__main__":
    main()
