/* test_store.c - the store and the CAS query semantics: duplicates, each
 * filter operator, bad filters, pagination edges. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../filter.h"
#include "../store.h"
#include "../store_int.h"
#include "spawn.h"
#include "cas_support.h"

#define T0 1764374400000LL
#define N_ACTS 250

static struct mapping map;
static struct store *st;
static int64_t inst_a, inst_b;

/* Ingests acts (consumed) into instance; returns the parsed answer. */
static cJSON *ingest(int64_t instance, cJSON **acts, size_t n)
{
    struct verdict *v = calloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++)
        validate_activity(&map, acts[i], i, &v[i]);
    struct buf out;
    buf_init(&out, 64u << 20);
    assert_int_equal(store_ingest(st, instance, acts, v, NULL, n, &out), 0);
    cJSON *j = cJSON_Parse(out.ptr);
    assert_non_null(j);
    buf_release(&out);
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(acts[i]);
    free(v);
    return j;
}

static int count_of(const cJSON *j, const char *k)
{
    return (int)cJSON_GetObjectItem(j, k)->valuedouble;
}

/* The suite runs twice: activity indexes kept from the start, and lazy
 * (built by the first filtered query); every answer must be the same. */
static int lazy_indexes;

static int setup(void **state)
{
    (void)state;
    support_load_mapping(&map);
    char err[300], tok[65];
    st = store_open(NULL, 97134000, lazy_indexes, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(store_instance_create(st, "A", &inst_a, tok), 0);
    assert_int_equal(store_instance_create(st, "B", &inst_b, tok), 0);
    assert_int_equal(inst_a, 11934);
    assert_int_equal(inst_b, (1 << 20) | 11934);
    cJSON *acts[N_ACTS];
    for (int i = 0; i < N_ACTS; i++) {
        char id[32], email[64];
        snprintf(id, sizeof id, "2.1.e%03d", i);
        snprintf(email, sizeof email, "%s@example.com", i % 5 == 0 ? "ann" : "bob");
        if (i % 10 == 3 || i == 9 || i == 19) {    /* 9, 19: admin activities */
            cJSON *e = support_event(id, i == 9 ? "USER" : i == 19 ? "ADMIN_CENTER" : "REPORT",
                                     i == 9 ? "DEACTIVATE" : i == 19 ? "UPDATE_SETTINGS" : "EXPORT",
                                     T0 + i * 1000LL, 77, email);
            acts[i] = support_activity(&map, e);
            cJSON_Delete(e);
        } else {
            acts[i] = support_simple(&map, id, T0 + i * 1000LL, email);
        }
        if (i == 7)
            cJSON_AddStringToObject(cJSON_AddObjectToObject(acts[i], "location"), "countryCode",
                                    "NP");
    }
    cJSON *r = ingest(inst_a, acts, N_ACTS);
    assert_int_equal(count_of(r, "accepted"), N_ACTS);
    cJSON_Delete(r);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_close(st);
    mapping_free(&map);
    return 0;
}

/* Runs a list request given as JSON text; returns the envelope. */
static cJSON *query(const char *params_json)
{
    cJSON *p = params_json ? cJSON_Parse(params_json) : NULL;
    if (params_json)
        assert_non_null(p);
    struct act_query q;
    act_query_init(&q);
    struct buf err, out;
    buf_init(&err, 1 << 16);
    buf_init(&out, 64u << 20);
    if (act_query_parse(&q, p, T0 + 1000000, store_resolve_activity_id, st, &err)) {
        print_error("%s\n", err.ptr);
        fail_msg("query refused: %s", params_json);
    }
    assert_int_equal(store_query_activities(st, &q, &out), 0);
    cJSON *j = cJSON_Parse(out.ptr);
    assert_non_null(j);
    act_query_free(&q);
    buf_release(&err);
    buf_release(&out);
    cJSON_Delete(p);
    return j;
}

static int total(const char *params)
{
    cJSON *j = query(params);
    int t = count_of(j, "total");
    cJSON_Delete(j);
    return t;
}

/* Expects a 400-style CAS error naming key and mentioning needle. */
static void expect_bad(const char *params, const char *key, const char *needle)
{
    cJSON *p = cJSON_Parse(params);
    assert_non_null(p);
    struct act_query q;
    act_query_init(&q);
    struct buf err;
    buf_init(&err, 1 << 16);
    assert_int_equal(act_query_parse(&q, p, T0, store_resolve_activity_id, st, &err), -1);
    cJSON *j = cJSON_Parse(err.ptr);
    assert_non_null(j);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "error")));
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(j, key), 0);
    assert_non_null(first);
    assert_string_equal(cJSON_GetObjectItem(first, "errorMessageCode")->valuestring,
                        "CONSOLE_FORMS_NOT_VALID_VALUE");
    if (!strstr(cJSON_GetObjectItem(first, "error")->valuestring, needle))
        fail_msg("error '%s' lacks '%s'", cJSON_GetObjectItem(first, "error")->valuestring, needle);
    cJSON_Delete(j);
    cJSON_Delete(p);
    act_query_free(&q);
    buf_release(&err);
}

static void test_duplicates_stored_once(void **state)
{
    (void)state;
    cJSON *acts[3] = {support_simple(&map, "2.1.e000", T0, "ann@example.com"),
                      support_simple(&map, "2.1.dup", T0, "ann@example.com"),
                      support_simple(&map, "2.1.dup", T0, "ann@example.com")};
    cJSON *r = ingest(inst_a, acts, 3);
    assert_int_equal(count_of(r, "accepted"), 1);
    assert_int_equal(count_of(r, "duplicates"), 2);
    cJSON *res = cJSON_GetObjectItem(r, "results");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(res, 0), "status")->valuestring, "duplicate");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(res, 1), "status")->valuestring, "accepted");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(res, 2), "status")->valuestring, "duplicate");
    cJSON_Delete(r);
    /* The same event id in another instance is that instance's own. */
    cJSON *b[1] = {support_simple(&map, "2.1.dup", T0, "ann@example.com")};
    r = ingest(inst_b, b, 1);
    assert_int_equal(count_of(r, "accepted"), 1);
    cJSON_Delete(r);
    struct buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(store_instance_json(st, inst_a, &out), 0);
    cJSON *j = cJSON_Parse(out.ptr);
    assert_int_equal(count_of(j, "accepted"), N_ACTS + 1);
    assert_int_equal(count_of(j, "duplicates"), 2);
    cJSON_Delete(j);
    buf_release(&out);
    assert_int_equal(total("{\"filters\":{\"activity.id\":{\"eq\":\"97134000_11934_2.1.dup\"}}}"), 1);
    assert_int_equal(total("{\"filters\":{\"instance\":{\"eq\":[1060510]}}}"), 1);
}

static void test_rejected_not_stored_and_recorded(void **state)
{
    (void)state;
    cJSON *a = support_simple(&map, "2.1.bad", T0, "ann@example.com");
    cJSON_AddStringToObject(a, "ipAddress", "192.0.2.7");
    cJSON *acts[1] = {a};
    cJSON *r = ingest(inst_b, acts, 1);
    assert_int_equal(count_of(r, "rejected"), 1);
    cJSON_Delete(r);
    struct buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(store_violations_json(st, "LIM-002", inst_b, 0, 100, &out), 0);
    cJSON *j = cJSON_Parse(out.ptr);
    cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "violations"), 0);
    assert_non_null(v);
    assert_string_equal(cJSON_GetObjectItem(v, "eventId")->valuestring, "2.1.bad");
    assert_non_null(strstr(cJSON_GetObjectItem(v, "reason")->valuestring, "ipAddress"));
    cJSON_Delete(j);
    buf_release(&out);
    assert_int_equal(total("{\"filters\":{\"activity.id\":{\"eq\":[\"97134000_1060510_2.1.bad\"]}}}"), 0);
}

/* A commit that fails (a full disk) stores nothing and marks nothing as
 * seen: the retry of the same batch is stored, not answered "duplicate"
 * (issue #13, item 1). */
static int fail_commits;
static int commit_hook(void *cls)
{
    (void)cls;
    return fail_commits > 0 ? fail_commits-- : 0;
}

static cJSON **retry_batch(size_t n)
{
    cJSON **acts = calloc(n, sizeof *acts);
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "2.1.full%03zu", i);
        acts[i] = support_simple(&map, id, T0 + (int64_t)i, "ann@example.com");
    }
    return acts;
}

static int stored_in(struct store *fs, int64_t instance)
{
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(fs->db, "SELECT count(*) FROM activities WHERE instance=?",
                                        -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_int64(q, 1, instance);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int n = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* One batch into the store fs; returns store_ingest's result and the
 * parsed answer in *answer. */
static int ingest_into(struct store *fs, int64_t instance, size_t n, cJSON **answer)
{
    cJSON **acts = retry_batch(n);
    struct verdict *v = calloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++)
        validate_activity(&map, acts[i], i, &v[i]);
    struct buf out;
    buf_init(&out, 64u << 20);
    int rc = store_ingest(fs, instance, acts, v, NULL, n, &out);
    *answer = cJSON_Parse(out.ptr);
    assert_non_null(*answer);
    buf_release(&out);
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(acts[i]);
    free(acts);
    free(v);
    return rc;
}

static void test_failed_commit_marks_nothing_seen(void **state)
{
    (void)state;
    enum { N = 300 };
    char dir[] = "/tmp/cas-store-XXXXXX", path[64], err[300], tok[65];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/store.db", dir);
    struct store *fs = store_open(path, 97134000, lazy_indexes, err, sizeof err);
    assert_non_null(fs);
    int64_t inst;
    assert_int_equal(store_instance_create(fs, "C", &inst, tok), 0);
    sqlite3_commit_hook(fs->db, commit_hook, NULL);
    fail_commits = 1;
    cJSON *r = NULL;
    assert_int_not_equal(ingest_into(fs, inst, N, &r), 0);
    assert_int_equal(count_of(r, "duplicates"), 0);
    assert_int_equal(count_of(r, "accepted"), 0);
    cJSON_Delete(r);
    assert_int_equal(stored_in(fs, inst), 0);

    assert_int_equal(ingest_into(fs, inst, N, &r), 0);
    assert_int_equal(count_of(r, "accepted"), N);
    assert_int_equal(count_of(r, "duplicates"), 0);
    cJSON_Delete(r);
    assert_int_equal(stored_in(fs, inst), N);
    store_close(fs);
    spawn_remove_tree(dir);
}

static void test_eq_neq(void **state)
{
    (void)state;
    /* activity.type: the admin flag, from the activity's object type */
    assert_int_equal(total("{\"filters\":{\"activity.type\":{\"eq\":true},"
                           "\"instance\":{\"eq\":11934}}}"), 2);
    assert_int_equal(total("{\"filters\":{\"activity.type\":{\"eq\":[true]},"
                           "\"activity.eventType\":{\"eq\":\"EVENT_SMARTSHEET_USER_DEACTIVATE\"}}}"),
                     1);
    assert_int_equal(total("{\"filters\":{\"activity.type\":{\"eq\":false},"
                           "\"instance\":{\"eq\":11934}}}"),
                     total("{\"filters\":{\"instance\":{\"eq\":11934}}}") - 2);
    assert_int_equal(total("{\"filters\":{\"activity.type\":{\"eq\":[true,false]},"
                           "\"instance\":{\"eq\":11934}}}"),
                     total("{\"filters\":{\"instance\":{\"eq\":11934}}}"));
    /* location.country reads the record's location.countryCode */
    assert_int_equal(total("{\"filters\":{\"location.country\":{\"eq\":\"NP\"},"
                           "\"instance\":{\"eq\":11934}}}"), 1);
    assert_int_equal(total("{\"filters\":{\"location.country\":{\"isset\":true},"
                           "\"instance\":{\"eq\":11934}}}"), 1);
    assert_int_equal(total("{\"filters\":{\"location.country\":{\"neq\":[\"NP\"]},"
                           "\"instance\":{\"eq\":11934}}}"),
                     total("{\"filters\":{\"instance\":{\"eq\":11934}}}") - 1);
    assert_int_equal(total("{\"filters\":{\"user.username\":{\"eq\":\"ann@example.com\"},"
                           "\"instance\":{\"eq\":11934}}}"), N_ACTS / 5 + 1);
    assert_int_equal(total("{\"filters\":{\"user.username\":{\"neq\":[\"ann@example.com\"]},"
                           "\"instance\":{\"eq\":11934}}}"), N_ACTS - N_ACTS / 5);
    assert_int_equal(total("{\"filters\":{\"activity.eventType\":{\"eq\":[\"EVENT_CATEGORY_DOWNLOAD_ITEM\"]}}}"),
                     N_ACTS / 10);
    assert_int_equal(total("{\"filters\":{\"activity.eventType\":{\"eq\":\"EVENT_SMARTSHEET_REPORT_EXPORT\"}}}"),
                     N_ACTS / 10);
    assert_int_equal(total("{\"filters\":{\"service\":{\"eq\":[11934]},\"source\":{\"eq\":2},"
                           "\"instance\":{\"eq\":11934}}}"), N_ACTS + 1);
    assert_int_equal(total("{\"filters\":{\"service\":{\"neq\":[11934]}}}"), 0);
}

static void test_comparisons_and_range(void **state)
{
    (void)state;
    char p[256];
    snprintf(p, sizeof p, "{\"filters\":{\"date\":{\"gte\":%lld,\"lt\":%lld}}}", T0 + 10000, T0 + 20000);
    assert_int_equal(total(p), 10);
    snprintf(p, sizeof p, "{\"filters\":{\"date\":{\"gt\":%lld,\"lte\":%lld}}}", T0 + 10000, T0 + 20000);
    assert_int_equal(total(p), 10);
    snprintf(p, sizeof p, "{\"filters\":{\"date\":{\"range\":{\"start\":%lld,\"end\":%lld}}}}",
             T0 + 100000, T0 + 104000);
    assert_int_equal(total(p), 5);
    snprintf(p, sizeof p, "{\"filters\":{\"date\":{\"range\":[{\"start\":%lld,\"end\":%lld},"
             "{\"start\":%lld,\"end\":%lld}]}}}", T0 + 100000, T0 + 101000, T0 + 200000, T0 + 200000);
    assert_int_equal(total(p), 3);
    assert_int_equal(total("{\"filters\":{\"created\":{\"gte\":0}},\"limit\":1}"), N_ACTS + 2);
    /* now is T0 + 1000 s in these tests: one day back covers everything. */
    assert_int_equal(total("{\"filters\":{\"date\":{\"gte_ndays\":1},\"instance\":{\"eq\":11934}}}"),
                     N_ACTS + 1);
}

static void test_text_operators(void **state)
{
    (void)state;
    assert_int_equal(total("{\"filters\":{\"user.username\":{\"startswith\":[\"ann@\"]},"
                           "\"instance\":{\"eq\":11934}}}"), N_ACTS / 5 + 1);
    assert_int_equal(total("{\"filters\":{\"user.username\":{\"contains\":\"@example\"},"
                           "\"instance\":{\"eq\":11934}}}"), N_ACTS + 1);
    assert_int_equal(total("{\"filters\":{\"text\":{\"text\":\"Download item\"}}}"), N_ACTS / 10);
    /* LIKE wildcards in a value are literal. */
    assert_int_equal(total("{\"filters\":{\"user.username\":{\"contains\":\"%\"}}}"), 0);
    assert_int_equal(total("{\"filters\":{\"ip.address\":{\"isnotset\":true}}}"), N_ACTS + 2);
    assert_int_equal(total("{\"filters\":{\"ip.address\":{\"isset\":true}}}"), 0);
    assert_int_equal(total("{\"filters\":{\"user.username\":{\"isset\":true}}}"), N_ACTS + 2);
}

static void test_bad_filters(void **state)
{
    (void)state;
    expect_bad("{\"filters\":{\"colour\":{\"eq\":1}}}", "filters", "unknown filter 'colour'");
    expect_bad("{\"filters\":{\"date\":{\"startswith\":[\"1\"]}}}", "filters", "not valid for filter 'date'");
    expect_bad("{\"filters\":{\"date\":{\"gte\":\"soon\"}}}", "filters", "wants a number");
    expect_bad("{\"filters\":{\"date\":{\"range\":{\"start\":1}}}}", "filters", "start");
    expect_bad("{\"filters\":{\"service\":{\"eq\":[]}}}", "filters", "1 to 100 values");
    expect_bad("{\"filters\":{\"service\":{\"eq\":[\"x\"]}}}", "filters", "not a valid value");
    expect_bad("{\"filters\":{\"user.username\":{\"isset\":\"yes\"}}}", "filters", "true or false");
    expect_bad("{\"filters\":[1]}", "filters", "must be an object");
    expect_bad("{\"filters\":{\"activity.type\":{\"eq\":\"admin\"}}}", "filters",
               "activity.type.eq wants true or false");
    expect_bad("{\"filters\":{\"activity.type\":{\"eq\":[]}}}", "filters", "true or false");
    expect_bad("{\"filters\":{\"activity.type\":{\"neq\":true}}}", "filters",
               "not valid for filter 'activity.type'");
    /* documented filters the double does not model stay refused, by name */
    expect_bad("{\"filters\":{\"device.type\":{\"eq\":\"MOBILE\"}}}", "filters",
               "unknown filter 'device.type'");
    expect_bad("{\"filters\":{\"date\":5}}", "filters", "operator");
    expect_bad("{\"limit\":0}", "limit", "positive");
    expect_bad("{\"skip\":-1}", "skip", "skip");
    expect_bad("{\"sortField\":\"severity\"}", "sortField", "date");
    expect_bad("{\"sortDirection\":\"up\"}", "sortDirection", "asc");
    expect_bad("{\"isScan\":true,\"skip\":500}", "isScan", "leave out skip");
}

static void test_too_many_values(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_puts(&b, "{\"filters\":{");
    /* 100 + 100 + 2 x 200 bound values: past the 512 the query holds. */
    static const char *const f[] = {"user.username", "ip.address", "text"};
    for (int k = 0; k < 3; k++) {
        buf_printf(&b, "%s\"%s\":{", k ? "," : "", f[k]);
        for (int o = 0; o < (k == 2 ? 2 : 1); o++) {
            buf_printf(&b, "%s\"%s\":[", o ? "," : "", o ? "startswith" : "contains");
            for (int i = 0; i < 100; i++)
                buf_printf(&b, "%s\"v%d\"", i ? "," : "", i);
            buf_puts(&b, "]");
        }
        buf_puts(&b, "}");
    }
    buf_puts(&b, "}}");
    expect_bad(b.ptr, "filters", "too many filter values in all (at most 512 bound values)");
    buf_release(&b);
}

static void test_pagination_edges(void **state)
{
    (void)state;
    static const char f[] = "\"filters\":{\"instance\":{\"eq\":11934}}";
    char p[256];
    /* Default page and the cap on limit. */
    snprintf(p, sizeof p, "{%s,\"limit\":500}", f);
    cJSON *j = query(p);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 100);
    assert_int_equal(count_of(j, "max"), 100);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "hasNext")));
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "moreThanTotal")));
    cJSON_Delete(j);
    /* The last page exactly: N_ACTS + 1 rows, skip to leave 1. */
    snprintf(p, sizeof p, "{%s,\"skip\":%d,\"limit\":1}", f, N_ACTS);
    j = query(p);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 1);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "hasNext")));
    cJSON_Delete(j);
    snprintf(p, sizeof p, "{%s,\"skip\":%d,\"limit\":1}", f, N_ACTS - 1);
    j = query(p);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "hasNext")));
    cJSON_Delete(j);
    /* Past the end: empty, no next. */
    snprintf(p, sizeof p, "{%s,\"skip\":100000}", f);
    j = query(p);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "data")), 0);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(j, "hasNext")));
    assert_int_equal(count_of(j, "total"), N_ACTS + 1);
    cJSON_Delete(j);
    /* Sorting: asc by date starts at the oldest; desc (default) at the newest. */
    snprintf(p, sizeof p, "{%s,\"sortField\":\"date\",\"sortDirection\":\"asc\",\"limit\":2}", f);
    j = query(p);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0);
    assert_int_equal((int64_t)cJSON_GetObjectItem(first, "timestamp")->valuedouble, T0);
    cJSON_Delete(j);
    j = query("{\"limit\":1,\"filters\":{\"instance\":{\"eq\":11934}}}");
    first = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "data"), 0);
    assert_int_equal((int64_t)cJSON_GetObjectItem(first, "timestamp")->valuedouble,
                     T0 + (N_ACTS - 1) * 1000LL);
    assert_string_equal(cJSON_GetObjectItem(first, "_id")->valuestring, "97134000_11934_2.1.e249");
    assert_non_null(cJSON_GetObjectItem(first, "created"));
    assert_non_null(cJSON_GetObjectItem(first, "rawDataJson"));
    cJSON_Delete(j);
    /* Walking every page with skip sees each activity once. */
    int seen = 0;
    for (int skip = 0; skip < 1000; skip += 100) {
        snprintf(p, sizeof p, "{%s,\"skip\":%d}", f, skip);
        j = query(p);
        seen += cJSON_GetArraySize(cJSON_GetObjectItem(j, "data"));
        int more = cJSON_IsTrue(cJSON_GetObjectItem(j, "hasNext"));
        cJSON_Delete(j);
        if (!more)
            break;
    }
    assert_int_equal(seen, N_ACTS + 1);
}

static void test_fetch_one(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 1 << 20);
    assert_int_equal(store_activity_json(st, "97134000_11934_2.1.e007", &out), 0);
    cJSON *j = cJSON_Parse(out.ptr);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "rawDataJson"), "eventId")->valuestring,
                        "2.1.e007");
    cJSON_Delete(j);
    buf_clear(&out);
    assert_int_equal(store_activity_json(st, "97134000_11934_nope", &out), -1);
    assert_int_equal(store_activity_json(st, "garbage", &out), -1);
    assert_int_equal(store_activity_json(st, "1_11934_2.1.e007", &out), -1);
    buf_release(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicates_stored_once),
        cmocka_unit_test(test_rejected_not_stored_and_recorded),
        cmocka_unit_test(test_failed_commit_marks_nothing_seen),
        cmocka_unit_test(test_eq_neq),
        cmocka_unit_test(test_comparisons_and_range),
        cmocka_unit_test(test_text_operators),
        cmocka_unit_test(test_bad_filters),
        cmocka_unit_test(test_too_many_values),
        cmocka_unit_test(test_pagination_edges),
        cmocka_unit_test(test_fetch_one),
    };
    int failed = cmocka_run_group_tests_name("eager indexes", tests, setup, teardown);
    lazy_indexes = 1;
    failed += cmocka_run_group_tests_name("lazy indexes", tests, setup, teardown);
    return failed;
}
