/* GET /2.0/users, /2.0/users/me and /2.0/users/{id}: paging (including the
 * 200-user edge), filters, admin-only attributes and errors. */
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
#include "tfx_support.h"

static cJSON *list(const struct ss_scenario *sc, const struct ss_caller *c, const char *query,
                   int want_status)
{
    struct http_resp resp = {0};
    struct http_req req = tfx_get("/2.0/users", query);
    api_users_list(sc, c, &req, &resp);
    if (resp.status != want_status)
        fail_msg("%s: %d %.*s", query, resp.status, (int)resp.len, resp.body);
    assert_string_equal(resp.content_type, "application/json;charset=UTF-8");
    cJSON *j = tfx_json(&resp);
    tfx_resp_done(&resp);
    return j;
}

static int64_t num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v))
        fail_msg("%s is not a number", k);
    return (int64_t)v->valuedouble;
}

static int has(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k) != NULL;
}

static int data_count(const cJSON *j)
{
    return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "data"));
}

static void check_index(const cJSON *j, int64_t page, int64_t size, int64_t pages,
                        int64_t count, int items)
{
    assert_int_equal(num(j, "pageNumber"), page);
    if (size >= 0)
        assert_int_equal(num(j, "pageSize"), size);
    else
        assert_false(has(j, "pageSize"));
    assert_int_equal(num(j, "totalPages"), pages);
    assert_int_equal(num(j, "totalCount"), count);
    assert_int_equal(data_count(j), items);
}

static void paging_default(void **state)
{
    (void)state;
    struct ss_scenario *sc = tfx_load("default");
    struct ss_caller admin = {scenario_user(sc, 0)->id, 1};
    int64_t n = (int64_t)scenario_user_count(sc);
    int64_t pages = (n + 99) / 100;
    cJSON *j = list(sc, &admin, "", 200);
    check_index(j, 1, 100, pages, n, 100);
    const cJSON *u = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0);
    assert_int_equal(num(u, "id"), scenario_user(sc, 0)->id);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(u, "name")->valuestring, "Avery Admin");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "admin")));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(u, "status")->valuestring, "ACTIVE");
    assert_int_equal(num(u, "sheetCount"), -1);
    assert_false(has(u, "lastLogin"));                  /* only with include=lastLogin */
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(u, "seatType")->valuestring, "MEMBER");
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(u, "isInternal")));
    cJSON_Delete(j);

    j = list(sc, &admin, "page=2", 200);
    check_index(j, 2, 100, pages, n, (int)(n - 100));
    cJSON_Delete(j);
    j = list(sc, &admin, "page=99", 200);               /* past the end: the last page */
    check_index(j, pages, 100, pages, n, (int)(n - 100));
    cJSON_Delete(j);
    j = list(sc, &admin, "includeAll=true&pageSize=5&page=3", 200);
    check_index(j, 1, -1, 1, n, (int)n);
    cJSON_Delete(j);
    j = list(sc, &admin, "pageSize=7&page=3&include=lastLogin", 200);
    check_index(j, 3, 7, (n + 6) / 7, n, 7);
    assert_true(has(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0), "id"));
    cJSON_Delete(j);
    j = list(sc, &admin, "include=lastLogin", 200);      /* 100 users: lastLogin shown */
    assert_true(has(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0),
                    "lastLogin"));
    cJSON_Delete(j);
    j = list(sc, &admin, "include=lastLogin&includeAll=true", 200);   /* > 100: never */
    assert_false(has(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0),
                     "lastLogin"));
    cJSON_Delete(j);

    static const char *const bad[] = {"page=0", "page=abc", "pageSize=0", "pageSize=-4",
                                      "pageSize=1.5", "includeAll=maybe", "page=%zz"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = list(sc, &admin, bad[i], 400);
        assert_int_equal(num(j, "errorCode"), 1018);
        cJSON_Delete(j);
    }
    scenario_free(sc);
}

static void filters_and_member_view(void **state)
{
    (void)state;
    struct ss_scenario *sc = tfx_load("default");
    const struct ss_user *a = scenario_user(sc, 0), *b = scenario_user(sc, 5);
    struct ss_caller admin = {a->id, 1};
    struct ss_caller member = {scenario_user(sc, 1)->id, 0};
    char q[512], upper[200];
    size_t i = 0;
    for (; b->email[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)(b->email[i] >= 'a' && b->email[i] <= 'z' ? b->email[i] - 32 : b->email[i]);
    upper[i] = '\0';
    snprintf(q, sizeof q, "email=%s,%s,nobody@nowhere.example", a->email, upper);
    cJSON *j = list(sc, &admin, q, 200);
    check_index(j, 1, 100, 1, 2, 2);
    cJSON_Delete(j);
    j = list(sc, &admin, "email=nobody@nowhere.example", 200);
    check_index(j, 1, 100, 0, 0, 0);
    cJSON_Delete(j);

    j = list(sc, &member, "include=lastLogin", 200);
    const cJSON *u = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0);
    assert_true(has(u, "email") && has(u, "name") && has(u, "firstName"));
    assert_false(has(u, "admin") || has(u, "status") || has(u, "sheetCount") ||
                 has(u, "lastLogin") || has(u, "licensedSheetCreator"));
    cJSON_Delete(j);
    scenario_free(sc);
}

static void two_hundred_users_edges(void **state)
{
    (void)state;
    struct ss_scenario *sc = tfx_load("users-200");
    struct ss_caller admin = {scenario_user(sc, 0)->id, 1};
    cJSON *j = list(sc, &admin, "", 200);
    check_index(j, 1, 100, 2, 200, 100);
    cJSON_Delete(j);
    j = list(sc, &admin, "page=2", 200);
    check_index(j, 2, 100, 2, 200, 100);
    const cJSON *last = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 99);
    assert_int_equal(num(last, "id"), scenario_user(sc, 199)->id);
    cJSON_Delete(j);
    j = list(sc, &admin, "page=3", 200);
    check_index(j, 2, 100, 2, 200, 100);
    cJSON_Delete(j);
    j = list(sc, &admin, "pageSize=200", 200);
    check_index(j, 1, 200, 1, 200, 200);
    cJSON_Delete(j);
    j = list(sc, &admin, "pageSize=199&page=2", 200);
    check_index(j, 2, 199, 2, 200, 1);
    cJSON_Delete(j);
    scenario_free(sc);
}

static cJSON *profile(const struct ss_scenario *sc, const struct ss_caller *c, const char *id,
                      int want_status)
{
    struct http_resp resp = {0};
    struct http_req req = tfx_get(id ? "/2.0/users/x" : "/2.0/users/me", "");
    if (id)
        api_users_get(sc, c, id, &req, &resp);
    else
        api_users_me(sc, c, &req, &resp);
    if (resp.status != want_status)
        fail_msg("%s: %d %.*s", id ? id : "me", resp.status, (int)resp.len, resp.body);
    cJSON *j = tfx_json(&resp);
    tfx_resp_done(&resp);
    return j;
}

/* Python's requests spells booleans True/False; numericDates applies to
 * every request, so lastLogin becomes epoch milliseconds. */
static void booleans_and_numeric_dates(void **state)
{
    (void)state;
    struct ss_scenario *sc = tfx_load("default");
    const struct ss_user *a = scenario_user(sc, 0);
    struct ss_caller admin = {a->id, 1};
    int64_t n = (int64_t)scenario_user_count(sc);
    cJSON *j = list(sc, &admin, "includeAll=True", 200);
    check_index(j, 1, -1, 1, n, (int)n);
    cJSON_Delete(j);
    j = list(sc, &admin, "include=lastLogin&numericDates=True", 200);
    const cJSON *u = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0);
    assert_int_equal(num(u, "lastLogin"), a->last_login_ms);
    cJSON_Delete(j);
    j = list(sc, &admin, "include=lastLogin&numericDates=false", 200);
    u = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "data"), 0);
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(u, "lastLogin")));
    cJSON_Delete(j);
    j = list(sc, &admin, "numericDates=yes", 400);
    assert_int_equal(num(j, "errorCode"), 1018);
    cJSON_Delete(j);

    struct http_resp resp = {0};
    struct http_req req = tfx_get("/2.0/users/me", "numericDates=true");
    api_users_me(sc, &admin, &req, &resp);
    assert_int_equal(resp.status, 200);
    j = tfx_json(&resp);
    tfx_resp_done(&resp);
    assert_int_equal(num(j, "lastLogin"), a->last_login_ms);
    cJSON_Delete(j);
    memset(&resp, 0, sizeof resp);
    req = tfx_get("/2.0/users/me", "numericDates=2");
    api_users_me(sc, &admin, &req, &resp);
    assert_int_equal(resp.status, 400);
    tfx_resp_done(&resp);
    scenario_free(sc);
}

static void me_and_get(void **state)
{
    (void)state;
    struct ss_scenario *sc = tfx_load("default");
    const struct ss_user *a = scenario_user(sc, 0), *m = scenario_user(sc, 1);
    struct ss_caller admin = {a->id, 1}, member = {m->id, 0};
    cJSON *j = profile(sc, &admin, NULL, 200);
    assert_int_equal(num(j, "id"), a->id);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "email")->valuestring, a->email);
    assert_false(has(j, "name"));
    assert_false(has(j, "status"));                     /* /users/me has none (seen live) */
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "title")));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "mobilePhone")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "admin")));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "locale")->valuestring, "en_US");
    const cJSON *acct = cJSON_GetObjectItemCaseSensitive(j, "account");
    assert_int_equal(num(acct, "id"), scenario_account(sc)->id);
    cJSON_Delete(j);

    j = profile(sc, &member, NULL, 200);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "admin")));
    cJSON_Delete(j);

    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)m->id);
    j = profile(sc, &admin, id, 200);
    assert_int_equal(num(j, "id"), m->id);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "status")->valuestring, "ACTIVE");
    cJSON_Delete(j);
    snprintf(id, sizeof id, "%lld", (long long)a->id);
    j = profile(sc, &member, id, 200);                  /* a member looking at someone else */
    assert_false(has(j, "status") || has(j, "admin") || has(j, "lastLogin"));
    cJSON_Delete(j);

    j = profile(sc, &admin, "12345", 404);
    assert_int_equal(num(j, "errorCode"), 1020);
    cJSON_Delete(j);
    j = profile(sc, &admin, "12x", 400);
    assert_int_equal(num(j, "errorCode"), 1018);
    cJSON_Delete(j);
    j = profile(sc, &admin, "-3", 400);
    assert_int_equal(num(j, "errorCode"), 1018);
    cJSON_Delete(j);
    struct ss_caller ghost = {77, 1};
    j = profile(sc, &ghost, NULL, 404);
    assert_int_equal(num(j, "errorCode"), 1020);
    cJSON_Delete(j);
    scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paging_default),
        cmocka_unit_test(filters_and_member_view),
        cmocka_unit_test(two_hundred_users_edges),
        cmocka_unit_test(me_and_get),
        cmocka_unit_test(booleans_and_numeric_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
