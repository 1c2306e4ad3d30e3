/* catalogue.c - the requirement table (see catalogue.h). */
#include "catalogue.h"

#include <string.h>

static const struct ct_group groups[] = {
    {"OAUTH", "OAuth"},
    {"PRE", "Prerequisites and Test now"},
    {"BF", "Backfill"},
    {"INC", "Incremental sync"},
    {"USR", "Users"},
    {"RL", "Rate limit"},
    {"RES", "Resilience"},
    {"MAP", "Activity mapping and limitations"},
    {"SEC", "Security"},
};

#define SS_OAUTH "Smartsheet API docs, OAuth flow"
#define CAS_DOC "CAS docs, Connect Smartsheet to Defender for Cloud Apps"
#define CONTRACT "conformance/CONTRACT.md"

static const struct ct_req reqs[] = {
    {"OAUTH-001", "OAUTH", CT_MUST,
     "The consent URL carries response_type=code, the client id, scope READ_EVENTS READ_USERS, "
     "the registered redirect_uri and a state",
     SS_OAUTH "; RFC 6749 4.1.1"},
    {"OAUTH-002", "OAUTH", CT_MUST,
     "The state is fresh for every authorization attempt and unguessable (at least 128 bits)",
     "RFC 6749 10.12; RFC 9700 4.7.1"},
    {"OAUTH-003", "OAUTH", CT_MUST,
     "A callback with a forged or missing state is refused (exit 3) without a token request",
     "RFC 6749 10.12; RFC 9700 4.7.1"},
    {"OAUTH-004", "OAUTH", CT_MUST,
     "A denied consent is refused (exit 3) without a token request and reported to CAS as error",
     "RFC 6749 4.1.2.1; " CONTRACT " 3"},
    {"OAUTH-005", "OAUTH", CT_SHOULD,
     "The code is exchanged with hash = SHA-256(secret|code), never the raw client secret",
     SS_OAUTH},
    {"OAUTH-006", "OAUTH", CT_MUST,
     "An authorization code is sent to the token endpoint at most once",
     "RFC 6749 4.1.2; RFC 9700 4.2"},
    {"OAUTH-007", "OAUTH", CT_MUST,
     "An expired access token is refreshed (grant_type=refresh_token) and the sync completes",
     SS_OAUTH "; RFC 6749 6"},
    {"OAUTH-008", "OAUTH", CT_MUST,
     "An API answer 1003 (token expired) in the middle of a sync leads to a refresh and the sync "
     "completes",
     SS_OAUTH "; Smartsheet error codes"},
    {"OAUTH-009", "OAUTH", CT_MUST,
     "The rotated refresh token is kept: each refresh uses the refresh token of the previous one",
     "RFC 9700 4.14.2; " SS_OAUTH},
    {"OAUTH-010", "OAUTH", CT_MUST,
     "A refused refresh stops all API calls, exits 3 and reports error (stage Authorize, "
     "\"reconnect\") to CAS",
     CONTRACT " 3, 5"},
    {"OAUTH-011", "OAUTH", CT_MUST,
     "The access token travels only in the Authorization: Bearer header, never in a URL",
     "RFC 6750 2.1, 5.3"},
    {"OAUTH-012", "OAUTH", CT_MUST,
     "Tokens from a refresh are saved before they are used: killed at its first request with the "
     "new access token, a rerun continues without a new authorization",
     "RFC 9700 4.14.2; " CONTRACT " 3"},
    {"OAUTH-013", "OAUTH", CT_MUST,
     "A callback with the right state but no code is refused (exit 3) without a token request",
     CONTRACT " 4"},
    {"OAUTH-014", "OAUTH", CT_MUST,
     "An access token refused (401) again right after a successful refresh (the first request "
     "with the new token) exits 3 and reports error (stage Authorize, \"reconnect\") to CAS",
     CONTRACT " 4, 5 (since 1.5)"},
    {"OAUTH-015", "OAUTH", CT_MUST,
     "A code exchange answered 200 without access_token, refresh_token or expires_in, or with "
     "expires_in 0, exits 5 and keeps no tokens: a sync then exits 3 without calling the "
     "Smartsheet API",
     CONTRACT " 4 (since 1.5)"},
    {"OAUTH-016", "OAUTH", CT_MUST,
     "A code holding RFC 3986's unreserved characters - . _ ~ is accepted and sent to the "
     "token endpoint unchanged",
     "RFC 3986 2.3; RFC 6749 4.1.2; " CONTRACT " 4 (since 1.5)"},
    {"PRE-001", "PRE", CT_MUST,
     "Test now with a user who is not System Admin reports error naming System Admin and exits 4",
     CAS_DOC},
    {"PRE-002", "PRE", CT_MUST,
     "Test now without Event Reporting reports error naming Event Reporting and exits 4", CAS_DOC},
    {"PRE-003", "PRE", CT_MUST,
     "Test now on a healthy organisation reports connected and exits 0", CAS_DOC},
    {"PRE-004", "PRE", CT_MUST,
     "A sync without authorization exits 3 without calling the Smartsheet API", CONTRACT " 4"},
    {"PRE-005", "PRE", CT_MUST,
     "A config with an unknown key is refused with exit 2 and a message naming the key",
     CONTRACT " 2"},
    {"PRE-006", "PRE", CT_MUST,
     "A config with a required key missing, a key of the wrong type, a negative count or a "
     "log_format other than text or json is refused with exit 2 and a message naming the key",
     CONTRACT " 2"},
    {"PRE-007", "PRE", CT_MUST,
     "A command the contract does not know is refused with exit 2 (bad usage)", CONTRACT " 4"},
    {"PRE-008", "PRE", CT_MUST,
     "A config with backfill_days 1 and rate_limit_per_minute 1 is accepted", CONTRACT " 2"},
    {"PRE-009", "PRE", CT_MUST,
     "A sync without Event Reporting (the events request refused with 403) exits 4",
     CONTRACT " 4"},
    {"PRE-010", "PRE", CT_MUST,
     "Test now where the user request fails otherwise (404) reports error at stage Get user "
     "with a message naming the problem",
     CONTRACT " 3"},
    {"BF-001", "BF", CT_MUST,
     "The first sync asks for events since seven days before the connection (within one hour)",
     CAS_DOC},
    {"BF-002", "BF", CT_MUST,
     "The first sync delivers every event of the seven-day window exactly once", CAS_DOC},
    {"BF-003", "BF", CT_MUST,
     "The first sync delivers nothing older than the seven-day window", CAS_DOC},
    {"INC-001", "INC", CT_MUST,
     "A later sync continues from the saved nextStreamPosition (streamPosition, no since)",
     "Smartsheet API docs, List events"},
    {"INC-002", "INC", CT_MUST,
     "Events appended between syncs arrive once and nothing is delivered again",
     "Smartsheet API docs, List events; " CONTRACT " 3"},
    {"INC-003", "INC", CT_SHOULD,
     "A sync with nothing new costs a single events request",
     "Smartsheet API docs, rate limiting"},
    {"INC-004", "INC", CT_MUST,
     "When the last page carries no nextStreamPosition, the connector keeps the position it "
     "had: the sync succeeds and the next one delivers new events once and nothing again",
     "Smartsheet API docs, List events (nextStreamPosition optional); " CONTRACT " 3 (since 1.3)"},
    {"USR-001", "USR", CT_MUST,
     "Every user of the organisation is delivered to CAS as an entity with its email address and "
     "System Admin flag",
     CAS_DOC "; docs/cas-ingestion-api.md"},
    {"USR-002", "USR", CT_MUST,
     "A user count that is an exact multiple of the page size is read completely",
     "Smartsheet API docs, paging"},
    {"USR-003", "USR", CT_MUST,
     "An organisation with only the System Admin and no events syncs successfully (exit 0) and "
     "delivers that user",
     "Smartsheet API docs, paging"},
    {"USR-004", "USR", CT_MUST,
     "A user count that is an exact multiple of the CAS entity batch (1,000) is delivered "
     "completely and the sync succeeds",
     CONTRACT " 3"},
    {"USR-005", "USR", CT_MUST,
     "CAS refusing (400) one entity batch of an organisation larger than a batch fails the sync "
     "(exit 1) without dropping those users; a rerun delivers every user",
     CONTRACT " 3, 4"},
    {"RL-001", "RL", CT_MUST,
     "Never more than rate_limit_per_minute requests per token in any rolling 60 s of duration time",
     CAS_DOC "; Smartsheet API docs, rate limiting"},
    {"RL-002", "RL", CT_MUST,
     "After a 429 (errorCode 4003) the connector waits at least one second before the next "
     "request and the sync completes",
     "Smartsheet API docs, rate limiting"},
    {"RL-003", "RL", CT_SHOULD, "Repeated 429s lead to growing waits (backoff)",
     "Smartsheet API docs, rate limiting"},
    {"RL-004", "RL", CT_MUST,
     "Against a service whose limit is lower than the configured one the connector adapts and "
     "finishes",
     "Smartsheet API docs, rate limiting"},
    {"RL-005", "RL", CT_SHOULD,
     "A backfill makes at most the minimum number of requests plus a margin of two",
     "Smartsheet API docs, rate limiting"},
    {"RES-001", "RES", CT_MUST,
     "Server errors (4001 503, 4002 500, bare 502) are retried and every event arrives once",
     "Smartsheet API docs, error codes"},
    {"RES-002", "RES", CT_MUST, "Error 4004 is retried and every event arrives once",
     "Smartsheet API docs, error codes"},
    {"RES-003", "RES", CT_MUST,
     "A closed connection is retried and every event arrives once", CONTRACT " 3"},
    {"RES-004", "RES", CT_MUST,
     "A stalled response is abandoned after a sane timeout and retried; every event arrives once",
     CONTRACT " 3"},
    {"RES-005", "RES", CT_MUST,
     "Truncated and malformed pages are never taken as data; every event arrives once",
     CONTRACT " 3"},
    {"RES-006", "RES", CT_MUST,
     "CAS refusing deliveries for a while (503, 429) loses nothing; every event arrives once",
     CONTRACT " 3, 5"},
    {"RES-007", "RES", CT_MUST,
     "Killed (SIGKILL) at any point of a sync, a rerun delivers every event, each stored once",
     CONTRACT " 3"},
    {"RES-008", "RES", CT_MUST,
     "After a crash a rerun sends again at most the batch that was in flight: CAS counts at most "
     "1,000 duplicates per crash",
     CONTRACT " 3"},
    {"RES-009", "RES", CT_MUST,
     "A delivery CAS refuses outright (400) is never dropped: the sync fails (exit 1) without "
     "moving past it, and a rerun delivers every user and event once",
     CONTRACT " 3, 4"},
    {"RES-010", "RES", CT_MUST,
     "Answers from a load balancer in front of Smartsheet (HTML 502, 503 and 504 pages, a 429 "
     "without a JSON body) are retried, the 429 after a wait, and every event arrives once",
     "Smartsheet API docs, error codes; HTTP 429 (RFC 6585)"},
    {"RES-011", "RES", CT_MUST,
     "An answer of CAS to a delivery that cannot be read (a 2xx whose body is not a JSON object, "
     "a body cut short) is neither a delivery nor a refusal: it is retried and every event "
     "arrives once",
     CONTRACT " 3 (since 1.5)"},
    {"RES-012", "RES", CT_MUST,
     "A CAS answer 200 that rejects an activity of a batch is never taken as a delivery: the sync "
     "fails (exit 1) without moving past the batch, and a rerun delivers every event once",
     CONTRACT " 3 (since 1.2)"},
    {"RES-013", "RES", CT_MUST,
     "A users page without data, or a first users page without totalCount, never crashes the "
     "connector: the sync ends with a documented exit (0, 1 or 5) and a rerun delivers every user "
     "and event once",
     CONTRACT " 3, 4 (since 1.5)"},
    {"RES-014", "RES", CT_SHOULD,
     "`run` (optional), stopped with SIGTERM while CAS holds one of its batches, waits for that "
     "batch and exits 0, and a sync afterwards delivers every user and event once",
     CONTRACT " 3 (run), 9.4 (since 1.6)"},
    {"MAP-001", "MAP", CT_MUST,
     "Every activity has CAS's required fields, appId 11934, appName Smartsheet, source 2 and the "
     "event's time as timestamp (no structural violation at CAS)",
     "docs/cas-ingestion-api.md; " CONTRACT " 6"},
    {"MAP-002", "MAP", CT_MUST, "rawDataJson is the Smartsheet event, unchanged", CONTRACT " 6"},
    {"MAP-003", "MAP", CT_MUST,
     "Each activity's eventTypeValue, activityType, eventType, eventTypeName and description "
     "follow the mapping table",
     "docs/mapping.md; " CONTRACT " 6"},
    {"MAP-004", "MAP", CT_MUST,
     "No activity carries an IP address outside rawDataJson and none is a log on or log out",
     CAS_DOC " (limitations)"},
    {"MAP-005", "MAP", CT_MUST,
     "Each activity's user is the event's email address, or the account name Smartsheet for "
     "system users",
     CAS_DOC " (limitations); " CONTRACT " 6"},
    {"MAP-006", "MAP", CT_MUST,
     "An event without an email address is attributed to its user's email address from the "
     "user list",
     CONTRACT " 6 (since 1.2)"},
    {"MAP-007", "MAP", CT_MUST,
     "Smartsheet's log-in and log-out events (the table's authentication rows) are each "
     "delivered, and none becomes a CAS log on, log out or failed log on",
     "CAS docs, Connect Smartsheet to Defender for Cloud Apps (limitations); "
     CONTRACT " 6 (since 1.4)"},
    {"SEC-001", "SEC", CT_MUST,
     "No secret (client secret, code, access or refresh token, CAS token) appears in the "
     "connector's output or logs",
     CONTRACT " 1; RFC 9700 4.14"},
    {"SEC-002", "SEC", CT_MUST,
     "State files are private (no group or other permissions) and no secret is written outside "
     "state_dir",
     CONTRACT " 1"},
    {"SEC-003", "SEC", CT_MUST,
     "TLS certificates are verified: an untrusted server certificate is refused", "RFC 6749 10.9"},
    {"SEC-004", "SEC", CT_MUST, "With ca_file naming the issuing CA, the same servers work over TLS",
     CONTRACT " 2"},
    {"SEC-005", "SEC", CT_MUST,
     "No secret appears in the command line or environment of the connector or any process it "
     "starts",
     CONTRACT " 1"},
    {"SEC-006", "SEC", CT_MUST,
     "A certificate from a trusted CA but issued for another host name is refused",
     "RFC 6125 6; RFC 9110 4.3.4"},
};

size_t ct_catalogue_count(void) { return sizeof reqs / sizeof reqs[0]; }

const struct ct_req *ct_catalogue_at(size_t i)
{
    return i < ct_catalogue_count() ? &reqs[i] : NULL;
}

const struct ct_req *ct_catalogue_find(const char *id)
{
    for (size_t i = 0; i < ct_catalogue_count(); i++)
        if (!strcmp(reqs[i].id, id))
            return &reqs[i];
    return NULL;
}

size_t ct_group_count(void) { return sizeof groups / sizeof groups[0]; }

const struct ct_group *ct_group_at(size_t i)
{
    return i < ct_group_count() ? &groups[i] : NULL;
}

const struct ct_group *ct_group_find(const char *id)
{
    for (size_t i = 0; i < ct_group_count(); i++)
        if (!strcmp(groups[i].id, id))
            return &groups[i];
    return NULL;
}

const char *ct_level_name(enum ct_level l) { return l == CT_MUST ? "MUST" : "SHOULD"; }

int ct_catalogue_markdown(struct buf *out)
{
    buf_puts(out, "# Conformance requirements\n\n"
                  "Generated from `conformance/catalogue.c` (`conformance --list --markdown`); "
                  "a test keeps the two equal.\nA MUST that fails fails the run; a SHOULD "
                  "that fails is a warning. Ids are stable: a\nrequirement that changes gets "
                  "a new id.\n");
    for (size_t g = 0; g < ct_group_count(); g++) {
        buf_printf(out, "\n## %s: %s\n\n| id | level | requirement | source |\n|---|---|---|---|\n",
                   groups[g].id, groups[g].title);
        for (size_t i = 0; i < ct_catalogue_count(); i++)
            if (!strcmp(reqs[i].group, groups[g].id))
                buf_printf(out, "| %s | %s | %s | %s |\n", reqs[i].id,
                           ct_level_name(reqs[i].level), reqs[i].statement, reqs[i].source);
    }
    return out->err ? -1 : 0;
}
