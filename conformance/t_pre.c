/* t_pre.c - prerequisites and "Test now" (PRE-001..010). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "buf.h"
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
    if (ct_env_ready(&e, &cfg, id))
        goto out;
    if (ct_env_run(&e, "check", NULL, NULL, RUN_MS, -1, &r)) {
        ct_blocked(id, "%s", e.err);
        goto out;
    }
    ran = 1;
    struct ct_status_seen c;
    ct_status_seen_read(&e, &c);
    char how[64];
    ct_run_outcome(&r, how, sizeof how);
    int ok = r.exited && r.code == want_exit && c.status && !strcmp(c.status, want_status) &&
             (!want_stage || (c.stage && !strcmp(c.stage, want_stage))) &&
             (!want_words || (c.msg && strcasestr(c.msg, want_words)));
    ct_judge(&e, id, ok,
               "scenario %s: check %s (want exit %d); last CAS status %s/%s \"%s\" (want %s%s%s%s%s)",
               scenario, how, want_exit, c.status ? c.status : "none", c.stage ? c.stage : "-",
               c.shown, want_status, want_stage ? "/" : "", want_stage ? want_stage : "",
               want_words ? " naming " : "", want_words ? want_words : "");
    cJSON_Delete(c.last);
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

/* PRE-010: Test now where the user request fails with a 4xx that is neither
 * a token problem nor a missing right (404, Smartsheet's "Not Found"). */
static void test_get_user_fails(void **st)
{
    (void)st;
    const char *id = "PRE-010";
    struct ct_env e;
    struct ct_env_cfg cfg = {0};
    struct run_result r;
    int ran = 0;
    if (ct_env_ready(&e, &cfg, id))
        goto out;
    if (ct_ss_do(&e, "POST", "/_mock/faults",
                 "{\"path\":\"/2.0/users/me\",\"action\":\"error\",\"errorCode\":1006}") ||
        ct_env_run(&e, "check", NULL, NULL, RUN_MS, -1, &r)) {
        ct_blocked(id, "%s", e.err);
        goto out;
    }
    ran = 1;
    struct ct_status_seen c;
    ct_status_seen_read(&e, &c);
    char how[64];
    ct_run_outcome(&r, how, sizeof how);
    /* The problem is named by the HTTP status, Smartsheet's errorCode or its
     * message. */
    int named = c.msg && (strstr(c.msg, "404") || strstr(c.msg, "1006") ||
                          strcasestr(c.msg, "not found"));
    int ok = r.exited && r.code != 0 && c.status && !strcmp(c.status, "error") && c.stage &&
             !strcmp(c.stage, "Get user") && named;
    ct_judge(&e, id, ok,
             "GET /users/me answered 404 (errorCode 1006, \"Not Found.\"): check %s (want a "
             "failure); last CAS status %s/%s \"%s\" (want error/Get user naming 404, 1006 or "
             "Not Found)", how, c.status ? c.status : "none", c.stage ? c.stage : "-", c.shown);
    cJSON_Delete(c.last);
out:
    if (ran)
        run_result_release(&r);
    ct_env_stop(&e);
    ct_verdict_end();
}

/* PRE-009: a sync (not only Test now) where Event Reporting is refused. */
static void test_sync_no_event_reporting(void **st)
{
    (void)st;
    const char *reqs = "PRE-009";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "no-event-reporting"};
    struct run_result r;
    if (ct_env_ready(&e, &cfg, reqs))
        goto out;
    if (ct_env_run(&e, "sync", NULL, NULL, RUN_MS, -1, &r)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    char how[64];
    ct_judge(&e, "PRE-009", r.exited && r.code == 4,
             "scenario no-event-reporting: sync %s (want exit 4)",
             ct_run_outcome(&r, how, sizeof how));
    run_result_release(&r);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_healthy(void **st)
{
    (void)st;
    check_case("PRE-003", "default", 0, "connected", NULL, NULL);
}

static void test_usage(void **st)
{
    (void)st;
    const char *reqs = "PRE-004,PRE-005,PRE-007";
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
    /* PRE-007: a command the contract does not know, with a valid config. */
    if (ct_env_run(&e, "conformance-no-such-command", NULL, NULL, RUN_MS, -1, &r) == 0) {
        ct_judge(&e, "PRE-007", r.exited && r.code == 2,
                 "command conformance-no-such-command: %s (want exit 2)",
                 ct_run_outcome(&r, how, sizeof how));
        run_result_release(&r);
    } else {
        ct_blocked("PRE-007", "%s", e.err);
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

/* PRE-006: the config keys of contract 2 that are missing, of the wrong
 * type or outside any sensible range.  Each case edits one key of the
 * working config and runs sync: the connector must exit 2 and name the key
 * on standard error.  No timing is involved: the refusal comes before any
 * request (a connector that sends requests first is still judged only on
 * its exit code and message). */
struct bad_key {
    const char *key;
    const char *what;       /* as shown in the evidence */
    int kind;               /* 0 remove, 1 string "12", 2 number 7, 3 number -1,
                             * 4 string "xml" */
};

static const struct bad_key bad_keys[] = {
    {"smartsheet_api_url", "missing", 0},
    {"cas_token", "missing", 0},
    {"cas_instance_id", "missing", 0},
    {"cas_instance_id", "a string", 1},
    {"client_id", "a number", 2},
    {"backfill_days", "-1", 3},
    {"rate_limit_per_minute", "-1", 3},
    {"log_format", "\"xml\"", 4},
};
#define NBAD (sizeof bad_keys / sizeof bad_keys[0])

static void test_bad_config(void **st)
{
    (void)st;
    const char *reqs = "PRE-006,PRE-008";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    struct buf ev;
    buf_init(&ev, 8192);
    cJSON *orig = NULL;
    if (ct_env_start(&e, &cfg)) {
        ct_blocked(reqs, "setup failed: %s", e.err);
        goto out;
    }
    orig = cJSON_Duplicate(e.config, 1);
    int all = 1;
    for (size_t k = 0; k < NBAD && orig; k++) {
        const struct bad_key *b = &bad_keys[k];
        cJSON_Delete(e.config);
        e.config = cJSON_Duplicate(orig, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(e.config, b->key);
        if (b->kind == 1)
            cJSON_AddStringToObject(e.config, b->key, "12");
        else if (b->kind == 2)
            cJSON_AddNumberToObject(e.config, b->key, 7);
        else if (b->kind == 3)
            cJSON_AddNumberToObject(e.config, b->key, -1);
        else if (b->kind == 4)
            cJSON_AddStringToObject(e.config, b->key, "xml");
        struct run_result r;
        if (!e.config || ct_env_write_config(&e) ||
            ct_env_run(&e, "sync", NULL, NULL, RUN_MS, -1, &r)) {
            ct_blocked(reqs, "could not run the connector: %s", e.err);
            goto out;
        }
        char how[64];
        int named = r.err.ptr && strstr(r.err.ptr, b->key);
        int ok = r.exited && r.code == 2 && named;
        all &= ok;
        buf_printf(&ev, "%s%s %s: %s%s", ev.len ? ", " : "", b->key, b->what,
                   ct_run_outcome(&r, how, sizeof how), ok ? "" : named ? " (named)"
                                                                  : " (key not named)");
        run_result_release(&r);
    }
    if (orig)
        ct_judge(&e, "PRE-006", all, "config with %s (want exit 2 and the key named each time)",
                   ev.ptr ? ev.ptr : "");
    else
        ct_blocked(reqs, "could not copy the config");
    /* PRE-008: the smallest sensible values are values, not errors.
     * authorize-url reads the config and makes no request. */
    cJSON_Delete(e.config);
    e.config = orig ? cJSON_Duplicate(orig, 1) : NULL;
    struct run_result r8;
    if (e.config) {
        cJSON_DeleteItemFromObjectCaseSensitive(e.config, "backfill_days");
        cJSON_DeleteItemFromObjectCaseSensitive(e.config, "rate_limit_per_minute");
    }
    if (e.config && cJSON_AddNumberToObject(e.config, "backfill_days", 1) &&
        cJSON_AddNumberToObject(e.config, "rate_limit_per_minute", 1) &&
        ct_env_write_config(&e) == 0 &&
        ct_env_run(&e, "authorize-url", NULL, NULL, RUN_MS, -1, &r8) == 0) {
        char how[64];
        int url = r8.out.ptr && strstr(r8.out.ptr, "state=");
        ct_judge(&e, "PRE-008", r8.exited && r8.code == 0 && url,
                 "config with backfill_days 1 and rate_limit_per_minute 1: authorize-url %s "
                 "(want exit 0), %s", ct_run_outcome(&r8, how, sizeof how),
                 url ? "a consent URL printed" : "no consent URL printed");
        run_result_release(&r8);
    } else {
        ct_blocked("PRE-008", "could not run the connector: %s", e.err);
    }
out:
    cJSON_Delete(orig);
    buf_release(&ev);
    ct_env_stop(&e);
    ct_verdict_end();
}

const struct ct_test ct_pre_tests[] = {
    {"pre_not_admin", "PRE-001", test_not_admin},
    {"pre_no_event_reporting", "PRE-002", test_no_event_reporting},
    {"pre_healthy", "PRE-003", test_healthy},
    {"pre_sync_no_event_reporting", "PRE-009", test_sync_no_event_reporting},
    {"pre_get_user_fails", "PRE-010", test_get_user_fails},
    {"pre_usage", "PRE-004,PRE-005,PRE-007", test_usage},
    {"pre_bad_config", "PRE-006,PRE-008", test_bad_config},
};
const size_t ct_pre_test_count = sizeof ct_pre_tests / sizeof ct_pre_tests[0];
