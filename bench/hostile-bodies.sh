#!/bin/sh
# hostile-bodies.sh BUILD_DIR [COUNT]
# Issue #13, item 7: COUNT (default 8) bodies of 15 MiB, each a
# 7.5-million-element array, posted at once to mock-cas's ingestion API;
# prints mock-cas's resident memory before, its peak (VmHWM) and after.
# Target: peak under 200 MB, and back near the baseline afterwards.
set -eu
BUILD=${1:?usage: hostile-bodies.sh BUILD_DIR [COUNT]}
COUNT=${2:-8}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'stop_doubles; rm -rf "$TMP"' EXIT INT TERM
. "$HERE/lib.sh"
start_double mock-cas "$BUILD/bin/mock-cas"
mem() { awk -v k="$1" '$1 == k":" {printf "%.1f MB", $2 / 1024}' "/proc/$PID/status"; }
TOKEN=$(curl -s -XPOST "$URL/_mock/instances" -d '{"name":"bench"}' | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')
ID=$(curl -s "$URL/_mock/instances" | sed 's/.*"instanceId":\([0-9]*\).*/\1/')
# {"activities":[0,0,...]}: 15 MiB, 7.5 million elements
awk 'BEGIN { printf "{\"activities\":[0"; for (i = 1; i < 7500000; i++) printf ",0"; printf "]}" }' >"$TMP/body.json"
echo "hostile bodies: $COUNT x $(wc -c <"$TMP/body.json") bytes; $(nproc) CPUs, $(uname -sr)"
echo "mock-cas resident at start: $(mem VmRSS)"
start=$(date +%s.%N)
i=0
CURLS=""
while [ $i -lt "$COUNT" ]; do
    curl -s -o "$TMP/answer.$i" -w '%{http_code}\n' -XPOST "$URL/api/v1/app_connectors/$ID/activities/" \
        -H "Authorization: Token $TOKEN" -H 'Content-Type: application/json' \
        --data-binary @"$TMP/body.json" >"$TMP/status.$i" &
    CURLS="$CURLS $!"
    i=$((i + 1))
done
for c in $CURLS; do wait "$c"; done
end=$(date +%s.%N)
echo "answers: $(cat "$TMP"/status.* | sort | uniq -c | tr -s ' ' | tr '\n' ' ')in $(echo "$end - $start" | bc) s"
echo "first answer: $(head -c 200 "$TMP/answer.0")"
echo "mock-cas resident peak: $(mem VmHWM), after: $(mem VmRSS)"
