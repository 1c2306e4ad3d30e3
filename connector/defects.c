/* defects.c - the switch behind conn_defect() (test build only).
 *
 * name                      breaks
 * authorize-url-derived     OAUTH-001 the consent URL is built from smartsheet_api_url
 * state-predictable         OAUTH-002 every consent URL carries the same state
 * state-timestamp           OAUTH-002 the state is the clock, in 32 hex digits
 * state-prefix-match        OAUTH-003 states are compared loosely (a prefix, any case)
 * code-retried              OAUTH-006 a failed code exchange is tried again
 * tokens-saved-late         OAUTH-012 refreshed tokens are written when the program ends
 * state-not-checked         OAUTH-003 any callback state is accepted
 * denial-not-reported       OAUTH-004 access_denied is not reported to CAS
 * plain-secret              OAUTH-005 client_secret sent instead of hash
 * code-reused               OAUTH-006 the code is exchanged twice
 * no-refresh                OAUTH-007/008 tokens are never refreshed
 * refresh-not-rotated       OAUTH-009 the old refresh token is kept
 * calls-after-refusal       OAUTH-010 a refused refresh is ignored
 * tokens-kept-after-refusal OAUTH-010 the dead tokens stay: the next run calls the API again
 * refused-after-refresh-exit-1 OAUTH-014 a token refused again after a refresh exits 1, unreported
 * needs-error-field         OAUTH-010 a refusal without OAuth's "error" field is retried
 * token-in-url              OAUTH-011 access_token also sent as a query parameter
 * admin-not-checked         PRE-001 Test now ignores admin:false
 * events-not-checked        PRE-002 Test now skips the events probe
 * get-user-unexplained      PRE-010 a failed Get user is reported with an empty message
 * unknown-key-accepted      PRE-005 unknown config keys are ignored
 * backfill-30-days          BF-001/003 the first sync starts 30 days back
 * local-time                BF-001/002 the backfill start is local time written as UTC
 * first-page-only           BF-002 moreAvailable is ignored
 * empty-page-ends           BF-002 an empty page with moreAvailable true is taken as the end
 * since-every-time          INC-001/002/004 every sync starts from the backfill window
 * trusts-next-position      INC-004 a last page without nextStreamPosition clears the position
 * users-first-page-only     USR-001/002 only the first users page is read
 * lone-user-dropped         USR-003 an organisation of one user delivers no entity
 * empty-entity-batch        USR-004/005 an empty entity batch is posted when the last one was full
 * entity-refusal-forgotten  USR-005 a refused entity batch inside the users walk is forgotten
 * no-rate-limit             RL-001 the client-side budget is off
 * budget-over               RL-001 the budget is 3% over the configured limit
 * budget-not-shared         RL-001 each run starts with a fresh budget
 * halved-to-nothing         RL-001 halving an own limit of 1 gives 0, read as no limit
 * short-wait-after-429      RL-002/003 waits after a 429 are a 25th of the normal ones
 * no-backoff                RL-002/003 429 answers are retried at once
 * 429-gives-up              RL-004 four 429s in a row end the sync (exit 5)
 * no-retry                  RES-001..006/010 the first failure ends the sync
 * server-error-fatal        RES-001/010 a 5xx other than 4004 ends the sync
 * 4004-fatal                RES-002 errorCode 4004 ends the sync
 * closed-fatal              RES-003 a connection closed without an answer ends the sync
 * stall-fatal               RES-004 a stalled answer ends the sync (abandoned, not retried)
 * bad-page-fatal            RES-005 a truncated or malformed page ends the sync
 * html-error-fatal          RES-001/010 an error answer whose body is not JSON ends the sync
 * cas-refusal-fatal         RES-006 CAS answering 429 or 5xx ends the sync
 * save-before-deliver       RES-007 the position is saved before CAS accepted
 * refusal-skipped           RES-009 a batch CAS refuses (400) is skipped
 * cas-unreadable-fatal      RES-011 a CAS 2xx answer that is not a JSON object ends the sync
 * rejections-ignored        RES-012 a CAS answer 200 that rejects activities counts as delivered
 * users-data-assumed        RES-013 a users page without data crashes the connector (abort)
 * position-at-end           RES-008 only a page's end is saved, never a batch inside it
 * sigterm-default           RES-014 `run` leaves SIGTERM to its default action (it dies)
 * stop-abandons-batch       RES-014 `run` exits 0 at SIGTERM at once, leaving its batch in flight
 * ip-in-activity            MAP-004 device.clientIP copied into the activity
 * raw-altered               MAP-002 rawDataJson re-printed without its source field
 * escapes-ignored           BF-002  the raw scan ends a string at an escaped quote (\")
 * timestamp-in-seconds      MAP-001 the activity's timestamp is in seconds, not ms
 * template-unfilled         MAP-003 descriptions keep their {placeholders}
 * wrong-system-user         MAP-005 system events keep the email address
 * email-less-by-id          MAP-006 an event without an address is named by its user id
 * login-as-log-on           MAP-007 Smartsheet log-in/log-out events become CAS Log on/Log out
 * auth-events-dropped       MAP-007 Smartsheet log-in/log-out events are left out (a warning)
 * secret-in-log             SEC-001 the client secret is logged
 * state-world-readable      SEC-002 state files are written 0644
 * no-tls-verify             SEC-003 certificates are not verified
 * no-host-verify            SEC-006 the certificate's host name is not checked
 */
#include "defects.h"

#ifdef KIT_DEFECTS
#include <stdlib.h>
#include <string.h>

int conn_defect(const char *name)
{
    const char *list = getenv("KIT_DEFECT");
    if (!list || !*list)
        return 0;
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && !strncmp(p, name, n))
            return 1;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}
#else
/* The real connector has no defects; keep the unit non-empty for ISO C. */
typedef int conn_defects_unused;
#endif
