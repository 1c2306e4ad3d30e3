#!/bin/sh
# slowloris.sh BUILD_DIR [SECONDS]
# Issue #13, item 3: with 2,000 slowloris or idle connections open, every
# probe from another client is answered within 1 s.  For each double:
# 2,000 slowloris connections from 40 addresses (127.0.0.2-41, 50 each,
# under the per-address cap) for SECONDS (default 40: past the 30 s request
# deadline, so the double closes them and the attacker reopens them);
# 2,000 from one address (the cap refuses all but 64); 2,000 idle
# keep-alive connections from 40 addresses.  The probes come from
# 127.0.0.1.  Exits 1 when any probe failed the target.
set -eu
BUILD=${1:?usage: slowloris.sh BUILD_DIR [SECONDS]}
SECS=${2:-40}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'stop_doubles; rm -rf "$TMP"' EXIT INT TERM
. "$HERE/lib.sh"
cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$TMP/slowloris" "$HERE/slowloris.c"
echo "slowloris bench: $(nproc) CPUs, $(uname -sr), open files $(ulimit -n)"
rc=0
for dbl in mock-smartsheet mock-cas; do
    start_double "$dbl" "$BUILD/bin/$dbl"
    echo "== $dbl"
    "$TMP/slowloris" "$URL" 2000 40 slowloris "$SECS" | tail -2 || rc=1
    "$TMP/slowloris" "$URL" 2000 1 slowloris 10 | tail -2 || rc=1
    "$TMP/slowloris" "$URL" 2000 40 idle 10 | tail -2 || rc=1
    echo "resident memory of $dbl: $(awk '/VmHWM/{print $2" "$3" peak"} /VmRSS/{print $2" "$3" now"}' /proc/$PID/status | tr '\n' ' ')"
    stop_doubles
done
exit $rc
