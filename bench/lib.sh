# lib.sh - sourced by the benchmark scripts: start_double NAME BIN ARGS...
# starts a double on 127.0.0.1:0, waits (bounded) for its "listening on"
# line and sets URL and PID; stop_doubles stops every double it started.
PIDS=""
start_double() {
    name=$1; shift
    out="$TMP/$name.out"
    "$@" --listen 127.0.0.1:0 >"$out" 2>"$TMP/$name.err" &
    PID=$!
    PIDS="$PIDS $PID"
    i=0
    while ! grep -q '^listening on ' "$out" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 1200 ] || ! kill -0 "$PID" 2>/dev/null; then
            echo "$name did not start" >&2; cat "$TMP/$name.err" >&2; exit 1
        fi
        sleep 0.05
    done
    URL=$(sed -n 's/^listening on //p' "$out")
}
stop_doubles() {
    for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    PIDS=""
}
