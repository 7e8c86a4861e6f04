#!/usr/bin/env bash
# Runs one example program and compares its stdout with expected/<name>.txt.
#
# Usage: check.sh PROGRAM EXPECTED_FILE
#
# Lines must match exactly, except that `{N}` in an expected line stands for
# any non-negative integer (a CPU count, say). stderr (timings, messages) is
# shown but not compared. Exits non-zero on the first difference or when the
# program fails.
set -u

program=$1
expected=$2
name=$(basename "$program")

actual=$("$program" 2>"$program.stderr")
status=$?
if [ "$status" -ne 0 ]; then
    echo "FAIL $name: exit status $status" >&2
    cat "$program.stderr" >&2
    exit 1
fi

# An expected line becomes an anchored regular expression: everything is
# literal except {N}.
to_regex() {
    local escaped
    escaped=$(printf '%s' "$1" | sed -e 's/[][\.*^$()+?|{}\\]/\\&/g' -e 's/\\{N\\}/[0-9]+/g')
    printf '^%s$' "$escaped"
}

mapfile -t want <"$expected"
mapfile -t got <<<"$actual"
if [ "${#want[@]}" -ne "${#got[@]}" ]; then
    echo "FAIL $name: ${#got[@]} lines, expected ${#want[@]}" >&2
    diff <(printf '%s\n' "${want[@]}") <(printf '%s\n' "${got[@]}") >&2
    exit 1
fi
for i in "${!want[@]}"; do
    if ! [[ ${got[$i]} =~ $(to_regex "${want[$i]}") ]]; then
        echo "FAIL $name, line $((i + 1)):" >&2
        echo "  expected: ${want[$i]}" >&2
        echo "  actual:   ${got[$i]}" >&2
        exit 1
    fi
done
echo "ok   $name (${#want[@]} lines)"
