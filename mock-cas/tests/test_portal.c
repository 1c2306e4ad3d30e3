/* test_portal.c - black-box tests of mock-cas's pages for people over HTTP:
 * escaping, same-origin forms, the activity log over the ingestion API's
 * data, and "Connect in Smartsheet" with the reference connector: the
 * consent URL, the private config and its removal at stop. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "httpc.h"
#include "spawn.h"
#include "cas_support.h"

static struct mapping map;
static char bin_dir[1024];

static void start(struct child *c, const char *prog, const char *const *extra,
                  const char *stderr_path)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", bin_dir, prog);
    char *argv[16] = {path, "--listen", "127.0.0.1:0"};
    int n = 3;
    for (; extra && *extra && n < 15; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    char err[512];
    if (spawn_double(argv, stderr_path, 10000, c, err, sizeof err))
        fail_msg("cannot start %s: %s", prog, err);
}

static void stop_clean(struct child *c)
{
    int st = spawn_stop(c, 15000);
    if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
        fail_msg("double did not stop cleanly: wait status %d", st);
}

/* One request with optional extra header; body as a form when form != NULL. */
static long call(const struct child *c, const char *method, const char *path,
                 const char *header, const char *form, struct httpc_resp *r)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", c->url, path);
    const char *headers[3] = {form ? "Content-Type: application/x-www-form-urlencoded"
                                   : "Content-Type: application/json",
                              header, NULL};
    httpc_request(method, url, headers, form, form ? strlen(form) : 0, NULL, r);
    return r->status;
}

static void origin_of(const struct child *c, char *out, size_t cap)
{
    snprintf(out, cap, "Origin: %s", c->url);
}

static cJSON *create_instance(const struct child *c, const char *name)
{
    char body[300];
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
    struct httpc_resp r;
    char url[600];
    snprintf(url, sizeof url, "%s/_mock/instances", c->url);
    assert_int_equal(httpc_request("POST", url, NULL, body, strlen(body), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    cJSON *j = cJSON_Parse(r.body.ptr);
    httpc_resp_release(&r);
    assert_non_null(j);
    return j;
}

static int setup(void **state)
{
    (void)state;
    const char *dir = getenv("KIT_BIN_DIR");
    snprintf(bin_dir, sizeof bin_dir, "%s", dir ? dir : "build/bin");
    support_load_mapping(&map);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mapping_free(&map);
    return 0;
}

/* Names from outside are escaped; pages carry the safety headers. */
static void pages_escape_outside_values(void **state)
{
    (void)state;
    struct child c;
    start(&c, "mock-cas", NULL, NULL);
    cJSON_Delete(create_instance(&c, "<script>alert(1)</script>"));
    struct httpc_resp r;
    assert_int_equal(call(&c, "GET", "/connectors", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body.ptr, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(r.body.ptr, "<script>alert"));
    assert_non_null(strstr(r.body.ptr, "App connectors"));
    char v[512];
    assert_non_null(httpc_resp_header(&r, "Content-Security-Policy", v, sizeof v));
    assert_non_null(strstr(v, "default-src 'none'"));
    httpc_resp_release(&r);
    assert_int_equal(call(&c, "GET", "/", NULL, NULL, &r), 303);
    assert_non_null(httpc_resp_header(&r, "Location", v, sizeof v));
    assert_string_equal(v, "/connectors");
    httpc_resp_release(&r);
    stop_clean(&c);
}

/* Forms from another site, or naming no page at all, change nothing. */
static void forms_refuse_other_origins(void **state)
{
    (void)state;
    struct child c;
    start(&c, "mock-cas", NULL, NULL);
    static const char form[] = "instance_name=x&client_id=a&client_secret=b";
    struct httpc_resp r;
    assert_int_equal(call(&c, "POST", "/connectors", "Origin: http://evil.example", form, &r), 403);
    assert_non_null(strstr(r.body.ptr, "cross-site"));
    httpc_resp_release(&r);
    assert_int_equal(call(&c, "POST", "/connectors", NULL, form, &r), 403);
    httpc_resp_release(&r);
    assert_int_equal(call(&c, "POST", "/connectors/11934/test", "Origin: http://evil.example",
                          "", &r), 403);
    httpc_resp_release(&r);
    assert_int_equal(call(&c, "GET", "/_mock/instances", NULL, NULL, &r), 200);
    assert_null(strstr(r.body.ptr, "instanceId"));
    httpc_resp_release(&r);
    /* same origin, but this mock-cas has no connector behind the buttons */
    char origin[600];
    origin_of(&c, origin, sizeof origin);
    assert_int_equal(call(&c, "POST", "/connectors", origin, form, &r), 400);
    assert_non_null(strstr(r.body.ptr, "--connector-cmd"));
    assert_null(strstr(r.body.ptr, "client_secret=b"));
    httpc_resp_release(&r);
    /* a missing field names what to enter, keeps the others, never the secret */
    assert_int_equal(call(&c, "POST", "/connectors", origin,
                          "instance_name=Prod&client_id=&client_secret=s3cret", &r), 400);
    assert_non_null(strstr(r.body.ptr, "Client ID"));
    assert_non_null(strstr(r.body.ptr, "value=\"Prod\""));
    assert_null(strstr(r.body.ptr, "s3cret"));
    httpc_resp_release(&r);
    stop_clean(&c);
}

/* The activity log shows what the ingestion API stored, filtered and paged;
 * the activity page shows the record and the raw event. */
static void activity_log_filters_and_record(void **state)
{
    (void)state;
    struct child c;
    start(&c, "mock-cas", NULL, NULL);
    cJSON *ins = create_instance(&c, "Prod");
    const char *token = cJSON_GetObjectItem(ins, "token")->valuestring;
    int64_t now = (int64_t)time(NULL) * 1000;
    cJSON *body = cJSON_CreateObject(), *acts = cJSON_AddArrayToObject(body, "activities");
    char id[32];
    for (int i = 0; i < 30; i++) {
        snprintf(id, sizeof id, "2.1.ev%02d", i);
        cJSON_AddItemToArray(acts, support_simple(&map, id, now - 3600000 - i * 60000,
                                                  i % 3 ? "bob@example.com" : "ann@example.com"));
    }
    char *text = cJSON_PrintUnformatted(body);
    char auth[300], url[600];
    snprintf(auth, sizeof auth, "Authorization: Token %s", token);
    snprintf(url, sizeof url, "%s/api/v1/app_connectors/%lld/activities/", c.url,
             (long long)cJSON_GetObjectItem(ins, "instanceId")->valuedouble);
    const char *h[] = {"Content-Type: application/json", auth, NULL};
    struct httpc_resp r;
    assert_int_equal(httpc_request("POST", url, h, text, strlen(text), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    httpc_resp_release(&r);
    free(text);
    cJSON_Delete(body);
    cJSON_Delete(ins);

    assert_int_equal(call(&c, "GET", "/activities", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body.ptr, "Showing 1 to 25 of 30 activities"));
    assert_non_null(strstr(r.body.ptr, "rel=\"next\""));
    httpc_resp_release(&r);
    assert_int_equal(call(&c, "GET", "/activities?page=2", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body.ptr, "Showing 26 to 30 of 30"));
    httpc_resp_release(&r);
    assert_int_equal(call(&c, "GET", "/activities?user=ann%40example.com", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body.ptr, "of 10 activities"));
    assert_null(strstr(r.body.ptr, "bob@example.com"));
    httpc_resp_release(&r);
    assert_int_equal(call(&c, "GET", "/activities?date=2001-01-01", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body.ptr, "No activity matches"));
    httpc_resp_release(&r);
    assert_int_equal(call(&c, "GET", "/activities?date=yesterday", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body.ptr, "YYYY-MM-DD"));
    httpc_resp_release(&r);
    assert_int_equal(call(&c, "GET", "/activities?type=EVENT_CATEGORY_NOPE", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body.ptr, "No activity matches"));
    httpc_resp_release(&r);

    assert_int_equal(call(&c, "GET", "/activities/97134000_11934_2.1.ev07", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body.ptr, "Smartsheet event (rawDataJson)"));
    assert_non_null(strstr(r.body.ptr, "&quot;2.1.ev07&quot;"));
    httpc_resp_release(&r);
    assert_int_equal(call(&c, "GET", "/activities/nope", NULL, NULL, &r), 404);
    httpc_resp_release(&r);
    stop_clean(&c);
}

static int count_entries(const char *dir, const char *prefix, char *found, size_t cap)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, prefix, strlen(prefix))) {
            snprintf(found, cap, "%s/%s", dir, e->d_name);
            n++;
        }
    if (d)
        closedir(d);
    return n;
}

static int file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return strstr(text, needle) != NULL;
}

/* "Connect in Smartsheet" with the reference connector: a 303 to the
 * consent URL for the entered client id; the secret only in a 0600 config
 * inside 0700 folders, which go away when mock-cas stops. */
static void connect_writes_private_config(void **state)
{
    (void)state;
    char tmp[] = "/tmp/test-portal-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    char conn[1200], log[600];
    snprintf(conn, sizeof conn, "%s/connector", bin_dir);
    snprintf(log, sizeof log, "%s/cas.log", tmp);
    struct child ss, cas;
    start(&ss, "mock-smartsheet", NULL, NULL);
    const char *extra[] = {"--connector-cmd", conn, "--smartsheet-url", ss.url, NULL};
    char *old = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    setenv("TMPDIR", tmp, 1);
    start(&cas, "mock-cas", extra, log);
    if (old)
        setenv("TMPDIR", old, 1);
    else
        unsetenv("TMPDIR");
    free(old);

    char origin[600];
    origin_of(&cas, origin, sizeof origin);
    struct httpc_resp r;
    assert_int_equal(call(&cas, "POST", "/connectors", origin,
                          "instance_name=Prod&client_id=cid123&client_secret=TopSecret987", &r),
                     303);
    char loc[4096];
    assert_non_null(httpc_resp_header(&r, "Location", loc, sizeof loc));
    httpc_resp_release(&r);
    assert_int_equal(strncmp(loc, ss.url, strlen(ss.url)), 0);
    assert_non_null(strstr(loc, "/b/authorize?"));
    assert_non_null(strstr(loc, "client_id=cid123"));
    assert_non_null(strstr(loc, "state="));

    char work[1200], inst[1400], config[1600];
    assert_int_equal(count_entries(tmp, "mock-cas-portal.", work, sizeof work), 1);
    assert_int_equal(count_entries(work, "instance-", inst, sizeof inst), 1);
    snprintf(config, sizeof config, "%s/config.json", inst);
    struct stat st;
    assert_int_equal(stat(work, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(inst, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(config, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(file_has(config, "TopSecret987"));
    assert_true(file_has(config, "/api/oauth/saga"));

    assert_int_equal(call(&cas, "GET", "/connectors", NULL, NULL, &r), 200);
    assert_non_null(strstr(r.body.ptr, "Waiting for consent"));
    assert_null(strstr(r.body.ptr, "TopSecret987"));
    httpc_resp_release(&r);

    stop_clean(&cas);
    stop_clean(&ss);
    assert_false(file_has(log, "TopSecret987"));
    assert_int_equal(count_entries(tmp, "mock-cas-portal.", work, sizeof work), 0);
    unlink(log);
    rmdir(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages_escape_outside_values),
        cmocka_unit_test(forms_refuse_other_origins),
        cmocka_unit_test(activity_log_filters_and_record),
        cmocka_unit_test(connect_writes_private_config),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
