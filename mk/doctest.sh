#!/bin/sh
# The doc-test runner (docs/doctest.md): finds every shell example of
# README.md and docs/*.md (mk/doctest/scan.awk), runs those marked
# `sh doctest` against freshly started doubles and compares the output a block
# shows with what the commands print; the others must name why they are shown
# only (`sh norun=REASON`). An unmarked shell example fails, like a wrong one.
#   usage: sh mk/doctest.sh ROOT BIN_DIR [FILE.md ...]
#   env:   DOCTEST_TIMEOUT  seconds one file's examples may take (default 60)
# Exit 0 when every example passed and none is unmarked, 1 otherwise, 2 for a
# bad invocation.
set -u
ROOT=${1:?usage: doctest.sh ROOT BIN_DIR [FILE.md ...]}
BIN=${2:?usage: doctest.sh ROOT BIN_DIR [FILE.md ...]}
shift 2
cd "$ROOT" || exit 2
ROOT=$(pwd)
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
[ $# -gt 0 ] || set -- README.md docs/*.md
TIMEOUT=${DOCTEST_TIMEOUT:-60}
SCAN=$ROOT/mk/doctest/scan.awk
[ -f "$SCAN" ] || { echo "doctest: $SCAN is missing" >&2; exit 2; }
for p in mock-smartsheet mock-cas; do
    [ -x "$BIN/$p" ] || { echo "doctest: $BIN/$p is missing (make all)" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kit-doctest.XXXXXX") || exit 2
SS_PID= CAS_PID=
stop_doubles() {
    [ -n "$SS_PID" ] && kill "$SS_PID" 2>/dev/null
    [ -n "$CAS_PID" ] && kill "$CAS_PID" 2>/dev/null
    [ -n "$SS_PID" ] && wait "$SS_PID" 2>/dev/null
    [ -n "$CAS_PID" ] && wait "$CAS_PID" 2>/dev/null
    SS_PID= CAS_PID=
    exec 3<&- 4<&-
}
trap 'stop_doubles; rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM

# start_double PROGRAM FD: starts it on port 0; its "listening on URL" line
# is read from a FIFO (no polling, no sleep); sets URL and PID.
start_double() {
    rm -f "$W/$1.fifo" && mkfifo "$W/$1.fifo" || return 1
    "$BIN/$1" --listen 127.0.0.1:0 >"$W/$1.fifo" 2>"$W/$1.log" &
    PID=$!
    # The FIFO stays open on FD until the double is stopped, so that a later
    # write to its standard output cannot fail.
    eval "exec $2<\"\$W/\$1.fifo\""
    URL=
    eval "read -r line <&$2" && URL=${line#listening on }
    case $URL in
        http://*) return 0 ;;
        *) echo "doctest: $1 did not start:" >&2; cat "$W/$1.log" >&2; return 1 ;;
    esac
}

# extract FILE: runs the scanner (mk/doctest/scan.awk) on FILE, which writes
# $W/script.sh, $W/cmds, $W/expect.K, $W/shown and $W/bad.
extract() {
    awk -v W="$W" -f "$SCAN" "$1"
}

# matches EXPECTED ACTUAL: the shown output matches the printed one.  White
# space is ignored (documents wrap long JSON); "..." stands for any text and
# <NAME> (capitals, digits, _) for one value: letters, digits and _.:+-
matches() {
    awk -v E="$1" '
    function rx(s,    out, c) {
        out = ""
        while (length(s) > 0) {
            if (substr(s, 1, 3) == "...") { out = out ".*"; s = substr(s, 4); continue }
            if (match(s, /^<[A-Z][A-Z0-9_]*>/)) {
                out = out "[A-Za-z0-9_.:+-]+"; s = substr(s, RLENGTH + 1); continue
            }
            c = substr(s, 1, 1); s = substr(s, 2)
            if (c == "\\") out = out "\\\\"
            else if (c == "^") out = out "\\^"
            else if (index(".[]|()*+?{}$/", c)) out = out "[" c "]"
            else out = out c
        }
        return "^" out "$"
    }
    BEGIN {
        want = ""
        while ((getline l < E) > 0) want = want l
        gsub(/[ \t\r]/, "", want)
    }
    { got = got $0 }
    END { gsub(/[ \t\r]/, "", got); exit !match(got, rx(want)) }' "$2"
}

# Shown on failure: at most 30 lines, with anything shaped like a code, token
# or secret (16 or more lower-case letters and digits) masked.
show() {
    head -n 30 "$1" | sed 's/[a-z0-9]\{16,\}/<masked>/g; s/^/      | /' | awk 1
}

run_file() {
    f=$1
    W=$WORK/$(echo "$f" | tr '/.' '__')
    mkdir -p "$W/cwd" || return 1
    : >"$W/cmds"
    : >"$W/script.sh"
    : >"$W/shown"
    : >"$W/bad"
    extract "$f" || { echo "  FAIL $f: the scanner failed"; REFUSED=$((REFUSED + 1)); return 1; }
    while IFS="$(printf '\t')" read -r line why; do
        echo "  FAIL $f:$line: $why"
        REFUSED=$((REFUSED + 1))
    done <"$W/bad"
    cut -f2 "$W/shown" >>"$WORK/reasons"
    [ -s "$W/cmds" ] || return 0
    # Examples run in a scratch folder that sees the source tree's top level
    # (build/, fixtures/, ...), so files they write land there. Not out/: the
    # documents' report folder, which the examples' suite runs would empty.
    for e in "$ROOT"/*; do
        [ "$e" = "$ROOT/out" ] || ln -s "$e" "$W/cwd/"
    done
    start_double mock-smartsheet 3 || { FAILED=$((FAILED + 1)); return 1; }
    SS=$URL SS_PID=$PID
    start_double mock-cas 4 || { stop_doubles; FAILED=$((FAILED + 1)); return 1; }
    CAS=$URL CAS_PID=$PID
    (cd "$W/cwd" && SS=$SS CAS=$CAS KIT_FIXTURES=$ROOT/fixtures \
        timeout "$TIMEOUT" sh -u "$W/script.sh" </dev/null >"$W/script.log" 2>&1)
    trc=$?
    stop_doubles
    [ $trc -eq 124 ] && echo "  $f: the examples took longer than ${TIMEOUT}s (DOCTEST_TIMEOUT)"
    k=0 prev=0 bad=0
    while IFS="$(printf '\t')" read -r nb bline cline first; do
        k=$((k + 1))
        if [ "$nb" != "$prev" ]; then
            [ "$prev" != 0 ] && { RUN=$((RUN + 1)); [ $bad -eq 0 ] && PASSED=$((PASSED + 1)); }
            prev=$nb bad=0
        fi
        [ $bad -eq 0 ] || continue
        why=
        if [ ! -f "$W/rc.$k" ]; then
            why="did not finish (the shell stopped before it: see its output)"
        elif [ "$(cat "$W/rc.$k")" != 0 ]; then
            why="exited with status $(cat "$W/rc.$k")"
        elif [ -s "$W/expect.$k" ] && ! matches "$W/expect.$k" "$W/out.$k"; then
            why="printed something other than the shown output"
        fi
        [ -z "$why" ] && continue
        bad=1
        printf '  FAIL %s:%s (example at line %s): $ %s\n' "$f" "$cline" "$bline" "$first"
        echo "    $why"
        if [ -s "$W/expect.$k" ]; then echo "    shown:"; show "$W/expect.$k"; fi
        if [ -f "$W/out.$k" ]; then echo "    printed:"; show "$W/out.$k"
        elif [ -s "$W/script.log" ]; then echo "    shell:"; show "$W/script.log"; fi
    done <"$W/cmds"
    [ "$prev" != 0 ] && { RUN=$((RUN + 1)); [ $bad -eq 0 ] && PASSED=$((PASSED + 1)); }
    return 0
}

RUN=0 PASSED=0 FAILED=0 REFUSED=0
: >"$WORK/reasons"
for f in "$@"; do
    [ -f "$f" ] || { echo "doctest: no file $f" >&2; exit 2; }
    run_file "$f"
done
RUN=$((RUN + FAILED))
SHOWN=$(wc -l <"$WORK/reasons" | tr -d ' ')
# Each reason with its count, by name.
REASONS=$(sort "$WORK/reasons" | uniq -c | awk '{ printf "%s%s %d", (NR > 1 ? ", " : ""), $2, $1 }')
printf 'doc examples: %d run, %d passed, %d shown only' "$RUN" "$PASSED" "$SHOWN"
[ "$SHOWN" -gt 0 ] && printf ' (reasons: %s)' "$REASONS"
echo
if [ "$REFUSED" -gt 0 ]; then
    echo "doctest: $REFUSED shell example(s) not marked to run or with a reason (docs/doctest.md)" >&2
    exit 1
fi
[ "$RUN" -eq "$PASSED" ]
