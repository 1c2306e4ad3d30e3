#!/bin/sh
# make browser-test: installs what the browser test needs (Debian's
# Chromium and Node.js as root; playwright-core from e2e/package-lock.json
# with npm ci), then clicks the documented set-up through the doubles
# (e2e/portal.test.js) and opens a conformance report.html offline
# (e2e/report.test.js).  Needs KIT_BIN_DIR and KIT_REPORT_DIR.
set -u
cd "$(dirname "$0")/.." || exit 1
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
need=""
[ -x "$CHROMIUM" ] || need="$need chromium fonts-dejavu-core"
command -v node >/dev/null 2>&1 || need="$need nodejs"
command -v npm >/dev/null 2>&1 || need="$need npm"
if [ -n "$need" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "browser test: missing packages:$need" >&2
        echo "run:  sudo apt-get install -y$need   (then make browser-test again)" >&2
        exit 1
    fi
    echo "installing missing packages:$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $need >/dev/null ||
        exit 1
fi
if [ ! -f e2e/node_modules/playwright-core/package.json ] ||
   [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
    (cd e2e && npm ci --no-audit --no-fund --loglevel=error) || exit 1
fi
mkdir -p "${KIT_REPORT_DIR:?}"
export CHROMIUM
node e2e/portal.test.js || exit 1
exec node e2e/report.test.js
