/* t_oauth.c - OAuth requirements (OAUTH-001..011): consent URL, state,
 * denied consent, the code exchange, refresh and its refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ctenv.h"
#include "judge.h"
#include "rng.h"
#include "strutil.h"
#include "tests.h"
#include "verdict.h"

#define RUN_MS 60000

/* Starts an env or records the requirements as not judged. */
static int env_up(struct ct_env *e, const struct ct_env_cfg *cfg, const char *reqs)
{
    if (ct_env_start(e, cfg) == 0)
        return 0;
    ct_blocked(reqs, "test setup failed: %s", e->err);
    return -1;
}

static int connect_or_block(struct ct_env *e, const char *reqs)
{
    if (ct_env_connect(e) == 0)
        return 0;
    ct_blocked(reqs, "could not connect: %s", e->err);
    return -1;
}

static const char *query_of(const char *url)
{
    const char *q = strchr(url, '?');
    return q ? q + 1 : "";
}

static int qget(const char *url, const char *name, char *out, size_t cap)
{
    const char *q = query_of(url);
    return form_get(q, strcspn(q, "#"), name, out, cap) == 1 ? 0 : -1;
}

/* Token endpoint calls in the journal (POST /2.0/token). */
static int token_calls(struct ct_env *e, cJSON **list)
{
    cJSON *j = ct_ss_journal(e, "/2.0/token");
    if (!j)
        return -1;
    cJSON *out = cJSON_CreateArray();
    cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *m = ct_jstr(it, "method");
        if (m && !strcmp(m, "POST"))
            cJSON_AddItemToArray(out, cJSON_Duplicate(it, 1));
    }
    cJSON_Delete(j);
    *list = out;
    return cJSON_GetArraySize(out);
}

/* Bits of entropy a string of this alphabet and length can carry. */
static double state_bits(const char *s)
{
    int hex = 1, lower = 1, alnum = 1;
    for (const char *p = s; *p; p++) {
        int c = (unsigned char)*p;
        int is_hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        int is_lower = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
        int is_alnum = is_lower || (c >= 'A' && c <= 'Z');
        hex &= is_hex;
        lower &= is_lower;
        alnum &= is_alnum;
    }
    double per = hex ? 4 : lower ? 5.16 : alnum ? 5.95 : 6;
    return per * (double)strlen(s);
}

static void test_consent_url(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-001,OAUTH-002";
    struct ct_env e;
    struct ct_env_cfg cfg = {0};
    if (env_up(&e, &cfg, reqs))
        goto out;
    char u1[4096], u2[4096];
    if (ct_env_authorize_url(&e, u1, sizeof u1) || ct_env_authorize_url(&e, u2, sizeof u2)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    char rt[64] = "", cid[256] = "", scope[256] = "", redir[1024] = "", s1[512] = "", s2[512] = "";
    qget(u1, "response_type", rt, sizeof rt);
    qget(u1, "client_id", cid, sizeof cid);
    qget(u1, "scope", scope, sizeof scope);
    qget(u1, "redirect_uri", redir, sizeof redir);
    qget(u1, "state", s1, sizeof s1);
    qget(u2, "state", s2, sizeof s2);
    char want_base[700], want_redir[700];
    snprintf(want_base, sizeof want_base, "%s/b/authorize?", e.ss_url);
    snprintf(want_redir, sizeof want_redir, "%s/api/oauth/saga", e.cas_url);
    const char *bad = NULL;
    if (strncmp(u1, want_base, strlen(want_base)))
        bad = "the URL does not start with smartsheet_authorize_url?";
    else if (strcmp(rt, "code"))
        bad = "response_type is not code";
    else if (strcmp(cid, e.client_id))
        bad = "client_id is not the app's client id";
    else if (!strstr(scope, "READ_EVENTS") || !strstr(scope, "READ_USERS"))
        bad = "scope lacks READ_EVENTS or READ_USERS";
    else if (strcmp(redir, want_redir))
        bad = "redirect_uri is not the registered redirect URL";
    else if (!s1[0])
        bad = "no state parameter";
    char shown[300];
    str_sanitize(u1 + strcspn(u1, "?"), shown, sizeof shown);
    ct_verdict("OAUTH-001", !bad, "%s; query %s (scope '%s')", bad ? bad : "all parameters right",
               shown, scope);
    double bits = state_bits(s1);
    int fresh = s1[0] && s2[0] && strcmp(s1, s2) != 0;
    ct_verdict("OAUTH-002", fresh && bits >= 128,
               "state of %zu characters (at most %.0f bits); two calls gave %s states",
               strlen(s1), bits, fresh ? "different" : "the same (or missing)");
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* Replaces (or drops when value is NULL) the state parameter of a URL. */
static void with_state(const char *url, const char *value, char *out, size_t cap)
{
    struct buf b;
    buf_init(&b, cap - 1);
    const char *q = strchr(url, '?');
    buf_append(&b, url, q ? (size_t)(q - url) : strlen(url));
    char sep = '?';
    const char *p = q ? q + 1 : "";
    while (*p) {
        size_t len = strcspn(p, "&");
        if (strncmp(p, "state=", 6)) {
            buf_printf(&b, "%c%.*s", sep, (int)len, p);
            sep = '&';
        }
        p += len;
        if (*p)
            p++;
    }
    if (value)
        buf_printf(&b, "%cstate=%s", sep, value);
    snprintf(out, cap, "%s", b.ptr ? b.ptr : url);
    buf_release(&b);
}

static void test_state_refused(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-003";
    struct ct_env e;
    struct ct_env_cfg cfg = {0};
    if (env_up(&e, &cfg, reqs))
        goto out;
    /* A consent from an earlier authorize-url: its state was replaced. */
    char url0[4096], loc0[4096];
    char url[4096], loc[4096], forged_url[4096], none_url[4096], state[512] = "";
    if (ct_env_authorize_url(&e, url0, sizeof url0) ||
        ct_env_consent(&e, url0, loc0, sizeof loc0) ||
        ct_env_authorize_url(&e, url, sizeof url) || ct_env_consent(&e, url, loc, sizeof loc)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    qget(loc, "state", state, sizeof state);
    char forged[65];
    rng_hex(forged, 32);
    forged[strlen(state) && strlen(state) < sizeof forged ? strlen(state) : 32] = '\0';
    with_state(loc, forged, forged_url, sizeof forged_url);
    with_state(loc, NULL, none_url, sizeof none_url);
    /* With the same state twice the earlier consent cannot be told apart:
     * that is OAUTH-002's failure, not this one's, so it is not tried. */
    char state0[512] = "";
    qget(loc0, "state", state0, sizeof state0);
    int stale_applies = strcmp(state0, state) != 0;
    struct run_result r0, r1, r2, r3;
    memset(&r0, 0, sizeof r0);
    int ran0 = !stale_applies ||
               !ct_env_run(&e, "authorize", "--callback-url", loc0, RUN_MS, -1, &r0);
    int ran = !ct_env_run(&e, "authorize", "--callback-url", forged_url, RUN_MS, -1, &r1);
    ran &= !ct_env_run(&e, "authorize", "--callback-url", none_url, RUN_MS, -1, &r2);
    ran &= ran0;
    cJSON *calls = NULL;
    int n = ran ? token_calls(&e, &calls) : -1;
    int ran3 = !ct_env_run(&e, "authorize", "--callback-url", loc, RUN_MS, -1, &r3);
    char h0[64] = "", h1[64] = "", h2[64] = "", h3[64] = "";
    if (ran && n >= 0 && ran3) {
        ct_run_outcome(&r0, h0, sizeof h0);
        ct_run_outcome(&r1, h1, sizeof h1);
        ct_run_outcome(&r2, h2, sizeof h2);
        ct_run_outcome(&r3, h3, sizeof h3);
        if (!stale_applies)
            snprintf(h0, sizeof h0, "not judged (same state twice)");
        int refused = (!stale_applies || (r0.exited && r0.code == 3)) && r1.exited &&
                      r1.code == 3 && r2.exited && r2.code == 3 && n == 0;
        int genuine = r3.exited && r3.code == 0;
        if (refused && !genuine)
            ct_blocked(reqs, "the genuine callback was not accepted either (%s), so refusing "
                             "the forged one proves nothing", h3);
        else
            ct_verdict("OAUTH-003", refused,
                       "state of an earlier attempt: %s, forged state: %s, missing state: %s "
                       "(want exit 3); %d token request%s before the genuine callback (want 0)",
                       h0, h1, h2, n, n == 1 ? "" : "s");
    } else {
        ct_blocked(reqs, "could not run the connector or read the journal: %s", e.err);
    }
    cJSON_Delete(calls);
    /* spawn_run leaves a releasable result even when it could not run. */
    run_result_release(&r0);
    run_result_release(&r1);
    run_result_release(&r2);
    run_result_release(&r3);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_denied(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-004";
    struct ct_env e;
    struct ct_env_cfg cfg = {0};
    if (env_up(&e, &cfg, reqs))
        goto out;
    char url[4096], loc[4096];
    if (ct_ss_do(&e, "POST", "/_mock/consent", "{\"mode\":\"deny\"}") ||
        ct_env_authorize_url(&e, url, sizeof url) || ct_env_consent(&e, url, loc, sizeof loc)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    char errv[64] = "";
    if (qget(loc, "error", errv, sizeof errv)) {
        ct_blocked(reqs, "mock-smartsheet's denied consent carried no error parameter");
        goto out;
    }
    struct run_result r;
    if (ct_env_run(&e, "authorize", "--callback-url", loc, RUN_MS, -1, &r)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    cJSON *calls = NULL;
    int n = token_calls(&e, &calls);
    cJSON *last = ct_cas_last_status(&e);
    const char *status = ct_jstr(last, "status");
    char how[64];
    ct_run_outcome(&r, how, sizeof how);
    int ok = r.exited && r.code == 3 && n == 0 && status && !strcmp(status, "error");
    ct_verdict("OAUTH-004", ok,
               "callback error=%s: %s (want exit 3), %d token request%s (want 0), last CAS "
               "status %s (want error)", errv, how, n, n == 1 ? "" : "s", status ? status : "none");
    cJSON_Delete(last);
    cJSON_Delete(calls);
    run_result_release(&r);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_code_exchange(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-005,OAUTH-006";
    struct ct_env e;
    struct ct_env_cfg cfg = {0};
    if (env_up(&e, &cfg, reqs))
        goto out;
    char url[4096], loc[4096];
    if (ct_env_authorize_url(&e, url, sizeof url) || ct_env_consent(&e, url, loc, sizeof loc)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    struct run_result r1, r2;
    if (ct_env_run(&e, "authorize", "--callback-url", loc, RUN_MS, -1, &r1)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    int first_ok = r1.exited && r1.code == 0;
    run_result_release(&r1);
    if (!first_ok) {
        ct_blocked(reqs, "authorize with a genuine callback failed");
        goto out;
    }
    /* The same callback again: a replayed browser redirect. */
    int ran2 = !ct_env_run(&e, "authorize", "--callback-url", loc, RUN_MS, -1, &r2);
    if (ran2)
        run_result_release(&r2);
    cJSON *calls = NULL;
    int n = token_calls(&e, &calls);
    if (n < 1) {
        ct_blocked(reqs, "no token request in the journal (%s)", n < 0 ? e.err : "none made");
        cJSON_Delete(calls);
        goto out;
    }
    const cJSON *first = cJSON_GetArrayItem(calls, 0);
    const char *form = ct_jstr(first, "form");
    form = form ? form : "";
    int hashed = strstr(form, "hash=") != NULL && strstr(form, "client_secret=") == NULL;
    ct_verdict("OAUTH-005", hashed, "the code exchange (request #%lld) sent %s",
               ct_jnum(first, "seq"),
               hashed ? "hash and no client_secret"
                      : strstr(form, "client_secret=") ? "the raw client_secret" : "no hash");
    char code[128] = "";
    form_get(form, strlen(form), "code", code, sizeof code);
    int uses = 0;
    long long second_seq = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, calls) {
        const char *f = ct_jstr(c, "form");
        char v[128];
        if (code[0] && f && form_get(f, strlen(f), "code", v, sizeof v) == 1 && !strcmp(v, code)) {
            if (++uses == 2)
                second_seq = ct_jnum(c, "seq");
        }
    }
    if (uses >= 2)
        ct_verdict("OAUTH-006", 0, "the same code was sent %d times (again at request #%lld)",
                   uses, second_seq);
    else
        ct_verdict("OAUTH-006", code[0] != 0,
                   "the code was sent once; replaying the callback made %d more token request%s",
                   n - 1, n - 1 == 1 ? "" : "s");
    cJSON_Delete(calls);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* Refresh requests (grant_type=refresh_token) in the token calls. */
static int refreshes(cJSON *calls, const cJSON **out, int max)
{
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, calls) {
        const char *f = ct_jstr(c, "form");
        char g[64];
        if (f && form_get(f, strlen(f), "grant_type", g, sizeof g) == 1 &&
            !strcmp(g, "refresh_token")) {
            if (n < max)
                out[n] = c;
            n++;
        }
    }
    return n;
}

/* Every API call carries the token in the header only. */
static void judge_bearer(struct ct_env *e)
{
    cJSON *j = ct_ss_journal(e, "/2.0/");
    if (!j) {
        ct_blocked("OAUTH-011", "journal: %s", e->err);
        return;
    }
    int api = 0, bad = 0;
    long long bad_seq = 0;
    const char *why = "";
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *p = ct_jstr(it, "path");
        if (!p || !strncmp(p, "/2.0/token", 10))
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
        ct_blocked("OAUTH-011", "no API request was made");
    else
    {
        char first[120] = "";
        if (bad)
            snprintf(first, sizeof first, " (first: request #%lld, %s)", bad_seq, why);
        ct_verdict("OAUTH-011", !bad, "%d API requests, %d without a Bearer header or with the "
                   "token in the URL%s", api, bad, first);
    }
    cJSON_Delete(j);
}

static void test_refresh_expiry(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-007,OAUTH-009,OAUTH-011";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    if (env_up(&e, &cfg, reqs) || connect_or_block(&e, reqs))
        goto out;
    if (ct_sync_ok(&e, RUN_MS)) {
        ct_blocked(reqs, "the first sync failed: %s", e.err);
        goto out;
    }
    judge_bearer(&e);
    int s1 = -1, s2 = -1;
    char err1[512] = "";
    if (!ct_ss_do(&e, "POST", "/_mock/tokens/expire", "{}")) {
        s1 = ct_sync_ok(&e, RUN_MS);
        snprintf(err1, sizeof err1, "%s", e.err);
    }
    if (!ct_ss_do(&e, "POST", "/_mock/tokens/expire", "{}"))
        s2 = ct_sync_ok(&e, RUN_MS);
    cJSON *calls = NULL;
    const cJSON *rf[2] = {NULL, NULL};
    int n = token_calls(&e, &calls) >= 0 ? refreshes(calls, rf, 2) : 0;
    long long st1 = rf[0] ? ct_jnum(rf[0], "status") : 0;
    ct_verdict("OAUTH-007", s1 == 0 && n >= 1 && st1 == 200,
               "after the access token expired: sync %s, %d refresh request%s (first answered %lld)",
               s1 == 0 ? "succeeded" : err1, n, n == 1 ? "" : "s", st1);
    if (n >= 2) {
        const char *f1 = ct_jstr(rf[0], "form"), *f2 = ct_jstr(rf[1], "form");
        char r1[128] = "", r2[128] = "";
        form_get(f1, strlen(f1), "refresh_token", r1, sizeof r1);
        form_get(f2, strlen(f2), "refresh_token", r2, sizeof r2);
        long long st2 = ct_jnum(rf[1], "status");
        int ok = s2 == 0 && st2 == 200 && r1[0] && strcmp(r1, r2);
        ct_verdict("OAUTH-009", ok,
                   "second refresh (request #%lld) %s the first refresh's token and was answered "
                   "%lld; second sync %s",
                   ct_jnum(rf[1], "seq"), strcmp(r1, r2) ? "did not reuse" : "reused", st2,
                   s2 == 0 ? "succeeded" : "failed");
    } else if (s1 != 0 || st1 != 200) {
        ct_blocked("OAUTH-009", "the first refresh did not succeed, so rotation cannot be judged");
    } else {
        ct_verdict("OAUTH-009", 0, "after a second expiry %d refresh request%s in all (want 2); "
                   "second sync %s", n, n == 1 ? "" : "s", s2 == 0 ? "succeeded" : e.err);
    }
    cJSON_Delete(calls);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_refresh_1003(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-008";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    if (env_up(&e, &cfg, reqs) || connect_or_block(&e, reqs))
        goto out;
    if (ct_sync_ok(&e, RUN_MS)) {
        ct_blocked(reqs, "a sync without faults failed already: %s", e.err);
        goto out;
    }
    if (ct_ss_do(&e, "POST", "/_mock/faults",
                 "{\"path\":\"/2.0/events\",\"count\":1,\"action\":\"error\",\"errorCode\":1003}")) {
        ct_blocked(reqs, "fault: %s", e.err);
        goto out;
    }
    int s = ct_sync_ok(&e, RUN_MS);
    cJSON *calls = NULL;
    const cJSON *rf[1] = {NULL};
    int n = token_calls(&e, &calls) >= 0 ? refreshes(calls, rf, 1) : 0;
    ct_verdict("OAUTH-008", s == 0 && n >= 1,
               "events answered 1003 once: %d refresh request%s, sync %s", n, n == 1 ? "" : "s",
               s == 0 ? "succeeded" : e.err);
    cJSON_Delete(calls);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_refused_refresh(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-010";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    if (env_up(&e, &cfg, reqs) || connect_or_block(&e, reqs))
        goto out;
    if (ct_sync_ok(&e, RUN_MS) || ct_ss_do(&e, "POST", "/_mock/tokens/revoke", "{}") ||
        ct_ss_do(&e, "DELETE", "/_mock/journal", NULL)) {
        ct_blocked(reqs, "setup: %s", e.err);
        goto out;
    }
    struct run_result r;
    if (ct_env_run(&e, "sync", NULL, NULL, RUN_MS, -1, &r)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    char how[64];
    ct_run_outcome(&r, how, sizeof how);
    /* The refusal: the first refused refresh, or, for a connector that does
     * not try one, the first API request refused with 401.  After it, no
     * API request may follow. */
    cJSON *j = ct_ss_journal(&e, "/2.0/");
    long long refused_seq = 0, first401 = 0, after = 0, after401 = 0;
    const char *what = "no request was refused";
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *p = ct_jstr(it, "path");
        if (!p)
            continue;
        int is_token = !strncmp(p, "/2.0/token", 10);
        long long stc = ct_jnum(it, "status");
        if (is_token && stc >= 400 && !refused_seq)
            refused_seq = ct_jnum(it, "seq");
        else if (!is_token && refused_seq)
            after++;
        if (!is_token && first401 && !refused_seq)
            after401++;
        if (!is_token && stc == 401 && !first401)
            first401 = ct_jnum(it, "seq");
    }
    long long at = refused_seq ? refused_seq : first401;
    if (refused_seq)
        what = "refresh refused";
    else if (first401)
        what = "API request refused (no refresh tried)";
    if (!refused_seq)
        after = after401;
    cJSON *last = ct_cas_last_status(&e);
    const char *status = ct_jstr(last, "status"), *stage = ct_jstr(last, "stage"),
               *msg = ct_jstr(last, "message");
    int reported = status && !strcmp(status, "error") && stage && !strcmp(stage, "Authorize") &&
                   msg && strstr(msg, "reconnect");
    int ok = r.exited && r.code == 3 && at && after == 0 && reported;
    char shown[200];
    str_sanitize(msg ? msg : "", shown, sizeof shown);
    ct_verdict("OAUTH-010", ok,
               "tokens revoked: sync %s (want exit 3); %s at request #%lld; %lld API "
               "request%s after it (want 0); last CAS status %s/%s \"%s\"",
               how, what, at, after, after == 1 ? "" : "s", status ? status : "none",
               stage ? stage : "-", shown);
    cJSON_Delete(last);
    cJSON_Delete(j);
    run_result_release(&r);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

const struct ct_test ct_oauth_tests[] = {
    {"oauth_consent_url", "OAUTH-001,OAUTH-002", test_consent_url},
    {"oauth_state_refused", "OAUTH-003", test_state_refused},
    {"oauth_denied_consent", "OAUTH-004", test_denied},
    {"oauth_code_exchange", "OAUTH-005,OAUTH-006", test_code_exchange},
    {"oauth_refresh_on_expiry", "OAUTH-007,OAUTH-009,OAUTH-011", test_refresh_expiry},
    {"oauth_refresh_on_1003", "OAUTH-008", test_refresh_1003},
    {"oauth_refused_refresh", "OAUTH-010", test_refused_refresh},
};
const size_t ct_oauth_test_count = sizeof ct_oauth_tests / sizeof ct_oauth_tests[0];
