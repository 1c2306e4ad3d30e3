#!/bin/sh
# Regenerates the checked-in scenarios under fixtures/scenarios (or under
# the folder given as $2) with fixture-gen; the output is byte-identical
# for the same fixture-gen.  Usage: regenerate-fixtures.sh FIXTURE_GEN [DIR]
set -eu
G=${1:?usage: regenerate-fixtures.sh path/to/fixture-gen [scenarios-dir]}
S=${2:-$(dirname "$0")/../fixtures/scenarios}
"$G" --out "$S/default" --seed 20261120 --users 160 --events 3200 --days 8 --profile 2026 \
    --description "The default organisation, as Smartsheet answers in 2026: 160 users (one System Admin who consents, one PENDING invitee), 3,200 events over the eight days before recordedAt in pages of 1000, every object type, system users, an action no SDK knows, log-in/log-out and Admin Center events, type-specific details, and two places where the stream was still generating."
"$G" --out "$S/no-event-reporting" --seed 2 --users 8 --events 30 --days 8 --event-reporting off \
    --description "Event Reporting is not enabled on the account: /2.0/events answers 403."
"$G" --out "$S/not-admin" --seed 3 --users 8 --events 30 --days 8 --consent-non-admin \
    --description "The consenting user (Nico Member) is not a System Admin: /2.0/events answers 403."
"$G" --out "$S/empty-org" --seed 4 --users 1 --events 0 --days 8 \
    --description "Just the System Admin, no events."
"$G" --out "$S/users-200" --seed 5 --users 200 --events 40 --days 8 \
    --description "Exactly 200 users (two full pages of the default pageSize 100) for pagination edges."
"$G" --out "$S/users-2000" --seed 6 --users 2000 --events 40 --days 8 \
    --description "Exactly 2,000 users: twenty full pages of the default pageSize 100 and two full CAS entity batches of 1,000."
