#!/bin/sh
# cas-bench.sh BUILD_DIR [ACTIVITIES] [THREADS]
# Measures mock-cas: ingestion throughput (batches of 1,000) and the latency
# of filtered 100-row queries on the resulting store (default one million
# activities).  Builds the load generator bench/cas_load.c with cc.
set -eu
BUILD=${1:?usage: cas-bench.sh BUILD_DIR [ACTIVITIES] [THREADS]}
N=${2:-1000000}
THREADS=${3:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
BIN="$BUILD/bin/mock-cas"
[ -x "$BIN" ] || { echo "cas-bench: $BIN not built" >&2; exit 2; }
TMP=$(mktemp -d)
LOAD="$TMP/cas_load"
# shellcheck disable=SC2046
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$LOAD" "$HERE/cas_load.c" \
    $(pkg-config --cflags --libs libcurl) -lpthread
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
"$BIN" --listen 127.0.0.1:0 --query-rate-limit off >"$TMP/out" 2>"$TMP/err" &
PID=$!
i=0
while ! grep -q '^listening on ' "$TMP/out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 200 ] || ! kill -0 "$PID" 2>/dev/null; then
        echo "cas-bench: mock-cas did not start" >&2; cat "$TMP/err" >&2; exit 1
    fi
    sleep 0.05
done
URL=$(sed -n 's/^listening on //p' "$TMP/out")
echo "mock-cas bench: $N activities, $THREADS connections; $(nproc) CPUs, $(uname -sr)"
"$LOAD" "$URL" "$N" "$THREADS" 50 "$PID"
