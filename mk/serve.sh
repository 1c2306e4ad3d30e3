#!/bin/sh
# make serve: both doubles on fixed ports with the default scenario, the
# consent page switched on (a person signs in and clicks Allow) and the
# reference connector behind the CAS portal's buttons.  Ctrl-C stops
# everything this script started.
#   usage: sh mk/serve.sh BIN_DIR
#   env:   SERVE_HOST (127.0.0.1), SERVE_SS_PORT (8701), SERVE_CAS_PORT (8702),
#          SERVE_SCENARIO (default), SERVE_TIME_SCALE (1)
set -u
BIN=${1:?usage: serve.sh BIN_DIR}
HOST=${SERVE_HOST:-127.0.0.1}
SS_PORT=${SERVE_SS_PORT:-8701}
CAS_PORT=${SERVE_CAS_PORT:-8702}
SCENARIO=${SERVE_SCENARIO:-default}
SCALE=${SERVE_TIME_SCALE:-1}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/kit-serve.XXXXXX") || exit 1
SS_PID= CAS_PID=

stop() {
    trap - INT TERM EXIT
    [ -n "$CAS_PID" ] && kill "$CAS_PID" 2>/dev/null
    [ -n "$SS_PID" ] && kill "$SS_PID" 2>/dev/null
    [ -n "$CAS_PID" ] && wait "$CAS_PID" 2>/dev/null
    [ -n "$SS_PID" ] && wait "$SS_PID" 2>/dev/null
    rm -rf "$RUN"
    echo "stopped."
}
trap stop EXIT
trap 'exit 0' INT TERM

# wait_url FILE: the URL of the "listening on URL" line once it is there.
wait_url() {
    i=0
    while [ $i -lt 100 ]; do
        url=$(sed -n 's/^listening on //p' "$1")
        [ -n "$url" ] && { echo "$url"; return 0; }
        i=$((i + 1))
        sleep 0.1
    done
    return 1
}

"$BIN/mock-smartsheet" --listen "$HOST:$SS_PORT" --scenario "$SCENARIO" \
    --time-scale "$SCALE" >"$RUN/ss.out" 2>"$RUN/ss.log" &
SS_PID=$!
SS_URL=$(wait_url "$RUN/ss.out") || { cat "$RUN/ss.log" >&2; exit 1; }
curl -sf -X POST "$SS_URL/_mock/consent" -d '{"mode":"page"}' >/dev/null ||
    { echo "could not switch the consent page on" >&2; exit 1; }

"$BIN/mock-cas" --listen "$HOST:$CAS_PORT" --time-scale "$SCALE" \
    --connector-cmd "$BIN/connector" --smartsheet-url "$SS_URL" \
    >"$RUN/cas.out" 2>"$RUN/cas.log" &
CAS_PID=$!
CAS_URL=$(wait_url "$RUN/cas.out") || { cat "$RUN/cas.log" >&2; exit 1; }

cat <<MSG

  Smartsheet Developer Tools:  $SS_URL/developer
  Cloud App Security portal:   $CAS_URL/connectors

  Walk-through: docs/portal.md.  Logs: $RUN/ss.log, $RUN/cas.log
  Press Ctrl-C to stop.

MSG
wait "$CAS_PID"
