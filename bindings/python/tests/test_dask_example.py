"""The dask.distributed example runs allcore kernels in threaded dask workers.

dask and distributed are test dependencies (requirements-dev.txt, installed by
the test command); the skip only covers a machine where they were removed.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="dask.distributed is not installed")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dask_kernels.py"
SOURCE = Path(__file__).resolve().parents[1] / "src"


def test_dask_example():
    env = dict(os.environ, PYTHONPATH=str(SOURCE))
    env.pop("ALLCORE_NUM_THREADS", None)
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    cores = int(
        subprocess.run(
            [sys.executable, "-c", "import allcore; print(allcore.available_cpus())"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    assert lines[:-1] == [
        f"dask workers x threads: {cores} x 1 (processes=False)",
        "ALLCORE_NUM_THREADS: 1",
        "fib tasks: 32",
        "matches a serial run: True",
        "allcore pool workers inside a task: [1]",
        "pooled results match: True",
    ]
    assert lines[-1].startswith("speedup over one thread: ")
