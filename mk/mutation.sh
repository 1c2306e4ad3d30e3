#!/bin/sh
# mutation.sh - `make mutation`: the conformance suite against mutants of the
# reference connector (docs/mutation.md).
#
# Lists the mutants with mutagen, then for each one not yet in the results:
# writes the mutated file to a temporary folder, compiles only that file (a
# header: the connector files that include it) with the build's CFLAGS, links
# it with the other connector objects and libkit.a, and runs
#   conformance --connector <mutant> --fail-fast --quiet
# under a time limit.  One line per mutant is appended to results.tsv (so an
# interrupted run resumes where it stopped), then report.md is written.
#
# Environment (make passes its variables of the same names):
#   MUTATION_FILES    connector files to mutate (names in connector/ or paths);
#                     default: every connector/*.c and *.h but defects.[ch]
#   MUTATION_OPS      operators (mutagen ops), default all
#   MUTATION_SAMPLE   run a sample of this many mutants, chosen by
#   MUTATION_SEED     this seed (default 1)
#   MUTATION_IDS      a file of mutant keys (file:column:operator:hash) or ids
#                     (file:line:column:operator:hash; the line is ignored), one
#                     a line, '#' comments: run exactly these, e.g. the
#                     recorded sample conformance/mutation/sample-seed1.ids
#   MUTATION_JOBS     mutants at once (default 1)
#   MUTATION_TIMEOUT  seconds before a run counts as killed by timeout (300)
#   MUTATION_KEEP     set: keep each mutant's folder in build/mutation/tmp
#   MUTATION_BUILD, MUTATION_CC, MUTATION_CFLAGS, MUTATION_LDFLAGS,
#   MUTATION_LDLIBS   the build's settings (set by the Makefile)
set -u

BUILD=${MUTATION_BUILD:-build}
OUT=$BUILD/mutation
GEN=$OUT/mutagen
EQUIV=conformance/mutation/equivalent.tsv
TIMEOUT=${MUTATION_TIMEOUT:-300}
JOBS=${MUTATION_JOBS:-1}
# The build's flags, with warnings left as warnings: a mutant is often code
# a compiler frowns at (a removed call leaves a variable unused, a flipped
# && wants parentheses) and is still a program whose behaviour counts.
EXTRA_CFLAGS="-Wno-error -Iconnector"

die() { echo "mutation: $*" >&2; exit 2; }

# ---- one mutant (run by the workers) --------------------------------------

# Kills what is left of the session a mutant's suite run started in.
kill_session() {
    [ -n "$sid" ] || return 0
    for d in /proc/[0-9]*; do
        st=$(cat "$d/stat" 2>/dev/null) || continue
        rest=${st##*) }
        # shellcheck disable=SC2086
        set -- $rest
        [ "${4:-}" = "$sid" ] && kill -KILL "${d#/proc/}" 2>/dev/null
    done
    return 0
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Requirement ids the report names: the failed MUSTs (when none failed, the
# unjudged ones other than those --fail-fast left), and the warnings.
reported() {
    [ -f "$1" ] || return 0
    sed -n 's/^ *{"id": "\([^"]*\)".*"result": "\([a-z]*\)", .*"evidence": \[\(.\{0,100\}\).*/\1 \2 \3/p' "$1" |
        awk '$2 == "fail" { f = f (f ? "," : "") $1 }
             $2 == "warning" { w = w (w ? "," : "") $1 }
             $2 == "error" && $0 !~ /not run: --fail-fast/ {
                 if ($0 ~ /stopped before judging/) s = s (s ? "," : "") $1
                 else e = e (e ? "," : "") $1 }
             END { if (!f) e = e (e && s ? "," : "") s
                   r = f; if (!f && e) r = "error:" e; if (w) r = r (r ? " " : "") "warn:" w
                   print (r ? r : "-") }'
}

run_one() {
    id=$1
    row=$(awk -F'\t' -v id="$id" '$1 == id { print; exit }' "$OUT/mutants.tsv")
    [ -n "$row" ] || { echo "mutation: no mutant $id" >&2; return 0; }
    path=$(printf '%s\n' "$row" | cut -f2)
    base=${path##*/}
    tmp=$(mktemp -d "$OUT/tmp/m.XXXXXX") || return 0
    sid=
    trap 'kill_session; rm -rf "$tmp"; exit 130' INT TERM
    t0=$(now_ms)
    status=stillborn
    # shellcheck disable=SC2086
    eval "set -- ${MUTATION_CFLAGS:-}"
    case $base in
    *.h)
        cp connector/*.h "$tmp/"
        srcs=$(grep -l "connector/$base" "$BUILD"/obj/connector/*.d 2>/dev/null |
               sed 's|.*/\([^/]*\)\.d$|connector/\1.c|')
        ;;
    *)  srcs=$path ;;
    esac
    ok=1
    [ -n "$srcs" ] || ok=0
    "$GEN" apply --id "$id" -o "$tmp/$base" "$path" 2>"$tmp/build.log" || ok=0
    skip=
    for s in $srcs; do
        [ $ok = 1 ] || break
        b=${s##*/}
        [ "$b" = "$base" ] || cp "$s" "$tmp/$b"
        # shellcheck disable=SC2086
        "${MUTATION_CC:-cc}" "$@" $EXTRA_CFLAGS -c -o "$tmp/${b%.c}.o" "$tmp/$b" \
            >>"$tmp/build.log" 2>&1 || ok=0
        skip="$skip ${b%.c}.o"
    done
    if [ $ok = 1 ]; then
        objs=
        for o in "$BUILD"/obj/connector/*.o; do
            case " $skip " in *" ${o##*/} "*) ;; *) objs="$objs $o" ;; esac
        done
        eval "set -- ${MUTATION_LDLIBS:-}"
        # shellcheck disable=SC2086
        "${MUTATION_CC:-cc}" ${MUTATION_LDFLAGS:-} -o "$tmp/connector" "$tmp"/*.o $objs \
            "$BUILD/libkit.a" "$@" >>"$tmp/build.log" 2>&1 || ok=0
    fi
    t1=$(now_ms)
    reqs=-
    if [ $ok = 1 ]; then
        setsid sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$tmp/sid" \
            timeout -k 10 "$TIMEOUT" "$BUILD/bin/conformance" --connector "$tmp/connector" \
            --fail-fast --quiet --report-dir "$tmp/report" >"$tmp/out" 2>&1 &
        wait $!
        rc=$?
        sid=$(cat "$tmp/sid" 2>/dev/null)
        kill_session
        case $rc in
        0) status=survived ;;
        1) status=killed ;;
        124|137) status=timeout ;;
        *) status=error ;;
        esac
        reqs=$(reported "$tmp/report/report.json")
    fi
    t2=$(now_ms)
    # one short write: lines of parallel workers do not mix
    printf '%s\t%s\t%d.%03d\t%d.%03d\t%s\n' "$id" "$status" $(( (t1 - t0) / 1000 )) \
        $(( (t1 - t0) % 1000 )) $(( (t2 - t1) / 1000 )) $(( (t2 - t1) % 1000 )) "$reqs" \
        >>"$OUT/results.tsv"
    n=$(grep -vc '^#' "$OUT/results.tsv")
    printf '  %-44s %-10s %5.1f s  %s   (%s done)\n' "$id" "$status" \
        "$(( t2 - t0 ))e-3" "$reqs" "$n"
    trap - INT TERM
    [ -n "${MUTATION_KEEP:-}" ] || rm -rf "$tmp"
}

if [ "${1:-}" = "--one" ]; then
    run_one "$2"
    exit 0
fi

# ---- the run ----------------------------------------------------------------

[ -x "$GEN" ] || die "$GEN is missing: run 'make mutation'"
for p in connector conformance mock-smartsheet mock-cas; do
    [ -x "$BUILD/bin/$p" ] || die "$BUILD/bin/$p is missing: run 'make mutation'"
done
command -v setsid >/dev/null && command -v timeout >/dev/null ||
    die "setsid and timeout (util-linux, coreutils) are needed"

files=
if [ -n "${MUTATION_FILES:-}" ]; then
    for f in $MUTATION_FILES; do
        case $f in */*) ;; *) f=connector/$f ;; esac
        [ -f "$f" ] || die "no file $f"
        files="$files $f"
    done
else
    for f in connector/*.c connector/*.h; do
        case ${f##*/} in defects.c|defects.h) ;; *) files="$files $f" ;; esac
    done
fi
set --
[ -n "${MUTATION_OPS:-}" ] && set -- "$@" --ops "$MUTATION_OPS"
[ -n "${MUTATION_SAMPLE:-}" ] && set -- "$@" --sample "$MUTATION_SAMPLE" --seed "${MUTATION_SEED:-1}"

mkdir -p "$OUT"
rm -rf "$OUT/tmp"
mkdir -p "$OUT/tmp"
# shellcheck disable=SC2086
"$GEN" list --skip-func usage "$@" $files >"$OUT/mutants.tsv" || die "mutagen failed"

# A fixed set of mutants: keep the listed keys (the id without its line
# number, as equivalent.tsv matches), and say which ones no longer exist
# (their line changed since the set was recorded).
if [ -n "${MUTATION_IDS:-}" ]; then
    [ -f "$MUTATION_IDS" ] || die "no file $MUTATION_IDS"
    awk -F'\t' -v lapsed="$OUT/lapsed" '
        function key(id,  a) { split(id, a, ":"); return a[1] ":" a[3] ":" a[4] ":" a[5] }
        NR == FNR { if ($0 !~ /^#/ && NF) { k = $1; if (split(k, p, ":") == 5) k = key(k); want[k] = 1 }
                    next }
        (key($1) in want) { print; seen[key($1)] = 1 }
        END { n = 0; for (k in want) if (!(k in seen)) { print k > lapsed; n++ }
              if (!n) printf "" > lapsed }' \
        "$MUTATION_IDS" "$OUT/mutants.tsv" >"$OUT/mutants.sel" || die "cannot filter by $MUTATION_IDS"
    mv "$OUT/mutants.sel" "$OUT/mutants.tsv"
    n=$(wc -l <"$OUT/lapsed")
    [ "$n" -gt 0 ] && echo "mutation: $n of the ids in $MUTATION_IDS name lines that have changed (listed in $OUT/lapsed)"
else
    rm -f "$OUT/lapsed"
fi

# Results hold only for the programs and fixtures they came from (a mutant
# id names its mutated text: file, place, operator, hash of the lines).
fp=$( { cat "$BUILD/bin/connector" "$BUILD/bin/conformance" "$BUILD/bin/mock-smartsheet" \
          "$BUILD/bin/mock-cas"; find fixtures -type f | LC_ALL=C sort | xargs cat; } |
      sha256sum | cut -c1-16)
if [ -f "$OUT/results.tsv" ] && ! grep -q "^# fingerprint $fp\$" "$OUT/results.tsv"; then
    mv "$OUT/results.tsv" "$OUT/results.tsv.old"
    echo "mutation: the programs or fixtures changed since the last run; old results kept in $OUT/results.tsv.old"
fi
[ -f "$OUT/results.tsv" ] || printf '# fingerprint %s\n' "$fp" >"$OUT/results.tsv"

total=$(wc -l <"$OUT/mutants.tsv")
awk -F'\t' 'NR == FNR { if ($0 !~ /^#/) done[$1] = 1; next } !($1 in done) { print $1 }' \
    "$OUT/results.tsv" "$OUT/mutants.tsv" >"$OUT/todo"
todo=$(wc -l <"$OUT/todo")
echo "mutation: $total mutants, $((total - todo)) already judged, $todo to run ($JOBS at a time, limit ${TIMEOUT} s each)"
start=$(date +%s)
if [ "$todo" -gt 0 ]; then
    export MUTATION_BUILD MUTATION_CC MUTATION_CFLAGS MUTATION_LDFLAGS MUTATION_LDLIBS \
           MUTATION_TIMEOUT MUTATION_KEEP
    xargs -P "$JOBS" -n 1 sh "$0" --one <"$OUT/todo"
fi
echo "mutation: this run took $(( $(date +%s) - start )) s"
sh mk/mutation-report.sh "$OUT" "$EQUIV"
