/* Mapping: the real table loads; every row maps an event to exactly that
 * row's values with the filled template; system users become
 * "Smartsheet"; unknown pairs use the unknown row; rawDataJson is the
 * event's original bytes (large ids and number spellings intact); no IP
 * leaves rawDataJson; bad tables are refused naming the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../jscan.h"
#include "../mapping.h"

static struct conn_mapping *map;
static cJSON *table;

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, 1u << 24);
    char c[4096];
    size_t n;
    while ((n = fread(c, 1, sizeof c, f)) > 0)
        buf_append(&b, c, n);
    fclose(f);
    return buf_take(&b, NULL);
}

static int setup(void **s)
{
    (void)s;
    const char *fx = getenv("KIT_FIXTURES") ? getenv("KIT_FIXTURES") : KIT_SOURCE_FIXTURES;
    char path[1024], err[400];
    snprintf(path, sizeof path, "%s/mapping/smartsheet-cas.json", fx);
    if (conn_mapping_load(path, &map, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    char *text = read_all(path);
    table = cJSON_Parse(text);
    free(text);
    return table ? 0 : -1;
}

static int teardown(void **s)
{
    (void)s;
    conn_mapping_free(map);
    cJSON_Delete(table);
    return 0;
}

/* Maps raw (an event's JSON text) and returns the parsed activity. */
static cJSON *map_one(const char *raw, struct buf *out)
{
    cJSON *ev = cJSON_Parse(raw);
    assert_non_null(ev);
    buf_init(out, 1u << 20);
    char err[200];
    assert_int_equal(conn_mapping_activity(map, ev, raw, strlen(raw), NULL, out, err, sizeof err),
                     MAP_OK);
    cJSON_Delete(ev);
    cJSON *act = cJSON_Parse(out->ptr);
    assert_non_null(act);
    return act;
}

static const char *sget(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

/* Independent template filling for the check. */
static void expect_desc(const char *tpl, const char *ot, const char *ac, const char *oid,
                        const char *actor, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = tpl; *p && o + 1 < cap;) {
        const char *val = NULL;
        size_t skip = 0;
        int low = 0;
        if (!strncmp(p, "{object}", 8)) val = ot, skip = 8, low = 1;
        else if (!strncmp(p, "{objectType}", 12)) val = ot, skip = 12;
        else if (!strncmp(p, "{action}", 8)) val = ac, skip = 8;
        else if (!strncmp(p, "{objectId}", 10)) val = oid, skip = 10;
        else if (!strncmp(p, "{actor}", 7)) val = actor, skip = 7;
        if (!val) {
            out[o++] = *p++;
            continue;
        }
        for (const char *q = val; *q && o + 1 < cap; q++)
            out[o++] = low ? (*q == '_' ? ' ' : (char)tolower((unsigned char)*q)) : *q;
        p += skip;
    }
    out[o] = '\0';
}

static void test_every_row(void **s)
{
    (void)s;
    const cJSON *rows = cJSON_GetObjectItem(table, "rows");
    const cJSON *types = cJSON_GetObjectItem(table, "activityTypes");
    size_t n = 0;
    assert_int_equal(conn_mapping_row_count(map), (size_t)cJSON_GetArraySize(rows));
    for (const cJSON *r = rows->child; r; r = r->next, n++) {
        const char *ot = sget(r, "objectType"), *ac = sget(r, "action");
        char raw[1024];
        snprintf(raw, sizeof raw,
                 "{\"eventId\":\"2.1.ev%zu\",\"objectType\":\"%s\",\"action\":\"%s\","
                 "\"objectId\":3940654876256132,\"eventTimestamp\":\"2026-11-20T10:11:12Z\","
                 "\"userId\":1234567,\"requestUserId\":1234567,\"source\":\"WEB_APP\","
                 "\"additionalDetails\":{\"emailAddress\":\"ann@example.com\","
                 "\"sourceIpAddress\":\"10.1.2.3\"}}", n, ot, ac);
        struct buf out;
        cJSON *act = map_one(raw, &out);
        assert_string_equal(sget(act, "eventTypeValue"), sget(r, "eventTypeValue"));
        const char *at = sget(r, "activityType");
        assert_string_equal(sget(act, "activityType"), at);
        assert_true(cJSON_GetObjectItem(act, "eventType")->valuedouble ==
                    cJSON_GetObjectItem(types, at)->valuedouble);
        char etn[128] = "EVENT_CATEGORY_";
        for (size_t i = 0, o = 15; at[i] && o < sizeof etn - 1; i++, o++)
            etn[o] = at[i] == ' ' ? '_' : (char)toupper((unsigned char)at[i]);
        assert_string_equal(sget(act, "eventTypeName"), etn);
        char want[512];
        expect_desc(sget(r, "description"), ot, ac, "3940654876256132", "ann@example.com",
                    want, sizeof want);
        assert_string_equal(sget(act, "description"), want);
        assert_string_equal(sget(cJSON_GetObjectItem(act, "user"), "userName"),
                            "ann@example.com");
        assert_true(cJSON_GetObjectItem(act, "timestamp")->valuedouble == 1795169472000.0);
        assert_int_equal((int)cJSON_GetObjectItem(act, "appId")->valuedouble, 11934);
        assert_int_equal((int)cJSON_GetObjectItem(act, "source")->valuedouble, 2);
        assert_string_equal(sget(act, "appName"), "Smartsheet");
        /* the raw event bytes are carried verbatim */
        assert_non_null(strstr(out.ptr, raw));
        /* the IP only inside rawDataJson */
        assert_ptr_equal(strstr(out.ptr, "10.1.2.3"), strstr(strstr(out.ptr, "rawDataJson"),
                                                              "10.1.2.3"));
        assert_null(strstr(out.ptr, "clientIP"));
        assert_false(cJSON_GetObjectItem(act, "device"));
        assert_false(cJSON_GetObjectItem(act, "ipAddress"));
        struct conn_map_row_view v = conn_mapping_row(map, ot, ac);
        assert_false(v.is_unknown);
        cJSON_Delete(act);
        buf_release(&out);
    }
    assert_true(n > 0);
}

static void test_system_user_and_unknown_pair(void **s)
{
    (void)s;
    const char *raw = "{\"eventId\":\"e1\",\"objectType\":\"SHEET\",\"action\":\"FROBNICATE\","
                      "\"objectId\":12,\"objectIdStr\":\"abc_1\",\"eventTimestamp\":1700000000123,"
                      "\"userId\":3940654876256132,\"additionalDetails\":{\"emailAddress\":"
                      "\"automation@smartsheet.com\"}}";
    struct buf out;
    cJSON *act = map_one(raw, &out);
    const cJSON *unk = cJSON_GetObjectItem(table, "unknown");
    assert_string_equal(sget(act, "eventTypeValue"), sget(unk, "eventTypeValue"));
    assert_string_equal(sget(act, "activityType"), sget(unk, "activityType"));
    assert_string_equal(sget(cJSON_GetObjectItem(act, "user"), "userName"),
                        sget(table, "systemUserName"));
    char want[256];
    expect_desc(sget(unk, "description"), "SHEET", "FROBNICATE", "abc_1", "Smartsheet", want,
                sizeof want);
    assert_string_equal(sget(act, "description"), want);
    assert_true(cJSON_GetObjectItem(act, "timestamp")->valuedouble == 1700000000123.0);
    assert_true(conn_mapping_row(map, "SHEET", "FROBNICATE").is_unknown);
    assert_true(conn_mapping_row(map, NULL, "CREATE").is_unknown);
    cJSON_Delete(act);
    buf_release(&out);
    /* an empty objectIdStr is present: it, not objectId, fills {objectId} */
    raw = "{\"eventId\":\"e2\",\"objectType\":\"SHEET\",\"action\":\"FROBNICATE\","
          "\"objectId\":12,\"objectIdStr\":\"\",\"eventTimestamp\":1700000000123,"
          "\"userId\":42,\"additionalDetails\":{\"emailAddress\":\"ann@example.com\"}}";
    act = map_one(raw, &out);
    expect_desc(sget(unk, "description"), "SHEET", "FROBNICATE", "", "ann@example.com", want,
                sizeof want);
    assert_string_equal(sget(act, "description"), want);
    cJSON_Delete(act);
    buf_release(&out);
}

static void test_raw_numbers_survive_exactly(void **s)
{
    (void)s;
    /* 2^53 + 1 and odd spellings would change in a cJSON round trip */
    const char *raw = "{ \"eventId\" : \"e2\", \"objectType\":\"SHEET\",\"action\":\"LOAD\","
                      "\"objectId\":9007199254740993,\"eventTimestamp\":\"2026-01-01T00:00:00Z\","
                      "\"userId\":1.50E1,\"x\":[1,2.0,{\"y\":\"\\u00e9\\\"\"}],"
                      "\"additionalDetails\":{\"emailAddress\":\"b\\\"o@x.org\"} }";
    struct buf out;
    cJSON *act = map_one(raw, &out);
    assert_non_null(strstr(out.ptr, raw));
    assert_string_equal(sget(cJSON_GetObjectItem(act, "user"), "userName"), "b\"o@x.org");
    cJSON_Delete(act);
    buf_release(&out);
}

static void test_unusable_event_is_skipped_with_reason(void **s)
{
    (void)s;
    const char *raw = "{\"eventId\":\"e3\",\"objectType\":\"SHEET\",\"action\":\"LOAD\","
                      "\"eventTimestamp\":\"yesterday\"}";
    cJSON *ev = cJSON_Parse(raw);
    struct buf out;
    buf_init(&out, 1u << 20);
    char err[200] = "";
    assert_int_equal(conn_mapping_activity(map, ev, raw, strlen(raw), NULL, &out, err, sizeof err),
                     MAP_SKIP);
    assert_non_null(strstr(err, "eventTimestamp"));
    cJSON_Delete(ev);
    buf_release(&out);
}

static void test_bad_tables_refused(void **s)
{
    (void)s;
    struct { const char *text, *needle; } bad[] = {
        {"[]", "object"},
        {"{\"appId\":1,\"source\":2,\"appName\":\"S\",\"systemUserName\":\"S\","
         "\"activityTypes\":{\"Log on\":1},\"systemUserIds\":[],\"rows\":[{\"objectType\":"
         "\"A\",\"action\":\"B\",\"eventTypeValue\":\"E\",\"activityType\":\"Log on\","
         "\"description\":\"d\"}],\"unknown\":{}}", "rows[0]"},
        {"{\"appId\":1,\"source\":2,\"appName\":\"S\",\"systemUserName\":\"S\","
         "\"activityTypes\":{\"X\":1},\"systemUserIds\":[],\"rows\":[{\"objectType\":"
         "\"A\",\"action\":\"B\",\"eventTypeValue\":\"E\",\"activityType\":\"Y\","
         "\"description\":\"d\"}],\"unknown\":{}}", "activityType"},
        {"{\"appId\":1,\"source\":2,\"appName\":\"S\",\"systemUserName\":\"S\","
         "\"activityTypes\":{\"X\":1},\"systemUserIds\":[\"a\"],\"rows\":[],\"unknown\":{}}",
         "systemUserIds"},
        /* 1e400 is infinity to the parser: refused, not cast (issue #13, item 8) */
        {"{\"appId\":1,\"source\":2,\"appName\":\"S\",\"systemUserName\":\"S\","
         "\"activityTypes\":{\"X\":1},\"systemUserIds\":[1e400],\"rows\":[],\"unknown\":{}}",
         "systemUserIds"},
        {"{\"appId\":1,\"source\":2,\"appName\":\"S\",\"systemUserName\":\"S\","
         "\"activityTypes\":{\"X\":1},\"systemUserIds\":[],\"rows\":[]}", "unknown"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct conn_mapping *m = NULL;
        char err[300] = "";
        assert_int_equal(conn_mapping_parse(bad[i].text, strlen(bad[i].text), &m, err,
                                            sizeof err), -1);
        assert_non_null(strstr(err, bad[i].needle));
    }
}

static void test_jscan_ranges(void **s)
{
    (void)s;
    const char *t = "{\"a\":\"x}\\\"]\",\"data\" : [ {\"k\":[1,{\"z\":\"]\"}]} , 7,\"s\" ],"
                    "\"b\":null}";
    struct jscan_range r, items[8];
    assert_int_equal(jscan_member(t, strlen(t), "data", &r), 1);
    assert_int_equal(jscan_array(t + r.off, r.len, items, 8), 3);
    assert_memory_equal(t + r.off + items[0].off, "{\"k\":[1,{\"z\":\"]\"}]}", items[0].len);
    assert_memory_equal(t + r.off + items[1].off, "7", items[1].len);
    assert_memory_equal(t + r.off + items[2].off, "\"s\"", items[2].len);
    assert_int_equal(jscan_array(t + r.off, r.len, items, 2), -1);
    assert_int_equal(jscan_member(t, strlen(t), "zz", &r), 0);
    assert_int_equal(jscan_member(t, strlen(t), "b", &r), 1);
    assert_int_equal(r.len, 4);
    assert_int_equal(jscan_array("[]", 2, items, 8), 0);
    assert_int_equal(jscan_member("[1]", 3, "a", &r), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_row),
        cmocka_unit_test(test_system_user_and_unknown_pair),
        cmocka_unit_test(test_raw_numbers_survive_exactly),
        cmocka_unit_test(test_unusable_event_is_skipped_with_reason),
        cmocka_unit_test(test_bad_tables_refused),
        cmocka_unit_test(test_jscan_ranges),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
