"""Benchmark: allcore.Timer against threading.Timer, the timer a user would otherwise use.

Two cases, each over --timers timers:

- ``start+cancel``: start a timer of 60 s and cancel it, the watchdog or
  timeout pattern (the work finished before the deadline);
- ``start+fire``: start timers of 1 ms and join them all once they fired.

The threads that the pending timers of ``start+cancel`` cost are counted too
(``/proc/self/task`` once every timer started). The cases are interleaved and
each figure is the median of --repeat runs, as the machine is noisy.

    python bindings/python/benchmarks/timer_bench.py [--timers 2000] [--repeat 7]
"""

import argparse
import os
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


def threads():
    return len(os.listdir("/proc/self/task"))


def settle(baseline):
    """Wait (up to 5 s) for the threads of joined threading.Timers to exit."""
    deadline = time.monotonic() + 5
    while threads() > baseline and time.monotonic() < deadline:
        time.sleep(0.01)


def start_cancel(timer_class, count):
    start = time.perf_counter()
    timers = [timer_class(60, print) for _ in range(count)]
    for timer in timers:
        timer.start()
    peak = threads()
    for timer in timers:
        timer.cancel()
    for timer in timers:
        timer.join()
    return time.perf_counter() - start, peak


def start_fire(timer_class, count):
    fired = []
    start = time.perf_counter()
    timers = [timer_class(0.001, fired.append, args=(1,)) for _ in range(count)]
    for timer in timers:
        timer.start()
    for timer in timers:
        timer.join()
    assert len(fired) == count
    return time.perf_counter() - start, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timers", type=int, default=2000, help="timers per run")
    parser.add_argument("--repeat", type=int, default=7, help="runs per case (the median is kept)")
    args = parser.parse_args()
    classes = {"allcore.Timer": allcore.Timer, "threading.Timer": threading.Timer}
    cases = {"start+cancel": start_cancel, "start+fire": start_fire}
    # Warm up: the first allcore timer starts its pool.
    start_fire(allcore.Timer, 10)
    times = {(case, name): [] for case in cases for name in classes}
    peaks = {(case, name): 0 for case in cases for name in classes}
    baseline = threads()
    for _ in range(args.repeat):
        for case, run in cases.items():
            for name, timer_class in classes.items():
                settle(baseline)
                seconds, peak = run(timer_class, args.timers)
                times[case, name].append(seconds)
                if peak is not None:
                    peaks[case, name] = max(peaks[case, name], peak - baseline)
    print(f"{args.timers} timers, median of {args.repeat} interleaved runs")
    print(f"{'case':<14}{'timer':<17}{'us/timer':>10}{'threads while pending':>23}")
    for case in cases:
        for name in classes:
            per_timer = statistics.median(times[case, name]) / args.timers * 1e6
            pending = peaks[case, name] if case == "start+cancel" else ""
            print(f"{case:<14}{name:<17}{per_timer:>10.1f}{pending:>23}")
        ratio = statistics.median(times[case, "threading.Timer"]) / statistics.median(
            times[case, "allcore.Timer"]
        )
        print(f"{case:<14}threading / allcore: {ratio:.2f}x")


if __name__ == "__main__":
    main()
