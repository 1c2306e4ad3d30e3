/* t_sync.c - backfill, incremental syncs and users (BF, INC, USR), plus the
 * mapping judgement on the backfill's delivery (t_map.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "ctenv.h"
#include "dclock.h"
#include "judge.h"
#include "strutil.h"
#include "tests.h"
#include "verdict.h"

#define RUN_MS 90000

static int setup(struct ct_env *e, const char *scenario, const char *reqs)
{
    struct ct_env_cfg cfg = {.scenario = scenario};
    return ct_env_ready(e, &cfg, reqs);
}

/* Judges one USR requirement: every scenario user is an entity, with the
 * user's email address and System Admin flag. */
static void judge_users(struct ct_env *e, const char *id)
{
    cJSON *users = ct_ss_users(e);
    cJSON *ents = users ? ct_cas_entities(e) : NULL;
    if (!ents) {
        ct_blocked(id, "%s", e->err);
        cJSON_Delete(users);
        return;
    }
    int nu = 0, missing = 0, wrong = 0;
    char first[64] = "", wrong_ex[200] = "";
    const cJSON *u, *en;
    /* Entity ids as text, once: organisations of thousands of users. */
    int ne0 = cJSON_GetArraySize(ents), k = 0;
    char (*have)[40] = calloc(ne0 ? (size_t)ne0 : 1, sizeof *have);
    const cJSON **byk = calloc(ne0 ? (size_t)ne0 : 1, sizeof *byk);
    if (!have || !byk) {
        ct_blocked(id, "out of memory");
        free(have);
        free(byk);
        cJSON_Delete(users);
        cJSON_Delete(ents);
        return;
    }
    cJSON_ArrayForEach(en, ents) {
        const cJSON *eid = cJSON_GetObjectItemCaseSensitive(en, "id");
        if (cJSON_IsString(eid))
            snprintf(have[k], sizeof have[k], "%s", eid->valuestring);
        else if (cJSON_IsNumber(eid))
            snprintf(have[k], sizeof have[k], "%.0f", eid->valuedouble);
        byk[k++] = en;
    }
    cJSON_ArrayForEach(u, users) {
        nu++;
        const cJSON *uid = cJSON_GetObjectItemCaseSensitive(u, "id");
        char want[40];
        snprintf(want, sizeof want, "%.0f", cJSON_IsNumber(uid) ? uid->valuedouble : -1.0);
        const cJSON *found = NULL;
        for (int i = 0; i < k && !found; i++)
            if (!strcmp(have[i], want))
                found = byk[i];
        if (!found) {
            if (!missing++)
                snprintf(first, sizeof first, "%s", want);
            continue;
        }
        const char *mail = ct_jstr(u, "email"), *got = ct_jstr(found, "email");
        int admin = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "admin"));
        int got_admin = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(found, "isAdmin"));
        int mail_ok = !mail || (got && !strcasecmp(mail, got));
        if ((!mail_ok || admin != got_admin) && !wrong++)
            snprintf(wrong_ex, sizeof wrong_ex, " (first: user %s %s)", want,
                     !mail_ok ? "has another email" : "has the wrong isAdmin");
    }
    free(have);
    free(byk);
    int ne = cJSON_GetArraySize(ents);
    ct_judge(e, id, missing == 0 && wrong == 0 && ne == nu,
               "%d users, %d entities stored, %d users missing%s%s%s, %d with a wrong email or "
               "admin flag%s", nu, ne, missing, missing ? " (first id " : "", missing ? first : "",
               missing ? ")" : "", wrong, wrong_ex);
    cJSON_Delete(users);
    cJSON_Delete(ents);
}

/* The since parameter of the first events request, in epoch ms; -1 none. */
static int64_t first_since(cJSON *journal, long long *seq, int *has_pos)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, journal) {
        const char *m = ct_jstr(it, "method"), *q = ct_jstr(it, "query");
        if (!m || strcmp(m, "GET"))
            continue;
        *seq = ct_jnum(it, "seq");
        char v[64];
        q = q ? q : "";
        *has_pos = form_get(q, strlen(q), "streamPosition", v, sizeof v) == 1;
        if (form_get(q, strlen(q), "since", v, sizeof v) != 1)
            return -1;
        int64_t ms;
        if (!parse_iso8601_ms(v, &ms) || !parse_i64(v, 0, INT64_MAX, &ms))
            return ms;
        return -2;
    }
    return -1;
}


/* More events in the window than one page holds (maxCount 10000): every
 * page must be read. */
static void test_backfill_pages(void **st)
{
    (void)st;
    const char *reqs = "BF-002";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "default"};
    if (ct_env_start(&e, &cfg)) {
        ct_blocked(reqs, "setup failed: %s", e.err);
        goto out;
    }
    if (ct_append_events(&e, 10500) || ct_env_connect(&e)) {
        ct_blocked(reqs, "not judged, because %s", e.err);
        goto out;
    }
    int64_t t0 = dclock_wall_ms();
    if (ct_sync_ok(&e, RUN_MS)) {
        ct_judge(&e, "BF-002", 0, "with 10500 live events added: %s", e.err);
        goto out;
    }
    cJSON *j = ct_ss_journal(&e, "/2.0/events");
    int pages = cJSON_GetArraySize(j);
    cJSON_Delete(j);
    struct ct_delivery d;
    char text[600];
    if (ct_delivery_check(&e, t0 - 7 * CT_DAY_MS, &d)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    ct_delivery_text(&d, text, sizeof text);
    ct_judge(&e, "BF-002", d.expected > 10000 && !d.missing && !d.duplicated && !d.unknown,
               "a backfill longer than one page (%d events requests): %s", pages, text);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_backfill(void **st)
{
    (void)st;
    const char *reqs = "BF-001,BF-002,BF-003,USR-001,RL-005,MAP-001,MAP-002,MAP-003,MAP-004,MAP-005,MAP-006,"
                       "MAP-007";
    struct ct_env e;
    if (setup(&e, "default", reqs))
        goto out;
    if (ct_map_cover_table(&e)) {
        ct_blocked(reqs, "adding an event for every row of the mapping table: %s", e.err);
        goto out;
    }
    int64_t t0 = dclock_wall_ms();
    if (ct_sync_ok(&e, RUN_MS)) {
        /* A connector that CAS refused for its own mapping stops (RES-006);
         * what it sent is still judged. */
        char why[sizeof e.err];
        snprintf(why, sizeof why, "%s", e.err);
        ct_blocked("BF-001,BF-002,BF-003,USR-001,RL-005", "the first sync failed: %s", why);
        ct_map_judge(&e, why, t0);
        goto out;
    }
    int64_t t1 = dclock_wall_ms();
    cJSON *j = ct_ss_journal(&e, "/2.0/events");
    long long seq = 0;
    int has_pos = 0;
    int64_t since = j ? first_since(j, &seq, &has_pos) : -1;
    int64_t lo = t0 - 7 * CT_DAY_MS - CT_HOUR_MS, hi = t1 - 7 * CT_DAY_MS + CT_HOUR_MS;
    if (since < 0) {
        ct_verdict("BF-001", 0, "the first events request (#%lld) has %s", seq,
                   since == -2 ? "an unreadable since" : "no since");
    } else {
        char got[32];
        format_iso8601(since, got);
        ct_verdict("BF-001", since >= lo && since <= hi,
                   "first events request #%lld asks since %s, %.1f hours before the sync", seq,
                   got, (double)(t0 - since) / (double)CT_HOUR_MS);
    }
    cJSON_Delete(j);
    struct ct_delivery d;
    char text[600];
    if (ct_delivery_check(&e, t0 - 7 * CT_DAY_MS, &d)) {
        memset(&d, 0, sizeof d);
        ct_blocked("BF-002,BF-003", "%s", e.err);
    } else {
        ct_delivery_text(&d, text, sizeof text);
        ct_judge(&e, "BF-002", d.expected > 0 && !d.missing && !d.duplicated && !d.unknown, "%s",
                   text);
        ct_verdict("BF-003", !d.too_old, "%s", text);
    }
    judge_users(&e, "USR-001");
    cJSON *users = ct_ss_users(&e);
    ct_rl_judge_frugal(&e, cJSON_GetArraySize(users), d.expected);
    cJSON_Delete(users);
    ct_map_judge(&e, NULL, t0);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* The instance's duplicate counter at mock-cas. */
static long long cas_duplicates(struct ct_env *e)
{
    char path[96];
    snprintf(path, sizeof path, "/_mock/instances/%lld", e->instance_id);
    cJSON *j = ct_cas(e, "GET", path, NULL);
    long long n = j ? ct_jnum(j, "duplicates") : -1;
    cJSON_Delete(j);
    return n;
}

/* A first sync, five live events, the journal cleared, a second sync.  A
 * failed sync is a failure of reqs when judged (the condition under test
 * made it fail; `what` names it), else it blocks them.  0 when both
 * succeeded: *t0 is the time before the first, *dup0 CAS's duplicate count
 * after it. */
static int sync_append_sync(struct ct_env *e, const char *reqs, const char *what, int judged,
                            int64_t *t0, long long *dup0)
{
    *t0 = dclock_wall_ms();
    for (int i = 0; i < 2; i++) {
        if (i && (ct_append_events(e, 5) || ct_ss_do(e, "DELETE", "/_mock/journal", NULL))) {
            ct_blocked(reqs, "setup: %s", e->err);
            return -1;
        }
        if (ct_sync_ok(e, RUN_MS)) {
            if (judged)
                ct_judge(e, reqs, 0, "%s: the %s sync: %s", what, i ? "second" : "first",
                         e->err);
            else
                ct_blocked(reqs, "the %s sync failed: %s", i ? "second" : "first", e->err);
            return -1;
        }
        if (!i)
            *dup0 = cas_duplicates(e);
    }
    return 0;
}

static void test_incremental(void **st)
{
    (void)st;
    const char *reqs = "INC-001,INC-002,INC-003";
    struct ct_env e;
    if (setup(&e, "default", reqs))
        goto out;
    int64_t t0;
    long long dup0;
    if (sync_append_sync(&e, reqs, NULL, 0, &t0, &dup0))
        goto out;
    cJSON *j = ct_ss_journal(&e, "/2.0/events");
    long long seq = 0;
    int has_pos = 0;
    int64_t since = first_since(j, &seq, &has_pos);
    ct_verdict("INC-001", j && seq && has_pos && since == -1,
               "the second sync's first events request (#%lld) %s streamPosition and %s since",
               seq, has_pos ? "has" : "lacks", since == -1 ? "no" : "a");
    cJSON_Delete(j);
    struct ct_delivery d;
    char text[600];
    long long dup1 = cas_duplicates(&e);
    if (ct_delivery_check(&e, t0 - 7 * CT_DAY_MS, &d) || dup0 < 0 || dup1 < 0) {
        ct_blocked("INC-002", "%s", e.err);
    } else {
        ct_delivery_text(&d, text, sizeof text);
        ct_judge(&e, "INC-002", ct_delivery_ok(&d) && dup1 == dup0,
                   "after 5 live events and a second sync: %s; CAS counted %lld duplicate%s in "
                   "the second sync", text, dup1 - dup0, dup1 - dup0 == 1 ? "" : "s");
    }
    if (ct_ss_do(&e, "DELETE", "/_mock/journal", NULL) || ct_sync_ok(&e, RUN_MS)) {
        ct_blocked("INC-003", "the idle sync failed: %s", e.err);
        goto out;
    }
    j = ct_ss_journal(&e, "/2.0/events");
    int n = cJSON_GetArraySize(j);
    ct_verdict("INC-003", j && n == 1, "a sync with nothing new made %d events request%s", n,
               n == 1 ? "" : "s");
    cJSON_Delete(j);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* Smartsheet's own "no more available" answer has no nextStreamPosition:
 * the last page of every pass comes without one (pages of 1000, so the
 * pass ends on a page that started at a position). */
static void test_incremental_no_last_position(void **st)
{
    (void)st;
    const char *id = "INC-004";
    struct ct_env e;
    if (setup(&e, "default", id))
        goto out;
    if (ct_ss_do(&e, "POST", "/_mock/last-page", "{\"nextStreamPosition\":\"omit\"}") ||
        ct_ss_do(&e, "POST", "/_mock/page-limit", "{\"events\":1000}")) {
        ct_blocked(id, "setup: %s", e.err);
        goto out;
    }
    int64_t t0;
    long long dup0;
    if (sync_append_sync(&e, id, "last pages without nextStreamPosition", 1, &t0, &dup0))
        goto out;
    cJSON *j = ct_ss_journal(&e, "/2.0/events");
    long long seq = 0;
    int has_pos = 0;
    int64_t since = j ? first_since(j, &seq, &has_pos) : -1;
    cJSON_Delete(j);
    struct ct_delivery d;
    char text[600];
    long long dup1 = cas_duplicates(&e);
    if (ct_delivery_check(&e, t0 - 7 * CT_DAY_MS, &d) || dup0 < 0 || dup1 < 0) {
        ct_blocked(id, "%s", e.err);
        goto out;
    }
    ct_delivery_text(&d, text, sizeof text);
    ct_judge(&e, id, ct_delivery_ok(&d) && dup1 == dup0,
             "last pages without nextStreamPosition; the second sync began with %s "
             "(request #%lld): %s; CAS counted %lld duplicate%s in the second sync",
             has_pos ? "a streamPosition" : since >= 0 ? "a since" : "neither position nor since",
             seq, text, dup1 - dup0, dup1 - dup0 == 1 ? "" : "s");
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void users_case(const char *id, const char *scenario)
{
    struct ct_env e;
    if (setup(&e, scenario, id))
        goto out;
    if (ct_sync_ok(&e, RUN_MS))
        ct_judge(&e, id, 0, "scenario %s: %s", scenario, e.err);
    else
        judge_users(&e, id);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_users_200(void **st)
{
    (void)st;
    users_case("USR-002", "users-200");
}

/* USR-004, USR-005 on an organisation of 2,000 users (two full entity
 * batches): CAS refuses the first entity batch once, so the sync must
 * fail (exit 1) without dropping those users; a sync without refusals
 * then delivers every user and succeeds, although its last batch is full
 * and nothing is left for a final one. */
static void test_users_batches(void **st)
{
    (void)st;
    const char *reqs = "USR-004,USR-005";
    struct ct_env e;
    if (setup(&e, "users-2000", reqs))
        goto out;
    char rule[300];
    snprintf(rule, sizeof rule, "{\"path\":\"/api/v1/app_connectors/%lld/entities*\","
             "\"method\":\"POST\",\"nth\":1,\"action\":\"error\",\"errorCode\":400,"
             "\"count\":1}", e.instance_id);
    struct run_result r;
    if (ct_cas_do(&e, "POST", "/_mock/faults", rule) ||
        ct_env_run(&e, "sync", NULL, NULL, RUN_MS, -1, &r)) {
        ct_blocked(reqs, "setup: %s", e.err);
        goto out;
    }
    char how[64];
    ct_run_outcome(&r, how, sizeof how);
    run_result_release(&r);
    cJSON *f = ct_cas(&e, "GET", "/_mock/faults", NULL);
    const cJSON *fl = cJSON_GetObjectItemCaseSensitive(f, "faults");
    long long fired = cJSON_GetArraySize(fl) ? ct_jnum(cJSON_GetArrayItem(fl, 0), "fired") : 0;
    cJSON_Delete(f);
    if (ct_cas_do(&e, "DELETE", "/_mock/faults", NULL)) {
        ct_blocked(reqs, "setup: %s", e.err);
        goto out;
    }
    cJSON *ents = ct_cas_entities(&e);
    int after_refusal = cJSON_GetArraySize(ents);
    cJSON_Delete(ents);
    char err[600];
    int s = ct_sync_ok_why(&e, RUN_MS, err, sizeof err);
    cJSON *users = ct_ss_users(&e);
    ents = users ? ct_cas_entities(&e) : NULL;
    int nu = cJSON_GetArraySize(users), ne = cJSON_GetArraySize(ents);
    cJSON_Delete(users);
    cJSON_Delete(ents);
    if (!users || !ents) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    if (s)
        ct_judge(&e, "USR-004", 0, "%d users (two full entity batches): a sync without "
                 "refusals failed: %.400s", nu, err);
    else
        judge_users(&e, "USR-004");
    char ev[900];
    snprintf(ev, sizeof ev, "%d users; CAS refused the first entity batch with 400: sync %s "
             "(want exit 1), %d entities stored; a sync without refusals %s%.300s; %d of %d "
             "users stored", nu, how, after_refusal, s ? "failed: " : "succeeded", err, ne, nu);
    if (fired < 1)
        ct_blocked("USR-005", "the refusal never fired: %s", ev);
    else if (!strcmp(how, "exit 0") || (s == 0 && ne < nu))
        ct_verdict("USR-005", 0, "%s", ev);
    else
        ct_judge(&e, "USR-005", !strcmp(how, "exit 1") && s == 0 && ne >= nu, "%s", ev);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

static void test_empty_org(void **st)
{
    (void)st;
    users_case("USR-003", "empty-org");
}

const struct ct_test ct_sync_tests[] = {
    {"backfill_and_mapping",
     "BF-001,BF-002,BF-003,USR-001,RL-005,MAP-001,MAP-002,MAP-003,MAP-004,MAP-005,MAP-006,"
                       "MAP-007",
     test_backfill},
    {"backfill_many_pages", "BF-002", test_backfill_pages},
    {"incremental", "INC-001,INC-002,INC-003", test_incremental},
    {"incremental_no_last_position", "INC-004", test_incremental_no_last_position},
    {"users_exact_pages", "USR-002", test_users_200},
    {"users_empty_org", "USR-003", test_empty_org},
    {"users_entity_batches", "USR-004,USR-005", test_users_batches},
};
const size_t ct_sync_test_count = sizeof ct_sync_tests / sizeof ct_sync_tests[0];
