#!/bin/sh
# Runs each cmocka test binary given as an argument, keeps going after a
# failure, and ends with one "N passed, N failed" line.  Each program's
# results also go to $UNIT_REPORT_DIR/<program>.xml as JUnit XML (cmocka's
# CMOCKA_MESSAGE_OUTPUT=xml) for CI; its own printed lines still reach the
# terminal, and a failing program's XML is shown.
set -u
dir=${UNIT_REPORT_DIR:-build/reports/unit}
mkdir -p "$dir"
rm -f "$dir"/*.xml
pass=0; fail=0; failed=""
for t in "$@"; do
    # build/tests/connector/test_config -> connector-test_config.xml
    name=$(printf '%s' "$t" | sed 's|.*/tests/||; s|/|-|g')
    xml="$dir/$name.xml"
    if CMOCKA_MESSAGE_OUTPUT=xml CMOCKA_XML_FILE="$xml" "$t"; then
        pass=$((pass + 1)); echo "ok    $name"
    else
        fail=$((fail + 1)); failed="$failed $t"; echo "FAIL  $name"
        [ -f "$xml" ] && cat "$xml"
    fi
    # cmocka appends a whole <testsuites> document per group run: one root.
    if [ -f "$xml" ] && [ "$(grep -c '^<testsuites>$' "$xml")" -gt 1 ]; then
        awk 'NR == 1 { print; print "<testsuites>"; next }
             /^<testsuites>$/ || /^<\/testsuites>$/ { next }
             { print } END { print "</testsuites>" }' "$xml" >"$xml.tmp" && mv "$xml.tmp" "$xml"
    fi
done
# The files CI will read are valid JUnit (the kit's schema, as for the
# conformance reports).
if ls "$dir"/*.xml >/dev/null 2>&1 && command -v xmllint >/dev/null 2>&1 &&
   ! xmllint --noout --schema "$(dirname "$0")/../conformance/junit.xsd" "$dir"/*.xml 2>"$dir/xmllint.out"; then
    cat "$dir/xmllint.out"; fail=$((fail + 1)); failed="$failed (JUnit XML invalid)"
fi
rm -f "$dir/xmllint.out"
[ -n "$failed" ] && echo "failed test programs:$failed"
echo "tests: $pass passed, $fail failed (JUnit XML in $dir)"
[ "$fail" -eq 0 ]
