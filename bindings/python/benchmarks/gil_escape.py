"""Benchmark: escaping the GIL with allcore, against what a user would otherwise do.

Measures in one run (medians of --repeat repetitions) and prints a Markdown
table of ratios:

- 2 Python threads calling allcore.fib vs 1 thread doing the same total work
  (target >= 1.9x on 2 cores);
- ThreadPool.map(allcore.fib) from one thread vs a plain loop of allcore.fib
  (target >= 1.9x);
- multiprocessing.Pool and pure-Python threads over pure-Python fib, beside it;
- against the machine's limit at that moment: the seeds' C fib (gcc -O2)
  called from 2 Python threads through ctypes, interleaved round by round with
  ThreadPool.map(allcore.fib) from one thread and with 2 Python threads
  calling allcore.fib (target: each >= 0.95x the reference's speedup). A
  diagnostic row runs the same batch with the calling thread computing
  beside the pool (ac_pool_map_kernel called directly), to show what the
  caller competing for a core costs.

    python bindings/python/benchmarks/gil_escape.py [--n 35] [--tasks 16] [--repeat 5]
        [--reference-n 32] [--rounds 21]
"""

import argparse
import ctypes
import multiprocessing
import shlex
import statistics
import subprocess
import sys
import tempfile
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


def seed_fib():
    """The seeds' C fib, built as the seeds build it (gcc -O2, a shared library)."""
    source = Path(__file__).resolve().parents[3] / "benches" / "fib_seed.c"
    directory = tempfile.mkdtemp(prefix="allcore-seed-")
    library = Path(directory) / "libfibseed.so"
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    fib = ctypes.CDLL(str(library)).fib
    fib.argtypes = [ctypes.c_int]
    fib.restype = ctypes.c_int
    return fib


def seconds(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def against_reference(n, tasks, rounds):
    """Speedups relative to the seeds' C fib in 2 Python threads, round by round.

    Each round times, back to back: a 1-thread loop and 2 Python threads of
    the seeds' C fib, a 1-thread loop of allcore.fib, ThreadPool.map, 2 Python
    threads of allcore.fib, and the diagnostic batch with the caller
    computing. A round's ratio is allcore's speedup over its own loop divided
    by the reference's speedup over its loop, so the machine's moment-to-moment
    speed cancels out; the medians over the rounds are printed.
    """
    reference = seed_fib()
    inputs = [n] * tasks
    arrays = ((ctypes.c_int64 * tasks)(*inputs), (ctypes.c_int64 * tasks)())
    from allcore import _ffi

    ratios = {"map": [], "threads": [], "caller": []}
    speedups = []
    caller_over_map = []
    with allcore.ThreadPool() as pool:
        workers = pool.stats().workers

        def caller_computes():
            status = _ffi.ac_pool_map_kernel(
                pool._handle, _ffi.AC_KERNEL_FIB, arrays[0], arrays[1], tasks
            )
            assert status == 0

        list(pool.map(allcore.fib, inputs))  # warm up the workers
        for _ in range(rounds):
            reference_loop = seconds(lambda: [reference(x) for x in inputs])
            reference_threads = seconds(lambda: in_threads(reference, inputs, 2))
            loop = seconds(lambda: [allcore.fib(x) for x in inputs])
            pool_map = seconds(lambda: list(pool.map(allcore.fib, inputs)))
            threads = seconds(lambda: in_threads(allcore.fib, inputs, 2))
            caller = seconds(caller_computes)
            base = reference_loop / reference_threads
            speedups.append(base)
            ratios["map"].append(loop / pool_map / base)
            ratios["threads"].append(loop / threads / base)
            ratios["caller"].append(loop / caller / base)
            caller_over_map.append(caller / pool_map)
    print(
        f"against the seeds' C fib({n}) in 2 Python threads: {tasks} calls per"
        f" measurement, {rounds} interleaved rounds, {workers}-worker pool"
    )
    print(
        f"(the reference's own speedup over 1 thread, median: {statistics.median(speedups):.2f}x)"
    )
    print()
    print("| run | speedup relative to the reference, median | quartiles | target |")
    print("|---|---:|---|---|")
    labels = {
        "map": "ThreadPool.map(allcore.fib), 1 thread (workers compute, caller waits)",
        "threads": "allcore.fib, 2 Python threads",
        "caller": "diagnostic: caller computes beside N-1 pool tasks (ac_pool_map_kernel)",
    }
    for key, label in labels.items():
        values = ratios[key]
        low, _, high = statistics.quantiles(values, n=4)
        target = "" if key == "caller" else ">= 0.95x"
        median = statistics.median(values)
        print(f"| {label} | {median:.3f}x | {low:.2f} to {high:.2f} | {target} |")
    print()
    print(
        "diagnostic time / ThreadPool.map time, paired per round, median:"
        f" {statistics.median(caller_over_map):.3f}"
    )
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=35, help="native fib argument")
    parser.add_argument("--spins", type=int, default=20_000_000, help="busy_loop steps")
    parser.add_argument("--python-n", type=int, default=25, help="pure-Python fib argument")
    parser.add_argument("--tasks", type=int, default=16, help="fib calls per measurement")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions (median reported)")
    parser.add_argument("--reference-n", type=int, default=32, help="fib argument vs the seeds")
    parser.add_argument("--rounds", type=int, default=21, help="interleaved reference rounds")
    parser.add_argument(
        "--reference-only", action="store_true", help="only the rounds against the seeds' C fib"
    )
    options = parser.parse_args()
    against_reference(options.reference_n, options.tasks, options.rounds)
    if options.reference_only:
        print("command: python " + " ".join(shlex.quote(arg) for arg in sys.argv))
        return
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
