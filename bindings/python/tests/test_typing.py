"""User scripts in ``typing/`` pass ``mypy --strict`` against the package's annotations.

mypy finds ``allcore`` on PYTHONPATH as an installed, PEP 561 typed package
(it reads ``py.typed``), so it checks only the user's script, as it would after
``pip install``; ``--strict`` refuses calls to unannotated functions, so every
part of the public API a script uses must be annotated.
"""

import subprocess
import sys
from pathlib import Path

import _pythons
import pytest

SCRIPTS = sorted(Path(__file__).with_name("typing").glob("*.py"))


def mypy(tmp_path, *arguments):
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(str, arguments)],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no project configuration applies
        env=_pythons.environment(),
        timeout=600,
    )


def test_there_are_scripts():
    assert any(script.name == "uses_pool.py" for script in SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda script: script.name)
def test_script_passes_mypy_strict(tmp_path, script):
    run = mypy(tmp_path, script)
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_sees_the_packages_types(tmp_path):
    # Were allcore untyped (no py.typed, or Any everywhere), these would pass.
    script = tmp_path / "wrong.py"
    script.write_text(
        "import allcore\n"
        "pool = allcore.ThreadPool(2)\n"
        'text: str = pool.submit(len, "abc").result()\n'
        'allcore.ThreadPool(max_workers="2")\n'
        "pool.shutdown(cancel=True)\n"
    )
    run = mypy(tmp_path, script)
    assert run.returncode == 1
    assert 'wrong.py:3: error: Incompatible types in assignment (expression has type "int"' in (
        run.stdout
    )
    assert "wrong.py:4: error: Argument" in run.stdout
    assert 'wrong.py:5: error: Unexpected keyword argument "cancel"' in run.stdout
