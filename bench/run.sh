#!/usr/bin/env bash
# make bench: mock-smartsheet against nginx and a minimal libmicrohttpd
# program serving the same bytes, then the mock-cas and connector benches.
# Usage: bench/run.sh BUILD_DIR.  Prints a Markdown table; also writes it to
# BUILD_DIR/bench/results.md.  Servers are pinned to CPU 0, wrk to CPU 1.
set -euo pipefail
BUILD=${1:-build}
BIN=$BUILD/bin
mkdir -p "$BUILD/bench"
OUT=$(cd "$BUILD/bench" && pwd)
DURATION=${BENCH_DURATION:-4}
CONNS=${BENCH_CONNECTIONS:-32}

need=""
command -v wrk >/dev/null || need="$need wrk"
command -v nginx >/dev/null || need="$need nginx"
if [ -n "$need" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
    else
        echo "bench needs:$need  (sudo apt-get install -y$need)" >&2
        exit 1
    fi
fi

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() {
    local p
    for p in $(shuf -i 20000-60000 -n 100); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    return 1
}

cpu_ticks() {   # utime+stime of the given pids, in clock ticks
    local t=0 p
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] || continue
        t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "$t"
}

HZ=$(getconf CLK_TCK)
ROUNDS=${BENCH_ROUNDS:-5}
declare -A RPS LAT CPU ERRS RATIO_RPS RATIO_CPU

# run_wrk KEY URL PIDS... : one wrk run pinned to CPU 1; appends requests/s,
# average latency (µs) and server CPU µs per request to the lists under KEY
run_wrk() {
    local key=$1 url=$2; shift 2
    local before after out reqs
    before=$(cpu_ticks "$@")
    out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" -H "Authorization: Bearer ${TOKEN:-x}" "$url")
    after=$(cpu_ticks "$@")
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    RPS[$key]+="$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}') "
    LAT[$key]+="$(echo "$out" | awk '/Latency/ {v = $2 + 0; u = $2; sub(/^[0-9.]+/, "", u)
        printf "%.0f", u == "s" ? v * 1e6 : u == "ms" ? v * 1e3 : v; exit}') "
    CPU[$key]+="$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$reqs" 'BEGIN {printf "%.2f", t * 1e6 / hz / n}') "
    ERRS[$key]+="$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')"
}

# median of whitespace-separated numbers
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : a[NR/2]}'; }

# --- every server is started first, then measured in interleaved rounds, so
# that a drift of the machine's speed (20-30 % minute to minute on this VM)
# hits them alike; each figure is the median of the rounds ------------------
exec {ssout}< <(exec taskset -c 0 "$BIN/mock-smartsheet" --listen 127.0.0.1:0 \
                 --rate-limit 100000000/60 2>"$OUT/mock-smartsheet.log" & echo "pid $!"; wait)
read -r _ SSPID <&$ssout
PIDS+=("$SSPID")
read -r line <&$ssout
URL=${line#listening on }
RSS_START=$(awk '/VmRSS/ {print $2}' "/proc/$SSPID/status")

APP=$(curl -sf "$URL/_mock/apps" -d '{"name":"bench","description":"bench","appUrl":"https://x.example","contactUrl":"https://x.example","redirectUrl":"http://127.0.0.1:9/cb","publish":true}')
CID=$(echo "$APP" | sed -E 's/.*"clientId":"([^"]+)".*/\1/')
SECRET=$(echo "$APP" | sed -E 's/.*"secret":"([^"]+)".*/\1/')
LOC=$(curl -s -o /dev/null -w '%{redirect_url}' \
      "$URL/b/authorize?response_type=code&client_id=$CID&scope=READ_EVENTS%20READ_USERS&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&state=bench")
CODE=$(echo "$LOC" | sed -E 's/.*[?&]code=([^&]+).*/\1/')
HASH=$(printf '%s' "$SECRET|$CODE" | sha256sum | cut -d' ' -f1)
TOKEN=$(curl -sf -X POST "$URL/2.0/token" \
        -d "grant_type=authorization_code&client_id=$CID&code=$CODE&hash=$HASH" |
        sed -E 's/.*"access_token":"([^"]+)".*/\1/')

BIG="/2.0/events?since=2000-01-01T00%3A00%3A00Z&maxCount=1000"
SMALL="/2.0/events?since=2000-01-01T00%3A00%3A00Z&maxCount=10"
curl -sf -H "Authorization: Bearer $TOKEN" "$URL$BIG" -o "$OUT/big.json"
curl -sf -H "Authorization: Bearer $TOKEN" "$URL$SMALL" -o "$OUT/small.json"
KEEPALIVE=$(curl -sv -H "Authorization: Bearer $TOKEN" "$URL$SMALL" -o /dev/null 2>&1 |
            grep -ci '^< connection: close' || true)

# the minimal libmicrohttpd program: the same bytes from memory, one per page
cc -O2 -o "$OUT/minimal_mhd" bench/minimal_mhd.c $(pkg-config --cflags --libs libmicrohttpd)
declare -A MINPORT MINPID
for size in big small; do
    port=$(free_port)
    taskset -c 0 "$OUT/minimal_mhd" "$port" "$OUT/$size.json" "$(nproc)" >/dev/null &
    MINPID[$size]=$!
    MINPORT[$size]=$port
    PIDS+=("$!")
    for _ in $(seq 100); do curl -s "http://127.0.0.1:$port/" -o /dev/null && break; done
done

# nginx serving the same bytes as static files
NGXPORT=$(free_port)
NGX=$OUT/nginx
mkdir -p "$NGX/root" "$NGX/tmp"
cp "$OUT/big.json" "$NGX/root/big"
cp "$OUT/small.json" "$NGX/root/small"
cat > "$NGX/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $NGX/tmp; proxy_temp_path $NGX/tmp; fastcgi_temp_path $NGX/tmp;
    uwsgi_temp_path $NGX/tmp; scgi_temp_path $NGX/tmp;
    default_type application/json;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:$NGXPORT; root $NGX/root; }
}
EOF
taskset -c 0 nginx -c "$NGX/nginx.conf" -p "$NGX" &
NPID=$!
PIDS+=("$NPID")
for _ in $(seq 100); do curl -s "http://127.0.0.1:$NGXPORT/small" -o /dev/null && break; done
NPIDS=("$NPID" $(pgrep -P "$NPID" || true))

for round in $(seq "$ROUNDS"); do
    for size in big small; do
        path=$([ $size = big ] && echo "$BIG" || echo "$SMALL")
        run_wrk "mock-$size" "$URL$path" "$SSPID"
        run_wrk "min-$size" "http://127.0.0.1:${MINPORT[$size]}/" "${MINPID[$size]}"
        run_wrk "nginx-$size" "http://127.0.0.1:$NGXPORT/$size" "${NPIDS[@]}"
    done
done
RSS_END=$(awk '/VmRSS/ {print $2}' "/proc/$SSPID/status")
kill "$SSPID" "${MINPID[big]}" "${MINPID[small]}" "$NPID" 2>/dev/null || true
wait "$SSPID" "${MINPID[big]}" "${MINPID[small]}" "$NPID" 2>/dev/null || true

ROWS=()
for size in big small; do
    label=$([ $size = big ] && echo "1,000-event page" || echo "10-event page")
    for who in mock min nginx; do
        key="$who-$size"
        case $who in
            mock) name="mock-smartsheet" ;;
            min) name="minimal libmicrohttpd" ;;
            *) name="nginx" ;;
        esac
        ROWS+=("| $name, $label | $(echo "${RPS[$key]}" | median) | $(echo "${LAT[$key]}" | median) | $(echo "${CPU[$key]}" | median) | ${ERRS[$key]:-none} |")
    done
    # the targets: requests/s and CPU per request against the floor
    RATIO_RPS[$size]=$(awk -v a="$(echo "${RPS[mock-$size]}" | median)" \
                           -v b="$(echo "${RPS[min-$size]}" | median)" 'BEGIN {printf "%.0f", 100 * a / b}')
    RATIO_CPU[$size]=$(awk -v a="$(echo "${CPU[mock-$size]}" | median)" \
                           -v b="$(echo "${CPU[min-$size]}" | median)" 'BEGIN {printf "%.2f", a / b}')
done

# --- start-up: from exec to the first answered request -------------------------
STARTS=()
for _ in 1 2 3 4 5; do
    t0=$(date +%s%N)
    exec {so}< <(exec "$BIN/mock-smartsheet" --listen 127.0.0.1:0 2>/dev/null & echo "pid $!"; wait)
    read -r _ spid <&$so
    read -r line <&$so
    curl -sf "${line#listening on }/_mock/clock" -o /dev/null
    t1=$(date +%s%N)
    STARTS+=($(( (t1 - t0) / 1000000 )))
    kill "$spid"; wait "$spid" 2>/dev/null || true
    exec {so}<&-
done
START_MS=$(printf '%s\n' "${STARTS[@]}" | sort -n | sed -n 3p)

{
    echo "### mock-smartsheet ($(date -u +%Y-%m-%d), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
    echo
    echo "wrk -t1 -c$CONNS -d${DURATION}s on CPU 1, server on CPU 0, loopback, no gzip;"
    echo "$ROUNDS interleaved rounds, each figure the median of its rounds."
    echo
    echo "| server and page | requests/s | latency avg µs | server CPU µs/request | errors |"
    echo "|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "- mock-smartsheet against the minimal program: 1,000-event page ${RATIO_RPS[big]} % of its requests/s at ${RATIO_CPU[big]}x its CPU per request; 10-event page ${RATIO_RPS[small]} % at ${RATIO_CPU[small]}x (targets: 90 % and 1.5x)"
    echo "- keep-alive kept: $([ "$KEEPALIVE" = 0 ] && echo yes || echo NO)"
    echo "- start-up to first response (median of 5): ${START_MS} ms"
    echo "- resident memory, default scenario: ${RSS_START} kB at start, ${RSS_END} kB after the runs"
} | tee "$OUT/results.md"

for extra in bench/cas-bench.sh bench/connector-bench.sh; do
    if [ -x "$extra" ] || [ -f "$extra" ]; then
        echo
        bash "$extra" "$BUILD" | tee -a "$OUT/results.md"
    fi
done
