/* test_jspan.c - finding array elements in JSON text, and the in-memory
 * eventId index that replaces a unique index. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../dedup.h"
#include "../jspan.h"

static void expect_spans(const char *text, const char *const *want, size_t nwant)
{
    struct jspan sp[8];
    size_t n = 99;
    assert_int_equal(jspan_array(text, strlen(text), "activities", sp, 8, &n), 0);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(sp[i].len, strlen(want[i]));
        assert_memory_equal(sp[i].start, want[i], sp[i].len);
    }
}

static void test_finds_elements(void **state)
{
    (void)state;
    const char *two[] = {"{\"a\":\"x]}\\\"{\"}", "{\"b\":[1,{\"c\":2}]}"};
    expect_spans("{\"activities\":[{\"a\":\"x]}\\\"{\"},{\"b\":[1,{\"c\":2}]}]}", two, 2);
    const char *spaced[] = {"{ \"k\" : 1 }", "17", "\"s\""};
    expect_spans(" {\n \"other\": {\"activities\": [9]}, \"n\": -1.5e3,\n"
                 "  \"activities\" : [ { \"k\" : 1 } ,17,\"s\" ] }", spaced, 3);
    expect_spans("{\"activities\":[]}", NULL, 0);
}

static void test_refuses_what_it_cannot_use(void **state)
{
    (void)state;
    struct jspan sp[2];
    size_t n;
    const char *bad[] = {"{\"acts\":[1]}", "{\"activities\":{}}", "[1]", "{\"activities\":[1,2,3]}",
                         "{\"activities\":[\"unterminated]}", "{\"activities\":[1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(jspan_array(bad[i], strlen(bad[i]), "activities", sp, 2, &n), -1);
}

static void test_dedup(void **state)
{
    (void)state;
    struct dedup d;
    dedup_init(&d);
    char id[32];
    for (int i = 1; i <= 5000; i++) {
        snprintf(id, sizeof id, "2.1.%d", i);
        assert_int_equal(dedup_find(&d, 11934, id), 0);
        dedup_put(&d, 11934, id, i);
    }
    assert_int_equal(dedup_find(&d, 11934, "2.1.4321"), 4321);
    assert_int_equal(dedup_find(&d, 1060510, "2.1.4321"), 0);
    assert_int_equal(dedup_find(&d, 11934, "2.1.0"), 0);
    dedup_put(&d, 1060510, "2.1.4321", 9999);
    assert_int_equal(dedup_find(&d, 1060510, "2.1.4321"), 9999);
    assert_int_equal(dedup_find(&d, 11934, "2.1.4321"), 4321);
    dedup_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_elements),
        cmocka_unit_test(test_refuses_what_it_cannot_use),
        cmocka_unit_test(test_dedup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
