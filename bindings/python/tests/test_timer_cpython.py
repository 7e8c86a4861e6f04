"""CPython's ``test.test_threading.TimerTests`` pass against allcore.Timer.

They run in a fresh interpreter (``cpython_timer_tests.py``) for the running
Python and for every other CPython 3.10-3.13 installed beside it by pyenv.
"""

import glob
import os
import subprocess
import sys
from pathlib import Path

import pytest

import allcore

RUNNER = Path(__file__).with_name("cpython_timer_tests.py")


def interpreters():
    found = {os.path.realpath(sys.executable): sys.executable}
    pyenv = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for minor in range(10, 14):
        for path in sorted(glob.glob(f"{pyenv}/versions/3.{minor}.*/bin/python3")):
            found.setdefault(os.path.realpath(path), path)
    return sorted(found.values())


@pytest.mark.parametrize("python", interpreters())
def test_cpython_timer_tests_pass_against_allcore(python):
    # Only the allcore package: each interpreter brings its own standard library.
    package_root = str(Path(allcore.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": package_root}
    done = subprocess.run(
        [python, str(RUNNER)], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "allcore timers" in done.stdout
