#!/bin/sh
# mutation-report.sh OUT EQUIV - writes OUT/report.md from OUT/mutants.tsv (the
# selection), OUT/results.tsv (what the runs found) and EQUIV (mutants judged
# equivalent), and prints the counts and the score (docs/mutation.md).
#
# An entry of EQUIV matches a mutant when file, column, operator and hash
# agree: the line number is left out, so an entry survives edits elsewhere
# in the file and lapses when its own line changes.
set -u
OUT=$1
EQUIV=$2
[ -f "$OUT/mutants.tsv" ] || { echo "mutation: no $OUT/mutants.tsv" >&2; exit 2; }
touch "$OUT/results.tsv"

{
    [ -f "$EQUIV" ] && grep -v '^[[:space:]]*#' "$EQUIV" | grep -v '^[[:space:]]*$' | sed 's/^/E\t/'
    grep -v '^#' "$OUT/results.tsv" | sed 's/^/R\t/'
    sed 's/^/M\t/' "$OUT/mutants.tsv"
} | awk -F'\t' -v out="$OUT/report.md" -v dir="$OUT" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" \
        -v fp="$(sed -n 's/^# fingerprint //p' "$OUT/results.tsv" | head -n 1)" '
function key(id,    p) { split(id, p, ":"); return p[1] ":" p[3] ":" p[4] ":" p[5] }
function code(s) { gsub(/`/, "'\''", s); return "`" s "`" }
$1 == "E" { eq[key($2)] = $3; eqn++; eqid[eqn] = $2; next }
$1 == "R" { st[$2] = $3; bs[$2] = $4; rs[$2] = $5; rq[$2] = $6; next }
$1 == "M" {
    n++; id[n] = $2; path[n] = $3; line[n] = $4; op[n] = $5; orig[n] = $6; mut[n] = $7
    fn[n] = NF >= 8 && $8 != "" ? $8 : "(file scope)"
    next
}
END {
    for (i = 1; i <= n; i++) {
        k = key(id[i]); s = (id[i] in st) ? st[id[i]] : "pending"
        if (k in eq) { used[k] = 1; cat[i] = "equivalent"; c["equivalent"]++
                       if (s == "killed" || s == "timeout") wrong++ }
        else { cat[i] = s; c[s]++ }
        if (s != "pending" && s != "stillborn") { secs += bs[id[i]] + rs[id[i]]; ran++ }
        if (cat[i] == "killed") {
            split(rq[id[i]], w, " "); split(w[1], kr, ",")
            for (j in kr) if (kr[j] != "-" && kr[j] !~ /:/) by[kr[j]]++
        }
    }
    killed = c["killed"] + 0; timeout = c["timeout"] + 0
    denom = n - c["stillborn"] - c["equivalent"] - c["pending"] - c["error"]
    score = denom > 0 ? 100 * (killed + timeout) / denom : 0
    printf "# Mutation testing report\n\n" > out
    printf "Written %s by `make mutation` (docs/mutation.md); results fingerprint `%s`.\n\n", date, fp > out
    printf "| | mutants |\n|---|---:|\n" > out
    printf "| total in this selection | %d |\n", n > out
    printf "| stillborn (did not compile; not counted) | %d |\n", c["stillborn"] > out
    printf "| equivalent (conformance/mutation/equivalent.tsv; not counted) | %d |\n", c["equivalent"] > out
    printf "| killed (the suite failed a MUST) | %d |\n", killed > out
    printf "| killed by timeout | %d |\n", timeout > out
    printf "| survived | %d |\n", c["survived"] > out
    printf "| errors (the suite could not run; not counted) | %d |\n", c["error"] > out
    printf "| not run yet | %d |\n", c["pending"] > out
    printf "\n**Mutation score: %.1f%%** = (killed + killed by timeout) / (total - stillborn - equivalent", score > out
    printf "%s) = %d / %d.\n\n", (c["pending"] || c["error"] ? " - not run - errors" : ""), killed + timeout, denom > out
    printf "Time spent on the mutants judged: %.0f s (build and suite run, all workers added up).\n\n", secs > out
    if (wrong) printf "**%d mutant(s) listed as equivalent were killed**: see below; the entry is wrong or the suite is flaky.\n\n", wrong > out

    printf "## Survivors (%d)\n\n", c["survived"] > out
    printf "By file and function; each: id, where, and the requirement ids the run reported anyway (warnings).\n" > out
    group = ""
    for (i = 1; i <= n; i++) if (cat[i] == "survived") {
        if (path[i] ": " fn[i] != group) {
            group = path[i] ": " fn[i]
            printf "\n### %s\n\n", group > out
        }
        printf "- %s (%s:%s, %s) reported: %s\n  - original: %s\n  - mutated:  %s\n",
            code(id[i]), path[i], line[i], op[i], rq[id[i]] == "-" ? "nothing" : rq[id[i]],
            code(orig[i]), code(mut[i]) > out
    }
    printf "\n## Killed by timeout (%d)\n\n", timeout > out
    for (i = 1; i <= n; i++) if (cat[i] == "timeout")
        printf "- %s (%s:%s): %s\n", code(id[i]), path[i], line[i], code(mut[i]) > out
    printf "\n## Equivalent (%d)\n\n", c["equivalent"] > out
    for (i = 1; i <= n; i++) if (cat[i] == "equivalent") {
        s = (id[i] in st) ? st[id[i]] : "not run"
        printf "- %s (%s:%s, run: %s%s): %s\n", code(id[i]), path[i], line[i], s,
            (s == "killed" || s == "timeout") ? " **- listed as equivalent but killed**" : "", eq[key(id[i])] > out
    }
    stale = 0
    for (e = 1; e <= eqn; e++) if (!(key(eqid[e]) in used)) stale++
    if (stale) {
        printf "\n%d entr%s of equivalent.tsv matched no mutant of this selection", stale, stale == 1 ? "y" : "ies" > out
        printf " (expected for a sample or a subset; otherwise the line changed: judge it again):\n\n" > out
        for (e = 1; e <= eqn; e++) if (!(key(eqid[e]) in used)) printf "- %s\n", code(eqid[e]) > out
    }
    if ((getline l < (dir "/lapsed")) > 0) {
        printf "\n## Lapsed\n\nIds of the fixed set (MUTATION_IDS) whose line has changed since the set was recorded: not run, not counted.\n\n" > out
        do printf "- %s\n", code(l) > out; while ((getline l < (dir "/lapsed")) > 0)
    }
    printf "\n## Kills by requirement\n\nThe MUST that failed first for each killed mutant (several when tests finished together).\n\n" > out
    printf "| requirement | mutants killed |\n|---|---:|\n" > out
    m = 0
    for (r in by) { m++; rk[m] = r }
    for (a = 2; a <= m; a++) { x = rk[a]; b = a - 1; while (b > 0 && rk[b] > x) { rk[b + 1] = rk[b]; b-- } rk[b + 1] = x }
    for (a = 1; a <= m; a++) printf "| %s | %d |\n", rk[a], by[rk[a]] > out
    if (c["stillborn"]) {
        printf "\n## Stillborn (%d)\n\n", c["stillborn"] > out
        for (i = 1; i <= n; i++) if (cat[i] == "stillborn") printf "- %s: %s\n", code(id[i]), code(mut[i]) > out
    }
    if (c["error"]) {
        printf "\n## Errors (%d): run these again\n\n", c["error"] > out
        for (i = 1; i <= n; i++) if (cat[i] == "error") printf "- %s\n", code(id[i]) > out
    }
    close(out)
    printf "mutation: %d mutants: %d killed, %d killed by timeout, %d survived, %d equivalent, %d stillborn, %d errors, %d not run\n",
        n, killed, timeout, c["survived"], c["equivalent"], c["stillborn"], c["error"], c["pending"]
    printf "mutation: score %.1f%% (%d / %d); report: %s\n", score, killed + timeout, denom, out
}'
