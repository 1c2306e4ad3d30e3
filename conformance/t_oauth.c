/* t_oauth.c - OAuth requirements (OAUTH-001..016): consent URL, state,
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
#include "runlog.h"
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
    ct_blocked(reqs, "not judged, because %s", e->err);
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

/* The longest common prefix and suffix of two strings. */
static size_t common_prefix(const char *a, const char *b)
{
    size_t n = 0;
    while (a[n] && a[n] == b[n])
        n++;
    return n;
}

static size_t common_suffix(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), n = 0;
    while (n < la && n < lb && a[la - 1 - n] == b[lb - 1 - n])
        n++;
    return n;
}

#define NSTATES 6

/* OAUTH-002 over several states: each long enough for 128 bits in its
 * alphabet, all different, no two sharing a run at either end (a counter,
 * a timestamp, a fixed prefix), and together using most of their alphabet
 * (a state drawn from a few characters is not random). */
static const char *state_weakness(char states[NSTATES][512], double *min_bits, char *ex,
                                  size_t cap)
{
    *min_bits = 1e9;
    int seen[256] = {0}, distinct = 0, hex = 1;
    size_t chars = 0;
    for (int i = 0; i < NSTATES; i++) {
        double b = state_bits(states[i]);
        if (b < *min_bits)
            *min_bits = b;
        for (const unsigned char *p = (const unsigned char *)states[i]; *p; p++) {
            distinct += !seen[*p]++;
            hex &= (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
                   (*p >= 'A' && *p <= 'F');
            chars++;
        }
        if (!states[i][0])
            return snprintf(ex, cap, "call %d gave no state", i + 1), ex;
    }
    if (*min_bits < 128)
        return snprintf(ex, cap, "a state of at most %.0f bits", *min_bits), ex;
    for (int i = 0; i < NSTATES; i++)
        for (int k = i + 1; k < NSTATES; k++) {
            if (!strcmp(states[i], states[k]))
                return snprintf(ex, cap, "calls %d and %d gave the same state", i + 1, k + 1), ex;
            size_t p = common_prefix(states[i], states[k]), q = common_suffix(states[i], states[k]);
            if (p >= 8 || q >= 8)
                return snprintf(ex, cap, "calls %d and %d share %zu characters at the %s", i + 1,
                                k + 1, p >= 8 ? p : q, p >= 8 ? "start" : "end"), ex;
        }
    /* 6 random states of >= 22 characters use nearly every symbol of their
     * alphabet; fewer than half is not chance. */
    int want = hex ? 8 : 24;
    if (chars >= 120 && distinct < want)
        return snprintf(ex, cap, "%zu characters of state use only %d different symbols", chars,
                        distinct), ex;
    return NULL;
}

static void test_consent_url(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-001,OAUTH-002";
    struct ct_env e;
    struct ct_env_cfg cfg = {0};
    if (env_up(&e, &cfg, reqs))
        goto out;
    char u[NSTATES][4096], states[NSTATES][512];
    for (int i = 0; i < NSTATES; i++) {
        if (ct_env_authorize_url(&e, u[i], sizeof u[i])) {
            ct_blocked(reqs, "%s", e.err);
            goto out;
        }
        states[i][0] = '\0';
        qget(u[i], "state", states[i], sizeof states[i]);
    }
    const char *u1 = u[0];
    char rt[64] = "", cid[256] = "", scope[256] = "", redir[1024] = "";
    qget(u1, "response_type", rt, sizeof rt);
    qget(u1, "client_id", cid, sizeof cid);
    qget(u1, "scope", scope, sizeof scope);
    qget(u1, "redirect_uri", redir, sizeof redir);
    char want_base[700], want_redir[700];
    snprintf(want_base, sizeof want_base, "%s/b/authorize?", e.ss_app_url);
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
    else if (!states[0][0])
        bad = "no state parameter";
    char shown[300];
    str_sanitize(u1 + strcspn(u1, "?"), shown, sizeof shown);
    ct_verdict("OAUTH-001", !bad, "%s; query %s (scope '%s')", bad ? bad : "all parameters right",
               shown, scope);
    double bits;
    char ex[200];
    const char *weak = state_weakness(states, &bits, ex, sizeof ex);
    ct_verdict("OAUTH-002", !weak, "%d calls of authorize-url: %s (states of %zu characters, at "
               "most %.0f bits each)", NSTATES, weak ? weak : "all states fresh, no shared runs",
               strlen(states[0]), bits);
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

/* A state that differs from the genuine one in a way a loose comparison
 * would miss (kind: 0 one character short, 1 one character more, 2 case
 * flipped, 3 the first half only). */
static int near_state(const char *state, int kind, char *out, size_t cap)
{
    size_t n = strlen(state);
    if (n < 2 || n + 2 > cap)
        return -1;
    memcpy(out, state, n + 1);
    switch (kind) {
    case 0: out[n - 1] = '\0'; return 0;
    case 1: out[n] = state[0] == 'x' ? 'y' : 'x'; out[n + 1] = '\0'; return 0;
    case 2: {
        int flipped = 0;
        for (size_t i = 0; i < n; i++) {
            char c = out[i];
            if (c >= 'a' && c <= 'z')
                out[i] = (char)(c - 32), flipped = 1;
            else if (c >= 'A' && c <= 'Z')
                out[i] = (char)(c + 32), flipped = 1;
        }
        return flipped ? 0 : -1;
    }
    default: out[n / 2] = '\0'; return 0;
    }
}

#define NFORGED 7

static void test_state_refused(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-003";
    struct ct_env e;
    struct ct_env_cfg cfg = {0};
    if (env_up(&e, &cfg, reqs))
        goto out;
    /* A consent from an earlier authorize-url: its state was replaced. */
    char url0[4096], loc0[4096], url[4096], loc[4096], state[512] = "", state0[512] = "";
    if (ct_env_authorize_url(&e, url0, sizeof url0) ||
        ct_env_consent(&e, url0, loc0, sizeof loc0) ||
        ct_env_authorize_url(&e, url, sizeof url) || ct_env_consent(&e, url, loc, sizeof loc)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    qget(loc, "state", state, sizeof state);
    qget(loc0, "state", state0, sizeof state0);
    /* The callbacks to refuse: forged, missing, near misses, stale. */
    const char *names[NFORGED] = {"a forged state", "no state", "the state less its last "
                                  "character", "the state with one more character", "the state "
                                  "in the other case", "the first half of the state",
                                  "the state of an earlier attempt"};
    static char urls[NFORGED][4096];
    int tried[NFORGED] = {0};
    char forged[65], near[600];
    rng_hex(forged, 32);
    forged[strlen(state) && strlen(state) < sizeof forged ? strlen(state) : 32] = '\0';
    with_state(loc, forged, urls[0], sizeof urls[0]);
    with_state(loc, NULL, urls[1], sizeof urls[1]);
    tried[0] = tried[1] = 1;
    for (int k = 0; k < 4; k++)
        if (!near_state(state, k, near, sizeof near)) {
            with_state(loc, near, urls[2 + k], sizeof urls[2 + k]);
            tried[2 + k] = 1;
        }
    /* With the same state twice the earlier consent cannot be told apart:
     * that is OAUTH-002's failure, not this one's, so it is not tried. */
    if (strcmp(state0, state)) {
        snprintf(urls[6], sizeof urls[6], "%s", loc0);
        tried[6] = 1;
    }
    struct buf ev;
    buf_init(&ev, 8192);
    int refused = 1;
    for (int k = 0; k < NFORGED; k++) {
        if (!tried[k])
            continue;
        struct run_result r;
        if (ct_env_run(&e, "authorize", "--callback-url", urls[k], RUN_MS, -1, &r)) {
            ct_blocked(reqs, "could not run the connector: %s", e.err);
            buf_release(&ev);
            goto out;
        }
        char how[64];
        ct_run_outcome(&r, how, sizeof how);
        int ok = r.exited && r.code == 3;
        refused &= ok;
        buf_printf(&ev, "%s%s: %s", ev.len ? ", " : "", names[k], how);
        run_result_release(&r);
    }
    cJSON *calls = NULL;
    int n = token_calls(&e, &calls);
    cJSON_Delete(calls);
    /* The genuine callback, with a code fresh from the consent page (the
     * state stays the remembered one), must still be accepted. */
    char fresh[4096];
    struct run_result g;
    memset(&g, 0, sizeof g);
    int genuine = 0;
    char hg[64] = "not run";
    if (!ct_env_consent(&e, url, fresh, sizeof fresh) &&
        !ct_env_run(&e, "authorize", "--callback-url", fresh, RUN_MS, -1, &g)) {
        genuine = g.exited && g.code == 0;
        ct_run_outcome(&g, hg, sizeof hg);
    }
    if (n < 0) {
        ct_blocked(reqs, "could not read the journal: %s", e.err);
    } else if (n > 0 || !refused) {
        ct_verdict("OAUTH-003", 0, "%s (want exit 3 each); %d token request%s before the genuine "
                   "callback (want 0)", ev.ptr, n, n == 1 ? "" : "s");
    } else if (!genuine) {
        const char *er = g.err.ptr ? g.err.ptr : "";
        size_t len = strlen(er);
        ct_blocked(reqs, "not judged, because the genuine callback was not accepted either (%s; "
                   "stderr ends: %.300s), so refusing the others proves nothing; they gave: %s",
                   hg, len > 300 ? er + len - 300 : er, ev.ptr);
    } else {
        ct_verdict("OAUTH-003", 1, "%s; no token request before the genuine callback, which "
                   "then succeeded", ev.ptr);
    }
    run_result_release(&g);
    buf_release(&ev);
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
    ct_judge(&e, "OAUTH-004", ok,
               "callback error=%s: %s (want exit 3), %d token request%s (want 0), last CAS "
               "status %s (want error)", errv, how, n, n == 1 ? "" : "s", status ? status : "none");
    cJSON_Delete(last);
    cJSON_Delete(calls);
    run_result_release(&r);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* OAUTH-013: the genuine callback with its code left out. */
static void test_no_code(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-013";
    struct ct_env e;
    struct ct_env_cfg cfg = {0};
    if (env_up(&e, &cfg, reqs))
        goto out;
    char url[4096], loc[4096];
    if (ct_env_authorize_url(&e, url, sizeof url) || ct_env_consent(&e, url, loc, sizeof loc)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    /* Drop the code parameter, keep the rest (state included). */
    struct buf b;
    buf_init(&b, sizeof loc);
    const char *q = strchr(loc, '?');
    buf_append(&b, loc, q ? (size_t)(q - loc) : strlen(loc));
    char sep = '?';
    for (const char *p = q ? q + 1 : ""; *p;) {
        size_t len = strcspn(p, "&");
        if (strncmp(p, "code=", 5)) {
            buf_printf(&b, "%c%.*s", sep, (int)len, p);
            sep = '&';
        }
        p += len;
        if (*p)
            p++;
    }
    char nocode[4096];
    snprintf(nocode, sizeof nocode, "%s", b.ptr ? b.ptr : loc);
    buf_release(&b);
    char code[512] = "";
    if (qget(loc, "code", code, sizeof code) || !qget(nocode, "code", code, sizeof code)) {
        ct_blocked(reqs, "mock-smartsheet's consent carried no code to leave out");
        goto out;
    }
    struct run_result r;
    if (ct_env_run(&e, "authorize", "--callback-url", nocode, RUN_MS, -1, &r)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    cJSON *calls = NULL;
    int n = token_calls(&e, &calls);
    char how[64];
    ct_run_outcome(&r, how, sizeof how);
    if (n < 0)
        ct_blocked(reqs, "could not read the journal: %s", e.err);
    else
        ct_judge(&e, "OAUTH-013", r.exited && r.code == 3 && n == 0,
                   "the genuine callback without its code: %s (want exit 3), %d token "
                   "request%s (want 0)", how, n, n == 1 ? "" : "s");
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
    if (!first_ok) {
        char saw[300];
        ct_doubles_saw(&e, "authorize", saw, sizeof saw);
        ct_stage_failed(&e, "authorize", &r1, NULL, saw);
        run_result_release(&r1);
        ct_blocked(reqs, "not judged, because %s", e.err);
        goto out;
    }
    run_result_release(&r1);
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

/* The code sent to the token endpoint most often: how often, and at which
 * request the second time. */
static int max_code_uses(cJSON *calls, long long *again_seq)
{
    int best = 0;
    const cJSON *c, *d;
    cJSON_ArrayForEach(c, calls) {
        const char *f = ct_jstr(c, "form");
        char code[128], v[128];
        if (!f || form_get(f, strlen(f), "code", code, sizeof code) != 1)
            continue;
        int uses = 0;
        long long second = 0;
        cJSON_ArrayForEach(d, calls) {
            const char *g = ct_jstr(d, "form");
            if (g && form_get(g, strlen(g), "code", v, sizeof v) == 1 && !strcmp(v, code) &&
                ++uses == 2)
                second = ct_jnum(d, "seq");
        }
        if (uses > best) {
            best = uses;
            *again_seq = second;
        }
    }
    return best;
}

/* OAUTH-006 when the code exchange goes wrong: the token endpoint answers a
 * proxy's 502 before Smartsheet saw the code, or takes the code and drops
 * the connection.  The code may already be spent: it must not be sent
 * again (CONTRACT 4: exit 5, start again with authorize-url). */
static void test_code_exchange_faults(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-006";
    struct ct_env e;
    struct ct_env_cfg cfg = {0};
    if (env_up(&e, &cfg, reqs))
        goto out;
    const char *rules[2] = {
        "{\"path\":\"/2.0/token\",\"method\":\"POST\",\"action\":\"status\",\"status\":502,"
        "\"count\":1}",
        "{\"path\":\"/2.0/token\",\"method\":\"POST\",\"action\":\"close\",\"count\":1}"};
    const char *what[2] = {"a bare 502 before the code was read", "the connection closed after "
                           "the code was spent"};
    char how[2][64], first_fail[sizeof e.err] = "";
    for (int k = 0; k < 2; k++) {
        char url[4096], loc[4096];
        struct run_result r;
        if (ct_env_authorize_url(&e, url, sizeof url) || ct_env_consent(&e, url, loc, sizeof loc) ||
            ct_ss_do(&e, "POST", "/_mock/faults", rules[k]) ||
            ct_env_run(&e, "authorize", "--callback-url", loc, RUN_MS, -1, &r)) {
            ct_blocked(reqs, "%s", e.err);
            goto out;
        }
        ct_run_outcome(&r, how[k], sizeof how[k]);
        if (k == 0 && !(r.exited && r.code == 0)) {
            /* why, should no code reach the token endpoint at all */
            char saw[300];
            ct_doubles_saw(&e, "authorize", saw, sizeof saw);
            ct_stage_failed(&e, "authorize", &r, NULL, saw);
            snprintf(first_fail, sizeof first_fail, "%s", e.err);
        }
        run_result_release(&r);
        if (ct_ss_do(&e, "DELETE", "/_mock/faults", NULL)) {
            ct_blocked(reqs, "%s", e.err);
            goto out;
        }
    }
    cJSON *calls = NULL;
    int n = token_calls(&e, &calls);
    long long again = 0;
    int uses = n > 0 ? max_code_uses(calls, &again) : 0;
    cJSON_Delete(calls);
    if (n <= 0 && first_fail[0])
        ct_blocked(reqs, "not judged, because %s", first_fail);
    else if (n <= 0)
        ct_blocked(reqs, "no code reached the token endpoint (%s; %s)", how[0], how[1]);
    else if (uses >= 2)
        ct_verdict("OAUTH-006", 0, "a code was sent %d times (again at request #%lld); the "
                   "token endpoint gave %s (authorize %s), then %s (authorize %s)", uses, again,
                   what[0], how[0], what[1], how[1]);
    else
        ct_verdict("OAUTH-006", 1, "each code sent once although the token endpoint gave %s "
                   "(authorize %s), then %s (authorize %s)", what[0], how[0], what[1], how[1]);
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
    ct_judge(&e, "OAUTH-007", s1 == 0 && n >= 1 && st1 == 200,
               "after the access token expired: sync %s, %d refresh request%s (first answered %lld)",
               s1 == 0 ? "succeeded" : err1, n, n == 1 ? "" : "s", st1);
    if (n >= 2) {
        const char *f1 = ct_jstr(rf[0], "form"), *f2 = ct_jstr(rf[1], "form");
        char r1[128] = "", r2[128] = "";
        form_get(f1, strlen(f1), "refresh_token", r1, sizeof r1);
        form_get(f2, strlen(f2), "refresh_token", r2, sizeof r2);
        long long st2 = ct_jnum(rf[1], "status");
        int ok = s2 == 0 && st2 == 200 && r1[0] && strcmp(r1, r2);
        ct_judge(&e, "OAUTH-009", ok,
                   "second refresh (request #%lld) %s the first refresh's token and was answered "
                   "%lld; second sync %s",
                   ct_jnum(rf[1], "seq"), strcmp(r1, r2) ? "did not reuse" : "reused", st2,
                   s2 == 0 ? "succeeded" : "failed");
    } else if (s1 != 0 || st1 != 200) {
        ct_blocked("OAUTH-009", "the first refresh did not succeed, so rotation cannot be judged");
    } else {
        ct_judge(&e, "OAUTH-009", 0, "after a second expiry %d refresh request%s in all (want 2); "
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
    ct_judge(&e, "OAUTH-008", s == 0 && n >= 1,
               "events answered 1003 once: %d refresh request%s, sync %s", n, n == 1 ? "" : "s",
               s == 0 ? "succeeded" : e.err);
    cJSON_Delete(calls);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* One refused refresh with the token endpoint answering in the given
 * shape (mock-smartsheet /_mock/token-errors).  Returns 1 when the run met
 * OAUTH-010, 0 when it did not, -1 when the setup failed (e->err);
 * *evidence_only is set when requests followed the refusal (a failure
 * however the run ended); ev gets the evidence. */
static int refused_refresh_once(struct ct_env *e, const char *shape, char *ev, size_t cap,
                                int *evidence_only)
{
    char body[64];
    snprintf(body, sizeof body, "{\"shape\":\"%s\"}", shape);
    if (ct_ss_do(e, "POST", "/_mock/token-errors", body) || ct_sync_ok(e, RUN_MS) ||
        ct_ss_do(e, "POST", "/_mock/tokens/revoke", "{}") ||
        ct_ss_do(e, "DELETE", "/_mock/journal", NULL) || ct_cas_do(e, "DELETE", "/_mock/journal",
                                                                    NULL))
        return -1;
    struct run_result r;
    if (ct_env_run(e, "sync", NULL, NULL, RUN_MS, -1, &r))
        return -1;
    char how[64];
    ct_run_outcome(&r, how, sizeof how);
    /* The refusal: the first refused refresh, or, for a connector that does
     * not try one, the first API request refused with 401.  After it, no
     * API request may follow. */
    cJSON *j = ct_ss_journal(e, "/2.0/");
    long long refused_seq = 0, refused_status = 0, first401 = 0, after = 0, after401 = 0;
    const char *what = "no request was refused";
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *p = ct_jstr(it, "path");
        if (!p)
            continue;
        int is_token = !strncmp(p, "/2.0/token", 10);
        long long stc = ct_jnum(it, "status");
        if (is_token && stc >= 400 && !refused_seq) {
            refused_seq = ct_jnum(it, "seq");
            refused_status = stc;
        } else if (!is_token && refused_seq) {
            after++;
        }
        if (!is_token && first401 && !refused_seq)
            after401++;
        if (!is_token && stc == 401 && !first401)
            first401 = ct_jnum(it, "seq");
    }
    long long at = refused_seq ? refused_seq : first401;
    char refusal[80];
    if (refused_seq)
        snprintf(refusal, sizeof refusal, "refresh refused (HTTP %lld)", refused_status);
    else
        snprintf(refusal, sizeof refusal, "%s", first401 ? "API request refused (no refresh "
                 "tried)" : what);
    if (!refused_seq)
        after = after401;
    struct ct_status_seen c;
    ct_status_seen_read(e, &c);
    int reported = ct_status_asks_reconnect(&c);
    /* The calls stay stopped: a rerun of sync must not try the dead tokens
     * again (as PRE-004: no authorization, no API request). */
    char how2[64] = "not run";
    long long again = -1;
    int rerun_ok = 0;
    struct run_result r2;
    /* A sync that already broke the rule is not run again: the verdict
     * stands, and a connector that retries for its whole budget would
     * spend it twice. */
    int first_ok = r.exited && r.code == 3 && at && after == 0 && reported;
    if (first_ok && !ct_ss_do(e, "DELETE", "/_mock/journal", NULL) &&
        !ct_env_run(e, "sync", NULL, NULL, RUN_MS, -1, &r2)) {
        ct_run_outcome(&r2, how2, sizeof how2);
        cJSON *j2 = ct_ss_journal(e, "/2.0/");
        again = j2 ? 0 : -1;
        cJSON_ArrayForEach(it, j2) {
            const char *p = ct_jstr(it, "path");
            if (p && strncmp(p, "/2.0/token", 10))
                again++;
        }
        cJSON_Delete(j2);
        rerun_ok = r2.exited && r2.code == 3 && again == 0;
        run_result_release(&r2);
    }
    int ok = first_ok && rerun_ok;
    char rerun[160];
    if (!first_ok)
        snprintf(rerun, sizeof rerun, "no rerun (the sync already broke the rule)");
    else if (again < 0)
        snprintf(rerun, sizeof rerun, "a rerun of sync could not be made or read (%.80s)", e->err);
    else
        snprintf(rerun, sizeof rerun, "a rerun of sync %s (want exit 3) with %lld API request%s "
                 "(want 0)", how2, again, again == 1 ? "" : "s");
    snprintf(ev, cap, "%s token errors: sync %s (want exit 3); %s at request #%lld; %lld API "
             "request%s after it (want 0); last CAS status %s/%s \"%s\"; %s", shape, how,
             refusal, at, after, after == 1 ? "" : "s", c.status ? c.status : "none",
             c.stage ? c.stage : "-", c.shown, rerun);
    *evidence_only = after > 0 || again > 0;
    cJSON_Delete(c.last);
    cJSON_Delete(j);
    run_result_release(&r);
    return ok;
}

/* Tokens revoked, then a sync: its refresh is refused.  Twice: with the
 * token endpoint's generic refusal (403, errorCode 1004, no "error"; the
 * one public capture) and with the detailed one (400, 1071,
 * invalid_grant): a connector must not depend on the "error" field. */
static void test_refused_refresh(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-010";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    if (env_up(&e, &cfg, reqs) || connect_or_block(&e, reqs))
        goto out;
    static const char *const shapes[] = {"generic", "detailed"};
    char ev[2][700];
    int ok[2], evidence_only[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        if (i && ct_env_connect(&e)) {
            ct_blocked(reqs, "%s; then reconnecting for the detailed token errors failed: %s",
                       ev[0], e.err);
            goto out;
        }
        ok[i] = refused_refresh_once(&e, shapes[i], ev[i], sizeof ev[i], &evidence_only[i]);
        if (ok[i] < 0) {
            ct_blocked(reqs, "setup (%s token errors): %s", shapes[i], e.err);
            goto out;
        }
        if (!ok[i] && evidence_only[i])
            break;          /* requests after a refusal: judged, no need for the second */
    }
    /* Requests after the refusal are evidence however the run ended. */
    if (evidence_only[0])
        ct_verdict("OAUTH-010", 0, "%s", ev[0]);
    else if (evidence_only[1])
        ct_verdict("OAUTH-010", 0, "%s; %s", ev[0], ev[1]);
    else
        ct_judge(&e, "OAUTH-010", ok[0] && ok[1], "%s; %s", ev[0], ev[1]);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* OAUTH-014: every users request refused with 401 (errorCode 1002, "Your
 * Access Token is invalid"): the refresh a connector may try succeeds, and
 * its new token is refused too.  Only a new authorization can help. */
static void test_refused_after_refresh(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-014";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    if (env_up(&e, &cfg, reqs) || connect_or_block(&e, reqs))
        goto out;
    struct run_result r;
    if (ct_ss_do(&e, "POST", "/_mock/faults",
                 "{\"path\":\"/2.0/users\",\"action\":\"error\",\"errorCode\":1002}") ||
        ct_env_run(&e, "sync", NULL, NULL, RUN_MS, -1, &r)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    char how[64];
    ct_run_outcome(&r, how, sizeof how);
    cJSON *j = ct_ss_journal(&e, "/2.0/");
    int refused = 0, renewed = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *p = ct_jstr(it, "path"), *f = ct_jstr(it, "form");
        char g[64];
        if (p && !strncmp(p, "/2.0/users", 10) && ct_jnum(it, "status") == 401)
            refused++;
        if (p && !strncmp(p, "/2.0/token", 10) && ct_jnum(it, "status") == 200 && f &&
            form_get(f, strlen(f), "grant_type", g, sizeof g) == 1 && !strcmp(g, "refresh_token"))
            renewed++;
    }
    struct ct_status_seen c;
    ct_status_seen_read(&e, &c);
    ct_judge(&e, "OAUTH-014", r.exited && r.code == 3 && ct_status_asks_reconnect(&c),
             "every users request answered 401 (errorCode 1002): sync %s (want exit 3); %d users "
             "request%s refused, %d successful refresh%s; last CAS status %s/%s \"%s\" (want "
             "error/Authorize naming reconnect)", how, refused, refused == 1 ? "" : "s", renewed,
             renewed == 1 ? "" : "es", c.status ? c.status : "none", c.stage ? c.stage : "-",
             c.shown);
    cJSON_Delete(c.last);
    cJSON_Delete(j);
    run_result_release(&r);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* API requests (not the token endpoint) in mock-smartsheet's journal, or
 * -1 when it cannot be read. */
static int api_requests(struct ct_env *e)
{
    cJSON *j = ct_ss_journal(e, "/2.0/");
    if (!j)
        return -1;
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *p = ct_jstr(it, "path");
        n += p && strncmp(p, "/2.0/token", 10) != 0;
    }
    cJSON_Delete(j);
    return n;
}

/* OAUTH-015: the code exchange answered 200 with a token answer that
 * cannot be used (mock-smartsheet fault action "edit").  An unreadable
 * answer exits 5 (CONTRACT 4) and leaves the connector unauthorized. */
static void test_token_answers(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-015";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    if (env_up(&e, &cfg, reqs))
        goto out;
    static const char *const edits[] = {
        "\"field\":\"access_token\"", "\"field\":\"refresh_token\"",
        "\"field\":\"expires_in\"", "\"field\":\"expires_in\",\"value\":0"};
    static const char *const what[] = {"without access_token", "without refresh_token",
                                       "without expires_in", "with expires_in 0"};
    struct buf ev;
    buf_init(&ev, 4096);
    int all = 1;
    for (int k = 0; k < (int)(sizeof edits / sizeof edits[0]); k++) {
        char url[4096], loc[4096], rule[200];
        snprintf(rule, sizeof rule, "{\"path\":\"/2.0/token\",\"method\":\"POST\","
                 "\"action\":\"edit\",%s,\"count\":1}", edits[k]);
        struct run_result ra, rs;
        if (ct_env_authorize_url(&e, url, sizeof url) || ct_env_consent(&e, url, loc, sizeof loc) ||
            ct_ss_do(&e, "POST", "/_mock/faults", rule) ||
            ct_ss_do(&e, "DELETE", "/_mock/journal", NULL) ||
            ct_env_run(&e, "authorize", "--callback-url", loc, RUN_MS, -1, &ra)) {
            ct_blocked(reqs, "setup (%s): %s", what[k], e.err);
            buf_release(&ev);
            goto out;
        }
        char ha[64], hs[64] = "not run";
        ct_run_outcome(&ra, ha, sizeof ha);
        int aok = ra.exited && ra.code == 5;
        run_result_release(&ra);
        int n = -1, sok = 0;
        if (!ct_ss_do(&e, "DELETE", "/_mock/faults", NULL) &&
            !ct_env_run(&e, "sync", NULL, NULL, RUN_MS, -1, &rs)) {
            ct_run_outcome(&rs, hs, sizeof hs);
            n = api_requests(&e);
            sok = rs.exited && rs.code == 3 && n == 0;
            run_result_release(&rs);
        }
        all &= aok && sok;
        buf_printf(&ev, "%sa token answer %s: authorize %s (want exit 5), then sync %s (want exit "
                   "3) with %d API request%s (want 0)", k ? "; " : "", what[k], ha, hs, n,
                   n == 1 ? "" : "s");
    }
    ct_judge(&e, "OAUTH-015", all, "%s", ev.ptr ? ev.ptr : "");
    buf_release(&ev);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* OAUTH-016: mock-smartsheet's codes carry - . _ ~ (POST
 * /_mock/code-alphabet): the callback is a valid URL and the code must
 * reach the token endpoint as it was issued. */
static void test_unreserved_code(void **st)
{
    (void)st;
    const char *reqs = "OAUTH-016";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "empty-org"};
    if (env_up(&e, &cfg, reqs))
        goto out;
    char url[4096], loc[4096], code[256] = "";
    struct run_result r;
    if (ct_ss_do(&e, "POST", "/_mock/code-alphabet", "{\"alphabet\":\"unreserved\"}") ||
        ct_env_authorize_url(&e, url, sizeof url) || ct_env_consent(&e, url, loc, sizeof loc)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    if (qget(loc, "code", code, sizeof code) || !strchr(code, '~')) {
        ct_blocked(reqs, "mock-smartsheet's consent gave no code with '~'");
        goto out;
    }
    if (ct_env_run(&e, "authorize", "--callback-url", loc, RUN_MS, -1, &r)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    char how[64];
    ct_run_outcome(&r, how, sizeof how);
    cJSON *calls = NULL;
    int n = token_calls(&e, &calls);
    char sent[256] = "";
    const char *f = n > 0 ? ct_jstr(cJSON_GetArrayItem(calls, 0), "form") : NULL;
    if (f)
        form_get(f, strlen(f), "code", sent, sizeof sent);
    /* The journal keeps a code as REDACTED-<its token id>. */
    char id[9], want[32];
    rng_token_id(code, id);
    snprintf(want, sizeof want, "REDACTED-%s", id);
    int same = sent[0] && !strcmp(sent, want);
    ct_judge(&e, "OAUTH-016", r.exited && r.code == 0 && same,
             "a code with - . _ ~ in it: authorize %s (want exit 0); %d token request%s, the "
             "code %s", how, n < 0 ? 0 : n, n == 1 ? "" : "s",
             n <= 0 ? "never sent" : same ? "sent unchanged" : "sent changed");
    cJSON_Delete(calls);
    run_result_release(&r);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

const struct ct_test ct_oauth_tests[] = {
    {"oauth_consent_url", "OAUTH-001,OAUTH-002", test_consent_url},
    {"oauth_state_refused", "OAUTH-003", test_state_refused},
    {"oauth_denied_consent", "OAUTH-004", test_denied},
    {"oauth_no_code", "OAUTH-013", test_no_code},
    {"oauth_code_exchange", "OAUTH-005,OAUTH-006", test_code_exchange},
    {"oauth_code_exchange_faults", "OAUTH-006", test_code_exchange_faults},
    {"oauth_refresh_on_expiry", "OAUTH-007,OAUTH-009,OAUTH-011", test_refresh_expiry},
    {"oauth_refresh_on_1003", "OAUTH-008", test_refresh_1003},
    {"oauth_refused_refresh", "OAUTH-010", test_refused_refresh},
    {"oauth_refused_after_refresh", "OAUTH-014", test_refused_after_refresh},
    {"oauth_token_answers", "OAUTH-015", test_token_answers},
    {"oauth_unreserved_code", "OAUTH-016", test_unreserved_code},
};
const size_t ct_oauth_test_count = sizeof ct_oauth_tests / sizeof ct_oauth_tests[0];
