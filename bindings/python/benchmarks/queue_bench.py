"""Benchmark: allcore's queues against the standard library's ``queue``.

Three comparisons, each case interleaved with the others and reported as the
median of --repeat runs (the machine is noisy):

1. ``put`` + ``get`` of one small object from one thread: ``allcore.Queue``
   against ``queue.Queue`` (target: at least 2x faster). ``queue.SimpleQueue``
   (a C extension with no maxsize, task tracking or shutdown) is shown beside.
2. Batches: ``put_many`` + ``get_many`` of 1000 items, per item.
3. A pipeline: producers put fib jobs, consumer threads compute each one.
   ``allcore.Queue`` + ``allcore.fib`` (native, GIL released: the consumers
   run in parallel) against ``queue.Queue`` + a pure-Python fib, and the two
   mixed combinations.

    python bindings/python/benchmarks/queue_bench.py [--pairs 50000] [--repeat 9]
"""

import argparse
import os
import queue
import shlex
import statistics
import sys
import threading
import time
import timeit
from pathlib import Path

try:
    import allcore
except ImportError:  # running from a source checkout, not an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import allcore

SMALL_OBJECTS = [("str", "hello"), ("bytes", b"hello"), ("int", 12345), ("tuple", (1, "job"))]
BATCH = 1000


def python_fib(n):
    return n if n < 2 else python_fib(n - 1) + python_fib(n - 2)


def pair_cases():
    cases = []
    for label, item in SMALL_OBJECTS:
        for name, factory in (
            ("allcore.Queue", allcore.Queue),
            ("queue.Queue", queue.Queue),
            ("queue.SimpleQueue", queue.SimpleQueue),
        ):
            q = factory()
            statement = "put(item); get()"
            names = {"put": q.put, "get": q.get, "item": item}
            cases.append(((label, name), timeit.Timer(statement, globals=names), 1))
    return cases


def batch_cases():
    items = [f"item {n}" for n in range(BATCH)]
    ours, theirs = allcore.Queue(), queue.Queue()
    return [
        (
            ("batch of 1000 str", "allcore put_many + get_many"),
            timeit.Timer(
                "put_many(items); get_many(len(items))",
                globals={"put_many": ours.put_many, "get_many": ours.get_many, "items": items},
            ),
            BATCH,
        ),
        (
            ("batch of 1000 str", "allcore.Queue put + get loop"),
            timeit.Timer(
                "for item in items: put(item)\nfor item in items: get()",
                globals={"put": ours.put, "get": ours.get, "items": items},
            ),
            BATCH,
        ),
        (
            ("batch of 1000 str", "queue.Queue put + get loop"),
            timeit.Timer(
                "for item in items: put(item)\nfor item in items: get()",
                globals={"put": theirs.put, "get": theirs.get, "items": items},
            ),
            BATCH,
        ),
    ]


def pipeline(queue_class, fib, jobs, n, producers, consumers):
    """Seconds for ``producers`` threads to feed ``jobs`` fib(n) jobs through
    a bounded queue to ``consumers`` threads."""
    q = queue_class(64)
    per_producer = jobs // producers
    sums = []

    def produce():
        for _ in range(per_producer):
            q.put(n)

    def consume():
        total = 0
        while True:
            item = q.get()
            if item is None:
                break
            total += fib(item)
        sums.append(total)

    started = time.perf_counter()
    threads = [threading.Thread(target=consume) for _ in range(consumers)]
    threads += [threading.Thread(target=produce) for _ in range(producers)]
    for thread in threads:
        thread.start()
    for thread in threads[consumers:]:
        thread.join()
    for _ in range(consumers):
        q.put(None)
    for thread in threads[:consumers]:
        thread.join()
    elapsed = time.perf_counter() - started
    assert sum(sums) == per_producer * producers * allcore.fib(n)
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=50_000, help="put+get pairs per run")
    parser.add_argument("--repeat", type=int, default=9, help="runs per case (median kept)")
    parser.add_argument("--jobs", type=int, default=96, help="fib jobs in the pipeline")
    parser.add_argument("--fib", type=int, default=20, help="n of each pipeline job fib(n)")
    args = parser.parse_args()
    consumers = max(2, os.cpu_count() or 2)

    cases = pair_cases() + batch_cases()
    for _, timer, _ in cases:  # warm up
        timer.timeit(100)
    samples = {key: [] for key, _, _ in cases}
    pipelines = [
        ("allcore.Queue + allcore.fib", allcore.Queue, allcore.fib),
        ("queue.Queue + allcore.fib", queue.Queue, allcore.fib),
        ("allcore.Queue + Python fib", allcore.Queue, python_fib),
        ("queue.Queue + Python fib", queue.Queue, python_fib),
    ]
    for label, _, _ in pipelines:
        samples[label] = []
    for _ in range(args.repeat):
        for key, timer, per in cases:
            runs = args.pairs // per or 1
            samples[key].append(timer.timeit(runs) / (runs * per) * 1e9)
        for label, queue_class, fib in pipelines:
            seconds = pipeline(queue_class, fib, args.jobs, args.fib, 2, consumers)
            samples[label].append(seconds * 1e3)
    median = {key: statistics.median(values) for key, values in samples.items()}

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, median of {args.repeat} runs\n")
    print("### put + get of one small object, one thread\n")
    print("| object | queue | ns per put+get | queue.Queue time / this |")
    print("|---|---|---:|---:|")
    for label, _ in SMALL_OBJECTS:
        baseline = median[(label, "queue.Queue")]
        for name in ("allcore.Queue", "queue.Queue", "queue.SimpleQueue"):
            value = median[(label, name)]
            print(f"| {label} | `{name}` | {value:.0f} | {baseline / value:.2f}x |")
    print("\n### batches of 1000 items\n")
    print("| case | ns per item | queue.Queue time / this |")
    print("|---|---:|---:|")
    baseline = median[("batch of 1000 str", "queue.Queue put + get loop")]
    for key, _, _ in batch_cases():
        print(f"| {key[1]} | {median[key]:.0f} | {baseline / median[key]:.2f}x |")
    print(
        f"\n### pipeline: 2 producers, {consumers} consumers, {args.jobs} jobs of fib({args.fib})\n"
    )
    print("| case | ms | time of queue.Queue + Python fib / this |")
    print("|---|---:|---:|")
    baseline = median["queue.Queue + Python fib"]
    for label, _, _ in pipelines:
        print(f"| {label} | {median[label]:.1f} | {baseline / median[label]:.1f}x |")
    ratio = median[("str", "queue.Queue")] / median[("str", "allcore.Queue")]
    print(f"\ntarget: allcore.Queue put+get of a small object >= 2x faster; measured {ratio:.2f}x")
    print(f"\ncommand: python {shlex.join(sys.argv)}")


if __name__ == "__main__":
    main()
