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

static void fake_ss(void *app, const struct http_req *req, struct http_resp *resp)
{
    (void)app;
    char body[2048];
    if (!strcmp(req->path, "/2.0/users")) {
        snprintf(body, sizeof body, "{\"pageNumber\":1,\"pageSize\":100,\"totalPages\":1,"
                 "\"totalCount\":1,\"data\":[{\"id\":42,\"email\":\"a@example.com\","
                 "\"name\":\"A\",\"admin\":true,\"status\":\"ACTIVE\"}]}");
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

static void test_unmappable_first_event_is_skipped_not_fatal(void **state)
{
    (void)state;
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
    double stored = num(stats, "activitiesStored"), rejected = num(stats, "rejected");
    cJSON_Delete(stats);
    spawn_stop(&cas, 5000);
    http_stop(ss);
    snprintf(text, sizeof text, "rm -rf '%s'", dir);
    assert_int_equal(system(text), 0);
    assert_int_equal(code, 0);
    assert_true(stored == 1);
    assert_true(rejected == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unmappable_first_event_is_skipped_not_fatal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
