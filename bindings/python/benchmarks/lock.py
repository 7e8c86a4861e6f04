"""Benchmark: allcore.Lock acquire + release against two bare ctypes calls.

The floor is two calls of a one-line no-op C function taking one pointer
(compiled here with gcc into a temporary shared library and called through
ctypes with ``argtypes = [c_void_p]``), which is the least any lock reached
through ctypes can cost. Target: ``allcore.Lock().acquire()`` +
``release()`` within 1.3x of it. ``threading.Lock`` (a C extension, no
ctypes) and ``with lock:`` are shown beside it. The cases are interleaved and
each figure is the median of --repeat runs, as the machine is noisy.

    python bindings/python/benchmarks/lock.py [--calls 100000] [--repeat 15]
"""

import argparse
import ctypes
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100_000, help="acquire+release pairs per run")
    parser.add_argument("--repeat", type=int, default=15, help="runs per case (the median is kept)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        noop = build_noop(directory)
        pointer = ctypes.c_void_p(1)
        ours = allcore.Lock()
        theirs = threading.Lock()
        names = {
            "noop": noop,
            "pointer": pointer,
            "ours": ours,
            "theirs": theirs,
        }
        cases = [
            ("two bare ctypes calls `noop(p); noop(p)`", "noop(pointer); noop(pointer)"),
            ("`allcore.Lock` acquire() + release()", "ours.acquire(); ours.release()"),
            ("`allcore.Lock` `with lock: pass`", "with ours: pass"),
            ("`allcore.Lock` acquire(False) + release()", "ours.acquire(False); ours.release()"),
            ("`threading.Lock` acquire() + release()", "theirs.acquire(); theirs.release()"),
            ("`threading.Lock` `with lock: pass`", "with theirs: pass"),
        ]
        timers = [timeit.Timer(statement, globals=names) for _, statement in cases]
        for timer in timers:  # warm up
            timer.timeit(1000)
        samples = [[] for _ in cases]
        for _ in range(args.repeat):
            for index, timer in enumerate(timers):
                samples[index].append(timer.timeit(args.calls) / args.calls * 1e9)
    medians = [statistics.median(times) for times in samples]
    floor = medians[0]
    version = sys.version.split()[0]
    print(f"Python {version}, {args.calls} pairs per run, median of {args.repeat} runs\n")
    print("| case | ns per pair | vs two bare ctypes calls |")
    print("|---|---:|---:|")
    for (label, _), median in zip(cases, medians):
        print(f"| {label} | {median:.0f} | {median / floor:.2f}x |")
    print(
        f"\ntarget: allcore.Lock acquire() + release() <= 1.30x; measured {medians[1] / floor:.2f}x"
    )
    print(f"\ncommand: python {shlex.join(sys.argv)}")


if __name__ == "__main__":
    main()
