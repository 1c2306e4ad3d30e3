/* t_res.c - resilience (RES-001..009, OAUTH-012): faults on either side,
 * crashes at chosen points, refusals; then every event must be stored
 * exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
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
/* A stalled request not abandoned within this much duration time shows a
 * timeout that is not sane, whatever the machine's load. */
#define STALL_EVIDENCE_MS (30LL * 60 * 1000)

struct fault {
    int cas;              /* 1: a mock-cas rule, else mock-smartsheet */
    const char *rule;     /* JSON */
};

/* mock-smartsheet's duration clock now, ms; -1 unknown. */
static long long ss_now(struct ct_env *e)
{
    cJSON *j = ct_ss(e, "GET", "/_mock/clock", NULL);
    long long t = j ? ct_jnum(j, "durationMs") : -1;
    cJSON_Delete(j);
    return t;
}

/* RES-004 when the suite had to stop the sync: evidence of a timeout that
 * is not sane is the stalled request left unretried for half an hour of
 * duration time. */
static int stall_unretried(struct ct_env *e, char *ev, size_t cap)
{
    cJSON *j = ct_ss_journal(e, "/2.0/events");
    int asks = cJSON_GetArraySize(j);
    long long first = asks ? ct_jnum(cJSON_GetArrayItem(j, 0), "durationMs") : 0;
    long long seq = asks ? ct_jnum(cJSON_GetArrayItem(j, 0), "seq") : 0;
    cJSON_Delete(j);
    long long now = ss_now(e);
    if (asks != 1 || now < 0 || now - first < STALL_EVIDENCE_MS)
        return 0;
    snprintf(ev, cap, "the stalled events request (#%lld) was never abandoned: no retry in %lld "
             "minutes of duration time, until the suite stopped the sync", seq,
             (now - first) / 60000);
    return 1;
}

/* Connects, installs the faults, syncs once and judges: the sync must
 * succeed by itself (a retry, not a rerun) and deliver every event once. */
/* The first rule at a double that never fired (its text in out), or 0
 * when every rule fired: a fault that did not happen proves nothing. */
static int unfired_rule(struct ct_env *e, int cas, char *out, size_t cap)
{
    cJSON *list = cas ? ct_cas(e, "GET", "/_mock/faults", NULL)
                      : ct_ss(e, "GET", "/_mock/faults", NULL);
    /* mock-cas wraps its list in {"faults": [...]} */
    const cJSON *rules = cJSON_IsObject(list) ? cJSON_GetObjectItemCaseSensitive(list, "faults")
                                              : list;
    const cJSON *r;
    int found = !cJSON_IsArray(rules);
    if (found)
        snprintf(out, cap, "the fault rules could not be read: %.200s", e->err);
    const cJSON *each = found ? NULL : rules;
    cJSON_ArrayForEach(r, each) {
        if (!found && ct_jnum(r, "fired") == 0) {
            found = 1;
            snprintf(out, cap, "the %s rule on %.80s (%s %lld) never fired: the connector made "
                     "%lld matching request%s", cas ? "CAS" : "Smartsheet",
                     ct_jstr(r, "path") ? ct_jstr(r, "path") : "?",
                     ct_jstr(r, "action") ? ct_jstr(r, "action") : "?",
                     ct_jnum(r, "status") ? ct_jnum(r, "status") : ct_jnum(r, "errorCode"),
                     ct_jnum(r, "matched"), ct_jnum(r, "matched") == 1 ? "" : "s");
        }
    }
    cJSON_Delete(list);
    return found;
}

static void fault_case(const char *id, const char *what, const struct fault *f, int nf,
                       int run_ms, int stall)
{
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "default"};
    if (ct_env_ready(&e, &cfg, id))
        goto out;
    for (int i = 0; i < nf; i++) {
        int rc = f[i].cas ? ct_cas_do(&e, "POST", "/_mock/faults", f[i].rule)
                          : ct_ss_do(&e, "POST", "/_mock/faults", f[i].rule);
        if (rc) {
            ct_blocked(id, "fault rule refused: %s", e.err);
            goto out;
        }
    }
    int64_t t0 = dclock_wall_ms();
    char err1[600], ev[300];
    int s1 = ct_sync_ok_why(&e, run_ms, err1, sizeof err1);
    if (stall && e.overtime[0] && stall_unretried(&e, ev, sizeof ev)) {
        ct_verdict(id, 0, "%s: %s", what, ev);
        goto out;
    }
    struct ct_delivery d;
    char text[600];
    if (ct_delivery_check(&e, t0 - 7 * CT_DAY_MS, &d)) {
        ct_blocked(id, "%s", e.err);
        goto out;
    }
    ct_delivery_text(&d, text, sizeof text);
    char unfired[300];
    int any_cas = 0;
    for (int i = 0; i < nf; i++)
        any_cas |= f[i].cas;
    if (d.duplicated || d.too_old || d.unknown)
        ct_verdict(id, 0, "%s: sync %s%s; %s", what, s1 ? "failed: " : "succeeded", err1, text);
    else if (s1 == 0 && ct_delivery_ok(&d) &&
             (unfired_rule(&e, 0, unfired, sizeof unfired) ||
              (any_cas && unfired_rule(&e, 1, unfired, sizeof unfired))))
        ct_blocked(id, "%s: the sync succeeded, but %s", what, unfired);
    else
        ct_judge(&e, id, s1 == 0 && ct_delivery_ok(&d), "%s: sync %s%s; %s", what,
                 s1 ? "failed: " : "succeeded", err1, text);
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
    fault_case("RES-001", "events answered 4001 then a bare 502, users 4002", f, 3, RUN_MS, 0);
}

/* What a load balancer answers when the service behind it is away or busy:
 * HTML pages with the bare status, a 429 with no errorCode.  Rules fire in
 * order, once each: the first events request gets 503, its retry 429, the
 * next 504. */
static void test_load_balancer(void **st)
{
    (void)st;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/events\",\"action\":\"status\",\"status\":503,\"count\":1}"},
        {0, "{\"path\":\"/2.0/events\",\"action\":\"status\",\"status\":429,\"count\":1}"},
        {0, "{\"path\":\"/2.0/events\",\"action\":\"status\",\"status\":504,\"count\":1}"},
        {0, "{\"path\":\"/2.0/users\",\"action\":\"status\",\"status\":502,\"count\":1}"},
    };
    fault_case("RES-010", "HTML pages of a load balancer: users 502; events 503, then a 429 "
               "without JSON, then 504", f, 4, RUN_MS, 0);
}

static void test_4004(void **st)
{
    (void)st;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/events\",\"action\":\"error\",\"errorCode\":4004,\"count\":2}"},
        {0, "{\"path\":\"/2.0/users\",\"action\":\"error\",\"errorCode\":4004,\"count\":1}"},
    };
    fault_case("RES-002", "events answered 4004 twice, users once", f, 2, RUN_MS, 0);
}

static void test_close(void **st)
{
    (void)st;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/events\",\"action\":\"close\",\"count\":2}"},
        {0, "{\"path\":\"/2.0/users\",\"action\":\"close\",\"count\":1}"},
    };
    fault_case("RES-003", "connections closed without an answer (events twice, users once)", f,
               2, RUN_MS, 0);
}

static void test_stall(void **st)
{
    (void)st;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/events\",\"action\":\"delay\",\"delayMs\":" STALL ",\"count\":1}"},
    };
    fault_case("RES-004", "the first events answer stalled for six hours of duration time", f, 1,
               STALL_RUN_MS, 1);
}

static void test_bad_pages(void **st)
{
    (void)st;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/events\",\"action\":\"truncate\",\"count\":1}"},
        {0, "{\"path\":\"/2.0/events\",\"action\":\"malformed\",\"count\":1}"},
        {0, "{\"path\":\"/2.0/users\",\"action\":\"malformed\",\"count\":1}"},
        {0, "{\"path\":\"/2.0/users\",\"action\":\"truncate\",\"count\":1}"},
    };
    fault_case("RES-005", "an events page truncated, then one malformed, a users page malformed, "
               "then one truncated", f, 4, RUN_MS, 0);
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
    fault_case("RES-006", "CAS answered 503 twice, then 429 twice", f, 2, RUN_MS, 0);
}

/* RES-011: CAS answers a delivery 200 with a page that is not JSON (a
 * proxy's page: the batch was never stored), then 200 with a body spoiled
 * after the batch was stored.  Neither is a delivery nor a refusal: the
 * sync must go on by itself and every event arrive once. */
static void test_cas_unreadable(void **st)
{
    (void)st;
    const struct fault f[] = {
        {1, "{\"path\":\"/api/v1/app_connectors/*\",\"method\":\"POST\",\"action\":\"status\","
            "\"status\":200,\"count\":1}"},
        {1, "{\"path\":\"/api/v1/app_connectors/*\",\"method\":\"POST\",\"action\":"
            "\"malformed\",\"count\":1}"},
    };
    fault_case("RES-011", "CAS answered a delivery 200 with an HTML page (nothing stored), then "
               "200 with a malformed body (stored)", f, 2, RUN_MS, 0);
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

/* The instance's duplicate counter at mock-cas; -1 unknown. */
static long long cas_duplicates(struct ct_env *e)
{
    char path[96];
    snprintf(path, sizeof path, "/_mock/instances/%lld", e->instance_id);
    cJSON *j = ct_cas(e, "GET", path, NULL);
    long long n = j ? ct_jnum(j, "duplicates") : -1;
    cJSON_Delete(j);
    return n;
}

/* One crash point: a fault that catches the connector at a moment of its
 * sync, where the test kills it. */
struct crash_point {
    const char *where;   /* for evidence */
    int cas;             /* the rule is mock-cas's */
    const char *rule;    /* "%lld" is the CAS instance id */
    int expire_first;    /* expire the access tokens before the sync */
};

struct crash_log {
    int crashes;                 /* kills that landed on a held request */
    long long worst_dups;        /* most duplicates one run after a crash sent */
    char worst_where[80];
    struct buf text;             /* "where: how" per point */
};

/* Starts a sync, waits until the fault holding one of its requests has
 * fired (that request is in flight), then kills the connector with
 * SIGKILL.  Returns 0, or -1 with e->err when the doubles refused. */
static int killed_sync(struct ct_env *e, const struct crash_point *cp, struct crash_log *log,
                       int *landed)
{
    char rule[512];
    snprintf(rule, sizeof rule, cp->rule, e->instance_id);
    *landed = 0;
    if (cp->expire_first && ct_ss_do(e, "POST", "/_mock/tokens/expire", "{}"))
        return -1;
    int rc = cp->cas ? ct_cas_do(e, "POST", "/_mock/faults", rule)
                     : ct_ss_do(e, "POST", "/_mock/faults", rule);
    pid_t pid;
    if (rc || ct_env_spawn(e, "sync", &pid))
        return -1;
    int64_t deadline = dclock_mono_ms() + ct_budget_ms(30000);
    char ended[64] = "", killed[64] = "";
    while (dclock_mono_ms() < deadline) {
        if (fault_fired(e, cp->cas) >= 1) {
            *landed = 1;
            break;
        }
        if (!ct_env_running(e, pid, ended, sizeof ended))
            break;
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (!ended[0])
        ct_env_kill(e, pid, "a crash point", killed, sizeof killed);
    log->crashes += *landed;
    buf_printf(&log->text, "%s%s (%s)", log->text.len ? "; " : "", cp->where,
               *landed ? "killed while it was held"
                       : ended[0] ? ended : "never reached it in 30 s; killed");
    return cp->cas ? ct_cas_do(e, "DELETE", "/_mock/faults", NULL)
                   : ct_ss_do(e, "DELETE", "/_mock/faults", NULL);
}

/* Token requests refused (4xx) in the journal after sequence number seq. */
static int refused_refreshes_after(struct ct_env *e, long long seq, long long *first)
{
    cJSON *j = ct_ss_journal(e, "/2.0/token");
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        long long st = ct_jnum(it, "status");
        if (ct_jnum(it, "seq") > seq && st >= 400 && st < 500 && !n++)
            *first = ct_jnum(it, "seq");
    }
    cJSON_Delete(j);
    return n;
}

/* The last journal sequence number at mock-smartsheet; 0 if none. */
static long long last_seq(struct ct_env *e)
{
    cJSON *j = ct_ss_journal(e, NULL);
    int n = cJSON_GetArraySize(j);
    long long seq = n ? ct_jnum(cJSON_GetArrayItem(j, n - 1), "seq") : 0;
    cJSON_Delete(j);
    return seq;
}

#define ACTS "/api/v1/app_connectors/%lld/activities*"
static const struct crash_point points[] = {
    {"reading users", 0, "{\"path\":\"/2.0/users\",\"action\":\"hold\",\"delayMs\":" STALL
                         ",\"count\":1}", 0},
    {"delivering users, before CAS took them", 1,
     "{\"path\":\"/api/v1/app_connectors/%lld/entities*\",\"method\":\"POST\",\"action\":"
     "\"hold\",\"delayMs\":" STALL ",\"count\":1}", 0},
    {"the first batch, before CAS took it", 1,
     "{\"path\":\"" ACTS "\",\"method\":\"POST\",\"nth\":1,\"action\":\"hold\",\"delayMs\":"
     STALL "}", 0},
    {"the third batch of a run, before CAS took it", 1,
     "{\"path\":\"" ACTS "\",\"method\":\"POST\",\"nth\":3,\"action\":\"hold\",\"delayMs\":"
     STALL "}", 0},
    {"the first batch, stored by CAS but not yet answered", 1,
     "{\"path\":\"" ACTS "\",\"method\":\"POST\",\"nth\":1,\"action\":\"delay\",\"delayMs\":"
     STALL "}", 0},
    {"the second batch, before CAS took it", 1,
     "{\"path\":\"" ACTS "\",\"method\":\"POST\",\"nth\":2,\"action\":\"hold\",\"delayMs\":"
     STALL "}", 0},
    {"the first request with refreshed tokens", 0,
     "{\"path\":\"/2.0/*\",\"newToken\":true,\"action\":\"hold\",\"delayMs\":" STALL
     ",\"count\":1}", 1},
    {"reading events", 0, "{\"path\":\"/2.0/events\",\"action\":\"hold\",\"delayMs\":" STALL
                          ",\"count\":1}", 0},
};
#define REFRESH_POINT 6
#define NPOINTS (sizeof points / sizeof points[0])

/* RES-007, RES-008, OAUTH-012: a sync killed at each crash point in turn
 * (each kill lands on a request a fault holds), the duplicates each next
 * run sent counted, then a last sync that must deliver everything. */
static void test_crash(void **st)
{
    (void)st;
    const char *reqs = "RES-007,RES-008,OAUTH-012";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "default"};
    struct crash_log log;
    memset(&log, 0, sizeof log);
    buf_init(&log.text, 64 * 1024);
    if (ct_env_start(&e, &cfg)) {
        ct_blocked(reqs, "setup failed: %s", e.err);
        goto out;
    }
    /* Enough events for nine batches: a run can have two accepted batches
     * before the one held. */
    if (ct_append_events(&e, 6000) || ct_env_connect(&e)) {
        ct_blocked(reqs, "not judged, because %s", e.err);
        goto out;
    }
    int64_t t0 = dclock_wall_ms();
    long long dups = cas_duplicates(&e), refresh_seq = -1;
    int refresh_landed = 0, prev_landed = 0;
    const char *prev_where = "";
    for (size_t i = 0; i < NPOINTS; i++) {
        int landed;
        long long seq = last_seq(&e);
        if (killed_sync(&e, &points[i], &log, &landed)) {
            ct_blocked(reqs, "setup: %s", e.err);
            goto out;
        }
        long long now = cas_duplicates(&e);
        if (prev_landed && now - dups > log.worst_dups) {
            log.worst_dups = now - dups;
            snprintf(log.worst_where, sizeof log.worst_where, "%s", prev_where);
        }
        dups = now;
        prev_landed = landed;
        prev_where = points[i].where;
        if (i == REFRESH_POINT) {
            refresh_landed = landed;
            refresh_seq = seq;
        }
    }
    if (!log.crashes) {              /* a rerun after no crash proves nothing */
        ct_blocked(reqs, "no sync reached a crash point: %s", log.text.ptr);
        goto out;
    }
    char err[600];
    int s = ct_sync_ok_why(&e, RUN_MS, err, sizeof err);
    long long now = cas_duplicates(&e);
    if (prev_landed && now - dups > log.worst_dups) {
        log.worst_dups = now - dups;
        snprintf(log.worst_where, sizeof log.worst_where, "%s", prev_where);
    }
    struct ct_delivery d;
    char text[600];
    if (ct_delivery_check(&e, t0 - 7 * CT_DAY_MS, &d)) {
        ct_blocked(reqs, "%s", e.err);
        goto out;
    }
    ct_delivery_text(&d, text, sizeof text);
    if (d.missing && s == 0)
        ct_verdict("RES-007", 0, "crash points: %s; the last sync succeeded but %s",
                   log.text.ptr, text);
    else
        ct_judge(&e, "RES-007", s == 0 && ct_delivery_ok(&d), "crash points: %s; the last sync "
                 "%s%s; %s", log.text.ptr, s == 0 ? "succeeded" : "failed: ", err, text);
    ct_verdict("RES-008", log.worst_dups <= 1000,
               "%d crashes; the most activities one run sent again after a crash: %lld (CAS "
               "duplicates%s%s%s; at most one batch, 1000, allowed)", log.crashes,
               log.worst_dups, log.worst_dups ? ", after the kill at " : "", log.worst_where,
               log.worst_dups ? "" : "");
    if (!refresh_landed) {
        ct_blocked("OAUTH-012", "the sync after the tokens expired never made a request with "
                   "refreshed tokens (%s)", log.text.ptr);
    } else {
        long long first = 0;
        int refused = refused_refreshes_after(&e, refresh_seq, &first);
        char where[80] = "";
        if (refused)
            snprintf(where, sizeof where, " (first: request #%lld)", first);
        ct_judge(&e, "OAUTH-012", refused == 0 && s == 0,
                 "killed at its first request with refreshed tokens: afterwards %d token "
                 "request%s refused%s, the last sync %s", refused, refused == 1 ? " was" : "s were",
                 where, s == 0 ? "succeeded" : err);
    }
out:
    buf_release(&log.text);
    ct_env_stop(&e);
    ct_verdict_end();
}

/* What the doubles hold after the sync without faults that ends a test: the
 * scenario's users and CAS's entities counted, the events of the last week
 * checked at CAS, and the sentence for the evidence. */
struct delivered {
    int sync_ok;                 /* that sync exited 0 */
    int nu, ne;                  /* users at Smartsheet, entities at CAS */
    struct ct_delivery d;
    char text[1300];             /* "succeeded; 160 of 160 users stored; 2783 events ..." */
};

/* s and err: how that sync ended (0 and "" when it succeeded).  -1 with
 * `id` not judged when the doubles could not be read. */
static int count_delivered(struct ct_env *e, int64_t t0, const char *id, int s, const char *err,
                           struct delivered *out)
{
    cJSON *users = ct_ss_users(e), *ents = users ? ct_cas_entities(e) : NULL;
    int bad = !ents || ct_delivery_check(e, t0 - 7 * CT_DAY_MS, &out->d);
    if (bad)
        ct_blocked(id, "%s", e->err);
    out->sync_ok = s == 0;
    out->nu = cJSON_GetArraySize(users);
    out->ne = cJSON_GetArraySize(ents);
    cJSON_Delete(users);
    cJSON_Delete(ents);
    char dtext[600];
    ct_delivery_text(&out->d, dtext, sizeof dtext);
    snprintf(out->text, sizeof out->text, "%s%.400s; %d of %d users stored; %s",
             s == 0 ? "succeeded" : "failed: ", err, out->ne, out->nu, dtext);
    return bad ? -1 : 0;
}

/* Everything arrived once. */
static int delivered_all(const struct delivered *v)
{
    return v->sync_ok && ct_delivery_ok(&v->d) && v->ne >= v->nu;
}

/* The sync succeeded but something is missing or doubled: a loss whatever
 * the harness's timing. */
static int delivered_wrong(const struct delivered *v)
{
    return v->sync_ok && (!ct_delivery_ok(&v->d) || v->ne < v->nu);
}

/* RES-009: CAS refuses the users once, later one batch of activities: each
 * sync must fail (exit 1) rather than skip what was refused, and a sync
 * without refusals must then deliver everything once. */
static void test_refused_delivery(void **st)
{
    (void)st;
    const char *id = "RES-009";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "default"};
    if (ct_env_ready(&e, &cfg, id))
        goto out;
    char rule[400];
    const char *what[2] = {"the users (entities)", "the second batch of activities"};
    char how[2][64];
    int64_t t0 = dclock_wall_ms();
    for (int k = 0; k < 2; k++) {
        snprintf(rule, sizeof rule,
                 k == 0 ? "{\"path\":\"/api/v1/app_connectors/%lld/entities*\",\"method\":\"POST\","
                          "\"action\":\"error\",\"errorCode\":400,\"count\":1}"
                        : "{\"path\":\"/api/v1/app_connectors/%lld/activities*\",\"method\":"
                          "\"POST\",\"nth\":2,\"action\":\"error\",\"errorCode\":400,\"count\":1}",
                 e.instance_id);
        struct run_result r;
        if (ct_cas_do(&e, "POST", "/_mock/faults", rule) ||
            ct_env_run(&e, "sync", NULL, NULL, RUN_MS, -1, &r)) {
            ct_blocked(id, "setup: %s", e.err);
            goto out;
        }
        ct_run_outcome(&r, how[k], sizeof how[k]);
        run_result_release(&r);
        if (ct_cas_do(&e, "DELETE", "/_mock/faults", NULL)) {
            ct_blocked(id, "setup: %s", e.err);
            goto out;
        }
    }
    char err[600];
    int s = ct_sync_ok_why(&e, RUN_MS, err, sizeof err);
    struct delivered v;
    if (count_delivered(&e, t0, id, s, err, &v))
        goto out;
    int exits_ok = !strcmp(how[0], "exit 1") && !strcmp(how[1], "exit 1");
    int evident = !exits_ok && (!strcmp(how[0], "exit 0") || !strcmp(how[1], "exit 0"));
    char ev[2600];
    snprintf(ev, sizeof ev, "CAS refused %s with 400: sync %s (want exit 1); then %s: sync %s "
             "(want exit 1); a sync without refusals %s", what[0], how[0], what[1], how[1],
             v.text);
    if (evident || delivered_wrong(&v))
        ct_verdict(id, 0, "%s", ev);
    else
        ct_judge(&e, id, exits_ok && delivered_all(&v), "%s", ev);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* Runs syncs, one per fault rule (each rule is set before its sync and
 * removed after it), then one without faults; outcomes in how[k], the
 * last sync's error (if any) in err.  Returns the last sync's result (0
 * success), or -2 when the setup failed (e->err says why). */
static int faulted_syncs(struct ct_env *e, const struct fault *f, int nf, char how[][64],
                         long long *fired, char *err, size_t cap)
{
    for (int k = 0; k < nf; k++) {
        char rule[400];
        snprintf(rule, sizeof rule, f[k].rule, e->instance_id);
        struct run_result r;
        int rc = f[k].cas ? ct_cas_do(e, "POST", "/_mock/faults", rule)
                          : ct_ss_do(e, "POST", "/_mock/faults", rule);
        if (rc || ct_env_run(e, "sync", NULL, NULL, RUN_MS, -1, &r))
            return -2;
        ct_run_outcome(&r, how[k], 64);
        run_result_release(&r);
        fired[k] = fault_fired(e, f[k].cas);
        if (f[k].cas ? ct_cas_do(e, "DELETE", "/_mock/faults", NULL)
                     : ct_ss_do(e, "DELETE", "/_mock/faults", NULL))
            return -2;
    }
    return ct_sync_ok_why(e, RUN_MS, err, cap);
}

/* RES-012: CAS answers 200 but rejects the last activity of the second
 * batch: the sync must not take the batch as delivered (exit 1, position
 * before it); a sync without faults then delivers every event once. */
static void test_partial_rejection(void **st)
{
    (void)st;
    const char *id = "RES-012";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "default"};
    if (ct_env_ready(&e, &cfg, id))
        goto out;
    const struct fault f[] = {
        {1, "{\"path\":\"/api/v1/app_connectors/%lld/activities*\",\"method\":\"POST\","
            "\"nth\":2,\"action\":\"reject\",\"count\":1}"},
    };
    char how[1][64], err[600], text[600];
    long long fired[1];
    int64_t t0 = dclock_wall_ms();
    int s = faulted_syncs(&e, f, 1, how, fired, err, sizeof err);
    struct ct_delivery d;
    if (s == -2 || ct_delivery_check(&e, t0 - 7 * CT_DAY_MS, &d)) {
        ct_blocked(id, "setup: %s", e.err);
        goto out;
    }
    ct_delivery_text(&d, text, sizeof text);
    char ev[1400];
    snprintf(ev, sizeof ev, "CAS answered the second batch 200 with its last activity rejected: "
             "sync %s (want exit 1); a sync without faults %s%.400s; %s", how[0],
             s == 0 ? "succeeded" : "failed: ", err, text);
    if (fired[0] < 1)
        ct_blocked(id, "the rejection never fired (the sync sent fewer than two batches): %s", ev);
    else if (!strcmp(how[0], "exit 0") || (s == 0 && !ct_delivery_ok(&d)))
        ct_verdict(id, 0, "%s", ev);
    else
        ct_judge(&e, id, !strcmp(how[0], "exit 1") && s == 0 && ct_delivery_ok(&d), "%s", ev);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* Whether a sync's outcome is one the contract documents (not a crash). */
static int documented_exit(const char *how)
{
    return !strcmp(how, "exit 0") || !strcmp(how, "exit 1") || !strcmp(how, "exit 5");
}

/* RES-013: users pages that lack a member every page has (data, then the
 * first page's totalCount): no crash, a documented exit, and a sync
 * without faults then delivers every user and event. */
static void test_users_fields(void **st)
{
    (void)st;
    const char *id = "RES-013";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "default"};
    if (ct_env_ready(&e, &cfg, id))
        goto out;
    const struct fault f[] = {
        {0, "{\"path\":\"/2.0/users\",\"action\":\"edit\",\"field\":\"data\",\"count\":1}"},
        {0, "{\"path\":\"/2.0/users\",\"nth\":1,\"action\":\"edit\",\"field\":\"totalCount\","
            "\"count\":1}"},
    };
    char how[2][64], err[600];
    long long fired[2];
    int64_t t0 = dclock_wall_ms();
    int s = faulted_syncs(&e, f, 2, how, fired, err, sizeof err);
    if (s == -2) {
        ct_blocked(id, "setup: %s", e.err);
        goto out;
    }
    struct delivered v;
    if (count_delivered(&e, t0, id, s, err, &v))
        goto out;
    char ev[1800];
    snprintf(ev, sizeof ev, "a users page without data: sync %s; a first users page without "
             "totalCount: sync %s (want exit 0, 1 or 5, no crash); a sync without faults %s",
             how[0], how[1], v.text);
    if (fired[0] < 1 || fired[1] < 1)
        ct_blocked(id, "a fault never fired: %s", ev);
    else if (!documented_exit(how[0]) || !documented_exit(how[1]) || delivered_wrong(&v))
        ct_verdict(id, 0, "%s", ev);
    else
        ct_judge(&e, id, delivered_all(&v), "%s", ev);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

/* The fate of the activity batch CAS held, from mock-cas's journal: 1 its
 * client left before the hold ended, 0 it was handled, -1 not journaled
 * yet (or the journal cannot be read). */
static int held_batch_abandoned(struct ct_env *e)
{
    cJSON *j = ct_cas(e, "GET", "/_mock/journal?path=/api/v1/app_connectors/", NULL);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "entries");
    int fate = -1;
    const cJSON *it;
    cJSON_ArrayForEach(it, list) {
        const char *note = ct_jstr(it, "note");
        if (note && !strncmp(note, "held;", 5))
            fate = strstr(note, "client gone") ? 1 : 0;
    }
    cJSON_Delete(j);
    return fate;
}

/* Smartsheet API requests (not the token endpoint) journaled after seq. */
static int api_requests_after(struct ct_env *e, long long seq)
{
    cJSON *j = ct_ss_journal(e, "/2.0/");
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j) {
        const char *p = ct_jstr(it, "path");
        if (p && strncmp(p, "/2.0/token", 10) && ct_jnum(it, "seq") > seq)
            n++;
    }
    cJSON_Delete(j);
    return n;
}

/* RES-014: `run` (optional) gets SIGTERM while CAS holds its second batch
 * (30 s of duration time): it must wait for that batch, exit 0, and leave a
 * state from which a sync delivers everything once. */
static void test_run_stopped(void **st)
{
    (void)st;
    const char *id = "RES-014";
    struct ct_env e;
    struct ct_env_cfg cfg = {.scenario = "default"};
    if (ct_env_ready(&e, &cfg, id))
        goto out;
    char rule[400];
    snprintf(rule, sizeof rule,
             "{\"path\":\"/api/v1/app_connectors/%lld/activities*\",\"method\":\"POST\",\"nth\":2,"
             "\"action\":\"hold\",\"delayMs\":30000,\"count\":1}", e.instance_id);
    int64_t t0 = dclock_wall_ms();
    pid_t pid;
    if (ct_cas_do(&e, "POST", "/_mock/faults", rule) || ct_env_spawn(&e, "run", &pid)) {
        ct_blocked(id, "setup: %s", e.err);
        goto out;
    }
    /* until the second batch is in flight (bounded: a harness limit) */
    int64_t limit = dclock_mono_ms() + ct_budget_ms(30000);
    char ended[64] = "";
    int held = 0;
    while (dclock_mono_ms() < limit) {
        if (fault_fired(&e, 1) >= 1) {
            held = 1;
            break;
        }
        if (!ct_env_running(&e, pid, ended, sizeof ended))
            break;
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (!held) {
        if (!ended[0]) {
            ct_env_kill(&e, pid, "no second batch by the limit", ended,
                        sizeof ended);
            ct_blocked(id, "`run` had not sent a second activity batch %d s after it started "
                       "(stopped by the suite)", ct_budget_ms(30000) / 1000);
        } else if (!strcmp(ended, "exit 2")) {
            ct_blocked(id, "the connector has no `run` command (it exited 2 at once; `run` is "
                       "optional)");
        } else {
            ct_verdict(id, 0, "`run` ended by itself (%s) before its second activity batch, "
                       "without a signal (want: it syncs until SIGTERM)", ended);
        }
        goto out;
    }
    long long sig_seq = last_seq(&e);
    kill(pid, SIGTERM);
    /* until it ends (bounded: a harness limit, judged on requests only) */
    limit = dclock_mono_ms() + ct_budget_ms(60000);
    while (ct_env_running(&e, pid, ended, sizeof ended) && dclock_mono_ms() < limit) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (!ended[0]) {
        char how[64];
        int later = api_requests_after(&e, sig_seq);
        ct_env_kill(&e, pid, "still running at the limit after SIGTERM", how, sizeof how);
        /* the page in flight may finish; more is a sync that went on */
        if (later > 1)
            ct_verdict(id, 0, "`run` was still running %d s after SIGTERM and had made %d "
                       "Smartsheet API requests since it (want: it stops after the batch in "
                       "flight, exit 0)", ct_budget_ms(60000) / 1000, later);
        else
            ct_blocked(id, "`run` was still running %d s after SIGTERM (%d Smartsheet API "
                       "request%s since it); stopped by the suite", ct_budget_ms(60000) / 1000,
                       later, later == 1 ? "" : "s");
        goto out;
    }
    /* The held batch: answered before `run` ended, or dropped when its
     * hold ended because the client had gone (bounded: a harness limit). */
    int abandoned = -1;
    limit = dclock_mono_ms() + ct_budget_ms(30000);
    while ((abandoned = held_batch_abandoned(&e)) < 0 && dclock_mono_ms() < limit) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    if (abandoned < 0) {
        ct_blocked(id, "`run` %s after SIGTERM, but the batch CAS held never reached mock-cas's "
                   "journal within %d s", ended, ct_budget_ms(30000) / 1000);
        goto out;
    }
    if (ct_cas_do(&e, "DELETE", "/_mock/faults", NULL)) {
        ct_blocked(id, "setup: %s", e.err);
        goto out;
    }
    char err[600];
    int s = ct_sync_ok_why(&e, RUN_MS, err, sizeof err);
    struct delivered v;
    if (count_delivered(&e, t0, id, s, err, &v))
        goto out;
    int stopped_ok = !strcmp(ended, "exit 0") && abandoned == 0;
    char ev[1800];
    snprintf(ev, sizeof ev, "SIGTERM while CAS held the second activity batch: `run` %s (want "
             "exit 0)%s; a sync afterwards %s", ended,
             abandoned ? ", and it closed the connection of the held batch instead of waiting "
                         "for CAS's answer" : ", after CAS answered the held batch", v.text);
    if (!stopped_ok || delivered_wrong(&v))
        ct_verdict(id, 0, "%s", ev);
    else
        ct_judge(&e, id, delivered_all(&v), "%s", ev);
out:
    ct_env_stop(&e);
    ct_verdict_end();
}

const struct ct_test ct_res_tests[] = {
    {"resilience_5xx", "RES-001", test_5xx},
    {"resilience_4004", "RES-002", test_4004},
    {"resilience_load_balancer", "RES-010", test_load_balancer},
    {"resilience_closed_connection", "RES-003", test_close},
    {"resilience_stall", "RES-004", test_stall, 1},
    {"resilience_bad_pages", "RES-005", test_bad_pages},
    {"resilience_cas_refusal", "RES-006", test_cas_refusal},
    {"resilience_cas_unreadable", "RES-011", test_cas_unreadable},
    {"resilience_partial_rejection", "RES-012", test_partial_rejection},
    {"resilience_users_fields", "RES-013", test_users_fields},
    {"resilience_crash_resume", "RES-007,RES-008,OAUTH-012", test_crash, 1},
    {"resilience_refused_delivery", "RES-009", test_refused_delivery},
    {"resilience_run_stopped", "RES-014", test_run_stopped},
};
const size_t ct_res_test_count = sizeof ct_res_tests / sizeof ct_res_tests[0];
