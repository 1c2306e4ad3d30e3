/* ambient.c - the checks every test makes on what its connector did,
 * whatever the test is about (see judge.h): a rule that holds only in the
 * test written for it is not a rule.  Each verdict is recorded only when
 * the test gave it something to judge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctenv.h"
#include "judge.h"
#include "verdict.h"

/* OAUTH-011: every API request carries the token in the header only. */
static void bearer(const cJSON *journal)
{
    int api = 0, bad = 0;
    long long bad_seq = 0;
    const char *why = "";
    const cJSON *it;
    cJSON_ArrayForEach(it, journal) {
        const char *p = ct_jstr(it, "path");
        if (!p || strncmp(p, "/2.0/", 5) || !strncmp(p, "/2.0/token", 10))
            continue;
        api++;
        const char *auth = ct_jstr(it, "auth"), *q = ct_jstr(it, "query");
        int in_url = q && strstr(q, "access_token=");
        if ((!auth || strcmp(auth, "Bearer") || in_url) && !bad++) {
            bad_seq = ct_jnum(it, "seq");
            why = in_url ? "access_token in the URL" : "no Bearer Authorization header";
        }
    }
    if (api == 0)
        return;
    char first[120] = "";
    if (bad)
        snprintf(first, sizeof first, " (first: request #%lld, %s)", bad_seq, why);
    ct_verdict("OAUTH-011", !bad, "%d API requests, %d without a Bearer header or with the "
               "token in the URL%s", api, bad, first);
}

/* RL-001: no token's requests exceed the configured budget in any rolling
 * 60 s of duration time (the double's clock, not the suite's). */
static void budget(const struct ct_env *e, const cJSON *journal)
{
    const cJSON *lim = cJSON_GetObjectItemCaseSensitive(e->config, "rate_limit_per_minute");
    int limit = cJSON_IsNumber(lim) ? (int)lim->valuedouble : 300;
    struct ct_req_time *r = NULL;
    int n = ct_api_requests(journal, &r);
    long long end = 0;
    int best = n ? ct_busiest_window(r, n, 60000, &end) : 0;
    free(r);
    if (n == 0)
        return;
    ct_verdict("RL-001", best <= limit,
               "rate_limit_per_minute %d: at most %d requests of one token in any 60 s of "
               "duration time (the busiest ending at request #%lld), %d requests in all",
               limit, best, end, n);
}

/* SEC-001: what the runs printed (scanned whole as each ended). */
static void output(const struct ct_env *e)
{
    if (!e->scanned_runs)
        return;
    char cmds[300] = "";
    size_t k = 0;
    for (int i = 0; i < e->nruns && k + 30 < sizeof cmds; i++)
        k += (size_t)snprintf(cmds + k, sizeof cmds - k, "%s%s", i ? ", " : "", e->runs[i].cmd);
    ct_verdict("SEC-001", !e->leak[0], "%lld bytes of output from %d connector run%s (%s): %s",
               e->scanned_bytes, e->scanned_runs, e->scanned_runs == 1 ? "" : "s", cmds,
               e->leak[0] ? e->leak : "no secret");
}

void ct_ambient_judge(struct ct_env *e)
{
    output(e);
    cJSON *j = ct_ss_journal(e, NULL);
    if (!j)
        return;
    bearer(j);
    budget(e, j);
    cJSON_Delete(j);
}
