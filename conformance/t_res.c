/* t_res.c - resilience (RES-001..007): faults on either side, then every
 * event must be stored exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "ctenv.h"
#include "dclock.h"
#include "judge.h"
#include "tests.h"
#include "verdict.h"

#define RUN_MS 90000
/* A sync facing one stalled answer must be done long before the stall ends
 * (six hours of duration time: six minutes of real time at time scale 60). */
#define STALL_RUN_MS 60000
#define STALL "21600000"  /* six hours of duration time */

struct fault {
    int cas;              /* 1: a mock-cas rule, else mock-smartsheet */
    const char *rule;     /* JSON; "%lld" is replaced by the CAS instance id */
};

/* Connects, installs the faults, syncs once and judges: the sync must
 * succeed by itself (a retry, not a rerun) and deliver every event once.
 * retried_path: when set, the journal must show that path asked again
 * (proof that a stalled request was abandoned rather than waited out). */
static void fault_case(const char *id, const char *what, const struct fault *f, int nf,
                       int run_ms, const char *retried_path)
{
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "default"};
    if (ct_env_start(&e, &cfg)) {
        ct_blocked(id, "setup failed: %s", e.err);
        goto out;
    }
    if (ct_env_connect(&e)) {
        ct_blocked(id, "could not connect: %s", e.err);
        goto out;
    }
    for (int i = 0; i < nf; i++) {
        char rule[512];
        snprintf(rule, sizeof rule, "%s", f[i].rule);
        int rc = f[i].cas ? ct_cas_do(&e, "POST", "/_mock/faults", rule)
                          : ct_ss_do(&e, "POST", "/_mock/faults", rule);
        if (rc) {
            ct_blocked(id, "fault rule refused: %s", e.err);
            goto out;
        }
    }
    int64_t t0 = dclock_wall_ms();
    int s1 = ct_sync_ok(&e, run_ms);
    char err1[600];
    snprintf(err1, sizeof err1, "%s", s1 ? e.err : "");
    int asks = -1;
    if (retried_path) {
        cJSON *j = ct_ss_journal(&e, retried_path);
        asks = cJSON_GetArraySize(j);
        cJSON_Delete(j);
    }
    struct ct_delivery d;
    char text[600];
    if (ct_delivery_check(&e, t0 - 7 * CT_DAY_MS, &d)) {
        ct_blocked(id, "%s", e.err);
        goto out;
    }
    ct_delivery_text(&d, text, sizeof text);
    char retried[120] = "";
    if (retried_path)
        snprintf(retried, sizeof retried, "; %s asked %d time%s (want a retry)", retried_path,
                 asks, asks == 1 ? "" : "s");
    ct_verdict(id, s1 == 0 && ct_delivery_ok(&d) && (!retried_path || asks >= 2),
               "%s: sync %s%s%s; %s", what, s1 ? "failed: " : "succeeded", err1, retried, text);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_5xx(void **st)
{
    (void)st;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/events\",\"action\":\"error\",\"errorCode\":4001,\"count\":1}"},
        {0, "{\"path\":\"/2.0/events\",\"action\":\"status\",\"status\":502,\"count\":1}"},
        {0, "{\"path\":\"/2.0/users\",\"action\":\"error\",\"errorCode\":4002,\"count\":1}"},
    };
    fault_case("RES-001", "events answered 4001 then a bare 502, users 4002", f, 3, RUN_MS, NULL);
}

static void test_4004(void **st)
{
    (void)st;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/events\",\"action\":\"error\",\"errorCode\":4004,\"count\":2}"},
        {0, "{\"path\":\"/2.0/users\",\"action\":\"error\",\"errorCode\":4004,\"count\":1}"},
    };
    fault_case("RES-002", "events answered 4004 twice, users once", f, 2, RUN_MS, NULL);
}

static void test_close(void **st)
{
    (void)st;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/events\",\"action\":\"close\",\"count\":2}"},
        {0, "{\"path\":\"/2.0/users\",\"action\":\"close\",\"count\":1}"},
    };
    fault_case("RES-003", "connections closed without an answer (events twice, users once)", f,
               2, RUN_MS, NULL);
}

static void test_stall(void **st)
{
    (void)st;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/events\",\"action\":\"delay\",\"delayMs\":" STALL ",\"count\":1}"},
    };
    fault_case("RES-004", "the first events answer stalled for six hours of duration time", f, 1,
               STALL_RUN_MS, NULL);
}

static void test_bad_pages(void **st)
{
    (void)st;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/events\",\"action\":\"truncate\",\"count\":1}"},
        {0, "{\"path\":\"/2.0/events\",\"action\":\"malformed\",\"count\":1}"},
        {0, "{\"path\":\"/2.0/users\",\"action\":\"malformed\",\"count\":1}"},
    };
    fault_case("RES-005", "an events page truncated, then one malformed, a users page malformed",
               f, 3, RUN_MS, NULL);
}

static void test_cas_refusal(void **st)
{
    (void)st;
    const struct fault f[] = {
        {1, "{\"path\":\"/api/v1/app_connectors/*\",\"method\":\"POST\",\"action\":\"error\","
            "\"errorCode\":503,\"count\":2}"},
        {1, "{\"path\":\"/api/v1/app_connectors/*\",\"method\":\"POST\",\"action\":\"error\","
            "\"errorCode\":429,\"count\":2}"},
    };
    fault_case("RES-006", "CAS answered 503 twice, then 429 twice", f, 2, RUN_MS, NULL);
}

/* How many times the first fault rule of a double has fired; -1 unknown. */
static long long fault_fired(struct ct_env *e, int cas)
{
    cJSON *j = cas ? ct_cas(e, "GET", "/_mock/faults", NULL) : ct_ss(e, "GET", "/_mock/faults", NULL);
    const cJSON *list = cJSON_IsArray(j) ? j : cJSON_GetObjectItemCaseSensitive(j, "faults");
    long long n = cJSON_GetArraySize(list) > 0 ? ct_jnum(cJSON_GetArrayItem(list, 0), "fired") : -1;
    cJSON_Delete(j);
    return n;
}

/* Starts a sync, waits until the fault holding one of its requests has
 * fired (that request is in flight), then kills the connector with
 * SIGKILL.  how says where the kill landed. */
static int killed_sync(struct ct_env *e, int cas, const char *rule, char *how, size_t cap,
                       int *crashes)
{
    int rc = cas ? ct_cas_do(e, "POST", "/_mock/faults", rule)
                 : ct_ss_do(e, "POST", "/_mock/faults", rule);
    pid_t pid;
    if (rc || ct_env_spawn(e, "sync", &pid))
        return -1;
    int64_t deadline = dclock_mono_ms() + ct_budget_ms(30000);
    int held = 0;
    char ended[64] = "";
    while (dclock_mono_ms() < deadline) {
        if (fault_fired(e, cas) >= 1) {
            held = 1;
            break;
        }
        if (!ct_env_running(pid, ended, sizeof ended))
            break;
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    char killed[64] = "";
    if (!ended[0])
        ct_env_kill(pid, killed, sizeof killed);
    *crashes += held;
    if (held)
        snprintf(how, cap, "%s while the request was held", killed);
    else
        snprintf(how, cap, "never reached the crash point: %s", ended[0] ? ended : killed);
    return cas ? ct_cas_do(e, "DELETE", "/_mock/faults", NULL)
               : ct_ss_do(e, "DELETE", "/_mock/faults", NULL);
}

static void test_crash(void **st)
{
    (void)st;
    const char *id = "RES-007";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "default"};
    if (ct_env_start(&e, &cfg)) {
        ct_blocked(id, "setup failed: %s", e.err);
        goto out;
    }
    if (ct_env_connect(&e)) {
        ct_blocked(id, "could not connect: %s", e.err);
        goto out;
    }
    int64_t t0 = dclock_wall_ms();
    char h1[100] = "", h2[100] = "", h3[100] = "", h4[100] = "", batch1[300], batch2[300];
    int crashes = 0;
    snprintf(batch1, sizeof batch1,
             "{\"path\":\"/api/v1/app_connectors/%lld/activities*\",\"method\":\"POST\","
             "\"nth\":1,\"action\":\"delay\",\"delayMs\":" STALL "}", e.instance_id);
    snprintf(batch2, sizeof batch2,
             "{\"path\":\"/api/v1/app_connectors/%lld/activities*\",\"method\":\"POST\","
             "\"nth\":2,\"action\":\"delay\",\"delayMs\":" STALL "}", e.instance_id);
    if (killed_sync(&e, 0, "{\"path\":\"/2.0/users\",\"action\":\"delay\",\"delayMs\":" STALL
                           ",\"count\":1}", h1, sizeof h1, &crashes) ||
        killed_sync(&e, 1, batch1, h2, sizeof h2, &crashes) ||
        killed_sync(&e, 1, batch2, h4, sizeof h4, &crashes) ||
        killed_sync(&e, 0, "{\"path\":\"/2.0/events\",\"action\":\"delay\",\"delayMs\":" STALL
                           ",\"count\":1}", h3, sizeof h3, &crashes)) {
        ct_blocked(id, "setup: %s", e.err);
        goto out;
    }
    if (!crashes) {              /* a rerun after no crash proves nothing */
        ct_blocked(id, "no sync reached a crash point: users (%s), first delivery (%s), second "
                   "delivery (%s), events (%s)", h1, h2, h4, h3);
        goto out;
    }
    int s = ct_sync_ok(&e, RUN_MS);
    struct ct_delivery d;
    char text[600];
    if (ct_delivery_check(&e, t0 - 7 * CT_DAY_MS, &d)) {
        ct_blocked(id, "%s", e.err);
        goto out;
    }
    ct_delivery_text(&d, text, sizeof text);
    ct_verdict(id, s == 0 && ct_delivery_ok(&d),
               "syncs killed while reading users (%s), during the first delivery to CAS (%s), "
               "during the second delivery of the next run (%s) and while reading events (%s); "
               "the rerun %s; %s", h1, h2, h4, h3,
               s == 0 ? "succeeded" : e.err, text);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

const struct ct_test ct_res_tests[] = {
    {"resilience_5xx", "RES-001", test_5xx},
    {"resilience_4004", "RES-002", test_4004},
    {"resilience_closed_connection", "RES-003", test_close},
    {"resilience_stall", "RES-004", test_stall, 1},
    {"resilience_bad_pages", "RES-005", test_bad_pages},
    {"resilience_cas_refusal", "RES-006", test_cas_refusal},
    {"resilience_crash_resume", "RES-007", test_crash, 1},
};
const size_t ct_res_test_count = sizeof ct_res_tests / sizeof ct_res_tests[0];
