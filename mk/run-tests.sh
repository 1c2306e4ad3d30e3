#!/bin/sh
# Runs each cmocka test binary given as an argument, keeps going after a
# failure, and ends with one "N passed, N failed" line.  Each program's
# results also go to $UNIT_REPORT_DIR/<program>.xml as JUnit XML (cmocka's
# CMOCKA_MESSAGE_OUTPUT=xml) for CI; a failing program's printed lines and
# XML are shown.
#
# TEST_JOBS=N (default 1) runs the programs in N lanes at once.  The
# self-test, by far the longest, is then run as N shards (SELFTEST_SHARD=i/N),
# one at the head of each lane, that share its cases through a queue file
# (SELFTEST_QUEUE): each takes the next case no other has taken.  The other
# programs are dealt to the lanes in turn.  Each program's output is kept in a log and
# shown only when it fails, so lanes do not interleave their lines.
set -u
dir=${UNIT_REPORT_DIR:-build/reports/unit}
jobs=${TEST_JOBS:-1}
case $jobs in ''|*[!0-9]*) echo "run-tests: TEST_JOBS must be a number" >&2; exit 2 ;; esac
[ "$jobs" -ge 1 ] || jobs=1
[ "$jobs" -le 16 ] || jobs=16
mkdir -p "$dir"
rm -f "$dir"/*.xml "$dir"/*.log "$dir"/lane-*.result "$dir/selftest.queue"

# run_one PROGRAM NAME [SHARD]: one program (or one shard of the self-test).
run_one() {
    t=$1; name=$2; xml="$dir/$name.xml"; log="$dir/$name.log"
    if [ -n "${3:-}" ]; then
        SELFTEST_SHARD=$3 SELFTEST_QUEUE="$dir/selftest.queue" \
            CMOCKA_MESSAGE_OUTPUT=xml CMOCKA_XML_FILE="$xml" "$t" >"$log" 2>&1
    else
        CMOCKA_MESSAGE_OUTPUT=xml CMOCKA_XML_FILE="$xml" "$t" >"$log" 2>&1
    fi
    rc=$?
    # cmocka appends a whole <testsuites> document per group run: one root.
    if [ -f "$xml" ] && [ "$(grep -c '^<testsuites>$' "$xml")" -gt 1 ]; then
        awk 'NR == 1 { print; print "<testsuites>"; next }
             /^<testsuites>$/ || /^<\/testsuites>$/ { next }
             { print } END { print "</testsuites>" }' "$xml" >"$xml.tmp" && mv "$xml.tmp" "$xml"
    fi
    if [ "$rc" -eq 0 ]; then
        echo "ok    $name"
        rm -f "$log"
    else
        echo "FAIL  $name (exit $rc)"
        cat "$log"
        [ -f "$xml" ] && cat "$xml"
    fi
    return "$rc"
}

# build/tests/connector/test_config -> connector-test_config
name_of() { printf '%s' "$1" | sed 's|.*/tests/||; s|/|-|g'; }

# Deal the programs to the lanes: the self-test's shards first, one a lane.
i=0
for t in "$@"; do
    case $t in
        */test_selftest)
            if [ "$jobs" -gt 1 ]; then
                s=1
                while [ "$s" -le "$jobs" ]; do
                    printf '%s\t%s\t%s\n' "$t" "$(name_of "$t")-shard$s" "$s/$jobs" \
                        >>"$dir/lane-$s.todo"
                    s=$((s + 1))
                done
                continue
            fi ;;
    esac
    printf '%s\t%s\t\n' "$t" "$(name_of "$t")" >>"$dir/lane-$((i % jobs + 1)).todo.rest"
    i=$((i + 1))
done

lane() {
    n=$1
    cat "$dir/lane-$n.todo" "$dir/lane-$n.todo.rest" 2>/dev/null |
    while IFS="$(printf '\t')" read -r t name shard; do
        if run_one "$t" "$name" "$shard"; then
            echo "pass $t" >>"$dir/lane-$n.result"
        else
            echo "fail $t${shard:+ (shard $shard)}" >>"$dir/lane-$n.result"
        fi
    done
}

l=1
pids=
while [ "$l" -le "$jobs" ]; do
    lane "$l" &
    pids="$pids $!"
    l=$((l + 1))
done
for p in $pids; do wait "$p"; done
rm -f "$dir"/lane-*.todo "$dir"/lane-*.todo.rest "$dir/selftest.queue"

pass=$(cat "$dir"/lane-*.result 2>/dev/null | grep -c '^pass ')
fail=$(cat "$dir"/lane-*.result 2>/dev/null | grep -c '^fail ')
failed=$(cat "$dir"/lane-*.result 2>/dev/null | sed -n 's/^fail / /p' | tr -d '\n')
rm -f "$dir"/lane-*.result
ran=$((pass + fail))
if [ "$ran" -eq 0 ] && [ "$#" -gt 0 ]; then
    echo "run-tests: no program ran" >&2
    fail=1; failed=" (none ran)"
fi
# The files CI will read are valid JUnit (the kit's schema, as for the
# conformance reports).
if ls "$dir"/*.xml >/dev/null 2>&1 && command -v xmllint >/dev/null 2>&1 &&
   ! xmllint --noout --schema "$(dirname "$0")/../conformance/junit.xsd" "$dir"/*.xml 2>"$dir/xmllint.out"; then
    cat "$dir/xmllint.out"; fail=$((fail + 1)); failed="$failed (JUnit XML invalid)"
fi
rm -f "$dir/xmllint.out"
[ -n "$failed" ] && echo "failed test programs:$failed"
echo "tests: $pass passed, $fail failed (JUnit XML in $dir)"
[ "$fail" -eq 0 ]
