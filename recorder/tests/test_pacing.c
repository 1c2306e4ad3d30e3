/* Pacing on a fake clock: never more than the limit in any rolling 60 s,
 * and no wait while under it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "fetch.h"

static int64_t clock_ms;
static int64_t slept;

static int64_t fake_now(void)
{
    return clock_ms;
}

static void fake_sleep(int64_t ms)
{
    clock_ms += ms;
    slept += ms;
}

static void run(int limit, int requests, int64_t gap_ms)
{
    struct fetch f;
    fetch_init(&f, "http://127.0.0.1:9", "t", limit);
    f.now = fake_now;
    f.sleep = fake_sleep;
    f.quiet = 1;
    clock_ms = 1000000;
    slept = 0;
    int64_t *start = calloc((size_t)requests, sizeof *start);
    for (int i = 0; i < requests; i++) {
        fetch_pace(&f);
        start[i] = clock_ms;
        clock_ms += gap_ms;
    }
    /* Request i and request i+limit are more than 60 s apart. */
    for (int i = 0; i + limit < requests; i++)
        assert_true(start[i + limit] - start[i] > 60000);
    if (gap_ms * limit > 60000)
        assert_int_equal(slept, 0);
    free(start);
}

static void test_burst(void **st)
{
    (void)st;
    run(300, 1000, 0);
    assert_true(slept >= 3 * 60000);      /* 1000 requests need more than three minutes */
}

static void test_slow_client_never_waits(void **st)
{
    (void)st;
    run(300, 1000, 250);                  /* 240 a minute */
}

static void test_small_limits(void **st)
{
    (void)st;
    run(1, 10, 5);
    run(7, 100, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_burst),
        cmocka_unit_test(test_slow_client_never_waits),
        cmocka_unit_test(test_small_limits),
    };
    return cmocka_run_group_tests_name("recorder pacing", tests, NULL, NULL);
}
