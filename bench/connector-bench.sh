#!/usr/bin/env bash
# connector-bench.sh BUILD_DIR [EVENTS]
# The reference connector's backfill of a generated organisation (default
# one million events, 500 users, 7 days) with the rate limit raised out of
# the way: Smartsheet requests used against the minimum possible, events
# per second end to end, and the connector's peak resident memory.
set -euo pipefail
BUILD=${1:?usage: connector-bench.sh BUILD_DIR [EVENTS]}
N=${2:-${CONNECTOR_BENCH_EVENTS:-1000000}}
BIN=$BUILD/bin
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
for p in connector mock-smartsheet mock-cas fixture-gen; do
    [ -x "$BIN/$p" ] || { echo "connector-bench: $BIN/$p not built" >&2; exit 2; }
done
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
    else
        echo "connector-bench needs /usr/bin/time (apt-get install time)" >&2; exit 1
    fi
fi
TMP=$(mktemp -d)
[ -n "${CONNECTOR_BENCH_KEEP:-}" ] && echo "bench files kept in $TMP" >&2
. "$HERE/lib.sh"
cleanup() {
    stop_doubles
    [ -n "${CONNECTOR_BENCH_KEEP:-}" ] || rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# start NAME ARGS...: a double of $BIN (bench/lib.sh), its URL in $URL.
start() { local name=$1; shift; start_double "$name" "$BIN/$name" "$@"; }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

mkdir -p "$TMP/fx/scenarios"
"$BIN/fixture-gen" --out "$TMP/fx/scenarios/bench" --seed 1 --events "$N" --users 500 \
    --days 7 --rate-limit none --page-size 10000 >/dev/null
start mock-smartsheet --fixtures "$TMP/fx" --scenario bench --rate-limit 1000000/60 \
    --time-scale 60
SS=$URL
# The sync never runs a filtered query: mock-cas need not maintain the
# indexes of one (CONNECTOR_BENCH_CAS_INDEXES=eager measures with them).
CAS_INDEXES=${CONNECTOR_BENCH_CAS_INDEXES:-lazy}
start mock-cas --mapping "$ROOT/fixtures/mapping/smartsheet-cas.json" --time-scale 60 \
    --activity-indexes "$CAS_INDEXES"
CAS=$URL

APP=$(curl -sf -H 'Content-Type: application/json' "$SS/_mock/apps" -d "{\"name\":\"bench\",
  \"description\":\"bench\",\"appUrl\":\"https://b.example\",\"contactUrl\":\"https://b.example\",
  \"redirectUrl\":\"$CAS/api/oauth/saga\",\"publish\":true}")
INST=$(curl -sf -H 'Content-Type: application/json' "$CAS/_mock/instances" -d '{"name":"bench"}')
umask 077
cat >"$TMP/config.json" <<JSON
{"smartsheet_api_url":"$SS/2.0","smartsheet_authorize_url":"$SS/b/authorize",
 "client_id":"$(echo "$APP" | json '["clientId"]')","client_secret":"$(echo "$APP" | json '["secret"]')",
 "redirect_url":"$CAS/api/oauth/saga","cas_url":"$CAS",
 "cas_instance_id":$(echo "$INST" | json '["instanceId"]'),"cas_token":"$(echo "$INST" | json '["token"]')",
 "state_dir":"$TMP/state","time_scale":60,"rate_limit_per_minute":1000000}
JSON
C="$BIN/connector"
URL=$("$C" authorize-url --config "$TMP/config.json" 2>/dev/null)
LOC=$(curl -s -o /dev/null -w '%{redirect_url}' "$URL")
"$C" authorize --config "$TMP/config.json" --callback-url "$LOC" 2>/dev/null

BEFORE=$(curl -sf "$SS/_mock/stats" | json '["requests"]')
START_NS=$(date +%s%N)
${CONNECTOR_BENCH_WRAP:-/usr/bin/time -v} "$C" sync --config "$TMP/config.json" 2>"$TMP/sync.err"
[ -n "${CONNECTOR_BENCH_LOG:-}" ] && cp "$TMP/sync.err" "$CONNECTOR_BENCH_LOG"
END_NS=$(date +%s%N)
AFTER=$(curl -sf "$SS/_mock/stats" | json '["requests"]')
USED=$((AFTER - BEFORE))
STORED=$(curl -sf "$CAS/_mock/stats" | json '["accepted"]')
DUPS=$(curl -sf "$CAS/_mock/stats" | json '["duplicates"]')
VIOL=$(curl -sf "$CAS/_mock/stats" | json '["violations"]')
USERS=$(curl -sf "$CAS/_mock/stats" | json '["entities"]')
RSS=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/sync.err")
USER_S=$(sed -n 's/.*User time (seconds): //p' "$TMP/sync.err")
SYS_S=$(sed -n 's/.*System time (seconds): //p' "$TMP/sync.err")
MS=$(( (END_NS - START_NS) / 1000000 ))
USER_PAGES=$(( (USERS + 99) / 100 )); [ "$USER_PAGES" -lt 1 ] && USER_PAGES=1
EVENT_PAGES=$(( (STORED + 9999) / 10000 )); [ "$EVENT_PAGES" -lt 1 ] && EVENT_PAGES=1
MIN=$((USER_PAGES + EVENT_PAGES))
RATE=$(python3 -c "print(int($STORED * 1000 / max($MS, 1)))")

echo "### connector backfill ($N generated events, 500 users, 7 days; mock-cas --activity-indexes $CAS_INDEXES; $(nproc) CPUs)"
echo
echo "| measure | value |"
echo "|---|---|"
echo "| events delivered (accepted by mock-cas) | $STORED (duplicates $DUPS, violations $VIOL) |"
echo "| Smartsheet requests used / minimum | $USED / $MIN (users pages $USER_PAGES + event pages $EVENT_PAGES) |"
echo "| wall time of \`connector sync\` | $MS ms |"
echo "| events per second end to end | $RATE |"
echo "| connector CPU (user + system) | ${USER_S} s + ${SYS_S} s |"
echo "| connector peak RSS | $RSS kB |"
