/* A Smartsheet page whose first event the connector cannot map (no
 * eventId): the event is skipped and the rest of the batch still reaches
 * CAS as valid JSON.  Smartsheet here is an in-process server (the
 * mock-smartsheet double never serves such an event); CAS is mock-cas on
 * port 0, stopped by PID. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dclock.h"
#include "http.h"
#include "httpc.h"
#include "spawn.h"
#include "strutil.h"

static char event_time[32];

/* How the fake Smartsheet misbehaves (issue #13, item 6). */
static enum {
    FAKE_PLAIN,          /* one page of two events, the first unmappable */
    FAKE_STALLED,        /* moreAvailable true, the same position, forever */
    FAKE_TOTAL_PAGES,    /* users: totalPages 2 at first, 999,999 afterwards */
    FAKE_HUGE_PAGE,      /* events: a page over 64 MiB unless maxCount < 1000 */
} fake_mode;
static _Atomic long events_requests, users_requests;
static char *huge_pad;

static long max_count(const char *query)
{
    const char *m = strstr(query, "maxCount=");
    return m ? strtol(m + 9, NULL, 10) : 0;
}

static void fake_ss(void *app, const struct http_req *req, struct http_resp *resp)
{
    (void)app;
    char body[2048];
    if (!strcmp(req->path, "/2.0/users")) {
        users_requests++;
        int later = fake_mode == FAKE_TOTAL_PAGES && strstr(req->query, "page=1&") == NULL;
        snprintf(body, sizeof body, "{\"pageNumber\":1,\"pageSize\":100,\"totalPages\":%d,"
                 "\"totalCount\":%d,\"data\":[{\"id\":42,\"email\":\"a@example.com\","
                 "\"name\":\"A\",\"admin\":true,\"status\":\"ACTIVE\"}]}",
                 fake_mode != FAKE_TOTAL_PAGES ? 1 : later ? 999999 : 2,
                 fake_mode != FAKE_TOTAL_PAGES ? 1 : 150);
    } else if (!strcmp(req->path, "/2.0/events") && fake_mode == FAKE_STALLED) {
        events_requests++;
        snprintf(body, sizeof body, "{\"data\":[],\"nextStreamPosition\":\"p1\","
                 "\"moreAvailable\":true}");
    } else if (!strcmp(req->path, "/2.0/events") && fake_mode == FAKE_HUGE_PAGE &&
               ++events_requests && max_count(req->query) >= 1000) {
        http_resp_static(resp, 200, "application/json", huge_pad, strlen(huge_pad));
        return;
    } else if (!strcmp(req->path, "/2.0/events")) {
        const char *ev = "\"objectType\":\"SHEET\",\"action\":\"LOAD\",\"objectId\":77,"
                         "\"userId\":42,\"requestUserId\":42,\"source\":\"WEB_APP\","
                         "\"additionalDetails\":{\"emailAddress\":\"a@example.com\"}";
        snprintf(body, sizeof body, "{\"data\":[{%s,\"eventTimestamp\":\"%s\"},"
                 "{\"eventId\":\"2.1.kept\",%s,\"eventTimestamp\":\"%s\"}],"
                 "\"nextStreamPosition\":\"p2\",\"moreAvailable\":false}",
                 ev, event_time, ev, event_time);
    } else {
        http_resp_copy(resp, 404, "application/json", "{\"errorCode\":1006}", 18);
        return;
    }
    http_resp_copy(resp, 200, "application/json", body, strlen(body));
}

static cJSON *call(const char *base, const char *method, const char *path, const char *body)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", base, path);
    const char *hdr[] = {"Content-Type: application/json", NULL};
    struct httpc_resp r;
    int rc = httpc_request(method, url, hdr, body, body ? strlen(body) : 0, NULL, &r);
    cJSON *j = rc ? NULL : cJSON_ParseWithLength(r.body.ptr, r.body.len);
    httpc_resp_release(&r);
    return j;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

/* Runs "connector sync" against the fake Smartsheet and a fresh mock-cas;
 * returns the exit code and what mock-cas stored. */
static int run_sync(double *stored, double *rejected)
{
    format_iso8601(dclock_wall_ms() - 3600000, event_time);
    struct http_config hc = {.listen = "127.0.0.1:0", .threads = 1, .handler = fake_ss};
    char err[512];
    struct http_server *ss = http_start(&hc, err, sizeof err);
    assert_non_null(ss);
    const char *bin = getenv("KIT_BIN_DIR");
    char cas_bin[1100], conn_bin[1100];
    snprintf(cas_bin, sizeof cas_bin, "%s/mock-cas", bin && *bin ? bin : "build/bin");
    snprintf(conn_bin, sizeof conn_bin, "%s/connector", bin && *bin ? bin : "build/bin");
    char *argv[] = {cas_bin, "--listen", "127.0.0.1:0", NULL};
    struct child cas;
    assert_int_equal(spawn_double(argv, NULL, 10000, &cas, err, sizeof err), 0);
    cJSON *inst = call(cas.url, "POST", "/_mock/instances", "{\"name\":\"skip\"}");
    const cJSON *tok = cJSON_GetObjectItemCaseSensitive(inst, "token");
    assert_true(cJSON_IsString(tok));

    char dir[] = "/tmp/conn-skip-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], text[4096];
    snprintf(path, sizeof path, "%s/state", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/state/tokens.json", dir);
    snprintf(text, sizeof text, "{\"access_token\":\"a1234567890abcdefghij\",\"refresh_token\":"
             "\"r1234567890abcdefghij\",\"expires_at_ms\":%lld,\"lifetime_ms\":604800000}",
             (long long)(dclock_wall_ms() + 86400000LL));
    write_file(path, text);
    snprintf(text, sizeof text, "{\"smartsheet_api_url\":\"%s/2.0\",\"smartsheet_authorize_url\":"
             "\"%s/b/authorize\",\"client_id\":\"cid\",\"client_secret\":\"csecret\","
             "\"redirect_url\":\"%s/api/oauth/saga\",\"cas_url\":\"%s\",\"cas_instance_id\":%lld,"
             "\"cas_token\":\"%s\",\"state_dir\":\"%s/state\"}",
             http_base_url(ss), http_base_url(ss), cas.url, cas.url,
             (long long)num(inst, "instanceId"), tok->valuestring, dir);
    cJSON_Delete(inst);
    char config[256];
    snprintf(config, sizeof config, "%s/config.json", dir);
    write_file(config, text);

    char *cargv[] = {conn_bin, "sync", "--config", config, NULL};
    struct run_result r;
    assert_int_equal(spawn_run(cargv, NULL, 60000, -1, &r), 0);
    int code = r.exited ? r.code : 128 + r.code;
    if (code)
        fprintf(stderr, "%s", r.err.ptr ? r.err.ptr : "");
    run_result_release(&r);
    cJSON *stats = call(cas.url, "GET", "/_mock/stats", NULL);
    double st = num(stats, "activitiesStored"), rj = num(stats, "rejected");
    cJSON_Delete(stats);
    spawn_stop(&cas, 5000);
    http_stop(ss);
    spawn_remove_tree(dir);
    *stored = st;
    *rejected = rj;
    return code;
}

static void test_unmappable_first_event_is_skipped_not_fatal(void **state)
{
    (void)state;
    fake_mode = FAKE_PLAIN;
    double stored, rejected;
    assert_int_equal(run_sync(&stored, &rejected), 0);
    assert_true(stored == 1);
    assert_true(rejected == 0);
}

/* A stream that answers "more available" at the same position is not
 * paged forever: the pass ends as transient (exit 5) after a few requests. */
static void test_stalled_stream_ends_the_pass(void **state)
{
    (void)state;
    fake_mode = FAKE_STALLED;
    events_requests = 0;
    double stored, rejected;
    assert_int_equal(run_sync(&stored, &rejected), 5);
    assert_true(events_requests <= 3);
}

/* Users pages are bounded by the first answer's totalPages. */
static void test_users_pages_bounded_by_first_answer(void **state)
{
    (void)state;
    fake_mode = FAKE_TOTAL_PAGES;
    users_requests = 0;
    double stored, rejected;
    assert_int_equal(run_sync(&stored, &rejected), 0);
    assert_int_equal(users_requests, 2);
}

/* A page over the 64 MiB cap: the connector asks for fewer events rather
 * than fail on every rerun. */
static void test_huge_page_asks_for_fewer(void **state)
{
    (void)state;
    fake_mode = FAKE_HUGE_PAGE;
    events_requests = 0;
    size_t n = 65u << 20;
    huge_pad = malloc(n + 64);
    assert_non_null(huge_pad);
    static const char head[] = "{\"data\":[],\"pad\":\"", tail[] = "\",\"moreAvailable\":false}";
    memcpy(huge_pad, head, sizeof head - 1);
    memset(huge_pad + sizeof head - 1, 'x', n);
    memcpy(huge_pad + sizeof head - 1 + n, tail, sizeof tail);
    double stored, rejected;
    int code = run_sync(&stored, &rejected);
    free(huge_pad);
    huge_pad = NULL;
    assert_int_equal(code, 0);
    assert_true(stored == 1);
    assert_true(events_requests >= 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unmappable_first_event_is_skipped_not_fatal),
        cmocka_unit_test(test_stalled_stream_ends_the_pass),
        cmocka_unit_test(test_users_pages_bounded_by_first_answer),
        cmocka_unit_test(test_huge_page_asks_for_fewer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
