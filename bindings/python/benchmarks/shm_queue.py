"""Benchmark: allcore.multiprocessing.Queue against multiprocessing.Queue and
faster-fifo, between Python processes.

Each round runs every queue once, interleaved (the machine is noisy); the
median of the rounds is reported as items per second and as ratios to
``multiprocessing.Queue`` and faster-fifo measured in the same rounds:

1. single items (small ints, one ``put`` / ``get`` each), 1 producer and
   1 consumer process, then 4 producers and 4 consumers (targets: >= 5x
   ``multiprocessing.Queue``, >= 2x faster-fifo);
2. batches beside: ``put_many`` / ``get_many`` of 100 items per call
   (faster-fifo's own batch calls beside; ``multiprocessing.Queue`` has
   none, so it still moves single items there).

Processes are forked, started before the clock starts and released
together by an event; the time runs until every consumer has its share.

    python bindings/python/benchmarks/shm_queue.py [--rounds 5] [--items 200000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shlex
import statistics
import sys
import time
from pathlib import Path
from typing import Any

try:
    from allcore import multiprocessing as amp
except ImportError:  # running from a source checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from allcore import multiprocessing as amp

try:
    import faster_fifo
except ImportError:
    faster_fifo = None

BATCH = 100
context = multiprocessing.get_context("fork")


def make_queue(kind: str) -> Any:
    if kind == "multiprocessing":
        return context.Queue()
    if kind == "faster-fifo":
        return faster_fifo.Queue(max_size_bytes=1 << 24)
    return amp.Queue(capacity_bytes=1 << 24)


def producer(kind: str, q: Any, start: Any, count: int, batched: bool) -> None:
    start.wait()
    if batched and kind != "multiprocessing":
        for first in range(0, count, BATCH):
            items = list(range(first, min(count, first + BATCH)))
            if kind == "faster-fifo":
                q.put_many(items, timeout=60)
            else:
                q.put_many(items)
    else:
        put = q.put
        for i in range(count):
            put(i)
    if kind == "multiprocessing":
        q.close()
        q.join_thread()


def consumer(kind: str, q: Any, start: Any, count: int, batched: bool, done: Any) -> None:
    start.wait()
    got = 0
    if batched and kind != "multiprocessing":
        while got < count:
            if kind == "faster-fifo":
                got += len(q.get_many(max_messages_to_get=BATCH, timeout=60))
            else:
                got += len(q.get_many(BATCH, timeout=60))
    else:
        get = q.get
        if kind == "faster-fifo":
            while got < count:
                get(timeout=60)
                got += 1
        else:
            while got < count:
                get()
                got += 1
    done.put(got)


def run(kind: str, pairs: int, items: int, batched: bool) -> float:
    """Items per second through ``kind`` with ``pairs`` producers and consumers."""
    q = make_queue(kind)
    start = context.Event()
    done = context.SimpleQueue()
    share = items // pairs
    processes = [
        context.Process(target=producer, args=(kind, q, start, share, batched))
        for _ in range(pairs)
    ]
    processes += [
        context.Process(target=consumer, args=(kind, q, start, share, batched, done))
        for _ in range(pairs)
    ]
    for process in processes:
        process.start()
    time.sleep(0.2)
    began = time.perf_counter()
    start.set()
    total = sum(done.get() for _ in range(pairs))
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
    assert total == share * pairs
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--items", type=int, default=200_000)
    args = parser.parse_args()
    kinds = (
        ["multiprocessing", "faster-fifo", "allcore"]
        if faster_fifo
        else ["multiprocessing", "allcore"]
    )
    if not faster_fifo:
        print(
            "faster-fifo is not installed (pip install faster-fifo): it is left out",
            file=sys.stderr,
        )
    command = shlex.join(["python", *sys.argv])
    print(f"`{command}` on {os.cpu_count()} CPUs, medians of {args.rounds} rounds")
    print()
    print("| case | queue | items/s | vs multiprocessing.Queue | vs faster-fifo |")
    print("|---|---|---|---|---|")
    for batched in (False, True):
        for pairs in (1, 4):
            rates: dict[str, list[float]] = {kind: [] for kind in kinds}
            for _ in range(args.rounds):
                for kind in kinds:
                    rates[kind].append(run(kind, pairs, args.items, batched))
            medians = {kind: statistics.median(values) for kind, values in rates.items()}
            case = f"{pairs}P/{pairs}C, {'batches of ' + str(BATCH) if batched else 'single items'}"
            for kind in kinds:
                versus_mp = medians[kind] / medians["multiprocessing"]
                versus_ff = f"{medians[kind] / medians['faster-fifo']:.2f}x" if faster_fifo else "-"
                print(
                    f"| {case} | {kind} | {medians[kind]:,.0f} | {versus_mp:.2f}x | {versus_ff} |"
                )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
