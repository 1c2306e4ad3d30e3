/* t_pre.c - prerequisites and "Test now" (PRE-001..005). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "ctenv.h"
#include "judge.h"
#include "strutil.h"
#include "tests.h"
#include "verdict.h"

#define RUN_MS 60000

/* Connects, runs check, and judges exit code and the last CAS status. */
static void check_case(const char *id, const char *scenario, int want_exit,
                       const char *want_status, const char *want_stage, const char *want_words)
{
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = scenario};
    struct run_result r;
    int ran = 0;
    if (ct_env_start(&e, &cfg)) {
        ct_blocked(id, "setup failed: %s", e.err);
        goto out;
    }
    if (ct_env_connect(&e)) {
        ct_blocked(id, "not judged, because %s", e.err);
        goto out;
    }
    if (ct_env_run(&e, "check", NULL, NULL, RUN_MS, -1, &r)) {
        ct_blocked(id, "%s", e.err);
        goto out;
    }
    ran = 1;
    cJSON *last = ct_cas_last_status(&e);
    const char *status = ct_jstr(last, "status"), *stage = ct_jstr(last, "stage"),
               *msg = ct_jstr(last, "message");
    char how[64], shown[200];
    ct_run_outcome(&r, how, sizeof how);
    str_sanitize(msg ? msg : "", shown, sizeof shown);
    int ok = r.exited && r.code == want_exit && status && !strcmp(status, want_status) &&
             (!want_stage || (stage && !strcmp(stage, want_stage))) &&
             (!want_words || (msg && strcasestr(msg, want_words)));
    ct_judge(&e, id, ok,
               "scenario %s: check %s (want exit %d); last CAS status %s/%s \"%s\" (want %s%s%s%s%s)",
               scenario, how, want_exit, status ? status : "none", stage ? stage : "-", shown,
               want_status, want_stage ? "/" : "", want_stage ? want_stage : "",
               want_words ? " naming " : "", want_words ? want_words : "");
    cJSON_Delete(last);
out:
    if (ran)
        run_result_release(&r);
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_not_admin(void **st)
{
    (void)st;
    check_case("PRE-001", "not-admin", 4, "error", "Get user", "System Admin");
}

static void test_no_event_reporting(void **st)
{
    (void)st;
    check_case("PRE-002", "no-event-reporting", 4, "error", "Get events", "Event Reporting");
}

static void test_healthy(void **st)
{
    (void)st;
    check_case("PRE-003", "default", 0, "connected", NULL, NULL);
}

static void test_usage(void **st)
{
    (void)st;
    const char *reqs = "PRE-004,PRE-005";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    if (ct_env_start(&e, &cfg)) {
        ct_blocked(reqs, "setup failed: %s", e.err);
        goto out;
    }
    struct run_result r;
    char how[64];
    if (ct_env_run(&e, "sync", NULL, NULL, RUN_MS, -1, &r) == 0) {
        cJSON *j = ct_ss_journal(&e, "/2.0/");
        int calls = cJSON_GetArraySize(j);
        ct_run_outcome(&r, how, sizeof how);
        if (calls > 0)
            ct_verdict("PRE-004", 0, "sync before any authorization: %s, %d Smartsheet request%s "
                       "(want exit 3 and none)", how, calls, calls == 1 ? "" : "s");
        else
            ct_judge(&e, "PRE-004", j && r.exited && r.code == 3, "sync before any "
                     "authorization: %s (want exit 3), no Smartsheet request", how);
        cJSON_Delete(j);
        run_result_release(&r);
    } else {
        ct_blocked("PRE-004", "%s", e.err);
    }
    cJSON_AddStringToObject(e.config, "conformance_unknown_key", "x");
    if (ct_env_write_config(&e) == 0 && ct_env_run(&e, "sync", NULL, NULL, RUN_MS, -1, &r) == 0) {
        int named = r.err.ptr && strstr(r.err.ptr, "conformance_unknown_key");
        ct_judge(&e, "PRE-005", r.exited && r.code == 2 && named,
                   "config with key conformance_unknown_key: %s (want exit 2), the message %s the "
                   "key", ct_run_outcome(&r, how, sizeof how), named ? "names" : "does not name");
        run_result_release(&r);
    } else {
        ct_blocked("PRE-005", "%s", e.err);
    }
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

const struct ct_test ct_pre_tests[] = {
    {"pre_not_admin", "PRE-001", test_not_admin},
    {"pre_no_event_reporting", "PRE-002", test_no_event_reporting},
    {"pre_healthy", "PRE-003", test_healthy},
    {"pre_usage", "PRE-004,PRE-005", test_usage},
};
const size_t ct_pre_test_count = sizeof ct_pre_tests / sizeof ct_pre_tests[0];
