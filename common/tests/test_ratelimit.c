/* Rate limiter: the exact boundary, the sliding window, the other
 * algorithms, per-key isolation and statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ratelimit.h"

static void sliding_allows_exactly_n_per_window(void **state)
{
    (void)state;
    struct ratelimit *rl = rl_new(RL_SLIDING, 300, 60000);
    for (int i = 0; i < 300; i++)
        assert_int_equal(rl_take(rl, "tok", 1000 + i, NULL), 1);
    int64_t retry = 0;
    assert_int_equal(rl_take(rl, "tok", 1300, &retry), 0);   /* the 301st */
    /* the first request was at 1000: it leaves the window at 61000 */
    assert_int_equal(retry, 61000 - 1300);
    assert_int_equal(rl_take(rl, "tok", 60999, NULL), 0);
    assert_int_equal(rl_take(rl, "tok", 61000, NULL), 1);
    assert_int_equal(rl_take(rl, "tok", 61000, NULL), 0);    /* the one at 1001 is still in */
    assert_int_equal(rl_take(rl, "tok", 61001, NULL), 1);
    assert_int_equal(rl_take(rl, "tok", 61001, NULL), 0);
    rl_free(rl);
}

static void sliding_never_exceeds_n_in_any_window(void **state)
{
    (void)state;
    /* a client hammering every 10 ms for five minutes */
    struct ratelimit *rl = rl_new(RL_SLIDING, 50, 1000);
    int64_t allowed[100000];
    size_t n = 0;
    for (int64_t t = 0; t < 300000; t += 10)
        if (rl_take(rl, "k", t, NULL))
            allowed[n++] = t;
    assert_true(n > 0);
    size_t lo = 0;
    for (size_t hi = 0; hi < n; hi++) {
        while (allowed[lo] <= allowed[hi] - 1000)
            lo++;
        assert_true(hi - lo + 1 <= 50);
    }
    /* and it does let the full budget through over time */
    assert_true(n >= 300 * 50 - 50);
    rl_free(rl);
}

static void refused_requests_do_not_use_budget(void **state)
{
    (void)state;
    struct ratelimit *rl = rl_new(RL_SLIDING, 2, 1000);
    assert_true(rl_take(rl, "k", 0, NULL));
    assert_true(rl_take(rl, "k", 1, NULL));
    for (int i = 0; i < 10; i++)
        assert_false(rl_take(rl, "k", 500 + i, NULL));
    assert_true(rl_take(rl, "k", 1000, NULL));
    rl_free(rl);
}

static void keys_are_independent(void **state)
{
    (void)state;
    struct ratelimit *rl = rl_new(RL_SLIDING, 1, 1000);
    assert_true(rl_take(rl, "a", 0, NULL));
    assert_false(rl_take(rl, "a", 1, NULL));
    assert_true(rl_take(rl, "b", 1, NULL));
    rl_free(rl);
}

static void fixed_window_resets_at_boundary(void **state)
{
    (void)state;
    struct ratelimit *rl = rl_new(RL_FIXED, 3, 1000);
    assert_true(rl_take(rl, "k", 997, NULL));
    assert_true(rl_take(rl, "k", 998, NULL));
    assert_true(rl_take(rl, "k", 999, NULL));
    int64_t retry = 0;
    assert_false(rl_take(rl, "k", 999, &retry));
    assert_int_equal(retry, 1);
    /* a fixed window lets 2N through across the boundary: that is its flaw */
    assert_true(rl_take(rl, "k", 1000, NULL));
    assert_true(rl_take(rl, "k", 1000, NULL));
    assert_true(rl_take(rl, "k", 1000, NULL));
    assert_false(rl_take(rl, "k", 1001, NULL));
    rl_free(rl);
}

static void gcra_allows_burst_then_steady_rate(void **state)
{
    (void)state;
    struct ratelimit *rl = rl_new(RL_GCRA, 10, 1000);   /* one per 100 ms, burst 10 */
    for (int i = 0; i < 10; i++)
        assert_true(rl_take(rl, "k", 0, NULL));
    int64_t retry = 0;
    assert_false(rl_take(rl, "k", 0, &retry));
    assert_int_equal(retry, 100);
    assert_false(rl_take(rl, "k", 99, NULL));
    assert_true(rl_take(rl, "k", 100, NULL));
    assert_false(rl_take(rl, "k", 150, NULL));
    assert_true(rl_take(rl, "k", 200, NULL));
    rl_free(rl);
}

static void stats_record_largest_window(void **state)
{
    (void)state;
    struct ratelimit *rl = rl_new(RL_SLIDING, 5, 1000);
    for (int i = 0; i < 8; i++)
        rl_take(rl, "k", 100 + i, NULL);          /* 8 in one window, 3 refused */
    rl_take(rl, "k", 5000, NULL);
    struct rl_stats st[4];
    assert_int_equal(rl_stats(rl, st, 4), 1);
    assert_string_equal(st[0].key, "k");
    assert_int_equal(st[0].requests, 9);
    assert_int_equal(st[0].refused, 3);
    assert_int_equal(st[0].max_in_window, 8);
    assert_int_equal(st[0].max_window_end, 107);
    rl_free(rl);
}

static void high_limits_count_requests_within_a_millisecond(void **state)
{
    (void)state;
    /* 100k requests in 10 ms under a raised limit: exact counts, though
     * requests of one millisecond share one entry */
    struct ratelimit *rl = rl_new(RL_SLIDING, 60000, 60000);
    int allowed = 0;
    for (int i = 0; i < 100000; i++)
        allowed += rl_take(rl, "k", i / 10000, NULL);
    assert_int_equal(allowed, 60000);
    int64_t retry = 0;
    assert_false(rl_take(rl, "k", 59999, &retry));
    assert_int_equal(retry, 1);
    for (int i = 0; i < 10000; i++)                      /* ms 0 leaves: 10,000 free */
        assert_true(rl_take(rl, "k", 60000, NULL));
    assert_false(rl_take(rl, "k", 60000, NULL));
    struct rl_stats st[1];
    assert_int_equal(rl_stats(rl, st, 1), 1);
    assert_int_equal(st[0].max_in_window, 100002);   /* at 60000: ms 1-9, 59999, 60000 */
    assert_int_equal(st[0].refused, 40002);
    rl_free(rl);
}

static void spec_parsing(void **state)
{
    (void)state;
    uint32_t n;
    int64_t w;
    assert_int_equal(rl_parse_spec("300/60", &n, &w), 0);
    assert_int_equal(n, 300);
    assert_int_equal(w, 60000);
    assert_int_equal(rl_parse_spec("5/0.5", &n, &w), 0);
    assert_int_equal(w, 500);
    const char *bad[] = {"", "300", "/60", "300/", "0/60", "-1/60", "300/0", "300/x", "1e3/60",
                         "300/60/1", " 300/60"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rl_parse_spec(bad[i], &n, &w), -1);
    enum rl_algo a;
    assert_int_equal(rl_parse_algo("gcra", &a), 0);
    assert_int_equal(a, RL_GCRA);
    assert_int_equal(rl_parse_algo("leaky", &a), -1);
    assert_null(rl_new(RL_SLIDING, 0, 1000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sliding_allows_exactly_n_per_window),
        cmocka_unit_test(sliding_never_exceeds_n_in_any_window),
        cmocka_unit_test(refused_requests_do_not_use_budget),
        cmocka_unit_test(high_limits_count_requests_within_a_millisecond),
        cmocka_unit_test(keys_are_independent),
        cmocka_unit_test(fixed_window_resets_at_boundary),
        cmocka_unit_test(gcra_allows_burst_then_steady_rate),
        cmocka_unit_test(stats_record_largest_window),
        cmocka_unit_test(spec_parsing),
    };
    return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
