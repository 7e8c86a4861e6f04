#!/usr/bin/env bash
# valgrind memcheck over the C examples and the ABI tests: any memory error
# or definite leak fails. Builds what it runs (the examples with make, the
# ABI tests with cargo), runs each test binary with one test thread, and
# skips the tests whose name says they fork.
set -euo pipefail
cd "$(dirname "$0")/.."
memcheck=(valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite -q)
failed=0

make -s -C c_examples >/dev/null
for program in c_examples/build/*; do
    name=$(basename "$program")
    # The shared-memory consumer needs a producer; check-shm runs it.
    [ -x "$program" ] && [ "$name" != shm_consumer ] || continue
    if ! LD_LIBRARY_PATH=target/release "${memcheck[@]}" "$program" >/dev/null 2>"target/valgrind-$name.log"; then
        echo "valgrind: c_examples/$name failed, see target/valgrind-$name.log" >&2
        failed=1
    fi
done

tests=$(cargo test -q -p allcore-abi-tests --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") and message["profile"]["test"]:
        print(message["executable"])')
for binary in $tests; do
    name=$(basename "$binary")
    case "$name" in fork-*) continue ;; esac
    if ! "${memcheck[@]}" "$binary" --test-threads=1 -q --skip fork >/dev/null 2>"target/valgrind-$name.log"; then
        echo "valgrind: ABI test $name failed, see target/valgrind-$name.log" >&2
        failed=1
    fi
done

[ "$failed" -eq 0 ] && echo "valgrind: the C examples and the ABI tests are clean"
exit "$failed"
