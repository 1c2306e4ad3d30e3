/* Pseudonyms: the same input gives the same output within a recording
 * (one salt), another salt gives another output, and every output keeps
 * the shape the scenario format needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pseudo.h"
#include "writer.h"

static void test_ids(void **st)
{
    (void)st;
    struct pseudo *p = pseudo_new(1);
    pseudo_keep_id(p, 3940654876256132LL);
    int64_t a = pseudo_id(p, 1000000187331781LL);
    assert_true(a >= 1000000000000000LL && a < (1LL << 53));
    assert_true(a != 1000000187331781LL);
    assert_true(pseudo_id(p, 1000000187331781LL) == a);
    assert_true(pseudo_id(p, 3940654876256132LL) == 3940654876256132LL);
    /* Distinct inputs, distinct outputs. */
    int64_t *seen = calloc(20000, sizeof *seen);
    for (int i = 0; i < 20000; i++) {
        seen[i] = pseudo_id(p, 1000000000000000LL + i);
        assert_true(seen[i] >= 1000000000000000LL && seen[i] < (1LL << 53));
    }
    for (int i = 0; i < 20000; i++)
        assert_true(pseudo_id(p, 1000000000000000LL + i) == seen[i]);
    free(seen);
    struct pseudo *q = pseudo_new(1);
    assert_true(pseudo_id(q, 1000000187331781LL) != a);
    pseudo_free(q);
    pseudo_free(p);
}

static void test_strings(void **st)
{
    (void)st;
    struct pseudo *p = pseudo_new(1), *q = pseudo_new(1);
    char *e1 = pseudo_email(p, "Avery.Admin@northwind.example");
    char *e2 = pseudo_email(p, "avery.admin@NORTHWIND.example");
    char *e3 = pseudo_email(q, "avery.admin@northwind.example");
    assert_string_equal(e1, e2);
    assert_string_not_equal(e1, e3);
    assert_true(looks_like_email(e1));
    assert_int_equal(strlen(e1), strlen("user-000000000000@recorded.example"));
    char *n1 = pseudo_person_name(p, "first", "Avery"), *n2 = pseudo_person_name(p, "first", "Avery");
    assert_string_equal(n1, n2);
    assert_string_not_equal(n1, "Avery");
    char *s1 = pseudo_label(p, "Sheet", "Salaries 2026");
    assert_int_equal(strncmp(s1, "Sheet ", 6), 0);
    assert_null(strstr(s1, "Salaries"));
    char *i1 = pseudo_ip(p, "203.0.113.7"), *i2 = pseudo_ip(p, "203.0.113.7");
    assert_string_equal(i1, i2);
    assert_true(!strncmp(i1, "198.51.100.", 11) || !strncmp(i1, "192.0.2.", 8));
    char *i6 = pseudo_ip(p, "2a01:4f8::1");
    assert_int_equal(strncmp(i6, "2001:db8:", 9), 0);
    free(e1), free(e2), free(e3), free(n1), free(n2), free(s1), free(i1), free(i2), free(i6);
    pseudo_free(p);
    pseudo_free(q);
}

static void test_disabled(void **st)
{
    (void)st;
    struct pseudo *p = pseudo_new(0);
    char *e = pseudo_email(p, "a@b.example"), *i = pseudo_ip(p, "10.1.2.3");
    assert_string_equal(e, "a@b.example");
    assert_string_equal(i, "10.1.2.3");
    assert_true(pseudo_id(p, 42) == 42);
    free(e), free(i);
    pseudo_free(p);
}

static void test_event(void **st)
{
    (void)st;
    struct pseudo *p = pseudo_new(1);
    cJSON *ev = cJSON_Parse(
        "{\"eventId\":\"x\",\"objectType\":\"USER\",\"action\":\"ADD_TO_ACCOUNT\","
        "\"objectId\":1000000000000007,\"objectIdStr\":\"1000000000000007\","
        "\"userId\":1000000000000001,\"requestUserId\":1000000000000001,"
        "\"accessTokenName\":\"Alice's script\",\"additionalDetails\":{"
        "\"emailAddress\":\"alice@corp.example\",\"sourceIpAddress\":\"81.2.69.160\","
        "\"sheetName\":\"Alice private\",\"appName\":\"Zapier\",\"invitees\":[\"bob@corp.example\"]}}");
    writer_event(p, ev);
    char *s = cJSON_PrintUnformatted(ev);
    assert_null(strstr(s, "alice"));
    assert_null(strstr(s, "Alice"));
    assert_null(strstr(s, "bob@"));
    assert_null(strstr(s, "81.2.69.160"));
    assert_non_null(strstr(s, "Zapier"));
    cJSON *oid = cJSON_GetObjectItem(ev, "objectId");
    assert_true((int64_t)oid->valuedouble == pseudo_id(p, 1000000000000007LL));
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)pseudo_id(p, 1000000000000007LL));
    assert_string_equal(cJSON_GetObjectItem(ev, "objectIdStr")->valuestring, want);
    assert_true((int64_t)cJSON_GetObjectItem(ev, "userId")->valuedouble ==
                pseudo_id(p, 1000000000000001LL));
    free(s);
    cJSON_Delete(ev);
    /* An event without additionalDetails gets the emailAddress the format needs. */
    ev = cJSON_Parse("{\"eventId\":\"y\",\"userId\":5}");
    writer_event(p, ev);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(ev, "additionalDetails"), "emailAddress"));
    cJSON_Delete(ev);
    pseudo_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_event),
    };
    return cmocka_run_group_tests_name("recorder pseudonyms", tests, NULL, NULL);
}
