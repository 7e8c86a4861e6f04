#!/usr/bin/env bash
# Prints one interpreter per CPython version the package supports (3.10 to
# 3.13): python3.X on PATH first, then pyenv's builds. A version the machine
# does not have is named on stderr, so a test run says what it did not cover.
set -euo pipefail
for minor in 10 11 12 13; do
    found=""
    if command -v "python3.$minor" >/dev/null 2>&1; then
        found=$(command -v "python3.$minor")
        # pyenv's shims answer for versions that are not installed: ask.
        "$found" -c pass >/dev/null 2>&1 || found=""
    fi
    if [ -z "$found" ]; then
        for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$minor".*/bin/python3."$minor"; do
            [ -x "$candidate" ] && found=$candidate
        done
    fi
    if [ -n "$found" ]; then
        echo "$found"
    else
        echo "note: no CPython 3.$minor on this machine: the Python suite does not run on it" >&2
    fi
done
