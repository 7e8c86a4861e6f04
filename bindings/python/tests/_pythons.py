"""Finds the CPython interpreters 3.10-3.13 on this machine, for tests that run each."""

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

VERSIONS = ("3.10", "3.11", "3.12", "3.13")
SRC = Path(__file__).resolve().parents[1] / "src"


def _version_of(executable):
    try:
        out = subprocess.run(
            [executable, "-c", "import sys; print('{}.{}'.format(*sys.version_info))"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _candidates(version):
    if "{}.{}".format(*sys.version_info[:2]) == version:
        yield sys.executable
    found = shutil.which(f"python{version}")
    if found:
        yield found
    # pyenv installs every version side by side; its shims only run the active ones.
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True).stdout.strip()
        for prefix in sorted(Path(root, "versions").glob(f"{version}.*"), reverse=True):
            yield str(prefix / "bin" / f"python{version}")


@functools.cache
def find(version):
    """The path of a working CPython ``version`` ("3.12"), or None."""
    for candidate in _candidates(version):
        if os.access(candidate, os.X_OK) and _version_of(candidate) == version:
            return candidate
    return None


def environment():
    """os.environ with this source tree's package first on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return env
