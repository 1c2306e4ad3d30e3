#!/bin/sh
# Runs each cmocka test binary given as an argument, keeps going after a
# failure, and ends with one "N passed, N failed" line.
set -u
pass=0; fail=0; failed=""
for t in "$@"; do
    if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $t"; fi
done
[ -n "$failed" ] && echo "failed test programs:$failed"
echo "tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
