/* Fault rules (matching, nth, count, probability, windows, bad input) and
 * the journal (ring bound, filters, redaction). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <string.h>

#include "fault.h"
#include "journal.h"
#include "kit_limits.h"

static const int codes[] = {4001, 4004, 0};

static unsigned add_at(struct fault_set *fs, const char *json, int64_t now_ms, char *err,
                       size_t errlen)
{
    cJSON *j = cJSON_Parse(json);
    unsigned id = fault_add_json(fs, j, codes, now_ms, err, errlen);
    cJSON_Delete(j);
    return id;
}

static unsigned add(struct fault_set *fs, const char *json, char *err, size_t errlen)
{
    return add_at(fs, json, 0, err, errlen);
}

/* fault_check for a caller with this token id whose token age is unknown. */
static int check(struct fault_set *fs, const char *method, const char *path, const char *tid,
                 int64_t now_ms, struct fault_fire *f)
{
    struct fault_caller c = {tid, -1};
    return fault_check(fs, method, path, &c, now_ms, f);
}

static void nth_and_count(void **state)
{
    (void)state;
    struct fault_set *fs = fault_set_new();
    char err[256];
    assert_true(add(fs, "{\"path\":\"/2.0/events\",\"nth\":3,\"action\":\"error\",\"errorCode\":4001}",
                    err, sizeof err));
    struct fault_fire f;
    assert_false(check(fs, "GET", "/2.0/events", "", 0, &f));
    assert_false(check(fs, "GET", "/2.0/users", "", 0, &f));    /* not counted */
    assert_false(check(fs, "GET", "/2.0/events/", "", 0, &f));
    assert_true(check(fs, "GET", "/2.0/events", "", 0, &f));    /* the third */
    assert_int_equal(f.action, FAULT_ERROR);
    assert_int_equal(f.error_code, 4001);
    assert_false(check(fs, "GET", "/2.0/events", "", 0, &f));

    fault_set_clear(fs);
    assert_true(add(fs, "{\"path\":\"/2.0/*\",\"count\":2,\"action\":\"close\"}", err, sizeof err));
    assert_true(check(fs, "GET", "/2.0/users", "", 0, &f));
    assert_true(check(fs, "POST", "/2.0/token", "", 0, &f));
    assert_false(check(fs, "GET", "/2.0/users", "", 0, &f));
    fault_set_free(fs);
}

static void token_method_and_window(void **state)
{
    (void)state;
    struct fault_set *fs = fault_set_new();
    char err[256];
    assert_true(add(fs, "{\"method\":\"GET\",\"token\":\"abcd1234\",\"afterMs\":1000,\"untilMs\":2000,"
                        "\"action\":\"delay\",\"delayMs\":500}", err, sizeof err));
    struct fault_fire f;
    assert_false(check(fs, "GET", "/x", "abcd1234", 999, &f));
    assert_false(check(fs, "GET", "/x", "ffff0000", 1500, &f));
    assert_false(check(fs, "POST", "/x", "abcd1234", 1500, &f));
    assert_true(check(fs, "GET", "/x", "abcd1234", 1500, &f));
    assert_int_equal(f.delay_ms, 500);
    assert_false(check(fs, "GET", "/x", "abcd1234", 2000, &f));
    fault_set_free(fs);
}

/* reject parses, fires on its path, and is listed under its name. */
static void reject_rule(void **state)
{
    (void)state;
    struct fault_set *fs = fault_set_new();
    char err[256];
    assert_true(add(fs, "{\"path\":\"/api/*\",\"action\":\"reject\",\"count\":1}", err,
                    sizeof err));
    /* a 1xx status is no final answer: a client would wait for ever */
    assert_false(add(fs, "{\"action\":\"status\",\"status\":100}", err, sizeof err));
    assert_non_null(strstr(err, "200 to 599"));
    struct fault_fire f;
    assert_false(fault_check(fs, "GET", "/2.0/users", NULL, 0, &f));
    assert_true(fault_check(fs, "POST", "/api/v1/x", NULL, 0, &f));
    assert_int_equal(f.action, FAULT_REJECT);
    assert_false(fault_check(fs, "POST", "/api/v1/x", NULL, 0, &f));   /* count 1 */
    struct buf b;
    buf_init(&b, 4096);
    fault_list_json(fs, &b);
    assert_non_null(strstr(b.ptr, "\"action\":\"reject\""));
    buf_release(&b);
    fault_set_free(fs);
}

/* A newToken rule matches only tokens issued at or after the rule was
 * added; a hold rule carries its duration. */
static void new_token_and_hold(void **state)
{
    (void)state;
    struct fault_set *fs = fault_set_new();
    char err[256];
    assert_false(fault_wants_token_age(fs));
    assert_true(add_at(fs, "{\"path\":\"/2.0/users\",\"newToken\":true,\"action\":\"hold\","
                           "\"delayMs\":60000}", 5000, err, sizeof err));
    assert_true(fault_wants_token_age(fs));
    struct fault_fire f;
    struct fault_caller old = {"aaaa1111", 4999}, unknown = {"bbbb2222", -1},
                        fresh = {"cccc3333", 5000};
    assert_false(fault_check(fs, "GET", "/2.0/users", &old, 6000, &f));
    assert_false(fault_check(fs, "GET", "/2.0/users", &unknown, 6000, &f));
    assert_false(fault_check(fs, "GET", "/2.0/users", NULL, 6000, &f));
    assert_true(fault_check(fs, "GET", "/2.0/users", &fresh, 6000, &f));
    assert_int_equal(f.action, FAULT_HOLD);
    assert_int_equal(f.delay_ms, 60000);
    struct buf b;
    buf_init(&b, 4096);
    fault_list_json(fs, &b);
    assert_non_null(strstr(b.ptr, "\"action\":\"hold\""));
    assert_non_null(strstr(b.ptr, "\"newToken\":true"));
    buf_release(&b);
    fault_set_clear(fs);
    assert_false(fault_wants_token_age(fs));
    assert_false(add(fs, "{\"action\":\"hold\"}", err, sizeof err));
    assert_non_null(strstr(err, "delayMs"));
    assert_false(add(fs, "{\"newToken\":1,\"action\":\"close\"}", err, sizeof err));
    assert_non_null(strstr(err, "newToken"));
    fault_set_free(fs);
}

/* An edit rule carries its field and its value as JSON text; the field
 * is required. */
static void edit_rule(void **state)
{
    (void)state;
    struct fault_set *fs = fault_set_new();
    char err[256];
    assert_true(add(fs, "{\"path\":\"/2.0/token\",\"action\":\"edit\",\"field\":\"expires_in\","
                        "\"value\":0}", err, sizeof err));
    assert_true(add(fs, "{\"path\":\"/x\",\"action\":\"edit\",\"field\":\"access_token\"}", err,
                    sizeof err));
    struct fault_fire f;
    assert_true(fault_check(fs, "POST", "/2.0/token", NULL, 0, &f));
    assert_int_equal(f.action, FAULT_EDIT);
    assert_string_equal(f.field, "expires_in");
    assert_string_equal(f.value, "0");
    assert_true(fault_check(fs, "GET", "/x", NULL, 0, &f));
    assert_string_equal(f.field, "access_token");
    assert_string_equal(f.value, "");
    struct buf b;
    buf_init(&b, 4096);
    fault_list_json(fs, &b);
    assert_non_null(strstr(b.ptr, "\"action\":\"edit\",\"errorCode\""));
    assert_non_null(strstr(b.ptr, "\"field\":\"expires_in\",\"value\":0}"));
    buf_release(&b);
    assert_false(add(fs, "{\"action\":\"edit\"}", err, sizeof err));
    assert_non_null(strstr(err, "'field'"));
    fault_set_free(fs);
}

static int fires_in(struct fault_set *fs, int n)
{
    struct fault_fire f;
    int fired = 0;
    for (int i = 0; i < n; i++)
        fired += check(fs, "GET", "/p", "", 0, &f);
    return fired;
}

static void seeded_probability_is_repeatable(void **state)
{
    (void)state;
    char err[256];
    struct fault_set *a = fault_set_new(), *b = fault_set_new();
    const char *rule = "{\"probability\":0.25,\"seed\":42,\"action\":\"truncate\"}";
    assert_true(add(a, rule, err, sizeof err));
    assert_true(add(b, rule, err, sizeof err));
    int fa = fires_in(a, 4000), fb = fires_in(b, 4000);
    assert_int_equal(fa, fb);
    assert_in_range(fa, 800, 1200);
    fault_set_free(a);
    fault_set_free(b);
}

static void bad_rules_are_refused_with_the_field(void **state)
{
    (void)state;
    struct fault_set *fs = fault_set_new();
    char err[256];
    struct { const char *json, *field; } bad[] = {
        {"[]", "object"},
        {"{\"action\":\"explode\"}", "action"},
        {"{\"action\":\"error\",\"errorCode\":1234}", "errorCode"},
        {"{\"action\":\"error\"}", "errorCode"},
        {"{\"action\":\"status\"}", "status"},
        {"{\"action\":\"delay\"}", "delayMs"},
        {"{\"action\":\"close\",\"probability\":2}", "probability"},
        {"{\"action\":\"close\",\"nth\":\"3\"}", "nth"},
        {"{\"action\":\"close\",\"paht\":\"/x\"}", "paht"},
        {"{\"action\":\"close\",\"method\":\"VERYLONGMETHOD\"}", "method"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(add(fs, bad[i].json, err, sizeof err), 0);
        assert_non_null(strstr(err, bad[i].field));
    }
    for (unsigned i = 0; i < 64; i++)
        assert_true(add(fs, "{\"action\":\"close\"}", err, sizeof err));
    assert_int_equal(add(fs, "{\"action\":\"close\"}", err, sizeof err), 0);
    assert_non_null(strstr(err, "too many"));
    fault_set_free(fs);
}

static void journal_ring_and_filters(void **state)
{
    (void)state;
    struct journal *j = journal_new(3);
    for (int i = 1; i <= 5; i++) {
        struct journal_entry e = {.seq = (uint64_t)i, .status = i == 5 ? 429 : 200};
        strcpy(e.method, i % 2 ? "GET" : "POST");
        strcpy(e.token_id, "aaaa0000");
        e.path = i == 4 ? "/2.0/token" : "/2.0/events";
        journal_add(j, &e);
    }
    struct buf b;
    buf_init(&b, 1 << 20);
    journal_to_json(j, NULL, &b);
    cJSON *doc = cJSON_Parse(b.ptr);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetObjectItem(doc, "dropped")->valueint, 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "entries")), 3);
    cJSON_Delete(doc);

    buf_clear(&b);
    struct journal_filter f = {.method = "GET", .path_prefix = "/2.0/events"};
    journal_to_json(j, &f, &b);
    doc = cJSON_Parse(b.ptr);
    cJSON *entries = cJSON_GetObjectItem(doc, "entries");
    assert_int_equal(cJSON_GetArraySize(entries), 2);           /* seq 3 and 5 */
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(entries, 1), "status")->valueint, 429);
    cJSON_Delete(doc);
    buf_release(&b);
    journal_free(j);
}

static void redaction_keeps_names_hides_values(void **state)
{
    (void)state;
    static const char *const names[] = {"code", "client_secret", NULL};
    const char *form = "grant_type=authorization_code&code=s3cr3t&client_id=abc&client_secret=p%40ss";
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(journal_redact(form, strlen(form), names, &b), 0);
    assert_null(strstr(b.ptr, "s3cr3t"));
    assert_null(strstr(b.ptr, "p%40ss"));
    assert_non_null(strstr(b.ptr, "grant_type=authorization_code&code=REDACTED-"));
    assert_non_null(strstr(b.ptr, "client_id=abc&client_secret=REDACTED-"));
    /* equal secrets give equal ids, so reuse stays visible */
    struct buf c;
    buf_init(&c, 4096);
    journal_redact("code=s3cr3t", 11, names, &c);
    assert_non_null(strstr(b.ptr, c.ptr));
    buf_release(&b);
    buf_release(&c);
}

static void secret_detection_sees_encoded_keys(void **state)
{
    (void)state;
    static const char *const names[] = {"code", "client_secret", NULL};
    assert_int_equal(journal_has_secret("since=2020-01-01&maxCount=10", 27, names), 0);
    assert_int_equal(journal_has_secret("codex=1&xcode=2&code", 20, names), 1);
    assert_int_equal(journal_has_secret("codex=1&xcode=2", 15, names), 0);
    assert_int_equal(journal_has_secret("a=1&c%6Fde=s3cr3t", 17, names), 1);
    assert_int_equal(journal_has_secret("client+secret=x", 15, names), 0);
    assert_int_equal(journal_has_secret("", 0, names), 0);
    struct buf b;
    buf_init(&b, 4096);
    assert_int_equal(journal_redact("a=1&c%6Fde=s3cr3t&b", 19, names, &b), 0);
    assert_null(strstr(b.ptr, "s3cr3t"));
    assert_non_null(strstr(b.ptr, "a=1&c%6Fde=REDACTED-"));
    assert_true(b.len > 3 && !strcmp(b.ptr + b.len - 2, "&b"));
    buf_release(&b);
}

/* A full journal of requests with 4 KiB paths, queries and user agents
 * stays within its documented bound (issue #13, item 8: it took 195 MB);
 * the newest entries are kept. */
static void journal_memory_is_bounded(void **state)
{
    (void)state;
    struct journal *j = journal_new(LIM_JOURNAL_DEFAULT);
    static char big[4097];
    memset(big, 'p', 4096);
    for (uint64_t i = 1; i <= LIM_JOURNAL_DEFAULT; i++) {
        struct journal_entry e = {.seq = i, .method = "GET", .status = 200, .path = big,
                                  .query = big, .user_agent = big, .note = big};
        journal_add(j, &e);
        assert_true(journal_text_bytes(j) <= LIM_JOURNAL_TEXT);
    }
    struct buf out;
    buf_init(&out, 64u << 20);
    struct journal_filter f = {.limit = 1, .after_seq = LIM_JOURNAL_DEFAULT - 1};
    assert_int_equal(journal_to_json(j, &f, &out), 0);
    assert_non_null(strstr(out.ptr, "\"seq\":20000"));
    buf_release(&out);
    journal_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secret_detection_sees_encoded_keys),
        cmocka_unit_test(nth_and_count),
        cmocka_unit_test(reject_rule),
        cmocka_unit_test(token_method_and_window),
        cmocka_unit_test(new_token_and_hold),
        cmocka_unit_test(edit_rule),
        cmocka_unit_test(seeded_probability_is_repeatable),
        cmocka_unit_test(bad_rules_are_refused_with_the_field),
        cmocka_unit_test(journal_ring_and_filters),
        cmocka_unit_test(journal_memory_is_bounded),
        cmocka_unit_test(redaction_keeps_names_hides_values),
    };
    return cmocka_run_group_tests_name("faults_journal", tests, NULL, NULL);
}
