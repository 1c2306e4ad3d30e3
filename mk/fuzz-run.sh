#!/bin/sh
# fuzz-run.sh FUZZ_BUILD SECONDS NAME...
# Runs each harness build/fuzz/fuzz_NAME for SECONDS on a working copy of
# its seed corpus (fuzz/corpus/NAME, read only), one at a time; prints each
# run's executions and stops at the first finding (crash, leak, failed
# check), leaving the reproducer in FUZZ_BUILD/findings/.
set -u
B=$1; S=$2; shift 2
mkdir -p "$B/findings"
pass=0; fail=0
for n in "$@"; do
    work="$B/corpus/$n"
    mkdir -p "$work"
    "$B/fuzz_$n" -max_total_time="$S" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$B/findings/$n-" -print_final_stats=1 "$work" "fuzz/corpus/$n" \
        >"$B/fuzz_$n.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/fuzz_$n.log")
    if [ $rc -eq 0 ]; then
        pass=$((pass + 1)); echo "fuzz_$n: ${execs:-?} executions in ${S} s, no finding"
    else
        fail=$((fail + 1)); echo "fuzz_$n: FINDING (exit $rc), see $B/fuzz_$n.log"
        tail -30 "$B/fuzz_$n.log"
    fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
