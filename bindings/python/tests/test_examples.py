"""Every locks-and-events example runs as its own process and prints exactly
what it should, quickly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SOURCE = Path(__file__).resolve().parents[1] / "src"

EXPECTED = {
    "ticket_selling.py": """\
tickets left: 0
tickets sold: 1000 of 1000
sold out
""",
    "bank_transfers.py": """\
total before: 10000
transfers: 8000
total after: 10000
no negative balance: True
""",
    "dining_philosophers.py": "".join(f"philosopher {seat} ate 50 times\n" for seat in range(5))
    + "all 5 philosophers finished\n",
    "red_light.py": """\
light is red
cars waiting at the red light: 6
cars through before green: 0
light is green
cars through on green: 6
cars that ran the red light: 0
light is red again
""",
    "barrier_start_line.py": """\
arrival indices: [0, 1, 2, 3, 4]
starting gun fired: 1 time
everyone was ready before the gun, and ran after it: True
""",
    "semaphore_workers.py": """\
jobs done: 12
limit: 3
most running at once: 3
""",
    "latch_runners.py": """\
all 5 runners ready
runners finished before the start: 0
go!
all 5 runners finished
runners that started early: 0
""",
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_output(name):
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(SOURCE), environment.get("PYTHONPATH")])
    )
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=30,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == EXPECTED[name]
