"""Benchmark: ThreadPool.parallel_for of a numba @cfunc against numba's own prange loop.

Both run the same per-element work over the same float64 numpy array, on
every core: allcore calls a numba ``@cfunc`` ``void f(double *, size_t,
size_t)`` on chunks of the array through ``ThreadPool.parallel_for``; numba
runs an ``@njit(parallel=True)`` ``prange`` loop with its default threading
layer and as many threads. The figure is the throughput ratio (numba's time
over allcore's; above 1 is faster), for a short job (about 10 ms on one
core) and a long one (about 1 s), the median over rounds that interleave the
two in one process. A one-core ``@njit`` loop is timed beside them to show
the speedup the machine gave.

The short job is measured three ways, since how calls follow each other
decides who pays for waking threads:

- back to back: each round runs one side's calls for a while, then the
  other's (the order alternates), and keeps the median call;
- alternating calls: one call of each in turn, with no pause;
- after a pause: one call of each in turn, each after 30 ms of idling, when
  every worker of both has gone to sleep.

    python bindings/python/benchmarks/parallel_for.py [--rounds 9] [--short-ms 10] [--long-ms 1000]
"""

import argparse
import os
import shlex
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np
from numba import carray, cfunc, njit, prange, types

try:
    import allcore
except ImportError:  # running from a source checkout, not an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import allcore

BODY_SIGNATURE = types.void(types.CPointer(types.float64), types.uintp, types.uintp)


def kernels(steps):
    """The per-element work (``steps`` steps of a map of [0, 1] into itself) three ways."""

    @njit(inline="always")
    def work(x):
        for _ in range(steps):
            x = x * x * 0.5 + 0.25
        return x

    @cfunc(BODY_SIGNATURE)
    def body(pointer, begin, end):
        values = carray(pointer, (end,))
        for i in range(begin, end):
            values[i] = work(values[i])

    @njit(parallel=True)
    def prange_loop(values):
        for i in prange(values.shape[0]):
            values[i] = work(values[i])

    @njit
    def one_core(values):
        for i in range(values.shape[0]):
            values[i] = work(values[i])

    return body, prange_loop, one_core


def timed(call):
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def calibrate(one_core, steps, target):
    """An array size whose one-core loop takes about ``target`` seconds."""
    probe = np.random.default_rng(1).random(200_000)
    one_core(probe)
    per_element = statistics.median(timed(lambda: one_core(probe)) for _ in range(7)) / len(probe)
    return max(1000, int(target / per_element))


class Job:
    def __init__(self, pool, steps, seconds):
        self.body, self.prange_loop, self.one_core = kernels(steps)
        self.size = calibrate(self.one_core, steps, seconds)
        self.values = np.random.default_rng(2).random(self.size)
        self.pool = pool
        # Compile and warm up all three.
        self.prange_loop(self.values)
        self.one_core(self.values)
        self.allcore()

    def allcore(self):
        self.pool.parallel_for(self.body, self.size, self.values)

    def numba(self):
        self.prange_loop(self.values)

    def serial(self):
        self.one_core(self.values)


def back_to_back(job, rounds, block_seconds):
    """Median call time of each side, running blocks of calls in turn."""
    times = {"allcore": [], "numba": [], "one core": []}
    sides = [("allcore", job.allcore), ("numba", job.numba)]
    for round_index in range(rounds):
        order = sides if round_index % 2 == 0 else sides[::-1]
        for name, call in [*order, ("one core", job.serial)]:
            block = []
            deadline = time.perf_counter() + block_seconds
            while not block or time.perf_counter() < deadline:
                block.append(timed(call))
            times[name].append(statistics.median(block))
    return {name: statistics.median(values) for name, values in times.items()}


def alternating(job, calls, pause):
    """Median call time of each side, one call of each in turn."""
    times = {"allcore": [], "numba": []}
    for index in range(calls):
        order = ("allcore", "numba") if index % 2 == 0 else ("numba", "allcore")
        for name in order:
            if pause:
                time.sleep(pause)
            times[name].append(timed(getattr(job, name)))
    return {name: statistics.median(values) for name, values in times.items()}


def report(label, medians):
    ratio = medians["numba"] / medians["allcore"]
    line = (
        f"{label:<34} allcore {medians['allcore'] * 1e3:9.3f} ms   "
        f"numba prange {medians['numba'] * 1e3:9.3f} ms   ratio {ratio:5.2f}x"
    )
    if "one core" in medians:
        speedup = medians["one core"] / medians["allcore"]
        line += f"   (one core {medians['one core'] * 1e3:.3f} ms, allcore speedup {speedup:.2f}x)"
    print(line, flush=True)
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds per figure")
    parser.add_argument("--short-ms", type=float, default=10.0, help="short job, one-core ms")
    parser.add_argument("--long-ms", type=float, default=1000.0, help="long job, one-core ms")
    args = parser.parse_args()

    print("command: python", shlex.join([sys.argv[0], *sys.argv[1:]]))
    with allcore.ThreadPool() as pool:
        short = Job(pool, steps=16, seconds=args.short_ms / 1e3)
        long = Job(pool, steps=512, seconds=args.long_ms / 1e3)
        print(
            f"allcore workers: {pool.stats().workers}; numba threads: {numba.get_num_threads()}, "
            f"threading layer {numba.threading_layer()!r}; OMP_WAIT_POLICY="
            f"{os.environ.get('OMP_WAIT_POLICY', '(unset)')}; short job {short.size:,} elements "
            f"x 16 steps, long job {long.size:,} elements x 512 steps"
        )
        report("short job, back to back", back_to_back(short, args.rounds, 0.25))
        report("short job, alternating calls", alternating(short, 20 * args.rounds, 0))
        report("short job, alternating after 30 ms", alternating(short, 6 * args.rounds, 0.03))
        report("long job, one call each in turn", back_to_back(long, args.rounds, 0))


if __name__ == "__main__":
    main()
