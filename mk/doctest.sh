#!/bin/sh
# The doc-test runner (docs/doctest.md): runs every shell example of README.md
# and docs/*.md that is marked to run (a fenced block whose info string is
# "sh doctest") against freshly started doubles, and compares the output a
# block shows with what the commands print.
#   usage: sh mk/doctest.sh ROOT BIN_DIR [FILE.md ...]
#   env:   DOCTEST_TIMEOUT  seconds one file's examples may take (default 60)
# Exit 0 when every example passed, 1 otherwise, 2 for a bad invocation.
set -u
ROOT=${1:?usage: doctest.sh ROOT BIN_DIR [FILE.md ...]}
BIN=${2:?usage: doctest.sh ROOT BIN_DIR [FILE.md ...]}
shift 2
cd "$ROOT" || exit 2
ROOT=$(pwd)
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
[ $# -gt 0 ] || set -- README.md docs/*.md
TIMEOUT=${DOCTEST_TIMEOUT:-60}
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

# extract FILE: writes $W/script.sh (the commands, each with its output and
# exit status captured), $W/cmds (one line per command: block line, command
# line, the command's first line) and $W/expect.K (the output it shows).
extract() {
    awk -v W="$W" '
    function flush_cmd() {
        if (k == 0 || cmd == "") return
        printf "{\n%s\n} >\"%s/out.%d\" 2>&1\necho $? >\"%s/rc.%d\"\n", cmd, W, k, W, k > (W "/script.sh")
        cmd = ""
    }
    BEGIN { inb = 0; k = 0; nb = 0; cont = 0; hd = "" }
    /^```/ {
        if (!inb && $0 ~ /^```[ \t]*sh[ \t]+doctest[ \t]*$/) { inb = 1; nb++; bline = NR; cur = 0; next }
        if (inb) { flush_cmd(); inb = 0; cont = 0; hd = ""; next }
    }
    !inb { next }
    # heredoc(LINE): the word of a here-document LINE opens, else "".
    function heredoc(l,    w) {
        if (!match(l, /<<-?[ \t]*[\047"]?[A-Za-z_][A-Za-z0-9_]*/)) return ""
        w = substr(l, RSTART, RLENGTH)
        sub(/^<<-?[ \t]*[\047"]?/, "", w)
        return w
    }
    {
        line = $0
        if (hd != "") {
            cmd = cmd "\n" line
            if (line == hd) hd = ""
            next
        }
        if (cont || (cmd != "" && substr(line, 1, 2) == "> ")) {
            if (!cont) line = substr(line, 3)
            cmd = cmd "\n" line
            cont = (line ~ /(\\|[|]|&&)$/)
            hd = heredoc(line)
            next
        }
        if (substr(line, 1, 2) == "$ ") {
            flush_cmd()
            k++
            cmd = substr(line, 3)
            cont = (cmd ~ /(\\|[|]|&&)$/)
            hd = heredoc(cmd)
            printf "%d\t%d\t%d\t%s\n", nb, bline, NR, cmd > (W "/cmds")
            if (cur) close(W "/expect." cur)
            cur = k
            printf "" > (W "/expect." k)
            next
        }
        if (cur) {
            flush_cmd()
            print line > (W "/expect." cur)
        }
    }
    END { flush_cmd() }' "$1"
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
    extract "$f"
    [ -s "$W/cmds" ] || return 0
    # Examples run in a scratch folder that sees the source tree's top level
    # (build/, fixtures/, ...), so files they write land there.
    for e in "$ROOT"/*; do ln -s "$e" "$W/cwd/"; done
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

RUN=0 PASSED=0 FAILED=0
for f in "$@"; do
    [ -f "$f" ] || { echo "doctest: no file $f" >&2; exit 2; }
    run_file "$f"
done
RUN=$((RUN + FAILED))
echo "doc examples: $RUN run, $PASSED passed"
[ "$RUN" -eq "$PASSED" ]
