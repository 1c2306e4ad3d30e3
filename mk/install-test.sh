#!/bin/sh
# The installed kit works anywhere (issue #12).
#
#   sh mk/install-test.sh SOURCE_TREE              (make install-test)
#     `make install` into a temporary DESTDIR, the installed tree copied to
#     another folder and the first deleted (nothing may point back at DESTDIR);
#   sh mk/install-test.sh SOURCE_TREE --deb FILE   (make deb-test)
#     the .deb extracted with `dpkg-deb -x` into a temporary root (no system
#     install).
#
# Then, with the source tree's fixtures hidden in a private mount namespace
# where the system allows one, the installed conformance suite runs from yet
# another working folder, with no KIT_* variable set, against the installed
# reference connector: every MUST must pass.  And `--fixtures DIR` must reach
# everything: with the installed fixtures moved away, a copy given by
# --fixtures serves the doubles, the suite and (through KIT_FIXTURES) the
# connector's mapping table.
set -eu
src=$(cd "$1" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sscas-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail() { echo "install-test: $*" >&2; exit 1; }

mkdir -p "$tmp/elsewhere" "$tmp/cwd"
if [ "${2:-}" = --deb ]; then
    deb=$3
    [ -f "$deb" ] || fail "no package $deb"
    dpkg-deb -x "$deb" "$tmp/root" || fail "dpkg-deb -x $deb failed"
    kit=$tmp/root/usr
    what="extracted from the .deb"
    dpkg-deb -f "$deb" Depends | grep -q 'libmicrohttpd' || fail "the .deb declares no run-time libraries"
else
    ${MAKE:-make} -s --no-print-directory -C "$src" install DESTDIR="$tmp/dest" PREFIX=/usr \
        >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; fail "make install failed"; }
    cp -a "$tmp/dest/usr" "$tmp/elsewhere/kit"
    ${MAKE:-make} -s --no-print-directory -C "$src" uninstall DESTDIR="$tmp/dest" PREFIX=/usr \
        >"$tmp/uninstall.log" 2>&1 || { cat "$tmp/uninstall.log" >&2; fail "make uninstall failed"; }
    left=$(find "$tmp/dest" ! -type d)
    [ -z "$left" ] || fail "make uninstall left: $left"
    rm -rf "$tmp/dest"
    kit=$tmp/elsewhere/kit
    what="installed and relocated"
fi

# Layout, names, --version, --help, man pages.
for f in share/sscas-kit/fixtures/mapping/smartsheet-cas.json \
         share/sscas-kit/fixtures/scenarios/default/scenario.json \
         share/doc/sscas-kit/README.md share/doc/sscas-kit/conformance/CONTRACT.md \
         share/doc/sscas-kit/conformance/requirements.md share/doc/sscas-kit/docs/conformance.md \
         share/doc/sscas-kit/ci/github-actions.yml share/doc/sscas-kit/ci/gitlab-ci.yml; do
    [ -f "$kit/$f" ] || fail "not installed: $f"
done
n=0
for p in mock-smartsheet mock-cas connector conformance fixture-gen recorder; do
    exe=$kit/bin/sscas-$p
    [ -x "$exe" ] || fail "not installed: bin/sscas-$p"
    [ -s "$kit/share/man/man1/sscas-$p.1" ] || [ -s "$kit/share/man/man1/sscas-$p.1.gz" ] ||
        fail "no man page sscas-$p.1"
    v=$("$exe" --version) || fail "sscas-$p --version exited $?"
    case $v in "sscas-$p (sscas-kit) "[0-9]*) ;; *) fail "sscas-$p --version said: $v" ;; esac
    "$exe" --help >/dev/null || fail "sscas-$p --help exited $?"
    n=$((n + 1))
done
[ -z "$(ls "$kit/bin" | grep -v '^sscas-')" ] || fail "bin/ holds names without the sscas- prefix"
for p in connector conformance; do
    "$kit/bin/sscas-$p" --version | grep -q '^connector contract [0-9]' ||
        fail "sscas-$p --version names no contract version"
done

# Runs the installed suite from $tmp/cwd with no KIT_* variable, the source
# tree's fixtures hidden when a mount namespace is available.
hide=""
for u in "unshare -m --propagation private" "unshare -rm --propagation private"; do
    if $u sh -c 'mount -t tmpfs none "$1"' sh "$src/fixtures" 2>/dev/null; then
        hide=$u
        break
    fi
done
suite() {
    out=$1; shift
    if [ -n "$hide" ]; then
        (cd "$tmp/cwd" && $hide sh -c 'mount -t tmpfs none "$1" && shift && exec "$@"' sh \
             "$src/fixtures" env -u KIT_FIXTURES -u KIT_BIN_DIR -u KIT_REPORT_DIR \
             -u KIT_TEST_BIN_DIR "$kit/bin/sscas-conformance" --quiet "$@") >"$out" 2>&1
    else
        (cd "$tmp/cwd" && env -u KIT_FIXTURES -u KIT_BIN_DIR -u KIT_REPORT_DIR \
             -u KIT_TEST_BIN_DIR "$kit/bin/sscas-conformance" --quiet "$@") >"$out" 2>&1
    fi
}
[ -n "$hide" ] || echo "install-test: note: no mount namespace here; the source tree's" \
    "fixtures stay visible (the run still has no KIT_* variable and another folder)"

suite "$tmp/full.out" --report-dir "$tmp/report" || {
    cat "$tmp/full.out" >&2; fail "the installed suite failed on the installed connector"; }
summary=$(grep -E '^[0-9]+ requirements: ' "$tmp/full.out" || true)
echo "$summary" | grep -q ' 0 failed' || { cat "$tmp/full.out" >&2; fail "summary: $summary"; }
[ -z "$(ls -A "$tmp/cwd")" ] || fail "the suite wrote into its working folder: $(ls -A "$tmp/cwd")"

# --fixtures reaches the doubles, the suite and the connector.
mv "$kit/share/sscas-kit/fixtures" "$tmp/fx"
suite "$tmp/fx.out" --report-dir "$tmp/report-fx" --fixtures "$tmp/fx" --only BF,MAP || {
    cat "$tmp/fx.out" >&2; fail "with --fixtures and no installed fixtures the suite failed"; }
# ... and without it nothing else is found (only provable with the source
# tree's fixtures hidden).
if [ -n "$hide" ] && suite "$tmp/nofx.out" --report-dir "$tmp/report-nofx" --only BF; then
    cat "$tmp/nofx.out" >&2; fail "with no fixtures anywhere the suite did not fail"
fi

echo "install-test: $n programs $what; installed suite: $summary;" \
     "--fixtures reaches the connector${hide:+ (source fixtures hidden)}"
