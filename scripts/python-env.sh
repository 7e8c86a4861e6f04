#!/usr/bin/env bash
# The project's own Python environments: one virtual environment per
# interpreter, under .venv/<version>-<hash of the interpreter's path>, holding
# the tools the make targets use. Nothing is installed into the interpreter
# itself, so Debian's externally managed /usr/bin/python3 works as well as
# pyenv's.
#
#   scripts/python-env.sh PYTHON REQUIREMENTS...  create or update the
#                                                 environment, print its python
#   scripts/python-env.sh --path PYTHON           only print where it is
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

only_path=0
if [ "${1:-}" = "--path" ]; then
    only_path=1
    shift
fi
python=${1:?usage: python-env.sh [--path] PYTHON [REQUIREMENTS...]}
shift

identity=$("$python" -c 'import os, sys; print("%d.%d" % sys.version_info[:2], os.path.realpath(sys.executable))')
version=${identity%% *}
executable=${identity#* }
hash=$(printf '%s' "$executable" | cksum | cut -d' ' -f1)
env_dir="$top/.venv/$version-$hash"
env_python="$env_dir/bin/python"

if [ "$only_path" = 1 ]; then
    echo "$env_python"
    exit 0
fi

if [ ! -x "$env_python" ]; then
    "$python" -m venv "$env_dir" >&2
fi
if [ $# -gt 0 ]; then
    # One stamp per set of requirement files, holding their contents' checksum.
    stamp="$env_dir/.requirements-$(printf '%s ' "$@" | cksum | cut -d' ' -f1)"
    wanted=$(cat "$@" | cksum)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
        echo "installing the Python tools for $executable into $env_dir" >&2
        requirements=()
        for file in "$@"; do requirements+=(-r "$file"); done
        "$env_python" -m pip install --quiet --disable-pip-version-check "${requirements[@]}" >&2
        echo "$wanted" >"$stamp"
    fi
fi
echo "$env_python"
