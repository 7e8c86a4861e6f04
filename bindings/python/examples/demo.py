"""The GIL experiment, done properly: the same CPU-bound work six ways.

The work is ``fib(N)`` by naive recursion, ``K`` times. It runs

  (a) sequentially in pure Python,
  (b) in pure-Python threads (the GIL lets one run at a time),
  (c) in a multiprocessing.Pool (one interpreter per core),
  (d) as allcore.fib, sequentially from one thread,
  (e) as allcore.fib from Python threads (ctypes releases the GIL),
  (f) as ThreadPool.map(allcore.fib, ...), one native call from one thread.

Pure-Python fib and native fib run at very different speeds, so each parallel
run is compared with its own sequential baseline, and the native runs are also
compared with pure Python. Prints a table and writes a bar plot (PNG).

    python bindings/python/examples/demo.py [--n 30] [--tasks 8] [--plot out.png]
"""

import argparse
import multiprocessing
import os
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


def timed(run):
    start = time.perf_counter()
    results = run()
    return time.perf_counter() - start, results


def in_threads(function, inputs, threads):
    results = [None] * len(inputs)

    def work(indices):
        for index in indices:
            results[index] = function(inputs[index])

    workers = [
        threading.Thread(target=work, args=(range(i, len(inputs), threads),))
        for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="pure-Python fib argument")
    parser.add_argument("--native-n", type=int, help="native fib argument (default: n + 8)")
    parser.add_argument("--tasks", type=int, default=8, help="how many fib calls")
    parser.add_argument("--plot", default="allcore-demo.png", help="where to write the PNG")
    options = parser.parse_args()
    n, native_n, tasks = options.n, options.native_n or options.n + 8, options.tasks
    cores = allcore.available_cpus()
    python_inputs, native_inputs = [n] * tasks, [native_n] * tasks

    print(f"{tasks} x fib({n}) in pure Python, {tasks} x fib({native_n}) natively, {cores} CPUs")
    runs = {}
    runs["a"] = timed(lambda: [python_fib(x) for x in python_inputs])
    runs["b"] = timed(lambda: in_threads(python_fib, python_inputs, cores))
    with multiprocessing.get_context("fork").Pool(cores) as processes:
        runs["c"] = timed(lambda: processes.map(python_fib, python_inputs))
    runs["d"] = timed(lambda: [allcore.fib(x) for x in native_inputs])
    runs["e"] = timed(lambda: in_threads(allcore.fib, native_inputs, cores))
    with allcore.ThreadPool(cores) as pool:
        runs["f"] = timed(lambda: list(pool.map(allcore.fib, native_inputs)))

    expected_python, expected_native = python_fib(n), allcore.fib(native_n)
    for key, (_, results) in runs.items():
        expected = expected_python if key in "abc" else expected_native
        assert results == [expected] * tasks, key

    # Native speed relative to pure Python, per fib(n) call: the native run did
    # fib(native_n), which costs about phi**(native_n - n) times fib(n).
    phi = (1 + 5**0.5) / 2
    work_ratio = phi ** (native_n - n)
    rows = [
        ("a", "pure Python, sequential", "a"),
        ("b", f"pure Python, {cores} threads", "a"),
        ("c", f"multiprocessing.Pool({cores})", "a"),
        ("d", "allcore.fib, sequential", "d"),
        ("e", f"allcore.fib, {cores} Python threads", "d"),
        ("f", "ThreadPool.map(allcore.fib)", "d"),
    ]
    print()
    print("| run | what | wall s | speedup vs own sequential | vs pure Python (same work) |")
    print("|---|---|---:|---:|---:|")
    for key, label, baseline in rows:
        seconds = runs[key][0]
        own = runs[baseline][0] / seconds
        scale = 1 if key in "abc" else work_ratio
        vs_python = runs["a"][0] * scale / seconds
        print(f"| ({key}) | {label} | {seconds:.3f} | {own:.2f}x | {vs_python:.2f}x |")
    print()
    print(
        "Speedups compare like with like: (b), (c) against (a), pure Python; (e), (f)\n"
        f"against (d), native. The last column scales pure Python's time by phi^{native_n - n}\n"
        f"= {work_ratio:.1f} (the cost of fib({native_n}) over fib({n})) to compare native\n"
        "with pure Python per unit of work."
    )
    write_plot(options.plot, rows, runs, cores)


def write_plot(path, rows, runs, cores):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"({key}) {label}" for key, label, _ in rows]
    speedups = [runs[baseline][0] / runs[key][0] for key, _, baseline in rows]
    colours = ["tab:gray"] * 3 + ["tab:blue"] * 3
    figure, axes = plt.subplots(figsize=(9, 4.5))
    axes.barh(labels[::-1], speedups[::-1], color=colours[::-1])
    axes.axvline(1, color="black", linewidth=0.8)
    axes.axvline(cores, color="tab:green", linestyle="--", label=f"{cores} cores")
    axes.set_xlabel("speedup vs its own sequential run (pure Python or native)")
    axes.set_title("Escaping the GIL: the same fib work six ways")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    print(f"plot written to {os.path.abspath(path)}")


if __name__ == "__main__":
    main()
