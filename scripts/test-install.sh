#!/usr/bin/env bash
# The README's C quick start, as a user runs it: `make install` into a scratch
# prefix (through DESTDIR, as a package build does, and directly), then the
# README's program built with its own pkg-config lines, shared and static, run
# and its output checked; the Go quick start as a module outside the checkout.
# Also checks the SONAME and the installed links.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The README's C program and its shell lines after `make install`.
python3 - "$top/README.md" "$work" <<'PY'
import re, sys, pathlib
readme, work = pathlib.Path(sys.argv[1]).read_text(), pathlib.Path(sys.argv[2])
program = next(b for b in re.findall(r"```c\n(.*?)```", readme, re.S) if "int main" in b)
shell = next(b for b in re.findall(r"```sh\n(.*?)```", readme, re.S) if "pkg-config" in b)
(work / "sum.c").write_text(program)
lines = [l for l in shell.splitlines() if l.strip() and not l.startswith(("#", "make install"))]
(work / "build.sh").write_text("set -euo pipefail\n" + "\n".join(lines) + "\n")
# The Go quick start: its go.mod (the replace pointing at this checkout) and main.go.
hello = work / "hello"
hello.mkdir()
go_mod = next(b for b in re.findall(r"```text\n(.*?)```", readme, re.S) if b.startswith("module "))
checkout = pathlib.Path(sys.argv[1]).parent
(hello / "go.mod").write_text(go_mod.replace("/path/to/allcore", str(checkout)))
(hello / "main.go").write_text(next(b for b in re.findall(r"```go\n(.*?)```", readme, re.S) if "func main" in b))
PY

# A staged install must hold the same tree with the final paths in allcore.pc.
make -s -C "$top" install PREFIX=/opt/allcore DESTDIR="$work/stage" >/dev/null
grep -qx 'libdir=/opt/allcore/lib' "$work/stage/opt/allcore/lib/pkgconfig/allcore.pc"

prefix="$work/home/.local"
make -s -C "$top" install PREFIX="$prefix" >/dev/null
lib="$prefix/lib"
soname=$(readelf -d "$lib"/liballcore.so | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ -L "$lib/$soname" ] && [ -L "$lib/liballcore.so" ] && [ -f "$lib/liballcore.a" ] || {
    echo "install: expected $soname and liballcore.so links and liballcore.a in $lib" >&2
    ls -l "$lib" >&2
    exit 1
}

cd "$work"
output=$(HOME="$work/home" bash build.sh)
expected=$'5000000050000000\n5000000050000000'
if [ "$output" != "$expected" ]; then
    printf 'README C quick start printed:\n%s\nexpected:\n%s\n' "$output" "$expected" >&2
    exit 1
fi
if readelf -d sum-static | grep -q 'liballcore'; then
    echo "sum-static still needs liballcore at run time" >&2
    exit 1
fi
echo "install + README C quick start (shared $soname and static): ok"

# The Go quick start, in a module outside the checkout, against the install.
cd "$work/hello"
output=$(PKG_CONFIG_PATH="$lib/pkgconfig" go run .)
expected=$'[55 6765 832040]\nhello\ntrue'
if [ "$output" != "$expected" ]; then
    printf 'README Go quick start printed:\n%s\nexpected:\n%s\n' "$output" "$expected" >&2
    exit 1
fi
echo "README Go quick start, outside the checkout, static link: ok"
