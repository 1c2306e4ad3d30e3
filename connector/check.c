/* check.c - "Test now": the token works, the user is a System Admin, Event
 * Reporting answers.  The outcome goes to CAS as the connection status. */
#include <stdio.h>
#include <string.h>

#include "defects.h"
#include "cas.h"
#include "commands.h"
#include "dclock.h"
#include "log.h"
#include "ssapi.h"
#include "strutil.h"

static enum conn_rc fail(struct conn_ctx *x, enum conn_rc rc, const char *stage, const char *msg)
{
    log_error("check failed at '%s': %s", stage, msg);
    conn_cas_status(x, "error", stage, msg);
    return rc;
}

static void describe(const struct conn_ss_answer *a, char *out, size_t cap)
{
    if (!a->status)
        snprintf(out, cap, "no usable answer");
    else
        snprintf(out, cap, "HTTP %ld, errorCode %d%s%s", a->status, a->error_code,
                 a->message[0] ? ": " : "", a->message);
}

enum conn_rc conn_cmd_check(struct conn_ctx *x)
{
    if (!x->have_tokens)
        return fail(x, CONN_ERR_AUTH, "Authorize",
                    "not connected: connect the app in Smartsheet (authorize) first");
    struct conn_ss_answer a;
    char msg[600], why[300];
    enum conn_rc rc = conn_ss_get(x, "users/me", &a);
    if (rc == CONN_ERR_AUTH) {
        conn_ss_answer_release(&a);
        return rc;                      /* reported by ssapi */
    }
    if (rc == CONN_ERR_TRANSIENT) {
        conn_ss_answer_release(&a);
        return fail(x, rc, "Get user", "Smartsheet did not answer; try again later");
    }
    if (rc) {
        describe(&a, why, sizeof why);
        conn_ss_answer_release(&a);
        snprintf(msg, sizeof msg, "Get user failed (%s)", why);
        if (conn_defect("get-user-unexplained"))
            msg[0] = '\0';
        return fail(x, CONN_ERR_OTHER, "Get user", msg);
    }
    const cJSON *admin = cJSON_GetObjectItemCaseSensitive(a.json, "admin");
    int is_admin = cJSON_IsTrue(admin) || conn_defect("admin-not-checked");
    conn_ss_answer_release(&a);
    if (!is_admin)
        return fail(x, CONN_ERR_PREREQ, "Get user",
                    "the connected user is not a System Admin; connect as a System Admin of "
                    "the Smartsheet account");

    if (conn_defect("events-not-checked")) {
        conn_cas_status(x, "connected", NULL, NULL);
        return CONN_OK;
    }
    char since[32], path[128];
    format_iso8601(dclock_wall_ms() - 3600 * 1000, since);
    snprintf(path, sizeof path, "events?since=%s&maxCount=1", since);
    rc = conn_ss_get(x, path, &a);
    if (rc == CONN_ERR_AUTH) {
        conn_ss_answer_release(&a);
        return rc;
    }
    if (rc == CONN_ERR_TRANSIENT) {
        conn_ss_answer_release(&a);
        return fail(x, rc, "Get events", "Smartsheet did not answer; try again later");
    }
    if (rc) {
        describe(&a, why, sizeof why);
        int refused = a.status == 403 || a.status == 404;
        conn_ss_answer_release(&a);
        snprintf(msg, sizeof msg, "%s (%s)",
                 refused ? "Event Reporting is not available: the account needs the Event "
                           "Reporting add-on and a System Admin"
                         : "Get events failed",
                 why);
        return fail(x, refused ? CONN_ERR_PREREQ : CONN_ERR_OTHER, "Get events", msg);
    }
    conn_ss_answer_release(&a);
    conn_cas_status(x, "connected", NULL, NULL);
    log_info("check passed: System Admin, Event Reporting readable");
    return CONN_OK;
}
