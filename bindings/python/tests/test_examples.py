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
    "producer_consumer.py": """\
jobs produced: 120
jobs consumed: 120
consumers stopped by shutdown: 4 of 4
sum of fib results: 7549245
matches a serial run: True
""",
    "priority_jobs.py": """\
priority 1: fix the outage
priority 1: call the customer
priority 2: review the patch
priority 2: answer the email
priority 3: write the report
priority 4: plan the sprint
priority 5: water the plants
served 7 jobs, lowest priority number first
""",
    "pubsub.py": """\
subscribers: 3
publish 'item 1' -> 3 subscribers
publish 'item 2' -> 3 subscribers
publish 'item 3' -> 3 subscribers
bob unsubscribed; subscribers: 2
publish 'item 4' -> 2 subscribers
publish 'item 5' -> 2 subscribers
alice received 5: item 1, item 2, item 3, item 4, item 5
bob received 3: item 1, item 2, item 3
carol received 5: item 1, item 2, item 3, item 4, item 5
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
