/* Groups: the scenario's "groups" and what the API shows of them -
 * include=groups on /users/me and /users/{id}, GET /2.0/groups, and the
 * loader's refusals (each naming the file and field). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../api.h"
#include "strutil.h"
#include "tfx_support.h"

#define HEAD                                                                              \
    "{\"name\":\"x\",\"recordedAt\":\"2026-01-10T00:00:00Z\","                            \
    "\"account\":{\"id\":5,\"name\":\"Org\",\"eventReporting\":true},"                    \
    "\"users\":[{\"id\":11,\"email\":\"a@x.example\",\"status\":\"ACTIVE\",\"admin\":true},"  \
    "{\"id\":12,\"email\":\"b@x.example\",\"status\":\"ACTIVE\",\"admin\":false},"          \
    "{\"id\":13,\"email\":\"c@x.example\",\"status\":\"PENDING\",\"admin\":false}],"

#define TWO_GROUPS                                                                        \
    "\"groups\":[{\"id\":501,\"name\":\"Finance\",\"description\":\"Money\",\"ownerId\":11," \
    "\"members\":[11,12],\"createdAt\":\"2026-01-09T00:00:00Z\"},"                          \
    "{\"id\":502,\"name\":\"Ops\",\"ownerId\":12,\"members\":[12]}],"

static struct ss_scenario *load_json(const char *json)
{
    const char *dir = tfx_make("x", json, NULL, 0);
    struct ss_scenario *sc = NULL;
    char err[1024];
    if (scenario_load(dir, "x", TFX_NOW, &sc, err, sizeof err))
        fail_msg("%s", err);
    return sc;
}

static char load_err[1024];

static void expect_refused(const char *json, const char *needle)
{
    const char *dir = tfx_make("x", json, NULL, 0);
    struct ss_scenario *sc = NULL;
    assert_int_equal(scenario_load(dir, "x", TFX_NOW, &sc, load_err, sizeof load_err), -1);
    assert_null(sc);
    if (!strstr(load_err, "scenarios/x/scenario.json: ") || !strstr(load_err, needle))
        fail_msg("error \"%s\" does not name the file and \"%s\"", load_err, needle);
}

/* /users/me (id NULL) or /users/{id} with a query; the parsed answer. */
static cJSON *profile(const struct ss_scenario *sc, int64_t caller, const char *id,
                      const char *query)
{
    struct ss_caller c = {caller, caller == 11};
    struct http_resp resp = {0};
    struct http_req req = tfx_get(id ? "/2.0/users/x" : "/2.0/users/me", query);
    if (id)
        api_users_get(sc, &c, id, &req, &resp);
    else
        api_users_me(sc, &c, &req, &resp);
    if (resp.status != 200)
        fail_msg("%s?%s: %d %.*s", id ? id : "me", query, resp.status, (int)resp.len, resp.body);
    cJSON *j = tfx_json(&resp);
    tfx_resp_done(&resp);
    return j;
}

static cJSON *get(const struct ss_scenario *sc, const char *path, const char *query)
{
    struct ss_caller c = {12, 0};
    struct http_resp resp = {0};
    struct http_req req = tfx_get(path, query);
    if (!strcmp(path, "/2.0/groups"))
        api_groups_list(sc, &c, &req, &resp);
    else
        api_users_list(sc, &c, &req, &resp);
    if (resp.status != 200)
        fail_msg("%s?%s: %d %.*s", path, query, resp.status, (int)resp.len, resp.body);
    cJSON *j = tfx_json(&resp);
    tfx_resp_done(&resp);
    return j;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsString(v))
        fail_msg("%s is not a string", k);
    return v->valuestring;
}

static int64_t num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v))
        fail_msg("%s is not a number", k);
    return (int64_t)v->valuedouble;
}

static const cJSON *arr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsArray(v) ? v : NULL;
}

static void include_groups_on_profiles(void **state)
{
    (void)state;
    struct ss_scenario *sc = load_json(HEAD TWO_GROUPS "\"eventPages\":[]}");
    cJSON *j = profile(sc, 11, NULL, "include=groups");
    const cJSON *g = arr(j, "groups");
    assert_non_null(g);
    assert_int_equal(cJSON_GetArraySize(g), 1);
    const cJSON *f = cJSON_GetArrayItem(g, 0);
    assert_int_equal(num(f, "id"), 501);
    assert_string_equal(str(f, "name"), "Finance");
    assert_string_equal(str(f, "description"), "Money");
    assert_string_equal(str(f, "owner"), "a@x.example");
    assert_int_equal(num(f, "ownerId"), 11);
    /* recordedAt becomes the load moment: createdAt a day before it */
    char iso[32];
    format_iso8601(TFX_NOW - 86400000LL, iso);
    assert_string_equal(str(f, "createdAt"), iso);
    format_iso8601(TFX_NOW, iso);
    assert_string_equal(str(f, "modifiedAt"), iso);          /* default: recordedAt */
    cJSON_Delete(j);

    /* someone else's, numericDates, an unknown include value beside it */
    j = profile(sc, 11, "12", "include=lastLogin,groups,bogus&numericDates=true");
    g = arr(j, "groups");
    assert_int_equal(cJSON_GetArraySize(g), 2);
    assert_int_equal(num(cJSON_GetArrayItem(g, 1), "id"), 502);
    assert_string_equal(str(cJSON_GetArrayItem(g, 1), "description"), "");
    assert_int_equal(num(cJSON_GetArrayItem(g, 0), "createdAt"), TFX_NOW - 86400000LL);
    cJSON_Delete(j);

    /* in no group: an empty list; without include, or an unknown value: none */
    j = profile(sc, 13, NULL, "include=groups");
    assert_int_equal(cJSON_GetArraySize(arr(j, "groups")), 0);
    cJSON_Delete(j);
    j = profile(sc, 11, NULL, "");
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "groups"));
    cJSON_Delete(j);
    j = profile(sc, 11, "12", "include=bogus");
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "groups"));
    cJSON_Delete(j);

    /* List users documents include=lastLogin only: groups is ignored there */
    j = get(sc, "/2.0/users", "include=groups");
    const cJSON *u;
    cJSON_ArrayForEach(u, arr(j, "data"))
        assert_null(cJSON_GetObjectItemCaseSensitive(u, "groups"));
    assert_int_equal(num(j, "totalCount"), 3);
    cJSON_Delete(j);
    scenario_free(sc);
    tfx_cleanup();
}

static void list_org_groups(void **state)
{
    (void)state;
    struct ss_scenario *sc = load_json(HEAD TWO_GROUPS "\"eventPages\":[]}");
    cJSON *j = get(sc, "/2.0/groups", "");
    assert_int_equal(num(j, "pageNumber"), 1);
    assert_int_equal(num(j, "pageSize"), 100);
    assert_int_equal(num(j, "totalCount"), 2);
    const cJSON *d = arr(j, "data");
    assert_int_equal(cJSON_GetArraySize(d), 2);
    assert_string_equal(str(cJSON_GetArrayItem(d, 1), "owner"), "b@x.example");
    assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(d, 0), "members"));
    cJSON_Delete(j);
    j = get(sc, "/2.0/groups", "pageSize=1&page=2");
    assert_int_equal(num(j, "totalPages"), 2);
    assert_int_equal(num(cJSON_GetArrayItem(arr(j, "data"), 0), "id"), 502);
    cJSON_Delete(j);
    j = get(sc, "/2.0/groups", "includeAll=True");
    assert_null(cJSON_GetObjectItemCaseSensitive(j, "pageSize"));
    assert_int_equal(cJSON_GetArraySize(arr(j, "data")), 2);
    cJSON_Delete(j);
    scenario_free(sc);

    sc = tfx_load("default");                  /* fixture-gen's: six department groups */
    assert_int_equal(scenario_group_count(sc), 6);
    size_t n;
    scenario_user_groups(sc, scenario_user(sc, 0), &n);
    assert_int_equal(n, 1);
    scenario_free(sc);

    sc = load_json(HEAD "\"eventPages\":[]}");             /* no groups: an empty list */
    j = get(sc, "/2.0/groups", "");
    assert_int_equal(num(j, "totalCount"), 0);
    assert_int_equal(cJSON_GetArraySize(arr(j, "data")), 0);
    cJSON_Delete(j);
    j = profile(sc, 11, NULL, "include=groups");
    assert_int_equal(cJSON_GetArraySize(arr(j, "groups")), 0);
    cJSON_Delete(j);
    scenario_free(sc);
    tfx_cleanup();
}

#define G(body) HEAD "\"groups\":[" body "],\"eventPages\":[]}"

static void loader_refusals(void **state)
{
    (void)state;
    expect_refused(HEAD "\"groups\":{},\"eventPages\":[]}", "groups: not an array");
    expect_refused(G("7"), "groups[0]: not an object");
    expect_refused(G("{\"name\":\"A\",\"ownerId\":11}"), "groups[0].id: missing");
    expect_refused(G("{\"id\":1,\"ownerId\":11}"), "groups[0].name: missing");
    expect_refused(G("{\"id\":1,\"name\":\"\",\"ownerId\":11}"), "groups[0].name: empty");
    expect_refused(G("{\"id\":1,\"name\":\"A\",\"ownerId\":99}"),
                   "groups[0].ownerId: missing or not the id of a user");
    expect_refused(G("{\"id\":1,\"name\":\"A\",\"ownerId\":11,\"members\":[11,99]}"),
                   "groups[0].members[1]: not the id of a user of the scenario");
    expect_refused(G("{\"id\":1,\"name\":\"A\",\"ownerId\":11,\"members\":[\"a@x.example\"]}"),
                   "groups[0].members[0]");
    expect_refused(G("{\"id\":1,\"name\":\"A\",\"ownerId\":11,\"members\":[12,12]}"),
                   "groups[0].members: user 12 is listed twice");
    expect_refused(G("{\"id\":1,\"name\":\"A\",\"ownerId\":11,\"members\":[11,12,13,11]}"),
                   "groups[0].members: more than the scenario's users");
    expect_refused(G("{\"id\":1,\"name\":\"A\",\"ownerId\":11},{\"id\":1,\"name\":\"B\",\"ownerId\":11}"),
                   "groups: id 1 appears twice");
    expect_refused(G("{\"id\":1,\"name\":\"A\",\"ownerId\":11},{\"id\":2,\"name\":\"A\",\"ownerId\":11}"),
                   "groups: name \"A\" appears twice");
    expect_refused(G("{\"id\":1,\"name\":\"A\",\"ownerId\":11,\"createdAt\":\"soon\"}"),
                   "groups[0].createdAt: not an ISO-8601 time");
    /* bounded: more groups than the cap */
    size_t cap = 10001 * 48 + 4096;
    char *big = malloc(cap);
    assert_non_null(big);
    size_t n = (size_t)snprintf(big, cap, "%s\"groups\":[", HEAD);
    for (int i = 1; i <= 10001; i++)
        n += (size_t)snprintf(big + n, cap - n, "%s{\"id\":%d,\"name\":\"g%d\",\"ownerId\":11}",
                              i > 1 ? "," : "", i, i);
    snprintf(big + n, cap - n, "],\"eventPages\":[]}");
    expect_refused(big, "groups: more than 10000 groups");
    free(big);
    tfx_cleanup();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(include_groups_on_profiles),
        cmocka_unit_test(list_org_groups),
        cmocka_unit_test(loader_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
