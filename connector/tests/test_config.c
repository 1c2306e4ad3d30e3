/* Config validation: a good file loads with defaults; every missing,
 * mistyped or out-of-range key and any unknown key is refused with a
 * message naming it, and secrets never appear in the message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../config.h"

static const char *const required[] = {
    "smartsheet_api_url", "smartsheet_authorize_url", "client_id", "client_secret",
    "redirect_url", "cas_url", "cas_instance_id", "cas_token", "state_dir", NULL,
};

static cJSON *good(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "smartsheet_api_url", "http://127.0.0.1:4301/2.0/");
    cJSON_AddStringToObject(o, "smartsheet_authorize_url", "http://127.0.0.1:4301/b/authorize");
    cJSON_AddStringToObject(o, "client_id", "abc123");
    cJSON_AddStringToObject(o, "client_secret", "TOPSECRETVALUE");
    cJSON_AddStringToObject(o, "redirect_url", "http://127.0.0.1:4302/api/oauth/saga");
    cJSON_AddStringToObject(o, "cas_url", "http://127.0.0.1:4302");
    cJSON_AddNumberToObject(o, "cas_instance_id", 11934);
    cJSON_AddStringToObject(o, "cas_token", "CASTOKENVALUE");
    cJSON_AddStringToObject(o, "state_dir", "/tmp/x state");
    return o;
}

static int parse(cJSON *o, struct conn_config *c, char *err, size_t cap)
{
    char *t = cJSON_PrintUnformatted(o);
    int rc = conn_config_parse(t, strlen(t), c, err, cap);
    free(t);
    cJSON_Delete(o);
    return rc;
}

static void test_good_config_gets_defaults(void **s)
{
    (void)s;
    struct conn_config c;
    char err[400];
    assert_int_equal(parse(good(), &c, err, sizeof err), 0);
    assert_string_equal(c.smartsheet_api_url, "http://127.0.0.1:4301/2.0");
    assert_int_equal(c.cas_instance_id, 11934);
    assert_true(c.time_scale == 1.0);
    assert_int_equal(c.backfill_days, 7);
    assert_int_equal(c.rate_limit_per_minute, 300);
    assert_int_equal(c.log_format, LOG_TEXT);
    assert_null(c.ca_file);
    conn_config_release(&c);
}

static void test_each_missing_key_is_named(void **s)
{
    (void)s;
    for (size_t i = 0; required[i]; i++) {
        cJSON *o = good();
        cJSON_DeleteItemFromObject(o, required[i]);
        struct conn_config c;
        char err[400] = "";
        assert_int_equal(parse(o, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, required[i]));
    }
}

static void test_each_mistyped_key_is_named(void **s)
{
    (void)s;
    static const char *const keys[] = {
        "smartsheet_api_url", "client_id", "client_secret", "cas_url", "cas_instance_id",
        "cas_token", "state_dir", "ca_file", "time_scale", "backfill_days",
        "rate_limit_per_minute", "log_format", NULL};
    for (size_t i = 0; keys[i]; i++) {
        cJSON *o = good();
        cJSON_DeleteItemFromObject(o, keys[i]);
        cJSON_AddItemToObject(o, keys[i], cJSON_CreateBool(1));
        struct conn_config c;
        char err[400] = "";
        assert_int_equal(parse(o, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, keys[i]));
    }
}

static void test_out_of_range_values_are_refused(void **s)
{
    (void)s;
    struct { const char *key; double v; } bad[] = {
        {"time_scale", 0}, {"time_scale", -2}, {"backfill_days", 0}, {"backfill_days", 1.5},
        {"rate_limit_per_minute", 0}, {"cas_instance_id", -1}, {"backfill_days", 100000},
        {"time_scale", 1e-300},   /* a duration of 1 ms would be 1e300 ms: a cast out of range */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *o = good();
        cJSON_DeleteItemFromObject(o, bad[i].key);
        cJSON_AddNumberToObject(o, bad[i].key, bad[i].v);
        struct conn_config c;
        char err[400] = "";
        assert_int_equal(parse(o, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, bad[i].key));
    }
}

static void test_unknown_and_bad_values(void **s)
{
    (void)s;
    struct conn_config c;
    char err[400] = "";
    cJSON *o = good();
    cJSON_AddStringToObject(o, "client_secrets", "x");
    assert_int_equal(parse(o, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "client_secrets"));

    o = good();
    cJSON_AddStringToObject(o, "log_format", "xml");
    assert_int_equal(parse(o, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "log_format"));

    o = good();
    cJSON_DeleteItemFromObject(o, "cas_url");
    cJSON_AddStringToObject(o, "cas_url", "ftp://host");
    assert_int_equal(parse(o, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "cas_url"));

    o = good();
    cJSON_DeleteItemFromObject(o, "client_secret");
    cJSON_AddStringToObject(o, "client_secret", "");
    assert_int_equal(parse(o, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "client_secret"));

    assert_int_equal(conn_config_parse("[1]", 3, &c, err, sizeof err), -1);
    assert_int_equal(conn_config_parse("{\"a\":", 5, &c, err, sizeof err), -1);
}

static void test_messages_never_quote_secrets(void **s)
{
    (void)s;
    struct conn_config c;
    char err[400] = "";
    cJSON *o = good();
    cJSON_DeleteItemFromObject(o, "cas_instance_id");
    cJSON_AddStringToObject(o, "cas_instance_id", "TOPSECRETVALUE");
    assert_int_equal(parse(o, &c, err, sizeof err), -1);
    assert_null(strstr(err, "TOPSECRETVALUE"));
    assert_null(strstr(err, "CASTOKENVALUE"));
}

static void test_load_names_the_file(void **s)
{
    (void)s;
    char path[] = "/tmp/conn-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"nope\":1}", 10), 10);
    close(fd);
    struct conn_config c;
    char err[600] = "";
    assert_int_equal(conn_config_load(path, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "nope"));
    unlink(path);
    assert_int_equal(conn_config_load("/nonexistent/conn.json", &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/conn.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_config_gets_defaults),
        cmocka_unit_test(test_each_missing_key_is_named),
        cmocka_unit_test(test_each_mistyped_key_is_named),
        cmocka_unit_test(test_out_of_range_values_are_refused),
        cmocka_unit_test(test_unknown_and_bad_values),
        cmocka_unit_test(test_messages_never_quote_secrets),
        cmocka_unit_test(test_load_names_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
