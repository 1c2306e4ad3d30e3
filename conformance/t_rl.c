/* t_rl.c - rate limit (RL-001..004; RL-005 is judged on the backfill in
 * t_sync.c through ct_rl_judge_frugal). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctenv.h"
#include "dclock.h"
#include "judge.h"
#include "tests.h"
#include "verdict.h"

#define RUN_MS 90000
#define WINDOW_MS 60000

static int setup(struct ct_env *e, const struct ct_env_cfg *cfg, const char *reqs)
{
    if (ct_env_start(e, cfg)) {
        ct_blocked(reqs, "setup failed: %s", e->err);
        return -1;
    }
    if (ct_env_connect(e)) {
        ct_blocked(reqs, "could not connect: %s", e->err);
        return -1;
    }
    return 0;
}

static void test_window(void **st)
{
    (void)st;
    const char *reqs = "RL-001";
    const int limit = 3;
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "users-200"};
    if (setup(&e, &cfg, reqs))
        goto out;
    cJSON_AddNumberToObject(e.config, "rate_limit_per_minute", limit);
    if (ct_env_write_config(&e) ||
        ct_ss_do(&e, "POST", "/_mock/faults",
                 "{\"path\":\"/2.0/events\",\"action\":\"error\",\"errorCode\":4001,\"count\":3}")) {
        ct_blocked(reqs, "setup: %s", e.err);
        goto out;
    }
    int s = ct_sync_ok(&e, RUN_MS);
    cJSON *j = ct_ss_journal(&e, "/2.0/");
    struct ct_req_time *r = NULL;
    int n = j ? ct_api_requests(j, &r) : 0;
    long long end = 0;
    int best = ct_busiest_window(r, n, WINDOW_MS, &end);
    if (n <= limit)
        ct_blocked(reqs, "only %d requests were made, too few to judge a limit of %d", n, limit);
    else
        ct_verdict("RL-001", best <= limit,
                   "rate_limit_per_minute %d: %d requests in the 60 s ending at request #%lld "
                   "(%d requests in all, sync %s)", limit, best, end, n,
                   s == 0 ? "succeeded" : "failed");
    free(r);
    cJSON_Delete(j);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_429(void **st)
{
    (void)st;
    const char *reqs = "RL-002,RL-003";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    if (setup(&e, &cfg, reqs))
        goto out;
    if (ct_ss_do(&e, "POST", "/_mock/faults",
                 "{\"path\":\"/2.0/events\",\"action\":\"error\",\"errorCode\":4003,\"count\":3}")) {
        ct_blocked(reqs, "fault: %s", e.err);
        goto out;
    }
    int s = ct_sync_ok(&e, RUN_MS);
    cJSON *j = ct_ss_journal(&e, "/2.0/events");
    long long dur[4] = {0}, seqs[4] = {0};
    int k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        if (k < 4) {
            dur[k] = ct_jnum(it, "durationMs");
            seqs[k] = ct_jnum(it, "seq");
        }
        k++;
    }
    if (k < 2) {
        ct_verdict("RL-002", 0, "after the 429 at request #%lld the events were never asked again "
                   "(sync %s)", seqs[0], s == 0 ? "succeeded" : e.err);
        ct_blocked("RL-003", "no retries to judge");
    } else {
        long long g1 = dur[1] - dur[0];
        ct_verdict("RL-002", s == 0 && g1 >= 1000,
                   "the retry (#%lld) came %lld ms of duration time after the 429 (#%lld); sync %s",
                   seqs[1], g1, seqs[0], s == 0 ? "succeeded" : "failed");
        if (k < 4) {
            ct_verdict("RL-003", 0, "only %d events requests for three 429s in a row", k);
        } else {
            /* Growth, not jitter: the third wait clearly longer than the first. */
            long long g2 = dur[2] - dur[1], g3 = dur[3] - dur[2];
            ct_verdict("RL-003", g3 >= g1 + 1000 && g3 >= 2000,
                       "waits after three 429s in a row: %lld, %lld, %lld ms of duration time",
                       g1, g2, g3);
        }
    }
    cJSON_Delete(j);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_lower_limit(void **st)
{
    (void)st;
    const char *reqs = "RL-004";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "users-200", .rate_limit = "2/60"};
    if (setup(&e, &cfg, reqs))
        goto out;
    cJSON_AddNumberToObject(e.config, "rate_limit_per_minute", 300);
    int64_t t0 = dclock_wall_ms();
    if (ct_env_write_config(&e)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    int s = ct_sync_ok(&e, RUN_MS);
    char err[600];
    snprintf(err, sizeof err, "%s", e.err);
    cJSON *stats = ct_ss(&e, "GET", "/_mock/stats", NULL);
    long long n429 = ct_jnum(stats, "served429");
    cJSON_Delete(stats);
    struct ct_delivery d;
    char text[600] = "";
    int dok = ct_delivery_check(&e, t0 - 7 * CT_DAY_MS, &d) == 0;
    if (dok)
        ct_delivery_text(&d, text, sizeof text);
    ct_verdict("RL-004", s == 0 && dok && ct_delivery_ok(&d),
               "service limit 2/60 s, configured 300: sync %s; %s; %lld answers 429",
               s == 0 ? "succeeded" : err, dok ? text : e.err, n429);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

void ct_rl_judge_frugal(struct ct_env *e, int users, int events_in_window)
{
    cJSON *j = ct_ss_journal(e, "/2.0/");
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *p = ct_jstr(it, "path");
        if (p && (!strncmp(p, "/2.0/users", 10) || !strncmp(p, "/2.0/events", 11)))
            n++;
    }
    int min = 1 + (events_in_window + 9999) / 10000;
    if (min < 2)
        min = 2;
    if (!j)
        ct_blocked("RL-005", "%s", e->err);
    else
        ct_verdict("RL-005", n <= min + 2,
                   "the backfill of %d users and %d events made %d users/events requests; the "
                   "minimum is %d (users with includeAll, events 10000 a page)",
                   users, events_in_window, n, min);
    cJSON_Delete(j);
}

const struct ct_test ct_rl_tests[] = {
    {"rate_limit_window", "RL-001", test_window, 1},
    {"rate_limit_429_backoff", "RL-002,RL-003", test_429},
    {"rate_limit_lower_service_limit", "RL-004", test_lower_limit, 1},
};
const size_t ct_rl_test_count = sizeof ct_rl_tests / sizeof ct_rl_tests[0];
