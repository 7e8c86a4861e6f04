"""Benchmark: allcore's queues against the standard library's ``queue``.

Every case runs once per round, all rounds interleaved (the machine is
noisy), and the median of the rounds is reported with its ratio to
``queue.Queue`` measured in the same rounds:

1. ``put`` + ``get`` of one small object from one thread: ``allcore.Queue``
   against ``queue.Queue`` (target: at least 1.25x faster), with
   ``allcore.SimpleQueue`` and CPython's C ``queue.SimpleQueue`` beside, and
   where the time goes (the two native calls alone, bare foreign calls);
2. batches: ``put_many`` + ``get_many`` of 1000 items, per item, against a
   ``queue.Queue`` put + get loop (target: at least 5x faster);
3. 2 producer and 2 consumer Python threads through a bounded queue
   (maxsize 64): items per second (target: at least 1.5x ``queue.Queue``);
4. a pipeline: producers put fib jobs, consumer threads compute each one,
   ``allcore.Queue`` + ``allcore.fib`` (native, GIL released: the
   consumers run in parallel) against ``queue.Queue`` + a pure-Python fib.

    python bindings/python/benchmarks/queue_bench.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import os
import queue
import shlex
import statistics
import sys
import threading
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import allcore
except ImportError:  # running from a source checkout, not an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import allcore


class Job:
    """A plain object: what most programs put in a queue."""


SMALL_OBJECTS = [
    ("str", "hello"),
    ("bytes", b"hello"),
    ("int", 12345),
    ("tuple", (1, "job")),
    ("object", Job()),
]
SINGLE_QUEUES: list[tuple[str, Callable[[], Any]]] = [
    ("allcore.Queue", allcore.Queue),
    ("queue.Queue", queue.Queue),
    ("allcore.SimpleQueue", allcore.SimpleQueue),
    ("queue.SimpleQueue (C)", queue.SimpleQueue),
]
BATCH = 1000
THREADED_ITEMS = 40_000
THREADED_MAXSIZE = 64


def breakdown_cases(pairs: int) -> list[tuple[tuple[str, str], Callable[[], float]]]:
    """Where a put + get of an object goes: the two bound native calls
    alone, and argument-free foreign calls through PyDLL and CDLL."""
    import ctypes

    from allcore import _lib, _queue

    item = Job()
    q: Any = allcore.Queue()
    calls = {}
    for label, lib in (("PyDLL", _lib.quick_library), ("CDLL", _lib.library)):
        function = lib._FuncPtr(("ac_version", lib))
        function.restype = ctypes.c_uint32
        calls[label] = function
    statements = [
        ("allcore.Queue put + get", "put(item); get()", {"put": q.put, "get": q.get}),
        (
            "the two bound native calls alone",
            "incref(item); try_put(id(item), marker, 2, 0); take()",
            {
                "incref": _queue._incref,
                "try_put": q._try_put,
                "take": q._take,
                "marker": _queue._OBJECT,
            },
        ),
        ("two PyDLL calls of a no-op (ac_version)", "call(); call()", {"call": calls["PyDLL"]}),
        ("two CDLL calls of a no-op (ac_version)", "call(); call()", {"call": calls["CDLL"]}),
    ]
    cases = []
    for name, statement, names in statements:
        timer = timeit.Timer(statement, globals={**names, "item": item})
        cases.append((("breakdown", name), lambda timer=timer: timer.timeit(pairs) / pairs * 1e9))
    return cases


def python_fib(n: int) -> int:
    return n if n < 2 else python_fib(n - 1) + python_fib(n - 2)


def single_cases(pairs: int) -> list[tuple[tuple[str, str], Callable[[], float]]]:
    """ns per put + get, one thread."""
    cases = []
    for label, item in SMALL_OBJECTS:
        for name, factory in SINGLE_QUEUES:
            q = factory()
            names = {"put": q.put, "get": q.get, "item": item}
            timer = timeit.Timer("put(item); get()", globals=names)
            cases.append(((label, name), lambda timer=timer: timer.timeit(pairs) / pairs * 1e9))
    return cases


def batch_cases(batches: int) -> list[tuple[tuple[str, str], Callable[[], float]]]:
    """ns per item: put_many + get_many of BATCH items, or a put + get loop."""
    cases = []
    for label, items in (
        ("ints", list(range(BATCH))),
        ("str", [f"item {n}" for n in range(BATCH)]),
        ("objects", [Job() for _ in range(BATCH)]),
    ):
        ours, theirs = allcore.Queue(), queue.Queue()
        statements = [
            (
                "allcore put_many + get_many",
                "put_many(items); get_many(count)",
                {"put_many": ours.put_many, "get_many": ours.get_many},
            ),
            (
                "queue.Queue put + get loop",
                "for item in items: put(item)\nfor item in items: get()",
                {"put": theirs.put, "get": theirs.get},
            ),
        ]
        for name, statement, names in statements:
            timer = timeit.Timer(statement, globals={**names, "items": items, "count": BATCH})
            per_item = BATCH * batches
            cases.append(
                ((label, name), lambda timer=timer, n=per_item: timer.timeit(batches) / n * 1e9)
            )
    return cases


def threaded(factory: Callable[[int], Any]) -> float:
    """Items per second that 2 producer and 2 consumer threads move through
    a bounded queue."""
    q = factory(THREADED_MAXSIZE)
    per_thread = THREADED_ITEMS // 2

    def produce() -> None:
        put = q.put
        for n in range(per_thread):
            put(n)

    def consume() -> None:
        get = q.get
        for _ in range(per_thread):
            get()

    threads = [threading.Thread(target=produce) for _ in range(2)]
    threads += [threading.Thread(target=consume) for _ in range(2)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return THREADED_ITEMS / (time.perf_counter() - started)


def pipeline(
    queue_class: Callable[[int], Any], fib: Callable[[int], int], jobs: int, n: int
) -> float:
    """ms for 2 producer threads to feed ``jobs`` fib(n) jobs through a
    bounded queue to consumer threads."""
    consumers = max(2, os.cpu_count() or 2)
    q = queue_class(64)
    per_producer = jobs // 2
    sums: list[int] = []

    def produce() -> None:
        for _ in range(per_producer):
            q.put(n)

    def consume() -> None:
        total = 0
        while True:
            item = q.get()
            if item is None:
                break
            total += fib(item)
        sums.append(total)

    started = time.perf_counter()
    threads = [threading.Thread(target=consume) for _ in range(consumers)]
    threads += [threading.Thread(target=produce) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads[consumers:]:
        thread.join()
    for _ in range(consumers):
        q.put(None)
    for thread in threads[:consumers]:
        thread.join()
    elapsed = time.perf_counter() - started
    assert sum(sums) == per_producer * 2 * allcore.fib(n)
    return elapsed * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (median kept)")
    parser.add_argument("--pairs", type=int, default=20_000, help="put+get pairs per round")
    parser.add_argument("--batches", type=int, default=20, help="batches per round")
    parser.add_argument("--jobs", type=int, default=240, help="fib jobs in the pipeline")
    parser.add_argument("--fib", type=int, default=20, help="n of each pipeline job fib(n)")
    args = parser.parse_args()

    cases = single_cases(args.pairs) + breakdown_cases(args.pairs) + batch_cases(args.batches)
    cases += [
        (("threads", "allcore.Queue"), lambda: threaded(allcore.Queue)),
        (("threads", "queue.Queue"), lambda: threaded(queue.Queue)),
    ]
    pipelines = [
        ("allcore.Queue + allcore.fib", allcore.Queue, allcore.fib),
        ("queue.Queue + allcore.fib", queue.Queue, allcore.fib),
        ("queue.Queue + Python fib", queue.Queue, python_fib),
    ]
    for label, queue_class, fib in pipelines:
        cases.append(
            (("pipeline", label), lambda q=queue_class, f=fib: pipeline(q, f, args.jobs, args.fib))
        )
    for _, run in cases:  # warm up
        run()
    samples: dict[tuple[str, str], list[float]] = {key: [] for key, _ in cases}
    for _ in range(args.rounds):
        for key, run in cases:
            samples[key].append(run())
    median = {key: statistics.median(values) for key, values in samples.items()}

    version = sys.version.split()[0]
    print(f"Python {version}, {os.cpu_count()} CPUs, median of {args.rounds} rounds\n")
    print("### put + get of one small object, one thread\n")
    print("| object | queue | ns per put+get | queue.Queue time / this |")
    print("|---|---|---:|---:|")
    for label, _ in SMALL_OBJECTS:
        baseline = median[(label, "queue.Queue")]
        for name, _ in SINGLE_QUEUES:
            value = median[(label, name)]
            print(f"| {label} | `{name}` | {value:.0f} | {baseline / value:.2f}x |")
    print("\n### where a put + get of an object goes\n")
    print("| what | ns |")
    print("|---|---:|")
    for key in [key for key, _ in cases if key[0] == "breakdown"]:
        print(f"| {key[1]} | {median[key]:.0f} |")
    print(f"| queue.Queue put + get | {median[('object', 'queue.Queue')]:.0f} |")
    print(
        f"| queue.SimpleQueue (C) put + get | {median[('object', 'queue.SimpleQueue (C)')]:.0f} |"
    )
    print(f"\n### batches of {BATCH} items, per item\n")
    print("| items | case | ns per item (put + get) | queue.Queue time / this |")
    print("|---|---|---:|---:|")
    for label in ("ints", "str", "objects"):
        baseline = median[(label, "queue.Queue put + get loop")]
        for name in ("allcore put_many + get_many", "queue.Queue put + get loop"):
            value = median[(label, name)]
            print(f"| {label} | {name} | {value:.0f} | {baseline / value:.2f}x |")
    print(f"\n### 2 producer + 2 consumer threads, bounded queue (maxsize {THREADED_MAXSIZE})\n")
    print("| queue | items per second | this / queue.Queue |")
    print("|---|---:|---:|")
    baseline = median[("threads", "queue.Queue")]
    for name in ("allcore.Queue", "queue.Queue"):
        value = median[("threads", name)]
        print(f"| `{name}` | {value:,.0f} | {value / baseline:.2f}x |")
    print(f"\n### pipeline: 2 producers, fib({args.fib}) jobs, {args.jobs} jobs\n")
    print("| case | ms | time of queue.Queue + Python fib / this |")
    print("|---|---:|---:|")
    baseline = median[("pipeline", "queue.Queue + Python fib")]
    for label, _, _ in pipelines:
        value = median[("pipeline", label)]
        print(f"| {label} | {value:.1f} | {baseline / value:.1f}x |")
    print(f"\ncommand: python {shlex.join(sys.argv)}")


if __name__ == "__main__":
    main()
