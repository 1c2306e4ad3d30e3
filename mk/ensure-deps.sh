#!/bin/sh
# Installs the Debian packages the build and tests need, when they are missing.
# As root it runs apt-get; otherwise it prints the exact command and fails.
# libgnutls28-dev comes with libmicrohttpd-dev (its TLS) and is named because
# common/http.c writes to a connection's TLS session itself;
# help2man makes the man pages; openssl makes the suite's test certificates;
# ca-certificates is named by the CI templates (make ci-test checks it is here);
# jq is used by the documented curl walk-throughs (make doc-test runs them);
# xmllint (libxml2-utils) validates the JUnit files against conformance/junit.xsd
# (in the tests, and in docs/conformance.md's example that make doc-test runs).
set -u
PKGS="build-essential pkg-config libmicrohttpd-dev libgnutls28-dev libcurl4-openssl-dev libcmocka-dev \
libcjson-dev libssl-dev libsqlite3-dev zlib1g-dev sqlite3 curl help2man \
openssl ca-certificates jq libxml2-utils"
[ -n "${KIT_EXTRA_PACKAGES:-}" ] && PKGS="$PKGS $KIT_EXTRA_PACKAGES"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    echo "installing missing packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null
    exit $?
fi
echo "missing packages:$missing" >&2
echo "run:  sudo apt-get install -y$missing   (then make check again)" >&2
exit 1
