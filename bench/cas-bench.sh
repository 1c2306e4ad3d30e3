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
trap 'stop_doubles; rm -rf "$TMP"' EXIT INT TERM
. "$HERE/lib.sh"
start_double mock-cas "$BIN" --query-rate-limit off
echo "mock-cas bench: $N activities, $THREADS connections; $(nproc) CPUs, $(uname -sr)"
"$LOAD" "$URL" "$N" "$THREADS" 50 "$PID"
