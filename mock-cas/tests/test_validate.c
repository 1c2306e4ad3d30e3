/* test_validate.c - every validation rule accepts a good activity and
 * rejects a bad one with its own rule id and a reason naming the field. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../validate.h"
#include "cas_support.h"

#define T0 1764374400000LL   /* 2025-11-29T00:00:00Z */
#define SYSTEM_USER 3940654876256132LL  /* Automation */

static struct mapping map;

static int setup(void **state)
{
    (void)state;
    support_load_mapping(&map);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mapping_free(&map);
    return 0;
}

static cJSON *base(void)
{
    return support_simple(&map, "2.1.evt-1", T0, "ann@example.com");
}

/* Finds rule in the verdict; returns its reason or NULL. */
static const char *has_rule(const struct verdict *v, const char *rule)
{
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->v[i].rule, rule))
            return v->v[i].reason;
    return NULL;
}

static void expect_clean(cJSON *a)
{
    struct verdict v;
    size_t n = validate_activity(&map, a, 0, &v);
    for (size_t i = 0; i < v.n; i++)
        print_error("unexpected %s: %s\n", v.v[i].rule, v.v[i].reason);
    assert_int_equal(n, 0);
    cJSON_Delete(a);
}

/* Expects rule among the violations with a reason containing needle. */
static void expect_rule(cJSON *a, const char *rule, const char *needle)
{
    struct verdict v;
    validate_activity(&map, a, 7, &v);
    const char *reason = has_rule(&v, rule);
    if (!reason) {
        for (size_t i = 0; i < v.n; i++)
            print_error("got %s: %s\n", v.v[i].rule, v.v[i].reason);
        fail_msg("rule %s not reported", rule);
    }
    if (!strstr(reason, needle))
        fail_msg("reason '%s' does not name '%s'", reason, needle);
    assert_non_null(strstr(reason, "activity 7"));
    cJSON_Delete(a);
}

static cJSON *raw(cJSON *a)
{
    return cJSON_GetObjectItem(a, "rawDataJson");
}

static void set_num(cJSON *o, const char *k, double v)
{
    cJSON_ReplaceItemInObject(o, k, cJSON_CreateNumber(v));
}

static void set_str(cJSON *o, const char *k, const char *v)
{
    if (cJSON_GetObjectItem(o, k))
        cJSON_ReplaceItemInObject(o, k, cJSON_CreateString(v));
    else
        cJSON_AddStringToObject(o, k, v);
}

static void test_good_activity_passes(void **state)
{
    (void)state;
    expect_clean(base());
}

static void test_act001(void **state)
{
    (void)state;
    cJSON *a = base();   /* good: extra CAS-like fields are kept, not refused */
    cJSON_AddStringToObject(a, "severity", "INFO");
    expect_clean(a);
    a = base();
    cJSON_DeleteItemFromObject(a, "eventTypeValue");
    expect_rule(a, "ACT-001", "eventTypeValue is missing");
    a = base();
    set_str(a, "timestamp", "yesterday");
    expect_rule(a, "ACT-001", "timestamp must be an integer");
    a = base();
    cJSON_ReplaceItemInObject(a, "user", cJSON_CreateString("ann"));
    expect_rule(a, "ACT-001", "user.userName");
    cJSON *arr = cJSON_CreateArray();
    struct verdict v;
    assert_int_equal(validate_activity(&map, arr, 3, &v), 1);
    assert_string_equal(v.v[0].rule, "ACT-001");
    cJSON_Delete(arr);
}

static void test_act002_003_004(void **state)
{
    (void)state;
    cJSON *a = base();
    set_num(a, "appId", 11161);
    expect_rule(a, "ACT-002", "appId");
    a = base();
    set_str(a, "appName", "smartsheet");
    expect_rule(a, "ACT-003", "appName");
    a = base();
    set_num(a, "source", 0);
    expect_rule(a, "ACT-004", "source");
}

static void test_act005_timestamp(void **state)
{
    (void)state;
    cJSON *a = base();   /* good: eventTimestamp as epoch ms */
    set_num(raw(a), "eventTimestamp", (double)T0);
    expect_clean(a);
    a = base();   /* good: ISO with a fraction and an offset */
    set_str(raw(a), "eventTimestamp", "2025-11-29T01:00:00.000+01:00");
    expect_clean(a);
    a = base();   /* bad: seconds instead of ms */
    set_num(a, "timestamp", (double)(T0 / 1000));
    expect_rule(a, "ACT-005", "timestamp");
}

static void test_raw001(void **state)
{
    (void)state;
    cJSON *a = base();
    cJSON_DeleteItemFromObject(raw(a), "eventId");
    expect_rule(a, "RAW-001", "rawDataJson.eventId");
    a = base();
    set_str(raw(a), "eventTimestamp", "last tuesday");
    expect_rule(a, "RAW-001", "rawDataJson.eventTimestamp");
    a = base();
    cJSON_DeleteItemFromObject(raw(a), "action");
    expect_rule(a, "RAW-001", "rawDataJson.action");
    a = base();
    cJSON_ReplaceItemInObject(a, "rawDataJson", cJSON_CreateString("{}"));
    expect_rule(a, "ACT-001", "rawDataJson must be an object");
}

static void test_map001_unknown_pair_uses_unknown_row(void **state)
{
    (void)state;
    cJSON *e = support_event("2.1.x", "SHEET", "TELEPORT", T0, 42, "bo@example.com");
    cJSON *a = support_activity(&map, e);
    cJSON_Delete(e);
    assert_string_equal(cJSON_GetObjectItem(a, "eventTypeValue")->valuestring,
                        "EVENT_SMARTSHEET_UNSPECIFIED");
    assert_string_equal(cJSON_GetObjectItem(a, "description")->valuestring,
                        "Unspecified: sheet TELEPORT 4583173393803140");
    expect_clean(a);
    a = base();
    set_str(a, "eventTypeValue", "EVENT_SMARTSHEET_SHEET_UPDATE");
    expect_rule(a, "MAP-001", "EVENT_SMARTSHEET_SHEET_CREATE");
}

static void test_map002(void **state)
{
    (void)state;
    cJSON *e = support_event("2.1.y", "SHEET", "EXPORT", T0, 42, "bo@example.com");
    cJSON *a = support_activity(&map, e);
    cJSON_Delete(e);
    assert_string_equal(cJSON_GetObjectItem(a, "activityType")->valuestring, "Download item");
    assert_string_equal(cJSON_GetObjectItem(a, "eventTypeName")->valuestring,
                        "EVENT_CATEGORY_DOWNLOAD_ITEM");
    expect_clean(a);
    a = base();
    set_str(a, "activityType", "Edit item");
    expect_rule(a, "MAP-002", "activityType");
    a = base();
    set_num(a, "eventType", 2424838);
    expect_rule(a, "MAP-002", "eventType");
    a = base();
    set_str(a, "eventTypeName", "EVENT_CATEGORY_UNSPECIFIED");
    expect_rule(a, "MAP-002", "eventTypeName");
}

static void test_map003_description(void **state)
{
    (void)state;
    cJSON *a = base();   /* good: objectIdStr wins over objectId */
    set_str(raw(a), "objectIdStr", "abc-77");
    set_str(a, "description", "Create item: sheet abc-77");
    expect_clean(a);
    a = base();
    set_str(a, "description", "created a sheet");
    expect_rule(a, "MAP-003", "description");
    /* a long objectIdStr is compared whole, not cut short */
    char id[1001], desc[1100];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    snprintf(desc, sizeof desc, "Create item: sheet %s", id);
    a = base();
    set_str(raw(a), "objectIdStr", id);
    set_str(a, "description", desc);
    expect_clean(a);
    a = base();
    set_str(raw(a), "objectIdStr", id);
    desc[strlen(desc) - 1] = '\0';
    set_str(a, "description", desc);
    expect_rule(a, "MAP-003", "description");
}

static void test_usr001(void **state)
{
    (void)state;
    cJSON *e = support_event("2.1.s", "SHEET", "UPDATE", T0, SYSTEM_USER, "auto@smartsheet.com");
    cJSON *a = support_activity(&map, e);
    cJSON_Delete(e);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "user"), "userName")->valuestring,
                        "Smartsheet");
    expect_clean(a);
    a = base();
    set_str(cJSON_GetObjectItem(a, "user"), "userName", "someone@else.com");
    expect_rule(a, "USR-001", "emailAddress");
    e = support_event("2.1.t", "SHEET", "UPDATE", T0, SYSTEM_USER, "auto@smartsheet.com");
    a = support_activity(&map, e);
    cJSON_Delete(e);
    set_str(cJSON_GetObjectItem(a, "user"), "userName", "auto@smartsheet.com");
    expect_rule(a, "USR-001", "Smartsheet");
}

static void test_lim001_no_login(void **state)
{
    (void)state;
    cJSON *a = base();
    set_str(a, "activityType", "Log on");
    expect_rule(a, "LIM-001", "Log on");
    a = base();
    set_str(a, "eventTypeName", "EVENT_CATEGORY_LOGOUT");
    expect_rule(a, "LIM-001", "EVENT_CATEGORY_LOGOUT");
    a = base();
    set_num(a, "eventType", 2424840);
    expect_rule(a, "LIM-001", "2424840");
}

static void test_lim002_no_ip_outside_raw(void **state)
{
    (void)state;
    cJSON *a = base();   /* good: the raw event keeps its sourceIpAddress; empty clientIP */
    cJSON_AddStringToObject(cJSON_AddObjectToObject(a, "device"), "clientIP", "");
    expect_clean(a);
    a = base();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(a, "device"), "clientIP", "198.51.100.4");
    expect_rule(a, "LIM-002", "device.clientIP");
    a = base();
    cJSON_AddStringToObject(a, "ipAddress", "10.1.1.1");
    expect_rule(a, "LIM-002", "ipAddress");
    a = base();
    cJSON *loc = cJSON_AddObjectToObject(a, "location");
    cJSON_AddStringToObject(loc, "where", "2001:db8::1");
    expect_rule(a, "LIM-002", "location.where");
    assert_true(val_is_ip("192.0.2.1"));
    assert_true(val_is_ip("::1"));
    assert_false(val_is_ip("Create item: sheet 1"));
    assert_false(val_is_ip("4583173393803140"));
}

static void test_mapping_refuses_login_rows(void **state)
{
    (void)state;
    static const char bad[] =
        "{\"version\":1,\"appId\":11934,\"appName\":\"Smartsheet\",\"source\":2,"
        "\"systemUserName\":\"Smartsheet\",\"systemUserIds\":[],"
        "\"activityTypes\":{\"Unspecified\":2424832,\"Create item\":2424835},"
        "\"rows\":[{\"objectType\":\"USER\",\"action\":\"LOGIN\",\"eventTypeValue\":\"X\","
        "\"activityType\":\"Log on\",\"description\":\"d\"}],"
        "\"unknown\":{\"eventTypeValue\":\"U\",\"activityType\":\"Unspecified\",\"description\":\"u\"}}";
    struct mapping m;
    char err[300];
    assert_int_equal(mapping_parse(&m, bad, sizeof bad - 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "rows[0]"));
    assert_non_null(strstr(err, "Log on"));
    assert_int_equal(mapping_parse(&m, "{\"version\":2}", 13, err, sizeof err), -1);
    assert_non_null(strstr(err, "version"));
    assert_int_equal(mapping_parse(&m, "{", 1, err, sizeof err), -1);
    assert_int_equal(mapping_parse(&m, "{} {}", 5, err, sizeof err), -1);
    assert_non_null(strstr(err, "not valid JSON"));
}

static void test_table_rows_are_complete(void **state)
{
    (void)state;
    /* Every row's own activity validates, so the table agrees with the rules. */
    for (size_t i = 0; i < map.n_rows; i++) {
        const struct map_row *r = &map.rows[i];
        cJSON *e = support_event("2.1.r", r->object_type, r->action, T0, 9, "x@example.com");
        cJSON *a = support_activity(&map, e);
        cJSON_Delete(e);
        assert_false(mapping_is_login_type(r->activity_type));
        expect_clean(a);
    }
    assert_true(map.n_rows >= 100);
    assert_string_equal(mapping_find(&map, "SHEET", "PURGE")->activity_type, "Delete item");
    assert_string_equal(mapping_find(&map, "SHEET", "LOAD")->activity_type, "View item");
    assert_string_equal(mapping_find(&map, "SHEET", "ADD_SHARE")->activity_type, "Share item");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_activity_passes),
        cmocka_unit_test(test_act001),
        cmocka_unit_test(test_act002_003_004),
        cmocka_unit_test(test_act005_timestamp),
        cmocka_unit_test(test_raw001),
        cmocka_unit_test(test_map001_unknown_pair_uses_unknown_row),
        cmocka_unit_test(test_map002),
        cmocka_unit_test(test_map003_description),
        cmocka_unit_test(test_usr001),
        cmocka_unit_test(test_lim001_no_login),
        cmocka_unit_test(test_lim002_no_ip_outside_raw),
        cmocka_unit_test(test_mapping_refuses_login_rows),
        cmocka_unit_test(test_table_rows_are_complete),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
