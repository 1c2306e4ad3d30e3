#!/bin/sh
# The CI templates cannot rot (issue #12): the shell steps of
# ci/github-actions.yml and the script lines of ci/gitlab-ci.yml are
# extracted and run here, as the CI would run them, against the packaged
# reference connector, then once more with a connector that fails (the job
# must fail).  Nothing on this machine is installed: `apt-get` is a stand-in
# that checks each package it is asked for is already installed here (and,
# for the kit's .deb, each of its dependencies) and unpacks the .deb into a
# temporary root whose usr/bin is on PATH.  The kit's .deb is fetched by the
# template's own curl from a file:// URL.
#
# usage: sh mk/ci-test.sh SOURCE_TREE DEB
set -eu
src=$(cd "$1" && pwd)
deb=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sscas-ci-test.XXXXXX")
trap '[ -n "${CI_TEST_KEEP:-}" ] || rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail() { echo "ci-test: $*" >&2; exit 1; }
[ -f "$deb" ] || fail "no package $deb"

mkdir -p "$tmp/shim" "$tmp/root" "$tmp/steps"
cat > "$tmp/shim/apt-get" <<'SHIM'
#!/bin/sh
# apt-get for mk/ci-test.sh: checks, never installs.
set -eu
no() { echo "apt-get (ci-test stand-in): $*" >&2; exit 100; }
installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}
cmd=""
for a in "$@"; do
    case $a in -*) ;; *) if [ -z "$cmd" ]; then cmd=$a; continue; fi
        case $cmd in
        install)
            case $a in
            */*.deb)
                [ -f "$a" ] || no "no file $a"
                for d in $(dpkg-deb -f "$a" Depends | tr ',' '\n' |
                           sed -e 's/([^)]*)//g' -e 's/|.*//' -e 's/ //g'); do
                    installed "$d" || no "$a needs $d, which is not installed here"
                done
                dpkg-deb -x "$a" "$CI_TEST_ROOT" ;;
            *) installed "$a" || no "package $a is not installed here (a name that does not exist?)" ;;
            esac ;;
        esac ;;
    esac
done
case $cmd in update|install) ;; *) no "unexpected command: $*" ;; esac
SHIM
chmod 0755 "$tmp/shim/apt-get"

# ---- extraction ------------------------------------------------------------
gh=$src/ci/github-actions.yml
gl=$src/ci/gitlab-ci.yml
for f in "$gh" "$gl"; do
    for v in SSCAS_KIT_DEB_URL CONNECTOR SSCAS_CONFORMANCE_ARGS; do
        grep -Eq "^ +$v: " "$f" || fail "$f declares no $v"
    done
    grep -q 'conformance-report/' "$f" || fail "$f keeps no conformance-report/ artefact"
done
grep -q 'junit: conformance-report/junit-\*.xml' "$gl" || fail "$gl publishes no JUnit report"

# GitHub: one file per `run: |` step, in order, dedented; "Build your
# connector" is the vendor's placeholder and is left out.
awk -v dir="$tmp/steps" '
    function indent(s) { match(s, /^ */); return RLENGTH }
    inrun && ($0 ~ /^ *$/ || indent($0) > runind) {
        if (blockind < 0 && $0 !~ /^ *$/) blockind = indent($0)
        print (blockind < 0 ? "" : substr($0, blockind + 1)) > file
        next
    }
    { inrun = 0 }
    /^ *- name: / { name = $0; sub(/^ *- name: */, "", name); next }
    /^ *- uses: / { name = ""; next }
    /^ *run: [|]$/ {
        if (name == "Build your connector") next
        n++; file = sprintf("%s/gh-%02d.sh", dir, n)
        printf "# step: %s\n", name > file
        inrun = 1; runind = indent($0); blockind = -1
    }
' "$gh"
ls "$tmp/steps"/gh-*.sh >/dev/null 2>&1 || fail "no run steps found in $gh"
grep -l 'sscas-conformance --connector' "$tmp/steps"/gh-*.sh >/dev/null ||
    fail "no step of $gh runs the suite"

# GitLab: the items of before_script, then of script (one line each).
for key in before_script script; do
    awk -v key="$key" '
        $0 ~ "^  " key ":$" { on = 1; next }
        on && /^    - / { sub(/^    - /, ""); print; next }
        on && /^ *#/ { next }
        { on = 0 }
    ' "$gl" > "$tmp/steps/gl-$key.sh"
done
[ -s "$tmp/steps/gl-script.sh" ] || fail "no script lines found in $gl"

# ---- running ---------------------------------------------------------------
# run_steps NAME WORKSPACE CONNECTOR ARGS FILE...: each file as CI runs a
# step (bash -eo pipefail), in the workspace, with the template's variables.
run_steps() {
    name=$1 ws=$2 conn=$3 args=$4; shift 4
    mkdir -p "$ws" "$tmp/runner-temp" "$tmp/tmpdir"
    for step in "$@"; do
        (cd "$ws" && env -u KIT_FIXTURES -u KIT_BIN_DIR -u KIT_REPORT_DIR -u KIT_TEST_BIN_DIR \
            PATH="$tmp/shim:$tmp/root/usr/bin:$PATH" CI_TEST_ROOT="$tmp/root" \
            RUNNER_TEMP="$tmp/runner-temp" GITHUB_WORKSPACE="$ws" CI_PROJECT_DIR="$ws" \
            TMPDIR="$tmp/tmpdir" \
            SSCAS_KIT_DEB_URL="file://$deb" CONNECTOR="$conn" SSCAS_CONFORMANCE_ARGS="$args" \
            bash -eo pipefail "$step") >>"$tmp/$name.log" 2>&1 || return 1
    done
}
check_reports() {
    [ -f "$1/conformance-report/report.json" ] || fail "$2: no conformance-report/report.json"
    ls "$1"/conformance-report/junit-*.xml >/dev/null 2>&1 || fail "$2: no JUnit files"
}

# The packaged reference connector, where the stand-in apt-get unpacks it.
ref=$tmp/root/usr/bin/sscas-connector
run_steps github "$tmp/gh" "$ref" "" "$tmp"/steps/gh-*.sh ||
    { cat "$tmp/github.log" >&2; fail "the GitHub Actions steps failed on the reference connector"; }
check_reports "$tmp/gh" "GitHub Actions"
ghsum=$(grep -E '^[0-9]+ requirements: ' "$tmp/github.log" || true)
rm -rf "$tmp/root"/*
run_steps gitlab "$tmp/gl" "$ref" "" "$tmp/steps/gl-before_script.sh" "$tmp/steps/gl-script.sh" ||
    { cat "$tmp/gitlab.log" >&2; fail "the GitLab CI job failed on the reference connector"; }
check_reports "$tmp/gl" "GitLab CI"
glsum=$(grep -E '^[0-9]+ requirements: ' "$tmp/gitlab.log" || true)

# A failed MUST fails the job: a connector that always fails, one requirement.
suite_step=$(grep -l 'sscas-conformance --connector' "$tmp"/steps/gh-*.sh | head -1)
if run_steps github-bad "$tmp/gh-bad" /bin/false "--only OAUTH-001" "$suite_step"; then
    cat "$tmp/github-bad.log" >&2; fail "the GitHub Actions suite step passed a failing connector"
fi
if run_steps gitlab-bad "$tmp/gl-bad" /bin/false "--only OAUTH-001" "$tmp/steps/gl-script.sh"; then
    cat "$tmp/gitlab-bad.log" >&2; fail "the GitLab CI script passed a failing connector"
fi
check_reports "$tmp/gh-bad" "GitHub Actions (failing connector)"

echo "ci-test: GitHub Actions steps: $ghsum; GitLab CI job: $glsum; both fail on a failed MUST"
