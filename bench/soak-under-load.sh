#!/usr/bin/env bash
# The suite's verdicts on a machine kept busy: every core loaded twice over
# by stress-ng, the suite judges the reference connector SOAK_RUNS times
# (default 20) in the normal and in the address/undefined-sanitizer build,
# the self-test runs SOAK_SELFTEST times (default 3), and a connector that
# takes SLOW_START_SECONDS (default 2) to start goes through the whole
# suite.  Any verdict other than "pass" on the reference connector is a
# false failure.  Prints a Markdown table (also in build/soak/results.md).
#
#   bench/soak-under-load.sh            # about 40 minutes on 2 cores
#   SOAK_RUNS=2 SOAK_SELFTEST=0 bench/soak-under-load.sh
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS=${SOAK_RUNS:-20}
SELF=${SOAK_SELFTEST:-3}
OUT=build/soak
# Its own build, so that rebuilding the work tree meanwhile changes nothing.
B=${SOAK_BUILD:-build/soak/bin-normal}
BS=${SOAK_BUILD_SANITIZE:-build/soak/bin-sanitize}
mkdir -p "$OUT"
if ! command -v stress-ng >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq stress-ng >/dev/null
    else
        echo "needs stress-ng (sudo apt-get install -y stress-ng)" >&2
        exit 1
    fi
fi
make -j"$(nproc)" BUILD="$B" all "$B/tests/conformance/test_selftest" \
    "$B/tests/connector-defective" >/dev/null || exit 1
make -j"$(nproc)" SANITIZE=address,undefined BUILD="$BS" all >/dev/null || exit 1

HOG=""
stop_hog() { [ -n "$HOG" ] && kill "$HOG" 2>/dev/null; wait "$HOG" 2>/dev/null; HOG=""; }
trap stop_hog EXIT
stress-ng --cpu $((2 * $(nproc))) --timeout 0 --quiet &
HOG=$!
echo "hog: stress-ng --cpu $((2 * $(nproc))) (pid $HOG); load follows" >&2

rows=()
# suite NAME BUILD RUNS [connector]: runs the suite, counts verdicts.
suite() {
    local name=$1 build=$2 runs=$3 conn=${4:-$PWD/$2/bin/connector}
    local pass=0 bad=0 times=() ids="" i
    for i in $(seq 1 "$runs"); do
        local dir=$OUT/$name-$i start end rc
        rm -rf "$dir"
        start=$(date +%s.%N)
        env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 KIT_FIXTURES="$PWD/fixtures" \
            "$build/bin/conformance" --connector "$conn" --report-dir "$dir" --quiet \
            >"$dir.log" 2>&1
        rc=$?
        end=$(date +%s.%N)
        times+=("$(echo "$end - $start" | bc)")
        if [ $rc -eq 0 ] && ! grep -Eq '^(FAIL|warning|not judged) |^[0-9]+ requirements? not judged:' "$dir.log"; then
            pass=$((pass + 1))
        else
            bad=$((bad + 1))
            ids="$ids $(grep -Eo '^(FAIL|warning|not judged) +[A-Z]+-[0-9]+' "$dir.log" | awk '{print $NF}' | tr '\n' ' ')"
        fi
        echo "$name run $i: exit $rc, $(tail -n 2 "$dir.log" | head -n 1)" >&2
    done
    local sorted med max
    sorted=$(printf '%s\n' "${times[@]}" | sort -n)
    med=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    max=$(echo "$sorted" | tail -n 1)
    rows+=("| $name | $runs | $pass | $bad | ${ids:-none} | $(printf '%.1f' "$med") s | $(printf '%.1f' "$max") s |")
}

suite normal "$B" "$RUNS"
suite sanitizer "$BS" "$RUNS"
SLOW_START_CONNECTOR=$PWD/$B/bin/connector suite slow-start "$B" 1 "$PWD/bench/slow-start-connector"

self_pass=0 self_bad=0
for i in $(seq 1 "$SELF"); do
    if env KIT_BIN_DIR="$PWD/$B/bin" KIT_FIXTURES="$PWD/fixtures" \
        KIT_TEST_BIN_DIR="$PWD/$B/tests" "$B/tests/conformance/test_selftest" \
        >"$OUT/selftest-$i.log" 2>&1; then
        self_pass=$((self_pass + 1))
    else
        self_bad=$((self_bad + 1))
    fi
    echo "self-test $i: $(grep -c '\[       OK \]' "$OUT/selftest-$i.log") cases ok" >&2
done
stop_hog

{
    echo "Soak under load: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, stress-ng --cpu $((2 * $(nproc)))"
    echo
    echo "| row | runs | all pass | false failures | ids reported | median | slowest |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
    echo "| self-test | $SELF | $self_pass | $self_bad | see build/soak/selftest-*.log | | |"
} | tee "$OUT/results.md"
