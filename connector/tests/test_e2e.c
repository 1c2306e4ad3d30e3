/* End to end: the reference connector against both doubles, as CAS would
 * run it.  Register the app, create the instance, consent, authorize,
 * "Test now", sync the 7-day backfill (every event exactly once, zero
 * violations), incremental and idle syncs, crash mid-sync and resume, a
 * denied consent, a forged state, and a revoked connection.  Doubles are
 * started on port 0 and stopped by PID; nothing sleeps or asserts time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "dclock.h"
#include "httpc.h"
#include "spawn.h"

struct env {
    struct child ss, cas;
    char dir[128];
    char config[256];
    char bin[1024];
    int64_t instance;
    char secret[128];
    char cas_token[160];
};

static const char *bin_dir(void)
{
    const char *b = getenv("KIT_BIN_DIR");
    return b && b[0] ? b : "build/bin";
}

static cJSON *call(const char *base, const char *method, const char *path, const char *body,
                   long *status)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", base, path);
    const char *hdr[] = {"Content-Type: application/json", NULL};
    struct httpc_resp r;
    int rc = httpc_request(method, url, hdr, body, body ? strlen(body) : 0, NULL, &r);
    if (status)
        *status = rc ? 0 : r.status;
    cJSON *j = rc ? NULL : cJSON_ParseWithLength(r.body.ptr, r.body.len);
    httpc_resp_release(&r);
    return j;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static int start_double(const char *name, const char *scenario, const char *limit,
                        struct child *c)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", bin_dir(), name);
    char *argv[12] = {path, "--listen", "127.0.0.1:0", "--time-scale", "60"};
    int n = 5;
    if (scenario) {
        argv[n++] = "--scenario";
        argv[n++] = (char *)scenario;
    }
    if (limit) {
        argv[n++] = "--rate-limit";
        argv[n++] = (char *)limit;
    }
    argv[n] = NULL;
    char err[512];
    if (spawn_double(argv, NULL, 10000, c, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

/* Both doubles, an app, an instance and a config file. */
static int env_start(void **state, const char *scenario, const char *limit)
{
    struct env *e = calloc(1, sizeof *e);
    snprintf(e->bin, sizeof e->bin, "%s/connector", bin_dir());
    snprintf(e->dir, sizeof e->dir, "/tmp/conn-e2e-XXXXXX");
    if (!mkdtemp(e->dir) || start_double("mock-smartsheet", scenario, limit, &e->ss)) {
        free(e);
        return -1;
    }
    if (start_double("mock-cas", NULL, NULL, &e->cas)) {
        spawn_stop(&e->ss, 5000);
        free(e);
        return -1;
    }
    char body[1024];
    snprintf(body, sizeof body,
             "{\"name\":\"CAS connector\",\"description\":\"test\",\"appUrl\":\"https://cas."
             "example\",\"contactUrl\":\"https://cas.example/help\",\"redirectUrl\":\"%s/api/"
             "oauth/saga\",\"publish\":true}", e->cas.url);
    cJSON *app = call(e->ss.url, "POST", "/_mock/apps", body, NULL);
    cJSON *inst = call(e->cas.url, "POST", "/_mock/instances", "{\"name\":\"e2e\"}", NULL);
    int rc = -1;
    if (str(app, "clientId") && str(app, "secret") && str(inst, "token") &&
        num(inst, "instanceId") > 0) {
        e->instance = (int64_t)num(inst, "instanceId");
        snprintf(e->secret, sizeof e->secret, "%s", str(app, "secret"));
        snprintf(e->cas_token, sizeof e->cas_token, "%s", str(inst, "token"));
        cJSON *cfg = cJSON_CreateObject();
        snprintf(body, sizeof body, "%s/2.0", e->ss.url);
        cJSON_AddStringToObject(cfg, "smartsheet_api_url", body);
        snprintf(body, sizeof body, "%s/b/authorize", e->ss.url);
        cJSON_AddStringToObject(cfg, "smartsheet_authorize_url", body);
        cJSON_AddStringToObject(cfg, "client_id", str(app, "clientId"));
        cJSON_AddStringToObject(cfg, "client_secret", str(app, "secret"));
        snprintf(body, sizeof body, "%s/api/oauth/saga", e->cas.url);
        cJSON_AddStringToObject(cfg, "redirect_url", body);
        cJSON_AddStringToObject(cfg, "cas_url", e->cas.url);
        cJSON_AddNumberToObject(cfg, "cas_instance_id", (double)e->instance);
        cJSON_AddStringToObject(cfg, "cas_token", str(inst, "token"));
        snprintf(body, sizeof body, "%s/state", e->dir);
        cJSON_AddStringToObject(cfg, "state_dir", body);
        cJSON_AddNumberToObject(cfg, "time_scale", 60);
        char *text = cJSON_PrintUnformatted(cfg);
        snprintf(e->config, sizeof e->config, "%s/config.json", e->dir);
        FILE *f = fopen(e->config, "w");
        if (f) {
            fputs(text, f);
            fclose(f);
            chmod(e->config, 0600);
            rc = 0;
        }
        free(text);
        cJSON_Delete(cfg);
    }
    cJSON_Delete(app);
    cJSON_Delete(inst);
    if (rc) {
        spawn_stop(&e->ss, 5000);
        spawn_stop(&e->cas, 5000);
        free(e);
        return -1;
    }
    *state = e;
    return 0;
}

static int setup(void **state) { return env_start(state, NULL, NULL); }
static int setup_not_admin(void **state) { return env_start(state, "not-admin", NULL); }
static int setup_no_er(void **state) { return env_start(state, "no-event-reporting", NULL); }
static int setup_empty(void **state) { return env_start(state, "empty-org", NULL); }
/* a service whose limit is far below the configured 300 per minute */
static int setup_low_limit(void **state) { return env_start(state, "users-200", "2/60"); }

static int teardown(void **state)
{
    struct env *e = *state;
    spawn_stop(&e->ss, 5000);
    spawn_stop(&e->cas, 5000);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
    int rc = system(cmd);
    free(e);
    return rc == 0 ? 0 : -1;
}

static char last_err[8192];          /* stderr of the last run, cut */

/* Runs the connector; returns its exit code (or 128 + signal). */
static int run(struct env *e, const char *cmd, const char *callback, int kill_after_ms,
               struct buf *out)
{
    char *argv[] = {e->bin, (char *)cmd, "--config", e->config, NULL, NULL, NULL};
    if (callback) {
        argv[4] = "--callback-url";
        argv[5] = (char *)callback;
    }
    struct run_result r;
    if (spawn_run(argv, NULL, 120000, kill_after_ms, &r))
        return -1;
    int code = r.exited ? r.code : 128 + r.code;
    if (out) {
        buf_init(out, 1u << 20);
        buf_append(out, r.out.ptr ? r.out.ptr : "", r.out.len);
    }
    /* no secret from the config ever reaches the output or the log */
    assert_null(strstr(r.out.ptr ? r.out.ptr : "", e->secret));
    assert_null(strstr(r.err.ptr ? r.err.ptr : "", e->secret));
    assert_null(strstr(r.err.ptr ? r.err.ptr : "", e->cas_token));
    snprintf(last_err, sizeof last_err, "%s", r.err.ptr ? r.err.ptr : "");
    if (getenv("CONN_E2E_VERBOSE"))
        fprintf(stderr, "--- connector %s -> %d\n%s", cmd, code, r.err.ptr ? r.err.ptr : "");
    run_result_release(&r);
    return code;
}

/* authorize-url, the browser's consent (302 to the callback), authorize. */
static int connect_flow(struct env *e, char *location, size_t cap)
{
    struct buf out;
    if (run(e, "authorize-url", NULL, -1, &out) != 0)
        return -1;
    char url[4096];
    snprintf(url, sizeof url, "%.*s", (int)strcspn(out.ptr, "\r\n"), out.ptr);
    buf_release(&out);
    struct httpc_resp r;
    if (httpc_request("GET", url, NULL, NULL, 0, NULL, &r))
        return -1;
    const char *loc = httpc_resp_header(&r, "Location", location, cap);
    long status = r.status;
    httpc_resp_release(&r);
    if (status != 302 || !loc)
        return -1;
    return run(e, "authorize", location, -1, NULL);
}

/* eventIds of the Smartsheet stream at or after since_ms. */
static cJSON *stream_since(struct env *e, int64_t since_ms, size_t *n)
{
    cJSON *all = call(e->ss.url, "GET", "/_mock/events?numericDates=true", NULL, NULL);
    assert_true(cJSON_IsArray(all));
    cJSON *ids = cJSON_CreateObject();
    *n = 0;
    for (const cJSON *ev = all->child; ev; ev = ev->next)
        if (num(ev, "eventTimestamp") >= (double)since_ms && str(ev, "eventId")) {
            cJSON_AddItemToObject(ids, str(ev, "eventId"), cJSON_CreateNumber(0));
            (*n)++;
        }
    cJSON_Delete(all);
    return ids;
}

/* Counts deliveries per eventId from the CAS store into ids (unknown ids
 * fail the test); returns the number of stored activities. */
static size_t count_stored(struct env *e, cJSON *ids)
{
    size_t total = 0;
    for (int64_t skip = 0;; skip += 10000) {
        char path[200];
        snprintf(path, sizeof path, "/_mock/instances/%lld/activities?skip=%lld&limit=10000",
                 (long long)e->instance, (long long)skip);
        cJSON *page = call(e->cas.url, "GET", path, NULL, NULL);
        const cJSON *acts = cJSON_GetObjectItemCaseSensitive(page, "activities");
        assert_true(cJSON_IsArray(acts));
        size_t got = 0;
        for (const cJSON *a = acts->child; a; a = a->next, got++) {
            const char *id = str(cJSON_GetObjectItemCaseSensitive(a, "rawDataJson"), "eventId");
            assert_non_null(id);
            cJSON *slot = cJSON_GetObjectItemCaseSensitive(ids, id);
            if (slot)
                cJSON_SetNumberValue(slot, slot->valuedouble + 1);
        }
        cJSON_Delete(page);
        total += got;
        if (got < 10000)
            break;
    }
    return total;
}

static void assert_each_once(cJSON *ids)
{
    for (const cJSON *s = ids->child; s; s = s->next)
        if (s->valuedouble != 1) {
            fprintf(stderr, "event %s stored %.0f times\n", s->string, s->valuedouble);
            fail();
        }
}

static cJSON *cas_stats(struct env *e)
{
    cJSON *st = call(e->cas.url, "GET", "/_mock/stats", NULL, NULL);
    assert_non_null(st);
    return st;
}

static const cJSON *last_status(struct env *e, cJSON **hold)
{
    char path[128];
    snprintf(path, sizeof path, "/_mock/instances/%lld/statuses", (long long)e->instance);
    *hold = call(e->cas.url, "GET", path, NULL, NULL);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(*hold, "statuses");
    int n = cJSON_GetArraySize(list);
    return n ? cJSON_GetArrayItem(list, n - 1) : NULL;
}

static void test_connect_check_backfill_incremental(void **state)
{
    struct env *e = *state;
    char loc[4096];
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    assert_int_equal(run(e, "check", NULL, -1, NULL), 0);
    cJSON *hold;
    const cJSON *st = last_status(e, &hold);
    assert_string_equal(str(st, "status"), "connected");
    cJSON_Delete(hold);

    /* events within the window for certain: an hour inside its start */
    int64_t since = dclock_wall_ms() - 7 * 86400000LL + 3600000;
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 0);
    size_t n;
    cJSON *ids = stream_since(e, since, &n);
    assert_true(n > 0);
    count_stored(e, ids);
    assert_each_once(ids);
    cJSON_Delete(ids);
    cJSON *stats = cas_stats(e);
    assert_int_equal((int)num(stats, "violations"), 0);
    assert_int_equal((int)num(stats, "rejected"), 0);
    assert_int_equal((int)num(stats, "duplicates"), 0);
    assert_true(num(stats, "entities") > 0);
    double stored = num(stats, "activitiesStored");
    cJSON_Delete(stats);

    /* live events arrive; the next sync brings exactly those */
    cJSON *r = call(e->ss.url, "POST", "/_mock/events",
                    "[{\"objectType\":\"SHEET\",\"action\":\"EXPORT\",\"objectId\":77,"
                    "\"userId\":42,\"requestUserId\":42,\"source\":\"API_INTEGRATED_APP\","
                    "\"additionalDetails\":{\"emailAddress\":\"live@example.com\"}},"
                    "{\"objectType\":\"REPORT\",\"action\":\"LOAD\",\"objectId\":78,"
                    "\"userId\":3940654876256132,\"requestUserId\":42,\"source\":\"WEB_APP\","
                    "\"additionalDetails\":{\"emailAddress\":\"x@example.com\"}}]", NULL);
    cJSON_Delete(r);
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 0);
    stats = cas_stats(e);
    assert_true(num(stats, "activitiesStored") == stored + 2);
    assert_int_equal((int)num(stats, "duplicates"), 0);
    assert_int_equal((int)num(stats, "violations"), 0);
    cJSON_Delete(stats);

    /* nothing new: still nothing duplicated */
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 0);
    stats = cas_stats(e);
    assert_true(num(stats, "activitiesStored") == stored + 2);
    assert_int_equal((int)num(stats, "duplicates"), 0);
    cJSON_Delete(stats);

    /* expired tokens are refreshed on the way */
    cJSON_Delete(call(e->ss.url, "POST", "/_mock/tokens/expire", "{}", NULL));
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 0);
}

static void test_crash_mid_sync_then_resume(void **state)
{
    struct env *e = *state;
    char loc[4096];
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    char path[200], body[300];
    snprintf(path, sizeof path, "/api/v1/app_connectors/%lld/activities", (long long)e->instance);
    /* the second batch hangs for a while (60 s of duration time, 1 s real) */
    snprintf(body, sizeof body, "{\"path\":\"%s\",\"nth\":2,\"action\":\"delay\","
                                "\"delayMs\":60000}", path);
    cJSON_Delete(call(e->cas.url, "POST", "/_mock/faults", body, NULL));
    int64_t since = dclock_wall_ms() - 7 * 86400000LL + 3600000;
    int code = run(e, "sync", NULL, 300, NULL);
    assert_int_not_equal(code, 0);                 /* killed */
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 0);
    size_t n;
    cJSON *ids = stream_since(e, since, &n);
    count_stored(e, ids);
    assert_each_once(ids);
    cJSON_Delete(ids);
    cJSON *stats = cas_stats(e);
    assert_int_equal((int)num(stats, "violations"), 0);
    assert_true(num(stats, "duplicates") <= 1000);  /* at most the batch in flight */
    cJSON_Delete(stats);
}

static void test_denied_consent_and_forged_state(void **state)
{
    struct env *e = *state;
    struct buf out;
    assert_int_equal(run(e, "authorize-url", NULL, -1, &out), 0);
    char state_val[64] = "";
    const char *s = strstr(out.ptr, "state=");
    assert_non_null(s);
    snprintf(state_val, sizeof state_val, "%.*s", (int)strcspn(s + 6, "&\r\n"), s + 6);
    buf_release(&out);
    char cb[2048];
    /* a foreign state is refused without reaching the token endpoint */
    snprintf(cb, sizeof cb, "%s/api/oauth/saga?code=abc&state=%s", e->cas.url,
             "00000000000000000000000000000000");
    assert_int_equal(run(e, "authorize", cb, -1, NULL), 3);
    snprintf(cb, sizeof cb, "%s/api/oauth/saga?code=abc", e->cas.url);
    assert_int_equal(run(e, "authorize", cb, -1, NULL), 3);
    /* the admin says no */
    snprintf(cb, sizeof cb, "%s/api/oauth/saga?error=access_denied&state=%s", e->cas.url,
             state_val);
    assert_int_equal(run(e, "authorize", cb, -1, NULL), 3);
    cJSON *j = call(e->ss.url, "GET", "/_mock/journal?path=/2.0/token", NULL, NULL);
    assert_int_equal((int)num(j, "total"), 0);
    cJSON_Delete(j);
    cJSON *hold;
    const cJSON *st = last_status(e, &hold);
    assert_string_equal(str(st, "status"), "error");
    cJSON_Delete(hold);
    /* no tokens: sync and check say "authorise first" */
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 3);
}

static void test_revoked_connection_stops(void **state)
{
    struct env *e = *state;
    char loc[4096];
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    cJSON_Delete(call(e->ss.url, "POST", "/_mock/tokens/revoke", "{}", NULL));
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 3);
    cJSON *hold;
    const cJSON *st = last_status(e, &hold);
    assert_string_equal(str(st, "status"), "error");
    assert_string_equal(str(st, "stage"), "Authorize");
    assert_non_null(strstr(str(st, "message"), "reconnect"));
    cJSON_Delete(hold);
    cJSON *j = call(e->ss.url, "GET", "/_mock/journal", NULL, NULL);
    double before = num(j, "total");
    cJSON_Delete(j);
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 3);
    j = call(e->ss.url, "GET", "/_mock/journal", NULL, NULL);
    assert_true(num(j, "total") == before);        /* no more Smartsheet calls */
    cJSON_Delete(j);
}

static void test_not_admin_is_a_missing_prerequisite(void **state)
{
    struct env *e = *state;
    char loc[4096];
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    assert_int_equal(run(e, "check", NULL, -1, NULL), 4);
    cJSON *hold;
    const cJSON *st = last_status(e, &hold);
    assert_string_equal(str(st, "status"), "error");
    assert_non_null(strstr(str(st, "message"), "System Admin"));
    cJSON_Delete(hold);
}

static void test_no_event_reporting_is_a_missing_prerequisite(void **state)
{
    struct env *e = *state;
    char loc[4096];
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    assert_int_equal(run(e, "check", NULL, -1, NULL), 4);
    cJSON *hold;
    const cJSON *st = last_status(e, &hold);
    assert_string_equal(str(st, "stage"), "Get events");
    assert_non_null(strstr(str(st, "message"), "Event Reporting"));
    cJSON_Delete(hold);
}

static void add_fault(const char *base, const char *rule)
{
    long status;
    cJSON *r = call(base, "POST", "/_mock/faults", rule, &status);
    assert_int_equal(status, 200);
    cJSON_Delete(r);
}

/* Checks that every event of the window is stored once and nothing was
 * rejected. */
static void assert_backfill_once(struct env *e, int64_t since)
{
    size_t n;
    cJSON *ids = stream_since(e, since, &n);
    count_stored(e, ids);
    assert_each_once(ids);
    cJSON_Delete(ids);
    cJSON *stats = cas_stats(e);
    assert_int_equal((int)num(stats, "violations"), 0);
    assert_int_equal((int)num(stats, "rejected"), 0);
    cJSON_Delete(stats);
}

static void test_faults_are_retried_and_nothing_is_lost(void **state)
{
    struct env *e = *state;
    char loc[4096];
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    /* rules fire in order, each once: every events request until the
     * last one meets a different failure */
    static const char *const ss_rules[] = {
        "{\"path\":\"/2.0/events\",\"action\":\"error\",\"errorCode\":4001,\"count\":1}",
        "{\"path\":\"/2.0/events\",\"action\":\"error\",\"errorCode\":4004,\"count\":1}",
        "{\"path\":\"/2.0/events\",\"action\":\"status\",\"status\":502,\"count\":1}",
        "{\"path\":\"/2.0/events\",\"action\":\"truncate\",\"count\":1}",
        "{\"path\":\"/2.0/events\",\"action\":\"malformed\",\"count\":1}",
        "{\"path\":\"/2.0/events\",\"action\":\"close\",\"count\":1}",
        "{\"path\":\"/2.0/events\",\"action\":\"delay\",\"delayMs\":600000,\"count\":1}",
        "{\"path\":\"/2.0/users\",\"action\":\"error\",\"errorCode\":4002,\"count\":1}",
        NULL};
    for (size_t i = 0; ss_rules[i]; i++)
        add_fault(e->ss.url, ss_rules[i]);
    char rule[400];
    const char *cas_actions[] = {"\"action\":\"error\",\"errorCode\":503",
                                 "\"action\":\"error\",\"errorCode\":429",
                                 "\"action\":\"close\"", NULL};
    for (size_t i = 0; cas_actions[i]; i++) {
        snprintf(rule, sizeof rule, "{\"path\":\"/api/v1/app_connectors/%lld/activities\","
                 "%s,\"count\":1}", (long long)e->instance, cas_actions[i]);
        add_fault(e->cas.url, rule);
    }
    int64_t since = dclock_wall_ms() - 7 * 86400000LL + 3600000;
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 0);
    assert_backfill_once(e, since);
}

static void test_lower_service_limit_is_adapted_to(void **state)
{
    struct env *e = *state;
    char loc[4096];
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    int64_t since = dclock_wall_ms() - 7 * 86400000LL + 3600000;
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 0);
    cJSON *st = call(e->ss.url, "GET", "/_mock/stats", NULL, NULL);
    assert_true(num(st, "served429") > 0);          /* the service did push back */
    cJSON_Delete(st);
    assert_backfill_once(e, since);
    st = cas_stats(e);
    assert_int_equal((int)num(st, "entities"), 200);
    cJSON_Delete(st);
}

static void test_empty_organisation_syncs(void **state)
{
    struct env *e = *state;
    char loc[4096];
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 0);
    cJSON *users = call(e->ss.url, "GET", "/_mock/users", NULL, NULL);
    const cJSON *list = cJSON_IsArray(users) ? users : cJSON_GetObjectItem(users, "users");
    cJSON *st = cas_stats(e);
    assert_int_equal((int)num(st, "entities"), cJSON_GetArraySize(list));
    assert_int_equal((int)num(st, "activitiesStored"), 0);
    cJSON_Delete(st);
    cJSON_Delete(users);
}

static void test_run_stops_cleanly_on_sigterm(void **state)
{
    struct env *e = *state;
    char loc[4096];
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    int64_t since = dclock_wall_ms() - 7 * 86400000LL + 3600000;
    /* the signal waits, blocked, until the connector has its handler: the
     * child inherits the mask from before the fork */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, &old);
    pid_t pid = fork();
    if (pid != 0)
        sigprocmask(SIG_SETMASK, &old, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(e->bin, e->bin, "run", "--config", e->config, (char *)NULL);
        _exit(127);
    }
    /* SIGTERM at whatever point it has reached: it must end by itself, 0 */
    assert_int_equal(kill(pid, SIGTERM), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* whatever it delivered, a sync completes the window exactly once */
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 0);
    assert_backfill_once(e, since);
}

static void test_corrupt_state_is_named_and_recoverable(void **state)
{
    struct env *e = *state;
    char loc[4096], path[300];
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    snprintf(path, sizeof path, "%s/state/tokens.json", e->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"access_token\":\"tr", f);          /* torn by hand */
    fclose(f);
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 1);
    assert_non_null(strstr(last_err, "tokens.json"));
    /* connecting again replaces the broken file */
    assert_int_equal(connect_flow(e, loc, sizeof loc), 0);
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 0);
    snprintf(path, sizeof path, "%s/state/position.json", e->dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("[]", f);
    fclose(f);
    assert_int_equal(run(e, "sync", NULL, -1, NULL), 1);
    assert_non_null(strstr(last_err, "position.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connect_check_backfill_incremental, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_crash_mid_sync_then_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_denied_consent_and_forged_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_connection_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_admin_is_a_missing_prerequisite,
                                        setup_not_admin, teardown),
        cmocka_unit_test_setup_teardown(test_no_event_reporting_is_a_missing_prerequisite,
                                        setup_no_er, teardown),
        cmocka_unit_test_setup_teardown(test_faults_are_retried_and_nothing_is_lost, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lower_service_limit_is_adapted_to,
                                        setup_low_limit, teardown),
        cmocka_unit_test_setup_teardown(test_empty_organisation_syncs, setup_empty, teardown),
        cmocka_unit_test_setup_teardown(test_run_stops_cleanly_on_sigterm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_state_is_named_and_recoverable, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
