"""Benchmark: allcore's locks and events against what Python code would otherwise use.

Three tables, every case measured side by side with its baseline, rounds
interleaved, each figure the median of --repeat rounds (the machine is noisy):

1. ``allcore.Lock`` acquire + release against its floor, two bare ctypes
   calls of a one-line no-op C function taking one pointer (compiled here
   with gcc, called through ``ctypes.CDLL`` with ``argtypes = [c_void_p]``):
   the least any lock reached through ctypes can cost. Target: <= 1.3x.
   ``threading.Lock`` (C code, no ctypes) is shown beside it.
2. 2 Python threads doing ``with lock: counter += 1`` against
   ``threading.Lock``. Target: >= 0.25x its throughput.
3. The other primitives against ``threading``'s (pure Python except for
   ``Lock``): single-thread costs, and Event and Barrier round trips between
   2 threads.

    python bindings/python/benchmarks/lock.py [--calls 100000] [--repeat 9]
"""

import argparse
import ctypes
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import timeit
from pathlib import Path

try:
    import allcore
except ImportError:  # running from a source checkout, not an installed package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import allcore

NOOP_SOURCE = "void noop(void *pointer) { (void)pointer; }\n"


def build_noop(directory):
    source = Path(directory) / "noop.c"
    library = Path(directory) / "libnoop.so"
    source.write_text(NOOP_SOURCE)
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    noop = ctypes.CDLL(str(library)).noop
    noop.argtypes = [ctypes.c_void_p]
    noop.restype = None
    return noop


def single_thread_cases(noop):
    """(label, statement, names) for timeit, ours then theirs where paired."""
    pointer = ctypes.c_void_p(1)
    lock, tlock = allcore.Lock(), threading.Lock()
    rlock, trlock = allcore.RLock(), threading.RLock()
    sem, tsem = allcore.Semaphore(1), threading.Semaphore(1)
    bsem, tbsem = allcore.BoundedSemaphore(1), threading.BoundedSemaphore(1)
    event, tevent = allcore.Event(), threading.Event()
    cond, tcond = allcore.Condition(allcore.Lock()), threading.Condition(threading.Lock())
    names = locals()
    return names, [
        ("floor", "two bare ctypes calls `noop(p); noop(p)`", "noop(pointer); noop(pointer)"),
        ("lock", "`Lock` acquire() + release()", "lock.acquire(); lock.release()"),
        ("tlock", "`threading.Lock` acquire() + release()", "tlock.acquire(); tlock.release()"),
        ("lock_with", "`Lock` `with lock: pass`", "with lock: pass"),
        ("tlock_with", "`threading.Lock` `with lock: pass`", "with tlock: pass"),
        ("rlock_with", "`RLock` `with lock: pass`", "with rlock: pass"),
        ("trlock_with", "`threading.RLock` `with lock: pass`", "with trlock: pass"),
        ("sem_with", "`Semaphore` `with sem: pass`", "with sem: pass"),
        ("tsem_with", "`threading.Semaphore` `with sem: pass`", "with tsem: pass"),
        ("bsem_with", "`BoundedSemaphore` `with sem: pass`", "with bsem: pass"),
        ("tbsem_with", "`threading.BoundedSemaphore` `with sem: pass`", "with tbsem: pass"),
        ("event", "`Event` set(); is_set(); clear()", "event.set(); event.is_set(); event.clear()"),
        (
            "tevent",
            "`threading.Event` set(); is_set(); clear()",
            "tevent.set(); tevent.is_set(); tevent.clear()",
        ),
        ("cond", "`Condition` `with cond: cond.notify()`", "with cond: cond.notify()"),
        (
            "tcond",
            "`threading.Condition` `with cond: cond.notify()`",
            "with tcond: tcond.notify()",
        ),
    ]


def counter_under_lock(lock, per_thread):
    """Items per second for 2 threads doing ``with lock: counter += 1``."""
    state = {"count": 0}

    def work():
        for _ in range(per_thread):
            with lock:
                state["count"] += 1

    threads = [threading.Thread(target=work) for _ in range(2)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    assert state["count"] == 2 * per_thread
    return 2 * per_thread / elapsed


def event_ping_pong(event_type, rounds):
    """Round trips per second between 2 threads handing a turn over with 2 events."""
    ping, pong = event_type(), event_type()

    def player():
        for _ in range(rounds):
            ping.wait()
            ping.clear()
            pong.set()

    thread = threading.Thread(target=player)
    start = time.perf_counter()
    thread.start()
    for _ in range(rounds):
        ping.set()
        pong.wait()
        pong.clear()
    thread.join()
    return rounds / (time.perf_counter() - start)


def barrier_rounds(barrier_type, rounds):
    """Rounds per second of a 2-party barrier waited on by 2 worker threads.

    (Not the main thread: there allcore's unsliceable barrier wait runs on a
    helper thread so that Ctrl-C still interrupts it, which costs a thread
    start per wait.)
    """
    barrier = barrier_type(2)

    def party():
        for _ in range(rounds):
            barrier.wait()

    threads = [threading.Thread(target=party) for _ in range(2)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rounds / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100_000, help="calls per single-thread run")
    parser.add_argument("--repeat", type=int, default=9, help="rounds (the median is kept)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        noop = build_noop(directory)
        names, cases = single_thread_cases(noop)
        timers = {key: timeit.Timer(statement, globals=names) for key, _, statement in cases}
        threaded = {
            "counter": lambda: counter_under_lock(allcore.Lock(), args.calls),
            "tcounter": lambda: counter_under_lock(threading.Lock(), args.calls),
            "pingpong": lambda: event_ping_pong(allcore.Event, args.calls // 50),
            "tpingpong": lambda: event_ping_pong(threading.Event, args.calls // 50),
            "barrier": lambda: barrier_rounds(allcore.Barrier, args.calls // 50),
            "tbarrier": lambda: barrier_rounds(threading.Barrier, args.calls // 50),
        }
        for timer in timers.values():  # warm up
            timer.timeit(1000)
        samples = {key: [] for key in [*timers, *threaded]}
        ratios = {"counter": [], "pingpong": [], "barrier": []}
        for _ in range(args.repeat):
            for key, timer in timers.items():
                samples[key].append(timer.timeit(args.calls) / args.calls * 1e9)
            for key, run in threaded.items():
                samples[key].append(run())
            for key, ratio in ratios.items():
                ratio.append(samples[key][-1] / samples["t" + key][-1])
    median = {key: statistics.median(values) for key, values in samples.items()}
    floor = median["floor"]

    print(f"Python {sys.version.split()[0]}, median of {args.repeat} interleaved rounds\n")
    print("| case | ns | vs two bare ctypes calls |")
    print("|---|---:|---:|")
    for key in ("floor", "lock", "tlock", "lock_with", "tlock_with"):
        label = next(label for k, label, _ in cases if k == key)
        print(f"| {label} | {median[key]:.0f} | {median[key] / floor:.2f}x |")
    print(
        f"\ntarget: allcore.Lock acquire() + release() <= 1.30x the floor; "
        f"measured {median['lock'] / floor:.2f}x"
    )

    print("\n| 2 threads, `with lock: counter += 1` | items/s |")
    print("|---|---:|")
    print(f"| `allcore.Lock` | {median['counter']:,.0f} |")
    print(f"| `threading.Lock` | {median['tcounter']:,.0f} |")
    counter_ratio = statistics.median(ratios["counter"])
    print(f"\ntarget: >= 0.25x threading.Lock's throughput; measured {counter_ratio:.2f}x")

    print("\n| case | allcore | threading | allcore time / threading time |")
    print("|---|---:|---:|---:|")
    for key in ("rlock_with", "sem_with", "bsem_with", "event", "cond"):
        label = next(label for k, label, _ in cases if k == key).replace("`", "", 2)
        print(
            f"| {label.strip()} | {median[key]:.0f} ns | {median['t' + key]:.0f} ns "
            f"| {median[key] / median['t' + key]:.2f}x |"
        )
    for key, label in (
        ("pingpong", "Event ping-pong between 2 threads"),
        ("barrier", "2-party Barrier round, 2 worker threads"),
    ):
        per_round = 1e9 / median[key]
        theirs = 1e9 / median["t" + key]
        ratio = 1 / statistics.median(ratios[key])
        print(f"| {label} | {per_round:,.0f} ns | {theirs:,.0f} ns | {ratio:.2f}x |")
    print(f"\ncommand: python {shlex.join(sys.argv)}")


if __name__ == "__main__":
    main()
