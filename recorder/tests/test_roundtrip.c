/* Record -> replay round trip (issue #14): mock-smartsheet as the upstream,
 * the recorder writes pseudonymised scenarios (default, users-200,
 * users-2000, empty-org), a second mock-smartsheet serves the recording, and the
 * conformance suite judges the reference connector on it (BF, INC, USR).
 * Also: none of the upstream's emails, names, IPs or user ids is in the
 * recording, ids are mapped consistently between users and events, the
 * token is written nowhere, and an interrupted recording resumes (after a
 * refused request, a 429 and last pages without nextStreamPosition).
 * Doubles listen on port 0 and are stopped by PID; nothing sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "httpc.h"
#include "spawn.h"
#include "strutil.h"

#define APP_ID "dvw1gqh1ppf5bi99ewqptfvqd1"
#define APP_SECRET "83su5s8shjbnv4ozgne4v6m9jp"

static char tmp[256], fixtures[900], bindir[900], token[256];
/* The doubles this test started, stopped by PID even when an assertion
 * fails (teardown). */
static struct child up = {.pid = -1}, re = {.pid = -1};

/* Whether id is one of the mapping table's system users (kept as is). */
static int system_user(long long id)
{
    char p[1100];
    snprintf(p, sizeof p, "%s/mapping/smartsheet-cas.json", fixtures);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    cJSON *j = cJSON_Parse(text), *x;
    int found = 0;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(j, "systemUserIds"))
        found |= cJSON_IsNumber(x) && (long long)x->valuedouble == id;
    cJSON_Delete(j);
    return found;
}

static const char *envor(const char *k, const char *d)
{
    const char *v = getenv(k);
    return v && *v ? v : d;
}

static cJSON *call(const char *base, const char *method, const char *path, const char *body,
                   const char *bearer, long *status)
{
    char url[2048], auth[512];
    snprintf(url, sizeof url, "%s%s", base, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer ? bearer : "");
    const char *hdr[] = {bearer ? auth : "Content-Type: application/json", NULL};
    struct httpc_resp r;
    int rc = httpc_request(method, url, hdr, body, body ? strlen(body) : 0, NULL, &r);
    if (status)
        *status = rc ? 0 : r.status;
    cJSON *j = rc ? NULL : cJSON_ParseWithLength(r.body.ptr, r.body.len);
    httpc_resp_release(&r);
    return j;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long long jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, (size_t)512 << 20);
    char c[65536];
    size_t n;
    while ((n = fread(c, 1, sizeof c, f)) > 0)
        buf_append(&b, c, n);
    fclose(f);
    size_t len;
    return buf_take(&b, &len);
}

static void spit(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(s, f);
    fclose(f);
}

/* Every file of a scenario folder, concatenated. */
static void folder_text(const char *dir, struct buf *out)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/scenario.json", dir);
    char *s = slurp(p);
    assert_non_null(s);
    buf_puts(out, s);
    free(s);
    snprintf(p, sizeof p, "%s/events", dir);
    DIR *d = opendir(p);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char f[1700];
        snprintf(f, sizeof f, "%s/%s", p, e->d_name);
        s = slurp(f);
        assert_non_null(s);
        buf_puts(out, s);
        free(s);
    }
    if (d)
        closedir(d);
}

static cJSON *read_json(const char *path)
{
    char *s = slurp(path);
    cJSON *j = s ? cJSON_Parse(s) : NULL;
    free(s);
    return j;
}

/* The events of a recorded scenario, in stream order. */
static cJSON *recorded_events(const char *dir)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/scenario.json", dir);
    cJSON *sc = read_json(p);
    assert_non_null(sc);
    cJSON *all = cJSON_CreateArray(), *pg;
    cJSON_ArrayForEach(pg, cJSON_GetObjectItemCaseSensitive(sc, "eventPages")) {
        snprintf(p, sizeof p, "%s/%s", dir, pg->valuestring);
        cJSON *page = read_json(p);
        assert_non_null(page);
        cJSON *d = cJSON_DetachItemFromObject(page, "data"), *ev;
        while ((ev = cJSON_DetachItemFromArray(d, 0)))
            cJSON_AddItemToArray(all, ev);
        cJSON_Delete(d);
        cJSON_Delete(page);
    }
    cJSON_Delete(sc);
    return all;
}

/* An access token of the scenario's app, approved by its System Admin. */
static void get_token(const char *ss)
{
    char url[1024];
    snprintf(url, sizeof url,
             "%s/b/authorize?response_type=code&client_id=" APP_ID "&scope=READ_USERS%%20READ_EVENTS",
             ss);
    struct httpc_resp r;
    assert_int_equal(httpc_request("GET", url, NULL, NULL, 0, NULL, &r), 0);
    assert_int_equal(r.status, 302);
    char loc[2048];
    assert_non_null(httpc_resp_header(&r, "Location", loc, sizeof loc));
    httpc_resp_release(&r);
    char *q = strchr(loc, '?');
    assert_non_null(q);
    char code[256];
    assert_int_equal(form_get(q + 1, strlen(q + 1), "code", code, sizeof code), 1);
    char body[1024];
    snprintf(body, sizeof body,
             "grant_type=authorization_code&client_id=" APP_ID "&client_secret=" APP_SECRET "&code=%s",
             code);
    snprintf(url, sizeof url, "%s/2.0/token", ss);
    const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
    assert_int_equal(httpc_request("POST", url, hdr, body, strlen(body), NULL, &r), 0);
    assert_int_equal(r.status, 200);
    cJSON *j = cJSON_Parse(r.body.ptr);
    httpc_resp_release(&r);
    assert_non_null(jstr(j, "access_token"));
    snprintf(token, sizeof token, "%s", jstr(j, "access_token"));
    cJSON_Delete(j);
    char p[512];
    snprintf(p, sizeof p, "%s/token", tmp);
    spit(p, token);
    chmod(p, 0600);
}

/* Runs the recorder; returns its exit code (its output is shown when that
 * is not `expect`).  The token is never in its output. */
static int record(const char *ss, const char *out, int expect)
{
    char exe[1200], from[600], tf[512];
    snprintf(exe, sizeof exe, "%s/recorder", bindir);
    snprintf(from, sizeof from, "%s/2.0", ss);
    snprintf(tf, sizeof tf, "%s/token", tmp);
    char *argv[] = {exe, "--from", from, "--token-file", tf, "--out", (char *)out,
                    "--fixtures", fixtures, NULL};
    struct run_result res;
    assert_int_equal(spawn_run(argv, NULL, 300000, -1, &res), 0);
    int code = res.exited ? res.code : 100 + res.code;
    if (code != expect)
        fprintf(stderr, "recorder %s exited %d:\n%s%s", out, code, res.out.ptr ? res.out.ptr : "",
                res.err.ptr ? res.err.ptr : "");
    assert_null(res.out.ptr ? strstr(res.out.ptr, token) : NULL);
    assert_null(res.err.ptr ? strstr(res.err.ptr, token) : NULL);
    run_result_release(&res);
    return code;
}

static int quoted_in(const char *hay, const char *s)
{
    char q[600];
    snprintf(q, sizeof q, "\"%s\"", s);
    return strstr(hay, q) != NULL;
}

/* Upstream events in the recording's window (recordedAt - 7 days ..]. */
static int in_window_count(cJSON *up_events, const char *dir)
{
    char p[1400];
    snprintf(p, sizeof p, "%s/scenario.json", dir);
    cJSON *sc = read_json(p);
    int64_t rec, ms;
    assert_int_equal(parse_iso8601_ms(jstr(sc, "recordedAt"), &rec), 0);
    cJSON_Delete(sc);
    int n = 0;
    cJSON *ev;
    cJSON_ArrayForEach(ev, up_events) {
        assert_int_equal(parse_iso8601_ms(jstr(ev, "eventTimestamp"), &ms), 0);
        n += ms >= rec - 7 * 86400000LL && ms <= rec;
    }
    return n;
}

static void check_pseudonymised(const char *dir, cJSON *up_users, cJSON *up_events)
{
    struct buf all;
    buf_init(&all, (size_t)1 << 30);
    folder_text(dir, &all);
    assert_null(strstr(all.ptr, token));
    cJSON *u, *ev;
    cJSON_ArrayForEach(u, up_users) {
        assert_null(strcasestr(all.ptr, jstr(u, "email")));
        assert_false(quoted_in(all.ptr, jstr(u, "firstName")));
        assert_false(quoted_in(all.ptr, jstr(u, "lastName")));
    }
    /* Each distinct upstream IP address and sheet name once. */
    cJSON *seen = cJSON_CreateObject();
    int ips = 0, names = 0;
    cJSON_ArrayForEach(ev, up_events) {
        cJSON *ad = cJSON_GetObjectItemCaseSensitive(ev, "additionalDetails");
        const char *vals[] = {jstr(ad, "sourceIpAddress"), jstr(ad, "sheetName")};
        for (int k = 0; k < 2; k++) {
            if (!vals[k] || cJSON_GetObjectItemCaseSensitive(seen, vals[k]))
                continue;
            cJSON_AddNullToObject(seen, vals[k]);
            assert_false(quoted_in(all.ptr, vals[k]));
            if (k)
                names++;
            else
                ips++;
        }
    }
    cJSON_Delete(seen);
    assert_true(ips > 10);
    assert_true(names > 0);
    buf_release(&all);

    /* Users in the same order; ids and emails mapped consistently into
     * the events. */
    char p[1400];
    snprintf(p, sizeof p, "%s/scenario.json", dir);
    cJSON *sc = read_json(p);
    cJSON *rusers = cJSON_GetObjectItemCaseSensitive(sc, "users");
    int n = cJSON_GetArraySize(up_users);
    assert_int_equal(cJSON_GetArraySize(rusers), n);
    for (int i = 0; i < n; i++) {
        cJSON *a = cJSON_GetArrayItem(up_users, i), *b = cJSON_GetArrayItem(rusers, i);
        assert_true(jnum(b, "id") >= 1000000000000000LL && jnum(b, "id") < (1LL << 53));
        assert_true(jnum(a, "id") != jnum(b, "id"));
        assert_string_equal(jstr(a, "status"), jstr(b, "status"));
        assert_non_null(strchr(jstr(b, "email"), '@'));
        for (int k = 0; k < n; k++)
            assert_true(jnum(cJSON_GetArrayItem(up_users, k), "id") != jnum(b, "id"));
    }
    cJSON *rev = recorded_events(dir);
    assert_int_equal(cJSON_GetArraySize(rev), in_window_count(up_events, dir));
    int matched = 0, emails = 0;
    cJSON *r;
    cJSON_ArrayForEach(r, rev) {
        cJSON *upev = NULL;
        cJSON_ArrayForEach(ev, up_events) if (!strcmp(jstr(ev, "eventId"), jstr(r, "eventId"))) {
            upev = ev;
            break;
        }
        assert_non_null(upev);
        const char *fields[] = {"userId", "requestUserId"};
        for (int f = 0; f < 2; f++) {
            long long uid = jnum(upev, fields[f]), mapped = -1;
            for (int i = 0; i < n; i++)
                if (jnum(cJSON_GetArrayItem(up_users, i), "id") == uid)
                    mapped = jnum(cJSON_GetArrayItem(rusers, i), "id");
            if (mapped > 0)
                assert_true(jnum(r, fields[f]) == mapped);
            else if (system_user(uid))      /* Automation, Form submission...: kept */
                assert_true(jnum(r, fields[f]) == uid);
            else
                assert_true(jnum(r, fields[f]) != uid);
        }
        const char *ue = jstr(cJSON_GetObjectItemCaseSensitive(upev, "additionalDetails"), "emailAddress");
        const char *rem = jstr(cJSON_GetObjectItemCaseSensitive(r, "additionalDetails"), "emailAddress");
        for (int i = 0; ue && i < n; i++)
            if (!strcasecmp(jstr(cJSON_GetArrayItem(up_users, i), "email"), ue)) {
                assert_string_equal(rem, jstr(cJSON_GetArrayItem(rusers, i), "email"));
                emails++;
            }
        matched++;
    }
    assert_true(matched > 1000);
    assert_true(emails > 1000);
    cJSON_Delete(rev);
    cJSON_Delete(sc);
}

static void copy_file(const char *from, const char *to)
{
    char *s = slurp(from);
    assert_non_null(s);
    spit(to, s);
    free(s);
}

/* The recording of a profile-2026 scenario with places where the stream
 * was still generating: profile 2026, and as many places as the upstream
 * has, ascending, inside the recorded stream. */
static void check_still_generating(const char *dir, const char *up_scenario_json)
{
    cJSON *up_sc = read_json(up_scenario_json);
    assert_non_null(up_sc);
    const cJSON *up_places = cJSON_GetObjectItemCaseSensitive(up_sc, "stillGenerating");
    char path[1200];
    snprintf(path, sizeof path, "%s/scenario.json", dir);
    cJSON *sc = read_json(path);
    assert_non_null(sc);
    const cJSON *profile = cJSON_GetObjectItemCaseSensitive(sc, "profile");
    assert_true(cJSON_IsString(profile) && !strcmp(profile->valuestring, "2026"));
    const cJSON *places = cJSON_GetObjectItemCaseSensitive(sc, "stillGenerating");
    assert_true(cJSON_IsArray(up_places) && cJSON_GetArraySize(up_places) > 0);
    assert_int_equal(cJSON_GetArraySize(places), cJSON_GetArraySize(up_places));
    cJSON *rev = recorded_events(dir);
    double prev = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, places) {
        assert_true(cJSON_IsNumber(x) && x->valuedouble > prev &&
                    x->valuedouble < cJSON_GetArraySize(rev));
        prev = x->valuedouble;
    }
    cJSON_Delete(rev);
    cJSON_Delete(sc);
    cJSON_Delete(up_sc);
}

static void test_record_replay(void **st)
{
    (void)st;
    snprintf(tmp, sizeof tmp, "/tmp/rec-test-XXXXXX");
    assert_non_null(mkdtemp(tmp));
    snprintf(fixtures, sizeof fixtures, "%s", envor("KIT_FIXTURES", KIT_SOURCE_FIXTURES));
    snprintf(bindir, sizeof bindir, "%s", envor("KIT_BIN_DIR", "build/bin"));
    char root[512], p[1024], p2[1400], exe[1200], err[512];
    snprintf(root, sizeof root, "%s/rec", tmp);
    snprintf(p, sizeof p, "%s/scenarios", root);
    assert_int_equal(mkdir(root, 0755), 0);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/mapping", root);
    assert_int_equal(mkdir(p, 0755), 0);

    /* The upstream. */
    snprintf(exe, sizeof exe, "%s/mock-smartsheet", bindir);
    char *argv[] = {exe, "--listen", "127.0.0.1:0", "--fixtures", fixtures, "--scenario",
                    "default", NULL};
    assert_int_equal(spawn_double(argv, NULL, 30000, &up, err, sizeof err), 0);
    get_token(up.url);
    long status;
    cJSON *users_page = call(up.url, "GET", "/2.0/users?includeAll=true", NULL, token, &status);
    assert_int_equal(status, 200);
    cJSON *up_users = cJSON_DetachItemFromObject(users_page, "data");
    cJSON_Delete(users_page);
    cJSON *up_events = call(up.url, "GET", "/_mock/events", NULL, NULL, &status);
    assert_int_equal(status, 200);
    assert_true(cJSON_GetArraySize(up_users) == 160);

    snprintf(p, sizeof p, "%s/scenarios/default", root);
    assert_int_equal(record(up.url, p, 0), 0);
    check_pseudonymised(p, up_users, up_events);
    snprintf(p2, sizeof p2, "%s/scenarios/default/scenario.json", fixtures);
    check_still_generating(p, p2);

    /* An interrupted recording resumes: the third events request is
     * refused (403), the rerun meets a 429 and last pages without
     * nextStreamPosition, and ends with every event of the window once. */
    cJSON *ok1 = call(up.url, "POST", "/_mock/page-limit", "{\"events\":1000}", NULL, NULL);
    cJSON *ok2 = call(up.url, "POST", "/_mock/last-page", "{\"nextStreamPosition\":\"omit\"}", NULL,
                      NULL);
    assert_non_null(ok1);
    assert_non_null(ok2);
    cJSON_Delete(ok1);
    cJSON_Delete(ok2);
    cJSON_Delete(call(up.url, "POST", "/_mock/faults",
                      "{\"path\":\"/2.0/events\",\"nth\":3,\"action\":\"error\",\"errorCode\":1004}",
                      NULL, NULL));
    snprintf(p, sizeof p, "%s/other/resumed", tmp);
    snprintf(p2, sizeof p2, "%s/other", tmp);
    assert_int_equal(mkdir(p2, 0755), 0);
    assert_int_equal(record(up.url, p, 1), 1);
    snprintf(p2, sizeof p2, "%s/.record-state.json", p);
    assert_int_equal(access(p2, F_OK), 0);
    cJSON_Delete(call(up.url, "DELETE", "/_mock/faults", NULL, NULL, NULL));
    cJSON_Delete(call(up.url, "POST", "/_mock/faults",
                      "{\"path\":\"/2.0/events\",\"nth\":1,\"action\":\"error\",\"errorCode\":4003}",
                      NULL, NULL));
    assert_int_equal(record(up.url, p, 0), 0);
    assert_int_not_equal(access(p2, F_OK), 0);
    snprintf(p2, sizeof p2, "%s/.partial", p);
    assert_int_not_equal(access(p2, F_OK), 0);
    cJSON *rev = recorded_events(p);
    assert_int_equal(cJSON_GetArraySize(rev), in_window_count(up_events, p));
    cJSON_Delete(rev);
    check_pseudonymised(p, up_users, up_events);

    /* The other scenarios the suite's BF, INC and USR tests use. */
    const char *more[] = {"users-200", "users-2000", "empty-org"};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"name\":\"%s\"}", more[i]);
        cJSON_Delete(call(up.url, "POST", "/_mock/scenario", body, NULL, &status));
        assert_int_equal(status, 200);
        get_token(up.url);
        snprintf(p, sizeof p, "%s/scenarios/%s", root, more[i]);
        assert_int_equal(record(up.url, p, 0), 0);
    }
    spawn_stop(&up, 5000);
    up.pid = -1;
    snprintf(p, sizeof p, "%s/mapping/smartsheet-cas.json", fixtures);
    snprintf(p2, sizeof p2, "%s/mapping/smartsheet-cas.json", root);
    copy_file(p, p2);

    /* A second double serves the recording. */
    char *argv2[] = {exe, "--listen", "127.0.0.1:0", "--fixtures", root, "--scenario", "default",
                     NULL};
    assert_int_equal(spawn_double(argv2, NULL, 30000, &re, err, sizeof err), 0);
    cJSON *ru = call(re.url, "GET", "/_mock/users", NULL, NULL, &status);
    assert_int_equal(cJSON_GetArraySize(ru), 160);
    cJSON_Delete(ru);
    snprintf(p, sizeof p, "%s/scenarios/default", root);
    rev = recorded_events(p);
    cJSON *served = call(re.url, "GET", "/_mock/events", NULL, NULL, &status);
    assert_int_equal(cJSON_GetArraySize(served), cJSON_GetArraySize(rev));
    cJSON_Delete(served);
    cJSON_Delete(rev);
    spawn_stop(&re, 5000);
    re.pid = -1;

    /* The suite on the recording. */
    char conf[1200], conn[1200], rep[600];
    snprintf(conf, sizeof conf, "%s/conformance", bindir);
    snprintf(conn, sizeof conn, "%s/connector", bindir);
    snprintf(rep, sizeof rep, "%s/report", tmp);
    char *argv3[] = {conf, "--connector", conn, "--fixtures", root, "--only", "BF,INC,USR",
                     "--report-dir", rep, NULL};
    struct run_result res;
    assert_int_equal(spawn_run(argv3, NULL, 900000, -1, &res), 0);
    if (!res.exited || res.code)
        fprintf(stderr, "conformance on the recording:\n%s%s", res.out.ptr ? res.out.ptr : "",
                res.err.ptr ? res.err.ptr : "");
    assert_true(res.exited && res.code == 0);
    /* "N requirements: N passed, 0 failed, ...": the twelve of BF, INC, USR. */
    const char *sum = res.out.ptr ? strstr(res.out.ptr, " requirements: ") : NULL;
    assert_non_null(sum);
    while (sum > res.out.ptr && sum[-1] != '\n')
        sum--;
    int nreq = 0, npass = 0, nfail = -1;
    assert_int_equal(sscanf(sum, "%d requirements: %d passed, %d failed", &nreq, &npass, &nfail), 3);
    assert_true(nreq >= 12 && npass == nreq && nfail == 0);
    run_result_release(&res);

    cJSON_Delete(up_users);
    cJSON_Delete(up_events);
    spawn_remove_tree(tmp);
}

static int teardown(void **st)
{
    (void)st;
    if (up.pid > 0)
        spawn_stop(&up, 5000);
    if (re.pid > 0)
        spawn_stop(&re, 5000);
    up.pid = re.pid = -1;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_record_replay, teardown),
    };
    return cmocka_run_group_tests_name("recorder round trip", tests, NULL, NULL);
}
